"""More of TensorFlow's ``tf.nn`` names (imported by ``tf_names``, which puts them in
``ag.nn``): the rearrangements ``depth_to_space``, ``space_to_depth``, ``space_to_batch``
and ``batch_to_space``; TensorFlow's convolution and pooling dispatchers
(``convolution``, ``conv_transpose``, ``conv1d_transpose``, ``atrous_conv2d``,
``atrous_conv2d_transpose``, ``pool``, ``max_pool_with_argmax``); the moments
(``weighted_moments``, ``sufficient_statistics``) and the distributed-loss helpers
(``compute_average_loss``, ``scale_regularization_loss``).

Each is a composition of the library's ops (reshape, transpose, pad, the convolutions and
poolings), so each is differentiable wherever those are. TensorFlow's filters are always
(spatial..., in, out) (conv_transpose's (spatial..., out, in)), whatever the data_format:
with a channels-first layout the input is moved to channels-last and the result back.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import ops
from ._tf_operands import data as _data, value as _value
from .engine import constant
from .ops import arithmetic, reductions

__all__ = ["space_to_batch", "batch_to_space"]

_LAST = {1: "NWC", 2: "NHWC", 3: "NDHWC"}
_FIRST = {1: "NCW", 2: "NCHW", 3: "NCDHW"}


def _block(block_size, where):
    if isinstance(block_size, (bool, np.bool_)) or not isinstance(block_size, numbers.Integral) \
            or block_size < 2:
        raise ValueError(f"{where}: block_size must be an integer >= 2, got {block_size!r}")
    return int(block_size)


def _image_format(data_format, where):
    """True for "NCHW", False for "NHWC"; anything else (NCHW_VECT_C...) refused."""
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"{where}: data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    return data_format == "NCHW"


# --- rearrangements --------------------------------------------------------------------


def depth_to_space(input, block_size, data_format="NHWC"):  # noqa: A002 (TensorFlow's names)
    """``tf.nn.depth_to_space``: each pixel's C channels spread over a block_size x
    block_size block of C / block_size**2 channels. Channel (by * b + bx) * C' + c of
    pixel (y, x) goes to pixel (y * b + by, x * b + bx), channel c (the block position is
    the high part of the channel index, where PyTorch's pixel_shuffle takes the low part).

    Args:
        input: (N, H, W, C), or (N, C, H, W) with data_format "NCHW"; C divisible by b**2.
        block_size: b >= 2.
    Returns:
        (N, H * b, W * b, C / b**2), or (N, C / b**2, H * b, W * b).
    """
    where = "depth_to_space"
    x, b, first = _value(input), _block(block_size, where), _image_format(data_format, where)
    if x.ndim != 4 or x.shape[1 if first else 3] % (b * b):
        raise ValueError(f"{where}: input must be 4-D ({data_format}) with its channels "
                         f"divisible by block_size**2 = {b * b}, got shape {x.shape}")
    if first:
        n, c, h, w = x.shape
        y = ops.transpose(x.reshape((n, b, b, c // (b * b), h, w)), (0, 3, 4, 1, 5, 2))
        return y.reshape((n, c // (b * b), h * b, w * b))
    n, h, w, c = x.shape
    y = ops.transpose(x.reshape((n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5))
    return y.reshape((n, h * b, w * b, c // (b * b)))


def space_to_depth(input, block_size, data_format="NHWC"):  # noqa: A002
    """``tf.nn.space_to_depth``, the inverse of ``depth_to_space``: each block_size x
    block_size block of pixels becomes one pixel of b**2 * C channels, the position in the
    block the high part of the channel index.

    Args:
        input: (N, H, W, C), or (N, C, H, W) with "NCHW"; H and W divisible by b.
    Returns:
        (N, H / b, W / b, C * b**2), or (N, C * b**2, H / b, W / b).
    """
    where = "space_to_depth"
    x, b, first = _value(input), _block(block_size, where), _image_format(data_format, where)
    spatial = x.shape[2:] if first and x.ndim == 4 else x.shape[1:3]
    if x.ndim != 4 or spatial[0] % b or spatial[1] % b:
        raise ValueError(f"{where}: input must be 4-D ({data_format}) with height and width "
                         f"divisible by block_size = {b}, got shape {x.shape}")
    if first:
        n, c, h, w = x.shape
        y = ops.transpose(x.reshape((n, c, h // b, b, w // b, b)), (0, 3, 5, 1, 2, 4))
        return y.reshape((n, b * b * c, h // b, w // b))
    n, h, w, c = x.shape
    y = ops.transpose(x.reshape((n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
    return y.reshape((n, h // b, w // b, b * b * c))


def _blocks_and_pairs(where, x, block_shape, pairs, name):
    shape_ = np.asarray(_data(block_shape))
    pairs = np.asarray(_data(pairs))
    if shape_.ndim != 1 or shape_.size < 1 or shape_.dtype.kind not in "iu" \
            or np.any(shape_ < 1):
        raise ValueError(f"{where}: block_shape must be a non-empty vector of integers >= 1, "
                         f"got {shape_.tolist()}")
    m = shape_.size
    if pairs.shape != (m, 2) or pairs.dtype.kind not in "iu" or np.any(pairs < 0):
        raise ValueError(f"{where}: {name} must be {m} pairs of integers >= 0 (one per block "
                         f"dimension), got {pairs.tolist()}")
    if x.ndim < m + 1:
        raise ValueError(f"{where}: input (shape {x.shape}) needs a batch axis and "
                         f"{m} spatial axes for block_shape {shape_.tolist()}")
    return [int(s) for s in shape_], [(int(a), int(b)) for a, b in pairs]


def space_to_batch(input, block_shape, paddings):  # noqa: A002
    """``tf.space_to_batch`` (``tf.nn.space_to_batch``): the M spatial axes after the batch
    zero-padded by ``paddings``, then cut into blocks of ``block_shape`` whose offsets go
    to the batch: output batch (offset, n), offset in row-major order over the block.

    Args:
        input: (N, d1, ..., dM, rest...).
        block_shape: M integers b_i; each padded d_i must be divisible by b_i.
        paddings: M pairs (before, after).
    Returns:
        (N * prod(b), (d1 + pads) / b1, ..., rest...).
    """
    where = "space_to_batch"
    x = _value(input)
    blocks, pads = _blocks_and_pairs(where, x, block_shape, paddings, "paddings")
    m, n = len(blocks), x.shape[0]
    x = ops.pad(x, [(0, 0)] + pads + [(0, 0)] * (x.ndim - m - 1))
    spatial, rest = x.shape[1:m + 1], x.shape[m + 1:]
    if any(d % b for d, b in zip(spatial, blocks)):
        raise ValueError(f"{where}: the padded spatial shape {spatial} is not divisible by "
                         f"block_shape {blocks}")
    split = [n] + [v for d, b in zip(spatial, blocks) for v in (d // b, b)] + list(rest)
    # axes: 0 batch, 1 + 2i the i-th outer position, 2 + 2i the i-th block offset
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(1 + 2 * m, len(split)))
    y = ops.transpose(x.reshape(tuple(split)), perm)
    return y.reshape((n * int(np.prod(blocks)),) + tuple(d // b for d, b in zip(spatial, blocks))
                     + tuple(rest))


def batch_to_space(input, block_shape, crops):  # noqa: A002
    """``tf.batch_to_space``, the inverse of ``space_to_batch``: the batch's blocks back
    into the M spatial axes, then ``crops`` removed.

    Args:
        input: (N * prod(b), d1, ..., dM, rest...).
        block_shape: M integers b_i (prod(b) divides the batch).
        crops: M pairs (before, after), at most the grown spatial sizes.
    Returns:
        (N, d1 * b1 - crops, ..., rest...).
    """
    where = "batch_to_space"
    x = _value(input)
    blocks, crops = _blocks_and_pairs(where, x, block_shape, crops, "crops")
    m, total = len(blocks), int(np.prod(blocks))
    if x.shape[0] % total:
        raise ValueError(f"{where}: the batch {x.shape[0]} (shape {x.shape}) is not divisible "
                         f"by prod(block_shape) = {total}")
    n, spatial, rest = x.shape[0] // total, x.shape[1:m + 1], x.shape[m + 1:]
    grown = [d * b for d, b in zip(spatial, blocks)]
    if any(a + c > g for (a, c), g in zip(crops, grown)):
        raise ValueError(f"{where}: crops {crops} exceed the spatial shape {tuple(grown)}")
    y = x.reshape(tuple(blocks) + (n,) + tuple(spatial) + tuple(rest))
    # axes: 0..m-1 block offsets, m batch, m+1+i the i-th outer position
    perm = [m] + [v for i in range(m) for v in (m + 1 + i, i)] + \
        list(range(2 * m + 1, y.ndim))
    y = ops.transpose(y, perm).reshape((n,) + tuple(grown) + tuple(rest))
    return y[(slice(None),) + tuple(slice(a, g - c) for (a, c), g in zip(crops, grown))]


# --- convolutions ----------------------------------------------------------------------


def _rank_of(where, x, data_format):
    """The spatial rank (1, 2 or 3) of an input by its ndim, and whether channels come
    first, from TensorFlow's data_format for that rank (None: channels last)."""
    rank = x.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"{where}: input must be 3-, 4- or 5-D (batch, spatial..., "
                         f"channels), got shape {x.shape}")
    if data_format is None or data_format == _LAST[rank]:
        return rank, False
    if data_format == _FIRST[rank]:
        return rank, True
    raise ValueError(f"{where}: data_format must be {_LAST[rank]!r} or {_FIRST[rank]!r} for "
                     f"a {x.ndim}-D input, got {data_format!r}")


def _to_last(x, first):
    return ops.moveaxis(x, 1, -1) if first else x


def _to_first(y, first):
    return ops.moveaxis(y, -1, 1) if first else y


def _spatial_ints(value, rank, first, where, name):
    """An int, ``rank`` ints, or TensorFlow's rank + 2 (1 on batch and channels), as
    ``rank`` ints in the channels-last order; None is 1."""
    if value is None:
        return (1,) * rank
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(items) == rank + 2:
        outer = (items[0], items[1]) if first else (items[0], items[-1])
        if tuple(outer) != (1, 1):
            raise ValueError(f"{where}: {name} {value!r} steps along the batch or channel "
                             "axis; only the spatial entries may differ from 1")
        items = items[2:] if first else items[1:-1]
    if len(items) == 1:
        items = items * rank
    if len(items) != rank or not all(isinstance(v, numbers.Integral) and v >= 1
                                     for v in items):
        raise ValueError(f"{where}: {name} must be a positive int or {rank} of them, got "
                         f"{value!r}")
    return tuple(int(v) for v in items)


def _padding(padding, where):
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"{where}: padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding.lower()


def convolution(input, filters, strides=None, padding="VALID", data_format=None,  # noqa: A002
                dilations=None):
    """``tf.nn.convolution``: conv1d, conv2d or conv3d by the input's rank (3, 4 or 5).

    Args:
        input: (N, spatial..., C_in), or channels first ("NCW", "NCHW", "NCDHW").
        filters: (spatial..., C_in, C_out), whatever the data_format.
        strides, dilations: an int or one per spatial axis (None: 1).
        padding: "VALID" or "SAME".
    Returns:
        (N, out spatial..., C_out), or channels first.
    """
    where = "convolution"
    x, k = _value(input), _value(filters)
    rank, first = _rank_of(where, x, data_format)
    if k.ndim != rank + 2:
        raise ValueError(f"{where}: filters must be {rank + 2}-D (spatial..., in, out) for an "
                         f"input of shape {x.shape}, got shape {k.shape}")
    strides = _spatial_ints(strides, rank, first, where, "strides")
    dilations = _spatial_ints(dilations, rank, first, where, "dilations")
    conv = {1: ops.conv1d, 2: ops.conv2d, 3: ops.conv3d}[rank]
    stride_arg = strides[0] if rank == 1 else strides
    dilation_arg = dilations[0] if rank == 1 else dilations
    y = conv(_to_last(x, first), k, stride_arg, _padding(padding, where),
             dilations=dilation_arg)
    return _to_first(y, first)


def _transpose_output(where, output_shape, rank, first):
    """TensorFlow's output_shape (the full N + 2 shape, or the spatial ones) as the
    channels-last full shape our transposed convolutions check, or the spatial sizes."""
    shape_ = [int(v) for v in np.asarray(_data(output_shape)).reshape(-1)]
    if len(shape_) == rank + 2:
        return tuple(shape_[:1] + shape_[2:] + shape_[1:2]) if first else tuple(shape_)
    if len(shape_) == rank:
        return tuple(shape_)
    raise ValueError(f"{where}: output_shape must have {rank + 2} entries (or {rank}), got "
                     f"{shape_}")


def conv_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                   data_format=None, dilations=None):
    """``tf.nn.conv_transpose``: conv1d_transpose, conv2d_transpose or conv3d_transpose
    by the input's rank, the gradient of ``convolution`` with respect to its input.

    Args:
        input: (N, spatial..., C), or channels first.
        filters: (spatial..., C_out, C) (TensorFlow's: out before in).
        output_shape: the full output shape (N, spatial..., C_out) in the data_format.
        strides, dilations: an int or one per spatial axis. padding: "SAME" or "VALID".
    """
    return _conv_transpose("conv_transpose", input, filters, output_shape, strides, padding,
                           data_format, dilations)


def _conv_transpose(where, input, filters, output_shape, strides, padding,  # noqa: A002
                    data_format, dilations):
    x, k = _value(input), _value(filters)
    rank, first = _rank_of(where, x, data_format)
    if k.ndim != rank + 2:
        raise ValueError(f"{where}: filters must be {rank + 2}-D (spatial..., out, in) for an "
                         f"input of shape {x.shape}, got shape {k.shape}")
    strides = _spatial_ints(strides, rank, first, where, "strides")
    dilations = _spatial_ints(dilations, rank, first, where, "dilations")
    out = _transpose_output(where, output_shape, rank, first)
    padding = _padding(padding, where)
    x = _to_last(x, first)
    if rank == 1:  # as conv2d_transpose on images of height 1
        x4, k4 = x.reshape((x.shape[0], 1) + x.shape[1:]), k.reshape((1,) + k.shape)
        out4 = (out[0], 1) + out[1:] if len(out) == 3 else (1,) + out
        y = ops.conv2d_transpose(x4, k4, out4, (1,) + strides, padding,
                                 dilations=(1,) + dilations)
        y = y.reshape((y.shape[0],) + y.shape[2:])
    else:
        transpose = ops.conv2d_transpose if rank == 2 else ops.conv3d_transpose
        y = transpose(x, k, out, strides, padding, dilations=dilations)
    return _to_first(y, first)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NWC", dilations=None):
    """``tf.nn.conv1d_transpose``: the gradient of conv1d with respect to its input.

    Args:
        input: (N, W, C), or (N, C, W) with "NCW". filters: (kw, C_out, C).
        output_shape: (N, OW, C_out) (or (N, C_out, OW) with "NCW").
        strides, dilations: an int, [s] or [1, s, 1]. padding: "SAME" or "VALID".
    """
    if data_format not in ("NWC", "NCW"):
        raise ValueError(f"conv1d_transpose: data_format must be 'NWC' or 'NCW', got "
                         f"{data_format!r}")
    x = _value(input)
    if x.ndim != 3:
        raise ValueError(f"conv1d_transpose: input must be 3-D ({data_format}), got shape "
                         f"{x.shape}")
    return _conv_transpose("conv1d_transpose", x, filters, output_shape, strides, padding,
                           data_format, dilations)


def _rate(rate, where):
    if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, numbers.Integral) \
            or rate < 1:
        raise ValueError(f"{where}: rate must be an integer >= 1, got {rate!r}")
    return int(rate)


def atrous_conv2d(value, filters, rate, padding):
    """``tf.nn.atrous_conv2d``: conv2d of NHWC images with the filters' taps ``rate``
    pixels apart (dilations = rate, stride 1). filters: (kh, kw, C_in, C_out)."""
    rate = _rate(rate, "atrous_conv2d")
    x = _value(value)
    if x.ndim != 4:
        raise ValueError(f"atrous_conv2d: value must be 4-D (N, H, W, C), got shape {x.shape}")
    return ops.conv2d(x, filters, 1, _padding(padding, "atrous_conv2d"), dilations=rate)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding):
    """``tf.nn.atrous_conv2d_transpose``: the transpose of ``atrous_conv2d``.
    filters: (kh, kw, C_out, C_in); output_shape: (N, OH, OW, C_out)."""
    rate = _rate(rate, "atrous_conv2d_transpose")
    x = _value(value)
    if x.ndim != 4:
        raise ValueError(f"atrous_conv2d_transpose: value must be 4-D (N, H, W, C), got "
                         f"shape {x.shape}")
    return _conv_transpose("atrous_conv2d_transpose", x, filters, output_shape, 1, padding,
                           "NHWC", rate)


# --- pooling ---------------------------------------------------------------------------


def pool(input, window_shape, pooling_type, strides=None, padding="VALID",  # noqa: A002
         data_format=None, dilations=None):
    """``tf.nn.pool``: "MAX" or "AVG" pooling over 1, 2 or 3 spatial axes (by
    ``len(window_shape)``, which must match the input's rank).

    Args:
        input: (N, spatial..., C), or channels first ("NCW", "NCHW", "NCDHW").
        window_shape: one int per spatial axis. strides: as many (None: 1).
        padding: "VALID" or "SAME". dilations: 1 only (dilated pooling is refused).
    """
    where = "pool"
    x = _value(input)
    rank, first = _rank_of(where, x, data_format)
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"{where}: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    window = list(window_shape) if isinstance(window_shape, (list, tuple)) else [window_shape]
    if len(window) != rank:
        raise ValueError(f"{where}: window_shape {window_shape!r} must have one entry per "
                         f"spatial axis of the input (shape {x.shape}): {rank}")
    window = _spatial_ints(window, rank, first, where, "window_shape")
    strides = _spatial_ints(strides, rank, first, where, "strides")
    if _spatial_ints(dilations, rank, first, where, "dilations") != (1,) * rank:
        raise NotImplementedError(f"{where}: dilations {dilations!r} > 1 are not supported")
    pools = ({1: ops.max_pool1d, 2: ops.max_pool2d, 3: ops.max_pool3d} if pooling_type == "MAX"
             else {1: ops.avg_pool1d, 2: ops.avg_pool2d, 3: ops.avg_pool3d})[rank]
    if rank == 1:
        window, strides = window[0], strides[0]
    return pools(x, window, strides, _padding(padding, where),
                 "channels_first" if first else "channels_last")


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC",  # noqa: A002
                         output_dtype=np.int64, include_batch_in_index=False):
    """``tf.nn.max_pool_with_argmax``: ``max_pool2d`` of NHWC images, and where each max
    is, flattened: (y * W + x) * C + c, or ((b * H + y) * W + x) * C + c with
    ``include_batch_in_index``. On ties the first in row-major order wins (the pixel the
    gradient goes to); with "SAME" padding the padded cells never win.

    Returns:
        (output, argmax): (N, OH, OW, C) each; argmax an integer constant of output_dtype.
    """
    where = "max_pool_with_argmax"
    if data_format != "NHWC":
        raise ValueError(f"{where}: data_format must be 'NHWC', got {data_format!r}")
    if np.dtype(output_dtype) not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise TypeError(f"{where}: output_dtype must be int32 or int64, got {output_dtype!r}")
    x = _value(input)
    if x.ndim != 4:
        raise ValueError(f"{where}: input must be 4-D (N, H, W, C), got shape {x.shape}")
    size = _spatial_ints(ksize, 2, False, where, "ksize")
    steps = _spatial_ints(strides, 2, False, where, "strides")
    padding = _padding(padding, where)
    output = ops.max_pool2d(x, size, steps, padding)
    n, h, w, c = x.shape
    oh, ow = output.shape[1:3]
    if padding == "same":
        top = max((oh - 1) * steps[0] + size[0] - h, 0) // 2
        left = max((ow - 1) * steps[1] + size[1] - w, 0) // 2
    else:
        top = left = 0
    data = np.asarray(x.data, np.float64)
    best = np.full((n, oh, ow, c), -np.inf)
    found = np.zeros((n, oh, ow, c), bool)
    at = np.zeros((n, oh, ow, c), np.int64)
    ys = np.arange(oh)[:, None] * steps[0] - top
    xs = np.arange(ow)[None, :] * steps[1] - left
    for i in range(size[0]):        # row-major over the window: a strict > keeps the first
        for j in range(size[1]):
            yy, xx = ys + i, xs + j
            inside = ((yy >= 0) & (yy < h) & (xx >= 0) & (xx < w))[None, :, :, None]
            cand = data[:, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1), :]
            better = inside & (~found | (cand > best))
            best, found = np.where(better, cand, best), found | better
            at = np.where(better, (yy * w + xx)[None, :, :, None] * c + np.arange(c), at)
    if include_batch_in_index:
        at = at + (np.arange(n) * h * w * c)[:, None, None, None]
    return output, constant(at.astype(output_dtype), dtype=output_dtype)


# --- moments and losses ----------------------------------------------------------------


def _axes(axes):
    return tuple(axes) if isinstance(axes, (list, tuple)) else axes


def _divide_no_nan(x, y):
    zero = np.asarray(_data(y) == 0)
    return arithmetic.where(zero, 0.0, x / arithmetic.where(zero, 1.0, y))


def weighted_moments(x, axes, frequency_weights, keepdims=False):
    """``tf.nn.weighted_moments``: mean = sum(w x) / sum(w) and variance =
    sum(w (x - mean)**2) / sum(w) over ``axes``, w broadcast to x (0 where sum(w) is 0).
    Returns (mean, variance)."""
    x, w = _value(x), _value(frequency_weights)
    axes = _axes(axes)
    w = w * ops.ones_like(x)
    total = reductions.sum(w, axes, keepdims=True)
    mean = _divide_no_nan(reductions.sum(w * x, axes, keepdims=True), total)
    variance = _divide_no_nan(reductions.sum(w * ops.square(x - mean), axes, keepdims=True),
                              total)
    if not keepdims:
        mean = ops.squeeze(mean, axes) if axes is not None else mean.reshape(())
        variance = ops.squeeze(variance, axes) if axes is not None else variance.reshape(())
    return mean, variance


def sufficient_statistics(x, axes, shift=None, keepdims=False):
    """``tf.nn.sufficient_statistics``: (count, sum(x - shift), sum((x - shift)**2), shift)
    over ``axes`` (without shift: sum(x) and sum(x**2)); count, the number of elements
    summed, is a constant of x's dtype. ``normalize_moments`` turns them into moments."""
    x = _value(x)
    axes = _axes(axes)
    axis_list = range(x.ndim) if axes is None else \
        [a % x.ndim for a in (axes if isinstance(axes, tuple) else (axes,))]
    count = constant(np.array(np.prod([x.shape[a] for a in axis_list]), x.dtype),
                     dtype=x.dtype)
    centred = x if shift is None else x - shift
    return (count, reductions.sum(centred, axes, keepdims),
            reductions.sum(ops.square(centred), axes, keepdims), shift)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """``tf.nn.compute_average_loss``: sum(per_example_loss * sample_weight) /
    global_batch_size (by default the loss's first dimension: one replica here; 0 for an
    empty batch)."""
    loss = _value(per_example_loss)
    if loss.ndim == 0:
        raise ValueError("compute_average_loss: per_example_loss must have rank >= 1, got a "
                         "scalar")
    if sample_weight is not None:
        loss = loss * sample_weight
    if global_batch_size is None:
        global_batch_size = loss.shape[0]
    elif np.ndim(_data(global_batch_size)) != 0 or _data(global_batch_size) <= 0:
        raise ValueError(f"compute_average_loss: global_batch_size must be a positive "
                         f"number, got {_data(global_batch_size)}")
    if global_batch_size == 0:
        return reductions.sum(loss) * 0.0
    return reductions.sum(loss) / np.asarray(global_batch_size, loss.dtype)


def scale_regularization_loss(regularization_loss):
    """``tf.nn.scale_regularization_loss``: sum(regularization_loss) over the number of
    replicas (one here)."""
    return reductions.sum(_value(regularization_loss))
