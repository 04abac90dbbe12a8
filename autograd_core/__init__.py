"""autograd_core: reverse-mode automatic differentiation on numpy, readable op by op.

A ``Value`` holds a numpy array and remembers the op that made it; ``backward()`` (PyTorch's
way) or a ``GradientTape`` (TensorFlow's) applies the chain rule back through the graph.

>>> import autograd_core as ag
>>> w, x = ag.Value(2.0), ag.Value(3.0)
>>> y = ag.tanh(w * x + 1)
>>> y.backward()
>>> round(float(w.grad), 6)   # dy/dw = (1 - tanh(7)**2) * x
1e-05
"""

import numpy as _np

from . import random
from .engine import (
    BackwardStep, Op, Value, Variable, apply, backward_steps, constant, detect_anomaly,
    enable_grad, get_default_dtype, is_grad_enabled, name_scope, no_grad, set_default_dtype,
    topological_order, unbroadcast,
)
from .gradcheck import GradcheckError, gradcheck
from .ops import (
    abs, add, argmax, argmin, cast, clip, concat, divide, equal, exp, leaky_relu, linear, log,
    log_softmax, logsumexp, matmul, max, maximum, mean, min, minimum, multiply, negative,
    one_hot, power, relu, reshape, sigmoid, sigmoid_cross_entropy, softmax,
    softmax_cross_entropy, sqrt, square, stack, stop_gradient, subtract, sum, tanh,
    transpose, where,
)
from .tape import GradientTape, stop_recording

float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64

# TensorFlow's names for the same functions, so the course's code ports by renaming.
reduce_sum = sum
reduce_mean = mean
reduce_max = max
reduce_min = min

__all__ = [
    # the graph
    "Value", "Variable", "constant", "Op", "apply", "BackwardStep", "backward_steps",
    "topological_order", "unbroadcast",
    # modes and dtypes
    "no_grad", "enable_grad", "name_scope", "is_grad_enabled", "detect_anomaly", "set_default_dtype",
    "get_default_dtype", "float32", "float64", "int32", "int64",
    # tape and checking
    "GradientTape", "stop_recording", "gradcheck", "GradcheckError",
    # ops
    "add", "subtract", "multiply", "divide", "power", "negative", "maximum", "minimum",
    "where", "exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid", "relu", "leaky_relu",
    "clip", "sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax",
    "softmax_cross_entropy", "sigmoid_cross_entropy", "reshape", "transpose", "concat",
    "stack", "matmul", "linear", "stop_gradient", "cast",
    # TensorFlow's names and non-differentiable helpers
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "one_hot", "argmax", "argmin",
    "equal", "random",
]

from .rendering import render  # noqa: E402
from .stepper import BackpropStepper, ForwardStepper  # noqa: E402
from .viz import draw_graph  # noqa: E402

__all__ += ["draw_graph", "render", "BackpropStepper", "ForwardStepper"]
