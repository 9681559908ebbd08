"""tools/series.py: which files are the course's notebooks, in which order; the plan's shares."""

import pytest

from tools import series


def test_the_core_runs_in_number_order_then_the_appendices(tmp_path):
    for name in ("A2_b", "05_e", "04b_d", "A1_a", "04a_c", "00_x", "scratch", "4_bad", "AB_no"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    assert [p.stem for p in series.notebooks(tmp_path)] == [
        "00_x", "04a_c", "04b_d", "05_e", "A1_a", "A2_b"
    ]  # fmt: skip
    assert [p.stem for p in series.appendices(tmp_path)] == ["A1_a", "A2_b"]
    assert [series.number(p.stem) for p in series.core(tmp_path)] == ["00", "04a", "04b", "05"]
    assert series.number("scratch") is None


def test_a_plan_row_gives_each_notebook_its_share():
    rows = [{"session": "3", "shares": "03=1 04a=0.5"}]
    assert series.sessions(rows, {"03", "04a"}) == [("3", {"03": 1.0, "04a": 0.5})]


@pytest.mark.parametrize(
    "shares, message",
    [
        ("A1=1", r"row 1: no core notebook 'A1'; name one of 03, 04a\.$"),
        ("03=half", r"row 1: the share '03=half' is not a number above 0 and at most 1"),
        ("03=0", r"the share '03=0' is not a number above 0"),
    ],
)
def test_a_bad_plan_row_gets_one_sentence(shares, message):
    with pytest.raises(ValueError, match=message):
        series.sessions([{"session": "1", "shares": shares}], {"03", "04a"})
