"""Notebook 04a: what magnitude pruning did, read from the model: the zeros in its kernels,
three sizes, its accuracy and a single-image call to time.

The pruning itself (tfmot) is the recipe of notebook 04a's ``#@save`` cell,
:mod:`utils.pruning.recipe`.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras


def sparsity_report(model: keras.Model) -> list[tuple[str, int, int]]:
    """``(layer, weights, zeros)`` for the kernel of every Conv2D and Dense layer, read from the
    weights themselves (not from the schedule)."""
    report = []
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            kernel = layer.kernel.numpy()
            report.append((layer.name, kernel.size, int(np.sum(kernel == 0))))
    return report


def sizes(model: keras.Model, path: Path) -> dict[str, int]:
    """Three sizes of ``model``: its ``.keras`` file (saved to ``path``, without optimizer state),
    that file gzipped, and the bytes of its non-zero parameters (float32)."""
    plain = keras.models.clone_model(model)  # uncompiled: no optimizer state in the file
    plain.set_weights(model.get_weights())
    plain.save(path)
    raw = path.read_bytes()
    nonzero = sum(int(np.count_nonzero(w)) for w in model.get_weights())
    return {
        "file_bytes": len(raw),
        "gzip_bytes": len(gzip.compress(raw, compresslevel=9)),
        "nonzero_bytes": 4 * nonzero,
    }


def single_image_forward(model: keras.Model, image_size: int):
    """A call that runs one image through ``model`` as an application does (a ``tf.function``)."""
    forward = tf.function(lambda images: model(images, training=False))
    image = np.zeros((1, image_size, image_size, 3), np.float32)
    return lambda: forward(image)


def accuracy(model: keras.Model, ds) -> float:
    """Fraction of the batched dataset ``ds`` that ``model`` classifies right.

    The forward pass is traced once per model (a ``tf.function`` taking any batch size): the
    same computation as calling the model, without Keras's per-call Python on every batch."""
    forward = tf.function(lambda images: model(images, training=False), reduce_retracing=True)
    right = total = 0
    for images, labels in ds:
        right += int(np.sum(np.argmax(forward(images), axis=1) == labels.numpy()))
        total += len(labels)
    return right / total
