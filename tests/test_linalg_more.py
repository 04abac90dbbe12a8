"""``ag.linalg``'s vecdot, vander, tensorinv, tensorsolve and PyTorch's inv_ex, cholesky_ex,
solve_ex: against numpy and PyTorch (values, first and second derivatives) and central
differences over hypothesis shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3)


@settings(deadline=None)
@given(shapes=PAIRS, seed=SEEDS)
def test_vecdot_over_broadcast_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    x, y = (rng.normal(size=s) for s in shapes.input_shapes)
    np.testing.assert_allclose(ag.linalg.vecdot(x, y).data, np.sum(x * y, axis=-1),
                               rtol=1e-12, atol=1e-12)
    ag.gradcheck(ag.linalg.vecdot, (x, y))
    check_second_order(ag.linalg.vecdot, x, y, seed=seed)
    torch = pytest.importorskip("torch")
    compare_with_torch(ag.linalg.vecdot, torch.linalg.vecdot, x, y, seed=seed)


def test_vecdot_axis_names():
    x, y = np.arange(6.0).reshape(2, 3), np.ones((2, 1))
    np.testing.assert_array_equal(ag.linalg.vecdot(x, y, dim=0).data, [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(ag.linalg.vecdot(x, y, axis=0).data, [3.0, 5.0, 7.0])
    if hasattr(np.linalg, "vecdot"):   # numpy 2
        np.testing.assert_array_equal(ag.linalg.vecdot(x, np.ones(3)).data,
                                      np.linalg.vecdot(x, np.ones(3)))
    with pytest.raises(TypeError, match="not both"):
        ag.linalg.vecdot(x, y, dim=0, axis=0)
    with pytest.raises(ValueError, match=r"linalg.vecdot: axis 2 is out of range"):
        ag.linalg.vecdot(x, y, dim=2)


@settings(deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), N=st.none() | st.integers(0, 4),
       seed=SEEDS)
def test_vander_matches_pytorch(shape, N, seed):  # noqa: N803
    x = np.random.default_rng(seed).normal(size=shape)
    v = ag.linalg.vander(x, N=N)
    columns = shape[-1] if N is None else N
    np.testing.assert_allclose(v.data, x[..., None] ** np.arange(columns), rtol=1e-12)
    check_second_order(lambda a: ag.linalg.vander(a, N=N), x, seed=seed)
    torch = pytest.importorskip("torch")
    if columns > 1:   # PyTorch's refuses N < 2 (numpy's np.vander takes them, as we do)
        compare_with_torch(lambda a: ag.linalg.vander(a, N=N),
                           lambda a: torch.linalg.vander(a, N=N), x, seed=seed)


def test_vander_at_zero_has_the_derivative_of_its_powers():
    x = ag.Value(np.array([0.0, 2.0]))
    ag.linalg.vander(x).sum().backward()   # d/dx (1 + x) = 1
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_tensorinv_and_tensorsolve_match_numpy_and_pytorch():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(4, 6, 8, 3))
    inverse = ag.linalg.tensorinv(a, ind=2)
    np.testing.assert_allclose(inverse.data, np.linalg.tensorinv(a, ind=2), rtol=1e-10)
    np.testing.assert_allclose(np.tensordot(inverse.data, a, 2), np.eye(24).reshape(8, 3, 8, 3),
                               atol=1e-10)
    A, B = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 3))
    np.testing.assert_allclose(ag.linalg.tensorsolve(A, B).data, np.linalg.tensorsolve(A, B),
                               rtol=1e-10)
    A2 = rng.normal(size=(6, 2, 3))
    np.testing.assert_allclose(ag.linalg.tensorsolve(A2, B, axes=(0,)).data,
                               np.linalg.tensorsolve(A2, B, axes=(0,)), rtol=1e-10)
    check_second_order(lambda m: ag.linalg.tensorinv(m, ind=1), rng.normal(size=(4, 2, 2)))
    check_second_order(ag.linalg.tensorsolve, A, B)
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda m: ag.linalg.tensorinv(m, ind=2),
                       lambda m: torch.linalg.tensorinv(m, ind=2), a, rtol=1e-8)
    compare_with_torch(lambda m, b: ag.linalg.tensorsolve(m, b, dims=(0,)),
                       lambda m, b: torch.linalg.tensorsolve(m, b, dims=(0,)), A2, B, rtol=1e-8)
    with pytest.raises(ValueError, match=r"linalg.tensorinv: a of shape \(2, 3\) is not square"):
        ag.linalg.tensorinv(np.ones((2, 3)), ind=1)
    with pytest.raises(ValueError, match="linalg.tensorsolve: a of shape"):
        ag.linalg.tensorsolve(np.ones((2, 3, 4)), np.ones((2, 3)))


SINGULAR = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 1.0], [1.0, 3.0]]])
NOT_DEFINITE = np.array([[[1.0, 2.0], [2.0, 1.0]], [[2.0, 1.0], [1.0, 3.0]]])


def test_ex_functions_report_info_as_pytorch():
    torch = pytest.importorskip("torch")
    inverse, info = ag.linalg.inv_ex(SINGULAR)
    np.testing.assert_array_equal(info.data, torch.linalg.inv_ex(torch.tensor(SINGULAR)).info)
    assert info.dtype == np.int32 and np.isnan(inverse.data[0]).all()
    np.testing.assert_allclose(inverse.data[1], np.linalg.inv(SINGULAR[1]))
    L, info = ag.linalg.cholesky_ex(NOT_DEFINITE)
    np.testing.assert_array_equal(info.data,
                                  torch.linalg.cholesky_ex(torch.tensor(NOT_DEFINITE)).info)
    np.testing.assert_allclose(L.data[1], np.linalg.cholesky(NOT_DEFINITE[1]))
    X, info = ag.linalg.solve_ex(SINGULAR, np.ones((2, 2, 1)))
    np.testing.assert_array_equal(info.data, [2, 0])
    np.testing.assert_allclose(SINGULAR[1] @ X.data[1], np.ones((2, 1)))
    # the order of the first failing leading minor: 3 here
    A = np.diag([1.0, 2.0, -1.0, 4.0])
    assert int(ag.linalg.cholesky_ex(A).info) == int(torch.linalg.cholesky_ex(
        torch.tensor(A)).info) == 3


def test_ex_functions_check_errors_and_gradients():
    with pytest.raises(np.linalg.LinAlgError, match="linalg.inv_ex"):
        ag.linalg.inv_ex(SINGULAR, check_errors=True)
    with pytest.raises(np.linalg.LinAlgError, match="linalg.cholesky_ex"):
        ag.linalg.cholesky_ex(NOT_DEFINITE, check_errors=True)
    A = ag.Value(SINGULAR)
    inverse = ag.linalg.inv_ex(A).inverse
    ag.where(np.isnan(inverse.data), 0.0, inverse).sum().backward()
    np.testing.assert_array_equal(A.grad[0], 0)   # nothing flows back from a failed one
    Y = np.linalg.inv(SINGULAR[1])
    np.testing.assert_allclose(A.grad[1], -(Y.T @ np.ones((2, 2)) @ Y.T))
    torch = pytest.importorskip("torch")
    spd = np.array([[[2.0, 1.0], [1.0, 3.0]], [[4.0, 1.0], [1.0, 2.0]]])
    compare_with_torch(lambda a: ag.linalg.cholesky_ex(a).L,
                       lambda a: torch.linalg.cholesky_ex(a).L, spd)
    compare_with_torch(lambda a: ag.linalg.cholesky_ex(a, upper=True).L,
                       lambda a: torch.linalg.cholesky_ex(a, upper=True).L, spd)
    compare_with_torch(lambda a: ag.linalg.inv_ex(a).inverse,
                       lambda a: torch.linalg.inv_ex(a).inverse, spd)
    for left in (True, False):
        compare_with_torch(lambda a, b: ag.linalg.solve_ex(a, b, left=left).result,
                           lambda a, b: torch.linalg.solve_ex(a, b, left=left).result, spd,
                           np.random.default_rng(4).normal(size=(2, 2, 2)))


def test_cholesky_ex_jitter_idiom():
    """The Gaussian-process idiom PyTorch code uses cholesky_ex for."""
    K = np.array([[1.0, 1.0], [1.0, 1.0]]) - 1e-9 * np.eye(2)
    jitter = 1e-6
    L, info = ag.linalg.cholesky_ex(K)
    while int(info) > 0:
        K = K + jitter * np.eye(2)
        L, info = ag.linalg.cholesky_ex(K)
        jitter *= 10
    np.testing.assert_allclose(L.data @ L.data.T, K, rtol=1e-10)
