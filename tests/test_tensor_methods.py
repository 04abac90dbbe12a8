"""The last of PyTorch's Tensor methods and numpy's ndarray methods (ops/tensor_methods.py),
against PyTorch and numpy: results, and for unfold its first and second derivatives over
hypothesis shapes."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")


@st.composite
def unfoldings(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    size = draw(st.integers(0, shape[dim]))
    return shape, dim, size, draw(st.integers(1, 4))


@given(case=unfoldings(), seed=st.integers(0, 2**32 - 1))
def test_unfold_matches_pytorch_with_its_derivatives(case, seed):
    shape, dim, size, step = case
    x = np.random.default_rng(seed).normal(size=shape)
    got, want = ag.Value(x).unfold(dim, size, step), torch.tensor(x).unfold(dim, size, step)
    assert got.shape == tuple(want.shape)
    np.testing.assert_array_equal(got.data, want.numpy())
    if got.size:  # overlapping windows: the gradient adds up
        compare_with_torch(lambda v: v.unfold(dim, size, step) ** 2,
                           lambda t: t.unfold(dim, size, step) ** 2, x, seed=seed)
        check_second_order(lambda v: v.unfold(dim, size, step) ** 3, x, seed=seed)


def test_unfold_of_a_number_and_its_errors():
    np.testing.assert_array_equal(ag.Value(5.0).unfold(0, 1, 1).data,
                                  torch.tensor(5.0).unfold(0, 1, 1).numpy())
    x = ag.Value(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"unfold: size must be an integer in \[0, 3\]"):
        x.unfold(1, 4, 1)
    with pytest.raises(ValueError, match="unfold: step must be a positive integer, got 0"):
        x.unfold(1, 2, 0)


def test_pytorch_s_method_names_for_the_library_s_functions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    b[0, 0] = a[0, 0]
    v, w, ta, tb = ag.Value(a), ag.Value(b), torch.tensor(a), torch.tensor(b)
    for name in ("greater", "greater_equal", "less", "less_equal", "not_equal", "isclose"):
        np.testing.assert_array_equal(np.asarray(getattr(v, name)(w)),
                                      getattr(ta, name)(tb).numpy(), err_msg=name)
    for name in ("maximum", "minimum", "floor_divide"):
        np.testing.assert_array_equal(getattr(v, name)(w).data, getattr(ta, name)(tb).numpy())
    compare_with_torch(lambda p, q: p.maximum(q), lambda p, q: p.maximum(q), a, b + 0.5)
    assert v.allclose(a) and not v.allclose(b) and ta.allclose(ta)
    assert v.equal(ag.Value(a)) is True and v.equal(w) is False and v.equal(a[:2]) is False
    for k, dims in ((1, (0, 1)), (3, [1, 0]), (-1, (0, 1))):
        np.testing.assert_array_equal(v.rot90(k, dims).data, ta.rot90(k, dims).numpy())
    for got, want in zip(v.split_with_sizes([1, 2]), ta.split_with_sizes([1, 2])):
        np.testing.assert_array_equal(got.data, want.numpy())
    for got, want in zip(v.unsafe_split(2, 1), ta.unsafe_split(2, 1)):
        np.testing.assert_array_equal(got.data, want.numpy())
    for got, want in zip(v.unsafe_chunk(2), ta.unsafe_chunk(2)):
        np.testing.assert_array_equal(got.data, want.numpy())
    assert (v.byte().dtype, v.char().dtype, v.short().dtype) == (np.uint8, np.int8, np.int16)
    assert v.resolve_neg() is v
    data = np.array([1.0, 2.0, 2.0, 3.0, 7.0], np.float32)
    for kwargs in ({}, {"bins": 3}, {"bins": 4, "range": (0.0, 8.0), "density": True},
                   {"bins": 2, "weight": np.arange(5, dtype=np.float32)}):
        hist, edges = ag.Value(data).histogram(**{
            k: v for k, v in kwargs.items() if k != "weight"},
            **({"weight": ag.constant(kwargs["weight"])} if "weight" in kwargs else {}))
        t_hist, t_edges = torch.tensor(data).histogram(**{
            k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()})
        assert hist.dtype == np.float32
        np.testing.assert_allclose(hist.data, t_hist.numpy(), rtol=1e-6)
        np.testing.assert_allclose(edges.data, t_edges.numpy(), rtol=1e-6)


def test_numpy_s_ndarray_methods_for_real_arrays():
    a = np.arange(12.0).reshape(3, 4)
    v = ag.Value(a)
    assert v.real is v and v.conj() is v and v.conjugate() is v
    np.testing.assert_array_equal(v.imag.data, a.imag)
    assert not v.imag.requires_grad
    assert (v.nbytes, v.itemsize, v.strides, v.tobytes()) == (a.nbytes, a.itemsize,
                                                              a.strides, a.tobytes())
    for condition, axis in (([True, False, True], 0), ([0, 1, 1, 0], 1), ([0, 1, 1], None)):
        np.testing.assert_array_equal(v.compress(condition, axis).data,
                                      a.compress(condition, axis))
    v.compress([True, False, True], 0).sum().backward()
    np.testing.assert_array_equal(v.grad, [[1] * 4, [0] * 4, [1] * 4])
    s = ag.constant(np.array([1.0, 3.0, 5.0]))
    for side in ("left", "right"):
        np.testing.assert_array_equal(s.searchsorted([3.0, 6.0], side).data,
                                      s.data.searchsorted([3.0, 6.0], side))
    filled = ag.constant(np.zeros(3))
    assert filled.fill(2.5) is None
    np.testing.assert_array_equal(filled.data, np.full(3, 2.5))


def test_scatter_matches_pytorch_with_its_gradients():
    x = np.random.default_rng(1).normal(size=(3, 5))
    src = np.arange(1.0, 11.0).reshape(2, 5)
    for dim, index in ((0, [[0, 1, 2, 0, 0]]), (1, [[0, 1, 2], [0, 1, 4]]), (-1, [[4], [0]])):
        index = np.array(index)
        block = src[:index.shape[0], :index.shape[1]]  # PyTorch's backward needs src so
        compare_with_torch(lambda a, b: a.scatter(dim, index, b),
                           lambda a, b: a.scatter(dim, torch.tensor(index), b), x, block)
        s = ag.Value(src)  # a larger src: the elements past index's shape get no gradient
        ag.Value(x).scatter(dim, index, s).sum().backward()
        np.testing.assert_array_equal(s.grad, np.pad(np.ones(index.shape), [
            (0, 2 - index.shape[0]), (0, 5 - index.shape[1])]))
    index = np.array([[2], [3]])
    np.testing.assert_array_equal(ag.Value(x).scatter(1, index, value=1.5).data,
                                  torch.tensor(x).scatter(1, torch.tensor(index), 1.5).numpy())
    for reduce in ("add", "multiply"):
        with warnings.catch_warnings():  # PyTorch's, once: reduce= is deprecated there
            warnings.simplefilter("ignore")
            want = torch.tensor(x).scatter(1, torch.tensor(index), torch.tensor(src),
                                           reduce=reduce)
        np.testing.assert_allclose(ag.Value(x).scatter(1, index, src, reduce=reduce).data,
                                   want.numpy())
    with pytest.raises(IndexError, match="scatter: index out of range for dim 1 of size 5"):
        ag.Value(x).scatter(1, np.array([[5]]), src)
    with pytest.raises(TypeError, match="scatter: give src"):
        ag.Value(x).scatter(1, index)


def test_more_of_pytorch_s_methods_on_real_values():
    x = np.array([[-1.0, 0.0, 2.0], [np.nan, 3.0, -0.5]])
    v, t = ag.Value(x), torch.tensor(x)
    np.testing.assert_array_equal(v.angle().data, t.angle().numpy())
    v.angle().sum().backward()
    np.testing.assert_array_equal(v.grad, np.zeros_like(x))  # PyTorch's, NaN's too
    w = ag.Value(np.arange(6.0).reshape(2, 3))
    tw = torch.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(w.H.data, tw.H.numpy())
    np.testing.assert_array_equal(w.mH.data, tw.mH.numpy())
    assert w.stride() == tw.stride() and w.stride(1) == tw.stride(1)
    np.testing.assert_array_equal(w.sum_to_size(1, 3).data, tw.sum_to_size(1, 3).numpy())
    np.testing.assert_array_equal(w.sum_to_size((2, 1)).data, tw.sum_to_size((2, 1)).numpy())
    assert (w.is_conj(), w.is_neg(), w.is_inference(), w.is_cpu, w.get_device()) == (
        tw.is_conj(), tw.is_neg(), tw.is_inference(), tw.is_cpu, tw.get_device())
    assert w.resolve_conj() is w and w.conj_physical() is w
    np.testing.assert_array_equal(w.isreal().data, tw.isreal().numpy())
    assert w.is_same_size(np.zeros((2, 3))) and not w.is_same_size(np.zeros(3))
    assert ag.Value([2.0]).is_nonzero() and not ag.Value(0.0).is_nonzero()
    with pytest.raises(RuntimeError, match="is_nonzero: a Value of shape"):
        w.is_nonzero()
    for got, want in zip(w.unsafe_split_with_sizes([1, 2], 1),
                         tw.unsafe_split_with_sizes([1, 2], 1)):
        np.testing.assert_array_equal(got.data, want.numpy())
    ag.manual_seed(0)
    draws = ag.Value(np.array([0.0, 1.0, 0.0, 1.0])).bernoulli()
    np.testing.assert_array_equal(draws.data, [0.0, 1.0, 0.0, 1.0])
    picks = ag.Value(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 5.0]])).multinomial(2, True)
    np.testing.assert_array_equal(picks.data, [[1, 1], [2, 2]])
    a = np.array([3.0, 1.0, 2.0, 0.5])
    np.testing.assert_array_equal(ag.Value(a).argpartition(1).data, a.argpartition(1))
