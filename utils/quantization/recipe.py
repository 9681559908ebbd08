"""Notebook 05: the conversion recipe (TFLite), generated from the notebook's ``#@save`` cells.

Generated, do not edit utils/quantization/recipe.py: edit the cells of
notebooks/05_int8_tflite.ipynb that start with ``#@save``, then run ``python -m tools.recipes``;
``python -m tools.recipes --check`` and tests/test_quantization_recipe.py fail while the two
differ. utils.quantization converts every model of the course with it.
"""

from utils import config  # noqa: F401  (first: the Keras-2 guard)

import numpy as np
import tensorflow as tf


FORMATS = ("float32", "float16", "dynamic", "int8")


def convert(model, fmt, representative=None):
    """The ``.tflite`` flatbuffer of ``model`` in one of :data:`FORMATS`.

    ``float16`` stores the weights as float16; ``dynamic`` (dynamic-range) stores them as int8
    and quantizes activations on the fly; ``int8`` is full-integer, with int8 input and output,
    and needs ``representative`` images (float, the model's input shape) for the activations.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if fmt != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # alone: dynamic-range quantization
    if fmt == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if fmt == "int8":
        images = representative_images(model, representative)
        # the representative dataset: one batch of one image at a time
        converter.representative_dataset = lambda: ([image[None]] for image in images)
        # integer-only: fail rather than fall back to float
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8  # the app hands over int8 pixels …
        converter.inference_output_type = tf.int8  # … and gets int8 scores back
    return converter.convert()


def representative_images(model, images):
    """``images`` as float32, checked: full-integer conversion needs at least one, of the size the
    model takes."""
    if images is None or len(images) == 0:
        raise ValueError("int8 conversion got no representative images: pass some training images, "
                         "e.g. quantization.calibration_images(100).")
    images = np.asarray(images, np.float32)
    expected = tuple(model.input_shape[1:])
    if images.shape[1:] != expected:
        raise ValueError(f"The representative images have shape {images.shape[1:]}, but the model "
                         f"takes {expected}: give images of the model's input size.")
    return images
