"""3-D convolutions, for videos and scans: conv3d and conv3d_transpose, in TensorFlow's
layouts (and PyTorch's).

conv2d one dimension up: a kd x kh x kw kernel slides over the volume x, and each output
cell sums the cells under the window times the kernel's weights, over the window and the
input channels (a cross-correlation, ⋆, as every deep-learning library computes it); with
strides s, dilations d and the padding before the volume, p, per axis:

    y[n, t, r, c, o] = sum over i, u, v, j of
        x[n, t*sd + i*dd - pd, r*sh + u*dh - ph, c*sw + v*dw - pw, j] * k[i, u, v, j, o]

Its derivatives are the same three ops as conv2d's (``conv.py``), one axis more:

- dL/dx = g ⋆ flip(k), a "full" correlation of g with the kernel flipped along its three
  axes and its in/out channels swapped: every output gradient spreads back over the cells
  its window read. This is the transposed convolution, ``conv3d_transpose(g, k)``.
- dL/dk = x ⋆ g: each kernel weight collects input cell times output gradient over every
  window it was used in, summed over the batch (``Conv3DBackpropFilter``).

Each op's ``backward`` is written with the other two, so the set is closed under
differentiation and gradients of gradients (``create_graph=True``) come for free. The
arithmetic (a patch matrix and one BLAS product; dL/dx by kernel taps) is in ``_volumes``;
the arguments are checked in ``_volume_args``.

Layouts: channels last, x (N, D, H, W, C_in) and kernel (kd, kh, kw, C_in / G, C_out)
("DHWIO"); or ``data_format="channels_first"`` (PyTorch's), x (N, C_in, D, H, W) and
kernel (C_out, C_in / G, kd, kh, kw). TensorFlow's "NDHWC" and "NCDHW" name the same two.
Groups as conv2d's: out_channel o sums over its own group's C_in / G channels only.
"""

from __future__ import annotations

import numbers

from ..engine import Op, apply
from ..labels import docstring_formula
from . import _volumes, _windows, xp
from ._conv_args import _dilations
from ._operands import operand, pair
from ._volume_args import (_KERNEL_AXES, _X_AXES, _channels_first, _check_5d, _groups, _out,
                           _padding, _pads, _transpose_size)
from ._volumes import Volume
from ._window_args import positive_ints

__all__ = ["conv3d", "conv3d_transpose"]


class Conv3D(Op):
    """y = x ⋆ k (correlation): y[q] = sum_i x[q*s + i*d - p] @ k[i]
    dL/dx = g ⋆ flip(k), "full" (conv3d_transpose(g, k)),  dL/dk = x ⋆ g

    Per volume; q = (t, r, c) is an output cell and i = (i, u, v) a kernel tap, the
    strides s, dilations d and padding p applied per axis; x[...] is a cell's channel
    vector and k[i] a (C_in, C_out) matrix, block-diagonal with ``groups`` G. dL/dk is
    summed over the batch.
    """

    __slots__ = ("volume", "groups", "cols")

    def __init__(self, volume, groups=1):
        self.volume, self.groups = volume, groups

    def forward(self, x, k):
        # cols, x's patch matrix, is also the big operand of dL/dk: kept when it is no
        # larger than y, else made again in backward (conv2d's choice, for the same reason:
        # a 3x3x3 kernel's patch matrix is 27 times its volume).
        y, self.cols = _volumes.conv3d_array(x, k, self.volume, self.groups)
        return y

    def backward(self, g, y, x, k):
        need_x, need_k = self.needs_grad[:2]
        v, groups = self.volume, self.groups
        return (xp.conv3d_transpose(g, k, v, x.shape, groups) if need_x else None,
                xp.conv3d_backprop_filter(x, g, v, self.cols, groups) if need_k else None)

    def formula(self, y, x, k):
        return (f"y = x ⋆ k, a 3-D correlation: {volume_text(self.volume, self.groups)}",
                _derivative(type(self)))


class Conv3DBias(Conv3D):
    """y = x ⋆ k + b, conv3d and its bias in one op
    dL/dx = g ⋆ flip(k), "full" (conv3d_transpose(g, k)),  dL/dk = x ⋆ g,
    dL/db = g summed over the batch and the cells

    Fused, as conv2d's (``Conv2DBias``), so that b is added into the fresh product in
    place: no second output-sized array.
    """

    __slots__ = ("axis",)

    def __init__(self, volume, axis, groups=1):
        super().__init__(volume, groups)
        self.axis = axis

    def forward(self, x, k, b):
        y = super().forward(x, k)
        if b.dtype != y.dtype:
            return y + _windows.bias_shaped(b, self.axis, y.ndim)
        _windows.add_bias_in_place(y, b, self.axis)  # y += b: y is the product's own array
        return y

    def backward(self, g, y, x, k, b):
        grad_x, grad_k = super().backward(g, y, x, k)
        return grad_x, grad_k, (xp.channel_sums(g, self.axis) if self.needs_grad[2] else None)

    def formula(self, y, x, k, b):
        return (f"y = x ⋆ k + b, a 3-D correlation and b added to every cell: "
                f"{volume_text(self.volume, self.groups)}", _derivative(type(self)))


class Conv3DTranspose(Op):
    """y = x ⋆ᵀ k (conv3d's transpose): y[q*s + i*d - p] += k[i] @ x[q], q and i 3-D
    dL/dx = g ⋆ k (conv3d(g, k)),  dL/dk = g ⋆ x (conv3d's kernel gradient, input g)"""

    __slots__ = ("volume", "out_shape", "groups")

    def __init__(self, volume, out_shape, groups=1):
        self.volume, self.out_shape, self.groups = volume, out_shape, groups

    def forward(self, x, k):
        return _volumes.conv3d_transpose_array(x, k, self.volume, self.out_shape, self.groups)

    def backward(self, g, y, x, k):
        need_x, need_k = self.needs_grad
        v, groups = self.volume, self.groups
        return (xp.conv3d(g, k, v, groups) if need_x else None,
                xp.conv3d_backprop_filter(g, x, v, groups=groups) if need_k else None)

    def formula(self, y, x, k):
        return (f"y = x ⋆ᵀ k, conv3d's transpose: each cell of x adds k times itself to its "
                f"window of y: {volume_text(self.volume, self.groups)}",
                _derivative(type(self)))


class Conv3DBackpropFilter(Op):
    """y = x ⋆ dy: y[i] = sum_q x[q*s + i*d - p] dy[q]^T, q and i 3-D
    dL/dx = dy ⋆ᵀ g (conv3d_transpose(dy, g)),  dL/ddy = x ⋆ g (conv3d(x, g))

    conv3d's kernel gradient, a sum of outer products over the batch too: x is conv3d's
    input, dy its output's gradient.
    """

    __slots__ = ("volume", "groups")

    def __init__(self, volume, groups=1):
        self.volume, self.groups = volume, groups

    def forward(self, x, dy):
        return _volumes.conv3d_backprop_filter_array(x, dy, self.volume, groups=self.groups)

    def backward(self, g, y, x, dy):
        need_x, need_dy = self.needs_grad
        v, groups = self.volume, self.groups
        return (xp.conv3d_transpose(dy, g, v, x.shape, groups) if need_x else None,
                xp.conv3d(x, g, v, groups) if need_dy else None)

    def formula(self, y, x, dy):
        return (f"y = x ⋆ dy, conv3d's kernel gradient, summed over the batch: "
                f"{volume_text(self.volume, self.groups)}", _derivative(type(self)))


def _derivative(op_class):
    """The derivative its docstring states, the parameters being in the forward's words."""
    return docstring_formula(op_class)[1]


def volume_text(volume, groups):
    """The parameters an op ran with, in words: "3x3x3 kernel, strides (1, 1, 1), padding
    ((0, 0), (0, 0), (0, 0)), dilations (1, 1, 1), channels_last"."""
    layout = "channels_first" if volume.channels_first else "channels_last"
    text = (f"{'x'.join(map(str, volume.size))} kernel, strides {volume.strides}, padding "
            f"{volume.pads}, dilations {volume.dilations}, {layout}")
    return text + (f", {groups} groups of channels" if groups > 1 else "")


# --- the public functions: arguments checked, then one op -----------------------------


def _volume_operands(op, op_cls, x, kernel, data_format):
    """x and the kernel as 5-D Values in their layout, whether channels come first, and the
    kernel's window (kd, kh, kw): what conv3d and conv3d_transpose check alike."""
    x, kernel = pair(x, kernel, op_cls)
    first = _channels_first(data_format, op)
    _check_5d(op, "x", x, _X_AXES[first])
    _check_5d(op, "kernel", kernel, _KERNEL_AXES[first])
    size = kernel.shape[2:] if first else kernel.shape[:3]
    if 0 in size:
        raise ValueError(f"{op}: the kernel has an empty window (shape {kernel.shape})")
    return x, kernel, first, size


def conv3d(x, kernel, strides=1, padding="valid", dilation=1, data_format="channels_last",
           *, dilations=None, bias=None, groups=None):
    """3-D convolution (a correlation, as in TensorFlow and PyTorch): ``tf.nn.conv3d``.

    y[n, t, r, c, o] = sum over i, u, v, j of
        x[n, t*sd + i*dd - pd, r*sh + u*dh - ph, c*sw + v*dw - pw, j] * k[i, u, v, j, o]

    Args:
        x: (N, D, H, W, C_in), or (N, C_in, D, H, W) with ``data_format="channels_first"``.
        kernel: (kd, kh, kw, C_in / G, C_out), or (C_out, C_in / G, kd, kh, kw) with
            channels_first; G, the groups, as conv2d's.
        strides: an int, 3 ints (sd, sh, sw), or TensorFlow's 5 with 1 on batch and
            channels.
        padding: "valid", "same" (TensorFlow's: ceil(D / sd) outputs, the odd cell after),
            an int or 3 ints for both sides (PyTorch's), or 3 (before, after) pairs.
        dilation, dilations: the spacing of the kernel's taps, an int or 3 ints.
        data_format: "channels_last" ("NDHWC") or "channels_first" ("NCDHW").
        bias: (C_out,) added to every output cell, or None.
        groups: G (PyTorch's); None reads it from the shapes, as TensorFlow does.
    Returns:
        (N, OD, OH, OW, C_out) or (N, C_out, OD, OH, OW), where
        OD = (D + front + back - (kd - 1) * dd - 1) // sd + 1.

    >>> import numpy as np
    >>> y = conv3d(np.ones((1, 3, 4, 4, 1)), np.ones((3, 3, 3, 1, 2)), padding="same")
    >>> y.shape, y.data[0, 1, :, :, 0]
    ((1, 3, 4, 4, 2), array([[12., 18., 18., 12.],
           [18., 27., 27., 18.],
           [18., 27., 27., 18.],
           [12., 18., 18., 12.]]))
    """
    op = "conv3d"
    x, kernel, first, size = _volume_operands(op, Conv3D, x, kernel, data_format)
    groups = _groups(op, x, kernel, first, groups)
    strides = positive_ints(strides, "strides", op, 3, first)
    dilation = positive_ints(_dilations(dilation, dilations, op), "dilations", op, 3, first)
    spatial = x.shape[2:] if first else x.shape[1:4]
    span = tuple((k - 1) * d + 1 for k, d in zip(size, dilation))
    pads = _pads(op, _padding(padding), spatial, span, strides, first,
                 f"the kernel (shape {kernel.shape}, dilations {dilation})", x.shape)
    volume = Volume(tuple(size), strides, dilation, pads, first)
    if bias is None:
        return apply(Conv3D(volume, groups), x, kernel)
    c_out = kernel.shape[0 if first else -1]
    bias = operand(bias, Conv3DBias, like=x)
    if bias.shape != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},), one per out_channel of "
                         f"the kernel (shape {kernel.shape}), got shape {bias.shape}")
    return apply(Conv3DBias(volume, 1 if first else 4, groups), x, kernel, bias)


def conv3d_transpose(x, kernel, output_shape=None, strides=1, padding="valid", dilation=1,
                     data_format="channels_last", *, dilations=None, groups=1):
    """The transpose of conv3d (``tf.nn.conv3d_transpose``, PyTorch's
    ``conv_transpose3d``): every input cell adds a kernel-weighted copy of itself over a
    window of the output; conv3d's gradient with respect to its input.

    Args:
        x: (N, D, H, W, C) or (N, C, D, H, W); C is the kernel's out_channels.
        kernel: the kernel of the conv3d this transposes: (kd, kh, kw, C_out / G, C), or
            (C, C_out / G, kd, kh, kw) with channels_first, as TensorFlow and PyTorch
            store it.
        output_shape: (OD, OH, OW) or the full shape; by default the smallest volume that
            conv3d maps to x's size: (D - 1) * sd + (kd - 1) * dd + 1 - front - back, or
            D * sd with "same".
        strides, padding, dilation, dilations, data_format: those of that conv3d.
        groups: G, that conv3d's groups; it must divide C.
    Returns:
        (N, OD, OH, OW, C_out) or (N, C_out, OD, OH, OW).
    """
    op = "conv3d_transpose"
    x, kernel, first, size = _volume_operands(op, Conv3DTranspose, x, kernel, data_format)
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    c_x, c_k = x.shape[1 if first else -1], kernel.shape[0 if first else -1]
    if c_x != c_k or c_k % groups:
        raise ValueError(f"{op}: x has {c_x} channels (shape {x.shape}, {_X_AXES[first]}); "
                         f"the kernel's out_channels (shape {kernel.shape}, "
                         f"{_KERNEL_AXES[first]}) must be as many, and divisible by "
                         f"groups={groups}")
    strides = positive_ints(strides, "strides", op, 3, first)
    dilation = positive_ints(_dilations(dilation, dilations, op), "dilations", op, 3, first)
    padding = _padding(padding)
    in_dhw = x.shape[2:] if first else x.shape[1:4]
    c_out = (kernel.shape[1] if first else kernel.shape[3]) * groups
    out_dhw = _transpose_size(op, output_shape, in_dhw, x, c_out, size, strides, padding,
                              dilation, first)
    span = tuple((k - 1) * d + 1 for k, d in zip(size, dilation))
    if out_dhw is not None and min(out_dhw) < 1:
        raise ValueError(f"{op}: the output would be {'x'.join(map(str, out_dhw))} cells: "
                         f"the padding {padding!r} crops more than x (shape {x.shape}) "
                         f"spreads to")
    pads = _pads(op, padding, out_dhw or (0, 0, 0), span, strides, first,
                 f"the kernel (shape {kernel.shape}, dilations {dilation})", x.shape)
    mapped = tuple(_out(n, p, k, s) for n, p, k, s in zip(out_dhw, pads, span, strides))
    if mapped != tuple(in_dhw):
        raise ValueError(f"{op}: output_shape {output_shape!r} does not fit x of shape "
                         f"{x.shape}: conv3d with these strides and padding maps "
                         f"{'x'.join(map(str, out_dhw))} volumes to "
                         f"{'x'.join(map(str, mapped))}, not {'x'.join(map(str, in_dhw))}")
    volume = Volume(tuple(size), strides, dilation, pads, first)
    out_shape = (x.shape[0], c_out, *out_dhw) if first else (x.shape[0], *out_dhw, c_out)
    return apply(Conv3DTranspose(volume, out_shape, int(groups)), x, kernel)
