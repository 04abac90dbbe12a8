"""PyTorch's activation modules: ``Identity``, ``LogSoftmax``, ``GELU``, ``SiLU``, ``ELU``,
``Softplus``, ``ReLU6``, ``Hardtanh``, ``Mish``, ``Hardswish``, ``Hardsigmoid``,
``Softsign``, ``LogSigmoid``, ``Softmin``, and ``CosineSimilarity``.

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
"""

import math
import numbers

import numpy as np

from . import functional
from .layers import _flag
from .module import Module

__all__ = ["Identity", "LogSoftmax", "GELU", "SiLU", "ELU", "Softplus", "ReLU6", "Hardtanh",
           "Mish", "Hardswish", "Hardsigmoid", "Softsign", "LogSigmoid", "Softmin",
           "CosineSimilarity"]


def _number(value, what, where):
    """A real number, not a bool, text or NaN, as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or math.isnan(value):
        raise TypeError(f"{where}: {what} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    return float(value)


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
