"""The ops as ``Value`` operators and methods: ``a + b``, ``x @ W``, ``x.sum(axis=0)``,
``x.reshape(3, 4)``, ``x.T``, with numpy's and PyTorch's names and signatures.

Arrays and Values sharing these methods is what lets one backward formula serve both paths.
"""

from __future__ import annotations

from ..engine import Value, apply
from . import activations, arithmetic, elementwise, linalg, nn, reductions, shape
from . import cumulative, inverse, norms, statistics
from ._operands import operand
from .arithmetic import Add, Div, Mul, Pow, Sub


def _reflected(op_cls):
    def method(self, other):
        return apply(op_cls(), operand(other, op_cls, like=self), self)
    return method


def _binary(op_cls):
    def method(self, other):
        if not isinstance(other, Value):
            other = operand(other, op_cls, like=self)
        return apply(op_cls(), self, other)
    return method


Value.__add__ = _binary(Add)
Value.__radd__ = _reflected(Add)
Value.__sub__ = _binary(Sub)
Value.__rsub__ = _reflected(Sub)
Value.__mul__ = _binary(Mul)
Value.__rmul__ = _reflected(Mul)
Value.__truediv__ = _binary(Div)
Value.__rtruediv__ = _reflected(Div)
Value.__pow__ = _binary(Pow)
Value.__rpow__ = _reflected(Pow)
Value.__matmul__ = lambda self, other: linalg.matmul(self, other)
Value.__rmatmul__ = lambda self, other: linalg.matmul(other, self)
Value.__neg__ = arithmetic.negative
Value.__pos__ = lambda self: self
Value.__abs__ = arithmetic.abs
Value.__getitem__ = shape.getitem


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d Value")
    return (self[i] for i in range(len(self)))


Value.__iter__ = _iter

for _module, _names in (
        (elementwise, ("exp", "log", "sqrt", "square", "tanh")),
        (arithmetic, ("abs", "clip")),
        (activations, ("sigmoid", "relu", "leaky_relu")),
        (reductions, ("sum", "mean", "max", "min", "logsumexp")),
        (nn, ("softmax", "log_softmax")),
        (shape, ("reshape", "transpose", "swapaxes")),
        (reductions, ("prod",)),
        (statistics, ("var", "std")),
        (cumulative, ("cumsum", "cumprod")),
        (norms, ("norm",)),  # torch's Tensor.norm: no axis is the norm of all entries
        (linalg, ("trace", "diagonal", "diag", "outer")),
        (inverse, ("det",))):
    for _name in _names:
        setattr(Value, _name, getattr(_module, _name))
Value.astype = arithmetic.cast
Value.inverse = inverse.inv  # torch's name
Value.T = property(shape.transpose)
