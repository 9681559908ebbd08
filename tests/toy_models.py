"""The course's model at toy size for the pruning tests: three blocks of 4, 6 and 8 filters on
16-pixel images, with random BatchNorm numbers so that slicing or zeroing the wrong vector shows."""

import numpy as np
import tf_keras as keras

from utils import training


def course_shaped(seed: int, *, beta_low: float | None = None, first_only: bool = False):
    """``training.small_cnn`` at toy size, seeded, with each BatchNormalization's gamma, beta,
    moving mean and moving variance drawn at random (beta from ``beta_low`` to ``beta_low`` + 0.5
    when given, else around 0; only the first BatchNormalization with ``first_only``)."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = training.small_cnn(3, 16, filters=(4, 6, 8))
    rng = np.random.default_rng(seed)
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for norm in norms[:1] if first_only else norms:
        n = norm.gamma.shape[0]
        gamma = rng.uniform(0.5, 1.5, n)
        beta = (
            rng.normal(0, 0.3, n) if beta_low is None else rng.uniform(beta_low, beta_low + 0.5, n)
        )
        norm.set_weights([gamma, beta, rng.normal(0, 0.2, n), rng.uniform(0.5, 2.0, n)])
    return model
