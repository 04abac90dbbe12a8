"""PyTorch's names: Linear, Conv2d, MaxPool2d, Parameter, state_dict/load_state_dict,
train/eval; PyTorch's polynomial_nn example and a fine-tuning run; micrograd's MLP."""

import math

import numpy as np
import pytest
try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
except ImportError:
    torch = None

import autograd_core as ag
import nn
import optim

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (make test EXTRAS=dev,torch)")


@needs_torch
def test_linear_matches_torch_after_loading_its_state_dict():
    torch.manual_seed(0)
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    model = nn.Sequential([nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)])
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert model.load_state_dict(tmodel.state_dict()) == ([], [])
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    y = model(x)
    y.sum().backward()
    yt = tmodel(torch.tensor(x))
    yt.sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    for (name, p), (tname, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_linear_init_is_pytorchs():
    layer = nn.Linear(100, 50)
    assert layer.weight.shape == (50, 100) and layer.bias.shape == (50,)
    bound = 1 / math.sqrt(100)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.95 * bound
    assert layer.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]
    with pytest.raises(ValueError, match=r"Linear 'l': expected input of shape \(\.\.\., 3\), "
                                         r"got \(2, 4\)"):
        nn.Linear(3, 2, name="l")(np.zeros((2, 4)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(4 * 3 * 3, 5)
        self.scale = nn.Parameter(np.ones(5, np.float32))

    def forward(self, x):
        x = self.pool(ag.relu(self.conv1(x)))
        return self.fc1(nn.Flatten()(x)) * self.scale


def torch_net_class():
    """The same net in PyTorch (in a function: the class needs torch)."""

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
            self.pool = torch.nn.MaxPool2d(2)
            self.fc1 = torch.nn.Linear(4 * 3 * 3, 5)
            self.scale = torch.nn.Parameter(torch.ones(5))

        def forward(self, x):
            x = self.pool(torch.relu(self.conv1(x)))
            return self.fc1(torch.flatten(x, 1)) * self.scale

    return TorchNet


@needs_torch
def test_subclassed_module_with_pytorch_names_matches_torch():
    torch.manual_seed(1)
    TorchNet = torch_net_class()
    tnet, net = TorchNet(), Net()
    assert list(net.state_dict()) == ["scale", "conv1.weight", "conv1.bias", "fc1.weight",
                                      "fc1.bias"]
    assert set(net.state_dict()) == set(tnet.state_dict())
    net.load_state_dict(tnet.state_dict())
    x = np.random.default_rng(1).standard_normal((2, 1, 7, 6)).astype(np.float32)
    y = net(x)
    (y * y).sum().backward()
    yt = tnet(torch.tensor(x))
    (yt * yt).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    grads = dict(tnet.named_parameters())
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.grad, grads[name].grad.numpy(), rtol=1e-4, atol=1e-5)
    assert isinstance(net.scale, ag.Variable) and "Parameter containing" in repr(net.scale)


@needs_torch
@pytest.mark.parametrize("kwargs", [dict(stride=2), dict(padding=(1, 2), dilation=2),
                                    dict(padding="same", bias=False), dict(stride=(1, 2))])
def test_conv2d_matches_torch(kwargs):
    torch.manual_seed(2)
    tconv = torch.nn.Conv2d(2, 3, (3, 2), **kwargs).double()
    conv = nn.Conv2d(2, 3, (3, 2), **kwargs)
    assert conv.weight.shape == (3, 2, 3, 2)
    bound = 1 / math.sqrt(2 * 3 * 2)
    assert np.abs(conv.weight.numpy()).max() <= bound
    conv.load_state_dict(tconv.state_dict())
    x = np.random.default_rng(2).standard_normal((2, 2, 8, 7))
    np.testing.assert_allclose(conv(x.astype(np.float32)).numpy(),
                               tconv(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("k, s, p", [(2, None, 0), (3, 2, 1), ((3, 2), (2, 1), (1, 0))])
def test_maxpool2d_matches_torch(k, s, p):
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6))
    xv = ag.Value(x)
    y = nn.MaxPool2d(k, s, p)(xv)
    (y * y).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.MaxPool2d(k, s, p)(xt)
    (yt * yt).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy())
    np.testing.assert_allclose(xv.grad, xt.grad.numpy())
    with pytest.raises(ValueError, match=r"MaxPool2d 'm': padding \(2, 2\) must be at most"):
        nn.MaxPool2d(2, padding=2, name="m")


def test_load_state_dict_checks_everything_first():
    model = nn.Sequential([nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1)])
    before = model.state_dict()
    bad = dict(before)
    bad["0.weight"] = np.zeros((3, 2))
    del bad["2.bias"]
    bad["2.gamma"] = np.zeros(1)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "missing keys: 2.bias" in message and "unexpected keys: 2.gamma" in message
    assert "size mismatch for 0.weight: the model has shape (2, 3), the state_dict (3, 2)" \
        in message
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])
    # strict=False skips the missing and unexpected keys, but not a wrong shape
    partial = {"0.bias": np.array([1.0, 2.0]), "extra": np.zeros(2)}
    assert model.load_state_dict(partial, strict=False) == (["0.weight", "2.weight", "2.bias"],
                                                            ["extra"])
    np.testing.assert_array_equal(model[0].bias.numpy(), [1.0, 2.0])
    with pytest.raises(RuntimeError, match="size mismatch for 0.bias"):
        model.load_state_dict({"0.bias": np.zeros(3)}, strict=False)
    with pytest.raises(TypeError, match="expected a mapping"):
        model.load_state_dict([np.zeros(3)])


def test_state_dict_is_a_copy_and_includes_non_trainable():
    model = nn.Sequential([nn.Dense(2, input_shape=(3,)), nn.BatchNormalization()])
    sd = model.state_dict()
    assert list(sd) == ["0.W", "0.b", "1.gamma", "1.beta", "1.moving_mean",
                        "1.moving_variance"]
    sd["0.b"][:] = 7
    assert not np.any(model[0].b.numpy() == 7)


def test_train_eval_zero_grad_and_pytorch_relu():
    model = nn.Sequential([nn.Linear(2, 2), nn.ReLU(inplace=True), nn.Dropout(0.5)])
    assert model.eval() is model and not model[2].training
    assert model.train() is model and model[2].training
    model(np.ones((1, 2))).sum().backward()
    assert model[0].weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    np.testing.assert_array_equal(nn.ReLU()(np.array([-1.0, 2.0])).numpy(), [0.0, 2.0])


def test_flatten_takes_pytorchs_and_keras_arguments():
    x = np.arange(24.0).reshape(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(1, 1)(x).shape == (2, 3, 4)
    images = np.arange(2 * 3 * 2 * 2.0).reshape(2, 3, 2, 2)  # (N, C, H, W)
    np.testing.assert_array_equal(nn.Flatten(data_format="channels_first")(images).numpy(),
                                  images.transpose(0, 2, 3, 1).reshape(2, -1))
    with pytest.raises(ValueError, match=r"Flatten 'f': cannot merge axes 2..1"):
        nn.Flatten(2, 1, name="f")(x)
    with pytest.raises(TypeError, match="start_dim must be an int"):
        nn.Flatten("channels_last")


@needs_torch
def test_pytorch_polynomial_nn_example():
    """PyTorch's polynomial_nn.py: fit y = sin(x) by a + b x + c x^2 + d x^3 with a
    Linear(3, 1), renamed; our run and torch's, from the same weights, agree."""
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    y = np.sin(x)
    p = np.array([1, 2, 3])
    xx = (x[:, None] ** p).astype(np.float32)  # x.unsqueeze(-1).pow(p)

    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    model.load_state_dict(tmodel.state_dict())
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for t in range(2000):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        model.zero_grad()
        loss.backward()
        with ag.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad

        t_pred = tmodel(torch.tensor(xx))
        t_loss = torch.nn.MSELoss(reduction="sum")(t_pred, torch.tensor(y))
        tmodel.zero_grad()
        t_loss.backward()
        with torch.no_grad():
            for param in tmodel.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    assert loss.item() < 15  # the tutorial ends near 8.8
    assert linear_layer.weight[:, 0].item() == pytest.approx(0.85, abs=0.05)   # b
    assert linear_layer.weight[:, 2].item() == pytest.approx(-0.092, abs=0.01)  # d
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-3)
    for ours, theirs in zip(model.parameters(), tmodel.parameters()):
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-3, atol=1e-4)


def test_fine_tuning_freezes_all_but_the_head():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32)).astype(np.float32)

    def make():
        return nn.Sequential([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                              nn.Linear(8, 1)])

    ag.random.manual_seed(4)  # the initial weights must not depend on which tests ran before
    pretrained = make()
    model = make()
    model.load_state_dict(pretrained.state_dict())
    for name, array in pretrained.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name], array)
    for param in model.parameters():
        param.requires_grad = False
    head = model[-1]
    for param in head.parameters():
        param.requires_grad = True
    frozen = {name: a for name, a in model.state_dict().items() if not name.startswith("4.")}
    head_before = head.weight.numpy().copy()
    assert model.trainable_variables == [head.weight, head.bias]

    opt = optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(100):
        loss = ag.mean((model(x) - y) ** 2)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    # With the body frozen, training the head is least squares on the body's features: the
    # loss falls at every step towards that problem's optimum (not towards 0: eight frozen
    # random ReLU features cannot fit every target).
    features = np.c_[model[:-1](x).numpy(), np.ones(len(x))]
    coef = np.linalg.lstsq(features, y, rcond=None)[0]
    optimum = float(np.mean((features @ coef - y) ** 2))
    assert all(after <= before + 1e-6 for before, after in zip(losses, losses[1:]))
    assert losses[-1] - optimum < 0.9 * (losses[0] - optimum)
    assert not np.array_equal(head.weight.numpy(), head_before)
    for name, array in model.state_dict().items():
        if name in frozen:
            np.testing.assert_array_equal(array, frozen[name])
            assert dict(model.named_parameters())[name].grad is None


def test_micrograd_mlp_call():
    model = nn.MLP(3, [4, 4, 1])
    assert model.count_params() == 41
    assert [layer.units for layer in model.layers] == [4, 4, 1]
    assert nn.activations.name_of(model.layers[-1].activation) == "linear"
    assert nn.activations.name_of(model.layers[0].activation) == "relu"
    x = [2.0, 3.0, -1.0]
    out = model(x)
    assert out.shape == (1,)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert nn.MLP(784, [512], 10).count_params() == 407050  # the course's call still works
    with pytest.raises(ValueError, match="micrograd"):
        nn.MLP(3, [])


@needs_torch
@pytest.mark.parametrize("kwargs", [dict(groups=2), dict(groups=4, padding=1, stride=2),
                                    dict(groups=4, bias=False, dilation=2)])
def test_grouped_conv2d_matches_torch(kwargs):
    torch.manual_seed(3)
    tconv = torch.nn.Conv2d(4, 8, (3, 2), **kwargs).double()
    conv = nn.Conv2d(4, 8, (3, 2), **kwargs)
    per_group = 4 // kwargs["groups"]
    assert conv.weight.shape == tuple(tconv.weight.shape) == (8, per_group, 3, 2)
    bound = 1 / math.sqrt(per_group * 3 * 2)  # fan_in: one group's inputs
    assert 0.8 * bound < np.abs(conv.weight.numpy()).max() <= bound
    conv.load_state_dict(tconv.state_dict())
    x = np.random.default_rng(2).standard_normal((2, 4, 8, 7))
    np.testing.assert_allclose(conv(x.astype(np.float32)).numpy(),
                               tconv(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert conv.get_config()["groups"] == kwargs["groups"]
    assert nn.Conv2d(**conv.get_config()).get_config() == conv.get_config()


def test_grouped_conv2d_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Conv2d 'c': in_channels must be divisible by "
                                         r"groups .*in_channels=3, groups=2"):
        nn.Conv2d(3, 4, 3, groups=2, name="c")
    with pytest.raises(ValueError, match=r"out_channels must be divisible by groups .*"
                                         r"out_channels=6, groups=4"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match=r"groups must be a positive integer, got 0"):
        nn.Conv2d(4, 4, 3, groups=0)


def test_a_depthwise_separable_conv2d_model_saves_and_loads(tmp_path):
    model = nn.Sequential([nn.Input((4, 6, 6)), nn.Conv2d(4, 8, 3, groups=4, padding=1),
                           nn.Conv2d(8, 2, 1)])
    x = np.random.default_rng(1).standard_normal((2, 4, 6, 6)).astype(np.float32)
    model.save(tmp_path / "dw.keras")
    loaded = nn.load_model(tmp_path / "dw.keras")
    assert loaded.layers[0].groups == 4 and loaded.layers[0].weight.shape == (8, 1, 3, 3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
