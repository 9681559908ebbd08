import math
import re
import multiprocessing
import os

import pytest

from utils import config, figures, results

KEYS_PER_WORKER = 15


def _record_many(build_dir, worker):
    os.environ["COURSE_BUILD_DIR"] = build_dir
    for i in range(KEYS_PER_WORKER):
        results.record("concurrent", f"w{worker}-k{i}", i, "n")


@pytest.fixture(autouse=True)
def test_figures(catalogued):
    """The made-up figures these tests record, in a copy of the catalogue."""
    catalogued("01_data", "images", "smoke_only", unit="count")
    catalogued("01_data", "accuracy", unit="%")
    catalogued("02_train", "images", unit="count")
    catalogued("02_train", "accuracy", unit="fraction")
    catalogued("concurrent", *(f"w{w}-k{i}" for w in range(3) for i in range(KEYS_PER_WORKER)))
    catalogued("03_x", "v", unit="u")
    catalogued("06", "error", unit="% (|simulated / real − 1|)")


def keys(entries):
    return [(e["profile"], e["notebook"], e["key"]) for e in entries]


def test_record_then_load():
    assert results.record("01_data", "images", 300, "count") == 300.0
    [entry] = results.load()
    assert entry["profile"] == "full"
    assert entry["notebook"] == "01_data"
    assert entry["key"] == "images"
    assert entry["value"] == 300.0
    assert entry["unit"] == "count"
    assert config.results_path().is_file()


def test_same_key_is_replaced():
    results.record("01_data", "images", 300, "count")
    results.record("01_data", "images", 400, "count")
    [entry] = results.load()
    assert entry["value"] == 400.0


def test_other_notebooks_are_kept():
    results.record("01_data", "images", 300, "count")
    results.record("02_train", "images", 400, "count")
    assert sorted(e["notebook"] for e in results.load()) == ["01_data", "02_train"]


def test_profiles_are_kept_apart_and_cleared_separately(monkeypatch):
    results.record("01_data", "images", 6000, "count")
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    results.record("01_data", "images", 300, "count")
    assert sorted(keys(results.load())) == [
        ("full", "01_data", "images"),
        ("smoke", "01_data", "images"),
    ]
    results.clear("smoke")
    [entry] = results.load()
    assert entry["profile"] == "full"
    assert entry["value"] == 6000.0


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_value_is_rejected(bad):
    results.record("01_data", "images", 300, "count")
    before = config.results_path().read_text()
    with pytest.raises(ValueError):
        results.record("01_data", "accuracy", bad, "%")
    assert config.results_path().read_text() == before


def test_non_finite_value_creates_no_file():
    with pytest.raises(ValueError):
        results.record("01_data", "accuracy", math.nan, "%")
    assert not config.results_path().exists()


def test_concurrent_writers_lose_nothing(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record_many, args=(str(tmp_path), w)) for w in range(3)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    recorded = {e["key"] for e in results.load()}
    expected = {f"w{w}-k{i}" for w in range(3) for i in range(KEYS_PER_WORKER)}
    assert recorded == expected


def test_table_formats_and_filters(monkeypatch):
    results.record("01_data", "images", 6000, "count")
    results.record("02_train", "accuracy", 0.8134, "fraction")
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    results.record("01_data", "smoke_only", 300, "count")

    full = results.table(profile="full")
    assert "| 01_data | images | 6,000 | count |" in full
    assert "| 02_train | accuracy | 0.813 | fraction |" in full
    assert "smoke_only" not in full

    only_data = results.table(profile="full", notebook="01_data")
    assert "images" in only_data and "accuracy" not in only_data

    smoke = results.table()  # the active profile
    assert "smoke_only" in smoke and "images" not in smoke


def set_aside(path):
    """The files beside ``path`` that a damaged results file was renamed to."""
    return sorted(path.parent.glob(path.name + ".damaged-*"))


def test_a_corrupt_file_is_set_aside_with_one_sentence_and_recording_goes_on(capsys):
    path = config.results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert results.load() == []  # no stop: nothing recorded yet
    (aside,) = set_aside(path)
    assert aside.read_text() == "{not json"  # kept, byte for byte
    message = capsys.readouterr().err
    assert str(path) in message and aside.name in message and message.count("\n") == 1
    figure = results.record("01_data", "images", 6000)
    assert float(figure) == 6000 and [e["value"] for e in results.load()] == [6000.0]
    assert set_aside(path) == [aside]  # the new file is whole: nothing more set aside


def test_a_second_damaged_file_in_the_same_second_gets_its_own_name():
    path = config.results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    for text in ("{one", "{two"):
        path.write_text(text)
        results.load()
    # names carry the second; the second file in the same second gets "-2" (or a later stamp)
    assert sorted(p.read_text() for p in set_aside(path)) == ["{one", "{two"]


def test_a_full_disk_gets_one_sentence_and_leaves_no_temporary_file(monkeypatch):
    import errno
    from pathlib import Path

    results.record("01_data", "images", 6000)
    path = config.results_path()
    before = path.read_bytes()
    real_write_text = Path.write_text

    def full_disk(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2])  # half of it fits, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(OSError, match=r"is full, so results\.json was not written") as raised:
        results.record("01_data", "accuracy", 81.0)
    assert raised.value.errno == errno.ENOSPC and raised.value.__cause__ is None
    assert raised.value.__suppress_context__  # one sentence, not a chain of tracebacks
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old file, untouched
    leftovers = sorted(p.name for p in path.parent.iterdir())
    assert leftovers == ["results.json", "results.json.lock"]  # no ".results.json.tmp-<pid>"


@pytest.mark.parametrize(
    "value, shown", [(12345.678, "12,345.7"), (42.123456, "42.12"), (0.000123456, "0.000123")]
)
def test_table_keeps_large_and_small_numbers_readable(value, shown):
    results.record("03_x", "v", value, "u")
    assert f"| 03_x | v | {shown} | u |" in results.table()


@pytest.mark.parametrize("content", ["[]", '{"entries": 3}', "{}"])
def test_a_results_file_of_the_wrong_shape_is_set_aside_naming_its_path(content, capsys):
    path = config.results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    assert results.load() == []
    assert [p.read_text() for p in set_aside(path)] == [content]
    assert str(path) in capsys.readouterr().err


def test_a_unit_with_a_bar_stays_inside_its_table_cell(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    results.record("06", "error", 3.5, "% (|simulated / real − 1|)")
    row = results.table("full").splitlines()[-1]
    assert row == "| 06 | error | 3.5 | % (\\|simulated / real − 1\\|) |"
    row = results.table("full", reference=[]).splitlines()[-1]
    assert row.count(" | ") == 5  # six cells, the bars inside the unit escaped


def test_an_uncatalogued_key_is_refused_and_nothing_is_recorded():
    with pytest.raises(
        ValueError, match=r"01_data/pictures is not in the catalogue.*data/figures/01_data.csv"
    ):
        results.record_many("01_data", {"images": 3, "pictures": 4})
    assert not config.results_path().exists()


def test_record_returns_a_figure_that_knows_its_key_unit_and_label():
    figure = results.record("01_data", "images", 300)
    assert isinstance(figure, figures.Figure) and figure == 300.0
    assert (figure.notebook, figure.key, figure.unit, figure.label) == (
        "01_data",
        "images",
        "count",
        "images",
    )
    assert (
        type(figure * 2) is float
    )  # arithmetic gives plain numbers: only recorded values are Figures


def test_a_log_records_and_hands_back_its_figures():
    log = results.Log("01_data")
    log.record_many({"images": 30, "accuracy": 0.5})
    assert log["images"] == 30 and log["accuracy"].unit == "%"
    with pytest.raises(KeyError, match="not been recorded"):
        log["smoke_only"]


def test_a_notebooks_summary_table_is_folded_under_one_line():
    from tools import words

    results.record("01_data", "images", 300, "count")
    shown = results.show("01_data").data
    # the table (and its 300) sits inside <details>: a student reads none of it unless they open it
    assert shown.startswith(f"<details><summary>{results.SHOWN.replace(chr(39), '&#x27;')}")
    assert "300" in shown.split("</summary>", 1)[1]
    assert words.count_words(words.DETAILS.sub(" ", shown)) == 0
