"""Keras's masking: Embedding(mask_zero=True) and Masking before SimpleRNN, LSTM, GRU and
Bidirectional. A padded batch must give, sequence by sequence, what the unpadded sequence
gives alone (values and gradients), torch's LSTM and GRU on packed sequences the same, a
numpy version of Keras 3's masked loop (keras/src/backend/numpy/rnn.py) the same at every
step; masks flow through Sequential and functional models, train and save; bad masks are
refused."""

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import optim
from nn.masking import Masking, call_masked, supports_masking
from nn.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from nn.reshaping import Embedding


@pytest.fixture
def float64():
    ag.set_default_dtype(ag.float64)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _randomize(layer, seed=0, scale=0.5):
    rng = _rng(seed)
    layer.set_weights([scale * rng.standard_normal(w.shape) for w in layer.get_weights()])


KINDS = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU,
         "Bidirectional": lambda units, **kw: Bidirectional(LSTM(units, **kw))}


def _padded(seqs, steps, pre):
    """The id sequences padded with 0 to ``steps``, at the start (Keras's pad_sequences
    default) or at the end."""
    ids = np.zeros((len(seqs), steps), np.int64)
    for n, s in enumerate(seqs):
        if pre:
            ids[n, steps - len(s):] = s
        else:
            ids[n, :len(s)] = s
    return ids


def _grads(params, loss):
    for p in params:
        p.grad = None
    loss.backward()
    return [np.array(p.grad) for p in params]


# --- (1) a padded batch is each sequence alone ----------------------------------------
@pytest.mark.filterwarnings("ignore:Layer .* does not support masking")
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("pre", [False, True])
def test_padded_batch_is_each_sequence_alone(float64, kind, return_sequences, pre):
    rng = _rng(1)
    seqs = [rng.integers(1, 12, n) for n in (5, 2, 4, 1)]
    ids = _padded(seqs, 6, pre)
    emb = Embedding(12, 3, mask_zero=True)
    layer = KINDS[kind](4, return_sequences=return_sequences)
    model = nn.Sequential([emb, layer])
    model(ids)
    _randomize(layer, 2)
    emb.set_weights([rng.standard_normal((12, 3))])
    params = [emb.embeddings] + layer.parameters()
    out = model(ids)
    width = out.shape[-1]
    probes = [rng.standard_normal((len(s), width) if return_sequences else width)
              for s in seqs]
    # the padded batch: the real steps' outputs weighted by the probes
    real, loss = [], 0
    for n, s in enumerate(seqs):
        if return_sequences:
            at = slice(6 - len(s), 6) if pre else slice(0, len(s))
            real.append(out[n, at])
        else:
            real.append(out[n])
        loss = loss + ag.sum(real[-1] * probes[n])
    grads = _grads(params, loss)
    # each sequence alone, unpadded
    loss_alone = 0
    for n, s in enumerate(seqs):
        alone = model(np.asarray(s)[None])[0]
        np.testing.assert_allclose(real[n].numpy(), alone.numpy(), rtol=1e-12, atol=1e-12)
        loss_alone = loss_alone + ag.sum(alone * probes[n])
    for got, want in zip(grads, _grads(params, loss_alone)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert np.abs(grads[0][0]).max() == 0   # the padding id's vector gets no gradient
    if return_sequences:   # the masked steps: Keras's outputs there
        for n, s in enumerate(seqs):
            pad = slice(0, 6 - len(s)) if pre else slice(len(s), 6)
            got = out.numpy()[n, pad]
            if kind == "Bidirectional" or pre:   # zeros (forced, or before the first step)
                np.testing.assert_array_equal(got, 0)
            else:                                # the last real step's output, carried
                np.testing.assert_array_equal(got, np.broadcast_to(
                    out.numpy()[n, len(s) - 1], got.shape))


@settings(max_examples=15, deadline=None)
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       kind=st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), go_backwards=st.booleans(),
       pre=st.booleans())
def test_final_state_is_the_last_real_steps(lengths, kind, go_backwards, pre):
    ag.set_default_dtype(ag.float64)
    rng = _rng(sum(lengths))
    x = rng.standard_normal((len(lengths), 5, 2))
    mask = np.zeros((len(lengths), 5), bool)
    for n, length in enumerate(lengths):
        if pre:
            mask[n, 5 - length:] = True
        else:
            mask[n, :length] = True
    layer = KINDS[kind](3, return_state=True, go_backwards=go_backwards)
    layer(x)
    _randomize(layer, 3)
    out, *states = layer(x, mask=mask)
    for n in range(len(lengths)):
        alone, *alone_states = layer(x[n:n + 1][:, mask[n]])
        np.testing.assert_allclose(out.numpy()[n], alone.numpy()[0], rtol=1e-12, atol=1e-12)
        for s, a in zip(states, alone_states):
            np.testing.assert_allclose(s.numpy()[n], a.numpy()[0], rtol=1e-12, atol=1e-12)


# --- (2) against torch: packed sequences, the same weights -----------------------------
def _torch_pair(torch, kind, layer, dtype):
    kernel, recurrent_kernel, bias = layer.get_weights()
    if kind == "LSTM":
        t_layer = torch.nn.LSTM(kernel.shape[0], layer.units, batch_first=True)
        state = {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent_kernel.T,
                 "bias_ih_l0": bias, "bias_hh_l0": np.zeros_like(bias)}
    else:
        def order(w):   # Keras's z, r, h -> torch's r, z, n
            z, r, h = np.split(w, 3, axis=-1)
            return np.concatenate([r, z, h], axis=-1)
        t_layer = torch.nn.GRU(kernel.shape[0], layer.units, batch_first=True)
        state = {"weight_ih_l0": order(kernel).T, "weight_hh_l0": order(recurrent_kernel).T,
                 "bias_ih_l0": order(bias[0]), "bias_hh_l0": order(bias[1])}
    t_layer = t_layer.to(dtype)
    t_layer.load_state_dict({k: torch.tensor(np.ascontiguousarray(v)) for k, v in
                             state.items()})
    return t_layer


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_masked_layers_match_torch_packed_sequences(kind, dtype):
    torch = pytest.importorskip("torch")
    ag.set_default_dtype(getattr(ag, dtype))
    rng = _rng(4)
    lengths = [6, 3, 1, 4]
    x = rng.standard_normal((4, 6, 3)).astype(dtype)
    mask = np.arange(6)[None] < np.array(lengths)[:, None]
    x[~mask] = rng.standard_normal(x[~mask].shape)   # padding of any value is skipped
    layer = KINDS[kind](5, return_sequences=True, return_state=True)
    layer(x)
    _randomize(layer, 5)
    out, h, *_ = layer(x, mask=mask)
    t_layer = _torch_pair(torch, kind, layer, getattr(torch, dtype))
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths,
                                                     batch_first=True, enforce_sorted=False)
    t_out, t_h = t_layer(packed)
    t_h = t_h[0] if kind == "LSTM" else t_h
    t_out, _ = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), t_h[0].detach().numpy(), **tol)
    np.testing.assert_allclose(out.numpy()[mask], t_out.detach().numpy()[mask], **tol)
    probe = rng.standard_normal(h.shape).astype(dtype)
    grads = _grads(layer.parameters(), ag.sum(h * probe))
    (t_h[0] * torch.tensor(probe)).sum().backward()
    if kind == "LSTM":
        want = [t_layer.weight_ih_l0.grad.T, t_layer.weight_hh_l0.grad.T,
                t_layer.bias_ih_l0.grad]
    else:
        def keras_order(w):   # torch's r, z, n -> Keras's z, r, h
            r, z, n = np.split(w, 3, axis=-1)
            return np.concatenate([z, r, n], axis=-1)
        want = [keras_order(t_layer.weight_ih_l0.grad.T.numpy()),
                keras_order(t_layer.weight_hh_l0.grad.T.numpy()),
                np.stack([keras_order(t_layer.bias_ih_l0.grad.numpy()),
                          keras_order(t_layer.bias_hh_l0.grad.numpy())])]
    for got, w in zip(grads, want):
        np.testing.assert_allclose(got, np.asarray(w), **tol)


def _keras_masked_lstm(x, mask, weights, units, go_backwards=False, zero_output=False):
    """Keras 3's numpy backend, unrolled: at a masked step the states stay, the output is
    the previous one (zeros at first, or always with zero_output_for_mask)."""
    W, U, b = weights
    h, c = np.zeros((len(x), units)), np.zeros((len(x), units))
    outputs = []
    for t in (range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])):
        z_i, z_f, z_c, z_o = np.split(x[:, t] @ W + h @ U + b, 4, axis=-1)
        sig = 1 / (1 + np.exp(-np.stack([z_i, z_f, z_o])))
        c_new = sig[1] * c + sig[0] * np.tanh(z_c)
        h_new = sig[2] * np.tanh(c_new)
        m = mask[:, t, None]
        before = np.zeros_like(h) if zero_output or not outputs else outputs[-1]
        outputs.append(np.where(m, h_new, before))
        h, c = np.where(m, h_new, h), np.where(m, c_new, c)
    return np.stack(outputs, axis=1), h, c


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_masking_with_holes_matches_keras_loop(float64, go_backwards, zero_output):
    rng = _rng(6)
    x = rng.standard_normal((3, 7, 2))
    x[0, [1, 2, 5]] = 0.0
    x[1, :3] = 0.0
    x[2, 6] = 0.0
    model = nn.Sequential([Masking(0.0), LSTM(4, return_sequences=True, return_state=True,
                                              go_backwards=go_backwards,
                                              zero_output_for_mask=zero_output)])
    model(x)
    _randomize(model.layers[1], 7)
    out, h, c = model(x)
    mask = np.any(x != 0, axis=-1)
    want_out, want_h, want_c = _keras_masked_lstm(x, mask, model.layers[1].get_weights(), 4,
                                                  go_backwards, zero_output)
    for got, want in ((out, want_out), (h, want_h), (c, want_c)):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


# --- (3) the Masking layer --------------------------------------------------------------
def test_masking_layer_values_mask_and_gradient(float64):
    x = ag.Variable(np.array([[[1.0, 2.0], [-1.0, -1.0], [0.0, -1.0]],
                              [[-1.0, -1.0], [5.0, -1.0], [-1.0, -1.0]]]))
    layer = Masking(mask_value=-1.0, name="m")
    y = layer(x)
    keep = np.array([[True, False, True], [False, True, False]])
    np.testing.assert_array_equal(layer.compute_mask(x), keep)
    np.testing.assert_array_equal(y.numpy(), x.numpy() * keep[..., None])
    g = _rng(8).standard_normal(y.shape)
    ag.sum(y * g).backward()
    np.testing.assert_array_equal(x.grad, g * keep[..., None])
    assert layer.get_config()["mask_value"] == -1.0
    assert Masking.from_config(layer.get_config()).mask_value == -1.0
    assert supports_masking(layer)
    out, mask = call_masked(layer, (x,), {}, None)
    np.testing.assert_array_equal(mask, keep)


def test_masking_then_lstm_is_the_unpadded_sequence(float64):
    rng = _rng(9)
    x = np.zeros((2, 5, 3))
    x[0, :4] = rng.standard_normal((4, 3))
    x[1, :2] = rng.standard_normal((2, 3))
    model = nn.Sequential([nn.Input((5, 3)), Masking(), LSTM(4)])
    _randomize(model.layers[-1], 10)
    got = model(x).numpy()
    lstm = model.layers[-1]
    np.testing.assert_allclose(got[0], lstm(x[:1, :4]).numpy()[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[1], lstm(x[1:, :2]).numpy()[0], rtol=1e-12, atol=1e-12)
    assert not np.allclose(got[1], lstm(x[1:]).numpy()[0])   # without the mask: different


# --- (4) the mask through models ------------------------------------------------------
def test_mask_flows_through_sequential_and_functional(float64):
    rng = _rng(11)
    ids = _padded([rng.integers(1, 9, n) for n in (4, 2, 3)], 5, pre=False)
    emb, drop = Embedding(9, 3, mask_zero=True), nn.Dropout(0.5)
    dense, lstm = nn.Dense(4, activation="relu"), LSTM(3)
    seq = nn.Sequential([emb, drop, dense, lstm, nn.Dense(1)])
    seq.eval()
    want = seq.layers[-1](lstm(dense(drop(emb(ids))), mask=emb.compute_mask(ids))).numpy()
    np.testing.assert_allclose(seq(ids).numpy(), want, rtol=1e-12)
    unmasked = seq.layers[-1](lstm(dense(drop(emb(ids))))).numpy()
    assert not np.allclose(unmasked, want)

    inputs = nn.Input((5,), dtype="int64")
    x = dense(drop(emb(inputs)))
    seqs, h, c = LSTM(3, return_sequences=True, return_state=True, name="l1")(x)
    out = GRU(2, name="g")(seqs)   # gets l1's mask: return_sequences keeps it
    model = nn.Model(inputs, [out, h])
    model.eval()
    got_out, got_h = model(ids)
    l1, g = model.get_layer("l1"), model.get_layer("g")
    mask = ids != 0
    s, h_want, _ = l1(dense(drop(emb(ids))), mask=mask)
    np.testing.assert_allclose(got_h.numpy(), h_want.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got_out.numpy(), g(s, mask=mask).numpy(), rtol=1e-12)
    assert not np.allclose(got_out.numpy(), g(s).numpy())


def test_layer_after_last_step_gets_no_mask_and_bidirectional_drops_it(float64):
    lstm = LSTM(3, return_state=True)
    mask = np.ones((2, 4), bool)
    assert lstm.compute_mask(None, mask) == [None, None, None]
    assert LSTM(3, return_sequences=True).compute_mask(None, mask) is mask
    assert LSTM(3).compute_mask(None, mask) is None
    x = _rng(12).standard_normal((2, 4, 2))
    with pytest.warns(UserWarning, match="will therefore destroy the mask information"):
        _, out_mask = call_masked(Bidirectional(LSTM(3, return_sequences=True)), (x,), {},
                                  mask)
    assert out_mask is None   # Keras 3's Bidirectional: supports_masking = False


def test_fit_trains_a_masked_model_and_save_load_keeps_mask_zero(tmp_path):
    rng = _rng(13)
    lengths = rng.integers(1, 9, 256)
    ids = _padded([rng.integers(1, 20, n) for n in lengths], 8, pre=True)
    y = (lengths > 4).astype(np.float32)   # the length: only the mask tells it apart
    model = nn.Sequential([nn.Input((8,), dtype="int64"), Embedding(20, 8, mask_zero=True),
                           Bidirectional(GRU(8)), nn.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optim.Adam(learning_rate=0.02), loss="binary_crossentropy")
    losses = model.fit(ids, y, epochs=5, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = nn.load_model(path)
    assert loaded.layers[0].mask_zero and loaded.layers[0].get_config()["mask_zero"]
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0),
                               rtol=1e-5)
    loaded.layers[0].mask_zero = False
    assert not np.allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0),
                           rtol=1e-3)


def test_unmasked_call_selects_nothing(float64):
    x = _rng(14).standard_normal((2, 3, 2))
    lstm = LSTM(3, return_sequences=True)
    plain = lstm(x)
    assert type(plain.inputs[0].op).__name__ != "Where"
    all_real = lstm(x, mask=np.ones((2, 3), bool))   # nothing to skip: the same graph
    np.testing.assert_array_equal(plain.numpy(), all_real.numpy())
    assert type(all_real.inputs[0].op).__name__ != "Where"


# --- (5) errors -------------------------------------------------------------------------
def test_bad_masks_and_arguments_are_refused(float64):
    x = np.zeros((2, 5, 3))
    lstm = LSTM(4, name="l")
    with pytest.raises(ValueError, match=r"LSTM 'l': mask must be booleans of shape "
                                         r"\(batch, timesteps\) = \(2, 5\) for an input of "
                                         r"shape \(2, 5, 3\), got shape \(2, 4\)"):
        lstm(x, mask=np.ones((2, 4), bool))
    assert lstm.kernel is None and lstm.parameters() == []
    bi = Bidirectional(GRU(2), name="b")
    with pytest.raises(ValueError, match=r"GRU 'forward_gru.*': mask must be .* got shape "
                                         r"\(5, 2\)"):
        bi(x, mask=np.ones((5, 2), bool))
    assert bi.parameters() == []
    with pytest.raises(TypeError, match=r"Embedding 'e': mask_zero must be True or False, "
                                        r"got 'yes'"):
        Embedding(5, 2, mask_zero="yes", name="e")
    with pytest.raises(TypeError, match=r"Masking 'mk': mask_value must be a number, got "
                                        r"'0'"):
        Masking("0", name="mk")
    with pytest.raises(TypeError, match=r"LSTM '.*': zero_output_for_mask must be True or"):
        LSTM(3, zero_output_for_mask="yes")
    ids = np.array([[1, 2, 0]])
    normed = nn.Sequential([Embedding(5, 2, mask_zero=True), nn.BatchNormalization(
        name="bn")])
    with pytest.raises(NotImplementedError, match=r"BatchNormalization 'bn': got an "
                                                  r"input with a mask"):
        normed(ids)
    flat = nn.Sequential([Embedding(5, 2, mask_zero=True), nn.Flatten(name="fl")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flat(ids)
    assert any("'fl'" in str(w.message) and "destroy the mask" in str(w.message)
               for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Sequential([Embedding(5, 2), nn.Flatten()])(ids)   # no mask, no warning


def test_global_average_pooling_1d_averages_the_unmasked_steps_as_keras():
    """The text-classification pattern: Embedding(mask_zero=True) -> GlobalAveragePooling1D
    gives each sequence the mean of its real steps (Keras's sum(x * m) / sum(m))."""
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 0, 0, 0, 0]])
    emb = Embedding(10, 4, mask_zero=True, name="emb")
    model = nn.Sequential([emb, nn.GlobalAveragePooling1D(name="gap")])
    got = model(ids)
    table = emb.embeddings.numpy()
    for row, seq in zip(got.numpy(), ids):
        np.testing.assert_allclose(row, table[seq[seq != 0]].mean(0), rtol=1e-6)
    got.sum().backward()
    counts = np.bincount(ids.reshape(-1), weights=np.repeat(
        1 / (ids != 0).sum(1), ids.shape[1]), minlength=10)
    counts[0] = 0  # padding steps take no part in the mean
    np.testing.assert_allclose(emb.embeddings.grad, np.repeat(counts[:, None], 4, 1),
                               rtol=1e-6)
    first = nn.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)
    x = np.random.default_rng(0).normal(size=(3, 4, 5))
    mask = ids != 0
    want = (x * mask[:, None]).sum(2, keepdims=True) / mask.sum(1)[:, None, None]
    np.testing.assert_allclose(first(ag.tensor(x), mask=mask).numpy(), want, rtol=1e-12)
    with pytest.raises(ValueError, match=r"mask must have shape \(batch, steps\) = \(3, 5\)"):
        first(ag.tensor(x), mask=mask[:, :4])
