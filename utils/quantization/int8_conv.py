"""Notebook 05: one int8 convolution, step by step, rounded as LiteRT's kernels round it.

A CONV_2D with int8 input, per-channel int8 weights (zero point 0), int32 bias and int8 output:

    accumulator = Σ (x − x_zero) · w + bias       (int32; SAME padding: the border is the real 0)
    output      = clamp(round(accumulator × multiplier) + y_zero)   per output channel

LiteRT's default CPU path (the XNNPACK delegate) computes the multiplier in float32 as
(x_scale × w_scale) / y_scale (XNNPACK src/operators/convolution-nhwc.c), multiplies the
accumulator converted to float32 by it and rounds to nearest, a tie to even
(_mm512_cvtps_epi32, lrintf, vcvtnq: the "fp32" requantization of every qs8-qc8w kernel).
TFLite's builtin and reference kernels instead use a fixed-point multiplier
(QuantizeMultiplier, then MultiplyByQuantizedMultiplier: SaturatingRoundingDoublingHighMul and
RoundingDivideByPOT). The two differ by one step on a few outputs.
"""

from __future__ import annotations

import math

import numpy as np

from utils.quantization.conversion import round_half_away


CONV_STAGES = ("accumulator", "multiplier", "scaled", "output")


def conv_accumulator(x, x_zero: int, weights, bias) -> np.ndarray:
    """The int32 accumulator of a 3×3 (or k×k), stride-1, SAME-padded convolution: ``x`` int8
    (N, H, W, C), ``weights`` int8 (out, k, k, C) as TFLite stores them, ``bias`` int32 (out,)."""
    w = np.asarray(weights).astype(np.int64)
    k = w.shape[1]
    pad = k // 2
    shifted = np.pad(
        np.asarray(x).astype(np.int64) - int(x_zero), ((0, 0), (pad, pad), (pad, pad), (0, 0))
    )
    height, width = np.asarray(x).shape[1:3]
    accumulator = np.zeros(np.asarray(x).shape[:3] + (w.shape[0],), np.int64)
    for i in range(k):
        for j in range(w.shape[2]):
            accumulator += np.einsum(
                "nhwc,oc->nhwo", shifted[:, i : i + height, j : j + width], w[:, i, j]
            )
    return (accumulator + np.asarray(bias, np.int64)).astype(np.int32)


def conv_multiplier(x_scale: float, w_scales, y_scale: float) -> np.ndarray:
    """The per-channel requantization multiplier as XNNPACK computes it: float32
    ``(x_scale × w_scale) / y_scale``."""
    return (np.float32(x_scale) * np.asarray(w_scales, np.float32)) / np.float32(y_scale)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's ``QuantizeMultiplier``: ``real ≈ quantized × 2^(shift − 31)``, ``quantized`` an
    int32 in [2^30, 2^31)."""
    if real == 0:
        return 0, 0
    fraction, shift = math.frexp(float(real))
    quantized = int(round_half_away(fraction * (1 << 31)))
    if quantized == 1 << 31:
        quantized //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return quantized, shift


def multiply_by_quantized_multiplier(accumulator, real_multiplier) -> np.ndarray:
    """TFLite's builtin-kernel requantization of an int32 ``accumulator`` (last axis: channels)
    by the per-channel ``real_multiplier`` (float64 ``x_scale × w_scale / y_scale``): a
    fixed-point multiply that rounds twice (SaturatingRoundingDoublingHighMul, then
    RoundingDivideByPOT), as in tensorflow/lite/kernels/internal/common.h."""
    acc = np.asarray(accumulator, np.int64)
    multipliers = np.broadcast_to(np.asarray(real_multiplier, np.float64), acc.shape[-1:])
    out = np.empty_like(acc)
    for channel, real in enumerate(multipliers):
        quantized, shift = quantize_multiplier(real)
        a = acc[..., channel] * (1 << max(shift, 0))
        product = a * quantized
        nudged = product + np.where(product >= 0, 1 << 30, 1 - (1 << 30))
        # C's truncation towards zero
        high = np.where(nudged >= 0, nudged // (1 << 31), -((-nudged) // (1 << 31)))
        exponent = max(-shift, 0)
        mask = (1 << exponent) - 1
        threshold = (mask >> 1) + (high < 0)
        out[..., channel] = (high >> exponent) + ((high & mask) > threshold)
    return out


def int8_conv_stages(x, layer: dict, kernels: str = "default") -> dict[str, np.ndarray]:
    """The course's reference int8 convolution, stage by stage (:data:`CONV_STAGES`). ``layer``
    holds ``weights``, ``bias``, ``x_scale``, ``x_zero``, ``w_scales``, ``y_scale``, ``y_zero``
    and ``relu`` (a fused ReLU clamps at ``y_zero``, the real 0). ``kernels="default"`` rounds as
    LiteRT's default XNNPACK path does (float32, a tie to even); ``"builtin"`` as TFLite's builtin
    and reference kernels do (fixed point)."""
    accumulator = conv_accumulator(x, layer["x_zero"], layer["weights"], layer["bias"])
    multiplier = conv_multiplier(layer["x_scale"], layer["w_scales"], layer["y_scale"])
    scaled = accumulator.astype(np.float32) * multiplier
    if kernels == "default":
        rounded = np.rint(scaled)
    elif kernels in ("builtin", "reference"):
        real = (
            np.float64(np.float32(layer["x_scale"]))
            * np.asarray(layer["w_scales"], np.float64)
            / np.float64(np.float32(layer["y_scale"]))
        )
        rounded = multiply_by_quantized_multiplier(accumulator, real)
    else:
        raise ValueError(f"Unknown kernels {kernels!r}: use 'default' or 'builtin'.")
    low = int(layer["y_zero"]) if layer.get("relu") else -128
    output = np.clip(rounded + int(layer["y_zero"]), low, 127).astype(np.int8)
    return {
        "accumulator": accumulator,
        "multiplier": multiplier,
        "scaled": scaled,
        "output": output,
    }


def tie_probe() -> tuple[np.ndarray, dict]:
    """A small hand-made int8 convolution whose scaled values include exact ties (x.5), a
    negative result and one beyond the int8 range, so that a rounding rule, a zero point or a
    clamp that is off shows up even where the real layer has (almost) no ties."""
    x = np.array([[[[4, 2], [3, 3]], [[5, 1], [2, 6]]]], np.int8)  # (1, 2, 2, 2)
    weights = np.zeros((4, 3, 3, 2), np.int8)
    weights[:, 1, 1] = [[1, 0], [0, 1], [-3, 0], [127, 127]]  # the centre tap only
    weights[1, 0, 0] = [2, -1]  # one off-centre tap: the border (padding) counts
    layer = {
        "weights": weights,
        "bias": np.array([0, 3, -1, 0], np.int32),
        "x_scale": 0.5,
        "x_zero": 3,
        "w_scales": np.array([1.0, 1.0, 0.5, 2.0], np.float32),
        "y_scale": 1.0,
        "y_zero": -10,
        "relu": True,
    }
    return x, layer
