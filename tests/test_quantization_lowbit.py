"""Appendix A7's low-bit sweep: fake quantization against hand calculations, the cliff's rule."""

import numpy as np
import pytest
import tf_keras as keras

from utils.quantization import lowbit


def test_levels_are_the_symmetric_grid():
    # 2^(b-1) - 1: 8 bits -> 127, 4 bits -> 7, 3 bits -> 3, 2 bits -> 1 (ternary: -1, 0, 1)
    assert [lowbit.levels(b) for b in (8, 6, 4, 3, 2)] == [127, 31, 7, 3, 1]
    for bad in (1, 0, 17, 4.0, True):
        with pytest.raises(ValueError, match="bits"):
            lowbit.levels(bad)


def test_four_bits_per_tensor_by_hand():
    # max|w| = 0.7, 4 bits: scale = 0.7 / 7 = 0.1. w / scale = 0.7, -0.25, 2.5, -7, 3.4
    # -> round half away from zero: 1, -0 (0), 3, -7, 3 -> times 0.1: 0.1, 0, 0.3, -0.7, 0.3
    w = np.array([0.07, -0.025, 0.25, -0.7, 0.34], np.float32).reshape(5, 1)
    expected = np.array([0.1, 0.0, 0.3, -0.7, 0.3], np.float32).reshape(5, 1)
    np.testing.assert_allclose(lowbit.fake_quantize(w, 4, per_channel=False), expected, atol=1e-7)


def test_two_bits_is_ternary():
    # 2 bits: scale = max|w| / 1 = 0.8; w / scale = 0.5 (-> 1, half away), 0.25 (-> 0), -1 (-> -1)
    w = np.array([[0.4], [0.2], [-0.8]], np.float32)
    np.testing.assert_allclose(
        lowbit.fake_quantize(w, 2, per_channel=False), [[0.8], [0.0], [-0.8]], atol=1e-7
    )


def test_per_channel_scales_each_output_channel():
    # two output channels (last axis): channel 0 max 1.0, channel 1 max 0.03.
    # 3 bits (qmax 3): per channel, scales 1/3 and 0.01: 0.5 -> 1.5 -> 2 -> 0.6667;
    # 0.01 -> 1 -> 0.01; 0.02 -> 2 -> 0.02.
    # Per tensor, scale 1/3 for both: 0.01 -> 0.03 -> 0, 0.02 -> 0.06 -> 0: channel 1 vanishes.
    w = np.array([[1.0, 0.03], [0.5, 0.01], [-1.0, 0.02]], np.float32)
    per_channel = lowbit.fake_quantize(w, 3, per_channel=True)
    np.testing.assert_allclose(
        per_channel, [[1.0, 0.03], [2 / 3, 0.01], [-1.0, 0.02]], rtol=1e-6, atol=1e-7
    )
    per_tensor = lowbit.fake_quantize(w, 3, per_channel=False)
    np.testing.assert_allclose(per_tensor[:, 1], [0.0, 0.0, 0.0], atol=1e-7)


def test_error_at_most_half_a_step_and_zeros_kept():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 3, 4, 5)).astype(np.float32)
    w[..., 2] = 0  # a channel of zeros stays zeros (its scale would be 0)
    for bits in lowbit.LOWBIT_BITS:
        q = lowbit.fake_quantize(w, bits, per_channel=True)
        step = np.abs(w).reshape(-1, 5).max(axis=0) / lowbit.levels(bits)
        assert np.all(np.abs(q - w) <= step / 2 + 1e-6)  # round to nearest: half a step at most
        assert np.all(q[..., 2] == 0)
        # at most 2 qmax + 1 distinct values per channel
        assert len(np.unique(q[..., 0])) <= 2 * lowbit.levels(bits) + 1


def test_quantized_copy_rounds_kernels_only():
    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(2, 3, bias_initializer="ones")(inputs)
    outputs = keras.layers.Dense(3)(keras.layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    copy = lowbit.quantized_weights_model(model, 2, per_channel=False)
    for original, rounded in zip(model.layers[1:], copy.layers[1:]):
        if hasattr(original, "kernel"):
            kernel = rounded.kernel.numpy()
            # ternary per tensor: every value is 0 or ± the tensor's max|w|
            amax = np.abs(original.kernel.numpy()).max()
            assert np.allclose(np.abs(kernel[kernel != 0]), amax)
            np.testing.assert_array_equal(rounded.bias.numpy(), original.bias.numpy())
    # the original is untouched
    assert len(np.unique(model.layers[1].kernel.numpy())) > 3


def _rows(accuracies, n=1000):
    rows = [{"bits": None, "granularity": "float32", "accuracy": 0.90, "images": n}]
    for (bits, granularity), accuracy in accuracies.items():
        rows.append({"bits": bits, "granularity": granularity, "accuracy": accuracy, "images": n})
    return rows


def test_cliff_is_the_widest_width_beyond_noise():
    # float32 0.90 on 1000 images: se 0.0095; a width at 0.88 has se 0.0103; the difference's se
    # is hypot(0.0095, 0.0103) = 0.0140, two of them 0.028: 0.88 (-0.02) is noise, 0.85 is not.
    accuracies = {
        (8, "per tensor"): 0.90, (6, "per tensor"): 0.88, (4, "per tensor"): 0.85,
        (3, "per tensor"): 0.40, (2, "per tensor"): 0.33,
        (8, "per channel"): 0.90, (6, "per channel"): 0.90, (4, "per channel"): 0.89,
        (3, "per channel"): 0.86, (2, "per channel"): 0.34,
    }  # fmt: skip
    rows = _rows(accuracies)
    assert lowbit.cliff(rows, "per tensor") == 4
    assert lowbit.cliff(rows, "per channel") == 3
    v = lowbit.cliff_verdict(rows, chance=1 / 3)
    assert "The cliff: 4 bits per tensor, 3 bits per channel, so" in v.headline
    assert "moves it" in v.headline and v.agrees is None
    # chance 1/3 ± 2 × 0.0149: 0.33 and 0.34 are at chance, 0.40 is not
    assert "at chance: 2 bits per tensor, 2 bits per channel" in v.headline
    # 3 bits: 0.86 against 0.40, far beyond noise; 4 bits: 0.89 - 0.85 = 0.04 against two standard
    # errors of hypot(0.0099, 0.0113) = 0.015 (0.030): beyond noise; 6 bits: 0.02 < 0.028, noise
    assert "per channel at 4 bits (0.890 per channel, 0.850 per tensor)" in v.headline
    assert "per channel at 3 bits" in v.headline and "at 6 bits" not in v.headline
    # the reference machine's cliffs, as numbers: the same, then different
    assert lowbit.cliff_verdict(rows, chance=1 / 3, reference=(4, 3)).agrees is True
    assert lowbit.cliff_verdict(rows, chance=1 / 3, reference=(4, 4)).agrees is False


def test_no_cliff_and_chance():
    flat = {(b, g): 0.90 for b in lowbit.LOWBIT_BITS for g in lowbit.GRANULARITIES}
    rows = _rows(flat)
    assert lowbit.cliff(rows, "per channel") is None
    v = lowbit.cliff_verdict(rows, chance=1 / 3, reference=(0, 0))  # 0: none on the reference
    assert (
        "The cliff: none down to 2 bits per tensor, none down to 2 bits per channel" in v.headline
    )
    assert "does not move it" in v.headline and "neither, at any width" in v.headline
    assert "above chance down to 2 bits per channel" in v.headline
    assert v.agrees is True
    # chance 1/3 on 1000 images: se 0.0149, two of them 0.030: 0.36 is at chance, 0.37 is not
    assert lowbit.near_chance(0.36, 1000, 1 / 3) and not lowbit.near_chance(0.37, 1000, 1 / 3)
