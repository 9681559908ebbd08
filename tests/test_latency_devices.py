"""Notebooks 06-08: the device profiles, calibrated by reference models measured here."""

import pytest

from utils import latency
from utils.latency import device_profiles


def _device_rows(name):
    """The device's calibration rows (a floor-only row names no reference model)."""
    return [
        row
        for row in latency.read_table(latency.DEVICES_CSV)
        if row["name"] == name and row["reference_model"]
    ]


def test_devices_are_calibrated_by_a_reference_model_measured_here():
    default = latency.devices()
    assert default["this machine"].factor == 1 and default["this machine"].kind == "edge"
    assert {d.kind for d in default.values()} == {"edge", "server"}
    (pi,) = _device_rows("Raspberry Pi 4")
    assert default["Raspberry Pi 4"].factor == pytest.approx(
        float(pi["published_ms"]) / float(pi["measured_here_ms"])
    )
    # the older form: float32, 1 thread
    calibrated = latency.devices({pi["reference_model"]: 100.0})
    assert calibrated["Raspberry Pi 4"].factor == pytest.approx(float(pi["published_ms"]) / 100)
    assert "takes 100 ms at 1 thread" in calibrated["Raspberry Pi 4"].source
    with pytest.raises(ValueError, match="not a positive measured latency"):
        latency.devices({pi["reference_model"]: 0.0})


MEASURED = [
    {"model": "mobilenet_v1_1.0_224", "format": f, "threads": t, "p50_ms": ms}
    for f, t, ms in (("float32", 1, 8.0), ("float32", 2, 4.0), ("int8", 1, 4.0), ("int8", 2, 2.5))
]


def test_a_four_thread_figure_is_divided_by_the_most_threads_measured_here():
    phone = latency.devices(rows=MEASURED)["phone (Pixel 4)"]
    published = {
        row["precision"]: float(row["published_ms"]) for row in _device_rows("phone (Pixel 4)")
    }
    assert phone.threads == 4 and phone.here_threads == 2  # this machine measured 1 and 2 threads
    assert phone.factors["float32"] == pytest.approx(published["float32"] / 4.0)  # 14.0 / 4.0
    # 5.0 / 2.5: int8 by int8
    assert phone.factors["int8"] == pytest.approx(published["int8"] / 2.5)
    assert "the device used 4 threads, this machine had 2" in phone.source
    assert phone.time_ms(1.0, "int8") == pytest.approx(2.0)
    assert phone.time_ms(1.0, "float32") == pytest.approx(3.5)


def test_an_int8_time_is_not_scaled_by_a_float32_reference():
    pi = latency.devices(rows=MEASURED)["Raspberry Pi 4"]
    assert "int8" not in pi.factors
    with pytest.raises(ValueError, match="no published int8 reference"):
        pi.time_ms(1.0, "int8")


def test_a_gpu_server_takes_at_least_its_sourced_per_request_time():
    a100 = latency.devices()["cloud GPU server (A100)"]
    assert a100.floor_ms == pytest.approx(0.470)  # MLPerf v3.0 ResNet-50 single-stream median
    assert a100.time_ms(0.3, "float32") == a100.time_ms(0.001, "int8") == pytest.approx(0.470)
    assert latency.devices()["cloud CPU server"].time_ms(0.3, "int8") == pytest.approx(0.3)


def test_an_old_style_device_scales_by_its_factor():
    assert latency.Device("d", "edge", 2.0, "s").time_ms(1.5) == pytest.approx(3.0)


def test_reference_ms_picks_one_format_and_thread_count():
    rows = [
        {"model": "m", "format": "float32", "threads": 1, "p50_ms": 5.0},
        {"model": "m", "format": "float32", "threads": 2, "p50_ms": 3.0},
        {"model": "m", "format": "int8", "threads": 1, "p50_ms": 2.0},
    ]
    assert latency.reference_ms(rows) == {"m": 5.0}
    assert latency.reference_ms(rows, "int8") == {"m": 2.0}


def test_variant_ms_reads_the_row_at_the_devices_thread_count():
    # a phone calibrated against 2 threads here: 1.5 ms at 2 threads × factor 2 = 3 ms (the 1-thread
    # time is not the one to scale); a GPU with a 0.5 ms floor never answers faster than 0.5 ms
    phone = latency.Device("phone", "edge", 2.0, "s", factors={"float32": 2.0}, here_threads=2)
    assert phone.variant_ms({"p50_ms_1t": 9.0, "p50_ms_2t": 1.5}, "float32") == 3.0
    assert phone.variant_ms({"p95_ms_2t": 2.0}, "float32", "p95") == 4.0
    gpu = latency.Device("gpu", "server", 0.0, "s", floor_ms=0.5)
    assert gpu.variant_ms({"p50_ms_1t": 0.1}, "int8") == 0.5
    with pytest.raises(ValueError, match="no published int8 reference"):
        phone.variant_ms({"p50_ms_2t": 1.5}, "int8")


def test_the_roofline_is_the_flops_at_the_rate_reached_on_the_reference_network():
    pi = latency.devices(rows=MEASURED)["Raspberry Pi 4"]
    # ResNet-50: 8.2164 GFLOP (Open Model Zoo, a multiply-add = 2 FLOPs) in 314 ms on the Pi:
    # 8.2164 / 0.314 = 26.17 GFLOP/s; the course model's 82.6 MFLOP: 82.6e6 / 26.17e9 s = 3.16 ms
    assert pi.gflops["float32"] == pytest.approx(26.17, abs=0.01)
    assert pi.roofline_ms(82.6e6, "float32") == pytest.approx(3.157, abs=0.001)
    assert pi.roofline_ms(None) == 0.0 and pi.roofline_ms(82.6e6, "int8") == 0.0  # no rate
    with pytest.raises(ValueError, match="give the model's FLOPs"):
        pi.roofline_ms(-1.0)


def test_the_binding_bound_is_named():
    # hand-built: factor 2, floor 1 ms, 100 GFLOP/s
    d = latency.Device(
        "d", "edge", 2.0, "s", {"float32": 2.0}, floor_ms=1.0, gflops={"float32": 100}
    )
    # 0.2 ms here × 2 = 0.4 ms < floor 1 ms; 10 MFLOP / 100 GFLOP/s = 0.1 ms
    assert d.bound(0.2, "float32", 10e6) == "floor" and d.time_ms(0.2, "float32", 10e6) == 1.0
    # 0.2 × 2 = 0.4 ms; 500 MFLOP / 100 GFLOP/s = 5 ms > 1 ms floor
    assert d.bound(0.2, "float32", 500e6) == "roofline"
    assert d.time_ms(0.2, "float32", 500e6) == pytest.approx(5.0)
    # 10 ms here × 2 = 20 ms beats both
    assert d.bound(10.0, "float32", 500e6) == "scaled" and d.time_ms(10.0, "float32") == 20.0
    # a tie between the scaled time and a bound: the scaled time stands
    assert d.bound(0.5, "float32") == "scaled"  # 0.5 × 2 = 1.0 = the floor
    assert set(d.bounds_ms(0.2, "float32", 10e6)) == set(device_profiles.BOUNDS)


@pytest.mark.parametrize("here_ms", [0.0, 0.001, 0.05, 1.0, 50.0])
def test_no_device_answers_below_its_floor(here_ms):
    for name, device in latency.devices(rows=MEASURED).items():
        for precision in ("float32", "int8"):
            try:
                ms = device.time_ms(here_ms, precision, flops=82.6e6)
            except ValueError:  # no such precision there
                continue
            assert ms >= device.floor_ms, name
            assert ms >= device.roofline_ms(82.6e6, precision), name


def test_the_accelerators_floors_are_their_sources_smallest_times():
    table = latency.devices()
    # Coral Table 1: SqueezeNet 2 ms on the Dev Board, the smallest time on the page
    assert table["Coral Edge TPU (Dev Board)"].floor_ms == 2.0
    # OpenVINO 2022.1: resnet-18-pytorch 97.80 images/s on the NCS2, its fastest row: 1000 / 97.80
    assert table["Intel NCS2 (Myriad X VPU)"].floor_ms == pytest.approx(1000 / 97.80, abs=0.005)
    # the course model (82.6 MFLOP) on the Edge TPU: 1.148 GFLOP / 2.4 ms = 478 GOP/s gives a
    # roofline of 0.17 ms, so the 2 ms floor sets its time, whatever it takes here below 1.58 ms
    coral = table["Coral Edge TPU (Dev Board)"]
    assert coral.bound(0.05, "int8", 82.6e6) == "floor"
