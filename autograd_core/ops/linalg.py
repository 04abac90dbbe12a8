"""Linear algebra: the matrix product, and the dense layer's affine map x @ W + b."""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply
from . import xp
from ._operands import operand, pair

__all__ = ["matmul", "linear"]


class MatMul(Op):
    """y = a @ b        dL/da = g @ b^T,  dL/db = a^T @ g   (numpy's 1-D and batched rules)"""

    __slots__ = ()

    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, g, y, a, b):
        return _matmul_grads(a, b, g, *self.needs_grad)


def _matmul_grads(a, b, g, need_a, need_b):
    """dL/da = g @ b^T and dL/db = a^T @ g for y = a @ b, each None when not needed."""
    if a.ndim == 2 and b.ndim == 2:  # matrices, the common case: the formulas as they read
        return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
    if a.ndim == 1 and b.ndim == 1:  # the dot product
        return (g * b if need_a else None), (g * a if need_b else None)
    # numpy promotes a 1-D operand to a row (a) or column (b) matrix and drops that axis
    # from the result; do the same to g, then drop it from the gradient.
    if a.ndim == 1:
        g = xp.expand_dims(g, -2)
    if b.ndim == 1:
        g = xp.expand_dims(g, -1)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    grad_a = grad_b = None
    if need_a:
        grad_a = g @ b2.swapaxes(-1, -2)
        grad_a = grad_a[..., 0, :] if a.ndim == 1 else grad_a
    if need_b:
        grad_b = a2.swapaxes(-1, -2) @ g
        grad_b = grad_b[..., 0] if b.ndim == 1 else grad_b
    return grad_a, grad_b


def matmul(a, b):
    """Matrix product with numpy's rules: 2-D, batched N-D, and 1-D operands.

    Args:
        a: (..., n, k) or (k,).  b: (..., k, m) or (k,).
    Returns:
        (..., n, m), with the axis of a 1-D operand dropped.
    """
    a, b = pair(a, b, MatMul)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least one dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    # numpy's own messages speak of gufunc signatures; say which axes disagree instead.
    k_a, k_b = a.shape[-1], b.shape[-2 if b.ndim > 1 else 0]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} @ {b.shape} do not match: the last axis "
                         f"of a has {k_a} elements, the contracted axis of b has {k_b}")
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: shapes {a.shape} @ {b.shape} do not match: the batch "
                             f"axes {a.shape[:-2]} and {b.shape[:-2]} do not broadcast") from None
    return apply(MatMul(), a, b)


class Linear(Op):
    """y = x @ W + b    dL/dx = g @ W^T,  dL/dW = x^T @ g,  dL/db = g   (a dense layer)

    MatMul then Add, fused so the bias is added into the fresh product in place: one
    (batch, units) array less per step than ``x @ W + b``. The gradients are MatMul's.
    """

    __slots__ = ()

    def forward(self, x, W, b):
        y = np.matmul(x, W)
        if b.dtype == y.dtype:
            try:
                y += b  # in place is x @ W + b exactly when b fits y's shape and dtype
                return y
            except ValueError:  # b would enlarge y: broadcast to a new array instead
                pass
        return y + b

    def backward(self, g, y, x, W, b):
        need_x, need_W, need_b = self.needs_grad
        grad_x, grad_W = _matmul_grads(x, W, g, need_x, need_W)
        return grad_x, grad_W, (g if need_b else None)


def linear(x, W, b=None):
    """x @ W + b, the dense layer's affine map, in one op (``torch.nn.functional.linear``
    with W transposed, TensorFlow's ``xw_plus_b``).

    Args:
        x: (..., n_in) inputs.  W: (n_in, units).  b: (units,) or None.
    Returns:
        (..., units).
    """
    if b is None:
        return matmul(x, W)
    x, W = pair(x, W, Linear)
    x_shape, W_shape = x.data.shape, W.data.shape
    if not x_shape or not W_shape:
        raise ValueError(f"linear: operands must have at least one dimension, got shapes "
                         f"{x_shape} and {W_shape}")
    k_W = W_shape[-2 if len(W_shape) > 1 else 0]
    if x_shape[-1] != k_W:
        raise ValueError(f"linear: shapes {x_shape} @ {W_shape} do not match: the last axis "
                         f"of x has {x_shape[-1]} elements, the first axis of W has {k_W}")
    if not isinstance(b, Value):
        b = operand(b, Linear, like=x)
    return apply(Linear(), x, W, b)
