"""The standard normal distribution's CDF, its logarithm and its inverse: ``ndtr``,
``log_ndtr``, ``ndtri`` (``torch.special``'s and ``scipy.special``'s names; TensorFlow's
``tf.math.ndtri``), and ``erfcinv`` (``tf.math.erfcinv``).

- ndtr(x) = erfc(-x / sqrt(2)) / 2, from erfc, which keeps its relative accuracy in the
  lower tail (ndtr(-30) = 4.9e-198, not 0).
- log_ndtr(x) = log(ndtr(x)), for x <= -1 as log(erfcx(-x / sqrt(2)) / 2) - x**2 / 2, which
  never underflows (log_ndtr(-1e5) = -5e9), and for x > 0 as log1p(-ndtr(-x)), which keeps
  the digits of a CDF near 1. Its derivative sqrt(2/pi) / erfcx(-x / sqrt(2)) is as stable.
- ndtri(p), the x with ndtr(x) = p: a first guess (erfinv in the middle, the rational
  approximation 26.2.23 of Abramowitz and Stegun in the tails), then Newton's steps on
  log_ndtr(x) = log(p), which keep the relative accuracy of tiny p (ndtri(1e-300) = -37.0).
  For p > 1/2 it is -ndtri(1 - p), as Cephes' (1 - p carries p's rounding).

All numpy only, float64 inside, each result in its input's dtype; accuracy against mpmath
in tests/test_normal_cdf.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..engine import Op, Value, apply
from . import xp
from ._operands import float_operand
from .special import erfc, erfc_array, erfcx, erfcx_array, erfinv_array

__all__ = ["ndtr", "log_ndtr", "ndtri", "erfcinv"]

_SQRT_HALF = 0.7071067811865476      # 1 / sqrt(2)
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)
_SQRT_2PI = 2.5066282746310002        # sqrt(2 pi)
_NEWTON_STEPS = 4


def ndtr(x):
    """The standard normal CDF, Phi(x) = (1 + erf(x / sqrt(2))) / 2
    (``torch.special.ndtr``, ``scipy.special.ndtr``); a composition of ``erfc``,
    differentiable to any order (dPhi/dx is the normal density).

    >>> round(float(ndtr(np.float64(1.96))), 6)
    0.975002
    """
    x = float_operand(x, SimpleNamespace(__name__="ndtr"))   # errors name the function
    return 0.5 * erfc(x * -_SQRT_HALF)


def log_ndtr_array(x):
    """log Phi(x) on a numpy array, float64 inside (see the module's text)."""
    x = np.asarray(x)
    v = x.astype(np.float64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        low = np.log(erfcx_array(np.minimum(v, -1.0) * -_SQRT_HALF) / 2) - v * v / 2
        middle = np.log(erfc_array(v * -_SQRT_HALF) / 2)
        high = np.log1p(-erfc_array(np.maximum(v, 0.0) * _SQRT_HALF) / 2)
    out = np.where(v <= -1.0, low, np.where(v <= 0.0, middle, high))
    return out.astype(x.dtype, copy=False)[()]


class LogNdtr(Op):
    """y = log(Phi(x)), Phi the standard normal CDF
    dL/dx = g * sqrt(2/pi) / erfcx(-x / sqrt(2))   (the density over the CDF)"""

    __slots__ = ()

    def forward(self, x):
        return log_ndtr_array(x)

    def backward(self, g, y, x):
        scaled = x * -_SQRT_HALF
        if isinstance(scaled, Value):
            return (g * (_SQRT_2_OVER_PI / erfcx(scaled)),)
        with np.errstate(over="ignore"):
            return (g * (_SQRT_2_OVER_PI / erfcx_array(scaled)),)


def log_ndtr(x):
    """log Phi(x), the logarithm of the standard normal CDF, accurate where Phi(x)
    underflows or is nearly 1 (``torch.special.log_ndtr``, ``scipy.special.log_ndtr``).

    >>> round(float(log_ndtr(np.float64(-40.0))), 4)    # Phi(-40) = 3.7e-350 underflows
    -804.6084
    """
    return apply(LogNdtr(), float_operand(x, LogNdtr))


def _lower_tail(q):
    """x with Phi(x) = q for 0 < q <= 1/2 (float64)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.sqrt(-2 * np.log(q))
        tail = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t)
                 / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t ** 3))
    x = np.where(q > 0.02, np.sqrt(2.0) * erfinv_array(2 * q - 1), tail)
    log_q = np.log(q)
    for _ in range(_NEWTON_STEPS):   # on log Phi(x) = log q: its slope is the density / Phi
        slope = _SQRT_2_OVER_PI / erfcx_array(x * -_SQRT_HALF)
        x = x - (log_ndtr_array(x) - log_q) / slope
    return x


def ndtri_array(p):
    """The inverse of the standard normal CDF on a numpy array: -inf at 0, inf at 1, NaN
    outside [0, 1]. Computed in float64 and returned in p's dtype."""
    p = np.asarray(p)
    v = p.astype(np.float64)
    q = np.minimum(v, 1 - v)
    inside = (q > 0) & ~np.isnan(q)
    x = _lower_tail(np.where(inside, q, 0.25))
    x = np.where(v > 0.5, -x, x)
    x = np.where(v == 0.5, 0.0, x)
    x = np.where(v == 0, -np.inf, np.where(v == 1, np.inf, x))
    x = np.where((v < 0) | (v > 1) | np.isnan(v), np.nan, x)
    return x.astype(p.dtype, copy=False)[()]


class Ndtri(Op):
    """y = ndtri(p), the x with Phi(x) = p
    dL/dp = g * sqrt(2 pi) * exp(y**2 / 2)   (one over the normal density at y)"""

    __slots__ = ()

    def forward(self, p):
        return ndtri_array(p)

    def backward(self, g, y, p):
        with np.errstate(over="ignore"):
            return (g * (_SQRT_2PI * xp.exp(y * y * 0.5)),)


def ndtri(p):
    """The inverse of the standard normal CDF, Phi^-1(p), for p in [0, 1]
    (``torch.special.ndtri``, ``scipy.special.ndtri``, ``tf.math.ndtri``): -inf at 0, inf
    at 1. Relative accuracy near 1e-15, tails included (ndtri(1e-300) = -37.04).

    >>> round(float(ndtri(np.float64(0.975))), 6)
    1.959964
    """
    return apply(Ndtri(), float_operand(p, Ndtri))


def erfcinv(x):
    """The inverse of erfc on [0, 2] (``tf.math.erfcinv``): -ndtri(x / 2) / sqrt(2), accurate
    for tiny x, where erfinv(1 - x) would lose its digits."""
    return ndtri(float_operand(x, SimpleNamespace(__name__="erfcinv")) * 0.5) * -_SQRT_HALF
