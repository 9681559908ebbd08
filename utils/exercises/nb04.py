"""Notebook 04b: the checkers of the pruning exercises (rarely firing channels, the filters' L1
norms); notebook 04a's are in :mod:`utils.exercises.nb04a`."""

from __future__ import annotations

import math

from utils.exercises.base import NotYet, _correct


def check_rare_units(counts, layer, rates, threshold: float) -> None:
    """Notebook 04: count each layer's channels that fire at most ``threshold`` of the time, and
    name the layer with the most of them (None when no layer has any)."""
    import numpy as np

    from utils import pruning

    truth = pruning.dead_units(rates, threshold)
    if not isinstance(counts, dict) or set(counts) != set(truth):
        raise NotYet(
            f"rare_counts should be a dict with one count per ReLU layer, keyed by the "
            f"layer names {sorted(truth)} (the keys of rates)."
        )
    wrong = {name: counts[name] for name in truth if counts[name] != truth[name]}
    if wrong:
        name, count = next(iter(wrong.items()))
        channels = len(rates[name])
        share = float(np.mean(np.asarray(rates[name]) <= threshold))
        if (
            isinstance(count, float)
            and not float(count).is_integer()
            and math.isclose(count, share, abs_tol=1e-6)
        ):
            hint = "that is the share of the layer's channels; count them (np.sum, not np.mean)."
        elif count == channels - truth[name]:
            hint = (
                "those are the channels that fire *more* often; count the ones whose rate is "
                f"at most {threshold:g}."
            )
        else:
            hint = (
                f"count the channels whose firing rate is at most {threshold:g}: "
                f"np.sum(rates[name] <= {threshold:g})."
            )
        raise NotYet(
            f"rare_counts[{name!r}] is {count!r}, but {truth[name]} of its {channels} "
            f"channels fire at most {threshold:g} of the time; {hint}"
        )
    most = max(truth.values())
    leaders = [name for name, count in truth.items() if count == most]
    if most == 0:
        if layer is None:
            _correct(f"no channel fires at most {threshold:g} of the time, in any layer.")
            return
        raise NotYet(
            f"no layer has a channel firing at most {threshold:g} of the time (all "
            f"counts are 0), so there is no such layer: answer None."
        )
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        raise NotYet(
            f"most_rare is the number {layer}; give the layer's name, one of {sorted(truth)}."
        )
    if layer not in truth:
        raise NotYet(
            f"most_rare is {layer!r}, which is not one of the ReLU layers {sorted(truth)}."
        )
    if layer not in leaders:
        by_share = max(truth, key=lambda name: truth[name] / len(rates[name]))
        hint = (
            f" {layer!r} has the largest *share* of them, but the question is the largest number."
            if layer == by_share
            else ""
        )
        raise NotYet(
            f"{layer!r} has {truth[layer]} such channels, {leaders[0]!r} has {most}: "
            f"pick the layer with the largest count.{hint}"
        )
    total = sum(len(r) for r in rates.values())
    _correct(
        f"{layer!r}, with {most} of its {len(rates[layer])} channels firing at most "
        f"{threshold:g} of the time ({sum(truth.values())} of {total} channels in all)."
    )


def check_l1_norms(filter_l1_norms, model) -> None:
    """Notebook 04: ``filter_l1_norms(model)`` gives the L1 norm of every filter, as
    ``{ReLU layer name: one norm per channel}`` (the sum of the absolute values of the weights
    that compute the channel)."""
    import numpy as np

    from utils import pruning

    layers = pruning.channel_layers(model)
    truth = pruning.l1_norms(model)
    if not callable(filter_l1_norms):
        raise NotYet(
            "filter_l1_norms should be a function that takes the model and returns the "
            "norms, not the norms themselves."
        )
    answer = filter_l1_norms(model)
    if not isinstance(answer, dict) or set(answer) != set(truth):
        conv_names = {layer.name for layer, _ in layers.values()}
        if isinstance(answer, dict) and set(answer) == conv_names:
            hint = (
                "those are the convolutions' names: key each norm by the ReLU layer that "
                "follows its convolution, as the firing rates are"
            )
        else:
            hint = "one entry per ReLU layer, as the firing rates have"
        raise NotYet(f"the result should be a dict keyed by {sorted(truth)}; {hint}.")
    for name, expected in truth.items():
        got = np.asarray(answer[name], dtype=np.float64)
        kernel = layers[name][0].kernel.numpy()
        flat = kernel.reshape(-1, kernel.shape[-1]).astype(np.float64)
        if got.shape != expected.shape:
            hint = (
                " You summed over the filters (the kernel's last axis); sum over the other three."
                if got.shape[-1:] == (kernel.shape[-2],)
                else ""
            )
            raise NotYet(
                f"{name}: {got.shape} values, but the layer has {len(expected)} filters: "
                f"give one norm per filter.{hint}"
            )
        if np.allclose(got, expected, rtol=1e-5, atol=1e-6):
            continue
        if np.allclose(got, flat.sum(axis=0), rtol=1e-5, atol=1e-6):
            hint = "that is the plain sum of the weights; the L1 norm adds their absolute values"
        elif np.allclose(got, np.sqrt((flat**2).sum(axis=0)), rtol=1e-5, atol=1e-6):
            hint = (
                "that is the L2 norm (root of the sum of squares); the L1 norm sums absolute values"
            )
        elif np.allclose(got, np.abs(flat).mean(axis=0), rtol=1e-5, atol=1e-6):
            hint = "that is the mean of the absolute values; the L1 norm is their sum"
        else:
            hint = "np.abs(kernel).sum(axis=(0, 1, 2)) gives one norm per filter"
        raise NotYet(f"{name}: the norms differ from the kernel's L1 norms; {hint}.")
    smallest = {name: int(np.argmin(v)) for name, v in truth.items()}
    _correct(f"one L1 norm per filter in every layer; the weakest filters are {smallest}.")
