"""Probability distributions with PyTorch's names (``torch.distributions``).

A distribution holds its parameters as Values, so ``log_prob``, ``entropy``, ``rsample``
and ``kl_divergence`` are built from the library's ops and differentiate with respect to
the parameters, to any order. ``sample()`` gives a constant (no gradient); ``rsample()``
(reparameterized: ``loc + eps * scale``) lets the gradient through the draw. Draws come
from the generator behind ``ag.manual_seed``, so a fixed seed repeats them.

Shapes are PyTorch's: parameters broadcast to ``batch_shape``; one draw has
``event_shape``; ``sample(sample_shape)`` returns sample_shape + batch_shape + event_shape.

>>> import autograd_core as ag
>>> from autograd_core.distributions import Categorical
>>> logits = ag.Value([0.0, 0.0], requires_grad=True)
>>> m = Categorical(logits=logits)
>>> loss = -m.log_prob(1) * 2.0          # REINFORCE with reward 2
>>> loss.backward()
>>> logits.grad.tolist()                 # -reward * (onehot(1) - softmax(logits))
[1.0, -1.0]
"""

import math

import numpy as np

from . import ops
from . import random as _random
from .modes import no_grad
from .value import Value, constant

__all__ = ["Distribution", "Normal", "Bernoulli", "Categorical", "Uniform", "Independent",
           "kl_divergence", "register_kl"]


def _as_value(x, dtype=None):
    """A parameter or value as a Value: a Value stays itself, so its graph is kept; numbers
    and arrays become constants, as PyTorch's ``Normal(0.0, 1.0)`` holds tensors that
    require no grad."""
    if isinstance(x, Value):
        return x
    return constant(np.asarray(x, dtype=dtype)) if dtype is not None or isinstance(
        x, np.ndarray) else constant(x)


def _const(array):
    """A constant Value of ``array`` in its own dtype (``constant`` makes integer samples
    the default float; PyTorch's ``Categorical.sample`` gives int64)."""
    array = np.asarray(array)
    return _random._constant(array, array.dtype)


def _broadcast_all(where, **params):
    """The parameters broadcast to one shape (PyTorch's ``broadcast_all``)."""
    values = {name: _as_value(p) for name, p in params.items()}
    try:
        shape = np.broadcast_shapes(*(v.shape for v in values.values()))
    except ValueError:
        shapes = ", ".join(f"{n} {v.shape}" for n, v in values.items())
        raise ValueError(f"{where}: parameter shapes do not broadcast: {shapes}") from None
    return shape, [v if v.shape == shape else ops.broadcast_to(v, shape)
                   for v in values.values()]


def _check(ok, where, what, x):
    """Raise naming the distribution and the argument when ``ok`` is false anywhere."""
    if not np.all(ok):
        raise ValueError(f"{where}: {what} (shape {np.shape(x)}), got "
                         f"{np.asarray(x).tolist()}")


class Distribution:
    """The interface: ``sample``, ``rsample``, ``log_prob``, ``entropy``, ``mean``,
    ``variance``, ``stddev``, ``batch_shape``, ``event_shape``."""

    has_rsample = False
    _validate_default = True  # PyTorch validates by default (``__debug__``)

    @staticmethod
    def set_default_validate_args(value):
        """PyTorch's switch for checking arguments when ``validate_args`` is not given."""
        Distribution._validate_default = bool(value)

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self.batch_shape = tuple(batch_shape)
        self.event_shape = tuple(event_shape)
        self._validate_args = (Distribution._validate_default if validate_args is None
                               else bool(validate_args))

    def _extended_shape(self, sample_shape=()):
        sample_shape = (sample_shape,) if np.ndim(sample_shape) == 0 else tuple(sample_shape)
        return tuple(int(n) for n in sample_shape) + self.batch_shape + self.event_shape

    def sample(self, sample_shape=()):
        """A constant draw of shape sample_shape + batch_shape + event_shape."""
        with no_grad():
            return _const(self.rsample(sample_shape).data)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__}.rsample: this distribution has no "
                                  "reparameterized sample; use sample() (no gradient)")

    def log_prob(self, value):
        raise NotImplementedError(f"{type(self).__name__}.log_prob is not implemented")

    def entropy(self):
        raise NotImplementedError(f"{type(self).__name__}.entropy is not implemented")

    @property
    def stddev(self):
        return ops.sqrt(self.variance)

    def _support(self, value):
        """A boolean array: where ``value`` lies in the support."""
        return np.ones(np.shape(value), bool)

    def _value(self, value, where):
        value = _as_value(value)
        if self._validate_args:
            _check(self._support(value.data), f"{type(self).__name__}.{where}",
                   "value must lie in the support", value.data)
        return value

    def expand(self, batch_shape):
        """The same distribution with its parameters broadcast to ``batch_shape``."""
        batch_shape, event = tuple(batch_shape), self._param_event_shape()
        return type(self)(**{name: ops.broadcast_to(getattr(self, name), batch_shape + event)
                             for name in self._params}, validate_args=False)

    def _param_event_shape(self):
        return ()

    def __repr__(self):
        shapes = ", ".join(f"{name}: {getattr(self, name).shape}" for name in self._params)
        return f"{type(self).__name__}({shapes})"


class Normal(Distribution):
    """p(x) = exp(-(x - loc)**2 / (2 scale**2)) / (scale sqrt(2 pi))"""

    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        shape, (self.loc, self.scale) = _broadcast_all("Normal", loc=loc, scale=scale)
        super().__init__(shape, (), validate_args)
        if self._validate_args:
            _check(self.scale.data > 0, "Normal", "scale must be > 0", self.scale.data)

    mean = property(lambda self: self.loc)
    stddev = property(lambda self: self.scale)
    variance = property(lambda self: self.scale ** 2)

    def rsample(self, sample_shape=()):
        """loc + eps * scale with eps ~ N(0, 1): d/dloc = 1, d/dscale = eps."""
        eps = _random._gen(None).standard_normal(self._extended_shape(sample_shape))
        return self.loc + _const(eps.astype(self.loc.dtype)) * self.scale

    def log_prob(self, value):
        value = self._value(value, "log_prob")
        return (-((value - self.loc) ** 2) / (2 * self.scale ** 2) - ops.log(self.scale)
                - 0.5 * math.log(2 * math.pi))

    def entropy(self):
        """H = 1/2 + 1/2 log(2 pi) + log(scale)"""
        return 0.5 + 0.5 * math.log(2 * math.pi) + ops.log(self.scale)


class Uniform(Distribution):
    """p(x) = 1 / (high - low) on [low, high)"""

    has_rsample = True
    _params = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        shape, (self.low, self.high) = _broadcast_all("Uniform", low=low, high=high)
        super().__init__(shape, (), validate_args)
        if self._validate_args:
            _check(self.low.data < self.high.data, "Uniform", "low must be < high",
                   np.stack(np.broadcast_arrays(self.low.data, self.high.data)))

    mean = property(lambda self: (self.low + self.high) / 2)
    variance = property(lambda self: (self.high - self.low) ** 2 / 12)

    def _support(self, value):
        return (self.low.data <= value) & (value < self.high.data)

    def rsample(self, sample_shape=()):
        """low + u * (high - low) with u ~ U[0, 1)."""
        u = _random._gen(None).random(self._extended_shape(sample_shape))
        return self.low + _const(u.astype(self.low.dtype)) * (self.high - self.low)

    def log_prob(self, value):
        value = self._value(value, "log_prob")
        # Outside the support the density is 0: log gives -inf, as PyTorch does.
        inside = self._support(value.data).astype(self.low.dtype)
        with np.errstate(divide="ignore"):
            return _const(np.log(inside)) - ops.log(self.high - self.low)

    def entropy(self):
        """H = log(high - low)"""
        return ops.log(self.high - self.low)


class Bernoulli(Distribution):
    """P(x) = p**x (1 - p)**(1 - x), x in {0, 1};  p = sigmoid(logits)"""

    _params = ("logits",)

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: give exactly one of probs or logits, got "
                             f"{'both' if probs is not None else 'neither'}")
        super().__init__((), (), validate_args)
        if probs is not None:
            self.probs = _as_value(probs)
            if self._validate_args:
                _check((self.probs.data >= 0) & (self.probs.data <= 1), "Bernoulli",
                       "probs must lie in [0, 1]", self.probs.data)
            # Clamped as PyTorch does, so that p = 0 or 1 gives finite logits.
            eps = np.finfo(self.probs.dtype).eps
            p = ops.clip(self.probs, eps, 1 - eps)
            self.logits = ops.log(p) - ops.log1p(-p)
        else:
            self.logits = _as_value(logits)
            self.probs = ops.sigmoid(self.logits)
        self.batch_shape = self.logits.shape

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    def _support(self, value):
        return (value == 0) | (value == 1)

    def sample(self, sample_shape=()):
        u = _random._gen(None).random(self._extended_shape(sample_shape))
        return _const((u < self.probs.data).astype(self.probs.dtype))

    def log_prob(self, value):
        """log P(x) = x logits - softplus(logits)"""
        value = self._value(value, "log_prob")
        return value * self.logits - ops.softplus(self.logits)

    def entropy(self):
        """H = softplus(logits) - p logits"""
        return ops.softplus(self.logits) - self.probs * self.logits


class Categorical(Distribution):
    """P(x = k) = probs[..., k] = softmax(logits)[..., k], k in 0 .. K-1"""

    _params = ("logits",)

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: give exactly one of probs or logits, got "
                             f"{'both' if probs is not None else 'neither'}")
        super().__init__((), (), validate_args)
        given = _as_value(probs if logits is None else logits)
        if given.ndim < 1:
            raise ValueError(f"Categorical: {'probs' if logits is None else 'logits'} must "
                             f"have a last axis of categories, got shape {given.shape}")
        if probs is not None:
            if self._validate_args:
                _check(given.data >= 0, "Categorical", "probs must be >= 0", given.data)
            self.probs = given / ops.sum(given, axis=-1, keepdims=True)
            with np.errstate(divide="ignore"):
                self.logits = ops.log(self.probs)
        else:
            self.logits = ops.log_softmax(given, axis=-1)  # normalized, as PyTorch keeps them
            self.probs = ops.exp(self.logits)
        self.batch_shape = given.shape[:-1]
        self._num_events = given.shape[-1]

    def _param_event_shape(self):
        return (self._num_events,)

    @property
    def mean(self):
        return _const(np.full(self.batch_shape, np.nan, self.probs.dtype))

    variance = mean

    def _support(self, value):
        return (value >= 0) & (value < self._num_events) & (np.mod(value, 1) == 0)

    def sample(self, sample_shape=()):
        """Inverse CDF: the first k whose cumulative probability passes u ~ U[0, 1)."""
        shape = self._extended_shape(sample_shape)
        u = _random._gen(None).random(shape)[..., None]
        cdf = np.cumsum(self.probs.data, axis=-1)
        k = (cdf <= u * cdf[..., -1:]).sum(-1)
        return _const(np.minimum(k, self._num_events - 1).astype(np.int64))

    def log_prob(self, value):
        """log P(x = value) = logits[..., value], picked with take_along_axis."""
        value = self._value(value, "log_prob")
        k = np.asarray(value.data).astype(np.int64)
        try:
            shape = np.broadcast_shapes(k.shape, self.batch_shape)
        except ValueError:
            raise ValueError(f"Categorical.log_prob: value of shape {k.shape} does not "
                             f"broadcast with batch_shape {self.batch_shape}") from None
        logits = ops.broadcast_to(self.logits, shape + (self._num_events,))
        picked = ops.take_along_axis(logits, np.broadcast_to(k, shape)[..., None], axis=-1)
        return ops.squeeze(picked, axis=-1)

    def entropy(self):
        """H = -sum_k p_k log p_k  (0 log 0 = 0)"""
        # A category of probability 0 has logit -inf; clamped, p * logit is 0, not nan.
        logits = ops.clip(self.logits, np.finfo(self.logits.dtype).min, None)
        return -ops.sum(self.probs * logits, axis=-1)


class Independent(Distribution):
    """log p(x) = sum over the last ``reinterpreted_batch_ndims`` batch axes of base's"""

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        n, batch = int(reinterpreted_batch_ndims), base_distribution.batch_shape
        if not 0 <= n <= len(batch):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be in 0 .. "
                             f"{len(batch)} for a base of batch_shape {batch}, got {n}")
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        cut = len(batch) - n
        super().__init__(batch[:cut], batch[cut:] + base_distribution.event_shape,
                         validate_args)
        self.has_rsample = base_distribution.has_rsample

    def _sum(self, x):
        n = self.reinterpreted_batch_ndims
        return ops.sum(x, axis=tuple(range(-n, 0))) if n else x

    mean = property(lambda self: self.base_dist.mean)
    variance = property(lambda self: self.base_dist.variance)
    stddev = property(lambda self: self.base_dist.stddev)

    def sample(self, sample_shape=()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return self._sum(self.base_dist.log_prob(value))

    def entropy(self):
        return self._sum(self.base_dist.entropy())

    def expand(self, batch_shape):
        base = self.base_dist.expand(tuple(batch_shape) + self.event_shape[
            :self.reinterpreted_batch_ndims])
        return Independent(base, self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"


# --- KL(p || q) = E_p[log p(x) - log q(x)], one closed form per pair ----------------------

_KL = {}


def register_kl(type_p, type_q):
    """Decorator: ``fn(p, q)`` computes KL(p || q) for this pair (PyTorch's ``register_kl``)."""
    def register(fn):
        _KL[type_p, type_q] = fn
        return fn
    return register


def kl_divergence(p, q):
    """KL(p || q), elementwise over the batch. Raises NotImplementedError for a pair with
    no closed form registered."""
    for tp in type(p).__mro__:
        for tq in type(q).__mro__:
            if (tp, tq) in _KL:
                return _KL[tp, tq](p, q)
    raise NotImplementedError(f"kl_divergence: no closed form for the pair "
                              f"({type(p).__name__}, {type(q).__name__})")


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """KL = 1/2 (r + ((mu_p - mu_q) / s_q)**2 - 1 - log r),  r = (s_p / s_q)**2"""
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - ops.log(var_ratio))


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """KL = p (log p - log q) + (1 - p)(log(1 - p) - log(1 - q)), written with logits:
    log p = -softplus(-logits), log(1 - p) = -softplus(logits)"""
    t1 = p.probs * (ops.softplus(-q.logits) - ops.softplus(-p.logits))
    t2 = (1 - p.probs) * (ops.softplus(q.logits) - ops.softplus(p.logits))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """KL = sum_k p_k (log p_k - log q_k); a category p gives 0 adds 0, q gives 0 adds inf"""
    # A zero probability has logit -inf, so 0 * inf and inf - inf make nan; masked below.
    with np.errstate(invalid="ignore"):
        t = p.probs * (p.logits - q.logits)
    shape = t.shape
    t = ops.where(np.broadcast_to(q.probs.data == 0, shape) & (np.broadcast_to(
        p.probs.data, shape) > 0), _const(np.full(shape, np.inf, t.dtype)), t)
    t = ops.where(np.broadcast_to(p.probs.data == 0, shape),
                  _const(np.zeros(shape, t.dtype)), t)
    return ops.sum(t, axis=-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """KL = log((high_q - low_q) / (high_p - low_p)) when q's support holds p's, else inf"""
    kl = ops.log((q.high - q.low) / (p.high - p.low))
    outside = (q.low.data > p.low.data) | (q.high.data < p.high.data)
    return ops.where(np.broadcast_to(outside, kl.shape),
                     _const(np.full(kl.shape, np.inf, kl.dtype)), kl)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    """KL of independent parts is the sum of the parts' KLs over the event axes."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            f"kl_divergence: Independent pair with reinterpreted_batch_ndims "
            f"{p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims}")
    return p._sum(kl_divergence(p.base_dist, q.base_dist))
