"""Tooling: how many words a student reads in each notebook (the course's reading budget).

    python -m tools.words [--executed FOLDER]     a table per notebook (default: build/executed/)

A student's words are counted as a student sees them: every Markdown cell of the source notebook
without its model answers (the ``### BEGIN SOLUTION`` … ``### END SOLUTION`` blocks nbgrader
removes from the student copy), plus the Markdown the notebook generates when it runs (the
``text/markdown`` outputs of the executed copy in FOLDER, when there is one), leaving out what is
folded into ``<details>`` blocks, which a student opens only when they want to. A word is a run
of characters between spaces holding at least one letter or digit, so Markdown's own marks
(``#``, ``-``, ``|``, ``**``) are not words.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION_BUDGET = 2_500  # words a 90-minute session's core reading may hold
SOLUTION = re.compile(r"### BEGIN SOLUTION.*?### END SOLUTION", re.DOTALL)
DETAILS = re.compile(r"<details>.*?</details>", re.DOTALL | re.IGNORECASE)
WORD = re.compile(r"\S*[^\W_]\S*")


def count_words(text: str) -> int:
    """The words in ``text``: runs between white space that hold a letter or a digit."""
    return len(WORD.findall(text))


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def markdown_words(notebook: dict) -> int:
    """The words of a notebook's Markdown cells, model answers left out."""
    return sum(
        count_words(SOLUTION.sub(" ", _text(cell["source"])))
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
    )


def generated_words(notebook: dict) -> int:
    """The words of the Markdown a run displayed (``text/markdown`` outputs), ``<details>``
    blocks left out."""
    total = 0
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            markdown = output.get("data", {}).get("text/markdown")
            if markdown is not None:
                total += count_words(DETAILS.sub(" ", _text(markdown)))
    return total


@dataclasses.dataclass(frozen=True)
class Reading:
    notebook: str
    markdown: int
    generated: int | None  # None: no executed copy to read

    @property
    def total(self) -> int:
        return self.markdown + (self.generated or 0)


def reading(source: Path, executed: Path | None = None) -> Reading:
    """The student's words of the notebook ``source``; its generated Markdown from ``executed``
    (a copy that ran) when that file exists."""
    generated = None
    if executed is not None and executed.is_file():
        generated = generated_words(json.loads(executed.read_text(encoding="utf-8")))
    notebook = json.loads(source.read_text(encoding="utf-8"))
    return Reading(source.stem, markdown_words(notebook), generated)


def table(folder: Path, executed: Path) -> list[Reading]:
    """One :class:`Reading` per notebook of ``folder``, in order."""
    return [reading(path, executed / path.name) for path in sorted(folder.glob("*.ipynb"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "executed")
    args = parser.parse_args(argv)
    if not args.notebooks.is_dir():
        parser.error(f"{args.notebooks} is not a folder: give the folder of the notebooks.")
    rows = table(args.notebooks, args.executed)
    print(f"{'notebook':<28}{'markdown':>9}{'generated':>10}{'total':>7}")
    for row in rows:
        generated = "–" if row.generated is None else f"{row.generated:,}"
        over = "  over" if row.total > SESSION_BUDGET else ""
        print(f"{row.notebook:<28}{row.markdown:>9,}{generated:>10}{row.total:>7,}{over}")
    print(
        f"{'all':<28}{sum(r.markdown for r in rows):>9,}"
        f"{sum(r.generated or 0 for r in rows):>10,}{sum(r.total for r in rows):>7,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
