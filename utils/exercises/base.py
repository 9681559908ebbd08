"""Notebooks 00-08: what every checker shares.

The solution markers, the verdict :class:`NotYet` a checker raises, the one closeness test
(:func:`close_to`), reading a number from an answer, and the prediction checker every notebook
calls before a measurement.
"""

from __future__ import annotations

import math
import numbers

from utils.verdicts.predictions import frozen_guess, same_guess


BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


class NotYet(AssertionError):
    """A checker's verdict that an answer is not right yet; shown without a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of the traceback
        return [f"✗ Not yet: {self}"]


class Unanswered(NotImplementedError):
    """What an exercise cell of a student copy raises until it is answered (nbgrader's stub, set in
    ``tools/grading.py``): shown as one line that says what to do, without a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of the traceback
        return [
            "✗ Not yet: this exercise has no answer yet. Write yours in place of `raise "
            "exercises.Unanswered()` in the exercise cell, run it, then run its check cell."
        ]


def _correct(message: str) -> None:
    print(f"✓ Correct: {message}")


def close_to(answer: float, *, rel_tol: float = 0.01, abs_tol: float = 0.0):
    """The checkers' one closeness test: ``near(value)`` says whether ``answer`` is within
    ``rel_tol`` (1 % by default) or ``abs_tol`` of ``value``; a checker tries the truth, then
    each typical mistake, with the same tolerance."""

    def near(value: float) -> bool:
        return math.isclose(answer, value, rel_tol=rel_tol, abs_tol=abs_tol)

    return near


def _number(answer, what: str) -> float:
    try:
        return float(answer)
    except (TypeError, ValueError):
        raise NotYet(f"the answer is {answer!r}; it should be a number of {what}.") from None


def check_prediction(
    prediction,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] | None = None,
    unit: str = "",
    question: str | None = None,
) -> None:
    """A prediction is graded on being made, not on being right: a number (finite, and inside
    [``low``, ``high``] where the question bounds it, e.g. a fraction) or one of ``choices``.
    The reveal after the measurement (``verdicts.reveal``) compares it with what was measured.

    ``question`` names the prediction (its variable's name, as the reveal names it): once the
    reveal has shown a guess, a different guess for the same question is refused for the rest of
    the kernel session, so the guess that counts is the one made before the measurement."""
    first = frozen_guess(question) if question is not None else None
    if first is not None and not same_guess(first, prediction):
        raise NotYet(
            f"your guess for `{question}` was {first!r} when the measurement revealed it, and it "
            f"stays frozen for this session: set it back to {first!r} (a guess changed after "
            "the answer is known is not a prediction)."
        )
    if prediction is None or prediction is ...:
        raise NotYet(
            "no prediction yet: write your guess into the variable before you run the "
            "measurement below (any honest guess earns the point)."
        )
    if choices is not None:
        if not isinstance(prediction, str) or prediction.strip().lower() not in [
            c.lower() for c in choices
        ]:
            raise NotYet(
                f"{prediction!r} is not one of the choices; write one of "
                + ", ".join(repr(c) for c in choices)
                + "."
            )
        print(
            f"✓ Prediction recorded: {prediction.strip()!r}. It is graded on being made; the "
            "measurement below reveals how it compares."
        )
        return
    if (
        isinstance(prediction, bool)
        or not isinstance(prediction, numbers.Real)
        or not math.isfinite(prediction)
    ):
        raise NotYet(
            f"the prediction is {prediction!r}; write a number{' in ' + unit if unit else ''}."
        )
    if (low is not None and prediction < low) or (high is not None and prediction > high):
        span = (
            f"between {low:g} and {high:g}"
            if low is not None and high is not None
            else (f"at least {low:g}" if low is not None else f"at most {high:g}")
        )
        raise NotYet(
            f"{prediction:g} cannot be right whatever the machine: the answer is {span}"
            f"{' ' + unit if unit else ''}."
        )
    print(
        f"✓ Prediction recorded: {prediction:g}{' ' + unit if unit else ''}. It is graded on "
        "being made; the measurement below reveals how it compares."
    )
