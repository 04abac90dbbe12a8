"""More of TensorFlow's ``tf.math`` names (imported by ``tf_names``, which puts them in
``ag.math``): ``accumulate_n``, ``scalar_mul``, ``unsorted_segment_sqrt_n``,
``approx_max_k``/``approx_min_k``, ``betainc`` (the op ``ops.incomplete_beta.Betainc``),
and the constants ``invert_permutation``, ``is_non_decreasing``,
``is_strictly_increasing`` and ``zero_fraction``.

The differentiable ones are compositions of the library's ops (``betainc`` is an op of its
own: a continued fraction); the tests and counts are constants, computed on numpy.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import ops
from ._tf_operands import data as _data, value as _value
from .engine import Value, constant
from .ops import arithmetic, segments
from .ops.incomplete_beta import betainc  # noqa: F401  (ag.math.betainc)

__all__ = ["scalar_mul"]   # the others are ag.math's only, as TensorFlow 2 has them


def accumulate_n(inputs, shape=None, tensor_dtype=None):
    """``tf.math.accumulate_n``: the elementwise sum of a list of tensors of one shape and
    dtype (``add_n``'s sum; ``shape`` and ``tensor_dtype``, when given, are checked)."""
    if isinstance(inputs, Value) or not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("accumulate_n: inputs must be a non-empty list of tensors")
    inputs = [_value(x) for x in inputs]
    shapes = sorted({x.shape for x in inputs})
    dtypes = sorted({str(x.dtype) for x in inputs})
    if len(shapes) != 1 or len(dtypes) != 1:
        raise ValueError(f"accumulate_n: the inputs must have one shape and one dtype, got "
                         f"shapes {shapes} and dtypes {dtypes}")
    if shape is not None and tuple(shape) != shapes[0]:
        raise ValueError(f"accumulate_n: shape {tuple(shape)} does not match the inputs' "
                         f"shape {shapes[0]}")
    if tensor_dtype is not None and np.dtype(tensor_dtype) != inputs[0].dtype:
        raise TypeError(f"accumulate_n: tensor_dtype {np.dtype(tensor_dtype)} does not match "
                        f"the inputs' dtype {inputs[0].dtype}")
    total = inputs[0]
    for x in inputs[1:]:
        total = arithmetic.add(total, x)
    return total


def scalar_mul(scalar, x):
    """``tf.math.scalar_mul``: scalar * x, for a 0-d scalar (a number or a 0-d tensor)."""
    if np.ndim(_data(scalar)) != 0:
        raise ValueError(f"scalar_mul: scalar must be 0-d, got shape "
                         f"{np.shape(_data(scalar))}")
    return arithmetic.multiply(scalar, _value(x))


def invert_permutation(x):
    """``tf.math.invert_permutation``: y with y[x[i]] = i, for x a permutation of
    0 .. n-1 (a vector of integers); an integer constant of x's dtype."""
    p = _data(x)
    if p.ndim != 1 or p.dtype.kind not in "iu":
        raise ValueError(f"invert_permutation: x must be a vector of integers, got shape "
                         f"{p.shape} and dtype {p.dtype}")
    if not np.array_equal(np.sort(p), np.arange(p.size)):
        raise ValueError(f"invert_permutation: x must be a permutation of 0 .. {p.size - 1}, "
                         f"got {p.tolist()}")
    y = np.empty_like(p)
    y[p] = np.arange(p.size, dtype=p.dtype)
    return constant(y, dtype=p.dtype)


def _in_order(x, where, strict):
    data = _data(x)
    if data.dtype.kind not in "biuf":
        raise TypeError(f"{where}: x must be numeric, got dtype {data.dtype}")
    flat = data.reshape(-1)
    steps = flat[1:] > flat[:-1] if strict else flat[1:] >= flat[:-1]
    return constant(np.array(bool(np.all(steps))), dtype=np.bool_)


def is_non_decreasing(x):
    """``tf.math.is_non_decreasing``: whether x[i] <= x[i + 1] along x in row-major order
    (True for fewer than two elements); a boolean constant."""
    return _in_order(x, "is_non_decreasing", strict=False)


def is_strictly_increasing(x):
    """``tf.math.is_strictly_increasing``: whether x[i] < x[i + 1] along x in row-major
    order (True for fewer than two elements); a boolean constant."""
    return _in_order(x, "is_strictly_increasing", strict=True)


def zero_fraction(value):
    """``tf.math.zero_fraction`` (``tf.nn.zero_fraction``): the fraction of value's
    elements that are 0, a float32 constant (NaN for an empty value, as TensorFlow's)."""
    data = _data(value)
    with np.errstate(invalid="ignore"):
        fraction = np.float32(np.sum(data == 0) / data.size) if data.size else np.float32(np.nan)
    return constant(np.array(fraction, np.float32), dtype=np.float32)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments):
    """``tf.math.unsorted_segment_sqrt_n``: output[s] = the sum of data[i] with ids[i] == s
    over sqrt(their count), 0 for an empty segment (negative ids are dropped).

    Args:
        data: (*I, *rest); segment_ids: integers of shape I, below ``num_segments``.
    Returns:
        (num_segments, *rest).
    """
    total = segments.unsorted_segment_sum(data, segment_ids, num_segments)
    ids = np.asarray(_data(segment_ids)).reshape(-1)
    counts = np.bincount(ids[ids >= 0].astype(np.int64), minlength=int(num_segments))
    counts = np.sqrt(np.maximum(counts, 1)).astype(total.dtype if total.dtype.kind == "f"
                                                   else np.float64)
    return total / counts.reshape((-1,) + (1,) * (total.ndim - 1))


def _approx_k(where, operand, k, reduction_dimension, recall_target, aggregate_to_topk,
              largest):
    if not 0 < recall_target <= 1:
        raise ValueError(f"{where}: recall_target must be in (0, 1], got {recall_target}")
    if not aggregate_to_topk:
        raise NotImplementedError(f"{where}: aggregate_to_topk=False (TPU's unaggregated "
                                  "candidates) is not supported; the result is exact top-k")
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{where}: k must be an integer, got {k!r}")
    x = _value(operand)
    values, indices = ops.topk(x, k, dim=reduction_dimension, largest=largest)
    return values, indices


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):
    """``tf.math.approx_max_k``: the k largest entries along ``reduction_dimension`` and
    their indices, exactly (TensorFlow's CPU answer; recall 1). Returns (values, indices)."""
    return _approx_k("approx_max_k", operand, k, reduction_dimension, recall_target,
                     aggregate_to_topk, largest=True)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True):
    """``tf.math.approx_min_k``: the k smallest entries along ``reduction_dimension``,
    smallest first, and their indices, exactly. Returns (values, indices)."""
    return _approx_k("approx_min_k", operand, k, reduction_dimension, recall_target,
                     aggregate_to_topk, largest=False)
