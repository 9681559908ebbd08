"""Notebooks 05 and 08: what a ``.tflite`` model costs in bytes, read from its flatbuffer: the
file, the file gzipped, its non-zero parameters, and the runtime's peak activation memory.
"""

from __future__ import annotations

import gzip

import numpy as np
from tensorflow.lite.python import schema_py_generated as schema


_NUMPY_TYPES = {
    schema.TensorType.FLOAT32: np.float32,
    schema.TensorType.FLOAT16: np.float16,
    schema.TensorType.INT8: np.int8,
    schema.TensorType.INT32: np.int32,
}
# Operators whose constant inputs are parameters (weights and biases); float16 weights reach
# their layer through a DEQUANTIZE. Other constants (a reshape's target shape) are not counted.
_WEIGHTED_OPS = {
    schema.BuiltinOperator.CONV_2D,
    schema.BuiltinOperator.DEPTHWISE_CONV_2D,
    schema.BuiltinOperator.FULLY_CONNECTED,
    schema.BuiltinOperator.TRANSPOSE_CONV,
    schema.BuiltinOperator.DEQUANTIZE,
}


def _parameter_tensors(model):
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        for o in range(graph.OperatorsLength()):
            op = graph.Operators(o)
            code = model.OperatorCodes(op.OpcodeIndex())
            if max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) in _WEIGHTED_OPS:
                yield from (graph.Tensors(i) for i in op.InputsAsNumpy() if i >= 0)


def sizes(content: bytes) -> dict[str, int]:
    """Three sizes of a ``.tflite`` model: the file, the file gzipped, and the bytes of its
    non-zero parameters (the constant inputs of its layers, in their stored type)."""
    model = schema.Model.GetRootAsModel(content, 0)
    nonzero = 0
    for tensor in _parameter_tensors(model):
        buffer = model.Buffers(tensor.Buffer())
        if not buffer.DataLength() or tensor.Type() not in _NUMPY_TYPES:
            continue  # an activation, not a parameter
        values = np.frombuffer(buffer.DataAsNumpy().tobytes(), _NUMPY_TYPES[tensor.Type()])
        nonzero += int(np.count_nonzero(values)) * values.itemsize
    return {
        "file_bytes": len(content),
        "gzip_bytes": len(gzip.compress(content, compresslevel=9)),
        "nonzero_bytes": nonzero,
    }


_TYPE_BYTES = {
    schema.TensorType.FLOAT32: 4,
    schema.TensorType.FLOAT16: 2,
    schema.TensorType.INT32: 4,
    schema.TensorType.UINT8: 1,
    schema.TensorType.INT64: 8,
    schema.TensorType.BOOL: 1,
    schema.TensorType.INT16: 2,
    schema.TensorType.INT8: 1,
    schema.TensorType.FLOAT64: 8,
}


def peak_live_bytes(
    tensor_bytes: dict[int, int],
    ops: list[tuple[list[int], list[int]]],
    graph_inputs: list[int],
    graph_outputs: list[int],
    persistent=(),
) -> int:
    """The largest total of tensors alive at once when ``ops`` (inputs, outputs) run in order.

    A tensor lives from the op that writes it (the start, for a graph input) to the last op
    that reads it (the end, for a graph output); a ``persistent`` one lives throughout.
    ``tensor_bytes`` holds only the tensors that need memory at run time; every other index
    (a constant, a missing input -1) is ignored.
    """
    first, last = {}, {}
    for t in list(graph_inputs) + list(persistent):
        first[t] = last[t] = 0
    for i, (inputs, outputs) in enumerate(ops):
        for t in outputs:
            first.setdefault(t, i)
            last[t] = max(last.get(t, i), i)
        for t in inputs:
            first.setdefault(t, i)
            last[t] = i
    for t in list(graph_outputs) + list(persistent):
        last[t] = max(len(ops) - 1, 0)
    return max(
        (
            sum(tensor_bytes[t] for t in tensor_bytes if t in first and first[t] <= i <= last[t])
            for i in range(max(len(ops), 1))
        ),
        default=0,
    )


def activation_bytes(content: bytes) -> int:
    """The runtime's peak activation memory of a ``.tflite`` model, estimated from the flatbuffer:
    the largest total of non-constant tensors (inputs, outputs, intermediates; their shapes and
    stored types) alive at once when the main graph's ops run in order, plus the float32 copies
    of float16 weights, which the runtime makes once at load (a DEQUANTIZE of a constant) and
    keeps. It leaves out what the arena shares in place (a reshape) and the kernels' scratch
    buffers (im2col): an estimate."""
    model = schema.Model.GetRootAsModel(content, 0)
    graph = model.Subgraphs(0)
    tensor_bytes, constant = {}, set()
    for t in range(graph.TensorsLength()):
        tensor = graph.Tensors(t)
        buffer = model.Buffers(tensor.Buffer())
        if buffer.DataLength() or buffer.Size() or tensor.IsVariable():
            constant.add(t)  # a constant (weights, a shape): mapped from the file, not the arena
            continue
        tensor_bytes[t] = int(np.prod(tensor.ShapeAsNumpy())) * _TYPE_BYTES.get(tensor.Type(), 4)
    ops, persistent = [], []
    for o in range(graph.OperatorsLength()):
        op = graph.Operators(o)
        inputs, outputs = op.InputsAsNumpy().tolist(), op.OutputsAsNumpy().tolist()
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if builtin == schema.BuiltinOperator.DEQUANTIZE and all(t in constant for t in inputs):
            persistent += outputs  # computed once at load, kept for every run
        ops.append((inputs, outputs))
    return peak_live_bytes(
        tensor_bytes,
        ops,
        graph.InputsAsNumpy().tolist(),
        graph.OutputsAsNumpy().tolist(),
        persistent,
    )
