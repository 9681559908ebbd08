"""The time a build will take for this many images, and the cap on the images the sweeps
fine-tune on (utils/build_time.py, utils/decoded.py, config.finetune_images)."""

import numpy as np
import pytest

from utils import artifacts, build_time, config, decoded


def test_the_estimate_scales_the_reference_rate_by_the_images():
    # 600 s for 6,000 images is 0.1 s an image: 12,000 images take 1,200 s, 1,500 take 150 s
    assert build_time.estimate_seconds(600, 12_000, 6_000) == pytest.approx(1200)
    assert build_time.estimate_seconds(600, 1_500, 6_000) == pytest.approx(150)
    assert build_time.estimate_seconds(600, 0, 6_000) == 0
    with pytest.raises(ValueError, match="reference_seconds"):
        build_time.estimate_seconds(0, 100)


def test_a_cap_is_suggested_only_above_the_reference_images():
    assert build_time.suggested_cap(12_000, 6_000) == 6_000
    assert build_time.suggested_cap(6_000, 6_000) is None
    assert build_time.suggested_cap(600, 6_000) is None


def test_the_sentence_for_own_photos_gives_the_time_and_the_cap():
    images = 2 * build_time.REFERENCE_IMAGES  # twice the reference run's images
    said = build_time.sentence("pruning.channels", 300.0, images, images)
    # twice the images, twice the reference's 300 s: 600 s, "about 10 minutes"
    assert f"for {images:,} training images" in said and "about 10 minutes" in said
    # the suggested cap is the reference's own count, back to its 300 s: "about 5 minutes"
    cap = f"{config.FINETUNE_IMAGES_VARIABLE}={build_time.REFERENCE_IMAGES}"
    assert cap in said and "about 5 minutes" in said
    # the model trains on every image: no cap offered for it
    model = build_time.sentence("training.model", 300.0, images, images)
    assert "about 10 minutes" in model and config.FINETUNE_IMAGES_VARIABLE not in model


def test_the_sentence_says_nothing_for_the_reference_images_or_other_builds():
    n = build_time.REFERENCE_IMAGES
    assert build_time.sentence("pruning.sweep", 120.0, n, n) == ""
    assert build_time.sentence("quantization.grid", 60.0, 2 * n, 2 * n) == ""


def test_a_set_cap_is_stated(monkeypatch):
    monkeypatch.setenv(config.FINETUNE_IMAGES_VARIABLE, "1500")
    n = build_time.REFERENCE_IMAGES
    said = build_time.sentence("pruning.sweep", None, n, 1500)
    assert f"1,500 of the {n:,} training images" in said
    assert f"{config.FINETUNE_IMAGES_VARIABLE}=1500" in said


def test_the_cap_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv(config.FINETUNE_IMAGES_VARIABLE, raising=False)
    assert config.finetune_images() is None
    monkeypatch.setenv(config.FINETUNE_IMAGES_VARIABLE, " 3000 ")
    assert config.finetune_images() == 3000
    for bad in ("0", "-5", "many", "2.5"):
        monkeypatch.setenv(config.FINETUNE_IMAGES_VARIABLE, bad)
        with pytest.raises(ValueError, match=config.FINETUNE_IMAGES_VARIABLE):
            config.finetune_images()


def test_the_capped_images_keep_each_class_share():
    labels = np.array([0] * 60 + [1] * 30 + [2] * 10)  # 100 images: 60 %, 30 %, 10 %
    keep = decoded.capped_indices(labels, 10, seed=1)
    # 10 of 100: 6, 3 and 1 of the classes (10 · 60/100, 10 · 30/100, 10 · 10/100)
    assert np.bincount(labels[keep]).tolist() == [6, 3, 1]
    assert len(set(keep)) == 10 and list(keep) == sorted(keep)  # distinct, in the split's order
    # 7 of 100: 4, 2, 0 rounded down (6 in all); the one left goes to the largest class
    assert np.bincount(labels[decoded.capped_indices(labels, 7, 1)], minlength=3).tolist() == [
        5,
        2,
        0,
    ]
    # the same seed draws the same images; no cap, or one above the count, keeps them all
    assert decoded.capped_indices(labels, 10, 1).tolist() == keep.tolist()
    assert decoded.capped_indices(labels, None, 1).tolist() == list(range(100))
    assert decoded.capped_indices(labels, 500, 1).tolist() == list(range(100))


def test_the_sentence_before_a_sweep_states_the_cap(monkeypatch):
    monkeypatch.setenv(config.FINETUNE_IMAGES_VARIABLE, "100")
    monkeypatch.setenv(config.PROFILE_VARIABLE, "smoke")
    train = config.PROFILES["smoke"].train_size  # the generated dataset's, read from settings
    sweep = artifacts._lookup("pruning.sweep")
    said = artifacts.announcement(sweep, "it is not built yet")
    assert f"100 of the {train:,} training images" in said
    # the cap is one of the sweep's settings: a capped sweep is another artifact
    assert sweep.settings()["finetune_images"] == 100


def test_the_caveat_for_verdicts_names_the_cap_only_when_one_cut_the_images():
    assert build_time.finetune_caveat(6_000, 6_000) == ""
    said = build_time.finetune_caveat(3_000, 12_000)
    assert "3,000 of the 12,000 training images" in said
    assert config.FINETUNE_IMAGES_VARIABLE in said
