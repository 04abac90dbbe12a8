"""PyTorch's factory keywords, ``device=None, dtype=None``, on the PyTorch-style layers that
make weights: Linear, Conv1d, Conv2d, LayerNorm, BatchNorm1d/2d, RNN, LSTM and GRU.

The weights (and the running statistics) are made in the dtype given, the layer computes
in it, ``get_config()`` and ``model.save`` keep it; the CPU is the only device; a refused
dtype or device is refused before anything is made."""

import numpy as np
import pytest

import autograd_core as ag
import nn
from side_effects import nothing_changes
from nn.torch_recurrent import RNN, TorchGRU, TorchLSTM

# name: (our layer, torch's layer, both from the same arguments and **factory keywords;
#        the input's shape)
LAYERS = {
    "Linear": (lambda m, **kw: m.Linear(3, 4, **kw), (5, 3)),
    "Conv2d": (lambda m, **kw: m.Conv2d(2, 4, 3, padding=1, **kw), (2, 2, 5, 5)),
    "Conv1d": (lambda m, **kw: m.Conv1d(2, 4, 3, stride=2, groups=2, **kw), (2, 2, 7)),
    "LayerNorm": (lambda m, **kw: m.LayerNorm((3, 4), **kw), (2, 3, 4)),
    "BatchNorm1d": (lambda m, **kw: m.BatchNorm1d(3, momentum=0.3, **kw), (4, 3, 5)),
    "BatchNorm2d": (lambda m, **kw: m.BatchNorm2d(3, **kw), (2, 3, 4, 4)),
    "RNN": (lambda m, **kw: m.RNN(3, 4, nonlinearity="relu", **kw), (5, 2, 3)),
    "LSTM": (lambda m, **kw: m.LSTM(3, 4, batch_first=True, **kw), (2, 5, 3)),
    "GRU": (lambda m, **kw: m.GRU(3, 4, num_layers=2, bidirectional=True, **kw), (5, 2, 3)),
}
CLASSES = {"Linear": nn.Linear, "Conv2d": nn.Conv2d, "Conv1d": nn.Conv1d,
           "LayerNorm": nn.LayerNorm, "BatchNorm1d": nn.BatchNorm1d,
           "BatchNorm2d": nn.BatchNorm2d, "RNN": RNN, "LSTM": TorchLSTM, "GRU": TorchGRU}


def make(which, **kw):
    return LAYERS[which][0](nn, **kw)


def flat(output):
    """A layer's output as a list of Values: the recurrent layers' (output, h_n) or
    (output, (h_n, c_n)) unpacked."""
    if isinstance(output, (tuple, list)):
        return [v for item in output for v in flat(item)]
    return [output]


def sample(name, seed=0):
    return np.random.default_rng(seed).standard_normal(LAYERS[name][1])


@pytest.mark.parametrize("dtype", [ag.float64, np.float64, "float64", np.dtype("float64"),
                                   float])
@pytest.mark.parametrize("name", LAYERS)
def test_float64_weights_buffers_and_outputs(name, dtype):
    assert ag.get_default_dtype() == np.float32
    layer = make(name, dtype=dtype)
    assert isinstance(layer, CLASSES[name])
    weights = layer.state_dict()
    assert weights and {str(a.dtype) for a in weights.values()} == {"float64"}, weights
    if name.startswith("BatchNorm"):  # the running statistics too
        assert {"running_mean", "running_var", "num_batches_tracked"} <= set(weights)
    outputs = flat(layer(sample(name)))
    assert [str(y.dtype) for y in outputs] == ["float64"] * len(outputs)
    # and the defaults are unchanged: the default dtype
    assert {str(a.dtype) for a in make(name).state_dict().values()} == {"float32"}
    assert {str(a.dtype) for a in make(name, dtype=None).state_dict().values()} == {"float32"}


@pytest.mark.parametrize("name", LAYERS)
def test_float64_matches_torch_built_in_float64(name):
    torch = pytest.importorskip("torch", reason="needs the torch extra")
    torch.manual_seed(1)
    t_layer = LAYERS[name][0](torch.nn, dtype=torch.float64)
    with torch.no_grad():  # away from PyTorch's ones and zeros, so a mix-up would show
        for p in t_layer.parameters():
            p.add_(0.3 * torch.randn_like(p))
    layer = make(name, dtype=ag.float64)
    assert layer.load_state_dict(t_layer.state_dict()) == ([], [])
    assert {str(a.dtype) for a in layer.state_dict().values()} == {"float64"}
    for step in range(2):
        x = sample(name, seed=step) * 2 + 0.5
        outputs = flat(layer(x))
        t_outputs = flat(t_layer(torch.tensor(x)))
        assert len(outputs) == len(t_outputs)
        for y, t_y in zip(outputs, t_outputs):
            assert y.dtype == np.float64
            np.testing.assert_allclose(y.numpy(), t_y.detach().numpy(), rtol=1e-12,
                                       atol=1e-12)
        sum(ag.sum(y * (i + 1)) for i, y in enumerate(outputs)).backward()
        sum(torch.sum(y * (i + 1)) for i, y in enumerate(t_outputs)).backward()
        t_params = dict(t_layer.named_parameters())
        for p_name, p in layer.named_parameters():
            if p_name in t_params:
                assert p.grad.dtype == np.float64
                np.testing.assert_allclose(p.grad, t_params[p_name].grad.numpy(),
                                           rtol=1e-10, atol=1e-12, err_msg=p_name)
                p.grad = None
        t_layer.zero_grad()
    for key, t_value in t_layer.state_dict().items():  # the running statistics kept step
        np.testing.assert_allclose(layer.state_dict()[key], t_value.numpy(), rtol=1e-12,
                                   err_msg=key)


@pytest.mark.parametrize("name", LAYERS)
def test_explicit_dtype_wins_over_the_default(name):
    ag.set_default_dtype(ag.float64)  # conftest restores it
    assert {str(a.dtype) for a in make(name).state_dict().values()} == {"float64"}
    layer = make(name, dtype="float32")
    assert {str(a.dtype) for a in layer.state_dict().values()} == {"float32"}
    assert [str(y.dtype) for y in flat(layer(sample(name)))][0] == "float32"


@pytest.mark.parametrize("name", LAYERS)
def test_the_cpu_is_accepted(name):
    for device in (None, "cpu", "cpu:0"):
        layer = make(name, device=device)
        assert {str(a.dtype) for a in layer.state_dict().values()} == {"float32"}
    layer = make(name, device="cpu", dtype=ag.float64)
    assert flat(layer(sample(name)))[0].dtype == np.float64
    torch = pytest.importorskip("torch", reason="needs the torch extra")
    assert isinstance(make(name, device=torch.device("cpu")), CLASSES[name])


@pytest.mark.parametrize("device", ["cuda", "cuda:0", "mps", 3])
@pytest.mark.parametrize("name", LAYERS)
def test_another_device_is_refused_naming_the_layer(name, device):
    def call():
        with pytest.raises(ValueError, match=rf"^{name}: device must be the CPU, 'cpu' .*"
                                             rf"got device={device!r}$"):
            make(name, device=device)
    nothing_changes(call)
    with pytest.raises(ValueError, match=rf"^{name} 'mine': device must be the CPU"):
        make(name, device=device, name="mine")


@pytest.mark.parametrize("dtype, shown", [
    (np.int32, "int32"), ("int64", "int64"), (ag.int64, "int64"), (bool, "bool"),
    (np.complex128, "complex128"), ("nonsense", "'nonsense'"), (5, "5"), (object, "object")])
@pytest.mark.parametrize("name", LAYERS)
def test_a_dtype_not_a_float_is_refused_before_anything_is_made(name, dtype, shown):
    def call():
        with pytest.raises(TypeError, match=rf"^{name}: dtype must be a floating dtype "
                                            rf"\(float32, float64, ...\), got dtype={shown}$"):
            make(name, dtype=dtype)
    nothing_changes(call)


@pytest.mark.parametrize("name", LAYERS)
def test_get_config_round_trips_the_dtype(name):
    layer = make(name, dtype=ag.float64)
    config = layer.get_config()
    assert config["dtype"] == "float64"
    rebuilt = type(layer)(**config)
    assert type(rebuilt) is CLASSES[name]
    assert {str(a.dtype) for a in rebuilt.state_dict().values()} == {"float64"}
    assert rebuilt.get_config() == config
    # float32 configs are as they were, and a converted layer's config follows its weights
    assert "dtype" not in make(name).get_config()
    assert "dtype" not in make(name, dtype="float32").get_config()
    assert "dtype" not in layer.to(ag.float32).get_config()


def test_layers_without_weights_compute_in_the_dtype_given():
    """A LayerNorm without elementwise_affine, a BatchNorm without affine or running
    statistics: nothing holds the dtype but the layer, and its config."""
    x = np.random.default_rng(3).standard_normal((4, 3, 5))
    for layer in (nn.LayerNorm(5, elementwise_affine=False, dtype=ag.float64),
                  nn.BatchNorm1d(3, affine=False, track_running_stats=False, dtype="float64")):
        assert layer.state_dict() == {}
        assert layer(x).dtype == np.float64
        assert layer.get_config()["dtype"] == "float64"
        assert type(layer)(**layer.get_config())(x).dtype == np.float64
        assert type(layer)(**{**layer.get_config(), "dtype": None})(x).dtype == np.float32


def test_lstm_and_gru_dispatch_the_factory_keywords_to_pytorchs_class():
    for cls, t_cls in ((nn.LSTM, TorchLSTM), (nn.GRU, TorchGRU)):
        for layer in (cls(4, 5, dtype=ag.float64), cls(4, 5, batch_first=True, dtype="float64"),
                      cls(input_size=4, hidden_size=5, dtype=ag.float64)):
            assert type(layer) is t_cls and layer.weight_ih_l0.dtype == np.float64
        assert type(cls(4, 5, device="cpu")) is t_cls
        # Keras's LSTM(units) takes Keras's dtype= too (tests/test_nn_keras_dtype.py)
        keras_layer = cls(8, dtype=ag.float64)
        assert type(keras_layer) is not t_cls and keras_layer.dtype == "float64"
        # device= is PyTorch's only: the dispatcher says so
        with pytest.raises(TypeError, match=r"device= is an argument of PyTorch's"):
            cls(8, device="cpu")


def test_save_and_load_keep_a_float64_model_float64(tmp_path):
    rng = np.random.default_rng(5)
    model = nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1, dtype=ag.float64), nn.BatchNorm1d(4, dtype="float64"),
        nn.LayerNorm(6, dtype=np.float64), nn.Flatten(), nn.Linear(24, 3, dtype=ag.float64))
    images = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, dtype=ag.float64),
                           nn.BatchNorm2d(2, dtype=ag.float64), nn.Flatten(),
                           nn.Linear(32, 2, dtype=ag.float64))
    for m, x in ((model, rng.standard_normal((5, 2, 6))),
                 (images, rng.standard_normal((3, 1, 4, 4)))):
        m(x)  # one training step moves the running statistics
        m.eval()
        m.save(tmp_path / "m.keras")
        loaded = nn.load_model(tmp_path / "m.keras")
        assert [type(layer) for layer in loaded] == [type(layer) for layer in m]
        saved = m.state_dict()
        for key, array in loaded.state_dict().items():
            assert array.dtype == np.float64, key
            np.testing.assert_array_equal(array, saved[key])
        y = loaded.predict(x, verbose=0)
        assert y.dtype == np.float64
        np.testing.assert_array_equal(y, m(x).numpy())
