"""Notebook 07's checker accepts the right answers and names the usual mistakes. Expectations
worked out by hand: 10 cameras at 30 fps, 2.5 ms a request, a 100-ms p99 budget."""

import math

import pytest

from utils import exercises, latency

LOAD = dict(cameras=10, fps=30, service_ms=2.5, budget_ms=100)
# λ = 10 × 30 = 300 per s; μ = 1000 / 2.5 = 400 per s; ρ = 0.75; μ − λ = 100 per s
RHO, P99_MS = 0.75, math.log(100) / 100 * 1000  # 46.05 ms
# the budget: ln(100) / (μ − λ) ≤ 0.1 s  ⇔  λ ≤ 400 − 46.05 = 353.9  ⇔  11.8 cameras: 11
MAX_CAMERAS = 11


def test_mm1_percentile_by_hand():
    assert latency.mm1_response_percentile_ms(300, 2.5) == pytest.approx(46.0517, rel=1e-5)
    assert latency.mm1_response_percentile_ms(300, 2.5, q=50) == pytest.approx(math.log(2) * 10)
    assert latency.mm1_response_percentile_ms(400, 2.5) == math.inf  # ρ = 1: no steady state
    assert latency.mm1_response_percentile_ms(300, 0.0) == 0.0
    with pytest.raises(ValueError, match="percentile"):
        latency.mm1_response_percentile_ms(300, 2.5, q=100)


def test_mm1_percentile_matches_the_simulator():
    samples = latency.simulate_server(300, 2.5, 20_000, seed=1)
    assert latency.percentiles(samples)["p99"] == pytest.approx(P99_MS, rel=0.15)


def test_accepts_the_right_answers(capsys):
    exercises.check_server_load(RHO, P99_MS, MAX_CAMERAS, **LOAD)
    exercises.check_server_load(0.75, 46.1, 11.0, **LOAD)  # rounded, and 11.0 is a whole number
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and "46.1 ms" in out and "11 cameras" in out


@pytest.mark.parametrize(
    "rho, says",
    [
        (750, "divide it by 1,000"),  # service time left in ms
        (400 / 300, "upside down"),  # μ / λ
        (0.075, "one camera's load"),
        (0.5, "requests per second times seconds"),
        ("most", "should be a number"),
    ],
)
def test_names_a_wrong_utilisation(rho, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_server_load(rho, P99_MS, MAX_CAMERAS, **LOAD)


@pytest.mark.parametrize(
    "p99, says",
    [
        (P99_MS / 1000, "seconds"),
        (-P99_MS, "negative"),  # λ − μ
        (10.0, "the mean response"),  # 1 / (μ − λ)
        (20.0, "natural logarithm"),  # log10(100) / (μ − λ)
        (
            math.log(75) / 100 * 1000,
            "wait in the queue alone",
        ),  # the wait's p99, ln(100ρ) / (μ − λ)
        (P99_MS - 2.5, "wait in the queue alone"),  # the service time subtracted
        (math.log(100) * 2.5, "as if no request ever waited"),  # the service time's own p99
        (math.log(100) / 370 * 1000, "not one camera's"),  # λ of one camera
        (30.0, "exponential with rate μ − λ"),
    ],
)
def test_names_a_wrong_p99(p99, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_server_load(RHO, p99, MAX_CAMERAS, **LOAD)


@pytest.mark.parametrize(
    "cameras, says",
    [
        (
            12,
            r"115\.1 ms, over the 100-ms budget; round down",
        ),  # rounded up: μ − λ = 40, p99 = 4.605 / 40 s
        (
            13,
            r"460\.5 ms.*at least ln\(100\) / 0\.1 s = 46\.1 requests",
        ),  # full load, or the mean: μ − λ = 10
        (14, "never settles"),  # 420 per s > 400: ρ > 1
        (10, "11 cameras still meet the budget"),
        (11.5, "whole number"),
    ],
)
def test_names_a_wrong_camera_count(cameras, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_server_load(RHO, P99_MS, cameras, **LOAD)
