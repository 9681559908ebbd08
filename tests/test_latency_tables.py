"""The sourced tables of data/ (utils/latency/tables.py): every row names its source and, where
the table has a cite column, its short citation; a notebook's table shows the citation and a link
to the row, never the whole source."""

import pytest

from utils import latency
from utils.latency import tables

TABLE = (
    "name,value,source,cite\n"
    'a,1,"Someone, A long title (2020): the figure, quoted at length",Someone 2020\n'
    'b,2,"Other, ""Quoted title"", a journal,\nwith a line break",Other 2021\n'
    "b,3,Other again,Other 2021\n"
    "c,4,Third,Third 2022\n"
    "b,5,Late,Late 2023\n"
)


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TABLE)
    return path


def test_one_row_is_its_citation_and_a_link_to_its_line(table):
    assert (
        tables.citation(table, "name", "a")
        == "Someone 2020 ([data/t.csv, line 2](../data/t.csv#L2))"
    )


def test_rows_are_counted_by_the_line_they_start_on(table):
    # header line 1, a line 2, the first b spans lines 3-4 (a quoted line break), then b line 5,
    # c line 6, b line 7: b's rows start on lines 3, 5 and 7, not one run; a citation is said once
    assert tables.citation(table, "name", "b") == (
        "Other 2021; Late 2023 ([data/t.csv, lines 3, 5, 7](../data/t.csv#L3))"
    )
    assert "line 6](../data/t.csv#L6)" in tables.citation(table, "name", "c")


def test_a_run_of_rows_is_a_range(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("name,source,cite\nx,s1,X 2001\nx,s2,X 2002\n")
    assert tables.citation(path, "name", "x", base="data") == (
        "X 2001; X 2002 ([data/r.csv, lines 2–3](data/r.csv#L2-L3))"
    )


def test_a_missing_citation_or_row_is_one_sentence(tmp_path, table):
    path = tmp_path / "m.csv"
    path.write_text("name,source,cite\nx,s1,\n")
    with pytest.raises(ValueError, match="line 2: the row has no cite"):
        latency.read_table(path)
    with pytest.raises(ValueError, match="no row whose name is 'zz'"):
        tables.citation(table, "name", "zz")
    plain = tmp_path / "p.csv"
    plain.write_text("name,source\nx,s1\n")
    assert latency.read_table(plain)  # a table without a cite column still reads
    with pytest.raises(ValueError, match="no cite column"):
        tables.citation(plain, "name", "x")


@pytest.mark.parametrize(
    "path, column",
    [
        (latency.NETWORKS_CSV, "name"),
        (latency.DEVICES_CSV, "name"),
        (latency.PRICES_CSV, "plan"),
        (latency.OUTAGES_CSV, "name"),
    ],
)
def test_the_tables_notebook_06_shows_cite_each_row_in_a_few_words(path, column):
    for row in latency.read_table(path):
        shown = tables.citation(path, column, row[column])
        assert row["cite"] in shown and row["source"] not in shown
        assert len(row["cite"].split()) <= 8, row["cite"]
