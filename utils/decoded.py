"""Notebooks 04-08 (the artifacts they build): the active dataset's splits decoded once per
process and kept in memory, and the training images the pruning sweeps fine-tune on.

A sweep reads the same split many times (every seed, every criterion, every evaluation). Through
:func:`utils.data.load` each read decodes every image again, which costs little for the generated
images and a great deal for large photos of your own; :func:`split` decodes a split once and
hands out an in-memory ``tf.data.Dataset`` with the same elements, in the same order, after that.
:func:`finetune_split` is the training split, or with ``COURSE_FINETUNE_IMAGES`` a class-balanced
seeded subset of it (:func:`capped_indices`).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from utils import artifacts, config, data

_SPLITS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def source() -> str:
    """What the active dataset is, as a key: its artifact folder's name (which changes when the
    data does), or the catalogue's name."""
    name = config.dataset_name()
    return name if name == data.CATALOGUE else artifacts.path(f"data.{name}").name


def arrays(split: str) -> tuple[np.ndarray, np.ndarray]:
    """``split`` as uint8 images ``(n, size, size, 3)`` and int64 labels ``(n,)``, in
    :func:`utils.data.load`'s order, decoded the first time this process asks for it."""
    key = (config.profile_name(), source(), split)
    if key not in _SPLITS:
        pairs = list(data.load(split).as_numpy_iterator())
        size = config.settings().image_size
        images = np.stack([image for image, _ in pairs]) if pairs else np.zeros((0, size, size, 3))
        labels = np.array([label for _, label in pairs], np.int64)
        _SPLITS[key] = (images.astype(np.uint8), labels)
    return _SPLITS[key]


def split(split_name: str) -> tf.data.Dataset:
    """``split_name`` as :func:`utils.data.load` gives it, ``(uint8 image, int64 label)`` pairs in
    the same order, from memory (:func:`arrays`)."""
    return tf.data.Dataset.from_tensor_slices(arrays(split_name))


def capped_indices(labels, cap: int | None, seed: int) -> np.ndarray:
    """The indices of at most ``cap`` examples, class-balanced: each class keeps its share of
    ``cap`` (rounded down, the remainder going to the largest classes first), drawn by a seeded
    shuffle within the class; returned in the split's order. ``cap`` None (or at least the
    number of examples) keeps them all."""
    labels = np.asarray(labels)
    if cap is None or cap >= len(labels):
        return np.arange(len(labels))
    if cap < 1:
        raise ValueError(f"cap={cap}: keep at least 1 image, or None to keep them all.")
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * cap // len(labels)
    for i in np.argsort(-counts, kind="stable")[: cap - int(quota.sum())]:
        quota[i] += 1
    rng = np.random.default_rng(seed)
    kept = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(kept))


def finetune_split() -> tf.data.Dataset:
    """The training images the sweeps fine-tune on: all of the training split, or at most
    ``COURSE_FINETUNE_IMAGES`` of them (:func:`capped_indices`, seeded by the profile)."""
    images, labels = arrays("train")
    keep = capped_indices(labels, config.finetune_images(), config.settings().seed)
    if len(keep) == len(labels):
        return split("train")
    return tf.data.Dataset.from_tensor_slices((images[keep], labels[keep]))


def finetune_count() -> int:
    """How many training images the sweeps fine-tune on (the cap, or the whole split), read
    from the dataset's description without decoding it."""
    total = train_count()
    cap = config.finetune_images()
    return total if cap is None else min(cap, total)


def train_count() -> int:
    """The training split's size, from the dataset's description (no image is decoded)."""
    if config.dataset_name() == "generated":
        return config.settings().train_size
    if config.dataset_name() == data.CATALOGUE:  # three of its ten classes: count them
        return len(arrays("train")[1])
    return int(data.builder().info.splits["train"].num_examples)
