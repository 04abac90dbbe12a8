"""Keras 3's ``keras.ops``: backend-neutral ops, here autograd_core's differentiable ones.

``from keras import ops`` becomes ``from nn import ops``; each op takes Keras's argument
names and defaults (``axis=``, ``keepdims=``, ``ops.top_k(x, k, sorted=True)``) and
returns an ``ag.Value``, so gradients flow through it as through any autograd_core op:

>>> import numpy as np
>>> from nn import ops
>>> x = ops.convert_to_tensor([[1.0, -2.0], [3.0, 4.0]])
>>> ops.convert_to_numpy(ops.sum(ops.square(x), axis=1))
array([ 5., 25.], dtype=float32)
>>> values, indices = ops.top_k(ops.convert_to_tensor([1.0, 3.0, 2.0]), 2)
>>> indices.numpy().tolist()
[1, 2]

Most of Keras's numpy-like ops are autograd_core's functions of the same name, whose
signatures already are numpy's (and so Keras's); the others are thin adapters written here
(Keras's defaults differ: ``logsumexp``'s axis, ``gelu``'s approximation, ``shape``
giving a tuple, ...). The neural-network ops (activations, losses, convolutions, pooling,
normalization) are in ``nn.keras_nn_ops`` and re-exported here.

Left out, as autograd_core lacks them: complex numbers (``real``, ``imag``, ``conj``, the
FFTs, ``stft``), ``ctc_loss``/``ctc_decode``, the image ops (``ops.image``), ``eig``,
``lu_factor``, ``scatter_update``/``slice_update`` (in-place updates), ``associative_scan``,
``argpartition``, ``histogram``, ``extract_sequences``, ``saturate_cast`` and the bitwise ops.
"""

import builtins

import numpy as np

import autograd_core as ag

from .backend import floatx
from .keras_nn_ops import (
    average_pool, batch_normalization, binary_crossentropy, categorical_crossentropy, celu,
    conv, conv_transpose, depthwise_conv, dot_product_attention, elu, gelu, glu, hard_shrink,
    hard_sigmoid, hard_silu, hard_swish, hard_tanh, layer_normalization, leaky_relu,
    log_sigmoid, log_softmax, max_pool, moments, multi_hot, normalize, one_hot, psnr, relu,
    relu6, rms_normalization, selu, separable_conv, sigmoid, silu, soft_shrink, softmax,
    softplus, softsign, sparse_categorical_crossentropy, sparse_plus, squareplus, swish,
    tanh_shrink, threshold,
)

# --- the same as autograd_core's (numpy's signatures) ---------------------------------

abs, absolute, negative, sign, square, sqrt, exp, exp2, expm1 = (
    ag.abs, ag.absolute, ag.negative, ag.sign, ag.square, ag.sqrt, ag.exp, ag.exp2, ag.expm1)
log, log1p, log2, log10, reciprocal, rsqrt, erf, erfinv = (
    ag.log, ag.log1p, ag.log2, ag.log10, ag.reciprocal, ag.rsqrt, ag.erf, ag.erfinv)
sin, cos, tan, arcsin, arccos, arctan, sinh, cosh, tanh = (
    ag.sin, ag.cos, ag.tan, ag.arcsin, ag.arccos, ag.arctan, ag.sinh, ag.cosh, ag.tanh)
arcsinh, arccosh, arctanh, floor, ceil, trunc, round = (
    ag.arcsinh, ag.arccosh, ag.arctanh, ag.floor, ag.ceil, ag.trunc, ag.round)
add, subtract, multiply, divide, true_divide, floor_divide, power = (
    ag.add, ag.subtract, ag.multiply, ag.divide, ag.true_divide, ag.floor_divide, ag.power)
maximum, minimum, arctan2, hypot, logaddexp, mod = (
    ag.maximum, ag.minimum, ag.arctan2, ag.hypot, ag.logaddexp, ag.floormod)
matmul, dot, tensordot, outer, kron, einsum = (
    ag.matmul, ag.dot, ag.tensordot, ag.outer, ag.kron, ag.einsum)
sum, mean, max, min, prod, std, var, median, amax, amin, all, any = (
    ag.sum, ag.mean, ag.max, ag.min, ag.prod, ag.std, ag.var, ag.median, ag.amax, ag.amin,
    ag.all, ag.any)
argmax, argmin, argsort, sort, count_nonzero, average = (
    ag.argmax, ag.argmin, ag.argsort, ag.sort, ag.count_nonzero, ag.average)
concatenate, stack, hstack, vstack, append, expand_dims, squeeze, ravel = (
    ag.concatenate, ag.stack, ag.hstack, ag.vstack, ag.append, ag.expand_dims, ag.squeeze,
    ag.ravel)
tile, repeat, roll, flip, moveaxis, swapaxes, broadcast_to, rot90 = (
    ag.tile, ag.repeat, ag.roll, ag.flip, ag.moveaxis, ag.swapaxes, ag.broadcast_to, ag.rot90)
take, diag, diagonal, trace, tril, triu, diff, split = (
    ag.take, ag.diag, ag.diagonal, ag.trace, ag.tril, ag.triu, ag.diff, ag.split)
where, clip, nan_to_num, isclose, isnan, isinf, isfinite, digitize, bincount = (
    ag.where, ag.clip, ag.nan_to_num, ag.isclose, ag.isnan, ag.isinf, ag.isfinite,
    ag.digitize, ag.bincount)
equal, not_equal, less, less_equal, greater, greater_equal = (
    ag.equal, ag.not_equal, ag.less, ag.less_equal, ag.greater, ag.greater_equal)
logical_and, logical_or, logical_xor, logical_not = (
    ag.logical_and, ag.logical_or, ag.logical_xor, ag.logical_not)
cast, stop_gradient, is_tensor, cond, while_loop, vectorized_map, custom_gradient = (
    ag.cast, ag.stop_gradient, ag.is_tensor, ag.cond, ag.while_loop, ag.vectorized_map,
    ag.custom_gradient)
segment_sum, segment_max, logdet = ag.segment_sum, ag.segment_max, ag.logdet
inv, det, solve, lstsq, eigh = ag.linalg.inv, ag.linalg.det, ag.linalg.solve, \
    ag.linalg.lstsq, ag.linalg.eigh


# --- adapters: where Keras's signature or default differs --------------------------------

def _constant(array):
    """A constant Value of a numpy array, in the array's own dtype (ints stay ints)."""
    array = np.asarray(array)
    return ag.constant(array, dtype=array.dtype)


def convert_to_tensor(x, dtype=None, sparse=None):
    """A Value of ``x``, as Keras: Python floats in ``floatx()``, Python ints in int32,
    numpy arrays and Values in their own dtype unless ``dtype`` is given.

    Args:
        x: a number, nested list, numpy array or Value.
        dtype: the dtype wanted, or None.
        sparse: accepted for Keras's signature; only False/None (dense) is supported.
    """
    if sparse:
        raise NotImplementedError("convert_to_tensor: sparse tensors are not supported")
    if isinstance(x, ag.Value):
        return x if dtype is None or np.dtype(dtype) == x.dtype else ag.cast(x, dtype)
    if dtype is None and not isinstance(x, (np.ndarray, np.generic)):
        array = np.asarray(x)
        if array.dtype.kind == "f":
            dtype = floatx()
        elif array.dtype.kind in "iu":
            dtype = "int32"
    return _constant(np.asarray(x, dtype=dtype))


def convert_to_numpy(x):
    """``x`` (a Value, array, number or list) as a numpy array, off the graph."""
    return x.numpy() if isinstance(x, ag.Value) else np.asarray(x)


def shape(x):
    """The shape of ``x`` as a tuple of ints (Keras's; TensorFlow's ``tf.shape`` gives a
    tensor, which ``ag.shape`` is)."""
    return tuple(np.shape(x.numpy() if isinstance(x, ag.Value) else x))


def ndim(x):
    """The number of axes of ``x``."""
    return len(shape(x))


def size(x):
    """The number of elements of ``x``, an int."""
    return int(np.prod(shape(x), dtype=np.int64))


def dtype(x):
    """The dtype of ``x`` as Keras's string: "float32", "int32", ..."""
    return convert_to_tensor(x).dtype.name


def reshape(x, newshape):
    """``x`` with shape ``newshape`` (one entry may be -1)."""
    return ag.reshape(x, tuple(newshape) if isinstance(newshape, (list, tuple)) else newshape)


def transpose(x, axes=None):
    """``x`` with its axes permuted as ``axes``; reversed when None (numpy's)."""
    return ag.transpose(x) if axes is None else ag.transpose(x, perm=tuple(axes))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis`` (all axes when None, Keras's default)."""
    if axis is None:
        return ag.logsumexp(ag.reshape(x, (-1,)), axis=0, keepdims=False) if not keepdims \
            else ag.reshape(ag.logsumexp(ag.reshape(x, (-1,)), axis=0), (1,) * ndim(x))
    return ag.logsumexp(x, axis=axis, keepdims=keepdims)


def take_along_axis(x, indices, axis=None):
    """numpy's ``take_along_axis``; ``axis=None`` works on the flattened ``x``."""
    if axis is None:
        return ag.take_along_axis(ag.reshape(x, (-1,)), ag.reshape(indices, (-1,)), axis=0)
    return ag.take_along_axis(x, indices, axis=axis)


def top_k(x, k, sorted=True):
    """The ``k`` largest entries along the last axis and their indices: (values, indices)."""
    values, indices = ag.topk(x, k, dim=-1, sorted=sorted)
    return values, indices


def in_top_k(targets, predictions, k):
    """Whether each row's target class is among the ``k`` highest of its row of
    ``predictions`` (batch, classes): fewer than k classes score strictly higher."""
    scores = convert_to_numpy(predictions)
    labels = convert_to_numpy(targets).astype(np.int64)
    target_scores = np.take_along_axis(scores, labels[:, None], axis=1)
    return _constant((scores > target_scores).sum(axis=1) < k)


def vdot(x1, x2):
    """sum(x1 * x2) over all entries, the arrays flattened (numpy's; torch's takes 1-D)."""
    return ag.sum(ag.multiply(ag.ravel(x1), ag.ravel(x2)))


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 is 0 (its gradient there 0 too)."""
    zero = ag.equal(x2, 0)
    safe = ag.where(zero, ag.ones_like(x2), x2)
    return ag.where(zero, ag.zeros_like(ag.divide(x1, safe)), ag.divide(x1, safe))


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy's ``linalg.norm``: the vector 2-norm of all of ``x`` by default; a vector
    norm over one axis, a matrix norm ("fro", "nuc", 1, 2, ...) over two."""
    return ag.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def cumsum(x, axis=None, dtype=None):
    """Running sums along ``axis`` (of the flattened ``x`` when None)."""
    out = ag.cumsum(x, axis=axis)
    return out if dtype is None else ag.cast(out, dtype)


def cumprod(x, axis=None, dtype=None):
    """Running products along ``axis`` (of the flattened ``x`` when None)."""
    out = ag.cumprod(x, axis=axis)
    return out if dtype is None else ag.cast(out, dtype)


def pad(x, pad_width, mode="constant", constant_values=None):
    """numpy's ``pad``; ``constant_values`` only with mode "constant"."""
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values is only for mode='constant', got mode={mode!r}")
    return ag.pad(x, pad_width, mode=mode, constant_values=0 if constant_values is None
                  else constant_values)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """numpy's ``quantile`` (``method`` as numpy's interpolation)."""
    return ag.quantile(x, q, axis=axis, keepdims=keepdims, interpolation=method)


def searchsorted(sorted_sequence, values, side="left"):
    """numpy's ``searchsorted`` on a 1-D ``sorted_sequence``."""
    return ag.searchsorted(sorted_sequence, values, side=side)


def nonzero(x):
    """numpy's ``nonzero``: a tuple of index arrays, one per axis (not differentiable)."""
    return tuple(_constant(i.astype(np.int32)) for i in np.nonzero(convert_to_numpy(x)))


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list."""
    return list(ag.unstack(x, num=num, axis=axis))


def meshgrid(*x, indexing="xy"):
    """numpy's ``meshgrid``, as a list."""
    return list(ag.meshgrid(*x, indexing=indexing))


def copy(x):
    """A copy of ``x`` (gradients pass through unchanged)."""
    return ag.clone(x)


def slice(inputs, start_indices, shape):
    """``inputs[start:start + size]`` on every axis: ``shape`` holds the sizes."""
    index = tuple(builtins.slice(int(s), int(s) + int(n))
                  for s, n in zip(start_indices, shape))
    return convert_to_tensor(inputs)[index]


def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (rows of coordinates)."""
    return ag.scatter_nd(indices, values, shape)


def switch(index, branches, *operands):
    """``branches[index](*operands)``; an index off either end picks the end one."""
    index = builtins.min(builtins.max(int(convert_to_numpy(index)), 0), len(branches) - 1)
    return branches[index](*operands)


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in range(lower, upper); returns ``val``."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def map(f, xs):
    """``f`` applied to each slice of ``xs`` along its first axis, stacked."""
    return ag.stack([f(item) for item in unstack(xs)], axis=0)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """JAX's scan, as Keras's: ``carry, y = f(carry, x)`` for each x along the first axis
    of ``xs`` (or ``length`` times with x None). Returns (final carry, stacked ys)."""
    steps = [None] * length if xs is None else unstack(xs)
    carry, ys = init, []
    for item in (steps[::-1] if reverse else steps):
        carry, y = f(carry, item)
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    stacked = None if not ys or ys[0] is None else ag.stack(ys, axis=0)
    return carry, stacked


# --- array makers --------------------------------------------------------------------

def _dtype(dtype):
    return floatx() if dtype is None else dtype


def ones(shape, dtype=None):
    """Ones of ``shape`` (a tuple), in ``floatx()`` unless ``dtype`` is given."""
    return ag.ones(shape=tuple(np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),),
                   dtype=_dtype(dtype))


def zeros(shape, dtype=None):
    """Zeros of ``shape`` (a tuple), in ``floatx()`` unless ``dtype`` is given."""
    return ag.zeros(shape=tuple(np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),),
                    dtype=_dtype(dtype))


def full(shape, fill_value, dtype=None):
    """``fill_value`` everywhere in an array of ``shape``."""
    return _constant(np.full(shape, convert_to_numpy(fill_value), dtype=dtype))


def ones_like(x, dtype=None):
    """Ones of ``x``'s shape and dtype (or ``dtype``)."""
    return ag.ones_like(x, dtype=dtype)


def zeros_like(x, dtype=None):
    """Zeros of ``x``'s shape and dtype (or ``dtype``)."""
    return ag.zeros_like(x, dtype=dtype)


def full_like(x, fill_value, dtype=None):
    """``fill_value`` everywhere in an array of ``x``'s shape and dtype (or ``dtype``)."""
    return ag.full_like(x, fill_value, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    """numpy's ``arange``: ints give int32 (Keras's), floats ``floatx()``."""
    if dtype is None:
        numbers = [start, step] + ([] if stop is None else [stop])
        dtype = floatx() if builtins.any(isinstance(n, float) for n in numbers) else "int32"
    return _constant(np.arange(start, stop, step, dtype=dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """numpy's ``linspace`` (``floatx()`` unless ``dtype`` is given)."""
    samples, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    samples = _constant(samples.astype(_dtype(dtype)))
    return (samples, step) if retstep else samples


def eye(N, M=None, k=0, dtype=None):
    """The (N, M) matrix with ones on diagonal ``k``."""
    return _constant(np.eye(N, M, k, dtype=_dtype(dtype)))


def identity(n, dtype=None):
    """The (n, n) identity matrix (TensorFlow's ``identity`` copies a tensor; Keras's
    makes this)."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal ``k`` of an (N, M) matrix."""
    return _constant(np.tri(N, M, k, dtype=_dtype(dtype)))


__all__ = [
    "abs", "absolute", "negative", "sign", "square", "sqrt", "exp", "exp2", "expm1", "log",
    "log1p", "log2", "log10", "reciprocal", "rsqrt", "erf", "erfinv", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "floor", "ceil", "trunc", "round", "add", "subtract", "multiply", "divide", "true_divide",
    "floor_divide", "power", "maximum", "minimum", "arctan2", "hypot", "logaddexp", "mod",
    "divide_no_nan", "in_top_k", "matmul", "dot", "tensordot", "outer", "vdot", "kron", "einsum", "sum",
    "mean", "max", "min", "prod", "std", "var", "median", "amax", "amin", "all", "any",
    "argmax", "argmin", "argsort", "sort", "count_nonzero", "average", "concatenate", "stack",
    "hstack", "vstack", "append", "expand_dims", "squeeze", "ravel", "tile", "repeat", "roll",
    "flip", "moveaxis", "swapaxes", "broadcast_to", "rot90", "take", "diag", "diagonal",
    "trace", "tril", "triu", "diff", "split", "where", "clip", "nan_to_num", "isclose",
    "isnan", "isinf", "isfinite", "digitize", "bincount", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
    "logical_not", "cast", "stop_gradient", "is_tensor", "cond", "while_loop",
    "vectorized_map", "custom_gradient", "segment_sum", "segment_max", "logdet",
    "inv", "det", "solve", "lstsq", "eigh",
    "convert_to_tensor", "convert_to_numpy", "shape", "ndim", "size", "dtype", "reshape",
    "transpose", "logsumexp", "take_along_axis", "top_k", "norm", "cumsum", "cumprod", "pad",
    "quantile", "searchsorted", "nonzero", "unstack", "meshgrid", "copy", "slice", "scatter",
    "switch", "fori_loop", "map", "scan",
    "ones", "zeros", "full", "ones_like", "zeros_like", "full_like", "arange", "linspace",
    "eye", "identity", "tri",
    # neural-network ops (nn.keras_nn_ops)
    "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid",
    "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu", "celu", "gelu",
    "glu", "hard_tanh", "soft_shrink", "hard_shrink", "tanh_shrink", "squareplus",
    "sparse_plus", "threshold", "softmax", "log_softmax", "one_hot", "multi_hot", "moments",
    "batch_normalization", "normalize", "layer_normalization", "rms_normalization",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "psnr", "conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool",
    "average_pool", "dot_product_attention",
]
