"""The channel-criteria sweep: one row per criterion, fraction and seed, cached as an artifact,
the sensitivity scan beside it, and the best model (chosen on validation) loadable for the grid."""

import pytest
import tf_keras as keras

from utils import pruning
from utils.pruning import sweeps


def test_channel_sweep_is_cached_and_gives_the_best_model(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setattr(sweeps, "CRITERIA", ("L1 norm", "random"))
    monkeypatch.setattr(sweeps, "CHANNEL_SEEDS", (0, 1))
    monkeypatch.setattr(sweeps, "SENSITIVITY_RATIOS", (0.5,))
    sweep = pruning.channel_sweep()
    rows = sweep["rows"]
    assert [(r["criterion"], r["seed"]) for r in rows] == [
        ("L1 norm", 0),
        ("random", 0),
        ("L1 norm", 1),
        ("random", 1),
    ]
    assert all(
        r["fraction"] == 0.5
        and 0 <= r["validation_accuracy"] <= 1
        and 0 <= r["test_accuracy"] <= 1
        and 0 <= r["just_cut_validation_accuracy"] <= 1
        for r in rows
    )
    assert (
        len({r["parameters"] for r in rows}) == 1
        and rows[0]["parameters"] < sweep["dense"]["parameters"]
    )
    assert [(s["layer"], s["ratio"]) for s in sweep["sensitivity"]] == [
        (n, 0.5) for n in dict.fromkeys(s["layer"] for s in sweep["sensitivity"])
    ]
    summary = pruning.summarize(rows)
    assert [s["seeds"] for s in summary] == [2, 2] and all(
        s["min"] <= s["mean"] <= s["max"] for s in summary
    )
    model = pruning.best_channel_model(0.5)
    assert isinstance(model, keras.Model) and model.count_params() == rows[0]["parameters"]
    monkeypatch.setattr(
        sweeps, "prune_channels", lambda *a, **k: pytest.fail("rebuilt a cached sweep")
    )
    assert pruning.channel_sweep() == sweep
    with pytest.raises(ValueError, match="not 0.75"):
        pruning.best_channel_model(0.75)


def test_the_verdicts_never_compare_a_criterion_with_itself():
    means = {"firing rate": 0.87, "L1 norm": 0.92, "Taylor": 0.93, "random": 0.90}
    assert pruning.criteria_to_compare(means) == [
        ("firing rate", "random"),
        ("Taylor", "L1 norm"),
        ("Taylor", "random"),
    ]
    random_best = {"firing rate": 0.74, "L1 norm": 0.76, "random": 0.77}
    assert pruning.criteria_to_compare(random_best) == [
        ("firing rate", "random"),
        ("random", "L1 norm"),
    ]
    assert pruning.criteria_to_compare({"firing rate": 0.7, "random": 0.8}) == [
        ("firing rate", "random")
    ]
    firing_best = {"firing rate": 0.95, "L1 norm": 0.9, "random": 0.8}
    assert pruning.criteria_to_compare(firing_best) == [
        ("firing rate", "random"),
        ("firing rate", "L1 norm"),
    ]
    with pytest.raises(ValueError, match="two different criteria"):
        pruning.criteria_to_compare({"L1 norm": 0.9, "Taylor": 0.8})


def test_the_fine_tuned_variants_leave_out_the_dense_model_and_average_the_seeds():
    rows = [
        {"sparsity": 0.0, "validation_accuracy": 0.70, "test_accuracy": 0.72},  # dense
        {"sparsity": 0.8, "validation_accuracy": 0.75, "test_accuracy": 0.76},
    ]
    channels = {
        "rows": [
            {
                "criterion": "L1 norm",
                "fraction": 0.5,
                "seed": 0,
                "validation_accuracy": 0.70,
                "test_accuracy": 0.60,
            },
            {
                "criterion": "L1 norm",
                "fraction": 0.5,
                "seed": 1,
                "validation_accuracy": 0.80,
                "test_accuracy": 0.70,
            },
        ]
    }
    # the two seeds' means: validation (0.70 + 0.80) / 2 = 0.75, test (0.60 + 0.70) / 2 = 0.65
    variants = pruning.finetuned_variants(rows, channels)
    assert list(variants) == ["80% sparse (magnitude)", "L1 norm, 50% of filters removed"]
    assert variants["80% sparse (magnitude)"] == (0.75, 0.76)
    assert variants["L1 norm, 50% of filters removed"] == pytest.approx((0.75, 0.65))
    assert pruning.finetuned_variants(rows) == {"80% sparse (magnitude)": (0.75, 0.76)}
