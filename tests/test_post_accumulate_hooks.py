"""``Value.register_post_accumulate_grad_hook``: PyTorch's tutorial "How to save memory by
fusing the optimizer step into the backward pass" ported by renaming, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim

torch = pytest.importorskip("torch", reason="the port is compared with PyTorch itself")


def _models():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    ours = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _fused(model, lib, adam):
    """The tutorial's set-up: one optimizer per parameter, stepped from its hook."""
    optimizer_dict = {p: adam([p], foreach=False) for p in model.parameters()}

    def optimizer_hook(parameter) -> None:
        optimizer_dict[parameter].step()
        optimizer_dict[parameter].zero_grad()

    handles = [p.register_post_accumulate_grad_hook(optimizer_hook)
               for p in model.parameters()]
    return optimizer_dict, handles


def test_optimizer_step_in_backward_matches_torch_and_the_plain_loop():
    ours, theirs = _models()
    plain, _ = _models()
    _fused(ours, optim.Adam, optim.Adam)
    _fused(theirs, torch.optim.Adam, torch.optim.Adam)
    opt = optim.Adam(plain.parameters())
    rng = np.random.default_rng(1)
    for _ in range(4):
        x = rng.uniform(size=(2, 6)).astype(np.float32)
        loss = ours(ag.constant(x))
        loss.sum().backward()  # the optimizer update is no longer needed
        theirs(torch.from_numpy(x)).sum().backward()
        opt.zero_grad()
        plain(ag.constant(x)).sum().backward()
        opt.step()
    for (name, p), q, r in zip(ours.named_parameters(), theirs.parameters(),
                               plain.parameters()):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)
        np.testing.assert_allclose(p.numpy(), r.numpy(), rtol=1e-6, atol=1e-7, err_msg=name)
        assert p.grad is None and q.grad is None  # each hook zeroed its parameter's grad


def test_hook_sees_the_accumulated_grad_only_from_backward():
    w = ag.Variable([1.0, 2.0])
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(np.array(p.grad)))
    w.grad = np.array([10.0, 10.0], np.float32)  # accumulated into, as in PyTorch
    (w * w).sum().backward()
    np.testing.assert_allclose(seen[-1], [12.0, 14.0])
    ag.gradients((w * w).sum(), w)  # leaves .grad alone: no hook, as torch.autograd.grad
    assert len(seen) == 1
    (w * 3).sum().backward(create_graph=True)  # recorded gradients accumulate too
    assert len(seen) == 2
    np.testing.assert_allclose(seen[-1], [15.0, 17.0])
    handle.remove()
    (w * w).sum().backward()
    assert len(seen) == 2


def test_backward_with_inputs_accumulates_as_backward_does():
    # loss.backward(inputs=[...]) (a GAN's generator step) runs the hooks of the leaves it
    # accumulates into and leaves them a .grad with zero_(), as PyTorch does.
    found = {}
    for lib, make in (("ours", lambda: ag.Variable([1.0, 2.0])),
                      ("torch", lambda: torch.tensor([1.0, 2.0], requires_grad=True))):
        w, u = make(), make()
        seen = found[lib] = []
        for p, name in ((w, "w"), (u, "u")):
            p.register_post_accumulate_grad_hook(
                lambda p, name=name: seen.append((name, np.array(p.grad).tolist())))
        (w * u * 3).sum().backward(inputs=[w])
        (w * w).sum().backward(inputs=[w, w])  # named twice: accumulated once
        assert u.grad is None
        w.grad.zero_()
        assert np.array(w.grad).tolist() == [0.0, 0.0]
    assert found["ours"] == found["torch"] == [("w", [3.0, 6.0]), ("w", [5.0, 10.0])]


def test_post_accumulate_hook_refusals():
    x = ag.Value([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not a leaf"):
        (x * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.constant([1.0]).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(TypeError, match="must be callable"):
        x.register_post_accumulate_grad_hook(3)
