"""Trigonometric and hyperbolic functions and their inverses, elementwise.

``backward(g, y, x)`` receives the upstream gradient g = dL/dy, the output and the input.
Outside an inverse's domain (arcsin of 2, arccosh of 0.5) the output and the gradient are
NaN, and at its edges (arcsin at ±1, arctanh at ±1) the gradient is infinite, as in numpy
and PyTorch. numpy's names come first, then PyTorch's and TensorFlow's (``asin``,
``atan2``, ...) as aliases.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply1, apply2
from . import xp
from ._operands import operand, pair

__all__ = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh",
           "arcsinh", "arccosh", "arctanh",
           "asin", "acos", "atan", "atan2", "asinh", "acosh", "atanh"]


class Sin(Op):
    """y = sin(x)       dL/dx = g * cos(x)"""

    __slots__ = ()

    def forward(self, x):
        return np.sin(x)

    def backward(self, g, y, x):
        return (g * xp.cos(x),)


def sin(x):
    """Sine elementwise (radians)."""
    return apply1(Sin, operand(x, Sin))


class Cos(Op):
    """y = cos(x)       dL/dx = -g * sin(x)"""

    __slots__ = ()

    def forward(self, x):
        return np.cos(x)

    def backward(self, g, y, x):
        return (-g * xp.sin(x),)


def cos(x):
    """Cosine elementwise (radians)."""
    return apply1(Cos, operand(x, Cos))


class Tan(Op):
    """y = tan(x)       dL/dx = g * (1 + y**2)"""

    __slots__ = ()

    def forward(self, x):
        return np.tan(x)

    def backward(self, g, y, x):
        return (g * (1 + y * y),)


def tan(x):
    """Tangent elementwise (radians)."""
    return apply1(Tan, operand(x, Tan))


class Arcsin(Op):
    """y = arcsin(x)    dL/dx = g / sqrt(1 - x**2)"""

    __slots__ = ()

    def forward(self, x):
        return np.arcsin(x)

    def backward(self, g, y, x):
        return (g / xp.sqrt(1 - x * x),)


def arcsin(x):
    """Inverse sine, in [-pi/2, pi/2], for x in [-1, 1] (NaN outside)."""
    return apply1(Arcsin, operand(x, Arcsin))


class Arccos(Op):
    """y = arccos(x)    dL/dx = -g / sqrt(1 - x**2)"""

    __slots__ = ()

    def forward(self, x):
        return np.arccos(x)

    def backward(self, g, y, x):
        return (-g / xp.sqrt(1 - x * x),)


def arccos(x):
    """Inverse cosine, in [0, pi], for x in [-1, 1] (NaN outside)."""
    return apply1(Arccos, operand(x, Arccos))


class Arctan(Op):
    """y = arctan(x)    dL/dx = g / (1 + x**2)"""

    __slots__ = ()

    def forward(self, x):
        return np.arctan(x)

    def backward(self, g, y, x):
        return (g / (1 + x * x),)


def arctan(x):
    """Inverse tangent, in (-pi/2, pi/2)."""
    return apply1(Arctan, operand(x, Arctan))


class Arctan2(Op):
    """y = arctan2(a, b)    dL/da = g * b / (a**2 + b**2),  dL/db = -g * a / (a**2 + b**2)

    The angle of the point (b, a): numpy's arctan2(x1, x2), TensorFlow's atan2(y, x). At
    the origin, where the angle has no derivative, both gradients are 0, as in PyTorch.
    """

    __slots__ = ()

    def forward(self, a, b):
        return np.arctan2(a, b)

    def backward(self, g, y, a, b):
        need_a, need_b = self.needs_grad
        r2 = a * a + b * b
        r2 = xp.where(xp.equal(r2, 0), 1, r2)  # at the origin: g * 0 / 1 = 0, not 0 / 0
        return (g * b / r2 if need_a else None), (-g * a / r2 if need_b else None)


def arctan2(a, b):
    """The angle of the point (b, a) in (-pi, pi], elementwise, broadcasting as numpy.

    >>> float(arctan2(1.0, -1.0))   # 3 pi / 4
    2.356194496154785
    """
    return apply2(Arctan2, *pair(a, b, Arctan2))


class Sinh(Op):
    """y = sinh(x)      dL/dx = g * cosh(x)"""

    __slots__ = ()

    def forward(self, x):
        return np.sinh(x)

    def backward(self, g, y, x):
        return (g * xp.cosh(x),)


def sinh(x):
    """Hyperbolic sine elementwise."""
    return apply1(Sinh, operand(x, Sinh))


class Cosh(Op):
    """y = cosh(x)      dL/dx = g * sinh(x)"""

    __slots__ = ()

    def forward(self, x):
        return np.cosh(x)

    def backward(self, g, y, x):
        return (g * xp.sinh(x),)


def cosh(x):
    """Hyperbolic cosine elementwise."""
    return apply1(Cosh, operand(x, Cosh))


class Arcsinh(Op):
    """y = arcsinh(x)   dL/dx = g / sqrt(x**2 + 1)"""

    __slots__ = ()

    def forward(self, x):
        return np.arcsinh(x)

    def backward(self, g, y, x):
        return (g / xp.sqrt(x * x + 1),)


def arcsinh(x):
    """Inverse hyperbolic sine elementwise."""
    return apply1(Arcsinh, operand(x, Arcsinh))


class Arccosh(Op):
    """y = arccosh(x)   dL/dx = g / sqrt(x**2 - 1)"""

    __slots__ = ()

    def forward(self, x):
        return np.arccosh(x)

    def backward(self, g, y, x):
        return (g / xp.sqrt(x * x - 1),)


def arccosh(x):
    """Inverse hyperbolic cosine, for x >= 1 (NaN below)."""
    return apply1(Arccosh, operand(x, Arccosh))


class Arctanh(Op):
    """y = arctanh(x)   dL/dx = g / (1 - x**2)"""

    __slots__ = ()

    def forward(self, x):
        return np.arctanh(x)

    def backward(self, g, y, x):
        return (g / (1 - x * x),)


def arctanh(x):
    """Inverse hyperbolic tangent, for x in (-1, 1) (±inf at ±1, NaN outside)."""
    return apply1(Arctanh, operand(x, Arctanh))


# PyTorch's, TensorFlow's (tf.math) and numpy 2's shorter names.
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh
