"""PyTorch's convolution layers: ``Conv1d``, ``Conv2d``, ``ConvTranspose1d`` and
``ConvTranspose2d`` (``Conv3d`` and ``ConvTranspose3d`` are in ``volumetric``).

Channels first, (N, C, L) and (N, C, H, W), with PyTorch's weight layouts, (out_channels,
in_channels / groups, *kernel) and for the transposed ones (in_channels, out_channels /
groups, *kernel), so a PyTorch model's weights load by name. ``padding_mode`` other than
"zeros" pads the input first (``F.pad``'s modes) and then convolves with no padding.
"""

import numpy as np

import autograd_core as ag

from . import functional
from .functional import _pair
from .keras_module import with_dtype as _with_dtype
from .basic_layers import _as_input, _flag
from .module import Module
from .torch_layers import _check_images, _factory_dtype, _single, _size, _weight_and_bias
from .torch_padding import pad_as_torch

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]


def _conv_channels(in_channels, out_channels, groups, where):
    """in_channels, out_channels and groups, positive, groups dividing both (PyTorch's)."""
    sizes = (_size(in_channels, "in_channels", where),
             _size(out_channels, "out_channels", where), _size(groups, "groups", where))
    for what, n in zip(("in_channels", "out_channels"), sizes):
        if n % sizes[2]:
            raise ValueError(f"{where}: {what} must be divisible by groups (as PyTorch); "
                             f"got {what}={n}, groups={sizes[2]}")
    return sizes


def _conv_padding(padding, stride, where, sizes):
    """"valid", "same" (not with a stride, as PyTorch) or sizes >= 0, read by ``sizes``
    (``_pair`` or ``_single``)."""
    if not isinstance(padding, str):
        return sizes(padding, "padding", where, minimum=0)
    if padding not in ("valid", "same"):
        form = "a pair" if sizes is _pair else "a tuple of one"
        raise ValueError(f"{where}: padding must be an int, {form}, 'valid' or 'same', got "
                         f"{padding!r}")
    if padding == "same" and any(n != 1 for n in stride):
        raise ValueError(f"{where}: padding='same' is not supported for strided "
                         f"convolutions (stride={stride}), as in PyTorch")
    return padding


_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _named(layer, name):
    return layer if name is None else f"{layer} {name!r}"


def _padding_mode(padding_mode, where):
    if not isinstance(padding_mode, str) or padding_mode not in _PADDING_MODES:
        raise ValueError(f"{where}: padding_mode must be one of {list(_PADDING_MODES)} (as "
                         f"PyTorch), got {padding_mode!r}")
    return padding_mode


class _Conv(Module):
    """What Conv1d and Conv2d share: their config, their printed form, and PyTorch's
    ``padding_mode``: other than "zeros", the input is first padded in that mode
    (``F.pad``'s order, last axis first) and then convolved with no padding."""

    def _mode_padded(self, x, where):
        """(x, padding) for the convolution: x padded in ``padding_mode``, and "valid";
        or x and ``self.padding`` as they are for "zeros"."""
        if self.padding_mode == "zeros":
            return x, self.padding
        if self.padding == "same":  # PyTorch's split: the odd pixel after
            sides = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                     for k, d in zip(self.kernel_size, self.dilation)]
        elif self.padding == "valid":
            sides = [(0, 0)] * len(self.kernel_size)
        else:
            sides = [(p, p) for p in self.padding]
        pads = tuple(n for pair in reversed(sides) for n in pair)
        return pad_as_torch(x, pads, self.padding_mode, where), "valid"

    def get_config(self):
        return _with_dtype({"name": self.name, "in_channels": self.in_channels,
                            "out_channels": self.out_channels, "kernel_size": self.kernel_size,
                            "stride": self.stride, "padding": self.padding,
                            "dilation": self.dilation, "groups": self.groups,
                            "bias": self.bias is not None,
                            "padding_mode": self.padding_mode}, self.weight.dtype)

    def extra_repr(self):
        groups = f", groups={self.groups}" if self.groups > 1 else ""
        mode = f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else ""
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}{groups}{mode}")


class Conv2d(_Conv):
    """y = x ⋆ weight + bias, channels first: (N, in_channels, H, W) -> (N, out_channels,
    OH, OW), OH = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1.

    Args (PyTorch's):
        in_channels, out_channels, kernel_size (an int or a pair), stride=1, padding=0
        (an int, a pair, or "valid"/"same"), dilation=1, groups=1 (the channels split
        into that many groups, each out_channel convolving its own group's in_channels
        only; it must divide both; groups = in_channels is depthwise), bias=True,
        padding_mode="zeros" (or "reflect", "replicate", "circular": what fills the
        padding, as ``F.pad``'s modes); device=None ("cpu", the only device) and
        dtype=None (the weights' float dtype, None: the default), keywords.

    Attributes:
        weight: (out_channels, in_channels / groups, kh, kw).  bias: (out_channels,) or
        None.
    Both start from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups *
    kh * kw: the inputs each output sums over.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", name=None, *,
                 device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "Conv2d", name)
        padding_mode = _padding_mode(padding_mode, _named("Conv2d", name))
        super().__init__(name)
        where = f"Conv2d {self.name!r}"
        self.in_channels, self.out_channels, self.groups = _conv_channels(
            in_channels, out_channels, groups, where)
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.stride = _pair(stride, "stride", where)
        self.dilation = _pair(dilation, "dilation", where)
        self.padding = _conv_padding(padding, self.stride, where, _pair)
        self.padding_mode = padding_mode
        self.weight, self.bias = _weight_and_bias(
            (self.out_channels, self.in_channels // self.groups) + self.kernel_size,
            self.out_channels, bias, dtype)

    def forward(self, x):
        where = f"Conv2d {self.name!r}"
        x = _as_input(x, self.weight.dtype)
        _check_images(x, self.in_channels, where)
        x, padding = self._mode_padded(x, where)
        try:
            return ag.conv2d(x, self.weight, self.stride, padding, self.dilation,
                             "channels_first", bias=self.bias, groups=self.groups)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e


class Conv1d(_Conv):
    """y = x ⋆ weight + bias along one axis, channels first: (N, in_channels, L) -> (N,
    out_channels, OL), OL = (L + 2 * p - d * (k - 1) - 1) // s + 1.

    Args (PyTorch's):
        in_channels, out_channels, kernel_size (an int or a tuple of one), stride=1,
        padding=0 (an int, a tuple of one, or "valid"/"same", "same" at stride 1 only),
        dilation=1, groups=1 (as Conv2d's: it must divide both channel counts), bias=True,
        padding_mode="zeros" ("reflect", "replicate", "circular"); device=None and
        dtype=None as Conv2d's.

    Attributes:
        weight: (out_channels, in_channels / groups, k).  bias: (out_channels,) or None.
    Both start from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels / groups * k,
    PyTorch's default. ``kernel_size``, ``stride``, ``padding`` and ``dilation`` are kept
    as PyTorch keeps them, tuples of one: (3,).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", name=None, *,
                 device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "Conv1d", name)
        padding_mode = _padding_mode(padding_mode, _named("Conv1d", name))
        super().__init__(name)
        where = f"Conv1d {self.name!r}"
        in_channels, out_channels, groups = _conv_channels(in_channels, out_channels, groups,
                                                           where)
        kernel_size = _single(kernel_size, "kernel_size", where)
        stride = _single(stride, "stride", where)
        dilation = _single(dilation, "dilation", where)
        padding = _conv_padding(padding, stride, where, _single)
        use_bias = _flag(bias, "bias", where)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding, self.dilation = \
            kernel_size, stride, padding, dilation
        self.padding_mode = padding_mode
        self.weight, self.bias = _weight_and_bias(
            (out_channels, in_channels // groups) + kernel_size, out_channels, use_bias, dtype)

    def forward(self, x):
        where = f"Conv1d {self.name!r}"
        x = _as_input(x, self.weight.dtype)
        if np.ndim(x) != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"{where}: expected sequences (N, {self.in_channels}, L), got "
                             f"shape {np.shape(x)}")
        x, padding = self._mode_padded(x, where)
        padding = padding if isinstance(padding, str) else padding[0]
        try:
            return functional.conv1d(x, self.weight, self.bias, self.stride[0], padding,
                                     self.dilation[0], self.groups)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e


class _TransposedConv(Module):
    """What ConvTranspose1d and ConvTranspose2d share: their arguments' checks, in PyTorch's
    order, and their weights; ``sizes`` makes a tuple of one or two sizes."""

    def _build(self, kind, sizes, in_channels, out_channels, kernel_size, stride, padding,
               output_padding, groups, bias, dilation, padding_mode, name, device, dtype):
        dtype = _factory_dtype(device, dtype, kind, name)
        where = kind if name is None else f"{kind} {name!r}"
        in_channels, out_channels, groups = _conv_channels(in_channels, out_channels, groups,
                                                           where)
        kernel_size = sizes(kernel_size, "kernel_size", where)
        stride = sizes(stride, "stride", where)
        padding = sizes(padding, "padding", where, minimum=0)
        output_padding = sizes(output_padding, "output_padding", where, minimum=0)
        dilation = sizes(dilation, "dilation", where)
        use_bias = _flag(bias, "bias", where)
        if padding_mode != "zeros":
            raise ValueError(f"{where}: only padding_mode='zeros' is supported for transposed "
                             f"convolutions (as in PyTorch), got {padding_mode!r}")
        if any(extra >= max(s, d) for extra, s, d in zip(output_padding, stride, dilation)):
            raise ValueError(f"{where}: output_padding {output_padding} must be smaller than "
                             f"the stride {stride} or the dilation {dilation}, as in PyTorch")
        super().__init__(name)  # every argument checked: only now a name is taken
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.output_padding, self.dilation = output_padding, dilation
        self.weight, self.bias = _weight_and_bias(
            (in_channels, out_channels // groups) + kernel_size, out_channels, use_bias, dtype)


class ConvTranspose2d(_TransposedConv):
    """The transpose of Conv2d (``functional.conv_transpose2d``), channels first: (N,
    in_channels, H, W) -> (N, out_channels, OH, OW), OH = (H - 1) * sh - 2 * ph + dh *
    (kh - 1) + oph + 1: the upsampling of decoders and of DCGAN's generator.

    Args (PyTorch's, in its order): in_channels, out_channels, kernel_size, stride=1,
        padding=0 (cropped from the output), output_padding=0 (added at the far side, less
        than the stride or the dilation), groups=1, bias=True, dilation=1,
        padding_mode="zeros" (PyTorch's only choice here too); device and dtype as Conv2d's.

    Attributes:
        weight: (in_channels, out_channels / groups, kh, kw), PyTorch's layout.
        bias: (out_channels,) or None.
    Both start from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with PyTorch's fan_in for this
    weight, out_channels / groups * kh * kw (its second axis times the kernel).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 name=None, *, device=None, dtype=None):
        self._build("ConvTranspose2d", _pair, in_channels, out_channels, kernel_size, stride,
                    padding, output_padding, groups, bias, dilation, padding_mode, name,
                    device, dtype)

    def forward(self, x, output_size=None):
        """``output_size`` (the (OH, OW), or the whole shape, PyTorch's argument) picks the
        output_padding that gives it, within the stride's range of sizes."""
        where = f"ConvTranspose2d {self.name!r}"
        x = _as_input(x, self.weight.dtype)
        _check_images(x, self.in_channels, where)
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(x, output_size, where)
        try:
            return functional.conv_transpose2d(x, self.weight, self.bias, self.stride,
                                               self.padding, output_padding, self.groups,
                                               self.dilation)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def _output_padding(self, x, output_size, where):
        sizes = tuple(output_size)[-2:]
        smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                    zip(x.shape[2:], self.stride, self.padding, self.dilation,
                        self.kernel_size)]
        if len(sizes) != 2 or any(not lo <= n < lo + max(s, d) for n, lo, s, d in
                                  zip(sizes, smallest, self.stride, self.dilation)):
            ranges = [f"{lo}..{lo + max(s, d) - 1}" for lo, s, d in
                      zip(smallest, self.stride, self.dilation)]
            raise ValueError(f"{where}: output_size {tuple(output_size)} is not one this "
                             f"layer can make from {x.shape[2:]}: heights and widths "
                             f"{' and '.join(ranges)}")
        return tuple(n - lo for n, lo in zip(sizes, smallest))

    def get_config(self):
        return _with_dtype({"name": self.name, "in_channels": self.in_channels,
                            "out_channels": self.out_channels, "kernel_size": self.kernel_size,
                            "stride": self.stride, "padding": self.padding,
                            "output_padding": self.output_padding, "groups": self.groups,
                            "bias": self.bias is not None, "dilation": self.dilation},
                           self.weight.dtype)

    def extra_repr(self):
        extra = f", output_padding={self.output_padding}" if any(self.output_padding) else ""
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}{extra}")


class ConvTranspose1d(_TransposedConv):
    """The transpose of Conv1d (``functional.conv_transpose1d``): (N, in_channels, L) ->
    (N, out_channels, OL), OL = (L - 1) * s - 2 * p + d * (k - 1) + op + 1.

    Args (PyTorch's, in its order): in_channels, out_channels, kernel_size, stride=1,
        padding=0 (cropped from the output), output_padding=0 (added at the far end, less
        than the stride or the dilation), groups=1, bias=True, dilation=1,
        padding_mode="zeros" (the only one, as PyTorch's); device and dtype keywords. The
        sizes are ints or tuples of one, kept as tuples of one, as PyTorch keeps them.

    Attributes:
        weight: (in_channels, out_channels / groups, k), PyTorch's layout.
        bias: (out_channels,) or None.
    Both start from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = out_channels / groups * k
    (PyTorch's, from the weight's second axis).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 name=None, *, device=None, dtype=None):
        self._build("ConvTranspose1d", _single, in_channels, out_channels, kernel_size, stride,
                    padding, output_padding, groups, bias, dilation, padding_mode, name,
                    device, dtype)

    def forward(self, x, output_size=None):
        """``output_size`` (OL, or the whole shape, PyTorch's argument) picks the
        output_padding that gives it."""
        where = f"ConvTranspose1d {self.name!r}"
        x = _as_input(x, self.weight.dtype)
        if np.ndim(x) != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"{where}: expected sequences (N, {self.in_channels}, L), got "
                             f"shape {np.shape(x)}")
        output_padding = self.output_padding
        if output_size is not None:
            (k,), (s,), (p,), (d,) = self.kernel_size, self.stride, self.padding, self.dilation
            smallest = (x.shape[2] - 1) * s - 2 * p + d * (k - 1) + 1
            size = tuple(output_size)[-1] if isinstance(output_size, (tuple, list)) \
                else output_size
            if not smallest <= size < smallest + max(s, d):
                raise ValueError(f"{where}: output_size {output_size} is not one this layer "
                                 f"can make from length {x.shape[2]}: lengths "
                                 f"{smallest}..{smallest + max(s, d) - 1}")
            output_padding = (size - smallest,)
        try:
            return functional.conv_transpose1d(x, self.weight, self.bias, self.stride,
                                               self.padding, output_padding, self.groups,
                                               self.dilation)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def get_config(self):
        return _with_dtype({"name": self.name, "in_channels": self.in_channels,
                            "out_channels": self.out_channels, "kernel_size": self.kernel_size,
                            "stride": self.stride, "padding": self.padding,
                            "output_padding": self.output_padding, "groups": self.groups,
                            "bias": self.bias is not None, "dilation": self.dilation},
                           self.weight.dtype)

    def extra_repr(self):
        extra = f", output_padding={self.output_padding}" if any(self.output_padding) else ""
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}{extra}")
