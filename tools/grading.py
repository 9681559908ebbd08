"""Tooling: assignments and grading with nbgrader (the course is an nbgrader course).

    python -m tools.grading assignments        (make assignments)
    python -m tools.grading grade FOLDER       (make grade SUBMISSIONS=FOLDER)

The course directory is ``build/nbgrader/`` (``COURSE_BUILD_DIR``/nbgrader), with an
``nbgrader_config.py`` written here. Each notebook is one assignment, named after it
(``00_start_here``); the committed notebooks in ``notebooks/`` stay the source, copied into
``source/<assignment>/`` on every release with the title's Colab badge opening the student copy
(``student/``: ``python -m tools.student_copies`` commits the released notebooks there).

- ``assignments``: ``nbgrader generate_assignment`` for every notebook into ``release/``:
  solutions replaced by ``raise exercises.Unanswered()`` (a ``NotImplementedError`` shown as a
  one-line hint), outputs cleared, check cells locked with checksums, the points in the gradebook
  (``gradebook.db``).
- ``grade``: a folder with one folder per student, each holding that student's notebooks (either
  ``<student>/<assignment>/<notebook>.ipynb``, nbgrader's layout, or ``<student>/<notebook>.ipynb``
  as an LMS download often is) is copied into ``submitted/`` (the folder itself is never changed).
  Each submission is autograded on its own (``tools.autograde``): ``nbgrader autograde --student``
  in its own process, in the smoke profile (``COURSE_PROFILE=smoke``), with a per-cell timeout
  sized for the training cells and a limit for the whole notebook; a submission that cannot be
  graded gets 0 with the reason in ``flagged.csv`` and the class goes on. Then ``nbgrader
  generate_feedback`` writes ``feedback/<student>/<assignment>/*.html``, and ``nbgrader export``
  the gradebook ``grades.csv`` (written from the results should the export fail). A submission
  that edited or deleted a locked cell (a check cell, its points, or any read-only cell) is
  flagged in the gradebook and in ``flagged.csv`` (nbgrader grades the cell as released).

Why nbgrader stays the grader and only the kernel is sandboxed: nbgrader, its gradebook and the
feedback run outside with the teacher's privileges, and nbgrader's Execute step starts the
student's kernel through a kernelspec whose command is the sandbox (``tools.sandbox``): the
student's code never runs in a process that can reach the gradebook, and the results come back
only as the kernel's messages, which nbgrader scores after the kernel has gone. Running all of
``nbgrader autograde`` inside the sandbox would have put the gradebook copy it writes within the
student's reach. The Execute step is ``tools.guard.GuardedExecute``: the checkers re-imported
fresh before every check cell, and a tampered kernel flagged. Where no sandbox can be made
(macOS, Windows, no bubblewrap) ``grade`` refuses, unless ``trusted`` (``--trusted-submissions``).

A failing check cell scores 0 and shows the checker's plain-words hint in the feedback; a student's
cell that crashes costs the points of the checks that depend on it, and the run goes on (nbgrader
executes with errors allowed).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools import autograde, bootstrap_cell, sandbox, series
from utils import config

COURSE_ID = "dl-training-vs-inference"
# Per-cell timeout. On the 2-core reference machine the longest cell of a full run with the cache
# warm took 49 s (notebooks 04 and 05); with the cache cold one cell builds an upstream artifact
# first (the full profile's channel sweep took 443 s). Grading runs the smaller smoke profile:
# 600 s covers a cold cache on a slower laptop and still stops a student's endless loop.
CELL_TIMEOUT_S = 600
PROFILE = "smoke"
CONFIG = """\
# Written by tools/grading.py (python -m tools.grading); changes here are overwritten.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course!r}
c.CourseDirectory.db_url = {db!r}
# Per-cell timeout, sized for the training cells of the smoke profile.
c.Execute.timeout = {timeout}
# A submission that deleted a check cell gets it back, so deleting it cannot dodge it.
c.OverwriteCells.add_missing_cells = True
# A NotImplementedError that IPython shows as one line saying what to do (utils/exercises/base.py).
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise exercises.Unanswered()"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# nbgrader's Execute with the checkers re-imported fresh and tampering detected (tools/guard.py).
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from tools.guard import GuardedExecute  # noqa: E402
c.Autograde.autograde_preprocessors = [
    GuardedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata]
"""


class GradingError(RuntimeError):
    """One sentence naming what went wrong and the fix."""


def course_dir(root: Path | None = None) -> Path:
    return Path(root) if root else config.build_dir() / "nbgrader"


def notebooks() -> list[Path]:
    return series.notebooks(config.NOTEBOOKS_DIR)


def assignment_id(notebook: Path) -> str:
    return Path(notebook).stem


def write_config(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "nbgrader_config.py"
    path.write_text(
        CONFIG.format(
            root=str(root.resolve()),
            course=COURSE_ID,
            db=autograde.database(root),
            timeout=CELL_TIMEOUT_S,
        )
    )
    return path


def nbgrader(root: Path, *args: str, env: dict | None = None) -> str:
    """Run one nbgrader command in the course directory; its log, or GradingError with the log's
    end."""
    command = [sys.executable, "-m", "nbgrader", *args]
    # nbgrader runs `alembic` (its database migrations) from PATH: put this environment's scripts
    # first
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    done = subprocess.run(
        command,
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path, "PYTHONPATH": autograde.python_path(), **(env or {})},
    )
    log = done.stdout + done.stderr
    if done.returncode:
        tail = "\n".join(log.strip().splitlines()[-15:])
        raise GradingError(
            f"`nbgrader {' '.join(args)}` failed (exit {done.returncode}) in {root}:\n{tail}"
        )
    return log


def _api(config_file: Path):
    """nbgrader's Python API, configured by the course's ``nbgrader_config.py`` (one process for
    every notebook: a command per notebook would start nbgrader eight times)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    settings = PyFileConfigLoader(config_file.name, str(config_file.parent)).load_config()
    scripts = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from PATH
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    return NbGraderAPI(CourseDirectory(config=settings), config=settings)


def assignments(sources: list[Path] | None = None, root: Path | None = None) -> list[Path]:
    """``nbgrader generate_assignment`` for every notebook (or ``sources``); the released
    notebooks."""
    root = course_dir(root)
    api = _api(write_config(root))
    released = []
    for notebook in sources or notebooks():
        name = assignment_id(notebook)
        source = root / "source" / name
        if source.exists():
            shutil.rmtree(source)
        source.mkdir(parents=True)
        copy = nbformat.read(notebook, as_version=4)
        copy.cells[0].source = bootstrap_cell.for_students(copy.cells[0].source)
        nbformat.write(copy, source / Path(notebook).name)
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            tail = "\n".join(
                (result.get("log", "") + result.get("error", "")).strip().splitlines()[-15:]
            )
            raise GradingError(f"`nbgrader generate_assignment {name}` failed in {root}:\n{tail}")
        released.append(root / "release" / name / Path(notebook).name)
        print(f"released {released[-1]}", flush=True)
    return released


@dataclass
class Graded:
    student: str
    assignment: str
    score: float
    max_score: float
    changed_cells: list[str] = field(default_factory=list)  # locked cells the student edited
    feedback: Path | None = None
    auto_score: float = (
        0.0  # the check cells' points (code cells); score adds the written ones once graded
    )
    auto_max: float = 0.0
    written_max: float = (
        0.0  # written answers ("explain", the capstone's justification): graded by hand
    )
    needs_manual_grade: bool = False
    reasons: list[str] = field(default_factory=list)  # why it got 0, tampering, limits hit

    @property
    def flagged(self) -> bool:
        return bool(self.changed_cells or self.reasons)


def _submissions(folder: Path, known: set[str]) -> dict[tuple[str, str], list[Path]]:
    """{(student, assignment): notebooks} in ``folder``: <student>/<assignment>/*.ipynb or
    <student>/<assignment>.ipynb."""
    found: dict[tuple[str, str], list[Path]] = {}
    for student in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(student.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            name = path.parent.name if path.parent != student else path.stem
            if name not in known:
                raise GradingError(
                    f"{path} belongs to no assignment: name its folder (or the file) after a "
                    f"notebook, one of {', '.join(sorted(known))}."
                )
            found.setdefault((student.name, name), []).append(path)
    if not found:
        raise GradingError(
            f"No submissions in {folder}: it should hold one folder per student, each with "
            "that student's notebooks (<student>/<assignment>/<notebook>.ipynb)."
        )
    return found


def grade(
    submissions: Path,
    root: Path | None = None,
    limits: sandbox.Limits | None = None,
    trusted: bool = False,
) -> list[Graded]:
    """Autograde every submission in ``submissions`` (smoke profile), each in the sandbox and in
    its own nbgrader process; flag edited locked cells, tampering and failures; write the feedback,
    the gradebook CSV and ``flagged.csv``; one :class:`Graded` per student and assignment."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise GradingError(
            f"{submissions} is not a folder: give the folder of submissions, one folder per "
            "student (make grade SUBMISSIONS=folder)."
        )
    limits = limits or sandbox.Limits()
    missing_sandbox = sandbox.problem()
    if missing_sandbox and not trusted:
        raise GradingError(
            f"{missing_sandbox} Students' code would otherwise run with your privileges; if you "
            "trust every submission, grade with --trusted-submissions."
        )
    root = course_dir(root)
    sources = {assignment_id(p): p for p in notebooks()}
    found = _submissions(submissions, set(sources))
    missing = [
        name for name in sorted({a for _, a in found}) if not (root / "release" / name).is_dir()
    ]
    if missing or not (root / "nbgrader_config.py").is_file():
        assignments([sources[name] for name in missing] or None, root)
    write_config(root)
    for (student, name), paths in found.items():
        target = root / "submitted" / student / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for path in paths:
            shutil.copy2(path, target / f"{name}.ipynb")

    from nbgrader.api import Gradebook, MissingEntry

    db_url = autograde.database(root)
    graded = []
    for name, student in sorted((a, s) for s, a in found):
        started = time.perf_counter()
        print(f"autograding {student} · {name} ({PROFILE} profile) ...", flush=True)
        failure = autograde.autograde(root, name, student, limits, not missing_sandbox)
        reasons = [failure] if failure else autograde.findings(root, name, student)
        if not failure:
            reasons += filter(None, [autograde.feedback(root, name, student)])
        changed = autograde.changed_locked_cells(root / "submitted" / student / name, name, db_url)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        with Gradebook(db_url) as gradebook:
            try:
                notebook = gradebook.find_submission_notebook(name, name, student)
            except MissingEntry:  # not graded: 0 of the assignment's points
                released = gradebook.find_assignment(name)
                graded.append(
                    Graded(
                        student,
                        name,
                        0.0,
                        float(released.max_score),
                        changed,
                        auto_max=float(released.max_code_score),
                        written_max=float(released.max_written_score),
                        reasons=reasons,
                    )
                )
                continue
            if changed or reasons:
                notebook.flagged = True
                gradebook.db.commit()
            feedback = root / "feedback" / student / name / f"{name}.html"
            graded.append(
                Graded(
                    student,
                    name,
                    float(notebook.score),
                    float(notebook.max_score),
                    changed,
                    feedback if feedback.is_file() else None,
                    float(notebook.code_score),
                    float(notebook.max_code_score),
                    float(notebook.max_written_score),
                    bool(notebook.needs_manual_grade),
                    reasons,
                )
            )
    _write_grades(root, graded)
    with open(root / "flagged.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["student_id", "assignment", "changed_locked_cells", "reasons"])
        writer.writerows(
            [g.student, g.assignment, " ".join(g.changed_cells), "; ".join(g.reasons)]
            for g in graded
            if g.flagged
        )
    return graded


def _write_grades(root: Path, graded: list[Graded]) -> None:
    """``grades.csv``: nbgrader's export, or, should it fail, the same columns from ``graded``."""
    try:
        nbgrader(root, "export", "--to", str((root / "grades.csv").resolve()))
        return
    except GradingError as error:
        print(f"nbgrader export failed, writing grades.csv from the results: {error}")
    with open(root / "grades.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["assignment", "student_id", "score", "max_score"])
        writer.writerows([g.assignment, g.student, g.score, g.max_score] for g in graded)


def report(graded: list[Graded], root: Path) -> str:
    lines = []
    for g in graded:
        line = f"{g.student} · {g.assignment}: {g.auto_score:g} of {g.auto_max:g} autograded points"
        if g.written_max:
            line += f", {g.written_max:g} more for written answers to grade by hand (formgrader)"
        if g.changed_cells:
            line += f" · FLAGGED: changed locked cell(s) {', '.join(g.changed_cells)} (nbgrader "
            line += "graded the released cells)"
        if g.reasons:
            line += f" · FLAGGED: {'; '.join(g.reasons)}"
        lines.append(line)
    lines += [
        f"gradebook: {root / 'grades.csv'}; flagged: {root / 'flagged.csv'}; "
        f"feedback: {root / 'feedback'}/<student>/<assignment>/"
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tools.grading", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("assignments", help="nbgrader generate_assignment for every notebook")
    grading = commands.add_parser(
        "grade", help="autograde a folder of submissions (one folder per student)"
    )
    grading.add_argument("submissions", nargs="?", type=Path)
    grading.add_argument(
        "--trusted-submissions",
        action="store_true",
        help="grade without a sandbox where none can be made (only submissions you trust)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "assignments":
            released = assignments()
            print(
                f"{len(released)} assignments in {course_dir() / 'release'}: "
                "hand out these folders (nbgrader release_assignment, or upload them to your LMS)."
            )
            return 0
        if args.submissions is None:
            raise GradingError(
                "Name the folder of submissions: make grade SUBMISSIONS=folder "
                "(python -m utils grade folder), one folder per student."
            )
        graded = grade(args.submissions, trusted=args.trusted_submissions)
        print(report(graded, course_dir()))
        return 0
    except GradingError as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
