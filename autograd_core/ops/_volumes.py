"""The 3-D convolution on numpy arrays: where its windows sit in a volume, and the speed
tricks that compute it, conv2d's (``_windows``) one dimension up.

A 3-D window op slides a kd x kh x kw window over a volume (N, D, H, W, C). ``Volume``
says where, the padding resolved to cell counts. The arrays are channels last (NDHWC,
kernels DHWIO); channels-first data is viewed in that layout on the way in and out
(transposed views, no copies).

- the convolution and its kernel gradient: every window of the padded input copied into
  one row of a patch matrix (N*OD*OH*OW, kd*kh*kw*C) (``patches``), then ONE BLAS product
  each, by blocks of volumes so that a block's patch matrix stays at most ``PATCH_BLOCK``
  bytes (``_windows``'s budget);
- the input gradient (the transposed convolution): per kernel tap, one BLAS product
  dy @ k[tap]^T into a contiguous buffer, added onto the strided slice of the padded
  volume that tap read, as conv2d's does. One product for all the taps at once,
  (N*OD*OH*OW, out) @ (out, kd*kh*kw*C), then each tap's columns added, took 21 ms
  against 6 ms for (8, 16, 16, 16, 4) float32 volumes and a 3x3x3x4x8 kernel (one
  thread): numpy adds a source strided in runs of C numbers a run at a time.
- groups: the patch matrix group-major, (G, rows, kd*kh*kw*C/G), and numpy's batched
  matmul for the G products, as ``_grouped`` does for conv2d.

The ops (``conv3d.py``) hold the maths; nothing here is differentiable.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _windows  # its PATCH_BLOCK, read when called: one budget for all patches
from ._windows import _image_blocks


class Volume(NamedTuple):
    """Where the windows sit on a volume. Window (t, r, c) reads the padded cells
    (t*sd + i*dd, r*sh + u*dh, c*sw + v*dw) for kernel taps i < kd, u < kh, v < kw."""

    size: tuple          # (kd, kh, kw)
    strides: tuple       # (sd, sh, sw)
    dilations: tuple     # (dd, dh, dw)
    pads: tuple          # ((front, back), (top, bottom), (left, right))
    channels_first: bool

    def span(self):
        """The cells a dilated window covers along each axis: (k - 1) * d + 1."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.size, self.dilations))

    def out_dhw(self, in_dhw):
        """The output's (depth, height, width) for an input of ``in_dhw``."""
        return tuple((n + before + after - span) // s + 1 for n, (before, after), span, s
                     in zip(in_dhw, self.pads, self.span(), self.strides))

    def ndhwc_shape(self, shape):
        """A volume's shape in the channels-last order."""
        n, *rest = shape
        return (n, *rest[1:], rest[0]) if self.channels_first else tuple(shape)


# --- layouts: channels-first data seen in the channels-last order, as views ----------


def to_ndhwc(a, channels_first):
    return a.transpose(0, 2, 3, 4, 1) if channels_first else a


def from_ndhwc(a, channels_first):
    return a.transpose(0, 4, 1, 2, 3) if channels_first else a


def to_dhwio(k, channels_first):
    """A kernel as (kd, kh, kw, in, out), from PyTorch's (out, in, kd, kh, kw)."""
    return k.transpose(2, 3, 4, 1, 0) if channels_first else k


def from_dhwio(k, channels_first):
    return k.transpose(4, 3, 0, 1, 2) if channels_first else k


def _groups_of(a, groups):
    """The column blocks of a 2-D array, one per group: a (G, rows, columns / G) view."""
    rows, columns = a.shape
    return a.reshape(rows, groups, columns // groups).transpose(1, 0, 2)


# --- padding and the cells each tap reads ------------------------------------------


def padded(x, pads):
    """x (N, D, H, W, C) inside a border of zeros; x itself when there is none."""
    if not any(b or a for b, a in pads):
        return x
    out = np.zeros((x.shape[0],) + tuple(n + b + a for n, (b, a) in zip(x.shape[1:4], pads))
                   + x.shape[4:], x.dtype)
    out[(slice(None),) + tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[1:4], pads))] = x
    return out


def cropped(x_pad, pads, dhw):
    """The volume inside the border ``padded`` added (a view, or x_pad itself)."""
    if x_pad.shape[1:4] == tuple(dhw):
        return x_pad
    return x_pad[(slice(None),) + tuple(slice(b, b + n) for n, (b, _) in zip(dhw, pads))]


def taps(volume, out_dhw):
    """For each kernel tap (i, u, v), in the kernel's order: the index of the padded cells
    it reads for every output cell at once, a strided slice (N, OD, OH, OW, C)."""
    for tap in np.ndindex(*volume.size):
        yield (slice(None),) + tuple(slice(t * d, t * d + (o - 1) * s + 1, s) for t, d, o, s
                                     in zip(tap, volume.dilations, out_dhw, volume.strides))


# --- convolution: a patch matrix and one product; dL/dx by taps --------------------


def patches(x, volume, groups=1):
    """The patch matrices of x (N, D, H, W, C), group-major: (G, N*OD*OH*OW, kd*kh*kw*C/G),
    row (n, t, r, c) of group j holding window (t, r, c)'s cells of group j's channels in
    (kd, kh, kw, C/G) order. ``sliding_window_view`` makes every window a view; the one
    copy is the reshape to contiguous matrices, which BLAS needs."""
    n, c = x.shape[0], x.shape[4]
    (sd, sh, sw), (dd, dh, dw) = volume.strides, volume.dilations
    out = volume.out_dhw(x.shape[1:4])
    views = sliding_window_view(padded(x, volume.pads), volume.span(), axis=(1, 2, 3))
    views = views[:, ::sd, ::sh, ::sw, :, ::dd, ::dh, ::dw]  # (N, OD, OH, OW, C, kd, kh, kw)
    views = views.reshape(*views.shape[:4], groups, c // groups, *volume.size)
    return views.transpose(4, 0, 1, 2, 3, 6, 7, 8, 5).reshape(
        groups, n * int(np.prod(out)), int(np.prod(volume.size)) * (c // groups))


def _patch_bytes(x, volume, width):
    """The bytes of one volume's patch matrices: ``width`` numbers per output cell."""
    return int(np.prod(volume.out_dhw(x.shape[1:4]))) * width * x.itemsize


def conv3d_array(x, k, volume, groups=1):
    """y = x ⋆ k on arrays in the volume's layout, and x's patch matrices when they are no
    larger than y (the graph holds y anyway; dL/dk reuses them), else None, as
    ``_windows.conv2d_array`` decides; made block by block of volumes otherwise."""
    cf = volume.channels_first
    x, k = to_ndhwc(x, cf), to_dhwio(k, cf)
    n, out_dhw, out = x.shape[0], volume.out_dhw(x.shape[1:4]), k.shape[4]
    cells = int(np.prod(out_dhw))
    width = int(np.prod(k.shape[:4]))  # one group's patch row, kd*kh*kw*C/G
    kernel = _groups_of(k.reshape(width, out), groups)  # (G, kd*kh*kw*C/G, out/G)
    y = np.empty((n * cells, out), np.result_type(x, k))
    cols = None
    if groups * width <= out:
        cols = patches(x, volume, groups)
        _product(cols, kernel, y, groups)
    else:
        for block in _image_blocks(n, _patch_bytes(x, volume, groups * width),
                                   _windows.PATCH_BLOCK):
            _product(patches(x[block], volume, groups), kernel,
                     y[block.start * cells:block.stop * cells], groups)
    return from_ndhwc(y.reshape(n, *out_dhw, out), cf), cols


def _product(cols, kernel, y, groups):
    """y = cols @ kernel, group by group, written into y's own array: one plain BLAS
    product for one group (numpy's batched matmul is slower for a batch of one)."""
    if groups == 1:
        np.matmul(cols[0], kernel[0], out=y)
    else:
        np.matmul(cols, kernel, out=_groups_of(y, groups))


def conv3d_transpose_array(dy, k, volume, x_shape, groups=1):
    """The transpose of x -> x ⋆ k applied to dy (N, OD, OH, OW, out): the volume of
    ``x_shape`` where each kernel tap adds dy @ k[tap]^T onto the cells it read, by blocks
    of volumes of about ``_windows.TRANSPOSE_BLOCK`` bytes (so that a block's products and
    the slices they are added onto stay in cache)."""
    cf = volume.channels_first
    # contiguous once, not per block: a gradient may come broadcast (that of a sum)
    dy, k = np.ascontiguousarray(to_ndhwc(dy, cf)), to_dhwio(k, cf)
    n, d, h, w, c = volume.ndhwc_shape(x_shape)
    dtype = np.result_type(dy, k)
    x_pad = np.zeros((n,) + tuple(m + b + a for m, (b, a) in zip((d, h, w), volume.pads))
                     + (c,), dtype)
    out_dhw, out = dy.shape[1:4], dy.shape[4]
    if x_pad.size == 0 or dy.size == 0:
        return from_ndhwc(cropped(x_pad, volume.pads, (d, h, w)), cf)
    # k[tap]^T of each group: (taps, G, out/G, C/G)
    kernels = _groups_of_kernel(k.reshape(-1, c // groups, out), groups)
    cells = int(np.prod(out_dhw))
    blocks = _image_blocks(n, x_pad[:1].nbytes, _windows.TRANSPOSE_BLOCK)
    product = np.empty((blocks[0].stop * cells, c), dtype)  # one buffer for every tap
    for block in blocks:
        rows = dy[block].reshape(-1, out)
        block_product = product[:rows.shape[0]]
        target = x_pad[block]
        for k_tap, where in zip(kernels, taps(volume, out_dhw)):
            if groups == 1:
                np.matmul(rows, k_tap[0], out=block_product)
            else:
                np.matmul(_groups_of(rows, groups), k_tap, out=_groups_of(block_product, groups))
            target[where] += block_product.reshape(-1, *out_dhw, c)
    return from_ndhwc(cropped(x_pad, volume.pads, (d, h, w)), cf)


def _groups_of_kernel(k, groups):
    """(taps, C/G, out) -> (taps, G, out/G, C/G): each tap's k^T, group by group."""
    count, per_group, out = k.shape
    return k.reshape(count, per_group, groups, out // groups).transpose(0, 2, 3, 1)


def conv3d_backprop_filter_array(x, dy, volume, cols=None, groups=1):
    """x ⋆ dy summed over the batch, a kernel-shaped array (kd, kh, kw, C/G, out) in the
    volume's layout; ``cols``: x's patch matrices, or None to make them again, block by
    block of volumes."""
    cf = volume.channels_first
    x, dy = to_ndhwc(x, cf), np.ascontiguousarray(to_ndhwc(dy, cf))  # as above
    out, out_dhw = dy.shape[4], dy.shape[1:4]
    per_group = x.shape[4] // groups
    dk = np.empty((*volume.size, per_group, out), np.result_type(x, dy))
    dk_groups = _groups_of(dk.reshape(int(np.prod(dk.shape[:4])), out), groups)
    dy2 = _groups_of(dy.reshape(-1, out), groups)
    if cols is not None:
        np.matmul(cols.transpose(0, 2, 1), dy2, out=dk_groups)
        return from_dhwio(dk, cf)
    cells = int(np.prod(out_dhw))
    dk_groups[...] = 0
    for block in _image_blocks(x.shape[0], _patch_bytes(x, volume, per_group * groups *
                                                        int(np.prod(volume.size))),
                               _windows.PATCH_BLOCK):
        dk_groups += (patches(x[block], volume, groups).transpose(0, 2, 1)
                      @ dy2[:, block.start * cells:block.stop * cells])
    return from_dhwio(dk, cf)
