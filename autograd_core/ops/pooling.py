"""Pooling: max_pool2d and avg_pool2d (and their 1-D forms), with Keras's arguments.

A pooling op summarises each ``pool_size`` window of each channel by its max or its mean.
Its gradient is its transpose: max pooling sends g to each window's max, average pooling
spreads g / count evenly over each window. Each gradient is an op of its own, whose
``backward`` is written with the pooling again, so gradients of gradients work.

Layouts as in ``conv``: (N, H, W, C), or (N, C, H, W) with ``data_format="channels_first"``.
The arithmetic (one strided slice per window offset) is in ``_windows``.
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, apply
from ..worked import Terms
from . import _window_display as show
from . import _windows, xp
from ._operands import operand
from ._window_args import (channels_first, check_ndim, image_axes, padding_arg,
                           positive_ints, window)

__all__ = ["max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d"]


class MaxPool2D(Op):
    """y = max of x over each window     dL/dx = g at the position of each window's maximum

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

    def formula(self, y, x):
        return (f"y = max of x over each window: {_window_text(self.window, x.shape)}",
                "dL/dx = g at the position of each window's maximum, 0 elsewhere   "
                f"({_notes(self.window, 'the first maximum on ties')})")

    def element(self, i, at, g, y, x):
        """dL/dx[at] = the sum of g over the windows whose maximum is at ``at``."""
        return Terms("g", tuple({"g": k} for k in _maxima_at(self.argmax, self.window,
                                                             np.shape(g), at)))

    def grids(self, i, grad, g, y, x):
        return show.max_pool_dx_grids(self.window, grad, x, g)


class MaxPool2DBackprop(Op):
    """y = dy at the position of each window's maximum (max_pool2d's gradient)
    dL/ddy = g read at the position of each window's maximum"""

    __slots__ = ("argmax", "window", "x_shape")

    def __init__(self, argmax, window, x_shape):
        self.argmax, self.window, self.x_shape = argmax, window, x_shape

    def forward(self, dy):
        return _windows.max_pool_backprop_array(dy, self.argmax, self.window, self.x_shape)

    def backward(self, g, y, dy):
        return (g[_windows.max_pool_index(self.argmax, self.window)],)

    def formula(self, y, dy):
        return (f"y = dy at the position of each window's maximum, 0 elsewhere (max_pool2d's "
                f"gradient): {_window_text(self.window, y.shape)}",
                "dL/ddy = g read at the position of each window's maximum")

    def element(self, i, at, g, y, dy):
        index = _windows.max_pool_index(self.argmax, self.window)
        return Terms("g", ({"g": tuple(int(np.broadcast_to(k, np.shape(dy))[at])
                                       for k in index)},))


class AvgPool2D(Op):
    """y = mean of x over each window's real pixels
    dL/dx = g / count copied to each position of its window

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

    def formula(self, y, x):
        share, note = _share(self.window, x.shape, y.shape)
        notes = _notes(self.window, note)
        return (f"y = mean of x over each window{_uncounted(self.window)}: "
                f"{_window_text(self.window, x.shape)}",
                f"dL/dx = {share} copied to each position of its window"
                + (f"   ({notes})" if notes else ""))

    def element(self, i, at, g, y, x):
        """dL/dx[at] = the sum over the windows covering ``at`` of g / their count."""
        w = self.window
        n, i2, j2, c = show.unpixel(w, at)
        counts = _counts(w, x.shape, y.shape)
        terms = tuple({"g": show.pixel(w, n, r, c2, c), "count": (r, c2)}
                      for r, c2, _, _ in show.covering(w, show.image_hw(w, y.shape), i2, j2))
        if counts.min() == counts.max():
            return Terms(f"g / {counts.max()}", terms)
        return Terms("g / count", terms, {"count": counts})

    def grids(self, i, grad, g, y, x):
        return show.avg_pool_dx_grids(self.window, grad, g,
                                      _share(self.window, x.shape, y.shape)[0])


class AvgPool2DBackprop(Op):
    """y = dy / count copied to each position of its window (avg_pool2d's gradient)
    dL/ddy = avg_pool2d(g): the mean of g over each window"""

    __slots__ = ("window", "x_shape")

    def __init__(self, window, x_shape):
        self.window, self.x_shape = window, x_shape

    def forward(self, dy):
        return _windows.avg_pool_backprop_array(dy, self.window, self.x_shape)

    def backward(self, g, y, dy):
        return (xp.avg_pool2d(g, self.window),)

    def formula(self, y, dy):
        share, note = _share(self.window, y.shape, dy.shape, "dy")
        notes = _notes(self.window, note)
        return (f"y = {share} copied to each position of its window (avg_pool2d's gradient"
                f"{'; ' + notes if notes else ''}): {_window_text(self.window, y.shape)}",
                f"dL/ddy = avg_pool2d(g): the mean of g over each window{_uncounted(self.window)}")

    def element(self, i, at, g, y, dy):
        """dL/ddy[at] = the mean of g over the pixels of window ``at``."""
        w = self.window
        n, r, c, ch = show.unpixel(w, at)
        pixels = [show.pixel(w, n, i2, j2, ch)
                  for _, _, i2, j2 in show.taps(w, show.image_hw(w, y.shape), r, c)]
        return Terms(f"g / {len(pixels)}", tuple({"g": k} for k in pixels))


def _window_text(window, x_shape):
    return show.window_text(window, x_shape, "window", dilation=False)


def _overlap(window):
    return any(s < k for s, k in zip(window.strides, window.size))


def _notes(window, *notes):
    """The notes of a pooling's gradient, "; "-separated: the given ones, and whether
    overlapping windows add up."""
    notes = [n for n in notes if n] + (["overlapping windows add up"] if _overlap(window) else [])
    return "; ".join(notes)


def _uncounted(window):
    return ", the padding not counted" if any(np.ravel(window.pads)) else ""


def _counts(window, x_shape, y_shape):
    return show.window_counts(window, show.image_hw(window, x_shape),
                              show.image_hw(window, y_shape))


def _share(window, x_shape, y_shape, g="g"):
    """How g is divided among a window's pixels: ("g / 4", ""), or ("g / count", "count:
    the window's pixels not in the padding, 4 or fewer") when windows reach into it."""
    counts = _counts(window, x_shape, y_shape)
    if counts.min() == counts.max():
        return f"{g} / {counts.max()}", ""
    return (f"{g} / count",
            f"count: the window's pixels not in the padding, {counts.max()} or fewer")


def _maxima_at(argmax, window, y_shape, at):
    """The windows (indices of y) whose maximum is x's element ``at``."""
    index = _windows.max_pool_index(argmax, window)
    hit = np.ones(y_shape, bool)
    for k, position in zip(index, at):
        hit &= np.broadcast_to(k, y_shape) == position
    return [tuple(int(a) for a in idx) for idx in np.argwhere(hit)]


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
