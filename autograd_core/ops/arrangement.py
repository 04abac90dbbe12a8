"""Arranging: numpy's and PyTorch's functions that stack, cut, flip, insert and delete
elements (hstack, atleast_2d, hsplit, tensor_split, fliplr, insert, delete, ...); building
matrices and filling places is ``building``'s.

Nothing here is a new op. Each function is a composition of the differentiable ops of the
other families (concat, reshape, flip, take), so its first and second
derivatives are theirs: every element of the result is a copy of one element of an input
(or a constant), and its g goes back to that element. Indices, masks and sizes are
constants, checked before anything is computed.

Where the libraries disagree:

- ``hsplit``, ``vsplit`` and ``dsplit`` return a list, as numpy (PyTorch a tuple);
  ``tensor_split`` (PyTorch's) returns a tuple.
- ``atleast_1d(*arys)`` is numpy's; one list or tuple of Values is PyTorch's sequence of
  tensors (numpy would make one non-differentiable array of it) and gives a tuple.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Value, _data, constant
from .arithmetic import cast
from .indexing import _indices, take
from .joining import array_split, concat, split
from .shape import broadcast_to, flip, moveaxis, ravel, reshape
from .selection import sort
from ._composing import _value
from ._operands import axis_arg

__all__ = [
    "hstack", "vstack", "dstack", "column_stack", "row_stack", "atleast_1d", "atleast_2d",
    "atleast_3d", "hsplit", "vsplit", "dsplit", "fliplr", "flipud", "append", "insert", "delete",
    "tensor_split", "unflatten", "msort"]


# --- checking what users pass ----------------------------------------------------------


def _values(tup, where):
    """The arrays of numpy's ``tup`` (PyTorch's ``tensors``): a non-empty list or tuple."""
    if not isinstance(tup, (list, tuple)):
        what = f"a Value of shape {tup.shape}" if isinstance(tup, Value) else type(tup).__name__
        raise TypeError(f"{where}: expects a sequence (list or tuple) of arrays, got {what}")
    if not tup:
        raise ValueError(f"{where}: needs at least one array to join, got an empty sequence")
    return [_value(v, where) for v in tup]


def _int(n, where, name, low=None):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an integer, got {n!r}")
    if low is not None and n < low:
        raise ValueError(f"{where}: {name} must be at least {low}, got {n}")
    return int(n)


def _mask(mask, shape, where):
    """A boolean mask that broadcasts to ``shape`` (x's, which it may not enlarge)."""
    mask = np.asarray(_data(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"{where}: the mask must be boolean, got dtype {mask.dtype} "
                        f"(shape {mask.shape})")
    try:
        ok = np.broadcast_shapes(mask.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{where}: a mask of shape {mask.shape} does not broadcast to the "
                         f"input's shape {tuple(shape)}")
    return np.broadcast_to(mask, shape)


def _scalar_value(value, where):
    """PyTorch's fill value: a number, or a 0-d Value (which then gets a gradient)."""
    if np.ndim(_data(value)) != 0:
        raise ValueError(f"{where}: value must be a number or a 0-d Value, got shape "
                         f"{np.shape(_data(value))}")
    return value


def _vector_index(index, n, where, name, shape, axis):
    """An index (an int or a vector of ints) into an axis of length n, made non-negative."""
    idx = _indices(index, where, name)
    if idx.ndim > 1:
        raise ValueError(f"{where}: {name} must be a vector, got shape {idx.shape}")
    idx = idx.reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"{where}: {name} {idx.tolist()} is out of range for axis {axis} of "
                         f"length {n} (input shape {tuple(shape)})")
    return idx % max(n, 1)


# --- stacking ---------------------------------------------------------------------------


def _joined(values, axis, where, dtype=None, casting="same_kind"):
    """concat(values, axis) after checking their shapes agree off ``axis`` (numpy's
    ``dtype``/``casting`` keywords: the result cast to dtype, which must be allowed)."""
    first = values[0].shape
    for i, v in enumerate(values):
        if v.ndim != len(first) or v.shape[:axis] + v.shape[axis + 1:] != \
                first[:axis] + first[axis + 1:]:
            shapes = ", ".join(str(u.shape) for u in values)
            raise ValueError(f"{where}: the arrays (shapes, as joined: {shapes}) must have "
                             f"the same number of axes and agree on every axis but {axis}")
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"{where}: casting must be one of 'no', 'equiv', 'safe', "
                         f"'same_kind', 'unsafe', got {casting!r}")
    out = concat(values, axis)
    if dtype is None:
        return out
    if not all(np.can_cast(v.dtype, dtype, casting) for v in values):
        raise TypeError(f"{where}: cannot cast {[str(v.dtype) for v in values]} to "
                        f"{np.dtype(dtype)} under casting={casting!r}")
    return cast(out, dtype)


def hstack(tup, *, dtype=None, casting="same_kind"):
    """The arrays joined along their second axis (the first for vectors), as ``np.hstack``
    and ``torch.hstack``. Numbers become vectors of one.

    >>> hstack([np.ones(2), np.zeros(1)]).numpy()
    array([1., 1., 0.])
    """
    values = atleast_1d(_values(tup, "hstack"))
    return _joined(values, 0 if values[0].ndim == 1 else 1, "hstack", dtype, casting)


def vstack(tup, *, dtype=None, casting="same_kind"):
    """The arrays joined along their first axis, vectors of n taken as rows (1, n), as
    ``np.vstack`` and ``torch.vstack``."""
    return _joined(atleast_2d(_values(tup, "vstack")), 0, "vstack", dtype, casting)


def row_stack(tup, *, dtype=None, casting="same_kind"):
    """numpy's and PyTorch's older name for ``vstack``."""
    return _joined(atleast_2d(_values(tup, "row_stack")), 0, "row_stack", dtype, casting)


def dstack(tup):
    """The arrays joined along their third axis (depth), as ``np.dstack`` and
    ``torch.dstack``: vectors of n are taken as (1, n, 1), matrices (m, n) as (m, n, 1)."""
    return _joined(atleast_3d(_values(tup, "dstack")), 2, "dstack")


def column_stack(tup):
    """Vectors of n as the columns (n, 1) of a matrix, joined with any matrices along the
    second axis (``np.column_stack``, ``torch.column_stack``)."""
    values = [v if v.ndim >= 2 else reshape(v, (-1, 1)) for v in _values(tup, "column_stack")]
    return _joined(values, 1, "column_stack")


def _atleast(arys, shapes, where):
    """Each array reshaped by ``shapes[ndim]`` when its ndim is a key; one array alone is
    returned alone, as numpy."""
    if len(arys) == 1 and isinstance(arys[0], (list, tuple)) and any(
            isinstance(a, Value) for a in arys[0]):  # PyTorch's one sequence: a tuple
        out = _atleast(tuple(arys[0]), shapes, where)
        return out if isinstance(out, tuple) else (out,)
    out = []
    for a in arys:
        a = _value(a, where)
        out.append(reshape(a, shapes[a.ndim](a.shape)) if a.ndim in shapes else a)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    """Each input with at least one axis: a number becomes a vector of one
    (``np.atleast_1d``; ``torch.atleast_1d`` also takes one list of tensors). One input
    gives one Value, several a tuple."""
    return _atleast(arys, {0: lambda s: (1,)}, "atleast_1d")


def atleast_2d(*arys):
    """Each input with at least two axes: a number becomes (1, 1), a vector of n (1, n)
    (``np.atleast_2d``, ``torch.atleast_2d``)."""
    return _atleast(arys, {0: lambda s: (1, 1), 1: lambda s: (1,) + s}, "atleast_2d")


def atleast_3d(*arys):
    """Each input with at least three axes: a number becomes (1, 1, 1), a vector of n
    (1, n, 1), a matrix (m, n) (m, n, 1) (``np.atleast_3d``, ``torch.atleast_3d``)."""
    return _atleast(arys, {0: lambda s: (1, 1, 1), 1: lambda s: (1,) + s + (1,),
                           2: lambda s: s + (1,)}, "atleast_3d")


# --- splitting and flipping -------------------------------------------------------------


def _split_at(ary, indices_or_sections, axis, min_ndim, where):
    ary = _value(ary, where)
    if ary.ndim < min_ndim:
        raise ValueError(f"{where}: needs an array of at least {min_ndim} dimensions, got "
                         f"shape {ary.shape}")
    n = ary.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"{where}: axis {axis} of length {n} (input shape {ary.shape}) "
                             f"does not divide into {k} equal pieces")
    elif _indices(indices_or_sections, where, "indices_or_sections").ndim != 1:
        raise ValueError(f"{where}: indices_or_sections must be an int or a list of indices, "
                         f"got {indices_or_sections!r}")
    return split(ary, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    """``ary`` cut along its second axis (the first for a vector) into equal pieces or at
    indices, as ``np.hsplit`` (``torch.hsplit``, which returns a tuple). A list of Values."""
    ndim = np.ndim(_data(ary))
    return _split_at(ary, indices_or_sections, 1 if ndim > 1 else 0, 1, "hsplit")


def vsplit(ary, indices_or_sections):
    """``ary`` cut along its first axis (at least 2 axes), as ``np.vsplit``."""
    return _split_at(ary, indices_or_sections, 0, 2, "vsplit")


def dsplit(ary, indices_or_sections):
    """``ary`` cut along its third axis (at least 3 axes), as ``np.dsplit``."""
    return _split_at(ary, indices_or_sections, 2, 3, "dsplit")


def tensor_split(x, indices_or_sections, dim=0):
    """PyTorch's ``tensor_split``: an int k gives k pieces along ``dim``, the first n % k of
    them one longer; a list (or vector) of indices cuts at them. A tuple of Values."""
    x = _value(x, "tensor_split")
    if x.ndim == 0:
        raise ValueError("tensor_split: needs at least one dimension, got shape ()")
    dim = axis_arg(dim, x.shape, "tensor_split", allow_none=False)
    sections = _indices(indices_or_sections, "tensor_split", "indices_or_sections")
    if sections.ndim > 1:
        raise ValueError(f"tensor_split: indices_or_sections must be an int or a vector, got "
                         f"shape {sections.shape}")
    if sections.ndim == 0:
        if sections <= 0:
            raise ValueError(f"tensor_split: the number of sections must be positive, got "
                             f"{int(sections)}")
        return tuple(array_split(x, int(sections), dim))
    return tuple(split(x, sections.tolist(), dim))


def fliplr(m):
    """m with its columns (axis 1) in reverse order (``np.fliplr``, ``torch.fliplr``)."""
    m = _value(m, "fliplr")
    if m.ndim < 2:
        raise ValueError(f"fliplr: needs at least 2 dimensions, got shape {m.shape}")
    return flip(m, 1)


def flipud(m):
    """m with its rows (axis 0) in reverse order (``np.flipud``, ``torch.flipud``)."""
    m = _value(m, "flipud")
    if m.ndim < 1:
        raise ValueError("flipud: needs at least 1 dimension, got shape ()")
    return flip(m, 0)


def msort(x):
    """x sorted along its first axis (PyTorch's ``msort``, ``sort(x, axis=0)``)."""
    x = _value(x, "msort")
    if x.ndim < 1:
        raise ValueError("msort: needs at least 1 dimension, got shape ()")
    return sort(x, axis=0)


def unflatten(x, dim, sizes):
    """PyTorch's ``unflatten``: axis ``dim`` of x split into axes of ``sizes`` (one may be
    -1), whose product is its length: the inverse of ``flatten``."""
    x = _value(x, "unflatten")
    dim = axis_arg(dim, x.shape, "unflatten", allow_none=False)
    sizes = _indices(sizes, "unflatten", "sizes")
    n, known = x.shape[dim], math.prod(int(s) for s in sizes.reshape(-1) if s != -1)
    free = int(np.sum(sizes == -1))
    if sizes.ndim != 1 or sizes.size == 0 or free > 1 or np.any(sizes < -1) or \
            (free == 0 and known != n) or (free == 1 and (known == 0 or n % known)):
        raise ValueError(f"unflatten: sizes {sizes.tolist()} do not multiply to {n}, the "
                         f"length of axis {dim} (input shape {x.shape})")
    sizes = [n // known if s == -1 else int(s) for s in sizes]
    return reshape(x, x.shape[:dim] + tuple(sizes) + x.shape[dim + 1:])


# --- appending, inserting, deleting -------------------------------------------------------


def _flat_or_axis(arr, axis, where):
    """numpy's rule: axis None works on the flattened array."""
    if axis is None:
        return ravel(arr), 0
    return arr, axis_arg(axis, arr.shape, where, allow_none=False)


def append(arr, values, axis=None):
    """``values`` joined after ``arr`` (``np.append``): both flattened when ``axis`` is None,
    else joined along axis (same number of axes, equal off that axis)."""
    arr = _value(arr, "append")
    values = _value(values, "append", like=arr)
    if axis is None:
        return concat([ravel(arr), ravel(values)], 0)
    axis = axis_arg(axis, arr.shape, "append", allow_none=False)
    return _joined([arr, values], axis, "append")


def insert(arr, obj, values, axis=None):
    """``values`` inserted before the indices ``obj`` along ``axis`` (``np.insert``; axis
    None: into the flattened arr).

    ``obj`` is an int, a slice or a list of ints (each in [-n, n], n the axis's length);
    ``values`` broadcast to the slots they fill, with numpy's rule for a single int index
    (its values lie along the axis). Both arr and values get gradients.

    >>> insert(np.array([[1., 1.], [2., 2.]]), 1, 5., axis=1).numpy()
    array([[1., 5., 1.],
           [2., 5., 2.]])
    """
    arr, axis = _flat_or_axis(_value(arr, "insert"), axis, "insert")
    if not isinstance(values, Value):
        values = constant(np.asarray(values), dtype=arr.dtype)
    n = arr.shape[axis]
    if isinstance(obj, slice):
        at = np.arange(*obj.indices(n))
    else:
        at = _indices(obj, "insert", "obj")
        if at.ndim > 1:
            raise ValueError(f"insert: obj must be an int or a vector of indices, got shape "
                             f"{at.shape}")
    if at.size and (at.min() < -n or at.max() > n):
        raise IndexError(f"insert: obj {at.tolist()} is out of range for axis {axis} of "
                         f"length {n} (input shape {arr.shape}): each must lie in [-{n}, {n}]")
    at = np.where(at < 0, at + n, at)
    if at.size == 1:  # numpy's single index: values keep their own length along the axis
        values = reshape(values, (1,) * (arr.ndim - values.ndim) + values.shape)
        if at.ndim == 0:
            values = moveaxis(values, 0, axis)
        count = values.shape[axis]
    else:
        count = at.size
    slot = arr.shape[:axis] + (count,) + arr.shape[axis + 1:]
    try:
        values = broadcast_to(values, slot)
    except ValueError:
        raise ValueError(f"insert: values of shape {values.shape} do not broadcast to "
                         f"{slot}, the slots of {count} along axis {axis} of an input of "
                         f"shape {arr.shape}") from None
    # Where each element of the result comes from in concat([arr, values]): the inserted
    # ones land at their index plus the insertions before them (numpy's stable order).
    at = at.reshape(-1)
    if at.size == 1:
        at = np.full(count, at[0]) + np.arange(count)
    else:
        order = np.argsort(at, kind="stable")
        at = at.copy()
        at[order] += np.arange(count)
    source = np.empty(n + count, dtype=np.intp)
    old = np.ones(n + count, dtype=bool)
    old[at] = False
    source[old], source[at] = np.arange(n), n + np.arange(count)
    return take(concat([arr, values], axis), source, axis)


def delete(arr, obj, axis=None):
    """``arr`` without the entries ``obj`` along ``axis`` (``np.delete``; axis None: of the
    flattened arr). ``obj`` is an int, a slice, a list of ints or a boolean mask of the
    axis's length."""
    arr, axis = _flat_or_axis(_value(arr, "delete"), axis, "delete")
    n = arr.shape[axis]
    if isinstance(obj, slice):
        drop = np.arange(n)[obj]
    elif np.asarray(_data(obj)).dtype == np.bool_:
        drop = np.asarray(_data(obj))
        if drop.shape != (n,):
            raise ValueError(f"delete: a boolean obj must have shape ({n},), the length of "
                             f"axis {axis} (input shape {arr.shape}), got {drop.shape}")
    else:
        drop = _vector_index(obj, n, "delete", "obj", arr.shape, axis)
    keep = np.ones(n, dtype=bool)
    keep[drop] = False
    return take(arr, np.flatnonzero(keep), axis)


# Value methods this family adds (name -> function), attached by methods: PyTorch's Tensor
# has each of them.
METHODS = {name: globals()[name] for name in (
    "tensor_split", "unflatten", "fliplr", "flipud", "msort", "hsplit", "vsplit", "dsplit")}
# numpy functions (NEP 18) and ufuncs (NEP 13) answered by this family, wired by interop.
NUMPY_FUNCTIONS = {getattr(np, name): globals()[name] for name in (
    "hstack", "vstack", "dstack", "column_stack", "row_stack", "atleast_1d", "atleast_2d",
    "atleast_3d", "hsplit", "vsplit", "dsplit", "fliplr", "flipud", "append", "insert",
    "delete") if hasattr(np, name)}
NUMPY_UFUNCS = {}
