"""Notebooks A11 (and 04a, the tfmot path): Keras 3 in one place. The course's network built in
Keras 3 (``import keras``), trained briefly, quantized by Keras's own post-training int8, exported
with ``model.export(path, format="litert")``; and the preflight that stops a Keras 3 model before
tensorflow-model-optimization (tfmot) sees it.

The rest of the course builds its models with ``tf_keras`` (Keras 2), because tfmot works only
with Keras 2 and has no plan for Keras 3 (tensorflow/model-optimization issue #1119); a Keras 3
model handed to tfmot fails with a ValueError that does not say why (issues #1141, #1167, #1140).
``keras`` is imported inside the functions that build Keras 3 models, so that the preflight costs
the pruning path nothing.
"""

from __future__ import annotations

import os
import types
from pathlib import Path

import numpy as np

# What Keras 3 offers here (read in keras 3.15's source): Model.quantize calls each layer's
# quantize(); Dense, EinsumDense and Embedding have one, Conv2D has none (a UserWarning names each
# layer it skips). The exporter (keras/src/export/litert.py) writes a SavedModel and converts it
# with tf.lite.TFLiteConverter; keyword arguments it does not know are set on the converter.
ADVICE = (
    "build the model with tf_keras (import tf_keras as keras, TF_USE_LEGACY_KERAS=1 set before "
    "TensorFlow is imported; importing utils does both), or skip tfmot and use Keras 3's own "
    "model.quantize and model.export(format='litert'), which do not prune."
)
LEGACY_VARIABLE = "TF_USE_LEGACY_KERAS"


def is_keras3(model) -> bool:
    """Whether ``model`` (a model or a layer) is a Keras 3 object: its class or a base class is
    defined in the ``keras`` package (Keras 3 keeps its classes in ``keras.src``; tf_keras's live
    in ``tf_keras.src``, and ``tf.keras`` is Keras 3 unless TF_USE_LEGACY_KERAS is set)."""
    return any(cls.__module__.split(".")[0] == "keras" for cls in type(model).__mro__)


def preflight_tfmot(model) -> None:
    """Before a model goes to tfmot: one sentence naming the problem and the fix if ``model`` is
    a Keras 3 model, or if TF_USE_LEGACY_KERAS is unset (then tfmot's ``tf.keras`` is Keras 3)."""
    if is_keras3(model):
        name = getattr(model, "name", type(model).__name__)
        raise ValueError(
            f"{name!r} is a Keras 3 model ({type(model).__module__}.{type(model).__name__}), "
            f"and tfmot works only with Keras 2: {ADVICE}"
        )
    if os.environ.get(LEGACY_VARIABLE, "").lower() not in ("1", "true"):
        raise ValueError(
            f"{LEGACY_VARIABLE} is not set to 1, so tf.keras (what tfmot uses) is Keras 3 and "
            f"tfmot will fail: {ADVICE}"
        )


def small_cnn(num_classes: int, image_size: int, filters=(32, 64, 128)):
    """The course's network in Keras 3: notebook 02's own ``small_cnn`` (``utils.recipe``, one
    source for both), its code run with Keras 3 where the recipe imports tf_keras as ``keras``.
    The layer calls it makes (Conv2D, BatchNormalization, ReLU, MaxPooling2D, Dense) are the
    same in both Keras versions."""
    import keras

    from utils import recipe

    recipe_code = recipe.small_cnn
    in_keras3 = types.FunctionType(
        recipe_code.__code__,
        {**recipe_code.__globals__, "keras": keras},
        recipe_code.__name__,
        recipe_code.__defaults__,
    )
    model = in_keras3(num_classes, image_size, tuple(filters))
    model.name = "small_cnn_keras3"
    return model


def train_briefly(model, images, labels, epochs: int, batch_size: int, seed: int) -> dict:
    """Fit ``model`` for ``epochs`` epochs with notebook 02's optimizer (Adam, its learning rate
    along a cosine to zero) on float ``images`` in [0, 1]. Briefly: no augmentation and no early
    stopping (an assumption: a short run, not the course's recipe). Returns the history."""
    import keras

    keras.utils.set_random_seed(seed)
    steps = epochs * int(np.ceil(len(images) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(images, labels, epochs=epochs, batch_size=batch_size, verbose=0)
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def keras_int8(model):
    """A copy of ``model`` quantized by Keras's own post-training int8 (``model.quantize``), and
    the names of the layers it quantized (the others have no ``quantize`` in Keras 3.15)."""
    import warnings

    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Layer Conv2D does not have a quantize..."
        copy.quantize("int8")
    return copy, [layer.name for layer in copy.layers if layer.quantization_mode == "int8"]


def export_litert(model, path: Path, calibration: np.ndarray | None = None) -> bytes:
    """``model.export(path, format="litert")``; with ``calibration`` images, the converter the
    exporter drives is asked for full int8 (the course's recipe: int8 kernels only, int8 input and
    output). Returns the file's bytes."""
    import tensorflow as tf

    path = Path(path)
    options = {}
    if calibration is not None:
        images = np.asarray(calibration, np.float32)

        def representative():
            for image in images:
                yield [image[None]]

        options = {
            "optimizations": [tf.lite.Optimize.DEFAULT],
            "representative_dataset": representative,
            "target_spec": {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]},
            "inference_input_type": tf.int8,
            "inference_output_type": tf.int8,
        }
    model.export(str(path), format="litert", verbose=False, **options)
    return path.read_bytes()


def try_export(model, path: Path) -> tuple[bytes | None, str]:
    """Export as :func:`export_litert` does, returning ``(content, "")``, or ``(None, what
    failed)`` in one line: the exception's type and the first line that names the problem."""
    try:
        return export_litert(model, path), ""
    except Exception as error:  # the converter raises its own ConverterError
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        said = next((line for line in lines if "error:" in line), lines[0] if lines else "")
        said = said[said.find("error:") + len("error:") :].strip() if "error:" in said else said
        return None, f"{type(error).__name__}: {said[:400]}"
