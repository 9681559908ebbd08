"""Stage 5: int8 with TFLite — converting a Keras model, running it in the LiteRT interpreter, and
measuring what each format does to size, accuracy and latency."""

from __future__ import annotations

import csv
import gzip
import json
import math
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf_keras as keras
from ai_edge_litert.interpreter import Interpreter
from tensorflow.lite.python import schema_py_generated as schema

from utils import artifacts, config, data, measure, pruning, training

FORMATS = ("float32", "float16", "dynamic", "int8")
tf.get_logger().setLevel("ERROR")  # the converter logs every temporary SavedModel it writes

# ---------------------------------------------------------------- conversion


def calibration_images(count: int, split: str = "train") -> np.ndarray:
    """The first ``count`` images of ``split`` as floats in [0, 1]: the representative dataset
    from which full-integer conversion learns each activation's range."""
    if count < 1:
        raise ValueError(f"count={count}: full-integer conversion needs at least 1 calibration image.")
    images = [image for image, _ in data.load(split).take(count).as_numpy_iterator()]
    return np.stack(images).astype(np.float32) / 255.0


def convert(model: keras.Model, fmt: str, representative: np.ndarray | None = None) -> bytes:
    """The ``.tflite`` flatbuffer of ``model`` in one of :data:`FORMATS`.

    ``float16`` stores the weights as float16; ``dynamic`` (dynamic-range) stores them as int8
    and quantizes activations on the fly; ``int8`` is full-integer, with int8 input and output,
    and needs ``representative`` images (float, the model's input shape) for the activations.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if fmt != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if fmt == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if fmt == "int8":
        images = _representative(model, representative)
        converter.representative_dataset = lambda: ([image[None]] for image in images)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


def _representative(model: keras.Model, images: np.ndarray | None) -> np.ndarray:
    if images is None or len(images) == 0:
        raise ValueError("int8 conversion got no representative images: pass some training images, "
                         "e.g. quantization.calibration_images(100).")
    images = np.asarray(images, np.float32)
    expected = tuple(model.input_shape[1:])
    if images.shape[1:] != expected:
        raise ValueError(f"The representative images have shape {images.shape[1:]}, but the model "
                         f"takes {expected}: give images of the model's input size.")
    return images


def round_half_away(v) -> np.ndarray:
    """Round to the nearest whole number, a tie (x.5) away from zero: C's ``std::round``, which
    TFLite calls ``TfLiteRound``. (NumPy's ``np.round`` sends a tie to the even neighbour.)"""
    v = np.asarray(v)
    whole = np.floor(np.abs(v))
    return np.sign(v) * (whole + (np.abs(v) - whole >= 0.5))


def quantize(x, scale, zero_point) -> np.ndarray:
    """Float → int8 as TFLite's converter and reference kernel do it: ``x / scale`` in float32,
    rounded half away from zero, plus ``zero_point``, clipped to [-128, 127]."""
    ratio = np.asarray(x, np.float32) / np.asarray(scale, np.float32)
    return np.clip(round_half_away(ratio) + zero_point, -128, 127).astype(np.int8)


def dequantize(q, scale, zero_point) -> np.ndarray:
    """int8 → float: ``(q - zero_point) * scale`` (scale and zero point may be per channel)."""
    return ((np.asarray(q, np.float64) - zero_point) * scale).astype(np.float32)


# ---------------------------------------------------------------- the LiteRT interpreter

KERNELS = ("reference", "builtin", "default")  # LiteRT's reference kernels, its optimized ones, and XNNPACK


def _op_resolver(kernels: str):
    from ai_edge_litert.interpreter import OpResolverType

    resolvers = {"reference": OpResolverType.BUILTIN_REF,
                 "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
                 "default": OpResolverType.AUTO}
    if kernels not in resolvers:
        raise ValueError(f"Unknown kernels {kernels!r}: use one of {', '.join(KERNELS)}.")
    return resolvers[kernels]


def quantize_in_litert(x, scale: float, zero_point: int, kernels: str = "reference") -> np.ndarray:
    """The int8 values LiteRT's own QUANTIZE operator gives for float ``x`` with this ``scale``
    and ``zero_point``: a one-operator ``.tflite`` model, built here, run in the interpreter.
    ``kernels`` picks the implementation: ``"reference"`` (TFLite's reference kernel),
    ``"builtin"`` (its optimized kernel) or ``"default"`` (what ``Interpreter()`` uses on a CPU:
    the XNNPACK delegate). They agree except on exact ties, which they may round differently."""
    import flatbuffers

    values = np.asarray(x, np.float32)
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.QUANTIZE
    code.version = 1
    tensors = []
    for name, dtype in (("x", schema.TensorType.FLOAT32), ("q", schema.TensorType.INT8)):
        tensor = schema.TensorT()
        tensor.name, tensor.shape, tensor.type, tensor.buffer = name, [max(values.size, 1)], dtype, 0
        tensors.append(tensor)
    tensors[1].quantization = schema.QuantizationParametersT()
    tensors[1].quantization.scale, tensors[1].quantization.zeroPoint = [float(scale)], [int(zero_point)]
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    graph = schema.SubGraphT()
    graph.tensors, graph.inputs, graph.outputs, graph.operators = tensors, [0], [1], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs, model.buffers = 3, [code], [graph], [schema.BufferT()]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    interpreter = Interpreter(model_content=bytes(builder.Output()),
                              experimental_op_resolver_type=_op_resolver(kernels))
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], values.reshape(-1))
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).reshape(values.shape)



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
            raise ValueError(f"The images have shape {images.shape}, but the model takes a batch of "
                             f"{expected} images: give an array of shape (N, {', '.join(map(str, expected))}).")
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
        found.append({"name": tensor["name"], "shape": tuple(int(d) for d in tensor["shape"]), "values": values,
                      "scales": q["scales"], "zero_points": q["zero_points"],
                      "axis": q["quantized_dimension"]})
    return found


# ---------------------------------------------------------------- sizes, accuracy, latency

_NUMPY_TYPES = {schema.TensorType.FLOAT32: np.float32, schema.TensorType.FLOAT16: np.float16,
                schema.TensorType.INT8: np.int8, schema.TensorType.INT32: np.int32}
# Operators whose constant inputs are parameters (weights and biases); float16 weights reach
# their layer through a DEQUANTIZE. Other constants (a reshape's target shape) are not counted.
_WEIGHTED_OPS = {schema.BuiltinOperator.CONV_2D, schema.BuiltinOperator.DEPTHWISE_CONV_2D,
                 schema.BuiltinOperator.FULLY_CONNECTED, schema.BuiltinOperator.TRANSPOSE_CONV,
                 schema.BuiltinOperator.DEQUANTIZE}


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
    return {"file_bytes": len(content), "gzip_bytes": len(gzip.compress(content, compresslevel=9)),
            "nonzero_bytes": nonzero}


_TYPE_BYTES = {schema.TensorType.FLOAT32: 4, schema.TensorType.FLOAT16: 2, schema.TensorType.INT32: 4,
               schema.TensorType.UINT8: 1, schema.TensorType.INT64: 8, schema.TensorType.BOOL: 1,
               schema.TensorType.INT16: 2, schema.TensorType.INT8: 1, schema.TensorType.FLOAT64: 8}


def peak_live_bytes(tensor_bytes: dict[int, int], ops: list[tuple[list[int], list[int]]],
                    graph_inputs: list[int], graph_outputs: list[int], persistent=()) -> int:
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
    return max((sum(tensor_bytes[t] for t in tensor_bytes if t in first and first[t] <= i <= last[t])
                for i in range(max(len(ops), 1))), default=0)


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
        if (max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) == schema.BuiltinOperator.DEQUANTIZE
                and all(t in constant for t in inputs)):
            persistent += outputs  # computed once at load, kept for every run
        ops.append((inputs, outputs))
    return peak_live_bytes(tensor_bytes, ops, graph.InputsAsNumpy().tolist(), graph.OutputsAsNumpy().tolist(),
                           persistent)


def split_arrays(split: str) -> tuple[np.ndarray, np.ndarray]:
    """All of ``split`` as float images in [0, 1] and integer labels."""
    pairs = list(data.load(split).as_numpy_iterator())
    return (np.stack([image for image, _ in pairs]).astype(np.float32) / 255.0,
            np.array([label for _, label in pairs]))


def evaluate(content: bytes, images: np.ndarray, labels: np.ndarray,
             reference: np.ndarray | None = None) -> dict[str, float]:
    """Accuracy of a ``.tflite`` model on ``images``, and (given the Keras model's probabilities
    ``reference``) the share of images where both pick the same class."""
    predicted = LiteModel(content).predict(images).argmax(axis=1)
    scores = {"accuracy": float(np.mean(predicted == labels))}
    if reference is not None:
        scores["agreement"] = float(np.mean(predicted == np.asarray(reference).argmax(axis=1)))
    return scores


def latencies(contents: dict[str, bytes], threads: int, runs: int, warmup: int) -> dict[str, measure.Timing]:
    """One-image latency of each model at ``threads`` threads, timed in turns (fair under load)."""
    calls = {}
    for name, content in contents.items():
        lite = LiteModel(content, threads)
        shape = tuple(lite.input["shape"])
        lite.set_input(np.random.default_rng(0).random(shape, np.float32))
        calls[name] = lite.invoke_once
    return measure.time_in_turns(calls, runs, warmup, threads=threads)


# ---------------------------------------------------------------- the variant grid (notebooks 05, 08)

GRID_SPARSITIES = (0.0, 0.5, 0.8, 0.9)  # of magnitude pruning, from the sweep of notebook 04
GRID_FILTERS_REMOVED = 0.5  # half of every layer's filters removed by notebook 04's best criterion
CALIBRATION_IMAGES = 100
RUNS_PER_TIMING = 4  # × the profile's timing runs: one call takes well under a millisecond
GRID_FILE = "grid.json"


def _grid_settings() -> dict:
    return {"sweep": artifacts.path("pruning.sweep").name, "sparsities": GRID_SPARSITIES,
            "channels": artifacts.path("pruning.channels").name,
            "filters_removed": GRID_FILTERS_REMOVED, "calibration": CALIBRATION_IMAGES,
            "formats": FORMATS, "recipe": "grid/4"}


def _label(method: str, sparsity: float, fmt: str) -> str:
    if method == "filters":
        return f"{sparsity:.0%} filters removed {fmt}"
    return f"dense {fmt}" if sparsity == 0 else f"{sparsity:.0%} pruned {fmt}"


def filters_removed_model(fraction: float) -> keras.Model:
    """The trained model without ``fraction`` of each layer's filters: notebook 04's best
    structured model (the channel criterion chosen on validation, pruned and fine-tuned in steps)."""
    return pruning.best_channel_model(fraction)


def variant_scores(content: bytes, splits: dict[str, tuple[np.ndarray, np.ndarray]],
                   reference: np.ndarray) -> dict:
    """One grid row's measurements of a converted model: accuracy on each split in ``splits``
    (``validation`` and ``test`` always; ``novel_accuracy`` None when there is no novel split),
    the image counts, agreement with the Keras model's test ``reference``, the three sizes and
    the estimated peak activation bytes."""
    test = evaluate(content, *splits["test"], reference)
    return {"validation_accuracy": evaluate(content, *splits["validation"])["accuracy"],
            "test_accuracy": test["accuracy"],
            "novel_accuracy": evaluate(content, *splits["novel"])["accuracy"] if "novel" in splits else None,
            "validation_images": len(splits["validation"][1]), "test_images": len(splits["test"][1]),
            "agreement": test["agreement"], **sizes(content), "activation_bytes": activation_bytes(content)}


@artifacts.register("quantization.grid", settings=_grid_settings)
def _build_grid(folder: Path, settings: dict) -> None:
    cfg = config.settings()
    sweep_folder = artifacts.get("pruning.sweep")
    sources = {("magnitude", s): keras.models.load_model(sweep_folder / f"sparsity_{round(100 * s)}.keras")
               for s in settings["sparsities"]}
    sources["filters", settings["filters_removed"]] = filters_removed_model(settings["filters_removed"])
    representative = calibration_images(settings["calibration"])
    splits = {split: split_arrays(split) for split in ("validation", "test", "novel")
              if split != "novel" or data.has_split("novel")}
    rows, contents = [], {}
    for (method, sparsity), model in sources.items():
        reference = model.predict(splits["test"][0], batch_size=256, verbose=0)
        for fmt in settings["formats"]:
            print(f"{_label(method, sparsity, fmt)} ...", flush=True)
            content = convert(model, fmt, representative)
            name = _label(method, sparsity, fmt)
            (folder / f"{name.replace(' ', '_').replace('%', 'pc')}.tflite").write_bytes(content)
            rows.append({"variant": name, "method": method, "sparsity": sparsity, "format": fmt,
                         **variant_scores(content, splits, reference)})
            contents[name] = content
    for threads in (1, 2):
        timings = latencies(contents, threads, RUNS_PER_TIMING * cfg.timing_runs, cfg.timing_warmup)
        for row in rows:
            row[f"p50_ms_{threads}t"] = timings[row["variant"]].median_ms
            row[f"p95_ms_{threads}t"] = timings[row["variant"]].p95_ms
    (folder / GRID_FILE).write_text(json.dumps(rows, indent=1))


def grid() -> list[dict]:
    """Every measured variant (built and cached the first time): pruning method and sparsity ×
    format, with validation, test and novel accuracy (``novel_accuracy`` is None when the dataset
    has no novel split), the image counts behind them, agreement with the Keras model, three
    sizes, the estimated peak ``activation_bytes``, and latency at 1 and 2 threads."""
    return json.loads((artifacts.get("quantization.grid") / GRID_FILE).read_text())


def grid_row(rows: list[dict], sparsity: float, fmt: str, method: str = "magnitude") -> dict:
    """The row of ``rows`` for one variant."""
    for row in rows:
        if row["method"] == method and row["format"] == fmt and np.isclose(row["sparsity"], sparsity):
            return row
    raise ValueError(f"The grid has no {_label(method, sparsity, fmt)!r} variant: choose a sparsity "
                     f"from {sorted({r['sparsity'] for r in rows if r['method'] == method})} and a "
                     f"format from {', '.join(FORMATS)}.")


# ---------------------------------------------------------------- reference networks measured here

REFERENCE_CALIBRATION = 8  # random images: these untrained models are only timed


def reference_models() -> dict[str, tuple[keras.Model, tuple[str, ...]]]:
    """Networks with published latencies elsewhere, untrained (nothing downloads), and the
    formats to measure each in."""
    size = config.settings().image_size
    return {
        "mobilenet_v1_1.0_224": (keras.applications.MobileNet(weights=None), ("float32", "int8")),
        f"mobilenet_v2_0.35_{size}": (training.mobilenet_v2(3, size), ("float32", "int8")),
        "resnet50_224": (keras.applications.ResNet50(weights=None), ("float32",)),
    }


def _reference_settings() -> dict:
    cfg = config.settings()
    return {"runs": cfg.timing_runs, "warmup": cfg.timing_warmup, "image_size": cfg.image_size,
            "recipe": "references/1"}


@artifacts.register("quantization.references", settings=_reference_settings)
def _build_references(folder: Path, settings: dict) -> None:
    rows = []
    for name, (model, formats) in reference_models().items():
        rng = np.random.default_rng(0)
        representative = rng.random((REFERENCE_CALIBRATION, *model.input_shape[1:]), np.float32)
        for fmt in formats:
            print(f"{name} {fmt} ...", flush=True)
            content = convert(model, fmt, representative)
            for threads in (1, 2):
                timing = latencies({name: content}, threads, settings["runs"], settings["warmup"])[name]
                rows.append({"model": name, "format": fmt, "threads": threads, "file_bytes": len(content),
                             "p50_ms": timing.median_ms, "p95_ms": timing.p95_ms})
        keras.backend.clear_session()
    (folder / "references.json").write_text(json.dumps(rows, indent=1))


def reference_latencies() -> list[dict]:
    """Published reference networks timed here in LiteRT (built and cached the first time)."""
    return json.loads((artifacts.get("quantization.references") / "references.json").read_text())


def _published(filename: str, numbers: tuple[str, ...]) -> list[dict]:
    with open(config.DATA_DIR / filename, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row.update({key: float(row[key]) for key in numbers})
    return rows


def published_latencies() -> list[dict]:
    """TFLite's published CPU latencies of MobileNet v1 on phones (``data/tflite_benchmarks.csv``),
    each row with its device, thread count, source, and what it measured: ``format`` ``float32``
    (the float model) or ``quant`` (the quantization-aware trained uint8 model), as ``technique``
    and ``precision`` say."""
    rows = _published("tflite_benchmarks.csv", ("latency_ms",))
    for row in rows:
        row["threads"] = int(row["threads"])
    return rows


def published_quantization_results() -> list[dict]:
    """TFLite's published top-1 accuracy and Pixel 2 latency of MobileNet v1 and v2
    (``data/tflite_quantization_results.csv``), one row per figure, each labelled with the
    ``technique`` and ``precision`` it measured: the float model, post-training *weight-only*
    (hybrid) quantization, and quantization-aware training (uint8), with its source."""
    return _published("tflite_quantization_results.csv", ("value",))


# ---------------------------------------------------------------- one int8 convolution, step by step
# A CONV_2D with int8 input, per-channel int8 weights (zero point 0), int32 bias and int8 output:
#   accumulator = Σ (x − x_zero) · w + bias       (int32; SAME padding: the border is the real 0)
#   output      = clamp(round(accumulator × multiplier) + y_zero)   per output channel
# LiteRT's default CPU path (the XNNPACK delegate) computes the multiplier in float32 as
# (x_scale × w_scale) / y_scale (XNNPACK src/operators/convolution-nhwc.c), multiplies the
# accumulator converted to float32 by it and rounds to nearest, a tie to even
# (_mm512_cvtps_epi32, lrintf, vcvtnq: the "fp32" requantization of every qs8-qc8w kernel).
# TFLite's builtin and reference kernels instead use a fixed-point multiplier
# (QuantizeMultiplier, then MultiplyByQuantizedMultiplier: SaturatingRoundingDoublingHighMul and
# RoundingDivideByPOT). The two differ by one step on a few outputs.

CONV_STAGES = ("accumulator", "multiplier", "scaled", "output")


def conv_accumulator(x, x_zero: int, weights, bias) -> np.ndarray:
    """The int32 accumulator of a 3×3 (or k×k), stride-1, SAME-padded convolution: ``x`` int8
    (N, H, W, C), ``weights`` int8 (out, k, k, C) as TFLite stores them, ``bias`` int32 (out,)."""
    w = np.asarray(weights).astype(np.int64)
    k = w.shape[1]
    pad = k // 2
    shifted = np.pad(np.asarray(x).astype(np.int64) - int(x_zero), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    height, width = np.asarray(x).shape[1:3]
    accumulator = np.zeros(np.asarray(x).shape[:3] + (w.shape[0],), np.int64)
    for i in range(k):
        for j in range(w.shape[2]):
            accumulator += np.einsum("nhwc,oc->nhwo", shifted[:, i:i + height, j:j + width], w[:, i, j])
    return (accumulator + np.asarray(bias, np.int64)).astype(np.int32)


def conv_multiplier(x_scale: float, w_scales, y_scale: float) -> np.ndarray:
    """The per-channel requantization multiplier as XNNPACK computes it: float32
    ``(x_scale × w_scale) / y_scale``."""
    return (np.float32(x_scale) * np.asarray(w_scales, np.float32)) / np.float32(y_scale)


def quantize_multiplier(real: float) -> tuple[int, int]:
    """TFLite's ``QuantizeMultiplier``: ``real ≈ quantized × 2^(shift − 31)``, ``quantized`` an
    int32 in [2^30, 2^31)."""
    if real == 0:
        return 0, 0
    fraction, shift = math.frexp(float(real))
    quantized = int(round_half_away(fraction * (1 << 31)))
    if quantized == 1 << 31:
        quantized //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return quantized, shift


def multiply_by_quantized_multiplier(accumulator, real_multiplier) -> np.ndarray:
    """TFLite's builtin-kernel requantization of an int32 ``accumulator`` (last axis: channels)
    by the per-channel ``real_multiplier`` (float64 ``x_scale × w_scale / y_scale``): a
    fixed-point multiply that rounds twice (SaturatingRoundingDoublingHighMul, then
    RoundingDivideByPOT), as in tensorflow/lite/kernels/internal/common.h."""
    acc = np.asarray(accumulator, np.int64)
    multipliers = np.broadcast_to(np.asarray(real_multiplier, np.float64), acc.shape[-1:])
    out = np.empty_like(acc)
    for channel, real in enumerate(multipliers):
        quantized, shift = quantize_multiplier(real)
        a = acc[..., channel] * (1 << max(shift, 0))
        product = a * quantized
        nudged = product + np.where(product >= 0, 1 << 30, 1 - (1 << 30))
        high = np.where(nudged >= 0, nudged // (1 << 31), -((-nudged) // (1 << 31)))  # C's truncation
        exponent = max(-shift, 0)
        mask = (1 << exponent) - 1
        threshold = (mask >> 1) + (high < 0)
        out[..., channel] = (high >> exponent) + ((high & mask) > threshold)
    return out


def int8_conv_stages(x, layer: dict, kernels: str = "default") -> dict[str, np.ndarray]:
    """The course's reference int8 convolution, stage by stage (:data:`CONV_STAGES`). ``layer``
    holds ``weights``, ``bias``, ``x_scale``, ``x_zero``, ``w_scales``, ``y_scale``, ``y_zero``
    and ``relu`` (a fused ReLU clamps at ``y_zero``, the real 0). ``kernels="default"`` rounds as
    LiteRT's default XNNPACK path does (float32, a tie to even); ``"builtin"`` as TFLite's builtin
    and reference kernels do (fixed point)."""
    accumulator = conv_accumulator(x, layer["x_zero"], layer["weights"], layer["bias"])
    multiplier = conv_multiplier(layer["x_scale"], layer["w_scales"], layer["y_scale"])
    scaled = accumulator.astype(np.float32) * multiplier
    if kernels == "default":
        rounded = np.rint(scaled)
    elif kernels in ("builtin", "reference"):
        real = np.float64(np.float32(layer["x_scale"])) * np.asarray(layer["w_scales"], np.float64) / np.float64(
            np.float32(layer["y_scale"]))
        rounded = multiply_by_quantized_multiplier(accumulator, real)
    else:
        raise ValueError(f"Unknown kernels {kernels!r}: use 'default' or 'builtin'.")
    low = int(layer["y_zero"]) if layer.get("relu") else -128
    output = np.clip(rounded + int(layer["y_zero"]), low, 127).astype(np.int8)
    return {"accumulator": accumulator, "multiplier": multiplier, "scaled": scaled, "output": output}


def tie_probe() -> tuple[np.ndarray, dict]:
    """A small hand-made int8 convolution whose scaled values include exact ties (x.5), a
    negative result and one beyond the int8 range, so that a rounding rule, a zero point or a
    clamp that is off shows up even where the real layer has (almost) no ties."""
    x = np.array([[[[4, 2], [3, 3]], [[5, 1], [2, 6]]]], np.int8)  # (1, 2, 2, 2)
    weights = np.zeros((4, 3, 3, 2), np.int8)
    weights[:, 1, 1] = [[1, 0], [0, 1], [-3, 0], [127, 127]]  # the centre tap only
    weights[1, 0, 0] = [2, -1]  # one off-centre tap: the border (padding) counts
    layer = {"weights": weights, "bias": np.array([0, 3, -1, 0], np.int32), "x_scale": 0.5, "x_zero": 3,
             "w_scales": np.array([1.0, 1.0, 0.5, 2.0], np.float32), "y_scale": 1.0, "y_zero": -10, "relu": True}
    return x, layer


# ---------------------------------------------------------------- 8-bit floats against int8

WEIGHT_FORMATS = ("float8 E4M3", "float8 E5M2", "int8 per channel")
# TensorFlow's fp8 dtypes (their NumPy types are ml_dtypes', which TensorFlow installs).
FP8_DTYPES = {"float8 E4M3": tf.dtypes.experimental.float8_e4m3fn, "float8 E5M2": tf.dtypes.experimental.float8_e5m2}


def round_weights(kernel, fmt: str) -> np.ndarray:
    """``kernel`` (float32, output channels last) rounded to an 8-bit format and turned back
    into float32. fp8 uses one scale per tensor, as FP8 recipes do (the tensor's largest
    magnitude maps to the format's largest finite value); int8 one scale per output channel
    (``max|w| / 127``, zero point 0), as TFLite does."""
    w = np.asarray(kernel, np.float32)
    if fmt == "int8 per channel":
        scale = np.abs(w).reshape(-1, w.shape[-1]).max(axis=0) / 127
        scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
        return (np.clip(round_half_away(w / scale), -127, 127) * scale).astype(np.float32)
    if fmt not in FP8_DTYPES:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(WEIGHT_FORMATS)}.")
    dtype = FP8_DTYPES[fmt]
    amax = float(np.abs(w).max())
    scale = np.float32(float(dtype.max) / amax) if amax > 0 else np.float32(1)
    return ((w * scale).astype(dtype.as_numpy_dtype).astype(np.float32) / scale).astype(np.float32)


def rounding_errors(kernels: list[np.ndarray], fmt: str) -> dict[str, float]:
    """Mean and largest absolute error of rounding every kernel to ``fmt``, and the median
    error relative to each weight's magnitude (over the non-zero weights)."""
    errors, relative = [], []
    for kernel in kernels:
        rounded = round_weights(kernel, fmt)
        error = np.abs(rounded - kernel).ravel()
        errors.append(error)
        nonzero = np.abs(kernel).ravel() > 0
        relative.append(error[nonzero] / np.abs(kernel).ravel()[nonzero])
    error, relative = np.concatenate(errors), np.concatenate(relative)
    return {"mean_abs_error": float(error.mean()), "max_abs_error": float(error.max()),
            "median_relative_error": float(measure.percentile(relative, 50))}
