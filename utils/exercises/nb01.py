"""Notebook 01: the checker of the dataset exercise (a label-safe augmentation)."""

from __future__ import annotations

from utils.exercises.base import NotYet, _correct


def check_augmentation(augment, ds, examples: int = 32) -> None:
    """Notebook 01: ``augment(image, label)`` changes images, keeps shape, range and label."""
    import numpy as np
    import tensorflow as tf

    originals = list(ds.take(examples))
    try:
        augmented = list(ds.take(examples).map(augment))
    except Exception as error:  # the student's code: say what happened, in one line
        raise NotYet(
            f"{augment.__name__} failed inside ds.map ({type(error).__name__}: "
            f"{str(error).splitlines()[0]}); use tf.image functions on tensors."
        ) from None
    if not all(isinstance(a, tuple) and len(a) == 2 for a in augmented):
        raise NotYet(f"{augment.__name__} must return two things: the image and the label.")
    changed = 0
    for (image, label), (new_image, new_label) in zip(originals, augmented):
        if new_image.shape != image.shape or new_image.dtype != image.dtype:
            raise NotYet(
                f"an image went in as {image.shape} {image.dtype.name} and came out as "
                f"{new_image.shape} {new_image.dtype.name}; keep shape and dtype."
            )
        low, high = float(tf.reduce_min(new_image)), float(tf.reduce_max(new_image))
        if low < -1e-6 or high > 1 + 1e-6:
            raise NotYet(
                f"pixel values came out between {low:.2f} and {high:.2f}; keep them in "
                "[0, 1] (tf.clip_by_value)."
            )
        if int(new_label) != int(label):
            raise NotYet(
                f"label {int(label)} came out as {int(new_label)}: an augmentation must "
                "never change the answer."
            )
        changed += not np.allclose(image, new_image)
    if changed < examples // 8:
        raise NotYet(
            f"only {changed} of {examples} images changed; an augmentation should vary "
            "most of them (use random operations)."
        )
    _correct(f"{changed} of {examples} images changed; shapes, value range and labels kept.")
