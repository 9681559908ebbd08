"""The book's pages (tools/book.py, tools/book_pages.py) without building it: which outputs the
student book keeps, where links point, the contents' order, where each page's numbers came from.
(The built site in a browser: test_book_browser.py.)"""

import json

import nbformat
import pytest

from tools import book, book_pages, nbval_executed

new_code_cell = nbformat.v4.new_code_cell
new_markdown_cell = nbformat.v4.new_markdown_cell


def exercise(source, grade=False, cell_id=None):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"solution": not grade, "grade": grade, "grade_id": "x"}
    if cell_id:
        cell.id = cell_id
    return cell


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_a_cells_names_are_its_reads_and_its_top_level_bindings():
    read, bound = book_pages.names(
        "import numpy as np\ndef f(a):\n    local = a + g\n    return local\n"
        "x, y = f(1), [i for i in z]"
    )
    assert {"g", "f", "z", "a", "local", "i"} <= read
    assert bound == {"np", "f", "x", "y"}  # not `local` (f's) nor `i` (the comprehension's)
    assert book_pages.names("%timeit f(x)") == ({"timeit", "f", "x"}, set())  # magic: words read


def test_outputs_computed_from_an_answer_are_marked_and_a_fresh_binding_is_clean():
    cells = [
        new_code_cell("base = 1"),
        exercise("guess = 0.3"),  # the answer
        exercise("check(guess)", grade=True),  # its checker
        new_code_cell("ratio = guess / base"),  # reads the answer
        new_code_cell("print(ratio)"),  # reads a name computed from it
        new_markdown_cell("text"),
        new_code_cell("ratio = 2 * base"),  # bound afresh from clean names
        new_code_cell("print(ratio, base)"),
    ]
    assert book_pages.answer_dependent(cells) == [
        False, True, True, True, True, False, False, False
    ]  # fmt: skip


def test_the_student_page_keeps_the_executed_outputs_but_not_the_answers():
    ran = nbformat.v4.new_notebook()
    ran.cells = [
        new_code_cell("size = 10"),
        exercise("guess = 0.3", cell_id="answer"),
        exercise("check(guess)", grade=True),
        new_code_cell("reveal(guess, size)"),
        new_code_cell("print(size)"),
    ]
    outputs = ["", "", "Correct: 0.3", "You predicted 0.3", "10"]
    for cell, text in zip(ran.cells, outputs):
        cell.outputs = [stream(text)] if text else []
        cell.execution_count = 1
    student = nbformat.from_dict(json.loads(json.dumps(ran)))  # the same cells and ids
    for cell in student.cells:
        cell.outputs, cell.execution_count = [], None
    student.cells[1].source = "guess = None  # YOUR CODE HERE"
    page = book_pages.student_page(student, ran)
    shown = [[o.text for o in c.outputs] for c in page.cells]
    assert shown == [[], [], [], [], ["10"]]  # only the cell that never touched the answer
    assert page.cells[1].source == "guess = None  # YOUR CODE HERE"  # the stub, not the answer


@pytest.mark.parametrize(
    "link, here, expected",
    [
        ("05_int8_tflite.ipynb", "notebooks", "05_int8_tflite.ipynb"),
        ("../notebooks/05_int8_tflite.ipynb", "docs", "05_int8_tflite.ipynb"),
        ("student/06_network.ipynb#the-tail", "", "06_network.ipynb#the-tail"),
        ("../docs/instructor.md#plan", "notebooks", "instructor.md#plan"),
        ("../README.md", "docs", "intro.md"),
        ("../data/prices.csv#L2", "notebooks", f"{book_pages.BLOB}/data/prices.csv#L2"),
        ("CONTRIBUTING.md", "", f"{book_pages.BLOB}/CONTRIBUTING.md"),
        ("summary.md", "notebooks", "summary.md"),  # the book's own page
        ("intro.md", "notebooks", f"{book_pages.BLOB}/notebooks/intro.md"),  # not a page here
    ],
)
def test_links_point_at_the_books_pages_or_the_repositorys_files(link, here, expected):
    pages = {"05_int8_tflite", "06_network", "instructor", "summary"}
    assert book_pages.target(link, pages, here) == expected


def test_relink_leaves_outside_links_and_anchors_and_makes_html_links_pages():
    pages = {"06_network"}
    text = "[a](06_network.ipynb) [b](https://x.org/y.ipynb) [c](#here) [d](mailto:a@b.c)"
    assert book_pages.relink(text, pages, "notebooks") == text
    html = '<a href="06_network.ipynb#tail">n</a> <a href="../data/prices.csv">p</a>'
    assert book_pages.relink(html, pages, "notebooks", html=True) == (
        f'<a href="06_network.html#tail">n</a> <a href="{book_pages.BLOB}/data/prices.csv">p</a>'
    )
    badge = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://c.o/x)"
    assert (
        book_pages.relink(badge, pages) == "[Open in Colab](https://c.o/x)"
    )  # no image from outside


def test_the_overview_is_the_readme_before_its_first_section():
    readme = "# Title\n\nIntro.\n\n### The core path\n\n| table |\n\n## The two commands\n\nmore"
    assert book.overview(readme) == "# Title\n\nIntro.\n\n### The core path\n\n| table |\n\n"


def test_the_contents_follow_the_sessions_then_the_appendices(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for stem in ("00_a", "01_b", "02_c", "03_d", "A2_y", "A1_x", "scratch"):
        (folder / f"{stem}.ipynb").write_text("{}")
    plan = tmp_path / "plan.csv"
    plan.write_text("session,shares,notebooks\n1,00=1 01=0.5,00 and 01\n2,01=0.5 02=1,01 and 02\n")
    notebooks = book.series.notebooks(folder)
    groups = book.sessions(notebooks, plan)
    # 01 is listed where it starts; 03, in no session, comes after the sessions
    assert [(caption, [p.stem for p in members]) for caption, members in groups] == [
        ("Session 1: 00 and 01", ["00_a", "01_b"]),
        ("Session 2: 01 and 02", ["02_c"]),
        ("The core path", ["03_d"]),
    ]
    student, teachers = book.toc(notebooks, False, plan), book.toc(notebooks, True, plan)
    captions = [part["caption"] for part in student["parts"]]
    assert captions[-2:] == ["Appendices (optional deep dives)", "Measured"]
    assert student["parts"][-2]["chapters"] == [{"file": "A1_x"}, {"file": "A2_y"}]
    assert teachers["parts"][-1] == {
        "caption": "For teachers",
        "chapters": [{"file": "instructor"}],
    }
    assert student["root"] == "intro"


def test_where_the_numbers_come_from_papermill_or_nbval(tmp_path):
    ran = nbformat.v4.new_notebook()
    ran.metadata["papermill"] = {
        "start_time": "2026-12-07T23:28:29.4+00:00",
        "duration": 78.7,
        "parameters": {"PROFILE": "full"},
    }
    found = book.provenance_of(ran, "AMD EPYC, 2 cores")
    assert (found["when"], found["seconds"], found["profile"]) == (
        "2026-12-07 23:28 UTC", 78.7, "full"
    )  # fmt: skip
    source = nbformat.v4.new_notebook(cells=[new_code_cell("print(1)")])
    kept = nbval_executed.executed(
        source, {source.cells[0].id: [stream("1\n")]}, 0.0, 12.0, "smoke"
    )
    assert kept.cells[0].outputs[0].text == "1\n"
    found = book.provenance_of(kept, "here")
    assert (found["when"], found["seconds"], found["profile"]) == (
        "1970-01-01 00:00 UTC",
        12.0,
        "smoke",
    )
    note = book_pages.provenance(dict(found, reference="the reference"))
    assert "Executed on 1970-01-01 00:00 UTC (12 s, profile `smoke`) on here." in note


def test_the_machine_of_the_run_from_runs_json_or_the_summary(tmp_path):
    assert "did not record" in book.machine_of_run(tmp_path)
    (tmp_path / "summary.md").write_text("# What\n\n- This machine: Some CPU, 4 cores; Python 3.\n")
    assert book.machine_of_run(tmp_path) == "Some CPU, 4 cores; Python 3"
    machine = {"cpu": "Other CPU", "cores": 8, "int8_instructions": ["avx512_vnni"]}
    (tmp_path / "runs.json").write_text(json.dumps({"machine": machine, "runs": []}))
    assert book.machine_of_run(tmp_path) == "Other CPU, 8 cores, avx512_vnni"


def test_nbval_keeps_what_it_executed_for_the_smoke_book(tmp_path):
    import os
    import subprocess
    import sys

    notebook = nbformat.v4.new_notebook(
        cells=[new_markdown_cell("# 09 · x"), new_code_cell("print(6 * 7)")]
    )
    nbformat.write(notebook, tmp_path / "09_x.ipynb")
    env = os.environ | {"COURSE_BUILD_DIR": str(tmp_path / "build"), "COURSE_PROFILE": "smoke"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tools.nbval_executed", "--nbval-lax"]
        + ["--nbval-current-env", "-p", "no:cacheprovider", str(tmp_path / "09_x.ipynb")],
        cwd=book.ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    kept = nbformat.read(tmp_path / "build" / "nbval-executed" / "09_x.ipynb", as_version=4)
    assert [o.text for o in kept.cells[1].outputs] == ["42\n"]  # 6 × 7, as the kernel printed it
    assert kept.metadata[nbval_executed.METADATA]["profile"] == "smoke"
    assert (tmp_path / "09_x.ipynb").read_text() == nbformat.writes(notebook) + "\n"  # untouched
