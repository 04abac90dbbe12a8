"""Activation functions: sigmoid, ReLU, leaky ReLU, softplus, softsign, ELU, SELU, GELU,
SiLU (swish) and hard sigmoid.

``backward(g, y, x)`` receives the upstream gradient g = dL/dy, the output and the input.
Defaults follow Keras and TensorFlow; where PyTorch differs, the function's docstring says
so. At a kink the gradient is PyTorch's choice (stated in each op's docstring).
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, apply, apply1
from ..labels import number
from ..worked import Terms
from . import xp
from ._operands import operand
from .special import erf_array

__all__ = ["sigmoid", "relu", "leaky_relu", "softplus", "softsign", "elu", "selu", "gelu",
           "silu", "swish", "hard_sigmoid", "hardsigmoid"]

# SELU's constants (Klambauer et al. 2017), as Keras, TensorFlow and PyTorch write them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
SQRT_HALF = 0.7071067811865476          # 1 / sqrt(2)
SQRT_2_OVER_PI = 0.7978845608028654     # sqrt(2 / pi)
INV_SQRT_2PI = 0.3989422804014327       # 1 / sqrt(2 pi)
GELU_CUBIC = 0.044715                   # the tanh approximation's x**3 coefficient


def _number(value, fn, name):
    """A float parameter (alpha, ...), checked where the user passed it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{fn}: {name} must be a number, got {value!r}")
    return float(value)


def sigmoid_array(x):
    """1 / (1 + exp(-x)), computed as PyTorch computes it: where exp(-x) overflows to inf
    (x below about -88.7 in float32, -709 in float64) the result is exactly 0, as
    PyTorch's, and sigmoid(1000) is exactly 1; no warning either way. float16 is computed
    in float32, as PyTorch does, so its tail is not lost to float16's early overflow.

    Three whole-array passes: the select-based form exp(-|x|) / (1 + exp(-|x|)) took 5x
    as long on a (128, 512) float32 array (374 us against 67; 4x on an LSTM's (32, 256)
    gates).
    """
    if getattr(x, "dtype", None) == np.float16:
        return sigmoid_array(x.astype(np.float32)).astype(np.float16)
    with np.errstate(over="ignore"):
        e = np.exp(np.negative(x))
    if type(e) is np.ndarray:
        e += 1
        return np.reciprocal(e, out=e)
    return 1 / (1 + e)  # a scalar


class Sigmoid(Op):
    """y = 1 / (1 + exp(-x))      dL/dx = g * y * (1 - y)"""

    __slots__ = ()

    def forward(self, x):
        return sigmoid_array(x)

    def backward(self, g, y, x):
        return (g * y * (1 - y),)


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for any x."""
    return apply1(Sigmoid, operand(x, Sigmoid))


class Relu(Op):
    """y = max(x, 0)    dL/dx = g if x > 0 else 0"""

    __slots__ = ()

    def forward(self, x):
        if x.size >= _FLOAT32_ROWS and x.dtype == np.float32 and x.flags.c_contiguous:
            return _max_with_zero_rows(x)
        return np.maximum(x, _ZEROS.get(x.dtype, 0))

    def backward(self, g, y, x):
        # y > 0 exactly where x > 0, and y is at hand.
        if type(g) is np.ndarray and g.size >= _LARGE:
            return (_times_positive(g, y),)
        return (g * (y > _ZEROS.get(y.dtype, 0)),)


# A 0-d zero of each float dtype, for comparing and clipping: numpy converts a Python 0 on
# every call (a 10-number forward 0.65 -> 0.44 us, backward 3.6 -> 2.9 us). Looked up in
# place (``.get(dtype, 0)``) rather than through a function: ReLU runs once per node.
_ZEROS = {np.dtype(t): np.zeros((), t) for t in (np.float16, np.float32, np.float64)}


def _max_with_zero_rows(x):
    """max(x, 0) on a large contiguous float32 array, for speed: numpy 2.4's float32
    maximum against a scalar does not use vector instructions on AVX2 machines, against
    an array it does. So x is taken as rows of ``_ROW`` numbers, each against a row of
    zeros, and the few left over against the scalar. The 784-512-10 step's hidden layer
    (128x512): 28 us against 77 us; (1024x512) 0.07 ms against 0.30; MNIST convnet's first
    ReLU (128x26x26x32) 1.8 ms against 3.0-3.4 ms. float64's scalar loop is as fast."""
    y = np.empty_like(x)
    x_flat, y_flat = x.reshape(-1), y.reshape(-1)
    whole = x.size - x.size % _ROW
    np.maximum(x_flat[:whole].reshape(-1, _ROW), _FLOAT32_ZERO_ROW,
               out=y_flat[:whole].reshape(-1, _ROW))
    np.maximum(x_flat[whole:], np.float32(0), out=y_flat[whole:])
    return y


_ROW = 8192  # 32 KB of zeros, in L1 cache; rows of 1024 took 2.2 ms, 8192 1.8 (convnet)
_FLOAT32_ZERO_ROW = np.zeros(_ROW, np.float32)
# From this many numbers up the rows are the faster (16,384: 14 us against 18; 8,192: even)
_FLOAT32_ROWS = 1 << 14

# From this many numbers up, _times_positive is the faster; below, its extra calls cost
# more than they save (0.5 us on 10 numbers; even at 65,536). Below it, g times the boolean
# mask: numpy's casting loop costs less than a float copy of the mask on small arrays (10
# numbers: 2.70 us against 2.94) and about as much up to 65,536 (8.7 against 8.2 us at
# 10,000).
_LARGE = 1 << 16


def _times_positive(g, y):
    """g * (y > 0) on large arrays, for speed: the comparison writes 0.0 and 1.0 straight
    into a float array (numpy casts in small chunks), which g then multiplies in place.
    The plain form makes a boolean mask and a float copy of it first (numpy multiplies
    floats by booleans through a slow casting loop). MNIST convnet's first ReLU
    (128x26x26x32): 1.58 ms against 1.84 ms, without its 2.8 MB boolean mask."""
    mask = np.greater(y, 0, out=np.empty(g.shape, g.dtype))  # g has y's shape
    mask *= g
    return mask


def relu(x):
    """max(x, 0) elementwise."""
    return apply1(Relu, operand(x, Relu))


class LeakyRelu(Op):
    """y = x if x > 0 else alpha * x      dL/dx = g if x > 0 else alpha * g"""

    __slots__ = ("alpha",)

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        return np.maximum(x, 0) + self.alpha * np.minimum(x, 0)  # keeps x's dtype

    def backward(self, g, y, x):
        return (xp.where(x > 0, g, g * self.alpha),)

    def formula(self, y, x):
        alpha = number(self.alpha)
        return f"y = x if x > 0 else {alpha} * x", f"dL/dx = g if x > 0 else {alpha} * g"


def leaky_relu(x, alpha=0.2):
    """x for x > 0, alpha * x otherwise (TensorFlow's default alpha is 0.2)."""
    return apply(LeakyRelu(alpha), operand(x, LeakyRelu))


class Softplus(Op):
    """y = log(1 + exp(x))      dL/dx = g * sigmoid(x)"""

    __slots__ = ()

    def forward(self, x):
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))  # exp never overflows

    def backward(self, g, y, x):
        return (g * xp.sigmoid(x),)


def softplus(x):
    """log(1 + exp(x)), a smooth relu, computed as max(x, 0) + log(1 + exp(-|x|)) so that it
    is exact and finite for any x (softplus(1000) = 1000).

    As ``tf.math.softplus`` and Keras; PyTorch's ``softplus(x, beta=1, threshold=20)``
    returns x itself above 20, which differs from this by less than 3e-9.
    """
    return apply1(Softplus, operand(x, Softplus))


class Softsign(Op):
    """y = x / (1 + |x|)        dL/dx = g / (1 + |x|)**2"""

    __slots__ = ()

    def forward(self, x):
        return x / (1 + np.abs(x))

    def backward(self, g, y, x):
        return (g / (1 + abs(x)) ** 2,)


def softsign(x):
    """x / (1 + |x|), in (-1, 1)."""
    return apply1(Softsign, operand(x, Softsign))


class Elu(Op):
    """y = x if x > 0 else alpha * (exp(x) - 1)     dL/dx = g if x > 0 else g * (y + alpha)

    At x = 0 the gradient is g * alpha, PyTorch's choice (both sides agree when alpha = 1).
    """

    __slots__ = ("alpha",)

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        # expm1 of min(x, 0): exact near 0, and no overflow in the branch where drops.
        return xp.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0)))[()]

    def backward(self, g, y, x):
        return (xp.where(x > 0, g, g * (y + self.alpha)),)

    def formula(self, y, x):
        alpha = number(self.alpha)
        return (f"y = x if x > 0 else {alpha} * (exp(x) - 1)",
                f"dL/dx = g if x > 0 else g * (y + {alpha})")


def elu(x, alpha=1.0):
    """The exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise.

    Keras's, TensorFlow's and PyTorch's default alpha is 1.0.
    """
    return apply(Elu(_number(alpha, "elu", "alpha")), operand(x, Elu))


class Selu(Op):
    """y = scale * (x if x > 0 else alpha * (exp(x) - 1))
    dL/dx = g * scale if x > 0 else g * (y + scale * alpha)

    alpha = 1.67326..., scale = 1.05070... (SELU_ALPHA, SELU_SCALE); at x = 0 the
    gradient is g * scale * alpha, as in PyTorch.
    """

    __slots__ = ()

    def forward(self, x):
        negative = SELU_ALPHA * np.expm1(np.minimum(x, 0))
        return (SELU_SCALE * xp.where(x > 0, x, negative))[()]

    def backward(self, g, y, x):
        return (xp.where(x > 0, g * SELU_SCALE, g * (y + SELU_SCALE * SELU_ALPHA)),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"scale": SELU_SCALE, "alpha": SELU_ALPHA})


def selu(x):
    """The scaled ELU of self-normalizing networks, with the constants of Klambauer et al.
    (the same in Keras, TensorFlow and PyTorch)."""
    return apply1(Selu, operand(x, Selu))


class Gelu(Op):
    """y = x * Phi(x),  Phi(x) = (1 + erf(x / sqrt(2))) / 2
    dL/dx = g * (Phi(x) + x * exp(-x**2 / 2) / sqrt(2 * pi))

    Phi is the standard normal's cumulative distribution, exp(-x**2 / 2) / sqrt(2 pi) its
    density.
    """

    __slots__ = ("cdf",)

    def forward(self, x):
        # Phi(x) is kept for the backward on arrays: erf is the costly part of both passes
        # (a rational approximation in float64), so computing it once halves GELU's step.
        self.cdf = 0.5 * (1 + erf_array(x * SQRT_HALF))
        return x * self.cdf

    def backward(self, g, y, x):
        # On Values (create_graph) Phi is recomputed as an op, so it can be differentiated.
        cdf = self.cdf if type(x) is not Value else 0.5 * (1 + xp.erf(x * SQRT_HALF))
        pdf = xp.exp(-0.5 * x * x) * INV_SQRT_2PI
        return (g * (cdf + x * pdf),)


class GeluTanh(Op):
    """y = x * (1 + tanh(u)) / 2,  u = sqrt(2/pi) * (x + 0.044715 * x**3)
    dL/dx = g * ((1 + tanh(u)) / 2 + x * (1 - tanh(u)**2) * du/dx / 2),
    du/dx = sqrt(2/pi) * (1 + 3 * 0.044715 * x**2)
    """

    __slots__ = ()

    def forward(self, x):
        u = SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)
        return 0.5 * x * (1 + np.tanh(u))

    def backward(self, g, y, x):
        t = xp.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x))
        du = SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * x * x)
        return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du),)

    def element(self, i, at, g, y, x):
        u = SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)
        return Terms(arrays={"u": u, "du/dx": SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * x * x)})


def gelu(x, approximate=False):
    """The Gaussian error linear unit x * Phi(x), Phi the standard normal's distribution.

    Args:
        x: a Value (any shape).
        approximate: False (the default, as ``tf.nn.gelu`` and ``keras.activations.gelu``)
            for the exact x * (1 + erf(x / sqrt(2))) / 2; True for the tanh approximation
            x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x**3))) / 2 (GPT-2's, and the default
            of ``keras.ops.gelu``). PyTorch's spellings "none" and "tanh" are accepted too.
    Returns:
        A Value of x's shape and dtype.

    >>> round(float(gelu(1.0)), 6), round(float(gelu(1.0, approximate=True)), 6)
    (0.841345, 0.841192)
    """
    if approximate in ("none", "tanh"):
        approximate = approximate == "tanh"
    if not isinstance(approximate, (bool, np.bool_)):
        raise TypeError(f"gelu: approximate must be True, False, 'none' or 'tanh', got "
                        f"{approximate!r}")
    op_cls = GeluTanh if approximate else Gelu
    return apply(op_cls(), operand(x, op_cls))


class Silu(Op):
    """y = x * sigmoid(x)       dL/dx = g * s * (1 + x * (1 - s)),  s = sigmoid(x)"""

    __slots__ = ()

    def forward(self, x):
        return x * sigmoid_array(x)

    def backward(self, g, y, x):
        s = xp.sigmoid(x)
        return (g * s * (1 + x * (1 - s)),)

    def element(self, i, at, g, y, x):
        return Terms(arrays={"s": sigmoid_array(x)})


def silu(x):
    """x * sigmoid(x), also called swish (``tf.nn.silu``, ``keras.activations.silu``)."""
    return apply1(Silu, operand(x, Silu))


class HardSigmoid(Op):
    """y = min(max(x + 3, 0), 6) / 6      dL/dx = g / 6 if -3 < x < 3 else 0

    At the kinks x = -3 and x = 3 the gradient is 0, as in PyTorch and TensorFlow.
    """

    __slots__ = ()

    def forward(self, x):
        return np.clip(x + 3, 0, 6) / 6

    def backward(self, g, y, x):
        return (xp.where((x > -3) & (x < 3), g / 6, 0),)


def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between.

    Keras 3's (and TensorFlow 2.16+'s) definition, and PyTorch's ``hardsigmoid``; Keras 2
    used clip(0.2 x + 0.5, 0, 1) instead, which is 0 below -2.5 and 1 above 2.5.
    """
    return apply1(HardSigmoid, operand(x, HardSigmoid))


# Other libraries' names: swish (Keras, tf.nn.swish), hardsigmoid (PyTorch).
swish = silu
hardsigmoid = hard_sigmoid
