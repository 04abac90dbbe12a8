"""Keras's Conv2D, Conv1D, pooling, BatchNormalization, Reshape and Embedding layers:
shapes and parameter counts as Keras's summary, values and gradients against PyTorch."""

import math

import numpy as np
import pytest
try:  # PyTorch is an optional extra: only the comparisons with it need it
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = F = None
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (make test EXTRAS=dev,torch)")


def _t(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


@pytest.fixture
def float64():
    old = ag.get_default_dtype()
    ag.set_default_dtype(ag.float64)
    yield
    ag.set_default_dtype(old)


def mnist_convnet():
    return nn.Sequential([
        nn.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
        nn.MaxPooling2D(pool_size=(2, 2)),
        nn.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        nn.MaxPooling2D(pool_size=(2, 2)),
        nn.Flatten(),
        nn.Dropout(0.5),
        nn.Dense(10, activation="softmax"),
    ])


def test_keras_simple_mnist_convnet_summary():
    model = mnist_convnet()
    assert [layer.output_shape for layer in model.layers] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64),
        (None, 1600), (None, 1600), (None, 10)]
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18496, 0, 0, 0, 16010]
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 34,826" in lines
    assert "Non-trainable params: 0" in lines
    assert model.layers[0].name.startswith("conv2d")
    assert model.layers[0].W.shape == (3, 3, 1, 32)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype(np.float32)
    y = nn.to_categorical(np.arange(8) % 10, 10)
    before = model.layers[0].W.numpy().copy()
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.array_equal(before, model.layers[0].W.numpy())


def test_conv_kernel_uses_keras_fans():
    layer = nn.Conv2D(32, 3, input_shape=(28, 28, 1), seed=0)
    limit = math.sqrt(6 / (3 * 3 * 1 + 3 * 3 * 32))  # fans times the receptive field 3*3
    w = layer.W.numpy()
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.95 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.1)
    np.testing.assert_array_equal(layer.b.numpy(), np.zeros(32))


@needs_torch
@settings(max_examples=15, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(5, 8), st.integers(4, 7),
       st.integers(1, 3), st.sampled_from(["valid", "same"]), st.integers(1, 2),
       st.booleans(), st.booleans())
def test_conv2d_matches_torch(n, c_in, h, w, filters, padding, stride, first, use_bias):
    dilation = 1 if stride > 1 else 2
    rng = np.random.default_rng(h * w + c_in)
    layer = nn.Conv2D(filters, (3, 2), strides=stride, padding=padding,
                      dilation_rate=dilation, use_bias=use_bias,
                      data_format="channels_first" if first else None,
                      bias_initializer="random_normal")
    x = rng.standard_normal((n, c_in, h, w) if first else (n, h, w, c_in))
    y = layer(x)
    g = rng.standard_normal(y.shape)
    (y * g).sum().backward()

    xt, kt = _t(x if first else x.transpose(0, 3, 1, 2)), _t(layer.W.numpy())
    bt = _t(layer.b.numpy()) if use_bias else None
    kernel = kt.permute(3, 2, 0, 1).contiguous()  # Keras (kh, kw, in, out) -> torch (out, in, kh, kw)
    if padding == "same":  # TensorFlow's "same": the odd pixel at the bottom/right
        span_h, span_w = 2 * dilation + 1, dilation + 1
        ph = max((math.ceil(h / stride) - 1) * stride + span_h - h, 0)
        pw = max((math.ceil(w / stride) - 1) * stride + span_w - w, 0)
        xin = F.pad(xt, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
    else:
        xin = xt
    yt = F.conv2d(xin, kernel, bt, stride=stride, dilation=dilation)
    gt = torch.tensor(g if first else g.transpose(0, 3, 1, 2))
    (yt * gt).sum().backward()
    expect = yt.detach().numpy() if first else yt.detach().numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(y.numpy(), expect, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.W.grad, kt.grad.numpy(), rtol=1e-4, atol=1e-4)
    if use_bias:
        np.testing.assert_allclose(layer.b.grad, bt.grad.numpy(), rtol=1e-4, atol=1e-4)


@needs_torch
def test_conv1d_matches_torch(float64):
    rng = np.random.default_rng(1)
    layer = nn.Conv1D(4, 3, strides=2, activation="tanh", bias_initializer="random_normal")
    x = ag.Value(rng.standard_normal((2, 9, 3)))
    y = layer(x)
    y.sum().backward()
    xt = _t(x.numpy())
    kt, bt = _t(layer.W.numpy()), _t(layer.b.numpy())
    yt = torch.tanh(F.conv1d(xt.permute(0, 2, 1), kt.permute(2, 1, 0).contiguous(), bt, stride=2))
    yt.sum().backward()
    assert y.shape == (2, 4, 4)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy().transpose(0, 2, 1), atol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.W.grad, kt.grad.numpy(), atol=1e-12)


def test_conv_errors_name_the_layer_and_change_nothing():
    with pytest.raises(ValueError, match=r"Conv2D 'c': filters must be a positive integer"):
        nn.Conv2D(0, 3, name="c")
    with pytest.raises(ValueError, match=r"kernel_size must be a positive int or 2"):
        nn.Conv2D(8, (3, 0))
    with pytest.raises(ValueError, match=r"padding must be 'valid' or 'same'"):
        nn.Conv2D(8, 3, padding="causal")
    with pytest.raises(ValueError, match=r"dilation_rate > 1"):
        nn.Conv2D(8, 3, strides=2, dilation_rate=2)
    layer = nn.Conv2D(8, 3, input_shape=(8, 8, 3), name="c3")
    w = layer.W.numpy().copy()
    with pytest.raises(ValueError, match=r"Conv2D 'c3': built for 3 input channels, got input "
                                         r"of shape \(1, 8, 8, 2\)"):
        layer(np.zeros((1, 8, 8, 2)))
    with pytest.raises(ValueError, match=r"Conv2D 'c3': expected input of rank 4"):
        layer(np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match=r"Conv2D 'c3': conv2d: the kernel .* spans 3x3"):
        layer(np.zeros((1, 2, 2, 3)))
    np.testing.assert_array_equal(layer.W.numpy(), w)


@needs_torch
@pytest.mark.parametrize("cls, fn", [(nn.MaxPooling2D, "max_pool2d"),
                                     (nn.AveragePooling2D, "avg_pool2d")])
@pytest.mark.parametrize("pool, strides", [((2, 2), None), (3, 2), ((2, 3), (1, 2))])
def test_pooling2d_matches_torch(cls, fn, pool, strides):
    fn = getattr(F, fn)
    x = np.random.default_rng(3).standard_normal((2, 7, 8, 3))
    layer = cls(pool, strides)
    xv = ag.Value(x)
    y = layer(xv)
    (y * y).sum().backward()
    xt = _t(x.transpose(0, 3, 1, 2))
    yt = fn(xt, pool, strides if strides is not None else pool)
    (yt * yt).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy().transpose(0, 2, 3, 1),
                               rtol=1e-6)
    np.testing.assert_allclose(xv.grad, xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-6)


def test_pooling_same_padding_shapes_and_1d():
    x = np.arange(2 * 5 * 5 * 1, dtype=np.float32).reshape(2, 5, 5, 1)
    assert nn.MaxPooling2D(padding="same")(x).shape == (2, 3, 3, 1)
    assert nn.AveragePooling2D(padding="same")(x).numpy()[0, 2, 2, 0] == 24.0  # only real pixel
    seq = np.array([[[1.0], [5.0], [2.0], [0.0], [7.0]]])
    np.testing.assert_array_equal(nn.MaxPooling1D()(seq).numpy(), [[[5.0], [2.0]]])
    np.testing.assert_array_equal(nn.AveragePooling1D(2, 1)(seq).numpy()[0, :, 0],
                                  [3.0, 3.5, 1.0, 3.5])
    with pytest.raises(ValueError, match=r"MaxPooling2D 'p': expected input of rank 4"):
        nn.MaxPooling2D(name="p")(np.zeros((5, 5, 1)))


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("first", [False, True])
def test_global_pooling(keepdims, first):
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5))
    fmt = "channels_first" if first else None
    axes = (2, 3) if first else (1, 2)
    avg = nn.GlobalAveragePooling2D(data_format=fmt, keepdims=keepdims)(x)
    mx = nn.GlobalMaxPooling2D(data_format=fmt, keepdims=keepdims)(x)
    np.testing.assert_allclose(avg.numpy(), x.mean(axis=axes, keepdims=keepdims), atol=1e-6)
    np.testing.assert_allclose(mx.numpy(), x.max(axis=axes, keepdims=keepdims), atol=1e-6)
    model = nn.Sequential([nn.Conv2D(6, 3, padding="same", input_shape=(8, 8, 2)),
                           nn.GlobalAveragePooling2D(), nn.Dense(1)])
    assert model.layers[1].output_shape == (None, 6)


# --- BatchNormalization -------------------------------------------------------------------

@needs_torch
def test_batchnorm_training_matches_torch_and_updates_moving_stats(float64):
    rng = np.random.default_rng(5)
    x = ag.Value(rng.standard_normal((6, 4)) * 3 + 1)
    bn = nn.BatchNormalization(gamma_initializer="random_normal",
                               beta_initializer="random_normal")
    y = bn(x, training=True)
    g = rng.standard_normal(y.shape)
    (y * g).sum().backward()
    xt, gamma, beta = _t(x.numpy()), _t(bn.gamma.numpy()), _t(bn.beta.numpy())
    yt = F.batch_norm(xt, None, None, gamma, beta, training=True, eps=1e-3)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(bn.gamma.grad, gamma.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(bn.beta.grad, beta.grad.numpy(), atol=1e-10)
    # Keras: moving = moving * 0.99 + batch * 0.01, with the biased batch variance
    data = x.numpy()
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.01 * data.mean(0), atol=1e-12)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.99 + 0.01 * data.var(0),
                               atol=1e-12)
    assert bn.moving_mean.grad is None and bn.moving_variance.grad is None


def test_batchnorm_inference_uses_moving_stats_and_leaves_them(float64):
    bn = nn.BatchNormalization(momentum=0.5, epsilon=1e-5, input_shape=(3,))
    bn.set_weights([np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, -1.0]),
                    np.array([1.0, 0.0, 2.0]), np.array([4.0, 1.0, 0.25])])
    x = np.array([[3.0, 1.0, 2.5], [1.0, -1.0, 2.0]])
    y = bn(x, training=False)
    expect = (x - [1.0, 0.0, 2.0]) / np.sqrt(np.array([4.0, 1.0, 0.25]) + 1e-5) \
        * [1.0, 2.0, 3.0] + [0.0, 1.0, -1.0]
    np.testing.assert_allclose(y.numpy(), expect, atol=1e-12)
    bn.eval()
    bn(x)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), [1.0, 0.0, 2.0])
    bn.train()
    bn(x)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [1.5, 0.0, 2.125])
    # As in Keras and PyTorch, training mode updates them even without a graph.
    with ag.no_grad():
        bn(x, training=True)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [1.75, 0.0, 2.1875])


@needs_torch
def test_batchnorm_channels_first_images_matches_torch_module(float64):
    rng = np.random.default_rng(6)
    x = ag.Value(rng.standard_normal((3, 2, 4, 5)))
    bn = nn.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5)
    tbn = torch.nn.BatchNorm2d(2, eps=1e-5, momentum=0.1).double()
    y = bn(x, training=True)
    yt = tbn(_t(x.numpy()))
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(bn.moving_mean.numpy(), tbn.running_mean.numpy(), atol=1e-12)
    n = 3 * 4 * 5  # torch keeps the unbiased variance; Keras (and we) the biased one
    np.testing.assert_allclose(bn.moving_variance.numpy(),
                               0.9 + 0.1 * (tbn.running_var.numpy() - 0.9) / 0.1 * (n - 1) / n,
                               atol=1e-12)


def test_batchnorm_gradcheck_float64(float64):
    """The layer's gradient through the batch statistics, against central differences."""
    rng = np.random.default_rng(7)
    bn = nn.BatchNormalization(gamma_initializer="random_normal", input_shape=(3,))
    weights = np.arange(1.0, 16.0).reshape(5, 3)  # so the loss is not invariant to x
    assert ag.gradcheck(lambda x: bn(x, training=True) * weights,
                        (rng.standard_normal((5, 3)),))
    assert ag.gradcheck(lambda x: bn(x, training=False) * weights,
                        (rng.standard_normal((5, 3)),))


def test_batchnorm_summary_counts_non_trainable():
    model = nn.Sequential([nn.Dense(8, input_shape=(4,)), nn.BatchNormalization()])
    lines = []
    model.summary(print_fn=lines.append)
    assert model.layers[1].count_params() == 32
    assert "Total params: 72" in lines and "Non-trainable params: 16" in lines
    assert [v.trainable for v in model.layers[1].parameters()] == [True, True, False, False]
    with pytest.raises(ValueError, match=r"BatchNormalization 'b': momentum must lie"):
        nn.BatchNormalization(momentum=1.5, name="b")


def test_batchnorm_in_fit_updates_only_in_training():
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((32, 3)).astype(np.float32) * 2 + 5, rng.random((32, 1))
    model = nn.Sequential([nn.BatchNormalization(input_shape=(3,)), nn.Dense(1)])
    model.compile("sgd", "mse")
    assert np.array_equal(model.layers[0].moving_mean.numpy(), np.zeros(3))  # add's build
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    moved = model.layers[0].moving_mean.numpy().copy()
    assert np.all(moved > 0.3)
    model.evaluate(x, y, verbose=0)
    model.predict(x)
    np.testing.assert_array_equal(model.layers[0].moving_mean.numpy(), moved)


# --- Reshape and Embedding ----------------------------------------------------------------

def test_reshape():
    x = ag.Value(np.arange(24.0).reshape(2, 12))
    y = nn.Reshape((3, -1))(x)
    assert y.shape == (2, 3, 4)
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 12), 2.0))
    model = nn.Sequential([nn.Reshape((28, 28, 1), input_shape=(784,)), nn.Conv2D(2, 3)])
    assert model.layers[0].output_shape == (None, 28, 28, 1)
    with pytest.raises(ValueError, match=r"Reshape 'r': cannot reshape samples of shape "
                                         r"\(12,\) \(12 values\) to \(5, -1\)"):
        nn.Reshape((5, -1), name="r")(x)
    with pytest.raises(ValueError, match=r"at most one\s+-1"):
        nn.Reshape((-1, -1))


@needs_torch
def test_embedding_matches_torch_with_repeated_ids():
    emb = nn.Embedding(10, 3)
    table = emb.embeddings.numpy()
    assert np.abs(table).max() <= 0.05 and table.std() > 0.01  # Keras's U(-0.05, 0.05)
    ids = np.array([[1, 2, 1], [9, 1, 0]])
    y = emb(ids)
    g = np.random.default_rng(9).standard_normal(y.shape).astype(np.float32)
    (y * g).sum().backward()
    weight = torch.tensor(table, requires_grad=True)
    yt = F.embedding(torch.tensor(ids), weight)
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
    np.testing.assert_allclose(emb.embeddings.grad, weight.grad.numpy(), rtol=1e-6)
    assert np.any(emb.embeddings.grad[1] != 0) and np.all(emb.embeddings.grad[3] == 0)


def test_embedding_in_a_model_and_its_errors():
    model = nn.Sequential([nn.Embedding(50, 8, input_length=5), nn.Flatten(), nn.Dense(1)])
    assert model.layers[0].output_shape == (None, 5, 8)
    assert model.count_params() == 50 * 8 + 41
    emb = nn.Embedding(5, 2, name="e")
    with pytest.raises(ValueError, match=r"Embedding 'e': ids must lie in \[0, 5\), got 0..5"):
        emb([[0, 5]])
    with pytest.raises(ValueError, match=r"ids must be whole numbers"):
        emb([[0.5]])
    with pytest.raises(ValueError, match=r"input_dim must be a positive integer"):
        nn.Embedding(0, 3)


# --- configs -------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [
    nn.Conv2D(4, (3, 5), strides=2, padding="same", activation="relu", seed=3,
              input_shape=(9, 9, 2)),
    nn.Conv1D(2, 3, dilation_rate=2, use_bias=False),
    nn.MaxPooling2D(3, 2, "same"), nn.AveragePooling2D(data_format="channels_first"),
    nn.GlobalAveragePooling2D(keepdims=True), nn.GlobalMaxPooling2D(),
    nn.BatchNormalization(axis=1, momentum=0.9, center=False),
    nn.Reshape((2, -1)), nn.Embedding(7, 3, input_length=4),
    nn.Dense(3, activation="sigmoid", input_shape=(2,)), nn.Dropout(0.25), nn.Flatten(),
    nn.Activation("tanh"), nn.ReLU(), nn.Softmax(axis=1), nn.LeakyReLU(0.1), nn.PReLU(),
])
def test_get_config_rebuilds_the_layer(layer):
    import json
    config = layer.get_config()
    json.dumps(config)  # the models helper saves configs as JSON
    again = type(layer)(**config)
    assert again.get_config() == config


def test_get_config_uses_keras_names():
    config = nn.Conv2D(32, 3, name="c").get_config()
    assert {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
            "activation", "use_bias", "kernel_initializer", "bias_initializer"} <= set(config)
    assert config["kernel_size"] == (3, 3) and config["data_format"] == "channels_last"
    assert config["kernel_initializer"] == {"class_name": "GlorotUniform",
                                            "config": {"seed": None}}


def test_a_convnet_with_batchnorm_saves_and_loads_whole(tmp_path):
    """Keras's convnet with BatchNormalization: architecture and weights (the moving
    statistics too) come back from ``model.save``; predictions match."""
    rng = np.random.default_rng(3)
    model = nn.Sequential([
        nn.Input((8, 8, 1)),
        nn.Conv2D(4, 3, activation="relu", padding="same"),
        nn.BatchNormalization(),
        nn.MaxPooling2D(2),
        nn.Conv2D(6, (3, 3), strides=1, activation="relu"),
        nn.GlobalAveragePooling2D(),
        nn.Dropout(0.5),
        nn.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = rng.standard_normal((16, 8, 8, 1)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    bn = model.layers[1]
    assert not np.allclose(bn.moving_mean.numpy(), 0)  # fit moved them
    path = tmp_path / "convnet.keras"
    model.save(path)
    loaded = nn.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]
    assert loaded.count_params() == model.count_params()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(loaded.layers[1].moving_variance.numpy(),
                                  bn.moving_variance.numpy())


def test_summary_keeps_a_space_after_a_name_wider_than_its_column():
    model = nn.Sequential([nn.Input((12, 12, 1)),
                           nn.MaxPooling2D(2, name="a_rather_long_pooling_name")])
    lines = []
    model.summary(print_fn=lines.append)
    row = next(line for line in lines if line.startswith("a_rather_long_pooling_name"))
    assert row.split() == ["a_rather_long_pooling_name", "(MaxPooling2D)", "(None,", "6,",
                           "6,", "1)", "0"]


# --- groups and causal padding ----------------------------------------------------------------


@pytest.mark.parametrize("layer, params", [
    # Keras: prod(kernel_size) * in / groups * filters + filters
    (lambda: nn.Conv2D(64, 3, groups=4, input_shape=(16, 16, 32)), 3 * 3 * 8 * 64 + 64),
    (lambda: nn.Conv2D(6, (3, 2), groups=3, use_bias=False, input_shape=(3, 7, 7),
                       data_format="channels_first"), 3 * 2 * 1 * 6),
    (lambda: nn.Conv1D(8, 5, groups=8, padding="causal", input_shape=(20, 8)), 5 * 8 + 8),
])
def test_grouped_conv_parameter_counts_are_keras(layer, params):
    layer = layer()
    assert layer.count_params() == params
    model = nn.Sequential([layer])
    lines = []
    model.summary(print_fn=lines.append)
    assert f"Total params: {params:,}" in lines


def test_grouped_kernel_shape_and_keras_fans():
    layer = nn.Conv2D(12, 3, groups=3, input_shape=(9, 9, 6), seed=0)
    assert layer.W.shape == (3, 3, 2, 12)
    limit = math.sqrt(6 / (3 * 3 * 2 + 3 * 3 * 12))  # fan_in counts one group's channels
    assert limit * 0.95 < np.abs(layer.W.numpy()).max() <= limit
    assert layer(np.zeros((1, 9, 9, 6))).shape == (1, 7, 7, 12)


@needs_torch
@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2), st.booleans(),
       st.sampled_from(["valid", "same"]), st.integers(0, 2**16))
def test_grouped_conv2d_layer_matches_torch(groups, per_group_in, per_group_out, first,
                                            padding, seed):
    rng = np.random.default_rng(seed)
    c_in, filters = groups * per_group_in, groups * per_group_out
    layer = nn.Conv2D(filters, (3, 2), padding=padding, groups=groups,
                      data_format="channels_first" if first else None,
                      bias_initializer="random_normal", seed=seed)
    x = rng.standard_normal((2, c_in, 6, 5) if first else (2, 6, 5, c_in))
    y = layer(x)
    g = rng.standard_normal(y.shape)
    (y * g).sum().backward()
    xt, kt, bt = _t(x if first else x.transpose(0, 3, 1, 2)), _t(layer.W.numpy()), \
        _t(layer.b.numpy())
    xin = F.pad(xt, (0, 1, 1, 1)) if padding == "same" else xt  # TensorFlow's "same", 3x2
    yt = F.conv2d(xin, kt.permute(3, 2, 0, 1).contiguous(), bt, groups=groups)
    (yt * torch.tensor(g if first else g.transpose(0, 3, 1, 2))).sum().backward()
    expect = yt.detach().numpy() if first else yt.detach().numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(y.numpy(), expect, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.W.grad, kt.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.b.grad, bt.grad.numpy(), rtol=1e-4, atol=1e-4)


@needs_torch
@pytest.mark.parametrize("first", [False, True])
def test_causal_grouped_conv1d_layer_is_torch_with_left_padding(float64, first):
    rng = np.random.default_rng(4)
    layer = nn.Conv1D(6, 3, padding="causal", dilation_rate=2, groups=2, activation="tanh",
                      bias_initializer="random_normal",
                      data_format="channels_first" if first else "channels_last")
    x = ag.Value(rng.standard_normal((2, 4, 9) if first else (2, 9, 4)))
    y = layer(x)
    y.sum().backward()
    xt, kt, bt = _t(x.numpy()), _t(layer.W.numpy()), _t(layer.b.numpy())
    xin = xt if first else xt.permute(0, 2, 1)
    yt = torch.tanh(F.conv1d(F.pad(xin, (4, 0)), kt.permute(2, 1, 0).contiguous(), bt,
                             dilation=2, groups=2))
    yt.sum().backward()
    assert y.shape == ((2, 6, 9) if first else (2, 9, 6))  # the input's length
    expect = yt.detach().numpy() if first else yt.detach().numpy().transpose(0, 2, 1)
    np.testing.assert_allclose(y.numpy(), expect, atol=1e-12)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.W.grad, kt.grad.numpy(), atol=1e-12)


def test_group_and_causal_errors_name_the_layer_and_change_nothing():
    with pytest.raises(ValueError, match=r"Conv2D 'g': the number of filters must be evenly "
                                         r"divisible by the number of groups .*groups=4, "
                                         r"filters=6"):
        nn.Conv2D(6, 3, groups=4, name="g")
    with pytest.raises(ValueError, match=r"Conv1D 'g0': groups must be a positive integer, "
                                         r"got 0"):
        nn.Conv1D(6, 3, groups=0, name="g0")
    with pytest.raises(ValueError, match=r"Conv2D 'g1': the number of input channels must be "
                                         r"evenly divisible .*groups=4, but the input has 6 "
                                         r"channels"):
        nn.Conv2D(8, 3, groups=4, input_shape=(5, 5, 6), name="g1")
    with pytest.raises(ValueError, match=r"padding must be 'valid' or 'same', got 'causal' "
                                         r"\('causal' is for Conv1D only"):
        nn.Conv2D(8, 3, padding="causal")
    with pytest.raises(ValueError, match=r"Conv1D .*padding must be 'valid', 'same' or "
                                         r"'causal', got 'full'"):
        nn.Conv1D(8, 3, padding="full")
    layer = nn.Conv2D(8, 3, groups=4, name="g2")
    with pytest.raises(ValueError, match=r"Conv2D 'g2': the number of input channels"):
        layer(np.zeros((1, 5, 5, 6)))
    assert layer.W is None and layer.b is None  # not built: a right input builds it
    assert layer(np.zeros((1, 5, 5, 4))).shape == (1, 3, 3, 8)
    w = layer.W.numpy().copy()
    with pytest.raises(ValueError, match=r"Conv2D 'g2': built for 4 input channels, got input "
                                         r"of shape \(1, 5, 5, 8\)"):
        layer(np.zeros((1, 5, 5, 8)))
    np.testing.assert_array_equal(layer.W.numpy(), w)
    assert layer.W.shape == (3, 3, 1, 8)


@pytest.mark.parametrize("layer", [
    nn.Conv2D(4, 3, groups=2, padding="same", input_shape=(5, 5, 4)),
    nn.Conv1D(6, 3, padding="causal", groups=3, dilation_rate=2),
])
def test_get_config_of_grouped_and_causal_convs_rebuilds_them(layer):
    import json
    config = layer.get_config()
    assert config["groups"] == layer.groups > 1
    json.dumps(config)
    assert type(layer)(**config).get_config() == config


def test_a_grouped_causal_model_saves_and_loads_whole(tmp_path):
    rng = np.random.default_rng(6)
    model = nn.Sequential([
        nn.Input((10, 4)),
        nn.Conv1D(8, 3, padding="causal", dilation_rate=2, groups=2, activation="relu"),
        nn.Conv1D(8, 2, padding="causal", groups=8),
        nn.Reshape((10, 8, 1)),
        nn.Conv2D(4, 3, groups=1, padding="same"),
        nn.Conv2D(4, (2, 2), groups=4),
    ])
    x = rng.standard_normal((3, 10, 4)).astype(np.float32)
    path = tmp_path / "grouped.keras"
    model.save(path)
    loaded = nn.load_model(path)
    assert [layer.get_config()["groups"] for layer in loaded.layers if hasattr(layer, "groups")] \
        == [2, 8, 1, 4]
    assert loaded.layers[0].padding == loaded.layers[1].padding == "causal"
    assert loaded.count_params() == model.count_params()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# --- DepthwiseConv2D ---------------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("multiplier, strides, padding", [(1, 1, "same"), (2, 2, "valid"),
                                                          (3, (1, 2), "valid")])
def test_depthwise_conv2d_matches_torch_groups(data_format, multiplier, strides, padding):
    rng = np.random.default_rng(4)
    first = data_format == "channels_first"
    x = rng.standard_normal((2, 3, 7, 6) if first else (2, 7, 6, 3))
    layer = nn.DepthwiseConv2D(3, strides=strides, padding=padding,
                               depth_multiplier=multiplier, data_format=data_format,
                               bias_initializer="random_normal", seed=1)
    xv = ag.Value(x, dtype=np.float64)
    with ag.no_grad():
        layer.build(3)
    layer.W.data, layer.b.data = layer.W.data.astype(np.float64), layer.b.data.astype(np.float64)
    y = layer(xv)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    # Keras's (kh, kw, in, m) kernel is torch's (in * m, 1, kh, kw), out channel c*m + j
    wt = torch.tensor(layer.W.data.reshape(3, 3, 3 * multiplier).transpose(2, 0, 1)[:, None],
                      requires_grad=True)
    bt = torch.tensor(layer.b.data, requires_grad=True)
    xt = torch.tensor(x if first else x.transpose(0, 3, 1, 2), requires_grad=True)
    s = (strides, strides) if isinstance(strides, int) else strides
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=padding, groups=3)
    gt = torch.tensor(g if first else g.transpose(0, 3, 1, 2))
    yt.backward(gt)
    back = (lambda a: a) if first else (lambda a: a.transpose(0, 2, 3, 1))
    np.testing.assert_allclose(y.data, back(yt.detach().numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xv.grad, back(xt.grad.numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.W.grad, wt.grad.numpy()[:, 0].transpose(1, 2, 0)
                               .reshape(3, 3, 3, multiplier), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.b.grad, bt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_depthwise_conv2d_counts_keras_parameters_and_saves(tmp_path):
    model = nn.Sequential([
        nn.Input((8, 8, 32)),
        nn.DepthwiseConv2D(3, padding="same", activation="relu",
                           depthwise_regularizer=nn.regularizers.l2(1e-3)),
        nn.Conv2D(16, 1),  # the pointwise half of a separable convolution
        nn.GlobalAveragePooling2D(), nn.Dense(2)])
    # Keras: DepthwiseConv2D(3) on 32 channels has 3*3*32 + 32 = 320 parameters
    assert model.layers[0].count_params() == 320
    assert model.layers[0].output_shape == (None, 8, 8, 32)
    assert len(model.losses) == 1  # the depthwise kernel's penalty
    x = np.random.default_rng(0).standard_normal((4, 8, 8, 32)).astype(np.float32)
    path = tmp_path / "mobile.keras"
    model.save(path)
    loaded = nn.load_model(path)
    assert loaded.layers[0].depth_multiplier == 1 and len(loaded.losses) == 1
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_depthwise_conv2d_refusals_change_nothing():
    with pytest.raises(ValueError, match="depth_multiplier must be a positive integer"):
        nn.DepthwiseConv2D(3, depth_multiplier=0)
    layer = nn.DepthwiseConv2D(3, input_shape=(8, 8, 4))
    w = layer.W.data.copy()
    with pytest.raises(ValueError, match=r"built for 4 input channels, got input of shape"):
        layer(np.ones((1, 8, 8, 5), np.float32))
    np.testing.assert_array_equal(layer.W.data, w)
