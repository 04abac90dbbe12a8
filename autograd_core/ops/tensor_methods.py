"""The last of PyTorch's Tensor methods and numpy's ndarray methods that have a meaning for
real arrays, each written over an op of the library (ported code calls them on results:
``a.maximum(b)``, ``x.unfold(0, 3, 1)``, ``mask.compress(...)``, ``x.real``).

``unfold`` is the one with maths of its own: PyTorch's windows along an axis, as indexing
(``take``), so its gradient adds up where windows overlap.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, constant
from . import arithmetic, counting, incomplete_gamma, indexing, joining, nondiff, scatters, shape
from . import special
from ._operands import axis_arg, operand


def unfold(x, dimension, size, step):
    """PyTorch's ``x.unfold(dimension, size, step)``: the windows of ``size`` elements
    along ``dimension``, starting every ``step``; that axis becomes the windows' count, and
    a last axis of ``size`` holds each window. dL/dx adds up where windows overlap."""
    x = operand(x, indexing.Gather)
    axis = axis_arg(dimension, x.shape, "unfold", allow_none=False, ndim=max(x.ndim, 1))
    length = x.shape[axis] if x.ndim else 1
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or \
            not 0 <= size <= length:
        raise ValueError(f"unfold: size must be an integer in [0, {length}] (the length of "
                         f"dimension {dimension} of shape {x.shape}), got {size!r}")
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step <= 0:
        raise ValueError(f"unfold: step must be a positive integer, got {step!r}")
    if x.ndim == 0:  # PyTorch's: a 0-d tensor unfolds to (size,)
        return shape.reshape(x, (1,))[np.zeros(size, dtype=np.intp)]
    starts = np.arange(0, length - size + 1, step)
    windows = indexing.take(x, starts[:, None] + np.arange(size), axis=axis)
    return shape.moveaxis(windows, axis + 1, -1)


def _equal(self, other):
    """PyTorch's ``x.equal(y)``: True when both have the same shape and elements."""
    other = operand(other, indexing.Gather)
    return self.shape == other.shape and bool(np.array_equal(self.data, other.data))


def _histogram(self, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """PyTorch's ``x.histogram(bins=100, *, range, weight, density)``: ``histogram`` with
    the counts in x's dtype, as PyTorch gives them."""
    hist, edges = counting.histogram(self, bins, range=range, weight=weight, density=density)
    return counting.HistogramResult(constant(hist.data, dtype=self.dtype), edges)


def _compress(self, condition, axis=None):
    """numpy's ``a.compress(condition, axis)``: the slices along ``axis`` (of the flattened
    array when None) where ``condition`` is true."""
    picked = np.flatnonzero(np.asarray(condition.data if isinstance(condition, Value)
                                       else condition))
    return indexing.take(self, picked, axis=axis)


def _imaginary(self):
    """numpy's ``a.imag`` of a real array: zeros (a constant)."""
    return constant(np.zeros_like(self.data))


def _angle(self):
    """PyTorch's ``x.angle()`` of real x: pi where x < 0, else 0 (NaN stays NaN); its
    gradient is 0, as PyTorch's."""
    return self * 0 + constant(np.where(self.data < 0, np.pi, 0).astype(self.dtype))


def _is_nonzero(self):
    """PyTorch's ``x.is_nonzero()``: the truth of a one-element Value."""
    if self.size != 1:
        raise RuntimeError(f"is_nonzero: a Value of shape {self.shape} is ambiguous; it "
                           "must hold one element")
    return bool(self.data.reshape(()) != 0)


def _scatter(self, dim, index, src=None, *, value=None, reduce=None):
    """PyTorch's ``x.scatter(dim, index, src)`` (or ``value=`` a number): a copy of x with
    src[p] written at p with its ``dim`` coordinate replaced by index[p]; ``reduce`` "add"
    or "multiply" combines instead (``scatter_reduce``'s sum and prod). Where index repeats
    a target, the last write stays (PyTorch leaves it undefined)."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give src (a Value or array) or value (a number), one of them")
    index = np.asarray(getattr(index, "data", index))
    if src is None:
        src = constant(np.full(index.shape, value, dtype=self.dtype))
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        return scatters.scatter_reduce(self, dim, index, src,
                                       "sum" if reduce == "add" else "prod")
    return scatters.scatter_copy(self, dim, index, src)


def _fill(self, value):
    """numpy's ``a.fill(value)``: every element set to ``value``, in place; returns None."""
    self.fill_(value)


def _strides(self):
    """PyTorch's strides: in elements, not bytes."""
    return tuple(s // self.data.itemsize for s in self.data.strides)


def _random():
    from .. import torch_random  # built on the ops package, which imports this module
    return torch_random


def _split_with_sizes(self, split_sizes, dim=0):
    """PyTorch's ``x.split_with_sizes(sizes, dim)``: ``x.split`` with a list of sizes."""
    return joining.split_sizes(self, list(split_sizes), dim)


METHODS = {
    # PyTorch's names of ops the library has as functions
    "maximum": arithmetic.maximum,
    "minimum": arithmetic.minimum,
    "floor_divide": arithmetic.floor_divide,
    "greater": lambda self, other: self > other,
    "greater_equal": lambda self, other: self >= other,
    "less": lambda self, other: self < other,
    "less_equal": lambda self, other: self <= other,
    "not_equal": lambda self, other: self != other,
    "isclose": nondiff.isclose,
    "allclose": nondiff.allclose,
    "equal": _equal,
    "rot90": lambda self, k=1, dims=(0, 1): shape.rot90(self, k, dims=dims),
    "histogram": _histogram,
    "split_with_sizes": _split_with_sizes,
    "unsafe_split": joining.split_sizes,
    "unsafe_chunk": joining.chunk,
    "unfold": unfold,
    "byte": lambda self: self.to(np.uint8),
    "char": lambda self: self.to(np.int8),
    "short": lambda self: self.to(np.int16),
    "mvlgamma": special.mvlgamma,
    "igamma": incomplete_gamma.igamma,
    "igammac": incomplete_gamma.igammac,
    "resolve_neg": lambda self: self,
    "resolve_conj": lambda self: self,
    "conj_physical": lambda self: self,
    "H": property(lambda self: shape.transpose(self)),  # real: the conjugate transpose is .T
    "mH": property(lambda self: self.mT),
    "angle": _angle,
    "isreal": lambda self: constant(np.ones(self.shape, dtype=bool)),
    "is_conj": lambda self: False,
    "is_neg": lambda self: False,
    "is_inference": lambda self: False,
    "is_cpu": property(lambda self: True),
    "get_device": lambda self: -1,  # PyTorch's for a tensor on the CPU
    "is_nonzero": _is_nonzero,
    "is_same_size": lambda self, other:
        self.shape == tuple(operand(other, indexing.Gather).shape),
    "stride": lambda self, dim=None: _strides(self)[dim] if dim is not None else _strides(self),
    "sum_to_size": lambda self, *size: shape.sum_to(
        self, size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size),
    "unsafe_split_with_sizes": _split_with_sizes,
    "scatter": _scatter,
    "bernoulli": lambda self, p=None, *, generator=None: _random().bernoulli(
        self, p, generator=generator),
    "multinomial": lambda self, num_samples, replacement=False, *, generator=None:
        _random().multinomial(self, num_samples, replacement, generator=generator),
    "argpartition": lambda self, kth, axis=-1: constant(
        np.argpartition(self.data, kth, axis=axis), dtype=np.intp),
    # numpy's, for real arrays: conj is the array itself, imag zeros
    "conj": lambda self: self,
    "conjugate": lambda self: self,
    "real": property(lambda self: self),
    "imag": property(_imaginary),
    "compress": _compress,
    "searchsorted": lambda self, v, side="left", sorter=None:
        counting.searchsorted(self, v, side=side, sorter=sorter),
    "fill": _fill,
    "nbytes": property(lambda self: self.data.nbytes),
    "itemsize": property(lambda self: self.data.itemsize),
    "strides": property(lambda self: self.data.strides),
    "tobytes": lambda self, order="C": self.data.tobytes(order),
}
