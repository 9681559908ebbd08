"""Notebook 04a's checkers: the magnitude mask (against tfmot's own) and the per-layer sparsity
plan (its budget, and its accuracy beside the uniform plan's), on the hand-worked model of
tests/pruning_plan_model.py: a 64-weight kernel ("wide"), BatchNorm ("norm"), a head with a bias."""

import numpy as np
import pytest

from tests import pruning_plan_model
from utils import exercises


def solution(weights, sparsity):
    if weights.ndim < 2:  # a bias or a BatchNorm vector: tfmot leaves it alone
        return np.ones_like(weights)
    magnitudes = np.abs(weights)
    k = max(int(np.round(weights.size * (1 - sparsity))), 1)
    threshold = np.sort(magnitudes, axis=None)[::-1][k - 1]
    return (magnitudes >= threshold).astype(weights.dtype)


def _keep(weights, sparsity):
    return max(int(np.round(weights.size * (1 - sparsity))), 1)


def without_abs(weights, sparsity):
    if weights.ndim < 2:
        return np.ones_like(weights)
    threshold = np.sort(weights, axis=None)[::-1][_keep(weights, sparsity) - 1]
    return (weights >= threshold).astype(weights.dtype)


def one_too_many(weights, sparsity):  # the threshold at index k, not k - 1
    if weights.ndim < 2:
        return np.ones_like(weights)
    magnitudes = np.abs(weights)
    threshold = np.sort(magnitudes, axis=None)[::-1][
        min(_keep(weights, sparsity), weights.size - 1)
    ]
    return (magnitudes >= threshold).astype(weights.dtype)


def strictly_above(weights, sparsity):  # > instead of >=: the threshold weight itself pruned
    mask = solution(weights, sparsity)
    if weights.ndim < 2:
        return mask
    magnitudes = np.abs(weights)
    return (magnitudes > np.sort(magnitudes, axis=None)[::-1][_keep(weights, sparsity) - 1]) * 1.0


def exactly_k(weights, sparsity):  # argsort: exactly k kept, ties broken by position
    if weights.ndim < 2:
        return np.ones_like(weights)
    order = np.argsort(-np.abs(weights), axis=None, kind="stable")
    mask = np.zeros(weights.size)
    mask[order[: _keep(weights, sparsity)]] = 1
    return mask.reshape(weights.shape)


def prunes_vectors(weights, sparsity):  # no ndim check: the bias is pruned too
    magnitudes = np.abs(weights)
    threshold = np.sort(magnitudes, axis=None)[::-1][_keep(weights, sparsity) - 1]
    return magnitudes >= threshold


def rounds_down(weights, sparsity):
    if weights.ndim < 2:
        return np.ones_like(weights)
    k = max(int(weights.size * (1 - sparsity)), 1)
    magnitudes = np.abs(weights)
    return magnitudes >= np.sort(magnitudes, axis=None)[::-1][k - 1]


def keeps_sparsity(weights, sparsity):  # keeps round(n × s): sparsity read as the share kept
    if weights.ndim < 2:
        return np.ones_like(weights)
    k = max(int(np.round(weights.size * sparsity)), 1)
    magnitudes = np.abs(weights)
    return magnitudes >= np.sort(magnitudes, axis=None)[::-1][k - 1]


def no_minimum(weights, sparsity):  # k = round(...) without max(..., 1): np.sort(...)[-0]
    if weights.ndim < 2:
        return np.ones_like(weights)
    k = int(np.round(weights.size * (1 - sparsity)))
    magnitudes = np.abs(weights)
    return magnitudes >= np.sort(magnitudes, axis=None)[-k]


@pytest.fixture(scope="module")
def model():
    return pruning_plan_model.model()


def test_the_solution_is_tfmots_mask(model, capsys):
    exercises.check_magnitude_mask(solution, model)
    exercises.check_magnitude_mask(lambda w, s: solution(w, s).astype(bool), model)  # bool too
    assert capsys.readouterr().out.count("✓ Correct") == 2


@pytest.mark.parametrize(
    "wrong, says",
    [
        (without_abs, "rank by magnitude, np.abs"),
        # passes the tie case (index 6 is the tied 7th); 20 at 0.77: k = round(4.6) = 5, keeps 6
        (one_too_many, "keeps 6 weights, 1 more than tfmot's 5"),
        (strictly_above, "you pruned the weights equal to the threshold |w| = 0.75 (>; 2 of"),
        # the tie case: 20 weights at 0.7 keep k = 6, the 6th and 7th largest |w| tie at 0.75
        (exactly_k, "2 weights tie with the threshold |w| = 0.75, and you kept only some"),
        (prunes_vectors, "head's bias at sparsity 0.8: you pruned a vector"),
        # 20 × 0.23 = 4.6: int() keeps 4, tfmot 5
        (rounds_down, "4.6, and you kept 4: tfmot rounds to the nearest whole number"),
        (keeps_sparsity, "you kept 14 = round(n × sparsity) weights"),  # round(20 × 0.7) = 14
        (no_minimum, "rounds to 0, and you kept everything"),  # 20 × 0.01 = 0.2
        (lambda w, s: 1 - solution(w, s), "you kept the smallest |w|"),
        (lambda w, s: w * solution(w, s), "that is the pruned weights"),
        (lambda w, s: solution(w, s).ravel(), "give it the weights' shape"),
        (lambda w, s: None, "returned None"),
    ],
)
def test_wrong_masks_name_the_mistake(model, wrong, says):
    with pytest.raises(exercises.NotYet, match=re_escape(says)):
        exercises.check_magnitude_mask(wrong, model)


def re_escape(text):
    import re

    return re.escape(text)


def test_a_mask_that_is_not_a_function(model):
    with pytest.raises(exercises.NotYet, match="should be a function"):
        exercises.check_magnitude_mask(np.ones(3), model)


@pytest.fixture(scope="module")
def ds():
    return pruning_plan_model.dataset()


def test_a_sensitivity_guided_plan_passes(model, ds, capsys):
    # wide at 0.875 keeps its diagonal: 8 + 16 (BN) + 16 + 2 (head) = 42 ≤ 49, accuracy 1.0;
    # the uniform plan (0.612 everywhere) gets 3 of 8 (tests/test_pruning_plans.py).
    exercises.check_sparsity_plan({"wide": 0.875}, model, ds, 0.5)
    out = capsys.readouterr().out
    assert "✓ Correct: 42 of 98 non-zero parameters kept (at most 49)" in out
    assert "validation accuracy 1.000 ± 0.000, the uniform plan (every layer at 0.612) 0.375" in out


@pytest.mark.parametrize(
    "plan, says",
    [
        # 0.5 everywhere: 32 + 8 + the 18 vector parameters = 58, 9 over 49
        ({"wide": 0.5, "head": 0.5}, "keeps 58 non-zero parameters, 9 over the budget of 49"),
        ({"wide": 0.5, "head": 0.5}, "The 18 parameters tfmot leaves alone"),
        ({"head": 0.5}, "Raise the sparsity where the weights are: 'wide' holds 64"),
        ({"wide": 0.0, "head": 0.0}, "Raise the sparsity where"),  # the student copy's start
        # head at 0.9 keeps 2 (row 7): 2 of 8 right, 0.25 against 0.375; the standard error of
        # the difference is √(0.25·0.75/200 + 0.375·0.625/200) = 0.046, and 0.125 > 2 × 0.046
        ({"wide": 0.8, "head": 0.9}, "lower by more than two standard errors"),
        ({"wide": 87.5}, "give a fraction, 0.875"),
        ({"wide": 1.0}, "from 0 up to (not including) 1"),
        ({"norm": 0.5}, "tfmot prunes nothing in 'norm'"),
        ({"dense_7": 0.5}, "'dense_7' is not a layer of this model"),
        ({"wide": "0.8"}, "give a sparsity, a number"),
        ([0.875], "should be a dict"),
    ],
)
def test_wrong_plans_name_the_mistake(model, ds, plan, says):
    with pytest.raises(exercises.NotYet, match=re_escape(says)):
        exercises.check_sparsity_plan(plan, model, ds, 0.5)
