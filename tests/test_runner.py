"""``make run``'s driver: executes in order, renders, summarises, and stops at a failure."""

import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import pytest

import utils.reference
from tools import runner
from utils import config, figures

KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def write_notebook(folder, name, *sources, heading="A notebook"):
    cells = [
        new_markdown_cell(f"# {heading}"),
        new_code_cell("PROFILE = None", metadata={"tags": ["parameters"]}),
    ]
    cells += [new_code_cell(s) for s in sources]
    nbformat.write(new_notebook(cells=cells, metadata=KERNEL), folder / name)


@pytest.fixture(autouse=True)
def runner_figures(catalogued):
    """The made-up notebooks' figures, in a copy of the catalogue (pi and a figure no run records
    in a headline chart)."""
    catalogued("00_first", "pi", unit="units", chart="A chart (units)")
    catalogued("00_first", "nothing", unit="units", chart="A chart (units)", label="never recorded")
    catalogued("00_first", "e", unit="units")
    catalogued("01_second", "answer", unit="things")


def test_runs_every_notebook_in_order_and_writes_html_summary_and_results(tmp_path):
    series = tmp_path / "series"
    series.mkdir()
    record = "from utils import config, results\nconfig.use_profile(PROFILE)\n"
    write_notebook(
        series,
        "01_second.ipynb",
        record + "results.record('01_second', 'answer', 42, 'things')",
        heading="Second",
    )
    write_notebook(
        series,
        "00_first.ipynb",
        record + "results.record('00_first', 'pi', 3.25, 'units')",
        heading="First",
    )

    index = runner.run("smoke", series)

    build = config.build_dir()
    assert sorted(p.name for p in (build / "executed").iterdir()) == [
        "00_first.ipynb",
        "01_second.ipynb",
    ]
    page = index.read_text()
    assert page.index("00_first.html") < page.index("01_second.html")
    assert ">First<" in page and ">Second<" in page and "3.25" in page
    assert (build / "html" / "00_first.html").read_text().count("3.25") >= 1
    summary = (build / "summary.md").read_text()
    assert "| 00_first | pi | 3.25 | " in summary and "| 01_second | answer | 42 | " in summary
    entries = json.loads(config.results_path().read_text())["entries"]
    assert {(e["profile"], e["key"]) for e in entries} == {("smoke", "pi"), ("smoke", "answer")}
    runs = json.loads((build / runner.RUNS_FILE).read_text())
    assert runs["profile"] == "smoke"
    assert [r["notebook"] for r in runs["runs"]] == ["00_first", "01_second"]
    assert all(r["builds"] == [] and r["build_seconds"] == 0 for r in runs["runs"])


def test_building_time_is_the_union_of_nested_builds():
    # by hand: A 100-160 holds B 110-150 (nested: 60 s in all); C 200-230 (30 s): 90 s
    builds = {"A": (60.0, 160.0), "B": (40.0, 150.0), "C": (30.0, 230.0)}
    assert runner.building_seconds(builds) == 90
    # overlapping, not nested: 0-50 and 40-70 cover 70 s
    assert runner.building_seconds({"x": (50.0, 50.0), "y": (30.0, 70.0)}) == 70


def test_built_since_reads_only_the_manifests_written_after_the_start(tmp_path):
    import os

    for name, seconds, mtime in (("old-1", 5, 1_000), ("new-2", 7.5, 2_000)):
        (tmp_path / name).mkdir()
        manifest = tmp_path / name / "artifact.json"
        manifest.write_text(json.dumps({"build_seconds": seconds}))
        os.utime(manifest, (mtime, mtime))
    assert runner.built_since(1_500, tmp_path) == {"new-2": (7.5, 2_000)}


def test_a_failing_notebook_stops_the_run_naming_notebook_and_cell(tmp_path, capsys):
    series = tmp_path / "series"
    series.mkdir()
    write_notebook(series, "00_ok.ipynb", "x = 1")
    write_notebook(
        series, "01_broken.ipynb", "y = 2", "raise RuntimeError('the dataset is missing')"
    )
    write_notebook(series, "02_never.ipynb", "z = 3")

    status = runner.main(["--profile", "smoke", "--notebooks", str(series)])

    assert status == 1
    error = capsys.readouterr().err
    assert "01_broken.ipynb failed in the cell starting `raise RuntimeError(" in error
    assert "cell [4] of the executed copy" in error  # after the parameters, injected ones and y = 2
    assert "RuntimeError: the dataset is missing" in error
    assert not (config.build_dir() / "executed" / "02_never.ipynb").exists()


@pytest.fixture
def reference(tmp_path, monkeypatch):
    path = tmp_path / "reference_results.json"
    path.write_text(
        json.dumps(
            {
                "machine": {
                    "cpu": "Reference CPU",
                    "cores": 2,
                    "int8_instructions": [],
                    "dataset": "generated",
                },
                "entries": [{"notebook": "00_first", "key": "pi", "value": 2.5, "unit": "units"}],
            }
        )
    )
    monkeypatch.setattr(utils.reference, "REFERENCE_PATH", path)
    utils.reference._reference_file.cache_clear()
    yield path
    utils.reference._reference_file.cache_clear()


def test_summary_and_index_show_yours_reference_and_ratio_headlines_first(tmp_path, reference):
    series = tmp_path / "series"
    series.mkdir()
    write_notebook(
        series,
        "00_first.ipynb",
        "from utils import config, results\nconfig.use_profile(PROFILE)\n"
        "results.record_many('00_first', {'pi': (3.25, 'units'), 'e': (2.75, 'units')})",
    )

    index = runner.run("smoke", series)

    summary = (config.build_dir() / "summary.md").read_text()
    assert "| A chart: pi | 3.25 | 2.5 | 1.30× | units |" in summary  # 3.25 / 2.5
    assert "never recorded" not in summary
    assert "| 00_first | pi | 3.25 | 2.5 | 1.30× | units |" in summary
    assert "| 00_first | e | 2.75 | — | — | units |" in summary
    assert summary.index("## Headline figures") < summary.index("## Everything measured")
    assert "Reference machine: Reference CPU, 2 cores, no int8 dot-product instructions" in summary
    page = index.read_text()
    assert "data:image/png;base64," in page and page.index("Headline figures") < page.index(
        "Everything the series"
    )


def test_update_reference_saves_a_full_run_and_refuses_smoke(tmp_path, reference, capsys):
    series = tmp_path / "series"
    series.mkdir()
    write_notebook(
        series,
        "00_first.ipynb",
        "from utils import config, results\nconfig.use_profile(PROFILE)\n"
        "results.record('00_first', 'pi', "
        "3.0 if config.profile_name() == 'full' else 9.0, 'units')",
    )

    assert (
        runner.main(["--profile", "smoke", "--notebooks", str(series), "--update-reference"]) == 2
    )
    assert "needs the full profile" in capsys.readouterr().err
    assert runner.main(["--profile", "full", "--notebooks", str(series), "--update-reference"]) == 0

    saved = json.loads(reference.read_text())
    assert saved["entries"] == [
        {"notebook": "00_first", "key": "pi", "value": 3.0, "unit": "units"}
    ]
    assert saved["machine"]["cores"] >= 1 and "int8_instructions" in saved["machine"]


def test_every_headline_figure_is_in_the_reference_machines_results(monkeypatch):
    """The headline charts name figures the notebooks really record (the reference run has them)."""
    monkeypatch.delenv(figures.CATALOGUE_VARIABLE)  # the course's own catalogue
    assert len(runner.headlines()) == 6
    recorded = {
        (e["notebook"], e["key"])
        for e in utils.reference._load_reference(utils.reference.REFERENCE_PATH)["entries"]
    }
    missing = [
        (notebook, key)
        for _, _, members in runner.headlines()
        for _, notebook, key in members
        if (notebook, key) not in recorded
    ]
    assert missing == []


def test_the_index_links_each_page_beside_its_student_copy(tmp_path):
    student = tmp_path / "student"
    student.mkdir()
    (student / "00_first.ipynb").write_text("{}")
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    pages = [(html_dir / "00_first.html", "First", 1.0), (html_dir / "01_other.html", "Other", 2.0)]
    page = runner.write_index(pages, "smoke", html_dir, student).read_text()
    assert "the instructor's notebook as this run executed it, solutions included" in page
    first, other = page.split("<li>")[1:3]
    assert f'href="{(student / "00_first.ipynb").as_uri()}">student/00_first.ipynb</a>' in first
    assert "/blob/main/student/00_first.ipynb" in first  # its Colab link opens the copy
    assert "student/" not in other  # no copy, no link


def test_the_index_lists_the_appendices_apart_after_the_core(tmp_path):
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    pages = [(html_dir / "04a_core.html", "Core", 1.0), (html_dir / "A1_deep.html", "Deep", 2.0)]
    page = runner.write_index(pages, "smoke", html_dir, tmp_path / "none").read_text()
    core, appendices = page.split("<h2>Appendices (optional deep dives)</h2>")
    assert "04a_core.html" in core and "A1_deep.html" in appendices.split("<h2>")[0]


def test_the_time_table_says_where_the_time_went():
    runs = [
        {
            "notebook": "01_a",
            "seconds": 30.0,
            "build_seconds": 20.0,
            "build_times": {"data.generated-abc": 20.0},
        },
        {"notebook": "02_b", "seconds": 10.5, "build_seconds": 0.0, "build_times": {}},
    ]
    table = runner.time_table(runs).splitlines()
    assert table[2] == "| 01_a | 30.0 | 20.0 | data.generated 20.0 s |"
    assert table[3] == "| 02_b | 10.5 | 0.0 | – |"
    assert table[4] == "| **all** | **40.5** | **20.0** | |"  # 30 + 10.5; 20 + 0


def test_the_reference_keeps_each_current_artifacts_build_time(tmp_path, monkeypatch):
    from utils import artifacts

    current, old = tmp_path / "model-new", tmp_path / "model-old"
    for folder, seconds in ((current, 12.5), (old, 99.0)):
        folder.mkdir()
        (folder / artifacts.MANIFEST).write_text(
            json.dumps({"name": "x.model", "build_seconds": seconds})
        )
    monkeypatch.setattr(artifacts, "path", lambda name: current)
    assert runner.artifact_build_seconds(tmp_path) == {"x.model": 12.5}
