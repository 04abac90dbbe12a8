"""Elementwise functions of one array: exponentials and logarithms, powers, tanh, and the
step functions sign, floor, ceil and round.

``backward(g, y, x)`` receives the upstream gradient g = dL/dy, the output and the input;
where the derivative is simplest in terms of the output (exp, sqrt, tanh) it uses y.
The step functions are flat wherever they are defined: their gradient is 0 everywhere (as
PyTorch gives it, even at the jumps), so a graph through them stays connected but learns
nothing there.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply, apply1
from . import xp
from ._operands import float_operand, operand

__all__ = ["exp", "log", "sqrt", "cbrt", "square", "tanh", "log1p", "expm1", "log2", "log10",
           "exp2", "reciprocal", "rsqrt", "sign", "floor", "ceil", "round"]

LN2 = 0.6931471805599453    # log(2)
LN10 = 2.302585092994046    # log(10)


class Exp(Op):
    """y = exp(x)       dL/dx = g * y"""

    __slots__ = ()

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, y, x):
        return (g * y,)


def exp(x):
    """e**x elementwise."""
    return apply1(Exp, operand(x, Exp))


class Log(Op):
    """y = log(x)       dL/dx = g / x"""

    __slots__ = ()

    def forward(self, x):
        return np.log(x)

    def backward(self, g, y, x):
        return (g / x,)


def log(x):
    """Natural logarithm; log(0) is -inf with numpy's warning."""
    return apply1(Log, operand(x, Log))


class Sqrt(Op):
    """y = sqrt(x)      dL/dx = g / (2 * y)"""

    __slots__ = ()

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, y, x):
        return (g / (2 * y),)


def sqrt(x):
    """Square root elementwise."""
    return apply1(Sqrt, operand(x, Sqrt))


class Cbrt(Op):
    """y = x**(1/3), the real cube root     dL/dx = g / (3 * y**2)"""

    __slots__ = ()

    def forward(self, x):
        # numpy's own cube root: exact on cubes (27 -> 3.0), where sign(x) * |x|**(1/3)
        # depends on the machine's pow (2.9999999999999996 on one of ours).
        return np.cbrt(x)

    def backward(self, g, y, x):
        return (g / (3 * y * y),)


def cbrt(x):
    """The real cube root elementwise (numpy's ``cbrt``): negative for negative x. Its
    derivative is infinite at 0 (a vertical tangent), as JAX's is."""
    return apply1(Cbrt, operand(x, Cbrt))


class Square(Op):
    """y = x**2         dL/dx = 2 * g * x"""

    __slots__ = ()

    def forward(self, x):
        return x * x

    def backward(self, g, y, x):
        return (2 * g * x,)


def square(x):
    """x**2 elementwise."""
    return apply1(Square, operand(x, Square))


class Tanh(Op):
    """y = tanh(x)      dL/dx = g * (1 - y**2)"""

    __slots__ = ()

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, y, x):
        return (g * (1 - y * y),)


def tanh(x):
    """Hyperbolic tangent elementwise."""
    return apply1(Tanh, operand(x, Tanh))


class Log1p(Op):
    """y = log(1 + x)   dL/dx = g / (1 + x)"""

    __slots__ = ()

    def forward(self, x):
        return np.log1p(x)

    def backward(self, g, y, x):
        return (g / (1 + x),)


def log1p(x):
    """log(1 + x), accurate for tiny x (where 1 + x would round to 1)."""
    return apply1(Log1p, operand(x, Log1p))


class Expm1(Op):
    """y = exp(x) - 1   dL/dx = g * (y + 1)"""

    __slots__ = ()

    def forward(self, x):
        return np.expm1(x)

    def backward(self, g, y, x):
        return (g * (y + 1),)


def expm1(x):
    """exp(x) - 1, accurate for tiny x."""
    return apply1(Expm1, operand(x, Expm1))


class Log2(Op):
    """y = log2(x)      dL/dx = g / (x * log(2))"""

    __slots__ = ()

    def forward(self, x):
        return np.log2(x)

    def backward(self, g, y, x):
        return (g / (x * LN2),)


def log2(x):
    """Base-2 logarithm elementwise."""
    return apply1(Log2, operand(x, Log2))


class Log10(Op):
    """y = log10(x)     dL/dx = g / (x * log(10))"""

    __slots__ = ()

    def forward(self, x):
        return np.log10(x)

    def backward(self, g, y, x):
        return (g / (x * LN10),)


def log10(x):
    """Base-10 logarithm elementwise."""
    return apply1(Log10, operand(x, Log10))


class Exp2(Op):
    """y = 2**x         dL/dx = g * y * log(2)"""

    __slots__ = ()

    def forward(self, x):
        return np.exp2(x)

    def backward(self, g, y, x):
        return (g * y * LN2,)


def exp2(x):
    """2**x elementwise."""
    return apply1(Exp2, operand(x, Exp2))


class Reciprocal(Op):
    """y = 1 / x        dL/dx = -g * y**2"""

    __slots__ = ()

    def forward(self, x):
        return np.reciprocal(x)

    def backward(self, g, y, x):
        return (-g * (y * y),)


def reciprocal(x):
    """1 / x elementwise (1/0 is inf, with numpy's warning)."""
    return apply1(Reciprocal, float_operand(x, Reciprocal))


class Rsqrt(Op):
    """y = 1 / sqrt(x)  dL/dx = -g * y**3 / 2"""

    __slots__ = ()

    def forward(self, x):
        return np.reciprocal(np.sqrt(x))

    def backward(self, g, y, x):
        return (-0.5 * g * (y * y * y),)


def rsqrt(x):
    """1 / sqrt(x) elementwise (``tf.math.rsqrt``, ``torch.rsqrt``)."""
    return apply1(Rsqrt, operand(x, Rsqrt))


class Sign(Op):
    """y = sign(x)      dL/dx = 0"""

    __slots__ = ()

    def forward(self, x):
        return np.sign(x)

    def backward(self, g, y, x):
        return (xp.zeros_like(x),)


def sign(x):
    """-1, 0 or 1 by the sign of x (NaN stays NaN); the gradient is 0."""
    return apply1(Sign, operand(x, Sign))


class Floor(Op):
    """y = floor(x)     dL/dx = 0"""

    __slots__ = ()

    def forward(self, x):
        return np.floor(x)

    def backward(self, g, y, x):
        return (xp.zeros_like(x),)


def floor(x):
    """The largest integer <= x, as a float; the gradient is 0."""
    return apply1(Floor, operand(x, Floor))


class Ceil(Op):
    """y = ceil(x)      dL/dx = 0"""

    __slots__ = ()

    def forward(self, x):
        return np.ceil(x)

    def backward(self, g, y, x):
        return (xp.zeros_like(x),)


def ceil(x):
    """The smallest integer >= x, as a float; the gradient is 0."""
    return apply1(Ceil, operand(x, Ceil))


class Round(Op):
    """y = round(x, decimals)    dL/dx = 0"""

    __slots__ = ("decimals",)

    def __init__(self, decimals=0):
        self.decimals = decimals

    def forward(self, x):
        return np.round(x, self.decimals)

    def backward(self, g, y, x):
        return (xp.zeros_like(x),)

    def formula(self, y, x):
        return f"y = round(x, {self.decimals})", "dL/dx = 0"


def round(x, decimals=0):  # noqa: A001 - numpy's, TensorFlow's and PyTorch's name
    """x rounded to ``decimals`` decimal places, halves to even as numpy, PyTorch and
    TensorFlow round (0.5 -> 0, 1.5 -> 2); the gradient is 0.

    >>> round([0.5, 1.5, 2.675], decimals=0).numpy()
    array([0., 2., 3.], dtype=float32)
    """
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an integer, got {decimals!r}")
    return apply(Round(int(decimals)), operand(x, Round))
