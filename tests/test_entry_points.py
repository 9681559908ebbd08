"""Every `python -m utils ...` command the Makefile uses runs: the cheap ones for real (help,
clean on a temporary build folder), the expensive ones with --dry-run, which prints the
commands they would run. And the Makefile is only thin calls to them."""

import os
import re
import subprocess
import sys

import pytest

from utils import __main__ as course
from utils import config

ROOT = config.ROOT


def utils(*args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "utils", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def makefile_commands():
    """{target: the `python -m utils` arguments of its recipe}."""
    commands, target = {}, None
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^([a-z-]+):", line)
        if match:
            target = match.group(1)
        elif line.startswith("\t"):
            recipe = line.strip().lstrip("@")
            assert recipe.startswith("$(COURSE) "), f"make {target} is not a thin call: {recipe}"
            commands[target] = recipe.split()[1]
    return commands


def test_the_makefile_only_calls_python_m_utils_and_covers_the_documented_targets():
    commands = makefile_commands()
    assert {
        "setup",
        "run",
        "reference",
        "test",
        "test-photos",
        "test-colab",
        "lab",
        "explore",
        "assignments",
        "grade",
        "book",
        "clean",
    } <= commands.keys()
    assert "COURSE := $(PYTHON) -m utils" in (ROOT / "Makefile").read_text()
    known = set(course.parser()._subparsers._group_actions[0].choices)
    assert {c for c in commands.values() if c != "--help"} <= known


def test_help_lists_every_command():
    result = utils("--help")
    assert result.returncode == 0
    for command in set(makefile_commands().values()) - {"--help"}:
        assert command in result.stdout


def test_clean_deletes_only_the_build_folder_it_is_given(tmp_path):
    build = tmp_path / "build"
    (build / "models").mkdir(parents=True)
    (build / "models" / "m.keras").write_text("x")
    keep = tmp_path / "my_photos.jpg"
    keep.write_text("mine")
    result = utils("clean", "--build-dir", str(build))
    assert result.returncode == 0 and not build.exists() and keep.read_text() == "mine"
    assert "Nothing to clean" in utils("clean", "--build-dir", str(build)).stdout


def test_grade_without_a_folder_says_how_to_name_it():
    result = utils("grade")
    assert result.returncode == 1 and "make grade SUBMISSIONS=folder" in result.stderr


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "--profile", "smoke"], [" -m tools.runner --profile smoke"]),
        (["reference"], [" -m tools.runner --profile full --update-reference"]),
        (["test-photos"], [" -m tools.make_photos ", "COURSE_DATASET=my_images", "--nbval-lax"]),
        (
            ["lab", "--no-browser"],
            [" -m jupyterlab --ServerApp.ip=127.0.0.1", "student --no-browser"],
        ),
        (["lab", "--instructor"], ["root_dir=", "notebooks"]),
        (
            ["explore", "--port", "9000", "--profile", "smoke"],
            [" -m utils.explorer --profile smoke --port 9000"],
        ),
        (["setup-check"], ["environment.report(environment.check())"]),
        (["assignments"], [" -m tools.grading assignments"]),
        (["grade", "submissions"], [" -m tools.grading grade ", "submissions"]),
        (["book"], [" -m tools.book --profile full"]),
        (
            ["book", "--teachers", "--profile", "smoke"],
            [" -m tools.book --profile smoke --teachers"],
        ),
    ],
)
def test_expensive_commands_print_what_they_would_run(argv, expected):
    result = utils(*argv[:1], "--dry-run", *argv[1:])
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout, result.stdout


def test_test_runs_unit_tests_and_nbval_before_looking_for_the_browser(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.write_text("")
    out = utils("test", "--dry-run", env={"CHROMIUM": str(chromium)}).stdout
    unit, notebooks = out.index("-m pytest tests --ignore="), out.index("--nbval-lax")
    finder = out.index(" -m tools.browser --dry-run")  # a subprocess: utils never imports tools
    browser = out.index("Browser for the explorer's test")  # what it said; the path, its last line:
    assert unit < notebooks < finder < browser < out.index(f"CHROMIUM={chromium}")
    assert "-p tools.nbval_executed" in out  # nbval keeps the executed notebooks for the book
    last = out[out.index(f"CHROMIUM={chromium}") :]
    assert "tests/test_explorer_browser.py tests/test_book_browser.py" in last


def test_test_stops_with_the_finders_message_when_there_is_no_browser(tmp_path):
    result = utils("test", "--dry-run", env={"CHROMIUM": str(tmp_path / "nope")})
    assert result.returncode == 1 and "not a file" in result.stderr
    assert "CHROMIUM=" not in result.stdout  # the browser test was not run


def test_test_colab_prints_its_plan():
    result = utils("test-colab", "--dry-run", timeout=120)
    assert result.returncode == 0, result.stderr
    assert (
        "Colab-like venv" in result.stdout
        and "file://" in result.stdout
        and "--nbval-lax" in result.stdout
    )


def test_setup_in_dry_run_installs_the_lock_into_the_venv():
    result = utils("setup", "--dry-run")
    assert result.returncode == 0
    assert (
        "constraints.txt" in result.stdout or result.stdout == ""
    )  # nothing to do when .venv is ready


def test_the_explorer_runs_voila_as_a_child_that_stops_with_it(tmp_path):
    """`explore` (utils.explorer.app.serve) runs Voilà with subprocess, not os.execve (which on
    Windows returns the prompt and leaves Voilà running); a SIGTERM to it stops Voilà too."""
    import signal
    import time

    pid_file = tmp_path / "child.pid"
    child_script = tmp_path / "voila_stand_in.py"
    child_script.write_text(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(300)\n"
    )
    script = (
        "import sys\n"
        "from utils import quantization\n"
        "from utils.explorer import app\n"
        "quantization.grid = quantization.reference_latencies = lambda *a, **k: None\n"
        f"app.voila_command = lambda port: [sys.executable, {str(child_script)!r}]\n"
        "sys.exit(app.serve(8866, 'smoke'))\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and parent.poll() is None, (
            "Voilà's stand-in never started"
        )
        time.sleep(0.2)
    child = int(pid_file.read_text())
    assert (
        child != parent.pid and parent.poll() is None
    )  # serve waits for Voilà: it did not become it
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) != 0
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(child, 0)
            time.sleep(0.1)
