"""Notebooks 05 and 06: reference networks with published latencies, timed here in LiteRT, and
TFLite's published latencies and accuracies, each row with its source.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import tf_keras as keras

from utils import artifacts, config, progress, training
from utils.quantization.litert import latencies
from utils.quantization.recipe import convert


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
    return {
        "runs": cfg.timing_runs,
        "warmup": cfg.timing_warmup,
        "image_size": cfg.image_size,
        "recipe": "references/1",
    }


@artifacts.register(
    "quantization.references",
    settings=_reference_settings,
    what="the published reference models converted and timed on this machine",
)
def _build_references(folder: Path, settings: dict) -> None:
    rows, models = [], reference_models()
    steps = sum(len(formats) for _, formats in models.values())
    with progress.bar(steps, "the reference models") as bar:
        for name, (model, formats) in models.items():
            _reference_rows(rows, name, model, formats, settings, bar)
    (folder / "references.json").write_text(json.dumps(rows, indent=1))


def _reference_rows(rows: list, name: str, model, formats, settings: dict, bar) -> None:
    """One reference model converted to each of its formats and timed at 1 and 2 threads."""
    rng = np.random.default_rng(0)
    representative = rng.random((REFERENCE_CALIBRATION, *model.input_shape[1:]), np.float32)
    for fmt in formats:
        bar.step(f"{name}, {fmt}: converting, timing")
        content = convert(model, fmt, representative)
        for threads in (1, 2):
            timing = latencies({name: content}, threads, settings["runs"], settings["warmup"])[name]
            rows.append(
                {
                    "model": name,
                    "format": fmt,
                    "threads": threads,
                    "file_bytes": len(content),
                    "p50_ms": timing.median_ms,
                    "p95_ms": timing.p95_ms,
                }
            )
    keras.backend.clear_session()


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
