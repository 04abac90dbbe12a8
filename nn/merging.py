"""Merging layers: several tensors in, one out. The joints of skip connections and of
models with several inputs.

>>> import numpy as np
>>> Add()([np.ones((1, 2)), 2 * np.ones((1, 2))]).numpy().tolist()
[[3.0, 3.0]]
>>> Concatenate()([np.ones((1, 2)), np.zeros((1, 1))]).numpy().tolist()
[[1.0, 1.0, 0.0]]
>>> Dot(axes=1)([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy().tolist()
[[11.0]]

Each takes Keras's ``dtype=None`` keyword: floating inputs are cast to it before they are
merged (``nn.keras_module``).
"""

import functools
import numbers

import numpy as np

import autograd_core as ag

from .keras_module import KerasModule, with_dtype

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "concatenate", "maximum", "minimum", "dot"]


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


class Maximum(_Merge):
    """y = max(x_1, x_2, ..., x_n), elementwise.

    Folded pairwise with ``ag.maximum``, whose gradient at a tie is shared equally between
    the two sides (PyTorch's ``torch.maximum``): at a tie of x_1 and x_2 each gets g / 2;
    a three-way tie gives g / 4, g / 4, g / 2. (TensorFlow's gives all of g to x_1.)
    """

    def merge(self, xs):
        return functools.reduce(ag.maximum, xs)


class Minimum(_Merge):
    """y = min(x_1, x_2, ..., x_n), elementwise; ties share the gradient as Maximum's."""

    def merge(self, xs):
        return functools.reduce(ag.minimum, xs)


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


def l2_normalize(x, axis, eps):
    """x / max(||x||, eps) along ``axis``, written x / sqrt(max(sum(x**2), eps**2)) so
    that a zero x has a zero gradient rather than sqrt's infinite one at 0."""
    return x / ag.sqrt(ag.maximum(ag.sum(x * x, axis=axis, keepdims=True), eps * eps))


class Dot(_Merge):
    """y[n, ...] = sum_k x1[n, ..k..] * x2[n, ..k..]: the dot product of each sample of x1
    with the same sample of x2 along ``axes`` (Keras's ``batch_dot``).

    The output's axes are the batch, then x1's other axes, then x2's: x1 (batch, 3, 5) and
    x2 (batch, 10, 3) with axes=(1, 2) give (batch, 5, 10); two (batch, n) give (batch, 1).

    Args (Keras's): axes: an int (the same axis of both) or a pair (axis of x1, axis of
        x2), never the batch axis 0; negative counts from the end.
        normalize=False: True divides each input by its L2 norm along its dot axis first
        (x / max(||x||, 1e-7), Keras's ``ops.normalize``), so y is the cosine similarity.
    """

    def __init__(self, axes, normalize=False, name=None, *, dtype=None):
        where = "Dot" if name is None else f"Dot {name!r}"
        is_pair = isinstance(axes, (list, tuple))
        items = tuple(axes) if is_pair else (axes,)
        if len(items) != (2 if is_pair else 1) or not all(
                isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_))
                for a in items):
            raise ValueError(f"{where}: axes must be an int or a pair of ints, got {axes!r}")
        if not isinstance(normalize, (bool, np.bool_)):
            raise TypeError(f"{where}: normalize must be True or False, got {normalize!r}")
        super().__init__(name, dtype=dtype)
        self.axes = tuple(int(a) for a in items) if is_pair else int(axes)
        self.normalize = bool(normalize)

    def _axes(self, ndims):
        """The two dot axes as non-negative ints, Keras's way (``axes % ndim``)."""
        given = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return tuple(a % n if -n <= a < n else a for a, n in zip(given, ndims))

    def _check(self, shapes, where):
        if len(shapes) != 2:
            raise ValueError(f"{where}: expected exactly 2 inputs, got {len(shapes)}")
        (s1, s2), ndims = shapes, (len(shapes[0]), len(shapes[1]))
        if min(ndims) < 2:
            raise ValueError(f"{where}: the inputs must have a batch axis and at least one "
                             f"more, got shapes {s1}, {s2}")
        if s1[0] != s2[0]:
            raise ValueError(f"{where}: the batch sizes differ, got shapes {s1}, {s2}")
        a1, a2 = self._axes(ndims)
        if not (0 < a1 < ndims[0] and 0 < a2 < ndims[1]):
            raise ValueError(f"{where}: axes={self.axes} must name a non-batch axis of "
                             f"shapes {s1}, {s2} (not axis 0)")
        if s1[a1] != s2[a2]:
            raise ValueError(f"{where}: axis {a1} of {s1} and axis {a2} of {s2} differ in "
                             f"size ({s1[a1]} != {s2[a2]})")

    def merge(self, xs):
        x1, x2 = xs
        a1, a2 = self._axes((x1.ndim, x2.ndim))
        if self.normalize:
            x1, x2 = l2_normalize(x1, a1, 1e-7), l2_normalize(x2, a2, 1e-7)
        rest1 = [i for i in range(1, x1.ndim) if i != a1]
        rest2 = [i for i in range(1, x2.ndim) if i != a2]
        # (batch, rest of x1, k) @ (batch, k, rest of x2): one batched matrix product
        m1 = ag.reshape(ag.transpose(x1, [0] + rest1 + [a1]), (x1.shape[0], -1, x1.shape[a1]))
        m2 = ag.reshape(ag.transpose(x2, [0, a2] + rest2), (x2.shape[0], x2.shape[a2], -1))
        shape = (x1.shape[0],) + tuple(x1.shape[i] for i in rest1) + \
            tuple(x2.shape[i] for i in rest2)
        return ag.reshape(ag.matmul(m1, m2), shape if len(shape) > 1 else shape + (1,))

    def get_config(self):
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return with_dtype({"axes": axes, "normalize": self.normalize, "name": self.name},
                          self._given_dtype)

    def extra_repr(self):
        return f"axes={self.axes}, normalize={self.normalize}"


def add(inputs, **kwargs):
    """``Add()(inputs)``, Keras's functional shortcut."""
    return Add(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis)(inputs)``, Keras's functional shortcut."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum()(inputs)``, Keras's functional shortcut."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum()(inputs)``, Keras's functional shortcut."""
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """``Dot(axes, normalize)(inputs)``, Keras's functional shortcut (axes=-1 by default,
    as Keras's ``dot``)."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
