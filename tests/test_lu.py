"""The LU decomposition: ``ag.linalg.lu``, ``lu_factor``, ``lu_factor_ex``, ``lu_solve`` and
``ag.lu_unpack``, against PyTorch (factors, pivots, first and second derivatives) and
central differences, over hypothesis shapes: square, wide and tall, batched."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.lu_decomposition import lu_array
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = st.tuples(st.lists(st.integers(1, 2), max_size=2), st.integers(1, 4),
                   st.integers(1, 4)).map(lambda t: tuple(t[0]) + (t[1], t[2]))


def _reconstructed(P, L, U):
    return P @ L @ U


@settings(deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_factors_rebuild_a_and_match_pytorch(shape, seed):
    A = np.random.default_rng(seed).normal(size=shape)
    P, L, U = ag.linalg.lu(A)
    np.testing.assert_allclose(_reconstructed(P.data, L.data, U.data), A, atol=1e-12)
    k = min(shape[-2:])
    assert L.shape == shape[:-1] + (k,) and U.shape == shape[:-2] + (k, shape[-1])
    np.testing.assert_array_equal(np.triu(L.data, 1), 0)
    np.testing.assert_array_equal(np.diagonal(L.data, axis1=-2, axis2=-1), 1)
    np.testing.assert_array_equal(np.tril(U.data, -1), 0)
    torch = pytest.importorskip("torch")
    tP, tL, tU = torch.linalg.lu(torch.tensor(A))
    np.testing.assert_array_equal(P.data, tP.numpy())
    np.testing.assert_allclose(L.data, tL.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(U.data, tU.numpy(), rtol=1e-12, atol=1e-12)
    LU, pivots = ag.linalg.lu_factor(A)
    tLU, tpivots = torch.linalg.lu_factor(torch.tensor(A))
    np.testing.assert_allclose(LU.data, tLU.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(pivots.data, tpivots.numpy())
    assert pivots.dtype == np.int32


@settings(deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_derivatives_against_central_differences(shape, seed):
    A = np.random.default_rng(seed).normal(size=shape)
    # far from a tie between two pivot candidates, where P would jump
    col = np.abs(A[..., :, 0])
    assume(col.shape[-1] == 1 or np.min(np.diff(np.sort(col, axis=-1), axis=-1)) > 0.05)
    for f in (lambda a: ag.linalg.lu(a).L, lambda a: ag.linalg.lu(a).U,
              lambda a: ag.linalg.lu_factor_ex(a).LU):
        ag.gradcheck(f, (A,))
    def factors(a):   # L and U side by side, each flattened per matrix
        L, U = ag.linalg.lu(a)[1:]
        return ag.concatenate([L.reshape(shape[:-2] + (-1,)), U.reshape(shape[:-2] + (-1,))],
                              axis=-1)
    check_second_order(factors, A, seed=seed)


@settings(deadline=None)
@given(shape=SHAPES, seed=SEEDS)
def test_derivatives_match_pytorch_to_the_second_order(shape, seed):
    torch = pytest.importorskip("torch")
    A = np.random.default_rng(seed).normal(size=shape)
    for i in (1, 2):
        compare_with_torch(lambda a: ag.linalg.lu(a)[i], lambda t: torch.linalg.lu(t)[i], A,
                           seed=seed, rtol=1e-8)
    compare_with_torch(lambda a: ag.linalg.lu_factor(a).LU,
                       lambda t: torch.linalg.lu_factor(t).LU, A, seed=seed, rtol=1e-8)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_pytorch_and_solves(left, adjoint):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    A = rng.normal(size=(2, 3, 3))
    B = rng.normal(size=(2, 3, 2) if left else (2, 2, 3))
    X = ag.linalg.lu_solve(*ag.linalg.lu_factor(A), B, left=left, adjoint=adjoint).data
    M = np.swapaxes(A, -1, -2) if adjoint else A
    np.testing.assert_allclose(M @ X if left else X @ M, B, atol=1e-12)
    compare_with_torch(
        lambda a, b: ag.linalg.lu_solve(*ag.linalg.lu_factor(a), b, left=left, adjoint=adjoint),
        lambda a, b: torch.linalg.lu_solve(*torch.linalg.lu_factor(a), b, left=left,
                                           adjoint=adjoint), A, B, rtol=1e-9)


def test_lu_unpack_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for shape in ((4, 4), (2, 3, 5), (5, 3)):
        LU, pivots = torch.linalg.lu_factor(torch.tensor(rng.normal(size=shape)))
        P, L, U = ag.lu_unpack(LU.numpy(), pivots.numpy())
        tP, tL, tU = torch.lu_unpack(LU, pivots)
        np.testing.assert_array_equal(P.data, tP.numpy())
        np.testing.assert_array_equal(L.data, tL.numpy())
        np.testing.assert_array_equal(U.data, tU.numpy())
        for i in (1, 2):
            compare_with_torch(lambda lu_: ag.lu_unpack(lu_, pivots.numpy())[i],
                               lambda t: torch.lu_unpack(t, pivots)[i], LU.numpy())
    P, L, U = ag.lu_unpack(LU.numpy(), pivots.numpy(), unpack_data=False)
    assert L.shape == U.shape == (0,) and P.shape == (5, 5)


def test_singular_matrices_as_pytorch():
    A = np.array([[1.0, 2.0], [2.0, 4.0]])
    LU, pivots, info = ag.linalg.lu_factor_ex(A)
    np.testing.assert_array_equal(LU.data, [[2.0, 4.0], [0.5, 0.0]])
    np.testing.assert_array_equal(pivots.data, [2, 2])
    assert int(info) == 2 and info.dtype == np.int32
    with pytest.raises(RuntimeError, match=r"linalg.lu_factor: U\[2,2\] is zero"):
        ag.linalg.lu_factor(A)
    with pytest.raises(RuntimeError, match=r"linalg.lu_factor_ex: U\[2,2\] is zero"):
        ag.linalg.lu_factor_ex(A, check_errors=True)
    P, L, U = ag.linalg.lu(np.zeros((2, 2)))   # zero pivots: no division by zero
    np.testing.assert_array_equal(L.data, np.eye(2))
    np.testing.assert_array_equal(U.data, 0)


def test_without_pivoting():
    A = np.array([[4.0, 3.0], [6.0, 3.0]])
    P, L, U = ag.linalg.lu(A, pivot=False)
    np.testing.assert_array_equal(P.data, np.eye(2))
    np.testing.assert_allclose(L.data @ U.data, A)
    np.testing.assert_array_equal(ag.linalg.lu_factor(A, pivot=False).pivots.data, [1, 2])


def test_dtypes_shapes_and_errors():
    A32 = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    P, L, U = ag.linalg.lu(A32)
    assert P.dtype == L.dtype == U.dtype == np.float32
    assert ag.linalg.lu(np.array([[1, 2], [3, 4]])).L.dtype == ag.get_default_dtype()
    LU, pivots = ag.linalg.lu_factor(np.zeros((0, 0)))
    assert LU.shape == (0, 0) and pivots.shape == (0,)
    with pytest.raises(ValueError, match=r"linalg.lu: expected matrices \(..., m, n\), got "
                                         r"shape \(3,\)"):
        ag.linalg.lu(np.ones(3))
    with pytest.raises(ValueError, match="linalg.lu_solve: LU must be square"):
        ag.linalg.lu_solve(np.ones((2, 3)), np.array([1, 2], np.int32), np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"linalg.lu_solve: B of shape \(3, 1\) does not fit"):
        ag.linalg.lu_solve(*ag.linalg.lu_factor(A32), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"lu_unpack: pivots must lie in \[1, 2\]"):
        ag.lu_unpack(A32, np.array([3, 2], np.int32))
    with pytest.raises(ValueError, match=r"lu_unpack: pivots of shape \(1,\) do not fit"):
        ag.lu_unpack(A32, np.array([1], np.int32))


def test_scipy_documentation_example():
    """scipy.linalg.lu's example, renamed: A = P L U."""
    A = np.array([[2, 5, 8, 7], [5, 2, 2, 8], [7, 5, 6, 6], [5, 4, 4, 8]], dtype=np.float64)
    p, l, u = ag.linalg.lu(A)
    np.testing.assert_allclose(A, p.data @ l.data @ u.data, atol=1e-12)


def test_the_array_function_on_a_batch_pivots_each_matrix_on_its_own():
    A = np.stack([np.array([[0.0, 1.0], [1.0, 0.0]]), np.eye(2)])
    P, L, U, pivots = lu_array(A)
    np.testing.assert_array_equal(pivots, [[2, 2], [1, 2]])
    np.testing.assert_array_equal(P @ L @ U, A)
