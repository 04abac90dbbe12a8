"""PyTorch's ConvTranspose2d (and F.conv_transpose2d), Unflatten, Dropout2d and KLDivLoss
(F.kl_div), against torch 2.13 with the same weights: values and gradients."""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F
from side_effects import nothing_changes

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)


CASES = [  # (in, out, k, stride, padding, output_padding, groups, dilation, H)
    (3, 4, 3, 1, 0, 0, 1, 1, 5),
    (4, 6, 4, 2, 1, 0, 1, 1, 4),     # DCGAN's generator block
    (4, 6, 3, 2, 1, 1, 2, 1, 5),
    (2, 3, (3, 2), (2, 3), (1, 0), (1, 2), 1, 1, 4),
    (2, 2, 3, 2, 2, 1, 1, 2, 6),
    # output_padding at or past the stride, below the dilation (PyTorch's rule): past the
    # padding too (zeros after the full output), or within it
    (2, 3, 3, 1, 0, 1, 1, 2, 4),
    (3, 2, 3, 1, 2, 1, 1, 3, 5),
    (2, 4, (3, 2), (1, 2), (1, 0), (2, 1), 2, (3, 2), 4),
]


@pytest.mark.parametrize("c_in, c_out, k, s, p, op, g, d, h", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose2d_layer_matches_torch(c_in, c_out, k, s, p, op, g, d, h, bias):
    ours = nn.ConvTranspose2d(c_in, c_out, k, s, p, op, g, bias, d, dtype="float64")
    theirs = torch.nn.ConvTranspose2d(c_in, c_out, k, s, p, op, g, bias, d,
                                      dtype=torch.float64)
    assert ours.weight.shape == tuple(theirs.weight.shape)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.numpy()))
        if bias:
            theirs.bias.copy_(torch.tensor(ours.bias.numpy()))
    x0 = RNG.normal(size=(2, c_in, h, h + 1))
    x, tx = ag.Value(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = RNG.normal(size=y.shape)
    (y * seed).sum().backward()
    (ty * torch.tensor(seed)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
    if bias:
        np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("stride, padding, output_padding, dilation", [
    (1, 0, 1, 2), (1, 1, 2, 3), ((2, 1), (0, 2), (1, 2), (1, 3)), (2, 1, 2, 3)])
def test_conv_transpose2d_output_padding_below_the_dilation_matches_torch(
        stride, padding, output_padding, dilation):
    """F.conv_transpose2d's values, gradients and second derivatives, PyTorch's double
    backward, where output_padding reaches the stride: PyTorch allows it below the
    dilation."""
    from derivatives import compare_with_torch
    x, w, b = RNG.normal(size=(2, 2, 3, 4)), RNG.normal(size=(2, 3, 3, 2)), RNG.normal(size=3)
    compare_with_torch(
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, output_padding, 1,
                                           dilation),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, stride, padding,
                                                             output_padding, 1, dilation),
        x, w, b)
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(3, 3\) must be "
                                         r"smaller than the stride .* or the dilation"):
        F.conv_transpose2d(x, w, b, 1, 0, 3, 1, 3)


def test_conv_transpose2d_init_is_pytorchs():
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = out_channels / groups * kh * kw."""
    layer = nn.ConvTranspose2d(8, 6, 3, groups=2, dtype="float64")
    bound = 1 / np.sqrt(3 * 9)
    assert np.abs(layer.bias.numpy()).max() <= bound
    weights = np.abs(layer.weight.numpy())  # 216 draws: the largest lies near the bound
    assert weights.max() <= bound and weights.max() > 0.9 * bound


def test_output_size_picks_the_output_padding():
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype="float64")
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.weight.numpy()))
        theirs.bias.copy_(torch.tensor(layer.bias.numpy()))
    x = RNG.normal(size=(1, 2, 4, 4))
    for size in ((7, 7), (8, 8), (7, 8), (1, 3, 8, 7)):
        np.testing.assert_allclose(layer(x, output_size=size).numpy(),
                                   theirs(torch.tensor(x), output_size=size).detach().numpy(),
                                   rtol=1e-12)
    with pytest.raises(ValueError, match=r"output_size \(9, 9\) is not one .* 7\.\.8"):
        layer(x, output_size=(9, 9))


def test_dcgan_generator_ports_by_renaming():
    """PyTorch's DCGAN tutorial's generator, scaled down: ConvTranspose2d, BatchNorm2d,
    ReLU and Tanh from a latent vector to a 16x16 image."""
    nz, ngf = 8, 4

    def generator(lib):
        return lib.Sequential(
            lib.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            lib.BatchNorm2d(ngf * 2), lib.ReLU(True),
            lib.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            lib.BatchNorm2d(ngf), lib.ReLU(True),
            lib.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), lib.Tanh())
    ours, theirs = generator(nn), generator(torch.nn)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    noise = RNG.normal(size=(3, nz, 1, 1)).astype(np.float32)
    y, ty = ours(noise), theirs(torch.tensor(noise))
    assert y.shape == (3, 1, 16, 16)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=2e-5)


def test_conv_transpose2d_refuses_before_taking_a_name():
    for call in (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2),
                 lambda: nn.ConvTranspose2d(3, 4, 3, groups=2),
                 lambda: nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")):
        def refused(call=call):
            with pytest.raises(ValueError):
                call()
        nothing_changes(refused)
    with pytest.raises(ValueError, match="crops more than the output has"):
        F.conv_transpose2d(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)), padding=1)


def test_a_model_with_conv_transpose2d_saves_its_config():
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1, bias=False)
    again = nn.ConvTranspose2d(**layer.get_config())
    assert again.get_config() == layer.get_config() and again.bias is None


def test_unflatten_as_torch():
    x = RNG.normal(size=(2, 12, 3))
    for dim, sizes in ((1, (3, 4)), (1, (2, -1)), (-1, (3, 1)), (0, (1, 2))):
        np.testing.assert_array_equal(nn.Unflatten(dim, sizes)(x).numpy(),
                                      torch.nn.Unflatten(dim, sizes)(torch.tensor(x)).numpy())
    with pytest.raises(ValueError, match=r"sizes \(5, 2\) do not make axis 1 of 12"):
        nn.Unflatten(1, (5, 2))(x)
    with pytest.raises(ValueError, match="one may be -1"):
        nn.Unflatten(1, (-1, -1))


def test_dropout2d_drops_whole_channels_in_training_only():
    layer = nn.Dropout2d(p=0.5, seed=0)
    x = np.ones((4, 8, 3, 3))
    y = layer(x).numpy()
    per_channel = y.reshape(4, 8, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # whole channels
    assert 0 < (per_channel[:, :, 0] == 0).mean() < 1
    layer.eval()
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    assert layer.p == 0.5 and nn.Dropout2d(**layer.get_config()).p == 0.5
    with pytest.raises(TypeError, match="inplace"):
        nn.Dropout2d(0.5, inplace="yes")


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    x0 = np.log(RNG.dirichlet(np.ones(5), size=4))
    t = RNG.dirichlet(np.ones(5), size=4)
    t[0, 2] = 0.0  # a zero target contributes 0, as PyTorch's xlogy
    t[0] /= t[0].sum()
    target = np.log(np.where(t > 0, t, 1e-300)) if log_target else t
    x, tx = ag.Value(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    loss = nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns that "mean" is not the divergence
        tloss = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)(
            tx, torch.tensor(target))
    np.testing.assert_allclose(loss.numpy(), tloss.detach().numpy(), rtol=1e-12)
    loss.sum().backward()
    tloss.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        F.kl_div(x0, target, reduction=reduction, log_target=log_target).numpy(),
        loss.numpy())
    with pytest.raises(TypeError, match="deprecated"):
        nn.KLDivLoss(size_average=True)


def test_embedding_from_pretrained_and_weight_as_pytorch():
    table = RNG.normal(size=(5, 3))
    frozen = nn.Embedding.from_pretrained(table)
    ids = np.array([[1, 4, 0]])
    np.testing.assert_array_equal(
        frozen(ids).numpy(), torch.nn.Embedding.from_pretrained(torch.tensor(table))(
            torch.tensor(ids)).numpy())
    assert frozen.trainable_variables == [] and frozen.weight is frozen.embeddings
    assert len(nn.Embedding.from_pretrained(table, freeze=False).trainable_variables) == 1
    layer = nn.Embedding(10, 4)
    init_range = 0.1  # PyTorch's word-language-model tutorial's init_weights
    nn.init.uniform_(layer.weight, -init_range, init_range)
    assert np.abs(layer.weight.numpy()).max() <= init_range
    with pytest.raises(ValueError, match="2-D float table"):
        nn.Embedding.from_pretrained(np.ones(3))
