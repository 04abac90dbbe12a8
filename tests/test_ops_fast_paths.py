"""The ops' fenced speed tricks give numpy's numbers exactly.

- ops._select.where, the bit-select np.where for large float arrays: the same bits, dtype
  and shape as np.where, over broadcast shapes, both float dtypes, scalars and special
  values (NaN, infinities, -0.0, subnormals), on both sides of its size threshold.
- reductions.max_along, the max over many short rows by columns: np.max's values, and the
  softmax family built on it against PyTorch.
- nn.SoftmaxCrossEntropy's kept probabilities: the backward's gradient is the bits of the
  one that makes softmax(z) again, on both sides of the size that keeps them.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.ops import _select, xp

SPECIAL = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45, -1e-308, 3.0]


def same_bits(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(np.ascontiguousarray(got).view(np.uint8),
                                  np.ascontiguousarray(want).view(np.uint8))


def filled(rng, shape, dtype):
    a = rng.normal(size=shape).astype(dtype)
    flat = a.reshape(-1)
    k = min(flat.size, len(SPECIAL))
    with np.errstate(over="ignore", under="ignore"):
        flat[:k] = np.array(SPECIAL[:k]).astype(dtype)
    rng.shuffle(flat)
    return a


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3,
                                                min_side=1, max_side=40),
       dtypes=st.tuples(st.sampled_from([np.float32, np.float64]),
                        st.sampled_from([np.float32, np.float64])),
       seed=st.integers(0, 2**32 - 1))
def test_where_has_np_wheres_bits(shapes, dtypes, seed):
    rng = np.random.default_rng(seed)
    (c_shape, a_shape, b_shape), _ = shapes
    cond = rng.random(c_shape) > 0.5
    a, b = filled(rng, a_shape, dtypes[0]), filled(rng, b_shape, dtypes[1])
    same_bits(_select.where(cond, a, b), np.where(cond, a, b))
    same_bits(_select.where(cond, a, 0), np.where(cond, a, 0))
    same_bits(_select.where(cond, -1.5, b), np.where(cond, -1.5, b))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_arrays_take_the_bit_select_and_keep_special_values(dtype, monkeypatch):
    rng = np.random.default_rng(0)
    shape = (64, 2 * _select._LARGE // 64)  # above the threshold
    a, b = filled(rng, shape, dtype), filled(rng, shape, dtype)
    cond = rng.random(shape) > 0.5
    cond_int = cond.astype(np.int64) * 7  # nonzero counts as True, as in np.where
    calls = []
    monkeypatch.setattr(_select.np, "where", lambda *args: calls.append(args))
    got = [_select.where(cond, a, b), _select.where(cond_int, a, b[0]),
           _select.where(cond[:, :1], 0, b), _select.where(True, a, b)]
    monkeypatch.undo()
    assert calls == []  # none went to np.where
    for g, want in zip(got, [np.where(cond, a, b), np.where(cond_int, a, b[0]),
                             np.where(cond[:, :1], 0, b), np.where(True, a, b)]):
        same_bits(g, want)


def test_other_dtypes_and_small_arrays_go_to_np_where():
    cond = np.array([True, False] * 5000)
    ints = np.arange(10000)
    same_bits(_select.where(cond, ints, -ints), np.where(cond, ints, -ints))
    assert _select.where(True, 1.0, 2.0) == 1.0
    args = (np.bool_(False), np.float32(1), np.float32(2))
    same_bits(xp.where(*args), np.where(*args))  # a 0-d array, as np.where gives


def test_backward_formulas_that_select_give_the_same_gradients_through_it():
    """leaky_relu's and elu's backward select with xp.where: on a large array their
    gradients are the plain formula's, NaN and infinite gradients included."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 256))
    g = rng.normal(size=x.shape)
    g[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    for f, grad in ((lambda v: ag.leaky_relu(v, alpha=0.1), lambda: np.where(x > 0, g, g * 0.1)),
                    (ag.elu, lambda: np.where(x > 0, g, g * np.exp(np.minimum(x, 0))))):
        v = ag.Variable(x)
        f(v).backward(g)
        np.testing.assert_allclose(v.grad, grad(), rtol=1e-12, atol=0)


@given(rows=st.sampled_from([1, 7, 511, 512, 700, 2048]), width=st.integers(1, 40),
       axis=st.sampled_from([-1, 0, 1]), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**32 - 1))
def test_max_along_is_np_max(rows, width, axis, dtype, seed):
    from autograd_core.ops.reductions import max_along
    rng = np.random.default_rng(seed)
    shape = (rows, width) if axis != 0 else (width, rows)
    x = filled(rng, shape, dtype)
    x[rng.integers(0, shape[0])] = -np.inf  # a row (or column) of -inf
    with np.errstate(invalid="ignore"):
        same_bits(max_along(x, axis), np.max(x, axis=axis, keepdims=True, initial=-np.inf))


def test_max_along_takes_columns_for_many_short_rows(monkeypatch):
    from autograd_core.ops import reductions
    x = np.random.default_rng(0).normal(size=(1024, 10))
    calls = []
    monkeypatch.setattr(reductions.np, "max", lambda *a, **k: calls.append(a))
    reductions.max_along(x, -1)
    assert calls == []
    monkeypatch.undo()
    reductions.max_along(x[:100], -1)  # few rows: numpy's own
    reductions.max_along(np.zeros((1024, 64)), -1)  # long rows: numpy's own


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_softmax_family_on_many_short_rows_matches_torch(dtype):
    """softmax, log_softmax, logsumexp and the fused cross-entropy on (2048, 10) logits
    with huge, -inf and NaN rows: values and gradients as PyTorch's."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    z = (rng.normal(size=(2048, 10)) * 5).astype(dtype)
    z[0] += 100.0  # exp(100) overflows float32: only the shift keeps these finite
    z[1, 3] = -np.inf
    labels = rng.integers(0, 10, 2048)
    g = rng.normal(size=z.shape).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    F = torch.nn.functional
    for ours, theirs in (
            (lambda v: ag.softmax(v, axis=-1), lambda t: F.softmax(t, dim=-1)),
            (lambda v: ag.log_softmax(v, axis=-1), lambda t: F.log_softmax(t, dim=-1)),
            (lambda v: ag.logsumexp(v, axis=-1)[:, None] * np.ones(10, dtype),
             lambda t: torch.logsumexp(t, dim=-1)[:, None] * torch.ones(10, dtype=t.dtype))):
        v = ag.Variable(z)
        y = ours(v)
        y.backward(g)
        zt = torch.tensor(z, requires_grad=True)
        yt = theirs(zt)
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(y.data, yt.detach().numpy(), **tol)
        np.testing.assert_allclose(v.grad, zt.grad.numpy(), **tol)
    v = ag.Variable(z[2:])  # the fused loss on finite logits
    loss = ag.softmax_cross_entropy(v, labels[2:], reduction="mean")
    loss.backward()
    zt = torch.tensor(z[2:], requires_grad=True)
    lt = F.cross_entropy(zt, torch.tensor(labels[2:]))
    lt.backward()
    np.testing.assert_allclose(loss.data, lt.item(), **tol)
    np.testing.assert_allclose(v.grad, zt.grad.numpy(), **tol)


@pytest.mark.parametrize("shape, pool, strides, data_format", [
    ((4, 26, 26, 3), 2, None, "channels_last"),      # MNIST's: windows tile the image
    ((2, 9, 9, 2), 3, None, "channels_last"),
    ((2, 8, 9, 2), (2, 3), None, "channels_last"),
    ((2, 3, 8, 8), 2, None, "channels_first"),
    ((2, 11, 11, 2), 2, None, "channels_last"),      # a row and a column left over
    ((2, 8, 8, 2), 3, 2, "channels_last"),           # overlapping windows
    ((2, 1, 6, 2), (1, 2), None, "channels_last"),
])
def test_max_pool_gradient_fills_every_pixel_it_does_not_zero(shape, pool, strides,
                                                              data_format, monkeypatch):
    """Where the windows tile the image the backward writes into uninitialised arrays
    (_windows._canvas): made NaN-filled here, any pixel left unwritten would show. The
    gradient is checked against PyTorch's."""
    torch = pytest.importorskip("torch")
    from autograd_core.ops import _windows
    real_empty = np.empty
    monkeypatch.setattr(_windows.np, "empty",
                        lambda s, dtype=float, **k: np.full(s, np.nan, dtype)
                        if np.dtype(dtype).kind == "f" else real_empty(s, dtype))
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    v = ag.Variable(x)
    y = ag.max_pool2d(v, pool, strides=strides, data_format=data_format)
    g = rng.normal(size=y.shape)
    y.backward(g)
    monkeypatch.setattr(_windows.np, "empty", real_empty)
    to_nchw = (lambda a: a) if data_format == "channels_first" else \
        (lambda a: a.transpose(0, 3, 1, 2))
    xt = torch.tensor(to_nchw(x), requires_grad=True)
    yt = torch.nn.functional.max_pool2d(xt, pool, stride=strides)
    yt.backward(torch.tensor(to_nchw(g)))
    assert not np.isnan(v.grad).any()
    # (overlapping windows add up in another order than PyTorch's: the last bit may differ)
    np.testing.assert_allclose(to_nchw(v.grad), xt.grad.numpy(), rtol=1e-14, atol=0)


@given(rows=st.integers(1, 60), width=st.sampled_from([(), (1,), (7,), (40,), (3, 9)]),
       picks=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=70),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**32 - 1))
def test_add_at_is_np_add_at_to_the_bit(rows, width, picks, dtype, seed):
    """indexing.add_at, rows picked by integers (negative ones too, repeated) added as
    single numbers at flat positions: np.add.at's sums, in the same order."""
    from autograd_core.ops.indexing import add_at
    rng = np.random.default_rng(seed)
    index = rng.integers(-rows, rows, picks)
    g = rng.normal(size=picks + width).astype(dtype)
    start = rng.normal(size=(rows,) + width).astype(dtype)
    want = start.copy()
    np.add.at(want, index, g)
    for form in (index, (index,)):
        got = start.copy()
        add_at(got, form, g)
        same_bits(got, want)


def test_embedding_gradient_through_add_at_matches_torch():
    """An embedding lookup's gradient (ids repeated, 4,096 rows of 64), through GetItem's
    backward and the engine's sliced path, as torch's index_select backward."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    table = rng.normal(size=(300, 64))
    ids = rng.integers(0, 300, (64, 64))
    g = rng.normal(size=(64, 64, 64))
    w = ag.Variable(table)
    w[ids].backward(g)
    wt = torch.tensor(table, requires_grad=True)
    wt[torch.tensor(ids)].backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad, wt.grad.numpy(), rtol=1e-12, atol=1e-12)
    w2 = ag.Variable(table)  # twice through one total: GetItem.backward_into adds in place
    (w2[ids] * 2.0 + w2[ids[::-1]]).backward(g)
    wt.grad = None
    (wt[torch.tensor(ids)] * 2.0 + wt[torch.tensor(ids[::-1].copy())]).backward(torch.tensor(g))
    np.testing.assert_allclose(w2.grad, wt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("exponent", [2, 3, -1, -2, -3, 0.5, -0.5, 1.5, 2.0, np.float32(3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_power_special_exponents_as_pytorch_computes_them(exponent, dtype):
    """arithmetic.power_array: PyTorch's formulas for its special exponents (3 is a*a*a,
    -2 is 1/(a*a), ...), within an ulp of numpy's power, with its dtype; values and
    gradients against PyTorch, special values included."""
    torch = pytest.importorskip("torch")
    from autograd_core.ops.arithmetic import power_array
    rng = np.random.default_rng(0)
    a = rng.normal(size=5000).astype(dtype) * 3
    a[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-20]
    with np.errstate(all="ignore"):
        got, want = power_array(a, exponent), a ** exponent
        theirs = (torch.tensor(a) ** exponent).numpy()
    assert got.dtype == want.dtype == dtype
    if float(exponent) == -0.5:  # 1/sqrt(-0) is -inf and 1/sqrt(-inf) NaN, as PyTorch's;
        want[[1, 3]] = [-np.inf, np.nan]  # C's pow gives +inf and +0
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(theirs))
    np.testing.assert_allclose(got, want, rtol=3 * np.finfo(dtype).eps, atol=0)
    if float(exponent) in (2, 3, -1, -2, -0.5):
        np.testing.assert_array_equal(got, theirs)  # PyTorch's formula, to the bit
    x = np.abs(a[6:]) + 0.5  # the gradient, away from 0
    v = ag.Variable(x)
    (v ** exponent).backward(np.ones_like(x))
    xt = torch.tensor(x, requires_grad=True)
    (xt ** exponent).backward(torch.ones_like(xt))
    np.testing.assert_allclose(v.grad, xt.grad.numpy(), rtol=4 * np.finfo(dtype).eps, atol=0)


def test_power_keeps_numpys_dtypes_off_the_special_path():
    from autograd_core.ops.arithmetic import power_array
    ints = np.arange(-3, 4)
    assert power_array(ints, 3).dtype == (ints ** 3).dtype
    np.testing.assert_array_equal(power_array(ints, 3), ints ** 3)
    f32 = np.ones(3, np.float32) * 2
    assert power_array(f32, np.float64(3)).dtype == np.float64  # numpy's promotion
    assert power_array(f32, np.array([3.0, 2.0, 1.0], np.float32)).tolist() == [8.0, 4.0, 2.0]


# --- ops.linalg._grads_in_layout: a transposed operand's gradient in its layout ---------

@given(m=st.integers(1, 9), k=st.integers(1, 9), n=st.integers(1, 9),
       flips=st.tuples(st.booleans(), st.booleans()), dtype=st.sampled_from([np.float32,
                                                                                np.float64]),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_grads_of_transposed_operands_are_the_formulas(m, k, n, flips, dtype, seed):
    """Each operand either contiguous or a transposed view, as x @ W.T makes: the gradients
    are g @ b^T and a^T @ g (to rounding: BLAS may sum in another order), and the leaves
    behind a transpose get C-contiguous gradients."""
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s).astype(dtype) for s in ((m, k), (k, n))]
    leaves = [ag.Variable(a.T.copy() if flip else a) for a, flip in zip(arrays, flips)]
    operands = [ag.transpose(v) if flip else v for v, flip in zip(leaves, flips)]
    g = rng.normal(size=(m, n)).astype(dtype)
    (operands[0] @ operands[1]).backward(g)
    a, b = arrays
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for leaf, flip, want in zip(leaves, flips, (g @ b.T, a.T @ g)):
        got = leaf.grad.T if flip else leaf.grad
        assert leaf.grad.dtype == dtype and leaf.grad.flags.c_contiguous
        np.testing.assert_allclose(got, want, **tol)


def test_transposed_operand_takes_the_layout_path(monkeypatch):
    """The layout path runs for a transposed operand (and only then), so the test above
    exercises it: in PyTorch's Linear (x @ W.T) the weight's gradient reaches the Transpose
    op already contiguous, where the plain formula would hand it a transposed view."""
    from autograd_core.ops import linalg
    calls = []
    real = linalg._grads_in_layout
    monkeypatch.setattr(linalg, "_grads_in_layout",
                        lambda *args: calls.append(1) or real(*args))
    x = ag.Value(np.ones((4, 3)))
    W = ag.Variable(np.ones((5, 3)))
    seen = []
    Wt = ag.transpose(W)
    Wt.register_hook(lambda grad: seen.append(grad.T.flags.c_contiguous))
    (x @ Wt).sum().backward()
    assert calls == [1] and seen == [True]
    (x @ ag.Variable(np.ones((3, 5)))).sum().backward()
    assert calls == [1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("labels_kind", ["classes", "rows"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_softmax_cross_entropy_kept_probabilities_give_the_remade_gradient(
        dtype, labels_kind, reduction, monkeypatch):
    from autograd_core.ops import nn as nn_ops

    rng = np.random.default_rng(4)
    z = filled(rng, (33, 7), dtype)[:, :]
    # NaN and +inf logits give a NaN loss and NaN gradients either way, but the remade
    # softmax shifts a row holding +inf by 0 (exp(inf) / inf: NaN at the inf alone) where
    # the forward shifts by inf (the whole row NaN, as PyTorch's gradient: tested below).
    z[np.isnan(z) | (z == np.inf)] = 1.0
    classes = rng.integers(0, 7, 33)
    labels = classes if labels_kind == "classes" else np.eye(7, dtype=dtype)[classes] * 0.9

    def gradient():
        x = ag.Variable(z)
        with np.errstate(invalid="ignore"):  # the -inf logits: 0 * inf in the loss
            loss = ag.softmax_cross_entropy(x, labels, reduction=reduction)
            loss.backward(None if loss.ndim == 0 else np.linspace(0.5, 2, 33).astype(dtype))
        return loss.op.probabilities, x.grad

    kept, fast = gradient()
    assert kept is not None  # 231 numbers: kept
    monkeypatch.setattr(nn_ops, "_KEPT_NUMBERS", 100)
    remade, slow = gradient()
    assert remade is None  # over the size: made again in the backward
    same_bits(np.asarray(fast), np.asarray(slow))


def test_softmax_cross_entropy_with_an_infinite_logit_has_pytorchs_nan_row():
    torch = pytest.importorskip("torch")
    z = np.array([[1.0, np.inf, 0.5], [1.0, 2.0, -np.inf]])
    x = ag.Variable(z)
    with np.errstate(invalid="ignore"):
        ag.softmax_cross_entropy(x, [0, 1], reduction="sum").backward()
    zt = torch.tensor(z, requires_grad=True)
    torch.nn.functional.cross_entropy(zt, torch.tensor([0, 1]), reduction="sum").backward()
    assert np.isnan(x.grad[0]).all()
    np.testing.assert_allclose(x.grad, zt.grad.numpy(), rtol=1e-12, equal_nan=True)
