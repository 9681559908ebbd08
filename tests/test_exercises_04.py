"""Notebook 04b's checkers: the channel surgery of one block (the L1-norm checker's tests are
in test_pruning_exercise.py; 04a's checkers are tested in test_exercises_04a.py)."""

import re

import numpy as np
import pytest
import tf_keras as keras

from tests import toy_models
from utils import exercises, pruning, training


@pytest.fixture(scope="module")
def model():
    """The course's model at toy size (4, 6, 8 filters), with random statistics in its first
    BatchNormalization so that slicing the wrong vector shows."""
    return toy_models.course_shaped(3, first_only=True)


def narrow_block(conv1, bn, conv2, keep):  # the model answer of notebook 04b
    conv1 = {name: w[..., keep] for name, w in conv1.items()}
    bn = {name: v[keep] for name, v in bn.items()}
    conv2 = {**conv2, "kernel": conv2["kernel"][:, :, keep, :]}
    return conv1, bn, conv2


def test_channel_surgery_accepts_the_model_answer_and_a_mask(model, capsys):
    exercises.check_channel_surgery(narrow_block, model)

    def masked(conv1, bn, conv2, keep):  # a boolean mask keeps the original order everywhere
        mask = np.isin(np.arange(len(bn["gamma"])), keep)
        return narrow_block(conv1, bn, conv2, mask)

    exercises.check_channel_surgery(masked, model)
    untrained = training.small_cnn(3, 16, filters=(4, 6, 8))  # every γ 1, β 0: equal values
    exercises.check_channel_surgery(narrow_block, untrained)
    assert capsys.readouterr().out.count("✓ Correct") == 3


# Typical wrong answers, each a small change to the model answer.
def conv2_whole(conv1, bn, conv2, keep):  # the next layer still reads every channel
    conv1, bn, _ = narrow_block(conv1, bn, conv2, keep)
    return conv1, bn, conv2


def stats_whole(conv1, bn, conv2, keep):  # only gamma and beta sliced
    conv1, sliced, conv2 = narrow_block(conv1, bn, conv2, keep)
    return conv1, {**bn, "gamma": sliced["gamma"], "beta": sliced["beta"]}, conv2


def kernel_sorted(conv1, bn, conv2, keep):  # keep sorted for conv1's kernel alone
    kernel = conv1["kernel"][..., sorted(keep)]
    conv1, bn, conv2 = narrow_block(conv1, bn, conv2, keep)
    return {**conv1, "kernel": kernel}, bn, conv2


def conv1_axis_2(conv1, bn, conv2, keep):  # conv1's input channels instead of its filters
    _, bn, conv2 = narrow_block(conv1, bn, conv2, keep)
    return {**conv1, "kernel": conv1["kernel"][:, :, keep, :]}, bn, conv2


def conv2_axis_3(conv1, bn, conv2, keep):  # conv2's own filters instead of its inputs
    conv1, bn, _ = narrow_block(conv1, bn, conv2, keep)
    return conv1, bn, {**conv2, "kernel": conv2["kernel"][..., keep]}


def bias_whole(conv1, bn, conv2, keep):  # conv1's bias left whole
    sliced, bn, conv2 = narrow_block(conv1, bn, conv2, keep)
    return {**sliced, "bias": conv1["bias"]}, bn, conv2


def dropped_kept(conv1, bn, conv2, keep):  # np.delete with keep: the dropped channels stay
    return narrow_block(conv1, bn, conv2, np.delete(np.arange(len(bn["gamma"])), keep))


def hard_coded_bias(conv1, bn, conv2, keep):  # breaks on the model's bias-free convolutions
    kernel, bias = conv1["kernel"][..., keep], conv1["bias"][keep]
    _, bn, conv2 = narrow_block(conv1, bn, conv2, keep)
    return {"kernel": kernel, "bias": bias}, bn, conv2


def conv2_bias_sliced(conv1, bn, conv2, keep):  # conv2's bias is its own filters'
    conv1, bn, conv2 = narrow_block(conv1, bn, conv2, keep)
    return conv1, bn, {**conv2, "bias": conv2["bias"][keep]}


def lists(conv1, bn, conv2, keep):
    return [list(narrow_block(conv1, bn, conv2, keep)[0].values())]


@pytest.mark.parametrize(
    "answer, says",
    [
        (conv2_whole, "conv2's kernel still reads all 6 channels: the next layer's input"),
        (stats_whole, "moving statistics (moving_mean and moving_variance) still have all 6"),
        (
            kernel_sorted,
            "conv1's bias holds the kept channels in another order ([4, 0, 2, 5])",
        ),
        (conv1_axis_2, "you sliced axis 2 of conv1's kernel, its input channels"),
        (conv2_axis_3, "you sliced axis 3 of conv2's kernel, its own filters"),
        (bias_whole, "conv1's bias still has all 6 values"),
        (dropped_kept, "holds the filters NOT in keep"),
        (hard_coded_bias, "on the model's first block, narrow_block looked up 'bias'"),
        (conv2_bias_sliced, "conv2's bias belongs to its own filters"),
        (lists, "should return three dicts"),
    ],
)
def test_channel_surgery_names_the_first_mistake(model, answer, says):
    with pytest.raises(exercises.NotYet, match=re.escape(says)):
        exercises.check_channel_surgery(answer, model)


def test_channel_surgery_changed_values_and_results_are_named(model):
    def scaled(conv1, bn, conv2, keep):  # right slices, but γ doubled: not a slice any more
        conv1, bn, conv2 = narrow_block(conv1, bn, conv2, keep)
        return conv1, {**bn, "gamma": 2 * bn["gamma"]}, conv2

    with pytest.raises(exercises.NotYet, match="BatchNorm's gamma does not hold the kept"):
        exercises.check_channel_surgery(scaled, model)
    with pytest.raises(exercises.NotYet, match="not its result"):
        exercises.check_channel_surgery(({}, {}, {}), model)


def test_channel_surgery_compares_the_outputs(model, monkeypatch):
    """The outputs are the final word: against a block whose dropped channels were not zeroed,
    even the model answer's output differs."""
    monkeypatch.setattr(pruning, "zero_channels", lambda conv1, bn, dropped: (conv1, bn))
    with pytest.raises(exercises.NotYet, match="its output differs from the block's"):
        exercises.check_channel_surgery(narrow_block, model)
