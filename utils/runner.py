"""``make run``: execute every notebook in order, render them, and summarise what they measured.

    python -m utils.runner [--profile full|smoke] [--notebooks DIR]

Executed copies go to ``build/executed/``, readable HTML to ``build/html/`` (``index.html``
links them in order), and every number the notebooks recorded to ``build/results.json`` and
``build/summary.md``. The first failing notebook stops the run with its name, the failing cell
and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import datetime
import html
import platform
import os
import sys
import time
from pathlib import Path

import mistune
import nbformat
import papermill
from nbconvert import HTMLExporter

from utils import config, results


class NotebookFailed(Exception):
    """A notebook raised; the message names the notebook, the cell and the error."""


def notebooks(folder: Path = config.NOTEBOOKS_DIR) -> list[Path]:
    """The series, in order: every ``NN_name.ipynb`` in ``folder``."""
    found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"No numbered notebooks (NN_name.ipynb) in {folder}.")
    return found


def title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The notebook's first Markdown heading."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def execute(source: Path, target: Path, profile: str) -> float:
    """Run one notebook with papermill into ``target``; return the seconds it took."""
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(source), str(target), parameters={"PROFILE": profile},
            cwd=str(source.parent), progress_bar=False,
        )
    except papermill.PapermillExecutionError as error:
        first_line = next((l for l in error.source.splitlines() if l.strip()), "")
        raise NotebookFailed(
            f"{source.name} failed in the cell starting `{first_line.strip()}` "
            f"(cell [{error.exec_count}] of the executed copy): {error.ename}: {error.evalue}\n"
            f"The executed copy with the full traceback is {target}."
        ) from None
    except Exception as error:  # kernel died, timeout, unreadable notebook
        raise NotebookFailed(f"{source.name} failed: {type(error).__name__}: {error}") from None
    return time.perf_counter() - start


def render_html(executed: Path, html_dir: Path) -> Path:
    body, _ = HTMLExporter(template_name="lab").from_filename(str(executed))
    target = html_dir / executed.with_suffix(".html").name
    target.write_text(body, encoding="utf-8")
    return target


def write_index(pages: list[tuple[Path, str, float]], summary: str, profile: str, html_dir: Path) -> Path:
    items = "\n".join(
        f'<li><a href="{page.name}">{html.escape(name)}</a> <small>({seconds:.0f} s)</small></li>'
        for page, name, seconds in pages
    )
    table = mistune.create_markdown(plugins=["table"])(summary)
    index = html_dir / "index.html"
    index.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<title>Deep Learning Training vs Inference</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}</style>"
        "</head><body><h1>Deep Learning Training vs Inference</h1>"
        f"<p>Executed in the <b>{profile}</b> profile on "
        f"{datetime.date.today().isoformat()}.</p><ol>{items}</ol>"
        f"<h2>What the series measured</h2>{table}</body></html>",
        encoding="utf-8",
    )
    return index


def summary_markdown(profile: str, timings: list[tuple[str, float]]) -> str:
    run_times = "\n".join(f"| {name} | {seconds:.1f} |" for name, seconds in timings)
    return (
        f"# What the series measured\n\nProfile `{profile}`, {datetime.date.today().isoformat()}, "
        f"{os.cpu_count()} CPU cores ({platform.machine()}), Python {platform.python_version()}.\n\n"
        f"{results.table(profile)}\n\n## Run time per notebook\n\n"
        f"| notebook | seconds |\n|---|---:|\n{run_times}\n"
    )


def run(profile: str, folder: Path = config.NOTEBOOKS_DIR) -> Path:
    """Execute, render and summarise the series; return ``build/html/index.html``."""
    config.use_profile(profile)
    build = config.build_dir()
    executed_dir, html_dir = build / "executed", build / "html"
    executed_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    results.clear(profile)
    series = notebooks(folder)
    pages, timings = [], []
    for number, source in enumerate(series, start=1):
        print(f"[{number}/{len(series)}] {source.name} ...", flush=True)
        target = executed_dir / source.name
        seconds = execute(source, target, profile)
        name = title(nbformat.read(target, as_version=4), source.stem)
        pages.append((render_html(target, html_dir), name, seconds))
        timings.append((source.stem, seconds))
        print(f"      done in {seconds:.1f} s", flush=True)
    summary = summary_markdown(profile, timings)
    (build / "summary.md").write_text(summary, encoding="utf-8")
    return write_index(pages, results.table(profile), profile, html_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every notebook of the course in order.")
    parser.add_argument("--profile", default=config.DEFAULT_PROFILE, choices=sorted(config.PROFILES))
    parser.add_argument("--notebooks", type=Path, default=config.NOTEBOOKS_DIR,
                        help="folder of NN_name.ipynb notebooks (default: notebooks/)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        index = run(args.profile, args.notebooks)
    except NotebookFailed as error:
        print(f"\nStopped: {error}", file=sys.stderr)
        return 1
    build = config.build_dir()
    print(f"\nAll notebooks ran in {time.perf_counter() - start:.0f} s.\n"
          f"  rendered:  {index}\n  summary:   {build / 'summary.md'}\n"
          f"  numbers:   {config.results_path()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
