"""numpy's and PyTorch's names and keywords that ported code calls: triangles (tril, triu),
mm/mv/dot, remainder/fmod/floor_divide/logaddexp/hypot (and ``%``, ``//``), nan_to_num,
diff, meshgrid, masked_select, narrow/select/t, broadcast_tensors, amax/amin, max(x,
other), var_mean/std_mean, the boolean functions (all, any, logical_*, count_nonzero,
nonzero, argwhere, unique, where(cond)), as_tensor/is_tensor/numel, PyTorch's tensor
methods (add/sub with alpha, div with rounding_mode, view_as, expand_as, ...), and
PyTorch's ``dim``/``dims``/``shifts`` keywords on argmax, argsort, squeeze, flip, roll and
split.

Each differentiable op: forward against numpy in float64, first derivatives against
central differences (gradcheck), second derivatives against central differences of the
first, and both against PyTorch, over hypothesis-drawn shapes (broadcasting ones for the
binary ops). Then a PyTorch tutorial that failed on ``torch.argmax(out, dim=1)``, ported
by renaming.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")

SEEDS = st.integers(0, 2**32 - 1)
MATRICES = hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=4)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
FEW = settings(max_examples=30, deadline=None)
ROWS_2D = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5)


def check(f, f_np, *arrays):
    """Forward against numpy, gradcheck, second derivatives against central differences."""
    out = f(*[ag.Value(a) for a in arrays])
    np.testing.assert_allclose(out.data, f_np(*arrays), rtol=1e-13, atol=1e-14)
    ag.gradcheck(f, arrays)
    check_second_order(f, *arrays)


# --- tril and triu ------------------------------------------------------------------------


@FEW
@given(shape=MATRICES, k=st.integers(-3, 3), lower=st.booleans(), seed=SEEDS)
def test_triangles(shape, k, lower, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    ours, np_fn, torch_fn = ((ag.tril, np.tril, torch.tril) if lower else
                             (ag.triu, np.triu, torch.triu))
    check(lambda v: ours(v, k), lambda a: np_fn(a, k), x)
    compare_with_torch(lambda v: ours(v, diagonal=k), lambda t: torch_fn(t, diagonal=k), x)
    np.testing.assert_array_equal(ours(x, k=k).numpy(), np_fn(x, k=k))  # numpy's keyword
    method = ag.Value(x).tril(k) if lower else ag.Value(x).triu(k)
    np.testing.assert_array_equal(method.numpy(), np_fn(x, k))


def test_triangle_errors_and_a_causal_mask():
    with pytest.raises(ValueError, match=r"tril: expects a matrix .* got shape \(3,\)"):
        ag.tril(np.ones(3))
    with pytest.raises(TypeError, match="triu: give k .* or diagonal"):
        ag.triu(np.ones((2, 2)), 1, k=1)
    with pytest.raises(TypeError, match="diagonal offset must be an integer"):
        ag.tril(np.ones((2, 2)), 0.5)
    # Karpathy's GPT: masked_fill(tril(ones(T, T)) == 0, -inf) before the softmax
    T = 4
    scores = ag.Variable(np.random.default_rng(0).normal(size=(T, T)))
    masked = scores.masked_fill(ag.tril(ag.ones((T, T))) == 0, float("-inf"))
    weights = ag.softmax(masked, axis=-1)
    np.testing.assert_array_equal(np.triu(weights.numpy(), 1), 0)
    weights.sum().backward()
    assert np.isfinite(scores.grad).all()


# --- remainder, fmod, logaddexp ------------------------------------------------------------


@FEW
@given(shapes=PAIRS, seed=SEEDS)
def test_remainder_and_fmod(shapes, seed):
    # b is +-1 or +-0.5 and a = +-(k + u) with k in 0..3, u in (0.1, 0.4): every a / b is at
    # least 0.1 from an integer (the jumps of both ops, where central differences fail),
    # and -floor(a / b), the gradient of b, takes many values.
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = (rng.integers(0, 4, a_shape) + rng.uniform(0.1, 0.4, a_shape)) \
        * rng.choice([-1.0, 1.0], a_shape)
    b = rng.choice([-1.0, -0.5, 0.5, 1.0], b_shape)
    for ours, np_fn, torch_fn in ((ag.remainder, np.remainder, torch.remainder),
                                  (ag.fmod, np.fmod, torch.fmod)):
        check(ours, np_fn, a, b)
        compare_with_torch(ours, torch_fn, a, b, seed=seed)


def test_remainder_is_pythons_percent_and_fmod_keeps_the_dividends_sign():
    a, b = np.array([5.5, -5.5, 5.5, -5.5]), np.array([2.0, 2.0, -2.0, -2.0])
    np.testing.assert_array_equal((ag.Value(a) % b).numpy(), a % b)
    np.testing.assert_array_equal((7.0 % ag.Value(b)).numpy(), 7.0 % b)
    np.testing.assert_array_equal(ag.Value(a).fmod(b).numpy(), np.fmod(a, b))
    x = ag.Variable(np.array([7.5]))
    (x % 2.0).sum().backward()
    assert x.grad.tolist() == [1.0]


@FEW
@given(shapes=PAIRS, seed=SEEDS)
def test_logaddexp(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(-3, 3, s) for s in shapes.input_shapes)
    check(ag.logaddexp, np.logaddexp, a, b)
    compare_with_torch(ag.logaddexp, torch.logaddexp, a, b, seed=seed)


def test_logaddexp_does_not_overflow_and_matches_torch_at_infinities():
    a = np.array([1000.0, -1000.0, -np.inf, np.inf, 0.0])
    b = np.array([1000.0, -1000.0, 0.0, 1.0, -np.inf])
    ours, theirs = ag.Variable(a), torch.tensor(a, requires_grad=True)
    ag.logaddexp(ours, b).sum().backward()
    torch.logaddexp(theirs, torch.tensor(b)).sum().backward()
    np.testing.assert_allclose(ag.logaddexp(a, b).numpy(), np.logaddexp(a, b))
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy())


# --- diff, meshgrid, masked_select ---------------------------------------------------------


@FEW
@given(shape=SHAPES, n=st.integers(0, 2), axis=st.integers(-1, 0), seed=SEEDS)
def test_diff(shape, n, axis, seed):
    x = np.random.default_rng(seed).normal(size=shape)
    check(lambda v: ag.diff(v, n, axis), lambda a: np.diff(a, n, axis), x)
    if n:  # torch.diff needs n >= 1
        compare_with_torch(lambda v: ag.diff(v, n, dim=axis),
                           lambda t: torch.diff(t, n, dim=axis), x)
    before = np.zeros((*shape[:axis % len(shape)], 1, *shape[axis % len(shape) + 1:]))
    compare_with_torch(lambda v, p: ag.diff(v, 1, axis, prepend=p),
                       lambda t, p: torch.diff(t, 1, dim=axis, prepend=p), x, before + 0.5)
    np.testing.assert_allclose(ag.diff(x, axis=axis, append=2.0).numpy(),
                               np.diff(x, axis=axis, append=2.0))


@FEW
@given(sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       indexing=st.sampled_from(["xy", "ij"]), seed=SEEDS)
def test_meshgrid(sizes, indexing, seed):
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=n) for n in sizes]
    got, want = ag.meshgrid(*xs, indexing=indexing), np.meshgrid(*xs, indexing=indexing)
    assert isinstance(got, tuple) and len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.numpy(), w)
    # the gradient reaching each vector is summed over the grid; against torch, one grid
    # at a time (torch.meshgrid takes PyTorch's indexing by keyword too)
    for i in range(len(xs)):
        compare_with_torch(lambda *v: ag.meshgrid(list(v), indexing=indexing)[i],
                           lambda *t: torch.meshgrid(*t, indexing=indexing)[i], *xs)


def test_meshgrid_defaults_to_numpys_indexing():
    x, y = np.arange(3.0), np.arange(2.0)
    assert [g.shape for g in ag.meshgrid(x, y)] == [(2, 3), (2, 3)]  # numpy's "xy"
    with pytest.raises(ValueError, match="indexing must be 'xy' or 'ij'"):
        ag.meshgrid(x, y, indexing="yx")


@FEW
@given(shapes=PAIRS, seed=SEEDS)
def test_masked_select(shapes, seed):
    rng = np.random.default_rng(seed)
    x_shape, mask_shape = shapes.input_shapes
    x, mask = rng.normal(size=x_shape), rng.random(mask_shape) < 0.5
    got = ag.masked_select(x, mask)
    want = torch.masked_select(torch.tensor(x), torch.tensor(mask))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    compare_with_torch(lambda v: ag.masked_select(v, mask),
                       lambda t: torch.masked_select(t, torch.tensor(mask)), x)


def test_masked_select_errors():
    with pytest.raises(TypeError, match="masked_select: the mask must be boolean"):
        ag.masked_select(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"masked_select: x of shape \(3,\) and a mask of "
                                         r"shape \(2,\) do not broadcast"):
        ag.masked_select(np.ones(3), np.ones(2, bool))


# --- amax, amin, max(x, other) ------------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS, keepdim=st.booleans())
def test_amax_amin_and_max_of_two(shape, seed, keepdim):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=shape), rng.normal(size=shape)
    x.flat[0] = x.flat[-1]  # a tie: both libraries share the gradient equally
    for ours, theirs in ((ag.amax, torch.amax), (ag.amin, torch.amin)):
        compare_with_torch(lambda v: ours(v, dim=0, keepdim=keepdim),
                           lambda t: theirs(t, dim=0, keepdim=keepdim), x)
        compare_with_torch(lambda v: ours(v, dim=()), lambda t: theirs(t, dim=()), x)
        np.testing.assert_array_equal(ours(x, axis=-1).numpy(),
                                      (np.amax if ours is ag.amax else np.amin)(x, axis=-1))
    compare_with_torch(ag.max, torch.max, x, y)
    compare_with_torch(lambda a, b: a.min(b), lambda a, b: a.min(b), x, y)
    with pytest.raises(TypeError, match=r"max: with a second Value .* no axis"):
        ag.max(x, y, keepdims=True)


# --- PyTorch's keywords on numpy's functions ---------------------------------------------


@FEW
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), seed=SEEDS)
def test_pytorch_keywords(shape, seed):
    x = np.random.default_rng(seed).normal(size=shape).round(1)  # ties, for the sorts
    t = torch.tensor(x)
    same = np.testing.assert_array_equal
    same(ag.argmax(x, dim=1).numpy(), torch.argmax(t, dim=1).numpy())
    same(ag.argmin(x, dim=-1, keepdim=True).numpy(), torch.argmin(t, dim=-1, keepdim=True))
    same(ag.argsort(x, dim=0, descending=True).numpy(),
         torch.argsort(t, dim=0, descending=True, stable=True).numpy())
    compare_with_torch(lambda v: ag.squeeze(v, dim=(0, 1)), lambda u: torch.squeeze(u, (0, 1)),
                       x)
    compare_with_torch(lambda v: ag.flip(v, dims=(0, -1)), lambda u: torch.flip(u, (0, -1)), x)
    compare_with_torch(lambda v: ag.roll(v, shifts=(1, -2), dims=(0, 1)),
                       lambda u: torch.roll(u, shifts=(1, -2), dims=(0, 1)), x)
    for size in (1, 2, [shape[1] - 1, 1] if shape[1] > 1 else [1]):
        for k in range(len(torch.split(t, size, dim=1))):
            compare_with_torch(lambda v: ag.split(v, size, dim=1)[k],
                               lambda u: torch.split(u, size, dim=1)[k], x)
            compare_with_torch(lambda v: v.split(size, 1)[k],
                               lambda u: u.split(size, 1)[k], x)


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=SEEDS)
def test_sort_is_numpys_and_with_pytorchs_keywords_pytorchs(shape, seed):
    # distinct values 0.25 apart: central differences must not swap two of them
    rng = np.random.default_rng(seed)
    x = (rng.permutation(math.prod(shape)) * 0.25 + rng.uniform(0, 0.05)).reshape(shape)
    check(ag.sort, np.sort, x)
    check(lambda v: ag.sort(v, 0), lambda a: np.sort(a, 0), x)
    check(lambda v: ag.sort(v, None), lambda a: np.sort(a, None), x)
    for descending in (False, True):
        compare_with_torch(lambda v: ag.sort(v, dim=0, descending=descending).values,
                           lambda t: torch.sort(t, dim=0, descending=descending).values, x)
        np.testing.assert_array_equal(
            ag.sort(x, dim=0, descending=descending).indices.numpy(),
            torch.sort(torch.tensor(x), dim=0, descending=descending, stable=True).indices)
    with pytest.raises(TypeError, match="sort: kind .* with dim"):
        ag.sort(x, kind="stable", dim=0)


def test_keyword_errors_and_numpys_meanings_stay():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match="squeeze: cannot remove axis 2 of length 3"):
        ag.squeeze(x[None], axis=(0, 2))  # numpy's axis keeps numpy's rule
    assert ag.squeeze(x[None], dim=(0, 2)).shape == (2, 3)  # PyTorch's skips it
    assert [p.shape for p in ag.split(x, 3, axis=1)] == [(2, 1)] * 3  # numpy: 3 pieces
    assert [p.shape for p in ag.split(x, 3, dim=1)] == [(2, 3)]  # PyTorch: pieces of 3
    with pytest.raises(ValueError, match=r"split: the sizes \[1, 1\] must .* add up to 3"):
        ag.Value(x).split([1, 1], dim=1)
    with pytest.raises(TypeError, match="roll: give shift .* or shifts"):
        ag.roll(x, 1, shifts=1)
    with pytest.raises(TypeError, match="argmax: give axis .* or dim"):
        ag.argmax(x, 0, dim=1)


# --- the boolean functions and the small helpers -----------------------------------------


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=SEEDS)
def test_boolean_functions_against_torch(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-1, 2, shape).astype(np.float64)
    t = torch.tensor(x)

    def same(ours, theirs):
        if isinstance(theirs, tuple):
            assert isinstance(ours, tuple) and len(ours) == len(theirs)
            for a, b in zip(ours, theirs):
                same(a, b)
            return
        assert ours.dtype == theirs.numpy().dtype, (ours.dtype, theirs.dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())

    same(ag.all(x, dim=0), torch.all(t, dim=0))
    same(ag.any(x > 0, dim=-1, keepdim=True), torch.any(t > 0, dim=-1, keepdim=True))
    same(ag.count_nonzero(x, dim=0), torch.count_nonzero(t, dim=0))
    same(ag.count_nonzero(x), torch.count_nonzero(t))
    same(ag.nonzero(x, as_tuple=False), torch.nonzero(t))
    same(ag.nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True))
    same(ag.argwhere(x), torch.argwhere(t))
    same(ag.unique(x), torch.unique(t))
    same(ag.unique(x, return_inverse=True, return_counts=True),
         torch.unique(t, return_inverse=True, return_counts=True))
    same(ag.unique(x, dim=0), torch.unique(t, dim=0))
    for name in ("logical_and", "logical_or", "logical_xor"):
        same(getattr(ag, name)(x, x > 0), getattr(torch, name)(t, t > 0))
    same(ag.Value(x).logical_not(), t.logical_not())
    # numpy's own meanings: nonzero gives a tuple that indexes
    np.testing.assert_array_equal(ag.Value(x)[ag.nonzero(x)].numpy(), x[np.nonzero(x)])


def test_comparisons_take_pytorchs_casts_and_stay_numpy_arrays():
    a, b = ag.tensor([1, 2, 3]), ag.tensor([1, 0, 3])
    same = a == b
    assert isinstance(same, np.ndarray) and same.dtype == bool
    for cast, dtype in (("float", np.float32), ("double", np.float64), ("half", np.float16),
                        ("long", np.int64), ("int", np.int32), ("bool", np.bool_)):
        got = getattr(same, cast)()
        assert type(got) is np.ndarray and got.dtype == dtype
        np.testing.assert_array_equal(got, [1, 0, 1])
    assert same.float().mean().item() == pytest.approx(2 / 3)  # PyTorch's accuracy idiom
    # PyTorch's quickstart: (pred.argmax(1) == y).type(torch.float).sum().item()
    assert same.type(ag.float).sum().item() == 2.0 and type(same.type(ag.float)) is np.ndarray
    assert same.to(ag.float64).dtype == np.float64 and same.to("cpu").dtype == bool
    assert same.type() == "bool"
    assert type(same & (a > 1)) is np.ndarray and type(same.astype(float)) is np.ndarray
    assert repr(a > 1) == "array([False,  True,  True])"


def test_as_tensor_is_tensor_numel():
    v = ag.tensor([1.0, 2.0])
    assert ag.as_tensor(v) is v and ag.as_tensor(v, dtype="float64") is not v
    assert ag.as_tensor([1, 2]).dtype == np.int64 and ag.as_tensor(np.ones(2)).dtype == np.float64
    assert ag.is_tensor(v) and not ag.is_tensor(np.ones(2)) and not ag.is_tensor(1.0)
    assert ag.numel(ag.zeros((2, 3))) == 6 == ag.numel(np.zeros((2, 3)))


# --- hypot, nan_to_num, floor division, PyTorch's methods --------------------------------


@FEW
@given(shapes=PAIRS, seed=SEEDS)
def test_hypot(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(0.3, 2, s) * rng.choice([-1.0, 1.0], s) for s in shapes.input_shapes)
    check(ag.hypot, np.hypot, a, b)
    compare_with_torch(ag.hypot, torch.hypot, a, b, seed=seed)
    np.testing.assert_allclose(ag.hypot(np.array(3e200), np.array(4e200)).numpy(), 5e200)


def test_nan_to_num_matches_numpy_and_torch():
    x = np.array([1.5, np.nan, np.inf, -np.inf, -2.0])
    for kwargs in ({}, {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}):
        ours, theirs = ag.Variable(x), torch.tensor(x, requires_grad=True)
        got, want = ag.nan_to_num(ours, **kwargs), torch.nan_to_num(theirs, **kwargs)
        np.testing.assert_array_equal(got.numpy(), want.detach().numpy())
        np.testing.assert_array_equal(got.numpy(), np.nan_to_num(x, **kwargs))
        (got * np.linspace(0.1, 0.5, 5)).sum().backward()
        (want * torch.linspace(0.1, 0.5, 5, dtype=torch.float64)).sum().backward()
        np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())  # 0 where replaced


def test_floor_division_and_divs_rounding_modes():
    a = np.array([7.0, -7.0, 7.5, -7.5])
    x = ag.Variable(a)
    np.testing.assert_array_equal((x // 2).numpy(), a // 2)
    np.testing.assert_array_equal((9.0 // x).numpy(), 9.0 // a)
    np.testing.assert_array_equal(ag.floor_divide(x, 2.0).numpy(), np.floor_divide(a, 2.0))
    for mode in (None, "floor", "trunc"):
        compare_with_torch(lambda v: v.div(2.0, rounding_mode=mode),
                           lambda u: u.div(2.0, rounding_mode=mode), a)
    (x // 2).sum().backward()  # a step function: a zero gradient, as div(rounding_mode=)
    assert x.grad.tolist() == [0.0] * 4
    with pytest.raises(ValueError, match="rounding_mode must be None, 'floor' or 'trunc'"):
        x.div(2.0, rounding_mode="round")


def test_pytorch_tensor_methods():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    compare_with_torch(lambda u, v: u.add(v, alpha=2), lambda u, v: u.add(v, alpha=2), a, b)
    compare_with_torch(lambda u, v: u.sub(v, alpha=0.5), lambda u, v: u.sub(v, alpha=0.5),
                       a, b)
    compare_with_torch(lambda u, v: u.mul(v).div(v + 5), lambda u, v: u.mul(v).div(v + 5),
                       a, b)
    compare_with_torch(lambda u: u.clamp_min(0.1).clamp_max(0.5),
                       lambda u: u.clamp_min(0.1).clamp_max(0.5), a)
    compare_with_torch(lambda u: u.narrow(1, -3, 2), lambda u: u.narrow(1, -3, 2), a)
    compare_with_torch(lambda u: u.select(1, 2), lambda u: u.select(1, 2), a)
    compare_with_torch(lambda u: ag.t(u), torch.t, a)
    compare_with_torch(lambda u: ag.narrow(u, 0, 1, 2), lambda u: torch.narrow(u, 0, 1, 2), a)
    compare_with_torch(lambda u: u[:1].expand_as(u), lambda u: u[:1].expand_as(u), a)
    compare_with_torch(lambda u: u.view_as(np.zeros((4, 3))) @ u,
                       lambda u: u.view_as(torch.zeros(4, 3)) @ u, a)
    for name in ("view_as", "reshape_as", "expand_as", "type_as"):  # PyTorch: a TypeError too
        with pytest.raises(TypeError, match=f"{name}: other must be a Value or an array, got int"):
            getattr(ag.Value(a), name)(1)
    for i in (0, 1):
        compare_with_torch(lambda u, v: ag.broadcast_tensors(u, v)[i],
                           lambda u, v: torch.broadcast_tensors(u, v)[i], a, b[0])
        for ours, theirs in ((ag.var_mean, torch.var_mean), (ag.std_mean, torch.std_mean)):
            compare_with_torch(lambda u: ours(u, dim=1)[i], lambda u: theirs(u, dim=1)[i], a)
            compare_with_torch(lambda u: ours(u, correction=0)[i],
                               lambda u: theirs(u, correction=0)[i], a)
    v = ag.tensor(a)
    assert v.type_as(ag.tensor([1])).dtype == np.int64 and v.reshape_as(v.T).shape == (4, 3)
    assert not v.is_cuda and v.is_contiguous() and v.element_size() == 8
    with pytest.raises(IndexError, match="narrow: 3 elements from 2 do not fit in axis 1"):
        v.narrow(1, 2, 3)
    with pytest.raises(IndexError, match="select: index 4 is out of range for axis 1"):
        v.select(1, 4)
    cond = a > 0
    got = ag.where(ag.tensor(cond))
    assert isinstance(got, tuple)
    for g, w in zip(got, np.where(cond)):
        np.testing.assert_array_equal(g.numpy(), w)
    with pytest.raises(TypeError, match="where: give both a and b, or neither"):
        ag.where(cond, a)


def test_in_place_methods_match_pytorch_and_refuse_while_recording():
    a = np.array([[0.5, -1.5, 2.0], [0.25, 3.0, -0.75]])
    for name, args in (("abs_", ()), ("neg_", ()), ("exp_", ()), ("square_", ()),
                       ("tanh_", ()), ("sign_", ()), ("floor_", ()), ("ceil_", ()),
                       ("relu_", ()), ("sigmoid_", ()), ("pow_", (2,)),
                       ("masked_fill_", (a > 1, 9.0))):
        ours, theirs = ag.tensor(a), torch.tensor(a)
        targs = tuple(torch.tensor(x) if isinstance(x, np.ndarray) else x for x in args)
        assert getattr(ours, name)(*args) is ours
        getattr(theirs, name)(*targs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)
    pos = ag.tensor(np.abs(a))
    np.testing.assert_allclose(pos.log_().numpy(), np.log(np.abs(a)))
    np.testing.assert_allclose(ag.tensor(np.abs(a)).sqrt_().numpy(), np.sqrt(np.abs(a)))
    w = ag.Variable(np.zeros((200, 50), np.float32))
    with ag.no_grad():
        ag.manual_seed(0)
        w.uniform_(-0.1, 0.1)
        first = w.numpy().copy()
        ag.manual_seed(0)
        w.uniform_(-0.1, 0.1)
    assert w.dtype == np.float32 and np.array_equal(first, w.numpy())  # seeded
    assert -0.1 <= first.min() < -0.09 and 0.09 < first.max() <= 0.1
    with ag.no_grad():
        w.normal_(1.0, 0.5)
    assert abs(w.numpy().mean() - 1.0) < 0.02 and abs(w.numpy().std() - 0.5) < 0.02
    with pytest.raises(RuntimeError, match="uniform_: .* requires grad, so it cannot be "
                                           "changed in place while the graph is recorded"):
        w.uniform_()
    x = ag.Variable(np.ones(2))
    y = x * 2
    with ag.no_grad():
        x.exp_()
    with pytest.raises(RuntimeError, match="changed in place"):
        y.sum().backward()  # the graph read x before exp_ changed it


# --- linalg: eigh, cholesky, slogdet, matrix_power ------------------------------------------

BATCHED_SQUARES = st.tuples(st.sampled_from([(), (2,)]), st.integers(1, 4))


@FEW
@given(shape=BATCHED_SQUARES, seed=SEEDS)
def test_symmetric_eigendecomposition_and_cholesky(shape, seed):
    batch, n = shape
    rng = np.random.default_rng(seed)
    # distinct eigenvalues (V's derivative divides by their gaps): B = Q diag(spread) Q^T
    q, _ = np.linalg.qr(rng.normal(size=batch + (n, n)))
    spread = np.arange(n) * 1.5 + rng.uniform(0, 0.5)
    B = q @ (spread[..., :, None] * np.swapaxes(q, -1, -2))
    noise = rng.normal(size=batch + (n, n)) * 0.01

    def sym(b):  # the argument's symmetric part: both libraries read the lower triangle
        return (b + b.swapaxes(-1, -2)) * 0.5

    def tsym(b):
        return (b + b.transpose(-1, -2)) * 0.5

    w = ag.linalg.eigvalsh(B)
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(B), atol=1e-12)
    compare_with_torch(lambda b: ag.linalg.eigvalsh(sym(b)),
                       lambda b: torch.linalg.eigvalsh(tsym(b)), B + noise)
    weights = rng.normal(size=n)  # a function of V that does not depend on its signs

    def ours(b):
        V = ag.linalg.eigh(sym(b)).eigenvectors
        return (V * weights) @ V.swapaxes(-1, -2)

    def theirs(b):
        V = torch.linalg.eigh(tsym(b)).eigenvectors
        return (V * torch.tensor(weights)) @ V.transpose(-1, -2)
    compare_with_torch(ours, theirs, B + noise, rtol=1e-6, atol=1e-9)
    check_second_order(ours, B + noise, rtol=1e-3, atol=1e-4)
    spd = B + (n + 1) * np.eye(n)  # positive-definite
    for upper in (False, True):
        compare_with_torch(lambda b: ag.linalg.cholesky(sym(b), upper=upper),
                           lambda b: torch.linalg.cholesky(tsym(b), upper=upper), spd + noise)
    L = ag.linalg.cholesky(spd)
    np.testing.assert_allclose((L @ L.swapaxes(-1, -2)).numpy(), spd, atol=1e-12)
    ag.gradcheck(lambda b: ag.linalg.cholesky(sym(b)), [spd])
    check_second_order(lambda b: ag.linalg.cholesky(sym(b)), spd)


@FEW
@given(shape=BATCHED_SQUARES, seed=SEEDS, power=st.integers(-2, 3))
def test_slogdet_and_matrix_power(shape, seed, power):
    batch, n = shape
    A = np.random.default_rng(seed).normal(size=batch + (n, n)) + 2 * n * np.eye(n)
    A[..., 0, :] *= -1  # a negative determinant: the sign is -1
    sign, logabsdet = ag.linalg.slogdet(A)
    want = np.linalg.slogdet(A)
    np.testing.assert_array_equal(sign.numpy(), want.sign)
    np.testing.assert_allclose(logabsdet.numpy(), want.logabsdet, rtol=1e-12)
    compare_with_torch(lambda a: ag.linalg.slogdet(a).logabsdet,
                       lambda a: torch.linalg.slogdet(a).logabsdet, A)
    ag.gradcheck(lambda a: ag.linalg.slogdet(a)[1], [A])
    np.testing.assert_allclose(ag.linalg.matrix_power(A, power).numpy(),
                               np.linalg.matrix_power(A, power), rtol=1e-10, atol=1e-12)
    compare_with_torch(lambda a: ag.linalg.matrix_power(a, power),
                       lambda a: torch.linalg.matrix_power(a, power), A / (2 * n))


@FEW
@given(shape=st.tuples(st.integers(1, 5), st.integers(1, 4)), seed=SEEDS)
def test_pinv_and_lstsq(shape, seed):
    m, n = shape
    rng = np.random.default_rng(seed)
    # well-separated singular values: the SVD's derivative divides by their gaps
    u, _ = np.linalg.qr(rng.normal(size=(m, m)))
    v, _ = np.linalg.qr(rng.normal(size=(n, n)))
    k = min(m, n)
    A = u[:, :k] @ np.diag(1.0 + np.arange(k)[::-1] * 0.7) @ v[:, :k].T
    np.testing.assert_allclose(ag.linalg.pinv(A).numpy(), np.linalg.pinv(A), atol=1e-12)
    compare_with_torch(ag.linalg.pinv, torch.linalg.pinv, A, rtol=1e-6, atol=1e-9)
    ag.gradcheck(ag.linalg.pinv, [A])
    check_second_order(ag.linalg.pinv, A, rtol=1e-3, atol=1e-4)
    b = rng.normal(size=m)
    got, want = ag.linalg.lstsq(A, b), np.linalg.lstsq(A, b, rcond=None)
    np.testing.assert_allclose(got.solution.numpy(), want[0], atol=1e-12)
    np.testing.assert_allclose(got.residuals.numpy(), want[1], atol=1e-12)
    assert got.rank == want[2]
    np.testing.assert_allclose(got.singular_values.numpy(), want[3], atol=1e-12)
    if m >= n:  # PyTorch's CPU default (gelsy) gives the same solution for a tall A
        compare_with_torch(lambda a, c: ag.linalg.lstsq(a, c).solution,
                           lambda a, c: torch.linalg.lstsq(a, c[:, None]).solution[:, 0],
                           A, b, rtol=1e-6, atol=1e-9)


@FEW
@given(shape=ROWS_2D, seed=SEEDS, q=st.sampled_from([0.0, 0.25, 0.5, 0.9, 1.0]))
def test_median_and_quantile(shape, seed, q):
    rng = np.random.default_rng(seed)
    x = (rng.permutation(math.prod(shape)) * 0.25).reshape(shape)  # no ties
    check(ag.median, np.median, x)
    check(lambda v: ag.median(v, 0, keepdims=True), lambda a: np.median(a, 0, keepdims=True),
          x)
    check(lambda v: ag.quantile(v, q, axis=-1), lambda a: np.quantile(a, q, axis=-1), x)
    check(lambda v: ag.quantile(v, [q, 0.5]), lambda a: np.quantile(a, [q, 0.5]), x)
    compare_with_torch(lambda v: ag.quantile(v, q, dim=1, keepdim=True),
                       lambda t: torch.quantile(t, q, dim=1, keepdim=True), x)
    # The interpolations numpy and PyTorch share: numpy's method=, PyTorch's interpolation=.
    for how in ("lower", "higher", "nearest", "midpoint"):
        check(lambda v: ag.quantile(v, [q, 0.3], axis=0, method=how),
              lambda a: np.quantile(a, [q, 0.3], axis=0, method=how), x)
        compare_with_torch(lambda v: ag.quantile(v, q, dim=-1, interpolation=how),
                           lambda t: torch.quantile(t, q, dim=-1, interpolation=how), x)
        check(lambda v: ag.percentile(v, 100 * q, method=how),
              lambda a: np.percentile(a, 100 * q, method=how), x)
    with pytest.raises(ValueError, match="interpolation must be one of linear, lower"):
        ag.quantile(x, q, method="hazen")
    compare_with_torch(lambda v: ag.median(v, dim=0).values,
                       lambda t: torch.median(t, dim=0).values, x)
    np.testing.assert_array_equal(ag.median(x, dim=0).indices.numpy(),
                                  torch.median(torch.tensor(x), dim=0).indices.numpy())


@FEW
@given(sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)),
       p=st.sampled_from([1.0, 2.0, 3.0, np.inf]), seed=SEEDS)
def test_cdist(sizes, p, seed):
    P, R, M = sizes
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=(P, M)), rng.normal(size=(R, M))
    # row 0 of x2 near row 0 of x1, but no gap near 0 (central differences need a smooth
    # |.|) and no two gaps equal (nor a smooth max for p = inf)
    x2[0] = x1[0] + (0.3 + np.arange(M) * 0.2) * rng.choice([-1.0, 1.0], M)
    if p == np.inf:  # every other pair too: gaps distinct within each pair of rows
        x2 = x1[:1] + (np.arange(R * M).reshape(R, M) * 0.37 + 0.3) * rng.choice([-1, 1], (R, M))
    # torch's cdist has no second derivative; ours is checked against central differences
    compare_with_torch(lambda a, b: ag.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p=p),
                       x1, x2, second=False)
    ag.gradcheck(lambda a, b: ag.cdist(a, b, p), [x1, x2])
    if p in (2.0, 3.0):
        check_second_order(lambda a, b: ag.cdist(a, b, p), x1, x2)
    # a distance of 0: a zero gradient, as PyTorch's
    same, tsame = ag.Variable(x1), torch.tensor(x1, requires_grad=True)
    ag.cdist(same, same, p).sum().backward()
    torch.cdist(tsame, tsame, p=p).sum().backward()
    np.testing.assert_allclose(same.grad, tsame.grad.numpy(), atol=1e-12)


@FEW
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), seed=SEEDS,
       k=st.integers(-2, 5))
def test_rot90_cross_kron_xlogy(shape, seed, k):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    check(lambda v: ag.rot90(v, k), lambda a: np.rot90(a, k), x)
    compare_with_torch(lambda v: ag.rot90(v, k, dims=(-1, 0)),
                       lambda t: torch.rot90(t, k, (-1, 0)), x)
    a, b = rng.normal(size=shape[:-1] + (3,)), rng.normal(size=(3,))
    check(ag.cross, np.cross, a, b)
    compare_with_torch(lambda u, v: ag.linalg.cross(u, v, dim=-1),
                       lambda u, v: torch.linalg.cross(u, v.expand_as(u), dim=-1),
                       a, b)
    small = rng.normal(size=shape[-2:])
    check(ag.kron, np.kron, small, x)
    compare_with_torch(ag.kron, torch.kron, small, x)
    p, q = rng.random(shape), rng.uniform(0.2, 2, shape)
    p.flat[0] = 0.0
    check(ag.xlogy, lambda u, v: np.where(u == 0, 0.0, u * np.log(v)), p + 0.0, q)
    compare_with_torch(ag.xlogy, torch.xlogy, p, q)


def test_linalg_errors():
    with pytest.raises(ValueError, match=r"linalg.eigh: expected square matrices .* \(2, 3\)"):
        ag.linalg.eigh(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError):
        ag.linalg.cholesky(-np.eye(2))
    with pytest.raises(TypeError, match="linalg.matrix_power: n must be an integer"):
        ag.linalg.matrix_power(np.eye(2), 1.5)


# --- a PyTorch tutorial, ported by renaming ------------------------------------------------


def test_what_is_torch_nn_really_ports_by_renaming():
    """PyTorch's "What is torch.nn really?" (its first, hand-written part) on random
    MNIST-shaped data: `torch.argmax(out, dim=1)` used to fail. Same losses and accuracies
    as PyTorch, step for step."""
    rng = np.random.default_rng(0)
    data = rng.random((256, 784), dtype=np.float32), rng.integers(0, 10, 256)
    w0 = rng.normal(size=(784, 10)).astype(np.float32) / math.sqrt(784)

    def run(torch):  # the tutorial's code, with `torch` standing for either library
        x_train, y_train = map(torch.tensor, data)
        n, c = x_train.shape
        weights = torch.tensor(w0)
        weights.requires_grad_()
        bias = torch.zeros(10, requires_grad=True)

        def log_softmax(x):
            return x - x.exp().sum(-1).log().unsqueeze(-1)

        def model(xb):
            return log_softmax(xb @ weights + bias)

        def nll(input, target):
            return -input[range(target.shape[0]), target].mean()

        def accuracy(out, yb):
            preds = torch.argmax(out, dim=1)
            return (preds == yb).float().mean()

        loss_func, bs, lr, seen = nll, 64, 0.5, []
        for epoch in range(2):
            for i in range((n - 1) // bs + 1):
                start_i = i * bs
                end_i = start_i + bs
                xb = x_train[start_i:end_i]
                yb = y_train[start_i:end_i]
                pred = model(xb)
                loss = loss_func(pred, yb)
                loss.backward()
                with torch.no_grad():
                    weights -= weights.grad * lr
                    bias -= bias.grad * lr
                    weights.grad.zero_()
                    bias.grad.zero_()
                seen.append((loss.item(), accuracy(pred, yb).item()))
        return seen

    ours, theirs = run(ag), run(torch)
    np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-6)
