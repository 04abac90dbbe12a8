"""Shapes and indexing: reshape, transpose, indexing, joining, broadcasting.

These ops move numbers without changing them, so each gradient moves g back the same way:
a reshape reshapes it back, an index scatters it back, a broadcast sums it back.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply, unbroadcast
from . import xp
from ._operands import axis_arg, operand

__all__ = ["reshape", "transpose", "swapaxes", "expand_dims", "broadcast_to", "sum_to",
           "concat", "stack", "getitem", "scatter"]


def _shape_arg(shape):
    """``f(x, 3, 4)`` and ``f(x, (3, 4))`` alike, as numpy's methods take them."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Reshape(Op):
    """y = x reshaped              dL/dx = g reshaped back"""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return np.reshape(x, self.shape)

    def backward(self, g, y, x):
        return (g.reshape(x.shape),)


def reshape(x, *shape):
    """x with a new shape (one dimension may be -1): ``reshape(x, 3, 4)`` or ``(3, 4)``."""
    return apply(Reshape(_shape_arg(shape)), operand(x, Reshape))


class Transpose(Op):
    """y = x with axes permuted    dL/dx = g with the inverse permutation"""

    __slots__ = ("axes",)

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, g, y, x):
        inverse = None if self.axes is None else tuple(np.argsort(self.axes))
        return (g.transpose(inverse),)


def transpose(x, *axes):
    """Permute axes (reverse them by default), as numpy: ``transpose(x, (1, 0))`` or
    ``x.transpose(1, 0)``; negative axes count from the end."""
    x = operand(x, Transpose)
    axes = None if axes in ((), (None,)) else _shape_arg(axes)
    if axes is not None:
        if len(axes) != x.ndim:
            raise ValueError(f"transpose: axes {axes} do not match an input with {x.ndim} "
                             "dimensions: give one entry per axis")
        # Backward inverts the permutation with argsort, which needs non-negative axes.
        axes = axis_arg(axes, x.shape, "transpose")
    return apply(Transpose(axes), x)


def swapaxes(x, axis1, axis2):
    """x with two axes exchanged (``np.swapaxes``)."""
    x = operand(x, Transpose)
    axes = list(range(x.ndim))
    a, b = axis_arg(axis1, x.shape, "swapaxes"), axis_arg(axis2, x.shape, "swapaxes")
    axes[a], axes[b] = axes[b], axes[a]
    return apply(Transpose(tuple(axes)), x)


def expand_dims(x, axis):
    """x with new axes of length 1 at ``axis`` (an int or a tuple), as numpy."""
    x = operand(x, Reshape)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    axes = axis_arg(axes, x.shape, "expand_dims", ndim=x.ndim + len(axes))
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return apply(Reshape(tuple(shape)), x)


class BroadcastTo(Op):
    """y = x repeated to a larger shape, as numpy broadcasts    dL/dx = g summed back"""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g, y, x):
        return (xp.sum_to(g, x.shape),)


def broadcast_to(x, shape):
    """x broadcast to ``shape`` (numpy's rules)."""
    x = operand(x, BroadcastTo)
    shape = tuple(shape)
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}") \
            from None
    return apply(BroadcastTo(shape), x)


class SumTo(Op):
    """y = x summed over the axes broadcasting would add or stretch to reach x's shape
    dL/dx = g broadcast back (the gradient of a broadcast, recorded)"""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        y = unbroadcast(np.asarray(x), self.shape)
        return y[()] if y.ndim == 0 else y

    def backward(self, g, y, x):
        return (xp.broadcast_to(g, x.shape),)


def sum_to(x, shape):
    """x summed back to ``shape``, which must broadcast to x's shape (``engine.unbroadcast``
    as an op: the walk uses it when it records gradients)."""
    x = operand(x, SumTo)
    shape = tuple(shape)
    try:
        ok = np.broadcast_shapes(x.shape, shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"sum_to: shape {x.shape} cannot be summed to {shape}")
    return apply(SumTo(shape), x)


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


class GetItem(Op):
    """y = x[index]                dL/dx = g scattered back to index (repeats add up)"""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, g, y, x):
        return (xp.scatter(g, self.index, x.shape),)


def getitem(x, index):
    """x[index] with numpy's indexing: ints, slices, None, ..., integer and boolean arrays."""
    if isinstance(index, Value):
        index = index.data
    elif isinstance(index, list):
        index = np.asarray(index)
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Value) else i for i in index)
    return apply(GetItem(index), operand(x, GetItem))


def scatter_array(g, index, shape):
    """Zeros of ``shape`` with ``g`` added at ``index``, on numpy arrays."""
    out = np.zeros(shape, np.result_type(g))
    if _is_basic_index(index):
        out[index] = g  # a slice names each element once
    else:
        np.add.at(out, index, g)  # x[[0, 0]] uses x[0] twice: add, don't overwrite
    return out


class Scatter(Op):
    """y = zeros(shape) with x added at index     dL/dx = g[index]

    The gradient of indexing, as an op, so that it can be differentiated again."""

    __slots__ = ("index", "shape")

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, x):
        return scatter_array(x, self.index, self.shape)

    def backward(self, g, y, x):
        return (g[self.index],)


def scatter(x, index, shape):
    """Zeros of ``shape`` with ``x`` added at ``index`` (repeated indices add up)."""
    return apply(Scatter(index, tuple(shape)), operand(x, Scatter))


class Concat(Op):
    """y = [x1, x2, ...] joined along axis      dL/dx_i = g's slice for x_i"""

    __slots__ = ("axis",)

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g, y, *xs):
        before = (slice(None),) * self.axis
        ends = np.cumsum([x.shape[self.axis] for x in xs])
        return tuple(g[before + (slice(end - x.shape[self.axis], end),)]
                     for x, end in zip(xs, ends))


def concat(values, axis=0):
    """Join Values along an existing axis (``tf.concat``, ``np.concatenate``)."""
    values = [operand(v, Concat) for v in values]
    if not values:
        raise ValueError("concat: needs at least one Value")
    if values[0].ndim == 0:
        raise ValueError("concat: zero-dimensional Values cannot be joined; use stack")
    return apply(Concat(axis_arg(axis, values[0].shape, "concat")), *values)


class Stack(Op):
    """y = [x1, x2, ...] stacked on a new axis   dL/dx_i = g[..., i, ...]"""

    __slots__ = ("axis",)

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, g, y, *xs):
        before = (slice(None),) * self.axis
        return tuple(g[before + (i,)] for i in range(len(xs)))


def stack(values, axis=0):
    """Join Values along a new axis (``tf.stack``, ``np.stack``)."""
    values = [operand(v, Stack) for v in values]
    if not values:
        raise ValueError("stack: needs at least one Value")
    axis = axis_arg(axis, values[0].shape, "stack", ndim=values[0].ndim + 1)
    return apply(Stack(axis), *values)
