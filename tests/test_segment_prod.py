"""TensorFlow's segment_prod and unsorted_segment_prod (``ops.segments.SegmentProd``).

Values against TensorFlow's definition written as a loop (the product of each segment's
rows, 1 for an empty one, negative ids dropped); gradients against the product of the
other rows of each segment (the loop again), central differences in float64 and PyTorch's
``index_reduce(..., "prod", include_self=False)``, first and second order, with segments
holding one, two and three zeros; and one segment of half of 100,000 rows among 100,000
segments, in well under a second and O(n) memory.
"""

import time
import tracemalloc

import numpy as np
import pytest

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

# PyTorch warns that index_reduce is in beta.
pytestmark = pytest.mark.filterwarnings("ignore:index_reduce:UserWarning")


def loop_prod(x, ids, S, w):
    """y[s] = the product of the rows with ids == s (1 if none), and the gradient of
    sum(y * w): w[ids[i]] times the product of the other rows of i's segment."""
    y = np.ones((S,) + x.shape[1:])
    grad = np.zeros(x.shape)
    for s in range(S):
        rows = np.flatnonzero(ids == s)
        y[s] = np.prod(x[rows], axis=0)
        for k, r in enumerate(rows):
            grad[r] = w[s] * np.prod(x[np.delete(rows, k)], axis=0)
    return y, grad


def with_zeros(rng, ids, columns=3):
    """Rows of normal numbers in which segment ids[0] holds one zero in column 0, two in
    column 1 and three in column 2, and the segment of ids[-1] one zero in each column."""
    x = rng.normal(size=(ids.size, columns))
    first = np.flatnonzero(ids == ids[0])
    assert first.size >= 4
    x[first[:1], 0] = 0.0
    x[first[1:3], 1] = 0.0
    x[first[:3], 2] = 0.0
    x[np.flatnonzero(ids == ids[-1])[-1]] = 0.0
    return x


def sorted_ids(rng, n, S):
    return np.sort(rng.integers(0, S, size=n))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("zeros", [False, True])
def test_values_and_gradients_are_tensorflows_definition(seed, zeros):
    rng = np.random.default_rng(seed)
    ids = sorted_ids(rng, 12, 5)
    ids[:4] = ids[0]                  # a segment of at least 4 rows, for the zeros
    shuffled = rng.permutation(12)
    unsorted = np.where(rng.random(12) < 0.15, -1, ids[shuffled])   # some rows dropped
    for data, segment_ids, f in (
            (None, ids, lambda v: ag.segment_prod(v, ids)),
            (shuffled, unsorted, lambda v: ag.unsorted_segment_prod(v, unsorted, 7))):
        x = with_zeros(rng, ids) if zeros else rng.normal(size=(12, 3))
        x = x if data is None else x[data]
        v = ag.Value(x)
        y = f(v)
        S = y.shape[0]
        w = rng.uniform(0.5, 1.5, size=y.shape)
        expected_y, expected_grad = loop_prod(x, segment_ids, S, w)
        np.testing.assert_allclose(y.numpy(), expected_y, rtol=1e-13, atol=1e-15)
        (y * w).sum().backward()
        np.testing.assert_allclose(v.grad, expected_grad, rtol=1e-12, atol=1e-14)


def test_empty_segments_give_one_and_integers_stay_integers():
    assert ag.segment_prod(np.array([2, 3, 4], np.int32), [0, 0, 3]).numpy().tolist() == \
        [6, 1, 1, 4]
    assert ag.segment_prod(np.array([2, 3], np.int32), [0, 2]).dtype == np.int32   # as TF
    assert ag.unsorted_segment_prod(np.array([2.0, 3.0], np.float32), [1, 1], 3).numpy()\
        .tolist() == [1.0, 6.0, 1.0]
    empty = ag.unsorted_segment_prod(np.ones((2, 2, 3)), [[-1, -1], [-1, -1]], 2)
    np.testing.assert_array_equal(empty.numpy(), np.ones((2, 3)))


def test_gradients_at_zeros_against_central_differences():
    """One, two and three zeros in a segment: the first derivatives (gradcheck) and the
    second (Hessian-vector products, central differences of the first). With one zero, the
    other rows' gradients are 0 but not their derivatives along the zero."""
    rng = np.random.default_rng(7)
    ids = np.array([0, 0, 0, 0, 1, 3, 3])
    x = with_zeros(rng, ids)
    for f in (lambda a: ag.segment_prod(a, ids),
              lambda a: ag.unsorted_segment_prod(a, ids[::-1], 4),
              lambda a: ag.unsorted_segment_prod(a, np.where(ids == 1, -1, ids), 5)):
        ag.gradcheck(f, [x])
        check_second_order(f, x)
    # the zero of a segment gets g * (the product of the others); the others get 0
    v = ag.Value(np.array([2.0, 0.0, 3.0, 0.0, 0.0, 5.0]))
    ag.segment_prod(v, [0, 0, 0, 1, 1, 2]).backward(np.array([10.0, 1.0, 1.0]))
    assert v.grad.tolist() == [0.0, 60.0, 0.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("zeros", [0, 1, 2])
def test_against_torch_index_reduce(zeros):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(zeros)
    ids = np.array([2, 0, 2, 4, 0, 2, 2, 4])
    x = rng.normal(size=(8, 3))
    x[np.flatnonzero(ids == 2)[:zeros]] = 0.0           # zeros in segment 2
    x[1, 0] = 0.0 if zeros else x[1, 0]                 # and one in segment 0

    def torch_prod(t, ids, segments):
        return torch.ones((segments,) + t.shape[1:], dtype=t.dtype).index_reduce(
            0, torch.tensor(ids), t, "prod", include_self=False)

    # PyTorch has no double backward for two zeros in one segment
    compare_with_torch(lambda a: ag.unsorted_segment_prod(a, ids, 6),
                       lambda t: torch_prod(t, ids, 6), x, rtol=1e-12, second=zeros < 2)
    order = np.argsort(ids, kind="stable")
    compare_with_torch(lambda a: ag.segment_prod(a, ids[order]),
                       lambda t: torch_prod(t, ids[order], 5), x[order], rtol=1e-12,
                       second=zeros < 2)


def test_one_segment_of_half_of_100000_rows_among_100000_segments():
    """The old padded table would hold 100,000 x 50,000 numbers (40 GB); the product and
    its gradient, with a zero in the big segment too, use a few arrays of n rows."""
    n = 100_000
    ids = np.arange(n)
    ids[:n // 2] = 0                             # segment 0 holds half the rows
    rng = np.random.default_rng(0)
    order = rng.permutation(n)
    x = rng.uniform(0.99, 1.01, size=n)
    w = rng.uniform(0.5, 1.5, size=n)
    others = np.prod(x[1:n // 2])                # x[0]'s others in segment 0
    tracemalloc.start()
    try:
        start = time.perf_counter()
        for zero in (False, True):
            data = x.copy()
            if zero:
                data[0] = 0.0                    # the gradient then multiplies the others
            v = ag.Value(data[order])
            y = ag.unsorted_segment_prod(v, ids[order], n)
            (y * w).sum().backward()
            grad = np.empty(n)
            grad[order] = v.grad
            np.testing.assert_allclose(y.numpy()[0], 0.0 if zero else others * x[0],
                                       rtol=1e-9)
            assert (y.numpy()[1:n // 2] == 1).all()        # empty segments
            np.testing.assert_array_equal(y.numpy()[n // 2:], data[n // 2:])
            np.testing.assert_allclose(grad[0], w[0] * others, rtol=1e-9)
            if zero:
                assert not grad[1:n // 2].any()
            else:
                np.testing.assert_allclose(grad[1:n // 2], w[0] * others * x[0] / x[1:n // 2],
                                           rtol=1e-9)
            np.testing.assert_allclose(grad[n // 2:], w[n // 2:], rtol=1e-15)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert peak < 40 * n * 8, f"{peak / 1e6:.1f} MB"    # 40 arrays of n numbers
