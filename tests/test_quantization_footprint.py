"""utils.quantization.footprint: the three sizes of a .tflite file and its peak activation
memory, worked out by hand on tiny models."""

import gzip

import numpy as np
import pytest
import tf_keras as keras

from utils import quantization
from quantization_models import images, model, small_images, small_model


def test_sizes_count_the_stored_parameters(model):
    content = quantization.convert(model, "float32")
    kernel, bias = model.layers[-1].get_weights()
    found = quantization.sizes(content)
    assert found["file_bytes"] == len(content)
    assert found["gzip_bytes"] == len(gzip.compress(content, compresslevel=9))
    assert found["nonzero_bytes"] == 4 * (np.count_nonzero(kernel) + np.count_nonzero(bias))


def test_int8_weights_are_one_byte_each(model, images):
    content = quantization.convert(model, "int8", images)
    kernel, _ = model.layers[-1].get_weights()
    float_bytes = quantization.sizes(quantization.convert(model, "float32"))["nonzero_bytes"]
    int8_bytes = quantization.sizes(content)["nonzero_bytes"]
    assert int8_bytes < float_bytes / 2
    assert int8_bytes >= np.count_nonzero(kernel)


def conv_model():
    """Input 4x4x1 -> Conv2D(2 filters, same) -> Flatten -> Dense(3): its tensors are known by
    hand."""
    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(x)))


def test_peak_live_bytes_walks_a_hand_made_graph():
    # t0 (input, 100 B) -> op0 -> t1 (40 B) -> op1 -> t2 (10 B); op2 adds t0 and t2 -> t3 (1 B).
    # t0 stays alive until op2 reads it: op0 holds t0+t1 = 140, op1 t0+t1+t2 = 150,
    # op2 t0+t2+t3 = 111.
    sizes = {0: 100, 1: 40, 2: 10, 3: 1}  # tensor 9 is a constant: not in sizes, never counted
    ops = [([0, 9], [1]), ([1, -1], [2]), ([0, 2], [3])]
    assert quantization.peak_live_bytes(sizes, ops, [0], [3]) == 150
    # Without the skip connection t0 is dead after op0: the peak is op0's 100 + 40.
    chain = [([0], [1]), ([1], [2]), ([2], [3])]
    assert quantization.peak_live_bytes(sizes, chain, [0], [3]) == 140
    # A persistent tensor (float16 weights expanded at load) adds its bytes to every step.
    assert quantization.peak_live_bytes({**sizes, 8: 1000}, ops, [0], [3], persistent=[8]) == 1150


def test_activation_bytes_count_float16_weights_expanded_to_float32():
    # float16: the conv kernel (3x3x1x2 = 18), its bias (2) and the dense kernel (32x3 = 96) are
    # DEQUANTIZEd to float32 once at load and kept (the dense bias is all zero: the converter drops
    # it): 116 floats on top of the 64.
    content = quantization.convert(conv_model(), "float16")
    assert quantization.activation_bytes(content) == (64 + 116) * 4


@pytest.mark.parametrize(
    "fmt, expected",
    [
        # CONV_2D: input 16 values + output 32; RESHAPE: 32 in + 32 out; FULLY_CONNECTED: 32 + 3.
        # The peak is the reshape's 64 values: 4 bytes each in float32, 1 byte each in int8.
        ("float32", 64 * 4),
        ("int8", 64 * 1),
    ],
)
def test_activation_bytes_of_a_tiny_model_derived_by_hand(fmt, expected):
    images = np.random.default_rng(0).random((4, 4, 4, 1), np.float32)
    content = quantization.convert(conv_model(), fmt, images)
    assert quantization.activation_bytes(content) == expected
