"""Notebook 07's checker accepts the queue loop and names the usual mistakes. Expectations worked
out by hand: one first-come, first-served server, start = max(arrival, previous finish),
finish = start + service, response = finish − arrival."""

import numpy as np
import pytest

from utils import exercises, measure, queueing


def solution(arrival_times_ms, service_ms):  # the notebook's answer
    arrivals = np.asarray(arrival_times_ms, float)
    service = np.broadcast_to(np.asarray(service_ms, float), arrivals.shape)
    response = np.empty_like(arrivals)
    finish = -np.inf
    for i in np.argsort(arrivals, kind="stable"):
        start = max(arrivals[i], finish)
        finish = start + service[i]
        response[i] = finish - arrivals[i]
    return response


def loop(
    arrival_times_ms,
    service_ms,
    *,
    sort=True,
    wait=True,
    from_start=True,
    own=True,
    response=True,
    give_order=True,
    reset=True,
    in_place=False,
):
    """The solution with one step changed, each a typical mistake."""
    arrivals = np.asarray(arrival_times_ms, float)
    if in_place:
        arrivals.sort()
    service = np.broadcast_to(np.asarray(service_ms, float), arrivals.shape)
    order = np.argsort(arrivals, kind="stable") if sort else np.arange(arrivals.size)
    out, finish = np.empty_like(arrivals), None
    for position, i in enumerate(order):
        a = arrivals[i] if own else arrivals[order[min(position + 1, arrivals.size - 1)]]
        if finish is None:
            start = a
        elif not wait:
            start = a
        elif not reset:
            start = finish
        else:
            start = max(a, finish)
        new_finish = start + service[i]
        out[i] = (new_finish if response else start) - arrivals[i]
        finish = new_finish if from_start else arrivals[i] + service[i]
    return out if give_order else out[order]


def test_reference_by_hand():
    # a burst of 3 at 0 ms (5 ms each), then 2 at 50 ms: 5, 10, 15 | idle 15 → 50 | 5, 10
    assert queueing.fifo_response_ms([0, 0, 0, 50, 50], 5.0).tolist() == [5, 10, 15, 5, 10]
    # out of order: served 0 (2 ms) → finish 2; 1 ms (4 ms) → starts 2, finish 6: 5 ms
    assert queueing.fifo_response_ms([1, 0], [4, 2]).tolist() == [5, 2]
    with pytest.raises(ValueError, match="service time"):
        queueing.fifo_response_ms([0, 1], [-1, 1])


def test_reference_agrees_with_the_loop_and_mm1():
    arrivals = queueing.arrival_times_ms(800, 20_000, seed=3)  # ρ = 800/s × 1 ms = 0.8
    service = queueing.service_times_ms(1.0, 20_000, seed=3)
    response = queueing.fifo_response_ms(arrivals, service)
    np.testing.assert_allclose(response, solution(arrivals, service), rtol=1e-9)
    # M/M/1: p99 = ln(100) / (μ − λ) = 4.605 / 200 per s = 23.0 ms (a seeded run's tail, ±15 %)
    assert measure.percentile(response, 99) == pytest.approx(23.03, rel=0.15)


def test_arrivals_and_services_by_hand():
    assert queueing.arrival_times_ms(100, 3, arrivals="periodic").tolist() == [0, 10, 20]
    assert queueing.service_times_ms(2.5, 2, service="deterministic").tolist() == [2.5, 2.5]
    gaps = np.diff(queueing.arrival_times_ms(1000, 50_000, seed=1))
    assert gaps.mean() == pytest.approx(1.0, rel=0.02)  # mean gap 1000 / 1000 per s = 1 ms
    with pytest.raises(ValueError, match="poisson"):
        queueing.arrival_times_ms(10, 5, arrivals="bursty")


def test_accepts_the_solution(capsys):
    exercises.check_queue(solution)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "mistake, says",
    [
        (dict(response=False), "waiting time alone"),
        (dict(wait=False), "waiting is not accumulated"),
        (dict(from_start=False), "computed from the arrival"),
        (dict(reset=False), "before it has arrived"),
        (dict(own=False), "off by one"),
        (dict(give_order=False), "in order of arrival: return them in the order"),
        (dict(sort=False), "not listed in order of arrival"),
        (dict(in_place=True), "changed the arrays"),
    ],
)
def test_names_the_mistake(mistake, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_queue(lambda a, s: loop(a, s, **mistake))


def test_other_answers():
    with pytest.raises(exercises.NotYet, match="function"):
        exercises.check_queue(np.zeros(3))
    with pytest.raises(exercises.NotYet, match="one response time per request"):
        exercises.check_queue(lambda a, s: solution(a, s)[:-1])
    # the first case, arrivals every 10 ms with 4 ms of service: every response is 4 ms, and
    # request 1 (at 10 ms) answered 4 + 1 = 5 ms is the first that differs
    odd = r"request 1 \(arrival 10 ms, service 4 ms\) should take 4 ms, not 5"
    with pytest.raises(exercises.NotYet, match=odd):
        exercises.check_queue(lambda a, s: solution(a, s) + np.arange(len(a)) % 2)
