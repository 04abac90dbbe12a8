"""Merging layers: several tensors in, one out. The joints of skip connections and of
models with several inputs.

>>> import numpy as np
>>> Add()([np.ones((1, 2)), 2 * np.ones((1, 2))]).numpy().tolist()
[[3.0, 3.0]]
>>> Concatenate()([np.ones((1, 2)), np.zeros((1, 1))]).numpy().tolist()
[[1.0, 1.0, 0.0]]

Each takes Keras's ``dtype=None`` keyword: floating inputs are cast to it before they are
merged (``nn.keras_module``).
"""

import functools

import numpy as np

import autograd_core as ag

from .keras_module import KerasModule, with_dtype

__all__ = ["Add", "Subtract", "Multiply", "Average", "Concatenate", "add", "concatenate"]


class _Merge(KerasModule):
    """Takes a list of at least two tensors of one shape (``Concatenate``: one shape but
    along ``axis``)."""

    def forward(self, inputs):
        where = f"{type(self).__name__} {self.name!r}"
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"{where}: expected a list of at least 2 tensors, got "
                             f"{type(inputs).__name__}")
        shapes = [tuple(np.shape(x)) for x in inputs]
        self._check(shapes, where)
        inputs = [x if isinstance(x, ag.Value) else ag.constant(np.asarray(x)) for x in inputs]
        return self.merge(inputs)

    def _check(self, shapes, where):
        if len(set(shapes)) != 1:
            raise ValueError(f"{where}: the inputs' shapes must be equal, got "
                             f"{', '.join(map(str, shapes))}")

    def get_config(self):
        return with_dtype({"name": self.name}, self._given_dtype)


class Add(_Merge):
    """y = x_1 + x_2 + ... + x_n"""

    def merge(self, xs):
        return functools.reduce(ag.add, xs)


class Subtract(_Merge):
    """y = x_1 - x_2 (exactly two inputs)"""

    def _check(self, shapes, where):
        if len(shapes) != 2:
            raise ValueError(f"{where}: expected exactly 2 inputs, got {len(shapes)}")
        super()._check(shapes, where)

    def merge(self, xs):
        return ag.subtract(xs[0], xs[1])


class Multiply(_Merge):
    """y = x_1 * x_2 * ... * x_n, elementwise"""

    def merge(self, xs):
        return functools.reduce(ag.multiply, xs)


class Average(_Merge):
    """y = (x_1 + ... + x_n) / n"""

    def merge(self, xs):
        return functools.reduce(ag.add, xs) / len(xs)


class Concatenate(_Merge):
    """y = [x_1, x_2, ...] joined along ``axis`` (the last by default, Keras's)."""

    def __init__(self, axis=-1, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Concatenate: axis must be an integer, got {axis!r}")
        self.axis = int(axis)

    def _check(self, shapes, where):
        ndim = len(shapes[0])
        if any(len(s) != ndim for s in shapes) or not -ndim <= self.axis < ndim:
            raise ValueError(f"{where}: cannot join shapes {', '.join(map(str, shapes))} "
                             f"along axis {self.axis}")
        axis = self.axis % ndim
        rest = {s[:axis] + s[axis + 1:] for s in shapes}
        if len(rest) != 1:
            raise ValueError(f"{where}: shapes {', '.join(map(str, shapes))} differ outside "
                             f"axis {self.axis}")

    def merge(self, xs):
        return ag.concatenate(xs, axis=self.axis)

    def get_config(self):
        return with_dtype({"axis": self.axis, "name": self.name}, self._given_dtype)


def add(inputs, **kwargs):
    """``Add()(inputs)``, Keras's functional shortcut."""
    return Add(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis)(inputs)``, Keras's functional shortcut."""
    return Concatenate(axis=axis, **kwargs)(inputs)
