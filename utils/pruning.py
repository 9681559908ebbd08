"""Stage 4: pruning — removing weights by magnitude (tfmot) and removing the neurons that rarely fire."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import tensorflow as tf
import tensorflow_model_optimization as tfmot
import tf_keras as keras

from utils import artifacts, config, data, measure, training

# ---------------------------------------------------------------- neurons that rarely fire

# Layers that :func:`remove_units` can rebuild. Those in _CHANNELWISE treat every channel on
# its own, so a channel removed before them is simply absent after them.
_CHANNELWISE = (keras.layers.BatchNormalization, keras.layers.ReLU, keras.layers.MaxPooling2D,
                keras.layers.GlobalAveragePooling2D, keras.layers.Dropout)
_SUPPORTED = (keras.layers.InputLayer, keras.layers.Conv2D, keras.layers.Dense, *_CHANNELWISE)


def _relu_layers(model: keras.Model) -> list[keras.layers.Layer]:
    relus = [layer for layer in model.layers if isinstance(layer, keras.layers.ReLU)]
    if not relus:
        raise ValueError(f"The model {model.name!r} has no ReLU layers, so there is nothing whose "
                         "firing could be counted.")
    return relus


def firing_rates(model: keras.Model, ds: tf.data.Dataset, max_batches: int | None = None
                 ) -> dict[str, np.ndarray]:
    """How often each channel of each ReLU layer fires (outputs more than 0) on the data.

    ``ds`` is a batched dataset of ``(images, labels)``; only the first ``max_batches`` batches
    are used when it is given. A channel's rate counts every position of its feature map in
    every image: 0.25 means a quarter of all its outputs were positive. A channel with rate 0
    never fired: it is *dead*, and the network cannot tell whether it is there. (The pruning
    literature often reports the *Average Percentage of Zeros*, APoZ, which is 1 − rate.)

    Returns ``{ReLU layer name: array of one rate per channel}``.
    """
    relus = _relu_layers(model)
    probe = keras.Model(model.inputs, [layer.output for layer in relus])

    @tf.function(reduce_retracing=True)  # one trace for every batch size
    def count(images):
        outputs = probe(images, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        # per channel: how many outputs were positive, and how many outputs there were
        return [(tf.reduce_sum(tf.cast(out > 0, tf.float64), axis=tf.range(tf.rank(out) - 1)),
                 tf.size(out) // tf.shape(out)[-1]) for out in outputs]

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


def units_to_keep(rates: dict[str, np.ndarray], fraction) -> dict[str, np.ndarray]:
    """The channels to keep in each layer after removing the ``fraction`` that score lowest.

    ``rates`` holds one score per channel and layer, higher meaning *keep* (a firing rate, or any
    criterion of :data:`CRITERIA`). ``fraction`` is between 0 (keep all) and 1 (not included):
    0.5 removes the half of each layer's channels with the lowest scores (rounded down); a dict
    ``{layer name: fraction}`` gives each layer its own (layers it leaves out lose none). At
    least one channel always stays. Returns ``{layer name: sorted channel indices}``, ready for
    :func:`remove_units`.
    """
    fractions = fraction if isinstance(fraction, dict) else {name: fraction for name in rates}
    unknown = set(fractions) - set(rates)
    if unknown:
        raise ValueError(f"fractions name {sorted(unknown)}, which are not among the scored layers "
                         f"{sorted(rates)}.")
    keep = {}
    for name, layer_rates in rates.items():
        share = fractions.get(name, 0.0)
        if not 0 <= share < 1:
            raise ValueError(f"fraction={share}: give the share of channels to remove, at least 0 "
                             "and below 1 (a layer needs at least one channel).")
        layer_rates = np.asarray(layer_rates)
        keep[name] = keep_highest(layer_rates, len(layer_rates) - int(share * len(layer_rates)))
    return keep


def keep_highest(scores: np.ndarray, count: int) -> np.ndarray:
    """The sorted indices of the ``count`` (at least 1) highest ``scores``; ties keep the lower
    index."""
    scores = np.asarray(scores, dtype=np.float64)
    if np.isnan(scores).any():
        raise ValueError("A channel's score is NaN: the criterion could not rank it.")
    return np.sort(np.argsort(-scores, kind="stable")[:max(1, min(count, len(scores)))])


def _producers(model: keras.Model, keep: dict) -> dict[str, np.ndarray]:
    """Map each kept ReLU's name to the Conv2D/Dense whose output channels it passes on."""
    layers = model.layers
    names = [layer.name for layer in layers]
    out = {}
    for relu_name, indices in keep.items():
        if relu_name not in names or not isinstance(layers[names.index(relu_name)], keras.layers.ReLU):
            relus = [layer.name for layer in layers if isinstance(layer, keras.layers.ReLU)]
            raise ValueError(f"keep names {relu_name!r}, which is not a ReLU layer of "
                             f"{model.name!r}; its ReLU layers are {relus}.")
        position = names.index(relu_name) - 1
        while position >= 0 and isinstance(layers[position], keras.layers.BatchNormalization):
            position -= 1
        if position < 0 or not isinstance(layers[position], (keras.layers.Conv2D, keras.layers.Dense)):
            raise ValueError(f"The ReLU {relu_name!r} does not follow a Conv2D or Dense layer "
                             "(through BatchNormalization only), so its channels cannot be removed.")
        width = layers[position].output_shape[-1]
        indices = np.asarray(indices, dtype=np.int64)
        if indices.ndim != 1 or len(indices) == 0 or indices.min() < 0 or indices.max() >= width \
                or len(np.unique(indices)) != len(indices):
            raise ValueError(f"keep[{relu_name!r}] must list distinct channel numbers from 0 to "
                             f"{width - 1}, at least one.")
        out[layers[position].name] = np.sort(indices)
    return out


def remove_units(model: keras.Model, keep: dict[str, np.ndarray]) -> keras.Model:
    """A new, smaller model with only the channels in ``keep``, and the trained weights.

    ``keep`` maps a ReLU layer's name to the channels to keep (as from :func:`units_to_keep`);
    layers not named keep all their channels. This is real surgery: every layer is rebuilt with
    fewer filters, and the surviving weights are copied — each convolution's kernel loses the
    removed output channels (and, in the next convolution or the final Dense layer, the inputs
    that came from them), BatchNormalization loses their four numbers. The result is an ordinary
    dense model, smaller and faster everywhere, with no special runtime needed.

    The model must be a chain of InputLayer, Conv2D, Dense, BatchNormalization, ReLU,
    MaxPooling2D, GlobalAveragePooling2D and Dropout layers, like the course's ``small_cnn``.
    The new model is not compiled.
    """
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"{model.name!r} has {len(model.inputs)} inputs and {len(model.outputs)} "
                         "outputs; remove_units rebuilds chains with one of each.")
    previous = model.inputs[0]
    for layer in model.layers:
        if type(layer) not in _SUPPORTED:
            raise ValueError(f"remove_units cannot rebuild the layer {layer.name!r} "
                             f"({type(layer).__name__}); it supports "
                             f"{', '.join(t.__name__ for t in _SUPPORTED)}.")
        if isinstance(layer, keras.layers.Conv2D) and layer.groups != 1:
            raise ValueError(f"remove_units cannot rebuild the grouped convolution {layer.name!r}.")
        if getattr(layer, "data_format", "channels_last") != "channels_last" or (
                isinstance(layer, keras.layers.BatchNormalization)
                and layer.get_config()["axis"] not in (-1, [-1], len(layer.input_shape) - 1,
                                                       [len(layer.input_shape) - 1])):
            raise ValueError(f"The layer {layer.name!r} does not keep its channels on the last "
                             "axis; remove_units needs channels last.")
        if not isinstance(layer, keras.layers.InputLayer):
            if layer.input is not previous:
                raise ValueError(f"The layer {layer.name!r} does not take the previous layer's "
                                 "output: remove_units rebuilds a single chain of layers.")
            previous = layer.output
    outputs_of = _producers(model, keep)

    inputs = keras.Input(shape=model.input_shape[1:], dtype=model.inputs[0].dtype,
                         name=model.layers[0].name if isinstance(model.layers[0], keras.layers.InputLayer)
                         else None)
    x = inputs
    channels = None  # indices of the previous layer's channels that survive (None: all)
    copies = []  # (new layer, its sliced weights)
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        config = layer.get_config()
        weights = layer.get_weights()
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            kernel, *bias = weights
            if channels is not None:  # inputs: the surviving channels of the layer before
                kernel = kernel[..., channels, :]
            kept = outputs_of.get(layer.name)
            if kept is not None:
                kernel, bias = kernel[..., kept], [b[kept] for b in bias]
                config["filters" if isinstance(layer, keras.layers.Conv2D) else "units"] = len(kept)
            weights = [kernel, *bias]
            channels = kept
        elif isinstance(layer, keras.layers.BatchNormalization):
            if channels is not None:  # gamma, beta, moving mean, moving variance: one per channel
                weights = [w[channels] for w in weights]
        new_layer = type(layer).from_config(config)
        x = new_layer(x)
        copies.append((new_layer, weights))
    smaller = keras.Model(inputs, x, name=f"{model.name}_smaller")
    for new_layer, weights in copies:
        new_layer.set_weights(weights)
    return smaller


# ---------------------------------------------------------------- channel criteria

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
        if position < 0 or not isinstance(layers[position], (keras.layers.Conv2D, keras.layers.Dense)):
            raise ValueError(f"The ReLU {layer.name!r} does not follow a Conv2D or Dense layer "
                             "(through BatchNormalization only), so its channels cannot be scored.")
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
            raise ValueError(f"The ReLU {relu!r} has no BatchNormalization with a learned γ before "
                             "it, so the γ criterion cannot score its channels.")
        gammas[relu] = np.abs(norm.gamma.numpy())
    return gammas


def taylor_scores(model: keras.Model, ds: tf.data.Dataset, max_batches: int | None = None
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
        gates = {layer.name: tf.ones([tf.shape(images)[0], layer.output_shape[-1]])
                 for layer in layers if layer.name in relus}
        with tf.GradientTape() as tape:
            tape.watch(list(gates.values()))
            x = images
            for layer in layers:
                x = layer(x, training=False)
                if layer.name in gates:
                    shape = tf.concat([tf.shape(x)[:1], tf.ones([tf.rank(x) - 2], tf.int32),
                                       tf.shape(x)[-1:]], axis=0)
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
    return {relu: rng.random(layer.output_shape[-1]) for relu, (layer, _) in channel_layers(model).items()}


SLIMMING_PENALTY = 1e-3  # λ of the L1 penalty on every γ during the slimming fine-tune


def slim(model: keras.Model, train_ds, epochs: int, penalty: float = SLIMMING_PENALTY,
         seed: int | None = None) -> keras.Model:
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


def channel_scores(criterion: str, model: keras.Model, data_ds=None, seed: int = 0,
                   max_batches: int | None = None) -> dict[str, np.ndarray]:
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


def prune_channels(model: keras.Model, criterion: str, fraction, train_ds, data_ds, *,
                   steps: int = 2, epochs_per_step: int = 1, seed: int = 0,
                   max_batches: int | None = None, scores=None) -> keras.Model:
    """Remove ``fraction`` of each layer's channels (a number or ``{layer: fraction}``) in
    ``steps`` equal steps, scoring the channels with ``criterion`` on the current model before
    each step and fine-tuning ``epochs_per_step`` epochs after it (the budget: ``steps ×
    epochs_per_step`` epochs). ``criterion`` is a name from :data:`CRITERIA` or a function of the
    model giving the scores (a student's own); ``scores``, when given, replaces the first step's
    scoring. Returns the smaller, fine-tuned model."""
    widths = {relu: layer.output_shape[-1] for relu, (layer, _) in channel_layers(model).items()}
    fractions = fraction if isinstance(fraction, dict) else {name: fraction for name in widths}
    current = model
    for step in range(1, steps + 1):
        if scores is not None:
            found = scores
        elif callable(criterion):
            found = criterion(current)
        else:
            found = channel_scores(criterion, current, data_ds, seed + step, max_batches)
        targets = {name: widths[name] - int(fractions.get(name, 0.0) * step / steps * widths[name])
                   for name in widths}
        keep = {name: keep_highest(found[name], targets[name]) for name in widths}
        current = fine_tune(remove_units(current, keep), train_ds, epochs_per_step, seed=seed + step)
        scores = None  # a given score applies to the first step's widths only
    return current


def sensitivity(model: keras.Model, ds, ratios=(0.25, 0.5, 0.75, 0.9),
                criterion: str = "L1 norm") -> list[dict]:
    """Prune one layer at a time (by ``criterion``, no fine-tuning) at each ratio and measure the
    accuracy on ``ds``: ``[{"layer", "ratio", "accuracy"}]``, the scan MIT's efficient-ML lab 1
    teaches. A layer whose accuracy barely moves can lose more channels than one that falls."""
    scores = channel_scores(criterion, model, ds)
    rows = []
    for name in scores:
        for ratio in ratios:
            smaller = remove_units(model, units_to_keep(scores, {name: ratio}))
            rows.append({"layer": name, "ratio": ratio, "accuracy": accuracy(smaller, ds)})
    return rows


def ratios_from_sensitivity(rows: list[dict], baseline: float, max_drop: float) -> dict[str, float]:
    """Per layer, the largest scanned ratio whose accuracy stays within ``max_drop`` of
    ``baseline`` (0 when none does): non-uniform ratios read off the sensitivity scan."""
    chosen: dict[str, float] = {}
    for row in rows:
        chosen.setdefault(row["layer"], 0.0)
        if baseline - row["accuracy"] <= max_drop:
            chosen[row["layer"]] = max(chosen[row["layer"]], row["ratio"])
    return chosen


# ---------------------------------------------------------------- magnitude pruning (tfmot)

FINETUNE_LEARNING_RATE = 1e-3  # where the cosine decay of the fine-tuning starts


def schedule_for(target_sparsity: float, steps: int) -> tfmot.sparsity.keras.PolynomialDecay:
    """Sparsity rising from 0 to ``target_sparsity`` over the first 3/4 of ``steps`` fine-tuning
    steps, pruning every few steps; the last quarter trains at the final sparsity to recover."""
    if not 0 <= target_sparsity < 1:
        raise ValueError(f"target_sparsity={target_sparsity!r}: use a fraction from 0 up to (not "
                         "including) 1, e.g. 0.8 for 80 % zeros.")
    if steps < 4:
        raise ValueError(f"steps={steps}: pruning needs at least 4 fine-tuning steps.")
    frequency = max(1, steps // 40)
    end_step = max(frequency, (3 * steps // 4) // frequency * frequency)
    return tfmot.sparsity.keras.PolynomialDecay(initial_sparsity=0.0, final_sparsity=target_sparsity,
                                                begin_step=0, end_step=end_step, frequency=frequency)


def prune(model: keras.Model, target_sparsity: float, train_ds, epochs: int) -> keras.Model:
    """Magnitude-prune a copy of ``model`` while fine-tuning it; return the stripped, plain model.

    Every Conv2D layer but the first is pruned: the first has few weights and every one of them
    matters (tfmot's guide advises leaving such layers alone), and the small classifier stays too.
    """
    steps = epochs * sum(1 for _ in train_ds)  # the real number of fine-tuning steps
    schedule = schedule_for(target_sparsity, steps)
    copy = keras.models.clone_model(model)  # a copy, so the trained model stays as it is
    copy.set_weights(model.get_weights())
    first = next(layer for layer in copy.layers if isinstance(layer, keras.layers.Conv2D))

    def wrap(layer):
        if isinstance(layer, keras.layers.Conv2D) and layer is not first:
            return tfmot.sparsity.keras.prune_low_magnitude(layer, pruning_schedule=schedule)
        return layer

    pruned = keras.models.clone_model(copy, clone_function=wrap)
    learning_rate = keras.optimizers.schedules.CosineDecay(FINETUNE_LEARNING_RATE, steps)
    pruned.compile(optimizer=keras.optimizers.Adam(learning_rate),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    pruned.fit(train_ds, epochs=epochs, callbacks=[tfmot.sparsity.keras.UpdatePruningStep()],
               verbose=0)
    return tfmot.sparsity.keras.strip_pruning(pruned)


REMOVAL_FINETUNE_LEARNING_RATE = 5e-3  # a model missing whole filters has more to relearn


def batches(ds: tf.data.Dataset) -> int:
    """How many batches one pass over ``ds`` gives (from its cardinality, counted if unknown)."""
    known = int(ds.cardinality())
    return known if known >= 0 else sum(1 for _ in ds)


def fine_tune(model: keras.Model, train_ds, epochs: int, seed: int | None = None) -> keras.Model:
    """Fine-tune ``model`` in place (after filters were removed), with cosine decay from
    :data:`REMOVAL_FINETUNE_LEARNING_RATE` over the real number of steps; return it. ``seed``
    (default: the profile's) seeds Keras's random state (dropout, the data order)."""
    keras.utils.set_random_seed(config.settings().seed if seed is None else seed)
    steps = epochs * batches(train_ds)
    schedule = keras.optimizers.schedules.CosineDecay(REMOVAL_FINETUNE_LEARNING_RATE, steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    model.fit(train_ds, epochs=epochs, verbose=0)
    return model


def sparsity_report(model: keras.Model) -> list[tuple[str, int, int]]:
    """``(layer, weights, zeros)`` for the kernel of every Conv2D and Dense layer, read from the
    weights themselves (not from the schedule)."""
    report = []
    for layer in model.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            kernel = layer.kernel.numpy()
            report.append((layer.name, kernel.size, int(np.sum(kernel == 0))))
    return report


def sizes(model: keras.Model, path: Path) -> dict[str, int]:
    """Three sizes of ``model``: its ``.keras`` file (saved to ``path``, without optimizer state),
    that file gzipped, and the bytes of its non-zero parameters (float32)."""
    plain = keras.models.clone_model(model)  # uncompiled: no optimizer state in the file
    plain.set_weights(model.get_weights())
    plain.save(path)
    raw = path.read_bytes()
    nonzero = sum(int(np.count_nonzero(w)) for w in model.get_weights())
    return {"file_bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, compresslevel=9)),
            "nonzero_bytes": 4 * nonzero}


def single_image_forward(model: keras.Model, image_size: int):
    """A call that runs one image through ``model`` as an application does (a ``tf.function``)."""
    forward = tf.function(lambda images: model(images, training=False))
    image = np.zeros((1, image_size, image_size, 3), np.float32)
    return lambda: forward(image)


def accuracy(model: keras.Model, ds) -> float:
    """Fraction of the batched dataset ``ds`` that ``model`` classifies right."""
    right = total = 0
    for images, labels in ds:
        right += int(np.sum(np.argmax(model(images, training=False), axis=1) == labels.numpy()))
        total += len(labels)
    return right / total


SWEEP_SPARSITIES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95)
SWEEP_FILE = "sweep.json"


def _sweep_settings() -> dict:
    return {"model": artifacts.path("training.model").name, "sparsities": SWEEP_SPARSITIES,
            "finetune_epochs": config.settings().finetune_epochs,
            "learning_rate": FINETUNE_LEARNING_RATE, "recipe": "prune/3"}


@artifacts.register("pruning.sweep", settings=_sweep_settings)
def _build_sweep(folder: Path, settings: dict) -> None:
    cfg = config.settings()
    model, _ = training.trained_model()
    train_ds = data.pipeline(data.load("train"), cfg.batch_size, training=True, augmented=True,
                             seed=cfg.seed)
    test_ds = data.pipeline(data.load("test"), 256)
    validation_ds = data.pipeline(data.load("validation"), 256)
    rows, calls = [], {}
    for sparsity in settings["sparsities"]:
        print(f"sparsity {sparsity:.0%} ...", flush=True)
        pruned = prune(model, sparsity, train_ds, settings["finetune_epochs"]) if sparsity else model
        calls[sparsity] = single_image_forward(pruned, cfg.image_size)
        rows.append({"sparsity": sparsity, "validation_accuracy": accuracy(pruned, validation_ds),
                     "test_accuracy": accuracy(pruned, test_ds),
                     **sizes(pruned, folder / f"sparsity_{round(100 * sparsity)}.keras")})
    timings = measure.time_in_turns(calls, cfg.timing_runs, cfg.timing_warmup)
    for row in rows:
        row.update(latency_ms=timings[row["sparsity"]].median_ms,
                   latency_p95_ms=timings[row["sparsity"]].p95_ms)
    (folder / SWEEP_FILE).write_text(json.dumps(rows, indent=1))


def sweep() -> list[dict]:
    """The sparsity sweep (built and cached the first time): one row per sparsity, with its
    validation and test accuracy, three sizes and single-image latency."""
    return json.loads((artifacts.get("pruning.sweep") / SWEEP_FILE).read_text())


# ---------------------------------------------------------------- the channel-criteria sweep

CHANNEL_FRACTIONS = (0.5,)  # of every layer's channels removed: 0.75 too would double the sweep
CHANNEL_SEEDS = (0, 1, 2)
CHANNEL_STEPS = 2  # prune in two steps, fine-tuning after each
SENSITIVITY_RATIOS = (0.25, 0.5, 0.75, 0.9)
SCORING_BATCHES = 4  # batches of training images that the firing rate and Taylor score watch
CHANNELS_FILE = "channels.json"


def channel_budget() -> dict:
    """The fine-tuning budget of every cut model: epochs, and as a share of the training run."""
    cfg = config.settings()
    per_step = cfg.finetune_epochs  # after each step: the fine-tuning a magnitude-pruned model gets
    return {"steps": CHANNEL_STEPS, "epochs_per_step": per_step, "epochs": CHANNEL_STEPS * per_step,
            "share_of_training": CHANNEL_STEPS * per_step / cfg.epochs}


def _channels_settings() -> dict:
    return {"model": artifacts.path("training.model").name, "criteria": CRITERIA,
            "fractions": CHANNEL_FRACTIONS, "seeds": CHANNEL_SEEDS, **channel_budget(),
            "learning_rate": REMOVAL_FINETUNE_LEARNING_RATE, "slimming_penalty": SLIMMING_PENALTY,
            "scoring_batches": SCORING_BATCHES, "sensitivity": SENSITIVITY_RATIOS,
            "recipe": "channels/1"}


def model_file(criterion: str, fraction: float, seed: int) -> str:
    """The file name of one cut model in the channel sweep's folder."""
    return f"{criterion.replace(' ', '_').replace(',', '')}_{round(100 * fraction)}_seed{seed}.keras"


@artifacts.register("pruning.channels", settings=_channels_settings)
def _build_channels(folder: Path, settings: dict) -> None:
    cfg = config.settings()
    model, _ = training.trained_model()
    validation_ds = data.pipeline(data.load("validation"), 256)
    test_ds = data.pipeline(data.load("test"), 256)
    scoring_ds = data.pipeline(data.load("train"), cfg.batch_size)
    out = {"dense": {"parameters": model.count_params(),
                     "validation_accuracy": accuracy(model, validation_ds),
                     "test_accuracy": accuracy(model, test_ds)},
           "sensitivity": sensitivity(model, validation_ds, settings["sensitivity"]), "rows": []}
    for seed in settings["seeds"]:
        train_ds = data.pipeline(data.load("train"), cfg.batch_size, training=True, augmented=True,
                                 seed=cfg.seed + seed)
        slimmed = slim(model, train_ds, settings["epochs_per_step"], settings["slimming_penalty"],
                       seed=cfg.seed + seed)
        for criterion in settings["criteria"]:
            base = slimmed if criterion == "BN gamma, slimmed" else model
            for fraction in settings["fractions"]:
                print(f"seed {seed}, {criterion}, {fraction:.0%} ...", flush=True)
                scores = channel_scores(criterion, base, scoring_ds, cfg.seed + seed,
                                        settings["scoring_batches"])
                just_cut = remove_units(base, units_to_keep(scores, fraction))
                cut = prune_channels(base, criterion, fraction, train_ds, scoring_ds,
                                     steps=settings["steps"], epochs_per_step=settings["epochs_per_step"],
                                     seed=cfg.seed + seed, max_batches=settings["scoring_batches"])
                if seed == settings["seeds"][0]:
                    cut.save(folder / model_file(criterion, fraction, seed))
                out["rows"].append({"criterion": criterion, "fraction": fraction, "seed": seed,
                                    "parameters": cut.count_params(),
                                    "just_cut_validation_accuracy": accuracy(just_cut, validation_ds),
                                    "validation_accuracy": accuracy(cut, validation_ds),
                                    "test_accuracy": accuracy(cut, test_ds)})
    (folder / CHANNELS_FILE).write_text(json.dumps(out, indent=1))


def channel_sweep() -> dict:
    """The channel-criteria sweep (built and cached the first time): ``{"dense": {...},
    "sensitivity": [...], "rows": [one per criterion, fraction and seed]}``, each row with the
    parameters, the validation accuracy right after a one-shot cut, and the validation and test
    accuracy after the iterative prune and fine-tune."""
    return json.loads((artifacts.get("pruning.channels") / CHANNELS_FILE).read_text())


def best_channel_model(fraction: float) -> keras.Model:
    """The channel sweep's best structured model at ``fraction``: the criterion with the highest
    mean validation accuracy over the seeds (chosen on validation), as fine-tuned with the first
    seed. The variant grid of notebooks 05 and 08 converts it to every format."""
    channels = channel_sweep()
    candidates = [s for s in summarize(channels["rows"]) if np.isclose(s["fraction"], fraction)]
    if not candidates:
        raise ValueError(f"The channel sweep removed {sorted({r['fraction'] for r in channels['rows']})} "
                         f"of the channels, not {fraction}: choose one of those.")
    best = max(candidates, key=lambda s: s["mean"])
    return keras.models.load_model(artifacts.get("pruning.channels")
                                   / model_file(best["criterion"], best["fraction"], CHANNEL_SEEDS[0]))


def summarize(rows: list[dict], key: str = "validation_accuracy") -> list[dict]:
    """Per (criterion, fraction): the mean, the sample standard deviation (0 for one seed), the
    lowest and highest ``key`` over the seeds, and how many seeds."""
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        groups.setdefault((row["criterion"], row["fraction"]), []).append(row[key])
    return [{"criterion": c, "fraction": f, "mean": float(np.mean(v)),
             "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
             "min": float(np.min(v)), "max": float(np.max(v)), "seeds": len(v), "values": v}
            for (c, f), v in groups.items()]

