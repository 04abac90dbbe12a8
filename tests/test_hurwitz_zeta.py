"""The Hurwitz zeta function ``ag.special.zeta(x, q)``: values and derivatives in x against
mpmath (installed with torch), derivatives in q against PyTorch to the second order, and
both against central differences over hypothesis shapes with broadcasting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.ops.hurwitz_zeta import _zeta_of
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
POINTS = [(2.0, 1.0), (1.5, 0.3), (3.0, 10.0), (50.0, 2.0), (1.0001, 1.0), (10.0, 1e-3),
          (2.5, 1e9), (4.0, 7.5), (1.1, 100.0), (7.0, 0.9)]


def test_values_and_x_derivatives_match_mpmath():
    mpmath = pytest.importorskip("mpmath", reason="mpmath (installed with torch) gives the "
                                                  "reference values")
    mpmath.mp.dps = 40
    x, q = (np.array(column) for column in zip(*POINTS))
    for k in (0, 1, 2):
        ours = _zeta_of(k, x, q)
        for i, (s, t) in enumerate(POINTS):
            want = float(mpmath.diff(lambda u: mpmath.zeta(u, t), s, k) if k else
                         mpmath.zeta(s, t))
            # measured: 2e-15 at most (10, 0.001)
            np.testing.assert_allclose(ours[i], want, rtol=1e-14, err_msg=f"k={k} at {s, t}")


def test_riemann_zeta_values():
    x = np.array([2.0, 4.0, 6.0])
    np.testing.assert_allclose(ag.special.zeta(x, 1.0).data,
                               [np.pi ** 2 / 6, np.pi ** 4 / 90, np.pi ** 6 / 945], rtol=1e-15)


def test_values_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = np.exp(rng.uniform(np.log(1.001), np.log(100.0), 2000))
    q = np.exp(rng.uniform(np.log(1e-3), np.log(1e10), 2000))
    np.testing.assert_allclose(ag.special.zeta(x, q).data,
                               torch.special.zeta(torch.tensor(x), torch.tensor(q)).numpy(),
                               rtol=1e-13, atol=1e-300)


def test_edges():
    x = np.array([1.0, 0.5, 2.0, 2.0, 2.0, np.nan, 200.0])
    q = np.array([1.0, 1.0, 0.0, -1.0, -0.5, 1.0, 1.0])
    expected = [np.inf, np.nan, np.inf, np.inf, np.pi ** 2 / 2 + 4, np.nan, 1.0]
    np.testing.assert_allclose(ag.special.zeta(x, q).data, expected, rtol=1e-15)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(ag.special.zeta(x, q).data,
                               torch.special.zeta(torch.tensor(x), torch.tensor(q)).numpy(),
                               rtol=1e-15)
    # a negative q that is not an integer with an x that is not: complex terms, NaN in both
    assert np.isnan(ag.special.zeta(2.5, -1.5).data)
    assert np.isnan(torch.special.zeta(torch.tensor(2.5), torch.tensor(-1.5)).item())


def _by_definition(x, q):
    """zeta(x, q) for a negative q from its definition, in mpmath's arithmetic: the m
    negative terms summed, then mpmath's zeta(x, q + m), q + m in (0, 1); and the sum of
    the terms' sizes, to which a sum of terms of both signs is good (eps times it), not
    better. (mpmath's own zeta(x, q) continues q < 0 differently once m is large.)"""
    import mpmath
    q = mpmath.mpf(q)
    m = int(mpmath.ceil(-q))
    terms = [(q + n) ** -int(x) for n in range(m)]
    rest = mpmath.zeta(int(x), q + m)
    return float(mpmath.fsum(terms) + rest), float(mpmath.fsum(map(abs, terms)) + rest)


def test_a_negative_q_with_an_integer_x_is_summed_as_cephes_does():
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(5)
    x = np.repeat([2.0, 3.0, 4.0, 7.0, 12.0], 16)
    # few negative terms, each added, and many (over 64), summed as a difference of zetas
    q = np.concatenate([-rng.uniform(0, 25, 50), [-0.5, -1.5, -1e-9, -2.999999, -1e-3, -7.25,
                                                 -0.999, -3.5, -10.5, -24.01],
                        -rng.uniform(60, 3000, 16), [-64.5, -65.5, -1e4 - 0.3, -123.456]])
    got = ag.special.zeta(x, q).data
    with mpmath.workdps(40):
        expected, bound = np.array([_by_definition(a, b) for a, b in zip(x, q)]).T
    assert np.all(np.abs(got - expected) <= 8 * np.finfo(float).eps * bound)
    torch = pytest.importorskip("torch")
    theirs = torch.special.zeta(torch.tensor(x), torch.tensor(q)).numpy()
    assert np.all(np.abs(got - theirs) <= 16 * np.finfo(float).eps * bound)
    # a million negative terms, at the cost of one: their sizes (r + j)**-x, r = 1 - s,
    # s = q + m, sum to zeta(x, r) - zeta(x, r + m) (mpmath's, at 30 digits, below)
    x, q = np.array([2.0, 3.0]), np.array([-1e6 - 0.25, -1e6 - 0.5])
    far = ag.special.zeta(x, q).data
    with mpmath.workdps(30):
        m, s = 10 ** 6 + 1, [mpmath.mpf("0.75"), mpmath.mpf("0.5")]
        sizes = [mpmath.zeta(k, 1 - t) - mpmath.zeta(k, 1 - t + m) for k, t in zip((2, 3), s)]
        expected = [float(mpmath.zeta(k, t) + (-1) ** k * z) for k, t, z in zip((2, 3), s, sizes)]
        bound = [float(mpmath.zeta(k, t) + z) for k, t, z in zip((2, 3), s, sizes)]
    assert np.all(np.abs(far - expected) <= 8 * np.finfo(float).eps * np.array(bound))


def test_a_negative_q_has_the_q_derivatives_and_no_x_derivative():
    torch = pytest.importorskip("torch")
    x = np.array([2.0, 3.0, 4.0, 5.0])
    q = np.array([-0.5, -1.25, -2.7, -3.4])  # (values of like size: one sum of differences)
    compare_with_torch(lambda t: ag.special.zeta(x, t),
                       lambda t: torch.special.zeta(torch.tensor(x), t), q, rtol=1e-9)
    check_second_order(lambda t: ag.special.zeta(x, t), q, rtol=1e-5)
    xv = ag.Variable(x)
    ag.special.zeta(xv, q).sum().backward()
    assert np.all(np.isnan(xv.grad))  # the terms are complex for x near an integer


@settings(deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_gradients_over_broadcast_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.2, 6.0, shapes.input_shapes[0])
    q = rng.uniform(0.2, 12.0, shapes.input_shapes[1])
    ag.gradcheck(ag.special.zeta, (x, q))
    check_second_order(ag.special.zeta, x, q, seed=seed)


@settings(deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_q_derivatives_match_pytorch_to_the_second_order(shapes, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.2, 6.0, shapes.input_shapes[0])
    q = rng.uniform(0.2, 12.0, shapes.input_shapes[1])
    compare_with_torch(lambda t: ag.special.zeta(x, t),
                       lambda t: torch.special.zeta(torch.tensor(x), t), q, seed=seed,
                       rtol=1e-10)


def test_pytorch_gives_no_derivative_in_x():
    """What we add: PyTorch refuses; ours is checked against mpmath above."""
    torch = pytest.importorskip("torch")
    x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        torch.special.zeta(x, torch.tensor([1.0], dtype=torch.float64)).sum().backward()


def test_names_and_dtypes():
    assert ag.special.zeta is ag.zeta
    assert ag.zeta(np.float32(2.0), np.float32(1.0)).dtype == np.float32
    assert ag.zeta(np.array([2, 3]), 1).dtype == ag.get_default_dtype()
    assert ag.zeta(np.zeros((0, 2)), np.ones(2)).shape == (0, 2)
