"""Notebooks 01, 03-08: one check for the numbers a public helper is given, a ValueError, not NaN.

Each function takes the values by name (``validate.positive(mbps=mbps)``), accepts a number or
an array of numbers, and raises one ``ValueError`` sentence naming the argument, what is wrong
with it (not a number, infinite, negative, zero, outside [0, 1], not a whole number) and what
to give instead. NaN is reported as "not a number", never as "negative". Infinity is refused
unless ``allow_inf=True`` (e.g. a dropped frame's latency, or "no size limit").

Pure NumPy: nothing here imports TensorFlow.
"""

from __future__ import annotations

import numbers

import numpy as np


def _array(name: str, value) -> np.ndarray:
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r} is a truth value, not a number; give a number.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}={value!r} is not a number ({type(value).__name__}); give a number."
        ) from None
    return array


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check(
    name: str,
    value,
    *,
    low: float,
    low_open: bool,
    high: float | None,
    allow_inf: bool,
    wanted: str,
) -> None:
    array = _array(name, value)
    scalar = array.ndim == 0
    where = "" if scalar else " (at least one of its values)"
    if np.isnan(array).any():
        raise ValueError(f"{name}={_shown(value)}{where} is not a number (NaN); give {wanted}.")
    if not allow_inf and np.isinf(array).any():
        finite_wanted = wanted.replace("a number", "a finite number", 1)
        raise ValueError(f"{name}={_shown(value)}{where} is infinite; give {finite_wanted}.")
    if (array < low).any():
        problem = "negative" if low == 0 else f"below {low:g}"
        raise ValueError(f"{name}={_shown(value)}{where} is {problem}; give {wanted}.")
    if low_open and (array == low).any():
        raise ValueError(f"{name}={_shown(value)}{where} is {low:g}; give {wanted}.")
    if high is not None and (array > high).any():
        raise ValueError(f"{name}={_shown(value)}{where} is above {high:g}; give {wanted}.")


def finite(**values) -> None:
    """Every value is a real number (or array of them), neither NaN nor infinite."""
    for name, value in values.items():
        _check(
            name, value, low=-np.inf, low_open=False, high=None, allow_inf=False, wanted="a number"
        )


def non_negative(*, allow_inf: bool = False, **values) -> None:
    """Every value is 0 or more (and finite unless ``allow_inf``)."""
    for name, value in values.items():
        _check(
            name,
            value,
            low=0.0,
            low_open=False,
            high=None,
            allow_inf=allow_inf,
            wanted="a number of 0 or more",
        )


def positive(*, allow_inf: bool = False, **values) -> None:
    """Every value is above 0 (and finite unless ``allow_inf``)."""
    for name, value in values.items():
        _check(
            name,
            value,
            low=0.0,
            low_open=True,
            high=None,
            allow_inf=allow_inf,
            wanted="a number above 0",
        )


def fraction(**values) -> None:
    """Every value lies in [0, 1] (a probability, a share, an accuracy)."""
    for name, value in values.items():
        _check(
            name,
            value,
            low=0.0,
            low_open=False,
            high=1.0,
            allow_inf=False,
            wanted="a fraction from 0 to 1 (e.g. 0.25 for 25 %)",
        )


def whole(*, minimum: int = 1, **values) -> None:
    """Every value is a whole number (an int, not 2.5 or True) of at least ``minimum``."""
    for name, value in values.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise ValueError(
                f"{name}={_shown(value)} is not a whole number; give a whole number "
                f"of {minimum} or more."
            )
        if value < minimum:
            raise ValueError(
                f"{name}={value!r} is below {minimum}; give a whole number of {minimum} or more."
            )


def non_empty(**values) -> None:
    """Every value holds at least one number."""
    for name, value in values.items():
        if _array(name, value).size == 0:
            raise ValueError(f"{name} is empty; give at least one value.")


def zero_or_more(**values) -> None:
    """Every value is a number of 0 or more (the latency and queueing models' inputs)."""
    for name, value in values.items():
        if not value >= 0:
            raise ValueError(f"{name}={value!r} must be a number of 0 or more.")


def request_count(n: int) -> None:
    """``n`` is a whole number of requests to simulate, 1 or more."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n!r}: simulate at least 1 request (a whole number).")
