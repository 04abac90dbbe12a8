"""More of numpy's and PyTorch's elementwise functions: angles (deg2rad, rad2deg), rounding
(trunc, fix, frac, around), signs (copysign, sgn, fabs, positive), the NaN-ignoring
fmax and fmin, logaddexp2, sinc, logit; and the tests signbit, isneginf, isposinf,
isin, boolean constants with no gradient.

Nothing here is a new op: ``sinc`` is a sine over a product, ``trunc`` a ``where`` between
floor and ceil, so every function's first and second derivatives are those of the ops it
is written with. Where the composition alone would give another gradient than numpy's or
PyTorch's convention at an edge point, a ``where`` chooses the branch first, so the other
branch never reaches the arithmetic: ``sinc`` takes its Taylor series at 0, ``fmax``
sends the gradient of a tie to its first input, as PyTorch does.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import Value, _data, apply
from . import arithmetic, elementwise, nondiff, trig
from ._composing import _broadcast, _full, _number, _unsupported, _value, _values
from ._operands import as_constant

__all__ = [
    "deg2rad", "rad2deg", "radians", "degrees", "trunc", "fix", "frac", "copysign", "fmax",
    "fmin", "sgn", "fabs", "positive", "logaddexp2", "sinc", "logit", "around",
    # tests (no gradient)
    "signbit", "isneginf", "isposinf", "isin",
]


def deg2rad(x):
    """y = x * pi / 180: degrees to radians (numpy's and PyTorch's ``deg2rad``)."""
    return _value(x, "deg2rad") * (math.pi / 180)


def rad2deg(x):
    """y = x * 180 / pi: radians to degrees (numpy's and PyTorch's ``rad2deg``)."""
    return _value(x, "rad2deg") * (180 / math.pi)


radians, degrees = deg2rad, rad2deg  # numpy's other names


def trunc(x):
    """y = floor(x) for x >= 0, ceil(x) below: rounded toward 0; the gradient is 0
    (``np.trunc``, ``torch.trunc``, ``fix``)."""
    x = _value(x, "trunc")
    return arithmetic.where(np.asarray(x.data >= 0), elementwise.floor(x),
                            elementwise.ceil(x))


fix = trunc  # numpy's and PyTorch's other name


def frac(x):
    """y = x - trunc(x), the fractional part with x's sign (PyTorch's ``frac``); dy/dx = 1."""
    x = _value(x, "frac")
    return x - trunc(x)


def copysign(a, b):
    """y = |a| with the sign of b (b's sign bit, so -0.0 counts as negative); dL/da =
    g * sign(a) * (+-1), 0 at a = 0 as PyTorch's; b gets no gradient."""
    a = _value(a, "copysign", like=b if isinstance(b, Value) else None)
    _broadcast("copysign", a=a, b=b)
    size = arithmetic.abs(a)
    return arithmetic.where(np.asarray(np.signbit(_data(b))), -size, size)


def fmax(a, b):
    """The elementwise maximum ignoring NaN: a NaN loses to a number (numpy's and
    PyTorch's ``fmax``). y = a where a >= b or b is NaN, else b; the gradient follows
    that choice, a tie's to a, as PyTorch's (``maximum`` splits a tie)."""
    a, b = _values("fmax", a, b)
    _broadcast("fmax", a=a, b=b)
    return arithmetic.where(np.asarray((a.data >= b.data) | np.isnan(b.data)), a, b)


def fmin(a, b):
    """The elementwise minimum ignoring NaN (``np.fmin``, ``torch.fmin``): y = a where
    a <= b or b is NaN, else b; a tie's gradient goes to a, as PyTorch's."""
    a, b = _values("fmin", a, b)
    _broadcast("fmin", a=a, b=b)
    return arithmetic.where(np.asarray((a.data <= b.data) | np.isnan(b.data)), a, b)


def sgn(x):
    """PyTorch's ``sgn``: for real numbers ``sign(x)``, -1, 0 or 1; the gradient is 0."""
    return elementwise.sign(_value(x, "sgn"))


def fabs(x):
    """numpy's ``fabs``: |x|, ``abs``."""
    return arithmetic.abs(_value(x, "fabs"))


def positive(x):
    """y = x: PyTorch's ``positive`` returns x itself (numpy's ``positive``, ``+x``)."""
    return _value(x, "positive")


def logaddexp2(a, b):
    """y = log2(2**a + 2**b) without overflow: logaddexp(a ln 2, b ln 2) / ln 2 (numpy's
    and PyTorch's ``logaddexp2``); dL/da = g * sigmoid((a - b) ln 2)."""
    a, b = _values("logaddexp2", a, b)
    _broadcast("logaddexp2", a=a, b=b)
    return arithmetic.logaddexp(a * elementwise.LN2, b * elementwise.LN2) / elementwise.LN2


def sinc(x):
    """y = sin(pi x) / (pi x), the normalized sinc, 1 at x = 0 (numpy's and PyTorch's).

    At 0 it is its Taylor series 1 - (pi x)**2 / 6, so the first derivative there is 0
    (PyTorch's) and the second -pi**2 / 3 (PyTorch's double backward gives NaN there).
    """
    x = _value(x, "sinc")
    at_0 = np.asarray(x.data == 0)
    pi_x = math.pi * arithmetic.where(at_0, _full(x, 1), x)  # never 0 / 0
    series = 1 - elementwise.square(math.pi * x) / 6
    return arithmetic.where(at_0, series, trig.sin(pi_x) / pi_x)


def logit(x, eps=None):
    """y = log(x / (1 - x)), the inverse of the sigmoid (PyTorch's ``logit``); with ``eps``,
    x is clamped to [eps, 1 - eps] first, and the gradient is 0 outside, as PyTorch's.
    dy/dx = 1 / (x (1 - x))."""
    x = _value(x, "logit")
    if eps is not None:
        eps = _number(eps, "logit", "eps")
        x = arithmetic.clip(x, eps, 1 - eps)
    return elementwise.log(x / (1 - x))


around = elementwise.round  # numpy's name: the same decimals and halves to even


# --- tests (no gradient) ---------------------------------------------------------------

signbit = nondiff.constant_function(
    np.signbit, "signbit", "Elementwise: is x's sign bit set (x < 0, -0.0 and negative "
    "NaN), a boolean constant (``np.signbit``, ``torch.signbit``).")
isneginf = nondiff.constant_function(
    np.isneginf, "isneginf", "Elementwise x == -inf, a boolean constant.")
isposinf = nondiff.constant_function(
    np.isposinf, "isposinf", "Elementwise x == +inf, a boolean constant.")


def isin(elements, test_elements, assume_unique=False, invert=False):
    """Elementwise: is each element in ``test_elements`` (``np.isin``, ``torch.isin``;
    ``invert`` asks the opposite). A boolean constant of ``elements``' shape."""
    def fn(a, b):
        return np.asarray(np.isin(a, b, assume_unique=assume_unique, invert=invert))
    return apply(nondiff.NonDifferentiable(fn, "isin"), as_constant(elements, "isin"),
                 as_constant(test_elements, "isin"))


# --- numpy's signatures ----------------------------------------------------------------


def _np_fix(x, out=None):
    _unsupported("fix", dict(out=out), out=None)
    return fix(x)


def _np_on_data(fn):
    """A numpy test (isneginf, isin) on the data: its result has no gradient."""
    def call(*args, **kwargs):
        return fn(*[_data(a) for a in args], **{k: _data(v) for k, v in kwargs.items()})
    return call


# --- the tables ----------------------------------------------------------------------

# PyTorch's Tensor methods that Value lacks.
METHODS = {name: globals()[name] for name in (
    "logit", "sinc", "deg2rad", "rad2deg", "trunc", "fix", "frac", "copysign", "fmax",
    "fmin", "sgn", "signbit", "isneginf", "isposinf", "positive", "logaddexp2")}

NUMPY_FUNCTIONS = {
    np.sinc: sinc,
    np.fix: _np_fix,
    np.isneginf: _np_on_data(np.isneginf),
    np.isposinf: _np_on_data(np.isposinf),
    np.isin: _np_on_data(np.isin),
}

NUMPY_UFUNCS = {
    np.fmax: fmax, np.fmin: fmin, np.copysign: copysign, np.fabs: fabs,
    np.cbrt: elementwise.cbrt, np.logaddexp2: logaddexp2, np.deg2rad: deg2rad, np.rad2deg: rad2deg,
    np.radians: radians, np.degrees: degrees, np.trunc: trunc,
}
