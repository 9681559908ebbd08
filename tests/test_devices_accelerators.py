"""Notebook 06: the edge accelerators of data/device_profiles.csv: a VPU (Intel NCS2), an
int8-only NPU (the Coral Edge TPU) and the embedded GPU (Jetson AGX Orin). Every expectation is
worked out by hand from the table's published figures and the made-up times "here" below."""

import csv

import pytest

from utils import latency
from utils.latency import device_profiles

NCS2, CORAL, JETSON = "Intel NCS2 (Myriad X VPU)", "Coral Edge TPU (Dev Board)", "Jetson AGX Orin"

# Made-up reference times "here" (quantization.reference_latencies() rows), chosen to divide evenly.
HERE = [
    {"model": model, "format": fmt, "threads": threads, "p50_ms": ms}
    for model, fmt, threads, ms in (
        ("resnet50_224", "float32", 1, 40.0),
        ("resnet50_224", "float32", 2, 20.0),
        ("mobilenet_v1_1.0_224", "int8", 1, 2.0),
        ("mobilenet_v1_1.0_224", "int8", 2, 1.2),
    )
]


def _row(name, floor=False):
    """The device's calibration row, or (``floor``) its floor-only row."""
    (row,) = [
        r
        for r in latency.read_table(latency.DEVICES_CSV)
        if r["name"] == name and bool(r["reference_model"]) != floor
    ]
    return row


@pytest.fixture(scope="module")
def table():
    return latency.devices(rows=HERE)


def test_the_published_figures_are_the_sources_numbers():
    ncs2, coral = _row(NCS2), _row(CORAL)
    # OpenVINO 2022.1 gives the NCS2 a throughput, 28.52 ResNet-50 images a second:
    # 1000 / 28.52 ms each
    assert float(ncs2["published_ms"]) == pytest.approx(1000 / 28.52, abs=0.005)  # 35.06
    assert (ncs2["reference_model"], ncs2["precision"], ncs2["threads"]) == (
        "resnet50_224",
        "float32",
        "",
    )
    # coral.ai Table 1: MobileNet v1 (224x224), Dev Board with Edge TPU, 2.4 ms
    assert float(coral["published_ms"]) == 2.4
    assert (coral["reference_model"], coral["precision"], coral["accepts"]) == (
        "mobilenet_v1_1.0_224",
        "int8",
        "int8 only",
    )
    assert float(ncs2["power_w"]) == 2.5 and float(coral["power_w"]) == 2.0


def test_every_new_row_names_its_page_what_it_measured_and_how_it_is_mapped():
    ncs2, coral = _row(NCS2)["source"], _row(CORAL)["source"]
    for text in (
        "benchmark-data.csv",
        "28.52",
        "FP16",
        "batch 1",
        "4 concurrent inference requests",
        "lower bound",
        "rated maximum TDP",
        "not a measured draw",
    ):
        assert text in ncs2, text
    for text in (
        "coral.ai/docs/edgetpu/benchmarks",
        "MobileNet v1 (224x224) 2.4 ms",
        "fully 8-bit quantized",
        "not a measured draw",
    ):
        assert text in coral, text


def test_an_accelerator_is_scaled_against_one_thread_here(table):
    ncs2, coral = table[NCS2], table[CORAL]
    # 0.8765, not 35.06 / 20 (2 threads)
    assert ncs2.factors == {"float32": pytest.approx(35.06 / 40.0)}
    assert coral.factors == {"int8": pytest.approx(2.4 / 2.0)}  # 1.2: int8 by int8
    assert ncs2.threads is coral.threads is None and ncs2.here_threads == coral.here_threads == 1
    assert "takes 40 ms at 1 thread(s)" in ncs2.source and "the device used" not in ncs2.source
    # scaled: 0.05 ms here × 1.2 = 0.06 ms, under the Edge TPU's 2.0 ms floor; 20 ms here × 1.2
    # = 24 ms is over it
    assert coral.bounds_ms(0.05, "int8")["scaled"] == pytest.approx(0.06)
    assert coral.time_ms(0.05, "int8") == pytest.approx(2.0)
    assert coral.variant_ms({"p50_ms_1t": 20.0, "p50_ms_2t": 9.0}, "int8") == pytest.approx(24.0)
    # 20 ms here × 0.8765 = 17.53 ms, over the NCS2's 10.22 ms floor
    assert ncs2.time_ms(20.0, "float32") == pytest.approx(17.53)


def test_without_measurements_the_development_machines_times_are_used():
    fallback = latency.devices()
    # measured_here_ms 68 (ResNet-50)
    assert fallback[NCS2].factors["float32"] == pytest.approx(35.06 / 68)
    # measured_here_ms 1.9 (MobileNet v1 int8)
    assert fallback[CORAL].factors["int8"] == pytest.approx(2.4 / 1.9)
    assert "not measured on this one" in fallback[CORAL].source


@pytest.mark.parametrize("precision", ["float32", "float16"])
def test_an_int8_only_device_refuses_a_float_model_in_one_sentence(table, precision):
    coral = table[CORAL]
    assert coral.int8_only and not table[NCS2].int8_only
    with pytest.raises(ValueError) as error:
        coral.time_ms(1.0, precision)
    message = str(error.value)
    assert message == (
        "Coral Edge TPU (Dev Board) accepts only full-int8 models, so a "
        f"{precision} model does not run there; use the int8 variant."
    )
    with pytest.raises(ValueError, match="accepts only full-int8 models"):
        coral.variant_ms({"p50_ms_1t": 1.0}, precision)


def test_the_vpu_runs_float_models_only_so_it_has_no_int8_time(table):
    with pytest.raises(ValueError, match="no published int8 reference"):
        table[NCS2].time_ms(1.0, "int8")


def test_energy_per_inference_is_power_times_time(table):
    coral, ncs2 = table[CORAL], table[NCS2]
    # 2 W × its 2.0 ms floor = 4 mJ
    assert coral.joules(coral.time_ms(0.05, "int8")) == pytest.approx(2.0 * 2.0e-3)
    # 2.5 W × 20 ms × 0.8765 = 43.8 mJ
    assert ncs2.joules(ncs2.time_ms(20.0, "float32")) == pytest.approx(2.5 * 17.53e-3)
    npu = latency.Device("npu", "edge", 0.0, "s", {"int8": 3.0}, int8_only=True, power_w=4.0)
    assert npu.joules(npu.time_ms(5.0, "int8")) == pytest.approx(0.06)  # 4 W × 15 ms
    assert npu.joules(5.0) == latency.inference_joules(4.0, 5.0)  # one formula
    # no sourced power in the table
    for name in ("Raspberry Pi 4", JETSON, "cloud GPU server (A100)"):
        with pytest.raises(ValueError, match="has no sourced power figure"):
            table[name].joules(1.0)


def test_the_embedded_gpu_stays_a_sourced_per_request_floor(table):
    jetson = table[JETSON]
    assert jetson.kind == "edge" and jetson.factors == {}
    assert jetson.floor_ms == pytest.approx(0.630)
    assert jetson.time_ms(0.05, "int8") == jetson.time_ms(0.05, "float32") == pytest.approx(0.630)
    assert "630,245 ns" in jetson.source and "no power log" in jetson.source


def test_older_devices_and_callers_are_unchanged(table):
    assert not any(d.int8_only for name, d in table.items() if name != CORAL)
    # positional, old style
    assert latency.Device("d", "edge", 2.0, "s").time_ms(1.5) == pytest.approx(3.0)
    assert latency.Device("d", "edge", 2.0, "s").power_w is None


def _write_table(path, rows):
    fields = [
        "name",
        "kind",
        "reference_model",
        "precision",
        "threads",
        "published_ms",
        "measured_here_ms",
        "floor_ms",
        "accepts",
        "power_w",
        "source",
    ]
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({**{f: "" for f in fields}, "kind": "edge", "source": "s", **row})


NPU_ROW = {
    "name": "npu",
    "reference_model": "m",
    "precision": "int8",
    "published_ms": "1",
    "measured_here_ms": "1",
}


@pytest.mark.parametrize(
    "rows, says",
    [
        (
            [{**NPU_ROW, "accepts": "int8 only"}, {**NPU_ROW, "precision": "float32"}],
            "accepts only int8 models but has a float32 row",
        ),
        ([{**NPU_ROW, "accepts": "int8-only"}], "write 'int8 only'"),
        ([{**NPU_ROW, "power_w": "0"}], "must be above 0 W"),
    ],
)
def test_an_inconsistent_row_is_named(tmp_path, monkeypatch, rows, says):
    path = tmp_path / "device_profiles.csv"
    _write_table(path, rows)
    monkeypatch.setattr(device_profiles, "DEVICES_CSV", path)
    with pytest.raises(ValueError, match=says):
        latency.devices()
