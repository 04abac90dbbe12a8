"""The normal distribution's ndtr, log_ndtr, ndtri (and TensorFlow's erfcinv), and erfcx,
entr, xlog1py: values against mpmath (installed with torch) far into the tails, first and
second derivatives against PyTorch and central differences over hypothesis shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def _mpmath(digits):
    mpmath = pytest.importorskip("mpmath", reason="mpmath (installed with torch) gives the "
                                                  "reference values")
    mpmath.mp.dps = digits
    return mpmath


def _relative(got, want):
    want = float(want)
    return abs(float(got) - want) / abs(want) if want != 0 else abs(float(got))


def test_ndtr_and_log_ndtr_match_mpmath_in_the_tails():
    mpmath = _mpmath(50)
    for x in (-1e5, -300.0, -40.0, -38.0, -20.0, -5.0, -1.5, -1.0, -0.5, 0.0, 0.3, 1.0, 3.0,
              8.0, 30.0):
        log_cdf = mpmath.log(mpmath.ncdf(x))
        assert _relative(ag.special.log_ndtr(np.float64(x)).data, log_cdf) < 1e-14, x
        if float(mpmath.ncdf(x)) > 0:   # below -38.5 Phi underflows: log_ndtr is the one
            assert _relative(ag.special.ndtr(np.float64(x)).data, mpmath.ncdf(x)) < 2e-14, x
    # log(1 - Phi(-30)) keeps Phi(-30) = 4.9e-198 (log(Phi(30)) would round to 0)
    assert float(ag.special.log_ndtr(np.float64(30.0))) == pytest.approx(
        -float(mpmath.ncdf(-30.0)), rel=1e-14)


def test_ndtri_matches_mpmath_to_the_smallest_p():
    mpmath = _mpmath(700)   # 2 p - 1 must keep p = 1e-300's digits
    for p in (1e-300, 1e-100, 1e-20, 1e-5, 0.01, 0.02, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999999,
              1 - 1e-12):
        want = mpmath.sqrt(2) * mpmath.erfinv(2 * mpmath.mpf(p) - 1)
        assert _relative(ag.special.ndtri(np.float64(p)).data, want) < 1e-15, p
    np.testing.assert_array_equal(ag.special.ndtri(np.array([0.0, 1.0, -0.1, 1.1, np.nan])).data,
                                  [-np.inf, np.inf, np.nan, np.nan, np.nan])


def test_erfcx_matches_mpmath():
    mpmath = _mpmath(50)
    for x in (-26.0, -5.0, -0.3, 0.0, 0.3, 0.46875, 2.0, 4.0, 5.0, 30.0, 1e10):
        want = mpmath.exp(mpmath.mpf(x) ** 2) * mpmath.erfc(x)
        assert _relative(ag.special.erfcx(np.float64(x)).data, want) < 1e-15, x
    np.testing.assert_array_equal(ag.special.erfcx(np.array([-27.0, -np.inf, np.inf])).data,
                                  [np.inf, np.inf, 0.0])


def test_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([-np.inf, -1e5, -40.0, 0.0, 40.0, np.inf, np.nan])
    for ours, theirs in ((ag.special.ndtr, torch.special.ndtr),
                         (ag.special.log_ndtr, torch.special.log_ndtr),
                         (ag.special.erfcx, torch.special.erfcx)):
        np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).numpy(), rtol=1e-15)
    e = np.array([0.0, 0.5, -1.0, np.inf, np.nan])
    np.testing.assert_array_equal(ag.special.entr(e).data, torch.special.entr(torch.tensor(e)))


@settings(deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_unary_derivatives(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=shape)
    near = rng.uniform(-3.0, 5.0, shape)       # erfcx grows as exp(x**2) below 0
    p = rng.uniform(0.01, 0.99, shape)
    positive = rng.uniform(0.1, 3.0, shape)
    cases = [(ag.special.ndtr, "ndtr", x), (ag.special.log_ndtr, "log_ndtr", x),
             (ag.special.erfcx, "erfcx", near), (ag.special.ndtri, "ndtri", p),
             (ag.special.entr, "entr", positive)]
    for f, _, a in cases:
        ag.gradcheck(f, (a,))
        check_second_order(f, a, seed=seed)
    torch = pytest.importorskip("torch")
    for f, name, a in cases:
        compare_with_torch(f, getattr(torch.special, name), a, seed=seed, rtol=1e-10)


@settings(deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_xlog1py_over_broadcast_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shapes.input_shapes[0])
    y = rng.uniform(-0.9, 3.0, shapes.input_shapes[1])
    np.testing.assert_allclose(ag.special.xlog1py(x, y).data, x * np.log1p(y), rtol=1e-14)
    ag.gradcheck(ag.special.xlog1py, (x, y))
    check_second_order(ag.special.xlog1py, x, y, seed=seed)
    torch = pytest.importorskip("torch")
    compare_with_torch(ag.special.xlog1py, torch.special.xlog1py, x, y, seed=seed)


def test_xlog1py_is_zero_where_x_is():
    x, y = ag.Value(np.array([0.0, 0.0])), ag.Value(np.array([-1.0, 3.0]))
    out = ag.special.xlog1py(x, y)
    np.testing.assert_array_equal(out.data, [0.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, np.log(4.0)])   # 0 at y = -1, as PyTorch's
    np.testing.assert_array_equal(y.grad, [0.0, 0.0])           # (PyTorch's: NaN at y = -1)
    with np.errstate(divide="ignore"):   # numpy's own warning for log1p(-1)
        assert float(ag.special.xlog1py(np.float64(2.0), np.float64(-1.0))) == -np.inf


def test_log_ndtr_gradient_stays_finite_far_out():
    """The density over the CDF: -x for very negative x, 0 for large x, never 0/0."""
    x = ag.Value(np.array([-1e4, -40.0, 40.0, 1e4]))
    ag.special.log_ndtr(x).sum().backward()
    np.testing.assert_allclose(x.grad, [1e4, 40.0247, 0.0, 0.0], rtol=1e-5)


def test_ndtri_inverts_ndtr_and_erfcinv_inverts_erfc():
    p = np.array([1e-12, 0.001, 0.3, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(ag.special.ndtr(ag.special.ndtri(p)).data, p, rtol=1e-14)
    y = np.array([1e-300, 1e-10, 0.5, 1.0, 1.7])
    # erfc's relative slope is 2u = 52 at u = 26: 1e-16 in u is 1e-13 in erfc(u)
    np.testing.assert_allclose(ag.erfc(ag.math.erfcinv(y)).data, y, rtol=1e-12)
    np.testing.assert_array_equal(ag.math.erfcinv(np.array([0.0, 2.0])).data, [np.inf, -np.inf])


def test_names_dtypes_and_documentation_examples():
    assert ag.special.ndtr is ag.ndtr and ag.math.ndtri is ag.ndtri
    assert ag.special.xlog1py is ag.xlog1py and ag.special.erfcx is ag.erfcx
    x32 = np.array([-1.0, 0.5], np.float32)
    for f in (ag.special.ndtr, ag.special.log_ndtr, ag.special.erfcx, ag.special.entr):
        assert f(x32).dtype == np.float32
    assert ag.special.ndtri(np.array([0.1, 0.5], np.float32)).dtype == np.float32
    assert ag.special.ndtr(np.array([0, 1])).dtype == ag.get_default_dtype()
    # scipy.special.ndtri's example: the 0.975 quantile
    assert float(ag.special.ndtri(np.float64(0.975))) == pytest.approx(1.959963984540054,
                                                                       rel=1e-15)
