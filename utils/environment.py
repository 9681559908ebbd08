"""The start-here environment check: is this machine set up the way the course needs?

Each check says what it found and, when something is wrong, exactly what to do about it.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import sys

from packaging.requirements import Requirement

DISTRIBUTION = "dl-training-vs-inference"
PYTHON_RANGE = ((3, 10), (3, 13))


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    found: str
    fix: str = ""


def check_python(version: tuple[int, int] = sys.version_info[:2]) -> Check:
    low, high = PYTHON_RANGE
    found = "%d.%d" % version
    fix = (
        f"Install Python {low[0]}.{low[1]}–{high[0]}.{high[1]} (3.11 is what the course is "
        "tested with), delete the .venv folder and run make again."
    )
    return Check("Python", low <= version <= high, found, "" if low <= version <= high else fix)


def check_pins() -> list[Check]:
    """Every exactly pinned package (the ML stack) is installed at its pinned version."""
    try:
        requirements = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return [Check("course package", False, "not installed",
                      "From the course folder run: pip install -e '.[test]' (make does this).")]
    checks = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker or not str(requirement.specifier).startswith("=="):
            continue
        pinned = str(requirement.specifier)[2:]
        try:
            found = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            found = "missing"
        fix = f"pip install '{requirement.name}=={pinned}'"
        checks.append(Check(requirement.name, found == pinned, found, "" if found == pinned else fix))
    return checks


def check_keras(tf) -> Check:
    """``tf.keras`` must be Keras 2 (tf-keras): tfmot cannot prune Keras 3 models."""
    module = tf.keras.__name__
    if module.startswith("tf_keras"):
        return Check("tf.keras is Keras 2 (tf-keras)", True, module)
    return Check(
        "tf.keras is Keras 2 (tf-keras)",
        False,
        f"{module} (Keras 3)",
        "TensorFlow was imported before `import utils`, so tf.keras became Keras 3. Restart the "
        "kernel and run the Setup cell first (it imports utils, which sets TF_USE_LEGACY_KERAS=1), "
        "and write models with `import tf_keras as keras`.",
    )


def check_tfmot() -> Check:
    """Pruning a one-layer tf-keras model proves tfmot and Keras agree."""
    try:
        import tensorflow_model_optimization as tfmot
        import tf_keras as keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        tfmot.sparsity.keras.prune_low_magnitude(model)
    except Exception as error:  # any failure here is the student's to see, in one line
        return Check("tfmot can prune a tf-keras model", False, f"{type(error).__name__}: {error}",
                     "Reinstall the pinned stack (make setup), restart the kernel, run Setup first.")
    return Check("tfmot can prune a tf-keras model", True, "yes")


def check_litert() -> Check:
    try:
        from ai_edge_litert.interpreter import Interpreter  # noqa: F401
    except ImportError as error:
        return Check("LiteRT interpreter", False, str(error), "pip install 'ai-edge-litert==2.3.0'")
    return Check("LiteRT interpreter", True, "ai_edge_litert.interpreter")


def check_hardware(tf) -> Check:
    gpus = tf.config.list_physical_devices("GPU")
    found = f"{os.cpu_count()} CPU cores ({platform.machine()}); GPUs: "
    found += ", ".join(g.name for g in gpus) if gpus else "none (fine: the course runs on the CPU)"
    return Check("hardware", True, found)


def check() -> list[Check]:
    """Run every check (imports TensorFlow)."""
    import tensorflow as tf

    return [check_python(), *check_pins(), check_keras(tf), check_tfmot(), check_litert(),
            check_hardware(tf)]


def report(checks: list[Check]) -> bool:
    """Print one line per check (and the fix under each failure); True when all passed."""
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"{'✓' if c.ok else '✗'} {c.name:<{width}}  {c.found}")
        if not c.ok:
            print(f"  {'':<{width}}  → fix: {c.fix}")
    failed = [c.name for c in checks if not c.ok]
    print("\nAll good." if not failed else f"\n{len(failed)} problem(s) to fix: {', '.join(failed)}.")
    return not failed
