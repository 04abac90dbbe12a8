"""Truncated Taylor series ("jets") on numpy arrays, for loops whose derivatives have no
formula: the incomplete gamma function's in a (``incomplete_gamma``) and the Hurwitz zeta
function's in x (``zeta``) run their series on jets, so each quantity carries its
derivatives in that variable up to the order asked, converged with the value.

A jet is a list of K arrays, the Taylor coefficients c_k = f^(k)(t) / k! of a quantity f
in the variable t, up to order K - 1; the operations the loops need follow, and
``Converging``, which keeps the jets of the elements whose loop is done.
"""

from __future__ import annotations

import numpy as np


def times(u, v):
    """The product of two jets: the Cauchy product (Leibniz's rule)."""
    return [sum(u[j] * v[k - j] for j in range(k + 1)) for k in range(len(u))]


def reciprocal(u):
    """1 / u: r_0 = 1 / u_0, r_k = -r_0 * sum_(j=1..k) u_j r_(k-j)."""
    r = [1 / u[0]]
    for k in range(1, len(u)):
        r.append(-r[0] * sum(u[j] * r[k - j] for j in range(1, k + 1)))
    return r


def exp(h):
    """exp(h): e_0 = exp(h_0), e_k = (1/k) sum_(j=1..k) j h_j e_(k-j)."""
    e = [np.exp(h[0])]
    for k in range(1, len(h)):
        e.append(sum(j * h[j] * e[k - j] for j in range(1, k + 1)) / k)
    return e


def linear(value, slope, size):
    """The jet of value + slope * (t' - t): a number linear in the variable."""
    return ([value, np.full_like(value, slope)] + [np.zeros_like(value)] * (size - 2))[:size]


class Converging:
    """Bookkeeping for a loop over the elements not yet converged: which original positions
    the working arrays still hold, and the jets of those already done (``finish``, with
    the mask of the working arrays' elements that are)."""

    def __init__(self, n):
        self.where = np.arange(n)
        self.found = {}   # k -> the k-th coefficients of the jets, at the original positions
        self.n = n

    @property
    def empty(self):
        return self.where.size == 0

    def finish(self, done, jet):
        for k, u in enumerate(jet):
            self.found.setdefault(k, np.full(self.n, np.nan))[self.where[done]] = u[done]
        self.where = self.where[~done]

    def results(self, size):
        """The jets, NaN where the loop ran out of terms."""
        return [self.found.get(k, np.full(self.n, np.nan)) for k in range(size)]
