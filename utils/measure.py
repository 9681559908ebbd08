"""Timing that can be trusted: warm up first, then many timed calls, report median and p95."""

from __future__ import annotations

import dataclasses
import math
import os
import statistics
import time
from typing import Callable


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
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[-1]

    def __str__(self) -> str:
        return (
            f"median {self.median_ms:.2f} ms, p95 {self.p95_ms:.2f} ms "
            f"({len(self.times_ms)} runs after {self.warmup} warm-up, {self.threads} threads)"
        )


def time_calls(fn: Callable[[], object], runs: int, warmup: int, threads: int | None = None) -> Timing:
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


def time_in_turns(calls: dict[str, Callable[[], object]], runs: int, warmup: int, rounds: int = 5,
                  threads: int | None = None) -> dict[str, Timing]:
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
