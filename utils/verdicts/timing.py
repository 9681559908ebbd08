"""Notebooks 00-08: verdicts on timings, "A is faster than B", and one figure beside the reference.

:func:`faster`, :func:`higher` and :func:`lower` compare two measurements with this run's
outcome beside the reference machine's; :func:`against_reference` sets one figure beside the
reference machine's with the ratio of the two.
"""

from __future__ import annotations

from utils import figures, validate
from utils.reference import describe, likely_reasons, reference_machine, reference_value
from utils.verdicts.base import NOISE, Verdict, _because, _num, _outcome, _reference_pair


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
