"""Notebook 08: the explorer's two figures, drawn with matplotlib as PNG bytes: size against
accuracy (the Pareto front, the student's where given, the chosen variant, the budget) and the
stages of one request. What the front's marks are is :func:`front_marks`, a plain function.
"""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np

from utils.explorer.model import View
from utils.explorer.variants import (
    ACCURACY_KEY,
    accuracy_se,
    device_bytes,
    dominates,
    number,
    pareto_front,
)

FORMAT_COLOURS = {
    "float32": "tab:blue",
    "float16": "tab:orange",
    "dynamic": "tab:green",
    "int8": "tab:red",
    "int8 (quantizer)": "tab:purple",  # quantization.QUANTIZER_FORMAT, appendix A10
}
METHOD_MARKERS = {"magnitude": "o", "filters": "s"}
STAGE_COLOURS = (
    "tab:olive",
    "tab:orange",
    "tab:gray",
    "tab:purple",
    "tab:cyan",
    "tab:brown",
    "tab:pink",
)
EDGE_STAGE = "inference at the edge"


Point = tuple[float, float]  # (kB on the device, validation accuracy)


def _point(row: dict) -> Point:
    return (device_bytes(row) / 1000, row[ACCURACY_KEY])


@dataclasses.dataclass(frozen=True)
class FrontMarks:
    """What the size–accuracy plot draws for a Pareto front, as (kB, accuracy) points."""

    line: list[Point]  # the front drawn, in the order given
    label: str
    course: list[Point]  # the course's front, where the one drawn is not it; else empty
    dominated: list[Point]  # members of the front drawn that a variant of the grid dominates
    missed: list[Point]  # variants nothing dominates that the front drawn leaves out


def front_marks(grid: list[dict], front: list[dict] | None = None) -> FrontMarks:
    """The marks of ``front`` (a student's Pareto front of ``grid``, notebook 08's exercise; None:
    the course's, :func:`pareto_front`) on the size–accuracy plot: its line, and, where it is not
    the course's front, that front too, its members some variant dominates and the undominated
    variants it misses, so that a wrong front is visibly wrong."""
    course = pareto_front(grid)
    if front is None:
        return FrontMarks([_point(row) for row in course], "Pareto front", [], [], [])
    if isinstance(front, (str, bytes, dict)) or not hasattr(front, "__iter__"):
        raise ValueError(
            f"front is {front!r}; pass the list of grid rows your pareto_front returns, or None."
        )
    front = list(front)
    stranger = next((row for row in front if not isinstance(row, dict) or row not in grid), None)
    if front and stranger is not None:
        raise ValueError(
            f"front holds {stranger!r}, which is not a row of the grid; pass the rows "
            "themselves (pareto_front should return rows, not indices or pairs)."
        )
    return FrontMarks(
        line=[_point(row) for row in front],
        label="your Pareto front",
        course=[] if front == course else [_point(row) for row in course],
        dominated=[_point(row) for row in front if any(dominates(other, row) for other in grid)],
        missed=[_point(row) for row in course if row not in front],
    )


def _png(canvas) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class SizeAccuracyPlot:
    """Validation accuracy (± one standard error) against bytes on the device of every variant,
    the Pareto front (``front``: a student's, marked against the course's by :func:`front_marks`;
    None: the course's), the chosen variant ringed and the budget's corner shaded. The points are
    drawn once; an update draws only the ring and the shading over a saved copy of them
    (blitting), which keeps it fast."""

    def __init__(
        self,
        grid: list[dict],
        front: list[dict] | None = None,
        width: float = 5.2,
        height: float = 3.6,
        dpi: int = 80,
    ):
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
            ax.errorbar(
                [device_bytes(r) / 1000 for r in rows],
                [r[ACCURACY_KEY] for r in rows],
                yerr=[accuracy_se(r) for r in rows],
                fmt="none",
                ecolor=FORMAT_COLOURS.get(fmt, "black"),
                elinewidth=1,
                capsize=2,
                alpha=0.7,
                zorder=2,
            )
            self.points.append(
                ax.scatter(
                    [device_bytes(r) / 1000 for r in rows],
                    [r[ACCURACY_KEY] for r in rows],
                    s=30,
                    zorder=3,
                    color=FORMAT_COLOURS.get(fmt, "black"),
                    marker=METHOD_MARKERS.get(method, "^"),
                    label=fmt if method == "magnitude" else None,
                )
            )
        ax.scatter(
            [], [], color="gray", marker=METHOD_MARKERS["filters"], s=30, label="filters removed"
        )
        marks = self.marks = front_marks(grid, front)
        if marks.course:
            ax.plot(
                *zip(*marks.course),
                color="tab:gray",
                lw=3,
                alpha=0.4,
                drawstyle="steps-post",
                label="Pareto front (course)",
                zorder=1,
            )
        if marks.line:
            ax.plot(*zip(*marks.line), "k--", lw=1, drawstyle="steps-post", label=marks.label)
        if marks.dominated:
            ax.scatter(
                *zip(*marks.dominated), s=80, marker="x", color="black", zorder=4, label="dominated"
            )
        if marks.missed:
            ax.scatter(
                *zip(*marks.missed),
                s=110,
                marker="D",  # not a circle: the chosen variant's ring is one
                facecolors="none",
                edgecolors="black",
                zorder=4,
                label="missing from yours",
            )
        self.ring = ax.scatter(
            [], [], s=220, facecolors="none", edgecolors="black", linewidths=2, animated=True
        )
        self.allowed = ax.add_patch(
            Rectangle((0, 0), 0, 0, color="tab:green", alpha=0.15, animated=True)
        )
        ax.fill_between([], [], color="tab:green", alpha=0.15, label="within budget")
        sizes = [device_bytes(r) / 1000 for r in grid]
        low, high = (
            min(r[ACCURACY_KEY] - accuracy_se(r) for r in grid),
            max(r[ACCURACY_KEY] + accuracy_se(r) for r in grid),
        )
        self.max_kb = 1.05 * max(sizes)
        self.top = min(1.0, high + 0.03)
        ax.set_xlim(0, self.max_kb)
        ax.set_ylim(max(0.0, low - 0.03), self.top)  # the error bars show what is noise
        ax.set_xlabel("on the device: file + peak activations (kB)")
        ax.set_ylabel("validation accuracy ± 1 SE")
        ax.legend(fontsize=7, loc="best")  # where it hides the fewest points
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._key = self._png = None

    def png(self, view: View) -> bytes:
        """The plot for ``view`` as PNG bytes (the last one again if nothing it shows changed)."""
        row, s = view.chosen, view.settings
        key = (row["variant"], s.max_bytes, s.min_accuracy)
        if key != self._key:
            self.ring.set_offsets([[device_bytes(row) / 1000, row[ACCURACY_KEY]]])
            self.allowed.set_bounds(
                0, s.min_accuracy, min(s.max_bytes / 1000, self.max_kb), self.top - s.min_accuracy
            )
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
        bars = (
            (f"edge\n{view.edge.place}", {EDGE_STAGE: sum(view.edge_stages.values())}, view.edge),
            (f"cloud\n{view.network.name}", view.cloud_stages, view.cloud),
        )
        key = (bars, view.settings.deadline_ms)
        if key == self._key:
            return self._png
        ax = self.ax
        ax.clear()
        stages = [EDGE_STAGE, *view.cloud_stages]
        for y, (label, stage_ms, deployment) in enumerate(bars):
            left = 0.0
            for name, ms in stage_ms.items():
                ax.barh(
                    y,
                    ms,
                    left=left,
                    height=0.5,
                    label=name,
                    color=STAGE_COLOURS[stages.index(name) % len(STAGE_COLOURS)],
                )
                left += ms
            if math.isfinite(deployment.p99_ms):
                ax.plot(deployment.p99_ms, y, "kd", ms=7)
                label = f"p50 {number(deployment.p50_ms)} · p99 {number(deployment.p99_ms)} ms"
            else:  # more than 1 frame in 100 lost to outages
                label = "p99: no answer (link down)"
            ax.annotate(
                label,
                (max(left, deployment.p99_ms) if math.isfinite(deployment.p99_ms) else left, y),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        ax.axvline(view.settings.deadline_ms, color="tab:red", ls="--", lw=1.2, label="deadline")
        ax.plot([], [], "kd", label="p99")
        ax.set_yticks(range(len(bars)), [label for label, _, _ in bars], fontsize=8)
        ax.set_ylim(-0.5, len(bars) + 0.6)
        finite = [
            ms
            for ms in (view.cloud.p99_ms, view.edge.p99_ms, sum(view.cloud_stages.values()))
            if math.isfinite(ms)
        ]
        ax.set_xlim(0, 1.5 * max(*finite, view.settings.deadline_ms))
        ax.set_xlabel("one request (ms); bars: median of each stage")
        handles, labels = ax.get_legend_handles_labels()
        # the stages first
        order = sorted(range(len(labels)), key=lambda i: labels[i] in ("deadline", "p99"))
        ax.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            fontsize=7,
            loc="upper left",
            ncol=3,
        )
        self.canvas.draw()
        self._key, self._png = key, _png(self.canvas)
        return self._png
