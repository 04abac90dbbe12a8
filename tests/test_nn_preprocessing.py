"""Keras's Normalization layer: adapt's statistics against numpy (whole arrays and batches,
float32 and float64, every kind of axis), outputs against the formula and Keras's own
docstring examples, invert, gradients against central differences, the config and whole
model files, refusals that change nothing, and TensorFlow's regression tutorial in small."""

import json

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.preprocessing import EPSILON, Normalization


@pytest.fixture
def float64():
    ag.set_default_dtype(ag.float64)   # conftest puts the default back


def _data(shape=(40, 4, 3), seed=0):
    """Features on very different scales and offsets, so that a wrong axis shows."""
    rng = np.random.default_rng(seed)
    scales = 10.0 ** np.arange(shape[-1])
    return rng.standard_normal(shape) * scales + 3 * scales


def _reduced(axis, ndim):
    """The axes numpy reduces over: every one but ``axis`` (all for None)."""
    keep = () if axis is None else np.atleast_1d(axis) % ndim
    return tuple(d for d in range(ndim) if d not in keep)


def _normalized(x, mean, var):
    return (x - mean) / np.maximum(np.sqrt(var), EPSILON)


AXES = [-1, 1, 2, (1, 2), (-1, 1), None]


# --- adapt against numpy ----------------------------------------------------------------
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-6), ("float64", 1e-12)])
def test_adapt_mean_and_variance_are_numpys(axis, dtype, rtol):
    x = _data().astype(dtype)
    layer = Normalization(axis=axis, dtype=dtype)
    layer.adapt(x)
    reduced = _reduced(axis, x.ndim)
    mean = x.astype(np.float64).mean(axis=reduced, keepdims=True)
    var = x.astype(np.float64).var(axis=reduced, keepdims=True)
    assert layer.mean.dtype == layer.variance.dtype == np.dtype(dtype)
    assert layer.mean.shape == layer.variance.shape == mean.shape
    np.testing.assert_allclose(layer.mean.numpy(), mean, rtol=rtol)
    np.testing.assert_allclose(layer.variance.numpy(), var, rtol=rtol)
    assert int(layer.count.numpy()) == x.size // mean.size


@pytest.mark.parametrize("axis", AXES)
def test_adapt_on_batches_equals_adapt_on_the_whole(axis, float64):
    x = _data()
    whole = Normalization(axis=axis)
    whole.adapt(x)
    uneven = [x[:7], x[7:8], x[8:30], x[30:]]

    def generator():
        yield from uneven

    feeds = [dict(data=uneven), dict(data=generator()), dict(data=x, batch_size=6),
             dict(data=[(b, np.zeros(len(b))) for b in uneven]),  # Keras's (x, y) batches
             dict(data=[ag.constant(b) for b in uneven])]
    for feed in feeds:
        layer = Normalization(axis=axis)
        layer.adapt(**feed)
        np.testing.assert_allclose(layer.mean.numpy(), whole.mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(layer.variance.numpy(), whole.variance.numpy(), rtol=1e-10)
        assert int(layer.count.numpy()) == int(whole.count.numpy())


def test_steps_takes_the_first_batches(float64):
    x = _data((50, 3))
    layer = Normalization()
    layer.adapt(x, batch_size=8, steps=2)  # the first 16 samples
    np.testing.assert_allclose(layer.mean.numpy(), x[:16].mean(axis=0, keepdims=True))
    layer.adapt(x, steps=1)                # Keras 2's default batch_size: 32
    np.testing.assert_allclose(layer.variance.numpy(), x[:32].var(axis=0, keepdims=True))
    layer.adapt(iter([x[:5], x[5:9], x[9:]]), steps=2)
    np.testing.assert_allclose(layer.mean.numpy(), x[:9].mean(axis=0, keepdims=True))
    assert int(layer.count.numpy()) == 9


def test_axis_none_adapts_1d_data_for_a_layer_built_for_one_feature():
    # the tutorial's horsepower_normalizer: input_shape=[1,], adapted on a column
    horsepower = np.random.default_rng(0).normal(100.0, 40.0, size=50)
    layer = Normalization(input_shape=[1], axis=None)
    layer.adapt(horsepower)
    assert layer.mean.shape == (1, 1)
    np.testing.assert_allclose(layer.mean.numpy(), [[horsepower.mean()]], rtol=1e-6)
    np.testing.assert_allclose(layer.variance.numpy(), [[horsepower.var()]], rtol=1e-6)
    column = horsepower[:5, None]
    np.testing.assert_allclose(layer(column).numpy(),
                               _normalized(column, horsepower.mean(), horsepower.var()),
                               atol=1e-5)  # float32


def test_adapt_again_starts_afresh():
    layer = Normalization()
    layer.adapt(np.array([[0.0], [2.0]]))
    layer.adapt(np.array([[10.0], [20.0], [30.0]]))
    np.testing.assert_allclose(layer.mean.numpy(), [[20.0]])
    np.testing.assert_allclose(layer.variance.numpy(), [[200.0 / 3]], rtol=1e-6)
    assert int(layer.count.numpy()) == 3


# --- outputs: the formula and Keras's documented examples ---------------------------------
@pytest.mark.parametrize("axis", AXES)
def test_output_is_the_formula(axis, float64):
    x = _data()
    layer = Normalization(axis=axis)
    layer.adapt(x)
    reduced = _reduced(axis, x.ndim)
    mean, var = x.mean(axis=reduced, keepdims=True), x.var(axis=reduced, keepdims=True)
    new = _data((5, 4, 3), seed=1)
    y = layer(new).numpy()
    np.testing.assert_allclose(y, _normalized(new, mean, var), rtol=1e-12)
    out = layer(x).numpy()  # the adapted data comes out standardized
    np.testing.assert_allclose(out.mean(axis=reduced), 0.0, atol=1e-10)
    np.testing.assert_allclose(out.var(axis=reduced), 1.0, rtol=1e-10)


def test_a_constant_feature_is_divided_by_keras_epsilon(float64):
    layer = Normalization()
    layer.adapt(np.array([[5.0, 1.0], [5.0, 3.0]]))
    np.testing.assert_allclose(layer.variance.numpy(), [[0.0, 1.0]])
    y = layer(np.array([[5.0 + 3e-7, 2.0]])).numpy()
    np.testing.assert_allclose(y, [[3.0, 0.0]], rtol=1e-6)  # 3e-7 / 1e-7, not inf


def test_keras_docstring_examples():
    # "Calculate a global mean and variance by analyzing the dataset in adapt()."
    layer = Normalization(axis=None)
    layer.adapt(np.array([1., 2., 3., 4., 5.], dtype="float32"))
    out = layer(np.array([1., 2., 3.], dtype="float32")).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [-1.4142135, -0.70710677, 0.], rtol=1e-6)

    # "Calculate a mean and variance for each index on the last axis."
    adapt_data = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]],
                          dtype="float32")
    layer = Normalization(axis=-1)
    layer.adapt(adapt_data)
    np.testing.assert_allclose(layer(np.array([[0., 7., 4.]], dtype="float32")).numpy(),
                               [[-1., -1., -1.]])

    # "Pass the mean and variance directly."
    layer = Normalization(mean=3., variance=2.)
    np.testing.assert_allclose(layer(np.array([[1.], [2.], [3.]], dtype="float32")).numpy(),
                               [[-1.4142135], [-0.70710677], [0.]], rtol=1e-6)

    # "Use the layer to de-normalize inputs (after adapting the layer)."
    layer = Normalization(axis=-1, invert=True)
    layer.adapt(adapt_data)
    np.testing.assert_allclose(layer(np.array([[1., 2., 3.]], dtype="float32")).numpy(),
                               [[2., 10., 8.]])


@pytest.mark.parametrize("axis", AXES)
def test_invert_undoes_the_normalization(axis, float64):
    x = _data()
    forward, inverse = Normalization(axis=axis), Normalization(axis=axis, invert=True)
    forward.adapt(x)
    inverse.adapt(x)
    z = np.random.default_rng(2).standard_normal((3, 4, 3))
    std = np.maximum(np.sqrt(forward.variance.numpy()), EPSILON)
    np.testing.assert_allclose(inverse(z).numpy(), forward.mean.numpy() + z * std,
                               rtol=1e-12)
    np.testing.assert_allclose(inverse(forward(x)).numpy(), x, rtol=1e-10)


def test_given_mean_and_variance_broadcast_to_the_kept_axes_as_keras():
    # Keras's tests: the given values sit on the kept axes, aligned to the right.
    layer = Normalization(axis=2, mean=np.arange(1.0, 6.0), variance=np.ones(5))
    layer.build((2, 4, 5, 3))
    assert layer.mean.shape == (1, 1, 5, 1)
    np.testing.assert_allclose(layer.mean.numpy()[0, 0, :, 0], np.arange(1.0, 6.0))
    layer = Normalization(axis=(1, 2), mean=np.arange(1.0, 6.0), variance=np.ones(5))
    layer.build((2, 7, 5, 3))
    assert layer.mean.shape == (1, 7, 5, 1)
    np.testing.assert_allclose(layer.mean.numpy()[0, 6, :, 0], np.arange(1.0, 6.0))
    layer = Normalization(axis=-1, mean=5.0, variance=4.0)
    y = layer(np.full((3, 7), 9.0)).numpy()
    assert layer.mean.shape == (1, 7)
    np.testing.assert_allclose(y, np.full((3, 7), 2.0))
    # given statistics are constants, not weights (Keras: no weights)
    assert layer.weights == [] and layer.count_params() == 0


def test_integer_and_float64_inputs_compute_in_the_layers_dtype():
    layer = Normalization()
    layer.adapt(np.array([[1, 10], [3, 30]]))
    y = layer(np.array([[3, 10]]))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), [[1.0, -1.0]])
    assert layer(ag.constant([[3.0, 10.0]], dtype="float64")).dtype == np.float32


# --- gradients --------------------------------------------------------------------------
@pytest.mark.parametrize("invert", [False, True])
def test_gradient_against_central_differences(invert, float64):
    layer = Normalization(axis=(1, 2), invert=invert)
    layer.adapt(_data())
    x = _data((2, 4, 3), seed=3)
    ag.gradcheck(layer, [x])  # raises GradcheckError on a mismatch
    v = ag.Variable(x)
    ag.sum(layer(v)).backward()
    std = np.maximum(np.sqrt(layer.variance.numpy()), EPSILON)
    expected = std if invert else 1 / std   # dy/dx, one per kept index
    np.testing.assert_allclose(v.grad, np.broadcast_to(expected, x.shape), rtol=1e-12)


# --- weights, config, files -------------------------------------------------------------
def test_weights_are_keras_non_trainable_mean_variance_count():
    x = _data((30, 9))
    layer = Normalization(input_shape=(9,))
    layer.adapt(x)
    assert [name for name, _ in layer.named_parameters()] == ["mean", "variance", "count"]
    assert layer.trainable_variables == [] and len(layer.non_trainable_variables) == 3
    assert isinstance(layer.mean, ag.Variable) and layer.count.dtype == np.int64
    model = nn.Sequential([layer, nn.Dense(1)])
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 19" in lines  # the tutorial's 9 features: 9 + 9 + 1
    assert "Trainable params: 10" in lines


def test_get_config_rebuilds_the_layer():
    layer = Normalization(axis=(1, 2), invert=True, name="norm")
    config = layer.get_config()
    assert config == {"name": "norm", "trainable": True, "axis": (1, 2), "invert": True,
                      "mean": None, "variance": None}
    again = Normalization(**json.loads(json.dumps(config)))
    assert (again.axis, again.invert, again.input_mean) == ((1, 2), True, None)

    given = Normalization(axis=None, mean=1.0, variance=4.0, dtype="float64")
    config = given.get_config()
    assert config["mean"] == 1.0 and config["variance"] == 4.0
    assert config["axis"] == () and config["dtype"] == "float64"
    again = Normalization(**json.loads(json.dumps(config)))
    assert again(np.array([[5.0, 3.0]])).numpy().tolist() == [[2.0, 1.0]]
    assert again.dtype == "float64"
    given = Normalization(axis=-1, mean=[1.0, 2.0], variance=[4.0, 9.0], input_shape=(2,))
    again = Normalization(**json.loads(json.dumps(given.get_config())))
    x = np.array([[3.0, 8.0]])
    np.testing.assert_allclose(again(x).numpy(), [[1.0, 2.0]])
    np.testing.assert_allclose(again(x).numpy(), given(x).numpy())
    assert again.input_shape == (None, 2)


@pytest.mark.parametrize("with_input", [False, True])
def test_model_save_and_load_round_trip(tmp_path, with_input):
    x = _data((64, 3))
    normalizer = Normalization(axis=-1)
    normalizer.adapt(x)
    layers = [normalizer, nn.Dense(8, activation="relu"), nn.Dense(1)]
    model = nn.Sequential(([nn.Input((3,))] if with_input else []) + layers)
    expected = model.predict(x)
    model.save(tmp_path / "model.keras")
    loaded = nn.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(x), expected, rtol=1e-6)
    np.testing.assert_allclose(loaded.layers[0].mean.numpy(), normalizer.mean.numpy())
    assert int(loaded.layers[0].count.numpy()) == 64
    # get_weights / set_weights carry the statistics too
    fresh = nn.Sequential([nn.Input((3,)), Normalization(), nn.Dense(8, activation="relu"),
                           nn.Dense(1)])
    fresh.set_weights(model.get_weights())
    np.testing.assert_allclose(fresh.predict(x), expected, rtol=1e-6)


def test_functional_model_built_before_adapt_round_trips(tmp_path):
    x = _data((20, 3))
    inputs = nn.Input((3,))
    normalizer = Normalization()
    model = nn.Model(inputs, nn.Dense(1)(normalizer(inputs)))
    normalizer.adapt(x)
    model.save(tmp_path / "model.keras")
    loaded = nn.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


def test_model_with_given_statistics_round_trips(tmp_path):
    model = nn.Sequential([nn.Input((2,)), Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0]),
                           nn.Dense(1)])
    x = np.array([[3.0, 8.0], [0.0, 1.0]])
    model.save(tmp_path / "model.keras")
    loaded = nn.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


# --- refusals that change nothing -------------------------------------------------------
def test_calling_before_adapt_raises_naming_the_layer():
    layer = Normalization(name="features")
    with pytest.raises(ValueError, match="'features' has not been adapted"):
        layer(np.ones((2, 3)))
    assert not layer.built and layer.mean is None and layer.weights == []
    built = Normalization(input_shape=(3,), name="built")
    with pytest.raises(ValueError, match="'built' has not been adapted"):
        built(np.ones((2, 3)))


def test_a_model_may_be_built_before_adapt_but_not_run():
    normalizer = Normalization()
    model = nn.Sequential([nn.Input((2,)), normalizer, nn.Dense(1)])
    assert model.count_params() == 2 + 2 + 1 + 3
    with pytest.raises(ValueError, match="has not been adapted"):
        model.predict(np.ones((4, 2)))
    normalizer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))  # adapted afterwards, as in Keras
    np.testing.assert_allclose(normalizer(np.array([[2.0, 10.0]])).numpy(), [[1.0, -1.0]])
    assert model.predict(np.ones((4, 2))).shape == (4, 1)


def _state(layer):
    return [w.copy() for w in layer.get_weights()]


def test_bad_data_raises_and_changes_nothing():
    layer = Normalization(axis=-1)
    layer.adapt(_data((10, 3)))
    before = _state(layer)

    def mixed():
        yield np.ones((4, 3))
        yield np.ones((4, 5))

    bad = [(dict(data=np.ones((10, 4))), ValueError, "incompatible shape"),
           (dict(data=np.ones((10, 3, 2))), ValueError, "incompatible shape"),
           (dict(data=mixed()), ValueError, "incompatible shape"),
           (dict(data=[]), ValueError, "no batches"),
           (dict(data=np.ones((0, 3))), ValueError, "no values"),
           (dict(data=[1.0, 2.0]), TypeError, "each batch must be an array"),
           (dict(data=np.array([["a", "b", "c"]])), TypeError, "real numbers"),
           (dict(data=[np.ones((2, 3))], batch_size=2), ValueError, "batch_size is for"),
           (dict(data=np.ones((2, 3)), steps=0), ValueError, "steps must be")]
    for feed, error, match in bad:
        with pytest.raises(error, match=match):
            layer.adapt(**feed)
        for w, old in zip(layer.get_weights(), before):
            np.testing.assert_array_equal(w, old)
    with pytest.raises(ValueError, match="built for statistics of shape"):
        layer(np.ones((2, 4)))
    with pytest.raises(ValueError, match="built for statistics of shape"):
        layer(np.ones((2, 1)))  # would broadcast to (2, 3)


def test_an_axis_that_does_not_fit_the_data_leaves_the_layer_unbuilt():
    for axis, shape in [(3, (5, 2)), (-4, (5, 2, 3)), ((1, -1), (5, 2))]:
        layer = Normalization(axis=axis)
        with pytest.raises(ValueError, match="axis"):
            layer.adapt(np.ones(shape))
        assert not layer.built and layer.mean is None and layer.weights == []


def test_refused_arguments():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        Normalization(mean=0.5)
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        Normalization(variance=0.1)
    with pytest.raises(ValueError, match="same shape"):
        Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="negative"):
        Normalization(mean=0.0, variance=-1.0)
    with pytest.raises(TypeError, match="axis"):
        Normalization(axis="last")
    with pytest.raises(TypeError, match="unexpected keyword"):
        Normalization(epsilon=1e-3)
    given = Normalization(mean=0.0, variance=1.0)
    with pytest.raises(ValueError, match="given mean and variance"):
        given.adapt(np.ones((2, 2)))
    with pytest.raises(ValueError, match="do not broadcast"):
        Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])(np.ones((2, 3)))
    with pytest.raises(ValueError, match="rank of mean"):
        Normalization(axis=None, mean=[1.0], variance=[1.0])


# --- TensorFlow's "Basic regression: Predict fuel efficiency", in small --------------------
def test_regression_tutorial_linear_model_learns():
    rng = np.random.default_rng(0)
    # like the Auto MPG features: cylinders, displacement, horsepower, weight, ...
    scales = np.array([2.0, 100.0, 40.0, 800.0, 3.0])
    offsets = np.array([5.0, 190.0, 100.0, 3000.0, 15.0])
    x = rng.standard_normal((256, 5)) * scales + offsets
    y = ((x - offsets) / scales) @ np.array([-1.0, -2.0, 0.5, -3.0, 1.0]) + 2.0

    normalizer = Normalization(axis=-1)
    normalizer.adapt(np.array(x))
    np.testing.assert_allclose(normalizer.mean.numpy()[0], x.mean(axis=0), rtol=1e-5)
    model = nn.Sequential([normalizer, nn.Dense(1)])
    model.compile(optimizer=optim.Adam(learning_rate=0.1), loss="mean_absolute_error")
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[2] < losses[1] < losses[0]
    assert losses[-1] < 0.1 * losses[0]  # mean absolute error of ~3 down to a few hundredths
    assert model.layers[0].trainable_variables == []  # fit left the statistics alone
    np.testing.assert_allclose(normalizer.mean.numpy()[0], x.mean(axis=0), rtol=1e-5)
