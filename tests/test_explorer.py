"""The trade-off explorer's pure functions on synthetic grids, and the widgets wired to them."""

import dataclasses
import math

import pytest

from utils import explorer, latency

FORMATS = ("float32", "float16", "dynamic", "int8")


def make_row(method, sparsity, fmt, accuracy, gzip_bytes, p50_ms=1.0):
    """A grid row with exactly the keys quantization.grid() documents."""
    name = f"{sparsity:.0%} {'filters removed' if method == 'filters' else 'pruned'} {fmt}"
    return {"variant": name, "method": method, "sparsity": sparsity, "format": fmt,
            "test_accuracy": accuracy, "novel_accuracy": accuracy - 0.1, "agreement": 0.95,
            "file_bytes": 4 * gzip_bytes, "gzip_bytes": gzip_bytes, "nonzero_bytes": gzip_bytes,
            "p50_ms_1t": p50_ms, "p95_ms_1t": 1.5 * p50_ms, "p50_ms_2t": p50_ms / 2, "p95_ms_2t": p50_ms}


def make_grid():
    """Four sparsities × four formats plus a filter-removed model; int8 and smaller are faster."""
    rows = []
    for sparsity, accuracy in ((0.0, 0.90), (0.5, 0.89), (0.8, 0.86), (0.9, 0.70)):
        for fmt, scale, speed in zip(FORMATS, (1.0, 0.5, 0.26, 0.25), (1.0, 1.0, 0.5, 0.4)):
            size = int(400_000 * scale * (1 - 0.8 * sparsity))
            rows.append(make_row("magnitude", sparsity, fmt, accuracy - 0.01 * (fmt == "int8"), size, 2.0 * speed))
    for fmt, scale in zip(FORMATS, (1.0, 0.5, 0.26, 0.25)):
        rows.append(make_row("filters", 0.5, fmt, 0.80, int(200_000 * scale), 1.0))
    return rows


@pytest.fixture
def grid():
    return make_grid()


@pytest.fixture
def devices():
    return latency.devices()


def first(devices, kind):
    return next(d for d in devices.values() if d.kind == kind)


# ---------------------------------------------------------------- the Pareto front


def test_pareto_front_keeps_exactly_the_rows_nothing_beats():
    rows = [make_row("magnitude", 0.0, "a", 0.90, 100), make_row("magnitude", 0.0, "b", 0.80, 50),
            make_row("magnitude", 0.0, "c", 0.85, 120),  # bigger and less accurate than a
            make_row("magnitude", 0.0, "d", 0.80, 60),  # as accurate as b, bigger
            make_row("magnitude", 0.0, "e", 0.95, 300), make_row("magnitude", 0.0, "f", 0.60, 20)]
    front = explorer.pareto_front(rows)
    assert [row["format"] for row in front] == ["f", "b", "a", "e"]  # smallest first


def test_pareto_front_keeps_identical_points_and_a_single_row():
    twins = [make_row("magnitude", 0.0, "a", 0.9, 100), make_row("magnitude", 0.0, "b", 0.9, 100)]
    assert len(explorer.pareto_front(twins)) == 2
    assert explorer.pareto_front(twins[:1]) == twins[:1]
    assert explorer.pareto_front([]) == []


def test_a_row_as_small_but_less_accurate_is_dominated():
    small, better = make_row("magnitude", 0.0, "a", 0.7, 100), make_row("magnitude", 0.0, "b", 0.8, 100)
    assert explorer.dominates(better, small) and not explorer.dominates(small, better)
    assert explorer.pareto_front([small, better]) == [better]


def test_pareto_front_of_the_synthetic_grid(grid):
    front = explorer.pareto_front(grid)
    assert all(not any(explorer.dominates(o, r) for o in grid) for r in front)
    assert all(any(explorer.dominates(o, r) for o in grid) for r in grid if r not in front)
    assert front[0]["gzip_bytes"] == min(r["gzip_bytes"] for r in grid)
    assert front[-1]["test_accuracy"] == max(r["test_accuracy"] for r in grid)


# ---------------------------------------------------------------- the budget


def test_budget_reasons_name_every_limit_broken():
    limits = dict(max_bytes=50_000, deadline_ms=20, min_accuracy=0.8)
    assert explorer.budget_reasons(50_000, 20, 0.8, **limits) == ()  # on the limits: qualifies
    reasons = explorer.budget_reasons(80_000, 35, 0.75, **limits)
    assert len(reasons) == 3
    assert "80 kB" in reasons[0] and "50 kB" in reasons[0]
    assert "35" in reasons[1] and "deadline" in reasons[1]
    assert "75.0%" in reasons[2] and "80.0%" in reasons[2]
    assert explorer.budget_reasons(80_000, 10, 0.9, **limits) == (reasons[0],)


def test_a_cloud_deployment_has_no_size_limit():
    assert explorer.budget_reasons(None, 10, 0.9, max_bytes=1, deadline_ms=20, min_accuracy=0.8) == ()


def test_best_deployment_is_the_most_accurate_qualifying_one():
    def deployment(variant, where, size, accuracy, reasons=()):
        return explorer.Deployment(variant, where, "x", size, accuracy, 1.0, 2.0, reasons)

    candidates = [deployment("big", "edge", 900, 0.95, ("too big",)), deployment("a", "cloud", 500, 0.9),
                  deployment("a", "edge", 500, 0.9), deployment("b", "edge", 100, 0.9),
                  deployment("c", "edge", 50, 0.8)]
    assert explorer.best_deployment(candidates) == candidates[3]  # as accurate, smaller
    assert explorer.best_deployment(candidates[:3]) == candidates[2]  # the edge before the cloud
    assert explorer.best_deployment(candidates[:1]) is None


# ---------------------------------------------------------------- compute: one state of the explorer


def test_compute_picks_the_chosen_variant_and_draws_the_front(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(sparsity=0.8, format="int8"))
    assert view.chosen["variant"] == "80% pruned int8"
    assert view.front == explorer.pareto_front(grid)
    assert view.summary()[0] == explorer.describe_variant(view.chosen)
    assert "80% pruned int8" in view.summary()[0] and "85.0%" in view.summary()[0]
    assert len(view.deployments) == len(grid)


def test_latency_breakdown_agrees_with_utils_latency(grid, devices):
    settings = explorer.Settings(sparsity=0.5, format="dynamic", network="LTE", uplink_mbps=3.0, rtt_ms=80,
                                 fps=15, payload_bytes=50_000, seed=7)
    view = explorer.compute(grid, devices, settings)
    row, edge_device, server = view.chosen, first(devices, "edge"), first(devices, "server")
    net = latency.network("LTE", uplink_mbps=3.0, rtt_ms=80)
    assert view.network == net
    assert view.cloud_stages == latency.cloud_breakdown(50_000, net, row["p50_ms_1t"] * server.factor)
    assert view.edge_stages == {f"inference on {edge_device.name}": row["p50_ms_1t"] * edge_device.factor}
    cloud = latency.percentiles(latency.simulate_cloud(50_000, net, row["p50_ms_1t"] * server.factor,
                                                       explorer.SAMPLES, 7, server_p95_ms=row["p95_ms_1t"] * server.factor))
    edge = latency.percentiles(latency.simulate_edge(row["p50_ms_1t"] * edge_device.factor, explorer.SAMPLES, 7,
                                                     p95_ms=row["p95_ms_1t"] * edge_device.factor))
    assert (view.cloud.p50_ms, view.cloud.p99_ms) == (cloud["p50"], cloud["p99"])
    assert (view.edge.p50_ms, view.edge.p99_ms) == (edge["p50"], edge["p99"])
    assert view.cloud_feet == latency.feet_travelled(cloud["p99"], 60)
    assert view.edge_feet == latency.feet_travelled(edge["p99"], 60)
    assert view.monthly_gigabytes == latency.monthly_gigabytes(50_000, 15)
    assert view.monthly_cost == latency.monthly_cost(50_000, 15)
    assert view.frame_ms == pytest.approx(1000 / 15)


def test_defaults_the_first_preset_its_bandwidth_and_one_model_input(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings())
    preset = next(iter(latency.presets().values()))
    assert view.network == preset
    assert view.cloud_stages["uplink"] == pytest.approx(latency.transmit_ms(64 * 64 * 3, preset.uplink_mbps))
    assert view.edge.place == first(devices, "edge").name
    assert view.cloud.place == f"{first(devices, 'server').name} over {preset.name}"


def test_more_bandwidth_shortens_the_upload(grid, devices):
    slow, fast = (explorer.compute(grid, devices, explorer.Settings(network="LTE", uplink_mbps=mbps))
                  for mbps in (1.0, 100.0))
    assert fast.cloud_stages["uplink"] < slow.cloud_stages["uplink"]
    assert fast.cloud.p50_ms < slow.cloud.p50_ms
    assert fast.edge == slow.edge  # the edge does not use the network


def test_a_slower_device_takes_longer_at_the_edge(grid, devices):
    edges = sorted((d for d in devices.values() if d.kind == "edge"), key=lambda d: d.factor)
    fast, slow = (explorer.compute(grid, devices, explorer.Settings(device=d.name)) for d in (edges[0], edges[-1]))
    assert fast.edge.p50_ms < slow.edge.p50_ms
    assert slow.edge_feet > fast.edge_feet


def test_budget_in_compute_says_why_each_deployment_fails(grid, devices):
    settings = explorer.Settings(network="LTE", max_bytes=50_000, deadline_ms=1000, min_accuracy=0.85)
    view = explorer.compute(grid, devices, settings)
    for edge, cloud in view.deployments:
        assert (edge.where, cloud.where) == ("edge", "cloud")
        assert any("size limit" in r for r in edge.reasons) == (edge.size_bytes > 50_000)
        assert not any("size limit" in r for r in cloud.reasons)
        assert any("minimum" in r for r in edge.reasons) == (edge.accuracy < 0.85)
    qualifying = [d for pair in view.deployments for d in pair if d.qualifies]
    assert view.best in qualifying
    assert view.best.accuracy == max(d.accuracy for d in qualifying)


def test_a_tight_deadline_leaves_only_the_edge(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(network="geostationary satellite", deadline_ms=100))
    assert all(not cloud.qualifies and "deadline" in cloud.reasons[0] for _, cloud in view.deployments)
    assert view.best is not None and view.best.where == "edge"


def test_nothing_qualifies_gives_no_best(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(min_accuracy=0.99))
    assert view.best is None
    assert "No deployment meets this budget" in explorer.budget_table(view)


def test_compute_is_a_plain_function_of_its_inputs(grid, devices):
    settings = explorer.Settings(sparsity=0.9, format="float16", network="5G", fps=10, seed=3)
    assert explorer.compute(grid, devices, settings) == explorer.compute(grid, devices, settings)
    assert explorer.compute(grid, devices, dataclasses.replace(settings, seed=4)) != explorer.compute(
        grid, devices, settings)


@pytest.mark.parametrize("change, words", [
    (dict(sparsity=0.3), "no '30% pruned"),
    (dict(device="toaster"), "'toaster' is not a known edge device"),
    (dict(device=None, server="phone (Pixel 4)"), "not a known server device"),
    (dict(network="carrier pigeon"), "Unknown network preset"),
    (dict(fps=0), "frame rate"),
    (dict(deadline_ms=0), "deadline"),
    (dict(min_accuracy=1.5), "accuracy between 0 and 1"),
])
def test_bad_settings_say_what_is_wrong(grid, devices, change, words):
    with pytest.raises(ValueError, match=words):
        explorer.compute(grid, devices, explorer.Settings(**change))


def test_budget_table_lists_every_variant_at_the_edge_and_in_the_cloud(grid, devices):
    settings = explorer.Settings(network="LTE", max_bytes=30_000, deadline_ms=1000, min_accuracy=0.85)
    view = explorer.compute(grid, devices, settings)
    table = explorer.budget_table(view)
    assert all(row["variant"] in table for row in grid)
    assert table.count("<tr>") == len(grid) + 1
    assert table.count("✓ qualifies") == sum(d.qualifies for pair in view.deployments for d in pair)
    assert f"<b>{view.best.variant}</b>" in table


def test_number_keeps_three_significant_digits():
    assert [explorer.number(v) for v in (0.01234, 1.234, 12.34, 123.4, 12345.6)] == [
        "0.0123", "1.23", "12.3", "123", "12,346"]


# ---------------------------------------------------------------- drawing and the widgets


def test_plots_are_pngs_that_change_with_the_view(grid, devices):
    sizes, latencies = explorer.SizeAccuracyPlot(grid), explorer.LatencyPlot()
    first_view = explorer.compute(grid, devices, explorer.Settings(network="LTE"))
    other_view = explorer.compute(grid, devices, explorer.Settings(network="LTE", sparsity=0.9, deadline_ms=20))
    pngs = [(sizes.png(v), latencies.png(v)) for v in (first_view, other_view, first_view)]
    assert all(png.startswith(b"\x89PNG") for pair in pngs for png in pair)
    assert pngs[0][0] != pngs[1][0] and pngs[0][1] != pngs[1][1]
    assert pngs[2] == pngs[0]  # drawn again from the same view: the same picture


def test_variant_choices_follow_the_grid(grid):
    assert explorer.variant_choices(grid) == [
        ("dense", ("magnitude", 0.0)), ("50% weights", ("magnitude", 0.5)), ("80% weights", ("magnitude", 0.8)),
        ("90% weights", ("magnitude", 0.9)), ("50% filters", ("filters", 0.5))]


def test_controls_drive_the_view(grid, devices):
    app = explorer.Explorer(grid, devices, explorer.Settings(network="LTE", payload_bytes=20_000))
    before = (app.chosen.value, [image.value for image in app.images])
    app.controls["variant"].value = ("magnitude", 0.9)
    app.controls["format"].value = "int8"  # faster than float32: the latency plot changes too
    view = explorer.compute(grid, devices, app.settings())
    assert view.chosen["variant"] == "90% pruned int8" and app.settings().payload_bytes == 20_000
    assert app.chosen.value.split("<br>")[0] == f"<b>{explorer.describe_variant(view.chosen)}</b>"
    assert app.chosen.value != before[0]
    assert all(new != old for new, old in zip([image.value for image in app.images], before[1]))
    assert app.budget.value == explorer.budget_table(view)


def test_a_new_network_preset_moves_the_bandwidth_and_rtt_sliders(grid, devices):
    app = explorer.Explorer(grid, devices, explorer.Settings(network="LTE", uplink_mbps=50))
    assert app.controls["uplink_mbps"].value == 50
    app.controls["network"].value = "5G"
    preset = latency.presets()["5G"]
    assert (app.controls["uplink_mbps"].value, app.controls["rtt_ms"].value) == (preset.uplink_mbps, preset.rtt_ms)
    assert f"{explorer.number(preset.uplink_mbps)} Mbit/s up" in app.chosen.value


def test_the_size_slider_at_its_end_means_no_limit(grid, devices):
    app = explorer.Explorer(grid, devices, explorer.Settings(max_bytes=50_000))
    assert app.settings().max_bytes == 50_000
    app.controls["max_kb"].value = app.controls["max_kb"].max
    assert math.isinf(app.settings().max_bytes)
    assert "no limit" in app.budget.value


def test_voila_runs_this_python_and_only_notebook_07(tmp_path):
    import json
    import sys

    spec = json.loads((explorer.kernel_folder() / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    command = explorer.voila_command(8899)
    assert command[:3] == [sys.executable, "-m", "voila"] and command[3] == str(explorer.NOTEBOOK)
    assert {"--no-browser", "--port=8899", "--Voila.ip=127.0.0.1", "--strip_sources=True"} <= set(command)
