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


def test_a_lost_tail_segment_waits_a_retransmission_timeout():
    # one segment up, one down: both are "tail" segments, so any loss costs RTT + 200 ms or more
    loss = 0.05
    net = latency.network("Wi-Fi", loss=loss)
    base = sum(latency.cloud_breakdown(500, net, 1.0).values())
    samples = latency.simulate_cloud(500, net, 1.0, 200_000, jitter=0)
    delayed = samples > base + 1e-9
    assert delayed.mean() == pytest.approx(1 - (1 - loss) ** 2, rel=0.05)
    assert samples[delayed].min() >= base + latency.RTO_MIN_MS + net.rtt_ms - 1e-9


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
    ],
)
def test_bad_simulation_options_are_named(kwargs, says):
    arguments = {"n": 10, **kwargs}
    with pytest.raises(ValueError, match=says):
        latency.simulate_cloud(1000, latency.network("LTE", loss=0.1), 1.0, **arguments)


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
