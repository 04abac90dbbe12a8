"""The singular value decomposition A = U diag(s) V^T (the reduced one: for A of shape
(..., m, n), U is (..., m, k), s (..., k) and V^T (..., k, n) with k = min(m, n)).

The singular values are differentiable wherever they are distinct: ds_i = u_i^T dA v_i,
so dL/dA = U diag(g) V^T. U and V turn with A too, which second derivatives need: each
factor is an op of its own, with PyTorch's ``svd_backward`` as its derivative (real case).
Those derivatives divide by E[j, k] = s_k**2 - s_j**2, so they are inf or NaN where two
singular values are equal, as PyTorch's are; U and V^T are also only defined up to the sign
of each pair (u_i, v_i), so only functions that do not depend on those signs (as
U diag(g) V^T) have a derivative.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply
from . import xp
from ._operands import operand

__all__ = []  # ag.linalg.svd and ag.linalg.svdvals


def svd_array(A):
    """(U, s, V^T) of the reduced SVD of a numpy array."""
    return np.linalg.svd(A, full_matrices=False)


class SingularValues(Op):
    """y = the singular values of A, largest first      dL/dA = U diag(g) V^T"""

    __slots__ = ()

    def forward(self, A):
        return np.linalg.svd(A, compute_uv=False)

    def backward(self, g, y, A):
        U, _, V_T = xp.svd(A)
        return ((U * xp.expand_dims(g, -2)) @ V_T,)


def svdvals(A):
    """The singular values of a matrix, or of each in a batch (..., m, n), largest first
    (``np.linalg.svd(A, compute_uv=False)``, ``torch.linalg.svdvals``)."""
    A = operand(A, SingularValues)
    if A.ndim < 2:
        raise ValueError(f"linalg.svdvals: expected matrices (..., m, n), got shape {A.shape}")
    return apply(SingularValues(), A)


def _skew(X):
    return X - X.swapaxes(-1, -2)


def _singular_vectors_vjp(U, s, V_T, g_U=None, g_V_T=None):
    """dL/dA given dL/dU (g_U) or dL/dV^T (g_V_T): PyTorch's svd_backward for real A, with
    E[j, k] = s_k**2 - s_j**2 (1 on the diagonal, where the skew parts are 0)."""
    m, n, k = U.shape[-2], V_T.shape[-1], s.shape[-1]
    s2 = s * s
    E = xp.expand_dims(s2, -2) - xp.expand_dims(s2, -1) + np.eye(k, dtype=s.dtype)
    s_row, s_col = xp.expand_dims(s, -2), xp.expand_dims(s, -1)
    if g_U is not None:
        inner = (_skew(U.swapaxes(-1, -2) @ g_U) / E) * s_row
        if m > k:  # U's columns span only part of R^m: g_U's part outside that span
            g_U_s = g_U / s_row
            return (U @ inner + g_U_s - U @ (U.swapaxes(-1, -2) @ g_U_s)) @ V_T
        return U @ inner @ V_T
    inner = s_col * (_skew(V_T @ g_V_T.swapaxes(-1, -2)) / E)
    if n > k:
        s_g_V_T = g_V_T / s_col
        return U @ (inner @ V_T + s_g_V_T - (s_g_V_T @ V_T.swapaxes(-1, -2)) @ V_T)
    return U @ inner @ V_T


class LeftSingularVectors(Op):
    """y = U of A = U diag(s) V^T
    dL/dA = U (skew(U^T g) / E) diag(s) V^T + (I - U U^T) g diag(1/s) V^T"""

    __slots__ = ()

    def forward(self, A):
        return svd_array(A)[0]

    def backward(self, g, y, A):
        U, s, V_T = xp.svd(A)
        return (_singular_vectors_vjp(U, s, V_T, g_U=g),)


class RightSingularVectors(Op):
    """y = V^T of A = U diag(s) V^T
    dL/dA = U diag(s) (skew(V^T g^T) / E) V^T + U diag(1/s) g (I - V V^T)"""

    __slots__ = ()

    def forward(self, A):
        return svd_array(A)[2]

    def backward(self, g, y, A):
        U, s, V_T = xp.svd(A)
        return (_singular_vectors_vjp(U, s, V_T, g_V_T=g),)


def svd(A, full_matrices=True):
    """The singular value decomposition (U, s, V^T) of a matrix or a batch (..., m, n), as
    three Values, largest singular value first (``np.linalg.svd``, ``torch.linalg.svd``).

    Only the reduced SVD is differentiable (U (..., m, k), V^T (..., k, n), k = min(m, n)):
    pass ``full_matrices=False`` for a matrix that is not square (numpy's and PyTorch's
    default, True, would add columns no derivative is defined for). U and V^T are defined
    up to the signs of each pair (u_i, v_i): use them in sign-free expressions such as
    U diag(f(s)) V^T.
    """
    A = operand(A, SingularValues)
    if A.ndim < 2:
        raise ValueError(f"linalg.svd: expected matrices (..., m, n), got shape {A.shape}")
    if full_matrices and A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.svd: full_matrices=True is not differentiable for a matrix "
                         f"that is not square (shape {A.shape}); pass full_matrices=False")
    return (apply(LeftSingularVectors(), A), apply(SingularValues(), A),
            apply(RightSingularVectors(), A))
