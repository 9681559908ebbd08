"""Notebook 05's checkers accept the right answers and explain the usual wrong ones."""

import pytest

from utils import exercises


def test_int8_value_accepts_round_then_add_the_zero_point(capsys):
    exercises.check_int8_value(10, 0.3, 0.01, -20)
    assert "Correct" in capsys.readouterr().out


def test_int8_value_rounds_a_tie_away_from_zero_like_tflite(capsys):
    # -0.37 / 0.02 = -18.5 (in float32 too): away from zero -19, + 5 = -14.
    exercises.check_int8_value(-14, -0.37, 0.02, 5)
    assert "a tie" in capsys.readouterr().out
    exercises.check_int8_value(24, 0.37, 0.02, 5)  # +18.5 -> 19, + 5
    exercises.check_int8_value(-3, -0.625, 0.25, 0)  # -2.5 -> -3: a tie exact in binary


@pytest.mark.parametrize(
    "answer, x, scale, zero_point",
    [(-13, -0.37, 0.02, 5), (23, 0.37, 0.02, 5), (-2, -0.625, 0.25, 0), (2, 0.625, 0.25, 0)],
)
def test_int8_value_names_numpys_half_to_even(answer, x, scale, zero_point):
    with pytest.raises(exercises.NotYet, match="tie.*even neighbour.*away from zero"):
        exercises.check_int8_value(answer, x, scale, zero_point)


def test_int8_value_clips_like_tflite(capsys):
    exercises.check_int8_value(127, 5.0, 0.01, 0)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (10.5, "whole number"),
        (30, "add the zero point"),
        (50, "added, not subtracted"),
        (-20, "divide x by the scale"),
        (11, r"round\(x / scale\) \+ zero_point"),
    ],
)
def test_int8_value_names_the_mistake(answer, hint):
    with pytest.raises(exercises.NotYet, match=hint):
        exercises.check_int8_value(answer, 0.3, 0.01, -20)
