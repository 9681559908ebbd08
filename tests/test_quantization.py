"""utils.quantization: int8 arithmetic, conversion, the LiteRT wrapper, sizes, bad input."""

import gzip

import numpy as np
import pytest
import tf_keras as keras

from utils import quantization


def dense_model(kernel, bias):
    """A one-layer model with the given weights: its parameters are known exactly."""
    inputs = keras.Input((2, 2, 3))
    outputs = keras.layers.Dense(kernel.shape[1], activation="softmax")(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    model.layers[-1].set_weights([kernel, bias])
    return model


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(12, 3)).astype(np.float32)
    kernel[::2] = 0  # half the rows are zero
    return dense_model(kernel, np.array([0.5, 0.0, -0.5], np.float32))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).random((32, 2, 2, 3), np.float32)


def test_quantize_rounds_to_the_nearest_step_and_clips():
    assert quantization.quantize([0.0, 0.24, 0.26, -1.0], 0.5, 3).tolist() == [3, 3, 4, 1]
    assert quantization.quantize([1000.0, -1000.0], 0.1, 0).tolist() == [127, -128]


# Ties, exact in binary: x / 0.25 is 2.5, -2.5, 1.5, -1.5, 0.5, -0.5. Half away from zero gives
# 3, -3, 2, -2, 1, -1 (NumPy's half-to-even would give 2, -2, 2, -2, 0, 0).
TIES = [0.625, -0.625, 0.375, -0.375, 0.125, -0.125]
AWAY = [3, -3, 2, -2, 1, -1]


def test_quantize_rounds_a_tie_away_from_zero_both_signs():
    assert quantization.quantize(TIES, 0.25, 0).tolist() == AWAY
    assert quantization.quantize(TIES, 0.25, 5).tolist() == [a + 5 for a in AWAY]
    assert np.round(np.array(TIES) / 0.25).tolist() == [2, -2, 2, -2, 0, -0]  # NumPy differs on every one
    # -0.37 / 0.02 is -18.5 in float32 (and float64) arithmetic: away from zero -19, + 5 = -14.
    assert np.float32(-0.37) / np.float32(0.02) == -18.5
    assert quantization.quantize(-0.37, 0.02, 5) == -14 and quantization.quantize(0.37, 0.02, 5) == 24


def test_round_half_away_is_not_fooled_by_the_float_just_below_a_half():
    below = np.nextafter(0.5, 0)
    assert quantization.round_half_away([below, -below, 2.5, -2.5, 0.0]).tolist() == [0, 0, 3, -3, 0]


def test_quantize_agrees_with_the_litert_reference_kernel():
    x = np.concatenate([TIES, np.random.default_rng(0).uniform(-3, 3, 200)])
    for scale, zero_point in ((0.25, 0), (0.02, 5), (6 / 255, -1)):
        ours = quantization.quantize(x, scale, zero_point)
        assert np.array_equal(ours, quantization.quantize_in_litert(x, scale, zero_point, "reference"))


def test_litert_kernels_differ_only_on_ties():
    # Measured with ai-edge-litert 2.3 on x86: the reference kernel rounds ties away from zero; the
    # builtin kernel does in its scalar loop but rounds to even in its 8-wide vector loop; the default
    # XNNPACK delegate rounds to even. Off a tie they all agree with quantize; on one, within a step.
    ties = np.array(TIES * 3, np.float32)  # 18 values: vector and scalar loops both see ties
    for kernels in quantization.KERNELS:
        got = quantization.quantize_in_litert(ties, 0.25, 0, kernels).astype(int)
        assert np.all(np.abs(got - np.array(AWAY * 3)) <= 1), kernels
    off = np.random.default_rng(2).uniform(-3, 3, 50).astype(np.float32)
    off = off[np.abs(off / np.float32(0.25) % 1 - 0.5) > 1e-3]
    for kernels in quantization.KERNELS:
        assert np.array_equal(quantization.quantize_in_litert(off, 0.25, 0, kernels), quantization.quantize(off, 0.25, 0))


def test_the_converter_rounds_weight_ties_away_from_zero(images):
    inputs = keras.Input((6,))
    layer = keras.layers.Dense(1, use_bias=False)
    model = keras.Model(inputs, layer(inputs))
    # max |w| = 127 × 0.25 fixes the scale at 0.25, so the other weights are exact ties.
    layer.set_weights([np.array([[31.75], [0.625], [-0.625], [0.375], [-0.375], [0.125]], np.float32)])
    (tensor,) = quantization.quantized_tensors(quantization.convert(model, "int8", np.ones((4, 6), np.float32)))
    assert tensor["scales"].tolist() == [0.25]
    assert tensor["values"].ravel().tolist() == [127, 3, -3, 2, -2, 1]


def test_unknown_kernels_are_named():
    with pytest.raises(ValueError, match="Unknown kernels 'gpu'.*reference, builtin, default"):
        quantization.quantize_in_litert([0.0], 0.1, 0, "gpu")


def test_dequantize_inverts_quantize_within_half_a_step():
    x = np.linspace(-3, 3, 101)
    scale, zero_point = 6 / 255, -1
    back = quantization.dequantize(quantization.quantize(x, scale, zero_point), scale, zero_point)
    assert np.max(np.abs(back - x)) <= scale / 2 + 1e-6


@pytest.mark.parametrize("fmt", quantization.FORMATS)
def test_every_format_converts_and_runs_in_litert(model, images, fmt):
    content = quantization.convert(model, fmt, images)
    probabilities = quantization.LiteModel(content).predict(images)
    expected = model.predict(images, verbose=0)
    assert probabilities.shape == expected.shape
    tolerance = {"float32": 1e-5, "float16": 5e-3}.get(fmt, 0.05)
    assert np.max(np.abs(probabilities - expected)) <= tolerance


def test_int8_model_takes_and_gives_int8(model, images):
    lite = quantization.LiteModel(quantization.convert(model, "int8", images))
    assert lite.input["dtype"] == np.int8 and lite.output["dtype"] == np.int8


def test_sizes_count_the_stored_parameters(model):
    content = quantization.convert(model, "float32")
    kernel, bias = model.layers[-1].get_weights()
    found = quantization.sizes(content)
    assert found["file_bytes"] == len(content)
    assert found["gzip_bytes"] == len(gzip.compress(content, compresslevel=9))
    assert found["nonzero_bytes"] == 4 * (np.count_nonzero(kernel) + np.count_nonzero(bias))


def test_int8_weights_are_one_byte_each(model, images):
    content = quantization.convert(model, "int8", images)
    kernel, _ = model.layers[-1].get_weights()
    float_bytes = quantization.sizes(quantization.convert(model, "float32"))["nonzero_bytes"]
    int8_bytes = quantization.sizes(content)["nonzero_bytes"]
    assert int8_bytes < float_bytes / 2
    assert int8_bytes >= np.count_nonzero(kernel)


def test_quantized_tensors_dequantize_back_to_the_weights(model, images):
    (tensor,) = quantization.quantized_tensors(quantization.convert(model, "int8", images))
    kernel = model.layers[-1].get_weights()[0].T  # TFLite stores a Dense kernel as (outputs, inputs)
    assert tensor["shape"] == kernel.shape
    scales = tensor["scales"].reshape(-1, 1) if tensor["scales"].size > 1 else tensor["scales"]
    zero_points = tensor["zero_points"].reshape(-1, 1) if tensor["zero_points"].size > 1 else tensor["zero_points"]
    back = quantization.dequantize(tensor["values"], scales, zero_points)
    assert np.max(np.abs(back - kernel)) <= np.max(tensor["scales"]) / 2 + 1e-6


def test_evaluate_scores_accuracy_and_agreement(model, images):
    content = quantization.convert(model, "float32")
    reference = model.predict(images, verbose=0)
    labels = reference.argmax(axis=1)
    labels[:8] = (labels[:8] + 1) % 3  # a quarter of the labels wrong
    scores = quantization.evaluate(content, images, labels, reference)
    assert scores == {"accuracy": 0.75, "agreement": 1.0}


def test_latencies_state_the_thread_count(model):
    content = quantization.convert(model, "float32")
    timings = quantization.latencies({"a": content, "b": content}, threads=2, runs=4, warmup=1)
    assert set(timings) == {"a", "b"}
    assert all(t.threads == 2 and len(t.times_ms) >= 4 for t in timings.values())


def test_unknown_format_is_named(model):
    with pytest.raises(ValueError, match="Unknown format 'int4'.*float32, float16, dynamic, int8"):
        quantization.convert(model, "int4")


@pytest.mark.parametrize("representative", [None, np.zeros((0, 2, 2, 3), np.float32)])
def test_int8_without_representative_images_says_what_to_pass(model, representative):
    with pytest.raises(ValueError, match="no representative images.*calibration_images"):
        quantization.convert(model, "int8", representative)


def test_representative_images_of_the_wrong_shape_are_named(model):
    with pytest.raises(ValueError, match=r"shape \(4, 4, 3\).*takes \(2, 2, 3\)"):
        quantization.convert(model, "int8", np.zeros((5, 4, 4, 3), np.float32))


def test_predict_with_the_wrong_shape_says_which_shape(model):
    lite = quantization.LiteModel(quantization.convert(model, "float32"))
    with pytest.raises(ValueError, match=r"shape \(2, 2, 3\).*\(N, 2, 2, 3\)"):
        lite.predict(np.zeros((2, 2, 3), np.float32))


def test_calibration_needs_at_least_one_image():
    with pytest.raises(ValueError, match="at least 1 calibration image"):
        quantization.calibration_images(0)


def test_grid_row_finds_a_variant_or_names_the_choices():
    rows = [{"method": "magnitude", "sparsity": s, "format": f, "variant": f"{s} {f}"}
            for s in (0.0, 0.5) for f in quantization.FORMATS]
    assert quantization.grid_row(rows, 0.5, "int8")["variant"] == "0.5 int8"
    with pytest.raises(ValueError, match=r"no '80% pruned int8' variant.*\[0.0, 0.5\]"):
        quantization.grid_row(rows, 0.8, "int8")


@pytest.mark.parametrize("load", [quantization.published_latencies, quantization.published_quantization_results])
def test_published_figures_carry_a_source_on_every_row(load):
    rows = load()
    assert rows and all(row["source"].strip() for row in rows)


def test_published_latencies_pair_float_and_quant_per_device():
    rows = quantization.published_latencies()
    by_device = {}
    for row in rows:
        by_device.setdefault(row["device"], set()).add(row["format"])
        assert row["latency_ms"] > 0 and row["threads"] >= 1
    assert all(formats == {"float32", "quant"} for formats in by_device.values())
    # benchmarks.md's "(quant)" model is the quantization-aware trained uint8 one, not post-training int8
    assert {r["precision"] for r in rows if r["format"] == "quant"} == {"uint8 weights and activations"}


def test_published_quantization_rows_say_what_they_measured():
    rows = quantization.published_quantization_results()
    assert {r["technique"] for r in rows} == {"float model (no quantization)",
                                               "post-training weight-only quantization (hybrid)",
                                               "quantization-aware training (TF 1 contrib/quantize)"}
    hybrid = [r for r in rows if "hybrid" in r["technique"]]
    assert hybrid and all(r["precision"] == "int8 weights, float32 activations" for r in hybrid)
    assert all(r["unit"] == "ms" for r in rows if r["measure"] == "latency")


def conv_model():
    """Input 4x4x1 -> Conv2D(2 filters, same) -> Flatten -> Dense(3): its tensors are known by hand."""
    inputs = keras.Input((4, 4, 1))
    x = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(x)))


def test_peak_live_bytes_walks_a_hand_made_graph():
    # t0 (input, 100 B) -> op0 -> t1 (40 B) -> op1 -> t2 (10 B); op2 adds t0 and t2 -> t3 (1 B).
    # t0 stays alive until op2 reads it: op0 holds t0+t1 = 140, op1 t0+t1+t2 = 150, op2 t0+t2+t3 = 111.
    sizes = {0: 100, 1: 40, 2: 10, 3: 1}  # tensor 9 is a constant: not in sizes, never counted
    ops = [([0, 9], [1]), ([1, -1], [2]), ([0, 2], [3])]
    assert quantization.peak_live_bytes(sizes, ops, [0], [3]) == 150
    # Without the skip connection t0 is dead after op0: the peak is op0's 100 + 40.
    assert quantization.peak_live_bytes(sizes, [([0], [1]), ([1], [2]), ([2], [3])], [0], [3]) == 140
    # A persistent tensor (float16 weights expanded at load) adds its bytes to every step.
    assert quantization.peak_live_bytes({**sizes, 8: 1000}, ops, [0], [3], persistent=[8]) == 1150


def test_activation_bytes_count_float16_weights_expanded_to_float32():
    # float16: the conv kernel (3x3x1x2 = 18), its bias (2) and the dense kernel (32x3 = 96) are
    # DEQUANTIZEd to float32 once at load and kept (the dense bias is all zero: the converter drops
    # it): 116 floats on top of the 64.
    content = quantization.convert(conv_model(), "float16")
    assert quantization.activation_bytes(content) == (64 + 116) * 4


@pytest.mark.parametrize("fmt, expected", [
    # CONV_2D: input 16 values + output 32; RESHAPE: 32 in + 32 out; FULLY_CONNECTED: 32 + 3.
    # The peak is the reshape's 64 values: 4 bytes each in float32, 1 byte each in int8.
    ("float32", 64 * 4), ("int8", 64 * 1)])
def test_activation_bytes_of_a_tiny_model_derived_by_hand(fmt, expected):
    images = np.random.default_rng(0).random((4, 4, 4, 1), np.float32)
    content = quantization.convert(conv_model(), fmt, images)
    assert quantization.activation_bytes(content) == expected


def test_variant_scores_without_a_novel_split(model, images):
    content = quantization.convert(model, "float32")
    reference = model.predict(images, verbose=0)
    labels = reference.argmax(axis=1)
    splits = {"validation": (images[:16], labels[:16]), "test": (images, labels)}
    row = quantization.variant_scores(content, splits, reference)
    assert row["novel_accuracy"] is None
    assert row["validation_accuracy"] == row["test_accuracy"] == row["agreement"] == 1.0
    assert (row["validation_images"], row["test_images"]) == (16, 32)
    assert row["activation_bytes"] == 4 * (12 + 12)  # the reshape's 12 floats in and 12 out
    splits["novel"] = (images[:8], (labels[:8] + 1) % 3)
    assert quantization.variant_scores(content, splits, reference)["novel_accuracy"] == 0.0
