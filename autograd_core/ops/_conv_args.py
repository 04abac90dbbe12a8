"""The arguments of the convolutions (conv2d, conv1d, conv2d_transpose) as Keras,
TensorFlow and PyTorch spell them: the kernel's shape, the groups of channels, conv1d's
"causal" padding and conv2d_transpose's output_shape, checked and resolved into a
``Window`` (the arguments every window op shares are ``_window_args``'s).

Every error names the op, the argument and the shapes, before anything is computed.
"""

from __future__ import annotations

import numbers

from ._window_args import (channels_first, check_ndim, image_axes, padding_arg,
                           positive_ints, window)


def _dilations(dilation, dilations, op):
    """TensorFlow's ``dilations`` or Keras's and PyTorch's ``dilation``, not two values."""
    if dilations is None:
        return dilation
    if dilation != 1 and dilation != dilations:
        raise TypeError(f"{op}: got dilation={dilation!r} and dilations={dilations!r}; "
                        "give one of them")
    return dilations


def _kernel_axes(rank, first):
    spatial = "kh, kw" if rank == 2 else "kw"
    return f"(out_channels, in_channels, {spatial})" if first else \
        f"({spatial}, in_channels, out_channels)"


def _check_conv(op, x, kernel, rank, first):
    """x and kernel of the right rank, and a kernel window that is not empty (its size)."""
    check_ndim(x.shape, "x", op, rank + 2, image_axes(rank, first))
    check_ndim(kernel.shape, "kernel", op, rank + 2, _kernel_axes(rank, first))
    size = kernel.shape[2:] if first else kernel.shape[:-2]
    if 0 in size:
        raise ValueError(f"{op}: the kernel has an empty window (shape {kernel.shape})")
    return size


def _groups_arg(groups, op):
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def _channels_text(rank, first, x, kernel, joined="and"):
    """ "x has 4 channels (shape ..., axes) and the kernel has 2 in_channels (...)"."""
    c_x, c_in = x.shape[1 if first else -1], kernel.shape[1 if first else -2]
    return (f"x has {c_x} channels (shape {x.shape}, {image_axes(rank, first)}) {joined} the "
            f"kernel has {c_in} in_channels (shape {kernel.shape}, {_kernel_axes(rank, first)})")


def _conv_groups(op, x, kernel, rank, first, groups):
    """The number of groups G, by TensorFlow's rule: x's channels / the kernel's
    in_channels, a whole number that also divides the kernel's out_channels. PyTorch's
    ``groups``, when given, must be that number."""
    c_x, c_in = x.shape[1 if first else -1], kernel.shape[1 if first else -2]
    c_out = kernel.shape[0 if first else -1]
    if groups is not None:
        groups = _groups_arg(groups, op)
        if c_in * groups != c_x:
            raise ValueError(f"{op}: groups={groups} needs x's channels to be {groups} times "
                             f"the kernel's in_channels, but "
                             f"{_channels_text(rank, first, x, kernel)}")
    elif c_x == c_in:  # 0 channels too
        groups = 1
    elif c_in == 0 or c_x % c_in:
        raise ValueError(f"{op}: {_channels_text(rank, first, x, kernel, 'but')}: x's channels "
                         "must be the kernel's in_channels times the number of groups")
    else:
        groups = c_x // c_in
    if c_out % groups:
        raise ValueError(f"{op}: {_channels_text(rank, first, x, kernel)}, so groups = "
                         f"{groups}, but the kernel's {c_out} out_channels are not divisible "
                         f"by {groups}")
    return groups


def _causal(padding, op, rank, size, dilation):
    """Keras's "causal" padding, conv1d's only: d * (kw - 1) zeros before the sequence and
    none after, so that y[t] reads x[t - d * (kw - 1)] to x[t], never a later step."""
    if not (isinstance(padding, str) and padding.lower() == "causal"):
        return padding
    if rank != 1:
        raise ValueError(f"{op}: padding 'causal' is for conv1d only, as Keras allows it in "
                         "Conv1D only; pad before the rows and columns explicitly instead, "
                         "padding=((dh * (kh - 1), 0), (dw * (kw - 1), 0))")
    return ((dilation[0] * (size[0] - 1), 0),)


def _conv_window(op, x, kernel, strides, padding, dilation, data_format, rank, groups):
    """The windows of conv2d or conv1d and the number of groups, every argument checked."""
    first = channels_first(data_format, op, rank)
    size = _check_conv(op, x, kernel, rank, first)
    groups = _conv_groups(op, x, kernel, rank, first, groups)
    strides = positive_ints(strides, "strides", op, rank, first)
    dilation = positive_ints(dilation, "dilations", op, rank, first)
    padding = padding_arg(_causal(padding, op, rank, size, dilation), op, rank, first)
    spatial = x.shape[2:] if first else x.shape[1:-1]
    return window(op, x.shape, spatial, size, strides, padding, dilation, first,
                  f"the kernel (shape {kernel.shape}, dilations {dilation})"), groups


def _transpose_groups(op, x, kernel, first, groups):
    """x's channels are the kernel's out_channels, which the groups divide."""
    groups = _groups_arg(groups, op)
    c_x, c_k = x.shape[1 if first else -1], kernel.shape[0 if first else -1]
    axes = _kernel_axes(2, first)
    if c_x != c_k:
        raise ValueError(f"{op}: x has {c_x} channels (shape {x.shape}, {image_axes(2, first)}) "
                         f"but the kernel has {c_k} out_channels (shape {kernel.shape}, {axes})")
    if c_k % groups:
        raise ValueError(f"{op}: the kernel's {c_k} out_channels (shape {kernel.shape}, {axes}) "
                         f"are not divisible by groups={groups}")
    return groups


def _transpose_size(op, output_shape, in_hw, batch, c_out, size, strides, padding, dilation,
                    first):
    """The (OH, OW) of conv2d_transpose, given or the smallest that fits."""
    if output_shape is None:
        if padding == "same":
            return tuple(n * s for n, s in zip(in_hw, strides))
        pads = ((0, 0), (0, 0)) if padding == "valid" else padding
        return tuple((n - 1) * s + (k - 1) * d + 1 - before - after for n, s, k, d, (before, after)
                     in zip(in_hw, strides, size, dilation, pads))
    shape = tuple(int(n) for n in output_shape)
    if len(shape) == 4:
        given = (shape[0], shape[1]) if first else (shape[0], shape[3])
        if given != (batch, c_out):
            raise ValueError(f"{op}: output_shape {output_shape!r} must have batch {batch} "
                             f"and {c_out} channels (the kernel's)")
        shape = shape[2:] if first else shape[1:3]
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"{op}: output_shape must be (height, width) or a full 4-D shape, "
                         f"got {output_shape!r}")
    return shape
