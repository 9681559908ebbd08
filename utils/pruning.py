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


def units_to_keep(rates: dict[str, np.ndarray], fraction: float) -> dict[str, np.ndarray]:
    """The channels to keep in each layer after removing the ``fraction`` that fire least.

    ``fraction`` is between 0 (keep all) and 1 (not included): 0.5 removes the half of each
    layer's channels with the lowest firing rates (rounded down). At least one channel always
    stays. Returns ``{layer name: sorted channel indices}``, ready for :func:`remove_units`.
    """
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction={fraction}: give the share of channels to remove, at least 0 "
                         "and below 1 (a layer needs at least one channel).")
    keep = {}
    for name, layer_rates in rates.items():
        layer_rates = np.asarray(layer_rates)
        count = max(1, len(layer_rates) - int(fraction * len(layer_rates)))
        busiest = np.argsort(-layer_rates, kind="stable")[:count]  # ties: the lower index stays
        keep[name] = np.sort(busiest)
    return keep


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


def fine_tune(model: keras.Model, train_ds, epochs: int) -> keras.Model:
    """Fine-tune ``model`` in place (after filters were removed), with cosine decay from
    :data:`REMOVAL_FINETUNE_LEARNING_RATE` over the real number of steps; return it."""
    keras.utils.set_random_seed(config.settings().seed)
    steps = epochs * sum(1 for _ in train_ds)
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
            "learning_rate": FINETUNE_LEARNING_RATE, "recipe": "prune/2"}


@artifacts.register("pruning.sweep", settings=_sweep_settings)
def _build_sweep(folder: Path, settings: dict) -> None:
    cfg = config.settings()
    model, _ = training.trained_model()
    train_ds = data.pipeline(data.load("train"), cfg.batch_size, training=True, augmented=True,
                             seed=cfg.seed)
    test_ds = data.pipeline(data.load("test"), 256)
    rows, calls = [], {}
    for sparsity in settings["sparsities"]:
        print(f"sparsity {sparsity:.0%} ...", flush=True)
        pruned = prune(model, sparsity, train_ds, settings["finetune_epochs"]) if sparsity else model
        calls[sparsity] = single_image_forward(pruned, cfg.image_size)
        rows.append({"sparsity": sparsity, "test_accuracy": accuracy(pruned, test_ds),
                     **sizes(pruned, folder / f"sparsity_{round(100 * sparsity)}.keras")})
    timings = measure.time_in_turns(calls, cfg.timing_runs, cfg.timing_warmup)
    for row in rows:
        row.update(latency_ms=timings[row["sparsity"]].median_ms,
                   latency_p95_ms=timings[row["sparsity"]].p95_ms)
    (folder / SWEEP_FILE).write_text(json.dumps(rows, indent=1))


def sweep() -> list[dict]:
    """The sparsity sweep (built and cached the first time): one row per sparsity."""
    return json.loads((artifacts.get("pruning.sweep") / SWEEP_FILE).read_text())

