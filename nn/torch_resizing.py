"""PyTorch's layers that resize axes: ``Unflatten`` splits one axis into several;
``Upsample``, ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d`` grow the spatial axes
(``functional.interpolate`` as layers). They hold no weights.
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from . import functional
from .module import Module
from .torch_layers import _check_images

__all__ = ["Unflatten", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Unflatten(Module):
    """y = x with axis ``dim`` split into ``unflattened_size`` (PyTorch's): Unflatten(1,
    (1, 28, 28)) takes (N, 784) to (N, 1, 28, 28). One size may be -1 (the rest)."""

    def __init__(self, dim, unflattened_size, name=None):
        where = "Unflatten" if name is None else f"Unflatten {name!r}"
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"{where}: dim must be an int, got {dim!r}")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, (tuple, list)) else ()
        if not sizes or any(isinstance(n, (bool, np.bool_)) or not isinstance(
                n, numbers.Integral) or (n < 1 and n != -1) for n in sizes) or \
                list(sizes).count(-1) > 1:
            raise ValueError(f"{where}: unflattened_size must be a tuple of sizes >= 1 (one "
                             f"may be -1), got {unflattened_size!r}")
        super().__init__(name)
        self.dim, self.unflattened_size = int(dim), tuple(int(n) for n in sizes)

    def forward(self, x):
        x = x if isinstance(x, ag.Value) else ag.constant(x)
        dim = self.dim + x.ndim if self.dim < 0 else self.dim
        if not 0 <= dim < x.ndim:
            raise ValueError(f"Unflatten {self.name!r}: dim {self.dim} is out of range for an "
                             f"input of shape {x.shape}")
        known = math.prod(n for n in self.unflattened_size if n != -1)
        if (x.shape[dim] % known if -1 in self.unflattened_size else x.shape[dim] != known):
            raise ValueError(f"Unflatten {self.name!r}: sizes {self.unflattened_size} do not "
                             f"make axis {self.dim} of {x.shape[dim]} elements (input shape "
                             f"{x.shape})")
        return ag.reshape(x, x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def get_config(self):
        return {"name": self.name, "dim": self.dim, "unflattened_size": self.unflattened_size}

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Upsample(Module):
    """PyTorch's ``nn.Upsample``: ``functional.interpolate`` as a layer, for (N, C, L)
    sequences and (N, C, H, W) images.

    Args (PyTorch's): size=None or scale_factor=None (one of them), mode="nearest"
    ("nearest-exact", "linear", "bilinear"), align_corners=None, recompute_scale_factor=None.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None, name=None):
        where = "Upsample" if name is None else f"Upsample {name!r}"
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{where}: give either size or scale_factor (as PyTorch)")
        if mode not in ("nearest", "nearest-exact", "linear", "bilinear"):
            raise NotImplementedError(f"{where}: mode {mode!r} is not supported; use "
                                      "'nearest', 'nearest-exact', 'linear' or 'bilinear'")
        super().__init__(name)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x):
        return functional.interpolate(x, self.size, self.scale_factor, self.mode,
                                      self.align_corners, self.recompute_scale_factor)

    def get_config(self):
        return {"name": self.name, "size": self.size, "scale_factor": self.scale_factor,
                "mode": self.mode, "align_corners": self.align_corners,
                "recompute_scale_factor": self.recompute_scale_factor}

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else \
            f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """PyTorch's ``Upsample(size, scale_factor, mode="nearest")`` for images (N, C, H, W).
    Args (PyTorch's): size=None or scale_factor=None (one of them)."""

    def __init__(self, size=None, scale_factor=None, name=None):
        super().__init__(size, scale_factor, "nearest", name=name)

    def forward(self, x):
        _check_images(x, None, f"{type(self).__name__} {self.name!r}")
        return super().forward(x)

    def get_config(self):
        return {"name": self.name, "size": self.size, "scale_factor": self.scale_factor}


class UpsamplingBilinear2d(UpsamplingNearest2d):
    """PyTorch's ``Upsample(size, scale_factor, mode="bilinear", align_corners=True)`` for
    images (N, C, H, W): the corner pixels' centres stay on each other.
    Args (PyTorch's): size=None or scale_factor=None (one of them)."""

    def __init__(self, size=None, scale_factor=None, name=None):
        Upsample.__init__(self, size, scale_factor, "bilinear", align_corners=True,
                          name=name)
