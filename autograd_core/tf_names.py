"""TensorFlow's names, so that its code ports by renaming ``tf`` to ``ag``: the top-level
functions TensorFlow has and numpy and PyTorch lack (``clip_by_value``, ``shape``,
``boolean_mask``, ``add_n``, ``cond``, ``map_fn``...), and the namespaces ``ag.math`` and
``ag.nn`` (``tf.math.top_k``, ``tf.nn.relu``, ``tf.nn.softmax_cross_entropy_with_logits``).
More top-level and ``tf.math`` names live in ``tf_scatter`` (scatter updates,
dynamic_partition/stitch), ``tf_folds`` (foldl, foldr, scan), ``tf_math`` (clip_by_norm,
TensorFlow's divisions, xdivy...), ``tf_counting`` (unique_with_counts, in_top_k...),
``tf_math_extra`` (accumulate_n, invert_permutation, approx_max_k, betainc...),
``tf_nn_extra`` (depth_to_space, space_to_batch, convolution, pool, max_pool_with_argmax,
weighted_moments...) and ``tf_ctc`` (ctc_loss, ctc_greedy_decoder);
the segment reductions are ops (``ops.segments``), and so are ``ag.math.special``'s
dawsn, expint, fresnel_cos, fresnel_sin and spence (``ops.tf_special``).

Each is a short composition of the library's ops, so each is differentiable wherever the
ops it is made of are, and draws and steps as they do. TensorFlow's control flow
(``cond``, ``while_loop``, ``map_fn``) runs eagerly, as TensorFlow's eager mode does.
"""

from __future__ import annotations

import types

import numpy as np

from . import ops
from .engine import Value, constant
from .ops import arithmetic, nondiff, reductions, statistics
from . import random as _random
from . import tf_counting, tf_ctc, tf_math, tf_math_extra, tf_nn_extra
from .tf_counting import histogram_fixed_width, unique_with_counts  # more top-level names
from .tf_folds import foldl, foldr, scan
from .tf_math_extra import scalar_mul
from .tf_nn_extra import batch_to_space, space_to_batch
from .tf_math import (
    clip_by_global_norm, clip_by_norm, ensure_shape, realdiv, truediv, truncatediv, truncatemod,
)
from .tf_scatter import (
    dynamic_partition, dynamic_stitch, tensor_scatter_nd_max, tensor_scatter_nd_min,
    tensor_scatter_nd_sub, tensor_scatter_nd_update,
)

__all__ = ["clip_by_value", "shape", "size", "rank", "identity", "boolean_mask", "greater",
           "greater_equal", "less", "less_equal", "not_equal", "convert_to_tensor", "add_n",
           "floordiv", "floormod", "sequence_mask", "cond", "while_loop", "map_fn",
           "vectorized_map", "newaxis"] + [
    "tensor_scatter_nd_update", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
    "tensor_scatter_nd_min", "unique_with_counts", "histogram_fixed_width", "clip_by_norm",
    "clip_by_global_norm", "foldl", "foldr", "scan", "truncatediv", "truncatemod", "realdiv",
    "truediv", "ensure_shape", "dynamic_partition", "dynamic_stitch", "scalar_mul",
    "space_to_batch", "batch_to_space"]

newaxis = None


def clip_by_value(t, clip_value_min, clip_value_max):
    """``tf.clip_by_value``: ``clip(t, min, max)``."""
    return arithmetic.clip(t, clip_value_min, clip_value_max)


def shape(x, out_type=np.int32):
    """``tf.shape``: x's shape as an integer constant (``tf.shape(x)[0]`` is the batch)."""
    return constant(np.array(_value(x).shape, dtype=out_type), dtype=out_type)


def size(x, out_type=np.int32):
    """``tf.size``: the number of elements of x, an integer constant."""
    return constant(np.array(_value(x).data.size, dtype=out_type), dtype=out_type)


def rank(x):
    """``tf.rank``: the number of dimensions of x, an int32 constant."""
    return constant(np.array(_value(x).ndim, dtype=np.int32), dtype=np.int32)


def identity(x):
    """``tf.identity``: a new Value equal to x (its gradient passes through unchanged)."""
    return arithmetic.clone(x)


def boolean_mask(tensor, mask, axis=None):
    """``tf.boolean_mask``: the entries of ``tensor`` where the k-D boolean ``mask`` is
    true, taken over the k axes from ``axis`` (0 by default), which collapse into one."""
    tensor = _value(tensor)
    mask = np.asarray(mask.data if isinstance(mask, Value) else mask)
    axis = 0 if axis is None else axis % max(tensor.ndim, 1)
    if mask.dtype != np.bool_:
        raise TypeError(f"boolean_mask: the mask must be boolean, got dtype {mask.dtype}")
    if tensor.shape[axis:axis + mask.ndim] != mask.shape:
        raise ValueError(f"boolean_mask: a mask of shape {mask.shape} does not match the "
                         f"axes {axis}..{axis + mask.ndim - 1} of a tensor of shape "
                         f"{tensor.shape}")
    return tensor[(slice(None),) * axis + (mask,)]


def _compare(name):
    return nondiff.constant_function(getattr(np, name), name, f"``tf.{name}``: elementwise "
                                     f"``np.{name}``, a boolean constant.")


greater, greater_equal = _compare("greater"), _compare("greater_equal")
less, less_equal, not_equal = _compare("less"), _compare("less_equal"), _compare("not_equal")


def convert_to_tensor(value, dtype=None, dtype_hint=None):
    """``tf.convert_to_tensor``: a Value stays itself (cast if ``dtype`` differs); other
    data becomes a constant, of ``dtype`` (or ``dtype_hint``; TensorFlow's float32 for
    Python floats)."""
    if isinstance(value, Value):
        return value if dtype is None or np.dtype(dtype) == value.dtype \
            else arithmetic.cast(value, dtype)
    return constant(value, dtype=dtype if dtype is not None else dtype_hint)


def add_n(inputs):
    """``tf.add_n``: the elementwise sum of a list of Values of one shape."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: needs at least one input")
    shapes = {np.shape(x.data if isinstance(x, Value) else x) for x in inputs}
    if len(shapes) != 1:
        raise ValueError(f"add_n: the inputs must have one shape, got {sorted(shapes)}")
    total = inputs[0]
    for x in inputs[1:]:
        total = arithmetic.add(total, x)
    return _value(total)


def floordiv(x, y):
    """``tf.math.floordiv``: ``floor_divide``."""
    return arithmetic.floor_divide(x, y)


def floormod(x, y):
    """``tf.math.floormod``: ``remainder`` (the sign of y, Python's %)."""
    return arithmetic.remainder(x, y)


def sequence_mask(lengths, maxlen=None, dtype=np.bool_):
    """``tf.sequence_mask``: row i true in its first ``lengths[i]`` places, of length
    ``maxlen`` (the largest length by default); a constant."""
    lengths = np.asarray(lengths.data if isinstance(lengths, Value) else lengths)
    if maxlen is None:
        maxlen = int(lengths.max()) if lengths.size else 0
    mask = np.arange(int(maxlen)) < lengths[..., None]
    return constant(mask.astype(dtype), dtype=dtype)


def cond(pred, true_fn=None, false_fn=None):
    """``tf.cond``, eagerly: ``true_fn()`` if ``pred`` holds, else ``false_fn()``."""
    return true_fn() if bool(pred.data if isinstance(pred, Value) else pred) else false_fn()


def while_loop(cond, body, loop_vars, maximum_iterations=None, **unused):
    """``tf.while_loop``, eagerly: ``loop_vars = body(*loop_vars)`` while
    ``cond(*loop_vars)`` holds (at most ``maximum_iterations`` times). Returns the loop
    variables, as TensorFlow does (a list or tuple as given)."""
    single = not isinstance(loop_vars, (list, tuple))
    loop_vars = [loop_vars] if single else list(loop_vars)
    done = 0
    while (maximum_iterations is None or done < maximum_iterations) and \
            bool(_truth(cond(*loop_vars))):
        result = body(*loop_vars)
        loop_vars = list(result) if isinstance(result, (list, tuple)) else [result]
        done += 1
    return loop_vars[0] if single else loop_vars


def _truth(x):
    return x.data if isinstance(x, Value) else x


def map_fn(fn, elems, **unused):
    """``tf.map_fn``, eagerly: ``fn`` on each slice of ``elems`` along its first axis
    (``elems`` a Value, or a tuple of them sliced together), the results stacked."""
    if isinstance(elems, (tuple, list)):
        parts = [_value(e) for e in elems]
        results = [fn(tuple(p[i] for p in parts)) for i in range(parts[0].shape[0])]
    else:
        elems = _value(elems)
        results = [fn(elems[i]) for i in range(elems.shape[0])]
    if results and isinstance(results[0], (tuple, list)):
        return type(results[0])(ops.stack([r[k] for r in results])
                                for k in range(len(results[0])))
    return ops.stack(results)


def vectorized_map(fn, elems, **unused):
    """``tf.vectorized_map``: ``map_fn`` (each slice in turn)."""
    return map_fn(fn, elems)


def _value(x):
    return x if isinstance(x, Value) else constant(x)


# --- tf.math and tf.nn: namespaces of the library's ops under TensorFlow's names --------


def top_k(input, k=1, sorted=True):  # noqa: A002 (TensorFlow's names)
    """``tf.math.top_k``: the k largest entries along the last axis and their indices."""
    return ops.topk(input, k, dim=-1, largest=True, sorted=sorted)


def log_sigmoid(x):
    """``tf.math.log_sigmoid``: log(sigmoid(x)) = -softplus(-x), without overflow."""
    return -ops.softplus(-_value(x))


def squared_difference(x, y):
    """``tf.math.squared_difference``: (x - y)**2 elementwise."""
    return ops.square(ops.subtract(x, y))


def divide_no_nan(x, y):
    """``tf.math.divide_no_nan``: x / y, and 0 where y is 0 (with a 0 gradient there)."""
    x, y = _value(x), _value(y)
    zero = np.asarray(y.data == 0)
    safe = arithmetic.where(zero, np.ones((), y.dtype), y)
    return arithmetic.where(zero, np.zeros((), y.dtype), x / safe)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False):  # noqa: A002
    """``tf.math.reduce_euclidean_norm``: sqrt(sum(x**2)) over ``axis``."""
    return ops.sqrt(reductions.sum(ops.square(input_tensor), axis, keepdims))


def l2_normalize(x, axis=None, epsilon=1e-12):
    """``tf.nn.l2_normalize`` (``tf.math.l2_normalize``): x / sqrt(max(sum(x**2), epsilon))
    over ``axis`` (None: all of x)."""
    squares = reductions.sum(ops.square(x), axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(squares, epsilon)))


def l2_loss(t):
    """``tf.nn.l2_loss``: sum(t**2) / 2."""
    return reductions.sum(ops.square(t)) * 0.5


def moments(x, axes, keepdims=False):
    """``tf.nn.moments``: the mean and the (population) variance of x over ``axes``."""
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    return (reductions.mean(x, axes, keepdims),
            statistics.var(x, axes, keepdims))


def relu6(x):
    """``tf.nn.relu6``: min(max(x, 0), 6)."""
    return arithmetic.clip(x, 0.0, 6.0)


def sigmoid_cross_entropy_with_logits(labels=None, logits=None):
    """``tf.nn.sigmoid_cross_entropy_with_logits``: the fused, stable elementwise loss."""
    return ops.sigmoid_cross_entropy(logits, labels)


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    """``tf.nn.softmax_cross_entropy_with_logits``: per row, the cross-entropy of
    softmax(logits) against the probability rows ``labels`` (the classes along
    ``axis``), fused and stable."""
    logits, labels = _value(logits), _value(labels)
    if axis not in (-1, logits.ndim - 1):
        logits, labels = ops.moveaxis(logits, axis, -1), ops.moveaxis(labels, axis, -1)
    return ops.softmax_cross_entropy(logits, labels)


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    """``tf.nn.sparse_softmax_cross_entropy_with_logits``: per row, the cross-entropy of
    softmax(logits) against the integer class ``labels``, fused and stable."""
    return ops.softmax_cross_entropy(logits, labels)


def dropout(x, rate, noise_shape=None, seed=None):
    """``tf.nn.dropout``: each entry zeroed with probability ``rate``, the others scaled
    by 1 / (1 - rate) (always: TensorFlow's ``tf.nn.dropout`` has no inference mode)."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    x = _value(x)
    keep = _random._gen(seed).random(noise_shape or x.shape) >= rate  # set_seed applies
    return x * constant((keep / (1.0 - rate)).astype(x.dtype), dtype=x.dtype)


def embedding_lookup(params, ids):
    """``tf.nn.embedding_lookup``: the rows of ``params`` at ``ids`` (its gradient is added
    into those rows)."""
    return ops.take(params, ids, axis=0)


def _channels_first(data_format, where):
    """TensorFlow's "NHWC"-style layouts (or Keras's names): whether channels come first."""
    if data_format is None or data_format in ("channels_last", "NWC", "NHWC", "NDHWC"):
        return False
    if data_format in ("channels_first", "NCW", "NCHW", "NCDHW"):
        return True
    raise ValueError(f"{where}: data_format must be like 'NHWC' or 'NCHW', got "
                     f"{data_format!r}")


def _pool(kind, input, ksize, strides, padding, data_format):  # noqa: A002
    x = _value(input)
    pools = {3: ops.max_pool1d, 4: ops.max_pool2d, 5: ops.max_pool3d} if kind == "max" \
        else {3: ops.avg_pool1d, 4: ops.avg_pool2d, 5: ops.avg_pool3d}
    if x.ndim not in pools:
        raise ValueError(f"{kind}_pool: input must be 3-D, 4-D or 5-D (batch, spatial..., "
                         f"channels), got shape {x.shape}")
    layout = "channels_first" if _channels_first(data_format, f"{kind}_pool") \
        else "channels_last"
    return pools[x.ndim](x, ksize, strides, padding, layout)


def max_pool(input, ksize, strides, padding, data_format=None):  # noqa: A002
    """``tf.nn.max_pool``: y = the max of each window, 1-, 2- or 3-D by input's rank (3, 4
    or 5); ksize and strides an int, N ints, or TensorFlow's N + 2 with 1 on batch and
    channels; padding "VALID" or "SAME"."""
    return _pool("max", input, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None):  # noqa: A002
    """``tf.nn.avg_pool``: y = the mean of each window (over its real cells with "SAME"),
    arguments as ``max_pool``."""
    return _pool("avg", input, ksize, strides, padding, data_format)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon):
    """``tf.nn.batch_normalization``: (x - mean) * scale / sqrt(variance + eps) + offset
    (offset and scale may be None)."""
    inv = ops.rsqrt(ops.add(variance, variance_epsilon))
    if scale is not None:
        inv = inv * scale
    shift = -_value(mean) * inv if offset is None else ops.subtract(offset, mean * inv)
    return _value(x) * inv + shift


def depthwise_conv2d(input, filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None):
    """``tf.nn.depthwise_conv2d``: channel i convolved with filter[:, :, i, q] gives output
    channel i * multiplier + q. filter: (kh, kw, C_in, multiplier), whatever the layout
    (a grouped conv2d with one group per input channel)."""
    x, k = _value(input), _value(filter)
    first = _channels_first(data_format, "depthwise_conv2d")
    if x.ndim != 4 or k.ndim != 4 or k.shape[2] != x.shape[1 if first else 3]:
        raise ValueError(f"depthwise_conv2d: input (N, H, W, C) and filter (kh, kw, C, "
                         f"multiplier) must share C, got shapes {x.shape} and {k.shape}")
    kh, kw, c, m = k.shape
    k = k.reshape((kh, kw, 1, c * m))
    if first:
        k = ops.transpose(k, (3, 2, 0, 1))
    return ops.conv2d(x, k, strides, padding, data_format="channels_first" if first
                      else "channels_last", dilations=dilations or 1, groups=c)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     data_format=None, dilations=None):
    """``tf.nn.separable_conv2d``: ``depthwise_conv2d``, then a 1x1 conv2d with
    pointwise_filter (1, 1, C_in * multiplier, C_out)."""
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    p = _value(pointwise_filter)
    first = _channels_first(data_format, "separable_conv2d")
    if p.ndim != 4 or p.shape[:2] != (1, 1) or p.shape[2] != y.shape[1 if first else 3]:
        raise ValueError(f"separable_conv2d: pointwise_filter must be (1, 1, "
                         f"{y.shape[1 if first else 3]}, C_out), got shape {p.shape}")
    if first:
        p = ops.transpose(p, (3, 2, 0, 1))
    return ops.conv2d(y, p, 1, "valid", data_format="channels_first" if first
                      else "channels_last")


def weighted_cross_entropy_with_logits(labels, logits, pos_weight):
    """``tf.nn.weighted_cross_entropy_with_logits``: the sigmoid cross-entropy with the
    positive term weighted, (1 - z) x + (1 + (q - 1) z) softplus(-x), z labels, q
    pos_weight."""
    logits = _value(logits)
    log_weight = 1 + (pos_weight - 1) * _value(labels)
    return (1 - _value(labels)) * logits + log_weight * ops.softplus(-logits)


def log_poisson_loss(targets, log_input, compute_full_loss=False):
    """``tf.nn.log_poisson_loss``: exp(c) - z c for log_input c and targets z; with
    ``compute_full_loss`` plus Stirling's z log z - z + log(2 pi z) / 2 where z > 1."""
    c, z = _value(log_input), _value(targets)
    loss = ops.exp(c) - c * z
    if not compute_full_loss:
        return loss
    small = np.asarray((z.data >= 0) & (z.data <= 1))
    safe = arithmetic.where(small, 1.0, z)
    stirling = safe * ops.log(safe) - safe + 0.5 * ops.log(2 * np.pi * safe)
    return loss + arithmetic.where(small, 0.0, stirling)


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0,  # noqa: A002
                                 beta=0.5):
    """``tf.nn.local_response_normalization``: x / (bias + alpha * s) ** beta, s the sum of
    x**2 over the channels d - r .. d + r (the last axis; r = depth_radius)."""
    x = _value(input)
    if x.ndim != 4:
        raise ValueError(f"local_response_normalization: input must be 4-D (N, H, W, C), "
                         f"got shape {x.shape}")
    r, c = int(depth_radius), x.shape[-1]
    padded = ops.pad(ops.square(x), [(0, 0)] * 3 + [(r, r)])
    s = add_n([padded[..., i:i + c] for i in range(2 * r + 1)])
    return x / ops.power(bias + alpha * s, beta)


def normalize_moments(counts, mean_ss, variance_ss, shift):
    """``tf.nn.normalize_moments``: mean = mean_ss / counts (+ shift), variance =
    variance_ss / counts - (mean_ss / counts)**2. Returns (mean, variance)."""
    shifted_mean = ops.divide(mean_ss, counts)
    mean = shifted_mean if shift is None else shifted_mean + shift
    return mean, ops.divide(variance_ss, counts) - ops.square(shifted_mean)


def crelu(features, axis=-1):
    """``tf.nn.crelu``: concat(relu(x), relu(-x)) along ``axis``."""
    x = _value(features)
    return ops.concat([ops.relu(x), ops.relu(-x)], axis=axis)


def _namespace(name, doc, own, *extra_names):
    """A namespace of the library's ops and TensorFlow's own names (``ag.math``)."""
    space = types.ModuleType(f"autograd_core.{name}", doc)
    for key in ops.__all__:
        setattr(space, key, getattr(ops, key))
    for key in extra_names:
        setattr(space, key, globals()[key])
    for key, value in own.items():
        setattr(space, key, value)
    return space


math = _namespace(
    "math", "TensorFlow's ``tf.math``: the library's ops, with TensorFlow's names.",
    {"is_nan": ops.isnan, "is_finite": ops.isfinite, "is_inf": ops.isinf,
     "reduce_std": statistics.reduce_std, "reduce_variance": statistics.reduce_variance,
     "reduce_sum": ops.sum, "reduce_mean": ops.mean, "reduce_max": ops.max,
     "reduce_min": ops.min, "rint": ops.round, "mod": floormod,
     "xdivy": tf_math.xdivy, "multiply_no_nan": tf_math.multiply_no_nan,
     "reciprocal_no_nan": tf_math.reciprocal_no_nan, "nextafter": tf_math.nextafter,
     "lbeta": tf_math.lbeta, "in_top_k": tf_counting.in_top_k,
     "confusion_matrix": tf_counting.confusion_matrix,
     **{name: getattr(tf_math_extra, name) for name in (
         "accumulate_n", "scalar_mul", "invert_permutation", "is_non_decreasing",
         "is_strictly_increasing", "zero_fraction", "unsorted_segment_sqrt_n", "approx_max_k",
         "approx_min_k", "betainc")},
     **{f"bessel_{name}": getattr(ops, name) for name in ("i0", "i0e", "i1", "i1e")}},
    "top_k", "log_sigmoid", "squared_difference", "divide_no_nan", "reduce_euclidean_norm",
    "l2_normalize", "add_n", "floordiv", "floormod", "greater", "greater_equal", "less",
    "less_equal", "not_equal", "truediv", "realdiv", "truncatediv", "truncatemod")

# tf.math.special: the Bessel functions, i0 ... i1e as on tf.math and the others there only,
# and TensorFlow's functions no other namespace has (ops.tf_special).
math.special = types.ModuleType(
    "autograd_core.math.special",
    "TensorFlow's ``tf.math.special``: bessel_i0, bessel_i0e, bessel_i1, bessel_i1e, "
    "bessel_j0, bessel_j1, bessel_y0, bessel_y1, bessel_k0, bessel_k0e, bessel_k1, "
    "bessel_k1e, dawsn, expint, fresnel_cos, fresnel_sin, spence.")
for _name, _function in {
        "i0": ops.i0, "i0e": ops.i0e, "i1": ops.i1, "i1e": ops.i1e,
        "j0": ops.bessel_j0, "j1": ops.bessel_j1, "y0": ops.bessel_y0, "y1": ops.bessel_y1,
        "k0": ops.modified_bessel_k0, "k0e": ops.scaled_modified_bessel_k0,
        "k1": ops.modified_bessel_k1, "k1e": ops.scaled_modified_bessel_k1}.items():
    setattr(math.special, f"bessel_{_name}", _function)
for _name in ops.tf_special.__all__:
    setattr(math.special, _name, getattr(ops.tf_special, _name))
del _name, _function

nn = _namespace(
    "nn", "TensorFlow's ``tf.nn``: activations, losses, convolutions and pooling.",
    {"swish": ops.silu, "silu": ops.silu, "elu": ops.elu, "selu": ops.selu,
     "in_top_k": tf_counting.in_top_k, "lrn": local_response_normalization,
     "zero_fraction": tf_math_extra.zero_fraction,
     "ctc_loss": tf_ctc.ctc_loss, "ctc_greedy_decoder": tf_ctc.ctc_greedy_decoder,
     **{name: getattr(tf_nn_extra, name) for name in (
         "depth_to_space", "space_to_depth", "space_to_batch", "batch_to_space",
         "conv1d_transpose", "conv_transpose", "convolution", "atrous_conv2d",
         "atrous_conv2d_transpose", "max_pool_with_argmax", "pool", "weighted_moments",
         "sufficient_statistics", "compute_average_loss", "scale_regularization_loss")}},
    "relu6", "l2_normalize", "l2_loss", "moments", "sigmoid_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
    "dropout", "embedding_lookup", "log_sigmoid", "max_pool", "avg_pool", "batch_normalization",
    "top_k", "depthwise_conv2d", "separable_conv2d",
    "weighted_cross_entropy_with_logits", "log_poisson_loss", "local_response_normalization",
    "normalize_moments", "crelu")
