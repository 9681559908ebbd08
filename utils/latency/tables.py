"""Notebooks 06-08: the sourced tables of ``data/`` that the latency model reads.

Every figure the course quotes has its source beside it: :func:`read_table` refuses a row
without one, and a row of a table with a ``cite`` column without its short citation.
:func:`citation` is what a notebook's table shows instead of the whole source: the short
citation and a link to the rows in ``data/``, where the source is written out in full.
"""

from __future__ import annotations

import csv
from pathlib import Path

CITE = "cite"  # the column of a short citation (author or organisation, year, a few words)


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of one of the course's reference tables; every row must name its source (and its
    short citation, where the table has a ``cite`` column)."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    for number, row in enumerate(rows, start=2):
        for column in ("source", CITE) if CITE in row else ("source",):
            if not (row.get(column) or "").strip():
                raise ValueError(
                    f"{path.name}, line {number}: the row has no {column}; every figure the "
                    f"course quotes needs one (fill in the {column} column)."
                )
    return rows


def _lines(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Each row with the line of the file it starts on (a quoted field may span lines)."""
    with open(path, newline="") as file:
        reader = csv.DictReader(file)
        rows, start = [], 2
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    return rows


def citation(path: Path, column: str, value: str, *, base: str = "../data") -> str:
    """The short citation(s) of the rows of ``path`` whose ``column`` is ``value``, and a
    Markdown link to those lines of the file (``base`` is ``data/`` as seen from the notebooks),
    e.g. ``Ookla, Starlink Q2 2021 ([data/network_presets.csv, line 7](…#L7))``.
    """
    read_table(path)  # every row has its source and its citation
    found = [(line, row) for line, row in _lines(path) if row.get(column) == value]
    if not found:
        raise ValueError(
            f"{path.name} has no row whose {column} is {value!r}: give a value of that column."
        )
    if CITE not in found[0][1]:
        raise ValueError(f"{path.name} has no {CITE} column: add a short citation to each row.")
    cites = "; ".join(dict.fromkeys(row[CITE].strip() for _, row in found))
    lines = [line for line, _ in found]
    first, last = lines[0], lines[-1]
    if first == last:
        where, anchor = f"line {first}", f"#L{first}"
    elif last - first == len(lines) - 1:  # one run of lines
        where, anchor = f"lines {first}–{last}", f"#L{first}-L{last}"
    else:
        where, anchor = "lines " + ", ".join(map(str, lines)), f"#L{first}"
    return f"{cites} ([data/{path.name}, {where}]({base}/{path.name}{anchor}))"
