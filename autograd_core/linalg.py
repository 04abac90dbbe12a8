"""``ag.linalg``: linear algebra under numpy's and PyTorch's ``linalg`` names.

>>> import autograd_core as ag
>>> A = ag.Value([[2.0, 1.0], [1.0, 3.0]])
>>> d = ag.linalg.det(A)
>>> d.backward()
>>> float(d), A.grad                 # dL/dA = det(A) A^-T, the cofactors
(5.0, array([[ 3., -1.],
       [-1.,  2.]], dtype=float32))
>>> ag.linalg.solve(A, [3.0, 4.0]).numpy()
array([1., 1.], dtype=float32)

``eigh``/``eigvalsh`` (symmetric matrices) and ``cholesky`` read the lower triangle, as
numpy's and PyTorch's do; ``slogdet``, ``eigh`` and ``qr`` return named pairs
(``.logabsdet``, ``.eigenvectors``, ``.Q``), ``lu`` a named triple (``P, L, U``);
``lu_factor``, ``lu_factor_ex`` and ``lu_solve`` use PyTorch's packed LU and LAPACK's
pivots. ``solve_triangular``, ``cond`` and ``multi_dot`` are compositions of the ops
(solve, svdvals, matmul), differentiable through them; ``matrix_rank`` is an integer
constant.

``trace`` and ``diagonal`` here take the last two axes (numpy 2's ``linalg.trace``,
``tf.linalg.trace``), where ``ag.trace`` and ``ag.diagonal`` take the first two, as numpy's
top-level functions. ``norm`` is numpy's ``linalg.norm``: with no axis, ord 2 of a matrix
is its largest singular value (``ag.norm``, TensorFlow's, takes the 2-norm of all entries).

TensorFlow's ``tf.linalg`` names are here too, batched over the leading axes: ``diag``,
``diag_part``, ``set_diag``, ``band_part``, ``eye``, ``matvec``, ``adjoint`` and
``matrix_transpose`` (the last two axes swapped; real matrices), ``logdet`` (of symmetric
positive definite matrices, through ``cholesky``), ``triangular_solve`` and
``cholesky_solve`` (through ``solve_triangular``), ``expm`` (``matrix_exp``),
``l2_normalize`` and ``global_norm``.
"""

from functools import reduce as _reduce
from typing import NamedTuple as _NamedTuple

import numpy as _np

from .ops import einsum, matmul, tensordot  # the public ones, with out= as ag.matmul
from .ops.inversion import det, inv, lstsq, matrix_power, pinv, slogdet, solve
from .ops.linalg import diagonal as _diagonal
from .ops.linalg import cross, outer
from .ops.linalg import trace as _trace
from .ops.norms import linalg_norm as norm
from .ops.decompositions import cholesky, eigh, eigvalsh, matrix_exp, qr, svd, svdvals
from .ops.lu_decomposition import lu, lu_factor, lu_factor_ex, lu_solve
from .ops.norms import matrix_norm, vector_norm
from .engine import apply as _apply
from .engine import constant as _constant
from .ops._operands import as_constant as _as_constant
from .ops._operands import operand as _operand
from .ops.inversion import Solve as _Solve
from .ops.linalg import tril as _tril
from .ops.linalg import triu as _triu
from .ops.nondiff import NonDifferentiable as _NonDifferentiable
from .ops.arithmetic import where as _where
from .ops.building import diag_embed as _diag_embed
from .ops.elementwise import log as _log
from .ops.joining import pad as _pad
from .ops.reductions import sum as _sum
from .ops.shape import swapaxes as _swapaxes
from .tf_math import global_norm
from .tf_names import l2_normalize
from .value import get_default_dtype as _default_dtype

__all__ = ["inv", "det", "slogdet", "solve", "lstsq", "pinv", "matrix_power", "svd", "svdvals",
           "eigh", "eigvalsh", "cholesky", "qr", "norm", "vector_norm", "matrix_norm",
           "matmul", "einsum", "tensordot", "outer", "cross", "trace", "diagonal",
           "solve_triangular", "matrix_rank", "cond", "multi_dot", "matrix_exp",
           "lu", "lu_factor", "lu_factor_ex", "lu_solve", "vecdot", "vander", "tensorinv",
           "tensorsolve", "inv_ex", "cholesky_ex", "solve_ex",
           # TensorFlow's tf.linalg names
           "diag", "diag_part", "set_diag", "band_part", "eye", "matvec", "adjoint",
           "matrix_transpose", "logdet", "triangular_solve", "cholesky_solve", "expm",
           "l2_normalize", "global_norm"]

expm = matrix_exp


def trace(x, offset=0):
    """The trace of each matrix of x (..., n, m): the sum of its diagonal ``offset``."""
    return _trace(x, offset, -2, -1)


def diagonal(x, offset=0):
    """The diagonal ``offset`` of each matrix of x (..., n, m), as the last axis
    (``tf.linalg.diag_part``)."""
    return _diagonal(x, offset, -2, -1)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """The solution X of A X = B, or of X A = B with ``left=False``, for a triangular A
    (``torch.linalg.solve_triangular``): only A's upper triangle (``upper=True``) or lower
    one is read, its diagonal taken as ones with ``unitriangular``.

    Args:
        A: (..., n, n) matrices; B: (..., n, k) for ``left``, else (..., k, n); the batch
            axes broadcast.
    Returns:
        X, of the broadcast shape of B.

    Built as ``solve(triu(A), B)`` (or tril, or the transposes for ``left=False``): the
    gradient of A is 0 outside the triangle read, as PyTorch's, and the LU solve of a
    triangular matrix is the triangular solve up to rounding.
    """
    A, B = _operand(A, _Solve), _operand(B, _Solve)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.solve_triangular: A must be square matrices (..., n, n), got "
                         f"shape {A.shape}")
    if B.ndim < 2:
        raise ValueError(f"linalg.solve_triangular: B must be matrices (..., n, k), got shape "
                         f"{B.shape} (for a vector, pass B[:, None])")
    n = A.shape[-1]
    if unitriangular:
        T = (_triu(A, 1) if upper else _tril(A, -1)) + _constant(_np.eye(n, dtype=A.dtype))
    else:
        T = _triu(A) if upper else _tril(A)
    if left:
        return solve(T, B)
    return solve(T.swapaxes(-1, -2), B.swapaxes(-1, -2)).swapaxes(-1, -2)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The number of singular values of A (..., m, n) above a threshold, an integer
    constant (``np.linalg.matrix_rank``, ``torch.linalg.matrix_rank``).

    The threshold: numpy's absolute ``tol``; or PyTorch's max(atol, rtol * largest
    singular value) (numpy 2's ``rtol`` too), rtol 0 when only atol is given; by default
    largest * max(m, n) * eps, both libraries' rule. ``hermitian``: A is symmetric, its
    singular values the |eigenvalues| (from the lower triangle).
    """
    if tol is not None and (atol is not None or rtol is not None):
        raise TypeError("linalg.matrix_rank: pass tol (numpy's) or atol/rtol (PyTorch's), "
                        "not both")

    def fn(a):
        if a.ndim < 2:  # numpy's rank of a vector: 1 unless it is all zeros
            return _np.asarray(int(not _np.all(a == 0)), _np.int64)
        s = _np.abs(_np.linalg.eigvalsh(a)) if hermitian else _np.linalg.svd(
            a, compute_uv=False)
        largest = s.max(axis=-1, initial=0.0)
        eps = _np.finfo(s.dtype).eps * max(a.shape[-2:])
        if tol is not None:
            threshold = _np.asarray(tol)
        elif atol is None and rtol is None:
            threshold = largest * eps
        else:
            absolute = 0.0 if atol is None else _np.asarray(atol)
            relative = (eps if _np.all(absolute <= 0) else 0.0) if rtol is None else rtol
            threshold = _np.maximum(absolute, _np.asarray(relative) * largest)
        return _np.count_nonzero(s > _np.asarray(threshold)[..., None], axis=-1).astype(
            _np.int64)
    return _apply(_NonDifferentiable(fn, "matrix_rank"), _as_constant(A, "matrix_rank"))


def cond(A, p=None):
    """The condition number of A (..., m, n) in the norm ``p`` (``np.linalg.cond``,
    ``torch.linalg.cond``): for p None or 2 the largest singular value over the smallest
    (-2: the smallest over the largest), differentiable through ``svdvals``; for 'fro',
    'nuc', 1, -1, inf, -inf (square A) norm(A, p) * norm(A^-1, p). A singular A gives inf."""
    A = _operand(A, _Solve)
    if A.ndim < 2:
        raise ValueError(f"linalg.cond: expected matrices (..., m, n), got shape {A.shape}")
    if p is None or (not isinstance(p, str) and p in (2, -2)):
        s = svdvals(A)
        largest, smallest = s[..., 0], s[..., -1]
        return smallest / largest if p == -2 else largest / smallest
    if p not in ("fro", "nuc", 1, -1, _np.inf, -_np.inf):
        raise ValueError(f"linalg.cond: p must be None, 2, -2, 'fro', 'nuc', 1, -1, inf or "
                         f"-inf, got {p!r}")
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.cond: p={p!r} needs square matrices, got shape {A.shape}")
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def multi_dot(tensors):
    """The product of a list of matrices, left to right (``np.linalg.multi_dot``,
    ``torch.linalg.multi_dot``): the first may be a vector (a row) and the last a vector (a
    column), the others 2-D. Differentiable through ``matmul``; the order of the products
    is not optimised."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise ValueError(f"linalg.multi_dot: expected at least two arrays, got {len(tensors)}")
    values = [_operand(t, _Solve) for t in tensors]
    for k, v in enumerate(values):
        allowed = (1, 2) if k in (0, len(values) - 1) else (2,)
        if v.ndim not in allowed:
            raise ValueError(f"linalg.multi_dot: array {k} must be "
                             f"{'1-D or 2-D' if len(allowed) == 2 else '2-D'}, got shape "
                             f"{v.shape}")
    return _reduce(matmul, values)



def vecdot(x, y, *, dim=None, axis=None):
    """The dot products of x and y along one axis, the others broadcast
    (``torch.linalg.vecdot(x, y, dim=-1)``, numpy 2's ``np.linalg.vecdot(x1, x2, axis=-1)``):
    sum(x * y) along it, for real numbers."""
    if dim is not None and axis is not None:
        raise TypeError("linalg.vecdot: pass dim (PyTorch's) or axis (numpy's), not both")
    along = -1 if dim is None and axis is None else (axis if dim is None else dim)
    x, y = _operand(x, _Solve), _operand(y, _Solve)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"linalg.vecdot: expected vectors, got shapes {x.shape} and {y.shape}")
    shape = _np.broadcast_shapes(x.shape, y.shape)   # raises naming both shapes
    if not -len(shape) <= along < len(shape):
        raise ValueError(f"linalg.vecdot: axis {along} is out of range for shapes {x.shape} "
                         f"and {y.shape}")
    return _sum(x * y, along)


def vander(x, *, N=None):  # noqa: N803 (PyTorch's argument name)
    """``torch.linalg.vander``: the Vandermonde matrices of x (..., n), (..., n, N) with
    columns x**0, x**1, ..., x**(N-1) (increasing powers; ``np.vander`` decreases).
    Differentiable in x; N defaults to n."""
    x = _operand(x, _Solve)
    if x.ndim < 1:
        raise ValueError("linalg.vander: x must have at least one axis, got a scalar")
    N = x.shape[-1] if N is None else N
    if isinstance(N, bool) or not isinstance(N, (int, _np.integer)) or N < 0:
        raise ValueError(f"linalg.vander: N must be a non-negative integer, got {N!r}")
    return x[..., None] ** _np.arange(N, dtype=x.dtype)


def tensorinv(a, ind=2):
    """The inverse of a tensor seen as a matrix, rows its first ``ind`` axes
    (``np.linalg.tensorinv``, ``torch.linalg.tensorinv``): a (i1..ik, j1..jl) with
    prod(i) = prod(j) gives (j1..jl, i1..ik), tensordot(result, a, ind) the identity."""
    a = _operand(a, _Solve)
    if isinstance(ind, bool) or not isinstance(ind, (int, _np.integer)) or ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, got {ind!r}")
    rows, cols = a.shape[:ind], a.shape[ind:]
    if int(_np.prod(rows)) != int(_np.prod(cols)):
        raise ValueError(f"linalg.tensorinv: a of shape {a.shape} is not square for ind={ind}: "
                         f"its first axes hold {int(_np.prod(rows))} elements, the rest "
                         f"{int(_np.prod(cols))}")
    n = int(_np.prod(rows))
    return inv(a.reshape(n, n)).reshape(cols + rows)


def tensorsolve(a, b, axes=None, *, dims=None):
    """The x with tensordot(a, x, x.ndim) = b (``np.linalg.tensorsolve(a, b, axes)``,
    ``torch.linalg.tensorsolve(A, B, dims)``): a (b's shape + x's shape), the axes listed
    in ``axes``/``dims`` moved to the end first. Differentiable in a and b."""
    if axes is not None and dims is not None:
        raise TypeError("linalg.tensorsolve: pass axes (numpy's) or dims (PyTorch's), not both")
    a, b = _operand(a, _Solve), _operand(b, _Solve)
    moved = axes if dims is None else dims
    if moved is not None:
        moved = [k % a.ndim for k in moved]
        a = a.transpose([k for k in range(a.ndim) if k not in moved] + moved)
    x_shape = a.shape[b.ndim:]
    n = int(_np.prod(x_shape))
    if a.shape[:b.ndim] != b.shape or int(_np.prod(b.shape)) != n:
        raise ValueError(f"linalg.tensorsolve: a of shape {a.shape} does not fit b of shape "
                         f"{b.shape}: a's leading axes must be b's shape and hold as many "
                         f"elements as the rest")
    return solve(a.reshape(n, n), b.reshape(n)).reshape(x_shape)


# PyTorch's *_ex: the factorization or solve, and LAPACK's info (0: it went through) in
# place of an error. Where it did not, the result is NaN (PyTorch leaves LAPACK's partial
# numbers there), and nothing flows back to A from those matrices.


class InvExResult(_NamedTuple):
    inverse: object
    info: object


class CholeskyExResult(_NamedTuple):
    L: object
    info: object


class SolveExResult(_NamedTuple):
    result: object
    info: object


def _square_matrices(A, where):
    A = _matrices(A, where)
    if A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.{where}: A must be square matrices (..., n, n), got shape "
                         f"{A.shape}")
    return A


def _cholesky_info(a):
    """LAPACK potrf's info for each matrix: the order of the first leading minor that is
    not positive definite, else 0."""
    flat = a.reshape((-1,) + a.shape[-2:])
    info = _np.zeros(flat.shape[0], _np.int32)
    try:
        _np.linalg.cholesky(flat)
        return info.reshape(a.shape[:-2])
    except _np.linalg.LinAlgError:
        pass
    for i, m in enumerate(flat):   # rare: only when some matrix fails
        for k in range(1, m.shape[-1] + 1):
            try:
                _np.linalg.cholesky(m[:k, :k])
            except _np.linalg.LinAlgError:
                info[i] = k
                break
    return info.reshape(a.shape[:-2])


def _lu_info(a):
    """LAPACK getrf's info for each matrix: 1 + the index of U's first zero pivot, else 0;
    a matrix numpy's LAPACK finds singular gets at least 1."""
    from .ops.lu_decomposition import _info, lu_array
    info = _info(lu_array(a)[2])
    flat, out = a.reshape((-1,) + a.shape[-2:]), info.reshape(-1)
    try:
        _np.linalg.inv(flat[out == 0])
    except _np.linalg.LinAlgError:   # rounding can leave our pivot nonzero and LAPACK's not
        for i in _np.flatnonzero(out == 0):
            try:
                _np.linalg.inv(flat[i])
            except _np.linalg.LinAlgError:
                out[i] = a.shape[-1]
    return info


def _where_ok(info, compute, A, where, check_errors):
    """compute(A) where info is 0, NaN elsewhere (compute sees the identity there)."""
    if check_errors and _np.any(info > 0):
        raise _np.linalg.LinAlgError(f"linalg.{where}: the matrix of order {int(info.max())} "
                                     f"is singular or not positive definite (info "
                                     f"{int(info.max())})")
    bad = (info > 0)[..., None, None]
    if not bad.any():
        return compute(A)
    eye = _np.eye(A.shape[-1], dtype=A.dtype)
    return _where(bad, _np.asarray(_np.nan, A.dtype), compute(_where(bad, eye, A)))


def inv_ex(A, *, check_errors=False):
    """``torch.linalg.inv_ex``: ``(inverse, info)``, info LAPACK's (0: invertible; i > 0:
    U[i-1, i-1] of its LU is 0), the inverse NaN for such matrices instead of an error."""
    A = _square_matrices(A, "inv_ex")
    info = _lu_info(A.data)
    return InvExResult(_where_ok(info, inv, A, "inv_ex", check_errors),
                       _constant(info, dtype=_np.int32))


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``torch.linalg.cholesky_ex``: ``(L, info)``, info LAPACK's (0: positive definite;
    k > 0: the leading k x k minor is not), L NaN for such matrices instead of an error.
    The idiom it serves: add jitter to the diagonal while info > 0."""
    A = _square_matrices(A, "cholesky_ex")
    info = _cholesky_info(_np.tril(A.data) + _np.swapaxes(_np.tril(A.data, -1), -1, -2))
    return CholeskyExResult(
        _where_ok(info, lambda M: cholesky(M, upper=upper), A, "cholesky_ex", check_errors),
        _constant(info, dtype=_np.int32))


def solve_ex(A, B, *, left=True, check_errors=False):
    """``torch.linalg.solve_ex``: ``(result, info)``, the solution of A X = B (X A = B with
    ``left=False``) and LAPACK's info; the result NaN where A is singular."""
    A = _square_matrices(A, "solve_ex")
    info = _lu_info(A.data)

    def solved(M):
        if left:
            return solve(M, B)
        return _swapaxes(solve(_swapaxes(M, -1, -2), _swapaxes(_operand(B, _Solve), -1, -2)),
                         -1, -2)
    X = _where_ok(info, solved, A, "solve_ex", check_errors)
    return SolveExResult(X, _constant(info, dtype=_np.int32))


# --- TensorFlow's tf.linalg names ---------------------------------------------------------


def _matrices(x, where):
    x = _operand(x, _Solve)
    if x.ndim < 2:
        raise ValueError(f"linalg.{where}: expected matrices (..., m, n), got shape {x.shape}")
    return x


def _k(k, where):
    if isinstance(k, (bool, _np.bool_)) or not isinstance(k, (int, _np.integer)):
        raise ValueError(f"linalg.{where}: k must be one integer (a band of diagonals is not "
                         f"supported), got {k!r}")
    return int(k)


def diag(diagonal, k=0):
    """``tf.linalg.diag``: y[..., i, i + k] = diagonal[..., i], zeros elsewhere; (..., n) ->
    (..., n + |k|, n + |k|). Differentiable: dL/ddiagonal = the diagonal k of g."""
    diagonal = _operand(diagonal, _Solve)
    if diagonal.ndim < 1:
        raise ValueError("linalg.diag: diagonal must have at least one axis, got a scalar")
    return _diag_embed(diagonal, _k(k, "diag"))


def diag_part(input, k=0):  # noqa: A002 (TensorFlow's name)
    """``tf.linalg.diag_part``: y[..., i] = input[..., i, i + k] (``diagonal``)."""
    return diagonal(_matrices(input, "diag_part"), _k(k, "diag_part"))


def set_diag(input, diagonal, k=0):  # noqa: A002
    """``tf.linalg.set_diag``: input with its main diagonal replaced: y[..., i, i] =
    diagonal[..., i] (input (..., m, n), diagonal (..., min(m, n))); only k = 0."""
    x = _matrices(input, "set_diag")
    d = _operand(diagonal, _Solve)
    m, n = x.shape[-2:]
    if _k(k, "set_diag") != 0:
        raise ValueError(f"linalg.set_diag: only k=0 is supported, got k={k}")
    if d.shape[-1:] != (min(m, n),) or d.shape[:-1] != x.shape[:-2]:
        raise ValueError(f"linalg.set_diag: diagonal must have shape "
                         f"{x.shape[:-2] + (min(m, n),)} for input of shape {x.shape}, got "
                         f"{d.shape}")
    r = min(m, n)
    square = _diag_embed(d)                                  # (..., r, r)
    full = _np.zeros((m, n), bool)
    full[:r, :r] = _np.eye(r, dtype=bool)
    if (m, n) != (r, r):
        pads = [(0, 0)] * (x.ndim - 2) + [(0, m - r), (0, n - r)]
        square = _pad(square, pads)
    return _where(full, square, x)


def band_part(input, num_lower, num_upper):  # noqa: A002
    """``tf.linalg.band_part``: y[..., i, j] = input[..., i, j] where i - j <= num_lower and
    j - i <= num_upper (a negative bound keeps that whole triangle), 0 elsewhere."""
    x = _matrices(input, "band_part")
    for name, b in (("num_lower", num_lower), ("num_upper", num_upper)):
        if isinstance(b, (bool, _np.bool_)) or not isinstance(b, (int, _np.integer)):
            raise TypeError(f"linalg.band_part: {name} must be an integer, got {b!r}")
    i, j = _np.indices(x.shape[-2:])
    keep = ((num_lower < 0) | (i - j <= num_lower)) & ((num_upper < 0) | (j - i <= num_upper))
    return _where(keep, x, _np.zeros((), x.dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=None):
    """``tf.linalg.eye``: identity matrices (num_rows, num_columns), repeated over
    ``batch_shape``; a constant of ``dtype`` (the default float dtype)."""
    dtype = _default_dtype() if dtype is None else _np.dtype(dtype)
    m = _np.eye(int(num_rows), int(num_rows if num_columns is None else num_columns),
                dtype=dtype)
    shape = tuple(batch_shape or ()) + m.shape
    return _constant(_np.broadcast_to(m, shape).copy(), dtype=dtype)


def matrix_transpose(a, conjugate=False):
    """``tf.linalg.matrix_transpose``: the last two axes swapped (real: ``conjugate`` does
    nothing)."""
    return _swapaxes(_matrices(a, "matrix_transpose"), -1, -2)


def adjoint(matrix):
    """``tf.linalg.adjoint``: the conjugate transpose of the last two axes (real here)."""
    return _swapaxes(_matrices(matrix, "adjoint"), -1, -2)


def matvec(a, b, transpose_a=False, adjoint_a=False):
    """``tf.linalg.matvec``: y[..., i] = sum_j a[..., i, j] b[..., j] (a transposed first
    with ``transpose_a`` or ``adjoint_a``)."""
    a, b = _matrices(a, "matvec"), _operand(b, _Solve)
    if transpose_a or adjoint_a:
        a = _swapaxes(a, -1, -2)
    if b.ndim < 1 or b.shape[-1] != a.shape[-1]:
        raise ValueError(f"linalg.matvec: a of shape {a.shape} needs vectors b (..., "
                         f"{a.shape[-1]}), got shape {b.shape}")
    return matmul(a, b[..., None])[..., 0]


def logdet(matrix):
    """``tf.linalg.logdet`` of symmetric positive definite matrices: log det A =
    2 sum(log(diag(L))), L = cholesky(A) (its lower triangle is read)."""
    L = cholesky(_matrices(matrix, "logdet"))
    return 2.0 * _sum(_log(diagonal(L)), -1)


def triangular_solve(matrix, rhs, lower=True, adjoint=False):
    """``tf.linalg.triangular_solve``: X with A X = rhs (A^T X = rhs with ``adjoint``),
    only A's lower (``lower``) or upper triangle read. matrix (..., n, n), rhs (..., n, k)."""
    A = _matrices(matrix, "triangular_solve")
    if adjoint:
        return solve_triangular(_swapaxes(A, -1, -2), rhs, upper=lower)
    return solve_triangular(A, rhs, upper=not lower)


def cholesky_solve(chol, rhs):
    """``tf.linalg.cholesky_solve``: X with A X = rhs, A = L L^T given its Cholesky factor
    L = chol (lower): X = L^-T (L^-1 rhs)."""
    L = _matrices(chol, "cholesky_solve")
    return triangular_solve(L, triangular_solve(L, rhs), adjoint=True)
