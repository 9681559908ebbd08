"""Every number the series measures, in one file: ``build/results.json``.

A notebook calls :func:`record` for each figure it measured; ``make run`` turns the file into
``build/summary.md``. Entries are keyed by profile, notebook and key, so running a notebook
again replaces its old figures instead of piling up copies. Writes hold a file lock and
replace the file atomically, so notebooks writing in turn (or at once) lose nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
from pathlib import Path

from utils import config

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; writes stay atomic
    fcntl = None


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        if fcntl:
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def load(path: Path | None = None) -> list[dict]:
    """All recorded entries (every profile), oldest first."""
    path = path or config.results_path()
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text())["entries"]
        if not isinstance(entries, list):
            raise TypeError("'entries' is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"{path} is not a results file this course wrote ({error}); "
            "delete it and re-run the notebooks."
        ) from None
    return entries


def _save(entries: list[dict], path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"entries": entries}, indent=1))
    tmp.replace(path)


def record(notebook: str, key: str, value: float, unit: str) -> float:
    """Record one measured number (replacing the same notebook's earlier ``key``); return it."""
    record_many(notebook, {key: (value, unit)})
    return float(value)


def record_many(notebook: str, figures: dict[str, tuple[float, str]]) -> None:
    """Record several measured numbers at once: ``{key: (value, unit)}``, one call per cell.

    Nothing is recorded unless every value is a finite number.
    """
    profile = config.profile_name()
    now = datetime.datetime.now().isoformat(timespec="seconds")
    new = []
    for key, (value, unit) in figures.items():
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{notebook}/{key}: {value} is not a finite number; nothing recorded.")
        new.append({"profile": profile, "notebook": notebook, "key": key, "value": value,
                    "unit": unit, "recorded": now})
    keys = {(profile, notebook, key) for key in figures}
    path = config.results_path()
    with _locked(path):
        entries = [e for e in load(path) if (e["profile"], e["notebook"], e["key"]) not in keys]
        _save(entries + new, path)


def clear(profile: str) -> None:
    """Forget one profile's entries (``make run`` starts each run from a clean slate)."""
    path = config.results_path()
    with _locked(path):
        _save([e for e in load(path) if e["profile"] != profile], path)


def format_number(value: float) -> str:
    """The course's one number formatter: thousands separated, about four significant digits."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.4g}" if abs(value) >= 1 else f"{value:.3g}"


def table(profile: str | None = None, notebook: str | None = None) -> str:
    """A Markdown table of the recorded numbers, sorted by notebook, for one profile."""
    profile = profile or config.profile_name()
    rows = [
        e
        for e in load()
        if e["profile"] == profile and (notebook is None or e["notebook"] == notebook)
    ]
    rows.sort(key=lambda e: e["notebook"])  # stable: keeps recording order within a notebook
    lines = ["| notebook | quantity | value | unit |", "|---|---|---:|---|"]
    lines += [
        f"| {e['notebook']} | {e['key']} | {format_number(e['value'])} | {e['unit']} |" for e in rows
    ]
    return "\n".join(lines)


def show(notebook: str):
    """Display this notebook's recorded numbers as a table (for a notebook's Summary)."""
    from IPython.display import Markdown

    return Markdown(table(notebook=notebook))
