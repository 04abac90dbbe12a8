"""The volumetric family: ag.conv3d, conv3d_transpose, max_pool3d and avg_pool3d against
PyTorch (values, first and second derivatives) and central differences, and the 3-D
layers of nn.volumetric (Keras's and PyTorch's) training, saving and refusing."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import optim
from derivatives import compare_with_torch
from nn import volumetric as v

try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
FEW = settings(max_examples=15, deadline=None)


def _last(t):
    """(N, C, D, H, W) -> (N, D, H, W, C)."""
    return t.permute(0, 2, 3, 4, 1)


def _first(t):
    return t.permute(0, 4, 1, 2, 3)


def _same(n, span, stride):
    """TensorFlow's "same" along one axis: (before, after), the odd cell after."""
    total = max((-(-n // stride) - 1) * stride + span - n, 0)
    return total // 2, total - total // 2


def _torch_pads(pairs):
    """Three (before, after) pairs as F.pad's order: last axis first."""
    return tuple(n for pair in reversed(pairs) for n in pair)


# --- conv3d against PyTorch -------------------------------------------------------------


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    size = tuple(draw(st.integers(1, 3)) for _ in range(3))
    strides = tuple(draw(st.integers(1, 2)) for _ in range(3))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(3))
    padding = draw(st.sampled_from(["valid", "same", "ints", "pairs"]))
    if padding == "ints":
        padding = tuple(draw(st.integers(0, 2)) for _ in range(3))
    elif padding == "pairs":
        padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(3))
    spans = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
    shape = (draw(st.integers(1, 2)),) + tuple(draw(st.integers(s, s + 3)) for s in spans)
    return (shape + (c_in,), size + (c_in // groups, c_out), strides, padding, dilation,
            groups, draw(st.booleans()), draw(st.integers(0, 2**16)))


@needs_torch
@FEW
@given(conv_cases())
def test_conv3d_matches_torch_in_both_layouts(case):
    x_shape, k_shape, strides, padding, dilation, groups, first, seed = case
    rng = np.random.default_rng(seed)
    x, k, b = (rng.normal(size=s) for s in (x_shape, k_shape, k_shape[-1:]))
    spatial = x_shape[1:4]
    spans = [(n - 1) * d + 1 for n, d in zip(k_shape[:3], dilation)]
    if padding == "same":
        pairs = [_same(n, s, st_) for n, s, st_ in zip(spatial, spans, strides)]
    elif padding == "valid":
        pairs = [(0, 0)] * 3
    elif isinstance(padding[0], int):
        pairs = [(p, p) for p in padding]
    else:
        pairs = list(padding)
    xt = TF.pad(_first(torch.tensor(x)), _torch_pads(pairs))
    expected = TF.conv3d(xt, torch.tensor(k).permute(4, 3, 0, 1, 2), torch.tensor(b), strides, 0,
                         dilation, groups).numpy()
    if first:
        y = ag.conv3d(x.transpose(0, 4, 1, 2, 3), k.transpose(4, 3, 0, 1, 2), strides, padding,
                      dilation, "channels_first", bias=b, groups=groups)
    else:
        y = ag.conv3d(x, k, strides, padding, dilation, bias=b, groups=groups)
        expected = expected.transpose(0, 2, 3, 4, 1)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-12)


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("stride, padding, dilation, groups", [
    (1, 0, 1, 1), ((2, 1, 2), (1, 0, 1), 1, 2), (1, "same", (2, 1, 1), 1)])
def test_conv3d_first_and_second_derivatives_match_torch(stride, padding, dilation, groups):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 2, 4, 4, 3)), rng.normal(size=(2, 2 // groups, 2, 3, 2)), \
        rng.normal(size=2)
    compare_with_torch(
        lambda x, w, b: v.conv3d(x, w, b, stride, padding, dilation, groups),
        lambda x, w, b: TF.conv3d(x, w, b, stride, padding, dilation, groups), x, w, b)


@needs_torch
@pytest.mark.parametrize("stride, padding, output_padding, dilation, groups", [
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 1), ((2, 1, 3), (1, 0, 1), (1, 0, 2), (1, 2, 1), 2)])
def test_conv_transpose3d_matches_torch(stride, padding, output_padding, dilation, groups):
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(2, 2, 3, 2, 3)), rng.normal(size=(2, 3, 2, 2, 3)), \
        rng.normal(size=3 * groups)
    compare_with_torch(
        lambda x, w, b: v.conv_transpose3d(x, w, b, stride, padding, output_padding, groups,
                                           dilation),
        lambda x, w, b: TF.conv_transpose3d(x, w, b, stride, padding, output_padding, groups,
                                            dilation), x, w, b)


@needs_torch
def test_conv3d_transpose_is_conv3ds_input_gradient_in_channels_last():
    rng = np.random.default_rng(3)
    x, k, g = rng.normal(size=(2, 5, 6, 7, 2)), rng.normal(size=(3, 2, 3, 2, 4)), None
    for strides, padding in ((1, "valid"), ((2, 1, 2), "same"), (2, ((1, 0), (0, 1), (1, 1)))):
        xv = ag.Variable(x)
        y = ag.conv3d(xv, k, strides, padding)
        g = rng.normal(size=y.shape)
        (y * g).sum().backward()
        dx = ag.conv3d_transpose(g, k, x.shape[1:4], strides, padding)
        np.testing.assert_allclose(dx.numpy(), xv.grad, rtol=1e-10, atol=1e-12)


def test_conv3d_gradients_against_central_differences():
    rng = np.random.default_rng(4)
    x, k, b = rng.normal(size=(1, 3, 3, 4, 2)), rng.normal(size=(2, 2, 2, 2, 3)), \
        rng.normal(size=3)
    ag.gradcheck(lambda x, k, b: ag.conv3d(x, k, (1, 1, 2), "same", bias=b), [x, k, b])
    ag.gradcheck(lambda x, k: ag.conv3d_transpose(x, k, strides=2, padding="same"),
                 [rng.normal(size=(1, 2, 2, 2, 3)), rng.normal(size=(2, 2, 2, 2, 3))])
    ag.gradcheck(lambda x: ag.max_pool3d(x, 2, 1, "same"), [rng.permutation(48)
                                                              .reshape(1, 2, 3, 4, 2) * 1.0])
    ag.gradcheck(lambda x: ag.avg_pool3d(x, (2, 3, 2), (1, 2, 1), "same",
                                         "channels_first"), [rng.normal(size=(1, 2, 3, 4, 3))])


def test_conv3d_and_its_transpose_are_one_op_each():
    x, k = ag.Variable(np.ones((2, 9, 5, 5, 1))), ag.Variable(np.ones((3, 3, 3, 1, 2)))
    y = ag.conv3d(x, k, strides=2)
    assert type(y.op) is ag.ops.Conv3D and y.inputs == (x, k)
    b = ag.Variable(np.zeros(2))
    assert type(ag.conv3d(x, k, bias=b).op) is ag.ops.Conv3DBias
    up = ag.conv3d_transpose(y, k, x.shape[1:4], strides=2)
    assert type(up.op) is ag.ops.Conv3DTranspose and up.inputs == (y, k)


# --- pooling against PyTorch ------------------------------------------------------------


@st.composite
def pool_cases(draw):
    size = tuple(draw(st.integers(1, 3)) for _ in range(3))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(3))
    padding = draw(st.sampled_from(["valid", "same", "explicit"]))
    if padding == "explicit":
        padding = tuple((draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1)))
                        for k in size)
    shape = (draw(st.integers(1, 2)),) + tuple(draw(st.integers(k, k + 3)) for k in size) + \
        (draw(st.integers(1, 2)),)
    return shape, size, strides, padding, draw(st.booleans()), draw(st.integers(0, 2**16))


@needs_torch
@FEW
@given(pool_cases())
def test_pools_match_torch_with_tensorflows_padding(case):
    """Max pooling pads with -inf; average pooling divides by the real cells only (the
    window sums over zero padding divided by the counts of a ones volume, in PyTorch)."""
    shape, size, strides, padding, first, seed = case
    x = np.random.default_rng(seed).normal(size=shape)
    if padding == "same":
        pairs = [_same(n, k, s) for n, k, s in zip(shape[1:4], size, strides)]
    else:
        pairs = [(0, 0)] * 3 if padding == "valid" else list(padding)
    xt, pads = _first(torch.tensor(x)), _torch_pads(pairs)
    expect_max = TF.max_pool3d(TF.pad(xt, pads, value=-np.inf), size, strides)
    sums = TF.avg_pool3d(TF.pad(xt, pads), size, strides, divisor_override=1)
    counts = TF.avg_pool3d(TF.pad(torch.ones_like(xt), pads), size, strides,
                           divisor_override=1)
    for ours, expected in ((ag.max_pool3d, expect_max), (ag.avg_pool3d, sums / counts)):
        if first:
            y = ours(x.transpose(0, 4, 1, 2, 3), size, strides, padding, "channels_first")
            np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)
        else:
            y = ours(x, size, strides, padding)
            np.testing.assert_allclose(y.numpy(), _last(expected).numpy(), rtol=1e-12,
                                       atol=1e-12)


@needs_torch
@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 1), padding=(1, 1, 0), ceil_mode=True)])
def test_max_pool3d_derivatives_match_torch(kwargs):
    x = np.random.default_rng(5).permutation(2 * 2 * 5 * 6 * 4).reshape(2, 2, 5, 6, 4) / 7
    compare_with_torch(lambda x: v.max_pool3d(x, **kwargs), lambda x: TF.max_pool3d(x, **kwargs),
                       x)


@needs_torch
@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=(1, 2, 2), padding=1, count_include_pad=False),
    dict(kernel_size=(2, 3, 2), padding=(1, 1, 0), divisor_override=5)])
def test_avg_pool3d_derivatives_match_torch(kwargs):
    x = np.random.default_rng(6).normal(size=(2, 2, 5, 6, 4))
    compare_with_torch(lambda x: v.avg_pool3d(x, **kwargs), lambda x: TF.avg_pool3d(x, **kwargs),
                       x)


@needs_torch
@pytest.mark.parametrize("output_size", [1, (2, 3, 4), (None, 4, 3)])
def test_adaptive_avg_pool3d_matches_torch(output_size):
    x = np.random.default_rng(7).normal(size=(2, 3, 5, 6, 7))
    compare_with_torch(lambda x: v.adaptive_avg_pool3d(x, output_size),
                       lambda x: TF.adaptive_avg_pool3d(x, output_size), x)
    unbatched = v.adaptive_avg_pool3d(x[0], output_size).numpy()
    np.testing.assert_allclose(unbatched, TF.adaptive_avg_pool3d(torch.tensor(x[0]),
                                                                 output_size).numpy())


@needs_torch
def test_max_pool3d_ties_go_to_the_first_maximum_as_torch():
    x = np.ones((1, 1, 4, 4, 4))
    xv, xt = ag.Variable(x), torch.tensor(x, requires_grad=True)
    v.max_pool3d(xv, 2, 1).sum().backward()
    TF.max_pool3d(xt, 2, 1).sum().backward()
    np.testing.assert_array_equal(xv.grad, xt.grad.numpy())
    assert xv.grad.sum() == 27 and xv.grad[0, 0, 3].sum() == 0   # the last slice never wins


def test_padding_never_wins_and_is_never_counted():
    x = -np.ones((1, 1, 2, 2, 1))   # all negative: a zero from the padding would win
    assert ag.max_pool3d(x, 2, 1, "same").numpy().max() == -1
    np.testing.assert_array_equal(ag.avg_pool3d(x, 3, 1, "same").numpy(), x)


# --- Keras's layers ---------------------------------------------------------------------


def test_a_keras_conv3d_model_fits_and_its_loss_falls():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(16, 4, 6, 6, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3, 4)) > 0).astype(int)
    model = nn.Sequential([
        v.Conv3D(4, 3, padding="same", activation="relu", input_shape=(4, 6, 6, 1), seed=1),
        v.MaxPooling3D(2), v.GlobalAveragePooling3D(), nn.Dense(2, activation="softmax")])
    assert [layer.output_shape for layer in model.layers] == [
        (None, 4, 6, 6, 4), (None, 2, 3, 3, 4), (None, 4), (None, 2)]
    assert model.count_params() == 3 * 3 * 3 * 4 + 4 + 4 * 2 + 2
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 2 and losses[1] < losses[0]


def test_keras_layers_shapes_in_both_layouts():
    x = np.random.default_rng(9).normal(size=(2, 4, 5, 6, 3)).astype(np.float32)
    xf = x.transpose(0, 4, 1, 2, 3)
    cases = [
        (v.Conv3D(2, (1, 2, 3), strides=(1, 2, 1)), (2, 4, 2, 4, 2)),
        (v.Conv3DTranspose(2, 3, strides=2, padding="same"), (2, 8, 10, 12, 2)),
        (v.MaxPool3D(2, padding="same"), (2, 2, 3, 3, 3)),
        (v.AvgPool3D((1, 2, 2)), (2, 4, 2, 3, 3)),
        (v.GlobalMaxPooling3D(keepdims=True), (2, 1, 1, 1, 3)),
        (v.UpSampling3D((1, 2, 3)), (2, 4, 10, 18, 3)),
        (v.ZeroPadding3D(((1, 0), 2, (0, 3))), (2, 5, 9, 9, 3)),
        (v.Cropping3D(((1, 0), 2, (0, 3))), (2, 3, 1, 3, 3)),
        (v.SpatialDropout3D(0.5), (2, 4, 5, 6, 3)),
    ]
    for layer, shape in cases:
        assert layer(x).shape == shape, type(layer).__name__
        config = layer.get_config()
        config.pop("name")
        twin = type(layer)(**{**config, "data_format": "channels_first"})
        assert twin(xf).shape == (shape[0], shape[-1]) + shape[1:4], type(layer).__name__


def test_keras_conv3d_matches_the_op_and_channels_first_holds_the_same_kernel():
    x = np.random.default_rng(10).normal(size=(2, 3, 4, 5, 2))
    last = v.Conv3D(3, 2, padding="same", use_bias=False, dtype="float64")
    first = v.Conv3D(3, 2, padding="same", use_bias=False, data_format="channels_first",
                     dtype="float64")
    y = last(x)
    first(x.transpose(0, 4, 1, 2, 3))
    first.W.assign(last.W.numpy())
    np.testing.assert_allclose(first(x.transpose(0, 4, 1, 2, 3)).numpy(),
                               y.numpy().transpose(0, 4, 1, 2, 3), rtol=1e-12)
    np.testing.assert_allclose(y.numpy(), ag.conv3d(x, last.W.numpy(), 1, "same").numpy())


def test_keras_configs_round_trip_and_a_model_saves_whole(tmp_path):
    layers = [v.Conv3D(2, 3, strides=(1, 2, 1), padding="same", activation="relu",
                       kernel_regularizer="l2", input_shape=(4, 6, 6, 2)),
              v.Conv3DTranspose(2, 2, strides=2, output_padding=1),
              v.AveragePooling3D(2, strides=(2, 1, 1)), v.ZeroPadding3D(1), v.Cropping3D(1),
              v.UpSampling3D(2), v.SpatialDropout3D(0.2), v.GlobalAveragePooling3D()]
    for layer in layers:
        config = layer.get_config()
        json.dumps(config)
        assert type(layer).from_config(config).get_config() == config
    model = nn.Sequential(layers + [nn.Dense(1)])
    x = np.random.default_rng(11).normal(size=(2, 4, 6, 6, 2)).astype(np.float32)
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "volumes.keras")
    loaded = nn.load_model(tmp_path / "volumes.keras")
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)
    rebuilt = nn.model_from_json(model.to_json())
    assert rebuilt.layers[1].output_padding == (1, 1, 1)


# --- PyTorch's layers -------------------------------------------------------------------


class VolumeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = v.Conv3d(1, 4, 3, padding=1)
        self.bn = v.BatchNorm3d(4)
        self.pool = v.MaxPool3d(2)
        self.gap = v.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        h = self.gap(self.pool(ag.relu(self.bn(self.conv(x)))))
        return self.fc(ag.reshape(h, (h.shape[0], -1)))


def test_a_torch_style_net_trains_with_sgd():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(8, 1, 4, 6, 6)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3, 4)) > 0).astype(np.int64)
    model = VolumeNet()
    assert [name for name, _ in model.named_parameters()] == [
        "conv.weight", "conv.bias", "bn.weight", "bn.bias", "fc.weight", "fc.bias"]
    opt = optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(5):
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(float(loss.numpy()))
    assert losses[-1] < losses[0]
    assert float(model.bn.num_batches_tracked.numpy()) == 5


@needs_torch
def test_torch_layers_match_torchs():
    ag.set_default_dtype(ag.float64)  # the layers without weights compute in it
    torch.manual_seed(0)
    x = np.random.default_rng(13).normal(size=(2, 4, 4, 5, 6))
    pairs = [
        (v.Conv3d(4, 6, (2, 3, 1), stride=(1, 2, 1), padding=1, groups=2, dtype="float64"),
         torch.nn.Conv3d(4, 6, (2, 3, 1), stride=(1, 2, 1), padding=1, groups=2).double()),
        (v.Conv3d(4, 2, 3, padding="same", padding_mode="reflect", dtype="float64"),
         torch.nn.Conv3d(4, 2, 3, padding="same", padding_mode="reflect").double()),
        (v.ConvTranspose3d(4, 2, 3, stride=2, padding=1, output_padding=1, dtype="float64"),
         torch.nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1, output_padding=1).double()),
        (v.BatchNorm3d(4, dtype="float64"), torch.nn.BatchNorm3d(4).double()),
        (v.MaxPool3d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool3d(3, 2, 1, ceil_mode=True)),
        (v.AvgPool3d(2, padding=1, count_include_pad=False),
         torch.nn.AvgPool3d(2, padding=1, count_include_pad=False)),
        (v.AdaptiveAvgPool3d((2, None, 3)), torch.nn.AdaptiveAvgPool3d((2, None, 3))),
        (v.ConstantPad3d((1, 0, 2, 1, 0, 1), 3.5), torch.nn.ConstantPad3d((1, 0, 2, 1, 0, 1), 3.5)),
        (v.ZeroPad3d(1), torch.nn.ZeroPad3d(1)),
        (v.ReflectionPad3d((1, 2, 0, 1, 2, 0)), torch.nn.ReflectionPad3d((1, 2, 0, 1, 2, 0))),
        (v.ReplicationPad3d(2), torch.nn.ReplicationPad3d(2)),
        (v.CircularPad3d(1), torch.nn.CircularPad3d(1)),
    ]
    for ours, theirs in pairs:
        ours.load_state_dict({k: t.detach().numpy() for k, t in theirs.state_dict().items()})
        np.testing.assert_allclose(ours(x).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=type(ours).__name__)
        config = ours.get_config()
        json.dumps(config)
        assert type(ours)(**config).get_config() == config


def test_dropout3d_drops_whole_channels_in_training_only():
    x = np.ones((4, 8, 2, 3, 3), np.float32)
    layer = v.Dropout3d(0.5, seed=1)
    y = layer(x).numpy()
    per_channel = y.reshape(4, 8, -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()
    assert 0 < (per_channel[:, :, 0] == 0).sum() < 32
    layer.eval()
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    assert v.Dropout3d(0.3).get_config()["p"] == 0.3


# --- errors: the layer, the argument and the shapes, before anything changes ------------


@pytest.mark.parametrize("call, message", [
    (lambda: ag.conv3d(np.ones((1, 4, 4, 4)), np.ones((2, 2, 2, 1, 1))),
     r"conv3d: x must be 5-D \(batch, depth, height, width, channels\), got shape \(1, 4, 4, 4\)"),
    (lambda: ag.conv3d(np.ones((1, 4, 4, 4, 3)), np.ones((2, 2, 2, 2, 4))),
     r"conv3d: x has 3 channels .* the kernel has 2 in_channels"),
    (lambda: ag.conv3d(np.ones((1, 2, 4, 4, 1)), np.ones((3, 2, 2, 1, 1))),
     r"conv3d: the kernel \(shape \(3, 2, 2, 1, 1\), dilations \(1, 1, 1\)\) spans 3x2x2 cells, "
     r"more than the padded input's 2x4x4"),
    (lambda: ag.conv3d(np.ones((1, 2, 4, 4, 1)), np.ones((1, 1, 1, 1, 1)), data_format="NHWC"),
     r"conv3d: data_format must be 'channels_last' \('NDHWC'\) or 'channels_first'"),
    (lambda: ag.conv3d(np.ones((1, 2, 4, 4, 1)), np.ones((1, 1, 1, 1, 1)), padding="full"),
     r"conv3d: padding must be 'valid', 'same', an int, 3 ints or 3 pairs"),
    (lambda: ag.conv3d(np.ones((1, 2, 4, 4, 1)), np.ones((1, 1, 1, 1, 1)), strides=(1, 0, 1)),
     r"conv3d: strides must be a positive int or 3 of them"),
    (lambda: ag.conv3d(np.ones((1, 2, 4, 4, 1)), np.ones((1, 1, 1, 1, 1)), bias=np.ones(2)),
     r"conv3d: bias must have shape \(1,\)"),
    (lambda: ag.max_pool3d(np.ones((1, 4, 4, 4, 1)), 2, 1, ((2, 0), (0, 0), (0, 0))),
     r"max_pool3d: padding .* each must be smaller than the pool window \(2, 2, 2\)"),
    (lambda: ag.avg_pool3d(np.ones((1, 4, 4, 1)), 2),
     r"avg_pool3d: x must be 5-D"),
    (lambda: ag.conv3d_transpose(np.ones((1, 2, 2, 2, 3)), np.ones((2, 2, 2, 1, 2))),
     r"conv3d_transpose: x has 3 channels"),
    (lambda: ag.conv3d_transpose(np.ones((1, 2, 2, 2, 1)), np.ones((2, 2, 2, 1, 1)),
                                 output_shape=(9, 3, 3), strides=1),
     r"conv3d_transpose: output_shape \(9, 3, 3\) does not fit x of shape \(1, 2, 2, 2, 1\)"),
])
def test_op_errors_name_the_op_the_argument_and_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_layer_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Conv3D 'c': expected input of rank 5, \(batch, "
                                         r"depth, rows, cols, channels\), got shape "
                                         r"\(2, 4, 4, 1\)"):
        v.Conv3D(2, 3, name="c")(np.ones((2, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"Conv3D 'k': kernel_size must be a positive int or "
                                         r"3 of them, got \(3, 3\)"):
        v.Conv3D(2, (3, 3), name="k")
    with pytest.raises(ValueError, match=r"MaxPooling3D 'p': max_pool3d: the pool window "
                                         r"\(pool_size \(3, 3, 3\)\) spans 3x3x3 cells"):
        v.MaxPooling3D(3, name="p")(np.ones((1, 2, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"Conv3d 'c3': expected volumes \(N, 2, D, H, W\), "
                                         r"got shape \(1, 3, 4, 4, 4\)"):
        v.Conv3d(2, 1, 3, name="c3")(np.ones((1, 3, 4, 4, 4)))
    with pytest.raises(ValueError, match=r"Conv3d: padding='same' is not supported for "
                                         r"strided"):
        v.Conv3d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"MaxPool3d: padding \(2, 2, 2\) must be at most half "
                                         r"the kernel_size \(3, 3, 3\)"):
        v.MaxPool3d(3, padding=2)
    with pytest.raises(NotImplementedError, match=r"AvgPool3d: ceil_mode=True"):
        v.AvgPool3d(2, ceil_mode=True)
    with pytest.raises(ValueError, match=r"BatchNorm3d 'b': expected input \(N, C, D, H, W\), "
                                         r"got shape \(2, 3, 4, 4\)"):
        v.BatchNorm3d(3, name="b")(np.ones((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"ZeroPadding3D 'z': padding must be an int, 3 ints "):
        v.ZeroPadding3D((1, 2), name="z")
    with pytest.raises(ValueError, match=r"ReflectionPad3d: padding must be an int or a tuple "
                                         r"of 6 ints \(left, right, top, bottom, front, back\)"):
        v.ReflectionPad3d((1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"Cropping3D 'r': cropping .* must leave something"):
        v.Cropping3D(2, name="r")(np.ones((1, 4, 5, 5, 1)))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool3d: output_size must be a positive"):
        v.adaptive_avg_pool3d(np.ones((1, 1, 2, 2, 2)), (1, 0, 1))


def test_tensorflows_layout_names_reach_the_2d_ops():
    # tf.nn.conv3d's data_format is "NDHWC" or "NCDHW": the same as channels_last/first.
    rng = np.random.default_rng(7)
    x, k = rng.normal(size=(1, 4, 4, 4, 2)), rng.normal(size=(2, 2, 2, 2, 3))
    first = np.moveaxis(x, -1, 1)
    for fn, args in ((ag.conv3d, (k, 1, "same")), (ag.max_pool3d, (2,)), (ag.avg_pool3d, (2,))):
        last = fn(x, *args).numpy()
        np.testing.assert_allclose(fn(x, *args, data_format="NDHWC").numpy(), last)
        if fn is not ag.conv3d:
            np.testing.assert_allclose(fn(first, *args, data_format="NCDHW").numpy(),
                                       np.moveaxis(last, -1, 1))
    up = rng.normal(size=(2, 2, 2, 3, 2))
    np.testing.assert_allclose(
        ag.conv3d_transpose(x, up, strides=2, data_format="NDHWC").numpy(),
        ag.conv3d_transpose(x, up, strides=2).numpy())
