"""Notebook 04b: channel surgery, rebuilding a model without some of its channels, and the
fine-tuning that repairs it.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tf_keras as keras

from utils import config


# Layers that :func:`remove_units` can rebuild. Those in _CHANNELWISE treat every channel on
# its own, so a channel removed before them is simply absent after them.
_CHANNELWISE = (
    keras.layers.BatchNormalization,
    keras.layers.ReLU,
    keras.layers.MaxPooling2D,
    keras.layers.GlobalAveragePooling2D,
    keras.layers.Dropout,
)
_SUPPORTED = (keras.layers.InputLayer, keras.layers.Conv2D, keras.layers.Dense, *_CHANNELWISE)


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
        raise ValueError(
            f"fractions name {sorted(unknown)}, which are not among the scored layers "
            f"{sorted(rates)}."
        )
    keep = {}
    for name, layer_rates in rates.items():
        share = fractions.get(name, 0.0)
        if not 0 <= share < 1:
            raise ValueError(
                f"fraction={share}: give the share of channels to remove, at least 0 "
                "and below 1 (a layer needs at least one channel)."
            )
        layer_rates = np.asarray(layer_rates)
        keep[name] = keep_highest(layer_rates, len(layer_rates) - int(share * len(layer_rates)))
    return keep


def keep_highest(scores: np.ndarray, count: int) -> np.ndarray:
    """The sorted indices of the ``count`` (at least 1) highest ``scores``; ties keep the lower
    index."""
    scores = np.asarray(scores, dtype=np.float64)
    if np.isnan(scores).any():
        raise ValueError("A channel's score is NaN: the criterion could not rank it.")
    return np.sort(np.argsort(-scores, kind="stable")[: max(1, min(count, len(scores)))])


def _producers(model: keras.Model, keep: dict) -> dict[str, np.ndarray]:
    """Map each kept ReLU's name to the Conv2D/Dense whose output channels it passes on."""
    layers = model.layers
    names = [layer.name for layer in layers]
    out = {}
    for relu_name, indices in keep.items():
        if relu_name not in names or not isinstance(
            layers[names.index(relu_name)], keras.layers.ReLU
        ):
            relus = [layer.name for layer in layers if isinstance(layer, keras.layers.ReLU)]
            raise ValueError(
                f"keep names {relu_name!r}, which is not a ReLU layer of "
                f"{model.name!r}; its ReLU layers are {relus}."
            )
        position = names.index(relu_name) - 1
        while position >= 0 and isinstance(layers[position], keras.layers.BatchNormalization):
            position -= 1
        if position < 0 or not isinstance(
            layers[position], (keras.layers.Conv2D, keras.layers.Dense)
        ):
            raise ValueError(
                f"The ReLU {relu_name!r} does not follow a Conv2D or Dense layer "
                "(through BatchNormalization only), so its channels cannot be "
                "removed."
            )
        width = layers[position].output_shape[-1]
        indices = np.asarray(indices, dtype=np.int64)
        if (
            indices.ndim != 1
            or len(indices) == 0
            or indices.min() < 0
            or indices.max() >= width
            or len(np.unique(indices)) != len(indices)
        ):
            raise ValueError(
                f"keep[{relu_name!r}] must list distinct channel numbers from 0 to "
                f"{width - 1}, at least one."
            )
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
        raise ValueError(
            f"{model.name!r} has {len(model.inputs)} inputs and {len(model.outputs)} "
            "outputs; remove_units rebuilds chains with one of each."
        )
    previous = model.inputs[0]
    for layer in model.layers:
        if type(layer) not in _SUPPORTED:
            raise ValueError(
                f"remove_units cannot rebuild the layer {layer.name!r} "
                f"({type(layer).__name__}); it supports "
                f"{', '.join(t.__name__ for t in _SUPPORTED)}."
            )
        if isinstance(layer, keras.layers.Conv2D) and layer.groups != 1:
            raise ValueError(f"remove_units cannot rebuild the grouped convolution {layer.name!r}.")
        if getattr(layer, "data_format", "channels_last") != "channels_last" or (
            isinstance(layer, keras.layers.BatchNormalization)
            and layer.get_config()["axis"]
            not in (-1, [-1], len(layer.input_shape) - 1, [len(layer.input_shape) - 1])
        ):
            raise ValueError(
                f"The layer {layer.name!r} does not keep its channels on the last "
                "axis; remove_units needs channels last."
            )
        if not isinstance(layer, keras.layers.InputLayer):
            if layer.input is not previous:
                raise ValueError(
                    f"The layer {layer.name!r} does not take the previous layer's "
                    "output: remove_units rebuilds a single chain of layers."
                )
            previous = layer.output
    outputs_of = _producers(model, keep)

    first = model.layers[0]
    inputs = keras.Input(
        shape=model.input_shape[1:],
        dtype=model.inputs[0].dtype,
        name=first.name if isinstance(first, keras.layers.InputLayer) else None,
    )
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


REMOVAL_FINETUNE_LEARNING_RATE = 5e-3  # a model missing whole filters has more to relearn


def batches(ds: tf.data.Dataset) -> int:
    """How many batches one pass over ``ds`` gives (from its cardinality, counted if unknown)."""
    known = int(ds.cardinality())
    return known if known >= 0 else sum(1 for _ in ds)


def fine_tune(model: keras.Model, train_ds, epochs, seed: int | None = None) -> keras.Model:
    """Fine-tune ``model`` in place (after filters were removed), with cosine decay from
    :data:`REMOVAL_FINETUNE_LEARNING_RATE` over the real number of steps; return it. ``epochs``
    may be a fraction (0.5: the first half of one shuffled pass, rounded to whole batches, at
    least one). ``seed`` (default: the profile's) seeds Keras's random state (dropout, the data
    order)."""
    keras.utils.set_random_seed(config.settings().seed if seed is None else seed)
    whole = float(epochs).is_integer()
    steps = int(epochs) * batches(train_ds) if whole else max(1, round(epochs * batches(train_ds)))
    schedule = keras.optimizers.schedules.CosineDecay(REMOVAL_FINETUNE_LEARNING_RATE, steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy")
    if whole:
        model.fit(train_ds, epochs=int(epochs), verbose=0)
    else:  # one pass over the first ``steps`` batches (reshuffled on every repetition)
        model.fit(train_ds.repeat().take(steps), epochs=1, verbose=0)
    return model
