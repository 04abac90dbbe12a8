"""More of TensorFlow's own names (imported by ``tf_names``, which builds ``ag.math`` and
``ag.nn`` from them): scatter updates, clipping by norm, the eager folds and scans,
partitioning and stitching, TensorFlow's divisions, and ``tf.math``/``tf.nn`` extras.

Each is a composition of the library's ops, differentiable wherever those are; the ones
that give integers or tests (``unique_with_counts``, ``in_top_k``, ``confusion_matrix``)
are constants. Where a composition would send a NaN into a gradient (x / 0 in a branch
``where`` drops), the unsafe operand is replaced first, so both paths stay finite.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import ops
from .engine import Value, apply, constant
from .ops import arithmetic, indexing, nondiff, reductions, segments, special
from .ops._operands import as_constant
from .ops.nondiff import NonDifferentiable

__all__ = ["tensor_scatter_nd_update", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
           "tensor_scatter_nd_min", "unique_with_counts", "histogram_fixed_width",
           "clip_by_norm", "clip_by_global_norm", "foldl", "foldr", "scan", "truncatediv",
           "truncatemod", "realdiv", "truediv", "ensure_shape", "dynamic_partition",
           "dynamic_stitch"]


def _value(x):
    return segments.tensor(x, "tf")


def _data(x):
    return np.asarray(x.data if isinstance(x, Value) else x)


# --- scatter updates ------------------------------------------------------------------


def _scatter_places(tensor, indices, updates, where):
    """The flat places (into tensor's first k axes) each row of updates goes to."""
    tensor = _value(tensor)
    idx = indexing._indices(indices, where)
    index, needed = indexing._nd_index(idx, tensor.shape, where)
    updates = segments.tensor(updates, where)
    if updates.shape != needed:
        raise ValueError(f"{where}: updates have shape {updates.shape}, but indices of shape "
                         f"{idx.shape} into a tensor of shape {tensor.shape} need {needed}")
    k = idx.shape[-1]
    rest = tensor.shape[k:]
    flat = np.ravel_multi_index(tuple(np.mod(i, n) for i, n in zip(index, tensor.shape)),
                                tensor.shape[:k]).reshape(-1) if k else np.zeros(
                                    int(np.prod(idx.shape[:-1])), np.int64)
    rows = updates.reshape((-1,) + rest)
    return tensor, tensor.reshape((-1,) + rest), rows, flat.astype(np.int64)


def tensor_scatter_nd_update(tensor, indices, updates):
    """``tf.tensor_scatter_nd_update``: tensor with the place ``indices[i]`` set to
    ``updates[i]`` (the last update wins where a place repeats).

    dL/dtensor = g outside the updated places, 0 in them; dL/dupdates[i] = g at its place
    (0 for an update overwritten by a later one)."""
    tensor, table, rows, flat = _scatter_places(tensor, indices, updates,
                                                "tensor_scatter_nd_update")
    last = len(flat) - 1 - np.unique(flat[::-1], return_index=True)[1]
    written = indexing.scatter(rows[last], (flat[last],), table.shape)
    hit = np.zeros(table.shape[0], bool)
    hit[flat] = True
    hit = hit.reshape((-1,) + (1,) * (table.ndim - 1))
    return arithmetic.where(hit, written, table).reshape(tensor.shape)


def tensor_scatter_nd_sub(tensor, indices, updates):
    """``tf.tensor_scatter_nd_sub``: tensor with ``updates[i]`` subtracted at ``indices[i]``
    (repeats subtract each)."""
    updates = segments.tensor(updates, "tensor_scatter_nd_sub")
    return ops.tensor_scatter_nd_add(tensor, indices, -updates)


def _scatter_extreme(tensor, indices, updates, largest, where):
    tensor, table, rows, flat = _scatter_places(tensor, indices, updates, where)
    reduce = segments.unsorted_segment_max if largest else segments.unsorted_segment_min
    best = reduce(rows, flat, table.shape[0])
    hit = np.zeros(table.shape[0], bool)
    hit[flat] = True
    hit = hit.reshape((-1,) + (1,) * (table.ndim - 1))
    pick = arithmetic.maximum if largest else arithmetic.minimum
    return arithmetic.where(hit, pick(table, best), table).reshape(tensor.shape)


def tensor_scatter_nd_max(tensor, indices, updates):
    """``tf.tensor_scatter_nd_max``: y[indices[i]] = max(tensor there, every updates[i]
    aimed there); elsewhere y = tensor."""
    return _scatter_extreme(tensor, indices, updates, True, "tensor_scatter_nd_max")


def tensor_scatter_nd_min(tensor, indices, updates):
    """``tf.tensor_scatter_nd_min``: y[indices[i]] = min(tensor there, every updates[i]
    aimed there); elsewhere y = tensor."""
    return _scatter_extreme(tensor, indices, updates, False, "tensor_scatter_nd_min")


# --- counting (constants) ---------------------------------------------------------------


class UniqueWithCounts(NamedTuple):
    """``tf.unique_with_counts``'s triple: x == y[idx], count[j] = how often y[j] is in x."""
    y: Value
    idx: Value
    count: Value


def unique_with_counts(x, out_idx=np.int32):
    """``tf.unique_with_counts``: the distinct elements of a vector x in the order they
    first appear, where each element of x is in them, and how often each appears."""
    data = _data(x)
    if data.ndim != 1:
        raise ValueError(f"unique_with_counts: x must be a vector, got shape {data.shape}")
    values, first, inverse, counts = np.unique(data, return_index=True, return_inverse=True,
                                               return_counts=True)
    order = np.argsort(first, kind="stable")  # numpy sorts; TensorFlow keeps first-seen order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return UniqueWithCounts(constant(values[order], dtype=data.dtype),
                            constant(rank[inverse].astype(out_idx), dtype=out_idx),
                            constant(counts[order].astype(out_idx), dtype=out_idx))


def histogram_fixed_width(values, value_range, nbins=100, dtype=np.int32):
    """``tf.histogram_fixed_width``: counts of ``values`` in ``nbins`` equal bins over
    ``value_range`` = [lo, hi]; values below lo count in the first bin, above hi in the
    last. bin = clip(floor(nbins * (v - lo) / (hi - lo)), 0, nbins - 1)."""
    v, (lo, hi) = _data(values).astype(np.float64), _data(value_range).astype(np.float64)
    if not hi > lo:
        raise ValueError(f"histogram_fixed_width: value_range must be [lo, hi] with lo < hi, "
                         f"got {[lo, hi]}")
    if int(nbins) < 1:
        raise ValueError(f"histogram_fixed_width: nbins must be >= 1, got {nbins}")
    bins = np.clip(np.floor((v - lo) / (hi - lo) * nbins), 0, nbins - 1).astype(np.int64)
    return constant(np.bincount(bins.reshape(-1), minlength=int(nbins)).astype(dtype),
                    dtype=dtype)


# --- clipping by norm ------------------------------------------------------------------


def clip_by_norm(t, clip_norm, axes=None):
    """``tf.clip_by_norm``: t * clip_norm / max(||t||_2, clip_norm), the norm over ``axes``
    (all of t by default). An all-zero t keeps a 0 (not NaN) gradient, as TensorFlow's."""
    t = _value(t)
    if np.any(_data(clip_norm) < 0):
        raise ValueError(f"clip_by_norm: clip_norm must be >= 0, got {_data(clip_norm)}")
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    l2sum = reductions.sum(t * t, axes, keepdims=True)
    positive = np.asarray(l2sum.data > 0)
    l2norm = arithmetic.where(positive, ops.sqrt(arithmetic.where(positive, l2sum, 1.0)),
                              l2sum)
    return t * clip_norm / arithmetic.maximum(l2norm, clip_norm)


def global_norm(t_list):
    """``tf.linalg.global_norm``: sqrt(sum over the tensors of sum(t**2)); None skipped."""
    if isinstance(t_list, Value) or not isinstance(t_list, (list, tuple)):
        raise TypeError("global_norm: t_list must be a list or tuple of tensors")
    squares = [reductions.sum(_value(t) * _value(t)) for t in t_list if t is not None]
    if not squares:
        return constant(0.0)
    total = squares[0]
    for s in squares[1:]:
        total = total + s
    return ops.sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None):
    """``tf.clip_by_global_norm``: every t * clip_norm / max(global_norm, clip_norm).

    Returns:
        (the clipped list, None kept as None; the global norm). An infinite global norm
        makes every entry NaN, as TensorFlow's. The gradient flows through the norm too.
    """
    norm = global_norm(t_list) if use_norm is None else _value(use_norm)
    scale = clip_norm * arithmetic.minimum(1.0 / norm, 1.0 / clip_norm) + (norm - norm)
    return [None if t is None else _value(t) * scale for t in t_list], norm


# --- eager folds and scans ---------------------------------------------------------------


def _slices(elems, where):
    """The slices of elems along its first axis; a tuple of Values is sliced together."""
    if isinstance(elems, (tuple, list)):
        parts = [_value(e) for e in elems]
        n = {p.shape[0] if p.ndim else None for p in parts}
        if len(n) != 1 or None in n:
            raise ValueError(f"{where}: the elems must share their first axis, got shapes "
                             f"{[p.shape for p in parts]}")
        return [type(elems)(p[i] for p in parts) for i in range(n.pop())]
    elems = _value(elems)
    if elems.ndim == 0:
        raise ValueError(f"{where}: elems must have a first axis to run over, got a scalar")
    return [elems[i] for i in range(elems.shape[0])]


def _fold(fn, items, initializer, where):
    if initializer is None:
        if not items:
            raise ValueError(f"{where}: elems is empty and there is no initializer")
        acc, items = items[0], items[1:]
    else:
        acc = initializer
    for x in items:
        acc = fn(acc, x)
    return acc


def foldl(fn, elems, initializer=None, **unused):
    """``tf.foldl``, eagerly: acc = fn(acc, x) for each slice x of elems, first to last;
    acc starts at ``initializer`` (by default the first slice)."""
    return _fold(fn, _slices(elems, "foldl"), initializer, "foldl")


def foldr(fn, elems, initializer=None, **unused):
    """``tf.foldr``, eagerly: ``foldl`` from the last slice to the first."""
    return _fold(fn, _slices(elems, "foldr")[::-1], initializer, "foldr")


def scan(fn, elems, initializer=None, reverse=False, **unused):
    """``tf.scan``, eagerly: the accumulators acc_i = fn(acc_{i-1}, x_i), stacked along a
    new first axis (a tuple of accumulators gives a tuple of stacks)."""
    items = _slices(elems, "scan")[::-1 if reverse else 1]
    if initializer is None:
        if not items:
            raise ValueError("scan: elems is empty and there is no initializer")
        acc, items, out = items[0], items[1:], [items[0]]
    else:
        acc, out = initializer, []
    for x in items:
        acc = fn(acc, x)
        out.append(acc)
    if reverse:
        out = out[::-1]
    if out and isinstance(out[0], (tuple, list)):
        return type(out[0])(ops.stack([o[k] for o in out]) for k in range(len(out[0])))
    return ops.stack(out)


# --- TensorFlow's divisions ------------------------------------------------------------


def _c_division(x, y):
    q = np.trunc(np.true_divide(x, y)) if np.result_type(x, y).kind == "f" else (
        np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y)))
    return q.astype(np.result_type(x, y))


def truncatediv(x, y):
    """``tf.truncatediv``: x / y rounded toward 0 (C's integer division), a constant (its
    derivative is 0 almost everywhere)."""
    x, y = as_constant(x, "truncatediv"), as_constant(y, "truncatediv")
    if x.dtype.kind in "iu" and np.any(y.data == 0):
        raise ZeroDivisionError("truncatediv: integer division by zero")
    return apply(NonDifferentiable(_c_division, "truncatediv"), x, y)


def truncatemod(x, y):
    """``tf.truncatemod``: x - truncatediv(x, y) * y, the sign of x (C's %, ``fmod``);
    differentiable for floats as ``fmod``."""
    return arithmetic.fmod(x, y)


def realdiv(x, y):
    """``tf.realdiv``: x / y."""
    return arithmetic.divide(x, y)


def truediv(x, y):
    """``tf.truediv``: x / y, integers first cast to floats as TensorFlow does (8- and
    16-bit to float32, 32- and 64-bit to float64)."""
    x, y = _value(x), _value(y)
    if x.dtype != y.dtype:
        raise TypeError(f"truediv: x and y must have one dtype, got {x.dtype} and {y.dtype}")
    if x.dtype.kind in "iu":
        wide = np.float64 if x.dtype.itemsize >= 4 else np.float32
        x, y = arithmetic.cast(x, wide), arithmetic.cast(y, wide)
    return arithmetic.divide(x, y)


def ensure_shape(x, shape, name=None):
    """``tf.ensure_shape``: x itself, after checking its shape against ``shape`` (None for
    a dimension that may be anything; a None shape accepts any)."""
    x = _value(x)
    if shape is None:
        return x
    shape = tuple(shape)
    if len(shape) != x.ndim or any(s is not None and s != n for s, n in zip(shape, x.shape)):
        raise ValueError(f"ensure_shape: expected shape {shape}, got {x.shape}")
    return x


# --- partitioning and stitching ----------------------------------------------------------


def dynamic_partition(data, partitions, num_partitions):
    """``tf.dynamic_partition``: outputs[i] = the slices data[j] with partitions[j] == i,
    in order (partitions' shape begins data's). dL/ddata gathers each output's g back."""
    data = _value(data)
    parts = indexing._indices(partitions, "dynamic_partition", "partitions")
    if data.shape[:parts.ndim] != parts.shape:
        raise ValueError(f"dynamic_partition: partitions of shape {parts.shape} must be a "
                         f"prefix of data's shape {data.shape}")
    if parts.size and (parts.min() < 0 or parts.max() >= num_partitions):
        raise ValueError(f"dynamic_partition: partitions must lie in [0, {num_partitions}), "
                         f"got {parts.min()}..{parts.max()}")
    rows = data.reshape((-1,) + data.shape[parts.ndim:])
    flat = parts.reshape(-1)
    return [rows[flat == i] for i in range(int(num_partitions))]


def dynamic_stitch(indices, data):
    """``tf.dynamic_stitch``: merged[indices[m][...]] = data[m][...], of length
    max(indices) + 1 (a later (m, position) wins a repeated index; a missing index gives
    zeros). dL/ddata[m] = g at its indices (0 where overwritten)."""
    if len(indices) != len(data) or not indices:
        raise ValueError(f"dynamic_stitch: needs as many (>= 1) indices as data, got "
                         f"{len(indices)} and {len(data)}")
    idx = [indexing._indices(i, "dynamic_stitch") for i in indices]
    values = [_value(d) for d in data]
    rest = None
    for m, (i, d) in enumerate(zip(idx, values)):
        if d.shape[:i.ndim] != i.shape or (rest is not None and d.shape[i.ndim:] != rest):
            raise ValueError(f"dynamic_stitch: data[{m}] of shape {d.shape} must be "
                             f"indices[{m}].shape {i.shape} + one shape shared by all")
        rest = d.shape[i.ndim:]
    flat = np.concatenate([i.reshape(-1) for i in idx]).astype(np.int64)
    if flat.size and flat.min() < 0:
        raise ValueError(f"dynamic_stitch: indices must be >= 0, got {flat.min()}")
    rows = ops.concat([d.reshape((-1,) + rest) for d in values], axis=0)
    last = len(flat) - 1 - np.unique(flat[::-1], return_index=True)[1]
    size = int(flat.max()) + 1 if flat.size else 0
    return indexing.scatter(rows[last], (flat[last],), (size,) + rest)


# --- tf.math extras ---------------------------------------------------------------------


def xdivy(x, y):
    """``tf.math.xdivy``: x / y, and 0 where x is 0 (its gradients 0 there too)."""
    x, y = _value(x), _value(y)
    zero = np.asarray(x.data == 0)
    return arithmetic.where(zero, 0.0, x / arithmetic.where(zero, 1.0, y))


def multiply_no_nan(x, y):
    """``tf.math.multiply_no_nan``: x * y, and 0 where y is 0 even if x is inf or NaN."""
    x, y = _value(x), _value(y)
    bad = np.asarray((y.data == 0) & ~np.isfinite(x.data))
    return arithmetic.where(bad, 0.0, x) * y


def reciprocal_no_nan(x):
    """``tf.math.reciprocal_no_nan``: 1 / x, and 0 where x is 0."""
    x = _value(x)
    zero = np.asarray(x.data == 0)
    return arithmetic.where(zero, 0.0, 1.0 / arithmetic.where(zero, 1.0, x))


def in_top_k(targets, predictions, k):
    """``tf.math.in_top_k`` (``tf.nn.in_top_k``): whether predictions[i, targets[i]] is
    among row i's k largest; ties at the boundary count as in, as TensorFlow's; a
    non-finite prediction or an out-of-range target gives False. A boolean constant."""
    p, t = _data(predictions), _data(targets)
    if p.ndim != 2 or t.shape != p.shape[:1]:
        raise ValueError(f"in_top_k: predictions must be (batch, classes) and targets "
                         f"(batch,), got shapes {p.shape} and {t.shape}")
    ok = (t >= 0) & (t < p.shape[1])
    picked = p[np.arange(len(t)), np.where(ok, t, 0)]
    above = np.sum(p > picked[:, None], axis=1)
    return constant(ok & np.isfinite(picked) & (above < k), dtype=bool)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=np.int32):
    """``tf.math.confusion_matrix``: m[label, prediction] counts (or sums ``weights``) each
    pair; rows are labels. Classes run 0 .. num_classes - 1 (max seen + 1 by default)."""
    labels, predictions = _data(labels).reshape(-1), _data(predictions).reshape(-1)
    if labels.shape != predictions.shape:
        raise ValueError(f"confusion_matrix: labels and predictions must have one shape, "
                         f"got {labels.shape} and {predictions.shape}")
    if min(labels.min(initial=0), predictions.min(initial=0)) < 0:
        raise ValueError("confusion_matrix: labels and predictions must be >= 0")
    n = int(max(labels.max(initial=-1), predictions.max(initial=-1)) + 1
            if num_classes is None else num_classes)
    if max(labels.max(initial=-1), predictions.max(initial=-1)) >= n:
        raise ValueError(f"confusion_matrix: a label or prediction is not below "
                         f"num_classes = {n}")
    w = np.ones(labels.shape) if weights is None else _data(weights).reshape(-1)
    m = np.zeros((n, n), np.result_type(dtype, w.dtype))
    np.add.at(m, (labels.astype(np.intp), predictions.astype(np.intp)), w)
    return constant(m.astype(dtype), dtype=dtype)


nextafter = nondiff.constant_function(
    np.nextafter, "nextafter", "``tf.math.nextafter``: the next float after x1 toward x2, "
    "a constant.")


def lbeta(x):
    """``tf.math.lbeta``: log|B(x)| = sum(lgamma(x)) - lgamma(sum(x)) over the last axis."""
    x = _value(x)
    return reductions.sum(special.lgamma(x), -1) - special.lgamma(reductions.sum(x, -1))
