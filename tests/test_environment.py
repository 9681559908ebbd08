"""The start-here environment check tests behaviour (Keras 2, pruning, an int8 model in LiteRT)
and supported ranges, not exact versions; it finds each problem and says how to fix it."""

import importlib.metadata
import subprocess
import sys
import types

import pytest
from packaging.requirements import Requirement

from utils import environment


@pytest.mark.parametrize(
    "version, ok",
    [((3, 10), False), ((3, 11), True), ((3, 12), True), ((3, 13), True), ((3, 14), False)],
)
def test_python_range(version, ok):
    check = environment.check_python(version)
    assert check.ok is ok
    assert ("3.11–3.13" in check.fix) is not ok


def test_the_kernel_packages_are_checked_against_their_ranges():
    checks = environment.check_versions()
    assert {c.name for c in checks} >= {
        "tensorflow",
        "tf-keras",
        "tensorflow-model-optimization",
        "ai-edge-litert",
    }
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    (tf,) = [c for c in checks if c.name == "tensorflow"]
    assert "supported: >=2.20,<2.22" in tf.found
    assert environment.check_pins() == checks  # the old name still answers


@pytest.mark.parametrize(
    "version, ok",
    [("2.20.0", True), ("2.20.1", True), ("2.21.0", True), ("2.19.0", False), ("2.22.0", False)],
)
def test_any_tensorflow_in_the_range_passes(monkeypatch, version, ok):
    real = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: version if name == "tensorflow" else real(name)
    )
    (tf,) = [c for c in environment.check_versions() if c.name == "tensorflow"]
    assert tf.ok is ok
    assert (tf.fix == "pip install 'tensorflow<2.22,>=2.20', then restart the kernel") is not ok


def test_a_missing_package_is_named_with_the_install_command():
    (check,) = environment.check_versions([Requirement("surely-not-installed-xyz>=1")])
    assert (
        not check.ok
        and check.found.startswith("missing")
        and "pip install 'surely-not-installed-xyz>=1'" in check.fix
    )


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


def test_tfmot_really_prunes():
    check = environment.check_tfmot()
    assert check.ok and "50 %" in check.found, check


def test_a_tfmot_that_cannot_prune_is_caught(monkeypatch):
    import tensorflow_model_optimization as tfmot

    def broken(*args, **kwargs):
        raise ValueError("Please initialize `Prune` with a supported layer.")

    monkeypatch.setattr(tfmot.sparsity.keras, "prune_low_magnitude", broken)
    check = environment.check_tfmot()
    assert not check.ok and "ValueError" in check.found and "restart the kernel" in check.fix


def test_litert_runs_an_int8_model():
    check = environment.check_litert()
    assert check.ok and "int8 within" in check.found, check


def test_a_litert_that_gets_no_int8_model_is_caught(monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(
        tf.lite.TFLiteConverter,
        "from_keras_model",
        staticmethod(lambda model: (_ for _ in ()).throw(RuntimeError("converter broken"))),
    )
    check = environment.check_litert(tf)
    assert not check.ok and "converter broken" in check.found


def test_the_whole_check_passes_here_and_report_says_so(capsys):
    checks = environment.check()
    assert environment.report(checks), capsys.readouterr().out
    assert "All good." in capsys.readouterr().out


def test_report_prints_the_fix_of_each_failure(capsys):
    checks = [
        environment.Check("a", True, "fine"),
        environment.Check("b", False, "broken", "do this"),
    ]
    assert environment.report(checks) is False
    out = capsys.readouterr().out
    assert "✗ b" in out and "→ fix: do this" in out and "1 problem(s) to fix: b." in out
