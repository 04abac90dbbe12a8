"""Volumetric (3-D) pooling: max_pool3d and avg_pool3d, for videos and scans (N, D, H,
W, C). The 3-D convolutions are ops of their own, in ``volume_conv``.

Neither is a new op. A 3-D window is a stack of kd 2-D windows, one per depth tap i, so
each function is the 2-D op run once per tap on all the depth slices that tap reads,
folded into the batch, and the taps combined:

    max_pool3d(x)[n, t] = max over i of max_pool2d(x[n, t*s + i - p])
    avg_pool3d(x)[n, t] = sum over i of avg_pool2d(x[n, t*s + i - p]) * kh*kw / count

x[n, t*s + i - p] for every t at once is one strided slice of x along the depth axis,
(N, D_out, H, W, C), and folding D_out into the batch, (N * D_out, H, W, C), makes it a
batch of images: one 2-D pooling call per depth tap (kd calls), not one per output slice.
The first and second derivatives are those of the ops composed (slices, reshapes, the
poolings, sums and ``where``), so ``create_graph=True`` works unchanged.

Padding follows TensorFlow: "same" gives ceil(D / s) outputs, the odd padding cell after;
explicit pads are a pair (before, after) per axis. Max pooling pads with -inf, so a
padded cell never wins; average pooling divides each window by its real cells only (as
TensorFlow, PyTorch's ``count_include_pad=False``); the first maximum of a window wins
ties, in (depth, row, column) order, as PyTorch.

Layouts: channels last (TensorFlow's default), x (N, D, H, W, C); or
``data_format="channels_first"`` (PyTorch's), x (N, C, D, H, W).
"""

from __future__ import annotations

import numpy as np

from . import arithmetic, indexing, joining, shape
from ._operands import operand
from ._volume_args import _LAYOUTS, _X_AXES, _channels_first, _check_5d, _out, _padding, _pads
from ._window_args import positive_ints
from .pooling import AvgPool2D, MaxPool2D, avg_pool2d, max_pool2d

__all__ = ["max_pool3d", "avg_pool3d"]

# --- depth folded into the batch ------------------------------------------------------


def _depth_major(x, first):
    """x with depth on axis 1 and a 2-D image after it in ``data_format``'s layout:
    (N, D, H, W, C) as it is, (N, C, D, H, W) -> (N, D, C, H, W)."""
    return shape.transpose(x, (0, 2, 1, 3, 4)) if first else x


def _from_depth_major(y, first):
    return shape.transpose(y, (0, 2, 1, 3, 4)) if first else y


def _tap(x, start, count, stride):
    """The depth slices x[:, start + t*stride] for t < count, folded into the batch: a
    (N * count, ...) batch of images."""
    taps = indexing.getitem(x, (slice(None), slice(start, start + (count - 1) * stride + 1,
                                                   stride)))
    return shape.reshape(taps, (x.shape[0] * count,) + x.shape[2:])


def _unfold(y, n):
    """(N * D_out, ...) back to (N, D_out, ...)."""
    return shape.reshape(y, (n, y.shape[0] // n) + y.shape[1:])


def _pad_depth_major(x, pads, first, value=0.0):
    """x (depth major) padded with ``value`` on its three spatial axes."""
    if not any(b or a for b, a in pads):
        return x
    pd, ph, pw = pads
    widths = ((0, 0), pd, (0, 0), ph, pw) if first else ((0, 0), pd, ph, pw, (0, 0))
    return joining.pad(x, widths, constant_values=value)


# --- pooling --------------------------------------------------------------------------


def _pool_args(op, x, pool_size, strides, padding, data_format):
    """(first, size, strides, pads, out) of a 3-D pooling, checked: every pad smaller than
    the pool window along its axis, so that each window holds a real cell."""
    first = _channels_first(data_format, op)
    _check_5d(op, "x", x, _X_AXES[first])
    size = positive_ints(pool_size, "pool_size", op, 3, first)
    strides = size if strides is None else positive_ints(strides, "strides", op, 3, first)
    spatial = x.shape[2:] if first else x.shape[1:4]
    pads = _pads(op, _padding(padding), spatial, size, strides, first,
                 f"the pool window (pool_size {size})", x.shape)
    if any(max(p) >= k for p, k in zip(pads, size)):
        raise ValueError(f"{op}: padding {padding!r} puts {tuple(pads)} cells before and after "
                         f"the axes, but each must be smaller than the pool window {size} "
                         "along its axis, so that no window is all padding")
    out = tuple(_out(n, p, k, s) for n, p, k, s in zip(spatial, pads, size, strides))
    return first, size, strides, pads, out


def max_pool3d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """The max of each window of each channel (``tf.nn.max_pool3d``, Keras's
    MaxPooling3D): the max over the depth taps i of max_pool2d of the depth slices tap i
    reads (x padded with -inf, so padding never wins). The first maximum in (depth, row,
    column) order takes the gradient on ties, and NaN wins, as in PyTorch.

    Args:
        x: (N, D, H, W, C), or (N, C, D, H, W) with ``data_format="channels_first"``.
        pool_size: the window, an int or 3 ints (pd, ph, pw).
        strides: the step between windows, an int or 3 ints; None (the default):
            pool_size.
        padding: "valid", "same" (TensorFlow's), or explicit cells as conv3d's (PyTorch's
            -inf padding), each smaller than the window along its axis.
    Returns:
        (N, OD, OH, OW, C) or (N, C, OD, OH, OW).

    >>> import numpy as np
    >>> max_pool3d(np.arange(8.0).reshape(1, 2, 2, 2, 1)).data.ravel()
    array([7.])
    """
    op = "max_pool3d"
    x = operand(x, MaxPool2D)
    first, size, strides, pads, out = _pool_args(op, x, pool_size, strides, padding,
                                                 data_format)
    data_format = _LAYOUTS[first]  # the 2-D ops' names for TensorFlow's NDHWC and NCDHW
    depth = _pad_depth_major(_depth_major(x, first), pads, first, -np.inf)
    y = None
    for i in range(size[0]):
        y_i = max_pool2d(_tap(depth, i, out[0], strides[0]), size[1:], strides[1:], "valid",
                         data_format)
        if y is None:
            y = y_i
        else:  # a later tap wins only when strictly larger (or NaN): the first max wins ties
            wins = (y_i.data > y.data) | (np.isnan(y_i.data) & ~np.isnan(y.data))
            y = arithmetic.where(wins, y_i, y)
    return _from_depth_major(_unfold(y, x.shape[0]), first)


def _real_cells(n, pads, k, s, out):
    """How many of each window's k cells along one axis are inside the input."""
    starts = np.arange(out) * s - pads[0]
    return np.clip(starts + k, 0, n) - np.clip(starts, 0, n)


def avg_pool3d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """The mean of each window of each channel over its real cells (``tf.nn.avg_pool3d``,
    Keras's AveragePooling3D): the sum over the depth taps of avg_pool2d of the zero-padded
    depth slices, times kh*kw / count, count the window's cells inside x.

    Args and Returns: as ``max_pool3d``'s; the padding is never counted (TensorFlow's
    "same"; PyTorch's ``count_include_pad=False``).

    >>> import numpy as np
    >>> avg_pool3d(np.arange(8.0).reshape(1, 2, 2, 2, 1)).data.ravel()
    array([3.5])
    """
    op = "avg_pool3d"
    x = operand(x, AvgPool2D)
    first, size, strides, pads, out = _pool_args(op, x, pool_size, strides, padding,
                                                 data_format)
    data_format = _LAYOUTS[first]  # the 2-D ops' names for TensorFlow's NDHWC and NCDHW
    depth = _pad_depth_major(_depth_major(x, first), pads, first, 0.0)
    y = None
    for i in range(size[0]):
        y_i = avg_pool2d(_tap(depth, i, out[0], strides[0]), size[1:], strides[1:], "valid",
                         data_format)
        y = y_i if y is None else arithmetic.add(y, y_i)
    y = _from_depth_major(_unfold(y, x.shape[0]), first)
    spatial = x.shape[2:] if first else x.shape[1:4]
    counts = [_real_cells(*args) for args in zip(spatial, pads, size, strides, out)]
    count = counts[0][:, None, None] * counts[1][:, None] * counts[2]
    scale = (size[1] * size[2] / count).astype(y.dtype)
    return arithmetic.multiply(y, scale if first else scale[..., None])
