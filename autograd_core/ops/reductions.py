"""Reductions: sum, mean, max, min and log-sum-exp over axes.

A reduction's gradient goes back to every element it read: ``_expand`` puts back the axes
the reduction removed, so g broadcasts against the input again.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply
from . import xp
from ._operands import axis_arg, operand

__all__ = ["sum", "mean", "max", "min", "logsumexp"]


def _expand(g, axis, keepdims, ndim):
    """g with the axes a reduction removed put back as length 1 (``axis`` non-negative)."""
    if keepdims:
        return g
    if axis is None:
        return g.reshape((1,) * ndim)
    return xp.expand_dims(g, axis)


class Sum(Op):
    """y = sum of x over axis      dL/dx = g, copied along the summed axes"""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return np.sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        return (xp.broadcast_to(_expand(g, self.axis, self.keepdims, x.ndim), x.shape),)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over ``axis`` (None: all, an int or a tuple)."""
    x = operand(x, Sum)
    return apply(Sum(axis_arg(axis, x.shape, "sum"), keepdims), x)


class Mean(Op):
    """y = mean of x over axis     dL/dx = g / n, copied along the averaged axes"""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return np.mean(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        # n elements were averaged into each output; an empty x has no gradient to scale.
        n = x.size // y.size if x.size else 1
        return (xp.broadcast_to(_expand(g / n, self.axis, self.keepdims, x.ndim), x.shape),)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (None: all, an int or a tuple)."""
    x = operand(x, Mean)
    return apply(Mean(axis_arg(axis, x.shape, "mean"), keepdims), x)


class Max(Op):
    """y = max of x over axis      dL/dx = g at the maximum (shared equally among ties)"""

    __slots__ = ("axis", "keepdims")

    reduce = staticmethod(np.max)

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return self.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        at_max = xp.equal(x, _expand(y, self.axis, self.keepdims, x.ndim))
        # As TensorFlow's reduce_max: ties split the gradient so the total stays g.
        share = at_max / at_max.sum(axis=self.axis, keepdims=True)
        return (_expand(g, self.axis, self.keepdims, x.ndim) * share.astype(y.dtype),)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``; ties share the gradient."""
    x = operand(x, Max)
    return apply(Max(axis_arg(axis, x.shape, "max"), keepdims), x)


class Min(Max):
    """y = min of x over axis      dL/dx = g at the minimum (shared equally among ties)"""

    __slots__ = ()

    reduce = staticmethod(np.min)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``; ties share the gradient."""
    x = operand(x, Min)
    return apply(Min(axis_arg(axis, x.shape, "min"), keepdims), x)


def shifted_exp(x, axis):
    """(m, exp(x - m), its sum) with m the max along ``axis``: softmax and logsumexp are
    unchanged by the shift, and exp never overflows. A row of -inf shifts by 0 instead."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(x - m)
    return m, e, np.sum(e, axis=axis, keepdims=True)


def logsumexp_array(x, axis=-1, keepdims=False):
    """log(sum(exp(x))) along ``axis`` on a numpy array, without overflow."""
    m, _, s = shifted_exp(x, axis)
    y = np.log(s) + m
    if not keepdims:
        y = np.squeeze(y, axis=axis)
    return y[()] if y.ndim == 0 else y


class LogSumExp(Op):
    """y = log(sum(exp(x)))        dL/dx = g * softmax(x)"""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis=-1, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return logsumexp_array(x, self.axis, self.keepdims)

    def backward(self, g, y, x):
        # softmax(x), not exp(x - y): in float32, y = 1e4 + log 2 has lost the log 2.
        return (_expand(g, self.axis, self.keepdims, x.ndim) * xp.softmax(x, self.axis),)


def logsumexp(x, axis=-1, keepdims=False):
    """log(sum(exp(x), axis)), stable for large x."""
    x = operand(x, LogSumExp)
    return apply(LogSumExp(axis_arg(axis, x.shape, "logsumexp"), keepdims), x)
