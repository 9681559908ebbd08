"""Notebook 04b: the checkers of the pruning exercises (the channel surgery of one block, the
filters' L1 norms); notebook 04a's are in :mod:`utils.exercises.nb04a`."""

from __future__ import annotations

from utils.exercises.base import NotYet, _correct


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


def _channels(array, original, axis: int):
    """Which of ``original``'s channels along ``axis`` ``array`` holds, in order; None when some
    slice of ``array`` is none of them (or the shapes cannot match)."""
    import numpy as np

    array = np.asarray(array)
    if array.ndim != original.ndim:
        return None
    rows = np.moveaxis(array, axis, 0)
    columns = np.moveaxis(original, axis, 0)
    if rows.shape[1:] != columns.shape[1:]:
        return None
    columns = columns.reshape(len(columns), -1)
    found = []
    for row in rows.reshape(len(rows), -1):
        hits = np.flatnonzero((columns == row).all(axis=1))
        if not len(hits):
            return None
        found.append(int(hits[0]))
    return found


def _sliced(array, original, order: list, axis: int) -> bool:
    """Whether ``array`` is ``original``'s channels ``order`` along ``axis``, exactly."""
    import numpy as np

    return np.array_equal(np.asarray(array), np.take(original, order, axis=axis))


def _order_hint(what: str, held, order: list) -> str:
    if held is None:
        return (
            f"{what} does not hold the kept channels' original values: slice it, do not change it"
        )
    if sorted(held) == sorted(order):
        return (
            f"{what} holds the kept channels in another order ({held}) than conv1's kernel "
            f"({order}): slice every array with the same keep list, in the same order"
        )
    return f"{what} holds the channels {held}, but conv1's kernel holds {order}"


def _surgery_mistake(block, answer, keep: list):
    """The first mistake in ``answer`` (the student's ``(conv1, bn, conv2)``) for ``block`` and
    ``keep``, as a hint; None when every array holds the right slice."""
    import numpy as np

    from utils.pruning.block import BN_ARRAYS

    n = block.conv1["kernel"].shape[-1]
    if not (
        isinstance(answer, (tuple, list))
        and len(answer) == 3
        and all(isinstance(part, dict) for part in answer)
    ):
        return "narrow_block should return three dicts, (conv1, bn, conv2), like those it was given"
    conv1, bn, conv2 = answer
    for what, given, original in zip(("conv1", "bn", "conv2"), answer, block.arrays):
        if set(given) != set(original):
            return (
                f"{what} has the keys {sorted(given)}; return the keys it came with, "
                f"{sorted(original)}"
            )
    kernel, original = np.asarray(conv1["kernel"]), block.conv1["kernel"]
    if kernel.shape == original.shape:
        return (
            f"conv1's kernel still has all {n} filters: keep those in keep, along axis 3 (a "
            "kernel is height × width × inputs × filters)"
        )
    if kernel.ndim == 4 and kernel.shape[3] == n and _channels(kernel, original, 2) is not None:
        return (
            "you sliced axis 2 of conv1's kernel, its input channels; its filters are axis 3 "
            "(height × width × inputs × filters)"
        )
    order = next(
        (
            list(candidate)
            for candidate in (keep, sorted(keep))
            if np.array_equal(kernel, np.take(original, candidate, axis=3))
        ),
        None,
    ) or _channels(kernel, original, 3)
    if order is None:
        return (
            f"conv1's kernel has the shape {kernel.shape}, not its {len(keep)} kept filters "
            f"along axis 3 {original.shape[:3] + (len(keep),)}"
        )
    if set(order) != set(keep):
        dropped = sorted(set(range(n)) - set(keep))
        if sorted(order) == dropped:
            return "conv1's kernel holds the filters NOT in keep: keep lists the filters that stay"
        return f"conv1's kernel holds the filters {order}, not those in keep"
    if "bias" in conv1:
        bias = np.asarray(conv1["bias"])
        if bias.shape == (n,):
            return (
                f"conv1's bias still has all {n} values: a filter's bias goes with it, so "
                "slice the bias with keep too"
            )
        if not _sliced(bias, block.conv1["bias"], order, 0):
            return _order_hint("conv1's bias", _channels(bias, block.conv1["bias"], 0), order)
    whole = [name for name in BN_ARRAYS if np.shape(bn[name]) == (n,)]
    if whole and "gamma" not in whole and "beta" not in whole:
        return (
            f"BatchNorm's moving statistics ({' and '.join(whole)}) still have all {n} values: "
            "slice them as well as gamma and beta, all four hold one number per channel"
        )
    for name in BN_ARRAYS:
        if name in whole:
            return f"BatchNorm's {name} still has all {n} values: slice all four vectors with keep"
        if not _sliced(bn[name], block.bn[name], order, 0):
            held = _channels(bn[name], block.bn[name], 0)
            return _order_hint(f"BatchNorm's {name}", held, order)
    kernel, original = np.asarray(conv2["kernel"]), block.conv2["kernel"]
    if kernel.shape == original.shape:
        return (
            f"conv2's kernel still reads all {n} channels: the next layer's input channels "
            "(axis 2 of its kernel) that came from dropped filters must go too"
        )
    if kernel.ndim == 4 and kernel.shape[2] == n and _channels(kernel, original, 3) is not None:
        return (
            "you sliced axis 3 of conv2's kernel, its own filters; the channels it reads from "
            "conv1 are axis 2 (height × width × inputs × filters)"
        )
    if not _sliced(kernel, original, order, 2):
        return _order_hint("conv2's kernel (axis 2)", _channels(kernel, original, 2), order)
    if "bias" in conv2 and not np.array_equal(conv2["bias"], block.conv2["bias"]):
        return "conv2's bias belongs to its own filters, which all stay: return it unchanged"
    return None


def check_channel_surgery(narrow_block, model, seed: int = 0) -> None:
    """Notebook 04b: ``narrow_block(conv1, bn, conv2, keep)`` returns the block's arrays with only
    the channels in ``keep``: conv1's filters (its kernel's axis 3, and its bias), BatchNorm's four
    vectors and conv2's input channels (its kernel's axis 2). Run on a hand-made block with biases
    and an unsorted keep list, then on ``model``'s first block with a random keep list, each
    against the original block whose dropped channels output exactly 0: the outputs must agree
    (to float32 rounding, the sums' order differs). Names the first wrong array."""
    import numpy as np

    from utils import pruning

    if not callable(narrow_block):
        raise NotYet(
            "narrow_block should be a function of (conv1, bn, conv2, keep), not its result."
        )
    rng = np.random.default_rng(seed)
    real = pruning.first_block(model)
    n = real.conv1["kernel"].shape[-1]
    cases = (
        ("a hand-made block with biases", pruning.toy_block(seed), [4, 0, 2, 5]),
        (
            "the model's first block",
            real,
            np.sort(rng.choice(n, max(1, n * 5 // 8), replace=False)),
        ),
    )
    for where, block, keep in cases:
        try:
            answer = narrow_block(*block.arrays, keep.copy())
        except KeyError as error:
            raise NotYet(
                f"on {where}, narrow_block looked up {error}, which is not there: slice the "
                "arrays each dict holds (the model's convolutions have no bias)."
            ) from None
        except (IndexError, ValueError, TypeError) as error:
            raise NotYet(
                f"on {where}, narrow_block raised {type(error).__name__} ({error}): keep numbers "
                "conv1's filters, axis 3 of its kernel and axis 2 of conv2's."
            ) from None
        keep = [int(c) for c in keep]
        hint = _surgery_mistake(block, answer, keep)
        if hint is None:
            dropped = sorted(set(range(block.conv1["kernel"].shape[-1])) - set(keep))
            zeroed = pruning.zero_channels(block.conv1, block.bn, dropped)
            x = rng.random((2, 8, 8, block.conv1["kernel"].shape[2]), dtype=np.float32)
            expected = pruning.run_block(block.layers, *zeroed, block.conv2, x)
            worst = float(np.max(np.abs(pruning.run_block(block.layers, *answer, x) - expected)))
            if worst <= 1e-5 * max(1.0, float(np.max(np.abs(expected)))):
                continue
            hint = (
                f"its output differs from the block's with the dropped channels zeroed, by up "
                f"to {worst:.3g}"
            )
        raise NotYet(f"on {where} (keep = {keep}): {hint}.")
    _correct(
        f"conv1's filters and bias, BatchNorm's four vectors and conv2's input channels sliced "
        f"alike: the narrowed blocks compute what the originals do with the dropped channels "
        f"zeroed (the model's first block: {n} → {len(keep)} filters)."
    )
