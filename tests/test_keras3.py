"""utils.keras3: the preflight that stops a Keras 3 model before tfmot (and passes a tf_keras
one), wired where the course hands layers to tfmot; Keras's own int8 and its LiteRT export."""

import numpy as np
import pytest
import tf_keras

from utils import keras3, recipe
from utils.pruning import masks


@pytest.fixture(scope="module")
def keras3_model():
    return keras3.small_cnn(3, 16, filters=(4, 8))


def test_the_preflight_names_a_keras3_model(keras3_model):
    with pytest.raises(ValueError, match="'small_cnn_keras3' is a Keras 3 model .*tf_keras"):
        keras3.preflight_tfmot(keras3_model)


def test_the_preflight_passes_a_tf_keras_model():
    model = recipe.small_cnn(3, 16, filters=(4, 8))
    assert not keras3.is_keras3(model)
    keras3.preflight_tfmot(model)  # no error: tf_keras, TF_USE_LEGACY_KERAS=1 (utils sets it)


def test_the_preflight_names_an_unset_legacy_variable(monkeypatch):
    monkeypatch.delenv("TF_USE_LEGACY_KERAS")
    with pytest.raises(ValueError, match="TF_USE_LEGACY_KERAS is not set to 1"):
        keras3.preflight_tfmot(tf_keras.layers.Dense(2))


def test_tfmots_masks_refuse_a_keras3_layer_in_one_sentence():
    import keras

    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    with pytest.raises(ValueError, match="is a Keras 3 model"):
        masks.tfmot_masks(layer, 0.5)


def test_keras_int8_quantizes_only_the_dense_layer(keras3_model):
    # keras 3.15's source: Dense, EinsumDense and Embedding have quantize(); Conv2D has none
    quantized, names = keras3.keras_int8(keras3_model)
    assert names == ["probabilities"]
    assert keras3_model.get_layer("probabilities").quantization_mode is None  # a copy changed


def test_the_litert_export_with_calibration_is_full_int8(keras3_model, tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    images = np.random.default_rng(0).random((8, 16, 16, 3), np.float32)
    content = keras3.export_litert(keras3_model, tmp_path / "m.tflite", images)
    interpreter = Interpreter(model_content=content)
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    # full integer: every tensor int8, but the biases (int32) and no float32 tensor at all
    assert {d["dtype"] for d in interpreter.get_tensor_details()} <= {np.int8, np.int32}


def test_the_keras3_network_is_the_recipes_own_code():
    import keras

    ours, theirs = keras3.small_cnn(3, 32), recipe.small_cnn(3, 32)
    assert isinstance(ours, keras.Model) and not isinstance(ours, type(theirs))
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers
    ]
    assert ours.count_params() == theirs.count_params()
