"""Checkers tell right from wrong, and say why in plain words (nbgrader shows it as feedback)."""

import re

import numpy as np
import pytest

from utils import exercises


def test_a_wrong_answer_raises_so_that_nbgrader_counts_the_failure():
    """nbgrader scores a check cell 0 when it raises and shows what it raised in the feedback: a
    checker's verdict is an AssertionError (what nbgrader's own tests raise) whose hint is the
    whole of the rendered error."""
    assert issubclass(exercises.NotYet, AssertionError)
    with pytest.raises(exercises.NotYet) as wrong:
        exercises.check_training_arithmetic(3, 9, 300, n_images=100, batch_size=32, epochs=3)
    assert wrong.value._render_traceback_() == [f"✗ Not yet: {wrong.value}"]
    assert "round up" in str(wrong.value)


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


def test_not_yet_renders_as_one_plain_line():
    assert exercises.NotYet("x is 3")._render_traceback_() == ["✗ Not yet: x is 3"]


def labelled(labels):
    import tensorflow as tf

    images = tf.random.stateless_uniform((len(labels), 4, 4, 3), seed=(1, 2))
    return tf.data.Dataset.from_tensor_slices((images, tf.constant(labels, tf.int64)))


def right_counts(ds, num_classes):
    counts = [0] * num_classes
    for _, label in ds:
        counts[int(label)] += 1
    return counts


def test_class_counts_checker_accepts_a_real_count(capsys):
    exercises.check_class_counts(right_counts, labelled([0, 1, 2, 2, 1, 0]), 3)
    assert "✓ Correct: [2, 2, 2]" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, says",
    [
        (lambda ds, n: [2, 2], "one count per class"),
        (lambda ds, n: [1, 2, 3], "the split holds [2, 2, 2]"),
        (lambda ds, n: [2] * n, "don't assume balance"),  # right here, wrong on a lopsided set
    ],
)
def test_class_counts_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_class_counts(answer, labelled([0, 1, 2, 2, 1, 0]), 3)


def test_augmentation_checker_accepts_a_label_safe_augmentation(capsys):
    import tensorflow as tf

    flip = lambda image, label: (tf.image.flip_left_right(image), label)  # noqa: E731
    exercises.check_augmentation(flip, labelled([0, 1, 2] * 8), examples=24)
    assert "✓ Correct: 24 of 24 images changed" in capsys.readouterr().out


def wrong_augmentations():
    import tensorflow as tf

    return [
        (lambda image, label: image, "two things"),
        (lambda image, label: (image * 2.0, label), "keep them in [0, 1]"),
        (lambda image, label: (image, (label + 1) % 3), "never change the answer"),
        (lambda image, label: (tf.image.resize(image, (2, 2)), label), "keep shape and dtype"),
        (lambda image, label: (image, label), "only 0 of 24 images changed"),
        (lambda image, label: (image.numpy(), label), "failed inside ds.map"),
    ]


@pytest.mark.parametrize("case", range(6))
def test_augmentation_checker_says_what_is_wrong(case):
    augment, says = wrong_augmentations()[case]
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_augmentation(augment, labelled([0, 1, 2] * 8), examples=24)


# notebook 02


def test_parameter_count_checker_accepts_the_hand_count(capsys):
    # one block of 4 filters, 2 classes: conv 3*3*3*4 = 108, BatchNorm 4*4 = 16, dense 4*2 + 2 = 10
    exercises.check_parameter_count(134, filters=(4,), num_classes=2, image_size=16)
    assert "✓ Correct: 134 parameters" in capsys.readouterr().out


@pytest.mark.parametrize("predicted, says", [(118, "BatchNormalization's 4 numbers"),
                                             (138, "no bias")])
def test_parameter_count_checker_hints_at_the_missing_part(predicted, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_parameter_count(predicted, filters=(4,), num_classes=2, image_size=16)


CURVE = {"loss": [1.0, 0.6, 0.4, 0.3, 0.3, 0.2], "val_loss": [0.9, 0.5, 0.6, 0.7, 0.7, 0.8],
         "val_accuracy": [0.5, 0.8, 0.75, 0.7, 0.8, 0.79]}  # epoch 5 ties epoch 2: 2 stays best


def curve(val_accuracy):
    return {"loss": [1.0] * len(val_accuracy), "val_accuracy": val_accuracy}


def test_learning_curve_checker_accepts_an_early_stop(capsys):
    # 6 of 15 epochs: 4 without improvement after epoch 2, so early stopping fired
    exercises.check_learning_curve(2, 4, True, CURVE, planned_epochs=15, patience=4)
    out = capsys.readouterr().out
    assert "best epoch 2 of 6" in out and "early stopping ended the run" in out


@pytest.mark.parametrize("history, planned, answer, says", [
    (curve([0.4, 0.5, 0.6]), 3, (3, 0, False), "still improving"),      # the best is the last
    (curve([0.4]), 1, (1, 0, False), "still improving"),                # a single epoch
    (curve([0.4, 0.7, 0.6]), 3, (2, 1, False), "went on to its planned end"),  # no early stop
    (curve([0.6, 0.6, 0.6]), 3, (1, 2, False), "went on to its planned end"),  # all tied
])
def test_learning_curve_checker_has_an_answer_for_every_history(history, planned, answer, says,
                                                                 capsys):
    exercises.check_learning_curve(*answer, history, planned_epochs=planned)
    assert says in capsys.readouterr().out


@pytest.mark.parametrize("answer, says", [
    ((1, 4, True), "add 1 to a list index"),
    ((5, 1, True), "ties with an earlier one"),
    ((6, 0, True), "val_accuracy, not accuracy"),
    ((2, 3, True), "so 4 ran after it, not 3"),
    ((2, 4, False), "stopped_early is True"),
    ((2.0, 4, True), "whole number of epochs"),
    ((True, 4, True), "whole number of epochs"),
])
def test_learning_curve_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_learning_curve(*answer, CURVE, planned_epochs=15)


def test_a_run_that_used_every_planned_epoch_did_not_stop_early():
    with pytest.raises(exercises.NotYet, match="stopped_early is False"):
        exercises.check_learning_curve(3, 0, True, curve([0.4, 0.5, 0.6]), planned_epochs=3)


def test_learning_curve_checker_rejects_a_history_it_cannot_read():
    with pytest.raises(ValueError, match="one val_accuracy"):
        exercises.check_learning_curve(1, 0, False, {"loss": [], "val_accuracy": []},
                                       planned_epochs=3)
    with pytest.raises(ValueError, match="more than the 2 planned"):
        exercises.check_learning_curve(3, 0, False, curve([0.4, 0.5, 0.6]), planned_epochs=2)


# notebook 03


PROBABILITIES = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]]
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

    return [inference.SweepPoint(2 ** i, measure.Timing((ms, ms), warmup=0, threads=1))
            for i, ms in enumerate(latencies)]


# batch 1: 2 ms (500/s), 2: 3 ms (667/s), 4: 5 ms (800/s), 8: 12 ms (667/s), 16: 30 ms (533/s)
SWEEP = [2.0, 3.0, 5.0, 12.0, 30.0]


def test_batch_choice_checker_accepts_the_fastest_batch_within_budget(capsys):
    exercises.check_batch_choice(4, sweep(SWEEP), budget_ms=20)  # 8 fits too, but serves less
    assert "✓ Correct: batch 4: 5.0 ms per call" in capsys.readouterr().out
    exercises.check_batch_choice(2, sweep(SWEEP), budget_ms=4)
    exercises.check_batch_choice(None, sweep(SWEEP), budget_ms=1)  # nothing fits


@pytest.mark.parametrize("answer, budget, says", [
    (8, 20, "batch 4 fits it too and serves more"),  # the largest that fits is not the fastest
    (16, 20, "over the budget of 20 ms"),
    (1, 20, "batch 4 fits it too"),
    (3, 20, "was not measured"),
    (1, 1, "answer None"),
])
def test_batch_choice_checker_says_what_is_wrong(answer, budget, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_batch_choice(answer, sweep(SWEEP), budget_ms=budget)


# training: 3 x 100 FLOPs x 1,000 images = 300,000; a day: 100 x 5 x 20 = 10,000 → 30 days
BREAK_EVEN = dict(forward_flops=100, images_seen=1000, predictions_per_user_per_day=5, users=20)


def test_break_even_checker_accepts_the_right_day(capsys):
    exercises.check_break_even(30, **BREAK_EVEN)
    exercises.check_break_even(30.2, **BREAK_EVEN)  # within 1 %
    assert capsys.readouterr().out.startswith("✓ Correct: after 30.00 days")


@pytest.mark.parametrize("answer, says", [
    (10, "about 3 forward passes"),
    (600, "multiply by the users"),
    (150, "multiply by them"),
    (1 / 30, "the inverse"),
    (45, "divide the first by the second"),
    ("thirty", "should be a number"),
])
def test_break_even_checker_says_what_is_wrong(answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_break_even(answer, **BREAK_EVEN)


# notebook 04

SPARSITY_SWEEP = [  # validation picks 50 % under 600 bytes; the test split would pick 80 %
    {"sparsity": 0.0, "gzip_bytes": 1000, "validation_accuracy": 0.92, "test_accuracy": 0.92},
    {"sparsity": 0.5, "gzip_bytes": 600, "validation_accuracy": 0.915, "test_accuracy": 0.905},
    {"sparsity": 0.8, "gzip_bytes": 350, "validation_accuracy": 0.91, "test_accuracy": 0.912},
    {"sparsity": 0.9, "gzip_bytes": 250, "validation_accuracy": 0.88, "test_accuracy": 0.88}]


def test_sparsity_choice_accepts_the_most_accurate_fit(capsys):
    exercises.check_sparsity_choice(0.5, SPARSITY_SWEEP, 600)
    assert "✓ Correct: sparsity 50%" in capsys.readouterr().out


@pytest.mark.parametrize("choice, budget, says", [(0.0, 600, "over the budget"),
                                                   (0.8, 600, "50% fits too and is more accurate"),
                                                   (0.8, 600, "You chose on the test accuracy"),
                                                   (0.9, 600, "more accurate on validation (0.915"),
                                                   (0.75, 600, "not a sparsity of the sweep"),
                                                   (0.9, 100, "answer None")])
def test_sparsity_choice_says_what_is_wrong(choice, budget, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_sparsity_choice(choice, SPARSITY_SWEEP, budget)


RATES = {"re_lu": np.array([0.0, 0.5, 0.05]),  # 2 of 3 rare
         "re_lu_1": np.array([0.02, 0.01, 0.9, 0.8, 0.03, 0.7])}  # 3 of 6 rare


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


@pytest.mark.parametrize("counts, layer, says", [
    ([2, 3], "re_lu_1", "dict with one count per ReLU layer"),
    ({"re_lu": 2}, "re_lu_1", "dict with one count per ReLU layer"),
    ({"re_lu": 2 / 3, "re_lu_1": 0.5}, "re_lu_1", "share of the layer's channels"),
    ({"re_lu": 1, "re_lu_1": 3}, "re_lu_1", "fire \\*more\\* often"),
    ({"re_lu": 2, "re_lu_1": 5}, "re_lu_1", "np.sum\\(rates\\[name\\] <= 0.05\\)"),
    ({"re_lu": 2, "re_lu_1": 3}, "re_lu", "largest \\*share\\*"),
    ({"re_lu": 2, "re_lu_1": 3}, 1, "give the layer's name"),
    ({"re_lu": 2, "re_lu_1": 3}, "conv2d", "not one of the ReLU layers"),
])
def test_rare_units_wrong_answers_say_what_is_wrong(counts, layer, says):
    with pytest.raises(exercises.NotYet, match=says):
        exercises.check_rare_units(counts, layer, RATES, 0.05)
