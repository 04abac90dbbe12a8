"""PyTorch's names for layers: ``Linear``, ``LazyLinear``, ``Conv1d``, ``Conv2d``,
``ConvTranspose1d``, ``ConvTranspose2d``, ``AvgPool1d``, ``AvgPool2d``, ``LPPool1d``,
``LPPool2d``, ``AdaptiveAvgPool2d``, ``Unflatten``, ``Dropout1d``, ``Dropout2d``,
``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d`` and ``Parameter`` (the
max pools are in ``torch_pooling``, the padding layers in ``torch_padding``).

They hold ``weight`` and ``bias`` in PyTorch's shapes, so ``state_dict()`` has PyTorch's
keys ("0.weight", "fc1.bias") and a PyTorch model's weights load by name. Images are
channels_first, (N, C, H, W), as in PyTorch. The same sums as Keras's ``Dense`` and
``Conv2D`` underneath; only the layouts and the initialisation differ.

>>> import nn
>>> model = nn.Sequential([nn.Linear(3, 1), nn.Flatten(0, 1)])
>>> [(name, p.shape) for name, p in model.named_parameters()]
[('0.weight', (1, 3)), ('0.bias', (1,))]

Names shared with Keras: ``nn.Flatten`` is one layer that takes both's arguments
(``Flatten(0, 1)``, ``Flatten(data_format=...)``); ``nn.ReLU`` takes PyTorch's
``inplace``; ``nn.Sequential`` takes Keras's list or PyTorch's modules as
arguments. PyTorch's loss modules are in ``torch_losses`` and ``torch_distance_losses``,
its normalization layers in ``torch_norm``, ``ModuleList`` and ``ModuleDict`` in
``torch_containers``, and its activation modules (``GELU``, ``SiLU``...) in
``torch_activations``.
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from . import functional
from .functional import _pair
from .keras_module import float_dtype, with_dtype as _with_dtype
from .layers import _as_input, _flag, _real
from .module import Module
from .noise import SpatialDropout2D
from .torch_random_functions import _probability
from .torch_padding import pad_as_torch

__all__ = ["Parameter", "Linear", "Conv1d", "Conv2d", "AvgPool2d",
           "AdaptiveAvgPool2d", "ConvTranspose2d", "Unflatten", "Dropout2d", "Upsample",
           "AvgPool1d", "LazyLinear", "ConvTranspose1d", "Dropout1d", "UpsamplingNearest2d",
           "UpsamplingBilinear2d", "LPPool1d", "LPPool2d"]


class Parameter(ag.Variable):
    """PyTorch's ``nn.Parameter(data, requires_grad=True)``: a Variable a Module finds.

    ``requires_grad=False`` makes it a non-trainable Variable. Setting ``p.requires_grad
    = False`` later freezes it as in PyTorch: no gradient is computed for it, so an
    optimizer skips it (its ``grad`` stays None).
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:  # PyTorch's Parameter() is an empty tensor
            data = np.zeros((0,), ag.get_default_dtype())
        if isinstance(data, ag.Value):
            data = data.numpy()
        super().__init__(data, trainable=requires_grad)

    # Value keeps requires_grad in a slot; this property reads and writes that slot and
    # keeps ``trainable`` in step, so a frozen Parameter also leaves trainable_variables.
    _requires_grad_slot = ag.Value.requires_grad

    @property
    def requires_grad(self):
        return Parameter._requires_grad_slot.__get__(self)

    @requires_grad.setter
    def requires_grad(self, flag):
        Parameter._requires_grad_slot.__set__(self, bool(flag))
        self.trainable = bool(flag)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _size(n, what, where):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{where}: {what} must be a positive integer, got {n!r}")
    return int(n)


def _factory_dtype(device, dtype, layer, name):
    """PyTorch's factory keywords of a layer that makes weights, checked before the layer
    makes anything (its name included): ``device``, the CPU only here (None, "cpu",
    "cpu:0"); ``dtype``, a float dtype, or None for the default one (``float_dtype``,
    shared with Keras's layers). Returns the dtype, None for None."""
    where = layer if name is None else f"{layer} {name!r}"
    try:
        ag.device("cpu" if device is None else device)
    except ValueError:
        raise ValueError(f"{where}: device must be the CPU, 'cpu' (autograd_core runs on the "
                         f"CPU only), got device={device!r}") from None
    return float_dtype(dtype, layer, name)


def _kaiming_uniform(shape, fan_in, dtype):
    """PyTorch's default init of Linear and Conv2d: kaiming_uniform_(a=sqrt(5)) for the
    weight, which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias:
    gain sqrt(2 / (1 + 5)) times sqrt(3 / fan_in) is 1/sqrt(fan_in)."""
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return ag.random.uniform(shape, -bound, bound, dtype=dtype).numpy()


class Linear(Module):
    """y = x @ weight.T + bias: (..., in_features) -> (..., out_features)

    Args (PyTorch's):
        in_features, out_features: the sizes.  bias=True: add the bias.  Keywords:
        device=None ("cpu", the only device), dtype=None (the weights' float dtype; None:
        the default).

    Attributes:
        weight: (out_features, in_features), PyTorch's layout (Keras's Dense keeps the
            transpose, (n_in, units)).  bias: (out_features,) or None.
    Both start from U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's default.
    """

    def __init__(self, in_features, out_features, bias=True, name=None, *, device=None,
                 dtype=None):
        dtype = _factory_dtype(device, dtype, "Linear", name)
        super().__init__(name)
        where = f"Linear {self.name!r}"
        self.in_features = _size(in_features, "in_features", where)
        self.out_features = _size(out_features, "out_features", where)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(_kaiming_uniform((self.out_features, self.in_features),
                                                 self.in_features, dtype))
        self.bias = Parameter(_kaiming_uniform((self.out_features,), self.in_features,
                                               dtype)) if bias else None
        self.input_shape = (None, self.in_features)

    def forward(self, x):
        x = _as_input(x, self.weight.dtype)
        if np.ndim(x) < 1 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear {self.name!r}: expected input of shape (..., "
                             f"{self.in_features}), got {np.shape(x)} (weight shape "
                             f"{self.weight.shape})")
        return ag.linear(x, ag.transpose(self.weight), self.bias)

    def get_config(self):
        return _with_dtype({"name": self.name, "in_features": self.in_features,
                            "out_features": self.out_features, "bias": self.bias is not None},
                           self.weight.dtype)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class LazyLinear(Linear):
    """y = x @ weight.T + bias, ``Linear`` with in_features read from the first input's
    last axis: (..., in_features) -> (..., out_features).

    Until that first call ``in_features`` is 0 and ``weight`` and ``bias`` are None, so
    ``parameters()`` and ``state_dict()`` hold nothing (PyTorch holds uninitialized
    parameters there): make the optimizer, and load a state_dict, after one call. The call
    makes the weights as Linear's (U(-1/sqrt(in_features), 1/sqrt(in_features))) and turns
    the layer into a Linear, its class included, as PyTorch's does.

    Args (PyTorch's): out_features, bias=True; keywords device=None ("cpu"), dtype=None.
    """

    def __init__(self, out_features, bias=True, name=None, *, device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "LazyLinear", name)
        where = "LazyLinear" if name is None else f"LazyLinear {name!r}"
        out_features = _size(out_features, "out_features", where)
        use_bias = _flag(bias, "bias", where)
        Module.__init__(self, name)
        self.in_features, self.out_features = 0, out_features
        self.weight = self.bias = None
        self._use_bias = use_bias
        self._dtype = ag.get_default_dtype() if dtype is None else dtype

    def forward(self, x):
        x = _as_input(x, self._dtype)
        if np.ndim(x) < 1 or x.shape[-1] < 1:
            raise ValueError(f"LazyLinear {self.name!r}: expected input of shape (..., "
                             f"in_features) with in_features >= 1, got {np.shape(x)}")
        n = int(x.shape[-1])
        self.weight = Parameter(_kaiming_uniform((self.out_features, n), n, self._dtype))
        self.bias = Parameter(_kaiming_uniform((self.out_features,), n, self._dtype)) \
            if self._use_bias else None
        self.in_features, self.input_shape = n, (None, n)
        del self._use_bias, self._dtype
        self.__class__ = Linear  # PyTorch's cls_to_become
        return Linear.forward(self, x)

    def get_config(self):
        return _with_dtype({"name": self.name, "out_features": self.out_features,
                            "bias": self._use_bias}, self._dtype)

    def extra_repr(self):
        return (f"in_features=0, out_features={self.out_features}, "
                f"bias={self._use_bias}")


def _single(value, what, where, minimum=1):
    """PyTorch's 1-D size arguments: an int >= minimum, or a tuple of one."""
    items = (value,) if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    n = items[0] if len(items) == 1 else None
    if not isinstance(n, numbers.Integral) or isinstance(n, (bool, np.bool_)) or n < minimum:
        raise ValueError(f"{where}: {what} must be an int >= {minimum} or a tuple of one, "
                         f"got {value!r}")
    return (int(n),)


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


def _check_images(x, channels, where):
    if np.ndim(x) != 4:
        raise ValueError(f"{where}: expected images (N, C, H, W), got shape {np.shape(x)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{where}: expected {channels} channels, (N, {channels}, H, W), got "
                         f"shape {x.shape}")


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
        fan_in = self.in_channels // self.groups * math.prod(self.kernel_size)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(_kaiming_uniform(
            (self.out_channels, self.in_channels // self.groups) + self.kernel_size, fan_in,
            dtype))
        self.bias = Parameter(_kaiming_uniform((self.out_channels,), fan_in, dtype)) \
            if bias else None

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
        fan_in = in_channels // groups * kernel_size[0]
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(_kaiming_uniform(
            (out_channels, in_channels // groups) + kernel_size, fan_in, dtype))
        self.bias = Parameter(_kaiming_uniform((out_channels,), fan_in, dtype)) \
            if use_bias else None

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


def _window_args(kernel_size, stride, padding, where):
    """A pooling's kernel_size, stride (kernel_size when None) and padding as pairs; the
    padding at most half the kernel, as PyTorch requires."""
    kernel_size = _pair(kernel_size, "kernel_size", where)
    stride = kernel_size if stride is None else _pair(stride, "stride", where)
    padding = _pair(padding, "padding", where, minimum=0)
    if any(2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"{where}: padding {padding} must be at most half the kernel_size "
                         f"{kernel_size}, as in PyTorch")
    return kernel_size, stride, padding


class AvgPool2d(Module):
    """y = the mean of each kernel_size window, channels first: (N, C, H, W) -> (N, C, OH,
    OW), OH = (H + 2 * ph - kh) // sh + 1; the zero padding counts in the mean.

    Args (PyTorch's): kernel_size, stride=None (kernel_size), padding=0 (an int or a pair,
    at most half the kernel), ceil_mode=False, count_include_pad=True,
    divisor_override=None. What ``functional.avg_pool2d`` does not support, ceil_mode=True,
    a divisor_override, or count_include_pad=False with padding, raises
    NotImplementedError here at once.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None, name=None):
        super().__init__(name)
        where = f"AvgPool2d {self.name!r}"
        kernel_size, stride, padding = _window_args(kernel_size, stride, padding, where)
        if _flag(ceil_mode, "ceil_mode", where):
            raise NotImplementedError(f"{where}: ceil_mode=True is not supported (only "
                                      "ceil_mode=False)")
        if divisor_override is not None:
            raise NotImplementedError(f"{where}: divisor_override={divisor_override!r} is not "
                                      "supported (only divisor_override=None)")
        if not _flag(count_include_pad, "count_include_pad", where) and any(padding):
            raise NotImplementedError(f"{where}: count_include_pad=False with padding "
                                      f"{padding} is not supported")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        where = f"AvgPool2d {self.name!r}"
        x = _as_input(x, ag.get_default_dtype())
        _check_images(x, None, where)
        try:
            return functional.avg_pool2d(x, self.kernel_size, self.stride, self.padding)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def get_config(self):
        return {"name": self.name, "kernel_size": self.kernel_size, "stride": self.stride,
                "padding": self.padding, "count_include_pad": self.count_include_pad}

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """y = the mean over each cell of an output_size grid laid on the image: (N, C, H, W)
    -> (N, C, OH, OW); ``AdaptiveAvgPool2d(1)`` is the global average.

    Args (PyTorch's): output_size, an int or a pair (OH, OW), either of which may be None
    (the input's size). PyTorch's cells: equal when it divides the image's height and
    width, else cell i spans [floor(i * H / OH), ceil((i + 1) * H / OH)) (overlapping).
    """

    def __init__(self, output_size, name=None):
        super().__init__(name)
        where = f"AdaptiveAvgPool2d {self.name!r}"
        sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) \
            else output_size
        try:
            sizes = tuple(sizes)
        except TypeError:
            sizes = ()
        if len(sizes) != 2 or not all(n is None or (
                isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_)) and n > 0)
                for n in sizes):
            raise ValueError(f"{where}: output_size must be a positive int or a pair of them "
                             f"(or None), got {output_size!r}")
        self.output_size = tuple(None if n is None else int(n) for n in sizes)

    def forward(self, x):
        where = f"AdaptiveAvgPool2d {self.name!r}"
        x = _as_input(x, ag.get_default_dtype())
        _check_images(x, None, where)
        try:
            return functional.adaptive_avg_pool2d(x, self.output_size)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def get_config(self):
        return {"name": self.name, "output_size": self.output_size}

    def extra_repr(self):
        return f"output_size={self.output_size}"


class ConvTranspose2d(Module):
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
        dtype = _factory_dtype(device, dtype, "ConvTranspose2d", name)
        where = "ConvTranspose2d" if name is None else f"ConvTranspose2d {name!r}"
        in_channels, out_channels, groups = _conv_channels(in_channels, out_channels, groups,
                                                           where)
        kernel_size = _pair(kernel_size, "kernel_size", where)
        stride = _pair(stride, "stride", where)
        padding = _pair(padding, "padding", where, minimum=0)
        output_padding = _pair(output_padding, "output_padding", where, minimum=0)
        dilation = _pair(dilation, "dilation", where)
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
        fan_in = out_channels // groups * math.prod(kernel_size)
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(_kaiming_uniform(
            (in_channels, out_channels // groups) + kernel_size, fan_in, dtype))
        self.bias = Parameter(_kaiming_uniform((out_channels,), fan_in, dtype)) \
            if use_bias else None

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


class ConvTranspose1d(Module):
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
        dtype = _factory_dtype(device, dtype, "ConvTranspose1d", name)
        where = "ConvTranspose1d" if name is None else f"ConvTranspose1d {name!r}"
        in_channels, out_channels, groups = _conv_channels(in_channels, out_channels, groups,
                                                           where)
        kernel_size = _single(kernel_size, "kernel_size", where)
        stride = _single(stride, "stride", where)
        padding = _single(padding, "padding", where, minimum=0)
        output_padding = _single(output_padding, "output_padding", where, minimum=0)
        dilation = _single(dilation, "dilation", where)
        use_bias = _flag(bias, "bias", where)
        if padding_mode != "zeros":
            raise ValueError(f"{where}: only padding_mode='zeros' is supported for transposed "
                             f"convolutions (as in PyTorch), got {padding_mode!r}")
        if output_padding[0] >= max(stride[0], dilation[0]):
            raise ValueError(f"{where}: output_padding {output_padding} must be smaller than "
                             f"the stride {stride} or the dilation {dilation}, as in PyTorch")
        super().__init__(name)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.output_padding, self.dilation = output_padding, dilation
        fan_in = out_channels // groups * kernel_size[0]
        dtype = ag.get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(_kaiming_uniform(
            (in_channels, out_channels // groups) + kernel_size, fan_in, dtype))
        self.bias = Parameter(_kaiming_uniform((out_channels,), fan_in, dtype)) \
            if use_bias else None

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


class Unflatten(Module):
    """y = x with axis ``dim`` split into ``unflattened_size`` (PyTorch's): Unflatten(1,
    (1, 28, 28)) takes (N, 784) to (N, 1, 28, 28). One size may be -1 (the rest)."""

    def __init__(self, dim, unflattened_size, name=None):
        where = "Unflatten" if name is None else f"Unflatten {name!r}"
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"{where}: dim must be an int, got {dim!r}")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, (tuple, list)) else ()
        if not sizes or any(isinstance(n, (bool, np.bool_)) or not isinstance(
                n, numbers.Integral) or (n < 1 and n != -1) for n in sizes) or \
                list(sizes).count(-1) > 1:
            raise ValueError(f"{where}: unflattened_size must be a tuple of sizes >= 1 (one "
                             f"may be -1), got {unflattened_size!r}")
        super().__init__(name)
        self.dim, self.unflattened_size = int(dim), tuple(int(n) for n in sizes)

    def forward(self, x):
        x = x if isinstance(x, ag.Value) else ag.constant(x)
        dim = self.dim + x.ndim if self.dim < 0 else self.dim
        if not 0 <= dim < x.ndim:
            raise ValueError(f"Unflatten {self.name!r}: dim {self.dim} is out of range for an "
                             f"input of shape {x.shape}")
        known = math.prod(n for n in self.unflattened_size if n != -1)
        if (x.shape[dim] % known if -1 in self.unflattened_size else x.shape[dim] != known):
            raise ValueError(f"Unflatten {self.name!r}: sizes {self.unflattened_size} do not "
                             f"make axis {self.dim} of {x.shape[dim]} elements (input shape "
                             f"{x.shape})")
        return ag.reshape(x, x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def get_config(self):
        return {"name": self.name, "dim": self.dim, "unflattened_size": self.unflattened_size}

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout2d(SpatialDropout2D):
    """PyTorch's ``Dropout2d(p=0.5, inplace=False)``: in training mode each channel of each
    image, (N, C, H, W), is zeroed whole with probability p and the rest scaled by
    1 / (1 - p); Keras's SpatialDropout2D with channels first. ``inplace`` gives the same
    numbers in a new array (an input changed in place would break its graph here)."""

    def __init__(self, p=0.5, inplace=False, name=None, *, seed=None):
        where = "Dropout2d" if name is None else f"Dropout2d {name!r}"
        _flag(inplace, "inplace", where)
        super().__init__(p, data_format="channels_first", seed=seed, name=name)
        self.inplace = bool(inplace)

    @property
    def p(self):
        return self.rate

    def get_config(self):
        return {"name": self.name, "p": self.rate, "inplace": self.inplace}

    def extra_repr(self):
        return f"p={self.rate}, inplace={self.inplace}"


class Dropout1d(Module):
    """In training mode each channel of each sequence, (N, C, L) or (C, L), is zeroed whole
    with probability p and the others scaled by 1 / (1 - p) (``functional.dropout1d``);
    in eval mode y = x.  Args (PyTorch's): p=0.5, inplace=False (accepted; the result is
    a new Value). The mask comes from ``ag.random`` (``ag.manual_seed``)."""

    def __init__(self, p=0.5, inplace=False, name=None):
        where = "Dropout1d" if name is None else f"Dropout1d {name!r}"
        p, inplace = _probability(p, where), _flag(inplace, "inplace", where)
        super().__init__(name)
        self.p, self.inplace = p, inplace

    def forward(self, x):
        where = f"Dropout1d {self.name!r}"
        if np.ndim(x) not in (2, 3):
            raise ValueError(f"{where}: expected a 3-D batched (N, C, L) or 2-D unbatched "
                             f"(C, L) input, got shape {np.shape(x)}")
        if not self.training or self.p == 0:
            return x
        return functional.dropout1d(_as_input(x, ag.get_default_dtype()), self.p, True)

    def get_config(self):
        return {"name": self.name, "p": self.p, "inplace": self.inplace}

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Upsample(Module):
    """PyTorch's ``nn.Upsample``: ``functional.interpolate`` as a layer, for (N, C, L)
    sequences and (N, C, H, W) images.

    Args (PyTorch's): size=None or scale_factor=None (one of them), mode="nearest"
    ("nearest-exact", "linear", "bilinear"), align_corners=None, recompute_scale_factor=None.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None, name=None):
        where = "Upsample" if name is None else f"Upsample {name!r}"
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{where}: give either size or scale_factor (as PyTorch)")
        if mode not in ("nearest", "nearest-exact", "linear", "bilinear"):
            raise NotImplementedError(f"{where}: mode {mode!r} is not supported; use "
                                      "'nearest', 'nearest-exact', 'linear' or 'bilinear'")
        super().__init__(name)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return functional.interpolate(x, self.size, self.scale_factor, self.mode,
                                      self.align_corners, self.recompute_scale_factor)

    def get_config(self):
        return {"name": self.name, "size": self.size, "scale_factor": self.scale_factor,
                "mode": self.mode, "align_corners": self.align_corners,
                "recompute_scale_factor": self.recompute_scale_factor}

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else \
            f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """PyTorch's ``Upsample(size, scale_factor, mode="nearest")`` for images (N, C, H, W).
    Args (PyTorch's): size=None or scale_factor=None (one of them)."""

    def __init__(self, size=None, scale_factor=None, name=None):
        super().__init__(size, scale_factor, "nearest", name=name)

    def forward(self, x):
        _check_images(x, None, f"{type(self).__name__} {self.name!r}")
        return super().forward(x)

    def get_config(self):
        return {"name": self.name, "size": self.size, "scale_factor": self.scale_factor}


class UpsamplingBilinear2d(UpsamplingNearest2d):
    """PyTorch's ``Upsample(size, scale_factor, mode="bilinear", align_corners=True)`` for
    images (N, C, H, W): the corner pixels' centres stay on each other.
    Args (PyTorch's): size=None or scale_factor=None (one of them)."""

    def __init__(self, size=None, scale_factor=None, name=None):
        Upsample.__init__(self, size, scale_factor, "bilinear", align_corners=True,
                          name=name)


class _Pool1d(Module):
    """AvgPool1d's PyTorch arguments, checked when made (MaxPool1d is in torch_pooling)."""

    def __init__(self, kernel_size, stride=None, padding=0, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        kernel_size = _single(kernel_size, "kernel_size", where)
        stride = kernel_size if stride is None else _single(stride, "stride", where)
        padding = _single(padding, "padding", where, minimum=0)
        if 2 * padding[0] > kernel_size[0]:
            raise ValueError(f"{where}: padding {padding} must be at most half the "
                             f"kernel_size {kernel_size}, as in PyTorch")
        super().__init__(name)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        x = _as_input(x, ag.get_default_dtype())
        return type(self).pool(x, self.kernel_size, self.stride, self.padding)

    def get_config(self):
        return {"name": self.name, "kernel_size": self.kernel_size, "stride": self.stride,
                "padding": self.padding}

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_Pool1d):
    """y = the mean of each window along the last axis (the zero padding counts, PyTorch's
    default): (N, C, L) -> (N, C, OL).  Args (PyTorch's): kernel_size, stride=None,
    padding=0."""
    pool = staticmethod(functional.avg_pool1d)


class _LPPool(Module):
    """What LPPool1d and LPPool2d share: PyTorch's arguments, checked when made."""

    sizes = None
    pool = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        if not (isinstance(norm_type, numbers.Real) and norm_type == math.inf):
            p = _real(norm_type, "norm_type", where, 0.0, math.inf)
            if p == 0:
                raise ValueError(f"{where}: norm_type must be > 0, got {norm_type!r}")
        type(self).sizes(kernel_size, "kernel_size", where)
        if stride is not None:
            type(self).sizes(stride, "stride", where)
        if _flag(ceil_mode, "ceil_mode", where):
            raise NotImplementedError(f"{where}: ceil_mode=True is not supported (only "
                                      "ceil_mode=False)")
        super().__init__(name)
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = False

    def forward(self, x):
        x = _as_input(x, ag.get_default_dtype())
        try:
            return type(self).pool(x, self.norm_type, self.kernel_size, self.stride)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, "norm_type": self.norm_type,
                "kernel_size": self.kernel_size, "stride": self.stride}

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    """y = (sum of x**p over each window) ** (1 / p), p = norm_type (1: sum pooling, inf:
    max pooling), along the last axis: (N, C, L) -> (N, C, OL), OL = (L - k) // s + 1.
    Args (PyTorch's): norm_type, kernel_size, stride=None (kernel_size), ceil_mode=False
    (the only choice here)."""

    sizes = staticmethod(_single)
    pool = staticmethod(functional.lp_pool1d)


class LPPool2d(_LPPool):
    """y = (sum of x**p over each window) ** (1 / p), p = norm_type (1: sum pooling, inf:
    max pooling): (N, C, H, W) -> (N, C, OH, OW), OH = (H - kh) // sh + 1.
    Args (PyTorch's): norm_type, kernel_size (an int or a pair), stride=None
    (kernel_size), ceil_mode=False (the only choice here)."""

    sizes = staticmethod(_pair)
    pool = staticmethod(functional.lp_pool2d)
