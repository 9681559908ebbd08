"""utils.pruning's channel criteria on hand-made models with known answers: a zeroed filter has
the lowest L1 norm, a zero γ the lowest γ score, a dead channel a Taylor score of 0; then the
iterative prune-and-fine-tune, the per-layer ratios and the sensitivity scan."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from utils import pruning
from test_pruning_neurons import DEAD, batches, course_shaped_model, random_images, silence


def labelled(x, batch_size=4, classes=3):
    labels = np.arange(len(x)) % classes
    return tf.data.Dataset.from_tensor_slices((x, labels)).batch(batch_size)


def test_l1_norm_is_the_sum_of_absolute_weights_per_filter():
    model = course_shaped_model()
    conv = model.get_layer("conv2d_1")
    kernel = conv.kernel.numpy()
    kernel[..., 2] = 0.0  # a zeroed filter
    kernel[..., 4] = -kernel[..., 4]  # the sign does not matter
    conv.set_weights([kernel])
    norms = pruning.l1_norms(model)
    assert list(norms) == ["re_lu", "re_lu_1", "re_lu_2"]
    np.testing.assert_allclose(norms["re_lu_1"], np.abs(kernel).sum(axis=(0, 1, 2)), rtol=1e-6)
    assert norms["re_lu_1"][2] == 0 and np.argmin(norms["re_lu_1"]) == 2
    assert norms["re_lu"].shape == (4,) and norms["re_lu_2"].shape == (8,)


def test_gamma_is_the_magnitude_of_batchnorm_scale():
    model = course_shaped_model()
    norm = model.get_layer("batch_normalization_2")
    gamma, beta, mean, variance = norm.get_weights()
    gamma[[3, 5]] = [0.0, -2.0]
    norm.set_weights([gamma, beta, mean, variance])
    gammas = pruning.bn_gammas(model)
    assert gammas["re_lu_2"][3] == 0 and gammas["re_lu_2"][5] == 2.0
    assert np.argmin(gammas["re_lu_2"]) == 3


def test_gamma_needs_batchnorm():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.ReLU()(keras.layers.Dense(2)(inputs)))
    with pytest.raises(ValueError, match="no BatchNormalization"):
        pruning.bn_gammas(model)


def test_taylor_score_of_a_dead_channel_is_zero_and_live_ones_are_not():
    model = course_shaped_model()
    silence(model, DEAD)
    scores = pruning.taylor_scores(model, labelled(random_images()))
    for relu, dead in DEAD.items():
        assert np.all(scores[relu][dead] == 0), (relu, scores[relu])
        live = np.setdiff1d(np.arange(len(scores[relu])), dead)
        assert np.all(scores[relu][live] > 0), (relu, scores[relu])


def test_taylor_score_is_activation_times_gradient_averaged_over_images():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    hidden = keras.layers.ReLU(name="relu")(keras.layers.Dense(3, name="d1")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="out")(hidden))
    x = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    y = np.array([0, 1, 0, 1, 1, 0])
    # by hand: the ReLU's output, the gradient of each image's loss with respect to it
    d1, out = model.get_layer("d1"), model.get_layer("out")
    a = tf.Variable(tf.nn.relu(d1(x)))
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(y, out(a))
        total = tf.reduce_sum(loss)
    g = tape.gradient(total, a).numpy()
    expected = np.mean(np.abs(a.numpy() * g), axis=0)
    scores = pruning.taylor_scores(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(4))
    np.testing.assert_allclose(scores["relu"], expected, rtol=1e-4, atol=1e-7)


def test_random_scores_depend_on_the_seed_only():
    model = course_shaped_model()
    first, again = pruning.random_scores(model, 5), pruning.random_scores(model, 5)
    other = pruning.random_scores(model, 6)
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["re_lu_2"], other["re_lu_2"])
    assert [len(v) for v in first.values()] == [4, 6, 8]


def test_channel_scores_dispatches_and_explains():
    model = course_shaped_model()
    ds = labelled(random_images(8))
    for criterion in pruning.CRITERIA:
        scores = pruning.channel_scores(criterion, model, ds, seed=1)
        assert [len(v) for v in scores.values()] == [4, 6, 8], criterion
    with pytest.raises(ValueError, match="Unknown criterion"):
        pruning.channel_scores("loudest", model, ds)
    with pytest.raises(ValueError, match="pass data_ds"):
        pruning.channel_scores("Taylor", model)


def test_per_layer_fractions_and_keep_highest():
    rates = {"a": np.array([0.4, 0.1, 0.9, 0.3]), "b": np.array([0.5, 0.2])}
    keep = pruning.units_to_keep(rates, {"a": 0.5})
    assert keep["a"].tolist() == [0, 2] and keep["b"].tolist() == [0, 1]  # b not named: all stay
    assert pruning.keep_highest(np.array([1.0, 1.0, 0.5]), 1).tolist() == [0]  # a tie: lower index
    assert pruning.keep_highest(np.array([1.0, 2.0]), 0).tolist() == [1]  # at least one stays
    with pytest.raises(ValueError, match="not among the scored layers"):
        pruning.units_to_keep(rates, {"c": 0.5})
    with pytest.raises(ValueError, match="NaN"):
        pruning.keep_highest(np.array([np.nan, 1.0]), 1)


def test_fine_tune_takes_a_fraction_of_an_epoch_in_whole_batches():
    from utils.pruning.surgery import fine_tune

    ds = labelled(random_images(16))  # 16 images in batches of 4: 4 batches an epoch
    half = fine_tune(course_shaped_model(), ds, 0.5, seed=0)
    assert int(half.optimizer.iterations) == 2  # 0.5 x 4 batches
    more = fine_tune(course_shaped_model(), ds, 1.5, seed=0)
    assert int(more.optimizer.iterations) == 6  # 1.5 x 4: one pass and half of the next
    tiny = fine_tune(course_shaped_model(), ds, 0.1, seed=0)
    assert int(tiny.optimizer.iterations) == 1  # 0.1 x 4 = 0.4 rounds to 0: at least one step
    whole = fine_tune(course_shaped_model(), ds, 2, seed=0)
    assert int(whole.optimizer.iterations) == 8  # 2 x 4


def test_prune_channels_reaches_the_target_in_steps_and_uses_a_given_score():
    model = course_shaped_model()
    ds = labelled(random_images(8))
    smaller = pruning.prune_channels(model, "L1 norm", 0.5, ds, ds, steps=2, epochs_per_step=1)
    widths = [layer.filters for layer in smaller.layers if isinstance(layer, keras.layers.Conv2D)]
    assert widths == [2, 3, 4]  # half of 4, 6, 8 after two steps of a quarter each
    # a student's own score: the lowest-scoring channels are the ones removed
    mine = {
        "re_lu": np.array([0.0, 1, 2, 3]),
        "re_lu_1": np.arange(6.0),
        "re_lu_2": -np.arange(8.0),
    }
    one = pruning.prune_channels(model, "L1 norm", 0.5, ds, ds, steps=1, scores=mine)
    kept = [layer for layer in one.layers if isinstance(layer, keras.layers.Conv2D)]
    original = model.get_layer("conv2d").kernel.numpy()
    distance = [np.abs(kept[0].kernel.numpy()[..., 0] - original[..., i]).max() for i in range(4)]
    assert np.argmin(distance) == 2 and distance[2] < 0.05  # fine-tuned a little, from filter 2
    assert [layer.filters for layer in kept] == [2, 3, 4]


def test_sensitivity_scan_and_the_ratios_it_gives():
    model = course_shaped_model()
    ds = labelled(random_images(8))
    rows = pruning.sensitivity(model, ds, ratios=(0.5, 0.75))
    assert [(r["layer"], r["ratio"]) for r in rows] == [
        (l, r) for l in ("re_lu", "re_lu_1", "re_lu_2") for r in (0.5, 0.75)
    ]
    assert all(0 <= r["accuracy"] <= 1 for r in rows)
    scan = [
        {"layer": "a", "ratio": 0.5, "accuracy": 0.89},
        {"layer": "a", "ratio": 0.75, "accuracy": 0.80},
        {"layer": "b", "ratio": 0.5, "accuracy": 0.70},
    ]
    assert pruning.ratios_from_sensitivity(scan, 0.90, 0.02) == {"a": 0.5, "b": 0.0}


def test_slimming_shrinks_gamma_and_keeps_the_shape():
    model = course_shaped_model()
    ds = labelled(random_images(16))
    before = sum(np.abs(g).sum() for g in pruning.bn_gammas(model).values())
    slimmed = pruning.slim(model, ds, epochs=3, penalty=1.0, seed=0)
    after = sum(np.abs(g).sum() for g in pruning.bn_gammas(slimmed).values())
    assert after < before
    assert [w.shape for w in slimmed.get_weights()] == [w.shape for w in model.get_weights()]
    assert not slimmed.losses  # the penalty stays behind: the copy is a plain model
