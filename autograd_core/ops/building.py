"""Building arrays at places: numpy's and PyTorch's diagonal and block matrices (diagflat,
diag_embed, block_diag), Vandermonde matrices, products and combinations of vectors,
PyTorch's out-of-place fills and copies at indices or masks (masked_fill, index_fill,
index_copy, masked_scatter), and the constants tril_indices, triu_indices and logspace.

Nothing here is a new op: each function is a composition of the differentiable ops of the
other families (pad, concat, stack, take, where, products), so its first and second
derivatives are theirs. Indices, masks and sizes are constants, checked (with the checks
of ``arrangement``) before anything is computed. ``tril_indices(n, k, m)`` and
``logspace(start, stop, num, endpoint, base)`` take numpy's arguments; PyTorch's
``tril_indices(row, col, offset)`` (a 2 x N tensor) and ``logspace(start, end, steps,
base)`` differ by position (see their docstrings). ``masked_fill``, ``index_fill``,
``index_copy`` and ``masked_scatter`` are PyTorch's out-of-place ones; the in-place
``masked_fill_`` stays the Value method it was.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..engine import _data, constant
from .arithmetic import where
from .factories import _dtype, _made
from .indexing import take
from .joining import concat, pad, stack
from .linalg import _diagonal_index, diag
from .shape import meshgrid, moveaxis, ravel, reshape
from ._composing import _value
from ._operands import axis_arg
from .arrangement import _int, _mask, _scalar_value, _vector_index, atleast_2d

__all__ = [
    "diagflat", "vander", "logspace", "tril_indices", "triu_indices", "diag_embed", "block_diag",
    "cartesian_prod", "combinations", "masked_fill", "index_fill", "index_copy", "masked_scatter"]


# --- diagonals, blocks, powers -----------------------------------------------------------


def diagflat(v, k=0, *, offset=None):
    """The square matrix with the flattened v on its diagonal ``k`` (PyTorch's
    ``offset``), zeros elsewhere (``np.diagflat``, ``torch.diagflat``)."""
    if offset is not None:
        if k != 0:
            raise TypeError("diagflat: give k (numpy) or offset (PyTorch), not both")
        k = offset
    return diag(ravel(_value(v, "diagflat")), _int(k, "diagflat", "k"))


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """PyTorch's ``diag_embed``: each vector along x's last axis put on diagonal ``offset``
    of a square matrix (zeros elsewhere) in the axes ``dim1``, ``dim2`` of the result.

    Args:
        x: (*B, n).
    Returns:
        (*B) with two axes of n + |offset| inserted at dim1 and dim2 (of the result).
    """
    x = _value(x, "diag_embed")
    offset = _int(offset, "diag_embed", "offset")
    if x.ndim < 1:
        raise ValueError("diag_embed: needs at least 1 dimension, got shape ()")
    dim1, dim2 = (axis_arg(d, x.shape, "diag_embed", allow_none=False, ndim=x.ndim + 1)
                  for d in (dim1, dim2))
    if dim1 == dim2:
        raise ValueError(f"diag_embed: dim1 and dim2 name the same axis ({dim1}) of the "
                         f"result, which has {x.ndim + 1} dimensions")
    n = x.shape[-1]
    m = n + abs(offset)
    # A zero in front of each vector; the (m, m) picks take element j + 1 on the diagonal
    # and the zero everywhere else.
    padded = pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 0)])
    picks = np.zeros((m, m), dtype=np.intp)
    picks[_diagonal_index(m, m, offset)] = 1 + np.arange(n)
    return moveaxis(take(padded, picks, -1), (-2, -1), (dim1, dim2))


def block_diag(*tensors):
    """PyTorch's ``block_diag``: the matrices on the diagonal of one matrix, zeros
    elsewhere (numbers are taken as (1, 1), vectors of n as (1, n)).

    >>> block_diag(np.ones((1, 2)), 2.).numpy()
    array([[1., 1., 0.],
           [0., 0., 2.]])
    """
    blocks = []
    for i, t in enumerate(tensors):
        t = _value(t, "block_diag")
        if t.ndim > 2:
            raise ValueError(f"block_diag: input {i} has shape {t.shape}; each must have at "
                             "most 2 dimensions")
        blocks.append(atleast_2d(t))
    if not blocks:  # PyTorch's block_diag() is an empty 1 x 0 matrix
        return constant(np.zeros((1, 0)))
    cols = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        rows.append(pad(b, ((0, 0), (left, cols - left - b.shape[1]))))
        left += b.shape[1]
    return concat(rows, 0)


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a vector x: column j is x**(N-1-j), decreasing powers as
    numpy's default (``increasing=True``: x**j); N columns, len(x) by default
    (``np.vander``, ``torch.vander``). Built by repeated products, so x = 0 has finite
    derivatives."""
    x = _value(x, "vander")
    if x.ndim != 1:
        raise ValueError(f"vander: x must be a vector, got shape {x.shape}")
    N = x.shape[0] if N is None else _int(N, "vander", "N", low=0)
    if N == 0:
        return constant(np.zeros(x.shape + (0,), dtype=x.dtype))
    powers = [constant(np.ones(x.shape, dtype=x.dtype))]
    for _ in range(1, N):
        powers.append(powers[-1] * x)
    return stack(powers if increasing else powers[::-1], axis=1)


def cartesian_prod(*tensors):
    """PyTorch's ``cartesian_prod``: every combination of one element of each vector, one
    row each, in ``itertools.product``'s order; one vector is returned as it is."""
    vectors = [_value(t, "cartesian_prod") for t in tensors]
    if not vectors:
        raise TypeError("cartesian_prod: needs at least one vector")
    for i, v in enumerate(vectors):
        if v.ndim != 1:
            raise ValueError(f"cartesian_prod: input {i} has shape {v.shape}; each must be a "
                             "vector")
    if len(vectors) == 1:
        return vectors[0]
    return stack([ravel(grid) for grid in meshgrid(*vectors, indexing="ij")], axis=1)


def combinations(x, r=2, with_replacement=False):
    """PyTorch's ``combinations``: the r-element combinations of a vector's elements, one
    row each, in ``itertools.combinations``'s order (``with_replacement``: also repeating
    elements, as ``combinations_with_replacement``). r = 0 gives an empty vector."""
    x = _value(x, "combinations")
    if x.ndim != 1:
        raise ValueError(f"combinations: x must be a vector, got shape {x.shape}")
    r = _int(r, "combinations", "r", low=0)
    if r == 0:
        return x[:0]
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = np.array(list(pick(range(x.shape[0]), r)), dtype=np.intp).reshape(-1, r)
    return take(x, rows, 0)


# --- PyTorch's filling and copying at places ----------------------------------------------


def masked_fill(x, mask, value):
    """PyTorch's ``masked_fill`` (out of place): ``value`` where the boolean ``mask`` (which
    broadcasts to x's shape) is true, x elsewhere. A 0-d Value ``value`` gets a gradient."""
    x = _value(x, "masked_fill")
    mask = _mask(mask, x.shape, "masked_fill")
    return where(mask, _scalar_value(value, "masked_fill"), x)


def index_fill(x, dim, index, value):
    """PyTorch's ``index_fill``: x with the slices at ``index`` along ``dim`` set to
    ``value`` (a number or a 0-d Value)."""
    x = _value(x, "index_fill")
    dim = axis_arg(dim, x.shape, "index_fill", allow_none=False)
    idx = _vector_index(index, x.shape[dim], "index_fill", "index", x.shape, dim)
    mask = np.zeros(x.shape, dtype=bool)
    mask[(slice(None),) * dim + (idx,)] = True
    return where(mask, _scalar_value(value, "index_fill"), x)


def index_copy(x, dim, index, source):
    """PyTorch's ``index_copy``: x with slice ``index[i]`` along ``dim`` replaced by slice i
    of ``source`` (x's shape with ``len(index)`` along dim). The indices must differ."""
    x = _value(x, "index_copy")
    dim = axis_arg(dim, x.shape, "index_copy", allow_none=False)
    n = x.shape[dim]
    idx = _vector_index(index, n, "index_copy", "index", x.shape, dim)
    source = _value(source, "index_copy", like=x)
    needed = x.shape[:dim] + (idx.size,) + x.shape[dim + 1:]
    if source.shape != needed:
        raise ValueError(f"index_copy: source has shape {source.shape}, but {idx.size} "
                         f"indices along dim {dim} of an input of shape {x.shape} need "
                         f"{needed}")
    if np.unique(idx).size != idx.size:
        raise ValueError(f"index_copy: index {idx.tolist()} repeats an index; which copy "
                         "would win is undefined (PyTorch's too)")
    picks = np.arange(n)
    picks[idx] = n + np.arange(idx.size)  # the slices of source, after x's in the join
    return take(concat([x, source], dim), picks, dim)


def masked_scatter(x, mask, source):
    """PyTorch's ``masked_scatter``: x with the elements where ``mask`` is true replaced by
    the first elements of ``source`` in order (row-major); source needs at least as many
    elements as the mask has trues."""
    x = _value(x, "masked_scatter")
    mask = _mask(mask, x.shape, "masked_scatter").reshape(-1)
    source = _value(source, "masked_scatter", like=x)
    count = int(mask.sum())
    if source.size < count:
        raise ValueError(f"masked_scatter: the mask has {count} true elements but source "
                         f"(shape {source.shape}) only {source.size}")
    picks = np.arange(x.size)
    picks[mask] = x.size + np.arange(count)
    joined = concat([ravel(x), ravel(source)[:count]], 0)
    return reshape(take(joined, picks, 0), x.shape)


# --- constants: index arrays and ranges ----------------------------------------------------


def _triangle_indices(n, k, m, where, lower):
    n = _int(n, where, "n", low=0)
    k = _int(k, where, "k")
    m = n if m is None else _int(m, where, "m", low=0)
    rows, cols = (np.tril_indices if lower else np.triu_indices)(n, k, m)
    return constant(rows, dtype=np.int64), constant(cols, dtype=np.int64)


def tril_indices(n, k=0, m=None):
    """numpy's ``tril_indices``: (rows, cols), the indices of the lower triangle (on and
    below diagonal k) of an n x m matrix, as integer constants (``x[tril_indices(3)]``).

    PyTorch's ``torch.tril_indices(row, col, offset)`` takes the sizes first and returns
    one 2 x N tensor; as both read ``tril_indices(3, 3)`` differently, numpy's meaning is
    the one here: PyTorch's is ``stack(tril_indices(row, offset, col))``.
    """
    return _triangle_indices(n, k, m, "tril_indices", True)


def triu_indices(n, k=0, m=None):
    """numpy's ``triu_indices``: (rows, cols) of the upper triangle (on and above diagonal
    k) of an n x m matrix; PyTorch's ``triu_indices(row, col, offset)`` is
    ``stack(triu_indices(row, offset, col))`` (see ``tril_indices``)."""
    return _triangle_indices(n, k, m, "triu_indices", False)


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0,
             requires_grad=False, name=None, device=None):
    """``num`` numbers from base**start to base**stop, evenly spaced in the exponent
    (``np.logspace``). PyTorch's ``logspace(start, end, steps, base)`` puts ``base``
    fourth, where numpy has ``endpoint``: pass it by name.

    >>> logspace(0, 2, 3).numpy()
    array([  1.,  10., 100.], dtype=float32)
    """
    num = _int(num, "logspace", "num", low=0)
    data = np.logspace(_data(start), _data(stop), num, endpoint=endpoint, base=_data(base),
                       axis=axis)
    return _made(data.astype(_dtype(dtype, "logspace")), requires_grad, name, "logspace",
                 device)


# Value methods this family adds (name -> function), attached by methods. PyTorch's Tensor
# has each of them; ``masked_fill`` is a Value method already.
METHODS = {name: globals()[name] for name in (
    "index_fill", "index_copy", "masked_scatter", "diag_embed", "diagflat")}
# numpy functions (NEP 18) answered by this family, wired by interop.
NUMPY_FUNCTIONS = {getattr(np, name): globals()[name] for name in ("diagflat", "vander")}
NUMPY_UFUNCS = {}
