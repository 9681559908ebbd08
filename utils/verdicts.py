"""Verdicts: sentences generated from measurements, beside the course's reference machine.

A notebook *asserts* only what holds on every machine and every dataset (arithmetic, shapes,
byte counts). Whatever depends on the hardware, its load or the data (int8 being faster,
batching helping, an accuracy above a bar, one variant beating another) is a *verdict*: a
Markdown sentence built here from what this run measured, with what the reference machine
measured for the same figure and, where the two disagree, the likely reasons.

The reference machine's full-profile results and its description live in
``data/reference_results.json``; ``make reference`` (``python -m utils reference``) regenerates it
after a full run.

    v = verdicts.faster("int8", 0.12, "float32", 0.36, reference=("05_int8_tflite",
                        "dense_int8_p50_ms", "dense_float32_p50_ms"), reasons=("int8",))
    v            # shown as Markdown in a notebook
    v.agrees     # True when this run's outcome is the reference machine's
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import platform
import statistics
import sys
from pathlib import Path

from utils import config, results, validate

REFERENCE_PATH = config.DATA_DIR / "reference_results.json"
REFERENCE_PROFILE = "full"
REFERENCE_DATASET = "generated"
# CPU features that give int8 dot products (x86: VNNI, AMX; Arm: dot product, int8 matrix multiply)
INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm")
NOISE = 0.05  # two timings within 5 % of each other are "about the same"


# ---------------------------------------------------------------- the machines


def cpu_flags() -> set[str]:
    """This CPU's feature flags (Linux ``/proc/cpuinfo``; empty where the OS does not say)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    flags: set[str] = set()
    for line in text.splitlines():
        if line.split(":")[0].strip() in ("flags", "Features"):
            flags.update(line.split(":", 1)[1].split())
    return flags


def int8_instructions(flags: set[str] | None = None) -> list[str]:
    """Which int8 dot-product instruction sets this CPU has (names as Linux spells them)."""
    flags = cpu_flags() if flags is None else flags
    return [f for f in INT8_FLAGS if f in flags]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.split(":")[0].strip() in ("model name", "Model", "Hardware"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


@functools.lru_cache(maxsize=1)
def this_machine() -> dict:
    """This machine, described as the reference machine is: CPU, cores, int8 flags, versions."""
    import tensorflow as tf

    return {
        "cpu": cpu_model(),
        "architecture": platform.machine(),
        "cores": os.cpu_count() or 1,
        "int8_instructions": int8_instructions(),
        "system": platform.system(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
    }


def _load_reference(path: Path) -> dict:
    try:
        reference = json.loads(path.read_text())
        entries = reference["entries"]
        machine = reference["machine"]
        if not isinstance(entries, list) or not isinstance(machine, dict):
            raise TypeError("'entries' must be a list and 'machine' an object")
    except FileNotFoundError:
        return {"machine": {}, "entries": []}
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a reference file this course wrote ({error}): restore it "
                         "with git checkout, or regenerate it with make reference "
                         "(python -m utils reference).") from None
    return reference


@functools.lru_cache(maxsize=4)
def _reference_file(path: str) -> dict:
    return _load_reference(Path(path))


def reference_data() -> dict:
    """The reference file's contents: ``{"machine": {...}, "entries": [...]}`` (empty if none)."""
    return _reference_file(str(REFERENCE_PATH))


def reference_machine() -> dict:
    return reference_data()["machine"]


def reference_value(notebook: str, key: str) -> float | None:
    """The reference machine's full-profile value of one recorded figure (None if it has none)."""
    for entry in reference_data()["entries"]:
        if entry["notebook"] == notebook and entry["key"] == key:
            return float(entry["value"])
    return None


def write_reference(entries: list[dict], path: Path | None = None) -> Path:
    """Save one full-profile run's entries with this machine's description, atomically
    (to ``data/reference_results.json`` unless ``path`` says otherwise)."""
    path = path or REFERENCE_PATH
    keep = [{k: e[k] for k in ("notebook", "key", "value", "unit")} for e in entries
            if e["profile"] == REFERENCE_PROFILE]
    if not keep:
        raise ValueError("No full-profile results to save: run make run (the full profile) first.")
    machine = dict(this_machine(), dataset=config.dataset_name())
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"machine": machine, "entries": keep}, indent=1) + "\n")
    tmp.replace(path)
    _reference_file.cache_clear()
    return path


def describe(machine: dict) -> str:
    """One line: CPU, cores and int8 instructions."""
    if not machine:
        return "no reference machine recorded"
    int8 = ", ".join(machine.get("int8_instructions") or []) or "no int8 dot-product instructions"
    return f"{machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores, {int8}"


# ---------------------------------------------------------------- why two machines differ


def likely_reasons(kinds: tuple[str, ...] = ("speed",)) -> list[str]:
    """The differences between this run and the reference run that can explain a different
    outcome. ``kinds`` says what the outcome depends on: ``"speed"`` (CPU, cores, load),
    ``"int8"`` (int8 dot-product instructions), ``"data"`` (the dataset and the profile).
    """
    here, there = this_machine(), reference_machine()
    reasons = []
    if "int8" in kinds:
        mine, theirs = here["int8_instructions"], there.get("int8_instructions", [])
        if theirs and not mine:
            reasons.append(f"this CPU has no int8 dot-product instructions (the reference has "
                           f"{', '.join(theirs)}), so int8 arithmetic saves less here")
        elif mine != theirs and there:
            reasons.append(f"this CPU's int8 instructions ({', '.join(mine) or 'none'}) differ "
                           f"from the reference's ({', '.join(theirs) or 'none'})")
    if "speed" in kinds or "int8" in kinds:
        load = load_average()
        if load is not None and load > here["cores"]:
            reasons.append(f"the machine was busy (load average {load:.1f} on {here['cores']} "
                           "cores): other programs shared the CPU during the timing")
        if there and here["cores"] != there.get("cores"):
            reasons.append(f"this machine has {here['cores']} cores, the reference "
                           f"{there.get('cores')}")
        if there and here["cpu"] != there.get("cpu"):
            reasons.append(f"a different CPU ({here['cpu']}; the reference: {there.get('cpu')})")
        if config.profile_name() != REFERENCE_PROFILE:
            reasons.append(f"the {config.profile_name()} profile times fewer runs than the "
                           "reference's full profile, so its figures are noisier")
    if "data" in kinds:
        if config.dataset_name() != there.get("dataset", REFERENCE_DATASET):
            reasons.append(f"this run uses the {config.dataset_name()!r} dataset, the reference "
                           f"the {there.get('dataset', REFERENCE_DATASET)!r} one: other images "
                           "are easier or harder to tell apart")
        if config.profile_name() != REFERENCE_PROFILE:
            reasons.append(f"the {config.profile_name()} profile trains on far less data, for "
                           "fewer epochs, than the reference's full profile")
    return reasons


def load_average() -> float | None:
    """The 1-minute load average (None where the OS has none, e.g. Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


# ---------------------------------------------------------------- the verdicts


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A generated sentence (Markdown) and whether this run agrees with the reference machine
    (None when the reference machine has no figure to compare with)."""

    text: str
    agrees: bool | None

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _num(value: float, unit: str = "") -> str:
    text = results.format_number(value)
    return f"{text} {unit}".strip() if unit else text


def _because(reasons: list[str]) -> str:
    if not reasons:
        return (" Nothing recorded about the two machines explains it: rerun the cell on a quiet "
                "machine to see whether the difference is noise.")
    return " Likely reasons: " + "; ".join(reasons) + "."


def _reference_pair(reference) -> tuple[float | None, float | None]:
    """``reference`` is ``(notebook, key_a, key_b)`` or ``(a, b)`` numbers or None."""
    if reference is None:
        return None, None
    if len(reference) == 3:
        notebook, key_a, key_b = reference
        return reference_value(notebook, key_a), reference_value(notebook, key_b)
    return reference


def _outcome(ratio: float, tolerance: float) -> int:
    """+1 when A wins by more than ``tolerance``, -1 when B does, 0 when about the same."""
    if ratio > 1 + tolerance:
        return 1
    if ratio < 1 / (1 + tolerance):
        return -1
    return 0


def faster(name_a: str, a_ms: float, name_b: str, b_ms: float, *, reference=None,
           reasons: tuple[str, ...] = ("speed",), tolerance: float = NOISE,
           quantity: str = "took", unit: str = "ms") -> Verdict:
    """The verdict on "A is faster than B", from two times (lower is better)."""
    return _compare(name_a, a_ms, name_b, b_ms, reference, reasons, tolerance,
                    lower_is_better=True, quantity=quantity, unit=unit,
                    win="faster", lose="slower")


def higher(name_a: str, a: float, name_b: str, b: float, *, reference=None,
           reasons: tuple[str, ...] = ("speed",), tolerance: float = NOISE,
           quantity: str = "gave", unit: str = "", win: str = "higher",
           lose: str = "lower") -> Verdict:
    """The verdict on "A is higher than B" (throughput, speed-up), higher being better."""
    return _compare(name_a, a, name_b, b, reference, reasons, tolerance,
                    lower_is_better=False, quantity=quantity, unit=unit, win=win, lose=lose)


def lower(name_a: str, a: float, name_b: str, b: float, *, reference=None,
          reasons: tuple[str, ...] = ("speed",), tolerance: float = NOISE,
          quantity: str = "used", unit: str = "", win: str = "less",
          lose: str = "more") -> Verdict:
    """The verdict on "A needs less than B" (energy, bytes, cost), lower being better."""
    return _compare(name_a, a, name_b, b, reference, reasons, tolerance,
                    lower_is_better=True, quantity=quantity, unit=unit, win=win, lose=lose)


def _compare(name_a, a, name_b, b, reference, reasons, tolerance, *, lower_is_better, quantity,
             unit, win, lose) -> Verdict:
    validate.positive(**{name_a: a, name_b: b})  # a ratio of two measurements needs both above 0

    def gain(x, y):  # > 1 when x is the better one
        return y / x if lower_is_better else x / y

    def said(x, y) -> str:
        outcome = _outcome(gain(x, y), tolerance)
        factor = gain(x, y) if outcome >= 0 else 1 / gain(x, y)
        if outcome == 0:
            return f"about the same (within {tolerance:.0%})"
        return f"{factor:.2f}× {win if outcome > 0 else lose}"

    here = _outcome(gain(a, b), tolerance)
    text = (f"**This machine:** {name_a} {quantity} {_num(a, unit)} and {name_b} "
            f"{_num(b, unit)}: {name_a} was {said(a, b)}.")
    ref_a, ref_b = _reference_pair(reference)
    if ref_a is None or ref_b is None:
        return Verdict(text + " (The reference machine has no figure for this comparison.)", None)
    there = _outcome(gain(ref_a, ref_b), tolerance)
    text += (f" **Reference machine** ({describe(reference_machine())}): {_num(ref_a, unit)} "
             f"and {_num(ref_b, unit)}, {said(ref_a, ref_b)}.")
    if here == there:
        return Verdict(text + " The same outcome.", True)
    return Verdict(text + f" **This run differs from the reference.**" + _because(
        likely_reasons(reasons)), False)


def standard_error(accuracy: float, n: int) -> float:
    """One standard error of an accuracy measured on ``n`` independent examples."""
    if not 0 <= accuracy <= 1 or n < 1:
        raise ValueError(f"accuracy {accuracy!r} on {n!r} examples: an accuracy is a fraction "
                         "between 0 and 1 measured on at least one example.")
    return math.sqrt(accuracy * (1 - accuracy) / n)


def accuracy(name: str, value: float, n: int, *, chance: float, reference_key=None,
             bar: float | None = None) -> Verdict:
    """The verdict on an accuracy: its standard error, against chance, a bar and the reference.

    ``reference_key`` is ``(notebook, key)`` of the reference machine's figure (or a number).
    ``bar`` is what the course expects in the full profile on the generated dataset: reported,
    never required.
    """
    se = standard_error(value, n)
    text = f"**This run:** {name} {value:.3f} ± {se:.3f} (one standard error over {n:,} images)"
    margin = (value - chance) / max(se, 1e-12)
    text += (f", {margin:.0f} standard errors above chance ({chance:.3f})." if margin >= 2 else
             f", **not clearly above chance ({chance:.3f})**: the model has not learned yet.")
    if bar is not None:
        text += (f" The course's goal for its own dataset in the full profile is {bar:.2f}: "
                 f"{'reached' if value >= bar else 'not reached here'}.")
    ref = reference_value(*reference_key) if isinstance(reference_key, tuple) else reference_key
    if ref is None:
        return Verdict(text + " (The reference machine has no figure for this.)", None)
    diff = value - ref
    close = abs(diff) <= 2 * math.hypot(se, standard_error(ref, n))
    text += f" **Reference machine:** {ref:.3f} ({diff * 100:+.1f} points here)"
    if close:
        return Verdict(text + ", the same within noise.", True)
    return Verdict(text + ", more than noise explains." + _because(likely_reasons(("data",))),
                   False)


def against_reference(name: str, value: float, unit: str, notebook: str, key: str,
                      *, lower_is_better: bool | None = None,
                      reasons: tuple[str, ...] = ("speed",)) -> Verdict:
    """One figure beside the reference machine's: *yours · reference · ratio*."""
    ref = reference_value(notebook, key)
    text = f"**{name}:** this machine {_num(value, unit)}"
    if ref is None or ref == 0:
        return Verdict(text + " (the reference machine has no figure for this).", None)
    ratio = value / ref
    text += f" · reference machine {_num(ref, unit)} · ratio {ratio:.2f}×"
    if lower_is_better is None:
        return Verdict(text + ".", None)
    if abs(ratio - 1) <= NOISE or (ratio < 1) == lower_is_better:
        return Verdict(text + (" (about the same)." if abs(ratio - 1) <= NOISE else " (better here)."), True)
    return Verdict(text + " (worse here)." + _because(likely_reasons(reasons)), False)


def accuracy_gap(name_a: str, a: float, n_a: int, name_b: str, b: float, n_b: int, *,
                 reference=None, reference_n: tuple[int, int] | None = None) -> Verdict:
    """The verdict on "A is more accurate than B" (e.g. the test split against the novel one):
    the gap with its standard error, called a difference only beyond two standard errors, beside
    the reference machine's gap. ``reference`` is ``(notebook, key_a, key_b)`` or ``(a, b)``;
    ``reference_n`` the reference run's image counts (this run's when not given).
    """
    se_a, se_b = standard_error(a, n_a), standard_error(b, n_b)
    se = max(math.hypot(se_a, se_b), 1e-12)

    def outcome(x: float, y: float, noise: float) -> int:
        return 0 if abs(x - y) <= 2 * noise else (1 if x > y else -1)

    def said(x: float, y: float, noise: float) -> str:
        sign = outcome(x, y, noise)
        if sign == 0:
            return "within noise (less than two standard errors)"
        return f"{name_a if sign > 0 else name_b} higher by {abs(x - y) / noise:.1f} standard errors"

    gap = a - b
    text = (f"**This run:** {name_a} {a:.3f} ± {se_a:.3f} ({n_a:,} images), {name_b} {b:.3f} ± "
            f"{se_b:.3f} ({n_b:,} images): a gap of {gap * 100:+.1f} ± {se * 100:.1f} points, "
            f"{said(a, b, se)}.")
    ref_a, ref_b = _reference_pair(reference)
    if ref_a is None or ref_b is None:
        return Verdict(text + " (The reference machine has no figure for this comparison.)", None)
    ref_n_a, ref_n_b = reference_n or (n_a, n_b)
    ref_se = max(math.hypot(standard_error(ref_a, ref_n_a), standard_error(ref_b, ref_n_b)), 1e-12)
    text += (f" **Reference machine:** {ref_a:.3f} and {ref_b:.3f}, a gap of "
             f"{(ref_a - ref_b) * 100:+.1f} points, {said(ref_a, ref_b, ref_se)}.")
    if outcome(a, b, se) == outcome(ref_a, ref_b, ref_se):
        return Verdict(text + " The same outcome.", True)
    return Verdict(text + " **This run differs from the reference.**"
                   + _because(likely_reasons(("data",))), False)


def seeds_compared(name_a: str, values_a, name_b: str, values_b, n: int, *, reference=None
                   ) -> Verdict:
    """The verdict on "A is more accurate than B" when each was run with several seeds and
    measured on the same ``n`` images: the means, their spread over seeds, and the difference
    called real only beyond two standard errors, where the noise counts the seeds (standard
    deviation / √seeds) and the ``n`` images (the binomial standard error of each mean).
    ``reference`` is ``(notebook, key_a, key_b)`` or ``(a, b)``: the reference machine's means.
    """
    a, b = [float(v) for v in values_a], [float(v) for v in values_b]
    if not a or not b:
        raise ValueError("Give at least one accuracy (one seed) for each of the two to compare.")

    def spread(v: list[float]) -> float:
        return statistics.stdev(v) if len(v) > 1 else 0.0

    mean_a, mean_b = statistics.fmean(a), statistics.fmean(b)
    noise = max(math.sqrt(spread(a) ** 2 / len(a) + spread(b) ** 2 / len(b)
                          + standard_error(mean_a, n) ** 2 + standard_error(mean_b, n) ** 2), 1e-12)

    def outcome(x: float, y: float) -> int:
        return 0 if abs(x - y) <= 2 * noise else (1 if x > y else -1)

    def said(x: float, y: float) -> str:
        sign = outcome(x, y)
        if sign == 0:
            return "**within noise** (less than two standard errors)"
        return f"{name_a if sign > 0 else name_b} higher, by {abs(x - y) / noise:.1f} standard errors"

    def described(name: str, v: list[float]) -> str:
        seeds = f"{len(v)} seeds" if len(v) > 1 else "1 seed"
        return (f"{name} {statistics.fmean(v):.3f} (± {spread(v):.3f} over {seeds}, from "
                f"{min(v):.3f} to {max(v):.3f})")

    text = (f"**This run:** {described(name_a, a)}, {described(name_b, b)}, on {n:,} images: a "
            f"difference of {(mean_a - mean_b) * 100:+.1f} ± {noise * 100:.1f} points, "
            f"{said(mean_a, mean_b)}.")
    ref_a, ref_b = _reference_pair(reference)
    if ref_a is None or ref_b is None:
        return Verdict(text + " (The reference machine has no figure for this comparison.)", None)
    text += (f" **Reference machine:** {ref_a:.3f} and {ref_b:.3f}, a difference of "
             f"{(ref_a - ref_b) * 100:+.1f} points, {said(ref_a, ref_b)} (judged with this run's "
             "noise).")
    if outcome(mean_a, mean_b) == outcome(ref_a, ref_b):
        return Verdict(text + " The same outcome.", True)
    return Verdict(text + " **This run differs from the reference.**"
                   + _because(likely_reasons(("data",))), False)


# ---------------------------------------------------------------- predictions


def reveal(what: str, predicted, measured, *, unit: str = "", why: tuple[str, ...] | list[str] = (),
           reference_key: tuple[str, str] | None = None) -> Verdict:
    """The reveal of a prediction: the student's guess beside this run's measurement (and the
    reference machine's, with ``reference_key``), by how much it missed, and why a guess can miss
    (``why``: the notebook's reasons, e.g. "gzip finds runs of zeros, not just zeros").

    ``predicted`` and ``measured`` are numbers, or two choices (strings) such as "faster" and
    "slower". ``agrees`` is True when the guess is within 20 % of the measurement (or names the
    same choice); a prediction is graded on being made, never on ``agrees``.
    """
    if isinstance(predicted, str) or isinstance(measured, str):
        hit = str(predicted).strip().lower() == str(measured).strip().lower()
        text = (f"**{what}.** You predicted *{predicted}*; this run measured *{measured}*"
                f"{': the same.' if hit else '.'}")
    else:
        validate.finite(prediction=predicted, measurement=measured)
        guess, value = float(predicted), float(measured)
        if value == guess:
            hit, miss = True, "exactly right"
        else:
            hit = math.isclose(guess, value, rel_tol=0.2)
            gap = _num(abs(value - guess), unit)
            if guess > 0 and value > 0:
                ratio = value / guess
                factor = (f"{results.format_number(ratio)}× your guess" if ratio >= 1
                          else f"{results.format_number(1 / ratio)}× smaller than your guess")
                miss = f"off by {gap}: the measurement is {factor}"
            else:
                miss = f"off by {gap}"
        text = (f"**{what}.** You predicted {_num(guess, unit)}; this run measured "
                f"{_num(value, unit)} ({miss}).")
    if reference_key is not None:
        ref = reference_value(*reference_key)
        if ref is not None:
            text += f" The reference machine measured {_num(ref, unit)}."
    if why and not hit:
        text += " Why a guess can miss here: " + "; ".join(why) + "."
    return Verdict(text, hit)
