"""Grouped and depthwise convolutions on numpy arrays: conv2d, its transpose and its kernel
gradient when the channels are split into G groups (``groups > 1``).

With G groups, out_channel o sums over the C/G input channels of its own group only,
o // (out/G), as in TensorFlow and PyTorch (G = C: depthwise). Each group is a
convolution of its own, so the patch matrix is made group-major, (G, N*OH*OW,
kh*kw*C/G), by the same one copy as ``im2col``'s, and numpy's batched matmul runs the G
products in one call, reading and writing each group's columns of the kernel and of y in
place (``_group_blocks``), never a Python loop over the groups.

Depthwise, one input channel per group (G = C): each output channel then reads a single
input channel, so the sums over a window are elementwise: per kernel offset (u, v), the
pixels that offset reads (a strided slice) times that offset's weights, added up over the
kh*kw offsets. The batched matmul, with matrices one column wide, took 217 ms for a 3x3
depthwise layer on (128, 28, 28, 32), forward and backward, against PyTorch's 6.8 ms. Two
things make the elementwise form fast: the weights repeated along a row of pixels,
(OW, C, m), so that numpy multiplies whole rows at a time instead of C numbers per call
(the bias trick of ``add_bias_in_place``); and blocks of images small enough that a
block's sum stays in cache across the kh*kw offsets (``DEPTHWISE_BLOCK``). A channel
multiplier m (out = m * C) is a last axis of m: output channel c*m + j reads channel c.

The windows, layouts, padding and blocks of images are ``_windows``'s, as is the
convolution of one group; the ops (``conv.py``) choose between the two and hold the maths.
Nothing here is differentiable.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _windows  # its PATCH_BLOCK, read when called: one budget for all patches
from ._windows import (_image_blocks, _patch_bytes, cropped, from_hwio, from_nhwc, offsets,
                       padded, to_hwio, to_nhwc)


# --- grouped convolution: one batched matmul over the groups -------------------------


def _group_blocks(a, groups):
    """The column blocks of a 2-D array, one per group: a (G, rows, columns / G) view."""
    rows, columns = a.shape
    return a.reshape(rows, groups, columns // groups).transpose(1, 0, 2)


def grouped_im2col(x, window, groups):
    """The patch matrices of x's G channel groups, (G, N*OH*OW, kh*kw*C/G): group j's row
    (n, p, q) holds window (p, q)'s pixels of channels j*C/G to (j+1)*C/G - 1."""
    x_pad = padded(x, window.pads)
    (kh, kw), (sh, sw), (dh, dw) = window.size, window.strides, window.dilations
    n, c = x.shape[0], x.shape[3]
    oh, ow = window.out_hw(x.shape[1:3])
    views = sliding_window_view(x_pad, window.span(), axis=(1, 2))[:, ::sh, ::sw, :, ::dh, ::dw]
    views = views.reshape(n, oh, ow, groups, c // groups, kh, kw)  # C split: still a view
    return views.transpose(3, 0, 1, 2, 5, 6, 4).reshape(groups, n * oh * ow,
                                                         kh * kw * (c // groups))


def grouped_conv2d_array(x, k, window, groups):
    """``conv2d_array`` with G groups: k is (kh, kw, C/G, out) in HWIO; the patch matrices
    are kept, as there, when no larger than y."""
    cf = window.channels_first
    x, k = to_nhwc(x, cf), to_hwio(k, cf)
    if x.shape[3] == groups:
        return from_nhwc(depthwise_conv2d_array(x, k, window), cf), None
    n, (oh, ow), out = x.shape[0], window.out_hw(x.shape[1:3]), k.shape[3]
    width = k.shape[0] * k.shape[1] * k.shape[2]  # one group's patch row, kh*kw*C/G
    kernel = _group_blocks(k.reshape(width, out), groups)  # (G, kh*kw*C/G, out/G)
    y = np.empty((n * oh * ow, out), np.result_type(x, k))
    cols = None
    if groups * width <= out:
        cols = grouped_im2col(x, window, groups)
        np.matmul(cols, kernel, out=_group_blocks(y, groups))
    else:
        for images in _image_blocks(n, _patch_bytes(x, window, groups * width),
                                    _windows.PATCH_BLOCK):
            rows = slice(images.start * oh * ow, images.stop * oh * ow)
            np.matmul(grouped_im2col(x[images], window, groups), kernel,
                      out=_group_blocks(y[rows], groups))
    return from_nhwc(y.reshape(n, oh, ow, out), cf), cols


def grouped_conv2d_transpose_array(dy, k, window, x_shape, groups):
    """``conv2d_transpose_array`` with G groups: per kernel offset, one batched product
    sends each group's out_channels of dy back to its own input channels."""
    cf = window.channels_first
    dy, k = to_nhwc(dy, cf), to_hwio(k, cf)
    n, h, w, c = window.nhwc_shape(x_shape)
    if c == groups:
        return from_nhwc(depthwise_conv2d_transpose_array(dy, k, window, (n, h, w, c)), cf)
    (top, bottom), (left, right) = window.pads
    dtype = np.result_type(dy, k)
    x_pad = np.zeros((n, top + h + bottom, left + w + right, c), dtype)
    out_hw = dy.shape[1:3]
    dy = _group_blocks(dy.reshape(n * out_hw[0] * out_hw[1], k.shape[3]), groups)
    product = np.empty((dy.shape[1], c), dtype)
    for u, v, where in offsets(window, out_hw):
        # (G, N*OH*OW, out/G) @ (G, out/G, C/G): k[u, v]^T of each group
        np.matmul(dy, _group_blocks(k[u, v], groups).transpose(0, 2, 1),
                  out=_group_blocks(product, groups))
        x_pad[where] += product.reshape(n, *out_hw, c)
    return from_nhwc(cropped(x_pad, window.pads, (h, w)), cf)


def grouped_conv2d_backprop_filter_array(x, dy, window, groups, cols=None):
    """``conv2d_backprop_filter_array`` with G groups: a (kh, kw, C/G, out) kernel
    gradient, group j's columns from group j's patch matrix alone."""
    cf = window.channels_first
    x, dy = to_nhwc(x, cf), to_nhwc(dy, cf)
    if x.shape[3] == groups:
        return from_hwio(depthwise_conv2d_backprop_filter_array(x, dy, window), cf)
    out = dy.shape[3]
    dk = np.empty((*window.size, x.shape[3] // groups, out), np.result_type(x, dy))
    dk_blocks = _group_blocks(dk.reshape(int(np.prod(dk.shape[:3])), out), groups)
    dy2 = dy.reshape(int(np.prod(dy.shape[:3])), out)
    if cols is not None:
        np.matmul(cols.transpose(0, 2, 1), _group_blocks(dy2, groups), out=dk_blocks)
        return from_hwio(dk, cf)
    pixels = int(np.prod(dy.shape[1:3]))
    dk_blocks[...] = 0
    width = groups * dk_blocks.shape[1]
    for images in _image_blocks(x.shape[0], _patch_bytes(x, window, width), _windows.PATCH_BLOCK):
        rows = dy2[images.start * pixels:images.stop * pixels]
        dk_blocks += (grouped_im2col(x[images], window, groups).transpose(0, 2, 1)
                      @ _group_blocks(rows, groups))
    return from_hwio(dk, cf)


# --- depthwise: one input channel per group ----------------------------------------

DEPTHWISE_BLOCK = 1 << 20  # bytes of one block's output


def _depthwise_rows(k, c, ow):
    """(kh, kw, 1, C*m) HWIO -> (kh, kw, OW, C, m): each offset's weights along a row."""
    kernel = k.reshape(k.shape[0], k.shape[1], 1, c, k.shape[3] // c)
    return np.ascontiguousarray(np.broadcast_to(kernel, (*kernel.shape[:2], ow,
                                                         *kernel.shape[3:])))


def _depthwise_blocks(n, out_hw, channels, itemsize):
    return _image_blocks(n, out_hw[0] * out_hw[1] * channels * itemsize, DEPTHWISE_BLOCK)


def depthwise_conv2d_array(x, k, window):
    """y[n, p, q, c*m + j] = sum over (u, v) of x_pad[n, p*sh + u*dh, q*sw + v*dw, c]
    * k[u, v, 0, c*m + j], channels last."""
    n, c = x.shape[0], x.shape[3]
    oh, ow = window.out_hw(x.shape[1:3])
    kernel = _depthwise_rows(k, c, ow)  # (kh, kw, OW, C, m)
    x_pad = padded(x, window.pads)[..., None]
    y = np.empty((n, oh, ow, c, kernel.shape[-1]), np.result_type(x, k))
    term = np.empty((0,), y.dtype)
    for images in _depthwise_blocks(n, (oh, ow), y[0, 0, 0].size, y.itemsize):
        block, first = y[images], True
        if term.shape != block.shape:
            term = np.empty_like(block)
        for u, v, where in offsets(window, (oh, ow)):
            if first:
                np.multiply(x_pad[images][where], kernel[u, v], out=block)
                first = False
            else:
                np.multiply(x_pad[images][where], kernel[u, v], out=term)
                block += term
    return y.reshape(n, oh, ow, -1)


def depthwise_conv2d_transpose_array(dy, k, window, x_shape):
    """dL/dx of ``depthwise_conv2d_array``: each offset sends dy times its weights back
    onto the pixels it read (summed over the multiplier's m outputs)."""
    n, h, w, c = x_shape
    (top, bottom), (left, right) = window.pads
    out_hw = dy.shape[1:3]
    kernel = _depthwise_rows(k, c, out_hw[1])
    dy = dy.reshape(n, *out_hw, c, kernel.shape[-1])
    x_pad = np.zeros((n, top + h + bottom, left + w + right, c), np.result_type(dy, k))
    term = np.empty((0,), x_pad.dtype)
    for images in _depthwise_blocks(n, out_hw, dy[0, 0, 0].size, x_pad.itemsize):
        block, g = x_pad[images], dy[images]
        if term.shape != g.shape:
            term = np.empty_like(g)
        for u, v, where in offsets(window, out_hw):
            np.multiply(g, kernel[u, v], out=term)
            block[where] += term[..., 0] if term.shape[-1] == 1 else term.sum(axis=-1)
    return cropped(x_pad, window.pads, (h, w))


def depthwise_conv2d_backprop_filter_array(x, dy, window):
    """dL/dk of ``depthwise_conv2d_array``: for each offset, the pixels it read times dy,
    summed over the images and the pixels (a BLAS product with a vector of ones)."""
    n, c = x.shape[0], x.shape[3]
    out_hw, out = dy.shape[1:3], dy.shape[3]
    dy = dy.reshape(n, *out_hw, c, out // c)
    x_pad = padded(x, window.pads)[..., None]
    dk = np.zeros((*window.size, 1, out), np.result_type(x, dy))
    term = np.empty((0,), dk.dtype)
    for images in _depthwise_blocks(n, out_hw, out, dk.itemsize):
        g = dy[images]
        if term.shape != g.shape:
            term = np.empty_like(g)
        ones = np.ones(g.size // out, dk.dtype)
        for u, v, where in offsets(window, out_hw):
            np.multiply(x_pad[images][where], g, out=term)
            dk[u, v, 0] += ones @ term.reshape(len(ones), out)
    return dk
