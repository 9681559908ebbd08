"""The splits decoded once per process (utils/decoded.py), the fine-tuning subset, and the
channel sweep's fine-tuning budget per step (utils/pruning/sweeps.py, structured.py)."""

import numpy as np
import pytest
import tensorflow as tf

from utils import config, data, decoded, pruning
from utils.pruning.structured import _epochs_per_step


def toy(n=12):
    images = (np.arange(n * 4 * 4 * 3).reshape(n, 4, 4, 3) % 256).astype(np.uint8)
    return tf.data.Dataset.from_tensor_slices((images, np.arange(n, dtype=np.int64) % 3))


@pytest.fixture
def counted(monkeypatch):
    """data.load replaced by a toy split of 12 images that counts how often it is read."""
    reads = []
    monkeypatch.setattr(decoded, "source", lambda: "toy")
    monkeypatch.setattr(decoded, "_SPLITS", {})

    def load(split):
        reads.append(split)
        return toy()

    monkeypatch.setattr(data, "load", load)
    return reads


def test_a_split_is_decoded_once_and_keeps_load_order(counted):
    first = list(decoded.split("train").as_numpy_iterator())
    again = list(decoded.split("train").as_numpy_iterator())
    expected = list(toy().as_numpy_iterator())
    assert counted == ["train"]  # read once, then from memory
    for (a, la), (b, lb), (c, lc) in zip(first, again, expected):
        assert np.array_equal(a, c) and np.array_equal(b, c) and la == lb == lc
    assert len(first) == 12


def test_the_fine_tuning_split_is_capped_class_balanced(counted, monkeypatch):
    assert len(list(decoded.finetune_split())) == 12  # no cap: every image
    monkeypatch.setenv(config.FINETUNE_IMAGES_VARIABLE, "6")
    labels = [int(label) for _, label in decoded.finetune_split().as_numpy_iterator()]
    # 6 of 12 images, 4 of each of the 3 classes: 2 of each (6 · 4/12)
    assert sorted(labels) == [0, 0, 1, 1, 2, 2]
    assert counted == ["train"]


def test_the_cap_is_counted_without_decoding(monkeypatch):
    monkeypatch.setenv(config.PROFILE_VARIABLE, "smoke")
    train = config.PROFILES["smoke"].train_size
    assert decoded.train_count() == decoded.finetune_count() == train
    monkeypatch.setenv(config.FINETUNE_IMAGES_VARIABLE, str(train + 1))
    assert decoded.finetune_count() == train  # a cap above the split keeps the split
    monkeypatch.setenv(config.FINETUNE_IMAGES_VARIABLE, "50")
    assert decoded.finetune_count() == 50


def test_the_channel_budget_gives_the_final_width_the_full_fine_tuning(monkeypatch):
    full = pruning.channel_budget()
    # full profile: finetune_epochs 2, so 2 at the final width, a quarter of 2 (0.5) at the one
    # before; 2.5 epochs of the 15-epoch training run: 2.5 / 15 = 1/6
    assert full["epochs_per_step"] == (0.5, 2) and full["epochs"] == 2.5
    assert full["share_of_training"] == pytest.approx(2.5 / 15)
    monkeypatch.setenv(config.PROFILE_VARIABLE, "smoke")
    # smoke: finetune_epochs 1, a quarter of it is 0.25: 0.25 + 1 of 3 epochs
    assert pruning.channel_budget()["epochs_per_step"] == (0.25, 1)


def test_epochs_per_step_takes_one_number_or_one_per_step():
    assert _epochs_per_step(2, 3) == [2, 2, 2]
    assert _epochs_per_step((1, 2), 2) == [1, 2]
    assert _epochs_per_step((0.5, 2.0), 2) == [0.5, 2]  # a whole 2.0 stays the int 2
    for bad in ((1, 2, 3), (0, 2), 0, (-0.5, 2), ("one", 2)):
        with pytest.raises(ValueError, match="epochs_per_step"):
            _epochs_per_step(bad, 2)
