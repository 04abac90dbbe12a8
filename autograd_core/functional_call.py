"""A module called as a function of its weights: ``functional_call(model, params, x)``
runs ``model(x)`` with ``params`` (a dict from names as in ``named_parameters()`` to
Values) in place of the model's own parameters for that one call; ``stack_module_state``
stacks the weights of several copies of a model along a new first axis. With ``grad`` and
``vmap`` they give PyTorch's per-sample gradients and model ensembles (``torch.func``).

Where the swap lives. autograd_core knows nothing of ``nn`` and ``nn`` uses only
autograd_core's public API, so the swap is written here against PyTorch's Module API
alone: ``named_parameters(remove_duplicate=False)``, ``named_buffers(...)``, attribute
getting and setting, and ``get_submodule`` for containers whose children are no attributes
("0" in a ModuleList). Any object with that API can be called functionally; ``nn.Module``
has it, and ``nn.utils.stateless.functional_call`` is this function under its older name.
A dotted name is followed part by part through attributes, items of list and dict
attributes (PyTorch has no such weights; our modules may hold ``self.Ws = [W1, W2]``), and
sub-modules. Every slot is found, and checked to hold the weight ``named_parameters``
names, before the first one is changed: a weight no attribute setting can reach (a
ParameterList's, which would wrap the Value in a new Parameter and cut its gradient) is
refused up front instead of silently ignored. The module's own weights go back in the
``finally`` of the call, so they return when the call raises.

>>> import autograd_core as ag
>>> class Scale:                      # any object with PyTorch's Module API
...     def __init__(self):
...         self.w = ag.Variable([2.0])
...     def named_parameters(self, remove_duplicate=True):
...         return [("w", self.w)]
...     def named_buffers(self, remove_duplicate=True):
...         return []
...     def __call__(self, x):
...         return self.w * x
>>> m = Scale()
>>> functional_call(m, {"w": ag.constant([5.0])}, ag.constant([3.0])).numpy().tolist()
[15.0]
>>> m.w.numpy().tolist()              # its own weight is back
[2.0]
"""

from __future__ import annotations

import numpy as np

from .value import Value, constant

__all__ = ["functional_call", "stack_module_state"]

_MISSING = object()  # a slot that holds nothing (an unexpected name's new attribute)


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``torch.func.functional_call``: ``module(*args, **kwargs)`` with the given Values in
    place of its parameters and buffers for this one call.

    Args:
        module: an ``nn.Module``, or any object with PyTorch's Module API.
        parameter_and_buffer_dicts: a dict {name: Value} with names as in
            ``named_parameters()`` and ``named_buffers()`` ("0.weight", "bn.running_mean"),
            or a tuple/list of such dicts with no name in two of them. A name not given
            keeps the module's own weight; a Value may be None (no bias, as in PyTorch).
        args: the positional arguments: one value, or a tuple of them.
        kwargs: the keyword arguments, a dict.
        tie_weights: a weight the module holds under several names (tied embeddings) is
            replaced under all of them when one name is given (PyTorch's default); giving
            different Values for two of its names is an error. False replaces only the
            names given.
        strict: raise unless the names given are exactly the module's.
    Returns:
        What ``module`` returns. Gradients flow into the given Values, not into the
        module's own weights, which are back in place afterwards (also after an error).
    """
    where = "functional_call"
    given = _one_dict(parameter_and_buffer_dicts, where)
    if kwargs is None:
        kwargs = {}
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    named = _all_names(module, where)
    if tie_weights:
        given = _untied(named, given)
    if strict:
        _check_keys(module, named, given, where)
    slots = [(name, *_slot(module, name, named, where), _as_value(value, name, where))
             for name, value in given.items()]
    swapped = []
    try:
        for name, owner, key, value in slots:
            swapped.append((owner, key, _read(owner, key)))
            _write(owner, key, value)
        return module(*args, **kwargs)
    finally:
        for owner, key, old in reversed(swapped):  # tied names may share a slot
            _write(owner, key, old)


def stack_module_state(models):
    """``torch.func.stack_module_state``: the parameters and buffers of models of one class
    stacked along a new first axis, for ``vmap(functional_call...)`` over an ensemble.

    Args:
        models: a list of modules of the same class, all in training or all in eval mode.
    Returns:
        (params, buffers): dicts {name: Value of shape (len(models),) + weight shape}.
        Stacked parameters are new leaves that require grad when the models' do, as
        PyTorch's (gradients reach them, not the models); buffers are constants.

    >>> import autograd_core as ag
    >>> class Bias:
    ...     def __init__(self, b):
    ...         self.b, self.training = ag.Variable(b), True
    ...     def named_parameters(self, remove_duplicate=True):
    ...         return [("b", self.b)]
    ...     def named_buffers(self, remove_duplicate=True):
    ...         return []
    >>> params, buffers = stack_module_state([Bias([1.0, 2.0]), Bias([3.0, 4.0])])
    >>> params["b"].shape, params["b"].requires_grad, buffers
    ((2, 2), True, {})
    """
    where = "stack_module_state"
    models = list(models)
    if not models:
        raise RuntimeError(f"{where}: Expected at least one model, got 0.")
    if len({bool(getattr(m, "training", True)) for m in models}) > 1:
        raise RuntimeError(f"{where}: Expected all models to have the same training/eval "
                           f"mode.")
    if len({type(m) for m in models}) > 1:
        raise RuntimeError(f"{where}: Expected all models to be of the same class, got "
                           f"{sorted({type(m).__name__ for m in models})}.")
    params = _stacked([dict(m.named_parameters()) for m in models], True, where)
    buffers = _stacked([dict(m.named_buffers()) for m in models], False, where)
    return params, buffers


def _stacked(dicts, leaves, where):
    stacked = {}
    for name in dicts[0]:
        weights = [d.get(name) for d in dicts]
        if any(w is None for w in weights):
            raise RuntimeError(f"{where}: {name!r} is missing (or None) in some models")
        shapes = {tuple(w.shape) for w in weights}
        if len(shapes) > 1:
            raise RuntimeError(f"{where}: {name!r} has shapes {sorted(shapes)} in different "
                               f"models; they must be equal to stack")
        grads = {bool(w.requires_grad) for w in weights}
        if len(grads) > 1:
            raise RuntimeError(f"{where}: Expected {name} from each model to have the same "
                               f".requires_grad")
        data = np.stack([np.asarray(w.data) for w in weights])
        stacked[name] = Value(data, requires_grad=leaves and grads == {True},
                              dtype=data.dtype)
    return stacked


# --- the names given, checked -----------------------------------------------------------

def _one_dict(dicts, where):
    """PyTorch's rule: a dict, or a tuple/list of dicts merged, no name in two of them."""
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (tuple, list)):
        raise ValueError(f"{where}: Expected parameter_and_buffer_dicts to be a dict, or a "
                         f"list/tuple of dicts, but got {type(dicts).__name__}")
    if not all(isinstance(d, dict) for d in dicts):
        raise ValueError(f"{where}: Expected all elements of parameter_and_buffer_dicts to "
                         f"be dictionaries, got {[type(d).__name__ for d in dicts]}")
    keys = [k for d in dicts for k in d]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"{where}: {repeated} appeared in multiple dictionaries; behavior "
                         f"of functional call is ambiguous")
    return {k: v for d in dicts for k, v in d.items()}


def _all_names(module, where):
    """{name: weight} for every name of every parameter and buffer, a weight held twice
    (tied) under each of its names."""
    if not (hasattr(module, "named_parameters") and hasattr(module, "named_buffers")):
        raise TypeError(f"{where}: module must have PyTorch's named_parameters and "
                        f"named_buffers, got {type(module).__name__}")
    return dict(list(module.named_parameters(remove_duplicate=False)) +
                list(module.named_buffers(remove_duplicate=False)))


def _untied(named, given):
    """``given`` with each tied weight's Value under all of the weight's names (PyTorch's
    ``_untie_named_tensors_map``)."""
    names_of = {}
    for name, weight in named.items():
        names_of.setdefault(id(weight), []).append(name)
    untied = dict(given)
    for name in given:
        if name not in named:
            continue
        tied = names_of[id(named[name])]
        values = {id(given[t]) for t in tied if t in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied)}, "
                             f"which are tied. Consider using tie_weights=False")
        untied.update((t, given[name]) for t in tied)
    return untied


def _check_keys(module, named, given, where):
    missing = sorted(set(named) - set(given))
    unexpected = sorted(set(given) - set(named))
    problems = []
    if unexpected:
        problems.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
    if missing:
        problems.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
    if problems:
        raise RuntimeError(f"{where}: Error(s) in reparametrizing for "
                           f"{type(module).__name__}:\n\t" + "\n\t".join(problems))


def _as_value(value, name, where):
    if value is None or isinstance(value, Value):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        return constant(value, dtype=value.dtype)
    raise TypeError(f"{where}: the value for {name!r} must be a Value, a numpy array or "
                    f"None, got {type(value).__name__}")


# --- slots: where a dotted name's weight is held ----------------------------------------

def _slot(module, name, named, where):
    """(owner, key) of ``name``: the object holding its last part, and that part. A known
    name's slot must hold the very weight ``named_parameters`` gives; an unexpected name
    needs an owner, and a slot holding a Value, None or nothing (PyTorch's rule)."""
    *path, key = name.split(".")
    owner = module
    for i, part in enumerate(path):
        found = _read(owner, part)
        if found is _MISSING and hasattr(owner, "get_submodule"):
            try:
                found = owner.get_submodule(part)
            except AttributeError:
                pass
        if found is _MISSING:
            raise AttributeError(f"{where}: {type(module).__name__} has no attribute "
                                 f"{'.'.join(path[:i + 1])!r} (the name {name!r})")
        owner = found
    held = _read(owner, key)
    if name in named:
        if held is not named[name]:
            raise TypeError(f"{where}: cannot swap {name!r}: {type(owner).__name__} holds it "
                            f"in no attribute, list or dict item {key!r} that setting can "
                            f"reach")
    elif held is not _MISSING and held is not None and not isinstance(held, Value):
        raise TypeError(f"{where}: attribute {name!r}: {type(held).__name__} {held!r:.60} "
                        f"is not a Value")
    if isinstance(owner, tuple):
        raise TypeError(f"{where}: cannot swap {name!r}: it is held in a tuple")
    if isinstance(owner, list) and held is _MISSING:
        raise AttributeError(f"{where}: {name!r} names no item of a list of "
                             f"{len(owner)}")
    return owner, key


def _read(owner, key):
    if isinstance(owner, dict):
        return owner.get(key, _MISSING)
    if isinstance(owner, (list, tuple)):
        return owner[int(key)] if key.isdigit() and int(key) < len(owner) else _MISSING
    return getattr(owner, key, _MISSING)


def _write(owner, key, value):
    if isinstance(owner, (dict, list)):
        key = key if isinstance(owner, dict) else int(key)
        if value is _MISSING:
            del owner[key]
        else:
            owner[key] = value
    elif value is _MISSING:
        delattr(owner, key)
    else:
        setattr(owner, key, value)
