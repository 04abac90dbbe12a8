"""PyTorch's recurrent base classes, ``nn.RNNBase(mode, ...)`` and ``nn.RNNCellBase(...,
num_chunks)``, against torch 2.13 itself: the class relations (isinstance), the
parameters' names and shapes, the attributes and printed form, and the outputs and
gradients of an ``RNNBase`` made by mode given torch's weights."""

import numpy as np
import pytest

import autograd_core as ag
import nn

torch = pytest.importorskip("torch")

MODES = {"RNN_TANH": ("RNN", {}), "RNN_RELU": ("RNN", {"nonlinearity": "relu"}),
         "LSTM": ("LSTM", {}), "GRU": ("GRU", {})}


def _pair(make):
    """The same object here and in torch: ``make(library)`` with library nn or torch.nn."""
    return make(nn), make(torch.nn)


OBJECTS = {
    "RNN": lambda lib: lib.RNN(3, 4),
    "LSTM": lambda lib: lib.LSTM(3, 4),
    "GRU": lambda lib: lib.GRU(3, 4, num_layers=2),
    "RNNBase('LSTM')": lambda lib: lib.RNNBase("LSTM", 3, 4),
    "RNNBase('RNN_RELU')": lambda lib: lib.RNNBase("RNN_RELU", 3, 4),
    "RNNCell": lambda lib: lib.RNNCell(3, 4),
    "LSTMCell": lambda lib: lib.LSTMCell(3, 4),
    "GRUCell": lambda lib: lib.GRUCell(3, 4, bias=False),
    "RNNCellBase": lambda lib: lib.RNNCellBase(3, 4, True, 4),
    "Linear": lambda lib: lib.Linear(3, 4),
}
CLASSES = ["RNNBase", "RNNCellBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           "Module"]


@pytest.mark.parametrize("what", OBJECTS)
def test_isinstance_relations_are_torchs(what):
    ours, theirs = _pair(OBJECTS[what])
    got = {c: isinstance(ours, getattr(nn, c)) for c in CLASSES}
    want = {c: isinstance(theirs, getattr(torch.nn, c)) for c in CLASSES}
    assert got == want


def test_subclass_relations_and_keras_layers_apart():
    for name in ("RNN", "LSTM", "GRU"):
        assert issubclass(type(getattr(nn, name)(3, 4)), nn.RNNBase)
    for name in ("RNNCell", "LSTMCell", "GRUCell"):
        assert issubclass(getattr(nn, name), nn.RNNCellBase)
        assert issubclass(getattr(torch.nn, name), torch.nn.RNNCellBase)
    assert not isinstance(nn.LSTM(8), nn.RNNBase)       # Keras's LSTM(units) is not torch's
    assert not isinstance(nn.RNNBase("LSTM", 3, 4), nn.LSTM)   # nor in torch


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kwargs", [{}, {"num_layers": 2, "bidirectional": True},
                                    {"bias": False, "batch_first": True}])
def test_rnnbase_parameters_attributes_and_repr_are_torchs(mode, kwargs):
    ours, theirs = _pair(lambda lib: lib.RNNBase(mode, 3, 5, **kwargs))
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    for key in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                "dropout", "bidirectional", "proj_size"):
        assert getattr(ours, key) == getattr(theirs, key), key
    assert repr(ours) == repr(theirs)
    assert ours.load_state_dict(theirs.state_dict()) == ([], [])


@pytest.mark.parametrize("bias, num_chunks", [(True, 1), (False, 3), (True, 4)])
def test_rnncellbase_parameters_and_repr_are_torchs(bias, num_chunks):
    ours, theirs = _pair(lambda lib: lib.RNNCellBase(3, 5, bias, num_chunks))
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    assert (ours.input_size, ours.hidden_size, ours.bias) == \
        (theirs.input_size, theirs.hidden_size, theirs.bias)
    assert repr(ours) == repr(theirs)
    with pytest.raises(NotImplementedError):     # neither base computes a step of its own
        theirs(torch.zeros(2, 3))
    with pytest.raises(NotImplementedError, match="RNNCellBase computes no step"):
        ours(np.zeros((2, 3)))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("num_layers, bidirectional, batch_first", [
    (1, False, False), (2, True, True)])
def test_rnnbase_by_mode_runs_as_torchs_layer(mode, num_layers, bidirectional, batch_first):
    """torch's RNNBase has no forward; ours by mode runs as torch's RNN/LSTM/GRU with the
    same weights: outputs, final states and every gradient."""
    kind, extra = MODES[mode]
    torch.manual_seed(0)
    t_layer = getattr(torch.nn, kind)(3, 4, num_layers=num_layers, bidirectional=bidirectional,
                                      batch_first=batch_first, **extra).double()
    layer = nn.RNNBase(mode, 3, 4, num_layers=num_layers, bidirectional=bidirectional,
                       batch_first=batch_first).double()
    assert layer.load_state_dict(t_layer.state_dict()) == ([], [])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    xv, xt = ag.Variable(x), torch.tensor(x, requires_grad=True)
    out, finals = layer(xv)
    t_out, t_finals = t_layer(xt)
    finals = finals if mode == "LSTM" else (finals,)
    t_finals = t_finals if mode == "LSTM" else (t_finals,)
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for got, want in zip(finals, t_finals):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    w = rng.standard_normal(out.shape)
    (ag.sum(out * w) + sum(ag.sum(f) for f in finals)).backward()
    ((t_out * torch.tensor(w)).sum() + sum(f.sum() for f in t_finals)).backward()
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    t_params = dict(t_layer.named_parameters())
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad, t_params[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


def test_subclasses_carry_their_mode_as_torchs():
    pairs = [_pair(lambda lib: lib.RNN(3, 4)), _pair(lambda lib: lib.RNN(3, 4,
                                                                        nonlinearity="relu")),
             _pair(lambda lib: lib.LSTM(3, 4)), _pair(lambda lib: lib.GRU(3, 4))]
    for ours, theirs in pairs:
        assert (ours.mode, ours.proj_size) == (theirs.mode, theirs.proj_size)


def test_configs_rebuild_the_layer():
    base = nn.RNNBase("GRU", 3, 4, num_layers=2, dtype="float64")
    config = base.get_config()
    assert config["mode"] == "GRU"
    again = nn.RNNBase.from_config(config)
    assert (again.mode, again.num_layers, again.weight_ih_l1.dtype) == ("GRU", 2, np.float64)
    assert "mode" not in nn.LSTM(3, 4).get_config()      # LSTM(...) fixes its mode
    cell = nn.RNNCellBase(3, 4, False, 3)
    assert nn.RNNCellBase.from_config(cell.get_config()).weight_ih.shape == (12, 3)
    assert "num_chunks" not in nn.GRUCell(3, 4).get_config()


def test_refusals_follow_torch():
    with pytest.raises(ValueError):
        torch.nn.RNNBase("FOO", 3, 4)
    with pytest.raises(ValueError, match="RNNBase: mode must be one of"):
        nn.RNNBase("FOO", 3, 4)
    assert "weight_hr_l0" in dict(torch.nn.RNNBase("LSTM", 3, 4, proj_size=2)
                                  .named_parameters())    # torch's projection of h
    for mode in ("LSTM", "GRU"):                           # not made here
        with pytest.raises(NotImplementedError, match="proj_size=2 is not supported"):
            nn.RNNBase(mode, 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="RNNCellBase: num_chunks must be a positive"):
        nn.RNNCellBase(3, 4, True, 0)
