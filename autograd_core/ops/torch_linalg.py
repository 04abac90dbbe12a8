"""The linear algebra PyTorch keeps at its top level, with its own signatures: ``svd``
(U, S, V: V itself, not ``linalg.svd``'s V^T), ``slogdet``, ``matrix_power``,
``matrix_exp``, ``cholesky``, ``qr``, ``vdot``, ``addr``, ``adjoint``, and the solves
``cholesky_solve``, ``cholesky_inverse``, ``triangular_solve`` (deprecated in PyTorch, still
in ported code).

Nothing here is a new op: each is written with the decompositions, ``solve`` and the
products of ``autograd_core.linalg``, so its derivatives are theirs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..engine import Value
from . import arithmetic, decompositions, inversion, linalg, reductions, shape
from ._composing import _value, _values

__all__ = ["svd", "slogdet", "matrix_power", "matrix_exp", "cholesky", "qr", "vdot", "addr",
           "adjoint", "cholesky_solve", "cholesky_inverse", "triangular_solve"]

slogdet = inversion.slogdet        # (sign, logabsdet); sign 0 and -inf for a singular matrix
matrix_power = inversion.matrix_power
matrix_exp = decompositions.matrix_exp


def _linalg():
    from .. import linalg as ag_linalg  # built on the ops: imported when first called
    return ag_linalg


def _matrices(x, where, square=False):
    x = _value(x, where)
    if x.ndim < 2 or (square and x.shape[-1] != x.shape[-2]):
        kind = "square matrices (..., n, n)" if square else "matrices (..., m, n)"
        raise ValueError(f"{where}: expected {kind}, got shape {x.shape}")
    return x


class SVDResult(NamedTuple):
    U: Value
    S: Value
    V: Value


def svd(input, some=True, compute_uv=True):  # noqa: A002 (PyTorch's argument names)
    """``torch.svd``: A = U diag(S) V^T with V itself (``linalg.svd`` gives V^T, ``Vh``).

    Args:
        input: (..., m, n) matrices.
        some: the reduced decomposition, U (..., m, k), V (..., n, k), k = min(m, n); only
            it is differentiable for a matrix that is not square.
        compute_uv: False gives U and V as zeros (m, m) and (n, n), as PyTorch does.
    Returns:
        the named triple (U, S, V), S descending.
    """
    A = _matrices(input, "svd")
    m, n = A.shape[-2:]
    if not compute_uv:
        zeros = [Value(np.zeros(A.shape[:-2] + (k, k), A.dtype)) for k in (m, n)]
        return SVDResult(zeros[0], decompositions.svdvals(A), zeros[1])
    U, S, Vh = decompositions.svd(A, full_matrices=not some)
    return SVDResult(U, S, shape.swapaxes(Vh, -1, -2))


def cholesky(input, upper=False):  # noqa: A002
    """``torch.cholesky`` (deprecated there for ``linalg.cholesky``): L with A = L L^T, or
    U = L^T with ``upper``."""
    return decompositions.cholesky(_matrices(input, "cholesky", square=True), upper)


def qr(input, some=True):  # noqa: A002
    """``torch.qr``: the named pair (Q, R) of A = QR, reduced unless ``some=False``."""
    return decompositions.qr(_matrices(input, "qr"), "reduced" if some else "complete")


def vdot(input, other):  # noqa: A002
    """y = sum_i input_i other_i over all elements, real numbers (``np.vdot``, which flattens
    both operands first, so JAX's ``jnp.vdot(grad(f)(x), v)`` of two matrices ports; and
    ``torch.vdot``, which takes the 1-D case)."""
    a, b = _values("vdot", input, other)
    if a.size != b.size:
        raise ValueError(f"vdot: expects two Values with as many elements, got shapes "
                         f"{a.shape} ({a.size}) and {b.shape} ({b.size})")
    if a.ndim != 1:
        a = shape.reshape(a, (-1,))
    if b.ndim != 1:
        b = shape.reshape(b, (-1,))
    return reductions.sum(a * b)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    """y = beta * input + alpha * outer(vec1, vec2) (``torch.addr``); beta = 0 ignores
    input (its NaNs too), as PyTorch does."""
    u, v = _values("addr", vec1, vec2)
    if u.ndim != 1 or v.ndim != 1:
        raise ValueError(f"addr: vec1 and vec2 must be 1-D, got shapes {u.shape}, {v.shape}")
    product = linalg.outer(u, v)
    product = product if alpha == 1 else alpha * product
    x = _value(input, "addr", like=u)
    if beta == 0:
        return shape.broadcast_to(product, np.broadcast_shapes(x.shape, product.shape))
    return (x if beta == 1 else beta * x) + product


def adjoint(input):  # noqa: A002
    """The last two axes swapped (``torch.adjoint``, conjugation being nothing for reals)."""
    return shape.swapaxes(_matrices(input, "adjoint"), -1, -2)


def _triangular(A, B, upper, unitriangular=False):
    return _linalg().solve_triangular(A, B, upper=upper, unitriangular=unitriangular)


def _gram(L, upper):
    """A = L L^T (A = U^T U with ``upper``) with every entry of the factor taking part, as
    PyTorch differentiates: its gradients of the factor are not confined to a triangle."""
    Lt = shape.swapaxes(L, -1, -2)
    return linalg.matmul(Lt, L) if upper else linalg.matmul(L, Lt)


def cholesky_solve(B, L, upper=False):
    """X with A X = B for A = L L^T (``torch.cholesky_solve(B, L)``; A = U^T U with
    ``upper``), as ``solve(L L^T, B)``.

    Args:
        B: (..., n, k); L: (..., n, n) triangular.
    The gradient of L is PyTorch's: that of the product L L^T of the whole matrix, so
    entries outside the triangle get one too.
    """
    L = _matrices(L, "cholesky_solve", square=True)
    B = _matrices(B, "cholesky_solve")
    return inversion.solve(_gram(L, upper), B)


def cholesky_inverse(L, upper=False):
    """(L L^T)^-1 from the Cholesky factor L (``torch.cholesky_inverse``; (U^T U)^-1 with
    ``upper``); L's gradient as in ``cholesky_solve``."""
    return inversion.inv(_gram(_matrices(L, "cholesky_inverse", square=True), upper))


class TriangularSolveResult(NamedTuple):
    solution: Value
    cloned_coefficient: Value


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """``torch.triangular_solve``: X with A X = b (A^T X = b with ``transpose``), A's upper
    (or lower) triangle read; the named pair (solution, cloned_coefficient = A).
    b (..., n, k), A (..., n, n)."""
    A = _matrices(A, "triangular_solve", square=True)
    b = _matrices(b, "triangular_solve")
    if transpose:
        X = _triangular(shape.swapaxes(A, -1, -2), b, not upper, unitriangular)
    else:
        X = _triangular(A, b, upper, unitriangular)
    return TriangularSolveResult(X, arithmetic.clone(A))


METHODS = {"vdot": vdot, "addr": addr, "adjoint": adjoint, "cholesky_solve": cholesky_solve,
           "cholesky_inverse": cholesky_inverse, "triangular_solve": triangular_solve,
           "svd": svd, "slogdet": slogdet, "matrix_power": matrix_power,
           "matrix_exp": matrix_exp, "cholesky": cholesky, "qr": qr}
NUMPY_FUNCTIONS = {np.vdot: vdot}
NUMPY_UFUNCS = {}
