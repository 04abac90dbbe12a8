"""Keras 3's ``keras.random`` (``nn.random``): seeded random tensors and a ``SeedGenerator``.

Keras's seeds work three ways, and so do these:

- ``seed=None``: numbers from the library's global generator, which
  ``nn.utils.set_random_seed`` (or ``ag.manual_seed``) resets;
- ``seed=<int>``: the same numbers at every call with that seed;
- ``seed=SeedGenerator(1337)``: new numbers at each call, the sequence fixed by the
  generator's seed (what a layer such as a VAE's ``Sampling`` keeps).

>>> seeds = SeedGenerator(1337)
>>> a, b = normal((2,), seed=seeds), normal((2,), seed=seeds)
>>> bool((a.numpy() != b.numpy()).all()), bool((normal((2,), seed=7).numpy() ==
...                                             normal((2,), seed=7).numpy()).all())
(True, True)

Numbers come from numpy's generator, so they are not the ones a Keras backend draws.
Every function returns a constant ``ag.Value`` in ``floatx()`` unless ``dtype`` is given;
``dropout`` and ``shuffle`` are differentiable in their input.
"""

import numbers

import numpy as np

import autograd_core as ag

from .backend import floatx

__all__ = ["SeedGenerator", "normal", "uniform", "randint", "truncated_normal", "categorical",
           "dropout", "shuffle", "gamma", "beta", "binomial"]


class SeedGenerator:
    """A source of seeds: each ``next()`` gives a new one, the sequence fixed by ``seed``.

    Args:
        seed: an int, or None for a seed drawn from the global generator.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = _global_seed()
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise ValueError(f"SeedGenerator: seed must be a whole number >= 0 or None, "
                             f"got {seed!r}")
        self.seed, self.name = int(seed), name
        self._rng = np.random.default_rng(self.seed)

    def next(self):
        """A new seed (an int), the next of this generator's sequence."""
        return int(self._rng.integers(2**63 - 1))

    def __repr__(self):
        return f"SeedGenerator(seed={self.seed})"


def _global_seed():
    """A seed drawn from autograd_core's global generator (reset by ``ag.manual_seed``)."""
    return int(ag.randint(0, 2**31 - 1, size=()).numpy())


def _generator(seed, where):
    """The numpy generator for a call's ``seed`` (None, an int or a SeedGenerator)."""
    if seed is None:
        return np.random.default_rng(_global_seed())
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next())
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"{where}: seed must be None, an int or a SeedGenerator, got "
                         f"{seed!r}")
    return np.random.default_rng(int(seed))


def _shape(shape):
    return tuple(int(n) for n in np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),)


def _constant(samples, dtype):
    return ag.constant(np.asarray(samples).astype(floatx() if dtype is None else dtype))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev**2) of ``shape``."""
    rng = _generator(seed, "normal")
    return _constant(rng.normal(mean, stddev, _shape(shape)), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of U[minval, maxval) of ``shape``."""
    rng = _generator(seed, "uniform")
    return _constant(rng.uniform(minval, maxval, _shape(shape)), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    rng = _generator(seed, "randint")
    return ag.constant(rng.integers(minval, maxval, _shape(shape)), dtype=dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev**2) redrawn until within two stddevs of the mean."""
    rng = _generator(seed, "truncated_normal")
    z = rng.standard_normal(_shape(shape))
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > 2
    return _constant(mean + stddev * z, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from softmax(logits) per row: (batch, classes) -> (batch,
    num_samples)."""
    rng = _generator(seed, "categorical")
    z = np.asarray(logits.numpy() if isinstance(logits, ag.Value) else logits, np.float64)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    draws = [rng.choice(p.shape[-1], size=int(num_samples), p=row) for row in p]
    return ag.constant(np.asarray(draws), dtype=dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """inputs * mask / (1 - rate), each mask entry 0 with probability ``rate`` (the mask
    of ``noise_shape``, broadcast, when given); differentiable in ``inputs``."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}")
    rng = _generator(seed, "dropout")
    shape = np.shape(inputs.numpy() if isinstance(inputs, ag.Value) else inputs)
    keep = rng.uniform(size=shape if noise_shape is None else _shape(noise_shape)) >= rate
    dtype = inputs.dtype if isinstance(inputs, ag.Value) else floatx()
    return ag.multiply(inputs, (keep / (1 - rate)).astype(dtype))


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order; differentiable in ``x``."""
    rng = _generator(seed, "shuffle")
    n = np.shape(x.numpy() if isinstance(x, ag.Value) else x)[axis]
    return ag.take(x, rng.permutation(n), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of Gamma(alpha, 1)."""
    return _constant(_generator(seed, "gamma").gamma(alpha, 1.0, _shape(shape)), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of Beta(alpha, beta)."""
    return _constant(_generator(seed, "beta").beta(alpha, beta, _shape(shape)), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples of Binomial(counts, probabilities), as floats (Keras's default dtype)."""
    rng = _generator(seed, "binomial")
    return _constant(rng.binomial(counts, probabilities, _shape(shape)), dtype)
