"""Insert (or update) the Colab bootstrap cell and the "Open in Colab" badge in every notebook.

    python tools/bootstrap_cell.py [--repo URL] [--ref REF] [notebooks/ or notebook files ...]

The bootstrap cell goes right after the title cell. In a checkout of the course (``utils`` can be
imported) it does nothing. Elsewhere (Colab, or any Jupyter outside the repository) it fetches the
course from ``COURSE_REPO`` at ``COURSE_REF`` into ``COURSE_HOME``, installs only the packages the
notebooks' kernel needs that the runtime lacks (keeping the runtime's TensorFlow when it is in the
supported range of pyproject.toml), puts the course on ``sys.path`` and says in one line what it
did. It needs nothing but the standard library, pip and git.

The badge line goes under the title. Running the script again replaces both (idempotent): the
cell is found by its ``course-bootstrap`` tag, the badge by Colab's badge image.
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
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"

CELL = '''\
# Colab, or Jupyter outside the course folder: fetch the course and what this runtime lacks.
# In a checkout of the course this cell does nothing. Settings (environment variables):
# COURSE_REPO (git URL), COURSE_REF (branch, tag or commit), COURSE_HOME (where it goes),
# COURSE_BUILD_DIR (where generated files go, e.g. a folder on your mounted Google Drive).
try:
    from utils import config  # noqa: F401  (a checkout: nothing to do)
except ImportError:
    import os, re, subprocess, sys, tomllib
    from importlib import metadata
    from pathlib import Path
    try:
        from packaging.requirements import Requirement
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
    repo = os.environ.get("COURSE_REPO", "{repo}")
    ref = os.environ.get("COURSE_REF", "{ref}")
    home = Path(os.environ.get("COURSE_HOME") or
                ("/content" if Path("/content").is_dir() else Path.home()) / "dl-training-vs-inference")
    if (Path.cwd().parent / "utils" / "config.py").is_file():  # a checkout, in a kernel without the course
        home = Path.cwd().parent
    done = []
    if not (home / "utils" / "config.py").is_file():
        git = ["git", "-c", "advice.detachedHead=false", "-C", str(home)]
        home.mkdir(parents=True, exist_ok=True)
        for step in (["init", "-q"], ["fetch", "-q", "--depth", "1", repo, ref], ["checkout", "-q", "FETCH_HEAD"]):
            subprocess.run(git + step, check=True)
        done.append(f"fetched {{repo}} at {{ref}} into {{home}}")
    else:
        done.append(f"using the course in {{home}}")
    project = tomllib.loads((home / "pyproject.toml").read_text())
    kernel = set(project["tool"]["course"]["kernel"])

    def lacking(requirement):
        try:
            return not requirement.specifier.contains(metadata.version(requirement.name), prereleases=True)
        except metadata.PackageNotFoundError:
            return True

    wanted = [Requirement(r) for r in project["project"]["dependencies"]]
    missing = [r for r in wanted if r.name in kernel and lacking(r)]
    module = {{"protobuf": "google.protobuf", "pillow": "PIL"}}  # else the name with _ for -
    restart = [r.name for r in missing if module.get(r.name, r.name.replace("-", "_")) in sys.modules]
    if missing:
        print("Installing what this runtime lacks:", ", ".join(map(str, missing)), "...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *map(str, missing)], check=True)
        done.append("installed " + ", ".join(f"{{r.name}} {{metadata.version(r.name)}}" for r in missing))
    if "tensorflow" not in {{r.name for r in missing}}:
        done.append(f"kept this runtime's TensorFlow {{metadata.version('tensorflow')}}")
    sys.path.insert(0, str(home))
    from utils import config  # noqa: F401,E402
    print("Course bootstrap: " + "; ".join(done) + ".")
    if restart:
        print(f"Restart the runtime (Runtime > Restart session) and run again: {{', '.join(restart)}} changed.")
'''


def cell_source(repo: str = DEFAULT_REPO, ref: str = DEFAULT_REF) -> str:
    return CELL.format(repo=repo, ref=ref).rstrip("\n")


def badge_line(notebook_name: str, repo: str = DEFAULT_REPO, ref: str = DEFAULT_REF) -> str:
    path = repo.removeprefix("https://github.com/").removesuffix(".git")
    url = f"https://colab.research.google.com/github/{path}/blob/{ref}/notebooks/{notebook_name}"
    return f"[![Open In Colab]({BADGE_IMAGE})]({url})"


def with_badge(title: str, badge: str) -> str:
    """The title cell's text with the badge line under its heading (replacing an older badge)."""
    lines = [line for line in title.split("\n") if BADGE_IMAGE not in line]
    heading = next((i for i, line in enumerate(lines) if line.startswith("#")), 0)
    rest = lines[heading + 1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join([*lines[:heading + 1], "", badge, "", *rest]).rstrip("\n")


def update(notebook: nbformat.NotebookNode, name: str, repo: str = DEFAULT_REPO,
           ref: str = DEFAULT_REF) -> bool:
    """Badge in the title cell, bootstrap cell right after it; True when anything changed."""
    before = nbformat.writes(notebook)
    title = notebook.cells[0]
    title.source = with_badge(title.source, badge_line(name, repo, ref))
    cells = [c for c in notebook.cells if TAG not in c.get("metadata", {}).get("tags", [])]
    old = [c for c in notebook.cells if TAG in c.get("metadata", {}).get("tags", [])]
    cell = old[0] if old else nbformat.v4.new_code_cell(metadata={"tags": [TAG]})
    cell.source = cell_source(repo, ref)
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
    parser = argparse.ArgumentParser(description="Insert or update the Colab bootstrap cell and badge.")
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
    print(f"Bootstrap cell and badge: {len(changed)} notebook(s) changed" +
          (": " + ", ".join(p.name for p in changed) if changed else " (all up to date)."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
