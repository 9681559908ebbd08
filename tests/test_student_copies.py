"""The student copies (tools/student_copies.py): committed in student/, exactly what nbgrader's
generate_assignment makes from notebooks/ now, with no solutions, a Colab badge that opens the copy
itself, and an unanswered exercise that stops a run with a one-line hint."""

import os
import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tools import bootstrap_cell, grading, series, student_copies
from utils import exercises

HINT = exercises.Unanswered()._render_traceback_()


@pytest.fixture(scope="module")
def copies():
    return student_copies.generate()


def test_the_committed_copies_are_what_generate_assignment_makes_now(copies):
    lines = student_copies.differing(copies)
    assert not lines, student_copies.report(lines)


def test_a_doctored_copy_is_named_with_the_command_that_fixes_it(copies, tmp_path):
    folder = tmp_path / "student"
    shutil.copytree(student_copies.STUDENT_DIR, folder)
    doctored = nbformat.read(folder / "00_start_here.ipynb", as_version=4)
    doctored.cells[0].source += "\n\nA sentence the source notebook does not have."
    nbformat.write(doctored, folder / "00_start_here.ipynb")
    (folder / "07_serving.ipynb").unlink()
    shutil.copy(folder / "06_network.ipynb", folder / "99_gone.ipynb")
    lines = student_copies.differing(copies, folder)
    assert lines == [
        f"{folder / '00_start_here.ipynb'}: differs from what nbgrader generate_assignment "
        "makes from notebooks/00_start_here.ipynb now",
        f"{folder / '07_serving.ipynb'}: missing (nbgrader makes it from "
        "notebooks/07_serving.ipynb)",
        f"{folder / '99_gone.ipynb'}: no notebooks/99_gone.ipynb to make it from",
    ]
    message = student_copies.report(lines)
    assert message.startswith("3 student copies out of date:")
    assert message.endswith(
        "Fix: python -m tools.student_copies (writes student/ from "
        "notebooks/), then commit student/."
    )
    # writing puts the folder right: the three copies change, and then nothing differs
    assert student_copies.write(copies, folder) == [
        "00_start_here.ipynb",
        "07_serving.ipynb",
        "99_gone.ipynb",
    ]
    assert student_copies.differing(copies, folder) == []


def test_every_notebook_has_a_copy_without_solutions_or_outputs(copies):
    assert sorted(copies) == sorted(p.name for p in grading.notebooks())  # A10 sorts before A1_
    for name, text in copies.items():
        assert "### BEGIN SOLUTION" not in text, name
        assert str(student_copies.ROOT) not in text and "course-student-" not in text, name
        notebook = nbformat.reads(text, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), name
        answers = [c for c in code if c.metadata["nbgrader"]["solution"]]
        # every core notebook has exercises; an appendix may be reading and running only
        assert answers or series.is_appendix(name.removesuffix(".ipynb")), name
        assert all("raise exercises.Unanswered()" in c.source for c in answers), name


def test_the_copys_colab_badge_opens_the_copy_and_the_instructors_opens_the_source(copies):
    for name, text in copies.items():
        title = nbformat.reads(text, as_version=4).cells[0].source
        url = bootstrap_cell.colab_url(name, folder="student")
        assert f"({url})" in title and "/notebooks/" not in title, name
        source = nbformat.read(grading.config.NOTEBOOKS_DIR / name, as_version=4)
        assert bootstrap_cell.badge_line(name) in source.cells[0].source, name


def test_an_unanswered_exercise_is_a_not_implemented_error_shown_as_one_line():
    assert issubclass(exercises.Unanswered, NotImplementedError)
    assert len(HINT) == 1 and HINT[0].startswith("✗ Not yet:")


def test_a_student_copy_runs_until_its_first_exercise_and_stops_with_the_hint(monkeypatch):
    """Notebook 00's student copy in the smoke profile (about 10 s): every cell before the first
    exercise runs; that exercise's cell stops the run, and its only error output is the hint."""
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(student_copies.ROOT), os.environ.get("PYTHONPATH", "")])
    )
    path = student_copies.STUDENT_DIR / "00_start_here.ipynb"
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": str(path.parent)}}
    )
    with pytest.raises(CellExecutionError):
        client.execute()
    errors = [
        (index, output)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    first_answer = next(
        i for i, c in enumerate(notebook.cells) if c.metadata.get("nbgrader", {}).get("solution")
    )
    assert len(errors) == 1
    index, error = errors[0]
    assert index == first_answer and error.ename == "Unanswered"
    assert error.traceback == HINT
