"""TensorFlow's segment reductions: rows of ``data`` grouped by an integer ``segment_ids``,
one reduction per group (``tf.math.segment_sum``, ``tf.math.unsorted_segment_max``...).

    output[s] = reduce of data[i] over the i with segment_ids[i] == s

A sum scatters the rows into their segments (``Scatter``, whose gradient gathers g back:
dL/ddata[i] = g[segment_ids[i]]). The max and min are one op, ``SegmentExtreme``, computed
in one pass (numpy's ``maximum.at``), their gradient shared among the rows that tie for
their segment's extreme, as TensorFlow's. The product is one op too, ``SegmentProd``,
multiplied in one pass (``multiply.at``) in O(n) memory, whatever the segments' lengths;
its gradient divides y by x, or where x has zeros multiplies the other rows of each
segment (``_others_in_segment``), which stays right there and differentiable again.

Empty segments, as TensorFlow gives them: 0 for the sums and means; for the sorted
``segment_max``/``segment_min`` 0 too, for the unsorted ones the dtype's lowest (max) or
highest (min) number (``-finfo.max``, not -inf); 1 for products. The sorted functions take
ids sorted ascending (one per row of data, the segments numbered 0..ids[-1]); the unsorted
ones any ids of a shape that begins data's, ``num_segments`` segments, negative ids dropped.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, _data, apply, constant
from . import arithmetic, indexing, xp
from ._operands import as_constant

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
           "unsorted_segment_sum", "unsorted_segment_mean", "unsorted_segment_max",
           "unsorted_segment_min", "unsorted_segment_prod"]


def tensor(x, where):
    """x as a Value, TensorFlow's way: arrays and integer data keep their dtype, a list of
    Python floats takes the default float dtype (float32)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, np.ndarray) or np.asarray(x).dtype.kind in "biu":
        return as_constant(x, where)
    return constant(x)


def _ids(segment_ids, where):
    ids = np.asarray(segment_ids.data if isinstance(segment_ids, Value) else segment_ids)
    if ids.size == 0 and ids.dtype.kind not in "iu":
        ids = ids.astype(np.int64)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{where}: segment_ids must be integers, got dtype {ids.dtype}")
    return ids.astype(np.int64)


def _unsorted_args(data, segment_ids, num_segments, where):
    """data as rows (n, *rest), the ids of those rows (negatives dropped), and S."""
    data = tensor(data, where)
    ids = _ids(segment_ids, where)
    if data.shape[:ids.ndim] != ids.shape:
        raise ValueError(f"{where}: segment_ids of shape {ids.shape} must be a prefix of "
                         f"data's shape {data.shape}")
    if isinstance(num_segments, (bool, np.bool_)) or not isinstance(
            num_segments, (int, np.integer)) or num_segments < 0:
        raise ValueError(f"{where}: num_segments must be an integer >= 0, got "
                         f"{num_segments!r}")
    if ids.size and ids.max() >= num_segments:
        raise ValueError(f"{where}: segment_ids has {ids.max()}, not below num_segments = "
                         f"{num_segments}")
    rest = data.shape[ids.ndim:]
    rows, ids = data.reshape((-1,) + rest), ids.reshape(-1)
    keep = ids >= 0
    if not keep.all():
        rows, ids = rows[keep], ids[keep]
    return rows, ids, int(num_segments)


def _sorted_args(data, segment_ids, where):
    data = tensor(data, where)
    ids = _ids(segment_ids, where)
    if ids.ndim != 1 or data.ndim == 0 or ids.shape[0] != data.shape[0]:
        raise ValueError(f"{where}: segment_ids must be a vector with one id per row of data "
                         f"(shape {data.shape}), got shape {ids.shape}")
    if ids.size and (ids.min() < 0 or np.any(np.diff(ids) < 0)):
        raise ValueError(f"{where}: segment_ids must be sorted and >= 0, got "
                         f"{ids.tolist()}")
    return data, ids, int(ids[-1]) + 1 if ids.size else 0


def _counts(ids, S, rest_ndim, dtype):
    counts = np.bincount(ids, minlength=S).astype(dtype)
    return counts.reshape((S,) + (1,) * rest_ndim)


def _sum(rows, ids, S):
    return indexing.scatter(rows, (ids,), (S,) + rows.shape[1:])


class SegmentProd(Op):
    """y[s] = product of the rows x[i] with ids[i] == s, 1 for an empty segment
    dL/dx[i] = g[ids[i]] * y[ids[i]] / x[i]"""

    __slots__ = ("ids", "segments")

    def __init__(self, ids, segments):
        self.ids, self.segments = ids, segments

    def forward(self, x):
        y = np.ones((self.segments,) + x.shape[1:], x.dtype)
        np.multiply.at(y, self.ids, x)
        return y

    def backward(self, g, y, x):
        if not xp.equal(x, 0).any():
            return (g[self.ids] * y[self.ids] / x,)
        # y / x is 0 / 0 at a zero: multiply the other rows of the segment instead. Counting
        # each segment's zeros would give these values in one pass, but as constants, and
        # the second derivatives need them to move: beside a single zero a row's gradient is
        # 0, yet its derivative along that zero is not.
        return (g[self.ids] * _others_in_segment(x, self.ids),)

    def formula(self, y, x):
        forward = "y[s] = product of the rows x[i] with ids[i] == s, 1 for an empty segment"
        if not np.any(x == 0):
            return forward, "dL/dx[i] = g[ids[i]] * y[ids[i]] / x[i]"
        return forward, ("dL/dx[i] = g[ids[i]] * p[i]   (p[i]: the product of the other rows "
                         "of its segment, x has zeros)")


def _others_in_segment(x, ids):
    """For each row x[i], the product of the other rows of its segment, without dividing:
    with the rows sorted by segment, the product of those before it in its segment times
    those after it. Written with ``xp``, so Values give a differentiable result."""
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    first = np.searchsorted(sorted_ids, sorted_ids)             # each row's segment: rows
    last = np.searchsorted(sorted_ids, sorted_ids, "right") - 1  # first to last, sorted
    rows = x[order]
    i = np.arange(ids.size)
    before = _row_or_one(_running_products(rows, first, 1), i > first, i - 1, rows.ndim)
    after = _row_or_one(_running_products(rows, last, -1), i < last, i + 1, rows.ndim)
    back = np.empty_like(order)
    back[order] = i
    return (before * after)[back]


def _running_products(x, end, step):
    """p[i] = x[i] * x[i - step] * ... * x[end[i]]: the rows from i back to its segment's
    first row (step 1, end = first) or on to its last (step -1, end = last).

    Hillis and Steele's scan: after the pass with stride d, p[i] is the product of up to 2d
    of those rows, so log2(the longest segment) passes over the n rows, and no table of
    segments x longest (which one segment holding half the rows makes n**2 / 2).
    """
    i = np.arange(end.size)
    p, d = x, 1
    while True:
        j = i - step * d
        inside = (j - end) * step >= 0    # row j is in row i's segment
        if not inside.any():
            return p
        p = p * _row_or_one(p, inside, j, x.ndim)
        d *= 2


def _row_or_one(p, inside, j, ndim):
    """p[j[i]] where ``inside[i]``, else 1 (an empty product), for each row i."""
    picked = p[np.clip(j, 0, j.size - 1)]
    return xp.where(inside.reshape(inside.shape + (1,) * (ndim - 1)), picked, 1)


class SegmentExtreme(Op):
    """y[s] = max (or min) of the rows x[i] with ids[i] == s
    dL/dx[i] = g[ids[i]] / n where x[i] is that extreme and n rows tie for it, else 0"""

    __slots__ = ("ids", "segments", "largest")

    def __init__(self, ids, segments, largest):
        self.ids, self.segments, self.largest = ids, segments, largest

    def forward(self, x):
        y = np.full((self.segments,) + x.shape[1:], _lowest(x.dtype, self.largest), x.dtype)
        with np.errstate(invalid="ignore"):  # a NaN row makes its segment NaN, no warning
            (np.maximum if self.largest else np.minimum).at(y, self.ids, x)
        return y

    def backward(self, g, y, x):
        hits = np.asarray(_data(x) == _data(y)[self.ids])   # the rows that reached y
        ties = np.zeros(np.shape(y), x.dtype)
        np.add.at(ties, self.ids, hits)
        share = hits / np.maximum(ties, 1)[self.ids]
        return (g[self.ids] * share.astype(x.dtype),)

    def formula(self, y, x):
        which = "max" if self.largest else "min"
        return (f"y[s] = {which} of the rows x[i] with ids[i] == s",
                f"dL/dx[i] = g[ids[i]] / n where x[i] is its segment's {which} (n rows tie), "
                "else 0")


def _extreme(rows, ids, S, largest, empty):
    y = apply(SegmentExtreme(ids, S, largest), rows)
    filled = _counts(ids, S, rows.ndim - 1, int) > 0
    return arithmetic.where(filled, y, np.asarray(empty, rows.dtype))


def _lowest(dtype, largest):
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    return info.min if largest else info.max


def unsorted_segment_sum(data, segment_ids, num_segments):
    """``tf.math.unsorted_segment_sum``: output[s] = sum of data[i] with ids[i] == s.

    Args:
        data: (*I, *rest); segment_ids: integers of shape I, below ``num_segments``.
    Returns:
        (num_segments, *rest); an empty segment gives 0.
    """
    rows, ids, S = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_sum")
    return _sum(rows, ids, S)


def unsorted_segment_mean(data, segment_ids, num_segments):
    """``tf.math.unsorted_segment_mean``: output[s] = sum of data[i] with ids[i] == s over
    their count (0 for an empty segment). Shapes as ``unsorted_segment_sum``."""
    rows, ids, S = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_mean")
    return _sum(rows, ids, S) / np.maximum(_counts(ids, S, rows.ndim - 1, rows.dtype), 1)


def unsorted_segment_max(data, segment_ids, num_segments):
    """``tf.math.unsorted_segment_max``: output[s] = max of data[i] with ids[i] == s (the
    dtype's lowest number for an empty segment; ties share the gradient)."""
    rows, ids, S = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_max")
    return _extreme(rows, ids, S, True, _lowest(rows.dtype, True))


def unsorted_segment_min(data, segment_ids, num_segments):
    """``tf.math.unsorted_segment_min``: output[s] = min of data[i] with ids[i] == s (the
    dtype's highest number for an empty segment)."""
    rows, ids, S = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_min")
    return _extreme(rows, ids, S, False, _lowest(rows.dtype, False))


def unsorted_segment_prod(data, segment_ids, num_segments):
    """``tf.math.unsorted_segment_prod``: output[s] = product of data[i] with ids[i] == s
    (1 for an empty segment)."""
    rows, ids, S = _unsorted_args(data, segment_ids, num_segments, "unsorted_segment_prod")
    return apply(SegmentProd(ids, S), rows)


def segment_sum(data, segment_ids):
    """``tf.math.segment_sum``: output[s] = sum of data[i] with ids[i] == s, ids sorted.

    Args:
        data: (n, *rest); segment_ids: n sorted integers >= 0.
    Returns:
        (ids[-1] + 1, *rest); an empty segment gives 0.

    >>> segment_sum(Value([[1., 2.], [3., 4.], [5., 6.]]), [0, 0, 1]).numpy()
    array([[4., 6.],
           [5., 6.]], dtype=float32)
    """
    data, ids, S = _sorted_args(data, segment_ids, "segment_sum")
    return _sum(data, ids, S)


def segment_mean(data, segment_ids):
    """``tf.math.segment_mean``: the mean of each segment (0 if empty), ids sorted."""
    data, ids, S = _sorted_args(data, segment_ids, "segment_mean")
    return _sum(data, ids, S) / np.maximum(_counts(ids, S, data.ndim - 1, data.dtype), 1)


def segment_max(data, segment_ids):
    """``tf.math.segment_max``: the max of each segment (0 if empty), ids sorted."""
    data, ids, S = _sorted_args(data, segment_ids, "segment_max")
    return _extreme(data, ids, S, True, 0)


def segment_min(data, segment_ids):
    """``tf.math.segment_min``: the min of each segment (0 if empty), ids sorted."""
    data, ids, S = _sorted_args(data, segment_ids, "segment_min")
    return _extreme(data, ids, S, False, 0)


def segment_prod(data, segment_ids):
    """``tf.math.segment_prod``: the product of each segment (1 if empty), ids sorted."""
    data, ids, S = _sorted_args(data, segment_ids, "segment_prod")
    return apply(SegmentProd(ids, S), data)
