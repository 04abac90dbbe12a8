"""PyTorch's module backward hooks (``register_full_backward_hook``,
``register_full_backward_pre_hook``), against PyTorch on the same weights and data."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn

torch = pytest.importorskip("torch", reason="the hooks are compared with PyTorch's")


def _nets(seed=0):
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(),
                                 torch.nn.Flatten(), torch.nn.Linear(64, 3)).double()
    ours = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3))
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours.double(), theirs


def _np(t):
    if t is None:
        return None
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.numpy())


@pytest.mark.parametrize("replace", [False, True])
@pytest.mark.parametrize("input_grad", [False, True])
def test_hooks_see_and_replace_what_torch_does(replace, input_grad):
    x = np.random.default_rng(1).normal(size=(2, 3, 6, 6))
    seen = {"ours": {}, "theirs": {}}

    def hooks(name):
        rec = seen[name]

        def full(module, grad_input, grad_output):
            rec.setdefault("full", []).append(([_np(g) for g in grad_input],
                                               [_np(g) for g in grad_output]))
            if replace and grad_input[0] is not None:
                return (grad_input[0] * 2,)
            return None

        def pre(module, grad_output):
            rec.setdefault("pre", []).append([_np(g) for g in grad_output])
            return (grad_output[0] * 3,) if replace else None
        return full, pre

    results = {}
    for name, (net, lib) in zip(("ours", "theirs"), zip(_nets(), (ag, torch))):
        full, pre = hooks(name)
        net[0].register_full_backward_hook(full)
        net[3].register_full_backward_pre_hook(pre)
        net[3].register_full_backward_hook(full)
        xv = ag.Value(x, requires_grad=input_grad) if lib is ag else \
            torch.tensor(x, requires_grad=input_grad)
        net(xv).sum().backward()
        results[name] = ([_np(p.grad) for p in net.parameters()],
                         _np(xv.grad) if input_grad else None)
    ours, theirs = seen["ours"], seen["theirs"]
    assert len(ours["full"]) == len(theirs["full"]) == 2 and len(ours["pre"]) == 1
    for (oi, oo), (ti, to) in zip(ours["full"], theirs["full"]):
        assert [g is None for g in oi] == [g is None for g in ti]
        for a, b in zip(oi + oo, ti + to):
            if b is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours["pre"][0][0], theirs["pre"][0][0], rtol=1e-12)
    for a, b in zip(results["ours"][0], results["theirs"][0]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    if input_grad:
        np.testing.assert_allclose(results["ours"][1], results["theirs"][1], rtol=1e-12,
                                   atol=1e-13)


class _GradCAM:
    """The Grad-CAM class as tutorials write it (renamed: torch -> ag where it appears)."""

    def __init__(self, model, target_layer):
        self.model, self.gradients, self.activations = model, None, None
        target_layer.register_forward_hook(self.save_activation)
        target_layer.register_full_backward_hook(self.save_gradient)

    def save_activation(self, module, input, output):
        self.activations = output.detach()

    def save_gradient(self, module, grad_input, grad_output):
        self.gradients = grad_output[0].detach()

    def __call__(self, x, class_idx):
        output = self.model(x)
        self.model.zero_grad()
        output[0, class_idx].backward()
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = (weights * self.activations).sum(dim=1).relu()
        return cam / cam.max()


def test_grad_cam_port_matches_torch():
    ours, theirs = _nets(3)
    x = np.random.default_rng(4).normal(size=(1, 3, 6, 6))
    cam = _GradCAM(ours, ours[0])(ag.constant(x), 2)
    expected = _GradCAM(theirs, theirs[0])(torch.tensor(x), 2)
    np.testing.assert_allclose(cam.numpy(), expected.detach().numpy(), rtol=1e-10)


class _Mix(nn.Module):
    def forward(self, a, b, scale):
        return a * b * scale, a + b


class _TorchMix(torch.nn.Module):
    def forward(self, a, b, scale):
        return a * b * scale, a + b


def test_several_inputs_and_outputs_with_none_for_numbers():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    found = {}
    for name, module, lib in (("ours", _Mix(), ag), ("theirs", _TorchMix(), torch)):
        def full(m, gi, go, name=name):
            found[name] = ([_np(g) for g in gi], [_np(g) for g in go])
            return (gi[0] * -1, None, None)   # None: that input gets a zero gradient
        module.register_full_backward_hook(full)
        va, vb = ((ag.Value(v, requires_grad=True) for v in (a, b)) if lib is ag else
                  (torch.tensor(v, requires_grad=True) for v in (a, b)))
        p, q = module(va, vb, 2.0)
        ((p * p).sum() + (q * 3).sum()).backward()
        found[name + " grads"] = (_np(va.grad), _np(vb.grad))
    (oi, oo), (ti, to) = found["ours"], found["theirs"]
    assert oi[2] is None and ti[2] is None
    for x, y in zip(oi[:2] + oo, ti[:2] + to):
        np.testing.assert_allclose(x, y, rtol=1e-12)
    for x, y in zip(found["ours grads"], found["theirs grads"]):
        if y is None:
            assert x is None or not np.any(x)
        else:
            np.testing.assert_allclose(x, y, rtol=1e-12)


def test_removed_hooks_stop_and_wrong_results_are_refused():
    net, _ = _nets()
    calls = []
    handle = net[3].register_full_backward_hook(lambda m, gi, go: calls.append(1))
    x = ag.constant(np.ones((1, 3, 6, 6)))
    net(x).sum().backward()
    handle.remove()
    net(x).sum().backward()
    assert calls == [1]
    net[3].register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(ValueError, match="register_full_backward_hook: a hook returned 2"):
        net(x).sum().backward()
    with pytest.raises(TypeError, match="Linear.register_full_backward_pre_hook"):
        net[3].register_full_backward_pre_hook("not a function")


def test_second_derivatives_pass_through_hooked_modules():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 6, 6))

    def second(hooked):
        net, _ = _nets()
        if hooked:
            net[0].register_full_backward_hook(lambda m, gi, go: None)
            net[3].register_full_backward_pre_hook(lambda m, go: None)
        xv = ag.Value(x, requires_grad=True)
        (g,) = ag.autograd.grad((net(xv) ** 2).sum(), xv, create_graph=True)
        (h,) = ag.autograd.grad((g * g).sum(), xv)
        return h.numpy()
    np.testing.assert_allclose(second(True), second(False), rtol=1e-12, atol=1e-14)
