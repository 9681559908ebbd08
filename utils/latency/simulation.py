"""Notebooks 06-08: many requests by Monte Carlo, their percentiles, a latency in road distance.

On top of the medians (:mod:`utils.latency.requests`), the cloud path adds jitter (a lognormal
round-trip time around the preset's) and packet loss (independent, or bursty with a
Gilbert–Elliott chain), vectorised with NumPy.
"""

from __future__ import annotations

import math

import numpy as np

from utils import measure, validate
from utils.latency.links import FEET_PER_MILE, METRES_PER_MILE, Network
from utils.latency.requests import (
    DUPACK_THRESHOLD,
    MSS_BYTES,
    cloud_breakdown,
    loss_recovery_ms,
)

#: Lognormal shape of the round-trip time, a modelling choice: its p99 is about 2 x its median.
DEFAULT_JITTER = 0.3
Z95 = 1.6449  # the standard normal's 95th percentile
#: How TCP repairs a lost tail segment: "rack-tlp" (RFC 8985, the default in Linux and Android)
#: or "rto" (an old stack without it: only the retransmission timeout).
RECOVERIES = ("rack-tlp", "rto")
#: RFC 8985 (6.2, step 4): RACK's reordering window is min_RTT / 4 while no reordering was seen
#: and fewer than 3 later segments are SACKed (it is 0 from 3 on, as with 3 duplicate ACKs).
RACK_REORDER_WINDOW_RTTS = 0.25


def lognormal_shape(median: float, p95: float | None) -> float:
    """The shape σ of the lognormal with this median and p95 (0, a constant, without a wider
    p95)."""
    return math.log(p95 / median) / Z95 if p95 and median > 0 and p95 > median else 0.0


def _lognormal(
    rng, median: float, p95: float | None, n: int, sigma: float | None = None
) -> np.ndarray:
    """``n`` samples with the given median and p95 (or lognormal shape ``sigma``)."""
    if sigma is None:
        sigma = lognormal_shape(median, p95)
    return median * np.exp(sigma * rng.standard_normal(n)) if sigma else np.full(n, float(median))


def simulate_edge(
    edge_ms: float, n: int, seed: int = 0, *, p95_ms: float | None = None
) -> np.ndarray:
    """``n`` on-device latencies (ms): lognormal with the measured median and p95, or constant."""
    validate.zero_or_more(edge_ms=edge_ms)
    validate.request_count(n)
    return _lognormal(np.random.default_rng(seed), edge_ms, p95_ms, n)


def _gilbert_elliott(loss: float, burst_length: float) -> tuple[float, float]:
    """Transition probabilities (good→bad, bad→good) of a chain whose bad state loses every packet,
    with mean loss rate ``loss`` and mean burst ``burst_length`` packets."""
    if not burst_length >= 1:
        raise ValueError(f"burst_length={burst_length!r}: a burst is at least 1 packet long.")
    to_good = 1 / burst_length
    to_bad = loss * to_good / (1 - loss)
    if to_bad > 1:
        raise ValueError(
            f"loss={loss} with bursts of {burst_length} packets is impossible; use "
            "longer bursts or less loss."
        )
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


def _check_recovery(recovery: str) -> None:
    if recovery not in RECOVERIES:
        raise ValueError(
            f"recovery={recovery!r}; use 'rack-tlp' (RFC 8985, the default) or 'rto' (a stack "
            "without it)."
        )


def tail_recovery_ms(rtt_ms, lost, extra_losses, *, in_flight: int, recovery: str = "rack-tlp"):
    """Extra time (ms) the lost segments among one message's last segments cost, per request.

    ``rtt_ms`` holds one round trip a request (``n``), taken as the smoothed round trip SRTT;
    ``lost`` ``(n, t)`` booleans, which of the message's last ``t`` segments are lost (the last
    column is its very last segment); ``extra_losses`` ``(n, t)``, how many times each repair
    is lost again; ``in_flight`` the message's segments (FlightSize when its last one leaves).
    RTO is :func:`loss_recovery_ms`'s retransmission timeout (RTT + 200 ms) and PTO its probe
    timeout for ``in_flight`` (min(2 RTT, RTO), or min(2 RTT + 200 ms, RTO) for one segment).
    Each lost segment costs, beyond the round trip the request pays anyway:

    - ``"rto"`` (no RACK-TLP, no early retransmit): fewer than 3 duplicate ACKs follow it, so
      it waits the RTO, doubled each time the retransmission is lost: RTO × (2^(k+1) − 1);
    - ``"rack-tlp"`` (RFC 8985), the last segment lost: no later segment is SACKed, so the
      probe timer fires after the PTO (7.2) and the probe resends the last segment (7.3, when
      there is no new data): PTO. A lost probe leaves the RTO timer, re-armed when the probe
      left (7.3), without backoff yet: PTO + RTO × (2^k − 1);
    - ``"rack-tlp"``, an earlier segment lost with the last one: the probe's ACK SACKs the
      last segment and RACK marks the hole lost, one round trip after the probe (the PTO is
      counted once, on the last segment): RTT + RTO × (2^k − 1);
    - ``"rack-tlp"``, an earlier segment lost but the last delivered: RACK marks it lost once
      a later segment is SACKed and the reordering window has passed (6.2), with no probe:
      1.25 RTT + RTO × (2^k − 1) (a lost repair waits the RTO: nothing follows it).

    Assumed: the costs add up (repairs that overlap in time are not credited: pessimistic when
    several segments are lost), the SRTT is the request's own round trip, and the receiver
    SACKs (RFC 2018), which RACK-TLP needs.
    """
    _check_recovery(recovery)
    validate.whole(in_flight=in_flight, minimum=1)
    rtt = np.atleast_1d(np.asarray(rtt_ms, float))[:, None]
    lost, extra = np.atleast_2d(np.asarray(lost, bool)), np.atleast_2d(extra_losses)
    rto = loss_recovery_ms(rtt, "retransmission timeout")
    if recovery == "rto":
        cost = rto * (2.0 ** (extra + 1) - 1)
    else:
        # an earlier segment: found one round trip after the probe, or by RACK's window
        found = np.where(lost[:, -1:], 1.0, 1 + RACK_REORDER_WINDOW_RTTS) * rtt
        cost = np.repeat(found, lost.shape[1], axis=1)
        cost[:, -1:] = loss_recovery_ms(rtt, "tail loss probe", in_flight=in_flight)
        cost = cost + rto * (2.0**extra - 1)
    return np.where(lost, cost, 0.0).sum(axis=1)


def simulate_cloud(
    payload_bytes: float,
    network: Network,
    server_ms: float,
    n: int,
    seed: int = 0,
    *,
    result_bytes: float = 64,
    encode_ms: float = 0.0,
    queue_ms: float = 0.0,
    server_p95_ms: float | None = None,
    jitter: float = DEFAULT_JITTER,
    protocol: str = "tcp",
    bursty: bool = False,
    burst_length: float = 4.0,
    recovery: str = "rack-tlp",
) -> np.ndarray:
    """``n`` end-to-end latencies (ms) of cloud requests; ``inf`` for a frame that never arrives.

    Each request's round-trip time is lognormal around the network's (shape ``jitter``); the
    server time is lognormal with the given median and p95 (constant without a p95). The payload
    travels in segments of :data:`MSS_BYTES`, each lost with probability ``network.loss``,
    independently or in Gilbert–Elliott bursts of ``burst_length`` packets on average.

    - ``protocol="tcp"``: a lost segment is sent again. A loss episode before the last 3
      segments of a message (request or answer) is followed by 3 or more delivered segments,
      so fast retransmit (RFC 5681) or RACK (RFC 8985) resends it after about one more round
      trip. A loss among the last 3 is repaired as ``recovery`` says
      (:func:`tail_recovery_ms`): ``"rack-tlp"`` (the default, as in Linux and Android) by
      RACK once a later segment is acknowledged (about 1¼ round trips) or, for a lost last
      segment, by a probe after about 2 round trips (one-segment messages: at the
      retransmission timeout); ``"rto"`` (a stack without RACK-TLP) by the retransmission
      timeout, RTT + 200 ms. Costs add up (recoveries that overlap in time are not credited,
      so the tail is slightly pessimistic).
    - ``protocol="udp"``: a frame with any lost packet is dropped (``inf``).
    """
    validate.zero_or_more(payload_bytes=payload_bytes, server_ms=server_ms, jitter=jitter)
    validate.request_count(n)
    if protocol not in ("tcp", "udp"):
        raise ValueError(f"protocol={protocol!r}; use 'tcp' (retransmit) or 'udp' (drop).")
    _check_recovery(recovery)
    rng = np.random.default_rng(seed)
    rtt = _lognormal(rng, network.rtt_ms, None, n, sigma=jitter)
    server = _lognormal(rng, server_ms, server_p95_ms, n)
    fixed = cloud_breakdown(
        payload_bytes, network, 0, result_bytes=result_bytes, queue_ms=queue_ms, encode_ms=encode_ms
    )
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
    up_tail = min(DUPACK_THRESHOLD, up)
    tail = up_tail + min(DUPACK_THRESHOLD, down)
    body = up + down - tail
    if body:
        # fast-retransmit episodes: each loss (independent) or each burst (Gilbert–Elliott)
        episode = loss if chain is None else (1 - loss) * chain[0]
        latency = latency + rng.binomial(body, episode, n) * rtt
    lost_tail = _lost(rng, n, tail, loss, chain)  # the request's tail, then the answer's
    # the retransmission lost again, and again
    extra_losses = rng.geometric(1 - loss, (n, tail)) - 1
    for columns, segments in ((slice(0, up_tail), up), (slice(up_tail, tail), down)):
        latency = latency + tail_recovery_ms(
            rtt,
            lost_tail[:, columns],
            extra_losses[:, columns],
            in_flight=segments,
            recovery=recovery,
        )
    return latency


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
    validate.zero_or_more(mph=mph)
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
