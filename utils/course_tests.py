"""Notebooks 00-08 without make: ``python -m utils test`` and ``test-photos`` (tooling), the
commands that test the whole course: the unit tests, every notebook through nbval (smoke), the
reading budget, then the explorer and the smoke book in headless Chromium; and the series on
harder own photos. Standard library only, like :mod:`utils.__main__`, which dispatches here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from utils import config

ROOT = config.ROOT
PHOTOS = ROOT / "build" / "test-photos"
BROWSER_TEST = "tests/test_explorer_browser.py"
# the smoke book (tools/book.py), built from what nbval executed (tools/nbval_executed.py)
BOOK_TEST = "tests/test_book_browser.py"


def nbval(py: str, folder: Path = ROOT / "notebooks", *plugins: str) -> list:
    loaded = [arg for plugin in plugins for arg in ("-p", plugin)]
    return [py, "-m", "pytest", *loaded, "--nbval-lax", "--nbval-current-env", folder]


def command_test(run, py: str, args) -> int:
    # The grading tests need bubblewrap: apt installs it where missing (Debian-like, root or sudo)
    run([py, "-m", "tools.sandbox"])
    print("== unit tests")
    if run([py, "-m", "pytest", "tests", f"--ignore={BROWSER_TEST}", f"--ignore={BOOK_TEST}"]):
        return 1
    print("== notebooks through nbval, smoke profile")
    plugins = ("tools.nbval_markdown", "tools.nbval_executed")
    if run(nbval(py, ROOT / "notebooks", *plugins), env={"COURSE_PROFILE": "smoke"}):
        return 1
    # The reading budget, with the Markdown the smoke run just generated (tools.nbval_markdown
    # counted it): at most 2,500 words a session, 15,000 for the core (tools/words.py).
    print("== the reading budget")
    if run([py, "-m", "tools.words", "--check", "--from-nbval"]):
        return 1
    # Last, so that the app finds the smoke artifacts nbval has just cached in build/, and so that a
    # missing browser never hides the tests above.
    print("== the explorer app (notebook 08 in Voila), then the smoke book, in headless Chromium")
    chromium = find_browser(py, run.dry_run)
    if chromium is None:
        return 1
    return run([py, "-m", "pytest", BROWSER_TEST, BOOK_TEST], env={"CHROMIUM": chromium})


def find_browser(py: str, dry_run: bool = False) -> str | None:
    """The Chromium for the explorer's test: ``python -m tools.browser`` prints what it does, then
    the browser's path as its last line; None when it found none (it has said why). It runs even
    in a dry run (finding changes nothing; it then only prints the install it would run)."""
    command = [py, "-m", "tools.browser", *(["--dry-run"] if dry_run else [])]
    print("+ " + " ".join(command), flush=True)
    last = None
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as child:
        for line in child.stdout:  # echoed as it comes (apt-get's progress), all but the path
            if last is not None:
                print(last, flush=True)
            last = line.rstrip("\n")
    if child.returncode != 0:
        if last is not None:
            print(last, flush=True)
        return None
    return last


def command_test_photos(run, py: str, args) -> int:
    if run([py, "-m", "tools.make_photos", PHOTOS]):
        return 1
    env = {
        "COURSE_PROFILE": "smoke",
        "COURSE_DATASET": "my_images",
        "COURSE_MY_IMAGES": str(PHOTOS),
        "COURSE_BUILD_DIR": str(ROOT / "build" / "photos"),
    }
    return run(nbval(py), env=env)
