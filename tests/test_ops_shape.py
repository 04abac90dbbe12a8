"""Shape, joining, indexing and factory ops: forward against numpy, gradients against
central differences, first and second derivatives against PyTorch, float32, edge cases,
errors, and the Value methods with numpy's and PyTorch's names.

These ops only move numbers, so they are linear and their own second derivative is zero:
the second-order checks square the op's output (``op(x) ** 2``), so that the recorded
gradient runs the op's backward on Values and differentiating it again goes through the
backward of that backward (a gather's scatter, a scatter's gather).
"""

import doctest
import importlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def squared(f):
    """f followed by a square, so that second derivatives are not all zero."""
    return lambda *vs: f(*vs) ** 2


def check(f, f_np, *arrays):
    """Forward equals numpy exactly; gradients pass gradcheck; second derivatives (of the
    squared output) match central differences of the first."""
    out = f(*[ag.Value(a) for a in arrays])
    expected = f_np(*arrays)
    assert out.shape == np.shape(expected) and out.dtype == np.float64
    np.testing.assert_array_equal(out.data, expected)
    ag.gradcheck(f, arrays)
    check_second_order(squared(f), *arrays)


def torch_check(f, f_torch, *arrays, seed=0):
    """Outputs, gradients and Hessian-vector products of the squared output, as PyTorch's."""
    pytest.importorskip("torch")
    compare_with_torch(squared(f), squared(f_torch), *arrays, seed=seed)


def axis_of(draw, ndim):
    return draw(st.integers(-ndim, ndim - 1))


# --- reshaping ------------------------------------------------------------------------------


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_reshape_view_flatten_ravel(shape, seed, data):
    x = real(np.random.default_rng(seed), shape)
    size = x.size
    new = data.draw(st.sampled_from([(-1,), (size,), shape[::-1], (1,) + shape, (size, -1)]))
    check(lambda v: v.reshape(new), lambda a: a.reshape(new), x)
    check(lambda v: v.reshape(*new), lambda a: a.reshape(new), x)
    check(lambda v: v.view(*new), lambda a: a.reshape(new), x)
    check(lambda v: v.flatten(), lambda a: a.flatten(), x)
    check(ag.ravel, np.ravel, x)
    if x.ndim:
        start = axis_of(data.draw, x.ndim)
        end = data.draw(st.integers(start % x.ndim, x.ndim - 1))
        torch_check(lambda v: ag.flatten(v, start, end), lambda t: t.flatten(start, end), x)


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_squeeze_expand_dims_unsqueeze(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = real(rng, tuple(data.draw(st.sampled_from([1, n])) for n in shape))
    ones = [i for i, n in enumerate(x.shape) if n == 1]
    axis = data.draw(st.none() | st.sampled_from(ones)) if ones else None
    check(lambda v: v.squeeze(axis), lambda a: np.squeeze(a, axis), x)
    check(lambda v: ag.squeeze(v, tuple(ones)), lambda a: np.squeeze(a, tuple(ones)), x)
    new = data.draw(st.integers(-x.ndim - 1, x.ndim))
    two = (new, 0) if new % (x.ndim + 2) else new  # two new axes unless they coincide
    check(lambda v: ag.expand_dims(v, two), lambda a: np.expand_dims(a, two), x)
    torch_check(lambda v: v.unsqueeze(new), lambda t: t.unsqueeze(new), x)
    if axis is not None:
        torch_check(lambda v: ag.squeeze(v, axis), lambda t: t.squeeze(axis), x)


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_transpose_permute_swapaxes_moveaxis(shape, seed, data):
    x = real(np.random.default_rng(seed), shape)
    perm = data.draw(st.permutations(range(x.ndim)).map(tuple))
    if len(perm) == 2:  # two axes given apart are exchanged, as PyTorch's transpose
        check(lambda v: v.transpose(*perm), lambda a: a.swapaxes(*perm), x)
    else:  # a permutation, as numpy's
        check(lambda v: v.transpose(*perm), lambda a: a.transpose(perm), x)
    check(lambda v: v.transpose(perm), lambda a: a.transpose(perm), x)
    check(lambda v: ag.transpose(v, perm=list(perm)), lambda a: a.transpose(perm), x)
    torch_check(lambda v: v.permute(*perm), lambda t: t.permute(perm), x)
    torch_check(lambda v: ag.permute(v, perm), lambda t: t.permute(perm), x)
    if x.ndim:
        a, b = axis_of(data.draw, x.ndim), axis_of(data.draw, x.ndim)
        check(lambda v: v.swapaxes(a, b), lambda arr: arr.swapaxes(a, b), x)
        torch_check(lambda v: v.swapdims(a, b), lambda t: t.transpose(a, b), x)
        torch_check(lambda v: v.transpose(a, b), lambda t: t.transpose(a, b), x)
        torch_check(lambda v: ag.transpose(v, a, b), lambda t: t.transpose(a, b), x)
        k = data.draw(st.integers(1, x.ndim))
        src = data.draw(st.permutations(range(x.ndim)))[:k]
        dst = data.draw(st.permutations(range(-x.ndim, 0)))[:k]
        check(lambda v: ag.moveaxis(v, src, dst), lambda arr: np.moveaxis(arr, src, dst), x)
        torch_check(lambda v: v.movedim(src, dst), lambda t: t.movedim(src, dst), x)
        torch_check(lambda v: v.moveaxis(src[0], dst[0]),
                    lambda t: t.moveaxis(src[0], dst[0]), x)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3), seed=SEEDS)
def test_broadcast_to_and_expand(shapes, seed):
    x = real(np.random.default_rng(seed), shapes.input_shapes[0])
    target = np.broadcast_shapes(x.shape, shapes.input_shapes[1])
    check(lambda v: ag.broadcast_to(v, target), lambda a: np.broadcast_to(a, target), x)
    torch_check(lambda v: v.broadcast_to(target), lambda t: t.broadcast_to(target), x)
    sizes = tuple(-1 if i >= len(target) - x.ndim and x.shape[i - len(target)] == n else n
                  for i, n in enumerate(target))
    torch_check(lambda v: v.expand(*sizes), lambda t: t.expand(sizes), x)


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_flip_and_roll(shape, seed, data):
    x = real(np.random.default_rng(seed), shape)
    axes = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), max_size=x.ndim,
                              unique_by=lambda a: a % x.ndim)) if x.ndim else []
    check(lambda v: ag.flip(v), lambda a: np.flip(a), x)
    check(lambda v: v.flip(tuple(axes)), lambda a: np.flip(a, tuple(axes)), x)
    torch_check(lambda v: v.flip(tuple(axes)), lambda t: t.flip(tuple(axes)), x)
    torch_check(ag.flip, lambda t: t.flip(tuple(range(t.ndim))), x)
    shifts = [data.draw(st.integers(-5, 5)) for _ in axes]
    check(lambda v: ag.roll(v, 2), lambda a: np.roll(a, 2), x)
    if axes:
        check(lambda v: v.roll(shifts, axes), lambda a: np.roll(a, shifts, axes), x)
        torch_check(lambda v: ag.roll(v, shifts, axes), lambda t: t.roll(shifts, axes), x)
        torch_check(lambda v: v.roll(-1, axes[0]), lambda t: t.roll(-1, axes[0]), x)
        check(lambda v: ag.reverse(v, axes), lambda a: np.flip(a, tuple(axes)), x)


# --- joining, splitting, copies ------------------------------------------------------------


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_concat_aliases(shape, seed, data):
    rng = np.random.default_rng(seed)
    axis = axis_of(data.draw, len(shape))
    xs = [real(rng, shape) for _ in range(2)]
    check(lambda *vs: ag.concatenate(vs, axis), lambda *a: np.concatenate(a, axis), *xs)
    torch_check(lambda *vs: ag.cat(vs, dim=axis), lambda *ts: ag_torch().cat(ts, axis), *xs)


def ag_torch():
    return pytest.importorskip("torch")


def weighted(pieces, join):
    """Join the pieces back, each times its position + 1 (so each gradient differs)."""
    return join([p * (i + 1) for i, p in enumerate(pieces)])


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_split_array_split_chunk(shape, seed, data):
    x = real(np.random.default_rng(seed), shape)
    axis = axis_of(data.draw, x.ndim)
    n = x.shape[axis]
    k = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    join = lambda ps: ag.concat(ps, axis)  # noqa: E731
    for ours, theirs in [(lambda v: ag.split(v, k, axis), lambda a: np.split(a, k, axis)),
                         (lambda v: ag.split(v, cuts, axis), lambda a: np.split(a, cuts, axis)),
                         (lambda v: ag.array_split(v, 2, axis),
                          lambda a: np.array_split(a, 2, axis))]:
        pieces = ours(ag.Value(x))
        expected = theirs(x)
        assert len(pieces) == len(expected)
        for p, e in zip(pieces, expected):
            np.testing.assert_array_equal(p.data, e)
        check(lambda v: weighted(ours(v), join),
              lambda a: np.concatenate([p * (i + 1) for i, p in enumerate(theirs(a))], axis), x)
    torch = ag_torch()
    torch_join = lambda ps: torch.cat(ps, axis)  # noqa: E731
    torch_check(lambda v: weighted(ag.split(v, cuts, axis), join),
                lambda t: weighted(torch.tensor_split(t, cuts, axis), torch_join), x)
    chunks = data.draw(st.integers(1, 4))
    assert [p.shape for p in ag.chunk(ag.Value(x), chunks, axis)] == [
        tuple(p.shape) for p in torch.chunk(torch.tensor(x), chunks, axis)]
    torch_check(lambda v: weighted(v.chunk(chunks, axis), join),
                lambda t: weighted(t.chunk(chunks, axis), torch_join), x)


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_unstack_unbind(shape, seed, data):
    x = real(np.random.default_rng(seed), shape)
    axis = axis_of(data.draw, x.ndim)
    pieces = ag.unstack(ag.Value(x), axis=axis)
    for i, p in enumerate(pieces):
        np.testing.assert_array_equal(p.data, np.take(x, i, axis))
    stack = lambda ps: ag.stack(ps, axis)  # noqa: E731
    check(lambda v: weighted(ag.unstack(v, x.shape[axis], axis), stack),
          lambda a: np.stack([np.take(a, i, axis) * (i + 1) for i in range(a.shape[axis])],
                             axis), x)
    torch = ag_torch()
    torch_check(lambda v: weighted(v.unbind(axis), stack),
                lambda t: weighted(t.unbind(axis), lambda ps: torch.stack(ps, axis)), x)


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_tile(shape, seed, data):
    x = real(np.random.default_rng(seed), shape)
    reps = tuple(data.draw(st.lists(st.integers(0, 2), min_size=0, max_size=4)))
    check(lambda v: ag.tile(v, reps), lambda a: np.tile(a, reps), x)
    check(lambda v: v.tile(2), lambda a: np.tile(a, 2), x)
    if len(reps) >= max(x.ndim, 1):  # PyTorch's Tensor.repeat: a count per axis at least
        torch_check(lambda v: v.tile(reps), lambda t: t.repeat(*reps), x)
    torch_check(lambda v: ag.tile(v, reps), lambda t: ag_torch().tile(t, reps), x)


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_repeat(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = real(rng, shape)
    r = data.draw(st.integers(0, 3))
    check(lambda v: v.repeat(r), lambda a: a.repeat(r), x)
    torch_check(lambda v: ag.repeat_interleave(v, r), lambda t: t.repeat_interleave(r), x)
    if x.ndim:
        axis = axis_of(data.draw, x.ndim)
        counts = rng.integers(0, 3, x.shape[axis])
        check(lambda v: ag.repeat(v, counts, axis), lambda a: np.repeat(a, counts, axis), x)
        check(lambda v: v.repeat(r, axis=axis), lambda a: a.repeat(r, axis), x)
        torch = ag_torch()
        torch_check(lambda v: v.repeat_interleave(counts, axis),
                    lambda t: t.repeat_interleave(torch.tensor(counts), axis), x)


PAD_MODES = ["constant", "reflect", "symmetric", "edge", "wrap"]


@pytest.mark.parametrize("mode", PAD_MODES)
@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_pad(mode, shape, seed, data):
    x = real(np.random.default_rng(seed), shape)
    widths = [tuple(data.draw(st.integers(0, 4)) for _ in range(2)) for _ in shape] or 0
    extra = {"constant_values": 1.5} if mode == "constant" else {}
    check(lambda v: ag.pad(v, widths, mode.upper(), **extra),
          lambda a: np.pad(a, widths, mode, **extra), x)
    check(lambda v: ag.pad(v, 1, mode), lambda a: np.pad(a, 1, mode), x)
    check(lambda v: ag.pad(v, (2, 1), mode), lambda a: np.pad(a, (2, 1), mode), x)


@pytest.mark.parametrize("mode, torch_mode", [("constant", "constant"), ("reflect", "reflect"),
                                               ("edge", "replicate"), ("wrap", "circular"),
                                               ("replicate", "replicate")])
def test_pad_against_torch(mode, torch_mode):
    F = pytest.importorskip("torch.nn.functional")
    x = real(np.random.default_rng(1), (2, 3, 4))
    # PyTorch pads the last axes, listing them from the last: (left, right, top, bottom).
    torch_check(lambda v: ag.pad(v, ((0, 0), (2, 1), (3, 2)), mode),
                lambda t: F.pad(t, (3, 2, 2, 1), mode=torch_mode), x)
    c = ag.pad(ag.Value(x), ((0, 0), (1, 0), (0, 2)), constant_values=-3.0)
    np.testing.assert_array_equal(c.data, np.pad(x, ((0, 0), (1, 0), (0, 2)),
                                                 constant_values=-3.0))


# --- picking: take, gather, take_along_axis, torch's gather ----------------------------------


def indices_for(rng, n, shape):
    """Integers in [-n, n), with repeats whenever there are more than n of them."""
    return rng.integers(-n, n, shape) if n else np.zeros(shape, int)


def tf_gather(params, indices, axis, batch_dims):
    """tf.gather's meaning, by its definition: one np.take per batch."""
    if batch_dims == 0:
        return np.take(params, indices, axis)
    return np.stack([tf_gather(p, i, axis - 1, batch_dims - 1)
                     for p, i in zip(params, indices)])


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_take_and_gather(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = real(rng, shape)
    axis = data.draw(st.integers(0, x.ndim - 1))
    b = data.draw(st.integers(0, axis))
    idx_shape = x.shape[:b] + data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    idx = indices_for(rng, x.shape[axis], idx_shape)
    check(lambda v: ag.gather(v, idx, axis=axis, batch_dims=b),
          lambda a: tf_gather(a, idx, axis, b), x)
    flat = indices_for(rng, x.size, (5,))
    check(lambda v: v.take(flat), lambda a: a.take(flat), x)
    check(lambda v: ag.take(v, idx, axis - x.ndim), lambda a: np.take(a, idx, axis), x)
    torch = ag_torch()
    vector = indices_for(rng, x.shape[axis], (5,))
    torch_check(lambda v: v.index_select(axis, vector),
                lambda t: t.index_select(axis, torch.tensor(vector % x.shape[axis])), x)
    torch_check(lambda v: ag.gather(v, idx, axis),
                lambda t: t[(slice(None),) * axis + (torch.tensor(idx),)], x)


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_gather_nd_scatter_nd(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = real(rng, shape)
    k = data.draw(st.integers(1, x.ndim))
    rows = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    idx = np.stack([indices_for(rng, n, rows) for n in x.shape[:k]], axis=-1)
    check(lambda v: ag.gather_nd(v, idx), lambda a: a[tuple(idx[..., j] for j in range(k))], x)
    updates = real(rng, rows + x.shape[k:])

    def scatter_np(a, u):
        out = a.copy()
        np.add.at(out, tuple(idx[..., j] for j in range(k)), u)
        return out

    check(lambda v, u: ag.tensor_scatter_nd_add(v, idx, u), scatter_np, x, updates)
    check(lambda u: ag.scatter_nd(idx, u, x.shape),
          lambda u: scatter_np(np.zeros(x.shape), u), updates)
    if x.ndim >= 2:  # one batch axis: each batch row addresses its own slice
        idx_b = np.stack([indices_for(rng, x.shape[1], (3,)) for _ in range(x.shape[0])])
        check(lambda v: ag.gather_nd(v, idx_b[..., None], batch_dims=1),
              lambda a: np.stack([a[i][idx_b[i]] for i in range(a.shape[0])]), x)


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_take_along_axis(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = real(rng, shape)
    axis = axis_of(data.draw, x.ndim)
    # Off the axis, indices broadcast: length 1 or x's; along it, any length.
    idx_shape = tuple(data.draw(st.integers(0, 4)) if d == axis % x.ndim
                      else data.draw(st.sampled_from([1, n])) for d, n in enumerate(x.shape))
    idx = indices_for(rng, x.shape[axis], idx_shape)
    check(lambda v: ag.take_along_axis(v, idx, axis),
          lambda a: np.take_along_axis(a, idx, axis), x)
    flat = indices_for(rng, x.size, (4,))
    check(lambda v: ag.take_along_axis(v, flat, None),
          lambda a: np.take_along_axis(a, flat, None), x)
    torch = ag_torch()
    pos = idx % x.shape[axis]
    torch_check(lambda v: v.take_along_dim(idx, axis),
                lambda t: torch.take_along_dim(t, torch.tensor(pos), axis), x)


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_torch_gather_method(shape, seed, data):
    """``x.gather(dim, index)`` is torch.gather: index no longer than x off dim, no
    broadcasting, the output of index's shape."""
    rng = np.random.default_rng(seed)
    x = real(rng, shape)
    dim = axis_of(data.draw, x.ndim)
    idx_shape = tuple(data.draw(st.integers(0, 4)) if d == dim % x.ndim
                      else data.draw(st.integers(1, n)) for d, n in enumerate(x.shape))
    idx = rng.integers(0, x.shape[dim], idx_shape)
    torch = ag_torch()
    torch_check(lambda v: v.gather(dim, idx), lambda t: t.gather(dim, torch.tensor(idx)), x)
    ag.gradcheck(lambda v: v.gather(dim, idx), [x])


def test_gather_names_and_their_meanings():
    x = ag.Value(np.arange(12.0).reshape(3, 4))
    idx = np.array([[3, 0], [1, 1], [0, 2]])
    # TensorFlow's gather picks whole slices; PyTorch's (the method) one element per index.
    assert ag.gather(x, idx, axis=1).shape == (3, 3, 2)
    np.testing.assert_array_equal(x.gather(1, idx).data, [[3, 0], [5, 5], [8, 10]])
    np.testing.assert_array_equal(ag.take_along_axis(x, idx, 1).data, x.gather(1, idx).data)
    # Where index is shorter than x off dim, PyTorch's gather reads the top-left corner,
    # and numpy's take_along_axis broadcasts a length of 1.
    np.testing.assert_array_equal(x.gather(1, [[2]]).data, [[2.0]])
    np.testing.assert_array_equal(ag.take_along_axis(x, [[2]], 1).data, [[2.0], [6.0], [10.0]])
    with pytest.raises(TypeError, match=r"gather.*tf\.gather.*x\.gather\(dim, index\)"):
        ag.gather(x, 1, idx)  # torch.gather's argument order


# --- adding at places --------------------------------------------------------------------------


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_scatter_add(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = real(rng, shape)
    dim = axis_of(data.draw, x.ndim)
    idx_shape = tuple(data.draw(st.integers(0, 4)) if d == dim % x.ndim
                      else data.draw(st.integers(1, n)) for d, n in enumerate(x.shape))
    idx = rng.integers(0, x.shape[dim], idx_shape)
    src = real(rng, idx_shape)
    torch = ag_torch()
    torch_check(lambda v, s: v.scatter_add(dim, idx, s),
                lambda t, s: t.scatter_add(dim, torch.tensor(idx), s), x, src)
    # A src longer than index: only the part index covers is added, and only it has a
    # gradient (PyTorch computes the same sum, but its backward fails on the shapes).
    big = real(rng, tuple(n + 1 for n in idx_shape))
    corner = tuple(slice(0, n) for n in idx_shape)
    y = ag.scatter_add(x, dim, idx, big)
    expected = torch.tensor(x).scatter_add(dim, torch.tensor(idx), torch.tensor(big))
    np.testing.assert_array_equal(y.data, expected.numpy())
    check_second_order(squared(lambda v, s: ag.scatter_add(v, dim, idx, s)), x, big)
    s = ag.Value(big)
    ag.scatter_add(x, dim, idx, s).sum().backward()
    outside = np.ones(big.shape, bool)
    outside[corner] = False
    assert np.all(s.grad[outside] == 0) and np.all(s.grad[corner] == 1)


@given(shape=NONEMPTY, seed=SEEDS, data=st.data())
def test_index_add(shape, seed, data):
    rng = np.random.default_rng(seed)
    x = real(rng, shape)
    dim = axis_of(data.draw, x.ndim)
    idx = rng.integers(0, x.shape[dim], data.draw(st.integers(0, 5)))
    src_shape = list(x.shape)
    src_shape[dim] = len(idx)
    src = real(rng, src_shape)
    torch = ag_torch()
    torch_check(lambda v, s: v.index_add(dim, idx, s, alpha=0.5),
                lambda t, s: t.index_add(dim, torch.tensor(idx), s, alpha=0.5), x, src)
    torch_check(lambda v, s: ag.index_add(v, dim, idx, s),
                lambda t, s: torch.index_add(t, dim, torch.tensor(idx), s), x, src)


def test_repeated_indices_add_up_in_every_pick():
    x = ag.Value(np.array([1.0, 2.0, 3.0]))
    for y in (ag.gather(x, [0, 0, 2, 0]), ag.take_along_axis(x, [0, 0, 2, 0], 0),
              x.gather(0, [0, 0, 2, 0]), ag.take(x, [0, -3, 2, 0]), x[[0, 0, 2, 0]]):
        x.grad = None
        (y * np.array([1.0, 10.0, 100.0, 1000.0])).sum().backward()
        np.testing.assert_array_equal(x.grad, [1011.0, 0.0, 100.0])
    y = ag.scatter_add(ag.zeros(3, dtype=np.float64), 0, [0, 0, 2], ag.Value([1.0, 2.0, 4.0]))
    np.testing.assert_array_equal(y.data, [3.0, 0.0, 4.0])


# --- numpy indexing: gradients and second derivatives against PyTorch -----------------------


INDICES = [
    (Ellipsis, None, 1), (None, Ellipsis, slice(1, None)), (1, None, Ellipsis),
    np.array([0, 0, 2, 0, 1]), np.array([[1, 1], [0, 1]]), (np.array([2, 2, 0]), slice(1, None)),
    (np.array([1, 1]), Ellipsis, np.array([0, 0])), (slice(None), np.array([0, 3, 0, 0])),
    (None, np.array([-1, -1, 0])), (Ellipsis, np.array([1, 0, 1, 1, 1])),
    (np.array([[0], [2]]), np.array([1, 1, 3])),
    np.array([True, False, True]), (slice(None), np.array([True, False, True, True])),
]


@pytest.mark.parametrize("index", INDICES, ids=str)
def test_indexing_second_derivatives_against_torch(index):
    torch = ag_torch()
    x = real(np.random.default_rng(0), (3, 4, 2))
    t_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i
                    for i in (index if isinstance(index, tuple) else (index,)))
    torch_check(lambda v: v[index], lambda t: t[t_index], x)
    check(lambda v: v[index], lambda a: a[index], x)


def test_boolean_mask_from_a_value_second_derivatives():
    x = real(np.random.default_rng(3), (3, 4))
    torch = ag_torch()
    mask = x > 0
    torch_check(lambda v: v[v > 0], lambda t: t[torch.tensor(mask)], x)


# --- float32, empty arrays and edge cases ----------------------------------------------------


FLOAT32 = [
    ("reshape", lambda v: v.reshape(-1)), ("flatten", lambda v: v.flatten(1)),
    ("squeeze", lambda v: ag.squeeze(v[:1], 0)), ("unsqueeze", lambda v: v.unsqueeze(1)),
    ("permute", lambda v: v.permute(1, 0)), ("moveaxis", lambda v: ag.moveaxis(v, 0, -1)),
    ("broadcast_to", lambda v: ag.broadcast_to(v, (2, 3, 4))), ("flip", lambda v: v.flip(0)),
    ("roll", lambda v: v.roll(1, 1)), ("tile", lambda v: v.tile((2, 1))),
    ("repeat", lambda v: v.repeat([1, 0, 2], axis=0)),
    ("pad", lambda v: ag.pad(v, 1, "reflect")), ("pad constant", lambda v: ag.pad(v, 1)),
    ("split", lambda v: ag.split(v, [1], axis=1)[1]), ("unstack", lambda v: ag.unstack(v)[2]),
    ("gather", lambda v: ag.gather(v, [[0, 2]], axis=1)),
    ("take_along_axis", lambda v: ag.take_along_axis(v, np.array([[3], [0], [1]]), 1)),
    ("torch gather", lambda v: v.gather(0, [[2, 2, 0, 1]])),
    ("gather_nd", lambda v: ag.gather_nd(v, [[0, 1], [2, 2]])),
    ("scatter_add", lambda v: ag.scatter_add(v, 1, [[0, 0]] * 3, v[:, :2])),
    ("index_add", lambda v: ag.index_add(v, 0, [1, 1], v[:2], alpha=2)),
    ("scatter_nd", lambda v: ag.scatter_nd([[1], [1]], v[:2], (3, 4))),
    ("getitem", lambda v: v[[0, 0, 2], 1:]),
]


@pytest.mark.parametrize("name, f", FLOAT32, ids=[c[0] for c in FLOAT32])
def test_float32_in_float32_out(name, f):
    x = ag.Value(np.arange(12, dtype=np.float32).reshape(3, 4))
    y = f(x)
    assert y.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == (3, 4)
    (g,) = ag.gradients((f(x) ** 2).sum(), [x], create_graph=True)
    (h,) = ag.gradients((g * g).sum(), [x])
    assert g.dtype == h.dtype == np.float32
    x64 = ag.Value(x.data.astype(np.float64))
    (g64,) = ag.gradients((f(x64) ** 2).sum(), [x64])
    np.testing.assert_allclose(g.data, g64.data, rtol=1e-6)


EMPTY = [
    ("flip", lambda v: v.flip(0), lambda t: t.flip(0)),
    ("roll", lambda v: v.roll(2, 0), lambda t: t.roll(2, 0)),
    ("tile", lambda v: v.tile((2, 1)), lambda t: t.tile((2, 1))),
    ("tile by 0", lambda v: v.tile((0, 1)), lambda t: t.tile((0, 1))),
    ("repeat", lambda v: v.repeat(3, axis=1), lambda t: t.repeat_interleave(3, 1)),
    ("flatten", lambda v: v.flatten(), lambda t: t.flatten()),
    ("transpose", lambda v: v.T, lambda t: t.T),
    ("pad", lambda v: ag.pad(v, ((0, 0), (1, 2))), lambda t: t),
    ("gather", lambda v: ag.gather(v, np.zeros((0,), int), axis=1),
     lambda t: t[:, t.new_zeros(0).long()]),
    ("torch gather", lambda v: v.gather(1, np.zeros((0, 0), int)),
     lambda t: t.gather(1, t.new_zeros((0, 0)).long())),
]


@pytest.mark.parametrize("name, f, f_torch", EMPTY, ids=[c[0] for c in EMPTY])
def test_empty_arrays_as_torch(name, f, f_torch):
    torch = ag_torch()
    x = ag.Value(np.zeros((0, 3)))
    y = f(x)
    t = torch.zeros((0, 3), dtype=torch.float64, requires_grad=True)
    if name != "pad":  # F.pad cannot pad an empty tensor; numpy can
        assert y.shape == tuple(f_torch(t).shape)
    else:
        assert y.shape == (0, 6)
    y.sum().backward()
    assert x.grad.shape == (0, 3)


def test_edge_cases_match_torch():
    torch = ag_torch()
    x = ag.Value(np.arange(6.0).reshape(2, 3))
    t = torch.arange(6.0, dtype=torch.float64).reshape(2, 3)
    # Shifts longer than the axis wrap around; zero repeats leave nothing.
    np.testing.assert_array_equal(x.roll(7, 1).data, t.roll(7, 1).numpy())
    np.testing.assert_array_equal(x.roll((1, -4), (0, 1)).data, t.roll((1, -4), (0, 1)).numpy())
    assert x.repeat(0, axis=0).shape == tuple(t.repeat_interleave(0, 0).shape)
    # Zero-dimensional Values: flatten gives one element; flip and tile of nothing are x.
    s = ag.Value(np.float64(2.0))
    assert s.flatten().shape == tuple(torch.tensor(2.0).flatten().shape) == (1,)
    assert ag.flip(s).shape == () and ag.tile(s, ()).shape == ()
    assert s.unsqueeze(0).shape == (1,) and ag.squeeze(s).shape == ()
    # Pieces: chunk may give fewer pieces than asked, as PyTorch's.
    assert [p.shape for p in ag.chunk(ag.Value(np.zeros(5)), 4)] == [(2,), (2,), (1,)]
    assert [p.shape for p in ag.chunk(ag.Value(np.zeros((0, 2))), 3)] == [(0, 2)] * 3
    # reflect with a pad as long as the axis allows, as torch's limit.
    F = torch.nn.functional
    np.testing.assert_array_equal(ag.pad(x, ((0, 0), (2, 2)), "reflect").data,
                                  F.pad(t, (2, 2), mode="reflect").numpy())


# The checks' loss sum(y * w) adds +inf and -inf (NaN); the gradients do not depend on it.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_infinities_move_like_any_number():
    F = pytest.importorskip("torch.nn.functional")
    x = np.array([[[np.inf, -1.0], [2.0, -np.inf]]])
    compare_with_torch(
        lambda v: ag.pad(v, ((0, 0), (1, 1), (1, 1)), "edge").flip(1).roll(1, 2).tile((1, 2)),
        lambda t: F.pad(t, (1, 1, 1, 1), mode="replicate").flip(1).roll(1, 2).tile((1, 2)), x)
    compare_with_torch(lambda v: v.gather(2, [[[1, 1], [0, 0]]]) + ag.take(v, [3, 0]),
                       lambda t: t.gather(2, ag_torch().tensor([[[1, 1], [0, 0]]]))
                       + t.flatten()[[3, 0]], x)


# --- Value methods and names ----------------------------------------------------------------


def test_methods_follow_numpy_and_torch():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = ag.Value(a)
    assert x.size == 24 and isinstance(x.size, int)
    assert x.transpose(2, 0, 1).shape == (4, 2, 3) == x.transpose((2, 0, 1)).shape
    assert x.reshape(3, 8).shape == x.reshape((3, 8)).shape == x.view(-1, 8).shape == (3, 8)
    assert x.flatten().shape == (24,) and x.flatten(0, 1).shape == (6, 4)
    assert x.ravel().shape == (24,)
    assert x[:, :1].squeeze().shape == (2, 4) and x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.swapaxes(0, 2).shape == (4, 3, 2)
    assert x.swapdims(0, 1).shape == (3, 2, 4) and x.movedim(0, -1).shape == (3, 4, 2)
    np.testing.assert_array_equal(x.repeat(2, axis=0).data, a.repeat(2, axis=0))  # numpy's
    np.testing.assert_array_equal(x.tile((2, 1, 1)).data, np.tile(a, (2, 1, 1)))
    np.testing.assert_array_equal(x.flip(1).data, np.flip(a, 1))
    np.testing.assert_array_equal(x.roll(1, 2).data, np.roll(a, 1, 2))
    np.testing.assert_array_equal(x.take([0, 5]).data, a.take([0, 5]))
    assert [p.shape for p in x.unbind(1)] == [(2, 4)] * 3 and isinstance(x.unbind(), tuple)
    assert [p.shape for p in x.chunk(2, 2)] == [(2, 3, 2)] * 2
    assert isinstance(ag.unstack(x), list) and isinstance(ag.split(x, 2), list)
    assert ag.reshape(x, np.array([4, 6])).shape == (4, 6)  # a shape as an array, as in TF
    assert x.expand_dims(0).shape == (1, 2, 3, 4)
    assert x.expand(3, -1, -1, -1).shape == (3, 2, 3, 4)
    assert x.index_select(2, [0, 0]).shape == (2, 3, 2)
    assert x.take_along_dim(np.zeros((2, 3, 1), int), 2).shape == (2, 3, 1)


# --- factories ------------------------------------------------------------------------------


def test_factories_follow_numpy():
    assert ag.zeros((2, 3)).shape == (2, 3) and ag.zeros(3).dtype == ag.get_default_dtype()
    np.testing.assert_array_equal(ag.ones((2,), dtype=np.int32).data, np.ones(2, np.int32))
    assert ag.ones(2).data.dtype == np.float32 and not ag.ones(2).requires_grad
    assert ag.full((2, 2), 7).dtype == np.int64 and ag.full(2, 7.5).dtype == np.float32
    assert ag.full(2, True).dtype == bool and ag.fill([2], 3.0).shape == (2,)
    np.testing.assert_array_equal(ag.eye(3, 4, k=1).data, np.eye(3, 4, 1))
    assert ag.eye(2, batch_shape=[3]).shape == (3, 2, 2)
    np.testing.assert_array_equal(ag.arange(5).data, np.arange(5))
    assert ag.arange(5).dtype == np.int64 and ag.arange(0.0, 1.0, 0.25).dtype == np.float32
    np.testing.assert_array_equal(ag.arange(2, 10, 3).data, [2, 5, 8])
    np.testing.assert_array_equal(ag.range(1, 4).data, ag.arange(1, 4).data)
    assert ag.arange(3, dtype=np.float64).dtype == np.float64
    np.testing.assert_allclose(ag.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    assert ag.linspace(0, 1, 4, endpoint=False).data.tolist() == [0, 0.25, 0.5, 0.75]
    x = ag.Value(np.ones((2, 3), np.float64))
    assert ag.zeros_like(x).dtype == np.float64 and ag.ones_like(x).shape == (2, 3)
    assert ag.full_like(x, 2).data.tolist() == [[2.0] * 3] * 2
    assert ag.zeros_like([[1, 2]]).dtype == np.float32
    assert ag.zeros_like(np.zeros(2, int)).dtype == np.int64
    ag.set_default_dtype(np.float64)
    assert ag.zeros(2).dtype == ag.ones_like([1]).dtype == ag.linspace(0, 1).dtype == np.float64


def test_factories_requires_grad():
    W = ag.zeros((2, 2), requires_grad=True, name="W")
    assert W.requires_grad and W.is_leaf and W.name == "W"
    (W * 3).sum().backward()
    np.testing.assert_array_equal(W.grad, np.full((2, 2), 3.0))
    V = ag.Variable(ag.ones(3))
    assert V.trainable and V.requires_grad
    with pytest.raises(TypeError, match="arange.*float.*int64"):
        ag.arange(3, requires_grad=True)


def test_factory_errors():
    with pytest.raises(TypeError, match=r"zeros.*not a dtype"):
        ag.zeros(2, "int3")  # PyTorch's varargs (zeros(2, 3)) work: see test_value_methods
    with pytest.raises(ValueError, match="ones.*negative"):
        ag.ones((2, -1))
    with pytest.raises(TypeError, match="full.*shape"):
        ag.full((2.5,), 1.0)
    with pytest.raises(TypeError, match="full.*fill_value"):
        ag.full(2, "a")


# --- errors: raised before anything runs, naming the function, the argument, the shapes -----


ERRORS = [
    (lambda x: x.reshape(5, 5), ValueError, r"reshape.*\(2, 3, 4\).*\(5, 5\)"),
    (lambda x: x.reshape(-1, -1), ValueError, r"reshape.*\(2, 3, 4\)"),
    (lambda x: ag.squeeze(x, 1), ValueError, r"squeeze.*axis 1 of length 3.*\(2, 3, 4\)"),
    (lambda x: ag.flatten(x, 2, 1), ValueError, r"flatten.*start_dim.*\(2, 3, 4\)"),
    (lambda x: x.unsqueeze(4), ValueError, r"expand_dims.*axis 4.*\(2, 3, 4\)"),
    (lambda x: x.unsqueeze((0, 1)), TypeError, r"unsqueeze.*dim"),
    (lambda x: x.permute(0, 1), ValueError, r"transpose.*\(0, 1\).*\(2, 3, 4\)"),
    (lambda x: ag.moveaxis(x, (0, 1), 2), ValueError, r"moveaxis.*source.*destination"),
    (lambda x: ag.broadcast_to(x, (3, 4)), ValueError, r"broadcast_to.*\(2, 3, 4\).*\(3, 4\)"),
    (lambda x: ag.flip(x, 3), ValueError, r"flip.*axis 3.*\(2, 3, 4\)"),
    (lambda x: ag.roll(x, (1, 2), 0), ValueError, r"roll.*shift.*axis"),
    (lambda x: ag.roll(x, 1.5), TypeError, r"roll.*shift"),
    (lambda x: ag.split(x, 2, axis=1), ValueError, r"split.*length 3.*\(2, 3, 4\).*2 equal"),
    (lambda x: ag.unstack(x, num=3), ValueError, r"unstack.*num=3.*\(2, 3, 4\)"),
    (lambda x: ag.tile(x, (-1,)), ValueError, r"tile.*reps"),
    (lambda x: ag.repeat(x, [1, 2], axis=1), ValueError, r"repeat.*3 along axis 1.*\(2, 3, 4\)"),
    (lambda x: ag.repeat(x, 1.5), TypeError, r"repeat.*repeats.*float64"),
    (lambda x: ag.pad(x, ((1, 1), (2, 2))), ValueError, r"pad.*pad_width.*\(2, 2\).*\(2, 3, 4\)"),
    (lambda x: ag.pad(x, 1, "mean"), ValueError, r"pad.*mode 'mean'"),
    (lambda x: ag.pad(x, -1), ValueError, r"pad.*non-negative"),
    (lambda x: ag.gather(x, [0, 3], axis=0), IndexError,
     r"gather.*indices.*3.*axis 0 of length 2.*\(2, 3, 4\)"),
    (lambda x: ag.gather(x, [0.5]), TypeError, r"gather.*indices.*float64"),
    (lambda x: ag.gather(x, np.zeros((3, 1), int), axis=1, batch_dims=1), ValueError,
     r"gather.*batch_dims=1.*\(2, 3, 4\).*\(3, 1\)"),
    (lambda x: ag.take_along_axis(x, np.zeros((2, 3), int), 1), ValueError,
     r"take_along_axis.*\(2, 3\).*\(2, 3, 4\)"),
    (lambda x: ag.take_along_axis(x, np.zeros((2, 2, 1), int), 2), ValueError,
     r"take_along_axis.*\(2, 2, 1\).*broadcast.*\(2, 3, 4\)"),
    (lambda x: x.gather(0, np.zeros((1, 4, 1), int)), ValueError,
     r"gather.*index.*\(1, 4, 1\).*\(2, 3, 4\)"),
    (lambda x: x.gather(2, np.full((1, 1, 1), 4)), IndexError, r"gather.*index.*4.*axis 2"),
    (lambda x: x.scatter_add(0, np.zeros((1, 1, 1), int), np.ones((2, 3))), ValueError,
     r"scatter_add.*src.*\(2, 3\).*\(1, 1, 1\)"),
    (lambda x: x.index_add(1, [0, 1], np.ones((2, 3, 4))), ValueError,
     r"index_add.*\(2, 3, 4\).*\(2, 2, 4\)"),
    (lambda x: ag.gather_nd(x, np.zeros((2, 4), int)), ValueError,
     r"gather_nd.*\(2, 4\).*\(2, 3, 4\)"),
    (lambda x: ag.scatter_nd([[0]], np.ones(3), (2, 3)), ValueError,
     r"scatter_nd.*\(3,\).*\(1, 3\)"),
]


@pytest.mark.parametrize("f, kind, pattern", ERRORS, ids=[e[2][:24] for e in ERRORS])
def test_errors_name_the_function_argument_and_shapes(f, kind, pattern):
    with pytest.raises(kind, match=pattern):
        f(ag.Value(np.ones((2, 3, 4))))


@pytest.mark.parametrize("name", ["Flip", "Roll", "Tile", "Repeat", "Pad", "Gather",
                                  "TakeAlongAxis", "ScatterAdd"])
def test_op_docstrings_read_as_one_formula_each(name):
    from autograd_core import labels
    cls = getattr(ag.ops, name)
    forward, derivative = labels.op_formula(cls.__new__(cls))
    assert forward.startswith("y") and " = " in forward
    lines = labels.formula_lines(derivative)
    assert lines and all(line.startswith("dL/d") for line in lines), lines


@pytest.mark.parametrize("module", ["shape", "joining", "indexing", "factories"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"autograd_core.ops.{module}"))
    assert result.attempted > 0 and result.failed == 0
