"""Gradient hooks, PyTorch's ``x.register_hook(fn)``: ``fn(grad)`` sees dL/dx once it is
complete, during the backward walk, and may return a gradient to use instead; and
``x.register_post_accumulate_grad_hook(fn)``: ``fn(x)`` once ``backward`` has added into
a leaf's ``.grad``.

Speed, fenced here: the backward walk is the hot loop of the library, and almost no graph
has a hook. So hooks are not kept on Values (a slot read per node) but in one module-level
dict, ``registered``, keyed by ``id`` of the Value; a walk looks at it once, and only
while it is non-empty does it look up each node. A walk without hooks pays one
``is not None`` test per node.

The dict must not keep a Value alive (it would keep its whole graph): each entry holds a
weak reference whose callback drops the entry when the Value is freed, before its id can
be reused. (A ``WeakKeyDictionary`` would compare Values with ``==``, which is
elementwise here.)
"""

from __future__ import annotations

import weakref

import numpy as np

from .value import Value, constant

# id(Value) -> (a weak reference to it, its handles in the order registered)
registered = {}


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook (a second
    call does nothing); ``with x.register_hook(fn):`` removes it at the block's end.
    ``kind`` says when the hook runs: "grad" once dL/dx is complete (``register_hook``,
    a grad_fn's pre-hook), "accumulated" after ``.grad`` is written
    (``register_post_accumulate_grad_hook``), "node" after the op's backward
    (``grad_fn.register_hook``)."""

    __slots__ = ("_value", "fn", "kind")

    def __init__(self, value, fn, kind="grad"):
        self._value = weakref.ref(value)
        self.fn = fn
        self.kind = kind

    def remove(self):
        value = self._value()
        entry = registered.get(id(value)) if value is not None else None
        if entry is not None and self in entry[1]:
            entry[1].remove(self)
            if not entry[1]:
                del registered[id(value)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


def register_hook(self, hook):
    """PyTorch's ``register_hook``: call ``hook(grad)`` with dL/dself each time a backward
    pass (``backward``, ``gradients``, ``GradientTape.gradient``) has completed it.

    ``grad`` is a numpy array, or a Value when the pass records (``create_graph=True``).
    A hook that returns something other than None replaces the gradient (same shape):
    what flows on to self's inputs, what ``.grad`` keeps, what ``gradients`` returns. It
    must not change ``grad`` in place: the same array may be another Value's gradient.
    Several hooks run in the order registered, each given the previous one's result; a
    hook registered while a pass runs may wait for the next pass.

    Returns:
        A handle whose ``remove()`` unregisters the hook.

    >>> x = Value([1.0, 2.0])
    >>> handle = x.register_hook(lambda g: g * 10)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([20., 40.], dtype=float32)
    >>> handle.remove()
    """
    _check_hook("register_hook", self, hook)
    return _add(self, RemovableHandle(self, hook))


def register_post_accumulate_grad_hook(self, hook):
    """PyTorch's: call ``hook(self)`` after ``backward()`` has added this leaf's gradient
    into ``self.grad`` (not for ``gradients``/``autograd.grad``, which leave ``.grad``
    alone). Its result is ignored; it may read and change ``self.grad`` and ``self``
    itself, as an optimizer step fused into the backward pass does: every op that reads a
    leaf is walked before the leaf is. Returns a handle whose ``remove()`` unregisters it.

    >>> w = Value([1.0, 2.0])
    >>> def step(p):
    ...     p.data -= 0.5 * p.grad
    ...     p.grad = None
    >>> handle = w.register_post_accumulate_grad_hook(step)
    >>> (w * w).sum().backward()
    >>> w.numpy(), w.grad
    (array([0., 0.], dtype=float32), None)
    """
    _check_hook("register_post_accumulate_grad_hook", self, hook)
    if self.op is not None:
        raise RuntimeError("register_post_accumulate_grad_hook: this Value is the result of "
                           f"{self.op!r}, not a leaf; only leaves accumulate a .grad (as "
                           "PyTorch refuses)")
    return _add(self, RemovableHandle(self, hook, "accumulated"))


def _check_hook(where, value, hook):
    if not callable(hook):
        raise TypeError(f"{where}: hook must be callable, got {type(hook).__name__}")
    if not value.requires_grad:
        raise RuntimeError(f"{where}: this Value does not require grad, so no gradient "
                           "reaches it to hook (as PyTorch refuses)")


def _add(value, handle):
    key = id(value)
    if key not in registered:
        # The dict is bound now: at interpreter exit the module's names go before the Values.
        forget = (lambda _, key=key, pop=registered.pop: pop(key, None))
        registered[key] = (weakref.ref(value, forget), [])
    registered[key][1].append(handle)
    return handle


def run_hooks(node, grad, recorded):
    """``grad`` (dL/dnode, complete) passed through node's hooks, in order: a numpy array
    or scalar of node's dtype on the numpy path, a Value when ``recorded``."""
    for handle in tuple(registered[id(node)][1]):
        if handle.kind != "grad":
            continue
        out = handle.fn(grad)
        if out is not None:
            grad = _replacement(out, node, recorded)
    return grad


def run_after_accumulation(leaf):
    """The leaf's ``register_post_accumulate_grad_hook`` hooks, in order, once ``backward``
    has written its ``.grad``."""
    for handle in tuple(registered[id(leaf)][1]):
        if handle.kind == "accumulated":
            handle.fn(leaf)


def register_node_hook(node, hook, before):
    """PyTorch's hooks on ``y.grad_fn`` (see ``GradFn``): ``before``, ``hook(grad_outputs)``
    as a gradient hook on y taking and giving the tuple (dL/dy,); else ``hook(grad_inputs,
    grad_outputs)`` after the op's backward (``run_node_hooks``). The gradients are of the
    kind ``register_hook`` passes: arrays, or Values when the pass records."""
    where = "grad_fn.register_prehook" if before else "grad_fn.register_hook"
    _check_hook(where, node, hook)
    if not before:
        return _add(node, RemovableHandle(node, hook, "node"))

    def on_grad(grad):
        found = hook((grad,))
        if found is None:
            return None
        found = tuple(found) if isinstance(found, (tuple, list)) else (found,)
        if len(found) != 1:
            raise ValueError(f"{where}: a hook returned {len(found)} gradients for one output")
        return found[0]
    return _add(node, RemovableHandle(node, on_grad))


def run_node_hooks(node, raw, grad, recorded):
    """The op's raw gradients after node's ``grad_fn.register_hook`` hooks: each hook gets
    the inputs' gradients in their own shapes and may return new ones. ``raw`` comes back
    as it was when node has no such hook."""
    handles = [h for h in tuple(registered[id(node)][1]) if h.kind == "node"]
    if not handles:
        return raw
    from .engine import _fit
    from .ops import sum_to  # the ops are built on this module's importers

    op = node.op
    found = tuple(None if g is None or not needed else
                  ((g if g.shape == x.shape else sum_to(g, x.shape)) if recorded
                   else _fit(g, x.data, op))
                  for x, g, needed in zip(node.inputs, raw, op.needs_grad))
    for handle in handles:
        out = handle.fn(found, (grad,))
        if out is None:
            continue
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        if len(out) != len(found):
            raise ValueError(f"grad_fn.register_hook: a hook returned {len(out)} gradients "
                             f"for {len(found)} inputs")
        found = tuple(None if g is None else _replacement(g, x, recorded)
                      for g, x in zip(out, node.inputs))
    return found


def _replacement(out, node, recorded):
    """A hook's result as the gradient of node: its shape checked, in node's dtype, and of
    the walk's kind (a fresh array, or a Value)."""
    if np.shape(out.data if isinstance(out, Value) else out) != node.shape:
        raise ValueError(f"register_hook: a hook returned a gradient of shape "
                         f"{np.shape(out.data if isinstance(out, Value) else out)} for a "
                         f"Value of shape {node.shape}")
    if recorded:
        if not isinstance(out, Value):
            return constant(out, dtype=node.dtype)
        if out.dtype != node.dtype:
            from .ops import cast  # the ops are built on this module's importers
            return cast(out, node.dtype)
        return out
    # A copy: a leaf keeps it as .grad, which optimizers change in place.
    g = np.array(out.data if isinstance(out, Value) else out, dtype=node.dtype)
    return g[()] if g.ndim == 0 else g
