"""More of TensorFlow's names (``tf_more``, ``ops.segments``, the ``tf.linalg``,
``tf.random`` and ``tf.nn`` additions): values against TensorFlow's documented examples and
numpy formulas, gradients against central differences (first and second order) and
PyTorch where it has the same function, the random functions' shapes, seeds and moments,
and the error messages.
"""

import math

import numpy as np
import pytest

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch


def _rng(seed=0):
    return np.random.default_rng(seed)


def _grads(f, *arrays):
    ag.gradcheck(f, [np.asarray(a, np.float64) for a in arrays])
    check_second_order(f, *arrays)


# --- segments --------------------------------------------------------------------------


def test_segment_reductions_match_tensorflows_examples():
    c = np.array([[1.0, 2, 3, 4], [4, 3, 2, 1], [5, 6, 7, 8]])
    assert ag.segment_sum(c, [0, 0, 1]).numpy().tolist() == [[5, 5, 5, 5], [5, 6, 7, 8]]
    assert ag.segment_max(c, [0, 0, 1]).numpy().tolist() == [[4, 3, 3, 4], [5, 6, 7, 8]]
    assert ag.segment_min(c, [0, 0, 1]).numpy().tolist() == [[1, 2, 2, 1], [5, 6, 7, 8]]
    assert ag.segment_mean(c, [0, 0, 1]).numpy().tolist() == [[2.5] * 4, [5, 6, 7, 8]]
    assert ag.segment_prod(c, [0, 0, 1]).numpy().tolist() == [[4, 6, 6, 4], [5, 6, 7, 8]]
    u = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [4, 3, 2, 1]], np.int32)
    assert ag.unsorted_segment_sum(u, [0, 1, 0], 2).numpy().tolist() == [[5, 5, 5, 5],
                                                                          [5, 6, 7, 8]]
    assert ag.unsorted_segment_max(u, [0, 1, 0], 2).numpy().tolist() == [[4, 3, 3, 4],
                                                                          [5, 6, 7, 8]]
    assert ag.unsorted_segment_min(u, [0, 1, 0], 2).numpy().tolist() == [[1, 2, 2, 1],
                                                                          [5, 6, 7, 8]]
    assert ag.unsorted_segment_prod(u, [0, 1, 0], 2).numpy().tolist() == [[4, 6, 6, 4],
                                                                           [5, 6, 7, 8]]
    assert ag.unsorted_segment_sum(u, [0, 1, 0], 2).dtype == np.int32
    assert ag.math.unsorted_segment_sum is ag.unsorted_segment_sum


def test_segment_empty_segments_and_dropped_ids():
    x = np.array([1.0, 2.0, 3.0])
    # sorted: ids 0 and 2 used, 1 empty -> 0 for sum/mean/max/min, 1 for prod
    for name, empty in (("sum", 0), ("mean", 0), ("max", 0), ("min", 0), ("prod", 1)):
        got = getattr(ag, f"segment_{name}")(x, [0, 0, 2]).numpy()
        assert got[1] == empty and got.shape == (3,)
    big = np.finfo(np.float64).max
    assert ag.unsorted_segment_max(x, [0, -1, 0], 3).numpy().tolist() == [3.0, -big, -big]
    assert ag.unsorted_segment_min(x, [0, -1, 0], 3).numpy().tolist() == [1.0, big, big]
    assert ag.unsorted_segment_mean(x, [2, -1, 2], 3).numpy().tolist() == [0.0, 0.0, 2.0]
    assert ag.unsorted_segment_prod(x, [2, -1, 2], 3).numpy().tolist() == [1.0, 1.0, 3.0]
    # ids of two axes group the elements of a matrix
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ag.unsorted_segment_sum(m, [[0, 1, 0], [1, 1, 0]], 2)
                                  .numpy(), [0 + 2 + 5, 1 + 3 + 4])


@pytest.mark.filterwarnings("ignore:index_reduce:UserWarning")
def test_segment_gradients_against_central_differences_and_torch():
    x = _rng().normal(size=(6, 3))
    ids = [0, 0, 1, 3, 3, 3]
    for name in ("sum", "mean", "max", "min", "prod"):
        _grads(lambda a, n=name: getattr(ag, f"segment_{n}")(a, ids), x)
        _grads(lambda a, n=name: getattr(ag, f"unsorted_segment_{n}")(
            a, [2, -1, 0, 2, 0, 1], 3), x)
    _grads(lambda a: ag.unsorted_segment_prod(a, [2, -1, 0, 2, 0, 4], 5), x)
    torch = pytest.importorskip("torch")
    index = torch.tensor([2, 0, 1, 2, 0, 1])
    compare_with_torch(lambda a: ag.unsorted_segment_sum(a, index.numpy(), 3),
                       lambda t: torch.zeros(3, 3, dtype=t.dtype).index_add(0, index, t), x)
    compare_with_torch(lambda a: ag.unsorted_segment_max(a, index.numpy(), 3),
                       lambda t: torch.zeros(3, 3, dtype=t.dtype).index_reduce(
                           0, index, t, "amax", include_self=False), x)


def test_segment_max_shares_a_tie_and_scans_once():
    x = ag.Variable(np.array([1.0, 3.0, 3.0, 2.0, np.nan]))
    y = ag.unsorted_segment_max(x, [0, 0, 0, 1, 2], 3)
    assert y.numpy()[:2].tolist() == [3.0, 2.0] and np.isnan(y.numpy()[2])
    y.backward(np.array([1.0, 1.0, 1.0]))
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 1.0, 0.0]   # TensorFlow's: ties share g
    # one segment of 100,000 rows among 100,000 segments: no table of their product
    ids = np.zeros(100_000, np.int64)
    ids[1:] = np.arange(1, 100_000)
    ids[:50_000] = 0
    big = ag.unsorted_segment_min(np.arange(100_000.0), ids, 100_000)
    assert big.shape == (100_000,) and float(big[0]) == 0.0


def test_segment_errors():
    with pytest.raises(ValueError, match=r"segment_sum: segment_ids must be sorted"):
        ag.segment_sum([1.0, 2.0], [1, 0])
    with pytest.raises(ValueError, match=r"segment_max: segment_ids must be a vector with "
                                         r"one id per row of data \(shape \(3,\)\)"):
        ag.segment_max([1.0, 2.0, 3.0], [0, 0])
    with pytest.raises(ValueError, match="unsorted_segment_sum: segment_ids has 3, not "
                                         "below num_segments = 2"):
        ag.unsorted_segment_sum([1.0, 2.0], [0, 3], 2)
    with pytest.raises(ValueError, match=r"unsorted_segment_min: segment_ids of shape "
                                         r"\(3,\) must be a prefix"):
        ag.unsorted_segment_min(np.ones((2, 3)), [0, 1, 0], 2)
    with pytest.raises(TypeError, match="unsorted_segment_prod: segment_ids must be integers"):
        ag.unsorted_segment_prod([1.0], [0.5], 1)


# --- scatter updates, counting, clipping ----------------------------------------------


def test_tensor_scatter_nd_family_matches_tensorflows_examples():
    zeros, ones = np.zeros(8), np.ones(8)
    assert ag.tensor_scatter_nd_update(zeros, [[1], [3], [4], [7]], [9.0, 10, 11, 12])\
        .numpy().tolist() == [0, 9, 0, 10, 11, 0, 0, 12]
    assert ag.tensor_scatter_nd_sub(ones, [[4], [3], [1], [7]], [9.0, 10, 11, 12])\
        .numpy().tolist() == [1, -10, 1, -9, -8, 1, 1, -11]
    assert ag.tensor_scatter_nd_max(zeros, [[4], [3], [1], [7]], [9.0, 10, 11, 12])\
        .numpy().tolist() == [0, 11, 0, 10, 9, 0, 0, 12]
    assert ag.tensor_scatter_nd_min(zeros, [[4], [3], [1], [7]], [-9.0, -10, -11, -12])\
        .numpy().tolist() == [0, -11, 0, -10, -9, 0, 0, -12]
    # repeated places: the last update wins, the max/min over all of them
    assert ag.tensor_scatter_nd_update(zeros[:3], [[1], [1]], [5.0, 6.0]).numpy().tolist() \
        == [0, 6, 0]
    assert ag.tensor_scatter_nd_max(zeros[:3], [[1], [1]], [5.0, 6.0]).numpy().tolist() == [
        0, 6, 0]
    # rows of a matrix
    got = ag.tensor_scatter_nd_update(np.zeros((3, 2)), [[2], [0]], [[1.0, 2], [3, 4]])
    assert got.numpy().tolist() == [[3, 4], [0, 0], [1, 2]]


def test_tensor_scatter_nd_gradients():
    t, u = _rng().normal(size=(4, 2)), _rng(1).normal(size=(3, 2))
    idx = [[0], [2], [0]]
    for f in (ag.tensor_scatter_nd_update, ag.tensor_scatter_nd_sub,
              ag.tensor_scatter_nd_max, ag.tensor_scatter_nd_min):
        _grads(lambda a, b, f=f: f(a, idx, b), t, u)
    x, w = ag.Variable(np.zeros(3)), ag.Variable(np.array([5.0, 6.0]))
    ag.tensor_scatter_nd_update(x, [[1], [1]], w).sum().backward()
    assert x.grad.tolist() == [1, 0, 1] and w.grad.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"tensor_scatter_nd_update: updates have shape "
                                         r"\(3,\), but indices of shape \(2, 1\)"):
        ag.tensor_scatter_nd_update(np.zeros(4), [[0], [1]], [1.0, 2.0, 3.0])


def test_unique_with_counts_and_histogram_fixed_width():
    y, idx, count = ag.unique_with_counts([1, 1, 2, 4, 4, 4, 7, 8, 8])
    assert y.numpy().tolist() == [1, 2, 4, 7, 8]
    assert idx.numpy().tolist() == [0, 0, 1, 2, 2, 2, 3, 4, 4] and idx.dtype == np.int32
    assert count.numpy().tolist() == [2, 1, 3, 1, 2]
    first_seen = ag.unique_with_counts(np.array([5.0, 3.0, 5.0]))
    assert first_seen.y.numpy().tolist() == [5, 3] and first_seen.idx.numpy().tolist() == [
        0, 1, 0]
    hist = ag.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15], [0.0, 5.0], nbins=5)
    assert hist.numpy().tolist() == [2, 1, 1, 0, 2] and hist.dtype == np.int32
    with pytest.raises(ValueError, match="unique_with_counts: x must be a vector"):
        ag.unique_with_counts(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"histogram_fixed_width: value_range must be"):
        ag.histogram_fixed_width([1.0], [2.0, 1.0])


def test_clip_by_norm_and_global_norm():
    got = ag.clip_by_norm(np.array([[1.0, 2, 3, 4, 5]]), 2.0).numpy()
    np.testing.assert_allclose(got, [[0.26967996, 0.5393599, 0.80903995, 1.0787199,
                                      1.3483998]], rtol=1e-6)
    small = np.array([0.3, 0.4])
    np.testing.assert_allclose(ag.clip_by_norm(small, 2.0).numpy(), small)
    rows = np.array([[3.0, 4.0], [0.3, 0.4]])  # norms 5 and 0.5 along axis 1
    np.testing.assert_allclose(ag.clip_by_norm(rows, 1.0, axes=[1]).numpy(),
                               [[0.6, 0.8], [0.3, 0.4]])
    x = ag.Variable(np.zeros(3))
    ag.clip_by_norm(x, 1.0).sum().backward()
    assert np.all(np.isfinite(x.grad))
    _grads(lambda a: ag.clip_by_norm(a, 1.0, axes=[0]), _rng().normal(size=(3, 2)))
    a, b = np.array([3.0, 0.0]), np.array([[0.0], [4.0]])
    clipped, norm = ag.clip_by_global_norm([a, None, b], 1.0)
    assert float(norm) == pytest.approx(5.0) and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [0.6, 0.0])
    np.testing.assert_allclose(clipped[2].numpy(), [[0.0], [0.8]])
    unchanged, _ = ag.clip_by_global_norm([a], 10.0)
    np.testing.assert_allclose(unchanged[0].numpy(), a)
    with np.errstate(invalid="ignore"):  # inf - inf: TensorFlow's NaN on purpose
        nan, _ = ag.clip_by_global_norm([np.array([np.inf, 1.0])], 1.0)
    assert np.all(np.isnan(nan[0].numpy()))
    assert float(ag.linalg.global_norm([a, b])) == pytest.approx(5.0)
    _grads(lambda p, q: ag.clip_by_global_norm([p, q], 0.5)[0][0], _rng().normal(size=3),
           _rng(1).normal(size=2))
    with pytest.raises(ValueError, match="clip_by_norm: clip_norm must be >= 0"):
        ag.clip_by_norm(a, -1.0)
    zeros, _ = ag.clip_by_global_norm([a.astype(np.float32)], 0)  # TensorFlow's: 1 / 0 = inf
    assert zeros[0].dtype == np.float32 and not np.any(zeros[0].numpy())
    with pytest.raises(TypeError, match="clip_by_global_norm: t_list must be a list or tuple"):
        ag.clip_by_global_norm(ag.Value(a), 1.0)


# --- folds, scans, divisions, shapes ----------------------------------------------------


def test_folds_and_scans_match_tensorflows_examples():
    elems = ag.constant(np.arange(1.0, 7.0))
    assert float(ag.foldl(lambda a, x: a + x, elems)) == 21
    assert float(ag.foldr(lambda a, x: a + x, elems)) == 21
    assert float(ag.foldl(lambda a, x: a - x, elems, initializer=0.0)) == -21
    assert float(ag.foldr(lambda a, x: a * 10 + x, ag.constant([1.0, 2.0, 3.0]))) == 321
    assert ag.scan(lambda a, x: a + x, elems).numpy().tolist() == [1, 3, 6, 10, 15, 21]
    assert ag.scan(lambda a, x: a + x, elems, reverse=True).numpy().tolist() == [
        21, 20, 18, 15, 11, 6]
    fib = ag.scan(lambda a, _: (a[1], a[0] + a[1]), ag.constant([1.0, 0, 0, 0, 0, 0]),
                  initializer=(ag.constant(0.0), ag.constant(1.0)))
    assert [f.numpy().tolist() for f in fib] == [[1, 1, 2, 3, 5, 8], [1, 2, 3, 5, 8, 13]]
    pairs = ag.foldl(lambda acc, ab: acc + ab[0] * ab[1],
                     (ag.constant([1.0, 2.0]), ag.constant([3.0, 4.0])), initializer=0.0)
    assert float(pairs) == 11
    x = ag.Variable(np.array([1.0, 2.0, 3.0]))
    ag.scan(lambda a, v: a * v, x).sum().backward()  # 1 + 2 + 6 = x0 + x0 x1 + x0 x1 x2
    np.testing.assert_allclose(x.grad, [1 + 2 + 6, 1 + 3, 2])
    with pytest.raises(ValueError, match="foldl: elems is empty and there is no initializer"):
        ag.foldl(lambda a, x: a + x, np.zeros(0))


def test_divisions_and_ensure_shape():
    a, b = np.array([-7, 7, -7, 7]), np.array([2, -2, -2, 2])
    assert ag.truncatediv(a, b).numpy().tolist() == [-3, -3, 3, 3]
    assert ag.truncatemod(a, b).numpy().tolist() == [-1, 1, -1, 1]
    assert ag.truncatediv(a * 1.0, b * 1.0).numpy().tolist() == [-3, -3, 3, 3]
    assert ag.truncatemod(np.array([-7.5, 7.5]), np.array([2.0, -2.0])).numpy().tolist() == [
        -1.5, 1.5]
    q = ag.truediv(np.array([1, 3], np.int32), np.array([2, 2], np.int32))
    assert q.dtype == np.float64 and q.numpy().tolist() == [0.5, 1.5]
    assert ag.realdiv(np.array([1.0]), np.array([4.0])).numpy().tolist() == [0.25]
    assert ag.math.truncatediv is ag.truncatediv and ag.math.mod is ag.floormod
    with pytest.raises(ZeroDivisionError, match="truncatediv: integer division by zero"):
        ag.truncatediv(a, np.zeros(4, int))
    x = ag.Variable(np.ones((2, 3)))
    assert ag.ensure_shape(x, [None, 3]) is x and ag.ensure_shape(x, None) is x
    with pytest.raises(ValueError, match=r"ensure_shape: expected shape \(None, 4\), got "
                                         r"\(2, 3\)"):
        ag.ensure_shape(x, [None, 4])


def test_dynamic_partition_and_stitch_match_tensorflows_examples():
    parts = ag.dynamic_partition(np.array([10.0, 20, 30, 40, 50]), [0, 0, 1, 1, 0], 2)
    assert [p.numpy().tolist() for p in parts] == [[10, 20, 50], [30, 40]]
    parts = ag.dynamic_partition(np.array([[1.0, 2], [3, 4], [5, 6]]), [1, 2, 1], 3)
    assert [p.shape for p in parts] == [(0, 2), (2, 2), (1, 2)]
    indices = [6, [4, 1], [[5, 2], [0, 3]]]
    data = [np.array([61.0, 62]), np.array([[41.0, 42], [11, 12]]),
            np.array([[[51.0, 52], [21, 22]], [[1, 2], [31, 32]]])]
    merged = ag.dynamic_stitch(indices, data)
    assert merged.numpy().tolist() == [[1, 2], [11, 12], [21, 22], [31, 32], [41, 42],
                                       [51, 52], [61, 62]]
    # a repeated index: the later one wins, and takes the gradient
    x, y = ag.Variable(np.array([1.0, 2.0])), ag.Variable(np.array([3.0]))
    out = ag.dynamic_stitch([[0, 1], [1]], [x, y])
    assert out.numpy().tolist() == [1, 3]
    (out * np.array([10.0, 20.0])).sum().backward()
    assert x.grad.tolist() == [10, 0] and y.grad.tolist() == [20]
    _grads(lambda d: ag.dynamic_partition(d, [1, 0, 1], 2)[1] * 2, _rng().normal(size=(3, 2)))
    _grads(lambda p, q: ag.dynamic_stitch([[2, 0], [1, 2]], [p, q]), _rng().normal(size=2),
           _rng(1).normal(size=2))
    with pytest.raises(ValueError, match=r"dynamic_partition: partitions must lie in \[0, 2\)"):
        ag.dynamic_partition(np.ones(2), [0, 2], 2)
    with pytest.raises(ValueError, match=r"dynamic_stitch: data\[1\] of shape \(2,\) must be"):
        ag.dynamic_stitch([[0], [1]], [np.ones(1), np.ones(2)])


# --- tf.math extras -------------------------------------------------------------------


def test_math_extras_values():
    x, y = np.array([0.0, 2.0, 0.0, 3.0]), np.array([0.0, 4.0, 5.0, 0.0])
    with np.errstate(divide="ignore"):  # 3 / 0 is inf, as TensorFlow's
        assert ag.math.xdivy(x, y).numpy().tolist() == [0.0, 0.5, 0.0, np.inf]
    assert ag.math.multiply_no_nan(np.array([np.inf, np.nan, 2.0, 3.0]),
                                   np.array([0.0, 0.0, 0.0, 2.0])).numpy().tolist() == [
        0, 0, 0, 6]
    assert ag.math.reciprocal_no_nan(np.array([2.0, 0.0])).numpy().tolist() == [0.5, 0.0]
    assert ag.math.rint(np.array([-1.5, 0.5, 1.5, 2.5, 1.7])).numpy().tolist() == [
        -2, 0, 2, 2, 2]
    assert ag.math.mod(np.array([-7.0, 7.0]), np.array([3.0, -3.0])).numpy().tolist() == [
        2, -2]
    assert ag.math.nextafter(np.array([1.0]), np.array([2.0])).numpy()[0] == np.nextafter(1, 2)
    np.testing.assert_allclose(ag.math.lbeta(np.array([[1.0, 2.0], [0.5, 0.5]])).numpy(),
                               [math.log(0.5), math.log(math.pi)])
    p = np.array([[0.1, 0.3, 0.2, 0.4], [0.1, 0.3, 0.3, 0.2], [np.nan, 1.0, 0.0, 0.0]])
    assert ag.math.in_top_k([3, 2, 0], p, 1).numpy().tolist() == [True, True, False]
    assert ag.nn.in_top_k([0, 3, 1], p, 2).numpy().tolist() == [False, False, True]
    assert ag.math.confusion_matrix([1, 2, 4], [2, 2, 4]).numpy().tolist() == [
        [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]
    w = ag.math.confusion_matrix([0, 1, 1], [1, 1, 1], num_classes=3, weights=[1, 2, 3])
    assert w.numpy().tolist() == [[0, 1, 0], [0, 5, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match="confusion_matrix: a label or prediction is not "
                                         "below num_classes = 2"):
        ag.math.confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match=r"in_top_k: predictions must be \(batch, classes\)"):
        ag.math.in_top_k([0], np.ones(3), 1)


def test_math_extras_gradients():
    rng = _rng()
    x, y = rng.uniform(0.5, 2, (2, 3)), rng.uniform(0.5, 2, (2, 3)) * rng.choice([-1, 1], (2, 3))
    for f in (ag.math.xdivy, ag.math.multiply_no_nan):
        _grads(f, x, y)
    _grads(ag.math.reciprocal_no_nan, y)
    _grads(ag.math.lbeta, x)
    a, b = ag.Variable(np.array([0.0, 2.0])), ag.Variable(np.array([0.0, 4.0]))
    ag.math.xdivy(a, b).sum().backward()
    assert a.grad.tolist() == [0.0, 0.25] and b.grad.tolist() == [0.0, -0.125]
    a, b = ag.Variable(np.array([np.inf, 2.0])), ag.Variable(np.array([0.0, 3.0]))
    ag.math.multiply_no_nan(a, b).sum().backward()
    assert a.grad.tolist() == [0.0, 3.0] and b.grad.tolist() == [0.0, 2.0]


# --- tf.linalg ------------------------------------------------------------------------


def test_linalg_band_part_diag_and_friends_match_tensorflows_examples():
    x = np.array([[0.0, 1, 2, 3], [-1, 0, 1, 2], [-2, -1, 0, 1], [-3, -2, -1, 0]])
    assert ag.linalg.band_part(x, 1, -1).numpy().tolist() == [
        [0, 1, 2, 3], [-1, 0, 1, 2], [0, -1, 0, 1], [0, 0, -1, 0]]
    assert ag.linalg.band_part(x, 2, 1).numpy().tolist() == [
        [0, 1, 0, 0], [-1, 0, 1, 0], [-2, -1, 0, 1], [0, -2, -1, 0]]
    np.testing.assert_array_equal(ag.linalg.band_part(x, 0, -1).numpy(), np.triu(x))
    np.testing.assert_array_equal(ag.linalg.band_part(x, -1, 0).numpy(), np.tril(x))
    d = np.array([[1.0, 2, 3, 4], [5, 6, 7, 8]])
    got = ag.linalg.diag(d).numpy()
    assert got.shape == (2, 4, 4) and np.array_equal(got[1], np.diag(d[1]))
    np.testing.assert_array_equal(ag.linalg.diag(d[0], k=1).numpy(), np.diag(d[0], 1))
    np.testing.assert_array_equal(ag.linalg.diag_part(got).numpy(), d)
    np.testing.assert_array_equal(ag.linalg.diag_part(x, k=1).numpy(), [1, 1, 1])
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(ag.linalg.set_diag(m, [9.0, 8.0]).numpy(),
                                  [[9, 1, 2], [3, 8, 5]])
    np.testing.assert_array_equal(ag.linalg.set_diag(m.T, [9.0, 8.0]).numpy(),
                                  [[9, 3], [1, 8], [2, 5]])
    e = ag.linalg.eye(2, 3, batch_shape=[4], dtype="float64")
    assert e.shape == (4, 2, 3) and np.array_equal(e.numpy()[3], np.eye(2, 3))
    assert ag.linalg.eye(2).dtype == ag.get_default_dtype()
    b = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ag.linalg.matrix_transpose(b).numpy(), b.swapaxes(-1, -2))
    np.testing.assert_array_equal(ag.linalg.adjoint(b).numpy(), b.swapaxes(-1, -2))
    v = np.arange(4.0)
    np.testing.assert_array_equal(ag.linalg.matvec(b, v).numpy(), b @ v)
    np.testing.assert_array_equal(ag.linalg.matvec(b, v[:3], transpose_a=True).numpy(),
                                  b.swapaxes(-1, -2) @ v[:3])
    assert ag.linalg.expm is ag.linalg.matrix_exp
    np.testing.assert_allclose(ag.linalg.l2_normalize(np.array([3.0, 4.0])).numpy(),
                               [0.6, 0.8])
    with pytest.raises(ValueError, match=r"linalg.matvec: a of shape \(2, 3, 4\) needs "
                                         r"vectors b"):
        ag.linalg.matvec(b, np.ones(3))
    with pytest.raises(ValueError, match=r"linalg.set_diag: diagonal must have shape \(2,\)"):
        ag.linalg.set_diag(m, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="linalg.band_part: num_lower must be an integer"):
        ag.linalg.band_part(x, 0.5, 1)


def _spd(rng, n=3):
    a = rng.normal(size=(n, n))
    return a @ a.T + n * np.eye(n)


def test_linalg_gradients_and_solves():
    rng = _rng()
    A, B = _spd(rng), rng.normal(size=(3, 2))
    assert float(ag.linalg.logdet(A)) == pytest.approx(np.linalg.slogdet(A)[1])
    L = np.linalg.cholesky(A)
    np.testing.assert_allclose(ag.linalg.cholesky_solve(L, B).numpy(), np.linalg.solve(A, B))
    np.testing.assert_allclose(ag.linalg.triangular_solve(L, B).numpy(),
                               np.linalg.solve(L, B))
    np.testing.assert_allclose(ag.linalg.triangular_solve(L, B, adjoint=True).numpy(),
                               np.linalg.solve(L.T, B))
    np.testing.assert_allclose(ag.linalg.triangular_solve(L.T, B, lower=False).numpy(),
                               np.linalg.solve(L.T, B))
    _grads(lambda a: ag.linalg.logdet(a @ ag.linalg.matrix_transpose(a) + 3 * np.eye(3)),
           rng.normal(size=(3, 3)))
    for f in (lambda a: ag.linalg.band_part(a, 1, 0), lambda a: ag.linalg.diag(a[0]),
              lambda a: ag.linalg.set_diag(a, a[:, 0] * 2), ag.linalg.diag_part,
              lambda a: ag.linalg.matvec(a, a[0])):
        _grads(f, rng.normal(size=(3, 3)))
    torch = pytest.importorskip("torch")
    compare_with_torch(ag.linalg.expm, torch.linalg.matrix_exp, rng.normal(size=(3, 3)) * 0.5)
    # cholesky_solve reads chol's lower triangle only: its upper entries get no gradient
    compare_with_torch(ag.linalg.cholesky_solve,
                       lambda a, b: torch.cholesky_solve(b, torch.tril(a)), L, B)
    compare_with_torch(ag.linalg.triangular_solve,
                       lambda a, b: torch.linalg.solve_triangular(a, b, upper=False), L, B)
    compare_with_torch(lambda a, b: ag.linalg.triangular_solve(a, b, adjoint=True),
                       lambda a, b: torch.linalg.solve_triangular(a.mT, b, upper=True), L, B)
    # first order only: logdet reads A's lower triangle (a symmetric A), torch.logdet all of
    # A, so their second derivatives off the symmetric matrices differ
    compare_with_torch(ag.linalg.logdet, torch.logdet, A, second=False)


# --- tf.random ------------------------------------------------------------------------


def test_random_shuffle_and_categorical():
    x = np.arange(10.0).reshape(5, 2)
    s = ag.random.shuffle(x, seed=3)
    assert sorted(s.numpy().tolist()) == x.tolist() and not s.requires_grad
    assert np.array_equal(ag.random.shuffle(x, seed=3).numpy(), s.numpy())
    logits = np.array([[np.log(0.2), np.log(0.8), -np.inf], [0.0, 0.0, np.log(2.0)]])
    c = ag.random.categorical(logits, 20000, seed=0)
    assert c.shape == (2, 20000) and c.dtype == np.int64
    freq = [np.bincount(row, minlength=3) / row.size for row in c.numpy()]
    np.testing.assert_allclose(freq[0], [0.2, 0.8, 0.0], atol=0.02)
    np.testing.assert_allclose(freq[1], [0.25, 0.25, 0.5], atol=0.02)
    assert np.array_equal(ag.random.categorical(logits, 5, seed=1).numpy(),
                          ag.random.categorical(logits, 5, seed=1).numpy())
    assert ag.random.categorical(logits, 3, dtype="int32", seed=0).dtype == np.int32
    with pytest.raises(ValueError, match=r"random.categorical: logits must be \(batch, "
                                         r"classes\)"):
        ag.random.categorical(np.zeros(3), 2)


def test_random_gamma_and_poisson_shapes_and_moments():
    g = ag.random.gamma([20000], alpha=[1.0, 3.0], beta=[[2.0], [0.5]], dtype="float64",
                        seed=0)
    assert g.shape == (20000, 2, 2) and g.dtype == np.float64
    mean = g.numpy().mean(axis=0)  # alpha / beta
    np.testing.assert_allclose(mean, [[0.5, 1.5], [2.0, 6.0]], rtol=0.05)
    np.testing.assert_allclose(g.numpy().var(axis=0), [[0.25, 0.75], [4.0, 12.0]], rtol=0.1)
    assert ag.random.gamma([2, 3], 1.0, seed=0).shape == (2, 3)
    p = ag.random.poisson([20000], lam=[0.5, 4.0], seed=1)
    assert p.shape == (20000, 2) and p.dtype == np.float32
    np.testing.assert_allclose(p.numpy().mean(0), [0.5, 4.0], rtol=0.05)
    np.testing.assert_allclose(p.numpy().var(0), [0.5, 4.0], rtol=0.1)
    assert ag.random.poisson([3], 2.0, dtype="int64").dtype == np.int64
    ag.random.set_seed(7)
    first = ag.random.gamma([4], 2.0).numpy()
    ag.random.set_seed(7)
    assert np.array_equal(ag.random.gamma([4], 2.0).numpy(), first)
    with pytest.raises(ValueError, match="random.gamma: alpha must be finite and > 0"):
        ag.random.gamma([2], [1.0, -1.0])
    with pytest.raises(ValueError, match="random.poisson: lam must be finite and >= 0"):
        ag.random.poisson([2], -1.0)


def test_random_stateless_functions_depend_on_the_seed_pair_only():
    a = ag.random.stateless_normal([1000], seed=(1, 2), dtype="float64")
    b = ag.random.stateless_normal([1000], seed=[1, 2], dtype="float64")
    c = ag.random.stateless_normal([1000], seed=(2, 1), dtype="float64")
    assert np.array_equal(a.numpy(), b.numpy()) and not np.array_equal(a.numpy(), c.numpy())
    assert abs(a.numpy().mean()) < 0.15 and abs(a.numpy().std() - 1) < 0.1
    shifted = ag.random.stateless_normal([1000], (1, 2), mean=5.0, stddev=2.0, dtype="float64")
    np.testing.assert_allclose(shifted.numpy(), 5 + 2 * a.numpy())
    u = ag.random.stateless_uniform([2, 500], seed=(-3, 4), minval=2.0, maxval=3.0)
    assert u.shape == (2, 500) and u.dtype == ag.get_default_dtype()
    assert u.numpy().min() >= 2 and u.numpy().max() < 3
    assert np.array_equal(u.numpy(), ag.random.stateless_uniform([2, 500], (-3, 4), 2.0,
                                                                 3.0).numpy())
    ints = ag.random.stateless_uniform([100], (0, 0), 0, 5, dtype="int32")
    assert ints.dtype == np.int32 and set(ints.numpy().tolist()) <= set(range(5))
    with pytest.raises(ValueError, match="random.stateless_normal: seed must be a pair"):
        ag.random.stateless_normal([2], seed=3)
    with pytest.raises(ValueError, match="random.stateless_uniform: an integer dtype needs "
                                         "maxval"):
        ag.random.stateless_uniform([2], (0, 0), dtype="int32")


# --- tf.nn ----------------------------------------------------------------------------


def test_nn_generic_pooling_dispatches_on_rank():
    rng = _rng()
    x1, x2, x3 = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 4, 4, 3)), rng.normal(
        size=(1, 4, 4, 4, 2))
    np.testing.assert_array_equal(ag.nn.max_pool(x1, 2, 2, "VALID").numpy(),
                                  ag.max_pool1d(x1, 2, 2).numpy())
    np.testing.assert_array_equal(ag.nn.max_pool(x2, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
                                  .numpy(), ag.max_pool2d(x2, 2, 2, "same").numpy())
    np.testing.assert_allclose(ag.nn.avg_pool(x3, [1, 2, 2, 2, 1], 2, "VALID").numpy(),
                                  x3.reshape(1, 2, 2, 2, 2, 2, 2, 2).mean((2, 4, 6)))
    first = ag.nn.max_pool(np.moveaxis(x3, -1, 1), 2, 2, "VALID", data_format="NCDHW")
    np.testing.assert_allclose(np.moveaxis(first.numpy(), 1, -1),
                               x3.reshape(1, 2, 2, 2, 2, 2, 2, 2).max((2, 4, 6)))
    _grads(lambda a: ag.nn.avg_pool(a, 2, 1, "SAME"), rng.normal(size=(1, 3, 3, 1)))
    with pytest.raises(ValueError, match=r"max_pool: input must be 3-D, 4-D or 5-D"):
        ag.nn.max_pool(np.ones((2, 2)), 2, 2, "VALID")


def test_nn_batch_normalization_moments_crelu_and_losses():
    rng = _rng()
    x = rng.normal(size=(4, 3))
    mean, var = x.mean(0), x.var(0)
    offset, scale = rng.normal(size=3), rng.uniform(0.5, 2, 3)
    np.testing.assert_allclose(
        ag.nn.batch_normalization(x, mean, var, offset, scale, 1e-3).numpy(),
        (x - mean) / np.sqrt(var + 1e-3) * scale + offset)
    np.testing.assert_allclose(ag.nn.batch_normalization(x, mean, var, None, None, 0.0)
                               .numpy(), (x - mean) / np.sqrt(var))
    _grads(lambda a, m, v, o, s: ag.nn.batch_normalization(a, m, v, o, s, 1e-3),
           x, mean, var + 0.5, offset, scale)
    m, v = ag.nn.normalize_moments(4.0, x.sum(0), (x ** 2).sum(0), None)
    np.testing.assert_allclose(m.numpy(), mean)
    np.testing.assert_allclose(v.numpy(), var)
    m, v = ag.nn.normalize_moments(4.0, (x - 1).sum(0), ((x - 1) ** 2).sum(0), 1.0)
    np.testing.assert_allclose(m.numpy(), mean)
    np.testing.assert_allclose(v.numpy(), var)
    assert ag.nn.crelu(np.array([[1.0, -2.0]])).numpy().tolist() == [[1, 0, 0, 2]]
    assert ag.nn.crelu(np.array([[1.0, -2.0]]), axis=0).numpy().tolist() == [[1, 0], [0, 2]]
    c, z = rng.normal(size=(3, 2)), np.array([[0.0, 1], [2, 0.5], [3, 7]])
    np.testing.assert_allclose(ag.nn.log_poisson_loss(z, c).numpy(), np.exp(c) - c * z)
    full = np.exp(c) - c * z + np.where((z >= 0) & (z <= 1), 0, z * np.log(np.maximum(
        z, 1)) - z + 0.5 * np.log(2 * np.pi * np.maximum(z, 1)))
    np.testing.assert_allclose(ag.nn.log_poisson_loss(z, c, compute_full_loss=True).numpy(),
                               full)
    _grads(lambda a: ag.nn.log_poisson_loss(z, a, compute_full_loss=True), c)
    values, indices = ag.nn.top_k(np.array([1.0, 5.0, 3.0]), k=2)
    assert values.numpy().tolist() == [5, 3] and indices.numpy().tolist() == [1, 2]


def test_nn_functions_against_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = _rng()
    logits, labels = rng.normal(size=(3, 4)) * 3, rng.random((3, 4))
    compare_with_torch(lambda z: ag.nn.weighted_cross_entropy_with_logits(labels, z, 2.5),
                       lambda z: F.binary_cross_entropy_with_logits(
                           z, torch.tensor(labels), pos_weight=torch.tensor(2.5),
                           reduction="none"), logits)
    x = rng.normal(size=(2, 3, 3, 5))
    compare_with_torch(
        lambda a: ag.nn.local_response_normalization(a, depth_radius=1, bias=2.0, alpha=0.3,
                                                     beta=0.75),
        lambda t: F.local_response_norm(t.movedim(-1, 1), size=3, alpha=0.3 * 3, beta=0.75,
                                        k=2.0).movedim(1, -1), x)
    k = rng.normal(size=(2, 2, 5, 2))  # (kh, kw, in, multiplier)
    torch_k = torch.tensor(k).permute(2, 3, 0, 1).reshape(10, 1, 2, 2)
    compare_with_torch(lambda a, w: ag.nn.depthwise_conv2d(a, w, [1, 1, 1, 1], "VALID"),
                       lambda t, w: F.conv2d(t.movedim(-1, 1), w.permute(2, 3, 0, 1).reshape(
                           10, 1, 2, 2), groups=5).movedim(1, -1), x, k, second=False)
    first = ag.nn.depthwise_conv2d(np.moveaxis(x, -1, 1), k, 1, "VALID", data_format="NCHW")
    np.testing.assert_allclose(first.numpy(), F.conv2d(torch.tensor(x).movedim(-1, 1), torch_k,
                                                       groups=5).numpy())
    p = rng.normal(size=(1, 1, 10, 4))
    compare_with_torch(
        lambda a, w, q: ag.nn.separable_conv2d(a, w, q, 1, "VALID"),
        lambda t, w, q: F.conv2d(F.conv2d(t.movedim(-1, 1), w.permute(2, 3, 0, 1).reshape(
            10, 1, 2, 2), groups=5), q.permute(3, 2, 0, 1)).movedim(1, -1), x, k, p,
        second=False)


def test_nn_errors():
    with pytest.raises(ValueError, match=r"depthwise_conv2d: input \(N, H, W, C\) and filter"):
        ag.nn.depthwise_conv2d(np.ones((1, 3, 3, 2)), np.ones((2, 2, 3, 1)), 1, "VALID")
    with pytest.raises(ValueError, match=r"separable_conv2d: pointwise_filter must be \(1, 1, "
                                         r"2, C_out\)"):
        ag.nn.separable_conv2d(np.ones((1, 3, 3, 2)), np.ones((2, 2, 2, 1)),
                               np.ones((1, 1, 3, 1)), 1, "VALID")
    with pytest.raises(ValueError, match="local_response_normalization: input must be 4-D"):
        ag.nn.local_response_normalization(np.ones((2, 3)))
    with pytest.raises(ValueError, match="max_pool: data_format must be like 'NHWC'"):
        ag.nn.max_pool(np.ones((1, 2, 2, 1)), 2, 2, "VALID", data_format="HWCN")


def test_new_names_are_where_tensorflow_has_them():
    for name in ("tensor_scatter_nd_update", "clip_by_norm", "scan", "dynamic_stitch",
                 "segment_sum", "unsorted_segment_prod", "truediv", "unique_with_counts"):
        assert callable(getattr(ag, name)) and name in ag.__all__
    for name in ("xdivy", "multiply_no_nan", "reciprocal_no_nan", "in_top_k", "lbeta",
                 "confusion_matrix", "segment_max", "unsorted_segment_mean", "truediv"):
        assert callable(getattr(ag.math, name))
    for name in ("diag", "band_part", "logdet", "cholesky_solve", "global_norm"):
        assert name in ag.linalg.__all__
    assert "xdivy" not in ag.__all__ and "crelu" not in ag.__all__


def test_matmul_takes_tensorflows_transpose_and_adjoint_keywords():
    """tf.matmul(q, k, transpose_b=True): attention's scores, as TensorFlow's tutorials
    write them; the gradient goes through the transposes."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    q0, k0 = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    q, k = ag.Value(q0), ag.Value(k0)
    scores = ag.matmul(q, k, transpose_b=True)
    (scores ** 2).sum().backward()
    tq, tk = (torch.tensor(a, requires_grad=True) for a in (q0, k0))
    ((tq @ tk.transpose(-1, -2)) ** 2).sum().backward()
    np.testing.assert_allclose(scores.data, (tq @ tk.transpose(-1, -2)).detach().numpy())
    np.testing.assert_allclose(q.grad, tq.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(k.grad, tk.grad.numpy(), rtol=1e-12)
    a = ag.constant(rng.normal(size=(3, 2)))
    np.testing.assert_allclose(ag.linalg.matmul(a, a, adjoint_a=True).data, a.data.T @ a.data)
    np.testing.assert_allclose(ag.matmul(a, a, transpose_a=True, transpose_b=False).data,
                               a.data.T @ a.data)
    with pytest.raises(ValueError, match="transpose_a needs a matrix"):
        ag.matmul(ag.ones(3), ag.ones(3), transpose_a=True)
