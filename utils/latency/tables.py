"""Notebooks 06-08: the sourced tables of ``data/`` that the latency model reads.

Every figure the course quotes has its source beside it: :func:`read_table` refuses a row
without one.
"""

from __future__ import annotations

import csv
from pathlib import Path


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of one of the course's reference tables; every row must name its source."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    for number, row in enumerate(rows, start=2):
        if not (row.get("source") or "").strip():
            raise ValueError(
                f"{path.name}, line {number}: the row has no source; every figure the "
                "course quotes needs one (fill in the source column)."
            )
    return rows
