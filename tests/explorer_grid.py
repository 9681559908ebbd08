"""Notebook 08's explorer tests: a synthetic variant grid (the keys ``quantization.grid()``
documents), the device table, a hand-made int8-only NPU, the capstone's constraints, and the
default payload without building the dataset. The test modules import the fixtures from here.
"""

import pytest

from utils import explorer, latency
from utils.explorer import model

FORMATS = ("float32", "float16", "dynamic", "int8")
PAYLOAD = 1_600.0  # bytes: the JPEG crop in these tests (the real one needs the dataset)
IMAGES = 1000  # validation and test images behind each accuracy
# FLOPs of one forward pass, as quantization.variant_flops counts them: about the course model's
# (82.6 MFLOP) for every magnitude-pruned variant (sparsity keeps the dense count), and about a
# quarter of it with half of each layer's filters removed (inputs and outputs both halve)
FLOPS = {"magnitude": 82.6e6, "filters": 22.4e6}


def make_row(method, sparsity, fmt, accuracy, size_bytes, p50_ms=1.0, novel=True):
    """A grid row with exactly the keys quantization.grid() documents; ``size_bytes`` on the
    device: a file of 4/5 of it and peak activations of 1/5, gzipped to half the file."""
    name = f"{sparsity:.0%} {'filters removed' if method == 'filters' else 'pruned'} {fmt}"
    activations = size_bytes // 5
    return {
        "variant": name,
        "method": method,
        "sparsity": sparsity,
        "format": fmt,
        "validation_accuracy": accuracy,
        "test_accuracy": accuracy - 0.005,
        "novel_accuracy": accuracy - 0.1 if novel else None,
        "validation_images": IMAGES,
        "test_images": IMAGES,
        "agreement": 0.95,
        "file_bytes": size_bytes - activations,
        "gzip_bytes": (size_bytes - activations) // 2,
        "nonzero_bytes": size_bytes // 4,
        "activation_bytes": activations,
        "p50_ms_1t": p50_ms,
        "p95_ms_1t": 1.5 * p50_ms,
        "p50_ms_2t": p50_ms / 2,
        "p95_ms_2t": p50_ms,
        "flops": FLOPS[method],
    }


def make_grid():
    """Four sparsities × four formats plus a filter-removed model; int8 and smaller are faster."""
    rows = []
    for sparsity, accuracy in ((0.0, 0.90), (0.5, 0.89), (0.8, 0.86), (0.9, 0.70)):
        for fmt, scale, speed in zip(FORMATS, (1.0, 0.5, 0.26, 0.25), (1.0, 1.0, 0.5, 0.4)):
            size = int(400_000 * scale * (1 - 0.8 * sparsity))
            rows.append(
                make_row(
                    "magnitude", sparsity, fmt, accuracy - 0.01 * (fmt == "int8"), size, 2.0 * speed
                )
            )
    for fmt, scale in zip(FORMATS, (1.0, 0.5, 0.26, 0.25)):
        rows.append(make_row("filters", 0.5, fmt, 0.80, int(200_000 * scale), 1.0))
    return rows


@pytest.fixture(autouse=True)
def payload(monkeypatch):
    """The default payload without building the dataset (its definition is tested in
    test_explorer_model.py)."""
    monkeypatch.setattr(model, "default_payload_bytes", lambda: PAYLOAD)
    return PAYLOAD


@pytest.fixture
def grid():
    return make_grid()


@pytest.fixture
def devices():
    return latency.devices()


def first(devices, kind):
    return next(d for d in devices.values() if d.kind == kind)


# a hand-made one
NPU = latency.Device("NPU", "edge", 0.0, "test", {"int8": 0.5}, 0.0, None, 1, int8_only=True)


@pytest.fixture
def with_npu(devices):
    return {**devices, NPU.name: NPU}


# Wired edge server: the cloud meets a 60 ms deadline; 30 frames/s of 1,600 bytes is 124.4 GB a
# month (1,600 × 30 × 86,400 × 30 / 1e9), over a 1 GB plan. RAM 55 kB: of the int8 variants only
# 80 % (36 kB, 85 %), 90 % (28 kB, 69 %) and filters removed (50 kB, 80 %) fit.
CONSTRAINED = explorer.Settings(
    device="NPU", format="int8", network="wired edge server", deadline_ms=60, min_accuracy=0.8
)


CONSTRAINTS = explorer.Constraints(int8_only=True, ram_bytes=55_000, monthly_gb=1)
