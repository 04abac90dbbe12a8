"""numpy's functions that pick, repeat and arrange elements: partition, choose, resize,
numpy's select (by conditions), compress, extract, trim_zeros, block, apply_along_axis,
and the piecewise-linear interp.

Nothing here is a new op: the positions are found on the data (a partition, a condition,
a bounding box) and the result is x gathered at them (``take``, ``take_along_axis``,
slices, ``where``, ``concat``), so the gradient goes to the elements picked, summed where
one element is picked several times (``resize``); first and second derivatives are those
of the ops used. Conditions, indices and ``interp``'s sample points are constants.
"""

from __future__ import annotations

import operator

import numpy as np

from ..engine import Value, _data, constant
from . import arithmetic, indexing, joining, shape
from ._composing import _unsupported, _value, _values, without_out
from ._operands import axis_arg

__all__ = ["partition", "argpartition", "choose", "resize", "compress", "extract",
           "trim_zeros", "block", "apply_along_axis", "interp"]


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """a with the element at each position of ``kth`` where a sort would put it, the
    smaller ones before and the larger after (numpy's ``partition``; axis None: a
    flattened). The values are a gathered at ``argpartition``'s indices, so the gradient
    goes to the elements moved there."""
    a = _value(a, "partition")
    _unsupported("partition", dict(order=order), order=None)
    if axis is None:
        a, axis = shape.ravel(a), 0
    axis = axis_arg(axis, a.shape, "partition", allow_none=False)
    picks = np.argpartition(a.data, kth, axis=axis, kind=kind)
    return indexing.take_along_axis(a, picks, axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """numpy's ``argpartition``: the indices that partition a (an integer constant)."""
    _unsupported("argpartition", dict(order=order), order=None)
    return constant(np.argpartition(_data(a), kth, axis=axis, kind=kind), dtype=np.intp)


def choose(a, choices, mode="raise"):
    """y[i] = choices[a[i]][i], a and the choices broadcast together (numpy's ``choose``).
    a: integer indices (a constant); ``mode`` 'raise' refuses indices out of [0, n),
    'wrap' takes them modulo n, 'clip' clips them. Differentiable in the choices."""
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"choose: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    index = np.asarray(_data(a))
    if index.dtype.kind not in "iub":
        raise TypeError(f"choose: a must hold integer indices, got dtype {index.dtype}")
    if isinstance(choices, (Value, np.ndarray)):
        choices = list(joining.unstack(_value(choices, "choose"), axis=0))
    if not choices:
        raise ValueError("choose: needs at least one choice")
    choices = _values("choose", *choices)
    n = len(choices)
    if mode == "wrap":
        index = index % n
    elif mode == "clip":
        index = np.clip(index, 0, n - 1)
    elif index.size and (index.min() < 0 or index.max() >= n):
        raise ValueError(f"choose: a has entries out of range [0, {n}) (mode='raise'): "
                         f"from {index.min()} to {index.max()}")
    out_shape = np.broadcast_shapes(index.shape, *(c.shape for c in choices))
    stacked = joining.stack([shape.broadcast_to(c, out_shape) for c in choices], axis=0)
    picks = np.broadcast_to(index.astype(np.intp), out_shape)[None]
    return shape.reshape(indexing.take_along_axis(stacked, picks, 0), out_shape)


def resize(a, new_shape):
    """a's flattened elements repeated in order to fill ``new_shape`` (numpy's
    ``resize``); each element's gradient is the sum over its copies. An empty a or shape
    gives zeros."""
    a = _value(a, "resize")
    new_shape = (new_shape,) if np.ndim(new_shape) == 0 else tuple(new_shape)
    new_shape = tuple(operator.index(n) for n in new_shape)
    if any(n < 0 for n in new_shape):
        raise ValueError(f"resize: all elements of new_shape must be non-negative, got "
                         f"{new_shape}")
    size = int(np.prod(new_shape, dtype=np.int64))
    if a.size == 0 or size == 0:
        return constant(np.zeros(new_shape, a.dtype), dtype=a.dtype)
    return shape.reshape(indexing.take(shape.ravel(a), np.arange(size) % a.size), new_shape)


def select_by_conditions(condlist, choicelist, default=0):
    """numpy's ``select``: where the first true condition is k, choicelist[k]; where none
    is, ``default``. Differentiable in the choices and the default. (``ag.select`` is
    PyTorch's, one index along a dim; ``np.select`` on Values runs this.)"""
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist has {len(condlist)} conditions but choicelist "
                         f"{len(choicelist)} choices; they must have the same length")
    if not condlist:
        raise ValueError("select: with an empty condition list is not possible")
    conditions = []
    for i, c in enumerate(condlist):
        c = np.asarray(_data(c))
        if c.dtype != np.bool_:
            raise TypeError(f"select: condlist[{i}] must be a boolean array, got dtype "
                            f"{c.dtype}")
        conditions.append(c)
    *choices, result = _values("select", *choicelist, default)
    for c, choice in zip(conditions[::-1], choices[::-1]):
        result = arithmetic.where(c, choice, result)
    out_shape = np.broadcast_shapes(result.shape, *(c.shape for c in conditions))
    return shape.broadcast_to(result, out_shape)


def compress(condition, a, axis=None):
    """The slices of a along ``axis`` (of a flattened when None) where ``condition`` is
    true (numpy's ``compress``); a shorter condition leaves the rest out."""
    a = _value(a, "compress")
    picks = np.flatnonzero(np.asarray(_data(condition)).reshape(-1))
    return indexing.take(a, picks, axis)


def extract(condition, arr):
    """The elements of arr (flattened) where ``condition`` (flattened) is true (numpy's
    ``extract``)."""
    arr = _value(arr, "extract")
    picks = np.flatnonzero(np.asarray(_data(condition)).reshape(-1))
    return indexing.take(shape.ravel(arr), picks)


def trim_zeros(filt, trim="fb", axis=None):
    """filt without its leading ('f') and trailing ('b') zeros, along ``axis`` (numpy's
    ``trim_zeros``; None: the smallest box holding every non-zero element). A slice, so
    the gradient reaches the elements kept."""
    filt = _value(filt, "trim_zeros")
    if not isinstance(trim, str) or trim.lower() not in ("fb", "bf", "f", "b"):
        raise ValueError(f"trim_zeros: unexpected character(s) in trim: {trim!r}")
    trim = trim.lower()
    axes = range(filt.ndim) if axis is None else np.atleast_1d(axis).tolist()
    axes = {axis_arg(ax, filt.shape, "trim_zeros", allow_none=False) for ax in axes}
    nonzero = np.argwhere(filt.data)
    if nonzero.size == 0:
        start = stop = [0] * filt.ndim
    else:
        start, stop = nonzero.min(axis=0).tolist(), (nonzero.max(axis=0) + 1).tolist()
        start = start if "f" in trim else [None] * filt.ndim
        stop = stop if "b" in trim else [None] * filt.ndim
    return filt[tuple(slice(start[d], stop[d]) if d in axes else slice(None)
                      for d in range(filt.ndim))]


def block(arrays):
    """numpy's ``block``: nested lists of arrays joined, the innermost lists along the
    last axis, the next along the one before, ... (each array taken to at least as many
    axes as the nesting is deep, by leading 1s). Tuples and empty lists are refused, as
    numpy refuses them."""
    depth = _block_depth(arrays, "arrays")
    leaves = []
    _block_leaves(arrays, leaves)
    leaves = _values("block", *leaves)
    ndim = max(depth, max(v.ndim for v in leaves))
    return _block_join(arrays, iter(leaves), ndim, depth)


def _block_depth(x, where):
    if isinstance(x, tuple):
        raise TypeError(f"block: {where} is a tuple; only lists can be used to arrange "
                        "blocks, and np.block does not allow implicit conversion from "
                        "tuple to ndarray")
    if not isinstance(x, list):
        return 0
    if not x:
        raise ValueError(f"block: {where} is an empty list; lists cannot be empty")
    depths = [_block_depth(item, f"{where}[{i}]") for i, item in enumerate(x)]
    if len(set(depths)) != 1:
        raise ValueError(f"block: list depths are mismatched in {where}: {depths}")
    return depths[0] + 1


def _block_leaves(x, leaves):
    if isinstance(x, list):
        for item in x:
            _block_leaves(item, leaves)
    else:
        leaves.append(x)


def _block_join(x, leaves, ndim, depth):
    if depth == 0:
        leaf = next(leaves)
        return shape.reshape(leaf, (1,) * (ndim - leaf.ndim) + leaf.shape)
    parts = [_block_join(item, leaves, ndim, depth - 1) for item in x]
    return parts[0] if len(parts) == 1 else joining.concat(parts, axis=-depth)


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """func1d applied to each 1-D slice of arr along ``axis`` (as Values, so the gradient
    flows through func1d), its results stacked where that axis was (numpy's
    ``apply_along_axis``); func1d may return numbers or arrays of one shape."""
    arr = _value(arr, "apply_along_axis")
    axis = axis_arg(axis, arr.shape, "apply_along_axis", allow_none=False)
    rows = shape.moveaxis(arr, axis, -1)
    outer = rows.shape[:-1]
    if 0 in outer:
        raise ValueError("apply_along_axis: cannot apply it when any iteration dimension "
                         f"is 0 (input shape {arr.shape}, axis {axis})")
    results = [_value(func1d(rows[i], *args, **kwargs), "apply_along_axis", like=arr)
               for i in np.ndindex(outer)]
    res_shape = results[0].shape
    for r in results:
        if r.shape != res_shape:
            raise ValueError(f"apply_along_axis: func1d returned shapes {res_shape} and "
                             f"{r.shape}; they must all be the same")
    out = shape.reshape(joining.stack(results, axis=0), outer + res_shape)
    n_outer, n_res = len(outer), len(res_shape)
    order = (tuple(range(axis)) + tuple(range(n_outer, n_outer + n_res))
             + tuple(range(axis, n_outer)))
    return shape.transpose(out, order)


def interp(x, xp, fp, left=None, right=None, period=None):
    """The piecewise-linear interpolant through (xp, fp) at x (numpy's ``interp``):
    fp[j] + (x - xp[j]) * (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]) on [xp[j], xp[j+1]),
    ``left``/``right`` (fp's ends by default) outside; ``period``: x and xp taken modulo
    it. Differentiable in x (the segment's slope; 0 outside) and in fp, left and right;
    xp is a constant, as numpy's users rarely differentiate the sample points (a Value
    that requires grad is read as its data). Float64, as numpy's result.
    """
    x = arithmetic.cast(_value(x, "interp"), np.float64)
    fp = arithmetic.cast(_value(fp, "interp"), np.float64)
    xp = np.asarray(_data(xp), dtype=np.float64)
    if xp.ndim != 1 or fp.ndim != 1:
        raise ValueError(f"interp: xp and fp must be 1-D, got shapes {xp.shape} and "
                         f"{fp.shape}")
    if xp.shape != fp.shape:
        raise ValueError(f"interp: fp and xp are not of the same length ({fp.shape[0]} and "
                         f"{xp.shape[0]})")
    if xp.size == 0:
        raise ValueError("interp: array of sample points is empty")
    if period is not None:
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = abs(float(period))
        x = arithmetic.remainder(x, period)
        xp = np.mod(xp, period)
        order = np.argsort(xp, kind="stable")
        xp = np.concatenate([xp[order][-1:] - period, xp[order], xp[order][:1] + period])
        fp = indexing.take(fp, np.concatenate([order[-1:], order, order[:1]]))
        left = right = None
    left = fp[0] if left is None else _value(left, "interp", like=fp)
    right = fp[-1] if right is None else _value(right, "interp", like=fp)
    n = xp.size
    if n == 1:
        inside = shape.broadcast_to(fp[0], x.shape)
    else:
        j = np.clip(np.searchsorted(xp, x.data, side="right") - 1, 0, n - 2)
        slope = (indexing.take(fp, j + 1) - indexing.take(fp, j)) / (xp[j + 1] - xp[j])
        # From the left end of the segment, as numpy's, but from the right end at the last
        # sample point, so that y = fp[-1] there exactly.
        k = np.where(x.data >= xp[-1], j + 1, j)
        inside = indexing.take(fp, k) + (x - xp[k]) * slope
    below, above = x.data < xp[0], x.data > xp[-1]
    return arithmetic.where(below, left, arithmetic.where(above, right, inside))


# --- the tables ----------------------------------------------------------------------

METHODS = {}  # Value.compress and Value.argpartition are numpy's methods already

# np.argpartition is interop's CONSTANT_FUNCTIONS (computed on the data, as argsort).
NUMPY_FUNCTIONS = {getattr(np, name): globals()[name] for name in __all__
                   if name not in ("argpartition", "choose", "compress")}
NUMPY_FUNCTIONS.update({np.choose: without_out(choose, "choose"),
                        np.compress: without_out(compress, "compress"),
                        np.select: select_by_conditions})

NUMPY_UFUNCS = {}
