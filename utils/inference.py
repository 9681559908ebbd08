"""Notebook 03: what inference costs, against training — memory, latency vs throughput, compute.

Three pure calculations and one measurement, used by notebook 03:

- :func:`memory_budget`: the bytes a model needs for one training step and for one inference on
  a batch (parameters, gradients, optimizer state, activations), computed from its layers;
- :func:`batch_sweep`: latency and throughput of a prediction call at growing batch sizes;
- :func:`training_flops`, :func:`inference_flops` and :func:`break_even_days`: when the compute
  spent answering requests overtakes the compute spent training the model once;
  :func:`break_even_requests` shows that the model's FLOPs cancel out of it;
- :data:`SINGLE_IMAGE`: the course's one definition of a single-image inference (one image
  alone, a batch of 1), used by notebooks 00 and 03 through :func:`single_image_call`;
- :func:`step_against_inference`: the course's one measurement of a training step against an
  inference (:data:`STEP_IN_INFERENCES`), used by notebooks 00 and 03;
- :func:`at_scale`: published shares of inference in a large operator's ML compute, sourced
  (appendix A3).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from typing import Callable, Sequence

import numpy as np
import tensorflow as tf
import tf_keras as keras

from utils import config, measure

BYTES_PER_FLOAT = 4  # float32
ADAM_SLOTS = 2  # Adam keeps two running averages (first and second moment) per trainable weight
BACKWARD_FACTOR = 3  # a training step ≈ forward + 2 × forward (gradients for weights and inputs)
AT_SCALE_CSV = config.DATA_DIR / "inference_at_scale.csv"
# The course's one definition, in notebooks 00 and 03: not a share of a bigger batch's time
SINGLE_IMAGE = "a single-image inference: one image alone, batch 1"
# ... and of a training step against an inference: the same batch, each called as it runs in use
STEP_IN_INFERENCES = "one training step ÷ one compiled forward pass, on the same batch"


# ---------------------------------------------------------------- memory


def _values(shape) -> int:
    """Values per example in a layer output of ``shape`` (the batch dimension left out)."""
    return int(np.prod([d for d in shape[1:]], dtype=np.int64))


def activation_sizes(model: keras.Model) -> list[tuple[str, int]]:
    """``(name, values per example)`` of the model's input and of every layer's output, in order.

    Layers of a nested model are listed one by one. Input layers are listed once, as the input.
    """
    sizes = [(tensor.name.split(":")[0], _values(tensor.shape)) for tensor in model.inputs]

    def walk(m: keras.Model):
        for layer in m.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            if isinstance(layer, keras.Model):
                yield from walk(layer)
                continue
            outputs = layer.output if isinstance(layer.output, (list, tuple)) else [layer.output]
            yield layer.name, sum(_values(o.shape) for o in outputs)

    return sizes + list(walk(model))


def memory_budget(model: keras.Model, batch_size: int) -> dict[str, dict[str, int]]:
    """Bytes of float32 memory for one training step and one inference on a batch.

    Returns ``{"training": {...}, "inference": {...}}``, each with the same four keys:

    - ``parameters``: every weight, trainable or not (``count_params() × 4``);
    - ``gradients``: one gradient per trainable weight (training only);
    - ``optimizer state``: Adam's two running averages per trainable weight (training only);
    - ``activations``: training keeps the input and every layer's output of the whole batch for
      the backward pass; inference only needs a layer's input and output at one time, so it
      holds the largest *consecutive pair* of activations (exact for a chain of layers like the
      course's models; a network with skip connections holds a little more).

    An estimate from the layer shapes: a runtime may fuse layers or reuse buffers, and adds
    workspace of its own, but the proportions are what a framework really faces.
    """
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(
            f"batch_size={batch_size!r}: a batch holds at least 1 example; "
            "pass a whole number of 1 or more."
        )
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    per_example = [values for _, values in activation_sizes(model)]
    held_in_training = sum(per_example)
    pairs = [a + b for a, b in zip(per_example, per_example[1:])]
    held_in_inference = max(pairs) if pairs else per_example[0]
    parameters = model.count_params() * BYTES_PER_FLOAT
    return {
        "training": {
            "parameters": parameters,
            "gradients": trainable * BYTES_PER_FLOAT,
            "optimizer state": ADAM_SLOTS * trainable * BYTES_PER_FLOAT,
            "activations": held_in_training * batch_size * BYTES_PER_FLOAT,
        },
        "inference": {
            "parameters": parameters,
            "gradients": 0,
            "optimizer state": 0,
            "activations": held_in_inference * batch_size * BYTES_PER_FLOAT,
        },
    }


# ---------------------------------------------------------------- latency vs throughput


@dataclasses.dataclass(frozen=True)
class SweepPoint:
    """One batch size of a sweep: the timing of one call on a whole batch."""

    batch_size: int
    timing: measure.Timing

    @property
    def latency_ms(self) -> float:
        """Median time for one call on the whole batch: what each request in it waits."""
        return self.timing.median_ms

    @property
    def images_per_s(self) -> float:
        return self.batch_size / (self.timing.median_ms / 1000)


def runs_for(batch_size: int, runs: int, warmup: int, images: int = 8) -> tuple[int, int]:
    """Timed and warm-up calls for one batch size: all of them up to ``images`` per batch, then
    fewer as batches grow (a big batch's time varies less and costs more), at least 3 and 1."""
    scale = images / batch_size
    return (max(3, min(runs, math.ceil(runs * scale))), max(1, min(warmup, round(warmup * scale))))


def batch_sweep(
    call: Callable[[np.ndarray], object],
    batch_sizes: Sequence[int],
    image_size: int,
    runs: int,
    warmup: int,
    seed: int = 0,
) -> list[SweepPoint]:
    """Time ``call(images)`` on batches of random ``image_size`` x ``image_size`` x 3 float images.

    For timing, the pixel values do not matter, only the shape. Each batch size gets its own
    warm-up calls (a compiled function traces each new shape); big batches get fewer timed runs
    (:func:`runs_for`). Returns one :class:`SweepPoint` per batch size, in the order given.
    """
    batch_sizes = list(batch_sizes)
    if not batch_sizes:
        raise ValueError("batch_sizes is empty: give at least one batch size, e.g. [1, 2, 4, 8].")
    for b in batch_sizes:
        if not isinstance(b, (int, np.integer)) or b < 1:
            raise ValueError(
                f"batch size {b!r} is not a whole number of 1 or more; a batch holds "
                "at least one image."
            )
    rng = np.random.default_rng(seed)
    images = rng.random((max(batch_sizes), image_size, image_size, 3), dtype=np.float32)
    points = []
    for b in batch_sizes:
        batch = images[:b]
        b_runs, b_warmup = runs_for(b, runs, warmup)
        points.append(SweepPoint(int(b), measure.time_calls(lambda: call(batch), b_runs, b_warmup)))
    return points


def single_image_call(call: Callable[[np.ndarray], object], images) -> Callable[[], object]:
    """A no-argument function that runs ``call`` on the first of ``images`` alone, as a batch of
    1: what the course times as :data:`SINGLE_IMAGE`. (Dividing a batch's time by its size
    gives the cost per image *inside a batch*, which is less: batching spreads each call's fixed
    cost over the batch.)"""
    one = images[:1]
    if len(one) != 1:
        raise ValueError("images is empty: a single-image inference needs one image.")
    return lambda: call(one)


def compiled_forward(model: keras.Model) -> Callable[[np.ndarray], object]:
    """``model(images, training=False)`` compiled with ``tf.function``: an inference as an
    application runs it (traced once per batch shape, then no Keras overhead per call)."""
    return tf.function(lambda images: model(images, training=False))


@dataclasses.dataclass(frozen=True)
class StepAgainstInference:
    """The timings behind :data:`STEP_IN_INFERENCES` and a single-image inference."""

    train_step: measure.Timing  # train_on_batch on the batch: forward, loss, backward, update
    forward_pass: measure.Timing  # the compiled forward pass on the same batch
    single_image: measure.Timing  # the compiled forward pass on one image alone (SINGLE_IMAGE)

    @property
    def ratio(self) -> float:
        """One training step in forward passes of the same batch (medians)."""
        return self.train_step.median_ms / self.forward_pass.median_ms


def step_against_inference(
    trainee: keras.Model, model: keras.Model, images, labels, runs: int, warmup: int
) -> StepAgainstInference:
    """Time, in turns, one training step of the compiled ``trainee`` on ``images`` and
    ``labels`` (``train_on_batch``), one inference of ``model`` on the same batch and one on
    the first image alone, both through :func:`compiled_forward`: the course's one definition of
    a training step in inferences (:data:`STEP_IN_INFERENCES`), in notebooks 00 and 03.

    ``trainee`` may be ``model`` itself (its weights then change as it is timed) or a compiled
    copy of it (``model`` stays untouched).
    """
    forward = compiled_forward(model)
    timings = measure.time_in_turns(
        {
            "train": lambda: trainee.train_on_batch(images, labels),
            "forward": lambda: forward(images),
            "single": single_image_call(forward, images),
        },
        runs,
        warmup,
    )
    return StepAgainstInference(timings["train"], timings["forward"], timings["single"])


def single_images_in(ms: float, single_image_ms: float) -> float:
    """How many single-image inferences (:data:`SINGLE_IMAGE`, each timed alone) take ``ms``."""
    if ms < 0 or not single_image_ms > 0:
        raise ValueError(
            f"ms={ms!r} must not be negative and single_image_ms={single_image_ms!r} "
            "must be a measured, positive time."
        )
    return ms / single_image_ms


def powers_of_two(largest: int) -> list[int]:
    """1, 2, 4, … up to ``largest`` (included when it is a power of two)."""
    if largest < 1:
        raise ValueError(f"largest={largest!r}: the smallest batch is 1.")
    return [2**i for i in range(int(math.log2(largest)) + 1)]


# ---------------------------------------------------------------- training once, inferring forever


def training_flops(
    forward_flops: float, images_seen: int, backward_factor: float = BACKWARD_FACTOR
) -> float:
    """Compute of a whole training run: ``backward_factor × forward`` per image, for every image
    that went through a training step (training examples × epochs)."""
    if forward_flops < 0 or images_seen < 0:
        raise ValueError(
            f"forward_flops={forward_flops!r} and images_seen={images_seen!r} must not be negative."
        )
    return backward_factor * forward_flops * images_seen


def inference_flops(
    forward_flops: float, predictions_per_user_per_day: float, users: float, days: float
) -> float:
    """Compute of serving the model: one forward pass per prediction, for every user and day."""
    for name, value in (
        ("forward_flops", forward_flops),
        ("predictions_per_user_per_day", predictions_per_user_per_day),
        ("users", users),
        ("days", days),
    ):
        if value < 0:
            raise ValueError(f"{name}={value!r} must not be negative.")
    return forward_flops * predictions_per_user_per_day * users * days


def break_even_days(
    training_flops: float, forward_flops: float, predictions_per_user_per_day: float, users: float
) -> float:
    """Days of serving after which inference has used as much compute as training did.

    Past this day, inference dominates the model's total compute. ``math.inf`` when nobody uses
    the model (no inference ever catches up).
    """
    if training_flops < 0:
        raise ValueError(f"training_flops={training_flops!r} must not be negative.")
    per_day = inference_flops(forward_flops, predictions_per_user_per_day, users, 1)
    if per_day == 0:
        return math.inf
    return training_flops / per_day


def break_even_requests(images_seen: int, backward_factor: float = BACKWARD_FACTOR) -> float:
    """Predictions after which inference has used as much compute as training did.

    Training costs ``backward_factor × forward × images_seen`` FLOPs and one prediction costs
    ``forward``, so the forward FLOPs cancel: the break-even is ``backward_factor × images_seen``
    predictions (training examples × epochs × 3), whatever the model. A bigger model costs more
    to train *and* to run; only a bigger training run (more images, more epochs, runs thrown
    away while tuning, retraining) moves the break-even.
    """
    if images_seen < 0 or backward_factor < 0:
        raise ValueError(
            f"images_seen={images_seen!r} and backward_factor={backward_factor!r} "
            "must not be negative."
        )
    return backward_factor * images_seen


def at_scale() -> list[dict]:
    """The published shares of inference in a large operator's ML compute
    (``data/inference_at_scale.csv``), each with what it measured, a quote and its source."""
    with open(AT_SCALE_CSV, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        for key in ("inference_share", "training_share", "other_share"):
            row[key] = float(row[key]) if row[key] else 0.0
    return rows


def readable_days(days: float) -> str:
    """A duration given in days, in the unit a person would say it in: '40 s', '3.5 hours', …"""
    if days < 0:
        raise ValueError(f"days={days!r} must not be negative.")
    if math.isinf(days):
        return "never"
    seconds = days * 86_400
    for unit, size in (("year", 365 * 86_400), ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds / size
            number = f"{count:,.3g}" if count < 1000 else f"{count:,.0f}"
            return f"{number} {unit}" + ("" if number == "1" else "s")
    return f"{seconds:.2g} s"
