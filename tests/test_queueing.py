"""Notebook 07: the queueing formulas by hand, and the SimPy server against them."""

import math

import numpy as np
import pytest

from utils import queueing


def test_queueing_formulas_by_hand():
    # 1/(μ-λ)
    assert queueing.mmc_mean_response_ms(500, 1.0) == pytest.approx(1 / (1000 - 500) * 1000)
    assert queueing.md1_mean_response_ms(500, 1.0) == pytest.approx(0.5 / (2 * 0.5) + 1)
    # M/M/2, a = 1.5 Erlang: Erlang C = 0.6429, Wq = C / (2μ - λ)
    assert queueing.mmc_mean_response_ms(1500, 1.0, 2) == pytest.approx(
        0.642857 / 500 * 1000 + 1, rel=1e-4
    )
    assert queueing.mmc_mean_response_ms(1000, 1.0) == math.inf
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
    single = queueing.simulate_server(1250, batch_ms(1), 5000, seed=4)
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
    ],
)
def test_bad_server_settings_are_named(kwargs, says):
    arguments = {"rate_per_s": 10, "service_ms": 1.0, "n": 10, **kwargs}
    with pytest.raises(ValueError, match=says):
        queueing.simulate_server(**arguments)
