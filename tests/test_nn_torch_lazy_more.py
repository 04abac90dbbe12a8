"""PyTorch's lazy convolutions and normalizations (LazyConv1d/2d/3d, LazyConvTranspose1d/
2d/3d, LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d), nn.Buffer, NLLLoss2d and
CrossMapLRN2d, against torch 2.13 itself.

A lazy module holds nothing before its first call (LazyLinear's convention here), then
becomes the regular class with the channels read from the input; with torch's
materialized weights copied in, outputs and gradients (input and every parameter) match
torch's in float64, and state_dict round-trips. A first call that raises changes nothing.
"""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn

torch = pytest.importorskip("torch")

from test_nn_torch_gaps import TOL, _copy_in, _same_run  # noqa: E402  (needs torch)

LAZY = [  # (name, arguments, input shape, regular class name)
    ("LazyConv1d", (4, 3), (2, 3, 9), "Conv1d"),
    ("LazyConv2d", (4, 3), (2, 3, 6, 5), "Conv2d"),
    ("LazyConv2d", (4, (2, 3)), (2, 2, 5, 6), "Conv2d"),
    ("LazyConv3d", (2, 2), (1, 3, 4, 5, 4), "Conv3d"),
    ("LazyConvTranspose1d", (3, 3), (2, 4, 5), "ConvTranspose1d"),
    ("LazyConvTranspose2d", (3, 3), (2, 4, 4, 3), "ConvTranspose2d"),
    ("LazyConvTranspose3d", (2, 2), (1, 3, 3, 2, 3), "ConvTranspose3d"),
    ("LazyBatchNorm1d", (), (5, 3), "BatchNorm1d"),
    ("LazyBatchNorm1d", (), (4, 3, 6), "BatchNorm1d"),
    ("LazyBatchNorm2d", (), (3, 4, 3, 2), "BatchNorm2d"),
    ("LazyBatchNorm3d", (), (2, 3, 2, 3, 2), "BatchNorm3d"),
    ("LazyInstanceNorm1d", (), (2, 3, 7), "InstanceNorm1d"),
    ("LazyInstanceNorm2d", (), (2, 4, 3, 5), "InstanceNorm2d"),
    ("LazyInstanceNorm3d", (), (2, 3, 2, 3, 4), "InstanceNorm3d"),
]
KWARGS = {  # torch's other settings, by class
    "LazyConv1d": dict(stride=2, padding=1, groups=1, bias=True, padding_mode="reflect"),
    "LazyConv2d": dict(stride=1, padding="same", dilation=1, bias=False),
    "LazyConv3d": dict(stride=(1, 2, 1), padding=1),
    "LazyConvTranspose1d": dict(stride=2, padding=1, output_padding=1),
    "LazyConvTranspose2d": dict(stride=(2, 1), padding=(1, 0), dilation=1),
    "LazyConvTranspose3d": dict(stride=2, bias=False),
    "LazyBatchNorm1d": dict(momentum=0.2), "LazyBatchNorm2d": dict(eps=1e-3),
    "LazyBatchNorm3d": dict(momentum=None),
    "LazyInstanceNorm1d": dict(), "LazyInstanceNorm2d": dict(momentum=0.3),
    "LazyInstanceNorm3d": dict(affine=False),
}


def _state(tlayer):
    return {k: v.detach().numpy().astype(np.float64) for k, v in tlayer.state_dict().items()}


@pytest.mark.parametrize("name, args, shape, regular", LAZY)
def test_lazy_module_becomes_the_regular_one_and_matches_torch(name, args, shape, regular):
    kwargs = KWARGS[name]
    rng = np.random.default_rng(len(shape) * 10 + len(name))
    layer = getattr(nn, name)(*args, **kwargs, dtype=np.float64)
    tlayer = getattr(torch.nn, name)(*args, **kwargs, dtype=torch.float64)
    inferred = "num_features" if "Norm" in name else "in_channels"
    # before the first call: nothing held, the inferred size 0 (as torch's), the class lazy
    assert layer.parameters() == [] and layer.buffers() == [] and layer.state_dict() == {}
    assert getattr(layer, inferred) == getattr(tlayer, inferred) == 0
    assert type(layer).__name__ == name and layer.has_uninitialized_params()
    x = rng.normal(size=shape)
    layer(x)
    tlayer(torch.tensor(x))
    # after: the regular class, torch's as well, with the channels read off the input
    assert type(layer) is getattr(nn, regular) and type(tlayer) is getattr(torch.nn, regular)
    channel_axis = 0 if "Instance" in name and len(shape) == int(name[-2]) + 1 else 1
    assert getattr(layer, inferred) == getattr(tlayer, inferred) == shape[channel_axis]
    assert [(n, p.shape) for n, p in layer.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tlayer.named_parameters()]
    # torch's weights (randomized) and buffers in: the same outputs and gradients
    _copy_in(layer, tlayer, rng)
    x2 = rng.normal(size=shape)
    _same_run(layer, tlayer, x2)
    for key, value in _state(tlayer).items():  # the running statistics moved alike
        np.testing.assert_allclose(layer.state_dict()[key], value, err_msg=key, **TOL)
    layer.eval(), tlayer.eval()
    _same_run(layer, tlayer, x2)
    # state_dict round-trips into a regular layer of the inferred size
    if "Instance" in name:  # the lazy ones' defaults, not InstanceNorm's
        kwargs = {"affine": True, "track_running_stats": True, **kwargs}
    again = getattr(nn, regular)(getattr(layer, inferred), *args, **kwargs, dtype=np.float64)
    assert again.load_state_dict(layer.state_dict()) == ([], [])
    again.eval()
    np.testing.assert_array_equal(again(x2).numpy(), layer(x2).numpy())


def test_lazy_instance_norm_reads_an_unbatched_inputs_channels_from_axis_0():
    # torch 2.13's LazyInstanceNorm1d reads axis 1 of an unbatched (C, L) input too, and
    # then refuses it as a mismatch; here C is read where InstanceNorm1d reads it
    with pytest.raises(ValueError, match="num_features"):
        torch.nn.LazyInstanceNorm1d()(torch.zeros(3, 7))
    x = np.random.default_rng(2).normal(size=(3, 7))
    layer = nn.LazyInstanceNorm1d(dtype=np.float64)
    layer(x)
    assert type(layer) is nn.InstanceNorm1d and layer.num_features == 3
    tlayer = torch.nn.InstanceNorm1d(3, affine=True, track_running_stats=True,
                                     dtype=torch.float64)
    tlayer(torch.tensor(x))
    _copy_in(layer, tlayer, np.random.default_rng(3))
    _same_run(layer, tlayer, x)


def test_materialized_weights_are_the_regular_layers_from_the_same_seed():
    x = np.zeros((1, 3, 5, 5))
    ag.manual_seed(5)
    lazy = nn.LazyConv2d(4, 3)
    lazy(x)
    ag.manual_seed(5)
    regular = nn.Conv2d(3, 4, 3)
    np.testing.assert_array_equal(lazy.weight.numpy(), regular.weight.numpy())
    np.testing.assert_array_equal(lazy.bias.numpy(), regular.bias.numpy())
    # making a lazy module draws nothing: its arguments are checked without the stream
    ag.manual_seed(5)
    nn.LazyConvTranspose2d(4, 3)
    np.testing.assert_array_equal(nn.Conv2d(3, 4, 3).weight.numpy(), regular.weight.numpy())


def test_lazy_defaults_and_attributes_are_torchs():
    assert (nn.LazyInstanceNorm2d().affine, nn.LazyInstanceNorm2d().track_running_stats) == \
        (torch.nn.LazyInstanceNorm2d().affine, torch.nn.LazyInstanceNorm2d().track_running_stats)
    assert nn.LazyInstanceNorm2d().affine is True   # unlike InstanceNorm2d's
    conv, tconv = nn.LazyConv2d(4, 3, stride=2), torch.nn.LazyConv2d(4, 3, stride=2)
    for attr in ("out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
                 "padding_mode"):
        assert getattr(conv, attr) == getattr(tconv, attr), attr
    bn, tbn = nn.LazyBatchNorm1d(momentum=0.3), torch.nn.LazyBatchNorm1d(momentum=0.3)
    for attr in ("eps", "momentum", "affine", "track_running_stats", "num_features"):
        assert getattr(bn, attr) == getattr(tbn, attr), attr
    assert nn.LazyConv2d(4, 3).weight is None and nn.LazyBatchNorm2d().running_mean is None


def test_initialize_parameters_materializes_without_computing():
    layer = nn.LazyConv1d(2, 3)
    layer.initialize_parameters(np.zeros((4, 5, 8)))
    assert type(layer) is nn.Conv1d and layer.weight.shape == (2, 5, 3)
    assert not hasattr(layer, "has_uninitialized_params")


def test_optimizer_and_hooks_after_materialization():
    model = nn.Sequential(nn.LazyConv2d(3, 3), nn.Flatten(1), nn.LazyLinear(2))
    seen = []
    model[0].register_forward_hook(lambda m, args, out: seen.append(out.shape))
    x = np.random.default_rng(1).normal(size=(2, 4, 5, 5))
    model(x)
    assert seen == [(2, 3, 3, 3)]   # the hook made before the call ran, and is kept
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                        "2.bias"]
    import optim
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = model[0].weight.numpy().copy()
    model(x).sum().backward()
    opt.step()
    assert not np.array_equal(before, model[0].weight.numpy())


@pytest.mark.parametrize("make, bad", [
    (lambda: nn.LazyConv2d(4, 3), np.zeros((2, 5, 5))),            # 3-D input to a 2-D conv
    (lambda: nn.LazyConv2d(4, 3, groups=2), np.zeros((1, 3, 5, 5))),  # 3 channels, 2 groups
    (lambda: nn.LazyConv2d(4, 7), np.zeros((1, 3, 5, 5))),          # kernel larger than input
    (lambda: nn.LazyBatchNorm2d(), np.zeros((2, 3, 4))),
    (lambda: nn.LazyBatchNorm1d(), np.zeros((1, 3))),               # one value per channel
    (lambda: nn.LazyInstanceNorm3d(), np.zeros((2, 3))),
])
def test_a_first_call_that_raises_changes_nothing(make, bad):
    layer = make()
    name, before = type(layer).__name__, dict(vars(layer))
    state = ag.get_rng_state()
    with pytest.raises(ValueError, match=name.removeprefix("Lazy")):
        layer(bad)
    assert type(layer).__name__ == name and layer.parameters() == [] and vars(layer) == before
    drawn = ag.random.uniform((4,)).numpy()   # the stream is where it was
    ag.set_rng_state(state)
    np.testing.assert_array_equal(drawn, ag.random.uniform((4,)).numpy())


@pytest.mark.parametrize("make, message", [
    (lambda: nn.LazyConv2d(4, 3, groups=3), r"LazyConv2d .*out_channels must be divisible"),
    (lambda: nn.LazyConv1d(0, 3), r"LazyConv1d .*out_channels"),
    (lambda: nn.LazyConvTranspose2d(2, 3, padding_mode="reflect"), r"LazyConvTranspose2d"),
    (lambda: nn.LazyBatchNorm2d(momentum=2.0), r"LazyBatchNorm2d .*momentum"),
    (lambda: nn.LazyInstanceNorm1d(eps=-1.0), r"LazyInstanceNorm1d .*eps"),
    (lambda: nn.LazyConv3d(2, 3, device="cuda"), r"LazyConv3d.*device"),
])
def test_bad_arguments_are_refused_when_made(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- nn.Buffer ------------------------------------------------------------------------------

class _WithBuffers(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(np.ones(2))
        self.running = nn.Buffer(np.zeros(3))
        self.scratch = nn.Buffer(np.ones(2), persistent=False)


class _TorchWithBuffers(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(2))
        self.running = torch.nn.Buffer(torch.zeros(3))
        self.scratch = torch.nn.Buffer(torch.ones(2), persistent=False)


def test_buffer_assigned_as_an_attribute_registers_as_torchs():
    m, t = _WithBuffers(), _TorchWithBuffers()
    assert list(m.state_dict()) == list(t.state_dict()) == ["weight", "running"]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()] == \
        ["running", "scratch"]
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert isinstance(m.running, nn.Buffer) and not m.running.trainable
    # a new tensor for the name stays a buffer (register_buffer's rule), persistence kept
    m.running = m.running + 1
    m.scratch = np.zeros(2)
    assert list(m.state_dict()) == ["weight", "running"]
    np.testing.assert_array_equal(m.state_dict()["running"], np.ones(3))
    assert "scratch" in dict(m.named_buffers())
    assert nn.Buffer().shape == tuple(torch.nn.Buffer().shape) == (0,)


def test_buffer_on_a_plain_attribute_is_refused_and_changes_nothing():
    m = _WithBuffers()
    m.plain = 3
    with pytest.raises(KeyError, match="already exists"):
        m.plain = nn.Buffer(np.zeros(1))
    assert m.plain == 3 and "plain" not in dict(m.named_buffers())
    t = _TorchWithBuffers()
    t.plain = 3
    with pytest.raises(KeyError):
        t.plain = torch.nn.Buffer(torch.zeros(1))


# --- NLLLoss2d and CrossMapLRN2d --------------------------------------------------------------

def test_nll_loss_2d_is_nll_loss_with_torchs_warning():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3, 3))
    target = rng.integers(0, 4, size=(2, 3, 3))
    with pytest.warns(FutureWarning, match="NLLLoss2d` has been deprecated"):
        loss = nn.NLLLoss2d(ignore_index=1, reduction="sum")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tloss = torch.nn.NLLLoss2d(ignore_index=1, reduction="sum")
    assert isinstance(loss, nn.NLLLoss)
    xv, xt = ag.Variable(x), torch.tensor(x, requires_grad=True)
    y, yt = loss(xv, target), tloss(xt, torch.tensor(target))
    np.testing.assert_allclose(y.numpy(), yt.item(), **TOL)
    y.backward(), yt.backward()
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), **TOL)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 9])
def test_cross_map_lrn2d_forward_is_torchs(size):
    ag.set_default_dtype(ag.float64)  # conftest puts the default back after each test
    x = np.random.default_rng(size).normal(size=(2, 7, 3, 4)) * 2
    ours = nn.CrossMapLRN2d(size, alpha=0.3, beta=0.7, k=1.5)
    theirs = torch.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.7, k=1.5)
    np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).numpy(), **TOL)
    assert repr(ours) == repr(theirs)
    if size in (2, 3, 5):  # Lua Torch's windows are not LocalResponseNorm's
        assert not np.allclose(ours(x).numpy(),
                               nn.LocalResponseNorm(size, 0.3, 0.7, 1.5)(x).numpy())


@pytest.mark.parametrize("size", [1, 3, 4])
def test_cross_map_lrn2d_gradient_is_the_derivative_of_its_forward(size):
    # torch's hand-written backward assumes centred windows (and fails for size 1), so the
    # gradient is checked against central differences of the forward torch computes
    ag.set_default_dtype(ag.float64)
    x = np.random.default_rng(size).normal(size=(1, 5, 2, 2))
    g = np.random.default_rng(9).normal(size=x.shape)
    layer = nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.0)
    xv = ag.Variable(x)
    (layer(xv) * g).sum().backward()

    def f(z):
        return float((torch.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.0)(
            torch.tensor(z)).numpy() * g).sum())
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = 1e-6
        numeric[i] = (f(x + e) - f(x - e)) / 2e-6
    np.testing.assert_allclose(xv.grad, numeric, rtol=1e-6, atol=1e-8)


def test_cross_map_lrn2d_refuses_what_torch_refuses():
    with pytest.raises(ValueError, match="4D"):
        torch.nn.CrossMapLRN2d(3)(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"CrossMapLRN2d .*4D.*\(2, 3, 4\)"):
        nn.CrossMapLRN2d(3)(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="CrossMapLRN2d"):
        nn.CrossMapLRN2d(0)


def test_names_are_exported():
    for name in ["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
                 "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d",
                 "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
                 "LazyInstanceNorm2d", "LazyInstanceNorm3d", "Buffer", "NLLLoss2d",
                 "CrossMapLRN2d"]:
        assert name in nn.__all__ and hasattr(torch.nn, name), name
    assert len(nn.__all__) == len(set(nn.__all__))
