"""Ops that pass no gradient: stop_gradient, and numpy functions whose result has no useful
derivative (argmax, argmin, argsort, equal, one_hot, the tests isnan/isfinite/isinf, the
boolean reductions, casts to integers)."""

from __future__ import annotations

import numpy as np

from ..engine import Op, _numeric_dtype, apply, constant, get_default_dtype
from ._operands import as_constant, axis_or_dim, operand, tf_direction

__all__ = ["stop_gradient", "argmax", "argmin", "argsort", "equal", "one_hot", "isnan",
           "isfinite", "isinf", "reduce_all", "reduce_any", "all", "any", "count_nonzero",
           "logical_and", "logical_or", "logical_xor", "logical_not", "nonzero", "argwhere",
           "unique", "isclose", "allclose"]


class StopGradient(Op):
    """y = x, but no gradient flows back to x"""

    __slots__ = ()

    differentiable = False

    def forward(self, x):
        return x.copy()  # a snapshot, as detach() is: later in-place updates of x don't show


def stop_gradient(x):
    """x's value, with no gradient flowing back through it."""
    return apply(StopGradient(), operand(x, StopGradient))


class NonDifferentiable(Op):
    """A numpy function whose result has no useful derivative (argmax, equal, one_hot)."""

    __slots__ = ("fn", "name")

    differentiable = False

    def __init__(self, fn, name):
        self.fn, self.name = fn, name

    def forward(self, *xs):
        return self.fn(*xs)

    def formula(self, y, *xs):
        args = "x" if len(xs) == 1 else ", ".join(f"x{i + 1}" for i in range(len(xs)))
        return f"y = {self.name}({args}), with no gradient", ""

    def __repr__(self):
        return self.name


def _one_axis(axis, ndim, op):
    """``axis`` checked against x's ndim (None stays None): numpy's message, with the op."""
    if axis is None:
        return None
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an integer or None, got {axis!r}")
    if not -max(ndim, 1) <= axis < max(ndim, 1):
        raise ValueError(f"{op}: axis {axis} is out of bounds for x with {ndim} dimensions")
    return int(axis)


def argmax(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Index of the largest element along ``axis`` (integer constant); the first on ties.
    With ``axis=None``, the index into the flattened x. PyTorch's ``dim``/``keepdim`` too."""
    axis, keepdims, _ = axis_or_dim("argmax", axis, dim, keepdims, keepdim)
    x = as_constant(x, "argmax")
    axis = _one_axis(axis, x.ndim, "argmax")
    return apply(NonDifferentiable(lambda a: np.argmax(a, axis=axis, keepdims=keepdims),
                                   "argmax"), x)


def argmin(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Index of the smallest element along ``axis`` (integer constant); the first on ties.
    PyTorch's ``dim``/``keepdim`` too."""
    axis, keepdims, _ = axis_or_dim("argmin", axis, dim, keepdims, keepdim)
    x = as_constant(x, "argmin")
    axis = _one_axis(axis, x.ndim, "argmin")
    return apply(NonDifferentiable(lambda a: np.argmin(a, axis=axis, keepdims=keepdims),
                                   "argmin"), x)


def argsort(x, axis=-1, descending=False, *, dim=None, stable=True, direction=None):
    """The indices that sort x along ``axis`` (PyTorch's ``dim``; integer constant),
    ascending unless ``descending``; equal elements keep their order (a stable sort, so
    the result does not depend on the sorting algorithm: PyTorch's ``stable`` is accepted
    and always holds). TensorFlow's ``direction`` ("ASCENDING" or "DESCENDING") may come
    third or as a keyword, as in ``tf.argsort(x, axis, direction)``."""
    if isinstance(descending, str):  # tf.argsort(x, -1, "DESCENDING")
        descending, direction = False, descending
    if direction is not None:
        if descending:
            raise TypeError("argsort: give descending (PyTorch's) or direction "
                            "(TensorFlow's), not both")
        descending = tf_direction(direction, "argsort")
    axis, _, _ = axis_or_dim("argsort", axis, dim, default=-1)
    del stable
    x = as_constant(x, "argsort")
    axis = _one_axis(axis, x.ndim, "argsort")

    def fn(a):
        a, along = (a.ravel(), 0) if axis is None else (a, axis)
        if not descending:
            return np.argsort(a, axis=along, kind="stable")
        # Descending and stable: sort the reversed array ascending, then reverse that order
        # and turn its positions back into a's (negating the keys would overflow integers).
        order = np.argsort(np.flip(a, along), axis=along, kind="stable")
        return a.shape[along] - 1 - np.flip(order, along)
    return apply(NonDifferentiable(fn, "argsort"), x)


def constant_function(np_fn, name, doc):
    """A numpy function whose result has no gradient (a test, a comparison), as a function
    of Values or data giving a constant: ``isnan``, ``logical_and``, TensorFlow's
    ``greater``."""
    def fn(*xs):
        return apply(NonDifferentiable(lambda *a: np.asarray(np_fn(*a)), name),
                     *[as_constant(x, name) for x in xs])
    fn.__name__, fn.__doc__ = name, doc
    return fn


isnan = constant_function(np.isnan, "isnan", "Elementwise x is NaN, a boolean constant.")
isfinite = constant_function(np.isfinite, "isfinite",
                             "Elementwise x is neither infinite nor NaN, a boolean constant.")
isinf = constant_function(np.isinf, "isinf", "Elementwise x is +inf or -inf, a boolean constant.")


def reduce_all(x, axis=None, keepdims=False):
    """Whether every element along ``axis`` is true (non-zero): ``tf.reduce_all``,
    ``np.all``, ``Value.all()``. A boolean constant."""
    x = as_constant(x, "reduce_all")
    return apply(NonDifferentiable(
        lambda a: np.asarray(np.all(a, axis=axis, keepdims=keepdims)), "all"), x)


def reduce_any(x, axis=None, keepdims=False):
    """Whether some element along ``axis`` is true (non-zero): ``tf.reduce_any``,
    ``np.any``, ``Value.any()``. A boolean constant."""
    x = as_constant(x, "reduce_any")
    return apply(NonDifferentiable(
        lambda a: np.asarray(np.any(a, axis=axis, keepdims=keepdims)), "any"), x)


def all(x, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    """numpy's and PyTorch's ``all``: ``reduce_all``, with ``dim``/``keepdim`` too."""
    axis, keepdims, _ = axis_or_dim("all", axis, dim, keepdims, keepdim)
    return reduce_all(x, axis, keepdims)


def any(x, axis=None, keepdims=False, *, dim=None, keepdim=None):  # noqa: A001
    """numpy's and PyTorch's ``any``: ``reduce_any``, with ``dim``/``keepdim`` too."""
    axis, keepdims, _ = axis_or_dim("any", axis, dim, keepdims, keepdim)
    return reduce_any(x, axis, keepdims)


def count_nonzero(x, axis=None, *, dim=None):
    """The number of non-zero (true) elements along ``axis`` (PyTorch's ``dim``; None: all
    of them), an int64 constant, as ``np.count_nonzero`` and ``torch.count_nonzero``."""
    axis, _, _ = axis_or_dim("count_nonzero", axis, dim)
    x = as_constant(x, "count_nonzero")
    return apply(NonDifferentiable(
        lambda a: np.asarray(np.count_nonzero(a, axis=axis), np.int64), "count_nonzero"), x)


def _logical(name):
    return constant_function(getattr(np, name), name, f"Elementwise ``np.{name}`` of the "
                             f"inputs' truth, a boolean constant.")


logical_and, logical_or = _logical("logical_and"), _logical("logical_or")
logical_xor, logical_not = _logical("logical_xor"), _logical("logical_not")


def nonzero(x, *, as_tuple=None):
    """Where x is non-zero (true). numpy's ``nonzero``: a tuple of index arrays, one per
    axis, as ``x[nonzero(x)]`` takes them; PyTorch's ``as_tuple=True`` is the same. With
    PyTorch's ``as_tuple=False`` (PyTorch's default), one (count, x.ndim) array of the
    indices, as ``argwhere``. Integer constants."""
    x = as_constant(x, "nonzero")
    if as_tuple is False:
        return argwhere(x)
    return tuple(constant(i, dtype=np.int64) for i in np.nonzero(np.atleast_1d(x.data)))


def argwhere(x):
    """The indices of x's non-zero elements, one row each: (count, x.ndim), an int64
    constant (``np.argwhere``, PyTorch's ``nonzero(x)``)."""
    x = as_constant(x, "argwhere")
    return apply(NonDifferentiable(lambda a: np.argwhere(a).astype(np.int64), "argwhere"), x)


def unique(x, sorted=True, return_inverse=False, return_counts=False, axis=None, *,  # noqa: A002
           return_index=False, dim=None):
    """The distinct elements of x, sorted (numpy's ``unique`` and PyTorch's, whose keywords
    it takes): with ``return_index``, ``return_inverse`` or ``return_counts``, a tuple
    with those arrays after the values, in numpy's order. ``axis`` (``dim``) gives the
    distinct slices along it instead. Constants (no gradient flows through a choice)."""
    axis, _, _ = axis_or_dim("unique", axis, dim)
    del sorted  # PyTorch's sorted=False may sort anyway, as its CPU version does
    x = as_constant(x, "unique")
    found = np.unique(x.data, return_index=return_index, return_inverse=return_inverse,
                      return_counts=return_counts, axis=axis)
    if not isinstance(found, tuple):
        return constant(found, dtype=found.dtype)
    found = list(found)
    if return_inverse and axis is None:  # in x's shape, as PyTorch (numpy's varies)
        at = 1 + bool(return_index)
        found[at] = found[at].reshape(x.shape)
    return tuple(constant(a, dtype=a.dtype) for a in found)


def equal(a, b):
    """Elementwise a == b as a boolean constant (``tf.equal``)."""
    return apply(NonDifferentiable(lambda x, y: np.asarray(x == y), "equal"),
                 as_constant(a, "equal"), as_constant(b, "equal"))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |a - b| <= atol + rtol * |b| (numpy's and PyTorch's ``isclose``, with
    their defaults), a boolean constant."""
    return apply(NonDifferentiable(
        lambda x, y: np.asarray(np.isclose(x, y, rtol, atol, equal_nan)), "isclose"),
        as_constant(a, "isclose"), as_constant(b, "isclose"))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether a and b are close everywhere (numpy's and PyTorch's ``allclose``): a bool."""
    return bool(isclose(a, b, rtol, atol, equal_nan).data.all())


def one_hot(indices, depth, dtype=None):
    """Rows of zeros with a one at each index (``tf.one_hot``); out-of-range gives zeros.

    Args:
        indices: integers, any shape.
        depth: the number of classes, an integer >= 0.
        dtype: of the result (the default float dtype if None).
    Returns:
        A constant of shape ``indices.shape + (depth,)``.

    >>> one_hot([0, 2], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, (int, np.integer)) \
            or depth < 0:
        raise ValueError(f"one_hot: depth must be an integer >= 0 (the number of classes), "
                         f"got {depth!r}")
    out_dtype = _numeric_dtype(dtype, "one_hot") if dtype is not None else get_default_dtype()
    idx = as_constant(indices, "one_hot")
    if idx.data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {idx.data.dtype}")

    def fn(i):
        return (np.asarray(i)[..., None] == np.arange(depth)).astype(out_dtype)
    return apply(NonDifferentiable(fn, "one_hot"), idx)
