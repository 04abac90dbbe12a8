"""Keras 3's GroupNormalization and RMSNormalization, and LayerNormalization's deprecated
rms_scaling, against PyTorch's GroupNorm (on the channels-first copy of the input),
F.rms_norm and the formula Keras computes, in float64, first and second derivatives with
respect to the input and the weights."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from derivatives import check_second_order, compare_with_torch

try:
    import torch
except ImportError:  # the checks against PyTorch skip; the others run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the optional extra 'torch') "
                                 "is not installed: the comparisons with it cannot run")


def with_weights(layer, x_shape, gamma, beta):
    """A function of (x, gamma, beta) running ``layer`` with those weights."""
    layer.build(x_shape)

    def run(x, g, b):
        layer.gamma, layer.beta = g, b
        return layer(x)
    return run


@needs_torch
@settings(max_examples=12, deadline=None)
@given(groups=st.sampled_from([1, 2, 3, 6]), spatial=st.sampled_from([(), (4,), (3, 2)]),
       seed=st.integers(0, 2 ** 16))
def test_group_normalization_channels_last_as_torch_group_norm(groups, spatial, seed):
    rng = np.random.default_rng(seed)
    shape = (2,) + spatial + (6,)
    x, gamma, beta = rng.normal(size=shape), rng.normal(size=6), rng.normal(size=6)
    layer = nn.GroupNormalization(groups=groups, epsilon=1e-3, dtype="float64")
    to_first = (0, len(shape) - 1) + tuple(range(1, len(shape) - 1))
    to_last = (0,) + tuple(range(2, len(shape))) + (1,)

    def theirs(x, g, b):
        y = torch.nn.functional.group_norm(x.permute(*to_first), groups, g, b, eps=1e-3)
        return y.permute(*to_last)
    compare_with_torch(with_weights(layer, shape, gamma, beta), theirs, x, gamma, beta,
                       seed=seed, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("make, shape", [
    (lambda: nn.GroupNormalization(groups=2, epsilon=1e-3, dtype="float64"), (2, 3, 4)),
    (lambda: nn.GroupNormalization(groups=-1, axis=1, epsilon=1e-3, dtype="float64"), (2, 3, 2)),
    (lambda: nn.RMSNormalization(axis=[-2, -1], dtype="float64"), (2, 3, 4)),
    (lambda: nn.LayerNormalization(rms_scaling=True, dtype="float64"), (3, 4)),
], ids=["group", "instance", "rms", "layer_rms_scaling"])
def test_norms_against_central_differences_to_second_order(make, shape):
    # Needs no PyTorch: first derivatives against central differences, second (as
    # Hessian-vector products) against central differences of the first.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # rms_scaling's deprecation
        layer = make()
    layer.build(shape)
    names = [n for n in ("gamma", "beta", "scale")
             if isinstance(getattr(layer, n, None), ag.Value)]  # GroupNorm's scale is a flag
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=getattr(layer, n).shape) for n in names]

    def f(x, *ws):
        for n, w in zip(names, ws):
            setattr(layer, n, w)
        return layer(x)
    x = rng.normal(size=shape)
    ag.gradcheck(f, [x] + weights)
    check_second_order(f, x, *weights)


@needs_torch
def test_group_normalization_channels_first_and_instance_normalization():
    rng = np.random.default_rng(0)
    x, gamma, beta = rng.normal(size=(3, 4, 5)), rng.normal(size=4), rng.normal(size=4)
    layer = nn.GroupNormalization(groups=2, axis=1, epsilon=1e-5, dtype="float64")
    compare_with_torch(with_weights(layer, x.shape, gamma, beta),
                       lambda x, g, b: torch.nn.functional.group_norm(x, 2, g, b, eps=1e-5),
                       x, gamma, beta, rtol=1e-9, atol=1e-11)
    instance = nn.GroupNormalization(groups=-1, axis=1, epsilon=1e-5, dtype="float64")
    y = instance(x)
    assert instance.groups == 4 and instance.get_config()["groups"] == 4  # as Keras records
    expected = torch.nn.functional.instance_norm(torch.tensor(x), eps=1e-5).numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-9, atol=1e-11)


def test_group_normalization_is_checked_before_it_changes():
    for groups in (0, -2, True, 2.0):
        with pytest.raises(ValueError, match="groups must be a positive integer"):
            nn.GroupNormalization(groups=groups)
    layer = nn.GroupNormalization(groups=4)
    with pytest.raises(ValueError, match="the 6 channels on axis -1 do not split into 4"):
        layer(np.ones((2, 6)))
    with pytest.raises(ValueError, match="4 groups cannot be more than the 3 channels"):
        layer(np.ones((2, 3)))
    assert not layer.built and layer.gamma is None and layer.groups == 4
    assert layer(np.ones((2, 8))).shape == (2, 8) and layer.gamma.shape == (8,)
    with pytest.raises(ValueError, match="built for 8 channels"):
        layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match="axis 0 is the batch"):
        nn.GroupNormalization(groups=1, axis=0)(np.ones((2, 4)))
    with pytest.raises(ValueError, match="do not split into 4 groups"):
        nn.GroupNormalization(groups=4, input_shape=(6,))


def test_group_normalization_trains_in_a_model_and_rebuilds_from_its_config():
    model = nn.Sequential([nn.Dense(8, input_shape=(3,)), nn.GroupNormalization(groups=4),
                           nn.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    copy = nn.GroupNormalization.from_config(model.layers[1].get_config())
    assert copy.groups == 4 and copy.epsilon == 1e-3


@needs_torch
@pytest.mark.parametrize("axis", [-1, [-2, -1]])
def test_rms_normalization_as_torch_rms_norm(axis):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4))
    sizes = (4,) if axis == -1 else (3, 4)
    scale = rng.normal(size=sizes)
    layer = nn.RMSNormalization(axis=axis, dtype="float64")
    layer.build(x.shape)
    assert layer.scale.shape == sizes
    np.testing.assert_array_equal(layer.scale.numpy(), 1.0)  # Keras starts at ones

    def ours(x, s):
        layer.scale = s
        return layer(x)
    compare_with_torch(ours, lambda x, s: torch.nn.functional.rms_norm(x, sizes, s, eps=1e-6),
                       x, scale, rtol=1e-9, atol=1e-11)
    assert layer.get_config()["epsilon"] == 1e-6


def test_rms_normalization_of_keras_docs_numbers():
    # rms of (3, 4) is sqrt(12.5)
    y = nn.RMSNormalization(epsilon=1e-6, dtype="float64")(np.array([[3.0, 4.0]]))
    np.testing.assert_allclose(y.numpy(), [[3.0, 4.0]] / np.sqrt(12.5 + 1e-6))
    with pytest.raises(ValueError, match="axis 0 is the batch"):
        nn.RMSNormalization(axis=0)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="epsilon must be positive"):
        nn.RMSNormalization(epsilon=0)


@needs_torch
def test_layer_normalization_rms_scaling_as_keras_computes_it():
    with pytest.warns(UserWarning, match="rms_scaling=True is deprecated"):
        layer = nn.LayerNormalization(rms_scaling=True, epsilon=1e-3, dtype="float64")
    rng = np.random.default_rng(3)
    x, gamma = rng.normal(size=(3, 5)), rng.normal(size=5)
    layer.build(x.shape)
    assert layer.beta is None and layer.gamma.shape == (5,)  # Keras makes no beta

    def ours(x, g):
        layer.gamma = g
        return layer(x)

    def keras_formula(x, g):
        return x * torch.rsqrt(x.var(dim=-1, unbiased=False, keepdim=True) + 1e-3) * g
    compare_with_torch(ours, keras_formula, x, gamma, rtol=1e-9, atol=1e-11)
    assert layer.get_config()["rms_scaling"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default mode warns of nothing
        nn.LayerNormalization()
