"""Norms: vector p-norms over any axes, and matrix norms over two.

||x||_p = (sum |x|**p)**(1/p) has the gradient g * sign(x) |x|**(p-1) / y**(p-1): for
p = 2 that is g * x / y, for p = 1 g * sign(x). At the zero vector, where the 2-norm has a
corner, the gradient is 0, as PyTorch takes it. The max-norm (p = inf) sends g to the
largest |x_i| (shared among ties), and p = 0 counts the nonzero elements (no gradient).

Matrix norms are built on those: Frobenius is the 2-norm of all entries; the 1- and
inf-norms are the largest column or row sums of |x| (max of sums, as PyTorch computes
them); the 2-norm and the nuclear norm are the largest and the sum of the singular values.

``norm`` follows TensorFlow's ``tf.norm`` and PyTorch's ``torch.norm`` (no axis: the norm of
all entries, as one vector); ``ag.linalg.norm`` follows numpy's and PyTorch's
``linalg.norm`` (no axis: a vector's norm, or a matrix's for a 2-D input).
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply
from ..labels import number, over
from ..worked import Terms, reduced_index
from . import xp
from ._operands import axis_arg, axis_or_dim, operand
from .arithmetic import abs as _abs, power, where
from .decompositions import svdvals
from .reductions import _expand, copied, max as _max, min as _min, sum as _sum
from .shape import expand_dims, reshape, transpose

__all__ = ["norm", "cdist"]

_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


class VectorNorm(Op):
    """y = (sum |x|**p)**(1/p) over axis     dL/dx = g * sign(x) * |x|**(p-1) / y**(p-1)"""

    __slots__ = ("ord", "axis", "keepdims")

    def __init__(self, ord, axis, keepdims):  # noqa: A002 - numpy's name
        self.ord, self.axis, self.keepdims = ord, axis, keepdims

    def forward(self, x):
        p, axis, keep = self.ord, self.axis, self.keepdims
        if p == 2:
            return np.sqrt(np.sum(x * x, axis=axis, keepdims=keep))
        if p == np.inf:
            return np.max(np.abs(x), axis=axis, keepdims=keep)
        if p == -np.inf:
            return np.min(np.abs(x), axis=axis, keepdims=keep)
        if p == 0:
            return np.sum(x != 0, axis=axis, keepdims=keep).astype(x.dtype)
        if p == 1:
            return np.sum(np.abs(x), axis=axis, keepdims=keep)
        with np.errstate(divide="ignore"):  # p < 0 with a zero element: the norm is 0
            return np.sum(np.abs(x) ** p, axis=axis, keepdims=keep) ** (1 / p)

    def backward(self, g, y, x):
        p = self.ord
        if p == 0:
            return (xp.zeros_like(x),)  # a count: piecewise constant
        g = _expand(g, self.axis, self.keepdims, x.ndim)
        if p == 1:
            return (g * xp.sign(x),)
        y = _expand(y, self.axis, self.keepdims, x.ndim)
        if p in (np.inf, -np.inf):
            at_y = xp.equal(x, y) | xp.equal(x, -y)  # the largest (smallest) |x_i|
            share = at_y / at_y.sum(axis=self.axis, keepdims=True)
            return (g * xp.sign(x) * share.astype(y.dtype),)
        # At y = 0 (x = 0) the gradient is taken as 0; dividing by 1 there instead keeps
        # the unused branch finite, so its derivative is no NaN either.
        zero = xp.equal(y, 0)
        if p == 2:
            return (x * xp.where(zero, 0, g / xp.where(zero, 1, y)),)
        scale = xp.where(zero, 0, g / xp.where(zero, 1, y) ** (p - 1))
        # sign(x) |x|**(p-1), taken as 0 at x = 0 (for p < 1 the power would be inf there).
        at_0 = xp.equal(x, 0)
        size = x * xp.sign(x)  # |x|, as a product with a constant: its derivative is sign(x)
        return (xp.where(at_0, 0, xp.sign(x) * xp.where(at_0, 1, size) ** (p - 1)) * scale,)

    def formula(self, y, x):
        where = over(self.axis, x.ndim, self.keepdims)
        copies = f", g and y copied {copied(self.axis, x.ndim)}"
        p = self.ord
        if p == 0:
            return f"y = the number of nonzero x {where}", "dL/dx = 0"
        if p == 1:
            return (f"y = sum(|x|) {where}",
                    f"dL/dx = g * sign(x), g copied {copied(self.axis, x.ndim)}")
        if p in (np.inf, -np.inf):
            which = "max" if p > 0 else "min"
            share = "g / k" if self._ties(y, x).max(initial=1) > 1 else "g"
            note = (f"   (k: how many |x| tie for the {which}imum)" if share != "g" else "")
            return (f"y = {which}(|x|) {where}",
                    f"dL/dx = {share} * sign(x) if |x| == y else 0{copies}{note}")
        if p == 2:
            return f"y = sqrt(sum(x**2)) {where}", f"dL/dx = g * x / y{copies}   (0 where y = 0)"
        return (f"y = sum(|x|**{number(p)})**(1/{number(p)}) {where}",
                f"dL/dx = g * sign(x) * |x|**{_power(p - 1)} / y**{_power(p - 1)}{copies}   "
                "(0 where x = 0 or y = 0)")

    def element(self, i, at, g, y, x):
        j = reduced_index(at, self.axis, self.keepdims)
        p = self.ord
        if p == 0:
            return Terms("0")
        if p == 1:
            return Terms("g * sign(x)", ({"g": j},))
        if p in (np.inf, -np.inf):
            ties = self._ties(y, x)
            if ties.max(initial=1) > 1:
                return Terms("g / k * sign(x) if |x| == y else 0", ({"g": j, "y": j, "k": j},),
                             {"k": ties})
            return Terms("g * sign(x) if |x| == y else 0", ({"g": j, "y": j},))
        if p == 2:
            return Terms("g * x / y", ({"g": j, "y": j},))
        return Terms(f"g * sign(x) * |x|**{_power(p - 1)} / y**{_power(p - 1)}",
                     ({"g": j, "y": j},))

    def _ties(self, y, x):
        """How many |x| equal each result (the max- and min-norms' ties)."""
        at_y = np.abs(x) == _expand(np.asarray(y), self.axis, self.keepdims, x.ndim)
        return np.sum(at_y, axis=self.axis, keepdims=self.keepdims)


def _power(p):
    """An exponent as it reads after **: 2, 0.5, (-0.5)."""
    return f"({number(p)})" if p < 0 else number(p)


def _ord(ord, op_name):  # noqa: A002
    """A vector norm's order as a float, checked: a number (inf included) or 'euclidean'."""
    if ord in ("euclidean", "fro", None):  # 'fro': the 2-norm of the entries, as PyTorch
        return 2.0
    if isinstance(ord, bool) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise ValueError(f"{op_name}: invalid order {ord!r} for a vector norm (a number, inf "
                         "or -inf)")
    return float(ord)


def _vector_norm(x, ord, axis, keepdims, op_name):  # noqa: A002
    p = _ord(ord, op_name)
    axes = range(x.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if abs(p) == np.inf and any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op_name}: the inf-norm of an empty axis is undefined (input of "
                         f"shape {x.shape}, axis {axis})")
    return apply(VectorNorm(p, axis, keepdims), x)


def _matrix_norm(x, ord, axes, keepdims, op_name):  # noqa: A002
    row, col = axes
    if row == col:
        raise ValueError(f"{op_name}: the two axes of a matrix norm are the same axis "
                         f"({row}) of shape {x.shape}")
    if ord in ("fro", "euclidean", None):
        return apply(VectorNorm(2.0, (row, col), keepdims), x)
    if ord not in _MATRIX_ORDS or isinstance(ord, bool):
        raise ValueError(f"{op_name}: invalid order {ord!r} for a matrix norm (one of 'fro', "
                         "'nuc', 1, -1, 2, -2, inf, -inf)")
    if ord != "nuc" and 0 in (x.shape[row], x.shape[col]):
        raise ValueError(f"{op_name}: the {ord}-norm of an empty matrix is undefined (input "
                         f"of shape {x.shape}, axes {axes})")
    if ord in ("nuc", 2, -2):
        rest = tuple(a for a in range(x.ndim) if a not in axes)
        s = svdvals(transpose(x, rest + (row, col)))
        y = _sum(s, -1) if ord == "nuc" else (_max if ord == 2 else _min)(s, -1)
    else:
        # 1: the largest column sum of |x| (summed over rows); inf: the largest row sum.
        summed, across = (row, col) if ord in (1, -1) else (col, row)
        pick = _max if ord > 0 else _min
        y = pick(_sum(_abs(x), summed, keepdims=True), across, keepdims=True)
        y = reshape(y, tuple(n for a, n in enumerate(y.shape) if a not in axes))
    return expand_dims(y, tuple(sorted(axes))) if keepdims else y


def _norm(x, ord, axis, keepdims, op_name):  # noqa: A002
    """Both conventions once an axis is given: an int gives vector norms, a pair matrix
    norms (as numpy and TensorFlow; ``torch.norm`` with a number takes the vector norm of
    the pair's entries instead)."""
    axis = axis_arg(axis, x.shape, op_name)
    if isinstance(axis, tuple) and len(axis) == 2:
        return _matrix_norm(x, ord, axis, keepdims, op_name)
    if isinstance(axis, tuple) and len(axis) != 1:
        raise ValueError(f"{op_name}: axis must be an int or a pair of ints, got {axis}")
    if ord == "fro" and op_name == "linalg.norm":
        raise ValueError("linalg.norm: the Frobenius norm is a matrix norm: give two axes")
    return _vector_norm(x, ord, axis, keepdims, op_name)


def norm(x, ord="euclidean", axis=None, keepdims=False, *, p=None, dim=None,  # noqa: A002
         keepdim=None):
    """The norm of x, as ``tf.norm`` and ``torch.norm`` (and ``Value.norm``).

    Args:
        x: a Value or array.
        ord: 'euclidean' (default; also 'fro' and None), a number p (1, 2, inf, -inf, 0,
            or any other p), or for matrix norms 'nuc', 1, -1, 2, -2, inf, -inf.
        axis: None (default): the vector norm of all entries, whatever x's shape; an int:
            vector norms along that axis; a pair: matrix norms over those two axes.
        keepdims: keep the reduced axes as length 1.
        p, dim, keepdim: PyTorch's names of ord, axis and keepdims (``x.norm(dim=1)``,
            ``x.norm(p=2, dim=1, keepdim=True)``).
    Returns:
        The norms, x's dtype.

    >>> float(norm([3.0, -4.0])), float(norm([3.0, -4.0], ord=1))
    (5.0, 7.0)
    """
    if p is not None:
        if ord != "euclidean":
            raise TypeError("norm: give ord (numpy, TensorFlow) or p (PyTorch), not both")
        ord = p  # noqa: A001
    axis, keepdims, _ = axis_or_dim("norm", axis, dim, keepdims, keepdim)
    x = operand(x, VectorNorm)
    if axis is None:
        if ord not in ("euclidean", "fro", None) and isinstance(ord, str):
            raise ValueError(f"norm: ord={ord!r} needs a pair of axes (a matrix norm)")
        return _vector_norm(x, ord, None, keepdims, "norm")
    return _norm(x, ord, axis, keepdims, "norm")


def linalg_norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """numpy's ``linalg.norm`` (``ag.linalg.norm``; also ``torch.linalg.norm``).

    With no axis: ord None is the 2-norm of all entries; otherwise x must be a vector
    (vector norm) or a matrix (matrix norm: ord 2 is the largest singular value, where
    ``ag.norm`` would take the 2-norm of all entries). With an axis, as ``norm``.
    """
    x = operand(x, VectorNorm)
    if axis is None:
        if ord is None:
            return _vector_norm(x, 2, None, keepdims, "linalg.norm")
        if x.ndim not in (1, 2):
            raise ValueError(f"linalg.norm: ord={ord!r} without an axis needs a vector or a "
                             f"matrix, got shape {x.shape}")
        axis = 0 if x.ndim == 1 else (0, 1)
    return _norm(x, ord, axis, keepdims, "linalg.norm")


def vector_norm(x, ord=2, axis=None, keepdims=False):  # noqa: A002
    """The vector p-norm over ``axis`` (None: all entries; an int or a tuple of any length),
    as numpy's and PyTorch's ``linalg.vector_norm``."""
    x = operand(x, VectorNorm)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return _vector_norm(x, ord, axis_arg(axis, x.shape, "linalg.vector_norm"), keepdims,
                        "linalg.vector_norm")


def matrix_norm(x, ord="fro", keepdims=False):  # noqa: A002
    """The matrix norm over the last two axes (numpy's and PyTorch's
    ``linalg.matrix_norm``): 'fro', 'nuc', 1, -1, 2, -2, inf or -inf."""
    x = operand(x, VectorNorm)
    if x.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: expected matrices (..., m, n), got shape "
                         f"{x.shape}")
    return _matrix_norm(x, ord, (x.ndim - 2, x.ndim - 1), keepdims, "linalg.matrix_norm")


def cdist(x1, x2, p=2.0):
    """PyTorch's ``cdist``: the p-norm distance between each row of x1 (..., P, M) and each
    row of x2 (..., R, M), shape (..., P, R). At a distance of 0 the gradient is 0, as
    PyTorch's (the norm's derivative does not exist there)."""
    x1, x2 = operand(x1, VectorNorm), operand(x2, VectorNorm)
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: expects (..., P, M) and (..., R, M), got {x1.shape} and "
                         f"{x2.shape}")
    if not p > 0:
        raise ValueError(f"cdist: p must be positive, got {p}")
    gaps = _abs(expand_dims(x1, -2) - expand_dims(x2, -3))  # (..., P, R, M)
    if p == 1:
        return _sum(gaps, -1)
    if p == np.inf:
        return _max(gaps, -1)
    total = _sum(gaps * gaps if p == 2 else power(gaps, float(p)), -1)
    # The root only where the total is positive, and of 1 elsewhere: a root of 0 has an
    # infinite derivative, which would turn the zero gradient into NaN.
    positive = np.asarray(total.data > 0)
    safe = where(positive, total, np.ones((), total.dtype))
    return where(positive, power(safe, 1.0 / p), np.zeros((), total.dtype))
