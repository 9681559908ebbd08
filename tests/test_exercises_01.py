"""Notebook 01's checker: a label-safe augmentation."""

import re

import pytest

from utils import exercises


def labelled(labels):
    import tensorflow as tf

    images = tf.random.stateless_uniform((len(labels), 4, 4, 3), seed=(1, 2))
    return tf.data.Dataset.from_tensor_slices((images, tf.constant(labels, tf.int64)))


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
