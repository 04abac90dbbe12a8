"""conv3d and conv3d_transpose as ops of their own (``ops.volume_conv``): first and second
derivatives against PyTorch's double backward over strides, paddings, dilations, groups
and both layouts; the kernel-gradient op's own derivatives against central differences;
float32 kept float32; errors raised before any graph is made."""

import numpy as np
import pytest

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _torch_pads(pairs):
    """Three (before, after) pairs as F.pad's order: last axis first."""
    return tuple(n for pair in reversed(pairs) for n in pair)


def _same(n, span, stride):
    total = max((-(-n // stride) - 1) * stride + span - n, 0)
    return total // 2, total - total // 2


def _pairs(padding, spatial, size, strides, dilation):
    spans = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
    if padding == "same":
        return [_same(n, s, st) for n, s, st in zip(spatial, spans, strides)]
    if padding == "valid":
        return [(0, 0)] * 3
    if isinstance(padding[0], int):
        return [(p, p) for p in padding]
    return list(padding)


# (x shape channels last, kernel shape DHWIO, strides, padding, dilation, groups)
CONV_CASES = [
    ((2, 4, 3, 5, 2), (2, 2, 3, 2, 3), 1, "valid", 1, 1),
    ((1, 5, 4, 4, 4), (3, 2, 2, 2, 4), (2, 1, 2), "same", (1, 2, 1), 2),
    ((2, 3, 5, 4, 3), (2, 3, 2, 1, 6), (1, 2, 1), ((1, 0), (2, 1), (0, 2)), 1, 3),
    ((1, 6, 5, 5, 2), (2, 2, 2, 2, 2), 3, (1, 0, 2), (2, 1, 2), 1),
    ((1, 4, 4, 4, 4), (1, 1, 1, 4, 2), (1, 1, 2), "valid", 1, 1),  # patch matrix kept
]


@needs_torch
@pytest.mark.parametrize("first", [False, True], ids=["channels_last", "channels_first"])
@pytest.mark.parametrize("x_shape, k_shape, strides, padding, dilation, groups", CONV_CASES)
def test_conv3d_first_and_second_derivatives_match_torch(x_shape, k_shape, strides, padding,
                                                         dilation, groups, first):
    rng = np.random.default_rng(sum(x_shape) + groups)
    x, k, b = rng.normal(size=x_shape), rng.normal(size=k_shape), rng.normal(size=k_shape[-1])
    pairs = _pairs(padding, x_shape[1:4], k_shape[:3], np.broadcast_to(strides, 3),
                   np.broadcast_to(dilation, 3))

    def torch_fn(x, k, b):
        if not first:
            x, k = x.permute(0, 4, 1, 2, 3), k.permute(4, 3, 0, 1, 2)
        y = TF.conv3d(TF.pad(x, _torch_pads(pairs)), k, b, strides, 0, dilation, groups)
        return y if first else y.permute(0, 2, 3, 4, 1)

    if first:
        x, k = x.transpose(0, 4, 1, 2, 3), k.transpose(4, 3, 0, 1, 2)
    layout = "channels_first" if first else "channels_last"
    compare_with_torch(lambda x, k, b: ag.conv3d(x, k, strides, padding, dilation, layout,
                                                 bias=b, groups=groups),
                       torch_fn, x, k, b, rtol=1e-9, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("first", [False, True], ids=["channels_last", "channels_first"])
@pytest.mark.parametrize("strides, padding, dilation, groups", [
    (1, "valid", 1, 1), ((2, 1, 2), (1, 0, 1), (1, 2, 1), 2), (2, "same", 1, 1)])
def test_conv3d_transpose_first_and_second_derivatives_match_torch(strides, padding, dilation,
                                                                   groups, first):
    rng = np.random.default_rng(5)
    x, k = rng.normal(size=(2, 3, 2, 3, 4)), rng.normal(size=(2, 3, 2, 3, 4))
    out = ag.conv3d_transpose(x, k, None, strides, padding, dilation, groups=groups).shape
    pairs = _pairs(padding, out[1:4], k.shape[:3], np.broadcast_to(strides, 3),
                   np.broadcast_to(dilation, 3))
    full = tuple(n + b + a for n, (b, a) in zip(out[1:4], pairs))

    def torch_fn(x, k):
        if not first:
            x, k = x.permute(0, 4, 1, 2, 3), k.permute(4, 3, 0, 1, 2)
        # torch's transpose of a conv3d with no padding, then the padding cropped
        y = TF.conv_transpose3d(x, k, None, strides, 0, 0, groups, dilation)
        y = TF.pad(y, tuple(n for d in reversed(range(3)) for n in
                            (0, full[d] - y.shape[2 + d])))
        y = y[:, :, pairs[0][0]:pairs[0][0] + out[1], pairs[1][0]:pairs[1][0] + out[2],
              pairs[2][0]:pairs[2][0] + out[3]]
        return y if first else y.permute(0, 2, 3, 4, 1)

    if first:
        x, k = x.transpose(0, 4, 1, 2, 3), k.transpose(4, 3, 0, 1, 2)
    layout = "channels_first" if first else "channels_last"
    compare_with_torch(lambda x, k: ag.conv3d_transpose(x, k, None, strides, padding, dilation,
                                                        layout, groups=groups),
                       torch_fn, x, k, rtol=1e-9, atol=1e-10)


def test_conv3d_first_and_second_derivatives_against_central_differences():
    rng = np.random.default_rng(6)
    x, k, b = rng.normal(size=(1, 3, 3, 2, 2)), rng.normal(size=(2, 2, 1, 1, 4)), \
        rng.normal(size=4)
    ag.gradcheck(lambda x, k, b: ag.conv3d(x, k, (2, 1, 1), ((1, 0), (0, 1), (1, 1)), bias=b,
                                           groups=2), [x, k, b])
    check_second_order(lambda x, k: ag.conv3d(x, k, 1, "same", (1, 2, 1), groups=2), x, k)
    check_second_order(lambda x, k: ag.conv3d_transpose(x, k, strides=(1, 2, 1),
                                                        data_format="channels_first"),
                       rng.normal(size=(1, 2, 2, 2, 2)), rng.normal(size=(2, 3, 2, 1, 2)))


def test_the_kernel_gradient_op_has_second_derivatives():
    """Conv3DBackpropFilter, conv3d's kernel gradient as an op: its gradients with respect
    to x and dy, and theirs, against central differences."""
    from autograd_core.ops import xp
    rng = np.random.default_rng(8)
    x = rng.normal(size=(1, 3, 4, 3, 2))
    volume = ag.conv3d(ag.Value(x), np.zeros((2, 2, 2, 2, 2)), strides=(1, 2, 1),
                       padding=((0, 1), (1, 0), (1, 1))).op.volume
    dy = rng.normal(size=(1, *volume.out_dhw(x.shape[1:4]), 2))
    check_second_order(lambda x, dy: xp.conv3d_backprop_filter(x, dy, volume), x, dy)


def test_float32_stays_float32_and_matches_float64():
    rng = np.random.default_rng(9)
    x, k = rng.normal(size=(2, 5, 5, 5, 3)), rng.normal(size=(3, 3, 3, 3, 4))
    x32, k32 = ag.Variable(x.astype(np.float32)), ag.Variable(k.astype(np.float32))
    x64, k64 = ag.Variable(x), ag.Variable(k)
    y32, y64 = ag.conv3d(x32, k32, 2, "same"), ag.conv3d(x64, k64, 2, "same")
    (y32 * y32).sum().backward()
    (y64 * y64).sum().backward()
    assert y32.dtype == x32.grad.dtype == k32.grad.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), y64.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(x32.grad, x64.grad, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(k32.grad, k64.grad, rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize("call, message", [
    (lambda x: ag.conv3d(x, np.ones((2, 2, 2, 3, 4)), groups=2),
     r"conv3d: groups=2 needs x's channels to be 2 times the kernel's in_channels, but x has "
     r"3 channels \(shape \(1, 3, 3, 3, 3\)"),
    (lambda x: ag.conv3d(x, np.ones((2, 2, 2, 3, 4)), dilation=(1, 3, 1)),
     r"conv3d: the kernel \(shape \(2, 2, 2, 3, 4\), dilations \(1, 3, 1\)\) spans 2x4x2 cells"),
    (lambda x: ag.conv3d_transpose(x, np.ones((2, 2, 2, 1, 3)), groups=2),
     r"conv3d_transpose: x has 3 channels .* divisible by groups=2"),
])
def test_errors_name_the_op_the_argument_and_the_shapes_before_any_graph(call, message):
    x = ag.Variable(np.ones((1, 3, 3, 3, 3)))
    with pytest.raises(ValueError, match=message):
        call(x)
    assert x.grad is None and np.all(x.numpy() == 1)


@needs_torch
@pytest.mark.parametrize("stride, padding, output_padding, dilation", [
    (1, 0, 1, 2), ((1, 2, 1), (1, 0, 2), (2, 1, 1), (3, 1, 2))])
def test_conv_transpose3d_output_padding_below_the_dilation_matches_torch(
        stride, padding, output_padding, dilation):
    from nn import volumetric as v
    rng = np.random.default_rng(10)
    x, w, b = rng.normal(size=(1, 2, 3, 2, 3)), rng.normal(size=(2, 2, 2, 3, 2)), \
        rng.normal(size=2)
    compare_with_torch(
        lambda x, w, b: v.conv_transpose3d(x, w, b, stride, padding, output_padding, 1,
                                           dilation),
        lambda x, w, b: TF.conv_transpose3d(x, w, b, stride, padding, output_padding, 1,
                                            dilation), x, w, b)


# --- PyTorch's 3-D max poolings: dilation, return_indices, adaptive, unpooling ----------


def _distinct(shape, seed):
    """Values with no ties, so that every window's maximum is one cell."""
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.1


@needs_torch
@pytest.mark.parametrize("kernel, stride, padding, dilation, ceil_mode", [
    (2, None, 0, 1, False), (3, 2, 1, 2, False), ((2, 3, 2), (1, 2, 2), (1, 1, 0), (2, 1, 3),
                                                   True), (2, 1, 1, (1, 2, 1), True)])
def test_max_pool3d_with_dilation_and_indices_matches_torch(kernel, stride, padding, dilation,
                                                            ceil_mode):
    from nn import functional as F
    x = _distinct((2, 2, 6, 7, 8), 11)
    y, indices = F.max_pool3d(x, kernel, stride, padding, dilation, ceil_mode, True)
    t_y, t_indices = TF.max_pool3d(torch.tensor(x), kernel, stride, padding, dilation,
                                   ceil_mode, True)
    np.testing.assert_array_equal(y.numpy(), t_y.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    assert indices.dtype == np.int64
    compare_with_torch(lambda x: F.max_pool3d(x, kernel, stride, padding, dilation, ceil_mode),
                       lambda x: TF.max_pool3d(x, kernel, stride, padding, dilation, ceil_mode),
                       x)
    if dilation == 1 and not ceil_mode:  # torch's max_unpool3d: every max back in place
        unpooled = F.max_unpool3d(y, indices, kernel, stride, padding, x.shape[2:])
        np.testing.assert_array_equal(
            unpooled.numpy(), TF.max_unpool3d(t_y, t_indices, kernel, stride, padding,
                                              x.shape[2:]).numpy())


@needs_torch
@pytest.mark.parametrize("output_size", [2, (3, None, 1), (4, 5, 3)])
def test_adaptive_max_pool3d_matches_torch(output_size):
    from nn import functional as F
    x = _distinct((2, 3, 5, 4, 7), 12)
    y, indices = F.adaptive_max_pool3d(x, output_size, return_indices=True)
    t_y, t_indices = TF.adaptive_max_pool3d(torch.tensor(x), output_size, True)
    np.testing.assert_array_equal(y.numpy(), t_y.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    compare_with_torch(lambda x: F.adaptive_max_pool3d(x, output_size),
                       lambda x: TF.adaptive_max_pool3d(x, output_size), x)
    unbatched = F.adaptive_max_pool3d(x[0], output_size)
    np.testing.assert_array_equal(unbatched.numpy(), t_y.numpy()[0])


def test_max_pool3d_with_dilation_against_central_differences():
    from nn import functional as F
    x = _distinct((1, 2, 5, 4, 5), 13)
    ag.gradcheck(lambda x: F.max_pool3d(x, 2, 1, 1, (2, 1, 2)), [x])
    ag.gradcheck(lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)), [x])


@needs_torch
def test_the_3d_pooling_layers_match_torchs():
    import nn
    x = _distinct((2, 3, 6, 6, 5), 14)
    pool, t_pool = (nn.MaxPool3d(3, 2, 1, 2, return_indices=True, ceil_mode=True),
                    torch.nn.MaxPool3d(3, 2, 1, 2, return_indices=True, ceil_mode=True))
    (y, indices), (t_y, t_indices) = pool(x), t_pool(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), t_y.numpy(), rtol=1e-6)  # a layer's float32
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    y, indices = nn.MaxPool3d(2, return_indices=True)(x)
    t_y, t_indices = torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_allclose(nn.MaxUnpool3d(2)(y, indices, x.shape).numpy(),
                               torch.nn.MaxUnpool3d(2)(t_y, t_indices, x.shape).numpy(),
                               rtol=1e-6)
    for ours, theirs in ((nn.AdaptiveMaxPool3d((2, None, 3)),
                          torch.nn.AdaptiveMaxPool3d((2, None, 3))),
                         (nn.AdaptiveAvgPool3d(2), torch.nn.AdaptiveAvgPool3d(2))):
        np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).numpy(),
                                   rtol=1e-6)
    assert nn.MaxPool3d(2, dilation=2).get_config()["dilation"] == (2, 2, 2)
    with pytest.raises(ValueError, match=r"AdaptiveMaxPool3d 'a': output_size must be an int "
                                         r">= 1 \(or None\) or a tuple of 3 of them"):
        nn.AdaptiveMaxPool3d((2, 2), name="a")
    with pytest.raises(ValueError, match=r"max_pool3d: dilation must be an int >= 1 or a "
                                         r"tuple of 3"):
        nn.functional.max_pool3d(x, 2, dilation=0)
