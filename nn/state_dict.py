"""PyTorch's ``state_dict``: every Variable of a model as a name -> array map.

The names are ``Module.named_parameters()``'s (and ``named_buffers()``'s: a buffer
registered with ``persistent=False`` is left out, as in PyTorch), so a PyTorch-named model
has PyTorch's keys (``"0.weight"``, ``"fc1.bias"``) and a Keras-named one ours (``"0.W"``).
Loading is all or nothing: every key, shape and dtype is checked before the first Variable
changes, so a state_dict that does not fit leaves the model as it was.

>>> import nn
>>> model = nn.Sequential([nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1)])
>>> list(model.state_dict())
['0.weight', '0.bias', '2.weight', '2.bias']
"""

from collections import OrderedDict, namedtuple

import numpy as np

import autograd_core as ag

__all__ = ["state_dict", "load_state_dict", "IncompatibleKeys"]

# What load_state_dict returns, as PyTorch's ``_IncompatibleKeys``.
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def state_dict(module):
    """An OrderedDict of copies of every parameter's and persistent buffer's value.

    Copies (numpy arrays), not views: PyTorch's tensors share storage with the model,
    but an array here that later changed under its reader would surprise more than help.
    """
    return OrderedDict((name, np.array(v.data)) for name, v in _named_state(module))


def _named_state(module):
    """What a state_dict holds: the parameters and the persistent buffers, PyTorch's. A
    weight shared by two layers (tied embeddings) is held under each of its names, as in
    PyTorch, so PyTorch's state dict of a tied model loads, and ours loads into PyTorch."""
    return module._named_variables(("parameter", "persistent"), remove_duplicate=False)


def _renamed(module, state, params):
    """``state`` with PyTorch's names of a layer's weights put in for ours where a layer
    declares them (``_state_aliases``: Embedding's table is Keras's ``embeddings`` here and
    ``weight`` in PyTorch), so a PyTorch state dict loads; a key we know stays as it is."""
    aliases = {}
    for prefix, m in module.named_modules():
        for theirs, ours in getattr(m, "_state_aliases", {}).items():
            dot = f"{prefix}." if prefix else ""
            aliases[dot + theirs] = dot + ours
    if not aliases or all(key in params or key not in aliases for key in state.keys()):
        return state
    renamed, given_as = {}, {}
    for key in state.keys():
        name = aliases.get(key, key) if key not in params else key
        if name in renamed:
            raise ValueError(f"load_state_dict: the state_dict has both {given_as[name]!r} "
                             f"and {key!r}, one weight under two names")
        renamed[name], given_as[name] = state[key], key
    return renamed


def _as_array(value):
    """A state_dict entry as a numpy array: numpy data, a Value, or anything with
    ``.detach().cpu().numpy()`` (a PyTorch tensor) or ``.numpy()``."""
    if isinstance(value, ag.Value):
        return value.numpy()
    if hasattr(value, "detach"):  # a torch.Tensor, read without importing torch
        value = value.detach()
        value = value.cpu() if hasattr(value, "cpu") else value
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    return np.asarray(value)


def load_state_dict(module, state, strict=True):
    """Copy ``state`` (name -> array) into the module's Variables; nothing changes on error.

    Args:
        state: a mapping such as ``state_dict()``'s (a PyTorch state_dict of tensors too).
        strict: as PyTorch: every Variable must get a value and every key must name one.
            With False, missing and unexpected keys are skipped (and returned); shapes
            must still match.
    Returns:
        IncompatibleKeys(missing_keys, unexpected_keys), lists of names.
    Raises:
        TypeError: ``state`` is not a mapping, or a value is not an array of real numbers.
        RuntimeError: (as PyTorch) missing or unexpected keys with ``strict``, or shapes
            that differ; the message lists every problem.
    """
    where = f"load_state_dict: {type(module).__name__} {module.name!r}"
    if not hasattr(state, "keys") or not hasattr(state, "__getitem__"):
        raise TypeError(f"{where}: expected a mapping of name -> array (a state_dict), got "
                        f"{type(state).__name__}")
    params = dict(_named_state(module))
    state = _renamed(module, state, params)
    missing = [name for name in params if name not in state]
    unexpected = [str(key) for key in state.keys() if key not in params]
    arrays, problems = {}, []
    if strict and missing:
        problems.append("missing keys: " + ", ".join(missing))
    if strict and unexpected:
        problems.append("unexpected keys: " + ", ".join(unexpected))
    for name, v in params.items():
        if name not in state:
            continue
        array = _as_array(state[name])
        if array.dtype.kind not in "fiub":
            raise TypeError(f"{where}: {name!r} has dtype {array.dtype}, not real numbers")
        if array.shape != v.shape:
            problems.append(f"size mismatch for {name}: the model has shape {v.shape}, the "
                            f"state_dict {array.shape}")
        arrays[name] = array
    if problems:
        raise RuntimeError(f"{where}: error(s) in loading the state_dict (nothing was "
                           "changed): " + "; ".join(problems))
    for name, array in arrays.items():
        params[name].assign(array.astype(params[name].dtype, copy=False))
    return IncompatibleKeys(missing, unexpected)
