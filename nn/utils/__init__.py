"""PyTorch's ``torch.nn.utils`` and Keras's ``keras.utils``: helpers around a model.

A package, as PyTorch's is, so that ``from nn.utils.rnn import pad_sequence`` and
``import nn.utils.parametrize as parametrize`` port by renaming.

Gradient clipping, PyTorch's way, runs between ``loss.backward()`` and ``opt.step()`` and
changes the gradients in place:

    clip_grad_norm_:   g_i <- g_i * min(max_norm / (||(g_1, ..., g_n)||_p + 1e-6), 1)
    clip_grad_value_:  g_i <- min(max(g_i, -clip_value), clip_value)   (elementwise)

The norm of several gradients is the p-norm of their p-norms, as if they were one long
vector. ``parameters_to_vector`` and ``vector_to_parameters`` flatten the weights into one
vector and back (for an optimizer that wants one vector, such as scipy's).

>>> import autograd_core as ag
>>> w = ag.Variable([3.0, 4.0])
>>> w.grad = w.numpy().copy()            # a gradient of norm 5
>>> clip_grad_norm_([w], max_norm=1.0).item()
5.0
>>> w.grad.round(4)
array([0.6, 0.8], dtype=float32)

From Keras: ``to_categorical`` (``nn.data``), ``clear_session`` (``nn.backend``),
``plot_model`` / ``model_to_dot`` (``nn.model_plot``), ``PyDataset``, the base of a
dataset of batches ``fit`` reads (``nn.data_adapter``), ``set_random_seed`` and
``pad_sequences`` (``nn.keras_utils``).
"""

import math
import types
import warnings

import numpy as np

import autograd_core as ag

from ..backend import clear_session
from ..data import to_categorical
from ..data_adapter import PyDataset
from ..keras_utils import pad_sequences, set_random_seed
from . import rnn  # PyTorch's torch.nn.utils.rnn: pad_sequence, pack_padded_sequence, ...
from . import stateless  # PyTorch's torch.nn.utils.stateless: functional_call
from . import parametrize  # PyTorch's torch.nn.utils.parametrize
from . import parametrizations  # weight_norm, spectral_norm
from .parametrizations import legacy_spectral_norm as spectral_norm  # PyTorch's older names
from .parametrizations import legacy_weight_norm as weight_norm
from .parametrizations import remove_spectral_norm, remove_weight_norm
from ..model_plot import model_to_dot, plot_model
from ..module import Module

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "to_categorical", "clear_session", "plot_model",
           "model_to_dot", "PyDataset", "rnn", "stateless", "parametrize",
           "parametrizations", "set_random_seed", "pad_sequences", "weight_norm",
           "spectral_norm", "remove_weight_norm", "remove_spectral_norm"]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients together so that their total norm is at most ``max_norm``.

    total = ||(||g_1||_p, ..., ||g_n||_p)||_p;   g_i <- g_i * min(max_norm / (total + 1e-6), 1)

    As ``torch.nn.utils.clip_grad_norm_``: parameters whose ``.grad`` is None are skipped,
    and every gradient is multiplied, by 1 when the norm is within bounds. A numpy array
    gradient is changed in place; one that cannot be (a 0-d parameter's numpy scalar, a
    Value from ``backward(create_graph=True)``) is replaced by its product with the
    factor, the factor a constant, so a later differentiation goes through the scaling.
    The factor is computed in the total norm's dtype and applied in each gradient's.

    Args:
        parameters: a Value, or an iterable of Values (``model.parameters()``).
        max_norm: the largest total norm allowed, a number >= 0 (``inf`` only measures).
            PyTorch takes a negative one too, which would flip every gradient: refused.
        norm_type: p, a number or ``inf`` (or the string "inf"); 2 by default.
        error_if_nonfinite: if True, a total norm that is NaN or infinite raises instead
            of scaling every gradient by 0 or NaN.
        foreach: PyTorch's choice of kernel: None, False or True, all alike here.
    Returns:
        The total norm before clipping, a 0-d constant Value in the gradients' dtype
        (the default dtype when there are none, 0.0).
    Raises:
        TypeError, ValueError: for an argument of the wrong kind, before any gradient
            changes. RuntimeError: for a non-finite norm under ``error_if_nonfinite``,
            before any gradient changes.
    """
    where = "clip_grad_norm_"
    _check_foreach(foreach, where)
    params = _parameters(parameters, where)
    max_norm = _non_negative(max_norm, "max_norm", where)
    norm_type = _norm_type(norm_type, where)
    grads = _grads(params, where)
    norms = [_vector_norm(g, norm_type, where, i) for i, g in grads]
    if not norms:
        return ag.constant(ag.get_default_dtype().type(0))
    total = _vector_norm(np.array(norms, np.result_type(*norms)), norm_type, where)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"{where}: the total norm of order {norm_type} of the gradients is "
                           f"{total}, so it cannot be clipped; pass error_if_nonfinite=False "
                           "to scale the gradients by it anyway")
    # No `if` on the factor: multiplying by 1 keeps the arithmetic PyTorch's, NaN included.
    factor = np.minimum(max_norm / (total + 1e-6), 1.0)
    for i, g in grads:
        factor_g = g.dtype.type(factor)  # PyTorch multiplies in the gradient's dtype
        if isinstance(g, np.ndarray):
            with np.errstate(invalid="ignore"):  # inf * 0 = NaN is meant, as PyTorch's
                g *= factor_g
        else:
            params[i].grad = g * factor_g
    return ag.constant(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clip every gradient element to ``[-clip_value, clip_value]``, in place.

    g <- min(max(g, -clip_value), clip_value)

    As ``torch.nn.utils.clip_grad_value_``: parameters whose ``.grad`` is None are
    skipped. A numpy array gradient is changed in place; one that cannot be (a numpy
    scalar, a Value from ``backward(create_graph=True)``) is replaced by its clipped copy,
    ``ag.clip`` for a Value.

    Args:
        parameters: a Value, or an iterable of Values.
        clip_value: a number >= 0. PyTorch takes a negative one too, which would set
            every element to it: refused.
        foreach: PyTorch's choice of kernel: None, False or True, all alike here.
    Returns:
        None.
    """
    where = "clip_grad_value_"
    _check_foreach(foreach, where)
    params = _parameters(parameters, where)
    clip_value = _non_negative(clip_value, "clip_value", where)
    for i, g in _grads(params, where):
        if isinstance(g, np.ndarray):
            np.clip(g, -clip_value, clip_value, out=g)
        elif isinstance(g, ag.Value):
            params[i].grad = ag.clip(g, -clip_value, clip_value)
        else:
            params[i].grad = g.dtype.type(np.clip(g, -clip_value, clip_value))


def parameters_to_vector(parameters):
    """All the parameters flattened into one vector, in order (PyTorch's function).

    Recorded like any op: the vector is a Value whose gradient reaches the parameters.

    Args:
        parameters: a Value, or an iterable of Values (``model.parameters()``).
    Returns:
        A 1-D Value of their total size, of their common dtype.
    """
    where = "parameters_to_vector"
    params = _parameters(parameters, where)
    if not params:
        raise ValueError(f"{where}: parameters is empty; there is nothing to flatten")
    return ag.concatenate([ag.reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (PyTorch's function).

    The inverse of ``parameters_to_vector``. Each parameter is overwritten in place with
    ``assign`` and keeps its dtype; PyTorch instead makes it share ``vec``'s memory and
    dtype. Not recorded.

    Args:
        vec: a 1-D Value or numpy array, exactly as long as the parameters' total size
            (PyTorch ignores extra elements; refused here, as a sign of the wrong model).
        parameters: a Value, or an iterable of Values, in ``parameters_to_vector``'s order.
    Raises:
        TypeError, ValueError: for a wrong vector, before any parameter changes.
    """
    where = "vector_to_parameters"
    if isinstance(vec, ag.Value):
        data = vec.data
    elif isinstance(vec, np.ndarray):
        data = vec
    else:
        raise TypeError(f"{where}: vec must be a Value or a numpy array, got "
                        f"{type(vec).__name__}")
    params = _parameters(parameters, where)
    if np.ndim(data) != 1:
        raise ValueError(f"{where}: vec must be 1-D, got shape {np.shape(data)}")
    if data.dtype.kind not in "fiub":
        raise TypeError(f"{where}: vec must hold real numbers, got dtype {data.dtype}")
    sizes = [int(p.size) for p in params]
    if len(data) != sum(sizes):
        raise ValueError(f"{where}: vec has {len(data)} elements, the {len(params)} "
                         f"parameters {sum(sizes)}")
    start = 0
    for p, size in zip(params, sizes):
        p.assign(data[start:start + size].reshape(p.shape).astype(p.dtype, copy=False))
        start += size


# --- checking the arguments --------------------------------------------------------------
def _parameters(parameters, where):
    """``parameters`` as a list of Values; one Value is a list of one, as in PyTorch."""
    if isinstance(parameters, ag.Value):
        return [parameters]
    if isinstance(parameters, Module):  # iterable for a Sequential, but of its layers
        raise TypeError(f"{where}: parameters must be Values; pass model.parameters(), not "
                        f"the {type(parameters).__name__} itself")
    is_generator = isinstance(parameters, types.GeneratorType)
    try:
        params = list(parameters)
    except TypeError:
        raise TypeError(f"{where}: parameters must be a Value or an iterable of Values, got "
                        f"{type(parameters).__name__}") from None
    for i, p in enumerate(params):
        if not isinstance(p, ag.Value):
            raise TypeError(f"{where}: parameters[{i}] must be a Value, got "
                            f"{type(p).__name__}")
    if is_generator and not params:
        # PyTorch's warning: a generator already used up elsewhere looks like no weights.
        warnings.warn(f"{where}: `parameters` is an empty generator, no gradient clipping "
                      "will occur.", stacklevel=3)
    return params


def _grads(params, where):
    """(index, grad) of each parameter that has a gradient, every one checked first."""
    found = []
    for i, p in enumerate(params):
        g = p.grad
        if g is None:
            continue
        if not isinstance(g, (np.ndarray, np.generic, ag.Value)):
            raise TypeError(f"{where}: parameters[{i}].grad must be a numpy array or a "
                            f"Value, got {type(g).__name__}")
        if g.dtype.kind != "f":
            raise TypeError(f"{where}: parameters[{i}].grad must be floats, got dtype "
                            f"{g.dtype}")
        found.append((i, g))
    return found


def _vector_norm(x, p, where, index=None):
    """||x||_p of every element of x, in x's dtype, as ``torch.linalg.vector_norm``."""
    x = np.ravel(x.data if isinstance(x, ag.Value) else x)
    # A max, a min or a 1/0 over no elements has no value; PyTorch refuses it too.
    if x.size == 0 and (p < 0 or p == math.inf):
        raise ValueError(f"{where}: parameters[{index}].grad is empty, and its norm of "
                         f"order {p} is undefined")
    with np.errstate(divide="ignore"):  # a negative p over zeros: 1/0 = inf, as PyTorch
        return np.linalg.norm(x, p)


def _norm_type(norm_type, where):
    if not isinstance(norm_type, (bool, np.bool_)):
        try:
            p = float(norm_type)  # the string "inf" too, as PyTorch's float(norm_type)
        except (TypeError, ValueError):
            p = math.nan
        if not math.isnan(p):
            return p
    raise ValueError(f"{where}: norm_type must be a number or 'inf', got {norm_type!r}")


def _non_negative(x, what, where):
    value = math.nan
    if np.ndim(x) == 0 and not isinstance(x, (bool, np.bool_, str, bytes)):
        try:
            value = float(x)
        except (TypeError, ValueError):
            pass
    if not value >= 0:  # NaN fails this too
        raise ValueError(f"{where}: {what} must be a number >= 0, got {x!r}")
    return value


def _check_foreach(foreach, where):
    if foreach is not None and foreach is not True and foreach is not False:
        raise TypeError(f"{where}: foreach must be None, True or False, got {foreach!r}")
