"""Notebook 04b: one conv → BatchNorm → conv block of a model as arrays, run as Keras layers, and
put back narrower: the plumbing of the channel-surgery exercise (its checker is
``exercises.check_channel_surgery``).

A block is the chain from a model's first Conv2D to the next one (in ``small_cnn``: Conv2D,
BatchNormalization, ReLU, MaxPooling2D, Conv2D). Its weights travel as three dicts of NumPy
arrays: ``conv1`` (``"kernel"``, height × width × inputs × filters, and ``"bias"`` if the layer
has one), ``bn`` (:data:`BN_ARRAYS`, one number per channel each) and ``conv2`` (the same keys as
``conv1``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf
import tf_keras as keras

from utils.pruning.criteria import channel_layers
from utils.pruning.surgery import _CHANNELWISE, remove_units

BN_ARRAYS = ("gamma", "beta", "moving_mean", "moving_variance")  # Keras's order of the weights


@dataclasses.dataclass
class Block:
    """A conv → BatchNorm → … → conv block: the ReLU whose channels it narrows, its layers (only
    their configurations are used: :func:`run_block` builds fresh ones) and its weights."""

    relu: str
    layers: list
    conv1: dict
    bn: dict
    conv2: dict

    @property
    def arrays(self) -> tuple[dict, dict, dict]:
        """Copies of ``(conv1, bn, conv2)``, safe to hand to a function that might change them."""
        return tuple({k: v.copy() for k, v in d.items()} for d in (self.conv1, self.bn, self.conv2))


def _conv_arrays(layer) -> dict:
    kernel, *bias = layer.get_weights()
    return {"kernel": kernel, **({"bias": bias[0]} if bias else {})}


def first_block(model: keras.Model) -> Block:
    """The block from ``model``'s first convolution to the next one, with copies of its weights."""
    relu, (conv1, norm) = next(iter(channel_layers(model).items()))
    layers = model.layers
    after = layers.index(model.get_layer(relu)) + 1
    end = next(
        (i for i in range(after, len(layers)) if not isinstance(layers[i], _CHANNELWISE)), None
    )
    if (
        not isinstance(conv1, keras.layers.Conv2D)
        or norm is None
        or not (norm.center and norm.scale)
        or end is None
        or not isinstance(layers[end], keras.layers.Conv2D)
    ):
        raise ValueError(
            f"{model.name!r} does not start with a Conv2D, a BatchNormalization with γ and β, "
            "channel-wise layers and a second Conv2D: first_block needs a model like small_cnn."
        )
    chain = layers[layers.index(conv1) : end + 1]
    return Block(
        relu=relu,
        layers=chain,
        conv1=_conv_arrays(conv1),
        bn=dict(zip(BN_ARRAYS, norm.get_weights())),
        conv2=_conv_arrays(layers[end]),
    )


def toy_block(seed: int = 0) -> Block:
    """A hand-made block with a bias in both convolutions: a 3×3 convolution from 7 channels to 6
    filters, BatchNormalization, ReLU and a 3×3 convolution to 7 filters; random weights (every
    value distinct, so a slice shows which channels it holds)."""
    rng = np.random.default_rng(seed)

    def floats(*shape, low=None):
        values = rng.normal(size=shape) if low is None else rng.uniform(low, 2.0, shape)
        return values.astype(np.float32)

    layers = [
        keras.layers.Conv2D(6, 3, padding="same", name="toy_conv"),
        keras.layers.BatchNormalization(name="toy_norm"),
        keras.layers.ReLU(name="toy_relu"),
        keras.layers.Conv2D(7, 3, padding="same", name="toy_conv_1"),
    ]
    bn = {"gamma": floats(6, low=0.5), "beta": floats(6)}
    bn.update(moving_mean=floats(6), moving_variance=floats(6, low=0.5))
    return Block(
        relu="toy_relu",
        layers=layers,
        conv1={"kernel": floats(3, 3, 7, 6), "bias": floats(6)},
        bn=bn,
        conv2={"kernel": floats(3, 3, 6, 7), "bias": floats(7)},
    )


def _weights(arrays: dict) -> list:
    return [arrays["kernel"], *([arrays["bias"]] if "bias" in arrays else [])]


def run_block(layers: list, conv1: dict, bn: dict, conv2: dict, x) -> np.ndarray:
    """The block's output for the inputs ``x`` (batch × height × width × channels), as Keras
    computes it at inference: fresh layers with ``layers``' configurations, as many filters as
    ``conv1``'s kernel has, and the given weights (whose shapes must fit one another)."""
    out = tf.convert_to_tensor(np.asarray(x, np.float32))
    for template in layers:
        config, weights = template.get_config(), None
        if template is layers[0] or template is layers[-1]:
            arrays = conv1 if template is layers[0] else conv2
            config.update(filters=np.shape(arrays["kernel"])[-1], use_bias="bias" in arrays)
            weights = _weights(arrays)
        elif isinstance(template, keras.layers.BatchNormalization):
            weights = [bn[name] for name in BN_ARRAYS]
        layer = type(template).from_config(config)
        layer.build(out.shape)
        if weights is not None:
            layer.set_weights(weights)
        out = layer(out, training=False)
    return out.numpy()


def zero_channels(conv1: dict, bn: dict, dropped) -> tuple[dict, dict]:
    """Copies of ``conv1`` and ``bn`` in which the ``dropped`` channels output exactly 0: their
    filters and biases are 0 and BatchNorm's γ and β are 0 there (γ·(x − mean)/√(var + ε) + β
    is then 0 for every x), so the next layer reads zeros from them."""
    conv1 = {name: np.array(w) for name, w in conv1.items()}
    bn = {name: np.array(v) for name, v in bn.items()}
    conv1["kernel"][..., dropped] = 0.0
    if "bias" in conv1:
        conv1["bias"][dropped] = 0.0
    bn["gamma"][dropped] = 0.0
    bn["beta"][dropped] = 0.0
    return conv1, bn


def with_block(model: keras.Model, conv1: dict, bn: dict, conv2: dict) -> keras.Model:
    """A new model like ``model`` whose first block holds the given (narrowed) arrays: as many
    filters as ``conv1``'s kernel has, every other layer's weights copied. Not compiled."""
    block = first_block(model)
    width, full = np.shape(conv1["kernel"])[-1], block.conv1["kernel"].shape[-1]
    if not 1 <= width <= full:
        raise ValueError(
            f"conv1's kernel has {width} filters; the narrowed block needs 1 to {full} of them."
        )
    smaller = remove_units(model, {block.relu: np.arange(width)})  # the shapes, then our weights
    norm = next(t for t in block.layers if isinstance(t, keras.layers.BatchNormalization))
    parts = (
        (block.layers[0], _weights(conv1)),
        (norm, [bn[name] for name in BN_ARRAYS]),
        (block.layers[-1], _weights(conv2)),
    )
    for template, weights in parts:
        layer = smaller.get_layer(template.name)
        needed = [tuple(w.shape) for w in layer.get_weights()]
        given = [tuple(np.shape(w)) for w in weights]
        if given != needed:
            raise ValueError(
                f"The narrowed {template.name!r} has arrays of shapes {given}, but a block of "
                f"{width} filters needs {needed}: the exercise's check cell names the slice "
                "that is off."
            )
        layer.set_weights(weights)
    return smaller
