"""Notebooks 06-08 on a student's device: the bundle's script runs in a clean venv with only NumPy
and ai-edge-litert (tools.device_venv builds it when missing), its results import as a measured
device that the explorer's compute uses, and bad results files are refused in one sentence."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from explorer_grid import PAYLOAD, make_grid
from quantization_models import small_images, small_model

from tools import device_venv
from utils import config, explorer, latency, measure, quantization
from utils.device import bundle, course_device_benchmark, imported

VARIANTS = ("0% pruned float32", "0% pruned int8")  # explorer_grid's names for the dense model


@pytest.fixture(scope="module")
def clean_python():
    """The clean venv's Python: only numpy and ai-edge-litert (and what they need)."""
    return str(device_venv.build())


@pytest.fixture
def written(tmp_path, monkeypatch):
    """A bundle written by bundle.write from a two-variant grid of the tiny test model: labels
    are the Keras model's own argmax, so the float32 model scores every image right."""
    model, images = small_model(), small_images()
    grid = tmp_path / "grid"
    grid.mkdir()
    rows = []
    for name in VARIANTS:
        fmt = name.split()[-1]
        content = quantization.convert(model, fmt, images)
        (grid / bundle.model_file(name)).write_bytes(content)
        rows.append({"variant": name, "method": "magnitude", "sparsity": 0.0, "format": fmt})
    (grid / bundle.GRID_FILE).write_text(json.dumps(rows))
    pixels = np.round(images[:12] * 255).astype(np.uint8)
    labels = model.predict(pixels.astype(np.float32) / 255, verbose=0).argmax(axis=1)
    monkeypatch.setattr(bundle.artifacts, "get", lambda name: grid)
    monkeypatch.setattr(bundle, "validation_sample", lambda count: (pixels, labels))
    monkeypatch.setattr("utils.data.class_names", lambda: ["a", "b", "c"])
    return bundle.write(tmp_path / "device-bundle")


def run_script(python, folder, *options, env=None):
    return subprocess.run(
        [python, str(folder / bundle.SCRIPT.name), "--runs", "5", "--threads", "1", "2", *options],
        cwd=folder.parent,  # outside the repository: nothing of the course importable
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), **(env or {})},
    )


def test_the_clean_venv_holds_no_tensorflow_and_no_course(clean_python):
    probe = "import importlib.util as u; print([u.find_spec(m) is None for m in ('tensorflow', "
    probe += "'utils')])"
    clean = {"PATH": os.environ.get("PATH", "")}  # no PYTHONPATH: only what the venv holds
    done = subprocess.run(
        [clean_python, "-c", probe], capture_output=True, text=True, cwd="/", env=clean
    )
    assert done.stdout.strip() == "[True, True]"


def test_the_script_runs_in_the_clean_venv_and_imports_as_a_measured_device(written, clean_python):
    assert sorted(p.name for p in written.iterdir()) == [
        "bundle.json",
        "course_device_benchmark.py",
        "images.npy",
        "labels.npy",
        "models",
    ]
    assert written.with_name("device-bundle.zip").is_file()
    done = run_script(clean_python, written)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "emulation" not in done.stdout
    results = json.loads((written / "results.json").read_text())
    assert results["machine"]["cpu_count"] == os.cpu_count()
    assert results["machine"]["ai_edge_litert"] == "2.3.0"  # constraints.txt's pin
    assert results["threads"] == [1, 2] and results["images"] == 12
    assert set(results["variants"]) == set(VARIANTS)
    # the labels are the Keras model's argmax: the float32 .tflite, the same arithmetic, agrees
    assert results["variants"]["0% pruned float32"]["correct"] == 12
    int8 = np.load(written / "outputs.npz")["0% pruned int8"]
    assert int8.dtype == np.int8 and int8.shape == (12, 3)

    target = imported.save(written / "results.json", "test board")
    assert target.parent == config.build_dir() / imported.FOLDER
    board = latency.devices()["test board"]
    assert board.origin == "measured on your device" and board.threads == 2
    grid = make_grid()
    row = quantization.grid_row(grid, 0.0, "int8")
    p50 = results["variants"]["0% pruned int8"]["timings"]["2"]["p50_ms"]
    view = explorer.compute(
        grid,
        latency.devices(),
        explorer.Settings(device="test board", format="int8", payload_bytes=PAYLOAD),
    )
    # the measured p50 at 2 threads, as it is: no factor, no floor, no roofline
    assert view.edge_stages == {"inference on test board (measured on your device)": p50}
    assert board.variant_ms(row, "int8") == p50
    # a variant the script did not time (float16 here) is not offered on the device
    unmeasured = explorer.Settings(device="test board", format="float16", payload_bytes=PAYLOAD)
    with pytest.raises(ValueError, match="float16 was not measured on test board: choose a mea"):
        explorer.compute(grid, latency.devices(), unmeasured)
    with pytest.raises(ValueError, match="has no measurement of '50% pruned int8'"):
        board.variant_ms(quantization.grid_row(grid, 0.5, "int8"), "int8")
    with pytest.raises(ValueError, match="not scaled"):
        board.time_ms(1.0)


def test_under_emulation_the_script_says_its_timings_mean_nothing(written, clean_python):
    done = run_script(clean_python, written, env={"COURSE_EMULATED": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "timings below say nothing about any real device" in done.stdout
    with pytest.raises(ValueError, match="measured under emulation"):
        imported.save(written / "results.json")
    assert not (config.build_dir() / imported.FOLDER).exists()  # nothing saved


def good_results():
    timing = {"p50_ms": 1.0, "p95_ms": 2.0, "runs": 5}
    return {
        "format": imported.FORMAT,
        "version": imported.VERSION,
        "machine": {"machine": "aarch64", "cpu_count": 4, "emulated": False},
        "variants": {"0% pruned int8": {"timings": {"1": timing, "4": timing}}},
    }


@pytest.mark.parametrize(
    "change, sentence",
    [
        (lambda r: r.update(format="other"), "not a results file of the course's device bench"),
        (lambda r: r.update(version=7), "its version is 7"),
        (lambda r: r.pop("machine"), "it names no machine"),
        (lambda r: r.update(kernels="reference"), "measured with LiteRT's reference kernels"),
        (lambda r: r.update(variants={}), "holds no variant's timings"),
        (
            lambda r: r["variants"]["0% pruned int8"]["timings"]["1"].update(p50_ms=-1.0),
            "not two positive times",
        ),
        (
            lambda r: r["variants"]["0% pruned int8"]["timings"]["1"].update(p95_ms=0.5),
            "with p95 at least p50",
        ),
    ],
)
def test_a_bad_results_file_is_refused_in_one_sentence(tmp_path, change, sentence):
    results = good_results()
    change(results)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    with pytest.raises(ValueError, match=sentence) as refused:
        imported.save(path)
    assert str(refused.value).count(". ") == 0 and str(refused.value).endswith(".")
    assert imported.measured() == []


def test_the_command_refuses_a_damaged_file_with_one_line(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"format": "course-device-bench')  # cut short
    done = subprocess.run(
        [sys.executable, "-m", "utils", "device-import", str(path)],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_BUILD_DIR": str(tmp_path)},
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"{path} is not JSON (damaged or cut short): run course_device_benchmark.py on the "
        "device again and import its results.json."
    )


def test_a_good_file_becomes_a_device_at_its_most_threads(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(good_results()))
    imported.save(path)
    (device,) = imported.measured()
    # default name from the machine; the most threads measured (4), its p50 and p95
    assert device["name"] == "your device (aarch64, 4 CPUs)" and device["threads"] == 4
    assert device["times"] == {"0% pruned int8": (1.0, 2.0)}


def test_the_script_counts_threads_and_percentiles_as_the_course_does():
    assert course_device_benchmark.thread_counts(1) == [1]
    assert course_device_benchmark.thread_counts(4) == [1, 2, 4]
    assert course_device_benchmark.thread_counts(6) == [1, 2, 4, 6]
    values = np.random.default_rng(3).random(37)
    for q in (50, 95):
        assert course_device_benchmark.percentile(values, q) == measure.percentile(values, q)
    # [1, 2, 3, 4]: rank (4 - 1) * 0.95 = 2.85, so 3 + 0.85 * (4 - 3) = 3.85
    assert course_device_benchmark.percentile([4, 1, 3, 2], 95) == pytest.approx(3.85)


def test_a_folder_that_is_not_a_bundle_is_never_overwritten(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(ValueError, match="is not a device bundle"):
        bundle.write(tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_the_bundle_finds_every_grid_file_by_the_grids_own_name():
    from utils.quantization import variants

    # the grid writes "<file_stem>.tflite"; the quantizer's variants have brackets in their name
    for name in ("dense int8", "50% pruned float16", "80% pruned int8 (quantizer)"):
        assert bundle.model_file(name) == f"{variants.file_stem(name)}.tflite"
    assert bundle.model_file("dense int8 (quantizer)") == "dense_int8_quantizer.tflite"
