"""More of numpy's reductions: the weighted average, ptp (the range), polyval (Horner's
rule), ediff1d (the differences of the flattened array), the trapezoidal rule
(trapezoid, PyTorch's trapz), and the finite-difference ``gradient`` (numpy's and
PyTorch's).

Nothing here is a new op: each is a composition of sums, amax and amin, products and
slices, so its first and second derivatives are theirs; gradients flow to the weights,
the coefficients and the sample points given as Values.
"""

from __future__ import annotations

import numpy as np

from ..engine import _data, constant, get_default_dtype
from . import arithmetic, indexing, joining, reductions, shape
from ._composing import _unsupported, _value, _values
from ._operands import axis_arg, axis_or_dim

__all__ = ["average", "ptp", "polyval", "ediff1d", "trapezoid", "trapz", "gradient"]


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """y = sum(a * w) / sum(w) over ``axis`` (numpy's ``average``; ``mean`` without
    weights). Weights of a's shape, or 1-D along a single axis (or of the shape of the
    axes given); gradients flow to a and to weights given as Values.

    Returns:
        The average, and with ``returned`` also the sum of the weights (the count without
        weights) in the average's shape.
    """
    a = _value(a, "average")
    axis = axis_arg(axis, a.shape, "average")
    if weights is None:
        avg = reductions.mean(a, axis, keepdims)
        scale = constant(np.full(avg.shape, a.size / max(avg.size, 1), avg.dtype),
                         dtype=avg.dtype)
        return (avg, scale) if returned else avg
    w = _value(weights, "average", like=a)
    if w.shape != a.shape:
        if axis is None:
            raise TypeError(f"average: the weights' shape {w.shape} differs from a's "
                            f"{a.shape}: give the axis they run along")
        axes = axis if isinstance(axis, tuple) else (axis,)
        if w.shape != tuple(a.shape[i] for i in axes):
            raise ValueError(f"average: weights of shape {w.shape} do not match a of shape "
                             f"{a.shape} along axis {axis}")
        order = tuple(np.argsort(axes))
        w = shape.transpose(w, order) if w.ndim > 1 else w
        w = shape.reshape(w, tuple(n if i in axes else 1 for i, n in enumerate(a.shape)))
    total = reductions.sum(w, axis, keepdims)
    if np.any(total.data == 0):
        raise ZeroDivisionError("average: the weights sum to zero, so they cannot be "
                                "normalized")
    avg = reductions.sum(a * w, axis, keepdims) / total
    if returned:
        return avg, shape.broadcast_to(total, avg.shape)
    return avg


def ptp(a, axis=None, keepdims=False):
    """y = max(a) - min(a) over ``axis``, the range ("peak to peak", numpy's ``ptp``); ties
    share the gradient, as ``amax`` and ``amin``."""
    a = _value(a, "ptp")
    axis = axis_arg(axis, a.shape, "ptp")
    axes = range(a.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if any(a.shape[i] == 0 for i in axes):
        raise ValueError(f"ptp: cannot reduce an empty axis (input of shape {a.shape}, axis "
                         f"{axis})")
    return reductions.amax(a, axis, keepdims) - reductions.amin(a, axis, keepdims)


def polyval(p, x):
    """y = p[0] x**(n-1) + ... + p[n-1], by Horner's rule (numpy's ``polyval``: the
    highest power first); gradients flow to the coefficients and to x."""
    p, x = _values("polyval", p, x)
    if p.ndim != 1:
        raise ValueError(f"polyval: p must be a vector of coefficients, got shape {p.shape}")
    if p.shape[0] == 0:
        return constant(np.zeros(x.shape, x.dtype), dtype=x.dtype)
    y = shape.broadcast_to(p[0], x.shape)
    for k in range(1, p.shape[0]):
        y = y * x + p[k]
    return y


def ediff1d(ary, to_end=None, to_begin=None):
    """y = ary[1:] - ary[:-1] of the flattened ary, with ``to_begin`` and ``to_end``
    (flattened) joined before and after (numpy's ``ediff1d``)."""
    flat = shape.reshape(_value(ary, "ediff1d"), (-1,))
    parts = [flat[1:] - flat[:-1]]
    if to_begin is not None:
        parts.insert(0, shape.reshape(_value(to_begin, "ediff1d", like=flat), (-1,)))
    if to_end is not None:
        parts.append(shape.reshape(_value(to_end, "ediff1d", like=flat), (-1,)))
    return parts[0] if len(parts) == 1 else joining.concat(parts, 0)


def trapezoid(y, x=None, dx=None, axis=-1, *, dim=None):
    """The integral of y along ``axis`` by the trapezoidal rule: sum((x[1:] - x[:-1]) *
    (y[1:] + y[:-1]) / 2) (numpy's ``trapezoid(y, x, dx=1.0, axis=-1)`` and PyTorch's
    ``trapezoid(y, x, *, dx, dim=-1)``). x: a vector along the axis, or y's shape.
    """
    axis, _, _ = axis_or_dim("trapezoid", axis, dim, default=-1)
    areas, axis = _trapezoids(y, x, dx, axis, "trapezoid", ValueError)
    return reductions.sum(areas, axis)


def _trapezoids(y, x, dx, axis, where, mismatch):
    """The trapezoids' areas (x[j+1] - x[j]) (y[j+1] + y[j]) / 2 along ``axis`` (one fewer
    than y's elements there) and the axis as a non-negative int: what ``trapezoid`` sums
    and ``cumulative_trapezoid`` sums up as it goes. ``mismatch``: the error class for an x
    vector of the wrong length (numpy's ValueError, PyTorch's RuntimeError)."""
    y = _value(y, where)
    if y.ndim == 0:
        raise ValueError(f"{where}: y must have at least one dimension")
    axis = axis_arg(axis, y.shape, where, allow_none=False)
    if x is not None and dx is not None:
        raise TypeError(f"{where}: give x or dx, not both")
    before = (slice(None),) * axis
    upper, lower = before + (slice(1, None),), before + (slice(None, -1),)
    if x is None:
        spacing = 1.0 if dx is None else _data(dx)
    else:
        x = _value(x, where, like=y)
        if x.ndim == 1:
            if x.shape[0] != y.shape[axis]:
                raise mismatch(f"{where}: x of shape {x.shape} does not match y of shape "
                               f"{y.shape} along axis {axis} (one x value for each sample "
                               "point)")
            x = shape.reshape(x, tuple(-1 if i == axis else 1 for i in range(y.ndim)))
        spacing = x[upper] - x[lower]
    return spacing * (y[upper] + y[lower]) / 2.0, axis


trapz = trapezoid  # PyTorch's other name (numpy 2.4 removed its trapz)


# --- numpy's signatures ----------------------------------------------------------------


def _np_ptp(a, axis=None, out=None, keepdims=False):
    _unsupported("ptp", dict(out=out), out=None)
    return ptp(a, axis, bool(keepdims))


def _stencil(n, spacing, edge_order):
    """The finite-difference weights along one axis of length n: out[i] = sum over k of
    w[k][i] * f[cols[k][i]], three terms at most. numpy's ``gradient`` is linear in f, so
    its weights are its answers for the unit vectors (the columns of the identity)."""
    D = np.gradient(np.eye(n), *([] if spacing is None else [spacing]), axis=0,
                    edge_order=edge_order)
    cols = np.tile(np.arange(n), (3, 1))
    weights = np.zeros((3, n))
    for i in range(n):
        nonzero = np.flatnonzero(D[i])
        cols[:len(nonzero), i], weights[:len(nonzero), i] = nonzero, D[i, nonzero]
    return cols, weights


def gradient(input, *, spacing=1, dim=None, edge_order=1):  # noqa: A002 (PyTorch's names)
    """The derivative of a sampled function along each axis by finite differences
    (``torch.gradient``, numpy's ``gradient``): central differences inside, one-sided ones
    of ``edge_order`` 1 or 2 at the ends; a weighted sum of at most three neighbours,
    so the gradient flows back to input through it.

    Args:
        input: (...) samples; spacing: one number for every axis, one per axis, or one
            1-D array of coordinates per axis; dim: an axis or a list of them (all axes
            by default).
    Returns:
        A tuple with one Value of input's shape per axis.
    """
    f = _value(input, "gradient")
    if f.dtype.kind != "f":
        f = arithmetic.cast(f, get_default_dtype())
    dims = list(range(f.ndim)) if dim is None else [dim] if np.ndim(dim) == 0 else list(dim)
    dims = [axis_arg(d, f.shape, "gradient") for d in dims]
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    spacings = list(spacing) if isinstance(spacing, (list, tuple)) else [spacing] * len(dims)
    if len(spacings) != len(dims):
        raise ValueError(f"gradient: {len(spacings)} spacings for {len(dims)} dims")
    results = []
    for axis, h in zip(dims, spacings):
        n = f.shape[axis]
        if n < edge_order + 1:
            raise ValueError(f"gradient: dim {axis} of size {n} needs at least "
                             f"{edge_order + 1} samples for edge_order={edge_order}")
        h = np.asarray(_data(h), np.float64)
        cols, weights = _stencil(n, h if h.ndim else float(h), edge_order)
        along = [1] * f.ndim
        along[axis] = n
        terms = [shape.reshape(constant(w.astype(f.dtype)), along) *
                 indexing.take(f, c, axis=axis) for c, w in zip(cols, weights)]
        results.append(terms[0] + terms[1] + terms[2])
    return tuple(results)


def _np_trapezoid(y, x=None, dx=1.0, axis=-1):
    return trapezoid(y, x, None if x is not None else dx, axis)


# --- the tables ----------------------------------------------------------------------

METHODS = {}  # numpy's functions, none of them a PyTorch Tensor method

NUMPY_FUNCTIONS = {
    np.average: average,
    np.ptp: _np_ptp,
    np.polyval: polyval,
    np.ediff1d: ediff1d,
    np.trapezoid: _np_trapezoid,
}

NUMPY_UFUNCS = {}
