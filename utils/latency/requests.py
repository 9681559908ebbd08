"""Notebooks 06-08: one cloud request in medians, stage by stage, warm or cold.

encode → uplink (payload / bandwidth) → propagation (one round trip) → server queue → server
inference → downlink of the result; a cold request first wakes the radio, shakes hands (TCP,
TLS) and sends its payload in slow start.
"""

from __future__ import annotations

import math

import numpy as np

from utils import validate
from utils.latency.links import Network

#: TCP payload of one segment: a 1500-byte Ethernet MTU minus 40 bytes of IP and TCP headers.
MSS_BYTES = 1460
#: Linux's minimum retransmission timeout (TCP_RTO_MIN = HZ/5); RFC 6298 permits one below 1 s.
RTO_MIN_MS = 200.0
#: Fast retransmit after 3 duplicate ACKs (RFC 5681): the last 3 segments can only time out.
DUPACK_THRESHOLD = 3
INITIAL_WINDOW_SEGMENTS = 10  # TCP's initial congestion window, RFC 6928: 10 segments (≈ 14.6 kB)
#: RFC 6298 (2.1): the timeout before any round trip was measured (a lost SYN).
INITIAL_RTO_MS = 1000.0
#: RFC 8985 (7.2): WCDelAckT, added to the probe timeout with one segment in flight.
TLP_DELAYED_ACK_MS = 200.0
#: Round trips a TLS handshake adds before the first byte of the request can be sent. A full
#: TLS 1.3 handshake takes 1 (RFC 8446, 2), TLS 1.2's takes 2 (RFC 5246, 7.3). Resuming a session
#: still costs 1: TLS 1.2's abbreviated handshake (RFC 5246, 7.3) and TLS 1.3's PSK handshake
#: (RFC 8446, 2.2). Only TLS 1.3's 0-RTT early data (RFC 8446, 2.3) costs none, and it can be
#: replayed (RFC 8446, 8), so servers often refuse it for requests that change state, as a POST.
TLS_ROUND_TRIPS = {
    "none": 0,
    "1.3": 1,
    "1.2": 2,
    "1.2 resumed": 1,
    "1.3 resumed (PSK)": 1,
    "1.3 0-RTT early data": 0,
}


# ---------------------------------------------------------------- one request, in medians


def transmit_ms(size_bytes, mbps: float):
    """Time to push ``size_bytes`` through a link of ``mbps`` Mbit/s (1 Mbit/s = 10^6 bit/s)."""
    validate.non_negative(size_bytes=size_bytes)
    validate.positive(mbps=mbps)
    return size_bytes * 8 / (mbps * 1e3)


def cloud_breakdown(
    payload_bytes: float,
    network: Network,
    server_ms: float,
    *,
    result_bytes: float = 64,
    queue_ms: float = 0.0,
    encode_ms: float = 0.0,
) -> dict[str, float]:
    """The median time of each stage of one cloud request, in ms, in pipeline order.

    The connection is already open (no handshake); propagation is one round trip: the request's
    last byte goes out, the answer's first byte comes back. Their sum is the median total.
    """
    validate.zero_or_more(
        payload_bytes=payload_bytes,
        server_ms=server_ms,
        result_bytes=result_bytes,
        queue_ms=queue_ms,
        encode_ms=encode_ms,
    )
    return {
        "encode": float(encode_ms),
        "uplink": transmit_ms(payload_bytes, network.uplink_mbps),
        "propagation": network.rtt_ms,
        "queue": float(queue_ms),
        "server inference": float(server_ms),
        "downlink": transmit_ms(result_bytes, network.downlink_mbps),
    }


def break_even_uplink_mbps(
    payload_bytes: float,
    network: Network,
    server_ms: float,
    edge_ms: float,
    *,
    result_bytes: float = 64,
    encode_ms: float = 0.0,
) -> float:
    """The uplink bandwidth above which the cloud's median beats ``edge_ms``; ``math.inf`` when
    no bandwidth can (the round trip and the server alone take longer than the edge)."""
    validate.non_negative(
        payload_bytes=payload_bytes,
        server_ms=server_ms,
        edge_ms=edge_ms,
        result_bytes=result_bytes,
        encode_ms=encode_ms,
    )
    fixed = sum(
        cloud_breakdown(
            0, network, server_ms, result_bytes=result_bytes, encode_ms=encode_ms
        ).values()
    )
    budget = edge_ms - fixed
    if budget <= 0:
        return math.inf
    return payload_bytes * 8 / (budget * 1e3)


# ------------------------------------------------------- a cold request: handshakes and slow start


def slow_start_ms(
    payload_bytes: float, network: Network, initial_window: int = INITIAL_WINDOW_SEGMENTS
) -> float:
    """Time slow start adds to sending ``payload_bytes`` on a new connection, beyond the
    payload's transmit time at full bandwidth (RFC 5681, initial window RFC 6928).

    The sender may have ``initial_window`` segments in flight, then waits for their
    acknowledgements: each round sends a window and lasts at least one round trip; the window
    doubles every round. Once a window takes longer to send than a round trip, acknowledgements
    return before it ends and the link never idles again. A payload within the first window
    pays nothing extra.
    """
    validate.zero_or_more(payload_bytes=payload_bytes)
    if not (isinstance(initial_window, (int, np.integer)) and initial_window >= 1):
        raise ValueError(
            f"initial_window={initial_window!r}: give a whole number of segments, "
            "1 or more (RFC 6928's is 10)."
        )
    remaining, window, total = float(payload_bytes), float(initial_window * MSS_BYTES), 0.0
    while remaining > 0:
        sent = min(window, remaining)
        remaining -= sent
        busy = transmit_ms(sent, network.uplink_mbps)
        total += busy if remaining <= 0 else max(network.rtt_ms, busy)
        window *= 2
    return total - transmit_ms(payload_bytes, network.uplink_mbps)


def request_stages(
    payload_bytes: float,
    network: Network,
    server_ms: float,
    *,
    cold: bool = False,
    tls: str = "1.3",
    promotion_ms: float = 0.0,
    initial_window: int = INITIAL_WINDOW_SEGMENTS,
    result_bytes: float = 64,
    queue_ms: float = 0.0,
    encode_ms: float = 0.0,
) -> dict[str, float]:
    """The median time of each stage of one cloud request, in ms, cold or warm.

    Warm: a connection already open and in use (:func:`cloud_breakdown`; the new stages are 0).
    Cold: the radio first wakes from idle (``promotion_ms``, an assumption: see the notebook),
    then TCP's handshake (1 round trip, RFC 9293), TLS's (``tls``, a key of
    :data:`TLS_ROUND_TRIPS`: 1 round trip for 1.3 and for a resumed session, 2 for 1.2, 0 without
    TLS or with 1.3's 0-RTT early data), and the payload leaves in slow start
    (:func:`slow_start_ms`).
    """
    if tls not in TLS_ROUND_TRIPS:
        raise ValueError(f"tls={tls!r}; use one of {', '.join(repr(t) for t in TLS_ROUND_TRIPS)}.")
    validate.zero_or_more(promotion_ms=promotion_ms)
    warm = cloud_breakdown(
        payload_bytes,
        network,
        server_ms,
        result_bytes=result_bytes,
        queue_ms=queue_ms,
        encode_ms=encode_ms,
    )
    stages = {
        "radio promotion": float(promotion_ms) if cold else 0.0,
        "TCP handshake": network.rtt_ms if cold else 0.0,
        "TLS handshake": TLS_ROUND_TRIPS[tls] * network.rtt_ms if cold else 0.0,
    }
    for stage, ms in warm.items():
        stages[stage] = ms
        if stage == "uplink":
            stages["slow start"] = (
                slow_start_ms(payload_bytes, network, initial_window) if cold else 0.0
            )
    return stages


def loss_recovery_ms(
    rtt_ms: float, mechanism: str = "tail loss probe", *, in_flight: int = 2
) -> float:
    """Extra time one lost segment at the end of a transfer costs before its repair is sent.

    ``rtt_ms`` (taken as the smoothed round trip, SRTT) may be a number or an array of them;
    ``in_flight`` is the number of segments out when the last one leaves (FlightSize).

    - ``"tail loss probe"`` (RACK-TLP, RFC 8985, 7.2): a probe after PTO = 2 × SRTT, plus the
      worst-case delayed-ACK time WCDelAckT (200 ms) when only one segment is in flight, and
      never later than the retransmission timeout would fire. With one segment out the PTO
      (2 × SRTT + 200 ms) is past the RTO (SRTT + 200 ms), so the probe goes at the RTO: a
      one-packet request gains nothing from it. Linux does the same (``tcp_schedule_loss_probe``
      adds ``TCP_RTO_MIN`` when one packet is out and caps the timer at the RTO);
    - ``"retransmission timeout"``: Linux's RTO, at least 200 ms (``TCP_RTO_MIN``) above the
      round trip (RFC 6298 recommends a 1 s minimum; Linux uses less);
    - ``"initial timeout"``: a lost SYN, before any round trip was measured: 1 s (RFC 6298).
    """
    validate.non_negative(rtt_ms=rtt_ms)  # a number or an array of them
    rto_ms = np.asarray(rtt_ms, float) + RTO_MIN_MS
    if mechanism == "tail loss probe":
        probe_ms = 2 * np.asarray(rtt_ms, float) + (TLP_DELAYED_ACK_MS if in_flight == 1 else 0.0)
        return _number(np.minimum(probe_ms, rto_ms))
    if mechanism == "retransmission timeout":
        return _number(rto_ms)
    if mechanism == "initial timeout":
        return INITIAL_RTO_MS
    raise ValueError(
        f"mechanism={mechanism!r}; use 'tail loss probe', 'retransmission timeout' or "
        "'initial timeout'."
    )


def _number(values: np.ndarray):
    """A float for a single value, the array otherwise."""
    return float(values) if values.ndim == 0 else values


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
        validate.zero_or_more(**{stage.replace(" ", "_"): ms})
        utilisation = fps * ms / 1000
        rows.append(
            {
                "stage": stage,
                "ms": float(ms),
                "max_fps": 1000 / ms if ms else math.inf,
                "utilisation": utilisation,
                "keeps_up": utilisation < 1,
            }
        )
    return rows
