"""The trade-off explorer's pure functions on synthetic grids, and the widgets wired to them."""

import dataclasses
import math

import numpy as np
import pytest

from utils import explorer, latency

FORMATS = ("float32", "float16", "dynamic", "int8")
PAYLOAD = 1_600.0  # bytes: what the JPEG crop weighs in these tests (the real one needs the dataset)
IMAGES = 1000  # validation and test images behind each accuracy


def make_row(method, sparsity, fmt, accuracy, size_bytes, p50_ms=1.0, novel=True):
    """A grid row with exactly the keys quantization.grid() documents; ``size_bytes`` on the
    device: a file of 4/5 of it and peak activations of 1/5, gzipped to half the file."""
    name = f"{sparsity:.0%} {'filters removed' if method == 'filters' else 'pruned'} {fmt}"
    activations = size_bytes // 5
    return {"variant": name, "method": method, "sparsity": sparsity, "format": fmt,
            "validation_accuracy": accuracy, "test_accuracy": accuracy - 0.005,
            "novel_accuracy": accuracy - 0.1 if novel else None,
            "validation_images": IMAGES, "test_images": IMAGES, "agreement": 0.95,
            "file_bytes": size_bytes - activations, "gzip_bytes": (size_bytes - activations) // 2,
            "nonzero_bytes": size_bytes // 4, "activation_bytes": activations,
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


@pytest.fixture(autouse=True)
def payload(monkeypatch):
    """The default payload without building the dataset (its definition is tested below)."""
    monkeypatch.setattr(explorer, "default_payload_bytes", lambda: PAYLOAD)
    return PAYLOAD


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


# ---------------------------------------------------------------- the budget


def test_budget_reasons_name_every_limit_broken():
    limits = dict(max_bytes=50_000, deadline_ms=20, min_accuracy=0.8)
    assert explorer.budget_reasons(50_000, 20, 0.8, **limits) == ()  # on the limits: qualifies
    reasons = explorer.budget_reasons(80_000, 35, 0.75, **limits)
    assert len(reasons) == 3
    assert "80 kB" in reasons[0] and "50 kB" in reasons[0]
    assert "35" in reasons[1] and "deadline" in reasons[1]
    assert "75.0%" in reasons[2] and "80.0%" in reasons[2] and "validation" in reasons[2]
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


def test_within_noise_is_two_standard_errors_of_the_difference():
    se = math.sqrt(0.9 * 0.1 / 1000)  # 0.0095
    assert explorer.within_noise(0.90, se, 0.90 - 2 * math.sqrt(2) * se + 1e-9, se)
    assert not explorer.within_noise(0.90, se, 0.90 - 2 * math.sqrt(2) * se - 1e-6, se)
    assert explorer.accuracy_se(make_row("magnitude", 0.0, "a", 0.9, 100)) == pytest.approx(se)


def test_ties_name_other_variants_within_noise_of_the_best(grid, devices):
    settings = explorer.Settings(network="LTE", max_bytes=100_000, deadline_ms=60, min_accuracy=0.5, payload_bytes=PAYLOAD)
    view = explorer.compute(grid, devices, settings)
    best = view.best
    assert best is not None and best.where == "edge"
    assert view.within_noise and all(d.qualifies and d.variant != best.variant for d in view.within_noise)
    assert len({d.variant for d in view.within_noise}) == len(view.within_noise)
    qualifying = [d for pair in view.deployments for d in pair if d.qualifies and d.variant != best.variant]
    for d in qualifying:
        close = explorer.within_noise(d.accuracy, d.accuracy_se, best.accuracy, best.accuracy_se)
        assert close == (d.variant in {t.variant for t in view.within_noise})
    text = explorer.decision(view, grid).text
    assert f"Best: {best.variant} at the edge" in text and "Within noise of it" in text
    assert text.count(" ± ") <= 2 + explorer.SHOW_TIED
    assert "test accuracy" in text and "reported once" in text and "1,000 images" in text
    assert "within noise of it on validation" in explorer.budget_table(view)


def test_a_clear_winner_has_no_ties(grid, devices):
    sure = [dict(row, validation_images=10**7) for row in grid]  # tiny standard errors
    view = explorer.compute(sure, devices, explorer.Settings(network="LTE", max_bytes=100_000, deadline_ms=60))
    assert view.best is not None and view.within_noise  # the synthetic grid has exact ties...
    assert all(d.accuracy == view.best.accuracy for d in view.within_noise)  # ...and only those
    alone = explorer.compute([row for row in sure if row["variant"] not in {d.variant for d in view.within_noise}],
                             devices, explorer.Settings(network="LTE", max_bytes=100_000, deadline_ms=60))
    assert alone.best == view.best and alone.within_noise == []
    assert "No other qualifying variant is within noise" in explorer.decision(alone).text
    nothing = explorer.compute(grid, devices, explorer.Settings(min_accuracy=0.99))
    assert "No deployment meets this budget" in explorer.decision(nothing).text


# ---------------------------------------------------------------- compute: one state of the explorer


def test_compute_picks_the_chosen_variant_and_draws_the_front(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(sparsity=0.8, format="int8"))
    assert view.chosen["variant"] == "80% pruned int8"
    assert view.front == explorer.pareto_front(grid)
    assert view.summary()[0] == explorer.describe_variant(view.chosen)
    assert "80% pruned int8" in view.summary()[0] and "85.0% ± 1.1%" in view.summary()[0]
    assert "novel 75.0%" in view.summary()[0] and "test" not in view.summary()[0]  # test: reported once
    assert len(view.deployments) == len(grid)


def test_a_grid_without_a_novel_split_works(devices):
    rows = [make_row("magnitude", s, f, 0.9 - s / 10, int(300_000 * (1 - s / 2)), novel=False)
            for s in (0.0, 0.5) for f in FORMATS]
    view = explorer.compute(rows, devices, explorer.Settings(sparsity=0.5, format="int8"))
    assert "novel" not in view.summary()[0]
    assert "novel" not in explorer.budget_table(view)
    assert explorer.SizeAccuracyPlot(rows).png(view).startswith(b"\x89PNG")


def test_describe_variant_counts_file_and_activations_and_shows_the_download():
    text = explorer.describe_variant(make_row("magnitude", 0.5, "int8", 0.9, 100_000))
    assert "100 kB on the device (80 kB file + 20 kB peak activations), 40 kB download (gzip)" in text


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


def test_defaults_the_first_preset_its_bandwidth_and_the_jpeg_crop(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings())
    preset = next(iter(latency.presets().values()))
    assert view.network == preset
    assert view.payload_bytes == PAYLOAD  # explorer.default_payload_bytes(), notebook 06's definition
    assert view.cloud_stages["uplink"] == pytest.approx(latency.transmit_ms(PAYLOAD, preset.uplink_mbps))
    assert view.monthly_cost == latency.monthly_cost(PAYLOAD, 30)
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


def test_the_payload_is_the_median_jpeg_crop_of_the_test_split(monkeypatch):
    import tensorflow as tf

    from utils import data, serving

    rng = np.random.default_rng(0)
    crops = [np.full((64, 64, 3), 3 * i, np.uint8) if i % 2 else rng.integers(0, 256, (64, 64, 3), np.uint8)
             for i in range(70)]
    dataset = tf.data.Dataset.from_tensor_slices((np.stack(crops), np.zeros(70, np.int64)))
    monkeypatch.setattr(data, "load", lambda split: dataset if split == "test" else None)
    explorer._crop_payload.cache_clear()
    payload = explorer._crop_payload("smoke", "test-only", "nowhere")
    sizes = sorted(len(serving.encode_jpeg(c, 75)) for c in crops[:latency.PAYLOAD_CROPS])
    assert payload == latency.crop_payload_bytes(crops[:64]) == (sizes[31] + sizes[32]) / 2
    assert latency.JPEG_QUALITY == 75 and latency.PAYLOAD_CROPS == 64
    assert payload < 64 * 64 * 3  # the median crop compresses (half the crops are flat)
    explorer._crop_payload.cache_clear()


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
    (dict(fps=0), "fps=0"),
    (dict(deadline_ms=0), "deadline_ms=0"),
    (dict(min_accuracy=1.5), "min_accuracy=1.5"),
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


def test_number_is_the_course_formatter():
    from utils import results

    assert explorer.number is results.format_number


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


def test_voila_runs_this_python_and_only_notebook_08(tmp_path):
    import json
    import sys

    spec = json.loads((explorer.kernel_folder() / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    command = explorer.voila_command(8899)
    assert command[:3] == [sys.executable, "-m", "voila"] and command[3] == str(explorer.NOTEBOOK)
    assert {"--no-browser", "--port=8899", "--Voila.ip=127.0.0.1", "--strip_sources=True"} <= set(command)


def test_a_long_list_of_ties_is_cut_and_counted(grid, devices):
    vague = [dict(row, validation_images=20) for row in grid]  # large standard errors: nearly all tied
    view = explorer.compute(vague, devices, explorer.Settings(network="LTE", deadline_ms=1000))
    assert len(view.within_noise) > explorer.SHOW_TIED
    text = explorer.decision(view).text
    assert f"and {len(view.within_noise) - explorer.SHOW_TIED} more (see the budget table)" in text
    assert all(d.variant in explorer.budget_table(view) for d in view.within_noise)


# ---------------------------------------------------------------- a variant's time on a device


def test_device_time_scales_by_the_variants_precision_and_thread_count(grid):
    # Pixel-like: 4 threads there against 2 here; float32 factor 10, int8 factor 4
    phone = latency.Device("phone", "edge", 10.0, "test", {"float32": 10.0, "int8": 4.0}, 0.0, 4, 2)
    int8 = next(r for r in grid if r["format"] == "int8" and r["sparsity"] == 0.0)
    assert explorer.device_ms(phone, int8, grid) == (4.0 * int8["p50_ms_2t"], 4.0 * int8["p95_ms_2t"])


def test_a_device_without_an_int8_reference_gets_no_int8_gain(grid):
    pi = latency.Device("pi", "edge", 3.0, "test", {"float32": 3.0}, 0.0, 4, 1)
    int8 = next(r for r in grid if r["format"] == "int8" and r["sparsity"] == 0.5)
    float32 = next(r for r in grid if r["format"] == "float32" and r["sparsity"] == 0.5)
    assert int8["p50_ms_1t"] < float32["p50_ms_1t"]
    assert explorer.device_ms(pi, int8, grid) == (3.0 * float32["p50_ms_1t"], 3.0 * float32["p95_ms_1t"])


def test_a_server_never_answers_faster_than_its_per_request_floor(grid):
    gpu = latency.Device("gpu", "server", 0.0, "test", {}, 0.47, None, 1)
    assert explorer.device_ms(gpu, grid[0], grid) == (0.47, 0.47)


# ---------------------------------------------------------------- int8-only devices and the capstone's constraints


NPU = latency.Device("NPU", "edge", 0.0, "test", {"int8": 0.5}, 0.0, None, 1, int8_only=True)  # a hand-made one


@pytest.fixture
def with_npu(devices):
    return {**devices, NPU.name: NPU}


def test_the_table_s_int8_only_device_is_the_coral_edge_tpu(devices):
    assert [name for name, d in devices.items() if explorer.int8_only(d)] == ["Coral Edge TPU (Dev Board)"]


def test_an_int8_only_device_offers_only_the_int8_variants(grid):
    assert explorer.int8_only(NPU) and not explorer.int8_only(latency.Device("cpu", "edge", 1.0, "test"))
    assert explorer.offered(grid, NPU) == [row for row in grid if row["format"] == "int8"]
    assert len(explorer.offered(grid, NPU)) == 5
    assert explorer.offered(grid, latency.Device("cpu", "edge", 1.0, "test")) == grid


def test_on_an_int8_only_device_a_float_variant_cannot_run(grid, with_npu):
    view = explorer.compute(grid, with_npu, explorer.Settings(device="NPU", format="int8", network="LTE"))
    for edge, cloud in view.deployments:
        if edge.format == "int8":
            assert math.isfinite(edge.p99_ms) and not any("accepts only full-int8" in r for r in edge.reasons)
            assert edge.p50_ms >= 0.5 * 0.99 * next(r["p50_ms_1t"] for r in grid if r["variant"] == edge.variant)
        else:
            assert math.isinf(edge.p99_ms) and edge.reasons[0].startswith("NPU accepts only full-int8 models")
        assert math.isfinite(cloud.p99_ms)  # the server runs every format
    dynamic = next(edge for edge, _ in view.deployments if edge.format == "dynamic")
    assert "dynamic-range (int8 weights, float activations)" in dynamic.reasons[0]
    assert "accepts only full-int8" in explorer.budget_table(view)
    assert view.best is None or view.best.where == "cloud" or view.best.format == "int8"
    with pytest.raises(ValueError, match="NPU accepts only full-int8 models, and this one is float32: choose format='int8'"):
        explorer.compute(grid, with_npu, explorer.Settings(device="NPU", format="float32"))


def test_choosing_an_int8_only_device_leaves_only_int8_on_the_format_buttons(grid, with_npu):
    app = explorer.Explorer(grid, with_npu, explorer.Settings(network="LTE", format="float16"))
    assert list(app.controls["format"].options) == list(FORMATS)
    app.controls["device"].value = "NPU"
    assert list(app.controls["format"].options) == ["int8"] and app.settings().format == "int8"
    assert "NPU" in app.budget.value
    app.controls["device"].value = next(n for n, d in with_npu.items() if d.kind == "edge" and n != "NPU")
    assert list(app.controls["format"].options) == list(FORMATS) and app.settings().format == "int8"


# Wired edge server: the cloud meets a 60 ms deadline; 30 frames/s of 1,600 bytes is 124.4 GB a month
# (1,600 × 30 × 86,400 × 30 / 1e9), over a 1 GB plan. RAM 55 kB: of the int8 variants only 80 %
# (36 kB, 85 %), 90 % (28 kB, 69 %) and filters removed (50 kB, 80 %) fit.
CONSTRAINED = explorer.Settings(device="NPU", format="int8", network="wired edge server", deadline_ms=60,
                                min_accuracy=0.8)
CONSTRAINTS = explorer.Constraints(int8_only=True, ram_bytes=55_000, monthly_gb=1)


def test_constraints_add_their_reasons_and_choose_again(grid, with_npu):
    view = explorer.compute(grid, with_npu, CONSTRAINED)
    assert view.best.where == "cloud"  # without the constraints the cloud wins (most accurate, any size)
    constrained = explorer.constrain(view, CONSTRAINTS)
    assert (constrained.best.variant, constrained.best.where) == ("80% pruned int8", "edge")
    assert constrained.within_noise == []  # filters removed: 80 % against 85 %, 5 points > 2 SE of the difference
    assert math.isclose(view.monthly_gigabytes, 1_600 * 30 * 86_400 * 30 / 1e9)
    for edge, cloud in constrained.deployments:
        assert any("over the 1 GB data plan" in r for r in cloud.reasons)
        assert any("of RAM the app may use" in r for r in edge.reasons) == (edge.size_bytes > 55_000)
    assert constrained.settings == view.settings and constrained.chosen == view.chosen


def test_constraints_on_a_device_without_the_flag_still_refuse_float_models(grid, devices):
    view = explorer.constrain(explorer.compute(grid, devices, explorer.Settings(network="LTE")),
                              explorer.Constraints(int8_only=True))
    edges = [edge for edge, _ in view.deployments]
    assert all(any("accepts only full-int8" in r for r in e.reasons) == (e.format != "int8") for e in edges)


def test_no_constraints_change_nothing(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(network="LTE", deadline_ms=1000))
    assert explorer.constrain(view, explorer.Constraints()) == view


@pytest.mark.parametrize("bad", [dict(ram_bytes=0), dict(monthly_gb=-1), dict(ram_bytes=float("nan"))])
def test_bad_constraints_say_what_is_wrong(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        explorer.Constraints(**bad)


# ---------------------------------------------------------------- distance to the data centre, and outages


def test_distance_adds_propagation_to_the_round_trip(grid, devices):
    near = explorer.compute(grid, devices, explorer.Settings(network="LTE"))
    far = explorer.compute(grid, devices, explorer.Settings(network="LTE", distance_km=1000))
    # 2 × 1,000 km × 2.1 (route inflation) / 200 km per ms = 21 ms more round trip
    assert math.isclose(far.network.rtt_ms - near.network.rtt_ms, 21.0)
    assert math.isclose(far.cloud_stages["propagation"] - near.cloud_stages["propagation"], 21.0)
    assert far.cloud.p50_ms > near.cloud.p50_ms + 15 and far.edge == near.edge  # the edge does not care
    assert "21 ms of it propagation to a data centre 1,000 km (621.4 miles) away" in far.summary()[2]
    assert "propagation to a data centre" not in near.summary()[2]


def test_lost_to_outages_by_hand():
    outages = latency.Outages(0.01, 30)  # mean up time 30 × 0.99 / 0.01 = 2,970 s
    assert math.isclose(explorer.lost_to_outages(outages, 100.0), 0.01 + 0.99 * (1 - math.exp(-0.1 / 2970)))
    assert explorer.lost_to_outages(latency.Outages(0.0, 30), 100.0) == 0.0
    assert math.isclose(explorer.lost_to_outages(outages, 0.0), 0.01)  # sent while the link is down


def test_lost_to_outages_agrees_with_the_simulated_outages():
    outages = latency.Outages(0.05, 2.0)  # 90 outages an hour; a 500 ms request is cut often
    run = latency.simulate_outages(outages, 10, 20 * 3600, seed=1, deadline_ms=1000, cloud_ms=500, edge_ms=5)
    assert math.isclose(run.cloud_missed_fraction, explorer.lost_to_outages(outages, 500.0), rel_tol=0.05)


def test_a_link_down_5_percent_of_the_time_leaves_the_cloud_without_a_p99(grid, devices):
    always_up = explorer.compute(grid, devices, explorer.Settings(network="wired edge server", fps=10))
    down = explorer.compute(grid, devices, explorer.Settings(network="wired edge server", fps=10,
                                                             unavailability=0.05, mean_outage_s=10))
    assert always_up.outage_run is None and down.outages == latency.Outages(0.05, 10)
    assert down.edge == always_up.edge  # the edge keeps answering
    for edge, cloud in down.deployments:
        assert math.isinf(cloud.p99_ms) and "more than 1 frame in 100 gets no answer (the link is down)" in cloud.reasons
        assert math.isfinite(edge.p99_ms)
    assert down.best.where == "edge" and "p99 inf" not in explorer.budget_table(down)
    run = down.outage_run
    assert down.outage_window_s == 10_000 and run.frames == 100_000  # 100,000 frames at 10 frames/s
    assert run.edge_missed == 0 and run.cloud_missed > 0 and run.cloud_longest_blind_s > run.edge_longest_blind_s
    line = down.summary()[-1]
    assert line.startswith("link down 5.00% of the time, in outages of 10 s on average (18 an hour)")  # 3,600 × 0.05 / 10
    assert "over a simulated 2.8 h (100,000 frames" in line and "the edge kept answering" in line
    feet = latency.feet_travelled(1000 * run.cloud_longest_blind_s)
    assert f"({explorer.number(feet)} ft at 60 mph)" in line
    assert "gets no answer" in down.summary()[2]
    assert explorer.LatencyPlot().png(down).startswith(b"\x89PNG")


def test_rare_short_outages_only_nudge_the_cloud_p99(grid, devices):
    up = explorer.compute(grid, devices, explorer.Settings(network="LTE", fps=1))
    rare = explorer.compute(grid, devices, explorer.Settings(network="LTE", fps=1, unavailability=0.001,
                                                             mean_outage_s=60))
    assert math.isfinite(rare.cloud.p99_ms) and rare.cloud.p99_ms >= up.cloud.p99_ms
    assert rare.outage_window_s == 86_400  # at 1 frame/s, a whole day


@pytest.mark.parametrize("change, words", [
    (dict(distance_km=-5), "distance_km"),
    (dict(unavailability=1.0), "unavailability=1.0"),
    (dict(unavailability=0.1, mean_outage_s=0), "mean_outage_s"),
])
def test_bad_outage_and_distance_settings_say_what_is_wrong(grid, devices, change, words):
    with pytest.raises(ValueError, match=words):
        explorer.compute(grid, devices, explorer.Settings(**change))


def test_the_availability_and_distance_sliders_drive_the_view(grid, devices):
    app = explorer.Explorer(grid, devices, explorer.Settings(network="LTE"))
    assert len(app.chosen.value.split("<br>")) == 4  # no outage line while the link is always up
    app.controls["availability"].value = 95.0
    app.controls["mean_outage_s"].value = 10.0
    app.controls["distance_km"].value = 5000
    settings = app.settings()
    assert (settings.unavailability, settings.mean_outage_s, settings.distance_km) == (0.05, 10.0, 5000)
    assert app.chosen.value.split("<br>")[-1].startswith("link down 5.00% of the time")
    assert "105 ms of it propagation" in app.chosen.value  # 2 × 5,000 × 2.1 / 200
