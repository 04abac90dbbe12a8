"""numpy's and PyTorch's NaN-ignoring reductions (nansum, nanmean, nanvar, nanstd, nanmax,
nanmin, nanmedian) and the quantiles (nanquantile, nanpercentile, percentile).

Nothing here is a new op: ``nanmean`` is a ``where`` and a sum, a quantile the sorted
values gathered and interpolated, so the derivatives are those of the ops composed. Each
function replaces the NaN entries with a neutral number by ``where`` before any
arithmetic, so the other branch never reaches it: a NaN entry gets the gradient 0
(``where``'s), never NaN.
"""

from __future__ import annotations

import numpy as np

from ..engine import _data
from . import arithmetic, elementwise, indexing, joining, reductions, selection, shape
from . import statistics
from ._composing import _along, _full, _number, _picked, _unsupported, _value
from ._operands import axis_arg, axis_or_dim

__all__ = ["nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanquantile",
           "nanpercentile", "nanmedian", "percentile"]


def _nan_args(where, x, axis, keepdims, dim, keepdim):
    axis, keepdims, torch = axis_or_dim(where, axis, dim, keepdims, keepdim)
    x = _value(x, where)
    return x, axis_arg(axis, x.shape, where), keepdims, torch


def _count(mask, axis, keepdims):
    """How many entries are not NaN along ``axis``: an integer array."""
    return np.sum(~mask, axis=axis, keepdims=keepdims)


def nansum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """y = sum of the entries that are not NaN over ``axis`` (``np.nansum``,
    ``torch.nansum``; PyTorch's ``dim``/``keepdim`` too); dL/dx = g, 0 at NaN."""
    x, axis, keepdims, _ = _nan_args("nansum", x, axis, keepdims, dim, keepdim)
    mask = np.asarray(np.isnan(x.data))
    return reductions.sum(arithmetic.where(mask, _full(x, 0), x), axis, keepdims)


def nanmean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """y = nansum(x) / (the number of entries that are not NaN) over ``axis`` (numpy's and
    PyTorch's ``nanmean``): NaN over a slice of NaNs only; dL/dx = g / n, 0 at NaN."""
    x, axis, keepdims, _ = _nan_args("nanmean", x, axis, keepdims, dim, keepdim)
    mask = np.asarray(np.isnan(x.data))
    n = _count(mask, axis, keepdims)
    total = reductions.sum(arithmetic.where(mask, _full(x, 0), x), axis, keepdims)
    mean = total / np.maximum(n, 1).astype(x.dtype)  # 1 for a slice of NaNs: no 0 / 0
    return arithmetic.where(np.asarray(n == 0), _full(x, np.nan), mean)


def nanvar(x, axis=None, keepdims=False, *, ddof=0):
    """y = sum((x - nanmean(x))**2 over the entries that are not NaN) / (n - ddof)
    (numpy's ``nanvar``, ddof 0 by default); NaN where n - ddof <= 0. dL/dx =
    g * 2 (x - mean) / (n - ddof), 0 at NaN."""
    x, axis, keepdims, _ = _nan_args("nanvar", x, axis, keepdims, None, None)
    _number(ddof, "nanvar", "ddof")
    mask = np.asarray(np.isnan(x.data))
    zero = _full(x, 0)
    filled = arithmetic.where(mask, zero, x)
    n = np.maximum(_count(mask, axis, True), 1).astype(x.dtype)  # 1 for a slice of NaNs
    centered = arithmetic.where(mask, zero, filled - reductions.sum(filled, axis, True) / n)
    dof = (_count(mask, axis, keepdims) - ddof).astype(x.dtype)
    bad = np.asarray(dof <= 0)
    var = reductions.sum(centered * centered, axis, keepdims) / np.where(bad, 1, dof)
    return arithmetic.where(bad, _full(x, np.nan), var)


def nanstd(x, axis=None, keepdims=False, *, ddof=0):
    """y = sqrt(nanvar(x, axis, ddof)) (numpy's ``nanstd``); where y = 0 the gradient is
    0, as ``std``'s (PyTorch's convention), and 0 at NaN entries."""
    var = nanvar(x, axis, keepdims, ddof=ddof)
    nonzero = np.asarray(var.data != 0)  # NaN != 0: a NaN variance stays NaN
    root = elementwise.sqrt(arithmetic.where(nonzero, var, _full(var, 1)))
    return arithmetic.where(nonzero, root, _full(var, 0))


def _nan_extreme(where, x, axis, keepdims, reduce, fill):
    x = _value(x, where)
    axis = axis_arg(axis, x.shape, where)
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{where}: cannot reduce an empty axis (input of shape {x.shape}, "
                         f"axis {axis})")
    mask = np.asarray(np.isnan(x.data))
    y = reduce(arithmetic.where(mask, _full(x, fill), x), axis, keepdims)
    only_nan = np.asarray(np.all(mask, axis=axis, keepdims=keepdims))
    return arithmetic.where(only_nan, _full(x, np.nan), y)


def nanmax(x, axis=None, keepdims=False):
    """The maximum over ``axis`` ignoring NaN (numpy's ``nanmax``); NaN over a slice of
    NaNs only. Ties share the gradient, as ``amax``; NaN entries get 0."""
    return _nan_extreme("nanmax", x, axis, keepdims, reductions.amax, -np.inf)


def nanmin(x, axis=None, keepdims=False):
    """The minimum over ``axis`` ignoring NaN (numpy's ``nanmin``), as ``nanmax``."""
    return _nan_extreme("nanmin", x, axis, keepdims, reductions.amin, np.inf)


def _quantiles(q, where, top=1.0):
    qs = np.asarray(_data(q), dtype=np.float64)
    if qs.ndim > 1 or np.isnan(qs).any() or ((qs < 0) | (qs > top)).any():
        raise ValueError(f"{where}: q must be a number or a sequence in [0, {top:g}], "
                         f"got {q!r}")
    return qs


def _linear_only(where, method, interpolation):
    if (interpolation or method or "linear") != "linear":
        raise ValueError(f"{where}: only linear interpolation is supported, got "
                         f"{interpolation or method!r}")


def _sorted_nan_last(x, axis, where):
    """(x flattened if axis is None, its axis, x sorted along it with NaN last, the order,
    the count of numbers that are not NaN along it, keepdims-shaped)."""
    if axis is None:
        x, axis = shape.reshape(x, (-1,)), 0
    else:
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"{where}: axis must be an integer or None, got {axis!r}")
        axis = axis_arg(axis, x.shape, where, allow_none=False)
    if x.shape[axis] == 0:
        raise ValueError(f"{where}: cannot take it over an empty axis (input shape "
                         f"{x.shape})")
    order = np.argsort(x.data, axis=axis, kind="stable")  # numpy sorts NaN last
    n = _count(np.isnan(x.data), axis, True)
    return x, axis, indexing.take_along_axis(x, order, axis), order, n


def _lerp(low, high, t):
    """low + (high - low) t, from the nearer end as numpy and PyTorch compute it."""
    step = high - low
    return arithmetic.where(np.asarray(t < 0.5), low + step * t, high - step * (1 - t))


def nanquantile(x, q, axis=None, keepdims=False, *, dim=None, keepdim=None,
                method=None, interpolation=None):
    """The q-th quantile over ``axis`` (PyTorch's ``dim``; None: all of x) of the entries
    that are not NaN, q in [0, 1] a number or a sequence (a leading axis of the result):
    linear interpolation between the two nearest sorted values, numpy's and PyTorch's
    default. NaN over a slice of NaNs; the gradient goes to the two values in the
    interpolation's shares, never to a NaN.
    """
    axis, keepdims, _ = axis_or_dim("nanquantile", axis, dim, keepdims, keepdim)
    _linear_only("nanquantile", method, interpolation)
    qs = _quantiles(q, "nanquantile")
    x = _value(x, "nanquantile")
    ndim, flat = x.ndim, axis is None
    x, axis, ordered, _, n = _sorted_nan_last(x, axis, "nanquantile")
    results = []
    for qi in np.atleast_1d(qs):
        position = qi * np.maximum(n - 1, 0)
        lo = np.floor(position).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        t = (position - lo).astype(x.dtype)
        value = _lerp(indexing.take_along_axis(ordered, lo, axis),
                      indexing.take_along_axis(ordered, hi, axis), t)
        value = arithmetic.where(np.asarray(n == 0), _full(x, np.nan), value)
        if flat:
            value = shape.reshape(value, (1,) * ndim if keepdims else ())
        elif not keepdims:
            value = shape.squeeze(value, axis)
        results.append(value)
    return results[0] if qs.ndim == 0 else joining.stack(results)


def nanpercentile(x, q, axis=None, keepdims=False, *, method=None, interpolation=None):
    """numpy's ``nanpercentile``: ``nanquantile`` with q in [0, 100]."""
    qs = _quantiles(q, "nanpercentile", 100.0)
    return nanquantile(x, qs / 100, axis, keepdims, method=method,
                       interpolation=interpolation)


def percentile(x, q, axis=None, keepdims=False, *, method=None, interpolation=None):
    """numpy's ``percentile``: ``quantile`` with q in [0, 100] (a NaN makes the result
    NaN; ``nanpercentile`` ignores them)."""
    qs = _quantiles(q, "percentile", 100.0)
    x = _value(x, "percentile")
    if x.data.size == 0:
        raise ValueError(f"percentile: cannot take it of an empty input (shape {x.shape})")
    return statistics.quantile(x, qs / 100, axis, keepdims,
                               interpolation=method or interpolation or "linear")


def nanmedian(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """The median over ``axis`` ignoring NaN. numpy's ``nanmedian`` (the mean of the two
    middle values, ``nanquantile(x, 0.5)``); with PyTorch's ``dim``/``keepdim``,
    PyTorch's: the lower middle value and its index, a named pair ``(values, indices)``.
    A slice of NaNs gives NaN (and index 0, PyTorch's) and no gradient.
    """
    axis, keepdims, pytorch = axis_or_dim("nanmedian", axis, dim, keepdims, keepdim)
    if not pytorch:
        return nanquantile(x, 0.5, axis, keepdims)
    x = _value(x, "nanmedian")
    if axis is None:
        raise TypeError("nanmedian: PyTorch's nanmedian with keepdim needs a dim")
    scalar = x.ndim == 0
    x, dim = _along(x, axis, "nanmedian")
    x, dim, _, order, n = _sorted_nan_last(x, dim, "nanmedian")
    picked = _picked(x, np.take_along_axis(order, np.maximum(n - 1, 0) // 2, dim), dim,
                     keepdims, scalar)
    only_nan = np.reshape(n == 0, picked.values.shape)
    return selection.ValuesIndices(
        arithmetic.where(only_nan, _full(x, np.nan), picked.values), picked.indices)


# --- numpy's signatures ----------------------------------------------------------------


def _np_nan_reduction(fn, name):
    def call(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        _unsupported(name, dict(dtype=dtype, out=out, **kwargs), dtype=None, out=None,
                     where=True, initial=np._NoValue)
        return fn(a, axis, bool(keepdims))
    return call


def _np_nan_moment(fn, name):
    def call(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        correction = kwargs.pop("correction", np._NoValue)
        _unsupported(name, dict(dtype=dtype, out=out, **kwargs), dtype=None, out=None,
                     where=True, mean=np._NoValue)
        if correction is not np._NoValue:
            if ddof != 0:
                raise ValueError(f"np.{name}: give ddof or correction, not both")
            ddof = correction
        return fn(a, axis, bool(keepdims), ddof=ddof)
    return call


def _np_quantile(fn, name):
    def call(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, **kwargs):
        interpolation = kwargs.pop("interpolation", None)  # numpy's older name for method
        _unsupported(name, dict(out=out, **kwargs), out=None, weights=None)
        return fn(a, q, axis, bool(keepdims), method=interpolation or method)
    return call


def _np_median(fn, name):
    def call(a, axis=None, out=None, overwrite_input=False, keepdims=False):
        _unsupported(name, dict(out=out), out=None)  # overwrite_input: a Value never is
        return fn(a, axis, bool(keepdims))
    return call


# --- the tables ----------------------------------------------------------------------

# PyTorch's Tensor methods that Value lacks.
METHODS = {name: globals()[name] for name in (
    "nanmean", "nansum", "nanmedian", "nanquantile")}

NUMPY_FUNCTIONS = {
    np.nansum: _np_nan_reduction(nansum, "nansum"),
    np.nanmean: _np_nan_reduction(nanmean, "nanmean"),
    np.nanmax: _np_nan_reduction(nanmax, "nanmax"),
    np.nanmin: _np_nan_reduction(nanmin, "nanmin"),
    np.nanvar: _np_nan_moment(nanvar, "nanvar"),
    np.nanstd: _np_nan_moment(nanstd, "nanstd"),
    np.nanmedian: _np_median(nanmedian, "nanmedian"),
    np.median: _np_median(statistics.median, "median"),
    np.quantile: _np_quantile(statistics.quantile, "quantile"),
    np.nanquantile: _np_quantile(nanquantile, "nanquantile"),
    np.nanpercentile: _np_quantile(nanpercentile, "nanpercentile"),
    np.percentile: _np_quantile(percentile, "percentile"),
}

NUMPY_UFUNCS = {}
