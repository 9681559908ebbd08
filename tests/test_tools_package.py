"""Tooling apart: the machinery is the package ``tools``, every module a command (``python -m
tools.X``), and nothing edits ``sys.path`` to find ``utils`` or ``tools`` (only the bootstrap's
script puts a fetched course on it). That ``utils`` never imports ``tools``, and that every tool's
docstring opens with "Tooling:", tests/test_conventions.py checks."""

import ast
import subprocess
import sys

import pytest

from utils import config

ROOT = config.ROOT
TOOLS = sorted(p for p in (ROOT / "tools").glob("*.py") if p.name != "__init__.py")
# the one sys.path edit: the bootstrap's script puts the course it fetched on the kernel's path
PATH_EDITS_ALLOWED = {ROOT / "tools" / "colab_setup.py"}


def path_edits(path) -> list[int]:
    """Line numbers where ``sys.path`` is changed (a call on it, or an assignment to it)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        target = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            target = next((t.value if isinstance(t, ast.Subscript) else t for t in targets), None)
        if (
            isinstance(target, ast.Attribute)
            and target.attr == "path"
            and isinstance(target.value, ast.Name)
            and target.value.id == "sys"
        ):
            lines.append(node.lineno)
    return lines


def test_nothing_edits_sys_path_to_find_utils_or_tools():
    sources = [
        path
        for folder in ("utils", "tools", "tests", "benchmarks")
        for path in ROOT.glob(f"{folder}/**/*.py")
    ]
    found = {
        str(p.relative_to(ROOT)): path_edits(p) for p in sources if p not in PATH_EDITS_ALLOWED
    }
    assert {name: lines for name, lines in found.items() if lines} == {}
    assert path_edits(ROOT / "tools" / "colab_setup.py")  # the check sees the one it allows


@pytest.mark.parametrize("path", TOOLS, ids=lambda p: p.stem)
def test_every_tool_is_a_command(path):
    tree = ast.parse(path.read_text())
    main_guard = [
        n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test)
    ]
    assert main_guard, f"{path.name} cannot run as python -m tools.{path.stem}"


def test_the_tools_run_as_modules_from_the_course_folder():
    """All but the runner (its imports take seconds; tests/test_runner.py runs its main)."""
    for name in (
        "browser",
        "bootstrap_cell",
        "nbgrader_metadata",
        "points_docs",
        "colab",
        "grading",
        "student_copies",
        "make_photos",
    ):
        done = subprocess.run(
            [sys.executable, "-m", f"tools.{name}", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 and "usage:" in done.stdout, (name, done.stderr)
