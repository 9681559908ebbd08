"""utils.quantization.conversion and the conversion recipe: the float ↔ int8 mapping (rounding,
ties, clipping), every format converted, and bad input named."""

import numpy as np
import pytest
import tf_keras as keras

from quantization_models import dense_model, images, model, small_images, small_model
from utils import quantization


def test_quantize_rounds_to_the_nearest_step_and_clips():
    assert quantization.quantize([0.0, 0.24, 0.26, -1.0], 0.5, 3).tolist() == [3, 3, 4, 1]
    assert quantization.quantize([1000.0, -1000.0], 0.1, 0).tolist() == [127, -128]


# Ties, exact in binary: x / 0.25 is 2.5, -2.5, 1.5, -1.5, 0.5, -0.5. Half away from zero gives
# 3, -3, 2, -2, 1, -1 (NumPy's half-to-even would give 2, -2, 2, -2, 0, 0).
TIES = [0.625, -0.625, 0.375, -0.375, 0.125, -0.125]
AWAY = [3, -3, 2, -2, 1, -1]


def test_quantize_rounds_a_tie_away_from_zero_both_signs():
    assert quantization.quantize(TIES, 0.25, 0).tolist() == AWAY
    assert quantization.quantize(TIES, 0.25, 5).tolist() == [a + 5 for a in AWAY]
    # NumPy differs on every one
    assert np.round(np.array(TIES) / 0.25).tolist() == [2, -2, 2, -2, 0, -0]
    # -0.37 / 0.02 is -18.5 in float32 (and float64) arithmetic: away from zero -19, + 5 = -14.
    assert np.float32(-0.37) / np.float32(0.02) == -18.5
    assert quantization.quantize(-0.37, 0.02, 5) == -14
    assert quantization.quantize(0.37, 0.02, 5) == 24


def test_round_half_away_is_not_fooled_by_the_float_just_below_a_half():
    below = np.nextafter(0.5, 0)
    rounded = quantization.round_half_away([below, -below, 2.5, -2.5, 0.0])
    assert rounded.tolist() == [0, 0, 3, -3, 0]


def test_the_converter_rounds_weight_ties_away_from_zero(images):
    inputs = keras.Input((6,))
    layer = keras.layers.Dense(1, use_bias=False)
    model = keras.Model(inputs, layer(inputs))
    # max |w| = 127 × 0.25 fixes the scale at 0.25, so the other weights are exact ties.
    weights = np.array([[31.75], [0.625], [-0.625], [0.375], [-0.375], [0.125]], np.float32)
    layer.set_weights([weights])
    content = quantization.convert(model, "int8", np.ones((4, 6), np.float32))
    (tensor,) = quantization.quantized_tensors(content)
    assert tensor["scales"].tolist() == [0.25]
    assert tensor["values"].ravel().tolist() == [127, 3, -3, 2, -2, 1]


def test_dequantize_inverts_quantize_within_half_a_step():
    x = np.linspace(-3, 3, 101)
    scale, zero_point = 6 / 255, -1
    back = quantization.dequantize(quantization.quantize(x, scale, zero_point), scale, zero_point)
    assert np.max(np.abs(back - x)) <= scale / 2 + 1e-6


@pytest.mark.parametrize("fmt", quantization.FORMATS)
def test_every_format_converts_and_runs_in_litert(model, images, fmt):
    content = quantization.convert(model, fmt, images)
    probabilities = quantization.LiteModel(content).predict(images)
    expected = model.predict(images, verbose=0)
    assert probabilities.shape == expected.shape
    tolerance = {"float32": 1e-5, "float16": 5e-3}.get(fmt, 0.05)
    assert np.max(np.abs(probabilities - expected)) <= tolerance


def test_int8_model_takes_and_gives_int8(model, images):
    lite = quantization.LiteModel(quantization.convert(model, "int8", images))
    assert lite.input["dtype"] == np.int8 and lite.output["dtype"] == np.int8


def test_unknown_format_is_named(model):
    with pytest.raises(ValueError, match="Unknown format 'int4'.*float32, float16, dynamic, int8"):
        quantization.convert(model, "int4")


@pytest.mark.parametrize("representative", [None, np.zeros((0, 2, 2, 3), np.float32)])
def test_int8_without_representative_images_says_what_to_pass(model, representative):
    with pytest.raises(ValueError, match="no representative images.*calibration_images"):
        quantization.convert(model, "int8", representative)


def test_representative_images_of_the_wrong_shape_are_named(model):
    with pytest.raises(ValueError, match=r"shape \(4, 4, 3\).*takes \(2, 2, 3\)"):
        quantization.convert(model, "int8", np.zeros((5, 4, 4, 3), np.float32))


def test_calibration_needs_at_least_one_image():
    with pytest.raises(ValueError, match="at least 1 calibration image"):
        quantization.calibration_images(0)
