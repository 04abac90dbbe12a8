"""Activation functions: sigmoid, ReLU and leaky ReLU.

``backward(g, y, x)`` receives the upstream gradient g = dL/dy, the output and the input.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply
from . import xp
from ._operands import operand

__all__ = ["sigmoid", "relu", "leaky_relu"]


def sigmoid_array(x):
    """1 / (1 + exp(-x)) as exp(-|x|) allows: it never overflows, so sigmoid(±1000) is
    exactly 1 or 0, without warnings."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


class Sigmoid(Op):
    """y = 1 / (1 + exp(-x))      dL/dx = g * y * (1 - y)"""

    __slots__ = ()

    def forward(self, x):
        return sigmoid_array(x)

    def backward(self, g, y, x):
        return (g * y * (1 - y),)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for any x."""
    return apply(Sigmoid(), operand(x, Sigmoid))


class Relu(Op):
    """y = max(x, 0)    dL/dx = g where x > 0, else 0"""

    __slots__ = ()

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, y, x):
        return (g * (y > 0),)  # y > 0 exactly where x > 0, and y is at hand


def relu(x):
    """max(x, 0) elementwise."""
    return apply(Relu(), operand(x, Relu))


class LeakyRelu(Op):
    """y = x if x > 0 else alpha x      dL/dx = g if x > 0 else alpha g"""

    __slots__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        return np.maximum(x, 0) + self.alpha * np.minimum(x, 0)  # keeps x's dtype

    def backward(self, g, y, x):
        return (xp.where(x > 0, g, g * self.alpha),)


def leaky_relu(x, alpha=0.2):
    """x for x > 0, alpha * x otherwise (TensorFlow's default alpha is 0.2)."""
    return apply(LeakyRelu(alpha), operand(x, LeakyRelu))
