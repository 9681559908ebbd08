"""The Colab bootstrap cell (tools/bootstrap_cell.py): short and folded, inserted right after the
title with the badge, idempotently; a no-op in a checkout; outside one it fetches the course from a
file:// URL into a temporary folder, and the course's tools/colab_setup.py installs what the
runtime lacks and imports ``utils`` from there."""

import ast
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from tools import bootstrap_cell, colab_setup
from utils import config

ROOT = config.ROOT
NOTEBOOK = sorted((ROOT / "notebooks").glob("*.ipynb"))[0]
# a Python in which `utils` cannot be imported: the course's editable-install finder removed
OUTSIDE = (
    "import sys\n"
    "sys.meta_path[:] = [f for f in sys.meta_path\n"
    "                    if 'dl_training_vs_inference' not in repr(f)]\n"
    "sys.path[:] = [p for p in sys.path if p not in ('', {root!r})]\n"
)


@pytest.fixture
def copy(tmp_path):
    """The first notebook as it was before the bootstrap: its cell and badge taken out."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells = [
        c for c in notebook.cells if bootstrap_cell.TAG not in c.metadata.get("tags", [])
    ]
    notebook.cells[0].source = "\n".join(
        l for l in notebook.cells[0].source.splitlines() if bootstrap_cell.BADGE_IMAGE not in l
    )
    path = tmp_path / NOTEBOOK.name
    nbformat.write(notebook, path)
    return path


def test_every_committed_notebook_carries_the_current_cell_and_badge(tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    assert bootstrap_cell.update_folder(folder) == []  # else run python -m tools.bootstrap_cell


def test_the_cell_follows_the_title_with_the_badge_and_updating_twice_changes_nothing(copy):
    original = nbformat.read(copy, as_version=4)
    assert bootstrap_cell.update_folder(copy.parent) == [copy]
    notebook = nbformat.read(copy, as_version=4)
    title, cell = notebook.cells[0], notebook.cells[1]
    assert cell.cell_type == "code" and bootstrap_cell.TAG in cell.metadata.tags
    assert cell.source == bootstrap_cell.cell_source()
    assert (
        "colab.research.google.com/github/YOUR-ORG/dl-training-vs-inference/blob/main/"
        f"notebooks/{copy.name}"
    ) in title.source
    without_badge = title.source.replace(bootstrap_cell.badge_line(copy.name), "")
    assert without_badge.split() == original.cells[0].source.split()
    assert [c.source for c in notebook.cells[2:]] == [c.source for c in original.cells[1:]]
    assert bootstrap_cell.update_folder(copy.parent) == []  # idempotent
    cells = nbformat.read(copy, as_version=4).cells
    assert sum(bootstrap_cell.BADGE_IMAGE in c.source for c in cells) == 1


def test_a_new_repository_updates_the_cell_and_badge_in_place(copy):
    bootstrap_cell.update_folder(copy.parent)
    bootstrap_cell.main([str(copy), "--repo", "https://github.com/someone/course", "--ref", "v2"])
    notebook = nbformat.read(copy, as_version=4)
    assert sum(bootstrap_cell.TAG in c.metadata.get("tags", []) for c in notebook.cells) == 1
    assert "https://github.com/someone/course" in notebook.cells[1].source
    assert '"v2"' in notebook.cells[1].source
    assert "github/someone/course/blob/v2/notebooks/" in notebook.cells[0].source
    assert "YOUR-ORG" not in notebook.cells[0].source


def imported(source: str) -> set[str]:
    tree = ast.parse(source)
    modules = {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    return modules - set(sys.stdlib_module_names)


def test_the_cell_and_its_script_need_only_the_standard_library():
    assert imported(bootstrap_cell.cell_source()) == {"utils"}  # what it tries first
    # the script: packaging, else pip's own copy of it (pip is always there)
    assert imported((ROOT / "tools" / "colab_setup.py").read_text()) == {"packaging", "pip"}


def test_the_cell_is_short_and_folded_in_colab_and_jupyterlab():
    lines = bootstrap_cell.cell_source().splitlines()
    assert lines[0] == (
        "#@title Course bootstrap (Colab or Jupyter outside the course folder) "
        '{ display-mode: "form" }'
    )
    assert len(lines) <= 25 and max(map(len, lines)) <= 100
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        (cell,) = [
            c
            for c in nbformat.read(path, as_version=4).cells
            if bootstrap_cell.TAG in c.metadata.get("tags", [])
        ]
        assert cell.metadata.jupyter.source_hidden is True and cell.metadata.cellView == "form"
        assert cell.outputs == [] and cell.metadata.nbgrader.locked, path.name


def test_the_script_installs_only_what_is_lacking_and_asks_for_a_restart(
    tmp_path, monkeypatch, capsys
):
    """numpy (imported, outside the range asked for) is installed and needs a restart; simpy (in
    its range) and a package the kernel does not need are left alone."""
    import numpy  # noqa: F401  (imported before the install: a restart is needed)

    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["numpy<1", "simpy>=4", "no-such-distribution>=1"]\n'
        '[tool.course]\nkernel = ["numpy", "simpy"]\n'
    )
    commands = []
    monkeypatch.setattr(
        colab_setup.subprocess, "run", lambda command, **kwargs: commands.append(command)
    )
    monkeypatch.setattr(sys, "path", list(sys.path))
    restart = colab_setup.main(tmp_path, "file:///course at main")
    assert [str(r) for r in colab_setup.missing(tmp_path)] == ["numpy<1"]
    assert commands == [[sys.executable, "-m", "pip", "install", "-q", "numpy<1"]]
    assert restart == ["numpy"] and sys.path[0] == str(tmp_path)
    said = capsys.readouterr().out.splitlines()
    assert said[-2].startswith(
        f"Course bootstrap: fetched file:///course at main into {tmp_path}; installed numpy "
    )
    assert "kept this runtime's TensorFlow" in said[-2]
    assert said[-1] == (
        "Restart the runtime (Runtime > Restart session) and run again: numpy changed."
    )


def test_in_a_checkout_the_cell_does_nothing(tmp_path):
    home = tmp_path / "course"
    out = subprocess.run(
        [sys.executable, "-c", bootstrap_cell.cell_source()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_HOME": str(home)},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and not home.exists()


def test_outside_a_checkout_it_clones_from_a_file_url_and_imports_utils(tmp_path):
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    home = tmp_path / "course"
    script = (
        OUTSIDE.format(root=str(ROOT))
        + "try:\n    import utils\n    raise SystemExit('utils importable')\n"
        "except ImportError:\n    pass\n"
        + bootstrap_cell.cell_source()
        + "\nimport utils, utils.config\nprint('utils from', utils.config.ROOT)\n"
    )
    env = {
        **os.environ,
        "COURSE_REPO": ROOT.as_uri(),
        "COURSE_REF": commit,
        "COURSE_HOME": str(home),
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == f"utils from {home}"
    # one line says what it did: fetched, nothing to install here, TensorFlow kept
    (said,) = [line for line in lines if line.startswith("Course bootstrap:")]
    assert f"fetched {ROOT.as_uri()} at {commit} into {home}" in said
    assert "kept this runtime's TensorFlow" in said
    assert "installed" not in said
    # what a student needs, not the instructor's copies with the solutions, the guide or the tests
    assert (home / "student").is_dir() and (home / "utils").is_dir()
    assert not any((home / folder).exists() for folder in bootstrap_cell.INSTRUCTORS_ONLY)
    # a second run (the next notebook) reuses the fetched course
    again = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert again.returncode == 0 and f"using the course in {home}" in again.stdout


def test_a_checkout_in_a_kernel_without_the_course_uses_the_checkout(tmp_path):
    """Jupyter started in notebooks/ of a checkout, in a kernel where the course is not installed:
    nothing is fetched, the checkout goes on the path."""
    script = (
        OUTSIDE.format(root=str(ROOT))
        + bootstrap_cell.cell_source()
        + "\nprint('utils from', config.ROOT)\n"
    )
    env = {**os.environ, "COURSE_HOME": str(tmp_path / "course"), "COURSE_REPO": "file:///nowhere"}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / "notebooks",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert f"using the course in {ROOT}" in out.stdout
    assert out.stdout.splitlines()[-1] == f"utils from {ROOT}"
    assert not (tmp_path / "course").exists()


def test_where_the_server_filters_the_solutions_never_reach_the_machine(tmp_path):
    """GitHub serves partial clones; a bare copy of this repository that allows filters stands in
    for it: the instructor's notebooks, the guide and the tests are not in the fetched history
    either (their blobs are missing from .git, not merely left out of the working tree)."""
    server, home = tmp_path / "server.git", tmp_path / "course"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(server)], check=True)
    for key in ("uploadpack.allowFilter", "uploadpack.allowAnySHA1InWant"):
        subprocess.run(["git", "-C", str(server), "config", key, "true"], check=True)
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    script = OUTSIDE.format(root=str(ROOT)) + bootstrap_cell.cell_source() + "\nprint('ok')\n"
    env = {**os.environ, "COURSE_REPO": server.as_uri(), "COURSE_REF": commit}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env, "COURSE_HOME": str(home)},
        timeout=300,
    )
    assert out.returncode == 0 and out.stdout.splitlines()[-1] == "ok", out.stdout + out.stderr

    def blob(path: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", f"{commit}:{path}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    # --missing=print lists the objects the partial clone left on the server, without fetching
    listed = subprocess.run(
        ["git", "-C", str(home), "rev-list", "--objects", "--missing=print", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    missing = {line[1:] for line in listed if line.startswith("?")}
    solutions = [
        "notebooks/05_int8_tflite.ipynb",
        "docs/instructor.md",
        "tests/test_exercises_05.py",
    ]
    assert {blob(path) for path in solutions} <= missing
    assert blob("student/05_int8_tflite.ipynb") not in missing
    assert not any((home / folder).exists() for folder in bootstrap_cell.INSTRUCTORS_ONLY)


def test_the_readme_gives_students_the_same_sparse_checkout():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    patterns = " ".join(f"'{p}'" for p in bootstrap_cell.sparse_checkout().split())
    assert f"git sparse-checkout set --no-cone {patterns}" in readme
