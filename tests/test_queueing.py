"""Notebook 07: the queueing formulas by hand, and the SimPy server against them."""

import math

import numpy as np
import pytest

from utils import measure, queueing


def test_queueing_formulas_by_hand():
    # 1/(μ-λ)
    assert queueing.mmc_mean_response_ms(500, 1.0) == pytest.approx(1 / (1000 - 500) * 1000)
    assert queueing.md1_mean_response_ms(500, 1.0) == pytest.approx(0.5 / (2 * 0.5) + 1)
    # M/M/2, a = 1.5 Erlang: Erlang C = 0.6429, Wq = C / (2μ - λ)
    assert queueing.mmc_mean_response_ms(1500, 1.0, 2) == pytest.approx(
        0.642857 / 500 * 1000 + 1, rel=1e-4
    )
    assert queueing.utilisation(1500, 1.0, 2) == pytest.approx(0.75)


def test_mmc_erlang_c_matches_the_closed_form_and_scales_to_many_servers():
    # c = 2, a = 1 Erlang (rho = 0.5): Erlang C = (a^2/2!/(1-rho)) / (1 + a + a^2/2!/(1-rho)) = 1/3,
    # so Wq = C / (c mu - lambda) = (1/3) * 10 ms / (2 * 0.5) = 3.33 ms, plus 10 ms of service
    assert queueing.mmc_mean_response_ms(100, 10, servers=2) == pytest.approx(10 + 10 / 3)
    many = queueing.mmc_mean_response_ms(19_000, 10, servers=200)  # rho = 0.95, no overflow
    assert 10 < many < queueing.mmc_mean_response_ms(95, 10, servers=1)


def test_simpy_m_m_1_matches_one_over_mu_minus_lambda():
    samples = queueing.simulate_server(500, 1.0, 40_000, seed=1)
    assert samples.mean() == pytest.approx(queueing.mmc_mean_response_ms(500, 1.0), rel=0.08)


def test_simpy_m_d_1_matches_pollaczek_khinchine():
    samples = queueing.simulate_server(700, 1.0, 40_000, seed=2, service="deterministic")
    assert samples.min() >= 1.0 - 1e-9
    assert samples.mean() == pytest.approx(queueing.md1_mean_response_ms(700, 1.0), rel=0.08)


def test_simpy_is_deterministic_with_a_seed():
    first = queueing.simulate_server(800, 1.0, 2000, seed=3, servers=2)
    assert np.array_equal(first, queueing.simulate_server(800, 1.0, 2000, seed=3, servers=2))


def test_batching_waits_at_most_the_delay_and_raises_the_capacity():
    # one request every 100 s on average: each waits the whole delay alone, then is served
    alone = queueing.simulate_server(
        0.01, 2.0, 50, service="deterministic", batch_size=8, max_delay_ms=5
    )
    assert np.allclose(alone, 7.0)
    # beyond one-at-a-time capacity (utilisation 1.25): batches of up to 8 keep up, single calls
    # do not
    batch_ms = lambda size: 0.6 + 0.2 * size  # noqa: E731
    single = queueing.simulate_server(1250, batch_ms(1), 5000, seed=4, transient=True)
    batched = queueing.simulate_server(1250, batch_ms, 5000, seed=4, batch_size=8, max_delay_ms=1)
    assert batched.mean() < single.mean() / 5
    assert single[-500:].mean() > single[:500].mean() * 5  # the queue grows without bound


@pytest.mark.parametrize(
    "kwargs, says",
    [
        ({"rate_per_s": 0}, "positive arrival rate|above 0"),
        ({"service": "pareto"}, "use 'exponential'"),
        ({"servers": 0}, "must be 1 or more|1 or more"),
        ({"n": -3}, "simulate at least 1 request|1 or more"),
        ({"arrivals": "bursty"}, "use 'poisson' or 'periodic'"),
        ({"arrivals": "periodic"}, "needs sources="),
        ({"arrivals": "periodic", "sources": 0}, "below 1"),
        ({"jitter_ms": -1.0}, "negative"),
    ],
)
def test_bad_server_settings_are_named(kwargs, says):
    arguments = {"rate_per_s": 10, "service_ms": 1.0, "n": 10, **kwargs}
    with pytest.raises(ValueError, match=says):
        queueing.simulate_server(**arguments)


# ---------------------------------------------------------------- periodic cameras (ΣD/D/1)
# N cameras of period T on one server of fixed service S, N·S < T (ρ < 1). A frame arriving at t
# finds a backlog sup over τ < t of [work arrived in (τ, t) − (t − τ)]. An interval shorter than
# T holds at most one frame of each of the other N − 1 cameras and none of its own: at most
# (N − 1)·S. A longer one of length L holds at most N·floor(L/T) + N − 1 frames, whose work
# N·S·floor(L/T) + (N − 1)·S ≤ L + (N − 1)·S. So no frame ever waits more than (N − 1)·S = 9·S,
# whatever the phases, and its response is at most N·S.


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("fps", [30, 36])  # ρ = 10 × fps × 2.5 ms = 0.75 and 0.9
def test_ten_periodic_cameras_never_wait_more_than_nine_services(seed, fps):
    service = 2.5
    responses = queueing.simulate_server(
        10 * fps, service, 5_000, seed, service="deterministic", arrivals="periodic", sources=10
    )
    waits = responses - service
    assert waits.min() >= -1e-9 and waits.max() <= 9 * service + 1e-9
    # M/M/1 at the same ρ: P(wait > t) = ρ·exp(−(μ − λ)t), so the p99 wait is ln(100ρ)/(μ − λ):
    # ρ = 0.75: ln(75)/100 per s = 43.2 ms; ρ = 0.9: ln(90)/40 per s = 112.5 ms; 9·S = 22.5 ms
    rho, spare_per_s = 10 * fps * service / 1000, 1000 / service - 10 * fps
    mm1_wait_p99 = math.log(100 * rho) / spare_per_s * 1000
    assert mm1_wait_p99 == pytest.approx(43.2 if fps == 30 else 112.5, rel=0.01)
    assert mm1_wait_p99 > 1.9 * 9 * service


def test_periodic_arrivals_keep_the_rate_and_one_camera_its_clock():
    # one camera at 40 fps, no jitter: a frame every 25 ms exactly, so it never waits
    one = queueing.simulate_server(
        40, 2.0, 200, service="deterministic", arrivals="periodic", sources=1
    )
    assert np.allclose(one, 2.0)
    gaps = queueing._arrival_gaps(np.random.default_rng(0), 200, 40, "periodic", 1, 0.0)
    assert np.allclose(gaps[1:], 25.0)
    # ten cameras at 30 fps: 300 frames a second, so 3,000 frames span about 10 s; with jitter
    # (clipped to ± half a period) each camera still sends one frame per period
    jittered = queueing._arrival_gaps(np.random.default_rng(0), 3_000, 300, "periodic", 10, 5.0)
    assert np.all(jittered >= 0)
    assert jittered.sum() == pytest.approx(10_000, abs=2 * 1000 / 30)


def test_jitter_lets_frames_meet_beyond_the_clockwork_bound_but_stays_stable():
    # with jitter the phases move frame by frame, so the 9·S bound no longer holds, but at ρ = 0.75
    # the queue stays far below M/M/1's (p99 response ln(100)/(100 per s) = 46 ms)
    responses = queueing.simulate_server(
        300, 2.5, 5_000, 3, service="deterministic", arrivals="periodic", sources=10, jitter_ms=3
    )
    assert np.isfinite(responses).all() and responses.min() >= 2.5 - 1e-9
    assert measure.percentile(responses, 99) < queueing.mm1_response_percentile_ms(300, 2.5)


# ---------------------------------------------------------------- no p99 at ρ ≥ 1


@pytest.mark.parametrize(
    "call",
    [
        lambda: queueing.mm1_response_percentile_ms(400, 2.5),  # ρ = 1
        lambda: queueing.mm1_response_percentile_ms(600, 2.5),  # ρ = 1.5
        lambda: queueing.mmc_mean_response_ms(1000, 1.0),
        lambda: queueing.mmc_mean_response_ms(2500, 1.0, servers=2),  # ρ = 1.25
        lambda: queueing.md1_mean_response_ms(1000, 1.0),
        lambda: queueing.simulate_server(400, 2.5, 100),
        # ten cameras at 45 fps on 2.5 ms: ρ = 1.125, periodic or not
        lambda: queueing.simulate_server(450, 2.5, 100, arrivals="periodic", sources=10),
        # batches of 8 at 0.6 + 0.2 × 8 = 2.2 ms a call: 8 / 2.2 ms = 3,636 per s at most
        lambda: queueing.simulate_server(
            3700, lambda b: 0.6 + 0.2 * b, 100, batch_size=8, max_delay_ms=1
        ),
    ],
)
def test_an_unstable_queue_has_no_p99(call):
    with pytest.raises(ValueError, match="no steady state"):
        call()


def test_a_growing_queue_is_simulated_only_when_asked_for():
    growing = queueing.simulate_server(600, 2.5, 2_000, 1, transient=True)
    assert growing[-200:].mean() > 10 * growing[:200].mean()
    assert queueing.capacity_per_s(lambda b: 0.6 + 0.2 * b, batch_size=8) == pytest.approx(
        8 / 2.2 * 1000
    )


# ---------------------------------------------------------------- capacity at a p99 budget


def test_mm1_capacity_at_a_budget_by_hand():
    # μ = 1000 / 2.5 = 400 per s; p99 = ln(100)/(μ − λ) ≤ 0.1 s ⇔ λ ≤ 400 − 46.05 = 353.95
    assert queueing.mm1_rate_at_budget_per_s(2.5, 100) == pytest.approx(400 - math.log(100) / 0.1)
    # the median: ln(2)/(μ − λ) ≤ 0.1 s ⇔ λ ≤ 400 − 6.93
    assert queueing.mm1_rate_at_budget_per_s(2.5, 100, q=50) == pytest.approx(
        400 - math.log(2) / 0.1
    )
    # a 10-ms budget needs μ − λ ≥ 460.5 per s, more than μ: no load meets it
    assert queueing.mm1_rate_at_budget_per_s(2.5, 10) == 0.0
    # at that rate the formula's p99 is the budget itself
    rate = queueing.mm1_rate_at_budget_per_s(2.5, 100)
    assert queueing.mm1_response_percentile_ms(rate, 2.5) == pytest.approx(100)


def test_simulated_capacity_at_a_budget_matches_the_mm1_formula():
    # the bisection simulates M/M/1 at rates below μ only; it should land near 353.95 per s
    # (a run that starts from an empty queue understates the tail a little: allow 5 %)
    simulated = queueing.rate_at_budget_per_s(2.5, 100, 20_000, seed=1)
    assert simulated == pytest.approx(queueing.mm1_rate_at_budget_per_s(2.5, 100), rel=0.05)
    assert simulated < 400
    # an impossible budget (below one service's p99, ln(100) × 2.5 = 11.5 ms): nothing sustains it
    assert queueing.rate_at_budget_per_s(2.5, 5, 2_000, seed=1) == 0.0


def test_mm1_percentile_by_hand():
    # λ = 300 per s, μ = 1000 / 2.5 = 400 per s: p99 = ln(100) / 100 per s = 46.05 ms,
    # p50 = ln(2) / 100 per s = 6.93 ms
    assert queueing.mm1_response_percentile_ms(300, 2.5) == pytest.approx(46.0517, rel=1e-5)
    assert queueing.mm1_response_percentile_ms(300, 2.5, q=50) == pytest.approx(math.log(2) * 10)
    with pytest.raises(ValueError, match="no steady state"):  # ρ = 1: no p99 at all
        queueing.mm1_response_percentile_ms(400, 2.5)
    assert queueing.mm1_response_percentile_ms(300, 0.0) == 0.0
    with pytest.raises(ValueError, match="percentile"):
        queueing.mm1_response_percentile_ms(300, 2.5, q=100)


def test_mm1_percentile_matches_the_simulator():
    samples = queueing.simulate_server(300, 2.5, 20_000, seed=1)
    assert measure.percentile(samples, 99) == pytest.approx(46.0517, rel=0.15)
