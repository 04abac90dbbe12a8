"""Regularizers: penalties on weights (or on a layer's outputs) added to the training loss.

A layer given ``kernel_regularizer=L2(0.001)`` adds ``0.001 * sum(W**2)`` to the loss that
``fit`` minimises, so the gradient of every step gains ``2 * 0.001 * W``, pulling the
weights towards zero ("weight decay" through the loss). The penalties are Keras's, with
Keras's names and defaults; the TensorFlow tutorial "Overfit and underfit" ports as it is:

>>> import nn
>>> from nn import regularizers
>>> layer = nn.Dense(4, activation="elu", kernel_regularizer=regularizers.l2(0.001),
...                  input_shape=(3,), kernel_initializer="ones")
>>> [round(float(p.numpy()), 6) for p in layer.losses]      # 0.001 * 12 ones
[0.012]

A regularizer is any callable ``penalty(x) -> scalar Value``; the classes here also have
``get_config``/``from_config``, so a saved model keeps them.
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from ._argument_kinds import ArgumentKind

__all__ = [
    "Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
    "orthogonal_regularizer", "get", "serialize", "deserialize",
]


def _factor(value, what, where):
    """A penalty factor: a finite number >= 0, as a float; anything else raises, naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where}: {what} must be a finite number >= 0, got {value!r}")
    return float(value)


class Regularizer:
    """Base class: ``penalty = regularizer(x)``, a scalar Value of the weight ``x``.

    A subclass defines ``__call__`` and ``get_config`` (the constructor's arguments);
    ``from_config`` rebuilds it, as in Keras. This base class penalises nothing.
    """

    def __call__(self, x):
        return ag.sum(ag.multiply(x, 0.0))  # zero, of x's dtype and with x in its graph

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config(); "
                                  "write one to save a model that uses it")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """penalty = l1 * sum(|x|) + l2 * sum(x**2)      d/dx = l1 * sign(x) + 2 * l2 * x

    Args:
        l1, l2: the factors, 0.0 each by default (Keras's class; the name "l1_l2" in
            ``get`` means 0.01 each).
    """

    def __init__(self, l1=0.0, l2=0.0):
        # None means 0, as in Keras; every factor is checked before any is kept.
        l1 = _factor(0.0 if l1 is None else l1, "l1", "L1L2")
        l2 = _factor(0.0 if l2 is None else l2, "l2", "L1L2")
        self.l1, self.l2 = l1, l2

    def __call__(self, x):
        penalty = Regularizer.__call__(self, x)
        if self.l1:
            penalty = penalty + self.l1 * ag.sum(ag.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ag.sum(ag.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """penalty = l1 * sum(|x|)      d/dx = l1 * sign(x)  (Keras's default l1 = 0.01)"""

    def __init__(self, l1=0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x):
        return self.l1 * ag.sum(ag.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """penalty = l2 * sum(x**2)      d/dx = 2 * l2 * x  (Keras's: no 1/2; default l2 = 0.01)"""

    def __init__(self, l2=0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x):
        return self.l2 * ag.sum(ag.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """penalty = factor * 0.5 * sum_{i != j} |u_i . u_j| / (n * (n - 1) / 2)

    Keras 3's: u_i are the rows (``mode="rows"``) or the columns (``mode="columns"``) of a
    rank-2 ``x``, each scaled to unit length (u = x / max(||x||, 1e-7)), and n is how many
    there are; the penalty is factor/2 times the mean |cosine| over the pairs (i < j's
    cosines appear twice in the sum, once per order). It pushes the rows (columns) towards
    orthogonality; for a Dense kernel (n_in, units), "columns" makes the units' weight
    vectors orthogonal.

    Args:
        factor: 0.01 by default.
        mode: "rows" or "columns".
    """

    eps = 1e-7  # Keras's backend.epsilon(): a zero row stays zero instead of dividing by 0

    def __init__(self, factor=0.01, mode="rows"):
        factor = _factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or 'columns', got "
                             f"{mode!r}")
        self.factor, self.mode = factor, mode

    def __call__(self, x):
        if np.ndim(x) != 2:
            raise ValueError(f"OrthogonalRegularizer: needs a rank-2 weight, got shape "
                             f"{np.shape(x)}")
        if self.mode == "columns":
            x = ag.transpose(x)
        # 1 / sqrt(max(s, eps**2)) is Keras's min(1 / sqrt(s), 1 / eps), with a gradient
        # that stays finite at a zero row (the max stops it before the sqrt).
        squares = ag.sum(ag.square(x), axis=1, keepdims=True)
        u = x / ag.sqrt(ag.maximum(squares, self.eps ** 2))
        n = np.shape(x)[0]
        off_diagonal = 1.0 - np.eye(n, dtype=u.dtype)
        cosines = ag.matmul(u, ag.transpose(u)) * off_diagonal
        pairs = n * (n - 1.0) / 2.0
        return self.factor * 0.5 * ag.sum(ag.abs(cosines)) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's lowercase names are the classes themselves (``regularizers.l2(0.001)``).
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_BY_NAME = {cls.__name__: cls for cls in (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)}
# What a name in a layer's argument means: Keras's defaults, 0.01 for each factor.
_NAMES = {"l1": lambda: L1(0.01), "l2": lambda: L2(0.01), "l1_l2": lambda: L1L2(0.01, 0.01),
          "orthogonal_regularizer": OrthogonalRegularizer}

_KIND = ArgumentKind("regularizer", Regularizer, _NAMES, _BY_NAME)


def get(identifier):
    """A regularizer from a layer's argument.

    Args:
        identifier: None (no penalty), a name ("l1", "l2", "l1_l2" with factors 0.01, or a
            class name such as "L2"), ``serialize``'s dict, a Regularizer, or any callable
            ``penalty(x) -> scalar Value`` (returned unchanged).
    Returns:
        The regularizer, or None.
    """
    return _KIND.get(identifier)


def for_layer(identifier, what, where):
    """``get(identifier)`` for a layer's argument ``what``; an error names the layer and the
    argument: "Dense 'dense': kernel_regularizer: ..." ."""
    return _KIND.for_layer(identifier, what, where)


def serialize(regularizer):
    """Keras's config form, ``{"class_name": "L2", "config": {"l2": 0.001}}``, which ``get``
    turns back into an equal regularizer; None stays None. Anything else (a plain function)
    is returned unchanged: a model holding it cannot be written as JSON."""
    return _KIND.serialize(regularizer)


def deserialize(config, custom_objects=None):
    """The regularizer of ``serialize``'s dict; ``custom_objects`` {name: class} adds
    Regularizer subclasses of one's own."""
    return _KIND.deserialize(config, custom_objects)
