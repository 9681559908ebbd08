"""Notebooks 02-05 and 08: verdicts on accuracies, judged against their standard errors.

:func:`accuracy` judges one accuracy against chance, a bar and the reference machine;
:func:`accuracy_gap` and :func:`seeds_compared` judge the gap between two, with this run's
noise.
"""

from __future__ import annotations

import math
import statistics

from utils.reference import likely_reasons
from utils.verdicts.base import Verdict, _because, _reference_one, _reference_pair


def standard_error(accuracy: float, n: int) -> float:
    """One standard error of an accuracy measured on ``n`` independent examples."""
    if not 0 <= accuracy <= 1 or n < 1:
        raise ValueError(
            f"accuracy {accuracy!r} on {n!r} examples: an accuracy is a fraction "
            "between 0 and 1 measured on at least one example."
        )
    return math.sqrt(accuracy * (1 - accuracy) / n)


def difference_error(a: float, n_a: int, b: float, n_b: int) -> float:
    """One standard error of the difference of two accuracies, √(se_a² + se_b²): treated as
    independent, which is conservative when both are measured on the same images."""
    return math.hypot(standard_error(a, n_a), standard_error(b, n_b))


def accuracy(
    name: str,
    value: float,
    n: int,
    *,
    chance: float,
    reference_key=None,
    bar: float | None = None,
    training=None,
) -> Verdict:
    """The verdict on an accuracy: its standard error, against chance, a bar and the reference.

    The reference machine's figure is ``value``'s own when it is a Figure; ``reference_key``
    (``(notebook, key)``, a number or a Figure) names another.
    ``bar`` is what the course expects in the full profile on the generated dataset: reported,
    never required. ``training`` is how the model's run ended (``verdicts.training_stop``): when
    it stopped while still improving, a gap to the reference is put on that, not on the images.
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
    if training is not None and training.still_improving:
        reasons = [training.reason, *likely_reasons(("training",))]
    else:
        reasons = likely_reasons(("data",))
    return Verdict(text + ", more than noise explains." + _because(reasons), False)


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
    se = max(difference_error(a, n_a, b, n_b), 1e-12)

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
    ref_se = max(difference_error(ref_a, ref_n_a, ref_b, ref_n_b), 1e-12)
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
