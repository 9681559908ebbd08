"""Notebook 06: the checkers of the network exercises (break-even bandwidth, a lossy request's
expectation; appendix A8's cold request). The Monte Carlo's checker is in :mod:`nb06_lossy`."""

from __future__ import annotations

import math

from utils.exercises.base import NotYet, _correct, _number, close_to


def check_break_even_bandwidth(
    mbps,
    *,
    payload_bytes: float,
    network,
    server_ms: float,
    edge_ms: float,
    result_bytes: float = 64,
) -> None:
    """Notebook 06: the uplink bandwidth above which the cloud's median beats the edge."""
    from utils import latency

    truth = latency.break_even_uplink_mbps(
        payload_bytes, network, server_ms, edge_ms, result_bytes=result_bytes
    )
    if math.isinf(truth):
        if mbps is None or (isinstance(mbps, (int, float)) and math.isinf(mbps)):
            _correct(
                f"the round trip ({network.rtt_ms:g} ms) and the server alone take longer "
                f"than the edge's {edge_ms:g} ms: no bandwidth makes the cloud faster."
            )
            return
        raise NotYet(
            f"the round trip and the server take {network.rtt_ms + server_ms:,.1f} ms, "
            f"already more than the edge's {edge_ms:g} ms: no bandwidth is enough, answer "
            "math.inf."
        )
    mbps = _number(mbps, "Mbit/s")

    near = close_to(mbps)

    if near(truth):
        _correct(
            f"above {truth:,.2f} Mbit/s the cloud answers faster than the edge's {edge_ms:g} "
            f"ms; below it, sending {payload_bytes:,.0f} bytes takes too long."
        )
        return
    if near(truth / 8):
        hint = "bandwidth counts bits: multiply the bytes by 8."
    elif near(truth * 1000) or near(truth / 1000):
        hint = "mind the units: bits / (ms × 1,000) gives Mbit/s."
    elif near(payload_bytes * 8 / (edge_ms * 1e3)):
        hint = (
            "the upload does not get the edge's whole time: the round trip, the server and the "
            "downlink come out of it first."
        )
    else:
        hint = (
            "the cloud's median is upload + round trip + server + downlink; set it equal to "
            "the edge's time and solve for the uplink bandwidth."
        )
    raise NotYet(f"{mbps:,.4g} Mbit/s is not it; {hint}")


def check_cold_extra(
    extra_ms, *, payload_bytes: float, network, promotion_ms: float, tls: str = "1.2"
) -> None:
    """Notebook 06: the milliseconds a cold request adds to a warm one (radio promotion, TCP and
    TLS handshakes, slow start)."""
    from utils import latency

    rtt, tls_trips = network.rtt_ms, latency.TLS_ROUND_TRIPS[tls]
    slow = latency.slow_start_ms(payload_bytes, network)
    truth = promotion_ms + rtt + tls_trips * rtt + slow
    extra_ms = _number(extra_ms, "ms")

    near = close_to(extra_ms, rel_tol=0.005, abs_tol=0.05)

    if near(truth):
        _correct(
            f"{truth:,.1f} ms = promotion {promotion_ms:g} + TCP {rtt:g} + TLS {tls} "
            f"{tls_trips * rtt:g} + slow start {slow:,.1f}: a cold request pays "
            f"{1 + tls_trips} round trips of handshakes first."
        )
        return
    if near(truth / 1000):
        hint = "that looks like seconds: give milliseconds."
    elif near(truth - promotion_ms):
        hint = "the radio first wakes from idle: add the promotion time."
    elif near(truth - slow):
        hint = (
            "the payload does not leave at full speed on a new connection: add slow start "
            "(latency.slow_start_ms)."
        )
    elif near(truth - rtt):
        hint = (
            "one round trip short: TCP's handshake (SYN, SYN-ACK) costs one before any data, "
            "and TLS 1.2 two after it (TLS 1.3 one)."
        )
    elif tls_trips and near(truth - tls_trips * rtt):
        hint = f"TLS {tls} has its own handshake: {tls_trips} round trip(s) after TCP's."
    elif near(truth + rtt):
        hint = "count only what a cold request adds: the warm request's own round trip is in both."
    else:
        hint = (
            "add the promotion, one round trip for TCP, TLS's round trips and slow start's "
            "extra time."
        )
    raise NotYet(f"{extra_ms:,.4g} ms is not it; {hint}")


def check_lossy_request(
    expected_ms, *, ok_ms: float, loss: float, rtt_ms: float, rto_min_ms: float | None = None
) -> None:
    """Notebook 06: the expected latency of a request of one packet out and one back, each lost
    with probability ``loss``; a lost packet costs a retransmission timeout, RTO_MIN + RTT."""
    from utils import latency

    rto_min_ms = latency.RTO_MIN_MS if rto_min_ms is None else rto_min_ms
    timeout = rto_min_ms + rtt_ms
    truth = ok_ms + 2 * loss * timeout  # E[T] = T_ok + P(request lost) × RTO + P(answer lost) × RTO
    expected_ms = _number(expected_ms, "ms")

    near = close_to(expected_ms, rel_tol=0.005, abs_tol=0.05)

    if near(truth) or near(ok_ms + (1 - (1 - loss) ** 2) * timeout):
        _correct(
            f"{truth:,.2f} ms = {ok_ms:,.2f} + 2 × {loss:g} × ({rto_min_ms:g} + {rtt_ms:g}): "
            f"two packets, each lost with probability {loss:g}, each loss a whole timeout. "
            f"The mean moves by {truth - ok_ms:,.2f} ms; the p99 moves by the whole timeout."
        )
        return
    if near(truth / 1000):
        hint = "that looks like seconds: give milliseconds."
    elif near(ok_ms + loss * timeout):
        hint = "two packets can be lost, the request and the answer: each adds loss × RTO."
    elif near(ok_ms + 2 * loss * rto_min_ms):
        hint = (
            "after the timeout the packet is sent again and needs its round trip again: a loss "
            "costs RTO_MIN_MS + RTT."
        )
    elif near((1 - 2 * loss) * ok_ms + 2 * loss * timeout) or near(
        (1 - loss) * ok_ms + loss * timeout
    ):
        hint = (
            "a request that loses a packet still takes its normal time after the "
            "retransmission: T_ok + RTO, not RTO alone."
        )
    elif near(ok_ms + 2 * loss * (latency.INITIAL_RTO_MS + rtt_ms)):
        hint = (
            "the initial timeout of 1 s applies only before a round trip was measured (a lost "
            "SYN); on a warm connection the timeout is RTO_MIN_MS + RTT."
        )
    elif near(ok_ms + 2 * loss * 100 * timeout) or near(ok_ms + loss * 100 * timeout):
        hint = "loss is a fraction: 1 % is 0.01, not 1."
    elif near(ok_ms):
        hint = (
            "a lost packet costs a timeout: add loss × (RTO_MIN_MS + RTT) for each of the two "
            "packets."
        )
    else:
        hint = (
            "E[T] = T_ok + P(request lost) × RTO + P(answer lost) × RTO, with RTO = "
            "RTO_MIN_MS + RTT."
        )
    raise NotYet(f"{expected_ms:,.4g} ms is not it; {hint}")
