"""PyTorch's ReLU6, Hardtanh, Mish, Hardswish, Hardsigmoid, Softsign, LogSigmoid, Softmin and
CosineSimilarity (and their nn.functional forms) against torch 2.13: values, gradients and
second derivatives, in float64."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.normal(scale=3.0, size=(4, 5))  # spans every piece of the piecewise ones


# PyTorch's hardsigmoid backward multiplies by the float constant 1.0f / 6.0f even in float64
# (0.16666667163...), 3e-8 from 1/6: its gradients are compared to that precision.
LOOSE = {"Hardsigmoid": 1e-7}

MODULES = [(lambda: nn.ReLU6(), lambda: torch.nn.ReLU6()),
           (lambda: nn.Hardtanh(-2.0, 1.5), lambda: torch.nn.Hardtanh(-2.0, 1.5)),
           (lambda: nn.Mish(), lambda: torch.nn.Mish()),
           (lambda: nn.Hardswish(), lambda: torch.nn.Hardswish()),
           (lambda: nn.Hardsigmoid(), lambda: torch.nn.Hardsigmoid()),
           (lambda: nn.Softsign(), lambda: torch.nn.Softsign()),
           (lambda: nn.LogSigmoid(), lambda: torch.nn.LogSigmoid()),
           (lambda: nn.Softmin(dim=1), lambda: torch.nn.Softmin(dim=1))]


@pytest.mark.parametrize("ours, theirs", MODULES)
def test_activation_matches_torch_to_the_second_derivative(ours, theirs):
    x, t = ag.Value(X.copy(), requires_grad=True), torch.tensor(X, requires_grad=True)
    layer = ours()
    y, ty = layer(x), theirs()(t)
    rtol = LOOSE.get(type(layer).__name__, 1e-10)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    (g,) = ag.gradients((y * y).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((ty * ty).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=rtol, atol=1e-12)
    (h,) = ag.gradients((g * g).sum(), x)
    if type(layer).__name__ == "Hardsigmoid":  # torch has no second derivative for it:
        np.testing.assert_allclose(h.numpy(), central_differences(layer, X), atol=1e-6)
        return                                 # central differences instead
    (th,) = torch.autograd.grad((tg * tg).sum(), t)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=max(rtol, 1e-9), atol=1e-11)


def central_differences(layer, x0, step=1e-6):
    """d/dx of sum(g(x)**2), g = d sum(layer(x)**2) / dx, by central differences."""
    def f(x):
        v = ag.Value(x, requires_grad=True)
        (g,) = ag.gradients((layer(v) ** 2).sum(), v)
        return float((g.numpy() ** 2).sum())
    out = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[i] += step
        down[i] -= step
        out[i] = (f(up) - f(down)) / (2 * step)
    return out


def test_cosine_similarity_matches_torch():
    a0, b0 = RNG.normal(size=(4, 5)), RNG.normal(size=(1, 5))  # broadcast, as torch's
    a, b = ag.Value(a0, requires_grad=True), ag.Value(b0, requires_grad=True)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    y, ty = nn.CosineSimilarity(dim=1)(a, b), torch.nn.CosineSimilarity(dim=1)(ta, tb)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(F.cosine_similarity(a0, b0, dim=1).numpy(), y.numpy())
    zero = F.cosine_similarity(np.zeros((1, 3)), np.ones((1, 3)))  # eps: 0, not NaN
    assert zero.numpy().tolist() == [0.0]


def test_refusals():
    with pytest.raises(ValueError, match="must be below max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(TypeError, match="give dim"):
        nn.Softmin()
    with pytest.raises(TypeError, match="inplace"):
        nn.ReLU6(inplace="yes")
