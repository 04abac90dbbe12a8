"""numpy's and PyTorch's counting functions (searchsorted, bucketize, digitize, histc,
histogram, bincount, heaviside), the special functions (erfc, erfinv, lgamma, digamma,
polygamma), and the linalg names qr, solve_triangular, matrix_rank, cond, multi_dot and
matrix_exp.

The counting functions: forward against numpy and PyTorch over hypothesis-drawn inputs,
with ties on the edges; their results are constants, except bincount's weighted sums,
whose gradient reaches the weights. The special functions: against ``math`` and PyTorch's
float64 over wide ranges (large x, negative non-integer x, x near ±1 for erfinv), then
first derivatives against central differences (gradcheck), second derivatives against
central differences of the first, and both against PyTorch. The linalg names likewise.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")

SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=25, deadline=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def check(f, *arrays):
    """gradcheck and second derivatives against central differences."""
    ag.gradcheck(f, arrays)
    check_second_order(f, *arrays)


def ties(rng, shape):
    """Small integers as floats: many values equal an edge, where side matters."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


# --- searchsorted, bucketize, digitize ------------------------------------------------------


@FEW
@given(m=st.integers(1, 6), shape=SHAPES, side=st.sampled_from(["left", "right"]),
       seed=SEEDS)
def test_searchsorted_is_numpys_and_torchs(m, shape, side, seed):
    rng = np.random.default_rng(seed)
    seq, values = np.sort(ties(rng, m)), ties(rng, shape)
    expected = np.searchsorted(seq, values, side)
    got = ag.searchsorted(seq, values, side)
    assert got.dtype == np.int64 and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), expected)
    np.testing.assert_array_equal(ag.searchsorted(ag.Value(seq), ag.Value(values),
                                                  right=side == "right").numpy(),
                                  torch.searchsorted(t64(seq), t64(values),
                                                     right=side == "right").numpy())
    np.testing.assert_array_equal(ag.searchsorted(seq, values, side=side).numpy(),
                                  torch.searchsorted(t64(seq), t64(values), side=side).numpy())
    # numpy's sorter, and np.searchsorted on Values
    shuffled = rng.permutation(seq)
    sorter = np.argsort(shuffled, kind="stable")
    np.testing.assert_array_equal(ag.searchsorted(shuffled, values, side, sorter).numpy(),
                                  np.searchsorted(shuffled, values, side, sorter))
    np.testing.assert_array_equal(np.searchsorted(ag.Value(seq), values, side=side).numpy(),
                                  expected)
    assert ag.searchsorted(seq, 0.0, out_int32=True).dtype == np.int32


@FEW
@given(batch=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3),
       m=st.integers(1, 5), k=st.integers(1, 4), right=st.booleans(), seed=SEEDS)
def test_searchsorted_batched_is_torchs(batch, m, k, right, seed):
    rng = np.random.default_rng(seed)
    seq, values = np.sort(ties(rng, batch + (m,)), axis=-1), ties(rng, batch + (k,))
    np.testing.assert_array_equal(ag.searchsorted(seq, values, right=right).numpy(),
                                  torch.searchsorted(t64(seq), t64(values), right=right).numpy())
    sorter = np.argsort(seq, axis=-1, kind="stable")
    np.testing.assert_array_equal(
        ag.searchsorted(seq, values, sorter=sorter, right=right).numpy(),
        torch.searchsorted(t64(seq), t64(values), right=right,
                           sorter=torch.tensor(sorter)).numpy())


@FEW
@given(m=st.integers(1, 6), shape=SHAPES, right=st.booleans(), seed=SEEDS)
def test_bucketize_and_digitize(m, shape, right, seed):
    rng = np.random.default_rng(seed)
    edges, x = np.sort(ties(rng, m)), ties(rng, shape)
    np.testing.assert_array_equal(ag.bucketize(x, edges, right=right).numpy(),
                                  torch.bucketize(t64(x), t64(edges), right=right).numpy())
    unique = np.unique(edges)
    for bins in (unique, unique[::-1]):  # numpy's digitize takes decreasing bins too
        np.testing.assert_array_equal(ag.digitize(x, bins, right).numpy(),
                                      np.digitize(x, bins, right))
        np.testing.assert_array_equal(np.digitize(ag.Value(x), bins, right=right).numpy(),
                                      np.digitize(x, bins, right=right))


def test_searchsorted_errors():
    with pytest.raises(ValueError, match="side='left' and right=True contradict"):
        ag.searchsorted([1.0, 2.0], [1.5], side="left", right=True)
    with pytest.raises(ValueError, match="side must be 'left' or 'right'"):
        ag.searchsorted([1.0, 2.0], [1.5], side="middle")
    with pytest.raises(ValueError, match="same leading axes"):
        ag.searchsorted(np.zeros((2, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="bucketize: boundaries must be 1-D"):
        ag.bucketize([1.0], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="digitize: bins must be 1-D"):
        ag.digitize([1.0], np.zeros((2, 2)))


# --- histc, histogram, bincount -------------------------------------------------------------


@FEW
@given(shape=SHAPES, bins=st.integers(1, 7), given_range=st.booleans(), seed=SEEDS)
def test_histc_is_torchs(shape, bins, given_range, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    lo, hi = (-1.0, 1.5) if given_range else (0, 0)
    got = ag.histc(x, bins, lo, hi)
    expected = torch.histc(t64(x), bins, lo, hi).numpy()
    np.testing.assert_array_equal(got.numpy(), expected)
    assert got.dtype == np.float64 and not got.requires_grad
    np.testing.assert_array_equal(ag.Value(x).histc(bins=bins, min=lo, max=hi).numpy(), expected)


def test_histc_of_equal_values_and_its_errors():
    np.testing.assert_array_equal(ag.histc([1.0, 1.0, 1.0], bins=4).numpy(), [0, 0, 3, 0])
    np.testing.assert_array_equal(ag.histc([1.0, 2.0, 1.0], bins=4).numpy(), [2, 0, 0, 1])
    assert ag.histc(np.float32([0.5]), 2).dtype == np.float32
    with pytest.raises(ValueError, match="histc: max must be larger than min"):
        ag.histc([1.0], 3, 2.0, 1.0)
    with pytest.raises(ValueError, match="bins must be a positive integer"):
        ag.histc([1.0], 0)


@FEW
@given(shape=SHAPES, bins=st.integers(1, 6), weighted=st.booleans(), density=st.booleans(),
       seed=SEEDS)
def test_histogram_is_numpys_and_torchs(shape, bins, weighted, density, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    w = rng.uniform(0.5, 2.0, size=shape) if weighted else None
    hist, edges = np.histogram(x, bins, weights=w, density=density)
    got = ag.histogram(x, bins, weights=w, density=density)
    np.testing.assert_allclose(got.hist.numpy(), hist, rtol=1e-12)
    np.testing.assert_allclose(got.bin_edges.numpy(), edges, rtol=1e-12)
    assert got.hist.dtype == hist.dtype
    # np.histogram on a Value, and PyTorch's spelling with weight=
    on_value = np.histogram(ag.Value(x), bins, weights=w, density=density)
    np.testing.assert_allclose(on_value[0].numpy(), hist, rtol=1e-12)
    t_hist, t_edges = torch.histogram(t64(x), bins, weight=None if w is None else t64(w),
                                      density=density)
    ours = ag.histogram(ag.Value(x), bins, weight=w, density=density)
    np.testing.assert_allclose(ours.hist.numpy(), t_hist.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bin_edges.numpy(), t_edges.numpy(), rtol=1e-12)
    # edges given, and a range
    edges_given = np.array([-1.0, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(ag.histogram(x, ag.Value(edges_given)).hist.numpy(),
                                  np.histogram(x, edges_given)[0])
    np.testing.assert_array_equal(ag.histogram(x, bins, range=(-1, 1)).hist.numpy(),
                                  np.histogram(x, bins, range=(-1, 1))[0])


def test_histogram_refuses_both_weights():
    with pytest.raises(TypeError, match="weights .numpy's. or weight .PyTorch's., not both"):
        ag.histogram([1.0, 2.0], 2, weights=[1.0, 1.0], weight=[1.0, 1.0])


@FEW
@given(n=st.integers(0, 8), minlength=st.integers(0, 9), seed=SEEDS)
def test_bincount_counts_as_numpy_and_torch(n, minlength, seed):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 6, size=n)
    expected = np.bincount(idx, minlength=minlength)
    got = ag.bincount(idx, minlength=minlength)
    np.testing.assert_array_equal(got.numpy(), expected)
    assert got.dtype == np.int64 and not got.requires_grad
    np.testing.assert_array_equal(
        got.numpy(), torch.bincount(torch.tensor(idx, dtype=torch.int64),
                                    minlength=minlength).numpy())
    np.testing.assert_array_equal(np.bincount(ag.constant(idx, dtype=np.int64),
                                              minlength=minlength).numpy(), expected)
    np.testing.assert_array_equal(ag.constant(idx, dtype=np.int64).bincount(
        minlength=minlength).numpy(), expected)


@FEW
@given(n=st.integers(1, 6), minlength=st.integers(0, 8), seed=SEEDS)
def test_bincount_with_weights_passes_the_gradient_to_them(n, minlength, seed):
    rng = np.random.default_rng(seed)
    idx, w = rng.integers(0, 5, size=n), rng.normal(size=n)
    got = ag.bincount(idx, weights=ag.Value(w), minlength=minlength)
    np.testing.assert_allclose(got.numpy(), np.bincount(idx, w, minlength), rtol=1e-14)
    np.testing.assert_allclose(got.numpy(), torch.bincount(
        torch.tensor(idx), t64(w), minlength).numpy(), rtol=1e-14)

    def f(v):
        return ag.bincount(idx, weights=v, minlength=minlength)
    check(f, w)
    # PyTorch has no derivative for bincount: its gradient is that of the same index_add
    length = max(minlength, idx.max() + 1)
    compare_with_torch(f, lambda t: torch.zeros(length, dtype=t.dtype).index_add(
        0, torch.tensor(idx), t), w)
    v = ag.Value(np.float32(w))
    assert ag.bincount(idx, weights=v).dtype == np.float32   # the weights' dtype, as PyTorch's


def test_bincount_errors():
    with pytest.raises(ValueError, match="bincount: input must be 1-D"):
        ag.bincount(np.zeros((2, 2), np.int64))
    with pytest.raises(ValueError, match="bincount: input must be non-negative"):
        ag.bincount(np.array([1, -1]))
    with pytest.raises(TypeError, match="bincount: input must hold integers"):
        ag.bincount(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="weights must have input's shape"):
        ag.bincount(np.array([1, 2]), weights=[1.0])
    with pytest.raises(ValueError, match="minlength must be a non-negative integer"):
        ag.bincount(np.array([1, 2]), minlength=-1)


# --- heaviside ------------------------------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_heaviside_is_numpys_and_torchs_and_a_constant(shape, seed):
    rng = np.random.default_rng(seed)
    x, values = ties(rng, shape), rng.normal(size=shape[-1:])
    expected = np.heaviside(x, values)
    got = ag.heaviside(ag.Value(x), ag.Value(values))
    np.testing.assert_array_equal(got.numpy(), expected)
    np.testing.assert_array_equal(got.numpy(), torch.heaviside(t64(x), t64(values)).numpy())
    assert not got.requires_grad   # PyTorch raises "not implemented" for its derivative
    np.testing.assert_array_equal(np.heaviside(ag.Value(x), values).numpy(), expected)
    np.testing.assert_array_equal(ag.Value(x).heaviside(values).numpy(), expected)
    assert ag.heaviside(np.float32([-1.0, 0.0]), 0.5).dtype == np.float32


# --- special functions: accuracy ------------------------------------------------------------

RNG = np.random.default_rng(2024)


def max_relative_error(got, expected, floor=0.0):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))
    finite = np.isfinite(expected)
    err = np.abs(got[finite] - expected[finite])
    return np.max(err / np.maximum(np.abs(expected[finite]), floor))


def test_erfc_is_accurate_where_it_is_tiny():
    x = np.concatenate([np.linspace(-6, 26.2, 20001), RNG.uniform(-3, 3, 2000)])
    expected = np.array([math.erfc(t) for t in x])
    assert max_relative_error(ag.erfc(x).numpy(), expected) < 2e-15
    assert max_relative_error(ag.erfc(x).numpy(), torch.erfc(t64(x)).numpy()) < 2e-15
    assert float(ag.erfc(np.float64(10.0))) == pytest.approx(2.088487583762545e-45, rel=1e-15,
                                                             abs=0)
    np.testing.assert_array_equal(ag.erfc([np.inf, -np.inf, 30.0]).numpy(), [0.0, 2.0, 0.0])
    assert np.isnan(float(ag.erfc(np.nan)))


def test_erfinv_is_accurate_up_to_one():
    x = np.concatenate([RNG.uniform(-1, 1, 20000), 1 - np.exp(RNG.uniform(-36.7, -1, 5000)),
                        -1 + np.exp(RNG.uniform(-36.7, -1, 1000)),
                        np.exp(RNG.uniform(-700, 0, 1000)), [0.0, 1 - 2**-53, 0.5]])
    got = ag.erfinv(x).numpy()
    assert max_relative_error(got, torch.erfinv(t64(x)).numpy(), floor=1e-300) < 1e-15
    # erf(erfinv(x)) = x, and near 1 in erfc's terms: erfc(erfinv(x)) = 1 - x
    np.testing.assert_allclose(ag.erf(got).numpy(), x, rtol=2e-15, atol=0)
    high = x > 0.5
    np.testing.assert_allclose(ag.erfc(got[high]).numpy(), 1 - x[high], rtol=2e-14)
    np.testing.assert_array_equal(ag.erfinv([1.0, -1.0]).numpy(), [np.inf, -np.inf])
    assert np.all(np.isnan(ag.erfinv([1.5, -2.0, np.nan]).numpy()))


def test_lgamma_is_accurate_for_large_and_negative_x():
    x = np.concatenate([RNG.uniform(1e-3, 30, 5000), np.exp(RNG.uniform(-20, 690, 2000)),
                        RNG.uniform(-40, 0, 5000), np.linspace(0.5, 3.0, 2001)])
    x = x[x != np.round(x)]
    expected = np.array([math.lgamma(t) for t in x])
    got = ag.lgamma(x).numpy()
    away = np.abs(expected) > 0.1   # relative error: away from the zeros of lgamma
    assert max_relative_error(got[away], expected[away]) < 2e-14
    np.testing.assert_allclose(got[~away], expected[~away], rtol=0, atol=3e-15)
    np.testing.assert_allclose(got, torch.lgamma(t64(x)).numpy(), rtol=2e-14, atol=3e-15)
    assert float(ag.lgamma(1.0)) == 0.0 and float(ag.lgamma(2.0)) == 0.0
    assert float(ag.gammaln(np.float64(0.5))) == pytest.approx(math.log(math.sqrt(math.pi)),
                                                                rel=1e-15)
    np.testing.assert_array_equal(ag.lgamma([0.0, -1.0, -7.0, np.inf, -np.inf]).numpy(),
                                  np.full(5, np.inf))


def trigamma_series(x):
    """psi'(x) = sum over k >= 0 of 1/(x + k)**2, its tail by Euler-Maclaurin (x > 0)."""
    n = 2000
    big = x + n
    head = np.sum(1 / (x[:, None] + np.arange(n)) ** 2, axis=1)
    return head + 1 / big + 0.5 / big**2 + 1 / (6 * big**3)


def test_digamma_and_polygamma_are_accurate():
    pos = np.concatenate([RNG.uniform(1e-3, 30, 3000), np.exp(RNG.uniform(-10, 100, 1000))])
    neg = RNG.uniform(-30, 0, 3000)
    neg = neg[neg != np.round(neg)]
    for x, rtol in ((pos, 1e-14), (neg, 1e-12)):   # PyTorch's own error below 0: 3e-13
        expected = torch.digamma(t64(x)).numpy()
        got = ag.digamma(x).numpy()
        away = np.abs(expected) > 0.1   # the zeros of digamma: absolute error there
        assert max_relative_error(got[away], expected[away]) < rtol
        np.testing.assert_allclose(got[~away], expected[~away], rtol=0, atol=3e-15)
        for n in (2, 3):   # which cross 0 below 0: an absolute tolerance there
            np.testing.assert_allclose(ag.polygamma(n, x).numpy(),
                                       torch.polygamma(n, t64(x)).numpy(), rtol=rtol, atol=1e-13)
        # PyTorch's trigamma is good to about 5e-10 (six steps of recurrence, three
        # Bernoulli terms); ours to 1e-15 against the series below
        np.testing.assert_allclose(ag.polygamma(1, x).numpy(),
                                   torch.polygamma(1, t64(x)).numpy(), rtol=1e-9)
    small = RNG.uniform(1e-3, 30, 500)
    assert max_relative_error(ag.polygamma(1, small).numpy(), trigamma_series(small)) < 2e-15
    assert float(ag.digamma(np.float64(1.0))) == pytest.approx(-0.5772156649015329, rel=1e-15)
    assert float(ag.psi(np.float64(0.5))) == pytest.approx(
        -0.5772156649015329 - 2 * math.log(2), rel=1e-15)
    # the poles, as PyTorch's
    poles = np.array([0.0, -1.0, -3.0])
    for n in (0, 1, 2):
        np.testing.assert_array_equal(ag.polygamma(n, poles).numpy(),
                                      torch.polygamma(n, t64(poles)).numpy()
                                      if n != 1 else np.full(3, np.inf))


def test_digamma_and_trigamma_below_zero_against_mpmath():
    mpmath = pytest.importorskip("mpmath")   # 15 digits where PyTorch's reflection has 12
    x = RNG.uniform(-30, 0, 600)
    x = x[x != np.round(x)]
    expected = np.array([float(mpmath.digamma(t)) for t in x])
    got = ag.digamma(x).numpy()
    away = np.abs(expected) > 0.1
    assert max_relative_error(got[away], expected[away]) < 2e-14
    np.testing.assert_allclose(got[~away], expected[~away], rtol=0, atol=3e-15)
    trigamma = np.array([float(mpmath.polygamma(1, t)) for t in x])
    assert max_relative_error(ag.polygamma(1, x).numpy(), trigamma) < 2e-15


def test_special_functions_keep_float32_and_are_methods():
    x32 = np.float32([0.3, 0.6, 1.7])
    for name in ("erfc", "erfinv", "lgamma", "digamma"):
        v = ag.Value(x32)
        y = getattr(v, name)()
        assert y.dtype == np.float32, name
        expected = getattr(torch, name)(t64(x32)).numpy()
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
        np.testing.assert_allclose(getattr(ag, name)(x32.astype(np.float64)).numpy(), expected,
                                   rtol=1e-14)
    y = ag.Value(x32).polygamma(1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), torch.polygamma(1, t64(x32)).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="polygamma: n must be a non-negative integer"):
        ag.polygamma(-1, 1.0)
    with pytest.raises(ValueError, match="polygamma: n must be a non-negative integer"):
        ag.polygamma(1.5, 1.0)


# --- special functions: derivatives ---------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_erfc_and_erfinv_derivatives(shape, seed):
    rng = np.random.default_rng(seed)
    x, u = rng.normal(size=shape) * 2, rng.uniform(-0.95, 0.95, size=shape)
    check(ag.erfc, x)
    compare_with_torch(ag.erfc, torch.erfc, x)
    check(ag.erfinv, u)
    compare_with_torch(ag.erfinv, torch.erfinv, u, rtol=1e-12)


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_lgamma_digamma_polygamma_derivatives(shape, seed):
    rng = np.random.default_rng(seed)
    # positive x, and negative x away from the poles
    magnitude = rng.integers(0, 6, size=shape) + rng.uniform(0.2, 0.8, size=shape)
    x = np.where(rng.random(size=shape) < 0.5, -magnitude, magnitude)
    check(ag.lgamma, x)
    compare_with_torch(ag.lgamma, torch.lgamma, x, rtol=1e-9)
    check(ag.digamma, x)
    # PyTorch's trigamma (digamma's derivative) is good to about 5e-10
    compare_with_torch(ag.digamma, torch.digamma, x, rtol=1e-8)
    check(lambda v: ag.polygamma(1, v), x)
    compare_with_torch(lambda v: ag.polygamma(2, v), lambda t: torch.polygamma(2, t), x,
                       rtol=1e-8, second=False)


# --- linalg ---------------------------------------------------------------------------------

QR_SHAPES = st.tuples(hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2),
                      st.integers(1, 4), st.integers(1, 4))


@FEW
@given(shapes=QR_SHAPES, seed=SEEDS)
def test_qr_is_numpys_and_torchs_and_differentiable(shapes, seed):
    batch, m, n = shapes
    A = np.random.default_rng(seed).normal(size=batch + (m, n))
    Q, R = ag.linalg.qr(A)
    tQ, tR = torch.linalg.qr(t64(A))
    np.testing.assert_allclose(Q.numpy(), tQ.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(R.numpy(), tR.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Q.numpy() @ R.numpy(), A, atol=1e-12)
    np.testing.assert_allclose(R.numpy(), np.triu(R.numpy()), atol=0)
    for k in (0, 1):
        def f(a, k=k):
            return ag.linalg.qr(a)[k]
        check(f, A)
        compare_with_torch(f, lambda t, k=k: torch.linalg.qr(t)[k], A, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("m, n", [(4, 2), (3, 3), (2, 4)])
def test_qr_modes(m, n):
    A = np.random.default_rng(m * 10 + n).normal(size=(m, n))
    Q, R = ag.linalg.qr(A, mode="complete")
    nQ, nR = np.linalg.qr(A, mode="complete")
    np.testing.assert_array_equal(Q.numpy(), nQ)
    np.testing.assert_array_equal(R.numpy(), nR)
    empty, R_only = ag.linalg.qr(A, mode="r")
    assert empty.shape == (0,)
    np.testing.assert_array_equal(R_only.numpy(), np.linalg.qr(A, mode="r"))
    if m > n:  # Q's last columns are not determined by A
        v = ag.Value(A)
        with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
            ag.linalg.qr(v, mode="complete").Q.sum().backward()
    else:  # the same as the reduced QR: differentiable
        compare_with_torch(lambda a: ag.linalg.qr(a, mode="complete").R,
                           lambda t: torch.linalg.qr(t, mode="complete").R, A, rtol=1e-8)
    # R alone is differentiable too (PyTorch's is not in mode "r")
    compare_with_torch(lambda a: ag.linalg.qr(a, mode="r").R, lambda t: torch.linalg.qr(t).R, A,
                       rtol=1e-8, second=False)
    with pytest.raises(ValueError, match="mode must be 'reduced', 'complete' or 'r'"):
        ag.linalg.qr(A, mode="full")
    with pytest.raises(ValueError, match="linalg.qr: expected matrices"):
        ag.linalg.qr(np.zeros(3))


@pytest.fixture
def qr_calls(monkeypatch):
    """How many times np.linalg.qr runs (a list of the modes it ran in)."""
    calls, qr = [], np.linalg.qr

    def counted(a, mode="reduced"):
        calls.append(mode)
        return qr(a, mode=mode)

    monkeypatch.setattr(np.linalg, "qr", counted)
    return calls


@pytest.mark.parametrize("shape", [(4, 2), (3, 3), (2, 4), (2, 4, 3), (3, 2, 5)])
@pytest.mark.parametrize("use", ["Q", "R", "both"])
def test_qr_decomposes_once_per_call(qr_calls, shape, use):
    A = np.random.default_rng(sum(shape)).normal(size=shape)

    def loss(a):
        Q, R = ag.linalg.qr(a)
        w = ag.constant(np.linspace(0.5, 1.5, Q.size).reshape(Q.shape))
        terms = {"Q": [(Q * w).sum()], "R": [(R * R).sum()]}
        return sum(terms["Q"] + terms["R"]) if use == "both" else terms[use][0]

    x = ag.Value(A)
    (g,) = ag.gradients(loss(x), [x], create_graph=True)
    v = np.random.default_rng(1).uniform(-1, 1, A.shape)
    (h,) = ag.gradients((g * v).sum(), [x])                    # a Hessian-vector product
    assert qr_calls == ["reduced"]      # forward, backward and the backward's backward
    qr_calls.clear()
    # the same numbers as PyTorch's, which decomposes in its forward only
    t = torch.tensor(A, requires_grad=True)
    tQ, tR = torch.linalg.qr(t)
    tw = torch.tensor(np.linspace(0.5, 1.5, tQ.numel()).reshape(tQ.shape))
    t_terms = {"Q": (tQ * tw).sum(), "R": (tR * tR).sum()}
    t_loss = t_terms["Q"] + t_terms["R"] if use == "both" else t_terms[use]
    (tg,) = torch.autograd.grad(t_loss, t, create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-8, atol=1e-10)
    assert qr_calls == []


@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_modes_decompose_once_with_numpys_factors_for_batches(qr_calls, mode):
    A = np.random.default_rng(3).normal(size=(2, 3, 3, 2))   # a batch of tall matrices
    wide = A.swapaxes(-1, -2)
    Q, R = ag.linalg.qr(ag.Value(wide), mode=mode)
    R.sum().backward()
    assert len(qr_calls) == 1           # mode "r" asks LAPACK for Q too: R's backward needs it
    for a in (A, wide):
        qr_calls.clear()
        Q, R = ag.linalg.qr(a, mode=mode)
        assert len(qr_calls) == 1
        expected = torch.linalg.qr(t64(a), mode=mode)
        if mode == "r":
            assert Q.shape == (0,)
            np.testing.assert_allclose(R.numpy(), expected.R.numpy(), rtol=1e-12, atol=1e-14)
        else:
            np.testing.assert_allclose(Q.numpy(), expected.Q.numpy(), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(R.numpy(), expected.R.numpy(), rtol=1e-12, atol=1e-14)
    # the complete Q of a tall batch is square: its last columns are not determined by A
    Q, R = ag.linalg.qr(A, mode="complete")
    assert Q.shape == (2, 3, 3, 3) and R.shape == (2, 3, 3, 2)


def test_qr_outputs_changed_in_place_do_not_reach_the_other_factors_backward():
    A = np.random.default_rng(4).normal(size=(4, 3))
    expected = ag.Value(A)
    ag.linalg.qr(expected).R.sum().backward()
    x = ag.Value(A)
    Q, R = ag.linalg.qr(x)
    with ag.no_grad():
        Q *= 2.0        # R's backward keeps its own Q
    R.sum().backward()
    np.testing.assert_array_equal(x.grad, expected.grad)
    with pytest.raises(RuntimeError, match="changed in place"):
        Q.sum().backward()


@FEW
@given(batch=hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2),
       n=st.integers(1, 4), k=st.integers(1, 3), upper=st.booleans(), left=st.booleans(),
       unit=st.booleans(), seed=SEEDS)
def test_solve_triangular_is_torchs(batch, n, k, upper, left, unit, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=batch + (n, n)) + 3 * np.eye(n)
    B = rng.normal(size=batch + ((n, k) if left else (k, n)))

    def f(a, b):
        return ag.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)

    def t_f(a, b):
        return torch.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
    T = np.triu(A) if upper else np.tril(A)
    if unit:
        T = T * (1 - np.eye(n)) + np.eye(n)
    X = f(A, B).numpy()
    np.testing.assert_allclose(T @ X if left else X @ T, B, atol=1e-10)
    compare_with_torch(f, t_f, A, B, rtol=1e-9, atol=1e-11)
    check(f, A, B)


def test_solve_triangular_errors():
    with pytest.raises(ValueError, match="A must be square matrices"):
        ag.linalg.solve_triangular(np.zeros((2, 3)), np.zeros((2, 1)), upper=True)
    with pytest.raises(ValueError, match="B must be matrices"):
        ag.linalg.solve_triangular(np.eye(2), np.zeros(2), upper=True)


@FEW
@given(batch=hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=3),
       m=st.integers(1, 5), n=st.integers(1, 5), r=st.integers(0, 5), seed=SEEDS)
def test_matrix_rank_is_numpys_and_torchs(batch, m, n, r, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=batch + (m, r)) @ rng.normal(size=batch + (r, n))
    rank = ag.linalg.matrix_rank(A)
    assert rank.dtype == np.int64 and not rank.requires_grad
    np.testing.assert_array_equal(rank.numpy(), np.linalg.matrix_rank(A))
    np.testing.assert_array_equal(rank.numpy(), torch.linalg.matrix_rank(t64(A)).numpy())
    np.testing.assert_array_equal(ag.linalg.matrix_rank(A, 0.5).numpy(),
                                  np.linalg.matrix_rank(A, 0.5))
    for atol, rtol in ((0.5, None), (None, 0.3), (0.5, 0.3)):
        np.testing.assert_array_equal(
            ag.linalg.matrix_rank(A, atol=atol, rtol=rtol).numpy(),
            torch.linalg.matrix_rank(t64(A), atol=atol, rtol=rtol).numpy())
    S = A @ A.swapaxes(-1, -2)
    np.testing.assert_array_equal(ag.linalg.matrix_rank(S, hermitian=True).numpy(),
                                  np.linalg.matrix_rank(S, hermitian=True))
    assert int(ag.linalg.matrix_rank(np.zeros(3))) == np.linalg.matrix_rank(np.zeros(3)) == 0
    with pytest.raises(TypeError, match="pass tol .numpy's. or atol/rtol .PyTorch's., not both"):
        ag.linalg.matrix_rank(A, 0.5, atol=0.1)


@FEW
@given(batch=hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2),
       n=st.integers(1, 4), p=st.sampled_from([None, 2, -2, "fro", "nuc", 1, -1, np.inf,
                                               -np.inf]), seed=SEEDS)
def test_cond_is_numpys_and_torchs(batch, n, p, seed):
    A = np.random.default_rng(seed).normal(size=batch + (n, n)) + 2 * np.eye(n)
    got = ag.linalg.cond(A, p)
    np.testing.assert_allclose(got.numpy(), np.linalg.cond(A, p), rtol=1e-10)
    np.testing.assert_allclose(got.numpy(), torch.linalg.cond(t64(A), p).numpy(), rtol=1e-10)
    if p in (None, 2, -2):
        compare_with_torch(lambda a: ag.linalg.cond(a, p), lambda t: torch.linalg.cond(t, p),
                           A, rtol=1e-6, atol=1e-9)
    else:  # PyTorch's cond fails its own backward for these p (an in-place inverse); the
        # same composition
        compare_with_torch(lambda a: ag.linalg.cond(a, p),
                           lambda t: torch.linalg.matrix_norm(t, p)
                           * torch.linalg.matrix_norm(torch.linalg.inv(t), p), A, rtol=1e-6,
                           atol=1e-9, second=False)
    ag.gradcheck(lambda a: ag.linalg.cond(a, p), [A])


def test_cond_of_a_rectangular_matrix_and_errors():
    A = np.random.default_rng(5).normal(size=(4, 2))
    np.testing.assert_allclose(ag.linalg.cond(A).numpy(), np.linalg.cond(A), rtol=1e-12)
    check(ag.linalg.cond, A)
    with pytest.raises(ValueError, match="needs square matrices"):
        ag.linalg.cond(A, "fro")
    with pytest.raises(ValueError, match="p must be None, 2, -2"):
        ag.linalg.cond(np.eye(2), 3)


@FEW
@given(dims=st.lists(st.integers(1, 4), min_size=3, max_size=5), first_vector=st.booleans(),
       last_vector=st.booleans(), seed=SEEDS)
def test_multi_dot_is_numpys_and_torchs(dims, first_vector, last_vector, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=(dims[k], dims[k + 1])) for k in range(len(dims) - 1)]
    if first_vector:
        arrays[0] = arrays[0][0]
    if last_vector:
        arrays[-1] = arrays[-1][:, 0]
    got = ag.linalg.multi_dot(arrays)
    np.testing.assert_allclose(got.numpy(), np.linalg.multi_dot(arrays), rtol=1e-12)

    def f(*xs):
        return ag.linalg.multi_dot(xs)
    compare_with_torch(f, lambda *ts: torch.linalg.multi_dot(ts), *arrays)
    ag.gradcheck(f, arrays)
    with pytest.raises(ValueError, match="at least two arrays"):
        ag.linalg.multi_dot(arrays[:1])
    with pytest.raises(ValueError, match="array 1 must be 2-D"):
        ag.linalg.multi_dot([arrays[0], np.ones(3), np.ones((3, 2))])


@FEW
@given(batch=hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2),
       n=st.integers(1, 4), scale=st.sampled_from([0.1, 1.0, 4.0]), seed=SEEDS)
def test_matrix_exp_is_torchs_and_differentiable(batch, n, scale, seed):
    A = np.random.default_rng(seed).normal(size=batch + (n, n)) * scale
    got = ag.linalg.matrix_exp(A).numpy()
    expected = torch.linalg.matrix_exp(t64(A)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13 * np.abs(expected).max())
    compare_with_torch(ag.linalg.matrix_exp, torch.linalg.matrix_exp, A / scale, rtol=1e-9,
                       atol=1e-11)
    check(ag.linalg.matrix_exp, A / scale)


def test_matrix_exp_of_large_matrices_and_errors():
    A = np.random.default_rng(7).normal(size=(5, 5)) * 30
    expected = torch.linalg.matrix_exp(t64(A)).numpy()
    np.testing.assert_allclose(ag.linalg.matrix_exp(A).numpy(), expected, rtol=1e-11,
                               atol=1e-12 * np.abs(expected).max())
    assert ag.linalg.matrix_exp(np.float32([[0.0]])).dtype == np.float32
    with pytest.raises(ValueError, match="matrix_exp: expected square matrices"):
        ag.linalg.matrix_exp(np.zeros((2, 3)))


@given(shape=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), p=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1))
def test_mvlgamma_matches_pytorch_with_its_derivatives(shape, p, seed):
    torch = pytest.importorskip("torch")
    x = (p - 1) / 2 + np.random.default_rng(seed).uniform(0.2, 4.0, shape)
    compare_with_torch(lambda v: ag.mvlgamma(v, p), lambda t: torch.mvlgamma(t, p), x,
                       seed=seed, rtol=1e-10)
    check_second_order(lambda v: ag.mvlgamma(v, p), x, seed=seed)
    np.testing.assert_allclose(ag.special.multigammaln(x, p).data,
                               torch.special.multigammaln(torch.tensor(x), p).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(ag.Value(x).mvlgamma(p).data, ag.mvlgamma(x, p).data)


def test_mvlgamma_refuses_what_pytorch_refuses():
    with pytest.raises(ValueError, match=r"mvlgamma: all elements must be greater than "
                                         r"\(p - 1\) / 2 = 1.0"):
        ag.mvlgamma(np.array([1.5, 1.0]), 3)
    with pytest.raises(ValueError, match="mvlgamma: p must be a positive integer, got 0"):
        ag.mvlgamma(2.0, 0)
