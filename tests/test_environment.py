"""The start-here environment check finds each problem and says how to fix it."""

import importlib.metadata
import subprocess
import sys
import types

import pytest

from utils import environment


@pytest.mark.parametrize("version, ok", [((3, 9), False), ((3, 10), True), ((3, 11), True), ((3, 13), True), ((3, 14), False)])
def test_python_range(version, ok):
    check = environment.check_python(version)
    assert check.ok is ok
    assert ("3.10–3.13" in check.fix) is not ok


def test_pins_match_this_environment():
    checks = environment.check_pins()
    assert {c.name for c in checks} >= {"tensorflow", "tf-keras", "tensorflow-model-optimization"}
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_a_wrong_version_is_reported_with_the_install_command(monkeypatch):
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "2.99.0" if name == "tensorflow" else real(name))
    (tf,) = [c for c in environment.check_pins() if c.name == "tensorflow"]
    assert not tf.ok and tf.found == "2.99.0" and tf.fix == "pip install 'tensorflow==2.21.0'"


def test_keras_3_is_caught_with_the_fix():
    fake_tf = types.SimpleNamespace(keras=types.SimpleNamespace(__name__="keras._tf_keras.keras"))
    check = environment.check_keras(fake_tf)
    assert not check.ok and "Keras 3" in check.found and "Restart the kernel" in check.fix


def test_importing_tensorflow_before_utils_is_caught():
    script = (
        "import os; os.environ['TF_USE_LEGACY_KERAS'] = '0'\n"
        "import tensorflow as tf; tf.keras.layers\n"  # tf.keras is now Keras 3
        "from utils import environment\n"
        "print(environment.check_keras(tf).ok)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_whole_check_passes_here_and_report_says_so(capsys):
    checks = environment.check()
    assert environment.report(checks), capsys.readouterr().out
    assert "All good." in capsys.readouterr().out


def test_report_prints_the_fix_of_each_failure(capsys):
    checks = [environment.Check("a", True, "fine"), environment.Check("b", False, "broken", "do this")]
    assert environment.report(checks) is False
    out = capsys.readouterr().out
    assert "✗ b" in out and "→ fix: do this" in out and "1 problem(s) to fix: b." in out
