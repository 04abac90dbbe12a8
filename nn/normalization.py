"""Normalization layers, Keras's: ``BatchNormalization`` (Ioffe & Szegedy 2015) and
``LayerNormalization`` (Ba et al. 2016); ``GroupNormalization`` and ``RMSNormalization`` are
in ``keras_norms``.

Both standardise: y = gamma * (x - mean) / sqrt(var + epsilon) + beta. They differ in what
the mean and the variance are taken over. Batch normalization takes each feature over the
batch (every sample's output depends on every other sample of the batch), and keeps running
averages of those statistics to stand in for them at inference. Layer normalization takes
each sample over its features, so it behaves the same in training and at inference and
keeps no statistics. The gradient flows through the statistics in both.

>>> import numpy as np, nn
>>> bn = nn.BatchNormalization(input_shape=(3,))
>>> bn.count_params(), len(bn.trainable_variables), len(bn.non_trainable_variables)
(12, 2, 2)
>>> ln = nn.LayerNormalization(input_shape=(3,))
>>> ln(np.array([[1.0, 2.0, 3.0]])).numpy().round(3)  # (x - 2) / sqrt(2/3 + 0.001)
array([[-1.224,  0.   ,  1.224]], dtype=float32)

PyTorch's ``BatchNorm1d``, ``BatchNorm2d`` and ``LayerNorm`` are in ``torch_norm``.
"""

import numbers
import warnings

import numpy as np

import autograd_core as ag

from . import initializers, regularizers
from .keras_module import KerasModule
from .basic_layers import (_as_input, _batch_shape, _constraint_configs, _constraints, _flag, _real,
                     _regularizer_configs)

__all__ = ["BatchNormalization", "LayerNormalization"]


def _moments(x, axes):
    """mean = mean(x), centered = x - mean, var = mean(centered**2) over ``axes``, kept as
    axes of size 1: the biased variance (divided by the count), as both Keras and PyTorch
    normalize with. The engine's ops, so differentiable to any order."""
    mean = ag.mean(x, axis=axes, keepdims=True)
    centered = x - mean
    return mean, centered, ag.mean(centered * centered, axis=axes, keepdims=True)


def _gamma_beta_configs(layer):
    """The config entries of a layer with Keras's gamma and beta (center, scale, their
    initializers, regularizers and constraints)."""
    return dict(center=layer.center, scale=layer.scale,
                beta_initializer=initializers.serialize(layer.beta_initializer),
                gamma_initializer=initializers.serialize(layer.gamma_initializer),
                **_regularizer_configs(layer), **_constraint_configs(layer))


def _scale_shift(y, gamma, beta, shape):
    """y * gamma + beta, each (absent when None) reshaped to ``shape`` to broadcast."""
    if gamma is not None:
        y = y * ag.reshape(gamma, shape)
    if beta is not None:
        y = y + ag.reshape(beta, shape)
    return y


class BatchNormalization(KerasModule):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta, per feature along ``axis``.

    In training (``training=True``, or the layer in training mode, as during ``fit``):
    mean and var are the batch's, over every axis but ``axis`` (var biased, divided by
    the count), and the moving statistics are updated as Keras does:

        moving_mean = moving_mean * momentum + mean * (1 - momentum)     (and var alike)

    In inference (``evaluate``, ``predict``, ``model.eval()``), and whenever the layer is
    frozen (``trainable = False``, Keras's rule for fine-tuning): moving_mean and
    moving_variance are used instead, so a sample's output does not depend on its batch.

    The moving statistics are not part of the graph: they are written in place, outside
    it, after the forward, whenever the layer runs in training mode, with or without
    ``ag.no_grad()`` (as Keras and PyTorch do). The passes that only build a layer or find
    its output shape run in inference mode, so they leave them alone.

    Args (Keras's defaults):
        axis=-1: the feature axis (1 for channels_first images).
        momentum=0.99, epsilon=1e-3 (PyTorch: momentum 0.1 on the other side, 1e-5).
        center=True: learn beta.  scale=True: learn gamma.
        beta_initializer="zeros", gamma_initializer="ones",
        moving_mean_initializer="zeros", moving_variance_initializer="ones".
        input_shape: the sample shape, to build now; else built at the first call.
        dtype=None: the float dtype of the weights, the moving statistics and the
            computation, a keyword (None: the default float dtype; ``nn.keras_module``).
        beta_constraint=None, gamma_constraint=None: keywords, projections of beta and
            gamma applied after each optimizer update (``nn.constraints``).

    Attributes:
        gamma, beta: trainable (C,) (absent when scale/center is False).
        moving_mean, moving_variance: non-trainable (C,); ``summary`` counts them as
            non-trainable params (4*C params, 2*C of them non-trainable, as Keras).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 input_shape=None, name=None, *, dtype=None, beta_constraint=None,
                 gamma_constraint=None):
        constraints = _constraints("BatchNormalization", name, beta_constraint=beta_constraint,
                                   gamma_constraint=gamma_constraint)
        super().__init__(name, dtype=dtype)
        where = f"BatchNormalization {self.name!r}"
        if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"{where}: axis must be an int, got {axis!r}")
        momentum = _real(momentum, "momentum", where, 0.0, float("inf"))
        if momentum > 1:
            raise ValueError(f"{where}: momentum must lie in [0, 1], got {momentum}")
        epsilon = _real(epsilon, "epsilon", where, 0.0, float("inf"))
        if epsilon <= 0:
            raise ValueError(f"{where}: epsilon must be positive, got {epsilon}")
        inits = [initializers.get(i) for i in (beta_initializer, gamma_initializer,
                                               moving_mean_initializer,
                                               moving_variance_initializer)]
        input_shape = _batch_shape(input_shape, None, where)
        self.axis, self.momentum, self.epsilon = int(axis), momentum, epsilon
        self.center, self.scale = bool(center), bool(scale)
        (self.beta_initializer, self.gamma_initializer, self.moving_mean_initializer,
         self.moving_variance_initializer) = inits
        self.beta_constraint, self.gamma_constraint = constraints
        # Keras's weight order: gamma, beta, moving_mean, moving_variance.
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self.input_shape = input_shape
        if input_shape is not None:
            self.build(input_shape)

    def _feature_axis(self, ndim):
        axis = self.axis + ndim if self.axis < 0 else self.axis
        if not 1 <= axis < ndim:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is not a "
                             f"feature axis of an input of rank {ndim} (axis 0 is the batch)")
        return axis

    def build(self, batch_shape):
        """Create the (C,) weights for inputs of shape ``batch_shape`` (batch axis first)."""
        channels = batch_shape[self._feature_axis(len(batch_shape))]
        dtype = self._float_dtype()

        def variable(init, what, trainable, constraint=None):
            return ag.Variable(init((channels,), dtype), name=f"{self.name}/{what}",
                               trainable=trainable, constraint=constraint)
        if self.scale:
            self.gamma = variable(self.gamma_initializer, "gamma", True, self.gamma_constraint)
        if self.center:
            self.beta = variable(self.beta_initializer, "beta", True, self.beta_constraint)
        self.moving_mean = variable(self.moving_mean_initializer, "moving_mean", False)
        self.moving_variance = variable(self.moving_variance_initializer, "moving_variance",
                                        False)

    def forward(self, x):
        where = f"BatchNormalization {self.name!r}"
        x = _as_input(x, self._float_dtype() if self.moving_mean is None
                      else self.moving_mean.dtype)
        if np.ndim(x) < 2:
            raise ValueError(f"{where}: expected input (batch, ..., features), got shape "
                             f"{np.shape(x)}")
        axis = self._feature_axis(x.ndim)
        if self.moving_mean is None:
            self.build(x.shape)
        channels = self.moving_mean.shape[0]
        if x.shape[axis] != channels:
            raise ValueError(f"{where}: built for {channels} features on axis {self.axis}, "
                             f"got input of shape {x.shape}")
        others = tuple(a for a in range(x.ndim) if a != axis)
        # (C,) vectors shaped to broadcast along the feature axis: (1, C) or (1, 1, 1, C)...
        shape = tuple(channels if a == axis else 1 for a in range(x.ndim))
        # Keras's rule: a frozen BatchNormalization (trainable=False, as when fine-tuning)
        # runs in inference mode, with its moving statistics, and leaves them alone.
        if self.training and self.trainable:
            mean, centered, var = _moments(x, others)
            self._update_moving(mean.numpy().reshape(-1), var.numpy().reshape(-1))
        else:
            mean = ag.reshape(self.moving_mean, shape)
            centered = x - mean
            var = ag.reshape(self.moving_variance, shape)
        return _scale_shift(centered * ag.rsqrt(var + self.epsilon), self.gamma, self.beta,
                            shape)

    def _update_moving(self, mean, var):
        """Keras's running averages, written in place: numpy arrays, so no graph sees it."""
        m = self.moving_mean.dtype.type(self.momentum)
        self.moving_mean.assign(self.moving_mean.data * m + mean * (1 - m))
        self.moving_variance.assign(self.moving_variance.data * m + var * (1 - m))

    def get_config(self):
        config = super().get_config()
        config.update(
            axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
            scale=self.scale,
            beta_initializer=initializers.serialize(self.beta_initializer),
            gamma_initializer=initializers.serialize(self.gamma_initializer),
            moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
            moving_variance_initializer=initializers.serialize(
                self.moving_variance_initializer),
            **_constraint_configs(self))
        return config

    def extra_repr(self):
        return f"axis={self.axis}, momentum={self.momentum}, epsilon={self.epsilon}"


class LayerNormalization(KerasModule):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta, mean and var (biased) of each
    sample over the axes ``axis``.

    Keras's layer: the statistics are each sample's own, so training and inference compute
    the same thing and nothing is kept besides gamma and beta. Built at the first call (or
    from ``input_shape``): gamma and beta take the shape of the input along ``axis``, in the
    order ``axis`` lists them (``axis=[1, 2, 3]`` on (N, 20, 30, 40) gives (20, 30, 40)),
    and are reshaped, as Keras does, to broadcast over the other axes.

    Args (Keras's defaults):
        axis=-1: an int or a list of ints, the axes normalized (not 0, the batch).
        epsilon=1e-3 (PyTorch's LayerNorm: 1e-5), added to the variance.
        center=True: learn beta.  scale=True: learn gamma.
        rms_scaling=False: True is Keras 3's deprecated mode, kept as Keras computes it
            (with Keras's warning): y = gamma * x / sqrt(var + epsilon), no beta; it scales
            by the variance, not the root mean square (``RMSNormalization`` does that).
        beta_initializer="zeros", gamma_initializer="ones".
        beta_regularizer=None, gamma_regularizer=None: penalties added to ``losses``.
        beta_constraint=None, gamma_constraint=None: projections applied after each
            optimizer update (``nn.constraints``).
        input_shape: the sample shape, to build now; else built at the first call.
        dtype=None: the float dtype of gamma, beta and the computation, a keyword.

    Attributes:
        gamma, beta: trainable, of the input's shape along ``axis`` (absent when
        scale/center is False).
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 input_shape=None, name=None, *, dtype=None):
        constraints = _constraints("LayerNormalization", name, beta_constraint=beta_constraint,
                                   gamma_constraint=gamma_constraint)
        super().__init__(name, dtype=dtype)
        where = f"LayerNormalization {self.name!r}"
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral)
                           for a in axes):
            raise TypeError(f"{where}: axis must be an int or a non-empty list of ints, got "
                            f"{axis!r}")
        if len(set(axes)) != len(axes):
            raise ValueError(f"{where}: axis lists an axis twice: {axis!r}")
        epsilon = _real(epsilon, "epsilon", where, 0.0, float("inf"))
        if epsilon <= 0:
            raise ValueError(f"{where}: epsilon must be positive, got {epsilon}")
        center, scale = _flag(center, "center", where), _flag(scale, "scale", where)
        rms_scaling = _flag(rms_scaling, "rms_scaling", where)
        inits = [initializers.get(i) for i in (beta_initializer, gamma_initializer)]
        penalties = [regularizers.for_layer(r, what, where) for what, r in (
            ("beta_regularizer", beta_regularizer), ("gamma_regularizer", gamma_regularizer))]
        input_shape = _batch_shape(input_shape, None, where)
        if input_shape is not None:
            self._axes(len(input_shape), axes, where)
        self.axis = [int(a) for a in axes] if isinstance(axis, (list, tuple)) else int(axis)
        if rms_scaling:
            warnings.warn(f"{where}: rms_scaling=True is deprecated in Keras 3: it scales the "
                          "input by the variance, not the root mean square; "
                          "nn.RMSNormalization does RMS normalization", UserWarning,
                          stacklevel=2)
        self.epsilon, self.center, self.scale = epsilon, center, scale
        self.rms_scaling = rms_scaling
        self.beta_initializer, self.gamma_initializer = inits
        self.beta_regularizer, self.gamma_regularizer = penalties
        self.beta_constraint, self.gamma_constraint = constraints
        # Keras's weight order: gamma, beta.
        self.gamma = self.beta = None
        self.input_shape = input_shape
        if input_shape is not None:
            self.build(input_shape)

    @staticmethod
    def _axes(ndim, axes, where):
        """The axes as non-negative numbers for an input of rank ``ndim``, checked."""
        found = [a + ndim if a < 0 else a for a in axes]
        if not all(1 <= a < ndim for a in found) or len(set(found)) != len(found):
            raise ValueError(f"{where}: axis {axes if len(axes) > 1 else axes[0]} does not "
                             f"name distinct feature axes of an input of rank {ndim} (axis 0 "
                             "is the batch)")
        return found

    def _listed(self):
        return self.axis if isinstance(self.axis, list) else [self.axis]

    def build(self, batch_shape):
        """Create gamma and beta of the shape of ``batch_shape`` (batch axis first) along
        ``axis``."""
        where = f"LayerNormalization {self.name!r}"
        axes = self._axes(len(batch_shape), self._listed(), where)
        shape = tuple(batch_shape[a] for a in axes)
        dtype = self._float_dtype()
        if self.scale:
            self.gamma = ag.Variable(self.gamma_initializer(shape, dtype),
                                     name=f"{self.name}/gamma",
                                     constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:  # Keras makes no beta then
            self.beta = ag.Variable(self.beta_initializer(shape, dtype),
                                    name=f"{self.name}/beta", constraint=self.beta_constraint)

    def forward(self, x):
        where = f"LayerNormalization {self.name!r}"
        weight = self.gamma if self.gamma is not None else self.beta
        x = _as_input(x, self._float_dtype() if weight is None else weight.dtype)
        axes = self._axes(np.ndim(x), self._listed(), where)
        if not self.built:
            self.build(x.shape)
        sizes = tuple(x.shape[a] for a in axes)
        if weight is not None and sizes != weight.shape:
            raise ValueError(f"{where}: built for sizes {weight.shape} on axis {self.axis}, "
                             f"got input of shape {x.shape}")
        # gamma and beta broadcast along the axes, in the input's order (Keras reshapes them)
        shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
        _, centered, var = _moments(x, tuple(sorted(axes)))
        if self.rms_scaling:  # Keras's deprecated mode: x itself, not centered
            return _scale_shift(x * ag.rsqrt(var + self.epsilon), self.gamma, None, shape)
        return _scale_shift(centered * ag.rsqrt(var + self.epsilon), self.gamma, self.beta,
                            shape)

    @property
    def built(self):
        """True once gamma and beta exist (at once when neither is wanted)."""
        wanted = self.scale or (self.center and not self.rms_scaling)
        return not wanted or self.gamma is not None or self.beta is not None

    def _regularized_weights(self):
        return (("gamma_regularizer", self.gamma_regularizer, self.gamma),
                ("beta_regularizer", self.beta_regularizer, self.beta))

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon, rms_scaling=self.rms_scaling,
                      **_gamma_beta_configs(self))
        return config

    def extra_repr(self):
        return f"axis={self.axis}, epsilon={self.epsilon}"
