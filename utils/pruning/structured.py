"""Notebooks 04b and A4: structured pruning, channels removed by a criterion in steps with
fine-tuning, and the per-layer sensitivity scan that chooses uneven ratios.
"""

from __future__ import annotations

import tf_keras as keras

from utils.pruning.criteria import channel_layers, channel_scores
from utils.pruning.magnitude import accuracy
from utils.pruning.surgery import fine_tune, keep_highest, remove_units, units_to_keep


def prune_channels(
    model: keras.Model,
    criterion: str,
    fraction,
    train_ds,
    data_ds,
    *,
    steps: int = 2,
    epochs_per_step=1,
    seed: int = 0,
    max_batches: int | None = None,
    scores=None,
) -> keras.Model:
    """Remove ``fraction`` of each layer's channels (a number or ``{layer: fraction}``) in
    ``steps`` equal steps, scoring the channels with ``criterion`` on the current model before
    each step and fine-tuning ``epochs_per_step`` epochs after it: one number for every step, or
    one per step (``(0.5, 2)``: half an epoch at the intermediate width, two at the final one);
    the budget is their sum. ``criterion`` is a name from :data:`CRITERIA` or a function of the
    model giving the scores (a student's own); ``scores``, when given, replaces the first step's
    scoring. Returns the smaller, fine-tuned model."""
    widths = {relu: layer.output_shape[-1] for relu, (layer, _) in channel_layers(model).items()}
    fractions = fraction if isinstance(fraction, dict) else {name: fraction for name in widths}
    epochs = _epochs_per_step(epochs_per_step, steps)
    current = model
    for step in range(1, steps + 1):
        if scores is not None:
            found = scores
        elif callable(criterion):
            found = criterion(current)
        else:
            found = channel_scores(criterion, current, data_ds, seed + step, max_batches)
        targets = {
            name: widths[name] - int(fractions.get(name, 0.0) * step / steps * widths[name])
            for name in widths
        }
        keep = {name: keep_highest(found[name], targets[name]) for name in widths}
        current = fine_tune(
            remove_units(current, keep), train_ds, epochs[step - 1], seed=seed + step
        )
        scores = None  # a given score applies to the first step's widths only
    return current


def _epochs_per_step(epochs_per_step, steps: int) -> list:
    """The fine-tuning epochs after each of ``steps`` steps, from one number or one per step
    (whole numbers stay ``int``; a fraction of an epoch is allowed)."""
    values = (
        [epochs_per_step] * steps
        if isinstance(epochs_per_step, (int, float))
        else list(epochs_per_step)
    )
    try:
        epochs = [int(e) if float(e).is_integer() else float(e) for e in values]
    except (TypeError, ValueError):
        epochs = []
    if len(epochs) != steps or any(e <= 0 for e in epochs):
        raise ValueError(
            f"epochs_per_step={epochs_per_step!r}: give a positive number of epochs (e.g. 2, or "
            f"0.5 for half an epoch) for every step, or one number for all {steps} steps."
        )
    return epochs


def sensitivity(
    model: keras.Model, ds, ratios=(0.25, 0.5, 0.75, 0.9), criterion: str = "L1 norm"
) -> list[dict]:
    """Prune one layer at a time (by ``criterion``, no fine-tuning) at each ratio and measure the
    accuracy on ``ds``: ``[{"layer", "ratio", "accuracy"}]``, the scan MIT's efficient-ML lab 1
    teaches. A layer whose accuracy barely moves can lose more channels than one that falls."""
    scores = channel_scores(criterion, model, ds)
    rows = []
    for name in scores:
        for ratio in ratios:
            smaller = remove_units(model, units_to_keep(scores, {name: ratio}))
            rows.append({"layer": name, "ratio": ratio, "accuracy": accuracy(smaller, ds)})
    return rows


def ratios_from_sensitivity(rows: list[dict], baseline: float, max_drop: float) -> dict[str, float]:
    """Per layer, the largest scanned ratio whose accuracy stays within ``max_drop`` of
    ``baseline`` (0 when none does): non-uniform ratios read off the sensitivity scan."""
    chosen: dict[str, float] = {}
    for row in rows:
        chosen.setdefault(row["layer"], 0.0)
        if baseline - row["accuracy"] <= max_drop:
            chosen[row["layer"]] = max(chosen[row["layer"]], row["ratio"])
    return chosen
