"""Keras's build: ``layer.build(input_shape)`` with the input's shape, batch axis first,
for the layers whose build takes the size alone, and ``Sequential.build((None, n))``."""

import numpy as np
import pytest

import nn


@pytest.mark.parametrize("make, shape, size, weights", [
    (lambda: nn.Dense(3), (None, 4), 4, [(4, 3), (3,)]),
    (lambda: nn.Conv2D(4, 3), (None, 8, 8, 2), 2, [(3, 3, 2, 4), (4,)]),
    (lambda: nn.Conv2D(4, 3, data_format="channels_first"), (None, 2, 8, 8), 2,
     [(3, 3, 2, 4), (4,)]),
    (lambda: nn.Conv1D(4, 3), (None, 9, 2), 2, [(3, 2, 4), (4,)]),
    (lambda: nn.DepthwiseConv2D(3), (None, 8, 8, 2), 2, [(3, 3, 2, 1), (2,)]),
    (lambda: nn.Conv2DTranspose(4, 3), (None, 5, 5, 2), 2, [(3, 3, 4, 2), (4,)]),
    (lambda: nn.LSTM(5), (None, 7, 3), 3, [(3, 20), (5, 20), (20,)]),
    (lambda: nn.PReLU(), (None, 6), 6, [(6,)]),
])
def test_layer_build_takes_the_input_shape(make, shape, size, weights):
    layer = make()
    layer.build(shape)
    assert [v.shape for v in layer.parameters()] == weights
    built = [v.numpy().copy() for v in layer.parameters()]
    layer(np.ones((2,) + shape[1:], np.float32))  # the call keeps the built weights
    for v, w in zip(layer.parameters(), built):
        np.testing.assert_array_equal(v.numpy(), w)
    same = make()
    same.build(size)  # the size alone, as the layers call it
    assert [v.shape for v in same.parameters()] == weights


def test_sequential_build_as_keras_guide():
    """keras.io/guides/sequential_model: build a model, then summary()."""
    model = nn.Sequential([nn.Dense(2, activation="relu"), nn.Dense(3, activation="relu"),
                           nn.Dense(4)])
    assert model.count_params() == 0
    model.build((None, 4))
    assert model.count_params() == 10 + 9 + 16
    assert model.input_shape == (None, 4) and model.output_shape == (None, 4)
    assert model.inputs[0].shape == (None, 4)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("Total params: 35" in line for line in lines)
    model.build()  # known now: nothing to do
    with pytest.raises(ValueError, match=r"takes inputs of shape \(None, 4\), not"):
        model.build((None, 5))


def test_sequential_build_refusals_change_nothing():
    model = nn.Sequential([nn.Dense(2)])
    for bad in (None, (4,), "784", (None, 0), (None, 2.5)):
        with pytest.raises(ValueError):
            model.build(bad)
    assert model.count_params() == 0 and model.input_shape is None
    with pytest.raises(ValueError, match="no layers"):
        nn.Sequential().build((None, 3))
