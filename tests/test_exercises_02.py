"""Notebook 02's checkers: the parameter count and reading a learning curve."""

import re

import pytest

from utils import exercises


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


CURVE = {
    "loss": [1.0, 0.6, 0.4, 0.3, 0.3, 0.2],
    "val_loss": [0.9, 0.5, 0.6, 0.7, 0.7, 0.8],
    "val_accuracy": [0.5, 0.8, 0.75, 0.7, 0.8, 0.79],
}  # epoch 5 ties epoch 2: 2 stays best


def curve(val_accuracy):
    return {"loss": [1.0] * len(val_accuracy), "val_accuracy": val_accuracy}


def test_learning_curve_checker_accepts_an_early_stop(capsys):
    # 6 of 15 epochs: 4 without improvement after epoch 2, so early stopping fired
    exercises.check_learning_curve(2, 4, True, CURVE, planned_epochs=15, patience=4)
    out = capsys.readouterr().out
    assert "best epoch 2 of 6" in out and "early stopping ended the run" in out


def test_learning_curve_checker_counts_only_the_watched_epochs(capsys):
    # start_from_epoch 2: epochs 3-6 watched (0.75, 0.7, 0.8, 0.79), so epoch 5 is best, 1 after
    exercises.check_learning_curve(5, 1, True, CURVE, planned_epochs=15, start_from_epoch=2)
    assert "best epoch 5 of 6" in capsys.readouterr().out
    with pytest.raises(exercises.NotYet, match="watched only from epoch 3"):
        exercises.check_learning_curve(2, 4, True, CURVE, planned_epochs=15, start_from_epoch=2)


@pytest.mark.parametrize(
    "history, planned, answer, says",
    [
        (curve([0.4, 0.5, 0.6]), 3, (3, 0, False), "still improving"),  # the best is the last
        (curve([0.4]), 1, (1, 0, False), "still improving"),  # a single epoch
        (curve([0.4, 0.7, 0.6]), 3, (2, 1, False), "went on to its planned end"),  # no early stop
        (curve([0.6, 0.6, 0.6]), 3, (1, 2, False), "went on to its planned end"),  # all tied
    ],
)
def test_learning_curve_checker_has_an_answer_for_every_history(
    history, planned, answer, says, capsys
):
    exercises.check_learning_curve(*answer, history, planned_epochs=planned)
    assert says in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, says",
    [
        ((1, 4, True), "add 1 to a list index"),
        ((5, 1, True), "ties with an earlier one"),
        ((6, 0, True), "val_accuracy, not accuracy"),
        ((2, 3, True), "so 4 ran after it, not 3"),
        ((2, 4, False), "stopped_early is True"),
        ((2.0, 4, True), "whole number of epochs"),
        ((True, 4, True), "whole number of epochs"),
    ],
)
def test_learning_curve_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_learning_curve(*answer, CURVE, planned_epochs=15)


def test_a_run_that_used_every_planned_epoch_did_not_stop_early():
    with pytest.raises(exercises.NotYet, match="stopped_early is False"):
        exercises.check_learning_curve(3, 0, True, curve([0.4, 0.5, 0.6]), planned_epochs=3)


def test_learning_curve_checker_rejects_a_history_it_cannot_read():
    with pytest.raises(ValueError, match="one val_accuracy"):
        exercises.check_learning_curve(
            1, 0, False, {"loss": [], "val_accuracy": []}, planned_epochs=3
        )
    with pytest.raises(ValueError, match="more than the 2 planned"):
        exercises.check_learning_curve(3, 0, False, curve([0.4, 0.5, 0.6]), planned_epochs=2)
