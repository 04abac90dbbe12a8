"""A model's architecture as data: Keras's get_config / from_config, to_json /
model_from_json and clone_model, with the examples of Keras's serialization guide and of
clone_model's documentation ported by renaming."""

import json

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import module as nn_module


def sequential():
    return nn.Sequential([nn.Input((4,)),
                          nn.Dense(8, activation="relu", kernel_regularizer="l2"),
                          nn.Dropout(0.25), nn.Dense(3, activation="softmax")])


def functional():
    """Two inputs, two outputs, a shared layer and a skip connection."""
    a, b = nn.Input((4,), name="a"), nn.Input((4,), name="b")
    shared = nn.Dense(6, activation="tanh", name="shared")
    h = nn.Add()([shared(a), shared(b)])
    h = nn.Concatenate()([h, a])
    out = nn.Dense(2, name="out")(h)
    aux = nn.Dense(1, activation="sigmoid", name="aux")(shared(a))
    return nn.Model([a, b], [out, aux], name="two_heads")


def data(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(5, 4)).astype(np.float32) for _ in range(2)]


def predictions(model, xs):
    out = model.predict(xs if isinstance(model.input_shape, list) else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def same_model(model, other, xs):
    """The same architecture: equal configs, and equal outputs once given the weights."""
    assert other.get_config() == model.get_config()
    assert [v.shape for v in other.get_weights()] == [v.shape for v in model.get_weights()]
    other.set_weights(model.get_weights())
    for p, q in zip(predictions(model, xs), predictions(other, xs)):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("make", [sequential, functional])
def test_from_config_makes_the_same_architecture_with_new_weights(make):
    model = make()
    config = model.get_config()
    json.dumps(config)  # JSON data, nothing else
    other = type(model).from_config(config)
    assert other is not model and type(other) is type(model)
    kernels = [v for v in model.trainable_variables if v.ndim == 2]
    assert not any(np.array_equal(k.numpy(), o.numpy()) for k, o in zip(
        kernels, [v for v in other.trainable_variables if v.ndim == 2]))
    same_model(model, other, data())


@pytest.mark.parametrize("make", [sequential, functional])
def test_to_json_and_model_from_json(make):
    model = make()
    text = model.to_json(indent=2)
    assert json.loads(text)["class_name"] == ("Sequential" if make is sequential else "Model")
    other = nn.models.model_from_json(text)
    same_model(model, other, data())
    assert nn.model_from_json(text.encode()).get_config() == model.get_config()


def test_keras_guide_custom_layer_and_activation_through_custom_objects():
    """keras.io/guides/serialization_and_saving: a layer class and an activation function
    of one's own, found by name in custom_objects."""
    class CustomLayer(nn.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                     trainable=True)

        def call(self, inputs):
            return ag.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    def custom_activation(x):
        return ag.tanh(x) ** 2

    inputs = nn.Input((32,))
    x = CustomLayer(32)(inputs)
    outputs = nn.Activation(custom_activation)(x)
    model = nn.Model(inputs, outputs)
    config = model.get_config()
    with pytest.raises(ValueError, match="CustomLayer.*custom_objects"):
        nn.Model.from_config(config)
    custom_objects = {"CustomLayer": CustomLayer, "custom_activation": custom_activation}
    new_model = nn.Model.from_config(config, custom_objects=custom_objects)
    x = np.random.default_rng(1).normal(size=(3, 32)).astype(np.float32)
    new_model.set_weights(model.get_weights())
    np.testing.assert_allclose(new_model.predict(x, verbose=0), model.predict(x, verbose=0))
    assert new_model.layers[2].activation is custom_activation


def test_an_unbuilt_sequential_has_a_config_and_builds_on_data(tmp_path):
    model = nn.Sequential([nn.Dense(3, activation="relu"), nn.Dense(1)])
    config = model.get_config()
    assert "input_shape" not in config
    assert json.loads(model.to_json())["config"] == config
    with pytest.raises(ValueError, match="has not been built"):  # a file needs the shapes
        model.save(tmp_path / "unbuilt.keras")
    assert not (tmp_path / "unbuilt.keras").exists()
    other = nn.Sequential.from_config(config)
    assert other.input_shape is None and len(other.layers) == 2
    assert other(np.ones((2, 5), np.float32)).shape == (2, 1)


def test_a_sequential_keeps_its_named_layers_and_input_dtype():
    from collections import OrderedDict
    model = nn.Sequential(OrderedDict(hidden=nn.Dense(3), out=nn.Dense(1)))
    model.build((None, 2))
    other = nn.Sequential.from_config(model.get_config())
    assert [name for name, _ in other.named_parameters()] == \
        [name for name, _ in model.named_parameters()]
    model = nn.Sequential([nn.Input((2,), dtype="float64"), nn.Dense(1, dtype="float64")])
    other = nn.Sequential.from_config(model.get_config())
    assert other._input_dtype == np.float64


def test_a_sequential_inside_a_functional_model_saves_and_loads(tmp_path):
    """A model used as a layer is written as a model (before, its config was refused)."""
    inner = nn.Sequential([nn.Input((4,)), nn.Dense(5, activation="relu"), nn.Dense(2)],
                          name="inner")
    x = nn.Input((4,))
    model = nn.Model(x, nn.Dense(1)(inner(x)))
    model.save(tmp_path / "m.keras")
    loaded = nn.load_model(tmp_path / "m.keras")
    xs = data()[:1]
    np.testing.assert_array_equal(loaded.predict(xs[0], verbose=0),
                                  model.predict(xs[0], verbose=0))
    same_model(model, nn.Model.from_config(model.get_config()), xs)


def test_every_layer_rebuilds_from_its_config():
    layers = [nn.Dense(3, activation="relu", kernel_regularizer="l1"), nn.Dropout(0.3, seed=2),
              nn.Conv2D(4, 3, strides=2, padding="same"), nn.MaxPooling2D(2),
              nn.BatchNormalization(momentum=0.9), nn.Embedding(10, 4), nn.LSTM(5),
              nn.GRU(4, return_sequences=True), nn.Flatten(), nn.Reshape((2, 2)),
              nn.LayerNormalization(), nn.Activation("tanh")]
    for layer in layers:
        config = layer.get_config()
        again = type(layer).from_config(config)
        assert type(again) is type(layer) and again.get_config() == config, layer


def test_a_malformed_config_or_text_says_so():
    with pytest.raises(ValueError, match="model_from_json: not JSON"):
        nn.model_from_json("{not json")
    with pytest.raises(ValueError, match="unknown model class 'Graph'"):
        nn.model_from_json('{"class_name": "Graph", "config": {"layers": []}}')
    with pytest.raises(ValueError, match="needs a list of layers"):
        nn.model_from_config({"class_name": "Sequential", "config": {"name": "s"}})
    with pytest.raises(ValueError, match="malformed"):
        nn.model_from_config({"class_name": "Model", "config": {"layers": [], "name": "m"}})
    with pytest.raises(ValueError, match="unknown layer class 'Densest'"):
        nn.model_from_config({"class_name": "Sequential", "config": {
            "layers": [{"class_name": "Densest", "config": {}}]}})
    with pytest.raises(TypeError, match="expected the JSON text"):
        nn.model_from_json({"class_name": "Sequential"})
    with pytest.raises(ValueError, match="over the limit"):
        nn.model_from_json(" " * (nn.model_saving.MAX_CONFIG_BYTES + 1))


def test_a_subclassed_model_has_no_architecture_to_write():
    class Net(nn.Model):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.dense = nn.Dense(2)

        def call(self, x):
            return self.dense(x)

    net = Net()
    assert net.get_config() == {"name": net.name}  # its arguments, as a layer's
    assert isinstance(Net.from_config(net.get_config()), Net)
    with pytest.raises(ValueError, match="subclassed"):
        net.to_json()
    with pytest.raises(ValueError, match="subclassed"):
        nn.clone_model(net)


# --- clone_model ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", [sequential, functional])
def test_clone_model_has_new_layers_and_new_weights(make):
    model = make()
    before = [w.copy() for w in model.get_weights()]
    clone = nn.clone_model(model)
    assert type(clone) is type(model) and clone.get_config() == model.get_config()
    own = {id(layer) for layer in model.layers}
    assert not any(id(layer) in own for layer in clone.layers)
    assert len(clone.layers) == len(model.layers)  # a shared layer is cloned once
    assert not any(np.array_equal(a, b) for a, b in zip(clone.get_weights(), before)
                   if a.ndim == 2)
    for a, b in zip(model.get_weights(), before):  # the model is left as it was
        np.testing.assert_array_equal(a, b)
    assert clone.optimizer is None  # not compiled, as in Keras
    same_model(model, clone, data())


def test_clone_model_shares_layers_when_the_clone_function_returns_them():
    """clone_model's documentation: ``clone_function=lambda x: x`` reuses the layers."""
    model = sequential()
    clone = nn.clone_model(model, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(clone.layers, model.layers))
    model.layers[0].kernel.assign(np.zeros((4, 8), np.float32))
    np.testing.assert_array_equal(clone.layers[0].kernel.numpy(), 0)


def test_clone_model_with_a_clone_function_that_sets_every_seed():
    """clone_model's documentation: make a model deterministic by giving each layer that
    takes a seed the same one."""
    def clone_function(layer):
        config = layer.get_config()
        if "seed" in config:
            config["seed"] = 1337
        return layer.__class__.from_config(config)

    model = nn.Sequential([nn.Input((4,)), nn.Dense(4), nn.Dropout(0.5, seed=1)])
    clone = nn.clone_model(model, clone_function=clone_function)
    assert clone.layers[1].get_config()["seed"] == 1337
    assert model.layers[1].get_config()["seed"] == 1


def test_clone_model_on_new_input_tensors():
    model = functional()
    a, b = nn.Input((4,), name="a2"), nn.Input((4,), name="b2")
    clone = nn.clone_model(model, input_tensors=[a, b])
    assert clone.inputs == [a, b]
    same_model_outputs = predictions(clone, data())
    assert [p.shape for p in same_model_outputs] == [(5, 2), (5, 1)]


def test_clone_model_refuses_bad_arguments_before_making_anything():
    model = functional()
    counts = dict(nn_module._name_counts)
    with pytest.raises(ValueError, match="has 2 inputs; input_tensors holds 1"):
        nn.clone_model(model, input_tensors=[nn.Input((4,), name="only")])
    with pytest.raises(ValueError, match=r"input 1 has shape \(None, 4\)"):
        nn.clone_model(model, input_tensors=[nn.Input((4,), name="p"),
                                             nn.Input((5,), name="q")])
    with pytest.raises(TypeError, match="input_tensors must be nn.Input tensors"):
        nn.clone_model(model, input_tensors=[np.zeros((1, 4)), np.zeros((1, 4))])
    with pytest.raises(TypeError, match="clone_function must return a layer"):
        nn.clone_model(model, clone_function=lambda layer: None)
    assert nn_module._name_counts == counts


# --- a model's graph: inputs, outputs, layer.output, get_layer ---------------------------
def test_keras_guide_feature_extraction_with_a_sequential_model():
    """keras.io/guides/sequential_model, "Feature extraction with a Sequential model"."""
    initial_model = nn.Sequential([
        nn.Input(shape=(25, 25, 3)),
        nn.Conv2D(8, 5, strides=2, activation="relu"),
        nn.Conv2D(8, 3, activation="relu", name="my_intermediate_layer"),
        nn.Conv2D(8, 3, activation="relu"),
    ])
    x = np.random.default_rng(0).normal(size=(2, 25, 25, 3)).astype(np.float32)
    feature_extractor = nn.Model(inputs=initial_model.inputs,
                                 outputs=[layer.output for layer in initial_model.layers])
    features = feature_extractor(x)
    expected, h = [], x
    for layer in initial_model.layers:
        h = layer(h)
        expected.append(h.numpy())
    assert len(features) == 3
    for f, e in zip(features, expected):
        np.testing.assert_array_equal(f.numpy(), e)
    feature_extractor = nn.Model(
        inputs=initial_model.inputs,
        outputs=initial_model.get_layer(name="my_intermediate_layer").output)
    np.testing.assert_array_equal(feature_extractor(x).numpy(), expected[1])
    assert initial_model.output is initial_model.layers[-1].output
    assert initial_model.input is initial_model.inputs[0]


def test_a_sequential_gets_its_graph_when_its_shape_is_known():
    given = nn.Sequential([nn.Dense(3, input_shape=(4,)), nn.Dense(2)])  # Keras makes an Input
    assert given.inputs[0].shape == (None, 4) and given.outputs[0].shape == (None, 2)
    lazy = nn.Sequential([nn.Dense(3), nn.Dense(2)])
    assert lazy.inputs is None and lazy.outputs is None
    with pytest.raises(AttributeError, match="never been called on nn.Input tensors"):
        lazy.layers[0].output
    lazy(np.ones((1, 5), np.float32))  # built by data: the graph follows
    assert lazy.inputs[0].shape == (None, 5) and lazy.layers[1].output.shape == (None, 2)
    lazy.add(nn.Dense(7))
    assert lazy.outputs[0].shape == (None, 7)
    lazy.pop()
    assert lazy.outputs[0].shape == (None, 2)


def test_layer_input_and_output_are_those_of_its_first_call():
    x = nn.Input((4,), name="x")
    dense = nn.Dense(3)
    first = dense(x)
    second = dense(nn.Input((4,), name="z"))
    assert dense.output is first and dense.input is x and second is not first
    a, b = nn.Input((2,)), nn.Input((2,))
    added = nn.Add()([a, b])
    inputs = added.node.layer.input
    assert len(inputs) == 2 and inputs[0] is a and inputs[1] is b
    assert x.node.layer.output is x  # an InputLayer's output is the tensor nn.Input gave


def test_get_layer_by_name_or_index():
    model = functional()
    assert model.get_layer("shared") is model.get_layer(index=2)
    assert model.get_layer("shared", index=0) is model.layers[0]  # the index wins
    with pytest.raises(ValueError, match="has no layer 'nope'; its layers are"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 99, but model 'two_heads' has 7 layers"):
        model.get_layer(index=99)
    with pytest.raises(ValueError, match="give a layer name or index"):
        model.get_layer()


def test_a_model_on_a_list_of_one_input_takes_one_array():
    x = nn.Input((4,))
    model = nn.Model([x], nn.Dense(2)(x))
    data = np.ones((3, 4), np.float32)
    np.testing.assert_array_equal(model(data).numpy(), model([data]).numpy())
    assert model.predict(data, verbose=0).shape == (3, 2)
