"""Benchmark: train the course's model from scratch and print its cost and accuracy.

    .venv/bin/python benchmarks/train_model.py [--profile full|smoke]

Uses a temporary build folder (your build/ and its cached model are not touched): prepares the
dataset, trains with utils.training.train, then prints the training time, the epochs run and
the accuracy on the test and novel splits.
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
        from utils import artifacts, data, training

        artifacts.get("data.generated")  # not part of the training time
        start = time.perf_counter()
        model, history = training.trained_model()
        seconds = time.perf_counter() - start
        accuracy = {split: model.evaluate(data.pipeline(data.load(split), 256), verbose=0)[1]
                    for split in ("test", "novel")}
    epoch = statistics.median(history["epoch_seconds"])
    print(f"\nprofile {args.profile}, {os.cpu_count()} CPU cores: trained {len(history['loss'])} of "
          f"{cfg.epochs} epochs in {seconds:.0f} s (median epoch {epoch:.1f} s)")
    print(f"test accuracy {accuracy['test']:.3f}, novel accuracy {accuracy['novel']:.3f}")


if __name__ == "__main__":
    main()
