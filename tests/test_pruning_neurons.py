"""utils.pruning, the neurons that rarely fire: rates are counted right, and removing channels
is real surgery: dead channels go without changing a single output, live ones are missed."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from tests import toy_models
from utils import measure, pruning, training

DEAD = {"re_lu": [1], "re_lu_1": [0, 4], "re_lu_2": [2, 3, 7]}  # channels to silence per block


def batches(x, batch_size=4):
    return tf.data.Dataset.from_tensor_slices((x, np.zeros(len(x), np.int64))).batch(batch_size)


def course_shaped_model():
    """The course's model at toy size, with random BatchNorm statistics so every array matters."""
    return toy_models.course_shaped(7, beta_low=0.0)


def silence(model, channels):
    """Make channels output exactly 0 for every input: BatchNorm gamma 0, beta negative."""
    relus = [layer.name for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for relu, norm in zip(relus, norms):
        gamma, beta, mean, variance = norm.get_weights()
        gamma[channels.get(relu, [])] = 0.0
        beta[channels.get(relu, [])] = -1.0
        norm.set_weights([gamma, beta, mean, variance])


def keep_all_but(model, removed):
    return {
        layer.name: np.setdiff1d(np.arange(layer.output_shape[-1]), removed.get(layer.name, []))
        for layer in model.layers
        if isinstance(layer, keras.layers.ReLU)
    }


def random_images(n=16, size=16, seed=0):
    return np.random.default_rng(seed).normal(0.0, 1.0, (n, size, size, 3)).astype(np.float32)


# ---------------------------------------------------------------- firing rates


def test_firing_rates_count_every_position_of_every_image():
    inputs = keras.Input((2, 2, 2))
    model = keras.Model(inputs, keras.layers.ReLU(name="relu")(inputs))
    x = -np.ones((6, 2, 2, 2), np.float32)
    x[:, 0, 0, 0] = 1.0  # channel 0: positive at 1 of 4 positions in every image
    x[:3, :, :, 1] = 2.0  # channel 1: positive everywhere in half of the images
    rates = pruning.firing_rates(model, batches(x))
    assert list(rates) == ["relu"]
    np.testing.assert_allclose(rates["relu"], [0.25, 0.5])
    # only the first batch (4 images: three of them with channel 1 positive)
    np.testing.assert_allclose(
        pruning.firing_rates(model, batches(x), max_batches=1)["relu"], [0.25, 0.75]
    )


def test_firing_rates_of_a_dense_relu_and_of_several_layers():
    inputs = keras.Input((3,))
    first = keras.layers.ReLU(name="first")(inputs)
    second = keras.layers.ReLU(name="second")(keras.layers.Lambda(lambda t: -t)(first))
    model = keras.Model(inputs, second)
    x = np.array([[1, -1, 0], [2, 3, -4]], np.float32)
    rates = pruning.firing_rates(model, batches(x, 1))
    np.testing.assert_allclose(rates["first"], [1.0, 0.5, 0.0])
    np.testing.assert_allclose(rates["second"], [0.0, 0.0, 0.0])  # -relu(x) is never positive
    assert pruning.dead_units(rates) == {"first": 1, "second": 3}
    assert pruning.dead_units(rates, threshold=0.5) == {"first": 2, "second": 3}


def test_firing_rates_need_relus_and_data():
    inputs = keras.Input((3,))
    with pytest.raises(ValueError, match="no ReLU layers"):
        pruning.firing_rates(
            keras.Model(inputs, keras.layers.Dense(2)(inputs)), batches(np.ones((2, 3)))
        )
    relu_model = keras.Model(inputs, keras.layers.ReLU()(inputs))
    with pytest.raises(ValueError, match="no batches"):
        pruning.firing_rates(relu_model, batches(np.ones((2, 3))), max_batches=0)


# ---------------------------------------------------------------- which channels to keep


def test_units_to_keep_drops_the_least_firing_and_keeps_at_least_one():
    rates = {"a": np.array([0.5, 0.1, 0.9, 0.0]), "b": np.array([0.3, 0.3])}
    assert {k: v.tolist() for k, v in pruning.units_to_keep(rates, 0.5).items()} == {
        "a": [0, 2],
        "b": [0],
    }
    assert pruning.units_to_keep(rates, 0.0)["a"].tolist() == [0, 1, 2, 3]
    assert pruning.units_to_keep(rates, 0.25)["a"].tolist() == [0, 1, 2]  # the dead one goes first
    assert {k: v.tolist() for k, v in pruning.units_to_keep(rates, 0.99).items()} == {
        "a": [2],
        "b": [0],
    }


@pytest.mark.parametrize("fraction", [1.0, -0.1, 1.5])
def test_units_to_keep_rejects_fractions_outside_zero_to_one(fraction):
    with pytest.raises(ValueError, match="at least 0 and below 1"):
        pruning.units_to_keep({"a": np.ones(4)}, fraction)


# ---------------------------------------------------------------- surgery


def test_removing_dead_channels_changes_no_output_and_saves_parameters():
    model = course_shaped_model()
    silence(model, DEAD)
    x = random_images()
    rates = pruning.firing_rates(model, batches(x))
    # the silenced channels, and only they, never fire; so they are exactly the ones removed
    assert {name: np.flatnonzero(r == 0).tolist() for name, r in rates.items()} == DEAD
    keep = pruning.units_to_keep(rates, 0.34)  # a third of each block: 1 of 4, 2 of 6, 2 of 8
    keep["re_lu_2"] = np.setdiff1d(np.arange(8), DEAD["re_lu_2"])  # all three dead ones there
    assert {name: k.tolist() for name, k in keep.items()} == {
        name: k.tolist() for name, k in keep_all_but(model, DEAD).items()
    }

    smaller = pruning.remove_units(model, keep)
    assert [
        layer.output_shape[-1] for layer in smaller.layers if isinstance(layer, keras.layers.ReLU)
    ] == [3, 4, 5]
    expected = (
        (3 * 3 * 3 * 3 + 4 * 3) + (3 * 3 * 3 * 4 + 4 * 4) + (3 * 3 * 4 * 5 + 4 * 5) + (5 * 3 + 3)
    )
    assert smaller.count_params() == expected < model.count_params()
    x_new = random_images(seed=1)
    np.testing.assert_allclose(
        smaller(x_new, training=False), model(x_new, training=False), atol=1e-5
    )


def test_removing_live_channels_equals_silencing_them_and_changes_outputs():
    model = course_shaped_model()
    x = random_images()
    before = model(x, training=False).numpy()
    live = {"re_lu": [0], "re_lu_1": [2, 5], "re_lu_2": [1]}
    smaller = pruning.remove_units(model, keep_all_but(model, live))
    after = smaller(x, training=False).numpy()
    assert not np.allclose(after, before, atol=1e-3)  # they fired: the network misses them

    silence(model, live)  # the original with those channels forced to 0: the same network
    np.testing.assert_allclose(after, model(x, training=False).numpy(), atol=1e-5)


def test_surgery_leaves_the_original_alone_and_keeps_layer_settings():
    model = course_shaped_model()
    weights = [w.copy() for w in model.get_weights()]
    smaller = pruning.remove_units(model, {"re_lu_1": np.array([0, 1])})  # one block only
    smaller.set_weights([np.zeros_like(w) for w in smaller.get_weights()])
    for old, now in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(old, now)
    assert [
        layer.output_shape[-1] for layer in smaller.layers if isinstance(layer, keras.layers.ReLU)
    ] == [4, 2, 8]
    assert smaller.get_layer("batch_normalization").momentum == 0.9
    assert smaller.get_layer("dropout").rate == 0.3
    assert smaller.get_layer("probabilities").activation is keras.activations.softmax


def test_surgery_on_a_sequential_model_with_a_dense_relu():
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 2)),
            keras.layers.Conv2D(5, 3, name="conv"),
            keras.layers.ReLU(name="r1"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(6, name="hidden"),
            keras.layers.ReLU(name="r2"),
            keras.layers.Dense(2, name="out"),
        ]
    )
    dead_hidden = [1, 4]
    kernel, bias = model.get_layer("hidden").get_weights()
    kernel[:, dead_hidden], bias[dead_hidden] = 0.0, -1.0  # these units never fire
    model.get_layer("hidden").set_weights([kernel, bias])
    smaller = pruning.remove_units(model, {"r2": np.array([0, 2, 3, 5])})
    assert smaller.get_layer("hidden").units == 4 and smaller.get_layer("conv").filters == 5
    x = random_images(4, 8)[..., :2]
    np.testing.assert_allclose(smaller(x), model(x), atol=1e-5)


def test_surgery_refuses_what_it_cannot_rebuild():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    flattening = keras.Model(inputs, keras.layers.Dense(2)(x))
    with pytest.raises(ValueError, match="'flatten' \\(Flatten\\)"):
        pruning.remove_units(flattening, {"relu": np.array([0, 1])})
    model = course_shaped_model()
    with pytest.raises(ValueError, match="'conv2d', which is not a ReLU layer"):
        pruning.remove_units(model, {"conv2d": np.array([0])})
    with pytest.raises(ValueError, match="distinct channel numbers from 0 to 3"):
        pruning.remove_units(model, {"re_lu": np.array([0, 4])})
    with pytest.raises(ValueError, match="at least one"):
        pruning.remove_units(model, {"re_lu": np.array([], np.int64)})


# ---------------------------------------------------------------- timing the cut models fairly


def test_time_in_turns_alternates_the_calls_and_times_each_enough():
    log = []
    calls = {"a": lambda: log.append("a"), "b": lambda: log.append("b")}
    timings = measure.time_in_turns(calls, runs=10, warmup=3, rounds=5)
    assert log[:6] == ["a"] * 3 + ["b"] * 3  # warm-up first, untimed
    assert log[6:] == (["a"] * 2 + ["b"] * 2) * 5  # then five turns of two timed calls each
    assert [len(t.times_ms) for t in timings.values()] == [10, 10]
    assert all(t.warmup == 3 and t.median_ms >= 0 for t in timings.values())
    with pytest.raises(ValueError, match="at least one call"):
        measure.time_in_turns({}, 10, 1)
