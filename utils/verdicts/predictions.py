"""Notebooks 00-08: the reveal of a student's prediction beside this run's measurement: one
sentence shown, how far off and why a guess can miss folded beneath it.

A prediction is frozen when it is revealed: :func:`reveal` with ``question`` (the prediction's
variable name) remembers the first guess it showed for the rest of the kernel session, shows that
guess again if the variable was changed afterwards, and ``exercises.check_prediction`` with the
same ``question`` refuses a changed guess (:func:`frozen_guess`). A restarted kernel forgets.
"""

from __future__ import annotations

import math

from utils import figures, results, validate
from utils.verdicts.base import Verdict, _num, _reference_one, verdict

_REVEALED: dict[str, object] = {}  # question -> the guess its first reveal showed (this kernel)
_NOTHING = object()


def same_guess(a, b) -> bool:
    """Two guesses are the same when equal (choices ignore case and surrounding spaces)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    return a == b


def frozen_guess(question: str):
    """The guess that ``question``'s first reveal showed in this kernel session, or ``None``
    when it has not been revealed yet (a guess is never ``None``: that is no guess)."""
    guess = _REVEALED.get(question, _NOTHING)
    return None if guess is _NOTHING else guess


def reveal(
    what: str,
    predicted,
    measured,
    *,
    unit: str = "",
    why: tuple[str, ...] | list[str] = (),
    reference_key=None,
    question: str | None = None,
    measured_on: str | None = None,
) -> Verdict:
    """The reveal of a prediction: the student's guess beside this run's measurement (and the
    reference machine's, with ``reference_key``), by how much it missed, and why a guess can miss
    (``why``: the notebook's reasons, e.g. "gzip finds runs of zeros, not just zeros").

    ``predicted`` and ``measured`` are numbers, or two choices (strings) such as "faster" and
    "slower". ``agrees`` is True when the guess is within 20 % of the measurement (or names the
    same choice); a prediction is graded on being made, never on ``agrees``.

    With ``question`` (the prediction's variable name) the guess is frozen: the first reveal in a
    kernel session records it, and a later reveal shows that first guess even if the variable was
    changed after it, saying so.

    A measurement timed while a class bundle was built is said to be that machine's: a Figure
    carries it (``Figure.measured_on``); for a choice derived from such figures pass
    ``measured_on`` (e.g. ``figures.measured_on(the_timing)``).
    """
    changed = ""
    if question is not None:
        first = frozen_guess(question)
        if first is None:
            _REVEALED[question] = predicted
        elif not same_guess(first, predicted):
            changed = (
                f"You changed `{question}` to {predicted!r} after its reveal; the first guess, "
                f"{first!r}, stands."
            )
            predicted = first
    off = ""
    elsewhere = measured_on or figures.measured_on(measured)  # timed while a bundle was built
    this_run = f"{results.BUNDLE_MACHINE} ({elsewhere}):" if elsewhere else "this run measured"
    if isinstance(predicted, str) or isinstance(measured, str):
        hit = str(predicted).strip().lower() == str(measured).strip().lower()
        headline = (
            f"**{what}.** You predicted *{predicted}*; {this_run} *{measured}*"
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
            f"**{what}.** You predicted {_num(guess, unit)}; {this_run} "
            f"{_num(value, unit)} ({miss})."
        )
    ref = _reference_one(reference_key, measured)
    return verdict(
        headline + (f" {changed}" if changed else ""),
        hit,
        off,
        "" if ref is None else f"The reference machine measured {_num(ref, unit)}.",
        "Why a guess can miss here: " + "; ".join(why) + "." if why and not hit else "",
        summary="How far off, and why",
    )
