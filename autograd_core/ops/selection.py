"""Picking elements by their order, PyTorch's way: ``sort``, ``topk``, and ``max``/``min``
along a dim, each returning the named pair ``(values, indices)``.

The indices are an integer constant (argsort, argmax: no gradient); the values are x
gathered at them (``take_along_axis``), so the gradient goes back to exactly the elements
picked, and the second derivative comes with the gather's:

    y = take_along_axis(x, indices, dim)     dL/dx = g added back at the indices

Ties are broken the same way every time: the first index wins (a stable sort), as
PyTorch's ``max(dim)`` does; its ``sort`` and ``topk`` leave the order of ties open.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

from ..engine import Value
from . import indexing, nondiff, shape
from ._operands import axis_arg, operand, tf_direction

__all__ = ["sort", "topk"]


class ValuesIndices(NamedTuple):
    """PyTorch's ``torch.return_types``: ``values, indices = x.sort()``, ``x.max(1)[1]``.

    values: the picked elements, differentiable.  indices: where they were in x (int64).
    """
    values: Value
    indices: Value


def _dim(x, dim, where):
    """One axis of x, checked (PyTorch's ``dim``: an integer, never None or a tuple)."""
    if dim is None or isinstance(dim, (tuple, list)):
        raise TypeError(f"{where}: dim must be an integer, got {dim!r} (PyTorch's {where} "
                        f"with indices picks along one dim)")
    if x.ndim == 0:
        raise ValueError(f"{where}: a 0-d Value has no dim to pick along")
    return axis_arg(dim, x.shape, where, allow_none=False)


def _picked(x, indices, dim):
    """x gathered at ``indices`` along ``dim``, as the pair (values, indices)."""
    return ValuesIndices(indexing.take_along_axis(x, indices, dim), indices)


def extreme_along(x, dim, keepdim, which):
    """PyTorch's ``x.max(dim, keepdim)`` (``which`` "max") or ``x.min(dim, keepdim)``: the
    largest (smallest) element along ``dim`` and its index, the first of ties."""
    x = operand(x, indexing.TakeAlongAxis)
    dim = _dim(x, dim, which)
    if x.shape[dim] == 0:
        raise ValueError(f"{which}: cannot reduce an empty dim (input of shape {x.shape}, "
                         f"dim {dim}): the {which} of no numbers is undefined")
    arg = nondiff.argmax if which == "max" else nondiff.argmin
    values, indices = _picked(x, arg(x, dim, keepdims=True), dim)
    if keepdim:
        return ValuesIndices(values, indices)
    return ValuesIndices(shape.squeeze(values, dim), shape.squeeze(indices, dim))


def sort(x, axis=-1, kind=None, *, dim=None, descending=None, stable=None, direction=None):
    """``ag.sort``. numpy's ``sort(x, axis)``: x sorted along ``axis``, the values alone
    (a gradient flows back to where each came from). With PyTorch's keywords (``dim``,
    ``descending``, ``stable``), PyTorch's ``torch.sort``: the pair ``(values,
    indices)``, as ``x.sort()`` always gives. numpy's ``kind`` is accepted; the sort is
    always stable. TensorFlow's ``tf.sort(x, axis, direction="DESCENDING")``: the values
    alone."""
    if direction is not None:
        if kind is not None or dim is not None or descending is not None:
            raise TypeError("sort: direction (TensorFlow's) with kind, dim or descending: "
                            "give one library's keywords in a call")
        return sort_pairs(x, axis, tf_direction(direction, "sort")).values
    if kind not in (None, "quicksort", "mergesort", "heapsort", "stable"):
        raise ValueError(f"sort: kind must be quicksort, mergesort, heapsort or stable, got "
                         f"{kind!r}")
    pytorch = dim is not None or descending is not None or stable is not None
    if pytorch:
        if kind is not None:
            raise TypeError("sort: kind (numpy's) with dim, descending or stable (PyTorch's): "
                            "give one library's keywords in a call")
        if axis != -1 and dim is not None:
            raise TypeError("sort: give axis (numpy) or dim (PyTorch), not both")
        return sort_pairs(x, axis if dim is None else dim, bool(descending))
    if axis is None:  # numpy's: the flattened x
        return sort_pairs(shape.reshape(operand(x, indexing.TakeAlongAxis), (-1,))).values
    return sort_pairs(x, axis).values


def sort_pairs(x, dim=-1, descending=False, stable=False):
    """PyTorch's ``x.sort(dim, descending)``: x sorted along ``dim``, and where each
    element came from.

    Args:
        x: a Value.
        dim: the axis to sort along (the last by default).
        descending: largest first.
        stable: accepted for PyTorch's code; the sort is always stable.
    Returns:
        ``(values, indices)``, both of x's shape.

    >>> Value([3.0, 1.0, 2.0]).sort(descending=True).indices.numpy()
    array([0, 2, 1])
    """
    x = operand(x, indexing.TakeAlongAxis)
    dim = _dim(x, dim, "sort")
    return _picked(x, nondiff.argsort(x, dim, bool(descending)), dim)


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002 (PyTorch's name)
    """PyTorch's ``topk``: the k largest elements along ``dim`` (smallest if not
    ``largest``), largest first, and their indices.

    Args:
        x: a Value or array.
        k: how many, 0 <= k <= x.shape[dim].
        dim: the axis (the last by default).
        largest: the largest elements (False: the smallest, smallest first).
        sorted: accepted for PyTorch's code; the result is always sorted.
    Returns:
        ``(values, indices)``, of x's shape with k along ``dim``.

    >>> topk([1.0, 4.0, 2.0, 3.0], 2).values.numpy()
    array([4., 3.], dtype=float32)
    """
    x = operand(x, indexing.TakeAlongAxis)
    dim = _dim(x, dim, "topk")
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"topk: k must be an integer, got {k!r}") from None
    if not 0 <= k <= x.shape[dim]:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of length "
                         f"{x.shape[dim]} (input shape {x.shape})")
    order = nondiff.argsort(x, dim, bool(largest))
    first_k = (slice(None),) * dim + (slice(0, k),)
    return _picked(x, order[first_k], dim)
