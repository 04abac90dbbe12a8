"""Shapes: reshape, squeeze, transpose and their kin, broadcasting, flip and roll.

These ops move numbers without changing them, so each gradient moves g back the same way:
a reshape reshapes it back, a permutation permutes it back, a flip flips it again, a roll
rolls it back, a broadcast sums it back.

Where the libraries disagree, numpy's meaning wins and the others' names are aliases:

- ``transpose(x, *axes)`` permutes all axes, as numpy's (TensorFlow's ``perm=`` is
  accepted), except that two axes given apart, ``x.transpose(-2, -1)``, are exchanged, as
  PyTorch's ``transpose(dim0, dim1)`` does. The two readings agree wherever numpy's is
  not an error or the identity (``x.transpose(1, 0)`` of a matrix), and PyTorch's is
  what ported code means: ``k.transpose(-2, -1)`` in attention, ``W.transpose(0, 1)``.
  ``swapaxes`` (``swapdims``) exchanges two axes too; PyTorch's ``permute`` is
  ``transpose``.
- ``squeeze(x, axis)`` raises if the axis does not have length 1, as numpy and TensorFlow
  do (PyTorch leaves such an axis alone).
- ``v.view(...)`` is ``reshape`` (every Value owns its data; there are no views to share).
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Op, Value, _summed_axes, apply, unbroadcast
from ..labels import axes_text, axis_text, over
from ..worked import Terms, broadcast_sources, flat_index, unflat_index
from . import xp
from ._operands import axis_arg, axis_or_dim, operand, plain_dims

__all__ = ["reshape", "flatten", "ravel", "squeeze", "expand_dims", "unsqueeze",
           "transpose", "permute", "swapaxes", "swapdims", "moveaxis", "movedim",
           "broadcast_to", "broadcast_tensors", "broadcast_arrays", "sum_to", "flip", "reverse",
           "roll", "meshgrid", "t", "rot90"]


def _shape_arg(shape):
    """``f(x, 3, 4)`` and ``f(x, (3, 4))`` alike, as numpy's methods take them (or an
    array of ints, as TensorFlow code passes a shape, Values among them)."""
    shape = plain_dims(shape)  # f(x, n, 4) with n a Value
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, np.ndarray)):
        return tuple(plain_dims(shape[0]))  # f(x, (3, 4)), f(x, [n, 4]), f(x, tf.shape(y))
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

    def formula(self, y, x):
        return (f"y = x reshaped to {tuple(np.shape(y))}",
                f"dL/dx = g reshaped back to {tuple(np.shape(x))}")

    def element(self, i, at, g, y, x):
        return Terms("g", ({"g": unflat_index(flat_index(at, x.shape), np.shape(y))},))


def reshape(x, *shape):
    """x with a new shape (one dimension may be -1): ``reshape(x, 3, 4)`` or ``(3, 4)``.

    Also ``v.reshape(3, 4)`` and PyTorch's ``v.view(3, 4)``.
    """
    x = operand(x, Reshape)
    new = _shape_arg(shape)
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) for n in new):
        raise TypeError(f"reshape: the shape must be integers, got {new!r}")
    known = math.prod(n for n in new if n != -1)
    if -1 in new:  # that one takes what the others leave
        ok = new.count(-1) == 1 and known > 0 and x.size % known == 0
    else:
        ok = known == x.size
    if not ok or any(n < -1 for n in new):
        raise ValueError(f"reshape: cannot reshape an input of shape {x.shape} "
                         f"({x.size} elements) into shape {new}")
    return apply(Reshape(tuple(int(n) for n in new)), x)


def flatten(x, start_dim=0, end_dim=-1):
    """The axes ``start_dim`` to ``end_dim`` (both included) joined into one:
    ``flatten(x)`` is numpy's ``x.flatten()``, the arguments are PyTorch's.

    >>> flatten(Value(np.zeros((2, 3, 4))), 1).shape
    (2, 12)
    """
    x = operand(x, Reshape)
    if x.ndim == 0:  # a number becomes a vector of one, as in numpy and PyTorch
        for dim in (start_dim, end_dim):
            axis_arg(dim, (1,), "flatten")  # 0 and -1 both name its one axis
        return apply(Reshape((1,)), x)
    start = axis_arg(start_dim, x.shape, "flatten")
    end = axis_arg(end_dim, x.shape, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for an input of shape {x.shape}")
    shape = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
    return apply(Reshape(shape), x)


def ravel(x):
    """x as a vector (numpy's name for ``flatten(x)``)."""
    return flatten(x)


def squeeze(x, axis=None, *, dim=None):
    """x without axes of length 1: all of them, or those in ``axis`` (an int or a tuple),
    which must have length 1 (numpy's and TensorFlow's rule). With PyTorch's ``dim``, as
    PyTorch: an axis in ``dim`` whose length is not 1 is left as it is."""
    axis, _, pytorch = axis_or_dim("squeeze", axis, dim)
    x = operand(x, Reshape)
    if axis is None:
        axes = [i for i, n in enumerate(x.shape) if n == 1]
    else:
        axes = axis_arg(axis, x.shape, "squeeze")
        axes = [axes] if isinstance(axes, int) else list(axes)
        if pytorch:
            axes = [a for a in axes if x.shape[a] == 1]
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: cannot remove axis {a} of length {x.shape[a]}"
                                 f" from an input of shape {x.shape}: only length 1")
    shape = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    return apply(Reshape(shape), x)


def expand_dims(x, axis):
    """x with new axes of length 1 at ``axis`` (an int or a tuple), as numpy and TensorFlow.

    PyTorch's ``unsqueeze(x, dim)`` is the same for one axis.
    """
    x = operand(x, Reshape)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    axes = axis_arg(axes, x.shape, "expand_dims", ndim=x.ndim + len(axes))
    shape = list(x.shape)
    for a in sorted(axes):
        shape.insert(a, 1)
    return apply(Reshape(tuple(shape)), x)


def unsqueeze(x, dim):
    """x with a new axis of length 1 at ``dim`` (PyTorch's name for ``expand_dims``)."""
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"unsqueeze: dim must be one integer, got {dim!r}; "
                        "expand_dims takes a tuple")
    return expand_dims(x, dim)


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

    def formula(self, y, x):
        axes = self._axes(x)
        inverse = tuple(int(a) for a in np.argsort(axes))
        return (f"y = x with axes permuted to {axes}",
                f"dL/dx = g with axes permuted to {inverse}")

    def element(self, i, at, g, y, x):
        return Terms("g", ({"g": tuple(at[a] for a in self._axes(x))},))

    def _axes(self, x):
        """The permutation (None: the axes reversed)."""
        return tuple(range(x.ndim))[::-1] if self.axes is None else tuple(self.axes)


def transpose(x, *axes, perm=None):
    """Permute axes (reverse them by default), as numpy: ``transpose(x, (1, 0))``,
    ``x.transpose(2, 0, 1)`` or TensorFlow's ``transpose(x, perm=[1, 0])``; negative axes
    count from the end. PyTorch's ``permute`` is this. Two axes given apart are exchanged,
    as PyTorch's ``transpose(x, dim0, dim1)`` (see the module's notes).
    """
    x = operand(x, Transpose)
    if perm is None and len(axes) == 2 and all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        return swapaxes(x, *axes)  # PyTorch's transpose(dim0, dim1): see the module's notes
    if perm is not None:
        if axes:
            raise TypeError("transpose: give the axes or perm=, not both")
        axes = (perm,)
    axes = None if axes in ((), (None,)) else _shape_arg(axes)
    if axes is not None:
        if len(axes) != x.ndim:
            raise ValueError(f"transpose: axes {axes} do not match an input of shape "
                             f"{x.shape}: give one entry per axis")
        # Backward inverts the permutation with argsort, which needs non-negative axes.
        axes = axis_arg(axes, x.shape, "transpose")
    return apply(Transpose(axes), x)


def permute(x, *dims):
    """Permute the axes to ``dims`` (PyTorch's name for ``transpose`` with axes):
    ``permute(x, (2, 0, 1))`` or ``x.permute(2, 0, 1)``."""
    x = operand(x, Transpose)
    dims = _shape_arg(dims)
    if None in dims or (not dims and x.ndim):
        raise TypeError("permute: give the new order of the axes, e.g. permute(x, (1, 0))")
    return transpose(x, dims)


def swapaxes(x, axis1, axis2):
    """x with two axes exchanged (``np.swapaxes``; PyTorch's ``transpose(x, dim0, dim1)``
    and ``swapdims``)."""
    x = operand(x, Transpose)
    axes = list(range(x.ndim))
    a, b = axis_arg(axis1, x.shape, "swapaxes"), axis_arg(axis2, x.shape, "swapaxes")
    axes[a], axes[b] = axes[b], axes[a]
    return apply(Transpose(tuple(axes)), x)


def swapdims(x, dim0, dim1):
    """PyTorch's name for ``swapaxes``."""
    return swapaxes(x, dim0, dim1)


def moveaxis(x, source, destination):
    """x with the axes ``source`` moved to positions ``destination`` (ints or sequences of
    the same length), the other axes keeping their order (``np.moveaxis``)."""
    x = operand(x, Transpose)
    src = axis_arg(tuple(np.atleast_1d(source).tolist()), x.shape, "moveaxis")
    dst = axis_arg(tuple(np.atleast_1d(destination).tolist()), x.shape, "moveaxis")
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} "
                         "must name as many axes")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return apply(Transpose(tuple(order)), x)


def movedim(x, source, destination):
    """PyTorch's name for ``moveaxis``."""
    return moveaxis(x, source, destination)


class BroadcastTo(Op):
    """y = x repeated to a larger shape, as numpy broadcasts    dL/dx = g summed back"""

    __slots__ = ("shape",)

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g, y, x):
        return (xp.sum_to(g, x.shape),)

    def formula(self, y, x):
        axes = _summed_axes(self.shape, x.shape)
        summed = f" summed over {axes_text(axes)}" if axes else ""
        return f"y = x broadcast to {self.shape}", f"dL/dx = g{summed}"

    def element(self, i, at, g, y, x):
        return Terms("g", tuple({"g": k} for k in broadcast_sources(at, self.shape, x.shape)))


def broadcast_to(x, shape):
    """x broadcast to ``shape`` (numpy's rules; ``np.broadcast_to``, ``tf.broadcast_to``,
    and the method ``v.broadcast_to(shape)`` as PyTorch's)."""
    x = operand(x, BroadcastTo)
    shape = plain_dims(shape)  # tf.broadcast_to(x, tf.shape(y))
    shape = (int(shape),) if np.isscalar(shape) else tuple(shape)
    try:
        ok = np.broadcast_shapes(x.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}")
    return apply(BroadcastTo(shape), x)


def broadcast_tensors(*xs):
    """The inputs broadcast to their common shape, as a tuple (``torch.broadcast_tensors``,
    numpy's ``broadcast_arrays``); each gradient is summed back to its input's shape."""
    xs = [operand(x, BroadcastTo) for x in xs]
    try:
        common = np.broadcast_shapes(*[x.shape for x in xs])
    except ValueError:
        raise ValueError(f"broadcast_tensors: shapes {', '.join(str(x.shape) for x in xs)} "
                         f"do not broadcast together") from None
    return tuple(x if x.shape == common else broadcast_to(x, common) for x in xs)


broadcast_arrays = broadcast_tensors


def expand(x, *sizes):
    """PyTorch's ``v.expand(*sizes)``: ``broadcast_to``, where -1 keeps an axis's length."""
    x, sizes = operand(x, BroadcastTo), _shape_arg(sizes)
    kept = (None,) * (len(sizes) - x.ndim) + x.shape
    return broadcast_to(x, tuple(k if n == -1 and k is not None else n
                                 for n, k in zip(sizes, kept)))


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

    def formula(self, y, x):
        axes = _summed_axes(np.shape(x), self.shape)
        return (f"y = x summed to {self.shape} ({over(axes, np.ndim(x))})",
                f"dL/dx = g broadcast back to {tuple(np.shape(x))}")

    def element(self, i, at, g, y, x):
        return Terms("g")


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


class Flip(Op):
    """y = x in reverse order along axis      dL/dx = g flipped back along axis"""

    __slots__ = ("axis",)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return np.flip(x, self.axis)

    def backward(self, g, y, x):
        return (xp.flip(g, self.axis),)

    def formula(self, y, x):
        return (f"y = x reversed along {axis_text(self.axis)}",
                f"dL/dx = g reversed along {axis_text(self.axis)}")

    def element(self, i, at, g, y, x):
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        return Terms("g", ({"g": tuple(n - 1 - k if a in axes else k for a, (k, n)
                                       in enumerate(zip(at, x.shape)))},))


def flip(x, axis=None, *, dims=None):
    """x reversed along ``axis`` (an int or a tuple; None: every axis), as ``np.flip``;
    PyTorch's ``flip(x, dims)``, ``flip(x, dims=...)`` and ``x.flip(dims)`` are the same."""
    axis, _, _ = axis_or_dim("flip", axis, dims)
    x = operand(x, Flip)
    axis = axis_arg(axis, x.shape, "flip")
    return apply(Flip(tuple(range(x.ndim)) if axis is None else axis), x)


def reverse(x, axis):
    """TensorFlow's name for ``flip``, where ``axis`` is required."""
    return flip(x, axis)


class Roll(Op):
    """y = x shifted cyclically by shift along axis    dL/dx = g rolled back by -shift"""

    __slots__ = ("shift", "axis")

    def __init__(self, shift, axis):
        self.shift, self.axis = shift, axis

    def forward(self, x):
        return np.roll(x, self.shift, self.axis)

    def backward(self, g, y, x):
        return (xp.roll(g, tuple(-s for s in self.shift), self.axis),)

    def formula(self, y, x):
        shift = self.shift[0] if len(self.shift) == 1 else self.shift
        back = tuple(-s for s in self.shift)
        back = back[0] if len(back) == 1 else back
        where = "as one line (x flattened)" if self.axis is None else \
            f"along {axis_text(self.axis)}"
        return f"y = x rolled by {shift} {where}", f"dL/dx = g rolled by {back} {where}"

    def element(self, i, at, g, y, x):
        if self.axis is None:  # rolled as one line: the flat position moves
            k = (flat_index(at, x.shape) + self.shift[0]) % max(x.size, 1)
            return Terms("g", ({"g": unflat_index(k, x.shape)},))
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        moved = list(at)
        for a, s in zip(axes, self.shift):
            moved[a] = (moved[a] + s) % x.shape[a]
        return Terms("g", ({"g": tuple(moved)},))


def roll(x, shift=None, axis=None, *, shifts=None, dims=None):
    """x shifted cyclically: elements pushed past the end come back at the start
    (``np.roll``; ``tf.roll(x, shift, axis)``; PyTorch's ``roll(x, shifts, dims)``, by
    position or by those names).

    Args:
        shift: an int, or a tuple of shifts, one per axis (an int is used for each).
        axis: an int or a tuple; None rolls the flattened x and restores its shape.
    """
    if shifts is not None:
        if shift is not None:
            raise TypeError("roll: give shift (numpy) or shifts (PyTorch), not both")
        shift = shifts
    if shift is None:
        raise TypeError("roll: missing the shift")
    axis, _, _ = axis_or_dim("roll", axis, dims)
    x = operand(x, Roll)
    shifts = np.atleast_1d(np.asarray(shift))
    if shifts.dtype.kind not in "iu" or shifts.ndim != 1:
        raise TypeError(f"roll: shift must be an integer or a tuple of integers, got {shift!r}")
    if axis is None:
        if shifts.size != 1:
            raise ValueError(f"roll: {shifts.size} shifts need as many axes; got axis=None")
        return apply(Roll((int(shifts[0]),), None), x)
    axes = axis_arg(axis, x.shape, "roll")
    axes = (axes,) if isinstance(axes, int) else axes
    if shifts.size not in (1, len(axes)):
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must have the same length")
    shifts = np.broadcast_to(shifts, (len(axes),))
    return apply(Roll(tuple(int(s) for s in shifts), axes), x)


def meshgrid(*xs, indexing="xy"):
    """Coordinate grids from vectors: one array per input, each of the shape of the grid,
    holding that input's values along its own axis (``np.meshgrid``, ``torch.meshgrid``,
    ``tf.meshgrid``). A gradient flows back to each vector, summed over the grid.

    ``indexing="xy"`` (numpy's and TensorFlow's default) puts the first vector along the
    columns and the second along the rows: for x of length 3 and y of length 2 both
    grids are 2x3. ``indexing="ij"`` (PyTorch's default: pass it when porting PyTorch
    code) puts input i along axis i. Inputs that are not vectors are flattened, and one
    list of them may be given instead, as PyTorch allows. Returns a tuple.
    """
    if len(xs) == 1 and isinstance(xs[0], (list, tuple)):
        xs = tuple(xs[0])
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [reshape(operand(x, Reshape), (-1,)) for x in xs]
    axes = list(range(len(xs)))
    if indexing == "xy" and len(xs) >= 2:
        axes[0], axes[1] = 1, 0
    grid = [0] * len(xs)
    for x, axis in zip(xs, axes):
        grid[axis] = x.shape[0]
    out = []
    for x, axis in zip(xs, axes):
        along = [1] * len(xs)
        along[axis] = x.shape[0]
        out.append(broadcast_to(reshape(x, tuple(along)), tuple(grid)))
    return tuple(out)


def t(x):
    """PyTorch's ``t``: a matrix transposed; vectors and numbers stay as they are."""
    x = operand(x, Transpose)
    if x.ndim > 2:
        raise ValueError(f"t: expects at most 2 dimensions, got shape {x.shape}; use "
                         "transpose/permute")
    return x if x.ndim < 2 else transpose(x)


def rot90(x, k=1, axes=(0, 1), *, dims=None):
    """x rotated by 90 degrees k times in the plane of ``axes`` (PyTorch's ``dims``), from
    the first axis towards the second (``np.rot90``, ``torch.rot90``)."""
    axes = tuple(dims) if dims is not None else tuple(axes)
    x = operand(x, Flip)
    if len(axes) != 2 or x.ndim < 2:
        raise ValueError(f"rot90: needs two axes of an input with at least 2, got axes "
                         f"{axes} for shape {x.shape}")
    a, b = (axis_arg(axis, x.shape, "rot90", allow_none=False) for axis in axes)
    if a == b:
        raise ValueError(f"rot90: the two axes must differ, got {axes}")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, (a, b))
    if k == 1:
        return swapaxes(flip(x, b), a, b)
    return flip(swapaxes(x, a, b), b)  # k == 3
