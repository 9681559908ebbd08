"""Notebook 03's checkers: accuracy, the batch size within a budget, the break-even day."""

import re

import pytest

from utils import exercises


PROBABILITIES = [
    [0.7, 0.2, 0.1],
    [0.1, 0.3, 0.6],
    [0.5, 0.4, 0.1],
    [0.2, 0.7, 0.1],
    [0.3, 0.3, 0.4],
]
LABELS = [0, 2, 1, 1, 0]  # most probable: 0, 2, 0, 1, 2 → 3 of 5 right


def right_accuracy(probabilities, labels):
    import numpy as np

    return float(np.mean(np.argmax(probabilities, axis=1) == np.asarray(labels)))


def test_accuracy_checker_accepts_argmax_against_labels(capsys):
    exercises.check_accuracy(right_accuracy, PROBABILITIES, LABELS)
    assert "✓ Correct: 3 of 5 predictions right: accuracy 0.600" in capsys.readouterr().out


def wrong_accuracies():
    import numpy as np

    return [
        (lambda p, y: 100 * right_accuracy(p, y), "not as a percentage"),
        (lambda p, y: np.mean(np.max(p, axis=1)), "average confidence"),
        (lambda p, y: np.mean(np.argmax(p, axis=0)[:1] == y[:1]), "3 of 5 predictions are right"),
        (lambda p, y: np.mean(np.asarray(p)[np.arange(len(y)), y] > 0.5), "even one below 0.5"),
        (lambda p, y: p.numpy(), "failed (AttributeError"),
    ]


@pytest.mark.parametrize("case", range(5))
def test_accuracy_checker_says_what_is_wrong(case):
    accuracy, says = wrong_accuracies()[case]
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_accuracy(accuracy, PROBABILITIES, LABELS)


def sweep(latencies):
    """Batch sizes 1, 2, 4, … with these median latencies (ms) per call."""
    from utils import inference, measure

    return [
        inference.SweepPoint(2**i, measure.Timing((ms, ms), warmup=0, threads=1))
        for i, ms in enumerate(latencies)
    ]


# batch 1: 2 ms (500/s), 2: 3 ms (667/s), 4: 5 ms (800/s), 8: 12 ms (667/s), 16: 30 ms (533/s)
SWEEP = [2.0, 3.0, 5.0, 12.0, 30.0]


def test_batch_choice_checker_accepts_the_fastest_batch_within_budget(capsys):
    exercises.check_batch_choice(4, sweep(SWEEP), budget_ms=20)  # 8 fits too, but serves less
    assert "✓ Correct: batch 4: 5.0 ms per call" in capsys.readouterr().out
    exercises.check_batch_choice(2, sweep(SWEEP), budget_ms=4)
    exercises.check_batch_choice(None, sweep(SWEEP), budget_ms=1)  # nothing fits


@pytest.mark.parametrize(
    "answer, budget, says",
    [
        (8, 20, "batch 4 fits it too and serves more"),  # the largest that fits is not the fastest
        (16, 20, "over the budget of 20 ms"),
        (1, 20, "batch 4 fits it too"),
        (3, 20, "was not measured"),
        (1, 1, "answer None"),
    ],
)
def test_batch_choice_checker_says_what_is_wrong(answer, budget, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_batch_choice(answer, sweep(SWEEP), budget_ms=budget)


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
