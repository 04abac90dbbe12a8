"""Convolution and pooling: forward against a naive numpy loop, first and second derivatives
against central differences and against PyTorch (conv2d, conv1d, conv_transpose2d,
max_pool2d, avg_pool2d, double backward included), in both layouts, float64 and float32.

Shapes, strides, dilations and paddings come from hypothesis. PyTorch pads only
symmetrically, so the references pad explicitly (F.pad) with TensorFlow's "same" rule,
written out again here: ceil(n / s) outputs, the odd padding pixel after.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)


# --- geometry, written independently of the library ----------------------------------------


def ref_pads(padding, spatial, size, strides, dilations):
    """Explicit (before, after) pairs per axis, as TensorFlow resolves ``padding``."""
    if padding == "valid":
        return tuple((0, 0) for _ in spatial)
    if padding == "same":
        pads = []
        for n, k, s, d in zip(spatial, size, strides, dilations):
            total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
            pads.append((total // 2, total - total // 2))
        return tuple(pads)
    if isinstance(padding, int):
        return tuple((padding, padding) for _ in spatial)
    return tuple((p, p) if isinstance(p, int) else tuple(p) for p in padding)


@st.composite
def conv_cases(draw, rank=2, max_extra=3):
    """A convolution's arguments and shapes; the input always fits the dilated kernel."""
    first = draw(st.booleans())
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    size = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilations = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    kind = draw(st.sampled_from(["valid", "same", "int", "ints", "pairs"]))
    pads = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank)]
    if kind == "int":
        pads = [(pads[0][0], pads[0][0])] * rank
        padding = pads[0][0]
    elif kind == "ints":
        pads = [(a, a) for a, _ in pads]
        padding = tuple(a for a, _ in pads)
    elif kind == "pairs":
        padding = tuple(pads)
    else:
        padding, pads = kind, [(0, 0)] * rank
    spatial = []
    for k, d, (before, after) in zip(size, dilations, pads):
        smallest = max(1, (k - 1) * d + 1 - (0 if kind == "same" else before + after))
        spatial.append(draw(st.integers(smallest, smallest + max_extra)))
    x_shape = (n, c_in, *spatial) if first else (n, *spatial, c_in)
    k_shape = (c_out, c_in, *size) if first else (*size, c_in, c_out)
    return dict(first=first, x_shape=x_shape, k_shape=k_shape, size=size, strides=strides,
                dilations=dilations, padding=padding, spatial=tuple(spatial))


def layout(first, rank=2):
    return ("channels_first" if first else "channels_last") if rank == 2 else \
        ("NCW" if first else "NWC")


# --- naive numpy references: a loop over output pixels ---------------------------------------


def np_conv2d(x, k, strides, pads, dilations):
    """Channels-last x (N, H, W, C), HWIO kernel, one output pixel at a time."""
    x = np.pad(x, ((0, 0), *pads, (0, 0)))
    (kh, kw), (sh, sw), (dh, dw) = k.shape[:2], strides, dilations
    oh = (x.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (x.shape[2] - (kw - 1) * dw - 1) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, k.shape[3]))
    for r in range(oh):
        for c in range(ow):
            patch = x[:, r * sh:r * sh + (kh - 1) * dh + 1:dh, c * sw:c * sw + (kw - 1) * dw + 1:dw]
            y[:, r, c] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return y


def np_pool2d(x, size, strides, pads, reduce):
    """Channels-last pooling; the padding is NaN, which ``reduce`` (nanmax, nanmean) skips."""
    x = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=np.nan)
    (kh, kw), (sh, sw) = size, strides
    oh, ow = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for r in range(oh):
        for c in range(ow):
            y[:, r, c] = reduce(x[:, r * sh:r * sh + kh, c * sw:c * sw + kw], axis=(1, 2))
    return y


def to_last(a, first):
    return a.transpose(0, 2, 3, 1) if first else a


def kernel_to_hwio(k, first):
    return k.transpose(2, 3, 1, 0) if first else k


@given(case=conv_cases(), seed=SEEDS)
def test_conv2d_forward_matches_a_loop_over_pixels(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    first = case["first"]
    y = ag.conv2d(x, k, case["strides"], case["padding"], case["dilations"], layout(first))
    pads = ref_pads(case["padding"], case["spatial"], case["size"], case["strides"],
                    case["dilations"])
    expected = np_conv2d(to_last(x, first), kernel_to_hwio(k, first), case["strides"], pads,
                         case["dilations"])
    assert y.dtype == np.float64
    np.testing.assert_allclose(to_last(y.data, first), expected, rtol=1e-12, atol=1e-12)


# --- PyTorch references in the library's layouts --------------------------------------------


try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="needs the torch extra")


def t_conv2d(x, k, strides, pads, dilations, first, bias=None):
    F = torch.nn.functional
    if not first:  # contiguous: PyTorch's double backward refuses a permuted kernel
        x, k = x.permute(0, 3, 1, 2).contiguous(), k.permute(3, 2, 0, 1).contiguous()
    (top, bottom), (left, right) = pads
    y = F.conv2d(F.pad(x, (left, right, top, bottom)), k, bias, stride=strides,
                 dilation=dilations)
    return y if first else y.permute(0, 2, 3, 1)


def t_conv2d_transpose(x, k, out_shape, strides, pads, dilations, first):
    """The transpose of conv2d as its vector-Jacobian product at the input, which PyTorch
    differentiates again (create_graph)."""
    z = torch.zeros(out_shape, dtype=x.dtype, requires_grad=True)
    y = t_conv2d(z, k, strides, pads, dilations, first)
    return torch.autograd.grad(y, z, grad_outputs=x, create_graph=True)[0]


def squared(f):
    """f's output squared: its second derivatives then exercise every backward op's own
    backward (a linear op's Hessian-vector products would skip some)."""
    def g(*args):
        y = f(*args)
        return y * y
    return g


@needs_torch
@given(case=conv_cases(), seed=SEEDS)
def test_conv2d_derivatives_match_torch(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    first, strides, dil = case["first"], case["strides"], case["dilations"]
    pads = ref_pads(case["padding"], case["spatial"], case["size"], strides, dil)
    compare_with_torch(
        squared(lambda x, k: ag.conv2d(x, k, strides, case["padding"], dil, layout(first))),
        squared(lambda x, k: t_conv2d(x, k, strides, pads, dil, first)),
        x, k, seed=seed, rtol=1e-7, atol=1e-10)


@needs_torch
@given(case=conv_cases(), seed=SEEDS)
def test_conv2d_with_bias_matches_torch(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    b = rng.normal(size=case["k_shape"][0 if case["first"] else -1])
    first, strides, dil = case["first"], case["strides"], case["dilations"]
    pads = ref_pads(case["padding"], case["spatial"], case["size"], strides, dil)
    compare_with_torch(
        squared(lambda x, k, b: ag.conv2d(x, k, strides, case["padding"], dilations=dil,
                                          data_format=layout(first), bias=b)),
        squared(lambda x, k, b: t_conv2d(x, k, strides, pads, dil, first, bias=b)),
        x, k, b, seed=seed, rtol=1e-7, atol=1e-10)


@needs_torch
@given(case=conv_cases(rank=1), seed=SEEDS)
def test_conv1d_matches_torch(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    first, (stride,), (dil,) = case["first"], case["strides"], case["dilations"]
    ((left, right),) = ref_pads(case["padding"], case["spatial"], case["size"], (stride,),
                                (dil,))

    def t_conv1d(x, k):
        F = torch.nn.functional
        if not first:
            x, k = x.permute(0, 2, 1).contiguous(), k.permute(2, 1, 0).contiguous()
        y = F.conv1d(F.pad(x, (left, right)), k, stride=stride, dilation=dil)
        return y if first else y.permute(0, 2, 1)

    compare_with_torch(
        squared(lambda x, k: ag.conv1d(x, k, stride, case["padding"], dil, layout(first, 1))),
        squared(t_conv1d), x, k, seed=seed, rtol=1e-7, atol=1e-10)


@needs_torch
@given(case=conv_cases(), seed=SEEDS)
def test_conv2d_transpose_matches_torch(case, seed):
    rng = np.random.default_rng(seed)
    first, strides, dil = case["first"], case["strides"], case["dilations"]
    out_shape = case["x_shape"]
    y_shape = ag.conv2d(np.zeros(out_shape), np.zeros(case["k_shape"]), strides,
                        case["padding"], dil, layout(first)).shape
    x, k = rng.normal(size=y_shape), rng.normal(size=case["k_shape"])
    pads = ref_pads(case["padding"], case["spatial"], case["size"], strides, dil)
    compare_with_torch(
        squared(lambda x, k: ag.conv2d_transpose(x, k, out_shape, strides, case["padding"],
                                                 dil, layout(first))),
        squared(lambda x, k: t_conv2d_transpose(x, k, out_shape, strides, pads, dil, first)),
        x, k, seed=seed, rtol=1e-7, atol=1e-10)


@needs_torch
def test_conv2d_transpose_equals_torch_conv_transpose2d():
    """With symmetric padding, PyTorch's own conv_transpose2d (output_padding for the
    rows a stride leaves over), not only conv2d's gradient."""
    rng = np.random.default_rng(3)
    x, k = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(3, 2, 3, 3))  # NCHW, (C, C_out, kh, kw)
    y = ag.conv2d_transpose(x, k, (8, 10), strides=2, padding=1, data_format="channels_first")
    t = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(k), stride=2,
                                             padding=1, output_padding=(1, 1))
    assert y.shape == tuple(t.shape) == (2, 2, 8, 10)
    np.testing.assert_allclose(y.data, t.numpy(), rtol=1e-12, atol=1e-12)


# --- pooling ----------------------------------------------------------------------------------


@st.composite
def pool_cases(draw, rank=2):
    first = draw(st.booleans())
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    size = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = draw(st.none() | st.tuples(*[st.integers(1, 3)] * rank))
    padding = draw(st.sampled_from(["valid", "same"]))
    spatial = tuple(draw(st.integers(k if padding == "valid" else 1, k + 3)) for k in size)
    x_shape = (n, c, *spatial) if first else (n, *spatial, c)
    pads = ref_pads(padding, spatial, size, strides or size, (1,) * rank)
    return dict(first=first, x_shape=x_shape, size=size, strides=strides, padding=padding,
                pads=pads)


def distinct(rng, shape):
    """Values at least 4/size apart: no two tie for a window's max."""
    count = int(np.prod(shape))
    return (rng.permutation(count).reshape(shape) - count / 2) * (4.0 / count)


POOLS = {"max": (ag.max_pool2d, np.nanmax), "avg": (ag.avg_pool2d, np.nanmean)}


def t_pool2d(kind, x, size, strides, pads, first):
    """PyTorch's pooling on explicitly padded input; "same" averages only the real pixels."""
    F = torch.nn.functional
    if not first:
        x = x.permute(0, 3, 1, 2)
    (top, bottom), (left, right) = pads
    strides = strides or size
    if kind == "max":
        y = F.max_pool2d(F.pad(x, (left, right, top, bottom), value=-math.inf), size, strides)
    else:
        total = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), size, strides,
                             divisor_override=1)
        ones = F.pad(torch.ones_like(x[:1, :1]), (left, right, top, bottom))
        y = total / F.avg_pool2d(ones, size, strides, divisor_override=1)
    return y if first else y.permute(0, 2, 3, 1)


@pytest.mark.parametrize("kind", POOLS)
@given(case=pool_cases(), seed=SEEDS)
def test_pool2d_forward_matches_a_loop_over_pixels(kind, case, seed):
    f, reduce = POOLS[kind]
    first = case["first"]
    x = distinct(np.random.default_rng(seed), case["x_shape"])
    y = f(x, case["size"], case["strides"], case["padding"], layout(first))
    expected = np_pool2d(to_last(x, first), case["size"], case["strides"] or case["size"],
                         case["pads"], reduce)
    np.testing.assert_allclose(to_last(y.data, first), expected, rtol=1e-12, atol=1e-12)


@needs_torch
@pytest.mark.parametrize("kind", POOLS)
@given(case=pool_cases(), seed=SEEDS)
def test_pool2d_derivatives_match_torch(kind, case, seed):
    f = POOLS[kind][0]
    first = case["first"]
    x = distinct(np.random.default_rng(seed), case["x_shape"])
    compare_with_torch(
        squared(lambda x: f(x, case["size"], case["strides"], case["padding"], layout(first))),
        squared(lambda x: t_pool2d(kind, x, case["size"], case["strides"], case["pads"], first)),
        x, seed=seed, rtol=1e-7, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("kind", POOLS)
@given(case=pool_cases(rank=1), seed=SEEDS)
def test_pool1d_matches_torch(kind, case, seed):
    f = {"max": ag.max_pool1d, "avg": ag.avg_pool1d}[kind]
    first, (size,), strides = case["first"], case["size"], case["strides"]
    x = distinct(np.random.default_rng(seed), case["x_shape"])

    def t_pool1d(x):  # as the 2-D pooling of images of height 1
        x = x[:, :, None] if first else x[:, None]
        y = t_pool2d(kind, x, (1, size), strides and (1, *strides), ((0, 0), *case["pads"]),
                     first)
        return y[:, :, 0] if first else y[:, 0]

    compare_with_torch(squared(lambda x: f(x, size, strides, case["padding"], layout(first, 1))),
                       squared(t_pool1d), x, seed=seed, rtol=1e-7, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("pool_size, strides, padding", [(2, 2, "valid"), (3, 1, "same"),
                                                         ((2, 3), (1, 2), "valid")])
@pytest.mark.parametrize("first", [False, True])
def test_max_pool_ties_go_to_the_first_max_as_in_torch(pool_size, strides, padding, first):
    rng = np.random.default_rng(7)
    x = np.round(rng.normal(size=(2, 3, 6, 7)) * 0.7)  # small integers: ties everywhere
    x[0, 0] = 1.0  # a channel that is one big tie
    x = x if first else x.transpose(0, 2, 3, 1)
    size = (pool_size,) * 2 if isinstance(pool_size, int) else pool_size
    steps = (strides,) * 2 if isinstance(strides, int) else strides
    spatial = x.shape[2:] if first else x.shape[1:3]
    pads = ref_pads(padding, spatial, size, steps, (1, 1))
    compare_with_torch(
        lambda x: ag.max_pool2d(x, pool_size, strides, padding, layout(first)),
        lambda x: t_pool2d("max", x, size, steps, pads, first), x, rtol=1e-12, atol=0)


@needs_torch
def test_max_pool_nan_and_infinities_as_in_torch():
    """NaN wins its windows (the last NaN takes the gradient), infinities are maxima, and a
    window of -inf sends its gradient to its first pixel, as in PyTorch; "same" pads with
    -inf."""
    x = np.arange(36.0).reshape(1, 1, 6, 6)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan
    x[0, 0, 2, 2], x[0, 0, 3, 5] = np.inf, -np.inf
    x[0, 0, 4:, 4:] = -np.inf
    for pool_size, strides in ((2, 2), (3, 1)):
        compare_with_torch(
            lambda x: ag.max_pool2d(x, pool_size, strides, data_format="channels_first"),
            lambda x: torch.nn.functional.max_pool2d(x, pool_size, strides), x,
            rtol=1e-12, atol=0)
    y = ag.max_pool2d(x[:, :, 3:, 3:], 2, padding="same", data_format="channels_first")
    np.testing.assert_array_equal(y.data, [[[[27.0, -np.inf], [33.0, -np.inf]]]])


# --- float32 ----------------------------------------------------------------------------------


def float32_agrees_with_torch(f, t_f, *arrays):
    """float32 in gives float32 out and float32 gradients, close to PyTorch's float32."""
    values = [ag.Value(a.astype(np.float32)) for a in arrays]
    tensors = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in arrays]
    y, t_y = f(*values), t_f(*tensors)
    w = np.random.default_rng(0).uniform(0.5, 1.5, y.shape).astype(np.float32)
    (y * w).sum().backward()
    (t_y * torch.tensor(w)).sum().backward()
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, t_y.detach().numpy(), rtol=1e-4, atol=1e-5)
    for v, t in zip(values, tensors):
        assert v.grad.dtype == np.float32
        np.testing.assert_allclose(v.grad, t.grad.numpy(), rtol=1e-4, atol=1e-4)


@needs_torch
@given(case=conv_cases(max_extra=4), seed=SEEDS)
def test_float32_conv2d_and_its_transpose(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    first, strides, dil, padding = (case["first"], case["strides"], case["dilations"],
                                    case["padding"])
    pads = ref_pads(padding, case["spatial"], case["size"], strides, dil)
    float32_agrees_with_torch(lambda x, k: ag.conv2d(x, k, strides, padding, dil, layout(first)),
                              lambda x, k: t_conv2d(x, k, strides, pads, dil, first), x, k)
    y = ag.conv2d(x, k, strides, padding, dil, layout(first))
    g = rng.normal(size=y.shape)
    float32_agrees_with_torch(
        lambda g, k: ag.conv2d_transpose(g, k, x.shape, strides, padding, dil, layout(first)),
        lambda g, k: t_conv2d_transpose(g, k, x.shape, strides, pads, dil, first), g, k)


@needs_torch
@pytest.mark.parametrize("kind", POOLS)
@given(case=pool_cases(), seed=SEEDS)
def test_float32_pools(kind, case, seed):
    first = case["first"]
    x = distinct(np.random.default_rng(seed), case["x_shape"])
    float32_agrees_with_torch(
        lambda x: POOLS[kind][0](x, case["size"], case["strides"], case["padding"],
                                 layout(first)),
        lambda x: t_pool2d(kind, x, case["size"], case["strides"], case["pads"], first), x)


# --- central differences ----------------------------------------------------------------------


SMALL = [
    ("conv2d same stride 2", lambda x, k: ag.conv2d(x, k, 2, "same"), (1, 5, 4, 2), (3, 2, 2, 2)),
    ("conv2d channels_first dilated, pairs",
     lambda x, k: ag.conv2d(x, k, 1, ((1, 0), (0, 2)), 2, "channels_first"),
     (2, 2, 4, 3), (2, 2, 2, 2)),
    ("conv1d", lambda x, k: ag.conv1d(x, k, 2, "same"), (2, 5, 2), (3, 2, 3)),
    ("conv2d_transpose", lambda x, k: ag.conv2d_transpose(x, k, (5, 4), 2, "same"),
     (1, 3, 2, 2), (3, 2, 3, 2)),
    ("bias_add", lambda x, b: ag.bias_add(x, b, "channels_first"), (2, 3, 2, 2), (3,)),
    ("max_pool2d overlapping", lambda x: ag.max_pool2d(x, 3, 2, "same"), (2, 5, 5, 2)),
    ("avg_pool2d same", lambda x: ag.avg_pool2d(x, (2, 3), 2, "same", "channels_first"),
     (1, 2, 5, 5)),
]


@pytest.mark.parametrize("f, shapes", [(c[1], c[2:]) for c in SMALL], ids=[c[0] for c in SMALL])
def test_derivatives_match_central_differences(f, shapes):
    rng = np.random.default_rng(1)
    arrays = [distinct(rng, shape) for shape in shapes]
    ag.gradcheck(squared(f), arrays)
    check_second_order(squared(f), *arrays)


# --- arguments as TensorFlow, Keras and PyTorch spell them ------------------------------------


def test_same_padding_puts_the_odd_pixel_at_the_bottom_right_as_tensorflow():
    """TensorFlow: ceil(H / s) outputs; padding total (out - 1) * s + k - H, half before
    (rounded down). H=4, s=2, k=3: pad (0, 1). H=5: (1, 1). H=6, k=4, s=1: (1, 2)."""
    rng = np.random.default_rng(0)
    for h, k, s, pads in ((4, 3, 2, (0, 1)), (5, 3, 2, (1, 1)), (6, 4, 1, (1, 2))):
        x, kernel = rng.normal(size=(1, h, h, 2)), rng.normal(size=(k, k, 2, 3))
        same = ag.conv2d(x, kernel, s, "same")
        assert same.shape == (1, -(-h // s), -(-h // s), 3)
        np.testing.assert_array_equal(same.data, ag.conv2d(x, kernel, s, (pads, pads)).data)
        pooled = ag.avg_pool2d(x, k, s, "same")
        assert pooled.shape == (1, -(-h // s), -(-h // s), 2)


def test_tensorflow_and_pytorch_spellings_agree():
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=(2, 7, 6, 3)), rng.normal(size=(3, 2, 3, 4))
    expected = ag.conv2d(x, k, (2, 1), ((1, 2), (0, 1)), (2, 1)).data
    for spelling in [
            dict(strides=[1, 2, 1, 1], padding=[[0, 0], [1, 2], [0, 1], [0, 0]],
                 dilations=[1, 2, 1, 1], data_format="NHWC"),
            dict(strides=(2, 1), padding=((1, 2), (0, 1)), dilation=(2, 1))]:
        np.testing.assert_array_equal(ag.conv2d(x, k, **spelling).data, expected)
    first = ag.conv2d(x.transpose(0, 3, 1, 2), k.transpose(3, 2, 0, 1), [1, 1, 2, 1],
                      [[0, 0], [0, 0], [1, 2], [0, 1]], data_format="NCHW", dilations=(2, 1))
    np.testing.assert_allclose(first.data.transpose(0, 2, 3, 1), expected, rtol=1e-12)
    np.testing.assert_array_equal(ag.conv2d(x, k, padding="SAME").data,
                                  ag.conv2d(x, k, padding="same").data)
    np.testing.assert_array_equal(ag.conv2d(x, k, padding=1).data,
                                  ag.conv2d(x, k, padding=((1, 1), (1, 1))).data)


def test_bias_adds_one_value_per_channel():
    x = np.zeros((2, 3, 4, 5))
    b = np.arange(5.0)
    np.testing.assert_array_equal(ag.bias_add(x, b).data, x + b)
    np.testing.assert_array_equal(ag.bias_add(x.transpose(0, 3, 1, 2), b, "NCHW").data,
                                  (x + b).transpose(0, 3, 1, 2))
    k = np.ones((1, 1, 5, 2))
    y = ag.conv2d(x, k, bias=[1.0, -1.0])
    np.testing.assert_array_equal(y.data[..., 0], 1.0)
    np.testing.assert_array_equal(y.data[..., 1], -1.0)


@pytest.mark.parametrize("channels_first", [False, True])
def test_a_large_patch_matrix_is_made_block_by_block_with_the_same_results(monkeypatch,
                                                                           channels_first):
    # A layer whose patch matrix is larger than its output (3*3*4 > 5 channels) makes it
    # in blocks of images, in forward and for dL/dk: blocks of one, two and all five images
    # give the same numbers.
    from autograd_core.ops import _windows

    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 4, 7, 6) if channels_first else (5, 7, 6, 4))
    k = rng.normal(size=(5, 4, 3, 3) if channels_first else (3, 3, 4, 5))
    fmt = "channels_first" if channels_first else "channels_last"
    results = []
    for images in (1, 2, 5):
        per_image = 5 * 4 * 3 * 3 * 4 * 8  # output pixels * patch width * 8 bytes
        monkeypatch.setattr(_windows, "PATCH_BLOCK", images * per_image)
        xv, kv = ag.Value(x), ag.Value(k)
        y = ag.conv2d(xv, kv, padding=1, strides=(1, 2), data_format=fmt)
        assert y.op.cols is None
        (y * y).sum().backward()
        results.append((y.data, xv.grad, kv.grad))
    for y, dx, dk in results[:2]:
        np.testing.assert_allclose(y, results[2][0], rtol=1e-12)
        # y's last bits may differ (BLAS may round a product of fewer rows otherwise), and
        # dx is computed from y's
        np.testing.assert_allclose(dx, results[2][1], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dk, results[2][2], rtol=1e-12)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pooling_block_by_block_of_images_gives_the_same_results(monkeypatch, padding):
    # Pooling runs over blocks of images (``POOL_BLOCK`` bytes): blocks of one image and
    # the whole batch agree, ties and NaN included.
    from autograd_core.ops import _windows

    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, size=(5, 7, 6, 3)).astype(np.float64)  # many ties
    x[1, 2, 3, 0] = np.nan
    results = []
    for block in (1, 1 << 30):
        monkeypatch.setattr(_windows, "POOL_BLOCK", block)
        xv = ag.Value(x)
        y = ag.max_pool2d(xv, 3, strides=2, padding=padding)
        y.backward(np.arange(y.data.size, dtype=float).reshape(y.shape))
        results.append((y.data, xv.grad))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 40, 300, 64), (1, 1, 2, 70000),
                                   (0, 3, 4, 5), (3, 7)])
@pytest.mark.parametrize("channels_first", [False, True])
def test_the_fused_bias_adds_b_to_each_channel_whatever_the_image_size(shape, channels_first):
    # The conv's bias is added over stretches of b repeated: a whole image (the first
    # shape), one row of it (the second: an image of 768 K numbers) or one pixel (the third:
    # a row of 140 K numbers); channels first and the rest take numpy's add.
    from autograd_core.ops import _windows

    rng = np.random.default_rng(0)
    axis = 1 if channels_first else len(shape) - 1
    y = rng.normal(size=shape).astype(np.float32)
    b = rng.normal(size=shape[axis]).astype(np.float32)
    expected = y + _windows.bias_shaped(b, axis, y.ndim)
    _windows.add_bias_in_place(y, b, axis)
    np.testing.assert_array_equal(y, expected)


@needs_torch
def test_an_empty_batch_gives_empty_outputs_and_zero_gradients_as_torch():
    x, k = np.zeros((0, 2, 5, 5)), np.ones((3, 2, 3, 3))
    compare_with_torch(lambda x, k: ag.conv2d(x, k, data_format="channels_first"),
                       lambda x, k: torch.nn.functional.conv2d(x, k), x, k)
    compare_with_torch(lambda x: ag.max_pool2d(x, data_format="channels_first"),
                       lambda x: torch.nn.functional.max_pool2d(x, 2), x)
    compare_with_torch(lambda x: ag.avg_pool2d(x, data_format="channels_first"),
                       lambda x: torch.nn.functional.avg_pool2d(x, 2), x)


def test_the_ops_read_as_maths_in_drawings():
    """The first paragraph of each op's docstring is what the graph drawing and the stepper
    show: a forward formula and one dL/d part per input, named like forward's parameters."""
    from autograd_core.labels import formula_lines, op_formula

    for op_cls, names in ((ag.ops.Conv2D, "xk"), (ag.ops.Conv2DTranspose, "xk"),
                          (ag.ops.Conv2DBackpropFilter, ("x", "dy")), (ag.ops.BiasAdd, "xb"),
                          (ag.ops.MaxPool2D, "x"), (ag.ops.MaxPool2DBackprop, ("dy",)),
                          (ag.ops.AvgPool2D, "x"), (ag.ops.AvgPool2DBackprop, ("dy",))):
        forward, derivative = op_formula(op_cls.__new__(op_cls))
        assert forward.startswith("y = ")
        parts = formula_lines(derivative)
        assert [p.split(" = ")[0] for p in parts] == [f"dL/d{n}" for n in names], parts


def test_float32_gradients_through_pools_and_conv_stay_float32():
    x = ag.Value(np.random.default_rng(0).normal(size=(2, 6, 6, 1)).astype(np.float32))
    k = ag.Value(np.ones((3, 3, 1, 2), np.float32))
    b = ag.Value(np.zeros(2, np.float32))
    y = ag.avg_pool2d(ag.max_pool2d(ag.conv2d(x, k, padding="same", bias=b), 2), 3, 1, "same")
    y.sum().backward()
    assert y.dtype == x.grad.dtype == k.grad.dtype == b.grad.dtype == np.float32


# --- errors: raised before any work, naming the op, the argument and the shapes ---------------


ERRORS = [
    (lambda: ag.conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4))),
     r"conv2d: x has 3 channels \(shape \(1, 5, 5, 3\).*kernel has 2 in_channels "
     r"\(shape \(3, 3, 2, 4\)"),
    (lambda: ag.conv2d(np.ones((1, 3, 5, 5)), np.ones((4, 2, 3, 3)), data_format="NCHW"),
     r"conv2d: x has 3 channels .*\(batch, channels, height, width\).*kernel has 2"),
    (lambda: ag.conv2d(np.ones((1, 4, 4, 1)), np.ones((5, 3, 1, 1))),
     r"conv2d: the kernel \(shape \(5, 3, 1, 1\), dilations \(1, 1\)\) spans 5x3 pixels, more "
     r"than the padded input's 4x4 \(x shape \(1, 4, 4, 1\), padding 'valid'\)"),
    (lambda: ag.conv2d(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 1)), dilation=2, padding=(0, 1)),
     r"conv2d: the kernel .*dilations \(2, 2\)\) spans 5x5 pixels, more than the padded "
     r"input's 4x6 \(x shape \(1, 4, 4, 1\), padding \(\(0, 0\), \(1, 1\)\)\)"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="full"),
     r"conv2d: padding must be 'valid', 'same', an int, 2 ints or pairs .*got 'full'"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding=-1),
     r"conv2d: padding must be .*got -1"),
    (lambda: ag.conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1))),
     r"conv2d: x must be 4-D \(batch, height, width, channels\), got shape \(5, 5, 1\)"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1))),
     r"conv2d: kernel must be 4-D \(kh, kw, in_channels, out_channels\), got shape \(3, 3, 1\)"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), strides=0),
     r"conv2d: strides must be a positive int or 2 of them, got 0"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), strides=[2, 1, 1, 1]),
     r"conv2d: strides \[2, 1, 1, 1\] steps along the batch or channel axis"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), data_format="NWHC"),
     r"conv2d: data_format must be 'channels_last' \('NHWC'\) or 'channels_first'"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), dilation=2, dilations=3),
     r"conv2d: got dilation=2 and dilations=3"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 2)), bias=np.ones(3)),
     r"conv2d: bias must have shape \(2,\), one per out_channel of the kernel \(shape "
     r"\(3, 3, 1, 2\)\), got shape \(3,\)"),
    (lambda: ag.bias_add(np.ones((1, 3, 3, 2)), np.ones(3)),
     r"bias_add: bias must have shape \(2,\), one per channel of x \(shape \(1, 3, 3, 2\)"),
    (lambda: ag.conv1d(np.ones((1, 5, 5, 1)), np.ones((3, 1, 1))),
     r"conv1d: x must be 3-D \(batch, width, channels\), got shape \(1, 5, 5, 1\)"),
    (lambda: ag.conv1d(np.ones((1, 5, 2)), np.ones((3, 1, 1))),
     r"conv1d: x has 2 channels .*kernel has 1 in_channels \(shape \(3, 1, 1\), "
     r"\(kw, in_channels, out_channels\)\)"),
    (lambda: ag.conv2d_transpose(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 5))),
     r"conv2d_transpose: x has 2 channels .*kernel has 5 out_channels"),
    (lambda: ag.conv2d_transpose(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 2)), (9, 9), 2),
     r"conv2d_transpose: output_shape \(9, 9\) does not fit x of shape \(1, 3, 3, 2\): "
     r"conv2d with these strides and padding maps 9x9 images to 4x4, not 3x3"),
    (lambda: ag.max_pool2d(np.ones((1, 5, 5)), 2),
     r"max_pool2d: x must be 4-D \(batch, height, width, channels\), got shape \(1, 5, 5\)"),
    (lambda: ag.max_pool2d(np.ones((1, 2, 5, 1)), 3),
     r"max_pool2d: the pool window \(pool_size \(3, 3\)\) spans 3x3 pixels, more than the "
     r"padded input's 2x5 \(x shape \(1, 2, 5, 1\)"),
    (lambda: ag.avg_pool2d(np.ones((1, 5, 5, 1)), 2, padding=1),
     r"avg_pool2d: padding must be 'valid' or 'same', got 1"),
    (lambda: ag.avg_pool2d(np.ones((1, 5, 5, 1)), 2, padding="full"),
     r"avg_pool2d: padding must be 'valid' or 'same', got 'full'"),
    (lambda: ag.max_pool1d(np.ones((1, 5, 5, 1)), 2),
     r"max_pool1d: x must be 3-D \(batch, width, channels\), got shape \(1, 5, 5, 1\)"),
]


@pytest.mark.parametrize("call, message", ERRORS)
def test_errors_name_the_op_the_argument_and_the_shapes(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_zero_channels_are_empty_sums():
    """No input channels: every output is an empty sum, 0 (PyTorch returns an empty
    tensor instead); no output channels: an empty output (PyTorch refuses the kernel)."""
    x, k = ag.Value(np.zeros((1, 5, 5, 0))), ag.Value(np.zeros((3, 3, 0, 2)))
    y = ag.conv2d(x, k, bias=[1.0, 2.0])
    np.testing.assert_array_equal(y.data, np.broadcast_to([1.0, 2.0], (1, 3, 3, 2)))
    y.sum().backward()
    assert x.grad.shape == x.shape and k.grad.shape == k.shape
    y = ag.conv2d(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 0)))
    assert y.shape == (1, 3, 3, 0)


@needs_torch
def test_the_benchmark_times_the_same_maths_in_both_libraries():
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
    import conv as bench

    data = bench.layer_data()
    bench.check_same_maths(data, bench.seeds(data))


@needs_torch
@pytest.mark.parametrize("c_in, c_out, kept", [(1, 16, True), (4, 8, False)])
def test_conv2d_keeps_its_patch_matrix_only_when_no_larger_than_its_output(c_in, c_out, kept):
    """A 3x3 kernel's patch matrix holds 9 * c_in numbers a pixel, y c_out: kept for dL/dk
    when 9 * c_in <= c_out, else made again in backward; the gradients are torch's either way."""
    rng = np.random.default_rng(0)
    x, k, b = rng.normal(size=(2, 6, 5, c_in)), rng.normal(size=(3, 3, c_in, c_out)), \
        rng.normal(size=c_out)
    xv, kv, bv = ag.Variable(x), ag.Variable(k), ag.Variable(b)
    y = ag.conv2d(xv, kv, padding=1, bias=bv)
    assert (y.op.cols is not None) == kept
    (y * y).sum().backward()
    xt, kt, bt = (torch.tensor(a, requires_grad=True) for a in (x, k, b))
    yt = t_conv2d(xt, kt, (1, 1), ((1, 1), (1, 1)), (1, 1), False, bt)
    (yt * yt).sum().backward()
    for ours, theirs in ((xv, xt), (kv, kt), (bv, bt)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-10)
