"""Tooling: the student copies, nbgrader's released notebooks committed in ``student/``.

    python -m tools.student_copies           # write student/*.ipynb from notebooks/*.ipynb
    python -m tools.student_copies --check   # change nothing; exit 1 naming each copy that differs

The notebooks in ``notebooks/`` are the instructor's, with the solutions. What a student opens
(the README's links, the Colab badges, the HTML index) is the copy in ``student/`` of the same
name: ``nbgrader generate_assignment`` run by ``tools/grading.py`` (``assignments``, in a temporary
course directory), so each solution is replaced by ``raise exercises.Unanswered()``, each written
answer by "YOUR ANSWER HERE", every other cell is locked, and the title's Colab badge opens the
student copy. The copies are the same notebooks ``make assignments`` releases, so ``make grade``
grades them.

The files are deterministic: outputs and execution counts cleared, per-cell execution timestamps
dropped, and any absolute path of the temporary course directory or of this checkout removed
(nbgrader writes none today; the check says so if one appears). After editing a notebook, run the
command and commit ``student/`` with the change; ``tests/test_student_copies.py`` fails while a
committed copy differs from what ``generate_assignment`` makes now.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import nbformat

from tools import bootstrap_cell, grading

ROOT = Path(__file__).resolve().parent.parent
STUDENT_DIR = ROOT / bootstrap_cell.STUDENT_FOLDER
COMMAND = "python -m tools.student_copies"


def normalised(path: Path, roots: list[Path]) -> str:
    """A released notebook as committed: no outputs, no timestamps, no machine's paths."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # JupyterLab's per-cell timestamps
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    text = nbformat.writes(notebook)
    for root in roots:
        for form in {str(root), str(root.resolve()), root.resolve().as_uri()}:
            text = text.replace(form, ".")
    return text if text.endswith("\n") else text + "\n"


def generate(sources: list[Path] | None = None) -> dict[str, str]:
    """{file name: the student copy's text} for every notebook (or ``sources``), made by
    ``nbgrader generate_assignment`` in a temporary course directory."""
    with tempfile.TemporaryDirectory(prefix="course-student-") as temp:
        root = Path(temp) / "nbgrader"
        released = grading.assignments(sources, root)
        return {path.name: normalised(path, [root, ROOT]) for path in released}


def differing(copies: dict[str, str], folder: Path = STUDENT_DIR) -> list[str]:
    """The lines naming each copy in ``folder`` that is missing, differs from ``copies`` or has no
    source notebook any more; empty when all agree."""
    found = {path.name for path in folder.glob("*.ipynb")}
    lines = []
    for name, text in sorted(copies.items()):
        path = folder / name
        if name not in found:
            lines.append(f"{path}: missing (nbgrader makes it from notebooks/{name})")
        elif path.read_text(encoding="utf-8") != text:
            lines.append(
                f"{path}: differs from what nbgrader generate_assignment makes from "
                f"notebooks/{name} now"
            )
    lines += [
        f"{folder / name}: no notebooks/{name} to make it from"
        for name in sorted(found - set(copies))
    ]
    return lines


def report(lines: list[str]) -> str:
    """``--check``'s message: each differing copy, then the command that fixes them."""
    return "\n".join(
        [
            f"{len(lines)} student cop{'y' if len(lines) == 1 else 'ies'} out of date:",
            *(f"  {line}" for line in lines),
            f"Fix: {COMMAND} (writes student/ from notebooks/), then commit student/.",
        ]
    )


def write(copies: dict[str, str], folder: Path = STUDENT_DIR) -> list[str]:
    """Write the copies that differ, delete those without a source notebook; their names."""
    folder.mkdir(exist_ok=True)
    changed = []
    for name, text in sorted(copies.items()):
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    for path in sorted(folder.glob("*.ipynb")):
        if path.name not in copies:  # a copy this command wrote of a notebook since removed
            path.unlink()
            changed.append(path.name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{COMMAND}", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a copy differs"
    )
    args = parser.parse_args(argv)
    try:
        copies = generate()
    except grading.GradingError as error:
        print(error, file=sys.stderr)
        return 1
    if args.check:
        lines = differing(copies)
        print(report(lines) if lines else f"{len(copies)} student copies up to date.")
        return 1 if lines else 0
    changed = write(copies)
    print(
        f"Student copies in {STUDENT_DIR.relative_to(ROOT)}/: {len(changed)} changed"
        + (": " + ", ".join(changed) + "; commit them." if changed else " (all up to date).")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
