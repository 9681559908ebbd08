"""Notebook 08: the explorer's pure core: what a control change computes.

:func:`compute` is a plain function of the variant grid (``quantization.grid()``), the device
table (``latency.devices()``) and the :class:`Settings`: it returns a :class:`View` holding every
number and sentence the explorer shows. What a real deployment asks beyond the budget (the
capstone of notebook 08) is applied on top of a View by :mod:`utils.explorer.constraints`.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from utils import config, latency, quantization, validate
from utils.explorer.sentences import describe_variant, outage_sentence
from utils.explorer.variants import (
    ACCURACY_KEY,
    DAY_S,
    MPH,
    TEST_KEY,
    accuracy_se,
    device_bytes,
    device_ms,
    not_offered_reason,
    number,
    offered,
    pareto_front,
    within_noise,
)

SAMPLES = 2000  # simulated requests behind every percentile
EDGE, CLOUD = "edge", "cloud"
OUTAGE_FRAMES = 100_000  # frames behind the outage figures: a day, or less at a high frame rate


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
    # sent per request; None: the JPEG crop (default_payload_bytes)
    payload_bytes: float | None = None
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
    # the chosen variant's frames over a simulated window
    outage_run: latency.OutageRun | None = None
    outage_window_s: float = 0.0  # the window's length

    def summary(self) -> list[str]:
        """The chosen deployment in plain sentences, one per line."""
        edge, cloud, net = self.edge, self.cloud, self.network
        s = self.settings

        def ms(value: float) -> str:
            return f"{number(value)} ms" if math.isfinite(value) else "no answer"

        distance = (
            ""
            if not s.distance_km
            else (
                f", {number(latency.propagation_rtt_ms(s.distance_km))} ms of it propagation "
                f"to a data centre {number(s.distance_km)} km "
                f"({number(s.distance_km / latency.KM_PER_MILE)} miles) away"
            )
        )
        lines = [
            describe_variant(self.chosen),
            f"edge, on {edge.place}: p50 {number(edge.p50_ms)} ms, p99 {number(edge.p99_ms)} ms; "
            f"{number(self.edge_feet)} ft travelled at {MPH} mph",
            f"cloud, {cloud.place} ({number(net.uplink_mbps)} Mbit/s up, "
            f"{number(net.rtt_ms)} ms RTT{distance}): "
            + (
                f"p50 {number(cloud.p50_ms)} ms, p99 {number(cloud.p99_ms)} ms; "
                f"{number(self.cloud_feet)} ft at {MPH} mph"
                if math.isfinite(cloud.p99_ms)
                else f"p50 {ms(cloud.p50_ms)}, but more than 1 frame in 100 gets no answer "
                "(the link is down): no p99"
            ),
            f"at {number(s.fps)} frames/s (one every {number(self.frame_ms)} ms) the cloud uploads "
            f"{number(self.payload_bytes)} bytes a frame, {number(self.monthly_gigabytes)} GB a "
            f"month: ${number(self.monthly_cost)}; the edge uploads nothing",
        ]
        if self.outage_run is not None:
            lines.append(outage_sentence(self.outages, self.outage_run, self.outage_window_s))
        return lines


def lost_to_outages(outages: latency.Outages, request_ms):
    """The probability that a request taking ``request_ms`` gets no answer because the link goes
    down: it is sent during an outage (``unavailability``), or the link fails before it returns,
    which in the two-state Markov model of :class:`latency.Outages` (exponential up periods) is
    1 − exp(−request / mean_up)."""
    u = outages.unavailability
    if u == 0:
        return np.zeros_like(np.asarray(request_ms, float))
    return u + (1 - u) * -np.expm1(-np.asarray(request_ms, float) / 1000 / outages.mean_up_s)


def budget_reasons(
    size_bytes: float | None,
    p99_ms: float,
    accuracy: float,
    *,
    max_bytes: float,
    deadline_ms: float,
    min_accuracy: float,
) -> tuple[str, ...]:
    """Why a deployment misses the budget, one phrase per limit it breaks (none: it qualifies).

    ``size_bytes`` is None for a cloud deployment: the model stays on the server, so the
    device's size limit does not apply to it.
    """
    reasons = []
    if size_bytes is not None and size_bytes > max_bytes:
        reasons.append(
            f"{number(size_bytes / 1000)} kB is over the {number(max_bytes / 1000)} kB size limit"
        )
    if math.isinf(p99_ms):
        reasons.append("more than 1 frame in 100 gets no answer (the link is down)")
    elif p99_ms > deadline_ms:
        reasons.append(f"p99 {number(p99_ms)} ms misses the {number(deadline_ms)} ms deadline")
    if accuracy < min_accuracy:
        reasons.append(
            f"validation accuracy {accuracy:.1%} is under the {min_accuracy:.1%} minimum"
        )
    return tuple(reasons)


def best_deployment(deployments: list[Deployment]) -> Deployment | None:
    """The most accurate qualifying deployment on validation (then the smaller model, then the
    edge)."""
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
        if (
            d.qualifies
            and d.variant != best.variant
            and d.variant not in tied
            and within_noise(d.accuracy, d.accuracy_se, best.accuracy, best.accuracy_se)
        ):
            tied[d.variant] = d
    return sorted(tied.values(), key=lambda d: (-d.accuracy, d.size_bytes))


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


def pick_device(devices: dict[str, latency.Device], name: str | None, kind: str) -> latency.Device:
    """The ``kind`` device (``"edge"`` or ``"server"``) called ``name``; None: the table's
    first."""
    of_kind = [d for d in devices.values() if d.kind == kind]
    if not of_kind:
        raise ValueError(
            f"The device table has no {kind} device: add one to data/device_profiles.csv."
        )
    if name is None:
        return of_kind[0]
    if name not in devices or devices[name].kind != kind:
        raise ValueError(
            f"{name!r} is not a known {kind} device: choose one of "
            f"{', '.join(d.name for d in of_kind)}."
        )
    return devices[name]


def network_of(settings: Settings) -> latency.Network:
    """The settings' network preset, with their bandwidth and RTT when given."""
    name = settings.network or next(iter(latency.presets()))
    overrides = {
        key: value
        for key, value in (("uplink_mbps", settings.uplink_mbps), ("rtt_ms", settings.rtt_ms))
        if value is not None
    }
    return latency.network(name, distance_km=settings.distance_km or None, **overrides)


def _check(settings: Settings) -> None:
    if not settings.fps > 0:
        raise ValueError(f"fps={settings.fps}: the frame rate must be above 0 frames per second.")
    if not settings.deadline_ms > 0:
        raise ValueError(f"deadline_ms={settings.deadline_ms}: the deadline must be above 0 ms.")
    if settings.max_bytes < 0 or not 0 <= settings.min_accuracy <= 1:
        raise ValueError(
            f"max_bytes={settings.max_bytes}, min_accuracy={settings.min_accuracy}: "
            "the size limit must be 0 or more and the accuracy between 0 and 1."
        )


def compute(grid: list[dict], devices: dict[str, latency.Device], settings: Settings) -> View:
    """Everything the explorer shows for ``settings``: a plain function of its three arguments.

    Edge: the variant's latency measured here (median and p95) scaled to the device, or measured
    on the student's own device (:func:`device_ms`), spread into request latencies by
    :func:`latency.simulate_edge`. Cloud: the same variant on the server (:func:`device_ms`,
    with its per-request floor), reached over the network with one ``payload_bytes`` upload per
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
    edge_device = pick_device(devices, settings.device, EDGE)
    if chosen not in offered(grid, edge_device):
        raise ValueError(
            f"{not_offered_reason(chosen, edge_device)}: choose "
            + ("a measured variant." if edge_device.measured else "format='int8'.")
        )
    server = pick_device(devices, settings.server, "server")
    net = network_of(settings)
    outages = (
        latency.Outages(settings.unavailability, settings.mean_outage_s)
        if settings.unavailability
        else None
    )
    payload = (
        settings.payload_bytes if settings.payload_bytes is not None else default_payload_bytes()
    )
    limits = dict(
        max_bytes=settings.max_bytes,
        deadline_ms=settings.deadline_ms,
        min_accuracy=settings.min_accuracy,
    )
    cloud_place = f"{server.name} over {net.name}"

    runs_here = {row["variant"] for row in offered(grid, edge_device)}

    def deploy(row: dict) -> tuple[Deployment, Deployment]:
        size, accuracy, se = device_bytes(row), row[ACCURACY_KEY], accuracy_se(row)
        same = dict(accuracy_se=se, format=row["format"], test_accuracy=row.get(TEST_KEY))
        if row["variant"] in runs_here:
            edge_p50, edge_p95 = device_ms(edge_device, row, grid)
            edge = latency.percentiles(
                latency.simulate_edge(edge_p50, SAMPLES, settings.seed, p95_ms=edge_p95)
            )
            edge_reasons = budget_reasons(size, edge["p99"], accuracy, **limits)
        else:  # an int8-only device cannot run it at all
            edge = {"p50": math.inf, "p99": math.inf}
            edge_reasons = (
                not_offered_reason(row, edge_device),
                *budget_reasons(size, 0.0, accuracy, **limits),
            )
        server_p50, server_p95 = device_ms(server, row, grid)
        samples = latency.simulate_cloud(
            payload, net, server_p50, SAMPLES, settings.seed, server_p95_ms=server_p95
        )
        if outages is not None:  # a request the link's outage cuts gets no answer at all
            draws = np.random.default_rng(settings.seed + 1).random(SAMPLES)
            lost = draws < lost_to_outages(outages, samples)
            samples = np.where(lost, np.inf, samples)
        cloud = latency.percentiles(samples)
        return (
            Deployment(
                row["variant"],
                EDGE,
                edge_device.name,
                size,
                accuracy,
                edge["p50"],
                edge["p99"],
                edge_reasons,
                **same,
            ),
            Deployment(
                row["variant"],
                CLOUD,
                cloud_place,
                size,
                accuracy,
                cloud["p50"],
                cloud["p99"],
                budget_reasons(None, cloud["p99"], accuracy, **limits),
                **same,
            ),
        )

    deployments = [deploy(row) for row in grid]
    edge, cloud = deployments[grid.index(chosen)]
    every = [d for pair in deployments for d in pair]
    best = best_deployment(every)
    window_s = min(DAY_S, OUTAGE_FRAMES / settings.fps)
    run = (
        None
        if outages is None
        else _outage_run(
            outages,
            settings.fps,
            window_s,
            settings.seed,
            settings.deadline_ms,
            cloud.p50_ms,
            edge.p50_ms,
        )
    )
    return View(
        settings=settings,
        chosen=chosen,
        front=pareto_front(grid),
        network=net,
        edge=edge,
        cloud=cloud,
        edge_stages={
            f"inference on {edge_device.name} ({edge_device.origin})": device_ms(
                edge_device, chosen, grid
            )[0]
        },
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
def _outage_run(
    outages: latency.Outages,
    fps: float,
    window_s: float,
    seed: int,
    deadline_ms: float,
    cloud_ms: float,
    edge_ms: float,
) -> latency.OutageRun:
    """:func:`latency.simulate_outages` for the chosen deployment (cached: the budget's sliders
    leave it as it is)."""
    return latency.simulate_outages(
        outages,
        fps,
        window_s,
        seed,
        deadline_ms=deadline_ms,
        cloud_ms=cloud_ms if math.isfinite(cloud_ms) else DAY_S * 1000,
        edge_ms=edge_ms if math.isfinite(edge_ms) else DAY_S * 1000,
    )
