"""The regularized incomplete gamma functions igamma = P(a, x) and igammac = Q(a, x).

Values against mpmath at 40 digits (installed with torch) and against PyTorch; first
derivatives against central differences over hypothesis shapes with broadcasting, second
derivatives (as Hessian-vector products) against central differences of the first, and
the x-derivatives to second order against PyTorch (PyTorch has no derivative in a);
derivatives in a to third order against mpmath's.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.ops import incomplete_gamma
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)

# Points over both methods (the series where x <= max(a, 1), the continued fraction
# elsewhere), near the diagonal a = x where both converge slowest, and where Q is tiny.
POINTS = [(0.001, 0.001), (0.01, 0.02), (0.5, 0.3), (0.5, 3.0), (1.0, 1.0), (1.0, 50.0),
          (2.5, 0.01), (5.0, 3.0), (3.0, 30.0), (10.0, 10.5), (21.97, 15.67), (20.73, 26.76),
          (71.8, 50.8), (150.0, 160.0), (500.0, 480.0), (1000.0, 1001.0), (0.003, 15.5),
          (15.0, 0.22), (800.0, 900.0)]


def _positive(rng, shape, lo, hi):
    """Log-uniform numbers in [lo, hi]."""
    return np.exp(rng.uniform(np.log(lo), np.log(hi), shape))


def test_values_match_mpmath():
    mpmath = pytest.importorskip("mpmath", reason="mpmath (installed with torch) gives the "
                                                  "reference values")
    mpmath.mp.dps = 40
    a, x = (np.array(column) for column in zip(*POINTS))
    p, q = ag.igamma(a, x).data, ag.igammac(a, x).data
    for k, (s, t) in enumerate(POINTS):
        want_p = float(mpmath.gammainc(s, 0, t, regularized=True))
        want_q = float(mpmath.gammainc(s, t, mpmath.inf, regularized=True))
        # a * log(x) - lgamma(a) loses about a * 1e-16 of relative accuracy for large a
        rtol = max(1e-14, 2e-15 * s)
        # The method computes one of them; the other is 1 minus it, to 1e-16 absolute.
        by_series = t <= max(s, 1)
        np.testing.assert_allclose(p[k], want_p, rtol=rtol, atol=0 if by_series else 1e-15,
                                   err_msg=f"P({s}, {t})")
        np.testing.assert_allclose(q[k], want_q, rtol=rtol, atol=1e-15 if by_series else 0,
                                   err_msg=f"Q({s}, {t})")


def test_values_match_pytorch_over_a_wide_range():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, x = _positive(rng, 4000, 1e-3, 1e3), _positive(rng, 4000, 1e-3, 1e3)
    diagonal = _positive(rng, 1000, 1.0, 1e3)
    a, x = np.concatenate([a, diagonal]), np.concatenate([x, diagonal * rng.uniform(0.9, 1.1,
                                                                                    1000)])
    ta, tx = torch.tensor(a), torch.tensor(x)
    # PyTorch's float64 (Cephes, with Temme's expansion for a > 20 near the diagonal) is
    # itself off by up to 2e-9 there (against mpmath: see the test above); ours by 1e-13.
    np.testing.assert_allclose(ag.igamma(a, x).data, torch.igamma(ta, tx).numpy(),
                               rtol=5e-9, atol=1e-300)
    np.testing.assert_allclose(ag.igammac(a, x).data, torch.igammac(ta, tx).numpy(),
                               rtol=5e-9, atol=1e-300)


def test_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    inf, nan = np.inf, np.nan
    a = np.array([0.0, 0.0, 0.0, 1.0, -1.0, 1.0, 1.0, inf, 1.0, inf, nan, 2.0, 0.5])
    x = np.array([0.0, 1.0, inf, 0.0, 1.0, -1.0, inf, 1.0, 1e-300, inf, 1.0, nan, 0.0])
    for ours, theirs in ((ag.igamma, torch.igamma), (ag.igammac, torch.igammac)):
        np.testing.assert_array_equal(ours(a, x).data,
                                      theirs(torch.tensor(a), torch.tensor(x)).numpy())


def test_derivative_in_a_matches_mpmath_to_the_third_order():
    mpmath = pytest.importorskip("mpmath", reason="mpmath (installed with torch) gives the "
                                                  "reference derivatives")
    mpmath.mp.dps = 40
    a, x = (np.array(column) for column in zip(*POINTS))
    # measured: below 1e-12, 3e-12 and 5e-9 (the third at a = 0.001, whose Taylor terms
    # 1 / (a + n)**4 reach 1e12 and cancel), 1e-12 at most elsewhere
    for k, rtol in ((1, 1e-11), (2, 1e-11), (3, 2e-8)):
        ours = incomplete_gamma._derivative_in_a(k, a, x)
        for i, (s, t) in enumerate(POINTS):
            want = float(mpmath.diff(lambda u: mpmath.gammainc(u, 0, t, regularized=True), s, k))
            np.testing.assert_allclose(ours[i], want, rtol=rtol, atol=1e-300,
                                       err_msg=f"d^{k}P/da^{k} at a={s}, x={t}")


def test_the_recorded_derivatives_reach_the_third_order():
    a = ag.Value(np.array([0.7, 3.0, 12.0]))
    x = np.array([2.0, 1.5, 14.0])
    (g1,) = ag.gradients(ag.igamma(a, x).sum(), [a], create_graph=True)
    (g2,) = ag.gradients(g1.sum(), [a], create_graph=True)
    (g3,) = ag.gradients(g2.sum(), [a])
    for k, g in ((1, g1), (2, g2), (3, g3)):
        np.testing.assert_array_equal(g.data, incomplete_gamma._derivative_in_a(k, a.data, x))
    h = 1e-4
    d2 = [incomplete_gamma._derivative_in_a(2, a.data + s, x) for s in (h, -h)]
    np.testing.assert_allclose(g3.data, (d2[0] - d2[1]) / (2 * h), rtol=1e-6)


@settings(deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_gradients_over_broadcast_shapes(shapes, seed):
    """Both methods: x from 0.1 to 12 against a from 0.3 to 8."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.3, 8.0, shapes.input_shapes[0])
    x = rng.uniform(0.1, 12.0, shapes.input_shapes[1])
    for f in (ag.igamma, ag.igammac):
        ag.gradcheck(f, (a, x))
        check_second_order(f, a, x, seed=seed)


@settings(deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_x_derivatives_match_pytorch_to_the_second_order(shapes, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.3, 8.0, shapes.input_shapes[0])
    x = rng.uniform(0.1, 12.0, shapes.input_shapes[1])
    compare_with_torch(lambda t: ag.igamma(a, t), lambda t: torch.igamma(torch.tensor(a), t),
                       x, seed=seed, rtol=1e-9)
    compare_with_torch(lambda t: ag.igammac(a, t),
                       lambda t: torch.igammac(torch.tensor(a), t), x, seed=seed, rtol=1e-9)


def test_pytorch_gives_no_derivative_in_a():
    """What we add to PyTorch: it refuses, we compute (checked against mpmath above)."""
    torch = pytest.importorskip("torch")
    a = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="igamma"):
        torch.igamma(a, torch.tensor([1.0], dtype=torch.float64)).sum().backward()


def test_derivative_in_x_at_zero_is_the_density():
    """dP/dx at x = 0: 1 for a = 1 (P = 1 - exp(-x)), where PyTorch's formula gives NaN."""
    x = ag.Value(np.array([0.0, 0.0]))
    ag.igamma(np.array([1.0, 2.0]), x).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0])


def test_dtypes_names_and_methods():
    a32, x32 = np.array([0.5, 2.0], np.float32), np.array([1.0, 3.0], np.float32)
    assert ag.igamma(a32, x32).dtype == np.float32
    assert ag.igamma(np.array([1, 2]), np.array([2, 3])).dtype == ag.get_default_dtype()
    assert ag.igamma(a32, x32.astype(np.float64)).dtype == np.float64
    assert ag.special.gammainc is ag.igamma and ag.special.gammaincc is ag.igammac
    assert ag.gammainc is ag.igamma and ag.math.igammac is ag.igammac
    a = ag.Value(a32)
    np.testing.assert_array_equal(a.igamma(x32).data, ag.igamma(a32, x32).data)
    np.testing.assert_array_equal(a.igammac(x32).data, ag.igammac(a32, x32).data)
    np.testing.assert_allclose(ag.igamma(a, x32).data + ag.igammac(a, x32).data, 1, rtol=1e-6)
    b = ag.Value(a32.copy(), requires_grad=False)
    b.igamma_(x32)
    np.testing.assert_array_equal(b.data, ag.igamma(a32, x32).data)
    b = ag.Value(a32.copy(), requires_grad=False)
    b.igammac_(x32)
    np.testing.assert_array_equal(b.data, ag.igammac(a32, x32).data)
    w = ag.Variable(a32.copy())
    with pytest.raises(RuntimeError, match="igamma_: .* requires grad"):
        w.igamma_(x32)
    np.testing.assert_array_equal(w.data, a32)  # a call that raises changes nothing


def test_too_many_terms_give_nan():
    """a = 1e12 at x = a needs some 8.6 million terms; the loop stops at _MAX_TERMS."""
    p = ag.igamma(np.array([1e12, 2.0]), np.array([1e12, 1.0])).data
    assert np.isnan(p[0]) and p[1] == pytest.approx(0.2642411176571153, rel=1e-15)


def test_empty_and_scalar():
    assert ag.igamma(np.zeros((0, 2)), np.ones(2)).shape == (0, 2)
    y = ag.igamma(np.float64(1.0), np.float64(2.0))
    assert y.shape == () and float(y) == pytest.approx(1 - np.exp(-2.0), rel=1e-15)


def test_pytorch_documentation_example():
    """torch.special.gammaincc's example, renamed."""
    a1 = ag.tensor([4.0])
    a2 = ag.tensor([3.0, 4.0, 5.0])
    a = ag.special.gammaincc(a1, a2)
    np.testing.assert_allclose(a.data, [0.6472, 0.4335, 0.2650], atol=5e-5)
    b = ag.special.gammainc(a1, a2) + ag.special.gammaincc(a1, a2)
    np.testing.assert_allclose(b.data, [1.0, 1.0, 1.0], rtol=1e-6)
