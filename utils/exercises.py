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


def check_class_counts(class_counts, ds, num_classes: int) -> None:
    """Notebook 01: ``class_counts(ds, num_classes)`` counts the examples of each class."""
    import numpy as np
    import tensorflow as tf

    truth = np.bincount([int(label) for _, label in ds], minlength=num_classes).tolist()
    answer = [int(c) for c in class_counts(ds, num_classes)]
    if len(answer) != num_classes:
        raise NotYet(f"class_counts returned {len(answer)} numbers; there are {num_classes} "
                     "classes, so return one count per class.")
    if answer != truth:
        raise NotYet(f"class_counts counted {answer}, but the split holds {truth} "
                     f"({sum(truth)} examples in all).")
    lopsided = tf.data.Dataset.from_tensor_slices(
        (tf.zeros((6, 2, 2, 3), tf.uint8), tf.constant([0, 0, 0, 1, 2, 2], tf.int64)))
    if [int(c) for c in class_counts(lopsided, 3)] != [3, 1, 2]:
        raise NotYet("class_counts is right for this split but not for a dataset with labels "
                     "0, 0, 0, 1, 2, 2 (expected [3, 1, 2]): count the labels, don't assume balance.")
    _correct(f"{truth}: at most {max(truth) - min(truth)} example(s) between the largest and "
             "smallest class.")


def check_augmentation(augment, ds, examples: int = 32) -> None:
    """Notebook 01: ``augment(image, label)`` changes images, keeps shape, range and label."""
    import numpy as np
    import tensorflow as tf

    originals = list(ds.take(examples))
    try:
        augmented = list(ds.take(examples).map(augment))
    except Exception as error:  # the student's code: say what happened, in one line
        raise NotYet(f"{augment.__name__} failed inside ds.map ({type(error).__name__}: "
                     f"{str(error).splitlines()[0]}); use tf.image functions on tensors.") from None
    if not all(isinstance(a, tuple) and len(a) == 2 for a in augmented):
        raise NotYet(f"{augment.__name__} must return two things: the image and the label.")
    changed = 0
    for (image, label), (new_image, new_label) in zip(originals, augmented):
        if new_image.shape != image.shape or new_image.dtype != image.dtype:
            raise NotYet(f"an image went in as {image.shape} {image.dtype.name} and came out as "
                         f"{new_image.shape} {new_image.dtype.name}; keep shape and dtype.")
        low, high = float(tf.reduce_min(new_image)), float(tf.reduce_max(new_image))
        if low < -1e-6 or high > 1 + 1e-6:
            raise NotYet(f"pixel values came out between {low:.2f} and {high:.2f}; keep them in "
                         "[0, 1] (tf.clip_by_value).")
        if int(new_label) != int(label):
            raise NotYet(f"label {int(label)} came out as {int(new_label)}: an augmentation must "
                         "never change the answer.")
        changed += not np.allclose(image, new_image)
    if changed < examples // 8:
        raise NotYet(f"only {changed} of {examples} images changed; an augmentation should vary "
                     "most of them (use random operations).")
    _correct(f"{changed} of {examples} images changed; shapes, value range and labels kept.")


if __name__ == "__main__":
    for written in write_student_copies(config.NOTEBOOKS_DIR, config.build_dir() / "student"):
        print(f"wrote {written}")
