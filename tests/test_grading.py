"""The nbgrader round trip (tools.grading): every notebook is released by nbgrader's
generate_assignment (which checks its metadata without executing it), and one light notebook is
autograded, in the smoke profile, as four students would submit it: untouched, the instructor's
solutions, partly right, and with a locked check cell edited. Written answers are released as
"YOUR ANSWER HERE" and left for a person to grade."""

import copy
import csv
import re
import subprocess
import sys
import time

import nbformat
import pytest

from tools import bootstrap_cell, grading, series
from utils import config

ROOT = config.ROOT
# A light notebook with several check cells, so that a partly right submission can score between 0
# and full, and with a written answer, which waits for a person: 02 (three check cells, one written
# answer; its tf.distribute part is the appendix A3 now) runs in smoke, its training cells included.
NOTEBOOK = "02_training_keras"
# A wrong answer to its first exercise (the convolutions alone, a mistake the checker names), and
# the checker's hint that the feedback must show.
WRONG = (
    "answer_parameter_count",
    "predicted_params = 3 * 3 * 3 * 32 + 3 * 3 * 32 * 64 + 3 * 3 * 64 * 256",
    "BatchNormalization",
)


def points_in_title(notebook) -> float:
    return float(re.search(r"\*\*Points: ([\d.]+)\*\*", notebook.cells[0].source).group(1))


def solution_region_replaced(notebook, grade_id: str, code: str):
    cell = next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    cell.source = re.sub(
        r"[ \t]*### BEGIN SOLUTION.*?### END SOLUTION", code, cell.source, flags=re.S
    )
    return notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("nbgrader")
    started = time.perf_counter()
    released = grading.assignments(root=root)
    print(
        f"generate_assignment on {len(released)} notebooks: {time.perf_counter() - started:.1f} s"
    )
    return root, released


def test_the_committed_metadata_is_what_the_script_writes():
    result = subprocess.run(
        [sys.executable, "-m", "tools.nbgrader_metadata", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_notebook_is_released_without_solutions_and_with_locked_checks(course):
    root, released = course
    sources = grading.notebooks()
    assert [p.name for p in released] == [p.name for p in sources]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for source, path in zip(sources, released):
            original, copy = nbformat.read(source, as_version=4), nbformat.read(path, as_version=4)
            assert len(copy.cells) == len(original.cells)
            answers = checks = 0
            for cell in copy.cells:
                meta = cell.metadata["nbgrader"]
                assert "### BEGIN SOLUTION" not in cell.source and "checksum" in meta, path.name
                assert cell.cell_type == "markdown" or (
                    cell.outputs == [] and cell.execution_count is None
                )
                if (
                    meta["solution"] and cell.cell_type == "markdown"
                ):  # a written answer, graded by hand
                    assert (
                        meta["grade"] and meta["points"] > 0 and "YOUR ANSWER HERE" in cell.source
                    )
                elif meta["solution"]:
                    answers += 1
                    assert "raise exercises.Unanswered()" in cell.source
                elif meta["grade"]:
                    checks += 1
                    assert (
                        meta["locked"]
                        and cell.metadata["editable"] is False
                        and "exercises.check_" in cell.source
                    )
                else:
                    assert meta["locked"]
            # a core notebook has exercises; an appendix may be reading and running only (0 points)
            least = 0 if series.is_appendix(source.stem) else 1
            assert answers == checks >= least, path.name
            assignment = gradebook.find_assignment(grading.assignment_id(source))
            assert assignment.max_score == points_in_title(original) >= least, path.name


@pytest.fixture(scope="module")
def round_trip(course, tmp_path_factory):
    root, released = course
    source = config.NOTEBOOKS_DIR / f"{NOTEBOOK}.ipynb"
    release = root / "release" / NOTEBOOK / f"{NOTEBOOK}.ipynb"
    edited = nbformat.read(release, as_version=4)
    for cell in edited.cells:
        if cell.metadata["nbgrader"]["grade"]:
            cell.source = "print('all good')  # a student's edit of the check"
    answered = nbformat.read(source, as_version=4)  # a student copy with every answer written:
    answered.cells[0].source = bootstrap_cell.for_students(answered.cells[0].source)  # its badge
    submissions = {
        "untouched": nbformat.read(release, as_version=4),
        "solutions": answered,
        "partial": solution_region_replaced(copy.deepcopy(answered), *WRONG[:2]),
        "edited": edited,
    }
    folder = tmp_path_factory.mktemp("submissions")
    for student, notebook in submissions.items():
        (folder / student / NOTEBOOK).mkdir(parents=True)
        nbformat.write(notebook, folder / student / NOTEBOOK / f"{NOTEBOOK}.ipynb")
    started = time.perf_counter()
    graded = grading.grade(folder, root)
    print(
        f"autograde of {len(graded)} submissions of {NOTEBOOK}: "
        f"{time.perf_counter() - started:.1f} s"
    )
    print(grading.report(graded, root))
    return root, {g.student: g for g in graded}


def test_untouched_copy_scores_zero_and_the_run_goes_on(round_trip):
    root, graded = round_trip
    untouched = graded["untouched"]
    assert untouched.auto_max > 0 and untouched.score == 0 and not untouched.flagged
    # each answer cell raised exercises.Unanswered, shown as its one-line hint
    assert untouched.feedback is not None and "Not yet: this exercise has no answer yet" in (
        untouched.feedback.read_text()
    )
    assert len(graded) == 4  # every student graded, though each of this one's answer cells raised


def test_the_instructors_solutions_get_full_autograded_points(round_trip):
    root, graded = round_trip
    solutions = graded["solutions"]
    assert solutions.auto_score == solutions.auto_max > 0 and not solutions.flagged
    # the written answers wait for a person: their points are the rest of the notebook's
    assert solutions.written_max > 0 and solutions.needs_manual_grade
    assert solutions.auto_max + solutions.written_max == solutions.max_score


def test_a_partly_right_submission_gets_partial_points_and_the_checkers_hint(round_trip):
    root, graded = round_trip
    partial = graded["partial"]
    assert 0 < partial.auto_score < partial.auto_max and not partial.flagged
    assert WRONG[2] in partial.feedback.read_text()


def test_an_edited_check_cell_is_flagged_and_graded_as_released(round_trip):
    root, graded = round_trip
    edited = graded["edited"]
    assert edited.flagged and all(cell.startswith("check_") for cell in edited.changed_cells)
    assert edited.score == 0  # nbgrader ran the original checks, not the edit
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission_notebook(NOTEBOOK, NOTEBOOK, "edited").flagged
    with open(root / "flagged.csv") as flagged:
        assert [row["student_id"] for row in csv.DictReader(flagged)] == ["edited"]


def test_the_gradebook_csv_has_every_students_score(round_trip):
    root, graded = round_trip
    with open(root / "grades.csv") as grades:
        rows = {
            row["student_id"]: row
            for row in csv.DictReader(grades)
            if row["assignment"] == NOTEBOOK
        }
    assert set(rows) == set(graded)
    assert all(float(rows[s]["score"]) == graded[s].score for s in graded)


def test_a_notebook_without_metadata_fails_its_release_with_nbgraders_reason(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 99 · no metadata"),
            nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
        ]
    )
    path = tmp_path / "99_no_metadata.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(grading.GradingError, match="99_no_metadata(.|\n)*non-solution cell"):
        grading.assignments([path], root=tmp_path / "course")
