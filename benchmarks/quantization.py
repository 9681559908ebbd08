"""Notebook 05's figures: every variant of the grid, and the int8 goals.

    .venv/bin/python benchmarks/quantization.py [--profile full] [--rebuild]

Prints the variant grid (validation, test and, where the dataset has it, novel accuracy; three
sizes and the estimated activation memory; LiteRT latency p50/p95 at 1 and 2 threads), the
reference networks measured here, and the int8 and pruned+int8 figures beside the course's goals
(goals for the reference machine: a benchmark reports them, no test or notebook requires them).
"""

import argparse
import time

from utils import artifacts, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the grid instead of reading the cached one"
    )
    args = parser.parse_args()
    config.use_profile(args.profile)
    from utils import quantization

    start = time.perf_counter()
    if args.rebuild:
        artifacts.get("quantization.grid", rebuild=True)
    grid = quantization.grid()
    print(f"grid ready in {time.perf_counter() - start:.1f} s ({args.profile} profile)\n")
    print(
        "| variant | validation | test | novel | agreement | file B | gzip B | non-zero B | "
        "activation B | p50 1t ms | p95 1t ms | p50 2t ms | p95 2t ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in grid:
        novel = (
            "—" if r["novel_accuracy"] is None else f"{r['novel_accuracy']:.3f}"
        )  # no novel split
        print(
            f"| {r['variant']} | {r['validation_accuracy']:.3f} | {r['test_accuracy']:.3f} | "
            f"{novel} | {r['agreement']:.3f} | {r['file_bytes']:,} | {r['gzip_bytes']:,} | "
            f"{r['nonzero_bytes']:,} | {r['activation_bytes']:,} | {r['p50_ms_1t']:.3f} | "
            f"{r['p95_ms_1t']:.3f} | {r['p50_ms_2t']:.3f} | {r['p95_ms_2t']:.3f} |"
        )

    f32, i8 = quantization.grid_row(grid, 0, "float32"), quantization.grid_row(grid, 0, "int8")
    pruned = quantization.grid_row(grid, 0.8, "int8")
    print(
        "\nint8 vs float32 (goals: size ≤ 0.27×, accuracy drop ≤ 1 point, p50 at 1 thread ≤ 0.6×)"
    )
    print(
        f"  size {i8['file_bytes'] / f32['file_bytes']:.3f}×, accuracy drop "
        f"{(f32['test_accuracy'] - i8['test_accuracy']) * 100:+.1f} points, "
        f"p50 {i8['p50_ms_1t'] / f32['p50_ms_1t']:.2f}×"
    )
    print(
        "80 % pruned + int8 + gzip vs dense float32 file (goals: ≤ 0.12×, accuracy drop ≤ 2 points)"
    )
    print(
        f"  size {pruned['gzip_bytes'] / f32['file_bytes']:.3f}×, accuracy drop "
        f"{(f32['test_accuracy'] - pruned['test_accuracy']) * 100:+.1f} points"
    )

    print("\nreference networks measured here (LiteRT, random weights)")
    for r in quantization.reference_latencies():
        print(
            f"  {r['model']:>22} {r['format']:>8} {r['threads']} thread(s): "
            f"p50 {r['p50_ms']:.3f} ms, p95 {r['p95_ms']:.3f} ms"
        )


if __name__ == "__main__":
    main()
