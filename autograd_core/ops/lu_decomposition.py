"""The LU decomposition A = P L U, PyTorch's ``linalg.lu``, ``lu_factor``, ``lu_factor_ex``,
``lu_solve`` and ``lu_unpack`` (numpy has none; scipy's ``lu`` is ``linalg.lu`` here).

A (..., m, n) is factored by Gaussian elimination with partial pivoting, as LAPACK's
``getrf`` does, in a loop over its k = min(m, n) columns (each step a numpy operation on
the whole batch): P is a permutation, L (..., m, k) is lower triangular with ones on its
diagonal and U (..., k, n) upper triangular. The pivots are LAPACK's (1-based int32: row
j was swapped with row pivots[j] - 1 at step j), so ``lu_factor`` gives PyTorch's numbers.

L and U are differentiable, to any order (PyTorch's ``linalg_lu_backward``, see
``_lu_vjp``); P is a constant. ``lu_factor``'s packed LU is made from them, and
``lu_solve`` and ``lu_unpack`` are compositions of triangular solves and masks, so they are
differentiable in the packed LU and in B too.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..engine import Op, Value, apply, constant
from . import xp
from ._operands import float_operand, operand
from .joining import pad
from .linalg import tril, triu

__all__ = ["lu_unpack"]   # ag.lu_unpack (torch.lu_unpack); the rest under ag.linalg


def lu_array(A, pivot=True):
    """(P, L, U, pivots) of A (..., m, n) by partial pivoting, on numpy arrays.

    A zero pivot (a singular A) leaves its column of L as it is (zeros below it, since the
    pivot is the column's largest magnitude), as LAPACK does, with no division by 0.
    """
    m, n = A.shape[-2:]
    k = min(m, n)
    W = np.array(A, copy=True).reshape((int(np.prod(A.shape[:-2])), m, n))
    batch = np.arange(W.shape[0])
    order = np.tile(np.arange(m), (W.shape[0], 1))   # row i of L U is row order[i] of A
    pivots = np.tile(np.arange(1, k + 1, dtype=np.int32), (W.shape[0], 1))
    for j in range(k):
        if pivot:
            p = j + np.argmax(np.abs(W[:, j:, j]), axis=1)
            pivots[:, j] = p + 1
            W[batch, j], W[batch, p] = W[batch, p], W[batch, j].copy()
            order[batch, j], order[batch, p] = order[batch, p], order[batch, j].copy()
        head = W[:, j, j]
        W[:, j + 1:, j] /= np.where(head == 0, 1, head)[:, None]
        W[:, j + 1:, j + 1:] -= W[:, j + 1:, j, None] * W[:, j, None, j + 1:]
    L = np.tril(W[..., :, :k], -1) + np.eye(m, k, dtype=W.dtype)
    U = np.triu(W[..., :k, :])
    P = np.zeros((W.shape[0], m, m), W.dtype)
    P[batch[:, None], order, np.arange(m)] = 1   # P[order[i], i] = 1: A = P (L U)
    shape = A.shape[:-2]
    return (P.reshape(shape + (m, m)), L.reshape(shape + (m, k)), U.reshape(shape + (k, n)),
            pivots.reshape(shape + (k,)))


def _triu(x, k=0):
    return triu(x, k) if isinstance(x, Value) else np.triu(x, k)


def _tril(x, k=0):
    return tril(x, k) if isinstance(x, Value) else np.tril(x, k)


def _lu_vjp(P, L, U, g_L=None, g_U=None):
    """dL/dA given dL/dL (g_L) or dL/dU (g_U) for A = P L U: PyTorch's linalg_lu_backward
    (real case). Square: dL/dA = P L^-T (tril_-1(L^T g_L) + triu(g_U U^T)) U^-T. A wide A
    (m < n) is P L [U1 | U2]: U2 = L^-1 P^T A2 carries g_U2 back through L; a tall A
    (m > n) is P [L1; L2] U, the same with L2 = A2 U^-1."""
    m, n = L.shape[-2], U.shape[-1]
    T = (lambda M: M.swapaxes(-1, -2))
    if m == n:
        M = _tril(T(L) @ g_L, -1) if g_L is not None else None
        if g_U is not None:
            M = _triu(g_U @ T(U)) if M is None else M + _triu(g_U @ T(U))
        X = T(xp.solve(U, T(M)))                 # M U^-T
        return P @ xp.solve(T(L), X)             # P L^-T M U^-T
    if m < n:
        U1 = U[..., :, :m]
        M = T(L) @ g_L if g_L is not None else None
        if g_U is not None:
            M = -(_triu(g_U) @ T(U)) if M is None else M - _triu(g_U) @ T(U)
        X = T(xp.solve(U1, T(_tril(M, -1))))
        if g_U is not None:
            X = xp.concatenate([X + _triu(g_U[..., :, :m]), g_U[..., :, m:]], axis=-1)
        else:
            X = xp.concatenate([X, np.zeros(U.shape[:-2] + (m, n - m), U.dtype)], axis=-1)
        return P @ xp.solve(T(L), X)
    L1 = L[..., :n, :]
    M = g_U @ T(U) if g_U is not None else None
    if g_L is not None:
        M = -(T(L) @ _tril(g_L, -1)) if M is None else M - T(L) @ _tril(g_L, -1)
    X = xp.solve(T(L1), _triu(M))
    if g_L is not None:
        X = xp.concatenate([X + _tril(g_L[..., :n, :], -1), g_L[..., n:, :]], axis=-2)
    else:
        X = xp.concatenate([X, np.zeros(L.shape[:-2] + (m - n, n), L.dtype)], axis=-2)
    return P @ T(xp.solve(U, T(X)))              # P X U^-T


class LULower(Op):
    """y = L of A = P L U, unit lower triangular
    dL/dA = P L^-T tril_-1(L^T g) U^-T   (square A; wide and tall ones: see _lu_vjp)"""

    __slots__ = ("P", "L", "U")

    def __init__(self, P, L, U):
        # The factors, computed once by ``lu`` for both ops (as ``qr`` keeps Q and R).
        self.P, self.L, self.U = P, L, U

    def forward(self, A):
        return self.L.copy()   # the output may be changed in place; the factors kept may not

    def backward(self, g, y, A):
        # On the recorded path U must turn with A: its op (which factors nothing again).
        U = apply(LUUpper(self.P, self.L, self.U), A) if isinstance(A, Value) else self.U
        return (_lu_vjp(self.P, y, U, g_L=g),)


class LUUpper(Op):
    """y = U of A = P L U, upper triangular
    dL/dA = P L^-T triu(g U^T) U^-T   (square A; wide and tall ones: see _lu_vjp)"""

    __slots__ = ("P", "L", "U")

    def __init__(self, P, L, U):
        self.P, self.L, self.U = P, L, U

    def forward(self, A):
        return self.U.copy()

    def backward(self, g, y, A):
        L = apply(LULower(self.P, self.L, self.U), A) if isinstance(A, Value) else self.L
        return (_lu_vjp(self.P, L, y, g_U=g),)


class LUResult(NamedTuple):
    """``(P, L, U)``, also by those names, as PyTorch's ``linalg.lu``."""
    P: Value
    L: Value
    U: Value


class LUFactorResult(NamedTuple):
    """``(LU, pivots)``, as PyTorch's ``linalg.lu_factor``."""
    LU: Value
    pivots: Value


class LUFactorExResult(NamedTuple):
    """``(LU, pivots, info)``, as PyTorch's ``linalg.lu_factor_ex``."""
    LU: Value
    pivots: Value
    info: Value


def _matrices(A, where):
    A = float_operand(A, LULower)
    if A.ndim < 2:
        raise ValueError(f"{where}: expected matrices (..., m, n), got shape {A.shape}")
    return A


def _factored(A, pivot):
    """P (a constant), L and U as Values, and the pivots array."""
    P, L, U, pivots = lu_array(A.data, pivot)
    return constant(P), apply(LULower(P, L, U), A), apply(LUUpper(P, L, U), A), pivots


def lu(A, *, pivot=True):
    """The LU decomposition A = P L U of a matrix or a batch (..., m, n), with partial
    pivoting (``torch.linalg.lu``, ``scipy.linalg.lu``): P (..., m, m) a permutation, L
    (..., m, k) unit lower triangular, U (..., k, n) upper triangular, k = min(m, n).
    ``pivot=False`` factors without row exchanges (P = I; PyTorch does so on GPUs only).

    >>> P, L, U = lu([[2.0, 1.0], [4.0, 3.0]])     # rows swapped: 4 is the larger pivot
    >>> P.numpy(), L.numpy(), U.numpy()
    (array([[0., 1.],
           [1., 0.]], dtype=float32), array([[1. , 0. ],
           [0.5, 1. ]], dtype=float32), array([[ 4. ,  3. ],
           [ 0. , -0.5]], dtype=float32))
    """
    P, L, U, _ = _factored(_matrices(A, "linalg.lu"), pivot)
    return LUResult(P, L, U)


def _packed(L, U):
    """L's strict lower part and U's upper part in one (..., m, n) matrix, as LAPACK's."""
    m, k, n = L.shape[-2], L.shape[-1], U.shape[-1]
    lower, upper = tril(L, -1), U
    if n > k:
        lower = pad(lower, [(0, 0)] * (L.ndim - 1) + [(0, n - k)])
    if m > k:
        upper = pad(upper, [(0, 0)] * (U.ndim - 2) + [(0, m - k), (0, 0)])
    return lower + upper


def _info(U):
    """LAPACK's info: 1 + the index of the first zero on U's diagonal, else 0 (int32)."""
    zero = np.diagonal(U, axis1=-2, axis2=-1) == 0
    if zero.shape[-1] == 0:
        return np.zeros(zero.shape[:-1], np.int32)
    return np.where(zero.any(axis=-1), zero.argmax(axis=-1) + 1, 0).astype(np.int32)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """``torch.linalg.lu_factor_ex``: ``(LU, pivots, info)``, L and U packed in one matrix
    (L's unit diagonal left out), LAPACK's 1-based pivots and info (i > 0: U[i-1, i-1] is
    exactly 0, and solving with it would divide by zero). The packed LU is differentiable.
    ``check_errors`` raises where info > 0, as ``lu_factor`` does."""
    A = _matrices(A, "linalg.lu_factor_ex")
    _, L, U, pivots = _factored(A, pivot)
    info = _info(U.data)
    if check_errors and np.any(info > 0):
        _raise_singular("linalg.lu_factor_ex", info)
    return LUFactorExResult(_packed(L, U), constant(pivots, dtype=np.int32),
                            constant(info, dtype=np.int32))


def _raise_singular(where, info):
    i = int(np.max(info))
    raise RuntimeError(f"{where}: U[{i},{i}] is zero (A is singular), and using it in "
                       f"lu_solve would divide by zero; linalg.lu or linalg.lu_factor_ex "
                       f"factor it anyway")


def lu_factor(A, *, pivot=True):
    """``torch.linalg.lu_factor`` (``scipy.linalg.lu_factor``, whose pivots are 0-based):
    ``(LU, pivots)``, L and U packed in one matrix (L's unit diagonal left out) and
    LAPACK's 1-based pivots. Raises for a singular A, as PyTorch's (``lu_factor_ex`` does
    not). The packed LU is differentiable; ``lu_solve`` takes the pair.

    >>> LU, pivots = lu_factor([[1.0, 2.0], [3.0, 4.0]])
    >>> pivots.numpy()
    array([2, 2], dtype=int32)
    """
    A = _matrices(A, "linalg.lu_factor")
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    if np.any(info.data > 0):
        _raise_singular("linalg.lu_factor", info.data)
    return LUFactorResult(LU, pivots)


def _permutation(pivots, m, dtype):
    """P (..., m, m) from LAPACK's pivots (..., k): the row swaps applied in order."""
    pivots = np.asarray(pivots)
    if pivots.dtype.kind not in "iu":
        raise TypeError(f"lu_unpack: pivots must be integers, got dtype {pivots.dtype}")
    k = pivots.shape[-1]
    flat = pivots.reshape((-1, k)).astype(np.intp) - 1
    if flat.size and (flat.min() < 0 or flat.max() >= m):
        raise ValueError(f"lu_unpack: pivots must lie in [1, {m}], got {flat.min() + 1}.."
                         f"{flat.max() + 1}")
    batch = np.arange(flat.shape[0])
    order = np.tile(np.arange(m), (flat.shape[0], 1))
    for j in range(k):
        p = flat[:, j]
        order[batch, j], order[batch, p] = order[batch, p], order[batch, j].copy()
    P = np.zeros((flat.shape[0], m, m), dtype)
    P[batch[:, None], order, np.arange(m)] = 1
    return P.reshape(pivots.shape[:-1] + (m, m))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
    """``torch.lu_unpack``: ``(P, L, U)`` from ``lu_factor``'s packed LU (..., m, n) and
    pivots; L and U are differentiable in LU_data. With ``unpack_data=False`` L and U are
    empty, with ``unpack_pivots=False`` P is, as PyTorch's."""
    LU = _matrices(LU_data, "lu_unpack")
    m, n = LU.shape[-2:]
    k = min(m, n)
    pivots = np.asarray(LU_pivots.data if isinstance(LU_pivots, Value) else LU_pivots)
    if pivots.shape != LU.shape[:-2] + (k,):
        raise ValueError(f"lu_unpack: pivots of shape {pivots.shape} do not fit LU of shape "
                         f"{LU.shape} (expected {LU.shape[:-2] + (k,)})")
    empty = constant(np.zeros(0, LU.dtype))
    P = constant(_permutation(pivots, m, LU.dtype)) if unpack_pivots else empty
    if not unpack_data:
        return LUResult(P, empty, empty)
    L = tril(LU[..., :, :k], -1) + constant(np.eye(m, k, dtype=LU.dtype))
    return LUResult(P, L, triu(LU[..., :k, :]))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """``torch.linalg.lu_solve``: the solution X of A X = B from ``lu_factor``'s (LU,
    pivots) of a square A; ``left=False`` solves X A = B, ``adjoint=True`` A^T (real).
    Differentiable in LU and in B: triangular solves with L and U from ``lu_unpack``."""
    from ..linalg import solve_triangular   # built on the ops

    LU = _matrices(LU, "linalg.lu_solve")
    if LU.shape[-1] != LU.shape[-2]:
        raise ValueError(f"linalg.lu_solve: LU must be square matrices (..., n, n), got shape "
                         f"{LU.shape}")
    B = operand(B, LULower)
    if B.ndim < 2:
        raise ValueError(f"linalg.lu_solve: B must be matrices (..., n, k), got shape "
                         f"{B.shape}")
    n = LU.shape[-1]
    if B.shape[-2 if left else -1] != n:
        raise ValueError(f"linalg.lu_solve: B of shape {B.shape} does not fit LU of shape "
                         f"{LU.shape} (left={left})")
    P, _, _ = lu_unpack(LU, pivots, unpack_data=False)
    T = (lambda M: M.swapaxes(-1, -2))
    if left and not adjoint:     # X = U^-1 L^-1 P^T B
        Y = solve_triangular(LU, T(P) @ B, upper=False, unitriangular=True)
        return solve_triangular(LU, Y, upper=True)
    if left:                     # A^T X = B: X = P L^-T U^-T B
        Y = solve_triangular(T(LU), B, upper=False)
        return P @ solve_triangular(T(LU), Y, upper=True, unitriangular=True)
    if not adjoint:              # X A = B: X = B U^-1 L^-1 P^T
        Y = solve_triangular(LU, B, upper=True, left=False)
        return solve_triangular(LU, Y, upper=False, unitriangular=True, left=False) @ T(P)
    # X A^T = B: X = B P L^-T U^-T
    Y = solve_triangular(T(LU), B @ P, upper=True, unitriangular=True, left=False)
    return solve_triangular(T(LU), Y, upper=False, left=False)
