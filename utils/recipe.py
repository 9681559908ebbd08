"""Notebook 02: the course's training recipe, generated from the notebook's ``#@save`` cells.

Generated, do not edit utils/recipe.py: edit the cells of notebooks/02_training_keras.ipynb that
start with ``#@save``, then run ``python -m tools.recipes``; ``python -m tools.recipes --check``
and tests/test_training_recipe.py fail while the two differ. utils.training trains the cached model
(artifact ``training.model``) with it.
"""

import math
import time
from pathlib import Path

from utils import config  # noqa: F401  (first: the Keras-2 guard)

import tensorflow as tf
import tf_keras as keras


def small_cnn(num_classes, image_size, filters=(32, 64, 128)):
    """The course's model: Conv-BatchNorm-ReLU-MaxPool blocks, global average pooling, dropout
    and a softmax over the classes. BatchNormalization's momentum is 0.9 (Keras: 0.99), so its
    statistics settle in a short run."""
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


LEARNING_RATE = 1e-3  # where the cosine schedule starts


def compile_model(model, steps_per_epoch, epochs, learning_rate=LEARNING_RATE):
    """Loss, optimizer (Adam, its learning rate decaying to zero along a cosine over the run)
    and metrics."""
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


PATIENCE = 4  # early stopping: watched epochs without a real improvement before it stops


def stopping_rule(epochs, n_validation):
    """Early stopping's two settings: the first epoch it watches (counted from 0: the second
    half of the run, once the learning rate has come down) and the improvement it counts as
    real, one standard error of an accuracy on ``n_validation`` images at its largest,
    sqrt(0.5 * 0.5 / n)."""
    return epochs // 2, 0.5 / math.sqrt(n_validation)


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch (training and validation together)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


class BestWeights(keras.callbacks.Callback):
    """Keeps the weights of the watched epoch with the highest validation accuracy (the first
    on a tie), saves them to ``path`` and puts them back when training ends."""

    def __init__(self, path, start_from_epoch):
        super().__init__()
        self.path, self.start_from_epoch = str(path), start_from_epoch

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.weights = -1.0, None, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.start_from_epoch and logs["val_accuracy"] > self.best:
            self.best, self.best_epoch = logs["val_accuracy"], epoch + 1  # counted from 1
            self.weights = self.model.get_weights()
            self.model.save_weights(self.path)

    def on_train_end(self, logs=None):
        if self.weights is not None:
            self.model.set_weights(self.weights)


def training_callbacks(folder, epochs, n_validation, patience=PATIENCE):
    """Early stopping (``stopping_rule``), the best watched epoch's weights (kept, saved in
    ``folder`` and restored), and the epoch timer (returned too, to read its times)."""
    start, min_delta = stopping_rule(epochs, n_validation)
    timer = EpochTimer()
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=patience,
                                      min_delta=min_delta, start_from_epoch=start),
        BestWeights(Path(folder) / "best.weights.h5", start),
        timer,
    ]
    return callbacks, timer


class StepTimer(keras.callbacks.Callback):
    """The wall-clock time at the end of every training step."""

    def on_train_begin(self, logs=None):
        self.ends = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def steps_per_second(strategy, images, labels, num_classes, per_replica_batch, steps, warmup=3):
    """Build and compile the course's model inside ``strategy.scope()``, fit it for
    ``warmup + steps`` steps of ``per_replica_batch`` images per replica, and return the
    training steps per second after the warm-up (the first steps trace and build the graph)."""
    global_batch = per_replica_batch * strategy.num_replicas_in_sync
    ds = tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(global_batch)
    options = tf.data.Options()  # several workers: each takes its share of every global batch
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    ds = ds.with_options(options)
    with strategy.scope():  # the variables are mirrored: one copy per replica
        model = small_cnn(num_classes, images.shape[1])
        compile_model(model, steps_per_epoch=warmup + steps, epochs=1)
    timer = StepTimer()
    model.fit(ds, epochs=1, steps_per_epoch=warmup + steps, callbacks=[timer], verbose=0)
    return steps / (timer.ends[-1] - timer.ends[warmup - 1])
