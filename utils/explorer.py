"""Stage 7: the trade-off explorer — every measured variant, where it could run, and which
deployments meet a budget.

What a control change computes is :func:`compute`, a plain function of the variant grid
(``quantization.grid()``), the device table (``latency.devices()``) and the :class:`Settings`:
it returns a :class:`View` holding every number and sentence the explorer shows. :class:`Explorer`
only wires ipywidgets controls to it and draws the View with matplotlib
(:class:`SizeAccuracyPlot`, :class:`LatencyPlot`).

``python -m utils.explorer`` (``make explore``) serves notebook 07 as a standalone app with Voilà.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import html
import io
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from utils import config, latency, quantization, validate

SIZE_KEY = "gzip_bytes"  # what a device downloads and stores
ACCURACY_KEY = "test_accuracy"
LATENCY_KEY, P95_KEY = "p50_ms_1t", "p95_ms_1t"  # one image, one thread, measured here in LiteRT
SAMPLES = 2000  # simulated requests behind every percentile
MPH = 60
EDGE, CLOUD = "edge", "cloud"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the controls set. ``None`` picks a default from the tables (see each field)."""

    method: str = "magnitude"  # "magnitude" (weights pruned) or "filters" (filters removed)
    sparsity: float = 0.0
    format: str = "float32"
    device: str | None = None  # an edge device of the device table; None: the first
    server: str | None = None  # a server of the device table; None: the first
    network: str | None = None  # a preset of latency.presets(); None: the first
    uplink_mbps: float | None = None  # None: the preset's
    rtt_ms: float | None = None  # None: the preset's
    fps: float = 30.0  # frames a camera sends per second
    payload_bytes: float | None = None  # sent per request; None: one model input (uint8)
    max_bytes: float = math.inf  # budget: gzipped model on the device
    deadline_ms: float = 100.0  # budget: p99 latency
    min_accuracy: float = 0.0  # budget: test accuracy
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class Deployment:
    """One variant running in one place, and whether it meets the budget."""

    variant: str
    where: str  # EDGE or CLOUD
    place: str  # "phone (Pixel 4)", "cloud CPU server over LTE"
    size_bytes: int  # gzipped model
    accuracy: float  # test accuracy
    p50_ms: float
    p99_ms: float
    reasons: tuple[str, ...]  # why it misses the budget; empty when it qualifies

    @property
    def qualifies(self) -> bool:
        return not self.reasons


@dataclasses.dataclass(frozen=True)
class View:
    """Everything one state of the explorer shows."""

    settings: Settings
    chosen: dict  # the chosen variant's grid row
    front: list[dict]  # the Pareto front of the grid, smallest first
    network: latency.Network
    edge: Deployment  # the chosen variant on the edge device
    cloud: Deployment  # the chosen variant on the server, over the network
    edge_stages: dict[str, float]  # median ms of each stage, in order
    cloud_stages: dict[str, float]
    edge_feet: float  # travelled at MPH during the p99 latency
    cloud_feet: float
    frame_ms: float  # time between frames
    monthly_gigabytes: float  # uploaded by the cloud deployment
    monthly_cost: float  # in US dollars
    deployments: list[tuple[Deployment, Deployment]]  # (edge, cloud) of every variant, grid order
    best: Deployment | None  # the most accurate qualifying deployment

    def summary(self) -> list[str]:
        """The chosen deployment in plain sentences, one per line."""
        edge, cloud, net = self.edge, self.cloud, self.network
        return [
            describe_variant(self.chosen),
            f"edge, on {edge.place}: p50 {number(edge.p50_ms)} ms, p99 {number(edge.p99_ms)} ms; "
            f"{number(self.edge_feet)} ft travelled at {MPH} mph",
            f"cloud, {cloud.place} ({number(net.uplink_mbps)} Mbit/s up, {number(net.rtt_ms)} ms RTT): "
            f"p50 {number(cloud.p50_ms)} ms, p99 {number(cloud.p99_ms)} ms; {number(self.cloud_feet)} ft "
            f"at {MPH} mph",
            f"at {number(self.settings.fps)} frames/s (one every {number(self.frame_ms)} ms) the cloud uploads "
            f"{number(self.monthly_gigabytes)} GB a month: ${number(self.monthly_cost)}; the edge uploads nothing",
        ]


def number(value: float) -> str:
    """Three significant digits, without exponents: 0.0123, 1.23, 123, 1,235."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def describe_variant(row: dict) -> str:
    """One grid row in words: its name, sizes and accuracies."""
    return (f"{row['variant']}: {number(row[SIZE_KEY] / 1000)} kB gzipped ({number(row['file_bytes'] / 1000)} kB "
            f"file), test accuracy {row[ACCURACY_KEY]:.1%}, novel {row['novel_accuracy']:.1%}")


# ---------------------------------------------------------------- pure functions


def dominates(a: dict, b: dict, size_key: str = SIZE_KEY, accuracy_key: str = ACCURACY_KEY) -> bool:
    """``a`` is no larger and no less accurate than ``b``, and better in one of the two."""
    no_worse = a[size_key] <= b[size_key] and a[accuracy_key] >= b[accuracy_key]
    return no_worse and (a[size_key] < b[size_key] or a[accuracy_key] > b[accuracy_key])


def pareto_front(rows: list[dict], size_key: str = SIZE_KEY, accuracy_key: str = ACCURACY_KEY) -> list[dict]:
    """The rows no other row dominates (smaller and at least as accurate, or as small and more
    accurate), smallest first: the only variants worth choosing on size and accuracy."""
    front = [row for row in rows if not any(dominates(other, row, size_key, accuracy_key) for other in rows)]
    return sorted(front, key=lambda row: (row[size_key], -row[accuracy_key]))


def budget_reasons(size_bytes: float | None, p99_ms: float, accuracy: float, *, max_bytes: float,
                   deadline_ms: float, min_accuracy: float) -> tuple[str, ...]:
    """Why a deployment misses the budget, one phrase per limit it breaks (none: it qualifies).

    ``size_bytes`` is None for a cloud deployment: the model stays on the server, so the
    device's size limit does not apply to it.
    """
    reasons = []
    if size_bytes is not None and size_bytes > max_bytes:
        reasons.append(f"{number(size_bytes / 1000)} kB is over the {number(max_bytes / 1000)} kB size limit")
    if p99_ms > deadline_ms:
        reasons.append(f"p99 {number(p99_ms)} ms misses the {number(deadline_ms)} ms deadline")
    if accuracy < min_accuracy:
        reasons.append(f"accuracy {accuracy:.1%} is under the {min_accuracy:.1%} minimum")
    return tuple(reasons)


def best_deployment(deployments: list[Deployment]) -> Deployment | None:
    """The most accurate qualifying deployment (then the smaller model, then the edge)."""
    qualifying = [d for d in deployments if d.qualifies]
    if not qualifying:
        return None
    return min(qualifying, key=lambda d: (-d.accuracy, d.size_bytes, d.where != EDGE))


def input_bytes() -> int:
    """One model input as a camera would send it: image_size × image_size × 3 bytes (uint8)."""
    return config.settings().image_size ** 2 * 3


def _pick(devices: dict[str, latency.Device], name: str | None, kind: str) -> latency.Device:
    of_kind = [d for d in devices.values() if d.kind == kind]
    if not of_kind:
        raise ValueError(f"The device table has no {kind} device: add one to data/device_profiles.csv.")
    if name is None:
        return of_kind[0]
    if name not in devices or devices[name].kind != kind:
        raise ValueError(f"{name!r} is not a known {kind} device: choose one of "
                         f"{', '.join(d.name for d in of_kind)}.")
    return devices[name]


def network_of(settings: Settings) -> latency.Network:
    """The settings' network preset, with their bandwidth and RTT when given."""
    name = settings.network or next(iter(latency.presets()))
    overrides = {key: value for key, value in (("uplink_mbps", settings.uplink_mbps), ("rtt_ms", settings.rtt_ms))
                 if value is not None}
    return latency.network(name, **overrides)


def _check(settings: Settings) -> None:
    if not settings.fps > 0:
        raise ValueError(f"fps={settings.fps}: the frame rate must be above 0 frames per second.")
    if not settings.deadline_ms > 0:
        raise ValueError(f"deadline_ms={settings.deadline_ms}: the deadline must be above 0 ms.")
    if settings.max_bytes < 0 or not 0 <= settings.min_accuracy <= 1:
        raise ValueError(f"max_bytes={settings.max_bytes}, min_accuracy={settings.min_accuracy}: the size "
                         "limit must be 0 or more and the accuracy between 0 and 1.")


def compute(grid: list[dict], devices: dict[str, latency.Device], settings: Settings) -> View:
    """Everything the explorer shows for ``settings``: a plain function of its three arguments.

    Edge: the variant's latency measured here (median and p95) × the device's factor, spread
    into request latencies by :func:`latency.simulate_edge`. Cloud: the same variant on the
    server (× its factor), reached over the network with one ``payload_bytes`` upload per
    request (:func:`latency.cloud_breakdown`, :func:`latency.simulate_cloud`).
    """
    validate.positive(fps=settings.fps)
    validate.positive(deadline_ms=settings.deadline_ms, allow_inf=True)
    validate.non_negative(max_bytes=settings.max_bytes, allow_inf=True)
    validate.fraction(sparsity=settings.sparsity, min_accuracy=settings.min_accuracy)
    validate.whole(seed=settings.seed, minimum=0)
    for name, value in (("payload_bytes", settings.payload_bytes), ("rtt_ms", settings.rtt_ms)):
        if value is not None:
            validate.non_negative(**{name: value})
    if settings.uplink_mbps is not None:
        validate.positive(uplink_mbps=settings.uplink_mbps)
    _check(settings)
    chosen = quantization.grid_row(grid, settings.sparsity, settings.format, settings.method)
    edge_device = _pick(devices, settings.device, EDGE)
    server = _pick(devices, settings.server, "server")
    net = network_of(settings)
    payload = settings.payload_bytes if settings.payload_bytes is not None else input_bytes()
    limits = dict(max_bytes=settings.max_bytes, deadline_ms=settings.deadline_ms,
                  min_accuracy=settings.min_accuracy)
    cloud_place = f"{server.name} over {net.name}"

    def deploy(row: dict) -> tuple[Deployment, Deployment]:
        edge = latency.percentiles(latency.simulate_edge(
            row[LATENCY_KEY] * edge_device.factor, SAMPLES, settings.seed, p95_ms=row[P95_KEY] * edge_device.factor))
        cloud = latency.percentiles(latency.simulate_cloud(
            payload, net, row[LATENCY_KEY] * server.factor, SAMPLES, settings.seed,
            server_p95_ms=row[P95_KEY] * server.factor))
        size, accuracy = row[SIZE_KEY], row[ACCURACY_KEY]
        return (
            Deployment(row["variant"], EDGE, edge_device.name, size, accuracy, edge["p50"], edge["p99"],
                       budget_reasons(size, edge["p99"], accuracy, **limits)),
            Deployment(row["variant"], CLOUD, cloud_place, size, accuracy, cloud["p50"], cloud["p99"],
                       budget_reasons(None, cloud["p99"], accuracy, **limits)),
        )

    deployments = [deploy(row) for row in grid]
    edge, cloud = deployments[grid.index(chosen)]
    return View(
        settings=settings,
        chosen=chosen,
        front=pareto_front(grid),
        network=net,
        edge=edge,
        cloud=cloud,
        edge_stages={f"inference on {edge_device.name}": chosen[LATENCY_KEY] * edge_device.factor},
        cloud_stages=latency.cloud_breakdown(payload, net, chosen[LATENCY_KEY] * server.factor),
        edge_feet=latency.feet_travelled(edge.p99_ms, MPH),
        cloud_feet=latency.feet_travelled(cloud.p99_ms, MPH),
        frame_ms=1000 / settings.fps,
        monthly_gigabytes=latency.monthly_gigabytes(payload, settings.fps),
        monthly_cost=latency.monthly_cost(payload, settings.fps),
        deployments=deployments,
        best=best_deployment([d for pair in deployments for d in pair]),
    )


def budget_table(view: View) -> str:
    """The budget as an HTML table: every variant, at the edge and in the cloud, with a tick or
    the reasons it misses; the best deployment in bold."""

    def cell(d: Deployment) -> str:
        verdict = "✓ qualifies" if d.qualifies else "✗ " + "; ".join(d.reasons)
        text = f"p99 {number(d.p99_ms)} ms · {verdict}"
        return f"<td><b>{html.escape(text)}</b></td>" if d == view.best else f"<td>{html.escape(text)}</td>"

    s = view.settings
    limit = "no limit" if math.isinf(s.max_bytes) else f"≤ {number(s.max_bytes / 1000)} kB"
    best = (f"Best: <b>{html.escape(view.best.variant)}</b> at the {view.best.where} ({html.escape(view.best.place)})"
            if view.best else "No deployment meets this budget.")
    head = (f"<p>Budget: size {limit} on the device, p99 ≤ {number(s.deadline_ms)} ms, test accuracy "
            f"≥ {s.min_accuracy:.1%}. {best}</p>")
    rows = "".join(
        f"<tr><td>{html.escape(edge.variant)}</td><td>{number(edge.size_bytes / 1000)}</td>"
        f"<td>{edge.accuracy:.1%}</td>{cell(edge)}{cell(cloud)}</tr>" for edge, cloud in view.deployments)
    return (f"{head}<table><tr><th>variant</th><th>kB gzip</th><th>test accuracy</th>"
            f"<th>edge: {html.escape(view.edge.place)}</th><th>cloud: {html.escape(view.cloud.place)}</th></tr>"
            f"{rows}</table>")


# ---------------------------------------------------------------- drawing

FORMAT_COLOURS = {"float32": "tab:blue", "float16": "tab:orange", "dynamic": "tab:green", "int8": "tab:red"}
METHOD_MARKERS = {"magnitude": "o", "filters": "s"}
STAGE_COLOURS = ("tab:olive", "tab:orange", "tab:gray", "tab:purple", "tab:cyan", "tab:brown", "tab:pink")
EDGE_STAGE = "inference at the edge"


def _png(canvas) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class SizeAccuracyPlot:
    """Accuracy against gzipped size of every variant, the Pareto front, the chosen variant
    ringed and the budget's corner shaded. The points are drawn once; an update draws only the
    ring and the shading over a saved copy of them (blitting), which keeps it fast."""

    def __init__(self, grid: list[dict], width: float = 5.2, height: float = 3.6, dpi: int = 80):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle

        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.figure.subplots_adjust(left=0.14, right=0.97, bottom=0.14, top=0.95)
        self.canvas = FigureCanvasAgg(self.figure)
        ax = self.ax = self.figure.add_subplot()
        self.points = []
        for method, fmt in dict.fromkeys((row["method"], row["format"]) for row in grid):
            rows = [row for row in grid if (row["method"], row["format"]) == (method, fmt)]
            self.points.append(ax.scatter(
                [r[SIZE_KEY] / 1000 for r in rows], [r[ACCURACY_KEY] for r in rows], s=30, zorder=3,
                color=FORMAT_COLOURS.get(fmt, "black"), marker=METHOD_MARKERS.get(method, "^"),
                label=fmt if method == "magnitude" else None))
        ax.scatter([], [], color="gray", marker=METHOD_MARKERS["filters"], s=30, label="filters removed")
        front = pareto_front(grid)
        ax.plot([r[SIZE_KEY] / 1000 for r in front], [r[ACCURACY_KEY] for r in front], "k--", lw=1,
                drawstyle="steps-post", label="Pareto front")
        self.ring = ax.scatter([], [], s=220, facecolors="none", edgecolors="black", linewidths=2, animated=True)
        self.allowed = ax.add_patch(Rectangle((0, 0), 0, 0, color="tab:green", alpha=0.15, animated=True))
        ax.fill_between([], [], color="tab:green", alpha=0.15, label="within budget")
        sizes, accuracies = [r[SIZE_KEY] / 1000 for r in grid], [r[ACCURACY_KEY] for r in grid]
        self.max_kb = 1.05 * max(sizes)
        self.top = min(1.0, max(accuracies) + 0.05)
        ax.set_xlim(0, self.max_kb)
        ax.set_ylim(max(0.0, min(accuracies) - 0.05), self.top)
        ax.set_xlabel("gzipped model (kB)")
        ax.set_ylabel("test accuracy")
        ax.legend(fontsize=7, loc="lower right")
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._key = self._png = None

    def png(self, view: View) -> bytes:
        """The plot for ``view`` as PNG bytes (the last one again if nothing it shows changed)."""
        row, s = view.chosen, view.settings
        key = (row["variant"], s.max_bytes, s.min_accuracy)
        if key != self._key:
            self.ring.set_offsets([[row[SIZE_KEY] / 1000, row[ACCURACY_KEY]]])
            self.allowed.set_bounds(0, s.min_accuracy, min(s.max_bytes / 1000, self.max_kb), self.top - s.min_accuracy)
            self.canvas.restore_region(self.background)
            for artist in (self.allowed, *self.points, self.ring):
                self.ax.draw_artist(artist)
            self._key, self._png = key, _png(self.canvas)
        return self._png


class LatencyPlot:
    """The median of each stage of one request, at the edge and in the cloud, stacked, with the
    p99 of the simulated requests and the deadline."""

    def __init__(self, width: float = 6.2, height: float = 3.6, dpi: int = 80):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.figure.subplots_adjust(left=0.2, right=0.97, bottom=0.14, top=0.95)
        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_subplot()
        self._key = self._png = None

    def png(self, view: View) -> bytes:
        """The plot for ``view`` as PNG bytes (the last one again if nothing it shows changed)."""
        bars = ((f"edge\n{view.edge.place}", {EDGE_STAGE: sum(view.edge_stages.values())}, view.edge),
                (f"cloud\n{view.network.name}", view.cloud_stages, view.cloud))
        key = (bars, view.settings.deadline_ms)
        if key == self._key:
            return self._png
        ax = self.ax
        ax.clear()
        stages = [EDGE_STAGE, *view.cloud_stages]
        for y, (label, stage_ms, deployment) in enumerate(bars):
            left = 0.0
            for name, ms in stage_ms.items():
                ax.barh(y, ms, left=left, height=0.5, label=name,
                        color=STAGE_COLOURS[stages.index(name) % len(STAGE_COLOURS)])
                left += ms
            ax.plot(deployment.p99_ms, y, "kd", ms=7)
            ax.annotate(f"p50 {number(deployment.p50_ms)} · p99 {number(deployment.p99_ms)} ms",
                        (max(left, deployment.p99_ms), y), xytext=(8, 0), textcoords="offset points",
                        va="center", fontsize=8)
        ax.axvline(view.settings.deadline_ms, color="tab:red", ls="--", lw=1.2, label="deadline")
        ax.plot([], [], "kd", label="p99")
        ax.set_yticks(range(len(bars)), [label for label, _, _ in bars], fontsize=8)
        ax.set_ylim(-0.5, len(bars) + 0.6)
        ax.set_xlim(0, 1.5 * max(view.cloud.p99_ms, view.edge.p99_ms, view.settings.deadline_ms))
        ax.set_xlabel("one request (ms); bars: median of each stage")
        handles, labels = ax.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] in ("deadline", "p99"))  # stages first
        ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=7, loc="upper left", ncol=3)
        self.canvas.draw()
        self._key, self._png = key, _png(self.canvas)
        return self._png


# ---------------------------------------------------------------- the widgets


def variant_choices(grid: list[dict]) -> list[tuple[str, tuple[str, float]]]:
    """The pruning choices of the grid as (label, (method, sparsity)), in grid order."""
    seen = dict.fromkeys((row["method"], row["sparsity"]) for row in grid)
    return [("dense" if not sparsity else f"{sparsity:.0%} {'filters' if method == 'filters' else 'weights'}",
             (method, sparsity)) for method, sparsity in seen]


class Explorer:
    """The controls, wired to :func:`compute`, and the outputs it draws (display the object).

    Every control change calls :meth:`update`: it reads :meth:`settings`, computes the
    :class:`View`, and redraws the figure, the chosen deployment's sentences and the budget table.
    """

    def __init__(self, grid: list[dict], devices: dict[str, latency.Device], settings: Settings | None = None):
        import ipywidgets as w

        self.grid, self.devices = grid, devices
        s = settings or Settings()
        net = network_of(s)
        presets = latency.presets()
        largest_kb = max(row[SIZE_KEY] for row in grid) / 1000
        style, layout = {"description_width": "130px"}, w.Layout(width="400px")

        def slider(kind, description, value, **options):
            return kind(value=value, description=description, continuous_update=False, style=style,
                        layout=layout, **options)

        self.controls = {
            "variant": slider(w.SelectionSlider, "pruning", (s.method, s.sparsity), options=variant_choices(grid)),
            "format": w.ToggleButtons(options=list(dict.fromkeys(row["format"] for row in grid)), value=s.format,
                                      description="format", style={**style, "button_width": "72px"},
                                      layout=w.Layout(width="460px")),
            "device": w.Dropdown(options=[d.name for d in devices.values() if d.kind == EDGE],
                                 value=_pick(devices, s.device, EDGE).name, description="edge device",
                                 style=style, layout=layout),
            "server": w.Dropdown(options=[d.name for d in devices.values() if d.kind == "server"],
                                 value=_pick(devices, s.server, "server").name, description="cloud server",
                                 style=style, layout=layout),
            "network": w.Dropdown(options=list(presets), value=net.name, description="network", style=style,
                                  layout=layout),
            "uplink_mbps": slider(w.FloatLogSlider, "uplink (Mbit/s)", net.uplink_mbps, min=-1, max=3, step=0.05,
                                  readout_format=".4g"),
            "rtt_ms": slider(w.FloatSlider, "RTT (ms)", net.rtt_ms, min=0, max=800, step=1),
            "fps": slider(w.IntSlider, "frames/s", round(s.fps), min=1, max=60),
            "deadline_ms": slider(w.FloatLogSlider, "p99 deadline (ms)", s.deadline_ms, min=0, max=3, step=0.05,
                                  readout_format=".4g"),
            "max_kb": slider(w.FloatSlider, "max size (kB)", min(s.max_bytes / 1000, largest_kb), min=0,
                             max=largest_kb, step=max(largest_kb / 200, 0.1), readout_format=".1f"),
            "min_accuracy": slider(w.FloatSlider, "min accuracy", s.min_accuracy, min=0, max=1, step=0.01),
        }
        self._base = s
        self._holding = False
        # The kernel holds hundreds of thousands of long-lived objects (TensorFlow's); a full
        # pass of the garbage collector over them would stall an update for about 0.4 s. Freezing
        # them leaves the collector only the objects made from now on.
        gc.freeze()
        self.plots = (SizeAccuracyPlot(grid), LatencyPlot())
        self.images = [w.Image(format="png").add_class(f"explorer-plot-{i}") for i in range(len(self.plots))]
        self.chosen = w.HTML().add_class("explorer-chosen")
        self.budget = w.HTML().add_class("explorer-budget")
        for name, control in self.controls.items():
            control.add_class(f"explorer-{name}")  # for the browser test (and custom styling)
            control.observe(self._network_changed if name == "network" else self.update, names="value")
        c = self.controls
        column = w.Layout(width="460px")
        self.widget = w.VBox([
            w.HBox([
                w.VBox([w.HTML("<b>The model</b>"), c["variant"], c["format"], w.HTML("<b>Budget</b>"),
                        c["deadline_ms"], c["max_kb"], c["min_accuracy"]], layout=column),
                w.VBox([w.HTML("<b>Where it runs</b>"), c["device"], c["server"], c["network"],
                        c["uplink_mbps"], c["rtt_ms"], c["fps"]], layout=column),
            ]),
            self.chosen,
            w.HBox(self.images),
            self.budget,
        ]).add_class("explorer")
        self.update()

    def settings(self) -> Settings:
        """The settings the controls show."""
        c = {name: control.value for name, control in self.controls.items()}
        method, sparsity = c["variant"]
        largest_kb = self.controls["max_kb"].max
        return dataclasses.replace(
            self._base, method=method, sparsity=sparsity, format=c["format"], device=c["device"], server=c["server"],
            network=c["network"], uplink_mbps=c["uplink_mbps"], rtt_ms=c["rtt_ms"], fps=c["fps"],
            deadline_ms=c["deadline_ms"], min_accuracy=c["min_accuracy"],
            max_bytes=math.inf if c["max_kb"] >= largest_kb else 1000 * c["max_kb"])

    def _network_changed(self, change=None) -> None:
        """A new preset puts its bandwidth and RTT on the sliders, then updates once."""
        net = latency.network(self.controls["network"].value)
        self._holding = True
        try:
            self.controls["uplink_mbps"].value = net.uplink_mbps
            self.controls["rtt_ms"].value = net.rtt_ms
        finally:
            self._holding = False
        self.update()

    def update(self, change=None) -> View | None:
        """Recompute and redraw everything from the controls; returns the new View."""
        if self._holding:
            return None
        view = compute(self.grid, self.devices, self.settings())
        for image, plot in zip(self.images, self.plots):
            image.value = plot.png(view)
        first, *rest = (html.escape(line) for line in view.summary())
        self.chosen.value = "<br>".join([f"<b>{first}</b>", *rest])
        self.budget.value = budget_table(view)
        return view

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


# ---------------------------------------------------------------- the standalone app (make explore)

NOTEBOOK = config.NOTEBOOKS_DIR / "07_tradeoff_explorer.ipynb"


def kernel_folder() -> Path:
    """A Jupyter data folder whose ``python3`` kernel is this Python (the course's environment),
    so that Voilà never starts a kernel of another installation."""
    folder = config.build_dir() / "voila"
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (course)", "language": "python"}, indent=1))
    return folder


def voila_command(port: int) -> list[str]:
    """Voilà serving notebook 07 on 127.0.0.1:``port``: outputs only (no code cells, no
    tracebacks), and a kernel that accepts only the widgets' messages (Voilà's own rule), so the
    page cannot run code of its own."""
    return [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--template=lab", "--strip_sources=True", "--show_tracebacks=False"]


def serve(port: int, profile: str | None = None) -> None:
    """Build what notebook 07 needs (if missing), then become Voilà (until Ctrl-C)."""
    config.use_profile(profile)
    print(f"Profile {config.profile_name()!r}: making sure the variant grid and the reference "
          "latencies exist (built the first time, which takes a while) ...", flush=True)
    quantization.grid()
    quantization.reference_latencies()
    paths = [str(kernel_folder()), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(paths)}
    print(f"The explorer: http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
    command = voila_command(port)
    os.execve(command[0], command, env)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve notebook 07, the trade-off explorer, with Voilà.")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--profile", choices=sorted(config.PROFILES), default=None,
                        help="default: COURSE_PROFILE, else full")
    args = parser.parse_args(argv)
    serve(args.port, args.profile)


if __name__ == "__main__":
    main()
