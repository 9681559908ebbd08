"""Tooling: the Colab bootstrap cell and the "Open in Colab" badge in every notebook.

    python -m tools.bootstrap_cell [--repo URL] [--ref REF] [notebooks/ or notebook files ...]

The bootstrap cell goes right after the title cell, folded (Colab's ``#@title`` form, JupyterLab's
``source_hidden``), so that the first thing a student reads is the lesson. In a checkout of the
course (``utils`` can be imported) it does nothing. Elsewhere (Colab, or any Jupyter outside the
repository) it fetches what a student needs of the course with git from ``COURSE_REPO`` at
``COURSE_REF`` into ``COURSE_HOME`` (not the instructor's notebooks, guide or tests:
:data:`INSTRUCTORS_ONLY`), then runs the course's ``tools/colab_setup.py`` in the kernel's
process, which installs only what the runtime lacks, puts the course on ``sys.path`` and says in
one line what it did. The cell needs nothing but the standard library and git.

The badge line goes under the title. In the instructor's notebooks (``notebooks/``) it opens the
notebook itself; nbgrader's student copies (``student/``, ``tools/student_copies.py``) get a badge
that opens the student copy (:func:`for_students`). Running the script again replaces both
(idempotent): the cell is found by its ``course-bootstrap`` tag, the badge by Colab's badge image.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
# The course's public repository: the README names this placeholder; set it here (or with --repo)
# before publishing, and run this script again.
DEFAULT_REPO = "https://github.com/YOUR-ORG/dl-training-vs-inference"
DEFAULT_REF = "main"
TAG = "course-bootstrap"
# What the bootstrap leaves out of a fetched course: the instructor's notebooks (the solutions
# under each question), the guide (model answers) and the tests (right answers to every checker).
# ``--filter=blob:none`` keeps their contents off the machine too where the server filters
# (GitHub does); the working tree never has them (git's sparse checkout).
INSTRUCTORS_ONLY = ("notebooks", "docs", "tests")
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
STUDENT_FOLDER = "student"  # nbgrader's student copies, committed (tools/student_copies.py)

CELL = """\
#@title Course bootstrap (Colab or Jupyter outside the course folder) {{ display-mode: "form" }}
# Does nothing in a checkout of the course. Elsewhere it fetches what a student needs of the course
# (not the instructor's notebooks, guide or tests), then runs tools/colab_setup.py. Settings: the
# environment variables COURSE_REPO, COURSE_REF, COURSE_HOME, COURSE_BUILD_DIR (e.g. on Drive).
try:
    from utils import config  # noqa: F401
except ImportError:
    import os, runpy, subprocess
    from pathlib import Path
    repo = os.environ.get("COURSE_REPO", "{repo}")
    ref = os.environ.get("COURSE_REF", "{ref}")
    home = Path(os.environ.get("COURSE_HOME") or Path("/content" if Path("/content").is_dir()
                                                      else Path.home(), "dl-training-vs-inference"))
    if (Path.cwd().parent / "utils" / "config.py").is_file():  # notebooks/ of a checkout
        home = Path.cwd().parent
    fetched = "" if (home / "utils" / "config.py").is_file() else f"{{repo}} at {{ref}}"
    if fetched:
        subprocess.run(["git", "init", "-q", str(home)], check=True)
        (home / ".git/info/sparse-checkout").write_text({sparse!r})
        for step in (["config", "core.sparseCheckout", "true"], ["fetch", "-q", "--depth=1",
                     "--filter=blob:none", repo, ref], ["checkout", "-q", "FETCH_HEAD"]):
            subprocess.run(["git", "-C", str(home), *step], check=True)
    runpy.run_path(str(home / "tools" / "colab_setup.py"), {{"fetched": fetched}}, "__main__")
    from utils import config  # noqa: F401
"""
# Folded where the notebook opens: JupyterLab hides the source, Colab shows the form (its title).
FOLDED = {"jupyter": {"source_hidden": True}, "cellView": "form"}


def cell_source(repo: str = DEFAULT_REPO, ref: str = DEFAULT_REF) -> str:
    return CELL.format(repo=repo, ref=ref, sparse=sparse_checkout()).rstrip("\n")


def sparse_checkout() -> str:
    """git's sparse-checkout patterns of a fetched course: all but :data:`INSTRUCTORS_ONLY`."""
    return "/*\n" + "".join(f"!/{folder}/\n" for folder in INSTRUCTORS_ONLY)


def colab_url(
    notebook_name: str, repo: str = DEFAULT_REPO, ref: str = DEFAULT_REF, folder: str = "notebooks"
) -> str:
    path = repo.removeprefix("https://github.com/").removesuffix(".git")
    return f"https://colab.research.google.com/github/{path}/blob/{ref}/{folder}/{notebook_name}"


def badge_line(notebook_name: str, repo: str = DEFAULT_REPO, ref: str = DEFAULT_REF) -> str:
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(notebook_name, repo, ref)})"


def for_students(title: str) -> str:
    """The title cell's text with its badge opening the student copy (``student/NAME``) instead
    of the instructor's notebook (``notebooks/NAME``)."""
    return "\n".join(
        line.replace("/notebooks/", f"/{STUDENT_FOLDER}/") if BADGE_IMAGE in line else line
        for line in title.split("\n")
    )


def with_badge(title: str, badge: str) -> str:
    """The title cell's text with the badge line under its heading (replacing an older badge)."""
    lines = [line for line in title.split("\n") if BADGE_IMAGE not in line]
    heading = next((i for i, line in enumerate(lines) if line.startswith("#")), 0)
    rest = lines[heading + 1 :]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join([*lines[: heading + 1], "", badge, "", *rest]).rstrip("\n")


def update(
    notebook: nbformat.NotebookNode, name: str, repo: str = DEFAULT_REPO, ref: str = DEFAULT_REF
) -> bool:
    """Badge in the title cell, bootstrap cell right after it; True when anything changed."""
    before = nbformat.writes(notebook)
    title = notebook.cells[0]
    title.source = with_badge(title.source, badge_line(name, repo, ref))
    cells = [c for c in notebook.cells if TAG not in c.get("metadata", {}).get("tags", [])]
    old = [c for c in notebook.cells if TAG in c.get("metadata", {}).get("tags", [])]
    cell = old[0] if old else nbformat.v4.new_code_cell(metadata={"tags": [TAG]})
    cell.source = cell_source(repo, ref)
    cell.metadata.update(FOLDED)
    cell.outputs, cell.execution_count = [], None
    notebook.cells = [cells[0], cell, *cells[1:]]
    return nbformat.writes(notebook) != before


def notebooks_in(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        found += sorted(path.glob("*.ipynb")) if path.is_dir() else [path]
    return found


def update_folder(folder: Path, repo: str = DEFAULT_REPO, ref: str = DEFAULT_REF) -> list[Path]:
    """Update every notebook in ``folder``; returns those that changed."""
    changed = []
    for path in notebooks_in([Path(folder)]):
        notebook = nbformat.read(path, as_version=4)
        if update(notebook, path.name, repo, ref):
            nbformat.write(notebook, path)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bootstrap_cell",
        description="Insert or update the Colab bootstrap cell and badge.",
    )
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "notebooks"])
    parser.add_argument("--repo", default=DEFAULT_REPO, help=f"default {DEFAULT_REPO}")
    parser.add_argument("--ref", default=DEFAULT_REF, help=f"default {DEFAULT_REF}")
    args = parser.parse_args(argv)
    changed = []
    for path in args.paths:
        if path.is_dir():
            changed += update_folder(path, args.repo, args.ref)
        else:
            notebook = nbformat.read(path, as_version=4)
            if update(notebook, path.name, args.repo, args.ref):
                nbformat.write(notebook, path)
                changed.append(path)
    print(
        f"Bootstrap cell and badge: {len(changed)} notebook(s) changed"
        + (": " + ", ".join(p.name for p in changed) if changed else " (all up to date).")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
