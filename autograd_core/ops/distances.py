"""Distances and covariance: PyTorch's cosine_similarity, pairwise_distance and dist, and the
covariance and correlation matrices cov and corrcoef (PyTorch's signatures; numpy's
through ``np.cov`` and ``np.corrcoef``).

Nothing here is a new op: each is a composition of norms, sums, matmul and ``where``, so
its first and second derivatives are theirs.
"""

from __future__ import annotations

import numpy as np

from ..engine import _data
from . import arithmetic, elementwise, joining, linalg, norms, reductions, shape
from ._composing import _broadcast, _number, _unsupported, _value, _values
from ._operands import as_constant, axis_arg

__all__ = ["cosine_similarity", "pairwise_distance", "dist", "cov", "corrcoef"]


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """y = sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along ``dim``, as PyTorch's
    ``nn.functional.cosine_similarity`` computes it: x1 and x2 broadcast first, and the
    clamp at eps changes the value only (PyTorch clamps without recording), so the
    gradient is that of the unclamped norms."""
    x1, x2 = _values("cosine_similarity", x1, x2)
    common = _broadcast("cosine_similarity", x1=x1, x2=x2)
    _number(eps, "cosine_similarity", "eps")
    if not common:
        raise ValueError("cosine_similarity: x1 and x2 are scalars: there is no dim")
    dim = axis_arg(dim, common, "cosine_similarity", allow_none=False)
    x1, x2 = shape.broadcast_to(x1, common), shape.broadcast_to(x2, common)
    units = []
    for x in (x1, x2):
        size = norms.norm(x, axis=dim, keepdims=True)
        # The clamp as a constant shift: the value becomes max(||x||, eps), the gradient
        # stays the norm's.
        size = size + (np.maximum(size.data, eps) - size.data).astype(x.dtype)
        units.append(x / size)
    return reductions.sum(units[0] * units[1], dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """y = ||x1 - x2 + eps||_p over the last axis (PyTorch's
    ``nn.functional.pairwise_distance``, eps added to the difference as it does); the
    gradient at a zero distance is 0, the norm's."""
    x1, x2 = _values("pairwise_distance", x1, x2)
    common = _broadcast("pairwise_distance", x1=x1, x2=x2)
    _number(p, "pairwise_distance", "p")
    _number(eps, "pairwise_distance", "eps")
    if not common:
        raise ValueError("pairwise_distance: x1 and x2 are scalars: there is no last axis")
    return norms.norm(x1 - x2 + eps, ord=p, axis=-1, keepdims=keepdim)


def dist(input, other, p=2):  # noqa: A002
    """y = ||input - other||_p over all entries, broadcast first (PyTorch's ``dist``); the
    gradient at a zero distance is 0, the norm's."""
    x, other = _values("dist", input, other)
    _broadcast("dist", input=x, other=other)
    _number(p, "dist", "p")
    return norms.norm(x - other, ord=p)


def _weights(w, name, n, integral):
    """fweights or aweights checked: a vector of n non-negative numbers."""
    w = _value(w, "cov") if not integral else as_constant(w, "cov")
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"cov: {name} must be a vector of one weight per observation "
                         f"({n}), got shape {w.shape}")
    if integral and w.dtype.kind not in "iu":
        raise TypeError(f"cov: fweights must be integers, got dtype {w.dtype}")
    if (w.data < 0).any():
        raise ValueError(f"cov: {name} cannot be negative")
    return w


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    """The covariance matrix of the variables in the rows of ``input`` (observations in
    the columns), PyTorch's ``cov``: C = (x - avg) W (x - avg)^T / (sum(w) - correction *
    sum(w * aweights) / sum(w)), w = fweights * aweights (1 without them). A single
    variable gives a 0-d variance. A divisor <= 0 is taken as 0 (inf or NaN), as in both
    libraries.

    Args:
        input: (variables, observations), or (observations,) for one variable.
        correction: 1 (default) the unbiased estimate, 0 the population covariance.
        fweights: integer frequency weights, one per observation.
        aweights: observation weights, one per observation (a Value gets a gradient).
    Returns:
        (variables, variables), squeezed.
    """
    x = _value(input, "cov")
    if x.ndim > 2:
        raise ValueError(f"cov: expects (variables, observations) of at most 2 dimensions, "
                         f"got shape {x.shape}")
    _number(correction, "cov", "correction")
    x = shape.reshape(x, (1, -1)) if x.ndim < 2 else x
    n = x.shape[1]
    fw = None if fweights is None else _weights(fweights, "fweights", n, True)
    aw = None if aweights is None else _weights(aweights, "aweights", n, False)
    w = aw if fw is None else fw.data.astype(x.dtype) if aw is None else aw * fw.data
    if w is None:
        w_sum, avg = n, reductions.mean(x, 1, keepdims=True)
        divisor = n - correction
    else:
        w = _value(w, "cov", like=x)
        w_sum = reductions.sum(w)
        avg = reductions.sum(x * w, 1, keepdims=True) / w_sum
        if correction == 0:
            divisor = w_sum
        elif aw is None:
            divisor = w_sum - correction
        else:
            divisor = w_sum - correction * reductions.sum(w * aw) / w_sum
    if np.all(_data(divisor) <= 0):
        divisor = 0.0
    centered = x - avg
    weighted = centered if w is None else centered * w
    with np.errstate(divide="ignore", invalid="ignore"):
        c = linalg.matmul(weighted, shape.transpose(centered)) / divisor
    return shape.squeeze(c)


def corrcoef(input):  # noqa: A002
    """The correlation coefficients of the variables in the rows of ``input``: C[i, j] /
    sqrt(C[i, i] C[j, j]) with C = cov(input), clipped to [-1, 1] (PyTorch's and numpy's
    ``corrcoef``); a single variable gives C / C."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    size = elementwise.sqrt(linalg.diagonal(c))
    c = c / shape.expand_dims(size, 1)
    c = c / shape.expand_dims(size, 0)
    return arithmetic.clip(c, -1.0, 1.0)


# --- numpy's signatures ----------------------------------------------------------------


def _np_cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
            dtype=None):
    """numpy's ``cov``: y adds rows of variables; rowvar False puts them in columns; the
    divisor is n - ddof, ddof 1 by default (0 with bias)."""
    _unsupported("cov", dict(dtype=dtype), dtype=None)
    rows = [_variables(m, rowvar)] + ([] if y is None else [_variables(y, rowvar)])
    x = rows[0] if len(rows) == 1 else joining.concat(rows, 0)
    correction = (0 if bias else 1) if ddof is None else ddof
    return cov(x, correction=correction, fweights=fweights, aweights=aweights)


def _variables(m, rowvar):
    m = _value(m, "cov")
    if m.ndim > 2:
        raise ValueError(f"np.cov: m has more than 2 dimensions (shape {m.shape})")
    m = shape.reshape(m, (1, -1)) if m.ndim < 2 else m
    return shape.transpose(m) if not rowvar and m.shape[0] != 1 else m


def _np_corrcoef(x, y=None, rowvar=True, *, dtype=None):
    _unsupported("corrcoef", dict(dtype=dtype), dtype=None)
    rows = [_variables(x, rowvar)] + ([] if y is None else [_variables(y, rowvar)])
    return corrcoef(rows[0] if len(rows) == 1 else joining.concat(rows, 0))


# --- the tables ----------------------------------------------------------------------

# PyTorch's Tensor methods that Value lacks.
METHODS = {name: globals()[name] for name in ("dist", "cov", "corrcoef")}

NUMPY_FUNCTIONS = {
    np.cov: _np_cov,
    np.corrcoef: _np_corrcoef,
}

NUMPY_UFUNCS = {}
