"""Notebook 05: what conversion starts from and writes: the calibration images, and the
float ↔ int8 mapping (a scale, a zero point, TFLite's rounding) of every int8 tensor.

The conversion itself is the recipe of notebook 05's ``#@save`` cell,
:mod:`utils.quantization.recipe`.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from utils import data

tf.get_logger().setLevel("ERROR")  # the converter logs every temporary SavedModel it writes


def calibration_images(count: int, split: str = "train") -> np.ndarray:
    """The first ``count`` images of ``split`` as floats in [0, 1]: the representative dataset
    from which full-integer conversion learns each activation's range."""
    if count < 1:
        raise ValueError(
            f"count={count}: full-integer conversion needs at least 1 calibration image."
        )
    images = [image for image, _ in data.load(split).take(count).as_numpy_iterator()]
    return np.stack(images).astype(np.float32) / 255.0


def round_half_away(v) -> np.ndarray:
    """Round to the nearest whole number, a tie (x.5) away from zero: C's ``std::round``, which
    TFLite calls ``TfLiteRound``. (NumPy's ``np.round`` sends a tie to the even neighbour.)"""
    v = np.asarray(v)
    whole = np.floor(np.abs(v))
    return np.sign(v) * (whole + (np.abs(v) - whole >= 0.5))


def quantize(x, scale, zero_point) -> np.ndarray:
    """Float → int8 as TFLite's converter and reference kernel do it: ``x / scale`` in float32,
    rounded half away from zero, plus ``zero_point``, clipped to [-128, 127]."""
    ratio = np.asarray(x, np.float32) / np.asarray(scale, np.float32)
    return np.clip(round_half_away(ratio) + zero_point, -128, 127).astype(np.int8)


def dequantize(q, scale, zero_point) -> np.ndarray:
    """int8 → float: ``(q - zero_point) * scale`` (scale and zero point may be per channel)."""
    return ((np.asarray(q, np.float64) - zero_point) * scale).astype(np.float32)
