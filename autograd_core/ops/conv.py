"""Convolutions: conv2d, conv1d, conv2d_transpose and bias_add, in TensorFlow's layouts.

A convolution slides a small kernel k over the image x and takes, at each position, the
sum of the pixels times the kernel's weights over the window and over the input channels.
Like every deep-learning library we compute a cross-correlation, written x ⋆ k (no kernel
flip); with strides s, dilations d and the padding before the image, p:

    y[n, r, c, o] = sum over u, v, i of x[n, r*s + u*d - p, c*s + v*d - p, i] * k[u, v, i, o]

Its derivatives are convolutions too:

- dL/dx = g ⋆ flip(k), a "full" correlation of g (its pixels spread s apart when strided)
  with the kernel flipped and its in/out channels swapped: every output gradient spreads
  back over the pixels its window read. This is the transposed convolution,
  ``conv2d_transpose(g, k)``.
- dL/dk = x ⋆ g: each kernel weight collects input pixel times output gradient over every
  position where it was used (``Conv2DBackpropFilter``).

The three ops' ``backward`` are written with one another, so the set is closed under
differentiation and gradients of gradients (``create_graph=True``) come for free.

The steppers say each derivative in these words, with the op's strides, padding and
dilations worked into them ("g with a border of 1 zero"), and on a tiny example show it in
numbers: g ⋆ flip(k) = dL/dx as grids side by side (``_window_display``).

Layouts: channels last, TensorFlow's default: x (N, H, W, C_in), kernel (kh, kw, C_in,
C_out) ("HWIO"); or ``data_format="channels_first"``, PyTorch's: x (N, C_in, H, W), kernel
(C_out, C_in, kh, kw). The arithmetic (im2col and one BLAS product; dL/dx by kernel
offsets) is in ``_windows``, with groups in ``_grouped``; the arguments are checked in
``_conv_args``.

Groups: a kernel with C_in / G in_channels splits the channels into G groups, and
out_channel o sums over its own group's channels only (o // (C_out / G)): G separate
convolutions side by side, and so are the three ops' derivatives, group by group. G = C_in
is a depthwise convolution. conv1d's "causal" padding (Keras's) puts d * (kw - 1) zeros
before the sequence only, so that y[t] reads x[..t] and nothing after.
"""

from __future__ import annotations

from ..engine import Op, apply
from ..labels import axes_text
from ..worked import Terms
from . import _window_display as show
from . import _grouped, _windows, xp
from ._conv_args import (_check_conv, _conv_window, _dilations, _transpose_groups,
                         _transpose_size)
from ._operands import operand, pair
from ._window_args import channels_first, padding_arg, positive_ints, window

__all__ = ["conv2d", "conv1d", "conv2d_transpose", "bias_add"]


class Conv2D(Op):
    """y = x ⋆ k (correlation): y[r, c] = sum_{u,v} x[r*s + u*d - p, c*s + v*d - p] @ k[u, v]
    dL/dx = g ⋆ flip(k), "full" (conv2d_transpose(g, k)),  dL/dk = x ⋆ g

    Per image; x[r, c] is a pixel's channel vector and k[u, v] a (C_in, C_out) matrix;
    with ``groups`` G, a block-diagonal one: G blocks (C_in / G, C_out / G).
    """

    __slots__ = ("window", "groups", "cols")

    def __init__(self, window, groups=1):
        self.window, self.groups = window, groups

    def forward(self, x, k):
        # cols, x's patch matrix, is also the big operand of dL/dk: kept when it is no
        # larger than y (the graph holds y anyway), else made again in backward, block by
        # block: MNIST's second layer's is 18 MB against its y's 4 MB, and remaking it
        # costs 1 ms of a 45 ms step (one thread) and saves 18 MB of the step's peak, which
        # PyTorch (keeping no patch matrix) would otherwise undercut.
        y, self.cols = conv2d_array(x, k, self.window, self.groups)
        return y

    def backward(self, g, y, x, k):
        need_x, need_k = self.needs_grad[:2]
        w, groups = self.window, self.groups
        return (xp.conv2d_transpose(g, k, w, x.shape, groups) if need_x else None,
                xp.conv2d_backprop_filter(x, g, w, self.cols, groups) if need_k else None)

    def formula(self, y, x, k):
        dx, dk = show.conv_texts(self.window, x.shape, y.shape)
        return (f"y = x ⋆ k, a correlation: {show.window_text(self.window, x.shape)}"
                f"{_groups_text(self.groups)}", f"dL/dx = {dx},  dL/dk = {dk}")

    def element(self, i, at, g, y, x, k):
        """dL/dx[n, i, j, c] = sum over the windows covering (i, j) and the out_channels o
        of g[n, r, c', o] * k[u, v, c, o]; dL/dk[u, v, c, o] = sum over the batch and the
        windows of x[n, the pixel read at (u, v), c] * g[n, r, c', o]."""
        w, group = self.window, _group(self.window, k.shape, self.groups)
        if i == 0:
            return Terms("g*k", show.covering_terms(w, show.image_hw(w, g.shape), at,
                                                    show.channels(w, g.shape), "g", "k", group))
        return Terms("x*g", show.kernel_terms(w, show.image_hw(w, x.shape),
                                              show.image_hw(w, g.shape), x.shape[0], at, "x",
                                              "g", group))

    def grids(self, i, grad, g, y, x, k):
        """A tiny example (one channel in and out) in numbers: g ⋆ flip(k) = dL/dx and
        x ⋆ g = dL/dk."""
        w = self.window
        in_hw, out_hw = show.image_hw(w, x.shape), show.image_hw(w, y.shape)
        if i == 0:
            return show.conv_dx_grids(w, grad, g, k, in_hw, out_hw)
        return show.conv_dk_grids(w, grad, x, g, in_hw, out_hw)


class Conv2DBias(Conv2D):
    """y = x ⋆ k + b, conv2d and bias_add in one op
    dL/dx = g ⋆ flip(k) (conv2d_transpose(g, k)),  dL/dk = x ⋆ g,  dL/db = g summed over pixels

    Fused, as PyTorch's conv2d takes a bias, so that b is added into the fresh product in
    place: one output-sized array less per step (0.9 ms of MNIST's first layer's 3.5 ms).
    """

    __slots__ = ("axis",)

    def __init__(self, window, axis, groups=1):
        super().__init__(window, groups)
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
        return (f"y = x ⋆ k + b, a correlation and b added to every pixel: "
                f"{show.window_text(self.window, x.shape)}{_groups_text(self.groups)}",
                f"{super().formula(y, x, k)[1]},  dL/db = g summed over the batch and the pixels")

    def element(self, i, at, g, y, x, k, b):
        if i < 2:
            return super().element(i, at, g, y, x, k)
        return Terms("g", show.channel_terms(g.shape, self.axis, at[0]))

    def grids(self, i, grad, g, y, x, k, b):
        return super().grids(i, grad, g, y, x, k) if i < 2 else None


class Conv2DTranspose(Op):
    """y = x ⋆ᵀ k (conv2d's transpose): y[r*s + u*d - p, c*s + v*d - p] += k[u, v] @ x[r, c]
    dL/dx = g ⋆ k (conv2d(g, k)),  dL/dk = g ⋆ x (conv2d's kernel gradient, input g)"""

    __slots__ = ("window", "out_shape", "groups")

    def __init__(self, window, out_shape, groups=1):
        self.window, self.out_shape, self.groups = window, out_shape, groups

    def forward(self, x, k):
        return conv2d_transpose_array(x, k, self.window, self.out_shape, self.groups)

    def backward(self, g, y, x, k):
        need_x, need_k = self.needs_grad
        w, groups = self.window, self.groups
        return (xp.conv2d(g, k, w, groups) if need_x else None,
                xp.conv2d_backprop_filter(g, x, w, groups=groups) if need_k else None)

    def formula(self, y, x, k):
        w = self.window  # the windows of the conv2d this transposes, on y
        return (f"y = x ⋆ᵀ k, conv2d's transpose: each pixel of x adds k times itself to its "
                f"window of y: {show.window_text(w, y.shape)}{_groups_text(self.groups)}",
                f"dL/dx = {_conv_text(w, 'g', 'k')},  "
                f"dL/dk = {show.conv_texts(w, y.shape, x.shape, image='g', out='x')[1]}")

    def element(self, i, at, g, y, x, k):
        w, group = self.window, _group(self.window, k.shape, self.groups)
        if i == 0:
            return Terms("g*k", show.tap_terms(w, show.image_hw(w, g.shape), at,
                                               show.channels(w, g.shape), "g", "k", group))
        return Terms("g*x", show.kernel_terms(w, show.image_hw(w, g.shape),
                                              show.image_hw(w, x.shape), x.shape[0], at, "g",
                                              "x", group))


class Conv2DBackpropFilter(Op):
    """y = x ⋆ dy: y[u, v] = sum_{r,c} x[r*s + u*d - p, c*s + v*d - p] dy[r, c]^T
    dL/dx = dy ⋆ᵀ g (conv2d_transpose(dy, g)),  dL/ddy = x ⋆ g (conv2d(x, g))

    conv2d's kernel gradient, a sum of outer products over the batch too: x is conv2d's
    input, dy its output's gradient.
    """

    __slots__ = ("window", "groups")

    def __init__(self, window, groups=1):
        self.window, self.groups = window, groups

    def forward(self, x, dy):
        return conv2d_backprop_filter_array(x, dy, self.window, groups=self.groups)

    def backward(self, g, y, x, dy):
        need_x, need_dy = self.needs_grad
        w, groups = self.window, self.groups
        return (xp.conv2d_transpose(dy, g, w, x.shape, groups) if need_x else None,
                xp.conv2d(x, g, w, groups) if need_dy else None)

    def formula(self, y, x, dy):
        w = self.window
        dx = show.conv_texts(w, x.shape, dy.shape, kernel="g", out="dy")[0]
        return (f"y = x ⋆ dy, conv2d's kernel gradient, summed over the batch: "
                f"{show.window_text(w, x.shape)}{_groups_text(self.groups)}",
                f"dL/dx = {dx},  dL/ddy = {_conv_text(w, 'x', 'g')}")

    def element(self, i, at, g, y, x, dy):
        w, group = self.window, _group(self.window, g.shape, self.groups)
        if i == 0:
            return Terms("dy*g", show.covering_terms(w, show.image_hw(w, dy.shape), at,
                                                     show.channels(w, dy.shape), "dy", "g",
                                                     group))
        return Terms("x*g", show.tap_terms(w, show.image_hw(w, x.shape), at,
                                           show.channels(w, x.shape), "x", "g", group))


def _conv_text(window, image, kernel):
    """conv2d(image, kernel) in words: "g ⋆ k: g with a border of 1 zero, correlated
    with k, stepping 2 pixels"."""
    return show.correlation_text(image, kernel, window.pads, b_apart=window.dilations,
                                 step=window.strides)


def _groups_text(groups):
    """ ", 4 groups of channels" when the channels are grouped, else ""."""
    return f", {groups} groups of channels" if groups > 1 else ""


def _group(window, k_shape, groups):
    """(in, out) channels per group of a kernel of ``k_shape``: which terms make an element
    of a gradient (``_window_display``); None when the channels are not grouped."""
    if groups == 1:
        return None
    c_in, c_out = (k_shape[1], k_shape[0]) if window.channels_first else k_shape[2:]
    return c_in, c_out // groups


def _bias(bias, op, x, kernel, first):
    """The bias as a Value, checked: one element per out_channel of the kernel."""
    c_out = kernel.shape[0 if first else -1]
    bias = operand(bias, Conv2DBias, like=x)
    if bias.shape != (c_out,):
        raise ValueError(f"{op}: bias must have shape ({c_out},), one per out_channel of the "
                         f"kernel (shape {kernel.shape}), got shape {bias.shape}")
    return bias


def conv2d(x, kernel, strides=1, padding="valid", dilation=1, data_format="channels_last",
           *, dilations=None, bias=None, groups=None):
    """2-D convolution (a correlation, as in TensorFlow and PyTorch): ``tf.nn.conv2d``.

    Args:
        x: images (N, H, W, C_in), or (N, C_in, H, W) with ``data_format="channels_first"``.
        kernel: (kh, kw, C_in / G, C_out) (TensorFlow's HWIO), or (C_out, C_in / G, kh, kw)
            (PyTorch's OIHW) with channels_first. G, the number of groups, is 1 when the
            kernel takes all of x's channels; else out_channel o sums over group
            o // (C_out / G) of x's channels only (G = C_in: depthwise).
        strides: an int, a pair (sh, sw), or TensorFlow's [1, sh, sw, 1].
        padding: "valid" (none); "same", as TensorFlow: ceil(H / sh) output rows, the odd
            padding pixel at the bottom (right); an int or a pair (ph, pw) for both sides;
            or pairs ((top, bottom), (left, right)) (or TensorFlow's four pairs).
        dilation, dilations: the spacing of the kernel's taps (an int or a pair).
        data_format: "channels_last" ("NHWC") or "channels_first" ("NCHW").
        bias: (C_out,) added to every output pixel, or None.
        groups: G, PyTorch's argument; None reads it from the shapes, as TensorFlow does,
            G = C_in / the kernel's in_channels (a whole number dividing C_out too).
    Returns:
        (N, OH, OW, C_out) or (N, C_out, OH, OW), where
        OH = (H + top + bottom - (kh - 1) * dh - 1) // sh + 1.

    >>> import numpy as np
    >>> conv2d(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 2)), padding="same").data[0, :, :, 0]
    array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]])
    """
    x, kernel = pair(x, kernel, Conv2D)
    w, groups = _conv_window("conv2d", x, kernel, strides, padding,
                             _dilations(dilation, dilations, "conv2d"), data_format, 2, groups)
    if bias is None:
        return apply(Conv2D(w, groups), x, kernel)
    bias = _bias(bias, "conv2d", x, kernel, w.channels_first)
    return apply(Conv2DBias(w, 1 if w.channels_first else 3, groups), x, kernel, bias)


def conv1d(x, kernel, strides=1, padding="valid", dilation=1, data_format="channels_last",
           *, dilations=None, bias=None, groups=None):
    """1-D convolution (``tf.nn.conv1d``): conv2d on images of height 1.

    Args:
        x: (N, W, C_in), or (N, C_in, W) with ``data_format="channels_first"`` ("NCW").
        kernel: (kw, C_in / G, C_out), or (C_out, C_in / G, kw) with channels_first; G
            and ``groups`` as conv2d's.
        strides, dilation, dilations: an int. padding: "valid", "same", "causal" (Keras's:
            (kw - 1) * d zeros on the left only, so y[t] depends on x[:t + 1] alone and,
            at stride 1, has x's length), an int or a pair (left, right).
        bias: (C_out,) or None.
    Returns:
        (N, OW, C_out) or (N, C_out, OW).

    >>> import numpy as np
    >>> x = np.arange(1.0, 5.0).reshape(1, 4, 1)  # one sequence of 4 steps, 1 channel
    >>> conv1d(x, np.ones((2, 1, 1)), padding="causal").data[0, :, 0]  # x[t - 1] + x[t]
    array([1., 3., 5., 7.])
    """
    x, kernel = pair(x, kernel, Conv2D)
    w, groups = _conv_window("conv1d", x, kernel, strides, padding,
                             _dilations(dilation, dilations, "conv1d"), data_format, 1, groups)
    if w.channels_first:  # (N, C, W) -> (N, C, 1, W), (O, I, kw) -> (O, I, 1, kw)
        x4 = x.reshape(x.shape[:2] + (1, x.shape[2]))
        k4 = kernel.reshape(kernel.shape[:2] + (1, kernel.shape[2]))
    else:                 # (N, W, C) -> (N, 1, W, C), (kw, I, O) -> (1, kw, I, O)
        x4, k4 = x.reshape((x.shape[0], 1) + x.shape[1:]), kernel.reshape((1,) + kernel.shape)
    if bias is None:
        y = apply(Conv2D(w, groups), x4, k4)
    else:
        bias = _bias(bias, "conv1d", x, kernel, w.channels_first)
        y = apply(Conv2DBias(w, 1 if w.channels_first else 3, groups), x4, k4, bias)
    if w.channels_first:  # drop the height axis of 1
        return y.reshape(y.shape[:2] + y.shape[3:])
    return y.reshape((y.shape[0],) + y.shape[2:])


def conv2d_transpose(x, kernel, output_shape=None, strides=1, padding="valid", dilation=1,
                     data_format="channels_last", *, dilations=None, groups=1):
    """The transpose of conv2d (``tf.nn.conv2d_transpose``, PyTorch's ``conv_transpose2d``):
    every input pixel adds a kernel-weighted copy of itself over a window of the output.
    It is the gradient of conv2d with respect to its input, and upsamples in decoders.

    Args:
        x: (N, H, W, C) or (N, C, H, W); C is the kernel's out_channels.
        kernel: the kernel of the conv2d this transposes: (kh, kw, C_out / G, C) or
            (C, C_out / G, kh, kw) with channels_first, as TensorFlow and PyTorch store it.
        output_shape: the output's (OH, OW) or its full shape; by default the smallest
            image conv2d maps to x's size: (H - 1) * sh + (kh - 1) * dh + 1 - top - bottom,
            or H * sh with "same".
        strides, padding, dilation, dilations, data_format: those of that conv2d (note:
            padding defaults to "valid", as in Keras, where ``tf.nn`` says "SAME").
        groups: G, that conv2d's groups (PyTorch's ``conv_transpose2d`` argument); it must
            divide C.
    Returns:
        (N, OH, OW, C_out) or (N, C_out, OH, OW).
    """
    op = "conv2d_transpose"
    x, kernel = pair(x, kernel, Conv2DTranspose)
    first = channels_first(data_format, op, 2)
    size = _check_conv(op, x, kernel, 2, first)
    groups = _transpose_groups(op, x, kernel, first, groups)
    strides = positive_ints(strides, "strides", op, 2, first)
    dilation = positive_ints(_dilations(dilation, dilations, op), "dilations", op, 2, first)
    padding = padding_arg(padding, op, 2, first)
    in_hw = x.shape[2:] if first else x.shape[1:3]
    c_out = (kernel.shape[1] if first else kernel.shape[2]) * groups
    out_hw = _transpose_size(op, output_shape, in_hw, x.shape[0], c_out, size, strides,
                             padding, dilation, first)
    w = window(op, x.shape, out_hw, size, strides, padding, dilation, first,
               f"the kernel (shape {kernel.shape}, dilations {dilation})")
    if w.out_hw(out_hw) != tuple(in_hw):
        raise ValueError(f"{op}: output_shape {output_shape!r} does not fit x of shape {x.shape}: "
                         f"conv2d with these strides and padding maps {out_hw[0]}x{out_hw[1]} "
                         f"images to {'x'.join(map(str, w.out_hw(out_hw)))}, not "
                         f"{in_hw[0]}x{in_hw[1]}")
    out_shape = (x.shape[0], c_out, *out_hw) if first else (x.shape[0], *out_hw, c_out)
    return apply(Conv2DTranspose(w, out_shape, groups), x, kernel)


class BiasAdd(Op):
    """y = x + b, b added to the channels of every pixel
    dL/dx = g,  dL/db = g summed over every axis but the channels"""

    __slots__ = ("axis",)

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x, b):
        return x + _windows.bias_shaped(b, self.axis, x.ndim)

    def backward(self, g, y, x, b):
        need_x, need_b = self.needs_grad
        return (g if need_x else None), (xp.channel_sums(g, self.axis) if need_b else None)

    def formula(self, y, x, b):
        others = tuple(a for a in range(x.ndim) if a != self.axis)
        return (f"y = x + b, b added along the channel axis {self.axis}",
                f"dL/dx = g,  dL/db = g summed over {axes_text(others)}")

    def element(self, i, at, g, y, x, b):
        if i == 0:
            return Terms("g", ({"g": at},))
        return Terms("g", show.channel_terms(g.shape, self.axis, at[0]))


def bias_add(x, bias, data_format="channels_last"):
    """x + bias along the channel axis (``tf.nn.bias_add``): the last axis, or axis 1 with
    ``data_format`` "channels_first" (or TensorFlow's "NC..." forms: "NCHW", "NCW").

    Args:
        x: (N, ..., C) or (N, C, ...).  bias: (C,).
    """
    first = data_format == "channels_first" or (isinstance(data_format, str) and
                                                data_format.startswith("NC") and
                                                len(data_format) > 2)
    last = data_format in ("channels_last", None) or (isinstance(data_format, str) and
                                                      data_format.startswith("N") and
                                                      data_format.endswith("C"))
    if not (first or last):
        raise ValueError(f"bias_add: data_format must be 'channels_last' or 'channels_first' "
                         f"(or 'NHWC', 'NCHW', ...), got {data_format!r}")
    x, bias = pair(x, bias, BiasAdd)
    if x.ndim < 2:
        raise ValueError(f"bias_add: x must have a batch and a channel axis, got shape {x.shape}")
    axis = 1 if first else x.ndim - 1
    if bias.ndim != 1 or bias.shape[0] != x.shape[axis]:
        raise ValueError(f"bias_add: bias must have shape ({x.shape[axis]},), one per channel "
                         f"of x (shape {x.shape}, channel axis {axis}), got shape {bias.shape}")
    return apply(BiasAdd(axis), x, bias)


# --- on arrays: one group of channels in ``_windows``, more in ``_grouped`` -------------


def conv2d_array(x, k, window, groups=1):
    """y = x ⋆ k on arrays, and x's patch matrix when it is kept, else None."""
    if groups > 1:
        return _grouped.grouped_conv2d_array(x, k, window, groups)
    return _windows.conv2d_array(x, k, window)


def conv2d_transpose_array(dy, k, window, x_shape, groups=1):
    """The transpose of x -> x ⋆ k applied to dy, on arrays: an image of ``x_shape``."""
    if groups > 1:
        return _grouped.grouped_conv2d_transpose_array(dy, k, window, x_shape, groups)
    return _windows.conv2d_transpose_array(dy, k, window, x_shape)


def conv2d_backprop_filter_array(x, dy, window, cols=None, groups=1):
    """x ⋆ dy summed over the batch, on arrays; ``cols``: x's patch matrix, or None."""
    if groups > 1:
        return _grouped.grouped_conv2d_backprop_filter_array(x, dy, window, groups, cols)
    return _windows.conv2d_backprop_filter_array(x, dy, window, cols)
