"""Keras's ``keras.backend``: the session's state and the default float type.

Keras keeps global state across models: the counters behind automatic layer names
("dense", "dense_1", ...) and the float type new weights take. ``clear_session`` forgets
the names; ``floatx`` and ``set_floatx`` are autograd_core's default dtype under Keras's
names; ``epsilon`` is the fuzz factor the probabilistic losses clip with.

>>> from nn.layers import Dense
>>> clear_session()
>>> Dense(4).name, Dense(4).name
('dense', 'dense_1')
>>> clear_session()
>>> Dense(4).name
'dense'
"""

import gc

import numpy as np

import autograd_core as ag

from . import losses
from . import module as _module

__all__ = ["clear_session", "epsilon", "floatx", "set_floatx"]

_FLOATX = ("float16", "float32", "float64")  # Keras also has bfloat16, which numpy lacks


def clear_session(free_memory=True):
    """Keras's ``clear_session()``: forget the automatic layer names, so that the next
    ``Dense`` is named "dense" again, as in a fresh process.

    The names are counted for the whole process, not per thread: clearing them in one
    thread restarts the count in every thread. Layers that exist keep their names, so an
    old layer and a new one may share a name, as in Keras.

    Args:
        free_memory: True (the default, as in Keras) runs Python's garbage collector, so
            that the memory of models no longer referenced is given back now; it may take
            a moment, which a short loop can skip with False.
    """
    # module.unique_name reads this dict at each call; emptied in place (not rebound), as
    # it is the one every Module shares.
    with _module._names_lock:
        _module._name_counts.clear()
    if free_memory:
        gc.collect()


def epsilon():
    """Keras's ``epsilon()``: the fuzz factor, 1e-7. The cross-entropy losses keep
    probabilities inside ``[epsilon, 1 - epsilon]`` so that their logarithms stay finite.

    >>> epsilon()
    1e-07
    """
    return losses.EPSILON


def floatx():
    """Keras's ``floatx()``: the default float type as a string, "float32" at start.

    It is autograd_core's ``get_default_dtype()``: the dtype new weights are made in, and
    Python numbers and lists become.

    >>> floatx()
    'float32'
    """
    return ag.get_default_dtype().name


def set_floatx(value):
    """Keras's ``set_floatx(value)``: set the default float type (``ag.set_default_dtype``).

    Layers made afterwards, Keras's and PyTorch's alike, make their weights in it, and
    Python numbers and lists become Values of it; layers that exist keep theirs
    (``model.to(dtype)`` converts them). float16 is not advised for training: gradients
    underflow.

    Args:
        value: "float16", "float32" or "float64" (or the numpy dtype).
    Raises:
        ValueError: for any other value (bfloat16 included: numpy has no such type).
    """
    name = value
    if not isinstance(value, str) and value is not None:  # np.dtype(None) is float64
        try:
            name = np.dtype(value).name
        except TypeError:
            pass
    if name not in _FLOATX:  # a string exactly, as Keras: "float" or "f4" is refused
        raise ValueError(f"set_floatx: unknown value {value!r}; expected one of "
                         f"{', '.join(_FLOATX)}")
    ag.set_default_dtype(np.dtype(name))
