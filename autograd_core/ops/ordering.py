"""Picking by order, PyTorch's: aminmax, kthvalue, mode, the running extremes cummax and
cummin, and logcumsumexp.

Nothing here is a new op: the order is found on the data (a sort, a scan) and the values
are x gathered at the indices found, so the gradient goes to the elements picked, through
``take_along_axis``; ``logcumsumexp`` is the op ``cumulative_logsumexp`` (``cumulative``).
A result with indices is a named pair, as PyTorch's.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from ..engine import Value, constant
from . import cumulative, indexing, reductions, selection, shape
from ._composing import _along, _dim, _picked, _value

__all__ = ["aminmax", "kthvalue", "mode", "cummax", "cummin", "logcumsumexp"]


def _integer(k, where, name):
    if isinstance(k, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be an integer, got {k!r}")
    try:
        return operator.index(k)
    except TypeError:
        raise TypeError(f"{where}: {name} must be an integer, got {k!r}") from None


class MinMax(NamedTuple):
    """PyTorch's ``aminmax`` result: ``min, max = x.aminmax()``."""
    min: Value
    max: Value


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    """(amin(x), amax(x)) over ``dim`` (None: all of x), as a named pair (PyTorch's
    ``aminmax``); ties share the gradient, as PyTorch's."""
    x = _value(input, "aminmax")
    if dim is not None:
        dim = _dim(x, dim, "aminmax")
    axes = range(x.ndim) if dim is None else (dim,)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"aminmax: cannot reduce an empty axis (input of shape {x.shape}, "
                         f"dim {dim})")
    if x.ndim == 0:
        return MinMax(x, x)
    return MinMax(reductions.amin(x, dim, keepdim), reductions.amax(x, dim, keepdim))


def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    """The k-th smallest element along ``dim`` (k from 1) and its index, a named pair
    (PyTorch's ``kthvalue``); the gradient goes to that element. Among equal elements the
    index is the k-th in a stable sort (PyTorch leaves which one open)."""
    x = _value(input, "kthvalue")
    scalar = x.ndim == 0
    x, dim = _along(x, dim, "kthvalue")
    k = _integer(k, "kthvalue", "k")
    if not 1 <= k <= x.shape[dim]:
        raise ValueError(f"kthvalue: k={k} is out of range for dim {dim} of length "
                         f"{x.shape[dim]} (input shape {x.shape})")
    order = np.argsort(x.data, axis=dim, kind="stable")
    indices = order[(slice(None),) * dim + (slice(k - 1, k),)]
    return _picked(x, indices, dim, keepdim, scalar)


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """The most frequent value along ``dim`` (the smallest of those tied) and the index of
    its last occurrence, a named pair, as PyTorch's ``mode``; the gradient goes to that
    element."""
    x = _value(input, "mode")
    scalar = x.ndim == 0
    x, dim = _along(x, dim, "mode")
    n = x.shape[dim]
    if n == 0:
        raise ValueError(f"mode: cannot take it over an empty dim (input shape {x.shape})")
    rows = np.moveaxis(x.data, dim, -1)
    s = np.sort(rows, axis=-1)
    starts = np.concatenate([np.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]],
                            axis=-1)
    positions = np.arange(n)
    run_start = np.maximum.accumulate(np.where(starts, positions, 0), axis=-1)
    counts = positions - run_start + 1  # how many equal values end at each position
    best = np.take_along_axis(s, np.argmax(counts, axis=-1)[..., None], -1)  # the first max
    last = n - 1 - np.argmax((rows == best)[..., ::-1], axis=-1)
    indices = np.expand_dims(last, dim)  # rows kept the other axes in x's order
    return _picked(x, indices, dim, keepdim, scalar)


def _running_extreme(x, dim, where, scan):
    x = _value(x, where)
    scalar = x.ndim == 0
    x, dim = _along(x, dim, where)
    data = np.moveaxis(x.data, dim, -1)
    running = scan.accumulate(data, axis=-1) if data.shape[-1] else data
    # The index at step i is the last j <= i where x_j is the running extreme itself:
    # ties move to the later index, and a NaN (which numpy's scan carries on) takes over,
    # each later NaN too, as PyTorch's.
    with np.errstate(invalid="ignore"):
        marks = np.where(np.isnan(running), np.isnan(data), data == running)
    positions = np.arange(data.shape[-1])
    indices = np.maximum.accumulate(np.where(marks, positions, 0), axis=-1) \
        if data.shape[-1] else np.zeros(data.shape, np.int64)
    indices = np.moveaxis(indices.astype(np.int64), -1, dim)
    values = indexing.take_along_axis(x, indices, dim)
    if scalar:
        return selection.ValuesIndices(shape.reshape(values, ()),
                                       constant(np.zeros((), np.int64), dtype=np.int64))
    return selection.ValuesIndices(values, constant(indices, dtype=np.int64))


def cummax(input, dim):  # noqa: A002
    """The running maximum along ``dim`` and where it was, a named pair (PyTorch's
    ``cummax``): ties move to the later index and a NaN takes over, as PyTorch's. The
    values are x gathered at the indices, so the gradient goes to those elements."""
    return _running_extreme(input, dim, "cummax", np.maximum)


def cummin(input, dim):  # noqa: A002
    """The running minimum along ``dim`` and where it was (PyTorch's ``cummin``), as
    ``cummax``."""
    return _running_extreme(input, dim, "cummin", np.minimum)


def logcumsumexp(input, dim):  # noqa: A002
    """y_k = log(sum_{j <= k} exp(x_j)) along ``dim`` (PyTorch's ``logcumsumexp``),
    without overflow: the op ``cumulative_logsumexp``, O(n) along dim. A leading run of
    -inf gives -inf, and a NaN gradient there, as PyTorch's."""
    x = _value(input, "logcumsumexp")
    scalar = x.ndim == 0
    x, dim = _along(x, dim, "logcumsumexp")
    y = cumulative.cumulative_logsumexp(x, dim)
    return shape.reshape(y, ()) if scalar else y


# --- the tables ----------------------------------------------------------------------

# PyTorch's Tensor methods that Value lacks.
METHODS = {name: globals()[name] for name in (
    "aminmax", "kthvalue", "mode", "cummax", "cummin", "logcumsumexp")}

NUMPY_FUNCTIONS = {}

NUMPY_UFUNCS = {}
