"""Notebooks 05 and 08: the variant grid, every pruned model of notebooks 04a and 04b in every
format, measured (accuracy, agreement, sizes, latency) and cached.
"""

from __future__ import annotations

import functools
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import tf_keras as keras

from utils import artifacts, config, data, progress, pruning, training
from utils.quantization.conversion import calibration_images
from utils.quantization.footprint import activation_bytes, sizes
from utils.quantization.litert import evaluate, latencies, split_arrays
from utils.quantization.quantizer import QUANTIZER_FORMAT, two_step
from utils.quantization.recipe import FORMATS, convert


GRID_SPARSITIES = (0.0, 0.5, 0.8, 0.9)  # of magnitude pruning, from the sweep of notebook 04a
GRID_FILTERS_REMOVED = 0.5  # half of every layer's filters removed by notebook 04b's criterion
CALIBRATION_IMAGES = 100
RUNS_PER_TIMING = 4  # × the profile's timing runs: one call takes well under a millisecond
GRID_FILE = "grid.json"
# the converter's formats (notebook 05), then the float32 model quantized by litert_quantizer
# (appendix A10): the same calibration images, a full-integer model of the two-step path
GRID_FORMATS = (*FORMATS, QUANTIZER_FORMAT)


def _grid_settings() -> dict:
    return {
        "sweep": artifacts.path("pruning.sweep").name,
        "sparsities": GRID_SPARSITIES,
        "channels": artifacts.path("pruning.channels").name,
        "filters_removed": GRID_FILTERS_REMOVED,
        "calibration": CALIBRATION_IMAGES,
        "formats": GRID_FORMATS,
        "recipe": "grid/5",
    }


def _label(method: str, sparsity: float, fmt: str) -> str:
    if method == "filters":
        return f"{sparsity:.0%} filters removed {fmt}"
    return f"dense {fmt}" if sparsity == 0 else f"{sparsity:.0%} pruned {fmt}"


def file_stem(name: str) -> str:
    """A variant's file name without ``.tflite`` (the grid's folder holds ``<stem>.tflite``):
    ``dense int8 (quantizer)`` → ``dense_int8_quantizer``, ``50% pruned float16`` →
    ``50pc_pruned_float16``."""
    stem = name.replace(" ", "_").replace("%", "pc")
    return stem.replace("(", "").replace(")", "")


def filters_removed_model(fraction: float) -> keras.Model:
    """The trained model without ``fraction`` of each layer's filters: notebook 04b's
    structured model (the channel criterion chosen on validation, pruned and fine-tuned in
    steps)."""
    return pruning.best_channel_model(fraction)


def variant_scores(
    content: bytes, splits: dict[str, tuple[np.ndarray, np.ndarray]], reference: np.ndarray
) -> dict:
    """One grid row's measurements of a converted model: accuracy on each split in ``splits``
    (``validation`` and ``test`` always; ``novel_accuracy`` None when there is no novel split),
    the image counts, agreement with the Keras model's test ``reference``, the three sizes and
    the estimated peak activation bytes."""
    # each split in its own interpreter, side by side on the CPU's cores (LiteRT lets go of
    # Python's lock while it computes): the same predictions as one after another
    jobs = {
        name: (*arrays, reference if name == "test" else None) for name, arrays in splits.items()
    }
    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
        scores = dict(zip(jobs, pool.map(lambda job: evaluate(content, *job), jobs.values())))
    test = scores["test"]
    return {
        "validation_accuracy": scores["validation"]["accuracy"],
        "test_accuracy": test["accuracy"],
        "novel_accuracy": scores["novel"]["accuracy"] if "novel" in scores else None,
        "validation_images": len(splits["validation"][1]),
        "test_images": len(splits["test"][1]),
        "agreement": test["agreement"],
        **sizes(content),
        "activation_bytes": activation_bytes(content),
    }


@artifacts.register(
    "quantization.grid",
    settings=_grid_settings,
    what="every pruned variant converted to each format, evaluated and timed",
)
def _build_grid(folder: Path, settings: dict) -> None:
    cfg = config.settings()
    sweep_folder = artifacts.get("pruning.sweep")
    sources = {
        ("magnitude", s): keras.models.load_model(sweep_folder / f"sparsity_{round(100 * s)}.keras")
        for s in settings["sparsities"]
    }
    removed = settings["filters_removed"]
    sources["filters", removed] = filters_removed_model(removed)
    representative = calibration_images(settings["calibration"])
    splits = {
        split: split_arrays(split)
        for split in ("validation", "test", "novel")
        if split != "novel" or data.has_split("novel")
    }
    rows, contents = [], {}
    with progress.bar(len(sources) * len(settings["formats"]) + 2, "the variant grid") as bar:
        for (method, sparsity), model in sources.items():
            reference = model.predict(splits["test"][0], batch_size=256, verbose=0)
            for fmt in settings["formats"]:
                name = _label(method, sparsity, fmt)
                bar.step(f"{name}: converting, evaluating")
                if fmt == QUANTIZER_FORMAT:  # the float32 file just written, then the quantizer
                    content = two_step(
                        contents[_label(method, sparsity, "float32")], representative
                    )
                else:
                    content = convert(model, fmt, representative)
                (folder / f"{file_stem(name)}.tflite").write_bytes(content)
                rows.append(
                    {
                        "variant": name,
                        "method": method,
                        "sparsity": sparsity,
                        "format": fmt,
                        **variant_scores(content, splits, reference),
                    }
                )
                contents[name] = content
        for threads in (1, 2):
            bar.step(f"timing every variant in turns, {threads} thread{'s' * (threads > 1)}")
            runs = RUNS_PER_TIMING * cfg.timing_runs
            timings = latencies(contents, threads, runs, cfg.timing_warmup)
            for row in rows:
                row[f"p50_ms_{threads}t"] = timings[row["variant"]].median_ms
                row[f"p95_ms_{threads}t"] = timings[row["variant"]].p95_ms
    (folder / GRID_FILE).write_text(json.dumps(rows, indent=1))


def _source_model(method: str, sparsity: float) -> keras.Model:
    """The Keras model a grid variant was converted from (as :func:`_build_grid` loads it)."""
    if method == "filters":
        return filters_removed_model(sparsity)
    return keras.models.load_model(
        artifacts.get("pruning.sweep") / f"sparsity_{round(100 * sparsity)}.keras"
    )


@functools.lru_cache(maxsize=32)
def _flops(grid_folder: str, method: str, sparsity: float) -> int:
    # grid_folder (the artifact's folder, named by its settings) only keys the cache
    return training.forward_flops(_source_model(method, sparsity))


def _architecture(method: str, sparsity: float) -> tuple[str, float]:
    """The variant whose model has the same layer shapes: every magnitude-pruned variant has the
    dense model's (pruning zeroes weights, keeps shapes), so one model load counts them all."""
    return (method, float(sparsity)) if method == "filters" else ("magnitude", 0.0)


def variant_flops(method: str, sparsity: float) -> int:
    """One forward pass's FLOPs (:func:`training.forward_flops`, a multiply-add counted as 2) of a
    grid variant, counted from the Keras model it was converted from; every format of a variant
    has the same count (an int8 multiply-add counts as 2 operations, as the int8 references'
    GFLOPs do). Removing filters shrinks the layers, so a filters-removed variant counts fewer.
    Magnitude pruning only zeroes weights: every tensor keeps its shape and the course converts
    without TFLite's experimental sparsity, so a CPU's dense kernels multiply the zeros like any
    weight and a sparse variant keeps the dense model's FLOPs (its measured time here shows
    whatever it does gain). The devices' roofline (:meth:`latency.Device.time_ms`) reads them."""
    return _flops(artifacts.path("quantization.grid").name, *_architecture(method, sparsity))


def grid() -> list[dict]:
    """Every measured variant (built and cached the first time): pruning method and sparsity ×
    format (:data:`GRID_FORMATS`: the converter's four, then ``int8 (quantizer)``), with
    validation, test and novel accuracy (``novel_accuracy`` is None when the dataset has no novel
    split), the image counts behind them, agreement with the Keras model, three
    sizes, the estimated peak ``activation_bytes``, latency at 1 and 2 threads, and ``flops``
    (:func:`variant_flops`, counted when the grid is read: the cached artifact is unchanged)."""
    rows = json.loads((artifacts.get("quantization.grid") / GRID_FILE).read_text())
    for row in rows:
        row["flops"] = variant_flops(row["method"], row["sparsity"])
    return rows


def grid_row(rows: list[dict], sparsity: float, fmt: str, method: str = "magnitude") -> dict:
    """The row of ``rows`` for one variant."""
    for row in rows:
        if (
            row["method"] == method
            and row["format"] == fmt
            and np.isclose(row["sparsity"], sparsity)
        ):
            return row
    sparsities = sorted({r["sparsity"] for r in rows if r["method"] == method})
    raise ValueError(
        f"The grid has no {_label(method, sparsity, fmt)!r} variant: choose a "
        f"sparsity from {sparsities} and a "
        f"format from {', '.join(GRID_FORMATS)}."
    )
