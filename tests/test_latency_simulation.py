"""Notebooks 06-08: many requests by Monte Carlo, their percentiles, a latency on a road."""

import math
from statistics import NormalDist

import numpy as np
import pytest

from utils import latency
from utils.latency import simulation


def test_edge_samples_have_the_measured_median_and_p95():
    constant = latency.simulate_edge(2.0, 100)
    assert np.all(constant == 2.0)
    spread = latency.simulate_edge(2.0, 200_000, p95_ms=3.0)
    assert np.median(spread) == pytest.approx(2.0, rel=0.02)
    assert np.percentile(spread, 95) == pytest.approx(3.0, rel=0.02)


def test_without_jitter_or_loss_every_request_takes_the_breakdown_sum():
    net = latency.network("5G")
    samples = latency.simulate_cloud(50_000, net, 1.5, 1000, jitter=0)
    assert np.allclose(samples, sum(latency.cloud_breakdown(50_000, net, 1.5).values()))


def test_jitter_keeps_the_median_round_trip():
    net = latency.network("LTE")
    samples = latency.simulate_cloud(0, net, 0, 100_000, result_bytes=0)
    fixed = sum(latency.cloud_breakdown(0, net, 0, result_bytes=0).values())
    rtt_part = samples - fixed + net.rtt_ms
    assert np.median(rtt_part) == pytest.approx(net.rtt_ms, rel=0.02)
    p99 = net.rtt_ms * math.exp(NormalDist().inv_cdf(0.99) * latency.DEFAULT_JITTER)
    assert np.percentile(rtt_part, 99) == pytest.approx(p99, rel=0.05)


def test_the_same_seed_gives_the_same_requests():
    net = latency.network("LTE", loss=0.02)
    first = latency.simulate_cloud(200_000, net, 1.0, 5000, seed=7, bursty=True)
    again = latency.simulate_cloud(200_000, net, 1.0, 5000, seed=7, bursty=True)
    other = latency.simulate_cloud(200_000, net, 1.0, 5000, seed=8, bursty=True)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_a_lost_one_segment_message_waits_a_retransmission_timeout():
    # one segment up, one down: no later segment can reveal a loss, and RACK-TLP's probe for one
    # segment in flight waits min(2 RTT + 200, RTT + 200) = the RTO, so any loss costs
    # RTT + 200 ms or more, with or without RACK-TLP
    loss = 0.05
    net = latency.network("Wi-Fi", loss=loss)
    base = sum(latency.cloud_breakdown(500, net, 1.0).values())
    samples = latency.simulate_cloud(500, net, 1.0, 200_000, jitter=0)
    delayed = samples > base + 1e-9
    assert delayed.mean() == pytest.approx(1 - (1 - loss) ** 2, rel=0.05)
    assert samples[delayed].min() >= base + latency.RTO_MIN_MS + net.rtt_ms - 1e-9


def _tail(recovery, lost, extra=(0, 0, 0), *, rtt=50.0, in_flight=100):
    """One request's tail-recovery cost for the last three segments (the last one on the right)."""
    return latency.tail_recovery_ms(
        [rtt], [lost], [extra], in_flight=in_flight, recovery=recovery
    ).item()


def test_a_lost_last_segment_costs_the_probe_timeout_with_rack_tlp_and_the_rto_without():
    # RTT 50 ms, many segments in flight. RTO = RTT + TCP_RTO_MIN = 50 + 200 = 250 ms.
    # RFC 8985 (7.2): PTO = 2 SRTT = 100 ms (below the RTO); the probe resends the last segment
    assert _tail("rack-tlp", (0, 0, 1)) == pytest.approx(100)
    assert _tail("rto", (0, 0, 1)) == pytest.approx(250)
    # the default is RACK-TLP
    assert latency.tail_recovery_ms([50.0], [(0, 0, 1)], [(0, 0, 0)], in_flight=100) == 100


def test_an_earlier_tail_loss_is_found_by_rack_or_by_the_probes_ack():
    # last segment delivered: its SACK reveals the hole; RACK waits its reordering window,
    # min_RTT / 4 (RFC 8985, 6.2): 50 + 12.5 = 62.5 ms; without RACK: fewer than 3 duplicate
    # ACKs, so the RTO, 250 ms
    assert _tail("rack-tlp", (0, 1, 0)) == pytest.approx(62.5)
    assert _tail("rto", (0, 1, 0)) == pytest.approx(250)
    # the last segment lost too: the probe after 100 ms resends it, its ACK one round trip
    # later reveals the hole: 100 + 50 = 150 ms; without RACK-TLP: two timeouts, 2 x 250 = 500
    assert _tail("rack-tlp", (0, 1, 1)) == pytest.approx(150)
    assert _tail("rto", (0, 1, 1)) == pytest.approx(500)


def test_a_lost_repair_falls_back_to_the_timeout_with_backoff():
    # the probe lost once: the RTO timer re-armed when the probe left fires 250 ms later
    # (RFC 8985, 7.3), no backoff yet: 100 + 250 = 350 ms; without RACK-TLP the first
    # retransmission after 250 ms is lost, the next after a doubled 500: 750 ms
    assert _tail("rack-tlp", (0, 0, 1), (0, 0, 1)) == pytest.approx(350)
    assert _tail("rto", (0, 0, 1), (0, 0, 1)) == pytest.approx(750)
    # lost twice: 100 + 250 + 500 = 850 ms; without: 250 + 500 + 1000 = 1750 ms
    assert _tail("rack-tlp", (0, 0, 1), (0, 0, 2)) == pytest.approx(850)
    assert _tail("rto", (0, 0, 1), (0, 0, 2)) == pytest.approx(1750)


@pytest.mark.parametrize(
    "rtt, expected",
    [
        # one segment in flight: PTO = 2 SRTT + WCDelAckT (200 ms), capped at the RTO
        (50.0, 250.0),  # min(100 + 200, 50 + 200) = 250: the RTO itself
        (10.0, 210.0),  # min(20 + 200, 10 + 200) = 210: the RTO itself
    ],
)
def test_a_one_segment_message_gets_the_one_packet_probe_rule(rtt, expected):
    assert _tail("rack-tlp", (1,), (0,), rtt=rtt, in_flight=1) == pytest.approx(expected)
    assert _tail("rto", (1,), (0,), rtt=rtt, in_flight=1) == pytest.approx(rtt + 200)


def test_on_a_long_path_the_probe_is_capped_at_the_rto():
    # satellite, 600 ms: PTO = min(2 x 600, 600 + 200) = 800 ms, the RTO
    assert _tail("rack-tlp", (0, 0, 1), rtt=600.0) == pytest.approx(800)


def test_simulated_tail_losses_cost_what_each_recovery_says():
    # 2 segments up (1,500 bytes), 1 down (64 bytes), RTT 53.1 ms, no jitter, 1 % loss
    net = latency.network("LTE", loss=0.01)
    base = sum(latency.cloud_breakdown(1500, net, 1.0).values())
    rtt, rto = net.rtt_ms, net.rtt_ms + latency.RTO_MIN_MS
    runs = {
        r: latency.simulate_cloud(1500, net, 1.0, 200_000, 3, jitter=0, recovery=r) - base
        for r in latency.RECOVERIES
    }
    # the same seed draws the same losses: RACK-TLP never costs more than the timeout alone
    assert np.all(runs["rack-tlp"] <= runs["rto"] + 1e-9)
    # only the first segment up lost (0.01 x 0.99 x 0.99, about 0.98 %): 1.25 RTT with RACK
    # only the last segment up lost (as often): PTO = 2 RTT (two segments in flight)
    # only the answer lost (as often): one segment in flight, so the RTO with either
    share = 0.01 * 0.99 * 0.99
    for extra in (1.25 * rtt, 2 * rtt, rto):
        assert np.isclose(runs["rack-tlp"], extra).mean() == pytest.approx(share, rel=0.1)
    assert np.isclose(runs["rto"], rto).mean() == pytest.approx(3 * share, rel=0.1)


def test_losses_in_a_long_transfer_cost_round_trips_and_udp_drops_frames():
    loss, payload = 0.01, 100 * latency.MSS_BYTES
    net = latency.network("LTE", loss=loss)
    base = sum(latency.cloud_breakdown(payload, net, 1.0).values())
    tcp = latency.simulate_cloud(payload, net, 1.0, 100_000, jitter=0)
    body_segments = 100 - latency.DUPACK_THRESHOLD + 1 - 1  # 100 up + 1 down, less 3 + 1 tail ones
    assert np.mean(tcp) >= base + body_segments * loss * net.rtt_ms * 0.9
    udp = latency.simulate_cloud(payload, net, 1.0, 100_000, protocol="udp")
    assert np.mean(np.isinf(udp)) == pytest.approx(1 - (1 - loss) ** 101, rel=0.05)


def test_the_gilbert_elliott_chain_has_the_asked_loss_rate_and_burst_length():
    rng = np.random.default_rng(0)
    lost = simulation._lost(rng, 2000, 500, 0.05, simulation._gilbert_elliott(0.05, 4.0))
    assert lost.mean() == pytest.approx(0.05, rel=0.1)
    flat = lost.ravel().astype(int)
    starts = np.sum(np.diff(flat) == 1)
    assert flat.sum() / starts == pytest.approx(4.0, rel=0.1)  # mean burst length


def test_bursty_loss_drops_fewer_frames_than_independent_loss_at_the_same_rate():
    net = latency.network("LTE", loss=0.02)
    independent = latency.simulate_cloud(50_000, net, 1.0, 50_000, protocol="udp")
    bursty = latency.simulate_cloud(50_000, net, 1.0, 50_000, protocol="udp", bursty=True)
    assert np.mean(np.isinf(bursty)) < np.mean(np.isinf(independent))


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"protocol": "quic"}, "use 'tcp'"),
        ({"n": 0}, "simulate at least 1 request|1 or more"),
        ({"bursty": True, "burst_length": 0.5}, "at least 1 packet"),
        ({"recovery": "tlp"}, "use 'rack-tlp'"),
    ],
)
def test_bad_simulation_options_are_named(kwargs, says):
    arguments = {"n": 10, **kwargs}
    with pytest.raises(ValueError, match=says):
        latency.simulate_cloud(1000, latency.network("LTE", loss=0.1), 1.0, **arguments)


def test_bad_recovery_options_are_named():
    with pytest.raises(ValueError, match="recovery='reno'; use 'rack-tlp'"):
        latency.tail_recovery_ms([50.0], [(1,)], [(0,)], in_flight=1, recovery="reno")
    with pytest.raises(ValueError, match="in_flight=0 is below 1"):
        latency.tail_recovery_ms([50.0], [(1,)], [(0,)], in_flight=0)


def test_percentiles_and_deadline_misses():
    samples = np.arange(101, dtype=float)
    assert latency.percentiles(samples) == {"p50": 50.0, "p95": 95.0, "p99": 99.0}
    dropped = np.append(np.ones(98), [np.inf, np.inf])
    assert latency.percentiles(dropped)["p99"] == np.inf
    assert latency.deadline_miss_rate(dropped, 10) == 0.02
    with pytest.raises(ValueError, match="No values|is empty"):
        latency.percentiles([])


def test_sixty_mph_is_88_feet_per_second():
    assert latency.feet_travelled(1000) == pytest.approx(88)
    assert latency.metres_travelled(1000) == pytest.approx(26.8224)
    assert latency.feet_travelled(500, mph=30) == pytest.approx(22)
    assert np.allclose(latency.feet_travelled(np.array([0, 250])), [0, 22])
    with pytest.raises(ValueError, match="negative"):
        latency.feet_travelled(-1)
