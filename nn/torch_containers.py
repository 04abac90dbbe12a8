"""PyTorch's containers: ``ModuleList`` and ``ModuleDict``, a list and a dict of modules
that the model sees, and ``ParameterList`` and ``ParameterDict``, of parameters.

A Module finds its sub-modules among its attributes (``Module._members``), lists and
dicts of them included. These containers are Modules themselves, so they give their
modules PyTorch's names: the position ("blocks.0.weight") or the key ("heads.cls.bias").
Everything that walks a model (``parameters()``, ``named_parameters()``,
``state_dict()``, ``train()``/``eval()``, ``save_weights``) goes through them. Neither
has a ``forward``: the model around them says in which order to call what they hold.

>>> import nn
>>> class Net(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
...         self.heads = nn.ModuleDict({"cls": nn.Linear(4, 3)})
...     def forward(self, x):
...         for block in self.blocks:
...             x = block(x)
...         return self.heads["cls"](x)
>>> [name for name in Net().state_dict() if name.endswith("weight")]
['blocks.0.weight', 'blocks.1.weight', 'heads.cls.weight']
"""

import operator
from collections.abc import Iterable, Mapping

import numpy as np

import autograd_core as ag

from .module import Module
from .torch_layers import Parameter

__all__ = ["ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _module(module, where):
    if not isinstance(module, Module):
        raise TypeError(f"{where}: {type(module).__name__} {module!r:.80} is not a Module")
    return module


class ModuleList(Module):
    """A list of modules, named by position: ``ModuleList([a, b])`` holds "0" and "1".

    Args (PyTorch's): modules=None, an iterable of Modules.

    Indexing (negative, and slices, which give a new ModuleList of the same modules),
    ``len``, iteration, ``in``, ``append``, ``extend``, ``insert``, ``pop``, ``+`` and
    ``+=``, ``del`` and assignment to a position, as PyTorch's. A deletion or an insertion
    renumbers the modules after it, so their parameters' names change, as in PyTorch.
    """

    def __init__(self, modules=None, name=None):
        super().__init__(name)
        self._modules = []
        if modules is not None:
            self.extend(modules)

    def _members(self):
        return ((str(i), m) for i, m in enumerate(self._modules))

    def _index(self, index):
        """``index`` as a position in range, negative counted from the end."""
        index = operator.index(index)
        if not -len(self._modules) <= index < len(self._modules):
            raise IndexError(f"ModuleList {self.name!r}: index {index} is out of range (length "
                             f"{len(self._modules)})")
        return index % len(self._modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(self._modules[index])
        return self._modules[self._index(index)]

    def __setitem__(self, index, module):
        i = self._index(index)
        self._modules[i] = _module(module, f"ModuleList {self.name!r}")

    def __delitem__(self, index):
        if isinstance(index, slice):
            del self._modules[index]
        else:
            del self._modules[self._index(index)]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules))

    def __contains__(self, module):
        return any(m is module for m in self._modules)

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        combined = ModuleList(self._modules)
        return combined.extend(other)

    def append(self, module):
        """Add ``module`` at the end. Returns the list."""
        self._modules.append(_module(module, f"ModuleList {self.name!r}.append"))
        return self

    def extend(self, modules):
        """Add every module of ``modules`` at the end, all checked first. Returns the list."""
        where = f"ModuleList {self.name!r}.extend"
        if not isinstance(modules, Iterable) or isinstance(modules, Mapping):
            raise TypeError(f"{where}: expected an iterable of Modules, got "
                            f"{type(modules).__name__}")
        modules = [_module(m, f"{where}: item {i}") for i, m in enumerate(modules)]
        self._modules.extend(modules)
        return self

    def insert(self, index, module):
        """Put ``module`` before position ``index`` (as ``list.insert``)."""
        index = operator.index(index)
        self._modules.insert(index, _module(module, f"ModuleList {self.name!r}.insert"))

    def pop(self, key):
        """Remove the module at position ``key`` (or the modules of a slice) and return it."""
        found = self[key]
        del self[key]
        return found


class _KeyedDict(Module):
    """A dict of members named by key, kept in the Module's store ``_store`` (its
    ``_modules`` or ``_parameters``), so that PyTorch's walks over modules and parameters
    see them: ``ModuleDict`` and ``ParameterDict``. A subclass names its kind, its store,
    its member, and ``_checked(value, where)``, which returns the member to keep for
    ``value`` or raises."""

    _kind = _store = _member = ""
    _not_pairs = (str, bytes)   # iterables that are not a sequence of (key, member) pairs

    def __init__(self, members=None, name=None):
        super().__init__(name)
        setattr(self, self._store, {})
        if members is not None:
            self.update(members)

    @property
    def _dict(self):
        return getattr(self, self._store)

    def _members(self):
        return iter(list(self._dict.items()))

    def _key(self, key):
        where = f"{self._kind} {self.name!r}"
        if not isinstance(key, str):
            raise TypeError(f"{where}: keys must be strings, got {type(key).__name__} {key!r}")
        if not key or "." in key:
            raise KeyError(f"{where}: a key must be a non-empty string without '.', got "
                           f"{key!r}")
        if key not in self._dict and hasattr(self, key):
            raise KeyError(f"{where}: {key!r} is already an attribute of the {self._kind}")
        return key

    def __getitem__(self, key):
        return self._dict[key]

    def __setitem__(self, key, value):
        self._dict[self._key(key)] = self._checked(value, f"{self._kind} {self.name!r}[{key!r}]")

    def __delitem__(self, key):
        del self._dict[key]

    def __getattr__(self, attr):
        # PyTorch's d.conv for the key "conv" (only called when the usual lookup fails)
        members = self.__dict__.get(type(self)._store, {})
        if attr in members:
            return members[attr]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __len__(self):
        return len(self._dict)

    def __iter__(self):
        return iter(list(self._dict))

    def __contains__(self, key):
        return key in self._dict

    def keys(self):
        return self._dict.keys()

    def items(self):
        return self._dict.items()

    def values(self):
        return self._dict.values()

    def clear(self):
        """Remove every member."""
        self._dict.clear()

    def pop(self, key):
        """Remove the member under ``key`` and return it."""
        return self._dict.pop(key)

    def update(self, members):
        """Add (or replace) the members of a mapping, or of an iterable of (key, member)
        pairs, in their order; every pair is checked before the first is added."""
        where = f"{self._kind} {self.name!r}.update"
        what = f"(key, {self._member})"
        if isinstance(members, Mapping) or isinstance(members, _KeyedDict) and \
                members._kind == self._kind:
            pairs = list(members.items())
        elif isinstance(members, Iterable) and not isinstance(members, self._not_pairs):
            pairs = []
            for j, pair in enumerate(members):
                if not isinstance(pair, Iterable) or isinstance(pair, (str, bytes)):
                    raise TypeError(f"{where}: element #{j} should be a {what} pair, "
                                    f"got {type(pair).__name__}")
                pair = tuple(pair)
                if len(pair) != 2:
                    raise ValueError(f"{where}: element #{j} has length {len(pair)}; 2 is "
                                     "required")
                pairs.append(pair)
        else:
            raise TypeError(f"{where}: expected a mapping or an iterable of {what} pairs, "
                            f"got {type(members).__name__}")
        checked = [(self._key(key), self._checked(value, f"{where}: {key!r}"))
                   for key, value in pairs]
        self._dict.update(checked)  # a repeated key: the last wins, as in PyTorch


class ModuleDict(_KeyedDict):
    """A dict of modules, named by key: ``ModuleDict({"conv": a})`` holds "conv".

    Args (PyTorch's): modules=None, a mapping of name -> Module, or an iterable of
    (name, Module) pairs.

    Insertion order is kept. ``d[key]``, ``d[key] = module`` (replacing keeps the place),
    ``del d[key]``, ``len``, iteration over the keys, ``in``, ``keys``, ``items``,
    ``values``, ``update``, ``pop``, ``clear``, and ``d.key`` as PyTorch's. A key is a
    non-empty string without "." (it becomes part of the parameters' names), and not the
    name of an attribute of the dict (``train``, ``keys``...), which PyTorch refuses too.
    """

    _kind, _store, _member = "ModuleDict", "_modules", "Module"

    def __init__(self, modules=None, name=None):
        super().__init__(modules, name)

    @staticmethod
    def _checked(module, where):
        return _module(module, where)


# --- parameters ------------------------------------------------------------------------

def _parameter(value, where):
    """A Variable (a Parameter) as it is; a Value or an array becomes a Parameter (one
    that requires grad), as PyTorch wraps a tensor; anything else is refused."""
    if isinstance(value, ag.Variable):
        return value
    if isinstance(value, (ag.Value, np.ndarray)):
        return Parameter(value)
    raise TypeError(f"{where}: expected a Parameter (or a Value or numpy array to wrap in "
                    f"one), got {type(value).__name__}")


def _parameter_line(key, p):
    return f"  ({key}): Parameter containing: [{p.dtype} of shape {p.shape}]"


class ParameterList(Module):
    """A list of parameters, named by position: ``ParameterList([a, b])`` holds "0" and
    "1", so ``parameters()``, ``state_dict()`` ("params.0"), ``to()`` and optimizers see
    them.

    Args (PyTorch's): values=None, an iterable of Parameters; a Value or a numpy array is
    wrapped in a new Parameter, as PyTorch wraps a tensor.

    Indexing (negative, and slices, which give a new ParameterList of the same
    parameters), assignment to a position, ``len``, iteration, ``append``, ``extend`` and
    ``+=``, as PyTorch's.

    PyTorch's example:

    >>> import numpy as np, autograd_core as ag, nn
    >>> class MyModule(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.params = nn.ParameterList(
    ...             [nn.Parameter(ag.random.randn(10, 10)) for i in range(10)])
    ...     def forward(self, x):
    ...         for i, p in enumerate(self.params):
    ...             x = self.params[i // 2].mm(x) + p.mm(x)
    ...         return x
    >>> MyModule()(np.ones((10, 1))).shape, len(MyModule().parameters())
    ((10, 1), 10)
    """

    def __init__(self, values=None, name=None):
        super().__init__(name)
        self._parameters = []
        if values is not None:
            self.extend(values)

    def _members(self):
        return ((str(i), p) for i, p in enumerate(self._parameters))

    def _index(self, index):
        index = operator.index(index)
        if not -len(self._parameters) <= index < len(self._parameters):
            raise IndexError(f"ParameterList {self.name!r}: index {index} is out of range "
                             f"(length {len(self._parameters)})")
        return index % len(self._parameters)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(self._parameters[index])
        return self._parameters[self._index(index)]

    def __setitem__(self, index, value):
        i = self._index(index)
        self._parameters[i] = _parameter(value, f"ParameterList {self.name!r}[{index}]")

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(list(self._parameters))

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        """Add ``value`` at the end. Returns the list."""
        self._parameters.append(_parameter(value, f"ParameterList {self.name!r}.append"))
        return self

    def extend(self, values):
        """Add every value of ``values`` at the end, all checked first. Returns the list."""
        where = f"ParameterList {self.name!r}.extend"
        if not isinstance(values, Iterable) or isinstance(values, (Mapping, str, bytes)) \
                or isinstance(values, (ag.Value, np.ndarray)):
            raise TypeError(f"{where}: expected an iterable of Parameters, got "
                            f"{type(values).__name__}")
        values = [_parameter(v, f"{where}: item {i}") for i, v in enumerate(values)]
        self._parameters.extend(values)
        return self

    def __repr__(self):
        lines = [_parameter_line(i, p) for i, p in enumerate(self._parameters)]
        return "ParameterList(" + ("\n" + "\n".join(lines) + "\n" if lines else "") + ")"


class ParameterDict(_KeyedDict):
    """A dict of parameters, named by key: ``ParameterDict({"left": a})`` holds "left", so
    ``parameters()``, ``state_dict()`` ("params.left"), ``to()`` and optimizers see it.

    Args (PyTorch's): parameters=None, a mapping of key -> Parameter or an iterable of
    (key, Parameter) pairs; a Value or a numpy array is wrapped in a new Parameter.

    Insertion order is kept. ``d[key]``, ``d[key] = p``, ``del d[key]``, ``len``,
    iteration over the keys, ``in``, ``keys``, ``items``, ``values``, ``get``,
    ``update``, ``pop``, ``setdefault``, ``clear`` and ``d.key``, as PyTorch's. A key is a
    non-empty string without "." and not an attribute of the dict (``ModuleDict``'s
    rule). PyTorch also keeps objects that are not tensors as they are; here they are
    refused.

    PyTorch's example:

    >>> import numpy as np, autograd_core as ag, nn
    >>> class MyModule(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.params = nn.ParameterDict({
    ...             "left": nn.Parameter(ag.random.randn(5, 10)),
    ...             "right": nn.Parameter(ag.random.randn(5, 10))})
    ...     def forward(self, x, choice):
    ...         return self.params[choice].mm(x)
    >>> m = MyModule()
    >>> m(np.ones((10, 1)), "right").shape, list(m.state_dict())
    ((5, 1), ['params.left', 'params.right'])
    """

    _kind, _store, _member = "ParameterDict", "_parameters", "Parameter"
    _not_pairs = (str, bytes, ag.Value, np.ndarray)

    def __init__(self, parameters=None, name=None):
        super().__init__(parameters, name)

    @staticmethod
    def _checked(value, where):
        return _parameter(value, where)

    def get(self, key, default=None):
        return self._parameters.get(key, default)

    def setdefault(self, key, default=None):
        """The parameter under ``key``; if there is none, ``default`` put there first."""
        if key not in self._parameters:
            self[key] = default
        return self._parameters[key]

    def __repr__(self):
        lines = [_parameter_line(k, p) for k, p in self._parameters.items()]
        return "ParameterDict(" + ("\n" + "\n".join(lines) + "\n" if lines else "") + ")"
