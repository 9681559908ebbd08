"""Stage 7: the trade-off explorer — every measured variant, where it could run, and which
deployments meet a budget.

A device holds the model's flatbuffer (stored and memory-mapped as it is, uncompressed) and the
runtime's peak activations: the size budget is ``file_bytes + activation_bytes``; the gzipped
file is only what the device downloads. Variants are chosen on the validation split (with
standard errors; choices within noise are named as such) and the test split is reported once,
for the deployment chosen. The cloud is sent what notebook 06 sends: the model's input crop as
JPEG (:func:`latency.crop_payload_bytes`), over a network preset plus the propagation to a data
centre ``distance_km`` away (:func:`latency.propagation_rtt_ms`), on a link that may be down part of
the time (:class:`latency.Outages`): a request an outage cuts is never answered, and
:func:`latency.simulate_outages` runs the chosen deployment's camera over a window of up to a day
(missed frames, the longest blind time, the edge answering throughout). An int8-only edge device
(:attr:`latency.Device.int8_only`) is offered only the int8 variants; :class:`Constraints` and
:func:`constrain` add what a real deployment asks beyond the budget (the capstone of notebook 08).

What a control change computes is :func:`compute`, a plain function of the variant grid
(``quantization.grid()``), the device table (``latency.devices()``) and the :class:`Settings`:
it returns a :class:`View` holding every number and sentence the explorer shows. :class:`Explorer`
only wires ipywidgets controls to it and draws the View with matplotlib
(:class:`SizeAccuracyPlot`, :class:`LatencyPlot`).

``python -m utils.explorer`` (``make explore``) serves notebook 08 as a standalone app with Voilà.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import html
import io
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

from utils import config, latency, quantization, results, validate, verdicts

DOWNLOAD_KEY = "gzip_bytes"  # what a device downloads (it stores the uncompressed file)
ACCURACY_KEY = "validation_accuracy"  # what the explorer chooses on
TEST_KEY = "test_accuracy"  # reported once, for the deployment chosen
NOISE_SE = 2  # accuracies closer than 2 standard errors of their difference are within noise
LATENCY_KEY, P95_KEY = "p50_ms_1t", "p95_ms_1t"  # one image, one thread, measured here in LiteRT
SAMPLES = 2000  # simulated requests behind every percentile
MPH = 60
EDGE, CLOUD = "edge", "cloud"
OUTAGE_FRAMES = 100_000  # frames behind the outage figures: a day, or less at a high frame rate
DAY_S = 86_400


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
    distance_km: float = 0.0  # to the data centre (great circle), added to the preset's own RTT
    unavailability: float = 0.0  # fraction of the time the link is down (0: always up)
    mean_outage_s: float = 30.0  # the mean length of an outage
    payload_bytes: float | None = None  # sent per request; None: the JPEG crop (default_payload_bytes)
    max_bytes: float = math.inf  # budget: memory on the device, file + peak activations
    deadline_ms: float = 100.0  # budget: p99 latency
    min_accuracy: float = 0.0  # budget: validation accuracy
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class Deployment:
    """One variant running in one place, and whether it meets the budget."""

    variant: str
    where: str  # EDGE or CLOUD
    place: str  # "phone (Pixel 4)", "cloud CPU server over LTE"
    size_bytes: int  # on the device: file + peak activations (device_bytes)
    accuracy: float  # validation accuracy
    p50_ms: float
    p99_ms: float
    reasons: tuple[str, ...]  # why it misses the budget; empty when it qualifies
    accuracy_se: float = 0.0  # one standard error of ``accuracy``
    format: str = ""  # the variant's format ("float32", "float16", "dynamic", "int8")
    test_accuracy: float | None = None  # read once, after choosing; never used to choose

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
    payload_bytes: float  # sent by the cloud deployment per frame
    monthly_gigabytes: float  # uploaded by the cloud deployment
    monthly_cost: float  # in US dollars
    deployments: list[tuple[Deployment, Deployment]]  # (edge, cloud) of every variant, grid order
    best: Deployment | None  # the most accurate qualifying deployment (on validation)
    within_noise: list[Deployment]  # other qualifying variants within noise of the best
    outages: latency.Outages | None = None  # the link's outages (None: always up)
    outage_run: latency.OutageRun | None = None  # the chosen variant's frames over a simulated window
    outage_window_s: float = 0.0  # the window's length

    def summary(self) -> list[str]:
        """The chosen deployment in plain sentences, one per line."""
        edge, cloud, net = self.edge, self.cloud, self.network
        s = self.settings
        def ms(value: float) -> str:
            return f"{number(value)} ms" if math.isfinite(value) else "no answer"

        distance = "" if not s.distance_km else (
            f", {number(latency.propagation_rtt_ms(s.distance_km))} ms of it propagation to a data centre "
            f"{number(s.distance_km)} km ({number(s.distance_km / latency.KM_PER_MILE)} miles) away")
        lines = [
            describe_variant(self.chosen),
            f"edge, on {edge.place}: p50 {number(edge.p50_ms)} ms, p99 {number(edge.p99_ms)} ms; "
            f"{number(self.edge_feet)} ft travelled at {MPH} mph",
            f"cloud, {cloud.place} ({number(net.uplink_mbps)} Mbit/s up, {number(net.rtt_ms)} ms RTT{distance}): "
            + (f"p50 {number(cloud.p50_ms)} ms, p99 {number(cloud.p99_ms)} ms; {number(self.cloud_feet)} ft "
               f"at {MPH} mph" if math.isfinite(cloud.p99_ms) else
               f"p50 {ms(cloud.p50_ms)}, but more than 1 frame in 100 gets no answer (the link is down): "
               "no p99"),
            f"at {number(s.fps)} frames/s (one every {number(self.frame_ms)} ms) the cloud uploads "
            f"{number(self.payload_bytes)} bytes a frame, {number(self.monthly_gigabytes)} GB a month: "
            f"${number(self.monthly_cost)}; the edge uploads nothing",
        ]
        if self.outage_run is not None:
            lines.append(outage_sentence(self.outages, self.outage_run, self.outage_window_s))
        return lines


number = results.format_number  # the course's one number formatter


def duration(seconds: float) -> str:
    """A length of time in words: "45 s", "12 min", "1 day"."""
    if seconds < 120:
        return f"{number(seconds)} s"
    if seconds < 7200:
        return f"{number(round(seconds / 60))} min"
    if seconds < DAY_S:
        return f"{number(round(seconds / 3600, 1))} h"
    return f"{number(round(seconds / DAY_S, 1))} day" + ("" if round(seconds / DAY_S, 1) == 1 else "s")


def outage_sentence(outages: latency.Outages, run: latency.OutageRun, window_s: float) -> str:
    """What the link's outages did to the chosen deployment over the simulated window, in words."""
    text = (f"link down {outages.unavailability:.2%} of the time, in outages of {number(outages.mean_outage_s)} s "
            f"on average ({number(outages.outages_per_hour)} an hour): over a simulated {duration(window_s)} "
            f"({run.frames:,} frames, {run.outages} outage{'s' if run.outages != 1 else ''}) the cloud missed "
            f"{run.cloud_missed:,} frames ({run.cloud_missed_fraction:.2%}) and was blind for up to "
            f"{number(run.cloud_longest_blind_s)} s ({number(latency.feet_travelled(1000 * run.cloud_longest_blind_s))} ft "
            f"at {MPH} mph); the edge ")
    if run.edge_missed:
        text += f"was too slow for the deadline on every frame"
    else:
        text += (f"kept answering (its longest wait {number(run.edge_longest_blind_s)} s)")
    if run.queued_decisions:
        text += (f", and queued {run.queued_decisions:,} decisions for the link, the oldest "
                 f"{number(run.max_staleness_s)} s (store-and-forward)")
    return text


def lost_to_outages(outages: latency.Outages, request_ms):
    """The probability that a request taking ``request_ms`` gets no answer because the link goes
    down: it is sent during an outage (``unavailability``), or the link fails before it returns,
    which in the two-state Markov model of :class:`latency.Outages` (exponential up periods) is
    1 − exp(−request / mean_up)."""
    u = outages.unavailability
    if u == 0:
        return np.zeros_like(np.asarray(request_ms, float))
    return u + (1 - u) * -np.expm1(-np.asarray(request_ms, float) / 1000 / outages.mean_up_s)


def device_bytes(row: dict) -> int:
    """What the variant occupies on the device: its ``.tflite`` file (stored and mapped as it is,
    uncompressed) plus the runtime's peak activation memory."""
    return row["file_bytes"] + row["activation_bytes"]


def validation_accuracy(row: dict) -> float:
    return row[ACCURACY_KEY]


def accuracy_se(row: dict, split: str = "validation") -> float:
    """One standard error of the row's accuracy on ``split`` (over its ``{split}_images`` images)."""
    return verdicts.standard_error(row[f"{split}_accuracy"], row[f"{split}_images"])


def within_noise(a: float, se_a: float, b: float, se_b: float) -> bool:
    """Two accuracies no further apart than :data:`NOISE_SE` standard errors of their difference."""
    return abs(a - b) <= NOISE_SE * math.hypot(se_a, se_b)


def percent(accuracy: float, se: float) -> str:
    """An accuracy with its standard error: "91.2% ± 0.9%"."""
    return f"{accuracy:.1%} ± {se:.1%}"


def describe_variant(row: dict) -> str:
    """One grid row in words: its name, what it needs on the device and to download, and its
    validation accuracy (and novel accuracy, when the dataset has a novel split)."""
    novel = row.get("novel_accuracy")
    return (f"{row['variant']}: {number(device_bytes(row) / 1000)} kB on the device "
            f"({number(row['file_bytes'] / 1000)} kB file + {number(row['activation_bytes'] / 1000)} kB peak "
            f"activations), {number(row[DOWNLOAD_KEY] / 1000)} kB download (gzip); validation accuracy "
            f"{percent(row[ACCURACY_KEY], accuracy_se(row))}" + ("" if novel is None else f", novel {novel:.1%}"))


# ---------------------------------------------------------------- pure functions


def dominates(a: dict, b: dict, size=device_bytes, accuracy=validation_accuracy) -> bool:
    """``a`` is no larger and no less accurate than ``b``, and better in one of the two
    (``size`` and ``accuracy`` read a row: by default its device bytes and validation accuracy)."""
    no_worse = size(a) <= size(b) and accuracy(a) >= accuracy(b)
    return no_worse and (size(a) < size(b) or accuracy(a) > accuracy(b))


def pareto_front(rows: list[dict], size=device_bytes, accuracy=validation_accuracy) -> list[dict]:
    """The rows no other row dominates (smaller and at least as accurate, or as small and more
    accurate), smallest first: the only variants worth choosing on size and accuracy."""
    front = [row for row in rows if not any(dominates(other, row, size, accuracy) for other in rows)]
    return sorted(front, key=lambda row: (size(row), -accuracy(row)))


INT8_ONLY = "int8"  # the one format an int8-only device (an NPU, a microcontroller) accepts


def int8_only(device) -> bool:
    """Whether ``device`` accepts only full-int8 models (an NPU such as the Coral Edge TPU, or a
    microcontroller): :attr:`latency.Device.int8_only`, from the device table's ``accepts`` column."""
    return bool(device.int8_only)


def offered(grid: list[dict], device) -> list[dict]:
    """The variants ``device`` can run: only the full-int8 ones on an int8-only device (float16 and
    dynamic-range models still compute in float), every variant elsewhere."""
    return [row for row in grid if row["format"] == INT8_ONLY] if int8_only(device) else list(grid)


def int8_only_reason(fmt: str, place: str) -> str:
    """Why a ``fmt`` model cannot run on an int8-only device."""
    kind = "dynamic-range (int8 weights, float activations)" if fmt == "dynamic" else fmt
    return f"{place} accepts only full-int8 models, and this one is {kind}"


def budget_reasons(size_bytes: float | None, p99_ms: float, accuracy: float, *, max_bytes: float,
                   deadline_ms: float, min_accuracy: float) -> tuple[str, ...]:
    """Why a deployment misses the budget, one phrase per limit it breaks (none: it qualifies).

    ``size_bytes`` is None for a cloud deployment: the model stays on the server, so the
    device's size limit does not apply to it.
    """
    reasons = []
    if size_bytes is not None and size_bytes > max_bytes:
        reasons.append(f"{number(size_bytes / 1000)} kB is over the {number(max_bytes / 1000)} kB size limit")
    if math.isinf(p99_ms):
        reasons.append("more than 1 frame in 100 gets no answer (the link is down)")
    elif p99_ms > deadline_ms:
        reasons.append(f"p99 {number(p99_ms)} ms misses the {number(deadline_ms)} ms deadline")
    if accuracy < min_accuracy:
        reasons.append(f"validation accuracy {accuracy:.1%} is under the {min_accuracy:.1%} minimum")
    return tuple(reasons)


def best_deployment(deployments: list[Deployment]) -> Deployment | None:
    """The most accurate qualifying deployment on validation (then the smaller model, then the edge)."""
    qualifying = [d for d in deployments if d.qualifies]
    if not qualifying:
        return None
    return min(qualifying, key=lambda d: (-d.accuracy, d.size_bytes, d.where != EDGE))


def tied_with(best: Deployment | None, deployments: list[Deployment]) -> list[Deployment]:
    """The qualifying deployments of other variants whose validation accuracy is within noise of
    ``best``'s: the validation split cannot tell them apart (one per variant, the edge first)."""
    if best is None:
        return []
    tied = {}
    for d in sorted(deployments, key=lambda d: d.where != EDGE):
        if (d.qualifies and d.variant != best.variant and d.variant not in tied
                and within_noise(d.accuracy, d.accuracy_se, best.accuracy, best.accuracy_se)):
            tied[d.variant] = d
    return sorted(tied.values(), key=lambda d: (-d.accuracy, d.size_bytes))


@dataclasses.dataclass(frozen=True)
class Constraints:
    """What a real deployment adds to the explorer's budget (the capstone's constraints): a device
    that accepts only full-int8 models (an NPU, a microcontroller), the RAM the app may use on it,
    and a monthly data plan for what the cloud deployment uploads."""

    int8_only: bool = False  # the edge device runs only full-int8 models (whatever its table row says)
    ram_bytes: float = math.inf  # the app's RAM on the device: file + peak activations must fit
    monthly_gb: float = math.inf  # the data plan: gigabytes the camera may upload a month

    def __post_init__(self):
        validate.positive(ram_bytes=self.ram_bytes, monthly_gb=self.monthly_gb, allow_inf=True)


def constraint_reasons(d: Deployment, view: View, constraints: Constraints) -> tuple[str, ...]:
    """Why deployment ``d`` of ``view`` breaks ``constraints``, one phrase each (none: it keeps them)."""
    reasons = []
    if d.where == EDGE:
        if constraints.int8_only and d.format != INT8_ONLY:
            reasons.append(int8_only_reason(d.format, d.place))
        if d.size_bytes > constraints.ram_bytes:
            reasons.append(f"{number(d.size_bytes / 1000)} kB (file + peak activations) is over the "
                           f"{number(constraints.ram_bytes / 1000)} kB of RAM the app may use")
    elif view.monthly_gigabytes > constraints.monthly_gb:
        reasons.append(f"uploading {number(view.monthly_gigabytes)} GB a month at {number(view.settings.fps)} "
                       f"frames/s is over the {number(constraints.monthly_gb)} GB data plan")
    return tuple(reasons)


def constrain(view: View, constraints: Constraints) -> View:
    """``view`` with ``constraints`` applied on top of its budget: every deployment gains the
    reasons it breaks them (:func:`constraint_reasons`), and the best deployment and the ones
    within noise of it are chosen again, on validation, among those left."""
    def apply(d: Deployment) -> Deployment:
        extra = tuple(r for r in constraint_reasons(d, view, constraints) if r not in d.reasons)
        return dataclasses.replace(d, reasons=d.reasons + extra) if extra else d

    deployments = [(apply(edge), apply(cloud)) for edge, cloud in view.deployments]
    every = [d for pair in deployments for d in pair]
    best = best_deployment(every)
    chosen = next(i for i, (edge, _) in enumerate(view.deployments) if edge.variant == view.chosen["variant"])
    edge, cloud = deployments[chosen]
    return dataclasses.replace(view, deployments=deployments, edge=edge, cloud=cloud, best=best,
                               within_noise=tied_with(best, every))


def input_bytes() -> int:
    """One model input uncompressed: image_size × image_size × 3 bytes (uint8)."""
    return config.settings().image_size ** 2 * 3


def default_payload_bytes() -> float:
    """What a cloud request sends, as notebook 06 defines it: the median JPEG size of the test
    split's first :data:`latency.PAYLOAD_CROPS` crops (:func:`latency.crop_payload_bytes`)."""
    return _crop_payload(config.profile_name(), config.dataset_name(), str(config.build_dir()))


@functools.lru_cache(maxsize=8)
def _crop_payload(profile: str, dataset: str, build: str) -> float:
    from utils import data

    crops = np.stack([image.numpy() for image, _ in data.load("test").take(latency.PAYLOAD_CROPS)])
    return latency.crop_payload_bytes(crops)


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
    return latency.network(name, distance_km=settings.distance_km or None, **overrides)


def _check(settings: Settings) -> None:
    if not settings.fps > 0:
        raise ValueError(f"fps={settings.fps}: the frame rate must be above 0 frames per second.")
    if not settings.deadline_ms > 0:
        raise ValueError(f"deadline_ms={settings.deadline_ms}: the deadline must be above 0 ms.")
    if settings.max_bytes < 0 or not 0 <= settings.min_accuracy <= 1:
        raise ValueError(f"max_bytes={settings.max_bytes}, min_accuracy={settings.min_accuracy}: the size "
                         "limit must be 0 or more and the accuracy between 0 and 1.")


def device_ms(device: latency.Device, row: dict, grid: list[dict]) -> tuple[float, float]:
    """A variant's median and p95 on ``device``: its LiteRT time here at the thread count the
    device's factor was calibrated with, scaled by the factor of the variant's precision
    (:meth:`latency.Device.time_ms`, with the device's per-request floor). int8 is scaled by an
    int8 reference; a device without one (no published int8 figure) is credited with no int8
    gain: its int8 variant takes the float32 variant's time there.
    """
    threads = device.here_threads
    precision = "int8" if row["format"] == "int8" else "float32"  # float16 and dynamic compute in float
    if precision == "int8" and device.factors and "int8" not in device.factors and not device.floor_ms:
        row, precision = quantization.grid_row(grid, row["sparsity"], "float32", row["method"]), "float32"
    p50 = row.get(f"p50_ms_{threads}t", row[LATENCY_KEY])
    p95 = row.get(f"p95_ms_{threads}t", row[P95_KEY])
    return device.time_ms(p50, precision), device.time_ms(p95, precision)


def compute(grid: list[dict], devices: dict[str, latency.Device], settings: Settings) -> View:
    """Everything the explorer shows for ``settings``: a plain function of its three arguments.

    Edge: the variant's latency measured here (median and p95) scaled to the device
    (:func:`device_ms`), spread into request latencies by :func:`latency.simulate_edge`. Cloud:
    the same variant on the server (:func:`device_ms`, with its per-request floor), reached over the network with one ``payload_bytes`` upload per
    request (:func:`latency.cloud_breakdown`, :func:`latency.simulate_cloud`). The budget reads
    each variant's device bytes (file + peak activations) and validation accuracy.
    """
    validate.positive(fps=settings.fps)
    validate.positive(deadline_ms=settings.deadline_ms, allow_inf=True)
    validate.non_negative(max_bytes=settings.max_bytes, allow_inf=True)
    validate.fraction(sparsity=settings.sparsity, min_accuracy=settings.min_accuracy)
    validate.whole(seed=settings.seed, minimum=0)
    validate.non_negative(distance_km=settings.distance_km)
    for name, value in (("payload_bytes", settings.payload_bytes), ("rtt_ms", settings.rtt_ms)):
        if value is not None:
            validate.non_negative(**{name: value})
    if settings.uplink_mbps is not None:
        validate.positive(uplink_mbps=settings.uplink_mbps)
    _check(settings)
    chosen = quantization.grid_row(grid, settings.sparsity, settings.format, settings.method)
    edge_device = _pick(devices, settings.device, EDGE)
    if chosen not in offered(grid, edge_device):
        raise ValueError(f"{int8_only_reason(chosen['format'], edge_device.name)}: choose format='int8'.")
    server = _pick(devices, settings.server, "server")
    net = network_of(settings)
    outages = latency.Outages(settings.unavailability, settings.mean_outage_s) if settings.unavailability else None
    payload = settings.payload_bytes if settings.payload_bytes is not None else default_payload_bytes()
    limits = dict(max_bytes=settings.max_bytes, deadline_ms=settings.deadline_ms,
                  min_accuracy=settings.min_accuracy)
    cloud_place = f"{server.name} over {net.name}"

    runs_here = {row["variant"] for row in offered(grid, edge_device)}

    def deploy(row: dict) -> tuple[Deployment, Deployment]:
        size, accuracy, se = device_bytes(row), row[ACCURACY_KEY], accuracy_se(row)
        same = dict(accuracy_se=se, format=row["format"], test_accuracy=row.get(TEST_KEY))
        if row["variant"] in runs_here:
            edge_p50, edge_p95 = device_ms(edge_device, row, grid)
            edge = latency.percentiles(latency.simulate_edge(edge_p50, SAMPLES, settings.seed, p95_ms=edge_p95))
            edge_reasons = budget_reasons(size, edge["p99"], accuracy, **limits)
        else:  # an int8-only device cannot run it at all
            edge = {"p50": math.inf, "p99": math.inf}
            edge_reasons = (int8_only_reason(row["format"], edge_device.name),
                            *budget_reasons(size, 0.0, accuracy, **limits))
        server_p50, server_p95 = device_ms(server, row, grid)
        samples = latency.simulate_cloud(payload, net, server_p50, SAMPLES, settings.seed, server_p95_ms=server_p95)
        if outages is not None:  # a request the link's outage cuts gets no answer at all
            lost = np.random.default_rng(settings.seed + 1).random(SAMPLES) < lost_to_outages(outages, samples)
            samples = np.where(lost, np.inf, samples)
        cloud = latency.percentiles(samples)
        return (
            Deployment(row["variant"], EDGE, edge_device.name, size, accuracy, edge["p50"], edge["p99"],
                       edge_reasons, **same),
            Deployment(row["variant"], CLOUD, cloud_place, size, accuracy, cloud["p50"], cloud["p99"],
                       budget_reasons(None, cloud["p99"], accuracy, **limits), **same),
        )

    deployments = [deploy(row) for row in grid]
    edge, cloud = deployments[grid.index(chosen)]
    every = [d for pair in deployments for d in pair]
    best = best_deployment(every)
    window_s = min(DAY_S, OUTAGE_FRAMES / settings.fps)
    run = None if outages is None else _outage_run(
        outages, settings.fps, window_s, settings.seed, settings.deadline_ms, cloud.p50_ms, edge.p50_ms)
    return View(
        settings=settings,
        chosen=chosen,
        front=pareto_front(grid),
        network=net,
        edge=edge,
        cloud=cloud,
        edge_stages={f"inference on {edge_device.name}": device_ms(edge_device, chosen, grid)[0]},
        cloud_stages=latency.cloud_breakdown(payload, net, device_ms(server, chosen, grid)[0]),
        edge_feet=latency.feet_travelled(edge.p99_ms, MPH),
        cloud_feet=latency.feet_travelled(cloud.p99_ms, MPH),
        frame_ms=1000 / settings.fps,
        payload_bytes=payload,
        monthly_gigabytes=latency.monthly_gigabytes(payload, settings.fps),
        monthly_cost=latency.monthly_cost(payload, settings.fps),
        deployments=deployments,
        best=best,
        within_noise=tied_with(best, every),
        outages=outages,
        outage_run=run,
        outage_window_s=window_s,
    )


@functools.lru_cache(maxsize=64)
def _outage_run(outages: latency.Outages, fps: float, window_s: float, seed: int, deadline_ms: float,
                cloud_ms: float, edge_ms: float) -> latency.OutageRun:
    """:func:`latency.simulate_outages` for the chosen deployment (cached: the budget's sliders
    leave it as it is)."""
    return latency.simulate_outages(outages, fps, window_s, seed, deadline_ms=deadline_ms,
                                    cloud_ms=cloud_ms if math.isfinite(cloud_ms) else DAY_S * 1000,
                                    edge_ms=edge_ms if math.isfinite(edge_ms) else DAY_S * 1000)


SHOW_TIED = 4  # variants within noise named in a decision; the rest are counted


def _at(d: Deployment) -> str:
    return "at the edge" if d.where == EDGE else "in the cloud"


def decision(view: View, grid: list[dict] | None = None) -> verdicts.Verdict:
    """The budget's outcome in Markdown, generated from the numbers: the best deployment (chosen
    on validation), the others within noise of it and, given the ``grid``, the best's test
    accuracy, reported once."""
    best = view.best
    if best is None:
        return verdicts.Verdict("**No deployment meets this budget.** The reasons in the table say "
                                "which limit to loosen.", None)
    where = (f"{number(best.size_bytes / 1000)} kB on the device" if best.where == EDGE
             else "the model stays on the server")
    text = (f"**Best: {best.variant} {_at(best)}** ({best.place}): {where}, p99 {number(best.p99_ms)} ms, "
            f"validation accuracy {percent(best.accuracy, best.accuracy_se)}.")
    if view.within_noise:
        shown = view.within_noise[:SHOW_TIED]
        others = "; ".join(f"{d.variant} {_at(d)} ({percent(d.accuracy, d.accuracy_se)})" for d in shown)
        if len(view.within_noise) > len(shown):
            others += f"; and {len(view.within_noise) - len(shown)} more (see the budget table)"
        text += (f" **Within noise of it** (less than {NOISE_SE} standard errors of the difference apart): "
                 f"{others}. The validation split cannot tell these apart: choose among them on size, "
                 "latency or cost.")
    else:
        text += " No other qualifying variant is within noise of it on validation."
    if grid is not None:
        row = next(r for r in grid if r["variant"] == best.variant)
        text += (f" Its **test accuracy**, reported once after choosing: "
                 f"{percent(row[TEST_KEY], accuracy_se(row, 'test'))} over {row['test_images']:,} images.")
    return verdicts.Verdict(text, None)


def budget_table(view: View) -> str:
    """The budget as an HTML table: every variant, at the edge and in the cloud, with a tick or
    the reasons it misses; the best deployment in bold."""

    def cell(d: Deployment) -> str:
        verdict = "✓ qualifies" if d.qualifies else "✗ " + "; ".join(d.reasons)
        text = f"p99 {number(d.p99_ms)} ms · {verdict}" if math.isfinite(d.p99_ms) else verdict
        return f"<td><b>{html.escape(text)}</b></td>" if d == view.best else f"<td>{html.escape(text)}</td>"

    s = view.settings
    limit = "no limit" if math.isinf(s.max_bytes) else f"≤ {number(s.max_bytes / 1000)} kB"
    best = (f"Best: <b>{html.escape(view.best.variant)}</b> at the {view.best.where} ({html.escape(view.best.place)})"
            if view.best else "No deployment meets this budget.")
    if view.within_noise:
        best += ("; within noise of it on validation: "
                 + ", ".join(f"{html.escape(d.variant)} ({d.where})" for d in view.within_noise))
    head = (f"<p>Budget: {limit} on the device (file + peak activations), p99 ≤ {number(s.deadline_ms)} ms, "
            f"validation accuracy ≥ {s.min_accuracy:.1%}. {best}</p>")
    rows = "".join(
        f"<tr><td>{html.escape(edge.variant)}</td><td>{number(edge.size_bytes / 1000)}</td>"
        f"<td>{html.escape(percent(edge.accuracy, edge.accuracy_se))}</td>{cell(edge)}{cell(cloud)}</tr>"
        for edge, cloud in view.deployments)
    return (f"{head}<table><tr><th>variant</th><th>kB on the device</th><th>validation accuracy ± SE</th>"
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
    """Validation accuracy (± one standard error) against bytes on the device of every variant,
    the Pareto front, the chosen variant ringed and the budget's corner shaded. The points are drawn once; an update draws only the
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
            ax.errorbar([device_bytes(r) / 1000 for r in rows], [r[ACCURACY_KEY] for r in rows],
                        yerr=[accuracy_se(r) for r in rows], fmt="none", ecolor=FORMAT_COLOURS.get(fmt, "black"),
                        elinewidth=1, capsize=2, alpha=0.7, zorder=2)
            self.points.append(ax.scatter(
                [device_bytes(r) / 1000 for r in rows], [r[ACCURACY_KEY] for r in rows], s=30, zorder=3,
                color=FORMAT_COLOURS.get(fmt, "black"), marker=METHOD_MARKERS.get(method, "^"),
                label=fmt if method == "magnitude" else None))
        ax.scatter([], [], color="gray", marker=METHOD_MARKERS["filters"], s=30, label="filters removed")
        front = pareto_front(grid)
        ax.plot([device_bytes(r) / 1000 for r in front], [r[ACCURACY_KEY] for r in front], "k--", lw=1,
                drawstyle="steps-post", label="Pareto front")
        self.ring = ax.scatter([], [], s=220, facecolors="none", edgecolors="black", linewidths=2, animated=True)
        self.allowed = ax.add_patch(Rectangle((0, 0), 0, 0, color="tab:green", alpha=0.15, animated=True))
        ax.fill_between([], [], color="tab:green", alpha=0.15, label="within budget")
        sizes = [device_bytes(r) / 1000 for r in grid]
        low, high = (min(r[ACCURACY_KEY] - accuracy_se(r) for r in grid), max(r[ACCURACY_KEY] + accuracy_se(r) for r in grid))
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
            if math.isfinite(deployment.p99_ms):
                ax.plot(deployment.p99_ms, y, "kd", ms=7)
                label = f"p50 {number(deployment.p50_ms)} · p99 {number(deployment.p99_ms)} ms"
            else:  # more than 1 frame in 100 lost to outages
                label = "p99: no answer (link down)"
            ax.annotate(label, (max(left, deployment.p99_ms) if math.isfinite(deployment.p99_ms) else left, y), xytext=(8, 0),
                        textcoords="offset points", va="center", fontsize=8)
        ax.axvline(view.settings.deadline_ms, color="tab:red", ls="--", lw=1.2, label="deadline")
        ax.plot([], [], "kd", label="p99")
        ax.set_yticks(range(len(bars)), [label for label, _, _ in bars], fontsize=8)
        ax.set_ylim(-0.5, len(bars) + 0.6)
        finite = [ms for ms in (view.cloud.p99_ms, view.edge.p99_ms, sum(view.cloud_stages.values()))
                  if math.isfinite(ms)]
        ax.set_xlim(0, 1.5 * max(*finite, view.settings.deadline_ms))
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


MAX_DISTANCE_KM = 20_000  # half the Earth's circumference: no data centre is farther
MIN_AVAILABILITY = 80.0  # % of the time the link is up, at the availability slider's left end


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
        largest_kb = max(device_bytes(row) for row in grid) / 1000
        style, layout = {"description_width": "130px"}, w.Layout(width="400px")

        def slider(kind, description, value, **options):
            return kind(value=value, description=description, continuous_update=False, style=style,
                        layout=layout, **options)

        self.controls = {
            "variant": slider(w.SelectionSlider, "pruning", (s.method, s.sparsity), options=variant_choices(grid)),
            "format": w.ToggleButtons(options=self._formats(_pick(devices, s.device, EDGE)), value=s.format,
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
            "distance_km": slider(w.FloatSlider, "data centre (km)", s.distance_km, min=0, max=MAX_DISTANCE_KM,
                                  step=10, readout_format=",.0f"),
            "availability": slider(w.FloatSlider, "link up (%)", 100 * (1 - s.unavailability), min=MIN_AVAILABILITY,
                                   max=100, step=0.1, readout_format=".1f"),
            "mean_outage_s": slider(w.FloatLogSlider, "mean outage (s)", s.mean_outage_s, min=0, max=3, step=0.05,
                                    readout_format=".3g"),
            "deadline_ms": slider(w.FloatLogSlider, "p99 deadline (ms)", s.deadline_ms, min=0, max=3, step=0.05,
                                  readout_format=".4g"),
            "max_kb": slider(w.FloatSlider, "max on device (kB)", min(s.max_bytes / 1000, largest_kb), min=0,
                             max=largest_kb, step=max(largest_kb / 200, 0.1), readout_format=".1f"),
            "min_accuracy": slider(w.FloatSlider, "min val. accuracy", s.min_accuracy, min=0, max=1, step=0.01),
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
            handler = {"network": self._network_changed, "device": self._device_changed}.get(name, self.update)
            control.observe(handler, names="value")
        c = self.controls
        column = w.Layout(width="460px")
        self.widget = w.VBox([
            w.HBox([
                w.VBox([w.HTML("<b>The model</b>"), c["variant"], c["format"], w.HTML("<b>Budget</b>"),
                        c["deadline_ms"], c["max_kb"], c["min_accuracy"]], layout=column),
                w.VBox([w.HTML("<b>Where it runs</b>"), c["device"], c["server"], c["network"],
                        c["uplink_mbps"], c["rtt_ms"], c["distance_km"], c["availability"], c["mean_outage_s"],
                        c["fps"]], layout=column),
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
            distance_km=c["distance_km"], unavailability=round(1 - c["availability"] / 100, 6),
            mean_outage_s=c["mean_outage_s"],
            deadline_ms=c["deadline_ms"], min_accuracy=c["min_accuracy"],
            max_bytes=math.inf if c["max_kb"] >= largest_kb else 1000 * c["max_kb"])

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


# ---------------------------------------------------------------- the standalone app (make explore)

NOTEBOOK = config.NOTEBOOKS_DIR / "08_tradeoff_explorer.ipynb"


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
    """Voilà serving notebook 08 on 127.0.0.1:``port``: outputs only (no code cells, no
    tracebacks), and a kernel that accepts only the widgets' messages (Voilà's own rule), so the
    page cannot run code of its own."""
    return [sys.executable, "-m", "voila", str(NOTEBOOK), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--template=lab", "--strip_sources=True", "--show_tracebacks=False"]


def serve(port: int, profile: str | None = None) -> int:
    """Build what notebook 08 needs (if missing), then run Voilà until Ctrl-C (or SIGTERM, which is
    passed on to it); returns Voilà's exit status. A child process, not ``os.execve``: on Windows
    execve returns the prompt and leaves Voilà running."""
    import signal
    import subprocess

    config.use_profile(profile)
    print(f"Profile {config.profile_name()!r}: making sure the variant grid and the reference "
          "latencies exist (built the first time, which takes a while) ...", flush=True)
    quantization.grid()
    quantization.reference_latencies()
    paths = [str(kernel_folder()), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(paths)}
    print(f"The explorer: http://127.0.0.1:{port}/ (Ctrl-C stops it)", flush=True)
    voila = subprocess.Popen(voila_command(port), env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: voila.terminate())
    try:
        return voila.wait()
    except KeyboardInterrupt:  # Ctrl-C reached Voilà too: let it shut its kernels down
        return voila.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if voila.poll() is None:
            voila.terminate()
            voila.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve notebook 08, the trade-off explorer, with Voilà.")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--profile", choices=sorted(config.PROFILES), default=None,
                        help="default: COURSE_PROFILE, else full")
    args = parser.parse_args(argv)
    serve(args.port, args.profile)


if __name__ == "__main__":
    main()
