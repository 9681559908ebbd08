"""tools/nbgrader_metadata.py: which cell gets which nbgrader metadata, on a hand-made notebook
with one of each kind of exercise; points worked out from the rules in its docstring."""

import nbformat

from tools import nbgrader_metadata as tool
from tools import series
from utils import config

new = nbformat.v4
SOLUTION = "### BEGIN SOLUTION\n{}\n### END SOLUTION"


def course_like():
    return new.new_notebook(
        cells=[
            new.new_markdown_cell(
                "# 99 · A test\n\n[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](x)"
            ),
            new.new_code_cell(SOLUTION.format("guess = 2")),  # 1 prediction
            new.new_code_cell("exercises.check_prediction(guess)"),  # 2 its check: 0.5 point
            new.new_code_cell(
                "def f(x):\n    " + SOLUTION.format("return x").replace("\n", "\n    ")
            ),  # 3 implement
            new.new_code_cell("exercises.check_f(f)"),  # 4 its check: 3 points
            new.new_markdown_cell(
                "**Your answer:**\n\n" + SOLUTION.format("Because.")
            ),  # 5 explain: 2 by hand
            new.new_markdown_cell(
                SOLUTION.format("I choose int8."), metadata={"tags": ["capstone"]}
            ),  # 6: 4 by hand
            new.new_code_cell("print('plain')"),  # 7 read-only
        ]
    )


def test_each_kind_of_cell_gets_its_metadata_and_points():
    notebook = course_like()
    points = tool.annotate(notebook)
    meta = [c.metadata["nbgrader"] for c in notebook.cells]
    assert (
        meta[1]["solution"] and not meta[1]["grade"] and meta[1]["grade_id"] == "answer_prediction"
    )
    assert meta[2] == {**meta[2], "grade": True, "locked": True, "points": 0.5}
    assert meta[4]["points"] == 3 and meta[4]["locked"]
    assert meta[5]["grade"] and meta[5]["solution"] and meta[5]["points"] == 2
    assert meta[6]["grade_id"].startswith("justify_") and meta[6]["points"] == 4
    assert meta[7] == {**meta[7], "locked": True, "grade": False, "solution": False}
    # 0.5 + 3 autograded in 2 check cells; 2 + 4 by hand in 2 cells
    assert (points.autograded, points.checks, points.manual, points.manual_cells) == (3.5, 2, 6, 2)
    assert (
        "**Points: 9.5** (3.5 autograded in 2 check cells; 6 graded by hand in 2 answer cells"
        in notebook.cells[0].source
    )
    assert points.kinds == {"prediction": 1, "implement": 1, "written": 2}


def test_the_points_line_comes_last_in_the_title_wherever_it_stood():
    # an older line under the badge moves to the end: the idea first, the administration after it
    title = "# 99 · A test\n\n[badge](x)\n\n**Points: 1** (old)\n\nThe idea.\n\n**Time:** soon."
    new = tool.with_points(title, "**Points: 2** (new)")
    assert (
        new == "# 99 · A test\n\n[badge](x)\n\nThe idea.\n\n**Time:** soon.\n\n**Points: 2** (new)"
    )


def test_a_notebook_without_exercises_says_nothing_is_graded():
    notebook = new.new_notebook(
        cells=[new.new_markdown_cell("# A1 · Reading"), new.new_code_cell("x")]
    )
    assert tool.annotate(notebook).total == 0
    assert notebook.cells[0].source.endswith(
        "**Points: 0** (nothing here is graded: read it, run it, change it)."
    )


def test_running_it_twice_changes_nothing():
    notebook = course_like()
    tool.annotate(notebook)
    once = nbformat.writes(notebook)
    tool.annotate(notebook)
    assert nbformat.writes(notebook) == once


def test_the_readme_and_the_guide_state_every_notebooks_points():
    """Each notebook's points (its title line, written by the tool) are the ones the README and the
    instructor guide quote, and so is the total."""
    import re

    readme = " ".join((config.ROOT / "README.md").read_text().split())  # as wrapped lines read
    guide = (config.ROOT / "docs" / "instructor.md").read_text()
    total = 0.0
    for path in tool.notebooks_in([config.NOTEBOOKS_DIR]):
        title = nbformat.read(path, as_version=4).cells[0].source
        points = float(re.search(r"\*\*Points: ([\d.]+)\*\*", title).group(1))
        total += points
        assert (
            f"{series.number(path.stem)} · {points:g}," in readme
            or f"{series.number(path.stem)} · {points:g} (" in readme
        ), path.name
        row = next(
            line
            for line in guide.splitlines()
            if f"(../notebooks/{path.name})" in line and line.startswith("|")
        )
        assert row.rstrip(" |").endswith(f"| {points:g}"), row
    assert f"({total:g} in all" in readme and f"**{total:g}**" in guide


def test_the_readme_and_the_guide_are_generated_from_the_notebooks():
    from tools import points_docs

    assert points_docs.update(check=True) == [], "run python -m tools.points_docs"


def test_the_generated_points_on_a_hand_made_course(tmp_path):
    """Two core notebooks and an appendix; the sums worked out by hand."""
    from tools import points_docs

    one, two = course_like(), course_like()  # each 9.5: 3.5 autograded, 6 by hand
    appendix = new.new_notebook(cells=[new.new_markdown_cell("# A1 · Reading: more")])
    done = {}
    for name, notebook in (("98_one", one), ("99_two", two), ("A1_reading", appendix)):
        path = tmp_path / f"{name}.ipynb"
        done[path] = tool.annotate(notebook)
        nbformat.write(notebook, path)
    sentence = points_docs.readme_sentence(done)
    assert max(map(len, sentence.splitlines())) <= 100
    assert " ".join(sentence.split()) == (
        "98 · 9.5, 99 · 9.5, and the appendices A1 · 0 (19 in all: 7 autograded, 12 by hand; the "
        "core alone 19)."
    )
    table = points_docs.guide_table(done).splitlines()
    assert (
        table[2] == "| [99 · A test](../notebooks/98_one.ipynb) | 1 | 0 | 1 | 2 | 3.5 | 6 | 9.5 |"
    )
    assert table[4] == "| *appendices* | | | | | | | |"
    assert table[-1] == "| **all** (the core alone: 19) | 2 | 0 | 2 | 4 | 7 | 12 | **19** |"
    with_markers = f"a\n{points_docs.README_START}\nold\n{points_docs.END}\nb"
    assert points_docs.between(with_markers, points_docs.README_START, "new", tmp_path) == (
        f"a\n{points_docs.README_START}\nnew\n{points_docs.END}\nb"
    )
    try:
        points_docs.between("no markers", points_docs.README_START, "new", tmp_path / "R.md")
    except ValueError as error:
        assert "R.md has lost the markers" in str(error)
    else:
        raise AssertionError("a file without its markers must be refused")
