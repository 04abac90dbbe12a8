"""Grouped convolutions and causal padding: conv2d and conv1d with kernels that take C_in / G
of x's channels (TensorFlow's rule, or PyTorch's ``groups=``), depthwise included, against
PyTorch's ``groups`` (values, gradients, double backward) and central differences; conv1d's
"causal" padding against PyTorch with the left padding written out, and against Keras's
definition (y has x's length; y[t] depends on x[:t + 1] only).

Shapes, strides, dilations, paddings and groups come from hypothesis.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch
from test_ops_conv import squared

torch = pytest.importorskip("torch")
F = torch.nn.functional

SEEDS = st.integers(0, 2**32 - 1)


def layout(first, rank=2):
    return ("channels_first" if first else "channels_last") if rank == 2 else \
        ("NCW" if first else "NWC")


@st.composite
def grouped_cases(draw, rank=2):
    """A grouped convolution: G groups of c_in channels in and c_out out each (G = C_in,
    c_in = 1: depthwise), explicit (before, after) pads, the input fitting the kernel."""
    first = draw(st.booleans())
    groups = draw(st.integers(1, 4))
    c_in = draw(st.sampled_from([1, 1, 2]))  # one in two is depthwise
    c_out = draw(st.integers(1, 2))
    size = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    dilations = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank))
    spatial = tuple(draw(st.integers(max(1, (k - 1) * d + 1 - a - b), 6))
                    for k, d, (a, b) in zip(size, dilations, pads))
    n, C, O = draw(st.integers(1, 2)), groups * c_in, groups * c_out
    return dict(first=first, groups=groups, strides=strides, dilations=dilations, pads=pads,
                x_shape=(n, C, *spatial) if first else (n, *spatial, C),
                k_shape=(O, c_in, *size) if first else (*size, c_in, O))


def to_torch_layout(x, k, first, rank):
    """x to (N, C, ...) and the kernel to (O, I, ...), contiguous (torch's double backward
    refuses permuted kernels)."""
    if first:
        return x, k
    x_axes = (0, rank + 1) + tuple(range(1, rank + 1))
    k_axes = (rank + 1, rank) + tuple(range(rank))
    return x.permute(*x_axes).contiguous(), k.permute(*k_axes).contiguous()


def t_conv(x, k, case, rank, bias=None):
    """torch's conv2d / conv1d with ``groups``, the padding applied by F.pad."""
    first = case["first"]
    x, k = to_torch_layout(x, k, first, rank)
    pads = [p for before_after in reversed(case["pads"]) for p in before_after]
    conv = F.conv2d if rank == 2 else F.conv1d
    y = conv(F.pad(x, pads), k, bias, stride=case["strides"], dilation=case["dilations"],
             groups=case["groups"])
    if first:
        return y
    return y.permute(0, *range(2, rank + 2), 1)


def ag_conv(x, k, case, rank, bias=None, groups=None):
    if rank == 2:
        return ag.conv2d(x, k, case["strides"], case["pads"], case["dilations"],
                         layout(case["first"]), bias=bias, groups=groups)
    (s,), (d,), (pads,) = case["strides"], case["dilations"], case["pads"]
    return ag.conv1d(x, k, s, pads, d, layout(case["first"], 1), bias=bias, groups=groups)


# --- against PyTorch's groups ----------------------------------------------------------------


@given(case=grouped_cases(), seed=SEEDS, explicit=st.booleans())
def test_grouped_conv2d_and_its_first_and_second_derivatives_match_torch(case, seed, explicit):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    groups = case["groups"] if explicit else None  # TensorFlow reads it from the shapes
    compare_with_torch(squared(lambda x, k: ag_conv(x, k, case, 2, groups=groups)),
                       squared(lambda x, k: t_conv(x, k, case, 2)),
                       x, k, seed=seed, rtol=1e-7, atol=1e-10)


@given(case=grouped_cases(), seed=SEEDS)
def test_grouped_conv2d_with_bias_matches_torch(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    b = rng.normal(size=case["k_shape"][0 if case["first"] else -1])
    compare_with_torch(squared(lambda x, k, b: ag_conv(x, k, case, 2, bias=b)),
                       squared(lambda x, k, b: t_conv(x, k, case, 2, bias=b)),
                       x, k, b, seed=seed, rtol=1e-7, atol=1e-10)


@given(case=grouped_cases(rank=1), seed=SEEDS)
def test_grouped_conv1d_matches_torch(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    compare_with_torch(squared(lambda x, k: ag_conv(x, k, case, 1, groups=case["groups"])),
                       squared(lambda x, k: t_conv(x, k, case, 1)),
                       x, k, seed=seed, rtol=1e-7, atol=1e-10)


@given(case=grouped_cases(), seed=SEEDS)
def test_float32_grouped_conv2d_matches_torch_and_stays_float32(case, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=case["x_shape"]).astype(np.float32)
    k = rng.normal(size=case["k_shape"]).astype(np.float32)
    xv, kv = ag.Value(x), ag.Value(k)
    y = ag_conv(xv, kv, case, 2)
    g = rng.normal(size=y.shape).astype(np.float32)
    y.backward(g)
    xt, kt = torch.tensor(x, requires_grad=True), torch.tensor(k, requires_grad=True)
    yt = t_conv(xt, kt, case, 2)
    yt.backward(torch.tensor(g))
    assert y.dtype == xv.grad.dtype == kv.grad.dtype == np.float32
    for ours, theirs in ((y.data, yt), (xv.grad, xt.grad), (kv.grad, kt.grad)):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-4, atol=1e-4)


@given(case=grouped_cases(), seed=SEEDS)
def test_grouped_conv2d_transpose_matches_torch_conv_transpose2d(case, seed):
    """conv2d_transpose(groups=G) is the transpose of the grouped conv2d: PyTorch's
    conv_transpose2d with the same weight, cropped by the padding (its own padding is
    symmetric, so it pads nothing here and the crop is ours)."""
    rng = np.random.default_rng(seed)
    first, groups = case["first"], case["groups"]
    y_shape = ag_conv(np.zeros(case["x_shape"]), np.zeros(case["k_shape"]), case, 2).shape
    x, k = rng.normal(size=y_shape), rng.normal(size=case["k_shape"])

    def t_transpose(x, k):
        x, k = to_torch_layout(x, k, first, 2)
        full = F.conv_transpose2d(x, k, stride=case["strides"], dilation=case["dilations"],
                                  groups=groups)
        h, w = case["x_shape"][2:] if first else case["x_shape"][1:3]
        (top, _), (left, _) = case["pads"]
        # rows of the padded input no window reached are 0: pad before cropping
        full = F.pad(full, (0, w + left, 0, h + top))
        out = full[:, :, top:top + h, left:left + w]
        return out if first else out.permute(0, 2, 3, 1)

    compare_with_torch(
        squared(lambda x, k: ag.conv2d_transpose(x, k, case["x_shape"], case["strides"],
                                                 case["pads"], case["dilations"],
                                                 layout(first), groups=groups)),
        squared(t_transpose), x, k, seed=seed, rtol=1e-7, atol=1e-10)


def test_depthwise_conv2d_each_channel_convolved_with_its_own_kernels():
    """Depthwise, multiplier 2 (G = C = 3, 6 out): out_channel o is channel o // 2 of x
    correlated with its own (kh, kw) kernel, a 1-channel conv2d each."""
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=(2, 7, 6, 3)), rng.normal(size=(3, 2, 1, 6))
    y = ag.conv2d(x, k, strides=(2, 1), padding="same")
    for o in range(6):
        alone = ag.conv2d(x[..., o // 2:o // 2 + 1], k[..., o:o + 1], strides=(2, 1),
                          padding="same")
        np.testing.assert_allclose(y.data[..., o], alone.data[..., 0], rtol=1e-12, atol=1e-12)


# --- central differences in float64 -----------------------------------------------------------


SMALL = [
    ("conv2d 2 groups, same, stride 2", lambda x, k: ag.conv2d(x, k, 2, "same"),
     (1, 5, 4, 4), (3, 2, 2, 4)),
    ("conv2d depthwise channels_first dilated",
     lambda x, k: ag.conv2d(x, k, 1, ((1, 0), (0, 2)), 2, "channels_first", groups=3),
     (2, 3, 4, 3), (6, 1, 2, 2)),
    ("conv2d 2 groups with bias",
     lambda x, k, b: ag.conv2d(x, k, padding=1, bias=b), (1, 4, 3, 4), (2, 2, 2, 2), (2,)),
    ("conv1d depthwise causal", lambda x, k: ag.conv1d(x, k, 1, "causal", 2),
     (2, 5, 2), (3, 1, 4)),
    ("conv2d_transpose 2 groups",
     lambda x, k: ag.conv2d_transpose(x, k, (5, 4), 2, "same", groups=2),
     (1, 3, 2, 4), (3, 2, 1, 4)),
]


@pytest.mark.parametrize("f, shapes", [(c[1], c[2:]) for c in SMALL], ids=[c[0] for c in SMALL])
def test_grouped_derivatives_match_central_differences(f, shapes):
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=shape) for shape in shapes]
    ag.gradcheck(squared(f), arrays)
    check_second_order(squared(f), *arrays)


def test_grouped_second_derivatives_match_torch_double_backward():
    """Hessian-vector products of a grouped conv2d (with bias) through PyTorch's double
    backward, fixed shapes: 4 channels in 2 groups, 6 filters."""
    rng = np.random.default_rng(5)
    x, k, b = rng.normal(size=(2, 4, 6, 5)), rng.normal(size=(6, 2, 3, 2)), rng.normal(size=6)
    compare_with_torch(
        squared(lambda x, k, b: ag.conv2d(x, k, 2, ((1, 1), (0, 1)), (1, 2), "channels_first",
                                          bias=b, groups=2)),
        squared(lambda x, k, b: F.conv2d(F.pad(x, (0, 1, 1, 1)), k, b, stride=2,
                                         dilation=(1, 2), groups=2)),
        x, k, b, seed=5, rtol=1e-8, atol=1e-10)


# --- the fast path's pieces ---------------------------------------------------------------------


@pytest.mark.parametrize("channels_first", [False, True])
@pytest.mark.parametrize("c_in, c_out, budget", [
    # 2 groups of 2 channels, 3x3: patch rows (18 numbers a group) larger than y's 3, made
    # in blocks of images for y and again for dL/dk (PATCH_BLOCK)
    (2, 3, "PATCH_BLOCK"),
    # depthwise, multiplier 1 and 2: the elementwise path, by blocks of images
    (1, 1, "DEPTHWISE_BLOCK"),
    (1, 2, "DEPTHWISE_BLOCK"),
])
def test_grouped_convolutions_block_by_block_match_torch(monkeypatch, channels_first, c_in,
                                                         c_out, budget):
    from autograd_core.ops import _grouped, _windows

    rng = np.random.default_rng(1)
    groups, n = 2 if c_in == 2 else 4, 5
    c, out = groups * c_in, groups * c_out
    x = rng.normal(size=(n, c, 7, 6) if channels_first else (n, 7, 6, c))
    k = rng.normal(size=(out, c_in, 3, 3) if channels_first else (3, 3, c_in, out))
    fmt = "channels_first" if channels_first else "channels_last"
    xt = torch.tensor(x if channels_first else x.transpose(0, 3, 1, 2), requires_grad=True)
    kt = torch.tensor(k if channels_first else k.transpose(3, 2, 0, 1), requires_grad=True)
    yt = F.conv2d(xt, kt, padding=1, stride=(1, 2), groups=groups)
    (yt * yt).sum().backward()
    expected = [a.detach().numpy() for a in (yt, xt.grad, kt.grad)]
    if not channels_first:
        expected = [expected[0].transpose(0, 2, 3, 1), expected[1].transpose(0, 2, 3, 1),
                    expected[2].transpose(2, 3, 1, 0)]
    for images in (1, 2, 5):
        per_image = 7 * 3 * 8 * (9 * c if budget == "PATCH_BLOCK" else out)
        monkeypatch.setattr(_windows if budget == "PATCH_BLOCK" else _grouped, budget,
                            images * per_image)
        xv, kv = ag.Value(x), ag.Value(k)
        y = ag.conv2d(xv, kv, padding=1, strides=(1, 2), data_format=fmt)
        assert y.op.cols is None and y.op.groups == groups
        (y * y).sum().backward()
        for got, want in zip((y.data, xv.grad, kv.grad), expected):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_a_grouped_patch_matrix_no_larger_than_y_is_kept_for_the_kernel_gradient():
    # 1x1 kernels, 2 groups of 2 channels in and 8 out: patch rows of 4 numbers, y's 8.
    rng = np.random.default_rng(2)
    x, k = rng.normal(size=(2, 3, 3, 4)), rng.normal(size=(1, 1, 2, 8))
    xv, kv = ag.Value(x), ag.Value(k)
    y = ag.conv2d(xv, kv)
    assert y.op.cols is not None and y.op.cols.shape == (2, 2 * 3 * 3, 2)
    y.backward(np.ones(y.shape))
    kt = torch.tensor(k.transpose(3, 2, 0, 1), requires_grad=True)
    F.conv2d(torch.tensor(x.transpose(0, 3, 1, 2)), kt, groups=2).sum().backward()
    np.testing.assert_allclose(kv.grad, kt.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-12)


@pytest.mark.parametrize("first", [False, True])
def test_the_stepper_terms_of_every_gradient_element_read_its_own_group(first):
    """The terms the stepper shows for an element of dL/dx and dL/dk (and of the
    transpose's and the kernel gradient's own gradients), summed, are that element."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 4, 3, 3) if first else (1, 3, 3, 4))
    k = rng.normal(size=(6, 2, 2, 2) if first else (2, 2, 2, 6))  # 2 groups
    fmt = layout(first)
    xv, kv = ag.Value(x), ag.Value(k)
    y = ag.conv2d(xv, kv, padding=((1, 0), (0, 1)), data_format=fmt)
    g = rng.normal(size=y.shape)
    y.backward(g)
    assert "2 groups of channels" in y.op.formula(y.data, x, k)[0]
    gk = rng.normal(size=k.shape)  # an upstream gradient for the kernel gradient op
    cases = [(y.op, (x, k), g, (xv.grad, kv.grad))]
    t = ag.conv2d_transpose(ag.Value(g), ag.Value(k), x.shape, 1, ((1, 0), (0, 1)),
                            data_format=fmt, groups=2)
    gt = rng.normal(size=t.shape)
    cases.append((t.op, (g, k), gt, t.op.backward(gt, t.data, g, k)))
    f = ag.ops.Conv2DBackpropFilter(y.op.window, 2)
    f.needs_grad = (True, True)
    cases.append((f, (x, g), gk, f.backward(gk, None, x, g)))
    for op, inputs, upstream, grads in cases:
        for i, grad in enumerate(grads):
            for at in np.ndindex(grad.shape):
                terms = op.element(i, at, upstream, None, *inputs)
                a, b = terms.expression.split("*")
                arrays = dict(zip(op_names(op), inputs), g=upstream)
                total = sum(arrays[a][term[a]] * arrays[b][term[b]] for term in terms.indices)
                np.testing.assert_allclose(total, grad[at], rtol=1e-10, atol=1e-12)


def op_names(op):
    return ("x", "dy") if isinstance(op, ag.ops.Conv2DBackpropFilter) else ("x", "k")


# --- causal padding -------------------------------------------------------------------------------


@st.composite
def causal_cases(draw):
    first = draw(st.booleans())
    groups = draw(st.integers(1, 3))
    c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kw, d, s = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    steps, n = draw(st.integers(1, 8)), draw(st.integers(1, 2))
    C, O = groups * c_in, groups * c_out
    return dict(first=first, groups=groups, kw=kw, dilation=d, stride=s,
                x_shape=(n, C, steps) if first else (n, steps, C),
                k_shape=(O, c_in, kw) if first else (kw, c_in, O))


@given(case=causal_cases(), seed=SEEDS)
def test_causal_conv1d_is_torch_with_the_left_padding_written_out(case, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    first, d, s, kw = case["first"], case["dilation"], case["stride"], case["kw"]

    def t_causal(x, k):
        if not first:
            x, k = x.permute(0, 2, 1).contiguous(), k.permute(2, 1, 0).contiguous()
        y = F.conv1d(F.pad(x, (d * (kw - 1), 0)), k, stride=s, dilation=d,
                     groups=case["groups"])
        return y if first else y.permute(0, 2, 1)

    compare_with_torch(
        squared(lambda x, k: ag.conv1d(x, k, s, "causal", d, layout(first, 1))),
        squared(t_causal), x, k, seed=seed, rtol=1e-7, atol=1e-10)


@given(case=causal_cases(), seed=SEEDS, data=st.data())
def test_causal_conv1d_keeps_the_length_and_never_looks_ahead(case, seed, data):
    """Keras's definition, at stride 1: y has x's length, and changing x at step t leaves
    y[:t] unchanged (and changes y[t] when the newest tap's weights are not zero)."""
    rng = np.random.default_rng(seed)
    first = case["first"]
    x, k = rng.normal(size=case["x_shape"]), rng.normal(size=case["k_shape"])
    fmt = layout(first, 1)
    y = ag.conv1d(x, k, 1, "CAUSAL", case["dilation"], fmt).data
    steps = x.shape[2] if first else x.shape[1]
    assert y.shape[2 if first else 1] == steps
    t = data.draw(st.integers(0, steps - 1))
    changed = x.copy()
    if first:
        changed[:, :, t] += 1.0
    else:
        changed[:, t, :] += 1.0
    y2 = ag.conv1d(changed, k, 1, "causal", case["dilation"], fmt).data
    before = (slice(None), slice(None), slice(0, t)) if first else (slice(None), slice(0, t))
    np.testing.assert_array_equal(y2[before], y[before])
    at = (slice(None), slice(None), t) if first else (slice(None), t)
    assert not np.allclose(y2[at], y[at])  # y[t] reads x[t] through the last tap


def test_causal_is_keras_left_padding_and_conv2d_refuses_it():
    x, k = np.arange(1.0, 6.0).reshape(1, 5, 1), np.array([1.0, 10.0, 100.0]).reshape(3, 1, 1)
    # y[t] = x[t - 4] + 10 x[t - 2] + 100 x[t] (dilation 2), zeros before the start
    y = ag.conv1d(x, k, padding="causal", dilation=2).data[0, :, 0]
    np.testing.assert_array_equal(y, [100, 200, 310, 420, 531])
    with pytest.raises(ValueError, match=r"conv2d: padding 'causal' is for conv1d only"):
        ag.conv2d(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), padding="causal")


# --- errors: raised before any work, naming the op, the argument and the shapes ---------------


ERRORS = [
    (lambda: ag.conv2d(np.ones((1, 5, 5, 6)), np.ones((3, 3, 4, 2))),
     r"conv2d: x has 6 channels \(shape \(1, 5, 5, 6\), \(batch, height, width, channels\)\) "
     r"but the kernel has 4 in_channels \(shape \(3, 3, 4, 2\), \(kh, kw, in_channels, "
     r"out_channels\)\): x's channels must be the kernel's in_channels times the number of "
     r"groups"),
    (lambda: ag.conv2d(np.ones((1, 6, 5, 5)), np.ones((4, 2, 3, 3)), data_format="NCHW"),
     r"conv2d: x has 6 channels .* and the kernel has 2 in_channels \(shape \(4, 2, 3, 3\), "
     r"\(out_channels, in_channels, kh, kw\)\), so groups = 3, but the kernel's 4 "
     r"out_channels are not divisible by 3"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 4)), np.ones((3, 3, 2, 4)), groups=4),
     r"conv2d: groups=4 needs x's channels to be 4 times the kernel's in_channels, but x "
     r"has 4 channels \(shape \(1, 5, 5, 4\).*kernel has 2 in_channels \(shape "
     r"\(3, 3, 2, 4\)"),
    (lambda: ag.conv2d(np.ones((1, 5, 5, 4)), np.ones((3, 3, 2, 4)), groups=0),
     r"conv2d: groups must be a positive int, got 0"),
    (lambda: ag.conv1d(np.ones((1, 5, 4)), np.ones((3, 2, 4)), groups=True),
     r"conv1d: groups must be a positive int, got True"),
    (lambda: ag.conv1d(np.ones((1, 5, 4)), np.ones((3, 2, 3))),
     r"conv1d: x has 4 channels \(shape \(1, 5, 4\), \(batch, width, channels\)\) and the "
     r"kernel has 2 in_channels .*so groups = 2, but the kernel's 3 out_channels"),
    (lambda: ag.conv1d(np.ones((1, 5, 1)), np.ones((3, 1, 1)), padding="causl"),
     r"conv1d: padding must be .*got 'causl'"),
    (lambda: ag.conv2d_transpose(np.ones((1, 3, 3, 3)), np.ones((3, 3, 1, 3)), groups=2),
     r"conv2d_transpose: the kernel's 3 out_channels \(shape \(3, 3, 1, 3\), \(kh, kw, "
     r"in_channels, out_channels\)\) are not divisible by groups=2"),
]


@pytest.mark.parametrize("call, message", ERRORS)
def test_errors_name_the_op_the_argument_and_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()
