"""utils.pruning.block: a model's first conv → BatchNorm → conv block as arrays, run as Keras
layers, zeroed and put back narrower (the plumbing of notebook 04b's channel-surgery exercise)."""

import numpy as np
import pytest
import tf_keras as keras

from tests import toy_models
from utils import pruning, training


@pytest.fixture(scope="module")
def model():
    """The course's model at toy size, random BatchNorm numbers everywhere."""
    return toy_models.course_shaped(5)


def sliced(block, keep):  # the surgery written out: conv1's filters, BN's vectors, conv2's inputs
    conv1 = {name: w[..., keep] for name, w in block.conv1.items()}
    bn = {name: v[keep] for name, v in block.bn.items()}
    return conv1, bn, {**block.conv2, "kernel": block.conv2["kernel"][:, :, keep, :]}


def test_first_block_is_conv_norm_relu_pool_conv(model):
    block = pruning.first_block(model)
    assert [type(layer).__name__ for layer in block.layers] == [
        "Conv2D",
        "BatchNormalization",
        "ReLU",
        "MaxPooling2D",
        "Conv2D",
    ]
    # small_cnn's convolutions have no bias; 3 colour channels → 4 filters → 6 filters
    assert {k: v.shape for k, v in block.conv1.items()} == {"kernel": (3, 3, 3, 4)}
    assert {k: v.shape for k, v in block.bn.items()} == {name: (4,) for name in pruning.BN_ARRAYS}
    assert {k: v.shape for k, v in block.conv2.items()} == {"kernel": (3, 3, 4, 6)}
    assert block.relu == next(layer.name for layer in model.layers if "re_lu" in layer.name)


def test_run_block_computes_what_the_models_layers_compute(model):
    block = pruning.first_block(model)
    x = np.random.default_rng(0).random((2, 8, 8, 3), dtype=np.float32)
    expected = x
    for layer in block.layers:  # the model's own layers, one after the other
        expected = layer(expected, training=False)
    got = pruning.run_block(block.layers, *block.arrays, x)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("which", ["model", "toy"])
def test_a_narrowed_block_computes_what_the_zeroed_one_does(model, which):
    """The identity the checker rests on: a dropped channel that outputs exactly 0 adds nothing
    to conv2's sums, so slicing it away changes the output only by float32 rounding."""
    block = pruning.first_block(model) if which == "model" else pruning.toy_block(1)
    n = block.conv1["kernel"].shape[-1]
    keep = [0, 2] if which == "model" else [5, 1, 3]  # unsorted: any order sliced alike works
    dropped = [c for c in range(n) if c not in keep]
    x = np.random.default_rng(1).random((2, 8, 8, block.conv1["kernel"].shape[2]), np.float32)
    narrowed = pruning.run_block(block.layers, *sliced(block, keep), x)
    zeroed = pruning.run_block(
        block.layers, *pruning.zero_channels(block.conv1, block.bn, dropped), block.conv2, x
    )
    np.testing.assert_allclose(narrowed, zeroed, rtol=1e-5, atol=1e-5)
    # and the dropped channels did matter: the whole block computes something else
    assert not np.allclose(pruning.run_block(block.layers, *block.arrays, x), zeroed, atol=1e-3)


def test_zero_channels_leaves_its_inputs_alone():
    block = pruning.toy_block(0)
    conv1, bn = pruning.zero_channels(block.conv1, block.bn, [1, 4])
    assert not conv1["kernel"][..., [1, 4]].any() and not conv1["bias"][[1, 4]].any()
    assert not bn["gamma"][[1, 4]].any() and not bn["beta"][[1, 4]].any()
    assert np.array_equal(bn["moving_mean"], block.bn["moving_mean"])  # statistics untouched
    assert block.conv1["kernel"][..., [1, 4]].all() and block.bn["gamma"].all()  # copies


def test_with_block_matches_remove_units(model):
    block = pruning.first_block(model)
    keep = np.array([1, 3])
    yours = pruning.with_block(model, *sliced(block, keep))
    theirs = pruning.remove_units(model, {block.relu: keep})
    x = np.random.default_rng(2).random((3, 16, 16, 3), dtype=np.float32)
    assert yours.count_params() == theirs.count_params() < model.count_params()
    np.testing.assert_array_equal(yours.predict(x, verbose=0), theirs.predict(x, verbose=0))


def test_with_block_refuses_arrays_that_do_not_fit(model):
    block = pruning.first_block(model)
    conv1, bn, conv2 = sliced(block, [0, 1])
    with pytest.raises(ValueError, match="batch_normalization"):
        pruning.with_block(model, conv1, block.bn, conv2)  # BatchNorm left whole
    with pytest.raises(ValueError, match="needs 1 to 4 of them"):
        pruning.with_block(model, {"kernel": np.zeros((3, 3, 3, 5))}, bn, conv2)


def test_first_block_needs_a_second_convolution():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2)(x)
    with pytest.raises(ValueError, match="a second Conv2D"):
        pruning.first_block(keras.Model(inputs, outputs))
