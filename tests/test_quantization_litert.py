"""utils.quantization.litert: LiteRT's own QUANTIZE and its kernels, the int8 weights of a
converted model, accuracy and agreement, latency, and a wrong input shape named."""

import numpy as np
import pytest

from utils import quantization
from quantization_models import images, model, small_images, small_model
from test_quantization_conversion import AWAY, TIES


def test_quantize_agrees_with_the_litert_reference_kernel():
    x = np.concatenate([TIES, np.random.default_rng(0).uniform(-3, 3, 200)])
    for scale, zero_point in ((0.25, 0), (0.02, 5), (6 / 255, -1)):
        ours = quantization.quantize(x, scale, zero_point)
        litert = quantization.quantize_in_litert(x, scale, zero_point, "reference")
        assert np.array_equal(ours, litert)


def test_litert_kernels_differ_only_on_ties():
    # Measured with ai-edge-litert 2.3 on x86: the reference kernel rounds ties away from zero;
    # the builtin kernel does in its scalar loop but rounds to even in its 8-wide vector loop; the
    # default XNNPACK delegate rounds to even. Off a tie they all agree with quantize; on one,
    # within a step.
    ties = np.array(TIES * 3, np.float32)  # 18 values: vector and scalar loops both see ties
    for kernels in quantization.KERNELS:
        got = quantization.quantize_in_litert(ties, 0.25, 0, kernels).astype(int)
        assert np.all(np.abs(got - np.array(AWAY * 3)) <= 1), kernels
    off = np.random.default_rng(2).uniform(-3, 3, 50).astype(np.float32)
    off = off[np.abs(off / np.float32(0.25) % 1 - 0.5) > 1e-3]
    for kernels in quantization.KERNELS:
        assert np.array_equal(
            quantization.quantize_in_litert(off, 0.25, 0, kernels),
            quantization.quantize(off, 0.25, 0),
        )


def test_unknown_kernels_are_named():
    with pytest.raises(ValueError, match="Unknown kernels 'gpu'.*reference, builtin, default"):
        quantization.quantize_in_litert([0.0], 0.1, 0, "gpu")


def test_quantized_tensors_dequantize_back_to_the_weights(model, images):
    (tensor,) = quantization.quantized_tensors(quantization.convert(model, "int8", images))
    # TFLite stores a Dense kernel as (outputs, inputs)
    kernel = model.layers[-1].get_weights()[0].T
    assert tensor["shape"] == kernel.shape
    scales = tensor["scales"].reshape(-1, 1) if tensor["scales"].size > 1 else tensor["scales"]
    zero_points = (
        tensor["zero_points"].reshape(-1, 1)
        if tensor["zero_points"].size > 1
        else tensor["zero_points"]
    )
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


def test_predict_with_the_wrong_shape_says_which_shape(model):
    lite = quantization.LiteModel(quantization.convert(model, "float32"))
    with pytest.raises(ValueError, match=r"shape \(2, 2, 3\).*\(N, 2, 2, 3\)"):
        lite.predict(np.zeros((2, 2, 3), np.float32))
