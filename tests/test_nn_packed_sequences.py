"""Packed sequences (nn.utils.rnn, nn/rnn_utils.py) and PyTorch's recurrent layers on
them (nn/torch_recurrent.py), against torch 2.13 itself: the packed layout, padding back,
and RNN / LSTM / GRU over packed batches (outputs, final states, every gradient)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ag
from nn.reshaping import Embedding
from nn.rnn_utils import (PackedSequence, pack_padded_sequence, pack_sequence,
                          pad_packed_sequence, pad_sequence, unpack_sequence)
from nn.torch_layers import Linear
from nn.torch_recurrent import RNN, TorchGRU, TorchLSTM

torch = pytest.importorskip("torch", reason="PyTorch is not installed (make test "
                                            "EXTRAS=dev,torch)")
trnn = torch.nn.utils.rnn

KINDS = {"RNN": (RNN, torch.nn.RNN), "LSTM": (TorchLSTM, torch.nn.LSTM),
         "GRU": (TorchGRU, torch.nn.GRU)}
TORCH_DTYPES = {np.float64: torch.float64, np.float32: torch.float32}


@st.composite
def batches(draw, max_batch=4, max_length=5):
    """(lengths, padded length, enforce_sorted): sorted lengths when enforce_sorted."""
    lengths = draw(st.lists(st.integers(1, max_length), min_size=1, max_size=max_batch))
    enforce_sorted = draw(st.booleans())
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    padded = max(lengths) + draw(st.integers(0, 1))
    return lengths, padded, enforce_sorted


def numpy_of(t):
    return t.detach().numpy()


def assert_packed_equal(mine, theirs, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(mine.data.numpy(), numpy_of(theirs.data), rtol=rtol, atol=atol)
    np.testing.assert_array_equal(mine.batch_sizes.numpy(), theirs.batch_sizes.numpy())
    assert mine.batch_sizes.dtype == np.int64
    for what in ("sorted_indices", "unsorted_indices"):
        m, t = getattr(mine, what), getattr(theirs, what)
        assert (m is None) == (t is None), what
        if m is not None:
            np.testing.assert_array_equal(m.numpy(), t.numpy())


# --- packing and unpacking -----------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(batch=batches(), batch_first=st.booleans(), trailing=st.sampled_from([(), (2,), (2, 3)]),
       padding_value=st.sampled_from([0.0, -1.5]), extra=st.integers(0, 2),
       seed=st.integers(0, 2 ** 16))
def test_pack_and_pad_match_torch(batch, batch_first, trailing, padding_value, extra, seed):
    lengths, padded, enforce_sorted = batch
    rng = np.random.default_rng(seed)
    shape = ((len(lengths), padded) if batch_first else (padded, len(lengths))) + trailing
    x_np = rng.normal(size=shape)
    x, tx = ag.Variable(x_np), torch.tensor(x_np, requires_grad=True)
    packed = pack_padded_sequence(x, lengths, batch_first=batch_first,
                                  enforce_sorted=enforce_sorted)
    tpacked = trnn.pack_padded_sequence(tx, lengths, batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
    assert isinstance(packed, PackedSequence) and isinstance(packed, tuple)
    assert_packed_equal(packed, tpacked, rtol=0, atol=0)

    total = max(lengths) + extra
    y, y_lengths = pad_packed_sequence(packed, batch_first=batch_first,
                                       padding_value=padding_value, total_length=total)
    ty, ty_lengths = trnn.pad_packed_sequence(tpacked, batch_first=batch_first,
                                              padding_value=padding_value, total_length=total)
    np.testing.assert_array_equal(y.numpy(), numpy_of(ty))
    np.testing.assert_array_equal(y_lengths.numpy(), ty_lengths.numpy())
    assert y_lengths.dtype == np.int64

    # gradients through pack then pad: back to the padded input, zero at the padding
    weights = rng.normal(size=y.shape)
    (y * weights).sum().backward()
    (ty * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_pack_keeps_float32_and_integer_data():
    ids = np.array([[4, 2, 7], [1, 3, 0]], dtype=np.int64)   # (B, L) token ids
    packed = pack_padded_sequence(ids, [3, 2], batch_first=True)
    tpacked = trnn.pack_padded_sequence(torch.tensor(ids), [3, 2], batch_first=True)
    assert packed.data.dtype == np.int64
    np.testing.assert_array_equal(packed.data.numpy(), tpacked.data.numpy())
    y, _ = pad_packed_sequence(packed, batch_first=True, padding_value=9)
    assert y.dtype == np.int64 and y.numpy().tolist() == [[4, 2, 7], [1, 3, 9]]

    x = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    packed = pack_padded_sequence(ag.Variable(x), ag.constant([3, 1], dtype=ag.int64))
    assert packed.data.dtype == np.float32
    np.testing.assert_array_equal(
        packed.data.numpy(), trnn.pack_padded_sequence(torch.tensor(x), [3, 1]).data.numpy())


@settings(max_examples=25, deadline=None)
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=4),
       enforce_sorted=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_pack_sequence_and_unpack_sequence_match_torch(lengths, enforce_sorted, seed):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(n, 3)) for n in lengths]
    seqs = [ag.Variable(a) for a in arrays]
    tseqs = [torch.tensor(a, requires_grad=True) for a in arrays]
    packed = pack_sequence(seqs, enforce_sorted=enforce_sorted)
    tpacked = trnn.pack_sequence(tseqs, enforce_sorted=enforce_sorted)
    assert_packed_equal(packed, tpacked, rtol=0, atol=0)
    back = unpack_sequence(packed)
    tback = trnn.unpack_sequence(tpacked)
    assert len(back) == len(tback)
    weights = [rng.normal(size=a.shape) for a in arrays]
    for b, tb, w in zip(back, tback, weights):
        np.testing.assert_array_equal(b.numpy(), numpy_of(tb))
    sum((b * w).sum() for b, w in zip(back, weights)).backward()
    sum((tb * torch.tensor(w)).sum() for tb, w in zip(tback, weights)).backward()
    for s, ts in zip(seqs, tseqs):
        np.testing.assert_array_equal(s.grad, ts.grad.numpy())


def test_packed_sequence_built_from_its_parts_as_in_torch():
    x = np.random.default_rng(0).normal(size=(4, 3, 2))
    packed = pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
    # the idiom that applies a function row by row: unsorted_indices recomputed
    again = PackedSequence(ag.tanh(packed.data), packed.batch_sizes, packed.sorted_indices)
    np.testing.assert_array_equal(again.unsorted_indices.numpy(), [1, 0, 2])
    data, batch_sizes, sorted_indices, unsorted_indices = again
    assert batch_sizes is again.batch_sizes and again._fields == (
        "data", "batch_sizes", "sorted_indices", "unsorted_indices")
    y, lengths = pad_packed_sequence(again)
    ty, _ = trnn.pad_packed_sequence(trnn.PackedSequence(
        torch.tanh(torch.tensor(packed.data.numpy())), torch.tensor([3, 2, 1, 1]),
        torch.tensor([1, 0, 2])))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-15)
    assert lengths.numpy().tolist() == [2, 4, 1]


# --- errors, refused as torch refuses them, naming the function and argument -----------------
@pytest.mark.parametrize("lengths, kwargs, match", [
    ([2, 3, 1], {}, r"pack_padded_sequence: `lengths` array must be sorted in decreasing"),
    ([3, 2, 0], {}, r"pack_padded_sequence: Length of all samples has to be greater than 0"),
    ([0, 2, 3], {"enforce_sorted": False}, r"pack_padded_sequence: Length .* 'lengths'"),
    ([3, 2], {}, r"pack_padded_sequence: Expected `len\(lengths\)` to be equal to batch_size"),
    ([[3, 2, 1]], {}, r"pack_padded_sequence: 'lengths' argument should be a 1D"),
])
def test_pack_padded_sequence_refuses_like_torch(lengths, kwargs, match):
    x = np.zeros((4, 3, 2))
    with pytest.raises(RuntimeError) as theirs:
        trnn.pack_padded_sequence(torch.tensor(x), lengths, **kwargs)
    with pytest.raises(RuntimeError, match=match) as mine:
        pack_padded_sequence(x, lengths, **kwargs)
    # the same words as torch's message begins with
    assert str(theirs.value)[:30] in str(mine.value)


@pytest.mark.parametrize("batch_first", [False, True])
def test_lengths_longer_than_the_padding_are_refused(batch_first):
    # torch 2.13 does not check this and reads past the input; refused here
    x = np.zeros((3, 4, 2)) if batch_first else np.zeros((4, 3, 2))
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: every element of "
                                           r"'lengths' must be at most the padded length 4"):
        pack_padded_sequence(x, [5, 3, 1], batch_first=batch_first)
    with pytest.raises(RuntimeError, match=r"'lengths'"):
        pack_padded_sequence(x, [1, 6, 3], batch_first=batch_first, enforce_sorted=False)


def test_pad_packed_sequence_refuses_a_short_total_length_and_a_non_packed_input():
    packed = pack_padded_sequence(np.zeros((3, 2, 1)), [3, 2])
    with pytest.raises(ValueError, match=r"pad_packed_sequence: Expected total_length to be "
                                         r"at least .* total_length=2 and max sequence "
                                         r"length being 3"):
        pad_packed_sequence(packed, total_length=2)
    with pytest.raises(TypeError, match=r"pad_packed_sequence: sequence must be a "
                                        r"PackedSequence, got ndarray"):
        pad_packed_sequence(np.zeros((3, 2, 1)))
    with pytest.raises(ValueError, match=r"empty list of sequences"):
        pack_sequence([])


# --- RNN / LSTM / GRU over packed batches ------------------------------------------------------
def make_pair(kind, input_size, hidden_size, num_layers, bidirectional, dtype):
    """Our layer and torch's, with torch's weights loaded by name."""
    ours, theirs = KINDS[kind]
    tm = theirs(input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                dtype=TORCH_DTYPES[dtype])
    m = ours(input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
             dtype=dtype)
    m.load_state_dict({k: numpy_of(v) for k, v in tm.state_dict().items()})
    return m, tm


def run_both(kind, lengths, padded, enforce_sorted, batch_first, num_layers, bidirectional,
             seed, dtype=np.float64, with_hx=False, input_size=3, hidden_size=2):
    """Packed forward, then backward of a random weighting of the packed output and final
    states, in both libraries; returns what to compare."""
    rng = np.random.default_rng(seed)
    m, tm = make_pair(kind, input_size, hidden_size, num_layers, bidirectional, dtype)
    batch = len(lengths)
    shape = (batch, padded, input_size) if batch_first else (padded, batch, input_size)
    x_np = rng.normal(size=shape).astype(dtype)
    x, tx = ag.Variable(x_np), torch.tensor(x_np, requires_grad=True)
    packed = pack_padded_sequence(x, lengths, batch_first=batch_first,
                                  enforce_sorted=enforce_sorted)
    tpacked = trnn.pack_padded_sequence(tx, lengths, batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
    hx = thx = None
    if with_hx:
        n_states = 2 if kind == "LSTM" else 1
        state_shape = (num_layers * (2 if bidirectional else 1), batch, hidden_size)
        hx_np = [rng.normal(size=state_shape).astype(dtype) for _ in range(n_states)]
        hx = [ag.Variable(h) for h in hx_np]
        thx = [torch.tensor(h, requires_grad=True) for h in hx_np]
    out, state = m(packed, None if hx is None else (hx[0] if len(hx) == 1 else tuple(hx)))
    tout, tstate = tm(tpacked, None if thx is None else
                      (thx[0] if len(thx) == 1 else tuple(thx)))
    states = state if kind == "LSTM" else (state,)
    tstates = tstate if kind == "LSTM" else (tstate,)
    weights = [rng.normal(size=out.data.shape)] + [rng.normal(size=s.shape) for s in states]
    loss = sum((v * w.astype(dtype)).sum() for v, w in zip((out.data,) + states, weights))
    tloss = sum((v * torch.tensor(w.astype(dtype))).sum()
                for v, w in zip((tout.data,) + tstates, weights))
    loss.backward()
    tloss.backward()
    grads = [(x.grad, tx.grad.numpy())]
    grads += [(p.grad, tm.get_parameter(name).grad.numpy()) for name, p in m.named_parameters()]
    if with_hx:
        grads += [(h.grad, th.grad.numpy()) for h, th in zip(hx, thx)]
    return out, tout, states, tstates, grads, batch_first


def check(result, rtol, atol):
    out, tout, states, tstates, grads, batch_first = result
    assert isinstance(out, PackedSequence)
    assert_packed_equal(out, tout, rtol=rtol, atol=atol)
    y, lengths = pad_packed_sequence(out, batch_first=batch_first)
    ty, tlengths = trnn.pad_packed_sequence(tout, batch_first=batch_first)
    np.testing.assert_allclose(y.numpy(), numpy_of(ty), rtol=rtol, atol=atol)
    np.testing.assert_array_equal(lengths.numpy(), tlengths.numpy())
    assert len(states) == len(tstates)
    for s, ts in zip(states, tstates):
        assert s.shape == tuple(ts.shape)
        np.testing.assert_allclose(s.numpy(), numpy_of(ts), rtol=rtol, atol=atol)
    for g, tg in grads:
        assert g is not None and g.shape == tg.shape
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol)


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), batch=batches(), batch_first=st.booleans(),
       num_layers=st.integers(1, 2), bidirectional=st.booleans(), with_hx=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_packed_recurrent_layers_match_torch(kind, batch, batch_first, num_layers,
                                             bidirectional, with_hx, seed):
    lengths, padded, enforce_sorted = batch
    check(run_both(kind, lengths, padded, enforce_sorted, batch_first, num_layers,
                   bidirectional, seed, with_hx=with_hx), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_packed_recurrent_layers_every_option_at_once(kind):
    # unsorted lengths with ties, a padded tail, two layers, both directions, given hx
    check(run_both(kind, [2, 5, 2, 1, 5], 6, False, True, 2, True, seed=3, with_hx=True),
          rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_packed_recurrent_layers_float32(kind):
    result = run_both(kind, [4, 1, 3], 4, False, False, 2, True, seed=7, dtype=np.float32)
    out, states = result[0], result[2]
    assert out.data.dtype == np.float32 and all(s.dtype == np.float32 for s in states)
    assert all(g.dtype == np.float32 for g, _ in result[4])
    check(result, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_packed_run_differs_from_the_padded_run(kind):
    """The padding is not run through: h_n of a short sequence differs from running the
    padded batch, and equals running that sequence alone."""
    m, _ = make_pair(kind, 3, 2, 1, True, np.float64)
    x = np.random.default_rng(1).normal(size=(4, 2, 3))
    _, state = m(pack_padded_sequence(x, [4, 2]))
    _, padded_state = m(x)
    _, alone = m(x[:2, 1:2])
    h = (state[0] if kind == "LSTM" else state).numpy()
    h_padded = (padded_state[0] if kind == "LSTM" else padded_state).numpy()
    h_alone = (alone[0] if kind == "LSTM" else alone).numpy()
    assert not np.allclose(h[:, 1], h_padded[:, 1])
    np.testing.assert_allclose(h[:, 1], h_alone[:, 0], rtol=1e-12)
    np.testing.assert_allclose(h[:, 0], h_padded[:, 0], rtol=1e-12)


def test_packed_input_is_checked():
    m, _ = make_pair("GRU", 3, 2, 1, False, np.float64)
    packed = pack_padded_sequence(np.zeros((3, 2, 4)), [3, 1])
    with pytest.raises(ValueError, match=r"GRU .*PackedSequence whose data is .*input_size "
                                         r"= 3.*\(4, 4\)"):
        m(packed)
    with pytest.raises(ValueError, match=r"GRU .*h_0 of shape \(1, 2, 2\)"):
        m(pack_padded_sequence(np.zeros((3, 2, 3)), [3, 1]), np.zeros((1, 3, 2)))


def test_tutorial_embed_pack_lstm_pad_last_step_linear():
    """The classic idiom: token ids padded with 0 -> Embedding -> pack_padded_sequence
    -> LSTM -> pad_packed_sequence -> Linear on each sequence's last real step."""
    rng = np.random.default_rng(5)
    vocab, emb_dim, hidden, classes = 10, 4, 3, 2
    lengths = [3, 5, 2]
    ids = np.zeros((3, 5), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.integers(1, vocab, size=n)

    t_emb = torch.nn.Embedding(vocab, emb_dim, padding_idx=0, dtype=torch.float64)
    t_lstm = torch.nn.LSTM(emb_dim, hidden, batch_first=True, dtype=torch.float64)
    t_fc = torch.nn.Linear(hidden, classes, dtype=torch.float64)
    emb = Embedding(vocab, emb_dim, padding_idx=0, dtype=ag.float64)
    emb.embeddings.assign(numpy_of(t_emb.weight))
    lstm = TorchLSTM(emb_dim, hidden, batch_first=True, dtype=ag.float64)
    lstm.load_state_dict({k: numpy_of(v) for k, v in t_lstm.state_dict().items()})
    fc = Linear(hidden, classes, dtype=ag.float64)
    fc.load_state_dict({k: numpy_of(v) for k, v in t_fc.state_dict().items()})

    def forward(embed, rnn, linear, ids, lengths, lib):
        packed = lib.pack_padded_sequence(embed(ids), lengths, batch_first=True,
                                          enforce_sorted=False)
        out, (h_n, _) = rnn(packed)
        padded, out_lengths = lib.pad_packed_sequence(out, batch_first=True)
        last = padded[np.arange(len(lengths)), out_lengths - 1]
        return linear(last), h_n

    import nn.rnn_utils as ours_lib
    logits, h_n = forward(emb, lstm, fc, ids, lengths, ours_lib)
    t_logits, t_h_n = forward(t_emb, t_lstm, t_fc, torch.tensor(ids), lengths, trnn)
    np.testing.assert_allclose(logits.numpy(), numpy_of(t_logits), rtol=1e-12)
    # the last real step's output is the final state, h_n[-1]
    np.testing.assert_allclose(logits.numpy(), fc(h_n[-1]).numpy(), rtol=1e-12)
    logits.sum().backward()
    t_logits.sum().backward()
    np.testing.assert_allclose(emb.embeddings.grad, t_emb.weight.grad.numpy(), atol=1e-12)
    for name, p in lstm.named_parameters():
        np.testing.assert_allclose(p.grad, t_lstm.get_parameter(name).grad.numpy(),
                                   rtol=1e-10, atol=1e-12)


def test_pad_sequence_then_pack_then_run_is_the_nn_utils_rnn_name():
    import nn
    assert nn.utils.rnn.pack_padded_sequence is pack_padded_sequence
    assert nn.utils.rnn.PackedSequence is PackedSequence
    seqs = [np.ones((3, 2)), np.ones((1, 2))]
    packed = nn.utils.rnn.pack_padded_sequence(pad_sequence(seqs), [3, 1])
    assert packed.batch_sizes.numpy().tolist() == [2, 1, 1]


def test_pad_sequence_keeps_integer_ids_from_arrays_as_torch():
    from nn.rnn_utils import pad_sequence
    got = pad_sequence([np.array([1, 2, 3]), np.array([4, 5])], batch_first=True)
    want = torch.nn.utils.rnn.pad_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5])],
                                           batch_first=True)
    assert got.dtype == np.int64 and got.numpy().tolist() == want.tolist()
