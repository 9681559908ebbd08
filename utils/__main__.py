"""Notebooks 00-08 without make: the course's commands (tooling), ``python -m utils <command>``.

    python -m utils setup         create .venv (if missing or half-made), install the lock into it
    python -m utils setup-check   the environment check of notebook 00, in the terminal
    python -m utils run           execute every notebook, render HTML and a summary into build/
    python -m utils test          unit tests, every notebook through nbval (smoke), then the
                                  explorer in headless Chromium (looked for only then)
    python -m utils test-photos   every notebook (smoke) on harder own photos (train/, test/ only)
    python -m utils test-colab    every notebook (smoke) outside the repository in a Colab-like venv
    python -m utils reference     run in full, then save its numbers as data/reference_results.json
    python -m utils lab           JupyterLab on 127.0.0.1, opened in student/ (--instructor:
                                  notebooks/, the copies with the solutions); only a local Host
                                  is answered, at most 6 kernels, unused ones culled after 1 h
    python -m utils explore       the trade-off explorer as a web app on http://127.0.0.1:8866/
    python -m utils assignments   nbgrader releases every notebook into build/nbgrader/release/
    python -m utils grade FOLDER  nbgrader autogrades FOLDER (one folder per student, smoke
                                  profile), each submission in a sandbox (bubblewrap):
                                  feedback, grades.csv and flagged.csv in build/nbgrader/
    python -m utils book          the course as a Jupyter Book site in build/book/ (student copies,
                                  outputs of the last run; runs them first when missing);
                                  --teachers: build/book-teachers/, solutions and the guide
    python -m utils bundle        pack the built artifacts into one class bundle (--out FILE);
                                  --unpack PATH-OR-URL unpacks one into build/, verified
    python -m utils device-bundle the models, images and one script to time them on your device
    python -m utils device-import FILE   that script's results.json as a measured device
    python -m utils clean         delete build/ (everything generated; .venv stays)

Any Python 3.11-3.13 can run these: when it is not already the course's environment (a virtual
environment or conda environment with the course installed), the commands run with .venv's Python,
which ``setup`` creates first. ``--dry-run`` prints the commands instead of running them.
Only the standard library is imported here, so that a bare Python can set up the course; the
machinery runs in the course's Python as ``python -m tools.<module>`` (runner, grading, browser,
colab, make_photos, book), always as a subprocess: ``utils`` never imports ``tools``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from utils import config, kernel_guard  # both: standard library only
from utils.course_tests import command_test, command_test_photos  # standard library only

ROOT = config.ROOT
VENV = ROOT / ".venv"
STAMP = ".ready"  # in the venv: the lock was installed completely
PYTHON_RANGE = ((3, 11), (3, 13))


def python_problem(
    version: tuple[int, int] | None = None, executable: str = sys.executable
) -> str | None:
    """One sentence when this Python cannot run the course, else None."""
    version = version or tuple(sys.version_info[:2])
    low, high = PYTHON_RANGE
    if low <= version <= high:
        return None
    return (
        f"{executable} is Python {version[0]}.{version[1]}, but the course needs Python "
        "3.11-3.13 (3.11 is tested; TensorFlow has no wheel for 3.14): install one and run it, "
        "for example `py -3.11 -m utils setup` on Windows or `make PYTHON=python3.11 setup` "
        "elsewhere."
    )


def venv_python(venv: Path = VENV) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def in_course_environment() -> bool:
    """This interpreter is a virtual or conda environment (e.g. .venv itself) with the course
    installed: run the commands here instead of in .venv."""
    in_env = sys.prefix != sys.base_prefix or os.environ.get("CONDA_PREFIX") == sys.prefix
    if not in_env:
        return False
    try:
        import importlib.metadata

        importlib.metadata.version("dl-training-vs-inference")
    except Exception:
        return False
    return True


def venv_state(venv: Path = VENV) -> str:
    """'missing', 'half-made' (no Python or no pip inside), 'stale' (lock not (re)installed) or
    'ready'."""
    python = venv_python(venv)
    if not venv.exists():
        return "missing"
    if (
        not python.is_file()
        or subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode
        != 0
    ):
        return "half-made"
    stamp = venv / STAMP
    inputs = [ROOT / "pyproject.toml", ROOT / "constraints.txt"]
    if not stamp.is_file() or any(p.stat().st_mtime > stamp.stat().st_mtime for p in inputs):
        return "stale"
    return "ready"


class Runner:
    """Prints each command, then runs it (or only prints it with --dry-run)."""

    def __init__(self, dry_run: bool = False):
        self.dry_run = dry_run

    def __call__(self, command: list, env: dict | None = None, cwd: Path = ROOT) -> int:
        shown = " ".join(str(c) for c in command)
        extra = " ".join(f"{k}={v}" for k, v in (env or {}).items())
        print(f"+ {extra + ' ' if extra else ''}{shown}", flush=True)
        if self.dry_run:
            return 0
        return subprocess.run(
            [str(c) for c in command], cwd=cwd, env={**os.environ, **(env or {})}
        ).returncode


def setup(run: Runner, venv: Path = VENV, python: str = sys.executable) -> int:
    """Create the venv when missing (rebuild a half-made one) and install the lock, with pip's
    progress shown: the first install downloads TensorFlow and takes a few minutes."""
    problem = python_problem(executable=python) if python == sys.executable else None
    if problem:
        print(problem, file=sys.stderr)
        return 1
    state = venv_state(venv)
    if state == "ready":
        return 0
    if state == "half-made":
        print(
            f"{venv} is half-made (no pip inside: an earlier set-up stopped): deleting and "
            "rebuilding it."
        )
        if not run.dry_run:
            shutil.rmtree(venv)
    if state in ("missing", "half-made"):
        print(f"Creating {venv} with Python {sys.version.split()[0]} ...")
        if run([python, "-m", "venv", venv]):
            return 1
    print(
        "Installing the course's tested packages (constraints.txt) into the venv: the first time "
        "downloads TensorFlow and takes a few minutes ...",
        flush=True,
    )
    py = venv_python(venv)
    code = run([py, "-m", "pip", "install", "--upgrade", "pip"]) or run(
        [py, "-m", "pip", "install", "-c", ROOT / "constraints.txt", "-e", f"{ROOT}[test,book]"]
    )
    if code == 0 and not run.dry_run:
        (venv / STAMP).write_text("installed constraints.txt\n")
    return code


def course_python(run: Runner) -> str | None:
    """The Python that runs the course's commands: this one inside the course's environment,
    else .venv's (set up first when needed)."""
    if in_course_environment():
        return sys.executable
    if setup(run):
        return None
    return str(venv_python())


def command_clean(run: Runner, args) -> int:
    """Delete the build folder (only it: .venv, notebooks and your photos stay)."""
    build = Path(args.build_dir) if args.build_dir else ROOT / "build"
    if not build.exists():
        print(f"Nothing to clean: {build} does not exist.")
        return 0
    print(f"Deleting {build} (everything generated; .venv stays) ...")
    if not run.dry_run:
        shutil.rmtree(build)
    return 0


def command_assignments(run: Runner, py: str, args) -> int:
    return run([py, "-m", "tools.grading", "assignments"])


def command_grade(run: Runner, py: str, args) -> int:
    if not args.submissions:
        print(
            "Name the folder of submissions, one folder per student: make grade "
            "SUBMISSIONS=folder (python -m utils grade folder).",
            file=sys.stderr,
        )
        return 1
    trusted = ["--trusted-submissions"] if args.trusted_submissions else []
    return run([py, "-m", "tools.grading", "grade", Path(args.submissions).resolve(), *trusted])


def command_bundle(run: Runner, py: str, args) -> int:
    """Pack the active profile's built artifacts into one file, or unpack one (utils.bundle)."""
    options = ["--profile", args.profile]
    options += ["--out", args.out] if args.out else []
    options += ["--unpack", args.unpack] if args.unpack else []
    return run([py, "-m", "utils.bundle", *options])


def command_device(run: Runner, py: str, args) -> int:
    """The device bundle (utils.device.bundle) or its results brought back (.imported)."""
    if args.command == "device-bundle":
        return run([py, "-m", "utils.device.bundle", *(["--out", args.out] if args.out else [])])
    named = ["--name", args.name] if args.name else []
    return run([py, "-m", "utils.device.imported", Path(args.file).resolve(), *named])


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m utils",
        description="The course's commands (what make runs).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n")[1],
    )
    commands = top.add_subparsers(dest="command", metavar="command")

    def add(name, text):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--dry-run", action="store_true", help="print the commands instead of running them"
        )
        return sub

    add(
        "setup",
        "create .venv (if missing or half-made) and install the lock (constraints.txt) into it",
    )
    add("setup-check", "the environment check of notebook 00")
    add("run", "execute every notebook, render HTML and a summary into build/").add_argument(
        "--profile",
        default=os.environ.get("PROFILE", config.DEFAULT_PROFILE),
        choices=sorted(config.PROFILES),
    )
    add(
        "test",
        "unit tests, nbval (smoke) on every notebook, then the explorer in headless Chromium",
    )
    add("test-photos", "every notebook (smoke) on harder own photos with only train/ and test/")
    add(
        "test-colab",
        "every notebook (smoke) outside the repository in a Colab-like venv "
        "(python -m tools.colab)",
    )
    add(
        "reference",
        "run in full, then save its numbers as data/reference_results.json (maintainers)",
    )
    add(
        "lab",
        "JupyterLab on 127.0.0.1, opened in student/ (other options go to jupyter lab)",
    ).add_argument(
        "--instructor",
        action="store_true",
        help="open notebooks/, the instructor's copies with the solutions, instead",
    )
    explore = add("explore", "the trade-off explorer (notebook 08) as a web app")
    explore.add_argument("--port", type=int, default=8866)
    explore.add_argument(
        "--profile",
        default=os.environ.get("PROFILE", config.DEFAULT_PROFILE),
        choices=sorted(config.PROFILES),
    )
    add(
        "assignments",
        "nbgrader generate_assignment for every notebook, into build/nbgrader/release/",
    )
    grade = add(
        "grade",
        "nbgrader autograde (smoke) a folder of submissions, each in a sandbox; feedback, "
        "grades.csv and flagged.csv in build/nbgrader/",
    )
    grade.add_argument("submissions", nargs="?", help="one folder per student")
    grade.add_argument(
        "--trusted-submissions",
        action="store_true",
        help="where no sandbox can be made (macOS, Windows): grade anyway, with your privileges",
    )
    book = add("book", "the course as a Jupyter Book site in build/book/ (make run's notebooks)")
    book.add_argument(
        "--teachers", action="store_true", help="build/book-teachers/: solutions, the guide"
    )
    book.add_argument(  # the profile make run runs in when executed copies are missing
        "--profile",
        default=os.environ.get("PROFILE", config.DEFAULT_PROFILE),
        choices=sorted(config.PROFILES),
    )
    bundle = add(
        "bundle",
        "pack the built artifacts (their recipe keys, checksums and this machine) into one class "
        "bundle, or --unpack one into build/",
    )
    bundle.add_argument(
        "--out", help="the bundle's file (default: build/course-bundle-<profile>.tar.gz)"
    )
    bundle.add_argument("--unpack", metavar="PATH", help="unpack this bundle (a path or a URL)")
    bundle.add_argument(
        "--profile",
        default=os.environ.get("PROFILE")
        or os.environ.get(config.PROFILE_VARIABLE)
        or config.DEFAULT_PROFILE,
        choices=sorted(config.PROFILES),
    )
    add(
        "device-bundle", "the models, images and a script to time them on your device"
    ).add_argument(
        "--out", help="the folder (a .zip beside it; default: build/device-bundle-<profile>)"
    )
    device = add("device-import", "the device script's results.json as a measured device")
    device.add_argument("file", help="the results.json written on the device")
    device.add_argument("--name", help="the device's name (default: its machine and CPUs)")
    add("clean", "delete build/ (everything generated; .venv stays)").add_argument(
        "--build-dir", help="the folder to delete (default: build/ in the course folder)"
    )
    return top


def lab_folder(instructor: bool = False) -> Path:
    """Where JupyterLab opens: the student copies (``student/``, no solutions), or with
    ``instructor`` the source notebooks (``notebooks/``, the solutions under each question)."""
    return config.NOTEBOOKS_DIR if instructor else ROOT / "student"


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args, extra = top.parse_known_args(argv)
    if extra and args.command != "lab":
        top.error(f"unrecognized arguments: {' '.join(extra)}")
    if not args.command:
        top.print_help()
        return 0
    run = Runner(args.dry_run)
    if args.command == "clean":
        return command_clean(run, args)
    if args.command == "setup":
        return setup(run)
    problem = python_problem()
    if problem and not in_course_environment():
        print(problem, file=sys.stderr)
        return 1
    py = course_python(run)
    if py is None:
        return 1
    simple = {
        "setup-check": [
            py,
            "-c",
            "import sys; from utils import environment; "
            "sys.exit(0 if environment.report(environment.check()) else 1)",
        ],
        "run": [py, "-m", "tools.runner", "--profile", getattr(args, "profile", "full")],
        "reference": [py, "-m", "tools.runner", "--profile", "full", "--update-reference"],
        "test-colab": [py, "-m", "tools.colab"] + (["--dry-run"] if args.dry_run else []),
        "lab": [
            py,
            "-m",
            "jupyterlab",
            "--ServerApp.ip=127.0.0.1",
            *kernel_guard.lab_options(),  # the Host check, the kernel bound, the culler
            f"--ServerApp.root_dir={lab_folder(getattr(args, 'instructor', False))}",
            *extra,
        ],
        "book": [
            py,
            "-m",
            "tools.book",
            "--profile",
            getattr(args, "profile", "full"),
            *(["--teachers"] if getattr(args, "teachers", False) else []),
        ],
        "explore": [
            py,
            "-m",
            "utils.explorer",
            "--profile",
            getattr(args, "profile", "full"),
            "--port",
            str(getattr(args, "port", 8866)),
        ],
    }
    if args.command == "test-colab" and args.dry_run:
        # the Colab check's own dry run prints what it would build and run
        return subprocess.run([str(c) for c in simple["test-colab"]], cwd=ROOT).returncode
    if args.command in simple:
        return run(simple[args.command])
    handlers = {
        "test": command_test,
        "test-photos": command_test_photos,
        "assignments": command_assignments,
        "grade": command_grade,
        "bundle": command_bundle,
        "device-bundle": command_device,
        "device-import": command_device,
    }
    return handlers[args.command](run, py, args)


if __name__ == "__main__":
    sys.exit(main())
