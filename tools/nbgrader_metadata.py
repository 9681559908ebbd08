"""Tooling: nbgrader's cell metadata in every notebook, and each notebook's points in its title.

Reproducible and idempotent: the metadata follows from the cells' text alone, so running the
script again changes nothing, and after an edit to a notebook it brings the metadata up to date.

    python -m tools.nbgrader_metadata [--check] [notebooks/ or notebook files ...]

``--check`` changes nothing and exits 1 when a notebook's metadata is not what the script would
write (the tests run it). The rules (nbgrader's cell types, schema version 3):

- **Autograded answer** (``solution``): a code cell with ``### BEGIN SOLUTION``. nbgrader replaces
  the region with ``raise NotImplementedError()`` in the released copy.
- **Autograder test** (``grade``, ``locked``, with points): the code cell right after an answer
  that calls ``exercises.check_*``. A checker raises on a wrong answer, so the cell fails and
  scores 0; its plain-words hint is the cell's output in the feedback. Points: 3 for the
  capstone (``check_deployment_choice``), 3 where the student implements a mechanism (the
  solution region sits inside a ``def``), 2 for a design against a hard target (the per-layer
  sparsity plan), 1 for a computation, and half a point for a prediction
  (``check_prediction``, which passes for any honest guess: graded on being made, not on being
  right, so it stays a small share of the grade).
- **Manually graded answer** (``solution`` and ``grade``, with points): a Markdown cell with
  ``### BEGIN SOLUTION`` or ``YOUR ANSWER HERE`` (a written "explain" answer; 2 points; 4 for the
  capstone's written justification, a cell tagged ``capstone``), or an answer cell without a
  check cell after it.
- **Prediction graded on completion by hand** (``solution`` and ``grade``, half a point): a cell
  tagged ``prediction`` (for a prediction no checker can read, e.g. a sketch).
- **Read-only** (``locked``): every other cell.

The title cell ends with a line ``**Points: N**`` (replaced on every run): the idea first, the
administration after it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools import series

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "### BEGIN SOLUTION"
MARKDOWN_STUB = "YOUR ANSWER HERE"
CHECK = re.compile(r"\bexercises\.(check_\w+)\s*\(")
PREDICTION_TAG = "prediction"
CAPSTONE_TAG = "capstone"
SCHEMA_VERSION = 3
POINTS_LINE = re.compile(r"^\*\*Points: .*$")
CAPSTONE_POINTS, IMPLEMENT_POINTS, COMPUTE_POINTS = 3, 3, 1
# a prediction is graded for being made (any honest guess passes): a small share of the grade
EXPLAIN_POINTS, PREDICTION_POINTS, JUSTIFICATION_POINTS = 2, 0.5, 4
CAPSTONE_CHECKERS = {"check_deployment_choice"}
# a design against a hard target (MIT's lab 1 style: a per-layer plan under a size budget, at the
# best accuracy the student can reach): more than a computation, a kind of its own in no table
DESIGN_CHECKERS, DESIGN_POINTS = {"check_sparsity_plan"}, 2
PREDICTION_CHECKER = "check_prediction"
# the kinds of exercise, in the order the guide's table lists them
KINDS = ("implement", "compute", "prediction", "capstone", "written")


@dataclass
class Points:
    autograded: float = 0
    checks: int = 0
    manual: float = 0
    manual_cells: int = 0
    kinds: Counter = field(default_factory=Counter)  # exercises of each kind (KINDS)

    @property
    def total(self) -> float:
        return self.autograded + self.manual


def _meta(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _checker(cell) -> str | None:
    if cell.cell_type != "code" or BEGIN in cell.source:
        return None
    match = CHECK.search(cell.source)
    return match.group(1) if match else None


def _implements(source: str) -> bool:
    """The solution region sits inside a function the student writes (indented marker)."""
    return any(line.strip() == BEGIN and line != line.lstrip() for line in source.splitlines())


def _unique(name: str, taken: set) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _number(value: float) -> str:
    return f"{value:g}"


def points_line(points: Points) -> str:
    if not points.checks and not points.manual_cells:
        return "**Points: 0** (nothing here is graded: read it, run it, change it)."
    parts = [
        f"{_number(points.autograded)} autograded in {points.checks} check cell"
        f"{'s' if points.checks != 1 else ''}"
    ]
    if points.manual_cells:
        parts.append(
            f"{_number(points.manual)} graded by hand in {points.manual_cells} answer cell"
            f"{'s' if points.manual_cells != 1 else ''}"
        )
    return (
        f"**Points: {_number(points.total)}** ({'; '.join(parts)}; nbgrader grades them: see "
        'the README, "Teaching with it").'
    )


def with_points(title: str, line: str) -> str:
    """The title cell's text with ``line`` as its last paragraph (administrative text comes after
    the notebook's idea), replacing an older points line wherever it stood."""
    lines = [l for l in title.split("\n") if not POINTS_LINE.match(l)]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return f"{text}\n\n{line}"


def annotate(notebook: nbformat.NotebookNode) -> Points:
    """Set every cell's ``nbgrader`` metadata and the title's points line; return the points."""
    cells, points, taken = notebook.cells, Points(), set()
    kinds: list[dict | None] = [None] * len(cells)
    for i, cell in enumerate(cells):
        tags = cell.metadata.get("tags", [])
        if PREDICTION_TAG in tags:
            kinds[i] = _meta(
                _unique(f"predict_{i}", taken), solution=True, grade=True, points=PREDICTION_POINTS
            )
            points.manual += PREDICTION_POINTS
            points.manual_cells += 1
            points.kinds["prediction"] += 1
        elif cell.cell_type == "markdown" and (
            BEGIN in cell.source or MARKDOWN_STUB in cell.source
        ):
            worth, name = (
                (JUSTIFICATION_POINTS, "justify")
                if CAPSTONE_TAG in tags
                else (EXPLAIN_POINTS, "explain")
            )
            kinds[i] = _meta(_unique(f"{name}_{i}", taken), solution=True, grade=True, points=worth)
            points.manual, points.manual_cells = points.manual + worth, points.manual_cells + 1
            points.kinds["written"] += 1
        elif cell.cell_type == "code" and BEGIN in cell.source:
            checker = _checker(cells[i + 1]) if i + 1 < len(cells) else None
            if checker is None:  # nothing checks it: a human does
                kinds[i] = _meta(
                    _unique(f"answer_{i}", taken), solution=True, grade=True, points=COMPUTE_POINTS
                )
                points.manual += COMPUTE_POINTS
                points.manual_cells += 1
                points.kinds["written"] += 1
                continue
            name = checker.removeprefix("check_")
            kind = (
                "capstone"
                if checker in CAPSTONE_CHECKERS
                else "prediction"
                if checker == PREDICTION_CHECKER
                else "implement"
                if _implements(cell.source)
                else "compute"
            )
            points.kinds[kind] += 1
            worth = {
                "capstone": CAPSTONE_POINTS,
                "prediction": PREDICTION_POINTS,
                "implement": IMPLEMENT_POINTS,
                "compute": DESIGN_POINTS if checker in DESIGN_CHECKERS else COMPUTE_POINTS,
            }[kind]
            kinds[i] = _meta(_unique(f"answer_{name}", taken), solution=True)
            kinds[i + 1] = _meta(
                _unique(f"check_{name}", taken), grade=True, locked=True, points=worth
            )
            points.autograded, points.checks = points.autograded + worth, points.checks + 1
    for i, cell in enumerate(cells):
        if kinds[i] is None:
            kinds[i] = _meta(_unique(f"cell_{cell.get('id') or i}", taken), locked=True)
        cell.metadata["nbgrader"] = kinds[i]
    cells[0].source = with_points(cells[0].source, points_line(points))
    return points


def notebooks_in(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        found += series.notebooks(path) if path.is_dir() else [path]
    return found


def update(paths: list[Path], check: bool = False) -> dict[Path, tuple[Points, bool]]:
    """Annotate each notebook (writing it when it changed, unless ``check``); returns
    {path: (points, changed)}."""
    done = {}
    for path in notebooks_in(paths):
        notebook = nbformat.read(path, as_version=4)
        before = nbformat.writes(notebook)
        points = annotate(notebook)
        changed = nbformat.writes(notebook) != before
        if changed and not check:
            nbformat.write(notebook, path)
        done[path] = (points, changed)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.nbgrader_metadata", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "notebooks"])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a notebook's metadata is out of date",
    )
    args = parser.parse_args(argv)
    done = update(args.paths, check=args.check)
    stale = [p for p, (_, changed) in done.items() if changed]
    for path, (points, changed) in done.items():
        state = ("out of date" if args.check else "updated") if changed else "up to date"
        print(
            f"{path.name}: {_number(points.total)} points ({_number(points.autograded)} "
            f"autograded in {points.checks} check cells, {_number(points.manual)} by hand) - "
            f"{state}"
        )
    if args.check and stale:
        print(
            "Run `python -m tools.nbgrader_metadata` to bring the nbgrader metadata up to date.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
