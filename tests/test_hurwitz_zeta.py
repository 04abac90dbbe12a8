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
    np.testing.assert_array_equal(ag.special.zeta(x, q).data,
                                  [np.inf, np.nan, np.inf, np.inf, np.nan, np.nan, 1.0])
    torch = pytest.importorskip("torch")
    same = [0, 1, 2, 3, 5, 6]   # PyTorch (Cephes) sums q = -0.5 for an integer x; we do not
    np.testing.assert_array_equal(
        ag.special.zeta(x[same], q[same]).data,
        torch.special.zeta(torch.tensor(x[same]), torch.tensor(q[same])).numpy())


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
