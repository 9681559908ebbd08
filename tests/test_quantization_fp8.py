"""8-bit floats against int8 (notebook 05): rounding weights to float8 E4M3 / E5M2 with one scale
per tensor, and to int8 with one scale per output channel. Expectations worked out by hand."""

import numpy as np
import pytest

from utils import quantization


def test_fp8_maps_the_largest_weight_to_the_largest_finite_value():
    # E4M3's largest finite value is 448 = 1.75 × 2^8; with amax 0.5 the scale is 896, and 0.5 comes
    # back exactly.
    w = np.array([[0.5, -0.25], [0.1, 0.0]], np.float32)
    e4m3 = quantization.round_weights(w, "float8 E4M3")
    assert e4m3[0, 0] == 0.5 and e4m3[0, 1] == -0.25 and e4m3[1, 1] == 0.0
    # 0.1 × 896 = 89.6; E4M3 has 3 mantissa bits: between 64 and 128 the steps are 8,
    # so 88 → 88 / 896.
    assert e4m3[1, 0] == pytest.approx(88 / 896)
    # E5M2 (2 mantissa bits, largest 57344 = 1.75 × 2^15): 0.1 × 114688 = 11468.8,
    # steps of 2048 there → 12288.
    assert quantization.round_weights(w, "float8 E5M2")[1, 0] == pytest.approx(12288 / 114688)


def test_int8_per_channel_scale_and_half_step_bound():
    # Channel 0: max |w| 1.27 → scale 0.01; channel 1: max |w| 0.127 → scale 0.001.
    w = np.array([[1.27, 0.127], [0.005, -0.0004], [-0.333, 0.05]], np.float32)
    rounded = quantization.round_weights(w, "int8 per channel")
    assert rounded[:, 0] == pytest.approx(
        [1.27, 0.01, -0.33], abs=1e-7
    )  # 0.005 / 0.01 = 0.5: a tie, away from zero
    assert rounded[:, 1] == pytest.approx([0.127, 0.0, 0.05], abs=1e-7)
    assert np.all(np.abs(rounded - w) <= np.array([0.01, 0.001]) / 2 + 1e-7)


def test_fp8_error_is_relative_int8_error_is_absolute():
    # fp8 keeps a few significant bits at every magnitude; int8 has equal steps, so tiny weights
    # lose most.
    w = np.array([[1.0], [0.01], [0.003]], np.float32)
    int8 = quantization.round_weights(w, "int8 per channel")
    e4m3 = quantization.round_weights(w, "float8 E4M3")
    assert int8[2, 0] == 0.0  # 0.003 / (1/127) = 0.38 → 0
    assert (
        abs(e4m3[2, 0] - 0.003) / 0.003 < 1 / 16
    )  # 3 mantissa bits: within half a step of 1/8 relative
    errors = quantization.rounding_errors([w], "int8 per channel")
    assert errors["max_abs_error"] == pytest.approx(0.003, abs=1e-6)


def test_unknown_format_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown format"):
        quantization.round_weights(np.ones((2, 2), np.float32), "float8 E3M4")
