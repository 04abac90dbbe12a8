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

from typing import NamedTuple

import numpy as np

from ..engine import Op, Value, apply
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


# --- symmetric eigendecomposition and Cholesky --------------------------------------------


def _symmetric(A, op_name):
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"{op_name}: expected square matrices (..., n, n), got shape "
                         f"{A.shape}")


def _gaps(w):
    """E[i, j] = w[j] - w[i] between eigenvalues, 1 on the diagonal (never divided by
    there: the numerators are 0)."""
    k = w.shape[-1]
    return xp.expand_dims(w, -2) - xp.expand_dims(w, -1) + np.eye(k, dtype=w.dtype)


class Eigenvalues(Op):
    """y = the eigenvalues w of a symmetric A, ascending      dL/dA = V diag(g) V^T"""

    __slots__ = ()

    def forward(self, A):
        return np.linalg.eigvalsh(A)

    def backward(self, g, y, A):
        _, V = xp.eigh(A)
        return ((V * xp.expand_dims(g, -2)) @ V.swapaxes(-1, -2),)


class Eigenvectors(Op):
    """y = the eigenvectors V of a symmetric A = V diag(w) V^T (columns)
    dL/dA = V ((V^T g - g^T V) / 2 / E) V^T,  E[i, j] = w[j] - w[i]"""

    __slots__ = ()

    def forward(self, A):
        return np.linalg.eigh(A)[1]

    def backward(self, g, y, A):
        # PyTorch's linalg_eig_backward for a Hermitian A: V^T g projected on the
        # skew-symmetric matrices (the tangents of the orthogonal group), divided by the
        # gaps. Equal eigenvalues divide by 0, as PyTorch's do; V's columns are defined up
        # to sign, so only sign-free functions of V have a derivative.
        w, V = xp.eigh(A)
        V_T = V.swapaxes(-1, -2)
        inner = V_T @ g
        return (V @ ((inner - inner.swapaxes(-1, -2)) * 0.5 / _gaps(w)) @ V_T,)


def eigvalsh(A):
    """The eigenvalues of a symmetric matrix (or of each in a batch), ascending
    (``np.linalg.eigvalsh``, ``torch.linalg.eigvalsh``). Only the lower triangle is read."""
    A = operand(A, Eigenvalues)
    _symmetric(A, "linalg.eigvalsh")
    return apply(Eigenvalues(), A)


def eigh(A):
    """The eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, as
    ``(w, V)`` with A = V diag(w) V^T (``np.linalg.eigh``, ``torch.linalg.eigh``). Only the
    lower triangle is read. V's columns are defined up to sign, and its derivative divides
    by the gaps between eigenvalues (inf where two are equal), as PyTorch's."""
    A = operand(A, Eigenvalues)
    _symmetric(A, "linalg.eigh")
    return EighResult(apply(Eigenvalues(), A), apply(Eigenvectors(), A))


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``, also by those names, as numpy's and PyTorch's."""
    eigenvalues: Value
    eigenvectors: Value


class Cholesky(Op):
    """y = L, lower triangular with A = L L^T
    dL/dA = sym(L^-T phi(L^T g) L^-1),  phi: the lower triangle, its diagonal halved"""

    __slots__ = ()

    def forward(self, A):
        return np.linalg.cholesky(A)

    def backward(self, g, y, A):
        # From dA = dL L^T + L dL^T: L^-1 dA L^-T = phi^-1-shaped, as PyTorch's
        # cholesky_backward; the result is made symmetric, as A is.
        L_inv = xp.inv(y)
        L_inv_T = L_inv.swapaxes(-1, -2)
        P = y.swapaxes(-1, -2) @ g
        n = P.shape[-1]
        phi = xp.tril(P) - 0.5 * P * np.eye(n, dtype=P.dtype)
        S = L_inv_T @ phi @ L_inv
        return ((S + S.swapaxes(-1, -2)) * 0.5,)


def cholesky(A, upper=False):
    """The Cholesky factor of a symmetric positive-definite matrix (or a batch): lower
    triangular L with A = L L^T, or with ``upper`` its transpose U, A = U^T U
    (``np.linalg.cholesky``, ``torch.linalg.cholesky``). Only the lower triangle is read;
    a matrix that is not positive-definite raises numpy's LinAlgError."""
    A = operand(A, Cholesky)
    _symmetric(A, "linalg.cholesky")
    L = apply(Cholesky(), A)
    return L.swapaxes(-1, -2) if upper else L
