"""Benchmark: how long preparing the generated dataset takes, and what the input pipeline delivers.

    .venv/bin/python benchmarks/prepare_dataset.py [--profile full|smoke] [--repeats N]

Prepares the dataset from scratch in a temporary build folder (your build/ is not touched)
``repeats`` times and prints each time and the median, then the training pipeline's images per
second with and without cache and prefetch.
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
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cfg = config.use_profile(args.profile)

    from utils import artifacts, data  # after the profile is set

    total = cfg.train_size + cfg.validation_size + cfg.test_size + cfg.novel_size
    seconds = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as build:
            os.environ[config.BUILD_VARIABLE] = build
            start = time.perf_counter()
            artifacts.get("data.generated")
            seconds.append(time.perf_counter() - start)
            train = data.load("train")
            rates = {}
            for cache in (False, True):
                for prefetch in (False, True):
                    ds = data.pipeline(
                        train,
                        cfg.batch_size,
                        training=True,
                        augmented=True,
                        cache=cache,
                        prefetch=prefetch,
                        seed=cfg.seed,
                    )
                    rates[cache, prefetch] = data.images_per_second(ds, epochs=6)
    print(
        f"\nprofile {args.profile}: {total:,} images of {cfg.image_size}x{cfg.image_size}, "
        f"{os.cpu_count()} CPU cores"
    )
    print(
        "prepare seconds: "
        + ", ".join(f"{s:.1f}" for s in seconds)
        + f"; median {statistics.median(seconds):.1f} s "
        f"({total / statistics.median(seconds):,.0f} images/s)"
    )
    print("training pipeline, median images/s of epochs 2-6 (last repeat):")
    for (cache, prefetch), rate in rates.items():
        print(f"  cache={cache!s:5} prefetch={prefetch!s:5} {rate:9,.0f}")


if __name__ == "__main__":
    main()
