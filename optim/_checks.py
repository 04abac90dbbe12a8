"""Argument checks shared by the optimizers and the schedules.

Each raises before anything is built or changed, naming the class and the argument: a
hyper-parameter typed as text ("0.9"), NaN, or out of its range would otherwise show up
a thousand steps later as a NaN loss, or as a numpy error from deep inside an update.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def number(value, what, where) -> float:
    """``value`` as a Python float, if it is a finite real number.

    Raises:
        TypeError: for text, a bool, a complex number or anything else not a real number.
        ValueError: for NaN or an infinity.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {what} must be a real number, got "
                        f"{type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: {what} must be finite, got {value}")
    return value


def non_negative(value, what, where) -> float:
    """A finite real number >= 0, as a float (learning rates, epsilon, decay rates)."""
    value = number(value, what, where)
    if value < 0:
        raise ValueError(f"{where}: {what} must be >= 0, got {value}")
    return value


def in_unit_interval(value, what, where, *, include_one) -> float:
    """A number in [0, 1] (``include_one``) or [0, 1), as a float (momentum, betas, rho)."""
    value = number(value, what, where)
    if not (0.0 <= value <= 1.0 if include_one else 0.0 <= value < 1.0):
        raise ValueError(f"{where}: {what} must be in [0, 1{']' if include_one else ')'}, "
                         f"got {value}")
    return value


def positive_or_none(value, what, where):
    """None, or a finite number > 0 as a float (the clipping thresholds)."""
    if value is None:
        return None
    value = number(value, what, where)
    if value <= 0:
        raise ValueError(f"{where}: {what} must be a positive number or None, got {value}")
    return value


def positive_int(value, what, where) -> int:
    """A whole number > 0 (a bool is not one), as an int (decay_steps, step_size)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value <= 0:
        raise ValueError(f"{where}: {what} must be a positive integer, got {value!r}")
    return int(value)
