"""Tooling: find a Chromium for the explorer's browser test (notebook 08), the way users have one.

    python -m tools.browser [--dry-run]

In order: ``CHROMIUM`` if set; the system Chromium or Chrome (Linux, macOS); Playwright's own
installed browser. When none is there: on a Debian-like system, as root or with sudo, install
Debian's ``chromium`` package with apt (saying so first); elsewhere stop with the command that
installs Playwright's browser (exit status 1). ``python -m utils test`` runs this command only
after the unit tests and nbval, so a missing browser never hides them; it reads the browser's
path from the last line printed. ``--dry-run`` prints the apt commands instead of running them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

INSTALL_PLAYWRIGHT = f"{Path(sys.executable).name} -m playwright install chromium"
LINUX_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MACOS_APPS = (
    "Chromium.app/Contents/MacOS/Chromium",
    "Google Chrome.app/Contents/MacOS/Google Chrome",
)


class BrowserMissing(RuntimeError):
    """No Chromium, and none could be installed here: the message says what to run."""


def system_browser(
    system: str | None = None, which=shutil.which, home: Path | None = None
) -> Path | None:
    """The system's Chromium or Chrome on Linux and macOS (None elsewhere or when absent)."""
    system = system or platform.system()
    if system == "Linux":
        for name in LINUX_NAMES:
            found = which(name)
            if found:
                return Path(found)
    elif system == "Darwin":
        for folder in (Path("/Applications"), (home or Path.home()) / "Applications"):
            for app in MACOS_APPS:
                if (folder / app).is_file():
                    return folder / app
    return None


def playwright_browser() -> Path | None:
    """The Chromium that ``playwright install chromium`` put in Playwright's cache, if any."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = Path(playwright.chromium.executable_path)
    except Exception:  # Playwright missing or its driver cannot start: no browser from it
        return None
    return path if path.is_file() else None


def debian_like() -> bool:
    return Path("/etc/debian_version").is_file() and shutil.which("apt-get") is not None


def find(
    environ=os.environ, system: str | None = None, which=shutil.which, playwright=playwright_browser
) -> Path | None:
    """The first browser found, in the documented order, or None."""
    if environ.get("CHROMIUM"):
        path = Path(environ["CHROMIUM"])
        if not path.is_file():
            raise BrowserMissing(
                f"CHROMIUM is set to {path}, which is not a file: point it at a Chromium "
                f"or Chrome executable, or unset it."
            )
        return path
    return system_browser(system, which) or playwright()


def apt_command(is_root: bool, which=shutil.which, package: str = "chromium") -> list[str] | None:
    """apt-get's install command for ``package`` as root or through sudo; None when neither is
    possible."""
    if is_root:
        prefix = []
    elif which("sudo"):
        prefix = ["sudo"]
    else:
        return None
    return [*prefix, "apt-get", "install", "-y", "-q", package]


def apt_install(command: list[str], run=subprocess.run) -> list[str] | None:
    """Run ``apt-get update`` then ``command`` (from :func:`apt_command`), non-interactively;
    the step that failed, or None when both ran."""
    update = [*command[: command.index("apt-get")], "apt-get", "update", "-q"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (update, command):
        if run(step, env=env).returncode != 0:
            return step
    return None


def ensure(
    say=print,
    dry_run: bool = False,
    finder=find,
    debian=debian_like,
    is_root: bool | None = None,
    run=subprocess.run,
    installed=lambda: system_browser("Linux"),
) -> Path:
    """A browser's path: found, or installed with apt on Debian-like systems after saying so."""
    found = finder()
    if found:
        say(f"Browser for the explorer's test: {found}")
        return found
    is_root = (hasattr(os, "geteuid") and os.geteuid() == 0) if is_root is None else is_root
    command = apt_command(is_root) if debian() else None
    if command is None:
        raise BrowserMissing(
            "The explorer's browser test needs Chromium and none was found (CHROMIUM, the "
            f"system's Chromium or Chrome, Playwright's): run `{INSTALL_PLAYWRIGHT}`, or "
            "set CHROMIUM=/path/to/chromium, then run the tests again."
        )
    say(
        "No Chromium found: installing Debian's chromium package with apt-get for the explorer's "
        f"browser test ({' '.join(command)}) ..."
    )
    if dry_run:
        say("+ " + " ".join([*command[: command.index("apt-get")], "apt-get", "update", "-q"]))
        say("+ " + " ".join(command))
        return Path("/usr/bin/chromium")
    failed = apt_install(command, run)
    if failed is not None:
        raise BrowserMissing(
            f"`{' '.join(failed)}` failed: install Chromium yourself, or run "
            f"`{INSTALL_PLAYWRIGHT}`, then run the tests again."
        )
    path = installed()
    if path is None:
        raise BrowserMissing(
            f"apt-get installed chromium but no browser is on PATH: run `{INSTALL_PLAYWRIGHT}`."
        )
    return path


def main(argv: list[str] | None = None) -> int:
    """Find (or install) the browser; print what it did, then the browser's path as the last
    line."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.browser",
        description=__doc__.split("\n\n")[0].removeprefix("Tooling: "),
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the apt commands, run nothing"
    )
    args = parser.parse_args(argv)
    try:
        path = ensure(say=lambda text: print(text, flush=True), dry_run=args.dry_run)
    except BrowserMissing as missing:
        print(missing, file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
