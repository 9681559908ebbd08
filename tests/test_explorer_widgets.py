"""Notebook 08: the explorer's figures and widgets (utils/explorer/plots.py, widgets.py), wired to
compute on the synthetic grid."""

import math

import pytest

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


# ---------------------------------------------------------------- a student's Pareto front
# The synthetic grid's front (explorer_grid.make_grid; test_exercises_08 derives it): 90 % int8
# (28 kB, 69 %), 90 % dynamic (29.12 kB, 70 %), 80 % int8 (36 kB, 85 %), 80 % dynamic (37.44 kB,
# 86 %), 50 % int8 (60 kB, 88 %), 50 % dynamic (62.4 kB, 89 %), dense dynamic (104 kB, 90 %).
COURSE_FRONT = [(28.0, 0.69), (29.12, 0.70), (36.0, 0.85), (37.44, 0.86), (60.0, 0.88)]
COURSE_FRONT += [(62.4, 0.89), (104.0, 0.90)]


def rows(grid, *names):
    return [next(r for r in grid if r["variant"] == name) for name in names]


def close(points, expected):  # within 0.01 kB: make_row's int() of 400,000 × 0.25 × 0.28 is 27,999
    return len(points) == len(expected) and all(
        math.isclose(x, u, abs_tol=0.01) and math.isclose(y, v)
        for (x, y), (u, v) in zip(points, expected)
    )


def test_without_a_front_the_plot_draws_the_course_s(grid):
    marks = explorer.front_marks(grid)
    assert marks.label == "Pareto front" and close(marks.line, COURSE_FRONT)
    assert marks.course == marks.dominated == marks.missed == []
    same = explorer.front_marks(grid, explorer.pareto_front(grid))  # a right answer
    assert same.label == "your Pareto front" and close(same.line, COURSE_FRONT)
    assert same.course == same.dominated == same.missed == []


def test_a_wrong_front_is_drawn_with_what_is_wrong_in_it(grid):
    # the front with dense int8 (100 kB, 89 %: 50 % dynamic, 62.4 kB and as accurate, dominates
    # it) in place of dense dynamic (104 kB, 90 %, on the front)
    wrong = [r for r in explorer.pareto_front(grid) if r["variant"] != "0% pruned dynamic"]
    wrong += rows(grid, "0% pruned int8")
    marks = explorer.front_marks(grid, wrong)
    assert close(marks.line, COURSE_FRONT[:-1] + [(100.0, 0.89)])
    assert close(marks.course, COURSE_FRONT)
    assert close(marks.dominated, [(100.0, 0.89)]) and close(marks.missed, [(104.0, 0.90)])


def test_a_front_that_is_not_rows_of_the_grid_is_refused(grid):
    for bad, words in (([0, 3], "holds 0, which is not a row"), (7, "front is 7")):
        with pytest.raises(ValueError, match=words):
            explorer.front_marks(grid, bad)


def test_the_explorer_draws_the_front_it_is_given(grid, devices):
    wrong = rows(grid, "0% pruned float32", "0% pruned int8")  # both dominated
    app = explorer.Explorer(grid, devices, explorer.Settings(network="LTE"), front=wrong)
    plot = app.plots[0]
    assert plot.marks == explorer.front_marks(grid, wrong)
    dashed = next(line for line in plot.ax.lines if line.get_label() == "your Pareto front")
    assert close(list(zip(*dashed.get_data())), [(400.0, 0.90), (100.0, 0.89)])
    right = explorer.Explorer(grid, devices, explorer.Settings(network="LTE"))
    assert app.images[0].value != right.images[0].value  # the same view, another picture


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
