"""Keras's ``dtype=`` keyword on the Keras-style layers (``nn.keras_module``).

A layer given a float dtype makes its weights (and buffers) in it and casts its floating
inputs to it, so it computes in it; integer inputs stay integers. ``layer.dtype`` is the
dtype's name; ``get_config()``, ``model.save`` and ``nn.load_model`` keep it. A refused
dtype is refused before the layer takes a name or draws a random number. The PyTorch-style
layers' own ``dtype=`` is tests/test_nn_torch_factory_kwargs.py's."""

import json
import zipfile

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from side_effects import nothing_changes
from nn.base_layer import Layer
from nn.recurrent import KerasGRU, KerasLSTM
from nn.torch_recurrent import TorchLSTM


class Linear(Layer):
    """The subclassing guide's layer: its weights come from add_weight."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, inputs):
        return ag.matmul(inputs, self.w) + self.b


# name: (the layer from **kw, the input's shape; None: integer ids for the Embedding)
WEIGHTED = {
    "Dense": (lambda **kw: nn.Dense(3, activation="tanh", **kw), (4, 5)),
    "Dense+prelu": (lambda **kw: nn.Dense(3, activation="prelu", **kw), (4, 5)),
    "Perceptron": (lambda **kw: nn.Perceptron(5, activation="sigmoid", **kw), (4, 5)),
    "PReLU": (lambda **kw: nn.PReLU(**kw), (4, 5)),
    "Conv2D": (lambda **kw: nn.Conv2D(3, 3, padding="same", activation="relu", **kw),
               (2, 6, 6, 2)),
    "Conv1D": (lambda **kw: nn.Conv1D(3, 3, padding="causal", **kw), (2, 7, 2)),
    "DepthwiseConv2D": (lambda **kw: nn.DepthwiseConv2D(3, depth_multiplier=2, **kw),
                        (2, 5, 5, 2)),
    "Conv2DTranspose": (lambda **kw: nn.Conv2DTranspose(2, 3, strides=2, **kw), (2, 4, 4, 3)),
    "BatchNormalization": (lambda **kw: nn.BatchNormalization(**kw), (6, 4)),
    "LayerNormalization": (lambda **kw: nn.LayerNormalization(**kw), (3, 4, 5)),
    "Embedding": (lambda **kw: nn.Embedding(10, 4, **kw), None),
    "SimpleRNN": (lambda **kw: nn.SimpleRNN(4, return_sequences=True, **kw), (2, 5, 3)),
    "LSTM": (lambda **kw: nn.LSTM(4, return_state=True, **kw), (2, 5, 3)),
    "GRU": (lambda **kw: nn.GRU(4, **kw), (2, 5, 3)),
    "Bidirectional": (lambda **kw: nn.Bidirectional(nn.LSTM(3), **kw), (2, 5, 3)),
    "TimeDistributed": (lambda **kw: nn.TimeDistributed(nn.Dense(3, **kw), **kw), (2, 4, 5)),
    "Layer": (lambda **kw: Linear(3, **kw), (4, 5)),
}


def sample(name, seed=0):
    shape = WEIGHTED[name][1]
    rng = np.random.default_rng(seed)
    if shape is None:
        return rng.integers(0, 10, (3, 5))
    return rng.standard_normal(shape).astype(np.float32)


def flat(output):
    if isinstance(output, (tuple, list)):
        return [v for item in output for v in flat(item)]
    return [output]


@pytest.mark.parametrize("name", WEIGHTED)
def test_weights_and_outputs_are_in_the_dtype_and_equal_float64_maths(name):
    assert ag.get_default_dtype() == np.float32
    make = WEIGHTED[name][0]
    layer = make(dtype="float64")
    x = sample(name)
    outputs = flat(layer(x))
    weights = layer.get_weights()
    assert weights and {w.dtype for w in weights} == {np.dtype(np.float64)}
    assert [y.dtype for y in outputs] == [np.float64] * len(outputs)
    assert layer.dtype == "float64"

    # The same layer made and run in float64 (the default dtype), the same weights.
    ag.set_default_dtype(ag.float64)  # conftest restores it
    reference = make()
    x64 = x if x.dtype.kind != "f" else x.astype(np.float64)
    reference(x64)                    # builds it
    reference.set_weights(weights)
    expected = flat(reference(x64))
    ag.set_default_dtype(ag.float32)
    layer.set_weights(weights)  # BatchNormalization's first call moved its statistics
    outputs = flat(layer(x))
    assert len(outputs) == len(expected)
    for y, want in zip(outputs, expected):
        assert want.dtype == np.float64
        np.testing.assert_allclose(y.numpy(), want.numpy(), rtol=0, atol=1e-12)


def test_buffers_and_lazily_built_weights_take_the_dtype():
    bn = nn.BatchNormalization(dtype=np.float64)
    bn(np.ones((3, 2), np.float32))
    assert bn.moving_mean.dtype == bn.moving_variance.dtype == np.float64
    assert not bn.moving_mean.trainable
    # built from input_shape at once, and the PReLU that Dense's "prelu" makes is its own
    dense = nn.Dense(2, activation="prelu", input_shape=(3,), dtype="float16")
    assert [w.dtype for w in dense.get_weights()] == [np.float16] * 3
    assert dense.activation.dtype == "float16"
    # a weight of add_weight's: the layer's dtype unless one is given
    layer = Linear(2, dtype="float64")
    assert layer.add_weight((2,), "zeros", name="extra").dtype == np.float64
    assert layer.add_weight((2,), "zeros", name="half", dtype="float16").dtype == np.float16


def test_the_gradient_flows_through_the_cast_back_in_the_inputs_dtype():
    x = ag.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    layer = nn.Dense(2, dtype="float64", kernel_initializer="ones")
    y = layer(x)
    assert y.dtype == np.float64
    ag.sum(y).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    assert layer.W.grad.dtype == np.float64


# name: (the layer from **kw, its input, floats of float32)
WEIGHTLESS = {
    "Flatten": (lambda **kw: nn.Flatten(**kw), (2, 3, 4)),
    "Reshape": (lambda **kw: nn.Reshape((12,), **kw), (2, 3, 4)),
    "Dropout": (lambda **kw: nn.Dropout(0.5, seed=1, **kw), (2, 3, 4)),
    "Activation": (lambda **kw: nn.Activation("relu", **kw), (2, 3)),
    "ReLU": (lambda **kw: nn.ReLU(**kw), (2, 3)),
    "Softmax": (lambda **kw: nn.Softmax(**kw), (2, 3)),
    "LeakyReLU": (lambda **kw: nn.LeakyReLU(**kw), (2, 3)),
    "MaxPooling2D": (lambda **kw: nn.MaxPooling2D(**kw), (2, 4, 4, 3)),
    "GlobalAveragePooling1D": (lambda **kw: nn.GlobalAveragePooling1D(**kw), (2, 5, 3)),
    "UpSampling2D": (lambda **kw: nn.UpSampling2D(interpolation="bilinear", **kw),
                     (1, 2, 2, 1)),
    "ZeroPadding1D": (lambda **kw: nn.ZeroPadding1D(**kw), (2, 5, 3)),
    "GaussianNoise": (lambda **kw: nn.GaussianNoise(0.1, seed=0, **kw), (2, 3)),
    "Rescaling": (lambda **kw: nn.Rescaling(1 / 255, **kw), (2, 3)),
    "RepeatVector": (lambda **kw: nn.RepeatVector(2, **kw), (2, 3)),
}


@pytest.mark.parametrize("name", WEIGHTLESS)
def test_layers_without_weights_cast_only_when_given_a_dtype(name):
    make, shape = WEIGHTLESS[name]
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    given = make(dtype="float64")
    y = given(x)
    assert y.dtype == np.float64 and given.dtype == "float64"
    ag.set_default_dtype(ag.float64)  # the same layer in float64 maths; conftest restores
    expected = make()(x.astype(np.float64))
    ag.set_default_dtype(ag.float32)
    np.testing.assert_allclose(_numpy(y), _numpy(expected), rtol=0, atol=1e-12)
    # without a dtype, as before: a float32 input stays float32, a float64 Value float64
    assert make()(x).dtype == np.float32
    assert make()(ag.constant(x.astype(np.float64))).dtype == np.float64
    assert make().dtype == "float32"


def _numpy(y):
    return y.numpy() if isinstance(y, ag.Value) else np.asarray(y)


def test_merging_layers_cast_every_input():
    a, b = np.ones((2, 3), np.float32), ag.constant(np.full((2, 3), 2.0, np.float32))
    for layer in (nn.Add(dtype="float64"), nn.Concatenate(dtype="float64"),
                  nn.Average(dtype=np.float64), nn.Multiply(dtype="float64")):
        assert layer([a, b]).dtype == np.float64
    assert nn.Add()([a, b]).dtype == np.float32


def test_integer_inputs_are_left_alone():
    ids = np.array([[1, 2, 3]])
    emb = nn.Embedding(5, 2, dtype="float64")
    assert emb(ids).dtype == np.float64
    assert emb(ids.astype(np.float32)).dtype == np.float64  # whole floats: looked up as ids
    assert nn.Flatten(dtype="float64")(ids).dtype == ids.dtype
    # Embedding's float ids are not cast: float16 would turn 4097 into 4096
    big = nn.Embedding(5000, 2, dtype="float16")
    np.testing.assert_array_equal(big(np.array([[4097.0]])).numpy()[0, 0],
                                  big.embeddings.numpy()[4097])


@pytest.mark.parametrize("dtype, shown", [
    (ag.float64, "float64"), (np.float64, "float64"), ("float64", "float64"),
    (np.dtype("float16"), "float16"), ("float32", "float32"), (None, "float32")])
def test_layer_dtype_is_the_dtypes_name(dtype, shown):
    for layer in (nn.Dense(2, dtype=dtype), nn.Flatten(dtype=dtype), nn.LSTM(2, dtype=dtype),
                  Linear(dtype=dtype)):
        assert layer.dtype == shown


def test_dtype_none_is_the_default_read_when_the_weights_are_made():
    layer = nn.Dense(2)
    ag.set_default_dtype(ag.float64)
    assert layer.dtype == "float64"
    layer(np.ones((1, 3)))
    assert layer.W.dtype == np.float64
    # the input layer's dtype (a numpy dtype, as before) and a model's are not disturbed
    inputs = nn.Input((3,), dtype="float32")
    model = nn.Model(inputs, nn.Dense(2, dtype="float32")(inputs), dtype="float64")
    assert inputs.node.layer.dtype == np.float32 and model.dtype == "float64"


REFUSERS = {
    "Dense": lambda **kw: nn.Dense(2, input_shape=(3,), **kw),
    "Conv2D": lambda **kw: nn.Conv2D(2, 3, input_shape=(5, 5, 1), **kw),
    "BatchNormalization": lambda **kw: nn.BatchNormalization(input_shape=(3,), **kw),
    "Embedding": lambda **kw: nn.Embedding(4, 2, **kw),
    "LSTM": lambda **kw: nn.LSTM(4, input_shape=(5, 3), **kw),
    "SimpleRNN": lambda **kw: nn.SimpleRNN(4, input_shape=(5, 3), **kw),
    "Flatten": lambda **kw: nn.Flatten(**kw),
    "Add": lambda **kw: nn.Add(**kw),
    "Dropout": lambda **kw: nn.Dropout(0.5, **kw),
    "Linear": lambda **kw: Linear(**kw),
}


@pytest.mark.parametrize("dtype, shown", [
    (np.int32, "int32"), ("int64", "int64"), (ag.int64, "int64"), (bool, "bool"),
    ("mixed_float16", "'mixed_float16'"), ("bogus", "'bogus'"), (5, "5")])
@pytest.mark.parametrize("name", REFUSERS)
def test_a_dtype_not_a_float_is_refused_before_anything_is_made(name, dtype, shown):
    def call():
        with pytest.raises(TypeError, match=rf"^{name}: dtype must be a floating dtype "
                                            rf"\(float32, float64, ...\), got dtype={shown}"):
            REFUSERS[name](dtype=dtype)
    nothing_changes(call)
    with pytest.raises(TypeError, match=rf"^{name} 'mine': dtype must be a floating dtype"):
        REFUSERS[name](dtype=dtype, name="mine")


def test_mixed_precision_policies_are_named_as_unsupported():
    with pytest.raises(TypeError, match="mixed precision policies are not supported"):
        nn.Dense(2, dtype="mixed_float16")


def test_wrappers_refuse_before_naming_themselves():
    inner = nn.LSTM(3)
    dense = nn.Dense(3)
    nothing_changes(lambda: pytest.raises(TypeError, nn.Bidirectional, inner, dtype="bogus"))
    nothing_changes(lambda: pytest.raises(TypeError, nn.TimeDistributed, dense, dtype=int))


# TimeDistributed's config nests its layer's, which load_model rebuilds (tested below).
@pytest.mark.parametrize("name", [n for n in WEIGHTED if n != "TimeDistributed"])
def test_get_config_round_trips_the_dtype(name):
    make = WEIGHTED[name][0]
    layer = make(dtype="float64")
    layer(sample(name))
    config = layer.get_config()
    assert config["dtype"] == "float64"
    rebuilt = type(layer).from_config(config) if hasattr(type(layer), "from_config") \
        else type(layer)(**config)
    assert type(rebuilt) is type(layer) and rebuilt.dtype == "float64"
    rebuilt(sample(name))
    assert {w.dtype for w in rebuilt.get_weights()} == {np.dtype(np.float64)}
    assert rebuilt.get_config() == config
    # float32 configs are as they always were; configs without a dtype still load
    for plain in (make(), make(dtype="float32"), make(dtype="float64").to(ag.float32)):
        plain_config = plain.get_config()
        assert "dtype" not in plain_config
        if name != "Bidirectional":
            assert type(plain)(**plain_config).dtype == "float32"


@pytest.mark.parametrize("name", WEIGHTLESS)
def test_weightless_configs_round_trip_the_dtype(name):
    layer = WEIGHTLESS[name][0](dtype="float64")
    config = layer.get_config()
    assert config["dtype"] == "float64"
    assert type(layer)(**config).dtype == "float64"
    assert "dtype" not in WEIGHTLESS[name][0]().get_config()


def test_to_moves_a_given_dtype_with_the_weights():
    layer = nn.Dense(2, dtype="float64")
    layer.to(ag.float32)
    assert layer.dtype == "float32" and "dtype" not in layer.get_config()
    assert layer(np.ones((1, 3))).dtype == np.float32
    flatten = nn.Flatten()
    flatten.double()
    assert flatten.dtype == "float32"  # no dtype given: still no cast
    assert flatten(np.ones((1, 3), np.float32)).dtype == np.float32


def test_lstm_and_gru_take_dtype_for_both_libraries():
    for cls, keras_cls in ((nn.LSTM, KerasLSTM), (nn.GRU, KerasGRU)):
        keras = cls(4, dtype="float64")
        assert type(keras) is keras_cls and keras.dtype == "float64"
        assert keras(np.ones((2, 3, 5), np.float32)).dtype == np.float64
        torch_style = cls(5, 4, dtype="float64")
        assert type(torch_style) is not keras_cls
        assert torch_style.weight_ih_l0.dtype == np.float64
    assert type(nn.LSTM(units=4, dtype=np.float64)) is KerasLSTM
    assert type(nn.LSTM(input_size=5, hidden_size=4, dtype=np.float64)) is TorchLSTM


def float64_sequential():
    return nn.Sequential([
        nn.Input((6, 6, 1)),
        nn.Conv2D(2, 3, activation="relu", dtype="float64"),
        nn.BatchNormalization(dtype="float64"),
        nn.Reshape((16, 2), dtype="float64"),
        nn.LSTM(3, dtype="float64"),
        nn.Dense(1, dtype="float64")])


def test_model_save_and_load_model_keep_a_float64_sequential(tmp_path):
    model = float64_sequential()
    x = np.random.default_rng(4).standard_normal((5, 6, 6, 1)).astype(np.float32)
    model(x)  # training mode: the moving statistics move
    model.eval()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        layers = json.loads(archive.read("config.json"))["model"]["config"]["layers"]
    assert [spec["config"]["dtype"] for spec in layers] == ["float64"] * 5
    loaded = nn.load_model(path)
    assert [layer.dtype for layer in loaded.layers] == ["float64"] * 5
    for got, want in zip(loaded.get_weights(), model.get_weights()):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, want)
    y = loaded.predict(x, verbose=0)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, model.predict(x, verbose=0))


def test_a_float32_model_saves_no_dtype_and_loads_as_before(tmp_path):
    model = nn.Sequential([nn.Input((3,)), nn.Dense(2), nn.Flatten(), nn.Dense(1)])
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        layers = json.loads(archive.read("config.json"))["model"]["config"]["layers"]
    assert not any("dtype" in spec["config"] for spec in layers)
    loaded = nn.load_model(tmp_path / "m.keras")
    assert {w.dtype for w in loaded.get_weights()} == {np.dtype(np.float32)}


def test_a_functional_float64_model_round_trips(tmp_path):
    inputs = nn.Input((4,))
    h = nn.Dense(5, activation="relu", dtype="float64")(inputs)
    skip = nn.Dense(5, dtype="float64")(inputs)
    outputs = nn.Dense(2, dtype="float64")(nn.Add(dtype="float64")([h, skip]))
    model = nn.Model(inputs, outputs)
    assert outputs.dtype == np.float64   # the symbolic pass computes in the dtype too
    residual = nn.Sequential([nn.Input((4,)), nn.Residual(nn.Dense(4, dtype="float64"),
                                                          dtype="float64")])
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    for m in (model, residual):
        m.save(tmp_path / "f.keras")
        loaded = nn.load_model(tmp_path / "f.keras")
        y = loaded.predict(x, verbose=0)
        assert y.dtype == np.float64
        np.testing.assert_array_equal(y, m.predict(x, verbose=0))
    assert loaded.layers[0].dtype == "float64"


def test_keras_example_trains_in_float64():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4))
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]]) + 0.1
    model = nn.Sequential([nn.Input((4,)), nn.Dense(8, activation="relu", dtype="float64"),
                           nn.Dense(1, dtype="float64")])
    model.compile(optimizer=optim.Adam(learning_rate=0.02), loss="mse")
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0, seed=0)
    losses = history.history["loss"]
    assert len(losses) == 8 and losses[-1] < 0.5 * losses[0]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert {w.dtype for w in model.get_weights()} == {np.dtype(np.float64)}
    assert model.predict(x, verbose=0).dtype == np.float64


def test_add_weight_makes_an_integer_counter_and_refuses_to_train_one(tmp_path):
    """Keras's counter idiom, add_weight(dtype="int64", trainable=False): an integer
    Variable that saves and loads; a trainable integer weight is refused, changing nothing."""
    class Counter(nn.Layer):
        def build(self, input_shape):
            self.count = self.add_weight(shape=(), initializer="zeros", dtype="int64",
                                         trainable=False, name="count")
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            self.count.assign(self.count.numpy() + 1)
            return x * self.w

    layer = Counter()
    layer(np.ones((2, 3), np.float32))
    layer(np.ones((2, 3), np.float32))
    assert layer.count.dtype == np.int64 and int(layer.count.numpy()) == 2
    assert not layer.count.requires_grad and layer.w.dtype == np.float32
    path = tmp_path / "counter.weights.npz"
    layer.save_weights(path)
    other = Counter()
    other(np.ones((1, 3), np.float32))
    other.load_weights(path)
    assert int(other.count.numpy()) == 2 and other.count.dtype == np.int64

    class Trained(nn.Layer):
        def build(self, input_shape):
            self.add_weight(shape=(2,), dtype="int32")

        def call(self, x):
            return x
    bad = Trained()
    with pytest.raises(ValueError, match=r"Trained 'trained.*': add_weight: only float weights "
                                         r"can be trained, got dtype int32"):
        bad(np.ones((1, 2), np.float32))
    assert bad._added == {}


@pytest.mark.parametrize("kwargs", [dict(n_in=3, activation="sigmoid"), dict(),
                                    dict(n_in=2, use_bias=False, dtype="float64")])
def test_perceptron_is_rebuilt_from_its_config(kwargs, tmp_path):
    """Perceptron's config is in its own arguments (n_in, no units), so
    ``Perceptron(**config)`` and load_model rebuild it; before, Dense's config made both fail."""
    p = nn.Perceptron(**kwargs)
    config = p.get_config()
    assert "units" not in config and config["n_in"] == kwargs.get("n_in")
    q = nn.Perceptron(**{**config, "name": "copy"})
    assert {**q.get_config(), "name": p.name} == config
    model = nn.Sequential([nn.Input((3,)), nn.Perceptron(activation="sigmoid")])
    x = np.ones((2, 3), np.float32)
    model.save(tmp_path / "p.keras")
    np.testing.assert_array_equal(nn.load_model(tmp_path / "p.keras")(x).numpy(),
                                  model(x).numpy())
