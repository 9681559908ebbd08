"""Notebooks 00-07: timing that can be trusted, a warm-up, then many timed calls, median and p95."""

from __future__ import annotations

import dataclasses
import math
import os
import statistics
import time
from typing import Callable

import numpy as np


def percentile(values, q):
    """The course's one percentile: linear interpolation between the two nearest ranks.

    It is NumPy's default (``method="linear"``), the same as ``statistics.quantiles(...,
    method="inclusive")`` and Hyndman & Fan's type 7: the ``q``-th percentile of ``n`` sorted
    values sits at rank ``(n - 1) * q / 100``, counted from 0. ``q`` is a number or a list of
    numbers (0-100); ``inf`` values (a dropped frame counts as the slowest) are allowed: a
    percentile that reaches one is ``inf``. Every p50, p95 and p99 of the course comes from here.
    """
    x = np.sort(np.asarray(values, dtype=float).ravel())
    if x.size == 0:
        raise ValueError("No values: measure or simulate at least one before taking a percentile.")
    if np.isnan(x).any():
        raise ValueError("The values contain NaN: a percentile of them is undefined.")
    qs = np.asarray(q, dtype=float)
    if np.any((qs < 0) | (qs > 100)) or np.isnan(qs).any():
        raise ValueError(f"q={q!r}: a percentile is between 0 and 100.")
    rank = (x.size - 1) * qs / 100
    low = np.floor(rank).astype(int)
    high = np.minimum(low + 1, x.size - 1)
    fraction = rank - low
    with np.errstate(invalid="ignore"):
        between = x[low] + fraction * (x[high] - x[low])
    result = np.where(fraction == 0, x[low], np.where(np.isinf(x[high]), x[high], between))
    return float(result) if result.ndim == 0 else [float(v) for v in result]


@dataclasses.dataclass(frozen=True)
class Timing:
    """Wall-clock times of repeated calls, in milliseconds."""

    times_ms: tuple[float, ...]
    warmup: int
    threads: int  # CPU threads the runtime was allowed to use (stated with every latency)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.times_ms, 95)

    def __str__(self) -> str:
        return (
            f"median {self.median_ms:.2f} ms, p95 {self.p95_ms:.2f} ms "
            f"({len(self.times_ms)} runs after {self.warmup} warm-up, {self.threads} threads)"
        )


def time_calls(
    fn: Callable[[], object], runs: int, warmup: int, threads: int | None = None
) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then ``runs`` times timed, one call at a time.

    ``threads`` is recorded as stated; by default, the number of CPU cores (TensorFlow's default
    thread pools use them all).
    """
    if runs < 2:
        raise ValueError(f"runs={runs}: a median and p95 need at least 2 timed runs.")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return Timing(tuple(times), warmup, threads or os.cpu_count() or 1)


def time_in_turns(
    calls: dict[str, Callable[[], object]],
    runs: int,
    warmup: int,
    rounds: int = 5,
    threads: int | None = None,
) -> dict[str, Timing]:
    """Time several calls fairly: ``warmup`` untimed calls of each, then ``rounds`` turns in which
    each is timed for about ``runs / rounds`` calls, so that a busy moment of the machine slows
    them all alike instead of whichever happened to be measured then.

    Returns ``{name: Timing}`` with each call's ``runs`` (or slightly more) timed calls;
    ``threads`` is recorded as in :func:`time_calls`.
    """
    if not calls:
        raise ValueError("time_in_turns needs at least one call to time.")
    per_turn = max(2, math.ceil(runs / rounds))
    times: dict[str, list[float]] = {name: [] for name in calls}
    threads = threads or os.cpu_count() or 1
    for name, call in calls.items():
        for _ in range(warmup):
            call()
    for _ in range(rounds):
        for name, call in calls.items():
            timing = time_calls(call, per_turn, 0, threads)
            times[name].extend(timing.times_ms)
    return {name: Timing(tuple(t), warmup, threads) for name, t in times.items()}
