"""Ops that pass no gradient: stop_gradient, and numpy functions whose result has no useful
derivative (argmax, argmin, equal, one_hot, casts to integers)."""

from __future__ import annotations

import numpy as np

from ..engine import Op, _numeric_dtype, apply, get_default_dtype
from ._operands import as_constant, operand

__all__ = ["stop_gradient", "argmax", "argmin", "equal", "one_hot"]


class StopGradient(Op):
    """y = x, but no gradient flows back to x"""

    __slots__ = ()

    differentiable = False

    def forward(self, x):
        return x.copy()  # a snapshot, as detach() is: later in-place updates of x don't show


def stop_gradient(x):
    """x's value, with no gradient flowing back through it."""
    return apply(StopGradient(), operand(x, StopGradient))


class NonDifferentiable(Op):
    """A numpy function whose result has no useful derivative (argmax, equal, one_hot)."""

    __slots__ = ("fn", "name")

    differentiable = False

    def __init__(self, fn, name):
        self.fn, self.name = fn, name

    def forward(self, *xs):
        return self.fn(*xs)

    def formula(self, y, *xs):
        args = "x" if len(xs) == 1 else ", ".join(f"x{i + 1}" for i in range(len(xs)))
        return f"y = {self.name}({args}), with no gradient", ""

    def __repr__(self):
        return self.name


def argmax(x, axis=None):
    """Index of the largest element along ``axis`` (integer constant)."""
    return apply(NonDifferentiable(lambda a: np.argmax(a, axis=axis), "argmax"),
                 as_constant(x, "argmax"))


def argmin(x, axis=None):
    """Index of the smallest element along ``axis`` (integer constant)."""
    return apply(NonDifferentiable(lambda a: np.argmin(a, axis=axis), "argmin"),
                 as_constant(x, "argmin"))


def equal(a, b):
    """Elementwise a == b as a boolean constant (``tf.equal``)."""
    return apply(NonDifferentiable(lambda x, y: np.asarray(x == y), "equal"),
                 as_constant(a, "equal"), as_constant(b, "equal"))


def one_hot(indices, depth, dtype=None):
    """Rows of zeros with a one at each index (``tf.one_hot``); out-of-range gives zeros.

    Args:
        indices: integers, any shape.
        depth: the number of classes, an integer >= 0.
        dtype: of the result (the default float dtype if None).
    Returns:
        A constant of shape ``indices.shape + (depth,)``.

    >>> one_hot([0, 2], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, (int, np.integer)) \
            or depth < 0:
        raise ValueError(f"one_hot: depth must be an integer >= 0 (the number of classes), "
                         f"got {depth!r}")
    out_dtype = _numeric_dtype(dtype, "one_hot") if dtype is not None else get_default_dtype()
    idx = as_constant(indices, "one_hot")
    if idx.data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {idx.data.dtype}")

    def fn(i):
        return (np.asarray(i)[..., None] == np.arange(depth)).astype(out_dtype)
    return apply(NonDifferentiable(fn, "one_hot"), idx)
