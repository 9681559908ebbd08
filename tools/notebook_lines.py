"""Tooling: what the notebooks' code lines are spent on (the lesson against its plumbing).

    python -m tools.notebook_lines [FOLDER]     a table per notebook (default: notebooks/)

Each non-blank, non-comment line of a code cell (the bootstrap cell left out) is counted once,
in the first kind that applies to the statement it belongs to:

- ``plumbing``: recording figures and verdicts (``results.``, ``verdicts.``, a ``log.`` of
  figures);
- ``checks``: the exercises' checkers (``exercises.``);
- ``plots``: matplotlib;
- ``prints``: ``print(...)``;
- ``other``: everything else, the lesson's own code among it.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("plumbing", "checks", "plots", "prints", "other")
PLUMBING = {"results", "verdicts", "log"}
CHECKS = {"exercises"}
PLOTS = {"plt", "ax", "axes", "fig", "left", "right", "matplotlib"}
BOOTSTRAP_TAG = "course-bootstrap"
COMPOUND = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.Try,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _names(node: ast.AST) -> set[str]:
    """The names whose attributes a statement uses (``results`` of ``results.record(...)``)."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
            found.add(child.value.id)
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
            found.add(child.func.id)
    return found


def kind_of(statement: ast.stmt) -> str:
    names = _names(statement)
    if names & PLUMBING:
        return "plumbing"
    if names & CHECKS:
        return "checks"
    if names & PLOTS:
        return "plots"
    if "print" in names:
        return "prints"
    return "other"


def count_cell(source: str) -> dict[str, int]:
    lines = source.splitlines()
    counts = dict.fromkeys(KINDS, 0)
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: count the lines as other
        counts["other"] = sum(
            1 for line in lines if line.strip() and not line.strip().startswith("#")
        )
        return counts
    seen: set[int] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, COMPOUND):
                header_end = (
                    statement.body[0].lineno - 1
                    if getattr(statement, "body", None)
                    else statement.end_lineno
                )
                for number in range(statement.lineno, header_end + 1):
                    _count(number, "other")
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit(
                        [s for s in getattr(statement, field, []) if isinstance(s, ast.stmt)]
                        + [
                            s
                            for h in getattr(statement, field, [])
                            if isinstance(h, ast.ExceptHandler)
                            for s in h.body
                        ]
                    )
                continue
            kind = kind_of(statement)
            for number in range(statement.lineno, statement.end_lineno + 1):
                _count(number, kind)

    def _count(number: int, kind: str) -> None:
        text = lines[number - 1].strip()
        if number in seen or not text or text.startswith("#"):
            return
        seen.add(number)
        counts[kind] += 1

    visit(tree.body)
    return counts


def count_notebook(path: Path) -> dict[str, int]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    totals = dict.fromkeys(KINDS, 0)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code" or BOOTSTRAP_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for kind, number in count_cell(source).items():
            totals[kind] += number
    return totals


def table(folder: Path) -> str:
    rows = {path.stem: count_notebook(path) for path in sorted(folder.glob("*.ipynb"))}
    total = {kind: sum(row[kind] for row in rows.values()) for kind in KINDS}
    lines = ["| notebook | " + " | ".join(KINDS) + " | all |", "|---|" + "---:|" * (len(KINDS) + 1)]
    for name, row in [*rows.items(), ("all", total)]:
        lines.append(
            f"| {name} | " + " | ".join(str(row[k]) for k in KINDS) + f" | {sum(row.values())} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.notebook_lines", description=__doc__.split("\n")[0]
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "notebooks")
    print(table(parser.parse_args(argv).folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
