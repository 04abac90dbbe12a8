"""PyTorch's nn.MultiheadAttention and F.scaled_dot_product_attention against torch 2.13,
with the same weights (loaded from torch's state dict): outputs, attention weights and
gradients, over masks, layouts and options."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
SEQ = [(5, 3, 8), (6, 3, 8), (6, 3, 8)]  # (L, N, E), (S, N, E), (S, N, E)
CAUSE = RNG.random((5, 6)) > 0.6
CAUSE[:, 0] = False  # every query may attend at least one key


def padding():
    mask = np.zeros((3, 6), bool)
    mask[:, 4:] = True
    return mask


CASES = [
    (dict(), SEQ, dict()),
    (dict(batch_first=True), [(3, 5, 8), (3, 6, 8), (3, 6, 8)], dict()),
    (dict(num_heads=4, kdim=5, vdim=3), [(5, 3, 8), (6, 3, 5), (6, 3, 3)], dict()),
    (dict(), SEQ, dict(attn_mask=CAUSE)),
    (dict(), SEQ, dict(attn_mask=RNG.normal(size=(6, 5, 6)))),  # (N * H, L, S) floats
    (dict(), SEQ, dict(key_padding_mask=padding(), average_attn_weights=False)),
    (dict(add_bias_kv=True, add_zero_attn=True), SEQ,
     dict(key_padding_mask=padding(), attn_mask=CAUSE)),
    (dict(), [(5, 8), (6, 8), (6, 8)], dict()),  # unbatched
    (dict(bias=False), SEQ, dict(need_weights=False)),
]


@pytest.mark.parametrize("options, shapes, call", CASES)
def test_multihead_attention_matches_torch(options, shapes, call):
    options = {"embed_dim": 8, "num_heads": 2, **options}
    theirs = torch.nn.MultiheadAttention(dtype=torch.float64, **options)
    ours = nn.MultiheadAttention(dtype="float64", **options)
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert sorted(ours.state_dict()) == sorted(state)  # PyTorch's names, so its files load
    ours.load_state_dict(state)
    arrays = [RNG.normal(size=s) for s in shapes]
    mine = [ag.Value(a, requires_grad=True) for a in arrays]
    torchs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, weights = ours(*mine, **call)
    tout, tweights = theirs(*torchs, **{k: torch.tensor(v) if isinstance(v, np.ndarray)
                                        else v for k, v in call.items()})
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert (weights is None) == (tweights is None)
    loss, tloss = out.sum(), tout.sum()
    if weights is not None:
        np.testing.assert_allclose(weights.numpy(), tweights.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        loss, tloss = loss + (weights * weights).sum(), tloss + (tweights * tweights).sum()
    loss.backward()
    tloss.backward()
    for a, b in zip(mine, torchs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, dict(theirs.named_parameters())[name].grad.numpy(),
                                   rtol=1e-9, atol=1e-12, err_msg=name)


def test_init_and_refusals_as_pytorch():
    layer = nn.MultiheadAttention(8, 2)
    np.testing.assert_array_equal(layer.in_proj_bias.numpy(), 0)
    np.testing.assert_array_equal(layer.out_proj.bias.numpy(), 0)
    bound = np.sqrt(6 / (8 + 24))  # xavier over the (3E, E) matrix
    assert np.abs(layer.in_proj_weight.numpy()).max() <= bound
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="give attn_mask too"):
        layer(np.ones((2, 1, 8)), np.ones((2, 1, 8)), np.ones((2, 1, 8)), is_causal=True)
    with pytest.raises(ValueError, match="expected query"):
        layer(np.ones((2, 1, 8)), np.ones((2, 1, 4)), np.ones((2, 1, 8)))


def test_dropout_acts_in_training_only():
    layer = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = RNG.normal(size=(4, 2, 8))
    layer.eval()
    a, _ = layer(x, x, x)
    b, _ = layer(x, x, x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    layer.train()
    ag.manual_seed(1)
    c, w = layer(x, x, x, average_attn_weights=False)
    assert not np.allclose(c.numpy(), a.numpy()) and (w.numpy() == 0).any()


@pytest.mark.parametrize("kwargs", [
    dict(), dict(attn_mask=CAUSE[:4]), dict(attn_mask=RNG.normal(size=(4, 6))),
    dict(scale=0.3), dict(is_causal=True)])
def test_scaled_dot_product_attention_matches_torch(kwargs):
    q, k, v = (RNG.normal(size=s) for s in ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5)))
    if kwargs.get("attn_mask") is not None and kwargs["attn_mask"].dtype == bool:
        kwargs = dict(attn_mask=~kwargs["attn_mask"])  # True: may attend, here
        kwargs["attn_mask"][:, 0] = True
    mine = [ag.Value(a, requires_grad=True) for a in (q, k, v)]
    torchs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = F.scaled_dot_product_attention(*mine, **kwargs)
    tout = torch.nn.functional.scaled_dot_product_attention(
        *torchs, **{key: torch.tensor(val) if isinstance(val, np.ndarray) else val
                    for key, val in kwargs.items()})
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for a, b in zip(mine, torchs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_grouped_query_attention_as_torch():
    q, k, v = (RNG.normal(size=s) for s in ((1, 6, 4, 8), (1, 2, 5, 8), (1, 2, 5, 8)))
    np.testing.assert_allclose(
        F.scaled_dot_product_attention(q, k, v, enable_gqa=True).numpy(),
        torch.nn.functional.scaled_dot_product_attention(
            torch.tensor(q), torch.tensor(k), torch.tensor(v), enable_gqa=True).numpy(),
        rtol=1e-12)
