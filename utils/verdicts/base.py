"""Notebooks 00-08: the verdict itself, a generated sentence, and the pieces every verdict uses.

A :class:`Verdict` is Markdown and whether this run agrees with the reference machine; ``NOISE``
is how close two timings must be to count as "about the same"; the helpers format a number, say
the likely reasons, and find the reference machine's figures (:mod:`utils.reference`).
"""

from __future__ import annotations

import dataclasses

from utils import figures, results
from utils.reference import reference_value

NOISE = 0.05  # two timings within 5 % of each other are "about the same"


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
