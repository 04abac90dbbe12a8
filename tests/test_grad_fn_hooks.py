"""Hooks on a backward node, PyTorch's ``y.grad_fn.register_prehook`` and
``y.grad_fn.register_hook``, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch", reason="the hooks are compared with PyTorch's")


def _run(lib, a, b, create_graph=False):
    """y = (a * b) broadcast (a: (2, 3), b: (3,)); hooks on y's node; then z = exp(y)."""
    seen = {}
    if lib is ag:
        x, w = ag.Value(a, requires_grad=True), ag.Value(b, requires_grad=True)
    else:
        x, w = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y = x * w

    def pre(grad_outputs):
        seen["pre"] = np.array(_np(grad_outputs[0]))
        return (grad_outputs[0] * 2,)

    def post(grad_inputs, grad_outputs):
        seen["inputs"] = [np.array(_np(g)) for g in grad_inputs]
        seen["outputs"] = np.array(_np(grad_outputs[0]))
        return (grad_inputs[0] + 1, grad_inputs[1] * -1)

    handles = [y.grad_fn.register_prehook(pre), y.grad_fn.register_hook(post)]
    lib.exp(y).sum().backward(create_graph=create_graph, retain_graph=True)
    seen["grads"] = [np.array(_np(x.grad)), np.array(_np(w.grad))]
    for h in handles:
        h.remove()
    x.grad = w.grad = None
    lib.exp(x * w).sum().backward()  # a new node: the removed hooks were on the old one
    y2 = x * w
    lib.exp(y).sum().backward()  # the old node again, hooks removed
    seen["after_remove"] = [np.array(_np(x.grad)), np.array(_np(w.grad))]
    del y2
    return seen


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.numpy() if isinstance(t, ag.Value) else t


@pytest.mark.parametrize("create_graph", [False, True])
def test_node_hooks_see_and_replace_what_torch_does(create_graph):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    ours, theirs = _run(ag, a, b, create_graph), _run(torch, a, b, create_graph)
    for key in ("pre", "outputs"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-12)
    for key in ("inputs", "grads", "after_remove"):
        for x, y in zip(ours[key], theirs[key]):
            assert x.shape == y.shape  # in each input's own shape (b's summed to (3,))
            np.testing.assert_allclose(x, y, rtol=1e-12)


def test_node_hook_refuses_a_wrong_count():
    x = ag.Value([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.grad_fn.register_hook(lambda gi, go: (gi[0], None, gi[0]))
    with pytest.raises(ValueError, match="grad_fn.register_hook: a hook returned 3 gradients for 2"):
        y.sum().backward()
    with pytest.raises(TypeError, match="must be callable"):
        y.grad_fn.register_prehook(None)
