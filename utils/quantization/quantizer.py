"""Appendix A10 (and notebooks 05, 08 through the variant grid): the two-step quantization that
Google's LiteRT documentation now recommends over the converter's: a float32 ``.tflite`` first,
then ``litert_quantizer`` (the renamed AI Edge Quantizer) with a full-integer static recipe
(``static_wi8_ai8``: int8 weights per channel, int8 activations per tensor) calibrated on the
same training images as the converter's int8, and the quantizer's own per-tensor validation.

The plumbing lives here; appendix A10 calls ``Quantizer``, ``calibrate``, ``quantize`` and
``validate`` in its own cells. :func:`two_step` does the same for the variant grid.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings

import numpy as np
from tensorflow.lite.python import schema_py_generated as schema

from utils.quantization.recipe import convert
from utils.verdicts.base import verdict

QUANTIZER_FORMAT = "int8 (quantizer)"  # its name in the variant grid, beside the converter's int8
RECIPE = "static_wi8_ai8"  # litert_quantizer.recipe's full-integer static recipe
METRICS = ("mse", "snr")  # the validation's error metrics: mean squared error, signal/noise
VALIDATION_IMAGES = 20  # validation images the per-tensor comparison runs on

# the tensor types a full-integer model may hold: int8 values, int32 biases and shape
# constants (TFLite's int8 kernels accumulate in int32), int64 for some index constants
INTEGER_TYPES = {
    schema.TensorType.INT8: "INT8",
    schema.TensorType.INT16: "INT16",
    schema.TensorType.INT32: "INT32",
    schema.TensorType.INT64: "INT64",
    schema.TensorType.UINT8: "UINT8",
}
_TYPE_NAMES = {value: name for name, value in vars(schema.TensorType).items() if name.isupper()}


def float_model(model) -> bytes:
    """Step one: the model as a float32 ``.tflite`` (the converter with no optimization, notebook
    05's ``convert(model, "float32")``)."""
    return convert(model, "float32")


def signature(content: bytes) -> tuple[str, str]:
    """The ``.tflite`` model's one signature key and its one input's name, which
    ``litert_quantizer`` keys its calibration and validation data by."""
    from ai_edge_litert.interpreter import Interpreter

    signatures = Interpreter(model_content=content).get_signature_list()
    if len(signatures) != 1:
        raise ValueError(
            f"The model has {len(signatures)} signatures: give a model converted from one Keras "
            "model, which has exactly one."
        )
    key, names = next(iter(signatures.items()))
    if len(names["inputs"]) != 1:
        raise ValueError(
            f"The model's signature takes {len(names['inputs'])} inputs: give an image model "
            "with one input."
        )
    return key, names["inputs"][0]


def signature_data(content: bytes, images) -> dict[str, list[dict[str, np.ndarray]]]:
    """``images`` (float, [N, H, W, C]) as ``litert_quantizer`` takes calibration and validation
    data: one sample a batch of one image, keyed by the signature and its input's name."""
    images = np.asarray(images, np.float32)
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(
            f"The images have shape {images.shape}: give at least one image as an array of "
            "shape (N, height, width, channels)."
        )
    key, name = signature(content)
    return {key: [{name: image[None]} for image in images]}


@contextlib.contextmanager
def quiet():
    """The quantizer's progress bar and the interpreter's debugging warning, silenced (they
    write to stderr on every call)."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore", UserWarning)
        yield


def two_step(model_or_content, images) -> bytes:
    """The full-integer model of the two-step path: a Keras model (or its float32 ``.tflite``)
    quantized by ``litert_quantizer`` with the :data:`RECIPE` recipe, calibrated on ``images``
    (the converter's representative images, so both int8 models see the same ranges)."""
    from litert_quantizer import Quantizer, recipe

    content = (
        bytes(model_or_content)
        if isinstance(model_or_content, (bytes, bytearray))
        else float_model(model_or_content)
    )
    quantizer = Quantizer(content, getattr(recipe, RECIPE)())
    with quiet():
        calibration = quantizer.calibrate(signature_data(content, images))
        result = quantizer.quantize(calibration, enable_progress_report=False)
    return bytes(result.quantized_model)


def tensor_types(content: bytes) -> dict[str, str]:
    """Every tensor of the ``.tflite`` flatbuffer's first subgraph and its type, read from the
    flatbuffer itself (``schema_py_generated``), e.g. ``{"conv2d/Relu": "INT8", ...}``."""
    graph = schema.Model.GetRootAsModel(content, 0).Subgraphs(0)
    types = {}
    for i in range(graph.TensorsLength()):
        tensor = graph.Tensors(i)
        types[tensor.Name().decode()] = _TYPE_NAMES.get(tensor.Type(), str(tensor.Type()))
    return types


def io_types(content: bytes) -> dict[str, str]:
    """The types of the model's input and output tensors (``"input"``, ``"output"``), from the
    flatbuffer."""
    graph = schema.Model.GetRootAsModel(content, 0).Subgraphs(0)
    return {
        "input": _TYPE_NAMES[graph.Tensors(graph.Inputs(0)).Type()],
        "output": _TYPE_NAMES[graph.Tensors(graph.Outputs(0)).Type()],
    }


def non_integer_tensors(content: bytes) -> dict[str, str]:
    """The tensors of the model that are not integer (float32, float16, …): none in a
    full-integer model."""
    integer = set(INTEGER_TYPES.values())
    return {name: kind for name, kind in tensor_types(content).items() if kind not in integer}


def metrics():
    """The :data:`METRICS` as ``litert_quantizer``'s ``ValidationErrorMetric`` values, for
    ``Quantizer.validate(error_metrics=...)``."""
    from litert_quantizer.quantizer import ValidationErrorMetric

    return [ValidationErrorMetric(name) for name in METRICS]


def snr_db(snr: float) -> float:
    """The validation's signal-to-noise ratio (a power ratio, ``mean(x²) / mse``) in decibels:
    ``10 log10(snr)``. The validation writes 0 for a tensor with no signal (all zeros in the float
    model), which no ratio ranks: NaN."""
    return 10 * math.log10(snr) if snr > 0 else math.nan


def validation_rows(result, signature_key: str | None = None) -> list[dict]:
    """The quantizer's per-tensor validation (``Quantizer.validate``'s ``ComparisonResult``) as
    rows: the tensor's name, its kind (``input``, ``output``, ``constant`` = a weight,
    ``activation`` = an intermediate tensor), its mean squared error against the float model and
    its signal-to-noise ratio in dB (higher: closer to the float tensor), lowest SNR first (a
    tensor without signal, NaN, last)."""
    key = signature_key or result.available_signature_keys()[0]
    single = result.get_signature_comparison_result(key)
    kinds = {
        "input": single.input_tensors,
        "output": single.output_tensors,
        "constant": single.constant_tensors,
        "activation": single.intermediate_tensors,
    }
    rows = []
    for kind, tensors in kinds.items():
        for name, values in tensors.items():
            if "snr" not in values or "mse" not in values:
                raise ValueError(
                    f"The validation of {name!r} has {sorted(values)}: validate with "
                    "error_metrics=quantizer.metrics() (MSE and SNR)."
                )
            rows.append(
                {
                    "tensor": name,
                    "kind": kind,
                    "mse": values["mse"],
                    "snr_db": snr_db(values["snr"]),
                }
            )
    return sorted(rows, key=_by_snr)


def _by_snr(row: dict) -> tuple[bool, float]:
    return math.isnan(row["snr_db"]), row["snr_db"]


def losing_most(rows: list[dict], count: int = 3) -> list[dict]:
    """The ``count`` activation and output tensors (what a layer computes, not its stored
    weights) with the lowest signal-to-noise ratio: the layers whose int8 result strays furthest
    from the float model's."""
    if count < 1:
        raise ValueError(f"count={count}: ask for at least one tensor.")
    computed = [
        row
        for row in rows
        if row["kind"] in ("activation", "output") and not math.isnan(row["snr_db"])
    ]
    return sorted(computed, key=_by_snr)[:count]


def differing_outputs(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """How two models' outputs (the same images, [N, classes]) differ: how many output values
    are not equal, of how many, the largest absolute difference, and on how many images the top
    class differs."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(
            f"The outputs have shapes {a.shape} and {b.shape}: run both models on the same images."
        )
    return {
        "values_differing": int(np.sum(a != b)),
        "values": int(a.size),
        "max_abs_difference": float(np.max(np.abs(a - b))) if a.size else 0.0,
        "top_class_differing": int(np.sum(a.argmax(axis=-1) != b.argmax(axis=-1))),
    }


def layer_gaps(a: list[dict], b: list[dict]) -> list[dict]:
    """Two int8 models' validations (:func:`validation_rows`, each against the same float file)
    side by side: every computed tensor (activation or output) both name, with each model's SNR
    in dB and ``gap`` = ``a``'s minus ``b``'s, the largest gap (either way) first."""
    snr_b = {row["tensor"]: row["snr_db"] for row in losing_most(b, len(b) or 1)}
    gaps = [
        {"tensor": row["tensor"], "snr_a": row["snr_db"], "snr_b": snr_b[row["tensor"]]}
        for row in losing_most(a, len(a) or 1)
        if row["tensor"] in snr_b
    ]
    for row in gaps:
        row["gap"] = row["snr_a"] - row["snr_b"]
    return sorted(gaps, key=lambda row: -abs(row["gap"]))


def explanation(names: tuple[str, str], gaps: list[dict], output: str, accuracy: dict):
    """The verdict that uses the per-tensor validation to explain the accuracy difference of two
    int8 models ``names`` = (a, b): ``gaps`` from :func:`layer_gaps`, ``output`` the output
    tensor's name, ``accuracy`` = {"a", "b", "se"} (validation accuracies and the standard error of
    their difference). Generated from the numbers: which model's output is closer to float32, at
    which layer the two part most, and whether the accuracy difference is beyond noise."""
    if not gaps:
        raise ValueError(
            "The two validations share no computed tensor: validate both int8 models against "
            "the same float32 file."
        )
    a, b = names
    out = next((row for row in gaps if row["tensor"] == output), None)
    if out is None:
        raise ValueError(f"No tensor named {output!r}: give the output tensor's name.")
    closer = a if out["gap"] > 0 else b
    widest = gaps[0]
    difference = accuracy["a"] - accuracy["b"]
    beyond = abs(difference) > 2 * accuracy["se"]
    if beyond:
        better = a if difference > 0 else b
        agrees = better == closer
        said = (
            f"{better} is more accurate beyond noise ({difference:+.3f}, 2 SE "
            f"{2 * accuracy['se']:.3f}), and its output is {'' if agrees else 'not '}the one "
            f"closer to float32"
        )
    else:
        said = (
            f"the accuracies differ by {difference:+.3f}, within noise (2 SE "
            f"{2 * accuracy['se']:.3f}): validation cannot rank them, whichever output is closer"
        )
    headline = (
        f"The output of {closer} is {abs(out['gap']):.1f} dB closer to float32 "
        f"({out['snr_a']:.1f} dB {a}, {out['snr_b']:.1f} dB {b}); the two part most at "
        f"{widest['tensor'].split(';')[0]} ({widest['snr_a']:.1f} against "
        f"{widest['snr_b']:.1f} dB); {said}."
    )
    details = (
        "SNR: the float tensor's power over the mean squared difference, in dB (10 log10); 10 dB "
        "more is 10 times less noise. The two models share the float32 graph, so their tensors "
        "have the same names; a gap at one layer is where their scales or zero points differ "
        "(per-channel weights alike, activations' ranges calibrated on the same images)."
    )
    return verdict(headline, None, details)
