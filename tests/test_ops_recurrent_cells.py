"""ag.lstm_cell and ag.gru_cell, one recurrent step fused into one op: the same numbers as
the ops they replace, first and second derivatives against central differences and
PyTorch, in float32 and float64, and the layers that take them only with their default
activations."""

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
        assert ("LSTMCell" in op_names(out)) == fused, layer


def op_names(out):
    """The names of the op classes in the graph that made ``out``."""
    names, stack, seen = set(), [out], set()
    while stack:
        v = stack.pop()
        if id(v) in seen or v.op is None:
            continue
        seen.add(id(v))
        names.add(type(v.op).__name__)
        stack.extend(v.inputs)
    return names


def gru_composed(x, u, h, order):
    """A GRU step (reset after the product) as separate ops."""
    xs = dict(zip(order, ag.split(x, 3, axis=-1)))
    us = dict(zip(order, ag.split(u, 3, axis=-1)))
    z, r = ag.sigmoid(xs["z"] + us["z"]), ag.sigmoid(xs["r"] + us["r"])
    return z * h + (1 - z) * ag.tanh(xs["n"] + r * us["n"])


@given(batch=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4),
       units=st.integers(1, 5), dtype=st.sampled_from([np.float32, np.float64]),
       order=st.sampled_from(["zrn", "rzn"]), seed=st.integers(0, 2**32 - 1))
def test_gru_cell_is_the_ops_it_fuses(batch, units, dtype, order, seed):
    rng = np.random.default_rng(seed)
    x, u = ((rng.normal(size=batch + (3 * units,)) * 2).astype(dtype) for _ in range(2))
    h = rng.normal(size=batch + (units,)).astype(dtype)
    g = rng.normal(size=batch + (units,)).astype(dtype)
    got, want = [ag.Variable(a) for a in (x, u, h)], [ag.Variable(a) for a in (x, u, h)]
    y, y_ref = ag.gru_cell(*got, order=order), gru_composed(*want, order)
    y.backward(g)
    y_ref.backward(g)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, y_ref.data)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.grad, b.grad, rtol=tol, atol=tol)


@pytest.mark.parametrize("order", ["zrn", "rzn"])
def test_gru_cell_second_derivatives_and_pytorch(order):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, u, h = rng.normal(size=(3, 9)), rng.normal(size=(3, 9)), rng.normal(size=(3, 3))
    cell = lambda x, u, h: ag.gru_cell(x, u, h, order=order)  # noqa: E731
    check_second_order(cell, x, u, h)

    def theirs(x, u, h):
        xs = dict(zip(order, x.chunk(3, dim=-1)))
        us = dict(zip(order, u.chunk(3, dim=-1)))
        z, r = torch.sigmoid(xs["z"] + us["z"]), torch.sigmoid(xs["r"] + us["r"])
        return z * h + (1 - z) * torch.tanh(xs["n"] + r * us["n"])
    compare_with_torch(cell, theirs, x, u, h, rtol=1e-10, atol=1e-12)
    if order == "rzn":  # torch's own fused cell, gates in its order
        gru = torch.nn.GRUCell(2, 3).double()
        xt, ht = torch.tensor(rng.normal(size=(3, 2))), torch.tensor(h)
        with torch.no_grad():
            want = gru(xt, ht).numpy()
            x_g = (xt @ gru.weight_ih.T + gru.bias_ih).numpy()
            u_g = (ht @ gru.weight_hh.T + gru.bias_hh).numpy()
        np.testing.assert_allclose(ag.gru_cell(x_g, u_g, h, order="rzn").numpy(), want,
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shapes, order, message", [
    (((2, 6), (2, 6), (2, 2)), "zr", "order must be 'zrn'"),
    (((2, 6), (2, 5), (2, 2)), "zrn", "x and u must have shape"),
    (((3, 6), (3, 6), (2, 2)), "rzn", "x and u must have shape"),
])
def test_gru_cell_refuses_what_is_not_three_gates(shapes, order, message):
    with pytest.raises(ValueError, match=message):
        ag.gru_cell(*(np.zeros(s) for s in shapes), order=order)


def test_gru_layers_take_the_fused_cell_only_where_it_is_the_same_maths():
    import nn
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    for layer, fused in ((nn.GRU(4), True), (nn.GRU(4, reset_after=False), False),
                         (nn.GRU(4, activation="relu"), False),
                         (nn.GRU(3, 4, batch_first=True), True)):
        out = layer(x)
        out = out[0] if isinstance(out, tuple) else out
        assert ("GRUCell" in op_names(out)) == fused, layer
