"""Exercises: the solution markers and the checkers.

In the committed (instructor's) notebooks an exercise's answer sits between ``### BEGIN
SOLUTION`` and ``### END SOLUTION``, nbgrader's markers, in a cell with nbgrader's metadata
(``tools/nbgrader_metadata.py`` writes it). The locked check cell after it calls one of the
checkers below, which prints what is right or raises :class:`NotYet` saying, in plain words, what
is wrong. nbgrader makes the student copies (``make assignments``: each solution replaced by
``raise NotImplementedError()``) and grades them (``make grade``, ``tools.grading``): a checker
that raises fails its check cell, which then scores 0, and its hint is that cell's output in the
student's feedback.
"""

from __future__ import annotations

import math
import numbers

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


class NotYet(AssertionError):
    """A checker's verdict that an answer is not right yet; shown without a traceback."""

    def _render_traceback_(self):  # IPython shows this instead of the traceback
        return [f"✗ Not yet: {self}"]


def _correct(message: str) -> None:
    print(f"✓ Correct: {message}")


def close_to(answer: float, *, rel_tol: float = 0.01, abs_tol: float = 0.0):
    """The checkers' one closeness test: ``near(value)`` says whether ``answer`` is within
    ``rel_tol`` (1 % by default) or ``abs_tol`` of ``value``; a checker tries the truth, then
    each typical mistake, with the same tolerance."""
    def near(value: float) -> bool:
        return math.isclose(answer, value, rel_tol=rel_tol, abs_tol=abs_tol)
    return near


# ---------------------------------------------------------------- checkers


def check_prediction(prediction, *, low: float | None = None, high: float | None = None,
                     choices: tuple[str, ...] | None = None, unit: str = "") -> None:
    """A prediction is graded on being made, not on being right: a number (finite, and inside
    [``low``, ``high``] where the question bounds it, e.g. a fraction) or one of ``choices``.
    The reveal after the measurement (``verdicts.reveal``) compares it with what was measured."""
    if prediction is None or prediction is ...:
        raise NotYet("no prediction yet: write your guess into the variable before you run the "
                     "measurement below (any honest guess earns the point).")
    if choices is not None:
        if not isinstance(prediction, str) or prediction.strip().lower() not in [c.lower() for c in choices]:
            raise NotYet(f"{prediction!r} is not one of the choices; write one of "
                         + ", ".join(repr(c) for c in choices) + ".")
        print(f"✓ Prediction recorded: {prediction.strip()!r}. It is graded on being made; the "
              "measurement below reveals how it compares.")
        return
    if isinstance(prediction, bool) or not isinstance(prediction, numbers.Real) or not math.isfinite(prediction):
        raise NotYet(f"the prediction is {prediction!r}; write a number{' in ' + unit if unit else ''}.")
    if (low is not None and prediction < low) or (high is not None and prediction > high):
        span = f"between {low:g} and {high:g}" if low is not None and high is not None else (
            f"at least {low:g}" if low is not None else f"at most {high:g}")
        raise NotYet(f"{prediction:g} cannot be right whatever the machine: the answer is {span}"
                     f"{' ' + unit if unit else ''}.")
    print(f"✓ Prediction recorded: {prediction:g}{' ' + unit if unit else ''}. It is graded on being "
          "made; the measurement below reveals how it compares.")


def check_training_arithmetic(
    steps_per_epoch: int, total_steps: int, images_seen: int, *, n_images: int, batch_size: int, epochs: int
) -> None:
    """Notebook 00: how many optimizer steps and forward passes does a training run take?"""
    expected_steps = math.ceil(n_images / batch_size)
    if steps_per_epoch != expected_steps:
        hint = (
            " The last, smaller batch still counts as a step: round up."
            if steps_per_epoch == n_images // batch_size
            else f" Each step takes one batch of {batch_size} images."
        )
        raise NotYet(f"steps_per_epoch is {steps_per_epoch}, but {n_images} images make "
                     f"{expected_steps} batches of up to {batch_size}.{hint}")
    if total_steps != expected_steps * epochs:
        raise NotYet(f"total_steps is {total_steps}; each of the {epochs} epochs runs "
                     f"{expected_steps} steps.")
    if images_seen != n_images * epochs:
        raise NotYet(f"images_seen is {images_seen}; every epoch passes each of the "
                     f"{n_images} images forward (and backward) once.")
    _correct(f"{total_steps:,} optimizer steps, {images_seen:,} images through the network "
             f"forward and backward. Inference on one new image is a single forward pass.")


def check_class_counts(class_counts, ds, num_classes: int) -> None:
    """Notebook 01: ``class_counts(ds, num_classes)`` counts the examples of each class."""
    import numpy as np
    import tensorflow as tf

    truth = np.bincount([int(label) for _, label in ds], minlength=num_classes).tolist()
    answer = [int(c) for c in class_counts(ds, num_classes)]
    if len(answer) != num_classes:
        raise NotYet(f"class_counts returned {len(answer)} numbers; there are {num_classes} "
                     "classes, so return one count per class.")
    if answer != truth:
        raise NotYet(f"class_counts counted {answer}, but the split holds {truth} "
                     f"({sum(truth)} examples in all).")
    lopsided = tf.data.Dataset.from_tensor_slices(
        (tf.zeros((6, 2, 2, 3), tf.uint8), tf.constant([0, 0, 0, 1, 2, 2], tf.int64)))
    if [int(c) for c in class_counts(lopsided, 3)] != [3, 1, 2]:
        raise NotYet("class_counts is right for this split but not for a dataset with labels "
                     "0, 0, 0, 1, 2, 2 (expected [3, 1, 2]): count the labels, don't assume balance.")
    _correct(f"{truth}: at most {max(truth) - min(truth)} example(s) between the largest and "
             "smallest class.")


def check_augmentation(augment, ds, examples: int = 32) -> None:
    """Notebook 01: ``augment(image, label)`` changes images, keeps shape, range and label."""
    import numpy as np
    import tensorflow as tf

    originals = list(ds.take(examples))
    try:
        augmented = list(ds.take(examples).map(augment))
    except Exception as error:  # the student's code: say what happened, in one line
        raise NotYet(f"{augment.__name__} failed inside ds.map ({type(error).__name__}: "
                     f"{str(error).splitlines()[0]}); use tf.image functions on tensors.") from None
    if not all(isinstance(a, tuple) and len(a) == 2 for a in augmented):
        raise NotYet(f"{augment.__name__} must return two things: the image and the label.")
    changed = 0
    for (image, label), (new_image, new_label) in zip(originals, augmented):
        if new_image.shape != image.shape or new_image.dtype != image.dtype:
            raise NotYet(f"an image went in as {image.shape} {image.dtype.name} and came out as "
                         f"{new_image.shape} {new_image.dtype.name}; keep shape and dtype.")
        low, high = float(tf.reduce_min(new_image)), float(tf.reduce_max(new_image))
        if low < -1e-6 or high > 1 + 1e-6:
            raise NotYet(f"pixel values came out between {low:.2f} and {high:.2f}; keep them in "
                         "[0, 1] (tf.clip_by_value).")
        if int(new_label) != int(label):
            raise NotYet(f"label {int(label)} came out as {int(new_label)}: an augmentation must "
                         "never change the answer.")
        changed += not np.allclose(image, new_image)
    if changed < examples // 8:
        raise NotYet(f"only {changed} of {examples} images changed; an augmentation should vary "
                     "most of them (use random operations).")
    _correct(f"{changed} of {examples} images changed; shapes, value range and labels kept.")


# notebook 02


def check_parameter_count(predicted: int, *, filters: tuple[int, ...], num_classes: int,
                          image_size: int) -> None:
    """Notebook 02: predict the parameter count of the course's CNN with other filter counts."""
    from utils import training

    actual = training.small_cnn(num_classes, image_size, filters).count_params()
    if predicted == actual:
        _correct(f"{actual:,} parameters. The convolutions hold almost all of them, and the image "
                 "size does not matter: a kernel is the same size wherever it slides.")
        return
    hint = ("did you count BatchNormalization's 4 numbers per channel (2 trained, 2 running "
            "statistics) and the Dense layer's biases?" if predicted < actual else
            "the convolutions have no bias (use_bias=False); BatchNormalization supplies it.")
    raise NotYet(f"predicted {predicted:,}, but the model has {actual:,} parameters "
                 f"({actual - predicted:+,}); {hint}")


def check_learning_curve(best_epoch: int, epochs_after_best: int, stopped_early: bool,
                         history: dict, *, planned_epochs: int, patience: int = 4) -> None:
    """Notebook 02: read a run's history. Which epoch was best (validation accuracy, the first
    on a tie, as EarlyStopping counts only a strictly better value), how many epochs ran after
    it, and whether early stopping ended the run before ``planned_epochs``.

    Every run has an answer, whether early stopping fired, the last epoch was the best, or the
    run was a single epoch; the message says what that history means.
    """
    accuracy = [float(v) for v in history.get("val_accuracy", [])]
    if not accuracy or len(accuracy) != len(history.get("loss", accuracy)):
        raise ValueError("The history needs one val_accuracy (and loss) per epoch run: pass the "
                         "history that training returned.")
    if len(accuracy) > planned_epochs:
        raise ValueError(f"The history has {len(accuracy)} epochs, more than the "
                         f"{planned_epochs} planned: pass the run's planned epochs.")
    run = len(accuracy)
    best = accuracy.index(max(accuracy)) + 1
    after, early = run - best, run < planned_epochs
    for name, value in (("best_epoch", best_epoch), ("epochs_after_best", epochs_after_best)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise NotYet(f"{name} should be a whole number of epochs, not {value!r}.")
    if best_epoch != best:
        if best_epoch == best - 1:
            hint = "epochs count from 1, so add 1 to a list index."
        elif 1 <= best_epoch <= run and accuracy[best_epoch - 1] == max(accuracy):
            hint = ("that epoch ties with an earlier one; EarlyStopping keeps the first, as only "
                    "a strictly higher accuracy counts as better.")
        else:
            hint = "look for the highest validation accuracy (val_accuracy, not accuracy)."
        raise NotYet(f"epoch {best_epoch} is not the best: validation accuracy peaks at "
                     f"{max(accuracy):.3f} in epoch {best}; {hint}")
    if epochs_after_best != after:
        raise NotYet(f"the run has {run} epoch(s) and the best is epoch {best}, so "
                     f"{after} ran after it, not {epochs_after_best}.")
    if bool(stopped_early) != early:
        raise NotYet(f"{run} of {planned_epochs} planned epochs ran, so early stopping "
                     f"{'did' if early else 'did not'} end the run: stopped_early is {early}.")
    if after == 0:
        meaning = ("the last epoch was the best: the model was still improving when the run "
                   "ended, so more epochs may help.")
    elif early:
        meaning = (f"validation accuracy did not improve for {after} epochs (the patience is "
                   f"{patience}), so early stopping ended the run and restored epoch {best}'s "
                   "weights.")
    else:
        meaning = (f"{after} epoch(s) after the best brought no gain, fewer than the patience "
                   f"({patience}), so the run went on to its planned end; epoch {best}'s weights "
                   "were restored.")
    _correct(f"best epoch {best} of {run}; {meaning}")


# notebook 03


def check_accuracy(accuracy, probabilities, labels) -> None:
    """Notebook 03: ``accuracy(probabilities, labels)``: the fraction of predictions that are right."""
    import numpy as np

    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    right = int(np.sum(np.argmax(probabilities, axis=1) == labels))
    truth = right / len(labels)
    try:
        answer = float(accuracy(probabilities, labels))
    except Exception as error:  # the student's code: say what happened, in one line
        raise NotYet(f"accuracy(probabilities, labels) failed ({type(error).__name__}: "
                     f"{str(error).splitlines()[0] if str(error) else 'no message'}).") from None
    if not math.isclose(answer, truth, abs_tol=1e-6):
        if truth and math.isclose(answer, 100 * truth, rel_tol=1e-6):
            raise NotYet(f"accuracy returned {answer:g}: give it as a fraction between 0 and 1 "
                         f"({truth:.4f}), not as a percentage.")
        if math.isclose(answer, float(np.mean(np.max(probabilities, axis=1))), rel_tol=1e-6):
            raise NotYet("that is the average confidence (the mean of the highest probability), "
                         "not the fraction of right answers: compare the most probable class "
                         "(np.argmax(probabilities, axis=1)) with the label.")
        raise NotYet(f"accuracy returned {answer:.4f}, but {right} of {len(labels)} predictions "
                     f"are right ({truth:.4f}): the predicted class is the one with the highest "
                     "probability, np.argmax(probabilities, axis=1).")
    # right here; also right when the winning probability is below one half?
    tricky = np.array([[0.4, 0.3, 0.3], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.6, 0.3]])
    tricky_labels = np.array([0, 2, 1, 0])
    tricky_answer = float(accuracy(tricky, tricky_labels))
    if not math.isclose(tricky_answer, 0.5, abs_tol=1e-6):
        raise NotYet(f"right on this split, but on four hand-made predictions (most probable "
                     f"classes 0, 2, 0, 1; labels 0, 2, 1, 0) it gives {tricky_answer:g} instead of "
                     "0.5: a prediction is right when the label's class has the highest "
                     "probability, even one below 0.5.")
    _correct(f"{right} of {len(labels)} predictions right: accuracy {truth:.3f}.")


def check_batch_choice(batch_size, sweep, budget_ms: float) -> None:
    """Notebook 03: the batch size with the most images/s whose latency fits ``budget_ms``."""
    measured = {p.batch_size: p for p in sweep}
    fitting = [p for p in sweep if p.latency_ms <= budget_ms]
    best = max(fitting, key=lambda p: p.images_per_s) if fitting else None
    if best is None:
        if batch_size is None:
            _correct(f"no batch size answers within {budget_ms:g} ms on this machine.")
            return
        fastest = min(sweep, key=lambda p: p.latency_ms)
        raise NotYet(f"no measured batch size fits {budget_ms:g} ms (the fastest, batch "
                     f"{fastest.batch_size}, takes {fastest.latency_ms:.1f} ms): answer None.")
    if batch_size not in measured:
        raise NotYet(f"batch size {batch_size!r} was not measured; pick one of "
                     f"{sorted(measured)}.")
    chosen = measured[batch_size]
    if chosen.latency_ms > budget_ms:
        raise NotYet(f"batch {batch_size} takes {chosen.latency_ms:.1f} ms per call, over the "
                     f"budget of {budget_ms:g} ms: every request in that batch would wait that long.")
    if chosen is not best and chosen.images_per_s < best.images_per_s:
        raise NotYet(f"batch {batch_size} fits the budget, but batch {best.batch_size} fits it too "
                     f"and serves more: {best.images_per_s:,.0f} against "
                     f"{chosen.images_per_s:,.0f} images/s.")
    _correct(f"batch {best.batch_size}: {best.latency_ms:.1f} ms per call (budget "
             f"{budget_ms:g} ms), {best.images_per_s:,.0f} images/s.")


def check_break_even(days: float, *, forward_flops: float, images_seen: int,
                     predictions_per_user_per_day: float, users: float) -> None:
    """Notebook 03: the day inference has used as much compute as training did."""
    from utils import inference

    training = inference.training_flops(forward_flops, images_seen)
    truth = inference.break_even_days(training, forward_flops, predictions_per_user_per_day, users)
    try:
        days = float(days)
    except (TypeError, ValueError):
        raise NotYet(f"days is {days!r}; it should be a number of days.") from None

    near = close_to(float(days))

    if near(truth):
        hours = f" ({truth * 24:,.1f} hours)" if truth < 2 else ""
        _correct(f"after {truth:,.2f} days{hours} inference has cost as much compute as training "
                 f"({training:.3g} FLOPs); every day after that, inference dominates more.")
        return
    if near(truth / inference.BACKWARD_FACTOR):
        hint = ("training pays about 3 forward passes per image (forward, then the backward pass "
                "for the weights and for the inputs).")
    elif users != 1 and near(truth * users):
        hint = f"every one of the {users:,} users makes predictions: multiply by the users."
    elif predictions_per_user_per_day != 1 and near(truth * predictions_per_user_per_day):
        hint = (f"each user makes {predictions_per_user_per_day:,} predictions a day: multiply "
                "by them.")
    elif days and near(1 / truth):
        hint = "that is the inverse: divide the training compute by one day of inference compute."
    else:
        hint = ("training compute is 3 × forward FLOPs × images seen; one day of inference is "
                "forward FLOPs × predictions per user per day × users; divide the first by the second.")
    raise NotYet(f"{float(days):,.4g} days is not it; {hint}")


# notebook 04


def check_sparsity_choice(choice, rows: list[dict], budget_bytes: float) -> None:
    """Notebook 04: the sparsity whose gzip size fits ``budget_bytes`` with the best
    *validation* accuracy (the test split is kept for reporting the choice once)."""
    key = "validation_accuracy"
    fitting = [row for row in rows if row["gzip_bytes"] <= budget_bytes]
    best = max(fitting, key=lambda row: row[key]) if fitting else None
    if best is None:
        if choice is None:
            _correct(f"no sparsity fits {budget_bytes:,.0f} bytes gzipped.")
            return
        raise NotYet(f"no row fits {budget_bytes:,.0f} bytes (the smallest is "
                     f"{min(row['gzip_bytes'] for row in rows):,} bytes): answer None.")
    by_sparsity = {row["sparsity"]: row for row in rows}
    if choice not in by_sparsity:
        raise NotYet(f"{choice!r} is not a sparsity of the sweep; pick one of "
                     f"{', '.join(str(s) for s in by_sparsity)}.")
    chosen = by_sparsity[choice]
    if chosen["gzip_bytes"] > budget_bytes:
        raise NotYet(f"sparsity {choice:.0%} gzips to {chosen['gzip_bytes']:,} bytes, over the "
                     f"budget of {budget_bytes:,.0f}.")
    if chosen[key] < best[key]:
        test_best = max(fitting, key=lambda row: row["test_accuracy"])
        hint = (" You chose on the test accuracy: choose on the validation split, and keep the "
                "test split for reporting the choice once." if test_best is chosen else "")
        raise NotYet(f"sparsity {choice:.0%} fits, but {best['sparsity']:.0%} fits too and is more "
                     f"accurate on validation ({best[key]:.3f} against {chosen[key]:.3f}).{hint}")
    _correct(f"sparsity {choice:.0%}: {chosen['gzip_bytes']:,} bytes gzipped, validation accuracy "
             f"{chosen[key]:.3f}.")


def check_rare_units(counts, layer, rates, threshold: float) -> None:
    """Notebook 04: count each layer's channels that fire at most ``threshold`` of the time, and
    name the layer with the most of them (None when no layer has any)."""
    import numpy as np

    from utils import pruning

    truth = pruning.dead_units(rates, threshold)
    if not isinstance(counts, dict) or set(counts) != set(truth):
        raise NotYet(f"rare_counts should be a dict with one count per ReLU layer, keyed by the "
                     f"layer names {sorted(truth)} (the keys of rates).")
    wrong = {name: counts[name] for name in truth if counts[name] != truth[name]}
    if wrong:
        name, count = next(iter(wrong.items()))
        channels = len(rates[name])
        share = float(np.mean(np.asarray(rates[name]) <= threshold))
        if isinstance(count, float) and not float(count).is_integer() and math.isclose(count, share, abs_tol=1e-6):
            hint = "that is the share of the layer's channels; count them (np.sum, not np.mean)."
        elif count == channels - truth[name]:
            hint = ("those are the channels that fire *more* often; count the ones whose rate is "
                    f"at most {threshold:g}.")
        else:
            hint = (f"count the channels whose firing rate is at most {threshold:g}: "
                    f"np.sum(rates[name] <= {threshold:g}).")
        raise NotYet(f"rare_counts[{name!r}] is {count!r}, but {truth[name]} of its {channels} "
                     f"channels fire at most {threshold:g} of the time; {hint}")
    most = max(truth.values())
    leaders = [name for name, count in truth.items() if count == most]
    if most == 0:
        if layer is None:
            _correct(f"no channel fires at most {threshold:g} of the time, in any layer.")
            return
        raise NotYet(f"no layer has a channel firing at most {threshold:g} of the time (all "
                     f"counts are 0), so there is no such layer: answer None.")
    if isinstance(layer, (int, np.integer)) and not isinstance(layer, bool):
        raise NotYet(f"most_rare is the number {layer}; give the layer's name, one of "
                     f"{sorted(truth)}.")
    if layer not in truth:
        raise NotYet(f"most_rare is {layer!r}, which is not one of the ReLU layers "
                     f"{sorted(truth)}.")
    if layer not in leaders:
        by_share = max(truth, key=lambda name: truth[name] / len(rates[name]))
        hint = (f" {layer!r} has the largest *share* of them, but the question is the largest "
                "number." if layer == by_share else "")
        raise NotYet(f"{layer!r} has {truth[layer]} such channels, {leaders[0]!r} has {most}: "
                     f"pick the layer with the largest count.{hint}")
    total = sum(len(r) for r in rates.values())
    _correct(f"{layer!r}, with {most} of its {len(rates[layer])} channels firing at most "
             f"{threshold:g} of the time ({sum(truth.values())} of {total} channels in all).")


# notebook 05


def check_l1_norms(filter_l1_norms, model) -> None:
    """Notebook 04: ``filter_l1_norms(model)`` gives the L1 norm of every filter, as
    ``{ReLU layer name: one norm per channel}`` (the sum of the absolute values of the weights
    that compute the channel)."""
    import numpy as np

    from utils import pruning

    layers = pruning.channel_layers(model)
    truth = pruning.l1_norms(model)
    if not callable(filter_l1_norms):
        raise NotYet("filter_l1_norms should be a function that takes the model and returns the "
                     "norms, not the norms themselves.")
    answer = filter_l1_norms(model)
    if not isinstance(answer, dict) or set(answer) != set(truth):
        conv_names = {layer.name for layer, _ in layers.values()}
        if isinstance(answer, dict) and set(answer) == conv_names:
            hint = ("those are the convolutions' names: key each norm by the ReLU layer that "
                    "follows its convolution, as the firing rates are")
        else:
            hint = "one entry per ReLU layer, as the firing rates have"
        raise NotYet(f"the result should be a dict keyed by {sorted(truth)}; {hint}.")
    for name, expected in truth.items():
        got = np.asarray(answer[name], dtype=np.float64)
        kernel = layers[name][0].kernel.numpy()
        flat = kernel.reshape(-1, kernel.shape[-1]).astype(np.float64)
        if got.shape != expected.shape:
            hint = (" You summed over the filters (the kernel's last axis); sum over the other three."
                    if got.shape[-1:] == (kernel.shape[-2],) else "")
            raise NotYet(f"{name}: {got.shape} values, but the layer has {len(expected)} filters: "
                         f"give one norm per filter.{hint}")
        if np.allclose(got, expected, rtol=1e-5, atol=1e-6):
            continue
        if np.allclose(got, flat.sum(axis=0), rtol=1e-5, atol=1e-6):
            hint = "that is the plain sum of the weights; the L1 norm adds their absolute values"
        elif np.allclose(got, np.sqrt((flat ** 2).sum(axis=0)), rtol=1e-5, atol=1e-6):
            hint = "that is the L2 norm (root of the sum of squares); the L1 norm sums absolute values"
        elif np.allclose(got, np.abs(flat).mean(axis=0), rtol=1e-5, atol=1e-6):
            hint = "that is the mean of the absolute values; the L1 norm is their sum"
        else:
            hint = "np.abs(kernel).sum(axis=(0, 1, 2)) gives one norm per filter"
        raise NotYet(f"{name}: the norms differ from the kernel's L1 norms; {hint}.")
    smallest = {name: int(np.argmin(v)) for name, v in truth.items()}
    _correct(f"one L1 norm per filter in every layer; the weakest filters are {smallest}.")


def check_int8_value(answer, x: float, scale: float, zero_point: int) -> None:
    """Notebook 05: the int8 code TFLite stores for the float ``x`` (a tie x.5 rounds away from
    zero, as TFLite's converter and reference kernel do)."""
    import numpy as np

    from utils import quantization

    def code(ratio):
        return int(np.clip(quantization.round_half_away(ratio) + zero_point, -128, 127))

    truth = int(quantization.quantize(x, scale, zero_point))
    ratio = float(np.float32(x) / np.float32(scale))
    if answer == truth:
        tie = (f" {x} / {scale} is exactly {ratio:g} (in float32 too), a tie: TFLite rounds it away "
               f"from zero, to {quantization.round_half_away(ratio):g}." if abs(ratio % 1) == 0.5 else "")
        _correct(f"{x} is stored as round({x} / {scale}) + ({zero_point}) = {truth}; it reads back "
                 f"as ({truth} − ({zero_point})) × {scale} = {(truth - zero_point) * scale:.6g}.{tie}")
        return
    even = int(np.clip(np.round(ratio) + zero_point, -128, 127))
    if isinstance(answer, float) and not float(answer).is_integer():
        hint = "an int8 value is a whole number: round x / scale before adding the zero point."
    elif answer == even:
        hint = (f"x / scale = {ratio:g} is a tie, and np.round sends a tie to the even neighbour "
                f"({np.round(ratio):g}). TFLite rounds a tie away from zero ({quantization.round_half_away(ratio):g}), "
                "like C's std::round: use np.sign(v) * np.floor(np.abs(v) + 0.5).")
    elif answer == truth - zero_point:
        hint = "add the zero point after rounding x / scale."
    elif answer == code(ratio - 2 * zero_point):
        hint = "the zero point is added, not subtracted: q = round(x / scale) + zero_point."
    elif answer == code(x * scale):
        hint = "divide x by the scale (the scale is the size of one step), don't multiply."
    else:
        hint = "q = round(x / scale) + zero_point (a tie away from zero), clipped to [-128, 127]."
    raise NotYet(f"{answer!r} is not it; {hint}")


def _conv_diagnosis(answer, x, layer) -> tuple[str, str] | None:
    """The first stage of a student's int8 convolution that differs from the course's staged
    reference (quantization.int8_conv_stages), as (step, hint); None when every stage agrees."""
    import numpy as np

    from utils import quantization

    ref = quantization.int8_conv_stages(x, layer)
    if not isinstance(answer, dict) or not set(quantization.CONV_STAGES) <= set(answer):
        return ("result", "return a dict with the keys " + ", ".join(map(repr, quantization.CONV_STAGES)) + ".")
    acc = np.asarray(answer["accumulator"])
    if acc.shape != ref["accumulator"].shape:
        return ("accumulate", f"the accumulator has shape {acc.shape}, not {ref['accumulator'].shape}: SAME "
                "padding keeps the height and width, and there is one value per output channel "
                "(TFLite stores the weights as (out, 3, 3, in)).")
    if not np.array_equal(acc, ref["accumulator"]):
        w, b = layer["weights"], layer["bias"]
        # Padding the stored int8 values with 0 (not with x_zero) adds (0 − x_zero) × w at the border.
        inside = quantization.conv_accumulator(np.ones_like(x), 0, w, np.zeros_like(b))
        border_taps = np.asarray(w, np.int64).sum(axis=(1, 2, 3)) - inside
        padded_with_zero = ref["accumulator"] - int(layer["x_zero"]) * border_taps
        if np.array_equal(acc, quantization.conv_accumulator(x, 0, w, b)):
            hint = (f"you multiplied the stored int8 values as they are; subtract the input's zero point "
                    f"({layer['x_zero']}) first: (x − x_zero) is the integer that stands for the real input.")
            return ("zero point of the input", hint)
        if np.array_equal(acc, ref["accumulator"] - np.asarray(b, np.int32)):
            return ("bias", "add the int32 bias (one per output channel) to the accumulator before requantizing.")
        if np.array_equal(acc, padded_with_zero):
            return ("padding", "SAME padding pads with the real 0, which is x_zero in int8 and 0 after "
                    "subtracting it: subtract the zero point before you pad with zeros.")
        where = tuple(int(i) for i in np.argwhere(acc != ref["accumulator"])[0])
        return ("accumulate", f"the accumulator differs first at {where}: {int(acc[where])} instead of "
                f"{int(ref['accumulator'][where])}. Sum (x − x_zero) × w over the 3×3×{np.shape(w)[-1]} "
                "window (weights indexed [out, row, column, in]), then add the bias.")
    multiplier = np.asarray(answer["multiplier"], np.float64)
    expected = ref["multiplier"].astype(np.float64)
    if multiplier.shape != expected.shape:
        return ("requantize", f"the multiplier has shape {multiplier.shape}; give one per output channel "
                f"({expected.shape[0]}): x_scale × w_scales / y_scale, since every channel has its own weight scale.")
    if not np.allclose(multiplier, expected, rtol=1e-6):
        if np.allclose(multiplier, 1 / expected, rtol=1e-6):
            hint = "that is its inverse: the multiplier is x_scale × w_scale / y_scale."
        else:
            hint = "the multiplier is x_scale × w_scale / y_scale, per output channel."
        return ("requantize", hint)
    scaled = np.asarray(answer["scaled"])
    if scaled.shape != ref["scaled"].shape or not np.allclose(scaled, ref["scaled"], rtol=1e-5, atol=1e-3):
        return ("requantize", "scaled = accumulator × multiplier, channel by channel (the last axis).")
    if not np.array_equal(scaled.astype(np.float32), ref["scaled"]) or scaled.dtype != np.float32:
        return ("requantize", "the kernel computes in float32: the multiplier as (np.float32(x_scale) × "
                "w_scales) / np.float32(y_scale) and scaled = accumulator.astype(np.float32) × multiplier. "
                "float64 differs in the last bits, and that moves a few outputs by one step.")
    output = np.asarray(answer["output"])
    if output.shape != ref["output"].shape:
        return ("output", f"the output has shape {output.shape}, not {ref['output'].shape}.")
    if np.array_equal(output.astype(np.int64), ref["output"].astype(np.int64)):
        if output.dtype != np.int8:
            return ("output", f"the values are right, but the dtype is {output.dtype}: return .astype(np.int8).")
        return None
    y_zero, low = int(layer["y_zero"]), int(layer["y_zero"]) if layer.get("relu") else -128

    def final(rounded, zero=y_zero, lowest=low):
        return np.clip(rounded + zero, lowest, 127)

    s = ref["scaled"]
    candidates = [
        ("rounding", np.floor(s), "np.floor rounds down (and so does astype(int) for the positive values a ReLU "
         "keeps); round to the nearest whole number."),
        ("rounding", np.trunc(s), "astype(int) or np.trunc cuts toward zero; round to the nearest whole number."),
        ("rounding", quantization.round_half_away(s), "a tie (x.5) goes away from zero in your code; this kernel "
         "rounds it to the even neighbour (np.rint), as XNNPACK's float-to-int conversion does."),
        ("rounding", np.ceil(s), "np.ceil rounds up; round to the nearest whole number."),
        ("output zero point", np.rint(s) - y_zero - y_zero, "the output zero point is added, not subtracted."),
        ("output zero point", np.rint(s) - y_zero, f"add the output zero point ({y_zero}) after rounding."),
    ]
    for step, rounded, hint in candidates:
        if any(np.array_equal(output.astype(np.int64), final(rounded, lowest=lowest)) for lowest in (low, -128)):
            return (step, hint)
    if layer.get("relu") and np.array_equal(output.astype(np.int64), final(np.rint(s), lowest=-128)):
        return ("clamp", f"the layer has a fused ReLU: clamp at the zero point ({y_zero}, the real 0), not at −128.")
    if np.array_equal(output.astype(np.int64), (np.rint(s) + y_zero).astype(np.int64).astype(np.int8)) or \
            np.array_equal(output.astype(np.int64), np.rint(s) + y_zero):
        return ("clamp", f"clip to [{low}, 127] before converting to int8; values outside wrap around.")
    where = tuple(int(i) for i in np.argwhere(output.astype(np.int64) != ref["output"])[0])
    return ("rounding", f"the output differs first at {where}: {int(output[where])} instead of {int(ref['output'][where])}. "
            "Round scaled to the nearest whole number (a tie to even), add y_zero, clamp, convert to int8.")


def check_int8_conv(int8_conv, x, layer: dict, expected) -> None:
    """Notebook 05: the student's ``int8_conv(x, layer)`` (a dict of the stages accumulator,
    multiplier, scaled, output) must give, bit for bit, the int8 output the LiteRT interpreter
    gave for the inputs ``x`` (``expected``). On a mismatch it names the first step that differs
    from the staged reference; it also runs a small hand-made layer full of ties."""
    import numpy as np

    from utils import quantization

    if not callable(int8_conv):
        raise NotYet("int8_conv should be a function of (x, layer), not its result.")
    expected = np.asarray(expected)
    runtime = next((k for k in ("default", "builtin")
                    if np.array_equal(quantization.int8_conv_stages(x, layer, k)["output"], expected)), None)
    answer = int8_conv(x, layer)
    output = np.asarray(answer.get("output") if isinstance(answer, dict) else answer)
    if runtime is None:
        raise NotYet("the interpreter's output matches neither of the course's reference kernels "
                     "(XNNPACK's float32 rounding, TFLite's fixed point): this LiteRT is another "
                     "version; the steps are the same, the rounding of the multiply may differ.")
    if output.shape == expected.shape and np.array_equal(output.astype(np.int64), expected.astype(np.int64)) \
            and output.dtype == np.int8:
        probe_x, probe_layer = quantization.tie_probe()
        problem = _conv_diagnosis(int8_conv(probe_x, probe_layer), probe_x, probe_layer) if runtime == "default" else None
        if problem is not None:
            raise NotYet(f"bit-exact on these {len(expected)} inputs, but not on a small layer made of ties: "
                         f"the first step that differs is the {problem[0]}: {problem[1]}")
        _correct(f"bit-exact: all {expected.size:,} int8 outputs ({len(expected)} inputs × "
                 f"{expected.shape[1]}×{expected.shape[2]}×{expected.shape[3]}) equal the interpreter's.")
        return
    problem = _conv_diagnosis(answer, x, layer)
    differ = (f"{int(np.sum(output.astype(np.int64) != expected))} of {expected.size:,} outputs differ"
              if output.shape == expected.shape else "the output's shape differs")
    if problem is None and runtime == "builtin":
        problem = ("rounding", "this LiteRT ran TFLite's builtin kernel, which rounds with a fixed-point "
                   "multiplier: quantization.multiply_by_quantized_multiplier(accumulator, multiplier) does it.")
    step, hint = problem if problem else ("output", "compare each stage with the steps above.")
    if differ.startswith("0 of"):
        raise NotYet(hint)
    raise NotYet(f"{differ} from the interpreter's. The first step that differs is the {step}: {hint}")


# notebook 06


def _number(answer, what: str) -> float:
    try:
        return float(answer)
    except (TypeError, ValueError):
        raise NotYet(f"the answer is {answer!r}; it should be a number of {what}.") from None


def check_feet(feet, latency_ms: float, mph: float = 60) -> None:
    """Notebook 06: the feet a vehicle at ``mph`` covers while it waits ``latency_ms``."""
    from utils import latency

    truth = latency.feet_travelled(latency_ms, mph)
    feet = _number(feet, "feet")

    near = close_to(feet)

    if near(truth):
        _correct(f"{truth:,.1f} feet ({latency.metres_travelled(latency_ms, mph):,.1f} m) at {mph:g} mph "
                 f"in {latency_ms:,.1f} ms: {mph * 5280 / 3600:.0f} feet every second.")
        return
    if near(truth * 1000):
        hint = "the latency is in milliseconds: divide it by 1,000 to get seconds."
    elif near(latency.metres_travelled(latency_ms, mph)):
        hint = "that is metres; the question asks for feet (5,280 feet to the mile)."
    elif near(truth * 3600):
        hint = "mph is miles per hour: divide by 3,600 seconds to get miles per second."
    elif near(mph * latency_ms / 1000 / 3600) or near(mph * latency_ms / 1000):
        hint = "that is in miles: a mile has 5,280 feet."
    else:
        hint = (f"feet = speed in feet per second × seconds; {mph:g} mph is "
                f"{mph:g} × 5,280 / 3,600 feet per second.")
    raise NotYet(f"{feet:,.4g} feet is not it; {hint}")


def check_break_even_bandwidth(mbps, *, payload_bytes: float, network, server_ms: float,
                               edge_ms: float, result_bytes: float = 64) -> None:
    """Notebook 06: the uplink bandwidth above which the cloud's median beats the edge."""
    from utils import latency

    truth = latency.break_even_uplink_mbps(payload_bytes, network, server_ms, edge_ms,
                                           result_bytes=result_bytes)
    if math.isinf(truth):
        if mbps is None or (isinstance(mbps, (int, float)) and math.isinf(mbps)):
            _correct(f"the round trip ({network.rtt_ms:g} ms) and the server alone take longer than the "
                     f"edge's {edge_ms:g} ms: no bandwidth makes the cloud faster.")
            return
        raise NotYet(f"the round trip and the server take {network.rtt_ms + server_ms:,.1f} ms, already "
                     f"more than the edge's {edge_ms:g} ms: no bandwidth is enough, answer math.inf.")
    mbps = _number(mbps, "Mbit/s")

    near = close_to(mbps)

    if near(truth):
        _correct(f"above {truth:,.2f} Mbit/s the cloud answers faster than the edge's {edge_ms:g} ms; "
                 f"below it, sending {payload_bytes:,.0f} bytes takes too long.")
        return
    if near(truth / 8):
        hint = "bandwidth counts bits: multiply the bytes by 8."
    elif near(truth * 1000) or near(truth / 1000):
        hint = "mind the units: bits / (ms × 1,000) gives Mbit/s."
    elif near(payload_bytes * 8 / (edge_ms * 1e3)):
        hint = ("the upload does not get the edge's whole time: the round trip, the server and the "
                "downlink come out of it first.")
    else:
        hint = ("the cloud's median is upload + round trip + server + downlink; set it equal to the "
                "edge's time and solve for the uplink bandwidth.")
    raise NotYet(f"{mbps:,.4g} Mbit/s is not it; {hint}")


def check_max_fps(fps, stages_ms: dict[str, float]) -> None:
    """Notebook 06: the highest frame rate at which every stage of a pipeline keeps up."""
    busiest = max(stages_ms, key=stages_ms.get)
    truth = 1000 / stages_ms[busiest]
    fps = _number(fps, "frames per second")

    near = close_to(fps)

    if near(truth):
        _correct(f"{truth:,.1f} frames/s: the {busiest} stage ({stages_ms[busiest]:,.2f} ms a frame) is "
                 "the bottleneck; any faster and its queue grows without bound.")
        return
    if near(1000 / sum(stages_ms.values())):
        hint = ("that is one frame at a time. In a pipeline the stages work on different frames at "
                "once, so only the slowest stage limits the rate.")
    elif any(near(1000 / ms) for ms in stages_ms.values() if ms):
        hint = "that stage is not the one that limits the rate: look for the slowest stage."
    else:
        hint = "a stage busy m ms per frame handles at most 1000 / m frames per second."
    raise NotYet(f"{fps:,.4g} frames/s is not it; {hint}")


def check_cold_extra(extra_ms, *, payload_bytes: float, network, promotion_ms: float,
                     tls: str = "1.2") -> None:
    """Notebook 06: the milliseconds a cold request adds to a warm one (radio promotion, TCP and
    TLS handshakes, slow start)."""
    from utils import latency

    rtt, tls_trips = network.rtt_ms, latency.TLS_ROUND_TRIPS[tls]
    slow = latency.slow_start_ms(payload_bytes, network)
    truth = promotion_ms + rtt + tls_trips * rtt + slow
    extra_ms = _number(extra_ms, "ms")

    near = close_to(extra_ms, rel_tol=0.005, abs_tol=0.05)

    if near(truth):
        _correct(f"{truth:,.1f} ms = promotion {promotion_ms:g} + TCP {rtt:g} + TLS {tls} {tls_trips * rtt:g} + "
                 f"slow start {slow:,.1f}: a cold request pays {1 + tls_trips} round trips of handshakes first.")
        return
    if near(truth / 1000):
        hint = "that looks like seconds: give milliseconds."
    elif near(truth - promotion_ms):
        hint = "the radio first wakes from idle: add the promotion time."
    elif near(truth - slow):
        hint = ("the payload does not leave at full speed on a new connection: add slow start "
                "(latency.slow_start_ms).")
    elif near(truth - rtt):
        hint = ("one round trip short: TCP's handshake (SYN, SYN-ACK) costs one before any data, and "
                "TLS 1.2 two after it (TLS 1.3 one).")
    elif tls_trips and near(truth - tls_trips * rtt):
        hint = f"TLS {tls} has its own handshake: {tls_trips} round trip(s) after TCP's."
    elif near(truth + rtt):
        hint = "count only what a cold request adds: the warm request's own round trip is in both."
    else:
        hint = "add the promotion, one round trip for TCP, TLS's round trips and slow start's extra time."
    raise NotYet(f"{extra_ms:,.4g} ms is not it; {hint}")


def check_lossy_request(expected_ms, *, ok_ms: float, loss: float, rtt_ms: float,
                        rto_min_ms: float | None = None) -> None:
    """Notebook 06: the expected latency of a request of one packet out and one back, each lost
    with probability ``loss``; a lost packet costs a retransmission timeout, RTO_MIN + RTT."""
    from utils import latency

    rto_min_ms = latency.RTO_MIN_MS if rto_min_ms is None else rto_min_ms
    timeout = rto_min_ms + rtt_ms
    truth = ok_ms + 2 * loss * timeout  # E[T] = T_ok + P(request lost) × RTO + P(answer lost) × RTO
    expected_ms = _number(expected_ms, "ms")

    near = close_to(expected_ms, rel_tol=0.005, abs_tol=0.05)

    if near(truth) or near(ok_ms + (1 - (1 - loss) ** 2) * timeout):
        _correct(f"{truth:,.2f} ms = {ok_ms:,.2f} + 2 × {loss:g} × ({rto_min_ms:g} + {rtt_ms:g}): two packets, "
                 f"each lost with probability {loss:g}, each loss a whole timeout. The mean moves by "
                 f"{truth - ok_ms:,.2f} ms; the p99 moves by the whole timeout.")
        return
    if near(truth / 1000):
        hint = "that looks like seconds: give milliseconds."
    elif near(ok_ms + loss * timeout):
        hint = "two packets can be lost, the request and the answer: each adds loss × RTO."
    elif near(ok_ms + 2 * loss * rto_min_ms):
        hint = ("after the timeout the packet is sent again and needs its round trip again: a loss "
                "costs RTO_MIN_MS + RTT.")
    elif near((1 - 2 * loss) * ok_ms + 2 * loss * timeout) or near((1 - loss) * ok_ms + loss * timeout):
        hint = ("a request that loses a packet still takes its normal time after the retransmission: "
                "T_ok + RTO, not RTO alone.")
    elif near(ok_ms + 2 * loss * (latency.INITIAL_RTO_MS + rtt_ms)):
        hint = ("the initial timeout of 1 s applies only before a round trip was measured (a lost "
                "SYN); on a warm connection the timeout is RTO_MIN_MS + RTT.")
    elif near(ok_ms + 2 * loss * 100 * timeout) or near(ok_ms + loss * 100 * timeout):
        hint = "loss is a fraction: 1 % is 0.01, not 1."
    elif near(ok_ms):
        hint = "a lost packet costs a timeout: add loss × (RTO_MIN_MS + RTT) for each of the two packets."
    else:
        hint = "E[T] = T_ok + P(request lost) × RTO + P(answer lost) × RTO, with RTO = RTO_MIN_MS + RTT."
    raise NotYet(f"{expected_ms:,.4g} ms is not it; {hint}")


# notebook 07


def check_server_load(rho, p99_ms, max_cameras, *, cameras: int, fps: float, service_ms: float,
                      budget_ms: float) -> None:
    """Notebook 07: the utilisation ``cameras`` at ``fps`` put on an M/M/1 server taking
    ``service_ms`` on average, its p99 response time, and the most cameras it can take before its
    p99 passes ``budget_ms``."""
    from utils import latency

    rate = cameras * fps  # λ, requests per second
    capacity = 1000 / service_ms  # μ, requests per second
    truth = latency.utilisation(rate, service_ms)
    rho = _number(rho, "utilisation (a fraction)")
    near = close_to(rho)
    if not near(truth):
        if near(truth * 1000):
            hint = "the service time is in milliseconds: divide it by 1,000 before multiplying by requests per second."
        elif truth and near(1 / truth):
            hint = "that is μ / λ, upside down: ρ = λ / μ, the requests arriving over the requests the server can answer."
        elif near(fps * service_ms / 1000):
            hint = f"that is one camera's load: λ counts the frames of all {cameras} cameras together."
        else:
            hint = "ρ = λ × service time: requests per second times seconds per request."
        raise NotYet(f"rho = {rho:,.4g} is not it; {hint}")

    spare = capacity - rate  # μ − λ, per second
    p99 = latency.mm1_response_percentile_ms(rate, service_ms)
    p99_ms = _number(p99_ms, "ms")
    near = close_to(p99_ms)
    if not near(p99):
        if near(p99 / 1000):
            hint = "that looks like seconds: give milliseconds."
        elif near(-p99):
            hint = "it came out negative: μ − λ is the service rate minus the arrival rate, not the other way round."
        elif near(1000 / spare):
            hint = "that is the mean response, 1 / (μ − λ); the p99 is ln(100) ≈ 4.6 times the mean."
        elif near(2 * 1000 / spare):
            hint = "ln is the natural logarithm: ln(100) ≈ 4.61, not log10(100) = 2."
        elif near(math.log(100 * truth) / spare * 1000) or near(p99 - service_ms):
            hint = ("that is the wait in the queue alone; the response time also counts the request's own "
                    "service: ln(100) / (μ − λ).")
        elif near(math.log(100) * service_ms):
            hint = ("that is the service time's own p99, as if no request ever waited; behind a queue the "
                    "response is exponential with rate μ − λ, not μ.")
        elif near(math.log(100) / (capacity - fps) * 1000):
            hint = f"λ is the rate of all {cameras} cameras, not one camera's."
        else:
            hint = "an M/M/1 response time is exponential with rate μ − λ (per second): p99 = ln(100) / (μ − λ)."
        raise NotYet(f"p99_ms = {p99_ms:,.4g} is not it; {hint}")

    most = _number(max_cameras, "cameras")
    if most != int(most) or most < 0:
        raise NotYet(f"max_cameras = {max_cameras!r}; answer a whole number of cameras.")
    most = int(most)
    best = max(0, math.floor((capacity - math.log(100) / (budget_ms / 1000)) / fps))
    if most != best:
        at = latency.mm1_response_percentile_ms(most * fps, service_ms) if most else 0.0
        if most > best:
            where = ("the server is then at or above full load and its queue never settles"
                     if math.isinf(at) else f"their p99 is {at:,.1f} ms, over the {budget_ms:g}-ms budget")
            fix = ("round down: the camera count is the largest whole number under the limit" if most == best + 1 else
                   f"the budget needs spare capacity: μ − λ must stay at least ln(100) / {budget_ms / 1000:g} s = "
                   f"{math.log(100) / (budget_ms / 1000):,.1f} requests per second")
            hint = f"with {most} cameras {where}; {fix}."
        else:
            hint = (f"{most + 1} cameras still meet the budget (p99 "
                    f"{latency.mm1_response_percentile_ms((most + 1) * fps, service_ms):,.1f} ms): solve "
                    f"ln(100) / (μ − λ) ≤ {budget_ms:g} ms for λ, then divide by {fps:g} frames per second.")
        raise NotYet(f"max_cameras = {most} is not it; {hint}")
    _correct(f"ρ = {truth:.2f}; p99 = ln(100) / ({capacity:,.0f} − {rate:,.0f} per s) = {p99:,.1f} ms; "
             f"{best} cameras keep it under {budget_ms:g} ms (p99 "
             f"{latency.mm1_response_percentile_ms(best * fps, service_ms):,.1f} ms, ρ = "
             f"{latency.utilisation(best * fps, service_ms):.2f}): the budget, not full load, sets the limit.")


# notebook 08


def _deployment_hint(chosen, row: dict, constraints) -> str:
    """What a deployment that misses the capstone's constraints tells about the mistake behind it."""
    from utils import explorer

    if chosen.where == explorer.CLOUD or constraints is None or chosen.size_bytes <= constraints.ram_bytes:
        return ""
    if row["file_bytes"] <= constraints.ram_bytes:
        return (f" The file alone ({explorer.number(row['file_bytes'] / 1000)} kB) would fit, but the interpreter "
                f"also holds {explorer.number(row['activation_bytes'] / 1000)} kB of activations while it runs: "
                "count both.")
    if row["gzip_bytes"] <= constraints.ram_bytes:
        return (f" Its gzipped download ({explorer.number(row['gzip_bytes'] / 1000)} kB) would fit, but the "
                "device stores and runs the file uncompressed.")
    return ""


def check_deployment_choice(choice, grid: list[dict], devices: dict, budget, constraints=None) -> None:
    """Notebook 08: the most accurate deployment on validation that meets ``budget``
    (explorer.Settings) and, for the capstone, ``constraints`` (explorer.Constraints: an
    int8-only device, the app's RAM, a monthly data plan), as ``(variant, "edge" or "cloud")``, or
    None when none does. A qualifying deployment within noise of the most accurate one is accepted
    too. The typical mistakes are named: a float model on an int8-only device, the file or the
    download counted instead of file + activations, a cloud stream over the data plan, a choice
    made on the test split."""
    from utils import explorer

    view = explorer.compute(grid, devices, budget)
    if constraints is not None:
        view = explorer.constrain(view, constraints)
    every = {(d.variant, d.where): d for pair in view.deployments for d in pair}
    qualifying = [d for d in every.values() if d.qualifies]
    places = f'"edge" (on {view.edge.place}) or "cloud" ({view.cloud.place})'
    if choice is None:
        if not qualifying:
            _correct("no deployment meets this budget; loosen one of its limits.")
            return
        raise NotYet(f"{len(qualifying)} deployment(s) meet the budget, e.g. {qualifying[0].variant!r} at "
                     f"the {qualifying[0].where}: answer the most accurate as (variant, where).")
    if not isinstance(choice, (tuple, list)) or len(choice) != 2:
        raise NotYet(f"answer a pair (variant, where), e.g. ({grid[0]['variant']!r}, \"edge\"); got {choice!r}.")
    variant, where = choice
    if variant not in {row["variant"] for row in grid}:
        raise NotYet(f"{variant!r} is not a variant of the grid; use a name from its 'variant' column, "
                     f"e.g. {grid[0]['variant']!r}.")
    if where not in (explorer.EDGE, explorer.CLOUD):
        raise NotYet(f"where is {where!r}; say {places}.")
    chosen = every[variant, where]
    if not qualifying:
        raise NotYet(f"{variant} at the {where} misses the budget ({'; '.join(chosen.reasons)}), and so "
                     "does every other deployment: answer None.")
    if not chosen.qualifies:
        row = next(r for r in grid if r["variant"] == variant)
        raise NotYet(f"{variant} at the {where} misses the budget: {'; '.join(chosen.reasons)}."
                     + _deployment_hint(chosen, row, constraints))
    best = view.best
    tied = chosen.accuracy >= best.accuracy or explorer.within_noise(
        chosen.accuracy, chosen.accuracy_se, best.accuracy, best.accuracy_se)
    if not tied:
        on_test = (chosen.test_accuracy is not None and best.test_accuracy is not None
                   and chosen.test_accuracy > best.test_accuracy)
        raise NotYet(f"{variant} at the {where} meets the budget, but {best.variant} at the {best.where} "
                     f"does too and is more accurate on validation ({explorer.percent(best.accuracy, best.accuracy_se)} "
                     f"against {explorer.percent(chosen.accuracy, chosen.accuracy_se)}), by more than noise."
                     + (" Yours is ahead on the test split: choose on validation, and read the test split "
                        "once, after choosing, or its figure is no longer an unbiased estimate." if on_test else ""))
    size = f"{explorer.number(chosen.size_bytes / 1000)} kB on the device" if where == explorer.EDGE else \
        "the model stays on the server"
    note = "" if chosen.accuracy >= best.accuracy else (
        f" It is within noise of the most accurate, {best.variant} at the {best.where} "
        f"({explorer.percent(best.accuracy, best.accuracy_se)}): the validation split cannot tell them apart.")
    _correct(f"{variant}, running at the {where} ({chosen.place}): {size}, p99 "
             f"{explorer.number(chosen.p99_ms)} ms, validation accuracy "
             f"{explorer.percent(chosen.accuracy, chosen.accuracy_se)}.{note}")

