"""tools/session_time.py: the generated Time lines, the plan's sums, drift and bad input."""

from __future__ import annotations

import json
import shutil

import pytest

from tools import session_time
from tools.session_time import Notebook


def notebook(name="03_example", words=1_500, exercise_minutes=12, seconds=65, **extra):
    values = dict(
        name=name,
        words=words,
        words_per_minute=150,
        exercise_minutes=exercise_minutes,
        exercises=3,
        seconds=seconds,
        builds="the cached model",
        build_seconds=480,
        cores=2,
    )
    return Notebook(**(values | extra))


def test_minutes_by_hand():
    # 1,500 words / 150 a minute = 10 min; + 12 min of exercises; + 65 s / 60 = 1.083 min
    # = 23.083 min, "about 23 minutes".
    assert session_time.minutes(1_500, 150, 12, 65) == pytest.approx(23 + 5 / 60)
    assert notebook().sentence() == (
        "about 23 minutes: 10 reading (1,500 words at 150 a minute), 12 for the 3 exercises, "
        "1 running on the reference machine (2-core CPU, 65 s with cached artifacts; the first "
        "run also builds the cached model, about 8 more minutes)."  # 480 s / 60 = 8
    )


def test_short_runs_and_builds_are_said_plainly():
    # 20 s rounds to 0 minutes: "under 1"; a build of 80 s is said in seconds, not "1 minutes".
    short = notebook(seconds=20, build_seconds=80)
    assert "under 1 running" in short.sentence()
    assert "about 80 more seconds" in short.sentence()
    # no build of its own: no clause about the first run
    assert "first run" not in notebook(builds="", build_seconds=0).sentence()
    # a build under a second is not "about 0 more seconds"
    assert "the cached model, under a second more)" in notebook(build_seconds=0).sentence()


def test_an_appendix_without_exercises_says_so_and_one_exercise_is_singular():
    assert ", no exercises, " in notebook(exercises=0, exercise_minutes=0).sentence()
    assert ", 5 for the exercise, " in notebook(exercises=1, exercise_minutes=5).sentence()


def test_session_sums_by_hand():
    # 00 is 1,500 words + 12 min + 0 s = 22 min; 01 is 3,000 words (20 min) + 40 min = 60 min.
    # Session 1 takes all of 00 and half of 01: 22 + 30 = 52; session 2 the other half: 30.
    first = notebook("00_a", seconds=0, exercise_minutes=12)
    second = notebook("01_b", words=3_000, seconds=0, exercise_minutes=40)
    plan = [{"session": "1", "shares": "00=1 01=0.5"}, {"session": "2", "shares": "01=0.5"}]
    sums = session_time.session_sums([first, second], plan)
    assert sums == [("1", pytest.approx(52)), ("2", pytest.approx(30))]


def test_plan_names_the_sessions_over_90_minutes():
    # 2,700 words = 18 min + 80 min of exercises = 98 min > 90.
    long = notebook("00_a", words=2_700, seconds=0, exercise_minutes=80)
    text = session_time.plan_markdown(
        [long],
        [
            {
                "session": "1",
                "shares": "00=1",
                "notebooks": "00",
                "in_class": "a",
                "after_class": "b",
            }
        ],
    )
    assert "| 1 | 00 | a | b | 98 |" in text
    assert "Over 90 minutes today: session 1 (98)" in text


def test_time_lines_and_plan_are_current():
    _, _, problems = session_time.stale()
    assert not problems, "\n".join(problems) + f"\nRun `{session_time.COMMAND}`."


def test_a_hand_edited_time_in_the_guide_is_named(tmp_path):
    guide = tmp_path / "instructor.md"
    text = session_time.GUIDE.read_text(encoding="utf-8")
    start = text.index("<!-- time 03 -->") + len("<!-- time 03 -->")
    guide.write_text(text[:start] + "About 5 minutes." + text[start:], encoding="utf-8")
    _, _, problems = session_time.stale(guide=guide)
    assert problems == ["instructor.md: the Time of 03 is not the generated text"]


def _data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in (
        "reading_speed.csv",
        "exercise_minutes.csv",
        "reference_results.json",
    ):
        shutil.copy(session_time.DATA / name, data / name)
    return data


def test_bad_exercise_minutes_get_one_sentence(tmp_path):
    data = _data(tmp_path)
    path = data / "exercise_minutes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",2,", ",two,", 1)  # 00's prediction: 2 minutes -> "two"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^exercise_minutes\.csv row 1, minutes='two' .*\.$"):
        session_time.load(data=data)


def test_a_notebook_without_a_reference_run_time_gets_one_sentence(tmp_path):
    data = _data(tmp_path)
    path = data / "reference_results.json"
    reference = json.loads(path.read_text(encoding="utf-8"))
    reference["runs"] = [r for r in reference["runs"] if r["notebook"] != "07_serving"]
    path.write_text(json.dumps(reference), encoding="utf-8")
    with pytest.raises(ValueError, match=r"has no run time for 07_serving; run `make reference`"):
        session_time.load(data=data)


def test_other_bad_input_gets_one_sentence():
    with pytest.raises(ValueError, match="words_per_minute=0 must be above 0"):
        session_time.minutes(1_500, 0, 12, 65)
    with pytest.raises(ValueError, match="no '\\*\\*Time:\\*\\*' paragraph"):
        session_time.rewritten_title("# 09 · A title\n\nNo time here.", "about 1 minute", "09")
    with pytest.raises(ValueError, match="row 1: no core notebook '12'; name one of 00"):
        session_time.session_sums([notebook("00_a")], [{"session": "1", "shares": "12=1"}])
    with pytest.raises(ValueError, match="row 1: no core notebook 'A1'"):  # appendices: no session
        session_time.session_sums(
            [notebook("00_a"), notebook("A1_b")], [{"session": "1", "shares": "A1=1"}]
        )
    with pytest.raises(ValueError, match="row 1: the share '00=2' is not a number above 0"):
        session_time.session_sums([notebook("00_a")], [{"session": "1", "shares": "00=2"}])


def test_every_artifact_the_reference_run_built_has_a_students_name():
    reference = json.loads((session_time.DATA / "reference_results.json").read_text("utf-8"))
    built = {name.rsplit("-", 1)[0] for run in reference["runs"] for name in run["builds"]}
    assert built and built <= set(session_time.ARTIFACT_WORDS), built - set(
        session_time.ARTIFACT_WORDS
    )
