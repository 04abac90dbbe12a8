"""Cumulative sums and products along an axis: numpy's ``cumsum`` and ``cumprod``, with
TensorFlow's ``exclusive`` and ``reverse`` options, and the cumulative log-sum-exp.

y_k = x_0 + ... + x_k: each x_j reaches every y_k with k >= j, so its gradient adds up g
over those, a cumulative sum of g run from the end. A cumulative product sends each y_k's
gradient to x_j times the product of the other factors of y_k.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply
from ..labels import axis_text
from ..worked import Terms
from . import xp
from ._operands import axis_arg, axis_or_dim, operand
from .joining import concat

__all__ = ["cumsum", "cumprod", "diff", "cumulative_logsumexp"]


def scan_array(ufunc, x, axis, exclusive=False, reverse=False):
    """``ufunc.accumulate`` (np.add: cumsum, np.multiply: cumprod) along ``axis`` of a numpy
    array, run from the end (``reverse``), leaving each element out of its own result
    (``exclusive``: the first result is the ufunc's identity, 0 or 1)."""
    axis = axis % x.ndim
    if reverse:
        x = np.flip(x, axis)
    y = ufunc.accumulate(x, axis=axis)
    if exclusive and x.shape[axis]:
        before = (slice(None),) * axis
        first = np.full_like(y[before + (slice(0, 1),)], ufunc.identity)
        y = np.concatenate([first, y[before + (slice(None, -1),)]], axis=axis)
    return np.flip(y, axis) if reverse else y


def _axis(x, axis, op_name):
    """x and a non-negative axis; axis None flattens x first, as numpy does."""
    if axis is None:
        return x.reshape(-1), 0
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{op_name}: axis must be an integer or None, got {axis!r}")
    return x, axis_arg(axis, x.shape, op_name)


class Cumsum(Op):
    """y_k = x_0 + ... + x_k along axis
    dL/dx_j = g_j + ... + g_(n-1)   (the cumulative sum of g from the end)

    With ``exclusive`` each element is left out of its own sum, with ``reverse`` the sums
    run from the end: the gradient is the same scan the other way.
    """

    __slots__ = ("axis", "exclusive", "reverse")

    def __init__(self, axis, exclusive=False, reverse=False):
        self.axis, self.exclusive, self.reverse = axis, exclusive, reverse

    def forward(self, x):
        return scan_array(np.add, x, self.axis, self.exclusive, self.reverse)

    def backward(self, g, y, x):
        # The same scan in the other direction: what reached y_k from x_j goes back.
        return (xp.cumsum(g, self.axis, self.exclusive, not self.reverse),)

    def formula(self, y, x):
        last = f"{x.shape[self.axis] - 1}"
        skip = 1 if self.exclusive else 0
        if self.reverse:
            forward = f"y_k = x_{_plus('k', skip)} + ... + x_{last}"
            derivative = f"dL/dx_j = g_0 + ... + g_{_plus('j', -skip)}"
        else:
            forward = f"y_k = x_0 + ... + x_{_plus('k', -skip)}"
            derivative = f"dL/dx_j = g_{_plus('j', skip)} + ... + g_{last}"
        where = f" along {axis_text(self.axis)}"
        return forward + where, derivative + where

    def element(self, i, at, g, y, x):
        j, n = at[self.axis], x.shape[self.axis]
        skip = 1 if self.exclusive else 0
        ks = range(0, j + 1 - skip) if self.reverse else range(j + skip, n)
        return Terms("g", tuple({"g": _at(at, self.axis, k)} for k in ks))


def cumsum(x, axis=None, exclusive=False, reverse=False, *, dim=None):
    """Cumulative sum along ``axis`` (numpy's ``cumsum``; None: of the flattened x).

    Args:
        x: a Value or array.
        axis: an int, or None to flatten first (numpy's default; TensorFlow's is 0);
            PyTorch's ``dim`` is the same.
        exclusive: leave each element out of its own sum (TensorFlow's option).
        reverse: sum from the end (TensorFlow's option).
    Returns:
        x's shape (flattened when axis is None).

    >>> cumsum([1.0, 2.0, 3.0]).numpy(), cumsum([1.0, 2.0, 3.0], exclusive=True).numpy()
    (array([1., 3., 6.], dtype=float32), array([0., 1., 3.], dtype=float32))
    """
    axis, _, _ = axis_or_dim("cumsum", axis, dim)
    x, axis = _axis(operand(x, Cumsum), axis, "cumsum")
    return apply(Cumsum(axis, bool(exclusive), bool(reverse)), x)


def _plus(index, shift):
    """"k", "(k+1)" or "(k-1)": an index shifted by -1, 0 or 1."""
    return index if shift == 0 else f"({index}{shift:+d})"


def _at(at, axis, k):
    """Element ``at`` moved to position k along ``axis``."""
    return at[:axis] + (k,) + at[axis + 1:]


class Cumprod(Op):
    """y_k = x_0 * ... * x_k along axis     dL/dx_j = sum over k >= j of g_k * y_k / x_j"""

    __slots__ = ("axis",)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return np.multiply.accumulate(x, axis=self.axis)

    def backward(self, g, y, x):
        if not xp.equal(x, 0).any():
            return (xp.cumsum(g * y, self.axis, reverse=True) / x,)
        # y_k / x_j is 0 / 0 at a zero: multiply the other factors instead.
        return (_gradient_with_zeros(g, x, self.axis),)

    def formula(self, y, x):
        where = f" along {axis_text(self.axis)}"
        if not np.any(x == 0):
            return (f"y_k = x_0 * ... * x_k{where}",
                    f"dL/dx_j = sum over k >= j of g_k * y_k / x_j{where}")
        return (f"y_k = x_0 * ... * x_k{where}",
                f"dL/dx_j = sum over k >= j of g_k * p_jk{where}   "
                "(p_jk: x_0 * ... * x_k without x_j, x has zeros)")

    def element(self, i, at, g, y, x):
        j, n = at[self.axis], x.shape[self.axis]
        if not np.any(x == 0):
            return Terms("g * y / x", tuple({"g": _at(at, self.axis, k), "y": _at(at, self.axis, k)}
                                            for k in range(j, n)))
        # p[k] = the product of x_0 ... x_k without x_j, along element at's line.
        line = np.moveaxis(x, self.axis, -1)[at[:self.axis] + at[self.axis + 1:]]
        others = np.cumprod(np.where(np.arange(n) == j, 1, line))
        p = np.ones(x.shape, others.dtype)
        p[at[:self.axis] + (slice(None),) + at[self.axis + 1:]] = others
        return Terms("g * p", tuple({"g": _at(at, self.axis, k), "p": _at(at, self.axis, k)}
                                    for k in range(j, n)), {"p": p})


def _gradient_with_zeros(g, x, axis):
    """dL/dx_j = (x_0 ... x_(j-1)) * sum over k >= j of g_k * (x_(j+1) ... x_k), without
    dividing: right with zeros, and differentiable again (as PyTorch's double backward).
    It builds an (n, n) table per slice, O(n**2), which is why it waits for a zero."""
    n = x.shape[axis]
    x, g = x.swapaxes(axis, -1), g.swapaxes(axis, -1)
    after = np.triu(np.ones((n, n), bool), 1)  # after[j, i]: i comes after j
    # from_j[..., j, k] = x_(j+1) * ... * x_k, an empty product (1) for k <= j.
    from_j = xp.cumprod(xp.where(after, x[..., None, :], 1), -1)
    k_from_j = np.triu(np.ones((n, n), x.dtype))  # k >= j
    tail = (from_j * k_from_j * g[..., None, :]).sum(axis=-1)
    return (xp.cumprod(x, -1, exclusive=True) * tail).swapaxes(axis, -1)


def cumprod(x, axis=None, exclusive=False, reverse=False, *, dim=None):
    """Cumulative product along ``axis`` (numpy's ``cumprod``; None: of the flattened x;
    PyTorch's ``dim``), with ``exclusive`` and ``reverse`` as ``cumsum``. Its gradient is
    right where x has zeros.

    >>> cumprod([2.0, 3.0, 4.0]).numpy(), cumprod([2.0, 3.0, 4.0], reverse=True).numpy()
    (array([ 2.,  6., 24.], dtype=float32), array([24., 12.,  4.], dtype=float32))
    """
    axis, _, _ = axis_or_dim("cumprod", axis, dim)
    x, axis = _axis(operand(x, Cumprod), axis, "cumprod")
    # The options rearrange x and y around the one op: flip for reverse, shift in a 1 for
    # exclusive, so that the op and its derivative stay the plain product.
    flip = (slice(None),) * axis + (slice(None, None, -1),)
    if reverse:
        x = x[flip]
    if exclusive and x.shape[axis]:
        one = np.ones(x.shape[:axis] + (1,) + x.shape[axis + 1:], x.dtype)
        x = concat([one, x[(slice(None),) * axis + (slice(None, -1),)]], axis=axis)
    y = apply(Cumprod(axis), x)
    return y[flip] if reverse else y


class LogCumSumExp(Op):
    """y_k = log(exp(x_0) + ... + exp(x_k)) along axis
    dL/dx_j = sum over k >= j of g_k * exp(x_j - y_k)

    With ``reverse`` the sums run from the end, and so does the gradient's the other way.
    """

    __slots__ = ("axis", "reverse")

    def __init__(self, axis, reverse=False):
        self.axis, self.reverse = axis, reverse

    def forward(self, x):
        return scan_array(np.logaddexp, x, self.axis, reverse=self.reverse)

    def backward(self, g, y, x):
        # Each term g_k exp(x_j - y_k) is at most |g_k| (y_k >= x_j), but exp(x_j) alone
        # may overflow: so the terms are summed as log-sum-exps of log|g_k| - y_k, the
        # positive and the negative g apart (TensorFlow's and PyTorch's way). Where g is
        # 0 or of the other sign, half the lowest float stands for log 0: -inf would give
        # NaN gradients, and half leaves room to add two of them (the second derivative
        # does) without overflow.
        lowest = np.finfo(x.dtype).min / 2
        log_size = xp.log(xp.where(g == 0, 1, abs(g))) - y
        sums = [xp.cumulative_logsumexp(xp.where(side, log_size, lowest), self.axis,
                                        not self.reverse) for side in (g > 0, g < 0)]
        return (xp.exp(x + sums[0]) - xp.exp(x + sums[1]),)

    def formula(self, y, x):
        where = f" along {axis_text(self.axis)}"
        last = f"{x.shape[self.axis] - 1}"
        if self.reverse:
            return (f"y_k = log(exp(x_k) + ... + exp(x_{last})){where}",
                    f"dL/dx_j = sum over k <= j of g_k * exp(x_j - y_k){where}")
        return (f"y_k = log(exp(x_0) + ... + exp(x_k)){where}",
                f"dL/dx_j = sum over k >= j of g_k * exp(x_j - y_k){where}")


def cumulative_logsumexp(x, axis=0, reverse=False):
    """y_k = log(exp(x_0) + ... + exp(x_k)) along ``axis``, computed without overflow
    (``tf.math.cumulative_logsumexp``; PyTorch's ``logcumsumexp``): numpy's
    ``logaddexp.accumulate``, O(n) along the axis. ``reverse`` sums from the end.

    >>> cumulative_logsumexp([0.0, 0.0, 1000.0]).numpy().tolist()   # exp(1000) overflows
    [0.0, 0.6931471824645996, 1000.0]
    """
    x = operand(x, LogCumSumExp)
    if x.ndim == 0:
        raise ValueError("cumulative_logsumexp: x must have at least one axis, got a 0-d "
                         "Value")
    axis = axis_arg(axis, x.shape, "cumulative_logsumexp", allow_none=False)
    return apply(LogCumSumExp(axis, bool(reverse)), x)


def diff(x, n=1, axis=-1, prepend=None, append=None, *, dim=None):
    """The n-th discrete difference along ``axis`` (PyTorch's ``dim``): x[1:] - x[:-1], n
    times (``np.diff``, ``torch.diff``). ``prepend`` and ``append`` are joined to x along
    the axis first; a number stands for one slice of it. Each difference is a recorded
    subtraction of two slices, so gradients flow to x (and to Values joined to it).
    """
    axis, _, _ = axis_or_dim("diff", axis, dim, default=-1)
    x = operand(x, Cumsum)
    if x.ndim == 0:
        raise ValueError("diff: x must have at least one dimension")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: n must be a non-negative integer, got {n!r}")
    axis = axis_arg(axis, x.shape, "diff", allow_none=False)
    parts = []
    for extra in (prepend, append):
        if extra is not None and not isinstance(extra, Value) and np.ndim(extra) == 0:
            one = list(x.shape)
            one[axis] = 1
            extra = np.full(one, extra, x.dtype)  # numpy's rule for a number
        parts.append(extra)
    if prepend is not None or append is not None:
        x = concat([p for p in (parts[0], x, parts[1]) if p is not None], axis)
    before = (slice(None),) * axis
    for _ in range(int(n)):
        x = x[before + (slice(1, None),)] - x[before + (slice(None, -1),)]
    return x
