"""Notebook 04a's plumbing: tfmot's own masks (utils/pruning/masks.py) and the per-layer plans
(utils/pruning/plans.py), on the hand-worked model of tests/pruning_plan_model.py."""

import numpy as np
import pytest
import tensorflow_model_optimization as tfmot
import tf_keras as keras

from tests import pruning_plan_model
from utils import pruning


def test_tfmot_mask_keeps_the_ties_and_rounds_to_the_nearest():
    # 10 magnitudes 1..10 with the 3rd and 4th largest tied (8, 8): sparsity 0.7 keeps
    # k = round(10 × 0.3) = 3; the threshold is the 3rd largest |w| = 8, and both 8s are kept.
    weights = np.array([[1, -2, 3, -4, 5], [-6, 7, -8, 8, -10]], np.float32)
    assert pruning.tfmot_mask(weights, 0.7).tolist() == [[0, 0, 0, 0, 0], [0, 0, 1, 1, 1]]
    # 0.55: 10 × 0.45 = 4.5 rounds half to even, to 4: |w| ≥ 7 (7, 8, 8, 10)
    assert pruning.tfmot_mask(weights, 0.55).sum() == 4
    # 0.99: 0.1 rounds to 0, and tfmot keeps at least one: the 10
    assert pruning.tfmot_mask(weights, 0.99).tolist() == [[0] * 5, [0, 0, 0, 0, 1]]
    assert pruning.tfmot_mask(np.ones(3, np.float32), 0.9).tolist() == [1, 1, 1]  # a vector


def test_tfmot_mask_is_the_mask_fine_tuning_applies():
    # prune_low_magnitude + one UpdatePruningStep-driven fit step at constant sparsity 0.5:
    # the weights it zeroes are the ones tfmot_mask prunes.
    layer = keras.layers.Dense(4, use_bias=False)
    model = keras.Sequential([keras.Input((6,)), layer])
    kernel = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    layer.set_weights([kernel])
    schedule = tfmot.sparsity.keras.ConstantSparsity(0.5, begin_step=0, frequency=1)
    pruned = tfmot.sparsity.keras.prune_low_magnitude(model, pruning_schedule=schedule)
    pruned.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    pruned.fit(
        np.zeros((1, 6)),
        np.zeros((1, 4)),
        epochs=1,
        verbose=0,
        callbacks=[tfmot.sparsity.keras.UpdatePruningStep()],
    )
    stripped = tfmot.sparsity.keras.strip_pruning(pruned)
    assert np.array_equal(stripped.get_weights()[0] != 0, pruning.tfmot_mask(kernel, 0.5) == 1)


def test_tfmot_prunes_kernels_only():
    model = pruning_plan_model.model()
    assert pruning.tfmot_pruned(model.get_layer("head")) == ["kernel"]
    assert pruning.tfmot_pruned(model.get_layer("norm")) == []
    assert pruning.prunable_layers(model) == ["wide", "head"]
    masks = pruning.tfmot_masks(model.get_layer("head"), 0.5)
    assert masks[0].sum() == 8 and masks[1].tolist() == [1, 1]  # 16 × 0.5 kept; bias whole


def test_budget_and_uniform_plan_by_hand():
    model = pruning_plan_model.model()
    assert pruning.nonzero(model) == 98 and pruning.budget(model, 0.5) == 49
    # 1 − (49 − 18) / 80 = 0.6125, floored to 0.612: wide keeps round(64 × 0.388) = 25, head
    # round(16 × 0.388) = 6, with the 18 vector parameters: 49, within the budget.
    assert pruning.uniform_plan(model, 0.5) == {"wide": 0.612, "head": 0.612}
    assert pruning.nonzero(pruning.apply_plan(model, {"wide": 0.612, "head": 0.612})) == 49


def test_compare_plans_by_hand():
    model, ds = pruning_plan_model.model(), pruning_plan_model.dataset()
    found = pruning.compare_plans(model, {"wide": 0.875}, ds, 0.5)
    # wide keeps its diagonal (8) + 16 + 16 + 2 = 42; the identity is left: all 8 inputs right.
    # The uniform plan keeps head's rows 5-7 (its 6 largest): rows 0-4 fall to the bias's
    # class 1, so 3 of 8 are right.
    assert found == {
        "kept": 42,
        "budget": 49,
        "dense": 98,
        "fits": True,
        "accuracy": 1.0,
        "uniform_sparsity": 0.612,
        "uniform_accuracy": 0.375,
        "n": 200,
    }


def test_sensitivity_scan_uses_the_mask_it_is_given():
    model, ds = pruning_plan_model.model(), pruning_plan_model.dataset()
    scan = pruning.sensitivity_scan(model, ds, sparsities=(0.875,))
    # wide at 0.875 keeps the identity (1.0); head at 0.875 keeps round(2) = 2: row 7 only, so
    # rows 6 and 7 are right (2 of 8).
    assert scan == {"wide": [(0.875, 1.0)], "head": [(0.875, 0.25)]}
    nothing = pruning.sensitivity_scan(model, ds, lambda w, s: np.zeros_like(w), (0.5,))
    # this mask zeroes the bias too (the scan gives it every weight of the layer): both logits 0,
    # argmax takes class 0, right for rows 0-5 (6 of 8); tfmot's mask would have kept the bias.
    assert nothing["head"] == [(0.5, 0.75)]


@pytest.mark.parametrize(
    "plan, says",
    [
        ({"norm": 0.5}, "only the prunable layers"),
        ({"wide": 1.0}, "never all"),
        ({"head": -0.1}, "negative"),
        ([0.5], "give a dict"),
    ],
)
def test_bad_plans_get_one_sentence(plan, says):
    with pytest.raises(ValueError, match=says):
        pruning.apply_plan(pruning_plan_model.model(), plan)
