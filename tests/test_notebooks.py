"""The committed notebooks follow the course's conventions (DESIGN.md)."""

import ast
import re

import nbformat
import pytest

from utils import config, runner

NOTEBOOKS = runner.notebooks()


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def test_committed_without_outputs(notebook):
    kept = [c.source[:40] for c in notebook.cells if c.cell_type == "code"
            and (c.outputs or c.execution_count) and "# NBVAL_CHECK_OUTPUT" not in c.source]
    assert kept == []


def test_has_the_course_structure(notebook):
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert notebook.cells[0].source.startswith("# ")
    assert "In this notebook you will" in notebook.cells[0].source
    assert "## Setup" in markdown and "## Summary" in markdown


def test_profile_is_a_papermill_parameter_read_through_config(notebook):
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and parameters[0].source.startswith("PROFILE = None")
    assert any("config.use_profile(PROFILE)" in c.source for c in notebook.cells)


def test_notebooks_are_numbered_in_sequence():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))]
    assert NOTEBOOKS[0].parent == config.NOTEBOOKS_DIR


# A notebook asserts facts that hold on every machine and dataset; an ordering of timings,
# speed-ups, throughputs or accuracies (a bar, or one variant beating another) is a verdict
# (utils.verdicts), never an assert (DESIGN.md). Equalities (arithmetic on a measured number)
# stay facts. An ordering that holds on every machine (bytes, a sum of stages that includes a
# round trip) says why in a comment on the assert's line: `# fact: ...`.
MACHINE_DEPENDENT = re.compile(
    r"\b(\w*_ms|\w*latency\w*|\w*speedup\w*|\w*speed_up\w*|\w*images_per_s\w*|\w*per_second\w*|"
    r"\w*seconds\w*|\w*accuracy\w*|\w*throughput\w*|\w*_ratio|\w*_s)\b")
ORDERINGS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def machine_dependent_asserts(notebook) -> list[str]:
    """The assert conditions that order a timing, a throughput or an accuracy against something."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assert) or "# fact:" in "".join(lines[node.lineno - 1:node.end_lineno]):
                continue
            for compare in ast.walk(node.test):
                if isinstance(compare, ast.Compare) and any(isinstance(op, ORDERINGS) for op in compare.ops):
                    text = " ".join(ast.get_source_segment(source, compare).split())
                    if MACHINE_DEPENDENT.search(text) and "chance" not in text:
                        found.append(text)
    return found


def test_no_assert_reads_a_timing_or_an_accuracy(notebook):
    assert machine_dependent_asserts(notebook) == [], "state these as verdicts (utils.verdicts), not asserts"


def test_the_conventions_check_catches_what_it_should():
    cells = [nbformat.v4.new_code_cell("assert speedup <= 0.6, 'slow'\nassert n == 3"),
             nbformat.v4.new_code_cell("assert (test_accuracy\n        > bar), 'low'"),
             nbformat.v4.new_code_cell("assert all(r['p50_ms'] < 2 * r['p95_ms'] for r in rows)"),
             nbformat.v4.new_code_cell("assert math.isclose(feet, 88 * p99_ms / 1000)\n"
                                       "assert accuracy > chance + 2 * se\n"
                                       "assert total_ms >= rtt_ms  # fact: the total includes the round trip")]
    found = machine_dependent_asserts(nbformat.v4.new_notebook(cells=cells))
    assert found == ["speedup <= 0.6", "test_accuracy > bar", "r['p50_ms'] < 2 * r['p95_ms']"]
