"""JAX's ``jax.tree_util`` (and ``jax.tree``): functions over nests of lists, tuples and
dicts, such as a network's parameters, so JAX code that updates its parameters with
``tree_map(lambda p, g: p - lr * g, params, grads)`` ports by renaming.

The rules are JAX's: lists, tuples, namedtuples and dicts are nodes and everything else is
a leaf (a Value, an array, a number, a subclass of list), ``None`` is a node with no
children (no leaf), and a dict's children are taken in sorted key order. ``is_leaf`` stops
the descent where it returns True.

>>> from autograd_core import tree_util
>>> tree_util.tree_map(lambda p, g: p - 0.1 * g, {"w": 1.0, "b": [2.0]}, {"w": 10.0, "b": [5.0]})
{'b': [1.5], 'w': 0.0}
"""

from __future__ import annotations

import functools
from types import ModuleType

__all__ = ["PyTreeDef", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_structure",
           "tree_map", "tree_reduce", "tree_all"]


class PyTreeDef:
    """The shape of a nest without its leaves: ``tree_unflatten(treedef, leaves)`` puts
    leaves back in it. Two nests of the same shape have equal treedefs."""

    __slots__ = ("kind", "meta", "children")

    def __init__(self, kind, meta, children):
        self.kind, self.meta, self.children = kind, meta, tuple(children)

    @property
    def num_leaves(self):
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    @property
    def num_nodes(self):
        return 1 + sum(c.num_nodes for c in self.children)

    def unflatten(self, leaves):
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"tree_unflatten: the structure has {self.num_leaves} leaves, "
                             f"got {len(leaves)}")
        return self._build(iter(leaves))

    def _build(self, leaves):
        if self.kind == "leaf":
            return next(leaves)
        if self.kind == "none":
            return None
        parts = [c._build(leaves) for c in self.children]
        if self.kind == "dict":
            return dict(zip(self.meta, parts))
        if self.kind == "namedtuple":
            return self.meta(*parts)
        return self.meta(parts)  # list or tuple

    def _key(self):
        return (self.kind, self.meta, tuple(c._key() for c in self.children))

    def __eq__(self, other):
        return isinstance(other, PyTreeDef) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return f"PyTreeDef({self._text()})"

    def _text(self):
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = [c._text() for c in self.children]
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {t}" for k, t in zip(self.meta, inner)) + "}"
        if self.kind == "list":
            return "[" + ", ".join(inner) + "]"
        if self.kind == "namedtuple":
            return f"{self.meta.__name__}(" + ", ".join(inner) + ")"
        return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"


def _structure(tree, is_leaf, leaves):
    if is_leaf is not None and is_leaf(tree):
        leaves.append(tree)
        return PyTreeDef("leaf", None, ())
    if tree is None:
        return PyTreeDef("none", None, ())
    if isinstance(tree, dict):
        try:
            keys = tuple(sorted(tree))
        except TypeError:
            raise TypeError("tree_flatten: a dict's keys must be sortable (JAX takes a dict's "
                            f"children in sorted key order), got {list(tree)!r:.200}") from None
        return PyTreeDef("dict", keys, [_structure(tree[k], is_leaf, leaves) for k in keys])
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return PyTreeDef("namedtuple", type(tree), [_structure(t, is_leaf, leaves) for t in tree])
    if type(tree) in (list, tuple):  # as JAX: other subclasses are leaves
        return PyTreeDef(type(tree).__name__, type(tree),
                         [_structure(t, is_leaf, leaves) for t in tree])
    leaves.append(tree)
    return PyTreeDef("leaf", None, ())


def tree_flatten(tree, is_leaf=None):
    """``(leaves, treedef)``: the leaves in order and the nest's shape."""
    leaves = []
    treedef = _structure(tree, is_leaf, leaves)
    return leaves, treedef


def tree_unflatten(treedef, leaves):
    """The nest of ``treedef`` with ``leaves`` in it."""
    if not isinstance(treedef, PyTreeDef):
        raise TypeError(f"tree_unflatten: expected a PyTreeDef, got {type(treedef).__name__}")
    return treedef.unflatten(leaves)


def tree_leaves(tree, is_leaf=None):
    """The leaves of ``tree``, in order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    """The shape of ``tree``, its ``PyTreeDef``."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f, tree, *rest, is_leaf=None):
    """``f`` applied leaf by leaf: ``f(leaf, *matching leaves of rest)``, in ``tree``'s
    shape. Each of ``rest`` must have ``tree``'s shape."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for i, other in enumerate(rest):
        other_leaves, other_def = tree_flatten(other, is_leaf)
        if other_def != treedef:
            raise ValueError(f"tree_map: argument {i + 2} has the structure {other_def!r}, "
                             f"the first has {treedef!r}")
        others.append(other_leaves)
    return treedef.unflatten(f(*xs) for xs in zip(leaves, *others))


_NO_INITIAL = object()


def tree_reduce(function, tree, initializer=_NO_INITIAL, is_leaf=None):
    """``functools.reduce`` over the leaves of ``tree``."""
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIAL:
        return functools.reduce(function, leaves)
    return functools.reduce(function, leaves, initializer)


def tree_all(tree, is_leaf=None):
    """Whether every leaf is truthy."""
    return all(tree_leaves(tree, is_leaf))


# JAX's newer spelling, ``jax.tree.map`` and friends: ``ag.tree.map``, a namespace module.
tree = ModuleType("autograd_core.tree", "JAX's jax.tree: map, leaves, flatten, unflatten, "
                  "structure, reduce and all, the functions of autograd_core.tree_util.")
tree.__dict__.update(flatten=tree_flatten, unflatten=tree_unflatten, leaves=tree_leaves,
                     structure=tree_structure, map=tree_map, reduce=tree_reduce, all=tree_all)
