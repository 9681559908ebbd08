"""The verdict helper: sentences generated from measurements, checked against contrary ones.

Every verdict shape is here: faster, higher, lower, accuracy, accuracy_gap, seeds_compared,
against_reference.

A reference machine with int8 instructions measured int8 3x faster, batching 2x more
throughput and an accuracy of 0.92; these tests feed the helper the opposite outcomes and check
that the sentence says so, and why.
"""

import json
import math

import pytest

from utils import config, reference, results, verdicts

REFERENCE = {
    "machine": {
        "cpu": "Reference CPU",
        "cores": 2,
        "int8_instructions": ["avx512_vnni"],
        "dataset": "generated",
        "python": "3.11.7",
        "tensorflow": "2.21.0",
    },
    "entries": [
        {"notebook": "05", "key": "int8_p50_ms", "value": 0.12, "unit": "ms"},
        {"notebook": "05", "key": "float32_p50_ms", "value": 0.36, "unit": "ms"},
        {"notebook": "03", "key": "batch_64_images_per_s", "value": 2000.0, "unit": "images/s"},
        {"notebook": "03", "key": "batch_1_images_per_s", "value": 1000.0, "unit": "images/s"},
        {"notebook": "02", "key": "test_accuracy", "value": 0.92, "unit": "fraction"},
        {"notebook": "02", "key": "epoch_seconds", "value": 8.0, "unit": "s"},
        {"notebook": "03", "key": "test_accuracy", "value": 0.92, "unit": "fraction"},
        {"notebook": "03", "key": "novel_accuracy", "value": 0.70, "unit": "fraction"},
        {"notebook": "04", "key": "firing_50_mean", "value": 0.78, "unit": "fraction"},
        {"notebook": "04", "key": "random_50_mean", "value": 0.88, "unit": "fraction"},
        {"notebook": "06", "key": "edge_mj", "value": 2.0, "unit": "mJ"},
        {"notebook": "06", "key": "radio_mj", "value": 8.0, "unit": "mJ"},
    ],
}
GAP_KEYS = ("03", "test_accuracy", "novel_accuracy")
SEED_KEYS = ("04", "firing_50_mean", "random_50_mean")
HERE = {
    "cpu": "Slow CPU",
    "architecture": "x86_64",
    "cores": 2,
    "int8_instructions": [],
    "system": "Linux",
    "python": "3.11.7",
    "tensorflow": "2.21.0",
}


@pytest.fixture
def machines(tmp_path, monkeypatch):
    path = tmp_path / "reference_results.json"
    path.write_text(json.dumps(REFERENCE))
    monkeypatch.setattr(reference, "REFERENCE_PATH", path)
    monkeypatch.setattr(reference, "this_machine", lambda: dict(HERE))
    monkeypatch.setattr(reference, "load_average", lambda: 0.5)
    monkeypatch.setenv(config.PROFILE_VARIABLE, "full")
    monkeypatch.setenv(config.DATASET_VARIABLE, "generated")
    reference._reference_file.cache_clear()
    yield path
    reference._reference_file.cache_clear()


@pytest.fixture
def photos(monkeypatch):
    """This run trains on own photos, the reference on the generated dataset."""
    monkeypatch.setenv(config.DATASET_VARIABLE, "my_images")


def test_int8_slower_here_says_so_and_names_the_missing_instructions(machines):
    v = verdicts.faster(
        "int8",
        0.28,
        "float32",
        0.20,
        reference=("05", "int8_p50_ms", "float32_p50_ms"),
        reasons=("int8",),
    )
    assert v.agrees is False
    assert v.headline == (
        "int8 took 0.28 ms and float32 0.2 ms: int8 was 1.40× slower, "
        "**unlike the reference machine**."
    )
    assert "3.00× faster" in v.details  # what the reference measured: 0.36 / 0.12
    assert "no int8 dot-product instructions" in v.details and "avx512_vnni" in v.details
    assert "a different CPU (Slow CPU" in v.details


def test_int8_faster_here_agrees(machines):
    v = verdicts.faster(
        "int8", 0.1, "float32", 0.4, reference=("05", "int8_p50_ms", "float32_p50_ms")
    )
    assert v.agrees is True and "4.00× faster, as on the reference machine." in v.headline
    assert "Likely reasons" not in v.text


def test_batching_without_gain_is_about_the_same_not_higher(machines):
    v = verdicts.higher(
        "batch 64",
        1010.0,
        "batch 1",
        1000.0,
        reference=("03", "batch_64_images_per_s", "batch_1_images_per_s"),
        quantity="processed",
        unit="images/s",
    )
    assert v.agrees is False
    assert "batch 64 was about the same (within 5%), **unlike" in v.headline
    assert "2.00× higher" in v.details


def test_a_busy_machine_is_named_as_a_reason(machines, monkeypatch):
    monkeypatch.setattr(reference, "load_average", lambda: 4.2)
    v = verdicts.higher(
        "batch 64",
        900.0,
        "batch 1",
        1000.0,
        reference=("03", "batch_64_images_per_s", "batch_1_images_per_s"),
    )
    assert v.agrees is False and "1.11× lower" in v.text
    assert "the machine was busy (load average 4.2 on 2 cores)" in v.text


def test_accuracy_below_the_reference_with_own_photos(machines, monkeypatch):
    monkeypatch.setenv(config.DATASET_VARIABLE, "my_images")
    v = verdicts.accuracy(
        "test accuracy", 0.842, 1000, chance=1 / 3, reference_key=("02", "test_accuracy"), bar=0.90
    )
    se = math.sqrt(0.842 * 0.158 / 1000)
    assert v.agrees is False
    assert f"0.842 ± {se:.3f}" in v.headline
    assert "not reached here" in v.details
    assert "-7.8 points from the reference machine's" in v.headline  # 0.842 - 0.92
    assert "more than noise explains" in v.headline
    assert "'my_images' dataset" in v.details


def test_accuracy_below_the_reference_from_a_run_still_improving_does_not_blame_the_images(
    machines, photos
):
    # the last 4 validation accuracies rise 12 points, beyond two standard errors (4.0 points):
    # tests/test_verdicts_training.py works it out by hand
    history = {"val_accuracy": [0.60, 0.75, 0.62, 0.66, 0.70, 0.74], "planned_epochs": 15}
    stop = verdicts.training_stop({**history, "patience": 4}, 1000)
    v = verdicts.accuracy(
        "test accuracy",
        0.718,
        1000,
        chance=1 / 3,
        reference_key=("02", "test_accuracy"),
        training=stop,
    )
    assert v.agrees is False and "more than noise explains" in v.text
    assert "early stopping ended the run after 6 of 15 planned epochs while validation" in v.text
    assert "undertrained" in v.text and "easier or harder" not in v.text


def test_accuracy_below_the_reference_after_a_plateau_still_names_the_images(machines, photos):
    # the history: flat within noise after epoch 1 (+1.2 points against 4.2)
    history = {"val_accuracy": [0.703, 0.67, 0.69, 0.70, 0.68], "planned_epochs": 15}
    stop = verdicts.training_stop({**history, "patience": 4}, 900)
    v = verdicts.accuracy(
        "test accuracy",
        0.718,
        1000,
        chance=1 / 3,
        reference_key=("02", "test_accuracy"),
        training=stop,
    )
    assert "easier or harder" in v.text and "undertrained" not in v.text


def test_accuracy_within_noise_of_the_reference(machines):
    v = verdicts.accuracy(
        "test accuracy", 0.915, 1000, chance=1 / 3, reference_key=("02", "test_accuracy")
    )
    assert v.agrees is True and "the same as the reference machine's within noise" in v.headline


def test_accuracy_at_chance_is_called_not_learned(machines):
    v = verdicts.accuracy("test accuracy", 0.35, 90, chance=1 / 3, reference_key=0.92)
    assert "not clearly above chance" in v.headline


def test_against_reference_slower_machine(machines):
    v = verdicts.against_reference(
        "median epoch", 20.0, "s", "02", "epoch_seconds", lower_is_better=True
    )
    assert v.agrees is False
    assert (
        v.headline == "**median epoch:** 20 s here, 2.50× the reference machine's (**worse here**)."
    )
    assert "Reference CPU, 2 cores" in v.details and "8 s" in v.details


def test_no_reference_figure_says_so(machines):
    v = verdicts.faster("a", 1.0, "b", 2.0, reference=("05", "missing", "float32_p50_ms"))
    assert v.agrees is None and "has no figure" in v.details
    assert "(no reference figure)" in v.headline


def test_bad_numbers_are_refused_in_one_sentence():
    with pytest.raises(ValueError, match="int8=nan is not a number"):
        verdicts.faster("int8", float("nan"), "float32", 1.0)
    with pytest.raises(ValueError, match="batch 1=0 is 0; give a number above 0"):
        verdicts.higher("batch 64", 10.0, "batch 1", 0)
    with pytest.raises(ValueError, match="fraction between 0 and 1"):
        verdicts.standard_error(1.5, 10)


def test_int8_instructions_from_flags():
    assert reference.int8_instructions({"sse2", "avx512_vnni", "asimddp"}) == [
        "avx512_vnni",
        "asimddp",
    ]
    assert reference.int8_instructions({"sse2"}) == []


def test_write_reference_keeps_only_the_full_profile(tmp_path, monkeypatch):
    monkeypatch.setattr(reference, "this_machine", lambda: dict(HERE))
    entries = [
        {
            "profile": "full",
            "notebook": "02",
            "key": "k",
            "value": 1.5,
            "unit": "s",
            "recorded": "x",
        },
        {
            "profile": "smoke",
            "notebook": "02",
            "key": "k",
            "value": 9.0,
            "unit": "s",
            "recorded": "x",
        },
    ]
    path = reference.write_reference(entries, tmp_path / "ref.json")
    written = json.loads(path.read_text())
    assert written["entries"] == [{"notebook": "02", "key": "k", "value": 1.5, "unit": "s"}]
    assert written["machine"]["cpu"] == "Slow CPU" and written["machine"]["dataset"]
    assert not list(tmp_path.glob(".*tmp*"))
    with pytest.raises(ValueError, match="No full-profile results"):
        reference.write_reference(entries[1:], tmp_path / "other.json")


def test_a_garbled_reference_file_is_one_sentence(tmp_path, monkeypatch):
    path = tmp_path / "reference_results.json"
    path.write_text("{not json")
    monkeypatch.setattr(reference, "REFERENCE_PATH", path)
    reference._reference_file.cache_clear()
    try:
        with pytest.raises(ValueError, match="not a reference file this course wrote"):
            reference.reference_value("02", "k")
    finally:
        reference._reference_file.cache_clear()


def test_record_many_records_every_figure_or_none(tmp_path, monkeypatch, catalogued):
    monkeypatch.setenv(config.BUILD_VARIABLE, str(tmp_path))
    catalogued("nb", "a", "c", unit="s")
    catalogued("nb", "b", unit="ms")
    results.record_many("nb", {"a": (1, "s"), "b": (2.5, "ms")})
    assert [(e["key"], e["value"], e["unit"]) for e in results.load()] == [
        ("a", 1.0, "s"),
        ("b", 2.5, "ms"),
    ]
    with pytest.raises(ValueError, match="not a finite number"):
        results.record_many("nb", {"a": (3, "s"), "c": (float("inf"), "s")})
    assert [e["value"] for e in results.load()] == [1.0, 2.5]  # nothing of the bad call landed


# ---------------------------------------------------------------- accuracy_gap


def test_a_clear_gap_like_the_reference_agrees(machines):
    v = verdicts.accuracy_gap("test", 0.90, 1000, "novel", 0.72, 600, reference=GAP_KEYS)
    assert v.agrees is True
    assert "a gap of +18.0 ± 2.1 points" in v.headline  # hypot(0.0095, 0.0183) = 0.0206
    assert "test higher by 8.7 standard errors, as on the reference machine." in v.headline
    assert "a gap of +22.0 points" in v.details


def test_no_gap_here_is_within_noise_and_differs_from_the_reference(machines):
    v = verdicts.accuracy_gap(
        "test", 0.80, 120, "novel", 0.78, 60, reference=GAP_KEYS, reference_n=(1000, 600)
    )
    assert v.agrees is False
    assert "within noise, **unlike the reference machine**" in v.headline
    assert "beyond two standard errors" in v.details


def test_the_other_split_higher_is_said_as_such(machines, monkeypatch):
    monkeypatch.setenv(config.DATASET_VARIABLE, "my_images")
    v = verdicts.accuracy_gap("test", 0.60, 1000, "novel", 0.75, 1000, reference=GAP_KEYS)
    assert v.agrees is False
    assert "novel higher by" in v.headline and "a gap of -15.0" in v.headline
    assert "'my_images' dataset" in v.details  # the likely reason: other photos


def test_the_reference_standard_error_uses_the_reference_counts(machines):
    # reference gap 0.05: beyond two standard errors on 1,000 + 600 images, not on 50 + 50
    wide = verdicts.accuracy_gap("test", 0.9, 50, "novel", 0.85, 50, reference=(0.9, 0.85))
    narrow = verdicts.accuracy_gap(
        "test", 0.9, 50, "novel", 0.85, 50, reference=(0.9, 0.85), reference_n=(1000, 600)
    )
    assert wide.agrees is True and narrow.agrees is False
    assert "+5.0 points, test higher by" in narrow.details


def test_without_a_reference_figure_it_says_so(machines):
    v = verdicts.accuracy_gap("test", 0.9, 100, "novel", 0.6, 100, reference=("03", "x", "y"))
    assert v.agrees is None and "no figure for this comparison" in v.details


def test_an_accuracy_outside_0_1_is_refused(machines):
    with pytest.raises(ValueError, match="between 0 and 1"):
        verdicts.accuracy_gap("test", 1.2, 100, "novel", 0.6, 100)


# ---------------------------------------------------------------- lower


def test_lower_says_less_when_a_needs_less_and_agrees_with_the_reference(machines):
    v = verdicts.lower(
        "the edge", 1.0, "the radio", 4.0, reference=("06", "edge_mj", "radio_mj"), unit="mJ"
    )
    assert "the edge was 4.00× less" in v.text and v.agrees is True


def test_lower_says_more_and_differs_when_this_run_is_the_contrary(machines):
    v = verdicts.lower(
        "the edge", 8.0, "the radio", 2.0, reference=("06", "edge_mj", "radio_mj"), unit="mJ"
    )
    assert "the edge was 4.00× more, **unlike the reference machine**." in v.headline
    assert v.agrees is False


def test_lower_without_a_reference_says_so_and_refuses_non_positive_numbers(machines):
    assert verdicts.lower("a", 1.0, "b", 1.02).agrees is None
    with pytest.raises(ValueError, match="a=0.0 is 0; give a number above 0"):
        verdicts.lower("a", 0.0, "b", 1.0)


# ---------------------------------------------------------------- seeds_compared


def test_close_means_with_a_wide_spread_are_within_noise_and_contradict_the_reference(
    machines, photos
):
    v = verdicts.seeds_compared(
        "firing rate", [0.84, 0.80, 0.88], "random", [0.85, 0.86, 0.81], 1000, reference=SEED_KEYS
    )
    assert "(means over 3 random seeds)" in v.headline and "**within noise**" in v.headline
    assert "firing rate 0.840 (± 0.040 over 3 random seeds, from 0.800 to 0.880)" in v.details
    assert v.agrees is False  # the reference saw random clearly ahead
    assert "**unlike the reference machine**" in v.headline
    assert "'my_images' dataset" in v.details


def test_a_clear_difference_is_named_and_agrees_with_the_reference(machines, photos):
    v = verdicts.seeds_compared(
        "firing rate", [0.70, 0.71, 0.69], "random", [0.85, 0.86, 0.84], 1000, reference=SEED_KEYS
    )
    assert "random higher, by" in v.headline and "-15.0 ±" in v.headline
    assert v.agrees is True and "as on the reference machine." in v.headline


def test_the_noise_counts_the_seeds_and_the_images():
    # no spread over seeds: the noise is the two binomial standard errors alone
    v = verdicts.seeds_compared("a", [0.5, 0.5], "b", [0.5, 0.5], 100, reference=(0.5, 0.5))
    assert "+0.0 ± 7.1 points" in v.text  # hypot(0.05, 0.05) = 0.0707
    assert v.agrees is True
    one = verdicts.seeds_compared("a", [0.9], "b", [0.6], 100)
    assert "1 random seed" in one.details and "a higher" in one.headline and one.agrees is None


def test_no_seeds_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one accuracy"):
        verdicts.seeds_compared("a", [], "b", [0.5], 100)


# ---------------------------------------------------------------- one sentence shown


def shown_words(headline: str) -> int:
    return len(headline.replace("*", "").split())


def every_shape():
    """One verdict of each builder, with notebook 04's longest names where a name is given."""
    return [
        verdicts.faster(
            "50 % removed (LiteRT int8)",
            2.34,
            "dense (LiteRT int8)",
            1.23,
            reference=("05", "int8_p50_ms", "float32_p50_ms"),
            reasons=("int8",),
        ),
        verdicts.higher(
            "batch 64", 900.0, "batch 1", 1000.0, reference=(2000.0, 1000.0), unit="images/s"
        ),
        verdicts.lower("the edge", 8.0, "the radio", 2.0, reference=("06", "edge_mj", "radio_mj")),
        verdicts.against_reference(
            "median epoch", 20.0, "s", "02", "epoch_seconds", lower_is_better=True
        ),
        verdicts.accuracy(
            "test accuracy",
            0.842,
            1000,
            chance=1 / 3,
            reference_key=("02", "test_accuracy"),
            bar=0.9,
        ),
        verdicts.accuracy_gap("test", 0.60, 1000, "novel", 0.75, 1000, reference=GAP_KEYS),
        verdicts.seeds_compared(
            "firing rate",
            [0.84, 0.80, 0.88],
            "random",
            [0.85, 0.86, 0.81],
            1000,
            reference=SEED_KEYS,
        ),
        verdicts.reveal("p99", 200, 50, unit="ms", why=("a tail is longer than a median",)),
        verdicts.finetuned_against_dense(0.80, {"80 % sparse": (0.81, 0.82)}, 500),
    ]


def test_a_verdict_shows_one_short_sentence_and_folds_the_reference_and_the_reasons(machines):
    for v in every_shape():
        # one sentence: a single full stop, at its end ("1.23" and "0.842" have none followed by
        # a space), at most 30 words; the reference machine's description and the reasons are
        # in the details, never in the sentence shown
        assert v.headline.endswith(".") and ". " not in v.headline, v.headline
        assert shown_words(v.headline) <= 30, v.headline
        assert "Reference CPU" not in v.headline and "Likely reasons" not in v.headline
        assert v.details and v.text == f"{v.headline} {v.details}"
        shown, folded = v.markdown.split("<details>")
        assert shown == v.headline + "\n\n" and v.details in folded
        # a blank line after the summary, so that the Markdown inside renders
        assert "</summary>\n\n" in folded and folded.endswith("\n\n</details>\n")
        assert str(v) == v._repr_markdown_() == v.markdown
    disagrees = every_shape()[0]
    assert "Reference CPU, 2 cores, avx512_vnni" in disagrees.details
    assert "no int8 dot-product instructions" in disagrees.details


def test_a_verdict_without_details_shows_no_fold():
    v = verdicts.reveal("x", 2, 2)  # exactly right, no reference, nothing to explain
    assert v.headline == "**x.** You predicted 2; this run measured 2 (exactly right)."
    assert v.details == "" and v.markdown == v.headline and "<details>" not in str(v)


def test_the_summary_is_escaped_html():
    folded = verdicts.base.fold("Shown.", "Folded.", "a < b & c")
    assert "<summary>a &lt; b &amp; c</summary>" in folded
