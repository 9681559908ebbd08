"""Notebook 03: the checker of the inference exercise (the day inference overtakes training)."""

from __future__ import annotations


from utils.exercises.base import NotYet, _correct, close_to


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
