"""Notebook 00: the checker of the training arithmetic (steps per epoch, total steps,
images seen)."""

from __future__ import annotations

import math

from utils.exercises.base import NotYet, _correct


def check_training_arithmetic(
    steps_per_epoch: int,
    total_steps: int,
    images_seen: int,
    *,
    n_images: int,
    batch_size: int,
    epochs: int,
) -> None:
    """Notebook 00: how many optimizer steps and forward passes does a training run take?"""
    expected_steps = math.ceil(n_images / batch_size)
    if steps_per_epoch != expected_steps:
        hint = (
            " The last, smaller batch still counts as a step: round up."
            if steps_per_epoch == n_images // batch_size
            else f" Each step takes one batch of {batch_size} images."
        )
        raise NotYet(
            f"steps_per_epoch is {steps_per_epoch}, but {n_images} images make "
            f"{expected_steps} batches of up to {batch_size}.{hint}"
        )
    if total_steps != expected_steps * epochs:
        raise NotYet(
            f"total_steps is {total_steps}; each of the {epochs} epochs runs "
            f"{expected_steps} steps."
        )
    if images_seen != n_images * epochs:
        raise NotYet(
            f"images_seen is {images_seen}; every epoch passes each of the "
            f"{n_images} images forward (and backward) once."
        )
    _correct(
        f"{total_steps:,} optimizer steps, {images_seen:,} images through the network "
        f"forward and backward. Inference on one new image is a single forward pass."
    )
