"""Tooling: a pytest plugin that counts the Markdown each notebook generates under nbval.

``python -m utils test`` loads it (``pytest -p tools.nbval_markdown --nbval-lax ...``): after
every notebook cell nbval ran, it adds the words of the cell's ``text/markdown`` outputs
(``tools.words.output_words``: ``<details>`` blocks left out) to its notebook's count, and at the
end of the session it writes ``{notebook: words}`` to ``tools.words.generated_file()`` (in the
build folder), updating the notebooks this session ran and keeping the others. Then
``python -m tools.words --check --from-nbval`` checks the reading budget with what the smoke run
generated.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools import words
from utils import results

_counted: dict[str, int] = {}


def pytest_runtest_teardown(item) -> None:
    outputs = getattr(item, "test_outputs", None)
    if outputs is None:  # not a notebook cell nbval ran
        return
    notebook = Path(str(item.fspath)).stem
    _counted[notebook] = _counted.get(notebook, 0) + words.output_words(outputs)


def pytest_sessionfinish(session) -> None:
    if not _counted:
        return
    path = words.generated_file()
    known = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    path.parent.mkdir(parents=True, exist_ok=True)
    results.write_json(path, known | _counted)


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.nbval_markdown``: the words the last nbval run counted, per notebook."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.nbval_markdown",
        description="Print the Markdown words each notebook generated in the last nbval run.",
    )
    parser.parse_args(argv)
    path = words.generated_file()
    if not path.is_file():
        print(f"{path} does not exist: run the notebooks through nbval (make test).")
        return 1
    for notebook, count in json.loads(path.read_text(encoding="utf-8")).items():
        print(f"{notebook:<28}{count:>7,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
