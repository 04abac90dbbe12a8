"""ops._select.where, the bit-select np.where for large float arrays: the same bits, dtype
and shape as np.where, over broadcast shapes, both float dtypes, scalars and special values
(NaN, infinities, -0.0, subnormals), on both sides of its size threshold."""

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
