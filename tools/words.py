"""Tooling: how many words a student reads in each notebook (the course's reading budget).

    python -m tools.words [--executed FOLDER]     a table per notebook (default: build/executed/)
    python -m tools.words --check [--generated FILE]
                                                  the reading budget: exit 1 naming each session
                                                  over 2,500 words or a core over 15,000

A student's words are counted as a student sees them: every Markdown cell of the source notebook
without its model answers (the ``### BEGIN SOLUTION`` … ``### END SOLUTION`` blocks nbgrader
removes from the student copy), plus the Markdown the notebook generates when it runs (the
``text/markdown`` outputs of the executed copy in FOLDER, when there is one), leaving out what is
folded into ``<details>`` blocks, which a student opens only when they want to. A word is a run
of characters between spaces holding at least one letter or digit, so Markdown's own marks
(``#``, ``-``, ``|``, ``**``) are not words.

The budget (``--check``): a session reads its core notebooks' shares (``data/session_plan.csv``)
of their words, at most ``SESSION_BUDGET``; the whole core at most ``CORE_BUDGET``. Appendices are
optional and have no budget. The generated words come from ``--generated FILE``, the JSON that
``tools.nbval_markdown`` writes while ``make test`` runs every notebook through nbval in the smoke
profile (``--from-nbval`` reads it from the build folder), or else from the reference run
(``runs`` in ``data/reference_results.json``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import re
import sys
from pathlib import Path

from tools import series

ROOT = Path(__file__).resolve().parent.parent
SESSION_BUDGET = 2_500  # words a 90-minute session's core reading may hold
CORE_BUDGET = 15_000  # words the six sessions' core reading may hold in all
REFERENCE = ROOT / "data" / "reference_results.json"
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


def output_words(outputs: list) -> int:
    """The words of the Markdown among one cell's outputs (``text/markdown``), ``<details>``
    blocks left out."""
    total = 0
    for output in outputs:
        markdown = (output.get("data") or {}).get("text/markdown")
        if markdown is not None:
            total += count_words(DETAILS.sub(" ", _text(markdown)))
    return total


def generated_words(notebook: dict) -> int:
    """The words of the Markdown a run displayed (``text/markdown`` outputs), ``<details>``
    blocks left out."""
    return sum(
        output_words(cell.get("outputs", []))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
    )


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


def generated_file() -> Path:
    """Where ``tools.nbval_markdown`` writes ``{notebook: generated words}``: the build folder's
    ``reading/generated_words.json``."""
    from utils import config  # the build folder (COURSE_BUILD_DIR): only when asked

    return config.build_dir() / "reading" / "generated_words.json"


def reference_generated(path: Path = REFERENCE) -> dict[str, int]:
    """``{notebook: generated words}`` as the reference run counted them."""
    runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    return {run["notebook"]: int(run["generated_words"]) for run in runs}


def budget(
    readings: list[Reading], plan_rows: list[dict]
) -> tuple[list[tuple[str, float]], float, list[str]]:
    """The reading budget: ``([(session, words)], core words, problems)``, a problem being one
    sentence per session over ``SESSION_BUDGET``, per core notebook that has no count of its
    generated words, and for a core over ``CORE_BUDGET``."""
    core = {series.number(r.notebook): r for r in readings if not series.is_appendix(r.notebook)}
    problems = [
        f"{r.notebook}: no count of the Markdown it generates; run it (make test) first."
        for r in core.values()
        if r.generated is None
    ]
    plan = series.sessions(plan_rows, set(core))
    sessions = [
        (session, sum(share * core[number].total for number, share in shares.items()))
        for session, shares in plan
    ]
    planned = {number for _, shares in plan for number in shares}
    problems += [
        f"{core[number].notebook} is in no session of data/session_plan.csv; add it to one."
        for number in sorted(set(core) - planned)
    ]
    problems += [
        f"Session {session} reads {words:,.0f} words, over {SESSION_BUDGET:,}: move a section "
        "to an appendix or shorten it."
        for session, words in sessions
        if words > SESSION_BUDGET
    ]
    total = sum(r.total for r in core.values())
    if total > CORE_BUDGET:
        problems.append(
            f"The core reads {total:,} words, over {CORE_BUDGET:,}: move sections to appendices."
        )
    return sessions, total, problems


def check(folder: Path, generated: dict[str, int], plan_path: Path = series.PLAN) -> int:
    """Print the budget table; 1 when it is broken (each problem named), else 0."""
    readings = []
    for path in series.notebooks(folder):
        source = json.loads(path.read_text(encoding="utf-8"))
        readings.append(Reading(path.stem, markdown_words(source), generated.get(path.stem)))
    with plan_path.open(newline="", encoding="utf-8") as handle:
        plan_rows = list(csv.DictReader(handle))
    sessions, total, problems = budget(readings, plan_rows)
    for r in readings:
        kind = "appendix" if series.is_appendix(r.notebook) else "core"
        generated_text = "–" if r.generated is None else f"{r.generated:,}"
        print(f"{r.notebook:<28}{kind:>9}{r.markdown:>9,}{generated_text:>10}{r.total:>7,}")
    for session, words in sessions:
        print(f"session {session}: {words:,.0f} words (budget {SESSION_BUDGET:,})")
    print(f"core: {total:,} words (budget {CORE_BUDGET:,})")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "executed")
    parser.add_argument("--check", action="store_true", help="check the reading budget")
    parser.add_argument(
        "--generated", type=Path, help="JSON {notebook: generated words} (tools.nbval_markdown)"
    )
    parser.add_argument(
        "--from-nbval",
        action="store_true",
        help="the generated words the last nbval run counted (tools.nbval_markdown)",
    )
    args = parser.parse_args(argv)
    if not args.notebooks.is_dir():
        parser.error(f"{args.notebooks} is not a folder: give the folder of the notebooks.")
    if args.check:
        if args.from_nbval:
            args.generated = generated_file()
        if args.generated is not None and not args.generated.is_file():
            parser.error(f"{args.generated} does not exist: run the notebooks through nbval first.")
        generated = (
            json.loads(args.generated.read_text(encoding="utf-8"))
            if args.generated
            else reference_generated()
        )
        try:
            return check(args.notebooks, generated)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
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
