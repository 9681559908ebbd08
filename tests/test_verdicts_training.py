"""Verdicts on how far training went (utils/verdicts/training.py), on hand-built histories.

Every expected number is worked out by hand in a comment: the least-squares rise of the last
``patience`` validation accuracies against two standard errors, and a fine-tuned variant's test
accuracy against the dense model's with two standard errors of the difference.
"""

import pytest

from utils import verdicts


def history(val_accuracy, planned_epochs, patience=4):
    return {"val_accuracy": val_accuracy, "planned_epochs": planned_epochs, "patience": patience}


def test_a_run_stopped_early_while_its_last_epochs_rise_is_still_improving():
    # best 0.75 at epoch 2; epochs 3-6 never beat it, so early stopping (patience 4) ends at 6.
    # Window 0.62 0.66 0.70 0.74: mean 0.68, x - 1.5 = -1.5 -0.5 0.5 1.5, Sxx = 5,
    # sum (x - 1.5)(y - 0.68) = 0.09 + 0.01 + 0.01 + 0.09 = 0.20: slope 0.04, rise 3 x 0.04 = 0.12.
    # sigma = sqrt(0.68 x 0.32 / 1000) = 0.014751; two s.e. of the rise = 2 x 3 x sigma / sqrt 5
    # = 0.0396: 12.0 points > 4.0 points.
    stop = verdicts.training_stop(history([0.60, 0.75, 0.62, 0.66, 0.70, 0.74], 15), 1000)
    assert stop.still_improving is True and stop.stopped_early
    assert (stop.best_epoch, stop.best_accuracy, stop.epochs_run, stop.window) == (2, 0.75, 6, 4)
    assert stop.rise == pytest.approx(0.12) and stop.noise == pytest.approx(0.039582, abs=1e-6)
    assert stop.headline == (
        "**Stopped while still improving:** early stopping ended the run after 6 of 15 planned "
        "epochs; the model is undertrained (best 0.750 at epoch 2)."
    )
    # the trend it was judged on folds beneath the sentence shown
    assert "+12.0 points over epochs 3–6" in stop.details and "± 4.0 points" in stop.details
    assert "1,000 validation images" in stop.details
    assert stop.markdown.startswith(stop.headline + "\n\n<details><summary>")
    assert stop.details in stop.markdown and str(stop) == stop._repr_markdown_()


def test_the_issues_run_flat_within_noise_after_epoch_1_plateaued():
    # The issue's history: 0.703 at epoch 1, then 0.67-0.70; 900 validation images.
    # Window 0.67 0.69 0.70 0.68: mean 0.685, deviations -0.015 0.005 0.015 -0.005,
    # sum (x - 1.5)(y - 0.685) = 0.0225 - 0.0025 + 0.0075 - 0.0075 = 0.02: slope 0.004, rise 0.012.
    # sigma = sqrt(0.685 x 0.315 / 900) = 0.015484; two s.e. of the rise = 6 sigma / sqrt 5 =
    # 0.0415: 1.2 points < 4.2 points.
    stop = verdicts.training_stop(history([0.703, 0.67, 0.69, 0.70, 0.68], 15), 900)
    assert stop.still_improving is False
    assert stop.rise == pytest.approx(0.012) and stop.noise == pytest.approx(0.041548, abs=1e-6)
    assert stop.text.startswith("**Plateaued:** early stopping ended the run after 5 of 15")
    assert "+1.2 points over epochs 2–5" in stop.text and "± 4.2 points" in stop.text
    assert "best 0.703 at epoch 1" in stop.text


def test_a_run_that_used_every_epoch_while_rising_is_still_improving():
    # 0.5 0.6 0.7 0.8, all 4 in the window: mean 0.65, sum (x - 1.5)(y - 0.65) = 0.225 + 0.025
    # + 0.025 + 0.225 = 0.5, slope 0.1, rise 0.3; sigma = sqrt(0.65 x 0.35 / 1000) = 0.015083,
    # two s.e. = 6 x 0.015083 / sqrt 5 = 0.0405.
    stop = verdicts.training_stop(history([0.5, 0.6, 0.7, 0.8], 4), 1000)
    assert stop.still_improving is True and not stop.stopped_early
    assert "the run used all 4 planned epochs" in stop.text and "+30.0 points" in stop.text
    assert stop.noise == pytest.approx(0.040472, abs=1e-6)


def test_two_epochs_compare_their_difference_with_its_noise_and_a_tie_keeps_the_first():
    # Patience 2: the window is the last two epochs, 0.72 and 0.72; k = 2, Sxx = 0.5, and the
    # rise is their difference, 0. The best, 0.72, comes first at epoch 2.
    stop = verdicts.training_stop(history([0.70, 0.72, 0.72, 0.72], 10, patience=2), 1000)
    assert stop.best_epoch == 2 and stop.window == 2 and stop.rise == pytest.approx(0)
    # sigma = sqrt(0.72 x 0.28 / 1000) = 0.014199; two s.e. of a difference = 2 sqrt 2 sigma
    assert stop.noise == pytest.approx(0.040160, abs=1e-6)
    assert stop.still_improving is False


def test_the_best_epoch_is_the_best_watched_one():
    # start_from_epoch 2: epochs 1-2 unwatched, so epoch 2's 0.75 is not the kept best;
    # of epochs 3-6 (0.62 0.66 0.70 0.74) the best is epoch 6. The trend is the same window.
    run = {**history([0.60, 0.75, 0.62, 0.66, 0.70, 0.74], 15), "start_from_epoch": 2}
    stop = verdicts.training_stop(run, 1000)
    assert (stop.best_epoch, stop.best_accuracy) == (6, 0.74)
    with pytest.raises(ValueError, match="start_from_epoch is 6"):
        verdicts.training_stop({**run, "start_from_epoch": 6}, 1000)


def test_a_single_epoch_is_too_short_to_judge():
    stop = verdicts.training_stop(history([0.4], 1), 100)
    assert stop.still_improving is None and stop.text.startswith("**Too short to judge:**")
    assert stop.details == "" and "<details>" not in stop.markdown  # nothing to fold


@pytest.mark.parametrize(
    "bad, n",
    [
        ({"val_accuracy": [0.5]}, 100),  # no planned_epochs nor patience
        (history([], 3), 100),  # no epochs
        (history([0.5, 1.2], 3), 100),  # not a fraction
        (history([0.5, 0.6, 0.7], 2), 100),  # more epochs than planned
        (history([0.5], 3), 0),  # no validation images
    ],
)
def test_a_history_that_cannot_be_judged_is_one_sentence(bad, n):
    with pytest.raises(ValueError, match=r"^The history|epochs ran of"):
        verdicts.training_stop(bad, n)


def test_fine_tuning_clearly_above_the_dense_model_says_it_was_undertrained():
    # The issue's numbers on 1,000 test images: dense 0.718, 80 % sparse 0.763 (chosen: its
    # validation 0.72 beats 0.70). s.e. sqrt(0.718 x 0.282 / 1000) = 0.014230 and
    # sqrt(0.763 x 0.237 / 1000) = 0.013447; two s.e. of the difference = 2 x 0.019578 = 0.0392:
    # a gain of 4.5 points > 3.9.
    v = verdicts.finetuned_against_dense(
        0.718, {"50 % sparse": (0.70, 0.74), "80 % sparse": (0.72, 0.763)}, 1000
    )
    assert v.agrees is None
    assert v.headline == (
        "**Fine-tuning raised accuracy by 4.5 points, more than noise: the dense model was "
        "undertrained.**"
    )
    assert "80 % sparse, the best on validation, scored 0.763" in v.details
    assert "± 3.9" in v.details and "√(se₁² + se₂²)" in v.details  # the test used is stated


def test_the_variant_is_chosen_on_validation_never_on_test():
    # "b" has the higher test accuracy, but "a" the higher validation one: a is compared,
    # 0.70 - 0.72 = -2.0 points.
    v = verdicts.finetuned_against_dense(0.72, {"a": (0.80, 0.70), "b": (0.75, 0.90)}, 1000)
    assert v.headline == "No fine-tuned variant beat the dense model by more than noise."
    assert "a, the best on validation, scored 0.700" in v.details and "-2.0 points" in v.details


def test_a_gain_within_noise_is_nothing_alarming():
    # 500 images: s.e. sqrt(0.8 x 0.2 / 500) = 0.017889 and sqrt(0.82 x 0.18 / 500) = 0.017181,
    # two s.e. of the difference = 2 x 0.024803 = 0.0496: a gain of 2.0 points is within it.
    v = verdicts.finetuned_against_dense(0.80, {"80 % sparse": (0.81, 0.82)}, 500)
    assert "No fine-tuned variant" in v.text and "+2.0 points" in v.text and "± 5.0" in v.text
    assert "undertrained" not in v.text


def test_no_variant_is_one_sentence():
    with pytest.raises(ValueError, match="at least one fine-tuned variant"):
        verdicts.finetuned_against_dense(0.8, {}, 100)
