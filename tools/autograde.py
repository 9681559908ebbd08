"""Tooling: ``nbgrader autograde`` for one submission at a time, so that none stops the class
(all notebooks; used by ``tools.grading``).

Each submission gets its own nbgrader process in its own session, with the per-cell timeout and a
wall-clock limit for the whole notebook: a notebook past it is killed with every process it
started, a crash of nbgrader (a renamed ``grade_id``, a corrupt notebook, a dead kernel) ends
only that process. Before it runs, the submission's earlier results leave the gradebook, so a
submission that cannot be graded gets 0, never a stale score. What nbgrader wrote is read back
outside: the locked cells the student changed (nbgrader's checksums), the tampering the guarded
Execute step found (``tools.guard``), the cells that hit a limit.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat

from tools import guard, sandbox
from utils import config

PROFILE = "smoke"
LIMIT_ERRORS = {
    "MemoryError": "a cell ran out of the memory limit",
    "CellTimeoutError": "a cell ran past the time limit for one cell",
}


def database(root: Path) -> str:
    return f"sqlite:///{(Path(root) / 'gradebook.db').resolve()}"


def forget(root: Path, name: str, student: str) -> None:
    """The student in the gradebook, without any earlier result for this assignment."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(database(root)) as gradebook:
        gradebook.update_or_create_student(student)
        try:
            gradebook.remove_submission(name, student)
        except MissingEntry:
            pass


def python_path() -> str:
    """PYTHONPATH with the course first: nbgrader_config.py imports tools.guard."""
    return os.pathsep.join(filter(None, [str(config.ROOT), os.environ.get("PYTHONPATH")]))


def _run(command: list, root: Path, env: dict, limit_s: float) -> tuple[int | None, str]:
    """(exit status or None when killed at the limit, log); every process of its session ends."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    process = subprocess.Popen(
        [str(a) for a in command],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env={**os.environ, "PATH": path, "PYTHONPATH": python_path(), **env},
        start_new_session=True,
    )
    try:
        log, _ = process.communicate(timeout=limit_s)
        code = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        log, code = process.communicate()[0], None
    try:
        os.killpg(process.pid, signal.SIGKILL)  # whatever the session left behind
    except ProcessLookupError:
        pass
    return code, log


def _why(log: str) -> str:
    """The error that stopped nbgrader: a traceback's last line, else its last error line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r"[\w.]+(Error|Exception|Exit)\b", line)]
    errors = [line for line in lines if "ERROR" in line or "Error" in line]
    return ((raised or errors or lines or ["no log"])[-1])[:200]


def autograde(
    root: Path, name: str, student: str, limits: sandbox.Limits, sandboxed: bool
) -> str | None:
    """Autograde one submission; None when nbgrader graded it, else one sentence why it got 0."""
    root = Path(root)
    forget(root, name, student)
    args = [
        "autograde",
        name,
        "--student",
        student,
        "--force",
        f"--Execute.timeout={limits.cell_s}",
    ]
    env = {config.PROFILE_VARIABLE: PROFILE}
    private = root / "sandbox" / student / name
    if sandboxed:
        runtime = root / "sandbox-runtime" / student / name  # the grader's: not in the sandbox
        shutil.rmtree(runtime, ignore_errors=True)
        runtime.mkdir(parents=True)
        kernel = sandbox.prepare(private, limits, environment=env)  # the kernel's only settings
        env["JUPYTER_PATH"] = str(kernel)
        env["JUPYTER_RUNTIME_DIR"] = str(runtime)
        args += [
            f"--Execute.kernel_name={sandbox.KERNEL_NAME}",
            "--KernelManager.transport=ipc",
            f"--KernelManager.ip={private.resolve() / 'runtime' / 'kernel'}",
        ]
    code, log = _run([sys.executable, "-m", "nbgrader", *args], root, env, limits.notebook_s)
    shutil.rmtree(private, ignore_errors=True)
    shutil.rmtree(root / "sandbox-runtime" / student / name, ignore_errors=True)
    if code is None:
        why = f"stopped after {limits.notebook_s} s, the time limit for one notebook"
    elif code:
        why = f"nbgrader could not grade it ({_why(log)})"
    else:
        return None
    shutil.rmtree(root / "autograded" / student / name, ignore_errors=True)
    forget(root, name, student)  # whatever the failed run saved: the submission gets 0
    return why


def feedback(root: Path, name: str, student: str) -> str | None:
    """``nbgrader generate_feedback`` for one submission; None, or why there is none."""
    command = [sys.executable, "-m", "nbgrader", "generate_feedback", name]
    code, log = _run([*command, "--student", student, "--force"], Path(root), {}, 600)
    return None if code == 0 else f"no feedback ({_why(log)})"


def findings(root: Path, name: str, student: str) -> list[str]:
    """What the autograded notebook shows: tampering found by the guard, limits hit."""
    found = []
    for path in sorted((Path(root) / "autograded" / student / name).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                if output.get("ename") == guard.ENAME:
                    found.append(f"tampering: {output.get('evalue')}")
                elif output.get("ename") in LIMIT_ERRORS:
                    found.append(LIMIT_ERRORS[output["ename"]])
    return list(dict.fromkeys(found))


def changed_locked_cells(submitted: Path, assignment: str, db_url: str) -> list[str]:
    """The locked cells (check cells, read-only cells) whose source the student changed, found with
    nbgrader's checksums against the released cells stored in the gradebook, or deleted."""
    from nbgrader import utils as nbutils
    from nbgrader.api import Gradebook, MissingEntry

    changed = []
    with Gradebook(db_url) as gradebook:
        for path in sorted(submitted.glob("*.ipynb")):
            try:
                cells = nbformat.read(path, as_version=4).cells
            except Exception:  # not a notebook: its failed grading says so
                continue
            present = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in cells}
            try:
                released = gradebook.find_notebook(path.stem, assignment).source_cells
            except MissingEntry:
                continue
            changed += [
                f"{c.name} (deleted)" for c in released if c.locked and c.name not in present
            ]
            for cell in cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if not grade_id:
                    continue
                try:
                    source = gradebook.find_source_cell(grade_id, path.stem, assignment)
                except MissingEntry:
                    continue
                if source.locked and nbutils.compute_checksum(cell) != source.checksum:
                    changed.append(grade_id)
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.autograde COURSE ASSIGNMENT STUDENT``: autograde one submission already
    in ``COURSE/submitted/`` (sandboxed) and say why, if it got 0."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.autograde", description=main.__doc__)
    for name in ("course", "assignment", "student"):
        parser.add_argument(name)
    args = parser.parse_args(argv)
    missing = sandbox.problem()
    if missing:
        print(missing, file=sys.stderr)
        return 1
    why = autograde(Path(args.course), args.assignment, args.student, sandbox.Limits(), True)
    print(why or f"graded: {args.course}/autograded/{args.student}/{args.assignment}/")
    return 1 if why else 0


if __name__ == "__main__":
    sys.exit(main())
