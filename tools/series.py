"""Tooling: which notebooks make the course, in the order they run and are read.

The **core** path is numbered ``NN_name.ipynb``, or ``NNa_name.ipynb`` where one topic takes two
notebooks (``04a_pruning_magnitude``, ``04b_pruning_channels``): every student reads it, in six
sessions. The **appendices** are ``A<k>_name.ipynb``: optional deep dives that a core notebook
links to, each standing alone. They run after the whole core (so any core artifact is there for
them), in their own order. Anything else in the folder (a scratch copy) is not part of the course.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

CORE = re.compile(r"^(?P<number>\d\d[a-z]?)_\w+$")
APPENDIX = re.compile(r"^(?P<number>A\d+)_\w+$")


def number(stem: str) -> str | None:
    """The notebook's number as the course writes it (``04a``, ``A4``), or None for a file that
    is not one of the course's."""
    match = CORE.match(stem) or APPENDIX.match(stem)
    return match["number"] if match else None


def is_appendix(stem: str) -> bool:
    return APPENDIX.match(stem) is not None


def notebooks(folder: Path) -> list[Path]:
    """The course's notebooks in ``folder``: the core in number order, then the appendices."""
    found = [path for path in folder.glob("*.ipynb") if number(path.stem)]
    return sorted(found, key=_order)


def _order(path: Path) -> tuple:
    """The core first, by name; then the appendices by number (A9 before A10)."""
    if is_appendix(path.stem):
        return (True, int(number(path.stem)[1:]), path.name)
    return (False, 0, path.name)


def core(folder: Path) -> list[Path]:
    return [path for path in notebooks(folder) if not is_appendix(path.stem)]


def appendices(folder: Path) -> list[Path]:
    return [path for path in notebooks(folder) if is_appendix(path.stem)]


PLAN = Path(__file__).resolve().parent.parent / "data" / "session_plan.csv"


def sessions(rows: list[dict], numbers: set[str]) -> list[tuple[str, dict[str, float]]]:
    """``[(session, {number: share})]`` from the rows of ``data/session_plan.csv``, whose
    ``shares`` column reads ``03=1 04a=1`` (a notebook's number = the share of it read in that
    session). One sentence naming the row for a number that is not a core notebook's or a share
    that is not a number between 0 and 1."""
    plan = []
    for i, row in enumerate(rows, start=1):
        shares: dict[str, float] = {}
        for item in row["shares"].split():
            name, _, text = item.partition("=")
            if name not in numbers:
                raise ValueError(
                    f"session_plan.csv row {i}: no core notebook {name!r}; name one of "
                    f"{', '.join(sorted(numbers))}."
                )
            try:
                share = float(text)
            except ValueError:
                share = float("nan")
            if not 0 < share <= 1:
                raise ValueError(
                    f"session_plan.csv row {i}: the share {item!r} is not a number above 0 and "
                    "at most 1; write it as 04a=1 or 05=0.5."
                )
            shares[name] = share
        plan.append((row["session"], shares))
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.series", description="The course's notebooks and sessions, in order."
    )
    parser.add_argument("folder", nargs="?", type=Path, default=PLAN.parent.parent / "notebooks")
    args = parser.parse_args(argv)
    found = notebooks(args.folder)
    numbers = {number(path.stem) for path in found if not is_appendix(path.stem)}
    with PLAN.open(newline="", encoding="utf-8") as handle:
        plan = sessions(list(csv.DictReader(handle)), numbers)
    for session, shares in plan:
        print(f"session {session}: " + ", ".join(shares))
    print("appendices: " + ", ".join(path.stem for path in appendices(args.folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
