"""utils.training: the models build, FLOPs add up by hand, the trained model is an artifact."""

import json

import numpy as np
import pytest
import tf_keras as keras

from utils import artifacts, config, data, training


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    return config.settings()


def test_small_cnn_builds_for_any_class_count_and_size():
    model = training.small_cnn(num_classes=5, image_size=32)
    assert model.output_shape == (None, 5)
    probabilities = model(np.zeros((2, 32, 32, 3), np.float32)).numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_mobilenet_contrast_is_larger_and_untrained():
    small = training.small_cnn(3, 64)
    large = training.mobilenet_v2(3, 64)
    assert large.output_shape == (None, 3)
    assert large.count_params() > 2 * small.count_params()
    # depthwise-separable blocks: more parameters than the small CNN, far fewer FLOPs
    assert 0 < training.forward_flops(large) < training.forward_flops(small)
    assert any(isinstance(layer, keras.layers.DepthwiseConv2D) for layer in large.layers)


def test_conv_flops_match_the_hand_count():
    model = keras.Sequential([keras.Input((10, 10, 3)), keras.layers.Conv2D(8, 3)])
    # output 8 x 8 x 8; each output: 3 x 3 x 3 multiply-adds (2 FLOPs each) and one bias add
    assert training.forward_flops(model) == 8 * 8 * 8 * (2 * 3 * 3 * 3 + 1)


def test_dense_depthwise_and_bias_free_layers_are_counted():
    model = keras.Sequential(
        [
            keras.Input((6, 6, 4)),
            keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False),  # 6*6*4 outputs x 9
            keras.layers.GlobalAveragePooling2D(),  # not counted
            keras.layers.Dense(5),  # 4 x 5, plus 5 biases
        ]
    )
    assert training.forward_flops(model) == 2 * 6 * 6 * 4 * 9 + (2 * 4 * 5 + 5)


def test_trained_model_round_trips_and_is_not_retrained(smoke, monkeypatch):
    model, history = training.trained_model()
    folder = artifacts.get("training.model")
    assert len(history["loss"]) == len(history["epoch_seconds"]) >= 1
    assert history["train_examples"] == smoke.train_size
    x = next(iter(data.pipeline(data.load("test"), 8)))[0]
    monkeypatch.setattr(training, "train", lambda folder: pytest.fail("retrained a cached model"))
    again, _ = training.trained_model()
    assert np.allclose(model(x), again(x), atol=1e-6)
    assert (
        json.loads((folder / artifacts.MANIFEST).read_text())["settings"]["epochs"] == smoke.epochs
    )


def test_a_missing_model_is_trained_again(smoke):
    first = artifacts.get("training.model")
    (first / training.MODEL_FILE).unlink()
    (first / artifacts.MANIFEST).unlink()  # what a half-deleted cache looks like
    model, _ = training.trained_model()
    assert (first / training.MODEL_FILE).is_file() and model.output_shape == (None, 3)


# ---------------------------------------------------------------- reproducible training


def tiny_training(seed: int) -> list[np.ndarray]:
    """The recipe's random parts in miniature: initial weights, shuffling, augmentation,
    dropout, Adam; a few seconds of training."""
    import tensorflow as tf

    training.reproducible(seed)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (96, 16, 16, 3), dtype=np.uint8)
    labels = rng.integers(0, 3, 96)
    ds = data.pipeline(
        tf.data.Dataset.from_tensor_slices((images, labels)),
        16,
        training=True,
        augmented=True,
        seed=seed,
    )
    model = training.small_cnn(3, 16, filters=(4, 8))
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    model.fit(ds, epochs=2, verbose=0)
    return model.get_weights()


def test_two_identical_trainings_give_identical_weights():
    first, second = tiny_training(7), tiny_training(7)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    other = tiny_training(8)  # a real check: another seed does change the weights
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


# ---------------------------------------------------------------- energy counters (fake sysfs)


def fake_zone(root, index, name, energy_uj, max_range_uj=1_000_000, sub=False):
    zone = root / (f"intel-rapl:0:{index}" if sub else f"intel-rapl:{index}")
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text(name + "\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
    return zone


def test_energy_is_the_packages_difference_and_sub_zones_are_not_counted_twice(tmp_path):
    fake_zone(tmp_path, 0, "package-0", 100)
    fake_zone(tmp_path, 1, "package-1", 500)
    fake_zone(tmp_path, 0, "core", 50, sub=True)  # part of package-0: not added again
    meter = training.EnergyMeter(tmp_path).start()
    fake_zone(tmp_path, 0, "package-0", 300_100)
    fake_zone(tmp_path, 1, "package-1", 200_500)
    fake_zone(tmp_path, 0, "core", 250_050, sub=True)
    result = meter.stop()
    assert result["joules"] == pytest.approx(0.5)  # 300,000 + 200,000 µJ
    assert "package-0, package-1" in result["source"]


def test_a_counter_that_wrapped_around_is_counted_across_the_wrap(tmp_path):
    fake_zone(tmp_path, 0, "package-0", 900_000, max_range_uj=1_000_000)
    before = training.read_energy_counters(tmp_path)
    fake_zone(tmp_path, 0, "package-0", 100_000, max_range_uj=1_000_000)
    after = training.read_energy_counters(tmp_path)
    assert training.joules_between(before, after) == pytest.approx(0.2)  # 100,000 + 100,000 µJ


def test_psys_is_used_only_without_package_zones(tmp_path):
    fake_zone(tmp_path, 0, "package-0", 1)
    fake_zone(tmp_path, 1, "psys", 2)  # the whole platform, packages included
    assert [c.zone for c in training.read_energy_counters(tmp_path)] == ["package-0"]
    only = tmp_path / "only_psys"
    fake_zone(only, 0, "psys", 2)
    assert [c.zone for c in training.read_energy_counters(only)] == ["psys"]


def test_missing_or_unreadable_counters_give_a_reason_not_an_error(tmp_path, monkeypatch):
    result = training.EnergyMeter(tmp_path / "nothing").start().stop()
    assert result["joules"] is None and "no CPU energy counters" in result["source"]

    zone = fake_zone(tmp_path, 0, "package-0", 1)
    real_read_text = type(zone).read_text

    def root_only(path, *args, **kwargs):
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_text(path, *args, **kwargs)

    monkeypatch.setattr(type(zone), "read_text", root_only)
    result = training.EnergyMeter(tmp_path).start().stop()
    assert result["joules"] is None and "readable only by root" in result["source"]


def test_a_garbled_counter_or_a_changed_machine_gives_no_number(tmp_path):
    zone = fake_zone(tmp_path, 0, "package-0", 10)
    meter = training.EnergyMeter(tmp_path).start()
    (zone / "energy_uj").write_text("not a number")
    assert meter.stop()["joules"] is None
    fake_zone(tmp_path, 0, "package-0", 10)
    meter = training.EnergyMeter(tmp_path).start()
    fake_zone(tmp_path, 1, "package-1", 10)  # a zone appeared: the readings do not pair up
    assert meter.stop()["joules"] is None
    with pytest.raises(ValueError, match="do not fit"):
        before = [training.Counter("package-0", 10, 100)]
        training.joules_between(before, [training.Counter("package-0", 500, 100)])
