"""Notebook 02: the checkers of the training exercises (the parameter count, and early
stopping's decision, checked against Keras's own EarlyStopping and the recipe's BestWeights)."""

from __future__ import annotations

import math
import numbers

from utils.exercises.base import NotYet, _correct


def check_parameter_count(
    predicted: int, *, filters: tuple[int, ...], num_classes: int, image_size: int
) -> None:
    """Notebook 02: predict the parameter count of the course's CNN with other filter counts."""
    from utils import training

    actual = training.small_cnn(num_classes, image_size, filters).count_params()
    if predicted == actual:
        _correct(
            f"{actual:,} parameters. The convolutions hold almost all of them, and the image "
            "size does not matter: a kernel is the same size wherever it slides."
        )
        return
    hint = (
        "did you count BatchNormalization's 4 numbers per channel (2 trained, 2 running "
        "statistics) and the Dense layer's biases?"
        if predicted < actual
        else "the convolutions have no bias (use_bias=False); BatchNormalization supplies it."
    )
    raise NotYet(
        f"predicted {predicted:,}, but the model has {actual:,} parameters "
        f"({actual - predicted:+,}); {hint}"
    )


# ------------------------------------------------------------------------- early stopping
# The typical mistakes, each with the hint that names it. _decide runs the rule with one of them
# (None: the rule itself); the checker's truth is Keras's own callbacks, never _decide.
MISTAKES = {
    "from 0": "epochs count from 1 (Keras calls on_epoch_end with 0, 1, …, and the history's "
    "first value is epoch 1): add 1 to a list index.",
    "no min_delta": "an improvement counts only when it beats the best by more than min_delta "
    "(value − min_delta > best); a smaller gain still adds to the wait.",
    ">=": "an improvement of exactly min_delta does not count in Keras (value − min_delta > "
    "best): use >, not >=.",
    "patience + 1": "training stops at the patience-th watched epoch in a row without an "
    "improvement (wait ≥ patience), not one epoch later.",
    "patience - 1": "training stops only after patience watched epochs in a row without an "
    "improvement (wait ≥ patience), not one epoch sooner.",
    "after the stop": "the epochs after the stop never ran: the best epoch is chosen only among "
    "those up to the one where training stopped.",
    "last improving": "BestWeights keeps the highest validation accuracy, not the last epoch that "
    "beat the best by more than min_delta (Keras's own restore_best_weights would keep that one).",
    "last on a tie": "on a tie BestWeights keeps the first epoch: only a strictly higher accuracy "
    "replaces its best.",
    "previous epoch": "Keras compares each epoch with the best so far, not with the epoch before "
    "it.",
    "plain maximum": "a gain of min_delta or less does not move Keras's best either (only an "
    "improvement that counts does), so small gains add up until one counts.",
    "unwatched": "epochs before start_from_epoch (counted from 0) are not watched: "
    "EarlyStopping skips them, so they neither set its best nor count towards the patience, and "
    "BestWeights does not keep them.",
    "unwatched best": "BestWeights chooses only among the watched epochs (from start_from_epoch "
    "on, counted from 0): an earlier, higher accuracy is not kept.",
}


def _decide(accuracy, patience, min_delta, start, mistake=None):
    """(last epoch run, best epoch), counted from 1, by the rule or with one of :data:`MISTAKES`
    (except "from 0", which the checker recognises from the answer itself)."""
    watch = 0 if mistake == "unwatched" else start
    reference, wait, last, improving = -math.inf, 0, len(accuracy), None
    patience += {"patience + 1": 1, "patience - 1": -1}.get(mistake, 0)
    for epoch in range(watch, len(accuracy)):
        if accuracy[epoch] - (0 if mistake == "no min_delta" else min_delta) > reference or (
            mistake == ">=" and accuracy[epoch] - min_delta == reference
        ):
            reference, wait, improving = accuracy[epoch], 0, epoch
            continue
        wait += 1
        if mistake == "previous epoch":
            reference = accuracy[epoch]
        elif mistake == "plain maximum":
            reference = max(reference, accuracy[epoch])
        if wait >= patience:
            last = epoch + 1
            break
    best = first = 0 if mistake in ("unwatched", "unwatched best") else start
    for epoch in range(first, len(accuracy) if mistake == "after the stop" else last):
        if accuracy[epoch] > accuracy[best] or (
            mistake == "last on a tie" and accuracy[epoch] == accuracy[best]
        ):
            best = epoch
    if mistake == "last improving" and improving is not None:
        best = improving
    return last, best + 1


def _cases() -> list[tuple[str, list[float], int, float, int]]:
    """(what, val_accuracy, patience, min_delta, start_from_epoch), in the order checked. The
    hand-made runs use multiples of 1/32 and min_delta 1/16, so every difference is exact in
    floating point; each separates a mistake from the ones before it (the truth in comments,
    (last epoch run, best epoch) counted from 1, is worked by hand from Keras's rule)."""
    from utils import training

    start, min_delta = training.stopping_rule(12, 300)  # 6, 0.5 / √300 = 0.0289
    d = 1 / 16
    return [
        ("a run of one epoch", [0.625], 4, d, 0),  # (1, 1): never stops
        # epoch 3 is no gain over 0.625: wait 1 = patience, stop; epoch 4 never runs: (3, 2)
        ("patience 1", [0.5, 0.625, 0.625, 0.75], 1, d, 0),
        # 0.78125 − 1/16 is not above 0.75: wait 1, 2, 3 → stop after 5; the best is 3: (5, 3)
        ("a gain smaller than min_delta", [0.5, 0.75, 0.78125, 0.75, 0.75, 0.75], 3, d, 0),
        # 0.5625 − 1/16 = 0.5, not above 0.5: wait 1, 2 → stop after 3; the best is 2: (3, 2)
        ("a gain of exactly min_delta", [0.5, 0.5625, 0.5625, 0.5], 2, d, 0),
        # epoch 3 ties epoch 2; wait 1, 2, 3 → stop after 5; the first of the tie: (5, 2)
        ("a tie", [0.5, 0.75, 0.75, 0.625, 0.5], 3, d, 0),
        # Keras's best stays 0.75: 0.625 − 1/16 is not above it: wait 1, 2, 3 → (5, 2)
        ("a dip and a partial recovery", [0.5, 0.75, 0.5, 0.625, 0.5625, 0.5], 3, d, 0),
        # gains of 1/32 < min_delta: Keras's best stays 0.5 until 0.59375 (wait 1, 2, then
        # reset at epoch 4, 1 at epoch 5): never stops; the best is 5: (5, 5)
        ("small gains that add up", [0.5, 0.53125, 0.5625, 0.59375, 0.625], 3, d, 0),
        # epochs 1-2 unwatched; watched: 0.625 best, wait 1, 2 → stop after 5: (5, 3)
        (
            "the highest accuracy before start_from_epoch",
            [0.875, 0.5, 0.625, 0.5625, 0.5625, 0.5],
            2,
            d,
            2,
        ),
        # from epoch 4 on every epoch gains 1/8 > min_delta: never stops: (7, 7)
        ("a run that never stops", [0.25, 0.375, 0.5, 0.5, 0.625, 0.75, 0.875], 2, d, 3),
        # k/300; watched from epoch 7 (243): 250, 246, 251, 249 are within 0.0289 × 300 = 8.66
        # of 243, so wait 1-4 → stop after 11; the best watched is 251 in epoch 10: (11, 10)
        (
            "12 epochs on 300 validation images, with the course's stopping_rule",
            [k / 300 for k in (156, 183, 210, 198, 234, 240, 243, 250, 246, 251, 249, 252)],
            training.PATIENCE,
            min_delta,
            start,
        ),
    ]


def _pair(answer, what: str) -> tuple[int, int]:
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet(
            f"{what}: return two epochs, (the last epoch run, the best epoch), not {answer!r}."
        )
    for name, value in zip(("the last epoch run", "the best epoch"), answer):
        if value is None:
            raise NotYet(
                f"{what}: {name} is None; when early stopping never fires the run goes on to its "
                "last epoch, len(val_accuracy), and the best epoch is always one of the watched."
            )
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise NotYet(f"{what}: {name} should be a whole number of epochs, not {value!r}.")
    return int(answer[0]), int(answer[1])


def check_early_stopping(early_stopping) -> None:
    """Notebook 02: the student's ``early_stopping(val_accuracy, patience, min_delta,
    start_from_epoch)`` returns (the last epoch run, the epoch whose weights BestWeights keeps),
    counted from 1. Each hard case is checked against Keras's own ``EarlyStopping`` and the
    recipe's ``BestWeights``, driven epoch by epoch over the same accuracies
    (:func:`utils.training.replay_stopping`); the first case that differs names the mistake."""
    from utils import training

    if not callable(early_stopping):
        raise NotYet(
            "early_stopping should be a function of (val_accuracy, patience, min_delta, "
            "start_from_epoch)."
        )
    passed = []
    for case in _cases():
        what, accuracy, patience, min_delta, start = case
        given = list(accuracy)
        answer = _pair(early_stopping(given, patience, min_delta, start), what)
        if given != accuracy:
            raise NotYet(f"{what}: your function changed the list it was given; leave it as is.")
        truth = training.replay_stopping(accuracy, patience, min_delta, start)
        if answer == truth:
            passed.append((case, truth))
            continue
        values = ", ".join(f"{a:.5g}" for a in accuracy)
        said = (
            f"{what} (val_accuracy [{values}], patience {patience}, "
            f"min_delta {min_delta:.4g}, start_from_epoch {start}): Keras runs {truth[0]} "
            f"epoch(s) and BestWeights keeps epoch {truth[1]}, your function says "
            f"{answer[0]} and {answer[1]}"
        )
        for mistake, hint in MISTAKES.items():
            wrong = mistake != "from 0" and _decide(*case[1:], mistake) == answer
            if wrong and all(_decide(*c[1:], mistake) == t for c, t in passed):
                raise NotYet(f"{said}; {hint}")
        if answer[1] == truth[1] - 1 and answer[0] in (truth[0], truth[0] - 1):
            raise NotYet(f"{said}; {MISTAKES['from 0']}")
        part = "epochs run" if answer[0] != truth[0] else "best epoch"
        raise NotYet(
            f"{said}; the {part} differs: count the wait only over watched epochs, reset it when "
            "value − min_delta > Keras's best, stop when it reaches patience, and keep the first "
            "highest watched epoch up to the stop."
        )
    _correct(
        f"all {len(passed)} runs agree with Keras's EarlyStopping and the recipe's BestWeights: "
        "a gain counts only when it beats the best by more than min_delta, unwatched epochs count "
        "for nothing, the patience-th epoch in a row without a gain is the last, and the weights "
        "kept are the first highest watched epoch's, which EarlyStopping may not have counted."
    )
