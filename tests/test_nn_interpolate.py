"""PyTorch's F.interpolate and nn.Upsample against torch 2.13: every mode, sizes and scale
factors (integer and not), align_corners, recompute_scale_factor; values and gradients."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)

IMAGE_CASES = [dict(scale_factor=2), dict(scale_factor=(1.5, 2.3)), dict(size=(9, 4)),
               dict(size=(3, 3)), dict(scale_factor=1.5, mode="nearest-exact"),
               dict(scale_factor=2, mode="bilinear"), dict(size=(9, 4), mode="bilinear"),
               dict(scale_factor=(1.7, 0.6), mode="bilinear", align_corners=True),
               dict(size=(8, 11), mode="bilinear", align_corners=True),
               dict(scale_factor=(1.5, 2.3), mode="bilinear"),
               dict(scale_factor=(1.5, 2.3), mode="bilinear", recompute_scale_factor=True)]
SEQUENCE_CASES = [dict(scale_factor=2.5), dict(size=9, mode="linear"),
                  dict(size=4, mode="linear", align_corners=True)]


@pytest.mark.parametrize("shape, kwargs", [((2, 3, 5, 7), c) for c in IMAGE_CASES]
                         + [((2, 3, 6), c) for c in SEQUENCE_CASES])
def test_interpolate_matches_torch(shape, kwargs):
    x0 = RNG.normal(size=shape)
    x, t = ag.Value(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    y, ty = F.interpolate(x, **kwargs), torch.nn.functional.interpolate(t, **kwargs)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    seed = RNG.normal(size=y.shape)
    (y * seed).sum().backward()
    (ty * torch.tensor(seed)).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-13)
    layer = nn.Upsample(**kwargs)
    np.testing.assert_array_equal(layer(x0).numpy(), y.numpy())
    assert nn.Upsample(**layer.get_config()).get_config() == layer.get_config()


def test_a_unet_decoder_step_ports():
    """Upsample then concatenate with the skip connection, as U-Net tutorials write it."""
    up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    deep, skip = RNG.normal(size=(1, 4, 3, 3)), RNG.normal(size=(1, 2, 6, 6))
    merged = ag.concatenate([up(deep), ag.constant(skip)], axis=1)
    assert merged.shape == (1, 6, 6, 6)


def test_refusals():
    x = np.ones((1, 1, 4, 4))
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(NotImplementedError, match="mode 'bicubic'"):
        F.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match="align_corners only goes with the linear modes"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(x, scale_factor=2, mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match="scale_factor must be a positive number"):
        F.interpolate(x, scale_factor=-1)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        nn.Upsample()


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                    dict(kernel_size=(4,), stride=(3,))])
@pytest.mark.parametrize("name", ["MaxPool1d", "AvgPool1d"])
def test_pool1d_matches_torch(name, kwargs):
    x0 = RNG.normal(size=(2, 3, 11))
    x, t = ag.Value(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    layer = getattr(nn, name)(**kwargs)
    y, ty = layer(x), getattr(torch.nn, name)(**kwargs)(t)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)
    assert getattr(nn, name)(**layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="at most half the kernel_size"):
        getattr(nn, name)(2, padding=2)
