"""Constraints: projections of a weight, applied after every optimizer update.

A layer given ``kernel_constraint=MaxNorm(3)`` keeps it on its kernel Variable
(``ag.Variable(..., constraint=...)``), and after each step the optimizer projects the
kernel back, ``W <- constraint(W)``, as Keras's optimizers do. Max-norm is the dropout
paper's (Srivastava et al. 2014): every unit's incoming weight vector (a column of a Dense
kernel, ``axis=0``) is scaled down to norm ``max_value`` when it grows longer. The classes
are Keras's, with its names, defaults and formulas, its epsilon (1e-7) included:

>>> import numpy as np
>>> from nn import constraints
>>> W = np.array([[3.0, 0.1], [4.0, 0.1]])     # columns of norm 5 and 0.14
>>> constraints.MaxNorm(2)(W).numpy().round(4)  # the first scaled to norm 2
array([[1.2, 0.1],
       [1.6, 0.1]])

A constraint is any callable ``w -> projected w`` of the weight's shape; it takes a
Variable, a Value or a numpy array and gives a Value, as Keras's take and give tensors. The
classes here also have ``get_config``/``from_config``, so a saved model keeps them.
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from ._argument_kinds import ArgumentKind

__all__ = [
    "Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
    "non_neg", "unit_norm", "get", "serialize", "deserialize",
]

EPSILON = 1e-7  # Keras's backend.epsilon(): a zero vector stays zero instead of 0 / 0


def _bound(value, what, where):
    """A norm bound or rate: a finite number >= 0, as a float; anything else raises."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: {what} must be a finite number >= 0, got {value!r}")
    return float(value)


def _axis(axis, where):
    """Keras's ``axis``: an int, or a list of ints (``[0, 1, 2]`` for a Conv2D kernel)."""
    def is_int(a):
        return isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_))

    if is_int(axis):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(is_int(a) for a in axis):
        return [int(a) for a in axis]
    raise TypeError(f"{where}: axis must be an int or a non-empty list of ints, got {axis!r}")


def _norms(w, axis):
    """||w|| along ``axis``, kept as axes of size 1 to broadcast against w."""
    return ag.sqrt(ag.sum(ag.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``w_new = constraint(w)``, a projection of the weight ``w``.

    A subclass defines ``__call__`` and, if its constructor takes arguments,
    ``get_config`` (them, as a dict); ``from_config`` rebuilds it, as in Keras. This base
    class returns ``w`` unchanged.
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """w <- w * clip(n, 0, max_value) / (eps + n),   n = ||w|| along ``axis``

    Each weight vector along ``axis`` longer than ``max_value`` is scaled to that norm;
    shorter ones stay (but for the eps). For a Dense kernel (n_in, units), ``axis=0``
    bounds each unit's incoming weights; for a Conv2D kernel (kh, kw, in, filters),
    ``axis=[0, 1, 2]`` bounds each filter.

    Args:
        max_value: the largest norm, 2 by default (Keras's).
        axis: an int or a list of ints, 0 by default.
    """

    def __init__(self, max_value=2, axis=0):
        max_value = _bound(max_value, "max_value", "MaxNorm")
        self.max_value, self.axis = max_value, _axis(axis, "MaxNorm")

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ag.clip(norms, 0, self.max_value)
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """w <- w * d / (eps + n),   d = rate * clip(n, min_value, max_value) + (1 - rate) * n

    n = ||w|| along ``axis``: each weight vector's norm is moved into [min_value,
    max_value], all the way with ``rate=1`` (strict), a fraction ``rate`` of the way
    otherwise (slowly, over the steps).

    Args:
        min_value=0.0, max_value=1.0: the bounds of the norm.
        rate=1.0: in [0, 1], how far to move the norm towards the bounds at each call.
        axis=0: an int or a list of ints, as MaxNorm's.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        min_value = _bound(min_value, "min_value", "MinMaxNorm")
        max_value = _bound(max_value, "max_value", "MinMaxNorm")
        if min_value > max_value:
            raise ValueError(f"MinMaxNorm: min_value must not exceed max_value, got "
                             f"min_value={min_value}, max_value={max_value}")
        rate = _bound(rate, "rate", "MinMaxNorm")
        if rate > 1:
            raise ValueError(f"MinMaxNorm: rate must lie in [0, 1], got {rate}")
        self.min_value, self.max_value, self.rate = min_value, max_value, rate
        self.axis = _axis(axis, "MinMaxNorm")

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = (self.rate * ag.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """w <- max(w, 0): every weight non-negative."""

    def __call__(self, w):
        return ag.maximum(w, 0)


class UnitNorm(Constraint):
    """w <- w / (eps + n),   n = ||w|| along ``axis``: each weight vector of norm 1.

    Args:
        axis=0: an int or a list of ints, as MaxNorm's.
    """

    def __init__(self, axis=0):
        self.axis = _axis(axis, "UnitNorm")

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


# Keras's lowercase names are the classes themselves (``constraints.max_norm(3)``).
max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_BY_NAME = {cls.__name__: cls for cls in (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)}
# What a name in a layer's argument means, as Keras's ``get``: the class with its defaults.
_NAMES = {"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
          "unit_norm": UnitNorm, "constraint": Constraint}

_KIND = ArgumentKind("constraint", Constraint, _NAMES, _BY_NAME)


def get(identifier):
    """A constraint from a layer's argument.

    Args:
        identifier: None (no constraint), a name ("max_norm", "non_neg", "unit_norm",
            "min_max_norm", or a class name such as "MaxNorm": Keras's defaults),
            ``serialize``'s dict, a Constraint or its class, or any callable ``w -> w'``
            (returned unchanged).
    Returns:
        The constraint, or None.
    """
    return _KIND.get(identifier)


def for_layer(identifier, what, where):
    """``get(identifier)`` for a layer's argument ``what``; an error names the layer and the
    argument: "Dense 'dense': kernel_constraint: ..." ."""
    return _KIND.for_layer(identifier, what, where)


def serialize(constraint):
    """Keras's config form, ``{"class_name": "MaxNorm", "config": {"max_value": 3.0,
    "axis": 0}}``, which ``get`` turns back into an equal constraint; None stays None.
    Anything else (a plain function) is returned unchanged: a model holding it cannot be
    written as JSON."""
    return _KIND.serialize(constraint)


def deserialize(config, custom_objects=None):
    """The constraint of ``serialize``'s dict; ``custom_objects`` {name: class} adds
    Constraint subclasses of one's own."""
    return _KIND.deserialize(config, custom_objects)
