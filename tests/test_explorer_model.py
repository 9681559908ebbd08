"""Notebook 08: the explorer's pure core (utils/explorer/model.py) on the synthetic grid: the
budget, compute (one state of the explorer), int8-only devices, distance and outages."""

import dataclasses
import math

import numpy as np
import pytest

from explorer_grid import (
    PAYLOAD,
    devices,
    first,  # noqa: F401
    grid,
    payload,
    with_npu,
)
from utils import explorer, latency
from utils.explorer import model


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
    assert (
        explorer.budget_reasons(None, 10, 0.9, max_bytes=1, deadline_ms=20, min_accuracy=0.8) == ()
    )


def test_best_deployment_is_the_most_accurate_qualifying_one():
    def deployment(variant, where, size, accuracy, reasons=()):
        return explorer.Deployment(variant, where, "x", size, accuracy, 1.0, 2.0, reasons)

    candidates = [
        deployment("big", "edge", 900, 0.95, ("too big",)),
        deployment("a", "cloud", 500, 0.9),
        deployment("a", "edge", 500, 0.9),
        deployment("b", "edge", 100, 0.9),
        deployment("c", "edge", 50, 0.8),
    ]
    assert explorer.best_deployment(candidates) == candidates[3]  # as accurate, smaller
    assert explorer.best_deployment(candidates[:3]) == candidates[2]  # the edge before the cloud
    assert explorer.best_deployment(candidates[:1]) is None


# ---------------------------------------------------------------- compute: one explorer state


def test_compute_picks_the_chosen_variant_and_draws_the_front(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(sparsity=0.8, format="int8"))
    assert view.chosen["variant"] == "80% pruned int8"
    assert view.front == explorer.pareto_front(grid)
    assert view.summary()[0] == explorer.describe_variant(view.chosen)
    assert "80% pruned int8" in view.summary()[0] and "85.0% ± 1.1%" in view.summary()[0]
    # test accuracy: reported once, after choosing
    assert "novel 75.0%" in view.summary()[0] and "test" not in view.summary()[0]
    assert len(view.deployments) == len(grid)


def test_latency_breakdown_agrees_with_utils_latency(grid, devices):
    settings = explorer.Settings(
        sparsity=0.5,
        format="dynamic",
        network="LTE",
        uplink_mbps=3.0,
        rtt_ms=80,
        fps=15,
        payload_bytes=50_000,
        seed=7,
    )
    view = explorer.compute(grid, devices, settings)
    row, edge_device, server = view.chosen, first(devices, "edge"), first(devices, "server")
    net = latency.network("LTE", uplink_mbps=3.0, rtt_ms=80)
    assert view.network == net
    server_ms, edge_ms = row["p50_ms_1t"] * server.factor, row["p50_ms_1t"] * edge_device.factor
    assert view.cloud_stages == latency.cloud_breakdown(50_000, net, server_ms)
    assert view.edge_stages == {f"inference on {edge_device.name} ({edge_device.origin})": edge_ms}
    cloud = latency.percentiles(
        latency.simulate_cloud(
            50_000,
            net,
            server_ms,
            explorer.SAMPLES,
            7,
            server_p95_ms=row["p95_ms_1t"] * server.factor,
        )
    )
    edge = latency.percentiles(
        latency.simulate_edge(
            edge_ms, explorer.SAMPLES, 7, p95_ms=row["p95_ms_1t"] * edge_device.factor
        )
    )
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
    assert view.payload_bytes == PAYLOAD  # explorer.default_payload_bytes(): notebook 06's
    assert view.cloud_stages["uplink"] == pytest.approx(
        latency.transmit_ms(PAYLOAD, preset.uplink_mbps)
    )
    assert view.monthly_cost == latency.monthly_cost(PAYLOAD, 30)
    assert view.edge.place == first(devices, "edge").name
    assert view.cloud.place == f"{first(devices, 'server').name} over {preset.name}"


def test_more_bandwidth_shortens_the_upload(grid, devices):
    slow, fast = (
        explorer.compute(grid, devices, explorer.Settings(network="LTE", uplink_mbps=mbps))
        for mbps in (1.0, 100.0)
    )
    assert fast.cloud_stages["uplink"] < slow.cloud_stages["uplink"]
    assert fast.cloud.p50_ms < slow.cloud.p50_ms
    assert fast.edge == slow.edge  # the edge does not use the network


def test_a_slower_device_takes_longer_at_the_edge(grid, devices):
    edges = sorted((d for d in devices.values() if d.kind == "edge"), key=lambda d: d.factor)
    fast, slow = (
        explorer.compute(grid, devices, explorer.Settings(device=d.name))
        for d in (edges[0], edges[-1])
    )
    assert fast.edge.p50_ms < slow.edge.p50_ms
    assert slow.edge_feet > fast.edge_feet


def test_the_payload_is_the_median_jpeg_crop_of_the_test_split(monkeypatch):
    import tensorflow as tf

    from utils import data, serving

    rng = np.random.default_rng(0)
    crops = [
        np.full((64, 64, 3), 3 * i, np.uint8)
        if i % 2
        else rng.integers(0, 256, (64, 64, 3), np.uint8)
        for i in range(70)
    ]
    dataset = tf.data.Dataset.from_tensor_slices((np.stack(crops), np.zeros(70, np.int64)))
    monkeypatch.setattr(data, "load", lambda split: dataset if split == "test" else None)
    model._crop_payload.cache_clear()
    payload = model._crop_payload("smoke", "test-only", "nowhere")
    sizes = sorted(len(serving.encode_jpeg(c, 75)) for c in crops[: latency.PAYLOAD_CROPS])
    assert payload == latency.crop_payload_bytes(crops[:64]) == (sizes[31] + sizes[32]) / 2
    assert latency.JPEG_QUALITY == 75 and latency.PAYLOAD_CROPS == 64
    assert payload < 64 * 64 * 3  # the median crop compresses (half the crops are flat)
    model._crop_payload.cache_clear()


def test_budget_in_compute_says_why_each_deployment_fails(grid, devices):
    settings = explorer.Settings(
        network="LTE", max_bytes=50_000, deadline_ms=1000, min_accuracy=0.85
    )
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
    view = explorer.compute(
        grid, devices, explorer.Settings(network="geostationary satellite", deadline_ms=100)
    )
    assert all(
        not cloud.qualifies and "deadline" in cloud.reasons[0] for _, cloud in view.deployments
    )
    assert view.best is not None and view.best.where == "edge"


def test_nothing_qualifies_gives_no_best(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(min_accuracy=0.99))
    assert view.best is None
    assert "No deployment meets this budget" in explorer.budget_table(view)


def test_compute_is_a_plain_function_of_its_inputs(grid, devices):
    settings = explorer.Settings(sparsity=0.9, format="float16", network="5G", fps=10, seed=3)
    assert explorer.compute(grid, devices, settings) == explorer.compute(grid, devices, settings)
    assert explorer.compute(grid, devices, dataclasses.replace(settings, seed=4)) != (
        explorer.compute(grid, devices, settings)
    )


@pytest.mark.parametrize(
    "change, words",
    [
        (dict(sparsity=0.3), "no '30% pruned"),
        (dict(device="toaster"), "'toaster' is not a known edge device"),
        (dict(device=None, server="phone (Pixel 4)"), "not a known server device"),
        (dict(network="carrier pigeon"), "Unknown network preset"),
        (dict(fps=0), "fps=0"),
        (dict(deadline_ms=0), "deadline_ms=0"),
        (dict(min_accuracy=1.5), "min_accuracy=1.5"),
    ],
)
def test_bad_settings_say_what_is_wrong(grid, devices, change, words):
    with pytest.raises(ValueError, match=words):
        explorer.compute(grid, devices, explorer.Settings(**change))


# ---------------------------------------------------------------- int8-only devices


def test_on_an_int8_only_device_a_float_variant_cannot_run(grid, with_npu):
    view = explorer.compute(
        grid, with_npu, explorer.Settings(device="NPU", format="int8", network="LTE")
    )
    for edge, cloud in view.deployments:
        if edge.format == "int8":
            assert math.isfinite(edge.p99_ms)
            assert not any("accepts only full-int8" in r for r in edge.reasons)
            assert edge.p50_ms >= 0.5 * 0.99 * next(
                r["p50_ms_1t"] for r in grid if r["variant"] == edge.variant
            )
        else:
            assert math.isinf(edge.p99_ms)
            assert edge.reasons[0].startswith("NPU accepts only full-int8 models")
        assert math.isfinite(cloud.p99_ms)  # the server runs every format
    dynamic = next(edge for edge, _ in view.deployments if edge.format == "dynamic")
    assert "dynamic-range (int8 weights, float activations)" in dynamic.reasons[0]
    assert "accepts only full-int8" in explorer.budget_table(view)
    assert view.best is None or view.best.where == "cloud" or view.best.format == "int8"
    with pytest.raises(
        ValueError,
        match="NPU accepts only full-int8 models, and this one is float32: choose format='int8'",
    ):
        explorer.compute(grid, with_npu, explorer.Settings(device="NPU", format="float32"))


# ---------------------------------------------------------------- distance, and outages


def test_distance_adds_propagation_to_the_round_trip(grid, devices):
    near = explorer.compute(grid, devices, explorer.Settings(network="LTE"))
    far = explorer.compute(grid, devices, explorer.Settings(network="LTE", distance_km=1000))
    # 2 × 1,000 km × 2.1 (route inflation) / 200 km per ms = 21 ms more round trip
    assert math.isclose(far.network.rtt_ms - near.network.rtt_ms, 21.0)
    assert math.isclose(far.cloud_stages["propagation"] - near.cloud_stages["propagation"], 21.0)
    assert far.cloud.p50_ms > near.cloud.p50_ms + 15
    assert far.edge == near.edge  # the edge does not care
    assert (
        "21 ms of it propagation to a data centre 1,000 km (621.4 miles) away" in far.summary()[2]
    )
    assert "propagation to a data centre" not in near.summary()[2]


def test_lost_to_outages_by_hand():
    outages = latency.Outages(0.01, 30)  # mean up time 30 × 0.99 / 0.01 = 2,970 s
    assert math.isclose(
        explorer.lost_to_outages(outages, 100.0), 0.01 + 0.99 * (1 - math.exp(-0.1 / 2970))
    )
    assert explorer.lost_to_outages(latency.Outages(0.0, 30), 100.0) == 0.0
    assert math.isclose(explorer.lost_to_outages(outages, 0.0), 0.01)  # sent while the link is down


def test_lost_to_outages_agrees_with_the_simulated_outages():
    outages = latency.Outages(0.05, 2.0)  # 90 outages an hour; a 500 ms request is cut often
    run = latency.simulate_outages(
        outages, 10, 20 * 3600, seed=1, deadline_ms=1000, cloud_ms=500, edge_ms=5
    )
    assert math.isclose(
        run.cloud_missed_fraction, explorer.lost_to_outages(outages, 500.0), rel_tol=0.05
    )


def test_a_link_down_5_percent_of_the_time_leaves_the_cloud_without_a_p99(grid, devices):
    always_up = explorer.compute(
        grid, devices, explorer.Settings(network="wired edge server", fps=10)
    )
    down = explorer.compute(
        grid,
        devices,
        explorer.Settings(
            network="wired edge server", fps=10, unavailability=0.05, mean_outage_s=10
        ),
    )
    assert always_up.outage_run is None and down.outages == latency.Outages(0.05, 10)
    assert down.edge == always_up.edge  # the edge keeps answering
    for edge, cloud in down.deployments:
        assert math.isinf(cloud.p99_ms)
        assert "more than 1 frame in 100 gets no answer (the link is down)" in cloud.reasons
        assert math.isfinite(edge.p99_ms)
    assert down.best.where == "edge" and "p99 inf" not in explorer.budget_table(down)
    run = down.outage_run
    # 100,000 frames at 10 frames/s
    assert down.outage_window_s == 10_000 and run.frames == 100_000
    assert run.edge_missed == 0 and run.cloud_missed > 0
    assert run.cloud_longest_blind_s > run.edge_longest_blind_s
    line = down.summary()[-1]
    # 3,600 × 0.05 / 10 = 18 an hour
    assert line.startswith(
        "link down 5.00% of the time, in outages of 10 s on average (18 an hour)"
    )
    assert "over a simulated 2.8 h (100,000 frames" in line and "the edge kept answering" in line
    feet = latency.feet_travelled(1000 * run.cloud_longest_blind_s)
    assert f"({explorer.number(feet)} ft at 60 mph)" in line
    assert "gets no answer" in down.summary()[2]
    assert explorer.LatencyPlot().png(down).startswith(b"\x89PNG")


def test_rare_short_outages_only_nudge_the_cloud_p99(grid, devices):
    up = explorer.compute(grid, devices, explorer.Settings(network="LTE", fps=1))
    rare = explorer.compute(
        grid,
        devices,
        explorer.Settings(network="LTE", fps=1, unavailability=0.001, mean_outage_s=60),
    )
    assert math.isfinite(rare.cloud.p99_ms) and rare.cloud.p99_ms >= up.cloud.p99_ms
    assert rare.outage_window_s == 86_400  # at 1 frame/s, a whole day


@pytest.mark.parametrize(
    "change, words",
    [
        (dict(distance_km=-5), "distance_km"),
        (dict(unavailability=1.0), "unavailability=1.0"),
        (dict(unavailability=0.1, mean_outage_s=0), "mean_outage_s"),
    ],
)
def test_bad_outage_and_distance_settings_say_what_is_wrong(grid, devices, change, words):
    with pytest.raises(ValueError, match=words):
        explorer.compute(grid, devices, explorer.Settings(**change))
