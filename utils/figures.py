"""Notebooks 00-08: the catalogue of every figure the course records, and the ``Figure`` value.

Each notebook's figures are listed once, in ``data/figures/<notebook>.csv``: the key the
notebook records, its unit and the label the summary page, the headline charts and the verdicts
show (and, for a headline figure, the chart it belongs to). A notebook records a figure with
:func:`utils.results.record`, which refuses a key the catalogue does not name, and gets back a
:class:`Figure`: a number that also knows its notebook, key, unit and label, so a verdict finds
the reference machine's figure by the figure's own key::

    step = log.record("train_step_ms", timing.median_ms)   # a Figure (a float)
    verdicts.faster("one inference", infer, "one training step", step)
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import os
from pathlib import Path

from utils import config, reference

CATALOGUE_DIR = config.DATA_DIR / "figures"
CATALOGUE_VARIABLE = "COURSE_FIGURES_DIR"  # another catalogue folder (the tests' own figures)
COLUMNS = ("key", "unit", "label", "chart")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalogued figure: where it is recorded, its unit, its label, its headline chart."""

    notebook: str
    key: str
    unit: str
    label: str
    chart: str = ""  # the headline chart it appears in ("" when none)

    def unit_for(self, settings: config.Settings | None = None) -> str:
        """The unit with the profile's settings filled in ("ms per batch of {batch_size}")."""
        settings = settings or config.settings()
        try:
            return self.unit.format(**settings.as_dict())
        except (KeyError, IndexError, ValueError):
            return self.unit


def read_notebook_catalogue(path: Path) -> list[Entry]:
    """The entries of one notebook's catalogue file (its name is the notebook's)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(
                f"{path} must have the columns {', '.join(COLUMNS)} (it has "
                f"{', '.join(reader.fieldnames or ()) or 'none'}): fix its header."
            )
        entries = [
            Entry(
                path.stem,
                row["key"].strip(),
                row["unit"].strip(),
                row["label"].strip(),
                (row["chart"] or "").strip(),
            )
            for row in reader
        ]
    seen: set[str] = set()
    for entry in entries:
        if not entry.key or not entry.label or not entry.unit:
            raise ValueError(f"{path}: every row needs a key, a unit and a label ({entry}).")
        if entry.key in seen:
            raise ValueError(f"{path}: the key {entry.key!r} is catalogued twice; keep one row.")
        seen.add(entry.key)
    return entries


def catalogue_dir() -> Path:
    """The catalogue's folder: ``data/figures`` (or ``COURSE_FIGURES_DIR``)."""
    return Path(os.environ.get(CATALOGUE_VARIABLE) or CATALOGUE_DIR)


@functools.lru_cache(maxsize=8)
def _catalogue(folder: str) -> dict[tuple[str, str], Entry]:
    entries: dict[tuple[str, str], Entry] = {}
    if not Path(folder).is_dir():
        raise ValueError(
            f"The catalogue of figures {folder} is missing: restore data/figures with "
            "git checkout (or unset COURSE_FIGURES_DIR)."
        )
    for path in sorted(Path(folder).glob("*.csv")):
        for entry in read_notebook_catalogue(path):
            entries[entry.notebook, entry.key] = entry
    return entries


def catalogue(notebook: str | None = None) -> list[Entry]:
    """Every catalogued figure (of one notebook, when named), in catalogue order."""
    return [
        e
        for e in _catalogue(str(catalogue_dir())).values()
        if notebook is None or e.notebook == notebook
    ]


def entry(notebook: str, key: str) -> Entry:
    """The catalogue's entry for one figure; a ValueError naming the fix when it has none."""
    found = _catalogue(str(catalogue_dir())).get((notebook, key))
    if found is None:
        raise ValueError(
            f"{notebook}/{key} is not in the catalogue of figures: add a row (key, "
            f"unit, label) to data/figures/{notebook}.csv, or record a catalogued key."
        )
    return found


def label(notebook: str, key: str) -> str:
    """A figure's label, or its key when the catalogue does not name it (an old results file)."""
    found = _catalogue(str(catalogue_dir())).get((notebook, key))
    return found.label if found else key


class Figure(float):
    """A measured number that knows what it is: its notebook, key, unit and label.

    It is a ``float`` (arithmetic on it gives plain numbers), so a notebook computes with it as
    before; a verdict given a Figure looks up the reference machine's figure by its key.
    """

    notebook: str
    key: str
    unit: str
    label: str
    # the description of the machine that built the class bundle this value was measured on
    # (utils.bundle), or None when it was measured here
    measured_on: str | None

    def __new__(cls, value: float, entry: Entry, unit: str | None = None) -> Figure:
        figure = super().__new__(cls, value)
        figure.notebook, figure.key, figure.label = entry.notebook, entry.key, entry.label
        figure.unit = entry.unit_for() if unit is None else unit
        figure.measured_on = None
        return figure

    @property
    def value(self) -> float:
        return float(self)

    @property
    def reference(self) -> float | None:
        """The reference machine's value of this figure (None when it has none)."""
        return reference.reference_value(self.notebook, self.key)

    def __repr__(self) -> str:
        return f"Figure({self.notebook}/{self.key} = {float(self)!r} {self.unit})"

    def __reduce__(self):
        return float, (float(self),)


def measured_on(value) -> str | None:
    """The machine that built the class bundle a Figure's value was measured on, else None."""
    return getattr(value, "measured_on", None) if isinstance(value, Figure) else None


def reference_of(value) -> float | None:
    """The reference machine's value when ``value`` is a Figure, else None."""
    return value.reference if isinstance(value, Figure) else None
