"""Notebooks 06-08, on your own device: time the course's LiteRT models where they would run.

This file is copied as it is into the device bundle (``python -m utils device-bundle``) and runs
there on its own: it needs only Python 3, NumPy and ``ai-edge-litert`` (``pip install numpy
ai-edge-litert``), never the course. Run it inside the unpacked bundle folder::

    python3 course_device_benchmark.py            # every variant, 1, 2, 4 ... threads
    python3 course_device_benchmark.py --runs 20  # fewer timed runs (a slow device)

For every ``.tflite`` variant named in ``bundle.json`` it measures the median (p50) and p95 of
one image's inference after a warm-up, at each thread count from 1 up to the CPU count (1, 2, 4,
... and the count itself), and the accuracy on the shipped validation images (one thread). It
writes ``results.json`` (the machine, the timings, the accuracies) and ``outputs.npz`` (every
model's raw output for every image: int8 models' int8 values, to compare across machines), and
prints where the results are. Back on the course machine, ``python -m utils device-import
results.json`` adds the device as a measured row to notebooks 06-08 and the explorer.

Its percentile is the course's (``utils.measure.percentile``: linear between the two nearest
ranks, NumPy's default), and its int8 input is quantized as the course does (x / scale rounded
half away from zero, plus the zero point, clipped to [-128, 127]).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path

FORMAT = "course-device-benchmark"
VERSION = 1
EMULATION_WARNING = (
    "This machine runs under emulation ({why}): the timings below say nothing about any real "
    "device (an emulator translates every instruction); only the outputs and accuracies count."
)


def emulation() -> str | None:
    """Why this looks like an emulated CPU (qemu), or None. ``COURSE_EMULATED=1`` says so too."""
    if os.environ.get("COURSE_EMULATED"):
        return "COURSE_EMULATED is set"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace").lower()
    except OSError:
        cpuinfo = ""
    if "qemu" in cpuinfo:
        return "/proc/cpuinfo names QEMU"
    # qemu-user passes the host's /proc/cpuinfo through: an x86 host's under an arm userland
    arm = platform.machine().lower() in ("aarch64", "arm64") or platform.machine().startswith("arm")
    if arm and ("genuineintel" in cpuinfo or "authenticamd" in cpuinfo):
        return f"an {platform.machine()} userland on an x86 CPU (/proc/cpuinfo)"
    return None


def percentile(values, q: float) -> float:
    """The course's percentile: linear interpolation between the two nearest ranks."""
    import numpy as np

    x = np.sort(np.asarray(values, dtype=float))
    rank = (x.size - 1) * q / 100
    low = int(np.floor(rank))
    high = min(low + 1, x.size - 1)
    return float(x[low] + (rank - low) * (x[high] - x[low]))


def thread_counts(cpus: int) -> list[int]:
    """1, 2, 4, ... below the CPU count, and the count itself."""
    counts, n = [], 1
    while n < cpus:
        counts.append(n)
        n *= 2
    return counts + [max(cpus, 1)]


KERNELS = ("default", "builtin", "reference")  # as utils.quantization.litert names them


def interpreter(path: Path, threads: int, kernels: str = "default"):
    """The model in LiteRT: ``default`` (XNNPACK where it applies), ``builtin`` (LiteRT's own
    optimized kernels) or ``reference`` (its portable reference kernels, slow)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = dict(
        zip(
            KERNELS,
            (
                OpResolverType.AUTO,
                OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
                OpResolverType.BUILTIN_REF,
            ),
        )
    )[kernels]
    model = Interpreter(
        model_path=str(path), num_threads=threads, experimental_op_resolver_type=resolver
    )
    model.allocate_tensors()
    return model


def model_input(model, image):
    """One float image [H, W, 3] in [0, 1] as the model's input batch (int8: quantized)."""
    import numpy as np

    detail = model.get_input_details()[0]
    x = np.asarray(image, np.float32)[None]
    if detail["dtype"] == np.int8:
        scale, zero_point = detail["quantization"]
        ratio = x / np.float32(scale)
        rounded = np.sign(ratio) * np.floor(np.abs(ratio) + 0.5)  # half away from zero
        x = np.clip(rounded + zero_point, -128, 127)
    return x.astype(detail["dtype"])


def outputs(path: Path, images, kernels: str = "default") -> "object":
    """The model's raw output for every image, one thread (int8 models: int8 values)."""
    import numpy as np

    model = interpreter(path, 1, kernels)
    source, sink = model.get_input_details()[0]["index"], model.get_output_details()[0]["index"]
    rows = []
    for image in images:
        model.set_tensor(source, model_input(model, image))
        model.invoke()
        rows.append(model.get_tensor(sink)[0].copy())
    return np.stack(rows)


def timing(path: Path, image, threads: int, runs: int, warmup: int, kernels="default") -> dict:
    """p50 and p95 (ms) of one image's inference at ``threads`` threads, after ``warmup`` runs."""
    model = interpreter(path, threads, kernels)
    model.set_tensor(model.get_input_details()[0]["index"], model_input(model, image))
    for _ in range(warmup):
        model.invoke()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        model.invoke()
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "runs": runs}


def litert_version() -> str:
    try:
        from importlib.metadata import version

        return version("ai-edge-litert")
    except Exception:  # noqa: BLE001 - a build without metadata
        return "unknown"


def machine(emulated: str | None) -> dict:
    import numpy as np

    return {
        "machine": platform.machine(),
        "system": platform.system(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count() or 1,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "ai_edge_litert": litert_version(),
        "emulated": emulated is not None,
        "emulation": emulated,
    }


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", default=str(here), help="the bundle folder (default: here)")
    parser.add_argument("--runs", type=int, default=100, help="timed runs per measurement")
    parser.add_argument("--warmup", type=int, default=10, help="untimed runs first")
    parser.add_argument("--threads", type=int, nargs="*", help="thread counts (default: 1, 2, 4…)")
    parser.add_argument("--variants", nargs="*", help="only these variants (default: all)")
    parser.add_argument("--out", help="the results file (default: results.json in the bundle)")
    parser.add_argument("--kernels", choices=KERNELS, default="default", help="LiteRT's kernels")
    args = parser.parse_args(argv)
    try:
        import numpy as np
        import ai_edge_litert.interpreter  # noqa: F401 - fail here, with the fix, if missing
    except ImportError as error:
        sys.exit(f"{error.name} is missing: pip install numpy ai-edge-litert, then run me again.")
    bundle = Path(args.bundle)
    index = json.loads((bundle / "bundle.json").read_text())
    images = np.load(bundle / index["images"]).astype(np.float32) / 255.0
    labels = np.load(bundle / index["labels"])
    emulated = emulation()
    if emulated:
        print(EMULATION_WARNING.format(why=emulated), flush=True)
    counts = args.threads or thread_counts(os.cpu_count() or 1)
    chosen = [v for v in index["variants"] if not args.variants or v["variant"] in args.variants]
    if not chosen or args.runs < 2 or args.warmup < 0 or min(counts) < 1:
        sys.exit(
            "Name variants from bundle.json, at least 2 runs, 0 or more warm-up runs and "
            "thread counts of 1 or more."
        )
    results = {
        "format": FORMAT,
        "version": VERSION,
        "bundle": {k: index[k] for k in ("course_version", "grid", "profile", "dataset")},
        "machine": machine(emulated),
        "measured": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "images": int(len(labels)),
        "threads": counts,
        "runs": args.runs,
        "kernels": args.kernels,
        "variants": {},
    }
    raw = {}
    for entry in chosen:
        path = bundle / entry["file"]
        out = outputs(path, images, args.kernels)
        raw[entry["variant"]] = out
        correct = int(np.sum(out.argmax(axis=1) == labels))
        timings = {}
        for threads in counts:
            timings[str(threads)] = timing(
                path, images[0], threads, args.runs, args.warmup, args.kernels
            )
        results["variants"][entry["variant"]] = {
            "format": entry["format"],
            "correct": correct,
            "accuracy": correct / len(labels),
            "outputs_sha256": hashlib.sha256(out.tobytes()).hexdigest(),
            "timings": timings,
        }
        best = min(timings.items(), key=lambda item: item[1]["p50_ms"])
        print(
            f"{entry['variant']:>30}: accuracy {correct}/{len(labels)}, p50 "
            f"{best[1]['p50_ms']:.3g} ms at {best[0]} thread(s)",
            flush=True,
        )
    out_path = Path(args.out) if args.out else bundle / "results.json"
    out_path.write_text(json.dumps(results, indent=1))
    np.savez(out_path.with_name("outputs.npz"), **raw)
    if emulated:
        print(EMULATION_WARNING.format(why=emulated))
    print(
        f"Wrote {out_path}: copy it to the course and run "
        f"python -m utils device-import {out_path.name}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
