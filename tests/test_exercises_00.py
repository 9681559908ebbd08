"""Notebook 00's checker: the training arithmetic, right and wrong."""

import pytest

from utils import exercises


def arithmetic(steps_per_epoch, total_steps, images_seen):
    exercises.check_training_arithmetic(
        steps_per_epoch, total_steps, images_seen, n_images=100, batch_size=32, epochs=3
    )


def test_training_arithmetic_accepts_the_right_answer(capsys):
    arithmetic(4, 12, 300)
    assert capsys.readouterr().out.startswith("✓ Correct")


@pytest.mark.parametrize(
    "answer, says",
    [
        ((3, 9, 300), "round up"),  # forgot the last, partial batch
        ((100, 300, 300), "batches of up to 32"),
        ((4, 4, 300), "each of the 3 epochs"),
        ((4, 12, 100), "every epoch"),
    ],
)
def test_training_arithmetic_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=says):
        arithmetic(*answer)
