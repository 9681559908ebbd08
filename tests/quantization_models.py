"""The tiny Keras models and images the tests of utils.quantization share (one definition), and
their module-scoped fixtures: ``from quantization_models import images, model``."""

import numpy as np
import pytest
import tf_keras as keras


def dense_model(kernel, bias):
    """A one-layer model with the given weights: its parameters are known exactly."""
    inputs = keras.Input((2, 2, 3))
    flat = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(kernel.shape[1], activation="softmax")(flat)
    model = keras.Model(inputs, outputs)
    model.layers[-1].set_weights([kernel, bias])
    return model


def small_model():
    """A one-layer model, half of its kernel's rows zero."""
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(12, 3)).astype(np.float32)
    kernel[::2] = 0  # half the rows are zero
    return dense_model(kernel, np.array([0.5, 0.0, -0.5], np.float32))


def small_images():
    return np.random.default_rng(1).random((32, 2, 2, 3), np.float32)


@pytest.fixture(scope="module")
def model():
    return small_model()


@pytest.fixture(scope="module")
def images():
    return small_images()
