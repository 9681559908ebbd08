"""verdicts.lower: "A needs less than B" (energy, bytes), including a contrary outcome."""

import json

import pytest

from utils import config, verdicts

REFERENCE = {
    "machine": {"cpu": "Reference CPU", "cores": 2, "int8_instructions": ["avx512_vnni"],
                "dataset": "generated"},
    "entries": [{"notebook": "06", "key": "edge_mj", "value": 2.0, "unit": "mJ"},
                {"notebook": "06", "key": "radio_mj", "value": 8.0, "unit": "mJ"}],
}
HERE = {"cpu": "Slow CPU", "architecture": "x86_64", "cores": 2, "int8_instructions": [],
        "system": "Linux", "python": "3.11.7", "tensorflow": "2.21.0"}


@pytest.fixture
def machines(tmp_path, monkeypatch):
    path = tmp_path / "reference_results.json"
    path.write_text(json.dumps(REFERENCE))
    monkeypatch.setattr(verdicts, "REFERENCE_PATH", path)
    monkeypatch.setattr(verdicts, "this_machine", lambda: dict(HERE))
    monkeypatch.setattr(verdicts, "load_average", lambda: 0.5)
    monkeypatch.setenv(config.PROFILE_VARIABLE, "full")
    verdicts._reference_file.cache_clear()
    yield
    verdicts._reference_file.cache_clear()


def test_lower_says_less_when_a_needs_less_and_agrees_with_the_reference(machines):
    v = verdicts.lower("the edge", 1.0, "the radio", 4.0, reference=("06", "edge_mj", "radio_mj"), unit="mJ")
    assert "the edge was 4.00× less" in v.text and v.agrees is True


def test_lower_says_more_and_differs_when_this_run_is_the_contrary(machines):
    v = verdicts.lower("the edge", 8.0, "the radio", 2.0, reference=("06", "edge_mj", "radio_mj"), unit="mJ")
    assert "the edge was 4.00× more" in v.text and "differs from the reference" in v.text
    assert v.agrees is False


def test_lower_without_a_reference_says_so_and_refuses_non_positive_numbers(machines):
    assert verdicts.lower("a", 1.0, "b", 1.02).agrees is None
    with pytest.raises(ValueError, match="not a positive number"):
        verdicts.lower("a", 0.0, "b", 1.0)
