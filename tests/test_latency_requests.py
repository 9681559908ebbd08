"""Notebooks 06-08: one cloud request by hand, warm or cold, and keeping up with a frame rate."""

import math

import pytest

from utils import latency


def test_cloud_breakdown_by_hand():
    net = latency.Network("test", uplink_mbps=8, downlink_mbps=1, rtt_ms=50, loss=0, source="hand")
    stages = latency.cloud_breakdown(1_000_000, net, 2.0, result_bytes=64, queue_ms=3, encode_ms=4)
    assert list(stages) == [
        "encode",
        "uplink",
        "propagation",
        "queue",
        "server inference",
        "downlink",
    ]
    assert stages["uplink"] == pytest.approx(1000)  # 8 Mbit over 8 Mbit/s
    assert stages["downlink"] == pytest.approx(0.512)  # 512 bits over 1 Mbit/s
    assert sum(stages.values()) == pytest.approx(4 + 1000 + 50 + 3 + 2 + 0.512)


def test_break_even_bandwidth_makes_the_cloud_median_equal_the_edge():
    net = latency.network("LTE")
    mbps = latency.break_even_uplink_mbps(30_000, net, 0.5, 300)
    at_break_even = latency.network("LTE", uplink_mbps=mbps)
    assert sum(latency.cloud_breakdown(30_000, at_break_even, 0.5).values()) == pytest.approx(300)
    assert latency.break_even_uplink_mbps(30_000, net, 0.5, net.rtt_ms) == math.inf


@pytest.mark.parametrize("kwargs", [{"payload_bytes": -1}, {"server_ms": -0.5}])
def test_negative_sizes_and_times_are_refused(kwargs):
    arguments = {"payload_bytes": 100, "server_ms": 1.0, **kwargs}
    with pytest.raises(ValueError, match="must be a number of 0 or more"):
        latency.cloud_breakdown(
            arguments["payload_bytes"], latency.network("LTE"), arguments["server_ms"]
        )


def test_slow_start_by_hand():
    lte = latency.network("LTE")  # 6 Mbit/s up, 53.1 ms round trip
    # one initial window (10 x 1,460 = 14,600 bytes) or less: nothing extra
    assert latency.slow_start_ms(14_600, lte) == 0.0
    # 300,000 bytes: windows of 14,600 / 29,200 / 58,400 / 116,800 bytes and the last 81,000.
    # The first two take 19.47 and 38.93 ms to send but wait a 53.1 ms round trip each; from the
    # third on, sending takes longer than a round trip: 53.1 - 19.467 + 53.1 - 38.933 = 47.8 ms
    assert latency.slow_start_ms(300_000, lte) == pytest.approx(47.8, abs=0.01)
    # a bigger initial window sends it with fewer waits; an infinitely fast link waits 4 round trips
    assert latency.slow_start_ms(300_000, lte, initial_window=40) < 47.8
    fast = latency.network("LTE", uplink_mbps=1e6)
    assert latency.slow_start_ms(300_000, fast) == pytest.approx(4 * 53.1, abs=0.1)
    with pytest.raises(ValueError, match="whole number of segments"):
        latency.slow_start_ms(1000, lte, initial_window=0)


def test_a_cold_request_adds_the_radio_the_handshakes_and_slow_start():
    lte = latency.network("LTE")
    warm = latency.request_stages(300_000, lte, 0.5)
    cold = latency.request_stages(300_000, lte, 0.5, cold=True, promotion_ms=260)
    assert sum(warm.values()) == pytest.approx(
        sum(latency.cloud_breakdown(300_000, lte, 0.5).values())
    )
    assert list(cold)[:3] == ["radio promotion", "TCP handshake", "TLS handshake"]
    extra = {k: cold[k] - warm[k] for k in cold}
    # 260 ms promotion + 1 RTT (TCP, RFC 9293) + 1 RTT (TLS 1.3, RFC 8446) + 47.8 ms slow start
    assert sum(extra.values()) == pytest.approx(260 + 2 * 53.1 + 47.8, abs=0.01)
    tls12 = latency.request_stages(300_000, lte, 0.5, cold=True, tls="1.2")
    assert tls12["TLS handshake"] == pytest.approx(2 * 53.1)
    with pytest.raises(ValueError, match="tls='1.1'"):
        latency.request_stages(1000, lte, 0.5, cold=True, tls="1.1")


def test_tls_round_trips_are_the_rfcs_counts():
    # the first byte of the request waits for: a full TLS 1.3 handshake, 1 round trip (RFC 8446,
    # 2); TLS 1.2's full handshake, 2 (RFC 5246, 7.3, figure 1); a resumed session, 1 either way
    # (RFC 5246, 7.3, figure 2: the abbreviated handshake; RFC 8446, 2.2: PSK); only TLS 1.3's
    # 0-RTT early data goes with the first flight (RFC 8446, 2.3)
    assert latency.TLS_ROUND_TRIPS == {
        "none": 0,
        "1.3": 1,
        "1.2": 2,
        "1.2 resumed": 1,
        "1.3 resumed (PSK)": 1,
        "1.3 0-RTT early data": 0,
    }
    lte = latency.network("LTE")  # 53.1 ms round trip
    for tls, trips in (("1.2 resumed", 1), ("1.3 resumed (PSK)", 1), ("1.3 0-RTT early data", 0)):
        stages = latency.request_stages(1000, lte, 0.5, cold=True, tls=tls)
        assert stages["TLS handshake"] == pytest.approx(trips * 53.1)


def test_loss_recovery_by_hand():
    assert latency.loss_recovery_ms(50, "tail loss probe") == 100  # PTO = 2 SRTT (RFC 8985)
    # SRTT + Linux's 200 ms minimum
    assert latency.loss_recovery_ms(50, "retransmission timeout") == 250
    # one segment in flight: PTO = 2 SRTT + WCDelAckT = 100 + 200 = 300 ms, past the RTO
    # (50 + 200 = 250 ms), so the probe goes at the RTO: min(300, 250) = 250 (RFC 8985, 7.2)
    assert latency.loss_recovery_ms(50, "tail loss probe", in_flight=1) == 250
    # the same on a 10 ms path: min(20 + 200, 10 + 200) = 210 ms, an RTO, not two round trips
    assert latency.loss_recovery_ms(10, "tail loss probe", in_flight=1) == 210
    # two or more in flight on a satellite's 600 ms: min(2 x 600, 600 + 200) = 800 ms, the RTO
    assert latency.loss_recovery_ms(600, "tail loss probe") == 800
    assert latency.loss_recovery_ms(50, "initial timeout") == 1000  # a lost SYN: RFC 6298's 1 s
    with pytest.raises(ValueError, match="mechanism="):
        latency.loss_recovery_ms(50, "fast")


def test_pipeline_check_finds_the_stage_that_cannot_keep_up():
    rows = latency.pipeline_check({"encode": 10, "uplink": 40, "inference": 0}, fps=30)
    by_stage = {row["stage"]: row for row in rows}
    assert by_stage["encode"]["keeps_up"]
    assert by_stage["encode"]["utilisation"] == pytest.approx(0.3)
    assert not by_stage["uplink"]["keeps_up"] and by_stage["uplink"]["max_fps"] == pytest.approx(25)
    assert by_stage["inference"]["max_fps"] == math.inf
    with pytest.raises(ValueError, match="positive frame rate"):
        latency.pipeline_check({"encode": 1}, fps=0)
