"""Notebook 04a: tfmot's own magnitude-pruning masks, the truth the mask exercise is checked
against and the plans are applied with.

What tfmot does (tensorflow_model_optimization, ``sparsity/keras/pruning_impl.py``,
``Pruning._update_mask``, read in the course's pinned version): for a weight tensor of ``n``
values at sparsity ``s`` it keeps ``k = max(round(n × (1 − s)), 1)`` values (``tf.math.round``,
a tie to even, computed in float32); the threshold is the k-th largest ``|w|`` (``top_k``, then
index ``k − 1``), and the mask keeps every weight with ``|w| ≥ threshold``: weights tied with the
threshold are all kept, so the sparsity reached can fall short of ``s``. Which weights it prunes
is ``prune_registry.py``'s ``_LAYERS_WEIGHTS_MAP``: ``Conv2D`` and ``Dense`` → ``['kernel']``
(their bias is left alone), ``BatchNormalization`` → ``[]`` (nothing).

The masks here come from tfmot itself: a copy of the layer wrapped by ``prune_low_magnitude``
with a constant sparsity, one mask update run at step 0 (``conditional_mask_update``, what
``UpdatePruningStep`` triggers during fine-tuning), and the wrapper's mask variables read back.
"""

from __future__ import annotations

import numpy as np
import tensorflow_model_optimization as tfmot
import tf_keras as keras

from utils import validate
from utils.keras3 import preflight_tfmot


def _wrapped(layer: keras.layers.Layer, sparsity: float):
    """A copy of ``layer`` (same weights) inside tfmot's pruning wrapper, built, at step 0."""
    preflight_tfmot(layer)  # a Keras 3 layer: one sentence, not tfmot's unreadable error
    copy = layer.__class__.from_config(layer.get_config())
    schedule = tfmot.sparsity.keras.ConstantSparsity(sparsity, begin_step=0, frequency=1)
    wrapper = tfmot.sparsity.keras.prune_low_magnitude(copy, pruning_schedule=schedule)
    shape = getattr(layer, "_build_input_shape", None)
    if shape is None:
        shape = layer.input_shape
    wrapper.build(shape)
    copy.set_weights(layer.get_weights())
    wrapper.pruning_step.assign(0)
    return copy, wrapper


def tfmot_pruned(layer: keras.layers.Layer) -> list[str]:
    """The names of ``layer``'s weights that tfmot prunes (e.g. ``['kernel']`` for a Conv2D;
    ``[]`` for a BatchNormalization layer)."""
    _, wrapper = _wrapped(layer, 0.5)
    return [weight.name.split("/")[-1].split(":")[0] for weight, _, _ in wrapper.pruning_vars]


def tfmot_masks(layer: keras.layers.Layer, sparsity: float) -> list[np.ndarray]:
    """tfmot's masks (1 keep, 0 prune; float32) for each of ``layer.get_weights()`` at
    ``sparsity``: the mask its update computes for a weight it prunes, ones for one it leaves."""
    validate.fraction(sparsity=sparsity)
    if sparsity >= 1:
        raise ValueError(f"sparsity={sparsity!r}: tfmot prunes below 1 (e.g. 0.8), never all.")
    copy, wrapper = _wrapped(layer, sparsity)
    if not wrapper.pruning_vars:
        return [np.ones(w.shape, np.float32) for w in layer.get_weights()]
    wrapper.pruning_obj.conditional_mask_update()
    masks = {id(weight): mask.numpy() for weight, mask, _ in wrapper.pruning_vars}
    return [masks.get(id(w), np.ones(w.shape, np.float32)) for w in copy.weights]


def tfmot_mask(weights, sparsity: float) -> np.ndarray:
    """tfmot's mask of one kernel ``weights`` (2-D as a Dense layer's, 4-D as a Conv2D's) at
    ``sparsity``, from a layer made around it; a vector (a bias, a BatchNorm vector), which tfmot
    never prunes, gets ones."""
    weights = np.asarray(weights, np.float32)
    if weights.ndim == 2:
        layer = keras.layers.Dense(weights.shape[1], use_bias=False)
        layer.build((None, weights.shape[0]))
    elif weights.ndim == 4:
        layer = keras.layers.Conv2D(weights.shape[3], weights.shape[:2], use_bias=False)
        layer.build((None, weights.shape[0], weights.shape[1], weights.shape[2]))
    elif weights.ndim == 1:
        return np.ones(weights.shape, np.float32)
    else:
        raise ValueError(
            f"weights of shape {weights.shape}: give a kernel (2-D or 4-D) or a vector (1-D)."
        )
    layer.set_weights([weights])
    return tfmot_masks(layer, sparsity)[0]
