"""numpy's and PyTorch's functions written as compositions of the ops:
elementwise functions (sinc, logit, copysign, fmax, ...), products (addcmul, addmv,
multi_dot, ...), the NaN-ignoring reductions and quantiles, average/ptp/polyval/trapezoid,
picking by order (aminmax, kthvalue, mode, cummax, cummin, logcumsumexp), distances and
covariance, and PyTorch's top-level det/inverse/logdet/pinverse: the families
``elementwise_more``, ``products``, ``nan_reductions``, ``numpy_reductions``, ``ordering``
and ``distances`` of ``autograd_core.ops``.

Each: forward against numpy (or PyTorch where numpy lacks it) in float64, first derivatives
against central differences (gradcheck), second derivatives against central differences of
the first, and both against PyTorch where it has the function, over hypothesis-drawn
shapes. Then the edge points where a composition would differ from the libraries'
convention (NaN entries, sinc at 0, ties), the error messages, numpy's functions on
Values, and docstring examples of both libraries.
"""

import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
TRIPLES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)
FEW = settings(max_examples=20, deadline=None)


def check(f, f_ref, *arrays, rtol=1e-13, atol=1e-14):
    """Forward against the reference, gradcheck, second derivatives by central differences."""
    out = f(*[ag.Value(a) for a in arrays])
    np.testing.assert_allclose(out.data, f_ref(*arrays), rtol=rtol, atol=atol)
    ag.gradcheck(f, arrays)
    check_second_order(f, *arrays)


def with_nans(rng, shape, fraction=0.3):
    x = rng.normal(size=shape)
    x[rng.random(shape) < fraction] = np.nan
    return x


def nan_free_grad(f, x):
    """The gradient of sum(f(x) * w) at x with NaNs, as an array (NaN outputs dropped)."""
    v = ag.Variable(x)
    y = f(v)
    w = np.where(np.isnan(y.data), 0.0, 1.0 + np.arange(y.data.size).reshape(y.shape))
    (ag.where(np.isnan(y.data), 0.0, y) * w).sum().backward()
    return v.grad


# --- elementwise ------------------------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_angles_and_rounding_toward_zero(shape, seed):
    x = np.random.default_rng(seed).uniform(-5, 5, shape)
    for ours, np_fn in ((ag.deg2rad, np.deg2rad), (ag.rad2deg, np.rad2deg),
                        (ag.radians, np.radians), (ag.degrees, np.degrees)):
        check(ours, np_fn, x)
    compare_with_torch(ag.deg2rad, torch.deg2rad, x)
    compare_with_torch(ag.rad2deg, torch.rad2deg, x)
    x = x + 0.05 * (np.abs(x - np.round(x)) < 0.05)  # off the jumps of trunc
    for ours, np_fn in ((ag.trunc, np.trunc), (ag.fix, np.fix),
                        (ag.frac, lambda a: a - np.trunc(a))):
        check(ours, np_fn, x)
    compare_with_torch(ag.trunc, torch.trunc, x)
    compare_with_torch(ag.frac, torch.frac, x)
    compare_with_torch(ag.sgn, torch.sgn, x)


def test_trunc_keeps_signed_zeros_and_nan():
    x = np.array([-2.5, -0.5, -0.0, 0.0, 0.5, 2.5, np.nan, -np.inf])
    np.testing.assert_array_equal(ag.trunc(x).numpy(), np.trunc(x))
    np.testing.assert_array_equal(np.signbit(ag.trunc(x).numpy()), np.signbit(np.trunc(x)))
    np.testing.assert_array_equal(ag.frac(x[:6]).numpy(), torch.frac(torch.tensor(x[:6])))


@FEW
@given(shapes=PAIRS, seed=SEEDS)
def test_copysign_fmax_fmin_logaddexp2(shapes, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = rng.uniform(0.5, 2, a_shape) * rng.choice([-1.0, 1.0], a_shape)
    b = rng.normal(size=b_shape)
    check(ag.copysign, np.copysign, a, b)
    compare_with_torch(ag.copysign, torch.copysign, a, b)
    for ours, np_fn, torch_fn in ((ag.fmax, np.fmax, torch.fmax),
                                  (ag.fmin, np.fmin, torch.fmin),
                                  (ag.logaddexp2, np.logaddexp2, torch.logaddexp2)):
        check(ours, np_fn, a, b)
        compare_with_torch(ours, torch_fn, a, b)


def test_fmax_fmin_ignore_nan_and_give_a_tie_to_the_first_input_as_torch():
    a = np.array([1.0, 2.0, np.nan, np.nan, 3.0])
    b = np.array([1.0, np.nan, 3.0, np.nan, 4.0])
    for ours, np_fn, torch_fn in ((ag.fmax, np.fmax, torch.fmax),
                                  (ag.fmin, np.fmin, torch.fmin)):
        va, vb = ag.Variable(a), ag.Variable(b)
        ta, tb = (torch.tensor(v, requires_grad=True) for v in (a, b))
        y = ours(va, vb)
        np.testing.assert_array_equal(y.numpy(), np_fn(a, b))
        (y * np.arange(1.0, 6.0)).sum().backward()
        (torch_fn(ta, tb) * torch.arange(1.0, 6.0, dtype=torch.float64)).sum().backward()
        np.testing.assert_array_equal(va.grad, ta.grad.numpy())
        np.testing.assert_array_equal(vb.grad, tb.grad.numpy())


def test_copysign_takes_the_sign_bit_and_gives_zero_gradient_at_zero():
    a, b = np.array([0.0, -0.0, 2.0, 3.0]), np.array([-1.0, 1.0, -0.0, np.inf])
    np.testing.assert_array_equal(np.signbit(ag.copysign(a, b).numpy()),
                                  np.signbit(np.copysign(a, b)))
    v = ag.Variable(a)
    ag.copysign(v, b).sum().backward()
    assert v.grad.tolist() == [0.0, 0.0, -1.0, 1.0]


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_cbrt_fabs_positive(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.2, 3, shape) * rng.choice([-1.0, 1.0], shape)
    check(ag.cbrt, np.cbrt, x)
    # PyTorch has no cbrt: the same function as sign(x) |x|**(1/3), away from 0
    compare_with_torch(ag.cbrt, lambda t: torch.sign(t) * t.abs() ** (1 / 3), x, rtol=1e-12)
    check(ag.fabs, np.fabs, x)
    check(ag.positive, np.positive, x)
    compare_with_torch(ag.positive, torch.positive, x)
    # numpy's own cube root, exact on cubes whatever the machine's pow gives for
    # 27**(1/3) (2.9999999999999996 on one of ours), in float64 and float32
    for dtype in (np.float64, np.float32):
        cubes = np.array([-8.0, 27.0, 0.0, 1e-300 if dtype == np.float64 else 8e-36], dtype)
        y = ag.cbrt(cubes)
        assert y.dtype == dtype
        np.testing.assert_array_equal(y.numpy(), np.cbrt(cubes))
    # dy/dx = 1 / (3 y**2): 1/12 at -8, 1/27 at 27, a vertical tangent (inf) at 0, as JAX's
    v = ag.Variable(np.array([-8.0, 27.0, 0.0]))
    with np.errstate(divide="ignore"):
        ag.cbrt(v).sum().backward()
    np.testing.assert_allclose(v.grad, [1 / 12, 1 / 27, np.inf], rtol=1e-15)


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_sinc(shape, seed):
    x = np.random.default_rng(seed).uniform(-3, 3, shape)
    check(ag.sinc, np.sinc, x)
    compare_with_torch(ag.sinc, torch.sinc, x)


def test_sinc_at_zero_is_one_with_the_taylor_derivatives():
    x = ag.Variable(np.array([0.0, 0.5]))
    y = ag.sinc(x)
    assert y.numpy().tolist() == [1.0, np.sinc(0.5)]
    (g,) = ag.gradients(y.sum(), [x], create_graph=True)
    assert g.numpy()[0] == 0.0  # PyTorch's derivative at 0
    (h,) = ag.gradients(g.sum(), [x])
    np.testing.assert_allclose(h[0], -math.pi ** 2 / 3)  # PyTorch's double backward: NaN
    t = torch.tensor([0.0, 0.5], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.sinc(t).sum(), t)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12, atol=1e-15)
    check_second_order(ag.sinc, np.array([0.0, 1e-3, -0.7]))


@FEW
@given(shape=SHAPES, seed=SEEDS, eps=st.sampled_from([None, 0.1]))
def test_logit(shape, seed, eps):
    x = np.random.default_rng(seed).uniform(0.02, 0.98, shape)
    if eps is not None:  # off the clamp's corners, where central differences fail
        x = np.where(np.abs(x - eps) < 0.02, x + 0.04, x)
        x = np.where(np.abs(x - (1 - eps)) < 0.02, x - 0.04, x)
    clipped = x if eps is None else np.clip(x, eps, 1 - eps)
    check(lambda v: ag.logit(v, eps), lambda a: np.log(clipped / (1 - clipped)), x)
    compare_with_torch(lambda v: ag.logit(v, eps), lambda t: torch.logit(t, eps), x)


def test_logit_with_eps_has_zero_gradient_outside_as_torch():
    x = np.array([0.0, 0.05, 0.5, 0.95, 1.0])
    # first derivatives only: PyTorch's double backward is NaN at x = 0 and 1 (ours is 0)
    compare_with_torch(lambda v: ag.logit(v, 0.1), lambda t: torch.logit(t, 0.1), x,
                       second=False)
    check_second_order(lambda v: ag.logit(v, 0.1), x)
    assert np.isfinite(ag.logit(x, 0.1).numpy()).all()
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(ag.logit(np.array([0.0, 1.0])).numpy(),
                                      [-np.inf, np.inf])


def test_tests_have_no_gradient():
    x = ag.Variable(np.array([-np.inf, -1.0, -0.0, 0.0, np.inf, np.nan]))
    np.testing.assert_array_equal(ag.signbit(x).numpy(), np.signbit(x.numpy()))
    np.testing.assert_array_equal(ag.isneginf(x).numpy(), np.isneginf(x.numpy()))
    np.testing.assert_array_equal(x.isposinf().numpy(), np.isposinf(x.numpy()))
    got = ag.isin(np.array([[1, 2], [3, 4]]), [2, 3])
    assert got.dtype == bool and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), torch.isin(torch.tensor([[1, 2], [3, 4]]),
                                                          torch.tensor([2, 3])).numpy())
    np.testing.assert_array_equal(ag.isin([1, 2, 3], [2], invert=True).numpy(),
                                  [True, False, True])


def test_around_is_round():
    x = np.array([0.5, 1.5, 2.675, -0.125])
    np.testing.assert_array_equal(ag.around(x, 2).numpy(), np.around(x, 2))
    np.testing.assert_array_equal(ag.around(x).numpy(),
                                  torch.round(torch.tensor(x)).numpy())


# --- products ---------------------------------------------------------------------------


@FEW
@given(shapes=TRIPLES, seed=SEEDS, value=st.sampled_from([1, 0.5, -2.0]))
def test_addcmul_addcdiv(shapes, seed, value):
    rng = np.random.default_rng(seed)
    x, t1 = (rng.normal(size=s) for s in shapes.input_shapes[:2])
    t2 = rng.uniform(0.5, 2, shapes.input_shapes[2]) * rng.choice([-1.0, 1.0],
                                                                   shapes.input_shapes[2])
    check(lambda a, b, c: ag.addcmul(a, b, c, value=value), lambda a, b, c: a + value * b * c,
          x, t1, t2)
    check(lambda a, b, c: ag.addcdiv(a, b, c, value=value), lambda a, b, c: a + value * b / c,
          x, t1, t2)
    compare_with_torch(lambda a, b, c: ag.addcmul(a, b, c, value=value),
                       lambda a, b, c: torch.addcmul(a, b, c, value=value), x, t1, t2)
    compare_with_torch(lambda a, b, c: a.addcdiv(b, c, value=value),
                       lambda a, b, c: a.addcdiv(b, c, value=value), x, t1, t2)


@FEW
@given(n=st.integers(1, 4), m=st.integers(1, 4), p=st.integers(1, 3), b=st.integers(1, 3),
       seed=SEEDS, beta=st.sampled_from([1, 0.5, 0]), alpha=st.sampled_from([1, -1.5]))
def test_addmv_addbmm_baddbmm(n, m, p, b, seed, beta, alpha):
    rng = np.random.default_rng(seed)
    mat, vec, bias = rng.normal(size=(n, m)), rng.normal(size=m), rng.normal(size=n)
    compare_with_torch(lambda i, a, v: ag.addmv(i, a, v, beta=beta, alpha=alpha),
                       lambda i, a, v: torch.addmv(i, a, v, beta=beta, alpha=alpha),
                       bias, mat, vec)
    check(lambda i, a, v: ag.addmv(i, a, v, beta=beta, alpha=alpha),
          lambda i, a, v: beta * i + alpha * a @ v, bias, mat, vec)
    b1, b2 = rng.normal(size=(b, n, m)), rng.normal(size=(b, m, p))
    compare_with_torch(lambda i, x, y: ag.addbmm(i, x, y, beta=beta, alpha=alpha),
                       lambda i, x, y: torch.addbmm(i, x, y, beta=beta, alpha=alpha),
                       rng.normal(size=(1, p)), b1, b2)
    compare_with_torch(lambda i, x, y: i.baddbmm(x, y, beta=beta, alpha=alpha),
                       lambda i, x, y: i.baddbmm(x, y, beta=beta, alpha=alpha),
                       rng.normal(size=(b, n, p)), b1, b2)
    check(lambda i, x, y: ag.baddbmm(i, x, y, beta=beta, alpha=alpha),
          lambda i, x, y: beta * i + alpha * x @ y, rng.normal(size=(n, 1)), b1, b2)


def test_beta_zero_leaves_out_the_nans_of_input_as_torch():
    y = ag.addmv(np.array([np.nan, 1.0]), np.eye(2), np.ones(2), beta=0)
    np.testing.assert_array_equal(y.numpy(), [1.0, 1.0])


@FEW
@given(a_shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
       b_lead=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), seed=SEEDS)
def test_inner_and_ger(a_shape, b_lead, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=a_shape)
    b = rng.normal(size=b_lead + a_shape[-1:] if a_shape else b_lead)
    check(ag.inner, np.inner, a, b)
    compare_with_torch(ag.inner, torch.inner, a, b)
    u, v = rng.normal(size=3), rng.normal(size=a_shape[-1:] or (2,))
    check(ag.ger, np.outer, u, v)
    compare_with_torch(lambda x, y: x.ger(y), torch.ger, u, v)


@FEW
@given(sizes=st.lists(st.integers(1, 4), min_size=3, max_size=6), seed=SEEDS,
       vectors=st.tuples(st.booleans(), st.booleans()))
def test_multi_dot_and_chain_matmul(sizes, seed, vectors):
    rng = np.random.default_rng(seed)
    ms = [rng.normal(size=(sizes[i], sizes[i + 1])) for i in range(len(sizes) - 1)]
    check(lambda *v: ag.chain_matmul(*v), lambda *a: np.linalg.multi_dot(a), *ms)
    compare_with_torch(lambda *v: ag.chain_matmul(*v), lambda *t: torch.linalg.multi_dot(t),
                       *ms)
    if vectors[0]:
        ms[0] = ms[0][0]
    if vectors[1]:
        ms[-1] = ms[-1][:, 0]
    check(lambda *v: ag.multi_dot(v), lambda *a: np.linalg.multi_dot(a), *ms)
    compare_with_torch(lambda *v: ag.multi_dot(list(v)), lambda *t: torch.linalg.multi_dot(t),
                       *ms)


def test_chain_matmul_of_one_matrix_and_multi_dot_picks_the_cheap_order():
    A = ag.Value(np.ones((2, 3)))
    assert ag.chain_matmul(A) is A
    # (10 x 1000) (1000 x 2) (2 x 1000): left first costs 40,000, right first 2,000,000
    seen = []
    original = ag.ops.linalg.matmul
    try:
        ag.ops.linalg.matmul = lambda a, b: seen.append((a.shape, b.shape)) or original(a, b)
        ag.multi_dot([np.ones((10, 1000)), np.ones((1000, 2)), np.ones((2, 1000))])
    finally:
        ag.ops.linalg.matmul = original
    assert seen == [((10, 1000), (1000, 2)), ((10, 2), (2, 1000))]


# --- NaN-ignoring reductions --------------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data(), keepdims=st.booleans())
def test_nan_reductions_against_numpy(shape, seed, data, keepdims):
    rng = np.random.default_rng(seed)
    axis = data.draw(st.sampled_from([None] + list(range(-len(shape), len(shape)))))
    x = rng.normal(size=shape)
    for ours, np_fn in ((ag.nansum, np.nansum), (ag.nanmean, np.nanmean),
                        (ag.nanvar, np.nanvar), (ag.nanstd, np.nanstd),
                        (ag.nanmax, np.nanmax), (ag.nanmin, np.nanmin),
                        (ag.nanmedian, np.nanmedian)):
        check(lambda v: ours(v, axis, keepdims), lambda a: np_fn(a, axis, keepdims=keepdims),
              x)
    check(lambda v: ag.nanvar(v, axis, ddof=0.5), lambda a: np.nanvar(a, axis, ddof=0.5), x)
    x = with_nans(rng, shape)
    with _quiet():
        for ours, np_fn in ((ag.nansum, np.nansum), (ag.nanmean, np.nanmean),
                            (ag.nanvar, np.nanvar), (ag.nanstd, np.nanstd),
                            (ag.nanmax, np.nanmax), (ag.nanmin, np.nanmin),
                            (ag.nanmedian, np.nanmedian)):
            got = ours(x, axis, keepdims)
            np.testing.assert_allclose(got.numpy(), np_fn(x, axis, keepdims=keepdims),
                                       rtol=1e-13, atol=1e-14)
            grad = nan_free_grad(lambda v: ours(v, axis, keepdims), x)
            assert np.isfinite(grad).all()
            assert (grad[np.isnan(x)] == 0).all()


class _quiet:
    """numpy's warnings about slices of NaNs only, silenced for the comparisons."""

    def __enter__(self):
        import warnings
        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._catch.__exit__(*exc)


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_nan_reductions_against_torch_with_nans(shape, seed, data):
    rng = np.random.default_rng(seed)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = with_nans(rng, shape, 0.25)
    # NaN entries get a zero gradient in both libraries. Every slice keeps a number (slices
    # of NaNs only are tested below: there PyTorch's nanmedian sends its gradient to a NaN).
    first = (slice(None),) * (dim % len(shape)) + (0,)
    x[first] = rng.normal(size=x[first].shape)
    with _quiet():
        compare_with_torch(lambda v: ag.nansum(v, dim=dim), lambda t: torch.nansum(t, dim), x)
        compare_with_torch(lambda v: ag.nanmean(v, dim=dim), lambda t: torch.nanmean(t, dim),
                           x)
        compare_with_torch(lambda v: v.nanmedian(dim=dim).values,
                           lambda t: t.nanmedian(dim=dim).values, x)
        np.testing.assert_array_equal(ag.nanmedian(x, dim=dim).indices.numpy(),
                                      torch.nanmedian(torch.tensor(x), dim).indices.numpy())
        q = torch.tensor([0.25, 0.9], dtype=torch.float64)
        compare_with_torch(lambda v: ag.nanquantile(v, [0.25, 0.9], dim=dim),
                           lambda t: torch.nanquantile(t, q, dim), x)


def test_nan_reductions_of_all_nan_slices_are_nan_with_zero_gradient():
    x = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 2.0]])
    with _quiet():
        for ours, np_fn in ((ag.nanmean, np.nanmean), (ag.nanvar, np.nanvar),
                            (ag.nanstd, np.nanstd), (ag.nanmax, np.nanmax),
                            (ag.nanmin, np.nanmin), (ag.nanmedian, np.nanmedian)):
            v = ag.Variable(x)
            y = ours(v, 1)
            np.testing.assert_allclose(y.numpy(), np_fn(x, 1))
            ag.where(np.isnan(y.data), 0.0, y).sum().backward()
            assert np.isfinite(v.grad).all() and (v.grad[np.isnan(x)] == 0).all()
            v = ag.Variable(x)
            ag.gradients(ours(v, 1).sum(), [v])  # a NaN loss still sends no NaN gradient
        got = ag.nanmedian(x, dim=1)
        want = torch.nanmedian(torch.tensor(x), dim=1)
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    v = ag.Variable(x)
    ag.nanmean(v).backward()
    np.testing.assert_array_equal(v.grad, np.where(np.isnan(x), 0, 0.5))
    v = ag.Variable(np.array([2.0, 2.0, np.nan]))
    ag.nanstd(v).backward()
    np.testing.assert_array_equal(v.grad, [0.0, 0.0, 0.0])  # std's convention at 0


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data(),
       q=st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=1, max_size=3)))
def test_quantiles_and_percentiles_against_numpy(shape, seed, data, q):
    rng = np.random.default_rng(seed)
    axis = data.draw(st.sampled_from([None] + list(range(len(shape)))))
    keepdims = data.draw(st.booleans())
    x = rng.normal(size=shape)
    check(lambda v: ag.nanquantile(v, q, axis, keepdims),
          lambda a: np.nanquantile(a, q, axis, keepdims=keepdims), x)
    pct = np.asarray(q) * 100
    check(lambda v: ag.percentile(v, pct, axis, keepdims),
          lambda a: np.percentile(a, pct, axis, keepdims=keepdims), x)
    x = with_nans(rng, shape)
    with _quiet():
        np.testing.assert_allclose(ag.nanpercentile(x, pct, axis, keepdims).numpy(),
                                   np.nanpercentile(x, pct, axis, keepdims=keepdims),
                                   rtol=1e-13, atol=1e-14)


# --- more of numpy's reductions -----------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_average(shape, seed, data):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=shape), rng.uniform(0.5, 2, shape)
    axis = data.draw(st.sampled_from([None] + list(range(len(shape)))))
    check(lambda v: ag.average(v, axis), lambda a: np.average(a, axis), x)
    check(lambda v, u: ag.average(v, axis, u), lambda a, u: np.average(a, axis, u), x, w)
    if axis is not None:
        w1 = rng.uniform(0.5, 2, shape[axis])
        check(lambda v, u: ag.average(v, axis, u), lambda a, u: np.average(a, axis, u), x, w1)
        avg, total = ag.average(x, axis, w1, returned=True)
        want_avg, want_total = np.average(x, axis, w1, returned=True)
        np.testing.assert_allclose(total.numpy(), want_total)
        assert total.shape == want_total.shape
    avg, count = ag.average(x, axis, returned=True)
    np.testing.assert_allclose(count.numpy(), np.average(x, axis, returned=True)[1])


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_ptp_polyval_ediff1d(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    axis = data.draw(st.sampled_from([None] + list(range(len(shape)))))
    check(lambda v: ag.ptp(v, axis), lambda a: np.ptp(a, axis), x)
    p = rng.normal(size=data.draw(st.integers(1, 4)))
    check(ag.polyval, np.polyval, p, x)
    check(ag.ediff1d, np.ediff1d, x)
    begin, end = rng.normal(size=2), rng.normal(size=(1, 2))
    check(lambda v, b, e: ag.ediff1d(v, to_end=e, to_begin=b),
          lambda a, b, e: np.ediff1d(a, to_end=e, to_begin=b), x, begin, end)


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_trapezoid(shape, seed, data):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    check(lambda v: ag.trapezoid(v, axis=axis), lambda a: np.trapezoid(a, axis=axis), y)
    check(lambda v: ag.trapezoid(v, dx=0.5, axis=axis),
          lambda a: np.trapezoid(a, dx=0.5, axis=axis), y)
    x = np.cumsum(rng.uniform(0.1, 1, shape[axis]))
    check(lambda v, u: ag.trapezoid(v, u, axis=axis),
          lambda a, u: np.trapezoid(a, u, axis=axis), y, x)
    compare_with_torch(lambda v, u: ag.trapezoid(v, u, dim=axis),
                       lambda t, u: torch.trapezoid(t, u, dim=axis), y, x)
    compare_with_torch(lambda v: ag.trapz(v, dx=2.0, dim=axis),
                       lambda t: torch.trapz(t, dx=2.0, dim=axis), y)
    xs = rng.uniform(0, 1, shape)  # x of y's shape
    check(lambda v, u: ag.trapezoid(v, u, axis=axis),
          lambda a, u: np.trapezoid(a, u, axis=axis), y, xs)


# --- picking by order -------------------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data(), keepdim=st.booleans())
def test_aminmax_kthvalue(shape, seed, data, keepdim):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    for i in (0, 1):
        compare_with_torch(lambda v: ag.aminmax(v, dim=dim, keepdim=keepdim)[i],
                           lambda t: torch.aminmax(t, dim=dim, keepdim=keepdim)[i], x)
        compare_with_torch(lambda v: v.aminmax()[i], lambda t: t.aminmax()[i], x)
    k = data.draw(st.integers(1, shape[dim]))
    got, want = ag.kthvalue(x, k, dim, keepdim), torch.kthvalue(torch.tensor(x), k, dim,
                                                                keepdim)
    np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    compare_with_torch(lambda v: v.kthvalue(k, dim, keepdim).values,
                       lambda t: t.kthvalue(k, dim, keepdim).values, x)
    check(lambda v: ag.kthvalue(v, k, dim).values,
          lambda a: np.take(np.sort(a, axis=dim), k - 1, axis=dim), x)


def test_aminmax_ties_share_the_gradient_as_torch():
    x = np.array([[1.0, 3.0, 3.0, 1.0], [2.0, 2.0, 2.0, 0.0]])
    compare_with_torch(lambda v: ag.aminmax(v).min + 10 * ag.aminmax(v).max,
                       lambda t: torch.aminmax(t).min + 10 * torch.aminmax(t).max, x)
    compare_with_torch(lambda v: ag.aminmax(v, dim=1).max, lambda t: torch.aminmax(t, dim=1).max,
                       x)
    assert ag.aminmax(x)._fields == ("min", "max")


def test_kthvalue_ties_pick_a_tied_element():
    x = np.array([[2.0, 1.0, 1.0, 3.0, 1.0, 1.0], [5.0] * 6])
    got = ag.kthvalue(x, 3, 1)
    want = torch.kthvalue(torch.tensor(x), 3, 1)
    np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
    # PyTorch leaves the index among ties open; ours is the k-th of a stable sort
    assert got.indices.numpy().tolist() == [4, 2]
    v = ag.Variable(x)
    ag.kthvalue(v, 3, 1).values.sum().backward()
    assert v.grad.sum() == 2 and v.grad[0, 4] == 1 and v.grad[1, 2] == 1


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data(), keepdim=st.booleans())
def test_mode_matches_torch_with_ties(shape, seed, data, keepdim):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, shape).astype(np.float64)  # many ties, of values and of counts
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    got, want = ag.mode(x, dim, keepdim), torch.mode(torch.tensor(x), dim, keepdim)
    np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
    np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    compare_with_torch(lambda v: v.mode(dim, keepdim).values,
                       lambda t: t.mode(dim, keepdim).values, x)


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data(), ties=st.booleans())
def test_cummax_cummin_match_torch(shape, seed, data, ties):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.normal(size=shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    for ours, theirs in ((ag.cummax, torch.cummax), (ag.cummin, torch.cummin)):
        got, want = ours(x, dim), theirs(torch.tensor(x), dim)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        compare_with_torch(lambda v: ours(v, dim).values, lambda t: theirs(t, dim).values, x)
    np.testing.assert_array_equal(ag.cummax(x, dim).values.numpy(),
                                  np.maximum.accumulate(x, axis=dim))
    ag.gradcheck(lambda v: ag.cummin(v, dim).values, [rng.normal(size=shape)])


def test_cummax_with_nan_and_ties_as_torch():
    x = np.array([1.0, 3.0, 3.0, np.nan, 2.0, np.nan, 5.0])
    for ours, theirs in ((ag.cummax, torch.cummax), (ag.cummin, torch.cummin)):
        got, want = ours(x, 0), theirs(torch.tensor(x), 0)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    v = ag.Variable(np.array([1.0, 3.0, 3.0, 2.0]))
    ag.cummax(v, 0).values.sum().backward()
    assert v.grad.tolist() == [1.0, 1.0, 2.0, 0.0]  # torch: the later tie takes over
    got = ag.cummax(ag.Value(np.float64(2.0)), 0)
    assert got.values.shape == () and int(got.indices) == 0


def test_running_extremes_match_torch_on_ties_and_nans():
    rng = np.random.default_rng(3)
    for _ in range(100):
        x = rng.integers(0, 4, size=(3, 7)).astype(float)
        x[rng.random(x.shape) < 0.15] = np.nan
        for ours, theirs in ((ag.cummax, torch.cummax), (ag.cummin, torch.cummin)):
            for dim in (0, 1):
                got, want = ours(ag.Value(x), dim), theirs(torch.tensor(x), dim)
                np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
                np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_logcumsumexp(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape) * 3
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check(lambda v: ag.logcumsumexp(v, dim), lambda a: np.logaddexp.accumulate(a, axis=dim),
          x, rtol=1e-12)
    compare_with_torch(lambda v: v.logcumsumexp(dim), lambda t: t.logcumsumexp(dim), x)


def test_logcumsumexp_with_large_values_and_minus_infinity_as_torch():
    big = np.array([1000.0, 1001.0, -1000.0, 1e300, 0.0])
    np.testing.assert_allclose(ag.logcumsumexp(big, 0).numpy(),
                               torch.logcumsumexp(torch.tensor(big), 0).numpy(), rtol=1e-15)
    compare_with_torch(lambda v: ag.logcumsumexp(v, 0), lambda t: torch.logcumsumexp(t, 0),
                       big[:3])
    x = np.array([-np.inf, -np.inf, 0.0, 1.0, -np.inf])
    v, t = ag.Variable(x), torch.tensor(x, requires_grad=True)
    y = ag.logcumsumexp(v, 0)
    np.testing.assert_array_equal(y.numpy(), torch.logcumsumexp(t, 0).detach().numpy())
    with np.errstate(invalid="ignore"):
        y.sum().backward()
    torch.logcumsumexp(t, 0).sum().backward()
    np.testing.assert_allclose(v.grad, t.grad.numpy())  # NaN at the leading -inf, as torch


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_cumulative_logsumexp_is_tensorflows_op_with_reverse(shape, seed, data):
    x = np.random.default_rng(seed).normal(size=shape) * 3
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    flipped = lambda a: np.flip(np.logaddexp.accumulate(np.flip(a, axis), axis=axis), axis)
    check(lambda v: ag.cumulative_logsumexp(v, axis, reverse=True), flipped, x, rtol=1e-12)
    compare_with_torch(lambda v: ag.cumulative_logsumexp(v, axis, reverse=True),
                       lambda t: t.flip(axis).logcumsumexp(axis).flip(axis), x)


def test_cumulative_logsumexp_scans_a_long_axis_without_overflow():
    # O(n): a million numbers (an n x n table would take 8 TB); exp(x) alone overflows.
    x = np.linspace(-800.0, 800.0, 1_000_000)
    v = ag.Variable(x)
    y = ag.cumulative_logsumexp(v, 0)
    np.testing.assert_allclose(y.numpy()[-1], np.logaddexp.reduce(x), rtol=1e-12)
    y[-1].backward()   # d y_last / dx = softmax(x)
    np.testing.assert_allclose(v.grad, np.exp(x - np.logaddexp.reduce(x)), atol=1e-12)
    with pytest.raises(ValueError, match="cumulative_logsumexp: x must have at least one axis"):
        ag.cumulative_logsumexp(ag.Value(1.0))
    with pytest.raises(ValueError, match="cumulative_logsumexp"):
        ag.cumulative_logsumexp(np.ones((2, 3)), 2)


# --- distances and covariance -------------------------------------------------------------


@FEW
@given(shapes=PAIRS.filter(lambda s: len(s.result_shape) >= 1), seed=SEEDS, data=st.data())
def test_cosine_similarity_and_pairwise_distance(shapes, seed, data):
    rng = np.random.default_rng(seed)
    a, b = (rng.normal(size=s) for s in shapes.input_shapes)
    ndim = len(shapes.result_shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    F = torch.nn.functional
    compare_with_torch(lambda u, v: ag.cosine_similarity(u, v, dim),
                       lambda u, v: F.cosine_similarity(u, v, dim), a, b)
    ag.gradcheck(lambda u, v: ag.cosine_similarity(u, v, dim), [a, b])
    p = data.draw(st.sampled_from([1.0, 2.0, 3.0, np.inf]))
    keepdim = data.draw(st.booleans())
    compare_with_torch(lambda u, v: ag.pairwise_distance(u, v, p, keepdim=keepdim),
                       lambda u, v: F.pairwise_distance(u, v, p, keepdim=keepdim), a, b)
    compare_with_torch(lambda u, v: ag.dist(u, v, p), lambda u, v: torch.dist(u, v, p), a, b)
    check_second_order(lambda u, v: u.dist(v, 3), a, b)


def test_cosine_similarity_at_a_zero_vector_as_torch():
    a, b = np.array([[0.0, 0.0], [1e-9, 0.0], [3.0, 4.0]]), np.array([[1.0, 2.0]] * 3)
    # first derivatives: PyTorch's second derivative at the zero vector is NaN
    compare_with_torch(ag.cosine_similarity, torch.nn.functional.cosine_similarity, a, b,
                       second=False)
    compare_with_torch(ag.cosine_similarity, torch.nn.functional.cosine_similarity, a[1:],
                       b[1:])


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=5), seed=SEEDS,
       correction=st.sampled_from([0, 1, 2]), weights=st.sampled_from(["", "f", "a", "fa"]))
def test_cov_and_corrcoef(shape, seed, correction, weights):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    n = shape[-1]
    fw = rng.integers(1, 4, n) if "f" in weights else None
    aw = rng.uniform(0.5, 2, n) if "a" in weights else None
    if n - correction <= 0 and not weights:
        correction = 0
    check(lambda v: ag.cov(v, correction=correction, fweights=fw, aweights=aw),
          lambda a: np.cov(a, ddof=correction, fweights=fw, aweights=aw), x, rtol=1e-12)
    compare_with_torch(
        lambda v: v.cov(correction=correction, fweights=fw, aweights=aw),
        lambda t: t.cov(correction=correction,
                        fweights=None if fw is None else torch.tensor(fw),
                        aweights=None if aw is None else torch.tensor(aw)), x, rtol=1e-6)
    if aw is not None:  # aweights given as a Value get a gradient too
        compare_with_torch(lambda v, w: ag.cov(v, correction=correction, aweights=w),
                           lambda t, w: torch.cov(t, correction=correction, aweights=w), x, aw,
                           rtol=1e-6)
    check(ag.corrcoef, np.corrcoef, x, rtol=1e-12, atol=1e-12)
    compare_with_torch(ag.corrcoef, torch.corrcoef, x, rtol=1e-6, atol=1e-10)


def test_cov_of_a_vector_is_its_variance_and_numpys_signature():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    np.testing.assert_allclose(ag.cov(x).numpy(), np.var(x, ddof=1))
    assert ag.cov(x).shape == ()
    v, y = ag.Variable(np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 4.0]])), np.arange(3.0)
    np.testing.assert_allclose(np.cov(v, y, rowvar=False, bias=True).numpy(),
                               np.cov(v.numpy(), y, rowvar=False, bias=True))
    np.testing.assert_allclose(np.corrcoef(v, rowvar=False).numpy(),
                               np.corrcoef(v.numpy(), rowvar=False))


# --- PyTorch's top-level linear algebra ----------------------------------------------------


@FEW
@given(n=st.integers(1, 4), batch=hnp.array_shapes(min_dims=0, max_dims=1, max_side=2),
       seed=SEEDS)
def test_det_inverse_logdet_pinverse(n, batch, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=batch + (n, n)) + 3 * np.eye(n)  # positive determinants, likely
    A = A @ np.swapaxes(A, -1, -2) + np.eye(n)           # certainly
    for ours, theirs in ((ag.det, torch.det), (ag.inverse, torch.inverse),
                         (ag.logdet, torch.logdet), (lambda v: v.logdet(), torch.logdet)):
        compare_with_torch(ours, theirs, A, rtol=1e-6, atol=1e-9)
    B = rng.normal(size=batch + (n + 1, n))
    compare_with_torch(ag.pinverse, torch.pinverse, B, rtol=1e-6, atol=1e-9)
    compare_with_torch(lambda v: v.pinverse(), lambda t: t.pinverse(), B, rtol=1e-6, atol=1e-9)


def test_logdet_of_negative_and_singular_matrices_as_torch():
    for A in (np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 2.0], [2.0, 4.0]])):
        np.testing.assert_array_equal(ag.logdet(A).numpy(), torch.logdet(torch.tensor(A)))


# --- errors -------------------------------------------------------------------------------


def test_errors_name_the_function_the_argument_and_the_shapes():
    with pytest.raises(ValueError, match=r"addcmul: input of shape \(2,\), tensor1 of shape "
                                         r"\(3,\), tensor2 of shape \(\) do not broadcast"):
        ag.addcmul(np.ones(2), np.ones(3), 1.0)
    with pytest.raises(TypeError, match="addcdiv: value must be a number"):
        ag.addcdiv(np.ones(2), np.ones(2), np.ones(2), value="2")
    with pytest.raises(ValueError, match=r"addmv: expects mat \(n, m\) and vec \(m,\), got "
                                         r"shapes \(2, 3\) and \(2,\)"):
        ag.addmv(np.ones(2), np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match=r"addmv: input of shape \(3,\) does not broadcast "
                                         r"to the product's shape \(2,\)"):
        ag.addmv(np.ones(3), np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match=r"baddbmm: expects batch1 \(b, n, m\) and batch2"):
        ag.baddbmm(np.ones((2, 2)), np.ones((2, 2, 3)), np.ones((3, 3, 2)))
    with pytest.raises(ValueError, match=r"ger: expects two vectors, got shapes \(2, 2\)"):
        ag.ger(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match=r"inner: the last axes of a \(2, 3\) and b \(2,\)"):
        ag.inner(np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match=r"multi_dot: matrices 1 \(3, 4\) and 2 \(5, 2\)"):
        ag.multi_dot([np.ones((2, 3)), np.ones((3, 4)), np.ones((5, 2))])
    with pytest.raises(ValueError, match="multi_dot: expects at least two arrays, got 1"):
        ag.multi_dot([np.ones((2, 2))])
    with pytest.raises(ValueError, match=r"chain_matmul: expects matrices, got shape \(3,\)"):
        ag.chain_matmul(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match=r"fmax: a of shape \(2,\), b of shape \(3,\) do not"):
        ag.fmax(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="logit: eps must be a number"):
        ag.logit(np.ones(2) / 2, eps="small")
    with pytest.raises(ValueError, match=r"nanquantile: q must be a number or a sequence in "
                                         r"\[0, 1\]"):
        ag.nanquantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match=r"nanpercentile: q must be .* in \[0, 100\]"):
        ag.nanpercentile(np.ones(3), 101)
    with pytest.raises(ValueError, match="nanquantile: only linear interpolation"):
        ag.nanquantile(np.ones(3), 0.5, method="nearest")
    with pytest.raises(ValueError, match=r"nanmax: cannot reduce an empty axis \(input of "
                                         r"shape \(2, 0\)"):
        ag.nanmax(np.ones((2, 0)), 1)
    with pytest.raises(ValueError, match=r"nanmean: axis 2 is out of range for an input of "
                                         r"shape \(2, 3\)"):
        ag.nanmean(np.ones((2, 3)), 2)
    with pytest.raises(TypeError, match=r"average: the weights' shape \(3,\) differs from "
                                        r"a's \(2, 3\): give the axis"):
        ag.average(np.ones((2, 3)), weights=np.ones(3))
    with pytest.raises(ValueError, match=r"average: weights of shape \(2,\) do not match a "
                                         r"of shape \(2, 3\) along axis 1"):
        ag.average(np.ones((2, 3)), 1, np.ones(2))
    with pytest.raises(ZeroDivisionError, match="average: the weights sum to zero"):
        ag.average(np.ones(2), weights=np.zeros(2))
    with pytest.raises(ValueError, match=r"polyval: p must be a vector .* shape \(2, 2\)"):
        ag.polyval(np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match=r"trapezoid: x of shape \(2,\) does not match y of "
                                         r"shape \(3, 4\) along axis 1"):
        ag.trapezoid(np.ones((3, 4)), np.ones(2))
    with pytest.raises(TypeError, match="trapezoid: give x or dx, not both"):
        ag.trapezoid(np.ones(3), np.ones(3), dx=1.0)
    with pytest.raises(ValueError, match=r"kthvalue: k=4 is out of range for dim 0 of length "
                                         r"3 \(input shape \(3,\)\)"):
        ag.kthvalue(np.ones(3), 4, 0)
    with pytest.raises(TypeError, match="kthvalue: k must be an integer"):
        ag.kthvalue(np.ones(3), 1.5)
    with pytest.raises(ValueError, match=r"cummax: axis 1 is out of range for an input of "
                                         r"shape \(3,\)"):
        ag.cummax(np.ones(3), 1)
    with pytest.raises(TypeError, match="cummin: dim must be an integer, got None"):
        ag.cummin(np.ones(3), None)
    with pytest.raises(ValueError, match=r"mode: cannot take it over an empty dim"):
        ag.mode(np.ones((2, 0)))
    with pytest.raises(ValueError, match=r"aminmax: cannot reduce an empty axis"):
        ag.aminmax(np.ones((0, 2)))
    with pytest.raises(ValueError, match=r"cosine_similarity: x1 of shape \(2, 3\), x2 of "
                                         r"shape \(2, 4\) do not broadcast"):
        ag.cosine_similarity(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"cov: expects \(variables, observations\) of at "
                                         r"most 2 dimensions, got shape \(2, 2, 2\)"):
        ag.cov(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"cov: fweights must be a vector of one weight per "
                                         r"observation \(3\), got shape \(2,\)"):
        ag.cov(np.ones((2, 3)), fweights=np.ones(2, int))
    with pytest.raises(TypeError, match="cov: fweights must be integers"):
        ag.cov(np.ones((2, 3)), fweights=np.ones(3))
    with pytest.raises(ValueError, match="cov: aweights cannot be negative"):
        ag.cov(np.ones((2, 3)), aweights=-np.ones(3))
    with pytest.raises(ValueError, match=r"linalg.det: expected square matrices"):
        ag.det(np.ones((2, 3)))
    with pytest.raises(TypeError, match="np.nanmean: the keyword dtype= is not supported|"
                                        "np.nanmean: dtype="):
        np.nanmean(ag.Value(np.ones(3)), dtype=np.float32)


# --- numpy's functions on Values ---------------------------------------------------------


def test_numpy_functions_on_values_give_values_with_gradients():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, np.nan]])
    v = ag.Variable(x)
    y = np.nanmean(v, axis=1)
    assert isinstance(y, ag.Value)
    np.testing.assert_allclose(y.numpy(), np.nanmean(x, axis=1))
    y.sum().backward()
    np.testing.assert_array_equal(v.grad, [[0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    a, b = ag.Variable(np.array([1.0, np.nan, 3.0])), ag.Variable(np.array([2.0, 2.0, np.nan]))
    m = np.fmax(a, b)
    assert isinstance(m, ag.Value)
    m.sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 1.0] and b.grad.tolist() == [1.0, 1.0, 0.0]
    w = ag.Value(np.array([-1.5, 0.0, 2.5]))
    for np_fn in (np.fmin, np.copysign, np.logaddexp2):
        np.testing.assert_allclose(np_fn(w, 1.0).numpy(), np_fn(w.numpy(), 1.0))
    for np_fn in (np.cbrt, np.fabs, np.deg2rad, np.rad2deg, np.radians, np.degrees, np.trunc,
                  np.fix, np.sinc):
        np.testing.assert_allclose(np_fn(w).numpy(), np_fn(w.numpy()), err_msg=np_fn.__name__)
    for np_fn in (np.nansum, np.nanmax, np.nanmin, np.nanvar, np.nanstd, np.nanmedian,
                  np.ptp, np.ediff1d):
        np.testing.assert_allclose(np_fn(v).numpy(), np_fn(x), err_msg=np_fn.__name__)
    with _quiet():  # a column with one number: n - ddof = 0, NaN in both
        np.testing.assert_allclose(np.nanvar(v, axis=0, ddof=1, keepdims=True).numpy(),
                                   np.nanvar(x, axis=0, ddof=1, keepdims=True))
    np.testing.assert_allclose(np.nanquantile(v, [0.1, 0.7], axis=1).numpy(),
                               np.nanquantile(x, [0.1, 0.7], axis=1))
    np.testing.assert_allclose(np.nanpercentile(v, 40).numpy(), np.nanpercentile(x, 40))
    np.testing.assert_allclose(np.percentile(w, [10, 90]).numpy(),
                               np.percentile(w.numpy(), [10, 90]))
    np.testing.assert_allclose(np.average(w, weights=[1.0, 2.0, 3.0]).numpy(),
                               np.average(w.numpy(), weights=[1.0, 2.0, 3.0]))
    np.testing.assert_allclose(np.polyval(w, 2.0).numpy(), np.polyval(w.numpy(), 2.0))
    np.testing.assert_allclose(np.trapezoid(w, dx=0.5).numpy(), np.trapezoid(w.numpy(), dx=0.5))
    np.testing.assert_allclose(np.inner(w, w).numpy(), np.inner(w.numpy(), w.numpy()))
    M = ag.Value(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(np.linalg.multi_dot([M, M.T, M]).numpy(),
                               np.linalg.multi_dot([M.numpy(), M.numpy().T, M.numpy()]))
    np.testing.assert_allclose(np.cov(M).numpy(), np.cov(M.numpy()))
    np.testing.assert_array_equal(np.isneginf(ag.Value([-np.inf, 1.0])), [True, False])
    np.testing.assert_array_equal(np.isin(ag.Value([1.0, 2.0]), [2.0]), [False, True])
    with pytest.raises(TypeError, match="np.nanmax: initial=0.0 is not supported"):
        np.nanmax(v, initial=0.0)


def test_methods_are_attached_and_none_replaced():
    x = ag.Value(np.array([[0.2, 0.7], [0.4, 0.9]]))
    for name in ("addcmul", "addcdiv", "logit", "sinc", "deg2rad", "rad2deg", "trunc", "fix",
                 "frac", "copysign", "fmax", "fmin", "sgn", "signbit", "isneginf", "isposinf",
                 "aminmax", "kthvalue", "mode", "cummax", "cummin", "logcumsumexp", "nanmean",
                 "nansum", "nanmedian", "nanquantile", "det", "inverse", "logdet", "pinverse",
                 "dist", "cov", "corrcoef", "inner", "ger"):
        assert hasattr(ag.Value, name), name
    assert ag.Value.inverse is sys.modules["autograd_core.ops.inversion"].inv  # kept
    np.testing.assert_allclose(x.logit().numpy(), torch.logit(torch.tensor(x.numpy())))
    np.testing.assert_allclose(x.cummax(1).values.numpy(), np.maximum.accumulate(x.numpy(), 1))
    np.testing.assert_allclose(x.nanquantile(0.5).numpy(), np.quantile(x.numpy(), 0.5))


# --- docstring examples, ported -----------------------------------------------------------


def test_torch_docstring_examples():
    # torch.logcumsumexp: a = torch.randn(10); torch.logcumsumexp(a, dim=0)
    a = np.random.default_rng(0).normal(size=10)
    np.testing.assert_allclose(ag.logcumsumexp(a, dim=0).numpy(),
                               torch.logcumsumexp(torch.tensor(a), dim=0).numpy(), rtol=1e-14)
    # torch.mode: b = torch.tensor([[0, 0, 0, 2, 0, 0, 2], [0, 3, 0, 0, 2, 0, 1],
    #   [2, 2, 2, 0, 0, 0, 3], [2, 2, 3, 0, 1, 1, 0], [1, 1, 0, 0, 2, 0, 2]])
    b = np.array([[0, 0, 0, 2, 0, 0, 2], [0, 3, 0, 0, 2, 0, 1], [2, 2, 2, 0, 0, 0, 3],
                  [2, 2, 3, 0, 1, 1, 0], [1, 1, 0, 0, 2, 0, 2]], dtype=np.float64)
    got = ag.mode(b, 0)
    assert got.values.numpy().tolist() == [0, 2, 0, 0, 0, 0, 2]
    assert got.indices.numpy().tolist() == [1, 3, 4, 4, 2, 4, 4]
    # torch.cummax: a = torch.randn(10); torch.cummax(a, dim=0)
    got, want = ag.cummax(a, dim=0), torch.cummax(torch.tensor(a), dim=0)
    np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())


def test_numpy_docstring_examples():
    # np.nanmean: a = np.array([[1, np.nan], [3, 4]]) -> 2.667, axis=0 -> [2., 4.]
    a = np.array([[1, np.nan], [3, 4]])
    np.testing.assert_allclose(ag.nanmean(a).numpy(), 2.6666666666666665)
    np.testing.assert_allclose(ag.nanmean(a, axis=0).numpy(), [2.0, 4.0])
    # np.polyval([3, 0, 1], 5) = 3 * 5**2 + 0 * 5**1 + 1 = 76
    assert float(ag.polyval([3.0, 0.0, 1.0], 5.0)) == 76.0
    # np.trapezoid([1, 2, 3], x=[4, 6, 8]) = 8.0; np.trapezoid([1, 2, 3], dx=2) = 8.0
    assert float(ag.trapezoid([1.0, 2.0, 3.0], x=[4.0, 6.0, 8.0])) == 8.0
    assert float(ag.trapezoid([1.0, 2.0, 3.0], dx=2)) == 8.0
    # np.ediff1d([1, 2, 4, 7, 0], to_begin=-99, to_end=np.array([88, 99]))
    got = ag.ediff1d(np.array([1.0, 2.0, 4.0, 7.0, 0.0]), to_begin=-99.0,
                     to_end=np.array([88.0, 99.0]))
    assert got.numpy().tolist() == [-99, 1, 2, 3, -7, 88, 99]
    # np.average(np.arange(1, 11), weights=np.arange(10, 0, -1)) = 4.0
    assert float(ag.average(np.arange(1.0, 11.0), weights=np.arange(10.0, 0.0, -1.0))) == 4.0
