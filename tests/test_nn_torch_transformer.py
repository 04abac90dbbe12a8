"""PyTorch's TransformerEncoderLayer and TransformerEncoder against torch 2.13 with the same
weights (loaded from torch's state dict): outputs and gradients, post- and pre-norm, masks,
layouts, activations."""

import numpy as np
import pytest

import autograd_core as ag
import nn

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def twins(**options):
    options = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0, **options}
    theirs = torch.nn.TransformerEncoderLayer(dtype=torch.float64, **options)
    ours = nn.TransformerEncoderLayer(dtype="float64", **options)
    return ours, theirs


def load(ours, theirs):
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert sorted(ours.state_dict()) == sorted(state)  # PyTorch's names
    ours.load_state_dict(state)


def same(ours, theirs, x, **call):
    mine = ag.Value(x, requires_grad=True)
    torchs = torch.tensor(x, requires_grad=True)
    out = ours(mine, **call)
    tout = theirs(torchs, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                             for k, v in call.items()})
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-9, atol=1e-11)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(mine.grad, torchs.grad.numpy(), rtol=1e-8, atol=1e-10)
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name].grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


@pytest.mark.parametrize("options", [dict(), dict(norm_first=True),
                                     dict(activation="gelu", batch_first=True),
                                     dict(bias=False, layer_norm_eps=1e-3)])
def test_encoder_layer_matches_torch(options):
    ours, theirs = twins(**options)
    load(ours, theirs)
    same(ours, theirs, RNG.normal(size=(5, 3, 8)))


def test_masks_as_torch():
    ours, theirs = twins()
    load(ours, theirs)
    causal = ~np.tril(np.ones((5, 5), bool))  # True: may not attend
    padding = np.zeros((3, 5), bool)
    padding[1, 3:] = True
    same(ours, theirs, RNG.normal(size=(5, 3, 8)), src_mask=causal,
         src_key_padding_mask=padding)


def test_encoder_stack_with_a_final_norm_matches_torch():
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, dtype=torch.float64), 3,
        norm=torch.nn.LayerNorm(8, dtype=torch.float64), enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, dtype="float64"),
                                 3, norm=nn.LayerNorm(8, dtype="float64"))
    load(ours, theirs)
    layers = ours.layers
    assert len(layers) == 3 and layers[0].linear1.weight is not layers[1].linear1.weight
    mask = np.triu(np.full((5, 5), -np.inf), 1)  # PyTorch's generate_square_subsequent_mask
    same(ours, theirs, RNG.normal(size=(5, 2, 8)), mask=mask)


def test_dropout_in_training_only_and_refusals():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = RNG.normal(size=(4, 2, 8))
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())
    layer.train()
    assert not np.allclose(layer(x).numpy(), layer(x).numpy())
    with pytest.raises(ValueError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.TransformerEncoderLayer(8, 3)
    with pytest.raises(TypeError, match="the layer to stack must be a layer"):
        nn.TransformerEncoder("layer", 2)


def same_two(ours, theirs, src, tgt, **call):
    """Like ``same`` for modules of two inputs (a decoder's tgt and memory, a
    Transformer's src and tgt)."""
    mine = [ag.Value(a, requires_grad=True) for a in (src, tgt)]
    torchs = [torch.tensor(a, requires_grad=True) for a in (src, tgt)]
    out = ours(*mine, **call)
    tout = theirs(*torchs, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                              for k, v in call.items()})
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-9, atol=1e-11)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    for a, b in zip(mine, torchs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-8, atol=1e-10)
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name].grad.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=name)


@pytest.mark.parametrize("options", [dict(), dict(norm_first=True, batch_first=True)])
def test_decoder_layer_matches_torch(options):
    options = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0, **options}
    theirs = torch.nn.TransformerDecoderLayer(dtype=torch.float64, **options)
    ours = nn.TransformerDecoderLayer(dtype="float64", **options)
    load(ours, theirs)
    shape_t, shape_m = ((3, 4, 8), (3, 6, 8)) if options.get("batch_first") else \
        ((4, 3, 8), (6, 3, 8))
    padding = np.zeros((3, 6), bool)
    padding[0, 4:] = True
    same_two(ours, theirs, RNG.normal(size=shape_t), RNG.normal(size=shape_m),
             tgt_mask=np.triu(np.full((4, 4), -np.inf), 1),
             memory_key_padding_mask=padding)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")  # torch's own, on its speed path
def test_transformer_matches_torch_and_makes_its_causal_mask():
    """PyTorch's encoder-decoder Transformer (its translation tutorial's model), small."""
    options = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                   dim_feedforward=16, dropout=0.0)
    theirs = torch.nn.Transformer(dtype=torch.float64, **options)
    ours = nn.Transformer(dtype="float64", **options)
    load(ours, theirs)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype="float64")
    np.testing.assert_array_equal(
        mask.numpy(),
        torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64).numpy())
    same_two(ours, theirs, RNG.normal(size=(6, 2, 8)), RNG.normal(size=(4, 2, 8)),
             tgt_mask=mask.numpy())
    fresh = nn.Transformer(**options)
    weights = fresh.encoder.layers[0].linear1.weight.numpy()
    assert np.abs(weights).max() <= np.sqrt(6 / (8 + 16))  # Xavier, as _reset_parameters
