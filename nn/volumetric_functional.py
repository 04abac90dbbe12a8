"""PyTorch's volumetric functions: conv3d, conv_transpose3d, max_pool3d (with dilation and
return_indices), max_unpool3d, avg_pool3d, adaptive_avg_pool3d and adaptive_max_pool3d
(and the two max poolings' ``*_with_indices``), apart from their layers
(``nn.volumetric``) so that ``nn.functional``, which the layer modules import, can
re-export them without an import cycle.

The max poolings find each window's maximum as the 2-D ones do (``torch_pooling``): its
index, flat into each channel's D * H * W (PyTorch's numbers, which ``max_unpool3d``
takes), on numpy; the values are the engine's ``max_pool3d`` when it can make them, else
the input read at the indices, so the gradient goes to each window's maximum either way."""

import math
import numbers

import numpy as np

import autograd_core as ag

from ._transposed_conv import transposed_conv
from .basic_layers import _flag
from .torch_pooling import _argmax, _bins, _max_pool, _mean_matrix, _read, _unpool

__all__ = ["conv3d", "conv_transpose3d", "max_pool3d", "max_pool3d_with_indices",
           "max_unpool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
           "adaptive_max_pool3d_with_indices"]


def _triple(value, what, where, minimum=1):
    """PyTorch's 3-D size argument: an int >= minimum, or a tuple of 3."""
    items = (value,) * 3 if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != 3 or not all(isinstance(n, numbers.Integral) and
                                  not isinstance(n, (bool, np.bool_)) and n >= minimum
                                  for n in items):
        raise ValueError(f"{where}: {what} must be an int >= {minimum} or a tuple of 3 of "
                         f"them, got {value!r}")
    return tuple(int(n) for n in items)


def _volumes(input, where):
    """The input as a Value (N, C, D, H, W), and whether it had a batch axis: PyTorch also
    takes an unbatched (C, D, H, W)."""
    x = input if isinstance(input, ag.Value) else ag.constant(input)
    if x.ndim not in (4, 5) or 0 in x.shape[-4:]:
        raise ValueError(f"{where}: expected input (N, C, D, H, W) or (C, D, H, W) with no "
                         f"empty axis but the batch, got shape {x.shape}")
    return (x if x.ndim == 5 else ag.expand_dims(x, 0)), x.ndim == 5


def _unbatch(y, batched):
    return y if batched else ag.squeeze(y, 0)


def _pool_window(where, kernel_size, stride, padding):
    """kernel_size, stride (kernel_size when None) and padding as triples, the padding at
    most half the kernel, as PyTorch requires."""
    kernel = _triple(kernel_size, "kernel_size", where)
    strides = kernel if stride is None or stride == [] else _triple(stride, "stride", where)
    pads = _triple(padding, "padding", where, minimum=0)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{where}: padding {pads} must be at most half the kernel_size "
                         f"{kernel}, as in PyTorch")
    return kernel, strides, pads


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """PyTorch's ``F.conv3d``: 3-D cross-correlation, (N, C_in, D, H, W) with weight
    (C_out, C_in / groups, kd, kh, kw) to (N, C_out, OD, OH, OW), OD = (D + 2 * pd -
    dd * (kd - 1) - 1) // sd + 1.

    Args (PyTorch's): bias=None (C_out,), stride=1, padding=0 (an int, 3 ints, "valid" or
    "same"), dilation=1, groups=1.
    """
    return ag.conv3d(input, weight, stride, padding, dilation, "channels_first", bias=bias,
                     groups=groups)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """PyTorch's ``F.conv_transpose3d``, conv3d's transpose: (N, C_in, D, H, W) with weight
    (C_in, C_out / groups, kd, kh, kw) to (N, C_out, OD, OH, OW), OD = (D - 1) * sd - 2 *
    pd + dd * (kd - 1) + opd + 1: ``padding`` crops the output, ``output_padding``
    (smaller than the stride or the dilation) adds cells at its far side.
    """
    where = "conv_transpose3d"
    stride = _triple(stride, "stride", where)
    padding = _triple(padding, "padding", where, 0)
    output_padding = _triple(output_padding, "output_padding", where, 0)
    dilation = _triple(dilation, "dilation", where)
    x = input if isinstance(input, ag.Value) else ag.constant(input)
    if x.ndim != 5 or np.ndim(weight) != 5:
        raise ValueError(f"{where}: expected input (N, C_in, D, H, W) and weight (C_in, "
                         f"C_out / groups, kd, kh, kw), got shapes {x.shape} and "
                         f"{np.shape(weight)}")
    return transposed_conv(where, ag.conv3d_transpose, x, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """PyTorch's ``F.max_pool3d``: the max of each window, (N, C, D, H, W) -> (N, C, OD,
    OH, OW), OD = (D + 2 * pd - dd * (kd - 1) - 1) // sd + 1 (rounded up with
    ``ceil_mode``); unbatched (C, D, H, W) too.

    Args (PyTorch's): kernel_size, stride=None (kernel_size), padding=0 (-inf, at most half
    the kernel), dilation=1, each an int or 3 ints; ceil_mode=False; return_indices=False:
    also return where each max is, int64 flat into D * H * W (for ``max_unpool3d``).
    """
    where = "max_pool3d"
    wanted = _flag(return_indices, "return_indices", where)
    ceil_mode = _flag(ceil_mode, "ceil_mode", where)
    x, batched = _volumes(input, where)
    kernel, strides, pads = _pool_window(where, kernel_size, stride, padding)
    dilation = _triple(dilation, "dilation", where)
    y, indices = _max_pool(x, kernel, strides, pads, dilation, ceil_mode, where, wanted)
    if not wanted:
        return _unbatch(y, batched)
    return _unbatch(y, batched), _unbatch(indices, batched)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """PyTorch's ``F.max_pool3d_with_indices``: ``max_pool3d``'s values and indices, always
    both; ``return_indices`` is accepted and ignored, as PyTorch's."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode,
                      return_indices=True)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """PyTorch's ``F.adaptive_max_pool3d``: the max over each bin of an output_size grid,
    (N, C, D, H, W) -> (N, C, OD, OH, OW); bin i along an axis of n spans [floor(i * n /
    out), ceil((i + 1) * n / out)), so bins may overlap by one.

    Args (PyTorch's): output_size, an int or 3 entries, each a positive int or None (the
    input's size); return_indices=False: also return where each max is, flat into
    D * H * W.
    """
    where = "adaptive_max_pool3d"
    wanted = _flag(return_indices, "return_indices", where)
    x, batched = _volumes(input, where)
    out = tuple(n if o is None else o for o, n in zip(_output_size(output_size, where),
                                                      x.shape[2:]))
    taps = []
    for n, o in zip(x.shape[2:], out):
        start, end = _bins(n, o)
        # every bin as long as the longest; a shorter one repeats its last cell (no change
        # to its max, and the first maximum still wins)
        taps.append(np.minimum(start[:, None] + np.arange((end - start).max()),
                               end[:, None] - 1))
    index = _argmax(x.numpy().reshape((-1,) + x.shape[2:]), taps,
                    [np.ones(t.shape, bool) for t in taps])
    indices = index.reshape(x.shape[:2] + out).astype(np.int64)
    y = _unbatch(_read(x, indices), batched)
    return (y, _unbatch(ag.constant(indices, dtype=ag.int64), batched)) if wanted else y


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """PyTorch's ``F.adaptive_max_pool3d_with_indices``: ``adaptive_max_pool3d``'s values
    and indices, always both; ``return_indices`` is accepted and ignored, as PyTorch's."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """PyTorch's ``F.max_unpool3d``, max_pool3d's inverse: zeros of the pooled input's
    size, each value put back at its index, (N, C, D, H, W) -> (N, C, OD, OH, OW),
    OD = (D - 1) * sd - 2 * pd + kd; ``max_unpool2d``'s rules for indices, repeats and
    ``output_size``."""
    where = "max_unpool3d"
    x, batched = _volumes(input, where)
    return _unbatch(_unpool(x, indices, kernel_size, stride, padding, output_size, 3, where,
                            batched), batched)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """PyTorch's ``F.avg_pool3d``: the mean of each window, (N, C, D, H, W) -> (N, C, OD, OH,
    OW), OD = (D + 2 * pd - kd) // sd + 1; unbatched (C, D, H, W) too.

    Args (PyTorch's): kernel_size, stride=None (kernel_size), padding=0 (at most half the
    kernel); count_include_pad=True (the zero padding counts in the mean; False: each
    window's real cells only), divisor_override=None (a positive int to divide every
    window's sum by). ceil_mode=True raises NotImplementedError.
    """
    where = "avg_pool3d"
    if _flag(ceil_mode, "ceil_mode", where):
        raise NotImplementedError(f"{where}: ceil_mode=True is not supported (only "
                                  "ceil_mode=False)")
    include = _flag(count_include_pad, "count_include_pad", where)
    if divisor_override is not None and (
            isinstance(divisor_override, (bool, np.bool_)) or
            not isinstance(divisor_override, numbers.Integral) or divisor_override < 1):
        raise ValueError(f"{where}: divisor_override must be a positive int or None, got "
                         f"{divisor_override!r}")
    x, batched = _volumes(input, where)
    kernel, strides, pads = _pool_window(where, kernel_size, stride, padding)
    pairs = tuple((p, p) for p in pads)
    if divisor_override is None and not include:
        y = ag.avg_pool3d(x, kernel, strides, pairs, "channels_first")
    else:
        y = ag.avg_pool3d(ag.pad(x, ((0, 0), (0, 0)) + pairs), kernel, strides, "valid",
                          "channels_first")
        if divisor_override is not None:
            y = y * (math.prod(kernel) / divisor_override)
    return _unbatch(y, batched)


def adaptive_avg_pool3d(input, output_size):
    """PyTorch's ``F.adaptive_avg_pool3d``: the mean over each bin of an output_size grid,
    (N, C, D, H, W) -> (N, C, OD, OH, OW); bin i along an axis of n spans [floor(i * n /
    out), ceil((i + 1) * n / out)). Each axis is a product with a fixed (n, out) matrix
    (``adaptive_avg_pool1d``'s), so the gradient is the transposed products.

    Args (PyTorch's): output_size, an int or 3 entries, each a positive int or None (the
    input's size along that axis).
    """
    where = "adaptive_avg_pool3d"
    x, batched = _volumes(input, where)
    wanted = _output_size(output_size, where)
    out = tuple(n if o is None else o for o, n in zip(wanted, x.shape[2:]))
    A_d, A_h, A_w = (_mean_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], out))
    y = ag.einsum("ncdhw,de->ncehw", x, A_d)
    y = ag.einsum("ncdhw,hf->ncdfw", y, A_h)
    return _unbatch(ag.einsum("ncdhw,wg->ncdhg", y, A_w), batched)


def _output_size(output_size, where):
    items = (output_size,) * 3 if output_size is None or isinstance(
        output_size, numbers.Integral) else output_size
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != 3 or not all(n is None or (isinstance(n, numbers.Integral) and not
                                                isinstance(n, (bool, np.bool_)) and n > 0)
                                  for n in items):
        raise ValueError(f"{where}: output_size must be a positive int or 3 of them (None: "
                         f"the input's size), got {output_size!r}")
    return tuple(None if n is None else int(n) for n in items)

