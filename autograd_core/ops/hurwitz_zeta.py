"""The Hurwitz zeta function zeta(x, q) = sum over n >= 0 of (n + q)**-x
(``torch.special.zeta``, ``scipy.special.zeta(x, q)``; q = 1 is Riemann's zeta).

Computed as Cephes' ``zeta`` (which PyTorch and scipy use), numpy only, in float64: the
terms (n + q)**-x summed directly until they no longer count or n + q > 9, then the
Euler-Maclaurin remainder with the Bernoulli numbers B_2 ... B_20; for q > 1e8 the first
terms of the asymptotic series. inf at x = 1 and at q = 0, -1, -2, ...; NaN for x < 1.
A negative q that is not an integer has real terms only for an integer x, and there, as
Cephes, the sum is taken: its negative terms (n + q < 0) one by one, the rest as
zeta(x, q + m) with q + m in (0, 1); other x with such a q give NaN.

Derivatives: in q, dzeta/dq = -x zeta(x + 1, q). In x there is no formula (PyTorch does
not differentiate in x), so the same sums run on truncated Taylor series in x (see
``_taylor``), which gives d^k zeta / dx^k with the value; each order is differentiable
again (the op ``Zeta(k)``). At a negative q with an integer x the terms (n + q)**-x of
n + q < 0 are not real for x near by, so there the derivatives in x are NaN.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Op, Value, apply
from ._operands import float_operand, pair
from ._taylor import Converging, linear, reciprocal, times
from .special import _BERNOULLI

__all__ = ["zeta"]

_EPS = np.finfo(np.float64).eps
# (2j)! / B_2j, the denominators of the Euler-Maclaurin remainder (Cephes' A[]: 12, -720,
# 30240, ...), from the Bernoulli numbers the polygamma series already holds.
_DENOMINATORS = tuple(math.factorial(2 * j) / b for j, b in enumerate(_BERNOULLI, start=1))


class Zeta(Op):
    """y = d^k zeta(x, q) / dx^k, zeta(x, q) = sum over n >= 0 of (n + q)**-x (k = 0: the
    function; its sums run on Taylor series in x for k > 0)
    dL/dx = g * d^(k+1) zeta / dx^(k+1),  dL/dq = -g * d^k/dx^k [x * zeta(x + 1, q)]"""

    __slots__ = ("k",)

    def __init__(self, k=0):
        self.k = k

    def forward(self, x, q):
        jet = _jets(x, q, self.k)
        return _result(jet[self.k] * math.factorial(self.k), x, q)

    def backward(self, g, y, x, q):
        need_x, need_q = self.needs_grad
        k = self.k
        grad_q = None
        if need_q:   # d^k/dx^k [x f(x + 1)] = x f^(k)(x + 1) + k f^(k-1)(x + 1), Leibniz
            grad_q = x * _zeta_of(k, x + 1, q)
            if k:
                grad_q = grad_q + k * _zeta_of(k - 1, x + 1, q)
            grad_q = -g * grad_q
        return (g * _zeta_of(k + 1, x, q) if need_x else None), grad_q

    def formula(self, y, x, q):
        if self.k == 0:
            return ("y = zeta(x, q) = sum over n >= 0 of (n + q)**-x",
                    "dL/dx = g * dzeta/dx (a series),  dL/dq = -g * x * zeta(x + 1, q)")
        k = self.k
        return (f"y = d^{k} zeta(x, q) / dx^{k}",
                f"dL/dx = g * d^{k + 1} zeta / dx^{k + 1} (a series),  dL/dq = -g * "
                f"(x * d^{k} zeta(x + 1, q) / dx^{k} + {k} * d^{k - 1} zeta(x + 1, q) / "
                f"dx^{k - 1})")


def _result(values, x, q):
    return values.astype(np.result_type(x, q), copy=False)[()]


def _zeta_of(k, x, q):
    """d^k zeta / dx^k: the op on Values (the recorded path), else the array."""
    if isinstance(x, Value) or isinstance(q, Value):
        return apply(Zeta(k), *pair(x, q, Zeta))
    return _result(_jets(x, q, k)[k] * math.factorial(k), x, q)


def _power_jet(x, base, size):
    """The jet in x of base**-x: the k-th coefficient is (-log base)**k / k! base**-x. The
    value is numpy's power, not exp(-x log base), whose rounding the exponential scales by
    |x log base| (zeta(12, 1e-6) lost 25 ulps that way)."""
    jet = [np.power(base, -x)]
    minus_log = -np.log(base)
    for k in range(1, size):
        jet.append(minus_log * jet[-1] / k)
    return jet


def _scaled(jet, factor):
    return [u * factor for u in jet]


def _euler_maclaurin(x, q, size):
    """The jets of zeta(x, q) for x > 1, 0 < q <= 1e8 (Cephes' loop, on jets)."""
    total = _power_jet(x, q, size)
    state = Converging(x.size)
    a, i = q.copy(), 0
    while not state.empty:
        i += 1
        a = a + 1
        term = _power_jet(x, a, size)
        total = [t + d for t, d in zip(total, term)]
        done = np.abs(term[0] / total[0]) < _EPS
        tail = ~done & (i >= 9) & (a > 9)    # Cephes: on with (i < 9) or (a <= 9)
        if tail.any():
            rest = _remainder(x[tail], a[tail], [d[tail] for d in term],
                              [t[tail] for t in total], size)
            for t, r in zip(total, rest):
                t[tail] = r
        finished = done | tail
        if finished.any():
            state.finish(finished, total)
            keep = ~finished
            x, a = x[keep], a[keep]
            total, term = [t[keep] for t in total], [d[keep] for d in term]
    return state.results(size)


def _remainder(x, w, b, s, size):
    """The sum so far, s, plus the Euler-Maclaurin remainder at w = n + q, b = w**-x:
    b w / (x - 1) - b / 2 + sum_j b x (x+1)...(x+2j-2) / w**(2j-1) / ((2j)! / B_2j)."""
    s = [u + v for u, v in zip(s, times(_scaled(b, w), reciprocal(linear(x - 1, 1.0, size))))]
    s = [u - 0.5 * v for u, v in zip(s, b)]
    rising = [np.ones_like(x)] + [np.zeros_like(x)] * (size - 1)
    active = np.ones(x.shape, bool)
    k = 0.0
    for denominator in _DENOMINATORS:
        rising = times(rising, linear(x + k, 1.0, size))
        b = _scaled(b, 1 / w)
        t = _scaled(times(rising, b), 1 / denominator)
        s = [u + np.where(active, v, 0.0) for u, v in zip(s, t)]
        active &= np.abs(t[0] / s[0]) >= _EPS
        k += 1.0
        rising = times(rising, linear(x + k, 1.0, size))
        b = _scaled(b, 1 / w)
        k += 1.0
    return s


def _jets(x, q, order):
    """The Taylor coefficients in x of zeta(x, q), up to ``order``, float64 arrays of the
    broadcast shape."""
    x, q = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(q, np.float64))
    shape, size = x.shape, order + 1
    x, q = x.reshape(-1), q.reshape(-1)
    out = [np.full(x.size, np.nan) for _ in range(size)]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        pole = ((x == 1) & ~np.isnan(q)) | ((q <= 0) & (q == np.floor(q)) & (x > 1))
        out[0][pole] = np.inf
        regular = (x > 1) & (q > 0) & np.isfinite(q) & ~np.isnan(x)
        huge_x = regular & np.isinf(x)     # every term 0 but q**-x: 1 at q = 1, else 0 or inf
        out[0][huge_x] = np.where(q[huge_x] == 1, 1.0, np.where(q[huge_x] > 1, 0.0, np.inf))
        for k in range(1, size):
            out[k][huge_x] = 0.0
        regular &= ~huge_x
        far = np.flatnonzero(regular & (q > 1e8))     # (1/(x-1) + 1/(2q)) q**(1-x)
        if far.size:
            xf, qf = x[far], q[far]
            factor = reciprocal(linear(xf - 1, 1.0, size))
            factor[0] = factor[0] + 1 / (2 * qf)
            jet = times(_power_jet(xf - 1, qf, size), factor)
            for k in range(size):
                out[k][far] = jet[k]
        near = np.flatnonzero(regular & (q <= 1e8))
        if near.size:
            jet = _euler_maclaurin(x[near], q[near], size)
            for k in range(size):
                out[k][near] = jet[k]
        negative = np.flatnonzero((x > 1) & np.isfinite(x) & (x == np.floor(x)) & (q < 0)
                                  & np.isfinite(q) & (q != np.floor(q)))
        if negative.size:  # the value only: the derivatives in x stay NaN (module's text)
            out[0][negative] = _negative_q(x[negative], q[negative])
    return [u.reshape(shape) for u in out]


_DIRECT_TERMS = 64  # a negative q with more negative terms than this sums them at once


def _negative_q(x, q):
    """zeta(x, q) for an integer x > 1 and a q < 0 that is not an integer: zeta(x, s),
    s = q + m in (0, 1), m = ceil(-q), plus the m terms with n + q < 0, real for an integer
    x. Up to ``_DIRECT_TERMS`` of them are added one by one (numpy's power takes them, as
    C's pow; Cephes sums the same terms in its loop). More are (-1)**x times a difference
    of two zetas: the terms' sizes are (r + j)**-x, r = 1 - s, j = 0 .. m - 1, so they sum
    to zeta(x, r) - zeta(x, r + m), the second far below the first, as many as m is; one
    pass per term would take a second for q = -10**6."""
    m = np.ceil(-q)
    s = q + m
    total = _euler_maclaurin(x, s, 1)[0]
    few = m <= _DIRECT_TERMS
    for n in range(int(m[few].max()) if few.any() else 0):
        left = few & (n < m)
        total[left] += np.power(q[left] + n, -x[left])
    many = ~few
    if many.any():
        xm, r = x[many], 1 - s[many]
        sign = np.where(xm % 2 == 0, 1.0, -1.0)
        total[many] += sign * (_jets(xm, r, 0)[0] - _jets(xm, r + m[many], 0)[0])
    return total


def zeta(x, q):
    """The Hurwitz zeta function sum over n >= 0 of (n + q)**-x, for x > 1 and q > 0
    (``torch.special.zeta``, ``scipy.special.zeta``); zeta(x, 1) is Riemann's. Broadcasts;
    differentiable in q (-x zeta(x + 1, q)) and in x (its series, see the module's text),
    to any order.

    >>> round(float(zeta(np.float64(2.0), np.float64(1.0))), 12)    # pi**2 / 6
    1.644934066848
    """
    x, q = pair(x, q, Zeta)
    return apply(Zeta(0), float_operand(x, Zeta), float_operand(q, Zeta))
