"""PyTorch's padding and pixel-rearranging layers: ``ZeroPad1d/2d``, ``ConstantPad1d/2d``,
``ReflectionPad1d/2d``, ``ReplicationPad1d/2d``, ``CircularPad1d/2d``; ``PixelShuffle``,
``PixelUnshuffle``, ``ChannelShuffle``; ``Fold`` and ``Unfold``, with their functional
forms ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``, ``fold`` and ``unfold``.

None of them computes anything new: padding is ``pad_as_torch`` (``F.pad``), the shuffles are a
reshape, a transpose and a reshape, and ``unfold`` (im2col) picks the pixels of every
window with one integer index, so that its gradient, and ``fold`` itself, is the same
index's scatter (overlapping windows add up). Every gradient comes from those ops.

>>> import numpy as np
>>> x = np.arange(4.).reshape(1, 1, 4)
>>> ReflectionPad1d((2, 1))(x).numpy()
array([[[2., 1., 0., 1., 2., 3., 2.]]])
>>> unfold(np.arange(9.).reshape(1, 1, 3, 3), 2).numpy()[0]
array([[0., 1., 3., 4.],
       [1., 2., 4., 5.],
       [3., 4., 6., 7.],
       [4., 5., 7., 8.]])
"""

import numbers

import numpy as np

import autograd_core as ag

from .basic_layers import _pair
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d",
           "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d",
           "CircularPad2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Fold",
           "Unfold", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "fold", "unfold"]


def _is_int(n):
    return isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_))


def _value(x):
    return x if isinstance(x, ag.Value) else ag.constant(x)


def _where(cls, name):
    return cls if name is None else f"{cls} {name!r}"


# --- padding ----------------------------------------------------------------------------


def pad_as_torch(x, padding, mode, where, value=0.0):
    """x padded as PyTorch's ``F.pad(x, padding, mode, value)`` for the last len(padding) / 2
    axes, padding = (left, right[, top, bottom]), with PyTorch's checks and its negative
    padding (a crop: after padding in "reflect"/"replicate", before it in "circular").
    A padding that leaves an axis empty is refused (PyTorch returns an empty tensor for
    some of those).

    Modes: "constant" (``value``), "reflect" (each pad < the axis), "replicate",
    "circular" (each pad <= the axis). Errors name ``where``.
    """
    axes = len(padding) // 2
    pairs = [tuple(padding[2 * i:2 * i + 2]) for i in range(axes)]  # last axis first
    sizes = x.shape[::-1][:axes]
    for axis, ((before, after), n) in enumerate(zip(pairs, sizes), 1):
        crop = max(-before, 0) + max(-after, 0)
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(f"{where}: reflect padding must be smaller than the input's "
                             f"size along the padded axis, as in PyTorch; got padding "
                             f"{(before, after)} for axis -{axis} of size {n} (input shape "
                             f"{x.shape})")
        if mode == "circular" and (crop >= n or max(before, after) > n - crop):
            raise ValueError(f"{where}: circular padding must be at most the input's size "
                             f"along the padded axis (after any cropping), as in PyTorch; "
                             f"got padding {(before, after)} for axis -{axis} of size {n} "
                             f"(input shape {x.shape})")
        if n + before + after < 1 or (mode == "constant" and crop > n):
            raise ValueError(f"{where}: padding {(before, after)} leaves nothing of axis "
                             f"-{axis} of size {n} (input shape {x.shape})")
    crops = (slice(None),) * (x.ndim - axes) + tuple(
        slice(max(-before, 0), None if after >= 0 else after) for before, after in pairs[::-1])
    grow = tuple(max(n, 0) for n in padding)
    if mode == "circular":  # PyTorch crops first, then wraps what is left
        return _grow(ag.getitem(x, crops), grow, "circular")
    y = _grow(x, grow, mode, value)
    return y if all(n >= 0 for n in padding) else ag.getitem(y, crops)


def _grow(x, pad, mode="constant", value=0):
    """``pad`` for pads >= 0 with no checks: ``ag.pad`` with PyTorch's order of pads."""
    pairs = [(0, 0)] * (x.ndim - len(pad) // 2) + [
        (pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)]
    if mode == "constant":
        return ag.pad(x, pairs, constant_values=value)
    return ag.pad(x, pairs, mode=mode)


def _padding_arg(padding, dims, where):
    """An int (every side) or a tuple of 2 * dims ints, PyTorch's (left, right[, top,
    bottom]); negative sides crop."""
    items = (padding,) * (2 * dims) if _is_int(padding) else padding
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != 2 * dims or not all(_is_int(n) for n in items):
        sides = "(left, right)" if dims == 1 else "(left, right, top, bottom)"
        raise ValueError(f"{where}: padding must be an int or a tuple of {2 * dims} ints "
                         f"{sides}, got {padding!r}")
    return tuple(int(n) for n in items)


class _Pad(Module):
    """What the padding layers share: ``dims`` padded axes, in ``mode``."""

    dims = 1
    mode = "constant"

    def __init__(self, padding, name=None):
        where = _where(type(self).__name__, name)
        padding = _padding_arg(padding, self.dims, where)
        super().__init__(name)
        self.padding = padding

    def forward(self, x):
        where = f"{type(self).__name__} {self.name!r}"
        x = _value(x)
        ranks = (self.dims + 1, self.dims + 2)
        shape = {1: "(C, L) or (N, C, L)", 2: "(C, H, W) or (N, C, H, W)"}[self.dims]
        if self.mode == "constant" and x.ndim < self.dims:
            raise ValueError(f"{where}: expected an input of at least {self.dims} axes, "
                             f"{shape}, got shape {x.shape}")
        if self.mode != "constant":
            if x.ndim not in ranks:
                raise ValueError(f"{where}: expected {shape}, got shape {x.shape}")
            if 0 in x.shape[x.ndim - self.dims - 1:]:
                raise ValueError(f"{where}: {self.mode} padding needs non-empty channels and "
                                 f"{'length' if self.dims == 1 else 'height and width'}, got "
                                 f"shape {x.shape}")
        return pad_as_torch(x, self.padding, self.mode, where, self._fill())

    def _fill(self):
        return 0.0

    def get_config(self):
        return {"name": self.name, "padding": self.padding}

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_Pad):
    """y = x with zeros added at the ends of its last axis: (N, C, L) -> (N, C, left + L +
    right), or unbatched (C, L).  Args (PyTorch's): padding, an int or (left, right);
    negative sides crop."""


class ZeroPad2d(_Pad):
    """y = x inside a border of zeros: (N, C, H, W) -> (N, C, top + H + bottom, left + W +
    right), or unbatched (C, H, W).  Args (PyTorch's): padding, an int or (left, right,
    top, bottom); negative sides crop."""

    dims = 2


class _ConstantPad(_Pad):
    """ZeroPad's padding with a chosen ``value``."""

    def __init__(self, padding, value, name=None):
        where = _where(type(self).__name__, name)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise ValueError(f"{where}: value must be a real number, got {value!r}")
        super().__init__(padding, name)
        self.value = value

    def _fill(self):
        return self.value

    def get_config(self):
        return {**super().get_config(), "value": self.value}

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """y = x with ``value`` added at the ends of its last axis: (N, C, L) -> (N, C, left +
    L + right), or (C, L).  Args (PyTorch's): padding, an int or (left, right); value."""


class ConstantPad2d(_ConstantPad):
    """y = x inside a border of ``value``: (N, C, H, W) -> (N, C, top + H + bottom, left +
    W + right), or (C, H, W).  Args (PyTorch's): padding, an int or (left, right, top,
    bottom); value."""

    dims = 2


class ReflectionPad1d(_Pad):
    """y = x with its last axis mirrored at each end, the edge not repeated ([a, b, c] ->
    [c, b, a, b, c, b] for (2, 1)): (N, C, L) or (C, L).  padding: an int or (left, right),
    each less than L."""

    mode = "reflect"


class ReflectionPad2d(_Pad):
    """y = x mirrored at its four edges, the edge not repeated: (N, C, H, W) or (C, H, W).
    padding: an int or (left, right, top, bottom), each less than the axis it pads."""

    dims = 2
    mode = "reflect"


class ReplicationPad1d(_Pad):
    """y = x with the end values of its last axis repeated ([a, b, c] -> [a, a, b, c, c]
    for (1, 1)): (N, C, L) or (C, L).  padding: an int or (left, right)."""

    mode = "replicate"


class ReplicationPad2d(_Pad):
    """y = x with its edge pixels repeated outwards: (N, C, H, W) or (C, H, W).
    padding: an int or (left, right, top, bottom)."""

    dims = 2
    mode = "replicate"


class CircularPad1d(_Pad):
    """y = x with its last axis wrapped around ([a, b, c] -> [c, a, b, c, a] for (1, 1)):
    (N, C, L) or (C, L).  padding: an int or (left, right), each at most L."""

    mode = "circular"


class CircularPad2d(_Pad):
    """y = x wrapped around as on a torus: (N, C, H, W) or (C, H, W).  padding: an int or
    (left, right, top, bottom), each at most the axis it pads."""

    dims = 2
    mode = "circular"


# --- pixel and channel shuffles ---------------------------------------------------------


def _factor(n, what, where):
    if not _is_int(n) or n < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {n!r}")
    return int(n)


# The functions are the engine's (``torch.pixel_shuffle`` is a top-level function too):
# y[..., c, h*r + i, w*r + j] = x[..., c*r*r + i*r + j, h, w], its inverse, and ShuffleNet's
# channel interleaving, each a reshape, a transpose and a reshape.
pixel_shuffle = ag.pixel_shuffle
pixel_unshuffle = ag.pixel_unshuffle
channel_shuffle = ag.channel_shuffle


class _Shuffle(Module):
    """A shuffle function with its one argument, ``arg``, as a layer."""

    arg = None

    def __init__(self, factor, name=None):
        factor = _factor(factor, self.arg, _where(type(self).__name__, name))
        super().__init__(name)
        setattr(self, self.arg, factor)

    def forward(self, x):
        try:
            return type(self).shuffle(x, getattr(self, self.arg))
        except ValueError as e:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, self.arg: getattr(self, self.arg)}

    def extra_repr(self):
        return f"{self.arg}={getattr(self, self.arg)}"


class PixelShuffle(_Shuffle):
    """``pixel_shuffle`` as a layer: (*, C*r², H, W) -> (*, C, H*r, W*r).  Args (PyTorch's):
    upscale_factor, r."""

    arg = "upscale_factor"
    shuffle = staticmethod(pixel_shuffle)


class PixelUnshuffle(_Shuffle):
    """``pixel_unshuffle`` as a layer: (*, C, H*r, W*r) -> (*, C*r², H, W).  Args
    (PyTorch's): downscale_factor, r."""

    arg = "downscale_factor"
    shuffle = staticmethod(pixel_unshuffle)


class ChannelShuffle(_Shuffle):
    """``channel_shuffle`` as a layer: (N, C, *) -> (N, C, *).  Args (PyTorch's): groups,
    dividing C."""

    arg = "groups"
    shuffle = staticmethod(channel_shuffle)


# --- fold and unfold (im2col and its adjoint) -------------------------------------------


def _window_args(kernel_size, dilation, padding, stride, where):
    return (_pair(kernel_size, "kernel_size", where), _pair(dilation, "dilation", where),
            _pair(padding, "padding", where, minimum=0), _pair(stride, "stride", where))


def _blocks(hw, window, where):
    """For a padded image of height and width ``hw``: the (rows, cols) index, each of shape
    (kh*kw, L), of the pixel every kernel offset reads in every block, and (OH, OW)."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = window
    out = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, p, d, k, s in
           zip(hw, (ph, pw), (dh, dw), (kh, kw), (sh, sw))]
    if min(out) < 1:
        raise ValueError(f"{where}: kernel_size {(kh, kw)} with dilation {(dh, dw)} does not "
                         f"fit in the image of size {tuple(hw)} padded by {(ph, pw)}")
    rows = np.arange(kh)[:, None, None, None] * dh + np.arange(out[0])[:, None] * sh
    cols = np.arange(kw)[:, None, None] * dw + np.arange(out[1]) * sw
    rows, cols = np.broadcast_arrays(rows, cols)  # (kh, kw, OH, OW)
    L = out[0] * out[1]
    return (rows.reshape(kh * kw, L), cols.reshape(kh * kw, L)), tuple(out)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """y[n, c*kh*kw + u*kw + v, p*OW + q] = xpad[n, c, p*sh + u*dh, q*sw + v*dw]: every
    kh x kw block of the zero-padded image as a column (im2col): (N, C, H, W) -> (N,
    C*kh*kw, L), L = OH*OW, or unbatched (C, H, W) -> (C*kh*kw, L).

    Args (PyTorch's): kernel_size, dilation=1, padding=0 (zeros on both sides), stride=1,
    each an int or a pair.
    """
    x = _value(input)
    window = _window_args(kernel_size, dilation, padding, stride, "unfold")
    if x.ndim not in (3, 4) or 0 in x.shape[-3:]:
        raise ValueError(f"unfold: expected images (N, C, H, W) or (C, H, W), non-empty but "
                         f"for N, got shape {x.shape}")
    (ph, pw) = window[2]
    (rows, cols), _ = _blocks(x.shape[-2:], window, "unfold")
    xpad = _grow(x, (pw, pw, ph, ph)) if ph or pw else x
    picked = ag.getitem(xpad, (Ellipsis, rows, cols))  # (..., C, kh*kw, L)
    return ag.reshape(picked, x.shape[:-3] + (x.shape[-3] * rows.shape[0], rows.shape[1]))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """y = the sum of every column put back in its block: unfold's adjoint, y[n, c, i, j]
    = the sum of x[n, c*kh*kw + u*kw + v, l] over the blocks l and offsets (u, v) that read
    pixel (i, j): (N, C*kh*kw, L) -> (N, C, H, W), or unbatched (C*kh*kw, L) -> (C, H, W).

    Args (PyTorch's): output_size (H, W), an int or a pair; kernel_size, dilation=1,
    padding=0, stride=1 as ``unfold``'s. L must be the number of blocks in that image.
    """
    x = _value(input)
    hw = _pair(output_size, "output_size", "fold")
    window = _window_args(kernel_size, dilation, padding, stride, "fold")
    if x.ndim not in (2, 3) or 0 in x.shape[-2:]:
        raise ValueError(f"fold: expected columns (N, C*kh*kw, L) or (C*kh*kw, L), non-empty "
                         f"but for N, got shape {x.shape}")
    (kh, kw), _, (ph, pw), _ = window
    (rows, cols), out = _blocks(hw, window, "fold")
    if x.shape[-2] % (kh * kw) or x.shape[-1] != out[0] * out[1]:
        raise ValueError(f"fold: expected columns (N, C * {kh * kw}, {out[0] * out[1]}) for "
                         f"kernel_size {(kh, kw)} and {out[0]} x {out[1]} blocks of the image "
                         f"{hw}, got shape {x.shape}")
    lead, c = x.shape[:-2], x.shape[-2] // (kh * kw)
    columns = ag.reshape(x, lead + (c, kh * kw, out[0] * out[1]))
    canvas = lead + (c, hw[0] + 2 * ph, hw[1] + 2 * pw)
    y = ag.scatter(columns, (Ellipsis, rows, cols), canvas)  # overlapping blocks add up
    return ag.getitem(y, (Ellipsis, slice(ph, ph + hw[0]), slice(pw, pw + hw[1])))


class Unfold(Module):
    """``unfold`` (im2col) as a layer: (N, C, H, W) -> (N, C*kh*kw, L).  Args (PyTorch's):
    kernel_size, dilation=1, padding=0, stride=1, kept as given (an int or a pair)."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1, name=None):
        _window_args(kernel_size, dilation, padding, stride, _where("Unfold", name))
        super().__init__(name)
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x):
        try:
            return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)
        except ValueError as e:
            raise ValueError(f"Unfold {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, "kernel_size": self.kernel_size, "dilation": self.dilation,
                "padding": self.padding, "stride": self.stride}

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """``fold`` (col2im, overlaps summed) as a layer: (N, C*kh*kw, L) -> (N, C, H, W).
    Args (PyTorch's): output_size, kernel_size, dilation=1, padding=0, stride=1, kept as
    given (an int or a pair)."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1, name=None):
        where = _where("Fold", name)
        _pair(output_size, "output_size", where)
        _window_args(kernel_size, dilation, padding, stride, where)
        super().__init__(name)
        self.output_size, self.kernel_size, self.dilation = output_size, kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, x):
        try:
            return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding,
                        self.stride)
        except ValueError as e:
            raise ValueError(f"Fold {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, "output_size": self.output_size,
                "kernel_size": self.kernel_size, "dilation": self.dilation,
                "padding": self.padding, "stride": self.stride}

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
