"""Stage 2: the course's models, the arithmetic of one forward pass, and the trained model.

The trained model is the artifact ``training.model``: a notebook that needs it calls
:func:`trained_model`, which trains it first (with :func:`train`) when it is missing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import tensorflow as tf
import tf_keras as keras

from utils import artifacts, config, data

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"


def small_cnn(num_classes: int, image_size: int, filters: tuple[int, ...] = (32, 64, 128)) -> keras.Model:
    """The course's model: Conv-BatchNorm-ReLU-MaxPool blocks (by default 32, 64, 128 filters),
    global average pooling, dropout and a softmax over the classes.

    Every layer is one that tfmot can prune and the TFLite converter can quantize to int8.
    BatchNormalization's momentum is 0.9 (Keras: 0.99) so its statistics settle in a short run.
    """
    layers = keras.layers
    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = inputs
    for width in filters:
        x = layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="small_cnn")


def mobilenet_v2(num_classes: int, image_size: int, alpha: float = 0.35) -> keras.Model:
    """A larger contrast: Keras's MobileNetV2, width ``alpha``, untrained (nothing downloads)."""
    return keras.applications.MobileNetV2(input_shape=(image_size, image_size, 3), alpha=alpha,
                                          weights=None, classes=num_classes)


def _layers(model: keras.Model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def forward_flops(model: keras.Model) -> int:
    """Floating-point operations of one forward pass of one example, counted from the layers.

    A multiply-add counts as 2 FLOPs, in Conv2D, DepthwiseConv2D and Dense layers, plus one add
    per output for a bias. Element-wise layers (BatchNormalization, ReLU, pooling) are left out:
    they cost a few operations per value, against hundreds per value in a convolution.
    """
    total = 0
    for layer in _layers(model):
        if isinstance(layer, keras.layers.DepthwiseConv2D):  # a Conv2D subclass: check first
            _, h, w, c_out = layer.output_shape
            multiply_adds, outputs = h * w * c_out * layer.kernel_size[0] * layer.kernel_size[1], h * w * c_out
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output_shape
            c_in = layer.input_shape[-1] // layer.groups
            multiply_adds = h * w * c_out * layer.kernel_size[0] * layer.kernel_size[1] * c_in
            outputs = h * w * c_out
        elif isinstance(layer, keras.layers.Dense):
            multiply_adds, outputs = layer.input_shape[-1] * layer.units, layer.units
        else:
            continue
        total += 2 * multiply_adds + (outputs if layer.use_bias else 0)
    return total


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch (training and validation together)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def train(folder: Path) -> dict:
    """Train :func:`small_cnn` on the active dataset; save the model and its history in ``folder``.

    Adam with a learning rate that decays to zero over the run (cosine), early stopping on the
    validation accuracy (keeping the best weights), and a checkpoint of the best epoch.
    """
    cfg = config.settings()
    keras.utils.set_random_seed(cfg.seed)
    model = small_cnn(len(data.class_names()), cfg.image_size)
    train_ds = data.pipeline(data.load("train"), cfg.batch_size, training=True, augmented=True,
                             seed=cfg.seed)
    validation_ds = data.pipeline(data.load("validation"), cfg.batch_size)
    batches = [int(images.shape[0]) for images, _ in data.pipeline(data.load("train"), cfg.batch_size)]
    steps_per_epoch = len(batches)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=cfg.epochs * steps_per_epoch)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    timer = EpochTimer()
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=4, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(str(folder / "best.weights.h5"), monitor="val_accuracy",
                                        save_best_only=True, save_weights_only=True),
        timer,
    ]
    history = model.fit(train_ds, validation_data=validation_ds, epochs=cfg.epochs,
                        callbacks=callbacks)
    model.save(folder / MODEL_FILE)
    record = {**{k: [float(v) for v in vs] for k, vs in history.history.items()},
              "epoch_seconds": timer.seconds, "steps_per_epoch": steps_per_epoch,
              "train_examples": sum(batches)}
    (folder / HISTORY_FILE).write_text(json.dumps(record, indent=1))
    return record


def _model_settings() -> dict:
    cfg = config.settings()
    name = config.dataset_name()
    source = artifacts.path(f"data.{name}").name if name != data.CATALOGUE else name
    return {"dataset": source, "epochs": cfg.epochs, "batch_size": cfg.batch_size,
            "seed": cfg.seed, "model": "small_cnn/1"}


@artifacts.register("training.model", settings=_model_settings)
def _build_model(folder: Path, settings: dict) -> None:
    train(folder)


def trained_model(retrain: bool = False) -> tuple[keras.Model, dict]:
    """The trained model and its training history (trained first if missing, or ``retrain``)."""
    folder = artifacts.get("training.model", rebuild=retrain)
    model = keras.models.load_model(folder / MODEL_FILE)
    return model, json.loads((folder / HISTORY_FILE).read_text())
