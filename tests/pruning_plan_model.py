"""A tiny model whose pruning is worked out by hand, for the tests of notebook 04a's plans and
checkers (tests/test_pruning_plans.py, tests/test_exercises_04a.py).

    one-hot input (8) → "wide": Dense 8→8, no bias → BatchNormalization → "head": Dense 8→2

- wide's kernel is the identity plus tiny distinct noise off the diagonal (|noise| ≤ 63e-4):
  pruning it to its 8 largest weights (sparsity 0.875) leaves the identity; the noise a row
  keeps moves a logit by at most 3 × 63e-4 × 1.08 ≈ 0.02, less than the bias gap of 0.1.
- BatchNormalization: gamma 1, beta 0, mean 0, variance 1 (an identity up to 1/√1.001); its
  non-zero parameters are the 8 gammas and 8 variances.
- head: row i (input unit i) is (+m_i, −m_i − 0.005) for i < 6 and (−m_i, +m_i + 0.005) for
  i ≥ 6, with m_i = 1 + 0.01 i, and bias (0.05, 0.15). Label of e_i: 0 for i < 6, 1 for i ≥ 6. The
  dense model gets all 8 right. A row pruned to (0, 0) leaves the bias: class 1.

Non-zero parameters: 64 (wide) + 16 (BN) + 16 + 2 (head) = 98; at keep_share 0.5 the budget is
floor(49) = 49, and the 18 vector parameters tfmot leaves alone (BN's 16, head's bias 2) count.
"""

import numpy as np
import tensorflow as tf
import tf_keras as keras

ROWS = 8
REPEATS = 25  # each of the 8 inputs 25 times: 200 examples


def model() -> keras.Model:
    inputs = keras.Input((ROWS,))
    wide = keras.layers.Dense(ROWS, use_bias=False, name="wide")
    norm = keras.layers.BatchNormalization(name="norm")
    head = keras.layers.Dense(2, name="head")
    built = keras.Model(inputs, head(norm(wide(inputs))))
    noise = (np.arange(ROWS * ROWS).reshape(ROWS, ROWS) + 1) * 1e-4  # 1e-4 ... 64e-4, distinct
    noise *= np.where(np.arange(ROWS * ROWS).reshape(ROWS, ROWS) % 2, -1, 1)
    np.fill_diagonal(noise, 0)
    wide.set_weights([(np.eye(ROWS) + noise).astype(np.float32)])
    m = 1 + 0.01 * np.arange(ROWS)
    sign = np.where(np.arange(ROWS) < 6, 1.0, -1.0)
    kernel = np.stack([sign * m, -sign * (m + 0.005)], axis=1).astype(np.float32)
    head.set_weights([kernel, np.array([0.05, 0.15], np.float32)])
    return built


def dataset():
    images = np.tile(np.eye(ROWS, dtype=np.float32), (REPEATS, 1))
    labels = np.tile((np.arange(ROWS) >= 6).astype(np.int64), REPEATS)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(64)
