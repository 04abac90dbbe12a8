"""ag.lstm_cell, one LSTM step fused into one op: the same numbers as the ten ops it
replaces, first and second derivatives against central differences and PyTorch's
LSTM cell, in float32 and float64, and the layers that use it against PyTorch."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch


def composed(z, c):
    """The step as separate ops, as the lesson writes it."""
    i, f, u, o = ag.split(z, 4, axis=-1)
    c_new = ag.sigmoid(f) * c + ag.sigmoid(i) * ag.tanh(u)
    return ag.concatenate([ag.sigmoid(o) * ag.tanh(c_new), c_new], axis=-1)


@given(batch=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4),
       units=st.integers(1, 5), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**32 - 1))
def test_lstm_cell_is_the_ten_ops_it_fuses(batch, units, dtype, seed):
    rng = np.random.default_rng(seed)
    z = (rng.normal(size=batch + (4 * units,)) * 3).astype(dtype)
    c = rng.normal(size=batch + (units,)).astype(dtype)
    g = rng.normal(size=batch + (2 * units,)).astype(dtype)
    got, want = [ag.Variable(z), ag.Variable(c)], [ag.Variable(z), ag.Variable(c)]
    y, y_ref = ag.lstm_cell(*got), composed(*want)
    y.backward(g)
    y_ref.backward(g)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, y_ref.data)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-12 if dtype == np.float64 else 1e-6,
                                   atol=1e-12 if dtype == np.float64 else 1e-6)


@given(units=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_lstm_cell_second_derivatives_against_central_differences(units, seed):
    rng = np.random.default_rng(seed)
    check_second_order(ag.lstm_cell, rng.normal(size=(2, 4 * units)),
                       rng.normal(size=(2, units)), seed=seed % 1000)


def test_lstm_cell_against_pytorchs_cell_first_and_second_order():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    z, c = rng.normal(size=(3, 12)) * 2, rng.normal(size=(3, 3))

    def theirs(z, c):
        i, f, u, o = z.chunk(4, dim=-1)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
        return torch.cat([torch.sigmoid(o) * torch.tanh(c_new), c_new], dim=-1)
    compare_with_torch(ag.lstm_cell, theirs, z, c, rtol=1e-10, atol=1e-12)
    # and torch's own fused cell (gates z = x W^T + h U^T + biases) on the same step
    cell = torch.nn.LSTMCell(2, 3).double()
    x, h = torch.tensor(rng.normal(size=(3, 2))), torch.tensor(rng.normal(size=(3, 3)))
    with torch.no_grad():
        h_t, c_t = cell(x, (h, torch.tensor(c)))
        gates = (x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh)
    y = ag.lstm_cell(gates.numpy(), c).numpy()
    np.testing.assert_allclose(y[:, :3], h_t.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(y[:, 3:], c_t.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("z_shape, c_shape", [((2, 7), (2, 2)), ((3, 8), (2, 2)), ((8,), ()),
                                              ((2, 8), (2, 2, 1))])
def test_lstm_cell_refuses_shapes_that_are_not_four_gates(z_shape, c_shape):
    with pytest.raises(ValueError, match=r"lstm_cell: z must have shape"):
        ag.lstm_cell(np.zeros(z_shape), np.zeros(c_shape))


def test_lstm_layers_take_the_fused_cell_only_with_sigmoid_and_tanh():
    """Keras's LSTM fuses its default activations; other activations keep the ops."""
    import nn
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    for layer, fused in ((nn.LSTM(4), True), (nn.LSTM(4, activation="relu"), False),
                         (nn.LSTM(4, recurrent_activation="hard_sigmoid"), False),
                         (nn.LSTM(3, 4, batch_first=True), True)):
        out = layer(x)
        out = out[0] if isinstance(out, tuple) else out
        ops = set()
        stack, seen = [out], set()
        while stack:
            v = stack.pop()
            if id(v) in seen or v.op is None:
                continue
            seen.add(id(v))
            ops.add(type(v.op).__name__)
            stack.extend(v.inputs)
        assert ("LSTMCell" in ops) == fused, (layer, sorted(ops))
