"""Notebook 06's checkers accept the right answers and say what is wrong with the usual mistakes."""

import math

import numpy as np
import pytest

from utils import exercises, latency
from utils.exercises import nb06_lossy

LTE = latency.network("LTE")
BREAK_EVEN = dict(payload_bytes=30_000, network=LTE, server_ms=0.5, edge_ms=314)


def test_break_even_checker_accepts_the_bandwidth_that_equalises_the_medians(capsys):
    exercises.check_break_even_bandwidth(
        latency.break_even_uplink_mbps(30_000, LTE, 0.5, 314), **BREAK_EVEN
    )
    assert "Correct" in capsys.readouterr().out


def test_break_even_checker_accepts_inf_when_no_bandwidth_is_enough(capsys):
    exercises.check_break_even_bandwidth(math.inf, **{**BREAK_EVEN, "edge_ms": 10})
    exercises.check_break_even_bandwidth(None, **{**BREAK_EVEN, "edge_ms": 10})
    assert capsys.readouterr().out.count("Correct") == 2
    with pytest.raises(exercises.NotYet, match="answer math.inf"):
        exercises.check_break_even_bandwidth(5.0, **{**BREAK_EVEN, "edge_ms": 10})


@pytest.mark.parametrize(
    "wrong, says",
    [
        (lambda t: t / 8, "multiply the bytes by 8"),
        (lambda t: t * 1000, "mind the units"),
        (lambda t: 30_000 * 8 / (314 * 1e3), "the round trip, the server"),
        (lambda t: t * 3, "solve for the uplink"),
    ],
)
def test_break_even_checker_says_what_is_wrong(wrong, says):
    truth = latency.break_even_uplink_mbps(30_000, LTE, 0.5, 314)
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_break_even_bandwidth(wrong(truth), **BREAK_EVEN)


COLD = dict(payload_bytes=300_000, network=LTE, promotion_ms=260, tls="1.2")
COLD_TRUTH = (
    260 + 53.1 + 2 * 53.1 + 47.8
)  # promotion + TCP + TLS 1.2 + slow start (by hand, see test_latency)


def test_cold_extra_checker_accepts_promotion_handshakes_and_slow_start(capsys):
    exercises.check_cold_extra(latency.slow_start_ms(300_000, LTE) + 260 + 3 * 53.1, **COLD)
    exercises.check_cold_extra(COLD_TRUTH, **COLD)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize(
    "answer, says",
    [
        (COLD_TRUTH / 1000, "give milliseconds"),
        (COLD_TRUTH - 260, "add the promotion"),
        (COLD_TRUTH - 47.8, "add slow start"),
        (COLD_TRUTH - 53.1, "one round trip short"),
        (COLD_TRUTH - 2 * 53.1, "TLS 1.2 has its own handshake"),
        (COLD_TRUTH + 53.1, "the warm request's own round trip"),
        (123.0, "add the promotion, one round trip for TCP"),
        ("slow", "should be a number of ms"),
    ],
)
def test_cold_extra_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_cold_extra(answer, **COLD)


LOSSY = dict(ok_ms=60.0, loss=0.02, rtt_ms=100.0)
LOSSY_TRUTH = 60 + 2 * 0.02 * (
    200 + 100
)  # 72 ms: two packets, each lost 2 % of the time, each loss 300 ms


def test_lossy_request_checker_accepts_the_expected_latency(capsys):
    exercises.check_lossy_request(LOSSY_TRUTH, **LOSSY)
    exercises.check_lossy_request(
        60 + (1 - 0.98**2) * 300, **LOSSY
    )  # P(any loss) x RTO: within 0.2 %
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize(
    "answer, says",
    [
        (LOSSY_TRUTH / 1000, "seconds"),
        (60 + 0.02 * 300, "two packets can be lost"),
        (60 + 2 * 0.02 * 200, "needs its round trip again"),
        (0.96 * 60 + 0.04 * 300, "still takes its normal time"),
        (60 + 2 * 0.02 * 1100, "initial timeout of 1 s"),
        (60 + 2 * 2 * 300, "loss is a fraction"),
        (60, "a lost packet costs a timeout"),
        (123, "E\\[T\\] = T_ok"),
        ("slow", "should be a number of ms"),
    ],
)
def test_lossy_request_checker_names_the_mistake(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_lossy_request(answer, **LOSSY)


# ---------------------------------------------------------------- the lossy link's Monte Carlo
# The checker's link: RTT 50 ms, so RTO = 50 + 200 = 250 ms and, with one segment in flight,
# PTO = min(2 × 50 + 200, 250) = 250 ms (RFC 8985, 7.2); a lost segment whose repair is lost
# again k times costs PTO + RTO × (2^k − 1) = 250 × 2^k ms.


def simulate_request(rng, loss, rtt_ms, ok_ms, n):
    """The notebook's solution: two segments, each lost with probability loss; a loss costs the
    probe's PTO, then the RTO doubled for each lost repair; nothing arrives at loss = 1."""
    if loss >= 1:
        return np.full(n, np.inf)
    rto = rtt_ms + latency.RTO_MIN_MS
    pto = min(2 * rtt_ms + latency.TLP_DELAYED_ACK_MS, rto)
    lost = rng.random((n, 2)) < loss
    k = rng.geometric(1 - loss, (n, 2)) - 1
    return ok_ms + np.where(lost, pto + rto * (2.0**k - 1), 0.0).sum(axis=1)


def mistaken(*, segments=2, pto=None, cost=None, never_again=False, at_total_loss=True):
    """The solution with one typical mistake: ``pto(rtt, rto)``, ``cost(pto, rto, k)``."""

    def simulate(rng, loss, rtt_ms, ok_ms, n):
        if loss >= 1 and at_total_loss:
            return np.full(n, np.inf)
        rto = rtt_ms + latency.RTO_MIN_MS
        probe = pto(rtt_ms, rto) if pto else min(2 * rtt_ms + 200, rto)
        lost = rng.random((n, segments)) < loss
        k = 0 if never_again else rng.geometric(1 - loss, (n, segments)) - 1
        delay = cost(probe, rto, k) if cost else probe + rto * (2.0**k - 1)
        return ok_ms + np.where(lost, delay, 0.0).sum(axis=1)

    return simulate


def test_lossy_monte_carlo_checker_accepts_the_course_model(capsys):
    exercises.check_lossy_monte_carlo(simulate_request, rtt_ms=53.1, ok_ms=60.0, loss=0.01)
    said = capsys.readouterr().out
    # by hand: P(a request loses something) = 1 − 0.99² = 1.99 %; PTO = min(306.2, 253.1)
    assert "Correct" in said and "= 250 ms" in said and "1.99% of requests" in said


def test_a_loop_that_draws_in_another_order_is_accepted_too(capsys):
    def one_by_one(rng, loss, rtt_ms, ok_ms, n):
        if loss == 1:
            return [math.inf] * n
        out = []
        for _ in range(n):
            total = ok_ms
            for _segment in range(2):
                if rng.random() < loss:  # lost: the probe after PTO, then the RTO
                    total, wait = total + min(2 * rtt_ms + 200, rtt_ms + 200), rtt_ms + 200
                    while rng.random() < loss:  # the repair lost again: wait the RTO, doubled
                        total, wait = total + wait, 2 * wait
            out.append(total)
        return out

    exercises.check_lossy_monte_carlo(one_by_one)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, says",
    [
        (mistaken(segments=1), "drawn once per request"),
        (mistaken(pto=lambda rtt, rto: rtt, cost=lambda p, rto, k: p * (k + 1)), "one round trip"),
        (mistaken(pto=lambda rtt, rto: rtt, cost=lambda p, rto, k: p * 2.0**k), "RTO_MIN_MS"),
        (mistaken(pto=lambda rtt, rto: 2 * rtt), "adds 200 ms for a delayed ACK"),
        (mistaken(pto=lambda rtt, rto: 2 * rtt + 200), "never waits longer than the RTO"),
        (mistaken(pto=lambda rtt, rto: 200.0, cost=lambda p, rto, k: 200 * 2.0**k), "includes"),
        (mistaken(pto=lambda rtt, rto: 1000.0 + rtt), "initial timeout"),
        (mistaken(never_again=True), "a repair can be lost too"),
        (mistaken(cost=lambda p, rto, k: p + rto * k), "the RTO doubles"),
        (mistaken(cost=lambda p, rto, k: rto * (2.0 ** (k + 1) - 1)), "without RACK-TLP"),
        (mistaken(at_total_loss=False), "rng.geometric needs 1 − loss > 0"),
        (lambda rng, *link: simulate_request(rng, *link).mean(), "not their mean"),
        (lambda rng, *link: np.full(link[-1], simulate_request(rng, *link).mean()), "in every"),
        (lambda rng, *link: simulate_request(np.random.default_rng(), *link), "from rng"),
        (lambda rng, loss, rtt, ok, n: simulate_request(rng, loss, rtt, 0.0, n), "plus what"),
        (lambda rng, loss, rtt, ok, n: np.full(n, ok), "no request was slowed"),
        (simulate_request(np.random.default_rng(0), 0.1, 50, 80, 10), "a function"),
    ],
)
def test_lossy_monte_carlo_checker_names_the_mistake(wrong, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_lossy_monte_carlo(wrong)


def test_k_drawn_with_the_wrong_probability_is_named():
    def geometric_of_loss(rng, loss, rtt_ms, ok_ms, n):
        if loss in (0, 1):
            return np.full(n, ok_ms if loss == 0 else np.inf)
        lost = rng.random((n, 2)) < loss
        k = np.minimum(rng.geometric(loss, (n, 2)) - 1, 30)  # P(k) = 0.9^k × 0.1: mostly lost
        return ok_ms + np.where(lost, 250.0 * 2.0**k, 0.0).sum(axis=1)

    with pytest.raises(exercises.NotYet, match=r"loss\^k \(1 − loss\)"):
        exercises.check_lossy_monte_carlo(geometric_of_loss)


def test_a_loop_that_never_ends_at_total_loss_is_stopped(monkeypatch):
    monkeypatch.setattr(nb06_lossy, "LOSS_ONE_SECONDS", 0.2)

    def redraws(rng, loss, rtt_ms, ok_ms, n):
        if loss == 1:
            while rng.random() < loss:  # never ends: every repair is lost
                pass
        return simulate_request(rng, loss, rtt_ms, ok_ms, n)

    with pytest.raises(exercises.NotYet, match="did not return within 0.2 s"):
        exercises.check_lossy_monte_carlo(redraws)


def test_the_checkers_model_is_the_course_simulators():
    """simulate_cloud on the checker's link (a 1,000-byte request and a 64-byte answer: one segment
    each way; no jitter; a constant server) draws its delays from the checker's exact
    distribution."""
    link = latency.Network("checker", 100.0, 100.0, 50.0, nb06_lossy.LOSS, "a test link")
    samples = latency.simulate_cloud(1000, link, 1.0, nb06_lossy.REQUESTS, 3, jitter=0)
    ok = sum(latency.cloud_breakdown(1000, link, 1.0).values())
    levels, probs = nb06_lossy._delays(nb06_lossy.LOSS, nb06_lossy._loss_models(50.0)["right"])
    assert nb06_lossy._misfit(samples - ok, levels, probs) is None
    # by hand: P(no loss) = 0.9² = 0.81; one loss repaired at once: 2 × 0.1 × 0.9 × 0.9 = 0.162
    assert levels[:2] == pytest.approx([0, 250]) and probs[:2] == pytest.approx([0.81, 0.162])
