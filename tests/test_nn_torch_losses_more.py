"""PyTorch's SoftMarginLoss, PoissonNLLLoss, MarginRankingLoss, CosineEmbeddingLoss,
HingeEmbeddingLoss and TripletMarginLoss (and their nn.functional forms) against torch
2.13: values and gradients, every reduction."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X, X2 = RNG.normal(size=(6,)), RNG.normal(size=(6,))
A, B, N = (RNG.normal(size=(5, 4)) for _ in range(3))
SIGNS6 = np.where(RNG.random(6) > 0.5, 1.0, -1.0)
SIGNS5 = np.where(RNG.random(5) > 0.5, 1.0, -1.0)
COUNTS = RNG.poisson(2, 6).astype(float)

CASES = [  # (ours, torch's, inputs, target)
    ("SoftMarginLoss", {}, [X], SIGNS6),
    ("PoissonNLLLoss", {"full": True}, [X], COUNTS),
    ("PoissonNLLLoss", {"log_input": False}, [np.abs(X) + 0.1], COUNTS),
    ("MarginRankingLoss", {"margin": 0.3}, [X, X2], SIGNS6),
    ("CosineEmbeddingLoss", {"margin": 0.1}, [A, B], SIGNS5),
    ("HingeEmbeddingLoss", {"margin": 1.0}, [np.abs(X)], SIGNS6),
]


@pytest.mark.parametrize("name, options, inputs, target", CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_matches_torch(name, options, inputs, target, reduction):
    ours = getattr(nn, name)(reduction=reduction, **options)
    theirs = getattr(torch.nn, name)(reduction=reduction, **options)
    mine = [ag.Value(a, requires_grad=True) for a in inputs]
    torchs = [torch.tensor(a, requires_grad=True) for a in inputs]
    loss, tloss = ours(*mine, target), theirs(*torchs, torch.tensor(target))
    np.testing.assert_allclose(loss.numpy(), tloss.detach().numpy(), rtol=1e-12, atol=1e-14)
    loss.sum().backward()
    tloss.sum().backward()
    for a, b in zip(mine, torchs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("swap, p", [(False, 2.0), (True, 2.0), (False, 1.0)])
def test_triplet_margin_loss_matches_torch(swap, p):
    mine = [ag.Value(a, requires_grad=True) for a in (A, B, N)]
    torchs = [torch.tensor(a, requires_grad=True) for a in (A, B, N)]
    loss = nn.TripletMarginLoss(swap=swap, p=p)(*mine)
    tloss = torch.nn.TripletMarginLoss(swap=swap, p=p)(*torchs)
    np.testing.assert_allclose(loss.numpy(), tloss.detach().numpy(), rtol=1e-12)
    loss.backward()
    tloss.backward()
    for a, b in zip(mine, torchs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(F.triplet_margin_loss(A, B, N, p=p, swap=swap).numpy(),
                               loss.numpy())


def test_functional_forms_equal_the_modules():
    np.testing.assert_allclose(F.margin_ranking_loss(X, X2, SIGNS6, 0.3).numpy(),
                               nn.MarginRankingLoss(0.3)(X, X2, SIGNS6).numpy())
    np.testing.assert_allclose(F.cosine_embedding_loss(A, B, SIGNS5).numpy(),
                               nn.CosineEmbeddingLoss()(A, B, SIGNS5).numpy())
    np.testing.assert_allclose(F.soft_margin_loss(X, SIGNS6).numpy(),
                               nn.SoftMarginLoss()(X, SIGNS6).numpy())
    np.testing.assert_allclose(F.poisson_nll_loss(X, COUNTS).numpy(),
                               nn.PoissonNLLLoss()(X, COUNTS).numpy())
    np.testing.assert_allclose(F.hinge_embedding_loss(np.abs(X), SIGNS6).numpy(),
                               nn.HingeEmbeddingLoss()(np.abs(X), SIGNS6).numpy())
