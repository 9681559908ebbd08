import csv
import shutil

import pytest

from utils import figures

COURSE_VARIABLES = (
    "COURSE_PROFILE",
    "COURSE_DATASET",
    "COURSE_MY_IMAGES",
    "COURSE_FINETUNE_IMAGES",
)


@pytest.fixture(autouse=True)
def isolated_build(tmp_path, monkeypatch):
    """Every test gets its own build folder and the defaults (no COURSE_* variables)."""
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    for name in COURSE_VARIABLES:
        monkeypatch.setenv(name, "")  # recorded first, so whatever a test sets is undone after it
        monkeypatch.delenv(name)


@pytest.fixture
def catalogued(tmp_path_factory, monkeypatch):
    """``catalogued(notebook, *keys, unit="n", chart="", label=None)``: a copy of the course's
    catalogue of figures with these keys added, made the catalogue (COURSE_FIGURES_DIR) for this
    test and the processes it starts."""
    folder = tmp_path_factory.mktemp("figures")
    for path in figures.CATALOGUE_DIR.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    monkeypatch.setenv(figures.CATALOGUE_VARIABLE, str(folder))

    def add(
        notebook: str, *keys: str, unit: str = "n", chart: str = "", label: str | None = None
    ) -> None:
        path = folder / f"{notebook}.csv"
        fresh = not path.exists()
        with path.open("a", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            if fresh:
                writer.writerow(figures.COLUMNS)
            writer.writerows([key, unit, label or key, chart] for key in keys)
        figures._catalogue.cache_clear()

    return add
