"""PyTorch's functions whose layers live elsewhere: the activations ``glu``, ``celu``,
``softshrink``, ``hardshrink``, ``tanhshrink``, ``threshold``, ``rrelu``, ``softmax2d``
and ``prelu`` (their modules are in ``torch_activations`` and ``layers``),
``embedding_bag``, ``embedding`` and ``bilinear`` (``torch_sparse``, ``reshaping``), and
the distances ``pairwise_distance`` and ``pdist``. The normalizations (``layer_norm``,
``batch_norm``...) are in ``torch_norm_functions``, the dropouts and ``gumbel_softmax`` in
``torch_random_functions``; they are importable from here too.

They are apart from their layers so that ``nn.functional``, which the layer modules
import, can re-export them without an import cycle.
"""

import math

import numpy as np

import autograd_core as ag

from ._torch_arguments import _dim, _float_value, _number
from .reshaping import _max_norm, _padding_idx, _renorm_rows
# written in their own modules, and importable from here as before
from .torch_norm_functions import batch_norm, group_norm, instance_norm, layer_norm, rms_norm
from .torch_random_functions import (
    alpha_dropout, dropout1d, dropout2d, feature_alpha_dropout, gumbel_softmax,
)

__all__ = ["glu", "celu", "softshrink", "hardshrink", "tanhshrink", "threshold", "rrelu",
           "softmax2d", "embedding_bag", "bilinear", "embedding", "layer_norm", "rms_norm",
           "batch_norm", "instance_norm", "group_norm", "prelu", "dropout1d", "dropout2d",
           "alpha_dropout", "feature_alpha_dropout", "gumbel_softmax", "pairwise_distance",
           "pdist"]

_MODES = ("sum", "mean", "max")  # embedding_bag's


def _lambd(lambd, where):
    lambd = _number(lambd, "lambd", where)
    if not 0 <= lambd < math.inf:
        raise ValueError(f"{where}: lambd must be a finite number >= 0, got {lambd}")
    return lambd


def _alpha(alpha, where):
    alpha = _number(alpha, "alpha", where)
    if alpha == 0 or math.isinf(alpha):
        raise ValueError(f"{where}: alpha must be finite and not 0, got {alpha}")
    return alpha


def _bounds(lower, upper, where):
    lower, upper = _number(lower, "lower", where), _number(upper, "upper", where)
    if not -math.inf < lower <= upper < math.inf:
        raise ValueError(f"{where}: lower ({lower}) and upper ({upper}) must be finite with "
                         "lower <= upper")
    return lower, upper

# --- activations ----------------------------------------------------------------------

def glu(input, dim=-1):
    """a * sigmoid(b), a the first half of x along ``dim`` and b the second."""
    x = _float_value(input, "glu")
    dim = _dim(dim, "glu")
    if x.ndim == 0 or not -x.ndim <= dim < x.ndim:
        raise ValueError(f"glu: dim {dim} is out of range for an input of shape {x.shape}")
    if x.shape[dim] % 2:
        raise ValueError(f"glu: halving dim {dim} needs an even size, got input of shape "
                         f"{x.shape}")
    a, b = ag.split(x, 2, axis=dim)
    return a * ag.sigmoid(b)


def celu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x / alpha) - 1)."""
    alpha = _alpha(alpha, "celu")
    x = _float_value(input, "celu")
    positive = x.data > 0
    # the exp sees only x <= 0: a large positive x would overflow it, and inf times the
    # branch's zero gradient would be NaN
    return ag.where(positive, x, alpha * ag.expm1(ag.where(positive, 0.0, x) / alpha))


def softshrink(input, lambd=0.5):
    """x - lambd if x > lambd, x + lambd if x < -lambd, else 0; dy/dx = 1 outside."""
    lambd = _lambd(lambd, "softshrink")
    x = _float_value(input, "softshrink")
    return ag.where(x.data > lambd, x - lambd, ag.where(x.data < -lambd, x + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    """x if |x| > lambd, else 0; dy/dx = 1 outside [-lambd, lambd]."""
    lambd = _lambd(lambd, "hardshrink")
    x = _float_value(input, "hardshrink")
    return ag.where((x.data < -lambd) | (x.data > lambd), x, 0.0)


def tanhshrink(input):
    """x - tanh(x)."""
    x = _float_value(input, "tanhshrink")
    return x - ag.tanh(x)


def threshold(input, threshold, value, inplace=False):
    """x if x > threshold, else value; dy/dx = 1 where x > threshold."""
    threshold = _number(threshold, "threshold", "threshold")
    value = _number(value, "value", "threshold")
    x = _float_value(input, "threshold")
    return ag.where(x.data > threshold, x, value)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """x if x > 0 else a * x, a ~ U(lower, upper) per element when ``training`` (drawn from
    ``ag.random``'s generator), else a = (lower + upper) / 2 (PyTorch's default here)."""
    lower, upper = _bounds(lower, upper, "rrelu")
    x = _float_value(input, "rrelu")
    if training:
        return _random_slopes(x, lower, upper, None)
    slope = x.dtype.type((lower + upper) / 2)
    return x * np.where(x.data > 0, x.dtype.type(1), slope)


def _random_slopes(x, lower, upper, rng):
    """x * a, a ~ U(lower, upper) where x <= 0 and 1 elsewhere (PyTorch's noise)."""
    u = rng.random(x.shape) if rng is not None else \
        ag.random.uniform(x.shape, dtype=ag.float64).numpy()
    slopes = (lower + (upper - lower) * u).astype(x.dtype)
    return x * np.where(x.data > 0, x.dtype.type(1), slopes)


def softmax2d(input):
    """softmax over axis -3, the channels of (N, C, H, W) or (C, H, W) images."""
    x = _float_value(input, "softmax2d")
    if x.ndim not in (3, 4):
        raise ValueError(f"Softmax2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, "
                         f"got shape {x.shape}")
    return ag.softmax(x, axis=-3)


def prelu(input, weight):
    """y = x if x > 0 else weight * x, one slope for all (weight (1,)) or one per channel
    (weight (C,), C = input's axis 1).

        dy/dx = 1 or weight;  dy/dweight = x where x <= 0, else 0.

    Args (PyTorch's): input (N, C, *) or any shape with a single slope; weight (1,) or (C,).
    """
    where = "prelu"
    x = _float_value(input, where)
    w = weight if isinstance(weight, ag.Value) else ag.constant(weight)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.ndim > 1 or w.size not in (1, channels):
        raise ValueError(f"{where}: weight must hold 1 slope or one per channel ({channels} "
                         f"for input of shape {x.shape}), got shape {w.shape}")
    if w.size > 1:
        w = ag.reshape(w, (channels,) + (1,) * (x.ndim - 2))
    else:
        w = ag.reshape(w, ())
    return ag.where(x.data > 0, x, w * x)


# --- embeddings and the bilinear map -----------------------------------------------------

def _unsupported(where, **flags):
    for what, given in flags.items():
        if given:
            raise NotImplementedError(f"{where}: {what}=True is not supported (dense "
                                      f"gradients only, each id counted as it comes)")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """y[...] = E[ids[...]], the rows of the table E looked up.

        dL/dE[i] = sum of g over the positions where ids == i (divided by how often i
        occurs in ``input`` with ``scale_grad_by_freq``); none for padding_idx's row.

    Args (PyTorch's):
        input: integer ids, any shape (*), in [0, num_embeddings).
        weight: the table E (num_embeddings, embedding_dim).
        padding_idx: an id whose row is looked up but gets no gradient (negative counts
            from the end).
        max_norm, norm_type=2.0: rows looked up whose norm_type-norm exceeds max_norm are
            scaled in place to max_norm, outside the graph (``weight`` must then be a
            Variable, a Parameter).
        scale_grad_by_freq: see above.  sparse: only False (dense gradients).

    Returns:
        (*, embedding_dim).

    PyTorch's example:

    >>> import numpy as np, nn.functional as F
    >>> table = np.arange(30.0).reshape(10, 3)
    >>> F.embedding(np.array([[1, 2, 4, 5], [4, 3, 2, 9]]), table).shape
    (2, 4, 3)
    """
    where = "embedding"
    _unsupported(where, sparse=sparse)
    E = weight if isinstance(weight, ag.Value) else ag.constant(weight)
    if E.ndim != 2 or E.dtype.kind != "f":
        raise ValueError(f"{where}: weight must be a 2-D float table (num_embeddings, "
                         f"embedding_dim), got shape {E.shape} and dtype {E.dtype}")
    ids = np.asarray(input.data if isinstance(input, ag.Value) else input)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{where}: input must hold integer ids, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= E.shape[0]):
        raise IndexError(f"{where}: ids must lie in [0, {E.shape[0]}) for weight of shape "
                         f"{E.shape}, got {ids.min()}..{ids.max()}")
    padding_idx = _padding_idx(padding_idx, E.shape[0], where)
    max_norm, norm_type = _max_norm(max_norm, norm_type, where)
    if max_norm is not None:
        if not isinstance(E, ag.Variable):
            raise TypeError(f"{where}: max_norm renormalises weight in place: weight must be "
                            f"a Variable, got {type(weight).__name__}")
        _renorm_rows(E, ids.reshape(-1), max_norm, norm_type)
    rows = ag.gather(E, ids, axis=0)
    if scale_grad_by_freq:
        # the same numbers forward (rows + 0), the gradient scaled by 1 / count(id)
        counts = np.bincount(ids.reshape(-1), minlength=E.shape[0])[ids]
        held = ag.stop_gradient(rows)
        rows = held + (rows - held) * (1.0 / counts[..., None]).astype(E.dtype)
    if padding_idx is None:
        return rows
    return ag.where(np.expand_dims(ids == padding_idx, -1), ag.stop_gradient(rows), rows)


def _bags(input, offsets, include_last_offset, where):
    """The ids, flat (L,), and the bag of each (L,); and the number of bags. A 2-D input
    (B, n) is B bags of n ids; a 1-D one is cut at ``offsets``, each bag running from its
    offset to the next, the last one to the end of the input (``include_last_offset``:
    offsets also holds that end, the input's length, as its last entry)."""
    ids = np.asarray(input.data if isinstance(input, ag.Value) else input)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{where}: input must hold integer ids, got dtype {ids.dtype}")
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{where}: offsets must be None for a 2-D input (B, n) of "
                             f"equal bags, got offsets and input of shape {ids.shape}")
        bags = ids.shape[0]
        return ids.reshape(-1), np.repeat(np.arange(bags), ids.shape[1]), bags
    if ids.ndim != 1:
        raise ValueError(f"{where}: input must be 2-D (B, n) or 1-D with offsets, got shape "
                         f"{ids.shape}")
    if offsets is None:
        raise ValueError(f"{where}: a 1-D input needs offsets, the start of each bag")
    starts = np.asarray(offsets.data if isinstance(offsets, ag.Value) else offsets)
    if starts.ndim != 1 or starts.dtype.kind not in "iu":
        raise ValueError(f"{where}: offsets must be a 1-D array of integers, got shape "
                         f"{starts.shape} and dtype {starts.dtype}")
    if starts.size and starts[0] != 0:
        raise ValueError(f"{where}: offsets[0] must be 0 (the first bag starts the input), "
                         f"got {starts[0]}")
    if np.any(np.diff(starts) < 0) or (starts.size and starts[-1] > ids.size):
        raise ValueError(f"{where}: offsets must rise from 0 to at most the input's length "
                         f"{ids.size}, got {starts.tolist()}")
    if include_last_offset:
        # PyTorch's kernels disagree (by dtype and mode) on ids after a last offset short
        # of the input's end, so only its documented case is taken
        if starts.size == 0 or starts[-1] != ids.size:
            raise ValueError(f"{where}: with include_last_offset, offsets' last entry must "
                             f"be the input's length {ids.size}, got {starts.tolist()}")
        starts = starts[:-1]
    if starts.size == 0:
        if ids.size:
            raise ValueError(f"{where}: {ids.size} ids given to no bag (offsets is empty)")
        return ids, np.zeros(0, np.int64), 0
    position = np.arange(ids.size)
    return ids, np.searchsorted(starts, position, side="right") - 1, starts.size


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """y[b] = sum, mean or max over the ids i of bag b of E[i] (times per_sample_weights
    in "sum" mode); ids equal to padding_idx are left out; an empty bag gives zeros.

    Args (PyTorch's):
        input: ids, (B, n) (B bags of n ids) or (L,) cut into bags by ``offsets``.
        weight: the table E (num_embeddings, embedding_dim).
        offsets: (B,) the start of each bag in a 1-D input, offsets[0] = 0; with
            ``include_last_offset``, (B + 1,), the last entry the input's length.
        max_norm, norm_type: as ``Embedding``'s: rows looked up with a norm above
            max_norm are scaled in place (``weight`` must then be a Variable).
        mode: "mean" (default), "sum" or "max".
        per_sample_weights: of input's shape, one factor per id ("sum" mode only).
        padding_idx: ids that count for nothing (negative: from the end).

    Returns:
        (B, embedding_dim).
    """
    where = "embedding_bag"
    _unsupported(where, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
    E = weight if isinstance(weight, ag.Value) else ag.constant(weight)
    if E.ndim != 2 or E.dtype.kind != "f":
        raise ValueError(f"{where}: weight must be a 2-D float table (num_embeddings, "
                         f"embedding_dim), got shape {E.shape} and dtype {E.dtype}")
    if mode not in _MODES:
        raise ValueError(f"{where}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    padding_idx = _padding_idx(padding_idx, E.shape[0], where)
    max_norm, norm_type = _max_norm(max_norm, norm_type, where)
    ids, bag, bags = _bags(input, offsets, include_last_offset, where)
    if ids.size and (ids.min() < 0 or ids.max() >= E.shape[0]):
        raise IndexError(f"{where}: ids must lie in [0, {E.shape[0]}), got "
                         f"{ids.min()}..{ids.max()}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(f"{where}: per_sample_weights are only for mode='sum', got "
                             f"mode={mode!r}")
        per_sample_weights = per_sample_weights if isinstance(per_sample_weights, ag.Value) \
            else ag.constant(np.asarray(per_sample_weights, E.dtype))
        if per_sample_weights.shape != np.shape(input):
            raise ValueError(f"{where}: per_sample_weights must have input's shape "
                             f"{np.shape(input)}, got {per_sample_weights.shape}")
    if max_norm is not None:
        if not isinstance(E, ag.Variable):
            raise TypeError(f"{where}: max_norm renormalises weight in place: weight must be "
                            f"a Variable, got {type(weight).__name__}")
        _renorm_rows(E, ids, max_norm, norm_type)
    kept = np.arange(ids.size) if padding_idx is None else np.flatnonzero(ids != padding_idx)
    ids, bag = ids[kept], bag[kept]
    zeros = ag.zeros((bags, E.shape[1]), dtype=E.dtype)
    if mode == "max":
        return _bag_max(E, ids, bag, bags)
    rows = ag.gather(E, ids, axis=0)
    if per_sample_weights is not None:
        factors = ag.gather(ag.reshape(per_sample_weights, (-1,)), kept, axis=0)
        rows = rows * ag.expand_dims(factors, 1)
    total = ag.index_add(zeros, 0, bag, rows)
    if mode == "sum":
        return total
    counts = np.bincount(bag, minlength=bags).astype(E.dtype)
    return total / np.maximum(counts, 1)[:, None]


def _bag_max(E, ids, bag, bags):
    """y[b, d] = max over the ids i of bag b of E[i, d], 0 for an empty bag: each entry is
    gathered from the one row that holds it (the first, in order, if rows tie), so that
    row alone gets its gradient, as PyTorch's."""
    dim = E.shape[1]
    values = E.numpy()[ids]
    best = np.full((bags, dim), -np.inf, values.dtype)
    np.maximum.at(best, bag, values)
    columns = np.broadcast_to(np.arange(dim), values.shape)
    first = np.full((bags, dim), ids.size, np.int64)
    at_max = values == best[bag]
    order = np.broadcast_to(np.arange(ids.size)[:, None], values.shape)
    np.minimum.at(first, (np.broadcast_to(bag[:, None], values.shape)[at_max],
                          columns[at_max]), order[at_max])
    filled = first < ids.size
    row = np.where(filled, np.append(ids, 0)[first], 0)
    picked = ag.gather(ag.reshape(E, (-1,)), row * dim + np.arange(dim), axis=0)
    return ag.where(filled, picked, 0.0)


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o].

    Args:
        input1: (..., in1_features); input2: (..., in2_features), the same leading shape.
        weight: (out_features, in1_features, in2_features); bias: (out_features,) or None.

    Returns:
        (..., out_features).
    """
    where = "bilinear"
    x1 = input1 if isinstance(input1, ag.Value) else ag.constant(input1)
    x2 = input2 if isinstance(input2, ag.Value) else ag.constant(input2)
    A = weight if isinstance(weight, ag.Value) else ag.constant(weight)
    if A.ndim != 3:
        raise ValueError(f"{where}: weight must be 3-D (out_features, in1_features, "
                         f"in2_features), got shape {A.shape}")
    if x1.ndim == 0 or x1.shape[:-1] != x2.shape[:-1] or x1.shape[-1:] != A.shape[1:2] \
            or x2.shape[-1:] != A.shape[2:]:
        raise ValueError(f"{where}: inputs of shapes {x1.shape} and {x2.shape} do not fit "
                         f"weight of shape {A.shape}: give (..., {A.shape[1]}) and "
                         f"(..., {A.shape[2]}) with the same leading shape")
    if bias is not None and tuple(np.shape(bias)) != A.shape[:1]:
        raise ValueError(f"{where}: bias must have shape {A.shape[:1]}, got "
                         f"{tuple(np.shape(bias))}")
    lead = x1.shape[:-1]
    y = ag.einsum("ni,oij,nj->no", ag.reshape(x1, (-1, A.shape[1])), A,
                  ag.reshape(x2, (-1, A.shape[2])))
    if bias is not None:
        y = y + bias
    return ag.reshape(y, lead + A.shape[:1])


# --- distances ---------------------------------------------------------------------------

def _p_norm(d, p, axis, keepdims):
    """||d||_p along ``axis``: (sum |d|**p) ** (1 / p), max |d| for p = inf, the count of
    non-zeros (no gradient) for p = 0. A zero vector's gradient is 0, as PyTorch's."""
    a = ag.abs(d)
    if p == math.inf:
        return ag.amax(a, axis=axis, keepdims=keepdims)
    if p == 0:
        return ag.constant(np.sum(d.numpy() != 0, axis=axis, keepdims=keepdims).astype(d.dtype))
    if p == 1:
        return ag.sum(a, axis=axis, keepdims=keepdims)
    s = ag.sum(a ** p, axis=axis, keepdims=keepdims)
    zero = s.numpy() == 0
    # the zeros are kept from the power, whose derivative there is infinite
    return ag.where(zero, 0.0, ag.where(zero, 1.0, s) ** (1.0 / p))


def _norm_order(p, where):
    p = _number(p, "p", where)
    if p < 0:
        raise ValueError(f"{where}: p must be >= 0 (a norm's order, inf allowed), got {p}")
    return p


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """d = ||x1 - x2 + eps||_p along the last axis, x1 and x2 broadcast together:
    (*, D) and (*, D) -> (*) (or (*, 1) with ``keepdim``). PyTorch's, eps included."""
    where = "pairwise_distance"
    a, b = _float_value(x1, where), _float_value(x2, where)
    p, eps = _norm_order(p, where), _number(eps, "eps", where)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{where}: x1 of shape {a.shape} and x2 of shape {b.shape} do not "
                         "broadcast together") from None
    if not shape:
        raise ValueError(f"{where}: expected vectors (*, D), got 0-D inputs")
    return _p_norm(a - b + eps, p, len(shape) - 1, bool(keepdim))


def pdist(input, p=2.0):
    """d[k] = ||x_i - x_j||_p for every pair of rows i < j of x (N, M), in the order of
    numpy's ``triu_indices(N, 1)``: (N, M) -> (N * (N - 1) / 2,)."""
    where = "pdist"
    x = _float_value(input, where)
    if x.ndim != 2:
        raise ValueError(f"{where}: expected a 2-D input (N, M), got shape {x.shape}")
    p = _norm_order(p, where)
    i, j = np.triu_indices(x.shape[0], 1)
    return _p_norm(ag.take(x, i, axis=0) - ag.take(x, j, axis=0), p, 1, False)
