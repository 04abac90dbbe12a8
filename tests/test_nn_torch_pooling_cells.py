"""PyTorch's adaptive and indexed max pooling, MaxUnpool, the recurrent cells and
LocalResponseNorm against torch 2.13: values, indices, gradients, state dicts, refusals."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ag
from nn import torch_pooling as P
from nn.torch_norm import LocalResponseNorm, local_response_norm
from nn.torch_cells import GRUCell, LSTMCell, RNNCell
from nn.torch_recurrent import TorchGRU, TorchLSTM

torch = pytest.importorskip("torch")
F = torch.nn.functional
RNG = np.random.default_rng(0)
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}


def _check(ours, theirs, x0, dtype=np.float64, n_out=1):
    """Values (and indices) of ours(x) against theirs(t), and the gradient of a weighted sum."""
    x, t = ag.Value(x0.astype(dtype), requires_grad=True), torch.tensor(x0.astype(dtype),
                                                                        requires_grad=True)
    y, ty = ours(x), theirs(t)
    if isinstance(ty, tuple):
        (y, i), (ty, ti) = y, ty
        assert i.dtype == np.int64
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **TOL[dtype])
    w = RNG.normal(size=ty.shape).astype(dtype)
    (g,) = ag.gradients((y * w).sum(), x)
    (tg,) = torch.autograd.grad((ty * torch.tensor(w)).sum(), t)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), **TOL[dtype])
    return y


# --- max pooling with indices, ceil_mode, dilation ---------------------------------------
@settings(max_examples=40, deadline=None)
@given(h=st.integers(3, 8), w=st.integers(3, 8), k=st.integers(1, 3), s=st.integers(1, 3),
       p=st.integers(0, 1), d=st.integers(1, 2), ceil=st.booleans(), batched=st.booleans())
def test_max_pool2d_with_indices_matches_torch(h, w, k, s, p, d, ceil, batched):
    p = min(p, k // 2)
    if (h + 2 * p - d * (k - 1) - 1) < 0 or (w + 2 * p - d * (k - 1) - 1) < 0:
        return
    x0 = RNG.normal(size=(2, 3, h, w) if batched else (3, h, w))
    _check(lambda x: P.max_pool2d(x, k, s, p, d, ceil, return_indices=True),
           lambda t: F.max_pool2d(t, k, s, p, d, ceil, return_indices=True), x0)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(3, 10), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2),
       d=st.integers(1, 2), ceil=st.booleans())
def test_max_pool1d_with_indices_matches_torch(n, k, s, p, d, ceil):
    p = min(p, k // 2)
    if n + 2 * p - d * (k - 1) - 1 < 0:
        return
    x0 = RNG.normal(size=(2, 3, n))
    _check(lambda x: P.max_pool1d(x, k, s, p, d, ceil, return_indices=True),
           lambda t: F.max_pool1d(t, k, s, p, d, ceil, return_indices=True), x0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d", [1, 2])
def test_max_pool_layers_ties_and_float32(dtype, d):
    # integers: many ties, the first maximum wins in both
    x0 = RNG.integers(0, 3, size=(2, 2, 7, 6)).astype(float)
    ours = P.MaxPool2d(3, 2, 1, dilation=d, return_indices=True, ceil_mode=True)
    theirs = torch.nn.MaxPool2d(3, 2, 1, dilation=d, return_indices=True, ceil_mode=True)
    _check(lambda x: ours(x), theirs, x0, dtype)
    ours1 = P.MaxPool1d(2, ceil_mode=True, dilation=d)
    _check(ours1, torch.nn.MaxPool1d(2, ceil_mode=True, dilation=d), x0[0], dtype)
    assert ours1(x0[0].astype(dtype)).dtype == np.float32   # a layer: the default dtype


def test_max_pool_all_minus_inf_window_picks_first_real():
    x0 = np.full((1, 1, 3, 3), -np.inf)
    y, i = P.max_pool2d(x0, 3, 1, 1, return_indices=True)
    ty, ti = F.max_pool2d(torch.tensor(x0), 3, 1, 1, return_indices=True)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


# --- adaptive pooling ---------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 7), w=st.integers(1, 7), oh=st.one_of(st.none(), st.integers(1, 9)),
       ow=st.integers(1, 9), batched=st.booleans())
def test_adaptive_max_pool2d_matches_torch(h, w, oh, ow, batched):
    x0 = RNG.normal(size=(2, 3, h, w) if batched else (3, h, w))
    _check(lambda x: P.adaptive_max_pool2d(x, (oh, ow), return_indices=True),
           lambda t: F.adaptive_max_pool2d(t, (oh, ow), return_indices=True), x0)
    _check(lambda x: P.adaptive_avg_pool2d(x, (oh, ow)),
           lambda t: F.adaptive_avg_pool2d(t, (oh, ow)), x0)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 11), out=st.integers(1, 12))
def test_adaptive_pool1d_matches_torch(n, out):
    x0 = RNG.normal(size=(2, 3, n))
    _check(lambda x: P.adaptive_max_pool1d(x, out, return_indices=True),
           lambda t: F.adaptive_max_pool1d(t, out, return_indices=True), x0)
    _check(lambda x: P.adaptive_avg_pool1d(x, out), lambda t: F.adaptive_avg_pool1d(t, out),
           x0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adaptive_layers(dtype):
    x0 = RNG.integers(0, 3, size=(2, 3, 5, 7)).astype(float)
    _check(P.AdaptiveMaxPool2d((3, None), return_indices=True),
           torch.nn.AdaptiveMaxPool2d((3, None), return_indices=True), x0, dtype)
    _check(P.AdaptiveMaxPool1d(4), torch.nn.AdaptiveMaxPool1d(4), x0[0], dtype)
    _check(P.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3), x0[0], dtype)
    assert P.AdaptiveMaxPool2d(3).output_size == (3, 3)


# --- unpooling ----------------------------------------------------------------------------
@pytest.mark.parametrize("k, s, p, size", [(2, 2, 0, (6, 6)), (3, 2, 1, (7, 5)),
                                           (2, 2, 0, (7, 7)), (3, 3, 0, (6, 8))])
def test_max_unpool2d_inverts_torchs_pool(k, s, p, size):
    x0 = RNG.normal(size=(2, 3) + size)
    y0, i0 = F.max_pool2d(torch.tensor(x0), k, s, p, return_indices=True)
    out = None if size == (6, 6) else size
    unpool = P.MaxUnpool2d(k, s, p)
    _check(lambda v: unpool(v, i0.numpy(), out),
           lambda t: F.max_unpool2d(t, i0, k, s, p, out), y0.numpy())
    x1 = RNG.normal(size=(3, 9))
    y1, i1 = F.max_pool1d(torch.tensor(x1), 3, 2, 1, return_indices=True)
    _check(lambda v: P.MaxUnpool1d(3, 2, 1)(v, i1.numpy(), (9,)),
           lambda t: F.max_unpool1d(t, i1, 3, 2, 1, (9,)), y1.numpy())


def test_max_unpool_round_trip_and_repeated_indices():
    x0 = RNG.normal(size=(1, 2, 4, 4))
    y, i = P.max_pool2d(x0, 2, return_indices=True)
    np.testing.assert_array_equal(P.max_unpool2d(y, i, 2).numpy(),
                                  F.max_unpool2d(*F.max_pool2d(torch.tensor(x0), 2,
                                                               return_indices=True),
                                                 2).numpy())
    # an index repeated: the last value stays, as PyTorch's CPU kernel
    v, idx = np.array([[[1.0, 2.0, 3.0]]]), np.array([[[1, 1, 0]]])
    np.testing.assert_array_equal(P.max_unpool1d(v, idx, 2, output_size=(5,)).numpy(),
                                  F.max_unpool1d(torch.tensor(v), torch.tensor(idx), 2,
                                                 output_size=(5,)).numpy())


# --- refusals -----------------------------------------------------------------------------
def test_pooling_refusals():
    with pytest.raises(ValueError, match="MaxPool2d: padding .* at most half"):
        P.MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match="MaxPool1d: dilation must be"):
        P.MaxPool1d(2, dilation=0)
    with pytest.raises(TypeError, match="ceil_mode must be True or False"):
        P.MaxPool2d(2, ceil_mode="yes")
    with pytest.raises(ValueError, match="AdaptiveMaxPool2d: output_size"):
        P.AdaptiveMaxPool2d((2, 0))
    with pytest.raises(ValueError, match="output would be empty"):
        P.max_pool2d(np.ones((1, 1, 2, 2)), 3)
    with pytest.raises(ValueError, match=r"MaxPool2d 'm': max_pool2d: expected input \(N, C"):
        P.MaxPool2d(2, name="m")(np.ones((2, 2)))
    with pytest.raises(ValueError, match="index 99 is out of range"):
        P.max_unpool2d(np.ones((1, 1, 2, 2)), np.array([[[[0, 1], [2, 99]]]]), 2)
    with pytest.raises(ValueError, match="indices must be integers of the input's shape"):
        P.max_unpool2d(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 1), int), 2)
    with pytest.raises(ValueError, match="output_size .* within the stride"):
        P.max_unpool2d(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), int), 2,
                       output_size=(6, 4))


# --- recurrent cells ----------------------------------------------------------------------
def _cell_pair(kind, dtype, **kwargs):
    torch.manual_seed(1)
    theirs = getattr(torch.nn, kind)(3, 4, **kwargs).to(getattr(torch, np.dtype(dtype).name))
    ours = {"RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}[kind](
        3, 4, dtype=np.dtype(dtype).name, **kwargs)
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state)
    assert all(ours.state_dict()[k].shape == v.shape for k, v in state.items())
    ours.load_state_dict(state)
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind, kwargs", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                          ("RNNCell", {"bias": False}), ("LSTMCell", {}),
                                          ("LSTMCell", {"bias": False}), ("GRUCell", {}),
                                          ("GRUCell", {"bias": False})])
@pytest.mark.parametrize("batched, given_state", [(True, False), (True, True), (False, True),
                                                  (False, False)])
def test_cells_loop_matches_torch(dtype, kind, kwargs, batched, given_state):
    ours, theirs = _cell_pair(kind, dtype, **kwargs)
    lstm = kind == "LSTMCell"
    x0 = RNG.normal(size=(5, 2, 3) if batched else (5, 3)).astype(dtype)
    shape = (2, 4) if batched else (4,)
    h0 = [RNG.normal(size=shape).astype(dtype) for _ in range(2 if lstm else 1)]
    x, t = ag.Value(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    hs, ths = [ag.Value(h, requires_grad=True) for h in h0], \
        [torch.tensor(h, requires_grad=True) for h in h0]
    hx = (tuple(hs) if lstm else hs[0]) if given_state else None
    thx = (tuple(ths) if lstm else ths[0]) if given_state else None
    loss, t_loss = 0, 0
    for step in range(x0.shape[0]):
        hx, thx = ours(x[step], hx), theirs(t[step], thx)
        out, t_out = (hx[0], thx[0]) if lstm else (hx, thx)
        w = RNG.normal(size=shape).astype(dtype)
        loss, t_loss = loss + (out * w).sum(), t_loss + (t_out * torch.tensor(w)).sum()
        np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), **TOL[dtype])
    if lstm:
        np.testing.assert_allclose(hx[1].numpy(), thx[1].detach().numpy(), **TOL[dtype])
    params = list(ours.parameters())
    t_params = list(theirs.parameters())
    wrt = [x] + params + (hs if given_state else [])
    t_wrt = [t] + t_params + (ths if given_state else [])
    grads = ag.gradients(loss, wrt)
    t_grads = torch.autograd.grad(t_loss, t_wrt)
    for g, tg in zip(grads, t_grads):
        np.testing.assert_allclose(g.numpy(), tg.numpy(), **TOL[dtype])


@pytest.mark.parametrize("kind, layer", [("LSTMCell", TorchLSTM), ("GRUCell", TorchGRU)])
def test_cell_step_is_one_step_of_the_layer(kind, layer):
    cell = {"LSTMCell": LSTMCell, "GRUCell": GRUCell}[kind](3, 4, dtype="float64")
    full = layer(3, 4, dtype="float64")
    full.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
    x0 = RNG.normal(size=(1, 2, 3))
    out, _ = full(x0)
    h = cell(x0[0])
    np.testing.assert_allclose((h[0] if kind == "LSTMCell" else h).numpy(), out.numpy()[0],
                               rtol=1e-14)


def test_cell_init_and_refusals():
    ag.manual_seed(0)
    cell = LSTMCell(5, 16)
    values = np.concatenate([p.numpy().ravel() for p in cell.parameters()])
    assert values.min() >= -0.25 and values.max() <= 0.25 and values.std() > 0.1
    assert cell.weight_ih.shape == (64, 5) and cell.bias_hh.shape == (64,)
    assert repr(GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"
    with pytest.raises(ValueError, match="RNNCell: nonlinearity"):
        RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="GRUCell: hidden_size must be a positive"):
        GRUCell(3, 0)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3\)"):
        GRUCell(3, 4)(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 4\)"):
        RNNCell(3, 4)(np.ones((2, 3)), np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"hx must be a pair"):
        LSTMCell(3, 4)(np.ones((2, 3)), np.ones((2, 4)))


# --- LocalResponseNorm --------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(shape=st.sampled_from([(2, 5, 7), (2, 6, 3, 4), (1, 3, 2, 2, 3), (2, 1, 4)]),
       size=st.integers(1, 6), alpha=st.floats(1e-4, 2.0), beta=st.floats(0.1, 1.5),
       k=st.floats(0.5, 3.0))
def test_local_response_norm_matches_torch(shape, size, alpha, beta, k):
    x0 = RNG.normal(size=shape)
    _check(lambda x: local_response_norm(x, size, alpha, beta, k),
           lambda t: F.local_response_norm(t, size, alpha, beta, k), x0)


def test_local_response_norm_layer_float32_and_refusals():
    x0 = RNG.normal(size=(2, 6, 3, 3)) * 3
    _check(LocalResponseNorm(3, 0.1), torch.nn.LocalResponseNorm(3, 0.1), x0, np.float32)
    assert LocalResponseNorm(2).get_config()["beta"] == 0.75
    with pytest.raises(ValueError, match="LocalResponseNorm: size must be a positive"):
        LocalResponseNorm(0)
    with pytest.raises(TypeError, match="LocalResponseNorm: alpha must be a number"):
        LocalResponseNorm(2, alpha="big")
    with pytest.raises(ValueError, match=r"LocalResponseNorm 'n': .*3 or more axes"):
        LocalResponseNorm(2, name="n")(np.ones((2, 3)))
