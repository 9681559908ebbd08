"""Notebook 00: the environment check, is this machine set up the way the course needs?

Each check says what it found and, when something is wrong, exactly what to do about it.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import sys

import tomllib

from packaging.requirements import Requirement

from utils import config

DISTRIBUTION = "dl-training-vs-inference"
PYTHON_RANGE = ((3, 11), (3, 13))


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
        "tested with), delete the .venv folder and run the set-up again (make setup, or "
        "python -m utils setup)."
    )
    return Check("Python", low <= version <= high, found, "" if low <= version <= high else fix)


def supported_ranges() -> list[Requirement]:
    """The packages the notebooks' kernel needs, with their supported ranges: from pyproject.toml
    beside ``utils`` (a checkout, or the course fetched by the Colab bootstrap), else from the
    installed course package."""
    pyproject = config.ROOT / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text())
        kernel = set(project["tool"]["course"]["kernel"])
        return [
            Requirement(r)
            for r in project["project"]["dependencies"]
            if Requirement(r).name in kernel
        ]
    return [
        Requirement(r)
        for r in importlib.metadata.requires(DISTRIBUTION) or []
        if not Requirement(r).marker
    ]


def check_versions(requirements: list[Requirement] | None = None) -> list[Check]:
    """Every package the notebooks need is installed, in its supported range (not one exact
    version: Colab's TensorFlow 2.20 is as good as the lock's 2.21)."""
    try:
        requirements = supported_ranges() if requirements is None else requirements
    except importlib.metadata.PackageNotFoundError:
        return [
            Check(
                "course package",
                False,
                "not installed",
                "From the course folder run: python -m utils setup (make setup does the same).",
            )
        ]
    checks = []
    for requirement in requirements:
        try:
            found = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            found = "missing"
        ok = found != "missing" and requirement.specifier.contains(found, prereleases=True)
        fix = f"pip install '{requirement}', then restart the kernel"
        supported = ",".join(sorted(map(str, requirement.specifier), key=lambda s: s[0] != ">"))
        checks.append(
            Check(
                requirement.name,
                ok,
                f"{found} (supported: {supported or 'any'})",
                "" if ok else fix,
            )
        )
    return checks


def check_pins() -> list[Check]:
    """Compatibility name for :func:`check_versions` (the course now declares ranges, not pins)."""
    return check_versions()


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
    """tfmot really prunes a tf-keras layer: one training step at 50 % constant sparsity must zero
    half of a Dense layer's weights (this fails when tf.keras and tfmot's Keras disagree)."""
    name = "tfmot prunes a tf-keras layer"
    try:
        import numpy as np
        import tensorflow_model_optimization as tfmot
        import tf_keras as keras

        sparsity = tfmot.sparsity.keras
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((8,)),
                sparsity.prune_low_magnitude(
                    keras.layers.Dense(4),
                    pruning_schedule=sparsity.ConstantSparsity(0.5, begin_step=0, frequency=1),
                ),
            ]
        )
        model.compile(optimizer="sgd", loss="mse")
        model.fit(
            np.ones((4, 8), "float32"),
            np.zeros((4, 4), "float32"),
            epochs=1,
            verbose=0,
            callbacks=[sparsity.UpdatePruningStep()],
        )
        kernel = sparsity.strip_pruning(model).layers[0].kernel.numpy()
        zeros = float(np.mean(kernel == 0))
        if abs(zeros - 0.5) > 0.05:
            raise ValueError(f"{zeros:.0%} of the weights are zero, not 50 %")
    except Exception as error:  # any failure here is the student's to see, in one line
        return Check(
            name,
            False,
            f"{type(error).__name__}: {error}",
            "Reinstall the course's packages (python -m utils setup), restart the kernel, "
            "run Setup first.",
        )
    return Check(name, True, "yes (50 % of a Dense layer's weights zeroed)")


def check_litert(tf=None) -> Check:
    """LiteRT (the edge runtime) runs a full-integer model: a two-layer network converted to int8
    here, whose outputs must agree with float32 within a few quantization steps."""
    name = "LiteRT runs an int8 model"
    try:
        import numpy as np
        import tf_keras as keras
        from ai_edge_litert.interpreter import Interpreter

        if tf is None:
            import tensorflow as tf
        rng = np.random.default_rng(0)
        samples = rng.uniform(-1, 1, (32, 8)).astype("float32")
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)]
        )
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([s[None]] for s in samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = converter.inference_output_type = tf.int8
        interpreter = Interpreter(model_content=converter.convert())
        interpreter.allocate_tensors()
        given, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
        if given["dtype"] != np.int8 or out["dtype"] != np.int8:
            raise TypeError(f"the converted model takes {given['dtype']}, not int8")
        (in_scale, in_zero), (out_scale, out_zero) = given["quantization"], out["quantization"]
        interpreter.set_tensor(
            given["index"],
            np.clip(np.round(samples[:1] / in_scale) + in_zero, -128, 127).astype(np.int8),
        )
        interpreter.invoke()
        got = (interpreter.get_tensor(out["index"]).astype("float32") - out_zero) * out_scale
        error = float(np.max(np.abs(got - model(samples[:1]).numpy())))
        if error > 4 * (out_scale + in_scale):
            raise ValueError(f"int8 output differs from float32 by {error:.3g}")
    except Exception as error:  # any failure here is the student's to see, in one line
        return Check(
            name,
            False,
            f"{type(error).__name__}: {error}",
            "Install the course's packages (python -m utils setup, or on Colab run the first "
            "cell again), restart the kernel, run Setup first.",
        )
    return Check(name, True, f"yes (int8 within {error:.3f} of float32)")


def check_hardware(tf) -> Check:
    gpus = tf.config.list_physical_devices("GPU")
    found = f"{os.cpu_count()} CPU cores ({platform.machine()}); GPUs: "
    found += ", ".join(g.name for g in gpus) if gpus else "none (fine: the course runs on the CPU)"
    return Check("hardware", True, found)


def check() -> list[Check]:
    """Run every check (imports TensorFlow)."""
    import tensorflow as tf

    return [
        check_python(),
        *check_versions(),
        check_keras(tf),
        check_tfmot(),
        check_litert(tf),
        check_hardware(tf),
    ]


def report(checks: list[Check]) -> bool:
    """Print one line per check (and the fix under each failure); True when all passed."""
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"{'✓' if c.ok else '✗'} {c.name:<{width}}  {c.found}")
        if not c.ok:
            print(f"  {'':<{width}}  → fix: {c.fix}")
    failed = [c.name for c in checks if not c.ok]
    print(
        "\nAll good." if not failed else f"\n{len(failed)} problem(s) to fix: {', '.join(failed)}."
    )
    return not failed
