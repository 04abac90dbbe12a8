"""PyTorch's average and power-average pooling layers: ``AvgPool1d``, ``AvgPool2d``,
``AdaptiveAvgPool2d``, ``LPPool1d``, ``LPPool2d`` and ``LPPool3d``, channels first (the
max pools and ``AdaptiveAvgPool1d`` are in ``torch_pooling``, the other 3-D ones in
``volumetric``).

Each sums over its windows: the mean, (1 / k) sum(x), or the power mean's p-norm,
(sum x**p) ** (1 / p); PyTorch's arguments are checked when the layer is made, and the
work is ``functional``'s pooling.
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from . import functional
from .functional import _pair
from .basic_layers import _as_input, _flag, _real
from .module import Module
from .torch_layers import _check_images, _single
from .volumetric_functional import _triple

__all__ = ["AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "LPPool1d", "LPPool2d",
           "LPPool3d"]


def _window_args(kernel_size, stride, padding, where):
    """A pooling's kernel_size, stride (kernel_size when None) and padding as pairs; the
    padding at most half the kernel, as PyTorch requires."""
    kernel_size = _pair(kernel_size, "kernel_size", where)
    stride = kernel_size if stride is None else _pair(stride, "stride", where)
    padding = _pair(padding, "padding", where, minimum=0)
    if any(2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(f"{where}: padding {padding} must be at most half the kernel_size "
                         f"{kernel_size}, as in PyTorch")
    return kernel_size, stride, padding


class AvgPool2d(Module):
    """y = the mean of each kernel_size window, channels first: (N, C, H, W) -> (N, C, OH,
    OW), OH = (H + 2 * ph - kh) // sh + 1; the zero padding counts in the mean.

    Args (PyTorch's): kernel_size, stride=None (kernel_size), padding=0 (an int or a pair,
    at most half the kernel), ceil_mode=False, count_include_pad=True,
    divisor_override=None. What ``functional.avg_pool2d`` does not support, ceil_mode=True,
    a divisor_override, or count_include_pad=False with padding, raises
    NotImplementedError here at once.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None, name=None):
        super().__init__(name)
        where = f"AvgPool2d {self.name!r}"
        kernel_size, stride, padding = _window_args(kernel_size, stride, padding, where)
        if _flag(ceil_mode, "ceil_mode", where):
            raise NotImplementedError(f"{where}: ceil_mode=True is not supported (only "
                                      "ceil_mode=False)")
        if divisor_override is not None:
            raise NotImplementedError(f"{where}: divisor_override={divisor_override!r} is not "
                                      "supported (only divisor_override=None)")
        if not _flag(count_include_pad, "count_include_pad", where) and any(padding):
            raise NotImplementedError(f"{where}: count_include_pad=False with padding "
                                      f"{padding} is not supported")
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        where = f"AvgPool2d {self.name!r}"
        x = _as_input(x, ag.get_default_dtype())
        _check_images(x, None, where)
        try:
            return functional.avg_pool2d(x, self.kernel_size, self.stride, self.padding)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def get_config(self):
        return {"name": self.name, "kernel_size": self.kernel_size, "stride": self.stride,
                "padding": self.padding, "count_include_pad": self.count_include_pad}

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """y = the mean over each cell of an output_size grid laid on the image: (N, C, H, W)
    -> (N, C, OH, OW); ``AdaptiveAvgPool2d(1)`` is the global average.

    Args (PyTorch's): output_size, an int or a pair (OH, OW), either of which may be None
    (the input's size). PyTorch's cells: equal when it divides the image's height and
    width, else cell i spans [floor(i * H / OH), ceil((i + 1) * H / OH)) (overlapping).
    """

    def __init__(self, output_size, name=None):
        super().__init__(name)
        where = f"AdaptiveAvgPool2d {self.name!r}"
        sizes = (output_size, output_size) if isinstance(output_size, numbers.Integral) \
            else output_size
        try:
            sizes = tuple(sizes)
        except TypeError:
            sizes = ()
        if len(sizes) != 2 or not all(n is None or (
                isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_)) and n > 0)
                for n in sizes):
            raise ValueError(f"{where}: output_size must be a positive int or a pair of them "
                             f"(or None), got {output_size!r}")
        self.output_size = tuple(None if n is None else int(n) for n in sizes)

    def forward(self, x):
        where = f"AdaptiveAvgPool2d {self.name!r}"
        x = _as_input(x, ag.get_default_dtype())
        _check_images(x, None, where)
        try:
            return functional.adaptive_avg_pool2d(x, self.output_size)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e

    def get_config(self):
        return {"name": self.name, "output_size": self.output_size}

    def extra_repr(self):
        return f"output_size={self.output_size}"


class _Pool1d(Module):
    """AvgPool1d's PyTorch arguments, checked when made (MaxPool1d is in torch_pooling)."""

    def __init__(self, kernel_size, stride=None, padding=0, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        kernel_size = _single(kernel_size, "kernel_size", where)
        stride = kernel_size if stride is None else _single(stride, "stride", where)
        padding = _single(padding, "padding", where, minimum=0)
        if 2 * padding[0] > kernel_size[0]:
            raise ValueError(f"{where}: padding {padding} must be at most half the "
                             f"kernel_size {kernel_size}, as in PyTorch")
        super().__init__(name)
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        x = _as_input(x, ag.get_default_dtype())
        return type(self).pool(x, self.kernel_size, self.stride, self.padding)

    def get_config(self):
        return {"name": self.name, "kernel_size": self.kernel_size, "stride": self.stride,
                "padding": self.padding}

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_Pool1d):
    """y = the mean of each window along the last axis (the zero padding counts, PyTorch's
    default): (N, C, L) -> (N, C, OL).  Args (PyTorch's): kernel_size, stride=None,
    padding=0."""
    pool = staticmethod(functional.avg_pool1d)


class _LPPool(Module):
    """What LPPool1d, LPPool2d and LPPool3d share: PyTorch's arguments, checked when
    made."""

    sizes = None
    pool = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False, name=None):
        where = type(self).__name__ if name is None else f"{type(self).__name__} {name!r}"
        if not (isinstance(norm_type, numbers.Real) and norm_type == math.inf):
            p = _real(norm_type, "norm_type", where, 0.0, math.inf)
            if p == 0:
                raise ValueError(f"{where}: norm_type must be > 0, got {norm_type!r}")
        type(self).sizes(kernel_size, "kernel_size", where)
        if stride is not None:
            type(self).sizes(stride, "stride", where)
        if _flag(ceil_mode, "ceil_mode", where):
            raise NotImplementedError(f"{where}: ceil_mode=True is not supported (only "
                                      "ceil_mode=False)")
        super().__init__(name)
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = False

    def forward(self, x):
        x = _as_input(x, ag.get_default_dtype())
        try:
            return type(self).pool(x, self.norm_type, self.kernel_size, self.stride)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, "norm_type": self.norm_type,
                "kernel_size": self.kernel_size, "stride": self.stride}

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPool):
    """y = (sum of x**p over each window) ** (1 / p), p = norm_type (1: sum pooling, inf:
    max pooling), along the last axis: (N, C, L) -> (N, C, OL), OL = (L - k) // s + 1.
    Args (PyTorch's): norm_type, kernel_size, stride=None (kernel_size), ceil_mode=False
    (the only choice here)."""

    sizes = staticmethod(_single)
    pool = staticmethod(functional.lp_pool1d)


class LPPool2d(_LPPool):
    """y = (sum of x**p over each window) ** (1 / p), p = norm_type (1: sum pooling, inf:
    max pooling): (N, C, H, W) -> (N, C, OH, OW), OH = (H - kh) // sh + 1.
    Args (PyTorch's): norm_type, kernel_size (an int or a pair), stride=None
    (kernel_size), ceil_mode=False (the only choice here)."""

    sizes = staticmethod(_pair)
    pool = staticmethod(functional.lp_pool2d)


class LPPool3d(_LPPool):
    """y = (sum of x**p over each window) ** (1 / p), p = norm_type (1: sum pooling, inf:
    max pooling of |x|): (N, C, D, H, W) or (C, D, H, W) -> (N, C, OD, OH, OW) or (C, OD,
    OH, OW), OD = (D - kd) // sd + 1.
    Args (PyTorch's): norm_type, kernel_size (an int or 3), stride=None (kernel_size),
    ceil_mode=False (the only choice here)."""

    sizes = staticmethod(_triple)
    pool = staticmethod(functional.lp_pool3d)
