"""Notebook 05: 8-bit floats (fp8, E4M3 and E5M2) against int8, as ways to store weights."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from utils import measure
from utils.quantization.conversion import round_half_away


WEIGHT_FORMATS = ("float8 E4M3", "float8 E5M2", "int8 per channel")
# TensorFlow's fp8 dtypes (their NumPy types are ml_dtypes', which TensorFlow installs).
FP8_DTYPES = {
    "float8 E4M3": tf.dtypes.experimental.float8_e4m3fn,
    "float8 E5M2": tf.dtypes.experimental.float8_e5m2,
}


def round_weights(kernel, fmt: str) -> np.ndarray:
    """``kernel`` (float32, output channels last) rounded to an 8-bit format and turned back
    into float32. fp8 uses one scale per tensor, as FP8 recipes do (the tensor's largest
    magnitude maps to the format's largest finite value); int8 one scale per output channel
    (``max|w| / 127``, zero point 0), as TFLite does."""
    w = np.asarray(kernel, np.float32)
    if fmt == "int8 per channel":
        scale = np.abs(w).reshape(-1, w.shape[-1]).max(axis=0) / 127
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        return (np.clip(round_half_away(w / scale), -127, 127) * scale).astype(np.float32)
    if fmt not in FP8_DTYPES:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(WEIGHT_FORMATS)}.")
    dtype = FP8_DTYPES[fmt]
    amax = float(np.abs(w).max())
    scale = np.float32(float(dtype.max) / amax) if amax > 0 else np.float32(1)
    return ((w * scale).astype(dtype.as_numpy_dtype).astype(np.float32) / scale).astype(np.float32)


def rounding_errors(kernels: list[np.ndarray], fmt: str) -> dict[str, float]:
    """Mean and largest absolute error of rounding every kernel to ``fmt``, and the median
    error relative to each weight's magnitude (over the non-zero weights)."""
    errors, relative = [], []
    for kernel in kernels:
        rounded = round_weights(kernel, fmt)
        error = np.abs(rounded - kernel).ravel()
        errors.append(error)
        nonzero = np.abs(kernel).ravel() > 0
        relative.append(error[nonzero] / np.abs(kernel).ravel()[nonzero])
    error, relative = np.concatenate(errors), np.concatenate(relative)
    return {
        "mean_abs_error": float(error.mean()),
        "max_abs_error": float(error.max()),
        "median_relative_error": float(measure.percentile(relative, 50)),
    }
