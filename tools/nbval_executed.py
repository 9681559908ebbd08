"""Tooling: a pytest plugin that keeps what nbval executed as executed notebooks, for the smoke
book (``tools/book.py``) that ``make test`` builds and checks in a browser.

``python -m utils test`` loads it (``pytest -p tools.nbval_executed --nbval-lax ...``): after every
notebook cell nbval ran it keeps the cell's outputs, and at the end of the session it writes each
notebook it ran, with those outputs, to :func:`folder` (``build/nbval-executed/``), with when the
run started, how long it took and its profile in the notebook's metadata (``course_run``: what
``tools.book`` reads where papermill's record is absent). The notebooks themselves are untouched.
"""

from __future__ import annotations

import copy
import datetime
import os
import time
from pathlib import Path

import nbformat

from utils import config

METADATA = "course_run"
_outputs: dict[Path, dict[str, list]] = {}
_times: dict[Path, list[float]] = {}


def folder() -> Path:
    return config.build_dir() / "nbval-executed"


def pytest_runtest_setup(item) -> None:
    if hasattr(item, "test_outputs"):
        _times.setdefault(Path(str(item.fspath)), [time.time(), time.time()])


def pytest_runtest_teardown(item) -> None:
    outputs = getattr(item, "test_outputs", None)
    if outputs is None:  # not a notebook cell nbval ran
        return
    path = Path(str(item.fspath))
    _outputs.setdefault(path, {})[item.cell.get("id")] = copy.deepcopy(outputs)
    _times.setdefault(path, [time.time(), time.time()])[1] = time.time()


def executed(notebook, outputs: dict[str, list], start: float, end: float, profile: str):
    """The notebook with the outputs nbval kept (by cell id) and the run's record."""
    ran = copy.deepcopy(notebook)
    for cell in ran.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o) for o in outputs.get(cell.get("id"), [])]
    started = datetime.datetime.fromtimestamp(start, datetime.timezone.utc)
    ran.metadata[METADATA] = {
        "start_time": started.isoformat(),
        "duration": round(end - start, 1),
        "profile": profile,
    }
    return ran


def pytest_sessionfinish(session) -> None:
    if not _outputs:
        return
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    profile = os.environ.get(config.PROFILE_VARIABLE, config.DEFAULT_PROFILE)
    for path, outputs in _outputs.items():
        start, end = _times[path]
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(executed(notebook, outputs, start, end, profile), target / path.name)


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.nbval_executed``: the notebooks the last nbval run kept, and their run."""
    import argparse

    argparse.ArgumentParser(
        prog="python -m tools.nbval_executed", description=main.__doc__
    ).parse_args(argv)
    kept = sorted(folder().glob("*.ipynb"))
    if not kept:
        print(f"{folder()} holds no notebook: run the notebooks through nbval (make test).")
        return 1
    for path in kept:
        run = nbformat.read(path, as_version=4).metadata.get(METADATA, {})
        print(f"{path.stem:<28}{run.get('profile', '?'):<7}{run.get('start_time', '?')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
