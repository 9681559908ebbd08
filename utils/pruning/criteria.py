"""Notebooks 04b and A4: channel criteria, the scores that rank a layer's filters for removal.

Each criterion scores every channel of every ReLU layer, higher meaning more worth keeping:
how often it fires, the L1 norm of its filter, its BatchNorm γ (after slimming, too), a
first-order Taylor estimate of the loss without it, or a random control.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tf_keras as keras

from utils import config
from utils.pruning.recipe import FINETUNE_LEARNING_RATE
from utils.pruning.surgery import batches


def _relu_layers(model: keras.Model) -> list[keras.layers.Layer]:
    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    if not relus:
        raise ValueError(
            f"The model {model.name!r} has no ReLU layers, so there is nothing whose "
            "firing could be counted."
        )
    return relus


def firing_rates(
    model: keras.Model, ds: tf.data.Dataset, max_batches: int | None = None
) -> dict[str, np.ndarray]:
    """How often each channel of each ReLU layer fires (outputs more than 0) on the data.

    ``ds`` is a batched dataset of ``(images, labels)``; only the first ``max_batches`` batches
    are used when it is given. A channel's rate counts every position of its feature map in
    every image: 0.25 means a quarter of all its outputs were positive. A channel with rate 0
    never fired on these images: it is *dead* on them, and removing it changes no output for
    them; on other images it may fire. (The pruning literature often reports the *Average
    Percentage of Zeros*, APoZ, which is 1 − rate.)

    Returns ``{ReLU layer name: array of one rate per channel}``.
    """
    relus = _relu_layers(model)
    probe = keras.Model(model.inputs, [layer.output for layer in relus])

    @tf.function(reduce_retracing=True)  # one trace for every batch size
    def count(images):
        outputs = probe(images, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        # per channel: how many outputs were positive, and how many outputs there were
        return [
            (
                tf.reduce_sum(tf.cast(out > 0, tf.float64), axis=tf.range(tf.rank(out) - 1)),
                tf.size(out) // tf.shape(out)[-1],
            )
            for out in outputs
        ]

    fired = [np.zeros(layer.output_shape[-1], np.float64) for layer in relus]
    positions = [0] * len(relus)
    for images, _ in ds.take(max_batches) if max_batches is not None else ds:
        for i, (positive, total) in enumerate(count(images)):
            fired[i] += positive.numpy()
            positions[i] += int(total)
    if not positions[0]:
        raise ValueError("The dataset gave no batches: firing rates need at least one image.")
    return {layer.name: fired[i] / positions[i] for i, layer in enumerate(relus)}


def dead_units(rates: dict[str, np.ndarray], threshold: float = 0.0) -> dict[str, int]:
    """How many channels of each layer fire at most ``threshold`` of the time (0: never)."""
    return {name: int(np.sum(np.asarray(r) <= threshold)) for name, r in rates.items()}


# Each criterion scores every channel of every ReLU layer, higher meaning more worth keeping, in
# the shape of :func:`firing_rates`: ``{ReLU layer name: one score per channel}``.
CRITERIA = ("firing rate", "L1 norm", "BN gamma", "BN gamma, slimmed", "Taylor", "random")


def channel_layers(model: keras.Model) -> dict[str, tuple]:
    """For each ReLU: the Conv2D/Dense that produces its channels and the BatchNormalization
    between them (None if there is none)."""
    layers, out = model.layers, {}
    for i, layer in enumerate(layers):
        if not isinstance(layer, keras.layers.ReLU):
            continue
        position, norm = i - 1, None
        while position >= 0 and isinstance(layers[position], keras.layers.BatchNormalization):
            norm, position = layers[position], position - 1
        if position < 0 or not isinstance(
            layers[position], (keras.layers.Conv2D, keras.layers.Dense)
        ):
            raise ValueError(
                f"The ReLU {layer.name!r} does not follow a Conv2D or Dense layer "
                "(through BatchNormalization only), so its channels cannot be scored."
            )
        out[layer.name] = (layers[position], norm)
    if not out:
        _relu_layers(model)  # raises the clear error
    return out


def l1_norms(model: keras.Model) -> dict[str, np.ndarray]:
    """The L1 norm of each filter: the sum of the absolute values of the weights that compute
    its channel (Li et al., "Pruning Filters for Efficient ConvNets", 2017)."""
    norms = {}
    for relu, (layer, _) in channel_layers(model).items():
        kernel = layer.kernel.numpy()
        norms[relu] = np.abs(kernel).reshape(-1, kernel.shape[-1]).sum(axis=0)
    return norms


def bn_gammas(model: keras.Model) -> dict[str, np.ndarray]:
    """The magnitude of each channel's BatchNormalization scale γ (network slimming, Liu et al.
    2017): a channel with γ near 0 outputs almost the same value β for every input."""
    gammas = {}
    for relu, (_, norm) in channel_layers(model).items():
        if norm is None or not norm.scale:
            raise ValueError(
                f"The ReLU {relu!r} has no BatchNormalization with a learned γ before "
                "it, so the γ criterion cannot score its channels."
            )
        gammas[relu] = np.abs(norm.gamma.numpy())
    return gammas


def taylor_scores(
    model: keras.Model, ds: tf.data.Dataset, max_batches: int | None = None
) -> dict[str, np.ndarray]:
    """A first-order Taylor estimate of how much the loss changes without each channel
    (Molchanov et al., "Pruning Convolutional Neural Networks for Resource Efficient
    Inference", 2017): per image, |Σ over positions of activation × ∂loss/∂activation| at the
    ReLU's output, averaged over the images. A channel that outputs only zeros scores 0.

    The gradient is taken as ∂loss/∂g of a gate g = 1 multiplying each channel, which is the
    same sum. ``ds`` is a batched dataset of ``(images, labels)``; the model must be a chain.
    """
    relus = set(channel_layers(model))
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction="sum")

    @tf.function(reduce_retracing=True)
    def scores(images, labels):
        gates = {
            layer.name: tf.ones([tf.shape(images)[0], layer.output_shape[-1]])
            for layer in layers
            if layer.name in relus
        }
        with tf.GradientTape() as tape:
            tape.watch(list(gates.values()))
            x = images
            for layer in layers:
                x = layer(x, training=False)
                if layer.name in gates:
                    shape = tf.concat(
                        [tf.shape(x)[:1], tf.ones([tf.rank(x) - 2], tf.int32), tf.shape(x)[-1:]],
                        axis=0,
                    )
                    x = x * tf.reshape(gates[layer.name], shape)
            loss = loss_fn(labels, x)
        grads = tape.gradient(loss, gates)
        return {name: tf.reduce_sum(tf.abs(g), axis=0) for name, g in grads.items()}

    total, count = {}, 0
    for images, labels in ds.take(max_batches) if max_batches is not None else ds:
        for name, value in scores(images, labels).items():
            total[name] = total.get(name, 0.0) + value.numpy().astype(np.float64)
        count += len(labels)
    if not count:
        raise ValueError("The dataset gave no batches: Taylor scores need at least one image.")
    return {layer.name: total[layer.name] / count for layer in layers if layer.name in relus}


def random_scores(model: keras.Model, seed: int) -> dict[str, np.ndarray]:
    """A random score per channel (the control: any criterion worth having beats it)."""
    rng = np.random.default_rng(seed)
    return {
        relu: rng.random(layer.output_shape[-1])
        for relu, (layer, _) in channel_layers(model).items()
    }


SLIMMING_PENALTY = 1e-3  # λ of the L1 penalty on every γ during the slimming fine-tune


def slim(
    model: keras.Model,
    train_ds,
    epochs: int,
    penalty: float = SLIMMING_PENALTY,
    seed: int | None = None,
) -> keras.Model:
    """Network slimming's sparsity training, shortened: a copy of ``model`` fine-tuned with an
    L1 penalty λ·Σ|γ| on every BatchNormalization scale, which drives the γ of channels the loss
    can spare towards 0 before the γ criterion ranks them. Returns the copy (not compiled)."""
    keras.utils.set_random_seed(config.settings().seed if seed is None else seed)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    norms = [layer for layer in copy.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if not norms:
        raise ValueError(f"{model.name!r} has no BatchNormalization layer: nothing to slim.")
    copy.add_loss(lambda: penalty * tf.add_n([tf.reduce_sum(tf.abs(n.gamma)) for n in norms]))
    steps = epochs * batches(train_ds)
    schedule = keras.optimizers.schedules.CosineDecay(FINETUNE_LEARNING_RATE, steps)
    copy.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    copy.fit(train_ds, epochs=epochs, verbose=0)
    plain = keras.models.clone_model(copy)  # without the penalty, for surgery and saving
    plain.set_weights(copy.get_weights())
    return plain


def channel_scores(
    criterion: str, model: keras.Model, data_ds=None, seed: int = 0, max_batches: int | None = None
) -> dict[str, np.ndarray]:
    """One criterion of :data:`CRITERIA` on ``model`` (``"BN gamma, slimmed"`` expects a model
    that :func:`slim` has already trained). ``data_ds`` (batched images and labels) is needed by
    the firing rate and the Taylor score."""
    if criterion not in CRITERIA:
        raise ValueError(f"Unknown criterion {criterion!r}; use one of {', '.join(CRITERIA)}.")
    if criterion in ("firing rate", "Taylor") and data_ds is None:
        raise ValueError(f"The {criterion} criterion watches the network on data: pass data_ds.")
    if criterion == "firing rate":
        return firing_rates(model, data_ds, max_batches)
    if criterion == "Taylor":
        return taylor_scores(model, data_ds, max_batches)
    if criterion == "L1 norm":
        return l1_norms(model)
    if criterion == "random":
        return random_scores(model, seed)
    return bn_gammas(model)
