"""Benchmark: magnitude pruning's sparsity sweep against the course's targets.

    .venv/bin/python benchmarks/pruning.py [--profile full|smoke]

Builds the sweep if it is not cached (training the model first if needed; minutes in the full
profile), then prints it and checks 80 % sparsity against the targets: test accuracy within 2
points of the dense model, gzip size at most 0.35 x. Filter removal is measured by notebook 04;
its recorded figures are printed when build/results.json has them.
"""

import argparse

from utils import config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    args = parser.parse_args()
    config.use_profile(args.profile)
    from utils import pruning, results

    rows = pruning.sweep()
    print(f"\nprofile {args.profile}\n{'sparsity':>9}{'accuracy':>10}{'gzip bytes':>12}{'latency ms':>12}")
    for row in rows:
        print(f"{row['sparsity']:>9.0%}{row['test_accuracy']:>10.3f}{row['gzip_bytes']:>12,}"
              f"{row['latency_ms']:>12.2f}")
    dense, sparse = rows[0], next(row for row in rows if row["sparsity"] == 0.8)
    drop = 100 * (dense["test_accuracy"] - sparse["test_accuracy"])
    ratio = sparse["gzip_bytes"] / dense["gzip_bytes"]
    print(f"80 %: accuracy {drop:.1f} points below dense (target <= 2), gzip {ratio:.2f} x dense "
          f"(target <= 0.35)")
    neurons = [e for e in results.load() if e["profile"] == args.profile
               and e["notebook"] == "04_pruning" and e["key"].startswith("neurons_")]
    for entry in neurons:
        print(f"  {entry['key']}: {entry['value']:.4g} {entry['unit']}")


if __name__ == "__main__":
    main()
