"""verdicts.accuracy_gap: a gap between two accuracies, with its standard error, beside the
reference machine's gap; fed contrary measurements (no gap, the other split higher)."""

import json

import pytest

from utils import config, verdicts

REFERENCE = {
    "machine": {"cpu": "Reference CPU", "cores": 2, "int8_instructions": ["avx512_vnni"],
                "dataset": "generated"},
    "entries": [
        {"notebook": "03", "key": "test_accuracy", "value": 0.92, "unit": "fraction"},
        {"notebook": "03", "key": "novel_accuracy", "value": 0.70, "unit": "fraction"},
    ],
}


@pytest.fixture
def machines(tmp_path, monkeypatch):
    path = tmp_path / "reference_results.json"
    path.write_text(json.dumps(REFERENCE))
    monkeypatch.setattr(verdicts, "REFERENCE_PATH", path)
    monkeypatch.setattr(verdicts, "this_machine", lambda: {
        "cpu": "Slow CPU", "architecture": "x86_64", "cores": 2, "int8_instructions": []})
    monkeypatch.setattr(verdicts, "load_average", lambda: 0.5)
    monkeypatch.setenv(config.PROFILE_VARIABLE, "full")
    monkeypatch.setenv(config.DATASET_VARIABLE, "generated")
    verdicts._reference_file.cache_clear()
    yield
    verdicts._reference_file.cache_clear()


KEYS = ("03", "test_accuracy", "novel_accuracy")


def test_a_clear_gap_like_the_reference_agrees(machines):
    v = verdicts.accuracy_gap("test", 0.90, 1000, "novel", 0.72, 600, reference=KEYS)
    assert v.agrees is True
    assert "a gap of +18.0 ± 2.1 points" in v.text  # hypot(0.0095, 0.0183) = 0.0206
    assert "test higher by 8.7 standard errors" in v.text
    assert "a gap of +22.0 points" in v.text and "The same outcome." in v.text


def test_no_gap_here_is_within_noise_and_differs_from_the_reference(machines):
    v = verdicts.accuracy_gap("test", 0.80, 120, "novel", 0.78, 60, reference=KEYS,
                              reference_n=(1000, 600))
    assert v.agrees is False
    assert "within noise (less than two standard errors)" in v.text
    assert "differs from the reference" in v.text


def test_the_other_split_higher_is_said_as_such(machines, monkeypatch):
    monkeypatch.setenv(config.DATASET_VARIABLE, "my_images")
    v = verdicts.accuracy_gap("test", 0.60, 1000, "novel", 0.75, 1000, reference=KEYS)
    assert v.agrees is False
    assert "novel higher by" in v.text and "a gap of -15.0" in v.text
    assert "'my_images' dataset" in v.text  # the likely reason: other photos


def test_the_reference_standard_error_uses_the_reference_counts(machines):
    # reference gap 0.05: beyond two standard errors on 1,000 + 600 images, not on 50 + 50
    wide = verdicts.accuracy_gap("test", 0.9, 50, "novel", 0.85, 50, reference=(0.9, 0.85))
    narrow = verdicts.accuracy_gap("test", 0.9, 50, "novel", 0.85, 50, reference=(0.9, 0.85),
                                   reference_n=(1000, 600))
    assert wide.agrees is True and narrow.agrees is False
    assert "+5.0 points, test higher by" in narrow.text


def test_without_a_reference_figure_it_says_so(machines):
    v = verdicts.accuracy_gap("test", 0.9, 100, "novel", 0.6, 100, reference=("03", "x", "y"))
    assert v.agrees is None and "no figure for this comparison" in v.text


def test_an_accuracy_outside_0_1_is_refused(machines):
    with pytest.raises(ValueError, match="between 0 and 1"):
        verdicts.accuracy_gap("test", 1.2, 100, "novel", 0.6, 100)
