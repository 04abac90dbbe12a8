"""Pooling: max_pool2d and avg_pool2d (and their 1-D forms), with Keras's arguments.

A pooling op summarises each ``pool_size`` window of each channel by its max or its mean.
Its gradient is its transpose: max pooling sends g to each window's max, average pooling
spreads g / count evenly over each window. Each gradient is an op of its own, whose
``backward`` is written with the pooling again, so gradients of gradients work.

Layouts as in ``conv``: (N, H, W, C), or (N, C, H, W) with ``data_format="channels_first"``.
The arithmetic (one strided slice per window offset) is in ``_windows``.
"""

from __future__ import annotations

from ..engine import Op, apply
from . import _windows, xp
from ._operands import operand
from ._window_args import (channels_first, check_ndim, image_axes, padding_arg,
                           positive_ints, window)

__all__ = ["max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d"]


class MaxPool2D(Op):
    """y = max of x over each window     dL/dx = g sent to each window's max (the first, on ties)

    Ties go to the first maximum in row-major window order and NaN wins, as in PyTorch.
    """

    __slots__ = ("window", "argmax")

    def __init__(self, window):
        self.window = window

    def forward(self, x):
        # argmax: where each window's max is (its row, and that row's column), the
        # constant the gradient is routed by
        y, self.argmax = _windows.max_pool_array(x, self.window)
        return y

    def backward(self, g, y, x):
        return (xp.max_pool2d_backprop(g, self.argmax, self.window, x.shape),)


class MaxPool2DBackprop(Op):
    """y = dy sent to each window's max (max_pool2d's gradient)   dL/ddy = g at each window's max"""

    __slots__ = ("argmax", "window", "x_shape")

    def __init__(self, argmax, window, x_shape):
        self.argmax, self.window, self.x_shape = argmax, window, x_shape

    def forward(self, dy):
        return _windows.max_pool_backprop_array(dy, self.argmax, self.window, self.x_shape)

    def backward(self, g, y, dy):
        return (g[_windows.max_pool_index(self.argmax, self.window)],)


class AvgPool2D(Op):
    """y = mean of x over each window's real pixels     dL/dx = g / count, spread over each window

    count is the number of pixels a window holds, the padding of "same" not counted (as
    TensorFlow; PyTorch's ``count_include_pad=False``).
    """

    __slots__ = ("window",)

    def __init__(self, window):
        self.window = window

    def forward(self, x):
        return _windows.avg_pool_array(x, self.window)

    def backward(self, g, y, x):
        return (xp.avg_pool2d_backprop(g, self.window, x.shape),)


class AvgPool2DBackprop(Op):
    """y = dy / count spread over each window (avg_pool2d's gradient)     dL/ddy = avg_pool2d(g)"""

    __slots__ = ("window", "x_shape")

    def __init__(self, window, x_shape):
        self.window, self.x_shape = window, x_shape

    def forward(self, dy):
        return _windows.avg_pool_backprop_array(dy, self.window, self.x_shape)

    def backward(self, g, y, dy):
        return (xp.avg_pool2d(g, self.window),)


def _pool_window(op, x, pool_size, strides, padding, data_format, rank):
    first = channels_first(data_format, op, rank)
    check_ndim(x.shape, "x", op, rank + 2, image_axes(rank, first))
    size = positive_ints(pool_size, "pool_size", op, rank, first)
    strides = size if strides is None else positive_ints(strides, "strides", op, rank, first)
    padding = padding_arg(padding, op, rank, first, explicit=False)
    spatial = x.shape[2:] if first else x.shape[1:-1]
    return window(op, x.shape, spatial, size, strides, padding, (1,) * rank, first,
                  f"the pool window (pool_size {size})")


def max_pool2d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """The max of each window of each channel (``tf.nn.max_pool2d``, Keras's MaxPooling2D).

    Args:
        x: (N, H, W, C), or (N, C, H, W) with ``data_format="channels_first"`` ("NCHW").
        pool_size: the window, an int or a pair (ph, pw).
        strides: the step between windows, an int or a pair; None (the default): pool_size.
        padding: "valid" (windows inside x only) or "same" (TensorFlow's: ceil(H / sh)
            output rows, the odd padding pixel at the bottom/right; padding never wins).
    Returns:
        (N, OH, OW, C) or (N, C, OH, OW). The gradient goes to each window's max, the
        first one on ties (as PyTorch).

    >>> import numpy as np
    >>> max_pool2d(np.arange(16.0).reshape(1, 4, 4, 1)).data[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x = operand(x, MaxPool2D)
    return apply(MaxPool2D(_pool_window("max_pool2d", x, pool_size, strides, padding,
                                        data_format, 2)), x)


def avg_pool2d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """The mean of each window of each channel (``tf.nn.avg_pool2d``, Keras's
    AveragePooling2D). With "same" padding a window's mean is over its real pixels only.

    Args and Returns: as ``max_pool2d``.
    """
    x = operand(x, AvgPool2D)
    return apply(AvgPool2D(_pool_window("avg_pool2d", x, pool_size, strides, padding,
                                        data_format, 2)), x)


def _pool1d(op_cls, name, x, pool_size, strides, padding, data_format):
    """A 1-D pooling as the 2-D one on images of height 1."""
    x = operand(x, op_cls)
    w = _pool_window(name, x, pool_size, strides, padding, data_format, 1)
    if w.channels_first:
        y = apply(op_cls(w), x.reshape(x.shape[:2] + (1, x.shape[2])))
        return y.reshape(y.shape[:2] + y.shape[3:])
    y = apply(op_cls(w), x.reshape((x.shape[0], 1) + x.shape[1:]))
    return y.reshape((y.shape[0],) + y.shape[2:])


def max_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """max_pool2d along one axis (Keras's MaxPooling1D): x (N, W, C), or (N, C, W) with
    channels_first ("NCW"); pool_size and strides are ints."""
    return _pool1d(MaxPool2D, "max_pool1d", x, pool_size, strides, padding, data_format)


def avg_pool1d(x, pool_size=2, strides=None, padding="valid", data_format="channels_last"):
    """avg_pool2d along one axis (Keras's AveragePooling1D): x (N, W, C), or (N, C, W) with
    channels_first ("NCW"); pool_size and strides are ints."""
    return _pool1d(AvgPool2D, "avg_pool1d", x, pool_size, strides, padding, data_format)
