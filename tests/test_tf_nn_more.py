"""TensorFlow's further ``tf.math`` and ``tf.nn`` names (``tf_math_extra``,
``ops.incomplete_beta``, ``tf_nn_extra``, ``tf_ctc``): values against TensorFlow's
documented examples, numpy references written here and PyTorch's equivalents (TensorFlow
is not installed), betainc against mpmath, gradients against central differences (first
and second order) over hypothesis-drawn shapes, and the refused arguments.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")
F = torch.nn.functional

SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=10, deadline=None)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _grads(f, *arrays):
    ag.gradcheck(f, [np.asarray(a, np.float64) for a in arrays])
    check_second_order(f, *arrays)


# --- tf.math ---------------------------------------------------------------------------


def test_math_sums_permutations_and_orders():
    a, b = np.array([[1.0, 2], [3, 4]]), np.array([[5.0, 0], [0, 6]])
    assert ag.math.accumulate_n([a, b, a]).numpy().tolist() == [[7, 4], [6, 14]]
    assert ag.math.accumulate_n([a, b], shape=[2, 2], tensor_dtype=np.float64).shape == (2, 2)
    assert ag.scalar_mul(3.0, a).numpy().tolist() == [[3, 6], [9, 12]]
    assert ag.math.scalar_mul is ag.scalar_mul
    # TensorFlow's example: invert_permutation([3, 4, 0, 2, 1]) == [2, 4, 3, 0, 1]
    y = ag.math.invert_permutation(np.array([3, 4, 0, 2, 1], np.int32))
    assert y.numpy().tolist() == [2, 4, 3, 0, 1] and y.dtype == np.int32
    assert not y.requires_grad
    assert bool(ag.math.is_non_decreasing([1, 1, 2, 3]))
    assert not bool(ag.math.is_strictly_increasing([1, 1, 2, 3]))
    assert bool(ag.math.is_strictly_increasing(np.array([[1, 2], [3, 4]])))   # row-major
    assert not bool(ag.math.is_non_decreasing(np.array([[1, 4], [3, 5]])))
    assert bool(ag.math.is_non_decreasing([])) and bool(ag.math.is_strictly_increasing([7]))
    z = ag.math.zero_fraction(np.array([[0.0, 1.0], [0.0, 0.0]]))
    assert float(z) == 0.75 and z.dtype == np.float32 and ag.nn.zero_fraction is \
        ag.math.zero_fraction
    _grads(lambda u, v: ag.math.accumulate_n([u, v, u]), a + 0.5, b - 0.25)
    _grads(lambda s, u: ag.scalar_mul(s, u), np.array(1.5), a)


def test_unsorted_segment_sqrt_n_against_numpy():
    rng = _rng(1)
    data = rng.normal(size=(6, 3))
    ids = np.array([2, -1, 0, 2, 0, 2])
    got = ag.math.unsorted_segment_sqrt_n(data, ids, 4).numpy()
    expected = np.zeros((4, 3))
    for s in range(4):
        rows = data[ids == s]
        if len(rows):
            expected[s] = rows.sum(0) / np.sqrt(len(rows))
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert np.all(got[[1, 3]] == 0)
    _grads(lambda d: ag.math.unsorted_segment_sqrt_n(d, ids, 4), data)
    with pytest.raises(ValueError, match="num_segments"):
        ag.math.unsorted_segment_sqrt_n(data, ids, 2)


@FEW
@given(seed=SEEDS, k=st.integers(0, 4))
def test_approx_max_k_and_min_k_are_exact_top_k(seed, k):
    x = _rng(seed).normal(size=(3, 5))
    values, indices = ag.math.approx_max_k(x, k)
    t = torch.topk(torch.tensor(x), k, dim=-1)
    np.testing.assert_array_equal(values.numpy(), t.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t.indices.numpy())
    values, indices = ag.math.approx_min_k(x, k, reduction_dimension=0 if k <= 3 else -1)
    t = torch.topk(torch.tensor(x), k, dim=0 if k <= 3 else -1, largest=False)
    np.testing.assert_array_equal(values.numpy(), t.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t.indices.numpy())
    if k:
        compare_with_torch(lambda a: ag.math.approx_max_k(a, k)[0],
                           lambda a: torch.topk(a, k, dim=-1).values, x)


def test_math_refusals():
    with pytest.raises(ValueError, match="invert_permutation: x must be a permutation"):
        ag.math.invert_permutation([0, 2, 2])
    with pytest.raises(ValueError, match="invert_permutation: x must be a vector of integers"):
        ag.math.invert_permutation([0.0, 1.0])
    with pytest.raises(ValueError, match=r"accumulate_n: the inputs must have one shape"):
        ag.math.accumulate_n([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match=r"accumulate_n: shape \(3,\)"):
        ag.math.accumulate_n([np.ones(2)], shape=[3])
    with pytest.raises(TypeError, match="accumulate_n: tensor_dtype"):
        ag.math.accumulate_n([np.ones(2)], tensor_dtype=np.float32)
    with pytest.raises(ValueError, match="scalar_mul: scalar must be 0-d"):
        ag.scalar_mul(np.ones(2), np.ones(2))
    with pytest.raises(NotImplementedError, match="approx_max_k: aggregate_to_topk=False"):
        ag.math.approx_max_k(np.ones((2, 3)), 1, aggregate_to_topk=False)
    with pytest.raises(ValueError, match="approx_min_k: recall_target"):
        ag.math.approx_min_k(np.ones((2, 3)), 1, recall_target=1.5)


# --- betainc ---------------------------------------------------------------------------


def test_betainc_against_mpmath_over_wide_ranges():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    rng = _rng(2)
    n = 600
    a, b = 10 ** rng.uniform(-3, 3, n), 10 ** rng.uniform(-3, 3, n)
    x = rng.uniform(0, 1, n)
    x[:100] = 10 ** rng.uniform(-12, 0, 100)       # deep in the lower tail
    x[100:200] = 1 - 10 ** rng.uniform(-12, -1, 100)  # near 1
    got = ag.math.betainc(a, b, x).numpy()
    expected = np.array([float(mpmath.betainc(p, q, 0, z, regularized=True))
                         for p, q, z in zip(a, b, x)])
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-13)
    # closed forms: I_x(1, 1) = x, I_x(a, 1) = x**a, I_x(1, b) = 1 - (1 - x)**b
    z = np.linspace(0, 1, 11)
    np.testing.assert_allclose(ag.math.betainc(1.0, 1.0, z).numpy(), z, atol=1e-15)
    np.testing.assert_allclose(ag.math.betainc(2.5, 1.0, z).numpy(), z ** 2.5, rtol=1e-13)
    np.testing.assert_allclose(ag.math.betainc(1.0, 3.0, z).numpy(), 1 - (1 - z) ** 3,
                               rtol=1e-13, atol=1e-15)
    edges = ag.math.betainc([0.0, -1.0, 2.0, 2.0, 2.0, 2.0], [1.0, 1.0, -0.5, 1.0, 1.0, 1.0],
                            [0.5, 0.5, 0.5, -0.1, 1.1, 0.0]).numpy()
    assert np.isnan(edges[:5]).all() and edges[5] == 0.0
    assert ag.math.betainc(np.float32(2), np.float32(3), np.float32(0.4)).dtype == np.float32


@FEW
@given(seed=SEEDS, n=st.integers(1, 4))
def test_betainc_derivative_in_x_only(seed, n):
    rng = _rng(seed)
    a, b = rng.uniform(0.5, 4.0, n), rng.uniform(0.5, 4.0, n)
    x = rng.uniform(0.1, 0.9, n)
    _grads(lambda z: ag.math.betainc(a, b, z), x)
    # the Beta density, against mpmath's
    mpmath = pytest.importorskip("mpmath")
    xv = ag.Value(x)
    ag.math.betainc(a, b, xv).sum().backward()
    density = [float(mpmath.power(z, p - 1) * mpmath.power(1 - z, q - 1)
                     / mpmath.beta(p, q)) for p, q, z in zip(a, b, x)]
    np.testing.assert_allclose(xv.grad, density, rtol=1e-12)
    # TensorFlow gives a and b no gradient
    av, bv, xv = ag.Value(a), ag.Value(b), ag.Value(x)
    ga, gb, gx = ag.gradients(ag.math.betainc(av, bv, xv).sum(), [av, bv, xv],
                              allow_unused=True)
    assert ga is None and gb is None
    np.testing.assert_allclose(gx.numpy(), density, rtol=1e-12)


# --- rearrangements --------------------------------------------------------------------


def test_depth_and_space_match_tensorflows_examples():
    x = np.array([[[[1.0, 2, 3, 4]]]])
    assert ag.nn.depth_to_space(x, 2).numpy().tolist() == [[[[1], [2]], [[3], [4]]]]
    x = np.arange(1.0, 13).reshape(1, 1, 1, 12)
    assert ag.nn.depth_to_space(x, 2).numpy().tolist() == [[[[1, 2, 3], [4, 5, 6]],
                                                           [[7, 8, 9], [10, 11, 12]]]]
    x = np.array([[[[1.0, 2, 3, 4], [5, 6, 7, 8]], [[9, 10, 11, 12], [13, 14, 15, 16]]]])
    y = ag.nn.depth_to_space(x, 2).numpy()
    assert y[0, :, :, 0].tolist() == [[1, 2, 5, 6], [3, 4, 7, 8], [9, 10, 13, 14],
                                      [11, 12, 15, 16]]
    # space_to_depth's examples are the inverses
    assert ag.nn.space_to_depth(np.array([[[[1.0], [2]], [[3], [4]]]]), 2).numpy().tolist() \
        == [[[[1, 2, 3, 4]]]]
    np.testing.assert_array_equal(ag.nn.space_to_depth(y, 2).numpy(), x)


@FEW
@given(seed=SEEDS, b=st.integers(2, 3), n=st.integers(1, 2), c=st.integers(1, 2),
       h=st.integers(1, 2), w=st.integers(1, 2))
def test_depth_to_space_against_pixel_shuffle(seed, b, n, c, h, w):
    rng = _rng(seed)
    x = rng.normal(size=(n, h, w, b * b * c))
    # TensorFlow's channel (by, bx, c) is PyTorch's (c, by, bx): permute, then pixel_shuffle
    def torch_d2s(t):
        nchw = t.permute(0, 3, 1, 2).reshape(n, b * b, c, h, w).transpose(1, 2)
        return F.pixel_shuffle(nchw.reshape(n, c * b * b, h, w), b).permute(0, 2, 3, 1)
    compare_with_torch(lambda v: ag.nn.depth_to_space(v, b), torch_d2s, x)
    nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(
        ag.nn.depth_to_space(nchw, b, "NCHW").numpy(),
        ag.nn.depth_to_space(x, b).numpy().transpose(0, 3, 1, 2))
    img = rng.normal(size=(n, h * b, w * b, c))
    def torch_s2d(t):
        u = F.pixel_unshuffle(t.permute(0, 3, 1, 2), b)   # channel (c, by, bx)
        u = u.reshape(n, c, b * b, h, w).transpose(1, 2).reshape(n, b * b * c, h, w)
        return u.permute(0, 2, 3, 1)
    compare_with_torch(lambda v: ag.nn.space_to_depth(v, b), torch_s2d, img)
    np.testing.assert_array_equal(
        ag.nn.space_to_depth(np.ascontiguousarray(img.transpose(0, 3, 1, 2)), b, "NCHW")
        .numpy(), ag.nn.space_to_depth(img, b).numpy().transpose(0, 3, 1, 2))
    _grads(lambda v: ag.nn.depth_to_space(v, b, "NCHW") * 1.5, nchw[:1, :, :1, :1])


def _space_to_batch_reference(x, blocks, pads):
    """TensorFlow's documented algorithm, step by step in numpy."""
    m = len(blocks)
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)] * (x.ndim - m - 1))
    n, spatial, rest = x.shape[0], x.shape[1:m + 1], x.shape[m + 1:]
    out = []
    for offset in np.ndindex(*blocks):       # batch index = offset (row-major) * n + b
        index = tuple(slice(o, None, bs) for o, bs in zip(offset, blocks))
        out.append(x[(slice(None),) + index])
    return np.concatenate(out, axis=0).reshape(
        (n * int(np.prod(blocks)),) + tuple(d // bs for d, bs in zip(spatial, blocks)) + rest)


def test_space_to_batch_matches_tensorflows_examples():
    x = np.array([[[[1.0], [2]], [[3], [4]]]])
    assert ag.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]).numpy().tolist() == [
        [[[1]]], [[[2]]], [[[3]]], [[[4]]]]
    x = np.arange(1.0, 17).reshape(1, 4, 4, 1)
    assert ag.nn.space_to_batch(x, [2, 2], [[0, 0], [0, 0]]).numpy()[..., 0].tolist() == [
        [[1, 3], [9, 11]], [[2, 4], [10, 12]], [[5, 7], [13, 15]], [[6, 8], [14, 16]]]
    x = np.arange(1.0, 17).reshape(2, 2, 4, 1)
    y = ag.space_to_batch(x, [2, 2], [[0, 0], [2, 0]]).numpy()
    assert y.shape == (8, 1, 3, 1) and y[..., 0].tolist() == [
        [[0, 1, 3]], [[0, 9, 11]], [[0, 2, 4]], [[0, 10, 12]], [[0, 5, 7]], [[0, 13, 15]],
        [[0, 6, 8]], [[0, 14, 16]]]
    # batch_to_space's examples are the inverses
    np.testing.assert_array_equal(ag.batch_to_space(y, [2, 2], [[0, 0], [2, 0]]).numpy(), x)
    assert ag.nn.batch_to_space is ag.batch_to_space


@FEW
@given(seed=SEEDS, blocks=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       rest=st.integers(0, 1))
def test_space_to_batch_against_numpy_and_back(seed, blocks, rest):
    rng = _rng(seed)
    pads = [(int(rng.integers(0, 2)), 0) for _ in blocks]
    pads = [(p, (-(p + 2)) % bs) for (p, _), bs in zip(pads, blocks)]
    shape = (2,) + (2,) * len(blocks) + (2,) * rest
    x = rng.normal(size=shape)
    y = ag.space_to_batch(x, blocks, pads)
    np.testing.assert_array_equal(y.numpy(), _space_to_batch_reference(x, blocks, pads))
    np.testing.assert_array_equal(ag.batch_to_space(y, blocks, pads).numpy(), x)
    ag.gradcheck(lambda v: ag.space_to_batch(v, blocks, pads) ** 2, [x])
    ag.gradcheck(lambda v: ag.batch_to_space(v, blocks, pads) ** 2, [y.numpy()])


def test_rearrangement_refusals():
    with pytest.raises(ValueError, match="depth_to_space: data_format must be"):
        ag.nn.depth_to_space(np.ones((1, 1, 1, 4)), 2, "NCHW_VECT_C")
    with pytest.raises(ValueError, match=r"depth_to_space: input must be 4-D .* shape "
                                         r"\(1, 1, 1, 6\)"):
        ag.nn.depth_to_space(np.ones((1, 1, 1, 6)), 2)
    with pytest.raises(ValueError, match="space_to_depth: block_size must be an integer >= 2"):
        ag.nn.space_to_depth(np.ones((1, 2, 2, 1)), 1)
    with pytest.raises(ValueError, match=r"space_to_depth: .* shape \(1, 3, 2, 1\)"):
        ag.nn.space_to_depth(np.ones((1, 3, 2, 1)), 2)
    with pytest.raises(ValueError, match="space_to_batch: the padded spatial shape"):
        ag.space_to_batch(np.ones((1, 3, 1)), [2], [[0, 0]])
    with pytest.raises(ValueError, match="space_to_batch: paddings must be 1 pairs"):
        ag.space_to_batch(np.ones((1, 2, 1)), [2], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="batch_to_space: the batch 3"):
        ag.batch_to_space(np.ones((3, 1, 1)), [2], [[0, 0]])
    with pytest.raises(ValueError, match="batch_to_space: crops"):
        ag.batch_to_space(np.ones((2, 1, 1)), [2], [[1, 2]])


# --- convolutions ----------------------------------------------------------------------


def test_convolution_and_atrous_against_pytorch():
    rng = _rng(3)
    for rank, conv in ((1, F.conv1d), (2, F.conv2d), (3, F.conv3d)):
        x = rng.normal(size=(2,) + (5,) * rank + (2,))
        k = rng.normal(size=(2,) * rank + (2, 3))
        perm_x = (0, rank + 1) + tuple(range(1, rank + 1))
        perm_k = (rank + 1, rank) + tuple(range(rank))
        back = (0,) + tuple(range(2, rank + 2)) + (1,)
        compare_with_torch(
            lambda a, w: ag.nn.convolution(a, w, strides=2 if rank < 3 else 1,
                                           dilations=1 if rank < 3 else 2),
            lambda a, w: conv(a.permute(*perm_x), w.permute(*perm_k),
                              stride=2 if rank < 3 else 1,
                              dilation=1 if rank < 3 else 2).permute(*back),
            x, k, second=rank == 1)
        first = np.ascontiguousarray(x.transpose(perm_x))
        np.testing.assert_allclose(
            ag.nn.convolution(first, k, padding="SAME",
                              data_format={1: "NCW", 2: "NCHW", 3: "NCDHW"}[rank]).numpy(),
            ag.nn.convolution(x, k, padding="SAME").numpy().transpose(perm_x), rtol=1e-12)
    x, k = rng.normal(size=(1, 7, 6, 2)), rng.normal(size=(3, 3, 2, 2))
    compare_with_torch(lambda a, w: ag.nn.atrous_conv2d(a, w, 2, "VALID"),
                       lambda a, w: F.conv2d(a.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1),
                                             dilation=2).permute(0, 2, 3, 1), x, k)
    same = ag.nn.atrous_conv2d(x, k, 2, "SAME")
    assert same.shape == (1, 7, 6, 2)
    np.testing.assert_allclose(same.numpy(), ag.conv2d(x, k, 1, "same", dilations=2).numpy())


def test_transposed_convolutions_against_pytorch():
    rng = _rng(4)
    # conv1d_transpose: filters (kw, C_out, C_in); stride 2, VALID: OW = (W - 1) * 2 + kw
    x, k = rng.normal(size=(2, 4, 3)), rng.normal(size=(3, 2, 3))
    compare_with_torch(
        lambda a, w: ag.nn.conv1d_transpose(a, w, [2, 9, 2], 2, "VALID"),
        lambda a, w: F.conv_transpose1d(a.permute(0, 2, 1), w.permute(2, 1, 0),
                                        stride=2).permute(0, 2, 1), x, k)
    # SAME: output_shape W * stride; the transpose of conv1d's SAME (pads 0 left, 1 right
    # for W = 8, kw = 3, stride 2), i.e. PyTorch's padding 0 then cropping the last
    y = ag.nn.conv1d_transpose(x, k, [2, 8, 2], 2)
    t = F.conv_transpose1d(torch.tensor(x).permute(0, 2, 1), torch.tensor(k).permute(2, 1, 0),
                           stride=2)[:, :, :8].permute(0, 2, 1)
    np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-12)
    y_first = ag.nn.conv1d_transpose(np.ascontiguousarray(x.transpose(0, 2, 1)), k,
                                     [2, 2, 8], [1, 1, 2], data_format="NCW")
    np.testing.assert_allclose(y_first.numpy(), y.numpy().transpose(0, 2, 1), rtol=1e-12)
    # the adjoint: <conv1d(u), x> == <u, conv1d_transpose(x)>
    u = rng.normal(size=(2, 8, 2))
    lhs = np.sum(ag.nn.convolution(u, k.transpose(0, 1, 2), 2, "SAME").numpy() * x)
    assert np.isclose(lhs, np.sum(u * y.numpy()), rtol=1e-12)
    ag.gradcheck(lambda a, w: ag.nn.conv1d_transpose(a, w, [2, 8, 2], 2), [x, k])
    # conv_transpose dispatches on rank; atrous_conv2d_transpose is its dilated 2-D case
    x2, k2 = rng.normal(size=(1, 3, 3, 2)), rng.normal(size=(2, 2, 3, 2))
    compare_with_torch(
        lambda a, w: ag.nn.conv_transpose(a, w, [1, 6, 6, 3], 2, "VALID"),
        lambda a, w: F.conv_transpose2d(a.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1),
                                        stride=2).permute(0, 2, 3, 1), x2, k2)
    compare_with_torch(
        lambda a, w: ag.nn.atrous_conv2d_transpose(a, w, [1, 5, 5, 3], 2, "VALID"),
        lambda a, w: F.conv_transpose2d(a.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1),
                                        dilation=2).permute(0, 2, 3, 1), x2, k2)
    x3, k3 = rng.normal(size=(1, 2, 2, 2, 2)), rng.normal(size=(2, 2, 2, 1, 2))
    compare_with_torch(
        lambda a, w: ag.nn.conv_transpose(a, w, [1, 4, 4, 4, 1], 2, "VALID"),
        lambda a, w: F.conv_transpose3d(a.permute(0, 4, 1, 2, 3), w.permute(4, 3, 0, 1, 2),
                                        stride=2).permute(0, 2, 3, 4, 1), x3, k3,
        second=False)


def test_convolution_refusals():
    x = np.ones((1, 4, 4, 1))
    with pytest.raises(ValueError, match="convolution: data_format must be 'NHWC' or 'NCHW'"):
        ag.nn.convolution(x, np.ones((2, 2, 1, 1)), data_format="NCW")
    with pytest.raises(ValueError, match="convolution: input must be 3-, 4- or 5-D"):
        ag.nn.convolution(np.ones((4, 1)), np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match=r"convolution: filters must be 4-D"):
        ag.nn.convolution(x, np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match="convolution: padding must be 'SAME' or 'VALID'"):
        ag.nn.convolution(x, np.ones((2, 2, 1, 1)), padding="CAUSAL")
    with pytest.raises(ValueError, match="conv1d_transpose: data_format must be"):
        ag.nn.conv1d_transpose(np.ones((1, 3, 1)), np.ones((2, 1, 1)), [1, 6, 1], 2,
                               data_format="NHWC")
    with pytest.raises(ValueError, match="conv_transpose: output_shape must have 4"):
        ag.nn.conv_transpose(x, np.ones((2, 2, 1, 1)), [1, 8, 8, 1, 1], 2)
    with pytest.raises(ValueError, match="atrous_conv2d: rate must be an integer >= 1"):
        ag.nn.atrous_conv2d(x, np.ones((2, 2, 1, 1)), 0, "SAME")
    with pytest.raises(ValueError, match="strides .* steps along the batch"):
        ag.nn.convolution(x, np.ones((2, 2, 1, 1)), strides=[2, 1, 1, 1])


# --- pooling ---------------------------------------------------------------------------


def _argmax_reference(x, k, s, include_batch):
    """max_pool_with_argmax with VALID padding, window by window, in plain loops."""
    n, h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out, at = np.zeros((n, oh, ow, c)), np.zeros((n, oh, ow, c), np.int64)
    for b, i, j, ch in np.ndindex(n, oh, ow, c):
        window = x[b, i * s:i * s + k, j * s:j * s + k, ch]
        r, q = np.unravel_index(np.argmax(window), window.shape)
        out[b, i, j, ch] = window[r, q]
        y_, x_ = i * s + r, j * s + q
        at[b, i, j, ch] = ((b * h + y_) * w + x_) * c + ch if include_batch \
            else (y_ * w + x_) * c + ch
    return out, at


@FEW
@given(seed=SEEDS, include_batch=st.booleans())
def test_max_pool_with_argmax_against_a_reference(seed, include_batch):
    x = _rng(seed).normal(size=(2, 5, 4, 3))
    x[0, 0, 0, 0] = x[0, 0, 1, 0] = 9.0    # a tie: the first in row-major order
    output, argmax = ag.nn.max_pool_with_argmax(x, 2, 2, "VALID",
                                                include_batch_in_index=include_batch)
    out, at = _argmax_reference(x, 2, 2, include_batch)
    np.testing.assert_array_equal(output.numpy(), out)
    np.testing.assert_array_equal(argmax.numpy(), at)
    assert argmax.dtype == np.int64 and argmax.numpy()[0, 0, 0, 0] == 0
    # the flat index picks the max out of x, and the gradient goes there alone
    flat = x.reshape(-1) if include_batch else x.reshape(2, -1)
    picked = flat[argmax.numpy()] if include_batch else np.take_along_axis(
        flat, argmax.numpy().reshape(2, -1), 1).reshape(output.shape)
    np.testing.assert_array_equal(picked, output.numpy())
    # SAME: the window past the edge never picks padding; against PyTorch's indices
    same, same_at = ag.nn.max_pool_with_argmax(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME",
                                               output_dtype=np.int32)
    t, t_at = F.max_pool2d(F.pad(torch.tensor(x).permute(0, 3, 1, 2), (0, 1, 1, 1),
                                 value=-np.inf), 3, 2, return_indices=True)
    # PyTorch's indices count in the padded (7 x 5) image: back to the 5 x 4 one
    rows, cols = t_at.numpy() // 5 - 1, t_at.numpy() % 5
    np.testing.assert_array_equal(same.numpy(), t.permute(0, 2, 3, 1).numpy())
    expected = (rows * 4 + cols) * 3 + np.arange(3)[None, :, None, None]
    np.testing.assert_array_equal(same_at.numpy(), expected.transpose(0, 2, 3, 1))
    assert same_at.dtype == np.int32


def test_pool_dispatches_and_lrn():
    rng = _rng(5)
    x = rng.normal(size=(2, 6, 5, 3))
    compare_with_torch(lambda a: ag.nn.pool(a, [2, 2], "MAX", strides=[2, 1]),
                       lambda a: F.max_pool2d(a.permute(0, 3, 1, 2), 2, (2, 1))
                       .permute(0, 2, 3, 1), x)
    compare_with_torch(lambda a: ag.nn.pool(a, [3], "AVG", padding="VALID",
                                            data_format="NCW"),
                       lambda a: F.avg_pool1d(a, 3, 1), x[:, :, :, 0])
    v = rng.normal(size=(1, 4, 4, 4, 2))
    compare_with_torch(lambda a: ag.nn.pool(a, [2, 2, 2], "AVG", strides=2),
                       lambda a: F.avg_pool3d(a.permute(0, 4, 1, 2, 3), 2)
                       .permute(0, 2, 3, 4, 1), v, second=False)
    np.testing.assert_allclose(ag.nn.pool(x, [3, 3], "MAX", padding="SAME").numpy(),
                               ag.nn.max_pool(x, 3, 1, "SAME").numpy())
    assert ag.nn.lrn is ag.nn.local_response_normalization
    with pytest.raises(ValueError, match="pool: pooling_type must be 'MAX' or 'AVG'"):
        ag.nn.pool(x, [2, 2], "L2")
    with pytest.raises(ValueError, match="pool: window_shape"):
        ag.nn.pool(x, [2], "MAX")
    with pytest.raises(NotImplementedError, match="pool: dilations"):
        ag.nn.pool(x, [2, 2], "MAX", dilations=2)
    with pytest.raises(ValueError, match="max_pool_with_argmax: data_format must be 'NHWC'"):
        ag.nn.max_pool_with_argmax(x, 2, 2, "VALID", data_format="NCHW")
    with pytest.raises(TypeError, match="max_pool_with_argmax: output_dtype"):
        ag.nn.max_pool_with_argmax(x, 2, 2, "VALID", output_dtype=np.float32)


# --- moments and losses ----------------------------------------------------------------


@FEW
@given(seed=SEEDS, keepdims=st.booleans())
def test_weighted_moments_and_sufficient_statistics(seed, keepdims):
    rng = _rng(seed)
    x, w = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(3, 1))
    mean, var = ag.nn.weighted_moments(x, [0], w, keepdims)
    ref_mean = (w * x).sum(0, keepdims=keepdims) / (w * np.ones_like(x)).sum(
        0, keepdims=keepdims)
    ref_var = (w * (x - ref_mean.reshape(1, 4)) ** 2).sum(0, keepdims=keepdims) / \
        (w * np.ones_like(x)).sum(0, keepdims=keepdims)
    np.testing.assert_allclose(mean.numpy(), ref_mean, rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), ref_var, rtol=1e-12)
    compare_with_torch(lambda a, b: ag.nn.weighted_moments(a, [0, 1], b)[1],
                       lambda a, b: (b * (a - (b * a).sum() / (b * torch.ones_like(a)).sum())
                                     ** 2).sum() / (b * torch.ones_like(a)).sum(), x, w)
    zero_mean, zero_var = ag.nn.weighted_moments(x, 1, np.zeros((3, 1)))
    assert np.all(zero_mean.numpy() == 0) and np.all(zero_var.numpy() == 0)
    count, m_ss, v_ss, shift = ag.nn.sufficient_statistics(x, [1], keepdims=keepdims)
    assert float(count) == 4 and shift is None and count.dtype == x.dtype
    np.testing.assert_allclose(m_ss.numpy(), x.sum(1, keepdims=keepdims), rtol=1e-12)
    np.testing.assert_allclose(v_ss.numpy(), (x ** 2).sum(1, keepdims=keepdims), rtol=1e-12)
    count, m_ss, v_ss, shift = ag.nn.sufficient_statistics(x, [0, 1], shift=0.5)
    mean, var = ag.nn.normalize_moments(count, m_ss, v_ss, shift)
    np.testing.assert_allclose([float(mean), float(var)], [x.mean(), x.var()], rtol=1e-12)
    _grads(lambda a: ag.nn.sufficient_statistics(a, [0], shift=0.25)[2], x)
    _grads(lambda a, b: ag.nn.weighted_moments(a, [1], b)[1], x, w)


def test_average_loss_helpers():
    per_example = np.array([1.0, 2.0, 3.0, 6.0])
    assert float(ag.nn.compute_average_loss(per_example)) == 3.0
    assert float(ag.nn.compute_average_loss(per_example, global_batch_size=8)) == 1.5
    assert float(ag.nn.compute_average_loss(per_example, sample_weight=[1, 0, 1, 0.5],
                                            global_batch_size=2)) == 3.5
    assert float(ag.nn.compute_average_loss(np.zeros((0,)))) == 0.0
    assert float(ag.nn.scale_regularization_loss(np.array([0.5, 1.5]))) == 2.0
    _grads(lambda a, w: ag.nn.compute_average_loss(a ** 2, sample_weight=w), per_example,
           np.array([1.0, 0.5, 2.0, 1.0]))
    with pytest.raises(ValueError, match="compute_average_loss: per_example_loss must have "
                                         "rank >= 1"):
        ag.nn.compute_average_loss(np.array(1.0))
    with pytest.raises(ValueError, match="compute_average_loss: global_batch_size must be"):
        ag.nn.compute_average_loss(per_example, global_batch_size=0)


# --- CTC -------------------------------------------------------------------------------


@FEW
@given(seed=SEEDS, blank=st.sampled_from([None, 2, -1]), time_major=st.booleans())
def test_ctc_loss_against_pytorch(seed, blank, time_major):
    rng = _rng(seed)
    steps, n, classes = 6, 3, 5
    b = 0 if blank is None else blank % classes
    choices = [c for c in range(classes) if c != b]
    labels = rng.choice(choices, size=(n, 3))
    labels[0, 1] = labels[0, 0]                        # a repeat needs a blank between
    label_length = np.array([3, 2, 0])
    labels[1, 2] = 0                                   # padding, whatever its value
    logit_length = np.array([6, 4, 3])
    logits = rng.normal(size=(steps, n, classes)) * 2
    given_logits = logits if time_major else logits.transpose(1, 0, 2)

    def ours(z):
        return ag.nn.ctc_loss(labels, z, label_length, logit_length, time_major,
                              blank_index=blank)

    def theirs(z):
        z = z if time_major else z.transpose(0, 1)
        return F.ctc_loss(F.log_softmax(z, -1), torch.tensor(labels),
                          torch.tensor(logit_length), torch.tensor(label_length), blank=b,
                          reduction="none")
    compare_with_torch(ours, theirs, given_logits, rtol=1e-9, atol=1e-10, second=False)
    ag.gradcheck(ours, [given_logits])


def test_ctc_loss_second_derivatives():
    logits = _rng(6).normal(size=(4, 2, 3))
    _grads(lambda z: ag.nn.ctc_loss(np.array([[1, 2], [2, 2]]), z, [2, 1], [4, 3]), logits)


def test_ctc_loss_edges_and_refusals():
    logits = np.zeros((2, 1, 3))
    # two frames cannot hold the labels (1, 1), which need a blank between: inf
    assert np.isinf(float(ag.nn.ctc_loss(np.array([[1, 1]]), logits, [2], [2])[0]))
    # uniform logits: every one of the 3 alignments of "1" in 2 frames has prob 1/9
    np.testing.assert_allclose(ag.nn.ctc_loss(np.array([[1]]), logits, [1], [2]).numpy(),
                               [np.log(3.0)], rtol=1e-14)
    with pytest.raises(ValueError, match="ctc_loss: labels must be classes .* other than the "
                                         "blank 0"):
        ag.nn.ctc_loss(np.array([[0]]), logits, [1], [2])
    with pytest.raises(ValueError, match="ctc_loss: blank_index must be an integer"):
        ag.nn.ctc_loss(np.array([[1]]), logits, [1], [2], blank_index=3)
    with pytest.raises(NotImplementedError, match="ctc_loss: unique"):
        ag.nn.ctc_loss(np.array([[1]]), logits, [1], [2], unique=([0], [0]))
    with pytest.raises(ValueError, match="ctc_loss: label_length is required"):
        ag.nn.ctc_loss(np.array([[1]]), logits, None, [2])
    with pytest.raises(ValueError, match="ctc_loss: logit_length .* at most the 2 frames"):
        ag.nn.ctc_loss(np.array([[1]]), logits, [1], [3])


def test_ctc_greedy_decoder_matches_tensorflows_example():
    inf = np.inf
    logits = np.array([[[0.0, -inf, -inf], [-2.3, -inf, -0.1]],
                       [[-inf, -0.5, -inf], [-inf, -inf, -0.1]],
                       [[-inf, -inf, -inf], [-0.1, -inf, -2.3]]])
    (decoded,), neg_sum = ag.nn.ctc_greedy_decoder(logits, [2, 3], blank_index=1)
    assert decoded.numpy().tolist() == [[0, -1], [2, 0]]
    np.testing.assert_allclose(neg_sum.numpy(), [[0.5], [0.3]], rtol=1e-12)
    # "A B B * B * B" becomes "A B B B" merged, "A B B B B" not (blank the last class)
    path = [0, 1, 1, 2, 1, 2, 1]
    x = np.full((7, 1, 3), -5.0)
    x[np.arange(7), 0, path] = 0.0
    (merged,), _ = ag.nn.ctc_greedy_decoder(x, [7])
    (kept,), _ = ag.nn.ctc_greedy_decoder(x, [7], merge_repeated=False)
    assert merged.numpy().tolist() == [[0, 1, 1, 1]]
    assert kept.numpy().tolist() == [[0, 1, 1, 1, 1]]
    with pytest.raises(ValueError, match="ctc_greedy_decoder: sequence_length"):
        ag.nn.ctc_greedy_decoder(x, [8])


def test_new_names_are_where_tensorflow_has_them():
    for name in ("accumulate_n", "scalar_mul", "invert_permutation", "is_non_decreasing",
                 "is_strictly_increasing", "zero_fraction", "unsorted_segment_sqrt_n",
                 "approx_max_k", "approx_min_k", "betainc"):
        assert callable(getattr(ag.math, name)), name
    for name in ("depth_to_space", "space_to_depth", "space_to_batch", "conv1d_transpose",
                 "conv_transpose", "convolution", "atrous_conv2d", "atrous_conv2d_transpose",
                 "lrn", "max_pool_with_argmax", "pool", "weighted_moments",
                 "sufficient_statistics", "compute_average_loss", "scale_regularization_loss",
                 "zero_fraction", "ctc_loss", "ctc_greedy_decoder"):
        assert callable(getattr(ag.nn, name)), name
    for name in ("scalar_mul", "space_to_batch", "batch_to_space"):
        assert name in ag.__all__
    assert not hasattr(ag, "betainc") and not hasattr(ag, "depth_to_space")
