"""How hard is the generated dataset? Train a small CNN on it and print test and novel accuracy.

The course wants a task a small CNN learns well but not perfectly (about 88-94 % test accuracy
in the full profile), and a clearly lower accuracy on the ``novel`` split. This script is how
``difficulty`` in ``utils/config.py`` was chosen; rerun it after changing the generator:

    .venv/bin/python benchmarks/dataset_difficulty.py [--difficulty D] [--train N] [--epochs E]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import utils  # noqa: F401  (sets TF_USE_LEGACY_KERAS=1 before TensorFlow is imported)
from utils import config, imagegen


def generate(split: str, count: int, seed: int, difficulty: float) -> tuple[np.ndarray, np.ndarray]:
    """``count`` examples of ``split`` as (images, labels) arrays."""
    pairs = [imagegen.example(split, i, seed=seed, difficulty=difficulty) for i in range(count)]
    images, labels = zip(*pairs)
    return np.stack(images), np.array(labels)


def small_cnn(keras, size: int, steps: int):
    """Three Conv-BatchNorm-ReLU-MaxPool blocks (32, 64, 128 filters), then a softmax.

    The learning rate decays to 0 over ``steps`` training steps, so the last epoch's accuracy is
    a settled figure rather than one point of a noisy curve.
    """
    layers = keras.layers
    model = keras.Sequential(
        [layers.Input((size, size, 3)), layers.Rescaling(1 / 255), layers.RandomFlip("horizontal")]
    )
    for filters in (32, 64, 128):
        model.add(layers.Conv2D(filters, 3, padding="same", use_bias=False))
        model.add(layers.BatchNormalization(momentum=0.9))  # settles within a short run
        model.add(layers.ReLU())
        model.add(layers.MaxPooling2D())
    model.add(layers.GlobalAveragePooling2D())
    model.add(layers.Dropout(0.3))
    model.add(layers.Dense(len(imagegen.CLASSES), activation="softmax"))
    learning_rate = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main() -> None:
    full = config.PROFILES["full"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--difficulty", type=float, default=config.settings().difficulty)
    parser.add_argument("--train", type=int, default=full.train_size, help="training images")
    parser.add_argument("--epochs", type=int, default=full.epochs)
    args = parser.parse_args()

    import tensorflow as tf
    import tf_keras as keras

    seed, size = config.settings().seed, full.image_size
    tf.keras.utils.set_random_seed(seed)
    sizes = {
        "train": args.train,
        "validation": full.validation_size,
        "test": full.test_size,
        "novel": full.novel_size,
    }
    start = time.perf_counter()
    data = {split: generate(split, n, seed, args.difficulty) for split, n in sizes.items()}
    seconds = time.perf_counter() - start
    print(
        f"difficulty {args.difficulty}: generated {sum(sizes.values())} images, "
        f"{1000 * seconds / sum(sizes.values()):.2f} ms per image"
    )

    steps = args.epochs * math.ceil(args.train / full.batch_size)
    model = small_cnn(keras, size, steps)
    start = time.perf_counter()
    model.fit(
        *data["train"],
        validation_data=data["validation"],
        epochs=args.epochs,
        batch_size=full.batch_size,
        verbose=2,
    )
    seconds = time.perf_counter() - start
    print(f"training: {args.train} images x {args.epochs} epochs in {seconds:.0f} s")
    for split in ("train", "test", "novel"):
        _, accuracy = model.evaluate(*data[split], batch_size=256, verbose=0)
        print(f"{split:>5} accuracy: {100 * accuracy:.1f} %")


if __name__ == "__main__":
    main()
