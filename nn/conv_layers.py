"""Convolution and pooling layers, Keras's: ``Conv2D``, ``MaxPooling2D`` and their kin.

A Conv2D slides ``filters`` small kernels over the image; each output pixel is the sum of
a window's pixels times the kernel, over all input channels, plus a bias (the op and its
derivatives are ``ag.conv2d``'s). The kernel is stored as Keras stores it, (kh, kw, in,
filters), whatever ``data_format``; with channels_first it is transposed for the op.

The Keras "Simple MNIST convnet" (34,826 parameters):

>>> import nn
>>> model = nn.Sequential([
...     nn.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
...     nn.MaxPooling2D((2, 2)),
...     nn.Conv2D(64, (3, 3), activation="relu"),
...     nn.MaxPooling2D((2, 2)),
...     nn.Flatten(), nn.Dropout(0.5), nn.Dense(10, activation="softmax")])
>>> model.count_params(), model.layers[3].output_shape
(34826, (None, 5, 5, 64))

Every layer here takes Keras's ``dtype=None`` keyword: the weights are made in it and
floating inputs are cast to it (``nn.keras_module``).
"""

import numbers

import numpy as np

import autograd_core as ag

from . import activations, initializers, regularizers
from .keras_module import KerasModule, built_size
from .basic_layers import (_activation, _as_input, _batch_shape, _constraint_configs, _constraints,
                     _regularizer_configs)

__all__ = ["Conv2D", "Conv1D", "DepthwiseConv2D", "DepthwiseConv1D", "SeparableConv2D",
           "SeparableConv1D",
           "MaxPooling2D", "AveragePooling2D", "MaxPooling1D",
           "AveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling2D"]


def _ints(value, rank, what, where):
    """Keras's int-or-tuple arguments (kernel_size, strides, ...) as ``rank`` positive ints."""
    items = (value,) * rank if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != rank or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_)) and n > 0
            for n in items):
        raise ValueError(f"{where}: {what} must be a positive int or {rank} of them, got "
                         f"{value!r}")
    return tuple(int(n) for n in items)


def _padding(padding, where, causal=False):
    """"valid" or "same"; with ``causal`` (Conv1D's, as Keras) "causal" too."""
    allowed = ("valid", "same", "causal") if causal else ("valid", "same")
    if not isinstance(padding, str) or padding.lower() not in allowed:
        forms = "'valid', 'same' or 'causal'" if causal else "'valid' or 'same'"
        only = " ('causal' is for Conv1D only, as in Keras)" if \
            isinstance(padding, str) and padding.lower() == "causal" else ""
        raise ValueError(f"{where}: padding must be {forms}, got {padding!r}{only}")
    return padding.lower()


def _data_format(data_format, where):
    """None means "channels_last", as Keras's default image_data_format()."""
    if data_format is None:
        return "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{where}: data_format must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}")
    return data_format


def _check_rank(x, rank, data_format, where):
    """x must be (batch, *spatial, channels), or (batch, channels, *spatial)."""
    if np.ndim(x) != rank + 2:
        axes = ("steps",) if rank == 1 else ("rows", "cols")
        names = (("batch", "channels") + axes if data_format == "channels_first"
                 else ("batch",) + axes + ("channels",))
        raise ValueError(f"{where}: expected input of rank {rank + 2}, "
                         f"({', '.join(names)}), got shape {np.shape(x)}")


def _named(where, fn, *args, **kwargs):
    """Run an op; its ValueError (a window larger than the image...) names the layer too."""
    try:
        return fn(*args, **kwargs)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from e


def _conv_window_args(where, rank, kernel_size, strides, padding, data_format,
                      dilation_rate, input_shape):
    """The window arguments every conv layer takes, checked as Keras checks them:
    (kernel_size, strides, padding, data_format, dilation_rate, input_shape)."""
    kernel_size = _ints(kernel_size, rank, "kernel_size", where)
    strides = _ints(strides, rank, "strides", where)
    dilation_rate = _ints(dilation_rate, rank, "dilation_rate", where)
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(f"{where}: strides > 1 not supported in conjunction with "
                         f"dilation_rate > 1 (as Keras); got strides={strides}, "
                         f"dilation_rate={dilation_rate}")
    padding = _padding(padding, where, causal=rank == 1)
    data_format = _data_format(data_format, where)
    input_shape = _batch_shape(input_shape, None, where)
    if input_shape is not None and len(input_shape) != rank + 2:
        raise ValueError(f"{where}: input_shape must have {rank + 1} sizes (spatial and "
                         f"channels, no batch axis), got {input_shape[1:]}")
    return kernel_size, strides, padding, data_format, dilation_rate, input_shape


def _penalties(where, **given):
    """The layer's regularizers, each checked (``regularizers.for_layer``), in order."""
    return [regularizers.for_layer(r, what, where) for what, r in given.items()]


class _Conv(KerasModule):
    """The shared body of Conv1D and Conv2D: y = activation(x ⋆ W + b)."""

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 input_shape=None, name=None, seed=None, kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, groups=1, dtype=None,
                 kernel_constraint=None, bias_constraint=None):
        constraints = _constraints(type(self).__name__, name,
                                   kernel_constraint=kernel_constraint,
                                   bias_constraint=bias_constraint)
        super().__init__(name, dtype=dtype)
        where = f"{type(self).__name__} {self.name!r}"
        if isinstance(filters, (bool, np.bool_)) or not isinstance(filters, numbers.Integral) \
                or filters <= 0:
            raise ValueError(f"{where}: filters must be a positive integer, got {filters!r}")
        if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, numbers.Integral) \
                or groups <= 0:
            raise ValueError(f"{where}: groups must be a positive integer, got {groups!r}")
        if filters % groups:
            raise ValueError(f"{where}: the number of filters must be evenly divisible by the "
                             f"number of groups (as Keras); got groups={groups}, "
                             f"filters={filters}")
        penalties = _penalties(where, kernel_regularizer=kernel_regularizer,
                               bias_regularizer=bias_regularizer,
                               activity_regularizer=activity_regularizer)
        kernel_size, strides, padding, data_format, dilation_rate, input_shape = \
            _conv_window_args(where, self.rank, kernel_size, strides, padding, data_format,
                              dilation_rate, input_shape)
        activation = _activation(activation, self)
        kernel_init = initializers.get(kernel_initializer, seed)
        bias_init = initializers.get(bias_initializer, None if seed is None else seed + 1)
        self.filters, self.kernel_size, self.strides = int(filters), kernel_size, strides
        self.padding, self.data_format, self.dilation_rate = padding, data_format, dilation_rate
        self.activation, self.use_bias = activation, bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_init, bias_init
        self.kernel_regularizer, self.bias_regularizer, self.activity_regularizer = penalties
        self.kernel_constraint, self.bias_constraint = constraints
        self.groups = int(groups)
        self.W = None
        self.b = None
        self.input_shape = input_shape
        if input_shape is not None:
            self.build(input_shape[1 if data_format == "channels_first" else -1])

    @property
    def kernel(self):
        return self.W

    @property
    def bias(self):
        return self.b

    def build(self, in_channels):
        """Create W (*kernel_size, in_channels / groups, filters) and b (filters,).
        ``in_channels`` may also be the input's shape, as Keras's ``layer.build(shape)``.

        Glorot's fans multiply by the receptive field: fan_in = kh*kw*in/groups, fan_out =
        kh*kw*filters (``initializers.compute_fans``), as Keras counts them.
        """
        in_channels = built_size(in_channels, self.data_format == "channels_first")
        if in_channels % self.groups:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the number of input "
                             f"channels must be evenly divisible by the number of groups (as "
                             f"Keras); got groups={self.groups}, but the input has "
                             f"{in_channels} channels")
        dtype = self._float_dtype()
        shape = self.kernel_size + (in_channels // self.groups, self.filters)
        self.W = ag.Variable(self.kernel_initializer(shape, dtype), name=f"{self.name}/W",
                             constraint=self.kernel_constraint)
        if self.use_bias:
            self.b = ag.Variable(self.bias_initializer((self.filters,), dtype),
                                 name=f"{self.name}/b", constraint=self.bias_constraint)

    def forward(self, x):
        where = f"{type(self).__name__} {self.name!r}"
        x = _as_input(x, self._float_dtype() if self.W is None else self.W.dtype)
        _check_rank(x, self.rank, self.data_format, where)
        first = self.data_format == "channels_first"
        channels = x.shape[1 if first else -1]
        if self.W is None:
            self.build(channels)
        if channels != self.W.shape[-2] * self.groups:
            raise ValueError(f"{where}: built for {self.W.shape[-2] * self.groups} input "
                             f"channels, got input of shape {x.shape} ({self.data_format})")
        # Keras keeps (k..., in, out) in both layouts; the op wants (out, in, k...) for NCHW.
        kernel = ag.transpose(self.W, (self.rank + 1, self.rank) + tuple(range(self.rank))) \
            if first else self.W
        conv = ag.conv2d if self.rank == 2 else ag.conv1d
        z = _named(where, conv, x, kernel, self.strides if self.rank == 2 else self.strides[0],
                   self.padding, self.dilation_rate if self.rank == 2 else self.dilation_rate[0],
                   self.data_format, bias=self.b, groups=self.groups)
        return self.activation(z)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate, groups=self.groups,
            activation=activations.name_of(self.activation), use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            **_regularizer_configs(self), **_constraint_configs(self))
        return config

    def _regularized_weights(self):
        return (("kernel_regularizer", self.kernel_regularizer, self.W),
                ("bias_regularizer", self.bias_regularizer, self.b))

    def extra_repr(self):
        size = "x".join(map(str, self.kernel_size))
        groups = f"groups={self.groups}, " if self.groups > 1 else ""
        return (f"{self.filters}, {size}, strides={self.strides}, padding={self.padding}, "
                f"{groups}activation={activations.name_of(self.activation)}")


class Conv2D(_Conv):
    """y = activation(x ⋆ W + b): (batch, rows, cols, in) -> (batch, new_rows, new_cols,
    filters), new_rows = (rows - (kh - 1) * dh - 1) // sh + 1 with "valid" padding,
    ceil(rows / sh) with "same".

    Args (Keras's defaults):
        filters: the number of output channels.
        kernel_size: an int or a pair (kh, kw).
        strides=(1, 1), padding="valid" ("same" pads as TensorFlow), data_format=None
            (channels_last; "channels_first" takes (batch, in, rows, cols)),
        dilation_rate=(1, 1), groups=1 (the input channels and the filters split into
            that many groups, each filter convolving its own group's channels only: both
            must be divisible by it; groups = in is a depthwise convolution),
        activation=None, use_bias=True,
        kernel_initializer="glorot_uniform", bias_initializer="zeros".
        kernel_regularizer=None, bias_regularizer=None: penalties of W and b added to
            ``losses``; activity_regularizer=None: of the output, divided by the batch
            size (``nn.regularizers``).
        kernel_constraint=None, bias_constraint=None: projections of W and b applied
            after each optimizer update (``nn.constraints``; ``MaxNorm(3, axis=[0, 1,
            2])`` bounds each filter's norm).
        input_shape: (rows, cols, in) to build now; else built at the first call.
        seed: for the initializers. name: "conv2d", "conv2d_1", ...
        dtype=None: the float dtype of W, b and the computation, a keyword (None: the
            default float dtype).

    Attributes:
        W: the kernel (kh, kw, in / groups, filters), Keras's ``kernel``.  b: (filters,),
        ``bias``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
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


class Conv1D(_Conv):
    """y = activation(x ⋆ W + b) along one axis: (batch, steps, in) -> (batch, new_steps,
    filters). Args as Conv2D's with ints (kernel (kw, in / groups, filters)); padding may
    also be "causal", Keras's: dilation_rate * (kw - 1) zeros before the steps and none
    after, so that output step t sees input steps up to t only, and at stride 1 the output
    has the input's length."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
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


class _DepthwiseConv(KerasModule):
    """The shared body of DepthwiseConv1D and DepthwiseConv2D (``rank`` 1 or 2)."""

    rank = None

    def __init__(self, kernel_size, strides, padding, depth_multiplier, data_format,
                 dilation_rate, activation, use_bias, depthwise_initializer, bias_initializer,
                 depthwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, bias_constraint, input_shape, name, seed, dtype):
        layer = type(self).__name__
        constraints = _constraints(layer, name,
                                   depthwise_constraint=depthwise_constraint,
                                   bias_constraint=bias_constraint)
        super().__init__(name, dtype=dtype)
        where = f"{layer} {self.name!r}"
        if isinstance(depth_multiplier, (bool, np.bool_)) \
                or not isinstance(depth_multiplier, numbers.Integral) or depth_multiplier <= 0:
            raise ValueError(f"{where}: depth_multiplier must be a positive integer, got "
                             f"{depth_multiplier!r}")
        penalties = _penalties(where, depthwise_regularizer=depthwise_regularizer,
                               bias_regularizer=bias_regularizer,
                               activity_regularizer=activity_regularizer)
        kernel_size, strides, padding, data_format, dilation_rate, input_shape = \
            _conv_window_args(where, self.rank, kernel_size, strides, padding, data_format,
                              dilation_rate, input_shape)
        activation = _activation(activation, self)
        init = initializers.get(depthwise_initializer, seed)
        bias_init = initializers.get(bias_initializer, None if seed is None else seed + 1)
        self.kernel_size, self.strides, self.padding = kernel_size, strides, padding
        self.depth_multiplier, self.data_format = int(depth_multiplier), data_format
        self.dilation_rate, self.activation, self.use_bias = dilation_rate, activation, \
            bool(use_bias)
        self.depthwise_initializer, self.bias_initializer = init, bias_init
        self.depthwise_regularizer, self.bias_regularizer, self.activity_regularizer = \
            penalties
        self.depthwise_constraint, self.bias_constraint = constraints
        self.W = self.b = None
        self.input_shape = input_shape
        if input_shape is not None:
            self.build(input_shape[1 if data_format == "channels_first" else -1])

    @property
    def depthwise_kernel(self):
        return self.W

    @property
    def bias(self):
        return self.b

    def build(self, in_channels):
        """W (*kernel_size, in, depth_multiplier), b (in * depth_multiplier,); ``in_channels`` or
        the input's shape (Keras's build)."""
        in_channels = built_size(in_channels, self.data_format == "channels_first")
        dtype = self._float_dtype()
        shape = self.kernel_size + (in_channels, self.depth_multiplier)
        self.W = ag.Variable(self.depthwise_initializer(shape, dtype), name=f"{self.name}/W",
                             constraint=self.depthwise_constraint)
        if self.use_bias:
            self.b = ag.Variable(self.bias_initializer((in_channels * self.depth_multiplier,),
                                                       dtype), name=f"{self.name}/b",
                                 constraint=self.bias_constraint)

    def forward(self, x):
        where = f"{type(self).__name__} {self.name!r}"
        x = _as_input(x, self._float_dtype() if self.W is None else self.W.dtype)
        _check_rank(x, self.rank, self.data_format, where)
        first = self.data_format == "channels_first"
        channels = x.shape[1 if first else -1]
        if self.W is None:
            self.build(channels)
        if channels != self.W.shape[-2]:
            raise ValueError(f"{where}: built for {self.W.shape[-2]} input channels, got input "
                             f"of shape {x.shape} ({self.data_format})")
        # (k..., in, m) is the grouped kernel (k..., 1, in * m): out channel c*m + j
        kernel = ag.reshape(self.W, self.kernel_size + (1, channels * self.depth_multiplier))
        if first:
            kernel = ag.transpose(kernel, (self.rank + 1, self.rank) + tuple(range(self.rank)))
        if self.rank == 2:
            z = _named(where, ag.conv2d, x, kernel, self.strides, self.padding,
                       self.dilation_rate, self.data_format, bias=self.b, groups=channels)
        else:
            z = _named(where, ag.conv1d, x, kernel, self.strides[0], self.padding,
                       self.dilation_rate[0], self.data_format, bias=self.b, groups=channels)
        return self.activation(z)

    def get_config(self):
        config = super().get_config()
        config.update(
            kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
            depth_multiplier=self.depth_multiplier, data_format=self.data_format,
            dilation_rate=self.dilation_rate, activation=activations.name_of(self.activation),
            use_bias=self.use_bias,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            **_regularizer_configs(self), **_constraint_configs(self))
        return config

    def _regularized_weights(self):
        return (("depthwise_regularizer", self.depthwise_regularizer, self.W),
                ("bias_regularizer", self.bias_regularizer, self.b))

    def extra_repr(self):
        size = "x".join(map(str, self.kernel_size))
        return (f"{size}, depth_multiplier={self.depth_multiplier}, strides={self.strides}, "
                f"padding={self.padding}, activation={activations.name_of(self.activation)}")


class DepthwiseConv2D(_DepthwiseConv):
    """y = activation(x ⋆ W + b), each input channel convolved with its own
    ``depth_multiplier`` kernels (Keras's DepthwiseConv2D): (batch, rows, cols, in) ->
    (batch, new_rows, new_cols, in * depth_multiplier), output channel c * m + j from
    input channel c. The MobileNet block's first half; a ``Conv2D(in * m, groups=in)``
    with Keras's kernel layout for depthwise kernels.

    Args (Keras's defaults): kernel_size, strides=(1, 1), padding="valid",
    depth_multiplier=1, data_format=None, dilation_rate=(1, 1), activation=None,
    use_bias=True, depthwise_initializer="glorot_uniform", bias_initializer="zeros",
    depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
    depthwise_constraint=None, bias_constraint=None, input_shape=None, name=None,
    seed=None; dtype=None, a keyword, as Conv2D's.

    Attributes:
        W: the kernel (kh, kw, in, depth_multiplier), Keras's ``depthwise_kernel``.
        b: (in * depth_multiplier,), ``bias``.
    """

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 input_shape=None, name=None, seed=None, *, dtype=None):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint,
                         input_shape, name, seed, dtype)


class DepthwiseConv1D(_DepthwiseConv):
    """y = activation(x ⋆ W + b), each input channel of a sequence convolved with its own
    ``depth_multiplier`` kernels (Keras's DepthwiseConv1D): (batch, steps, in) -> (batch,
    new_steps, in * depth_multiplier), output channel c * m + j from input channel c; a
    ``Conv1D(in * m, groups=in)`` with Keras's depthwise kernel layout.

    Args (Keras's defaults): as DepthwiseConv2D's, one axis: kernel_size, strides=1,
    padding="valid", depth_multiplier=1, data_format=None, dilation_rate=1, ...

    Attributes:
        W: the kernel (k, in, depth_multiplier), Keras's ``depthwise_kernel``.
        b: (in * depth_multiplier,), ``bias``.
    """

    rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None,
                 input_shape=None, name=None, seed=None, *, dtype=None):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint,
                         input_shape, name, seed, dtype)


class _SeparableConv(KerasModule):
    """y = activation((x ⋆ D) ⋆ P + b): a depthwise convolution D (each input channel with
    its own ``depth_multiplier`` kernels, DepthwiseConv2D's op), then a 1x1 convolution P
    mixing the in * depth_multiplier channels into ``filters``, then the bias.
    dL/dD, dL/dP and dL/dx are the two convolutions' derivatives, chained."""

    rank = None

    def __init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate,
                 depth_multiplier, activation, use_bias, depthwise_initializer,
                 pointwise_initializer, bias_initializer, depthwise_regularizer,
                 pointwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, pointwise_constraint, bias_constraint, input_shape,
                 name, seed, dtype):
        layer = type(self).__name__
        constraints = _constraints(layer, name, depthwise_constraint=depthwise_constraint,
                                   pointwise_constraint=pointwise_constraint,
                                   bias_constraint=bias_constraint)
        super().__init__(name, dtype=dtype)
        where = f"{layer} {self.name!r}"
        for what, n in (("filters", filters), ("depth_multiplier", depth_multiplier)):
            if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n <= 0:
                raise ValueError(f"{where}: {what} must be a positive integer, got {n!r}")
        penalties = _penalties(where, depthwise_regularizer=depthwise_regularizer,
                               pointwise_regularizer=pointwise_regularizer,
                               bias_regularizer=bias_regularizer,
                               activity_regularizer=activity_regularizer)
        _padding(padding, where)  # "causal" too is refused, as Keras's SeparableConv1D
        kernel_size, strides, padding, data_format, dilation_rate, input_shape = \
            _conv_window_args(where, self.rank, kernel_size, strides, padding, data_format,
                              dilation_rate, input_shape)
        activation = _activation(activation, self)
        inits = [initializers.get(init, None if seed is None else seed + i) for i, init in
                 enumerate((depthwise_initializer, pointwise_initializer, bias_initializer))]
        self.filters, self.depth_multiplier = int(filters), int(depth_multiplier)
        self.kernel_size, self.strides, self.padding = kernel_size, strides, padding
        self.data_format, self.dilation_rate = data_format, dilation_rate
        self.activation, self.use_bias = activation, bool(use_bias)
        self.depthwise_initializer, self.pointwise_initializer, self.bias_initializer = inits
        (self.depthwise_regularizer, self.pointwise_regularizer, self.bias_regularizer,
         self.activity_regularizer) = penalties
        self.depthwise_constraint, self.pointwise_constraint, self.bias_constraint = \
            constraints
        self.depthwise_kernel = self.pointwise_kernel = self.bias = None
        self.input_shape = input_shape
        if input_shape is not None:
            self.build(input_shape[1 if data_format == "channels_first" else -1])

    def build(self, in_channels):
        """depthwise_kernel (*kernel_size, in, depth_multiplier), pointwise_kernel (1, ...,
        in * depth_multiplier, filters), bias (filters,): Keras's names and shapes.
        ``in_channels`` or the input's shape (Keras's build)."""
        in_channels = built_size(in_channels, self.data_format == "channels_first")
        dtype, mid = self._float_dtype(), in_channels * self.depth_multiplier
        self.depthwise_kernel = ag.Variable(
            self.depthwise_initializer(self.kernel_size + (in_channels, self.depth_multiplier),
                                       dtype),
            name=f"{self.name}/depthwise_kernel", constraint=self.depthwise_constraint)
        self.pointwise_kernel = ag.Variable(
            self.pointwise_initializer((1,) * self.rank + (mid, self.filters), dtype),
            name=f"{self.name}/pointwise_kernel", constraint=self.pointwise_constraint)
        if self.use_bias:
            self.bias = ag.Variable(self.bias_initializer((self.filters,), dtype),
                                    name=f"{self.name}/bias", constraint=self.bias_constraint)

    def _conv(self, where, x, kernel, strides, padding, dilation, **kwargs):
        """conv2d or conv1d (which take ints), the kernel in Keras's layout (k..., in, out)
        turned to (out, in, k...) for channels_first."""
        if self.data_format == "channels_first":
            kernel = ag.transpose(kernel, (self.rank + 1, self.rank) + tuple(range(self.rank)))
        if self.rank == 1:
            return _named(where, ag.conv1d, x, kernel, strides[0], padding, dilation[0],
                          self.data_format, **kwargs)
        return _named(where, ag.conv2d, x, kernel, strides, padding, dilation,
                      self.data_format, **kwargs)

    def forward(self, x):
        where = f"{type(self).__name__} {self.name!r}"
        dtype = self._float_dtype() if self.depthwise_kernel is None else \
            self.depthwise_kernel.dtype
        x = _as_input(x, dtype)
        _check_rank(x, self.rank, self.data_format, where)
        channels = x.shape[1 if self.data_format == "channels_first" else -1]
        if self.depthwise_kernel is None:
            self.build(channels)
        built = self.depthwise_kernel.shape[-2]
        if channels != built:
            raise ValueError(f"{where}: built for {built} input channels, got input of shape "
                             f"{x.shape} ({self.data_format})")
        # (k..., in, m) is the grouped kernel (k..., 1, in * m): channel c*m + j from c
        mid = channels * self.depth_multiplier
        depthwise = ag.reshape(self.depthwise_kernel, self.kernel_size + (1, mid))
        z = self._conv(where, x, depthwise, self.strides, self.padding, self.dilation_rate,
                       groups=channels)
        ones = (1,) * self.rank
        y = self._conv(where, z, self.pointwise_kernel, ones, "valid", ones, bias=self.bias)
        return self.activation(y)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
            padding=self.padding, data_format=self.data_format,
            dilation_rate=self.dilation_rate, depth_multiplier=self.depth_multiplier,
            activation=activations.name_of(self.activation), use_bias=self.use_bias,
            depthwise_initializer=initializers.serialize(self.depthwise_initializer),
            pointwise_initializer=initializers.serialize(self.pointwise_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            **_regularizer_configs(self), **_constraint_configs(self))
        return config

    def _regularized_weights(self):
        return (("depthwise_regularizer", self.depthwise_regularizer, self.depthwise_kernel),
                ("pointwise_regularizer", self.pointwise_regularizer, self.pointwise_kernel),
                ("bias_regularizer", self.bias_regularizer, self.bias))

    def extra_repr(self):
        size = "x".join(map(str, self.kernel_size))
        return (f"{self.filters}, {size}, depth_multiplier={self.depth_multiplier}, "
                f"strides={self.strides}, padding={self.padding}, "
                f"activation={activations.name_of(self.activation)}")


class SeparableConv2D(_SeparableConv):
    """y = activation((x ⋆ D) ⋆ P + b): (batch, rows, cols, in) -> (batch, new_rows,
    new_cols, filters), the rows and cols as DepthwiseConv2D's (the 1x1 step keeps them).
    MobileNet's and Xception's block: kh*kw*in*m + in*m*filters (+ filters) weights
    instead of a Conv2D's kh*kw*in*filters.

    Args (Keras's defaults): filters, kernel_size, strides=(1, 1), padding="valid"
        ("same" too), data_format=None (channels_last), dilation_rate=(1, 1) (strides > 1
        and dilation_rate > 1 exclude each other), depth_multiplier=1, activation=None,
        use_bias=True, depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform", bias_initializer="zeros",
        depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
        activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
        bias_constraint=None; input_shape=None, name=None, seed=None (the initializers
        take seed, seed + 1, seed + 2); dtype=None, a keyword, as Conv2D's.

    Attributes (Keras's names):
        depthwise_kernel: (kh, kw, in, depth_multiplier), D.
        pointwise_kernel: (1, 1, in * depth_multiplier, filters), P.
        bias: (filters,), b; None without use_bias.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, input_shape=None, name=None,
                 seed=None, *, dtype=None):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint,
                         input_shape, name, seed, dtype)


class SeparableConv1D(_SeparableConv):
    """y = activation((x ⋆ D) ⋆ P + b) along one axis: (batch, steps, in) -> (batch,
    new_steps, filters). Args as SeparableConv2D's with ints (strides=1, dilation_rate=1;
    padding "valid" or "same", no "causal", as Keras's). depthwise_kernel (kw, in,
    depth_multiplier), pointwise_kernel (1, in * depth_multiplier, filters)."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 input_shape=None, name=None, seed=None, *, dtype=None):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer,
                         pointwise_initializer, bias_initializer, depthwise_regularizer,
                         pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint,
                         input_shape, name, seed, dtype)


class _Pooling(KerasModule):
    """The shared body of the window poolings: no weights, one op."""

    rank = None
    op = None

    def __init__(self, pool_size, strides, padding, data_format, name, dtype):
        super().__init__(name, dtype=dtype)
        where = f"{type(self).__name__} {self.name!r}"
        self.pool_size = _ints(pool_size, self.rank, "pool_size", where)
        self.strides = self.pool_size if strides is None else \
            _ints(strides, self.rank, "strides", where)
        self.padding = _padding(padding, where)
        self.data_format = _data_format(data_format, where)

    def forward(self, x):
        where = f"{type(self).__name__} {self.name!r}"
        x = _as_input(x, self._float_dtype())
        _check_rank(x, self.rank, self.data_format, where)
        if self.rank == 2:
            return _named(where, self.op, x, self.pool_size, self.strides, self.padding,
                          self.data_format)
        return _named(where, self.op, x, self.pool_size[0], self.strides[0], self.padding,
                      self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                      data_format=self.data_format)
        return config

    def extra_repr(self):
        return f"pool_size={self.pool_size}, strides={self.strides}, padding={self.padding}"


class MaxPooling2D(_Pooling):
    """y = the max of each pool_size window of each channel: (batch, rows, cols, c) ->
    (batch, rows // ph, cols // pw, c) with the default strides (= pool_size), "valid".

    Args: pool_size=(2, 2), strides=None (pool_size), padding="valid", data_format=None.
    The gradient goes to each window's max (the first, on ties).
    """

    rank = 2
    op = staticmethod(ag.max_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, *, dtype=None):
        super().__init__(pool_size, strides, padding, data_format, name, dtype)


class AveragePooling2D(_Pooling):
    """y = the mean of each window of each channel; args as MaxPooling2D's. With "same" a
    border window averages its real pixels only (as Keras). dL/dx = g / window size,
    shared over the window."""

    rank = 2
    op = staticmethod(ag.avg_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, *, dtype=None):
        super().__init__(pool_size, strides, padding, data_format, name, dtype)


class MaxPooling1D(_Pooling):
    """y = the max of each window along the steps: (batch, steps, c) -> (batch, steps //
    pool_size, c). Args: pool_size=2, strides=None, padding="valid",
    data_format="channels_last"."""

    rank = 1
    op = staticmethod(ag.max_pool1d)

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", name=None, *, dtype=None):
        super().__init__(pool_size, strides, padding, data_format, name, dtype)


class AveragePooling1D(_Pooling):
    """y = the mean of each window along the steps; args as MaxPooling1D's."""

    rank = 1
    op = staticmethod(ag.avg_pool1d)

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", name=None, *, dtype=None):
        super().__init__(pool_size, strides, padding, data_format, name, dtype)


class _GlobalPooling2D(KerasModule):
    """Shared body: one number per channel, over all rows and cols (over all steps for
    ``rank = 1``, the 1-D layers' base)."""

    rank = 2

    def __init__(self, data_format=None, keepdims=False, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        self.data_format = _data_format(data_format, f"{type(self).__name__} {self.name!r}")
        self.keepdims = bool(keepdims)

    def forward(self, x):
        _check_rank(x, self.rank, self.data_format, f"{type(self).__name__} {self.name!r}")
        x = _as_input(x, self._float_dtype())
        first = 2 if self.data_format == "channels_first" else 1  # the first spatial axis
        return self.reduce(x, axis=tuple(range(first, first + self.rank)),
                           keepdims=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling2D(_GlobalPooling2D):
    """y[n, c] = mean over rows and cols of x[n, :, :, c]: (batch, rows, cols, c) -> (batch,
    c), or (batch, 1, 1, c) with keepdims. dL/dx = g / (rows * cols) at every pixel.

    Args: data_format=None (channels_last), keepdims=False.
    """

    reduce = staticmethod(ag.mean)


class GlobalMaxPooling2D(_GlobalPooling2D):
    """y[n, c] = max over rows and cols of x[n, :, :, c]; the gradient goes to the max.
    Args as GlobalAveragePooling2D's."""

    reduce = staticmethod(ag.max)
