"""Layers that change the size of images and sequences, Keras's: ``UpSampling2D``,
``ZeroPadding2D``, ``Cropping2D`` (and their 1D kin), ``Conv2DTranspose``, and the global
poolings of sequences.

Padding, cropping and nearest-neighbour upsampling move values without changing them, so
their gradients move the output gradient back: cropping's pads it with zeros, padding's
crops it, upsampling's sums each block of copies (``ag.pad``, ``ag.getitem`` and
``ag.repeat``'s derivatives). ``Conv2DTranspose`` is the transpose of a convolution:
each input pixel adds a kernel-weighted copy of itself to a window of a larger output,
so a decoder can learn its own upsampling (``ag.conv2d_transpose``).

A convolutional autoencoder's decoder, Keras's way:

>>> import nn
>>> decoder = nn.Sequential([nn.Input((7, 7, 32)),
...                          Conv2DTranspose(32, 3, strides=2, padding="same"),
...                          UpSampling2D(), Conv2DTranspose(1, 3, padding="same")])
>>> [layer.output_shape for layer in decoder.layers], decoder.count_params()
([(None, 14, 14, 32), (None, 28, 28, 32), (None, 28, 28, 1)], 9537)

Every layer here takes Keras's ``dtype=None`` keyword: the weights (Conv2DTranspose's) are
made in it and floating inputs are cast to it (``nn.keras_module``).
"""

import numbers

import numpy as np

import autograd_core as ag

from .conv_layers import _Conv, _GlobalPooling2D, _check_rank, _data_format, _ints, _named
from .keras_module import KerasModule, built_size
from .basic_layers import _as_input, _batch_shape, _flag

__all__ = [
    "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D",
    "Cropping2D", "Conv2DTranspose", "Conv1DTranspose", "GlobalAveragePooling1D",
    "GlobalMaxPooling1D",
]


def _counts(value, n, what, where):
    """Keras's int-or-tuple of ``n`` counts that may be 0 (paddings, croppings)."""
    items = (value,) * n if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != n or not all(isinstance(k, numbers.Integral) and
                                  not isinstance(k, (bool, np.bool_)) and k >= 0
                                  for k in items):
        raise ValueError(f"{where}: {what} must be an int >= 0 or {n} of them, got {value!r}")
    return tuple(int(k) for k in items)


def _pairs(value, what, where):
    """ZeroPadding2D's and Cropping2D's argument as ((top, bottom), (left, right)): an int
    (all four), (rows, cols) (each on both sides), or the two pairs."""
    if isinstance(value, numbers.Integral):
        return (_counts(value, 2, what, where),) * 2
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{where}: {what} must be an int, (rows, cols) or ((top, bottom), "
                         f"(left, right)), got {value!r}")
    return tuple(_counts(side, 2, f"{what}[{i}]", where) for i, side in enumerate(value))


def _spatial_axes(rank, data_format):
    """The axes of the rows and cols (or steps): after the batch, or after the channels."""
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))


class _Resize(KerasModule):
    """Shared body: a rank-1 or rank-2 input checked, then ``resize``; no weights."""

    rank = None

    def __init__(self, data_format, input_shape, name, dtype):
        super().__init__(name, dtype=dtype)
        self.where = f"{type(self).__name__} {self.name!r}"
        self.data_format = _data_format(data_format, self.where)
        self.input_shape = _batch_shape(input_shape, None, self.where)

    def forward(self, x):
        x = _as_input(x, self._float_dtype())
        _check_rank(x, self.rank, self.data_format, self.where)
        return self.resize(x, _spatial_axes(self.rank, self.data_format))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class UpSampling2D(_Resize):
    """y = x with each row repeated size[0] times and each column size[1] times
    ("nearest"): (batch, rows, cols, c) -> (batch, rows * sh, cols * sw, c). The gradient
    of an input pixel is the sum of its block's.

    With ``interpolation="bilinear"`` each output pixel mixes the two nearest input pixels
    along each axis, half-pixel centres as Keras's (TensorFlow's) image resize: y = Mh x Mw^T
    with fixed matrices, so the gradient is Mh^T g Mw.

    Args (Keras's): size=(2, 2), data_format=None (channels_last),
        interpolation="nearest" or "bilinear" (Keras's "bicubic", "lanczos3" and "lanczos5"
        raise NotImplementedError).
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest",
                 input_shape=None, name=None, *, dtype=None):
        super().__init__(data_format, input_shape, name, dtype)
        self.size = _ints(size, 2, "size", self.where)
        if not isinstance(interpolation, str) or interpolation.lower() not in (
                "nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"):
            raise ValueError(f"{self.where}: interpolation must be 'nearest' or 'bilinear', "
                             f"got {interpolation!r}")
        self.interpolation = interpolation.lower()
        if self.interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"{self.where}: interpolation={interpolation!r} is not "
                                      "implemented; use 'nearest' or 'bilinear'")

    def resize(self, x, axes):
        if self.interpolation == "nearest":
            for axis, factor in zip(axes, self.size):
                x = ag.repeat(x, factor, axis=axis)
            return x
        rows = _bilinear_matrix(x.shape[axes[0]], self.size[0], x.dtype)
        cols = _bilinear_matrix(x.shape[axes[1]], self.size[1], x.dtype)
        if self.data_format == "channels_first":
            return ag.einsum("jw,nciw->ncij", cols, ag.einsum("ih,nchw->nciw", rows, x))
        return ag.einsum("jw,niwc->nijc", cols, ag.einsum("ih,nhwc->niwc", rows, x))

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, interpolation=self.interpolation)
        return config


def _bilinear_matrix(n, factor, dtype):
    """M (n * factor, n): output pixel i reads the input at s = (i + 0.5) / factor - 0.5
    (its centre, clamped to [0, n - 1]), as (1 - f) * x[floor(s)] + f * x[floor(s) + 1]."""
    s = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
    low = np.floor(s).astype(int)
    high = np.minimum(low + 1, n - 1)
    frac = s - low
    m = np.zeros((n * factor, n))
    rows = np.arange(n * factor)
    np.add.at(m, (rows, low), 1 - frac)
    np.add.at(m, (rows, high), frac)
    return m.astype(dtype)


class UpSampling1D(_Resize):
    """y = x with each step repeated ``size`` times: (batch, steps, c) -> (batch, steps *
    size, c). Args (Keras's): size=2."""

    rank = 1

    def __init__(self, size=2, input_shape=None, name=None, *, dtype=None):
        super().__init__(None, input_shape, name, dtype)
        self.size = _ints(size, 1, "size", self.where)[0]

    def resize(self, x, axes):
        return ag.repeat(x, self.size, axis=axes[0])

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's UpSampling1D is channels_last only
        config["size"] = self.size
        return config


class ZeroPadding2D(_Resize):
    """y = x with rows and columns of zeros around it: (batch, rows, cols, c) -> (batch,
    top + rows + bottom, left + cols + right, c). dL/dx = g without the border.

    Args (Keras's): padding=(1, 1): an int, (rows, cols) each on both sides, or
        ((top, bottom), (left, right)); data_format=None (channels_last).
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, input_shape=None, name=None, *,
                 dtype=None):
        super().__init__(data_format, input_shape, name, dtype)
        self.padding = _pairs(padding, "padding", self.where)

    def resize(self, x, axes):
        widths = [(0, 0)] * x.ndim
        for axis, pair in zip(axes, self.padding):
            widths[axis] = pair
        return ag.pad(x, widths)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


class ZeroPadding1D(ZeroPadding2D):
    """y = x with zero steps before and after: (batch, steps, c) -> (batch, left + steps +
    right, c). Args (Keras's): padding=1: an int (both sides) or (left, right);
    data_format=None (channels_last)."""

    rank = 1

    def __init__(self, padding=1, data_format=None, input_shape=None, name=None, *,
                 dtype=None):
        _Resize.__init__(self, data_format, input_shape, name, dtype)
        self.padding = (_counts(padding, 2, "padding", self.where),)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding[0]
        return config


class Cropping2D(_Resize):
    """y = x without ``cropping`` rows and columns at its borders: (batch, rows, cols, c) ->
    (batch, rows - top - bottom, cols - left - right, c). dL/dx = g with a border of zeros.

    Args (Keras's): cropping=((0, 0), (0, 0)): an int, (rows, cols) each on both sides, or
        ((top, bottom), (left, right)); data_format=None (channels_last). Something must
        remain: top + bottom < rows and left + right < cols.
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, input_shape=None,
                 name=None, *, dtype=None):
        super().__init__(data_format, input_shape, name, dtype)
        self.cropping = _pairs(cropping, "cropping", self.where)

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


class Cropping1D(Cropping2D):
    """y = x without its first ``left`` and last ``right`` steps: (batch, steps, c) ->
    (batch, steps - left - right, c). Args (Keras's): cropping=(1, 1), an int or (left,
    right); channels_last only, as Keras's."""

    rank = 1

    def __init__(self, cropping=(1, 1), input_shape=None, name=None, *, dtype=None):
        _Resize.__init__(self, None, input_shape, name, dtype)
        self.cropping = (_counts(cropping, 2, "cropping", self.where),)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        config["cropping"] = self.cropping[0]
        return config


class _GlobalPooling1D(_GlobalPooling2D):
    """Shared body: one number per channel, over all steps (``_GlobalPooling2D`` with one
    spatial axis; keepdims is checked to be a bool)."""

    rank = 1

    def __init__(self, data_format=None, keepdims=False, name=None, *, dtype=None):
        super().__init__(data_format, keepdims, name, dtype=dtype)
        self.keepdims = _flag(keepdims, "keepdims", f"{type(self).__name__} {self.name!r}")


class GlobalAveragePooling1D(_GlobalPooling1D):
    """y[n, c] = mean over the steps of x[n, :, c]: (batch, steps, c) -> (batch, c), or
    (batch, 1, c) with keepdims. dL/dx = g / steps at every step.

    With a mask (from ``Embedding(mask_zero=True)`` or ``Masking``, or ``mask=``), the mean
    is over the unmasked steps only, as Keras's: sum(x * m) / sum(m), so padding does not
    dilute the average (a sequence with no unmasked step gives NaN, as Keras's 0 / 0).

    Args: data_format=None (channels_last), keepdims=False.
    """

    reduce = staticmethod(ag.mean)
    _call_has_mask_arg = True  # nn.masking hands it the mask of its input,
    supports_masking = True    # which it uses up: its output has no time axis (Keras's)

    def compute_mask(self, inputs, mask=None):
        return None

    def forward(self, x, mask=None):
        if mask is None:
            return super().forward(x)
        where = f"GlobalAveragePooling1D {self.name!r}"
        _check_rank(x, self.rank, self.data_format, where)
        x = _as_input(x, self._float_dtype())
        m = np.asarray(mask.numpy() if isinstance(mask, ag.Value) else mask)
        steps = 2 if self.data_format == "channels_first" else 1
        if m.shape != (x.shape[0], x.shape[steps]):
            raise ValueError(f"{where}: mask must have shape (batch, steps) = "
                             f"{(x.shape[0], x.shape[steps])} for an input of shape "
                             f"{x.shape}, got shape {m.shape}")
        m = np.expand_dims(m.astype(x.dtype), 1 if steps == 2 else 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            return ag.sum(x * m, axis=steps, keepdims=self.keepdims) / \
                np.sum(m, axis=steps, keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """y[n, c] = max over the steps of x[n, :, c]; the gradient goes to the max. Args as
    GlobalAveragePooling1D's."""

    reduce = staticmethod(ag.max)


def _transpose_length(n, k, s, d, padding, output_padding):
    """Keras's output length of a transposed convolution along one axis, and the rows that
    conv2d would pad (before, after) to map that length back to n.

    The "full" transposed convolution is (n - 1) * s + k long (k the dilated kernel size).
    Keras keeps (n - 1) * s + max(k, s) of it with "valid", n * s with "same", or
    (n - 1) * s + k % 2 + output_padding with "same" and an output_padding, cutting
    ``before`` rows at the start: Keras's own rule (its JAX backend's pads).
    """
    k = (k - 1) * d + 1
    if padding == "valid":
        kept_before = k - 1
        kept_after = k - 1 + (max(k, s) - k if output_padding is None else output_padding)
    else:
        pads = s + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        kept_before = min(pads // 2 + pads % 2, k - 1)
        kept_after = pads - kept_before
    length = (n - 1) * s + kept_before + kept_after - k + 2
    # Rows past the full output (kept_after > k - 1) are zeros the conv2d never reads.
    return length, (k - 1 - kept_before, max(k - 1 - kept_after, 0))


def _output_padding(output_padding, strides, rank, where):
    """A transposed convolution's ``output_padding``: None, or ``rank`` counts, each less
    than its stride (Keras's rule)."""
    if output_padding is None:
        return None
    output_padding = _counts(output_padding, rank, "output_padding", where)
    steps = _ints(strides, rank, "strides", where)
    if any(p >= s for p, s in zip(output_padding, steps)):
        raise ValueError(f"{where}: output_padding must be less than strides along each axis "
                         f"(as Keras), got output_padding={output_padding}, strides={steps}")
    return output_padding


def _transposed_input(layer, x, rank, where):
    """A transposed convolution's input as a Value of the layer's dtype, checked (rank,
    channels), the layer built on first use; and whether it is channels first."""
    x = _as_input(x, layer._float_dtype() if layer.W is None else layer.W.dtype)
    _check_rank(x, rank, layer.data_format, where)
    first = layer.data_format == "channels_first"
    channels = x.shape[1 if first else -1]
    if layer.W is None:
        layer.build(channels)
    if channels != layer.W.shape[-1]:
        raise ValueError(f"{where}: built for {layer.W.shape[-1]} input channels, got input "
                         f"of shape {x.shape} ({layer.data_format})")
    return x, first


class Conv2DTranspose(_Conv):
    """y = activation(x ⋆ᵀ W + b), the transpose of a convolution: (batch, rows, cols, in)
    -> (batch, new_rows, new_cols, filters), with new_rows = rows * sh + max(kh - sh, 0)
    ("valid") or rows * sh ("same"); each input pixel adds W times itself to a kh x kw
    window of the output, windows sh apart. dL/dx = g ⋆ W (a convolution).

    Args (Keras's defaults): filters, kernel_size, strides=(1, 1), padding="valid",
        output_padding=None (rows added after the output, each < its stride: new_rows =
        (rows - 1) * sh + kh + output_padding with "valid", (rows - 1) * sh + kh % 2 +
        output_padding with "same"), data_format=None, dilation_rate=(1, 1),
        activation=None, use_bias=True, kernel_initializer="glorot_uniform",
        bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
        activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
        input_shape=None, name=None, seed=None; dtype=None, a keyword, as Conv2D's.

    Attributes:
        W: the kernel (kh, kw, filters, in), Keras's ``kernel`` (its out and in swapped
        from Conv2D's: it is the kernel of the Conv2D this layer transposes).  b: (filters,).
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 input_shape=None, name=None, seed=None, *, dtype=None):
        where = f"Conv2DTranspose {name!r}" if name is not None else "Conv2DTranspose"
        # checked first: _Conv builds when it can
        self.output_padding = _output_padding(output_padding, strides, 2, where)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         input_shape, name, seed, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, dtype=dtype,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    def build(self, in_channels):
        """W (kh, kw, filters, in_channels), b (filters,); ``in_channels`` or the input's
        shape (Keras's build)."""
        in_channels = built_size(in_channels, self.data_format == "channels_first")
        dtype = self._float_dtype()
        shape = self.kernel_size + (self.filters, in_channels)
        self.W = ag.Variable(self.kernel_initializer(shape, dtype), name=f"{self.name}/W",
                             constraint=self.kernel_constraint)
        if self.use_bias:
            self.b = ag.Variable(self.bias_initializer((self.filters,), dtype),
                                 name=f"{self.name}/b", constraint=self.bias_constraint)

    def forward(self, x):
        where = f"Conv2DTranspose {self.name!r}"
        x, first = _transposed_input(self, x, 2, where)
        sizes = x.shape[2:] if first else x.shape[1:3]
        output_padding = self.output_padding or (None, None)
        out_hw, pads = zip(*(_transpose_length(*args, self.padding, p) for args, p in zip(
            zip(sizes, self.kernel_size, self.strides, self.dilation_rate), output_padding)))
        # The op wants (in, filters, kh, kw) for channels_first, PyTorch's layout.
        kernel = ag.transpose(self.W, (3, 2, 0, 1)) if first else self.W
        y = _named(where, ag.conv2d_transpose, x, kernel, out_hw, self.strides, pads,
                   self.dilation_rate, self.data_format)
        if self.b is not None:
            y = ag.bias_add(y, self.b, self.data_format)
        return self.activation(y)

    def get_config(self):
        config = super().get_config()
        del config["groups"]  # Keras's Conv2DTranspose has none
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_Conv):
    """y = activation(x ⋆ᵀ W + b), the transpose of a Conv1D: (batch, steps, in) -> (batch,
    new_steps, filters), new_steps = steps * s + max(k - s, 0) ("valid") or steps * s
    ("same"), as Conv2DTranspose's rows; each input step adds W times itself to k output
    steps, s apart. Computed as Conv2DTranspose's op on a one-column image.

    Args (Keras's defaults): filters, kernel_size, strides=1, padding="valid",
        output_padding=None (an int < strides), data_format=None, dilation_rate=1,
        activation=None, use_bias=True, kernel_initializer="glorot_uniform",
        bias_initializer="zeros", the regularizers and constraints (None), input_shape,
        name, seed; dtype=None, a keyword.

    Attributes:
        W: the kernel (k, filters, in), Keras's ``kernel``.  b: (filters,).
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, input_shape=None, name=None,
                 seed=None, *, dtype=None):
        where = f"Conv1DTranspose {name!r}" if name is not None else "Conv1DTranspose"
        # checked first: _Conv builds when it can
        self.output_padding = _output_padding(output_padding, strides, 1, where)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         input_shape, name, seed, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, dtype=dtype,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    build = Conv2DTranspose.build  # W (k, filters, in_channels), b (filters,)

    def forward(self, x):
        where = f"Conv1DTranspose {self.name!r}"
        x, first = _transposed_input(self, x, 1, where)
        steps = x.shape[2] if first else x.shape[1]
        extra = None if self.output_padding is None else self.output_padding[0]
        length, pads = _transpose_length(steps, self.kernel_size[0], self.strides[0],
                                         self.dilation_rate[0], self.padding, extra)
        # one column: (batch, steps, 1, in), the kernel (k, 1, filters, in)
        image = ag.expand_dims(x, -1 if first else 2)
        kernel = ag.expand_dims(self.W, 1)
        if first:
            kernel = ag.transpose(kernel, (3, 2, 0, 1))
        y = _named(where, ag.conv2d_transpose, image, kernel, (length, 1),
                   (self.strides[0], 1), (pads, (0, 0)), (self.dilation_rate[0], 1),
                   self.data_format)
        y = ag.squeeze(y, -1 if first else 2)
        if self.b is not None:
            y = ag.bias_add(y, self.b, self.data_format)
        return self.activation(y)

    def get_config(self):
        config = super().get_config()
        del config["groups"]  # Keras's Conv1DTranspose has none
        config["output_padding"] = self.output_padding
        return config
