"""PyTorch's channel dropout layers: ``Dropout1d`` and ``Dropout2d`` zero whole channels
of (N, C, L) sequences and (N, C, H, W) images in training mode, and
``FeatureAlphaDropout`` sets them to SELU's lower bound (``Dropout`` is shared with Keras,
in ``layers``; ``Dropout3d`` is in ``volumetric``).
"""

import numpy as np

import autograd_core as ag

from . import functional
from .basic_layers import _as_input, _flag
from .module import Module
from .noise import SpatialDropout2D
from .torch_random_functions import _probability

__all__ = ["Dropout1d", "Dropout2d", "FeatureAlphaDropout"]


class _ChannelsFirstDropout:
    """What PyTorch's Dropout2d and Dropout3d add to Keras's spatial dropouts (mixed in
    before them): channels first, PyTorch's ``p`` and ``inplace``. ``inplace`` gives the
    same numbers in a new array (an input changed in place would break its graph here)."""

    def __init__(self, p=0.5, inplace=False, name=None, *, seed=None):
        kind = type(self).__name__
        _flag(inplace, "inplace", kind if name is None else f"{kind} {name!r}")
        super().__init__(p, data_format="channels_first", seed=seed, name=name)
        self.inplace = bool(inplace)

    @property
    def p(self):
        return self.rate

    def get_config(self):
        return {"name": self.name, "p": self.rate, "inplace": self.inplace}

    def extra_repr(self):
        return f"p={self.rate}, inplace={self.inplace}"


class Dropout2d(_ChannelsFirstDropout, SpatialDropout2D):
    """PyTorch's ``Dropout2d(p=0.5, inplace=False)``: in training mode each channel of each
    image, (N, C, H, W), is zeroed whole with probability p and the rest scaled by
    1 / (1 - p); Keras's SpatialDropout2D with channels first."""


class _PDropout(Module):
    """What Dropout1d and FeatureAlphaDropout share: PyTorch's p and inplace, checked when
    the layer is made (``inplace`` accepted; the result is a new Value), the input's rank
    checked by ``_check``, and y = x in eval mode or at p = 0; ``_drop`` draws the mask
    (from ``ag.random``, which ``ag.manual_seed`` seeds)."""

    def __init__(self, p=0.5, inplace=False, name=None):
        kind = type(self).__name__
        where = kind if name is None else f"{kind} {name!r}"
        p, inplace = _probability(p, where), _flag(inplace, "inplace", where)
        super().__init__(name)
        self.p, self.inplace = p, inplace

    def forward(self, x):
        self._check(x, f"{type(self).__name__} {self.name!r}")
        if not self.training or self.p == 0:
            return x
        return self._drop(_as_input(x, ag.get_default_dtype()))

    def get_config(self):
        return {"name": self.name, "p": self.p, "inplace": self.inplace}

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_PDropout):
    """In training mode each channel of each sequence, (N, C, L) or (C, L), is zeroed whole
    with probability p and the others scaled by 1 / (1 - p) (``functional.dropout1d``);
    in eval mode y = x.  Args (PyTorch's): p=0.5, inplace=False."""

    def _check(self, x, where):
        if np.ndim(x) not in (2, 3):
            raise ValueError(f"{where}: expected a 3-D batched (N, C, L) or 2-D unbatched "
                             f"(C, L) input, got shape {np.shape(x)}")

    def _drop(self, x):
        return functional.dropout1d(x, self.p, True)


class FeatureAlphaDropout(_PDropout):
    """SELU's dropout of whole channels (``functional.feature_alpha_dropout``): in training
    mode each channel of each sample, (N, C, *), is set whole to SELU's lower bound with
    probability p, and an affine map keeps zero mean and unit variance; in eval mode
    y = x.  Args (PyTorch's): p=0.5, inplace=False."""

    def _check(self, x, where):
        if np.ndim(x) < 2:
            raise ValueError(f"{where}: expected input (N, C, *) of at least 2 dimensions, "
                             f"got shape {np.shape(x)}")

    def _drop(self, x):
        return functional.feature_alpha_dropout(x, self.p, training=True)
