"""Notebooks 04a and 04b: pruning, removing weights by magnitude (tfmot) and whole channels.

The rooms: :mod:`~utils.pruning.recipe` (generated from notebook 04a's ``#@save`` cell: the tfmot
schedule and :func:`prune`), :mod:`~utils.pruning.magnitude` (the zeros, three sizes, accuracy
and a call to time), :mod:`~utils.pruning.masks` (tfmot's own masks),
:mod:`~utils.pruning.plans` (per-layer sparsity plans against a budget, their sensitivity scan),
:mod:`~utils.pruning.criteria` (the channel scores), :mod:`~utils.pruning.surgery` (rebuilding a
model without channels, and fine-tuning it), :mod:`~utils.pruning.block` (one conv → BatchNorm →
conv block as arrays, for the surgery exercise), :mod:`~utils.pruning.structured` (removing
channels in steps, the sensitivity scan) and :mod:`~utils.pruning.sweeps` (the cached sweeps that
notebooks 05 and 08 read too). The names below are the ones notebooks, tests and the other
modules use as ``pruning.<name>``.
"""

from utils.pruning.block import (
    BN_ARRAYS,
    Block,
    first_block,
    run_block,
    toy_block,
    with_block,
    zero_channels,
)
from utils.pruning.criteria import (
    CRITERIA,
    SLIMMING_PENALTY,
    bn_gammas,
    channel_layers,
    channel_scores,
    dead_units,
    firing_rates,
    l1_norms,
    random_scores,
    slim,
    taylor_scores,
)
from utils.pruning.magnitude import accuracy, single_image_forward, sizes, sparsity_report
from utils.pruning.masks import tfmot_mask, tfmot_masks, tfmot_pruned
from utils.pruning.plans import (
    SCAN_SPARSITIES,
    apply_plan,
    budget,
    check_plan,
    compare_plans,
    nonzero,
    prunable_layers,
    sensitivity_scan,
    uniform_plan,
)
from utils.pruning.recipe import FINETUNE_LEARNING_RATE, prune, schedule_for
from utils.pruning.structured import prune_channels, ratios_from_sensitivity, sensitivity
from utils.pruning.surgery import (
    REMOVAL_FINETUNE_LEARNING_RATE,
    batches,
    fine_tune,
    keep_highest,
    remove_units,
    units_to_keep,
)
from utils.pruning.sweeps import (
    CHANNEL_FRACTIONS,
    CHANNEL_SEEDS,
    CHANNEL_STEPS,
    CHANNELS_FILE,
    SCORING_BATCHES,
    SENSITIVITY_RATIOS,
    SWEEP_FILE,
    SWEEP_SPARSITIES,
    best_channel_model,
    channel_budget,
    channel_sweep,
    criteria_to_compare,
    finetuned_variants,
    model_file,
    summarize,
    sweep,
)

__all__ = [
    "BN_ARRAYS",
    "Block",
    "first_block",
    "run_block",
    "toy_block",
    "with_block",
    "zero_channels",
    "CRITERIA",
    "SLIMMING_PENALTY",
    "bn_gammas",
    "channel_layers",
    "channel_scores",
    "dead_units",
    "firing_rates",
    "l1_norms",
    "random_scores",
    "slim",
    "taylor_scores",
    "accuracy",
    "single_image_forward",
    "sizes",
    "sparsity_report",
    "tfmot_mask",
    "tfmot_masks",
    "tfmot_pruned",
    "SCAN_SPARSITIES",
    "apply_plan",
    "budget",
    "check_plan",
    "compare_plans",
    "nonzero",
    "prunable_layers",
    "sensitivity_scan",
    "uniform_plan",
    "FINETUNE_LEARNING_RATE",
    "prune",
    "schedule_for",
    "prune_channels",
    "ratios_from_sensitivity",
    "sensitivity",
    "REMOVAL_FINETUNE_LEARNING_RATE",
    "batches",
    "fine_tune",
    "keep_highest",
    "remove_units",
    "units_to_keep",
    "CHANNEL_FRACTIONS",
    "CHANNEL_SEEDS",
    "CHANNEL_STEPS",
    "CHANNELS_FILE",
    "SCORING_BATCHES",
    "SENSITIVITY_RATIOS",
    "SWEEP_FILE",
    "SWEEP_SPARSITIES",
    "best_channel_model",
    "channel_budget",
    "channel_sweep",
    "criteria_to_compare",
    "finetuned_variants",
    "model_file",
    "summarize",
    "sweep",
]
