"""The set-up (python -m utils setup, what make setup runs): refuses an unsupported Python in one
sentence before pip runs, shows pip's progress, installs the lock, and rebuilds a half-made venv."""

import os
import subprocess
import sys

import pytest

from utils import __main__ as course
from utils import config


@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13)])
def test_supported_pythons_pass(version):
    assert course.python_problem(version) is None


@pytest.mark.parametrize("version", [(3, 9), (3, 10), (3, 14)])
def test_other_pythons_get_one_sentence_naming_the_fix(version):
    problem = course.python_problem(version, "/usr/bin/python3")
    assert problem.count(". ") == 0 and problem.endswith(".")
    assert (
        f"Python {version[0]}.{version[1]}" in problem
        and "3.11-3.13" in problem
        and "py -3.11" in problem
    )


def test_an_unsupported_python_stops_before_pip(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(course, "python_problem", lambda *a, **k: "Python 3.10 is too old.")
    assert course.setup(course.Runner(dry_run=True), venv=tmp_path / "venv") == 1
    out, err = capsys.readouterr()
    assert err.strip() == "Python 3.10 is too old." and "pip" not in out


def fake_venv(tmp_path, pip_works):
    venv = tmp_path / "venv"
    python = course.venv_python(venv)
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\nexit {0 if pip_works else 1}\n")
    python.chmod(0o755)
    return venv


def test_a_missing_venv_is_created_and_the_lock_installed_with_progress(tmp_path, capsys):
    venv = tmp_path / "venv"
    assert course.venv_state(venv) == "missing"
    assert course.setup(course.Runner(dry_run=True), venv=venv) == 0
    out = capsys.readouterr().out
    assert f"-m venv {venv}" in out
    assert f"-m pip install -c {config.ROOT / 'constraints.txt'} -e {config.ROOT}[test,book]" in out
    assert "--quiet" not in out and " -q" not in out  # the first install shows progress
    assert "takes a few minutes" in out


def test_a_half_made_venv_is_detected_and_rebuilt(tmp_path, capsys):
    venv = fake_venv(tmp_path, pip_works=False)
    assert course.venv_state(venv) == "half-made"
    assert course.setup(course.Runner(dry_run=True), venv=venv) == 0
    out = capsys.readouterr().out
    assert "half-made" in out and f"-m venv {venv}" in out and "pip install -c" in out


def test_a_venv_without_the_lock_installed_is_completed_not_rebuilt(tmp_path, capsys):
    venv = fake_venv(tmp_path, pip_works=True)
    assert course.venv_state(venv) == "stale"
    course.setup(course.Runner(dry_run=True), venv=venv)
    out = capsys.readouterr().out
    assert "-m venv" not in out and "pip install -c" in out


def test_a_ready_venv_is_left_alone_until_the_lock_changes(tmp_path, capsys):
    venv = fake_venv(tmp_path, pip_works=True)
    (venv / course.STAMP).write_text("")
    assert course.venv_state(venv) == "ready"
    assert course.setup(course.Runner(dry_run=True), venv=venv) == 0
    assert capsys.readouterr().out == ""
    old = (config.ROOT / "constraints.txt").stat().st_mtime - 10
    os.utime(venv / course.STAMP, (old, old))
    assert course.venv_state(venv) == "stale"


def test_a_real_unsupported_python_is_refused_by_the_command(tmp_path):
    """`python -m utils run` under Python 3.10 (pyenv's, when this machine has it) says so."""
    old = (
        next(
            iter(
                sorted(
                    (os.path.expanduser("~/.pyenv/versions/") + v + "/bin/python")
                    for v in os.listdir(os.path.expanduser("~/.pyenv/versions"))
                    if v.startswith("3.10.")
                )
            ),
            None,
        )
        if os.path.isdir(os.path.expanduser("~/.pyenv/versions"))
        else None
    )
    if old is None:  # no Python 3.10 here: the same check through the function
        assert course.python_problem((3, 10))
        return
    result = subprocess.run(
        [old, "-m", "utils", "run", "--dry-run"],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert (
        result.returncode == 1 and "Python 3.10" in result.stderr and "3.11-3.13" in result.stderr
    )
    assert "pip" not in result.stdout
