"""nn.init against torch.nn.init: the same gains and fans, the same bounds and spreads, and
exact numbers from a given numpy generator; every call in place, unrecorded, refusing bad
arguments before touching the tensor."""

import math

import numpy as np
import pytest

import autograd_core as ag
from nn import init

SHAPES = [(64, 32), (16, 8, 3, 3), (32, 4, 5)]


def _param(shape, dtype=np.float32):
    return ag.Variable(np.zeros(shape, dtype))


def test_gains_and_fans_are_torchs():
    torch = pytest.importorskip("torch")
    for name in ["linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2))
    for shape in SHAPES:
        want = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
        assert init._fans(_param(shape), "test") == want


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name, kwargs", [
    ("xavier_uniform_", {}), ("xavier_uniform_", {"gain": 2.0}), ("xavier_normal_", {}),
    ("kaiming_uniform_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("uniform_", {"a": -0.5, "b": 0.25}), ("normal_", {"mean": 1.0, "std": 0.1}),
    ("trunc_normal_", {"std": 0.02}), ("trunc_normal_", {"mean": 0.0, "std": 1.0, "a": -0.5,
                                                         "b": 1.0}),
])
def test_distributions_match_torchs(shape, name, kwargs):
    """Same range and spread as torch's, on 10,000+ samples each (tolerances of ~6 standard
    errors; a wrong fan or gain is off by 20% or more)."""
    torch = pytest.importorskip("torch")
    ag.manual_seed(1)
    torch.manual_seed(1)
    big = (shape[0] * 8,) + shape[1:]
    ours = getattr(init, name)(_param(big, np.float64), **kwargs)
    theirs = getattr(torch.nn.init, name)(torch.zeros(big, dtype=torch.float64), **kwargs)
    ours, theirs = ours.numpy(), theirs.numpy()
    assert ours.shape == big and len(np.unique(ours)) > ours.size // 2
    if name == "trunc_normal_":
        assert kwargs.get("a", -2.0) <= ours.min() and ours.max() <= kwargs.get("b", 2.0)
    if name.endswith("uniform_"):  # the same bounds, reached
        lo, hi = theirs.min(), theirs.max()
        span = hi - lo
        assert lo - 0.01 * span <= ours.min() and ours.max() <= hi + 0.01 * span
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.05)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.05 * theirs.std() + 1e-12)


def test_a_generator_gives_its_own_numbers():
    w = init.uniform_(_param((3, 4), np.float64), -1.0, 2.0, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(w.numpy(), np.random.default_rng(7).uniform(-1, 2, (3, 4)))
    w = init.xavier_normal_(_param((5, 6), np.float64), generator=np.random.default_rng(3))
    std = math.sqrt(2 / 11)
    np.testing.assert_allclose(w.numpy(), np.random.default_rng(3).normal(0, std, (5, 6)))


def test_seeded_by_manual_seed():
    ag.manual_seed(11)
    a = init.kaiming_uniform_(_param((8, 8))).numpy().copy()
    ag.manual_seed(11)
    assert np.array_equal(init.kaiming_uniform_(_param((8, 8))).numpy(), a)


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (4, 2, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(_param(shape, np.float64), gain=2.0).numpy().reshape(shape[0], -1)
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] == small else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)


def test_in_place_unrecorded_and_returns_the_tensor():
    w = _param((4, 3))
    data = w.data
    assert init.ones_(w) is w and w.data is data and (data == 1).all()
    assert init.zeros_(w) is w and (w.data == 0).all()
    init.constant_(w, 0.5)
    assert (w.data == 0.5).all() and w.dtype == np.float32 and w.op is None
    np.testing.assert_array_equal(init.eye_(w).numpy(), np.eye(4, 3))
    with ag.GradientTape():                    # recording on: still in place, no op
        init.normal_(w)
    assert w.data is data and w.op is None and w.requires_grad and len(np.unique(data)) == 12


@pytest.mark.parametrize("call, match", [
    (lambda w: init.xavier_uniform_(ag.Variable(np.zeros(3))), "2 or more dimensions"),
    (lambda w: init.kaiming_normal_(w, mode="fan_avg"), "mode must be"),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="swish"), "unsupported nonlinearity"),
    (lambda w: init.uniform_(w, 1.0, 0.0), "must not exceed"),
    (lambda w: init.normal_(w, std=-1.0), "std must be >= 0"),
    (lambda w: init.trunc_normal_(w, mean=0.0, std=1.0, a=10.0, b=11.0), "choose bounds"),
    (lambda w: init.constant_(w, float("nan")), "finite"),
    (lambda w: init.normal_(w, generator=42), "numpy.random.Generator"),
    (lambda w: init.ones_([0.0, 0.0]), "expected a Value"),
    (lambda w: init.ones_(np.zeros(3, np.int64)), "expected floats"),
    (lambda w: init.eye_(ag.Variable(np.zeros((2, 2, 2)))), "2-D"),
])
def test_bad_arguments_change_nothing(call, match):
    w = _param((4, 3))
    w.data[...] = 0.25
    with pytest.raises((ValueError, TypeError), match=match):
        call(w)
    assert (w.data == 0.25).all()


def test_dcgan_tutorials_weights_init_on_the_parameters_data():
    """PyTorch's DCGAN tutorial initialises through ``.data``, a numpy array here, which
    the functions fill in place as PyTorch fills the tensor behind ``.data``."""
    import nn

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            init.normal_(m.weight.data, 1.0, 0.02)
            init.constant_(m.bias.data, 0)

    ag.manual_seed(0)
    net = nn.Sequential(nn.ConvTranspose2d(8, 16, 4, 1, 0, bias=False), nn.BatchNorm2d(16),
                        nn.ReLU(True), nn.Conv2d(16, 1, 3))
    net.apply(weights_init)
    for conv in (net[0], net[3]):
        assert abs(conv.weight.numpy().std() - 0.02) < 0.004
    assert abs(net[1].weight.numpy().mean() - 1.0) < 0.02
    np.testing.assert_array_equal(net[1].bias.numpy(), 0.0)
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        init.ones_(frozen)

