"""Keras's UpSampling, ZeroPadding, Cropping, Conv2DTranspose, global 1D poolings, Lambda,
Rescaling, Permute, RepeatVector, TimeDistributed and the noise layers: values against
numpy written from Keras's semantics (Conv2DTranspose against PyTorch too), gradients
against central differences, Keras's shapes and parameter counts, training against
inference, whole-model files, and arguments refused before anything changes."""

import math

import numpy as np
import pytest
try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None

import autograd_core as ag
import nn
import optim
from derivatives import check_second_order, compare_with_torch
from nn import model_saving
from nn.core_layers import Lambda, Permute, RepeatVector, Rescaling, TimeDistributed
from nn.noise import (ActivityRegularization, GaussianDropout, GaussianNoise,
                      SpatialDropout1D, SpatialDropout2D)
from nn.spatial import (Conv2DTranspose, Cropping1D, Cropping2D, GlobalAveragePooling1D,
                        GlobalMaxPooling1D, UpSampling1D, UpSampling2D, ZeroPadding1D,
                        ZeroPadding2D)

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (make test EXTRAS=dev,torch)")

NEW = [UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D, Cropping1D, Cropping2D,
       Conv2DTranspose, GlobalAveragePooling1D, GlobalMaxPooling1D, Lambda, Rescaling,
       Permute, RepeatVector, TimeDistributed, GaussianNoise, GaussianDropout,
       SpatialDropout1D, SpatialDropout2D, ActivityRegularization]


@pytest.fixture
def float64():
    ag.set_default_dtype(ag.float64)   # conftest puts the default back


def _images(shape=(2, 5, 6, 3), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _channels_first(x):
    return np.moveaxis(x, -1, 1)


# --- numpy references, written from Keras's definitions ----------------------------------
def np_bilinear(x, fh, fw):
    """tf.image.resize(method="bilinear"): output pixel i reads the input at its centre
    (i + 0.5) / f - 0.5, clamped to the image, interpolating its two neighbours."""
    def axis(n, f):
        out = []
        for i in range(n * f):
            s = min(max((i + 0.5) / f - 0.5, 0.0), n - 1)
            lo = int(math.floor(s))
            out.append((lo, min(lo + 1, n - 1), s - lo))
        return out
    n, h, w, c = x.shape
    y = np.zeros((n, h * fh, w * fw, c))
    for i, (r0, r1, a) in enumerate(axis(h, fh)):
        for j, (c0, c1, b) in enumerate(axis(w, fw)):
            y[:, i, j] = ((1 - a) * (1 - b) * x[:, r0, c0] + (1 - a) * b * x[:, r0, c1]
                          + a * (1 - b) * x[:, r1, c0] + a * b * x[:, r1, c1])
    return y


def keras_transpose_length(n, k, s, d, padding, output_padding):
    """keras.src.utils.conv_utils.deconv_output_length."""
    k = k + (k - 1) * (d - 1)
    if output_padding is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * s + k - 2 * pad + output_padding


def np_conv_transpose(x, W, b, strides, padding, output_padding, dilation):
    """Keras's Conv2DTranspose on channels_last x with kernel W (kh, kw, filters, in): each
    input pixel adds W times itself to the full output, then TensorFlow's crop: the output
    y is the image whose SAME/VALID conv2d reads back x, its top border P // 2."""
    n, h, w, _ = x.shape
    kh, kw, filters, _ = W.shape
    (sh, sw), (dh, dw) = strides, dilation
    full = np.zeros((n, (h - 1) * sh + (kh - 1) * dh + 1, (w - 1) * sw + (kw - 1) * dw + 1,
                     filters))
    for r in range(h):
        for c in range(w):
            for u in range(kh):
                for v in range(kw):
                    full[:, r * sh + u * dh, c * sw + v * dw] += x[:, r, c] @ W[u, v].T
    op = output_padding or (None, None)
    oh = keras_transpose_length(h, kh, sh, dh, padding, op[0])
    ow = keras_transpose_length(w, kw, sw, dw, padding, op[1])
    top = max(full.shape[1] - oh, 0) // 2 if padding == "same" else 0
    left = max(full.shape[2] - ow, 0) // 2 if padding == "same" else 0
    y = np.zeros((n, oh, ow, filters))
    part = full[:, top:top + oh, left:left + ow]
    y[:, :part.shape[1], :part.shape[2]] = part
    return y + b


# --- the resizing layers: values, shapes, gradients --------------------------------------
@pytest.mark.parametrize("first", [False, True])
def test_upsampling2d_nearest_repeats_rows_and_cols(first):
    x = _images()
    fmt = "channels_first" if first else None
    given = _channels_first(x) if first else x
    y = UpSampling2D((2, 3), data_format=fmt)(given).numpy()
    expected = np.repeat(np.repeat(x, 2, axis=1), 3, axis=2)
    np.testing.assert_allclose(y, _channels_first(expected) if first else expected, rtol=1e-6)
    assert y[0, 0, 0, 0] == y[0, 1, 2, 0] if not first else y[0, 0, 0, 0] == y[0, 0, 1, 2]


@pytest.mark.parametrize("first", [False, True])
def test_upsampling2d_bilinear_is_keras_half_pixel_resize(first, float64):
    x = _images((2, 3, 4, 2))
    fmt = "channels_first" if first else None
    given = _channels_first(x) if first else x
    y = UpSampling2D((2, 3), data_format=fmt, interpolation="bilinear")(given).numpy()
    expected = np_bilinear(x, 2, 3)
    np.testing.assert_allclose(y, _channels_first(expected) if first else expected,
                               atol=1e-12)
    if torch is not None:
        t = F.interpolate(torch.tensor(_channels_first(x)), scale_factor=(2, 3),
                          mode="bilinear", align_corners=False).numpy()
        np.testing.assert_allclose(y if first else _channels_first(y), t, atol=1e-12)


def test_upsampling1d_zero_padding_and_cropping_values():
    seq = np.arange(2 * 4 * 3, dtype=np.float64).reshape(2, 4, 3)
    np.testing.assert_array_equal(UpSampling1D(3)(seq).numpy(), np.repeat(seq, 3, axis=1))
    np.testing.assert_array_equal(ZeroPadding1D((1, 2))(seq).numpy(),
                                  np.pad(seq, ((0, 0), (1, 2), (0, 0))))
    np.testing.assert_array_equal(ZeroPadding1D(data_format="channels_first")(seq).numpy(),
                                  np.pad(seq, ((0, 0), (0, 0), (1, 1))))
    np.testing.assert_array_equal(Cropping1D((1, 2))(seq).numpy(), seq[:, 1:2])
    np.testing.assert_array_equal(Cropping1D()(seq).numpy(), seq[:, 1:3])
    x = _images()
    np.testing.assert_allclose(ZeroPadding2D()(x).numpy(),
                               np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))), rtol=1e-6)
    np.testing.assert_allclose(ZeroPadding2D(((1, 0), (2, 3)))(x).numpy(),
                               np.pad(x, ((0, 0), (1, 0), (2, 3), (0, 0))), rtol=1e-6)
    np.testing.assert_allclose(
        ZeroPadding2D((2, 1), data_format="channels_first")(_channels_first(x)).numpy(),
        np.pad(_channels_first(x), ((0, 0), (0, 0), (2, 2), (1, 1))), rtol=1e-6)
    np.testing.assert_allclose(Cropping2D(((1, 2), (0, 3)))(x).numpy(), x[:, 1:3, 0:3],
                               rtol=1e-6)
    np.testing.assert_allclose(Cropping2D(1)(x).numpy(), x[:, 1:4, 1:5], rtol=1e-6)
    np.testing.assert_allclose(
        Cropping2D((1, 2), data_format="channels_first")(_channels_first(x)).numpy(),
        _channels_first(x)[:, :, 1:4, 2:4], rtol=1e-6)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("first", [False, True])
def test_global_pooling1d(keepdims, first):
    x = np.random.default_rng(4).standard_normal((2, 5, 3))
    fmt = "channels_first" if first else None
    axis = 2 if first else 1
    avg = GlobalAveragePooling1D(data_format=fmt, keepdims=keepdims)(x)
    mx = GlobalMaxPooling1D(data_format=fmt, keepdims=keepdims)(x)
    np.testing.assert_allclose(avg.numpy(), x.mean(axis=axis, keepdims=keepdims), atol=1e-6)
    np.testing.assert_allclose(mx.numpy(), x.max(axis=axis, keepdims=keepdims), atol=1e-6)


@pytest.mark.parametrize("make, shape", [
    (lambda: UpSampling2D((2, 1)), (2, 3, 2, 2)),
    (lambda: UpSampling2D(2, interpolation="bilinear"), (1, 3, 2, 2)),
    (lambda: UpSampling2D(2, data_format="channels_first", interpolation="bilinear"),
     (1, 2, 3, 2)),
    (lambda: UpSampling1D(2), (2, 3, 2)),
    (lambda: ZeroPadding2D(((1, 0), (0, 2))), (2, 2, 3, 2)),
    (lambda: ZeroPadding1D(2), (2, 3, 2)),
    (lambda: Cropping2D(((1, 0), (0, 1))), (2, 3, 3, 2)),
    (lambda: Cropping1D((0, 1)), (2, 3, 2)),
    (lambda: GlobalAveragePooling1D(), (2, 4, 3)),
    (lambda: GlobalMaxPooling1D(data_format="channels_first"), (2, 3, 4)),
    (lambda: Permute((3, 1, 2)), (2, 2, 3, 4)),
    (lambda: RepeatVector(3), (2, 4)),
    (lambda: Rescaling([0.5, -2.0, 3.0], offset=1.0), (2, 4, 3)),
    (lambda: TimeDistributed(nn.Dense(2, activation="tanh", seed=1)), (2, 3, 4)),
])
def test_gradients_match_central_differences(make, shape, float64):
    layer = make()
    x = np.random.default_rng(5).standard_normal(shape)
    ag.gradcheck(layer, [x])
    check_second_order(layer, x)


def test_noise_layers_gradient_in_training_is_the_noise_factor(float64):
    """Each call of a layer with a seed draws the next noise, so every call here makes a
    new layer with the same seed: the same noise, a function gradcheck can difference."""
    x = np.random.default_rng(6).standard_normal((2, 3, 3, 2))
    for make in (lambda: GaussianNoise(0.5, seed=3), lambda: GaussianDropout(0.3, seed=3),
                 lambda: SpatialDropout2D(0.5, seed=3)):
        ag.gradcheck(lambda v, make=make: make()(v) * v, [x])
    dropout = GaussianDropout(0.3, seed=3)
    xv = ag.Value(x)
    y = dropout(xv)
    y.sum().backward()
    np.testing.assert_allclose(xv.grad, y.numpy() / x, rtol=1e-9)  # dy/dx = m = y / x


# --- Conv2DTranspose ------------------------------------------------------------------------
CASES = [  # kernel, strides, dilation, padding, output_padding
    (3, 2, 1, "same", None), (3, 2, 1, "valid", None), (2, 3, 1, "valid", None),
    (4, 2, 1, "same", None), (5, 2, 1, "same", None), (3, 1, 2, "same", None),
    (3, 1, 2, "valid", None), (3, 2, 1, "same", 1), (3, 3, 1, "valid", 2),
    (4, 2, 1, "same", 0), (2, 1, 1, "same", 0), ((2, 3), (1, 2), 1, "same", None),
    (1, 3, 1, "same", None),
]


@pytest.mark.parametrize("kernel, strides, dilation, padding, output_padding", CASES)
def test_conv2d_transpose_is_keras_definition(kernel, strides, dilation, padding,
                                              output_padding, float64):
    layer = Conv2DTranspose(4, kernel, strides=strides, padding=padding,
                            output_padding=output_padding, dilation_rate=dilation,
                            bias_initializer="random_normal", seed=2)
    x = _images((2, 4, 5, 3), seed=1)
    y = layer(x).numpy()
    as_pair = (lambda v: v if isinstance(v, tuple) else (v, v))
    op = None if output_padding is None else as_pair(output_padding)
    expected = np_conv_transpose(x, layer.W.numpy(), layer.b.numpy(), as_pair(strides),
                                 padding, op, as_pair(dilation))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, atol=1e-12)
    assert layer.output_shape == (None,) + y.shape[1:]


def _conv_transpose_with(layer, x, W, b):
    """The layer's output with its weights replaced by the Values W and b."""
    saved = layer.W, layer.b
    layer.W, layer.b = W, b
    try:
        return layer(x)
    finally:
        layer.W, layer.b = saved


@needs_torch
@pytest.mark.parametrize("kernel, strides, dilation, padding, output_padding", CASES)
@pytest.mark.parametrize("first", [False, True])
def test_conv2d_transpose_matches_torch(kernel, strides, dilation, padding, output_padding,
                                        first, float64):
    """PyTorch's conv_transpose2d with Keras's kernel (kh, kw, filters, in) as its weight
    (in, filters, kh, kw), no flip; its full output cropped as TensorFlow crops "same"."""
    fmt = "channels_first" if first else "channels_last"
    layer = Conv2DTranspose(4, kernel, strides=strides, padding=padding,
                            output_padding=output_padding, dilation_rate=dilation,
                            data_format=fmt, seed=2)
    x = _images((2, 4, 5, 3), seed=1)
    x = _channels_first(x) if first else x
    layer(x)
    as_pair = (lambda v: v if isinstance(v, tuple) else (v, v))
    (sh, sw), (dh, dw) = as_pair(strides), as_pair(dilation)
    op = (None, None) if output_padding is None else as_pair(output_padding)
    kh, kw = as_pair(kernel)
    oh = keras_transpose_length(4, kh, sh, dh, padding, op[0])
    ow = keras_transpose_length(5, kw, sw, dw, padding, op[1])

    def torch_fn(xt, Wt, bt):
        xt = xt if first else xt.permute(0, 3, 1, 2)
        full = F.conv_transpose2d(xt, Wt.permute(3, 2, 0, 1), stride=(sh, sw),
                                  dilation=(dh, dw))
        top = max(full.shape[2] - oh, 0) // 2 if padding == "same" else 0
        left = max(full.shape[3] - ow, 0) // 2 if padding == "same" else 0
        part = full[:, :, top:top + oh, left:left + ow]
        y = F.pad(part, (0, ow - part.shape[3], 0, oh - part.shape[2])) + bt[:, None, None]
        return y if first else y.permute(0, 2, 3, 1)

    compare_with_torch(lambda xv, Wv, bv: _conv_transpose_with(layer, xv, Wv, bv), torch_fn,
                       x, layer.W.numpy(), np.random.default_rng(3).standard_normal(4))


def test_conv2d_transpose_gradients_match_central_differences(float64):
    layer = Conv2DTranspose(2, 3, strides=2, padding="same", activation="tanh", seed=4)
    x = _images((1, 3, 2, 2), seed=2)
    layer(x)
    ag.gradcheck(lambda xv, Wv, bv: _conv_transpose_with(layer, xv, Wv, bv),
                 [x, layer.W.numpy(), layer.b.numpy()])


def test_conv2d_transpose_kernel_shape_and_keras_parameter_counts():
    layer = Conv2DTranspose(32, 3, strides=2, padding="same", input_shape=(7, 7, 64))
    assert layer.W.shape == (3, 3, 32, 64) and layer.b.shape == (32,)
    assert layer.count_params() == 3 * 3 * 32 * 64 + 32
    assert Conv2DTranspose(8, (2, 3), use_bias=False, input_shape=(4, 4, 5)).count_params() \
        == 2 * 3 * 8 * 5
    limit = math.sqrt(6 / (9 * 32 + 9 * 64))  # Glorot with Keras's receptive-field fans
    assert np.abs(layer.W.numpy()).max() <= limit
    assert np.abs(layer.W.numpy()).max() > 0.95 * limit


def test_keras_denoising_autoencoder_summary():
    """keras.io's "Convolutional autoencoder for image denoising": 28,353 parameters."""
    model = nn.Sequential([
        nn.Input((28, 28, 1)),
        nn.Conv2D(32, (3, 3), activation="relu", padding="same"),
        nn.MaxPooling2D((2, 2), padding="same"),
        nn.Conv2D(32, (3, 3), activation="relu", padding="same"),
        nn.MaxPooling2D((2, 2), padding="same"),
        Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same"),
        Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same"),
        nn.Conv2D(1, (3, 3), activation="sigmoid", padding="same"),
    ])
    assert [layer.output_shape for layer in model.layers] == [
        (None, 28, 28, 32), (None, 14, 14, 32), (None, 14, 14, 32), (None, 7, 7, 32),
        (None, 14, 14, 32), (None, 28, 28, 32), (None, 28, 28, 1)]
    assert [layer.count_params() for layer in model.layers] == \
        [320, 0, 9248, 0, 9248, 9248, 289]
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 28,353" in lines
    rows = [line.split() for line in lines if "(Conv2DTranspose)" in line]
    assert [row[-5:] for row in rows] == [["(None,", "14,", "14,", "32)", "9248"],
                                          ["(None,", "28,", "28,", "32)", "9248"]]


def test_summary_shapes_and_counts_of_the_other_layers():
    model = nn.Sequential([
        nn.Input((6, 4)), ZeroPadding1D((1, 2)), Cropping1D((2, 0)), UpSampling1D(2),
        TimeDistributed(nn.Dense(8)), Permute((2, 1)), GlobalMaxPooling1D(),
        RepeatVector(3), GlobalAveragePooling1D(keepdims=True), Rescaling(0.5),
        ActivityRegularization(l2=0.1), GaussianNoise(0.1), SpatialDropout1D(0.2),
    ])
    assert [layer.output_shape for layer in model.layers] == [
        (None, 9, 4), (None, 7, 4), (None, 14, 4), (None, 14, 8), (None, 8, 14),
        (None, 14), (None, 3, 14), (None, 1, 14), (None, 1, 14), (None, 1, 14),
        (None, 1, 14), (None, 1, 14)]
    assert [layer.count_params() for layer in model.layers] == \
        [0, 0, 0, 4 * 8 + 8] + [0] * 8


# --- the small layers -----------------------------------------------------------------------
def test_rescaling_permute_repeat_vector_values():
    pixels = np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3)
    y = Rescaling(1 / 127.5, offset=-1.0)(pixels)
    assert y.dtype == ag.get_default_dtype()
    np.testing.assert_allclose(y.numpy(), pixels / 127.5 - 1, rtol=1e-6)
    per_channel = Rescaling([1.0, 10.0, 100.0])(pixels).numpy()
    np.testing.assert_allclose(per_channel, pixels * np.array([1.0, 10.0, 100.0]), rtol=1e-6)
    x = _images((2, 3, 4, 5))
    np.testing.assert_array_equal(Permute((3, 1, 2))(x).numpy(), x.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(Permute((2, 1))(x[..., 0]).numpy(),
                                  x[..., 0].transpose(0, 2, 1))
    v = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(RepeatVector(3)(v).numpy(),
                                  [[[1, 2]] * 3, [[3, 4]] * 3])


def test_time_distributed_folds_time_and_shares_the_weights(float64):
    dense = nn.Dense(4, activation="relu", seed=0)
    layer = TimeDistributed(dense)
    x = np.random.default_rng(7).standard_normal((2, 5, 3))
    xv = ag.Value(x)
    y = layer(xv)
    expected = np.maximum(np.einsum("ntf,fu->ntu", x, dense.W.numpy()) + dense.b.numpy(), 0)
    np.testing.assert_allclose(y.numpy(), expected, atol=1e-12)
    assert layer.parameters() == [dense.W, dense.b]  # one set of weights for every step
    (y * y).sum().backward()
    # the shared kernel's gradient is the sum of every step's
    steps = [ag.Value(x[:, t]) for t in range(5)]
    W = ag.Variable(dense.W.numpy())
    total = sum((ag.relu(s @ W + dense.b.numpy()) ** 2).sum() for s in steps)
    total.backward()
    np.testing.assert_allclose(dense.W.grad, W.grad, rtol=1e-10)
    images = TimeDistributed(nn.Conv2D(2, 3, padding="same", seed=1))
    frames = _images((2, 3, 4, 4, 1))
    out = images(frames).numpy()
    assert out.shape == (2, 3, 4, 4, 2)
    np.testing.assert_allclose(out[1, 2], images.layer(frames[1:2, 2]).numpy()[0], atol=1e-12)


def test_lambda_runs_its_function_with_arguments_and_training():
    seen = []

    def shift(x, amount, training=None):
        seen.append(training)
        return x + amount

    layer = Lambda(shift, arguments={"amount": 2.0})
    x = np.ones((2, 3))
    np.testing.assert_array_equal(layer(x).numpy(), x + 2)
    layer(x, training=False)
    assert seen == [True, False]
    squared = Lambda(lambda t: ag.square(t), output_shape=(3,))
    np.testing.assert_array_equal(squared(np.full((2, 3), 3.0)).numpy(), np.full((2, 3), 9.0))
    model = nn.Sequential([nn.Input((4,)), Lambda(lambda t: t[:, :2] * 2), nn.Dense(1)])
    assert model.layers[0].output_shape == (None, 2)
    assert model.count_params() == 3
    with pytest.raises(ValueError, match=r"Lambda 'l': declared output_shape \(4,\), but the "
                                         r"function returned shape \(2, 3\)"):
        Lambda(lambda t: t, output_shape=(4,), name="l")(np.ones((2, 3)))
    by_function = Lambda(lambda t: t, output_shape=lambda s: (s[0], s[1], 1))
    with pytest.raises(ValueError, match=r"declared output_shape \(3, 1\)"):
        by_function(np.ones((2, 3)))


# --- noise and dropout: training against inference ------------------------------------------
def test_noise_layers_pass_through_in_inference():
    x = _images((4, 5, 6, 3))
    for layer in (GaussianNoise(0.5, seed=0), GaussianDropout(0.4, seed=0),
                  SpatialDropout2D(0.5, seed=0), SpatialDropout1D(0.5, seed=0),
                  ActivityRegularization(0.1)):
        given = x[:, 0] if isinstance(layer, SpatialDropout1D) else x
        np.testing.assert_array_equal(np.asarray(layer(given, training=False)), given)
        assert not np.array_equal(np.asarray(layer(given)), given) or \
            isinstance(layer, ActivityRegularization)
    model = nn.Sequential([nn.Input((3,)), GaussianNoise(1.0), GaussianDropout(0.5)])
    np.testing.assert_array_equal(model.predict(np.ones((2, 3)), verbose=0), np.ones((2, 3)))


def test_gaussian_noise_statistics():
    x = np.full((200, 500), 3.0)
    e = GaussianNoise(0.25, seed=1)(x).numpy() - x
    assert abs(e.mean()) < 0.002 and e.std() == pytest.approx(0.25, rel=0.01)


def test_gaussian_dropout_keeps_the_expected_value():
    rate = 0.3
    x = np.random.default_rng(2).uniform(0.5, 2.0, (200, 500))
    m = GaussianDropout(rate, seed=1)(x).numpy() / x
    assert m.mean() == pytest.approx(1.0, abs=0.005)        # E[y] = x
    assert m.std() == pytest.approx(math.sqrt(rate / (1 - rate)), rel=0.01)


@pytest.mark.parametrize("first", [False, True])
def test_spatial_dropout2d_drops_whole_channels(first):
    rate = 0.4
    x = np.random.default_rng(3).uniform(1.0, 2.0, (400, 3, 4, 25))
    fmt = "channels_first" if first else None
    given = _channels_first(x) if first else x
    y = SpatialDropout2D(rate, data_format=fmt, seed=5)(given).numpy()
    y = np.moveaxis(y, 1, -1) if first else y
    kept = np.all(np.isclose(y, x / (1 - rate)), axis=(1, 2))
    dropped = np.all(y == 0, axis=(1, 2))
    assert np.all(kept ^ dropped)                        # each feature map whole
    assert dropped.mean() == pytest.approx(rate, abs=0.02)
    assert (y / x).mean() == pytest.approx(1.0, abs=0.03)  # E[y] = x


def test_spatial_dropout1d_drops_whole_channels_and_seeds_repeat():
    x = np.ones((300, 7, 20))
    y = SpatialDropout1D(0.5, seed=9)(x).numpy()
    assert set(np.unique(y)) == {0.0, 2.0}
    assert np.all(y == y[:, :1])                         # the same for every step
    assert y[:, 0].mean() == pytest.approx(1.0, abs=0.05)
    np.testing.assert_array_equal(SpatialDropout1D(0.5, seed=9)(x).numpy(), y)
    ag.manual_seed(4)
    a = SpatialDropout1D(0.5)(x).numpy()
    ag.manual_seed(4)
    np.testing.assert_array_equal(SpatialDropout1D(0.5)(x).numpy(), a)


def test_activity_regularization_adds_its_penalty_to_losses(float64):
    layer = ActivityRegularization(l1=0.1, l2=0.01)
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    xv = ag.Value(x)
    y = layer(xv)
    assert y is xv
    (penalty,) = layer.losses
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2  # per sample, as nn
    assert float(penalty.numpy()) == pytest.approx(expected)
    penalty.backward()
    np.testing.assert_allclose(xv.grad, (0.1 * np.sign(x) + 0.02 * x) / 2)
    model = nn.Sequential([nn.Input((2,)), nn.Dense(2, kernel_initializer="ones"),
                           ActivityRegularization(l2=1.0)])
    model(np.ones((1, 2)))
    assert [float(p.numpy()) for p in model.losses] == [pytest.approx(8.0)]


# --- whole models: files, training ---------------------------------------------------------
def _round_trip(model, x, tmp_path):
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = nn.load_model(path)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert [model_saving.layer_config(a) for a in loaded.layers] == \
        [model_saving.layer_config(a) for a in model.layers]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-7)
    return loaded


def test_image_model_with_the_new_layers_saves_and_loads(tmp_path):
    model = nn.Sequential([
        nn.Input((8, 8, 1)),
        Rescaling(1 / 255), ZeroPadding2D(((1, 0), (0, 1))), Cropping2D((1, 1)),
        nn.Conv2D(3, 3, padding="same", seed=0), SpatialDropout2D(0.3, seed=1),
        GaussianNoise(0.1, seed=2), nn.MaxPooling2D(2),
        UpSampling2D(2, interpolation="bilinear"),
        Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1, activation="relu",
                        kernel_regularizer="l2", seed=3),
        UpSampling2D((1, 2)), nn.Reshape((12, 24 * 2)),
        TimeDistributed(nn.Dense(4, seed=4)), Permute((2, 1)), GlobalMaxPooling1D(),
        ActivityRegularization(l1=0.01), RepeatVector(2), GaussianDropout(0.2, seed=5),
        GlobalAveragePooling1D(), nn.Dense(1, seed=6),
    ])
    x = np.random.default_rng(0).uniform(0, 255, (3, 8, 8, 1)).astype(np.float32)
    loaded = _round_trip(model, x, tmp_path)
    assert loaded.count_params() == model.count_params() == \
        (3 * 3 * 1 * 3 + 3) + (3 * 3 * 2 * 3 + 2) + (48 * 4 + 4) + (12 + 1)
    assert loaded.layers[8].output_padding == (1, 1)
    assert loaded.layers[11].layer.W.shape == (48, 4)


def test_sequence_model_with_the_new_layers_saves_and_loads(tmp_path):
    model = nn.Sequential([
        nn.Input((6, 4)), ZeroPadding1D(2, data_format="channels_first"), Cropping1D((1, 2)),
        UpSampling1D(3), SpatialDropout1D(0.2), TimeDistributed(nn.Dense(3, activation="tanh")),
        GlobalAveragePooling1D(data_format="channels_first", keepdims=True),
    ])
    x = np.random.default_rng(1).standard_normal((2, 6, 4)).astype(np.float32)
    assert model.output_shape == (None, 9, 1)
    _round_trip(model, x, tmp_path)


def test_saving_a_model_with_a_lambda_is_refused_naming_it(tmp_path):
    def double(t):
        return t * 2

    model = nn.Sequential([nn.Input((3,)), nn.Dense(2), Lambda(double, name="doubler")])
    path = tmp_path / "lambda.keras"
    with pytest.raises(ValueError, match=r"Lambda 'doubler': its function 'test_saving_a_model_"
                                         r".*double' is Python code, not data"):
        model.save(path)
    assert not path.exists() and not list(tmp_path.iterdir())
    model.save_weights(tmp_path / "w.npz")   # the weights still save


@pytest.mark.parametrize("upsample", ["transpose", "upsampling"])
def test_a_small_convolutional_autoencoder_learns(upsample):
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:8, 0:8]
    centres = rng.uniform(1, 7, (32, 2))
    x = np.exp(-((rows - centres[:, :1, None]) ** 2 + (cols - centres[:, 1:, None]) ** 2)
               / 4.0)[..., None].astype(np.float32)  # blurred dots
    decoder = (Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu", seed=1)
               if upsample == "transpose" else UpSampling2D(2))
    model = nn.Sequential([
        nn.Input((8, 8, 1)),
        nn.Conv2D(8, 3, padding="same", activation="relu", seed=0),
        nn.MaxPooling2D(2),
        decoder,
        nn.Conv2D(1, 3, padding="same", activation="sigmoid", seed=2),
    ])
    model.compile(optimizer=optim.Adam(0.01), loss="mse")
    before = model.evaluate(x, x, verbose=0)
    history = model.fit(x, x, epochs=15, batch_size=8, verbose=0)
    after = model.evaluate(x, x, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.6 * losses[0] and after < 0.6 * before
    assert model.predict(x[:2], verbose=0).shape == (2, 8, 8, 1)


def test_the_new_layers_are_found_by_name_when_loading():
    registry = model_saving._registry({})
    assert all(registry[cls.__name__] is cls for cls in NEW)
    names = set(nn.__all__)
    clashes = [cls.__name__ for cls in NEW
               if cls.__name__ in names and getattr(nn, cls.__name__) is not cls]
    assert clashes == []


# --- bad arguments, refused before anything changes ------------------------------------------
@pytest.mark.parametrize("make, error, message", [
    (lambda: UpSampling2D((2, 0), name="u"), ValueError, r"UpSampling2D 'u': size must be"),
    (lambda: UpSampling2D(interpolation="bicubic", name="u"), NotImplementedError,
     r"UpSampling2D 'u': interpolation='bicubic' is not implemented"),
    (lambda: UpSampling2D(interpolation="cubic", name="u"), ValueError,
     r"UpSampling2D 'u': interpolation must be"),
    (lambda: UpSampling2D(data_format="NHWC", name="u"), ValueError, r"data_format must be"),
    (lambda: UpSampling1D(1.5, name="u"), ValueError, r"UpSampling1D 'u': size must be"),
    (lambda: ZeroPadding2D((1, 2, 3), name="z"), ValueError,
     r"ZeroPadding2D 'z': padding must be an int, \(rows, cols\)"),
    (lambda: ZeroPadding2D(((1, -1), (0, 0)), name="z"), ValueError,
     r"ZeroPadding2D 'z': padding\[0\] must be an int >= 0"),
    (lambda: ZeroPadding1D(-1, name="z"), ValueError, r"ZeroPadding1D 'z': padding must be"),
    (lambda: Cropping2D("1", name="c"), ValueError, r"Cropping2D 'c': cropping must be"),
    (lambda: Cropping1D((1, 2, 3), name="c"), ValueError, r"Cropping1D 'c': cropping must"),
    (lambda: GlobalMaxPooling1D(keepdims="yes", name="g"), TypeError,
     r"GlobalMaxPooling1D 'g': keepdims must be True or False"),
    (lambda: Conv2DTranspose(0, 3, name="t"), ValueError,
     r"Conv2DTranspose 't': filters must be a positive integer"),
    (lambda: Conv2DTranspose(4, 3, strides=2, output_padding=2, name="t"), ValueError,
     r"Conv2DTranspose 't': output_padding must be less than strides"),
    (lambda: Conv2DTranspose(4, 3, output_padding=-1, name="t"), ValueError,
     r"output_padding must be an int >= 0"),
    (lambda: Conv2DTranspose(4, 3, strides=2, dilation_rate=2, name="t"), ValueError,
     r"dilation_rate > 1"),
    (lambda: Conv2DTranspose(4, 3, padding="causal", name="t"), ValueError,
     r"padding must be 'valid' or 'same'"),
    (lambda: Lambda(3, name="l"), TypeError, r"Lambda 'l': function must be callable"),
    (lambda: Lambda(abs, output_shape=(0,), name="l"), ValueError, r"Lambda 'l': output_shape"),
    (lambda: Lambda(abs, arguments=[1], name="l"), TypeError, r"Lambda 'l': arguments must"),
    (lambda: Rescaling("1/255", name="r"), ValueError, r"Rescaling 'r': scale must be"),
    (lambda: Rescaling(1.0, offset=np.nan, name="r"), ValueError, r"offset must be"),
    (lambda: Permute((1, 3), name="p"), ValueError, r"Permute 'p': dims must reorder"),
    (lambda: Permute((0, 1), name="p"), ValueError, r"Permute 'p': dims must reorder"),
    (lambda: RepeatVector(2.0, name="r"), TypeError, r"RepeatVector 'r': n must be an int"),
    (lambda: RepeatVector(0, name="r"), ValueError, r"RepeatVector 'r': n must be a positive"),
    (lambda: TimeDistributed(abs, name="t"), TypeError, r"TimeDistributed 't': layer must be"),
    (lambda: TimeDistributed(nn.Dense(2), input_shape=(3,), name="t"), ValueError,
     r"TimeDistributed 't': input_shape must be \(steps, ...\)"),
    (lambda: GaussianNoise(1.5, name="g"), ValueError, r"GaussianNoise 'g': stddev must lie"),
    (lambda: GaussianNoise(-0.1, name="g"), ValueError, r"stddev must lie"),
    (lambda: GaussianNoise(0.1, seed=1.5, name="g"), ValueError, r"seed must be an int"),
    (lambda: GaussianDropout(1.0, name="g"), ValueError, r"GaussianDropout 'g': rate must"),
    (lambda: GaussianDropout("0.1", name="g"), TypeError, r"rate must be a number"),
    (lambda: SpatialDropout1D(None), TypeError, r"SpatialDropout1D .*: rate must be a number"),
    (lambda: SpatialDropout2D(1.2, name="s"), ValueError, r"SpatialDropout2D 's': rate must"),
    (lambda: SpatialDropout2D(0.2, data_format="NCHW", name="s"), ValueError,
     r"data_format must be"),
    (lambda: ActivityRegularization(l1=-1, name="a"), ValueError,
     r"ActivityRegularization 'a': l1 must lie"),
    (lambda: ActivityRegularization(l2="big", name="a"), TypeError, r"l2 must be a number"),
])
def test_bad_arguments_are_refused_naming_layer_and_argument(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer, bad_input, message", [
    (UpSampling2D(name="u2"), (2, 4, 4), r"UpSampling2D 'u2': expected input of rank 4"),
    (ZeroPadding1D(name="z1"), (2, 4), r"ZeroPadding1D 'z1': expected input of rank 3"),
    (Cropping2D(((2, 2), (0, 0)), name="c2"), (1, 4, 5, 1),
     r"Cropping2D 'c2': cropping \(\(2, 2\), \(0, 0\)\) must leave something of each axis, "
     r"but the input has shape \(1, 4, 5, 1\)"),
    (Cropping1D((3, 3), name="c1"), (1, 6, 2), r"Cropping1D 'c1': .*shape \(1, 6, 2\)"),
    (GlobalAveragePooling1D(name="g1"), (2, 3, 4, 5), r"GlobalAveragePooling1D 'g1': expected"),
    (Permute((2, 1), name="p1"), (2, 3, 4, 5),
     r"Permute 'p1': dims \(2, 1\) need inputs of rank 3 .* got shape \(2, 3, 4, 5\)"),
    (RepeatVector(2, name="r1"), (2, 3, 4), r"RepeatVector 'r1': expected input of rank 2"),
    (Rescaling([1.0, 2.0], name="s1"), (2, 3),
     r"Rescaling 's1': scale of shape \(2,\) does not broadcast against the input's shape "
     r"\(2, 3\)"),
    (SpatialDropout2D(0.5, name="d2"), (2, 3, 4), r"SpatialDropout2D 'd2': expected input"),
    (SpatialDropout1D(0.5, name="d1"), (2, 3), r"SpatialDropout1D 'd1': expected input"),
])
def test_bad_inputs_are_refused_naming_layer_and_shapes(layer, bad_input, message):
    with pytest.raises(ValueError, match=message):
        layer(np.zeros(bad_input))
    layer.train(False)
    with pytest.raises(ValueError, match=message):  # inference mode checks them too
        layer(np.zeros(bad_input))


def test_bad_calls_change_no_weights_and_no_model():
    layer = Conv2DTranspose(4, 3, name="t2")
    with pytest.raises(ValueError, match=r"Conv2DTranspose 't2': expected input of rank 4"):
        layer(np.zeros((4, 4, 3)))
    assert layer.W is None                    # not built by a refused call
    layer(np.zeros((1, 4, 4, 3)))
    W = layer.W.numpy().copy()
    with pytest.raises(ValueError, match=r"Conv2DTranspose 't2': built for 3 input channels, "
                                         r"got input of shape \(1, 4, 4, 2\)"):
        layer(np.zeros((1, 4, 4, 2)))
    np.testing.assert_array_equal(layer.W.numpy(), W)
    dense = nn.Dense(2)
    wrapped = TimeDistributed(dense, name="t3")
    with pytest.raises(ValueError, match=r"TimeDistributed 't3': expected input of rank 3"):
        wrapped(np.zeros((2, 3)))
    assert dense.W is None
    model = nn.Sequential([nn.Input((5, 5, 1)), nn.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"Cropping2D .* must leave something"):
        model.add(Cropping2D(2))
    assert len(model.layers) == 1 and model.output_shape == (None, 3, 3, 2)
