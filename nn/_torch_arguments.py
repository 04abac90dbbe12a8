"""The argument checks that PyTorch's functions in ``torch_functions``,
``torch_norm_functions`` and ``torch_random_functions`` share: a real number, an axis, a
float input. A module of its own so that the last two need not import ``torch_functions``,
which imports them to re-export their functions.
"""

import math
import numbers

import numpy as np

import autograd_core as ag


def _number(value, what, where):
    """A real number, not a bool, text or NaN, as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or math.isnan(value):
        raise TypeError(f"{where}: {what} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    return float(value)


def _dim(dim, where):
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{where}: dim must be an int, got {type(dim).__name__} {dim!r}")
    return int(dim)


def _float_value(x, where):
    """A Value (arrays become constants); activations need floats."""
    x = x if isinstance(x, ag.Value) else ag.constant(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: input must hold floats, got dtype {x.dtype}")
    return x
