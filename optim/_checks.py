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


def one_of_two_names(value, name, other_value, other_name, where):
    """The value given under either of two names for one thing (PyTorch's ``eps`` and
    Keras's ``epsilon``), or None if neither was given.

    Raises:
        TypeError: both were given, even if equal: one of them would be silently dropped.
    """
    if value is not None and other_value is not None:
        raise TypeError(f"{where}: {name} and {other_name} name the same hyper-parameter "
                        f"(PyTorch's name and Keras's); pass one of them, got "
                        f"{name}={value!r} and {other_name}={other_value!r}")
    return other_value if value is None else value


def betas(value, beta_1, beta_2, where):
    """``(beta_1, beta_2)`` from PyTorch's ``betas=(b1, b2)`` or Keras's two arguments
    (None where not given).

    Raises:
        TypeError: ``betas`` together with ``beta_1`` or ``beta_2``, or ``betas`` not a pair.
    """
    if value is None:
        return beta_1, beta_2
    if beta_1 is not None or beta_2 is not None:
        given = "beta_1" if beta_1 is not None else "beta_2"
        raise TypeError(f"{where}: betas and {given} name the same hyper-parameters "
                        f"(PyTorch's name and Keras's); pass one of them, got betas={value!r} "
                        f"and {given}={beta_1 if beta_1 is not None else beta_2!r}")
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{where}: betas must be a pair (beta1, beta2), got {value!r}")
    return value[0], value[1]


def pytorch_only(pytorch_style, where, **given):
    """Refuse PyTorch's options that change the update (``maximize``, an L2
    ``weight_decay``) on a Keras-style optimizer, which takes Keras's form: a value that is
    not None, 0 or False is refused there."""
    if pytorch_style:
        return
    for name, value in given.items():
        if value is not None and not (_is_false(value) or (isinstance(value, numbers.Real)
                                                           and value == 0)):
            raise ValueError(f"{where}: {name}={value!r} is PyTorch's and takes PyTorch's form "
                             f"of the update: pass the parameters first, "
                             f"{where}(model.parameters(), ..., {name}={value!r})")


def implementation_only(where, **given):
    """Accept torch.optim's arguments that only choose among its implementations
    (``foreach``, ``fused``, ``capturable``, ``differentiable``) when None or False: there is
    one implementation here, so any other value would ask for something not done."""
    for name, value in given.items():
        if value is not None and not _is_false(value):
            raise ValueError(f"{where}: {name}={value!r} chooses one of torch.optim's "
                             f"implementations; this optimizer has one (numpy, in place), so "
                             f"{name} can only be None or False")


def _is_false(value) -> bool:
    return isinstance(value, (bool, np.bool_)) and not value
