"""Hostile submissions, graded in ONE run of ``tools.grading.grade`` with honest ones, on
notebook 00 in the smoke profile with short limits: each tries to escape, cheat, vandalise or stop
the class. For each: nothing outside its private folder changed (checksums of the course, the
virtual environment, the submissions and the released assignment), its grade is what an untouched
(empty) submission gets, and the honest submissions graded before and after it keep their points
and feedback."""

import copy
import csv
import hashlib
import os
import site
import sys
from pathlib import Path

import nbformat
import pytest

from tools import bootstrap_cell, grading, sandbox
from utils import config

NOTEBOOK = "00_start_here"
# its autograded points, as its check cells' metadata gives them (tools.nbgrader_metadata)
POINTS = sum(
    cell.metadata.get("nbgrader", {}).get("points", 0)
    for cell in nbformat.read(config.NOTEBOOKS_DIR / f"{NOTEBOOK}.ipynb", as_version=4).cells
)
MARKER = "987654321"  # in the command line of the processes a submission leaves behind
# Short limits: notebook 00 runs in about 20 s in smoke on the 2-core machine, nbgrader's start
# included; its slowest cell takes a few seconds.
LIMITS = sandbox.Limits(cell_s=30, notebook_s=90)
HONEST = ("a_solutions", "z_solutions")  # graded first and last


def fingerprint(folder: Path, skip=("build", ".git", "__pycache__", ".pytest_cache")) -> str:
    """A SHA-256 over every file's path and bytes under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if any(part in skip for part in path.relative_to(folder).parts) or not path.is_file():
            continue
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def venv_fingerprint() -> str:
    """Cheap: the site-packages listing, every .pth file's bytes, the scripts folder's listing."""
    packages = Path(site.getsitepackages()[0])
    names = sorted(p.name for p in packages.iterdir())
    pth = [p.read_bytes() for p in sorted(packages.glob("*.pth"))]
    scripts = sorted(p.name for p in Path(sys.executable).parent.iterdir())
    return hashlib.sha256(repr((names, pth, scripts)).encode()).hexdigest()


def leftover_processes() -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if MARKER in text and "pytest" not in text:
            found.append(text)
    return found


def answered(release: Path, code: str):
    """The released notebook with ``code`` in place of the first answer's stub (the prediction);
    the second answer stays unanswered."""
    notebook = nbformat.read(release, as_version=4)
    cell = next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "answer_prediction"
    )
    cell.source = cell.source.replace("raise exercises.Unanswered()", code)
    return notebook


def hostile(release: Path, root: Path, submissions: Path) -> dict:
    """{student: notebook or bytes}: each with no right answer, so that it earns what an untouched
    copy earns unless it cheats its way up."""
    where = {"course": str(config.ROOT), "grading": str(root), "submissions": str(submissions)}
    escape = f"""
import glob, os
where = {where!r}
stolen = []
for pattern in ("{{course}}/notebooks/*.ipynb", "{{course}}/docs/*.md", "{{grading}}/source/*/*",
                "{{grading}}/gradebook.db", "{{submissions}}/*/*/*", "{{grading}}/submitted/*/*/*"):
    stolen += glob.glob(pattern.format(**where))
stolen += [p for p in glob.glob("/proc/*/cmdline") if where["submissions"] in open(p).read()]
print("STOLEN", stolen)
print("PROFILE", os.environ.get("COURSE_PROFILE"), "TOKEN", os.environ.get("TEACHERS_TOKEN"))
for folder in (*where.values(), "/tmp", os.path.expanduser("~")):
    try:
        open(os.path.join(folder, "escaped-{MARKER}.txt"), "w").write("out")
    except OSError as error:
        print("refused", type(error).__name__)
predicted_train_to_inference = None
"""
    rebind = """
exercises.check_prediction = lambda *a, **k: None
exercises.check_training_arithmetic = lambda *a, **k: None
predicted_train_to_inference = steps_per_epoch = total_steps = images_seen = -1
"""
    swallow = """
import sys
get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)
sys.excepthook = lambda *a: None
predicted_train_to_inference = steps_per_epoch = total_steps = images_seen = -1
"""
    memory = f"predicted_train_to_inference = None\nhog = bytearray({2 * LIMITS.memory_bytes})"
    loop = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
    process = f"""
import subprocess, sys
subprocess.Popen(["sleep", "{MARKER}"], start_new_session=True)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep({MARKER})"])
predicted_train_to_inference = None
"""
    gradebook = f"""
import sqlite3
for path in ("{root}/gradebook.db", "../gradebook.db", "../../gradebook.db"):
    try:
        sqlite3.connect(path).execute("update grade set manual_score = 100")
    except Exception as error:
        print("refused", type(error).__name__)
predicted_train_to_inference = None
"""
    venv = f"""
import os, site
for path in (os.path.join(site.getsitepackages()[0], "zz_hostile_{MARKER}.pth"),
             "{config.ROOT}/utils/exercises/zz_hostile.py"):
    try:
        open(path, "w").write("import os")
    except OSError as error:
        print("refused", type(error).__name__)
predicted_train_to_inference = None
"""
    none = "predicted_train_to_inference = None"
    points = answered(release, gradebook)
    for cell in points.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.metadata["nbgrader"]["points"] = 100
    renamed = answered(release, none)
    for cell in renamed.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "check_prediction":
            cell.metadata["nbgrader"]["grade_id"] = "check_prediction_mine"
    return {
        "h_escape": answered(release, escape),
        "h_rebind": answered(release, rebind),
        "h_swallow": answered(release, swallow),
        "h_memory": answered(release, memory),
        "h_loop": answered(release, loop),
        "h_renamed": renamed,
        "h_process": answered(release, process),
        "h_points": points,
        "h_venv": answered(release, venv),
        "h_corrupt": b'{"cells": [ this is not JSON',
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    assert sandbox.problem() is None, sandbox.problem()  # the test needs the sandbox it tests
    root = tmp_path_factory.mktemp("nbgrader")
    source = config.NOTEBOOKS_DIR / f"{NOTEBOOK}.ipynb"
    grading.assignments([source], root)
    release = root / "release" / NOTEBOOK / f"{NOTEBOOK}.ipynb"
    solutions = nbformat.read(source, as_version=4)
    solutions.cells[0].source = bootstrap_cell.for_students(solutions.cells[0].source)
    folder = tmp_path_factory.mktemp("submissions")
    students = {
        HONEST[0]: solutions,
        HONEST[1]: copy.deepcopy(solutions),
        "m_untouched": nbformat.read(release, as_version=4),
        **hostile(release, root, folder),
    }
    for student, notebook in students.items():
        path = folder / student / NOTEBOOK / f"{NOTEBOOK}.ipynb"
        path.parent.mkdir(parents=True)
        if isinstance(notebook, bytes):
            path.write_bytes(notebook)
        else:
            nbformat.write(notebook, path)
    os.environ["TEACHERS_TOKEN"] = "secret"  # an environment variable the kernel must not see
    fixed = [root / "release", root / "source", folder]
    before = [fingerprint(config.ROOT), venv_fingerprint(), *map(fingerprint, fixed)]
    results = grading.grade(folder, root, LIMITS)
    del os.environ["TEACHERS_TOKEN"]
    after = [fingerprint(config.ROOT), venv_fingerprint(), *map(fingerprint, fixed)]
    print(grading.report(results, root))
    return root, {g.student: g for g in results}, before, after, folder


def test_nothing_outside_the_private_folders_changed(graded):
    root, results, before, after, folder = graded
    names = ["the course", "the virtual environment", "the release", "the source", "submissions"]
    assert dict(zip(names, after)) == dict(zip(names, before))
    assert not list(Path("/tmp").glob(f"escaped-{MARKER}.txt"))
    assert not list(Path.home().glob(f"escaped-{MARKER}.txt"))
    assert leftover_processes() == []


def printed(root: Path, student: str) -> str:
    """What the student's cells printed, as nbgrader saved it."""
    path = root / "autograded" / student / NOTEBOOK / f"{NOTEBOOK}.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    return "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))


def test_the_escape_saw_nothing_it_should_not(graded):
    root, results, *_ = graded
    text = printed(root, "h_escape")
    assert "STOLEN []" in text  # no notebook, guide, gradebook, submission, parent command line
    assert "PROFILE smoke TOKEN None" in text  # the grading profile, none of the teacher's secrets
    assert text.count("refused") == 3  # the course, grading and submissions folders (its /tmp and
    # home are its own)


def test_honest_submissions_keep_their_points_and_feedback(graded):
    root, results, *_ = graded
    for student in HONEST:
        honest = results[student]
        assert honest.auto_score == honest.auto_max == POINTS and not honest.flagged, honest
        assert "Prediction recorded" in honest.feedback.read_text()
    assert results["m_untouched"].score == 0 and not results["m_untouched"].flagged


@pytest.mark.parametrize(
    "student, reason",
    [
        ("h_escape", None),
        ("h_rebind", "utils.exercises.check_prediction was replaced"),
        ("h_swallow", "custom exception handler"),
        ("h_memory", "memory limit"),
        ("h_loop", ("nbgrader could not grade it", "stopped after")),  # whichever comes first
        ("h_renamed", "nbgrader could not grade it"),
        ("h_process", None),
        ("h_points", None),
        ("h_venv", None),
        ("h_corrupt", "nbgrader could not grade it"),
    ],
)
def test_a_hostile_submission_earns_what_an_empty_one_does(graded, student, reason):
    root, results, *_ = graded
    result, empty = results[student], results["m_untouched"]
    assert (result.score, result.max_score) == (empty.score, empty.max_score) == (0, POINTS)
    with open(root / "flagged.csv") as flagged:
        rows = {row["student_id"]: row for row in csv.DictReader(flagged)}
    if reason:
        reasons = (reason,) if isinstance(reason, str) else reason
        assert any(r in rows[student]["reasons"] for r in reasons), rows.get(student)
    with open(root / "grades.csv") as grades:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(grades)}
    assert scores[student] == 0 and all(scores[s] == POINTS for s in HONEST)


def test_edited_points_are_flagged_and_not_counted(graded):
    root, results, *_ = graded
    assert results["h_points"].flagged and results["h_points"].max_score == POINTS
    assert any(c.startswith("check_") for c in results["h_points"].changed_cells)


def test_without_a_sandbox_untrusted_submissions_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "problem", lambda: "No sandbox on Darwin: install bubblewrap.")
    (tmp_path / "student").mkdir()
    with pytest.raises(grading.GradingError, match="--trusted-submissions"):
        grading.grade(tmp_path, tmp_path / "course")
    assert not os.listdir(tmp_path / "student")


def test_the_kernel_gets_only_the_settings_it_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("TEACHERS_TOKEN", "secret")
    argv = sandbox.kernel_argv(tmp_path, LIMITS, environment={"COURSE_PROFILE": "smoke"})
    settings = {argv[i + 1]: argv[i + 2] for i, a in enumerate(argv) if a == "--setenv"}
    assert settings["COURSE_PROFILE"] == "smoke" and "TEACHERS_TOKEN" not in settings
    assert "--clearenv" in argv and f"--as={LIMITS.memory_bytes}" in argv


def test_a_teachers_own_processes_do_not_eat_the_process_allowance(tmp_path, monkeypatch):
    # RLIMIT_NPROC counts every task of the user: as a teacher (not root) the limit is the
    # allowance plus the tasks the teacher already runs (this test process's threads at least 1)
    monkeypatch.setattr(sandbox, "_as_root", lambda: False)
    argv = sandbox.kernel_argv(tmp_path, LIMITS)
    nproc = next(int(a.split("=")[1]) for a in argv if a.startswith("--nproc="))
    assert nproc > LIMITS.processes
