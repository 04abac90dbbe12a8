"""Keras's Maximum, Minimum, Dot, SeparableConv1D/2D, UnitNormalization and AlphaDropout:
values and gradients against PyTorch (float64, and a float32 case), Keras's shapes and
parameter counts, configs and whole-model files, and arguments refused before anything
changes."""

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
from derivatives import compare_with_torch
from nn import model_saving
from nn.conv_layers import SeparableConv1D, SeparableConv2D
from nn.keras_misc import UnitNormalization
from nn.merging import Dot, Maximum, Minimum, dot, maximum, minimum
from nn.noise import AlphaDropout

needs_torch = pytest.mark.skipif(torch is None,
                                 reason="PyTorch is not installed (make test EXTRAS=dev,torch)")


# --- Maximum, Minimum ------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("layer, fold", [(Maximum, "maximum"), (Minimum, "minimum")])
def test_maximum_minimum_match_torch_ties_included(layer, fold):
    rng = np.random.default_rng(0)
    # small integers: many ties, two- and three-way; the gradient at a tie is shared
    # pairwise (x1 vs x2 first, then the winner vs x3), as torch.maximum shares it
    xs = [rng.integers(-1, 1, (4, 5)).astype(float) for _ in range(3)]
    assert (xs[0] == xs[1]).any() and ((xs[0] == xs[1]) & (xs[1] == xs[2])).any()
    t_fold = getattr(torch, fold)
    compare_with_torch(lambda a, b, c: layer()([a, b, c]),
                       lambda a, b, c: t_fold(t_fold(a, b), c), *xs, second=False)
    functional = {"maximum": maximum, "minimum": minimum}[fold]
    np.testing.assert_array_equal(functional(xs).numpy(),
                                  getattr(np, fold).reduce(np.stack(xs), axis=0))


def test_maximum_tie_shares_the_gradient_as_documented():
    a, b, c = (ag.Value(np.array([[1.0, 2.0]])) for _ in range(3))
    Maximum()([a, b, c]).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0.25, 0.25]])
    np.testing.assert_array_equal(c.grad, [[0.5, 0.5]])


def test_maximum_refuses_one_input_and_unequal_shapes():
    with pytest.raises(ValueError, match="Maximum 'mx': expected a list of at least 2"):
        Maximum(name="mx")([np.ones((1, 2))])
    with pytest.raises(ValueError, match=r"Minimum .*shapes must be equal.*\(1, 2\), \(1, 3\)"):
        Minimum()([np.ones((1, 2)), np.ones((1, 3))])


# --- Dot ---------------------------------------------------------------------------------
def _torch_batch_dot(axes, ndims):
    """Keras's batch_dot written as one torch.einsum."""
    letters = iter("cdefghijlmnopq")
    a1, a2 = axes
    sub1 = ["b"] + [next(letters) for _ in range(ndims[0] - 1)]
    sub2 = ["b"] + [next(letters) for _ in range(ndims[1] - 1)]
    sub1[a1] = sub2[a2] = "k"
    out = "".join(s for s in sub1 if s != "k") + "".join(s for s in sub2[1:] if s != "k")

    def f(x, y):
        z = torch.einsum(f"{''.join(sub1)},{''.join(sub2)}->{out}", x, y)
        return z[:, None] if z.ndim == 1 else z
    return f


@needs_torch
@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.data(), st.booleans())
def test_dot_matches_torch_einsum(n1, n2, data, normalize):
    a1 = data.draw(st.integers(1, n1 - 1))
    a2 = data.draw(st.integers(1, n2 - 1))
    k = data.draw(st.integers(1, 3))
    s1 = [2] + [data.draw(st.integers(1, 3)) for _ in range(n1 - 1)]
    s2 = [2] + [data.draw(st.integers(1, 3)) for _ in range(n2 - 1)]
    s1[a1] = s2[a2] = k
    negative = data.draw(st.booleans())
    axes = (a1 - n1, a2 - n2) if negative else (a1, a2)
    rng = np.random.default_rng(n1 * 10 + n2)
    x, y = rng.standard_normal(s1), rng.standard_normal(s2)
    t_dot = _torch_batch_dot((a1, a2), (n1, n2))
    if normalize:  # Keras: x / max(||x||, 1e-7) along the dot axis, torch's F.normalize
        def t_fn(p, q):
            return t_dot(F.normalize(p, dim=a1, eps=1e-7), F.normalize(q, dim=a2, eps=1e-7))
    else:
        t_fn = t_dot
    compare_with_torch(lambda p, q: Dot(axes, normalize=normalize)([p, q]), t_fn, x, y,
                       rtol=1e-9, atol=1e-12, second=False)


def test_dot_keras_examples_and_output_shapes():
    x = np.arange(10).reshape(1, 5, 2)
    y = np.arange(10, 20).reshape(1, 2, 5)
    np.testing.assert_array_equal(Dot(axes=(1, 2))([x, y]).numpy(),
                                  [[[260, 360], [320, 445]]])  # Keras's docstring
    assert Dot(axes=(1, 2))([np.ones((2, 3, 5)), np.ones((2, 10, 3))]).shape == (2, 5, 10)
    assert Dot(axes=1)([np.ones((4, 3)), np.ones((4, 3))]).shape == (4, 1)
    assert dot([np.ones((4, 3)), np.ones((4, 2, 3))]).shape == (4, 2)  # axes=-1
    a, b = nn.Input((8,)), nn.Input((8,))
    assert Dot(axes=1, normalize=True)([a, b]).shape == (None, 1)


def test_dot_normalize_gives_cosine_similarity_float32():
    x = np.array([[3.0, 4.0], [1.0, 0.0]], np.float32)
    y = np.array([[4.0, 3.0], [0.0, 2.0]], np.float32)
    out = dot([x, y], axes=1, normalize=True)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [[24 / 25], [0.0]], rtol=1e-6)


def test_dot_refusals():
    with pytest.raises(ValueError, match=r"Dot 'd': axes must be an int or a pair.*\(1, 2, 3\)"):
        Dot((1, 2, 3), name="d")
    with pytest.raises(ValueError, match="axes must be an int or a pair"):
        Dot(1.5)
    with pytest.raises(TypeError, match="normalize must be True or False"):
        Dot(1, normalize="yes")
    with pytest.raises(ValueError, match=r"axes=0 must name a non-batch axis"):
        Dot(0)([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"axis 1 of \(2, 3\) and axis 1 of \(2, 4\) differ"):
        Dot(1)([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="expected exactly 2 inputs, got 3"):
        Dot(1)([np.ones((2, 3))] * 3)
    with pytest.raises(ValueError, match="batch sizes differ"):
        Dot(1)([np.ones((2, 3)), np.ones((3, 3))])
    with pytest.raises(ValueError, match="batch axis and at least one more"):
        Dot(1)([np.ones(3), np.ones(3)])


# --- SeparableConv1D / 2D -------------------------------------------------------------------
def _same_pads(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _torch_separable(x, dk, pk, b, rank, strides, padding, dilation):
    """Depthwise conv (groups = in) then a 1x1 conv, channels_first, kernels from Keras's
    layouts; "same" padded as TensorFlow (the odd pixel after)."""
    channels, m = dk.shape[-2], dk.shape[-1]
    if padding == "same":
        pads = []
        for n, k, s, d in reversed(list(zip(x.shape[2:], dk.shape[:rank], strides, dilation))):
            pads += _same_pads(n, k, s, d)
        x = F.pad(x, pads)
    # (k..., in, m) -> (in * m, 1, k...): out channel c * m + j
    dw = dk.reshape(dk.shape[:rank] + (channels * m,)).permute(rank, *range(rank)).unsqueeze(1)
    pw = pk.reshape(pk.shape[-2:]).t().reshape((pk.shape[-1], channels * m) + (1,) * rank)
    conv = F.conv2d if rank == 2 else F.conv1d
    z = conv(x, dw, stride=strides, dilation=dilation, groups=channels)
    return conv(z, pw, bias=b)


@needs_torch
@settings(max_examples=20, deadline=None)
@given(st.sampled_from([1, 2]), st.integers(1, 3), st.integers(1, 2), st.integers(1, 3),
       st.integers(1, 3), st.sampled_from(["valid", "same"]),
       st.sampled_from(["channels_last", "channels_first"]), st.sampled_from(["s", "d", "1"]),
       st.booleans())
def test_separable_conv_matches_torch(rank, channels, multiplier, filters, k,
                                      padding, data_format, step, use_bias):
    strides = 2 if step == "s" else 1
    dilation = 2 if step == "d" else 1
    cls = SeparableConv2D if rank == 2 else SeparableConv1D
    layer = cls(filters, k, strides=strides, padding=padding, data_format=data_format,
                dilation_rate=dilation, depth_multiplier=multiplier, use_bias=use_bias,
                bias_initializer="random_normal", seed=7, dtype="float64")
    spatial = (7, 6)[:rank]
    rng = np.random.default_rng(rank + 10 * channels + 100 * k)
    x_first = rng.standard_normal((2, channels) + spatial)
    first = data_format == "channels_first"
    to_last = (0,) + tuple(range(2, rank + 2)) + (1,)
    x = x_first if first else x_first.transpose(to_last)
    xv = ag.Value(x)
    y = layer(xv)
    w = rng.uniform(0.5, 1.5, y.shape)
    (y * w).sum().backward()

    xt = torch.tensor(x_first, requires_grad=True)
    dkt = torch.tensor(layer.depthwise_kernel.numpy(), requires_grad=True)
    pkt = torch.tensor(layer.pointwise_kernel.numpy(), requires_grad=True)
    bt = torch.tensor(layer.bias.numpy(), requires_grad=True) if use_bias else None
    yt = _torch_separable(xt, dkt, pkt, bt, rank, (strides,) * rank, padding,
                          (dilation,) * rank)
    y_torch = yt.detach().numpy()
    y_torch = y_torch if first else y_torch.transpose(to_last)
    assert y.shape == y_torch.shape
    np.testing.assert_allclose(y.numpy(), y_torch, rtol=1e-10, atol=1e-12)
    (yt * torch.tensor(w if first else np.moveaxis(w, -1, 1))).sum().backward()
    gx = xt.grad.numpy()
    np.testing.assert_allclose(xv.grad, gx if first else gx.transpose(to_last),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.depthwise_kernel.grad, dkt.grad.numpy(),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.pointwise_kernel.grad, pkt.grad.numpy(),
                               rtol=1e-10, atol=1e-12)
    if use_bias:
        np.testing.assert_allclose(layer.bias.grad, bt.grad.numpy(), rtol=1e-10, atol=1e-12)
    else:
        assert layer.bias is None


@needs_torch
def test_separable_conv2d_float32_with_activation():
    layer = SeparableConv2D(4, (3, 2), padding="same", depth_multiplier=2, activation="relu",
                            bias_initializer="random_normal", seed=1)
    x = np.random.default_rng(1).standard_normal((2, 6, 5, 3)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32 and layer.depthwise_kernel.dtype == np.float32
    xt = torch.tensor(x.transpose(0, 3, 1, 2))
    yt = torch.relu(_torch_separable(
        xt, torch.tensor(layer.depthwise_kernel.numpy()),
        torch.tensor(layer.pointwise_kernel.numpy()), torch.tensor(layer.bias.numpy()), 2,
        (1, 1), "same", (1, 1)))
    np.testing.assert_allclose(y.numpy(), yt.numpy().transpose(0, 2, 3, 1), rtol=1e-5,
                               atol=1e-5)


def test_separable_conv_keras_shapes_names_and_parameter_counts():
    model = nn.Sequential([
        nn.Input((8, 8, 3)),
        SeparableConv2D(5, 3, depth_multiplier=2, padding="same"),
        SeparableConv2D(4, 3, strides=2, use_bias=False),
        nn.Reshape((9, 4)),
        SeparableConv1D(6, 3, depth_multiplier=3, pointwise_regularizer="l2")])
    # Keras: kh*kw*in*m + in*m*filters + filters
    assert [layer.count_params() for layer in model.layers] == [
        3 * 3 * 3 * 2 + 6 * 5 + 5, 3 * 3 * 5 + 5 * 4, 0, 3 * 4 * 3 + 12 * 6 + 6]
    assert [layer.output_shape for layer in model.layers] == [
        (None, 8, 8, 5), (None, 3, 3, 4), (None, 9, 4), (None, 7, 6)]
    first, _, _, last = model.layers
    assert first.name.startswith("separable_conv2d") and last.name.startswith("separable_conv1d")
    assert [(n, tuple(v.shape)) for n, v in first.named_parameters()] == [
        ("depthwise_kernel", (3, 3, 3, 2)), ("pointwise_kernel", (1, 1, 6, 5)), ("bias", (5,))]
    assert last.pointwise_kernel.shape == (1, 12, 6)
    lines = []
    model.summary(print_fn=lines.append)
    assert f"Total params: {89 + 65 + 114}" in lines
    model(np.ones((1, 8, 8, 3), np.float32))
    (penalty,) = model.losses  # the pointwise kernel's, Keras's l2 factor 0.01
    np.testing.assert_allclose(float(penalty.numpy()),
                               0.01 * (last.pointwise_kernel.numpy() ** 2).sum(), rtol=1e-5)


def test_separable_conv_initializers_get_their_own_seeds():
    layer = SeparableConv2D(3, 3, input_shape=(5, 5, 3), seed=0)
    twin = SeparableConv2D(3, 3, input_shape=(5, 5, 3), seed=0)
    np.testing.assert_array_equal(layer.depthwise_kernel.numpy(), twin.depthwise_kernel.numpy())
    limit = np.sqrt(6 / (3 * 3 * 3 + 3 * 3 * 1))  # Keras's fans for (3, 3, 3, 1)
    assert 0.9 * limit < np.abs(layer.depthwise_kernel.numpy()).max() <= limit
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(3))


def test_separable_conv_refusals_change_nothing():
    with pytest.raises(ValueError, match="SeparableConv2D 's': filters must be a positive"):
        SeparableConv2D(0, 3, name="s")
    with pytest.raises(ValueError, match="depth_multiplier must be a positive integer"):
        SeparableConv2D(2, 3, depth_multiplier=0)
    with pytest.raises(ValueError, match="SeparableConv1D .*padding must be 'valid' or 'same'"):
        SeparableConv1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="strides > 1 not supported in conjunction"):
        SeparableConv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="kernel_size must be a positive int or 2"):
        SeparableConv2D(2, (3, 3, 3))
    layer = SeparableConv2D(2, 3, input_shape=(6, 6, 4))
    before = [v.numpy().copy() for v in layer.parameters()]
    with pytest.raises(ValueError, match=r"built for 4 input channels, got input of shape"):
        layer(np.ones((1, 6, 6, 5), np.float32))
    with pytest.raises(ValueError, match=r"expected input of rank 4"):
        layer(np.ones((1, 6, 4), np.float32))
    for v, b in zip(layer.parameters(), before):
        np.testing.assert_array_equal(v.numpy(), b)


# --- UnitNormalization -------------------------------------------------------------------
@needs_torch
@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=4), st.data())
def test_unit_normalization_matches_torch(shape, data):
    ndim = len(shape)
    axes = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                              unique_by=lambda a: a % ndim))
    axis = axes[0] if len(axes) == 1 and data.draw(st.booleans()) else axes
    x = np.random.default_rng(ndim).standard_normal(shape)

    def t_fn(t):  # Keras: x / sqrt(max(sum x^2, 1e-12))
        dims = tuple(a % ndim for a in axes)
        return t / torch.sqrt(torch.clamp((t * t).sum(dim=dims, keepdim=True), min=1e-12))
    compare_with_torch(lambda v: UnitNormalization(axis=axis)(v), t_fn, x)
    if len(axes) == 1:  # the same as torch's F.normalize(eps=1e-6)
        np.testing.assert_allclose(UnitNormalization(axis=axes[0])(ag.Value(x)).numpy(),
                                   F.normalize(torch.tensor(x), dim=axes[0], eps=1e-6).numpy(),
                                   rtol=1e-12)


def test_unit_normalization_values_tiny_slices_and_float32():
    out = UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0], [3e-8, 4e-8]], np.float32))
    assert out.dtype == np.float32
    # a norm below 1e-6 is divided by 1e-6, not by itself
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 0.0], [0.03, 0.04]], rtol=1e-5)
    x = ag.Value(np.zeros((1, 3)))
    UnitNormalization()(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.full((1, 3), 1e6))
    with pytest.raises(TypeError, match="UnitNormalization 'u': axis must be an int or a list"):
        UnitNormalization(axis="last", name="u")
    with pytest.raises(ValueError, match=r"axis=\[1, -1\] does not name distinct axes"):
        UnitNormalization(axis=[1, -1])(np.ones((2, 3)))


# --- AlphaDropout ------------------------------------------------------------------------
ALPHA_P = -1.7580993408473766


def _alpha_expected(x, keep, rate):
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    b = -a * ALPHA_P * rate
    return a * (x * keep + ALPHA_P * (1 - keep)) + b, a


def test_alpha_dropout_is_keras_formula_for_a_fixed_mask():
    layer = AlphaDropout(0.25)
    assert layer.alpha_p == ALPHA_P
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.3]])
    keep = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    xv = ag.Value(x)
    y = layer.apply_mask(xv, keep)
    expected, a = _alpha_expected(x, keep, 0.25)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(xv.grad, a * keep, rtol=1e-15)


def test_alpha_dropout_training_draws_the_seeded_mask_and_inference_is_identity():
    x = np.random.default_rng(3).standard_normal((4, 6))
    layer = AlphaDropout(0.4, seed=5)
    keep = (np.random.default_rng(5).random((4, 6)) >= 0.4).astype(float)
    y = layer(ag.Value(x))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y.numpy(), _alpha_expected(x, keep, 0.4)[0], rtol=1e-14)
    y32 = AlphaDropout(0.4, seed=5)(x.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), _alpha_expected(x, keep, 0.4)[0], rtol=1e-6)
    assert layer(x, training=False) is x
    assert AlphaDropout(0.0)(x) is x
    shared = AlphaDropout(0.5, noise_shape=(None, 1), seed=0)(np.ones((50, 4)))
    assert (shared.numpy() == shared.numpy()[:, :1]).all()      # one draw per row
    assert len(np.unique(shared.numpy())) == 2


def test_alpha_dropout_keeps_selu_mean_and_variance():
    z = np.random.default_rng(0).standard_normal(400_000)
    x = ag.selu(ag.Value(z)).numpy()              # SELU's fixed point: mean 0, variance 1
    assert abs(x.mean()) < 0.01 and abs(x.var() - 1) < 0.01
    y = AlphaDropout(0.2, seed=1)(x).numpy()
    assert abs(y.mean() - x.mean()) < 0.01
    assert abs(y.var() - x.var()) < 0.015
    dropped = x * (np.random.default_rng(1).random(x.shape) >= 0.2)
    assert abs(dropped.var() - 1) > 0.1                # what the affine correction fixes


def test_alpha_dropout_refusals():
    with pytest.raises(ValueError, match=r"AlphaDropout 'a': rate must lie in \[0.0, 1.0\)"):
        AlphaDropout(1.0, name="a")
    with pytest.raises(ValueError, match="noise_shape must be None or a tuple"):
        AlphaDropout(0.1, noise_shape=(None, 0))
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        AlphaDropout(0.1, seed=-1)
    with pytest.raises(ValueError, match=r"noise_shape \(3, 1\) does not broadcast"):
        AlphaDropout(0.1, noise_shape=(3, 1))(np.ones((2, 4)))


# --- configs and files -----------------------------------------------------------------------
@pytest.mark.parametrize("layer", [
    Maximum(), Minimum(name="mn"), Dot((1, 2), normalize=True), Dot(-1, dtype="float64"),
    SeparableConv2D(3, (3, 2), strides=2, padding="same", depth_multiplier=2,
                    activation="relu", depthwise_regularizer="l2", pointwise_constraint="non_neg",
                    data_format="channels_first"),
    SeparableConv1D(4, 5, dilation_rate=2, use_bias=False, pointwise_initializer="he_normal"),
    UnitNormalization(axis=[1, 2]), AlphaDropout(0.3, noise_shape=(None, 1), seed=4)])
def test_config_round_trip(layer):
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config


def test_models_with_the_new_layers_save_and_load(tmp_path):
    image = nn.Sequential([
        nn.Input((8, 8, 3)),
        SeparableConv2D(4, 3, padding="same", depth_multiplier=2, activation="elu", seed=0,
                        bias_initializer="random_normal"),
        UnitNormalization(), AlphaDropout(0.2, seed=1),
        nn.Reshape((16, 16)), SeparableConv1D(2, 3, strides=2, seed=2), nn.Flatten()])
    a, b = nn.Input((5,)), nn.Input((5,))
    ha, hb = nn.Dense(4, seed=3)(a), nn.Dense(4, seed=4)(b)
    out = Dot(axes=1, normalize=True)([Maximum()([ha, hb]), Minimum()([ha, hb])])
    pair = nn.Model([a, b], out)
    rng = np.random.default_rng(0)
    for model, x in ((image, rng.standard_normal((3, 8, 8, 3)).astype(np.float32)),
                     (pair, [rng.standard_normal((3, 5)).astype(np.float32) for _ in "ab"])):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = nn.load_model(path)
        assert [type(la) for la in loaded.layers] == [type(la) for la in model.layers]
        assert [model_saving.layer_config(la) for la in loaded.layers] == \
            [model_saving.layer_config(la) for la in model.layers]
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6, atol=1e-6)
    assert pair.predict(x, verbose=0).shape == (3, 1)


def test_the_new_layers_are_found_by_name_when_loading():
    new = [Maximum, Minimum, Dot, SeparableConv1D, SeparableConv2D, UnitNormalization,
           AlphaDropout]
    registry = model_saving._registry({})
    assert all(registry[cls.__name__] is cls for cls in new)
    clashes = [cls.__name__ for cls in new
               if cls.__name__ in nn.__all__ and getattr(nn, cls.__name__) is not cls]
    assert clashes == []
