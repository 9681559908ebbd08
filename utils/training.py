"""Notebook 02: the course's models, the arithmetic of one forward pass, and the trained model.

The trained model is the artifact ``training.model``: a notebook that needs it calls
:func:`trained_model`, which trains it first (with :func:`train`) when it is missing.

Training is reproducible: :func:`reproducible` seeds Python, NumPy and TensorFlow and turns on
TensorFlow's op determinism, so the same seed gives the same weights on the same machine and
TensorFlow version. Where Linux exposes the CPU's energy counters (powercap / RAPL),
:class:`EnergyMeter` reads them before and after training.

The recipe itself (the model, ``compile``, the callbacks) has one source: the cells of notebook 02
that start with ``#@save``. ``python -m tools.recipes`` writes them to ``utils/recipe.py``, and
``python -m tools.recipes --check`` and a test fail while the two differ.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import tensorflow as tf
import tf_keras as keras

from utils import artifacts, build_time, config, data, progress

# the recipe, generated from notebook 02's #@save cells (small_cnn: every layer is one that tfmot
# can prune and the TFLite converter can quantize to int8)
from utils.recipe import (  # noqa: F401
    PATIENCE,
    BestWeights,
    EpochTimer,
    compile_model,
    small_cnn,
    stopping_rule,
    training_callbacks,
)

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"


def mobilenet_v2(num_classes: int, image_size: int, alpha: float = 0.35) -> keras.Model:
    """A larger contrast: Keras's MobileNetV2, width ``alpha``, untrained (nothing downloads)."""
    return keras.applications.MobileNetV2(
        input_shape=(image_size, image_size, 3), alpha=alpha, weights=None, classes=num_classes
    )


def _layers(model: keras.Model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def forward_flops(model: keras.Model) -> int:
    """Floating-point operations of one forward pass of one example, counted from the layers.

    A multiply-add counts as 2 FLOPs, in Conv2D, DepthwiseConv2D and Dense layers, plus one add
    per output for a bias. Element-wise layers (BatchNormalization, ReLU, pooling) are left out:
    they cost a few operations per value, against hundreds per value in a convolution.
    """
    total = 0
    for layer in _layers(model):
        if isinstance(layer, keras.layers.DepthwiseConv2D):  # a Conv2D subclass: check first
            _, h, w, c_out = layer.output_shape
            multiply_adds, outputs = (
                h * w * c_out * layer.kernel_size[0] * layer.kernel_size[1],
                h * w * c_out,
            )
        elif isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output_shape
            c_in = layer.input_shape[-1] // layer.groups
            multiply_adds = h * w * c_out * layer.kernel_size[0] * layer.kernel_size[1] * c_in
            outputs = h * w * c_out
        elif isinstance(layer, keras.layers.Dense):
            multiply_adds, outputs = layer.input_shape[-1] * layer.units, layer.units
        else:
            continue
        total += 2 * multiply_adds + (outputs if layer.use_bias else 0)
    return total


def reproducible(seed: int) -> None:
    """Same seed, same weights: seed Python, NumPy and TensorFlow, and make TensorFlow's ops
    deterministic (``tf.config.experimental.enable_op_determinism``).

    Without op determinism, two trainings with the same seed differ (tested in
    tests/test_training.py): TensorFlow's documentation names threads that add floating-point
    numbers in a varying order, and ``Dataset.map`` with parallel calls running stateful ops
    (our random augmentation) in a varying order. With it, such ops take a deterministic path
    (a map with random ops runs them in order, more slowly), and an op with no deterministic
    implementation raises ``UnimplementedError`` instead of running; the course's training
    raises none on the CPU. It holds for the rest of the process.
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


# ---------------------------------------------------------------- energy counters (Linux RAPL)

POWERCAP = Path("/sys/class/powercap")


class EnergyUnavailable(RuntimeError):
    """This machine does not let us read its energy counters; the message says why."""


@dataclasses.dataclass(frozen=True)
class Counter:
    """One RAPL zone's cumulative energy counter, in microjoules, and where it wraps to 0."""

    zone: str  # e.g. "package-0"
    energy_uj: int
    max_energy_range_uj: int


def read_energy_counters(root: Path = POWERCAP) -> list[Counter]:
    """The CPU packages' energy counters (``intel-rapl:N/energy_uj``; AMD CPUs expose theirs
    under the same name).

    Only top-level zones are read (their sub-zones, the cores and the uncore, are part of
    them); a ``psys`` zone (the whole platform, packages included) is used only when there are
    no package zones, so nothing is counted twice. Raises :class:`EnergyUnavailable` with one
    sentence when there are no counters or they cannot be read (often root-only).
    """
    zones = sorted(p for p in root.glob("intel-rapl:*") if re.fullmatch(r"intel-rapl:\d+", p.name))
    if not zones:
        raise EnergyUnavailable(
            f"this machine exposes no CPU energy counters ({root}/intel-rapl:* "
            "is missing: another OS, a virtual machine or a container)"
        )
    counters = []
    for zone in zones:
        try:
            name = (zone / "name").read_text().strip() if (zone / "name").exists() else zone.name
            counters.append(
                Counter(
                    name,
                    int((zone / "energy_uj").read_text()),
                    int((zone / "max_energy_range_uj").read_text()),
                )
            )
        except PermissionError:
            raise EnergyUnavailable(
                f"the CPU energy counters ({zone}/energy_uj) are readable "
                "only by root on this machine"
            ) from None
        except (OSError, ValueError) as error:
            raise EnergyUnavailable(
                f"the CPU energy counter {zone} could not be read ({type(error).__name__}: {error})"
            ) from None
    packages = [c for c in counters if c.zone.startswith("package")]
    return packages or counters


def joules_between(before: list[Counter], after: list[Counter]) -> float:
    """Energy used between two readings, in joules, across a counter's wrap-around to 0.

    A counter counts up to ``max_energy_range_uj`` and starts again from 0, so a reading lower
    than the one before has wrapped once. A range of about 262 kJ (a common value) wraps every
    44 minutes at 100 W: two readings further apart than that can hide a second wrap.
    """
    if [c.zone for c in before] != [c.zone for c in after]:
        raise ValueError("The two readings have different zones: read the same machine twice.")
    total_uj = 0
    for first, second in zip(before, after):
        used = second.energy_uj - first.energy_uj
        if used < 0:  # wrapped around
            used += first.max_energy_range_uj
        if not 0 <= used <= first.max_energy_range_uj:
            raise ValueError(
                f"{first.zone}: readings {first.energy_uj} then {second.energy_uj} "
                f"µJ do not fit a counter that wraps at {first.max_energy_range_uj}."
            )
        total_uj += used
    return total_uj / 1e6


class EnergyMeter:
    """Read the energy counters at :meth:`start` and :meth:`stop`; never fails.

    ``stop()`` returns ``{"joules": float or None, "source": str}``: the joules the CPU
    packages used in between (everything that ran on them meanwhile, not only our program), or
    None with the reason in ``source``.
    """

    def __init__(self, root: Path = POWERCAP):
        self.root = root
        self._before: list[Counter] | None = None
        self._why = "the meter was not started"

    def start(self) -> "EnergyMeter":
        try:
            self._before = read_energy_counters(self.root)
        except EnergyUnavailable as why:
            self._before, self._why = None, str(why)
        return self

    def stop(self) -> dict:
        if self._before is None:
            return {"joules": None, "source": self._why}
        try:
            after = read_energy_counters(self.root)
            joules = joules_between(self._before, after)
        except (EnergyUnavailable, ValueError) as why:
            return {"joules": None, "source": str(why)}
        zones = ", ".join(c.zone for c in after)
        return {
            "joules": joules,
            "source": f"RAPL energy counters ({zones}), read before and after training",
        }


def train(folder: Path) -> dict:
    """Train :func:`small_cnn` on the active dataset with notebook 02's recipe (``utils.recipe``:
    Adam on a cosine schedule, early stopping in the run's second half, the best watched epoch's
    weights kept); save the model and
    its history in ``folder``. Seeded and deterministic (:func:`reproducible`), in the notebook's
    order; the CPU's energy is read around ``fit`` where the machine allows it
    (:class:`EnergyMeter`).
    """
    cfg = config.settings()
    reproducible(cfg.seed)
    model = small_cnn(len(data.class_names()), cfg.image_size)
    train_ds = data.pipeline(
        data.load("train"), cfg.batch_size, training=True, augmented=True, seed=cfg.seed
    )
    validation_ds = data.pipeline(data.load("validation"), cfg.batch_size)
    batches = [
        int(images.shape[0]) for images, _ in data.pipeline(data.load("train"), cfg.batch_size)
    ]
    steps_per_epoch = len(batches)
    compile_model(model, steps_per_epoch, cfg.epochs)
    n_validation = sum(int(labels.shape[0]) for _, labels in validation_ds)
    callbacks, timer = training_callbacks(folder, cfg.epochs, n_validation)
    start_from_epoch, min_delta = stopping_rule(cfg.epochs, n_validation)
    meter = EnergyMeter().start()
    history = model.fit(
        train_ds,
        validation_data=validation_ds,
        epochs=cfg.epochs,
        callbacks=[*callbacks, progress.EpochBar(cfg.epochs, "training the model", leave=True)],
        verbose=0,  # the bar above says it once per epoch, with the time left
    )
    energy = meter.stop()
    model.save(folder / MODEL_FILE)
    record = {
        **{k: [float(v) for v in vs] for k, vs in history.history.items()},
        "epoch_seconds": timer.seconds,
        "steps_per_epoch": steps_per_epoch,
        "train_examples": sum(batches),
        "planned_epochs": cfg.epochs,
        "patience": PATIENCE,
        "start_from_epoch": start_from_epoch,  # early stopping watched epochs after this many
        "min_delta": min_delta,
        "n_validation": n_validation,
        "best_epoch": next(c for c in callbacks if isinstance(c, BestWeights)).best_epoch,  # from 1
        "energy_joules": energy["joules"],
        "energy_source": energy["source"],
    }
    (folder / HISTORY_FILE).write_text(json.dumps(record, indent=1))
    return record


def replay_stopping(
    val_accuracy, patience: int = PATIENCE, min_delta: float = 0.0, start_from_epoch: int = 0
) -> tuple[int, int | None]:
    """What the recipe's callbacks decide over these validation accuracies, without training:
    Keras's own ``EarlyStopping``, set as :func:`training_callbacks` sets it, and the recipe's
    ``BestWeights``, both on a one-weight model, given one epoch's ``val_accuracy`` at a time as
    ``fit`` gives it (``on_epoch_end``, then stop once ``model.stop_training``). Returns (the last
    epoch run, the epoch whose weights BestWeights keeps), counted from 1; the last epoch run is
    ``len(val_accuracy)`` when early stopping never fires."""
    import tempfile

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    with tempfile.TemporaryDirectory() as folder:
        early = keras.callbacks.EarlyStopping(
            monitor="val_accuracy",
            patience=patience,
            min_delta=min_delta,
            start_from_epoch=start_from_epoch,
        )
        best = BestWeights(Path(folder) / "best.weights.h5", start_from_epoch)
        callbacks = keras.callbacks.CallbackList([early, best], model=model)
        model.stop_training, epochs = False, 0
        callbacks.on_train_begin()
        for epoch, value in enumerate(val_accuracy):
            callbacks.on_epoch_begin(epoch)
            callbacks.on_epoch_end(epoch, {"val_accuracy": float(value)})
            epochs = epoch + 1
            if model.stop_training:
                break
        callbacks.on_train_end()
    return epochs, best.best_epoch


def _model_settings() -> dict:
    cfg = config.settings()
    name = config.dataset_name()
    source = artifacts.path(f"data.{name}").name if name != data.CATALOGUE else name
    return {
        "dataset": source,
        "epochs": cfg.epochs,
        "batch_size": cfg.batch_size,
        "seed": cfg.seed,
        "model": "small_cnn/3",
    }  # 2: deterministic ops; 3: early stopping watches the second half


@artifacts.register(
    "training.model",
    settings=_model_settings,
    what="the trained model (notebook 02's recipe)",
    more=lambda: build_time.for_this_build("training.model"),
)
def _build_model(folder: Path, settings: dict) -> None:
    train(folder)


def trained_model(retrain: bool = False) -> tuple[keras.Model, dict]:
    """The trained model and its training history (trained first if missing, or ``retrain``)."""
    folder = artifacts.get("training.model", rebuild=retrain)
    model = keras.models.load_model(folder / MODEL_FILE)
    return model, json.loads((folder / HISTORY_FILE).read_text())


if __name__ == "__main__":
    import sys

    sys.exit(
        "The recipes are exported by the tooling now: python -m tools.recipes writes "
        "utils/recipe.py from notebook 02's #@save cells (and the pruning and conversion "
        "recipes from notebooks 04 and 05); python -m tools.recipes --check compares them."
    )
