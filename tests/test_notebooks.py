"""The committed notebooks follow the course's conventions (CONTRIBUTING.md)."""

import ast
import re

import nbformat
import pytest

from tools import runner, series
from utils import config

NOTEBOOKS = runner.notebooks()


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def test_committed_without_outputs(notebook):
    kept = [
        c.source[:40]
        for c in notebook.cells
        if c.cell_type == "code"
        and (c.outputs or c.execution_count)
        and "# NBVAL_CHECK_OUTPUT" not in c.source
    ]
    assert kept == []


def test_has_the_course_structure(notebook):
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert notebook.cells[0].source.startswith("# ")
    assert "## Setup" in markdown and "## Summary" in markdown


def test_profile_is_a_papermill_parameter_read_through_config(notebook):
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and parameters[0].source.startswith("PROFILE = None")
    assert any("config.use_profile(PROFILE)" in c.source for c in notebook.cells)


def test_notebooks_are_numbered_in_sequence():
    # the core 00, 01, ... (a topic in two parts: 04a, 04b), then the appendices A1, A2, ...
    numbers = [series.number(p.stem) for p in NOTEBOOKS]
    core = [n for n in numbers if not n.startswith("A")]
    assert sorted({int(n[:2]) for n in core}) == list(range(len({int(n[:2]) for n in core})))
    for stem in {n[:2] for n in core if len(n) == 3}:
        parts = [n[2] for n in core if n[:2] == stem]
        assert parts == list("abcdefgh"[: len(parts)]) and stem not in core, (stem, parts)
    appendices = numbers[len(core) :]
    assert appendices == [f"A{i}" for i in range(1, len(appendices) + 1)]
    assert NOTEBOOKS[0].parent == config.NOTEBOOKS_DIR


def test_each_appendix_says_which_core_notebook_it_extends_and_is_linked_from_it():
    for path in series.appendices(config.NOTEBOOKS_DIR):
        title = nbformat.read(path, as_version=4).cells[0].source
        extends = re.findall(r"\]\(((?:\d\d[a-z]?)_\w+)\.ipynb\)", title)
        assert extends and "optional" in title, f"{path.name}: name the notebook it extends"
        core = nbformat.read(config.NOTEBOOKS_DIR / f"{extends[0]}.ipynb", as_version=4)
        assert any(f"({path.name})" in c.source for c in core.cells if c.cell_type == "markdown"), (
            f"{extends[0]} does not link to {path.name}"
        )


# A notebook asserts facts that hold on every machine and dataset; an ordering of timings,
# speed-ups, throughputs or accuracies (a bar, or one variant beating another) is a verdict
# (utils.verdicts), never an assert (CONTRIBUTING.md: assert facts, state verdicts). Equalities
# (arithmetic on a measured number) stay facts. An ordering that holds on every machine (bytes, a
# sum of stages that includes a round trip) says why in a comment on the assert's line:
# `# fact: ...`.
MACHINE_DEPENDENT = re.compile(
    r"\b(\w*_ms|\w*latency\w*|\w*speedup\w*|\w*speed_up\w*|\w*images_per_s\w*|\w*per_second\w*|"
    r"\w*seconds\w*|\w*accuracy\w*|\w*throughput\w*|\w*_ratio|\w*_s)\b"
)
ORDERINGS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def machine_dependent_asserts(notebook) -> list[str]:
    """The assert conditions that order a timing, a throughput or an accuracy against something."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!"))
        )
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        lines = source.splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assert) or "# fact:" in "".join(
                lines[node.lineno - 1 : node.end_lineno]
            ):
                continue
            for compare in ast.walk(node.test):
                if isinstance(compare, ast.Compare) and any(
                    isinstance(op, ORDERINGS) for op in compare.ops
                ):
                    text = " ".join(ast.get_source_segment(source, compare).split())
                    if MACHINE_DEPENDENT.search(text) and "chance" not in text:
                        found.append(text)
    return found


def test_no_assert_reads_a_timing_or_an_accuracy(notebook):
    assert machine_dependent_asserts(notebook) == [], (
        "state these as verdicts (utils.verdicts), not asserts"
    )


def test_the_conventions_check_catches_what_it_should():
    cells = [
        nbformat.v4.new_code_cell("assert speedup <= 0.6, 'slow'\nassert n == 3"),
        nbformat.v4.new_code_cell("assert (test_accuracy\n        > bar), 'low'"),
        nbformat.v4.new_code_cell("assert all(r['p50_ms'] < 2 * r['p95_ms'] for r in rows)"),
        nbformat.v4.new_code_cell(
            "assert math.isclose(feet, 88 * p99_ms / 1000)\n"
            "assert accuracy > chance + 2 * se\n"
            "assert total_ms >= rtt_ms  # fact: the total includes the round trip"
        ),
    ]
    found = machine_dependent_asserts(nbformat.v4.new_notebook(cells=cells))
    assert found == ["speedup <= 0.6", "test_accuracy > bar", "r['p50_ms'] < 2 * r['p95_ms']"]


# Each notebook opens with its time and 3–5 assessable objectives (CONTRIBUTING.md: add a
# notebook); 01–08 each have a prediction made before its measurement and revealed after it, and
# a written "explain" answer.
TIME = re.compile(r"^\*\*Time:\*\* about \d+ minutes", re.M)
OBJECTIVES = "**After this notebook you can:**"
# the core after 00; the appendices are optional deep dives, with exercises where they fit
STUDENT_NOTEBOOKS = [p for p in NOTEBOOKS if p.name[:2] != "00" and not series.is_appendix(p.stem)]


def test_opens_with_its_time_and_three_to_five_objectives(notebook):
    title = notebook.cells[0].source
    assert TIME.search(title), "the title cell needs a line '**Time:** about N minutes: …'"
    assert OBJECTIVES in title
    after = title.split(OBJECTIVES, 1)[1].lstrip("\n").split("\n\n", 1)[0]
    items = [line for line in after.splitlines() if re.match(r"^\d+\. \S", line)]
    assert 3 <= len(items) <= 5, after


def prediction_problems(cells) -> tuple[int, list[str]]:
    """How many predictions (``exercises.check_prediction(name, …)``) the cells make, and what is
    wrong with them: the cell before each check must be the student's answer that sets ``name``,
    and a later cell (not the next one: the measurement comes between) must reveal it; the check
    and the reveal both name it (``question="name"``), which freezes the guess once revealed."""
    made, problems = 0, []
    for index, cell in enumerate(cells):
        for match in re.finditer(
            r"exercises\.check_prediction\(\s*(\w+)",
            cell.source if cell.cell_type == "code" else "",
        ):
            made, name = made + 1, match.group(1)
            if f'question="{name}"' not in cell.source:
                problems.append(f'{name}: its check does not pass question="{name}"')
            answer = cells[index - 1].source if index else ""
            if "### BEGIN SOLUTION" not in answer or not re.search(
                rf"^\s*{name}\s*=", answer, re.M
            ):
                problems.append(
                    f"{name}: the cell before its check is not the answer cell that sets it"
                )
            if not any(
                "verdicts.reveal(" in c.source
                and re.search(rf"\b{name}\b", c.source)
                and f'question="{name}"' in c.source
                for c in cells[index + 2 :]
            ):
                problems.append(f"{name}: no verdicts.reveal after a measurement")
    return made, problems


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: p.name)
def test_every_prediction_is_made_before_it_is_revealed(path):
    made, problems = prediction_problems(nbformat.read(path, as_version=4).cells)
    assert made >= 1 and problems == [], problems or f"{path.name} has no prediction"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_prediction_in_any_notebook_is_revealed_and_frozen(path):
    """00 and the appendices have predictions too (none is required there): the same rules."""
    assert prediction_problems(nbformat.read(path, as_version=4).cells)[1] == []


def test_the_prediction_check_catches_a_reveal_before_the_measurement():
    new = nbformat.v4
    answer, check = (
        new.new_code_cell("### BEGIN SOLUTION\nguess = 2\n### END SOLUTION"),
        new.new_code_cell('exercises.check_prediction(guess, question="guess")'),
    )
    measure, reveal = (
        new.new_code_cell("ms = 3"),
        new.new_code_cell('verdicts.reveal("x", guess, ms, question="guess")'),
    )
    assert prediction_problems([answer, check, measure, reveal]) == (1, [])
    assert prediction_problems([answer, check, reveal])[1] == [
        "guess: no verdicts.reveal after a measurement"
    ]
    assert "not the answer cell" in prediction_problems([measure, check, measure, reveal])[1][0]
    unfrozen = new.new_code_cell("exercises.check_prediction(guess)")
    assert prediction_problems([answer, unfrozen, measure, reveal])[1] == [
        'guess: its check does not pass question="guess"'
    ]
    loose = new.new_code_cell('verdicts.reveal("x", guess, ms)')
    assert prediction_problems([answer, check, measure, loose])[1] == [
        "guess: no verdicts.reveal after a measurement"
    ]


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: p.name)
def test_has_a_written_answer(path):
    cells = nbformat.read(path, as_version=4).cells
    assert any(c.cell_type == "markdown" and "### BEGIN SOLUTION" in c.source for c in cells), (
        f"{path.name} has no written 'explain why' answer cell"
    )
