"""Benchmark: why does validation accuracy peak at epoch 1 on hard photos? Measured, per epoch.

    COURSE_DATASET=my_images COURSE_MY_IMAGES=folder \\
        .venv/bin/python benchmarks/recipe_diagnosis.py [--variants recipe,lr3,noaug] [--epochs 15]

Trains the course's model (``utils.recipe``: small_cnn, Adam on a cosine schedule) on the active
dataset with the full profile's settings for every planned epoch, with NO early stopping, once
per variant; each variant changes one thing against the recipe:

- ``recipe``: the recipe as it is (augmentation on, peak learning rate ``LEARNING_RATE``);
- ``noaug``: augmentation off;
- ``lr3``: the peak learning rate divided by 3;
- ``seed2``: the recipe with another seed (how much two runs differ epoch by epoch);
- ``bn99``: BatchNormalization's momentum 0.99 (Keras's default) instead of the recipe's 0.9.

After every epoch it records the running training accuracy (augmented, dropout on, as Keras
reports it), the accuracy on up to 900 unaugmented training images in inference mode, the
validation accuracy and loss (BatchNorm's moving statistics, as EarlyStopping sees it), the
validation accuracy after BatchNorm's statistics are recomputed on 1,024 unaugmented training
images ("precise BN"; the moving statistics are put back before training goes on) and the test
accuracy (a second held-out set, never used for a choice). It prints a table per variant; the
best validation epoch; whether the last epoch is within 2 standard errors of the best (the
binomial SE sqrt(p(1-p)/n), and the paired SE of the difference between two epochs on the same
images, from the images on which they disagree); and where EarlyStopping with a given patience
and min_delta would stop, restoring which epoch, with that epoch's test accuracy.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from utils import config

VARIANTS = {
    "recipe": {},
    "noaug": {"augmented": False},
    "lr3": {"lr_factor": 1 / 3},
    "seed2": {"seed_offset": 1},
    "bn99": {"bn_momentum": 0.99},
}
BN_IMAGES = 1024  # unaugmented training images that recompute BatchNorm's statistics
CLEAN_TRAIN = 900  # unaugmented training images scored in inference mode


def binomial_se(p: float, n: int) -> float:
    """Standard error of an accuracy p measured on n independent images."""
    return math.sqrt(p * (1 - p) / n)


def paired_se(a: np.ndarray, b: np.ndarray) -> float:
    """SE of acc(a) - acc(b) on the same images (a, b: 0/1 correctness per image): the
    variance of the per-image difference d = a - b, divided by n."""
    d = a.astype(float) - b.astype(float)
    return float(np.sqrt(d.var() / len(d)))


def early_stop(
    val: list[float], patience: int, min_delta: float, start: int = 0
) -> tuple[int, int]:
    """(epochs run, epoch restored), both 1-based, as keras.callbacks.EarlyStopping on
    val_accuracy with restore_best_weights: an epoch improves when it beats the best by more
    than min_delta; the run stops after ``patience`` epochs without one; the first ``start``
    epochs are not watched (``start_from_epoch``)."""
    best, best_epoch, wait = -np.inf, start, 0
    for epoch, value in enumerate(val):
        if epoch < start:
            continue
        if value - min_delta > best:
            best, best_epoch, wait = value, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch + 1, best_epoch + 1
    return len(val), best_epoch + 1


def run_variant(name: str, options: dict, epochs: int, arrays: dict) -> dict:
    import tensorflow as tf
    import tf_keras as keras

    from utils import data, recipe, training

    cfg = config.settings()
    x_train, y_train = arrays["train"]
    x_bn = x_train[:BN_IMAGES]
    tf.random.set_seed(cfg.seed)  # the same augmented copies for every epoch and variant
    x_bn_aug = np.stack([data.augment(image, 0)[0].numpy() for image in x_bn])
    training.reproducible(cfg.seed + options.get("seed_offset", 0))
    ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).cache()
    ds = ds.shuffle(data.SHUFFLE_BUFFER, seed=cfg.seed, reshuffle_each_iteration=True)
    if options.get("augmented", True):
        ds = ds.map(data.augment, num_parallel_calls=data.AUTOTUNE)
    ds = ds.batch(cfg.batch_size).prefetch(data.AUTOTUNE)
    steps = math.ceil(len(x_train) / cfg.batch_size)
    model = recipe.small_cnn(int(y_train.max()) + 1, cfg.image_size)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization) and "bn_momentum" in options:
            layer.momentum = options["bn_momentum"]
    lr = recipe.LEARNING_RATE * options.get("lr_factor", 1.0)
    recipe.compile_model(model, steps, epochs, learning_rate=lr)
    infer = tf.function(lambda x: model(x, training=False))
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    norm_inputs = [tf.function(keras.Model(model.input, layer.input)) for layer in norms]

    def correct(x, y):
        probs = np.concatenate([infer(x[i : i + 256]).numpy() for i in range(0, len(x), 256)])
        return probs.argmax(1) == y

    def precise_bn_correct(x_eval, y_eval, x):
        """Recompute every BatchNorm layer's mean and variance on the images x (in order), score
        x_eval, put the moving statistics back."""
        saved = [(n.moving_mean.numpy(), n.moving_variance.numpy()) for n in norms]
        for layer, inputs in zip(norms, norm_inputs):
            acts = np.concatenate([inputs(x[i : i + 256]).numpy() for i in range(0, len(x), 256)])
            acts = acts.reshape(-1, acts.shape[-1]).astype(np.float64)
            layer.moving_mean.assign(acts.mean(0))
            layer.moving_variance.assign(acts.var(0))
        result = correct(x_eval, y_eval)
        for layer, (mean, var) in zip(norms, saved):
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(var)
        return result

    rows, val_correct = [], []
    x_val, y_val = arrays["validation"]

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            val = correct(x_val, y_val)
            val_correct.append(val)
            train_clean = correct(x_train[:CLEAN_TRAIN], y_train[:CLEAN_TRAIN]).mean()
            rows.append(
                {
                    "epoch": epoch + 1,
                    "lr": float(np.asarray(model.optimizer.learning_rate)),
                    "train_acc": logs["accuracy"],
                    "train_loss": logs["loss"],
                    "train_clean_acc": float(train_clean),
                    "val_acc": float(val.mean()),
                    "val_loss": logs["val_loss"],
                    "val_acc_keras": logs["val_accuracy"],
                    "val_acc_precise_bn": float(precise_bn_correct(x_val, y_val, x_bn).mean()),
                    "val_acc_precise_bn_aug": float(
                        precise_bn_correct(x_val, y_val, x_bn_aug).mean()
                    ),
                    "test_acc": float(correct(*arrays["test"]).mean()),
                    "seconds": seconds,
                }
            )
            print(f"  [{name}] epoch {epoch + 1}: {json.dumps(rows[-1])}", flush=True)

    model.fit(
        ds,
        validation_data=(x_val, y_val),
        validation_batch_size=256,
        epochs=epochs,
        callbacks=[Record()],
        verbose=0,
    )
    return {
        "name": name,
        "options": options,
        "peak_lr": lr,
        "rows": rows,
        "val_correct": val_correct,
    }


def report(result: dict, n_val: int) -> list[str]:
    rows, val_correct = result["rows"], result["val_correct"]
    lines = [
        f"== {result['name']} {result['options'] or '(the recipe as it is)'}, "
        f"peak learning rate {result['peak_lr']:.2e}",
        "epoch      lr  train  train(clean)  val   val_loss  val(preciseBN)  (on aug.)  test"
        "   dVal  s",
    ]
    for i, r in enumerate(rows):
        change = r["val_acc"] - rows[i - 1]["val_acc"] if i else float("nan")
        lines.append(
            f"{r['epoch']:5d} {r['lr']:.1e}  {r['train_acc']:.3f}  {r['train_clean_acc']:.3f}"
            f"         {r['val_acc']:.3f} {r['val_loss']:.3f}     {r['val_acc_precise_bn']:.3f}"
            f"           {r.get('val_acc_precise_bn_aug', float('nan')):.3f}      "
            f"{r['test_acc']:.3f}  {change:+.3f} {r['seconds']:.0f}"
        )
    val = [r["val_acc"] for r in rows]
    best = int(np.argmax(val))
    se = binomial_se(val[best], n_val)
    changes = np.abs(np.diff(val))
    last_paired = paired_se(val_correct[best], val_correct[-1])
    within = val[best] - val[-1] <= 2 * last_paired
    lines += [
        f"best val epoch {best + 1}: {val[best]:.3f} (SE {se:.3f} on {n_val} images); last epoch "
        f"{val[-1]:.3f};\n  train (running) at the end {rows[-1]['train_acc']:.3f}; test at best "
        f"{rows[best]['test_acc']:.3f}, at last {rows[-1]['test_acc']:.3f}",
        f"last within 2 paired SE of best ({val[best] - val[-1]:+.3f} vs 2x{last_paired:.3f}): "
        f"{'yes' if within else 'no'}; within 2 binomial SE: "
        f"{'yes' if val[best] - val[-1] <= 2 * se else 'no'}",
        f"epoch-to-epoch |dVal|: median {np.median(changes):.3f}, max {changes.max():.3f}; "
        f"changes beyond 2 SE: {int((changes > 2 * se).sum())} of {len(changes)}",
    ]
    half = len(val) // 2
    for patience, delta, start in (
        (4, 0.0, 0),
        (4, se, 0),
        (6, se, 0),
        (5, 2 * se, 0),
        (4, se, half),
    ):
        ran, restored = early_stop(val, patience, delta, start)
        lines.append(
            f"EarlyStopping(patience={patience}, min_delta={delta:.3f}, start_from_epoch={start}):"
            f" stops after {ran}, "
            f"restores epoch {restored}: val {val[restored - 1]:.3f}, "
            f"test {rows[restored - 1]['test_acc']:.3f}"
        )
    from utils import recipe

    start, delta = recipe.stopping_rule(len(val), n_val)
    ran, _ = early_stop(val, recipe.PATIENCE, delta, start)
    kept = start + int(np.argmax(val[start:ran])) + 1  # BestWeights: the best watched epoch
    lines.append(
        f"the recipe's rule (stopping_rule: start_from_epoch={start}, min_delta={delta:.3f}, "
        f"patience {recipe.PATIENCE}; BestWeights): stops after {ran}, restores epoch {kept}: "
        f"val {val[kept - 1]:.3f}, test {rows[kept - 1]['test_acc']:.3f}"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="recipe,lr3,noaug")
    parser.add_argument("--epochs", type=int, default=None, help="planned epochs (profile's)")
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    parser.add_argument("--json", type=Path, default=None, help="write the curves here")
    args = parser.parse_args()
    cfg = config.use_profile(args.profile)
    from utils import data, recipe

    epochs = args.epochs or cfg.epochs
    if epochs < 2:
        sys.exit(f"--epochs {epochs}: give at least 2, so that there are epoch-to-epoch changes.")
    arrays = {split: data.arrays(split) for split in ("train", "validation", "test")}
    sizes = {split: len(y) for split, (_, y) in arrays.items()}
    print(
        f"dataset {config.dataset_name()} ({config.my_images_dir()}), images {sizes}, "
        f"{epochs} epochs, batch {cfg.batch_size}, patience in the recipe {recipe.PATIENCE}"
    )
    results = []
    for name in args.variants.split(","):
        if name not in VARIANTS:
            sys.exit(f"Unknown variant {name!r}: use some of {', '.join(VARIANTS)}.")
        results.append(run_variant(name, VARIANTS[name], epochs, arrays))
        print("\n".join(report(results[-1], sizes["validation"])), flush=True)
        if args.json:
            args.json.write_text(
                json.dumps([{k: v for k, v in r.items() if k != "val_correct"} for r in results])
            )


if __name__ == "__main__":
    main()
