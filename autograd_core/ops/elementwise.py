"""Elementwise functions of one array: exp, log, square root, square, tanh.

``backward(g, y, x)`` receives the upstream gradient g = dL/dy, the output and the input;
where the derivative is simplest in terms of the output (exp, sqrt, tanh) it uses y.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply
from ._operands import operand

__all__ = ["exp", "log", "sqrt", "square", "tanh"]


class Exp(Op):
    """y = exp(x)       dL/dx = g * y"""

    __slots__ = ()

    def forward(self, x):
        return np.exp(x)

    def backward(self, g, y, x):
        return (g * y,)


def exp(x):
    """e**x elementwise."""
    return apply(Exp(), operand(x, Exp))


class Log(Op):
    """y = log(x)       dL/dx = g / x"""

    __slots__ = ()

    def forward(self, x):
        return np.log(x)

    def backward(self, g, y, x):
        return (g / x,)


def log(x):
    """Natural logarithm; log(0) is -inf with numpy's warning."""
    return apply(Log(), operand(x, Log))


class Sqrt(Op):
    """y = sqrt(x)      dL/dx = g / (2 y)"""

    __slots__ = ()

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g, y, x):
        return (g / (2 * y),)


def sqrt(x):
    """Square root elementwise."""
    return apply(Sqrt(), operand(x, Sqrt))


class Square(Op):
    """y = x**2         dL/dx = 2 g x"""

    __slots__ = ()

    def forward(self, x):
        return x * x

    def backward(self, g, y, x):
        return (2 * g * x,)


def square(x):
    """x**2 elementwise."""
    return apply(Square(), operand(x, Square))


class Tanh(Op):
    """y = tanh(x)      dL/dx = g * (1 - y**2)"""

    __slots__ = ()

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g, y, x):
        return (g * (1 - y * y),)


def tanh(x):
    """Hyperbolic tangent elementwise."""
    return apply(Tanh(), operand(x, Tanh))
