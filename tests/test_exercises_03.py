"""Notebook 03's checker: the break-even day."""

import re

import pytest

from utils import exercises


# training: 3 x 100 FLOPs x 1,000 images = 300,000; a day: 100 x 5 x 20 = 10,000 → 30 days
BREAK_EVEN = dict(forward_flops=100, images_seen=1000, predictions_per_user_per_day=5, users=20)


def test_break_even_checker_accepts_the_right_day(capsys):
    exercises.check_break_even(30, **BREAK_EVEN)
    exercises.check_break_even(30.2, **BREAK_EVEN)  # within 1 %
    assert capsys.readouterr().out.startswith("✓ Correct: after 30.00 days")


@pytest.mark.parametrize(
    "answer, says",
    [
        (10, "about 3 forward passes"),
        (600, "multiply by the users"),
        (150, "multiply by them"),
        (1 / 30, "the inverse"),
        (45, "divide the first by the second"),
        ("thirty", "should be a number"),
    ],
)
def test_break_even_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_break_even(answer, **BREAK_EVEN)
