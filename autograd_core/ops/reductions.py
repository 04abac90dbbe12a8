"""Reductions: sum, mean, product, max, min and log-sum-exp over axes.

A reduction's gradient goes back to every element it read: ``_expand`` puts back the axes
the reduction removed, so g broadcasts against the input again.

Each takes numpy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` (``axis`` with
``dim`` raises). With ``dim=`` or ``keepdim=``, ``max`` and ``min`` answer as PyTorch's
do: the pair (values, indices) (see ``selection``).

Over an empty axis each behaves as in PyTorch: a sum is 0 and a product 1 (with an empty
gradient), a mean is NaN (numpy's RuntimeWarning is kept: it usually means a bug),
log-sum-exp is -inf, and max and min raise, as the maximum of no numbers is undefined.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, _sum_all, apply
from ..labels import all_axes, axis_text, over
from ..worked import Terms, reduced_index
from . import arithmetic, selection, xp
from ._operands import axis_arg, axis_or_dim, operand

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "logsumexp", "reduce_prod",
           "reduce_logsumexp"]


def copied(axis, ndim):
    """Where a reduction's gradient is copied back: "to every element", "along axis 1"."""
    if all_axes(axis, ndim):
        return "to every element"
    return f"along {axis_text(axis)}"


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
        if self.axis is None and type(x) is np.ndarray:  # see engine._sum_all
            total = _sum_all(x)
            return total.reshape((1,) * x.ndim) if self.keepdims else total
        return np.sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        return (xp.broadcast_to(_expand(g, self.axis, self.keepdims, x.ndim), x.shape),)

    def formula(self, y, x):
        return (f"y = sum of x {over(self.axis, x.ndim, self.keepdims)}",
                f"dL/dx = g, copied {copied(self.axis, x.ndim)}")

    def element(self, i, at, g, y, x):
        return Terms("g", ({"g": reduced_index(at, self.axis, self.keepdims)},))


def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    """Sum over ``axis`` (None: all, an int or a tuple); PyTorch's ``dim``/``keepdim`` too."""
    axis, keepdims, _ = axis_or_dim("sum", axis, dim, keepdims, keepdim)
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

    def formula(self, y, x):
        n = x.size // np.size(y) if x.size else 1
        return (f"y = mean of x {over(self.axis, x.ndim, self.keepdims)}",
                f"dL/dx = g / {n}, copied {copied(self.axis, x.ndim)}")

    def element(self, i, at, g, y, x):
        n = x.size // np.size(y)
        return Terms(f"g / {n}", ({"g": reduced_index(at, self.axis, self.keepdims)},))


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Mean over ``axis`` (None: all, an int or a tuple); PyTorch's ``dim``/``keepdim`` too."""
    axis, keepdims, _ = axis_or_dim("mean", axis, dim, keepdims, keepdim)
    x = operand(x, Mean)
    return apply(Mean(axis_arg(axis, x.shape, "mean"), keepdims), x)


class Prod(Op):
    """y = product of x over axis     dL/dx = g * (the product of the other elements)"""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return np.prod(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        g = _expand(g, self.axis, self.keepdims, x.ndim)
        if not xp.equal(x, 0).any():
            return (g * _expand(y, self.axis, self.keepdims, x.ndim) / x,)
        # y / x is 0 / 0 at a zero: multiply the others instead (as PyTorch does).
        return (g * product_of_others(x, self.axis),)

    def formula(self, y, x):
        forward = f"y = product of x {over(self.axis, x.ndim, self.keepdims)}"
        if not np.any(x == 0):
            return forward, f"dL/dx = g * y / x, g and y copied {copied(self.axis, x.ndim)}"
        return forward, (f"dL/dx = g * p, g copied {copied(self.axis, x.ndim)}   "
                         "(p: the product of the other elements, x has zeros)")

    def element(self, i, at, g, y, x):
        j = reduced_index(at, self.axis, self.keepdims)
        if not np.any(x == 0):
            return Terms("g * y / x", ({"g": j, "y": j},))
        return Terms("g * p", ({"g": j},), {"p": product_of_others(x, self.axis)})


def product_of_others(x, axis):
    """For each element of x, the product of the other elements along ``axis`` (None, an
    int or a tuple, non-negative), without dividing: the products of the elements before
    it times those after it (two exclusive cumulative products). Right with zeros, and
    differentiable again."""
    axes = tuple(range(x.ndim)) if axis is None else axis if isinstance(axis, tuple) \
        else (axis,)
    kept = tuple(a for a in range(x.ndim) if a not in axes)
    moved = x.transpose(kept + axes)  # the reduced axes last, then flattened into one
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    others = (xp.cumprod(flat, -1, exclusive=True)
              * xp.cumprod(flat, -1, exclusive=True, reverse=True))
    return others.reshape(moved.shape).transpose(tuple(np.argsort(kept + axes)))


def prod(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Product over ``axis`` (None: all, an int or a tuple; or PyTorch's ``dim``); 1 over
    an empty axis.

    The gradient is the product of the other elements, right also where x has zeros.

    >>> from autograd_core import Value
    >>> x = Value([2.0, 0.0, 3.0])
    >>> prod(x).backward()
    >>> x.grad
    array([0., 6., 0.], dtype=float32)
    """
    axis, keepdims, _ = axis_or_dim("prod", axis, dim, keepdims, keepdim)
    x = operand(x, Prod)
    return apply(Prod(axis_arg(axis, x.shape, "prod"), keepdims), x)


reduce_prod = prod  # TensorFlow's name


class Max(Op):
    """y = max of x over axis      dL/dx = g at the maximum (shared equally among ties)"""

    __slots__ = ("axis", "keepdims")

    reduce = staticmethod(np.max)

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return self.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g, y, x):
        # As TensorFlow's reduce_max: ties split the gradient so the total stays g. The
        # share is made in y's dtype from the start (a boolean divided by a count would
        # make float64 arrays, then a cast: 2x the time on float32 data).
        share = xp.equal(x, _expand(y, self.axis, self.keepdims, x.ndim)).astype(y.dtype)
        share /= share.sum(axis=self.axis, keepdims=True)
        return (_expand(g, self.axis, self.keepdims, x.ndim) * share,)

    def formula(self, y, x):
        which = "max" if self.reduce is np.max else "min"
        forward = f"y = {which} of x {over(self.axis, x.ndim, self.keepdims)}"
        if self._ties(y, x).max(initial=1) == 1:
            return forward, (f"dL/dx = g if x == y else 0, g and y copied "
                             f"{copied(self.axis, x.ndim)}")
        return forward, (f"dL/dx = g / k if x == y else 0, g and y copied "
                         f"{copied(self.axis, x.ndim)}   (k: how many elements tie for the "
                         f"{which}imum)")

    def element(self, i, at, g, y, x):
        j = reduced_index(at, self.axis, self.keepdims)
        ties = self._ties(y, x)
        if ties.max(initial=1) == 1:
            return Terms("g if x == y else 0", ({"g": j, "y": j},))
        return Terms("g / k if x == y else 0", ({"g": j, "y": j, "k": j},), {"k": ties})

    def _ties(self, y, x):
        """How many elements of x equal each result (1 where the extremum is unique)."""
        at_max = x == _expand(np.asarray(y), self.axis, self.keepdims, x.ndim)
        return np.sum(at_max, axis=self.axis, keepdims=self.keepdims)


def _nonempty(x, axis, op_name):
    """``axis`` checked (see ``axis_arg``), and refused when it is empty, as PyTorch does:
    numpy would fail in the middle of the computation with "no identity"."""
    axis = axis_arg(axis, x.shape, op_name)
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op_name}: cannot reduce an empty axis (input of shape {x.shape}, "
                         f"axis {axis}): the {op_name} of no numbers is undefined")
    return axis


def max(x, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    """Maximum over ``axis``; ties share the gradient. An empty axis raises.

    With PyTorch's ``dim=`` or ``keepdim=`` it is PyTorch's ``max(dim)``: the named pair
    ``(values, indices)``, the gradient going to the first maximum only, as PyTorch's
    does. numpy's ``axis`` (or a position) gives the values alone.

    PyTorch's ``max(x, other)``, with a second Value or array, is ``maximum(x, other)``.

    >>> x = [[1.0, 5.0], [4.0, 2.0]]
    >>> max(x, 1).numpy(), max(x, dim=1).indices.numpy()
    (array([5., 4.], dtype=float32), array([1, 0]))
    """
    if isinstance(axis, (Value, np.ndarray)):
        return _elementwise("max", x, axis, keepdims, dim, keepdim)
    axis, keepdims, torch = axis_or_dim("max", axis, dim, keepdims, keepdim)
    x = operand(x, Max)
    if torch:
        return selection.extreme_along(x, axis, keepdims, "max")
    return apply(Max(_nonempty(x, axis, "max"), keepdims), x)


class Min(Max):
    """y = min of x over axis      dL/dx = g at the minimum (shared equally among ties)"""

    __slots__ = ()

    reduce = staticmethod(np.min)


def min(x, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    """Minimum over ``axis``; ties share the gradient. An empty axis raises. With PyTorch's
    ``dim=`` or ``keepdim=``, the pair (values, indices), as ``max``; with a second Value
    or array, PyTorch's ``min(x, other)``: ``minimum(x, other)``."""
    if isinstance(axis, (Value, np.ndarray)):
        return _elementwise("min", x, axis, keepdims, dim, keepdim)
    axis, keepdims, torch = axis_or_dim("min", axis, dim, keepdims, keepdim)
    x = operand(x, Min)
    if torch:
        return selection.extreme_along(x, axis, keepdims, "min")
    return apply(Min(_nonempty(x, axis, "min"), keepdims), x)


def _elementwise(name, x, other, keepdims, dim, keepdim):
    """PyTorch's ``max(x, other)``/``min(x, other)``: the elementwise maximum or minimum."""
    if keepdims or dim is not None or keepdim is not None:
        raise TypeError(f"{name}: with a second Value (PyTorch's {name}(input, other)) "
                        f"there is no axis or keepdims")
    return (arithmetic.maximum if name == "max" else arithmetic.minimum)(x, other)


def amax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """numpy's and PyTorch's ``amax``: the maximum over ``axis`` (``dim``), values only,
    ties sharing the gradient as in both. PyTorch's ``dim=()`` is every axis."""
    axis, keepdims, _ = axis_or_dim("amax", axis, dim, keepdims, keepdim)
    x = operand(x, Max)
    axis = None if axis == () else axis
    return apply(Max(_nonempty(x, axis, "amax"), keepdims), x)


def amin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """numpy's and PyTorch's ``amin``: the minimum over ``axis`` (``dim``), as ``amax``."""
    axis, keepdims, _ = axis_or_dim("amin", axis, dim, keepdims, keepdim)
    x = operand(x, Min)
    axis = None if axis == () else axis
    return apply(Min(_nonempty(x, axis, "amin"), keepdims), x)


def max_along(x, axis):
    """np.max(x, axis, keepdims=True, initial=-inf), the same numbers, sooner for many short
    rows (a classifier's logits).

    Speed trick, fenced here: numpy reduces each row of a (4096, 10) float32 array on its
    own, at about 60 ns a row, 246 us in all; copied with the axis first, the same max is
    9 elementwise maxima of whole columns, 26 us (11 against 62 us at 1,024 rows). Long
    rows keep numpy's reduce, which is then the faster.
    """
    if isinstance(axis, (int, np.integer)) and 0 < x.shape[axis] <= _SHORT_ROW \
            and x.size >= _MANY_ROWS * x.shape[axis]:
        columns = np.ascontiguousarray(np.moveaxis(x, axis, 0))
        return np.expand_dims(np.maximum.reduce(columns, axis=0), axis)
    return np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf)  # np.max's


_SHORT_ROW, _MANY_ROWS = 32, 512  # where max_along's copy pays (measured above)


def shifted_exp(x, axis):
    """(m, exp(x - m), its sum) with m the max along ``axis``: softmax and logsumexp are
    unchanged by the shift, and exp never overflows. A row of -inf, or an empty axis
    (whose sum is 0), shifts by 0 instead."""
    m = max_along(x, axis)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(x - m)
    return m, e, np.add.reduce(e, axis=axis, keepdims=True)  # np.sum's, without its wrapper


def logsumexp_array(x, axis=-1, keepdims=False):
    """log(sum(exp(x))) along ``axis`` on a numpy array, without overflow; -inf over an
    empty axis (the log of an empty sum)."""
    m, _, s = shifted_exp(x, axis)
    with np.errstate(divide="ignore"):
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

    def formula(self, y, x):
        return (f"y = log(sum(exp(x))) {over(self.axis, x.ndim, self.keepdims)}",
                f"dL/dx = g * {self._softmax(x)}, g copied {copied(self.axis, x.ndim)}")

    def element(self, i, at, g, y, x):
        _, e, s = shifted_exp(x, self.axis)
        return Terms(f"g * {self._softmax(x)}",
                     ({"g": reduced_index(at, self.axis, self.keepdims)},),
                     {self._softmax(x): e / s})

    def _softmax(self, x):
        if all_axes(self.axis, x.ndim):
            return "softmax(x)"
        return f"softmax(x, axis={self.axis})"


def logsumexp(x, axis=-1, keepdims=False, *, dim=None, keepdim=None):
    """log(sum(exp(x), axis)), stable for large x; the last axis by default (PyTorch's
    ``dim``/``keepdim`` too)."""
    axis, keepdims, _ = axis_or_dim("logsumexp", axis, dim, keepdims, keepdim, default=-1)
    x = operand(x, LogSumExp)
    return apply(LogSumExp(axis_arg(axis, x.shape, "logsumexp"), keepdims), x)


def reduce_logsumexp(x, axis=None, keepdims=False):
    """TensorFlow's ``reduce_logsumexp``: ``logsumexp`` over all axes by default."""
    x = operand(x, LogSumExp)
    return apply(LogSumExp(axis_arg(axis, x.shape, "reduce_logsumexp"), keepdims), x)
