"""Notebooks 00-08: verdicts on timings, "A is faster than B", and one figure beside the reference.

:func:`faster`, :func:`higher` and :func:`lower` compare two measurements with this run's
outcome beside the reference machine's; :func:`against_reference` sets one figure beside the
reference machine's with the ratio of the two. Each shows one sentence and folds the reference
machine's figures and the likely reasons beneath it (:func:`utils.verdicts.base.verdict`). A
Figure measured while a class bundle's artifact was built (``Figure.measured_on``) is said to be
measured on the machine that built the bundle, never on this one.
"""

from __future__ import annotations

from utils import figures, validate
from utils.results import BUNDLE_MACHINE
from utils.reference import likely_reasons, reference_value
from utils.verdicts.base import (
    AGREES,
    NO_FIGURE,
    NOISE,
    Verdict,
    _because,
    _num,
    _on_reference,
    _outcome,
    _reference_pair,
    verdict,
)


def _bundled(*values) -> str:
    """The clause for figures measured on the machine that built the class bundle ("" if none)."""
    machines = list(dict.fromkeys(m for m in map(figures.measured_on, values) if m))
    if not machines:
        return ""
    return f" ({BUNDLE_MACHINE} ({'; '.join(machines)}), not on this one)"


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
    measured = (
        f"{name_a} {quantity} {_num(a, unit)} and {name_b} {_num(b, unit)}: {name_a} was "
        f"{said(a, b)}{_bundled(a, b)}"
    )
    ref_a, ref_b = _reference_pair(reference, a, b)
    if ref_a is None or ref_b is None:
        return verdict(measured + " (no reference figure).", None, NO_FIGURE)
    same = here == _outcome(gain(ref_a, ref_b), tolerance)
    return verdict(
        f"{measured}, {AGREES[same]}.",
        same,
        _on_reference(f"{_num(ref_a, unit)} and {_num(ref_b, unit)}, {said(ref_a, ref_b)}."),
        "" if same else _because(likely_reasons(reasons)),
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
    """One figure beside the reference machine's: yours and the ratio shown, the reference
    machine's folded beneath. Give a Figure
    (its unit and key are its own), or a number with its unit, notebook and key."""
    if isinstance(value, figures.Figure):
        unit = value.unit if unit is None else unit
        ref = value.reference if key is None else reference_value(notebook, key)
    else:
        ref = None if key is None else reference_value(notebook, key)
    unit = unit or ""
    elsewhere = figures.measured_on(value)
    here = f"{BUNDLE_MACHINE} ({elsewhere})" if elsewhere else "here"
    measured = f"**{name}:** {_num(value, unit)} {here}"
    if ref is None or ref == 0:
        return verdict(measured + " (the reference machine has no figure for this).", None)
    ratio = value / ref
    measured += f", {ratio:.2f}× the reference machine's"
    on_reference = _on_reference(f"{_num(ref, unit)}.")
    where = "on the bundle's machine" if elsewhere else "here"
    if lower_is_better is None:
        return verdict(measured + ".", None, on_reference)
    if abs(ratio - 1) <= NOISE:
        return verdict(measured + " (about the same).", True, on_reference)
    if (ratio < 1) == lower_is_better:
        return verdict(measured + f" (better {where}).", True, on_reference)
    return verdict(
        measured + f" (**worse {where}**).", False, on_reference, _because(likely_reasons(reasons))
    )
