"""The ranges calibration recorded, the scales and zero points the converter wrote from them,
and the converter's quantization step rerun on changed ranges (utils.quantization.calibration)."""

import numpy as np
import pytest
import tf_keras as keras

from utils import quantization
from calibration_models import calibrated_case  # noqa: F401 (a fixture)


def _logits_name(ranges):
    """The dense layer's output before its softmax: the last range (the graph's order, the
    softmax's output left out)."""
    return list(ranges)[-1]


def test_requantize_unchanged_is_the_converters_own_result(calibrated_case):
    _, _, calibrated, converted = calibrated_case
    again = quantization.written_params(quantization.requantize(calibrated))
    written = quantization.written_params(converted)
    assert again.keys() == written.keys()
    for name, params in written.items():
        assert np.array_equal(again[name]["scales"], params["scales"]), name
        assert np.array_equal(again[name]["zero_points"], params["zero_points"]), name


def test_observed_ranges_are_the_float_models_min_and_max(calibrated_case):
    model, images, calibrated, _ = calibrated_case
    ranges = quantization.observed_ranges(calibrated)
    # The logits: the dense layer before its softmax, min and max over every image and class.
    features = keras.Model(model.input, model.layers[-2].output).predict(images, verbose=0)
    kernel, bias = model.layers[-1].get_weights()
    logits = features @ kernel + bias
    low, high = ranges[_logits_name(ranges)]
    assert low == pytest.approx(logits.min(), abs=1e-5)
    assert high == pytest.approx(logits.max(), abs=1e-5)
    # The input: the images' own min and max.
    assert ranges[next(iter(ranges))] == pytest.approx((images.min(), images.max()), abs=1e-6)
    # The softmax's output is left out: its kernel fixes its range.
    assert not any(name.startswith("StatefulPartitionedCall") for name in ranges)


def test_float_weights_are_folded_with_the_output_channel_last(calibrated_case):
    model, _, calibrated, _ = calibrated_case
    weights = quantization.float_weights(calibrated)
    conv, batchnorm, dense = model.layers[1], model.layers[2], model.layers[-1]
    gamma, _, _, variance = batchnorm.get_weights()
    folded = conv.kernel.numpy() * gamma / np.sqrt(variance + batchnorm.epsilon)
    conv_name = next(name for name in weights if weights[name].ndim == 4)
    assert np.allclose(weights[conv_name], folded, rtol=1e-5, atol=1e-7)
    dense_name = next(name for name in weights if weights[name].ndim == 2)
    assert np.array_equal(weights[dense_name], dense.get_weights()[0])


def test_written_params_follow_the_converters_rules(calibrated_case):
    _, _, calibrated, converted = calibrated_case
    written = quantization.written_params(converted)
    for name, kernel in quantization.float_weights(calibrated).items():
        # symmetric per output channel, narrow range: max|w| / 127 in float32, zero point 0
        biggest = np.abs(kernel).max(axis=tuple(range(kernel.ndim - 1)))
        assert np.array_equal(written[name]["scales"], biggest / np.float32(127)), name
        assert not written[name]["zero_points"].any()
    ranges = quantization.observed_ranges(calibrated)
    low, high = ranges[_logits_name(ranges)]
    params = written[_logits_name(ranges)]
    # asymmetric: (hi - lo) / 255 and round(-128 - lo / scale)
    assert params["scales"][0] == pytest.approx((high - low) / 255, rel=1e-6)
    assert params["zero_points"][0] == round(-128 - low / ((high - low) / 255))


@pytest.mark.parametrize(
    "low, high, scale, zero_point",
    [
        (-1.0, 1.0, 2 / 255, -1),  # -128 + 1 / (2/255) = -0.5: a tie, C's round: away from zero
        (0.5, 3.0, 3 / 255, -128),  # widened to [0, 3]: 0 is the lowest code
        (-2.0, -0.5, 2 / 255, 127),  # widened to [-2, 0]: 0 is the highest code
    ],
)
def test_requantize_answers_for_any_range(calibrated_case, low, high, scale, zero_point):
    _, _, calibrated, _ = calibrated_case
    name = _logits_name(quantization.observed_ranges(calibrated))
    changed = quantization.requantize(calibrated, ranges={name: (low, high)})
    params = quantization.written_params(changed)[name]
    assert params["scales"][0] == pytest.approx(scale, rel=1e-6)
    assert params["zero_points"][0] == zero_point


def test_an_all_zero_channel_gets_a_positive_scale_and_zero_codes(calibrated_case):
    _, _, calibrated, _ = calibrated_case
    weights = quantization.float_weights(calibrated)
    name = next(name for name in weights if weights[name].ndim == 4)
    kernel = weights[name].copy()
    kernel[..., 0] = 0.0
    changed = quantization.requantize(calibrated, weights={name: kernel})
    scale = quantization.written_params(changed)[name]["scales"][0]
    assert 0 < scale < 1e-6  # the range widened to at least ±5e-7, never 0
    stored = next(t for t in quantization.quantized_tensors(changed) if t["name"] == name)
    assert not stored["values"][0].any()  # TFLite keeps the output channel first


def test_requantize_names_an_unknown_tensor(calibrated_case):
    _, _, calibrated, _ = calibrated_case
    with pytest.raises(ValueError, match="No tensor 'nope'"):
        quantization.requantize(calibrated, ranges={"nope": (0.0, 1.0)})
