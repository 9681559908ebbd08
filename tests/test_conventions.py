"""The package's conventions, written as tests (CONTRIBUTING.md says why): no import cycles, the
teaching package never imports the tooling, small modules that say which notebook they serve,
lines within 100 columns (ruff), no stage numbers or issue numbers in the code."""

import ast
import re
import subprocess
import sys

import pytest

from tools import import_graph
from utils import config

ROOT = config.ROOT
MAX_LINES = 450  # "about 450": one topic a file
SOURCES = ("utils", "tools", "tests", "benchmarks")
NOTEBOOK_NAMED = re.compile(r"\b[Nn]otebooks? (?:\d\d[a-z]?|A\d+)\b")


def python_files(*folders):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def first_sentence(path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return re.split(r"(?<=[.:])\s", doc.strip(), maxsplit=1)[0]


def test_the_import_graph_has_no_cycles():
    edges = import_graph.package_init_edges(import_graph.graph())
    assert import_graph.cycles(edges) == []


def test_a_cycle_is_found_even_behind_a_lazy_import(tmp_path):
    package = tmp_path / "utils"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from utils import b\n")
    (package / "b.py").write_text("def f():\n    from utils import a\n")
    edges = import_graph.package_init_edges(import_graph.graph(tmp_path))
    assert import_graph.cycles(edges) == [["utils.a", "utils.b"]]


def test_utils_never_imports_tools():
    edges = import_graph.graph()
    offenders = {
        name: sorted(t for t in targets if t == "tools" or t.startswith("tools."))
        for name, targets in edges.items()
        if name.startswith("utils")
    }
    assert not {k: v for k, v in offenders.items() if v}


@pytest.mark.parametrize("path", list(python_files("utils", "tools")), ids=lambda p: p.name)
def test_every_module_is_small_and_says_which_notebooks_it_serves(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by topic"
    sentence = first_sentence(path)
    if path.relative_to(ROOT).parts[0] == "tools":
        assert sentence.startswith("Tooling"), (
            f"{path.relative_to(ROOT)}: a tool's docstring opens with 'Tooling: ...' ({sentence!r})"
        )
    else:
        assert NOTEBOOK_NAMED.search(sentence), (
            f"{path.relative_to(ROOT)}: the docstring's first sentence names the notebook(s) it "
            f"serves, e.g. 'Notebook 07: ...' ({sentence!r})"
        )


def test_no_stage_or_issue_numbers_in_the_code():
    stage = re.compile(r"\bStage \d")
    issue = re.compile(r"\bissues? (?:#\s?)?\d{1,3}\b|\(#\d{1,3}\)", re.IGNORECASE)
    found = []
    for path in python_files(*SOURCES):
        if path.name == "test_conventions.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if stage.search(line) or issue.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_ruff_finds_nothing():
    """Lines within 100 columns and pyflakes' checks, as configured in pyproject.toml."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *SOURCES],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
