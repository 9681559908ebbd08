"""Benchmark helper (benchmarks/cold_build.py): where an artifact's build spends its time.

Light timing hooks, not a sampling profiler: the functions below are wrapped, wherever a module of
``utils`` (or Keras's ``Model`` class) holds them, by a wrapper that charges the seconds spent
inside to one phase. A wrapped call inside another (a fit inside ``prune``) is charged to the
inner phase only, so the phases add up to the build's seconds; what no hook covers is ``other``
(model building, tracing outside a fit, file checks).

Beside the wall seconds, each phase may be charged the process's CPU seconds (every thread's,
``time.process_time``): on a machine shared with other work the wall seconds stretch with the
load, while the CPU seconds a build spends stay nearly what they are on a quiet machine.
"""

from __future__ import annotations

import functools
import sys
import time
from typing import Callable

# phase -> the functions charged to it, as "module:qualified name"
HOOKS = {
    "data": (
        "utils.data:DogsCarsBicycles.download_and_prepare",
        "utils.data:_write_jpegs",
        "utils.data:arrays",
        "utils.data:cached_split",
        "utils.quantization.litert:split_arrays",
        "utils.quantization.conversion:calibration_images",
        "utils.pruning.surgery:batches",
    ),
    "training steps": (
        "tf_keras:Model.fit",
        "utils.pruning.criteria:slim",
    ),
    "evaluation": (
        "utils.pruning.magnitude:accuracy",
        "utils.quantization.litert:evaluate",
        "tf_keras:Model.predict",
        "tf_keras:Model.evaluate",
    ),
    "channel scoring": (
        "utils.pruning.criteria:channel_scores",
        "utils.pruning.surgery:remove_units",
    ),
    "conversion": ("utils.quantization.recipe:convert",),
    "timing": ("utils.measure:time_in_turns",),
    "saving": ("tf_keras:Model.save", "utils.pruning.magnitude:sizes"),
}


class Phases:
    """Seconds and calls per phase, each second charged to the innermost phase running; with a
    ``cpu_clock``, the CPU seconds too (charged the same way)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] | None = None,
    ):
        self.clocks = {"seconds": clock}
        if cpu_clock is not None:
            self.clocks["cpu_seconds"] = cpu_clock
        self.totals: dict[str, dict[str, float]] = {name: {} for name in self.clocks}
        self.calls: dict[str, int] = {}
        self._stack: list[list] = []  # [phase, {clock name: started}]

    @property
    def seconds(self) -> dict[str, float]:
        return self.totals["seconds"]

    def _now(self) -> dict[str, float]:
        return {name: clock() for name, clock in self.clocks.items()}

    def _charge(self, phase: str, started: dict, now: dict) -> None:
        for name, value in now.items():
            self.totals[name][phase] = self.totals[name].get(phase, 0.0) + value - started[name]

    def enter(self, phase: str) -> None:
        now = self._now()
        if self._stack:  # pause the outer phase
            self._charge(*self._stack[-1], now)
        self._stack.append([phase, now])
        self.calls[phase] = self.calls.get(phase, 0) + 1

    def leave(self) -> None:
        now = self._now()
        self._charge(*self._stack.pop(), now)
        if self._stack:  # resume the outer phase
            self._stack[-1][1] = now

    def wrap(self, phase: str, function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            self.enter(phase)
            try:
                return function(*args, **kwargs)
            finally:
                self.leave()

        wrapper.__wrapped_phase__ = phase
        return wrapper

    def report(self, total: float, cpu_total: float | None = None) -> dict:
        """``{phase: {"seconds", "calls"}}`` (and ``"cpu_seconds"`` with a CPU clock) with
        ``other``: the total less every phase."""
        out = {}
        for phase, s in sorted(self.seconds.items(), key=lambda item: -item[1]):
            out[phase] = {"seconds": round(s, 2)}
            if "cpu_seconds" in self.totals:
                out[phase]["cpu_seconds"] = round(self.totals["cpu_seconds"][phase], 2)
            out[phase]["calls"] = self.calls.get(phase, 0)
        out["other"] = {"seconds": round(max(0.0, total - sum(self.seconds.values())), 2)}
        if cpu_total is not None and "cpu_seconds" in self.totals:
            rest = cpu_total - sum(self.totals["cpu_seconds"].values())
            out["other"]["cpu_seconds"] = round(max(0.0, rest), 2)
        return out


def _resolve(spec: str):
    module_name, qualified = spec.split(":")
    owner = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
    parts = qualified.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    return owner, parts[-1]


def install(phases: Phases, hooks: dict = HOOKS) -> int:
    """Wrap every hooked function where it is defined and wherever a ``utils`` module imported it
    by name; return how many places were wrapped. Import the modules of the build first."""
    count = 0
    for phase, specs in hooks.items():
        for spec in specs:
            try:
                owner, name = _resolve(spec)
                original = getattr(owner, name)
            except (ImportError, AttributeError):
                continue  # a hook for code this version does not have
            if hasattr(original, "__wrapped_phase__"):
                continue
            wrapped = phases.wrap(phase, original)
            setattr(owner, name, wrapped)
            count += 1
            for module_name, module in list(sys.modules.items()):
                if module_name.startswith("utils") and getattr(module, name, None) is original:
                    setattr(module, name, wrapped)
                    count += 1
    return count
