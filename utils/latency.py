"""Stage 6: how long one prediction takes at the edge and in the cloud, and what the network costs.

The model of one request, per path:

- **edge**: the on-device inference time (measured here, scaled by a device's speed factor);
- **cloud**: encode → uplink (payload / bandwidth) → propagation (one round trip) → server
  queue → server inference → downlink of the result.

Network figures (bandwidth, round-trip time), device speed factors and data prices come from
the tables in ``data/``, each row with its source. On top of the medians, the Monte Carlo path
(:func:`simulate_cloud`, vectorised NumPy) adds jitter (a lognormal round-trip time around the
preset's) and packet loss (independent, or bursty with a Gilbert–Elliott chain); the
discrete-event path (:func:`simulate_server`, SimPy) puts many cameras on one shared server.

Pure NumPy and SimPy: nothing here imports TensorFlow.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import math
from pathlib import Path
from typing import Callable

import numpy as np

from utils import config, measure, validate

NETWORKS_CSV = config.DATA_DIR / "network_presets.csv"
DEVICES_CSV = config.DATA_DIR / "device_profiles.csv"
PRICES_CSV = config.DATA_DIR / "prices.csv"
DEFAULT_PLAN = "United States mobile data (average)"

MSS_BYTES = 1460  # TCP payload of one segment: a 1500-byte Ethernet MTU minus 40 bytes of IP and TCP headers
RTO_MIN_MS = 200.0  # Linux's minimum retransmission timeout (TCP_RTO_MIN = HZ/5); RFC 6298 permits one below 1 s
DUPACK_THRESHOLD = 3  # fast retransmit after 3 duplicate ACKs (RFC 5681): the last 3 segments can only time out
DEFAULT_JITTER = 0.3  # lognormal shape of the round-trip time, a modelling choice: its p99 is about 2 x its median
Z95 = 1.6449  # the standard normal's 95th percentile
FEET_PER_MILE, METRES_PER_MILE = 5280, 1609.344
DAYS_PER_MONTH = 30


# ---------------------------------------------------------------- the sourced tables


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of one of the course's reference tables; every row must name its source."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    for number, row in enumerate(rows, start=2):
        if not (row.get("source") or "").strip():
            raise ValueError(f"{path.name}, line {number}: the row has no source; every figure the "
                             "course quotes needs one (fill in the source column).")
    return rows


@dataclasses.dataclass(frozen=True)
class Network:
    """An access network: bandwidth each way, round-trip time to the server, packet loss rate."""

    name: str
    uplink_mbps: float
    downlink_mbps: float
    rtt_ms: float
    loss: float
    source: str

    def __post_init__(self):
        for field in ("uplink_mbps", "downlink_mbps"):
            value = getattr(self, field)
            if not value > 0:
                raise ValueError(f"{self.name}: {field}={value!r} is not a usable bandwidth; give a "
                                 "positive number of Mbit/s (e.g. 6 for LTE's uplink).")
        if not self.rtt_ms >= 0:
            problem = "is not a number" if math.isnan(self.rtt_ms) else "is negative"
            raise ValueError(f"{self.name}: rtt_ms={self.rtt_ms!r} {problem}; a round-trip time is "
                             "0 ms or more (e.g. 53 for LTE).")
        if not 0 <= self.loss < 1:
            raise ValueError(f"{self.name}: loss={self.loss!r} is outside [0, 1); give the fraction "
                             "of packets lost, e.g. 0.01 for 1 %.")


@functools.lru_cache(maxsize=1)
def _presets() -> tuple[Network, ...]:
    return tuple(Network(row["name"], float(row["uplink_mbps"]), float(row["downlink_mbps"]),
                         float(row["rtt_ms"]), float(row["loss"]), row["source"])
                 for row in read_table(NETWORKS_CSV))


def presets() -> dict[str, Network]:
    """The network presets of ``data/network_presets.csv``, by name."""
    return {net.name: net for net in _presets()}


def network(name: str, distance_km: float | None = None, **overrides) -> Network:
    """The preset ``name``, with any fields overridden (``network("LTE", uplink_mbps=20)``).

    ``distance_km``: the data centre is that far away (great circle), and the round trip gains
    :func:`propagation_rtt_ms` of it (2.1 ms per 100 km). The preset's RTT, measured by speed
    tests to a server near the user, is treated as the access network's own delay and the
    propagation is added on top; this counts the few ms to the test server twice at most.
    An ``rtt_ms`` override replaces the access delay before the distance is added.
    """
    known = presets()
    if name not in known:
        raise ValueError(f"Unknown network preset {name!r}; use one of "
                         f"{', '.join(repr(n) for n in known)}.")
    fields = {f.name for f in dataclasses.fields(Network)} - {"name", "source"}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a network setting; override one of "
                         f"{', '.join(sorted(fields))}.")
    net = dataclasses.replace(known[name], **{k: float(v) for k, v in overrides.items()})
    if distance_km is None:
        return net
    return dataclasses.replace(net, rtt_ms=net.rtt_ms + propagation_rtt_ms(distance_km))


@dataclasses.dataclass(frozen=True)
class Device:
    """Where inference runs: ``kind`` "edge" or "server".

    A device's time for a model = the model's time *here* × the device's factor for that
    precision, never less than ``floor_ms`` (a sourced per-request time, for accelerators whose
    single-image time is mostly fixed cost). ``factors`` maps each precision the device has a
    published reference for ("float32", "int8") to its factor; ``factor`` is the float32 one
    (0 for a device known only by its floor). ``threads`` is the published figure's thread count
    (None for an accelerator, which has none) and ``here_threads`` the thread count of the time
    here it was divided by: scale a model time measured here at ``here_threads`` threads.
    ``int8_only``: the device runs only full-int8 models (an NPU such as the Edge TPU), so a float
    model has no time there. ``power_w``: the sourced power behind its energy per inference
    (:meth:`joules`), None where no source gives one; ``source`` says whether it is a measured
    draw or a rating.
    """

    name: str
    kind: str
    factor: float
    source: str
    factors: dict = dataclasses.field(default_factory=dict)
    floor_ms: float = 0.0
    threads: int | None = None
    here_threads: int = 1
    int8_only: bool = False
    power_w: float | None = None

    def time_ms(self, here_ms: float, precision: str = "float32") -> float:
        """This device's time for a model that takes ``here_ms`` here (at ``here_threads``
        threads) in ``precision``. A precision without a reference of its own is refused: an
        int8 time scaled by a float32 factor would credit the device with this CPU's int8 gain.
        So is any model but a full-int8 one on an ``int8_only`` device."""
        if not here_ms >= 0:
            raise ValueError(f"here_ms={here_ms!r}: give the model's time here, 0 ms or more.")
        if self.int8_only and precision != "int8":
            raise ValueError(f"{self.name} accepts only full-int8 models, so a {precision} model does not "
                             "run there; use the int8 variant.")
        factor = self.factors.get(precision) if self.factors else self.factor
        if factor is None and not self.floor_ms:
            have = ", ".join(sorted(self.factors)) or "none"
            raise ValueError(f"{self.name} has no published {precision} reference (it has: {have}), so "
                             f"a {precision} time here cannot be scaled to it; use its "
                             f"{' or '.join(sorted(self.factors))} model instead.")
        return max(here_ms * (factor or 0.0), self.floor_ms)

    def variant_ms(self, row: dict, precision: str, key: str = "p50") -> float:
        """A model variant's time on this device, from its row of notebook 05's grid (its LiteRT
        ``key`` time here, e.g. ``p50_ms_2t``, at this device's ``here_threads``), scaled by
        :meth:`time_ms`. Notebooks 06 and 07 time the course model on each device with it."""
        return self.time_ms(row[f"{key}_ms_{self.here_threads}t"], precision)

    def joules(self, device_ms: float) -> float:
        """Energy of one inference that takes ``device_ms`` on this device: its ``power_w`` × that
        time (:func:`inference_joules`). Refused where no source gives the device's power."""
        if self.power_w is None:
            raise ValueError(f"{self.name} has no sourced power figure (power_w in "
                             "data/device_profiles.csv), so its energy per inference is not known.")
        return inference_joules(self.power_w, device_ms)


def _here_ms(rows: list[dict], model: str, precision: str, threads: int) -> tuple[float, int] | None:
    """The measured time here of ``model`` in ``precision`` at the published thread count, or at
    the most threads measured below it (this machine may have fewer cores than the device)."""
    candidates = [r for r in rows if r["model"] == model and r["format"] == precision
                  and r["threads"] <= threads]
    if not candidates:
        return None
    best = max(candidates, key=lambda r: r["threads"])
    return float(best["p50_ms"]), int(best["threads"])


INT8_ONLY = "int8 only"  # the accepts column of a device that runs only full-int8 models


def devices(reference_ms_here: dict[str, float] | None = None, *,
            rows: list[dict] | None = None) -> dict[str, Device]:
    """The device profiles of ``data/device_profiles.csv``, by name, with their speed factors.

    A device's factor, per precision, is the published latency of a reference model on that
    device divided by the same model's latency here, in the same precision and with the same
    thread count (or all of this machine's threads, if it has fewer than the device used; an
    accelerator, with no thread count, against one thread here).
    ``rows`` are the reference models measured here (``quantization.reference_latencies()``:
    model, format, threads, p50_ms). ``reference_ms_here`` (``{model: ms}``, float32, 1 thread)
    is the older way to pass them. A model missing from both falls back to the table's
    ``measured_here_ms``, measured once on the course's development machine.
    Devices with a ``floor_ms`` (GPUs) take at least that per request. ``accepts`` "int8 only"
    makes a device :attr:`Device.int8_only`; ``power_w`` is its sourced power, where one exists.
    """
    if rows is None:
        rows = [{"model": m, "format": "float32", "threads": 1, "p50_ms": ms}
                for m, ms in (reference_ms_here or {}).items()]
    for row in rows:
        if not row["p50_ms"] > 0:
            raise ValueError(f"{row['model']} ({row['format']}, {row['threads']} threads): "
                             f"{row['p50_ms']!r} ms is not a positive measured latency.")
    grouped: dict[str, dict] = {}
    for number, row in enumerate(read_table(DEVICES_CSV), start=2):
        entry = grouped.setdefault(row["name"], {"kind": row["kind"], "factors": {}, "sources": [],
                                                 "floor": 0.0, "threads": None, "here_threads": 1,
                                                 "int8_only": False, "power": None})
        model, precision, source = row["reference_model"], row["precision"] or "float32", row["source"]
        accepts, power = (row.get("accepts") or "").strip(), (row.get("power_w") or "").strip()
        if accepts.lower() == INT8_ONLY:
            entry["int8_only"] = True
        elif "int8" in accepts.lower():
            raise ValueError(f"{DEVICES_CSV.name}, line {number}: accepts={accepts!r}; write "
                             f"{INT8_ONLY!r} for a device that runs only full-int8 models.")
        if power:
            if not float(power) > 0:
                raise ValueError(f"{DEVICES_CSV.name}, line {number}: power_w={power!r} must be above 0 W "
                                 "(leave it empty where no source gives the power).")
            entry["power"] = float(power)
        if row["floor_ms"]:
            entry["floor"] = max(entry["floor"], float(row["floor_ms"]))
        if model:
            threads = int(row["threads"]) if row["threads"] else None  # None: an accelerator
            measured = _here_ms(rows, model, precision, threads or 1)
            if measured is None:
                here, here_threads = float(row["measured_here_ms"]), 1
                note = (f"Time here: {model} {precision} {here:.3g} ms at 1 thread on the course's "
                        "development machine (not measured on this one)")
            else:
                here, here_threads = measured
                note = f"Calibrated here: {model} {precision} takes {here:.3g} ms at {here_threads} thread(s)"
            if threads is not None and here_threads != threads:
                note += (f"; the device used {threads} threads, this machine had {here_threads}: "
                         "all threads there against all threads here")
            entry["factors"][precision] = float(row["published_ms"]) / here
            entry["threads"], entry["here_threads"] = threads, here_threads
            source = f"{source.rstrip('.')}. {note}."
        elif not row["floor_ms"]:
            entry["factors"][precision] = 1.0
        if source not in entry["sources"]:
            entry["sources"].append(source)
    for name, e in grouped.items():
        if e["int8_only"] and set(e["factors"]) - {"int8"}:
            raise ValueError(f"{DEVICES_CSV.name}: {name} accepts only int8 models but has a "
                             f"{' and '.join(sorted(set(e['factors']) - {'int8'}))} row; remove it.")
    return {name: Device(name, e["kind"], e["factors"].get("float32", 0.0), " ".join(e["sources"]),
                         dict(e["factors"]), e["floor"], e["threads"], e["here_threads"],
                         e["int8_only"], e["power"])
            for name, e in grouped.items()}


def reference_ms(rows: list[dict], fmt: str = "float32", threads: int = 1) -> dict[str, float]:
    """``{model: p50 ms}`` from measured reference rows (``quantization.reference_latencies()``)."""
    return {row["model"]: row["p50_ms"] for row in rows
            if row["format"] == fmt and row["threads"] == threads}


def prices() -> dict[str, float]:
    """US dollars per GB of metered mobile data, by plan, from ``data/prices.csv``."""
    return {row["plan"]: float(row["usd_per_gb"]) for row in read_table(PRICES_CSV)}


# ---------------------------------------------------------------- one request, in medians


def transmit_ms(size_bytes, mbps: float):
    """Time to push ``size_bytes`` through a link of ``mbps`` Mbit/s (1 Mbit/s = 10^6 bit/s)."""
    validate.non_negative(size_bytes=size_bytes)
    validate.positive(mbps=mbps)
    return size_bytes * 8 / (mbps * 1e3)


def _non_negative(**values) -> None:
    for name, value in values.items():
        if not value >= 0:
            raise ValueError(f"{name}={value!r} must be a number of 0 or more.")


def cloud_breakdown(payload_bytes: float, network: Network, server_ms: float, *,
                    result_bytes: float = 64, queue_ms: float = 0.0,
                    encode_ms: float = 0.0) -> dict[str, float]:
    """The median time of each stage of one cloud request, in ms, in pipeline order.

    The connection is already open (no handshake); propagation is one round trip: the request's
    last byte goes out, the answer's first byte comes back. Their sum is the median total.
    """
    _non_negative(payload_bytes=payload_bytes, server_ms=server_ms, result_bytes=result_bytes,
                  queue_ms=queue_ms, encode_ms=encode_ms)
    return {"encode": float(encode_ms),
            "uplink": transmit_ms(payload_bytes, network.uplink_mbps),
            "propagation": network.rtt_ms,
            "queue": float(queue_ms),
            "server inference": float(server_ms),
            "downlink": transmit_ms(result_bytes, network.downlink_mbps)}


def break_even_uplink_mbps(payload_bytes: float, network: Network, server_ms: float,
                           edge_ms: float, *, result_bytes: float = 64, encode_ms: float = 0.0) -> float:
    """The uplink bandwidth above which the cloud's median beats ``edge_ms``; ``math.inf`` when
    no bandwidth can (the round trip and the server alone take longer than the edge)."""
    validate.non_negative(payload_bytes=payload_bytes, server_ms=server_ms, edge_ms=edge_ms,
                          result_bytes=result_bytes, encode_ms=encode_ms)
    fixed = sum(cloud_breakdown(0, network, server_ms, result_bytes=result_bytes,
                                encode_ms=encode_ms).values())
    budget = edge_ms - fixed
    if budget <= 0:
        return math.inf
    return payload_bytes * 8 / (budget * 1e3)


# ---------------------------------------------------------------- a cold request: handshakes and slow start

INITIAL_WINDOW_SEGMENTS = 10  # TCP's initial congestion window, RFC 6928: 10 segments (≈ 14.6 kB)
INITIAL_RTO_MS = 1000.0  # RFC 6298 (2.1): the timeout before any round trip was measured (a lost SYN)
TLP_DELAYED_ACK_MS = 200.0  # RFC 8985 (7.2): WCDelAckT, added to the probe timeout with one segment in flight
TLS_ROUND_TRIPS = {"none": 0, "1.3": 1, "1.2": 2, "1.3 resumed (0-RTT)": 0}  # RFC 8446; RFC 5246


def slow_start_ms(payload_bytes: float, network: Network,
                  initial_window: int = INITIAL_WINDOW_SEGMENTS) -> float:
    """Time slow start adds to sending ``payload_bytes`` on a new connection, beyond the
    payload's transmit time at full bandwidth (RFC 5681, initial window RFC 6928).

    The sender may have ``initial_window`` segments in flight, then waits for their
    acknowledgements: each round sends a window and lasts at least one round trip; the window
    doubles every round. Once a window takes longer to send than a round trip, acknowledgements
    return before it ends and the link never idles again. A payload within the first window
    pays nothing extra.
    """
    _non_negative(payload_bytes=payload_bytes)
    if not (isinstance(initial_window, (int, np.integer)) and initial_window >= 1):
        raise ValueError(f"initial_window={initial_window!r}: give a whole number of segments, 1 or more "
                         "(RFC 6928's is 10).")
    remaining, window, total = float(payload_bytes), float(initial_window * MSS_BYTES), 0.0
    while remaining > 0:
        sent = min(window, remaining)
        remaining -= sent
        busy = transmit_ms(sent, network.uplink_mbps)
        total += busy if remaining <= 0 else max(network.rtt_ms, busy)
        window *= 2
    return total - transmit_ms(payload_bytes, network.uplink_mbps)


def request_stages(payload_bytes: float, network: Network, server_ms: float, *, cold: bool = False,
                   tls: str = "1.3", promotion_ms: float = 0.0,
                   initial_window: int = INITIAL_WINDOW_SEGMENTS, result_bytes: float = 64,
                   queue_ms: float = 0.0, encode_ms: float = 0.0) -> dict[str, float]:
    """The median time of each stage of one cloud request, in ms, cold or warm.

    Warm: a connection already open and in use (:func:`cloud_breakdown`; the new stages are 0).
    Cold: the radio first wakes from idle (``promotion_ms``, an assumption: see the notebook),
    then TCP's handshake (1 round trip, RFC 9293), TLS's (``tls``: 1 round trip for 1.3, RFC
    8446; 2 for 1.2; 0 for none or a resumed 1.3 session sending early data), and the payload
    leaves in slow start (:func:`slow_start_ms`).
    """
    if tls not in TLS_ROUND_TRIPS:
        raise ValueError(f"tls={tls!r}; use one of {', '.join(repr(t) for t in TLS_ROUND_TRIPS)}.")
    _non_negative(promotion_ms=promotion_ms)
    warm = cloud_breakdown(payload_bytes, network, server_ms, result_bytes=result_bytes,
                           queue_ms=queue_ms, encode_ms=encode_ms)
    stages = {"radio promotion": float(promotion_ms) if cold else 0.0,
              "TCP handshake": network.rtt_ms if cold else 0.0,
              "TLS handshake": TLS_ROUND_TRIPS[tls] * network.rtt_ms if cold else 0.0}
    for stage, ms in warm.items():
        stages[stage] = ms
        if stage == "uplink":
            stages["slow start"] = slow_start_ms(payload_bytes, network, initial_window) if cold else 0.0
    return stages


def loss_recovery_ms(rtt_ms: float, mechanism: str = "tail loss probe", *, in_flight: int = 2) -> float:
    """Extra time one lost segment at the end of a transfer costs before its repair is sent.

    - ``"tail loss probe"`` (RACK-TLP, RFC 8985): a probe after PTO = 2 × SRTT, plus the
      worst-case delayed-ACK time (200 ms) when only one segment is in flight;
    - ``"retransmission timeout"``: Linux's RTO, at least 200 ms (``TCP_RTO_MIN``) above the
      round trip (RFC 6298 recommends a 1 s minimum; Linux uses less);
    - ``"initial timeout"``: a lost SYN, before any round trip was measured: 1 s (RFC 6298).
    """
    _non_negative(rtt_ms=rtt_ms)
    if mechanism == "tail loss probe":
        return 2 * rtt_ms + (TLP_DELAYED_ACK_MS if in_flight == 1 else 0.0)
    if mechanism == "retransmission timeout":
        return rtt_ms + RTO_MIN_MS
    if mechanism == "initial timeout":
        return INITIAL_RTO_MS
    raise ValueError(f"mechanism={mechanism!r}; use 'tail loss probe', 'retransmission timeout' or "
                     "'initial timeout'.")


# ---------------------------------------------------------------- energy: joules per prediction

ENERGY_CSV = config.DATA_DIR / "edge_cloud_energy.csv"
RADIO_ENERGY_CSV = config.DATA_DIR / "radio_energy.csv"


def energy_figures() -> dict[str, tuple[float, str, str]]:
    """``{item: (value, unit, source)}`` from ``data/edge_cloud_energy.csv`` (device power, radio states)."""
    return {row["item"]: (float(row["value"]), row["unit"], row["source"]) for row in read_table(ENERGY_CSV)}


def radio_joules_per_bit(technology: str, kbps: float) -> float:
    """Energy per bit (J) a phone's radio spends moving data at ``kbps``, from the measured
    linear model of ``data/radio_energy.csv``: E_bit = A + B × (rate − C), with the rate clipped
    to the range it was measured over."""
    models = {row["technology"]: row for row in read_table(RADIO_ENERGY_CSV)}
    if technology not in models:
        raise ValueError(f"Unknown radio {technology!r}; use one of {', '.join(repr(t) for t in models)}.")
    row = models[technology]
    rate = min(max(float(kbps), float(row["min_kbps"])), float(row["max_kbps"]))
    return float(row["a_j_per_bit"]) + float(row["b_j_per_bit_per_kbps"]) * (rate - float(row["c_kbps"]))


def inference_joules(power_w: float, ms: float) -> float:
    """Energy of one inference: the device's power draw × its inference time."""
    _non_negative(power_w=power_w, ms=ms)
    return power_w * ms / 1000


def radio_joules(payload_bytes: float, joules_per_bit: float, *, promotion_ms: float = 0.0,
                 promotion_w: float = 0.0, tail_s: float = 0.0, tail_w: float = 0.0) -> float:
    """Energy the radio spends to send ``payload_bytes``: per bit, plus (a cold radio) the
    promotion from idle and the tail it stays powered for afterwards."""
    _non_negative(payload_bytes=payload_bytes, joules_per_bit=joules_per_bit, promotion_ms=promotion_ms,
                  promotion_w=promotion_w, tail_s=tail_s, tail_w=tail_w)
    return payload_bytes * 8 * joules_per_bit + promotion_w * promotion_ms / 1000 + tail_w * tail_s


# ---------------------------------------------------------------- many requests: Monte Carlo


def lognormal_shape(median: float, p95: float | None) -> float:
    """The shape σ of the lognormal with this median and p95 (0, a constant, without a wider p95)."""
    return math.log(p95 / median) / Z95 if p95 and median > 0 and p95 > median else 0.0


def _lognormal(rng, median: float, p95: float | None, n: int, sigma: float | None = None) -> np.ndarray:
    """``n`` samples with the given median and p95 (or lognormal shape ``sigma``)."""
    if sigma is None:
        sigma = lognormal_shape(median, p95)
    return median * np.exp(sigma * rng.standard_normal(n)) if sigma else np.full(n, float(median))


def _check_n(n: int) -> None:
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n!r}: simulate at least 1 request (a whole number).")


def simulate_edge(edge_ms: float, n: int, seed: int = 0, *, p95_ms: float | None = None) -> np.ndarray:
    """``n`` on-device latencies (ms): lognormal with the measured median and p95, or constant."""
    _non_negative(edge_ms=edge_ms)
    _check_n(n)
    return _lognormal(np.random.default_rng(seed), edge_ms, p95_ms, n)


def _gilbert_elliott(loss: float, burst_length: float) -> tuple[float, float]:
    """Transition probabilities (good→bad, bad→good) of a chain whose bad state loses every packet,
    with mean loss rate ``loss`` and mean burst ``burst_length`` packets."""
    if not burst_length >= 1:
        raise ValueError(f"burst_length={burst_length!r}: a burst is at least 1 packet long.")
    to_good = 1 / burst_length
    to_bad = loss * to_good / (1 - loss)
    if to_bad > 1:
        raise ValueError(f"loss={loss} with bursts of {burst_length} packets is impossible; use "
                         "longer bursts or less loss.")
    return to_bad, to_good


def _lost(rng, n: int, slots: int, loss: float, chain: tuple[float, float] | None) -> np.ndarray:
    """``(n, slots)`` booleans: which of ``slots`` consecutive packets each request loses."""
    if chain is None:
        return rng.random((n, slots)) < loss
    to_bad, to_good = chain
    lost = np.empty((n, slots), bool)
    state = rng.random(n) < loss  # the chain's stationary share of bad time is the loss rate
    for slot in range(slots):
        lost[:, slot] = state
        draw = rng.random(n)
        state = np.where(state, draw >= to_good, draw < to_bad)
    return lost


def simulate_cloud(payload_bytes: float, network: Network, server_ms: float, n: int,
                   seed: int = 0, *, result_bytes: float = 64, encode_ms: float = 0.0,
                   queue_ms: float = 0.0, server_p95_ms: float | None = None,
                   jitter: float = DEFAULT_JITTER, protocol: str = "tcp", bursty: bool = False,
                   burst_length: float = 4.0) -> np.ndarray:
    """``n`` end-to-end latencies (ms) of cloud requests; ``inf`` for a frame that never arrives.

    Each request's round-trip time is lognormal around the network's (shape ``jitter``); the
    server time is lognormal with the given median and p95 (constant without a p95). The payload
    travels in segments of :data:`MSS_BYTES`, each lost with probability ``network.loss``,
    independently or in Gilbert–Elliott bursts of ``burst_length`` packets on average.

    - ``protocol="tcp"``: a lost segment is sent again. A loss among the last 3 segments of a
      transfer cannot trigger fast retransmit (RFC 5681), so it waits a retransmission timeout,
      RTT + :data:`RTO_MIN_MS`, doubled for each time the retransmission is lost as well; any
      other loss episode costs one more round trip. Costs add up (recoveries that overlap in
      time are not credited, so the tail is slightly pessimistic).
    - ``protocol="udp"``: a frame with any lost packet is dropped (``inf``).
    """
    _non_negative(payload_bytes=payload_bytes, server_ms=server_ms, jitter=jitter)
    _check_n(n)
    if protocol not in ("tcp", "udp"):
        raise ValueError(f"protocol={protocol!r}; use 'tcp' (retransmit) or 'udp' (drop).")
    rng = np.random.default_rng(seed)
    rtt = _lognormal(rng, network.rtt_ms, None, n, sigma=jitter)
    server = _lognormal(rng, server_ms, server_p95_ms, n)
    fixed = cloud_breakdown(payload_bytes, network, 0, result_bytes=result_bytes,
                            queue_ms=queue_ms, encode_ms=encode_ms)
    latency = rtt + server + (sum(fixed.values()) - fixed["propagation"])
    if network.loss == 0:
        return latency
    loss = network.loss
    chain = _gilbert_elliott(loss, burst_length) if bursty else None
    up, down = (max(1, math.ceil(size / MSS_BYTES)) for size in (payload_bytes, result_bytes))
    if protocol == "udp":
        # whole-frame delivery: no packet of the request or its answer may be lost
        segments = up + down
        if chain is None:
            delivered = (1 - loss) ** segments
        else:
            delivered = (1 - loss) * (1 - chain[0]) ** (segments - 1)
        return np.where(rng.random(n) < delivered, latency, np.inf)
    tail = min(DUPACK_THRESHOLD, up) + min(DUPACK_THRESHOLD, down)
    body = up + down - tail
    if body:
        # fast-retransmit episodes: each loss (independent) or each burst (Gilbert–Elliott)
        episode = loss if chain is None else (1 - loss) * chain[0]
        latency = latency + rng.binomial(body, episode, n) * rtt
    lost_tail = _lost(rng, n, tail, loss, chain)
    extra_losses = rng.geometric(1 - loss, (n, tail)) - 1  # the retransmission lost again, and again
    timeouts = (RTO_MIN_MS + rtt[:, None]) * (2.0 ** (extra_losses + 1) - 1)
    return latency + np.where(lost_tail, timeouts, 0).sum(axis=1)


def percentiles(samples_ms) -> dict[str, float]:
    """``{"p50", "p95", "p99"}`` of the samples (``inf`` for dropped frames counts as slowest)."""
    validate.non_empty(samples_ms=samples_ms)
    validate.non_negative(samples_ms=samples_ms, allow_inf=True)
    p50, p95, p99 = measure.percentile(samples_ms, [50, 95, 99])
    return {"p50": p50, "p95": p95, "p99": p99}


def deadline_miss_rate(samples_ms, deadline_ms: float) -> float:
    """Fraction of requests slower than ``deadline_ms`` (dropped frames miss it too)."""
    validate.non_empty(samples_ms=samples_ms)
    validate.non_negative(samples_ms=samples_ms, deadline_ms=deadline_ms, allow_inf=True)
    return float(np.mean(np.asarray(samples_ms) > deadline_ms))


# ---------------------------------------------------------------- what latency means on a road


def _distance(latency_ms, mph: float, per_mile: float):
    _non_negative(mph=mph)
    latency = np.asarray(latency_ms, float)
    if np.any(latency < 0):
        raise ValueError(f"latency_ms={latency_ms!r} is negative; a latency is 0 ms or more.")
    distance = mph * per_mile / 3600 * latency / 1000
    return float(distance) if distance.ndim == 0 else distance


def feet_travelled(latency_ms, mph: float = 60):
    """Feet a vehicle at ``mph`` covers during ``latency_ms`` (60 mph = 88 ft/s)."""
    validate.non_negative(latency_ms=latency_ms, allow_inf=True)  # inf: a frame that never arrives
    validate.non_negative(mph=mph)
    return _distance(latency_ms, mph, FEET_PER_MILE)


def metres_travelled(latency_ms, mph: float = 60):
    """Metres a vehicle at ``mph`` covers during ``latency_ms`` (60 mph = 26.8 m/s)."""
    return _distance(latency_ms, mph, METRES_PER_MILE)


# ---------------------------------------------------------------- what one cloud request sends

JPEG_QUALITY = 75  # Pillow's default JPEG quality
PAYLOAD_CROPS = 64  # test images whose median JPEG size is one request's payload


def crop_payload_bytes(crops, quality: int = JPEG_QUALITY) -> float:
    """The payload of one cloud request, as notebooks 06, 07 and 08 define it: the median size of the
    model's input crops (uint8, height × width × 3; the course takes :data:`PAYLOAD_CROPS` test
    images) encoded as JPEG at ``quality``."""
    from utils import serving  # serving imports this module

    sizes = [len(serving.encode_jpeg(crop, quality)) for crop in crops]
    if not sizes:
        raise ValueError("No crops to measure: pass at least one image (uint8, height × width × 3).")
    return float(measure.percentile(sizes, 50))


# ---------------------------------------------------------------- bandwidth and money


def gigabytes_per_hour(payload_bytes: float, fps: float) -> float:
    """GB (10^9 bytes) a camera sending ``payload_bytes`` per frame at ``fps`` uploads in an hour."""
    _non_negative(payload_bytes=payload_bytes, fps=fps)
    return payload_bytes * fps * 3600 / 1e9


def monthly_gigabytes(payload_bytes: float, fps: float, hours_per_day: float = 24) -> float:
    """GB uploaded in a 30-day month, sending ``hours_per_day`` hours a day."""
    if not 0 <= hours_per_day <= 24:
        raise ValueError(f"hours_per_day={hours_per_day!r}: a day has 0 to 24 hours.")
    return gigabytes_per_hour(payload_bytes, fps) * hours_per_day * DAYS_PER_MONTH


def monthly_cost(payload_bytes: float, fps: float, price_per_gb: float | None = None,
                 hours_per_day: float = 24) -> float:
    """US dollars a month on a metered plan (by default the US average of ``data/prices.csv``)."""
    price = prices()[DEFAULT_PLAN] if price_per_gb is None else price_per_gb
    _non_negative(price_per_gb=price)
    return monthly_gigabytes(payload_bytes, fps, hours_per_day) * price


# ---------------------------------------------------------------- keeping up with a frame rate


def pipeline_check(stages_ms: dict[str, float], fps: float) -> list[dict]:
    """Can every stage keep up with ``fps`` frames per second?

    A stage busy ``ms`` per frame serves at most ``1000 / ms`` frames/s; its utilisation is
    ``fps × ms / 1000``. At 1 or more, frames arrive faster than it finishes them and its queue
    grows without bound (by ``fps − max_fps`` frames every second), however deep the buffer.
    Returns one row per stage: ``stage``, ``ms``, ``max_fps``, ``utilisation``, ``keeps_up``.
    """
    if not fps > 0:
        raise ValueError(f"fps={fps!r}: give a positive frame rate.")
    rows = []
    for stage, ms in stages_ms.items():
        _non_negative(**{stage.replace(" ", "_"): ms})
        utilisation = fps * ms / 1000
        rows.append({"stage": stage, "ms": float(ms), "max_fps": 1000 / ms if ms else math.inf,
                     "utilisation": utilisation, "keeps_up": utilisation < 1})
    return rows


# ---------------------------------------------------------------- a shared server: queueing


def utilisation(rate_per_s: float, service_ms: float, servers: int = 1) -> float:
    """ρ = arrival rate × service time / servers: the fraction of time the servers are busy."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    validate.whole(servers=servers)
    return rate_per_s * service_ms / 1000 / servers


def mmc_mean_response_ms(rate_per_s: float, service_ms: float, servers: int = 1) -> float:
    """Mean time in an M/M/c system (queue + service), from the Erlang C formula;
    for c = 1 it is 1 / (μ − λ). ``inf`` at utilisation 1 or more."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    validate.whole(servers=servers)
    rho = utilisation(rate_per_s, service_ms, servers)
    if rho >= 1:
        return math.inf
    offered = rate_per_s * service_ms / 1000  # a = λ / μ, in Erlangs
    # Erlang B by its recursion (no a^c / c!, which overflows for hundreds of servers), then C
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    waiting_probability = blocking / (1 - rho * (1 - blocking))
    wait_ms = waiting_probability * service_ms / (servers * (1 - rho))
    return wait_ms + service_ms


def mm1_response_percentile_ms(rate_per_s: float, service_ms: float, q: float = 99) -> float:
    """The ``q``-th percentile of the time in an M/M/1 system (queue + service). That time is
    exponential with rate μ − λ, so its percentile is −ln(1 − q/100) / (μ − λ): the p99 is
    ln(100) / (μ − λ), ln(100) ≈ 4.6 times the mean. ``inf`` at utilisation 1 or more."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    if not 0 <= q < 100:
        raise ValueError(f"q={q!r}: give a percentile from 0 up to (not including) 100.")
    if utilisation(rate_per_s, service_ms) >= 1:
        return math.inf
    if service_ms == 0:
        return 0.0
    spare_per_ms = 1 / service_ms - rate_per_s / 1000  # μ − λ, per millisecond
    return -math.log(1 - q / 100) / spare_per_ms


def md1_mean_response_ms(rate_per_s: float, service_ms: float) -> float:
    """Mean time in an M/D/1 system: Pollaczek–Khinchine, Wq = ρ / (2μ(1 − ρ)), plus service."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    rho = utilisation(rate_per_s, service_ms)
    if rho >= 1:
        return math.inf
    return rho * service_ms / (2 * (1 - rho)) + service_ms


def simulate_server(rate_per_s: float, service_ms: float | Callable[[int], float], n: int,
                    seed: int = 0, *, servers: int = 1, service: str = "exponential",
                    batch_size: int = 1, max_delay_ms: float = 0.0) -> np.ndarray:
    """Response times (queue + service, ms) of ``n`` requests to a shared server, with SimPy.

    Requests arrive as a Poisson stream of ``rate_per_s`` per second: many cameras sending at a
    frame rate merge into one (the Palm–Khintchine theorem), and MLPerf's server scenario uses
    the same. ``servers`` workers take requests first come, first served; ``service`` is
    "exponential" (M/M/c) or "deterministic" (M/D/c) around ``service_ms``.

    Dynamic batching: a worker takes up to ``batch_size`` waiting requests and, if fewer are
    waiting, waits up to ``max_delay_ms`` for more. ``service_ms`` may then be a function of the
    batch size (the measured time of one call on a batch).
    """
    validate.positive(rate_per_s=rate_per_s)
    validate.non_negative(max_delay_ms=max_delay_ms)
    if not callable(service_ms):
        validate.non_negative(service_ms=service_ms)
    validate.whole(n=n, servers=servers, batch_size=batch_size)
    import simpy

    _check_n(n)
    if not rate_per_s > 0:
        raise ValueError(f"rate_per_s={rate_per_s!r}: give a positive arrival rate.")
    if service not in ("exponential", "deterministic"):
        raise ValueError(f"service={service!r}; use 'exponential' (M/M/c) or 'deterministic' (M/D/c).")
    if servers < 1 or batch_size < 1:
        raise ValueError(f"servers={servers!r}, batch_size={batch_size!r}: both must be 1 or more.")
    batch_ms = service_ms if callable(service_ms) else (lambda size: service_ms * size)
    _non_negative(service_ms=batch_ms(1), max_delay_ms=max_delay_ms)
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1000 / rate_per_s, n)
    env = simpy.Environment()
    waiting = simpy.Store(env)
    arrived = np.zeros(n)
    response = np.full(n, np.nan)
    finished = [0, env.event()]  # requests answered so far; the event fires after the last

    def arrivals():
        for index, gap in enumerate(gaps):
            yield env.timeout(gap)
            arrived[index] = env.now
            waiting.put(index)

    def worker():
        while True:
            batch = [(yield waiting.get())]
            closes = env.now + max_delay_ms
            while len(batch) < batch_size:
                if waiting.items:
                    batch.append((yield waiting.get()))
                    continue
                if env.now >= closes:
                    break
                request, timer = waiting.get(), env.timeout(closes - env.now)
                result = yield request | timer
                if request in result:
                    batch.append(result[request])
                else:
                    request.cancel()
                    break
            mean = batch_ms(len(batch))
            yield env.timeout(rng.exponential(mean) if service == "exponential" else mean)
            response[batch] = env.now - arrived[batch]
            finished[0] += len(batch)
            if finished[0] == n:
                finished[1].succeed()

    env.process(arrivals())
    for _ in range(servers):
        env.process(worker())
    env.run(until=finished[1])
    return response


# ---------------------------------------------------------------- distance to the data centre, and outages

PROPAGATION_CSV = config.DATA_DIR / "propagation.csv"
OUTAGES_CSV = config.DATA_DIR / "network_outages.csv"
REGION_RTTS_CSV = config.DATA_DIR / "cloud_region_rtts.csv"
EARTH_RADIUS_KM = 6371.0  # the Earth's mean radius
KM_PER_MILE = METRES_PER_MILE / 1000


def _propagation_figures() -> dict[str, float]:
    return {row["quantity"]: float(row["value"]) for row in read_table(PROPAGATION_CSV)}


#: Light in glass travels about 200 km per millisecond (about 2/3 of c): 10 ms of round trip per
#: 1,000 km of fibre (``data/propagation.csv``).
FIBRE_KM_PER_MS = _propagation_figures()["fibre_km_per_ms"]
#: Internet latency ≈ great-circle distance × 2.1 / the speed of light in fibre: a rule of thumb from
#: measurement campaigns of the public Internet, quoted by Bozkurt et al. (arXiv:1811.10737, 2018).
#: It lumps longer fibre paths, indirect routing and equipment together (``data/propagation.csv``).
ROUTE_INFLATION = _propagation_figures()["route_inflation"]


def propagation_rtt_ms(distance_km, inflation: float | None = None):
    """Round-trip propagation (ms) to a server ``distance_km`` away along the great circle.

    ``2 × distance × inflation / FIBRE_KM_PER_MS``: 10 ms per 1,000 km for a straight fibre
    (``inflation=1``), times :data:`ROUTE_INFLATION` (2.1) by default. Accepts an array of distances.
    """
    validate.non_negative(distance_km=distance_km)
    inflation = ROUTE_INFLATION if inflation is None else inflation
    validate.finite(inflation=inflation)
    if inflation < 1:
        raise ValueError(f"inflation={inflation!r} is below 1; a route is at least as long as the "
                         "great circle (1 = a straight fibre, 2.1 = the Internet's rule of thumb).")
    rtt = 2 * np.asarray(distance_km, float) * inflation / FIBRE_KM_PER_MS
    return float(rtt) if rtt.ndim == 0 else rtt


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (km) between two points given in degrees (haversine formula)."""
    validate.finite(lat1=lat1, lon1=lon1, lat2=lat2, lon2=lon2)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def region_rtts(inflation: float | None = None) -> list[dict]:
    """Published round trips between cloud regions (``data/cloud_region_rtts.csv``: Azure's P95
    between regions over its own backbone) beside the model: one dict per pair with ``pair``,
    ``distance_km`` (great circle between the named cities), ``published_ms``, ``model_ms``
    (:func:`propagation_rtt_ms` with ``inflation``), ``straight_ms`` (a straight fibre) and
    ``implied_inflation`` (the inflation that would make the model match)."""
    rows = []
    for row in read_table(REGION_RTTS_CSV):
        km = great_circle_km(*(float(row[k]) for k in ("from_lat", "from_lon", "to_lat", "to_lon")))
        published = float(row["rtt_p95_ms"])
        rows.append({"pair": f"{row['from_region']} → {row['to_region']}",
                     "cities": f"{row['from_city']} → {row['to_city']}", "distance_km": km,
                     "published_ms": published, "model_ms": propagation_rtt_ms(km, inflation),
                     "straight_ms": propagation_rtt_ms(km, 1.0),
                     "implied_inflation": published / propagation_rtt_ms(km, 1.0),
                     "source": row["source"]})
    return rows


@dataclasses.dataclass(frozen=True)
class Outages:
    """A link that is down ``unavailability`` of the time, in outages of ``mean_outage_s`` on average.

    A two-state Markov model: up and down periods alternate, each exponentially distributed, the
    down ones with mean ``mean_outage_s`` and the up ones with mean :attr:`mean_up_s`, chosen so
    that the link is down ``unavailability`` of the time in the long run.
    """

    unavailability: float
    mean_outage_s: float

    def __post_init__(self):
        validate.finite(unavailability=self.unavailability, mean_outage_s=self.mean_outage_s)
        if not 0 <= self.unavailability < 1:
            raise ValueError(f"unavailability={self.unavailability!r} is outside [0, 1); give the "
                             "fraction of time the link is down, e.g. 0.01 for 1 %.")
        validate.positive(mean_outage_s=self.mean_outage_s)

    @property
    def mean_up_s(self) -> float:
        """The mean time between outages: mean_outage × (1 − u) / u (``inf`` for a link never down)."""
        u = self.unavailability
        return math.inf if u == 0 else self.mean_outage_s * (1 - u) / u

    @property
    def outages_per_hour(self) -> float:
        """How many outages start in an hour, on average: 3,600 × u / mean_outage_s."""
        return 3600 * self.unavailability / self.mean_outage_s


def outage_figures() -> dict[str, tuple[Outages, str, str]]:
    """``{name: (Outages, kind, source)}`` from ``data/network_outages.csv``; ``kind`` says which
    figures are measured and which are assumptions."""
    return {row["name"]: (Outages(float(row["unavailability"]), float(row["mean_outage_s"])),
                          row["kind"], row["source"]) for row in read_table(OUTAGES_CSV)}


def outage_periods(outages: Outages, duration_s: float, seed: int = 0) -> np.ndarray:
    """The ``(k, 2)`` array of ``[start, end)`` seconds when the link is down during
    ``[0, duration_s)``: the Markov model's exponential periods, starting down with probability
    ``unavailability`` (its long-run share), the last outage cut at ``duration_s``."""
    validate.positive(duration_s=duration_s)
    if outages.unavailability == 0:
        return np.empty((0, 2))
    rng = np.random.default_rng(seed)
    down = bool(rng.random() < outages.unavailability)
    t, periods = 0.0, []
    while t < duration_s:
        length = rng.exponential(outages.mean_outage_s if down else outages.mean_up_s)
        if down:
            periods.append((t, min(t + length, duration_s)))
        t += length
        down = not down
    return np.array(periods, float).reshape(-1, 2)


@dataclasses.dataclass(frozen=True)
class OutageRun:
    """What a camera at ``fps`` saw during one run with outages (see :func:`answers`)."""

    frames: int
    outages: int  # outages that touch the run
    down_s: float  # seconds the link was down
    cloud_missed: int  # frames the cloud did not answer by their deadline (lost in an outage, or too slow)
    cloud_longest_blind_s: float  # the longest time without any answer from the cloud
    edge_missed: int  # frames the edge did not answer by their deadline (only if it is too slow)
    edge_longest_blind_s: float  # the same for the edge, which keeps answering through outages
    queued_decisions: int  # edge decisions made while the link was down, sent when it returns
    max_staleness_s: float  # the longest a queued decision waited for the link (store-and-forward)

    @property
    def cloud_missed_fraction(self) -> float:
        return self.cloud_missed / self.frames


def answers(down, fps: float, duration_s: float, *, deadline_ms: float, cloud_ms: float,
            edge_ms: float) -> OutageRun:
    """Frames sent every ``1/fps`` s during ``[0, duration_s)`` over a link down during the
    ``[start, end)`` intervals ``down`` (sorted, disjoint; seconds).

    - **cloud**: a frame sent at ``t`` is answered at ``t + cloud_ms`` only if the link is up for
      the whole round trip ``[t, t + cloud_ms]``; otherwise it is lost (no answer at all). It misses
      its deadline if it is lost or ``cloud_ms > deadline_ms``.
    - **edge**: every frame is answered at ``t + edge_ms``, outage or not; it misses its deadline
      only if ``edge_ms > deadline_ms``. A decision made while the link is down is queued and sent
      when the link returns (store-and-forward); ``max_staleness_s`` is its longest wait.

    The longest blind time is the longest gap between consecutive answers, counting from 0 (the
    first answer) and up to ``duration_s``: an outage of ``D`` s costs about ``D`` + one round
    trip + one frame interval. Distance on a road: ``feet_travelled(1000 * blind_s)``.
    """
    validate.positive(fps=fps, duration_s=duration_s)
    validate.non_negative(deadline_ms=deadline_ms, cloud_ms=cloud_ms, edge_ms=edge_ms)
    down = np.asarray(down, float).reshape(-1, 2)
    if np.any(down[:, 1] < down[:, 0]) or np.any(down[1:, 0] < down[:-1, 1]):
        raise ValueError("down: give sorted, non-overlapping [start, end) intervals in seconds.")
    starts, ends = down[:, 0], down[:, 1]
    sent = np.arange(math.ceil(duration_s * fps - 1e-9)) / fps
    cloud_s, edge_s = cloud_ms / 1000, edge_ms / 1000
    # the first outage ending after the frame was sent is the only one that can cut its round trip
    first = np.searchsorted(ends, sent, side="right")
    cut = (first < len(ends)) & (starts[np.minimum(first, len(ends) - 1)] < sent + cloud_s) \
        if len(ends) else np.zeros(sent.size, bool)
    cloud_answers = sent[~cut] + cloud_s
    decided = sent + edge_s
    inside = np.searchsorted(ends, decided, side="right")
    queued = (inside < len(ends)) & (starts[np.minimum(inside, len(ends) - 1)] <= decided) \
        if len(ends) else np.zeros(sent.size, bool)
    waits = ends[inside[queued]] - decided[queued] if queued.any() else np.zeros(0)
    return OutageRun(
        frames=int(sent.size), outages=int(len(ends)), down_s=float(np.sum(ends - starts)),
        cloud_missed=int(sent.size if cloud_ms > deadline_ms else cut.sum()),
        cloud_longest_blind_s=_longest_gap(cloud_answers, duration_s),
        edge_missed=int(sent.size if edge_ms > deadline_ms else 0),
        edge_longest_blind_s=_longest_gap(decided, duration_s),
        queued_decisions=int(queued.sum()), max_staleness_s=float(waits.max(initial=0.0)))


def _longest_gap(times_s: np.ndarray, duration_s: float) -> float:
    """The longest wait for an answer: between 0, the answers' times and the end of the run."""
    end = max(duration_s, float(times_s.max(initial=0.0)))
    return float(np.max(np.diff(np.concatenate([[0.0], np.sort(times_s), [end]]))))


def simulate_outages(outages: Outages, fps: float, duration_s: float, seed: int = 0, *,
                     deadline_ms: float, cloud_ms: float, edge_ms: float) -> OutageRun:
    """One run of ``duration_s`` seconds of a camera at ``fps`` over a link with ``outages``
    (:func:`outage_periods`), cloud and edge answering as :func:`answers` describes."""
    return answers(outage_periods(outages, duration_s, seed), fps, duration_s,
                   deadline_ms=deadline_ms, cloud_ms=cloud_ms, edge_ms=edge_ms)
