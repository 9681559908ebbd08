"""Notebooks 00-08: verdicts, sentences generated from measurements beside the reference machine.

A notebook *asserts* only what holds on every machine and every dataset (arithmetic, shapes,
byte counts). Whatever depends on the hardware, its load or the data (int8 being faster,
batching helping, an accuracy above a bar, one variant beating another) is a *verdict*: a
Markdown sentence built here from what this run measured, with what the reference machine
measured for the same figure and, where the two disagree, the likely reasons
(:mod:`utils.reference`).

Give a verdict the :class:`~utils.figures.Figure` values a notebook recorded, and it finds the
reference machine's figures by their own keys::

    int8, f32 = log.record("int8_p50_ms", ...), log.record("float32_p50_ms", ...)
    v = verdicts.faster("int8", int8, "float32", f32, reasons=("int8",))
    v            # shown as Markdown in a notebook
    v.agrees     # True when this run's outcome is the reference machine's

A plain number has no key: pass ``reference=(a, b)`` (the reference machine's numbers) or none.
"""

from __future__ import annotations

import dataclasses
import math
import statistics

from utils import figures, results, validate
from utils.reference import (  # noqa: F401  (re-exported: the names notebooks and tools use)
    INT8_FLAGS,
    REFERENCE_DATASET,
    REFERENCE_PATH,
    REFERENCE_PROFILE,
    _load_reference,
    _reference_file,
    cpu_flags,
    cpu_model,
    describe,
    int8_instructions,
    likely_reasons,
    load_average,
    reference_data,
    reference_machine,
    reference_value,
    this_machine,
    write_reference,
)

NOISE = 0.05  # two timings within 5 % of each other are "about the same"


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
        return (
            " Nothing recorded about the two machines explains it: rerun the cell on a quiet "
            "machine to see whether the difference is noise."
        )
    return " Likely reasons: " + "; ".join(reasons) + "."


def _reference_pair(reference, a=None, b=None) -> tuple[float | None, float | None]:
    """The reference machine's two figures: from ``reference`` when given (``(notebook, key_a,
    key_b)``, or ``(a, b)`` numbers or Figures), else from ``a`` and ``b`` when they are Figures."""
    if reference is None:
        return figures.reference_of(a), figures.reference_of(b)
    if len(reference) == 3:
        notebook, key_a, key_b = reference
        return reference_value(notebook, key_a), reference_value(notebook, key_b)
    return tuple(figures.reference_of(r) if isinstance(r, figures.Figure) else r for r in reference)


def _reference_one(reference, value=None) -> float | None:
    """The reference machine's figure: ``reference`` as ``(notebook, key)``, a number or a
    Figure, else ``value``'s own when it is a Figure."""
    if reference is None:
        return figures.reference_of(value)
    if isinstance(reference, figures.Figure):
        return reference.reference
    if isinstance(reference, tuple):
        return reference_value(*reference)
    return reference


def _outcome(ratio: float, tolerance: float) -> int:
    """+1 when A wins by more than ``tolerance``, -1 when B does, 0 when about the same."""
    if ratio > 1 + tolerance:
        return 1
    if ratio < 1 / (1 + tolerance):
        return -1
    return 0


def faster(
    name_a: str,
    a_ms: float,
    name_b: str,
    b_ms: float,
    *,
    reference=None,
    reasons: tuple[str, ...] = ("speed",),
    tolerance: float = NOISE,
    quantity: str = "took",
    unit: str = "ms",
) -> Verdict:
    """The verdict on "A is faster than B", from two times (lower is better)."""
    return _compare(
        name_a,
        a_ms,
        name_b,
        b_ms,
        reference,
        reasons,
        tolerance,
        lower_is_better=True,
        quantity=quantity,
        unit=unit,
        win="faster",
        lose="slower",
    )


def higher(
    name_a: str,
    a: float,
    name_b: str,
    b: float,
    *,
    reference=None,
    reasons: tuple[str, ...] = ("speed",),
    tolerance: float = NOISE,
    quantity: str = "gave",
    unit: str = "",
    win: str = "higher",
    lose: str = "lower",
) -> Verdict:
    """The verdict on "A is higher than B" (throughput, speed-up), higher being better."""
    return _compare(
        name_a,
        a,
        name_b,
        b,
        reference,
        reasons,
        tolerance,
        lower_is_better=False,
        quantity=quantity,
        unit=unit,
        win=win,
        lose=lose,
    )


def lower(
    name_a: str,
    a: float,
    name_b: str,
    b: float,
    *,
    reference=None,
    reasons: tuple[str, ...] = ("speed",),
    tolerance: float = NOISE,
    quantity: str = "used",
    unit: str = "",
    win: str = "less",
    lose: str = "more",
) -> Verdict:
    """The verdict on "A needs less than B" (energy, bytes, cost), lower being better."""
    return _compare(
        name_a,
        a,
        name_b,
        b,
        reference,
        reasons,
        tolerance,
        lower_is_better=True,
        quantity=quantity,
        unit=unit,
        win=win,
        lose=lose,
    )


def _compare(
    name_a,
    a,
    name_b,
    b,
    reference,
    reasons,
    tolerance,
    *,
    lower_is_better,
    quantity,
    unit,
    win,
    lose,
) -> Verdict:
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
    text = (
        f"**This machine:** {name_a} {quantity} {_num(a, unit)} and {name_b} "
        f"{_num(b, unit)}: {name_a} was {said(a, b)}."
    )
    ref_a, ref_b = _reference_pair(reference, a, b)
    if ref_a is None or ref_b is None:
        return Verdict(text + " (The reference machine has no figure for this comparison.)", None)
    there = _outcome(gain(ref_a, ref_b), tolerance)
    text += (
        f" **Reference machine** ({describe(reference_machine())}): {_num(ref_a, unit)} "
        f"and {_num(ref_b, unit)}, {said(ref_a, ref_b)}."
    )
    if here == there:
        return Verdict(text + " The same outcome.", True)
    return Verdict(
        text + " **This run differs from the reference.**" + _because(likely_reasons(reasons)),
        False,
    )


def standard_error(accuracy: float, n: int) -> float:
    """One standard error of an accuracy measured on ``n`` independent examples."""
    if not 0 <= accuracy <= 1 or n < 1:
        raise ValueError(
            f"accuracy {accuracy!r} on {n!r} examples: an accuracy is a fraction "
            "between 0 and 1 measured on at least one example."
        )
    return math.sqrt(accuracy * (1 - accuracy) / n)


def accuracy(
    name: str, value: float, n: int, *, chance: float, reference_key=None, bar: float | None = None
) -> Verdict:
    """The verdict on an accuracy: its standard error, against chance, a bar and the reference.

    The reference machine's figure is ``value``'s own when it is a Figure; ``reference_key``
    (``(notebook, key)``, a number or a Figure) names another.
    ``bar`` is what the course expects in the full profile on the generated dataset: reported,
    never required.
    """
    se = standard_error(value, n)
    text = f"**This run:** {name} {value:.3f} ± {se:.3f} (one standard error over {n:,} images)"
    margin = (value - chance) / max(se, 1e-12)
    text += (
        f", {margin:.0f} standard errors above chance ({chance:.3f})."
        if margin >= 2
        else f", **not clearly above chance ({chance:.3f})**: the model has not learned yet."
    )
    if bar is not None:
        text += (
            f" The course's goal for its own dataset in the full profile is {bar:.2f}: "
            f"{'reached' if value >= bar else 'not reached here'}."
        )
    ref = _reference_one(reference_key, value)
    if ref is None:
        return Verdict(text + " (The reference machine has no figure for this.)", None)
    diff = value - ref
    close = abs(diff) <= 2 * math.hypot(se, standard_error(ref, n))
    text += f" **Reference machine:** {ref:.3f} ({diff * 100:+.1f} points here)"
    if close:
        return Verdict(text + ", the same within noise.", True)
    return Verdict(
        text + ", more than noise explains." + _because(likely_reasons(("data",))), False
    )


def against_reference(
    name: str,
    value: float,
    unit: str | None = None,
    notebook: str | None = None,
    key: str | None = None,
    *,
    lower_is_better: bool | None = None,
    reasons: tuple[str, ...] = ("speed",),
) -> Verdict:
    """One figure beside the reference machine's: *yours · reference · ratio*. Give a Figure
    (its unit and key are its own), or a number with its unit, notebook and key."""
    if isinstance(value, figures.Figure):
        unit = value.unit if unit is None else unit
        ref = value.reference if key is None else reference_value(notebook, key)
    else:
        ref = None if key is None else reference_value(notebook, key)
    unit = unit or ""
    text = f"**{name}:** this machine {_num(value, unit)}"
    if ref is None or ref == 0:
        return Verdict(text + " (the reference machine has no figure for this).", None)
    ratio = value / ref
    text += f" · reference machine {_num(ref, unit)} · ratio {ratio:.2f}×"
    if lower_is_better is None:
        return Verdict(text + ".", None)
    if abs(ratio - 1) <= NOISE or (ratio < 1) == lower_is_better:
        return Verdict(
            text + (" (about the same)." if abs(ratio - 1) <= NOISE else " (better here)."), True
        )
    return Verdict(text + " (worse here)." + _because(likely_reasons(reasons)), False)


def accuracy_gap(
    name_a: str,
    a: float,
    n_a: int,
    name_b: str,
    b: float,
    n_b: int,
    *,
    reference=None,
    reference_n: tuple[int, int] | None = None,
) -> Verdict:
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
        return (
            f"{name_a if sign > 0 else name_b} higher by {abs(x - y) / noise:.1f} standard errors"
        )

    gap = a - b
    text = (
        f"**This run:** {name_a} {a:.3f} ± {se_a:.3f} ({n_a:,} images), {name_b} {b:.3f} ± "
        f"{se_b:.3f} ({n_b:,} images): a gap of {gap * 100:+.1f} ± {se * 100:.1f} points, "
        f"{said(a, b, se)}."
    )
    ref_a, ref_b = _reference_pair(reference, a, b)
    if ref_a is None or ref_b is None:
        return Verdict(text + " (The reference machine has no figure for this comparison.)", None)
    ref_n_a, ref_n_b = reference_n or (n_a, n_b)
    ref_se = max(math.hypot(standard_error(ref_a, ref_n_a), standard_error(ref_b, ref_n_b)), 1e-12)
    text += (
        f" **Reference machine:** {ref_a:.3f} and {ref_b:.3f}, a gap of "
        f"{(ref_a - ref_b) * 100:+.1f} points, {said(ref_a, ref_b, ref_se)}."
    )
    if outcome(a, b, se) == outcome(ref_a, ref_b, ref_se):
        return Verdict(text + " The same outcome.", True)
    return Verdict(
        text + " **This run differs from the reference.**" + _because(likely_reasons(("data",))),
        False,
    )


def seeds_compared(
    name_a: str, values_a, name_b: str, values_b, n: int, *, reference=None
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
    noise = max(
        math.sqrt(
            spread(a) ** 2 / len(a)
            + spread(b) ** 2 / len(b)
            + standard_error(mean_a, n) ** 2
            + standard_error(mean_b, n) ** 2
        ),
        1e-12,
    )

    def outcome(x: float, y: float) -> int:
        return 0 if abs(x - y) <= 2 * noise else (1 if x > y else -1)

    def said(x: float, y: float) -> str:
        sign = outcome(x, y)
        if sign == 0:
            return "**within noise** (less than two standard errors)"
        return (
            f"{name_a if sign > 0 else name_b} higher, by {abs(x - y) / noise:.1f} standard errors"
        )

    def described(name: str, v: list[float]) -> str:
        seeds = f"{len(v)} seeds" if len(v) > 1 else "1 seed"
        return (
            f"{name} {statistics.fmean(v):.3f} (± {spread(v):.3f} over {seeds}, from "
            f"{min(v):.3f} to {max(v):.3f})"
        )

    text = (
        f"**This run:** {described(name_a, a)}, {described(name_b, b)}, on {n:,} images: a "
        f"difference of {(mean_a - mean_b) * 100:+.1f} ± {noise * 100:.1f} points, "
        f"{said(mean_a, mean_b)}."
    )
    ref_a, ref_b = _reference_pair(reference)
    if ref_a is None or ref_b is None:
        return Verdict(text + " (The reference machine has no figure for this comparison.)", None)
    text += (
        f" **Reference machine:** {ref_a:.3f} and {ref_b:.3f}, a difference of "
        f"{(ref_a - ref_b) * 100:+.1f} points, {said(ref_a, ref_b)} (judged with this run's "
        "noise)."
    )
    if outcome(mean_a, mean_b) == outcome(ref_a, ref_b):
        return Verdict(text + " The same outcome.", True)
    return Verdict(
        text + " **This run differs from the reference.**" + _because(likely_reasons(("data",))),
        False,
    )


# ---------------------------------------------------------------- predictions


def reveal(
    what: str,
    predicted,
    measured,
    *,
    unit: str = "",
    why: tuple[str, ...] | list[str] = (),
    reference_key=None,
) -> Verdict:
    """The reveal of a prediction: the student's guess beside this run's measurement (and the
    reference machine's, with ``reference_key``), by how much it missed, and why a guess can miss
    (``why``: the notebook's reasons, e.g. "gzip finds runs of zeros, not just zeros").

    ``predicted`` and ``measured`` are numbers, or two choices (strings) such as "faster" and
    "slower". ``agrees`` is True when the guess is within 20 % of the measurement (or names the
    same choice); a prediction is graded on being made, never on ``agrees``.
    """
    if isinstance(predicted, str) or isinstance(measured, str):
        hit = str(predicted).strip().lower() == str(measured).strip().lower()
        text = (
            f"**{what}.** You predicted *{predicted}*; this run measured *{measured}*"
            f"{': the same.' if hit else '.'}"
        )
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
                factor = (
                    f"{results.format_number(ratio)}× your guess"
                    if ratio >= 1
                    else f"{results.format_number(1 / ratio)}× smaller than your guess"
                )
                miss = f"off by {gap}: the measurement is {factor}"
            else:
                miss = f"off by {gap}"
        text = (
            f"**{what}.** You predicted {_num(guess, unit)}; this run measured "
            f"{_num(value, unit)} ({miss})."
        )
    ref = _reference_one(reference_key, measured)
    if ref is not None:
        text += f" The reference machine measured {_num(ref, unit)}."
    if why and not hit:
        text += " Why a guess can miss here: " + "; ".join(why) + "."
    return Verdict(text, hit)
