"""The reading-budget counter (tools/words.py) on hand-built notebooks: every count by hand."""

import json

from tools import words


def notebook(*cells):
    return {"cells": list(cells)}


def markdown(text):
    return {"cell_type": "markdown", "source": text}


def code(*markdown_outputs):
    outputs = [
        {"output_type": "display_data", "data": {"text/markdown": m}} for m in markdown_outputs
    ]
    return {"cell_type": "code", "source": "x = 1", "outputs": outputs}


def test_markdown_marks_are_not_words():
    # "##", "-" and "|" hold no letter or digit: Title here **Bold** `code` 2.5 x are 6 words
    assert words.count_words("## Title here\n- **Bold** `code` | 2.5 x") == 6


def test_model_answers_are_left_out_of_the_markdown():
    answer = "**Your answer:**\n\n### BEGIN SOLUTION\nfour words of answer\n### END SOLUTION\n"
    # "**Your answer:**" is 2 words; the solution block (7 tokens) is not counted
    assert words.markdown_words(notebook(markdown("One two three."), markdown(answer))) == 5


def test_generated_markdown_counts_without_its_details_block():
    verdict = (
        "This run agrees.<details><summary>more</summary>\n\nfive folded words here too</details>"
    )
    # "This run agrees." 3 words; the details block is folded; the code cell's source is not read
    assert words.generated_words(notebook(code(verdict, "Two words"))) == 5


def test_a_notebook_without_an_executed_copy_counts_its_markdown_only(tmp_path):
    path = tmp_path / "09_x.ipynb"
    path.write_text(json.dumps(notebook(markdown("a b c"), code("d e"))))
    alone = words.reading(path, tmp_path / "missing.ipynb")
    assert (alone.markdown, alone.generated, alone.total) == (3, None, 3)
    ran = words.reading(path, path)  # the file itself as its executed copy: 2 generated words
    assert (ran.generated, ran.total) == (2, 5)


def _reading(name, markdown_count, generated):
    return words.Reading(name, markdown_count, generated)


def test_a_session_reads_its_shares_of_its_notebooks():
    readings = [_reading("00_a", 1_000, 200), _reading("01_b", 900, 100), _reading("A1_c", 9, 0)]
    plan = [{"session": "1", "shares": "00=1 01=0.5"}, {"session": "2", "shares": "01=0.5"}]
    sessions, total, problems = words.budget(readings, plan)
    # session 1: 1,200 + half of 1,000 = 1,700; session 2: 500; the appendix counts nowhere
    assert sessions == [("1", 1_700), ("2", 500)] and total == 2_200 and problems == []


def test_the_budget_names_each_session_over_it_and_a_core_over_it():
    readings = [_reading(f"0{i}_n", 2_400, 200) for i in range(6)]  # 2,600 words each
    plan = [{"session": str(i + 1), "shares": f"0{i}=1"} for i in range(6)]
    _, total, problems = words.budget(readings, plan)
    # six sessions of 2,600 (> 2,500) and a core of 15,600 (> 15,000)
    assert total == 15_600 and len(problems) == 7
    assert problems[0] == (
        "Session 1 reads 2,600 words, over 2,500: move a section to an appendix or shorten it."
    )
    assert problems[-1].startswith("The core reads 15,600 words, over 15,000")


def test_a_core_notebook_outside_the_plan_or_uncounted_is_named():
    readings = [_reading("00_a", 10, None), _reading("01_b", 10, 0)]
    _, _, problems = words.budget(readings, [{"session": "1", "shares": "00=1"}])
    assert problems == [
        "00_a: no count of the Markdown it generates; run it (make test) first.",
        "01_b is in no session of data/session_plan.csv; add it to one.",
    ]


def test_the_committed_core_fits_its_sessions_as_the_reference_run_generated_it(capsys):
    # The course's own budget, Markdown counted now and generated words from the reference run;
    # `make test` checks it again after nbval with what the smoke run generated.
    assert words.check(words.ROOT / "notebooks", words.reference_generated()) == 0, (
        capsys.readouterr().err
    )


def test_nbval_counts_each_notebooks_generated_markdown(tmp_path):
    import os
    import subprocess
    import sys

    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "from IPython.display import Markdown, display\n"
                "display(Markdown('three words here <details>not these</details>'))"
            ),
            nbformat.v4.new_code_cell("display(Markdown('and two'))"),
        ]
    )
    nbformat.write(notebook, tmp_path / "09_x.ipynb")
    env = os.environ | {"COURSE_BUILD_DIR": str(tmp_path / "build")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tools.nbval_markdown", "--nbval-lax"]
        + ["--nbval-current-env", "-p", "no:cacheprovider", str(tmp_path / "09_x.ipynb")],
        cwd=words.ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    counted = json.loads((tmp_path / "build" / "reading" / "generated_words.json").read_text())
    assert counted == {"09_x": 5}  # "three words here" + "and two"; the details block is folded
