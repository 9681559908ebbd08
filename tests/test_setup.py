"""The set-up refuses an unsupported Python in one sentence, before pip runs."""

import subprocess
import sys

from utils import config


def check_python(python):
    return subprocess.run(["make", "--no-print-directory", "-C", str(config.ROOT), "check-python",
                           f"PYTHON={python}"], capture_output=True, text=True)


def fake_python(tmp_path, version):
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return script


def test_supported_python_passes():
    result = check_python(sys.executable)
    assert result.returncode == 0, result.stderr


def test_old_python_gets_one_sentence(tmp_path):
    result = check_python(fake_python(tmp_path, "3.9"))
    assert result.returncode != 0
    message = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert len(message) == 1 and "Python 3.9" in message[0] and "3.10-3.13" in message[0]


def test_too_new_python_is_refused(tmp_path):
    assert check_python(fake_python(tmp_path, "3.14")).returncode != 0


def test_missing_python_is_named(tmp_path):
    result = check_python(tmp_path / "nope")
    assert result.returncode != 0 and "No Python found" in result.stderr
