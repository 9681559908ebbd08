"""Benchmark: was the course's model undertrained? The dense model's validation and test accuracy
beside the best fine-tuned pruned variant's, from the cached artifacts of a run.

    .venv/bin/python benchmarks/undertrained.py [--profile full|smoke]

Reads ``build/artifacts/<profile>/`` for the active dataset (``COURSE_DATASET``) and builds
nothing: the trained model's history (``training.model``), the magnitude-pruning sweep
(``pruning.sweep``) and, where it was built, the channel sweep (``pruning.channels``). Prints the
early-stopping facts (epochs run of those planned, the epoch whose weights were restored, the
patience), notebook 02's verdict on whether the run stopped while still improving, the dense
model's validation and test accuracy with their standard errors beside every fine-tuned
variant's, and notebook 04's verdict on the one chosen on validation: did it beat the dense model
on test by more than noise? Where an artifact is missing it says which, and how to build it.
"""

import argparse
import json
import sys

from utils import config


def missing_artifacts(names) -> list[str]:
    """The artifacts among ``names`` that are not cached for the active profile and settings."""
    from utils import artifacts

    return [
        f"{name} ({artifacts.path(name)})"
        for name in names
        if not (artifacts.path(name) / artifacts.MANIFEST).is_file()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    args = parser.parse_args()
    config.use_profile(args.profile)
    from utils import artifacts, data, pruning, training, verdicts

    dataset = config.dataset_name()
    needed = ["training.model", "pruning.sweep"]
    if dataset != data.CATALOGUE:
        needed.insert(0, f"data.{dataset}")
    missing = missing_artifacts(needed)
    if missing:
        sys.exit(
            f"Missing cached artifacts for profile {args.profile!r}, dataset {dataset!r}: "
            f"{'; '.join(missing)}. Build them with `.venv/bin/python benchmarks/pruning.py "
            f"--profile {args.profile}` (it trains the model and builds both pruning sweeps), "
            f"or by running notebooks 02 and 04 in that profile; then run this again."
        )
    history = json.loads((artifacts.path("training.model") / training.HISTORY_FILE).read_text())
    rows = json.loads((artifacts.path("pruning.sweep") / pruning.SWEEP_FILE).read_text())
    channels = None
    if missing_artifacts(["pruning.channels"]):
        print("The channel sweep (pruning.channels) is not cached: only magnitude pruning is read.")
    else:
        channels = json.loads(
            (artifacts.path("pruning.channels") / pruning.CHANNELS_FILE).read_text()
        )

    n = {
        split: sum(int(labels.shape[0]) for _, labels in data.pipeline(data.load(split), 256))
        for split in ("validation", "test")
    }
    stop = verdicts.training_stop(history, n["validation"])
    print(
        f"\nprofile {args.profile}, dataset {dataset!r}: {n['validation']:,} validation and "
        f"{n['test']:,} test images"
    )
    print(
        f"training: {stop.epochs_run} of {stop.planned_epochs} planned epochs run (patience "
        f"{stop.patience}, watching from epoch {history.get('start_from_epoch', 0) + 1}, "
        f"min_delta {history.get('min_delta', 0):.3f}), "
        f"{'stopped early' if stop.stopped_early else 'no early stop'}; "
        f"epoch {stop.best_epoch}'s weights restored (validation {stop.best_accuracy:.3f})"
    )
    print(
        "validation accuracy by epoch: "
        + " ".join(f"{value:.3f}" for value in history["val_accuracy"])
    )
    print(stop.text.replace("**", ""))

    def with_error(value: float, split: str) -> str:
        return f"{value:.3f} ± {verdicts.standard_error(value, n[split]):.3f}"

    dense = next(row for row in rows if row["sparsity"] == 0)
    variants = pruning.finetuned_variants(rows, channels)
    chosen = max(variants, key=lambda name: variants[name][0])
    width = max(len(name) for name in [*variants, "dense (the trained model)"]) + 2
    print(f"\n{'':<{width}}{'validation':>16}{'test':>16}   (accuracy ± one standard error)")
    print(
        f"{'dense (the trained model)':<{width}}"
        f"{with_error(dense['validation_accuracy'], 'validation'):>16}"
        f"{with_error(dense['test_accuracy'], 'test'):>16}"
    )
    for name, (validation, test) in variants.items():
        mark = "  <- chosen on validation" if name == chosen else ""
        print(
            f"{name:<{width}}{with_error(validation, 'validation'):>16}"
            f"{with_error(test, 'test'):>16}{mark}"
        )
    verdict = verdicts.finetuned_against_dense(dense["test_accuracy"], variants, n["test"])
    print(verdict.text.replace("**", ""))


if __name__ == "__main__":
    main()
