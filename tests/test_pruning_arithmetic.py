"""utils.pruning and training.forward_flops: removing 30 % of every layer's filters removes about
half of a forward pass's arithmetic (notebook 04's prediction, its asserted bound and its
"explain why"). The FLOPs are worked out by hand for the course's model at 32×32 pixels."""

import numpy as np
import tf_keras as keras

from utils import pruning, training


def course_model():
    keras.backend.clear_session()
    keras.utils.set_random_seed(3)
    return training.small_cnn(3, 32)  # filters 32, 64, 128; no biases in the convolutions


def test_the_dense_count_by_hand():
    # multiply-adds: conv 32×32 × 9·3·32, conv 16×16 × 9·32·64, conv 8×8 × 9·64·128, dense 128·3;
    # 2 FLOPs each, plus the dense layer's 3 biases
    macs = 1024 * 9 * 3 * 32 + 256 * 9 * 32 * 64 + 64 * 9 * 64 * 128 + 128 * 3
    assert training.forward_flops(course_model()) == 2 * macs + 3 == 20_644_611


def test_thirty_percent_of_the_filters_remove_about_half_the_arithmetic():
    model = course_model()
    cut = pruning.remove_units(model, pruning.units_to_keep(pruning.l1_norms(model), 0.3))
    # whole filters: 32 - int(9.6) = 23, 64 - int(19.2) = 45, 128 - int(38.4) = 90 kept;
    # every later convolution also reads only the kept channels of the one before
    macs = 1024 * 9 * 3 * 23 + 256 * 9 * 23 * 45 + 64 * 9 * 45 * 90 + 90 * 3
    assert training.forward_flops(cut) == 2 * macs + 3 == 10_707_231
    removed = 1 - 10_707_231 / 20_644_611
    assert np.isclose(removed, 0.4814, atol=1e-4) and 0.40 < removed < 0.52  # notebook 04's bound
