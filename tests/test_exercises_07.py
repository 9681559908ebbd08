"""Notebook 07's checker accepts the right answers and names the usual mistakes. Expectations
worked out by hand: 10 cameras at 30 fps, each on its own clock (periodic, no jitter), a server
taking exactly 2.5 ms a frame, a 100-ms budget for every response."""

import math

import pytest

from utils import exercises, latency

LOAD = dict(cameras=10, fps=30, service_ms=2.5, budget_ms=100)
# λ = 10 × 30 = 300 per s; μ = 1000 / 2.5 = 400 per s; ρ = 0.75
RHO = 0.75
# the worst case: all ten frames arrive at once; the last waits 9 × 2.5 ms, then its own 2.5 ms
WORST_MS = 25.0
# ρ < 1 ⇔ N × 30 × 2.5 ms < 1 s ⇔ N < 13.3; the worst response N × 2.5 ms ≤ 100 ⇔ N ≤ 40: 13
MAX_CAMERAS = 13
# M/M/1 (Poisson, exponential service) would say p99 = ln(100) / 100 per s = 46.05 ms and
# λ ≤ 400 − ln(100) / 0.1 = 353.9 per s, 11.8 cameras: 11
MM1_P99_MS, MM1_CAMERAS = math.log(100) / 100 * 1000, 11


def test_mm1_percentile_by_hand():
    assert latency.mm1_response_percentile_ms(300, 2.5) == pytest.approx(46.0517, rel=1e-5)
    assert latency.mm1_response_percentile_ms(300, 2.5, q=50) == pytest.approx(math.log(2) * 10)
    with pytest.raises(ValueError, match="no steady state"):  # ρ = 1: no p99 at all
        latency.mm1_response_percentile_ms(400, 2.5)
    assert latency.mm1_response_percentile_ms(300, 0.0) == 0.0
    with pytest.raises(ValueError, match="percentile"):
        latency.mm1_response_percentile_ms(300, 2.5, q=100)


def test_mm1_percentile_matches_the_simulator():
    samples = latency.simulate_server(300, 2.5, 20_000, seed=1)
    assert latency.percentiles(samples)["p99"] == pytest.approx(MM1_P99_MS, rel=0.15)


def test_the_worst_response_is_what_the_simulator_never_exceeds():
    samples = latency.simulate_server(
        300, 2.5, 5_000, seed=2, service="deterministic", arrivals="periodic", sources=10
    )
    assert samples.max() <= WORST_MS + 1e-9


def test_accepts_the_right_answers(capsys):
    exercises.check_server_load(RHO, WORST_MS, MAX_CAMERAS, **LOAD)
    exercises.check_server_load(0.75, 25, 13.0, **LOAD)  # 13.0 is a whole number
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and "25 ms" in out and "13 cameras" in out
    assert "M/M/1 would allow 11" in out and "46.1 ms" in out


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
        exercises.check_server_load(rho, WORST_MS, MAX_CAMERAS, **LOAD)


@pytest.mark.parametrize(
    "worst, says",
    [
        (WORST_MS / 1000, "seconds"),
        (MM1_P99_MS, "M/M/1's p99"),
        (22.5, "wait in the queue alone"),  # 9 × 2.5 ms, without its own service
        (2.5, "one frame's own service"),
        (1000 / 30, "between one camera's frames"),
        (30.0, "all 10 cameras send at the same instant"),
    ],
)
def test_names_a_wrong_worst_response(worst, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_server_load(RHO, worst, MAX_CAMERAS, **LOAD)


@pytest.mark.parametrize(
    "cameras, says",
    [
        (MM1_CAMERAS, "M/M/1's answer"),
        (14, r"ρ = 1\.05, at or above full load.*13\.33 cameras"),  # 14 × 75 ms per s
        (40, "at or above full load"),  # the budget alone: 40 × 2.5 = 100 ms, but ρ = 3
        (12, r"13 cameras still fit: ρ = 0\.975 < 1.*32\.5 ms"),
        (13.5, "whole number"),
    ],
)
def test_names_a_wrong_camera_count(cameras, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_server_load(RHO, WORST_MS, cameras, **LOAD)


def test_a_tight_budget_limits_the_cameras_before_full_load(capsys):
    # a 20-ms budget: N × 2.5 ≤ 20 ⇔ N ≤ 8 (ρ = 0.6); M/M/1: 400 − ln(100)/0.02 = 169.7 per s: 5
    tight = {**LOAD, "budget_ms": 20}
    with pytest.raises(exercises.NotYet, match=r"worst response is 22\.5 ms, over the 20-ms"):
        exercises.check_server_load(RHO, WORST_MS, 9, **tight)
    with pytest.raises(exercises.NotYet, match="M/M/1's answer"):
        exercises.check_server_load(RHO, WORST_MS, 5, **tight)
    exercises.check_server_load(RHO, WORST_MS, 8, **tight)
    assert "8 cameras fit" in capsys.readouterr().out
