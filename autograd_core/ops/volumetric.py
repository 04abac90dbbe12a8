"""Volumetric (3-D) convolution and pooling: conv3d, conv3d_transpose, max_pool3d,
avg_pool3d, for videos and scans (N, D, H, W, C).

Nothing here is a new op. A 3-D window is a stack of kd 2-D windows, one per depth tap
i, so each function is the 2-D op run once per tap on all the depth slices that tap
reads, folded into the batch, and the taps combined:

    conv3d(x, k)[n, t] = sum over i of conv2d(x[n, t*s + i*d - p], k[i])
    max_pool3d(x)[n, t] = max over i of max_pool2d(x[n, t*s + i - p])
    avg_pool3d(x)[n, t] = sum over i of avg_pool2d(x[n, t*s + i - p]) * kh*kw / count

x[n, t*s + i*d - p] for every t at once is one strided slice of x along the depth axis,
(N, D_out, H, W, C), and folding D_out into the batch, (N * D_out, H, W, C), makes it a
batch of images: one conv2d call per depth tap (kd calls), not one per output slice.
The first and second derivatives are those of the ops composed (slices, reshapes,
conv2d, the poolings, sums and ``where``), so ``create_graph=True`` works unchanged.

Padding follows TensorFlow: "same" gives ceil(D / s) outputs, the odd padding cell after;
explicit pads are a pair (before, after) per axis. Max pooling pads with -inf, so a
padded cell never wins; average pooling divides each window by its real cells only (as
TensorFlow, PyTorch's ``count_include_pad=False``); the first maximum of a window wins
ties, in (depth, row, column) order, as PyTorch.

Layouts: channels last (TensorFlow's default), x (N, D, H, W, C_in) and kernel (kd, kh,
kw, C_in / G, C_out) ("DHWIO"); or ``data_format="channels_first"`` (PyTorch's), x (N,
C_in, D, H, W) and kernel (C_out, C_in / G, kd, kh, kw).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import arithmetic, indexing, joining, shape
from ._conv_args import _dilations
from ._operands import operand, pair
from ._window_args import _explicit_pads, positive_ints
from ._windows import same_pads
from .conv import Conv2D, Conv2DTranspose, conv2d, conv2d_transpose
from .pooling import AvgPool2D, MaxPool2D, avg_pool2d, max_pool2d

__all__ = ["conv3d", "conv3d_transpose", "max_pool3d", "avg_pool3d"]

_X_AXES = {False: "(batch, depth, height, width, channels)",
           True: "(batch, channels, depth, height, width)"}
_KERNEL_AXES = {False: "(kd, kh, kw, in_channels, out_channels)",
                True: "(out_channels, in_channels, kd, kh, kw)"}


# --- arguments: checked before anything is computed; every error names the op ---------


_LAYOUTS = {False: "channels_last", True: "channels_first"}


def _channels_first(data_format, op):
    """Keras's "channels_last"/"channels_first", or TensorFlow's "NDHWC"/"NCDHW"."""
    if data_format in ("channels_last", "NDHWC"):
        return False
    if data_format in ("channels_first", "NCDHW"):
        return True
    raise ValueError(f"{op}: data_format must be 'channels_last' ('NDHWC') or "
                     f"'channels_first' ('NCDHW'), got {data_format!r}")


def _check_5d(op, name, value, axes):
    if value.ndim != 5:
        raise ValueError(f"{op}: {name} must be 5-D {axes}, got shape {value.shape}")


def _padding(padding):
    """"valid", "same" (either case), or explicit cells: an int, 3 ints (both sides alike),
    3 (before, after) pairs, or TensorFlow's 5 pairs with (0, 0) on batch and channels
    (resolved by ``_pads``, which knows the layout)."""
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower()
    return padding


def _pads(op, padding, spatial, span, strides, first, what, x_shape):
    """The (before, after) cells of each of the 3 spatial axes; "same" as TensorFlow. A
    window larger than the padded input raises."""
    if padding == "valid":
        pads = ((0, 0),) * 3
    elif padding == "same":
        pads = tuple(same_pads(n, k, s) for n, k, s in zip(spatial, span, strides))
    else:
        pads = None if isinstance(padding, str) else _explicit_pads(padding, 3, first)
        if pads is None:
            raise ValueError(f"{op}: padding must be 'valid', 'same', an int, 3 ints or 3 "
                             f"pairs ((front, back), (top, bottom), (left, right)), got "
                             f"{padding!r}")
    extent = tuple(n + b + a for n, (b, a) in zip(spatial, pads))
    if any(e < k for e, k in zip(extent, span)):
        raise ValueError(f"{op}: {what} spans {'x'.join(map(str, span))} cells, more than "
                         f"the padded input's {'x'.join(map(str, extent))} (x shape "
                         f"{tuple(x_shape)}, padding {padding!r})")
    return pads


def _groups(op, x, kernel, first, groups):
    """G = x's channels / the kernel's in_channels (TensorFlow's rule), which must also
    divide the out_channels; PyTorch's ``groups``, when given, must be that number."""
    c_x, c_in = x.shape[1 if first else -1], kernel.shape[1 if first else -2]
    c_out = kernel.shape[0 if first else -1]
    shapes = (f"x has {c_x} channels (shape {x.shape}, {_X_AXES[first]}) and the kernel "
              f"has {c_in} in_channels (shape {kernel.shape}, {_KERNEL_AXES[first]})")
    if groups is not None and (isinstance(groups, bool) or
                               not isinstance(groups, numbers.Integral) or groups < 1):
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if groups is None:
        if c_in == 0 or c_x % c_in:
            raise ValueError(f"{op}: {shapes}: x's channels must be the kernel's "
                             "in_channels times the number of groups")
        groups = c_x // c_in
    elif c_in * groups != c_x:
        raise ValueError(f"{op}: groups={groups} needs x's channels to be {groups} times the "
                         f"kernel's in_channels, but {shapes}")
    if c_out % groups:
        raise ValueError(f"{op}: {shapes}, so groups = {groups}, but the kernel's {c_out} "
                         f"out_channels are not divisible by {groups}")
    return int(groups)


def _out(n, pads, span, stride):
    return (n + pads[0] + pads[1] - span) // stride + 1


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


# --- convolution ----------------------------------------------------------------------


def conv3d(x, kernel, strides=1, padding="valid", dilation=1, data_format="channels_last",
           *, dilations=None, bias=None, groups=None):
    """3-D convolution (a correlation, as in TensorFlow and PyTorch): ``tf.nn.conv3d``.

    y[n, t, r, c, o] = sum over i, u, v, j of
        x[n, t*sd + i*dd - pd, r*sh + u*dh - ph, c*sw + v*dw - pw, j] * k[i, u, v, j, o]

    Made of kd conv2d calls, one per depth tap i, on the depth slices it reads folded
    into the batch; dL/dx and dL/dk are those of conv2d, summed over the taps.

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
    x, kernel = pair(x, kernel, Conv2D)
    first = _channels_first(data_format, op)
    data_format = _LAYOUTS[first]  # the 2-D ops' names for TensorFlow's NDHWC and NCDHW
    _check_5d(op, "x", x, _X_AXES[first])
    _check_5d(op, "kernel", kernel, _KERNEL_AXES[first])
    size = kernel.shape[2:] if first else kernel.shape[:3]
    if 0 in size:
        raise ValueError(f"{op}: the kernel has an empty window (shape {kernel.shape})")
    groups = _groups(op, x, kernel, first, groups)
    strides = positive_ints(strides, "strides", op, 3, first)
    dilation = positive_ints(_dilations(dilation, dilations, op), "dilations", op, 3, first)
    spatial = x.shape[2:] if first else x.shape[1:4]
    span = tuple((k - 1) * d + 1 for k, d in zip(size, dilation))
    pads = _pads(op, _padding(padding), spatial, span, strides, first,
                 f"the kernel (shape {kernel.shape}, dilations {dilation})", x.shape)
    if bias is not None:
        c_out = kernel.shape[0 if first else -1]
        bias = operand(bias, Conv2D, like=x)
        if bias.shape != (c_out,):
            raise ValueError(f"{op}: bias must have shape ({c_out},), one per out_channel of "
                             f"the kernel (shape {kernel.shape}), got shape {bias.shape}")
    depth = _pad_depth_major(_depth_major(x, first), (pads[0], (0, 0), (0, 0)), first)
    d_out = _out(spatial[0], pads[0], span[0], strides[0])
    y = None
    for i in range(size[0]):
        k_i = indexing.getitem(kernel, (slice(None), slice(None), i) if first else i)
        y_i = conv2d(_tap(depth, i * dilation[0], d_out, strides[0]), k_i, strides[1:],
                     pads[1:], dilation[1:], data_format, bias=bias if i == 0 else None,
                     groups=groups)
        y = y_i if y is None else arithmetic.add(y, y_i)
    return _from_depth_major(_unfold(y, x.shape[0]), first)


def _transpose_size(op, output_shape, in_dhw, x, c_out, size, strides, padding, dilation,
                    first):
    """The (OD, OH, OW) of conv3d_transpose, given or the smallest that fits."""
    if output_shape is None:
        if padding == "same":
            return tuple(n * s for n, s in zip(in_dhw, strides))
        pads = ((0, 0),) * 3 if padding == "valid" else _explicit_pads(padding, 3, first)
        if pads is None:
            return None  # the padding is malformed: _pads says so
        return tuple((n - 1) * s + (k - 1) * d + 1 - b - a for n, s, k, d, (b, a)
                     in zip(in_dhw, strides, size, dilation, pads))
    try:
        sizes = tuple(int(n) for n in output_shape)
    except (TypeError, ValueError):
        sizes = ()
    if len(sizes) == 5:
        given = (sizes[0], sizes[1]) if first else (sizes[0], sizes[4])
        if given != (x.shape[0], c_out):
            raise ValueError(f"{op}: output_shape {output_shape!r} must have batch "
                             f"{x.shape[0]} and {c_out} channels (the kernel's)")
        sizes = sizes[2:] if first else sizes[1:4]
    if len(sizes) != 3 or min(sizes) < 1:
        raise ValueError(f"{op}: output_shape must be (depth, height, width) or a full 5-D "
                         f"shape, got {output_shape!r}")
    return sizes


def conv3d_transpose(x, kernel, output_shape=None, strides=1, padding="valid", dilation=1,
                     data_format="channels_last", *, dilations=None, groups=1):
    """The transpose of conv3d (``tf.nn.conv3d_transpose``, PyTorch's
    ``conv_transpose3d``): every input cell adds a kernel-weighted copy of itself over a
    window of the output; conv3d's gradient with respect to its input.

    y[n, t*sd + i*dd - pd] += conv2d_transpose(x[n, t], k[i]), for every t and tap i:
    one conv2d_transpose call per depth tap on all the depth slices folded into the
    batch, each result spread sd apart along the depth and shifted by i*dd.

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
    x, kernel = pair(x, kernel, Conv2DTranspose)
    first = _channels_first(data_format, op)
    data_format = _LAYOUTS[first]  # the 2-D ops' names for TensorFlow's NDHWC and NCDHW
    _check_5d(op, "x", x, _X_AXES[first])
    _check_5d(op, "kernel", kernel, _KERNEL_AXES[first])
    size = kernel.shape[2:] if first else kernel.shape[:3]
    if 0 in size:
        raise ValueError(f"{op}: the kernel has an empty window (shape {kernel.shape})")
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
    n, d_in, sd = x.shape[0], in_dhw[0], strides[0]
    full = out_dhw[0] + pads[0][0] + pads[0][1]   # the padded depth conv3d would read
    depth = _depth_major(x, first)
    folded = shape.reshape(depth, (n * d_in,) + depth.shape[2:])
    y = None
    for i in range(size[0]):
        k_i = indexing.getitem(kernel, (slice(None), slice(None), i) if first else i)
        z = _unfold(conv2d_transpose(folded, k_i, out_dhw[1:], strides[1:], pads[1:],
                                     dilation[1:], data_format, groups=groups), n)
        if sd > 1:  # t -> t * sd: sd - 1 zero slices after each slice, the last ones cut
            z = joining.pad(shape.reshape(z, (n, d_in, 1) + z.shape[2:]),
                            ((0, 0), (0, 0), (0, sd - 1)) + ((0, 0),) * 3)
            z = indexing.getitem(shape.reshape(z, (n, d_in * sd) + z.shape[3:]),
                                 (slice(None), slice(0, (d_in - 1) * sd + 1)))
        before = i * dilation[0]
        z = joining.pad(z, ((0, 0), (before, full - before - z.shape[1])) + ((0, 0),) * 3)
        y = z if y is None else arithmetic.add(y, z)
    y = indexing.getitem(y, (slice(None), slice(pads[0][0], pads[0][0] + out_dhw[0])))
    return _from_depth_major(y, first)


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
