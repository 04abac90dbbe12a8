"""PyTorch's in-place activations: ``relu_``, ``elu_``, ``selu_``, ``leaky_relu_``,
``hardtanh_``, ``threshold_``, ``rrelu_`` and ``celu_`` (``torch.nn.functional``'s
names), x's data replaced by f(x), and x returned.

As the engine's in-place methods (``x.relu_()``, ``x.clamp_()``): allowed under
``no_grad`` or on a Value that needs no gradient; a Value that requires grad refuses
while the graph is recorded, as PyTorch refuses a leaf that requires grad, since the
data a recorded op saved would change under it.

>>> import numpy as np, autograd_core as ag
>>> x = ag.constant(np.array([-1.0, 2.0]))
>>> relu_(x) is x, x.numpy().tolist()
(True, [0.0, 2.0])

Each f is the engine's op that ``nn.functional``'s function of that name calls, or
``torch_functions``' ``threshold``, ``rrelu`` and ``celu``: built on ``autograd_core``'s
public API only, and without importing ``nn.functional``, which re-exports these.
"""

import autograd_core as ag

from .torch_functions import celu, rrelu
from .torch_functions import threshold as _threshold  # threshold_'s argument has the name

__all__ = ["relu_", "elu_", "selu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu_",
           "celu_"]


def _in_place(where, function, input, *args):
    if not isinstance(input, ag.Value):
        raise TypeError(f"{where}: input is changed in place, so it must be a Value, got "
                        f"{type(input).__name__}")
    if ag.is_grad_enabled() and input.requires_grad:
        raise RuntimeError(
            f"{where}: {input.name or 'a Value'} of shape {input.shape} requires grad, so it "
            f"cannot be changed in place while the graph is recorded: call it inside `with "
            f"ag.no_grad():`, or use {where[:-1]}(x), which returns a new Value")
    with ag.no_grad():
        return input.copy_(function(input, *args).numpy())


def _hardtanh(input, min_val, max_val):
    """min(max(x, min_val), max_val): ``nn.functional.hardtanh``, its check included."""
    if not min_val < max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must be below max_val ({max_val})")
    return ag.clip(input, min_val, max_val)


def relu_(input):
    """relu, in place: x <- max(x, 0). Returns x."""
    return _in_place("relu_", ag.relu, input)


def elu_(input, alpha=1.0):
    """elu, in place. Returns x."""
    return _in_place("elu_", ag.elu, input, alpha)


def selu_(input):
    """selu, in place. Returns x."""
    return _in_place("selu_", ag.selu, input)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu, in place. Returns x."""
    return _in_place("leaky_relu_", ag.leaky_relu, input, negative_slope)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh, in place: x <- min(max(x, min_val), max_val). Returns x."""
    return _in_place("hardtanh_", _hardtanh, input, min_val, max_val)


def threshold_(input, threshold, value):
    """threshold, in place: x <- x if x > threshold else value. Returns x."""
    return _in_place("threshold_", _threshold, input, threshold, value)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """rrelu, in place (the random slopes too when ``training``). Returns x."""
    return _in_place("rrelu_", rrelu, input, lower, upper, training)


def celu_(input, alpha=1.0):
    """celu, in place. Returns x."""
    return _in_place("celu_", celu, input, alpha)
