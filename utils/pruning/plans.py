"""Notebook 04a: per-layer sparsity plans, the sensitivity scan that guides one (MIT's
efficient-ML lab 1), and a plan's budget and accuracy beside the uniform plan's.

A plan is ``{layer name: sparsity}`` over the layers tfmot prunes (:func:`prunable_layers`); a
layer left out stays dense. Nothing here fine-tunes: a plan is judged right after its masks are
applied, so the scan is cheap and the comparison is between masks alone. The budget counts the
non-zero parameters of the whole model (kernels, biases, BatchNorm's four vectors), the
"non-zero" size of the notebook's sizes.
"""

from __future__ import annotations

import math

import numpy as np
import tf_keras as keras

from utils import validate
from utils.pruning.magnitude import accuracy
from utils.pruning.masks import tfmot_masks, tfmot_pruned

SCAN_SPARSITIES = (0.5, 0.7, 0.8, 0.9)  # each prunable layer alone, no fine-tuning


def prunable_layers(model: keras.Model) -> list[str]:
    """The names of the layers with a weight tfmot prunes (Conv2D, Dense), in model order."""
    return [layer.name for layer in model.layers if layer.weights and tfmot_pruned(layer)]


def nonzero(model: keras.Model) -> int:
    """The model's non-zero parameters (every weight, trainable or not)."""
    return sum(int(np.count_nonzero(w)) for w in model.get_weights())


def budget(model: keras.Model, keep_share: float) -> int:
    """The most non-zero parameters a plan may keep: ``keep_share`` of the dense model's."""
    validate.fraction(keep_share=keep_share)
    return math.floor(keep_share * nonzero(model))


def check_plan(model: keras.Model, plan: dict) -> None:
    """Raise one ValueError sentence for a plan that names a layer tfmot does not prune or gives
    a sparsity outside [0, 1)."""
    if not isinstance(plan, dict):
        raise ValueError(f"plan={plan!r}: give a dict {{layer name: sparsity}}.")
    names = prunable_layers(model)
    for name, sparsity in plan.items():
        if name not in names:
            raise ValueError(f"plan names {name!r}: plan only the prunable layers {names}.")
        validate.fraction(**{f"plan[{name!r}]": sparsity})
        if sparsity >= 1:
            raise ValueError(f"plan[{name!r}] is 1: tfmot prunes below 1 (e.g. 0.9), never all.")


def _masked(layer, sparsity: float, mask_fn) -> list[np.ndarray]:
    """``layer``'s weights times their masks: tfmot's (``mask_fn`` None) or ``mask_fn``'s."""
    weights = layer.get_weights()
    if mask_fn is None:
        masks = tfmot_masks(layer, sparsity)
    else:
        masks = [np.asarray(mask_fn(w.copy(), sparsity), np.float32) for w in weights]
    return [w * m.reshape(w.shape) for w, m in zip(weights, masks)]


def apply_plan(model: keras.Model, plan: dict, mask_fn=None) -> keras.Model:
    """A copy of ``model`` with each planned layer's weights multiplied by their masks at its
    sparsity: tfmot's own (``mask_fn`` None), or ``mask_fn(weights, sparsity)`` applied to each
    of the layer's weights (kernel and bias alike: a right mask leaves the bias whole)."""
    check_plan(model, plan)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for name, sparsity in plan.items():
        copy.get_layer(name).set_weights(_masked(copy.get_layer(name), sparsity, mask_fn))
    return copy


def sensitivity_scan(model: keras.Model, ds, mask_fn=None, sparsities=SCAN_SPARSITIES) -> dict:
    """``{layer: [(sparsity, accuracy on ds)]}``: each prunable layer pruned alone at each
    sparsity with ``mask_fn`` (tfmot's when None), no fine-tuning."""
    for sparsity in sparsities:
        check_plan(model, {name: sparsity for name in prunable_layers(model)})
    copy = keras.models.clone_model(model)  # one copy, each layer masked in turn and restored
    copy.set_weights(model.get_weights())
    scan = {}
    for name in prunable_layers(model):
        layer = copy.get_layer(name)
        dense = layer.get_weights()
        scan[name] = []
        for sparsity in sparsities:
            layer.set_weights(_masked(layer, sparsity, mask_fn))
            scan[name].append((sparsity, accuracy(copy, ds)))
            layer.set_weights(dense)
    return scan


def uniform_plan(model: keras.Model, keep_share: float) -> dict:
    """The same sparsity on every prunable layer, the lowest (to 0.001) whose tfmot masks keep
    at most ``keep_share`` of the dense model's non-zero parameters."""
    names, most = prunable_layers(model), budget(model, keep_share)
    kernels = sum(model.get_layer(n).kernel.shape.num_elements() for n in names)
    fixed = nonzero(model) - sum(int(np.count_nonzero(model.get_layer(n).kernel)) for n in names)
    sparsity = math.floor(1000 * max(0.0, 1 - (most - fixed) / kernels)) / 1000
    while sparsity < 0.999:
        plan = {name: sparsity for name in names}
        if nonzero(apply_plan(model, plan)) <= most:
            return plan
        sparsity = round(sparsity + 0.001, 3)
    raise ValueError(
        f"keep_share={keep_share!r}: even 99.9 % sparsity in every layer keeps more; the "
        "parameters tfmot leaves alone need a larger share."
    )


def compare_plans(model: keras.Model, plan: dict, ds, keep_share: float) -> dict:
    """``plan`` applied with tfmot's masks beside the uniform plan at the same budget: the
    non-zero parameters kept, the budget, whether it fits, and both accuracies on ``ds``."""
    mine = apply_plan(model, plan)
    uniform = uniform_plan(model, keep_share)
    kept, most = nonzero(mine), budget(model, keep_share)
    return {
        "kept": kept,
        "budget": most,
        "dense": nonzero(model),
        "fits": kept <= most,
        "accuracy": accuracy(mine, ds),
        "uniform_sparsity": next(iter(uniform.values())),
        "uniform_accuracy": accuracy(apply_plan(model, uniform), ds),
        "n": sum(int(labels.shape[0]) for _, labels in ds),
    }
