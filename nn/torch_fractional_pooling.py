"""PyTorch's fractional max pooling (Graham, 2014): ``FractionalMaxPool2d``,
``FractionalMaxPool3d`` and their functions, ``fractional_max_pool2d``/``3d`` and the
``_with_indices`` forms.

Each output cell is the max of a kernel_size window whose starts, along each axis, step
by a fractional amount alpha = (n_in - k) / (n_out - 1), placed by one random sample u in
[0, 1) per sample, channel and axis (PyTorch's ``generate_intervals``)::

    start[i] = int((i + u) * alpha) - int(u * alpha)    for i < n_out - 1
    start[n_out - 1] = n_in - k

computed in the input's float dtype as PyTorch computes it. The samples are
``_random_samples`` when given, (N, C, 2) or (N, C, 3) — for 2-D, sample 0 places the
width's windows and sample 1 the height's; for 3-D, 0, 1, 2 the depth's, height's and
width's — else drawn from the library's seeded stream (``ag.manual_seed``). The gradient
goes to each window's max, the first one on ties, as PyTorch's.
"""

import numbers

import numpy as np

import autograd_core as ag

from .basic_layers import _flag
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d", "fractional_max_pool2d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]


def _sizes(value, what, where, rank, kind):
    """``rank`` numbers from one or a tuple of ``rank``: ints >= 1, or ratios in (0, 1)."""
    items = (value,) * rank if isinstance(value, numbers.Real) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if kind is int:
        ok = len(items) == rank and all(isinstance(n, numbers.Integral) and not isinstance(
            n, (bool, np.bool_)) and n >= 1 for n in items)
        rule = f"an int >= 1 or a tuple of {rank}"
    else:
        ok = len(items) == rank and all(isinstance(r, numbers.Real) and not isinstance(
            r, (bool, np.bool_)) and 0 < r < 1 for r in items)
        rule = f"a number in (0, 1) or a tuple of {rank}"
    if not ok:
        raise ValueError(f"{where}: {what} must be {rule}, got {value!r}")
    return tuple(kind(n) for n in items)


def _arguments(where, rank, kernel_size, output_size, output_ratio):
    kernel_size = _sizes(kernel_size, "kernel_size", where, rank, int)
    if (output_size is None) == (output_ratio is None):
        raise ValueError(f"{where}: give exactly one of output_size and output_ratio (as "
                         f"PyTorch), got output_size={output_size!r}, "
                         f"output_ratio={output_ratio!r}")
    if output_size is not None:
        output_size = _sizes(output_size, "output_size", where, rank, int)
    else:
        output_ratio = _sizes(output_ratio, "output_ratio", where, rank, float)
    return kernel_size, output_size, output_ratio


def _starts(u, n_in, n_out, k):
    """PyTorch's ``generate_intervals``: the window starts along one axis for the samples
    ``u`` (any shape, the input's float dtype), shape u.shape + (n_out,)."""
    starts = np.empty(u.shape + (n_out,), np.int64)
    if n_out > 1:
        alpha = u.dtype.type(n_in - k) / u.dtype.type(n_out - 1)
        i = np.arange(n_out - 1).astype(u.dtype)
        u = u[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    starts[..., -1] = n_in - k
    return starts


def _fractional_max_pool(where, rank, x, kernel_size, output_size, output_ratio,
                         return_indices, random_samples):
    kernel_size, output_size, output_ratio = _arguments(where, rank, kernel_size, output_size,
                                                        output_ratio)
    return_indices = _flag(return_indices, "return_indices", where)
    if not isinstance(x, ag.Value):  # float data keeps its dtype, as a tensor would
        x = np.asarray(x)
        x = ag.constant(x if x.dtype.kind == "f" else x.astype(ag.get_default_dtype()))
    if x.ndim not in (rank + 1, rank + 2) or 0 in x.shape[-rank - 1:]:
        raise ValueError(f"{where}: expected a non-empty {rank + 2}-D (N, C, ...) or "
                         f"{rank + 1}-D (C, ...) input, got shape {x.shape}")
    batched = x.ndim == rank + 2
    if not batched:
        x = ag.expand_dims(x, 0)
    n, c, spatial = x.shape[0], x.shape[1], x.shape[2:]
    if output_size is None:
        output_size = tuple(int(size * ratio) for size, ratio in zip(spatial, output_ratio))
    for axis, (size, out, k) in enumerate(zip(spatial, output_size, kernel_size)):
        if out + k - 1 > size or out < 1:
            raise ValueError(f"{where}: output_size {output_size} with kernel_size "
                             f"{kernel_size} needs an input of at least "
                             f"{tuple(o + kk - 1 for o, kk in zip(output_size, kernel_size))} "
                             f"cells (output_size + kernel_size - 1 <= input size, as "
                             f"PyTorch), got {tuple(spatial)}")
    if random_samples is None:
        samples = ag.random.uniform((n, c, rank), dtype=x.dtype).numpy()
    else:
        samples = np.asarray(random_samples.data if isinstance(random_samples, ag.Value)
                             else random_samples)
        if samples.shape != (n, c, rank) or samples.dtype.kind != "f":
            raise ValueError(f"{where}: _random_samples must be floats of shape {(n, c, rank)} "
                             f"(N, C, {rank}) for an input of shape {x.shape}, got "
                             f"{samples.dtype} {samples.shape}")
        samples = samples.astype(x.dtype)
    # sample j places the windows of axis order[j]: 2-D (W, H), 3-D (D, H, W), PyTorch's
    order = (1, 0) if rank == 2 else (0, 1, 2)
    starts = [None] * rank
    for j, axis in enumerate(order):
        starts[axis] = _starts(samples[..., j], spatial[axis], output_size[axis],
                               kernel_size[axis])
    # every window's cells as flat positions in their (N, C) plane, row-major within the
    # window (so argmax's first is PyTorch's first): (N, C, *output_size, window)
    strides = np.cumprod((1,) + tuple(spatial[:0:-1]))[::-1]
    flat = np.zeros((), np.int64)
    for axis in range(rank):
        cells = starts[axis][..., :, None] + np.arange(kernel_size[axis])  # (N, C, out, k)
        shape = [n, c] + [1] * (2 * rank)
        shape[2 + axis], shape[2 + rank + axis] = output_size[axis], kernel_size[axis]
        flat = flat + cells.reshape(shape) * strides[axis]
    flat = flat.reshape((n, c) + output_size + (-1,))
    plane = x.numpy().reshape(n, c, -1)
    values = np.take_along_axis(plane, flat.reshape(n, c, -1), axis=2).reshape(flat.shape)
    # the first max of each window, and NaN wins, as PyTorch's ``val > max || isnan(val)``
    best = np.argmax(np.where(np.isnan(values), np.inf, values), axis=-1)
    indices = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
    y = ag.reshape(ag.take_along_axis(ag.reshape(x, (n, c, -1)), indices.reshape(n, c, -1),
                                      axis=2), (n, c) + output_size)
    if not batched:
        y, indices = ag.squeeze(y, 0), indices[0]
    return (y, indices) if return_indices else y


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """(y, indices): fractional max pooling of (N, C, H, W) or (C, H, W) -> (..., oH, oW),
    indices the flat h * W + w of each max in its plane (int64), as PyTorch's."""
    y, indices = _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size,
                                      output_size, output_ratio, True, _random_samples)
    return y, indices


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """y = the max of each fractional window (module docstring): (N, C, H, W) or (C, H, W)
    -> (..., oH, oW); with ``return_indices``, (y, indices).

    Args (PyTorch's): kernel_size (an int or a pair); output_size (an int or a pair) or
    output_ratio (in (0, 1), an int(size * ratio) output); return_indices=False;
    _random_samples: (N, C, 2) samples in [0, 1), else drawn from the seeded stream.
    """
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """(y, indices) of ``fractional_max_pool3d``, indices the flat (d * H + h) * W + w."""
    y, indices = _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size,
                                      output_size, output_ratio, True, _random_samples)
    return y, indices


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """``fractional_max_pool2d`` over volumes: (N, C, D, H, W) or (C, D, H, W) -> (..., oD,
    oH, oW); sizes are ints or triples, _random_samples (N, C, 3)."""
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size,
                                output_ratio, return_indices, _random_samples)


class _FractionalMaxPool(Module):
    rank = 2
    pool = None

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        kernel_size, output_size, output_ratio = _arguments(where, self.rank, kernel_size,
                                                            output_size, output_ratio)
        return_indices = _flag(return_indices, "return_indices", where)
        super().__init__(name)
        self.kernel_size, self.output_size, self.output_ratio = \
            kernel_size, output_size, output_ratio
        self.return_indices = return_indices
        self._random_samples = _random_samples

    def forward(self, x):
        try:
            return type(self).pool(x, self.kernel_size, self.output_size, self.output_ratio,
                                   self.return_indices, self._random_samples)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, "kernel_size": self.kernel_size,
                "output_size": self.output_size, "output_ratio": self.output_ratio,
                "return_indices": self.return_indices}


class FractionalMaxPool2d(_FractionalMaxPool):
    """y = the max of each fractional window (``fractional_max_pool2d``): (N, C, H, W) or
    (C, H, W) -> (..., oH, oW), new windows each call (from the seeded stream) unless
    ``_random_samples`` fixes them.

    Args (PyTorch's): kernel_size, output_size=None, output_ratio=None (exactly one),
    return_indices=False, _random_samples=None.
    """

    rank, pool = 2, staticmethod(fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPool):
    """``FractionalMaxPool2d`` over volumes (``fractional_max_pool3d``): (N, C, D, H, W) or
    (C, D, H, W) -> (..., oD, oH, oW)."""

    rank, pool = 3, staticmethod(fractional_max_pool3d)
