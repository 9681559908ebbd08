"""Notebook 04b's checkers: the rarely firing channels (the L1-norm checker's tests are in
test_pruning_exercise.py; 04a's checkers are tested in test_exercises_04a.py)."""

import re

import numpy as np
import pytest

from utils import exercises


RATES = {
    "re_lu": np.array([0.0, 0.5, 0.05]),  # 2 of 3 rare
    "re_lu_1": np.array([0.02, 0.01, 0.9, 0.8, 0.03, 0.7]),
}  # 3 of 6 rare


def test_rare_units_right_answer(capsys):
    exercises.check_rare_units({"re_lu": 2, "re_lu_1": 3}, "re_lu_1", RATES, 0.05)
    assert "✓ Correct" in capsys.readouterr().out


def test_rare_units_ties_accept_either_layer(capsys):
    rates = {"a": np.array([0.0, 0.9]), "b": np.array([0.9, 0.0, 0.9])}
    for layer in ("a", "b"):
        exercises.check_rare_units({"a": 1, "b": 1}, layer, rates, 0.0)
    assert capsys.readouterr().out.count("✓ Correct") == 2


def test_rare_units_none_when_no_layer_has_any(capsys):
    exercises.check_rare_units({"re_lu": 0, "re_lu_1": 0}, None, RATES, -1.0)
    assert "✓ Correct" in capsys.readouterr().out
    with pytest.raises(exercises.NotYet, match="answer None"):
        exercises.check_rare_units({"re_lu": 0, "re_lu_1": 0}, "re_lu", RATES, -1.0)


@pytest.mark.parametrize(
    "counts, layer, says",
    [
        ([2, 3], "re_lu_1", "dict with one count per ReLU layer"),
        ({"re_lu": 2}, "re_lu_1", "dict with one count per ReLU layer"),
        ({"re_lu": 2 / 3, "re_lu_1": 0.5}, "re_lu_1", "share of the layer's channels"),
        ({"re_lu": 1, "re_lu_1": 3}, "re_lu_1", "fire \\*more\\* often"),
        ({"re_lu": 2, "re_lu_1": 5}, "re_lu_1", "np.sum\\(rates\\[name\\] <= 0.05\\)"),
        ({"re_lu": 2, "re_lu_1": 3}, "re_lu", "largest \\*share\\*"),
        ({"re_lu": 2, "re_lu_1": 3}, 1, "give the layer's name"),
        ({"re_lu": 2, "re_lu_1": 3}, "conv2d", "not one of the ReLU layers"),
    ],
)
def test_rare_units_wrong_answers_say_what_is_wrong(counts, layer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_rare_units(counts, layer, RATES, 0.05)
