"""Tooling: check every reference-run figure the instructor guide quotes against the file.

The guide (``docs/instructor.md``) quotes figures of the reference run. Each one carries a marker
right after it, an HTML comment that Markdown does not show, naming the notebook's number and the
figure's key in ``data/reference_results.json`` (``04a``, ``A4``: ``tools.series``)::

    a training step took 2.04×<!-- ref 00/train_to_inference_ratio --> one inference
    93.0 %<!-- ref 08/capstone_validation_accuracy, in % --> on validation
    int8 was 2.87×<!-- ref 05/int8_vs_float32_latency_1_thread, inverted --> faster

Between the number and its marker only a unit may stand (no digit). After the key, ``in %``
shows a fraction as a percentage, ``in kB`` shows bytes in thousands, and ``inverted`` shows
1 / the value. A figure agrees when it equals the file's value to the decimals it shows (half a
unit of its last digit). Run ``python -m tools.guide_figures`` to list the markers, the file's
value beside each, and every one that disagrees; ``tests/test_guide_figures.py`` runs the same
check.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from tools import series

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "instructor.md"
REFERENCE = ROOT / "data" / "reference_results.json"

MARKER = re.compile(
    r"(?P<number>\d[\d,]*(?:\.\d+)?)(?P<unit>[^\d<>]{0,12}?)"
    r"<!-- ref (?P<notebook>\d\d[a-z]?|A\d+)/(?P<key>[\w.]+)"
    r"(?:, (?P<shown>in %|in kB|inverted))? -->"
)
SHOWN = {
    None: lambda value: value,
    "in %": lambda value: value * 100,
    "in kB": lambda value: value / 1000,
    "inverted": lambda value: 1 / value,
}


def reference_values(path: Path = REFERENCE) -> dict[tuple[str, str], float]:
    """``{(notebook number, key): value}`` from the reference run's file."""
    entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
    return {(series.number(entry["notebook"]), entry["key"]): entry["value"] for entry in entries}


def quoted_figures(text: str) -> list[dict]:
    """Every marked figure in ``text``: its line, the number as shown, its notebook, key and how
    it is shown."""
    figures = []
    for match in MARKER.finditer(text):
        figures.append(
            {
                "line": text.count("\n", 0, match.start()) + 1,
                "shown": match["number"],
                "notebook": match["notebook"],
                "key": match["key"],
                "as": match["shown"],
            }
        )
    return figures


def disagreements(text: str, values: dict[tuple[str, str], float]) -> list[str]:
    """One sentence per marked figure that is not the file's value to the decimals it shows, or
    whose key the file lacks; an empty list when the guide and the file agree."""
    problems = []
    for figure in quoted_figures(text):
        where = f"line {figure['line']}: {figure['shown']} ({figure['notebook']}/{figure['key']})"
        if (figure["notebook"], figure["key"]) not in values:
            problems.append(f"{where}: the reference file has no such figure; fix the marker.")
            continue
        expected = SHOWN[figure["as"]](values[figure["notebook"], figure["key"]])
        number = figure["shown"].replace(",", "")
        decimals = len(number.split(".")[1]) if "." in number else 0
        if abs(float(number) - expected) > 0.5 * 10**-decimals + 1e-9:
            problems.append(
                f"{where}: the reference file says {expected:,.{decimals}f}; "
                "write that in the guide."
            )
    return problems


def main() -> int:
    """Print every marked figure beside the file's value, then the disagreements."""
    text, values = GUIDE.read_text(encoding="utf-8"), reference_values()
    for figure in quoted_figures(text):
        value = values.get((figure["notebook"], figure["key"]))
        shown = "missing" if value is None else f"{SHOWN[figure['as']](value):,.6g}"
        print(
            f"line {figure['line']:>5}: {figure['shown']:>10}  file {shown:>10}  "
            f"{figure['notebook']}/{figure['key']}"
        )
    problems = disagreements(text, values)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
