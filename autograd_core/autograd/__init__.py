"""PyTorch's ``torch.autograd`` under its own names, so that PyTorch code ports by renaming
``torch`` to ``ag``: ``ag.autograd.grad`` (gradient penalties, second derivatives),
``ag.autograd.backward``, ``ag.autograd.Function``, the grad-mode switches, and
``ag.autograd.functional``'s ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``, ``vhp``,
``ag.autograd.forward_ad``'s dual numbers, and ``gradcheck``/``gradgradcheck``.

Each is a thin layer over the engine's own calls (``gradients``, ``Value.backward``, the
modes), with PyTorch's arguments and results.
"""

from __future__ import annotations

import numpy as np

from ..custom import Function
from ..engine import Value, constant, gradients
from ..modes import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled,
                     is_grad_enabled, no_grad, set_detect_anomaly, set_grad_enabled)
from . import forward_ad, function, functional
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["grad", "backward", "Function", "function", "functional", "forward_ad", "gradcheck",
           "gradgradcheck", "GradcheckError", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled"]


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False,
         materialize_grads=False):
    """``torch.autograd.grad``: the gradients of ``outputs`` with respect to ``inputs``, a
    tuple with one per input, ``.grad`` untouched (see ``ag.gradients``).

    Args:
        outputs, inputs: a Value or a sequence of Values.
        grad_outputs: the seed of each output (default 1 for one-element outputs).
        retain_graph: accepted; the graph is always kept.
        create_graph: record the backward pass (second derivatives).
        only_inputs: accepted, as PyTorch (deprecated there, no effect).
        allow_unused: None for an input the outputs do not use, instead of an error (True
            when ``materialize_grads``).
        is_grads_batched: the first axis of every ``grad_outputs`` entry is a batch of
            seeds; the gradients get the same first axis (PyTorch's vmap over the seeds,
            here one backward pass per seed).
        materialize_grads: zeros instead of None for unused inputs.
    """
    del retain_graph, only_inputs
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("grad: allow_unused=False cannot go with materialize_grads=True")
    if is_grads_batched:
        return _batched_grads(outputs, inputs, grad_outputs, create_graph, allow_unused,
                              materialize_grads)
    found = gradients(outputs, inputs, grad_outputs, create_graph=create_graph,
                      allow_unused=allow_unused)
    if materialize_grads:
        listed = [inputs] if isinstance(inputs, Value) else list(inputs)
        found = tuple(constant(np.zeros_like(x.data)) if g is None else g
                      for x, g in zip(listed, found))
    return found


def _batched_grads(outputs, inputs, grad_outputs, create_graph, allow_unused,
                   materialize_grads):
    from ..ops import stack

    if grad_outputs is None:
        raise ValueError("grad: is_grads_batched=True needs grad_outputs (a batch of seeds)")
    seeds = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else [grad_outputs]
    sizes = {np.shape(s.data if isinstance(s, Value) else s)[:1] for s in seeds}
    if len(sizes) != 1 or sizes == {()}:
        raise ValueError("grad: with is_grads_batched=True every grad_outputs entry needs "
                         f"the same first (batch) axis, got shapes "
                         f"{[np.shape(s.data if isinstance(s, Value) else s) for s in seeds]}")
    (count,) = sizes.pop()
    per_seed = [grad(outputs, inputs, [s[b] for s in seeds], create_graph=create_graph,
                     allow_unused=allow_unused, materialize_grads=materialize_grads)
                for b in range(count)]
    return tuple(None if found[0] is None else stack(list(found))
                 for found in zip(*per_seed))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             inputs=None):
    """``torch.autograd.backward``: accumulate the gradients of ``tensors`` (a Value or a
    sequence) into ``.grad``, each seeded by its ``grad_tensors`` entry, as
    ``tensor.backward(grad)`` for each in turn would."""
    del retain_graph
    tensors = [tensors] if isinstance(tensors, Value) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, (Value, np.ndarray)) or np.isscalar(grad_tensors):
        grad_tensors = [grad_tensors]
    else:
        grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise ValueError(f"backward: {len(grad_tensors)} grad_tensors for {len(tensors)} "
                         "tensors; give one per tensor")
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):  # all checked before any pass
        if not isinstance(t, Value):
            raise TypeError(f"backward: tensors must be Values, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"backward: tensors[{i}] does not require grad and has no "
                               "graph")
        if g is None and t.size != 1:
            raise RuntimeError(f"backward: tensors[{i}] has shape {t.shape}; a seed can be "
                               "made only for one-element tensors: give grad_tensors")
        shape = np.shape(g.data if isinstance(g, Value) else g)
        if g is not None and shape != t.shape:
            raise RuntimeError(f"backward: grad_tensors[{i}] has shape {shape} but "
                               f"tensors[{i}] has shape {t.shape}")
    for t, g in zip(tensors, grad_tensors):
        t.backward(g, create_graph=create_graph, inputs=inputs)
