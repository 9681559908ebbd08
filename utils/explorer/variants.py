"""Notebook 08: the variant grid as the explorer reads it: a variant's bytes on the device, its
validation accuracy and standard error, when two accuracies are within noise, the Pareto front,
the variants a device accepts (an int8-only one takes only full-int8 models) and a variant's time
on a device.
"""

from __future__ import annotations

import math

from utils import latency, quantization, results, verdicts

DOWNLOAD_KEY = "gzip_bytes"  # what a device downloads (it stores the uncompressed file)
ACCURACY_KEY = "validation_accuracy"  # what the explorer chooses on
TEST_KEY = "test_accuracy"  # reported once, for the deployment chosen
NOISE_SE = 2  # accuracies closer than 2 standard errors of their difference are within noise
LATENCY_KEY, P95_KEY = "p50_ms_1t", "p95_ms_1t"  # one image, one thread, measured here in LiteRT
MPH = 60
DAY_S = 86_400

number = results.format_number  # the course's one number formatter


def device_bytes(row: dict) -> int:
    """What the variant occupies on the device: its ``.tflite`` file (stored and mapped as it is,
    uncompressed) plus the runtime's peak activation memory."""
    return row["file_bytes"] + row["activation_bytes"]


def validation_accuracy(row: dict) -> float:
    return row[ACCURACY_KEY]


def accuracy_se(row: dict, split: str = "validation") -> float:
    """One standard error of the row's accuracy on ``split`` (over its ``{split}_images``
    images)."""
    return verdicts.standard_error(row[f"{split}_accuracy"], row[f"{split}_images"])


def within_noise(a: float, se_a: float, b: float, se_b: float) -> bool:
    """Two accuracies no further apart than :data:`NOISE_SE` standard errors of their difference."""
    return abs(a - b) <= NOISE_SE * math.hypot(se_a, se_b)


def dominates(a: dict, b: dict, size=device_bytes, accuracy=validation_accuracy) -> bool:
    """``a`` is no larger and no less accurate than ``b``, and better in one of the two
    (``size`` and ``accuracy`` read a row: by default its device bytes and validation accuracy)."""
    no_worse = size(a) <= size(b) and accuracy(a) >= accuracy(b)
    return no_worse and (size(a) < size(b) or accuracy(a) > accuracy(b))


def pareto_front(rows: list[dict], size=device_bytes, accuracy=validation_accuracy) -> list[dict]:
    """The rows no other row dominates (smaller and at least as accurate, or as small and more
    accurate), smallest first: the only variants worth choosing on size and accuracy."""
    front = [
        row for row in rows if not any(dominates(other, row, size, accuracy) for other in rows)
    ]
    return sorted(front, key=lambda row: (size(row), -accuracy(row)))


INT8_FORMAT = "int8"  # the one format an int8-only device (an NPU, a microcontroller) accepts
# the formats that compute in int8: the converter's and litert_quantizer's (appendix A10). The
# course offers an int8-only device the converter's only, so the capstone keeps one int8 format.
INT8_COMPUTE = (INT8_FORMAT, quantization.QUANTIZER_FORMAT)


def int8_only(device) -> bool:
    """Whether ``device`` accepts only full-int8 models (an NPU such as the Coral Edge TPU, or a
    microcontroller): :attr:`latency.Device.int8_only`, from the device table's ``accepts``
    column."""
    return bool(device.int8_only)


def offered(grid: list[dict], device) -> list[dict]:
    """The variants ``device`` can run: only the full-int8 ones on an int8-only device (float16 and
    dynamic-range models still compute in float), only the measured ones on a device the student
    measured, every variant elsewhere."""
    if device.measured:  # a device the student measured runs what was measured there
        return [row for row in grid if row["variant"] in device.measured]
    return (
        [row for row in grid if row["format"] == INT8_FORMAT] if int8_only(device) else list(grid)
    )


def not_offered_reason(row: dict, device) -> str:
    """Why ``device`` does not run the variant of ``row`` (:func:`offered`)."""
    if device.measured:
        return f"{row['variant']} was not measured on {device.name}"
    return int8_only_reason(row["format"], device.name)


def int8_only_reason(fmt: str, place: str) -> str:
    """Why a ``fmt`` model cannot run on an int8-only device."""
    kind = "dynamic-range (int8 weights, float activations)" if fmt == "dynamic" else fmt
    return f"{place} accepts only full-int8 models, and this one is {kind}"


def device_ms(device: latency.Device, row: dict, grid: list[dict]) -> tuple[float, float]:
    """A variant's median and p95 on ``device``: its LiteRT time here at the thread count the
    device's factor was calibrated with, scaled by the factor of the variant's precision, never
    below the device's per-request floor nor the roofline of the variant's ``flops``
    (:meth:`latency.Device.time_ms`, the same prediction notebooks 06 and 07 make). int8 is
    scaled by an int8 reference; a device without one (no published int8 figure) is credited
    with no int8 gain: its int8 variant takes the float32 variant's time there. A device the
    student measured (``device.measured``) gives the variant's own p50 and p95 measured there.
    """
    if device.measured:
        return device.measured_ms(row, "p50"), device.measured_ms(row, "p95")
    if "flops" not in row:
        raise ValueError(
            f"The row of {row.get('variant', 'this variant')!r} has no 'flops': read the grid "
            "with quantization.grid(), which counts each variant's FLOPs."
        )
    # the variant's own FLOPs: fewer with filters removed; a sparse variant keeps the dense
    # count, since a CPU's dense kernels multiply its zeros too (quantization.variant_flops)
    flops = row["flops"]
    threads = device.here_threads
    # float16 and dynamic-range models compute in float; both full-integer formats in int8
    precision = "int8" if row["format"] in INT8_COMPUTE else "float32"
    if precision == "int8" and device.factors and "int8" not in device.factors:
        row, precision = (
            quantization.grid_row(grid, row["sparsity"], "float32", row["method"]),
            "float32",
        )
    p50 = row.get(f"p50_ms_{threads}t", row[LATENCY_KEY])
    p95 = row.get(f"p95_ms_{threads}t", row[P95_KEY])
    return device.time_ms(p50, precision, flops), device.time_ms(p95, precision, flops)
