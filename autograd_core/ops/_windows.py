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
  matrix product each (one per block of images when the matrix is larger than the
  output: ``conv2d_array``);
- the input gradient (the transposed convolution): per kernel offset (kh*kw of them), one
  BLAS product added onto a whole-batch strided slice, never a loop over pixels;
- pooling: separable, kw strided slices along the rows then kh down the columns,
  combined with whole-array ufuncs;
- a bias gradient, the sum over every pixel, as a BLAS product with a vector of ones.

Grouped and depthwise convolutions (groups > 1) are in ``_grouped``, built on these. The
ops (``conv.py``, ``pooling.py``) hold the maths; nothing here is differentiable.
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
    """The image inside the border ``padded`` added: a view, or x_pad itself when it has
    no border (the engine copies a view that becomes a leaf's .grad)."""
    (top, _), (left, _) = pads
    if x_pad.shape[1:3] == tuple(hw):
        return x_pad
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
    """y = x ⋆ k on arrays in the window's layout, and x's patch matrix when it is no larger
    than y (the graph holds y anyway; dL/dk reuses it), else None.

    A patch matrix is kh*kw times its image: MNIST's second layer's is 18 MB against its
    y's 4 MB. Such a matrix is never made whole: the product runs over blocks of images
    whose patch matrices hold at most ``PATCH_BLOCK`` bytes (``_image_blocks``), here and
    again for dL/dk, so that a step's peak memory holds 4 MB of it, not 18 twice.
    """
    cf = window.channels_first
    x, k = to_nhwc(x, cf), to_hwio(k, cf)
    n, (oh, ow), out = x.shape[0], window.out_hw(x.shape[1:3]), k.shape[3]
    kernel = k.reshape(k.shape[0] * k.shape[1] * k.shape[2], out)  # (kh*kw*C, out)
    if kernel.shape[0] <= out:
        cols = im2col(x, window)
        y = cols @ kernel  # the one BLAS product: (N*OH*OW, kh*kw*C) @ (., out)
    else:
        cols, y = None, np.empty((n * oh * ow, out), np.result_type(x, k))
        for images in _image_blocks(n, _patch_bytes(x, window, kernel.shape[0]), PATCH_BLOCK):
            rows = slice(images.start * oh * ow, images.stop * oh * ow)
            np.matmul(im2col(x[images], window), kernel, out=y[rows])
    return from_nhwc(y.reshape(n, oh, ow, out), cf), cols


# Bytes of patch matrix made at once: 4 MB made MNIST's convnet step 7% faster than the
# whole 18 MB matrix (the blocks stay in cache between the copy and the product), and
# faster than 0.5 to 2 MB at two threads.
PATCH_BLOCK = 4 << 20


def _image_blocks(n, per_image, budget):
    """Consecutive slices of range(n), blocks of images that need at most ``budget`` bytes
    (``per_image`` each), one image at least."""
    count = max(1, budget // max(per_image, 1))
    return [slice(i, min(i + count, n)) for i in range(0, n, count)]


def _patch_bytes(x, window, patch_width):
    """The bytes of one image's patch matrix: ``patch_width`` numbers per output pixel."""
    oh, ow = window.out_hw(x.shape[1:3])
    return oh * ow * patch_width * x.itemsize


def conv2d_transpose_array(dy, k, window, x_shape):
    """The transpose of x -> x ⋆ k applied to dy (N, OH, OW, out): the image of
    ``x_shape`` where each kernel offset (u, v) adds dy @ k[u, v]^T onto the pixels it read.

    One BLAS product per offset, each added straight onto its strided slice. The textbook
    alternative, one product into an (N*OH*OW, kh*kw*C) patch matrix and col2im adding its
    kh*kw column blocks back, took 12.5 ms against 8.0 ms for MNIST's second layer (one
    thread): col2im reads each block with a stride of kh*kw*C, and the matrix is 18 MB.

    The images go through in blocks of about ``TRANSPOSE_BLOCK`` bytes of image, so that a
    block's kh*kw products and the slices they are added onto stay in cache: 14.5 ms
    against 17.5-18.5 ms for the whole batch at once (MNIST's second layer, two threads).
    """
    cf = window.channels_first
    dy, k = to_nhwc(dy, cf), to_hwio(k, cf)
    n, h, w, c = window.nhwc_shape(x_shape)
    (top, bottom), (left, right) = window.pads
    dtype = np.result_type(dy, k)
    x_pad = np.zeros((n, top + h + bottom, left + w + right, c), dtype)
    out_hw = dy.shape[1:3]
    if x_pad.size == 0 or dy.size == 0:  # no images, no channels, or no output pixels
        return from_nhwc(cropped(x_pad, window.pads, (h, w)), cf)
    kernels = [(where, k[u, v].T) for u, v, where in offsets(window, out_hw)]
    blocks = _image_blocks(n, x_pad[:1].nbytes, TRANSPOSE_BLOCK)
    product = np.empty((blocks[0].stop * out_hw[0] * out_hw[1], c), dtype)  # one buffer
    for images in blocks:
        dy_block = dy[images].reshape(-1, k.shape[3])
        block_product = product[:dy_block.shape[0]]
        x_block = x_pad[images]
        for where, k_uv in kernels:
            np.matmul(dy_block, k_uv, out=block_product)
            x_block[where] += block_product.reshape(-1, *out_hw, c)
    return from_nhwc(cropped(x_pad, window.pads, (h, w)), cf)


# Bytes of the input gradient made at once (see conv2d_transpose_array): blocks of 16 to
# 32 of MNIST's 13x13x32 float32 images were the fastest, 4 the slowest.
TRANSPOSE_BLOCK = 512 << 10


def conv2d_backprop_filter_array(x, dy, window, cols=None):
    """x ⋆ dy summed over the batch, a kernel-shaped array; ``cols``: x's patch matrix, or
    None to make it again, block by block of images (see ``conv2d_array``)."""
    cf = window.channels_first
    x, dy = to_nhwc(x, cf), to_nhwc(dy, cf)
    out = dy.shape[3]
    dk = np.empty((*window.size, x.shape[3], out), np.result_type(x, dy))
    dk2 = dk.reshape(int(np.prod(dk.shape[:3])), out)  # (kh*kw*C, out), dk's own array
    dy2 = dy.reshape(int(np.prod(dy.shape[:3])), out)
    if cols is not None:
        # the one BLAS product, (kh*kw*C, N*OH*OW) @ (., out), written into dk's own array
        np.matmul(cols.T, dy2, out=dk2)
        return from_hwio(dk, cf)
    pixels = int(np.prod(dy.shape[1:3]))
    dk2[...] = 0
    for images in _image_blocks(x.shape[0], _patch_bytes(x, window, dk2.shape[0]),
                                PATCH_BLOCK):
        dk2 += im2col(x[images], window).T @ dy2[images.start * pixels:images.stop * pixels]
    return from_hwio(dk, cf)


# --- pooling: separable, along the rows and then down the columns -----------------
#
# A window's max (or sum) is the max over its kh rows of each row's max over its kw
# columns. So pooling makes two passes of strided slices, kw along the width then kh down
# the height, instead of one slice per window offset (kh*kw): for MNIST's 2x2 max pooling
# the forward took half the time; the second pass's slices are whole image rows, which
# numpy walks fastest.


def along_width(a, window, ow):
    """The kw slices (N, H, OW, C) of a (N, H, W, C): slice v holds the pixel each output
    column's window reads at its column v."""
    kw, sw, dw = window.size[1], window.strides[1], window.dilations[1]
    return [a[:, :, v * dw:v * dw + (ow - 1) * sw + 1:sw] for v in range(kw)]


def along_height(a, window, oh):
    """The kh slices (N, OH, W, C) of a (N, H, W, C): slice u holds row u of each window."""
    kh, sh, dh = window.size[0], window.strides[0], window.dilations[0]
    return [a[:, u * dh:u * dh + (oh - 1) * sh + 1:sh] for u in range(kh)]


# numpy runs a ufunc over a strided view one contiguous run at a time, and each run costs
# it more than it costs numpy's copy: the width pass's slices of MNIST's first pooling
# (every other pixel, runs of 32 channels) took 1.48 ms for np.maximum of a (128, 26, 13,
# 32) pair against 0.4 ms to copy each into a contiguous array and 0.15 ms for the max of
# the copies; writing a gradient into such slices cost as much. So slices strided in short
# runs are copied before the arithmetic (``_dense``), and results are made contiguous and
# copied into such targets (``_route``). A run of 256 numbers is long enough not to matter.
_SHORT_RUN = 256


def _run_length(a):
    """How many of ``a``'s numbers lie one after another in memory, innermost axes first."""
    run, step = 1, a.itemsize
    for n, stride in zip(reversed(a.shape), reversed(a.strides)):
        if n == 1:
            continue
        if stride != step:
            break
        run, step = run * n, step * n
    return run


def _dense(a):
    """``a``, or a contiguous copy when it is strided in short runs (see above)."""
    return np.ascontiguousarray(a) if _run_length(a) < min(a.size, _SHORT_RUN) else a


def _first_max(slices, nan_wins=False):
    """The elementwise max of the slices, and which slice holds it: the first on ties
    (strictly greater replaces), or with ``nan_wins`` the last NaN (PyTorch's CPU kernel:
    ``val > max or isnan(val)``). The index is found with branch-free arithmetic on the
    boolean array: ``np.where`` and masked copies took 10x longer on random masks."""
    if len(slices) == 1:
        return slices[0].copy(), np.zeros(slices[0].shape, np.uint8)
    slices = [_dense(s) for s in slices]
    best, arg = slices[0], None
    for j, candidate in enumerate(slices[1:], 1):
        wins = candidate > best
        if nan_wins:
            wins |= candidate != candidate
        if arg is None:  # the first pair: a new array for the max, the wins are the index
            best, arg = np.maximum(best, candidate), wins.view(np.uint8)
        else:
            np.maximum(best, candidate, out=best)  # NaN stays NaN
            arg += wins * (np.uint8(j) - arg)  # arg = j where wins (arg < j: no wraparound)
    return best, arg


def max_pool_array(x, window):
    """Each window's max, and where it is: (row_arg, col_arg), the row of the window that
    holds it (N, OH, OW, C) and, for every row, the column that holds that row's max
    (N, H + pads, OW, C). The first in row-major order on ties and the last NaN, as
    PyTorch; channels-last layout; the padding is -inf."""
    cf = window.channels_first
    x_pad = padded(to_nhwc(x, cf), window.pads, -np.inf)
    oh, ow = window.out_hw(x.shape[2:4] if cf else x.shape[1:3])
    n, hp, _, c = x_pad.shape
    y = np.empty((n, oh, ow, c), x_pad.dtype)
    row_arg = np.empty((n, oh, ow, c), np.uint8)
    col_arg = np.empty((n, hp, ow, c), np.uint8)
    for images in _image_blocks(n, x_pad[:1].nbytes, POOL_BLOCK):
        # a block of images at a time: its temporaries stay in cache between the passes
        row_max, col_arg[images] = _first_max(along_width(x_pad[images], window, ow))
        y[images], row_arg[images] = _first_max(along_height(row_max, window, oh))
    if np.isnan(y).any():
        row_max, col_arg[...] = _first_max(along_width(x_pad, window, ow), nan_wins=True)
        y[...], row_arg[...] = _first_max(along_height(row_max, window, oh), nan_wins=True)
    return from_nhwc(y, cf), (row_arg, col_arg)


# Bytes of image pooled at once: 1 MB blocks made MNIST's convnet step 2-4% faster than
# pooling the whole batch at once (its first pooling's input is 11 MB).
POOL_BLOCK = 1 << 20


def _route(g, arg, targets, disjoint, finite):
    """Add g into ``targets[j]`` where ``arg == j`` (targets start at 0).

    g * mask is branch-free, 10x faster than np.where; but inf * 0 is NaN, so a
    non-finite g takes np.where, which leaves the others at 0. Disjoint targets (windows
    that do not overlap) are written in place, without a temporary. Two disjoint targets
    (a 2-wide window) need no comparison: arg is 0 or 1, so g * arg is target 1 and
    g - g * arg target 0, both exact: 0.9 ms against 1.2 ms for a (128, 13, 26, 32) pass."""
    if disjoint and finite and len(targets) == 2:
        chosen = np.multiply(g, arg)  # contiguous, then copied into the strided targets
        targets[1][...] = chosen
        targets[0][...] = np.subtract(g, chosen, out=chosen)
        return
    for j, target in enumerate(targets):
        chosen = arg == j
        if not finite:
            target += np.where(chosen, g, 0)
        elif disjoint:
            np.multiply(g, chosen, out=target)
        else:
            target += g * chosen


def max_pool_backprop_array(dy, argmax, window, x_shape):
    """dy sent to each window's max: up the rows to the row holding it, then along that
    row to its column (``max_pool_array``'s two passes, reversed)."""
    cf = window.channels_first
    dy = to_nhwc(dy, cf)
    row_arg, col_arg = argmax
    n, h, w, c = window.nhwc_shape(x_shape)
    (top, bottom), (left, right) = window.pads
    oh, ow = dy.shape[1:3]
    (span_h, span_w), (sh, sw) = window.span(), window.strides
    finite = np.isfinite(dy).all()
    rows, cols = top + h + bottom, left + w + right
    # Windows that tile the padded image (stride = size, undilated, nothing left over),
    # such as MNIST's 2x2 pooling of 26x26, make _route write every number of d_rows and
    # dx_pad, so their zeros need not be written first (16 MB for the convnet's first
    # pooling): its backward took 3.4-3.8 ms alone, against 3.9-4.1 with the zeros.
    d_rows = _canvas((n, rows, ow, c), dy.dtype,
                     finite and sh == span_h == window.size[0] and oh * sh == rows)
    dx_pad = _canvas((n, rows, cols, c), dy.dtype,
                     finite and sw == span_w == window.size[1] and ow * sw == cols)
    for images in _image_blocks(n, dx_pad[:1].nbytes, POOL_BLOCK):
        _route(dy[images], row_arg[images], along_height(d_rows[images], window, oh),
               sh >= span_h, finite)
        _route(d_rows[images], col_arg[images], along_width(dx_pad[images], window, ow),
               sw >= span_w, finite)
    return from_nhwc(cropped(dx_pad, window.pads, (h, w)), cf)


def _canvas(shape, dtype, written_whole):
    """An array to route a gradient into: zeros, or uninitialised when every number of it
    will be written."""
    return np.empty(shape, dtype) if written_whole else np.zeros(shape, dtype)


def max_pool_index(argmax, window):
    """The index of each window's max in x: ``x[index]`` gathers the max pool's output."""
    row_arg, col_arg = argmax
    (sh, sw), (dh, dw) = window.strides, window.dilations
    (top, _), (left, _) = window.pads
    n, oh, ow, c = row_arg.shape
    rows = np.arange(oh)[:, None, None] * sh + row_arg.astype(np.intp) * dh  # padded rows
    cols = (np.arange(ow)[:, None] * sw - left
            + np.take_along_axis(col_arg, rows, axis=1).astype(np.intp) * dw)
    rows -= top
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


def _sum(slices):
    total = slices[0].copy()
    for s in slices[1:]:
        total += s
    return total


def avg_pool_sum(x, window):
    """The sum of each window of x (N, H, W, C), padding counted as 0."""
    x_pad = padded(x, window.pads)
    oh, ow = window.out_hw(x.shape[1:3])
    return _sum(along_height(_sum(along_width(x_pad, window, ow)), window, oh))


def avg_pool_array(x, window):
    """The mean of each window's real pixels (TensorFlow's "same" excludes the padding)."""
    cf = window.channels_first
    x = to_nhwc(x, cf)
    total = avg_pool_sum(x, window)
    total /= window_counts(window, x.shape[1:3], x.dtype)
    return from_nhwc(total, cf)


def avg_pool_backprop_array(dy, window, x_shape):
    """dy / count spread evenly over each window's pixels: down its rows, then along them."""
    cf = window.channels_first
    dy = to_nhwc(dy, cf)
    n, h, w, c = window.nhwc_shape(x_shape)
    (top, bottom), (left, right) = window.pads
    oh, ow = dy.shape[1:3]
    share = dy / window_counts(window, (h, w), dy.dtype)
    d_rows = np.zeros((n, top + h + bottom, ow, c), dy.dtype)
    for rows in along_height(d_rows, window, oh):
        rows += share
    dx_pad = np.zeros((n, top + h + bottom, left + w + right, c), dy.dtype)
    for cols in along_width(dx_pad, window, ow):
        cols += d_rows
    return from_nhwc(cropped(dx_pad, window.pads, (h, w)), cf)


# --- bias: one value per channel ---------------------------------------------------


def bias_shaped(b, axis, ndim):
    """b (C,) shaped to broadcast along channel axis ``axis`` of an ndim-D array."""
    return b if axis == ndim - 1 else b.reshape((-1,) + (1,) * (ndim - 1 - axis))


def add_bias_in_place(y, b, axis):
    """y += b along channel axis ``axis`` of y, y's own array.

    Channels last, numpy adds a (C,) bias one pixel, C numbers, at a time; b repeated over
    a whole image (or one row of it, for large images) lets it add long stretches: 0.30 ms
    against 1.0 ms for MNIST's first layer's (128, 26, 26, 32) output.
    """
    if axis != y.ndim - 1 or y.ndim < 3 or not y.flags.c_contiguous or b.dtype != y.dtype \
            or y.size == 0:
        y += bias_shaped(b, axis, y.ndim)
        return
    c = y.shape[-1]
    image, row = y.size // y.shape[0], y.shape[-2] * c
    period = image if image <= _LONG_STRETCH else row if row <= _LONG_STRETCH else c
    stretches = y.reshape(-1, period)
    stretches += np.tile(b, period // c)


_LONG_STRETCH = 1 << 16  # numbers: b repeated this long is 256 KB of float32, at home in cache


def channel_sums(g, axis):
    """g summed over every axis but ``axis``: a bias's gradient. As BLAS products with
    vectors of ones: numpy's sum over the leading axes of a (128, 26, 26, 32) float32
    array took 1.4 ms, the product 0.15 ms."""
    before, c = int(np.prod(g.shape[:axis])), g.shape[axis]
    after = int(np.prod(g.shape[axis + 1:]))
    rows = g.reshape(before, c, after)
    rows = rows[..., 0] if after == 1 else rows @ np.ones(after, g.dtype)  # (before, c)
    return np.ones(before, g.dtype) @ rows
