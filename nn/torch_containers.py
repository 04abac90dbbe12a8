"""PyTorch's containers: ``ModuleList`` and ``ModuleDict``, a list and a dict of modules
that the model sees.

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

from .module import Module

__all__ = ["ModuleList", "ModuleDict"]


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


class ModuleDict(Module):
    """A dict of modules, named by key: ``ModuleDict({"conv": a})`` holds "conv".

    Args (PyTorch's): modules=None, a mapping of name -> Module, or an iterable of
    (name, Module) pairs.

    Insertion order is kept. ``d[key]``, ``d[key] = module`` (replacing keeps the place),
    ``del d[key]``, ``len``, iteration over the keys, ``in``, ``keys``, ``items``,
    ``values``, ``update``, ``pop``, ``clear``, and ``d.key`` as PyTorch's. A key is a
    non-empty string without "." (it becomes part of the parameters' names), and not the
    name of an attribute of the dict (``train``, ``keys``...), which PyTorch refuses too.
    """

    def __init__(self, modules=None, name=None):
        super().__init__(name)
        self._modules = {}
        if modules is not None:
            self.update(modules)

    def _members(self):
        return iter(list(self._modules.items()))

    def _key(self, key):
        where = f"ModuleDict {self.name!r}"
        if not isinstance(key, str):
            raise TypeError(f"{where}: keys must be strings, got {type(key).__name__} {key!r}")
        if not key or "." in key:
            raise KeyError(f"{where}: a key must be a non-empty string without '.', got "
                           f"{key!r}")
        if key not in self._modules and hasattr(self, key):
            raise KeyError(f"{where}: {key!r} is already an attribute of the ModuleDict")
        return key

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self._modules[self._key(key)] = _module(module, f"ModuleDict {self.name!r}[{key!r}]")

    def __delitem__(self, key):
        del self._modules[key]

    def __getattr__(self, attr):
        # PyTorch's d.conv for the key "conv" (only called when the usual lookup fails)
        modules = self.__dict__.get("_modules", {})
        if attr in modules:
            return modules[attr]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules))

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def clear(self):
        """Remove every module."""
        self._modules.clear()

    def pop(self, key):
        """Remove the module under ``key`` and return it."""
        return self._modules.pop(key)

    def update(self, modules):
        """Add (or replace) the modules of a mapping, or of an iterable of (key, Module)
        pairs, in their order; every pair is checked before the first is added."""
        where = f"ModuleDict {self.name!r}.update"
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = list(modules.items())
        elif isinstance(modules, Iterable) and not isinstance(modules, (str, bytes)):
            pairs = []
            for j, pair in enumerate(modules):
                if not isinstance(pair, Iterable) or isinstance(pair, (str, bytes)):
                    raise TypeError(f"{where}: element #{j} should be a (key, Module) pair, "
                                    f"got {type(pair).__name__}")
                pair = tuple(pair)
                if len(pair) != 2:
                    raise ValueError(f"{where}: element #{j} has length {len(pair)}; 2 is "
                                     "required")
                pairs.append(pair)
        else:
            raise TypeError(f"{where}: expected a mapping or an iterable of (key, Module) "
                            f"pairs, got {type(modules).__name__}")
        for key, module in pairs:
            self._key(key)
            _module(module, f"{where}: {key!r}")
        self._modules.update(pairs)  # a repeated key: the last wins, as in PyTorch
