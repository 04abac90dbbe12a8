"""The inverse of a square matrix, its determinant, and solving A X = B, batched over
leading axes as numpy's ``linalg`` is. The public names live in ``autograd_core.linalg``
(``ag.linalg.inv``, ``ag.linalg.det``, ``ag.linalg.solve``).

All three derivatives come from d(A^-1) = -A^-1 dA A^-1. The determinant's gradient is
the cofactor matrix, det(A) A^-T where A is invertible; at a singular A it is computed from
the minors instead, which stays right (PyTorch also gives the cofactors there).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..engine import Op, Value, apply, constant
from ..labels import docstring_formula
from . import xp
from .decompositions import svd
from ._operands import operand, pair

__all__ = []  # under autograd_core.linalg, as numpy and PyTorch name them


def _square(A, op_name):
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{op_name}: expected square matrices (..., n, n), got shape "
                         f"{A.shape}")


class Inv(Op):
    """y = A^-1        dL/dA = -y^T g y^T"""

    __slots__ = ()

    def forward(self, A):
        return np.linalg.inv(A)

    def backward(self, g, y, A):
        y_T = y.swapaxes(-1, -2)
        return (-(y_T @ g @ y_T),)


def inv(A):
    """The inverse of a square matrix, or of each in a batch (..., n, n). A singular matrix
    raises numpy's LinAlgError."""
    A = operand(A, Inv)
    _square(A, "linalg.inv")
    return apply(Inv(), A)


class Det(Op):
    """y = det(A)      dL/dA = g * y * A^-T   (the cofactors of A)"""

    __slots__ = ()

    def forward(self, A):
        return np.linalg.det(A)

    def backward(self, g, y, A):
        g = xp.expand_dims(g, (-2, -1))
        if xp.equal(y, 0).any():  # singular: A^-T does not exist, the cofactors do
            return (g * _cofactors(A),)
        return (g * xp.expand_dims(y, (-2, -1)) * xp.inv(A).swapaxes(-1, -2),)

    def formula(self, y, A):
        if np.any(np.asarray(y) == 0):
            return ("y = det(A)", "dL/dA = g * C   (C: the cofactors of A, which is singular)")
        return docstring_formula(Det)


def _cofactors(A):
    """C[i, j] = (-1)**(i+j) det(A without row i and column j), for each matrix: the
    gradient of det(A) at any A. n**2 determinants of size n - 1, so O(n**5): only used where
    det(A) = 0. Differentiable again (the minors' determinants are Det ops)."""
    n = A.shape[-1]
    keep = np.array([[k for k in range(n) if k != i] for i in range(n)], dtype=np.intp)
    keep = keep.reshape(n, n - 1)  # row i: every index but i
    minors = A[..., keep[:, None, :, None], keep[None, :, None, :]]  # (..., n, n, n-1, n-1)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return xp.det(minors) * signs.astype(A.dtype)


def det(A):
    """The determinant of a square matrix, or of each in a batch (..., n, n)."""
    A = operand(A, Det)
    _square(A, "linalg.det")
    return apply(Det(), A)


def solve_array(A, B):
    """X = A^-1 B for numpy arrays: B is a vector (n,) or matrices (..., n, k), and the
    batch axes broadcast (numpy 2's rule, made the same under numpy 1)."""
    if B.ndim == 1:
        return solve_array(A, B[:, None])[..., 0]
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return np.linalg.solve(np.broadcast_to(A, batch + A.shape[-2:]),
                           np.broadcast_to(B, batch + B.shape[-2:]))


class Solve(Op):
    """y = A^-1 B, the X of A X = B      dL/dB = A^-T g,  dL/dA = -(A^-T g) y^T"""

    __slots__ = ()

    def forward(self, A, B):
        return solve_array(A, B)

    def backward(self, g, y, A, B):
        need_A, need_B = self.needs_grad
        vector = B.ndim == 1
        if vector:  # a vector right-hand side is one column
            g, y = g[..., None], y[..., None]
        grad_B = xp.solve(A.swapaxes(-1, -2), g)
        grad_A = -(grad_B @ y.swapaxes(-1, -2)) if need_A else None
        if vector:
            grad_B = grad_B[..., 0]
        return grad_A, (grad_B if need_B else None)


def solve(A, B):
    """The solution X of A X = B (``np.linalg.solve``, ``torch.linalg.solve``).

    Args:
        A: (..., n, n) square matrices.
        B: (n,) a vector, or (..., n, k) matrices; batch axes broadcast with A's. As in
            numpy 2, only a 1-D B is a vector: for a batch of vectors use B[..., None].
    Returns:
        X of the broadcast shape (..., n) for a vector B, else (..., n, k).
    """
    A, B = pair(A, B, Solve)
    _square(A, "linalg.solve")
    n = A.shape[-1]
    rows = B.shape[0] if B.ndim == 1 else B.shape[-2] if B.ndim > 1 else None
    if rows != n:
        raise ValueError(f"linalg.solve: B of shape {B.shape} does not match A of shape "
                         f"{A.shape}: B must be (n,) or (..., n, k) with n = {n} (a batch of "
                         "vectors is B[..., None])")
    if B.ndim > 1:
        try:
            np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
        except ValueError:
            raise ValueError(f"linalg.solve: the batch axes of A {A.shape} and B {B.shape} "
                             "do not broadcast") from None
    return apply(Solve(), A, B)


class LogAbsDet(Op):
    """y = log|det(A)|      dL/dA = g * A^-T"""

    __slots__ = ()

    def forward(self, A):
        return np.linalg.slogdet(A)[1]

    def backward(self, g, y, A):
        return (xp.expand_dims(g, (-2, -1)) * xp.inv(A).swapaxes(-1, -2),)


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)``, also by those names, as numpy's and PyTorch's."""
    sign: Value
    logabsdet: Value


def slogdet(A):
    """The sign of det(A) and log|det(A)|, of a square matrix or each in a batch, without
    the determinant's overflow (``np.linalg.slogdet``, ``torch.linalg.slogdet``). The sign
    is a constant; log|det(A)| has the gradient A^-T (a singular A gives -inf and a
    gradient that does not exist)."""
    A = operand(A, LogAbsDet)
    _square(A, "linalg.slogdet")
    sign = np.linalg.slogdet(A.data)[0]
    return SlogdetResult(constant(np.asarray(sign, A.dtype), dtype=A.dtype),
                         apply(LogAbsDet(), A))


def matrix_power(A, n):
    """A multiplied by itself n times (``np.linalg.matrix_power``,
    ``torch.linalg.matrix_power``): the identity for n = 0, powers of A^-1 for n < 0; by
    squaring, so about 2 log2(n) recorded products."""
    A = operand(A, Inv)
    _square(A, "linalg.matrix_power")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg.matrix_power: n must be an integer, got {n!r}")
    if n < 0:
        A, n = inv(A), -n
    result = None
    while n:
        if n & 1:
            result = A if result is None else result @ A
        n >>= 1
        if n:
            A = A @ A
    if result is None:  # n = 0: the identity, a constant
        eye = np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape)
        return constant(np.array(eye), dtype=A.dtype)
    return result


def pinv(A, rcond=None):
    """The Moore-Penrose pseudo-inverse of a matrix or a batch (..., m, n) -> (..., n, m),
    from the SVD: V diag(1/s) U^T over the singular values above ``rcond`` times the
    largest (numpy's default: 1e-15, scaled by max(m, n) in PyTorch's; here the dtype's
    eps times max(m, n), as both use for their defaults). Differentiable through the SVD,
    so where two singular values are equal its derivative is inf, as PyTorch's."""
    A = operand(A, Inv)
    if A.ndim < 2:
        raise ValueError(f"linalg.pinv: expected matrices (..., m, n), got shape {A.shape}")
    U, s, V_T = svd(A, full_matrices=False)
    if rcond is None:
        rcond = np.finfo(A.dtype).eps * max(A.shape[-2:])
    keep = np.asarray(s.data > rcond * np.max(s.data, axis=-1, keepdims=True))
    inverse_s = xp.where(keep, 1.0 / xp.where(keep, s, np.ones((), s.dtype)),
                         np.zeros((), s.dtype))
    return (V_T.swapaxes(-1, -2) * xp.expand_dims(inverse_s, -2)) @ U.swapaxes(-1, -2)


class LstsqResult(NamedTuple):
    """``(solution, residuals, rank, singular_values)``, numpy's and PyTorch's fields."""
    solution: Value
    residuals: Value
    rank: int
    singular_values: Value


def lstsq(A, B, rcond=None):
    """The least-squares solution X of A X = B (``np.linalg.lstsq``,
    ``torch.linalg.lstsq``): pinv(A) @ B, the minimum-norm one when A has fewer rows than
    columns. Returns numpy's four fields by name: the solution (differentiable), the sums
    of squared residuals for a tall A of full rank (else empty), A's rank and its
    singular values (constants)."""
    A, B = operand(A, Inv), operand(B, Inv)
    if A.ndim != 2 or B.ndim not in (1, 2) or B.shape[0] != A.shape[0]:
        raise ValueError(f"linalg.lstsq: expects A (m, n) and B (m,) or (m, k), got "
                         f"{A.shape} and {B.shape}")
    X = pinv(A, rcond) @ B
    s = np.linalg.svd(A.data, compute_uv=False)
    cut = (np.finfo(A.dtype).eps * max(A.shape) if rcond is None else rcond) * s.max(
        initial=0)
    rank = int((s > cut).sum())
    if rank == A.shape[1] and A.shape[0] > A.shape[1]:
        residual = A @ X - B
        residuals = (residual * residual).sum(axis=0)
    else:
        residuals = constant(np.zeros((0,), A.dtype), dtype=A.dtype)
    return LstsqResult(X, residuals, rank, constant(s, dtype=A.dtype))
