"""What the composed families share (``elementwise_more``, ``products``,
``nan_reductions``, ``numpy_reductions``, ``ordering``, ``distances``): operands as Values,
numbers and dims checked, the constants a ``where`` picks, numpy's keywords refused, and
PyTorch's ``(values, indices)`` pair of the elements picked along a dim.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, _data, constant
from ..value import _wrap
from . import indexing, selection, shape
from ._operands import axis_arg


def _value(x, where, like=None):
    """x as a Value (a number takes ``like``'s dtype); other data raises naming ``where``."""
    if isinstance(x, Value):
        return x
    try:
        return _wrap(x, like=like)
    except TypeError as e:
        raise TypeError(f"{where}: {str(e).replace('operand: ', '')}") from None


def _values(where, *xs):
    """Several operands as Values; Python numbers take the first Value's dtype."""
    like = next((x for x in xs if isinstance(x, Value)), None)
    return [_value(x, where, like) for x in xs]


def _broadcast(where, **operands):
    """The broadcast shape of the named operands, or a ValueError naming each shape."""
    shapes = {name: np.shape(_data(x)) for name, x in operands.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        named = ", ".join(f"{name} of shape {s}" for name, s in shapes.items())
        raise ValueError(f"{where}: {named} do not broadcast") from None


def _number(x, where, name):
    """A real number argument, checked (a bool is refused)."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer,
                                                             np.floating)):
        raise TypeError(f"{where}: {name} must be a number, got {x!r}")
    return x


def _full(x, fill):
    """A scalar constant of x's dtype (NaN, -inf, 0) for the branches ``where`` picks."""
    return constant(np.asarray(fill, x.dtype), dtype=x.dtype)


def _dim(x, dim, where):
    """One axis of x, PyTorch's ``dim`` (a 0-d x takes dim 0 or -1, as PyTorch's)."""
    if dim is None or isinstance(dim, (tuple, list)):
        raise TypeError(f"{where}: dim must be an integer, got {dim!r}")
    return axis_arg(dim, x.shape if x.ndim else (1,), where, allow_none=False)


def _unsupported(name, kwargs, **defaults):
    """Refuse numpy keywords the composition does not take (out=, dtype=, where=...)."""
    for key, value in kwargs.items():
        if key not in defaults:
            raise TypeError(f"np.{name}: the keyword {key}= is not supported for Values")
        if value is not defaults[key] and not (isinstance(value, (bool, int, float, str))
                                               and value == defaults[key]):
            shown = (f"(an array of shape {np.shape(value)})"
                     if isinstance(value, (np.ndarray, Value)) else repr(value))
            raise TypeError(f"np.{name}: {key}={shown} is not supported for Values")


def without_out(fn, name):
    """numpy's signature of ``fn`` with its ``out=`` refused (the library's ``ag.<name>``
    takes PyTorch's ``out=`` instead, see ``_out``)."""
    def call(*args, out=None, **kwargs):
        _unsupported(name, dict(out=out), out=None)
        return fn(*args, **kwargs)
    call.__name__ = call.__qualname__ = fn.__name__
    call.__doc__ = fn.__doc__
    return call


# --- picking one element per slice along a dim (ordering, nanmedian) ------------------


def _along(x, dim, where):
    """x as at least 1-D, and its dim checked."""
    dim = _dim(x, dim, where)
    return (shape.reshape(x, (1,)) if x.ndim == 0 else x), dim


def _picked(x, indices, dim, keepdim, scalar):
    """The pair (x at ``indices`` along ``dim``, indices), back to 0-d for a 0-d input."""
    pair = _pair(indexing.take_along_axis(x, indices, dim), indices, dim, keepdim or scalar)
    if scalar:
        return selection.ValuesIndices(shape.reshape(pair.values, ()),
                                       shape.reshape(pair.indices, ()))
    return pair


def _pair(values, indices, axis, keepdim):
    """(values, indices) with ``axis`` kept (length 1) or squeezed, as PyTorch returns."""
    indices = constant(np.asarray(indices, np.int64), dtype=np.int64)
    if not keepdim:
        values, indices = shape.squeeze(values, axis), shape.squeeze(indices, axis)
    return selection.ValuesIndices(values, indices)
