"""numpy's and PyTorch's arranging functions (autograd_core/ops/arrangement.py): stacking
(hstack, vstack, dstack, column_stack, row_stack, atleast_*d), cutting (hsplit, vsplit,
dsplit, tensor_split, unflatten), flipping and sorting (fliplr, flipud, msort), append,
insert and delete, diagonals and blocks (diagflat, diag_embed, block_diag, vander),
combinations (cartesian_prod, combinations), PyTorch's fills and copies (masked_fill,
index_fill, index_copy, masked_scatter), and the constants (logspace, tril_indices,
triu_indices).

Each is a composition of existing ops, so the tests check what the composition could get
wrong: the forward against numpy (or a numpy reference for PyTorch's functions) in float64
over hypothesis-drawn shapes, first derivatives against central differences (gradcheck),
second derivatives against central differences of the first, and both against PyTorch
where PyTorch has the function (skipped without PyTorch). Then the errors for bad
arguments, numpy's dispatch (``np.hstack([v, w])``), the Value methods, and examples from
numpy's and PyTorch's documentation.
"""

import doctest
import itertools
import warnings

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.ops import arrangement, building
from derivatives import check_second_order, compare_with_torch

try:
    import torch
except ImportError:  # PyTorch is optional: the numpy checks run without it
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="compares with PyTorch (not installed)")

SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=20, deadline=None)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def check(f, f_np, *arrays):
    """Forward against numpy, gradcheck, second derivatives against central differences."""
    out = f(*[ag.Value(a) for a in arrays])
    expected = f_np(*arrays)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-14)
    ag.gradcheck(f, arrays)
    check_second_order(f, *arrays)


def normal(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


def row_stack_np(arrays):
    return np.vstack(arrays)  # np.row_stack is deprecated since numpy 2.0


STACKS = [(ag.hstack, np.hstack, "hstack"), (ag.vstack, np.vstack, "vstack"),
          (ag.dstack, np.dstack, "dstack"), (ag.column_stack, np.column_stack, "column_stack"),
          (ag.row_stack, row_stack_np, "row_stack")]


# --- stacking -------------------------------------------------------------------------------


@FEW
@given(shape=SHAPES, count=st.integers(1, 3), seed=SEEDS)
def test_stacks(shape, count, seed):
    arrays = normal(seed, *[shape] * count)
    for ours, theirs, _ in STACKS:
        check(lambda *v: ours(list(v)), lambda *a: theirs(a), *arrays)


@needs_torch
@FEW
@given(shape=SHAPES, count=st.integers(1, 3), seed=SEEDS)
def test_stacks_against_torch(shape, count, seed):
    arrays = normal(seed, *[shape] * count)
    for ours, _, name in STACKS:
        compare_with_torch(lambda *v: ours(v), lambda *t: getattr(torch, name)(t), *arrays)


def test_stacks_join_arrays_of_different_lengths():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(4.0).reshape(2, 2)
    np.testing.assert_array_equal(ag.hstack((a, b)).numpy(), np.hstack((a, b)))
    np.testing.assert_array_equal(ag.vstack([a.T, b]).numpy(), np.vstack([a.T, b]))
    np.testing.assert_array_equal(ag.column_stack([np.ones(2), a]).numpy(),
                                  np.column_stack([np.ones(2), a]))
    np.testing.assert_array_equal(ag.dstack([a, a[..., None]]).numpy(),
                                  np.dstack([a, a[..., None]]))
    np.testing.assert_array_equal(ag.hstack([1.0, np.array([2.0, 3.0])]).numpy(), [1, 2, 3])
    out = ag.hstack([a, b], dtype=np.float32)
    assert out.dtype == np.float32


@FEW
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3), seed=SEEDS)
def test_atleast(shape, seed):
    (x,) = normal(seed, shape)
    for ours, theirs in ((ag.atleast_1d, np.atleast_1d), (ag.atleast_2d, np.atleast_2d),
                         (ag.atleast_3d, np.atleast_3d)):
        check(ours, theirs, x)
        several = ours(x, 2.0 * x, 1.0)  # several inputs: a tuple, as numpy's
        assert isinstance(several, tuple)
        assert [v.shape for v in several] == [a.shape for a in theirs(x, 2.0 * x, 1.0)]
        pytorchs = ours([ag.Value(x)])  # PyTorch's one sequence: a tuple too
        assert isinstance(pytorchs, tuple) and pytorchs[0].shape == theirs(x).shape


@needs_torch
@FEW
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3), seed=SEEDS)
def test_atleast_against_torch(shape, seed):
    (x,) = normal(seed, shape)
    for ours, theirs in ((ag.atleast_1d, torch.atleast_1d), (ag.atleast_2d, torch.atleast_2d),
                         (ag.atleast_3d, torch.atleast_3d)):
        compare_with_torch(ours, theirs, x)


# --- cutting, flipping, sorting ----------------------------------------------------------


SPLITS = [(ag.hsplit, np.hsplit, "hsplit", 1), (ag.vsplit, np.vsplit, "vsplit", 0),
          (ag.dsplit, np.dsplit, "dsplit", 2)]


@FEW
@given(shape=hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=4), seed=SEEDS,
       data=st.data())
def test_splits(shape, seed, data):
    (x,) = normal(seed, shape)
    for ours, theirs, name, axis in SPLITS:
        n = shape[axis]
        k = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
        cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
        for how in (k, cuts):
            pieces = theirs(x, how)
            assert len(ours(x, how)) == len(pieces)
            for i in range(len(pieces)):
                check(lambda v: ours(v, how)[i], lambda a: theirs(a, how)[i], x)
            if torch is not None:
                compare_with_torch(lambda v: ours(v, how)[0],
                                   lambda t: getattr(torch, name)(t, how)[0], x)


def test_hsplit_of_a_vector_cuts_its_only_axis():
    x = np.arange(6.0)
    assert [p.numpy().tolist() for p in ag.hsplit(x, 3)] == [[0, 1], [2, 3], [4, 5]]
    assert isinstance(ag.hsplit(x, 3), list)  # numpy's list (PyTorch gives a tuple)


@FEW
@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_tensor_split(shape, seed, data):
    (x,) = normal(seed, shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    sections = data.draw(st.integers(1, 5) | st.lists(st.integers(0, shape[dim] + 1),
                                                       max_size=3).map(sorted))
    pieces = np.array_split(x, sections, axis=dim)
    ours = ag.tensor_split(x, sections, dim)
    assert isinstance(ours, tuple) and len(ours) == len(pieces)
    for i, piece in enumerate(pieces):
        if piece.size:
            check(lambda v: ag.tensor_split(v, sections, dim)[i],
                  lambda a: np.array_split(a, sections, axis=dim)[i], x)
        else:
            assert ours[i].shape == piece.shape
        if torch is not None and piece.size:
            compare_with_torch(lambda v: v.tensor_split(sections, dim)[i],
                               lambda t: torch.tensor_split(t, sections, dim)[i], x)


@FEW
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), seed=SEEDS)
def test_flips_and_msort(shape, seed):
    (x,) = normal(seed, shape)
    check(ag.fliplr, np.fliplr, x)
    check(ag.flipud, np.flipud, x)
    check(ag.msort, lambda a: np.sort(a, axis=0), x)
    check(lambda v: v.fliplr().flipud().msort(), lambda a: np.sort(a[::-1, ::-1], axis=0), x)
    if torch is not None:
        for name in ("fliplr", "flipud", "msort"):
            compare_with_torch(getattr(ag, name), getattr(torch, name), x)


@FEW
@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_unflatten(shape, seed, data):
    (x,) = normal(seed, shape)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    first = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    sizes = data.draw(st.sampled_from([(first, n // first), (first, -1), (-1,), (n, 1)]))
    full = tuple(n // first if s == -1 and len(sizes) == 2 else n if s == -1 else s
                 for s in sizes)
    d = dim % len(shape)
    check(lambda v: ag.unflatten(v, dim, sizes),
          lambda a: a.reshape(shape[:d] + full + shape[d + 1:]), x)
    if torch is not None:
        compare_with_torch(lambda v: v.unflatten(dim, sizes),
                           lambda t: t.unflatten(dim, sizes), x)


# --- append, insert, delete ----------------------------------------------------------------


@FEW
@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_append(shape, seed, data):
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    other = list(shape)
    if axis is not None:
        other[axis] = data.draw(st.integers(1, 3))
    x, y = normal(seed, shape, tuple(other))
    check(lambda a, b: ag.append(a, b, axis), lambda a, b: np.append(a, b, axis), x, y)


@FEW
@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_insert(shape, seed, data):
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    rest = () if axis is None else tuple(s for i, s in enumerate(shape) if i != axis % len(shape))
    kind = data.draw(st.sampled_from(["int", "one", "list", "slice"]))
    if kind == "int":  # numpy's rule for one int: the values lie along the axis, one slot
        obj, count = data.draw(st.integers(-n, n)), 1
        values_shape = rest
    elif kind == "one":  # a list of one index: as many slots as the values are long
        obj, count = [data.draw(st.integers(-n, n))], data.draw(st.integers(1, 3))
    elif kind == "list":
        obj = data.draw(st.lists(st.integers(-n, n), min_size=2, max_size=4))
        count = len(obj)
    else:
        start, stop = data.draw(st.integers(0, n)), data.draw(st.integers(0, n))
        obj = slice(start, stop)
        count = len(range(*obj.indices(n)))
    if kind != "int":
        if axis is None:
            values_shape = (count,)
        else:
            slot = list(shape)
            slot[axis] = count
            values_shape = tuple(slot)
    x, values = normal(seed, shape, values_shape)
    check(lambda a, v: ag.insert(a, obj, v, axis), lambda a, v: np.insert(a, obj, v, axis),
          x, values)
    scalar = ag.insert(x, obj, 2.5, axis)  # a number fills every slot
    np.testing.assert_array_equal(scalar.numpy(), np.insert(x, obj, 2.5, axis))


@FEW
@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_delete(shape, seed, data):
    (x,) = normal(seed, shape)
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    n = x.size if axis is None else shape[axis]
    obj = data.draw(st.integers(-n, n - 1)
                    | st.lists(st.integers(-n, n - 1), max_size=3)
                    | st.builds(slice, st.integers(0, n), st.integers(0, n))
                    | st.lists(st.booleans(), min_size=n, max_size=n).map(np.array))
    expected = np.delete(x, obj, axis)
    if expected.size == 0:
        assert ag.delete(x, obj, axis).shape == expected.shape
        return
    check(lambda v: ag.delete(v, obj, axis), lambda a: np.delete(a, obj, axis), x)


def test_numpys_insert_examples():
    # numpy's documentation of np.insert, in floats
    a = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(ag.insert(a, 1, 6.0).numpy(), [0, 6, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(ag.insert(a, 1, 6.0, axis=1).numpy(),
                                  [[0, 6, 1], [2, 6, 3], [4, 6, 5]])
    # obj=[1] and obj=1 differ: a sequence inserts rows of values, an int one slot of them
    np.testing.assert_array_equal(ag.insert(a, [1], [[7.0], [8.0], [9.0]], axis=1).numpy(),
                                  [[0, 7, 1], [2, 8, 3], [4, 9, 5]])
    np.testing.assert_array_equal(ag.insert(a, 1, [[7.0], [8.0], [9.0]], axis=1).numpy(),
                                  [[0, 7, 8, 9, 1], [2, 7, 8, 9, 3], [4, 7, 8, 9, 5]])
    b = a.flatten()
    np.testing.assert_array_equal(ag.insert(b, [2, 2], [6.0, 7.0]).numpy(),
                                  [0, 1, 6, 7, 2, 3, 4, 5])
    np.testing.assert_array_equal(ag.insert(b, slice(2, 4), [7.0, 8.0]).numpy(),
                                  [0, 1, 7, 2, 8, 3, 4, 5])
    x = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(ag.insert(x, (1, 3), 999.0, axis=1).numpy(),
                                  [[0, 999, 1, 2, 999, 3], [4, 999, 5, 6, 999, 7]])
    # the gradient: arr's elements get theirs back, the inserted value the sum of its copies
    arr, value = ag.Variable(x), ag.Variable(np.array(999.0))
    ag.insert(arr, (1, 3), value, axis=1).sum().backward()
    np.testing.assert_array_equal(arr.grad, np.ones((2, 4)))
    assert value.grad == 4.0


# --- diagonals, blocks, powers -----------------------------------------------------------


@FEW
@given(shape=SHAPES, k=st.integers(-2, 2), seed=SEEDS)
def test_diagflat(shape, k, seed):
    (x,) = normal(seed, shape)
    check(lambda v: ag.diagflat(v, k), lambda a: np.diagflat(a, k), x)
    if torch is not None:
        compare_with_torch(lambda v: v.diagflat(offset=k),
                           lambda t: torch.diagflat(t, offset=k), x)


def diag_embed_np(a, offset, dim1, dim2):
    """PyTorch's diag_embed, from np.diag on each vector."""
    n = a.shape[-1]
    m = n + abs(offset)
    planes = [np.diag(v, offset) for v in a.reshape(-1, n)]
    out = np.stack(planes).reshape(a.shape[:-1] + (m, m))
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


@FEW
@given(shape=NONEMPTY, offset=st.integers(-2, 2), seed=SEEDS, data=st.data())
def test_diag_embed(shape, offset, seed, data):
    (x,) = normal(seed, shape)
    nd = len(shape) + 1
    dim1, dim2 = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=2, max_size=2).filter(
        lambda d: d[0] % nd != d[1] % nd))
    check(lambda v: ag.diag_embed(v, offset, dim1, dim2),
          lambda a: diag_embed_np(a, offset, dim1, dim2), x)
    if torch is not None:
        compare_with_torch(lambda v: v.diag_embed(offset, dim1, dim2),
                           lambda t: torch.diag_embed(t, offset, dim1, dim2), x)


def block_diag_np(*blocks):
    blocks = [np.atleast_2d(b) for b in blocks]
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


@FEW
@given(shapes=st.lists(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3),
                       min_size=1, max_size=3), seed=SEEDS)
def test_block_diag(shapes, seed):
    blocks = normal(seed, *shapes)
    check(ag.block_diag, block_diag_np, *blocks)
    if torch is not None:
        compare_with_torch(ag.block_diag, torch.block_diag, *blocks)


def test_pytorchs_block_diag_example():
    A = np.array([[0.0, 1.0], [1.0, 0.0]])
    B = np.array([[3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    C, D, E = np.array(7.0), np.array([1.0, 2.0, 3.0]), np.array([[4.0], [5.0], [6.0]])
    np.testing.assert_array_equal(ag.block_diag(A, B, C, D, E).numpy(), [
        [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 3, 4, 5, 0, 0, 0, 0, 0],
        [0, 0, 6, 7, 8, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 7, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1, 2, 3, 0],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 4],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 5],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 6]])
    assert ag.block_diag().shape == (1, 0)  # PyTorch's empty block_diag()


@FEW
@given(n=st.integers(1, 4), N=st.none() | st.integers(0, 5), increasing=st.booleans(),
       seed=SEEDS)
def test_vander(n, N, increasing, seed):
    (x,) = normal(seed, (n,))
    if (n if N is None else N) < 2:  # only x**0 or nothing: a constant, no gradient
        out = ag.vander(ag.Variable(x), N, increasing)
        np.testing.assert_array_equal(out.numpy(), np.vander(x, N, increasing))
        assert not out.requires_grad
        return
    check(lambda v: ag.vander(v, N, increasing), lambda a: np.vander(a, N, increasing), x)
    if torch is not None:
        # torch.vander's backward fails in PyTorch 2.13 (a tensor its cumprod saved is
        # modified in place): its values are compared, the derivatives with powers of t.
        with torch.no_grad():
            np.testing.assert_allclose(ag.vander(x, N, increasing).numpy(),
                                       torch.vander(torch.tensor(x), N, increasing).numpy(),
                                       rtol=1e-13)
        N_ = n if N is None else N
        powers = range(N_) if increasing else range(N_ - 1, -1, -1)
        compare_with_torch(lambda v: ag.vander(v, N=N, increasing=increasing),
                           lambda t: torch.stack([t ** p for p in powers], 1), x)


def test_vander_has_finite_derivatives_at_zero():
    x = np.array([0.0, 1.5, -2.0])
    check(ag.vander, np.vander, x)  # x**0 and x**1 at 0: no 0 * inf
    x = ag.Variable(np.array([0.0, 2.0]))
    ag.vander(x, 3).sum().backward()  # d/dx (x**2 + x + 1) = 2x + 1
    np.testing.assert_array_equal(x.grad, [1.0, 5.0])


@FEW
@given(sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3), seed=SEEDS)
def test_cartesian_prod(sizes, seed):
    vectors = normal(seed, *[(n,) for n in sizes])

    def reference(*vs):
        return np.array(list(itertools.product(*vs))).reshape(-1, len(vs)).squeeze(
            axis=1 if len(vs) == 1 else ())

    check(ag.cartesian_prod, reference, *vectors)
    if torch is not None:
        compare_with_torch(ag.cartesian_prod, torch.cartesian_prod, *vectors)


def test_pytorchs_cartesian_prod_example():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])
    np.testing.assert_array_equal(ag.cartesian_prod(a, b).numpy(),
                                  [[1, 4], [1, 5], [2, 4], [2, 5], [3, 4], [3, 5]])


@FEW
@given(n=st.integers(0, 5), r=st.integers(0, 3), with_replacement=st.booleans(), seed=SEEDS)
def test_combinations(n, r, with_replacement, seed):
    (x,) = normal(seed, (n,))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    out = ag.combinations(x, r, with_replacement)
    if r == 0:
        assert out.shape == (0,)
        return
    expected = np.array([[x[i] for i in c] for c in pick(range(n), r)]).reshape(-1, r)
    assert out.shape == expected.shape
    if expected.size == 0:
        return
    check(lambda v: ag.combinations(v, r, with_replacement),
          lambda a: np.array([[a[i] for i in c] for c in pick(range(n), r)]), x)
    if torch is not None:
        compare_with_torch(lambda v: ag.combinations(v, r, with_replacement),
                           lambda t: torch.combinations(t, r, with_replacement), x)


# --- PyTorch's fills and copies --------------------------------------------------------------


@st.composite
def shape_and_mask_shape(draw):
    """x's shape and a mask's that broadcasts to it (fewer axes, or 1s)."""
    shape = draw(NONEMPTY)
    kept = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    mask_shape = tuple(n if keep else 1 for n, keep in zip(shape, kept))
    return shape, mask_shape[draw(st.integers(0, len(shape))):]


@FEW
@given(shapes=shape_and_mask_shape(), seed=SEEDS)
def test_masked_fill(shapes, seed):
    shape, mask_shape = shapes
    (x,) = normal(seed, shape)
    mask = np.random.default_rng(seed + 1).random(mask_shape) < 0.5
    check(lambda v, s: ag.masked_fill(v, mask, s), lambda a, s: np.where(mask, s, a),
          x, np.array(2.5))
    check(lambda v: ag.masked_fill(v, mask, -1.0), lambda a: np.where(mask, -1.0, a), x)
    np.testing.assert_array_equal(ag.Value(x).masked_fill(mask, -1.0).numpy(),
                                  ag.masked_fill(x, mask, -1.0).numpy())  # the method agrees
    if torch is not None:
        compare_with_torch(lambda v, s: ag.masked_fill(v, mask, s),
                           lambda t, s: t.masked_fill(torch.tensor(mask), s), x, np.array(2.5))


@FEW
@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_index_fill_and_index_copy(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[dim]
    index = data.draw(st.permutations(range(n)).flatmap(
        lambda p: st.integers(0, n).map(lambda k: list(p[:k]))))
    fill = data.draw(st.lists(st.integers(-n, n - 1), max_size=4))  # repeats allowed
    source_shape = list(shape)
    source_shape[dim] = len(index)
    x, source = normal(seed, shape, tuple(source_shape))
    place = (slice(None),) * (dim % len(shape))

    def filled(a, value):
        out = a.copy()
        out[place + (np.array(fill, dtype=int),)] = value
        return out

    def copied(a, s):
        out = a.copy()
        out[place + (np.array(index, dtype=int),)] = s
        return out

    check(lambda v, s: ag.index_fill(v, dim, fill, s), filled, x, np.array(-3.0))
    check(lambda v, s: ag.index_copy(v, dim, index, s), copied, x, source)
    if torch is not None:
        compare_with_torch(lambda v: v.index_fill(dim, fill, 0.5),
                           lambda t: t.index_fill(dim, torch.tensor(fill, dtype=torch.long),
                                                  0.5), x)
        compare_with_torch(lambda v, s: v.index_copy(dim, index, s),
                           lambda t, s: t.index_copy(dim, torch.tensor(index, dtype=torch.long),
                                                     s), x, source)


@FEW
@given(shapes=shape_and_mask_shape(), extra=st.integers(0, 2), seed=SEEDS)
def test_masked_scatter(shapes, extra, seed):
    shape, mask_shape = shapes
    mask = np.random.default_rng(seed + 1).random(mask_shape) < 0.5
    count = int(np.broadcast_to(mask, shape).sum())
    x, source = normal(seed, shape, (count + extra,))

    def reference(a, s):
        out = a.copy()
        out[np.broadcast_to(mask, shape)] = s[:count]
        return out

    check(lambda v, s: ag.masked_scatter(v, mask, s), reference, x, source)
    check(lambda v, s: v.masked_scatter(mask, s), reference, x, source)
    if torch is not None:
        compare_with_torch(lambda v, s: ag.masked_scatter(v, mask, s),
                           lambda t, s: t.masked_scatter(torch.tensor(mask), s), x, source)


# --- constants -----------------------------------------------------------------------------


@FEW
@given(n=st.integers(0, 5), k=st.integers(-3, 3), m=st.none() | st.integers(0, 5))
def test_triangle_indices(n, k, m):
    for ours, theirs in ((ag.tril_indices, np.tril_indices), (ag.triu_indices, np.triu_indices)):
        rows, cols = ours(n, k, m)
        expected_rows, expected_cols = theirs(n, k, m)
        assert not rows.requires_grad and rows.dtype == np.int64
        np.testing.assert_array_equal(rows.numpy(), expected_rows)
        np.testing.assert_array_equal(cols.numpy(), expected_cols)
    if torch is not None:  # PyTorch's (row, col, offset), from numpy's (n, k, m)
        cols_ = n if m is None else m
        np.testing.assert_array_equal(np.stack([i.numpy() for i in ag.tril_indices(n, k, cols_)]),
                                      torch.tril_indices(n, cols_, k).numpy())
        np.testing.assert_array_equal(np.stack([i.numpy() for i in ag.triu_indices(n, k, cols_)]),
                                      torch.triu_indices(n, cols_, k).numpy())


def test_triangle_indices_pick_from_a_value():
    x = ag.Variable(np.arange(9.0).reshape(3, 3))
    picked = x[ag.tril_indices(3)]
    np.testing.assert_array_equal(picked.numpy(), [0, 3, 4, 6, 7, 8])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, np.tril(np.ones((3, 3))))


@FEW
@given(start=st.floats(-2, 2), stop=st.floats(-2, 2), num=st.integers(0, 6),
       endpoint=st.booleans(), base=st.sampled_from([2.0, np.e, 10.0]))
def test_logspace(start, stop, num, endpoint, base):
    out = ag.logspace(start, stop, num, endpoint, base, dtype=np.float64)
    np.testing.assert_allclose(out.numpy(), np.logspace(start, stop, num, endpoint, base),
                               rtol=1e-15)
    assert not out.requires_grad
    assert ag.logspace(start, stop, num, requires_grad=True).requires_grad
    assert ag.logspace(start, stop, num).dtype == ag.get_default_dtype()
    if torch is not None:
        theirs = torch.logspace(start, stop, num, base=base, dtype=torch.float64).numpy()
        np.testing.assert_allclose(ag.logspace(start, stop, num, base=base,
                                               dtype="float64").numpy(), theirs, rtol=1e-12)


# --- numpy's dispatch, methods, errors, docstrings ------------------------------------------


def test_numpy_functions_on_values_are_differentiable():
    a, b = ag.Variable(np.ones((2, 2))), ag.Variable(np.arange(4.0).reshape(2, 2))
    out = np.hstack([a, b])
    assert isinstance(out, ag.Value) and out.shape == (2, 4)
    (out * np.arange(8.0).reshape(2, 4)).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0, 1], [4, 5]])
    np.testing.assert_array_equal(b.grad, [[2, 3], [6, 7]])

    x = np.random.default_rng(0).normal(size=(2, 4, 2))
    v = ag.Value(x)

    def data(a):
        return a.data if isinstance(a, ag.Value) else a

    calls = [(np.hstack, ([v, v],), {}), (np.vstack, ([v, v],), {"dtype": np.float64}),
             (np.dstack, ((v, v),), {}), (np.column_stack, ([v[0], v[1]],), {}),
             (np.atleast_1d, (v,), {}), (np.atleast_2d, (v[0, 0, 0],), {}),
             (np.atleast_3d, (v[0],), {}), (np.hsplit, (v, 2), {}), (np.vsplit, (v, [1]), {}),
             (np.dsplit, (v, 2), {}), (np.fliplr, (v,), {}), (np.flipud, (v,), {}),
             (np.append, (v, v), {"axis": 1}), (np.insert, (v, [0, 2], 1.0), {"axis": 1}),
             (np.delete, (v, slice(1, 3)), {"axis": 1}), (np.diagflat, (v[0],), {"k": -1}),
             (np.vander, (v[0, :, 0],), {"N": 3, "increasing": True})]
    for fn, args, kwargs in calls:
        ours = fn(*args, **kwargs)
        theirs = fn(*[data(a) if not isinstance(a, (list, tuple)) else
                      type(a)(data(w) for w in a) for a in args], **kwargs)
        for o, t in zip(ours if isinstance(ours, (list, tuple)) else [ours],
                        theirs if isinstance(theirs, (list, tuple)) else [theirs]):
            assert isinstance(o, ag.Value), fn.__name__
            np.testing.assert_array_equal(o.numpy(), t, err_msg=fn.__name__)
    if hasattr(np, "row_stack"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            np.testing.assert_array_equal(np.row_stack([v[0], v[1]]).numpy(),
                                          np.vstack([x[0], x[1]]))
    for family in (arrangement, building):
        # ag's functions are the families' wrapped for out= (ops._out)
        assert set(family.NUMPY_FUNCTIONS.values()) <= {inspect.unwrap(getattr(ag, n))
                                                        for n in ag.__all__}


def test_value_methods():
    assert ag.Value.masked_fill is not ag.masked_fill  # the existing method stays
    for name in ("index_fill", "index_copy", "masked_scatter", "tensor_split", "unflatten",
                 "diag_embed", "fliplr", "flipud", "msort"):
        assert getattr(ag.Value, name) is inspect.unwrap(getattr(ag, name))
    x = ag.Value(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.index_fill(1, [0, 2], -1.0).numpy(),
                                  [[-1, 1, -1], [-1, 4, -1]])
    np.testing.assert_array_equal(x.index_copy(0, [1], np.zeros((1, 3))).numpy(),
                                  [[0, 1, 2], [0, 0, 0]])
    assert [p.shape for p in x.tensor_split([1], 1)] == [(2, 1), (2, 2)]
    assert x.unflatten(1, (3, 1)).shape == (2, 3, 1)
    assert x.diag_embed().shape == (2, 3, 3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ag.hstack(ag.Value(np.ones(3))), TypeError,
     r"hstack: expects a sequence .* got a Value of shape \(3,\)"),
    (lambda: ag.vstack([]), ValueError, "vstack: needs at least one array"),
    (lambda: ag.vstack([np.ones(3), np.ones(2)]), ValueError,
     r"vstack: the arrays \(shapes, as joined: \(1, 3\), \(1, 2\)\) .* every axis but 0"),
    (lambda: ag.hstack([np.ones(2)], casting="wild"), ValueError, "hstack: casting must be"),
    (lambda: ag.hstack([np.ones(2)], dtype=np.int64), TypeError,
     "hstack: cannot cast .* under casting='same_kind'"),
    (lambda: ag.atleast_1d("text"), TypeError, "atleast_1d"),
    (lambda: ag.hsplit(np.ones(5), 2), ValueError,
     r"hsplit: axis 0 of length 5 \(input shape \(5,\)\) does not divide into 2"),
    (lambda: ag.vsplit(np.ones(4), 2), ValueError,
     r"vsplit: needs an array of at least 2 dimensions, got shape \(4,\)"),
    (lambda: ag.dsplit(np.ones((2, 2, 2)), [[1]]), ValueError, "dsplit: indices_or_sections"),
    (lambda: ag.tensor_split(np.ones(3), 0), ValueError,
     "tensor_split: the number of sections must be positive"),
    (lambda: ag.tensor_split(np.ones(3), 2.0), TypeError, "tensor_split: indices_or_sections"),
    (lambda: ag.fliplr(np.ones(3)), ValueError, r"fliplr: needs at least 2 .* shape \(3,\)"),
    (lambda: ag.flipud(np.float64(1.0)), ValueError, "flipud: needs at least 1"),
    (lambda: ag.msort(np.float64(1.0)), ValueError, "msort: needs at least 1"),
    (lambda: ag.unflatten(np.ones((2, 6)), 1, (4, -1)), ValueError,
     r"unflatten: sizes \[4, -1\] do not multiply to 6, .* \(input shape \(2, 6\)\)"),
    (lambda: ag.append(np.ones((2, 2)), np.ones(2), axis=0), ValueError,
     r"append: the arrays \(shapes, as joined: \(2, 2\), \(2,\)\)"),
    (lambda: ag.insert(np.ones(3), 5, 1.0), IndexError,
     r"insert: obj 5 is out of range for axis 0 of length 3"),
    (lambda: ag.insert(np.ones((2, 3)), [0, 1], np.ones((2, 3)), axis=1), ValueError,
     r"insert: values of shape \(2, 3\) do not broadcast to \(2, 2\)"),
    (lambda: ag.insert(np.ones(3), [[0]], 1.0), ValueError, "insert: obj must be an int or a"),
    (lambda: ag.delete(np.ones(3), 3), IndexError, "delete: obj .* out of range for axis 0"),
    (lambda: ag.delete(np.ones(3), np.array([True, False])), ValueError,
     r"delete: a boolean obj must have shape \(3,\)"),
    (lambda: ag.delete(np.ones(3), 0.5), TypeError, "delete: obj must be integers"),
    (lambda: ag.diagflat(np.ones(2), 1, offset=1), TypeError, "diagflat: give k"),
    (lambda: ag.diag_embed(np.ones(3), dim1=0, dim2=-2), ValueError,
     "diag_embed: dim1 and dim2 name the same axis"),
    (lambda: ag.diag_embed(np.ones(3), dim1=2), ValueError,
     r"diag_embed: axis 2 is out of range"),
    (lambda: ag.diag_embed(np.ones(3), 0.5), TypeError, "diag_embed: offset must be an integer"),
    (lambda: ag.block_diag(np.ones((1, 1, 1))), ValueError,
     r"block_diag: input 0 has shape \(1, 1, 1\)"),
    (lambda: ag.vander(np.ones((2, 2))), ValueError, r"vander: x must be a vector, got shape"),
    (lambda: ag.vander(np.ones(2), -1), ValueError, "vander: N must be at least 0"),
    (lambda: ag.cartesian_prod(np.ones(2), np.ones((2, 2))), ValueError,
     r"cartesian_prod: input 1 has shape \(2, 2\)"),
    (lambda: ag.cartesian_prod(), TypeError, "cartesian_prod: needs at least one vector"),
    (lambda: ag.combinations(np.ones((2, 2))), ValueError, "combinations: x must be a vector"),
    (lambda: ag.combinations(np.ones(3), -1), ValueError, "combinations: r must be at least 0"),
    (lambda: ag.masked_fill(np.ones(3), np.ones(3), 0.0), TypeError,
     "masked_fill: the mask must be boolean, got dtype float64"),
    (lambda: ag.masked_fill(np.ones(3), np.ones((2, 3), bool), 0.0), ValueError,
     r"masked_fill: a mask of shape \(2, 3\) does not broadcast to the input's shape \(3,\)"),
    (lambda: ag.masked_fill(np.ones(3), np.ones(3, bool), np.ones(2)), ValueError,
     r"masked_fill: value must be a number or a 0-d Value, got shape \(2,\)"),
    (lambda: ag.index_fill(np.ones((2, 3)), 1, [3], 0.0), IndexError,
     r"index_fill: index \[3\] is out of range for axis 1 of length 3"),
    (lambda: ag.index_fill(np.ones((2, 3)), 2, [0], 0.0), ValueError,
     "index_fill: axis 2 is out of range"),
    (lambda: ag.index_copy(np.ones((2, 3)), 0, [1], np.ones((2, 3))), ValueError,
     r"index_copy: source has shape \(2, 3\), but 1 indices .* need \(1, 3\)"),
    (lambda: ag.index_copy(np.ones(3), 0, [1, 1], np.ones(2)), ValueError,
     "index_copy: index .* repeats an index"),
    (lambda: ag.masked_scatter(np.ones(3), np.ones(3, bool), np.ones(2)), ValueError,
     r"masked_scatter: the mask has 3 true elements but source \(shape \(2,\)\) only 2"),
    (lambda: ag.tril_indices(-1), ValueError, "tril_indices: n must be at least 0"),
    (lambda: ag.triu_indices(3, 0.5), TypeError, "triu_indices: k must be an integer"),
    (lambda: ag.logspace(0, 1, 2.5), TypeError, "logspace: num must be an integer"),
])
def test_errors_name_the_function_and_the_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_docstring_examples():
    for family in (arrangement, building):
        result = doctest.testmod(family)
        assert result.attempted > 0 and result.failed == 0, family.__name__
