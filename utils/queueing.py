"""Notebook 07: a shared server: its utilisation, the queueing formulas, and a SimPy simulation.

Many cameras send to one server: requests arrive as a Poisson stream and wait their turn. The
closed forms (M/M/c by Erlang C, M/M/1's percentiles, M/D/1 by Pollaczek–Khinchine) give the
mean and tail; :func:`simulate_server` (SimPy, discrete events) checks them and adds dynamic
batching.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from utils import validate


def utilisation(rate_per_s: float, service_ms: float, servers: int = 1) -> float:
    """ρ = arrival rate × service time / servers: the fraction of time the servers are busy."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    validate.whole(servers=servers)
    return rate_per_s * service_ms / 1000 / servers


def mmc_mean_response_ms(rate_per_s: float, service_ms: float, servers: int = 1) -> float:
    """Mean time in an M/M/c system (queue + service), from the Erlang C formula;
    for c = 1 it is 1 / (μ − λ). ``inf`` at utilisation 1 or more."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    validate.whole(servers=servers)
    rho = utilisation(rate_per_s, service_ms, servers)
    if rho >= 1:
        return math.inf
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
    ln(100) / (μ − λ), ln(100) ≈ 4.6 times the mean. ``inf`` at utilisation 1 or more."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    if not 0 <= q < 100:
        raise ValueError(f"q={q!r}: give a percentile from 0 up to (not including) 100.")
    if utilisation(rate_per_s, service_ms) >= 1:
        return math.inf
    if service_ms == 0:
        return 0.0
    spare_per_ms = 1 / service_ms - rate_per_s / 1000  # μ − λ, per millisecond
    return -math.log(1 - q / 100) / spare_per_ms


def md1_mean_response_ms(rate_per_s: float, service_ms: float) -> float:
    """Mean time in an M/D/1 system: Pollaczek–Khinchine, Wq = ρ / (2μ(1 − ρ)), plus service."""
    validate.non_negative(rate_per_s=rate_per_s, service_ms=service_ms)
    rho = utilisation(rate_per_s, service_ms)
    if rho >= 1:
        return math.inf
    return rho * service_ms / (2 * (1 - rho)) + service_ms


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
) -> np.ndarray:
    """Response times (queue + service, ms) of ``n`` requests to a shared server, with SimPy.

    Requests arrive as a Poisson stream of ``rate_per_s`` per second: many cameras sending at a
    frame rate merge into one (the Palm–Khintchine theorem), and MLPerf's server scenario uses
    the same. ``servers`` workers take requests first come, first served; ``service`` is
    "exponential" (M/M/c) or "deterministic" (M/D/c) around ``service_ms``.

    Dynamic batching: a worker takes up to ``batch_size`` waiting requests and, if fewer are
    waiting, waits up to ``max_delay_ms`` for more. ``service_ms`` may then be a function of the
    batch size (the measured time of one call on a batch).
    """
    validate.positive(rate_per_s=rate_per_s)
    validate.non_negative(max_delay_ms=max_delay_ms)
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
    if servers < 1 or batch_size < 1:
        raise ValueError(f"servers={servers!r}, batch_size={batch_size!r}: both must be 1 or more.")
    batch_ms = service_ms if callable(service_ms) else (lambda size: service_ms * size)
    validate.zero_or_more(service_ms=batch_ms(1), max_delay_ms=max_delay_ms)
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1000 / rate_per_s, n)
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
