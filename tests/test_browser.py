"""tools.browser finds Chromium in the documented order and installs one only where it may."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools import browser
from utils import config

ROOT = config.ROOT


def no_playwright():
    return None


def test_chromium_variable_comes_first(tmp_path):
    exe = tmp_path / "my-chromium"
    exe.write_text("")
    found = browser.find(
        {"CHROMIUM": str(exe)},
        system="Linux",
        which=lambda name: "/usr/bin/chromium",
        playwright=lambda: Path("/elsewhere"),
    )
    assert found == exe


def test_a_chromium_variable_naming_nothing_is_an_error(tmp_path):
    with pytest.raises(browser.BrowserMissing, match="not a file"):
        browser.find({"CHROMIUM": str(tmp_path / "nope")}, system="Linux")


def test_linux_uses_the_system_browser_before_playwrights():
    found = browser.find(
        {},
        system="Linux",
        which=lambda name: "/opt/bin/google-chrome" if name == "google-chrome" else None,
        playwright=lambda: Path("/cache/chrome"),
    )
    assert found == Path("/opt/bin/google-chrome")


def test_macos_finds_chrome_in_applications(tmp_path, monkeypatch):
    app = tmp_path / "Applications" / "Google Chrome.app" / "Contents" / "MacOS" / "Google Chrome"
    app.parent.mkdir(parents=True)
    app.write_text("")
    assert browser.system_browser("Darwin", home=tmp_path) == app


def test_playwrights_browser_when_the_system_has_none():
    found = browser.find(
        {},
        system="Windows",
        which=lambda name: "/usr/bin/chromium",
        playwright=lambda: Path("/pw/chrome"),
    )
    assert found == Path("/pw/chrome")  # Windows: no system lookup, Playwright's own


def test_debian_as_root_says_so_before_installing():
    said, ran = [], []

    class Done:
        returncode = 0

    def run(command, env):
        ran.append(command)
        assert said, "installed before saying so"
        return Done()

    path = browser.ensure(
        say=said.append,
        finder=lambda: None,
        debian=lambda: True,
        is_root=True,
        run=run,
        installed=lambda: Path("/usr/bin/chromium"),
    )
    assert path == Path("/usr/bin/chromium")
    assert "installing Debian's chromium package" in said[0]
    assert ran == [["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]]
    with pytest.raises(
        browser.BrowserMissing, match="no browser is on PATH"
    ):  # apt said yes, yet no browser
        browser.ensure(
            say=said.append,
            finder=lambda: None,
            debian=lambda: True,
            is_root=True,
            run=run,
            installed=lambda: None,
        )


def test_sudo_is_used_when_not_root():
    assert browser.apt_command(False, which=lambda name: "/usr/bin/sudo")[:2] == ["sudo", "apt-get"]
    assert browser.apt_command(False, which=lambda name: None) is None


def test_elsewhere_it_stops_with_the_playwright_command():
    with pytest.raises(browser.BrowserMissing) as missing:
        browser.ensure(
            say=lambda text: None, finder=lambda: None, debian=lambda: False, is_root=True
        )
    assert "-m playwright install chromium" in str(missing.value)


def test_a_found_browser_is_named_and_nothing_installed():
    said = []
    path = browser.ensure(
        say=said.append,
        finder=lambda: Path("/usr/bin/chromium"),
        debian=lambda: True,
        run=lambda *a, **k: pytest.fail("installed although one was found"),
    )
    assert path == Path("/usr/bin/chromium") and "/usr/bin/chromium" in said[0]


def test_as_a_command_it_prints_the_browser_as_its_last_line(tmp_path):
    exe = tmp_path / "my-chromium"
    exe.write_text("")
    found = subprocess.run(
        [sys.executable, "-m", "tools.browser", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CHROMIUM": str(exe)},
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [f"Browser for the explorer's test: {exe}", str(exe)]
    missing = subprocess.run(
        [sys.executable, "-m", "tools.browser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CHROMIUM": str(tmp_path / "nope")},
    )
    assert missing.returncode == 1 and missing.stdout == "" and "not a file" in missing.stderr
