"""Notebooks 00-08: the teaching package of the Deep Learning Training vs Inference course.

Importing ``utils`` (or any of its modules) first runs :mod:`utils.config`, which sets
``TF_USE_LEGACY_KERAS=1`` so that TensorFlow's ``tf.keras`` is Keras 2 (tf-keras), the only
Keras that tensorflow-model-optimization supports.
"""

from utils import config  # noqa: F401  (the Keras-2 guard runs on import)
