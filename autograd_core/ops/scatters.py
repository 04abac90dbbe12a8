"""PyTorch's out-of-place scatters: ``x.scatter`` (``scatter_copy``), ``scatter_reduce`` and
``index_reduce`` (sum, prod, mean, amax, amin, with or without the input's own element),
and ``diagonal_scatter``,
``select_scatter``, ``slice_scatter``, which write a Value into a diagonal, a slice or a
selected index of a copy of another; and ``narrow_copy``.

Nothing here is a new op. A reduction flattens src, finds each element's target in the
output (a constant integer array), and reduces with the segment reductions of
``segments`` (whose max and min share a tie's gradient evenly, as PyTorch's
``scatter_reduce`` does); the positions no element reaches keep the input by a ``where``.
A ``*_scatter`` is one gather from the input and src laid end to end, so each output
element's gradient goes back to exactly the one element it came from.
"""

from __future__ import annotations

import numpy as np

from ..engine import constant
from . import arithmetic, indexing, joining, segments, shape
from ._composing import _dim, _value, _values

__all__ = ["scatter_reduce", "index_reduce", "diagonal_scatter", "select_scatter",
           "slice_scatter", "narrow_copy"]

_REDUCTIONS = {"sum": segments.unsorted_segment_sum, "prod": segments.unsorted_segment_prod,
               "mean": segments.unsorted_segment_mean, "amax": segments.unsorted_segment_max,
               "amin": segments.unsorted_segment_min}


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    """``torch.scatter_reduce``: y = input, then for each position p of index, the element
    y[p with its dim-coordinate replaced by index[p]] reduced with src[p]; ``reduce`` is
    "sum", "prod", "mean", "amax" or "amin", and ``include_self=False`` leaves the input's
    own element out where anything is scattered.

    Args:
        input: (...); index: integers of input's ndim, no larger than src along any axis
            nor than input along the axes other than dim; src: (...) of input's ndim.
    Returns:
        input's shape. The gradient of a mean is shared by count, of amax/amin among ties.
    """
    if reduce not in _REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {sorted(_REDUCTIONS)}, got "
                         f"{reduce!r}")
    x, dim, targets, used = _scatter_targets("scatter_reduce", input, dim, index, src)
    if x.dtype.kind != "f":  # integers: a constant, no gradient
        return _integer_scatter(x.data, targets, np.asarray(used.data).ravel(), reduce,
                                include_self)
    data, ids = shape.reshape(arithmetic.cast(used, x.dtype), (-1,)), targets
    flat = shape.reshape(x, (-1,))
    if include_self:
        data = joining.concat([flat, data], axis=0)
        ids = np.concatenate([np.arange(flat.shape[0]), targets])
    table = _REDUCTIONS[reduce](data, ids, flat.shape[0])
    reached = np.bincount(targets, minlength=flat.shape[0]) > 0
    return shape.reshape(arithmetic.where(reached, table, flat), x.shape)


_UFUNCS = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum,
           "mean": np.add}


def _scatter_targets(where, input, dim, index, src):  # noqa: A002
    """For a scatter along ``dim``: (x, dim, the flat position in x of each element of
    index, src's block of index's shape), after checking the shapes and the range."""
    x, src = _values(where, input, src)
    dim = _dim(x, dim, where)
    index = np.asarray(getattr(index, "data", index))
    if index.dtype.kind not in "iu" or index.ndim != x.ndim or src.ndim != x.ndim:
        raise ValueError(f"{where}: index must be integers with input's ndim, and src "
                         f"of input's ndim; got input {x.shape}, index {index.shape} "
                         f"({index.dtype}), src {src.shape}")
    if any(i > s for i, s in zip(index.shape, src.shape)) or any(
            i > n for a, (i, n) in enumerate(zip(index.shape, x.shape)) if a != dim):
        raise ValueError(f"{where}: index of shape {index.shape} is larger than src "
                         f"{src.shape} or, along an axis other than {dim}, input {x.shape}")
    n = x.shape[dim] if x.ndim else 1
    if index.size and (index.min() < -n or index.max() >= n):
        raise IndexError(f"{where}: index out of range for dim {dim} of size {n}")
    coordinates = list(np.indices(index.shape))
    coordinates[dim] = index % n
    targets = np.ravel_multi_index(coordinates, x.shape).ravel() if x.ndim else \
        np.zeros(index.size, np.int64)
    used = src[tuple(slice(0, k) for k in index.shape)] if src.ndim else src
    return x, dim, targets, used


def scatter_copy(input, dim, index, src):  # noqa: A002
    """PyTorch's ``x.scatter(dim, index, src)``: a copy of input with src[p] written at p
    with its ``dim`` coordinate replaced by index[p] (the last write where index repeats a
    target). One gather, as the ``*_scatter`` functions below."""
    x, dim, targets, used = _scatter_targets("scatter", input, dim, index, src)
    return _replaced(x, targets.reshape(np.shape(index)),
                     arithmetic.cast(used, x.dtype) if used.dtype != x.dtype else used,
                     "scatter")


def _integer_scatter(x, targets, values, reduce, include_self):
    """scatter_reduce of integers on the data: PyTorch's result, floor of an integer mean."""
    flat = x.ravel().copy()
    reached = np.bincount(targets, minlength=flat.size) > 0
    if not include_self:  # start from the reduction's identity where src arrives
        info = np.iinfo(x.dtype)
        flat[reached] = {"sum": 0, "mean": 0, "prod": 1, "amax": info.min,
                         "amin": info.max}[reduce]
    _UFUNCS[reduce].at(flat, targets, values.astype(x.dtype))
    if reduce == "mean":
        counts = np.bincount(targets, minlength=flat.size) + bool(include_self)
        flat = np.where(reached, np.floor_divide(flat, np.maximum(counts, 1)), flat)
    result = np.where(reached, flat, x.ravel()).reshape(x.shape).astype(x.dtype)
    return constant(result, dtype=result.dtype)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):  # noqa: A002
    """``torch.index_reduce``: y = input, then y.select(dim, index[k]) reduced with
    source.select(dim, k) for each k; ``reduce`` is "prod", "mean", "amax" or "amin".
    index is 1-D with one entry per slice of source along dim."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueError(f"index_reduce: reduce must be 'prod', 'mean', 'amax' or 'amin', "
                         f"got {reduce!r}")
    x, source = _values("index_reduce", input, source)
    dim = _dim(x, dim, "index_reduce")
    index = np.asarray(getattr(index, "data", index))
    if index.ndim != 1 or source.ndim != x.ndim or source.shape[dim] != index.size or any(
            s != n for a, (s, n) in enumerate(zip(source.shape, x.shape)) if a != dim):
        raise ValueError(f"index_reduce: needs a 1-D index with one entry per slice of source "
                         f"along dim {dim}, and source shaped as input elsewhere; got input "
                         f"{x.shape}, index {index.shape}, source {source.shape}")
    along = [1] * x.ndim
    along[dim] = index.size
    full = np.broadcast_to(index.reshape(along), source.shape)
    return scatter_reduce(x, dim, full, source, reduce, include_self=include_self)


def _replaced(x, positions, src, where):
    """x with the elements at the flat ``positions`` (shaped as src must be) taken from
    src: one gather from [x, src] laid end to end."""
    if tuple(src.shape) != positions.shape:
        raise ValueError(f"{where}: src must have shape {positions.shape}, got {src.shape}")
    size = int(np.prod(x.shape))
    picks = np.arange(size)
    picks[positions.ravel()] = size + np.arange(positions.size)
    both = joining.concat([shape.reshape(x, (-1,)), shape.reshape(src, (-1,))], axis=0)
    return shape.reshape(indexing.take(both, picks), x.shape)


def _positions(x):
    return np.arange(int(np.prod(x.shape))).reshape(x.shape)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002
    """A copy of input with its diagonal (``torch.diagonal(input, offset, dim1, dim2)``,
    last axis the diagonal) replaced by src (``torch.diagonal_scatter``)."""
    x, src = _values("diagonal_scatter", input, src)
    if x.ndim < 2:
        raise ValueError(f"diagonal_scatter: input needs 2 dimensions, got shape {x.shape}")
    d1, d2 = _dim(x, dim1, "diagonal_scatter"), _dim(x, dim2, "diagonal_scatter")
    if d1 == d2:
        raise ValueError("diagonal_scatter: dim1 and dim2 must differ")
    return _replaced(x, np.diagonal(_positions(x), offset, d1, d2), src, "diagonal_scatter")


def select_scatter(input, src, dim, index):  # noqa: A002
    """A copy of input with input.select(dim, index) replaced by src
    (``torch.select_scatter``)."""
    x, src = _values("select_scatter", input, src)
    dim = _dim(x, dim, "select_scatter")
    if not -x.shape[dim] <= index < x.shape[dim]:
        raise IndexError(f"select_scatter: index {index} is out of range for dim {dim} of "
                         f"size {x.shape[dim]}")
    return _replaced(x, np.take(_positions(x), index, axis=dim), src, "select_scatter")


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    """A copy of input with input[..., start:end:step, ...] (along dim) replaced by src
    (``torch.slice_scatter``)."""
    x, src = _values("slice_scatter", input, src)
    dim = _dim(x, dim, "slice_scatter")
    if step is None or step < 1:
        raise ValueError(f"slice_scatter: step must be >= 1, got {step}")
    cut = (slice(None),) * dim + (slice(start, end, step),)
    return _replaced(x, _positions(x)[cut], src, "slice_scatter")


def narrow_copy(input, dim, start, length):  # noqa: A002
    """A copy of ``narrow(input, dim, start, length)`` (``torch.narrow_copy``)."""
    return arithmetic.clone(indexing.narrow(_value(input, "narrow_copy"), dim, start, length))


METHODS = {name: globals()[name] for name in __all__}
NUMPY_FUNCTIONS = {}
NUMPY_UFUNCS = {}
