"""Notebooks 04, 05 and 08: the cached sweeps, magnitude pruning at six sparsities and the
channel criteria over seeds, and the best structured model the variant grid converts.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import tf_keras as keras

from utils import artifacts, build_time, config, data, decoded, measure, progress, training
from utils.keras3 import preflight_tfmot
from utils.pruning.criteria import CRITERIA, SLIMMING_PENALTY, channel_scores, slim
from utils.pruning.magnitude import accuracy, single_image_forward, sizes
from utils.pruning.recipe import FINETUNE_LEARNING_RATE, prune
from utils.pruning.structured import prune_channels, sensitivity
from utils.pruning.surgery import REMOVAL_FINETUNE_LEARNING_RATE, remove_units, units_to_keep


SWEEP_SPARSITIES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)
SWEEP_FILE = "sweep.json"


def _sweep_settings() -> dict:
    return {
        "model": artifacts.path("training.model").name,
        "sparsities": SWEEP_SPARSITIES,
        "finetune_epochs": config.settings().finetune_epochs,
        "learning_rate": FINETUNE_LEARNING_RATE,
        "finetune_images": config.finetune_images(),  # None: all the training images
        "recipe": "prune/4",  # 4: decoded once in memory, the fine-tuning images may be capped
    }


def finetune_ds(seed: int):
    """The sweeps' fine-tuning data: the training images (at most ``COURSE_FINETUNE_IMAGES``,
    :func:`utils.decoded.finetune_split`), decoded once per process, shuffled with ``seed`` and
    augmented, in the profile's batches."""
    cfg = config.settings()
    return data.pipeline(
        decoded.finetune_split(), cfg.batch_size, training=True, augmented=True, seed=seed
    )


def evaluation_ds(split: str):
    """One split, decoded once per process, in batches of 256 for evaluation."""
    return data.pipeline(decoded.split(split), 256)


@artifacts.register(
    "pruning.sweep",
    settings=_sweep_settings,
    what="the magnitude-pruning sweep: each sparsity pruned and fine-tuned",
    more=lambda: build_time.for_this_build("pruning.sweep"),
)
def _build_sweep(folder: Path, settings: dict) -> None:
    cfg = config.settings()
    model, _ = training.trained_model()
    preflight_tfmot(model)  # before tfmot sees it: a Keras 3 model gets one sentence
    train_ds = finetune_ds(cfg.seed)
    test_ds, validation_ds = evaluation_ds("test"), evaluation_ds("validation")
    rows, calls = [], {}
    with progress.bar(len(settings["sparsities"]) + 1, "the magnitude-pruning sweep") as bar:
        for sparsity in settings["sparsities"]:
            bar.step(f"sparsity {sparsity:.0%}: pruning, fine-tuning, evaluating")
            pruned = (
                prune(model, sparsity, train_ds, settings["finetune_epochs"]) if sparsity else model
            )
            calls[sparsity] = single_image_forward(pruned, cfg.image_size)
            rows.append(
                {
                    "sparsity": sparsity,
                    "validation_accuracy": accuracy(pruned, validation_ds),
                    "test_accuracy": accuracy(pruned, test_ds),
                    "finetune_images": decoded.finetune_count(),  # of decoded.train_count()
                    **sizes(pruned, folder / f"sparsity_{round(100 * sparsity)}.keras"),
                }
            )
        bar.step("timing every sparsity in turns")
        timings = measure.time_in_turns(calls, cfg.timing_runs, cfg.timing_warmup)
    for row in rows:
        row.update(
            latency_ms=timings[row["sparsity"]].median_ms,
            latency_p95_ms=timings[row["sparsity"]].p95_ms,
        )
    (folder / SWEEP_FILE).write_text(json.dumps(rows, indent=1))


def sweep() -> list[dict]:
    """The sparsity sweep (built and cached the first time): one row per sparsity, with its
    validation and test accuracy, three sizes and single-image latency."""
    return json.loads((artifacts.get("pruning.sweep") / SWEEP_FILE).read_text())


CHANNEL_FRACTIONS = (0.5,)  # of every layer's channels removed: 0.75 too would double the sweep
CHANNEL_SEEDS = (0, 1, 2)
CHANNEL_STEPS = 2  # prune in two steps, fine-tuning after each
SENSITIVITY_RATIOS = (0.25, 0.5, 0.75, 0.9)
# epochs of network slimming's penalised training per seed: one (the full profile's two gave the
# slimmed criterion's cut models the same validation accuracy within noise, three seeds:
# 0.926, 0.924, 0.927 after one epoch against 0.928, 0.926, 0.929 after two)
SLIMMING_EPOCHS = 1
SCORING_BATCHES = 4  # batches of training images that the firing rate and Taylor score watch
CHANNELS_FILE = "channels.json"


INTERMEDIATE_SHARE = 0.25  # of the final width's fine-tuning, after each step before the last


def channel_budget() -> dict:
    """The fine-tuning budget of every cut model: epochs after each step, in all, and as a share
    of the training run.

    After the last step, the model at its final width gets the fine-tuning a magnitude-pruned
    model gets (the profile's ``finetune_epochs``); after each step before it, a quarter of that
    (:data:`INTERMEDIATE_SHARE`; full profile: half an epoch): an intermediate width is cut again
    soon after, and what the final model reaches depends on its own fine-tuning. In the full
    profile, 0.5 + 2 epochs reach the validation accuracy of 1 + 2 within noise (a cold build,
    three seeds, six criteria: every mean within 0.008, one binomial standard error on 1,000
    images; the verdicts of notebooks 04b and A4 unchanged; the seeds spread wider, firing rate
    0.018 against 0.005) at 80 % of the CPU seconds (benchmarks/results/cold_build_after.json);
    1 + 2 matched 2 + 2 before it, and 1 + 1 fell about 3 points.
    """
    cfg = config.settings()
    last = cfg.finetune_epochs
    per_step = (*[INTERMEDIATE_SHARE * last] * (CHANNEL_STEPS - 1), last)
    per_step = tuple(int(e) if float(e).is_integer() else e for e in per_step)
    return {
        "steps": CHANNEL_STEPS,
        "epochs_per_step": per_step,
        "epochs": sum(per_step),
        "share_of_training": sum(per_step) / cfg.epochs,
    }


def _channels_settings() -> dict:
    return {
        "model": artifacts.path("training.model").name,
        "criteria": CRITERIA,
        "fractions": CHANNEL_FRACTIONS,
        "seeds": CHANNEL_SEEDS,
        **channel_budget(),
        "slimming_epochs": SLIMMING_EPOCHS,
        "learning_rate": REMOVAL_FINETUNE_LEARNING_RATE,
        "slimming_penalty": SLIMMING_PENALTY,
        "scoring_batches": SCORING_BATCHES,
        "sensitivity": SENSITIVITY_RATIOS,
        "finetune_images": config.finetune_images(),  # None: all the training images
        # 3: 0.5 + 2 fine-tuning epochs and one slimming epoch (full profile), the data decoded
        # once in memory, the fine-tuning images may be capped
        "recipe": "channels/3",
    }


def model_file(criterion: str, fraction: float, seed: int) -> str:
    """The file name of one cut model in the channel sweep's folder."""
    name = criterion.replace(" ", "_").replace(",", "")
    return f"{name}_{round(100 * fraction)}_seed{seed}.keras"


@artifacts.register(
    "pruning.channels",
    settings=_channels_settings,
    what="the channel sweep: each criterion, fraction and seed cut and fine-tuned",
    more=lambda: build_time.for_this_build("pruning.channels"),
)
def _build_channels(folder: Path, settings: dict) -> None:
    model, _ = training.trained_model()
    validation_ds, test_ds = evaluation_ds("validation"), evaluation_ds("test")
    shared = {"validation": validation_ds, "test": test_ds, "just cut": {}}
    out = {
        "dense": {
            "parameters": model.count_params(),
            "validation_accuracy": accuracy(model, validation_ds),
            "test_accuracy": accuracy(model, test_ds),
        },
        "sensitivity": sensitivity(model, validation_ds, settings["sensitivity"]),
        # the training images the cut models were fine-tuned on, of all of them
        "finetune_images": decoded.finetune_count(),
        "train_images": decoded.train_count(),
        "rows": [],
    }
    steps = len(settings["seeds"]) * (1 + len(settings["criteria"]) * len(settings["fractions"]))
    with progress.bar(steps, "the channel sweep") as bar:
        for seed in settings["seeds"]:
            _channel_seed(out, folder, settings, model, seed, bar, shared)
    (folder / CHANNELS_FILE).write_text(json.dumps(out, indent=1))


# criteria whose one-shot cut of the trained model is the same for every seed (no random draw,
# the same scoring batches): cut and evaluated once, shared between the seeds
SEED_FREE = ("firing rate", "L1 norm", "BN gamma", "Taylor")


def _channel_seed(
    out: dict, folder: Path, settings: dict, model, seed: int, bar, shared: dict
) -> None:
    """One seed of the channel sweep: slimming, then every criterion and fraction, cut and
    fine-tuned; rows appended to ``out``. ``shared``: the evaluation splits and the one-shot
    cuts' accuracies of the seed-free criteria, kept between the seeds."""
    cfg = config.settings()
    validation_ds, test_ds = shared["validation"], shared["test"]
    # the first batches of the training split, in order (not cached: only a few are read)
    scoring_ds = data.pipeline(decoded.split("train"), cfg.batch_size, cache=False)
    bar.step(f"seed {seed}: network slimming (training with an L1 penalty on BN gammas)")
    train_ds = finetune_ds(cfg.seed + seed)
    slimmed = slim(
        model,
        train_ds,
        settings["slimming_epochs"],
        settings["slimming_penalty"],
        seed=cfg.seed + seed,
    )
    for criterion in settings["criteria"]:
        base = slimmed if criterion == "BN gamma, slimmed" else model
        for fraction in settings["fractions"]:
            bar.step(f"seed {seed}, {criterion}, {fraction:.0%} of channels: cut, fine-tune")
            just_cut = shared["just cut"].get((criterion, fraction))
            if just_cut is None:
                scores = channel_scores(
                    criterion, base, scoring_ds, cfg.seed + seed, settings["scoring_batches"]
                )
                cut_once = remove_units(base, units_to_keep(scores, fraction))
                just_cut = accuracy(cut_once, validation_ds)
                if criterion in SEED_FREE:
                    shared["just cut"][criterion, fraction] = just_cut
            cut = prune_channels(
                base,
                criterion,
                fraction,
                train_ds,
                scoring_ds,
                steps=settings["steps"],
                epochs_per_step=settings["epochs_per_step"],
                seed=cfg.seed + seed,
                max_batches=settings["scoring_batches"],
            )
            if seed == settings["seeds"][0]:
                cut.save(folder / model_file(criterion, fraction, seed))
            out["rows"].append(
                {
                    "criterion": criterion,
                    "fraction": fraction,
                    "seed": seed,
                    "parameters": cut.count_params(),
                    "just_cut_validation_accuracy": just_cut,
                    "validation_accuracy": accuracy(cut, validation_ds),
                    "test_accuracy": accuracy(cut, test_ds),
                }
            )


def channel_sweep() -> dict:
    """The channel-criteria sweep (built and cached the first time): ``{"dense": {...},
    "sensitivity": [...], "rows": [one per criterion, fraction and seed]}``, each row with the
    parameters, the validation accuracy right after a one-shot cut, and the validation and test
    accuracy after the iterative prune and fine-tune."""
    return json.loads((artifacts.get("pruning.channels") / CHANNELS_FILE).read_text())


def best_channel_model(fraction: float) -> keras.Model:
    """The channel sweep's best structured model at ``fraction``: the criterion with the highest
    mean validation accuracy over the seeds (chosen on validation), as fine-tuned with the first
    seed. The variant grid of notebooks 05 and 08 converts it to every format."""
    channels = channel_sweep()
    candidates = [s for s in summarize(channels["rows"]) if np.isclose(s["fraction"], fraction)]
    if not candidates:
        removed = sorted({r["fraction"] for r in channels["rows"]})
        raise ValueError(
            f"The channel sweep removed {removed} of the channels, not {fraction}: "
            "choose one of those."
        )
    best = max(candidates, key=lambda s: s["mean"])
    name = model_file(best["criterion"], best["fraction"], CHANNEL_SEEDS[0])
    return keras.models.load_model(artifacts.get("pruning.channels") / name)


def summarize(rows: list[dict], key: str = "validation_accuracy") -> list[dict]:
    """Per (criterion, fraction): the mean, the sample standard deviation (0 for one seed), the
    lowest and highest ``key`` over the seeds, and how many seeds."""
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        groups.setdefault((row["criterion"], row["fraction"]), []).append(row[key])
    return [
        {
            "criterion": c,
            "fraction": f,
            "mean": float(np.mean(v)),
            "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
            "min": float(np.min(v)),
            "max": float(np.max(v)),
            "seeds": len(v),
            "values": v,
        }
        for (c, f), v in groups.items()
    ]


def finetuned_variants(rows: list[dict], channels: dict | None = None) -> dict:
    """Every fine-tuned model of the two sweeps as ``{name: (validation, test)}``: each sparsity
    of the magnitude sweep but 0 (the dense model itself, not fine-tuned), and each channel
    criterion and fraction with its accuracies averaged over the seeds. What
    ``verdicts.finetuned_against_dense`` chooses from (appendix A4, benchmarks/undertrained.py).
    """
    variants = {
        f"{row['sparsity']:.0%} sparse (magnitude)": (
            row["validation_accuracy"],
            row["test_accuracy"],
        )
        for row in rows
        if row["sparsity"] > 0
    }
    if channels is not None:
        tests = {
            (s["criterion"], s["fraction"]): s["mean"]
            for s in summarize(channels["rows"], "test_accuracy")
        }
        for s in summarize(channels["rows"]):
            name = f"{s['criterion']}, {s['fraction']:.0%} of filters removed"
            variants[name] = (s["mean"], tests[(s["criterion"], s["fraction"])])
    return variants


def criteria_to_compare(
    means: dict[str, float], claimed: str = "firing rate", baseline: str = "random"
) -> list[tuple[str, str]]:
    """The pairs of criteria appendix A4's verdicts compare, from each criterion's mean accuracy:
    the ``claimed`` criterion (the blog post's) against the ``baseline``, the best against the
    runner-up, and the best against the baseline where neither comparison already made it.
    A criterion is never compared with itself, and no pair is compared twice."""
    if len(means) < 2 or claimed not in means or baseline not in means or claimed == baseline:
        raise ValueError(
            f"criteria {sorted(means)}: give the means of at least two criteria, among them "
            f"{claimed!r} and {baseline!r} (two different criteria)."
        )
    best, runner_up = sorted(means, key=lambda name: -means[name])[:2]
    pairs = [(claimed, baseline), (best, runner_up), (best, baseline)]
    chosen: list[tuple[str, str]] = []
    for a, b in pairs:
        if a != b and {a, b} not in [set(pair) for pair in chosen]:
            chosen.append((a, b))
    return chosen
