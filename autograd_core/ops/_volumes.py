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
- the input gradient (the transposed convolution): ONE product for all the kernel taps,
  k (kd*kh*kw*C, out) @ dy^T (out, N*OD*OH*OW), then each tap's rows added onto the
  strided slice of the padded volume that tap read. The volume is held channels first
  while it collects them (one transpose at the end), so both sides of each add run along
  rows of cells: channels last, the product's C columns per tap would be added C
  numbers at a time (21 ms against 6 for (8, 16, 16, 16, 4) float32 volumes and a
  3x3x3x4x8 kernel, one thread). conv2d's way, one product per tap (27 here), took 5.4 ms
  against 6.4 ms on one thread, but 155-220 ms against 73-76 ms on two threads with the
  machine busy: each OpenBLAS call waits for its second thread, so fewer calls win.
- groups: the patch matrix group-major, (G, rows, kd*kh*kw*C/G), and numpy's batched
  matmul for the G products, as ``_grouped`` does for conv2d.

The ops (``volume_conv.py``) hold the maths; nothing here is differentiable.
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
    ``x_shape`` where each kernel tap i adds k[i] @ dy[q] onto the cell q*s + i*d it read.

    One product for all the taps, (taps*C, out) @ (out, N*OD*OH*OW), per block of volumes
    (``PATCH_BLOCK`` bytes of it, the size of a patch matrix), then each tap's rows added
    onto the strided slice it read of the padded volume, held channels first so that
    both sides of the add run along rows of cells.
    """
    cf = volume.channels_first
    # contiguous once, not per block: a gradient may come broadcast (that of a sum)
    dy, k = np.ascontiguousarray(to_ndhwc(dy, cf)), to_dhwio(k, cf)
    n, d, h, w, c = volume.ndhwc_shape(x_shape)
    dtype = np.result_type(dy, k)
    full = tuple(m + b + a for m, (b, a) in zip((d, h, w), volume.pads))
    x_cm = np.zeros((groups, c // groups, n) + full, dtype)  # channels first, by group
    out_dhw, out = dy.shape[1:4], dy.shape[4]
    count, cells = int(np.prod(volume.size)), int(np.prod(out_dhw))
    if x_cm.size and dy.size:
        # (G, taps*C/G, out/G): group j's k[i] for every tap i, stacked
        kernel = k.reshape(count, c // groups, groups, out // groups).transpose(2, 0, 1, 3) \
            .reshape(groups, count * (c // groups), out // groups)
        per_volume = cells * count * c * np.dtype(dtype).itemsize
        for block in _image_blocks(n, per_volume, _windows.PATCH_BLOCK):
            rows = dy[block].reshape(-1, out)  # (volumes*cells, out)
            if groups == 1:  # one plain BLAS product (a batch of one is slower)
                product = (kernel[0] @ rows.T)[None]
            else:
                product = kernel @ rows.reshape(-1, groups, out // groups).transpose(1, 2, 0)
            # (G, taps, C/G, volumes, OD, OH, OW): the cells each tap sends back
            product = product.reshape(groups, count, c // groups, -1, *out_dhw)
            target = x_cm[:, :, block]
            for i, where in enumerate(taps(volume, out_dhw)):
                target[(slice(None), slice(None)) + where] += product[:, i]
    x_pad = x_cm.reshape((c, n) + full).transpose(1, 2, 3, 4, 0)
    # one copy into the layout's own order, which the ops after it read fastest
    return np.ascontiguousarray(from_ndhwc(cropped(x_pad, volume.pads, (d, h, w)), cf))


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
