"""Notebooks 02-05 and 08: verdicts on accuracies, judged against their standard errors.

:func:`accuracy` judges one accuracy against chance, a bar and the reference machine;
:func:`accuracy_gap` and :func:`seeds_compared` judge the gap between two, with this run's
noise. Each shows one sentence and folds the standard errors, the reference machine's figures and
the likely reasons beneath it (:func:`utils.verdicts.base.verdict`).
"""

from __future__ import annotations

import math
import statistics

from utils.reference import likely_reasons
from utils.verdicts.base import (
    AGREES,
    NO_FIGURE,
    Verdict,
    _because,
    _on_reference,
    _reference_one,
    _reference_pair,
    verdict,
)


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
    margin = (value - chance) / max(se, 1e-12)
    measured = f"{name} {value:.3f} ± {se:.3f}, " + (
        f"{margin:.0f} standard errors above chance"
        if margin >= 2
        else "**not clearly above chance: the model has not learned yet**"
    )
    noise = f"One standard error over {n:,} images; chance is {chance:.3f}."
    goal = (
        ""
        if bar is None
        else f"The course's goal for its own dataset in the full profile is {bar:.2f}: "
        f"{'reached' if value >= bar else 'not reached here'}."
    )
    ref = _reference_one(reference_key, value)
    if ref is None:
        return verdict(measured + " (no reference figure).", None, noise, goal, NO_FIGURE)
    diff = value - ref
    on_reference = _on_reference(f"{ref:.3f} ({diff * 100:+.1f} points here).")
    if abs(diff) <= 2 * math.hypot(se, standard_error(ref, n)):
        return verdict(
            measured + ", the same as the reference machine's within noise.",
            True,
            noise,
            goal,
            on_reference,
        )
    if training is not None and training.still_improving:
        reasons = [training.reason, *likely_reasons(("training",))]
    else:
        reasons = likely_reasons(("data",))
    return verdict(
        f"{measured}; {diff * 100:+.1f} points from the reference machine's, "
        "**more than noise explains**.",
        False,
        noise,
        goal,
        on_reference,
        _because(reasons),
    )


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
            return "within noise"
        return (
            f"{name_a if sign > 0 else name_b} higher by {abs(x - y) / noise:.1f} standard errors"
        )

    measured = (
        f"{name_a} {a:.3f} and {name_b} {b:.3f}: a gap of {(a - b) * 100:+.1f} ± "
        f"{se * 100:.1f} points, {said(a, b, se)}"
    )
    noise = (
        f"One standard error: {name_a} ± {se_a:.3f} over {n_a:,} images, {name_b} ± {se_b:.3f} "
        f"over {n_b:,}; a gap counts only beyond two standard errors of the difference."
    )
    ref_a, ref_b = _reference_pair(reference, a, b)
    if ref_a is None or ref_b is None:
        return verdict(measured + " (no reference figure).", None, noise, NO_FIGURE)
    ref_n_a, ref_n_b = reference_n or (n_a, n_b)
    ref_se = max(difference_error(ref_a, ref_n_a, ref_b, ref_n_b), 1e-12)
    same = outcome(a, b, se) == outcome(ref_a, ref_b, ref_se)
    return verdict(
        f"{measured}, {AGREES[same]}.",
        same,
        noise,
        _on_reference(
            f"{ref_a:.3f} and {ref_b:.3f}, a gap of {(ref_a - ref_b) * 100:+.1f} points, "
            f"{said(ref_a, ref_b, ref_se)}."
        ),
        "" if same else _because(likely_reasons(("data",))),
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
            return "**within noise**"
        return (
            f"{name_a if sign > 0 else name_b} higher, by {abs(x - y) / noise:.1f} standard errors"
        )

    def described(name: str, v: list[float]) -> str:
        seeds = f"{len(v)} random seeds" if len(v) > 1 else "1 random seed"
        return (
            f"{name} {statistics.fmean(v):.3f} (± {spread(v):.3f} over {seeds}, from "
            f"{min(v):.3f} to {max(v):.3f})"
        )

    seeds = len(a) if len(a) == len(b) else f"{len(a)} and {len(b)}"
    measured = (
        f"{name_a} {mean_a:.3f} and {name_b} {mean_b:.3f} (means over {seeds} random "
        f"seed{'s' if len(a) + len(b) > 2 else ''}): {(mean_a - mean_b) * 100:+.1f} ± "
        f"{noise * 100:.1f} points, {said(mean_a, mean_b)}"
    )
    spreads = (
        f"{described(name_a, a)}, {described(name_b, b)}, on {n:,} images; a difference counts "
        "only beyond two standard errors, counting the random seeds and the images."
    )
    ref_a, ref_b = _reference_pair(reference)
    if ref_a is None or ref_b is None:
        return verdict(measured + " (no reference figure).", None, spreads, NO_FIGURE)
    same = outcome(mean_a, mean_b) == outcome(ref_a, ref_b)
    return verdict(
        f"{measured}, {AGREES[same]}.",
        same,
        spreads,
        _on_reference(
            f"{ref_a:.3f} and {ref_b:.3f}, a difference of {(ref_a - ref_b) * 100:+.1f} points, "
            f"{said(ref_a, ref_b)} (judged with this run's noise)."
        ),
        "" if same else _because(likely_reasons(("data",))),
    )
