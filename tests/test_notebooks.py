"""The committed notebooks follow the course's conventions (DESIGN.md)."""

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
