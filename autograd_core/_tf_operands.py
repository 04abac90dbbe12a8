"""How TensorFlow's own names (``tf_scatter``, ``tf_folds``, ``tf_math``, ``tf_counting``)
read their arguments: a tensor as a Value, TensorFlow's way (arrays and integer data keep
their dtype, Python floats take the default float dtype), or its data as a numpy array.
"""

import numpy as np

from .engine import Value
from .ops import segments


def value(x):
    """x as a Value, as TensorFlow reads a tensor."""
    return segments.tensor(x, "tf")


def data(x):
    """x's numbers as a numpy array (for results that are constants)."""
    return np.asarray(x.data if isinstance(x, Value) else x)
