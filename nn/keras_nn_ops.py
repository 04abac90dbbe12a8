"""Keras 3's neural-network ops (``keras.ops.relu``, ``conv``, ``binary_crossentropy``...),
built on autograd_core's differentiable functions; ``nn.ops`` re-exports them all.

Each is Keras's formula under Keras's arguments and defaults, for channels-last data and
kernels shaped (spatial..., in, out), as Keras's layers keep them:

>>> import numpy as np
>>> y = binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2]))
>>> np.round(y.numpy(), 4)                       # -log(0.9), -log(0.8)
array([0.1054, 0.2231])

The cross-entropies clip probabilities into ``[epsilon, 1 - epsilon]`` (1e-7) as Keras
does, and with ``from_logits=True`` work from log-softmax / log-sigmoid instead.
"""

import numpy as np

import autograd_core as ag

from . import backend


def relu(x):
    """max(x, 0)"""
    return ag.relu(x)


def relu6(x):
    """min(max(x, 0), 6)"""
    return ag.clip(ag.relu(x), None, 6.0)


def sigmoid(x):
    """1 / (1 + exp(-x))"""
    return ag.sigmoid(x)


def softplus(x):
    """log(1 + exp(x))"""
    return ag.softplus(x)


def softsign(x):
    """x / (1 + |x|)"""
    return ag.softsign(x)


def silu(x):
    """x * sigmoid(x)  (also ``swish``)"""
    return ag.silu(x)


swish = silu


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)"""
    return ag.negative(ag.softplus(ag.negative(x)))


def leaky_relu(x, negative_slope=0.2):
    """x where x >= 0, negative_slope * x elsewhere"""
    return ag.leaky_relu(x, alpha=negative_slope)


def hard_sigmoid(x):
    """relu6(x + 3) / 6  (Keras 3's; Keras 2 had 0.2 x + 0.5)"""
    return ag.clip(ag.add(ag.divide(x, 6.0), 0.5), 0.0, 1.0)


def hard_silu(x):
    """x * hard_sigmoid(x)  (also ``hard_swish``)"""
    return ag.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def elu(x, alpha=1.0):
    """x where x > 0, alpha * (exp(x) - 1) elsewhere"""
    return ag.elu(x, alpha=alpha)


def selu(x):
    """scale * elu(x, alpha), scale = 1.0507..., alpha = 1.6732..."""
    return ag.selu(x)


def celu(x, alpha=1.0):
    """max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)"""
    return ag.celu(x, alpha=alpha)


def gelu(x, approximate=True):
    """x * Phi(x); Keras's default is the tanh approximation (``approximate=True``)."""
    return ag.gelu(x, approximate="tanh" if approximate else False)


def glu(x, axis=-1):
    """a * sigmoid(b), where a and b are the two halves of ``x`` along ``axis``"""
    a, b = ag.split(x, 2, axis=axis)
    return ag.multiply(a, ag.sigmoid(b))


def hard_tanh(x):
    """clip(x, -1, 1)"""
    return ag.clip(x, -1.0, 1.0)


def soft_shrink(x, threshold=0.5):
    """x - threshold where x > threshold, x + threshold where x < -threshold, else 0"""
    return ag.multiply(ag.sign(x), ag.relu(ag.subtract(ag.abs(x), threshold)))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0"""
    return ag.where(ag.greater(ag.abs(x), threshold), x, ag.zeros_like(x))


def tanh_shrink(x):
    """x - tanh(x)"""
    return ag.subtract(x, ag.tanh(x))


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2"""
    return ag.divide(ag.add(x, ag.sqrt(ag.add(ag.square(x), b))), 2.0)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)**2 / 4 for -1 < x < 1, x for x >= 1"""
    middle = ag.divide(ag.square(ag.add(x, 1.0)), 4.0)
    return ag.where(ag.less_equal(x, -1.0), ag.zeros_like(middle),
                    ag.where(ag.greater_equal(x, 1.0), x, middle))


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value"""
    return ag.where(ag.greater(x, threshold), x, ag.full_like(x, default_value))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``"""
    return ag.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``"""
    return ag.log_softmax(x, axis=axis)


# --- encodings and statistics --------------------------------------------------------

def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels ``x`` as one-hot vectors along a new ``axis``; labels outside
    [0, num_classes) give rows of zeros. Floats in ``floatx()`` unless ``dtype``."""
    if sparse:
        raise NotImplementedError("one_hot: sparse tensors are not supported")
    labels = np.asarray(x.numpy() if isinstance(x, ag.Value) else x).astype(np.int64)
    out = ag.one_hot(labels, num_classes, dtype=dtype)
    return out if axis == -1 else ag.moveaxis(out, -1, axis)


def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    """1 at each label of a row of ``inputs`` (batch, labels): the rows' one-hots OR-ed."""
    hots = one_hot(inputs, num_classes, dtype=dtype, sparse=sparse)
    out = ag.max(hots, axis=-2)
    return out if axis == -1 else ag.moveaxis(out, -1, axis)


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of ``x`` over ``axes`` (the variance divides by n)."""
    mean = ag.mean(x, axis=tuple(axes), keepdims=True)
    variance = ag.mean(ag.square(ag.subtract(x, mean)), axis=tuple(axes), keepdims=keepdims)
    return (mean if keepdims else ag.squeeze(mean, axis=tuple(axes))), variance


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics being of
    length x.shape[axis] and broadcast along it."""
    shape = [1] * x.ndim if hasattr(x, "ndim") else [1] * np.ndim(x)
    shape[axis] = -1

    def along(v):
        return ag.reshape(v, tuple(shape))

    y = ag.divide(ag.subtract(x, along(mean)), ag.sqrt(ag.add(along(variance), epsilon)))
    if scale is not None:
        y = ag.multiply(y, along(scale))
    return y if offset is None else ag.add(y, along(offset))


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(||x||_order, epsilon) along ``axis``; epsilon defaults to Keras's 1e-7."""
    eps = backend.epsilon() if epsilon is None else epsilon
    norms = ag.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return ag.divide(x, ag.maximum(norms, eps))


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, the statistics over ``axis``."""
    eps = 1e-3 if epsilon is None else epsilon
    mean, variance = moments(x, [axis], keepdims=True)
    y = ag.divide(ag.subtract(x, mean), ag.sqrt(ag.add(variance, eps)))
    y = y if gamma is None else ag.multiply(y, gamma)
    return y if beta is None else ag.add(y, beta)


def rms_normalization(x, scale=1, axis=-1, epsilon=None):
    """x / sqrt(mean(x**2 over axis) + epsilon) * scale"""
    eps = epsilon if epsilon is not None else 1e-7
    rms = ag.sqrt(ag.add(ag.mean(ag.square(x), axis=axis, keepdims=True), eps))
    return ag.multiply(ag.divide(x, rms), scale)


# --- losses (one value per sample, no reduction) -------------------------------------

def binary_crossentropy(target, output, from_logits=False):
    """-(t log p + (1 - t) log(1 - p)) elementwise; p = sigmoid(output) with from_logits."""
    if from_logits:
        # log p = -softplus(-z), log(1 - p) = -softplus(z)
        return ag.add(ag.multiply(target, ag.softplus(ag.negative(output))),
                      ag.multiply(ag.subtract(1.0, target), ag.softplus(output)))
    p = ag.clip(output, backend.epsilon(), 1.0 - backend.epsilon())
    return ag.negative(ag.add(ag.multiply(target, ag.log(p)),
                              ag.multiply(ag.subtract(1.0, target), ag.log(ag.subtract(1.0, p)))))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(t log p) along ``axis``; p = output rescaled to sum 1 (softmax with
    from_logits)."""
    if from_logits:
        log_p = ag.log_softmax(output, axis=axis)
    else:
        p = ag.divide(output, ag.sum(output, axis=axis, keepdims=True))
        log_p = ag.log(ag.clip(p, backend.epsilon(), 1.0 - backend.epsilon()))
    return ag.negative(ag.sum(ag.multiply(target, log_p), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-log p[target] along ``axis``: ``categorical_crossentropy`` of one_hot(target)."""
    classes = (output.shape if hasattr(output, "shape") else np.shape(output))[axis]
    return categorical_crossentropy(one_hot(target, classes, axis=axis, dtype=np.float64
                                            if np.dtype(getattr(output, "dtype", "f4")) ==
                                            np.float64 else np.float32),
                                    output, from_logits=from_logits, axis=axis)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: 20 log10(max_val) - 10 log10(mean((x1 - x2)**2))"""
    mse = ag.mean(ag.square(ag.subtract(x1, x2)))
    return ag.subtract(20.0 * np.log10(max_val), ag.multiply(10.0, ag.log10(mse)))


# --- convolution, pooling, attention (channels last) ---------------------------------

def _channels_last(data_format, where):
    if data_format not in (None, "channels_last"):
        raise NotImplementedError(f"{where}: only data_format='channels_last' is supported")


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Convolution (cross-correlation) of ``inputs`` (batch, spatial..., in) with ``kernel``
    (spatial..., in / groups, out), 1-D to 3-D by the inputs' rank."""
    _channels_last(data_format, "conv")
    convolve = {3: ag.conv1d, 4: ag.conv2d, 5: ag.conv3d}[np.ndim(inputs)]
    return convolve(inputs, kernel, strides=strides, padding=padding.lower(),
                    dilation=dilation_rate)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved with its own ``depth_multiplier`` filters; ``kernel``
    (spatial..., in, depth_multiplier). 2-D only."""
    _channels_last(data_format, "depthwise_conv")
    kh, kw, channels, multiplier = kernel.shape
    grouped = ag.reshape(kernel, (kh, kw, 1, channels * multiplier))
    return ag.conv2d(inputs, grouped, strides=strides, padding=padding.lower(),
                        dilation=dilation_rate, groups=channels)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """``depthwise_conv`` then a 1x1 ``conv`` with ``pointwise_kernel``. 2-D only."""
    deep = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                          dilation_rate)
    return ag.conv2d(deep, pointwise_kernel)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """The gradient of ``conv`` with respect to its input; ``kernel`` (spatial..., out,
    in), as Keras's Conv2DTranspose keeps it. 2-D only, without output_padding."""
    _channels_last(data_format, "conv_transpose")
    if output_padding is not None or np.ndim(inputs) != 4:
        raise NotImplementedError("conv_transpose: 2-D inputs without output_padding only")
    return ag.conv2d_transpose(inputs, kernel, strides=strides, padding=padding.lower(),
                                  dilation=dilation_rate)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum of each window (1-D to 3-D by the inputs' rank)."""
    _channels_last(data_format, "max_pool")
    pool = {3: ag.max_pool1d, 4: ag.max_pool2d, 5: ag.max_pool3d}[np.ndim(inputs)]
    return pool(inputs, pool_size, strides=strides, padding=padding.lower())


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean of each window (1-D to 3-D by the inputs' rank)."""
    _channels_last(data_format, "average_pool")
    pool = {3: ag.avg_pool1d, 4: ag.avg_pool2d, 5: ag.avg_pool3d}[np.ndim(inputs)]
    return pool(inputs, pool_size, strides=strides, padding=padding.lower())


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False):
    """softmax(Q K^T * scale + bias, masked) V per head; Q: (batch, T, heads, dim), K and V:
    (batch, S, heads, dim); scale 1/sqrt(dim) by default. Returns (batch, T, heads, dim)."""
    dim = query.shape[-1]
    scores = ag.einsum("btnh,bsnh->bnts", query, key)
    scores = ag.multiply(scores, 1.0 / np.sqrt(dim) if scale is None else scale)
    if bias is not None:
        scores = ag.add(scores, bias)
    allowed = np.ones(scores.shape[-2:], dtype=bool)
    if is_causal:
        allowed = np.tril(allowed)
    if mask is not None:
        allowed = allowed & np.asarray(mask.numpy() if isinstance(mask, ag.Value) else mask,
                                       dtype=bool)
    if not allowed.all():
        scores = ag.where(allowed, scores, ag.full_like(scores, -1e9))
    return ag.einsum("bnts,bsnh->btnh", ag.softmax(scores, axis=-1), value)


__all__ = [
    "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid",
    "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu", "celu", "gelu",
    "glu", "hard_tanh", "soft_shrink", "hard_shrink", "tanh_shrink", "squareplus",
    "sparse_plus", "threshold", "softmax", "log_softmax",
    "one_hot", "multi_hot", "moments", "batch_normalization", "normalize",
    "layer_normalization", "rms_normalization",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "psnr",
    "conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool", "average_pool",
    "dot_product_attention",
]
