"""PyTorch's ``torch.nn.utils.parametrize``: a weight computed from an unconstrained one.

``register_parametrization(layer, "weight", Symmetric())`` keeps the layer's weight as
``layer.parametrizations.weight.original`` and makes ``layer.weight`` a property computing
``Symmetric()(original)`` at each read, so the layer, the optimizer and ``backward`` see a
symmetric weight while the optimizer updates ``original``, without constraint::

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    layer = nn.Linear(3, 3)
    parametrize.register_parametrization(layer, "weight", Symmetric())
    A = layer.weight                      # symmetric, recomputed from original

As in PyTorch:
- The layer's class becomes a subclass, ``ParametrizedLinear``, holding the property (a
  property lives on a class, and other Linear layers must keep their plain weight).
- Several parametrizations of one tensor apply in the order registered.
- A parametrization's ``right_inverse(value)``, if it has one, maps a wanted weight to an
  original: it runs at registration (so the weight keeps its value where it can) and on
  ``layer.weight = value``. It may return a tuple, and then the originals are
  ``original0``, ``original1``, ... (weight norm keeps its g and v so).
- ``with parametrize.cached():`` computes each parametrized tensor once in the block (per
  thread here).
- ``remove_parametrizations(layer, "weight")`` gives the layer back a plain weight.
"""

from __future__ import annotations

import contextlib
import threading

import autograd_core as ag

from ..module import Module
from ..torch_containers import ModuleDict, ModuleList

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized",
           "cached", "type_before_parametrizations", "ParametrizationList"]


class _Cache(threading.local):
    depth = 0
    values = None


_cache = _Cache()


@contextlib.contextmanager
def cached():
    """Within the block, each parametrized tensor is computed once and reused (a weight
    read at every step of a recurrent layer, say). Per thread."""
    if _cache.depth == 0:
        _cache.values = {}
    _cache.depth += 1
    try:
        yield
    finally:
        _cache.depth -= 1
        if _cache.depth == 0:
            _cache.values = None


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, with the original(s) they
    start from: ``original`` (a Parameter, or a buffer), or ``original0``, ``original1``,
    ... when the first ``right_inverse`` returns a tuple."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        self._originals = []
        with ag.no_grad():
            new = original
            for module in reversed(list(self)):
                new = _right_inverse(module, new)
        if isinstance(new, ag.Value) or not isinstance(new, (tuple, list)):
            _check_same(new, original, "register_parametrization: right_inverse", unsafe)
            original.assign(_data(new))  # the same object: an optimizer made before still sees it
            self._keep("original", original)
        else:
            for i, value in enumerate(new):
                kept = ag.Variable(_data(value), trainable=original.trainable,
                                   name=f"original{i}")
                self._keep(f"original{i}", kept)

    def _keep(self, name, variable):
        object.__setattr__(self, name, variable)
        self._originals.append(name)

    @property
    def is_tensor(self):
        return self._originals == ["original"]

    def _members(self):
        for name in self._originals:
            yield name, getattr(self, name)
        yield from super()._members()

    def right_inverse(self, value):
        """Set the original(s) so that the parametrized tensor becomes ``value`` (as far as
        the parametrizations' right inverses allow): what ``layer.weight = value`` does."""
        with ag.no_grad():
            for module in reversed(list(self)):
                value = _right_inverse(module, value)
            if self.is_tensor:
                _check_same(value, self.original, "right_inverse", self.unsafe)
                self.original.assign(_data(value))
            else:
                values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
                if len(values) != len(self._originals):
                    raise ValueError(f"right_inverse: got {len(values)} tensors for "
                                     f"{len(self._originals)} originals")
                for name, v in zip(self._originals, values):
                    getattr(self, name).assign(_data(v))

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, name) for name in self._originals))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _right_inverse(module, value):
    inverse = getattr(module, "right_inverse", None)
    return value if inverse is None else inverse(value)


def _data(value):
    return value.data if isinstance(value, ag.Value) else value


def _check_same(new, original, where, unsafe):
    if unsafe:
        return
    shape, dtype = tuple(getattr(new, "shape", ())), getattr(new, "dtype", None)
    if shape != tuple(original.shape) or dtype != original.dtype:
        raise ValueError(f"{where} must keep the tensor's shape and dtype (unless "
                         f"unsafe=True): it has shape {tuple(original.shape)} and dtype "
                         f"{original.dtype}, but got shape {shape} and dtype {dtype}")


def is_parametrized(module, tensor_name=None):
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given)."""
    parametrizations = module.__dict__.get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else \
        tensor_name in parametrizations


def type_before_parametrizations(module):
    """The module's class before any parametrization was registered on it."""
    cls = type(module)
    return cls.__dict__.get("_class_before_parametrizations", cls)


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make ``module.<tensor_name>`` the output of ``parametrization`` (a Module) applied
    to the tensor it replaces (or to the previous parametrizations' output). Returns the
    module. With ``unsafe=False`` the parametrization must keep the shape and dtype."""
    where = "register_parametrization"
    if not isinstance(parametrization, Module):
        raise TypeError(f"{where}: the parametrization must be an nn.Module, got "
                        f"{type(parametrization).__name__}")
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_same(parametrization(current), current, f"{where}: the parametrization",
                        False)
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
        return module
    original = module.__dict__.get(tensor_name)
    if not isinstance(original, ag.Variable):
        raise ValueError(f"{where}: module {type(module).__name__} has no parameter, buffer "
                         f"or parametrized tensor named {tensor_name!r}")
    if not unsafe:
        with ag.no_grad():
            _check_same(parametrization(original), original, f"{where}: the parametrization",
                        False)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    # Nothing has changed yet; from here on the module is changed.
    buffers = module.__dict__.get("_buffers") or {}
    persistent = buffers.pop(tensor_name, None)
    if persistent is not None:
        plist.__dict__.setdefault("_buffers", {})["original"] = persistent
    del module.__dict__[tensor_name]
    if not is_parametrized(module):
        module.__class__ = _parametrized_class(type(module))
        object.__setattr__(module, "parametrizations", ModuleDict())
    _add_property(module, tensor_name)
    module.parametrizations[tensor_name] = plist
    return module


def _parametrized_class(cls):
    """``Parametrized<cls>``, a subclass that will hold the properties of this module.

    Its forward computes each parametrized tensor once per call (``cached``): this
    library's layers read a weight more than once in forward (its dtype, then the
    weight), where PyTorch's read it once; so spectral norm's power iteration takes one
    step per forward, as in PyTorch, and the graph holds one copy of the weight."""
    def forward(self, *args, **kwargs):
        with cached():
            return cls.forward(self, *args, **kwargs)
    return type(f"Parametrized{cls.__name__}", (cls,), {
        "_class_before_parametrizations": cls, "forward": forward,
        "__doc__": f"{cls.__name__} with parametrized tensors (see nn.utils.parametrize)."})


def _add_property(module, name):
    def get(self):
        plist = self.parametrizations[name]
        if _cache.depth:
            key = (id(plist), name)
            if key not in _cache.values:
                _cache.values[key] = plist()
            return _cache.values[key]
        return plist()

    def set_(self, value):
        self.parametrizations[name].right_inverse(value)
    setattr(type(module), name, property(get, set_))


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Take the parametrizations of ``tensor_name`` away: the module gets a plain tensor
    back, holding the parametrized value (``leave_parametrized``) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"remove_parametrizations: module {type(module).__name__} has no "
                         f"parametrization on {tensor_name!r}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with ag.no_grad():
                value = getattr(module, tensor_name)
            if not plist.unsafe or tuple(value.shape) == tuple(original.shape):
                original.assign(_data(value))
            else:
                original = ag.Variable(_data(value), trainable=original.trainable)
    else:
        if not leave_parametrized:
            raise ValueError("remove_parametrizations: leave_parametrized=False cannot be "
                             "used for a tensor parametrized by several originals")
        with ag.no_grad():
            value = getattr(module, tensor_name)
        first = getattr(plist, plist._originals[0])
        original = ag.Variable(_data(value), trainable=first.trainable)
    persistent = (plist.__dict__.get("_buffers") or {}).get("original")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    if persistent is not None:
        module.__dict__.setdefault("_buffers", {})[tensor_name] = persistent
    object.__setattr__(module, tensor_name, original)
    if not is_parametrized(module):
        del module.__dict__["parametrizations"]
        module.__class__ = type(module).__dict__["_class_before_parametrizations"]
    return module
