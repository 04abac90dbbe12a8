"""PyTorch's ``affine_grid`` and ``grid_sample`` (nn/torch_sampling.py) against torch's:
values, gradients w.r.t. the input, the grid and theta, over random shapes, grids reaching
outside the image and every mode x padding_mode x align_corners, in float64 and float32;
and the "Spatial Transformer Networks" tutorial's Net, ported by renaming."""

import doctest
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F
import nn.torch_sampling as torch_sampling
from derivatives import compare_with_torch
from nn.torch_sampling import affine_grid, grid_sample

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FAST = settings(max_examples=40, deadline=None)
MODES = st.sampled_from(["bilinear", "nearest"])
PADDINGS = st.sampled_from(["zeros", "border", "reflection"])
IDENTITY = np.array([[1.0, 0, 0], [0, 1, 0]])


def random_theta(rng, n):
    """Near the identity, so that the grid mostly lands on the image, and sometimes off."""
    return IDENTITY + rng.normal(scale=0.6, size=(n, 2, 3))


def test_doctests():
    assert doctest.testmod(torch_sampling).failed == 0


@FAST
@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 5), w=st.integers(1, 5),
       h_out=st.integers(1, 4), w_out=st.integers(1, 4), mode=MODES, padding=PADDINGS,
       align=st.booleans(), seed=st.integers(0, 2**16))
def test_grid_sample_matches_torch(n, c, h, w, h_out, w_out, mode, padding, align, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, h, w))
    grid = rng.uniform(-2.5, 2.5, size=(n, h_out, w_out, 2))  # well outside [-1, 1] too
    compare_with_torch(lambda v, g: grid_sample(v, g, mode, padding, align),
                       lambda v, g: TF.grid_sample(v, g, mode, padding, align), x, grid,
                       rtol=1e-10, atol=1e-12, second=False)


@FAST
@given(n=st.integers(1, 3), c=st.integers(1, 2), h=st.integers(1, 5), w=st.integers(1, 5),
       h_out=st.integers(1, 5), w_out=st.integers(1, 5), mode=MODES, padding=PADDINGS,
       align=st.booleans(), seed=st.integers(0, 2**16))
def test_affine_grid_then_grid_sample_matches_torch(n, c, h, w, h_out, w_out, mode, padding,
                                                    align, seed):
    rng = np.random.default_rng(seed)
    x, theta = rng.normal(size=(n, c, h, w)), random_theta(rng, n)
    size = (n, c, h_out, w_out)
    with warnings.catch_warnings():  # torch's note on unit-size grids with align_corners
        warnings.simplefilter("ignore", UserWarning)
        compare_with_torch(
            lambda v, t: grid_sample(v, affine_grid(t, size, align), mode, padding, align),
            lambda v, t: TF.grid_sample(v, TF.affine_grid(t, size, align), mode, padding,
                                        align),
            x, theta, rtol=1e-10, atol=1e-12, second=False)


@FAST
@given(n=st.integers(1, 3), h=st.integers(1, 6), w=st.integers(1, 6), align=st.booleans(),
       seed=st.integers(0, 2**16))
def test_affine_grid_matches_torch(n, h, w, align, seed):
    theta = random_theta(np.random.default_rng(seed), n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        compare_with_torch(lambda t: affine_grid(t, (n, 3, h, w), align),
                           lambda t: TF.affine_grid(t, (n, 3, h, w), align), theta,
                           rtol=1e-12, atol=1e-14)


def test_identity_grid_reads_the_image_back():
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 4))
    theta = np.repeat(IDENTITY[None], 2, axis=0)
    for align in (False, True):
        for mode in ("bilinear", "nearest"):
            out = grid_sample(x, affine_grid(theta, x.shape, align), mode, "zeros", align)
            np.testing.assert_allclose(out.numpy(), x, atol=1e-12)


@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_points_on_pixel_centres_and_borders(padding, align):
    """Exact -1, 0, 1 and pixel centres: where a gradient is one-sided or clipped to 0."""
    x = np.random.default_rng(1).normal(size=(1, 2, 3, 4))
    points = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5])
    gx, gy = np.meshgrid(points, points[::-1])
    grid = np.stack([gx, gy], axis=-1)[None]
    for mode in ("bilinear", "nearest"):
        compare_with_torch(lambda v, g: grid_sample(v, g, mode, padding, align),
                           lambda v, g: TF.grid_sample(v, g, mode, padding, align), x, grid,
                           rtol=1e-10, atol=1e-12, second=False)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align", [False, True])
def test_float32(mode, padding, align):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 6, 7)).astype(np.float32)
    theta = random_theta(rng, 2).astype(np.float32)
    size = (2, 3, 5, 4)
    xv, tv = ag.Value(x), ag.Value(theta)
    out = grid_sample(xv, affine_grid(tv, size, align), mode, padding, align)
    assert out.dtype == np.float32
    ag.sum(out * out).backward()
    xt, tt = torch.tensor(x, requires_grad=True), torch.tensor(theta, requires_grad=True)
    expected = TF.grid_sample(xt, TF.affine_grid(tt, size, align), mode, padding, align)
    (expected * expected).sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    assert xv.grad.dtype == np.float32
    if mode == "nearest":  # torch's zeros, our none
        assert tv.grad is None and not np.any(tt.grad.numpy())
    else:
        np.testing.assert_allclose(tv.grad, tt.grad.numpy(), rtol=1e-4, atol=1e-4)
        assert tv.grad.dtype == np.float32


def test_nearest_sends_no_gradient_to_the_grid():
    rng = np.random.default_rng(3)
    grid = ag.Value(rng.uniform(-1, 1, size=(1, 3, 3, 2)))
    x = ag.Value(rng.normal(size=(1, 2, 4, 4)))
    ag.sum(grid_sample(x, grid, "nearest")).backward()
    assert grid.grad is None or not np.any(grid.grad)
    assert np.sum(x.grad) == 2 * 9  # each of the 9 points reads one pixel per channel


# --- the tutorial ----------------------------------------------------------------------------


def spatial_transformer_net(nn, F, tensor, no_grad):
    """The tutorial's Net, written once for both libraries: only the names differ."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)
            self.localization = nn.Sequential(
                nn.Conv2d(1, 8, kernel_size=7),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
                nn.Conv2d(8, 10, kernel_size=5),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True))
            self.fc_loc = nn.Sequential(
                nn.Linear(10 * 3 * 3, 32),
                nn.ReLU(True),
                nn.Linear(32, 3 * 2))
            with no_grad():  # the tutorial's ``.weight.data.zero_()``, in today's idiom
                self.fc_loc[2].weight.zero_()
                self.fc_loc[2].bias.copy_(tensor([1, 0, 0, 0, 1, 0]))

        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 10 * 3 * 3)
            theta = self.fc_loc(xs)
            theta = theta.view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size())
            x = F.grid_sample(x, grid)
            return x

        def forward(self, x):
            x = self.stn(x)
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net()


class _OursF:
    """nn.functional plus this file's two functions (nn.functional re-exports them)."""

    def __getattr__(self, name):
        return {"affine_grid": affine_grid, "grid_sample": grid_sample}.get(
            name) or getattr(F, name)


@pytest.mark.filterwarnings("ignore:Default grid_sample and affine_grid")  # torch's None
@pytest.mark.parametrize("perturb", [False, True])
def test_spatial_transformer_tutorial_net(perturb):
    """Same weights, eval mode (no dropout): same log-probabilities, same gradients of the
    NLL loss for every parameter (the localization net's through theta) and the input.
    ``perturb``: fc_loc's last layer off the identity, as after some training."""
    torch.manual_seed(0)
    theirs = spatial_transformer_net(torch.nn, TF, lambda v: torch.tensor(v, dtype=torch.float),
                                     torch.no_grad)
    ours = spatial_transformer_net(nn, _OursF(), lambda v: ag.tensor(v, dtype=ag.float32),
                                   ag.no_grad)
    np.testing.assert_array_equal(ours.fc_loc[2].bias.numpy(), [1, 0, 0, 0, 1, 0])
    assert not np.any(ours.fc_loc[2].weight.numpy())
    if perturb:
        with torch.no_grad():
            theirs.fc_loc[2].weight.normal_(0, 0.05)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, size=(3, 1, 28, 28)).astype(np.float32)
    labels = np.array([3, 0, 7])
    xv, xt = ag.Value(x), torch.tensor(x, requires_grad=True)
    out, expected = ours(xv), theirs(xt)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    F.nll_loss(out, labels).backward()
    TF.nll_loss(expected, torch.tensor(labels)).backward()
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        g = grads[name].grad.numpy()
        np.testing.assert_allclose(p.grad, g, rtol=1e-3, atol=1e-5 * np.abs(g).max() + 1e-7,
                                   err_msg=name)
    assert np.any(ours.fc_loc[2].weight.grad)  # theta's gradient reached the localization
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-3, atol=1e-6)


# --- errors --------------------------------------------------------------------------------


def test_errors_name_the_function_and_shapes():
    x, grid = np.zeros((2, 3, 4, 5)), np.zeros((2, 3, 3, 2))
    with pytest.raises(ValueError, match=r"grid_sample.*\(2, 3, 4, 5\).*\(2, 3, 3\)"):
        grid_sample(x, np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match=r"grid_sample.*\(2, 3, 3, 3\)"):
        grid_sample(x, np.zeros((2, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"grid_sample.*\(3, 5\)"):
        grid_sample(np.zeros((3, 5)), grid)
    with pytest.raises(ValueError, match=r"grid_sample.*batch.*\(2, 3, 4, 5\).*\(1, 3, 3, 2\)"):
        grid_sample(x, np.zeros((1, 3, 3, 2)))
    with pytest.raises(ValueError, match=r"grid_sample.*non-empty.*\(2, 3, 0, 5\)"):
        grid_sample(np.zeros((2, 3, 0, 5)), grid)
    with pytest.raises(ValueError, match=r"grid_sample: mode.*'bicubic'"):
        grid_sample(x, grid, mode="bicubic")
    with pytest.raises(ValueError, match=r"grid_sample: padding_mode.*'reflect'"):
        grid_sample(x, grid, padding_mode="reflect")
    with pytest.raises(TypeError, match=r"grid_sample: align_corners.*'yes'"):
        grid_sample(x, grid, align_corners="yes")
    with pytest.raises(TypeError, match=r"grid_sample.*float32 and float64"):
        grid_sample(x.astype(np.float32), grid)
    theta = np.zeros((2, 2, 3))
    with pytest.raises(ValueError, match=r"affine_grid.*\(2, 2, 3\).*\(2, 3, 3\)"):
        affine_grid(np.zeros((2, 3, 3)), (2, 1, 4, 4))
    with pytest.raises(ValueError, match=r"affine_grid.*\(3, 2, 3\).*\(3, 1, 4, 4\).*"
                                         r"\(2, 2, 3\)"):
        affine_grid(theta, (3, 1, 4, 4))
    with pytest.raises(ValueError, match=r"affine_grid: size.*\(2, 1, 4, 4, 4\)"):
        affine_grid(theta, (2, 1, 4, 4, 4))
    with pytest.raises(ValueError, match=r"affine_grid: size.*\(2, 1, 0, 4\)"):
        affine_grid(theta, (2, 1, 0, 4))
    with pytest.raises(TypeError, match=r"affine_grid: expected a floating theta.*int"):
        affine_grid(ag.tensor(np.zeros((2, 2, 3), np.int64)), (2, 1, 4, 4))
