"""PyTorch's ``torch.nn.functional``: the layers and losses as functions, so that code
written ``import torch.nn.functional as F`` ports by renaming (``import nn.functional as
F``). PyTorch's argument names, defaults and layouts: images channels first (N, C, H, W),
kernels (out, in / groups, kh, kw), weights of ``linear`` (out_features, in_features),
class axis 1 for the losses.

>>> import numpy as np, autograd_core as ag, nn.functional as F
>>> x = ag.Value(np.array([[-1.0, 2.0]]))
>>> F.relu(x).numpy().tolist(), round(float(F.cross_entropy(x, np.array([1]))), 4)
([[0.0, 2.0]], 0.0486)

Each function is the engine's op or the loss module's maths (``nn.CrossEntropyLoss``
and friends), so everything here is differentiable to any order. What PyTorch has and
this module does not (average pooling's ``ceil_mode`` and ``divisor_override``) raises
``NotImplementedError`` naming the argument, never a silently different result. Some
functions live next to their layers (``torch_pooling``, ``torch_padding``, ...) and are
re-exported here, as are the in-place activations (``relu_``...) of ``torch_inplace``.

(Keras's functional API, ``Input`` and ``Model(inputs, outputs)``, is in
``functional_model``.)
"""

import math
import numbers
import warnings

import numpy as np

import autograd_core as ag

from . import torch_losses as _losses
from .torch_losses import (
    ctc_loss, gaussian_nll_loss, multi_margin_loss, multilabel_margin_loss,
    multilabel_soft_margin_loss,
)
from .basic_layers import _pair, _real
# PyTorch's functions written next to their layers (neither module imports this one)
from .torch_padding import (
    channel_shuffle, fold, pad_as_torch, pixel_shuffle, pixel_unshuffle, unfold,
)
from .torch_pooling import (
    adaptive_avg_pool1d, adaptive_max_pool1d, adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d, adaptive_max_pool2d_with_indices, max_pool1d,
    max_pool1d_with_indices, max_pool2d, max_pool2d_with_indices, max_unpool1d, max_unpool2d,
)
from .torch_pooling import adaptive_avg_pool2d as _adaptive_avg_pool2d_bins
from .torch_sampling import affine_grid, grid_sample
from .torch_functions import (
    bilinear, celu, embedding, embedding_bag, glu, hardshrink, pdist, prelu, rrelu, softmax2d,
    softshrink, tanhshrink, threshold,
)
from .torch_functions import pairwise_distance as _pairwise_distance_composed
from .torch_norm_functions import batch_norm, group_norm, instance_norm, layer_norm, rms_norm
from .torch_random_functions import (
    alpha_dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout, gumbel_softmax,
)
from ._transposed_conv import transposed_conv
from .volumetric_functional import (
    _pool_window, adaptive_avg_pool3d, adaptive_max_pool3d, adaptive_max_pool3d_with_indices,
    avg_pool3d, conv3d, conv_transpose3d, max_pool3d, max_pool3d_with_indices, max_unpool3d,
)
from .torch_fractional_pooling import (
    fractional_max_pool2d, fractional_max_pool2d_with_indices, fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)
from .torch_inplace import (
    celu_, elu_, hardtanh_, leaky_relu_, relu_, rrelu_, selu_, threshold_,
)

__all__ = [
    # activations
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "sigmoid", "tanh",
    "softplus", "softsign", "logsigmoid", "hardsigmoid", "softmax", "log_softmax",
    "hardtanh", "mish", "hardswish", "softmin", "cosine_similarity",
    # layers
    "linear", "conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d",
    "max_pool1d", "avg_pool1d", "conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d",
    "adaptive_avg_pool3d", "adaptive_max_pool3d", "max_unpool3d", "max_pool3d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices", "fractional_max_pool2d",
    "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices",
    "adaptive_avg_pool2d", "dropout", "pad", "one_hot", "scaled_dot_product_attention",
    "interpolate", "channel_shuffle", "fold", "pixel_shuffle", "pixel_unshuffle", "unfold",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_unpool1d", "max_unpool2d",
    "local_response_norm", "glu", "celu", "softshrink", "hardshrink", "tanhshrink",
    "threshold", "rrelu", "softmax2d", "embedding_bag", "bilinear", "affine_grid",
    "grid_sample", "embedding", "prelu", "conv_transpose1d", "lp_pool1d", "lp_pool2d",
    "lp_pool3d", "upsample", "upsample_nearest", "upsample_bilinear", "gumbel_softmax",
    # normalization
    "layer_norm", "batch_norm", "group_norm", "instance_norm", "rms_norm", "normalize",
    # dropouts
    "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
    # distances
    "pairwise_distance", "pdist",
    # in place (under no_grad, or on Values that need no gradient)
    "relu_", "elu_", "selu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu_", "celu_",
    # losses
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
    "soft_margin_loss", "poisson_nll_loss", "margin_ranking_loss", "cosine_embedding_loss",
    "hinge_embedding_loss", "triplet_margin_loss", "gaussian_nll_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "ctc_loss",
    "triplet_margin_with_distance_loss", "linear_cross_entropy",
]


def _value(x):
    """Values pass; arrays and numbers become constants (of their own dtype)."""
    return x if isinstance(x, ag.Value) else ag.constant(x)


# --- activations ------------------------------------------------------------------------
# ``inplace`` is accepted for PyTorch's code and changes nothing: the result is always a
# new Value (an in-place change would break the recorded graph's saved inputs).

def relu(input, inplace=False):
    """max(x, 0)."""
    return ag.relu(input)


def relu6(input, inplace=False):
    """min(max(x, 0), 6)."""
    return ag.clip(input, 0, 6)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x (PyTorch's default slope 0.01; Keras's is 0.2)."""
    return ag.leaky_relu(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return ag.elu(input, alpha)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalizing constants."""
    return ag.selu(input)


def gelu(input, approximate="none"):
    """x * Φ(x); ``approximate="tanh"`` uses the tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return ag.gelu(input, approximate=approximate == "tanh")


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return ag.silu(input)


def sigmoid(input):
    """1 / (1 + exp(-x))."""
    return ag.sigmoid(input)


def tanh(input):
    """tanh(x)."""
    return ag.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's
    switch to the linear function, kept so that results match it to the last bit)."""
    x = _value(input)
    smooth = ag.softplus(x * beta) / beta if beta != 1 else ag.softplus(x)
    return ag.where(x.data * beta > threshold, x, smooth)


def softsign(input):
    """x / (1 + |x|)."""
    return ag.softsign(input)


def logsigmoid(input):
    """log sigmoid(x) = -softplus(-x), stable for large |x|."""
    return -ag.softplus(-_value(input))


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return ag.hard_sigmoid(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """min(max(x, min_val), max_val); the gradient passes where min_val < x < max_val."""
    if not min_val < max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must be below max_val ({max_val})")
    return ag.clip(input, min_val, max_val)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    x = _value(input)
    return x * ag.tanh(ag.softplus(x))


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6: 0 below -3, x above 3."""
    x = _value(input)
    return x * ag.clip(x + 3, 0, 6) / 6


def softmin(input, dim, dtype=None):
    """softmax(-x) along ``dim``: the smallest entries get the largest weights."""
    return ag.softmax(-_cast(_value(input), dtype), axis=dim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along ``dim``, broadcasting."""
    a, b = _value(x1), _value(x2)
    norms = [ag.maximum(ag.norm(v, axis=dim), eps) for v in (a, b)]
    return ag.sum(a * b, axis=dim) / (norms[0] * norms[1])


def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim`` (required: PyTorch's implicit dim is deprecated);
    ``dtype`` casts the input first, as PyTorch does."""
    return ag.softmax(_cast(input, dtype), axis=dim)


def log_softmax(input, dim, dtype=None):
    """x - logsumexp(x) along ``dim``, stable; ``dtype`` casts the input first."""
    return ag.log_softmax(_cast(input, dtype), axis=dim)


def _cast(x, dtype):
    return x if dtype is None else ag.cast(_value(x), dtype)


# --- layers -----------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """y = x @ weight^T + bias, weight (out_features, in_features) as ``nn.Linear``'s."""
    return ag.linear(input, ag.transpose(_value(weight)), bias)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, (N, C_in, H, W) with weight (C_out, C_in / groups, kh, kw);
    padding an int, a pair, "valid" or "same"."""
    return ag.conv2d(input, weight, stride, padding, dilation, "channels_first", bias=bias,
                     groups=groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation, (N, C_in, L) with weight (C_out, C_in / groups, k)."""
    return ag.conv1d(input, weight, stride, padding, dilation, "channels_first", bias=bias,
                     groups=groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """The transpose of conv2d (a "deconvolution"), (N, C_in, H, W) with weight (C_in,
    C_out / groups, kh, kw) as PyTorch stores it, to (N, C_out, OH, OW) with
    OH = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1: ``padding`` crops the output,
    ``output_padding`` (smaller than the stride or the dilation) adds rows and columns
    at its far side, picking one of the sizes a strided conv2d maps to the same H."""
    where = "conv_transpose2d"
    stride, padding = _pair(stride, "stride", where), _pair(padding, "padding", where, 0)
    output_padding = _pair(output_padding, "output_padding", where, 0)
    dilation = _pair(dilation, "dilation", where)
    x = _value(input)
    if x.ndim != 4 or np.ndim(weight) != 4:
        raise ValueError(f"{where}: expected input (N, C_in, H, W) and weight (C_in, "
                         f"C_out / groups, kh, kw), got shapes {x.shape} and "
                         f"{np.shape(weight)}")
    return transposed_conv(where, ag.conv2d_transpose, x, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """The transpose of conv1d, (N, C_in, L) with weight (C_in, C_out / groups, k) to
    (N, C_out, OL), OL = (L - 1) * s - 2 * p + d * (k - 1) + op + 1: ``conv_transpose2d``
    on images of height 1.

    Args (PyTorch's): stride, padding (cropped from the output), output_padding (smaller
    than the stride or the dilation), dilation: ints or tuples of one; groups; bias (C_out,).
    """
    where = "conv_transpose1d"
    x = _value(input)
    if x.ndim != 3 or np.ndim(weight) != 3:
        raise ValueError(f"{where}: expected input (N, C_in, L) and weight (C_in, C_out / "
                         f"groups, k), got shapes {x.shape} and {np.shape(weight)}")
    (s,), (p,) = _one(stride, "stride", where), _one(padding, "padding", where, 0)
    (op,), (d,) = _one(output_padding, "output_padding", where, 0), _one(dilation, "dilation",
                                                                       where)
    if op >= max(s, d):
        raise ValueError(f"{where}: output_padding {op} must be smaller than the stride {s} "
                         f"or the dilation {d}, as in PyTorch")
    length = (x.shape[2] - 1) * s - 2 * p + d * (np.shape(weight)[2] - 1) + op + 1
    if length < 1:
        raise ValueError(f"{where}: the output would have length {length}: the padding {p} "
                         "crops more than the output has")
    x, w = ag.expand_dims(x, 2), ag.expand_dims(_value(weight), 2)
    try:
        y = conv_transpose2d(x, w, bias, (1, s), (0, p), (0, op), groups, (1, d))
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from e
    return ag.squeeze(y, 2)


def _images(input, where):
    x = _value(input)
    if x.ndim != 4:
        raise ValueError(f"{where}: expected images (N, C, H, W), got shape {x.shape}")
    return x


def _unsupported(where, **arguments):
    for name, (value, default) in arguments.items():
        if value != default:
            raise NotImplementedError(f"{where}: {name}={value!r} is not supported (only "
                                      f"{name}={default!r})")


def _window(input, kernel_size, stride, padding, where):
    """The images, the kernel size, the stride (kernel_size when None) and the padding,
    checked; padding at most half the kernel, as PyTorch requires."""
    x = _images(input, where)
    kernel = _pair(kernel_size, "kernel_size", where, 1)
    strides = kernel if stride is None or stride == [] else _pair(stride, "stride", where, 1)
    pads = _pair(padding, "padding", where, 0)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{where}: padding {pads} must be at most half the kernel_size "
                         f"{kernel}, as in PyTorch")
    return x, kernel, strides, pads


def _padded(x, pads, fill):
    (ph, pw) = pads
    if not (ph or pw):
        return x
    return ag.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each window, (N, C, H, W) -> (N, C, OH, OW); the zero padding counts in
    the mean (PyTorch's default ``count_include_pad=True``)."""
    where = "avg_pool2d"
    _unsupported(where, ceil_mode=(ceil_mode, False), divisor_override=(divisor_override, None))
    x, kernel, strides, pads = _window(input, kernel_size, stride, padding, where)
    if not count_include_pad and any(pads):
        raise NotImplementedError(f"{where}: count_include_pad=False with padding {pads} is "
                                  "not supported")
    return ag.avg_pool2d(_padded(x, pads, 0.0), kernel, strides, "valid", "channels_first")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """The mean of each window along the last axis, (N, C, L) -> (N, C, OL): ``avg_pool2d``
    on images of height 1 (the zero padding counts, PyTorch's default)."""
    return _pool1d(avg_pool2d, "avg_pool1d", input, kernel_size, stride, padding,
                   ceil_mode=ceil_mode, count_include_pad=count_include_pad)


def _pool1d(pool2d, where, input, kernel_size, stride, padding, **options):
    x = _value(input)
    if x.ndim != 3:
        raise ValueError(f"{where}: expected sequences (N, C, L), got shape {x.shape}")
    (k,), (p,) = _one(kernel_size, "kernel_size", where), _one(padding, "padding", where, 0)
    s = (k,) if stride is None else _one(stride, "stride", where)
    y = pool2d(ag.expand_dims(x, 2), (1, k), (1,) + s, (0, p), **options)
    return ag.squeeze(y, 2)


def _one(value, what, where, minimum=1):
    """PyTorch's 1-D size argument: an int, or a tuple of one."""
    items = (value,) if isinstance(value, numbers.Integral) else tuple(value)
    if len(items) != 1 or isinstance(items[0], bool) or not isinstance(
            items[0], numbers.Integral) or items[0] < minimum:
        raise ValueError(f"{where}: {what} must be an int >= {minimum} or a tuple of one, got "
                         f"{value!r}")
    return (int(items[0]),)


def _lp_power(norm_type, where):
    if isinstance(norm_type, numbers.Real) and norm_type == math.inf:
        return math.inf
    p = _real(norm_type, "norm_type", where, 0.0, float("inf"))
    if p == 0:
        raise ValueError(f"{where}: norm_type must be > 0, got {norm_type!r}")
    return p


def _lp_root(sums, p):
    """sums ** (1 / p) for lp pooling, with PyTorch's gradient where a window's sum is 0:
    there the root's slope is infinite, and PyTorch's ReLU in ``sign(s) * relu(|s|)`` masks
    it to a gradient of 0 (its backward selects, it does not multiply). The second where
    keeps the branch not taken finite, so the zero it is multiplied by stays 0."""
    empty = ag.equal(sums, 0.0)
    return ag.where(empty, 0.0, ag.where(empty, 1.0, sums) ** (1.0 / p))


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """y = (sum of x**p over each window) ** (1 / p), p = norm_type, PyTorch's power-average
    pooling: avg_pool2d(x**p) * kh * kw, to the power 1 / p. (N, C, H, W) -> (N, C, OH, OW).
    p = 1 is sum pooling, p = inf max pooling of |x|. No padding, as PyTorch's; a window whose
    sum of powers is negative (odd p) gives NaN, and one whose sum is 0 a gradient of 0,
    as PyTorch's do."""
    where = "lp_pool2d"
    p = _lp_power(norm_type, where)
    _unsupported(where, ceil_mode=(ceil_mode, False))
    if p == math.inf:   # the limit of (sum |x|**p) ** (1 / p): max |x|, as PyTorch's
        return max_pool2d(ag.abs(_images(input, where)), kernel_size, stride)
    kh, kw = _pair(kernel_size, "kernel_size", where, 1)
    return _lp_root(avg_pool2d(_images(input, where) ** p, (kh, kw), stride) * (kh * kw), p)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """y = (sum of x**p over each window of the last axis) ** (1 / p), p = norm_type:
    (N, C, L) -> (N, C, OL); ``lp_pool2d``'s rules."""
    where = "lp_pool1d"
    p = _lp_power(norm_type, where)
    _unsupported(where, ceil_mode=(ceil_mode, False))
    x = _value(input)
    if x.ndim != 3:
        raise ValueError(f"{where}: expected sequences (N, C, L), got shape {x.shape}")
    if p == math.inf:   # max |x|, as lp_pool2d's
        return max_pool1d(ag.abs(x), kernel_size, stride)
    (k,) = _one(kernel_size, "kernel_size", where)
    return _lp_root(avg_pool1d(x ** p, k, stride) * k, p)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """y = (sum of x**p over each window) ** (1 / p), p = norm_type: avg_pool3d(x**p) *
    kd * kh * kw, to the power 1 / p. (N, C, D, H, W) or (C, D, H, W) -> (N, C, OD, OH, OW)
    or (C, OD, OH, OW); ``lp_pool2d``'s rules (p = inf: the max of |x|)."""
    where = "lp_pool3d"
    p = _lp_power(norm_type, where)
    _unsupported(where, ceil_mode=(ceil_mode, False))
    x = _value(input)
    if x.ndim not in (4, 5):
        raise ValueError(f"{where}: expected volumes (N, C, D, H, W) or (C, D, H, W), got "
                         f"shape {x.shape}")
    kernel, strides, _ = _pool_window(where, kernel_size, stride, 0)
    if p == math.inf:
        return max_pool3d(ag.abs(x), kernel, strides)
    return _lp_root(avg_pool3d(x ** p, kernel, strides) * math.prod(kernel), p)


def adaptive_avg_pool2d(input, output_size):
    """The mean over a grid of output_size windows, PyTorch's bins: equal when output_size
    divides the image's height and width (output_size 1 is the global average), else
    bin i spans [floor(i * H / oh), ceil((i + 1) * H / oh)), overlapping by one."""
    where = "adaptive_avg_pool2d"
    x = _images(input, where)
    h, w = x.shape[2:]
    oh, ow = (output_size, output_size) if isinstance(output_size, numbers.Integral) \
        else output_size
    oh, ow = h if oh is None else oh, w if ow is None else ow
    if not (isinstance(oh, numbers.Integral) and isinstance(ow, numbers.Integral)
            and oh > 0 and ow > 0):
        raise ValueError(f"{where}: output_size must be positive ints, got {output_size!r}")
    if h % oh or w % ow:  # PyTorch's unequal, overlapping bins: torch_pooling's
        return _adaptive_avg_pool2d_bins(x, (oh, ow))
    size = (h // oh, w // ow)  # equal windows: the engine's average pool
    return ag.avg_pool2d(x, size, size, "valid", "channels_first")


def _lrn_args(size, alpha, beta, k, where):
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Integral) or size <= 0:
        raise ValueError(f"{where}: size must be a positive integer, got {size!r}")
    alpha, beta, k = (_real(v, what, where, -float("inf"), float("inf"))
                      for v, what in ((alpha, "alpha"), (beta, "beta"), (k, "k")))
    return int(size), alpha, beta, k


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """y = x / (k + alpha / size * sum of x**2 over the ``size`` channels around c)**beta,
    PyTorch's ``F.local_response_norm``: channel c's window runs from c - size // 2 to c +
    (size - 1) // 2, the channels past the edges zeros. (N, C, *) -> the same, 3-d or more.
    """
    where = "local_response_norm"
    size, alpha, beta, k = _lrn_args(size, alpha, beta, k, where)
    x = input if isinstance(input, ag.Value) else ag.constant(input)  # arrays: their dtype
    if x.ndim < 3:
        raise ValueError(f"{where}: expected input of 3 or more axes, (N, C, *), got shape "
                         f"{x.shape}")
    if x.size == 0:
        return x
    n, c = x.shape[:2]
    # the squares as one-channel images (N, 1, C + size - 1, rest), the channels padded
    # with zeros; a (size, 1) mean down them is the window's sum / size
    squares = ag.reshape(x * x, (n, 1, c, -1))
    squares = ag.pad(squares, ((0, 0), (0, 0), (size // 2, (size - 1) // 2), (0, 0)))
    mean = ag.avg_pool2d(squares, (size, 1), (1, 1), "valid", "channels_first")
    return x / (ag.reshape(mean, x.shape) * alpha + k) ** beta


def dropout(input, p=0.5, training=True, inplace=False):
    """x * mask / (1 - p) with mask ~ Bernoulli(1 - p) when ``training`` (the default, as
    PyTorch's: pass ``training=self.training`` in a module), else x. The mask is drawn from
    ``ag.random``'s generator, which ``ag.manual_seed`` seeds."""
    if not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}")
    x = _value(input)
    if not training or p == 0:
        return x
    dtype = x.dtype if x.dtype.kind == "f" else ag.get_default_dtype()
    if p == 1:
        return x * np.zeros(x.shape, dtype)
    u = ag.random.uniform(x.shape, dtype=ag.float64).numpy()
    return x * ((u >= p).astype(dtype) / dtype.type(1 - p))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v, each query's weighted mean of the values, over the
    last two axes: q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev).

    Args (PyTorch's):
        attn_mask: broadcast to (..., L, S): booleans, True where a query may attend a key
            (the others get weight 0), or floats added to the scores.
        dropout_p: the probability of dropping each attention weight (always applied, as
            PyTorch's: pass ``dropout_p if self.training else 0.0``).
        is_causal: query i attends keys 0..i only (no attn_mask then).
        scale: 1 / sqrt(E) by default.
        enable_gqa: grouped-query attention: k and v with fewer heads (axis -3) than q,
            each shared by q's heads in turn.
    """
    where = "scaled_dot_product_attention"
    q, k, v = _value(query), _value(key), _value(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] \
            or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{where}: expected query (..., L, E), key (..., S, E) and value "
                         f"(..., S, Ev), got shapes {q.shape}, {k.shape} and {v.shape}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{where}: give attn_mask or is_causal=True, not both (as PyTorch)")
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        if q.shape[-3] % k.shape[-3]:
            raise ValueError(f"{where}: with enable_gqa, query's {q.shape[-3]} heads must be "
                             f"a multiple of key's {k.shape[-3]}")
        groups = q.shape[-3] // k.shape[-3]
        k, v = ag.repeat(k, groups, axis=-3), ag.repeat(v, groups, axis=-3)
    length, size = q.shape[-2], k.shape[-2]
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    scores = ag.matmul(q, ag.swapaxes(k, -1, -2)) * q.dtype.type(scale)
    if is_causal:
        attn_mask = np.tril(np.ones((length, size), bool))
    if attn_mask is not None:
        scores = scores + _mask_bias(attn_mask, True, scores.dtype)
    weights = ag.softmax(scores, axis=-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, training=True)
    return ag.matmul(weights, v)


def _mask_bias(mask, true_attends, dtype):
    """A mask as what to add to the scores: booleans become 0 where attending is allowed
    and -inf elsewhere (``true_attends``: True marks the allowed places, as in
    scaled_dot_product_attention; False marks the forbidden ones, as in MultiheadAttention);
    floats are added as they are."""
    data = mask.data if isinstance(mask, ag.Value) else np.asarray(mask)
    if data.dtype == bool:
        allowed = data if true_attends else ~data
        return np.where(allowed, dtype.type(0), dtype.type(-np.inf))
    return mask if isinstance(mask, ag.Value) else data.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, L) sequences or (N, C, H, W) images to ``size`` or by ``scale_factor``,
    PyTorch's way, one spatial axis after the other.

    Args (PyTorch's):
        size: the output's spatial size (an int, or one per axis); or
        scale_factor: a number, or one per axis: the output has floor(n * scale) steps.
        mode: "nearest" (input index floor(i * s), s the input's steps per output step:
            1 / scale_factor when given, PyTorch's rule, else n_in / n_out), "nearest-exact"
            (floor((i + 0.5) * s)), "linear" (sequences) or "bilinear" (images): each
            output step mixes the two input steps around its position.
        align_corners: for the linear modes: True maps the corner pixels' centres onto each
            other, position i * (n_in - 1) / (n_out - 1); False (the default) maps pixel
            areas, (i + 0.5) * s - 0.5, clamped at 0.
        recompute_scale_factor: True takes s = n_in / n_out even with a scale_factor.
        antialias: only False (PyTorch's default).
    """
    where = "interpolate"
    x = _value(input)
    spatial = x.ndim - 2
    if spatial not in (1, 2):
        raise NotImplementedError(f"{where}: (N, C, L) and (N, C, H, W) inputs are supported, "
                                  f"got shape {x.shape}")
    linear = {1: "linear", 2: "bilinear"}[spatial]
    if mode not in ("nearest", "nearest-exact", linear):
        raise NotImplementedError(f"{where}: mode {mode!r} is not supported for a {x.ndim}-D "
                                  f"input; use 'nearest', 'nearest-exact' or {linear!r}")
    if antialias:
        raise NotImplementedError(f"{where}: antialias=True is not supported")
    if align_corners is not None and mode != linear:
        raise ValueError(f"{where}: align_corners only goes with the linear modes (as "
                         "PyTorch)")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{where}: give either size or scale_factor (as PyTorch)")
    sizes_in = x.shape[2:]

    def per_axis(value, what):
        items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * spatial
        if len(items) != spatial or any(isinstance(v, bool) or not isinstance(
                v, numbers.Real) or not v > 0 for v in items):
            raise ValueError(f"{where}: {what} must be a positive number or {spatial} of "
                             f"them, got {value!r}")
        return items

    if size is not None:
        sizes_out = tuple(int(n) for n in per_axis(size, "size"))
        steps = [n_in / n_out for n_in, n_out in zip(sizes_in, sizes_out)]
    else:
        factors = per_axis(scale_factor, "scale_factor")
        sizes_out = tuple(int(np.floor(n * f)) for n, f in zip(sizes_in, factors))
        steps = [n_in / n_out if recompute_scale_factor else 1.0 / f
                 for n_in, n_out, f in zip(sizes_in, sizes_out, factors)]
    for axis, (n_in, n_out, step) in enumerate(zip(sizes_in, sizes_out, steps), start=2):
        if mode == linear:
            x = ag.tensordot(x, _linear_matrix(n_in, n_out, step, align_corners, x.dtype),
                             axes=([axis], [1]))
            x = ag.moveaxis(x, -1, axis)  # tensordot put the resized axis last
        else:
            shift = 0.5 if mode == "nearest-exact" else 0.0
            index = np.minimum(np.floor((np.arange(n_out) + shift) * step).astype(np.int64),
                               n_in - 1)
            x = ag.take(x, index, axis=axis)
    return x


def _linear_matrix(n_in, n_out, step, align_corners, dtype):
    """M (n_out, n_in): output step i as (1 - f) x[j] + f x[j + 1], PyTorch's positions."""
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        source = i * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        source = np.maximum((i + 0.5) * step - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = source - low
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), low), 1 - frac)
    np.add.at(m, (np.arange(n_out), high), frac)
    return m.astype(dtype)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """PyTorch's deprecated name of ``interpolate`` (a DeprecationWarning says so)."""
    warnings.warn("nn.functional.upsample is deprecated: use nn.functional.interpolate",
                  DeprecationWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """PyTorch's deprecated ``interpolate(..., mode="nearest")``."""
    warnings.warn("nn.functional.upsample_nearest is deprecated: use "
                  "nn.functional.interpolate", DeprecationWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """PyTorch's deprecated ``interpolate(..., mode="bilinear", align_corners=True)``:
    images (N, C, H, W) only."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated: use "
                  "nn.functional.interpolate(..., mode='bilinear', align_corners=True)",
                  DeprecationWarning, stacklevel=2)
    if _value(input).ndim != 4:
        raise ValueError(f"upsample_bilinear: expected images (N, C, H, W), got shape "
                         f"{_value(input).shape}")
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) / 2 axes: pad = (left, right) of the last axis, then of the
    one before it, and so on (PyTorch's order). Modes: "constant" (``value``, 0 by
    default), "reflect" (each pad smaller than its axis), "replicate", "circular" (each
    pad at most its axis). A negative pad crops, as in PyTorch."""
    x = _value(input)
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in pad):
        raise ValueError(f"pad: pad must hold ints, a (left, right) pair per axis for at "
                         f"most {x.ndim} axes, got {pad!r}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                         f"'circular', got {mode!r}")
    if value is not None and mode != "constant":
        raise ValueError(f"pad: value is for mode 'constant' only, got mode {mode!r}")
    return pad_as_torch(x, tuple(int(n) for n in pad), mode, "pad",
                        0 if value is None else value)


def one_hot(tensor, num_classes=-1):
    """Integer class numbers to int64 rows with a one at each class; ``num_classes=-1``
    means the largest class number + 1."""
    labels = np.asarray(tensor.data if isinstance(tensor, ag.Value) else tensor)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: class numbers must be integers, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError("one_hot: class numbers must be >= 0")
    classes = int(labels.max()) + 1 if num_classes == -1 else num_classes
    if labels.size and labels.max() >= classes:
        raise ValueError(f"one_hot: class {int(labels.max())} is out of range for "
                         f"num_classes={classes}")
    return ag.one_hot(labels, classes, dtype=np.int64)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p, eps) along ``dim``: unit vectors, zero vectors left zero."""
    x = _value(input)
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or p <= 0:
        raise ValueError(f"normalize: p must be a number > 0, got {p!r}")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or eps <= 0:
        raise ValueError(f"normalize: eps must be a number > 0, got {eps!r}")
    norms = ag.norm(x, ord=float(p), axis=dim, keepdims=True)
    return x / ag.maximum(norms, x.dtype.type(eps))


# --- losses: the loss modules' maths, with PyTorch's functional signatures ----------------
# Arguments after ``weight`` are keyword-only: PyTorch's positions there belong to its
# deprecated size_average and reduce, so a positional call would mean something else.

def cross_entropy(input, target, weight=None, *, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """-weight[t] * log softmax(input)[t] over the class axis 1 (see CrossEntropyLoss)."""
    return _losses.CrossEntropyLoss(weight, ignore_index, reduction,
                                    label_smoothing).forward(input, target)


def nll_loss(input, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """-weight[t] * input[t], input holding log-probabilities (see NLLLoss)."""
    return _losses.NLLLoss(weight, ignore_index, reduction).forward(input, target)


def mse_loss(input, target, *, reduction="mean"):
    """(input - target)²."""
    return _losses.MSELoss(reduction).forward(input, target)


def l1_loss(input, target, *, reduction="mean"):
    """|input - target|."""
    return _losses.L1Loss(reduction).forward(input, target)


def huber_loss(input, target, *, reduction="mean", delta=1.0):
    """½ d² where |d| < delta, else delta (|d| - ½ delta)."""
    return _losses.HuberLoss(reduction, delta).forward(input, target)


def smooth_l1_loss(input, target, *, reduction="mean", beta=1.0):
    """½ d² / beta where |d| < beta, else |d| - ½ beta."""
    return _losses.SmoothL1Loss(reduction, beta).forward(input, target)


def binary_cross_entropy(input, target, weight=None, *, reduction="mean"):
    """-weight * (t log p + (1 - t) log(1 - p)), each log clamped at -100 (see BCELoss)."""
    return _losses.BCELoss(weight, reduction).forward(input, target)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",
           log_target=False):
    """t (log t - input), input holding log-probabilities (see KLDivLoss)."""
    return _losses.KLDivLoss(size_average, reduce, reduction, log_target).forward(input, target)


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction="mean",
                                     pos_weight=None):
    """The same on logits, fused and stable (see BCEWithLogitsLoss)."""
    return _losses.BCEWithLogitsLoss(weight, reduction, pos_weight).forward(input, target)


def soft_margin_loss(input, target, *, reduction="mean"):
    """log(1 + exp(-y x)) (see SoftMarginLoss)."""
    return _losses.SoftMarginLoss(reduction).forward(input, target)


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, *,
                     reduction="mean"):
    """exp(x) - t x, or x - t log(x + eps) (see PoissonNLLLoss)."""
    return _losses.PoissonNLLLoss(log_input, full, None, eps, None,
                                  reduction).forward(input, target)


def margin_ranking_loss(input1, input2, target, margin=0.0, *, reduction="mean"):
    """max(0, -y (x1 - x2) + margin) (see MarginRankingLoss)."""
    return _losses.MarginRankingLoss(margin, reduction).forward(input1, input2, target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, *, reduction="mean"):
    """1 - cos where y = 1, max(0, cos - margin) where y = -1 (see CosineEmbeddingLoss)."""
    return _losses.CosineEmbeddingLoss(margin, reduction).forward(input1, input2, target)


def hinge_embedding_loss(input, target, margin=1.0, *, reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (see HingeEmbeddingLoss)."""
    return _losses.HingeEmbeddingLoss(margin, reduction).forward(input, target)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        *, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) (see TripletMarginLoss)."""
    return _losses.TripletMarginLoss(margin, p, eps, swap,
                                     reduction=reduction).forward(anchor, positive, negative)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0), d any function of two batches to one distance
    per pair (``pairwise_distance`` by default); with ``swap``, d(a, n) is
    min(d(a, n), d(p, n)). (N, *) each -> a number ("mean", "sum") or (N,) ("none")."""
    where = "triplet_margin_with_distance_loss"
    reduction = _losses._reduction(reduction, where)
    margin = _real(margin, "margin", where, 0.0, float("inf"))
    if margin == 0:
        raise ValueError(f"{where}: margin must be > 0 (as PyTorch), got {margin}")
    if distance_function is not None and not callable(distance_function):
        raise TypeError(f"{where}: distance_function must be callable or None, got "
                        f"{type(distance_function).__name__}")
    a, p, n = _value(anchor), _value(positive), _value(negative)
    if not a.ndim == p.ndim == n.ndim:
        raise ValueError(f"{where}: anchor, positive and negative must have the same number "
                         f"of axes, got shapes {a.shape}, {p.shape} and {n.shape}")
    d = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = d(a, p), d(a, n)
    if swap:
        d_neg = ag.minimum(d_neg, d(p, n))
    return _losses._reduce(ag.relu(d_pos - d_neg + margin), reduction)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target, ...), PyTorch's
    reference form (no chunking: ``options`` must be None); ignore_index None is -100."""
    if options is not None:
        raise NotImplementedError("linear_cross_entropy: options (chunking) are not "
                                  "supported; give options=None")
    return cross_entropy(linear(input, linear_weight, linear_bias), target, weight,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """d = ||x1 - x2 + eps||_p along the last axis: (*, D) and (*, D), broadcast -> (*),
    or (*, 1) with ``keepdim``. The engine's op when it has one, else
    ``torch_functions.pairwise_distance``'s composition."""
    engine_op = getattr(ag, "pairwise_distance", None)
    if engine_op is not None:
        return engine_op(x1, x2, p, eps, keepdim)
    return _pairwise_distance_composed(x1, x2, p, eps, keepdim)
