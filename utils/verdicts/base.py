"""Notebooks 00-08: the verdict itself, a generated sentence, and the pieces every verdict uses.

A :class:`Verdict` is one sentence a student reads (what this run measured, and whether it agrees
with the reference machine), the details folded beneath it (:func:`fold`), and ``agrees``; every
builder composes one with :func:`verdict`. ``NOISE`` is how close two timings must be to count as
"about the same"; the helpers format a number, say the likely reasons, and find the reference
machine's figures (:mod:`utils.reference`).
"""

from __future__ import annotations

import dataclasses

from utils import figures, results
from utils.fold import SUMMARY, fold  # noqa: F401  (re-exported: verdicts.fold)
from utils.reference import describe, reference_machine, reference_value

NOISE = 0.05  # two timings within 5 % of each other are "about the same"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A generated verdict and whether this run agrees with the reference machine (None when the
    reference machine has no figure to compare with).

    ``headline`` is the one sentence shown (what this run measured, and whether that agrees with
    the reference machine); ``details`` (the reference machine's figures and description, the
    likely reasons, the caveats) fold beneath it. ``text`` is both, as plain Markdown.
    """

    headline: str
    agrees: bool | None
    details: str = ""
    summary: str = SUMMARY

    @property
    def text(self) -> str:
        return f"{self.headline} {self.details}".strip()

    @property
    def markdown(self) -> str:
        return fold(self.headline, self.details, self.summary)

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown


def verdict(headline: str, agrees: bool | None, *details: str, summary: str = SUMMARY) -> Verdict:
    """The one way a builder composes a verdict: the sentence shown, whether it agrees, and the
    pieces folded beneath it (empty pieces are left out)."""
    return Verdict(headline, agrees, " ".join(d.strip() for d in details if d.strip()), summary)


AGREES = {True: "as on the reference machine", False: "**unlike the reference machine**"}
NO_FIGURE = "The reference machine has no figure for this comparison."


def _on_reference(figures_said: str) -> str:
    """The details' sentence on the reference machine: its description, then its figures."""
    return f"**Reference machine** ({describe(reference_machine())}): {figures_said}"


def _num(value: float, unit: str = "") -> str:
    text = results.format_number(value)
    return f"{text} {unit}".strip() if unit else text


def _because(reasons: list[str]) -> str:
    if not reasons:
        return (
            "Nothing recorded about the two machines explains it: rerun the cell on a quiet "
            "machine to see whether the difference is noise."
        )
    return "Likely reasons: " + "; ".join(reasons) + "."


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
