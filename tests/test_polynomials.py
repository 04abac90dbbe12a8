"""``torch.special``'s orthogonal polynomials: values against PyTorch over hypothesis shapes
with broadcasting, against closed forms, and derivatives (which PyTorch does not give)
against the polynomials' own derivative identities and central differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.ops import polynomials
from derivatives import check_second_order

SEEDS = st.integers(0, 2**32 - 1)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
NAMES = polynomials.__all__


@pytest.mark.parametrize("name", NAMES)
@settings(deadline=None, max_examples=25)
@given(shapes=PAIRS, seed=SEEDS)
def test_values_match_pytorch_and_derivatives_central_differences(name, shapes, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.2, 1.2, shapes.input_shapes[0])
    n = rng.integers(-1, 8, shapes.input_shapes[1]).astype(np.float64)
    f = getattr(ag.special, name)
    ag.gradcheck(lambda v: f(v, n), (x,))
    check_second_order(lambda v: f(v, n), x, seed=seed)
    torch = pytest.importorskip("torch")
    expected = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    np.testing.assert_allclose(f(x, n).data, expected, rtol=1e-12, atol=1e-12)


def test_closed_forms():
    t = np.linspace(0.1, 3.0, 7)
    for n in range(6):
        np.testing.assert_allclose(ag.special.chebyshev_polynomial_t(np.cos(t), n).data,
                                   np.cos(n * t), atol=1e-13)
        np.testing.assert_allclose(ag.special.chebyshev_polynomial_u(np.cos(t), n).data,
                                   np.sin((n + 1) * t) / np.sin(t), atol=1e-12)
        np.testing.assert_allclose(ag.special.legendre_polynomial_p(np.float64(1.0), n).data,
                                   1.0)
    x = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(ag.special.hermite_polynomial_h(x, 3).data, 8 * x**3 - 12 * x)
    np.testing.assert_allclose(ag.special.hermite_polynomial_he(x, 3).data, x**3 - 3 * x)
    np.testing.assert_allclose(ag.special.laguerre_polynomial_l(x, 2).data,
                               (x**2 - 4 * x + 2) / 2)


def test_derivatives_follow_the_identities():
    """H_n' = 2n H_(n-1), He_n' = n He_(n-1), T_n' = n U_(n-1): the recurrence's graph
    differentiates to them."""
    x = np.linspace(-1.5, 1.5, 7)
    for n in range(1, 7):
        for f, derivative in ((ag.special.hermite_polynomial_h,
                               lambda: 2 * n * ag.special.hermite_polynomial_h(x, n - 1).data),
                              (ag.special.hermite_polynomial_he,
                               lambda: n * ag.special.hermite_polynomial_he(x, n - 1).data),
                              (ag.special.chebyshev_polynomial_t,
                               lambda: n * ag.special.chebyshev_polynomial_u(x, n - 1).data)):
            v = ag.Value(x)
            f(v, n).sum().backward()
            np.testing.assert_allclose(v.grad, derivative(), rtol=1e-12, atol=1e-12)


def test_degrees_as_pytorch_takes_them():
    x = np.array([0.3, 0.3, 0.3])
    np.testing.assert_array_equal(ag.special.chebyshev_polynomial_t(x, [-1, 0, 2.9]).data,
                                  [0.0, 1.0, 2 * 0.09 - 1])   # negative: 0; 2.9 is 2
    with pytest.raises(TypeError, match="chebyshev_polynomial_t: n must be integers"):
        ag.special.chebyshev_polynomial_t(x, np.array(["a"]))
    with pytest.raises(ValueError, match="broadcast"):
        ag.special.legendre_polynomial_p(np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="hermite_polynomial_h"):
        ag.special.hermite_polynomial_h("x", 2)


def test_dtypes_names_and_empty():
    assert ag.special.chebyshev_polynomial_t is ag.chebyshev_polynomial_t
    assert ag.special.legendre_polynomial_p(np.float32(0.5), 3).dtype == np.float32
    assert ag.special.hermite_polynomial_h(np.array([1, 2]), 2).dtype == ag.get_default_dtype()
    assert ag.special.laguerre_polynomial_l(np.zeros((0, 2)), 3).shape == (0, 2)
