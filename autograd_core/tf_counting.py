"""TensorFlow's counting and testing names (imported by ``tf_names``): ``unique_with_counts``,
``histogram_fixed_width``, and the ``tf.math`` ones ``in_top_k`` and ``confusion_matrix``.

Their results are integers or tests, so they are constants: computed on numpy, with no
gradient to send back.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._tf_operands import data as _data
from .engine import Value, constant

__all__ = ["unique_with_counts", "histogram_fixed_width"]


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
