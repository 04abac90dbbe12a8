"""Keras 3's other normalization layers: ``GroupNormalization`` (Wu & He 2018) and
``RMSNormalization`` (Zhang & Sennrich 2019).

Group normalization standardises each sample over groups of channels: the channels along
``axis`` are split into ``groups`` equal groups, and each group's mean and variance are
taken over its channels and every other axis but the batch. One group is layer
normalization over all features; one channel per group (``groups=-1``) is instance
normalization. RMS normalization divides by the root mean square alone, without
centering: y = x / sqrt(mean(x**2) + epsilon) * scale.

>>> import numpy as np, nn
>>> nn.RMSNormalization()(np.array([[3.0, 4.0]])).numpy().round(4)  # rms = sqrt(12.5)
array([[0.8485, 1.1314]], dtype=float32)

PyTorch's ``GroupNorm`` and ``RMSNorm`` (channels first) are in ``torch_norm``.
"""

import numbers

import numpy as np

import autograd_core as ag

from . import initializers, regularizers
from .basic_layers import _as_input, _batch_shape, _constraints, _flag, _real
from .keras_module import KerasModule
from .normalization import _gamma_beta_configs, _moments, _scale_shift

__all__ = ["GroupNormalization", "RMSNormalization"]


def _axis_of(axis, ndim, where):
    """``axis`` as a non-negative feature axis of an input of rank ``ndim`` (not the batch)."""
    found = axis + ndim if axis < 0 else axis
    if not 1 <= found < ndim:
        raise ValueError(f"{where}: axis {axis} is not a feature axis of an input of rank "
                         f"{ndim} (axis 0 is the batch)")
    return found


class GroupNormalization(KerasModule):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta, mean and var (biased) of each
    sample's group of channels, over the group's channels and all axes but the batch.

    Keras's layer: the channels along ``axis`` form ``groups`` groups of equal size; gamma
    and beta have one entry per channel. Like layer normalization it keeps no statistics,
    so training and inference compute the same thing.

    Args (Keras's defaults):
        groups=32: the number of groups, dividing the number of channels; -1 for one
            channel per group (instance normalization), which the layer then records as the
            channel count when it is built.
        axis=-1: the channel axis (not 0, the batch).
        epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
        gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
        beta_constraint=None, gamma_constraint=None: as ``LayerNormalization``'s.
        input_shape: the sample shape, to build now; else built at the first call.
        dtype=None: the float dtype of gamma, beta and the computation, a keyword.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 input_shape=None, name=None, *, dtype=None):
        where = "GroupNormalization" if name is None else f"GroupNormalization {name!r}"
        if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, numbers.Integral) \
                or (groups <= 0 and groups != -1):
            raise ValueError(f"{where}: groups must be a positive integer (or -1 for instance "
                             f"normalization), got {groups!r}")
        if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"{where}: axis must be an int, got {axis!r}")
        epsilon = _real(epsilon, "epsilon", where, 0.0, float("inf"))
        if epsilon <= 0:
            raise ValueError(f"{where}: epsilon must be positive, got {epsilon}")
        center, scale = _flag(center, "center", where), _flag(scale, "scale", where)
        inits = [initializers.get(i) for i in (beta_initializer, gamma_initializer)]
        penalties = [regularizers.for_layer(r, what, where) for what, r in (
            ("beta_regularizer", beta_regularizer), ("gamma_regularizer", gamma_regularizer))]
        constraints = _constraints("GroupNormalization", name, beta_constraint=beta_constraint,
                                   gamma_constraint=gamma_constraint)
        input_shape = _batch_shape(input_shape, None, where)
        if input_shape is not None:
            self._channels(input_shape, int(axis), int(groups), where)
        super().__init__(name, dtype=dtype)
        self.groups, self.axis, self.epsilon = int(groups), int(axis), epsilon
        self.center, self.scale = center, scale
        self.beta_initializer, self.gamma_initializer = inits
        self.beta_regularizer, self.gamma_regularizer = penalties
        self.beta_constraint, self.gamma_constraint = constraints
        self.gamma = self.beta = None  # Keras's weight order: gamma, beta
        self._built = False
        self.input_shape = input_shape
        if input_shape is not None:
            self.build(input_shape)

    @staticmethod
    def _channels(batch_shape, axis, groups, where):
        """(channel axis, channel count, groups) for an input of ``batch_shape``, checked."""
        a = _axis_of(axis, len(batch_shape), where)
        dim = batch_shape[a]
        groups = dim if groups == -1 else groups
        if dim < groups:
            raise ValueError(f"{where}: {groups} groups cannot be more than the {dim} "
                             f"channels on axis {axis}")
        if dim % groups:
            raise ValueError(f"{where}: the {dim} channels on axis {axis} do not split into "
                             f"{groups} groups of equal size")
        return a, dim, groups

    def build(self, batch_shape):
        """Create gamma and beta, one entry per channel of ``batch_shape`` along ``axis``."""
        _, dim, self.groups = self._channels(tuple(batch_shape), self.axis, self.groups,
                                             f"GroupNormalization {self.name!r}")
        dtype = self._float_dtype()
        if self.scale:
            self.gamma = ag.Variable(self.gamma_initializer((dim,), dtype),
                                     name=f"{self.name}/gamma", constraint=self.gamma_constraint)
        if self.center:
            self.beta = ag.Variable(self.beta_initializer((dim,), dtype),
                                    name=f"{self.name}/beta", constraint=self.beta_constraint)
        self._built = True

    @property
    def built(self):
        return self._built

    def forward(self, x):
        where = f"GroupNormalization {self.name!r}"
        weight = self.gamma if self.gamma is not None else self.beta
        x = _as_input(x, self._float_dtype() if weight is None else weight.dtype)
        if not self.built:
            self.build(x.shape)
        a, dim, groups = self._channels(x.shape, self.axis, self.groups, where)
        if weight is not None and weight.shape != (dim,):
            raise ValueError(f"{where}: built for {weight.shape[0]} channels on axis "
                             f"{self.axis}, got input of shape {x.shape}")
        # the channel axis split into (groups, channels per group); the statistics of each
        # sample and group are taken over everything else but the batch
        grouped = ag.reshape(x, x.shape[:a] + (groups, dim // groups) + x.shape[a + 1:])
        axes = tuple(i for i in range(1, grouped.ndim) if i != a)
        _, centered, var = _moments(grouped, axes)
        y = ag.reshape(centered * ag.rsqrt(var + self.epsilon), x.shape)
        shape = tuple(dim if i == a else 1 for i in range(x.ndim))
        return _scale_shift(y, self.gamma, self.beta, shape)

    def _regularized_weights(self):
        return (("gamma_regularizer", self.gamma_regularizer, self.gamma),
                ("beta_regularizer", self.beta_regularizer, self.beta))

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, axis=self.axis, epsilon=self.epsilon,
                      **_gamma_beta_configs(self))
        return config

    def extra_repr(self):
        return f"groups={self.groups}, axis={self.axis}, epsilon={self.epsilon}"


class RMSNormalization(KerasModule):
    """y = x / sqrt(mean(x**2 over axis) + epsilon) * scale: each sample scaled by the root
    mean square of its features, not centered (Keras 3's layer, ``F.rms_norm`` in
    PyTorch). ``scale`` is trainable, of the input's shape along ``axis``, starting at ones.

    Args (Keras's defaults): axis=-1 (an int or a list of ints, not 0), epsilon=1e-6,
    input_shape (to build now), dtype=None (a keyword).
    """

    def __init__(self, axis=-1, epsilon=1e-6, input_shape=None, name=None, *, dtype=None):
        where = "RMSNormalization" if name is None else f"RMSNormalization {name!r}"
        items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not items or not all(isinstance(a, numbers.Integral)
                                and not isinstance(a, (bool, np.bool_)) for a in items):
            raise TypeError(f"{where}: axis must be an int or a list of ints, got {axis!r}")
        epsilon = _real(epsilon, "epsilon", where, 0.0, float("inf"))
        if epsilon <= 0:
            raise ValueError(f"{where}: epsilon must be positive, got {epsilon}")
        input_shape = _batch_shape(input_shape, None, where)
        if input_shape is not None:
            self._axes(input_shape, items, where)
        super().__init__(name, dtype=dtype)
        self.axis = [int(a) for a in items] if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = epsilon
        self.scale = None
        self.input_shape = input_shape
        if input_shape is not None:
            self.build(input_shape)

    @staticmethod
    def _axes(batch_shape, axes, where):
        found = sorted(_axis_of(int(a), len(batch_shape), where) for a in axes)
        if len(set(found)) != len(found):
            raise ValueError(f"{where}: axis lists an axis twice: {axes!r}")
        return found

    def _listed(self):
        return self.axis if isinstance(self.axis, list) else [self.axis]

    def build(self, batch_shape):
        """Create ``scale`` of the shape of ``batch_shape`` along ``axis`` (sorted)."""
        axes = self._axes(tuple(batch_shape), self._listed(), f"RMSNormalization {self.name!r}")
        self.scale = ag.Variable(np.ones(tuple(batch_shape[a] for a in axes),
                                         self._float_dtype()), name=f"{self.name}/scale")

    @property
    def built(self):
        return self.scale is not None

    def forward(self, x):
        where = f"RMSNormalization {self.name!r}"
        x = _as_input(x, self._float_dtype() if self.scale is None else self.scale.dtype)
        if not self.built:
            self.build(x.shape)
        axes = self._axes(x.shape, self._listed(), where)
        if tuple(x.shape[a] for a in axes) != self.scale.shape:
            raise ValueError(f"{where}: built for sizes {self.scale.shape} on axis "
                             f"{self.axis}, got input of shape {x.shape}")
        mean_square = ag.mean(x * x, axis=tuple(axes), keepdims=True)
        shape = tuple(x.shape[i] if i in axes else 1 for i in range(x.ndim))
        return _scale_shift(x * ag.rsqrt(mean_square + self.epsilon), self.scale, None, shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon)
        return config

    def extra_repr(self):
        return f"axis={self.axis}, epsilon={self.epsilon}"
