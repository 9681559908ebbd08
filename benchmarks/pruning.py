"""Benchmark: magnitude pruning's sparsity sweep and the channel criteria, against the course's
targets.

    .venv/bin/python benchmarks/pruning.py [--profile full|smoke]

Builds the two cached sweeps if they are missing (training the model first if needed; minutes in
the full profile), then prints:

- the sparsity sweep, and 80 % sparsity against tfmot's published figure (about 3x smaller
  gzipped, MNIST) and against a 2-point validation-accuracy drop;
- the channel criteria (half of every layer removed, iterative prune and fine-tune, several
  seeds): validation accuracy mean ± standard deviation and range, parameters, the test
  accuracy of the one chosen on validation;
- LiteRT p50/p95 at 1 thread, float32 and int8, of the dense model and the model with half of
  every layer removed, beside the Keras tf.function median, and notebook 04's goal: at least 2x
  lower int8 p50 at no more than 2 points of validation accuracy lost.
"""

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=["full", "smoke"])
    args = parser.parse_args()
    from utils import config

    config.use_profile(args.profile)
    import numpy as np
    import tf_keras as keras

    from utils import artifacts, measure, pruning, quantization, training

    rows = pruning.sweep()
    print(
        f"\nprofile {args.profile}\n{'sparsity':>9}{'validation':>12}{'test':>8}"
        f"{'gzip bytes':>12}{'latency ms':>12}"
    )
    for row in rows:
        print(
            f"{row['sparsity']:>9.0%}{row['validation_accuracy']:>12.3f}{row['test_accuracy']:>8.3f}"
            f"{row['gzip_bytes']:>12,}{row['latency_ms']:>12.2f}"
        )
    dense, sparse = rows[0], next(row for row in rows if row["sparsity"] == 0.8)
    drop = 100 * (dense["validation_accuracy"] - sparse["validation_accuracy"])
    ratio = sparse["gzip_bytes"] / dense["gzip_bytes"]
    print(
        f"80 %: validation accuracy {drop:+.1f} points below dense (target <= 2); "
        f"gzip {ratio:.2f} x dense, {1 / ratio:.1f}x smaller (tfmot's guide: about 3x on MNIST)"
    )

    start = time.perf_counter()
    channels = pruning.channel_sweep()
    built = time.perf_counter() - start
    manifest = artifacts.get("pruning.channels") / artifacts.MANIFEST
    print(
        f"\nchannel sweep: {built:.0f} s to load or build now "
        f"({manifest.read_text().split('build_seconds')[1].split(',')[0].strip(': ')} s "
        "when it was built)"
    )
    budget = pruning.channel_budget()
    print(
        f"fine-tuning budget: {budget['steps']} steps x {budget['epochs_per_step']} epoch(s) = "
        f"{budget['epochs']} epochs, {budget['share_of_training']:.0%} of the training run"
    )
    dense_val = channels["dense"]["validation_accuracy"]
    print(
        f"dense: {channels['dense']['parameters']:,} parameters, validation {dense_val:.3f}, "
        f"test {channels['dense']['test_accuracy']:.3f}"
    )
    summary = pruning.summarize(channels["rows"])
    just_cut = {
        (s["criterion"], s["fraction"]): s
        for s in pruning.summarize(channels["rows"], "just_cut_validation_accuracy")
    }
    print(
        f"{'criterion':>18}{'removed':>8}{'parameters':>11}{'just cut':>10}"
        f"{'validation mean ± std':>24}{'range':>15}"
    )
    params = {(r["criterion"], r["fraction"]): r["parameters"] for r in channels["rows"]}
    for s in summary:
        key = (s["criterion"], s["fraction"])
        print(
            f"{s['criterion']:>18}{s['fraction']:>8.0%}{params[key]:>11,}{just_cut[key]['mean']:>10.3f}"
            f"{s['mean']:>16.3f} ± {s['std']:.3f}{s['min']:>9.3f}–{s['max']:.3f}"
        )
    best = max(summary, key=lambda s: s["mean"])
    test = [
        r["test_accuracy"]
        for r in channels["rows"]
        if (r["criterion"], r["fraction"]) == (best["criterion"], best["fraction"])
    ]
    print(
        f"chosen on validation: {best['criterion']}; test accuracy {np.mean(test):.3f} "
        f"(seeds {min(test):.3f}–{max(test):.3f})"
    )
    scan = channels["sensitivity"]
    print("sensitivity (validation accuracy, one layer pruned by L1 norm, no fine-tuning):")
    for layer in dict.fromkeys(r["layer"] for r in scan):
        print(
            f"  {layer}: "
            + ", ".join(
                f"{r['ratio']:.0%} → {r['accuracy']:.3f}" for r in scan if r["layer"] == layer
            )
        )
    print(
        "  per-layer ratios within 5 points before fine-tuning:",
        pruning.ratios_from_sensitivity(scan, dense_val, 0.05),
    )

    cfg = config.settings()
    model, _ = training.trained_model()
    cut = keras.models.load_model(
        artifacts.get("pruning.channels")
        / pruning.model_file(best["criterion"], best["fraction"], pruning.CHANNEL_SEEDS[0])
    )
    models = {"dense": model, f"{best['fraction']:.0%} removed ({best['criterion']})": cut}
    calibration = quantization.calibration_images(100)
    contents = {
        f"{name} {fmt}": quantization.convert(m, fmt, calibration)
        for name, m in models.items()
        for fmt in ("float32", "int8")
    }
    lite = quantization.latencies(contents, 1, 4 * cfg.timing_runs, cfg.timing_warmup)
    keras_times = measure.time_in_turns(
        {name: pruning.single_image_forward(m, cfg.image_size) for name, m in models.items()},
        cfg.timing_runs,
        cfg.timing_warmup,
    )
    print(
        f"\n{'':>30}{'parameters':>11}{'Keras p50':>11}{'float32 p50/p95':>18}"
        f"{'int8 p50/p95':>16}  (ms, 1 image, LiteRT 1 thread)"
    )
    for name, m in models.items():
        f32, i8 = lite[f"{name} float32"], lite[f"{name} int8"]
        print(
            f"{name:>30}{m.count_params():>11,}{keras_times[name].median_ms:>11.3f}"
            f"{f32.median_ms:>10.3f}/{f32.p95_ms:.3f}{i8.median_ms:>9.3f}/{i8.p95_ms:.3f}"
        )
    names = list(models)
    speedup = lite[f"{names[0]} int8"].median_ms / lite[f"{names[1]} int8"].median_ms
    drop = 100 * (dense_val - best["mean"])
    print(
        "goal: >= 2x lower LiteRT int8 p50 at <= 2 points validation drop; "
        f"measured {speedup:.2f}x at {drop:+.1f} points "
        f"(seeds {100 * (dense_val - best['max']):+.1f} to "
        f"{100 * (dense_val - best['min']):+.1f}): "
        + ("reached" if speedup >= 2 and drop <= 2 else "not reached")
    )


if __name__ == "__main__":
    main()
