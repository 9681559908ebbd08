"""Notebook 08: the explorer's reading of the variant grid (utils/explorer/variants.py): the
Pareto front, noise, the variants a device accepts and a variant's time on a device."""

import math

import pytest

from explorer_grid import (  # noqa: F401  (fixtures)
    FORMATS,
    NPU,
    devices,
    grid,
    make_row,
    payload,
)
from utils import explorer, latency


# ---------------------------------------------------------------- the Pareto front


def test_pareto_front_keeps_exactly_the_rows_nothing_beats():
    rows = [
        make_row("magnitude", 0.0, "a", 0.90, 100),
        make_row("magnitude", 0.0, "b", 0.80, 50),
        make_row("magnitude", 0.0, "c", 0.85, 120),  # bigger and less accurate than a
        make_row("magnitude", 0.0, "d", 0.80, 60),  # as accurate as b, bigger
        make_row("magnitude", 0.0, "e", 0.95, 300),
        make_row("magnitude", 0.0, "f", 0.60, 20),
    ]
    front = explorer.pareto_front(rows)
    assert [row["format"] for row in front] == ["f", "b", "a", "e"]  # smallest first


def test_pareto_front_keeps_identical_points_and_a_single_row():
    twins = [make_row("magnitude", 0.0, "a", 0.9, 100), make_row("magnitude", 0.0, "b", 0.9, 100)]
    assert len(explorer.pareto_front(twins)) == 2
    assert explorer.pareto_front(twins[:1]) == twins[:1]
    assert explorer.pareto_front([]) == []


def test_a_row_as_small_but_less_accurate_is_dominated():
    small = make_row("magnitude", 0.0, "a", 0.7, 100)
    better = make_row("magnitude", 0.0, "b", 0.8, 100)
    assert explorer.dominates(better, small) and not explorer.dominates(small, better)
    assert explorer.pareto_front([small, better]) == [better]


def test_pareto_front_of_the_synthetic_grid(grid):
    front = explorer.pareto_front(grid)
    assert all(not any(explorer.dominates(o, r) for o in grid) for r in front)
    assert all(any(explorer.dominates(o, r) for o in grid) for r in grid if r not in front)
    assert explorer.device_bytes(front[0]) == min(explorer.device_bytes(r) for r in grid)
    assert front[-1]["validation_accuracy"] == max(r["validation_accuracy"] for r in grid)


def test_the_front_weighs_file_and_activations_not_the_download():
    # a compresses better (smaller gzip) but needs more memory on the device than b
    a, b = make_row("magnitude", 0.9, "a", 0.8, 100), make_row("magnitude", 0.0, "b", 0.8, 90)
    a["gzip_bytes"], b["gzip_bytes"] = 10, 60
    assert explorer.device_bytes(a) == a["file_bytes"] + a["activation_bytes"] == 100
    assert explorer.pareto_front([a, b]) == [b]


def test_the_front_chooses_on_validation_not_test():
    a, b = make_row("magnitude", 0.0, "a", 0.80, 100), make_row("magnitude", 0.0, "b", 0.85, 200)
    a["test_accuracy"], b["test_accuracy"] = 0.99, 0.50  # test must not change the choice
    assert explorer.pareto_front([a, b]) == [a, b]
    assert explorer.dominates(b, a) is False and explorer.dominates(a, b) is False


# ---------------------------------------------------------------- noise and numbers


def test_within_noise_is_two_standard_errors_of_the_difference():
    se = math.sqrt(0.9 * 0.1 / 1000)  # 0.0095
    assert explorer.within_noise(0.90, se, 0.90 - 2 * math.sqrt(2) * se + 1e-9, se)
    assert not explorer.within_noise(0.90, se, 0.90 - 2 * math.sqrt(2) * se - 1e-6, se)
    assert explorer.accuracy_se(make_row("magnitude", 0.0, "a", 0.9, 100)) == pytest.approx(se)


def test_number_is_the_course_formatter():
    from utils import results

    assert explorer.number is results.format_number


# ---------------------------------------------------------------- a variant's time on a device


def test_device_time_scales_by_the_variants_precision_and_thread_count(grid):
    # Pixel-like: 4 threads there against 2 here; float32 factor 10, int8 factor 4
    phone = latency.Device("phone", "edge", 10.0, "test", {"float32": 10.0, "int8": 4.0}, 0.0, 4, 2)
    int8 = next(r for r in grid if r["format"] == "int8" and r["sparsity"] == 0.0)
    assert explorer.device_ms(phone, int8, grid) == (
        4.0 * int8["p50_ms_2t"],
        4.0 * int8["p95_ms_2t"],
    )


def test_a_device_without_an_int8_reference_gets_no_int8_gain(grid):
    pi = latency.Device("pi", "edge", 3.0, "test", {"float32": 3.0}, 0.0, 4, 1)
    int8 = next(r for r in grid if r["format"] == "int8" and r["sparsity"] == 0.5)
    float32 = next(r for r in grid if r["format"] == "float32" and r["sparsity"] == 0.5)
    assert int8["p50_ms_1t"] < float32["p50_ms_1t"]
    assert explorer.device_ms(pi, int8, grid) == (
        3.0 * float32["p50_ms_1t"],
        3.0 * float32["p95_ms_1t"],
    )


def test_a_server_never_answers_faster_than_its_per_request_floor(grid):
    gpu = latency.Device("gpu", "server", 0.0, "test", {}, 0.47, None, 1)
    assert explorer.device_ms(gpu, grid[0], grid) == (0.47, 0.47)


# The Raspberry Pi 4 of the device table, with no reference measured here: its factor is
# 314 ms published / 68 ms (the table's measured_here_ms) = 4.6176, at 1 thread here, and its
# roofline rate 8.2164 GFLOP (ResNet-50) / 0.314 s = 26.167 GFLOP/s. A variant taking 0.2 ms here
# scales to 0.2 × 4.6176 = 0.924 ms, but 82.6 MFLOP at 26.167 GFLOP/s take
# 82.6 × 0.314 / 8.2164 = 3.157 ms: the roofline sets its time, as in notebook 06.
PI_ROOFLINE_MS = 82.6 * 0.314 / 8.2164


def test_a_variants_pi_4_time_is_device_profiles_prediction_with_its_flops(devices, grid):
    pi = devices["Raspberry Pi 4"]
    row = make_row("magnitude", 0.0, "float32", 0.9, 400_000, p50_ms=0.2)
    expected = pi.time_ms(0.2, "float32", 82.6e6)
    assert expected == pytest.approx(PI_ROOFLINE_MS, rel=1e-6)
    assert pi.bound(0.2, "float32", 82.6e6) == "roofline"
    # p95 0.3 ms here: 1.385 ms scaled, the roofline again
    assert explorer.device_ms(pi, row, [row]) == (expected, pi.time_ms(0.3, "float32", 82.6e6))
    assert explorer.device_ms(pi, row, [row])[1] == pytest.approx(PI_ROOFLINE_MS, rel=1e-6)


def test_the_explorer_shows_the_pi_4_at_its_roofline(devices):
    rows = [make_row("magnitude", 0.0, fmt, 0.9, 400_000, p50_ms=0.2) for fmt in FORMATS]
    view = explorer.compute(rows, devices, explorer.Settings(device="Raspberry Pi 4"))
    assert view.edge_stages[
        "inference on Raspberry Pi 4 (scaled from a published figure)"
    ] == pytest.approx(PI_ROOFLINE_MS, rel=1e-6)


def test_removed_filters_lower_the_roofline_and_sparsity_does_not(devices):
    pi = devices["Raspberry Pi 4"]
    dense = make_row("magnitude", 0.0, "float32", 0.9, 400_000, p50_ms=0.1)
    sparse = make_row("magnitude", 0.8, "float32", 0.86, 100_000, p50_ms=0.1)
    filters = make_row("filters", 0.5, "float32", 0.8, 200_000, p50_ms=0.1)
    grid = [dense, sparse, filters]
    # 0.1 ms here scales to 0.462 ms; the roofline: 82.6 MFLOP 3.157 ms for both magnitude rows
    # (zeros are multiplied too), 22.4 MFLOP × 0.314 / 8.2164 = 0.856 ms with filters removed
    assert explorer.device_ms(pi, sparse, grid)[0] == explorer.device_ms(pi, dense, grid)[0]
    assert explorer.device_ms(pi, dense, grid)[0] == pytest.approx(PI_ROOFLINE_MS, rel=1e-6)
    assert explorer.device_ms(pi, filters, grid)[0] == pytest.approx(
        22.4 * 0.314 / 8.2164, rel=1e-6
    )


def test_a_row_without_flops_is_refused(grid):
    row = {key: value for key, value in grid[0].items() if key != "flops"}
    with pytest.raises(ValueError, match="flops"):
        explorer.device_ms(latency.Device("d", "edge", 1.0, "test"), row, grid)


# ---------------------------------------------------------------- int8-only devices


def test_the_table_s_int8_only_device_is_the_coral_edge_tpu(devices):
    assert [name for name, d in devices.items() if explorer.int8_only(d)] == [
        "Coral Edge TPU (Dev Board)"
    ]


def test_an_int8_only_device_offers_only_the_int8_variants(grid):
    cpu = latency.Device("cpu", "edge", 1.0, "test")
    assert explorer.int8_only(NPU) and not explorer.int8_only(cpu)
    assert explorer.offered(grid, NPU) == [row for row in grid if row["format"] == "int8"]
    assert len(explorer.offered(grid, NPU)) == 5
    assert explorer.offered(grid, cpu) == grid
