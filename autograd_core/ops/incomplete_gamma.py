"""The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x).

P(a, x) = 1/Gamma(a) * integral from 0 to x of t**(a-1) exp(-t) dt is the CDF of a
Gamma(a, 1) variable at x (and through it a chi-square's and a Poisson count's):
``torch.igamma``/``torch.special.gammainc``, ``tf.math.igamma``, ``scipy.special.gammainc``;
Q is ``igammac``/``gammaincc``. Defined for a >= 0 and x >= 0 (not both 0), NaN elsewhere,
with PyTorch's values at the edges: P(a, 0) = 0, P(0, x > 0) = 1, P(a, inf) = 1,
P(inf, x) = 0.

Computed with numpy in float64, by the two expansions of Numerical Recipes' ``gser`` and
``gcf`` (as Cephes' ``igam``/``igamc`` choose between them):

- x <= max(a, 1): the series P = x**a exp(-x) / Gamma(a) * sum_n x**n / (a (a+1) ... (a+n));
- otherwise the continued fraction of Q, by the modified Lentz method.

Each runs until its next term changes nothing in float64, at most ``_MAX_TERMS`` terms
(about 8.6 sqrt(a) are needed where x is near a: a up to some 5 million). An element that
has not converged by then is NaN. The other function is 1 minus the one computed.

Measured against mpmath at 40 digits (tests/test_incomplete_gamma.py): relative error
below 1e-14 for a up to 20, then growing with a as a * log(x) - lgamma(a) loses digits
(5e-13 at a = 1000); the function taken as 1 minus the other is good to 1e-16 absolute.
PyTorch's float64 (Cephes, with Temme's expansion for a > 20 near the diagonal) is off by
up to 2e-9 there. Derivatives in a: relative error below 1e-11 for the first two, 5e-9
for the third at a = 0.001.

The derivatives. In x there is a formula: dP/dx = x**(a-1) exp(-x) / Gamma(a), the Gamma
density. In a there is none (TensorFlow's ``IgammaGradA`` and JAX compute it with series
too; PyTorch does not differentiate in a). So the same two loops run on truncated Taylor
series in a ("jets": each quantity with its derivatives in a up to the order asked, the
arithmetic of the chain rule carried along), and d^k P / da^k comes out of the loop that
computes P, converged the same way. Every order is differentiable again: the k-th
derivative in a is the op ``IgammaGradA(k)``, whose derivative in a is ``IgammaGradA(k+1)``
and in x the k-th derivative in a of the density, a formula of digamma and polygamma.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Op, Value, apply
from . import elementwise, xp
from ._operands import float_operand, pair
from ._taylor import exp as _exp, linear as _linear, reciprocal as _reciprocal
from ._taylor import Converging, times as _times
from .special import _polygamma_of, lgamma, lgamma_array, polygamma_array, xlogy

__all__ = ["igamma", "igammac", "gammainc", "gammaincc"]

_EPS = np.finfo(np.float64).eps
_TINY = 1e-300      # Lentz's stand-in for a denominator that is 0
_MAX_TERMS = 20_000


class Igamma(Op):
    """y = P(a, x), the regularized lower incomplete gamma function (Q = 1 - P for igammac)
    dL/da = g * dP/da (a series, see IgammaGradA),  dL/dx = g * x**(a-1) * exp(-x) / Gamma(a)
    (both negated for Q)"""

    __slots__ = ("upper",)

    def __init__(self, upper=False):
        self.upper = upper

    def forward(self, a, x):
        p, q = _jets(a, x, 0)
        return _result(q[0] if self.upper else p[0], a, x)

    def backward(self, g, y, a, x):
        need_a, need_x = self.needs_grad
        sign_g = -g if self.upper else g
        return (sign_g * _derivative_in_a(1, a, x) if need_a else None,
                sign_g * _density_derivative(0, a, x) if need_x else None)

    def formula(self, y, a, x):
        if self.upper:
            return ("y = Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function",
                    "dL/da = -g * dP/da (a series),  dL/dx = -g * x**(a-1) * exp(-x) / Gamma(a)")
        return ("y = P(a, x), the regularized lower incomplete gamma function",
                "dL/da = g * dP/da (a series),  dL/dx = g * x**(a-1) * exp(-x) / Gamma(a)")


class IgammaGradA(Op):
    """y = d^k P(a, x) / da^k (k >= 1), from the series or continued fraction of P run on
    Taylor series in a
    dL/da = g * d^(k+1) P / da^(k+1),  dL/dx = g * d^k/da^k [x**(a-1) * exp(-x) / Gamma(a)]"""

    __slots__ = ("k",)

    def __init__(self, k=1):
        self.k = k

    def forward(self, a, x):
        p, _ = _jets(a, x, self.k)
        return _result(p[self.k] * math.factorial(self.k), a, x)

    def backward(self, g, y, a, x):
        need_a, need_x = self.needs_grad
        return (g * _derivative_in_a(self.k + 1, a, x) if need_a else None,
                g * _density_derivative(self.k, a, x) if need_x else None)

    def formula(self, y, a, x):
        k = self.k
        upper = "" if k == 1 else f"^{k}"
        return (f"y = d{upper}P(a, x)/da{upper}, P the regularized lower incomplete gamma "
                f"function",
                f"dL/da = g * d^{k + 1}P/da^{k + 1} (a series),  dL/dx = g * "
                f"d{upper}/da{upper} [x**(a-1) * exp(-x) / Gamma(a)]")


def _result(values, a, x):
    """The float64 values in the operands' dtype, a 0-d result as a numpy scalar."""
    return values.astype(np.result_type(a, x), copy=False)[()]


def _derivative_in_a(k, a, x):
    """d^k P / da^k: the op on Values (the recorded path), else the array."""
    if isinstance(a, Value) or isinstance(x, Value):
        return apply(IgammaGradA(k), *pair(a, x, IgammaGradA))
    p, _ = _jets(a, x, k)
    return _result(p[k] * math.factorial(k), a, x)


def _density_derivative(k, a, x):
    """d^k/da^k of the Gamma density f = x**(a-1) exp(-x) / Gamma(a) = exp(h), written with
    ops that take Values too: f times the complete Bell polynomial B_k of the derivatives
    of h = (a-1) log x - x - lgamma(a), i.e. h' = log x - digamma(a) and
    h^(j) = -polygamma(j-1, a) for j >= 2 (B_0 = 1, B_(n+1) = sum_i C(n, i) B_(n-i) h^(i+1))."""
    values = isinstance(a, Value) or isinstance(x, Value)
    if values:
        a, x = pair(a, x, Igamma)
        f = elementwise.exp(xlogy(a - 1, x) - x - lgamma(a))
    else:
        a64, x64 = np.asarray(a, np.float64), np.asarray(x, np.float64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            power = np.where(a64 == 1, 0.0, (a64 - 1) * np.log(x64))  # xlogy: 0 at a = 1
            f = _result(np.exp(power - x64 - lgamma_array(a64)), a, x)
    if k == 0:
        return f
    with np.errstate(divide="ignore", invalid="ignore"):   # log 0 = -inf, as the density's
        h = [None, xp.log(x) - _polygamma_of(0, a)]
        h += [-_polygamma_of(j - 1, a) for j in range(2, k + 1)]
        bell = [1.0]
        for n in range(k):
            bell.append(sum(math.comb(n, i) * bell[n - i] * h[i + 1] for i in range(n + 1)))
        return f * bell[k]


# --- the series and the continued fraction, on Taylor series in a (jets: see _taylor) ---


def _prefactor(a, x, size):
    """The jet of x**a exp(-x) / Gamma(a) = exp(a log x - x - lgamma(a))."""
    log_x = np.log(x)
    h = [a * log_x - x - lgamma_array(a), log_x - polygamma_array(0, a)][:size]
    h += [-polygamma_array(k - 1, a) / math.factorial(k) for k in range(2, size)]
    return _exp(h)


def _series(a, x, size):
    """The jet of sum_n x**n / (a (a+1) ... (a+n)), for x <= max(a, 1): its terms only
    shrink."""
    term = _reciprocal(_linear(a, 1.0, size))
    total = list(term)
    state = Converging(a.size)
    ap = a
    for _ in range(_MAX_TERMS):
        ap = ap + 1
        term = _times(term, [x * c for c in _reciprocal(_linear(ap, 1.0, size))])
        total = [t + d for t, d in zip(total, term)]
        done = np.abs(term[0]) <= _EPS * np.abs(total[0])
        for t, d in zip(total[1:], term[1:]):
            done &= np.abs(d) <= _EPS * (np.abs(t) + np.abs(total[0]))
        if done.any():
            state.finish(done, total)
            if state.empty:
                break
            keep = ~done
            term, total = [d[keep] for d in term], [t[keep] for t in total]
            ap, x = ap[keep], x[keep]
    return state.results(size)


def _continued_fraction(a, x, size):
    """The jet of Q(a, x) / (x**a exp(-x) / Gamma(a)) = 1 / (x + 1 - a - 1 (1 - a) /
    (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))), for x > max(a, 1), by the modified
    Lentz method."""
    b = _linear(x + 1 - a, -1.0, size)
    c = [np.full_like(a, 1 / _TINY)] + [np.zeros_like(a)] * (size - 1)
    d = _reciprocal(b)
    h = list(d)
    state = Converging(a.size)
    for i in range(1, _MAX_TERMS):
        an = _linear(-i * (i - a), float(i), size)
        b = [b[0] + 2] + b[1:]
        d = [u + v for u, v in zip(_times(an, d), b)]
        d[0] = np.where(np.abs(d[0]) < _TINY, _TINY, d[0])
        c = [u + v for u, v in zip(b, _times(an, _reciprocal(c)))]
        c[0] = np.where(np.abs(c[0]) < _TINY, _TINY, c[0])
        d = _reciprocal(d)
        delta = _times(d, c)
        h = _times(h, delta)
        done = np.abs(delta[0] - 1) <= _EPS
        for u in delta[1:]:
            done &= np.abs(u) <= _EPS
        if done.any():
            state.finish(done, h)
            if state.empty:
                break
            keep = ~done
            b, c, d, h = ([u[keep] for u in jet] for jet in (b, c, d, h))
            a = a[keep]
    return state.results(size)


def _jets(a, x, order):
    """The jets of P(a, x) and Q(a, x) up to ``order`` derivatives in a, float64 arrays of
    the broadcast shape: ([P, dP/da, d2P/da2 / 2, ...], [Q, -dP/da, ...])."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape, size = a.shape, order + 1
    a, x = a.reshape(-1), x.reshape(-1)
    p = [np.zeros(a.size) for _ in range(size)]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        invalid = np.isnan(a) | np.isnan(x) | (a < 0) | (x < 0) | ((a == 0) & (x == 0)) | (
            np.isinf(a) & np.isinf(x))
        regular = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        # The edges: P(a, 0) = 0 and P(inf, x) = 0 (zeros already), P(0, x) = P(a, inf) = 1
        # with derivatives 0 in a, except at a = 0, the domain's edge, where none is given.
        p[0][(a == 0) | np.isinf(x)] = 1.0
        for k in range(1, size):
            p[k][a == 0] = np.nan
        by_series = np.flatnonzero(regular & ((x <= 1) | (x <= a)))
        by_fraction = np.flatnonzero(regular & ~((x <= 1) | (x <= a)))
        q = [-u for u in p]
        q[0] = 1 - p[0]
        for where, method, into, other in ((by_series, _series, p, q),
                                           (by_fraction, _continued_fraction, q, p)):
            if where.size == 0:
                continue
            aw, xw = a[where], x[where]
            jet = _times(_prefactor(aw, xw, size), method(aw, xw, size))
            for k in range(size):
                into[k][where] = jet[k]
                other[k][where] = (1 - jet[0]) if k == 0 else -jet[k]
        for jet in (p, q):
            for u in jet:
                u[invalid] = np.nan
    return [u.reshape(shape) for u in p], [u.reshape(shape) for u in q]


def _operands(a, x):
    """a and x as Values of float dtypes (integers promoted, as PyTorch's igamma does)."""
    a, x = pair(a, x, Igamma)
    return float_operand(a, Igamma), float_operand(x, Igamma)


def igamma(a, x):
    """P(a, x), the regularized lower incomplete gamma function: the CDF of a Gamma(a, 1)
    variable at x (``torch.igamma(a, x)``, ``torch.special.gammainc``, ``tf.math.igamma``,
    ``scipy.special.gammainc``). Broadcasts; NaN where a < 0 or x < 0. Differentiable in
    both: in x by the Gamma density, in a by the series or continued fraction itself (see
    the module's text), to any order.

    >>> round(float(igamma(1.0, 2.0)), 6)     # 1 - exp(-2)
    0.864665
    """
    return apply(Igamma(False), *_operands(a, x))


def igammac(a, x):
    """Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function, accurate
    where it is tiny (``torch.igammac``, ``torch.special.gammaincc``, ``tf.math.igammac``,
    ``scipy.special.gammaincc``).

    >>> f"{float(igammac(np.float64(1.0), np.float64(50.0))):.12e}"   # exp(-50); 1 - P: 0
    '1.928749847964e-22'
    """
    return apply(Igamma(True), *_operands(a, x))


gammainc = igamma
gammaincc = igammac
