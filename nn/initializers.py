"""Initializers: the starting values of weights, with Keras's names and formulas.

Why it matters: a layer's outputs keep a sensible size only if the weights' variance fits
the number of inputs (fan_in) and outputs (fan_out). With ``Var(W) = 2 / (fan_in + fan_out)``
(Glorot) or ``2 / fan_in`` (He, for relu) the signal neither dies nor explodes through many
layers.

Every initializer is called as ``init(shape, dtype=None)`` and returns a numpy array. Given a
``seed`` it returns the same numbers at every call; without one it draws from
``ag.random``'s generator, so ``ag.random.set_seed`` makes a whole model reproducible. The
numbers differ from TensorFlow's (its generator is not numpy's), the distributions do not.

>>> GlorotUniform(seed=0)((784, 512)).std().round(3)   # limit / sqrt(3) = sqrt(2 / 1296)
np.float32(0.039)
"""

import math

import numpy as np

import autograd_core as ag

from .module import _snake_case

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
    "HeNormal", "LecunNormal", "Orthogonal", "get", "serialize",
]

# The standard deviation of a standard normal truncated to [-2, 2]; dividing by it gives
# the truncated samples the variance asked for (Keras's constant).
TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, as Keras counts them.

    A kernel (n_in, n_out) has fan_in n_in and fan_out n_out; a vector (n,) has n for both;
    a convolution kernel (..., in, out) multiplies both by its receptive field size.
    """
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype=None) -> numpy array`` of that shape."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else ag.get_default_dtype()


class Zeros(Initializer):
    """W = 0 (the usual bias initializer)."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, _dtype(dtype))


class Ones(Initializer):
    """W = 1."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, _dtype(dtype))


class Constant(Initializer):
    """W = value everywhere."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, _dtype(dtype))


class RandomNormal(Initializer):
    """W ~ N(mean, stddev**2). Keras's default stddev is 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return ag.random.normal(shape, self.mean, self.stddev, dtype=_dtype(dtype),
                                seed=self.seed).numpy()


class RandomUniform(Initializer):
    """W ~ U[minval, maxval). Keras's default interval is [-0.05, 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return ag.random.uniform(shape, self.minval, self.maxval, dtype=_dtype(dtype),
                                 seed=self.seed).numpy()


class TruncatedNormal(Initializer):
    """W ~ N(mean, stddev**2), redrawn beyond two standard deviations (as TensorFlow's).

    ``stddev`` is that of the normal before truncation, as in Keras: the samples' own
    standard deviation is 0.88 times it.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return ag.random.truncated_normal(shape, self.mean, self.stddev, dtype=_dtype(dtype),
                                          seed=self.seed).numpy()


class VarianceScaling(Initializer):
    """Var(W) = scale / n, with n = fan_in, fan_out or their average (``mode``).

    ``distribution``:
        "truncated_normal": stddev = sqrt(scale / n) / 0.8796..., truncated at two
            standard deviations, so the truncated samples have variance scale / n;
        "untruncated_normal": stddev = sqrt(scale / n);
        "uniform": U[-limit, limit] with limit = sqrt(3 scale / n).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or "
                             f"'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: distribution must be 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform', got {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        dtype = _dtype(dtype)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATED_STDDEV
            return ag.random.truncated_normal(shape, 0.0, stddev, dtype=dtype,
                                              seed=self.seed).numpy()
        if self.distribution == "untruncated_normal":
            return ag.random.normal(shape, 0.0, math.sqrt(variance), dtype=dtype,
                                    seed=self.seed).numpy()
        limit = math.sqrt(3.0 * variance)
        return ag.random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed).numpy()


class GlorotUniform(VarianceScaling):
    """W ~ U[-limit, limit], limit = sqrt(6 / (fan_in + fan_out)). Keras's default kernel."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)


class GlorotNormal(VarianceScaling):
    """Truncated normal with Var(W) = 2 / (fan_in + fan_out) (Xavier normal)."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)


class HeUniform(VarianceScaling):
    """W ~ U[-limit, limit], limit = sqrt(6 / fan_in): for relu layers."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)


class HeNormal(VarianceScaling):
    """Truncated normal, stddev sqrt(2 / fan_in) / 0.8796...: Var(W) = 2 / fan_in, for relu."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)


class LecunNormal(VarianceScaling):
    """Truncated normal with Var(W) = 1 / fan_in (for selu and tanh)."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)


class Orthogonal(Initializer):
    """W = gain * Q, Q with orthonormal columns (or rows, when wider than tall): the Q of
    the QR decomposition of a standard normal matrix, its columns' signs fixed by R's
    diagonal so that Q is uniformly distributed (Saxe et al. 2014). Keras's default for
    the recurrent kernels: multiplying the state by an orthogonal U many times neither
    shrinks nor grows it.

    A shape (..., n) is drawn as a (prod(...), n) matrix and reshaped, as in Keras.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the weight must be at least two-dimensional, got "
                             f"shape {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = ag.random.normal((max(rows, cols), min(rows, cols)), dtype=np.float64,
                             seed=self.seed).numpy()
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(_dtype(dtype))


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "xavier_uniform": GlorotUniform, "xavier_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
    # Keras's aliases
    "uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros,
}


def get(identifier, seed=None):
    """An initializer from a name ("glorot_uniform", "GlorotUniform", "he_normal", ...).

    Args:
        identifier: a name, an Initializer, ``serialize``'s dict, or any callable ``(shape, dtype) -> array``
            (returned unchanged).
        seed: passed to a named random initializer.
    Returns:
        A callable ``init(shape, dtype=None) -> numpy array``.
    """
    if isinstance(identifier, dict):  # serialize()'s form, as Keras saves it in configs
        return _from_config(identifier)
    if isinstance(identifier, str):
        key = _snake_case(identifier)
        if key not in _BY_NAME:
            raise ValueError(f"initializers.get: unknown initializer {identifier!r}; "
                             f"known: {', '.join(sorted(_BY_NAME))}")
        cls = _BY_NAME[key]
        random = (RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Orthogonal)
        return cls(seed=seed) if issubclass(cls, random) else cls()
    if callable(identifier):
        return identifier
    raise TypeError(f"initializers.get: expected a name or a callable, got "
                    f"{type(identifier).__name__} {identifier!r}")




def serialize(initializer):
    """Keras's config form of an initializer: ``{"class_name": "GlorotUniform", "config":
    {"seed": None}}``, which ``get`` turns back into an equal initializer. Anything else
    (a name, a plain function) is returned unchanged: ``get`` takes it back as it is.
    """
    cls = type(initializer)
    if cls not in _BY_NAME.values():
        return initializer
    config = dict(vars(initializer))
    if cls in (GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunNormal):
        config = {"seed": config["seed"]}  # scale, mode, distribution are the class's own
    return {"class_name": cls.__name__, "config": config}


def _from_config(config):
    name = config.get("class_name")
    if not isinstance(name, str) or _snake_case(name) not in _BY_NAME:
        raise ValueError(f"initializers.get: unknown initializer config {config!r}")
    return _BY_NAME[_snake_case(name)](**config.get("config", {}))
