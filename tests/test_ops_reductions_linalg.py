"""Reductions (prod, var, std, cumsum, cumprod, norms, mean_squared_error), empty axes, and
linear algebra (einsum, tensordot, outer, diag, diagonal, trace, linalg.inv/det/solve/svd).

Each op: its forward against numpy, its gradients against central differences (gradcheck),
its second derivatives against central differences of the first, in float64 over
hypothesis-generated shapes; then the same inputs against PyTorch, first and second
derivatives (double backward), including the points where a derivative needs care: zeros in
a product, the zero vector of a norm, singular matrices, empty axes.
"""

import doctest
import importlib
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch, first_order, recorded

SEEDS = st.integers(0, 2**32 - 1)
INF = np.inf


def torch_():
    return pytest.importorskip("torch")


def real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def compare(ag_fn, torch_fn, *arrays, **tol):
    """``compare_with_torch``: outputs, first derivatives and Hessian-vector products."""
    torch_()
    compare_with_torch(ag_fn, torch_fn, *arrays, **tol)


def check(f, f_np, *arrays, **tol):
    """``f`` on float64 Values matches ``f_np``, passes gradcheck, and its second
    derivatives match central differences of its first."""
    out = f(*[ag.Value(a) for a in arrays])
    expected = f_np(*arrays)
    assert out.shape == np.shape(expected)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    ag.gradcheck(f, arrays, **tol)
    check_second_order(f, *arrays, **tol)


def first_order_like_torch(ag_fn, torch_fn, *arrays, seed=0):
    """Outputs and first derivatives (the fast path) against PyTorch's, where the second
    derivatives differ on purpose or do not exist (see the tests that use it)."""
    torch = torch_()
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    out = ag_fn(*[ag.constant(a) for a in arrays])
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    t_out = torch_fn(*tensors)
    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-7, atol=1e-12)
    w = np.random.default_rng(seed).uniform(0.5, 1.5, out.shape)
    t_grads = torch.autograd.grad((t_out * torch.tensor(w)).sum(), tensors, allow_unused=True)
    for i, (ours, theirs) in enumerate(zip(first_order(ag_fn, arrays, w), t_grads)):
        expected = np.zeros(ours.shape) if theirs is None else theirs.numpy()
        np.testing.assert_allclose(ours, expected, rtol=1e-7, atol=1e-12,
                                   err_msg=f"gradient of input {i}")


def hvps(f, *arrays, seed=0):
    """Our Hessian-vector products (see ``derivatives``), for points PyTorch gets wrong."""
    rng = np.random.default_rng(seed)
    out_shape = f(*[ag.constant(a) for a in arrays]).shape
    w = rng.uniform(0.5, 1.5, out_shape)
    vs = [rng.uniform(-1, 1, np.shape(a)) for a in arrays]
    return recorded(f, [np.asarray(a, float) for a in arrays], w, vs)


@st.composite
def shape_axis_keepdims(draw, min_dims=0, max_side=3):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=max_side))
    ndim = len(shape)
    axes = [st.none()]
    if ndim:
        axes += [st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1)]
    return shape, draw(st.one_of(*axes)), draw(st.booleans())


def torch_dims(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,)))


# --- prod -------------------------------------------------------------------------------------


def with_zeros(rng, shape, zeros):
    """Uniform values with ``zeros`` of them (at random places) set to exactly 0."""
    x = real(rng, shape)
    flat = x.reshape(-1)
    flat[rng.permutation(flat.size)[:zeros]] = 0.0
    return flat.reshape(shape)


def torch_prod(t, axis, keepdims):
    """torch.prod reduces one dim at a time."""
    dims = torch_dims(axis, t.ndim)
    for d in dims:
        t = t.prod(d, keepdim=True)
    if not keepdims and dims:
        t = t.reshape([n for i, n in enumerate(t.shape) if i not in dims])
    return t


@given(case=shape_axis_keepdims(), seed=SEEDS, zeros=st.integers(0, 3))
def test_prod_with_and_without_zeros(case, seed, zeros):
    shape, axis, keepdims = case
    x = with_zeros(np.random.default_rng(seed), shape, zeros)
    check(lambda v: ag.prod(v, axis, keepdims), lambda v: np.prod(v, axis, keepdims=keepdims), x)
    compare(lambda v: ag.prod(v, axis, keepdims),
            lambda t: torch_prod(t, axis, keepdims), x, seed=seed)


@pytest.mark.parametrize("x", [
    [2.0, 0.0, 3.0, -1.5],          # one zero: only it gets a gradient, the product of the rest
    [0.0, 2.0, 0.0, 3.0],           # two zeros: no gradient at all, but second derivatives
    [0.0, 0.0, 0.0],
    [[1.5, 0.0], [0.0, 0.0], [2.0, -1.0]],
], ids=["one zero", "two zeros", "all zeros", "matrix"])
def test_prod_at_zeros_like_torch(x):
    x = np.array(x)
    for axis in [None] + list(range(x.ndim)):
        compare(lambda v: ag.prod(v, axis),
                lambda t: t.prod() if axis is None else t.prod(axis), x)
        check_second_order(lambda v: ag.prod(v, axis), x)
    v = ag.Value(np.array([2.0, 0.0, 3.0, -1.5]))
    ag.prod(v).backward()
    np.testing.assert_array_equal(v.grad, [0.0, -9.0, 0.0, 0.0])


def test_prod_aliases_and_method():
    x = ag.Value(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert ag.reduce_prod is ag.prod
    np.testing.assert_array_equal(x.prod(axis=0).data, [3.0, 8.0])
    assert float(x.prod()) == 24.0


# --- var, std -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["var", "std"])
@given(case=shape_axis_keepdims(), seed=SEEDS, ddof=st.sampled_from([0, 1]))
def test_var_and_std(name, case, seed, ddof):
    shape, axis, keepdims = case
    dims = torch_dims(axis, len(shape))
    if int(np.prod([shape[d] for d in dims])) <= ddof:
        ddof = 0  # n - ddof must be > 0 (see the test of n - ddof = 0 below)
    x = real(np.random.default_rng(seed), shape)
    f, f_np = getattr(ag, name), getattr(np, name)
    torch = torch_()
    check(lambda v: f(v, axis, keepdims, ddof=ddof),
          lambda v: f_np(v, axis=axis, ddof=ddof, keepdims=keepdims), x)
    compare(lambda v: f(v, axis, keepdims, correction=ddof),
            lambda t: getattr(torch, name)(t, dim=dims, correction=ddof,
                                           keepdim=keepdims), x, seed=seed)


def test_var_names_numpy_torch_and_tensorflow():
    data = np.array([[1.0, 2.0, 4.0], [0.5, 0.5, 3.0]])
    x = ag.Value(data)
    np.testing.assert_allclose(ag.var(x, 1).data, np.var(data, 1))
    np.testing.assert_allclose(ag.var(x, 1, ddof=1).data, np.var(data, 1, ddof=1))
    np.testing.assert_allclose(ag.var(x, 1, correction=1).data, np.var(data, 1, ddof=1))
    np.testing.assert_allclose(ag.var(x, 1, unbiased=True).data, np.var(data, 1, ddof=1))
    np.testing.assert_allclose(ag.var(x, 1, unbiased=False).data, np.var(data, 1))
    np.testing.assert_allclose(ag.reduce_variance(x, 0, True).data, np.var(data, 0, keepdims=True))
    np.testing.assert_allclose(ag.reduce_std(x).data, np.std(data))
    np.testing.assert_allclose(x.var().data, np.var(data))
    np.testing.assert_allclose(x.std(axis=0, ddof=1).data, np.std(data, 0, ddof=1))
    with pytest.raises(TypeError, match="var: give at most one of ddof, correction"):
        ag.var(x, ddof=1, correction=1)
    with pytest.raises(TypeError, match="std: ddof must be a number"):
        ag.std(x, ddof="1")


def test_std_of_equal_elements_has_gradient_zero_like_torch():
    x = np.array([[2.0, 2.0, 2.0], [1.0, -1.0, 0.5]])
    first_order_like_torch(lambda v: ag.std(v, 1), lambda t: t.std(1, correction=0), x)
    v = ag.Value(x)
    ag.std(v, 1).sum().backward()
    np.testing.assert_array_equal(v.grad[0], [0.0, 0.0, 0.0])


def test_var_with_no_degree_of_freedom_is_nan_like_torch():
    torch = torch_()
    x = np.array([2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's and PyTorch's warnings
        first_order_like_torch(lambda v: ag.var(v, ddof=1), lambda t: torch.var(t), x)
        first_order_like_torch(lambda v: ag.std(v, ddof=1), lambda t: torch.std(t), x)


# --- mean_squared_error -------------------------------------------------------------------------


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3,
                                                max_side=3), seed=SEEDS)
def test_mean_squared_error(shapes, seed):
    rng = np.random.default_rng(seed)
    t, p = (real(rng, s) for s in shapes.input_shapes)
    check(ag.mean_squared_error, lambda t, p: np.mean((p - t) ** 2, axis=-1), t, p)
    compare(ag.mean_squared_error, lambda t, p: ((p - t) ** 2).mean(-1), t, p, seed=seed)


def test_mean_squared_error_is_keras_per_sample_loss():
    y = ag.mean_squared_error([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(y.numpy(), [0.5, 0.5])
    with pytest.raises(ValueError, match="mean_squared_error: y_true and y_pred are scalars"):
        ag.mean_squared_error(1.0, 2.0)
    with pytest.raises(ValueError, match=r"y_true of shape \(2,\) and y_pred of shape \(3,\)"):
        ag.mean_squared_error([1.0, 2.0], [1.0, 2.0, 3.0])


# --- cumsum, cumprod ----------------------------------------------------------------------------


def np_scan(f, x, axis, exclusive, reverse):
    """cumsum/cumprod with TensorFlow's options, the obvious way (flatten for axis None)."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    if reverse:
        x = np.flip(x, axis)
    y = f(x, axis=axis)
    if exclusive:
        identity = np.zeros_like if f is np.cumsum else np.ones_like
        y = np.concatenate([identity(np.take(y, [0], axis)), np.take(y, range(y.shape[axis] - 1),
                                                                        axis)], axis)
    return np.flip(y, axis) if reverse else y


def torch_scan(name, t, axis, exclusive, reverse):
    torch = torch_()
    if axis is None:
        t, axis = t.reshape(-1), 0
    if reverse:
        t = t.flip(axis)
    y = getattr(t, name)(axis)
    if exclusive:
        first = (torch.zeros_like if name == "cumsum" else torch.ones_like)(t.narrow(axis, 0, 1))
        y = torch.cat([first, y.narrow(axis, 0, t.shape[axis] - 1)], axis)
    return y.flip(axis) if reverse else y


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=st.data(),
       exclusive=st.booleans(), reverse=st.booleans())
def test_cumsum_and_cumprod(name, shape, seed, data, exclusive, reverse):
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    zeros = data.draw(st.integers(0, 2)) if name == "cumprod" else 0
    x = with_zeros(np.random.default_rng(seed), shape, zeros)
    f, f_np = getattr(ag, name), getattr(np, name)
    check(lambda v: f(v, axis, exclusive, reverse),
          lambda v: np_scan(f_np, v, axis, exclusive, reverse), x)
    compare(lambda v: f(v, axis, exclusive=exclusive, reverse=reverse),
            lambda t: torch_scan(name, t, axis, exclusive, reverse), x, seed=seed)


@pytest.mark.parametrize("x", [
    [0.0, 2.0, 3.0], [2.0, 0.0, 3.0, 0.5], [2.0, 3.0, 0.0], [0.0, 2.0, 0.0, 3.0],
    [1.5, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0],
], ids=str)
def test_cumprod_at_zeros_like_torch(x):
    x = np.array(x)
    compare(lambda v: ag.cumprod(v, 0), lambda t: t.cumprod(0), x)
    compare(lambda v: ag.cumprod(v, 0), lambda t: t.cumprod(0),
            np.stack([x, x[::-1] + 1.0]).T)  # along axis 0 of a matrix


def test_cumulative_options_and_methods():
    x = ag.Value(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    np.testing.assert_array_equal(ag.cumsum(x).data, [1, 3, 6, 10, 15, 21])  # flattened
    np.testing.assert_array_equal(x.cumsum(1).data, [[1, 3, 6], [4, 9, 15]])
    np.testing.assert_array_equal(ag.cumsum(x, 1, exclusive=True, reverse=True).data,
                                  [[5, 3, 0], [11, 6, 0]])
    np.testing.assert_array_equal(x.cumprod(0).data, [[1, 2, 3], [4, 10, 18]])
    np.testing.assert_array_equal(ag.cumprod(x, 1, exclusive=True).data, [[1, 1, 2], [1, 4, 20]])
    with pytest.raises(TypeError, match="cumsum: axis must be an integer or None"):
        ag.cumsum(x, (0, 1))
    with pytest.raises(ValueError, match=r"cumprod: axis 2 is out of range .* \(2, 3\)"):
        ag.cumprod(x, 2)


# --- norms --------------------------------------------------------------------------------------


VECTOR_ORDS = [1, 2, INF, -INF, 3, 0.5, 1.5, -1]


def away_from_ties(rng, shape):
    """Magnitudes in [0.3, 2], distinct (so a max or min of |x| is never tied), random signs."""
    n = int(np.prod(shape))
    magnitudes = 0.3 + 1.7 * (rng.permutation(n) + rng.uniform(0.1, 0.9, n)) / max(n, 1)
    return (magnitudes * rng.choice([-1.0, 1.0], n)).reshape(shape)


@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
@given(case=shape_axis_keepdims(), seed=SEEDS)
def test_vector_norms(ord, case, seed):
    shape, axis, keepdims = case
    x = away_from_ties(np.random.default_rng(seed), shape)

    def np_norm(v):
        a = np.abs(v)
        if ord == INF:
            return np.max(a, axis=axis, keepdims=keepdims)
        if ord == -INF:
            return np.min(a, axis=axis, keepdims=keepdims)
        return np.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1 / ord)

    check(lambda v: ag.linalg.vector_norm(v, ord, axis, keepdims), np_norm, x)
    torch = torch_()
    dims = torch_dims(axis, len(shape)) if len(shape) else None
    compare(lambda v: ag.linalg.vector_norm(v, ord, axis, keepdims),
            lambda t: torch.linalg.vector_norm(t, ord, dims, keepdims), x, seed=seed)


@pytest.mark.parametrize("ord", [1, 2, INF, 3, 0.5, 1.5, 0], ids=str)
def test_vector_norm_at_zero_like_torch(ord):
    """The zero vector and zero entries: first derivatives as PyTorch's (0 at the zero
    vector for the 2-norm, not NaN); second derivatives where PyTorch's are finite."""
    torch = torch_()

    def norm(v):
        return ag.linalg.vector_norm(v, ord, 0)

    def torch_norm(t):
        return torch.linalg.vector_norm(t, ord, 0)

    zero = np.zeros(3)
    first_order_like_torch(norm, torch_norm, zero)
    some_zeros = np.array([[0.0, 1.0], [0.0, -2.0], [0.0, 0.5]])  # first column: all zero
    if ord in (1, INF, 3, 0):
        compare(norm, torch_norm, some_zeros)
    else:
        first_order_like_torch(norm, torch_norm, some_zeros)


def test_norm_second_derivatives_at_zero_are_zero_where_torch_gives_nan():
    """Deliberate difference: PyTorch's double backward of the 2-norm at the zero vector is
    NaN (0/0), as is that of |x|**(p-1) at a zero entry for p < 2; we give 0, as abs'' = 0
    at its kink. Away from zeros (other columns here) both agree (checked above)."""
    for ord in (2, 1.5, 0.5):
        _, (h,) = hvps(lambda v: ag.linalg.vector_norm(v, ord, 0),
                       np.array([[0.0, 1.0], [0.0, -2.0]]))
        assert np.all(np.isfinite(h)) and np.all(h[:, 0] == 0)


MATRIX_ORDS = ["fro", "nuc", 1, -1, 2, -2, INF, -INF]


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, max_side=3), seed=SEEDS,
       keepdims=st.booleans())
def test_matrix_norms(ord, shape, seed, keepdims):
    x = real(np.random.default_rng(seed), shape)
    f = lambda v: ag.linalg.matrix_norm(v, ord, keepdims)  # noqa: E731
    np_value = np.linalg.norm(x, ord, axis=(-2, -1), keepdims=keepdims)
    np.testing.assert_allclose(f(ag.Value(x)).data, np_value, rtol=1e-10)
    ag.gradcheck(f, [x])
    check_second_order(f, x)
    torch = torch_()
    compare(f, lambda t: torch.linalg.matrix_norm(t, ord, keepdim=keepdims), x,
            seed=seed, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("ord", [1, -1, INF, -INF, 2, -2], ids=str)
def test_matrix_norm_ties_and_kinks_like_torch(ord):
    """Equal column or row sums, and repeated singular values: both share the gradient
    equally among the tied ones (first derivatives; the SVD's second derivatives divide
    by the gap between singular values, as PyTorch's do)."""
    torch = torch_()
    x = np.array([[1.0, -1.0, 0.5], [0.0, 1.0, -0.5], [1.0, 0.0, 1.0]])
    first_order_like_torch(lambda v: ag.linalg.matrix_norm(v, ord),
                           lambda t: torch.linalg.matrix_norm(t, ord), x)
    first_order_like_torch(lambda v: ag.linalg.matrix_norm(v, ord),
                           lambda t: torch.linalg.matrix_norm(t, ord), 2 * np.eye(3))


def test_norm_conventions():
    """ag.norm is tf.norm and torch.norm (no axis: all entries as one vector); ag.linalg.norm
    is numpy's linalg.norm (no axis and an ord: a vector's or a matrix's norm)."""
    A = np.array([[1.0, -2.0], [3.0, 4.0]])
    v = ag.Value(A)
    np.testing.assert_allclose(ag.norm(v).data, np.sqrt(30))
    np.testing.assert_allclose(ag.norm(v, 2).data, np.sqrt(30))          # tf.norm: entries
    np.testing.assert_allclose(ag.norm(v, 1).data, 10.0)
    np.testing.assert_allclose(ag.norm(v, INF).data, 4.0)
    np.testing.assert_allclose(ag.linalg.norm(v, 2).data, np.linalg.norm(A, 2))  # spectral
    np.testing.assert_allclose(ag.linalg.norm(v, 1).data, np.linalg.norm(A, 1))
    np.testing.assert_allclose(ag.linalg.norm(v).data, np.linalg.norm(A))
    np.testing.assert_allclose(ag.norm(v, axis=1).data, np.linalg.norm(A, axis=1))
    np.testing.assert_allclose(ag.norm(v, "nuc", (0, 1), True).data,
                               np.linalg.norm(A, "nuc", (0, 1), True))
    np.testing.assert_allclose(ag.norm(v, "fro", 1).data, np.linalg.norm(A, axis=1))  # torch
    np.testing.assert_allclose(v.norm().data, np.sqrt(30))
    np.testing.assert_allclose(v.norm(1, axis=0).data, [4.0, 6.0])
    np.testing.assert_allclose(ag.linalg.vector_norm(v, 3, (0, 1)).data, np.sum(np.abs(A) ** 3)
                               ** (1 / 3))
    np.testing.assert_allclose(ag.linalg.vector_norm(v, 0).data, 4.0)
    with pytest.raises(ValueError, match="linalg.norm: the Frobenius norm is a matrix norm"):
        ag.linalg.norm(v, "fro", axis=0)
    with pytest.raises(ValueError, match=r"linalg.norm: ord=2 without an axis needs a vector"):
        ag.linalg.norm(np.ones((2, 2, 2)), 2)
    with pytest.raises(ValueError, match="norm: invalid order 'max' for a matrix norm"):
        ag.norm(v, "max", (0, 1))
    with pytest.raises(ValueError, match="norm: ord='nuc' needs a pair of axes"):
        ag.norm(v, "nuc")
    with pytest.raises(ValueError, match=r"inf-norm of an empty axis .* \(0, 3\)"):
        ag.norm(np.zeros((0, 3)), INF)
    with pytest.raises(ValueError, match=r"linalg.matrix_norm: the 2-norm of an empty matrix"):
        ag.linalg.matrix_norm(np.zeros((0, 3)), 2)


# --- empty axes, as PyTorch -------------------------------------------------------------------


def test_reductions_over_an_empty_axis_like_torch():
    torch = torch_()
    empty = np.zeros((0, 3))
    for f, f_torch in [
        (lambda v: ag.sum(v, 0), lambda t: t.sum(0)),                       # 0
        (lambda v: ag.prod(v, 0), lambda t: t.prod(0)),                     # 1
        (lambda v: ag.logsumexp(v, 0), lambda t: t.logsumexp(0)),           # -inf
        (lambda v: ag.softmax(v, 0), lambda t: t.softmax(0)),               # empty
        (lambda v: ag.log_softmax(v, 0), lambda t: t.log_softmax(0)),
        (lambda v: ag.cumsum(v, 0), lambda t: t.cumsum(0)),
        (lambda v: ag.cumprod(v, 0), lambda t: t.cumprod(0)),
        (lambda v: ag.norm(v, axis=0), lambda t: torch.linalg.vector_norm(t, dim=0)),
        (lambda v: ag.max(v, 1), lambda t: t.amax(1)),                      # a non-empty axis
        (lambda v: ag.sum(v), lambda t: t.sum()),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # none of these warns
            compare(f, f_torch, empty)
        v = ag.Value(empty)
        f(v).sum().backward()
        assert v.grad.shape == (0, 3)
    np.testing.assert_array_equal(ag.logsumexp(empty, 0).data, [-INF] * 3)


def test_mean_and_var_over_an_empty_axis_are_nan_like_torch():
    """NaN, as PyTorch and numpy; numpy's RuntimeWarning is kept (it usually means a bug)."""
    empty = np.zeros((0, 3))
    with pytest.warns(RuntimeWarning):
        compare(lambda v: ag.mean(v, 0), lambda t: t.mean(0), empty)
    with pytest.warns(RuntimeWarning):
        y = ag.var(empty, 0)
    assert np.all(np.isnan(y.data))


@pytest.mark.parametrize("f", [ag.max, ag.min, ag.reduce_max])
def test_max_and_min_over_an_empty_axis_raise_like_torch(f):
    name = "min" if f is ag.min else "max"
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce an empty axis \(input of "
                                         r"shape \(0, 3\), axis 0\)"):
        f(np.zeros((0, 3)), 0)
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce an empty axis"):
        f(np.zeros((2, 0)))
    assert f(np.zeros((0, 3)), 1).shape == (0,)


def test_reduce_logsumexp_takes_all_axes():
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_allclose(ag.reduce_logsumexp(x).data, np.log(np.sum(np.exp(x))))
    np.testing.assert_allclose(ag.reduce_logsumexp(x, 0, True).data,
                               np.log(np.sum(np.exp(x), 0, keepdims=True)))


# --- einsum, tensordot ---------------------------------------------------------------------------


@st.composite
def einsum_case(draw):
    """Random subscripts: 1-3 operands over the labels a-d, repeated labels within an
    operand, axes of length 1 that broadcast, explicit or implicit output."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcd"}
    specs, shapes = [], []
    for _ in range(draw(st.integers(1, 3))):
        spec = "".join(draw(st.lists(st.sampled_from("abcd"), max_size=3)))
        broadcast = draw(st.sets(st.sampled_from("abcd")))
        specs.append(spec)
        shapes.append(tuple(1 if c in broadcast else sizes[c] for c in spec))
    used = sorted(set("".join(specs)))
    if draw(st.booleans()):
        out = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
        subscripts = ",".join(specs) + "->" + out
    else:
        subscripts = ",".join(specs)
    return subscripts, shapes


@given(case=einsum_case(), seed=SEEDS)
def test_einsum_against_numpy(case, seed):
    subscripts, shapes = case
    rng = np.random.default_rng(seed)
    xs = [real(rng, s) for s in shapes]
    check(lambda *vs: ag.einsum(subscripts, *vs), lambda *a: np.einsum(subscripts, *a), *xs)


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]),
    ("i,i->", [(3,), (3,)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]), ("...ij,jk", [(2, 2, 3), (3, 2)]),
    ("i...->...", [(2, 3, 4)]), ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 4)]),
    ("ij,ij->i", [(2, 3), (2, 1)]), ("iij->j", [(2, 2, 3)]), ("i,i,i->i", [(3,), (3,), (3,)]),
    ("ab,cd->", [(2, 1), (3, 2)]), (",i->i", [(), (3,)]), ("Ab,bA->A", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum_like_torch(subscripts, shapes):
    torch = torch_()
    xs = [real(np.random.default_rng(1), s) for s in shapes]
    check(lambda *vs: ag.einsum(subscripts, *vs), lambda *a: np.einsum(subscripts, *a), *xs)
    compare(lambda *vs: ag.einsum(subscripts, *vs),
            lambda *ts: torch.einsum(subscripts, *ts), *xs)


def test_einsum_gradient_is_an_einsum_and_errors_name_the_subscripts():
    a = ag.Value(np.ones((2, 3)))
    y = ag.einsum("ij->i", a)
    assert repr(y.op) == "Einsum('ij->i')"
    (g,) = ag.gradients((y * y).sum(), [a], create_graph=True)
    assert type(g.op).__name__ == "Einsum"
    for subscripts, shapes, message in [
        ("ij,jk", [(2, 3), (4, 5)], "label 'j' has size 3 in one operand and 4 in operand 1"),
        ("ij", [(2, 3, 4)], "operand 0 has 3 axes, its subscripts 'ij' name 2"),
        ("ij,j", [(2, 3)], r"they name 2 operand\(s\), 1 given"),
        ("ii", [(2, 3)], "label 'i' is repeated in operand 0 over axes of sizes 2 and 3"),
        ("i->j", [(2,)], "output label 'j' is repeated or appears in no input"),
        ("...i->i", [(2, 3)], "the output needs '...'"),
        ("i1", [(2, 3)], "invalid character"),
    ]:
        with pytest.raises(ValueError, match=message):
            ag.einsum(subscripts, *[np.ones(s) for s in shapes])
    with pytest.raises(TypeError, match="einsum: subscripts must be a string"):
        ag.einsum(np.ones(2), [0])


@pytest.mark.parametrize("shape_a, shape_b, axes", [
    ((2, 3, 4), (3, 4, 2), 2), ((2, 3), (3, 2), 1), ((2,), (3,), 0),
    ((2, 3, 4), (4, 2, 3), ([1, 2], [2, 0])), ((3, 2), (2, 3), (0, 1)),
], ids=str)
def test_tensordot_like_numpy_and_torch(shape_a, shape_b, axes):
    torch = torch_()
    rng = np.random.default_rng(0)
    a, b = real(rng, shape_a), real(rng, shape_b)
    check(lambda u, v: ag.tensordot(u, v, axes), lambda u, v: np.tensordot(u, v, axes), a, b)
    t_axes = axes if isinstance(axes, int) else tuple(np.atleast_1d(x).tolist() for x in axes)
    compare(lambda u, v: ag.tensordot(u, v, axes),
            lambda u, v: torch.tensordot(u, v, t_axes), a, b)
    with pytest.raises(ValueError, match=r"tensordot: axis 0 of a \(size 2\) does not match"):
        ag.tensordot(np.ones((2, 3)), np.ones((3, 2)), ([0], [0]))


# --- outer, diag, diagonal, trace ----------------------------------------------------------------


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                max_side=3), seed=SEEDS)
def test_outer_flattens_as_numpy(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (real(rng, s) for s in shapes.input_shapes)
    check(ag.outer, np.outer, a, b)


@given(n=st.integers(0, 4), m=st.integers(1, 4), k=st.integers(-4, 4), seed=SEEDS)
def test_diag_both_ways(n, m, k, seed):
    rng = np.random.default_rng(seed)
    vector, matrix = real(rng, (m,)), real(rng, (m, n))
    check(lambda v: ag.diag(v, k), lambda v: np.diag(v, k), vector)
    check(lambda v: ag.diag(v, k), lambda v: np.diag(v, k), matrix)


@given(shape=hnp.array_shapes(min_dims=2, max_dims=4, max_side=3), seed=SEEDS, data=st.data())
def test_diagonal_and_trace_over_any_two_axes(shape, seed, data):
    ndim = len(shape)
    axis1, axis2 = data.draw(st.permutations(range(-ndim, 0)))[:2]
    offset = data.draw(st.integers(-3, 3))
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: ag.diagonal(v, offset, axis1, axis2),
          lambda v: np.diagonal(v, offset, axis1, axis2), x)
    check(lambda v: ag.trace(v, offset, axis1, axis2),
          lambda v: np.trace(v, offset, axis1, axis2), x)
    torch = torch_()
    compare(lambda v: ag.diagonal(v, offset, axis1, axis2),
            lambda t: torch.diagonal(t, offset, axis1, axis2), x, seed=seed)
    compare(lambda v: ag.trace(v, offset, axis1, axis2),
            lambda t: torch.diagonal(t, offset, axis1, axis2).sum(-1), x, seed=seed)


def test_matrix_helpers_like_torch_and_their_methods():
    torch = torch_()
    rng = np.random.default_rng(2)
    a, b, M = real(rng, (3,)), real(rng, (4,)), real(rng, (3, 4))
    compare(ag.outer, torch.outer, a, b)
    compare(lambda v: ag.diag(v, -1), lambda t: torch.diag(t, -1), a)
    compare(lambda v: ag.diag(v, 1), lambda t: torch.diag(t, 1), M)
    compare(ag.trace, torch.trace, M)
    batch = real(rng, (2, 3, 3))
    compare(ag.linalg.trace, lambda t: t.diagonal(0, -2, -1).sum(-1), batch)
    compare(lambda v: ag.linalg.diagonal(v, 1), lambda t: t.diagonal(1, -2, -1), batch)
    v = ag.Value(M)
    np.testing.assert_array_equal(v.trace().data, np.trace(M))
    np.testing.assert_array_equal(v.diagonal(1).data, M.diagonal(1))
    np.testing.assert_array_equal(v.diag().data, np.diag(M))
    np.testing.assert_array_equal(ag.Value(a).outer(b).data, np.outer(a, b))
    with pytest.raises(ValueError, match=r"diag: expected a vector or a matrix, got shape \(\)"):
        ag.diag(1.0)
    with pytest.raises(ValueError, match=r"trace: needs at least 2 dimensions, got shape \(3,\)"):
        ag.trace(a)
    with pytest.raises(ValueError, match="diagonal: axis1 and axis2 are the same axis"):
        ag.diagonal(M, 0, 1, -1)


# --- linalg.inv, det, solve, svd ---------------------------------------------------------------------


def invertible(rng, shape):
    """Well-conditioned square matrices: random entries in [-1, 1] plus a diagonal of
    +-(n + 1), so each row's diagonal exceeds the rest of the row by at least 1 (with +-n, a
    1x1 matrix could come within rounding of 0)."""
    n = shape[-1]
    return real(rng, shape) / 2 + (n + 1) * np.eye(n) * rng.choice([-1.0, 1.0],
                                                                    shape[:-1])[..., None]


SQUARE = hnp.array_shapes(min_dims=0, max_dims=2, max_side=2).flatmap(
    lambda batch: st.integers(1, 3).map(lambda n: batch + (n, n)))


@given(shape=SQUARE, seed=SEEDS)
def test_inv_and_det(shape, seed):
    A = invertible(np.random.default_rng(seed), shape)
    torch = torch_()
    for f, f_np, f_torch in [(ag.linalg.inv, np.linalg.inv, torch.linalg.inv),
                             (ag.linalg.det, np.linalg.det, torch.linalg.det)]:
        check(f, f_np, A)
        compare(f, f_torch, A, seed=seed)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2),
       n=st.integers(1, 3), k=st.integers(0, 2), seed=SEEDS)
def test_solve_batched_like_numpy(shapes, n, k, seed):
    """B is (n,) (k = 0: a vector) or (..., n, k); batch axes broadcast."""
    rng = np.random.default_rng(seed)
    A = invertible(rng, shapes.input_shapes[0] + (n, n))
    B = real(rng, (n,) if k == 0 else shapes.input_shapes[1] + (n, k))
    check(ag.linalg.solve, np.linalg.solve, A, B)
    torch = torch_()

    def torch_solve(A, B):
        if B.ndim == 1:
            return torch.linalg.solve(A, B)
        # Both with the full batch axes: PyTorch reads a B of A's shape without its last
        # axis as a batch of vectors (numpy 1's rule), numpy 2 and we as matrices.
        batch = torch.broadcast_shapes(A.shape[:-2], B.shape[:-2])
        return torch.linalg.solve(A.expand(batch + A.shape[-2:]), B.expand(batch + B.shape[-2:]))

    compare(ag.linalg.solve, torch_solve, A, B, seed=seed)


SINGULAR = [
    np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),   # rank 2
    np.array([[1.0, 2.0], [2.0, 4.0]]),                                # rank 1
    np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]),   # a zero row
]


@pytest.mark.parametrize("A", SINGULAR, ids=["rank 2 of 3", "rank 1 of 2", "zero row"])
def test_det_at_singular_matrices_like_torch(A):
    """The gradient is the cofactor matrix (not det * inv^T = 0 * inf), as PyTorch's; both
    also agree on the second derivatives at rank n - 1."""
    torch = torch_()
    compare(ag.linalg.det, torch.linalg.det, A, rtol=1e-6, atol=1e-9)
    one_of_two = np.stack([A, invertible(np.random.default_rng(0), A.shape)])
    compare(ag.linalg.det, torch.linalg.det, one_of_two, rtol=1e-6, atol=1e-9)
    check_second_order(ag.linalg.det, A)


def test_det_second_derivatives_at_rank_n_minus_2():
    """Deliberate difference: PyTorch's double backward through the SVD gives NaN where
    singular values repeat (the zero matrix); the cofactors' minors give the exact value."""
    for A in (np.zeros((3, 3)), np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5]), np.zeros((2, 2))):
        check_second_order(ag.linalg.det, A)
        _, (h,) = hvps(ag.linalg.det, A)
        assert np.all(np.isfinite(h))
    v = ag.Value(np.zeros((2, 2)))
    (g,) = ag.gradients(ag.linalg.det(v), [v], create_graph=True)
    (h,) = ag.gradients((g * np.array([[1.0, 2.0], [3.0, 4.0]])).sum(), [v])
    # The gradient of det [[a, b], [c, d]] is [[d, -c], [-b, a]]: its derivative is constant.
    np.testing.assert_array_equal(h.data, [[4.0, -3.0], [-2.0, 1.0]])


def test_det_third_derivative_at_a_singular_matrix():
    """det of a 3x3 matrix is a cubic, so its third derivative is the same everywhere: the
    minors keep it right at a singular matrix too (PyTorch's SVD route does not)."""
    rng = np.random.default_rng(5)
    v1, v2 = rng.uniform(-1, 1, (3, 3)), rng.uniform(-1, 1, (3, 3))

    def third(A):
        X = ag.Value(A)
        (g,) = ag.gradients(ag.linalg.det(X), [X], create_graph=True)
        (h,) = ag.gradients((g * v1).sum(), [X], create_graph=True)
        (t,) = ag.gradients((h * v2).sum(), [X])
        return t.data

    singular = SINGULAR[0]
    np.testing.assert_allclose(third(singular), third(singular + 0.3 * np.eye(3)), atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)], ids=str)
def test_svd_and_svdvals_like_torch(shape):
    """Singular values, and sign-free uses of the singular vectors (the polar factor U V^T,
    A rebuilt as U diag(s) V^T), with second derivatives (distinct singular values)."""
    torch = torch_()
    A = real(np.random.default_rng(3), shape)

    def polar(X):
        U, s, V_T = ag.linalg.svd(X, full_matrices=False)
        return (U * s[..., None, :] ** 2) @ V_T + U @ V_T

    def torch_polar(X):
        U, s, V_T = torch.linalg.svd(X, full_matrices=False)
        return (U * s[..., None, :] ** 2) @ V_T + U @ V_T

    for f, f_torch in [(ag.linalg.svdvals, torch.linalg.svdvals), (polar, torch_polar)]:
        np.testing.assert_allclose(ag.linalg.svdvals(A).data, np.linalg.svd(A)[1], rtol=1e-12)
        ag.gradcheck(f, [A])
        check_second_order(f, A)
        compare(f, f_torch, A, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="full_matrices=True is not differentiable"):
        ag.linalg.svd(A if shape[-1] != shape[-2] else np.ones((2, 3)))


def test_linalg_errors_name_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"linalg.inv: expected square matrices \(..., n, n\), "
                                         r"got shape \(2, 3\)"):
        ag.linalg.inv(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"linalg.det: expected square matrices"):
        ag.linalg.det(np.ones(3))
    with pytest.raises(ValueError, match=r"linalg.solve: B of shape \(2, 3\) does not match A "
                                         r"of shape \(2, 3, 3\)"):
        ag.linalg.solve(np.ones((2, 3, 3)), np.ones((2, 3)))  # numpy 2: B[..., None]
    with pytest.raises(ValueError, match=r"linalg.solve: the batch axes of A \(2, 3, 3\) and "
                                         r"B \(4, 3, 1\) do not broadcast"):
        ag.linalg.solve(np.ones((2, 3, 3)), np.ones((4, 3, 1)))
    with pytest.raises(np.linalg.LinAlgError, match=r"Inv: Singular matrix"):
        ag.linalg.inv(np.zeros((2, 2)))


def test_linalg_namespace():
    assert "linalg" in ag.__all__
    for name in ag.linalg.__all__:
        assert callable(getattr(ag.linalg, name)), name
    A = ag.Value(np.array([[2.0, 1.0], [1.0, 3.0]]))
    np.testing.assert_allclose(A.det().data, 5.0)
    np.testing.assert_allclose(A.inverse().data, np.linalg.inv(A.data))
    assert ag.linalg.matmul is ag.matmul and ag.linalg.einsum is ag.einsum


# --- float32, doctests --------------------------------------------------------------------------


FLOAT32_OPS = {
    "prod": lambda x: ag.prod(x, 1), "prod zeros": lambda x: ag.prod(x * np.array([0, 1, 1])),
    "var": lambda x: ag.var(x, 0, ddof=1), "std": lambda x: ag.std(x, 1),
    "mse": lambda x: ag.mean_squared_error(x[0], x), "cumsum": lambda x: ag.cumsum(x, 1),
    "cumprod": lambda x: ag.cumprod(x, 0), "cumprod zeros": lambda x: ag.cumprod(x - x[0, 0], 1),
    "norm": lambda x: ag.norm(x), "norm 1": lambda x: ag.norm(x, 1, 0),
    "norm 3": lambda x: ag.norm(x, 3, 1), "norm inf": lambda x: ag.norm(x, INF, 1),
    "nuc": lambda x: ag.linalg.norm(x, "nuc"), "matrix 2": lambda x: ag.linalg.norm(x, 2),
    "matrix 1": lambda x: ag.linalg.norm(x, 1), "einsum": lambda x: ag.einsum("ij,kj->ik", x, x),
    "tensordot": lambda x: ag.tensordot(x, x, ([0], [0])), "outer": lambda x: ag.outer(x[0], x),
    "diag": lambda x: ag.diag(x, 1), "diagonal": lambda x: ag.diagonal(x),
    "trace": lambda x: ag.trace(x, 1), "logsumexp": lambda x: ag.reduce_logsumexp(x),
    "inv": lambda x: ag.linalg.inv(x[:, :2]), "det": lambda x: ag.linalg.det(x[:, 1:]),
    "det singular": lambda x: ag.linalg.det(ag.stack([x[0, :2], x[0, :2]])),
    "solve": lambda x: ag.linalg.solve(x[:, :2], x), "svdvals": lambda x: ag.linalg.svdvals(x),
}


@pytest.mark.parametrize("name", list(FLOAT32_OPS))
def test_float32_in_float32_out(name):
    data = np.array([[1.5, 0.5, 2.0], [0.25, 1.75, 1.0]])
    grads = {}
    for dtype in (np.float32, np.float64):
        x = ag.Value(data.astype(dtype))
        y = FLOAT32_OPS[name](x)
        assert y.dtype == dtype, f"{name} made {y.dtype} from {dtype}"
        (y * y).sum().backward()
        assert x.grad.dtype == dtype and x.grad.shape == x.shape
        grads[dtype] = x.grad
    np.testing.assert_allclose(grads[np.float32], grads[np.float64], rtol=2e-4, atol=1e-4)


@pytest.mark.parametrize("module", ["linalg", "ops.reductions", "ops.statistics",
                                    "ops.cumulative", "ops.norms", "ops.contractions"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"autograd_core.{module}"))
    assert result.attempted and not result.failed


@pytest.mark.parametrize("shape", [(784, 512), (64, 26, 26, 3), (40000,), (20000, 1), (3, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_of_everything_as_numpy_gives_it_whatever_the_size(shape, dtype):
    # Large contiguous arrays are summed through BLAS (engine._sum_all): the same type,
    # dtype and shape as np.sum, and as close to the exact sum as numpy's pairwise sum.
    x = np.random.default_rng(3).normal(0.5, 1.0, size=shape).astype(dtype)
    exact = x.astype(np.float64).sum()
    ours = ag.Value(x).sum()
    theirs = np.sum(x)
    assert type(ours.data) is type(theirs) and ours.data.dtype == theirs.dtype
    assert abs(float(ours.data) - exact) <= 2 * abs(float(theirs) - exact) + 1e-3
    kept = ag.Value(x).sum(keepdims=True)
    assert kept.shape == np.sum(x, keepdims=True).shape
    np.testing.assert_allclose(kept.data, np.sum(x, keepdims=True), rtol=1e-5)
    strided = ag.Value(x.T).sum() if x.ndim > 1 else ag.Value(x[::2]).sum()
    np.testing.assert_allclose(strided.data, np.sum(x.T if x.ndim > 1 else x[::2]), rtol=1e-5)
