"""Keras's activation names (``Dense(8, activation="gelu")``): each resolves, computes
PyTorch's function of the same maths (values and gradients, float64), and survives a
model's save and load by name."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import activations

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TORCH = {
    "selu": TF.selu, "gelu": TF.gelu, "silu": TF.silu, "swish": TF.silu,
    "softplus": TF.softplus, "softsign": TF.softsign, "hard_sigmoid": TF.hardsigmoid,
    "hard_silu": TF.hardswish, "hard_swish": TF.hardswish, "relu6": TF.relu6,
    "mish": TF.mish, "exponential": torch.exp, "log_sigmoid": TF.logsigmoid,
    "log_softmax": lambda t: TF.log_softmax(t, dim=-1), "elu": TF.elu, "relu": TF.relu,
    "tanh": torch.tanh, "sigmoid": torch.sigmoid, "softmax": lambda t: TF.softmax(t, -1),
}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_each_name_is_torchs_function(name):
    rng = np.random.default_rng(len(name))
    x = np.concatenate([rng.normal(scale=4, size=(3, 7)), [[-3.5, -1e-3, 0.5, 2.9, 3.2, 6.5,
                                                            25.0]]])
    g = rng.normal(size=x.shape)
    xv = ag.Variable(x)
    y = activations.get(name)(xv)
    (y * g).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    yt = TORCH[name](xt)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    # torch's hardsigmoid backward multiplies by 1.0f / 6.0f, a float32 constant, even in
    # float64: its gradient is off by up to 3e-8 relative; ours is g / 6.
    rtol = 1e-7 if name == "hard_sigmoid" else 1e-10
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=rtol, atol=1e-12)


def test_functions_take_arrays_and_names_round_trip_through_save(tmp_path):
    x = np.linspace(-4, 4, 9)
    for name in ("mish", "hard_silu", "log_sigmoid"):
        np.testing.assert_allclose(activations.get(name)(x).data,
                                   TORCH[name](torch.tensor(x)).numpy(), rtol=1e-12)
    model = nn.Sequential([nn.Input((4,)), nn.Dense(5, activation="gelu"),
                           nn.Dense(3, activation="swish"), nn.Dense(2, activation="selu")])
    data = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    path = tmp_path / "m.keras"
    model.save(path)
    again = nn.load_model(path)
    np.testing.assert_array_equal(again.predict(data, verbose=0), model.predict(data, verbose=0))


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known: .*gelu.*"):
        activations.get("gelux")
