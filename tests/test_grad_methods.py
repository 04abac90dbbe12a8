"""A leaf's ``.grad`` after ``backward()`` is a numpy array with PyTorch's in-place tensor
methods (``value.Grad``): the idioms of PyTorch's autograd tutorial and of d2l's
from-scratch training loop, against torch 2.13."""

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch")


def test_autograd_tutorials_grad_zero_between_backward_calls():
    """PyTorch's "Automatic differentiation with torch.autograd", Optional Reading."""
    ours = ag.eye(4, 5, requires_grad=True)
    theirs = torch.eye(4, 5, requires_grad=True)
    out, tout = (ours + 1).pow(2).t(), (theirs + 1).pow(2).t()
    seen = []
    for zero in (False, False, True):
        if zero:
            assert ours.grad.zero_() is ours.grad
            theirs.grad.zero_()
        out.backward(ag.ones_like(out), retain_graph=True)
        tout.backward(torch.ones_like(tout), retain_graph=True)
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
        seen.append(ours.grad.copy())
    assert [s[0, 0] for s in seen] == [4.0, 8.0, 4.0]  # accumulated, then zeroed


def test_d2l_sgd_from_scratch_trains_as_torch():
    """d2l's linear regression from scratch: ``param -= lr * param.grad / batch_size``
    then ``param.grad.zero_()``, under no_grad."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = X @ np.array([2.0, -3.4]) + 4.2 + rng.normal(scale=0.01, size=64)
    w0 = rng.normal(scale=0.01, size=(2, 1))

    def train(lib, tensor):
        w = tensor(w0.copy(), requires_grad=True)
        b = lib.zeros(1, requires_grad=True, dtype=lib.float64)
        Xt, yt = tensor(X), tensor(y.reshape(-1, 1))

        def sgd(params, lr, batch_size):
            with lib.no_grad():
                for param in params:
                    param -= lr * param.grad / batch_size
                    param.grad.zero_()
        for epoch in range(3):
            for i in range(0, 64, 8):
                loss = ((Xt[i:i + 8] @ w + b - yt[i:i + 8]) ** 2 / 2).sum()
                loss.backward()
                sgd([w, b], 0.03, 8)
        return w.detach().numpy(), b.detach().numpy()

    ours = train(ag, lambda a, requires_grad=False: ag.tensor(a, requires_grad=requires_grad))
    theirs = train(torch, lambda a, requires_grad=False: torch.tensor(
        a, requires_grad=requires_grad))
    for got, want in zip(ours, theirs):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_grad_methods_are_in_place_and_arithmetic_gives_plain_arrays():
    w = ag.Variable(np.arange(6.0).reshape(2, 3))
    (w * w).sum().backward()
    g = w.grad
    t = torch.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (t * t).sum().backward()
    assert isinstance(g, np.ndarray) and isinstance(g, ag.Grad)
    assert repr(g) == repr(np.asarray(g)) and g.data is g and g.detach() is g
    assert type(g * 2) is np.ndarray and type(g.sum()) is np.float64
    assert type(g.numpy()) is np.ndarray and type(g.clone()) is np.ndarray
    assert g.norm() == pytest.approx(float(t.grad.norm()))
    g.data.mul_(0.5)
    t.grad.data.mul_(0.5)
    g.add_(np.ones((2, 3)), alpha=2).sub_(1).div_(2).clamp_(min=0.5, max=3.0)
    t.grad.add_(torch.ones(2, 3), alpha=2).sub_(1).div_(2).clamp_(min=0.5, max=3.0)
    np.testing.assert_array_equal(w.grad, t.grad.numpy())
    assert w.grad is g  # all in place
    g.copy_(np.full((2, 3), 7.0)).fill_(2.0)
    assert w.grad.tolist() == [[2.0] * 3] * 2


def test_only_leaves_gradients_become_grad_arrays_and_backward_accumulates():
    x = ag.Variable(np.ones(3))
    h = x * 2
    (h * h).sum().backward()
    assert type(x.grad) is ag.Grad and type(h.grad) is np.ndarray
    first = x.grad.copy()
    (h * h).sum().backward()  # adds into .grad, which stays a Grad
    assert type(x.grad) is ag.Grad
    np.testing.assert_array_equal(x.grad, 2 * first)


def test_fgsm_reads_the_sign_of_an_inputs_gradient_as_pytorch():
    """PyTorch's FGSM tutorial: ``data.requires_grad = True``, backward, then
    ``data.grad.data.sign()`` perturbs the input."""
    x = np.random.default_rng(0).normal(size=(2, 3))
    data, tdata = ag.tensor(x), torch.tensor(x)
    data.requires_grad = True
    tdata.requires_grad = True
    (data ** 3).sum().backward()
    (tdata ** 3).sum().backward()
    g, tg = data.grad.data, tdata.grad.data
    for ours, theirs in ((g.sign(), tg.sign()), (g.abs(), tg.abs()), (g.sqrt(), tg.sqrt()),
                         (g.exp(), tg.exp()), (g.log(), tg.log()), (g.pow(2), tg.pow(2)),
                         (g.clamp(0.5, 2.0), tg.clamp(0.5, 2.0))):
        assert type(ours) is np.ndarray
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)
    perturbed = ag.clamp(data + 0.1 * g.sign(), 0, 1)
    want = torch.clamp(tdata + 0.1 * tg.sign(), 0, 1)
    np.testing.assert_allclose(perturbed.detach().numpy(), want.detach().numpy(), rtol=1e-12)
    assert g.numel() == 6 and g.cpu() is g
