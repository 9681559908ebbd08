"""Notebook 02's checkers: the parameter count, and early stopping's decision against Keras's
own EarlyStopping and the recipe's BestWeights (driven over the same accuracies, no training)."""

import re

import pytest

from utils import exercises, training
from utils.exercises import nb02


def test_parameter_count_checker_accepts_the_hand_count(capsys):
    # one block of 4 filters, 2 classes: conv 3*3*3*4 = 108, BatchNorm 4*4 = 16, dense 4*2 + 2 = 10
    exercises.check_parameter_count(134, filters=(4,), num_classes=2, image_size=16)
    assert "✓ Correct: 134 parameters" in capsys.readouterr().out


@pytest.mark.parametrize(
    "predicted, says", [(118, "BatchNormalization's 4 numbers"), (138, "no bias")]
)
def test_parameter_count_checker_hints_at_the_missing_part(predicted, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_parameter_count(predicted, filters=(4,), num_classes=2, image_size=16)


def solution(val_accuracy, patience, min_delta, start_from_epoch):  # the notebook's answer
    best_so_far, wait, best_epoch = float("-inf"), 0, None
    for epoch in range(start_from_epoch, len(val_accuracy)):
        value = val_accuracy[epoch]
        if best_epoch is None or value > val_accuracy[best_epoch - 1]:
            best_epoch = epoch + 1
        if value - min_delta > best_so_far:
            best_so_far, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1, best_epoch
    return len(val_accuracy), best_epoch


def student(
    val_accuracy,
    patience,
    min_delta,
    start_from_epoch,
    *,
    counts=lambda value, best, d: value - d > best,
    count_from=1,
    watch=True,
    watch_best=True,
    tie_keeps_first=True,
    keep="highest",
    stop_after=0,
):
    """The solution written with one typical mistake (the default arguments: none)."""
    first = start_from_epoch if watch else 0
    best_first = start_from_epoch if watch and watch_best else 0
    best_so_far, wait, last, improving = float("-inf"), 0, len(val_accuracy), None
    for epoch in range(first, len(val_accuracy)):
        if counts(val_accuracy[epoch], best_so_far, min_delta):
            best_so_far, wait, improving = val_accuracy[epoch], 0, epoch
        else:
            wait += 1
            if wait >= patience + stop_after:
                last = epoch + 1
                break
    ran = val_accuracy if keep == "whole run" else val_accuracy[:last]
    best = best_first
    for epoch in range(best_first, len(ran)):
        if ran[epoch] > ran[best] or (not tie_keeps_first and ran[epoch] == ran[best]):
            best = epoch
    if keep == "last improving":
        best = improving
    return last - 1 + count_from, best + count_from


def test_the_replay_is_keras_decision_worked_by_hand():
    # each case's (last epoch run, best epoch), from Keras's rule by hand (comments in _cases)
    by_hand = [(1, 1), (3, 2), (5, 3), (3, 2), (5, 2), (5, 2), (5, 5), (5, 3), (7, 7), (11, 10)]
    cases = nb02._cases()
    assert [training.replay_stopping(*case[1:]) for case in cases] == by_hand
    assert [nb02._decide(*case[1:]) for case in cases] == by_hand  # the rule the hints vary


def test_the_solution_agrees_with_keras(capsys):
    exercises.check_early_stopping(solution)
    assert "✓ Correct: all 10 runs agree" in capsys.readouterr().out


def previous_epoch(val_accuracy, patience, min_delta, start_from_epoch):
    """Compares each epoch with the one before it, not with Keras's best."""
    wait, best = 0, start_from_epoch
    for epoch in range(start_from_epoch + 1, len(val_accuracy)):
        if val_accuracy[epoch] > val_accuracy[best]:
            best = epoch
        if val_accuracy[epoch] - min_delta > val_accuracy[epoch - 1]:
            wait = 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1, best + 1
    return len(val_accuracy), best + 1


@pytest.mark.parametrize(
    "mistake, says",
    [
        (dict(counts=lambda v, b, d: v - d >= b), "exactly min_delta does not count"),
        (dict(counts=lambda v, b, d: v > b), "by more than min_delta"),
        (dict(count_from=0), "epochs count from 1"),
        (dict(watch=False), "before start_from_epoch (counted from 0) are not watched"),
        (dict(watch_best=False), "chooses only among the watched epochs"),
        (dict(keep="last improving"), "not the last epoch that beat the best"),
        (dict(keep="whole run"), "the epochs after the stop never ran"),
        (dict(tie_keeps_first=False), "on a tie BestWeights keeps the first"),
        (dict(stop_after=1), "not one epoch later"),
        (dict(stop_after=-1), "not one epoch sooner"),
    ],
)
def test_each_typical_mistake_gets_its_hint(mistake, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_early_stopping(lambda *args: student(*args, **mistake))


def test_comparing_with_the_previous_epoch_gets_its_hint():
    with pytest.raises(exercises.NotYet, match="not with the epoch before"):
        exercises.check_early_stopping(previous_epoch)


def test_a_running_maximum_as_keras_best_gets_its_hint():
    def plain_maximum(val_accuracy, patience, min_delta, start_from_epoch):
        top, wait, best = float("-inf"), 0, None
        for epoch in range(start_from_epoch, len(val_accuracy)):
            value = val_accuracy[epoch]
            if best is None or value > val_accuracy[best - 1]:
                best = epoch + 1
            wait = 0 if value - min_delta > top else wait + 1
            top = max(top, value)  # a small gain moves the best too: wrong
            if wait >= patience:
                return epoch + 1, best
        return len(val_accuracy), best

    with pytest.raises(exercises.NotYet, match="small gains add up"):
        exercises.check_early_stopping(plain_maximum)


@pytest.mark.parametrize(
    "answer, says",
    [
        (lambda *a: None, "return two epochs"),
        (lambda *a: (None, 1), "len\\(val_accuracy\\)"),
        (lambda *a: (1.0, 1), "whole number of epochs"),
        (lambda *a: (True, 1), "whole number of epochs"),
        (lambda *a: (9, 9), "the epochs run differs"),
    ],
)
def test_answers_of_the_wrong_form_are_named(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_early_stopping(answer)


def test_a_function_that_changes_its_input_is_named():
    def sorts(val_accuracy, *args):
        result = solution(val_accuracy, *args)
        val_accuracy.sort()
        return result

    with pytest.raises(exercises.NotYet, match="changed the list"):
        exercises.check_early_stopping(sorts)


def test_an_unanswered_exercise_says_so():
    def unanswered(*args):
        raise exercises.Unanswered()

    with pytest.raises(exercises.Unanswered):
        exercises.check_early_stopping(unanswered)
