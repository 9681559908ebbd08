"""Magnitude pruning: the schedule, the zeros in the weights, the three sizes, the sweep."""

import numpy as np
import pytest
import tensorflow as tf
import tf_keras as keras

from utils import config, pruning, training
from utils.pruning import sweeps


def tiny_data(n=64, size=16, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((n, size, size, 3), dtype=np.float32)
    labels = rng.integers(0, 3, n)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(16)


@pytest.mark.parametrize("steps", [4, 10, 94, 188, 1000])
def test_schedule_reaches_its_target_inside_the_real_steps(steps):
    schedule = pruning.schedule_for(0.8, steps).get_config()["config"]
    assert schedule["final_sparsity"] == 0.8 and schedule["begin_step"] == 0
    assert 0 < schedule["end_step"] < steps
    assert schedule["end_step"] % schedule["frequency"] == 0  # the last pruning step happens


@pytest.mark.parametrize(
    "sparsity, steps, says",
    [(1.0, 100, "not including"), (-0.1, 100, "from 0"), (0.5, 3, "at least 4")],
)
def test_bad_schedules_are_refused(sparsity, steps, says):
    with pytest.raises(ValueError, match=says):
        pruning.schedule_for(sparsity, steps)


def test_prune_zeros_the_later_convolutions_and_leaves_the_original_alone():
    model = training.small_cnn(3, 16, filters=(4, 8, 16))
    before = [w.copy() for w in model.get_weights()]
    sparse = pruning.prune(model, 0.75, tiny_data(), epochs=2)
    report = {name: zeros / total for name, total, zeros in pruning.sparsity_report(sparse)}
    convs = [layer.name for layer in sparse.layers if isinstance(layer, keras.layers.Conv2D)]
    assert report[convs[0]] == 0.0  # the first convolution is not pruned
    assert all(abs(report[name] - 0.75) < 0.02 for name in convs[1:])
    assert not any("prune" in type(layer).__name__.lower() for layer in sparse.layers)  # stripped
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_sparsity_report_counts_zeros_in_the_kernels():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, name="d")])
    kernel, bias = model.get_weights()
    kernel[:2] = 0  # 10 of 20 weights
    model.set_weights([kernel, bias])
    assert pruning.sparsity_report(model) == [("d", 20, 10)]


def test_three_sizes(tmp_path):
    model = training.small_cnn(3, 16, filters=(8, 16, 32))
    sparse = keras.models.clone_model(model)
    sparse.set_weights(
        [
            np.where(np.abs(w) < np.quantile(np.abs(w), 0.9), 0, w) if w.ndim == 4 else w
            for w in model.get_weights()
        ]
    )
    dense_sizes = pruning.sizes(model, tmp_path / "dense.keras")
    sparse_sizes = pruning.sizes(sparse, tmp_path / "sparse.keras")
    assert dense_sizes["file_bytes"] == (tmp_path / "dense.keras").stat().st_size
    assert (
        abs(sparse_sizes["file_bytes"] - dense_sizes["file_bytes"])
        < 0.01 * dense_sizes["file_bytes"]
    )
    assert sparse_sizes["gzip_bytes"] < 0.5 * dense_sizes["gzip_bytes"]
    nonzero = sum(int(np.count_nonzero(w)) for w in sparse.get_weights())
    assert sparse_sizes["nonzero_bytes"] == 4 * nonzero


def test_accuracy_counts_right_answers():
    always_first = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    always_first.set_weights([np.zeros((2, 3)), np.array([1.0, 0.0, 0.0])])
    ds = tf.data.Dataset.from_tensor_slices(
        (np.zeros((3, 2), np.float32), np.array([0, 0, 1]))
    ).batch(2)
    assert pruning.accuracy(always_first, ds) == pytest.approx(2 / 3)


def test_sweep_is_cached_with_one_row_per_sparsity(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(sweeps, "SWEEP_SPARSITIES", (0.0, 0.5))
    rows = pruning.sweep()
    assert [row["sparsity"] for row in rows] == [0.0, 0.5]
    assert rows[1]["gzip_bytes"] < rows[0]["gzip_bytes"]
    assert all(0 <= row["test_accuracy"] <= 1 and row["latency_ms"] > 0 for row in rows)
    monkeypatch.setattr(sweeps, "prune", lambda *a, **k: pytest.fail("rebuilt a cached sweep"))
    assert pruning.sweep() == rows
    assert config.settings().finetune_epochs >= 1
