"""Joining and splitting, tiling, repeating and padding.

Joining sends each input its own part of g; splitting is indexing, so each piece's g goes
back to its place; a tile or a repeat uses an element several times, so its gradient adds
up the g of every copy; padding sends back g's middle (and, for the modes that copy x's
own border elements, the g of each copy as well).

Where the libraries disagree, numpy's meaning wins:

- ``repeat(x, 2)`` repeats each element (numpy's ``repeat``, TensorFlow's ``tf.repeat``,
  PyTorch's ``repeat_interleave``). PyTorch's ``Tensor.repeat(2, 3)`` repeats the whole
  tensor: that is ``tile`` here, and ``v.repeat`` is numpy's.
- ``split(x, 3)`` makes three equal pieces and ``split(x, [2, 5])`` cuts *at* indices 2
  and 5, as numpy. TensorFlow's and PyTorch's size lists are ``split(x, cumsum(sizes)[:-1])``,
  and PyTorch's ``split(x, 2)`` (pieces of size 2) is ``chunk`` with ``ceil(n / 2)`` pieces.
- ``pad(x, pad_width)`` takes numpy's and TensorFlow's widths, one (before, after) pair per
  axis from the first; PyTorch's ``F.pad`` lists them from the last axis backwards.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Op, _data, apply
from ..labels import array_text, index_text, number
from ..worked import Terms, sources_in
from . import xp
from ._operands import axis_arg, axis_or_dim, operand, plain_dims
from .indexing import GetItem, _indices

__all__ = ["concat", "concatenate", "cat", "stack", "split", "split_sizes", "array_split",
           "chunk", "unstack", "unbind", "tile", "repeat", "repeat_interleave", "pad"]


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

    def formula(self, y, *xs):
        names = [f"x{i + 1}" for i in range(len(xs))]
        ends = np.cumsum([x.shape[self.axis] for x in xs])
        parts = [f"dL/d{name} = g[{index_text(self._part(end - x.shape[self.axis], end))}]"
                 for name, x, end in zip(names, xs, ends)]
        return f"y = [{', '.join(names)}] joined along axis {self.axis}", ",  ".join(parts)

    def element(self, i, at, g, y, *xs):
        start = sum(x.shape[self.axis] for x in xs[:i])
        a = self.axis
        return Terms("g", ({"g": at[:a] + (at[a] + start,) + at[a + 1:]},))

    def _part(self, start, end):
        """The index of one input's part of g: a slice along the axis."""
        return (slice(None),) * self.axis + (slice(int(start), int(end)),)


def concat(values, axis=0):
    """Join Values along an existing axis (``tf.concat``, ``np.concatenate``, ``torch.cat``)."""
    values = [operand(v, Concat) for v in values]
    if not values:
        raise ValueError("concat: needs at least one Value")
    if values[0].ndim == 0:
        raise ValueError("concat: zero-dimensional Values cannot be joined; use stack")
    return apply(Concat(axis_arg(axis, values[0].shape, "concat")), *values)


def concatenate(values, axis=0):
    """numpy's name for ``concat``."""
    return concat(values, axis)


def cat(tensors, dim=0):
    """PyTorch's name for ``concat``."""
    return concat(tensors, dim)


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

    def formula(self, y, *xs):
        names = [f"x{i + 1}" for i in range(len(xs))]
        parts = [f"dL/d{name} = g[{index_text((slice(None),) * self.axis + (i,))}]"
                 for i, name in enumerate(names)]
        return (f"y = [{', '.join(names)}] stacked on a new axis {self.axis}",
                ",  ".join(parts))

    def element(self, i, at, g, y, *xs):
        return Terms("g", ({"g": at[:self.axis] + (i,) + at[self.axis:]},))


def stack(values, axis=0, *, dim=None):
    """Join Values along a new axis (``tf.stack``, ``np.stack``, ``torch.stack`` with its
    ``dim``)."""
    axis, _, _ = axis_or_dim("stack", axis, dim, default=0)
    values = [operand(v, Stack) for v in values]
    if not values:
        raise ValueError("stack: needs at least one Value")
    axis = axis_arg(axis, values[0].shape, "stack", ndim=values[0].ndim + 1)
    return apply(Stack(axis), *values)


# --- splitting: each piece is x indexed with a slice, so its gradient is a scatter ------


def _pieces(x, axis, cuts):
    """x cut along ``axis`` at the indices ``cuts``: x[:c0], x[c0:c1], ..., x[c_last:]."""
    before = (slice(None),) * axis
    bounds = [None, *cuts, None]
    return [x[before + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:])]


def _split_axis(x, axis, where):
    x = operand(x, GetItem)
    if x.ndim == 0:
        raise ValueError(f"{where}: a zero-dimensional Value cannot be split")
    return x, axis_arg(axis, x.shape, where, allow_none=False)


def split(x, indices_or_sections, axis=0, *, dim=None):
    """x cut into pieces along ``axis``, as ``np.split``: an int k gives k equal pieces (the
    length must divide evenly), a list of indices cuts at them. Returns a list of Values.

    With PyTorch's ``dim`` (``split(x, 2, dim=1)``), PyTorch's meaning, where the two
    differ: see ``split_sizes``.

    >>> [p.shape for p in split(np.zeros((6, 2)), [1, 4])]
    [(1, 2), (3, 2), (2, 2)]
    >>> [p.shape for p in split(np.zeros((5, 2)), 2, dim=0)]
    [(2, 2), (2, 2), (1, 2)]
    """
    if dim is not None:
        if axis != 0:
            raise TypeError("split: give axis (numpy) or dim (PyTorch), not both")
        return split_sizes(x, indices_or_sections, dim)
    x, axis = _split_axis(x, axis, "split")
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {axis} of length {n} (input shape {x.shape}) "
                             f"does not divide into {k} equal pieces; array_split allows "
                             "unequal ones")
        return _pieces(x, axis, range(n // k, n, n // k) if n else [0] * (k - 1))
    cuts = _indices(indices_or_sections, "split", "indices_or_sections")
    if cuts.ndim != 1:
        raise ValueError(f"split: indices must be a list, got shape {cuts.shape}")
    return _pieces(x, axis, [int(c) for c in cuts])


def split_sizes(x, split_size_or_sections, dim=0):
    """PyTorch's ``torch.split`` and ``x.split``: pieces of ``split_size`` along ``dim``
    (the last shorter when the length does not divide), or of the sizes in a list, which
    must add up to the length. Returns a tuple of Values, as PyTorch."""
    x, dim = _split_axis(x, dim, "split")
    n = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: the split size must be positive, got {size}")
        return tuple(_pieces(x, dim, list(range(size, n, size))))
    sizes = _indices(split_size_or_sections, "split", "split_size_or_sections")
    if sizes.ndim != 1 or (sizes < 0).any() or int(sizes.sum()) != n:
        raise ValueError(f"split: the sizes {sizes.tolist()} must be non-negative and add up "
                         f"to {n}, the length of axis {dim} (input shape {x.shape})")
    return tuple(_pieces(x, dim, np.cumsum(sizes)[:-1].tolist()))


def array_split(x, indices_or_sections, axis=0):
    """``split`` that allows unequal pieces: k pieces of a length n, the first n % k of them
    one longer (``np.array_split``, PyTorch's ``tensor_split``)."""
    x, axis = _split_axis(x, axis, "array_split")
    if not isinstance(indices_or_sections, (int, np.integer)):
        return split(x, indices_or_sections, axis)
    n, k = x.shape[axis], int(indices_or_sections)
    if k <= 0:
        raise ValueError(f"array_split: the number of pieces must be positive, got {k}")
    sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    return _pieces(x, axis, np.cumsum(sizes)[:-1].tolist())


def chunk(x, chunks, dim=0):
    """PyTorch's ``chunk``: pieces of ``ceil(n / chunks)`` along ``dim``, the last shorter,
    so there may be fewer than ``chunks`` of them. Returns a tuple, as PyTorch."""
    x, dim = _split_axis(x, dim, "chunk")
    n = x.shape[dim]
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    size = math.ceil(n / chunks)
    if size == 0:  # an empty axis: PyTorch gives one empty piece per chunk
        return tuple(_pieces(x, dim, [0] * (chunks - 1)))
    return tuple(_pieces(x, dim, list(range(size, n, size))))


def unstack(x, num=None, axis=0):
    """The slices of x along ``axis`` as a list of Values (``tf.unstack``; ``num``, when
    given, must be the length of that axis)."""
    x, axis = _split_axis(x, axis, "unstack")
    n = x.shape[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: num={num} but axis {axis} of the input (shape "
                         f"{x.shape}) has length {n}")
    before = (slice(None),) * axis
    return [x[before + (i,)] for i in range(n)]


def unbind(x, dim=0):
    """PyTorch's name for ``unstack``; a tuple, as PyTorch's."""
    return tuple(unstack(x, axis=dim))


# --- copies: tile, repeat, pad --------------------------------------------------------


class Tile(Op):
    """y = x copied reps times along each axis    dL/dx = g summed over the copies"""

    __slots__ = ("reps", "blocks")

    def __init__(self, reps, blocks):
        # blocks: g's shape with each axis split in two, (reps, length) per axis.
        self.reps, self.blocks = reps, blocks

    def forward(self, x):
        return np.tile(x, self.reps)

    def backward(self, g, y, x):
        copies = tuple(range(0, len(self.blocks), 2))
        return (g.reshape(self.blocks).sum(axis=copies).reshape(x.shape),)

    def formula(self, y, x):
        count = int(np.prod(self.reps))
        return (f"y = x tiled {self.reps} times",
                f"dL/dx = g summed over the {count} copies of x")

    def element(self, i, at, g, y, x):
        lengths = self.blocks[1::2]  # x's shape, with 1s in front up to len(reps)
        at = (0,) * (len(lengths) - len(at)) + tuple(at)
        return Terms("g", tuple({"g": tuple(c * n + k for c, n, k in zip(copy, lengths, at))}
                                for copy in np.ndindex(*self.reps)))


def tile(x, reps):
    """x copied whole ``reps`` times along each axis (``np.tile``, ``tf.tile``,
    ``torch.tile``, and PyTorch's ``Tensor.repeat``); reps shorter than x's axes count
    from the last axis, longer ones add axes in front.

    >>> tile([1., 2.], 2).numpy()
    array([1., 2., 1., 2.], dtype=float32)
    """
    x = operand(x, Tile)
    reps = plain_dims(reps)  # tf.tile(x, multiples) with multiples a Value
    reps = _indices(np.atleast_1d(reps) if np.ndim(reps) == 0 else reps, "tile", "reps")
    if reps.ndim != 1 or np.any(reps < 0):
        raise ValueError(f"tile: reps must be non-negative integers, got {reps.tolist()}")
    d = max(len(reps), x.ndim)
    reps = (1,) * (d - len(reps)) + tuple(int(r) for r in reps)
    lengths = (1,) * (d - x.ndim) + x.shape
    blocks = tuple(n for pair in zip(reps, lengths) for n in pair)
    return apply(Tile(reps, blocks), x)


class Repeat(GetItem):
    """y = each element of x repeated along axis (numpy's repeat)
    dL/dx = g summed over each element's copies"""

    __slots__ = ()

    def formula(self, y, x):
        axis, picks = len(self.index) - 1, self.index[-1]
        counts = np.bincount(picks, minlength=x.shape[axis])
        times = number(counts[0]) if np.all(counts == counts[0]) else array_text(counts)
        return (f"y = each element of x repeated {times} times along axis {axis}",
                "dL/dx = g summed over each element's copies")


def repeat(x, repeats, axis=None):
    """Each element of x repeated ``repeats`` times along ``axis`` (an int, or one count per
    element); axis None repeats the elements of the flattened x (``np.repeat``,
    ``tf.repeat``, ``torch.repeat_interleave``). PyTorch's ``Tensor.repeat`` is ``tile``.

    >>> repeat([1., 2.], [1, 3]).numpy()
    array([1., 2., 2., 2.], dtype=float32)
    """
    x = operand(x, Repeat)
    counts = _indices(repeats, "repeat", "repeats")
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis_arg(axis, x.shape, "repeat", allow_none=False)
    n = x.shape[axis]
    if counts.ndim > 1 or counts.size not in (1, n) or np.any(counts < 0):
        raise ValueError(f"repeat: repeats must be a non-negative integer or one per element "
                         f"({n} along axis {axis} of shape {x.shape}), got {counts.tolist()}")
    picks = np.repeat(np.arange(n), np.broadcast_to(counts.reshape(-1), (n,)))
    return apply(Repeat((slice(None),) * axis + (picks,)), x)


def repeat_interleave(x, repeats, dim=None):
    """PyTorch's name for ``repeat``."""
    return repeat(x, repeats, dim)


# numpy's modes, and TensorFlow's (upper case) and PyTorch's (F.pad) names for them.
_PAD_MODES = {"constant": "constant", "reflect": "reflect", "symmetric": "symmetric",
              "edge": "edge", "wrap": "wrap", "replicate": "edge", "circular": "wrap"}


class Pad(Op):
    """y = x with a border added (constant, or copies of x's edge elements)
    dL/dx = g's middle, plus the g of each copy (modes other than constant)"""

    __slots__ = ("pad_width", "mode", "constant_values", "index")

    def __init__(self, pad_width, mode, constant_values, index):
        self.pad_width, self.mode, self.constant_values = pad_width, mode, constant_values
        # index: where each element of y comes from in x, as a numpy index (for constant
        # mode: x's place in y, a slice per axis).
        self.index = index

    def forward(self, x):
        widths = self.pad_width or 0  # numpy takes no empty list of pairs for a 0-d x
        if self.mode == "constant":
            return np.pad(x, widths, "constant", constant_values=self.constant_values)
        return np.pad(x, widths, self.mode)

    def backward(self, g, y, x):
        if self.mode == "constant":
            return (g[self.index],)
        return (xp.scatter(g, self.index, x.shape),)

    def formula(self, y, x):
        widths = tuple(tuple(w) for w in self.pad_width)
        middle = tuple(slice(b, b + n) for (b, _), n in zip(widths, np.shape(x)))
        if self.mode == "constant":
            return (f"y = x padded by {widths} with {array_text(self.constant_values)}",
                    f"dL/dx = g[{index_text(middle)}]")
        return (f"y = x padded by {widths} with {self.mode} copies of its elements",
                f"dL/dx = g[{index_text(middle)}] plus the g of each copy")

    def element(self, i, at, g, y, x):
        if self.mode == "constant":
            return Terms("g", ({"g": tuple(k + b for k, (b, _) in zip(at, self.pad_width))},))
        return Terms("g", tuple({"g": k} for k in sources_in(self.index, x.shape, at)))


def pad(x, pad_width, mode="constant", constant_values=0):
    """x with ``pad_width`` elements added before and after along each axis (``np.pad``,
    ``tf.pad``).

    Args:
        pad_width: ``((before, after), ...)`` per axis, or one pair, or one int for all.
        mode: ``"constant"`` (constant_values, a number or pairs as pad_width, taken as
            constants with no gradient, as TensorFlow's), or a copy
            of x's own elements: ``"reflect"`` (mirrored, edge not repeated), ``"symmetric"``
            (mirrored, edge repeated), ``"edge"`` (PyTorch's ``"replicate"``), ``"wrap"``
            (PyTorch's ``"circular"``). TensorFlow's upper-case names are accepted.

    >>> pad([1., 2., 3.], (2, 1), mode="reflect").numpy()
    array([3., 2., 1., 2., 3., 2.], dtype=float32)
    """
    x = operand(x, Pad)
    name = _PAD_MODES.get(str(mode).lower())
    if name is None:
        raise ValueError(f"pad: mode {mode!r} is not one of {sorted(_PAD_MODES)}")
    widths = _indices(pad_width, "pad", "pad_width")
    if x.ndim == 0 and widths.size == 0:  # no axes, no pairs
        widths = widths.reshape(0, 2)
    try:
        widths = np.broadcast_to(widths, (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width of shape {widths.shape} does not give (before, "
                         f"after) for each axis of an input of shape {x.shape}") from None
    if np.any(widths < 0):
        raise ValueError(f"pad: pad_width must be non-negative, got {widths.tolist()}")
    widths = tuple((int(b), int(a)) for b, a in widths)
    if name == "constant":
        values = np.asarray(_data(constant_values))
        try:
            ok = values.dtype.kind in "biuf" and np.broadcast_shapes(
                values.shape, (x.ndim, 2)) == (x.ndim, 2)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"pad: constant_values must be a number or pairs as pad_width, "
                             f"got {constant_values!r}")
        inner = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape))
        return apply(Pad(widths, name, values, inner), x)
    try:  # where each output element comes from: numpy's own pad of 0, 1, ..., n - 1
        picks = [np.pad(np.arange(n), w, name) for n, w in zip(x.shape, widths)]
    except ValueError as e:
        raise ValueError(f"pad: mode {mode!r} on an input of shape {x.shape}: {e}") from None
    return apply(Pad(widths, name, None, np.ix_(*picks)), x)
