"""The catalogue of figures (data/figures/*.csv): one row per recorded key, every key the
reference machine recorded, and Figures that verdicts look up by their own key."""

import csv
import json

import pytest

from utils import config, figures, reference, verdicts

NOTEBOOKS = {path.stem for path in config.NOTEBOOKS_DIR.glob("*.ipynb")}


def reference_keys() -> set[tuple[str, str]]:
    data = json.loads(reference.REFERENCE_PATH.read_text())
    return {(e["notebook"], e["key"]) for e in data["entries"]}


def test_every_catalogue_file_is_a_notebooks():
    files = {path.stem for path in figures.CATALOGUE_DIR.glob("*.csv")}
    assert files and files <= NOTEBOOKS, files - NOTEBOOKS


def test_the_catalogue_and_the_reference_file_name_the_same_figures():
    catalogued = {(e.notebook, e.key) for e in figures.catalogue()}
    recorded = reference_keys()
    assert not recorded - catalogued, (
        f"recorded by the reference run, not catalogued: {sorted(recorded - catalogued)}"
    )
    assert not catalogued - recorded, (
        f"catalogued, but the reference run never recorded them (make "
        f"reference, or drop the rows): {sorted(catalogued - recorded)}"
    )


def test_every_entry_has_a_label_and_every_chart_names_its_unit():
    for entry in figures.catalogue():
        assert entry.label and entry.unit, entry
        if entry.chart:
            assert entry.chart.endswith(")") and "(" in entry.chart, entry


def test_a_catalogue_with_a_repeated_key_or_a_missing_column_is_refused(tmp_path):
    path = tmp_path / "00_x.csv"
    path.write_text("key,unit,label,chart\na,ms,A,\na,ms,A again,\n")
    with pytest.raises(ValueError, match="'a' is catalogued twice"):
        figures.read_notebook_catalogue(path)
    path.write_text("key,unit\na,ms\n")
    with pytest.raises(ValueError, match="must have the columns key, unit, label, chart"):
        figures.read_notebook_catalogue(path)


def test_a_figure_finds_the_reference_by_its_key_not_its_label(tmp_path, monkeypatch):
    folder = tmp_path / "figures"
    folder.mkdir()
    with (folder / "05_int8_tflite.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(figures.COLUMNS)
        writer.writerow(["int8_p50", "ms", "a label that can change", ""])
        writer.writerow(["float32_p50", "ms", "float32, 1 thread", ""])
    ref = tmp_path / "reference.json"
    ref.write_text(
        json.dumps(
            {
                "machine": {"cpu": "Ref", "cores": 2},
                "entries": [
                    {"notebook": "05_int8_tflite", "key": "int8_p50", "value": 1.0, "unit": "ms"},
                    {
                        "notebook": "05_int8_tflite",
                        "key": "float32_p50",
                        "value": 3.0,
                        "unit": "ms",
                    },
                ],
            }
        )
    )
    monkeypatch.setenv(figures.CATALOGUE_VARIABLE, str(folder))
    monkeypatch.setattr(reference, "REFERENCE_PATH", ref)
    reference._reference_file.cache_clear()
    try:
        int8 = figures.Figure(2.0, figures.entry("05_int8_tflite", "int8_p50"))
        f32 = figures.Figure(4.0, figures.entry("05_int8_tflite", "float32_p50"))
        assert (int8.reference, f32.reference) == (1.0, 3.0)
        verdict = verdicts.faster("int8", int8, "float32", f32)
        assert "Reference machine" in verdict.text and "3.00× faster" in verdict.text
        assert verdicts.reveal("int8 time", 2.0, int8).text.endswith(
            "The reference machine measured 1."
        )
        plain = verdicts.faster("int8", 2.0, "float32", 4.0)  # plain numbers have no key
        assert plain.agrees is None and "has no figure" in plain.text
    finally:
        reference._reference_file.cache_clear()
