"""The singular value decomposition A = U diag(s) V^T (the reduced one: for A of shape
(..., m, n), U is (..., m, k), s (..., k) and V^T (..., k, n) with k = min(m, n)).

The singular values are differentiable wherever they are distinct: ds_i = u_i^T dA v_i,
so dL/dA = U diag(g) V^T. U and V turn with A too, which second derivatives need: each
factor is an op of its own, with PyTorch's ``svd_backward`` as its derivative (real case).
Those derivatives divide by E[j, k] = s_k**2 - s_j**2, so they are inf or NaN where two
singular values are equal, as PyTorch's are; U and V^T are also only defined up to the sign
of each pair (u_i, v_i), so only functions that do not depend on those signs (as
U diag(g) V^T) have a derivative.

The same file holds the symmetric eigendecomposition, Cholesky, and QR (A = QR, Q with
orthonormal columns, R upper triangular), whose two factors are ops of their own too, with
PyTorch's ``linalg_qr_backward``; ``qr`` decomposes A once and both ops keep the factors,
which their backwards need (Q's needs R, R's needs Q).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..engine import Op, Value, apply, constant
from . import xp
from ._operands import operand

__all__ = []  # ag.linalg.svd, svdvals, eigh, eigvalsh, cholesky and qr


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


# --- QR --------------------------------------------------------------------------------


def _copyltu(M):
    """The symmetric matrix with M's lower triangle: tril(M, -1) + tril(M, -1)^T + diag(M)."""
    L = xp.tril(M, -1)
    return L + L.swapaxes(-1, -2) + M * np.eye(M.shape[-1], dtype=M.dtype)


def _qr_vjp(A, Q, R, g_Q=None, g_R=None):
    """dL/dA given dL/dQ (g_Q) or dL/dR (g_R) for the reduced A = QR: PyTorch's
    linalg_qr_backward (real case).

    m >= n: dL/dA = (g_Q + Q copyltu(M)) R^-T with M = R g_R^T - g_Q^T Q (from dA = dQ R +
    Q dR, Q^T dQ skew-symmetric and dR upper triangular). m < n: A = Q [U | V] with U
    square, so A's first m columns X = Q U are a square QR and the rest Y = Q V:
    dL/dY = Q g_V and dL/dX is the square case with g_Q + Y g_V^T for g_Q.
    """
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        U = R[..., :, :m]
        g_U, g_Y = None, None
        if g_R is not None:
            g_U, g_V = g_R[..., :, :m], g_R[..., :, m:]
            extra = A[..., :, m:] @ g_V.swapaxes(-1, -2)
            g_Q = extra if g_Q is None else g_Q + extra
            g_Y = Q @ g_V
        g_X = _qr_vjp(A[..., :, :m], Q, U, g_Q, g_U)
        if g_Y is None:
            g_Y = np.zeros(A.shape[:-1] + (n - m,), dtype=A.dtype)
        return xp.concatenate([g_X, g_Y], axis=-1)
    if g_R is not None:
        M = R @ g_R.swapaxes(-1, -2)
        if g_Q is not None:
            M = M - g_Q.swapaxes(-1, -2) @ Q
    else:
        M = -(g_Q.swapaxes(-1, -2) @ Q)
    rhs = Q @ _copyltu(M)
    if g_Q is not None:
        rhs = g_Q + rhs
    # rhs R^-T, as the transpose of R^-1 rhs^T
    return xp.solve(R, rhs.swapaxes(-1, -2)).swapaxes(-1, -2)


def _no_complete_derivative(mode, A):
    if mode == "complete" and A.shape[-2] > A.shape[-1]:
        raise RuntimeError(f"linalg.qr: the QR decomposition is not differentiable when "
                           f"mode='complete' and A has more rows than columns (shape "
                           f"{A.shape}, as in PyTorch); use mode='reduced'")


class QROrthogonal(Op):
    """y = Q of A = QR, orthonormal columns
    dL/dA = (g + Q copyltu(M)) R^-T,  M = -g^T Q,  copyltu(M) = L + L^T + diag(M), L = tril(M, -1)

    For m >= n; a wide A (m < n) is split as A = Q [U | V], see ``_qr_vjp``.
    """

    __slots__ = ("mode", "Q", "R")

    def __init__(self, mode, Q, R):
        # A's factors, decomposed once by ``qr`` for both of its ops (see ``qr``).
        self.mode, self.Q, self.R = mode, Q, R

    def forward(self, A):
        return self.Q.copy()  # the output may be changed in place; the factors kept may not

    def backward(self, g, y, A):
        _no_complete_derivative(self.mode, A)
        # On the recorded path R must turn with A (second derivatives): the kept factors
        # made an op, which decomposes nothing either.
        R = apply(QRTriangular("reduced", self.Q, self.R), A) if isinstance(A, Value) \
            else self.R
        return (_qr_vjp(A, y, R, g_Q=g),)


class QRTriangular(Op):
    """y = R of A = QR, upper triangular
    dL/dA = Q copyltu(M) R^-T,  M = R g^T,  copyltu(M) = L + L^T + diag(M), L = tril(M, -1)

    For m >= n; a wide A (m < n) is split as A = Q [U | V], see ``_qr_vjp``.
    """

    __slots__ = ("mode", "Q", "R")

    def __init__(self, mode, Q, R):
        self.mode, self.Q, self.R = mode, Q, R   # Q is the reduced one in mode "r" too

    def forward(self, A):
        return self.R.copy()

    def backward(self, g, y, A):
        _no_complete_derivative(self.mode, A)
        Q = apply(QROrthogonal("reduced", self.Q, self.R), A) if isinstance(A, Value) \
            else self.Q
        return (_qr_vjp(A, Q, y, g_R=g),)


class QRResult(NamedTuple):
    """``(Q, R)``, also by those names, as PyTorch's."""
    Q: Value
    R: Value


def qr(A, mode="reduced"):
    """The QR decomposition A = QR of a matrix or a batch (..., m, n): Q with orthonormal
    columns, R upper triangular (``np.linalg.qr``, ``torch.linalg.qr``), as a named pair.

    Args:
        A: (..., m, n) matrices.
        mode: "reduced" (the default): Q (..., m, k), R (..., k, n), k = min(m, n);
            "complete": Q (..., m, m), R (..., m, n); "r": R alone, and an empty Q, as
            PyTorch's (numpy's returns R by itself).
    Returns:
        ``QRResult(Q, R)``, the signs of R's diagonal LAPACK's, as numpy's and PyTorch's.

    Both factors are differentiable (PyTorch's backward; R in mode "r" too, where PyTorch's
    is not), except in mode "complete" with m > n: Q's last m - n columns are not
    determined by A, and the backward raises, as PyTorch's.
    """
    A = operand(A, QROrthogonal)
    if A.ndim < 2:
        raise ValueError(f"linalg.qr: expected matrices (..., m, n), got shape {A.shape}")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    # LAPACK runs once, here: both ops keep the factors, so neither their forwards nor
    # their backwards (nor, with create_graph, the backwards of those) decompose A again.
    # Mode "r" computes Q too, which R's backward needs.
    Q, R = np.linalg.qr(A.data, mode="reduced" if mode == "r" else mode)
    R_out = apply(QRTriangular(mode, Q, R), A)
    if mode == "r":
        return QRResult(constant(np.zeros(0, dtype=A.dtype)), R_out)
    return QRResult(apply(QROrthogonal(mode, Q, R), A), R_out)


# --- the matrix exponential -------------------------------------------------------------

# Higham's Pade approximant of degree 13 ("The scaling and squaring method for the matrix
# exponential revisited", SIAM J. Matrix Anal. Appl. 26, 2005): its coefficients, and the
# 1-norm up to which it is accurate to float64's rounding without scaling.
_PADE_13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
            1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
            33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA_13 = 5.371920351148152


def matrix_exp_array(A):
    """exp(A) = I + A + A**2/2! + ... of a numpy array of square matrices (..., n, n), by
    scaling and squaring: exp(A) = exp(A / 2**s)**(2**s), with s such that A / 2**s has
    a 1-norm below theta_13 (the largest s of the batch), and the [13/13] Pade approximant.
    Computed in float64 and returned in A's dtype."""
    A = np.asarray(A)
    X = A.astype(np.float64)
    norm = np.abs(X).sum(axis=-2).max(axis=-1, initial=0.0).max(initial=0.0)
    s = max(0, int(np.ceil(np.log2(norm / _THETA_13)))) if norm > _THETA_13 else 0
    X = X / 2.0 ** s
    b = _PADE_13
    eye = np.broadcast_to(np.eye(X.shape[-1]), X.shape)
    X2 = X @ X
    X4 = X2 @ X2
    X6 = X4 @ X2
    U = X @ (X6 @ (b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4
             + b[3] * X2 + b[1] * eye)
    V = X6 @ (b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 \
        + b[0] * eye
    E = np.linalg.solve(V - U, V + U)
    for _ in range(s):
        E = E @ E
    return E.astype(A.dtype, copy=False)


class MatrixExp(Op):
    """y = exp(A) = I + A + A**2/2! + ...
    dL/dA = the top-right block of exp([[A^T, g], [0, A^T]])

    The adjoint of exp's Frechet derivative at A, applied to g (Najfeld and Havel, 1995):
    the exponential of a block-triangular matrix holds it in its top-right block.
    """

    __slots__ = ()

    def forward(self, A):
        return matrix_exp_array(A)

    def backward(self, g, y, A):
        n = A.shape[-1]
        A_T = A.swapaxes(-1, -2)
        zeros = np.zeros(np.shape(g), dtype=g.dtype)
        block = xp.concatenate([xp.concatenate([A_T, g], axis=-1),
                                xp.concatenate([zeros, A_T], axis=-1)], axis=-2)
        E = apply(MatrixExp(), block) if isinstance(block, Value) else matrix_exp_array(block)
        return (E[..., :n, n:],)


def matrix_exp(A):
    """The matrix exponential exp(A) of a square matrix or a batch (..., n, n)
    (``torch.linalg.matrix_exp``, ``scipy.linalg.expm``): Pade [13/13] with scaling and
    squaring, Higham's method, as scipy's; differentiable, twice too.

    >>> import numpy as np
    >>> np.round(matrix_exp([[0.0, 1.0], [-1.0, 0.0]]).numpy(), 6)   # a rotation by 1 rad
    array([[ 0.540302,  0.841471],
           [-0.841471,  0.540302]], dtype=float32)
    """
    A = operand(A, MatrixExp)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.matrix_exp: expected square matrices (..., n, n), got shape "
                         f"{A.shape}")
    return apply(MatrixExp(), A)
