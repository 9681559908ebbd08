"""utils.quantization.litert's two APIs: the same int8 model through LiteRT's Interpreter and its
CompiledModel gives the same outputs, both can be timed, and an unknown API is named."""

import numpy as np
import pytest
import tf_keras as keras

from calibration_models import conv_model
from utils import quantization


@pytest.fixture(scope="module")
def int8_content():
    """The shared tiny convolutional network (tests/calibration_models.py) in full int8."""
    model = conv_model()
    calibration = np.random.default_rng(1).random((16, 8, 8, 3), np.float32)
    return quantization.convert(model, "int8", calibration)


def test_interpreter_and_compiled_model_give_the_same_int8_outputs(int8_content):
    images = np.random.default_rng(2).random((20, 8, 8, 3), np.float32)
    interpreter = quantization.LiteModel(int8_content, api="interpreter")
    compiled = quantization.LiteModel(int8_content, api="compiled")
    raw = interpreter.predict_raw(images)
    assert raw.dtype == np.int8 and raw.shape == (20, 3)  # the model's own int8 output
    # Exactly equal, not close: on a CPU both APIs hand the whole graph to the same XNNPACK
    # kernels with the same scales and zero points, so every int8 value is the same integer.
    assert np.array_equal(raw, compiled.predict_raw(images))
    assert np.array_equal(interpreter.predict(images), compiled.predict(images))


def test_both_apis_are_timed_with_their_thread_count(int8_content):
    timings = quantization.api_latencies(int8_content, threads=1, runs=4, warmup=1)
    assert set(timings) == {"interpreter", "compiled"}
    assert all(t.threads == 1 and len(t.times_ms) >= 4 for t in timings.values())
    compiled = quantization.latencies({"m": int8_content}, 1, 4, 1, api="compiled")
    assert compiled["m"].threads == 1


def test_evaluate_through_the_compiled_model(int8_content):
    images = np.random.default_rng(3).random((10, 8, 8, 3), np.float32)
    labels = quantization.LiteModel(int8_content).predict(images).argmax(axis=1)
    # labels are the interpreter's own classes: the compiled model, equal outputs, scores 1
    assert quantization.evaluate(int8_content, images, labels, api="compiled") == {"accuracy": 1.0}


def test_an_unknown_api_names_the_choices(int8_content):
    with pytest.raises(ValueError, match="Unknown api 'gpu': use one of interpreter, compiled"):
        quantization.LiteModel(int8_content, api="gpu")
    with pytest.raises(ValueError, match="interpreter, compiled"):
        quantization.latencies({"m": int8_content}, 1, 4, 1, api="tflite")
