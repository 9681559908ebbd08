"""Notebooks 06-08: the latency model's checks on the numbers it is given, one sentence each."""

from __future__ import annotations

import numpy as np


def check_non_negative(**values) -> None:
    """Every value is a number of 0 or more."""
    for name, value in values.items():
        if not value >= 0:
            raise ValueError(f"{name}={value!r} must be a number of 0 or more.")


def check_request_count(n: int) -> None:
    """``n`` is a whole number of requests to simulate, 1 or more."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n!r}: simulate at least 1 request (a whole number).")
