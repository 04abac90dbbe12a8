"""Special functions numpy lacks: the error function erf, which the exact GELU is built on.

numpy has no erf (scipy has, but is not a dependency), so ``erf_array`` computes it with
W. J. Cody's rational approximations ("Rational Chebyshev approximations for the error
function", Math. Comp. 23, 1969; the coefficients of netlib's specfun CALERF), accurate to
a few units in the last place of float64 (relative error below 1e-15 against ``math.erf``).

The others are built the same way, numpy only, in float64 whatever x's dtype (measured
against ``math``, mpmath and PyTorch's float64; relative errors, absolute near a zero):

- ``erfc`` from erf's own erfc branches: below 1e-15 wherever erfc is a normal float64.
- ``erfinv``: Giles' approximation, then Newton steps (on log erfc near ±1): below 1e-15.
- ``lgamma``: the series of lgamma(2 + t), the recurrence, Stirling's series, and the
  reflection below 1/2: below 1e-14 (2e-15 for x > 0), 2e-15 absolute at the zeros.
- ``digamma`` and ``polygamma(n, x)``: the recurrence up to x >= 10 + n, the asymptotic
  series, and the reflection (with the n-th derivative of cot) below 0: below 1e-14
  (trigamma 1e-15, where PyTorch's is good to 5e-10).
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply
from ..worked import Terms
from . import xp
from ._operands import float_operand, pair
from .arithmetic import where
from .elementwise import log, log1p

__all__ = ["erf", "xlogy", "xlog1py", "erfc", "erfcx", "entr", "erfinv", "lgamma", "gammaln",
           "digamma", "psi",
           "polygamma", "mvlgamma", "multigammaln"]

TWO_OVER_SQRT_PI = 1.1283791670955126   # 2 / sqrt(pi)
_ONE_OVER_SQRT_PI = 0.5641895835477563

# Numerators and denominators, highest power first. |x| <= 0.46875:
# erf(x) = x * A(x**2) / B(x**2).
_A = (1.85777706184603153e-1, 3.16112374387056560e0, 1.13864154151050156e2,
      3.77485237685302021e2, 3.20937758913846947e3)
_B = (1.0, 2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3,
      2.84423683343917062e3)
# 0.46875 < |x| <= 4: erfc(|x|) = exp(-x**2) * C(|x|) / D(|x|).
_C = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0,
      6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2,
      1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3)
_D = (1.0, 1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2,
      1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
      3.43936767414372164e3, 1.23033935480374942e3)
# |x| > 4: erfc(|x|) = exp(-x**2) / |x| * (1/sqrt(pi) - z P(z) / Q(z)), z = 1 / x**2.
_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
      1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_Q = (1.0, 2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)


def _horner(coefs, z):
    """The polynomial with ``coefs`` (highest power first) at z: np.polyval, in place."""
    out = np.full_like(z, coefs[0])
    for c in coefs[1:]:
        out *= z
        out += c
    return out


def _exp_minus_square(r):
    """exp(-r**2) without the error of rounding r**2 first: r is split into a part with
    4 fractional bits, whose square is exact, and the rest (Cody's trick)."""
    r16 = np.trunc(r * 16) / 16
    return np.exp(-r16 * r16) * np.exp(-(r - r16) * (r + r16))


def erf_array(x):
    """erf(x) = 2/sqrt(pi) * integral of exp(-t**2) from 0 to x, on a numpy array.

    Computed in float64 and returned in x's dtype; erf(±inf) = ±1, NaN stays NaN.
    """
    x = np.asarray(x)
    r = np.abs(x).astype(np.float64).reshape(-1)  # a fresh array: the reshape is a view
    out = np.empty_like(r)
    # Each range's elements by their positions (flatnonzero, take, put): on random data a
    # boolean mask's index and assignment took 200 us each on 65,536 numbers, the three
    # calls 85 us (numpy walks a mask with a branch per element).
    small = np.flatnonzero(r <= 0.46875)
    middle = np.flatnonzero((r > 0.46875) & (r <= 4.0))
    large = np.flatnonzero(~(r <= 4.0))   # beyond 4, and NaN
    s = r.take(small)
    out.put(small, s * _horner(_A, s * s) / _horner(_B, s * s))
    m = r.take(middle)
    out.put(middle, 1 - _exp_minus_square(m) * _horner(_C, m) / _horner(_D, m))
    out.put(large, 1 - _erfc_beyond_4(r.take(large)))
    out = out.reshape(x.shape)
    return np.copysign(out, x).astype(x.dtype, copy=False)[()]


def _erfc_beyond_4(r):
    """erfc(r) for r > 4 (and NaN), float64."""
    # erfc(27) is below the smallest normal float64 and erfc(30) is 0 (inf too).
    big = np.minimum(r, 30.0)
    z = 1 / (big * big)
    tail = (_ONE_OVER_SQRT_PI - z * _horner(_P, z) / _horner(_Q, z)) / big
    return _exp_minus_square(big) * tail


def erfc_array(x):
    """erfc(x) = 1 - erf(x) on a numpy array, from erf's own erfc branches, so that it
    keeps its relative accuracy where erfc is tiny (erfc(10) = 2.1e-45, not 0).

    Computed in float64 and returned in x's dtype; erfc(-inf) = 2, erfc(inf) = 0.
    """
    x = np.asarray(x)
    v = x.astype(np.float64).reshape(-1)
    r = np.abs(v)
    out = np.empty_like(r)
    small = np.flatnonzero(r <= 0.46875)
    middle = np.flatnonzero((r > 0.46875) & (r <= 4.0))
    large = np.flatnonzero(~(r <= 4.0))
    s = v.take(small)
    out.put(small, 1 - s * _horner(_A, s * s) / _horner(_B, s * s))
    m = r.take(middle)
    out.put(middle, _exp_minus_square(m) * _horner(_C, m) / _horner(_D, m))
    out.put(large, _erfc_beyond_4(r.take(large)))
    negative = np.flatnonzero((v < 0) & (r > 0.46875))
    out.put(negative, 2 - out.take(negative))   # erfc(-r) = 2 - erfc(r)
    return out.reshape(x.shape).astype(x.dtype, copy=False)[()]


class Erf(Op):
    """y = erf(x)       dL/dx = g * 2/sqrt(pi) * exp(-x**2)"""

    __slots__ = ()

    def forward(self, x):
        return erf_array(x)

    def backward(self, g, y, x):
        return (g * TWO_OVER_SQRT_PI * xp.exp(-(x * x)),)


def erf(x):
    """The error function 2/sqrt(pi) * integral of exp(-t**2) from 0 to x, in (-1, 1).

    >>> round(float(erf(1.0)), 6)
    0.842701
    """
    return apply(Erf(), float_operand(x, Erf))


def xlogy(x, y):
    """x * log(y), and 0 where x is 0 (``scipy.special.xlogy``, ``torch.xlogy``): the
    entropy terms p log p, 0 at p = 0 even where log(y) is -inf or inf. The gradients are
    log(y) for x and x / y for y, as PyTorch's; where x = 0 and y is 0, negative or
    infinite both are 0 (PyTorch gives NaN for y at y = 0, and inf for x at y = inf)."""
    x, y = pair(x, y, Erf)
    y_data = np.asarray(y.data)
    # where x is 0 and log(y) would not be finite, take log(1) instead: x * 0 is the 0
    # the definition asks for, and its gradients are 0 there, as PyTorch's.
    replaced = np.asarray(x.data == 0) & ((y_data <= 0) | np.isinf(y_data))
    return x * log(where(replaced, np.ones((), y.dtype), y))


class Erfc(Op):
    """y = erfc(x) = 1 - erf(x)       dL/dx = -g * 2/sqrt(pi) * exp(-x**2)"""

    __slots__ = ()

    def forward(self, x):
        return erfc_array(x)

    def backward(self, g, y, x):
        return (-g * TWO_OVER_SQRT_PI * xp.exp(-(x * x)),)


def erfc(x):
    """The complementary error function 1 - erf(x), in (0, 2), accurate where it is tiny
    (``torch.erfc``, ``scipy.special.erfc``): relative error below 1e-15 against
    ``math.erfc`` wherever erfc(x) is a normal float64 (x < 26.2).

    >>> float(erfc(np.float64(10.0)))      # 1 - erf(10) would be 0
    2.0884875837625446e-45
    """
    return apply(Erfc(), float_operand(x, Erfc))


def erfcx_array(x):
    """erfcx(x) = exp(x**2) erfc(x), the scaled complementary error function, on a numpy
    array: from erfc's own branches without their factor exp(-x**2), so that it neither
    underflows nor loses digits for large x (erfcx(x) ~ 1 / (x sqrt(pi))); below -0.46875,
    erfcx(x) = 2 exp(x**2) - erfcx(-x), inf once exp(x**2) overflows (x < -26.6).

    Computed in float64 and returned in x's dtype."""
    x = np.asarray(x)
    v = x.astype(np.float64).reshape(-1)
    r = np.abs(v)
    out = np.empty_like(r)
    small = np.flatnonzero(r <= 0.46875)
    middle = np.flatnonzero((r > 0.46875) & (r <= 4.0))
    large = np.flatnonzero(~(r <= 4.0))
    s = v.take(small)
    out.put(small, np.exp(s * s) * (1 - s * _horner(_A, s * s) / _horner(_B, s * s)))
    m = r.take(middle)
    out.put(middle, _horner(_C, m) / _horner(_D, m))
    big = r.take(large)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = 1 / (big * big)
        out.put(large, np.where(np.isinf(big), 0.0,
                                (_ONE_OVER_SQRT_PI - z * _horner(_P, z) / _horner(_Q, z)) / big))
    negative = np.flatnonzero((v < 0) & (r > 0.46875))
    with np.errstate(over="ignore"):
        w = r.take(negative)
        out.put(negative, 2 * np.exp(w * w) - out.take(negative))
    return out.reshape(x.shape).astype(x.dtype, copy=False)[()]


class Erfcx(Op):
    """y = erfcx(x) = exp(x**2) erfc(x)       dL/dx = g * (2 * x * y - 2/sqrt(pi))"""

    __slots__ = ()

    def forward(self, x):
        return erfcx_array(x)

    def backward(self, g, y, x):
        return (g * (2 * x * y - TWO_OVER_SQRT_PI),)


def erfcx(x):
    """The scaled complementary error function exp(x**2) erfc(x) (``torch.special.erfcx``,
    ``scipy.special.erfcx``): about 1 / (x sqrt(pi)) for large x, where exp(x**2) and
    erfc(x) would overflow and underflow.

    >>> f"{float(erfcx(np.float64(30.0))):.6e}"   # about 1 / (30 sqrt(pi)) = 0.018806
    '1.879589e-02'
    """
    return apply(Erfcx(), float_operand(x, Erfcx))


class Entr(Op):
    """y = -x log(x) (0 at x = 0, -inf for x < 0)       dL/dx = -g * (1 + log(x))"""

    __slots__ = ()

    def forward(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1)), np.where(x == 0, 0, -np.inf))
        return np.where(np.isnan(x), x, y).astype(x.dtype, copy=False)[()]

    def backward(self, g, y, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (-g * (1 + xp.log(x)),)


def entr(x):
    """The elementwise entropy term -x log(x), 0 at 0 and -inf below
    (``torch.special.entr``, ``scipy.special.entr``). Its derivative -(1 + log x) is +inf
    at 0 and NaN below, as PyTorch's."""
    return apply(Entr(), float_operand(x, Entr))


def xlog1py(x, y):
    """x * log1p(y), and 0 where x is 0 (``torch.special.xlog1py``, ``scipy.special.xlog1py``),
    even at y = -1 where log1p(y) is -inf; the gradients are log1p(y) for x (0 where x is
    0) and x / (1 + y) for y, as PyTorch's."""
    x, y = pair(x, y, Erf)
    y_data = np.asarray(y.data)
    replaced = np.asarray(x.data == 0) & ((y_data <= -1) | np.isinf(y_data))
    return x * log1p(where(replaced, np.zeros((), y.dtype), y))


# --- the inverse error function -----------------------------------------------------------

# M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single
# precision: erfinv(x) ~ x * p(w), w = -log((1 - x)(1 + x)), highest power first.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
               0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_NEWTON_STEPS = 4


def erfinv_array(x):
    """erfinv(x), the y with erf(y) = x, on a numpy array: Giles' approximation (about 7
    digits), then Newton steps on erf(y) - |x|; past 1/2, on log erfc(y) - log(1 - |x|),
    which keeps its digits near ±1 (1 - |x| is exact there) and is nearly linear in the
    tail, where Giles' single-precision formula is only a rough start.

    Computed in float64 and returned in x's dtype; erfinv(±1) = ±inf, NaN beyond.
    """
    x = np.asarray(x)
    a = np.abs(x.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1 - a) * (1 + a))
        y = a * np.where(w < 5, _horner(_GILES_CENTRAL, w - 2.5),
                         _horner(_GILES_TAIL, np.sqrt(w) - 3))
        inside = a < 1
        y = np.where(inside, y, 0.0)
        for _ in range(_NEWTON_STEPS):
            slope = TWO_OVER_SQRT_PI * _exp_minus_square(y)
            c = erfc_array(y)
            y = np.where(a < 0.5, y - (erf_array(y) - a) / slope,
                         y + (np.log(c) - np.log(1 - a)) * c / slope)
    y = np.where(inside, y, np.where(a == 1, np.inf, np.nan))
    return np.copysign(y, x).astype(x.dtype, copy=False)[()]


class Erfinv(Op):
    """y = erfinv(x), erf(y) = x       dL/dx = g * sqrt(pi)/2 * exp(y**2)"""

    __slots__ = ()

    def forward(self, x):
        return erfinv_array(x)

    def backward(self, g, y, x):
        return (g * (0.5 / _ONE_OVER_SQRT_PI) * xp.exp(y * y),)


def erfinv(x):
    """The inverse error function on (-1, 1): erf(erfinv(x)) = x (``torch.erfinv``,
    ``scipy.special.erfinv``); ±inf at ±1, NaN beyond. Relative error below 1e-15
    against PyTorch's float64 on (-1, 1), 1 - 1e-16 included.

    >>> round(float(erfinv(0.5)), 6)
    0.476936
    """
    return apply(Erfinv(), float_operand(x, Erfinv))


# --- the gamma function's logarithm and its derivatives ---------------------------------

EULER_GAMMA = 0.5772156649015329
_HALF_LOG_2PI = 0.9189385332046728
# Bernoulli numbers B_2, B_4, ..., B_20, for the asymptotic series.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)


def _zeta_minus_one(k, n=50):
    """zeta(k) - 1 = sum over j >= 2 of j**-k, for an integer k >= 2: the sum up to n - 1,
    then the rest by Euler-Maclaurin (its terms up to B_8: error below 1e-19)."""
    head = np.sum(np.arange(2.0, n) ** -k)
    rising = [np.prod(np.arange(k, k + m)) for m in (1, 3, 5, 7)]   # k (k+1) ... (k+m-1)
    tail = (n ** (1.0 - k) / (k - 1) + 0.5 * n ** -k + rising[0] / 12 * n ** (-k - 1)
            - rising[1] / 720 * n ** (-k - 3) + rising[2] / 30240 * n ** (-k - 5)
            - rising[3] / 1209600 * n ** (-k - 7))
    return head + tail


# lgamma(2 + t) = (1 - gamma) t + sum over k >= 2 of (-1)**k (zeta(k) - 1) t**k / k, for
# |t| < 2 (Abramowitz & Stegun 6.1.33, shifted by one): for |t| <= 1/2 its terms fall
# below 4**-k / k, so 30 are plenty. Highest power first, the constant term 0.
_LGAMMA_2 = tuple((-1) ** k * _zeta_minus_one(k) / k for k in range(30, 1, -1)) \
    + (1 - EULER_GAMMA, 0.0)


def _lgamma_from_half(z):
    """log Gamma(z) for z >= 1/2 (float64): the series around 2 on [1/2, 5/2] (around 1,
    through lgamma(z) = lgamma(z + 1) - log(z)), which keeps its relative accuracy at the
    zeros 1 and 2; the product (z - 1)(z - 2)... down to that range up to 10; Stirling's
    series beyond."""
    out = np.empty_like(z)
    low = z < 1.5
    near = z <= 10
    t = np.where(low, z + 1, z) - 2          # z (or z + 1) - 2
    factors = np.ones_like(z)
    while True:                              # z - 2 > 1/2: lgamma(z) = lgamma(z - 1) + log(z - 1)
        down = near & (t > 0.5)
        if not down.any():
            break
        t = np.where(down, t - 1, t)
        factors = np.where(down, factors * (t + 2), factors)
    series = _horner(_LGAMMA_2, t) + np.log(factors)
    out = np.where(low, series - np.log(np.where(low, z, 1.0)), series)
    far = np.where(near, 20.0, z)
    stirling = (far - 0.5) * np.log(far) - far + _HALF_LOG_2PI + _asymptotic_tail(far)
    return np.where(near, out, stirling)


def _asymptotic_tail(z):
    """sum over k of B_2k / (2k (2k - 1) z**(2k - 1)), Stirling's series' corrections."""
    inv2 = 1 / (z * z)
    total = np.zeros_like(z)
    for k in range(len(_BERNOULLI), 0, -1):
        total = total * inv2 + _BERNOULLI[k - 1] / (2 * k * (2 * k - 1))
    return total / z


def _sin_pi_abs(x):
    """|sin(pi x)|, exact at the integers (0): x reduced to [-1/2, 1/2] first."""
    return np.abs(np.sin(np.pi * (x - np.round(x))))


def lgamma_array(x):
    """log|Gamma(x)| on a numpy array; for x < 1/2 the reflection
    lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x). inf at 0, -1, -2, ... and at
    ±inf. Computed in float64 and returned in x's dtype."""
    x = np.asarray(x)
    v = x.astype(np.float64)
    reflect = v < 0.5
    z = np.where(reflect, 1 - v, v)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = _lgamma_from_half(np.where(np.isinf(z), 1.0, z))
        reflected = np.log(np.pi / _sin_pi_abs(v)) - out
        out = np.where(reflect, reflected, out)
    out = np.where(np.isinf(v), np.inf, out)
    return out.astype(x.dtype, copy=False)[()]


def _factorial(n):
    return float(np.prod(np.arange(1.0, n + 1)))


def _cot_derivative_polynomial(n):
    """P_n with d^n/dx^n cot(pi x) = pi**n P_n(cot(pi x)), lowest power first:
    P_0(c) = c, P_(k+1)(c) = -(1 + c**2) P_k'(c)."""
    P = np.array([0.0, 1.0])
    for _ in range(n):
        P = -np.polynomial.polynomial.polymul([1.0, 0.0, 1.0],
                                              np.polynomial.polynomial.polyder(P))
    return P


def _polygamma_positive(n, x):
    """psi^(n)(x), the n-th derivative of digamma, for x > 0 (float64): the recurrence
    psi^(n)(x) = psi^(n)(x + 1) - (-1)**n n! / x**(n+1) up to x >= 10 + n, then the
    asymptotic series in the Bernoulli numbers B_2 ... B_20."""
    start = 10.0 + n
    shift = np.zeros_like(x)
    z = x.copy()
    sign_n = -1.0 if n % 2 else 1.0
    fact_n = _factorial(n)
    while True:
        up = z < start
        if not up.any():
            break
        shift = np.where(up, shift - sign_n * fact_n * np.where(up, z, 1.0) ** -(n + 1.0),
                         shift)
        z = np.where(up, z + 1, z)
    inv = 1 / z
    if n == 0:
        series = np.log(z) - 0.5 * inv
        terms = [-b / (2 * k) for k, b in enumerate(_BERNOULLI, start=1)]
        power = 2
    else:   # (-1)**(n+1) [(n-1)!/z**n + n!/(2 z**(n+1)) + sum B_2k (2k+n-1)!/(2k)! / z**(2k+n)]
        sign = -sign_n
        series = sign * (_factorial(n - 1) * inv ** n + 0.5 * fact_n * inv ** (n + 1))
        terms = [sign * b * _factorial(2 * k + n - 1) / _factorial(2 * k)
                 for k, b in enumerate(_BERNOULLI, start=1)]
        power = n + 2
    inv2 = inv * inv
    total = np.zeros_like(z)
    for c in reversed(terms):
        total = total * inv2 + c
    return series + total * inv ** power + shift


def polygamma_array(n, x):
    """psi^(n)(x) on a numpy array (n = 0: digamma); for x < 0 the reflection
    psi^(n)(x) = (-1)**n psi^(n)(1 - x) - pi**(n+1) P_n(cot(pi x)). At the poles 0, -1,
    -2, ...: digamma is -inf at 0 and NaN at the others, polygamma inf (n odd) or -inf
    (n even), as PyTorch's. Computed in float64 and returned in x's dtype."""
    x = np.asarray(x)
    v = x.astype(np.float64)
    reflect = v < 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.where(reflect, 1 - v, v)
        finite = np.isfinite(z)
        out = _polygamma_positive(n, np.where(finite, z, 1.0))
        r = v - np.round(v)
        cot = np.cos(np.pi * r) / np.sin(np.pi * r)
        P = np.polynomial.polynomial.polyval(cot, _cot_derivative_polynomial(n))
        out = np.where(reflect, (-1.0) ** n * out - np.pi ** (n + 1) * P, out)
        if n == 0:
            out = np.where(v == 0, -np.inf, np.where((v < 0) & (r == 0), np.nan, out))
        else:   # psi^(n)(x) ~ (-1)**(n+1) n! / x**(n+1) near 0 from the right
            out = np.where((v <= 0) & (r == 0), np.inf if n % 2 else -np.inf, out)
        out = np.where(v == np.inf, np.inf if n == 0 else 0.0, out)
        out = np.where(v == -np.inf, np.nan, out)
    return out.astype(x.dtype, copy=False)[()]


def _polygamma_of(n, x):
    """psi^(n)(x) of a Value (the recorded path) or of an array."""
    return apply(Polygamma(n), x) if isinstance(x, Value) else polygamma_array(n, x)


class Lgamma(Op):
    """y = log|Gamma(x)|       dL/dx = g * psi,  psi = digamma(x)"""

    __slots__ = ()

    def forward(self, x):
        return lgamma_array(x)

    def backward(self, g, y, x):
        return (g * _polygamma_of(0, x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"psi": polygamma_array(0, x)})


class Polygamma(Op):
    """y = polygamma(n, x), the n-th derivative of digamma(x) = d/dx log Gamma(x)
    dL/dx = g * p,  p = polygamma(n + 1, x)"""

    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def forward(self, x):
        return polygamma_array(self.n, x)

    def backward(self, g, y, x):
        return (g * _polygamma_of(self.n + 1, x),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"p": polygamma_array(self.n + 1, x)})

    def formula(self, y, x):
        name = "digamma(x)" if self.n == 0 else f"polygamma({self.n}, x)"
        return f"y = {name}", f"dL/dx = g * p,  p = polygamma({self.n + 1}, x)"


def lgamma(x):
    """log|Gamma(x)|, the logarithm of the gamma function's magnitude (``torch.lgamma``,
    ``math.lgamma``, ``scipy.special.gammaln``); inf at 0, -1, -2, ...; its derivative is
    digamma(x). Relative error below 1e-14 against ``math.lgamma`` (absolute below 1e-15
    at the zeros 1 and 2).

    >>> round(float(lgamma(0.5)), 6)       # log(sqrt(pi))
    0.572365
    """
    return apply(Lgamma(), float_operand(x, Lgamma))


def digamma(x):
    """digamma(x) = d/dx log Gamma(x) (``torch.digamma``, ``scipy.special.psi``); -inf at
    0, NaN at -1, -2, ..., as PyTorch's; its derivative is polygamma(1, x).

    >>> round(float(digamma(1.0)), 6)      # minus Euler's constant
    -0.577216
    """
    return apply(Polygamma(0), float_operand(x, Polygamma))


def mvlgamma(x, p):
    """The multivariate log-gamma function of dimension p, elementwise
    (``torch.mvlgamma(x, p)``, ``torch.special.multigammaln``, ``scipy.special.multigammaln``):
    log Gamma_p(x) = p (p - 1) / 4 * log(pi) + sum_{i=0}^{p-1} lgamma(x - i / 2), defined for
    x > (p - 1) / 2. Its derivative is the same sum of digammas, by ``lgamma``'s.

    >>> round(float(mvlgamma(2.5, 2)), 4)
    0.857
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(f"mvlgamma: p must be a positive integer, got {p!r}")
    x = float_operand(x, Lgamma)
    if np.any(np.asarray(x.data) <= (p - 1) / 2):
        raise ValueError(f"mvlgamma: all elements must be greater than (p - 1) / 2 = "
                         f"{(p - 1) / 2}, as PyTorch requires")
    halves = np.arange(p, dtype=x.dtype) / 2
    terms = lgamma(x.reshape(x.shape + (1,)) - halves)
    return terms.sum(axis=-1) + x.dtype.type(p * (p - 1) / 4 * np.log(np.pi))


multigammaln = mvlgamma


def polygamma(n, x):
    """The n-th derivative of digamma, psi^(n)(x) (``torch.polygamma(n, x)``,
    ``scipy.special.polygamma``), for an integer n >= 0 (n = 0: digamma; n = 1: trigamma).
    Differentiable in x: its derivative is polygamma(n + 1, x)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return apply(Polygamma(int(n)), float_operand(x, Polygamma))


gammaln = lgamma
psi = digamma
