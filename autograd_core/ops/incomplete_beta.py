"""The regularized incomplete beta function I_x(a, b) (``tf.math.betainc(a, b, x)``).

I_x(a, b) = 1/B(a, b) * integral from 0 to x of t**(a-1) (1-t)**(b-1) dt is the CDF of a
Beta(a, b) variable at x (and through it Student's t, F and binomial tails). Defined for
a > 0, b > 0 and 0 <= x <= 1; NaN elsewhere, as TensorFlow's; I_0 = 0 and I_1 = 1.

Computed with numpy in float64 as Numerical Recipes' ``betai`` and Cephes' ``incbet``: the
prefactor x**a (1-x)**b / (a B(a, b)) times the continued fraction

    1 / (1 + d1 / (1 + d2 / (1 + ...))),  d_(2m+1) = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),
                                          d_(2m)   = m (b-m) x / ((a+2m-1)(a+2m)),

by the modified Lentz method, where x < (a+1)/(a+b+2); beyond it, 1 - I_(1-x)(b, a), the
same fraction with a and b swapped (it converges fast on its own side of the mean). The
fraction needs about sqrt(max(a, b)) terms; at most ``_MAX_TERMS``, then NaN.

Measured against mpmath at 30 digits (tests/test_tf_nn_more.py): error below 1e-13 absolute
and 1e-11 relative for a, b in [1e-3, 1e3]; the prefactor's lgamma differences lose about
eps * lgamma(a + b) for larger a and b.

The derivative. TensorFlow differentiates betainc in x only (its gradient in a and b is
None): dI/dx = x**(a-1) (1-x)**(b-1) / B(a, b), the Beta density, written with ops so that
it is differentiable again (in x, and in a and b through it).
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply
from . import elementwise
from ._operands import float_operand
from .special import lgamma, lgamma_array, xlog1py, xlogy

__all__ = []   # ``ag.math.betainc`` only: neither numpy nor PyTorch names it

_EPS = np.finfo(np.float64).eps
_TINY = 1e-300       # Lentz's stand-in for a denominator that is 0
_MAX_TERMS = 20_000


def _fraction(a, b, x):
    """The continued fraction of I_x(a, b) (without its prefactor), element by element,
    until every element's next factor is 1 to eps; NaN where it has not converged."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    done = np.zeros(x.shape, bool)
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + aa / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            step = d * c
            h = np.where(done, h, h * step)
        done |= np.abs(step - 1.0) <= _EPS
        if done.all():
            return h
    return np.where(done, h, np.nan)


def betainc_array(a, b, x):
    """I_x(a, b) on numpy arrays, broadcast, in float64."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, x)))
    y = np.full(x.shape, np.nan)
    valid = (a > 0) & (b > 0) & (x >= 0) & (x <= 1)
    y[valid & (x == 0)] = 0.0
    y[valid & (x == 1)] = 1.0
    inner = valid & (x > 0) & (x < 1)
    a, b, x = a[inner], b[inner], x[inner]
    direct = x < (a + 1) / (a + b + 2)
    # the fraction runs on (a, b, x) where direct, else on (b, a, 1 - x)
    p, q = np.where(direct, a, b), np.where(direct, b, a)
    z = np.where(direct, x, 1 - x)
    log_prefactor = (lgamma_array(p + q) - lgamma_array(p) - lgamma_array(q)
                     + p * np.log(z) + q * np.log1p(-z))
    part = np.exp(log_prefactor) * _fraction(p, q, z) / p
    y[inner] = np.where(direct, part, 1.0 - part)
    return y


def _density(a, b, x):
    """The Beta(a, b) density x**(a-1) (1-x)**(b-1) / B(a, b): ops on Values (the recorded
    path), numpy on arrays."""
    if any(isinstance(v, Value) for v in (a, b, x)):
        log_beta = lgamma(a) + lgamma(b) - lgamma(a + b)
        return elementwise.exp(xlogy(a - 1, x) + xlog1py(b - 1, -x) - log_beta)
    a64, b64, x64 = (np.asarray(v, np.float64) for v in (a, b, x))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        power = np.where(a64 == 1, 0.0, (a64 - 1) * np.log(x64)) \
            + np.where(b64 == 1, 0.0, (b64 - 1) * np.log1p(-x64))
        f = np.exp(power - lgamma_array(a64) - lgamma_array(b64) + lgamma_array(a64 + b64))
    return f.astype(np.result_type(a, b, x), copy=False)


class Betainc(Op):
    """y = I_x(a, b), the regularized incomplete beta function
    dL/da = dL/db = None (TensorFlow's),  dL/dx = g * x**(a-1) * (1-x)**(b-1) / B(a, b)"""

    __slots__ = ()

    def forward(self, a, b, x):
        return betainc_array(a, b, x).astype(np.result_type(a, b, x), copy=False)[()]

    def backward(self, g, y, a, b, x):
        return None, None, (g * _density(a, b, x) if self.needs_grad[2] else None)

    def formula(self, y, a, b, x):
        return ("y = I_x(a, b), the regularized incomplete beta function",
                "dL/da = dL/db = None (TensorFlow's),  dL/dx = g * x**(a-1) * (1-x)**(b-1) "
                "/ B(a, b)")


def betainc(a, b, x):
    """I_x(a, b), the regularized incomplete beta function (``tf.math.betainc``,
    ``scipy.special.betainc``): the CDF of a Beta(a, b) variable at x. Broadcasts; NaN
    where a <= 0, b <= 0 or x is outside [0, 1]. Differentiable in x alone, as
    TensorFlow's: dI/dx is the Beta density; a and b get no gradient.

    >>> round(float(betainc(2.0, 3.0, 0.4)), 6)    # 1 - 0.6**4 - 4 * 0.4 * 0.6**3
    0.5248
    """
    a, b, x = (float_operand(v, Betainc) for v in (a, b, x))
    return apply(Betainc(), a, b, x)
