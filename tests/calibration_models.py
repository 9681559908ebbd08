"""A tiny convolutional model calibrated once, shared by the tests of
utils.quantization.calibration and notebook 05's scale-and-zero-point checker."""

import numpy as np
import pytest
import tf_keras as keras

from utils import quantization


def conv_model() -> keras.Model:
    """conv → BatchNorm → ReLU → global average → dense softmax: the course model's shape, tiny."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(6, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="probabilities")(x)
    model = keras.Model(inputs, outputs)
    batchnorm = model.layers[2]
    rng = np.random.default_rng(2)
    batchnorm.set_weights(
        [
            rng.uniform(0.5, 2, 6),
            rng.normal(size=6),
            rng.normal(size=6) * 0.1,
            rng.uniform(0.5, 2, 6),
        ]
    )
    return model


@pytest.fixture(scope="module")
def calibrated_case():
    """(model, images, calibrated flatbuffer, int8 flatbuffer) of the tiny model."""
    model = conv_model()
    images = np.random.default_rng(3).random((16, 8, 8, 3), np.float32)
    return (
        model,
        images,
        quantization.calibrate(model, images),
        quantization.convert(model, "int8", images),
    )
