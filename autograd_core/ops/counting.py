"""Counting and bucketing: where values fall among sorted edges (searchsorted, bucketize,
digitize), how many fall in each bin (histc, histogram, bincount), and the step function
heaviside.

Their results are integer positions, counts, or a step's 0/1: constants, with no gradient
(a small change of the input moves no count, except across an edge, where the derivative
does not exist). One exception: ``bincount`` with ``weights`` is the sum of the weights
falling in each bin, a linear function of them, so it is built from ``index_add`` and the
gradient flows back to the weights, as PyTorch's does.

``heaviside`` has derivative 0 wherever it has one; PyTorch raises "not implemented" for
it, and here its result is a constant: no gradient flows to x or to ``values``.

>>> import autograd_core as ag
>>> ag.searchsorted([1.0, 2.0, 3.0], [2.0, 2.5]).numpy()
array([1, 2])
>>> ag.bincount([0, 2, 2], weights=ag.Value([1.0, 2.0, 3.0])).numpy()
array([1., 0., 5.], dtype=float32)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..engine import Value, apply, constant
from . import special
from ._operands import as_constant, operand
from .indexing import ScatterAdd, index_add
from .nondiff import NonDifferentiable

__all__ = ["searchsorted", "bucketize", "digitize", "histc", "histogram", "bincount",
           "heaviside", "unravel_index", "unique_consecutive"]


def _data(x):
    return x.data if isinstance(x, Value) else np.asarray(x)


def _constant_result(fn, name, *xs):
    """fn of the inputs' data, as a constant: a node that passes no gradient."""
    return apply(NonDifferentiable(fn, name), *[as_constant(x, name) for x in xs])


def _side(side, right, op_name):
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise ValueError(f"{op_name}: side must be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise ValueError(f"{op_name}: side='left' and right=True contradict each other")
    return side


def searchsorted(sorted_sequence, values, side=None, sorter=None, *, right=False,
                 out_int32=False):
    """Where each of ``values`` would go in ``sorted_sequence`` to keep it sorted
    (``np.searchsorted``, ``torch.searchsorted``): with side "left" (the default) the first
    such index i, sorted_sequence[i-1] < v <= sorted_sequence[i]; with "right" (or
    PyTorch's ``right=True``) the last, sorted_sequence[i-1] <= v < sorted_sequence[i].

    Args:
        sorted_sequence: (M,), or (..., M) sorted along its last axis, as PyTorch: then
            values is (..., K) with the same leading axes, each row searched in its own.
        values: the values to place (any shape for a 1-D sequence).
        sorter: indices that sort ``sorted_sequence`` (along its last axis), if it is not.
        out_int32: int32 positions instead of int64.
    Returns:
        An integer constant of values' shape.
    """
    side = _side(side, right, "searchsorted")
    dtype = np.int32 if out_int32 else np.int64
    sorter = None if sorter is None else _data(sorter)
    seq_shape, values_shape = np.shape(_data(sorted_sequence)), np.shape(_data(values))
    if len(seq_shape) == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least one dimension")
    if sorter is not None and np.shape(sorter) != seq_shape:
        raise ValueError(f"searchsorted: sorter has shape {np.shape(sorter)}, but "
                         f"sorted_sequence has shape {seq_shape}")
    if len(seq_shape) > 1 and seq_shape[:-1] != values_shape[:-1]:
        raise ValueError(f"searchsorted: a sorted_sequence of shape {seq_shape} needs values "
                         f"with the same leading axes {seq_shape[:-1]}, got shape "
                         f"{values_shape}")

    def fn(seq, v):
        if seq.ndim == 1:
            return np.asarray(np.searchsorted(seq, v, side, sorter), dtype)
        out = np.empty(v.shape, dtype)
        for row in np.ndindex(seq.shape[:-1]):
            out[row] = np.searchsorted(seq[row], v[row], side,
                                       None if sorter is None else sorter[row])
        return out
    return _constant_result(fn, "searchsorted", sorted_sequence, values)


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The bucket of each element of ``input`` among the 1-D sorted ``boundaries``
    (``torch.bucketize``): i with boundaries[i-1] < x <= boundaries[i], or with ``right``
    boundaries[i-1] <= x < boundaries[i]. An integer constant of input's shape."""
    if np.ndim(_data(boundaries)) != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape "
                         f"{np.shape(_data(boundaries))}")
    return searchsorted(boundaries, input, right=right, out_int32=out_int32)


def digitize(x, bins, right=False):
    """numpy's ``digitize``: the index of the bin of ``bins`` (1-D, increasing or
    decreasing) each element of x falls in; ``right`` puts x equal to an edge in the bin
    on its left. An integer constant of x's shape."""
    if np.ndim(_data(bins)) != 1:
        raise ValueError(f"digitize: bins must be 1-D, got shape {np.shape(_data(bins))}")
    return _constant_result(lambda a, b: np.asarray(np.digitize(a, b, right), np.int64),
                            "digitize", x, bins)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """PyTorch's ``histc``: the counts of input's elements in ``bins`` equal bins between
    ``min`` and ``max`` (both 0, the default: the data's smallest and largest; a single
    value v counts between v - 1 and v + 1). Elements outside [min, max] and NaN are left
    out; one equal to max is in the last bin. A constant of input's float dtype, (bins,)."""
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"histc: bins must be a positive integer, got {bins!r}")
    if min > max:
        raise ValueError(f"histc: max must be larger than min, got min={min}, max={max}")

    def fn(a):
        lo, hi = float(min), float(max)
        finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
        if lo == hi and finite.size:
            lo, hi = float(finite.min()), float(finite.max())
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        kept = a[(a >= lo) & (a <= hi)].astype(np.float64)
        index = np.minimum(((kept - lo) * bins / (hi - lo)).astype(np.int64), bins - 1)
        dtype = a.dtype if a.dtype.kind == "f" else np.float32
        return np.bincount(index, minlength=bins).astype(dtype)
    return _constant_result(fn, "histc", input)


class HistogramResult(NamedTuple):
    """``(hist, bin_edges)``, also by those names, as numpy's tuple and PyTorch's."""
    hist: Value
    bin_edges: Value


def histogram(a, bins=10, range=None, density=None, weights=None, *, weight=None):  # noqa: A002
    """numpy's ``histogram(a, bins, range, density, weights)``, which also answers
    ``torch.histogram(input, bins, range=..., weight=..., density=...)``: the two
    signatures agree on the positional a, bins and on ``range``, ``density``; PyTorch's
    ``weight`` is numpy's ``weights``.

    Args:
        a: the data, any shape (flattened).
        bins: a number of equal bins, a sequence of edges, or numpy's bin rules ("auto").
        range: (lower, upper) of the equal bins; the data's smallest and largest if None.
        density: counts divided by the total and the bin widths, a density.
        weights (or weight): a weight per element of a, counted instead of 1.
    Returns:
        ``HistogramResult(hist, bin_edges)`` of constants. The dtypes are numpy's: integer
        counts without weights or density (PyTorch's are floats of a's dtype, same values).
    """
    if weight is not None:
        if weights is not None:
            raise TypeError("histogram: pass weights (numpy's) or weight (PyTorch's), not both")
        weights = weight
    a_data = _data(a)
    if isinstance(bins, Value):
        bins = bins.data
    hist, edges = np.histogram(a_data, bins, range, density,
                               None if weights is None else _data(weights))
    return HistogramResult(constant(hist, dtype=hist.dtype), constant(edges, dtype=edges.dtype))


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """How many times each of 0, 1, ..., max(input) occurs in the 1-D non-negative integer
    ``input`` (``np.bincount``, ``torch.bincount``), at least ``minlength`` counts.

    With ``weights`` (input's shape) bin k holds the sum of the weights where input is k:
    ``index_add`` of the weights into zeros, so the gradient flows back to them
    (dL/dweights[j] = g[input[j]]). The counts are an int64 constant; the weighted sums
    keep the weights' dtype (PyTorch's; numpy's are always float64).
    """
    x = _data(input)
    if x.ndim != 1:
        raise ValueError(f"bincount: input must be 1-D, got shape {x.shape}")
    if x.size and x.dtype.kind not in "biu":
        raise TypeError(f"bincount: input must hold integers, got dtype {x.dtype}")
    x = x.astype(np.int64)
    if x.size and x.min() < 0:
        raise ValueError("bincount: input must be non-negative")
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)) \
            or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative integer, got "
                         f"{minlength!r}")
    length = max(int(minlength), int(x.max()) + 1 if x.size else 0)
    if weights is None:
        return constant(np.bincount(x, minlength=length), dtype=np.int64)
    w = operand(weights, ScatterAdd)
    if w.shape != x.shape:
        raise ValueError(f"bincount: weights must have input's shape {x.shape}, got "
                         f"{w.shape}")
    return index_add(constant(np.zeros(length, w.dtype)), 0, x, w)


def heaviside(input, values):  # noqa: A002
    """The step function (``np.heaviside``, ``torch.heaviside``): 0 where x < 0, 1 where
    x > 0, and ``values`` (broadcast) where x is 0; NaN stays NaN. A constant: its
    derivative is 0 wherever it exists, and none flows back (PyTorch raises for it)."""
    x = as_constant(input, "heaviside")
    if not isinstance(values, Value) and x.dtype.kind == "f":
        values = np.asarray(values, x.dtype)   # a number takes x's dtype, as PyTorch's
    return _constant_result(np.heaviside, "heaviside", x, values)


def unravel_index(indices, shape):
    """The coordinates of flat (row-major) ``indices`` in an array of ``shape``
    (``torch.unravel_index``, numpy's): a tuple of int64 constants, one per axis, each of
    indices' shape."""
    flat = as_constant(indices, "unravel_index").data
    if flat.dtype.kind not in "iu":
        raise TypeError(f"unravel_index: indices must be integers, got {flat.dtype}")
    dims = (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)
    size = int(np.prod(dims))
    if flat.size and (flat.min() < -size or flat.max() >= size):
        raise IndexError(f"unravel_index: an index is out of range for shape {dims}")
    coordinates = np.unravel_index(flat % max(size, 1), dims)
    return tuple(constant(c.astype(np.int64), dtype=np.int64) for c in coordinates)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """Each run of equal consecutive elements (or slices along ``dim``) kept once
    (``torch.unique_consecutive``; ``itertools.groupby``): the values, then with
    ``return_inverse`` each element's run number (input's shape, or (n,) along dim) and
    with ``return_counts`` each run's length. Constants."""
    x = as_constant(input, "unique_consecutive").data
    if dim is None:
        runs = x.reshape(-1)
        starts = np.concatenate([[True], runs[1:] != runs[:-1]]) if runs.size else \
            np.zeros(0, bool)
    else:
        axis = int(dim) % max(x.ndim, 1)
        runs = np.moveaxis(x, axis, 0)
        changed = (runs[1:] != runs[:-1]).reshape(max(len(runs) - 1, 0), -1).any(axis=1)
        starts = np.concatenate([[True], changed]) if len(runs) else np.zeros(0, bool)
    values = runs[starts] if dim is None else np.moveaxis(runs[starts], 0, axis)
    results = [constant(values, dtype=values.dtype)]
    if return_inverse:
        inverse = np.cumsum(starts) - 1
        results.append(constant(inverse.reshape(x.shape if dim is None else (-1,)),
                                dtype=np.int64))
    if return_counts:
        results.append(constant(np.diff(np.append(np.flatnonzero(starts), len(starts))),
                                dtype=np.int64))
    return results[0] if len(results) == 1 else tuple(results)


# Value methods this family adds (name -> function), attached by methods: PyTorch's
# Tensor.bincount, histc, heaviside, and the special functions of ``special``.
METHODS = {
    "bincount": bincount,
    "histc": histc,
    "heaviside": heaviside,
    "unique_consecutive": unique_consecutive,
    "erfc": special.erfc,
    "erfinv": special.erfinv,
    "lgamma": special.lgamma,
    "digamma": special.digamma,
    "polygamma": lambda self, n: special.polygamma(n, self),
}
# numpy functions (NEP 18) and ufuncs (NEP 13) answered by this family, wired by interop.
NUMPY_FUNCTIONS = {
    np.searchsorted: lambda a, v, side="left", sorter=None: searchsorted(a, v, side, sorter),
    np.digitize: digitize,
    np.histogram: histogram,
    np.bincount: bincount,
    np.unravel_index: unravel_index,
}
NUMPY_UFUNCS = {np.heaviside: heaviside}
