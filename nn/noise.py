"""Layers that regularize while training, Keras's: ``GaussianNoise``, ``GaussianDropout``,
``AlphaDropout``, ``SpatialDropout1D``/``2D`` and ``ActivityRegularization``.

The noise layers change their input only in training mode (``fit``, ``model.train()``)
and pass it through unchanged in inference mode (``evaluate``, ``predict``), as
``Dropout`` does. The noise is a constant of the graph, so the gradient is the noise's
factor: g for added noise, g * m for multiplied noise m.

- ``GaussianNoise(stddev)``:  y = x + e,  e ~ N(0, stddev**2).
- ``GaussianDropout(rate)``:  y = x * m,  m ~ N(1, rate / (1 - rate)); E[y] = x.
- ``AlphaDropout(rate)``:     y = a * (x * m + alpha_p * (1 - m)) + b, m ~ Bernoulli(1 - rate):
  dropped inputs set to SELU's negative saturation, then an affine map that keeps SELU's
  mean 0 and variance 1.
- ``SpatialDropout2D(rate)``: y = x * mask / (1 - rate), one Bernoulli(1 - rate) draw per
  sample and channel, so a whole feature map is kept or dropped; E[y] = x.

>>> import numpy as np
>>> layer = GaussianDropout(0.2, seed=0)
>>> x = np.ones((2, 3), np.float32)
>>> bool((layer(x).numpy() != 1).all()), bool((layer(x, training=False) == 1).all())
(True, True)

Each takes Keras's ``dtype=None`` keyword: floating inputs are cast to it, and the noise
drawn in it (``nn.keras_module``).
"""

import math
import numbers

import numpy as np

import autograd_core as ag

from . import regularizers
from .conv_layers import _check_rank, _data_format
from .keras_module import KerasModule
from .basic_layers import _as_input, _RateConfig, _real, dropout_mask

__all__ = ["GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D",
           "SpatialDropout2D",
           "ActivityRegularization"]


class _Noise(KerasModule):
    """Shared body: a seed of the layer's own generator (else ``ag.random``'s)."""

    def __init__(self, seed, name, dtype):
        super().__init__(name, dtype=dtype)
        if seed is not None and (isinstance(seed, (bool, np.bool_))
                                 or not isinstance(seed, numbers.Integral) or seed < 0):
            raise ValueError(f"{type(self).__name__} {self.name!r}: seed must be an int >= 0 "
                             f"or None, got {seed!r}")
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _dtype_of(self, x):
        """The noise's dtype: a floating Value's, else the layer's float dtype."""
        return x.dtype if isinstance(x, ag.Value) and x.dtype.kind == "f" \
            else self._float_dtype()

    def _normal(self, shape, mean, stddev, dtype):
        if self._rng is not None:
            return self._rng.normal(mean, stddev, shape).astype(dtype)
        return ag.random.normal(shape, mean, stddev, dtype=ag.float64).numpy().astype(dtype)


class GaussianNoise(_Noise):
    """y = x + e, e ~ N(0, stddev**2) in training mode; y = x in inference mode.
    dL/dx = g.

    Args (Keras's): stddev: the noise's standard deviation, in [0, 1] (Keras's bounds).
        seed=None: of the layer's own generator.
    """

    def __init__(self, stddev, seed=None, name=None, *, dtype=None):
        super().__init__(seed, name, dtype)
        self.stddev = _unit(stddev, "stddev", f"GaussianNoise {self.name!r}")

    def forward(self, x):
        if not self.training or self.stddev == 0:
            return x
        dtype = self._dtype_of(x)
        return ag.add(x, self._normal(np.shape(x), 0.0, self.stddev, dtype))

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config

    def extra_repr(self):
        return f"stddev={self.stddev}"


def _unit(value, what, where):
    """A number in [0, 1] as a float (``_real`` covers [low, high) only)."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) \
            and value == 1:
        return 1.0
    return _real(value, what, where, 0.0, 1.0)


class _Rate(_RateConfig, _Noise):
    """What the rate-bearing noise layers share with Dropout: their config and printed
    form (``layers._RateConfig``)."""


class GaussianDropout(_Rate):
    """y = x * m, m ~ N(1, rate / (1 - rate)) in training mode; y = x in inference mode.
    dL/dx = g * m. The factor has mean 1, so E[y] = x, and the variance of Dropout(rate)'s
    factor, mask / (1 - rate).

    Args (Keras's): rate: in [0, 1) (Keras allows 1, whose noise is infinite).
        seed=None.
    """

    def __init__(self, rate, seed=None, name=None, *, dtype=None):
        super().__init__(seed, name, dtype)
        self.rate = _real(rate, "rate", f"GaussianDropout {self.name!r}", 0.0, 1.0)

    def forward(self, x):
        if not self.training or self.rate == 0:
            return x
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return ag.multiply(x, self._normal(np.shape(x), 1.0, stddev, self._dtype_of(x)))


class AlphaDropout(_Rate):
    """y = a * (x * m + alpha_p * (1 - m)) + b in training mode, m ~ Bernoulli(1 - rate);
    y = x in inference mode.  dL/dx = a * m * g.

    Keras's dropout for self-normalizing (SELU) networks: a dropped input becomes
    alpha_p = -scale * alpha = -1.7580993408473766, SELU's value at -infinity, and
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5, b = -a * alpha_p * rate bring the
    mean and variance back to those of x when x has mean 0 and variance 1.

    Args (Keras's): rate: in [0, 1). noise_shape=None: the mask's shape (x's; a None
        entry takes x's size there, a 1 shares one draw along that axis), seed=None.
    """

    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, name=None, *, dtype=None):
        where = "AlphaDropout" if name is None else f"AlphaDropout {name!r}"
        rate = _real(rate, "rate", where, 0.0, 1.0)
        if noise_shape is not None:
            try:
                noise_shape = tuple(noise_shape)
            except TypeError:
                noise_shape = (noise_shape,)  # a scalar: refused just below
            if not all(n is None or (isinstance(n, numbers.Integral)
                                     and not isinstance(n, (bool, np.bool_)) and n > 0)
                       for n in noise_shape):
                raise ValueError(f"{where}: noise_shape must be None or a tuple of positive "
                                 f"ints and Nones, got {noise_shape!r}")
            noise_shape = tuple(None if n is None else int(n) for n in noise_shape)
        super().__init__(seed, name, dtype)
        self.rate, self.noise_shape = rate, noise_shape

    def _mask_shape(self, shape):
        """noise_shape with its Nones filled from x's shape (Keras's); x's shape if None."""
        if self.noise_shape is None:
            return shape
        if len(self.noise_shape) != len(shape) or any(
                n is not None and n not in (1, s) for n, s in zip(self.noise_shape, shape)):
            raise ValueError(f"AlphaDropout {self.name!r}: noise_shape {self.noise_shape} "
                             f"does not broadcast to the input's shape {shape}")
        return tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))

    def forward(self, x):
        shape = self._mask_shape(tuple(np.shape(x)))
        if not self.training or self.rate == 0:
            return x
        dtype = self._dtype_of(x)
        u = self._rng.random(shape) if self._rng is not None else \
            ag.random.uniform(shape, dtype=ag.float64).numpy()
        return self.apply_mask(_as_input(x, dtype), (u >= self.rate).astype(dtype))

    def apply_mask(self, x, keep):
        """a * (x * keep + alpha_p * (1 - keep)) + b for a 0/1 mask ``keep`` (what a
        training call does with its random mask)."""
        rate, alpha_p = self.rate, self.alpha_p
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        return ag.add(ag.multiply(x, a * keep), a * alpha_p * (1 - keep) + b)

    def get_config(self):
        config = super().get_config()
        config["noise_shape"] = None if self.noise_shape is None else list(self.noise_shape)
        return config


class _SpatialDropout(_Rate):
    """Dropout of whole channels: one mask entry per sample and channel, broadcast over
    the steps or pixels. The rank is checked in both modes."""

    rank = None

    def __init__(self, rate, seed, name, data_format=None, dtype=None):
        super().__init__(seed, name, dtype)
        where = f"{type(self).__name__} {self.name!r}"
        self.rate = _real(rate, "rate", where, 0.0, 1.0)
        self.data_format = _data_format(data_format, where)

    def forward(self, x):
        _check_rank(x, self.rank, self.data_format, f"{type(self).__name__} {self.name!r}")
        if not self.training or self.rate == 0:
            return x
        shape = np.shape(x)
        first = self.data_format == "channels_first"
        mask_shape = shape[:2] + (1,) * self.rank if first else \
            (shape[0],) + (1,) * self.rank + shape[-1:]
        return ag.multiply(x, dropout_mask(mask_shape, self.rate, self._rng, self._dtype_of(x)))


class SpatialDropout1D(_SpatialDropout):
    """y = x * mask / (1 - rate), mask (batch, 1, channels) ~ Bernoulli(1 - rate): each
    channel of each sequence kept or dropped over all its steps, in training mode only.

    Args (Keras's): rate in [0, 1), seed=None. Input (batch, steps, channels).
    """

    rank = 1

    def __init__(self, rate, seed=None, name=None, *, dtype=None):
        super().__init__(rate, seed, name, dtype=dtype)


class SpatialDropout2D(_SpatialDropout):
    """y = x * mask / (1 - rate), mask (batch, 1, 1, channels) ~ Bernoulli(1 - rate): each
    feature map kept or dropped whole, in training mode only.

    Args (Keras's): rate in [0, 1), data_format=None (channels_last; channels_first masks
        (batch, channels, 1, 1)), seed=None. Input (batch, rows, cols, channels).
    """

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, *, dtype=None):
        super().__init__(rate, seed, name, data_format, dtype)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class ActivityRegularization(KerasModule):
    """y = x; adds l1 * sum(|x|) + l2 * sum(x**2), divided by the batch size, to the
    layer's ``losses`` at each call (nn's activity penalty, ``Module.losses``), which
    ``fit`` adds to the loss. d(penalty)/dx = (l1 * sign(x) + 2 * l2 * x) / batch.

    Args (Keras's): l1=0.0, l2=0.0: the factors, finite and >= 0.
    """

    def __init__(self, l1=0.0, l2=0.0, name=None, *, dtype=None):
        super().__init__(name, dtype=dtype)
        where = f"ActivityRegularization {self.name!r}"
        l1, l2 = (_real(v, what, where, 0.0, math.inf) for what, v in (("l1", l1), ("l2", l2)))
        self.l1, self.l2 = l1, l2
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)

    def forward(self, x):
        return x

    def get_config(self):
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config

    def extra_repr(self):
        return f"l1={self.l1}, l2={self.l2}"
