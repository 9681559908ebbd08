"""Notebook 02: the checkers of the training exercises (the parameter count, reading a
learning curve)."""

from __future__ import annotations

import numbers

from utils.exercises.base import NotYet, _correct


def check_parameter_count(
    predicted: int, *, filters: tuple[int, ...], num_classes: int, image_size: int
) -> None:
    """Notebook 02: predict the parameter count of the course's CNN with other filter counts."""
    from utils import training

    actual = training.small_cnn(num_classes, image_size, filters).count_params()
    if predicted == actual:
        _correct(
            f"{actual:,} parameters. The convolutions hold almost all of them, and the image "
            "size does not matter: a kernel is the same size wherever it slides."
        )
        return
    hint = (
        "did you count BatchNormalization's 4 numbers per channel (2 trained, 2 running "
        "statistics) and the Dense layer's biases?"
        if predicted < actual
        else "the convolutions have no bias (use_bias=False); BatchNormalization supplies it."
    )
    raise NotYet(
        f"predicted {predicted:,}, but the model has {actual:,} parameters "
        f"({actual - predicted:+,}); {hint}"
    )


def check_learning_curve(
    best_epoch: int,
    epochs_after_best: int,
    stopped_early: bool,
    history: dict,
    *,
    planned_epochs: int,
    patience: int = 4,
    start_from_epoch: int = 0,
) -> None:
    """Notebook 02: read a run's history. Which epoch was best (validation accuracy among the
    epochs after the first ``start_from_epoch``, those early stopping watched and BestWeights
    chose from; the first on a tie, as only a strictly better value counts), how many epochs ran
    after it, and whether early stopping ended the run before ``planned_epochs``.

    Every run has an answer, whether early stopping fired, the last epoch was the best, or the
    run was a single epoch; the message says what that history means.
    """
    accuracy = [float(v) for v in history.get("val_accuracy", [])]
    if not accuracy or len(accuracy) != len(history.get("loss", accuracy)):
        raise ValueError(
            "The history needs one val_accuracy (and loss) per epoch run: pass the "
            "history that training returned."
        )
    if len(accuracy) > planned_epochs:
        raise ValueError(
            f"The history has {len(accuracy)} epochs, more than the "
            f"{planned_epochs} planned: pass the run's planned epochs."
        )
    run = len(accuracy)
    if not 0 <= start_from_epoch < run:
        raise ValueError(
            f"start_from_epoch is {start_from_epoch}, but {run} epoch(s) ran: pass the "
            "history's start_from_epoch."
        )
    watched = accuracy[start_from_epoch:]
    best = start_from_epoch + watched.index(max(watched)) + 1
    after, early = run - best, run < planned_epochs
    for name, value in (("best_epoch", best_epoch), ("epochs_after_best", epochs_after_best)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise NotYet(f"{name} should be a whole number of epochs, not {value!r}.")
    if best_epoch != best:
        if best_epoch == best - 1:
            hint = "epochs count from 1, so add 1 to a list index."
        elif 1 <= best_epoch <= start_from_epoch:
            hint = (
                f"early stopping watched only from epoch {start_from_epoch + 1} on, and the "
                "weights kept are the best of those."
            )
        elif 1 <= best_epoch <= run and accuracy[best_epoch - 1] == max(watched):
            hint = (
                "that epoch ties with an earlier one; BestWeights keeps the first, as only "
                "a strictly higher accuracy counts as better."
            )
        else:
            hint = "look for the highest validation accuracy (val_accuracy, not accuracy)."
        raise NotYet(
            f"epoch {best_epoch} is not the best: validation accuracy peaks at "
            f"{max(watched):.3f} in epoch {best}; {hint}"
        )
    if epochs_after_best != after:
        raise NotYet(
            f"the run has {run} epoch(s) and the best is epoch {best}, so "
            f"{after} ran after it, not {epochs_after_best}."
        )
    if bool(stopped_early) != early:
        raise NotYet(
            f"{run} of {planned_epochs} planned epochs ran, so early stopping "
            f"{'did' if early else 'did not'} end the run: stopped_early is {early}."
        )
    if after == 0:
        meaning = (
            "the last epoch was the best, so the run ended with validation accuracy still "
            "improving or level; whether by more than noise, the verdict under the test "
            "accuracy says."
        )
    elif early:
        meaning = (
            f"for {patience} watched epochs (the patience) validation accuracy did not beat "
            f"its best by more than noise, so early stopping ended the run, and epoch {best}'s "
            "weights, the best watched, were restored."
        )
    else:
        meaning = (
            f"{after} epoch(s) after the best brought no gain, fewer than the patience "
            f"({patience}), so the run went on to its planned end; epoch {best}'s weights "
            "were restored."
        )
    _correct(f"best epoch {best} of {run}; {meaning}")
