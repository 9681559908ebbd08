"""Notebooks 02 and 04: verdicts on how far training went, judged against the validation and test
splits' standard errors.

:func:`training_stop` reads a training history (notebook 02): did the run stop, early or at its
planned end, while its validation accuracy was still rising by more than noise, or had it
plateaued? :func:`finetuned_against_dense` (appendix A4) asks the same of the dense model from
the other side: a pruned copy fine-tuned from its weights that scores clearly higher on test says
the dense model had not finished learning.

The trend is a least-squares line through the validation accuracies of the last ``patience``
epochs (those early stopping judged when it fired), its rise over them called real only beyond two
standard errors. A run's epochs are measured on the same images, so their errors are correlated
and the binomial standard error, which treats them as independent, overstates the noise of a
trend: the test is conservative, and calls a run undertrained only on clear evidence.
"""

from __future__ import annotations

import dataclasses
import math
import statistics

from utils.verdicts.accuracy import difference_error, standard_error
from utils.verdicts.base import Verdict, fold, verdict


@dataclasses.dataclass(frozen=True)
class TrainingStop:
    """How a training run ended, from its history (:func:`training_stop`); shown as Markdown, one
    sentence with the trend it was judged on folded beneath (:func:`utils.verdicts.base.fold`)."""

    epochs_run: int
    planned_epochs: int
    patience: int
    best_epoch: int  # counted from 1: the best watched epoch, restored (the first on a tie)
    best_accuracy: float
    n_validation: int
    window: int  # the last epochs the trend is fitted to
    rise: float  # the trend's rise over the window, as a fraction (0.05: 5 points)
    noise: float  # two standard errors of that rise
    still_improving: bool | None  # None: a single epoch has no trend

    @property
    def stopped_early(self) -> bool:
        return self.epochs_run < self.planned_epochs

    @property
    def _trend(self) -> str:
        first = self.epochs_run - self.window + 1
        return (
            f"{self.rise * 100:+.1f} points over epochs {first}–{self.epochs_run}, against "
            f"two standard errors of ± {self.noise * 100:.1f} points on "
            f"{self.n_validation:,} validation images"
        )

    @property
    def _ran(self) -> str:
        if self.stopped_early:
            return (
                f"early stopping ended the run after {self.epochs_run} of "
                f"{self.planned_epochs} planned epochs"
            )
        return f"the run used all {self.planned_epochs} planned epochs"

    @property
    def headline(self) -> str:
        """The one sentence shown: how the run ended."""
        best = f"best {self.best_accuracy:.3f} at epoch {self.best_epoch}"
        if self.still_improving is None:
            return f"**Too short to judge:** {self._ran}, too few for a trend ({best})."
        if self.still_improving:
            return (
                f"**Stopped while still improving:** {self._ran}; the model is undertrained "
                f"({best})."
            )
        return f"**Plateaued:** {self._ran} ({best})."

    @property
    def details(self) -> str:
        """The trend it was judged on, folded beneath the headline."""
        if self.still_improving is None:
            return ""
        return f"Validation accuracy {'rose' if self.still_improving else 'moved'} {self._trend}."

    @property
    def text(self) -> str:
        return f"{self.headline} {self.details}".strip()

    @property
    def markdown(self) -> str:
        return fold(self.headline, self.details, "How it was judged")

    @property
    def reason(self) -> str:
        """Why an accuracy can fall short when the run stopped while still improving."""
        return (
            f"{self._ran} while validation accuracy was still rising ({self.rise * 100:+.1f} "
            f"points over its last {self.window}), so this model is undertrained and the gap "
            "cannot be put on the images"
        )

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __str__(self) -> str:
        return self.markdown


def training_stop(history: dict, n_validation: int) -> TrainingStop:
    """Judge a run from its history (the dict ``training.trained_model`` returns: one
    ``val_accuracy`` per epoch, ``planned_epochs``, ``patience`` and ``start_from_epoch``, the
    epochs early stopping left unwatched, 0 when absent) and its validation count.

    Still improving: the least-squares rise of the validation accuracy over the last ``patience``
    epochs (all of them when fewer ran) exceeds two of its standard errors. For accuracies
    ``y`` at epochs ``x = 0 … k−1`` the slope is ``Σ(x − x̄)(y − ȳ) / Sxx`` with
    ``Sxx = Σ(x − x̄)²``; the rise is the slope × (k − 1), and its standard error
    (k − 1) · σ / √Sxx, where σ = √(p(1 − p)/n) at the window's mean accuracy p.
    """
    accuracies = [float(v) for v in history.get("val_accuracy", [])]
    planned, patience = history.get("planned_epochs"), history.get("patience")
    if not accuracies or not all(0 <= a <= 1 for a in accuracies):
        raise ValueError(
            "The history needs one val_accuracy (a fraction from 0 to 1) per epoch run: pass "
            "the history that training.trained_model returned."
        )
    if not isinstance(planned, int) or not isinstance(patience, int) or patience < 1:
        raise ValueError(
            "The history needs planned_epochs and patience (whole numbers): pass the history "
            "that training.trained_model returned, or add them."
        )
    if planned < len(accuracies) or n_validation < 1:
        raise ValueError(
            f"{len(accuracies)} epochs ran of {planned} planned on {n_validation} validation "
            "images: pass the run's planned epochs and its validation split's image count."
        )
    start = history.get("start_from_epoch", 0)
    if not isinstance(start, int) or not 0 <= start < len(accuracies):
        raise ValueError(
            f"start_from_epoch is {start!r}: give the epochs early stopping left unwatched, a "
            f"whole number from 0 to {len(accuracies) - 1}, as training.trained_model records."
        )
    watched = accuracies[start:]  # the epochs early stopping judged and BestWeights chose from
    best = max(watched)
    window = accuracies[-min(patience, len(accuracies)) :]
    k = len(window)
    rise = noise = 0.0
    improving = None
    if k >= 2:
        x_mean = (k - 1) / 2
        sxx = sum((x - x_mean) ** 2 for x in range(k))
        y_mean = statistics.fmean(window)
        slope = sum((x - x_mean) * (y - y_mean) for x, y in enumerate(window)) / sxx
        rise = slope * (k - 1)
        noise = 2 * (k - 1) * standard_error(y_mean, n_validation) / math.sqrt(sxx)
        improving = rise > noise
    return TrainingStop(
        epochs_run=len(accuracies),
        planned_epochs=planned,
        patience=patience,
        best_epoch=start + watched.index(best) + 1,
        best_accuracy=best,
        n_validation=n_validation,
        window=k,
        rise=rise,
        noise=noise,
        still_improving=improving,
    )


TEST_USED = (
    "the test: the difference against two standard errors of the difference, √(se₁² + se₂²), "
    "treating the two accuracies as independent, which is conservative on the same images"
)


def finetuned_against_dense(dense: float, variants: dict, n_test: int) -> Verdict:
    """Whether fine-tuning beat the dense model by more than noise (appendix A4).

    ``variants`` maps a fine-tuned model's name to its ``(validation, test)`` accuracies; the one
    with the highest validation accuracy (the first on a tie) is chosen, so that the test split
    only reports, and its test accuracy is compared with the dense model's ``dense`` on the same
    ``n_test`` images (:data:`TEST_USED`). No reference figure is compared: ``agrees`` is None.
    """
    if not variants:
        raise ValueError("Give at least one fine-tuned variant: {name: (validation, test)}.")
    name = max(variants, key=lambda v: variants[v][0])
    test = float(variants[name][1])
    noise = 2 * difference_error(dense, n_test, test, n_test)
    gap = test - dense
    said = (
        f"{name}, the best on validation, scored {test:.3f} against the dense model's "
        f"{dense:.3f} on {n_test:,} test images: {gap * 100:+.1f} points, two standard errors "
        f"± {noise * 100:.1f} ({TEST_USED})."
    )
    if gap > noise:
        headline = (
            f"**Fine-tuning raised accuracy by {gap * 100:.1f} points, more than noise: the dense "
            "model was undertrained.**"
        )
    else:
        headline = "No fine-tuned variant beat the dense model by more than noise."
    return verdict(headline, None, said, summary="The figures and the test used")
