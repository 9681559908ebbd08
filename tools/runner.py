"""Tooling: ``make run`` executes every notebook in order, renders them, and summarises them.

    python -m tools.runner [--profile full|smoke] [--notebooks DIR] [--update-reference]

Executed copies go to ``build/executed/``, readable HTML to ``build/html/`` (``index.html``
links them in order, each beside its student copy in ``student/``, the one students work in), and
every number the notebooks recorded to ``build/results.json`` and ``build/summary.md``. The first
failing notebook stops the run with its name, the failing cell and a non-zero exit status.

The summary and the index page show each number as *yours · reference · ratio* beside the
course's reference machine (``data/reference_results.json``), headline figures first, as
charts. ``--update-reference`` (full profile, generated dataset) makes this run the reference.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import html
import io
import json
import sys
import time
from pathlib import Path

import mistune
import nbformat
import papermill
from nbconvert import HTMLExporter

from tools import bootstrap_cell, series, words
from utils import artifacts, config, figures, ledger, results
from utils import reference as reference_run


STUDENT_DIR = Path(__file__).resolve().parent.parent / bootstrap_cell.STUDENT_FOLDER


def headlines() -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """The figures the summary and the index page lead with, one chart per group, read from the
    catalogue's ``chart`` column (``"Edge vs cloud, p99 (ms)"``: the title, then the axis's unit):
    ``[(title, unit, [(label, notebook, key), ...]), ...]`` in catalogue order."""
    charts: dict[str, list[tuple[str, str, str]]] = {}
    for entry in figures.catalogue():
        if entry.chart:
            charts.setdefault(entry.chart, []).append((entry.label, entry.notebook, entry.key))
    groups = []
    for chart, members in charts.items():
        title, _, unit = chart.rpartition(" (")
        groups.append((title, unit.removesuffix(")"), members))
    return groups


def headline_rows(
    entries: list[dict], reference: list[dict]
) -> list[tuple[str, str, str, float, float | None]]:
    """(chart, label, unit, yours, reference) for every headline figure this run recorded."""
    yours = {(e["notebook"], e["key"]): e["value"] for e in entries}
    theirs = {(e["notebook"], e["key"]): e["value"] for e in reference}
    return [
        (chart, label, unit, yours[notebook, key], theirs.get((notebook, key)))
        for chart, unit, members in headlines()
        for label, notebook, key in members
        if (notebook, key) in yours
    ]


def headline_markdown(rows) -> str:
    lines = ["| figure | yours | reference | ratio | unit |", "|---|---:|---:|---:|---|"]
    lines += [
        f"| {chart}: {label} | {results.format_number(mine)} | "
        f"{'—' if ref is None else results.format_number(ref)} | "
        f"{results.ratio_text(mine, ref)} | {unit} |"
        for chart, label, unit, mine, ref in rows
    ]
    return "\n".join(lines)


def headline_chart(rows) -> bytes | None:
    """The headline figures as bar charts (yours beside the reference), as PNG bytes."""
    charts = list(dict.fromkeys(row[0] for row in rows))
    if not charts:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(3, len(charts))
    rows_of_charts = -(-len(charts) // columns)
    fig, axes = plt.subplots(
        rows_of_charts, columns, figsize=(5.2 * columns, 2.6 * rows_of_charts), squeeze=False
    )
    for ax in axes.flat[len(charts) :]:
        ax.set_visible(False)
    for ax, chart in zip(axes.flat, charts):
        mine = [row for row in rows if row[0] == chart]
        y = range(len(mine))
        ax.barh([i + 0.2 for i in y], [r[3] for r in mine], height=0.4, label="yours")
        ax.barh([i - 0.2 for i in y], [r[4] or 0 for r in mine], height=0.4, label="reference")
        ax.set_yticks(list(y), [r[1] for r in mine], fontsize=8)
        ax.set_xlim(left=0)  # bars start at zero: no truncated axis
        ax.set_title(chart, fontsize=10)
        ax.set_xlabel(mine[0][2], fontsize=8)
        ax.invert_yaxis()
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


class NotebookFailed(Exception):
    """A notebook raised; the message names the notebook, the cell and the error."""


def notebooks(folder: Path = config.NOTEBOOKS_DIR) -> list[Path]:
    """The series, in order: the core's ``NN_name.ipynb`` (or ``NNa_``), then the appendices'
    ``A<k>_name.ipynb`` (``tools.series``)."""
    found = series.notebooks(folder)
    if not found:
        raise FileNotFoundError(
            f"No course notebooks (NN_name.ipynb or A1_name.ipynb) in {folder}."
        )
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
            str(source),
            str(target),
            parameters={"PROFILE": profile},
            cwd=str(source.parent),
            progress_bar=False,
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


def student_link(page: Path, student_dir: Path = STUDENT_DIR) -> str:
    """The index's link for students: the student copy of the notebook a page shows (no
    solutions), on disk and in Colab; empty when it has none (a folder of other notebooks)."""
    copy = student_dir / page.with_suffix(".ipynb").name
    if not copy.is_file():
        return ""
    colab = bootstrap_cell.colab_url(copy.name, folder=bootstrap_cell.STUDENT_FOLDER)
    return (
        f' · students: <a href="{copy.resolve().as_uri()}">{student_dir.name}/{copy.name}</a> '
        f'(<a href="{colab}">in Colab</a>)'
    )


def write_index(
    pages: list[tuple[Path, str, float]],
    profile: str,
    html_dir: Path,
    student_dir: Path = STUDENT_DIR,
) -> Path:
    """The index page: the notebooks in order (each executed page, the instructor's, beside the
    student copy), the headline charts and tables, then every number."""
    entries = [e for e in results.load() if e["profile"] == profile]
    reference = reference_run.reference_data()["entries"]
    rows = headline_rows(entries, reference)

    def items(appendix: bool) -> str:
        return "\n".join(
            f'<li><a href="{page.name}">{html.escape(name)}</a> <small>({seconds:.0f} s)</small>'
            f"{student_link(page, student_dir)}</li>"
            for page, name, seconds in pages
            if series.is_appendix(page.stem) == appendix
        )

    appendices = items(appendix=True)
    markdown = mistune.create_markdown(plugins=["table"])
    chart = headline_chart(rows)
    picture = (
        ""
        if chart is None
        else f"<img alt='headline figures, yours beside the reference machine' "
        f"src='data:image/png;base64,{base64.b64encode(chart).decode()}' style='max-width:100%'>"
    )
    index = html_dir / "index.html"
    index.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<title>Deep Learning Training vs Inference</title>"
        "<style>body{font-family:sans-serif;max-width:64em;margin:2em auto;line-height:1.5}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}"
        "td:nth-last-child(-n+4):not(:last-child){text-align:right}</style>"
        "</head><body><h1>Deep Learning Training vs Inference</h1>"
        f"<p>Executed in the <b>{profile}</b> profile on {datetime.date.today().isoformat()}, "
        f"on {html.escape(reference_run.describe(reference_run.this_machine()))}. "
        "The reference machine: "
        f"{html.escape(reference_run.describe(reference_run.reference_machine()))} "
        "(full profile).</p>"
        "<p>Each page is the instructor's notebook as this run executed it, solutions included. "
        "Students work in the student copies (no solutions), linked beside each page: open "
        "them in JupyterLab or in Colab.</p>"
        f"<h2>The core path</h2><ul>{items(appendix=False)}</ul>"
        + (f"<h2>Appendices (optional deep dives)</h2><ul>{appendices}</ul>" if appendices else "")
        + f"<h2>Headline figures: yours · reference · ratio</h2>{picture}"
        f"{markdown(headline_markdown(rows))}"
        "<h2>Everything the series measured</h2>"
        f"{markdown(results.table(profile, reference=reference))}"
        "</body></html>",
        encoding="utf-8",
    )
    return index


def summary_markdown(profile: str, timings: list[tuple[str, float]]) -> str:
    entries = [e for e in results.load() if e["profile"] == profile]
    reference = reference_run.reference_data()["entries"]
    run_times = "\n".join(f"| {name} | {seconds:.1f} |" for name, seconds in timings)
    here, there = reference_run.this_machine(), reference_run.reference_machine()
    return (
        f"# What the series measured\n\nProfile `{profile}`, dataset `{config.dataset_name()}`, "
        f"{datetime.date.today().isoformat()}.\n\n"
        f"- This machine: {reference_run.describe(here)}; Python {here['python']}, TensorFlow "
        f"{here['tensorflow']}.\n"
        f"- Reference machine: {reference_run.describe(there)}; Python {there.get('python', '?')}, "
        f"TensorFlow {there.get('tensorflow', '?')} (full profile, "
        f"{there.get('dataset', reference_run.REFERENCE_DATASET)} dataset).\n\n"
        f"## Headline figures\n\n{headline_markdown(headline_rows(entries, reference))}\n\n"
        f"## Everything measured\n\n{results.table(profile, reference=reference)}\n\n"
        f"## Run time per notebook\n\n| notebook | seconds |\n|---|---:|\n{run_times}\n"
    )


def time_table(runs: list[dict]) -> str:
    """Where a run's time went, as Markdown: each notebook's seconds, the part spent building
    artifacts, and each artifact it built with that build's seconds (nested builds, e.g. the
    model trained inside the pruning sweep, each show their own)."""
    rows = [
        f"| {run['notebook']} | {run['seconds']:.1f} | {run['build_seconds']:.1f} | "
        + (
            ", ".join(
                f"{folder.rsplit('-', 1)[0]} {seconds:.1f} s"
                for folder, seconds in run.get("build_times", {}).items()
            )
            or "–"
        )
        + " |"
        for run in runs
    ]
    total = sum(run["seconds"] for run in runs)
    building = sum(run["build_seconds"] for run in runs)
    return (
        "| notebook | seconds | of them building | artifacts built |\n|---|---:|---:|---|\n"
        + "\n".join(rows)
        + f"\n| **all** | **{total:.1f}** | **{building:.1f}** | |"
    )


def artifact_build_seconds(root: Path) -> dict[str, float]:
    """How long each artifact of this profile with the current settings took to build (from its
    manifest, whenever it was built): ``{name: seconds}``, what a later build's first sentence
    quotes as the reference machine's time."""
    found = {}
    for manifest in sorted(root.glob(f"*/{artifacts.MANIFEST}")):
        try:
            saved = json.loads(manifest.read_text())
            if artifacts.path(saved["name"]) == manifest.parent:
                found[saved["name"]] = float(saved["build_seconds"])
        except (OSError, ValueError, KeyError):
            continue
    return found


def built_since(wall_start: float, root: Path) -> dict[str, tuple[float, float]]:
    """The artifacts under ``root`` whose manifest was written after ``wall_start``
    (``time.time()``): folder name → (seconds the build took, when it ended)."""
    built = {}
    for manifest in root.glob(f"*/{artifacts.MANIFEST}"):
        ended = manifest.stat().st_mtime
        if ended >= wall_start:
            seconds = float(json.loads(manifest.read_text())["build_seconds"])
            built[manifest.parent.name] = (seconds, ended)
    return built


def building_seconds(builds: dict[str, tuple[float, float]]) -> float:
    """The wall time spent building: the union of the builds' intervals (one build may run
    inside another, e.g. the pruning sweep trains the model first, so seconds do not add)."""
    spans = sorted((ended - seconds, ended) for seconds, ended in builds.values())
    total, reach = 0.0, float("-inf")
    for start, end in spans:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


RUNS_FILE = "runs.json"  # in build/: the last run's time per notebook, for --update-reference


def run(profile: str, folder: Path = config.NOTEBOOKS_DIR) -> Path:
    """Execute, render and summarise the series; return ``build/html/index.html``."""
    config.use_profile(profile)
    build = config.build_dir()
    executed_dir, html_dir = build / "executed", build / "html"
    executed_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)
    results.clear(profile)
    ledger.clear(profile)
    series = notebooks(folder)
    pages, timings, runs = [], [], []
    artifact_root = build / "artifacts" / profile
    for number, source in enumerate(series, start=1):
        print(f"[{number}/{len(series)}] {source.name} ...", flush=True)
        target = executed_dir / source.name
        wall_start = time.time()
        seconds = execute(source, target, profile)
        builds = built_since(wall_start, artifact_root)
        name = title(nbformat.read(target, as_version=4), source.stem)
        pages.append((render_html(target, html_dir), name, seconds))
        timings.append((source.stem, seconds))
        runs.append(
            {
                "notebook": source.stem,
                "seconds": round(seconds, 1),
                "build_seconds": round(min(building_seconds(builds), seconds), 1),
                "builds": sorted(builds),
                "build_times": {name: round(builds[name][0], 1) for name in sorted(builds)},
                "generated_words": words.generated_words(json.loads(target.read_text())),
            }
        )
        print(f"      done in {seconds:.1f} s", flush=True)
    machine = reference_run.this_machine()  # the book says which machine produced each page
    (build / RUNS_FILE).write_text(
        json.dumps({"profile": profile, "machine": machine, "runs": runs}, indent=1)
    )
    summary = summary_markdown(profile, timings)
    summary += f"\n## Where the time went\n\n{time_table(runs)}\n"
    (build / "summary.md").write_text(summary, encoding="utf-8")
    print(f"\nWhere the time went ({profile} profile):\n{time_table(runs)}", flush=True)
    return write_index(pages, profile, html_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every notebook of the course in order.")
    parser.add_argument(
        "--profile", default=config.DEFAULT_PROFILE, choices=sorted(config.PROFILES)
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=config.NOTEBOOKS_DIR,
        help="folder of NN_name.ipynb notebooks (default: notebooks/)",
    )
    parser.add_argument(
        "--update-reference",
        action="store_true",
        help=f"after a full run on the generated dataset, save its numbers and this "
        f"machine's description as the reference ({reference_run.REFERENCE_PATH.name})",
    )
    args = parser.parse_args(argv)
    if args.update_reference and (
        args.profile != reference_run.REFERENCE_PROFILE
        or config.dataset_name() != reference_run.REFERENCE_DATASET
    ):
        print(
            f"--update-reference needs the full profile on the generated dataset (this run: "
            f"{args.profile}, {config.dataset_name()}): run make run with neither PROFILE nor "
            f"{config.DATASET_VARIABLE} set.",
            file=sys.stderr,
        )
        return 2
    start = time.perf_counter()
    try:
        index = run(args.profile, args.notebooks)
    except NotebookFailed as error:
        print(f"\nStopped: {error}", file=sys.stderr)
        return 1
    build = config.build_dir()
    if args.update_reference:
        runs = json.loads((build / RUNS_FILE).read_text())["runs"]
        path = reference_run.write_reference(
            results.load(),
            runs=runs,
            builds=artifact_build_seconds(build / "artifacts" / args.profile),
        )
        print(f"\nSaved this run as the reference machine's results: {path}")
    print(
        f"\nAll notebooks ran in {time.perf_counter() - start:.0f} s.\n"
        f"  rendered:  {index}\n  summary:   {build / 'summary.md'}\n"
        f"  numbers:   {config.results_path()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
