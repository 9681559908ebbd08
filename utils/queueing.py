"""Notebook 07: a shared server: its utilisation, the queueing formulas, and a SimPy simulation.

Requests to one server wait their turn. Many independent users merge into a Poisson stream, and
the closed forms (M/M/c by Erlang C, M/M/1's percentiles, M/D/1 by Pollaczek–Khinchine) give the
mean and tail; a few fixed-rate cameras are periodic streams instead (ΣD/D/1), far smoother.
:func:`simulate_server` (SimPy, discrete events) simulates both and adds dynamic batching. Below
full load only: at ρ ≥ 1 a queue has no steady state, so every model here refuses to give its
mean or p99 (:func:`rate_at_budget_per_s` compares servers by the load they sustain instead).
:func:`fifo_response_ms` is the one-server queue without a loop (Lindley's recursion unrolled),
the reference for notebook 07's exercise, fed by :func:`arrival_times_ms` and
:func:`service_times_ms`.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from utils import measure, validate


def utilisation(rate_per_s: float, service_ms: float, servers: int = 1) -> float:
    """ρ = arrival rate × service time / servers: the fraction of time the servers are busy."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    validate.whole(servers=servers)
    return rate_per_s * service_ms / 1000 / servers


def _steady(rate_per_s: float, capacity: float, simulated=False) -> None:
    """Refuse a queue at or above full load (ρ = rate ÷ :func:`capacity_per_s` ≥ 1): it has no
    steady state, so no mean and no p99."""
    rho = rate_per_s / capacity
    if rho >= 1:
        raise ValueError(
            f"rho={rho:.3g}: at {rate_per_s:,.4g} requests/s the server (capacity "
            f"{capacity:,.4g}/s) is at or above full load, where the queue has no steady "
            "state and no mean or p99; lower the arrival rate below the capacity or add servers"
            + (" (or pass transient=True to watch the queue grow)." if simulated else ".")
        )


def _check_percentile(q: float) -> None:
    if not 0 <= q < 100:
        raise ValueError(f"q={q!r}: give a percentile from 0 up to (not including) 100.")


def mmc_mean_response_ms(rate_per_s: float, service_ms: float, servers: int = 1) -> float:
    """Mean time in an M/M/c system (queue + service), from the Erlang C formula;
    for c = 1 it is 1 / (μ − λ). Raises ``ValueError`` at utilisation 1 or more (no steady
    state)."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    validate.whole(servers=servers)
    _steady(rate_per_s, capacity_per_s(service_ms, servers=servers))
    rho = utilisation(rate_per_s, service_ms, servers)
    offered = rate_per_s * service_ms / 1000  # a = λ / μ, in Erlangs
    # Erlang B by its recursion (no a^c / c!, which overflows for hundreds of servers), then C
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    waiting_probability = blocking / (1 - rho * (1 - blocking))
    wait_ms = waiting_probability * service_ms / (servers * (1 - rho))
    return wait_ms + service_ms


def mm1_response_percentile_ms(rate_per_s: float, service_ms: float, q: float = 99) -> float:
    """The ``q``-th percentile of the time in an M/M/1 system (queue + service). That time is
    exponential with rate μ − λ, so its percentile is −ln(1 − q/100) / (μ − λ): the p99 is
    ln(100) / (μ − λ), ln(100) ≈ 4.6 times the mean. Raises ``ValueError`` at utilisation 1 or
    more: an unstable queue has no p99."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    _check_percentile(q)
    _steady(rate_per_s, capacity_per_s(service_ms))
    if service_ms == 0:
        return 0.0
    spare_per_ms = 1 / service_ms - rate_per_s / 1000  # μ − λ, per millisecond
    return -math.log(1 - q / 100) / spare_per_ms


def md1_mean_response_ms(rate_per_s: float, service_ms: float) -> float:
    """Mean time in an M/D/1 system: Pollaczek–Khinchine, Wq = ρ / (2μ(1 − ρ)), plus service.
    Raises ``ValueError`` at utilisation 1 or more (no steady state)."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    _steady(rate_per_s, capacity_per_s(service_ms))
    rho = utilisation(rate_per_s, service_ms)
    return rho * service_ms / (2 * (1 - rho)) + service_ms


def mm1_rate_at_budget_per_s(service_ms: float, budget_ms: float, q: float = 99) -> float:
    """The highest arrival rate (per second) an M/M/1 server sustains with its ``q``-th
    percentile response within ``budget_ms``: solve −ln(1 − q/100) / (μ − λ) ≤ budget for λ,
    λ = μ − ln(100) / budget for the p99. 0 when even an idle server misses the budget."""
    validate.positive(service_ms=service_ms, budget_ms=budget_ms)
    _check_percentile(q)
    spare_per_s = -math.log(1 - q / 100) / (budget_ms / 1000)  # the μ − λ the budget needs
    return max(0.0, 1000 / service_ms - spare_per_s)


def capacity_per_s(
    service_ms: float | Callable[[int], float], *, servers: int = 1, batch_size: int = 1
) -> float:
    """Requests per second the servers answer when always busy with full batches: servers ×
    batch_size / (the time of one call on a full batch). Arrivals at this rate or above (ρ ≥ 1)
    build a queue that never settles."""
    call_ms = service_ms(batch_size) if callable(service_ms) else service_ms * batch_size
    validate.zero_or_more(service_ms=call_ms)
    return math.inf if call_ms == 0 else servers * batch_size * 1000 / call_ms


def _arrival_gaps(rng, n: int, rate_per_s: float, arrivals: str, sources, jitter_ms) -> np.ndarray:
    """The gaps (ms) between ``n`` merged arrivals: Poisson, or ``sources`` periodic streams,
    each at rate_per_s / sources, from a random phase, with optional Gaussian jitter."""
    if arrivals == "poisson":
        return rng.exponential(1000 / rate_per_s, n)
    period = sources * 1000 / rate_per_s
    frames = -(-n // sources) + 2  # enough per source: later frames all come after the n-th
    times = rng.uniform(0, period, (sources, 1)) + period * np.arange(frames)
    if jitter_ms:
        # clipped to ± half a period, so that each source's frames stay in order
        times += np.clip(rng.normal(0, jitter_ms, times.shape), -period / 2, period / 2)
    times = np.sort(times.ravel())[:n] + period / 2  # the clock starts half a period earlier
    return np.diff(times, prepend=0.0)


def simulate_server(
    rate_per_s: float,
    service_ms: float | Callable[[int], float],
    n: int,
    seed: int = 0,
    *,
    servers: int = 1,
    service: str = "exponential",
    batch_size: int = 1,
    max_delay_ms: float = 0.0,
    arrivals: str = "poisson",
    sources: int | None = None,
    jitter_ms: float = 0.0,
    transient: bool = False,
) -> np.ndarray:
    """Response times (queue + service, ms) of ``n`` requests to a shared server, with SimPy.

    ``arrivals`` is "poisson" (many independent users merge into a Poisson stream, the
    Palm–Khintchine theorem; MLPerf's server scenario assumes it) or "periodic": ``sources``
    cameras, each sending rate_per_s / sources frames per second on its own clock from a random
    phase, each frame off its tick by Gaussian ``jitter_ms`` (a standard deviation, clipped to ±
    half a period). ``servers`` workers take requests first come, first served; ``service`` is
    "exponential" (M/M/c) or "deterministic" (M/D/c) around ``service_ms``.

    Dynamic batching: a worker takes up to ``batch_size`` waiting requests and, if fewer are
    waiting, waits up to ``max_delay_ms`` for more. ``service_ms`` may then be a function of the
    batch size (the measured time of one call on a batch).

    At or above :func:`capacity_per_s` (ρ ≥ 1) the queue has no steady state and its response
    times only say how long the run lasted: refused (``ValueError``) unless ``transient=True``,
    which returns the growing queue's response times to plot, never to take a p99 of.
    """
    validate.positive(rate_per_s=rate_per_s)
    validate.non_negative(max_delay_ms=max_delay_ms, jitter_ms=jitter_ms)
    if not callable(service_ms):
        validate.non_negative(service_ms=service_ms)
    validate.whole(n=n, servers=servers, batch_size=batch_size)
    import simpy

    validate.request_count(n)
    if not rate_per_s > 0:
        raise ValueError(f"rate_per_s={rate_per_s!r}: give a positive arrival rate.")
    if service not in ("exponential", "deterministic"):
        raise ValueError(
            f"service={service!r}; use 'exponential' (M/M/c) or 'deterministic' (M/D/c)."
        )
    if arrivals not in ("poisson", "periodic"):
        raise ValueError(f"arrivals={arrivals!r}; use 'poisson' or 'periodic'.")
    if arrivals == "periodic":
        if sources is None:
            raise ValueError("arrivals='periodic' needs sources=, the number of cameras.")
        validate.whole(sources=sources)
    if servers < 1 or batch_size < 1:
        raise ValueError(f"servers={servers!r}, batch_size={batch_size!r}: both must be 1 or more.")
    batch_ms = service_ms if callable(service_ms) else (lambda size: service_ms * size)
    validate.zero_or_more(service_ms=batch_ms(1), max_delay_ms=max_delay_ms)
    capacity = capacity_per_s(service_ms, servers=servers, batch_size=batch_size)
    if not transient:
        _steady(rate_per_s, capacity, simulated=True)
    rng = np.random.default_rng(seed)
    gaps = _arrival_gaps(rng, n, rate_per_s, arrivals, sources, jitter_ms)
    env = simpy.Environment()
    waiting = simpy.Store(env)
    arrived = np.zeros(n)
    response = np.full(n, np.nan)
    finished = [0, env.event()]  # requests answered so far; the event fires after the last

    def arrivals():
        for index, gap in enumerate(gaps):
            yield env.timeout(gap)
            arrived[index] = env.now
            waiting.put(index)

    def worker():
        while True:
            batch = [(yield waiting.get())]
            closes = env.now + max_delay_ms
            while len(batch) < batch_size:
                if waiting.items:
                    batch.append((yield waiting.get()))
                    continue
                if env.now >= closes:
                    break
                request, timer = waiting.get(), env.timeout(closes - env.now)
                result = yield request | timer
                if request in result:
                    batch.append(result[request])
                else:
                    request.cancel()
                    break
            mean = batch_ms(len(batch))
            yield env.timeout(rng.exponential(mean) if service == "exponential" else mean)
            response[batch] = env.now - arrived[batch]
            finished[0] += len(batch)
            if finished[0] == n:
                finished[1].succeed()

    env.process(arrivals())
    for _ in range(servers):
        env.process(worker())
    env.run(until=finished[1])
    return response


def rate_at_budget_per_s(
    service_ms: float | Callable[[int], float],
    budget_ms: float,
    n: int,
    seed: int = 0,
    *,
    q: float = 99,
    steps: int = 8,
    **server,
) -> float:
    """The highest arrival rate (per second) whose simulated ``q``-th percentile response stays
    within ``budget_ms``: a bisection over rates below :func:`capacity_per_s`, ``steps`` halvings
    (8: within 0.4 % of the capacity), each a :func:`simulate_server` run of ``n`` requests with
    the options in ``server``. 0 when even a nearly idle server misses the budget. Only steady
    queues (ρ < 1) are ever simulated, so no p99 of an unstable queue enters the answer."""
    validate.positive(budget_ms=budget_ms)
    validate.whole(steps=steps)
    top = capacity_per_s(
        service_ms, servers=server.get("servers", 1), batch_size=server.get("batch_size", 1)
    )
    if math.isinf(top):
        raise ValueError("service_ms is 0: a server that takes no time has no capacity limit.")

    def meets(rate: float) -> bool:
        samples = simulate_server(rate, service_ms, n, seed, **server)
        return float(measure.percentile(samples, q)) <= budget_ms

    low, high = top / 2**steps, top
    if not meets(low):
        return 0.0
    for _ in range(steps):
        middle = (low + high) / 2
        low, high = (middle, high) if meets(middle) else (low, middle)
    return low


def arrival_times_ms(
    rate_per_s: float, n: int, seed: int = 0, *, arrivals: str = "poisson"
) -> np.ndarray:
    """``n`` arrival instants (ms, sorted): "poisson" (independent exponential gaps of mean
    1000 / rate_per_s, the first after one gap) or "periodic" (one every 1000 / rate_per_s ms,
    from 0)."""
    validate.positive(rate_per_s=rate_per_s)
    validate.request_count(n)
    if arrivals == "periodic":
        return np.arange(n) * (1000 / rate_per_s)
    if arrivals != "poisson":
        raise ValueError(f"arrivals={arrivals!r}; use 'poisson' or 'periodic'.")
    return np.cumsum(np.random.default_rng(seed).exponential(1000 / rate_per_s, n))


def service_times_ms(
    service_ms: float, n: int, seed: int = 0, *, service: str = "exponential"
) -> np.ndarray:
    """``n`` service times (ms): "exponential" of mean ``service_ms`` (M/M/1's), or
    "deterministic" (every one ``service_ms``, M/D/1's). The generator is seeded with ``seed`` +
    1, so that it draws other numbers than :func:`arrival_times_ms` with the same seed."""
    validate.non_negative(service_ms=service_ms)
    validate.request_count(n)
    if service == "deterministic":
        return np.full(n, float(service_ms))
    if service != "exponential":
        raise ValueError(f"service={service!r}; use 'exponential' or 'deterministic'.")
    return np.random.default_rng(seed + 1).exponential(service_ms, n)


def fifo_response_ms(arrival_ms, service_ms) -> np.ndarray:
    """The response time (queue + service, ms) of each request to one first-come, first-served
    server, in the order given; ``arrival_ms`` in any order (ties are served in the order
    given), ``service_ms`` one number or one per request.

    The loop is finish = max(arrival, previous finish) + service in order of arrival. Unrolled
    (Lindley), a request finishes at the latest of "the server idle until request j arrived, then
    busy with j … i": finish_i = max over j ≤ i of (arrival_j + service_j + … + service_i) =
    C_i + max over j ≤ i of (arrival_j − C_(j−1)), C the running sum of service times. This
    computes that, without the loop: the course's reference for the exercise's loop."""
    arrival = np.asarray(arrival_ms, dtype=float)
    if arrival.ndim != 1 or arrival.size == 0 or not np.all(np.isfinite(arrival)):
        raise ValueError("arrival_ms: give a non-empty list of finite arrival times in ms.")
    service = np.broadcast_to(np.asarray(service_ms, dtype=float), arrival.shape)
    if not np.all(service >= 0) or not np.all(np.isfinite(service)):
        raise ValueError("service_ms: every service time must be a finite number of 0 ms or more.")
    order = np.argsort(arrival, kind="stable")
    a, s = arrival[order], service[order]
    busy = np.cumsum(s)  # C_i
    finish = busy + np.maximum.accumulate(a - (busy - s))
    response = np.empty_like(arrival)
    response[order] = finish - a
    return response
