"""Keras layers that fit no other family: ``UnitNormalization``.

>>> import numpy as np
>>> UnitNormalization()(np.array([[3.0, 4.0], [0.0, 2.0]])).numpy()
array([[0.6, 0.8],
       [0. , 1. ]], dtype=float32)

Each takes Keras's ``dtype=None`` keyword: floating inputs are cast to it
(``nn.keras_module``).
"""

import numbers

import numpy as np

import autograd_core as ag

from .keras_module import KerasModule
from .basic_layers import _as_input

__all__ = ["UnitNormalization"]


class UnitNormalization(KerasModule):
    """y = x / sqrt(max(sum(x**2 over axis), 1e-12)): each slice along ``axis`` scaled to
    unit L2 norm (Keras's UnitNormalization). dL/dx = (g - y * sum(g * y)) / ||x|| where
    ||x|| > 1e-6; a slice with a smaller norm is just multiplied by 1e6 (so all-zero
    slices stay zero, with gradient 1e6 * g).

    (Keras 3.0-3.3 wrote it so; later versions divide by max(||x||, 1e-12) instead, which
    differs only for slices whose norm is below 1e-6.)

    Args (Keras's): axis=-1: an int or a list of ints, the axes summed over together.
    """

    def __init__(self, axis=-1, name=None, *, dtype=None):
        where = "UnitNormalization" if name is None else f"UnitNormalization {name!r}"
        items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not items or not all(isinstance(a, numbers.Integral)
                                and not isinstance(a, (bool, np.bool_)) for a in items):
            raise TypeError(f"{where}: axis must be an int or a list of ints, got {axis!r}")
        super().__init__(name, dtype=dtype)
        self.axis = [int(a) for a in items] if isinstance(axis, (list, tuple)) else int(axis)

    def forward(self, x):
        x = _as_input(x, self._float_dtype())
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -x.ndim <= a < x.ndim for a in axes) or \
                len({a % x.ndim for a in axes}) != len(axes):
            raise ValueError(f"UnitNormalization {self.name!r}: axis={self.axis} does not name "
                             f"distinct axes of an input of shape {x.shape}")
        squares = ag.sum(ag.multiply(x, x), axis=tuple(axes), keepdims=True)
        return ag.divide(x, ag.sqrt(ag.maximum(squares, 1e-12)))

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config

    def extra_repr(self):
        return f"axis={self.axis}"
