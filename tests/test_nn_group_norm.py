"""PyTorch's GroupNorm against torch 2.13 with the same weights: values, input and weight
gradients, second derivatives; its state dict's names; refusals."""

import numpy as np
import pytest

import autograd_core as ag
import nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("groups, shape, affine", [(2, (3, 4, 5, 6), True),
                                                   (1, (3, 4, 5), True),
                                                   (4, (2, 4, 3, 3), False),
                                                   (2, (3, 4), True)])
def test_group_norm_matches_torch(groups, shape, affine):
    theirs = torch.nn.GroupNorm(groups, shape[1], affine=affine, dtype=torch.float64)
    ours = nn.GroupNorm(groups, shape[1], affine=affine, dtype="float64")
    if affine:
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(RNG.normal(size=shape[1])))
            theirs.bias.copy_(torch.tensor(RNG.normal(size=shape[1])))
    state = {k: v.numpy() for k, v in theirs.state_dict().items()}
    assert sorted(ours.state_dict()) == sorted(state)
    ours.load_state_dict(state)
    x0 = RNG.normal(size=shape)
    x, t = ag.Value(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = ours(x), theirs(t)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    (g,) = ag.gradients((y ** 3).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((ty ** 3).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-9, atol=1e-11)
    (h,) = ag.gradients((g * g).sum(), x)
    (th,) = torch.autograd.grad((tg * tg).sum(), t)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-8, atol=1e-10)
    if affine:
        (gw,) = ag.gradients((ours(x0) ** 3).sum(), ours.weight)
        theirs.zero_grad()
        (theirs(torch.tensor(x0)) ** 3).sum().backward()
        np.testing.assert_allclose(gw.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)


def test_refusals():
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 4, \*\)"):
        nn.GroupNorm(2, 4)(np.ones((2, 3, 5)))
