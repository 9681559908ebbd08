"""Notebooks 05-08, A11: a converted model in LiteRT, the runtime an edge device installs: its
predictions, accuracy and latency through either of LiteRT's APIs (the Interpreter, or LiteRT
2.x's CompiledModel), its int8 weights, and LiteRT's own QUANTIZE.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from ai_edge_litert.compiled_model import CompiledModel
from ai_edge_litert.hardware_accelerator import HardwareAccelerator
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from ai_edge_litert.options import CpuOptions, Options
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


# LiteRT's two Python APIs: ai_edge_litert.interpreter.Interpreter (tf.lite.Interpreter's
# successor, the course's default) and ai_edge_litert.compiled_model.CompiledModel (LiteRT 2.x)
APIS = ("interpreter", "compiled")


def check_api(api: str) -> str:
    if api not in APIS:
        raise ValueError(f"Unknown api {api!r}: use one of {', '.join(APIS)}.")
    return api


class LiteModel:
    """One ``.tflite`` model in LiteRT, the runtime an edge device installs.

    ``api`` picks LiteRT's Python API: ``"interpreter"`` (``Interpreter``: tensors set and read by
    index, then ``invoke``) or ``"compiled"`` (``CompiledModel``: the model compiled once for the
    CPU with ``threads`` threads, inputs and outputs in TensorBuffers it creates, then
    ``run_by_index``). Both run the CPU through XNNPACK. The input's and output's int8 scale and
    zero point are read by the Interpreter in both cases: CompiledModel's tensor details name the
    dtype and shape only."""

    def __init__(self, content: bytes, threads: int = 1, api: str = "interpreter"):
        self.api, self.threads = check_api(api), threads
        self.interpreter = Interpreter(model_content=content, num_threads=threads)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        if api == "interpreter":
            self.interpreter.allocate_tensors()
            return
        self.interpreter = None  # details read; the CompiledModel runs it
        options = Options(HardwareAccelerator.CPU, cpu_options=CpuOptions(num_threads=threads))
        self.compiled = CompiledModel.from_buffer(content, options=options)
        self._inputs = self.compiled.create_input_buffers(0)  # signature 0: serving_default
        self._outputs = self.compiled.create_output_buffers(0)

    def set_input(self, image: np.ndarray) -> None:
        """Put one float image batch [1, H, W, 3] in [0, 1] into the input tensor."""
        if self.input["dtype"] == np.int8:  # the model takes int8: quantize with its own scale
            image = quantize(image, *self.input["quantization"])
        image = np.ascontiguousarray(image, dtype=self.input["dtype"])
        if self.api == "compiled":
            self._inputs[0].write(image)
        else:
            self.interpreter.set_tensor(self.input["index"], image)

    def raw_output(self) -> np.ndarray:
        """The output tensor as the model wrote it (int8 for a full-int8 model)."""
        if self.api == "compiled":
            shape = tuple(self.output["shape"])
            return self._outputs[0].read(int(np.prod(shape)), self.output["dtype"]).reshape(shape)
        return self.interpreter.get_tensor(self.output["index"])

    def _get(self) -> np.ndarray:
        out = self.raw_output()
        if self.output["dtype"] == np.int8:
            return dequantize(out, *self.output["quantization"])
        return out

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Probabilities for float ``images`` [N, H, W, 3] in [0, 1], one invocation per image."""
        return np.stack([self._get()[0] for _ in self._each(images)])

    def predict_raw(self, images: np.ndarray) -> np.ndarray:
        """The output tensor as written (int8 for a full-int8 model) for each of ``images``."""
        return np.stack([self.raw_output()[0] for _ in self._each(images)])

    def _each(self, images: np.ndarray):
        images = np.asarray(images, np.float32)
        expected = tuple(self.input["shape"][1:])
        if images.ndim != 4 or images.shape[1:] != expected:
            shape = ", ".join(map(str, expected))
            raise ValueError(
                f"The images have shape {images.shape}, but the model takes a batch "
                f"of {expected} images: give an array of shape (N, {shape})."
            )
        for image in images:
            self.set_input(image[None])
            self.invoke_once()
            yield image

    def invoke_once(self) -> None:
        """One invocation on whatever input is set (what a latency measurement times)."""
        if self.api == "compiled":
            self.compiled.run_by_index(0, self._inputs, self._outputs)
        else:
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
    content: bytes,
    images: np.ndarray,
    labels: np.ndarray,
    reference: np.ndarray | None = None,
    api: str = "interpreter",
) -> dict[str, float]:
    """Accuracy of a ``.tflite`` model on ``images`` (run through LiteRT's ``api``), and (given
    the Keras model's probabilities ``reference``) the share of images where both pick the same
    class."""
    predicted = LiteModel(content, api=api).predict(images).argmax(axis=1)
    scores = {"accuracy": float(np.mean(predicted == labels))}
    if reference is not None:
        scores["agreement"] = float(np.mean(predicted == np.asarray(reference).argmax(axis=1)))
    return scores


def _timed_call(content: bytes, threads: int, api: str):
    lite = LiteModel(content, threads, api)
    lite.set_input(np.random.default_rng(0).random(tuple(lite.input["shape"]), np.float32))
    return lite.invoke_once


def latencies(
    contents: dict[str, bytes], threads: int, runs: int, warmup: int, api: str = "interpreter"
) -> dict[str, measure.Timing]:
    """One-image latency of each model at ``threads`` threads through LiteRT's ``api``, timed in
    turns (fair under load)."""
    check_api(api)
    calls = {name: _timed_call(content, threads, api) for name, content in contents.items()}
    return measure.time_in_turns(calls, runs, warmup, threads=threads)


def api_latencies(
    content: bytes, threads: int, runs: int, warmup: int
) -> dict[str, measure.Timing]:
    """One-image latency of one model through each of LiteRT's APIs (:data:`APIS`) at
    ``threads`` threads, the same input, timed in turns."""
    calls = {api: _timed_call(content, threads, api) for api in APIS}
    return measure.time_in_turns(calls, runs, warmup, threads=threads)
