"""More of numpy's functions on Values (``numpy_picking``, ``numpy_signals`` and interop's
in-place writers): each result equals numpy's on the data in float64 and float32, its
gradient equals central differences over hypothesis-drawn shapes, its second derivative
is checked where it has one, against PyTorch where PyTorch has the function, and the
arguments refused are refused by name.
"""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")

FEW = settings(max_examples=20, deadline=None)
SEEDS = st.integers(0, 2**16)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def _rng(seed):
    return np.random.default_rng(seed)


def _same(ours, theirs):
    """A Value equal to numpy's array: same shape, dtype and numbers."""
    assert isinstance(ours, ag.Value)
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_array_equal(ours.data, theirs)


def _both_dtypes(call, *arrays):
    """np.<f> on Values equals np.<f> on their data, for float64 and float32 inputs."""
    for dtype in (np.float64, np.float32):
        data = [np.asarray(a, dtype) for a in arrays]
        _same(call(*[ag.Value(d) for d in data]), call(*data))


# --- numpy_picking -------------------------------------------------------------------


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_partition_is_numpys_and_its_gradient_reaches_the_elements_moved(shape, seed, data):
    x = _rng(seed).normal(size=shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    kth = data.draw(st.integers(0, shape[axis] - 1))
    _both_dtypes(lambda a: np.partition(a, kth, axis=axis), x)
    _same(ag.partition(x, kth, axis), np.partition(x, kth, axis))
    _same(np.partition(ag.Value(x), kth, axis=None), np.partition(x, kth, axis=None))
    found = np.argpartition(ag.Value(x), kth, axis)  # computed on the data, as argsort
    assert type(found) is np.ndarray
    np.testing.assert_array_equal(found, np.argpartition(x, kth, axis))
    ag.gradcheck(lambda v: np.partition(v, kth, axis=axis), [x])
    check_second_order(lambda v: np.partition(v, kth, axis=axis) ** 3, x)


def test_partition_matches_torch_take_along_dim_and_refuses_order():
    x = _rng(0).normal(size=(3, 5))
    idx = torch.tensor(np.argpartition(x, 2, axis=1))
    compare_with_torch(lambda v: ag.partition(v, 2, axis=1) ** 2,
                       lambda t: torch.take_along_dim(t, idx, dim=1) ** 2, x)
    with pytest.raises(TypeError, match="partition: order='f0' is not supported"):
        ag.partition(x, 1, order="f0")
    with pytest.raises(TypeError, match="argpartition: order='f0'"):
        ag.argpartition(x, 1, order="f0")
    assert ag.argpartition(x, 1).dtype == np.intp


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4), n=st.integers(1, 4),
       mode=st.sampled_from(["raise", "wrap", "clip"]), seed=SEEDS)
def test_choose_broadcasts_and_is_differentiable_in_the_choices(shape, n, mode, seed):
    rng = _rng(seed)
    low, high = (0, n) if mode == "raise" else (-n - 2, 2 * n + 2)
    a = rng.integers(low, high, size=shape[-1:])  # broadcasts against the choices
    choices = [rng.normal(size=shape) for _ in range(n)]
    _both_dtypes(lambda *cs: np.choose(a, list(cs), mode=mode), *choices)
    _same(ag.choose(a, np.stack(choices), mode), np.choose(a, np.stack(choices), mode=mode))
    ag.gradcheck(lambda *cs: np.choose(a, list(cs), mode=mode), choices)
    check_second_order(lambda *cs: np.choose(a, list(cs), mode=mode) ** 2, *choices)


def test_choose_refuses_what_numpy_refuses():
    with pytest.raises(ValueError, match=r"choose: a has entries out of range \[0, 2\)"):
        ag.choose([0, 2], [np.ones(2), np.zeros(2)])
    with pytest.raises(ValueError, match="choose: mode must be 'raise', 'wrap' or 'clip', "
                                         "got 'nearest'"):
        ag.choose([0, 1], [np.ones(2), np.zeros(2)], mode="nearest")
    with pytest.raises(TypeError, match="choose: a must hold integer indices, got dtype "
                                        "float64"):
        ag.choose([0.0, 1.0], [np.ones(2), np.zeros(2)])
    with pytest.raises(TypeError, match=r"np.choose: out=\(an array of shape \(2,\)\)"):
        np.choose([0, 1], [ag.Value(np.ones(2)), np.zeros(2)], out=np.zeros(2))


@FEW
@given(shape=SHAPES, new=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
       seed=SEEDS)
def test_resize_cycles_the_data_and_sums_the_gradient_of_the_copies(shape, new, seed):
    x = _rng(seed).normal(size=shape)
    _both_dtypes(lambda a: np.resize(a, new), x)
    ag.gradcheck(lambda v: np.resize(v, new), [x])
    check_second_order(lambda v: np.resize(v, new) ** 2, x)


def test_resize_counts_copies_and_empty_shapes():
    v = ag.Value(np.array([1.0, 2.0, 3.0]))
    (np.resize(v, 7) * 1.0).sum().backward()
    np.testing.assert_array_equal(v.grad, [3, 2, 2])  # 1 2 3 1 2 3 1
    _same(ag.resize(np.ones(3), (2, 0)), np.resize(np.ones(3), (2, 0)))
    with pytest.raises(ValueError, match=r"resize: all elements of new_shape must be "
                                         r"non-negative, got \(2, -1\)"):
        ag.resize(np.ones(3), (2, -1))


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4), n=st.integers(1, 3),
       seed=SEEDS)
def test_select_is_numpys_with_broadcasting_and_grads_in_choices_and_default(shape, n, seed):
    rng = _rng(seed)
    conds = [rng.random(shape) < 0.4 for _ in range(n)]
    choices = [rng.normal(size=shape[-1:]) for _ in range(n)]  # broadcast by the conditions
    default = rng.normal(size=shape)
    _both_dtypes(lambda d, *cs: np.select(conds, list(cs), d), default, *choices)
    ag.gradcheck(lambda d, *cs: np.select(conds, list(cs), d), [default] + choices)
    check_second_order(lambda d, *cs: np.select(conds, list(cs), d) ** 2, default, *choices)


def test_select_keeps_ag_select_pytorchs_and_refuses_numpys_errors():
    x = np.arange(6.0).reshape(2, 3)
    _same(ag.select(x, 1, 0), x[:, 0])  # PyTorch's meaning stays
    v = ag.Value(x)
    _same(np.select([x > 1, x > 3], [v, v * 10], default=-1.0),
          np.select([x > 1, x > 3], [x, x * 10], default=-1.0))
    with pytest.raises(ValueError, match="select: condlist has 1 conditions but choicelist 2"):
        np.select([x > 1], [v, v])
    with pytest.raises(TypeError, match=r"select: condlist\[0\] must be a boolean array, got "
                                        "dtype int64"):
        np.select([np.ones((2, 3), int)], [v])


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_compress_and_extract_pick_where_the_condition_is_true(shape, seed, data):
    rng = _rng(seed)
    x = rng.normal(size=shape)
    axis = data.draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    n = x.size if axis is None else shape[axis]
    cond = rng.random(data.draw(st.integers(0, n))) < 0.6   # numpy allows a shorter one
    _both_dtypes(lambda a: np.compress(cond, a, axis=axis), x)
    mask = rng.random(shape) < 0.5
    _both_dtypes(lambda a: np.extract(mask, a), x)
    ag.gradcheck(lambda v: np.compress(cond, v, axis=axis), [x])
    ag.gradcheck(lambda v: np.extract(mask, v), [x])
    check_second_order(lambda v: ag.extract(mask, v) ** 2, x)


@FEW
@given(zeros=st.lists(st.booleans(), min_size=1, max_size=8),
       trim=st.sampled_from(["fb", "f", "b", "BF"]), seed=SEEDS)
def test_trim_zeros_slices_a_vector(zeros, trim, seed):
    x = np.where(zeros, 0.0, _rng(seed).normal(size=len(zeros)))
    _both_dtypes(lambda a: np.trim_zeros(a, trim), x)
    # The slice's gradient: 1 on the elements kept, 0 on the zeros trimmed (central
    # differences would move a trimmed zero and so the trim).
    kept = np.zeros(len(zeros), bool)
    nonzero = np.flatnonzero(x)
    if nonzero.size:
        kept[(nonzero[0] if "f" in trim.lower() else 0):
             (nonzero[-1] + 1 if "b" in trim.lower() else None)] = True
    v = ag.Value(x)
    (np.trim_zeros(v, trim) * 1.0).sum().backward()
    np.testing.assert_array_equal(v.grad, kept.astype(float))


def test_trim_zeros_on_a_matrix_and_its_refusals():
    b = np.array([[0, 0, 2, 3, 0, 0], [0, 1, 0, 3, 0, 0], [0, 0, 0, 0, 0, 0.0]])
    for kw in ({}, {"axis": -1}, {"axis": 0, "trim": "f"}, {"axis": (0, 1), "trim": "b"}):
        _same(np.trim_zeros(ag.Value(b), **kw), np.trim_zeros(b, **kw))
    _same(np.trim_zeros(ag.Value(np.zeros((2, 2)))), np.trim_zeros(np.zeros((2, 2))))
    with pytest.raises(ValueError, match="trim_zeros: unexpected character.*'x'"):
        ag.trim_zeros(b, "x")


def test_block_joins_nested_lists_as_numpy():
    rng = _rng(1)
    A, B = rng.normal(size=(2, 2)), rng.normal(size=(2, 3))
    C, D = rng.normal(size=(1, 2)), rng.normal(size=(1, 3))
    s = rng.normal(size=())
    for layout in (lambda a, b, c, d, e: [[a, b], [c, d]],
                   lambda a, b, c, d, e: [[a], [c]],
                   lambda a, b, c, d, e: [b[0], d[0], e],
                   lambda a, b, c, d, e: [[[a]]],
                   lambda a, b, c, d, e: e):
        _both_dtypes(lambda *xs, f=layout: np.block(f(*xs)), A, B, C, D, s)
        ag.gradcheck(lambda *xs, f=layout: np.block(f(*xs)), [A, B, C, D, s])
    check_second_order(lambda a, b: ag.block([[a, b], [b[:, :2], a[:, :1] ** 2 + b]]) ** 2,
                       A, B)
    with pytest.raises(TypeError, match=r"block: arrays\[1\] is a tuple"):
        ag.block([A, (B,)])
    with pytest.raises(ValueError, match=r"block: arrays\[0\] is an empty list"):
        ag.block([[], [A]])
    with pytest.raises(ValueError, match=r"block: list depths are mismatched in arrays: "
                                         r"\[1, 0\]"):
        ag.block([[A], B])


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_apply_along_axis_stacks_scalars_and_arrays_where_the_axis_was(shape, seed, data):
    x = _rng(seed).normal(size=shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    for f in (lambda r: np.sum(r ** 2), lambda r: np.outer(r[:2], r)):
        _both_dtypes(lambda a: np.apply_along_axis(f, axis, a), x)
        ag.gradcheck(lambda v: np.apply_along_axis(f, axis, v), [x])
    check_second_order(lambda v: ag.apply_along_axis(lambda r, p: r ** p, axis, v, 3), x)
    with pytest.raises(ValueError, match="apply_along_axis: cannot apply it when any "
                                         "iteration dimension is 0"):
        ag.apply_along_axis(np.sum, 0, np.ones((3, 0)))


@FEW
@given(n=st.integers(1, 6), m=st.integers(1, 8), period=st.booleans(), seed=SEEDS)
def test_interp_is_numpys_and_differentiable_in_x_and_fp(n, m, period, seed):
    rng = _rng(seed)
    xp = np.sort(rng.choice(np.linspace(-2, 2, 41), n, replace=False))
    fp = rng.normal(size=n)
    # Away from the sample points (where the slope jumps), and some points on them.
    x = np.concatenate([rng.uniform(-3, 3, m) + 0.01, xp[:2]])
    kw = {"period": 1.5} if period else {}
    for dtype in (np.float64, np.float32):
        _same(np.interp(ag.Value(x.astype(dtype)), xp, ag.Value(fp.astype(dtype)), **kw),
              np.interp(x.astype(dtype), xp, fp.astype(dtype), **kw))
    off = x[:m]
    knots = np.sort(xp % 1.5) if period else xp
    off = off[np.min(np.abs((off % 1.5 if period else off)[:, None] - knots[None]), axis=1) > 1e-6]
    ag.gradcheck(lambda v, f: np.interp(v, xp, f, **kw), [off, fp], eps=1e-8)
    check_second_order(lambda v, f: ag.interp(v, xp, f, **kw) * f.sum(), off, fp)


def test_interp_is_exact_at_the_sample_points():
    # From the last segment's left end, fp[1] + (xp[2] - xp[1]) * slope misses fp[2] by
    # one bit here; numpy gives fp[2] itself.
    xp = np.array([0.17449996586169148, 0.42654310306871945, 0.9179862439359936])
    fp = np.array([-1.2654214710460525, -0.6232744625373522, 0.0413259793472436])
    _same(ag.interp(xp, xp, fp), np.interp(xp, xp, fp))
    _same(ag.interp(xp[:1], xp[:1], fp[:1]), np.interp(xp[:1], xp[:1], fp[:1]))


def test_interp_slopes_ends_and_refusals():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    x = ag.Value(np.array([-1.0, 0.5, 2.0, 3.0, 4.0]))
    left, right = ag.Value(np.array(-5.0)), ag.Value(np.array(9.0))
    y = np.interp(x, xp, fp, left=left, right=right)
    _same(y, np.interp(x.data, xp, fp, left=-5.0, right=9.0))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 2, 0.5, 0.5, 0])  # the segments' slopes
    assert float(left.grad) == 1 and float(right.grad) == 1
    with pytest.raises(ValueError, match=r"interp: fp and xp are not of the same length "
                                         r"\(2 and 3\)"):
        ag.interp(x, xp, fp[:2])
    with pytest.raises(ValueError, match="interp: period must be a non-zero value"):
        ag.interp(x, xp, fp, period=0)


# --- numpy_signals -------------------------------------------------------------------


@FEW
@given(n=st.integers(1, 7), m=st.integers(1, 7), mode=st.sampled_from(["full", "same", "valid"]),
       seed=SEEDS)
def test_convolve_and_correlate_are_numpys_in_every_mode(n, m, mode, seed):
    rng = _rng(seed)
    a, v = rng.normal(size=n), rng.normal(size=m)
    for f in (np.convolve, np.correlate):
        for dtype in (np.float64, np.float32):
            ours = f(ag.Value(a.astype(dtype)), ag.Value(v.astype(dtype)), mode=mode)
            theirs = f(a.astype(dtype), v.astype(dtype), mode=mode)
            assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
            np.testing.assert_allclose(ours.data, theirs, rtol=1e-5 if dtype == np.float32
                                       else 1e-12, atol=1e-6 if dtype == np.float32 else 1e-13)
        ag.gradcheck(lambda p, q, f=f: f(p, q, mode=mode), [a, v])
        check_second_order(lambda p, q, f=f: f(p, q, mode=mode) ** 2, a, v)


def test_convolve_and_correlate_centre_same_and_valid_as_numpy_for_every_length_pair():
    rng = _rng(7)
    for n in range(1, 8):
        for m in range(1, 8):
            a, v = rng.normal(size=n), rng.normal(size=m)
            for f in (np.convolve, np.correlate):
                for mode in ("full", "same", "valid"):
                    np.testing.assert_allclose(f(ag.Value(a), ag.Value(v), mode=mode).data,
                                               f(a, v, mode=mode), rtol=1e-12, atol=1e-13,
                                               err_msg=f"{f.__name__} {n} {m} {mode}")


def test_convolve_matches_torch_conv1d_and_refuses_bad_arguments():
    rng = _rng(3)
    a, v = rng.normal(size=9), rng.normal(size=4)

    def torch_convolve(p, q):  # conv1d is a correlation: flip the kernel, pad fully
        return torch.nn.functional.conv1d(p[None, None], q.flip(0)[None, None],
                                          padding=3)[0, 0]

    compare_with_torch(lambda p, q: ag.convolve(p, q), torch_convolve, a, v)
    compare_with_torch(lambda p, q: ag.correlate(p, q),
                       lambda p, q: torch.nn.functional.conv1d(p[None, None], q[None, None])[0, 0],
                       a, v)
    with pytest.raises(ValueError, match="convolve: mode must be 'full', 'same' or 'valid', "
                                         "got 'circular'"):
        ag.convolve(a, v, "circular")
    with pytest.raises(ValueError, match="correlate: v cannot be empty"):
        ag.correlate(a, np.ones(0))
    with pytest.raises(ValueError, match=r"convolve: a must be 1-D, got shape \(3, 3\)"):
        ag.convolve(np.ones((3, 3)), v)


@FEW
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_unwrap_adds_constant_periods(shape, seed, data):
    rng = _rng(seed)
    p = np.cumsum(rng.uniform(-5, 5, shape), axis=-1)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    _both_dtypes(lambda a: np.unwrap(a, axis=axis), p)
    _same(np.unwrap(ag.Value(p), discont=4.0, axis=axis, period=3.0),
          np.unwrap(p, discont=4.0, axis=axis, period=3.0))
    v = ag.Value(p)
    (np.unwrap(v, axis=axis) * 2.0).sum().backward()
    np.testing.assert_array_equal(v.grad, np.full(shape, 2.0))  # the identity's
    check_second_order(lambda a: np.unwrap(a, axis=axis) ** 2, p)


@FEW
@given(shape=SHAPES, seed=SEEDS, include=st.booleans(), data=st.data())
def test_cumulative_sum_prod_and_their_nan_forms(shape, seed, include, data):
    rng = _rng(seed)
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    for f in (np.cumulative_sum, np.cumulative_prod):
        _both_dtypes(lambda a, f=f: f(a, axis=axis, include_initial=include), x)
        ag.gradcheck(lambda v, f=f: f(v, axis=axis, include_initial=include), [x])
        check_second_order(lambda v, f=f: f(v, axis=axis, include_initial=include), x)
    nans = np.where(rng.random(shape) < 0.3, np.nan, x)
    for f in (np.nancumsum, np.nancumprod):
        for ax in (axis, None):
            _both_dtypes(lambda a, f=f: f(a, axis=ax), nans)
        v = ag.Value(nans)
        (f(v, axis=axis) * 1.0).sum().backward()
        assert np.all(v.grad[np.isnan(nans)] == 0)
        keep = ~np.isnan(nans)
        filled = np.where(keep, nans, 0.0 if f is np.nancumsum else 1.0)
        ag.gradcheck(lambda u, f=f: f(ag.where(keep, u, np.nan), axis=axis), [filled])


def test_cumulative_refusals_and_vectors():
    _same(np.cumulative_sum(ag.Value(np.arange(4.0)), include_initial=True),
          np.cumulative_sum(np.arange(4.0), include_initial=True))
    with pytest.raises(ValueError, match=r"cumulative_sum: axis must be given.*\(2, 2\)"):
        ag.cumulative_sum(np.ones((2, 2)))
    with pytest.raises(TypeError, match="np.cumulative_prod: dtype=<class 'numpy.float32'> is "
                                        "not supported"):
        np.cumulative_prod(ag.Value(np.ones(2)), dtype=np.float32)
    with pytest.raises(TypeError, match=r"np.nancumsum: out=\(an array of shape \(2,\)\)"):
        np.nancumsum(ag.Value(np.ones(2)), out=np.zeros(2))


def test_modf_and_divmod_are_ufuncs_with_two_results():
    x = np.array([-2.5, -2.0, -0.25, 0.0, 1.75, 3.0, np.inf, -np.inf])
    y = np.array([1.5, -0.75, 2.0, 4.0, -3.0, 1.0, 2.0, 3.0])
    for dtype in (np.float64, np.float32):
        for ours, theirs in zip(np.modf(ag.Value(x.astype(dtype))), np.modf(x.astype(dtype))):
            _same(ours, theirs)
        for ours, theirs in zip(np.divmod(ag.Value(x[:6].astype(dtype)), y[:6].astype(dtype)),
                                np.divmod(x[:6].astype(dtype), y[:6].astype(dtype))):
            _same(ours, theirs)
    smooth = np.array([-2.3, -0.6, 0.4, 1.7])
    ag.gradcheck(lambda v: np.modf(v)[0], [smooth])
    ag.gradcheck(lambda a, b: np.divmod(a, b)[1], [smooth * 3, np.array([1.1, -0.7, 2.0, 0.9])])
    v = ag.Value(smooth)
    frac, whole = np.modf(v)
    assert not whole.requires_grad and frac.requires_grad
    q, r = ag.divmod(v, 0.5)
    assert not q.requires_grad
    compare_with_torch(lambda a, b: ag.divmod(a, b)[1], torch.remainder, smooth * 3,
                       np.array([1.1, -0.7, 2.0, 0.9]))
    with pytest.raises(TypeError, match="np.modf with out= on a Value"):
        np.modf(v, out=(np.zeros(4), np.zeros(4)))


@FEW
@given(batch=hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3),
       m=st.integers(1, 3), n=st.integers(1, 3), seed=SEEDS)
def test_matvec_vecmat_vecdot_broadcast_their_batches(batch, m, n, seed):
    rng = _rng(seed)
    A, x, y = rng.normal(size=batch + (m, n)), rng.normal(size=(n,)), rng.normal(size=batch + (n,))
    for f, args in ((np.matvec, (A, x)), (np.vecmat, (y, A[..., :n, :] if m >= n else
                                                        rng.normal(size=(n, m)))),
                    (np.vecdot, (x, y))):
        for dtype in (np.float64, np.float32):
            data = [a.astype(dtype) for a in args]
            ours, theirs = f(*[ag.Value(d) for d in data]), f(*data)
            assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
            np.testing.assert_allclose(ours.data, theirs, rtol=1e-5, atol=1e-6)
        ag.gradcheck(lambda *vs, f=f: f(*vs), list(args))
        check_second_order(lambda *vs, f=f: f(*vs) ** 2, *args)
    compare_with_torch(lambda a, b: ag.vecdot(a, b), lambda a, b: torch.linalg.vecdot(a, b),
                       x, y)
    with pytest.raises(ValueError, match=r"matvec: x1 needs at least 2 dimension\(s\)"):
        ag.matvec(x, x)


def test_rollaxis_real_imag_conj_angle():
    x = _rng(5).normal(size=(2, 3, 4))
    for axis, start in ((2, 0), (0, 3), (1, -1), (-1, 1), (1, 1), (0, 2)):
        _both_dtypes(lambda a: np.rollaxis(a, axis, start), x)
    with pytest.raises(np.exceptions.AxisError, match="rollaxis: start 5 is out of range"):
        ag.rollaxis(x, 0, 5)
    r = np.array([-1.5, -0.0, 0.0, 2.0, np.nan])
    for f in (np.real, np.imag, np.conj, np.conjugate, np.angle,
              lambda a: np.angle(a, deg=True)):
        _both_dtypes(f, r)
    ag.gradcheck(lambda v: np.real(v) * np.conj(v) + np.imag(v) + np.angle(v), [x])
    v = ag.Value(x)
    (np.conjugate(v) * 3.0).sum().backward()
    np.testing.assert_array_equal(v.grad, np.full(x.shape, 3.0))
    assert not np.imag(v).requires_grad and not np.angle(v).requires_grad
    with pytest.raises(TypeError, match=r"real: complex data \(dtype complex128"):
        ag.real(np.array([1 + 2j]))


# --- in-place writers -----------------------------------------------------------------


def test_numpys_in_place_writers_run_the_in_place_methods():
    data = np.arange(12.0).reshape(3, 4)
    cases = (lambda a: np.fill_diagonal(a, -1.0, wrap=True),
             lambda a: np.put(a, [0, 5, -1, 5], [7.0, 8.0]),
             lambda a: np.put(a, [15, -20], [7.0], mode="wrap"),
             lambda a: np.put(a, [15, -20], [7.0, 9.0], mode="clip"),
             lambda a: np.putmask(a, a > 5, [-1.0, -2.0, -3.0]),
             lambda a: np.place(a, a % 2 == 0, [10.0, 20.0]))
    for write in cases:
        expected = data.copy()
        assert write(expected) is None
        v = ag.Value(data.copy(), requires_grad=False)
        before = v.changed
        assert write(v) is None
        np.testing.assert_array_equal(v.data, expected)
        assert v.changed != before  # marked changed, as the in-place methods mark it
    square = ag.Value(np.zeros((3, 3)))  # requires grad: refused while recording
    with pytest.raises(RuntimeError, match="fill_diagonal_: a Value of shape .* requires "
                                           "grad"):
        np.fill_diagonal(square, 1.0)
    np.testing.assert_array_equal(square.data, 0)
    with ag.no_grad():
        np.put(square, [4], [2.0])
    assert square.data[1, 1] == 2
    with pytest.raises(IndexError, match="np.put: index 9 is out of bounds"):
        np.put(ag.Value(np.zeros((3, 3)), requires_grad=False), [1, 9], [5.0])
    plain = np.zeros(3)
    np.put(plain, [1], ag.Value(np.array([4.0])))  # an array target: numpy writes it
    np.testing.assert_array_equal(plain, [0, 4, 0])


def test_a_read_then_written_value_refuses_its_backward():
    w = ag.Value(np.ones(3))
    c = ag.Value(np.array([1.0, 2.0, 3.0]), requires_grad=False)
    y = (w * c).sum()
    np.put(c, [0], [5.0])
    with pytest.raises(RuntimeError):
        y.backward()


# --- the functions exist as ag.<name> with numpy's signatures -------------------------


@pytest.mark.parametrize("name", [
    "partition", "argpartition", "choose", "resize", "compress", "extract", "trim_zeros",
    "block", "apply_along_axis", "interp", "convolve", "correlate", "unwrap",
    "cumulative_sum", "cumulative_prod", "nancumsum", "nancumprod", "rollaxis", "real",
    "imag", "angle"])
def test_ag_functions_take_numpys_parameters(name):
    ours = inspect.signature(getattr(ag, name)).parameters
    theirs = inspect.signature(getattr(np, name)).parameters
    for p, q in theirs.items():
        if p == "out":
            continue
        assert p in ours, (name, p)
        assert ours[p].default == q.default or (p == "period" and name == "unwrap"), (name, p)
        assert ours[p].kind == q.kind, (name, p)
