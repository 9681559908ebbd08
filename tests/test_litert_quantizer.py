"""Appendix A10: the two-step quantization (utils/quantization/quantizer.py): a float32 ``.tflite``
quantized by ``litert_quantizer``'s full-integer recipe is full-integer, tensor by tensor; the
variant grid holds it; the quantizer's per-tensor validation is read as it is written."""

import math

import numpy as np
import pytest
import tf_keras as keras
from litert_quantizer import Quantizer, model_validator, recipe

from explorer_grid import make_row
from utils import explorer, latency, quantization
from utils.quantization import quantizer, variants


def conv_model():
    """A convolution, a ReLU, global pooling and a softmax layer: the course model's operators
    in miniature (seconds to convert and quantize)."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((16, 8, 8, 3), np.float32)


@pytest.fixture(scope="module")
def float_content():
    return quantizer.float_model(conv_model())


@pytest.fixture(scope="module")
def int8_content(float_content, images):
    return quantizer.two_step(float_content, images)


# ---------------------------------------------------------------- a full-integer model


def test_the_float_file_is_float(float_content):
    # step one keeps float32: the input, the output and the weights are FLOAT32 tensors
    assert quantizer.io_types(float_content) == {"input": "FLOAT32", "output": "FLOAT32"}
    assert "FLOAT32" in set(quantizer.non_integer_tensors(float_content).values())


def test_the_quantizers_model_is_full_integer_every_tensor(int8_content):
    # static_wi8_ai8 quantizes every supported operator's weights and activations, and the
    # quantizer quantizes the model's input and output too: no tensor is left float, the input
    # and the output included (as the converter's int8 with inference_input/output_type int8)
    types = quantizer.tensor_types(int8_content)
    assert types and quantizer.non_integer_tensors(int8_content) == {}
    assert quantizer.io_types(int8_content) == {"input": "INT8", "output": "INT8"}
    assert "INT8" in types.values()


def test_the_two_step_model_runs_in_litert_and_matches_the_float_model(
    float_content, int8_content, images
):
    floats = quantization.LiteModel(float_content).predict(images)
    ints = quantization.LiteModel(int8_content).predict(images)
    # softmax's int8 output has scale 1/256: a probability is off by a few steps at most
    assert np.abs(floats - ints).max() < 0.05


def test_tensor_types_reads_the_flatbuffer(float_content):
    from ai_edge_litert.interpreter import Interpreter

    # the interpreter names every tensor the flatbuffer holds; their types agree
    details = Interpreter(model_content=float_content).get_tensor_details()
    types = quantizer.tensor_types(float_content)
    assert sorted(types) == sorted(d["name"] for d in details)
    dtype = {"FLOAT32": np.float32, "INT32": np.int32, "INT8": np.int8}
    assert all(np.dtype(dtype[types[d["name"]]]) == d["dtype"] for d in details)


def test_differing_outputs_counts_values_and_top_classes():
    a = np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])
    b = np.array([[0.5, 0.25, 0.25], [0.6, 0.3, 0.1]])
    # image 2: two values differ (0.1 vs 0.6, 0.8 vs 0.3), largest |0.8 - 0.3| = 0.5; its top
    # class moves from 1 to 0
    assert quantizer.differing_outputs(a, b) == {
        "values_differing": 2,
        "values": 6,
        "max_abs_difference": 0.5,
        "top_class_differing": 1,
    }
    with pytest.raises(ValueError, match="same images"):
        quantizer.differing_outputs(a, b[:1])


def test_bad_images_get_one_sentence(float_content):
    with pytest.raises(ValueError, match="at least one image"):
        quantizer.signature_data(float_content, np.zeros((0, 8, 8, 3)))


# ---------------------------------------------------------------- the per-tensor validation


def test_validation_rows_are_what_the_result_holds(float_content, int8_content, images):
    q = Quantizer(float_content, recipe.static_wi8_ai8(), previous_quantized_model=int8_content)
    with quantizer.quiet():
        result = q.validate(
            quantizer.signature_data(float_content, images[:4]), error_metrics=quantizer.metrics()
        )
    rows = quantizer.validation_rows(result)
    every = result.get_all_tensor_results()
    assert sorted(row["tensor"] for row in rows) == sorted(every)
    for row in rows:  # the same numbers, the SNR in dB: 10 log10(ratio); ratio 0: no signal
        ratio = every[row["tensor"]]["snr"]
        assert row["mse"] == every[row["tensor"]]["mse"]
        if ratio > 0:
            assert row["snr_db"] == pytest.approx(10 * math.log10(ratio))
        else:
            assert math.isnan(row["snr_db"])
    ranked = [row["snr_db"] for row in rows if not math.isnan(row["snr_db"])]
    assert ranked == sorted(ranked) and rows[: len(ranked)] == [
        row for row in rows if not math.isnan(row["snr_db"])
    ]  # the ranked first, lowest SNR first; the tensors without signal last
    assert {row["kind"] for row in rows} >= {"input", "output", "constant", "activation"}


def test_validation_rows_and_losing_most_from_a_hand_written_result(float_content):
    from ai_edge_litert.interpreter import Interpreter

    key, _ = quantizer.signature(float_content)
    interpreter = Interpreter(model_content=float_content)
    # the tensors' names (the validation keys by them, not by the signature's argument names)
    name = interpreter.get_input_details()[0]["name"]
    output = interpreter.get_output_details()[0]["name"]
    result = model_validator.ComparisonResult(float_content, float_content)
    # SNR ratios 1000, 100, 10 and 1e6: 30, 20, 10 and 60 dB
    written = {
        output: {"mse": 0.001, "snr": 1000.0},
        "conv": {"mse": 0.01, "snr": 100.0},
        "pool": {"mse": 0.1, "snr": 10.0},
        name: {"mse": 0.0, "snr": 1e6},
        "zeros": {"mse": 0.0, "snr": 0.0},  # no signal: ranked last, never "losing most"
    }
    result.add_new_signature_results(quantizer.metrics(), written, key)
    rows = quantizer.validation_rows(result)
    assert [(r["tensor"], r["snr_db"]) for r in rows] == [
        ("pool", pytest.approx(10.0)),
        ("conv", pytest.approx(20.0)),
        (output, pytest.approx(30.0)),
        (name, pytest.approx(60.0)),
        ("zeros", pytest.approx(math.nan, nan_ok=True)),
    ]
    kinds = {r["tensor"]: r["kind"] for r in rows}
    assert kinds == {
        "pool": "activation",
        "conv": "activation",
        output: "output",
        name: "input",
        "zeros": "activation",
    }
    # the computed tensors that lose most: the input is no layer's result, "zeros" has no SNR
    assert [r["tensor"] for r in quantizer.losing_most(rows, 2)] == ["pool", "conv"]
    assert [r["tensor"] for r in quantizer.losing_most(rows, 9)] == ["pool", "conv", output]
    with pytest.raises(ValueError, match="at least one"):
        quantizer.losing_most(rows, 0)


def test_a_result_without_snr_gets_one_sentence(float_content):
    from litert_quantizer.quantizer import ValidationErrorMetric

    from ai_edge_litert.interpreter import Interpreter

    key, _ = quantizer.signature(float_content)
    output = Interpreter(model_content=float_content).get_output_details()[0]["name"]
    result = model_validator.ComparisonResult(float_content, float_content)
    result.add_new_signature_results([ValidationErrorMetric.MSE], {output: {"mse": 0.1}}, key)
    with pytest.raises(ValueError, match="MSE and SNR"):
        quantizer.validation_rows(result)


def test_snr_db_of_no_signal_is_not_a_number():
    # 10 log10(100) = 20 dB; a ratio of 0 (the float tensor is all zeros) has no dB value
    assert quantizer.snr_db(100.0) == pytest.approx(20.0)
    assert math.isnan(quantizer.snr_db(0.0))


def test_layer_gaps_and_the_explanation_come_from_the_numbers():
    def rows(snrs):
        return [{"tensor": t, "kind": k, "mse": 0.0, "snr_db": v} for t, k, v in snrs]

    a = rows([("conv", "activation", 30.0), ("out", "output", 40.0), ("w", "constant", 50.0)])
    b = rows([("conv", "activation", 36.0), ("out", "output", 39.0), ("w", "constant", 20.0)])
    gaps = quantizer.layer_gaps(a, b)
    # gaps a - b: conv 30 - 36 = -6, out 40 - 39 = +1; the weight "w" is no computed tensor
    assert [(g["tensor"], g["gap"]) for g in gaps] == [("conv", -6.0), ("out", 1.0)]
    # a's output is 1 dB closer; accuracy 0.90 against 0.85 with SE 0.01: beyond 2 SE (0.02)
    text = quantizer.explanation(("A", "B"), gaps, "out", {"a": 0.90, "b": 0.85, "se": 0.01}).text
    assert "output of A is 1.0 dB closer" in text and "at conv (30.0 against 36.0 dB)" in text
    assert "A is more accurate beyond noise" in text and "not the one" not in text
    # the same gap, accuracies 0.001 apart: within noise
    text = quantizer.explanation(("A", "B"), gaps, "out", {"a": 0.851, "b": 0.85, "se": 0.01}).text
    assert "within noise" in text
    with pytest.raises(ValueError, match="output tensor"):
        quantizer.explanation(("A", "B"), gaps, "nope", {"a": 0.9, "b": 0.9, "se": 0.01})


# ---------------------------------------------------------------- the variant grid


def test_the_grid_has_the_quantizers_variant():
    assert quantization.GRID_FORMATS == (*quantization.FORMATS, quantization.QUANTIZER_FORMAT)
    settings = variants._grid_settings()
    assert quantization.QUANTIZER_FORMAT in settings["formats"]
    assert settings["recipe"] == "grid/5"  # changed: a grid built before it is rebuilt
    # its file name: spaces to underscores, no parentheses
    assert variants.file_stem("dense int8 (quantizer)") == "dense_int8_quantizer"


def test_grid_row_finds_the_quantizers_variant():
    rows = [make_row("magnitude", 0.0, fmt, 0.9, 1000) for fmt in quantization.GRID_FORMATS]
    row = quantization.grid_row(rows, 0.0, quantization.QUANTIZER_FORMAT)
    assert row["format"] == "int8 (quantizer)"


def test_the_explorer_scales_the_quantizers_variant_as_int8():
    # float32 factor 10, int8 factor 4: the quantizer's full-integer model computes in int8
    phone = latency.Device("phone", "edge", 10.0, "test", {"float32": 10.0, "int8": 4.0}, 0.0, 4, 1)
    row = make_row("magnitude", 0.0, quantization.QUANTIZER_FORMAT, 0.9, 1000, p50_ms=0.5)
    row["flops"] = 1.0  # no roofline in the way
    # 4 × 0.5 ms median, 4 × 0.75 ms p95
    assert explorer.device_ms(phone, row, [row]) == (2.0, 3.0)
