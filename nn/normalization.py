"""Batch normalization (Ioffe & Szegedy 2015), Keras's ``BatchNormalization``.

In training each feature is standardised with its batch's mean and variance, then scaled
and shifted by learnt gamma and beta; the gradient flows through the batch statistics too
(every sample's output depends on every other sample of the batch). Running averages of
those statistics, kept on the side, stand in for them at inference.

>>> import numpy as np, nn
>>> bn = nn.BatchNormalization(input_shape=(3,))
>>> bn.count_params(), len(bn.trainable_variables), len(bn.non_trainable_variables)
(12, 2, 2)
"""

import numbers

import numpy as np

import autograd_core as ag

from . import initializers
from .layers import _as_input, _batch_shape, _real
from .module import Module

__all__ = ["BatchNormalization"]


class BatchNormalization(Module):
    """y = gamma * (x - mean) / sqrt(var + epsilon) + beta, per feature along ``axis``.

    In training (``training=True``, or the layer in training mode, as during ``fit``):
    mean and var are the batch's, over every axis but ``axis`` (var biased, divided by
    the count), and the moving statistics are updated as Keras does:

        moving_mean = moving_mean * momentum + mean * (1 - momentum)     (and var alike)

    In inference (``evaluate``, ``predict``, ``model.eval()``): moving_mean and
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

    Attributes:
        gamma, beta: trainable (C,) (absent when scale/center is False).
        moving_mean, moving_variance: non-trainable (C,); ``summary`` counts them as
            non-trainable params (4*C params, 2*C of them non-trainable, as Keras).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 input_shape=None, name=None):
        super().__init__(name)
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
        dtype = ag.get_default_dtype()

        def variable(init, what, trainable):
            return ag.Variable(init((channels,), dtype), name=f"{self.name}/{what}",
                               trainable=trainable)
        if self.scale:
            self.gamma = variable(self.gamma_initializer, "gamma", True)
        if self.center:
            self.beta = variable(self.beta_initializer, "beta", True)
        self.moving_mean = variable(self.moving_mean_initializer, "moving_mean", False)
        self.moving_variance = variable(self.moving_variance_initializer, "moving_variance",
                                        False)

    def forward(self, x):
        where = f"BatchNormalization {self.name!r}"
        x = _as_input(x, ag.get_default_dtype() if self.moving_mean is None
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
        if self.training:
            mean = ag.mean(x, axis=others, keepdims=True)
            centered = x - mean
            var = ag.mean(centered * centered, axis=others, keepdims=True)  # biased
            self._update_moving(mean.numpy().reshape(-1), var.numpy().reshape(-1))
        else:
            mean = ag.reshape(self.moving_mean, shape)
            centered = x - mean
            var = ag.reshape(self.moving_variance, shape)
        y = centered * ag.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * ag.reshape(self.gamma, shape)
        if self.beta is not None:
            y = y + ag.reshape(self.beta, shape)
        return y

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
                self.moving_variance_initializer))
        return config

    def extra_repr(self):
        return f"axis={self.axis}, momentum={self.momentum}, epsilon={self.epsilon}"
