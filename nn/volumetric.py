"""Volumetric (3-D) layers for videos and scans, Keras's and PyTorch's, and PyTorch's
functions ``conv3d``, ``conv_transpose3d``, ``max_pool3d``, ``max_unpool3d``,
``avg_pool3d``, ``adaptive_avg_pool3d`` and ``adaptive_max_pool3d``.

Keras's: ``Conv3D``, ``Conv3DTranspose``, ``MaxPooling3D`` (``MaxPool3D``),
``AveragePooling3D`` (``AvgPool3D``), ``GlobalAveragePooling3D``, ``GlobalMaxPooling3D``,
``UpSampling3D``, ``ZeroPadding3D``, ``Cropping3D``, ``SpatialDropout3D``; channels last,
(batch, depth, rows, cols, channels), the kernel kept as Keras keeps it, (kd, kh, kw, in,
filters).

PyTorch's: ``Conv3d``, ``ConvTranspose3d``, ``MaxPool3d``, ``MaxUnpool3d``, ``AvgPool3d``,
``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``, ``BatchNorm3d``, ``Dropout3d``, ``ConstantPad3d``, ``ZeroPad3d``,
``ReflectionPad3d``, ``ReplicationPad3d``, ``CircularPad3d``; channels first, (N, C, D, H,
W), weight (out_channels, in_channels / groups, kd, kh, kw).

The sums are ``ag.conv3d``, ``ag.conv3d_transpose`` (ops of their own), ``ag.max_pool3d``
and ``ag.avg_pool3d`` (the 2-D poolings run once per depth tap on the depth slices folded
into the batch); first and second derivatives come with them. The layers only check
their arguments, hold the weights and pick the layout.

>>> import nn.volumetric as v
>>> model = [v.Conv3D(8, 3, padding="same", input_shape=(4, 8, 8, 1)), v.MaxPooling3D(2)]
>>> model[0].W.shape, v.Conv3d(1, 8, 3).weight.shape
((3, 3, 3, 1, 8), (8, 1, 3, 3, 3))
"""

import numbers

import numpy as np

import autograd_core as ag

from .conv_layers import _Conv, _GlobalPooling2D, _Pooling, _ints, _named
from .keras_module import built_size
from .basic_layers import _as_input, _flag
from .noise import _SpatialDropout
from .spatial import _counts, _output_padding, _Resize, _transpose_length
from .torch_conv import _Conv as _TorchConv, _conv_channels, _padding_mode
from .torch_dropout import _ChannelsFirstDropout
from .torch_layers import _factory_dtype, _weight_and_bias
from .torch_norm import _BatchNorm
from .torch_padding import _ConstantPad, _Pad, pad_as_torch
from .torch_pooling import AdaptiveMaxPool2d, MaxUnpool2d, _Pool
from .volumetric_functional import (_output_size, _pool_window, _triple, adaptive_avg_pool3d,
                                   adaptive_max_pool3d, avg_pool3d, conv3d, conv_transpose3d,
                                   max_pool3d, max_unpool3d)

__all__ = [
    # Keras's
    "Conv3D", "Conv3DTranspose", "MaxPooling3D", "MaxPool3D", "AveragePooling3D",
    "AvgPool3D", "GlobalAveragePooling3D", "GlobalMaxPooling3D", "UpSampling3D",
    "ZeroPadding3D", "Cropping3D", "SpatialDropout3D",
    # PyTorch's
    "Conv3d", "ConvTranspose3d", "MaxPool3d", "MaxUnpool3d", "AvgPool3d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool3d", "BatchNorm3d", "Dropout3d", "ConstantPad3d", "ZeroPad3d",
    "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d",
    "conv3d", "conv_transpose3d", "max_pool3d", "max_unpool3d", "avg_pool3d",
    "adaptive_avg_pool3d", "adaptive_max_pool3d",
]


def _where(layer):
    return f"{type(layer).__name__} {layer.name!r}"


def _check_volumes(x, data_format, where):
    """x must be (batch, depth, rows, cols, channels), or (batch, channels, depth, rows,
    cols) for channels_first."""
    if np.ndim(x) != 5:
        axes = "(batch, channels, depth, rows, cols)" if data_format == "channels_first" \
            else "(batch, depth, rows, cols, channels)"
        raise ValueError(f"{where}: expected input of rank 5, {axes}, got shape {np.shape(x)}")


# --- Keras's layers ---------------------------------------------------------------------


class Conv3D(_Conv):
    """y = activation(x ⋆ W + b): (batch, depth, rows, cols, in) -> (batch, new_depth,
    new_rows, new_cols, filters), new_depth = (depth - (kd - 1) * dd - 1) // sd + 1 with
    "valid" padding, ceil(depth / sd) with "same".

    Args (Keras's defaults):
        filters, kernel_size (an int or 3 ints), strides=(1, 1, 1), padding="valid"
        ("same" too), data_format=None (channels_last; "channels_first" takes (batch, in,
        depth, rows, cols)), dilation_rate=(1, 1, 1) (strides > 1 and dilation_rate > 1
        exclude each other, as Keras), groups=1, activation=None, use_bias=True,
        kernel_initializer="glorot_uniform", bias_initializer="zeros",
        kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
        kernel_constraint=None, bias_constraint=None; input_shape=None (depth, rows, cols,
        in) to build now, name=None, seed=None; dtype=None, a keyword. As Conv2D's.

    Attributes:
        W: the kernel (kd, kh, kw, in / groups, filters), Keras's ``kernel``.  b:
        (filters,), ``bias``; None without use_bias.
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, input_shape=None, name=None,
                 seed=None, *, dtype=None):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         input_shape, name, seed, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, groups=groups, dtype=dtype,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    def forward(self, x):
        where = _where(self)
        x = _as_input(x, self._float_dtype() if self.W is None else self.W.dtype)
        _check_volumes(x, self.data_format, where)
        first = self.data_format == "channels_first"
        channels = x.shape[1 if first else -1]
        if self.W is None:
            self.build(channels)
        if channels != self.W.shape[-2] * self.groups:
            raise ValueError(f"{where}: built for {self.W.shape[-2] * self.groups} input "
                             f"channels, got input of shape {x.shape} ({self.data_format})")
        # Keras keeps (kd, kh, kw, in, out) in both layouts; the op wants (out, in, k...)
        # for channels_first.
        kernel = ag.transpose(self.W, (4, 3, 0, 1, 2)) if first else self.W
        z = _named(where, ag.conv3d, x, kernel, self.strides, self.padding,
                   self.dilation_rate, self.data_format, bias=self.b, groups=self.groups)
        return self.activation(z)


class Conv3DTranspose(_Conv):
    """y = activation(x ⋆ᵀ W + b), the transpose of a Conv3D: (batch, depth, rows, cols,
    in) -> (batch, new_depth, new_rows, new_cols, filters), new_depth = depth * sd +
    max(kd - sd, 0) ("valid") or depth * sd ("same"); each input cell adds W times itself
    to a kd x kh x kw window of the output. dL/dx = g ⋆ W (a convolution).

    Args (Keras's defaults): filters, kernel_size, strides=(1, 1, 1), padding="valid",
        output_padding=None (cells added after the output along each axis, each < its
        stride), data_format=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
        kernel_initializer="glorot_uniform", bias_initializer="zeros", the regularizers and
        constraints, input_shape=None, name=None, seed=None; dtype=None, a keyword.

    Attributes:
        W: the kernel (kd, kh, kw, filters, in), Keras's ``kernel`` (the kernel of the
        Conv3D this layer transposes).  b: (filters,).
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 input_shape=None, name=None, seed=None, *, dtype=None):
        where = "Conv3DTranspose" if name is None else f"Conv3DTranspose {name!r}"
        # checked first: _Conv builds when it can
        self.output_padding = _output_padding(output_padding, strides, 3, where)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         input_shape, name, seed, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, dtype=dtype,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    def build(self, in_channels):
        """W (kd, kh, kw, filters, in_channels), b (filters,); ``in_channels`` or the
        input's shape (Keras's build)."""
        in_channels = built_size(in_channels, self.data_format == "channels_first")
        dtype = self._float_dtype()
        shape = self.kernel_size + (self.filters, in_channels)
        self.W = ag.Variable(self.kernel_initializer(shape, dtype), name=f"{self.name}/W",
                             constraint=self.kernel_constraint)
        if self.use_bias:
            self.b = ag.Variable(self.bias_initializer((self.filters,), dtype),
                                 name=f"{self.name}/b", constraint=self.bias_constraint)

    def forward(self, x):
        where = _where(self)
        x = _as_input(x, self._float_dtype() if self.W is None else self.W.dtype)
        _check_volumes(x, self.data_format, where)
        first = self.data_format == "channels_first"
        channels = x.shape[1 if first else -1]
        if self.W is None:
            self.build(channels)
        if channels != self.W.shape[-1]:
            raise ValueError(f"{where}: built for {self.W.shape[-1]} input channels, got input "
                             f"of shape {x.shape} ({self.data_format})")
        sizes = x.shape[2:] if first else x.shape[1:4]
        output_padding = self.output_padding or (None,) * 3
        out, pads = zip(*(_transpose_length(*args, self.padding, p) for args, p in zip(
            zip(sizes, self.kernel_size, self.strides, self.dilation_rate), output_padding)))
        # the op wants (in, filters, kd, kh, kw) for channels_first, PyTorch's layout
        kernel = ag.transpose(self.W, (4, 3, 0, 1, 2)) if first else self.W
        y = _named(where, ag.conv3d_transpose, x, kernel, out, self.strides, pads,
                   self.dilation_rate, self.data_format)
        if self.b is not None:
            y = ag.bias_add(y, self.b, self.data_format)
        return self.activation(y)

    def get_config(self):
        config = super().get_config()
        del config["groups"]  # Keras's Conv3DTranspose has none
        config["output_padding"] = self.output_padding
        return config


class _Pooling3D(_Pooling):
    """The window poolings of volumes: Keras's arguments, one op."""

    rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, *, dtype=None):
        super().__init__(pool_size, strides, padding, data_format, name, dtype)

    def forward(self, x):
        where = _where(self)
        x = _as_input(x, self._float_dtype())
        _check_volumes(x, self.data_format, where)
        return _named(where, self.op, x, self.pool_size, self.strides, self.padding,
                      self.data_format)


class MaxPooling3D(_Pooling3D):
    """y = the max of each pool_size window of each channel: (batch, depth, rows, cols, c)
    -> (batch, depth // pd, rows // ph, cols // pw, c) with the default strides, "valid";
    ceil(depth / sd) ... with "same" (padding never wins).

    Args (Keras's): pool_size=(2, 2, 2), strides=None (pool_size), padding="valid",
    data_format=None. The gradient goes to each window's max (the first, on ties).
    """

    op = staticmethod(ag.max_pool3d)


class AveragePooling3D(_Pooling3D):
    """y = the mean of each window of each channel; args as MaxPooling3D's. With "same" a
    border window averages its real cells only (as Keras). dL/dx = g / count, shared over
    the window."""

    op = staticmethod(ag.avg_pool3d)


MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D


class _GlobalPooling3D(_GlobalPooling2D):
    """One number per channel, over depth, rows and cols."""

    rank = 3

    def forward(self, x):
        _check_volumes(x, self.data_format, _where(self))
        return super().forward(x)


class GlobalAveragePooling3D(_GlobalPooling3D):
    """y[n, c] = mean over depth, rows and cols of x[n, ..., c]: (batch, depth, rows, cols,
    c) -> (batch, c), or (batch, 1, 1, 1, c) with keepdims. dL/dx = g / (depth * rows *
    cols) at every cell.

    Args (Keras's): data_format=None (channels_last), keepdims=False.
    """

    reduce = staticmethod(ag.mean)


class GlobalMaxPooling3D(_GlobalPooling3D):
    """y[n, c] = max over depth, rows and cols of x[n, ..., c]; the gradient goes to the
    max. Args as GlobalAveragePooling3D's."""

    reduce = staticmethod(ag.max)


class _Resize3D(_Resize):
    rank = 3

    def forward(self, x):
        _check_volumes(x, self.data_format, self.where)
        return super().forward(x)


class UpSampling3D(_Resize3D):
    """y = x with each depth slice, row and column repeated size[0], size[1] and size[2]
    times ("nearest"): (batch, depth, rows, cols, c) -> (batch, depth * s0, rows * s1,
    cols * s2, c). The gradient of an input cell is the sum of its block's.

    Args (Keras's): size=(2, 2, 2), an int or 3 ints; data_format=None (channels_last).
    """

    def __init__(self, size=(2, 2, 2), data_format=None, input_shape=None, name=None, *,
                 dtype=None):
        super().__init__(data_format, input_shape, name, dtype)
        self.size = _ints(size, 3, "size", self.where)

    def resize(self, x, axes):
        for axis, factor in zip(axes, self.size):
            x = ag.repeat(x, factor, axis=axis)
        return x

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


def _triple_pairs(value, what, where):
    """ZeroPadding3D's and Cropping3D's argument as 3 (before, after) pairs: an int (all
    six), 3 ints (each on both sides), or 3 pairs."""
    if isinstance(value, numbers.Integral):
        return (_counts(value, 2, what, where),) * 3
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise ValueError(f"{where}: {what} must be an int, 3 ints (depth, rows, cols) or 3 "
                         f"pairs ((front, back), (top, bottom), (left, right)), got {value!r}")
    return tuple(_counts(side, 2, f"{what}[{i}]", where) for i, side in enumerate(value))


class ZeroPadding3D(_Resize3D):
    """y = x with zeros around it: (batch, depth, rows, cols, c) -> (batch, front + depth +
    back, top + rows + bottom, left + cols + right, c). dL/dx = g without the border.

    Args (Keras's): padding=(1, 1, 1): an int, 3 ints each on both sides, or 3 pairs
        ((front, back), (top, bottom), (left, right)); data_format=None (channels_last).
    """

    def __init__(self, padding=(1, 1, 1), data_format=None, input_shape=None, name=None, *,
                 dtype=None):
        super().__init__(data_format, input_shape, name, dtype)
        self.padding = _triple_pairs(padding, "padding", self.where)

    def resize(self, x, axes):
        widths = [(0, 0)] * x.ndim
        for axis, sides in zip(axes, self.padding):
            widths[axis] = sides
        return ag.pad(x, widths)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


class Cropping3D(_Resize3D):
    """y = x without ``cropping`` cells at its borders: (batch, depth, rows, cols, c) ->
    (batch, depth - front - back, rows - top - bottom, cols - left - right, c). dL/dx = g
    with a border of zeros.

    Args (Keras's): cropping=((1, 1), (1, 1), (1, 1)): an int, 3 ints each on both sides,
        or 3 pairs; data_format=None (channels_last). Something must remain of each axis.
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, input_shape=None,
                 name=None, *, dtype=None):
        super().__init__(data_format, input_shape, name, dtype)
        self.cropping = _triple_pairs(cropping, "cropping", self.where)

    def resize(self, x, axes):
        index = [slice(None)] * x.ndim
        for axis, (before, after) in zip(axes, self.cropping):
            if before + after >= x.shape[axis]:
                raise ValueError(f"{self.where}: cropping {self.cropping} must leave something "
                                 f"of each axis, but the input has shape {x.shape} "
                                 f"({self.data_format})")
            index[axis] = slice(before, x.shape[axis] - after)
        return ag.getitem(x, tuple(index))

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config


class SpatialDropout3D(_SpatialDropout):
    """y = x * mask / (1 - rate), mask (batch, 1, 1, 1, channels) ~ Bernoulli(1 - rate):
    each feature volume kept or dropped whole, in training mode only.

    Args (Keras's): rate in [0, 1), data_format=None (channels_last; channels_first masks
        (batch, channels, 1, 1, 1)), seed=None. Input (batch, depth, rows, cols, channels).
    """

    rank = 3

    def __init__(self, rate, data_format=None, seed=None, name=None, *, dtype=None):
        super().__init__(rate, seed, name, data_format, dtype)

    def forward(self, x):
        _check_volumes(x, self.data_format, _where(self))
        return super().forward(x)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


# --- PyTorch's layers -------------------------------------------------------------------


def _conv_padding(padding, stride, where):
    """"valid", "same" (not with a stride, as PyTorch) or 3 sizes >= 0."""
    if not isinstance(padding, str):
        return _triple(padding, "padding", where, minimum=0)
    if padding not in ("valid", "same"):
        raise ValueError(f"{where}: padding must be an int, a tuple of 3, 'valid' or 'same', "
                         f"got {padding!r}")
    if padding == "same" and any(n != 1 for n in stride):
        raise ValueError(f"{where}: padding='same' is not supported for strided "
                         f"convolutions (stride={stride}), as in PyTorch")
    return padding


class Conv3d(_TorchConv):
    """y = x ⋆ weight + bias, channels first: (N, in_channels, D, H, W) -> (N,
    out_channels, OD, OH, OW), OD = (D + 2 * pd - dd * (kd - 1) - 1) // sd + 1.

    Args (PyTorch's):
        in_channels, out_channels, kernel_size (an int or 3), stride=1, padding=0 (an
        int, 3 ints, or "valid"/"same", "same" at stride 1 only), dilation=1, groups=1
        (it must divide both channel counts), bias=True, padding_mode="zeros" ("reflect",
        "replicate", "circular"); device=None and dtype=None, keywords, as Conv2d's.

    Attributes:
        weight: (out_channels, in_channels / groups, kd, kh, kw).  bias: (out_channels,)
        or None. Both start from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels
        / groups * kd * kh * kw, PyTorch's default.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", name=None, *,
                 device=None, dtype=None):
        named = "Conv3d" if name is None else f"Conv3d {name!r}"
        dtype = _factory_dtype(device, dtype, "Conv3d", name)
        padding_mode = _padding_mode(padding_mode, named)
        in_channels, out_channels, groups = _conv_channels(in_channels, out_channels, groups,
                                                           named)
        kernel_size = _triple(kernel_size, "kernel_size", named)
        stride = _triple(stride, "stride", named)
        dilation = _triple(dilation, "dilation", named)
        padding = _conv_padding(padding, stride, named)
        use_bias = _flag(bias, "bias", named)
        super().__init__(name)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding, self.dilation = \
            kernel_size, stride, padding, dilation
        self.padding_mode = padding_mode
        self.weight, self.bias = _weight_and_bias(
            (out_channels, in_channels // groups) + kernel_size, out_channels, use_bias, dtype)

    def forward(self, x):
        where = _where(self)
        x = _as_input(x, self.weight.dtype)
        if np.ndim(x) != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f"{where}: expected volumes (N, {self.in_channels}, D, H, W), got "
                             f"shape {np.shape(x)}")
        x, padding = self._mode_padded(x, where)
        try:
            return conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                          self.groups)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e


class ConvTranspose3d(_TorchConv):
    """The transpose of Conv3d (``conv_transpose3d``), channels first: (N, in_channels, D,
    H, W) -> (N, out_channels, OD, OH, OW), OD = (D - 1) * sd - 2 * pd + dd * (kd - 1) +
    opd + 1.

    Args (PyTorch's, in its order): in_channels, out_channels, kernel_size, stride=1,
    padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros"
    (the only one, as PyTorch's); device=None, dtype=None, keywords.

    Attributes:
        weight: (in_channels, out_channels / groups, kd, kh, kw).  bias: (out_channels,)
        or None; U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = out_channels / groups *
        kd * kh * kw, as PyTorch computes it from the weight's second axis.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 name=None, *, device=None, dtype=None):
        named = "ConvTranspose3d" if name is None else f"ConvTranspose3d {name!r}"
        dtype = _factory_dtype(device, dtype, "ConvTranspose3d", name)
        if padding_mode != "zeros":
            raise ValueError(f"{named}: only padding_mode='zeros' is supported for "
                             f"ConvTranspose3d (as PyTorch), got {padding_mode!r}")
        in_channels, out_channels, groups = _conv_channels(in_channels, out_channels, groups,
                                                           named)
        kernel_size = _triple(kernel_size, "kernel_size", named)
        stride = _triple(stride, "stride", named)
        padding = _triple(padding, "padding", named, minimum=0)
        output_padding = _triple(output_padding, "output_padding", named, minimum=0)
        dilation = _triple(dilation, "dilation", named)
        use_bias = _flag(bias, "bias", named)
        super().__init__(name)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding, self.dilation = \
            kernel_size, stride, padding, dilation
        self.output_padding, self.padding_mode = output_padding, padding_mode
        self.weight, self.bias = _weight_and_bias(
            (in_channels, out_channels // groups) + kernel_size, out_channels, use_bias, dtype)

    def forward(self, x):
        where = _where(self)
        x = _as_input(x, self.weight.dtype)
        if np.ndim(x) != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f"{where}: expected volumes (N, {self.in_channels}, D, H, W), got "
                             f"shape {np.shape(x)}")
        try:
            return conv_transpose3d(x, self.weight, self.bias, self.stride, self.padding,
                                    self.output_padding, self.groups, self.dilation)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


class MaxPool3d(_Pool):
    """y = the max of each window, channels first: (N, C, D, H, W) -> (N, C, OD, OH, OW),
    OD = (D + 2 * pd - dd * (kd - 1) - 1) // sd + 1 (rounded up with ceil_mode); unbatched
    (C, D, H, W) too.

    Args (PyTorch's, in its order): kernel_size, stride=None (kernel_size), padding=0
    (-inf, at most half the kernel), dilation=1, return_indices=False (also return where
    each max is, for MaxUnpool3d), ceil_mode=False.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False, name=None):
        where = "MaxPool3d" if name is None else f"MaxPool3d {name!r}"
        kernel_size, stride, padding = _pool_window(where, kernel_size, stride, padding)
        dilation = _triple(dilation, "dilation", where)
        return_indices = _flag(return_indices, "return_indices", where)
        ceil_mode = _flag(ceil_mode, "ceil_mode", where)
        super().__init__(name, kernel_size=kernel_size, stride=stride, padding=padding,
                         dilation=dilation, ceil_mode=ceil_mode, return_indices=return_indices)

    def forward(self, x):
        return self._call(max_pool3d, x, self.kernel_size, self.stride, self.padding,
                          self.dilation, self.ceil_mode, self.return_indices)


class MaxUnpool3d(MaxUnpool2d):
    """MaxPool3d's inverse: y = zeros with each value put back at its index, (N, C, D, H,
    W) -> (N, C, (D - 1) * sd - 2 * pd + kd, ...). Args as MaxUnpool2d's, ints or 3 ints.
    Called as ``unpool(x, indices, output_size=None)``."""

    rank, unpool = 3, staticmethod(max_unpool3d)


class AvgPool3d(_Pool):
    """y = the mean of each window, channels first: (N, C, D, H, W) -> (N, C, OD, OH, OW),
    OD = (D + 2 * pd - kd) // sd + 1.

    Args (PyTorch's): kernel_size, stride=None (kernel_size), padding=0 (at most half the
    kernel), ceil_mode=False (False only), count_include_pad=True (the zero padding counts
    in the mean), divisor_override=None.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None, name=None):
        where = "AvgPool3d" if name is None else f"AvgPool3d {name!r}"
        kernel_size, stride, padding = _pool_window(where, kernel_size, stride, padding)
        if _flag(ceil_mode, "ceil_mode", where):
            raise NotImplementedError(f"{where}: ceil_mode=True is not supported (only "
                                      "ceil_mode=False)")
        count_include_pad = _flag(count_include_pad, "count_include_pad", where)
        if divisor_override is not None and (
                isinstance(divisor_override, (bool, np.bool_)) or
                not isinstance(divisor_override, numbers.Integral) or divisor_override < 1):
            raise ValueError(f"{where}: divisor_override must be a positive int or None, got "
                             f"{divisor_override!r}")
        super().__init__(name, kernel_size=kernel_size, stride=stride, padding=padding,
                         ceil_mode=False, count_include_pad=count_include_pad,
                         divisor_override=divisor_override)

    def forward(self, x):
        return self._call(avg_pool3d, x, self.kernel_size, self.stride, self.padding, False,
                          self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_Pool):
    """y = the mean over each bin of an output_size grid: (N, C, D, H, W) -> (N, C, OD, OH,
    OW), PyTorch's bins [floor(i * D / OD), ceil((i + 1) * D / OD)); ``AdaptiveAvgPool3d(1)``
    is the global average.

    Args (PyTorch's): output_size, an int or 3 entries, each a positive int or None (the
    input's size).
    """

    def __init__(self, output_size, name=None):
        where = "AdaptiveAvgPool3d" if name is None else f"AdaptiveAvgPool3d {name!r}"
        super().__init__(name, output_size=_output_size(output_size, where))

    def forward(self, x):
        return self._call(adaptive_avg_pool3d, x, self.output_size)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """y = the max over each bin of an output_size grid: (N, C, D, H, W) -> (N, C, OD, OH,
    OW), PyTorch's bins. Args (PyTorch's): output_size (an int or 3 entries, each a
    positive int or None: the input's size), return_indices=False."""

    rank, pool = 3, staticmethod(adaptive_max_pool3d)


class BatchNorm3d(_BatchNorm):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, each of the C channels of volumes
    (N, C, D, H, W) standardised over the batch and the cells.

    PyTorch's: BatchNorm3d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, device=None, dtype=None); BatchNorm2d's body (``nn.torch_norm``:
    the running statistics, the modes and the arguments).
    """

    ranks = (5,)
    layout = "(N, C, D, H, W)"


class Dropout3d(_ChannelsFirstDropout, SpatialDropout3D):
    """PyTorch's ``Dropout3d(p=0.5, inplace=False)``: in training mode each channel of each
    volume, (N, C, D, H, W), is zeroed whole with probability p and the rest scaled by
    1 / (1 - p); Keras's SpatialDropout3D with channels first."""


class _Pad3d(_Pad):
    """What the 3-D padding layers share: the last three axes padded, PyTorch's order
    (left, right, top, bottom, front, back)."""

    dims = 3

    def __init__(self, padding, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        items = (padding,) * 6 if isinstance(padding, numbers.Integral) else padding
        try:
            items = tuple(items)
        except TypeError:
            items = ()
        if len(items) != 6 or not all(isinstance(n, numbers.Integral) and
                                      not isinstance(n, (bool, np.bool_)) for n in items):
            raise ValueError(f"{where}: padding must be an int or a tuple of 6 ints (left, "
                             f"right, top, bottom, front, back), got {padding!r}")
        super().__init__(tuple(int(n) for n in items), name)

    def forward(self, x):
        where = _where(self)
        x = x if isinstance(x, ag.Value) else ag.constant(x)
        if self.mode == "constant" and x.ndim < 3:
            raise ValueError(f"{where}: expected an input of at least 3 axes, (C, D, H, W) or "
                             f"(N, C, D, H, W), got shape {x.shape}")
        if self.mode != "constant":
            if x.ndim not in (4, 5):
                raise ValueError(f"{where}: expected (C, D, H, W) or (N, C, D, H, W), got "
                                 f"shape {x.shape}")
            if 0 in x.shape[x.ndim - 4:]:
                raise ValueError(f"{where}: {self.mode} padding needs non-empty channels, "
                                 f"depth, height and width, got shape {x.shape}")
        return pad_as_torch(x, self.padding, self.mode, where, self._fill())


class ZeroPad3d(_Pad3d):
    """y = x inside a border of zeros: (N, C, D, H, W) -> (N, C, front + D + back, top + H
    + bottom, left + W + right), or unbatched (C, D, H, W).  Args (PyTorch's): padding,
    an int or (left, right, top, bottom, front, back); negative sides crop."""


class ConstantPad3d(_ConstantPad, _Pad3d):
    """y = x inside a border of ``value``: (N, C, D, H, W) -> (N, C, front + D + back, top +
    H + bottom, left + W + right), or (C, D, H, W).  Args (PyTorch's): padding, an int or
    (left, right, top, bottom, front, back); value."""


class ReflectionPad3d(_Pad3d):
    """y = x mirrored at its six faces, the edge not repeated: (N, C, D, H, W) or (C, D, H,
    W). padding: an int or (left, right, top, bottom, front, back), each less than the
    axis it pads."""

    mode = "reflect"


class ReplicationPad3d(_Pad3d):
    """y = x with its face cells repeated outwards: (N, C, D, H, W) or (C, D, H, W).
    padding: an int or (left, right, top, bottom, front, back)."""

    mode = "replicate"


class CircularPad3d(_Pad3d):
    """y = x wrapped around along depth, height and width: (N, C, D, H, W) or (C, D, H, W).
    padding: an int or (left, right, top, bottom, front, back), each at most the axis it
    pads."""

    mode = "circular"
