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
    model = keras.Sequential([
        keras.Input((6, 6, 4)),
        keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False),  # 6*6*4 outputs x 9
        keras.layers.GlobalAveragePooling2D(),                           # not counted
        keras.layers.Dense(5),                                           # 4 x 5, plus 5 biases
    ])
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
    assert json.loads((folder / artifacts.MANIFEST).read_text())["settings"]["epochs"] == smoke.epochs


def test_a_missing_model_is_trained_again(smoke):
    first = artifacts.get("training.model")
    (first / training.MODEL_FILE).unlink()
    (first / artifacts.MANIFEST).unlink()  # what a half-deleted cache looks like
    model, _ = training.trained_model()
    assert (first / training.MODEL_FILE).is_file() and model.output_shape == (None, 3)
