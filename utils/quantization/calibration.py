"""Notebook 05: what full-integer conversion observed, and what it wrote from it.

The converter first **calibrates**: it runs the float model on the representative images and
records every activation tensor's min and max in the float flatbuffer. Then it **quantizes**:
from each recorded range it derives a scale and zero point, and from each (BatchNorm-folded)
weight tensor a scale per output channel. TF 2.21's converter does the second step in MLIR
(``experimental_new_quantizer``, on by default), ``ConvertStatsToQDQs``
(``quantization_lib/quantization_utils.h``) and ``fakeQuantAttrsToType``
(``quantization/ir/FakeQuantSupport.cc``): the range is widened to include 0, ``scale = (max -
min) / 255``, the zero point ``-128 - min / scale`` is rounded with C's ``round`` (a tie away
from zero) and clamped to [-128, 127]. Weights: per channel ``max|w|``, the range [-max|w|,
max|w|] on the narrow range [-127, 127] (``scale = max|w| / 127``, zero point 0); a range under
1e-6 (a channel of zeros) is widened to ±5e-7 first (``ExpandVerySmallRange``).

:func:`calibrate` stops the course's own recipe (:func:`~utils.quantization.recipe.convert`)
after the first step; :func:`requantize` runs the second step again on a calibrated model whose
ranges or weights were changed, so the converter itself answers for any range.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from unittest import mock

import flatbuffers
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.python.convert import mlir_quantize

from utils.quantization.recipe import convert

# Ops whose int8 output range the kernel fixes, whatever calibration saw (softmax: [0, 1) in
# steps of 1/256, zero point -128).
FIXED_OUTPUT_OPS = ("SOFTMAX", "LOGISTIC", "TANH")


def calibrate(model, images) -> bytes:
    """The float flatbuffer in which the converter recorded every activation's min and max
    while it ran ``model`` on ``images``: notebook 05's int8 recipe, stopped after
    calibration (the converter's ``_experimental_calibrate_only``)."""
    original = tf.lite.TFLiteConverter.from_keras_model

    def calibrate_only(*args, **kwargs):
        converter = original(*args, **kwargs)
        converter._experimental_calibrate_only = True  # what it returns: the calibrated model
        return converter

    with (
        mock.patch.object(tf.lite.TFLiteConverter, "from_keras_model", calibrate_only),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # "Statistics for quantized inputs were expected": fine
        return convert(model, "int8", images)


@contextlib.contextmanager
def _quiet_stderr():
    """The converter's C++ prints a line of its settings to file descriptor 2 on every run."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _model(content: bytes):
    return schema.ModelT.InitFromPackedBuf(bytes(content), 0)


def _name(tensor) -> str:
    return tensor.name.decode() if isinstance(tensor.name, bytes) else str(tensor.name)


def _fixed_outputs(model) -> set[int]:
    codes = {getattr(schema.BuiltinOperator, name) for name in FIXED_OUTPUT_OPS}
    fixed = set()
    for op in model.subgraphs[0].operators:
        code = model.operatorCodes[op.opcodeIndex]
        if max(code.builtinCode, code.deprecatedBuiltinCode) in codes:
            fixed.update(int(i) for i in op.outputs)
    return fixed


def observed_ranges(calibrated: bytes) -> dict[str, tuple[float, float]]:
    """Every activation's (min, max) as calibration recorded it, by tensor name, in the order of
    the graph; the outputs of ops with a fixed range (softmax) are left out."""
    model = _model(calibrated)
    fixed = _fixed_outputs(model)
    ranges = {}
    for index, tensor in enumerate(model.subgraphs[0].tensors):
        q = tensor.quantization
        if index in fixed or q is None or q.min is None or not len(q.min):
            continue
        ranges[_name(tensor)] = (float(q.min[0]), float(q.max[0]))
    return ranges


def float_weights(calibrated: bytes) -> dict[str, np.ndarray]:
    """Every float weight tensor (rank 2 or more, BatchNorm already folded in) by name, the
    output channel LAST as Keras keeps it (TFLite stores it first)."""
    model = _model(calibrated)
    weights = {}
    for tensor in model.subgraphs[0].tensors:
        data = model.buffers[tensor.buffer].data if tensor.buffer else None
        if tensor.type != schema.TensorType.FLOAT32 or data is None or len(tensor.shape) < 2:
            continue
        values = np.frombuffer(np.asarray(data, np.uint8).tobytes(), np.float32)
        weights[_name(tensor)] = np.moveaxis(values.reshape(tensor.shape), 0, -1).copy()
    return weights


def written_params(content: bytes) -> dict[str, dict]:
    """The scale(s) and zero point(s) a converted model holds for each int8 tensor, by name:
    ``{"scales": array, "zero_points": array, "axis": int}`` (one entry per tensor, or one
    per output channel for a weight)."""
    found = {}
    for tensor in Interpreter(model_content=bytes(content)).get_tensor_details():
        q = tensor["quantization_parameters"]
        if tensor["dtype"] == np.int8 and len(q["scales"]):
            found[tensor["name"]] = {
                "scales": np.asarray(q["scales"], np.float32),
                "zero_points": np.asarray(q["zero_points"], np.int64),
                "axis": int(q["quantized_dimension"]),
                "shape": tuple(int(d) for d in tensor["shape"]),
            }
    return found


def written_for(written: dict, name: str, kernel: np.ndarray) -> dict | None:
    """The parameters ``written`` holds for the float weight ``name`` (output channel last): by
    name, or, where the converter renamed its tensors (TensorFlow 2.20 calls a constant
    ``arith.constant3`` before quantizing and something else after), the one per-channel tensor
    of the same shape; None when neither finds exactly one."""
    if name in written:
        return written[name]
    shape = tuple(np.moveaxis(kernel, -1, 0).shape)
    same = [w for w in written.values() if w["shape"] == shape and len(w["scales"]) == shape[0]]
    return same[0] if len(same) == 1 else None


def requantize(calibrated: bytes, ranges: dict | None = None, weights: dict | None = None) -> bytes:
    """The converter's quantization step (``mlir_quantize``, as ``TFLiteConverter`` calls it for
    int8 input and output) run again on ``calibrated`` with some tensors' recorded ``ranges``
    ({name: (min, max)}) or float ``weights`` ({name: array, output channel last}) replaced."""
    model = _model(calibrated)
    tensors = {_name(t): t for t in model.subgraphs[0].tensors}
    for name in {**(ranges or {}), **(weights or {})}:
        if name not in tensors:
            raise ValueError(
                f"No tensor {name!r} in the calibrated model: use a name that "
                "observed_ranges or float_weights gives."
            )
    for name, (low, high) in (ranges or {}).items():
        tensors[name].quantization.min = np.array([low], np.float32)
        tensors[name].quantization.max = np.array([high], np.float32)
    for name, values in (weights or {}).items():
        tensor = tensors[name]
        stored = np.moveaxis(np.asarray(values, np.float32), -1, 0)
        if stored.shape != tuple(tensor.shape):
            raise ValueError(
                f"The weights for {name!r} have shape {np.shape(values)}: give "
                "the shape float_weights gave (output channel last)."
            )
        model.buffers[tensor.buffer].data = np.frombuffer(stored.tobytes(), np.uint8)
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    with _quiet_stderr():
        return mlir_quantize(
            bytes(builder.Output()), False, input_data_type=tf.int8, output_data_type=tf.int8
        )
