"""Tooling: every notebook's Time line and the instructor guide's six-session plan, generated.

    python -m tools.session_time                  rewrite the Time lines and the plan
    python -m tools.session_time --check          change nothing; exit 1 naming each stale line

A notebook's time is reading + exercises + running, in minutes, rounded to the nearest minute:

- reading: the words a student reads (``tools.words``: the notebook's Markdown without model
  answers and without the Time paragraph itself, counted now, plus the Markdown a run generates
  outside ``<details>``, as the reference run counted it) ÷ ``data/reading_speed.csv``;
- exercises: the sum of the notebook's rows of ``data/exercise_minutes.csv`` (one per graded
  cell, each with its source);
- running: the reference machine's seconds with cached artifacts ÷ 60: the notebook's seconds in
  the reference run less the time it spent building artifacts (``runs`` in
  ``data/reference_results.json``, written by ``make reference``).

The first run's build of the notebook's own cached artifacts is stated beside it, not added.
The title cell's ``**Time:**`` paragraph is rewritten (nbformat, metadata kept); in
``docs/instructor.md`` the text between ``<!-- time NN -->`` (``NN`` as ``04a`` or ``A4``) and
``<!-- /time -->``, and the plan between ``<!-- plan -->`` and ``<!-- /plan -->`` (from
``data/session_plan.csv``, where a notebook split over two sessions carries its share of the
notebook's minutes). Appendices get their Time line; the plan holds the core only.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import re
import sys
import textwrap
from pathlib import Path

import nbformat

from tools import series, words

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
GUIDE = ROOT / "docs" / "instructor.md"
SESSION_MINUTES = 90
COMMAND = "python -m tools.session_time"
TIME_PARAGRAPH = re.compile(r"^\*\*Time:\*\*.*?(?=\n\s*\n|\Z)", re.S | re.M)
GUIDE_TIME = re.compile(r"(<!-- time (\d\d[a-z]?|A\d+) -->).*?(<!-- /time -->)", re.S)
GUIDE_PLAN = re.compile(r"(<!-- plan -->\n).*?(<!-- /plan -->)", re.S)


# What each cached artifact is, in a student's words (the Time line names what a first run builds)
ARTIFACT_WORDS = {
    "data.generated": "the generated dataset",
    "data.jpeg_files": "its JPEG files",
    "data.my_images": "the demo photos' dataset",
    "training.model": "the trained model",
    "pruning.sweep": "the sparsity sweep",
    "pruning.channels": "the channel-pruning sweep",
    "quantization.grid": "the int8 variants",
    "quantization.references": "the timed reference networks",
    "quantization.lowbit": "the low-bit sweep",
}


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _number(path: Path, row: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = float("nan")
    if not value >= 0:
        raise ValueError(
            f"{path.name} row {row}, {column}={text!r} is not a number of zero or more; "
            "write one there."
        )
    return value


def minutes(words_read: float, words_per_minute: float, exercise_minutes: float, seconds: float):
    """A notebook's minutes: reading + exercises + running, not rounded."""
    if not words_per_minute > 0:
        raise ValueError(f"words_per_minute={words_per_minute!r} must be above 0; give a speed.")
    for name, value in (("words", words_read), ("exercises", exercise_minutes), ("s", seconds)):
        if not value >= 0:
            raise ValueError(f"{name}={value!r} must be a number of zero or more; give one.")
    return words_read / words_per_minute + exercise_minutes + seconds / 60


@dataclasses.dataclass(frozen=True)
class Notebook:
    name: str
    words: int
    words_per_minute: float
    exercise_minutes: float
    exercises: int
    seconds: float
    builds: str
    build_seconds: float
    cores: int

    @property
    def minutes(self) -> float:
        return minutes(self.words, self.words_per_minute, self.exercise_minutes, self.seconds)

    def sentence(self) -> str:
        """The Time text after ``**Time:** ``: total, then its parts and the first run."""
        reading = self.words / self.words_per_minute
        running = round(self.seconds / 60)
        shown = "under 1" if running == 0 else str(running)
        build = (
            "under a second more"
            if self.build_seconds < 1
            else f"about {self.build_seconds:g} more seconds"
            if self.build_seconds < 120
            else f"about {round(self.build_seconds / 60)} more minutes"
        )
        first = f"; the first run also builds {self.builds}, {build}" if self.builds else ""
        exercises = (
            "no exercises"
            if not self.exercises
            else f"{self.exercise_minutes:g} for the exercise"
            if self.exercises == 1
            else f"{self.exercise_minutes:g} for the {self.exercises} exercises"
        )
        return (
            f"about {round(self.minutes)} minutes: {round(reading)} reading ({self.words:,} words "
            f"at {self.words_per_minute:g} a minute), {exercises}, {shown} running on the "
            f"reference machine ({self.cores}-core CPU, {self.seconds:g} s with cached "
            f"artifacts{first})."
        )


def load(folder: Path = ROOT / "notebooks", data: Path = DATA) -> list[Notebook]:
    """One :class:`Notebook` per notebook of ``folder``, from the data files; one sentence
    naming the file and row for a missing or bad entry."""
    speed_path = data / "reading_speed.csv"
    wpm = _number(speed_path, 1, "words_per_minute", _rows(speed_path)[0]["words_per_minute"])
    if wpm == 0:
        raise ValueError(f"{speed_path.name}: words_per_minute is 0; give a reading speed.")
    exercises_path = data / "exercise_minutes.csv"
    exercises: dict[str, list[float]] = {}
    for i, row in enumerate(_rows(exercises_path), start=1):
        value = _number(exercises_path, i, "minutes", row["minutes"])
        exercises.setdefault(row["notebook"], []).append(value)
    reference = json.loads((data / "reference_results.json").read_text(encoding="utf-8"))
    runs = {run["notebook"]: run for run in reference.get("runs", [])}
    notebooks = []
    for path in series.notebooks(folder):
        if path.stem not in runs:
            raise ValueError(
                f"reference_results.json has no run time for {path.stem}; run `make reference` "
                "(it records every notebook's)."
            )
        run = runs[path.stem]
        source = json.loads(path.read_text(encoding="utf-8"))
        title = source["cells"][0]
        title["source"] = TIME_PARAGRAPH.sub("", "".join(title["source"]))  # not its own input
        built = [name.rsplit("-", 1)[0] for name in run["builds"]]  # the folder less its hash
        builds = [ARTIFACT_WORDS.get(name, name) for name in built]
        notebooks.append(
            Notebook(
                name=path.stem,
                words=words.markdown_words(source) + int(run["generated_words"]),
                words_per_minute=wpm,
                exercise_minutes=sum(exercises.get(path.stem, [])),
                exercises=len(exercises.get(path.stem, [])),
                seconds=round(run["seconds"] - run["build_seconds"]),
                builds=" and ".join(", ".join(builds).rsplit(", ", 1)) if builds else "",
                build_seconds=round(run["build_seconds"]),
                cores=int(reference["machine"]["cores"]),
            )
        )
    return notebooks


def session_sums(notebooks: list[Notebook], plan: list[dict]) -> list[tuple[str, float]]:
    """``[(session, minutes)]``: each session's share of its notebooks' minutes. A plan row's
    ``shares`` reads ``03=1 04a=1`` (notebook number = share of its minutes in this session)."""
    by_number = {
        series.number(notebook.name): notebook
        for notebook in notebooks
        if not series.is_appendix(notebook.name)
    }
    return [
        (session, sum(share * by_number[number].minutes for number, share in shares.items()))
        for session, shares in series.sessions(plan, set(by_number))
    ]


def plan_markdown(notebooks: list[Notebook], plan: list[dict]) -> str:
    """The guide's plan table with each session's generated minutes, and the sessions over."""
    lines = [
        "| session | notebooks | in class | after class | minutes |",
        "|---|---|---|---|---:|",
    ]
    sums = session_sums(notebooks, plan)
    for row, (_, total) in zip(plan, sums):
        lines.append(
            f"| {row['session']} | {row['notebooks']} | {row['in_class']} | "
            f"{row['after_class']} | {round(total)} |"
        )
    over = [f"{session} ({round(total)})" for session, total in sums if total > SESSION_MINUTES]
    lines.append("")
    lines.append(
        "Minutes are generated (`python -m tools.session_time`): a notebook's reading, exercises "
        "and running time, its share where it spans two sessions. "
        + (
            f"Over {SESSION_MINUTES} minutes today: session {', '.join(over)}; set part of it "
            "as homework."
            if over
            else f"Every session fits in {SESSION_MINUTES} minutes."
        )
    )
    return "\n".join(lines) + "\n"


def rewritten_title(source: str, sentence: str, name: str) -> str:
    if not TIME_PARAGRAPH.search(source):
        raise ValueError(f"{name}'s title cell has no '**Time:**' paragraph; add one to rewrite.")
    paragraph = textwrap.fill(f"**Time:** {sentence}", width=99, break_on_hyphens=False)
    return TIME_PARAGRAPH.sub(lambda _: paragraph, source, count=1)


def rewritten_guide(text: str, notebooks: list[Notebook], plan: list[dict]) -> str:
    sentences = {series.number(notebook.name): notebook.sentence() for notebook in notebooks}

    def time(match: re.Match) -> str:
        if match[2] not in sentences:
            raise ValueError(f"the guide's marker 'time {match[2]}' names no notebook; fix it.")
        text = sentences[match[2]]
        return f"{match[1]}{text[0].upper()}{text[1:]}{match[3]}"

    text = GUIDE_TIME.sub(time, text)
    return GUIDE_PLAN.sub(lambda m: f"{m[1]}{plan_markdown(notebooks, plan)}{m[2]}", text)


def _marked(text: str) -> list[tuple[str, str]]:
    """The guide's generated parts: ``[(what, text)]`` for each Time marker and the plan."""
    parts = [(f"the Time of {m[2]}", m[0]) for m in GUIDE_TIME.finditer(text)]
    return parts + [("the six-session plan", m[0]) for m in GUIDE_PLAN.finditer(text)]


def stale(folder: Path = ROOT / "notebooks", guide: Path = GUIDE, write: bool = False):
    """The Time lines (and the plan) that differ from what the data give, one line each;
    ``write`` rewrites them."""
    notebooks = load(folder)
    plan = _rows(DATA / "session_plan.csv")
    problems = []
    for notebook in notebooks:
        path = folder / f"{notebook.name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        new = rewritten_title(nb.cells[0].source, notebook.sentence(), notebook.name)
        if new != nb.cells[0].source:
            problems.append(f"{path.name}: the title's Time line is not '{notebook.sentence()}'")
            if write:
                nb.cells[0].source = new
                nbformat.write(nb, path)
    text = guide.read_text(encoding="utf-8")
    new = rewritten_guide(text, notebooks, plan)
    if new != text:
        old_parts = dict(_marked(text))
        for name, part in _marked(new):
            if old_parts.get(name) != part:
                problems.append(f"{guide.name}: {name} is not the generated text")
        if write:
            guide.write_text(new, encoding="utf-8")
    return notebooks, plan, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    try:
        notebooks, plan, problems = stale(write=not args.check)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    for notebook in notebooks:
        print(f"{notebook.name:<24}{notebook.words:>7,} words {round(notebook.minutes):>4} min")
    for session, total in session_sums(notebooks, plan):
        over = "  over" if total > SESSION_MINUTES else ""
        print(f"session {session}: {total:.0f} minutes{over}")
    for problem in problems:
        print(problem)
    if args.check and problems:
        print(f"Run `{COMMAND}` to rewrite them.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
