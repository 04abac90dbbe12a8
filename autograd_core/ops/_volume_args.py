"""The arguments of the 3-D window ops (conv3d, conv3d_transpose, max_pool3d,
avg_pool3d) as Keras, TensorFlow and PyTorch spell them: the layout, the padding, the
groups of channels and conv3d_transpose's output_shape, checked and resolved to cell
counts.

Every error names the op, the argument and the shapes, before anything is computed.
"""

from __future__ import annotations

import numbers

from ._window_args import _explicit_pads
from ._windows import same_pads

_X_AXES = {False: "(batch, depth, height, width, channels)",
           True: "(batch, channels, depth, height, width)"}
_KERNEL_AXES = {False: "(kd, kh, kw, in_channels, out_channels)",
                True: "(out_channels, in_channels, kd, kh, kw)"}


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
