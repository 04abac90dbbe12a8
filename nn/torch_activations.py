"""PyTorch's activation modules: ``Identity``, ``LogSoftmax``, ``GELU``, ``SiLU``, ``ELU``,
``Softplus``, ``ReLU6``, ``Hardtanh``, ``Mish``, ``Hardswish``, ``Hardsigmoid``,
``Softsign``, ``LogSigmoid``, ``Softmin``, ``CosineSimilarity``, ``GLU``, ``CELU``,
``Softshrink``, ``Hardshrink``, ``Tanhshrink``, ``Threshold``, ``RReLU``, ``Softmax2d``,
``SELU`` and ``PairwiseDistance``.

Each is a Module around its ``nn.functional`` function (so the same maths, differentiable
to any order) with PyTorch's constructor arguments, for ``nn.Sequential(nn.Linear(4, 8),
nn.GELU(), ...)``. ``inplace`` is accepted where PyTorch has it and changes nothing: the
engine never overwrites an input.

>>> import numpy as np, nn
>>> x = np.array([-1.0, 0.0, 2.0])
>>> nn.ELU()(x).numpy().round(4).tolist(), nn.Identity()(x) is x
([-0.6321, 0.0, 2.0], True)

PyTorch's ``ReLU``, ``Sigmoid`` and ``Tanh`` are the layers of the same names in
``layers``. Keras's ``Softmax(axis=-1)`` holds that name, so PyTorch's ``nn.Softmax(dim)``
is written ``nn.Softmax(axis=dim)`` here.

The functions ``glu``, ``celu``, ``softshrink``, ``hardshrink``, ``tanhshrink``,
``threshold``, ``rrelu`` and ``softmax2d`` (PyTorch's ``torch.nn.functional`` ones) are
in ``torch_functions``, and ``nn.functional`` too.
"""

import math
import numbers

import numpy as np

from . import functional
from .basic_layers import _flag
from .module import Module
from .torch_functions import (  # noqa: F401  (the functions are theirs; re-exported here)
    _alpha, _bounds, _dim, _float_value, _lambd, _number, _random_slopes, celu, glu,
    hardshrink, rrelu, softmax2d, softshrink, tanhshrink, threshold,
)

__all__ = ["Identity", "LogSoftmax", "GELU", "SiLU", "ELU", "Softplus", "ReLU6", "Hardtanh",
           "Mish", "Hardswish", "Hardsigmoid", "Softsign", "LogSigmoid", "Softmin",
           "CosineSimilarity", "GLU", "CELU", "Softshrink", "Hardshrink", "Tanhshrink",
           "Threshold", "RReLU", "Softmax2d", "SELU", "PairwiseDistance", "glu", "celu", "softshrink", "hardshrink",
           "tanhshrink", "threshold", "rrelu", "softmax2d"]


class Identity(Module):
    """y = x, the input itself (the same object), whatever its type.

    PyTorch's ``Identity(*args, **kwargs)`` ignores its arguments, so that it can stand in
    for a layer that takes some; so does this one (but ``name``).
    """

    def __init__(self, *args, name=None, **kwargs):
        super().__init__(name)

    def forward(self, x):
        return x

    def get_config(self):
        return {"name": self.name}


class LogSoftmax(Module):
    """y = x - log(sum(exp(x))) along ``dim``: log-probabilities, computed stably.

    Args (PyTorch's): dim, the axis. PyTorch's default None, which guesses an axis, is
    deprecated there; here it is refused.
    """

    def __init__(self, dim=None, name=None):
        super().__init__(name)
        where = f"LogSoftmax {self.name!r}"
        if dim is None:
            raise ValueError(f"{where}: give dim, the axis to normalize (PyTorch's implicit "
                             "dim is deprecated)")
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"{where}: dim must be an int, got {type(dim).__name__} {dim!r}")
        self.dim = int(dim)

    def forward(self, x):
        where = f"LogSoftmax {self.name!r}"
        if not -max(np.ndim(x), 1) <= self.dim < max(np.ndim(x), 1):
            raise ValueError(f"{where}: dim {self.dim} is out of range for an input of shape "
                             f"{np.shape(x)}")
        return functional.log_softmax(x, self.dim)

    def get_config(self):
        return {"name": self.name, "dim": self.dim}

    def extra_repr(self):
        return f"dim={self.dim}"


class GELU(Module):
    """y = x * Φ(x), Φ the standard normal's distribution function; with
    ``approximate="tanh"``, y = x/2 * (1 + tanh(sqrt(2/π) (x + 0.044715 x³))).

    Args (PyTorch's): approximate="none" or "tanh".
    """

    def __init__(self, approximate="none", name=None):
        super().__init__(name)
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU {self.name!r}: approximate must be 'none' or 'tanh', got "
                             f"{approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return functional.gelu(x, self.approximate)

    def get_config(self):
        return {"name": self.name, "approximate": self.approximate}

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """y = x * sigmoid(x) (also called swish).  Args (PyTorch's): inplace=False."""

    def __init__(self, inplace=False, name=None):
        super().__init__(name)
        self.inplace = _flag(inplace, "inplace", f"SiLU {self.name!r}")

    def forward(self, x):
        return functional.silu(x)

    def get_config(self):
        return {"name": self.name, "inplace": self.inplace}


class ELU(Module):
    """y = x if x > 0 else alpha * (exp(x) - 1).

    Args (PyTorch's and Keras's): alpha=1.0, inplace=False (PyTorch's).
    """

    def __init__(self, alpha=1.0, inplace=False, name=None):
        super().__init__(name)
        where = f"ELU {self.name!r}"
        alpha = _number(alpha, "alpha", where)
        if math.isinf(alpha):
            raise ValueError(f"{where}: alpha must be finite, got {alpha}")
        self.alpha, self.inplace = alpha, _flag(inplace, "inplace", where)

    def forward(self, x):
        return functional.elu(x, self.alpha)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha, "inplace": self.inplace}

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Softplus(Module):
    """y = log(1 + exp(beta * x)) / beta, and y = x where beta * x > threshold (PyTorch's
    switch to the line it approaches, for the same results).

    Args (PyTorch's): beta=1.0 (finite, not 0), threshold=20.0.
    """

    def __init__(self, beta=1.0, threshold=20.0, name=None):
        super().__init__(name)
        where = f"Softplus {self.name!r}"
        beta = _number(beta, "beta", where)
        if beta == 0 or math.isinf(beta):
            raise ValueError(f"{where}: beta must be finite and not 0, got {beta}")
        self.beta, self.threshold = beta, _number(threshold, "threshold", where)

    def forward(self, x):
        return functional.softplus(x, self.beta, self.threshold)

    def get_config(self):
        return {"name": self.name, "beta": self.beta, "threshold": self.threshold}

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class _Elementwise(Module):
    """A function of ``nn.functional`` as a module, with PyTorch's ``inplace`` where it has
    one (accepted, changing nothing: the engine never overwrites an input)."""

    function = None

    def __init__(self, inplace=False, name=None):
        super().__init__(name)
        self.inplace = _flag(inplace, "inplace", f"{type(self).__name__} {self.name!r}")

    def forward(self, x):
        return type(self).function(x)

    def get_config(self):
        return {"name": self.name, "inplace": self.inplace}


class ReLU6(_Elementwise):
    """y = min(max(x, 0), 6) (MobileNet's).  Args (PyTorch's): inplace=False."""
    function = staticmethod(functional.relu6)


class Mish(_Elementwise):
    """y = x * tanh(softplus(x)).  Args (PyTorch's): inplace=False."""
    function = staticmethod(functional.mish)


class Hardswish(_Elementwise):
    """y = x * relu6(x + 3) / 6 (MobileNetV3's).  Args (PyTorch's): inplace=False."""
    function = staticmethod(functional.hardswish)


class Hardsigmoid(_Elementwise):
    """y = relu6(x + 3) / 6.  Args (PyTorch's): inplace=False."""
    function = staticmethod(functional.hardsigmoid)


class SELU(_Elementwise):
    """y = scale * (x if x > 0 else alpha * (exp(x) - 1)), alpha = 1.6732632423543772,
    scale = 1.0507009873554805 (self-normalizing networks).  Args (PyTorch's):
    inplace=False."""
    function = staticmethod(functional.selu)


class Softsign(Module):
    """y = x / (1 + |x|)."""

    def forward(self, x):
        return functional.softsign(x)


class LogSigmoid(Module):
    """y = log(sigmoid(x)), computed stably."""

    def forward(self, x):
        return functional.logsigmoid(x)


class Hardtanh(Module):
    """y = min(max(x, min_val), max_val).

    Args (PyTorch's): min_val=-1.0, max_val=1.0 (min_val < max_val), inplace=False.
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, name=None):
        where = "Hardtanh" if name is None else f"Hardtanh {name!r}"
        min_val = _number(min_val, "min_val", where)
        max_val = _number(max_val, "max_val", where)
        if not min_val < max_val:
            raise ValueError(f"{where}: min_val ({min_val}) must be below max_val ({max_val})")
        inplace = _flag(inplace, "inplace", where)
        super().__init__(name)
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, x):
        return functional.hardtanh(x, self.min_val, self.max_val)

    def get_config(self):
        return {"name": self.name, "min_val": self.min_val, "max_val": self.max_val,
                "inplace": self.inplace}


class Softmin(Module):
    """y = softmax(-x) along ``dim``.  Args (PyTorch's): dim (required here, as LogSoftmax's)."""

    def __init__(self, dim=None, name=None):
        where = "Softmin" if name is None else f"Softmin {name!r}"
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"{where}: give dim, an int (PyTorch's implicit dim is "
                            f"deprecated), got {dim!r}")
        super().__init__(name)
        self.dim = int(dim)

    def forward(self, x):
        return functional.softmin(x, self.dim)

    def get_config(self):
        return {"name": self.name, "dim": self.dim}


class CosineSimilarity(Module):
    """y = x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along ``dim``.

    Args (PyTorch's): dim=1, eps=1e-8.
    """

    def __init__(self, dim=1, eps=1e-8, name=None):
        where = "CosineSimilarity" if name is None else f"CosineSimilarity {name!r}"
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"{where}: dim must be an int, got {dim!r}")
        eps = _number(eps, "eps", where)
        super().__init__(name)
        self.dim, self.eps = int(dim), eps

    def forward(self, x1, x2):
        return functional.cosine_similarity(x1, x2, self.dim, self.eps)

    def get_config(self):
        return {"name": self.name, "dim": self.dim, "eps": self.eps}


class PairwiseDistance(Module):
    """y = ||x1 - x2 + eps||_p along the last axis: (*, D) and (*, D), broadcast -> (*), or
    (*, 1) with ``keepdim`` (``functional.pairwise_distance``).

    Args (PyTorch's): p=2.0 (a norm's order >= 0, inf allowed), eps=1e-6, keepdim=False.
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False, name=None):
        where = "PairwiseDistance" if name is None else f"PairwiseDistance {name!r}"
        p, eps = _number(p, "p", where), _number(eps, "eps", where)
        if p < 0:
            raise ValueError(f"{where}: p must be >= 0 (a norm's order), got {p}")
        keepdim = _flag(keepdim, "keepdim", where)
        super().__init__(name)
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        try:
            return functional.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
        except ValueError as e:
            raise ValueError(f"PairwiseDistance {self.name!r}: {e}") from e

    def get_config(self):
        return {"name": self.name, "p": self.norm, "eps": self.eps, "keepdim": self.keepdim}


class GLU(Module):
    """y = a * sigmoid(b), a and b the two halves of x along ``dim`` (gated linear unit).

    Args (PyTorch's): dim=-1, whose size must be even; the output has half of it.
    """

    def __init__(self, dim=-1, name=None):
        dim = _dim(dim, "GLU" if name is None else f"GLU {name!r}")
        super().__init__(name)
        self.dim = dim

    def forward(self, x):
        return glu(x, self.dim)

    def get_config(self):
        return {"name": self.name, "dim": self.dim}

    def extra_repr(self):
        return f"dim={self.dim}"


class CELU(Module):
    """y = x if x > 0 else alpha * (exp(x / alpha) - 1), continuously differentiable at 0.

    Args (PyTorch's): alpha=1.0 (finite, not 0), inplace=False.
    """

    def __init__(self, alpha=1.0, inplace=False, name=None):
        where = "CELU" if name is None else f"CELU {name!r}"
        alpha, inplace = _alpha(alpha, where), _flag(inplace, "inplace", where)
        super().__init__(name)
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return celu(x, self.alpha)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha, "inplace": self.inplace}

    def extra_repr(self):
        return f"alpha={self.alpha}"


class _Shrink(Module):
    """Shared body of Softshrink and Hardshrink: ``lambd`` >= 0."""

    def __init__(self, lambd=0.5, name=None):
        lambd = _lambd(lambd, type(self).__name__ if name is None
                       else f"{type(self).__name__} {name!r}")
        super().__init__(name)
        self.lambd = lambd

    def get_config(self):
        return {"name": self.name, "lambd": self.lambd}

    def extra_repr(self):
        return f"lambd={self.lambd}"


class Softshrink(_Shrink):
    """y = x - lambd if x > lambd, x + lambd if x < -lambd, else 0.  Args: lambd=0.5."""

    def forward(self, x):
        return softshrink(x, self.lambd)


class Hardshrink(_Shrink):
    """y = x if |x| > lambd, else 0.  Args (PyTorch's): lambd=0.5."""

    def forward(self, x):
        return hardshrink(x, self.lambd)


class Tanhshrink(Module):
    """y = x - tanh(x)."""

    def forward(self, x):
        return tanhshrink(x)


class Threshold(Module):
    """y = x if x > threshold, else value.

    Args (PyTorch's): threshold, value (both required), inplace=False.
    """

    def __init__(self, threshold, value, inplace=False, name=None):
        where = "Threshold" if name is None else f"Threshold {name!r}"
        threshold = _number(threshold, "threshold", where)
        value = _number(value, "value", where)
        inplace = _flag(inplace, "inplace", where)
        super().__init__(name)
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, x):
        return threshold(x, self.threshold, self.value)

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold, "value": self.value,
                "inplace": self.inplace}

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}"


class RReLU(Module):
    """y = x if x > 0 else a * x: in training mode a ~ U(lower, upper), drawn afresh for
    every element at every call; in inference mode a = (lower + upper) / 2.
    dL/dx = g * a where x <= 0 (the slope drawn), g elsewhere.

    Args (PyTorch's): lower=1/8, upper=1/3 (lower <= upper), inplace=False; seed=None, a
    keyword: of this layer's own generator (else ``ag.random``'s, which
    ``ag.manual_seed`` seeds), as ``Dropout``'s.
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False, name=None, *, seed=None):
        where = "RReLU" if name is None else f"RReLU {name!r}"
        lower, upper = _bounds(lower, upper, where)
        inplace = _flag(inplace, "inplace", where)
        if seed is not None and (isinstance(seed, (bool, np.bool_))
                                 or not isinstance(seed, numbers.Integral) or seed < 0):
            raise ValueError(f"{where}: seed must be an int >= 0 or None, got {seed!r}")
        super().__init__(name)
        self.lower, self.upper, self.inplace, self.seed = lower, upper, inplace, seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def forward(self, x):
        if not self.training:
            return rrelu(x, self.lower, self.upper, training=False)
        x = _float_value(x, f"RReLU {self.name!r}")
        return _random_slopes(x, self.lower, self.upper, self._rng)

    def get_config(self):
        return {"name": self.name, "lower": self.lower, "upper": self.upper,
                "inplace": self.inplace, "seed": self.seed}

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}"


class Softmax2d(Module):
    """y = softmax(x) over the channels, axis -3 of (N, C, H, W) or (C, H, W) images."""

    def forward(self, x):
        return softmax2d(x)
