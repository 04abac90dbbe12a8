"""Keras's plot_model / model_to_dot (nn.utils): the layers, the arrows between them, the
optional fields, the files written (PNG, SVG, PDF, atomically) and the refusals."""

import numpy as np
import pytest

import nn
from nn.utils import model_to_dot, plot_model


def functional():
    """keras.io/guides/functional_api's first model, with a shared layer added."""
    inputs = nn.Input(shape=(784,), name="img")
    x = nn.Dense(64, activation="relu", name="dense_a")(inputs)
    shared = nn.Dense(64, activation="relu", name="shared")
    x = nn.Add(name="skip")([shared(x), x])
    outputs = nn.Dense(10, name="logits")(x)
    return nn.Model(inputs=inputs, outputs=outputs, name="mnist_model")


def test_the_graph_of_a_functional_model():
    source = model_to_dot(functional()).source
    boxes = [line.split()[0] for line in source.splitlines() if "[label=" in line]
    assert boxes == ['"img"', '"dense_a"', '"shared"', '"skip"', '"logits"']
    arrows = {line.strip() for line in source.splitlines() if "->" in line}
    assert arrows == {'"img" -> "dense_a"', '"dense_a" -> "shared"', '"shared" -> "skip"',
                      '"dense_a" -> "skip"', '"skip" -> "logits"'}
    assert '"img" [label="img (InputLayer)"]' in source


def test_the_optional_fields():
    source = model_to_dot(functional(), show_shapes=True, show_dtype=True,
                          show_layer_activations=True, show_trainable=True,
                          show_layer_names=False, rankdir="LR").source
    assert "rankdir=LR" in source
    assert ('label="Dense|activation: relu|Trainable: T|dtype: float32|{input:|output:}|'
            '{(None, 784)|(None, 64)}"') in source
    assert "{[(None, 64), (None, 64)]|(None, 64)}" in source  # Add's two inputs


def test_a_sequential_is_a_chain_from_its_input():
    model = nn.Sequential([nn.Dense(3), nn.Dense(1)], name="seq")
    with pytest.raises(ValueError, match="no input shape yet"):
        model_to_dot(model)
    model.build((None, 4))
    source = model_to_dot(model).source
    first, second = (layer.name for layer in model.layers)
    arrows = [line.strip() for line in source.splitlines() if "->" in line]
    assert arrows == [f'"seq_input" -> "{first}"', f'"{first}" -> "{second}"']


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"),
                                           (".pdf", b"%PDF")])
def test_plot_model_writes_the_picture(tmp_path, suffix, magic):
    path = tmp_path / f"model{suffix}"
    drawing = plot_model(functional(), to_file=str(path), show_shapes=True, dpi=72)
    assert path.read_bytes().startswith(magic)
    assert drawing.path == str(path) and "digraph" in drawing.source
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind


def test_refusals_write_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.png, \.svg or \.pdf"):
        plot_model(functional(), to_file=str(tmp_path / "model.jpg"))

    class Net(nn.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="subclassed model .* is code"):
        plot_model(Net(), to_file=str(tmp_path / "net.png"))
    with pytest.raises(ValueError, match="rankdir"):
        model_to_dot(functional(), rankdir="up")
    with pytest.raises(TypeError, match="show_shapes"):
        model_to_dot(functional(), show_shapes="yes")
    assert list(tmp_path.iterdir()) == []


def test_a_layer_named_like_a_dot_keyword_draws():
    x = nn.Input((2,), name="node")
    model = nn.Model(x, nn.Dense(1, name="graph")(x))
    assert '"node" -> "graph"' in model_to_dot(model).source
    assert np.asarray(model(np.ones((1, 2)))).shape == (1, 1)
