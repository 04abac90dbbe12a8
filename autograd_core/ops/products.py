"""Products beyond ``matmul``: PyTorch's fused multiply-adds (addcmul, addcdiv, addmv,
addbmm, baddbmm), ger, inner, the chained product in its cheapest order (multi_dot,
chain_matmul); and PyTorch's top-level linear algebra names (det, inverse, logdet,
pinverse), on the ops of ``inversion``.

Nothing here is a new op: each function is a composition of matmul, tensordot, sums and
the ops of ``inversion``, so its first and second derivatives are theirs.
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import constant
from . import arithmetic, contractions, inversion, linalg, reductions, shape
from ._composing import _broadcast, _number, _unsupported, _value, _values

__all__ = [
    "addcmul", "addcdiv", "addmv", "addbmm", "baddbmm", "ger", "inner", "chain_matmul",
    "multi_dot",
    # PyTorch's top-level linear algebra
    "det", "inverse", "logdet", "pinverse",
]


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002 (PyTorch's names)
    """y = input + value * tensor1 * tensor2, the three broadcast (PyTorch's ``addcmul``)."""
    input, tensor1, tensor2 = _values("addcmul", input, tensor1, tensor2)  # noqa: A001
    _broadcast("addcmul", input=input, tensor1=tensor1, tensor2=tensor2)
    _number(value, "addcmul", "value")
    return input + (tensor1 if value == 1 else value * tensor1) * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """y = input + value * tensor1 / tensor2, the three broadcast (PyTorch's ``addcdiv``)."""
    input, tensor1, tensor2 = _values("addcdiv", input, tensor1, tensor2)  # noqa: A001
    _broadcast("addcdiv", input=input, tensor1=tensor1, tensor2=tensor2)
    _number(value, "addcdiv", "value")
    return input + (tensor1 if value == 1 else value * tensor1) / tensor2


def _scaled_sum(where, input, product, beta, alpha):  # noqa: A002
    """beta * input + alpha * product, input broadcast to the product's shape; with beta 0
    input is left out (its NaNs too), as PyTorch's add*mm functions do."""
    _number(beta, where, "beta")
    _number(alpha, where, "alpha")
    input = _value(input, where, like=product)  # noqa: A001
    try:
        fits = np.broadcast_shapes(input.shape, product.shape) == product.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{where}: input of shape {input.shape} does not broadcast to the "
                         f"product's shape {product.shape}")
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    """y = beta * input + alpha * (mat @ vec) (PyTorch's ``addmv``).

    Args:
        input: broadcast to (n,).  mat: (n, m).  vec: (m,).
    Returns:
        (n,).
    """
    mat, vec = _values("addmv", mat, vec)
    if mat.ndim != 2 or vec.ndim != 1 or mat.shape[1] != vec.shape[0]:
        raise ValueError(f"addmv: expects mat (n, m) and vec (m,), got shapes {mat.shape} "
                         f"and {vec.shape}")
    return _scaled_sum("addmv", input, linalg.matmul(mat, vec), beta, alpha)


def _batches(where, batch1, batch2):
    batch1, batch2 = _values(where, batch1, batch2)
    if batch1.ndim != 3 or batch2.ndim != 3 or batch1.shape[0] != batch2.shape[0] \
            or batch1.shape[2] != batch2.shape[1]:
        raise ValueError(f"{where}: expects batch1 (b, n, m) and batch2 (b, m, p), got "
                         f"shapes {batch1.shape} and {batch2.shape}")
    return linalg.matmul(batch1, batch2)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """y = beta * input + alpha * sum_i batch1[i] @ batch2[i] (PyTorch's ``addbmm``).

    Args:
        input: broadcast to (n, p).  batch1: (b, n, m).  batch2: (b, m, p).
    Returns:
        (n, p).
    """
    product = reductions.sum(_batches("addbmm", batch1, batch2), axis=0)
    return _scaled_sum("addbmm", input, product, beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """y = beta * input + alpha * (batch1 @ batch2), batch by batch (``torch.baddbmm``).

    Args:
        input: broadcast to (b, n, p).  batch1: (b, n, m).  batch2: (b, m, p).
    Returns:
        (b, n, p).
    """
    return _scaled_sum("baddbmm", input, _batches("baddbmm", batch1, batch2), beta, alpha)


def ger(vec1, vec2):
    """y[i, j] = vec1[i] * vec2[j]: PyTorch's ``ger``, its older name of ``outer``."""
    vec1, vec2 = _values("ger", vec1, vec2)
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise ValueError(f"ger: expects two vectors, got shapes {vec1.shape} and "
                         f"{vec2.shape}")
    return linalg.outer(vec1, vec2)


def inner(a, b):
    """y = sum over the last axis of a * b, for every pair of the other axes: numpy's and
    PyTorch's ``inner``, shape a.shape[:-1] + b.shape[:-1] (a * b if one is a scalar)."""
    a, b = _values("inner", a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last axes of a {a.shape} and b {b.shape} differ")
    return contractions.tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


def _chain_split(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits, for matrices of
    shapes (dims[i], dims[i+1]) (the textbook dynamic programme, numpy's ``multi_dot``)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(matrices, split, i, j):
    if i == j:
        return matrices[i]
    k = split[i][j]
    return linalg.matmul(_chain(matrices, split, i, k), _chain(matrices, split, k + 1, j))


def _chain_product(matrices, where):
    for i, (m1, m2) in enumerate(zip(matrices, matrices[1:])):
        if m1.shape[1] != m2.shape[0]:
            raise ValueError(f"{where}: matrices {i} {m1.shape} and {i + 1} {m2.shape} "
                             f"cannot be multiplied")
    dims = [m.shape[0] for m in matrices] + [matrices[-1].shape[1]]
    return _chain(matrices, _chain_split(dims), 0, len(matrices) - 1)


def multi_dot(arrays):
    """A @ B @ C ... in the cheapest order (numpy's and PyTorch's ``linalg.multi_dot``);
    the first may be a vector (a row) and the last a vector (a column), the others are
    matrices. The order changes the cost, not the maths or its derivative.

    Args:
        arrays: a sequence of at least two Values or arrays.
    """
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError(f"multi_dot: expects at least two arrays, got {len(arrays)}")
    ms = _values("multi_dot", *arrays)
    first_vector, last_vector = ms[0].ndim == 1, ms[-1].ndim == 1
    if first_vector:
        ms[0] = shape.reshape(ms[0], (1, -1))
    if last_vector:
        ms[-1] = shape.reshape(ms[-1], (-1, 1))
    bad = [(i, m.shape) for i, m in enumerate(ms) if m.ndim != 2]
    if bad:
        raise ValueError(f"multi_dot: array {bad[0][0]} has shape {arrays[bad[0][0]].shape}; "
                         f"the first and last must be 1-D or 2-D, the others 2-D")
    y = _chain_product(ms, "multi_dot")
    if first_vector or last_vector:
        y = shape.reshape(y, y.shape[first_vector:y.ndim - last_vector])
    return y


def chain_matmul(*matrices):
    """PyTorch's ``chain_matmul(A, B, C, ...)``: the product of matrices, in the cheapest
    order (``multi_dot`` of matrices only; one matrix is returned as it is)."""
    if not matrices:
        raise ValueError("chain_matmul: expects at least one matrix")
    ms = _values("chain_matmul", *matrices)
    bad = [i for i, m in enumerate(ms) if m.ndim != 2]
    if bad:
        raise ValueError(f"chain_matmul: expects matrices, got shape {ms[bad[0]].shape} for "
                         f"argument {bad[0]}")
    return _chain_product(ms, "chain_matmul")


# --- PyTorch's top-level linear algebra --------------------------------------------------


def det(A):
    """det(A) of a square matrix or each in a batch (PyTorch's ``det``,
    ``linalg.det``); dL/dA = g * det(A) * A^-T."""
    return inversion.det(A)


def inverse(A):
    """A^-1 (PyTorch's ``inverse``, ``linalg.inv``); dL/dA = -A^-T g A^-T."""
    return inversion.inv(A)


def logdet(A):
    """log(det(A)) of a square matrix or each in a batch (PyTorch's ``logdet``): -inf
    where det(A) = 0, NaN where it is negative; dL/dA = g * A^-T where det(A) > 0."""
    sign, logabsdet = inversion.slogdet(A)
    positive_det = np.asarray(sign.data > 0)
    other = np.where(sign.data == 0, -np.inf, np.nan).astype(logabsdet.dtype)
    return arithmetic.where(positive_det, logabsdet, constant(other, dtype=logabsdet.dtype))


def pinverse(input, rcond=1e-15):  # noqa: A002
    """The Moore-Penrose pseudo-inverse (PyTorch's ``pinverse``): singular values below
    ``rcond`` times the largest are left out (``linalg.pinv``)."""
    _number(rcond, "pinverse", "rcond")
    return inversion.pinv(input, rcond)


# --- numpy's signatures ----------------------------------------------------------------


def _np_multi_dot(arrays, *, out=None):
    _unsupported("linalg.multi_dot", dict(out=out), out=None)
    return multi_dot(arrays)


# --- the tables ----------------------------------------------------------------------

# PyTorch's Tensor methods that Value lacks (``det`` and ``inverse`` it already has).
METHODS = {name: globals()[name] for name in (
    "addcmul", "addcdiv", "addmv", "addbmm", "baddbmm", "logdet", "pinverse", "inner",
    "ger")}

NUMPY_FUNCTIONS = {
    np.inner: inner,
    np.linalg.multi_dot: _np_multi_dot,
}

NUMPY_UFUNCS = {}
