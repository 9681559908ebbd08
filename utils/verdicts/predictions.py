"""Notebooks 00-08: the reveal of a student's prediction beside this run's measurement: one
sentence shown, how far off and why a guess can miss folded beneath it."""

from __future__ import annotations

import math

from utils import results, validate
from utils.verdicts.base import Verdict, _num, _reference_one, verdict


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
    off = ""
    if isinstance(predicted, str) or isinstance(measured, str):
        hit = str(predicted).strip().lower() == str(measured).strip().lower()
        headline = (
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
            off = f"The guess was off by {_num(abs(value - guess), unit)}."
            if guess > 0 and value > 0:
                ratio = value / guess
                miss = (
                    f"{results.format_number(ratio)}× your guess"
                    if ratio >= 1
                    else f"{results.format_number(1 / ratio)}× smaller than your guess"
                )
            else:
                miss, off = f"off by {_num(abs(value - guess), unit)}", ""
        headline = (
            f"**{what}.** You predicted {_num(guess, unit)}; this run measured "
            f"{_num(value, unit)} ({miss})."
        )
    ref = _reference_one(reference_key, measured)
    return verdict(
        headline,
        hit,
        off,
        "" if ref is None else f"The reference machine measured {_num(ref, unit)}.",
        "Why a guess can miss here: " + "; ".join(why) + "." if why and not hit else "",
        summary="How far off, and why",
    )
