"""Notebook 03: the checkers of the inference exercises (accuracy, the batch size within a
latency budget, the day inference overtakes training)."""

from __future__ import annotations

import math

from utils.exercises.base import NotYet, _correct, close_to


def check_accuracy(accuracy, probabilities, labels) -> None:
    """Notebook 03: ``accuracy(probabilities, labels)``: the fraction of predictions that are
    right."""
    import numpy as np

    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    right = int(np.sum(np.argmax(probabilities, axis=1) == labels))
    truth = right / len(labels)
    try:
        answer = float(accuracy(probabilities, labels))
    except Exception as error:  # the student's code: say what happened, in one line
        raise NotYet(
            f"accuracy(probabilities, labels) failed ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else 'no message'})."
        ) from None
    if not math.isclose(answer, truth, abs_tol=1e-6):
        if truth and math.isclose(answer, 100 * truth, rel_tol=1e-6):
            raise NotYet(
                f"accuracy returned {answer:g}: give it as a fraction between 0 and 1 "
                f"({truth:.4f}), not as a percentage."
            )
        if math.isclose(answer, float(np.mean(np.max(probabilities, axis=1))), rel_tol=1e-6):
            raise NotYet(
                "that is the average confidence (the mean of the highest probability), "
                "not the fraction of right answers: compare the most probable class "
                "(np.argmax(probabilities, axis=1)) with the label."
            )
        raise NotYet(
            f"accuracy returned {answer:.4f}, but {right} of {len(labels)} predictions "
            f"are right ({truth:.4f}): the predicted class is the one with the highest "
            "probability, np.argmax(probabilities, axis=1)."
        )
    # right here; also right when the winning probability is below one half?
    tricky = np.array([[0.4, 0.3, 0.3], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.6, 0.3]])
    tricky_labels = np.array([0, 2, 1, 0])
    tricky_answer = float(accuracy(tricky, tricky_labels))
    if not math.isclose(tricky_answer, 0.5, abs_tol=1e-6):
        raise NotYet(
            "right on this split, but on four hand-made predictions (most probable "
            f"classes 0, 2, 0, 1; labels 0, 2, 1, 0) it gives {tricky_answer:g} instead "
            "of 0.5: a prediction is right when the label's class has the highest "
            "probability, even one below 0.5."
        )
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
        raise NotYet(
            f"no measured batch size fits {budget_ms:g} ms (the fastest, batch "
            f"{fastest.batch_size}, takes {fastest.latency_ms:.1f} ms): answer None."
        )
    if batch_size not in measured:
        raise NotYet(f"batch size {batch_size!r} was not measured; pick one of {sorted(measured)}.")
    chosen = measured[batch_size]
    if chosen.latency_ms > budget_ms:
        raise NotYet(
            f"batch {batch_size} takes {chosen.latency_ms:.1f} ms per call, over the "
            f"budget of {budget_ms:g} ms: every request in that batch would wait that "
            "long."
        )
    if chosen is not best and chosen.images_per_s < best.images_per_s:
        raise NotYet(
            f"batch {batch_size} fits the budget, but batch {best.batch_size} fits it too "
            f"and serves more: {best.images_per_s:,.0f} against "
            f"{chosen.images_per_s:,.0f} images/s."
        )
    _correct(
        f"batch {best.batch_size}: {best.latency_ms:.1f} ms per call (budget "
        f"{budget_ms:g} ms), {best.images_per_s:,.0f} images/s."
    )


def check_break_even(
    days: float,
    *,
    forward_flops: float,
    images_seen: int,
    predictions_per_user_per_day: float,
    users: float,
) -> None:
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
        _correct(
            f"after {truth:,.2f} days{hours} inference has cost as much compute as training "
            f"({training:.3g} FLOPs); every day after that, inference dominates more."
        )
        return
    if near(truth / inference.BACKWARD_FACTOR):
        hint = (
            "training pays about 3 forward passes per image (forward, then the backward pass "
            "for the weights and for the inputs)."
        )
    elif users != 1 and near(truth * users):
        hint = f"every one of the {users:,} users makes predictions: multiply by the users."
    elif predictions_per_user_per_day != 1 and near(truth * predictions_per_user_per_day):
        hint = (
            f"each user makes {predictions_per_user_per_day:,} predictions a day: multiply by them."
        )
    elif days and near(1 / truth):
        hint = "that is the inverse: divide the training compute by one day of inference compute."
    else:
        hint = (
            "training compute is 3 × forward FLOPs × images seen; one day of inference is "
            "forward FLOPs × predictions per user per day × users; divide the first by the "
            "second."
        )
    raise NotYet(f"{float(days):,.4g} days is not it; {hint}")
