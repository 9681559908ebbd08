"""Tooling: the Colab path proven, every notebook outside the repository in a Colab-like venv.

Each notebook, opened outside the repository in a Colab-like environment, fetches the course with
its bootstrap cell and passes nbval in the smoke profile.

    python -m tools.colab            # build (or reuse) the venv, then the check (make test-colab)
    python -m tools.colab venv       # only build the venv
    python -m tools.colab --dry-run  # print what it would run
    python -m tools.colab --notebook 00_start_here  # only the notebooks named (repeatable)

1. **A Colab-like venv** from ``tools/colab_pins.txt`` (Colab's published versions of the packages
   the course touches), on the newest Python this machine has that TensorFlow supports
   (``COLAB_PYTHON`` overrides; Colab itself runs 3.13). It is cached under ``build/colab/``, keyed
   by the pin list and the Python version; a half-made one (no ready marker) is rebuilt. The only
   package added that Colab lacks is nbval, the test runner.
2. **Reset** it to those packages: whatever an earlier run's bootstrap cell installed is
   uninstalled, so that every run proves the install step again.
3. **A local clone** of this checkout's HEAD (``file://``) is what the bootstrap cell fetches
   (``COURSE_REPO``/``COURSE_REF``/``COURSE_HOME``); the notebooks are copied from that commit into
   a temporary folder outside the repository, and the bootstrap cell is inserted into the copies
   (``tools/bootstrap_cell.py``), as the committed notebooks have it. The cell fetches the course
   and runs that commit's ``tools/colab_setup.py``: commit before running the check.
4. **nbval** runs every copy in the smoke profile, with ``COURSE_BUILD_DIR`` at
   ``build/colab/drive`` (on Colab, a Google Drive folder: artifacts survive a runtime reset).

It runs the instructor's notebooks (``notebooks/``): nbval needs the solutions to run a notebook
to its end. A student copy (``student/``, what a student's Colab badge opens) stops at its first
unanswered exercise by design; ``tests/test_student_copies.py`` runs one to that stop.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tools import bootstrap_cell

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tools" / "colab_pins.txt"
HARNESS = ["nbval==0.11.0"]  # the test runner: not part of Colab, not used by the notebooks
WORK = ROOT / "build" / "colab"
PYTHONS = ("3.13", "3.12", "3.11")  # newest first: Colab runs 3.13
READY = ".colab-ready"
BASE = ".colab-base.txt"  # pip freeze right after the build: what a reset returns to


def find_python() -> Path:
    """``COLAB_PYTHON``, else the newest supported Python that runs, from pyenv or PATH."""
    if os.environ.get("COLAB_PYTHON"):
        return Path(os.environ["COLAB_PYTHON"])
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in PYTHONS:
        candidates = sorted(pyenv.glob(f"{version}.*/bin/python"), reverse=True)
        candidates += [Path(p) for p in filter(None, [shutil.which(f"python{version}")])]
        for candidate in candidates:  # a pyenv shim of an inactive version does not run
            if (
                subprocess.run(
                    [str(candidate), "-c", "import venv"], capture_output=True
                ).returncode
                == 0
            ):
                return candidate
    sys.exit("No Python 3.11-3.13 found for the Colab-like venv: install one, or set COLAB_PYTHON.")


def python_version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def venv_dir(python: Path) -> Path:
    key = hashlib.sha256(
        PINS.read_bytes() + " ".join(HARNESS).encode() + python_version(python).encode()
    ).hexdigest()[:12]
    return WORK / f"venv-{key}"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(command: list, dry_run: bool, **kwargs) -> subprocess.CompletedProcess | None:
    print("+", " ".join(str(c) for c in command), flush=True)
    if dry_run:
        return None
    return subprocess.run([str(c) for c in command], **{"check": True, **kwargs})


def build_venv(python: Path, dry_run: bool = False) -> Path:
    """The cached Colab-like venv (built when missing or half-made; shows pip's progress)."""
    venv = venv_dir(python)
    if (venv / READY).is_file() and venv_python(venv).is_file():
        print(f"Colab-like venv: {venv.relative_to(ROOT)} (cached)")
        return venv
    if venv.exists():
        print(f"{venv.relative_to(ROOT)} is half-made (an earlier build stopped): rebuilding it.")
        if not dry_run:
            shutil.rmtree(venv)
    print(
        f"Building the Colab-like venv {venv.relative_to(ROOT)} with Python "
        f"{python_version(python)} from tools/colab_pins.txt (downloads TensorFlow the first "
        "time: several minutes) ..."
    )
    run([python, "-m", "venv", venv], dry_run)
    py = venv_python(venv)
    run([py, "-m", "pip", "install", "--upgrade", "pip"], dry_run)
    run([py, "-m", "pip", "install", "-r", PINS, *HARNESS], dry_run)
    if not dry_run:
        freeze = subprocess.run(
            [py, "-m", "pip", "freeze"], capture_output=True, text=True, check=True
        )
        (venv / BASE).write_text(freeze.stdout)
        (venv / READY).write_text("ok\n")
    return venv


def freeze(py: Path) -> dict[str, str]:
    """{lower-case name: its `pip freeze` line}."""
    out = subprocess.run(
        [py, "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout
    return {
        line.split("==")[0].split(" @ ")[0].lower(): line
        for line in out.splitlines()
        if line.strip()
    }


def reset(venv: Path, dry_run: bool = False) -> None:
    """Back to the venv as built: uninstall what an earlier run's bootstrap cell added, and put back
    the versions it changed (e.g. protobuf, absl-py)."""
    py = venv_python(venv)
    if dry_run:
        print(
            f"+ {py} -m pip uninstall -y <packages not in {BASE}>; "
            "pip install <changed versions back>"
        )
        return
    base = {
        line.split("==")[0].split(" @ ")[0].lower(): line
        for line in (venv / BASE).read_text().splitlines()
        if line.strip()
    }
    now = freeze(py)
    extra = sorted(set(now) - set(base))
    changed = sorted(base[name] for name in base if now.get(name) != base[name])
    if extra:
        print(f"Resetting the venv to Colab's packages: uninstalling {', '.join(extra)}")
        run([py, "-m", "pip", "uninstall", "-y", *extra], dry_run, stdout=subprocess.DEVNULL)
    if changed:
        print(f"Resetting the venv to Colab's packages: {', '.join(changed)}")
        run([py, "-m", "pip", "install", "--no-deps", *changed], dry_run, stdout=subprocess.DEVNULL)


def selected(names: list[str] | None, folder: Path = ROOT / "notebooks") -> list[str]:
    """The notebook files to check: those named (``00_start_here`` or ``00_start_here.ipynb``),
    else every notebook in ``folder``."""
    every = sorted(p.name for p in folder.glob("*.ipynb"))
    if not names:
        return every
    wanted = [name if name.endswith(".ipynb") else f"{name}.ipynb" for name in names]
    unknown = [name for name in wanted if name not in every]
    if unknown:
        raise ValueError(
            f"No notebook {', '.join(unknown)} in {folder}: name one of "
            f"{', '.join(n.removesuffix('.ipynb') for n in every)}."
        )
    return wanted


def check(
    venv: Path,
    dry_run: bool = False,
    ref: str = "HEAD",
    keep: bool = False,
    only: list[str] | None = None,
) -> int:
    """Clone, copy, insert the bootstrap cell, run nbval (on the notebooks named in ``only``, else
    on every one); returns pytest's exit status."""
    names = selected(only)
    py = venv_python(venv)
    temp = Path(tempfile.mkdtemp(prefix="course-colab-"))
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", ref], capture_output=True, text=True, check=True
        ).stdout.strip()
        source = temp / "source"
        run(["git", "clone", "--quiet", "--no-checkout", ROOT.as_uri(), source], dry_run)
        run(["git", "-C", source, "checkout", "--quiet", commit], dry_run)
        notebooks = temp / "notebooks"
        shown = "*.ipynb" if not only else "{" + ",".join(names) + "}"
        print(f"+ copy {source}/notebooks/{shown} to {notebooks} and insert the bootstrap cell")
        if not dry_run:
            notebooks.mkdir()
            for name in names:
                shutil.copy(source / "notebooks" / name, notebooks / name)
            bootstrap_cell.update_folder(notebooks)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("COURSE_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))
        }
        env.update(
            COURSE_REPO=ROOT.as_uri(),
            COURSE_REF=commit,
            COURSE_HOME=str(temp / "course"),
            COURSE_PROFILE="smoke",
            COURSE_BUILD_DIR=str(WORK / "drive"),
            PATH=os.pathsep.join([str(py.parent), env.get("PATH", "")]),
            MPLBACKEND="agg",
        )
        print(
            f"COURSE_REPO={env['COURSE_REPO']} COURSE_REF={commit[:12]} "
            f"COURSE_HOME={env['COURSE_HOME']} COURSE_BUILD_DIR={env['COURSE_BUILD_DIR']} "
            "(Drive on Colab)"
        )
        started = time.monotonic()
        result = run(
            [
                py,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "--nbval-lax",
                "--nbval-current-env",
                "--rootdir",
                notebooks,
                notebooks,
            ],
            dry_run,
            cwd=temp,
            env=env,
            check=False,
        )
        if result is None:
            return 0
        print(
            f"Colab-like nbval: exit status {result.returncode} after "
            f"{time.monotonic() - started:.0f} s"
        )
        return result.returncode
    finally:
        if keep:
            print(f"Kept {temp}")
        else:
            shutil.rmtree(temp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.colab", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("step", nargs="?", choices=["all", "venv", "versions"], default="all")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    parser.add_argument(
        "--ref", default="HEAD", help="the commit of this checkout to test (default HEAD)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--notebook",
        action="append",
        metavar="NAME",
        help="check only this notebook, e.g. 00_start_here (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        selected(args.notebook)
    except ValueError as error:
        parser.error(str(error))
    python = find_python()
    venv = build_venv(python, args.dry_run)
    if args.step == "versions" and not args.dry_run:
        subprocess.run([venv_python(venv), "-m", "pip", "list"], check=True)
    if args.step != "all":
        return 0
    reset(venv, args.dry_run)
    return check(venv, args.dry_run, args.ref, args.keep, args.notebook)


if __name__ == "__main__":
    sys.exit(main())
