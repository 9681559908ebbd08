"""Notebook 08: the explorer's figures and widgets (utils/explorer/plots.py, widgets.py), wired to
compute on the synthetic grid."""

import math

from explorer_grid import FORMATS, devices, grid, payload, with_npu  # noqa: F401  (fixtures)
from utils import explorer, latency


# ---------------------------------------------------------------- drawing


def test_plots_are_pngs_that_change_with_the_view(grid, devices):
    sizes, latencies = explorer.SizeAccuracyPlot(grid), explorer.LatencyPlot()
    first_view = explorer.compute(grid, devices, explorer.Settings(network="LTE"))
    other_view = explorer.compute(
        grid, devices, explorer.Settings(network="LTE", sparsity=0.9, deadline_ms=20)
    )
    pngs = [(sizes.png(v), latencies.png(v)) for v in (first_view, other_view, first_view)]
    assert all(png.startswith(b"\x89PNG") for pair in pngs for png in pair)
    assert pngs[0][0] != pngs[1][0] and pngs[0][1] != pngs[1][1]
    assert pngs[2] == pngs[0]  # drawn again from the same view: the same picture


# ---------------------------------------------------------------- the widgets


def test_variant_choices_follow_the_grid(grid):
    assert explorer.variant_choices(grid) == [
        ("dense", ("magnitude", 0.0)),
        ("50% weights", ("magnitude", 0.5)),
        ("80% weights", ("magnitude", 0.8)),
        ("90% weights", ("magnitude", 0.9)),
        ("50% filters", ("filters", 0.5)),
    ]


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
    assert (app.controls["uplink_mbps"].value, app.controls["rtt_ms"].value) == (
        preset.uplink_mbps,
        preset.rtt_ms,
    )
    assert f"{explorer.number(preset.uplink_mbps)} Mbit/s up" in app.chosen.value


def test_the_size_slider_at_its_end_means_no_limit(grid, devices):
    app = explorer.Explorer(grid, devices, explorer.Settings(max_bytes=50_000))
    assert app.settings().max_bytes == 50_000
    app.controls["max_kb"].value = app.controls["max_kb"].max
    assert math.isinf(app.settings().max_bytes)
    assert "no limit" in app.budget.value


def test_choosing_an_int8_only_device_leaves_only_int8_on_the_format_buttons(grid, with_npu):
    app = explorer.Explorer(grid, with_npu, explorer.Settings(network="LTE", format="float16"))
    assert list(app.controls["format"].options) == list(FORMATS)
    app.controls["device"].value = "NPU"
    assert list(app.controls["format"].options) == ["int8"] and app.settings().format == "int8"
    assert "NPU" in app.budget.value
    app.controls["device"].value = next(
        n for n, d in with_npu.items() if d.kind == "edge" and n != "NPU"
    )
    assert list(app.controls["format"].options) == list(FORMATS) and app.settings().format == "int8"


def test_the_availability_and_distance_sliders_drive_the_view(grid, devices):
    app = explorer.Explorer(grid, devices, explorer.Settings(network="LTE"))
    assert len(app.chosen.value.split("<br>")) == 4  # no outage line while the link is always up
    app.controls["availability"].value = 95.0
    app.controls["mean_outage_s"].value = 10.0
    app.controls["distance_km"].value = 5000
    settings = app.settings()
    assert (settings.unavailability, settings.mean_outage_s, settings.distance_km) == (
        0.05,
        10.0,
        5000,
    )
    assert app.chosen.value.split("<br>")[-1].startswith("link down 5.00% of the time")
    assert "105 ms of it propagation" in app.chosen.value  # 2 × 5,000 × 2.1 / 200
