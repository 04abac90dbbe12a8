"""PyTorch's remaining pooling: adaptive max and average pooling, max pooling with
``return_indices``, ``ceil_mode`` and ``dilation``, and ``MaxUnpool`` (its inverse).

Each max pooling has its window maximum's position, ``indices``: flat into each channel's
H * W (L in 1-D), PyTorch's numbers, so ``max_unpool2d(y, indices, ...)`` puts every max
back where it came from. The indices are found on numpy (they are not differentiated);
the values are the engine's ``max_pool2d`` when it can make them, else the input read at
the indices (``take_along_axis``), so the gradient goes to each window's maximum either
way. Adaptive pooling lays ``output_size`` bins on the input, PyTorch's: bin i spans
[floor(i * L / out), ceil((i + 1) * L / out)), so bins may overlap by one.

>>> import numpy as np
>>> y, i = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
>>> y.numpy()[0, 0].tolist(), i.numpy()[0, 0].tolist()
([[5.0, 7.0], [13.0, 15.0]], [[5, 7], [13, 15]])
>>> max_unpool2d(y, i, 2).numpy()[0, 0, 1].tolist()
[0.0, 5.0, 0.0, 7.0]
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from .basic_layers import _as_input, _flag
from .module import Module

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "max_pool1d", "max_pool2d",
           "max_pool1d_with_indices", "max_pool2d_with_indices", "max_unpool1d",
           "max_unpool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d",
           "MaxPool1d", "MaxPool2d", "MaxUnpool1d", "MaxUnpool2d"]


# --- arguments ------------------------------------------------------------------------
def _ints(value, rank, what, where, minimum=1, none=False):
    """PyTorch's size argument: an int, or a tuple of ``rank`` ints >= minimum (None
    allowed with ``none``)."""
    items = (value,) * rank if isinstance(value, numbers.Integral) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()

    def good(n):
        return (none and n is None) or (isinstance(n, numbers.Integral) and not isinstance(
            n, (bool, np.bool_)) and n >= minimum)
    if len(items) != rank or not all(good(n) for n in items):
        form = {1: "a tuple of one", 2: "a pair"}.get(rank, f"a tuple of {rank}")
        also = " (or None)" if none else ""
        raise ValueError(f"{where}: {what} must be an int >= {minimum}{also} or {form} of "
                         f"them, got {value!r}")
    return tuple(None if n is None else int(n) for n in items)


def _input(input, rank, where):
    """The input as a Value with one batch axis, (N, C, *spatial), and whether it had one:
    PyTorch also takes an unbatched (C, *spatial)."""
    x = input if isinstance(input, ag.Value) else ag.constant(input)  # arrays: their dtype
    layout = "(N, C, H, W) or (C, H, W)" if rank == 2 else "(N, C, L) or (C, L)"
    if x.ndim not in (rank + 1, rank + 2) or 0 in x.shape[-rank - 1:]:
        raise ValueError(f"{where}: expected input {layout} with no empty axis but the "
                         f"batch, got shape {x.shape}")
    batched = x.ndim == rank + 2
    return (x if batched else ag.expand_dims(x, 0)), batched


def _unbatch(batched, *results):
    results = tuple(r if batched or r is None else ag.squeeze(r, 0) for r in results)
    return results if len(results) > 1 else results[0]


# --- windows, on numpy ----------------------------------------------------------------
def _argmax(x, taps, valid):
    """Each window's maximum, flat into the spatial axes: x (B, *spatial); along axis a,
    window i holds the cells taps[a][i] (where valid[a][i] is False: padding, never
    chosen). The first maximum in row-major window order wins, NaN over any number; a
    window of -inf alone gives its first real position, as PyTorch's."""
    rank, spatial = len(taps), x.shape[1:]
    cells, inside = [], True
    for a, (t, v) in enumerate(zip(taps, valid)):  # axis a's taps as (windows, offsets)
        shape = [1] * (2 * rank)
        shape[a], shape[rank + a] = t.shape
        cells.append(t.reshape(shape))
        inside = inside & v.reshape(shape)
    read = x[(slice(None),) + tuple(np.clip(c, 0, n - 1) for c, n in zip(cells, spatial))]
    windows = np.where(inside, read, -np.inf)
    shape = windows.shape[:rank + 1] + (-1,)
    best = np.argmax(windows.reshape(shape), axis=-1)
    first_valid = np.argmax(np.broadcast_to(inside, windows.shape[1:]).reshape(shape[1:]),
                            axis=-1)
    best = np.where(np.max(windows.reshape(shape), axis=-1) == -np.inf, first_valid, best)
    flat = sum(c * math.prod(spatial[a + 1:]) for a, c in enumerate(cells))
    flat = np.broadcast_to(flat, windows.shape[1:]).reshape(shape[1:])
    return np.take_along_axis(flat[None], best[..., None], axis=-1)[..., 0]


def _pool_size(n, k, s, p, d, ceil_mode):
    """PyTorch's output length: (n + 2p - d(k - 1) - 1) / s + 1, rounded down (up with
    ceil_mode, though the last window must start inside the input or the left padding)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _bins(n, out):
    """PyTorch's adaptive bins: starts floor(i * n / out), ends ceil((i + 1) * n / out)."""
    i = np.arange(out)
    return (i * n) // out, -((-(i + 1) * n) // out)


def _read(x, indices):
    """x (N, C, H, W) read at flat indices (N, C, OH, OW): the gradient goes back to them."""
    n, c = x.shape[:2]
    flat = ag.reshape(x, (n, c, -1))
    y = ag.take_along_axis(flat, indices.reshape(n, c, -1), axis=2)
    return ag.reshape(y, indices.shape)


# --- max pooling with indices -----------------------------------------------------------
def _window_args(rank, where, kernel_size, stride, padding, dilation):
    """kernel_size, stride (kernel_size when None), padding and dilation as tuples of
    ``rank``; the padding at most half the kernel, as PyTorch requires."""
    kernel = _ints(kernel_size, rank, "kernel_size", where)
    strides = kernel if stride is None or stride == [] else \
        _ints(stride, rank, "stride", where)
    pads = _ints(padding, rank, "padding", where, minimum=0)
    dilation = _ints(dilation, rank, "dilation", where)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise ValueError(f"{where}: padding {pads} must be at most half the kernel_size "
                         f"{kernel}, as in PyTorch")
    return kernel, strides, pads, dilation


def _max_pool(x, kernel, strides, pads, dilation, ceil_mode, where, with_indices=True):
    """Values and indices of x (N, C, H, W), or (N, C, D, H, W) for max_pool3d, with
    checked tuples (indices None when not ``with_indices`` and the engine's op alone makes
    the values: no numpy search then)."""
    sizes = x.shape[2:]
    out = tuple(_pool_size(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(sizes, kernel, strides, pads, dilation))
    if min(out) < 1:
        raise ValueError(f"{where}: the output would be empty: input {x.shape} with "
                         f"kernel_size {kernel}, padding {pads} and dilation {dilation}")
    indices = None
    undilated = all(d == 1 for d in dilation)
    if with_indices or not undilated:
        taps = [np.arange(o)[:, None] * s - p + np.arange(k) * d
                for o, k, s, p, d in zip(out, kernel, strides, pads, dilation)]
        index = _argmax(x.numpy().reshape((-1,) + sizes), taps,
                        [(t >= 0) & (t < n) for t, n in zip(taps, sizes)])
        indices = index.reshape(x.shape[:2] + out).astype(np.int64)
    if undilated:
        # the engine's op, on the input padded with -inf: ceil_mode's last window may reach
        # past the padding, so the far side gets what it needs
        extra = [max(0, (o - 1) * s + k - n - 2 * p)
                 for o, k, s, p, n in zip(out, kernel, strides, pads, sizes)]
        if any(pads) or any(extra):
            x = ag.pad(x, ((0, 0), (0, 0)) + tuple((p, p + e) for p, e in zip(pads, extra)),
                       constant_values=-np.inf)
        pool = ag.max_pool2d if len(kernel) == 2 else ag.max_pool3d
        y = pool(x, kernel, strides, "valid", "channels_first")
    else:
        y = _read(x, indices)
    return y, (None if indices is None else ag.constant(indices, dtype=ag.int64))


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False, *, _with_indices=True):
    """The max of each window, and where it is: (N, C, H, W) -> (N, C, OH, OW) twice,
    OH = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1 (rounded up with ``ceil_mode``).

    Args (PyTorch's): kernel_size, stride=None (kernel_size), padding=0 (-inf, at most
    half the kernel), dilation=1, each an int or a pair; ceil_mode=False; return_indices is
    accepted and ignored, as PyTorch's. Unbatched (C, H, W) input gives (C, OH, OW).
    Returns:
        (values, indices): indices int64, flat into each channel's H * W.
    """
    where = "max_pool2d"
    x, batched = _input(input, 2, where)
    args = _window_args(2, where, kernel_size, stride, padding, dilation)
    y, indices = _max_pool(x, *args, _flag(ceil_mode, "ceil_mode", where), where,
                           _with_indices)
    return _unbatch(batched, y, indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False, *, _with_indices=True):
    """``max_pool2d_with_indices`` along one axis: (N, C, L) -> (N, C, OL) twice, indices
    into L; the arguments are ints or tuples of one (``return_indices`` is ignored)."""
    where = "max_pool1d"
    x, batched = _input(input, 1, where)
    (k,), (s,), (p,), (d,) = _window_args(1, where, kernel_size, stride, padding, dilation)
    y, indices = _max_pool(ag.expand_dims(x, 2), (1, k), (1, s), (0, p), (1, d),
                           _flag(ceil_mode, "ceil_mode", where), where, _with_indices)
    return _unbatch(batched, ag.squeeze(y, 2),
                    None if indices is None else ag.squeeze(indices, 2))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """PyTorch's ``F.max_pool2d``: ``max_pool2d_with_indices``'s values, and its indices
    with ``return_indices=True``."""
    wanted = _flag(return_indices, "return_indices", "max_pool2d")
    y, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation,
                                         ceil_mode, _with_indices=wanted)
    return (y, indices) if wanted else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """PyTorch's ``F.max_pool1d``: ``max_pool1d_with_indices``'s values, and its indices
    with ``return_indices=True``."""
    wanted = _flag(return_indices, "return_indices", "max_pool1d")
    y, indices = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation,
                                         ceil_mode, _with_indices=wanted)
    return (y, indices) if wanted else y


# --- adaptive pooling -----------------------------------------------------------------
def _output_size(output_size, sizes, where):
    wanted = _ints(output_size, len(sizes), "output_size", where, none=True)
    return tuple(n if o is None else o for o, n in zip(wanted, sizes))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The max over each bin of an output_size grid: (N, C, H, W) -> (N, C, OH, OW); bin
    (i, j) spans rows [floor(i * H / OH), ceil((i + 1) * H / OH)) and the same columns.

    Args (PyTorch's): output_size, an int or a pair whose entries may be None (the input's
    size); return_indices=False: also return where each max is, flat into H * W.
    """
    where = "adaptive_max_pool2d"
    return_indices = _flag(return_indices, "return_indices", where)
    x, batched = _input(input, 2, where)
    out = _output_size(output_size, x.shape[2:], where)
    taps, valid = [], []
    for n, o in zip(x.shape[2:], out):
        start, end = _bins(n, o)
        # every bin as long as the longest; a shorter one repeats its last row (no change
        # to its max, and the first maximum still wins)
        taps.append(np.minimum(start[:, None] + np.arange((end - start).max()),
                               end[:, None] - 1))
        valid.append(np.ones(taps[-1].shape, bool))
    index = _argmax(x.numpy().reshape((-1,) + x.shape[2:]), taps, valid)
    indices = index.reshape(x.shape[:2] + out).astype(np.int64)
    y = _read(x, indices)
    return _unbatch(batched, y, ag.constant(indices, dtype=ag.int64)) if return_indices \
        else _unbatch(batched, y)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """``adaptive_max_pool2d`` along one axis: (N, C, L) -> (N, C, out), indices into L."""
    where = "adaptive_max_pool1d"
    return_indices = _flag(return_indices, "return_indices", where)
    x, batched = _input(input, 1, where)
    (out,) = _output_size(output_size, x.shape[2:], where)
    y, indices = adaptive_max_pool2d(ag.expand_dims(x, 2), (1, out), True)
    y, indices = ag.squeeze(y, 2), ag.squeeze(indices, 2)
    return _unbatch(batched, y, indices) if return_indices else _unbatch(batched, y)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """PyTorch's ``F.adaptive_max_pool2d_with_indices``: ``adaptive_max_pool2d``'s values
    and indices, always both; ``return_indices`` is accepted and ignored, as PyTorch's."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """PyTorch's ``F.adaptive_max_pool1d_with_indices``: ``adaptive_max_pool1d``'s values
    and indices, always both; ``return_indices`` is accepted and ignored, as PyTorch's."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def _mean_matrix(n, out, dtype):
    """A (n, out) matrix whose column i averages bin i: 1 / len(bin) on its rows."""
    start, end = _bins(n, out)
    rows = np.arange(n)[:, None]
    inside = (rows >= start) & (rows < end)
    return (inside / (end - start)).astype(dtype)


def adaptive_avg_pool1d(input, output_size):
    """The mean over each bin: (N, C, L) -> (N, C, out), y = x @ A with A[l, i] =
    1 / len(bin i) for l in bin i, PyTorch's bins [floor(i * L / out), ceil((i + 1) * L /
    out)). output_size: an int or a tuple of one."""
    where = "adaptive_avg_pool1d"
    x, batched = _input(input, 1, where)
    (out,) = _ints(output_size, 1, "output_size", where)
    return _unbatch(batched, ag.matmul(x, _mean_matrix(x.shape[2], out, x.dtype)))


def adaptive_avg_pool2d(input, output_size):
    """The mean over each bin of an output_size grid: (N, C, H, W) -> (N, C, OH, OW), y =
    A_h.T @ x @ A_w with ``adaptive_avg_pool1d``'s matrices: any output_size (entries
    None: the input's), bins of unequal size and overlapping ones included."""
    where = "adaptive_avg_pool2d"
    x, batched = _input(input, 2, where)
    (oh, ow) = _output_size(output_size, x.shape[2:], where)
    (h, w) = x.shape[2:]
    A_h, A_w = _mean_matrix(h, oh, x.dtype), _mean_matrix(w, ow, x.dtype)
    return _unbatch(batched, ag.matmul(ag.matmul(A_h.T, x), A_w))


# --- unpooling ------------------------------------------------------------------------
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_pool2d's inverse: zeros of the pooled input's size, each value put back at its
    index: (N, C, H, W) -> (N, C, OH, OW), OH = (H - 1) * sh - 2 * ph + kh.

    Args (PyTorch's): indices (max_pool2d's, flat into OH * OW, same shape as input),
    kernel_size, stride=None (kernel_size), padding=0, output_size=None (the (OH, OW), or
    a whole shape ending in them, to pick one of the sizes a stride allows).
    An index repeated keeps the last value (PyTorch's CPU order); the gradient reads g at
    every index, repeats included, as PyTorch's.
    """
    x, batched = _input(input, 2, "max_unpool2d")
    return _unbatch(batched, _unpool(x, indices, kernel_size, stride, padding, output_size,
                                     2, "max_unpool2d", batched))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """``max_unpool2d`` along one axis: (N, C, L) -> (N, C, OL), OL = (L - 1) * s - 2 * p +
    k; indices into OL."""
    x, batched = _input(input, 1, "max_unpool1d")
    return _unbatch(batched, _unpool(x, indices, kernel_size, stride, padding, output_size,
                                     1, "max_unpool1d", batched))


def _unpool(x, indices, kernel_size, stride, padding, output_size, rank, where, batched):
    kernel = _ints(kernel_size, rank, "kernel_size", where)
    strides = kernel if stride is None else _ints(stride, rank, "stride", where)
    pads = _ints(padding, rank, "padding", where, minimum=0)
    index = np.asarray(indices.numpy() if isinstance(indices, ag.Value) else indices)
    if not batched:
        index = index[None]
    if index.shape != x.shape or not (index.size == 0 or np.issubdtype(index.dtype,
                                                                       np.integer)):
        raise ValueError(f"{where}: indices must be integers of the input's shape "
                         f"{x.shape}, got {index.dtype} {index.shape}")
    default = tuple((n - 1) * s - 2 * p + k
                    for n, k, s, p in zip(x.shape[2:], kernel, strides, pads))
    out = default
    if output_size is not None:
        out = tuple(int(n) for n in tuple(output_size)[-rank:])
        if len(out) != rank or any(not d - s < n < d + s
                                   for n, d, s in zip(out, default, strides)):
            raise ValueError(f"{where}: output_size {tuple(output_size)} is not one this "
                             f"unpooling can make: each size within the stride {strides} "
                             f"of {default}, exclusive")
    length = math.prod(out)
    n, c = x.shape[:2]
    index = index.reshape(n, c, -1)
    if index.size and (index.min() < 0 or index.max() >= length):
        bad = index[(index < 0) | (index >= length)][0]
        raise ValueError(f"{where}: index {bad} is out of range for an output of "
                         f"{' x '.join(map(str, out))} = {length} positions")
    # which input element each output position takes: the last writer, or the zero
    # appended after the input's elements
    writer = np.full((n, c, length), index.shape[2], np.int64)
    np.put_along_axis(writer, index, np.arange(index.shape[2]), axis=2)

    @ag.custom_gradient
    def unpool(flat):
        """y = the last value written at each index, zeros elsewhere
        dL/dx = g read at each index (every repeat gets it, as PyTorch's)"""
        padded = ag.pad(flat, ((0, 0), (0, 0), (0, 1)))
        return (ag.take_along_axis(padded, writer, axis=2),
                lambda g: ag.take_along_axis(g, index, axis=2))

    return ag.reshape(unpool(ag.reshape(x, (n, c, -1))), (n, c) + out)


# --- layers ---------------------------------------------------------------------------
class _Pool(Module):
    """A pooling layer: its checked arguments as attributes, its config and printed form
    made from them; errors of a call name the layer."""

    def __init__(self, name, **arguments):
        super().__init__(name)
        for key, value in arguments.items():
            setattr(self, key, value)
        self._arguments = tuple(arguments)

    def get_config(self):
        return {"name": self.name, **{k: getattr(self, k) for k in self._arguments}}

    def extra_repr(self):
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._arguments)

    def _where(self):
        return f"{type(self).__name__} {self.name!r}"

    def _call(self, function, x, *args):
        # a layer's data becomes the default float dtype, as the other layers'
        try:
            return function(_as_input(x, ag.get_default_dtype()), *args)
        except ValueError as e:
            raise ValueError(f"{self._where()}: {e}") from e


class MaxPool2d(_Pool):
    """y = the max of each window, channels first: (N, C, H, W) -> (N, C, OH, OW), OH =
    (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1 (rounded up with ceil_mode).

    Args (PyTorch's, in its order): kernel_size, stride=None (kernel_size), padding=0
    (-inf, at most half the kernel), dilation=1, return_indices=False (also return where
    each max is, for MaxUnpool2d), ceil_mode=False.
    """

    rank, pool = 2, staticmethod(max_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        kernel_size, stride, padding, dilation = _window_args(
            self.rank, where, kernel_size, stride, padding, dilation)
        return_indices = _flag(return_indices, "return_indices", where)
        ceil_mode = _flag(ceil_mode, "ceil_mode", where)
        super().__init__(name, kernel_size=kernel_size, stride=stride, padding=padding,
                         dilation=dilation, ceil_mode=ceil_mode, return_indices=return_indices)

    def forward(self, x):
        return self._call(type(self).pool, x, self.kernel_size, self.stride, self.padding,
                          self.dilation, self.ceil_mode, self.return_indices)


class MaxPool1d(MaxPool2d):
    """y = the max of each window along the last axis: (N, C, L) -> (N, C, OL), OL = (L +
    2p - d(k - 1) - 1) // s + 1 (rounded up with ceil_mode). Args as MaxPool2d's, ints or
    tuples of one."""

    rank, pool = 1, staticmethod(max_pool1d)


class MaxUnpool2d(_Pool):
    """MaxPool2d's inverse: y = zeros with each value put back at its index, (N, C, H, W)
    -> (N, C, (H - 1) * sh - 2 * ph + kh, ...). Args (PyTorch's): kernel_size, stride=None
    (kernel_size), padding=0. Called as ``unpool(x, indices, output_size=None)``."""

    rank, unpool = 2, staticmethod(max_unpool2d)

    def __init__(self, kernel_size, stride=None, padding=0, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        kernel_size, stride, padding, _ = _window_args(
            self.rank, where, kernel_size, stride, padding, 1)
        super().__init__(name, kernel_size=kernel_size, stride=stride, padding=padding)

    def forward(self, x, indices, output_size=None):
        return self._call(type(self).unpool, x, indices, self.kernel_size, self.stride,
                          self.padding, output_size)


class MaxUnpool1d(MaxUnpool2d):
    """MaxPool1d's inverse: (N, C, L) -> (N, C, (L - 1) * s - 2p + k)."""

    rank, unpool = 1, staticmethod(max_unpool1d)


class AdaptiveMaxPool2d(_Pool):
    """y = the max over each bin of an output_size grid: (N, C, H, W) -> (N, C, OH, OW),
    PyTorch's bins [floor(i * H / OH), ceil((i + 1) * H / OH)).

    Args (PyTorch's): output_size (an int or a pair, entries may be None: the input's
    size), return_indices=False.
    """

    rank, pool = 2, staticmethod(adaptive_max_pool2d)

    def __init__(self, output_size, return_indices=False, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        output_size = _ints(output_size, self.rank, "output_size", where, none=True)
        return_indices = _flag(return_indices, "return_indices", where)
        super().__init__(name, output_size=output_size, return_indices=return_indices)

    def forward(self, x):
        return self._call(type(self).pool, x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """y = the max over each of output_size bins along the last axis: (N, C, L) -> (N, C,
    output_size). Args as AdaptiveMaxPool2d's."""

    rank, pool = 1, staticmethod(adaptive_max_pool1d)


class AdaptiveAvgPool1d(_Pool):
    """y = the mean over each of output_size bins along the last axis: (N, C, L) -> (N, C,
    output_size), PyTorch's bins [floor(i * L / out), ceil((i + 1) * L / out)).
    Args (PyTorch's): output_size, an int or a tuple of one."""

    def __init__(self, output_size, name=None):
        where = "AdaptiveAvgPool1d" if name is None else f"AdaptiveAvgPool1d {name!r}"
        output_size = _ints(output_size, 1, "output_size", where)
        super().__init__(name, output_size=output_size)

    def forward(self, x):
        return self._call(adaptive_avg_pool1d, x, self.output_size)
