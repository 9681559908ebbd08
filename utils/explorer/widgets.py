"""Notebook 08: the explorer's ipywidgets controls, wired to :func:`~utils.explorer.model.compute`,
and the outputs they redraw: the figures, the chosen deployment's sentences and the budget table.
"""

from __future__ import annotations

import dataclasses
import gc
import html
import math

from utils import latency
from utils.explorer.budget import budget_table
from utils.explorer.model import EDGE, Settings, View, compute, network_of, pick_device
from utils.explorer.plots import LatencyPlot, SizeAccuracyPlot
from utils.explorer.variants import device_bytes, offered


def variant_choices(grid: list[dict]) -> list[tuple[str, tuple[str, float]]]:
    """The pruning choices of the grid as (label, (method, sparsity)), in grid order."""
    seen = dict.fromkeys((row["method"], row["sparsity"]) for row in grid)
    return [
        (
            "dense"
            if not sparsity
            else f"{sparsity:.0%} {'filters' if method == 'filters' else 'weights'}",
            (method, sparsity),
        )
        for method, sparsity in seen
    ]


MAX_DISTANCE_KM = 20_000  # half the Earth's circumference: no data centre is farther
MIN_AVAILABILITY = 80.0  # % of the time the link is up, at the availability slider's left end


class Explorer:
    """The controls, wired to :func:`compute`, and the outputs it draws (display the object).

    Every control change calls :meth:`update`: it reads :meth:`settings`, computes the
    :class:`View`, and redraws the figure, the chosen deployment's sentences and the budget table.
    ``front``: the Pareto front the size–accuracy plot draws (a student's, notebook 08's
    exercise; None: the course's).
    """

    def __init__(
        self,
        grid: list[dict],
        devices: dict[str, latency.Device],
        settings: Settings | None = None,
        front: list[dict] | None = None,
    ):
        import ipywidgets as w

        self.grid, self.devices = grid, devices
        s = settings or Settings()
        net = network_of(s)
        presets = latency.presets()
        largest_kb = max(device_bytes(row) for row in grid) / 1000
        style, layout = {"description_width": "130px"}, w.Layout(width="400px")

        def slider(kind, description, value, **options):
            return kind(
                value=value,
                description=description,
                continuous_update=False,
                style=style,
                layout=layout,
                **options,
            )

        self.controls = {
            "variant": slider(
                w.SelectionSlider, "pruning", (s.method, s.sparsity), options=variant_choices(grid)
            ),
            "format": w.ToggleButtons(
                options=self._formats(pick_device(devices, s.device, EDGE)),
                value=s.format,
                description="format",
                style={**style, "button_width": "auto"},  # "int8 (quantizer)" is longer
                layout=w.Layout(width="460px"),
            ),
            "device": w.Dropdown(
                options=[d.name for d in devices.values() if d.kind == EDGE],
                value=pick_device(devices, s.device, EDGE).name,
                description="edge device",
                style=style,
                layout=layout,
            ),
            "server": w.Dropdown(
                options=[d.name for d in devices.values() if d.kind == "server"],
                value=pick_device(devices, s.server, "server").name,
                description="cloud server",
                style=style,
                layout=layout,
            ),
            "network": w.Dropdown(
                options=list(presets),
                value=net.name,
                description="network",
                style=style,
                layout=layout,
            ),
            "uplink_mbps": slider(
                w.FloatLogSlider,
                "uplink (Mbit/s)",
                net.uplink_mbps,
                min=-1,
                max=3,
                step=0.05,
                readout_format=".4g",
            ),
            "rtt_ms": slider(w.FloatSlider, "RTT (ms)", net.rtt_ms, min=0, max=800, step=1),
            "fps": slider(w.IntSlider, "frames/s", round(s.fps), min=1, max=60),
            "distance_km": slider(
                w.FloatSlider,
                "data centre (km)",
                s.distance_km,
                min=0,
                max=MAX_DISTANCE_KM,
                step=10,
                readout_format=",.0f",
            ),
            "availability": slider(
                w.FloatSlider,
                "link up (%)",
                100 * (1 - s.unavailability),
                min=MIN_AVAILABILITY,
                max=100,
                step=0.1,
                readout_format=".1f",
            ),
            "mean_outage_s": slider(
                w.FloatLogSlider,
                "mean outage (s)",
                s.mean_outage_s,
                min=0,
                max=3,
                step=0.05,
                readout_format=".3g",
            ),
            "deadline_ms": slider(
                w.FloatLogSlider,
                "p99 deadline (ms)",
                s.deadline_ms,
                min=0,
                max=3,
                step=0.05,
                readout_format=".4g",
            ),
            "max_kb": slider(
                w.FloatSlider,
                "max on device (kB)",
                min(s.max_bytes / 1000, largest_kb),
                min=0,
                max=largest_kb,
                step=max(largest_kb / 200, 0.1),
                readout_format=".1f",
            ),
            "min_accuracy": slider(
                w.FloatSlider, "min val. accuracy", s.min_accuracy, min=0, max=1, step=0.01
            ),
        }
        self._base = s
        self._holding = False
        # The kernel holds hundreds of thousands of long-lived objects (TensorFlow's); a full
        # pass of the garbage collector over them would stall an update for about 0.4 s. Freezing
        # them leaves the collector only the objects made from now on.
        gc.freeze()
        self.plots = (SizeAccuracyPlot(grid, front), LatencyPlot())
        self.images = [
            w.Image(format="png").add_class(f"explorer-plot-{i}") for i in range(len(self.plots))
        ]
        self.chosen = w.HTML().add_class("explorer-chosen")
        self.budget = w.HTML().add_class("explorer-budget")
        for name, control in self.controls.items():
            control.add_class(f"explorer-{name}")  # for the browser test (and custom styling)
            handler = {"network": self._network_changed, "device": self._device_changed}.get(
                name, self.update
            )
            control.observe(handler, names="value")
        c = self.controls
        column = w.Layout(width="460px")
        self.widget = w.VBox(
            [
                w.HBox(
                    [
                        w.VBox(
                            [
                                w.HTML("<b>The model</b>"),
                                c["variant"],
                                c["format"],
                                w.HTML("<b>Budget</b>"),
                                c["deadline_ms"],
                                c["max_kb"],
                                c["min_accuracy"],
                            ],
                            layout=column,
                        ),
                        w.VBox(
                            [
                                w.HTML("<b>Where it runs</b>"),
                                c["device"],
                                c["server"],
                                c["network"],
                                c["uplink_mbps"],
                                c["rtt_ms"],
                                c["distance_km"],
                                c["availability"],
                                c["mean_outage_s"],
                                c["fps"],
                            ],
                            layout=column,
                        ),
                    ]
                ),
                self.chosen,
                w.HBox(self.images),
                self.budget,
            ]
        ).add_class("explorer")
        self.update()

    def settings(self) -> Settings:
        """The settings the controls show."""
        c = {name: control.value for name, control in self.controls.items()}
        method, sparsity = c["variant"]
        largest_kb = self.controls["max_kb"].max
        return dataclasses.replace(
            self._base,
            method=method,
            sparsity=sparsity,
            format=c["format"],
            device=c["device"],
            server=c["server"],
            network=c["network"],
            uplink_mbps=c["uplink_mbps"],
            rtt_ms=c["rtt_ms"],
            fps=c["fps"],
            distance_km=c["distance_km"],
            unavailability=round(1 - c["availability"] / 100, 6),
            mean_outage_s=c["mean_outage_s"],
            deadline_ms=c["deadline_ms"],
            min_accuracy=c["min_accuracy"],
            max_bytes=math.inf if c["max_kb"] >= largest_kb else 1000 * c["max_kb"],
        )

    def _formats(self, device) -> list[str]:
        """The formats ``device`` can run (only int8 on an int8-only device), in grid order."""
        return list(dict.fromkeys(row["format"] for row in offered(self.grid, device)))

    def _device_changed(self, change=None) -> None:
        """A new edge device offers only the formats it can run (an int8-only one: int8), then
        updates once."""
        formats = self._formats(self.devices[self.controls["device"].value])
        control = self.controls["format"]
        if list(control.options) != formats:
            value = control.value if control.value in formats else formats[0]
            self._holding = True
            try:
                control.options = formats
                control.value = value
            finally:
                self._holding = False
        self.update()

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

    def _ipython_display_(self):
        """Shown as its widget: ipywidgets 7 (Colab's) displays widgets this way, not through
        ``_repr_mimebundle_`` as ipywidgets 8 does; ``display`` works with both."""
        from IPython.display import display

        display(self.widget)
