"""TensorFlow's scatter updates and partitioning (imported by ``tf_names``): where rows of
values go. ``tensor_scatter_nd_update``/``_sub``/``_max``/``_min`` write updates into a
copy of a tensor at n-d indices (``tensor_scatter_nd_add`` is an op, ``ops.indexing``);
``dynamic_partition`` deals the slices of a tensor out into lists by a partition number,
and ``dynamic_stitch`` merges lists back by index.

Each is a composition of the library's ops (``where``, ``scatter``, the segment
reductions, indexing), so its gradient goes back to the places each value came from.
"""

from __future__ import annotations

import numpy as np

from . import ops
from ._tf_operands import value as _value
from .ops import arithmetic, indexing, segments

__all__ = ["tensor_scatter_nd_update", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
           "tensor_scatter_nd_min", "dynamic_partition", "dynamic_stitch"]


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
