"""Every differentiable operation: one class each, its derivative right under its forward.

The ops are grouped by family, one file each:

- ``arithmetic``: + - * / **, negation, maximum/minimum, where, abs, clip, cast
- ``elementwise``: exp, log, sqrt, square, tanh
- ``activations``: sigmoid, relu, leaky_relu
- ``reductions``: sum, mean, max, min, logsumexp
- ``shape``: reshape, transpose, indexing, concat, stack, broadcasting
- ``linalg``: matmul and the dense layer's linear map
- ``nn``: softmax, log_softmax and the fused cross-entropy losses
- ``conv``: conv2d, conv1d, conv2d_transpose, bias_add
- ``pooling``: max_pool2d, avg_pool2d, max_pool1d, avg_pool1d
- ``nondiff``: stop_gradient, argmax, equal, one_hot: ops that pass no gradient

Each op's docstring gives the maths in one line: the output ``y`` and ``dL/dx`` in terms of
the upstream gradient ``g = dL/dy``. ``backward(g, y, *inputs)`` is written with operators
and the functions of ``xp``, so that one formula serves numpy arrays (the fast path) and
Values (the recorded path, for gradients of gradients). The functions validate their
arguments and then ``apply`` the op; ``methods`` attaches them to ``Value``.
"""

from ..engine import Op as _Op
from . import activations, arithmetic, elementwise, linalg, nn, nondiff, reductions, shape
from . import conv, pooling
from . import xp  # noqa: F401  (imported after the families it dispatches to)
from . import methods  # noqa: F401  (attaches the operators and methods to Value)
from . import interop  # noqa: F401  (numpy's functions on Values: np.exp(v), np.mean(v))

_FAMILIES = (arithmetic, elementwise, activations, reductions, shape, linalg, nn, nondiff,
             conv, pooling)

# The public functions of every family, and its op classes (``ops.Tanh``), under one name.
__all__ = [name for family in _FAMILIES for name in family.__all__]
for _family in _FAMILIES:
    for _name, _obj in vars(_family).items():
        if _name in _family.__all__ or (isinstance(_obj, type) and issubclass(_obj, _Op)
                                        and _obj.__module__ == _family.__name__):
            globals()[_name] = _obj
del _family, _name, _obj
