"""Indexing: picking elements (gather) and adding them back (scatter).

Every pick here is numpy indexing, ``y = x[index]``, with ``index`` built from the
arguments: its gradient puts g back where each element came from, adding up where an
element was picked twice (``Scatter``). Adding into places is the mirror image: its
gradient picks g back out of those places. So the two are each other's derivative, and
second derivatives come for free.

The libraries name these picks differently; here each keeps its own meaning:

==========================================  ================================================
here                                        picks
==========================================  ================================================
``x[index]``                                numpy's indexing (ints, slices, None, ..., arrays)
``take(x, indices, axis)``                  whole slices along one axis (``np.take``)
``gather(x, indices, axis, batch_dims)``    the same, TensorFlow's ``tf.gather``
``index_select(x, dim, index)``             the same, PyTorch's
``gather_nd(x, indices)``                   ``tf.gather_nd``: ``indices[..., k]`` address x
``take_along_axis(x, indices, axis)``       one element per index (``np.take_along_axis``)
``take_along_dim(x, indices, dim)``         the same, PyTorch's name
``x.gather(dim, index)``                    PyTorch's ``torch.gather``: take_along_axis,
                                            without broadcasting (the output has index's
                                            shape)
==========================================  ================================================

and the additions: ``scatter_add(x, dim, index, src)`` and ``index_add(x, dim, index,
source)`` are PyTorch's (x with src added at the places ``x.gather``/``index_select``
would pick), ``tensor_scatter_nd_add`` and ``scatter_nd`` TensorFlow's. Repeated indices
add up everywhere. Negative indices count from the end, as in numpy (PyTorch's
gather and scatter reject them).
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply
from ..labels import array_text, index_text
from ..worked import Terms, sources_in, unflat_index
from . import xp
from ._operands import axis_arg, operand, pair

__all__ = ["getitem", "masked_select", "narrow", "select", "scatter", "take", "gather",
           "index_select", "gather_nd", "take_along_axis", "take_along_dim", "scatter_add",
           "index_add", "tensor_scatter_nd_add", "scatter_nd"]


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

    def backward_into(self, acc, g):
        """backward's scatter, added into ``acc`` in place (the engine's sliced gradients)."""
        if _is_basic_index(self.index):
            acc[self.index] += g
        else:
            add_at(acc, self.index, g)

    def formula(self, y, x):
        return (f"y = x[{index_text(self.index)}]",
                f"dL/dx = g put back at [{index_text(self.index)}], 0 elsewhere "
                "(repeats add up)")

    def element(self, i, at, g, y, x):
        return Terms("g", tuple({"g": k} for k in sources_in(self.index, x.shape, at)))


def getitem(x, index):
    """x[index] with numpy's indexing: ints, slices, None, ..., integer and boolean arrays."""
    if isinstance(index, Value):
        index = index.data
    elif isinstance(index, list):
        index = np.asarray(index)
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Value) else i for i in index)
    return apply(GetItem(index), operand(x, GetItem))


def narrow(x, dim, start, length):
    """PyTorch's ``narrow``: the ``length`` elements of x from ``start`` along ``dim`` (a
    negative start counts from the end)."""
    x = operand(x, GetItem)
    dim = axis_arg(dim, x.shape, "narrow", allow_none=False)
    n = x.shape[dim]
    first = start + n if start < 0 else start
    if not (0 <= first <= n and 0 <= length <= n - first):
        raise IndexError(f"narrow: {length} elements from {start} do not fit in axis {dim} "
                         f"of length {n} (input shape {x.shape})")
    return getitem(x, (slice(None),) * dim + (slice(first, first + length),))


def select(x, dim, index):
    """PyTorch's ``select``: the slice of x at ``index`` along ``dim``, that axis dropped."""
    x = operand(x, GetItem)
    dim = axis_arg(dim, x.shape, "select", allow_none=False)
    if not -x.shape[dim] <= index < x.shape[dim]:
        raise IndexError(f"select: index {index} is out of range for axis {dim} of length "
                         f"{x.shape[dim]} (input shape {x.shape})")
    return getitem(x, (slice(None),) * dim + (index,))


def masked_select(x, mask):
    """PyTorch's ``masked_select``: the elements of x where the boolean ``mask`` is true, as
    a vector (x and mask are broadcast together first), as ``x[mask]``."""
    x = operand(x, GetItem)
    mask = np.asarray(mask.data if isinstance(mask, Value) else mask)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_select: the mask must be boolean, got dtype {mask.dtype}")
    try:
        shape = np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise ValueError(f"masked_select: x of shape {x.shape} and a mask of shape "
                         f"{mask.shape} do not broadcast") from None
    if x.shape != shape:
        x = xp.broadcast_to(x, shape)
    return apply(GetItem(np.broadcast_to(mask, shape)), x)


def scatter_array(g, index, shape):
    """Zeros of ``shape`` with ``g`` added at ``index``, on numpy arrays."""
    out = np.zeros(shape, np.result_type(g))
    if _is_basic_index(index):
        out[index] = g  # a slice names each element once
    else:
        add_at(out, index, g)  # x[[0, 0]] uses x[0] twice: add, don't overwrite
    return out


def add_at(out, index, g):
    """``np.add.at(out, index, g)``: out[index] += g with repeated positions adding up.

    Speed trick, fenced here. Rows picked by an integer array (an embedding's lookup,
    ``x[ids]``) are added as single numbers at their flat positions: numpy's add.at runs
    its fast loop on a 1-D array and a 1-D index, and its slow one per row otherwise.
    4,096 rows of 256 into 256: 2.2 ms against 7.5 ms; of 64 into 10,000: 0.8 against 2.1.
    The numbers are added in the same order, so the sums are the same to the bit.
    """
    rows = index[0] if type(index) is tuple and len(index) == 1 else index
    if not (type(rows) is np.ndarray and rows.dtype.kind in "iu" and out.ndim >= 1
            and out.flags.c_contiguous and out.shape[0] and np.size(g) >= _MANY_NUMBERS):
        np.add.at(out, index, g)
        return
    rest = out.size // out.shape[0]  # the numbers in one row of out
    if rows.dtype.kind == "i" and rows.min() < 0:  # numpy's negative rows count from the end
        rows = np.where(rows < 0, rows + out.shape[0], rows)
    positions = rows.astype(np.intp)[..., None] * rest + np.arange(rest)
    values = np.broadcast_to(g, rows.shape + out.shape[1:]).reshape(-1)
    np.add.at(out.reshape(-1), positions.reshape(-1), values)


_MANY_NUMBERS = 1024  # from here on add_at's flat positions pay for themselves


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

    def formula(self, y, x):
        return (f"y = zeros({self.shape}) with x added at [{index_text(self.index)}]",
                f"dL/dx = g[{index_text(self.index)}]")

    def element(self, i, at, g, y, x):
        return Terms("g", ({"g": _picked(self.index, self.shape, at)},))


def _picked(index, shape, at):
    """The element of an array of ``shape`` that element ``at`` of ``array[index]`` is."""
    places = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)[index]
    return unflat_index(int(places[at]), shape)


def scatter(x, index, shape):
    """Zeros of ``shape`` with ``x`` added at ``index`` (repeated indices add up)."""
    return apply(Scatter(index, tuple(shape)), operand(x, Scatter))


# --- picking along an axis ----------------------------------------------------------


def _indices(indices, where, name="indices"):
    """Integer index data from a Value, array or list (an empty list is fine)."""
    data = np.asarray(indices.data if isinstance(indices, Value) else indices)
    if data.size == 0 and data.dtype.kind not in "iu":
        data = data.astype(np.intp)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{where}: {name} must be integers, got dtype {data.dtype} "
                        f"(shape {data.shape})")
    return data


def _check_range(indices, n, where, name, shape, axis):
    """Indices must lie in [-n, n), n the length of ``axis`` of an input of ``shape``."""
    if indices.size and (indices.min() < -n or indices.max() >= n):
        bad = indices[(indices < -n) | (indices >= n)].flat[0]
        raise IndexError(f"{where}: {name} has {bad}, out of range for axis {axis} of "
                         f"length {n} (input shape {tuple(shape)}, {name} shape "
                         f"{indices.shape})")


class Gather(GetItem):
    """y = x[..., indices, ...], slices picked along axis
    dL/dx = g added back where each slice was picked (repeats add up)"""

    __slots__ = ()


def gather(params, indices, axis=None, batch_dims=0):
    """Slices of ``params`` picked by ``indices`` along ``axis`` (TensorFlow's ``tf.gather``).

    Args:
        params: (*B, ..., n, ...), with n at ``axis`` (default: ``batch_dims``).
        indices: integers in [-n, n), of shape (*B, *I): the first ``batch_dims`` axes are
            batch axes shared with params, each batch picking with its own indices.
    Returns:
        params.shape[:axis] + I + params.shape[axis + 1:].

    PyTorch's ``torch.gather(x, dim, index)`` is a different pick: ``x.gather(dim, index)``
    or ``take_along_axis(x, index, dim)`` here.

    >>> gather(Value([[1., 2.], [3., 4.]]), [1, 1, 0]).numpy()
    array([[3., 4.],
           [3., 4.],
           [1., 2.]], dtype=float32)
    """
    if not isinstance(axis, (int, np.integer, type(None))):
        raise TypeError("gather: follows tf.gather(params, indices, axis, batch_dims); for "
                        "PyTorch's torch.gather(x, dim, index) use x.gather(dim, index) or "
                        "take_along_axis(x, index, dim)")
    return _gather(params, indices, axis, batch_dims, "gather")


def _gather(params, indices, axis, batch_dims, where):
    params = operand(params, Gather)
    idx = _indices(indices, where)
    b = int(batch_dims) + idx.ndim if batch_dims < 0 else int(batch_dims)  # TF's rule
    axis = axis_arg(b if axis is None else axis, params.shape, where, allow_none=False)
    if not 0 <= b <= idx.ndim or b > axis or params.shape[:b] != idx.shape[:b]:
        raise ValueError(f"{where}: batch_dims={batch_dims} needs the first {b} axes of "
                         f"params (shape {params.shape}) and indices (shape {idx.shape}) "
                         f"to match, and axis {axis} not among them")
    _check_range(idx, params.shape[axis], where, "indices", params.shape, axis)
    if b == 0:  # an array at one axis: numpy puts the picked axes there
        return apply(Gather((slice(None),) * axis + (idx,)), params)
    # With batch axes, every axis gets an index array, all broadcast to the output's shape.
    rest = idx.ndim - b
    out_ndim = params.ndim - 1 + rest
    index = []
    for d, n in enumerate(params.shape):
        if d == axis:
            index.append(idx.reshape(idx.shape[:b] + (1,) * (axis - b) + idx.shape[b:]
                                     + (1,) * (params.ndim - axis - 1)))
        else:
            at = d if d < axis else d - 1 + rest
            index.append(np.arange(n).reshape([n if i == at else 1 for i in range(out_ndim)]))
    return apply(Gather(tuple(index)), params)


def take(x, indices, axis=None):
    """Slices of x picked along ``axis`` (numpy's ``np.take``; axis None: of the flattened
    x). The same as ``gather(x, indices, axis)``."""
    x = operand(x, Gather)
    if axis is None:
        _indices(indices, "take")
        x, axis = x.reshape(-1), 0
    return _gather(x, indices, axis, 0, "take")


def index_select(x, dim, index):
    """PyTorch's ``index_select``: slices picked along ``dim`` by a vector ``index``."""
    index = _indices(index, "index_select", "index")
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be a vector, got shape {index.shape}")
    return _gather(x, index, dim, 0, "index_select")


def gather_nd(params, indices, batch_dims=0):
    """TensorFlow's ``tf.gather_nd``: each row ``indices[..., :]`` addresses the first k axes
    of params (after ``batch_dims`` batch axes) and picks the rest.

    Args:
        params: (*B, *P), B of length ``batch_dims``.  indices: (*B, *I, k), integers.
    Returns:
        (*B, *I) + P[k:].
    """
    params = operand(params, Gather)
    idx = _indices(indices, "gather_nd")
    b = int(batch_dims)
    k = idx.shape[-1] if idx.ndim else 0
    if idx.ndim < b + 1 or k > params.ndim - b or params.shape[:b] != idx.shape[:b]:
        raise ValueError(f"gather_nd: indices of shape {idx.shape} cannot address params of "
                         f"shape {params.shape} with batch_dims={batch_dims}: indices "
                         "need shape (*batch, ..., k), k at most the remaining axes")
    for j in range(k):
        _check_range(idx[..., j], params.shape[b + j], "gather_nd", "indices",
                     params.shape, b + j)
    inner = idx.ndim - 1 - b
    batch = tuple(np.arange(n).reshape([n if i == d else 1 for i in range(b + inner)])
                  for d, n in enumerate(params.shape[:b]))
    return apply(Gather(batch + tuple(idx[..., j] for j in range(k))), params)


def _along_axis(indices, axis, sizes):
    """The numpy index that picks ``x[..., indices[i, j, ...], ...]`` along ``axis``: the
    indices there, and ``arange(sizes[d])`` on every other axis d, broadcast together."""
    ndim = len(sizes)
    return tuple(indices if d == axis else
                 np.arange(n).reshape([n if i == d else 1 for i in range(ndim)])
                 for d, n in enumerate(sizes))


class TakeAlongAxis(GetItem):
    """y[..., j, ...] = x[..., indices[..., j, ...], ...] along axis
    dL/dx = g added back where each element was picked (repeats add up)"""

    __slots__ = ()

    def formula(self, y, x):
        # The index holds arange on every axis but one: that one holds the indices.
        axis = next((d for d, part in enumerate(self.index) if not _is_arange(part, d)), 0)
        return (f"y = take_along_axis(x, {array_text(self.index[axis])}, axis={axis})",
                "dL/dx = g added back where each element was picked (repeats add up)")


def _is_arange(part, d):
    """Whether an index array is arange(n) laid along axis d, as _along_axis makes it."""
    part = np.asarray(part)
    if part.ndim <= d or part.size != part.shape[d]:
        return False
    return bool(np.array_equal(part.reshape(-1), np.arange(part.shape[d])))


def take_along_axis(x, indices, axis=-1):
    """One element of x per index, along ``axis`` (``np.take_along_axis``): ``indices`` has
    x's number of axes and broadcasts against x on the others (axis None: x flattened,
    indices a vector). PyTorch's ``take_along_dim``; its ``gather`` does not broadcast.

    >>> x = Value([[10., 30., 20.], [60., 40., 50.]])
    >>> take_along_axis(x, [[1], [0]], axis=1).numpy()
    array([[30.],
           [60.]], dtype=float32)
    """
    x = operand(x, TakeAlongAxis)
    idx = _indices(indices, "take_along_axis")
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis_arg(axis, x.shape, "take_along_axis", allow_none=False)
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices (shape {idx.shape}) need as many axes "
                         f"as the input (shape {x.shape})")
    sizes = list(x.shape)
    sizes[axis] = 1
    try:
        np.broadcast_shapes(tuple(sizes), idx.shape)
    except ValueError:
        raise ValueError(f"take_along_axis: indices of shape {idx.shape} do not broadcast "
                         f"against the input's shape {x.shape} off axis {axis}") from None
    _check_range(idx, x.shape[axis], "take_along_axis", "indices", x.shape, axis)
    return apply(TakeAlongAxis(_along_axis(idx, axis, x.shape)), x)


def take_along_dim(x, indices, dim=None):
    """PyTorch's name for ``take_along_axis`` (``dim`` None: x flattened)."""
    return take_along_axis(x, indices, dim)


def _torch_index(x, dim, index, where):
    """PyTorch's index for gather and scatter_add: index has x's number of axes and is
    no longer than x on any axis but ``dim``; the output has index's shape."""
    idx = _indices(index, where, "index")
    dim = axis_arg(dim, x.shape, where, allow_none=False)
    if idx.ndim != x.ndim or any(m > n for d, (m, n) in enumerate(zip(idx.shape, x.shape))
                                 if d != dim):
        raise ValueError(f"{where}: index (shape {idx.shape}) needs the input's number of "
                         f"axes and no greater length off dim {dim} (input shape {x.shape})")
    _check_range(idx, x.shape[dim], where, "index", x.shape, dim)
    return _along_axis(idx, dim, idx.shape), idx.shape


def torch_gather(x, dim, index):
    """PyTorch's ``x.gather(dim, index)``: ``y[i][j] = x[i][index[i][j]]`` for dim=1, the
    output of index's shape (``take_along_axis`` without broadcasting)."""
    x = operand(x, TakeAlongAxis)
    return apply(TakeAlongAxis(_torch_index(x, dim, index, "gather")[0]), x)


# --- adding at places -----------------------------------------------------------------


class ScatterAdd(Op):
    """y = x with src added at index (repeats add up)    dL/dx = g,  dL/dsrc = g[index]"""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def forward(self, x, src):
        y = np.array(x, dtype=np.result_type(x, src))
        add_at(y, self.index, src)
        return y

    def backward(self, g, y, x, src):
        return g, (g[self.index] if self.needs_grad[1] else None)

    def formula(self, y, x, src):
        return (f"y = x with src added at [{index_text(self.index)}] (repeats add up)",
                f"dL/dx = g,  dL/dsrc = g[{index_text(self.index)}]")

    def element(self, i, at, g, y, x, src):
        if i == 0:
            return Terms("g")
        return Terms("g", ({"g": _picked(self.index, np.shape(y), at)},))


def _scatter_add(x, index, src, where, src_shape):
    x, src = pair(x, src, ScatterAdd)
    if src.shape != src_shape:
        raise ValueError(f"{where}: src has shape {src.shape}, but the index (into an input "
                         f"of shape {x.shape}) needs {src_shape}")
    return apply(ScatterAdd(index), x, src)


def scatter_add(x, dim, index, src):
    """PyTorch's ``scatter_add``: x with ``src[i][j]`` added at ``[i][index[i][j]]`` for
    dim=1 (repeats add up); index is no longer than src on any axis, and the part of src
    it covers is used. ``x.scatter_add(dim, index, src)`` as well."""
    x = operand(x, ScatterAdd)
    place, shape = _torch_index(x, dim, index, "scatter_add")
    src = operand(src, ScatterAdd, like=x)
    if src.ndim == len(shape) and src.shape != shape and all(
            m <= n for m, n in zip(shape, src.shape)):
        src = src[tuple(slice(0, m) for m in shape)]
    return _scatter_add(x, place, src, "scatter_add", shape)


def index_add(x, dim, index, source, alpha=1):
    """PyTorch's ``index_add``: x with ``alpha * source`` added at ``index`` along ``dim``
    (``x[..., index[i], ...] += alpha * source[..., i, ...]``, repeats adding up)."""
    x = operand(x, ScatterAdd)
    idx = _indices(index, "index_add", "index")
    dim = axis_arg(dim, x.shape, "index_add", allow_none=False)
    if idx.ndim != 1:
        raise ValueError(f"index_add: index must be a vector, got shape {idx.shape}")
    _check_range(idx, x.shape[dim], "index_add", "index", x.shape, dim)
    shape = x.shape[:dim] + idx.shape + x.shape[dim + 1:]
    if alpha != 1:
        source = alpha * operand(source, ScatterAdd, like=x)
    return _scatter_add(x, (slice(None),) * dim + (idx,), source, "index_add", shape)


def _nd_index(idx, shape, where):
    """``tuple(indices[..., j])``: rows of k integers addressing the first k axes."""
    k = idx.shape[-1] if idx.ndim else 0
    if idx.ndim == 0 or k > len(shape):
        raise ValueError(f"{where}: indices of shape {idx.shape} cannot address an array of "
                         f"shape {tuple(shape)}: the last axis (k) indexes the first k axes")
    for j in range(k):
        _check_range(idx[..., j], shape[j], where, "indices", shape, j)
    return tuple(idx[..., j] for j in range(k)), idx.shape[:-1] + tuple(shape[k:])


def tensor_scatter_nd_add(tensor, indices, updates):
    """TensorFlow's ``tf.tensor_scatter_nd_add``: tensor with ``updates[i]`` added at the
    place ``indices[i, :]`` addresses (indices (*I, k), updates (*I) + tensor.shape[k:])."""
    tensor = operand(tensor, ScatterAdd)
    index, shape = _nd_index(_indices(indices, "tensor_scatter_nd_add"), tensor.shape,
                             "tensor_scatter_nd_add")
    return _scatter_add(tensor, index, updates, "tensor_scatter_nd_add", shape)


def scatter_nd(indices, updates, shape):
    """TensorFlow's ``tf.scatter_nd``: zeros of ``shape`` with ``updates`` added at
    ``indices`` (as ``tensor_scatter_nd_add`` on zeros)."""
    shape = tuple(int(n) for n in shape)
    updates = operand(updates, Scatter)
    index, needed = _nd_index(_indices(indices, "scatter_nd"), shape, "scatter_nd")
    if updates.shape != needed:
        raise ValueError(f"scatter_nd: updates have shape {updates.shape}, but indices into "
                         f"shape {shape} need {needed}")
    return apply(Scatter(index, shape), updates)
