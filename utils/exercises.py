"""Exercises: the solution markers, the checkers, and the student copies without solutions.

In the committed (instructor's) notebooks an exercise's answer sits between ``### BEGIN
SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers). A check cell then calls one of the
checkers below, which prints what is right or raises :class:`NotYet` saying, in plain words,
what is wrong. ``python -m utils.exercises`` (``make student``) writes student copies to
``build/student/`` with every solution replaced by ``raise NotImplementedError()`` and all
outputs cleared.
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat

from utils import config

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = "raise NotImplementedError()"
MARKDOWN_STUB = "YOUR ANSWER HERE"


class NotYet(AssertionError):
    """A checker's verdict that an answer is not right yet; shown without a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of the traceback
        return [f"✗ Not yet: {self}"]


def _correct(message: str) -> None:
    print(f"✓ Correct: {message}")


# ---------------------------------------------------------------- stripping solutions


def strip_solutions(source: str, stub: str = CODE_STUB) -> str:
    """Replace every BEGIN/END SOLUTION block (markers included) with ``stub``, indented alike."""
    out, inside = [], False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"line {number}: {BEGIN!r} again before {END!r}.")
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + stub)
        elif marker == END:
            if not inside:
                raise ValueError(f"line {number}: {END!r} without a {BEGIN!r} before it.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} is never closed by {END!r}.")
    return "\n".join(out)


def student_copy(notebook: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """A copy of ``notebook`` with solutions stubbed out and every output cleared."""
    copy = nbformat.from_dict(notebook)
    for index, cell in enumerate(copy.cells):
        stub = CODE_STUB if cell.cell_type == "code" else MARKDOWN_STUB
        try:
            cell.source = strip_solutions(cell.source, stub)
        except ValueError as error:
            raise ValueError(f"{name}, cell {index}: {error} Fix the markers.") from None
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return copy


def write_student_copies(source_dir: Path, target_dir: Path) -> list[Path]:
    """Write a student copy of every notebook in ``source_dir`` into ``target_dir``."""
    notebooks = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"No numbered notebooks (NN_name.ipynb) found in {source_dir}.")
    target_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        copy = student_copy(nbformat.read(path, as_version=4), path.name)
        nbformat.write(copy, target_dir / path.name)
        written.append(target_dir / path.name)
    return written


# ---------------------------------------------------------------- checkers


def check_training_arithmetic(
    steps_per_epoch: int, total_steps: int, images_seen: int, *, n_images: int, batch_size: int, epochs: int
) -> None:
    """Notebook 00: how many optimizer steps and forward passes does a training run take?"""
    expected_steps = math.ceil(n_images / batch_size)
    if steps_per_epoch != expected_steps:
        hint = (
            " The last, smaller batch still counts as a step: round up."
            if steps_per_epoch == n_images // batch_size
            else f" Each step takes one batch of {batch_size} images."
        )
        raise NotYet(f"steps_per_epoch is {steps_per_epoch}, but {n_images} images make "
                     f"{expected_steps} batches of up to {batch_size}.{hint}")
    if total_steps != expected_steps * epochs:
        raise NotYet(f"total_steps is {total_steps}; each of the {epochs} epochs runs "
                     f"{expected_steps} steps.")
    if images_seen != n_images * epochs:
        raise NotYet(f"images_seen is {images_seen}; every epoch passes each of the "
                     f"{n_images} images forward (and backward) once.")
    _correct(f"{total_steps:,} optimizer steps, {images_seen:,} images through the network "
             f"forward and backward. Inference on one new image is a single forward pass.")


if __name__ == "__main__":
    for written in write_student_copies(config.NOTEBOOKS_DIR, config.build_dir() / "student"):
        print(f"wrote {written}")
