"""Notebook 05's checkers accept the right answers and explain the usual wrong ones."""

import numpy as np
import pytest

from utils import exercises, quantization
from calibration_models import calibrated_case  # noqa: F401 (a fixture)


# The solutions, derived from the converter's source (utils/quantization/calibration.py):
def activation_params(lo, hi):
    lo, hi = min(lo, 0.0), max(hi, 0.0)  # 0 must be inside the range
    scale = (hi - lo) / 255  # 256 codes, 255 steps
    return scale, int(quantization.round_half_away(-128 - lo / scale))  # lo ↦ -128


def weight_params(kernel):
    biggest = np.abs(kernel).max(axis=tuple(range(kernel.ndim - 1)))  # per output channel (last)
    return np.maximum(biggest, 5e-7) / 127, np.zeros(kernel.shape[-1], int)  # ±5e-7 at least


def test_scale_zero_point_accepts_the_converters_rules(calibrated_case, capsys):
    _, _, calibrated, converted = calibrated_case
    exercises.check_scale_zero_point(activation_params, weight_params, calibrated, converted)
    assert "Correct" in capsys.readouterr().out


def _asymmetric(lo, hi, steps=255, widen=True, rounding=quantization.round_half_away):
    if widen:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / steps
    return scale, rounding(-128 - lo / scale)


ACTIVATION_MISTAKES = [
    (lambda lo, hi: (max(abs(lo), abs(hi)) / 127, 0), "symmetric"),
    (lambda lo, hi: _asymmetric(lo, hi, rounding=lambda z: z), "not a whole number"),
    (lambda lo, hi: _asymmetric(lo, hi, steps=256), "256 steps"),
    (lambda lo, hi: _asymmetric(lo, hi, widen=False), "0 is not inside the range"),
    (lambda lo, hi: _asymmetric(lo, hi, rounding=np.round), "a tie away from zero"),
    (lambda lo, hi: _asymmetric(lo, hi, rounding=lambda z: int(z)), r"int\(\) cuts toward zero"),
]


@pytest.mark.parametrize("wrong, hint", ACTIVATION_MISTAKES)
def test_scale_zero_point_names_the_activation_mistake(calibrated_case, wrong, hint):
    _, _, calibrated, converted = calibrated_case
    with pytest.raises(exercises.NotYet, match=hint):
        exercises.check_scale_zero_point(wrong, weight_params, calibrated, converted)


def _symmetric(kernel, divisor=127, magnitude=True, per_channel=True, guard=True):
    values = np.abs(kernel) if magnitude else kernel
    biggest = values.max(axis=tuple(range(kernel.ndim - 1))) if per_channel else values.max()
    biggest = np.maximum(biggest, 5e-7) if guard else biggest
    return biggest / divisor, np.zeros(kernel.shape[-1], int)


def _asymmetric_weights(kernel):
    axes = tuple(range(kernel.ndim - 1))
    low, high = np.minimum(kernel.min(axis=axes), 0), np.maximum(kernel.max(axis=axes), 0)
    scale = (high - low) / 255
    return scale, np.round(-128 - low / scale)


WEIGHT_MISTAKES = [
    (lambda k: _symmetric(k, per_channel=False), "per-tensor"),
    (lambda k: _symmetric(k, divisor=128), "/ 128"),
    (lambda k: _symmetric(k, magnitude=False), "MAGNITUDE"),
    (lambda k: _symmetric(k, guard=False), "all zeros"),
    (_asymmetric_weights, "weights are symmetric"),
    (lambda k: (np.abs(k).max(axis=0) / 127, 0), "LAST axis"),
]


@pytest.mark.parametrize("wrong, hint", WEIGHT_MISTAKES)
def test_scale_zero_point_names_the_weight_mistake(calibrated_case, wrong, hint):
    _, _, calibrated, converted = calibrated_case
    with pytest.raises(exercises.NotYet, match=hint):
        exercises.check_scale_zero_point(activation_params, wrong, calibrated, converted)


def test_scale_zero_point_wants_functions(calibrated_case):
    _, _, calibrated, converted = calibrated_case
    with pytest.raises(exercises.NotYet, match="should be a function"):
        exercises.check_scale_zero_point((0.1, -128), weight_params, calibrated, converted)
