"""What every checker shares: a wrong answer raises NotYet, which nbgrader counts as a failed
check and shows as one plain line of feedback; the closeness test; reading a number."""

import pytest

from utils import exercises
from utils.exercises import base


def test_a_wrong_answer_raises_so_that_nbgrader_counts_the_failure():
    """nbgrader scores a check cell 0 when it raises and shows what it raised in the feedback: a
    checker's verdict is an AssertionError (what nbgrader's own tests raise) whose hint is the
    whole of the rendered error."""
    assert issubclass(exercises.NotYet, AssertionError)
    with pytest.raises(exercises.NotYet) as wrong:
        exercises.check_training_arithmetic(3, 9, 300, n_images=100, batch_size=32, epochs=3)
    assert wrong.value._render_traceback_() == [f"✗ Not yet: {wrong.value}"]
    assert "round up" in str(wrong.value)


def test_not_yet_renders_as_one_plain_line():
    assert exercises.NotYet("x is 3")._render_traceback_() == ["✗ Not yet: x is 3"]


def test_close_to_uses_one_relative_tolerance_unless_told_otherwise():
    near = exercises.close_to(101.0)
    assert near(100.0) and not near(98.0)
    assert exercises.close_to(0.0, abs_tol=0.05)(0.04)
    assert not exercises.close_to(0.0)(0.04)


def test_a_number_is_read_from_any_numeric_answer_and_a_word_is_not_yet():
    assert base._number("2.5", "ms") == 2.5
    with pytest.raises(exercises.NotYet, match="'two'; it should be a number of ms"):
        base._number("two", "ms")
