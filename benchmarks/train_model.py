"""Benchmark: train the course's model from scratch and print its cost and accuracy.

    .venv/bin/python benchmarks/train_model.py [--profile full|smoke]

Uses a temporary build folder (your build/ and its cached model are not touched): prepares the
active dataset (``COURSE_DATASET``), trains with utils.training.train (seeded, deterministic
ops), then prints the training time, the epochs run, the CPU energy where Linux's RAPL counters
can be read, and the accuracy on the test split (and the novel split, where the dataset has one).
"""

import argparse
import os
import statistics
import tempfile
import time

from utils import config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    args = parser.parse_args()
    cfg = config.use_profile(args.profile)

    with tempfile.TemporaryDirectory() as build:
        os.environ[config.BUILD_VARIABLE] = build
        from utils import data, training

        data.builder()  # prepares the dataset: not part of the training time
        start = time.perf_counter()
        model, history = training.trained_model()
        seconds = time.perf_counter() - start
        splits = [s for s in ("test", "novel") if data.has_split(s)]
        accuracy = {
            split: model.evaluate(data.pipeline(data.load(split), 256), verbose=0)[1]
            for split in splits
        }
    epoch = statistics.median(history["epoch_seconds"])
    print(
        f"\nprofile {args.profile}, dataset {config.dataset_name()}, {os.cpu_count()} CPU cores: "
        f"trained {len(history['loss'])} of {cfg.epochs} epochs in {seconds:.0f} s "
        f"(median epoch {epoch:.1f} s)"
    )
    if history["energy_joules"] is not None:
        print(f"CPU energy {history['energy_joules']:,.0f} J ({history['energy_source']})")
    else:
        print(f"CPU energy not measured: {history['energy_source']}")
    print(", ".join(f"{split} accuracy {value:.3f}" for split, value in accuracy.items()))
    if "novel" not in accuracy:
        print(data.MISSING_NOVEL)


if __name__ == "__main__":
    main()
