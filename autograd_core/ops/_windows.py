"""Sliding windows over images: where the windows of a convolution or pooling sit, and the
speed tricks that compute them on numpy arrays.

A window op (conv2d, max_pool2d, ...) slides a kh x kw window over an image. ``Window``
says where, with the padding already resolved to pixel counts. The array functions work in
the channels-last layout (N, H, W, C), where each window row is a contiguous run of
channels; channels-first data is viewed in that layout on the way in and out
(``to_nhwc``, ``from_nhwc``: transposed views, no copies).

The speed tricks are the ones fast CPU code uses (Caffe's and PyTorch's im2col):

- ``im2col``: every window of the padded input copied into one row of a contiguous "patch
  matrix" (N*OH*OW, kh*kw*C), so that a convolution and its kernel gradient are ONE BLAS
  matrix product each;
- the input gradient (the transposed convolution): per kernel offset (kh*kw of them), one
  BLAS product added onto a whole-batch strided slice, never a loop over pixels;
- pooling: one strided slice per window offset, combined with whole-array ufuncs;
- a bias gradient, the sum over every pixel, as a BLAS product with a vector of ones.

The ops (``conv.py``, ``pooling.py``) hold the maths; nothing here is differentiable.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Window(NamedTuple):
    """Where the windows sit on an image, always in two spatial dimensions (a 1-D op is a
    2-D one of height 1). Window (p, q) reads the padded pixels
    (p*sh + u*dh, q*sw + v*dw) for kernel offsets u < kh, v < kw."""

    size: tuple          # (kh, kw)
    strides: tuple       # (sh, sw)
    dilations: tuple     # (dh, dw)
    pads: tuple          # ((top, bottom), (left, right))
    channels_first: bool

    def span(self):
        """The pixels a dilated window covers along each axis: (k - 1) * d + 1."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.size, self.dilations))

    def out_hw(self, in_hw):
        """The output's (height, width) for an input of (height, width) ``in_hw``."""
        return tuple((n + before + after - span) // s + 1 for n, (before, after), span, s
                     in zip(in_hw, self.pads, self.span(), self.strides))

    def nhwc_shape(self, shape):
        """An image shape in the channels-last order."""
        n, *rest = shape
        return (n, *rest[1:], rest[0]) if self.channels_first else tuple(shape)


def same_pads(n, span, stride):
    """TensorFlow's "same": ceil(n / stride) outputs, the odd padding pixel after."""
    out = -(-n // stride)
    total = max((out - 1) * stride + span - n, 0)
    return total // 2, total - total // 2


# --- layouts: channels-first data seen in the channels-last order, as views ----------


def to_nhwc(a, channels_first):
    return a.transpose(0, 2, 3, 1) if channels_first else a


def from_nhwc(a, channels_first):
    return a.transpose(0, 3, 1, 2) if channels_first else a


def to_hwio(k, channels_first):
    """A kernel as (kh, kw, in, out): TensorFlow's layout, from PyTorch's (out, in, kh, kw)."""
    return k.transpose(2, 3, 1, 0) if channels_first else k


def from_hwio(k, channels_first):
    return k.transpose(3, 2, 0, 1) if channels_first else k


# --- padding and window offsets ----------------------------------------------------


def padded(x, pads, fill=0.0):
    """x (N, H, W, C) inside a border of ``fill``; x itself when there is no border."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, h, w, c = x.shape
    out = np.full((n, top + h + bottom, left + w + right, c), fill, x.dtype)
    out[:, top:top + h, left:left + w] = x
    return out


def cropped(x_pad, pads, hw):
    """The image inside the border ``padded`` added (a view)."""
    (top, _), (left, _) = pads
    return x_pad[:, top:top + hw[0], left:left + hw[1]]


def offsets(window, out_hw):
    """For each kernel offset (u, v): the index of the padded pixels that offset reads for
    every output pixel at once, a strided slice of shape (N, OH, OW, C)."""
    (kh, kw), (sh, sw), (dh, dw) = window.size, window.strides, window.dilations
    oh, ow = out_hw
    for u in range(kh):
        for v in range(kw):
            yield u, v, (slice(None), slice(u * dh, u * dh + (oh - 1) * sh + 1, sh),
                         slice(v * dw, v * dw + (ow - 1) * sw + 1, sw))


# --- convolution: im2col and one matrix product; dL/dx by kernel offsets ------------


def im2col(x, window):
    """The patch matrix of x (N, H, W, C): row (n, p, q) holds window (p, q)'s pixels in
    (kh, kw, C) order, so x ⋆ k is this matrix @ k.reshape(kh*kw*C, out).

    ``sliding_window_view`` makes every window a view (no copy); the one copy is the
    reshape to a contiguous (N*OH*OW, kh*kw*C) matrix, which BLAS needs. With a single
    channel numpy's copy loop moves three numbers at a time, so there each kernel offset
    is copied as one whole-batch slice instead: 0.4 ms against 1.3 ms for MNIST's first
    layer (with 3 to 32 channels that copy is the slower one, 4 to 9x).
    """
    x_pad = padded(x, window.pads)
    (kh, kw), (sh, sw), (dh, dw) = window.size, window.strides, window.dilations
    n, c = x.shape[0], x.shape[3]
    oh, ow = window.out_hw(x.shape[1:3])
    if c == 1:
        cols = np.empty((n, oh, ow, kh, kw, c), x.dtype)
        for u, v, where in offsets(window, (oh, ow)):
            cols[:, :, :, u, v] = x_pad[where]
    else:
        # (N, OH, OW, C, span_h, span_w) views, thinned to the strides and dilations
        views = sliding_window_view(x_pad, window.span(), axis=(1, 2))
        cols = views[:, ::sh, ::sw, :, ::dh, ::dw].transpose(0, 1, 2, 4, 5, 3)
    return cols.reshape(n * oh * ow, kh * kw * c)


def conv2d_array(x, k, window):
    """y = x ⋆ k on arrays in the window's layout, and the patch matrix (kept for dL/dk)."""
    cf = window.channels_first
    x, k = to_nhwc(x, cf), to_hwio(k, cf)
    cols = im2col(x, window)
    out = k.shape[3]
    y = cols @ k.reshape(cols.shape[1], out)  # the one BLAS product: (N*OH*OW, kh*kw*C) @ (., out)
    return from_nhwc(y.reshape(x.shape[0], *window.out_hw(x.shape[1:3]), out), cf), cols


def conv2d_transpose_array(dy, k, window, x_shape):
    """The transpose of x -> x ⋆ k applied to dy (N, OH, OW, out): the image of
    ``x_shape`` where each kernel offset (u, v) adds dy @ k[u, v]^T onto the pixels it read.

    One BLAS product per offset, each added straight onto its strided slice. The textbook
    alternative, one product into an (N*OH*OW, kh*kw*C) patch matrix and col2im adding its
    kh*kw column blocks back, took 12.5 ms against 8.0 ms for MNIST's second layer (one
    thread): col2im reads each block with a stride of kh*kw*C, and the matrix is 18 MB.
    """
    cf = window.channels_first
    dy, k = to_nhwc(dy, cf), to_hwio(k, cf)
    n, h, w, c = window.nhwc_shape(x_shape)
    (top, bottom), (left, right) = window.pads
    x_pad = np.zeros((n, top + h + bottom, left + w + right, c), np.result_type(dy, k))
    out_hw = dy.shape[1:3]
    dy = dy.reshape(n * out_hw[0] * out_hw[1], k.shape[3])
    for u, v, where in offsets(window, out_hw):
        x_pad[where] += (dy @ k[u, v].T).reshape(n, *out_hw, c)
    return from_nhwc(cropped(x_pad, window.pads, (h, w)), cf)


def conv2d_backprop_filter_array(x, dy, window, cols=None):
    """x ⋆ dy summed over the batch, a kernel-shaped array; ``cols``: x's patch matrix."""
    cf = window.channels_first
    x, dy = to_nhwc(x, cf), to_nhwc(dy, cf)
    if cols is None:
        cols = im2col(x, window)
    out = dy.shape[3]
    dk = cols.T @ dy.reshape(cols.shape[0], out)  # (kh*kw*C, N*OH*OW) @ (., out): one BLAS product
    return from_hwio(dk.reshape(*window.size, x.shape[3], out), cf)


# --- pooling: one strided slice per window offset ----------------------------------


def max_pool_array(x, window):
    """Each window's max, and the offset u*kw + v that holds it: the first on ties and the
    last NaN when there is one, as PyTorch's CPU kernel chooses (``val > max or isnan(val)``).
    The offsets are in the channels-last layout; padding is -inf.

    The max is a running ``np.maximum`` over the offsets' slices; the offset is found
    afterwards, as the first slice equal to the max, with branch-free arithmetic on
    boolean arrays (``np.copyto(..., where=)`` took 10x longer on random masks).
    """
    cf = window.channels_first
    x_pad = padded(to_nhwc(x, cf), window.pads, -np.inf)
    out_hw = window.out_hw(x.shape[2:4] if cf else x.shape[1:3])
    slices = [x_pad[where] for _, _, where in offsets(window, out_hw)]
    y = slices[0].copy()
    for candidate in slices[1:]:
        np.maximum(y, candidate, out=y)
    offset_type = np.min_scalar_type(len(slices) - 1)
    argmax = np.zeros(y.shape, offset_type)
    unclaimed = np.ones(y.shape, bool)  # windows whose max no earlier offset held
    for o, candidate in enumerate(slices):
        first = candidate == y
        first &= unclaimed
        argmax += first * offset_type.type(o)
        unclaimed &= ~first
    if unclaimed.any():  # NaN windows (NaN equals nothing): the last NaN, as PyTorch
        for o, candidate in enumerate(slices):
            np.copyto(argmax, o, where=unclaimed & (candidate != candidate))
    return from_nhwc(y, cf), argmax


def max_pool_backprop_array(dy, argmax, window, x_shape):
    """dy sent to each window's max (given by ``max_pool_array``'s offsets)."""
    cf = window.channels_first
    dy = to_nhwc(dy, cf)
    n, h, w, c = window.nhwc_shape(x_shape)
    (top, bottom), (left, right) = window.pads
    dx_pad = np.zeros((n, top + h + bottom, left + w + right, c), dy.dtype)
    # dy * mask is branch-free, 10x faster than np.where on random masks; but inf * 0 is
    # NaN, so a non-finite dy takes np.where, which leaves the other pixels at 0.
    finite = np.isfinite(dy).all()
    for o, (_, _, where) in enumerate(offsets(window, dy.shape[1:3])):
        chosen = argmax == o
        dx_pad[where] += dy * chosen if finite else np.where(chosen, dy, 0)
    return from_nhwc(cropped(dx_pad, window.pads, (h, w)), cf)


def max_pool_index(argmax, window):
    """The index of each window's max in x: ``x[index]`` gathers the max pool's output."""
    kw, (sh, sw), (dh, dw) = window.size[1], window.strides, window.dilations
    (top, _), (left, _) = window.pads
    n, oh, ow, c = argmax.shape
    rows = np.arange(oh)[:, None, None] * sh - top + argmax // kw * dh
    cols = np.arange(ow)[:, None] * sw - left + argmax % kw * dw
    batch, channel = np.arange(n)[:, None, None, None], np.arange(c)
    if window.channels_first:
        return (batch, channel[:, None, None], rows.transpose(0, 3, 1, 2),
                cols.transpose(0, 3, 1, 2))
    return batch, rows, cols, channel


def window_counts(window, in_hw, dtype):
    """How many real (unpadded) pixels each window holds: (OH, OW, 1), or a number when no
    window reaches into the padding."""
    (kh, kw), ((top, bottom), (left, right)) = window.size, window.pads
    if not (top or bottom or left or right):
        return dtype.type(kh * kw)
    return avg_pool_sum(np.ones((1, *in_hw, 1), dtype), window)[0]


def avg_pool_sum(x, window):
    """The sum of each window of x (N, H, W, C), padding counted as 0."""
    x_pad = padded(x, window.pads)
    total = None
    for _, _, where in offsets(window, window.out_hw(x.shape[1:3])):
        total = x_pad[where].copy() if total is None else np.add(total, x_pad[where], out=total)
    return total


def avg_pool_array(x, window):
    """The mean of each window's real pixels (TensorFlow's "same" excludes the padding)."""
    cf = window.channels_first
    x = to_nhwc(x, cf)
    total = avg_pool_sum(x, window)
    total /= window_counts(window, x.shape[1:3], x.dtype)
    return from_nhwc(total, cf)


def avg_pool_backprop_array(dy, window, x_shape):
    """dy / count spread evenly over each window's pixels."""
    cf = window.channels_first
    dy = to_nhwc(dy, cf)
    n, h, w, c = window.nhwc_shape(x_shape)
    share = dy / window_counts(window, (h, w), dy.dtype)
    (top, bottom), (left, right) = window.pads
    dx_pad = np.zeros((n, top + h + bottom, left + w + right, c), dy.dtype)
    for _, _, where in offsets(window, dy.shape[1:3]):
        dx_pad[where] += share
    return from_nhwc(cropped(dx_pad, window.pads, (h, w)), cf)


# --- bias: one value per channel ---------------------------------------------------


def bias_shaped(b, axis, ndim):
    """b (C,) shaped to broadcast along channel axis ``axis`` of an ndim-D array."""
    return b if axis == ndim - 1 else b.reshape((-1,) + (1,) * (ndim - 1 - axis))


def channel_sums(g, axis):
    """g summed over every axis but ``axis``: a bias's gradient. As BLAS products with
    vectors of ones: numpy's sum over the leading axes of a (128, 26, 26, 32) float32
    array took 1.4 ms, the product 0.15 ms."""
    before, c = int(np.prod(g.shape[:axis])), g.shape[axis]
    after = int(np.prod(g.shape[axis + 1:]))
    rows = g.reshape(before, c, after)
    rows = rows[..., 0] if after == 1 else rows @ np.ones(after, g.dtype)  # (before, c)
    return np.ones(before, g.dtype) @ rows
