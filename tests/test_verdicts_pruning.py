"""verdicts.seeds_compared: two methods run with several seeds, measured on the same images;
"within noise" unless the difference passes two standard errors, beside the reference."""

import json

import pytest

from utils import config, verdicts

REFERENCE = {
    "machine": {"cpu": "Reference CPU", "cores": 2, "int8_instructions": ["avx512_vnni"],
                "dataset": "generated"},
    "entries": [
        {"notebook": "04", "key": "firing_50_mean", "value": 0.78, "unit": "fraction"},
        {"notebook": "04", "key": "random_50_mean", "value": 0.88, "unit": "fraction"},
    ],
}
KEYS = ("04", "firing_50_mean", "random_50_mean")


@pytest.fixture
def machines(tmp_path, monkeypatch):
    path = tmp_path / "reference_results.json"
    path.write_text(json.dumps(REFERENCE))
    monkeypatch.setattr(verdicts, "REFERENCE_PATH", path)
    monkeypatch.setattr(verdicts, "this_machine", lambda: {
        "cpu": "Slow CPU", "architecture": "x86_64", "cores": 2, "int8_instructions": []})
    monkeypatch.setattr(verdicts, "load_average", lambda: 0.5)
    monkeypatch.setenv(config.PROFILE_VARIABLE, "full")
    monkeypatch.setenv(config.DATASET_VARIABLE, "my_images")
    verdicts._reference_file.cache_clear()
    yield
    verdicts._reference_file.cache_clear()


def test_close_means_with_a_wide_spread_are_within_noise_and_contradict_the_reference(machines):
    v = verdicts.seeds_compared("firing rate", [0.84, 0.80, 0.88], "random", [0.85, 0.86, 0.81],
                                1000, reference=KEYS)
    assert "within noise" in v.text
    assert "firing rate 0.840 (± 0.040 over 3 seeds, from 0.800 to 0.880)" in v.text
    assert v.agrees is False  # the reference saw random clearly ahead
    assert "differs from the reference" in v.text and "'my_images' dataset" in v.text


def test_a_clear_difference_is_named_and_agrees_with_the_reference(machines):
    v = verdicts.seeds_compared("firing rate", [0.70, 0.71, 0.69], "random", [0.85, 0.86, 0.84],
                                1000, reference=KEYS)
    assert "random higher, by" in v.text and "-15.0 ±" in v.text
    assert v.agrees is True and "The same outcome." in v.text


def test_the_noise_counts_the_seeds_and_the_images():
    # no spread over seeds: the noise is the two binomial standard errors alone
    v = verdicts.seeds_compared("a", [0.5, 0.5], "b", [0.5, 0.5], 100, reference=(0.5, 0.5))
    assert "+0.0 ± 7.1 points" in v.text  # hypot(0.05, 0.05) = 0.0707
    assert v.agrees is True
    one = verdicts.seeds_compared("a", [0.9], "b", [0.6], 100)
    assert "1 seed" in one.text and "a higher" in one.text and one.agrees is None


def test_no_seeds_is_a_clear_error():
    with pytest.raises(ValueError, match="at least one accuracy"):
        verdicts.seeds_compared("a", [], "b", [0.5], 100)
