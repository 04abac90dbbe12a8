"""The ops as ``Value`` operators and methods: ``a + b``, ``x @ W``, ``x.sum(axis=0)``,
``x.reshape(3, 4)``, ``x.T``, with numpy's and PyTorch's names and signatures.

Where numpy and PyTorch give one method name two meanings, numpy's wins:
``x.transpose(2, 0, 1)`` permutes the axes (PyTorch's ``transpose(dim0, dim1)`` is
``x.swapaxes``), ``x.repeat(2)`` repeats each element (PyTorch's ``Tensor.repeat`` is
``x.tile``). ``x.gather(dim, index)`` is PyTorch's (numpy has no such method; TensorFlow's
``tf.gather`` is the function ``gather``).

Arrays and Values sharing these methods is what lets one backward formula serve both paths.
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, _data, apply, is_grad_enabled
from . import activations, arithmetic, elementwise, linalg, nn, reductions, shape, special, trig
from . import cumulative, indexing, inverse, joining, norms, statistics
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
Value.__getitem__ = indexing.getitem


def _in_place(name, op, np_fn):
    """``v -= x`` as PyTorch does it: in place under ``no_grad`` (a parameter update),
    never silently on data a recorded graph depends on.

    With recording on, a leaf that requires grad refuses (update it under ``no_grad`` or
    with ``assign_sub``), a recorded result gets a new Value (the graph keeps the old one),
    and a constant changes in place, marked so that a backward through ops that read it
    before refuses to run.
    """
    def method(self, other):
        if is_grad_enabled():
            if self.requires_grad and self.op is None:
                raise RuntimeError(
                    f"{name}: {self.name or 'a Value'} of shape {self.shape} requires grad, so "
                    f"it cannot be changed in place while the graph is recorded: update it "
                    f"inside `with ag.no_grad():`, or with assign_sub/assign_add, as in PyTorch")
            if self.requires_grad:
                return op(self, other)
        other = _data(other)
        new = np_fn(self.data, other)
        if np.shape(new) != self.shape:
            raise ValueError(f"{name}: the result has shape {np.shape(new)}, not the Value's "
                             f"shape {self.shape}")
        if isinstance(self.data, np.ndarray):
            np.copyto(self.data, new, casting="same_kind")
        else:
            self.data = self.dtype.type(new)
        self.mark_changed()
        return self
    return method


Value.__iadd__ = _in_place("+=", arithmetic.add, np.add)
Value.__isub__ = _in_place("-=", arithmetic.subtract, np.subtract)
Value.__imul__ = _in_place("*=", arithmetic.multiply, np.multiply)
Value.__itruediv__ = _in_place("/=", arithmetic.divide, np.true_divide)


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d Value")
    return (self[i] for i in range(len(self)))


Value.__iter__ = _iter

for _module, _names in (
        (elementwise, ("exp", "log", "sqrt", "square", "tanh")),
        (elementwise, ("log1p", "expm1", "log2", "log10", "exp2", "reciprocal", "rsqrt",
                       "sign", "floor", "ceil", "round")),
        (trig, tuple(trig.__all__)),
        (special, ("erf",)),
        (arithmetic, ("abs", "clip")),
        (activations, ("sigmoid", "relu", "leaky_relu")),
        (reductions, ("sum", "mean", "max", "min", "logsumexp")),
        (nn, ("softmax", "log_softmax")),
        (shape, ("reshape", "transpose", "swapaxes", "flatten", "ravel", "squeeze",
                 "expand_dims", "unsqueeze", "permute", "swapdims", "moveaxis", "movedim",
                 "broadcast_to", "expand", "flip", "roll")),
        (joining, ("tile", "repeat", "repeat_interleave", "chunk", "unbind")),
        (indexing, ("take", "take_along_dim", "index_select", "scatter_add", "index_add")),
        (reductions, ("prod",)),
        (statistics, ("var", "std")),
        (cumulative, ("cumsum", "cumprod")),
        (norms, ("norm",)),  # torch's Tensor.norm: no axis is the norm of all entries
        (linalg, ("trace", "diagonal", "diag", "outer")),
        (inverse, ("det",))):
    for _name in _names:
        setattr(Value, _name, getattr(_module, _name))
Value.astype = arithmetic.cast
Value.pow = arithmetic.power
Value.inverse = inverse.inv  # torch's name
# PyTorch's methods that numpy lacks: view is reshape, gather is torch.gather.
Value.view = shape.reshape
Value.gather = indexing.torch_gather
Value.T = property(shape.transpose)
