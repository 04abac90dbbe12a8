"""Activation functions: the nonlinearity a layer applies to ``x @ W + b``.

Without one, stacked layers collapse into a single linear map and cannot learn XOR.
Each function takes and returns a Value; ``get("relu")`` resolves a Keras name.

>>> float(relu(-2.0)), float(step(0.5)), float(linear(3.0))
(0.0, 1.0, 3.0)
"""

import numpy as np

import autograd_core as ag

__all__ = ["relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "linear", "step", "Step",
           "selu", "gelu", "silu", "swish", "softplus", "softsign", "hard_sigmoid", "hard_silu",
           "hard_swish", "relu6", "mish", "exponential", "log_sigmoid", "log_softmax",
           "get", "register_layer"]


class Step(ag.Op):
    """y = 1 if x > 0 else 0      dL/dx = 0 (undefined at x = 0)

    The classic perceptron's threshold. Its derivative is zero wherever it exists, so
    gradient descent through it changes nothing: the reason the sigmoid replaced it.
    """

    __slots__ = ()

    def forward(self, x):
        return (x > 0).astype(x.dtype)

    def backward(self, g, y, x):
        return (g * 0,)  # zeros, written so that it serves arrays and Values alike


def step(x):
    """The Heaviside step ``1 if x > 0 else 0``. Its gradient is zero everywhere.

    The graph stays connected (``backward`` runs and gives zeros) rather than cut, so a
    perceptron can be put in a training loop and be seen not to learn.
    """
    return ag.apply(Step(), x if isinstance(x, ag.Value) else ag.constant(x))


def relu(x):
    """max(x, 0)."""
    return ag.relu(x)


def sigmoid(x):
    """1 / (1 + exp(-x)), in (0, 1)."""
    return ag.sigmoid(x)


def tanh(x):
    """tanh(x), in (-1, 1)."""
    return ag.tanh(x)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``: rows of probabilities."""
    return ag.softmax(x, axis=axis)


def leaky_relu(x, alpha=0.2):
    """x if x > 0 else alpha * x (``tf.nn.leaky_relu``'s default alpha 0.2)."""
    return ag.leaky_relu(x, alpha)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1) (Keras's default alpha 1.0)."""
    return ag.elu(x, alpha)


def linear(x):
    """The identity: no activation (Keras's ``activation=None``)."""
    return x


# Keras's other built-in activations, by the names ``activation="..."`` takes. Keras 3's
# definitions, which PyTorch's functions of the same maths share.

def selu(x):
    """scale * elu(x, alpha), with Klambauer et al.'s alpha 1.67326 and scale 1.05070."""
    return ag.selu(x)


def gelu(x, approximate=False):
    """x * Phi(x) (Phi the normal CDF; ``approximate``: the tanh form)."""
    return ag.gelu(x, approximate=approximate)


def silu(x):
    """x * sigmoid(x) (Keras's ``swish`` too)."""
    return ag.silu(x)


def softplus(x):
    """log(1 + exp(x)), computed without overflow."""
    return ag.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return ag.softsign(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3's definition)."""
    return ag.hard_sigmoid(x)


def hard_silu(x):
    """x * hard_sigmoid(x) (Keras's ``hard_swish`` too)."""
    x = _value(x)
    return x * ag.hard_sigmoid(x)


def relu6(x):
    """min(max(x, 0), 6)."""
    return ag.clip(x, 0, 6)


def mish(x):
    """x * tanh(softplus(x))."""
    x = _value(x)
    return x * ag.tanh(ag.softplus(x))


def exponential(x):
    """exp(x)."""
    return ag.exp(x)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    return -ag.softplus(-_value(x))


def _value(x):
    return x if isinstance(x, ag.Value) else ag.constant(x)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``: log-probabilities."""
    return ag.log_softmax(x, axis=axis)


swish, hard_swish = silu, hard_silu


_BY_NAME = {
    "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "leaky_relu": leaky_relu, "elu": elu, "linear": linear, "step": step,
    "selu": selu, "gelu": gelu, "silu": silu, "swish": silu, "softplus": softplus,
    "softsign": softsign, "hard_sigmoid": hard_sigmoid, "hard_silu": hard_silu,
    "hard_swish": hard_silu, "relu6": relu6, "mish": mish, "exponential": exponential,
    "log_sigmoid": log_sigmoid, "log_softmax": log_softmax,
}

# Activations that are layers with weights ("prelu"), registered by the module defining
# them (nn.basic_layers), which imports this one.
_LAYERS = {}


def register_layer(name, cls):
    """Let ``get(name)`` return a new ``cls()``: an activation with trainable weights."""
    _LAYERS[name.lower()] = cls


def get(identifier):
    """An activation from a name, a function, or None (the identity).

    Args:
        identifier: a Keras name ("relu", "sigmoid", "tanh", "softmax", "leaky_relu",
            "elu", "selu", "gelu", "silu"/"swish", "softplus", "softsign", "hard_sigmoid",
            "hard_silu"/"hard_swish", "relu6", "mish", "exponential", "log_sigmoid",
            "log_softmax", "linear"), "step", "prelu" (a new ``PReLU`` layer, whose slopes
            are trainable), None, or any callable (returned unchanged).
    Returns:
        A callable Value -> Value.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        name = identifier.lower()
        if name in _LAYERS:  # a layer with weights: a new one for each use
            return _LAYERS[name]()
        if name not in _BY_NAME:
            raise ValueError(f"activations.get: unknown activation {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME) + sorted(_LAYERS))}")
        return _BY_NAME[name]
    if callable(identifier):
        return identifier
    raise TypeError(f"activations.get: expected a name, a callable or None, got "
                    f"{type(identifier).__name__} {identifier!r}")


# The engine's own functions, as passed in ``Dense(2, activation=ag.sigmoid)``.
_ENGINE_NAMES = {ag.relu: "relu", ag.sigmoid: "sigmoid", ag.tanh: "tanh",
                 ag.softmax: "softmax", ag.leaky_relu: "leaky_relu", ag.elu: "elu",
                 ag.selu: "selu", ag.gelu: "gelu", ag.silu: "silu", ag.softplus: "softplus",
                 ag.softsign: "softsign", ag.hard_sigmoid: "hard_sigmoid"}


def name_of(fn):
    """The Keras name of an activation ("relu", "softmax", ...), else its own name."""
    for name, known in _BY_NAME.items():
        if fn is known:
            return name
    return _ENGINE_NAMES.get(fn) or getattr(fn, "__name__", type(fn).__name__)
