"""TensorFlow's arithmetic names (imported by ``tf_names``, which puts the ``tf.math`` ones in
``ag.math``): clipping by norm and ``global_norm``, TensorFlow's divisions
(``truncatediv``, ``truncatemod``, ``realdiv``, ``truediv``), ``ensure_shape``'s check,
and the ``tf.math`` extras ``xdivy``, ``multiply_no_nan``, ``reciprocal_no_nan``,
``nextafter`` and ``lbeta``.

Each is a composition of the library's ops, differentiable wherever those are
(``truncatediv`` and ``nextafter`` are constants). Where a composition would send a NaN
into a gradient (x / 0 in a branch ``where`` drops), the unsafe operand is replaced first,
so both paths stay finite.
"""

from __future__ import annotations

import numpy as np

from . import ops
from ._tf_operands import data as _data, value as _value
from .engine import Value, apply, constant
from .ops import arithmetic, nondiff, reductions, special
from .ops._operands import as_constant
from .ops.nondiff import NonDifferentiable

__all__ = ["clip_by_norm", "clip_by_global_norm", "truncatediv", "truncatemod", "realdiv",
           "truediv", "ensure_shape"]


# --- clipping by norm ------------------------------------------------------------------


def clip_by_norm(t, clip_norm, axes=None):
    """``tf.clip_by_norm``: t * clip_norm / max(||t||_2, clip_norm), the norm over ``axes``
    (all of t by default). An all-zero t keeps a 0 (not NaN) gradient, as TensorFlow's."""
    t = _value(t)
    if np.any(_data(clip_norm) < 0):
        raise ValueError(f"clip_by_norm: clip_norm must be >= 0, got {_data(clip_norm)}")
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    l2sum = reductions.sum(t * t, axes, keepdims=True)
    positive = np.asarray(l2sum.data > 0)
    l2norm = arithmetic.where(positive, ops.sqrt(arithmetic.where(positive, l2sum, 1.0)),
                              l2sum)
    return t * clip_norm / arithmetic.maximum(l2norm, clip_norm)


def global_norm(t_list):
    """``tf.linalg.global_norm``: sqrt(sum over the tensors of sum(t**2)); None skipped."""
    if isinstance(t_list, Value) or not isinstance(t_list, (list, tuple)):
        raise TypeError("global_norm: t_list must be a list or tuple of tensors")
    squares = [reductions.sum(_value(t) * _value(t)) for t in t_list if t is not None]
    if not squares:
        return constant(0.0)
    total = squares[0]
    for s in squares[1:]:
        total = total + s
    return ops.sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None):
    """``tf.clip_by_global_norm``: every t * clip_norm / max(global_norm, clip_norm).

    Returns:
        (the clipped list, None kept as None; the global norm). An infinite global norm
        makes every entry NaN, as TensorFlow's. The gradient flows through the norm too.
    """
    if not isinstance(t_list, (list, tuple)):
        raise TypeError(f"clip_by_global_norm: t_list must be a list or tuple of Values, got "
                        f"{type(t_list).__name__}")
    norm = global_norm(t_list) if use_norm is None else _value(use_norm)
    # clip_norm 0 gives zeros, as TensorFlow's (where 1 / 0 is inf)
    inverse = 1.0 / clip_norm if isinstance(clip_norm, Value) or clip_norm != 0 else np.inf
    scale = clip_norm * arithmetic.minimum(1.0 / norm, inverse) + (norm - norm)
    return [None if t is None else _value(t) * scale for t in t_list], norm


# --- TensorFlow's divisions ------------------------------------------------------------


def _c_division(x, y):
    q = np.trunc(np.true_divide(x, y)) if np.result_type(x, y).kind == "f" else (
        np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y)))
    return q.astype(np.result_type(x, y))


def truncatediv(x, y):
    """``tf.truncatediv``: x / y rounded toward 0 (C's integer division), a constant (its
    derivative is 0 almost everywhere)."""
    x, y = as_constant(x, "truncatediv"), as_constant(y, "truncatediv")
    if x.dtype.kind in "iu" and np.any(y.data == 0):
        raise ZeroDivisionError("truncatediv: integer division by zero")
    return apply(NonDifferentiable(_c_division, "truncatediv"), x, y)


def truncatemod(x, y):
    """``tf.truncatemod``: x - truncatediv(x, y) * y, the sign of x (C's %, ``fmod``);
    differentiable for floats as ``fmod``."""
    return arithmetic.fmod(x, y)


def realdiv(x, y):
    """``tf.realdiv``: x / y."""
    return arithmetic.divide(x, y)


def truediv(x, y):
    """``tf.truediv``: x / y, integers first cast to floats as TensorFlow does (8- and
    16-bit to float32, 32- and 64-bit to float64)."""
    x, y = _value(x), _value(y)
    if x.dtype != y.dtype:
        raise TypeError(f"truediv: x and y must have one dtype, got {x.dtype} and {y.dtype}")
    if x.dtype.kind in "iu":
        wide = np.float64 if x.dtype.itemsize >= 4 else np.float32
        x, y = arithmetic.cast(x, wide), arithmetic.cast(y, wide)
    return arithmetic.divide(x, y)


def ensure_shape(x, shape, name=None):
    """``tf.ensure_shape``: x itself, after checking its shape against ``shape`` (None for
    a dimension that may be anything; a None shape accepts any)."""
    x = _value(x)
    if shape is None:
        return x
    shape = tuple(shape)
    if len(shape) != x.ndim or any(s is not None and s != n for s, n in zip(shape, x.shape)):
        raise ValueError(f"ensure_shape: expected shape {shape}, got {x.shape}")
    return x


# --- tf.math extras ---------------------------------------------------------------------


def xdivy(x, y):
    """``tf.math.xdivy``: x / y, and 0 where x is 0 (its gradients 0 there too)."""
    x, y = _value(x), _value(y)
    zero = np.asarray(x.data == 0)
    return arithmetic.where(zero, 0.0, x / arithmetic.where(zero, 1.0, y))


def multiply_no_nan(x, y):
    """``tf.math.multiply_no_nan``: x * y, and 0 where y is 0 even if x is inf or NaN."""
    x, y = _value(x), _value(y)
    bad = np.asarray((y.data == 0) & ~np.isfinite(x.data))
    return arithmetic.where(bad, 0.0, x) * y


def reciprocal_no_nan(x):
    """``tf.math.reciprocal_no_nan``: 1 / x, and 0 where x is 0."""
    x = _value(x)
    zero = np.asarray(x.data == 0)
    return arithmetic.where(zero, 0.0, 1.0 / arithmetic.where(zero, 1.0, x))


nextafter = nondiff.constant_function(
    np.nextafter, "nextafter", "``tf.math.nextafter``: the next float after x1 toward x2, "
    "a constant.")


def lbeta(x):
    """``tf.math.lbeta``: log|B(x)| = sum(lgamma(x)) - lgamma(sum(x)) over the last axis."""
    x = _value(x)
    return reductions.sum(special.lgamma(x), -1) - special.lgamma(reductions.sum(x, -1))
