"""Tooling: ``make book``: the course as a static site, built with Jupyter Book from the executed
notebooks of the last ``make run`` (run first when any is missing).

    python -m tools.book [--teachers] [--executed DIR] [--out DIR] [--profile full|smoke]

The **student book** (``build/book/``, the one to publish) opens with the README's course
overview, then the core notebooks session by session (``data/session_plan.csv``), the appendices,
and every measured number beside the reference machine's (``build/summary.md``). Each page shows
the student copy (no solutions) with the outputs as executed (``tools/book_pages.py``), a note of
the machine and time that produced its numbers, and working links between notebooks; the site
has search. ``--teachers`` builds the teachers' book (``build/book-teachers/``, not for
publishing): the instructor's executed notebooks, solutions included, and the instructor guide
in its own part. Jupyter Book 1 (Sphinx) builds it offline: version 2 (MyST) downloads its HTML
theme at build time.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from tools import book_pages, nbval_executed, runner, series
from utils import config
from utils import reference as reference_run

ROOT = config.ROOT
TITLE = "Deep Learning Training vs Inference"
INSTALL = (
    "Jupyter Book is not installed in this Python: run `make setup` (it installs the `book` extra) "
    "or `pip install -c constraints.txt -e '.[book]'`."
)
FOR_TEACHERS = (
    ":::{important} For teachers\nThis part is the instructor guide: the plan of the sessions, "
    "the model answers and their rubrics. It is in the teachers' book only; do not publish it "
    "to students.\n:::\n\n"
)


ABOUT = (
    ":::{admonition} This book\n:class: tip\nEach notebook as one run executed it, with the "
    "exercises left for you: to work in a notebook, open it in Colab (the link under its title) "
    "or in the course's own folder (`make lab`). The numbers are that run's; each page says on "
    "which machine.\n:::\n"
)
ABOUT_TEACHERS = (
    ":::{admonition} The teachers' book\n:class: important\nThe instructor's notebooks as one "
    "run executed them, solutions included, and the instructor guide: not for students.\n:::\n"
)


def executed_folder() -> Path:
    return config.build_dir() / "executed"


def missing(executed: Path, folder: Path = config.NOTEBOOKS_DIR) -> list[str]:
    """The course's notebooks that have no executed copy in ``executed``."""
    return [p.name for p in series.notebooks(folder) if not (executed / p.name).is_file()]


def overview(readme: str) -> str:
    """The README's course overview: everything before its first ``##`` section."""
    match = re.search(r"^## ", readme, flags=re.MULTILINE)
    return readme[: match.start()] if match else readme


def sessions(notebooks: list[Path], plan: Path | None = None) -> list[tuple[str, list[Path]]]:
    """The core notebooks grouped by the session that starts them (``data/session_plan.csv``),
    in course order: ``[(caption, [path, ...]), ...]``; a core notebook no session names is
    added at the end under "The core path"."""
    core = [p for p in notebooks if not series.is_appendix(p.stem)]
    by_number = {series.number(p.stem): p for p in core}
    with (plan or series.PLAN).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    placed: set[Path] = set()
    groups = []
    for session, shares in series.sessions(rows, set(by_number)):
        members = [by_number[n] for n in shares if by_number[n] not in placed]
        placed |= set(members)
        if members:
            caption = next(r["notebooks"] for r in rows if r["session"] == session)
            groups.append((f"Session {session}: {caption}", members))
    rest = [p for p in core if p not in placed]
    return groups + ([("The core path", rest)] if rest else [])


def toc(notebooks: list[Path], teachers: bool, plan: Path | None = None) -> dict:
    """Jupyter Book's ``_toc.yml``: the overview, the sessions, the appendices, the numbers (and,
    for teachers, the guide), every notebook in course order."""
    parts = [
        {"caption": caption, "chapters": [{"file": p.stem} for p in members]}
        for caption, members in sessions(notebooks, plan)
    ]
    appendices = [p for p in notebooks if series.is_appendix(p.stem)]
    if appendices:
        parts.append(
            {
                "caption": "Appendices (optional deep dives)",
                "chapters": [{"file": p.stem} for p in appendices],
            }
        )
    parts.append({"caption": "Measured", "chapters": [{"file": "summary"}]})
    if teachers:
        parts.append({"caption": "For teachers", "chapters": [{"file": "instructor"}]})
    return {"format": "jb-book", "root": "intro", "parts": parts}


def book_config(teachers: bool) -> dict:
    """Jupyter Book's ``_config.yml``: nothing executed (the outputs are the run's), headings
    linkable, no link to a repository."""
    return {
        "title": TITLE + (" (teachers' book)" if teachers else ""),
        "author": "the course's authors",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "parse": {"myst_enable_extensions": ["colon_fence", "dollarmath", "html_image"]},
        "html": {"use_repository_button": False, "home_page_in_navbar": True},
        "sphinx": {
            "config": {
                "myst_heading_anchors": 4,
                # the verdicts' and tables' Markdown outputs: GitHub's Markdown, tables included,
                # no $…$ maths (A8's prices are dollars)
                "nb_render_markdown_format": "gfm",
                "nb_output_stderr": "remove",  # the kernel's logs (TensorFlow's), not the lesson
                "nb_merge_streams": True,
                "html_show_copyright": False,
                "smartquotes": False,  # the text as the notebooks write it
                "suppress_warnings": ["mystnb.unknown_mime_type", "myst.header"],
            }
        },
    }


def machine_of_run(build: Path) -> str:
    """The machine the last run executed on: ``runs.json``'s (the runner records it), else the
    summary's "This machine" line, else a sentence saying it was not recorded."""
    runs = build / "runs.json"
    if runs.is_file():
        machine = json.loads(runs.read_text(encoding="utf-8")).get("machine")
        if machine:
            return reference_run.describe(machine)
    summary = build / "summary.md"
    if summary.is_file():
        found = re.search(r"^- This machine: (.+)$", summary.read_text(), flags=re.MULTILINE)
        if found:
            return found[1].rstrip(".")
    return "a machine the run did not record (run `make run` again)"


def provenance_of(executed, machine: str) -> dict:
    """When, how long and in which profile this copy was executed (papermill's record, or the
    one ``tools.nbval_executed`` writes), and on what."""
    meta = executed.metadata.get("papermill") or executed.metadata.get(nbval_executed.METADATA, {})
    profile = meta.get("parameters", {}).get("PROFILE") or meta.get("profile", "?")
    start = meta.get("start_time")
    when = (
        datetime.datetime.fromisoformat(start).strftime("%Y-%m-%d %H:%M UTC")
        if start
        else "an unrecorded time"
    )
    return {
        "when": when,
        "seconds": float(meta.get("duration") or 0),
        "profile": profile,
        "machine": machine,
        "reference": reference_run.describe(reference_run.reference_machine()),
    }


def summary(build: Path, runs: list[tuple[str, dict]]) -> str:
    """Every number the pages' run measured beside the reference machine's: the runner's
    ``summary.md`` when that run is the pages' (same profile in ``runs.json``), else the same
    tables made from ``results.json`` for the pages' profile (nbval's smoke run)."""
    profile = runs[0][1]["profile"] if runs else config.DEFAULT_PROFILE
    last = build / runner.RUNS_FILE
    text = build / "summary.md"
    if text.is_file() and last.is_file():
        if json.loads(last.read_text(encoding="utf-8")).get("profile") == profile:
            return text.read_text(encoding="utf-8")
    if profile not in config.PROFILES:
        return "# What the series measured\n\nThe run recorded no profile: run `make run`.\n"
    return runner.summary_markdown(profile, [(name, run["seconds"]) for name, run in runs])


def write_sources(
    src: Path,
    executed: Path,
    teachers: bool,
    folder: Path = config.NOTEBOOKS_DIR,
    student: Path = ROOT / "student",
) -> list[Path]:
    """Write the book's source folder: one page per notebook, the overview, the summary (and the
    guide); return the notebooks in course order."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    notebooks = series.notebooks(folder)
    pages = (
        {p.stem for p in notebooks} | {"intro", "summary"} | ({"instructor"} if teachers else set())
    )
    build = executed.parent
    machine = machine_of_run(build)
    runs = []
    for path in notebooks:
        ran = nbformat.read(executed / path.name, as_version=4)
        runs.append((path.stem, provenance_of(ran, machine)))
        shown = (
            ran
            if teachers
            else book_pages.student_page(nbformat.read(student / path.name, as_version=4), ran)
        )
        page = book_pages.book_page(shown, runs[-1][1], pages, student=not teachers)
        nbformat.write(page, src / path.name)
    title, _, rest = overview((ROOT / "README.md").read_text(encoding="utf-8")).partition("\n")
    intro = f"{title}\n\n{ABOUT_TEACHERS if teachers else ABOUT}\n{rest}"
    (src / "intro.md").write_text(book_pages.relink(intro, pages), encoding="utf-8")
    (src / "summary.md").write_text(summary(build, runs), encoding="utf-8")
    if teachers:
        guide = (ROOT / "docs" / "instructor.md").read_text(encoding="utf-8")
        title, _, rest = guide.partition("\n")
        text = f"{title}\n\n{FOR_TEACHERS}{book_pages.relink(rest, pages, 'docs')}"
        (src / "instructor.md").write_text(text, encoding="utf-8")
    (src / "_toc.yml").write_text(json.dumps(toc(notebooks, teachers), indent=1))  # JSON is YAML
    (src / "_config.yml").write_text(json.dumps(book_config(teachers), indent=1))
    return notebooks


def jupyter_book(src: Path, work: Path) -> int:
    """Jupyter Book's HTML build of ``src`` into ``work/_build/html``."""
    command = "from jupyter_book.cli.main import main; main()"
    return subprocess.run(
        [sys.executable, "-c", command, "build", str(src), "--path-output", str(work), "-q"],
        cwd=ROOT,
    ).returncode


def build_book(executed: Path, out: Path, teachers: bool = False) -> Path:
    """Build the book from ``executed`` into ``out`` (its ``index.html``); raise RuntimeError
    with one sentence when it cannot."""
    if importlib.util.find_spec("jupyter_book") is None:
        raise RuntimeError(INSTALL)
    absent = missing(executed)
    if absent:
        raise RuntimeError(
            f"{executed} has no executed copy of {', '.join(absent)}: run `make run` first."
        )
    work = out.parent / f".{out.name}-work"
    write_sources(work / "src", executed, teachers)
    if jupyter_book(work / "src", work):
        raise RuntimeError(f"Jupyter Book failed to build {work / 'src'} (its messages above).")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(work / "_build" / "html", out)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.book", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--teachers", action="store_true", help="the teachers' book (solutions, guide)"
    )
    parser.add_argument(
        "--executed", type=Path, help="the executed notebooks (default: build/executed)"
    )
    parser.add_argument("--out", type=Path, help="the site's folder (default: build/book)")
    parser.add_argument(
        "--profile",
        default=config.DEFAULT_PROFILE,
        choices=sorted(config.PROFILES),
        help="the profile `make run` runs in when executed notebooks are missing",
    )
    args = parser.parse_args(argv)
    executed = args.executed or executed_folder()
    out = args.out or config.build_dir() / ("book-teachers" if args.teachers else "book")
    if importlib.util.find_spec("jupyter_book") is None:
        print(INSTALL, file=sys.stderr)
        return 1
    if args.executed is None and missing(executed):
        print(
            f"No executed copy of {', '.join(missing(executed))}: running them first.", flush=True
        )
        code = subprocess.run(
            [sys.executable, "-m", "tools.runner", "--profile", args.profile]
        ).returncode
        if code:
            return code
    changed = [
        p.name
        for p in series.notebooks(config.NOTEBOOKS_DIR)
        if (executed / p.name).is_file() and p.stat().st_mtime > (executed / p.name).stat().st_mtime
    ]
    if changed:
        print(f"Changed since the run the book shows: {', '.join(changed)} (`make run` again).")
    start = time.perf_counter()
    try:
        index = build_book(executed, out, args.teachers)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"The book: {index} (built in {time.perf_counter() - start:.0f} s); publish {out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
