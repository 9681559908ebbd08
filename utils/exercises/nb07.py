"""Notebook 07: the checker of the queue exercise (one first-come, first-served server, its
response times from the arrival and service times, the loop of an event-driven simulation)."""

from __future__ import annotations

import numpy as np

from utils.exercises.base import NotYet, _correct


def _in_order(arrival, service, step):
    """Run ``step(i, a, s, state)`` over the requests in order of arrival (ties: as given);
    each returns (response, state). The responses come back in the order given."""
    order = np.argsort(arrival, kind="stable")
    response = np.empty(arrival.size)
    state = None
    for position, i in enumerate(order):
        following = order[min(position + 1, len(order) - 1)]
        response[i], state = step(arrival[i], service[i], state, arrival[following])
    return response


def _mistakes(arrival: np.ndarray, service: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """The typical wrong loops, each run on the same requests, with the hint that names it."""
    from utils import queueing

    def no_wait(a, s, finish, _):
        return s, None

    def finish_from_arrival(a, s, finish, _):  # start = max(a, finish), but finish = a + s
        start = a if finish is None else max(a, finish)
        return start + s - a, a + s

    def waiting(a, s, finish, _):
        start = a if finish is None else max(a, finish)
        return start - a, start + s

    def never_idle(a, s, finish, _):  # start = the previous finish, even if it is earlier
        start = a if finish is None else finish
        return start + s - a, start + s

    def next_arrival(a, s, finish, following):  # waits for the next request's arrival
        start = following if finish is None else max(following, finish)
        return start + s - a, start + s

    truth = queueing.fifo_response_ms(arrival, service)
    order = np.argsort(arrival, kind="stable")
    return [
        (
            _in_order(arrival, service, waiting),
            "that is the waiting time alone (start − arrival); the response time also counts "
            "the request's own service: return finish − arrival.",
        ),
        (
            _in_order(arrival, service, no_wait),
            "every response equals its service time, as if no request ever waited: the waiting "
            "is not accumulated, start = max(arrival, the previous request's finish).",
        ),
        (
            _in_order(arrival, service, finish_from_arrival),
            "each request waits only for the previous one's service, not for its wait too: the "
            "finish is computed from the arrival (arrival + service) instead of the start (start "
            "+ service).",
        ),
        (
            _in_order(arrival, service, never_idle),
            "after an idle gap the server starts a request before it has arrived: start = "
            "max(arrival, previous finish), not the previous finish alone.",
        ),
        (
            _in_order(arrival, service, next_arrival),
            "off by one: a request is compared with the next request's arrival; use its own, "
            "arrival_times_ms[i].",
        ),
        (
            truth[order],
            "the response times are right but in order of arrival: return them in the order "
            "the requests were given (response[i] for arrival_times_ms[i]).",
        ),
        (
            _serve_as_listed(arrival, service),
            "the requests are served in the order listed, but they are not listed in order of "
            "arrival (several cameras merged): serve them sorted by arrival time "
            "(np.argsort(arrival_times_ms, kind='stable')).",
        ),
    ]


def _serve_as_listed(arrival: np.ndarray, service: np.ndarray) -> np.ndarray:
    """The loop without the sort: requests served in the order listed."""
    response, finish = np.empty(arrival.size), -np.inf
    for i in range(arrival.size):
        start = max(arrival[i], finish)
        finish = start + service[i]
        response[i] = finish - arrival[i]
    return response


def _cases(seed: int):
    """(what, arrival, service) from hand-computable to random, in the order checked."""
    from utils import queueing

    rng = np.random.default_rng(seed)
    cameras = np.concatenate([np.arange(0, 60, 15.0), np.arange(4, 64, 15.0)])  # two, merged
    poisson = queueing.arrival_times_ms(900, 2_000, seed)  # ρ = 900/s × 1 ms = 0.9
    shuffled = rng.permutation(poisson.size)
    return [
        (
            "periodic arrivals every 10 ms, 4 ms of service (below capacity)",
            np.arange(0, 100, 10.0),
            np.full(10, 4.0),
        ),
        ("a burst of 5 requests at once, 3 ms each", np.full(5, 100.0), np.full(5, 3.0)),
        (
            "a burst of 3, an idle gap, then 2 more (5 ms each)",
            np.array([0, 0, 0, 50, 50.0]),
            np.full(5, 5.0),
        ),
        (
            "two cameras' frames, listed camera by camera",
            cameras,
            np.array([2, 9, 3, 1, 6, 2, 8, 4.0]),
        ),
        (
            "2,000 Poisson arrivals at ρ = 0.9, listed out of order",
            poisson[shuffled],
            queueing.service_times_ms(1.0, 2_000, seed)[shuffled],
        ),
    ]


def check_queue(simulate_queue, seed: int = 0) -> None:
    """Notebook 07: the student's ``simulate_queue(arrival_times_ms, service_ms)``, one first-come,
    first-served server, must give each request's response time (queue + service, ms) in the
    order given. Checked on hand-computable cases (periodic arrivals below capacity: every
    response is the service time; a burst of k at once: service, 2 × service, …; an idle gap
    empties the queue; two cameras' frames listed out of order), then on 2,000 Poisson arrivals
    against :func:`utils.queueing.fifo_response_ms`, the same queue without a loop. Names the
    first mistake it recognises."""
    from utils import measure, queueing

    if not callable(simulate_queue):
        raise NotYet("simulate_queue should be a function of (arrival_times_ms, service_ms).")
    for what, arrival, service in _cases(seed):
        given = (arrival.copy(), service.copy())
        answer = simulate_queue(*given)
        if not (np.array_equal(given[0], arrival) and np.array_equal(given[1], service)):
            raise NotYet(
                f"{what}: your function changed the arrays it was given (a sort in place?); "
                "sort a copy, or better an index (np.argsort), and leave the input as it was."
            )
        try:
            answer = np.asarray(answer, dtype=float)
        except (TypeError, ValueError):
            raise NotYet(f"{what}: return an array of response times, not {answer!r}.") from None
        if answer.shape != arrival.shape:
            raise NotYet(
                f"{what}: {arrival.size} requests but {answer.size} response times came back; "
                "return one response time per request."
            )
        truth = queueing.fifo_response_ms(arrival, service)
        if np.allclose(answer, truth, rtol=1e-9, atol=1e-9):
            continue
        for wrong, hint in _mistakes(arrival, service):
            if np.allclose(answer, wrong, rtol=1e-9, atol=1e-9):
                raise NotYet(f"{what}: {hint}")
        first = int(np.argmax(~np.isclose(answer, truth, rtol=1e-9, atol=1e-9)))
        raise NotYet(
            f"{what}: request {first} (arrival {arrival[first]:g} ms, service "
            f"{service[first]:.4g} ms) should take {truth[first]:.4g} ms, not "
            f"{answer[first]:.4g}; in order of arrival, start = max(arrival, previous finish), "
            "finish = start + service, response = finish − arrival."
        )
    _correct(
        "periodic arrivals below capacity never wait, a burst of k takes service, 2 × service, "
        "…, k × service, an idle gap empties the queue, merged cameras are served in order of "
        "arrival, and 2,000 Poisson requests at ρ = 0.9 match the course's queue exactly "
        f"(p99 {float(measure.percentile(truth, 99)):.1f} ms for 1 ms of mean service)."
    )
