"""Notebooks 00-08: every number the series measures, in one file, ``build/results.json``.

A notebook records each figure it measured with :func:`record` (or its :class:`Log`), under a key
its catalogue names (:mod:`utils.figures`), and gets back a :class:`~utils.figures.Figure`;
``make run`` turns the file into ``build/summary.md``. Entries are keyed by profile, notebook and
key, so running a notebook again replaces its old figures instead of piling up copies. Writes
hold a file lock and replace the file atomically, so notebooks writing in turn (or at once) lose
nothing. A damaged file (edited by hand) is set aside, renamed and kept, with one sentence, and
recording starts afresh; a full disk gets one sentence and leaves no temporary file behind.

A figure whose value was measured while an artifact was built (a latency of the variant grid, a
training epoch's seconds; listed in ``data/figures_from_builds.csv``) is marked as measured on
the machine that built the class bundle when that artifact came from one (:mod:`utils.bundle`):
the Figure's ``measured_on``, its entry's and the summary table's, the timing verdicts'.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import functools
import errno
import json
import math
import os
import sys
import threading
from pathlib import Path

from utils import artifacts, config, figures, reference
from utils.fold import fold

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; writes stay atomic
    fcntl = None


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}  # no space, over quota
_held = threading.local()  # the results files whose lock this thread holds


@contextlib.contextmanager
def locked(path: Path):
    """Hold the results file's lock (one writer at a time; no lock on Windows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    held = _held.__dict__.setdefault("paths", set())
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        if fcntl:
            fcntl.flock(lock, fcntl.LOCK_EX)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)


def load(path: Path | None = None) -> list[dict]:
    """All recorded entries (every profile), oldest first. A damaged file is set aside (renamed
    ``<name>.damaged-<time>``, kept as it was) with one sentence, and nothing is recorded yet."""
    path = path or config.results_path()
    if not path.exists():
        return []
    entries, problem = _read(path)
    if problem is None:
        return entries
    held = path in _held.__dict__.get("paths", ())
    with contextlib.nullcontext() if held else locked(path):
        entries, problem = _read(path)  # again under the lock: a writer may have replaced it
        if problem is None:
            return entries
        aside = _set_aside(path)
    print(
        f"{path} is not a results file this course wrote ({problem}), so it was set aside as "
        f"{aside.name} (kept as it was) and recording starts afresh: re-run the notebooks "
        "whose numbers you need.",
        file=sys.stderr,
    )
    return []


def _read(path: Path) -> tuple[list[dict], str | None]:
    """The file's entries and None, or [] and what is wrong with it."""
    try:
        entries = json.loads(path.read_text())["entries"]
        if not isinstance(entries, list):
            raise TypeError("'entries' is not a list")
    except FileNotFoundError:
        return [], None
    except (ValueError, KeyError, TypeError) as error:
        return [], str(error) if not isinstance(error, KeyError) else f"no {error} list"
    for number, entry in enumerate(entries, start=1):
        problem = _malformed(entry)
        if problem:
            return [], f"entry {number} {problem}"
    return entries, None


def _set_aside(path: Path) -> Path:
    """Rename ``path`` to a new ``<name>.damaged-<time>[-n]`` beside it and return that name."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    path.rename(aside)
    return aside


_FIELDS = {"profile": str, "notebook": str, "key": str, "unit": str}


def _malformed(entry) -> str | None:
    """What is wrong with one recorded entry, or None when it is whole."""
    if not isinstance(entry, dict):
        return f"is {type(entry).__name__}, not an object"
    for field, kind in {**_FIELDS, "value": (int, float)}.items():
        if field not in entry:
            return f"has no {field!r}"
        if not isinstance(entry[field], kind) or isinstance(entry[field], bool):
            return f"has {field}={entry[field]!r}, not a {'number' if field == 'value' else 'text'}"
    return None


def write_json(path: Path, data) -> None:
    """Write ``data`` as JSON to ``path`` atomically (a reader never sees half a file); hold
    :func:`locked` around a read-change-write."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(path)
    except BaseException as error:
        tmp.unlink(missing_ok=True)  # no half-written temporary file is left behind
        if isinstance(error, OSError) and error.errno in _DISK_FULL:
            raise OSError(
                error.errno,
                f"The disk holding {path.parent} is full, so {path.name} was not written "
                "(nothing was changed): free some space on that disk and run this cell again.",
            ) from None
        raise


def _save(entries: list[dict], path: Path) -> None:
    write_json(path, {"entries": entries})


FROM_BUILDS = config.DATA_DIR / "figures_from_builds.csv"  # figures measured during a build
BUNDLE_MACHINE = "measured on the machine that built the bundle"


@functools.lru_cache(maxsize=4)
def _from_builds(path: str) -> dict[tuple[str, str], str]:
    """``{(notebook, key): artifact}`` of the figures whose value an artifact's build measured."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {(row["notebook"], row["key"]): row["artifact"] for row in csv.DictReader(handle)}


def measured_on(notebook: str, key: str, origins: dict | None = None) -> str | None:
    """The description of the machine that built the class bundle this figure's value was
    measured on (its artifact came from a bundle), or None when it was measured here."""
    name = _from_builds(str(FROM_BUILDS)).get((notebook, key))
    if name is None:
        return None
    origins = {} if origins is None else origins
    if name not in origins:
        try:
            origins[name] = artifacts.from_bundle(name)
        except (KeyError, ValueError):
            origins[name] = None
    origin = origins[name]
    return None if origin is None else str(origin.get("machine") or "another machine")


def record(notebook: str, key: str, value: float, unit: str | None = None) -> figures.Figure:
    """Record one measured number under a catalogued key (replacing the same notebook's earlier
    figure) and return it as a Figure. Its unit is the catalogue's (``unit`` is not needed)."""
    return record_many(notebook, {key: value})[key]


def record_many(notebook: str, values: dict) -> dict[str, figures.Figure]:
    """Record several measured numbers at once, ``{key: value}`` (one call per cell), and return
    them as ``{key: Figure}``. A value may also be given as ``(value, unit)``.

    Nothing is recorded unless every key is catalogued and every value is a finite number.
    """
    profile = config.profile_name()
    now = datetime.datetime.now().isoformat(timespec="seconds")
    recorded: dict[str, figures.Figure] = {}
    for key, value in values.items():
        if isinstance(value, tuple):
            value = value[0]
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{notebook}/{key}: {value} is not a finite number; nothing recorded.")
        recorded[key] = figures.Figure(value, figures.entry(notebook, key))
    origins: dict = {}  # artifact -> its bundle, read once per call
    for key, figure in recorded.items():
        figure.measured_on = measured_on(notebook, key, origins)
    new = [
        {
            "profile": profile,
            "notebook": notebook,
            "key": key,
            "value": float(figure),
            "unit": figure.unit,
            "recorded": now,
            **({"measured_on": figure.measured_on} if figure.measured_on else {}),
        }
        for key, figure in recorded.items()
    ]
    keys = {(profile, notebook, key) for key in recorded}
    path = config.results_path()
    with locked(path):
        entries = [e for e in load(path) if (e["profile"], e["notebook"], e["key"]) not in keys]
        _save(entries + new, path)
    return recorded


class Log:
    """One notebook's figures: ``log = results.Log(NOTEBOOK)``, then ``log.record(key, value)``
    (a Figure), ``log.record_many({...})``, ``log[key]`` (the figure recorded last under that
    key in this session) and ``log.show()`` (the Summary's table)."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        self.figures: dict[str, figures.Figure] = {}

    def record(self, key: str, value: float) -> figures.Figure:
        return self.record_many({key: value})[key]

    def record_many(self, values: dict) -> dict[str, figures.Figure]:
        recorded = record_many(self.notebook, values)
        self.figures.update(recorded)
        return recorded

    def __getitem__(self, key: str) -> figures.Figure:
        if key not in self.figures:
            raise KeyError(
                f"{self.notebook}/{key} has not been recorded in this session: run the "
                "cell that measures it first."
            )
        return self.figures[key]

    def show(self):
        return show(self.notebook)


def clear(profile: str) -> None:
    """Forget one profile's entries (``make run`` starts each run from a clean slate)."""
    path = config.results_path()
    with locked(path):
        _save([e for e in load(path) if e["profile"] != profile], path)


def format_number(value: float) -> str:
    """The course's one number formatter: thousands separated, about four significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.4g}" if abs(value) >= 1 else f"{value:.3g}"


def table(
    profile: str | None = None, notebook: str | None = None, reference: list[dict] | None = None
) -> str:
    """A Markdown table of the recorded numbers, sorted by notebook, for one profile.

    With ``reference`` (the reference machine's entries), each number stands beside the
    reference machine's as *yours · reference · ratio*.
    """
    profile = profile or config.profile_name()
    rows = [
        e
        for e in load()
        if e["profile"] == profile and (notebook is None or e["notebook"] == notebook)
    ]
    rows.sort(key=lambda e: e["notebook"])  # stable: keeps recording order within a notebook
    if reference is None:
        lines = ["| notebook | quantity | value | unit |", "|---|---|---:|---|"]
        lines += [
            f"| {e['notebook']} | {table_cell(_label(e))} | {format_number(e['value'])} | "
            f"{table_cell(e['unit'])} |"
            for e in rows
        ]
        return "\n".join(lines)
    theirs = {(e["notebook"], e["key"]): e["value"] for e in reference}
    lines = [
        "| notebook | quantity | yours | reference | ratio | unit |",
        "|---|---|---:|---:|---:|---|",
    ]
    for e in rows:
        ref = theirs.get((e["notebook"], e["key"]))
        lines.append(
            f"| {e['notebook']} | {table_cell(_label(e))} | {format_number(e['value'])} | "
            f"{'—' if ref is None else format_number(ref)} | {ratio_text(e['value'], ref)} | "
            f"{table_cell(e['unit'])} |"
        )
    return "\n".join(lines)


def _label(entry: dict) -> str:
    label = figures.label(entry["notebook"], entry["key"])
    elsewhere = entry.get("measured_on")
    return f"{label} ({BUNDLE_MACHINE}: {elsewhere})" if elsewhere else label


def table_cell(text: str) -> str:
    """Text safe inside a Markdown table cell (a unit may hold a "|")."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def ratio_text(value: float, reference: float | None) -> str:
    """yours / reference as ``1.25×`` (a dash where there is no reference or it is zero)."""
    if reference is None or reference == 0:
        return "—"
    return f"{value / reference:.2f}×"


SHOWN = "Every figure this notebook recorded, yours beside the reference machine's"


def show(notebook: str):
    """This notebook's recorded numbers beside the reference machine's (its Summary), folded
    under one line: a long table a student opens when they want it, not reading."""
    from IPython.display import Markdown

    recorded = table(notebook=notebook, reference=reference.reference_data()["entries"])
    return Markdown(fold("", recorded, summary=SHOWN))
