"""Notebooks 05-08: a converted model in the LiteRT interpreter, the runtime an edge device
installs: its predictions, accuracy and latency, its int8 weights, and LiteRT's own QUANTIZE.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from tensorflow.lite.python import schema_py_generated as schema

from utils import measure
from utils.quantization.conversion import dequantize, quantize


# LiteRT's reference kernels, its optimized ones, and XNNPACK
KERNELS = ("reference", "builtin", "default")


def _op_resolver(kernels: str):
    resolvers = {
        "reference": OpResolverType.BUILTIN_REF,
        "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        "default": OpResolverType.AUTO,
    }
    if kernels not in resolvers:
        raise ValueError(f"Unknown kernels {kernels!r}: use one of {', '.join(KERNELS)}.")
    return resolvers[kernels]


def quantize_in_litert(x, scale: float, zero_point: int, kernels: str = "reference") -> np.ndarray:
    """The int8 values LiteRT's own QUANTIZE operator gives for float ``x`` with this ``scale``
    and ``zero_point``: a one-operator ``.tflite`` model, built here, run in the interpreter.
    ``kernels`` picks the implementation: ``"reference"`` (TFLite's reference kernel),
    ``"builtin"`` (its optimized kernel) or ``"default"`` (what ``Interpreter()`` uses on a CPU:
    the XNNPACK delegate). They agree except on exact ties, which they may round differently."""
    values = np.asarray(x, np.float32)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.QUANTIZE
    code.version = 1
    tensors = []
    for name, dtype in (("x", schema.TensorType.FLOAT32), ("q", schema.TensorType.INT8)):
        tensor = schema.TensorT()
        tensor.name, tensor.shape = name, [max(values.size, 1)]
        tensor.type, tensor.buffer = dtype, 0
        tensors.append(tensor)
    tensors[1].quantization = schema.QuantizationParametersT()
    tensors[1].quantization.scale = [float(scale)]
    tensors[1].quantization.zeroPoint = [int(zero_point)]
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [0], [1], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes = 3, [code]
    model.subgraphs, model.buffers = [graph], [schema.BufferT()]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    interpreter = Interpreter(
        model_content=bytes(builder.Output()), experimental_op_resolver_type=_op_resolver(kernels)
    )
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], values.reshape(-1))
    interpreter.invoke()
    output = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    return output.reshape(values.shape)


class LiteModel:
    """One ``.tflite`` model in the LiteRT interpreter, the runtime an edge device installs."""

    def __init__(self, content: bytes, threads: int = 1):
        self.interpreter = Interpreter(model_content=content, num_threads=threads)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.threads = threads

    def set_input(self, image: np.ndarray) -> None:
        """Put one float image batch [1, H, W, 3] in [0, 1] into the input tensor."""
        if self.input["dtype"] == np.int8:  # the model takes int8: quantize with its own scale
            image = quantize(image, *self.input["quantization"])
        self.interpreter.set_tensor(self.input["index"], image.astype(self.input["dtype"]))

    def _get(self) -> np.ndarray:
        out = self.interpreter.get_tensor(self.output["index"])
        if self.output["dtype"] == np.int8:
            return dequantize(out, *self.output["quantization"])
        return out

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Probabilities for float ``images`` [N, H, W, 3] in [0, 1], one invocation per image."""
        images = np.asarray(images, np.float32)
        expected = tuple(self.input["shape"][1:])
        if images.ndim != 4 or images.shape[1:] != expected:
            shape = ", ".join(map(str, expected))
            raise ValueError(
                f"The images have shape {images.shape}, but the model takes a batch "
                f"of {expected} images: give an array of shape (N, {shape})."
            )
        outputs = []
        for image in images:
            self.set_input(image[None])
            self.interpreter.invoke()
            outputs.append(self._get()[0])
        return np.stack(outputs)

    def invoke_once(self) -> None:
        """One invocation on whatever input is set (what a latency measurement times)."""
        self.interpreter.invoke()


def quantized_tensors(content: bytes) -> list[dict]:
    """Every int8 weight tensor of a converted model: its name, shape, int8 values, and the
    scale(s), zero point(s) and channel axis that map them back to floats."""
    interpreter = Interpreter(model_content=content)
    found = []
    for tensor in interpreter.get_tensor_details():
        q = tensor["quantization_parameters"]
        if tensor["dtype"] != np.int8 or len(tensor["shape"]) < 2 or not len(q["scales"]):
            continue
        try:
            values = interpreter.get_tensor(tensor["index"])
        except ValueError:  # an activation: it has no values until the model runs
            continue
        found.append(
            {
                "name": tensor["name"],
                "shape": tuple(int(d) for d in tensor["shape"]),
                "values": values,
                "scales": q["scales"],
                "zero_points": q["zero_points"],
                "axis": q["quantized_dimension"],
            }
        )
    return found


def split_arrays(split: str) -> tuple[np.ndarray, np.ndarray]:
    """All of ``split`` as float images in [0, 1] and integer labels (decoded once per process,
    :mod:`utils.decoded`)."""
    from utils import decoded

    images, labels = decoded.arrays(split)
    return images.astype(np.float32) / 255.0, labels.copy()


def evaluate(
    content: bytes, images: np.ndarray, labels: np.ndarray, reference: np.ndarray | None = None
) -> dict[str, float]:
    """Accuracy of a ``.tflite`` model on ``images``, and (given the Keras model's probabilities
    ``reference``) the share of images where both pick the same class."""
    predicted = LiteModel(content).predict(images).argmax(axis=1)
    scores = {"accuracy": float(np.mean(predicted == labels))}
    if reference is not None:
        scores["agreement"] = float(np.mean(predicted == np.asarray(reference).argmax(axis=1)))
    return scores


def latencies(
    contents: dict[str, bytes], threads: int, runs: int, warmup: int
) -> dict[str, measure.Timing]:
    """One-image latency of each model at ``threads`` threads, timed in turns (fair under load)."""
    calls = {}
    for name, content in contents.items():
        lite = LiteModel(content, threads)
        shape = tuple(lite.input["shape"])
        lite.set_input(np.random.default_rng(0).random(shape, np.float32))
        calls[name] = lite.invoke_once
    return measure.time_in_turns(calls, runs, warmup, threads=threads)
