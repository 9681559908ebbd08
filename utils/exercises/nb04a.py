"""Notebook 04a: the checkers of the pruning mechanism (one layer's magnitude mask, checked
against tfmot's own) and of a per-layer sparsity plan against a budget of non-zero parameters."""

from __future__ import annotations

import math

from utils.exercises.base import NotYet, _correct


def _keep(n: int, sparsity: float) -> int:
    """tfmot's count of kept weights (pruning_impl.py): max(round(n × (1 − s)), 1) in float32."""
    import numpy as np

    return max(int(np.round(np.float32(n) * (np.float32(1) - np.float32(sparsity)))), 1)


def _top(magnitudes, k: int):
    """Keep every value at least the k-th largest (k ≤ 0 keeps nothing)."""
    import numpy as np

    if k <= 0:
        return np.zeros(magnitudes.shape, bool)
    return magnitudes >= np.sort(magnitudes, axis=None)[::-1][min(k, magnitudes.size) - 1]


def _cases(model) -> list[tuple[str, object, float, object]]:
    """(what, weights, sparsity, tfmot's mask): small kernels made to show a tie at the
    threshold, a count to round and the last weight kept (tfmot's mask of a layer made around
    each), then a real kernel, a bias and a BatchNorm vector of ``model`` (tfmot's wrapper on
    copies of the layers). The small ones come first: each tells two mistakes apart."""
    import numpy as np
    import tf_keras as keras

    from utils import pruning

    # 20 distinct magnitudes 0.05 ... 1.0, signs alternating, shuffled (a fixed permutation)
    order = np.random.default_rng(4).permutation(20)
    distinct = (np.arange(1, 21) * 0.05 * np.where(np.arange(20) % 2, -1, 1))[order]
    tied = distinct.copy()
    tied[np.argsort(np.abs(tied))[-7]] = -0.75  # the 7th largest |w| (0.7) now ties the 6th
    cases = []
    for what, values, sparsity in (
        ("a kernel with a tie at the threshold", tied, 0.7),  # keep 6: the 6th and 7th tie
        ("a kernel where n × (1 − sparsity) = 4.6", distinct, 0.77),  # rounds to 5
        ("a kernel at 99 % sparsity", distinct, 0.99),  # 0.2 rounds to 0: keep 1
        ("a kernel at 0 % sparsity", distinct, 0.0),  # keep all
    ):
        weights = values.reshape(4, 5).astype(np.float32)
        cases.append((what, weights, sparsity, pruning.tfmot_mask(weights, sparsity)))
    layers = [model.get_layer(name) for name in pruning.prunable_layers(model)]
    big = max(layers, key=lambda layer: layer.kernel.shape.num_elements())
    cases.append(
        (f"{big.name}'s kernel", big.kernel.numpy(), 0.8, pruning.tfmot_masks(big, 0.8)[0])
    )
    for layer in model.layers:
        if getattr(layer, "bias", None) is not None and layer in layers:
            masks = pruning.tfmot_masks(layer, 0.8)
            cases.append((f"{layer.name}'s bias", layer.bias.numpy(), 0.8, masks[1]))
            break
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            masks = pruning.tfmot_masks(layer, 0.8)
            cases.append((f"{layer.name}'s gamma", layer.gamma.numpy(), 0.8, masks[0]))
            break
    return cases


def _diagnosis(answer, weights, sparsity: float, truth) -> str:
    """The first mistake recognised in ``answer`` (a mask of ``weights`` at ``sparsity`` that
    differs from tfmot's ``truth``)."""
    import numpy as np

    if answer.shape != weights.shape:
        if answer.size == weights.size:
            return (
                f"the mask has shape {answer.shape}, the weights {weights.shape}: give it the "
                "weights' shape (reshape a flat mask with .reshape(weights.shape))."
            )
        return f"the mask has shape {answer.shape}; it needs the weights' shape, {weights.shape}."
    values = answer.astype(np.float64)
    if not np.isin(values, (0.0, 1.0)).all():
        if np.allclose(values, weights * truth):
            return "that is the pruned weights; return the mask itself (1 keep, 0 prune)."
        return "a mask holds only 0 (prune) and 1 (keep)."
    kept = answer.astype(bool)
    if weights.ndim == 1:
        return (
            "you pruned a vector: tfmot prunes only a layer's kernel (prune_registry.py: "
            "Conv2D and Dense → ['kernel'], BatchNormalization → []), never a bias or a "
            "BatchNorm vector: give a 1-D tensor a mask of ones."
        )
    n, magnitudes, k = weights.size, np.abs(weights), _keep(weights.size, sparsity)
    threshold = np.sort(magnitudes, axis=None)[::-1][k - 1]
    if np.array_equal(kept, ~truth.astype(bool)):
        return "you kept the smallest |w| and pruned the largest: keep the large ones."
    if np.array_equal(kept, _top(weights, k)):
        return (
            "you ranked the signed weights, so large negative weights were pruned: rank by "
            "magnitude, np.abs(weights)."
        )
    if k == 1 and kept.sum() in (0, n):
        return (
            f"n × (1 − sparsity) = {n * (1 - sparsity):g} rounds to 0, and you kept "
            f"{'nothing' if kept.sum() == 0 else 'everything'}: "
            "tfmot keeps at least one weight, k = max(round(n × (1 − sparsity)), 1)."
        )
    if math.floor(n * (1 - sparsity)) != k and kept.sum() == math.floor(n * (1 - sparsity)):
        return (
            f"n × (1 − sparsity) = {n * (1 - sparsity):g}, and you kept "
            f"{int(kept.sum())}: tfmot rounds to the nearest whole number (np.round), not down."
        )
    if round(n * sparsity) != k and np.array_equal(kept, _top(magnitudes, round(n * sparsity))):
        return (
            f"you kept {round(n * sparsity)} = round(n × sparsity) weights: sparsity is the "
            f"share pruned, so keep round(n × (1 − sparsity)) = {k}."
        )
    tied = int(np.sum(magnitudes == threshold))
    above, below = magnitudes > threshold, magnitudes < threshold
    if np.array_equal(kept, above):
        return (
            f"you pruned the weights equal to the threshold |w| = {threshold:g} (>; {tied} of "
            "them here): tfmot keeps every weight with |w| ≥ threshold, the threshold itself "
            "and any ties."
        )
    if tied > 1 and kept[above].all() and not kept[below].any():
        if kept.sum() == k:
            return (
                f"{tied} weights tie with the threshold |w| = {threshold:g}, and you kept only "
                f"some of them (exactly {k}): tfmot keeps every weight with |w| ≥ threshold, so "
                "ties can leave the sparsity a little short of the target."
            )
    if np.array_equal(kept, _top(magnitudes, int(kept.sum()))) and kept.sum() != truth.sum():
        more = int(kept.sum() - truth.sum())
        return (
            f"your mask keeps {int(kept.sum()):,} weights, {abs(more)} "
            f"{'more' if more > 0 else 'fewer'} than tfmot's {int(truth.sum()):,}: keep "
            f"k = round({n:,} × (1 − {sparsity:g})) = {k:,}, and take the threshold at index "
            "k − 1 of the magnitudes sorted largest first (the k-th largest)."
        )
    where = tuple(int(i) for i in np.argwhere(kept != truth.astype(bool))[0])
    return (
        f"{int(np.sum(kept != truth.astype(bool)))} of {n:,} entries differ from tfmot's mask, "
        f"the first at {where} (|w| = {magnitudes[where]:g}, threshold {threshold:g}): keep "
        "every weight with |w| ≥ the k-th largest |w|."
    )


def check_magnitude_mask(magnitude_mask, model) -> None:
    """Notebook 04a: ``magnitude_mask(weights, sparsity)`` must give tfmot's own mask (0/1, the
    weights' shape) on a real kernel of ``model``, its bias and a BatchNorm vector (left whole),
    and small kernels with a tie at the threshold, a count to round and a last weight to keep.
    The mask's dtype may be bool or a number; it names the first mistake it recognises."""
    import numpy as np

    if not callable(magnitude_mask):
        raise NotYet("magnitude_mask should be a function of (weights, sparsity), not its result.")
    for what, weights, sparsity, truth in _cases(model):
        answer = magnitude_mask(weights.copy(), sparsity)
        if answer is None:
            raise NotYet("magnitude_mask returned None: return the mask.")
        answer = np.asarray(answer)
        if answer.shape == weights.shape and np.array_equal(answer.astype(np.float64), truth):
            continue
        raise NotYet(
            f"{what} at sparsity {sparsity:g}: {_diagnosis(answer, weights, sparsity, truth)}"
        )
    _correct(
        "the same mask as tfmot's on a real kernel, a bias and a BatchNorm vector (left whole), a "
        "tie at the threshold (kept), a count to round and a last weight kept."
    )


def check_sparsity_plan(plan, model, ds, keep_share: float) -> None:
    """Notebook 04a: ``plan`` ({layer: sparsity}, applied with tfmot's masks, no fine-tuning)
    keeps at most ``keep_share`` of the dense model's non-zero parameters, and its accuracy on
    ``ds`` (validation) is not below the uniform plan's at the same budget by more than two
    standard errors of the difference."""
    import numbers

    from utils import pruning
    from utils.verdicts.accuracy import difference_error, standard_error

    names = pruning.prunable_layers(model)
    if not isinstance(plan, dict):
        raise NotYet(f"plan should be a dict {{layer name: sparsity}} over {names}.")
    for name, sparsity in plan.items():
        if name not in names:
            known = [layer.name for layer in model.layers]
            where = (
                f"tfmot prunes nothing in {name!r} (its weights are vectors it leaves alone)"
                if name in known
                else f"{name!r} is not a layer of this model"
            )
            raise NotYet(f"{where}: plan only the prunable layers {names}.")
        if isinstance(sparsity, bool) or not isinstance(sparsity, numbers.Real):
            raise NotYet(f"plan[{name!r}] is {sparsity!r}; give a sparsity, a number like 0.8.")
        if 1 < sparsity <= 100:
            raise NotYet(f"plan[{name!r}] is {sparsity:g}: give a fraction, {sparsity / 100:g}.")
        if not 0 <= sparsity < 1:
            raise NotYet(
                f"plan[{name!r}] is {sparsity:g}: a sparsity lies from 0 up to (not including) 1 "
                "(tfmot never prunes every weight)."
            )
    most, dense = pruning.budget(model, keep_share), pruning.nonzero(model)
    kept = pruning.nonzero(pruning.apply_plan(model, plan))
    if kept > most:
        biggest = max(names, key=lambda n: model.get_layer(n).kernel.shape.num_elements())
        fixed = dense - sum(int(model.get_layer(n).kernel.shape.num_elements()) for n in names)
        values = set(plan.values())
        uniform = len(values) == 1 and set(plan) == set(names) and min(values) >= 1 - keep_share
        hint = (
            f" The {fixed:,} parameters tfmot leaves alone (biases, BatchNorm's vectors) count "
            f"too, so every layer at {1 - keep_share:g} keeps more than {keep_share:.0%}."
            if uniform
            else f" Raise the sparsity where the weights are: {biggest!r} holds "
            f"{model.get_layer(biggest).kernel.shape.num_elements():,} of them."
        )
        raise NotYet(
            f"the plan keeps {kept:,} non-zero parameters, {kept - most:,} over the budget of "
            f"{most:,} ({keep_share:.0%} of the dense model's {dense:,}).{hint}"
        )
    found = pruning.compare_plans(model, plan, ds, keep_share)
    a, u, n = found["accuracy"], found["uniform_accuracy"], found["n"]
    noise = difference_error(a, n, u, n)
    said = (
        f"validation accuracy {a:.3f} ± {standard_error(a, n):.3f}, the uniform plan "
        f"(every layer at {found['uniform_sparsity']:g}) {u:.3f} ± "
        f"{standard_error(u, n):.3f}"
    )
    if a < u - 2 * noise:
        raise NotYet(
            f"within the budget, but {said}: yours is lower by more than two standard errors. "
            "Prune less in the layers whose accuracy falls first in the scan, more in those "
            "that hold."
        )
    _correct(f"{kept:,} of {dense:,} non-zero parameters kept (at most {most:,}); {said}.")
