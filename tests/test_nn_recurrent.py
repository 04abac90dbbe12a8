"""Recurrent layers: PyTorch's RNN, LSTM and GRU against torch.nn's from the same weights;
Keras's SimpleRNN, LSTM, GRU and Bidirectional against numpy versions of Keras's formulas
(Keras is not installed), and Keras's LSTM and GRU against torch's through the weight
mapping; gradients against central differences, a second-order check, a training run,
saving, and the arguments that must be refused."""

import math
import os
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn import initializers
from nn.recurrent import (
    GRU, LSTM, RNN, Bidirectional, KerasGRU, KerasLSTM, SimpleRNN, TorchGRU, TorchLSTM,
)


@pytest.fixture
def float64():
    ag.set_default_dtype(ag.float64)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _randomize(layer, seed=0, scale=0.5):
    """Every weight from N(0, scale^2): the zero biases of the default init would hide
    a bias added in the wrong place."""
    rng = _rng(seed)
    layer.set_weights([scale * rng.standard_normal(w.shape) for w in layer.get_weights()])


# --- numpy versions of Keras 3's cells (keras/src/layers/rnn/*.py) -----------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def keras_reference(kind, x, weights, units, return_sequences=False, go_backwards=False,
                    initial_state=None, reset_after=True, dropout_mask=None,
                    recurrent_mask=None):
    """Keras's output and final states, step by step in numpy. weights: [kernel,
    recurrent_kernel, bias]; the masks multiply x_t and h_{t-1} (in its products only)."""
    W, U, b = weights
    batch, steps, _ = x.shape
    h = np.zeros((batch, units)) if initial_state is None else initial_state[0]
    c = np.zeros((batch, units)) if initial_state is None or kind != "LSTM" \
        else initial_state[1]
    ones_x, ones_h = np.ones(x.shape[-1]), np.ones(units)
    dm = ones_x if dropout_mask is None else dropout_mask
    rm = ones_h if recurrent_mask is None else recurrent_mask
    outputs = []
    for t in (range(steps - 1, -1, -1) if go_backwards else range(steps)):
        x_t, h_m = x[:, t] * dm, h * rm
        if kind == "SimpleRNN":
            h = np.tanh(x_t @ W + b + h_m @ U)
        elif kind == "LSTM":
            z_i, z_f, z_c, z_o = np.split(x_t @ W + h_m @ U + b, 4, axis=-1)
            c = _sigmoid(z_f) * c + _sigmoid(z_i) * np.tanh(z_c)
            h = _sigmoid(z_o) * np.tanh(c)
        elif reset_after:
            x_z, x_r, x_h = np.split(x_t @ W + b[0], 3, axis=-1)
            u_z, u_r, u_h = np.split(h_m @ U + b[1], 3, axis=-1)
            z, r = _sigmoid(x_z + u_z), _sigmoid(x_r + u_r)
            h = z * h + (1 - z) * np.tanh(x_h + r * u_h)
        else:
            x_z, x_r, x_h = np.split(x_t @ W + b, 3, axis=-1)
            u_z, u_r = np.split(h_m @ U[:, :2 * units], 2, axis=-1)
            z, r = _sigmoid(x_z + u_z), _sigmoid(x_r + u_r)
            h = z * h + (1 - z) * np.tanh(x_h + (r * h_m) @ U[:, 2 * units:])
        outputs.append(h)
    output = np.stack(outputs, axis=1) if return_sequences else outputs[-1]
    return output, ([h, c] if kind == "LSTM" else [h])


KERAS = {"SimpleRNN": SimpleRNN, "LSTM": KerasLSTM, "GRU": KerasGRU}


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences, return_state, go_backwards, with_state", [
    (False, False, False, False), (True, False, False, False), (False, True, False, True),
    (True, True, True, False), (True, False, True, True), (False, True, True, True)])
def test_keras_layers_match_keras_formulas(float64, kind, return_sequences, return_state,
                                           go_backwards, with_state):
    rng = _rng(1)
    units, x = 3, rng.standard_normal((2, 5, 4))
    layer = KERAS[kind](units, return_sequences=return_sequences, return_state=return_state,
                        go_backwards=go_backwards)
    layer(x[:1])
    _randomize(layer)
    n_states = 2 if kind == "LSTM" else 1
    state = [rng.standard_normal((2, units)) for _ in range(n_states)] if with_state else None
    out = layer(x, initial_state=state)
    expected, expected_states = keras_reference(kind, x, layer.get_weights(), units,
                                                return_sequences, go_backwards, state)
    if return_state:
        assert isinstance(out, tuple) and len(out) == 1 + n_states
        out, states = out[0], out[1:]
        for got, want in zip(states, expected_states):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    assert out.shape == ((2, 5, units) if return_sequences else (2, units))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_keras_gru_without_reset_after_matches_formula(float64):
    x = _rng(2).standard_normal((3, 4, 2))
    layer = KerasGRU(5, reset_after=False, return_sequences=True)
    layer(x)
    assert [w.shape for w in layer.get_weights()] == [(2, 15), (5, 15), (15,)]
    assert layer.count_params() == 3 * 5 * (2 + 5 + 1)
    _randomize(layer, 3)
    expected, _ = keras_reference("GRU", x, layer.get_weights(), 5, True, reset_after=False)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_keras_dropout_masks_act_where_keras_puts_them(float64, kind, monkeypatch):
    """One input mask and one recurrent mask per sequence, the same at every step; the
    recurrent mask only in h_{t-1}'s products, never in the GRU's final mix."""
    rng = _rng(4)
    x = rng.standard_normal((2, 4, 3))
    layer = KERAS[kind](2, dropout=0.5, recurrent_dropout=0.25, return_sequences=True,
                        seed=7)
    layer(x)
    _randomize(layer, 5)
    masks = {(2, 1, 3): rng.integers(0, 2, (2, 1, 3)) * 2.0,
             (2, 2): rng.integers(0, 2, (2, 2)) / 0.75}
    monkeypatch.setattr(layer, "_dropout_mask", lambda shape, rate: masks[shape])
    expected, _ = keras_reference(kind, x, layer.get_weights(), 2, True,
                                  dropout_mask=masks[(2, 1, 3)][:, 0],
                                  recurrent_mask=masks[(2, 2)])
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-12, atol=1e-12)
    plain, _ = keras_reference(kind, x, layer.get_weights(), 2, True)
    np.testing.assert_allclose(layer(x, training=False).numpy(), plain, rtol=1e-12)
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), plain, rtol=1e-12)


def test_keras_dropout_masks_are_inverted_and_seeded(float64):
    x = np.ones((400, 3, 5))
    a, b = (SimpleRNN(4, dropout=0.3, recurrent_dropout=0.6, seed=1) for _ in range(2))
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    assert not np.allclose(a(x).numpy(), a(x, training=False).numpy())
    mask = a._dropout_mask((400, 1, 5), 0.3)
    assert set(np.unique(mask)) == {0.0, 1 / 0.7}
    assert np.mean(mask == 0) == pytest.approx(0.3, abs=0.05)


@pytest.mark.parametrize("units, features", [(1, 1), (32, 16), (7, 3)])
def test_keras_parameter_counts(units, features):
    model = nn.Sequential([nn.Input((5, features)), SimpleRNN(units)])
    assert model.count_params() == units * (features + units + 1)
    lines = []
    model.summary(print_fn=lines.append)
    assert f"Total params: {units * (features + units + 1):,}" in lines
    lstm = LSTM(units, input_shape=(5, features))
    assert lstm.count_params() == 4 * units * (features + units + 1)
    assert [v.shape for v in lstm.parameters()] == [
        (features, 4 * units), (units, 4 * units), (4 * units,)]
    gru = GRU(units, input_shape=(None, features))
    assert gru.count_params() == 3 * units * (features + units + 2)
    assert [v.shape for v in gru.parameters()] == [
        (features, 3 * units), (units, 3 * units), (2, 3 * units)]
    assert [name for name, _ in gru.named_parameters()] == ["kernel", "recurrent_kernel",
                                                            "bias"]
    assert gru.input_shape is None  # any length: the model learns it from the data


def test_keras_text_classifier_summary_as_keras_prints_it():
    model = nn.Sequential([nn.Embedding(1000, 16, input_length=20), LSTM(32),
                           nn.Dense(1, activation="sigmoid")])
    assert [layer.output_shape for layer in model.layers] == [(None, 20, 16), (None, 32),
                                                              (None, 1)]
    assert [layer.count_params() for layer in model.layers] == [16000, 6272, 33]
    assert model.layers[1].name.startswith("lstm")


def test_keras_initial_weights():
    lstm = LSTM(3, input_shape=(4, 2))
    np.testing.assert_array_equal(lstm.bias.numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert not LSTM(3, unit_forget_bias=False, input_shape=(4, 2)).bias.numpy().any()
    U = SimpleRNN(6, input_shape=(3, 2)).recurrent_kernel.numpy()
    np.testing.assert_allclose(U.T @ U, np.eye(6), atol=1e-5)   # "orthogonal"
    U = lstm.recurrent_kernel.numpy()                            # (3, 12): orthonormal rows
    np.testing.assert_allclose(U @ U.T, np.eye(3), atol=1e-5)
    W = lstm.kernel.numpy()
    assert np.abs(W).max() <= math.sqrt(6 / (2 + 12))            # glorot_uniform


def test_orthogonal_initializer():
    tall = initializers.Orthogonal(seed=3)((7, 4), np.float64)
    np.testing.assert_allclose(tall.T @ tall, np.eye(4), atol=1e-12)
    wide = initializers.get("orthogonal", seed=3)((4, 7), np.float64)
    np.testing.assert_allclose(wide @ wide.T, np.eye(4), atol=1e-12)
    np.testing.assert_array_equal(initializers.Orthogonal(seed=3)((7, 4), np.float64), tall)
    conv = initializers.Orthogonal(gain=2.0, seed=1)((3, 2, 5), np.float64).reshape(6, 5)
    np.testing.assert_allclose(conv.T @ conv, 4 * np.eye(5), atol=1e-12)
    # Uniformly distributed: the diagonal of R fixed positive, not left to the QR routine.
    draws = np.array([initializers.Orthogonal(seed=s)((2, 2), np.float64)[0, 0]
                      for s in range(400)])
    assert abs(np.mean(draws > 0) - 0.5) < 0.1
    assert initializers.Orthogonal()((3, 3)).dtype == ag.get_default_dtype()
    config = initializers.serialize(initializers.Orthogonal(0.5, 2))
    assert config == {"class_name": "Orthogonal", "config": {"gain": 0.5, "seed": 2}}
    np.testing.assert_array_equal(initializers.get(config)((3, 3)),
                                  initializers.Orthogonal(0.5, 2)((3, 3)))
    with pytest.raises(ValueError, match=r"Orthogonal: .* at least two-dimensional, got "
                                         r"shape \(5,\)"):
        initializers.Orthogonal()((5,))


# --- Keras's layers against torch's, through the weight mapping -----------------------
def test_keras_lstm_is_torchs_lstm_from_mapped_weights(float64):
    torch = pytest.importorskip("torch")
    x = _rng(6).standard_normal((3, 6, 4))
    layer = LSTM(5, return_sequences=True, return_state=True)
    layer(x)
    _randomize(layer, 7)
    kernel, recurrent_kernel, bias = layer.get_weights()
    tlstm = torch.nn.LSTM(4, 5, batch_first=True).double()
    # Keras's gates i, f, c, o are torch's i, f, g, o: the same columns, transposed.
    tlstm.load_state_dict({"weight_ih_l0": torch.tensor(kernel.T),
                           "weight_hh_l0": torch.tensor(recurrent_kernel.T),
                           "bias_ih_l0": torch.tensor(bias),
                           "bias_hh_l0": torch.zeros(20, dtype=torch.float64)})
    out, h, c = layer(x)
    t_out, (t_h, t_c) = tlstm(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h.numpy(), t_h[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.numpy(), t_c[0].detach().numpy(), rtol=1e-12, atol=1e-12)


def test_keras_gru_is_torchs_gru_from_mapped_weights(float64):
    torch = pytest.importorskip("torch")
    units, x = 3, _rng(8).standard_normal((2, 5, 4))
    layer = GRU(units, return_sequences=True, go_backwards=True)
    layer(x)
    _randomize(layer, 9)
    kernel, recurrent_kernel, bias = layer.get_weights()

    def torch_order(w):  # Keras's z, r, h blocks -> torch's r, z, n
        z, r, h = np.split(w, 3, axis=-1)
        return np.concatenate([r, z, h], axis=-1)

    tgru = torch.nn.GRU(4, units, batch_first=True).double()
    tgru.load_state_dict({"weight_ih_l0": torch.tensor(torch_order(kernel).T),
                          "weight_hh_l0": torch.tensor(torch_order(recurrent_kernel).T),
                          "bias_ih_l0": torch.tensor(torch_order(bias[0])),
                          "bias_hh_l0": torch.tensor(torch_order(bias[1]))})
    t_out, _ = tgru(torch.tensor(x[:, ::-1].copy()))   # go_backwards: the reversed sequence
    np.testing.assert_allclose(layer(x).numpy(), t_out.detach().numpy(), rtol=1e-12,
                               atol=1e-12)


# --- PyTorch's layers against torch.nn's ------------------------------------------------
TORCH = {"RNN": RNN, "LSTM": TorchLSTM, "GRU": TorchGRU}


def _torch_pair(torch, kind, *args, **kwargs):
    """The same layer in torch and here, float64, with torch's weights loaded."""
    torch.manual_seed(0)
    t_layer = getattr(torch.nn, kind)(*args, **kwargs).double()
    layer = TORCH[kind](*args, **kwargs).double()
    assert list(layer.state_dict()) == list(t_layer.state_dict())
    assert layer.load_state_dict(t_layer.state_dict()) == ([], [])
    return layer, t_layer


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers, bidirectional, batch_first", [
    (1, False, False), (1, False, True), (2, False, False), (1, True, True),
    (2, True, False), (2, True, True)])
def test_torch_layers_match_torch(kind, num_layers, bidirectional, batch_first):
    torch = pytest.importorskip("torch")
    layer, t_layer = _torch_pair(torch, kind, 3, 4, num_layers=num_layers,
                                 bidirectional=bidirectional, batch_first=batch_first)
    rng = _rng(10)
    length, batch, directions = 5, 2, 2 if bidirectional else 1
    x = rng.standard_normal((batch, length, 3) if batch_first else (length, batch, 3))
    states = [rng.standard_normal((num_layers * directions, batch, 4))
              for _ in range(2 if kind == "LSTM" else 1)]
    xs = [ag.Variable(x)] + [ag.Variable(s) for s in states]
    ts = [torch.tensor(a, requires_grad=True) for a in [x] + states]
    hx = tuple(xs[1:]) if kind == "LSTM" else xs[1]
    t_hx = tuple(ts[1:]) if kind == "LSTM" else ts[1]
    out, finals = layer(xs[0], hx)
    t_out, t_finals = t_layer(ts[0], t_hx)
    finals = finals if kind == "LSTM" else (finals,)
    t_finals = t_finals if kind == "LSTM" else (t_finals,)
    assert out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for got, want in zip(finals, t_finals):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    weights = [rng.standard_normal(out.shape)] + [rng.standard_normal(f.shape) for f in finals]
    loss = sum(ag.sum(y * w) for y, w in zip((out,) + tuple(finals), weights))
    t_loss = sum((y * torch.tensor(w)).sum()
                 for y, w in zip((t_out,) + tuple(t_finals), weights))
    loss.backward()
    t_loss.backward()
    for v, t in zip(xs, ts):
        np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-9, atol=1e-12)
    t_params = dict(t_layer.named_parameters())
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad, t_params[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind, kwargs", [("RNN", dict(nonlinearity="relu")),
                                          ("RNN", dict(bias=False)),
                                          ("LSTM", dict(bias=False, num_layers=2)),
                                          ("GRU", dict(bias=False, bidirectional=True))])
def test_torch_variants_and_unbatched_input(kind, kwargs):
    torch = pytest.importorskip("torch")
    layer, t_layer = _torch_pair(torch, kind, 2, 3, **kwargs)
    if kwargs.get("bias") is False:
        assert not any("bias" in name for name in layer.state_dict())
    x = _rng(11).standard_normal((4, 2))       # (L, H_in): one sequence, no batch axis
    out, finals = layer(x)
    t_out, t_finals = t_layer(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    if kind == "LSTM":
        finals, t_finals = finals[1], t_finals[1]
    assert finals.shape == tuple(t_finals.shape)
    np.testing.assert_allclose(finals.numpy(), t_finals.detach().numpy(), rtol=1e-10,
                               atol=1e-12)


def test_torch_dropout_between_layers_in_training_mode_only():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer, t_layer = _torch_pair(torch, "GRU", 3, 4, num_layers=2, dropout=1.0)
    x = _rng(12).standard_normal((5, 2, 3))
    # dropout=1 zeroes the first layer's output: deterministic, so torch must agree
    t_layer.train()
    out, h_n = layer(x)
    t_out, t_h_n = t_layer(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    t_layer.eval()
    layer.eval()
    out, h_n = layer(x)
    t_out, t_h_n = t_layer(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    half = TorchLSTM(3, 4, num_layers=2, dropout=0.5)
    x = np.ones((3, 50, 3), np.float32)
    assert not np.allclose(half(x)[0].numpy(), half(x, training=False)[0].numpy())
    with pytest.warns(UserWarning, match="dropout acts between recurrent layers only"):
        RNN(3, 4, dropout=0.2)


def test_torch_init_and_repr():
    layer = LSTM(10, 100, num_layers=2, bidirectional=True)
    bound = 1 / math.sqrt(100)
    for name, p in layer.named_parameters():
        assert np.abs(p.numpy()).max() <= bound, name
    w = layer.weight_hh_l1_reverse.numpy()
    assert w.shape == (400, 100) and w.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert layer.weight_ih_l1.shape == (400, 200)
    assert repr(layer) == "LSTM(10, 100, num_layers=2, bidirectional=True)"
    assert repr(RNN(2, 3, nonlinearity="relu")) == "RNN(2, 3, nonlinearity=relu)"
    before = layer.weight_ih_l0.numpy().copy()
    layer.reset_parameters()
    assert not np.array_equal(before, layer.weight_ih_l0.numpy())


def test_pytorch_sequence_tagger_ports_with_its_state_dict():
    """The shape of PyTorch's LSTM tagging tutorial: embeddings -> LSTM -> Linear."""
    torch = pytest.importorskip("torch")

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.recurrent.LSTM(6, 5, batch_first=True)
            self.hidden2tag = nn.Linear(5, 3)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.hidden2tag(out)

    class TorchTagger(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(6, 5, batch_first=True)
            self.hidden2tag = torch.nn.Linear(5, 3)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.hidden2tag(out)

    torch.manual_seed(1)
    t_model, model = TorchTagger(), Tagger()
    assert list(model.state_dict()) == list(t_model.state_dict())
    model.load_state_dict(t_model.state_dict())
    x = _rng(13).standard_normal((2, 4, 6)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), t_model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


# --- derivatives --------------------------------------------------------------------------
def _central_differences(loss, variables, eps=1e-6):
    """d loss() / d v for each Variable, by (loss(v + eps) - loss(v - eps)) / (2 eps)."""
    grads = []
    for v in variables:
        base, numeric = v.numpy().copy(), np.zeros(v.shape)
        for i in np.ndindex(v.shape):
            values = []
            for step in (eps, -eps):
                moved = base.copy()
                moved[i] += step
                v.assign(moved)
                with ag.no_grad():
                    values.append(float(loss().numpy()))
            numeric[i] = (values[0] - values[1]) / (2 * eps)
        v.assign(base)
        grads.append(numeric)
    return grads


def _call(layer, x, states):
    """The layer run on x from the given initial states; all its outputs, a flat list."""
    if isinstance(layer, (RNN, TorchLSTM, TorchGRU)):
        out, finals = layer(x, tuple(states) if len(states) == 2 else states[0])
        return [out, *(finals if isinstance(finals, tuple) else (finals,))]
    out = layer(x, initial_state=states)
    return list(out) if isinstance(out, tuple) else [out]


# x is (2, 3, 2): Keras's (batch, timesteps, features); PyTorch's (L, N, H_in) unless
# batch_first. Each case: the layer, its initial states' shape and how many.
GRADIENT_CASES = {
    "SimpleRNN": (lambda: SimpleRNN(2, return_sequences=True, return_state=True), (2, 2), 1),
    "KerasLSTM": (lambda: LSTM(2, return_sequences=True, return_state=True,
                               go_backwards=True), (2, 2), 2),
    "KerasGRU": (lambda: GRU(2, return_state=True), (2, 2), 1),
    "KerasGRU-reset-before": (lambda: GRU(2, reset_after=False, return_sequences=True,
                                          return_state=True), (2, 2), 1),
    "Bidirectional": (lambda: Bidirectional(LSTM(2, return_sequences=True),
                                            merge_mode="mul"), (2, 2), 4),
    "RNN": (lambda: RNN(2, 2, num_layers=2, bidirectional=True), (4, 3, 2), 1),
    "TorchLSTM": (lambda: LSTM(2, 2, bidirectional=True, batch_first=True), (2, 2, 2), 2),
    "TorchGRU": (lambda: GRU(2, 2, num_layers=2), (2, 3, 2), 1),
}


@pytest.mark.parametrize("case", list(GRADIENT_CASES))
def test_gradients_against_central_differences(float64, case):
    make, state_shape, n_states = GRADIENT_CASES[case]
    layer, rng = make(), _rng(14)
    x = ag.Variable(rng.standard_normal((2, 3, 2)))
    states = [ag.Variable(rng.standard_normal(state_shape)) for _ in range(n_states)]
    weights = [rng.uniform(0.5, 1.5, y.shape) for y in _call(layer, x, states)]
    _randomize(layer, 15, scale=0.8)

    def loss():
        return sum(ag.sum(y * w) for y, w in zip(_call(layer, x, states), weights))

    variables = [x] + states + layer.parameters()
    loss().backward()
    analytic = [np.array(v.grad) for v in variables]
    for v, got, want in zip(variables, analytic, _central_differences(loss, variables)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=v.name)


def _hessian_vector_products(torch, output, w, params, directions):
    """dL/dp and d<dL/dp, v>/dp for L = sum(output * w), by ag.gradients (ag Values) or
    by torch's double backward (torch tensors), as numpy arrays."""
    if torch is None:
        grads = ag.gradients(ag.sum(output * w), params, create_graph=True)
        s = sum(ag.sum(g * v) for g, v in zip(grads, directions))
        return [g.numpy() for g in grads], [h.numpy() for h in ag.gradients(s, params)]
    grads = torch.autograd.grad((output * torch.tensor(w)).sum(), params, create_graph=True)
    s = sum((g * torch.tensor(v)).sum() for g, v in zip(grads, directions))
    return ([g.detach().numpy() for g in grads],
            [h.numpy() for h in torch.autograd.grad(s, params)])


def _assert_same_derivatives(got, want):
    for a, b in zip(got[0], want[0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    for a, b in zip(got[1], want[1]):
        assert np.abs(b).max() > 1e-3
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-11)


def test_lstm_second_derivatives_match_torch_double_backward():
    """The gradient of <dL/dtheta, v> (a Hessian-vector product) through an unrolled
    two-layer LSTM, against torch's double backward."""
    torch = pytest.importorskip("torch")
    layer, t_layer = _torch_pair(torch, "LSTM", 2, 3, num_layers=2)
    rng = _rng(16)
    x, w = rng.standard_normal((4, 2, 2)), rng.uniform(0.5, 1.5, (4, 2, 3))
    xv, xt = ag.Variable(x), torch.tensor(x, requires_grad=True)
    params, t_params = [xv] + layer.parameters(), [xt] + list(t_layer.parameters())
    directions = [rng.uniform(-1, 1, p.shape) for p in params]
    got = _hessian_vector_products(None, layer(xv)[0], w, params, directions)
    want = _hessian_vector_products(torch, t_layer(xt)[0], w, t_params, directions)
    _assert_same_derivatives(got, want)


def test_keras_lstm_second_derivatives_match_torch_through_the_mapping(float64):
    torch = pytest.importorskip("torch")
    rng = _rng(26)
    x, w = rng.standard_normal((2, 4, 3)), rng.uniform(0.5, 1.5, (2, 4, 2))
    layer = LSTM(2, return_sequences=True)
    layer(x)
    _randomize(layer, 27)
    kernel, recurrent_kernel, bias = layer.get_weights()
    t_layer = torch.nn.LSTM(3, 2, batch_first=True).double()
    t_layer.load_state_dict({"weight_ih_l0": torch.tensor(kernel.T),
                             "weight_hh_l0": torch.tensor(recurrent_kernel.T),
                             "bias_ih_l0": torch.tensor(bias),
                             "bias_hh_l0": torch.zeros(8, dtype=torch.float64)})
    xv, xt = ag.Variable(x), torch.tensor(x, requires_grad=True)
    params = [xv] + layer.parameters()
    t_params = [xt, t_layer.weight_ih_l0, t_layer.weight_hh_l0, t_layer.bias_ih_l0]
    directions = [rng.uniform(-1, 1, p.shape) for p in params]
    transposed = [False, True, True, False]   # Keras's kernels are torch's weights' .T
    t_directions = [d.T if t else d for d, t in zip(directions, transposed)]
    got = _hessian_vector_products(None, layer(xv), w, params, directions)
    want = _hessian_vector_products(torch, t_layer(xt)[0], w, t_params, t_directions)
    want = tuple([a.T if t else a for a, t in zip(arrays, transposed)] for arrays in want)
    _assert_same_derivatives(got, want)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_keras_layers_without_bias(float64, kind):
    x = _rng(28).standard_normal((2, 3, 4))
    layer = KERAS[kind](3, use_bias=False, return_sequences=True)
    layer(x)
    assert [name for name, _ in layer.named_parameters()] == ["kernel", "recurrent_kernel"]
    _randomize(layer, 29)
    kernel, recurrent_kernel = layer.get_weights()
    bias = np.zeros((2, 9)) if kind == "GRU" else 0.0
    expected, _ = keras_reference(kind, x, [kernel, recurrent_kernel, bias], 3, True)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-12, atol=1e-14)


# --- Bidirectional ------------------------------------------------------------------------
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merges_both_directions(float64, merge_mode):
    rng = _rng(17)
    x = rng.standard_normal((2, 4, 3))
    layer = Bidirectional(LSTM(2, return_sequences=True, name="enc"), merge_mode=merge_mode)
    layer(x)
    assert (layer.forward_layer.name, layer.backward_layer.name) == ("forward_enc",
                                                                     "backward_enc")
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    _randomize(layer.forward_layer, 18)
    _randomize(layer.backward_layer, 19)
    y, _ = keras_reference("LSTM", x, layer.forward_layer.get_weights(), 2, True)
    y_rev, _ = keras_reference("LSTM", x, layer.backward_layer.get_weights(), 2, True,
                               go_backwards=True)
    y_rev = y_rev[:, ::-1]
    expected = {"concat": np.concatenate([y, y_rev], -1), "sum": y + y_rev,
                "mul": y * y_rev, "ave": (y + y_rev) / 2, None: None}[merge_mode]
    out = layer(x)
    if merge_mode is None:
        np.testing.assert_allclose(out[0].numpy(), y, rtol=1e-12)
        np.testing.assert_allclose(out[1].numpy(), y_rev, rtol=1e-12)
    else:
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-14)
    assert layer.count_params() == 2 * 4 * 2 * (3 + 2 + 1)


def test_bidirectional_states_and_initial_state(float64):
    rng = _rng(20)
    x = rng.standard_normal((2, 4, 3))
    layer = Bidirectional(GRU(2, return_state=True), input_shape=(4, 3))
    assert layer.input_shape == (None, 4, 3) and layer.count_params() == 2 * 3 * 2 * (3 + 2 + 2)
    _randomize(layer, 21)
    h0 = [rng.standard_normal((2, 2)) for _ in range(2)]
    out, h_f, h_b = layer(x, initial_state=h0)
    y, (f,) = keras_reference("GRU", x, layer.forward_layer.get_weights(), 2,
                              initial_state=h0[:1])
    y_rev, (b,) = keras_reference("GRU", x, layer.backward_layer.get_weights(), 2,
                                  go_backwards=True, initial_state=h0[1:])
    np.testing.assert_allclose(out.numpy(), np.concatenate([y, y_rev], -1), rtol=1e-12)
    np.testing.assert_allclose(h_f.numpy(), f, rtol=1e-12)
    np.testing.assert_allclose(h_b.numpy(), b, rtol=1e-12)


# --- training, modes, saving ---------------------------------------------------------------
def test_embedding_lstm_dense_learns_the_sign_of_a_sum():
    """Keras's text-classification recipe on a task an LSTM must count for: is the sum of
    the sequence's values (token id - 4.5) positive?"""
    ag.random.set_seed(0)
    rng = _rng(22)
    ids = rng.integers(0, 10, (512, 8))
    y = ((ids - 4.5).sum(axis=1) > 0).astype(np.float32)
    model = nn.Sequential([nn.Embedding(10, 8, input_length=8), LSTM(16),
                           nn.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optim.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(ids, y, epochs=5, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.3 * losses[0], losses
    assert history.history["accuracy"][-1] > 0.9, history.history["accuracy"]


def test_functional_model_with_states_and_save_load(tmp_path):
    inputs = nn.Input((6, 3))
    seq, h, c = LSTM(4, return_sequences=True, return_state=True)(inputs)
    out = GRU(4)(seq, initial_state=[h])
    model = nn.Model(inputs, [out, c])
    x = _rng(23).standard_normal((2, 6, 3)).astype(np.float32)
    before = [y.numpy() for y in model(x)]
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = nn.load_model(path)
    for got, want in zip(loaded(x), before):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_sequential_save_load_with_every_keras_layer(tmp_path):
    model = nn.Sequential([
        nn.Embedding(30, 4, input_length=5),
        Bidirectional(LSTM(3, return_sequences=True, recurrent_activation="hard_sigmoid")),
        GRU(3, reset_after=False, return_sequences=True, dropout=0.2, seed=1),
        SimpleRNN(2, activation="relu", kernel_regularizer="l2",
                  recurrent_initializer=initializers.Orthogonal(gain=0.5)),
        nn.Dense(1, activation="sigmoid")])
    ids = _rng(24).integers(0, 30, (8, 5))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(ids, (ids.sum(1) > 70).astype(np.float32), epochs=1, verbose=0)
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = nn.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "Embedding", "Bidirectional", "KerasGRU", "SimpleRNN", "Dense"]
    assert loaded.layers[3].kernel_regularizer is not None
    assert loaded.layers[1].forward_layer.recurrent_activation is ag.hard_sigmoid
    np.testing.assert_allclose(loaded.predict(ids), model.predict(ids), rtol=1e-6)
    for layer in model.layers[1:4]:
        again = type(layer).from_config(layer.get_config())
        assert again.get_config() == layer.get_config()


def test_state_dict_round_trip_and_train_eval_modes(float64):
    x = _rng(25).standard_normal((2, 3, 2))
    a, b = GRU(3, return_sequences=True, recurrent_dropout=0.5), GRU(3, return_sequences=True)
    a(x)
    b(x)
    assert list(a.state_dict()) == ["kernel", "recurrent_kernel", "bias"]
    b.load_state_dict(a.state_dict())
    a.eval()
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    a.train()
    assert not np.allclose(a(x).numpy(), b(x).numpy())


def test_dispatch_between_keras_and_pytorch():
    assert type(LSTM(8)) is KerasLSTM and type(LSTM(units=8)) is KerasLSTM
    assert type(LSTM(8, "relu")) is KerasLSTM and LSTM(8, "relu").activation is not None
    assert type(LSTM(3, 8)) is TorchLSTM and type(LSTM(3, hidden_size=8)) is TorchLSTM
    assert type(GRU(input_size=3, hidden_size=8)) is TorchGRU and type(GRU(4)) is KerasGRU
    assert isinstance(LSTM(8), LSTM) and isinstance(LSTM(3, 8), LSTM)
    assert isinstance(GRU(3, 8), GRU) and not isinstance(GRU(3, 8), LSTM)
    assert LSTM(8).name.startswith("lstm") and GRU(3, 8).name.startswith("gru")
    with pytest.raises(TypeError, match=r"LSTM: return_sequences= is an argument of Keras's "
                                        r"LSTM, but input_size and hidden_size make "
                                        r"PyTorch's LSTM"):
        LSTM(10, 20, return_sequences=True)
    with pytest.raises(TypeError, match=r"GRU: num_layers= is an argument of PyTorch's GRU, "
                                        r"but units makes Keras's GRU"):
        GRU(10, num_layers=2)
    with pytest.raises(TypeError, match=r"LSTM: give Keras's units, LSTM\(64\), or PyTorch's"):
        LSTM()
    with pytest.raises(TypeError, match="not both"):
        LSTM(units=3, input_size=2)


# --- refused arguments ------------------------------------------------------------------
@pytest.mark.parametrize("make, error, message", [
    (lambda: SimpleRNN(0, name="r"), ValueError,
     r"SimpleRNN 'r': units must be a positive integer, got 0"),
    (lambda: LSTM(True, name="r"), ValueError, r"LSTM 'r': units must be a positive"),
    (lambda: GRU(4, dropout=1.0, name="r"), ValueError, r"GRU 'r': dropout must lie in"),
    (lambda: GRU(4, recurrent_dropout=-0.1, name="r"), ValueError, r"recurrent_dropout"),
    (lambda: LSTM(4, stateful=True, name="r"), NotImplementedError, r"stateful=True"),
    (lambda: LSTM(4, return_sequences="yes", name="r"), TypeError,
     r"LSTM 'r': return_sequences must be True or False"),
    (lambda: LSTM(4, recurrent_activation="swishy", name="r"), ValueError,
     r"LSTM 'r': recurrent_activation: .*unknown activation 'swishy'"),
    (lambda: SimpleRNN(4, recurrent_initializer="orthogonl", name="r"), ValueError,
     r"recurrent_initializer: .*unknown initializer"),
    (lambda: GRU(4, input_shape=(8,), name="r"), ValueError,
     r"GRU 'r': input_shape must be \(timesteps, features\)"),
    (lambda: KerasGRU(4, seed="1", name="r"), TypeError, r"seed must be an integer"),
    (lambda: Bidirectional(nn.Dense(3)), TypeError, r"layer must be Keras's SimpleRNN"),
    (lambda: Bidirectional(LSTM(3), merge_mode="max"), ValueError, r"merge_mode must be"),
    (lambda: Bidirectional(LSTM(3), backward_layer=LSTM(3)), ValueError,
     r"go_backwards must differ"),
    (lambda: Bidirectional(LSTM(3), backward_layer=LSTM(3, return_sequences=True,
                                                        go_backwards=True)),
     ValueError, r"must agree on return_sequences"),
    (lambda: RNN(3, 0), ValueError, r"RNN '.*': hidden_size must be a positive integer"),
    (lambda: RNN(3, 4, nonlinearity="sigmoid"), ValueError, r"nonlinearity must be 'tanh'"),
    (lambda: RNN(SimpleRNN(3), 4), TypeError, r"Keras's RNN\(cell\) wrapper"),
    (lambda: LSTM(3, 4, dropout=1.5), ValueError, r"dropout must be a number in \[0, 1\]"),
    (lambda: LSTM(3, 4, bidirectional="no"), TypeError, r"bidirectional must be True or"),
    (lambda: LSTM(3, 4, proj_size=2), NotImplementedError, r"proj_size=2"),
])
def test_bad_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_calls_change_nothing(float64):
    x = np.zeros((2, 5, 3))
    lstm = LSTM(4, name="l")
    with pytest.raises(ValueError, match=r"LSTM 'l': expected input of shape \(batch, "
                                         r"timesteps, features\) with timesteps > 0, got "
                                         r"\(5, 3\)"):
        lstm(x[0])
    with pytest.raises(ValueError, match=r"LSTM 'l': initial_state must be \[h, c\], each of "
                                         r"shape \(batch, units\) = \(2, 4\) for an input of "
                                         r"shape \(2, 5, 3\), got \[\(2, 4\)\]"):
        lstm(x, initial_state=[np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"LSTM 'l': mask must be booleans of shape"):
        lstm(x, mask=np.ones((2, 4), bool))
    assert lstm.kernel is None and lstm.parameters() == []
    lstm(x)
    weights = lstm.get_weights()
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, timesteps, 3\)"):
        lstm(np.zeros((2, 5, 2)))
    bi = Bidirectional(GRU(2), name="b")
    with pytest.raises(ValueError, match=r"Bidirectional 'b': initial_state must be a list "
                                         r"of 2 states"):
        bi(x, initial_state=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"GRU 'backward_gru.*': initial_state"):
        bi(x, initial_state=[np.zeros((2, 2)), np.zeros((2, 3))])
    assert bi.parameters() == []
    for got, want in zip(lstm.get_weights(), weights):
        np.testing.assert_array_equal(got, want)

    torch_lstm = LSTM(3, 4, num_layers=2, name="t")
    before = torch_lstm.state_dict()
    with pytest.raises(ValueError, match=r"LSTM 't': expected input of shape \(L, N, H_in\) "
                                         r"or unbatched \(L, H_in\), with L > 0 and H_in = "
                                         r"input_size = 3, got \(5, 2, 2\)"):
        torch_lstm(np.zeros((5, 2, 2)))
    with pytest.raises(ValueError, match=r"LSTM 't': hx must be a pair \(h_0, c_0\)"):
        torch_lstm(np.zeros((5, 2, 3)), np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match=r"LSTM 't': expected c_0 of shape \(2, 2, 4\)"):
        torch_lstm(np.zeros((5, 2, 3)), (np.zeros((2, 2, 4)), np.zeros((1, 2, 4))))
    bad = dict(before, weight_hh_l1=np.zeros((4, 16)))
    with pytest.raises(RuntimeError, match="size mismatch for weight_hh_l1"):
        torch_lstm.load_state_dict(bad)
    for name, array in torch_lstm.state_dict().items():
        np.testing.assert_array_equal(array, before[name])
