"""TensorFlow's segment reductions: rows of ``data`` grouped by an integer ``segment_ids``,
one reduction per group (``tf.math.segment_sum``, ``tf.math.unsorted_segment_max``...).

    output[s] = reduce of data[i] over the i with segment_ids[i] == s

A sum scatters the rows into their segments (``Scatter``, whose gradient gathers g back:
dL/ddata[i] = g[segment_ids[i]]). The max and min are one op, ``SegmentExtreme``, computed
in one pass (numpy's ``maximum.at``), their gradient shared among the rows that tie for
their segment's extreme, as TensorFlow's. The product lays each segment out as a row of a
padded table, ``table[s, j]`` = the j-th row of segment s (a scatter, so differentiable),
1 in the empty places, and multiplies along that row: its memory is the number of
segments times the longest one.

Empty segments, as TensorFlow gives them: 0 for the sums and means; for the sorted
``segment_max``/``segment_min`` 0 too, for the unsorted ones the dtype's lowest (max) or
highest (min) number (``-finfo.max``, not -inf); 1 for products. The sorted functions take
ids sorted ascending (one per row of data, the segments numbered 0..ids[-1]); the unsorted
ones any ids of a shape that begins data's, ``num_segments`` segments, negative ids dropped.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, _data, apply, constant
from . import arithmetic, indexing, reductions
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


def _table(rows, ids, S, filler):
    """table[s, j] = the j-th row of segment s, ``filler`` past each segment's end."""
    order = np.argsort(ids, kind="stable")
    starts = np.searchsorted(ids[order], np.arange(S))
    place = np.empty_like(ids)
    place[order] = np.arange(ids.size) - starts[ids[order]]
    width = int(place.max()) + 1 if ids.size else 1
    shape = (S, width) + rows.shape[1:]
    used = np.zeros(shape[:2], bool)
    used[ids, place] = True
    pad = np.where(used, 0.0, filler).astype(rows.dtype).reshape(shape[:2] + (1,) * (
        rows.ndim - 1))
    return indexing.scatter(rows, (ids, place), shape) + pad


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
    return reductions.prod(_table(rows, ids, S, 1.0), axis=1)


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
    return reductions.prod(_table(data, ids, S, 1.0), axis=1)
