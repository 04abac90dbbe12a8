"""PyTorch's ``torch.nn.init``: fill a parameter in place with a chosen distribution.

Each function changes the tensor's data in place, without recording (as PyTorch's run
under ``no_grad``), and returns the tensor, so ``nn.init.xavier_uniform_(self.fc.weight)``
ports by renaming. Samples come from ``ag.manual_seed``'s generator, or from
``generator=`` (a ``numpy.random.Generator``); the numbers differ from PyTorch's, the
distributions are the same. Fans are PyTorch's: for a weight of shape
``(out, in, *kernel)``, fan_in = in * prod(kernel) and fan_out = out * prod(kernel).
(Keras's initializers, which read shapes the other way round, are ``nn.initializers``.)

>>> import autograd_core as ag
>>> w = ag.Variable(ag.zeros((256, 128)))
>>> bound = (6 / (128 + 256)) ** 0.5                  # xavier: sqrt(6 / (fan_in + fan_out))
>>> bool(abs(xavier_uniform_(w).numpy()).max() <= bound)
True
"""

import math
import numbers

import numpy as np

import autograd_core as ag

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_",
           "zeros_", "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through ``nonlinearity``: 1 for
    linear layers and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for
    leaky_relu (slope ``param``, default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one "
                     f"of {sorted(_LINEAR + ('tanh', 'relu', 'leaky_relu', 'selu'))}")


def _tensor(tensor, where):
    """A parameter, or its ``.data`` (a numpy array): PyTorch's DCGAN tutorial writes
    ``nn.init.normal_(m.weight.data, 0.0, 0.02)``."""
    if not isinstance(tensor, (ag.Value, np.ndarray)):
        raise TypeError(f"{where}: expected a Value (a parameter) or its .data, got "
                        f"{type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"{where}: expected floats, got dtype {tensor.dtype}")
    if isinstance(tensor, np.ndarray) and not tensor.flags.writeable:
        raise ValueError(f"{where}: the array is read-only")
    return tensor


def _fans(tensor, where):
    """PyTorch's fan_in and fan_out for a weight of shape (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError(f"{where}: fan in and fan out need a tensor of 2 or more dimensions, "
                         f"got shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _rng(generator, where):
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{where}: generator must be a numpy.random.Generator or None, got "
                        f"{type(generator).__name__}")
    return generator


def _fill(tensor, samples):
    """Write ``samples`` into the tensor's data in place, unrecorded, and return it. A
    parameter's ``.data`` is written as it is, untracked, as PyTorch's ``.data`` is."""
    if isinstance(tensor, np.ndarray):
        tensor[...] = samples
        return tensor
    with ag.no_grad():
        tensor.copy_(np.asarray(samples, dtype=tensor.dtype))
    return tensor


def _uniform(tensor, low, high, generator):
    if generator is None:
        return ag.random.uniform(tensor.shape, low, high, dtype=tensor.dtype).numpy()
    return generator.uniform(low, high, tensor.shape)


def _normal(tensor, mean, std, generator):
    if generator is None:
        return ag.random.normal(tensor.shape, mean, std, dtype=np.float64).numpy()
    return generator.normal(mean, std, tensor.shape)


def _finite(x, what, where):
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{where}: {what} must be a finite number, got {x!r}")
    return float(x)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """tensor ~ U(a, b)."""
    where = "uniform_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    a, b = _finite(a, "a", where), _finite(b, "b", where)
    if a > b:
        raise ValueError(f"{where}: a ({a}) must not exceed b ({b})")
    return _fill(tensor, _uniform(tensor, a, b, generator))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """tensor ~ N(mean, std**2)."""
    where = "normal_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    mean, std = _finite(mean, "mean", where), _finite(std, "std", where)
    if std < 0:
        raise ValueError(f"{where}: std must be >= 0, got {std}")
    return _fill(tensor, _normal(tensor, mean, std, generator))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """tensor ~ N(mean, std**2) restricted to [a, b] (absolute bounds, as PyTorch's:
    not in units of std); samples outside are drawn again."""
    where = "trunc_normal_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    mean, std = _finite(mean, "mean", where), _finite(std, "std", where)
    a, b = _finite(a, "a", where), _finite(b, "b", where)
    if std < 0 or a >= b:
        raise ValueError(f"{where}: need std >= 0 and a < b, got std={std}, a={a}, b={b}")
    # Redrawing is fine when [a, b] holds a fair share of the mass; refuse bounds that
    # would make it loop for ever.
    mass = 0.5 * (math.erf((b - mean) / (std * math.sqrt(2))) -
                  math.erf((a - mean) / (std * math.sqrt(2)))) if std > 0 else float(a <= mean <= b)
    if mass < 1e-3:
        raise ValueError(f"{where}: [a, b] = [{a}, {b}] holds {mass:.2g} of N({mean}, {std}**2); "
                         "choose bounds nearer the mean")
    x = _normal(tensor, mean, std, generator)
    bad = (x < a) | (x > b)
    while bad.any():
        x[bad] = _normal(ag.zeros(int(bad.sum())), mean, std, generator)
        bad = (x < a) | (x > b)
    return _fill(tensor, x)


def constant_(tensor, val):
    """tensor = val everywhere."""
    tensor = _tensor(tensor, "constant_")
    return _fill(tensor, np.full(tensor.shape, _finite(val, "val", "constant_")))


def ones_(tensor):
    """tensor = 1."""
    return constant_(_tensor(tensor, "ones_"), 1.0)


def zeros_(tensor):
    """tensor = 0."""
    return constant_(_tensor(tensor, "zeros_"), 0.0)


def eye_(tensor):
    """tensor = the identity matrix (2-D tensors only; ones on the main diagonal)."""
    tensor = _tensor(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: expected a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """tensor ~ U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))   (Glorot and Bengio)."""
    where = "xavier_uniform_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    fan_in, fan_out = _fans(tensor, where)
    a = _finite(gain, "gain", where) * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, _uniform(tensor, -a, a, generator))


def xavier_normal_(tensor, gain=1.0, generator=None):
    """tensor ~ N(0, std**2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    where = "xavier_normal_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    fan_in, fan_out = _fans(tensor, where)
    std = _finite(gain, "gain", where) * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, _normal(tensor, 0.0, std, generator))


def _kaiming_std(tensor, a, mode, nonlinearity, where):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{where}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, where)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """tensor ~ U(-bound, bound), bound = gain * sqrt(3 / fan)   (He et al.); ``a`` is the
    leaky_relu slope that sets the gain. PyTorch's Linear and Conv layers start from
    ``a=sqrt(5)``."""
    where = "kaiming_uniform_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, where)
    return _fill(tensor, _uniform(tensor, -bound, bound, generator))


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """tensor ~ N(0, std**2), std = gain / sqrt(fan)."""
    where = "kaiming_normal_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    std = _kaiming_std(tensor, a, mode, nonlinearity, where)
    return _fill(tensor, _normal(tensor, 0.0, std, generator))


def orthogonal_(tensor, gain=1.0, generator=None):
    """tensor = gain * Q, Q with orthonormal rows or columns (whichever are fewer), from
    the QR decomposition of a normal matrix, signs fixed so Q is uniformly distributed
    (Saxe et al.). Tensors of more than 2 dimensions are treated as (shape[0], rest)."""
    where = "orthogonal_"
    tensor, generator = _tensor(tensor, where), _rng(generator, where)
    if tensor.ndim < 2:
        raise ValueError(f"{where}: expected 2 or more dimensions, got shape {tensor.shape}")
    gain = _finite(gain, "gain", where)
    rows = tensor.shape[0]
    cols = tensor.size // rows if rows else 0
    flat = _normal(ag.zeros((rows, cols)), 0.0, 1.0, generator)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # the sign fix that makes Q uniform (Haar)
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))
