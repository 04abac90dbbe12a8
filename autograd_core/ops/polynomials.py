"""The classical orthogonal polynomials of ``torch.special``: Chebyshev's T, U, V, W (and
their shifted forms on [0, 1]), Hermite's H (physicists') and He (probabilists'),
Laguerre's L and Legendre's P, each p_n(x) for an integer degree n per element.

Each is its three-term recurrence p_(k+1) = a_k(x) p_k - b_k p_(k-1), run on Values up to
the largest degree asked, each element taking the term of its own degree; so they are
differentiable in x to any order (PyTorch's are not differentiable at all). The degree is
a constant: non-integer degrees are truncated and negative ones give 0, as PyTorch's.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..value import Value
from ._operands import float_operand
from .arithmetic import where

__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
           "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
           "laguerre_polynomial_l", "legendre_polynomial_p"]


def _recurrence(x, n, first, step, name, shifted=False):
    """p_n(x) elementwise, p_0 = 1, p_1 = first(x), p_(k+1) = step(k, x, p_k, p_(k-1));
    with ``shifted``, of 2x - 1. Every element takes the term of its own degree (``where``,
    which broadcasts x and n)."""
    x = float_operand(x, SimpleNamespace(__name__=name))   # errors name the function
    degree = np.asarray(n.data if isinstance(n, Value) else n)
    if degree.dtype.kind not in "biuf":
        raise TypeError(f"{name}: n must be integers (or whole numbers), got dtype "
                        f"{degree.dtype}")
    degree = np.trunc(degree).astype(np.int64)
    np.broadcast_shapes(x.shape, degree.shape)   # raises, naming both shapes, before any op
    if shifted:
        x = 2 * x - 1
    previous, current = x * 0 + np.ones((), x.dtype), first(x)   # p_0, p_1 in x's graph
    result = where(degree == 0, previous, where(degree == 1, current, np.zeros((), x.dtype)))
    for k in range(1, int(degree.max(initial=0))):
        previous, current = current, step(k, x, current, previous)
        result = where(degree == k + 1, current, result)
    return result


def _chebyshev(first):
    def polynomial(x, n, name, shifted=False):
        return _recurrence(x, n, first, lambda k, t, p, q: 2 * t * p - q, name, shifted)
    return polynomial


_T = _chebyshev(lambda t: t)
_U = _chebyshev(lambda t: 2 * t)
_V = _chebyshev(lambda t: 2 * t - 1)
_W = _chebyshev(lambda t: 2 * t + 1)


def chebyshev_polynomial_t(input, n):  # noqa: A002 (PyTorch's argument name)
    """T_n(x), Chebyshev's polynomial of the first kind: T_n(cos t) = cos(n t)."""
    return _T(input, n, "chebyshev_polynomial_t")


def chebyshev_polynomial_u(input, n):  # noqa: A002
    """U_n(x), of the second kind: U_n(cos t) = sin((n + 1) t) / sin t."""
    return _U(input, n, "chebyshev_polynomial_u")


def chebyshev_polynomial_v(input, n):  # noqa: A002
    """V_n(x), of the third kind: V_0 = 1, V_1 = 2x - 1, T's recurrence."""
    return _V(input, n, "chebyshev_polynomial_v")


def chebyshev_polynomial_w(input, n):  # noqa: A002
    """W_n(x), of the fourth kind: W_0 = 1, W_1 = 2x + 1, T's recurrence."""
    return _W(input, n, "chebyshev_polynomial_w")


def shifted_chebyshev_polynomial_t(input, n):  # noqa: A002
    """T*_n(x) = T_n(2x - 1), on [0, 1]."""
    return _T(input, n, "shifted_chebyshev_polynomial_t", shifted=True)


def shifted_chebyshev_polynomial_u(input, n):  # noqa: A002
    """U*_n(x) = U_n(2x - 1)."""
    return _U(input, n, "shifted_chebyshev_polynomial_u", shifted=True)


def shifted_chebyshev_polynomial_v(input, n):  # noqa: A002
    """V*_n(x) = V_n(2x - 1)."""
    return _V(input, n, "shifted_chebyshev_polynomial_v", shifted=True)


def shifted_chebyshev_polynomial_w(input, n):  # noqa: A002
    """W*_n(x) = W_n(2x - 1)."""
    return _W(input, n, "shifted_chebyshev_polynomial_w", shifted=True)


def hermite_polynomial_h(input, n):  # noqa: A002
    """H_n(x), the physicists' Hermite polynomial: H_(k+1) = 2x H_k - 2k H_(k-1)."""
    return _recurrence(input, n, lambda t: 2 * t, lambda k, t, p, q: 2 * t * p - 2 * k * q,
                       "hermite_polynomial_h")


def hermite_polynomial_he(input, n):  # noqa: A002
    """He_n(x), the probabilists' Hermite polynomial: He_(k+1) = x He_k - k He_(k-1)."""
    return _recurrence(input, n, lambda t: t, lambda k, t, p, q: t * p - k * q,
                       "hermite_polynomial_he")


def laguerre_polynomial_l(input, n):  # noqa: A002
    """L_n(x), Laguerre's polynomial: L_(k+1) = ((2k + 1 - x) L_k - k L_(k-1)) / (k + 1)."""
    return _recurrence(input, n, lambda t: 1 - t,
                       lambda k, t, p, q: ((2 * k + 1 - t) * p - k * q) / (k + 1),
                       "laguerre_polynomial_l")


def legendre_polynomial_p(input, n):  # noqa: A002
    """P_n(x), Legendre's polynomial: P_(k+1) = ((2k + 1) x P_k - k P_(k-1)) / (k + 1)."""
    return _recurrence(input, n, lambda t: t,
                       lambda k, t, p, q: ((2 * k + 1) * t * p - k * q) / (k + 1),
                       "legendre_polynomial_p")
