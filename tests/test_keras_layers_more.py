"""Keras 3 layers, metrics, losses and callbacks nn lacked, tested without Keras.

The cell API (layers.RNN, SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells): the cells
against torch.nn's RNNCell, LSTMCell and GRUCell with the weights copied into PyTorch's
layout, RNN(cell) against the SimpleRNN, LSTM and GRU layers from the same weights,
Keras's custom-cell example (MinimalRNNCell) against a numpy loop, gradients against
central differences, a training run. Attention and AdditiveAttention against numpy
versions of Keras's maths; Conv1DTranspose and DepthwiseConv1D against PyTorch and the
2-D layers; EinsumDense's documented examples and numpy's einsum; PearsonCorrelation,
ConcordanceCorrelation and BinaryIoU against Keras's documented numbers; CTC against
torch's ctc_loss; Circle against a numpy version of Keras's; BackupAndRestore,
ProgbarLogger and CallbackList in fit and alone. Configs round-trip, and bad arguments
and calls are refused, changing nothing."""

import os

import numpy as np
import pytest

try:
    import torch
except ImportError:
    torch = None


import autograd_core as ag
import nn
from nn import layers


needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (make test EXTRAS=dev,torch)")


@pytest.fixture
def float64():
    ag.set_default_dtype(ag.float64)


def _randomize(layer, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    layer.set_weights([scale * rng.standard_normal(w.shape) for w in layer.get_weights()])


def _t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


# --- the cells against torch.nn's ---------------------------------------------------------
@needs_torch
def test_simple_rnn_cell_matches_torch_rnn_cell(float64):
    cell = layers.SimpleRNNCell(4)
    x, h = np.random.default_rng(1).standard_normal((2, 3, 4))[:, :, :3], None
    x = np.random.default_rng(1).standard_normal((3, 5))
    h = np.random.default_rng(2).standard_normal((3, 4))
    out, states = cell(x, [h])
    _randomize(cell)
    out, states = cell(x, [h])
    W, U, b = cell.get_weights()
    ref = torch.nn.RNNCell(5, 4).double()
    with torch.no_grad():
        ref.weight_ih.copy_(_t(W.T)), ref.weight_hh.copy_(_t(U.T))
        ref.bias_ih.copy_(_t(b)), ref.bias_hh.zero_()
    want = ref(_t(x), _t(h)).detach().numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-12)
    assert isinstance(states, list) and states[0] is out
    # a state given alone comes back alone, as Keras's
    out2, state2 = cell(x, h)
    np.testing.assert_allclose(state2.numpy(), want, rtol=1e-12)


@needs_torch
def test_lstm_cell_matches_torch_lstm_cell(float64):
    # Keras's gate order i, f, c, o is PyTorch's i, f, g, o: the kernel is weight_ih.T.
    rng = np.random.default_rng(3)
    cell = layers.LSTMCell(4)
    x, h, c = rng.standard_normal((3, 5)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    cell(x, [h, c])
    _randomize(cell, 4)
    out, (h1, c1) = cell(x, [h, c])
    W, U, b = cell.get_weights()
    assert W.shape == (5, 16) and U.shape == (4, 16) and b.shape == (16,)
    ref = torch.nn.LSTMCell(5, 4).double()
    with torch.no_grad():
        ref.weight_ih.copy_(_t(W.T)), ref.weight_hh.copy_(_t(U.T))
        ref.bias_ih.copy_(_t(b)), ref.bias_hh.zero_()
    h_want, c_want = ref(_t(x), (_t(h), _t(c)))
    np.testing.assert_allclose(out.numpy(), h_want.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h1.numpy(), h_want.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c1.numpy(), c_want.detach().numpy(), rtol=1e-12, atol=1e-12)


def _torch_gru_from_keras(W, U, b, units):
    """Keras's z, r, h blocks as PyTorch's r, z, n; Keras's bias rows b_in, b_rec."""
    def reorder(a):
        z, r, n = np.split(a, 3, axis=-1)
        return np.concatenate([r, z, n], axis=-1)
    ref = torch.nn.GRUCell(W.shape[0], units).double()
    with torch.no_grad():
        ref.weight_ih.copy_(_t(reorder(W).T)), ref.weight_hh.copy_(_t(reorder(U).T))
        ref.bias_ih.copy_(_t(reorder(b[0]))), ref.bias_hh.copy_(_t(reorder(b[1])))
    return ref


@needs_torch
def test_gru_cell_matches_torch_gru_cell(float64):
    rng = np.random.default_rng(5)
    cell = layers.GRUCell(4)
    assert cell.reset_after
    x, h = rng.standard_normal((3, 5)), rng.standard_normal((3, 4))
    cell(x, [h])
    _randomize(cell, 6)
    W, U, b = cell.get_weights()
    assert b.shape == (2, 12)      # reset_after's two rows
    out, [h1] = cell(x, [h])
    want = _torch_gru_from_keras(W, U, b, 4)(_t(x), _t(h)).detach().numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h1.numpy(), want, rtol=1e-12, atol=1e-12)


def test_cells_sizes_and_initial_states():
    assert layers.SimpleRNNCell(3).state_size == 3
    assert layers.GRUCell(3).state_size == 3
    assert layers.LSTMCell(3).state_size == [3, 3]
    assert layers.LSTMCell(3).output_size == 3
    h, c = layers.LSTMCell(3).get_initial_state(batch_size=2)
    assert h.shape == c.shape == (2, 3) and not np.any(h.numpy())
    [h] = layers.GRUCell(5).get_initial_state(4)
    assert h.shape == (4, 5)
    stacked = layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)])
    assert stacked.state_size == [[3, 3], 2] and stacked.output_size == 2
    # Keras's unit_forget_bias: the forget gate's bias starts at 1
    cell = layers.LSTMCell(2)
    cell(np.ones((1, 3)), cell.get_initial_state(1))
    np.testing.assert_array_equal(cell.bias.numpy(), [0, 0, 1, 1, 0, 0, 0, 0])
    gru = layers.GRUCell(2, reset_after=False)
    gru(np.ones((1, 3)), gru.get_initial_state(1))
    assert gru.bias.shape == (6,)


# --- RNN(cell) is the built-in layer -------------------------------------------------------
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU", "GRU_no_reset_after"])
@pytest.mark.parametrize("return_sequences,go_backwards", [(False, False), (True, True)])
def test_rnn_of_cell_equals_the_layer(float64, kind, return_sequences, go_backwards):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 6, 5))
    mask = rng.random((3, 6)) > 0.3
    extra = {"reset_after": False} if kind == "GRU_no_reset_after" else {}
    name = kind.split("_")[0]
    layer = getattr(layers, name)(4, return_sequences=return_sequences, return_state=True,
                                  go_backwards=go_backwards, **extra)
    rnn = layers.RNN(getattr(layers, name + "Cell")(4, **extra),
                     return_sequences=return_sequences, return_state=True,
                     go_backwards=go_backwards)
    layer(x), rnn(x)
    _randomize(layer, 8)
    rnn.set_weights(layer.get_weights())
    for m in (None, mask):
        got, want = rnn(x, mask=m), layer(x, mask=m)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-12)
    h0 = [rng.standard_normal((3, 4)) for _ in range(2 if name == "LSTM" else 1)]
    for g, w in zip(rnn(x, initial_state=h0), layer(x, initial_state=h0)):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-12)


def test_stacked_cells_equal_two_layers(float64):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 5, 3))
    rnn = layers.RNN([layers.LSTMCell(4), layers.GRUCell(3)], return_state=True)
    first, second = layers.LSTM(4, return_sequences=True), layers.GRU(3, return_state=True)
    rnn(x), second(first(x))
    _randomize(rnn, 10)
    weights = rnn.get_weights()
    first.set_weights(weights[:3]), second.set_weights(weights[3:])
    out, (h1, c1), [h2] = rnn(x)   # each cell's states as its get_initial_state gives them
    want, want_h2 = second(first(x))
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-12)
    np.testing.assert_allclose(h2.numpy(), want_h2.numpy(), rtol=1e-12)
    np.testing.assert_allclose(h1.numpy(), first(x).numpy()[:, -1], rtol=1e-12)


# --- Keras's custom cell (the RNN docstring's and the RNN guide's MinimalRNNCell) ----------
class MinimalRNNCell(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="uniform",
                                                name="recurrent_kernel")
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = ag.matmul(inputs, self.kernel)
        output = h + ag.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


def test_minimal_rnn_cell_from_keras_docs(float64):
    x = np.random.default_rng(11).standard_normal((2, 7, 5))
    cell = MinimalRNNCell(32)
    layer = layers.RNN(cell)
    y = layer(x)
    W, U = cell.kernel.numpy(), cell.recurrent_kernel.numpy()
    assert np.all(np.abs(W) <= 0.05) and W.std() > 0   # Keras's "uniform": U(-0.05, 0.05)
    h = np.zeros((2, 32))
    for t in range(7):
        h = x[:, t] @ W + h @ U
    np.testing.assert_allclose(y.numpy(), h, rtol=1e-12)
    # the stacked example: RNN(cells)
    cells = [MinimalRNNCell(32), MinimalRNNCell(64)]
    stacked = layers.RNN(cells)
    assert isinstance(stacked.cell, layers.StackedRNNCells)
    assert stacked(x).shape == (2, 64)
    # in a functional model, as the docs write it
    inputs = nn.Input((None, 5))
    model = nn.Model(inputs, layers.RNN(MinimalRNNCell(8))(inputs))
    assert model(x).shape == (2, 8)


# --- gradients, training ------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: layers.LSTMCell(3), lambda: layers.GRUCell(3),
                                  lambda: layers.SimpleRNNCell(3)])
def test_gradients_through_rnn_against_central_differences(float64, make):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 4, 2))
    rnn = layers.RNN(make(), return_sequences=True)
    rnn(x)
    _randomize(rnn, 13)
    kernel = rnn.cell.kernel
    loss = ag.sum(rnn(x) ** 2)
    loss.backward()
    grad = kernel.grad.numpy() if isinstance(kernel.grad, ag.Value) else np.asarray(kernel.grad)
    numeric = np.zeros(kernel.shape)
    eps = 1e-6
    base = kernel.numpy().copy()
    for idx in np.ndindex(kernel.shape):
        for sign in (1, -1):
            w = base.copy()
            w[idx] += sign * eps
            kernel.assign(w)
            numeric[idx] += sign * float(ag.sum(rnn(x) ** 2).numpy()) / (2 * eps)
    kernel.assign(base)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_rnn_of_lstm_cell_learns_with_fit():
    rng = np.random.default_rng(14)
    x = rng.standard_normal((64, 5, 1)).astype(np.float32)
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float32)[:, None]
    ag.random.set_seed(0)
    model = nn.Sequential([nn.Input((5, 1)), layers.RNN(layers.LSTMCell(8)),
                           layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=nn.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85


def test_cell_dropout_keeps_one_mask_per_sequence(float64):
    cell = layers.SimpleRNNCell(3, dropout=0.5, seed=1, use_bias=False,
                                recurrent_initializer="zeros")
    rnn = layers.RNN(cell, return_sequences=True)
    x = np.ones((2, 4, 6))
    y_train = rnn(x, training=True).numpy()
    # with a zero U, each step sees the same masked x: the same output at every step
    np.testing.assert_allclose(y_train[:, 0], y_train[:, 3])
    y_eval = rnn(x).numpy() if not rnn.training else rnn(x, training=False).numpy()
    assert not np.allclose(y_train[:, 0], y_eval[:, 0])


# --- configs, errors ----------------------------------------------------------------------
def test_configs_round_trip(float64):
    rnn = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3, recurrent_activation="tanh"),
                                             layers.GRUCell(2, reset_after=False)]),
                     return_sequences=True, go_backwards=True)
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    again = layers.RNN.from_config(config)
    assert again.return_sequences and again.go_backwards
    first, second = again.cell.cells
    assert isinstance(first, layers.LSTMCell) and first.units == 3
    assert first.recurrent_activation is nn.activations.tanh
    assert isinstance(second, layers.GRUCell) and not second.reset_after
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    rnn(x), again(x)
    again.set_weights(rnn.get_weights())
    np.testing.assert_allclose(again(x).numpy(), rnn(x).numpy())
    cell = layers.SimpleRNNCell(5, activation="relu", dropout=0.25)
    assert layers.SimpleRNNCell.from_config(cell.get_config()).get_config() == \
        {**cell.get_config(), "name": cell.get_config()["name"]}


@pytest.mark.parametrize("make,error,words", [
    (lambda: layers.LSTMCell(0), ValueError, ["LSTMCell", "units"]),
    (lambda: layers.GRUCell(3, reset_after="yes"), TypeError, ["GRUCell", "reset_after"]),
    (lambda: layers.SimpleRNNCell(3, dropout=1.5), ValueError, ["SimpleRNNCell", "dropout"]),
    (lambda: layers.RNN(object()), TypeError, ["RNN", "cell"]),
    (lambda: layers.RNN(layers.LSTMCell(2), stateful=True), NotImplementedError,
     ["RNN", "stateful"]),
])
def test_bad_arguments_are_refused(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_bad_calls_change_nothing(float64):
    cell = layers.LSTMCell(3, name="c")
    with pytest.raises(ValueError, match="LSTMCell 'c'.*states"):
        cell(np.ones((2, 4)), [np.zeros((2, 3))])
    with pytest.raises(ValueError, match="LSTMCell 'c'.*inputs"):
        cell(np.ones((2, 5, 4)), cell.get_initial_state(2))
    assert cell.kernel is None and not cell.built
    rnn = layers.RNN(cell, name="r")
    with pytest.raises(ValueError, match="RNN 'r'.*timesteps"):
        rnn(np.ones((2, 4)))
    with pytest.raises(ValueError, match="RNN 'r'.*mask"):
        rnn(np.ones((2, 5, 4)), mask=np.ones((2, 4), bool))
    assert cell.kernel is None
    rnn(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match=r"LSTMCell 'c'.*\(batch, 4\)"):
        rnn(np.ones((2, 5, 6)))
    assert cell.kernel.shape == (4, 12)


# --- Attention and AdditiveAttention against numpy versions of Keras's maths ---------------
def _softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention_reference(q, v, k, scores_fn, q_mask=None, v_mask=None, causal=False):
    scores = scores_fn(q, k)
    keep = np.ones(scores.shape, bool)
    if v_mask is not None:
        keep &= v_mask[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[1:], bool))[None]
    weights = _softmax(np.where(keep, scores, scores - 1e9))
    out = weights @ v
    if q_mask is not None:
        out = out * q_mask[:, :, None]
    return out, weights


@pytest.mark.parametrize("score_mode,use_scale", [("dot", False), ("dot", True),
                                                  ("concat", False), ("concat", True)])
@pytest.mark.parametrize("with_key,masked,causal", [(False, False, False),
                                                    (True, True, False), (True, True, True)])
def test_attention_matches_numpy(float64, score_mode, use_scale, with_key, masked, causal):
    rng = np.random.default_rng(20)
    q, v, k = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 5, 3)), \
        rng.standard_normal((2, 5, 3))
    layer = layers.Attention(use_scale=use_scale, score_mode=score_mode)
    inputs = [q, v, k] if with_key else [q, v]
    key = k if with_key else v
    q_mask = rng.random((2, 4)) > 0.3 if masked else None
    v_mask = np.array([[1, 1, 0, 1, 0], [1, 0, 1, 1, 1]], bool) if masked else None
    mask = [q_mask, v_mask] if masked else None
    layer(inputs)
    scale, weight = 0.7, 1.3
    if use_scale:
        layer.scale.assign(np.array(scale))
    if score_mode == "concat":
        layer.concat_score_weight.assign(np.array(weight))
    s = scale if use_scale else 1.0

    def scores_fn(q, k):
        if score_mode == "dot":
            return s * q @ k.transpose(0, 2, 1)
        return weight * np.tanh(s * (q[:, :, None] + k[:, None])).sum(-1)

    out, weights = layer(inputs, mask=mask, return_attention_scores=True,
                         use_causal_mask=causal)
    want_out, want_w = attention_reference(q, v, key, scores_fn, q_mask, v_mask, causal)
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), want_w, rtol=1e-10, atol=1e-12)
    if masked:
        assert np.all(weights.numpy()[~np.broadcast_to(v_mask[:, None], want_w.shape)] < 1e-12)


@pytest.mark.parametrize("use_scale", [True, False])
def test_additive_attention_matches_numpy(float64, use_scale):
    rng = np.random.default_rng(21)
    q, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 6, 4))
    layer = layers.AdditiveAttention(use_scale=use_scale)
    layer([q, v])
    if use_scale:
        assert layer.scale.shape == (4,)
        scale = rng.standard_normal(4)
        layer.scale.assign(scale)
    else:
        assert layer.scale is None and layer.get_weights() == []
        scale = np.ones(4)
    v_mask = rng.random((2, 6)) > 0.4
    v_mask[:, 0] = True
    out, w = layer([q, v], mask=[None, v_mask], return_attention_scores=True)
    want_out, want_w = attention_reference(
        q, v, v, lambda q, k: (scale * np.tanh(q[:, :, None] + k[:, None])).sum(-1),
        v_mask=v_mask)
    np.testing.assert_allclose(out.numpy(), want_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-10, atol=1e-12)


def test_attention_gradients_against_central_differences(float64):
    rng = np.random.default_rng(22)
    q0, v = rng.standard_normal((1, 2, 3)), rng.standard_normal((1, 3, 3))
    layer = layers.AdditiveAttention()
    q = ag.Variable(q0)
    loss = ag.sum(layer([q, v]) ** 2)
    loss.backward()
    numeric = np.zeros(q0.shape)
    for idx in np.ndindex(q0.shape):
        for sign in (1, -1):
            qq = q0.copy()
            qq[idx] += sign * 1e-6
            numeric[idx] += sign * float(ag.sum(layer([qq, v]) ** 2).numpy()) / 2e-6
    grad = q.grad.numpy() if isinstance(q.grad, ag.Value) else np.asarray(q.grad)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_attention_dropout_only_in_training_and_configs():
    q = np.random.default_rng(0).standard_normal((2, 3, 4))
    layer = layers.Attention(dropout=0.5, seed=3)
    _, w_eval = layer([q, q], return_attention_scores=True, training=False)
    _, w_train = layer([q, q], return_attention_scores=True, training=True)
    np.testing.assert_allclose(w_eval.numpy().sum(-1), 1, rtol=1e-6)
    assert np.any(w_train.numpy() == 0)
    again = layers.Attention.from_config(layers.Attention(True, "concat", 0.1).get_config())
    assert again.use_scale and again.score_mode == "concat" and again.dropout == 0.1
    assert not layers.AdditiveAttention.from_config(
        layers.AdditiveAttention(use_scale=False).get_config()).use_scale


def test_attention_bad_calls_change_nothing():
    layer = layers.Attention(use_scale=True, name="att")
    with pytest.raises(ValueError, match="Attention 'att'.*list"):
        layer(np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match=r"Attention 'att'.*key \(1, 5, 4\)"):
        layer([np.ones((1, 2, 3)), np.ones((1, 5, 3)), np.ones((1, 5, 4))])
    with pytest.raises(ValueError, match="Attention 'att'.*value_mask"):
        layer([np.ones((1, 2, 3)), np.ones((1, 5, 3))], mask=[None, np.ones((1, 4), bool)])
    assert not layer.built and layer.scale is None
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="general")
    with pytest.raises(ValueError, match="AdditiveAttention.*dropout"):
        layers.AdditiveAttention(dropout=2.0)


# --- Conv1DTranspose and DepthwiseConv1D --------------------------------------------------
@needs_torch
@pytest.mark.parametrize("kernel,strides,dilation", [(3, 1, 1), (4, 2, 1), (3, 1, 2),
                                                     (2, 3, 1)])
def test_conv1d_transpose_matches_torch_valid(float64, kernel, strides, dilation):
    rng = np.random.default_rng(30)
    x = rng.standard_normal((2, 5, 3))
    layer = layers.Conv1DTranspose(4, kernel, strides=strides, dilation_rate=dilation)
    layer(x)
    _randomize(layer, 31)
    W, b = layer.get_weights()
    assert W.shape == (kernel, 4, 3)
    # Keras keeps (n - 1) * s + max(k, s): PyTorch's output_padding adds the missing rows
    k_eff = (kernel - 1) * dilation + 1
    ref = torch.nn.ConvTranspose1d(3, 4, kernel, stride=strides, dilation=dilation,
                                   output_padding=max(strides - k_eff, 0)).double()
    with torch.no_grad():
        ref.weight.copy_(_t(W.transpose(2, 1, 0))), ref.bias.copy_(_t(b))
    want = ref(_t(x.transpose(0, 2, 1))).detach().numpy().transpose(0, 2, 1)
    got = layer(x).numpy()
    assert got.shape == (2, 4 * strides + max(k_eff, strides), 4)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding,output_padding,data_format", [
    ("same", None, "channels_last"), ("same", 1, "channels_last"),
    ("valid", 1, "channels_first"), ("same", None, "channels_first")])
def test_conv1d_transpose_is_conv2d_transpose_on_one_column(float64, padding, output_padding,
                                                            data_format):
    rng = np.random.default_rng(32)
    first = data_format == "channels_first"
    x = rng.standard_normal((2, 3, 6) if first else (2, 6, 3))
    one = layers.Conv1DTranspose(4, 3, strides=2, padding=padding,
                                 output_padding=output_padding, data_format=data_format)
    two = layers.Conv2DTranspose(4, (3, 1), strides=(2, 1), padding=padding,
                                 output_padding=None if output_padding is None
                                 else (output_padding, 0), data_format=data_format)
    one(x)
    _randomize(one, 33)
    W, b = one.get_weights()
    image = x[..., None] if first else x[:, :, None]
    two(image)
    two.set_weights([W[:, None], b])
    want = two(image).numpy()
    want = want[..., 0] if first else want[:, :, 0]
    np.testing.assert_allclose(one(x).numpy(), want, rtol=1e-12)
    config = one.get_config()
    again = layers.Conv1DTranspose.from_config(config)
    assert again.output_padding == one.output_padding and again.strides == (2,)


@needs_torch
@pytest.mark.parametrize("multiplier,strides,padding", [(1, 1, "valid"), (2, 2, "same"),
                                                        (3, 1, "same")])
def test_depthwise_conv1d_matches_torch_grouped_conv(float64, multiplier, strides, padding):
    rng = np.random.default_rng(34)
    x = rng.standard_normal((2, 9, 3))
    layer = layers.DepthwiseConv1D(3, strides=strides, padding=padding,
                                   depth_multiplier=multiplier)
    layer(x)
    _randomize(layer, 35)
    W, b = layer.get_weights()
    assert W.shape == (3, 3, multiplier) and b.shape == (3 * multiplier,)
    weight = W.reshape(3, 1, 3 * multiplier).transpose(2, 1, 0)   # (in * m, 1, k)
    xt = _t(x.transpose(0, 2, 1))
    if padding == "same":   # Keras's "same": the extra zero after
        total = max((int(np.ceil(9 / strides)) - 1) * strides + 3 - 9, 0)
        xt = torch.nn.functional.pad(xt, (total // 2, total - total // 2))
    want = torch.nn.functional.conv1d(xt, _t(weight), _t(b), stride=strides, groups=3)
    np.testing.assert_allclose(layer(x).numpy(), want.numpy().transpose(0, 2, 1), rtol=1e-12)
    again = layers.DepthwiseConv1D.from_config(layer.get_config())
    assert again.depth_multiplier == multiplier and again.kernel_size == (3,)
    assert not isinstance(layer, layers.DepthwiseConv2D)


def test_conv1d_layers_refuse_bad_arguments_and_calls():
    with pytest.raises(ValueError, match="Conv1DTranspose.*output_padding"):
        layers.Conv1DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="DepthwiseConv1D.*depth_multiplier"):
        layers.DepthwiseConv1D(3, depth_multiplier=0)
    layer = layers.Conv1DTranspose(2, 3, name="ct")
    with pytest.raises(ValueError, match="Conv1DTranspose 'ct'"):
        layer(np.ones((2, 5, 5, 3)))
    assert layer.W is None
    dw = layers.DepthwiseConv1D(3, name="dw")
    dw(np.ones((1, 5, 2)))
    with pytest.raises(ValueError, match="DepthwiseConv1D 'dw'.*2 input channels"):
        dw(np.ones((1, 5, 3)))


# --- EinsumDense: Keras's three documented examples, and numpy's einsum -------------------
def test_einsum_dense_keras_doc_examples():
    # "Biased dense layer with einsums"
    layer = layers.EinsumDense("ab,bc->ac", output_shape=64, bias_axes="c")
    input_tensor = layers.Input(shape=[32])
    assert layer(input_tensor).shape == (None, 64)
    # "Applying a dense layer to a sequence"
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
    input_tensor = layers.Input(shape=[32, 128])
    assert layer(input_tensor).shape == (None, 32, 64)
    # "Applying a dense layer to a sequence using ellipses"
    layer = layers.EinsumDense("...b,bc->...c", output_shape=64, bias_axes="c")
    input_tensor = layers.Input(shape=[32, 128])
    assert layer(input_tensor).shape == (None, 32, 64)
    assert layer.kernel.shape == (128, 64) and layer.bias.shape == (64,)


@pytest.mark.parametrize("equation,output_shape,bias_axes,x_shape,kernel,bias", [
    ("ab,bc->ac", 5, "c", (3, 4), (4, 5), (5,)),
    ("abc,cd->abd", (None, 5), "d", (2, 3, 4), (4, 5), (5,)),
    ("abc,cde->abde", (3, 2, 5), "be", (2, 3, 4), (4, 2, 5), (3, 1, 5)),
    ("...b,bc->...c", 5, None, (2, 6, 3, 4), (4, 5), None),
    ("ab...,bc->ac...", (5, 3), "c", (2, 4, 3), (4, 5), (5, 1)),
    ("abc,cd->abd", (3, 5), "bd", (2, 3, 4), (4, 5), (3, 5)),
])
def test_einsum_dense_matches_numpy(float64, equation, output_shape, bias_axes, x_shape,
                                    kernel, bias):
    rng = np.random.default_rng(40)
    x = rng.standard_normal(x_shape)
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh")
    layer(x)
    assert layer.kernel.shape == kernel
    assert (layer.bias is None and bias is None) or layer.bias.shape == bias
    _randomize(layer, 41)
    want = np.einsum(equation, x, layer.kernel.numpy())
    if bias is not None:
        want = want + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), np.tanh(want), rtol=1e-12)
    again = layers.EinsumDense.from_config(layer.get_config())
    assert again.equation == equation and again.bias_axes == bias_axes


def test_einsum_dense_gradient_against_central_differences(float64):
    rng = np.random.default_rng(42)
    x = rng.standard_normal((2, 3, 4))
    layer = layers.EinsumDense("abc,cde->abde", (3, 2, 2), bias_axes="e")
    layer(x)
    W = layer.kernel
    ag.sum(layer(x) ** 3).backward()
    grad = W.grad.numpy() if isinstance(W.grad, ag.Value) else np.asarray(W.grad)
    base, numeric = W.numpy().copy(), np.zeros(W.shape)
    for idx in np.ndindex(W.shape):
        for sign in (1, -1):
            w = base.copy()
            w[idx] += sign * 1e-6
            W.assign(w)
            numeric[idx] += sign * float(ag.sum(layer(x) ** 3).numpy()) / 2e-6
    W.assign(base)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_einsum_dense_refuses_bad_equations_and_calls():
    with pytest.raises(ValueError, match="EinsumDense.*equation"):
        layers.EinsumDense("ab,bc,cd->ad", 3)
    layer = layers.EinsumDense("ab,bc->ac", 4, bias_axes="x", name="ed")
    with pytest.raises(ValueError, match="EinsumDense 'ed'.*bias_axes"):
        layer(np.ones((2, 3)))
    assert layer.kernel is None
    layer = layers.EinsumDense("abc,cd->abd", (7, 4), name="ed2")
    with pytest.raises(ValueError, match="EinsumDense 'ed2'.*output_shape"):
        layer(np.ones((2, 3, 5)))
    assert layer.kernel is None
    layer(np.ones((2, 7, 5)))
    with pytest.raises(ValueError, match="EinsumDense 'ed2'.*kernel"):
        layer(np.ones((2, 7, 6)))


# --- metrics: Keras's documented examples and numpy --------------------------------------
Y_TRUE = [[0, 1, 0.5], [1, 1, 0.2]]
Y_PRED = [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]


def test_pearson_and_concordance_keras_doc_examples():
    pcc = nn.metrics.PearsonCorrelation(axis=-1)
    pcc.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(float(pcc.result()), 0.9966996338993913, rtol=1e-6)
    ccc = nn.metrics.ConcordanceCorrelation(axis=-1)
    ccc.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(float(ccc.result()), 0.9816320385426076, rtol=1e-6)
    np.testing.assert_allclose(nn.metrics.pearson_correlation(Y_TRUE, Y_PRED),
                               [1.0, 0.99339927], rtol=1e-6)
    np.testing.assert_allclose(nn.metrics.concordance_correlation(Y_TRUE, Y_PRED),
                               [0.97560976, 0.98765432], rtol=1e-6)


def test_correlations_average_samples_over_batches_and_match_numpy():
    rng = np.random.default_rng(50)
    t, y = rng.standard_normal((10, 7)), rng.standard_normal((10, 7))
    y[:5] += 2 * t[:5]
    m = nn.metrics.PearsonCorrelation()
    m.update_state(t[:4], y[:4]), m.update_state(t[4:], y[4:])
    want = np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(t, y)])
    np.testing.assert_allclose(float(m.result()), want, rtol=1e-5)
    # Lin's concordance of a prediction equal to the truth is 1; Keras's formula per row
    c = nn.metrics.ConcordanceCorrelation()
    c.update_state(t, t)
    np.testing.assert_allclose(float(c.result()), 1.0, rtol=1e-5)
    assert nn.metrics.ConcordanceCorrelation.from_config(c.get_config()).axis == -1
    model = nn.Sequential([nn.Input((7,)), layers.Dense(7)])
    model.compile(optimizer="sgd", loss="mse", metrics=[nn.metrics.PearsonCorrelation(),
                                                        "concordance_correlation"])
    logs = model.evaluate(t, y, verbose=0, return_dict=True)
    assert {"pearson_correlation", "concordance_correlation"} <= set(logs)


def test_binary_iou_keras_doc_example():
    m = nn.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    np.testing.assert_allclose(float(m.result()), 0.33333334, rtol=1e-6)
    m.reset_state()
    m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], sample_weight=[0.2, 0.3, 0.4, 0.1])
    np.testing.assert_allclose(float(m.result()), 0.17361112, rtol=1e-6)
    one = nn.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)
    one.update_state([0, 1, 1, 1], [0.6, 0.7, 0.2, 0.9])   # tp 2, fp 1, fn 1
    np.testing.assert_allclose(float(one.result()), 0.5, rtol=1e-6)
    again = nn.metrics.BinaryIoU.from_config(one.get_config())
    assert again.threshold == 0.5 and again.target_class_ids == [1]


# --- CTC: against torch.nn.functional.ctc_loss --------------------------------------------
@needs_torch
def test_ctc_loss_matches_torch(float64):
    rng = np.random.default_rng(51)
    logits = rng.standard_normal((3, 8, 5))
    labels = np.array([[1, 2, 2, 0], [3, 4, 1, 2], [4, 0, 0, 0]])
    loss = nn.losses.CTC()
    assert loss.name == "ctc" and nn.losses.get("ctc").__class__ is nn.losses.CTC
    got = loss(labels, logits)
    lengths = torch.tensor((labels != 0).sum(-1))
    log_probs = torch.log_softmax(_t(logits), -1).transpose(0, 1)
    per_sample = torch.nn.functional.ctc_loss(log_probs, torch.tensor(labels),
                                              torch.full((3,), 8), lengths, blank=0,
                                              reduction="none")
    np.testing.assert_allclose(float(got.numpy()), per_sample.mean().item(), rtol=1e-10)
    weighted = loss(labels, logits, sample_weight=np.array([1.0, 0.0, 2.0]))
    want = (per_sample * torch.tensor([1.0, 0.0, 2.0])).sum().item() / 3
    np.testing.assert_allclose(float(weighted.numpy()), want, rtol=1e-10)
    # the gradient of the logits, against torch's
    x = ag.Variable(logits)
    loss(labels, x).backward()
    xt = _t(logits).requires_grad_()
    torch.nn.functional.ctc_loss(torch.log_softmax(xt, -1).transpose(0, 1),
                                 torch.tensor(labels), torch.full((3,), 8), lengths,
                                 blank=0, reduction="none").mean().backward()
    grad = x.grad.numpy() if isinstance(x.grad, ag.Value) else np.asarray(x.grad)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_ctc_loss_refuses_bad_shapes():
    with pytest.raises(ValueError, match="ctc.*y_true"):
        nn.losses.CTC()(np.array([1, 2]), np.zeros((1, 4, 3)))
    with pytest.raises(ValueError, match="ctc.*y_pred"):
        nn.losses.CTC()(np.array([[1, 2]]), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="ctc.*3 classes"):
        nn.losses.CTC()(np.array([[1, 3]]), np.zeros((1, 4, 3)))


# --- callbacks ---------------------------------------------------------------------------
def _tiny_regression(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)
    return x, y


def _tiny_model(seed=0):
    ag.random.set_seed(seed)
    model = nn.Sequential([nn.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=nn.optimizers.SGD(0.05), loss="mse")
    return model


class _Interrupt(nn.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    x, y = _tiny_regression()
    straight = _tiny_model()
    straight.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0)
    backup_dir = tmp_path / "backup"
    model = _tiny_model()
    backup = nn.callbacks.BackupAndRestore(backup_dir)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[backup, _Interrupt(2)])
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.npz", "training_metadata.json"]
    # a fresh model, as after a restart: the backup's weights and its epoch, 3
    again = _tiny_model(seed=1)
    history = again.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[nn.callbacks.BackupAndRestore(backup_dir)])
    assert history.epoch == [3, 4]
    for a, b in zip(again.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert not backup_dir.exists()     # delete_checkpoint=True, once fit ends normally


def test_backup_and_restore_by_batches_and_arguments(tmp_path):
    x, y = _tiny_regression()
    model = _tiny_model()
    backup = nn.callbacks.BackupAndRestore(tmp_path / "b", save_freq=3,
                                           delete_checkpoint=False)
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0, callbacks=[backup])
    import json
    # 8 batches: saved after batches 3 and 6, the last in epoch 1 (0-based)
    assert json.loads((tmp_path / "b" / "training_metadata.json").read_text()) == {"epoch": 1}
    with pytest.raises(ValueError, match="BackupAndRestore.*save_freq"):
        nn.callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    with pytest.raises(ValueError, match="BackupAndRestore.*backup_dir"):
        nn.callbacks.BackupAndRestore("")


def test_progbar_logger_draws_the_bar_once(capsys):
    x, y = _tiny_regression()
    model = _tiny_model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=2,
              callbacks=[nn.callbacks.ProgbarLogger()])
    out = capsys.readouterr().out
    assert out.count("Epoch 1/2") == 1 and out.count("Epoch 2/2") == 1
    assert out.count("4/4") == 2 and "loss:" in out
    model.fit(x, y, epochs=1, batch_size=8, verbose=0,
              callbacks=[nn.callbacks.ProgbarLogger()])
    assert capsys.readouterr().out == ""


def test_callback_list_drives_a_loop_of_ones_own():
    calls = []

    class Recorder(nn.callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls.append(("begin", self.params["epochs"], self.model))

        def on_epoch_end(self, epoch, logs=None):
            calls.append(("epoch", epoch, logs["loss"]))

        def on_train_batch_end(self, batch, logs=None):
            calls.append(("batch", batch))

    model = _tiny_model()
    hooks = nn.callbacks.CallbackList([Recorder()], add_history=True, model=model,
                                      epochs=2, steps=2, verbose=0)
    assert isinstance(hooks.callbacks[-1], nn.callbacks.History) and len(hooks) == 2
    hooks.on_train_begin()
    for epoch in range(2):
        hooks.on_epoch_begin(epoch)
        for batch in range(2):
            hooks.on_train_batch_end(batch, {"loss": 1.0})
        hooks.on_epoch_end(epoch, {"loss": 0.5 - epoch / 10})
    hooks.on_test_begin()    # a hook no callback here defines: nothing happens
    hooks.on_train_end()
    assert calls[0] == ("begin", 2, model)
    assert calls[1:4] == [("batch", 0), ("batch", 1), ("epoch", 0, 0.5)]
    assert hooks.callbacks[-1].history == {"loss": [0.5, 0.4]}
    with pytest.raises(TypeError, match="CallbackList"):
        nn.callbacks.CallbackList([object()])


def test_new_layers_save_and_load_with_their_weights(tmp_path):
    x = np.random.default_rng(60).standard_normal((2, 5, 3)).astype(np.float32)
    model = nn.Sequential([
        nn.Input((5, 3)),
        layers.RNN([layers.LSTMCell(4), layers.GRUCell(3)], return_sequences=True),
        layers.EinsumDense("abc,cd->abd", (5, 4), bias_axes="d"),
        layers.Conv1DTranspose(2, 3, strides=2), layers.DepthwiseConv1D(2, depth_multiplier=2),
        layers.RNN(layers.SimpleRNNCell(2))])
    model.save(tmp_path / "m.keras")
    again = nn.load_model(tmp_path / "m.keras")
    assert type(again.layers[0].cell.cells[0]) is layers.LSTMCell
    assert nn.LSTMCell is not layers.LSTMCell    # the top level's is PyTorch's
    np.testing.assert_allclose(again(x).numpy(), model(x).numpy(), rtol=1e-6)


# --- Circle loss against a numpy version of Keras's ---------------------------------------
def circle_reference(labels, y, gamma=80.0, margin=0.4, remove_diagonal=True):
    d = np.maximum(1 - y @ y.T, 0.0)
    pos = labels[:, None] == labels[None, :]
    neg = ~pos
    if remove_diagonal:
        pos &= ~np.eye(len(labels), dtype=bool)
    pos_w = np.maximum((margin + d) * pos, 0.0)
    neg_w = np.maximum((1 + margin - d) * neg, 0.0)
    with np.errstate(divide="ignore"):
        p = np.where(pos, -gamma * pos_w * (margin - d), -np.inf)
        n = np.where(neg, gamma * neg_w * (1 - margin - d), -np.inf)

        def lse(a):
            top = a.max(axis=1, keepdims=True)
            top = np.where(np.isfinite(top), top, 0.0)
            return np.log(np.exp(a - top).sum(axis=1)) + top[:, 0]

        return np.logaddexp(0.0, lse(p) + lse(n))


def _unit_rows(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_circle_loss_matches_numpy_and_masks_empty_rows(float64):
    rng = np.random.default_rng(70)
    y = _unit_rows(rng.standard_normal((6, 4)))
    labels = np.array([0, 1, 0, 2, 1, 0])     # label 2 has no positive: loss 0
    want = circle_reference(labels, y, gamma=8.0)
    got = nn.losses.circle(labels, y, gamma=8.0).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10)
    assert got[3] == 0
    loss = nn.losses.Circle(gamma=8.0)
    np.testing.assert_allclose(float(loss(labels, y).numpy()), want.sum() / 5, rtol=1e-10)
    assert nn.losses.get("circle").gamma == 80.0
    again = nn.losses.Circle.from_config(loss.get_config())
    assert again.gamma == 8.0 and again.margin == 0.4


def test_circle_loss_gradient_against_central_differences(float64):
    rng = np.random.default_rng(71)
    y0 = _unit_rows(rng.standard_normal((5, 3)))
    labels = np.array([0, 1, 0, 1, 2])
    y = ag.Variable(y0)
    nn.losses.Circle(gamma=4.0)(labels, y).backward()
    grad = y.grad.numpy() if isinstance(y.grad, ag.Value) else np.asarray(y.grad)
    assert np.all(np.isfinite(grad))
    numeric = np.zeros(y0.shape)
    for idx in np.ndindex(y0.shape):
        for sign in (1, -1):
            yy = y0.copy()
            yy[idx] += sign * 1e-6
            numeric[idx] += sign * circle_reference(labels, yy, gamma=4.0).sum() / 4 / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
