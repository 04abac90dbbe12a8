"""PyTorch's names added to nn as thin wrappers: the functions dropout3d, lp_pool3d,
max_pool3d_with_indices and adaptive_max_pool{1,2,3}d_with_indices; the layers LPPool3d,
InstanceNorm3d and FeatureAlphaDropout.

The deterministic ones against torch in float64 (values, indices, and the gradients of the
input and of every parameter); the random dropouts by their properties (whole channels,
the mean kept, eval and p=0 the identity) and by the two values torch's own
FeatureAlphaDropout gives; bad arguments refused by name, before anything changes.
"""

import inspect
import re

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from derivatives import compare_with_torch
from nn import torch_avg_pooling, torch_dropout, torch_norm, torch_pooling
from nn import torch_random_functions, volumetric_functional

torch = pytest.importorskip("torch")
TF = torch.nn.functional

from test_nn_torch_gaps import TOL, _copy_in, _same_run  # noqa: E402  (needs torch)

INF = float("inf")
SELU_BOUND = 1.7580993408473766  # -SELU(-inf) = scale * alpha
NEW_FUNCTIONS = ["dropout3d", "lp_pool3d", "max_pool3d_with_indices",
                 "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
                 "adaptive_max_pool3d_with_indices"]
NEW_LAYERS = ["LPPool3d", "InstanceNorm3d", "FeatureAlphaDropout"]


def _float64():
    ag.set_default_dtype(ag.float64)  # conftest puts the default back after each test


# --- the names ------------------------------------------------------------------------------

def test_the_new_names_are_exported_once_with_pytorchs_signatures():
    for name in NEW_FUNCTIONS:
        assert name in F.__all__ and callable(getattr(F, name)), name
        ours, theirs = (inspect.signature(f).parameters for f in (getattr(F, name),
                                                                   getattr(TF, name)))
        assert [(p.name, p.default) for p in ours.values()] == \
            [(p.name, p.default) for p in theirs.values()], name
    for name in NEW_LAYERS:
        assert name in nn.__all__ and hasattr(torch.nn, name), name
    assert len(F.__all__) == len(set(F.__all__)) and len(nn.__all__) == len(set(nn.__all__))
    # each name is defined once, where its family lives, and re-exported from there
    assert F.dropout3d is torch_random_functions.dropout3d
    assert F.max_pool3d_with_indices is volumetric_functional.max_pool3d_with_indices
    assert F.adaptive_max_pool3d_with_indices is \
        volumetric_functional.adaptive_max_pool3d_with_indices
    assert F.adaptive_max_pool1d_with_indices is torch_pooling.adaptive_max_pool1d_with_indices
    assert F.adaptive_max_pool2d_with_indices is torch_pooling.adaptive_max_pool2d_with_indices
    assert nn.LPPool3d is torch_avg_pooling.LPPool3d and "LPPool3d" in torch_avg_pooling.__all__
    assert nn.InstanceNorm3d is torch_norm.InstanceNorm3d and \
        "InstanceNorm3d" in torch_norm.__all__
    assert nn.FeatureAlphaDropout is torch_dropout.FeatureAlphaDropout and \
        "FeatureAlphaDropout" in torch_dropout.__all__


# --- lp_pool3d and LPPool3d -------------------------------------------------------------------

CASES = [((2, 3, 4, 5, 4), (2, 3, 2)), ((3, 4, 4, 5), 2), ((1, 2, 5, 5, 6), 3)]


@pytest.mark.parametrize("norm_type", [1, 2, 3, INF])
@pytest.mark.parametrize("stride", [None, 1, (2, 1, 2)])
@pytest.mark.parametrize("shape, kernel_size", CASES)
def test_lp_pool3d_matches_torch(norm_type, stride, shape, kernel_size):
    rng = np.random.default_rng(20)
    x = rng.normal(size=shape)
    if norm_type == 3:  # an odd power: a window whose sum is negative is NaN in both
        x = np.abs(x) + 0.1
    compare_with_torch(lambda v: F.lp_pool3d(v, norm_type, kernel_size, stride),
                       lambda t: TF.lp_pool3d(t, norm_type, kernel_size, stride), x,
                       rtol=1e-9, atol=1e-11, second=False)


def test_lp_pool3d_at_inf_is_the_max_of_the_absolute_values():
    x = -np.arange(1.0, 9.0).reshape(1, 1, 2, 2, 2)  # every |x| above every x
    assert F.lp_pool3d(x, INF, 2).numpy().item() == 8.0
    assert F.lp_pool3d(np.abs(x), 1, 2).numpy().item() == 36.0  # p = 1: the window's sum


@pytest.mark.parametrize("norm_type", [1, 2, 3, INF])
@pytest.mark.parametrize("stride", [None, 2])
@pytest.mark.parametrize("shape, kernel_size", CASES)
def test_lp_pool3d_layer_matches_torch(norm_type, stride, shape, kernel_size):
    _float64()
    x = np.abs(np.random.default_rng(21).normal(size=shape)) + 0.1
    layer = nn.LPPool3d(norm_type, kernel_size, stride)
    tlayer = torch.nn.LPPool3d(norm_type, kernel_size, stride)
    _same_run(layer, tlayer, x)
    assert repr(layer) == repr(tlayer)
    assert layer.get_config() == {"name": layer.name, "norm_type": norm_type,
                                  "kernel_size": kernel_size, "stride": stride}


def test_lp_pool3d_refuses_what_it_does_not_support():
    x = np.ones((1, 2, 3, 3, 3))
    with pytest.raises(ValueError, match="LPPool3d: norm_type must be > 0"):
        nn.LPPool3d(0, 2)
    with pytest.raises(ValueError, match=r"LPPool3d 'p': kernel_size must be an int >= 1 "
                                         r"or a tuple of 3"):
        nn.LPPool3d(2, (2, 2), name="p")
    with pytest.raises(ValueError, match=r"LPPool3d: stride must be an int >= 1"):
        nn.LPPool3d(2, 2, stride=0)
    with pytest.raises(NotImplementedError, match="LPPool3d: ceil_mode=True is not supported"):
        nn.LPPool3d(2, 2, ceil_mode=True)
    with pytest.raises(ValueError, match=r"LPPool3d 'p': lp_pool3d: expected volumes "
                                         r"\(N, C, D, H, W\) or \(C, D, H, W\), got shape "
                                         r"\(3, 3, 3\)"):
        nn.LPPool3d(2, 2, name="p")(x[0, 0])
    with pytest.raises(ValueError, match=r"lp_pool3d: expected volumes .*got shape "
                                         r"\(1, 1, 2, 3, 3, 3\)"):
        F.lp_pool3d(x[None], INF, 2)
    with pytest.raises(ValueError, match=r"lp_pool3d: norm_type must lie in .*, got -1"):
        F.lp_pool3d(x, -1, 2)
    with pytest.raises(ValueError, match=r"lp_pool3d: norm_type must be > 0, got 0"):
        F.lp_pool3d(x, 0, 2)
    with pytest.raises(NotImplementedError, match="lp_pool3d: ceil_mode=True"):
        F.lp_pool3d(x, 2, 2, ceil_mode=True)


# --- the *_with_indices functions --------------------------------------------------------------

@pytest.mark.parametrize("shape, args", [
    ((2, 3, 4, 5, 6), dict(kernel_size=2)),
    ((2, 3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 1), padding=(1, 1, 0))),
    ((1, 2, 7, 6, 7), dict(kernel_size=3, stride=2, padding=1, dilation=(1, 2, 1),
                           ceil_mode=True)),
    ((3, 5, 5, 6), dict(kernel_size=2, stride=2, ceil_mode=True)),  # unbatched
])
def test_max_pool3d_with_indices_matches_torch(shape, args):
    x = np.random.default_rng(22).normal(size=shape)
    for return_indices in (False, True):  # ignored: both, always, as torch's
        y, i = F.max_pool3d_with_indices(x, **args, return_indices=return_indices)
        yt, it = TF.max_pool3d_with_indices(torch.tensor(x), **args)
        np.testing.assert_array_equal(y.numpy(), yt.numpy())
        np.testing.assert_array_equal(i.numpy(), it.numpy())
        assert i.dtype == np.int64
    compare_with_torch(lambda v: F.max_pool3d_with_indices(v, **args)[0],
                       lambda t: TF.max_pool3d_with_indices(t, **args)[0], x,
                       rtol=1e-12, second=False)


@pytest.mark.parametrize("rank, shape, output_size", [
    (1, (2, 3, 7), 3), (1, (3, 7), (4,)), (1, (2, 2, 5), 5),
    (2, (2, 3, 7, 5), (3, None)), (2, (2, 3, 6, 6), 4), (2, (3, 6, 5), (4, 2)),
    (3, (2, 3, 5, 6, 7), (2, 3, 4)), (3, (2, 2, 4, 5, 6), (None, 2, 5)), (3, (3, 4, 5, 6), 3),
])
def test_adaptive_max_pool_with_indices_match_torch(rank, shape, output_size):
    name = f"adaptive_max_pool{rank}d_with_indices"
    ours, theirs = getattr(F, name), getattr(TF, name)
    x = np.random.default_rng(23).normal(size=shape)
    for return_indices in (False, True):
        y, i = ours(x, output_size, return_indices)
        yt, it = theirs(torch.tensor(x), output_size)
        np.testing.assert_array_equal(y.numpy(), yt.numpy())
        np.testing.assert_array_equal(i.numpy(), it.numpy())
        assert i.dtype == np.int64
    compare_with_torch(lambda v: ours(v, output_size)[0],
                       lambda t: theirs(t, output_size)[0], x, rtol=1e-12, second=False)


def test_with_indices_refuse_bad_input_naming_the_function():
    with pytest.raises(ValueError, match=r"max_pool3d: expected input \(N, C, D, H, W\) or "
                                         r"\(C, D, H, W\).*got shape \(2, 3, 4\)"):
        F.max_pool3d_with_indices(np.ones((2, 3, 4)), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool3d: output_size must be"):
        F.adaptive_max_pool3d_with_indices(np.ones((1, 2, 3, 3, 3)), (2, 2))
    with pytest.raises(ValueError, match=r"adaptive_max_pool2d: .*\(2, 3\)"):
        F.adaptive_max_pool2d_with_indices(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match=r"adaptive_max_pool1d: .*\(2, 3, 4, 5\)"):
        F.adaptive_max_pool1d_with_indices(np.ones((2, 3, 4, 5)), 2)


# --- InstanceNorm3d ---------------------------------------------------------------------------

@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_instance_norm3d_matches_torch_in_train_and_eval(batched, affine, track, momentum):
    _float64()
    rng = np.random.default_rng(24)
    ours = nn.InstanceNorm3d(3, affine=affine, track_running_stats=track, momentum=momentum)
    theirs = torch.nn.InstanceNorm3d(3, affine=affine, track_running_stats=track,
                                     momentum=momentum).double()
    _copy_in(ours, theirs, rng)  # affine: random weight and bias, checked by their grads
    shape = ((2,) if batched else ()) + (3, 3, 4, 2)
    for _ in range(2):  # training steps: the running statistics move as torch's
        _same_run(ours, theirs, rng.normal(size=shape) * 2 + 1)
    for name, buffer in theirs.named_buffers():
        np.testing.assert_allclose(ours.get_buffer(name).numpy(), buffer.numpy(), **TOL)
    if track and momentum is not None:  # not the initial zeros and ones any more
        assert np.abs(ours.running_mean.numpy()).min() > 0.01
    ours.eval()
    theirs.eval()
    _same_run(ours, theirs, rng.normal(size=shape))
    assert repr(ours) == repr(theirs)


def test_instance_norm3d_defaults_and_errors_change_nothing():
    layer = nn.InstanceNorm3d(4)
    assert (layer.affine, layer.track_running_stats, layer.eps) == (False, False, 1e-5)
    assert list(layer.state_dict()) == []
    tracked = nn.InstanceNorm3d(3, track_running_stats=True, name="norm")
    assert list(tracked.state_dict()) == \
        list(torch.nn.InstanceNorm3d(3, track_running_stats=True).state_dict())
    before = {k: np.array(v) for k, v in tracked.state_dict().items()}
    with pytest.raises(ValueError, match=r"InstanceNorm3d 'norm': expected input "
                                         r"\(N, C, D, H, W\) or \(C, D, H, W\), got shape "
                                         r"\(2, 3, 4\)"):
        tracked(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"InstanceNorm3d 'norm': expected 3 channels "
                                         r"\(axis 1\), got input of shape \(2, 4, 2, 2, 2\)"):
        tracked(np.ones((2, 4, 2, 2, 2)))
    for key, value in tracked.state_dict().items():  # the refused calls wrote nothing
        np.testing.assert_array_equal(np.array(value), before[key], err_msg=key)
    with pytest.warns(UserWarning, match="num_features=3 differs from the input's 4 channels"):
        nn.InstanceNorm3d(3)(np.ones((2, 4, 2, 2, 2)))
    with pytest.raises(ValueError, match="more than 1 position per channel"):
        nn.InstanceNorm3d(3)(np.ones((2, 3, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"InstanceNorm3d: momentum must lie in \[0, 1\]"):
        nn.InstanceNorm3d(3, momentum=2)


# --- dropout3d --------------------------------------------------------------------------------

def test_dropout3d_drops_whole_channels_and_keeps_the_mean():
    ag.manual_seed(6)
    y = F.dropout3d(np.ones((300, 4, 2, 3, 2)), p=0.25).numpy()
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert (y == y[:, :, :1, :1, :1]).all()  # one draw per sample and channel
    assert abs((y[:, :, 0, 0, 0] == 0).mean() - 0.25) < 0.04
    assert abs(y.mean() - 1) < 0.06
    unbatched = F.dropout3d(np.ones((400, 2, 2, 3)), p=0.5).numpy()  # (C, D, H, W)
    assert (unbatched == unbatched[:, :1, :1, :1]).all()
    assert abs((unbatched[:, 0, 0, 0] == 0).mean() - 0.5) < 0.1


def test_dropout3d_identity_zeros_and_gradient():
    x = np.random.default_rng(25).normal(size=(2, 3, 2, 2, 2))
    np.testing.assert_array_equal(F.dropout3d(x, 0.5, training=False).numpy(), x)
    np.testing.assert_array_equal(F.dropout3d(x, 0.0).numpy(), x)
    np.testing.assert_array_equal(F.dropout3d(x, 1.0).numpy(), np.zeros_like(x))
    ag.manual_seed(7)
    v = ag.Value(np.ones((4, 6, 2, 2, 3)))
    y = F.dropout3d(v, p=0.5)
    y.sum().backward()
    np.testing.assert_array_equal(v.grad, y.numpy())  # d(x * m / (1 - p)) / dx = m / (1 - p)
    assert 0 < (y.numpy() == 0).mean() < 1


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 2, 3, 4, 5, 6)])
def test_dropout3d_refuses_other_ranks_and_bad_p_before_drawing(shape):
    ag.manual_seed(8)
    expected = ag.random.uniform((3,), dtype=ag.float64).numpy()
    ag.manual_seed(8)
    with pytest.raises(ValueError, match="dropout3d: expected a 5-D batched or 4-D unbatched "
                                         f"input, got shape {re.escape(str(shape))}"):
        F.dropout3d(np.ones(shape))
    for p in (1.5, -0.1, True, "0.5"):
        with pytest.raises(ValueError, match=r"dropout3d: p must be a probability in \[0, 1\]"):
            F.dropout3d(np.ones((1, 2, 2, 2, 2)), p=p)
    # nothing was drawn: the generator is where the seed put it
    np.testing.assert_array_equal(ag.random.uniform((3,), dtype=ag.float64).numpy(), expected)


# --- FeatureAlphaDropout ----------------------------------------------------------------------

def _alpha_values(p):
    """What a dropped and a kept zero become: a * (-alpha') + b and b, b = a * alpha' * p."""
    a = 1 / np.sqrt((SELU_BOUND ** 2 * p + 1) * (1 - p))
    return a * (-SELU_BOUND) + a * SELU_BOUND * p, a * SELU_BOUND * p


def test_feature_alpha_dropout_sets_whole_channels_to_the_selu_bound():
    _float64()
    layer = nn.FeatureAlphaDropout(p=0.2)
    x = np.random.default_rng(26).normal(size=(400, 50, 4))
    ag.manual_seed(9)
    y = layer(x).numpy()
    dropped, _ = _alpha_values(0.2)
    at = np.isclose(y, dropped, rtol=1e-12, atol=0)  # tight: a kept x can come near it
    assert (at == at[..., :1]).all()  # whole channels
    assert abs(at[..., 0].mean() - 0.2) < 0.01
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02  # zero mean, unit variance kept
    a = 1 / np.sqrt((SELU_BOUND ** 2 * 0.2 + 1) * 0.8)
    np.testing.assert_allclose(y[~at], (x * a + SELU_BOUND * a * 0.2)[~at], rtol=1e-12)
    ag.manual_seed(9)  # the layer is the function in training mode, the same draws
    np.testing.assert_array_equal(F.feature_alpha_dropout(x, 0.2, training=True).numpy(), y)


def test_feature_alpha_dropout_gives_torchs_two_values():
    """torch's FeatureAlphaDropout on zeros: its kept and dropped values, ours the same."""
    _float64()
    zeros = np.zeros((200, 8, 2, 2))
    theirs = np.unique(torch.nn.FeatureAlphaDropout(0.3)(torch.tensor(zeros)).numpy())
    ag.manual_seed(10)
    ours = np.unique(nn.FeatureAlphaDropout(0.3)(zeros).numpy())
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ours, sorted(_alpha_values(0.3)), rtol=1e-12)


def test_feature_alpha_dropout_gradient_is_a_times_the_mask():
    _float64()
    ag.manual_seed(11)
    x = ag.Value(np.random.default_rng(27).normal(size=(6, 5, 3)))
    y = nn.FeatureAlphaDropout(0.4)(x)
    y.sum().backward()
    a = 1 / np.sqrt((SELU_BOUND ** 2 * 0.4 + 1) * 0.6)
    kept = ~np.isclose(y.numpy(), _alpha_values(0.4)[0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(x.grad, a * kept, rtol=1e-12)
    assert 0 < kept.mean() < 1


def test_feature_alpha_dropout_eval_and_p0_are_the_identity():
    layer = nn.FeatureAlphaDropout(p=0.0)
    x = np.random.default_rng(28).normal(size=(2, 3, 4))
    assert layer(x) is x  # p = 0: the input itself
    layer = nn.FeatureAlphaDropout(p=0.5)
    layer.eval()
    assert layer(x) is x
    assert nn.FeatureAlphaDropout().training is True  # training mode by default


def test_feature_alpha_dropout_config_repr_and_errors():
    layer = nn.FeatureAlphaDropout(p=0.3, inplace=True, name="fad")
    assert repr(layer) == repr(torch.nn.FeatureAlphaDropout(p=0.3, inplace=True))
    assert layer.get_config() == {"name": "fad", "p": 0.3, "inplace": True}
    copy = nn.FeatureAlphaDropout.from_config(layer.get_config())
    assert (copy.p, copy.inplace, copy.name) == (0.3, True, "fad")
    with pytest.raises(ValueError, match=r"FeatureAlphaDropout: p must be a probability in "
                                         r"\[0, 1\], got 1.5"):
        nn.FeatureAlphaDropout(p=1.5)
    with pytest.raises(TypeError, match=r"FeatureAlphaDropout 'f': inplace must be True or "
                                        r"False"):
        nn.FeatureAlphaDropout(inplace="yes", name="f")
    for training in (True, False):  # refused in either mode
        layer.train(training)
        with pytest.raises(ValueError, match=r"FeatureAlphaDropout 'fad': expected input "
                                             r"\(N, C, \*\) of at least 2 dimensions, got "
                                             r"shape \(3,\)"):
            layer(np.ones(3))


@pytest.mark.parametrize("norm_type", [1, 2, 3, 0.5])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_lp_pool_windows_of_zeros_have_torchs_gradient(norm_type, rank):
    # A window of zeros has sum 0, where the root's slope is infinite: PyTorch's gradient
    # there is 0 (its ReLU selects), and so is ours, first and second order; a zero inside
    # a window that is not all zeros keeps the power's own slope (inf * 0 = NaN for p < 1
    # in both).
    rng = np.random.default_rng(rank)
    x = rng.normal(size=(2, 3) + (4,) * rank)
    x[0] = 0.0
    x[1, 0, :2] = 0.0
    if norm_type == 3:
        x = np.where(x < 0, -x, x)  # no negative sums: those are NaN in both
    ours, theirs = {1: (F.lp_pool1d, TF.lp_pool1d), 2: (F.lp_pool2d, TF.lp_pool2d),
                    3: (F.lp_pool3d, TF.lp_pool3d)}[rank]
    compare_with_torch(lambda v: ours(v, norm_type, 2), lambda t: theirs(t, norm_type, 2), x,
                       rtol=1e-9, atol=1e-11, second=norm_type != 0.5)
    if norm_type >= 1:  # (p < 1: the power's slope at 0 is already infinite, NaN in both)
        v = ag.Variable(x)
        ours(v, norm_type, 2).sum().backward()
        assert np.all(v.grad[0] == 0.0)  # the windows of zeros


@pytest.mark.parametrize("rank", [1, 2])
def test_max_pool_with_indices_takes_pytorchs_arguments(rank):
    name = f"max_pool{rank}d_with_indices"
    ours = [(p.name, p.default) for p in inspect.signature(getattr(F, name)).parameters.values()
            if p.kind is not p.KEYWORD_ONLY]  # (the private switch max_pool{rank}d uses)
    assert ours == [(p.name, p.default)
                    for p in inspect.signature(getattr(TF, name)).parameters.values()]
    x = np.random.default_rng(rank).normal(size=(2, 3) + (5,) * rank)
    # every argument positionally, return_indices last: ignored, both come back, as PyTorch's
    y, i = getattr(F, name)(x, 2, 1, 1, 1, True, False)
    ty, ti = getattr(TF, name)(torch.tensor(x), 2, 1, 1, 1, True, False)
    np.testing.assert_array_equal(y.numpy(), ty.numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
