"""Keras inputs whose length varies from batch to batch: ``Input(shape=(None,))``.

Keras's functional API guide builds its multi-input model on sequences of any length, and
fully convolutional networks take ``Input((None, None, 3))``. A layer called on such an
input runs on two trial lengths; an output axis that follows the input's is unknown too.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import nn

rng = np.random.default_rng(8)


def test_the_functional_api_guides_multi_input_model_trains_on_any_length():
    title_input = nn.Input(shape=(None,), name="title")
    body_input = nn.Input(shape=(None,), name="body")
    tags_input = nn.Input(shape=(12,), name="tags")
    title_features = nn.LSTM(16)(nn.Embedding(1000, 8)(title_input))
    body_features = nn.LSTM(4)(nn.Embedding(1000, 8)(body_input))
    x = nn.concatenate([title_features, body_features, tags_input])
    priority = nn.Dense(1, name="priority")(x)
    department = nn.Dense(4, name="department")(x)
    model = nn.Model(inputs=[title_input, body_input, tags_input],
                     outputs={"priority": priority, "department": department})
    assert title_input.shape == (None, None) and x.shape == (None, 16 + 4 + 12)
    model.compile(optimizer="rmsprop",
                  loss={"priority": nn.losses.BinaryCrossentropy(from_logits=True),
                        "department": nn.losses.CategoricalCrossentropy(from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.2})
    for title_length, body_length in ((10, 20), (3, 7)):
        data = {"title": rng.integers(1000, size=(16, title_length)),
                "body": rng.integers(1000, size=(16, body_length)),
                "tags": rng.integers(2, size=(16, 12)).astype("float32")}
        targets = {"priority": rng.random((16, 1)),
                   "department": rng.integers(2, size=(16, 4))}
        history = model.fit(data, targets, epochs=1, batch_size=8, verbose=0)
        assert np.isfinite(history.history["loss"][0])


def test_a_convolutional_network_on_images_of_any_size():
    inputs = nn.Input((None, None, 3))
    x = nn.Conv2D(4, 3, activation="relu")(inputs)
    x = nn.MaxPooling2D()(x)
    x = nn.Conv2D(4, 3, strides=2, padding="same")(x)
    assert x.shape == (None, None, None, 4)
    x = nn.GlobalAveragePooling2D()(x)
    assert x.shape == (None, 4)
    model = nn.Model(inputs, nn.Dense(2)(x))
    assert model.output_shape == (None, 2)
    for height, width in ((20, 30), (11, 9)):
        assert model.predict(rng.random((2, height, width, 3)), verbose=0).shape == (2, 2)


def test_sequences_keep_their_unknown_axis_and_save_with_it(tmp_path):
    tokens = nn.Input((None,), dtype="int64")
    h = nn.LSTM(5, return_sequences=True)(nn.Embedding(50, 8)(tokens))
    model = nn.Model(tokens, nn.Dense(1)(h))
    assert model.output_shape == (None, None, 1)
    x = rng.integers(0, 50, (2, 7))
    assert model.predict(x, verbose=0).shape == (2, 7, 1)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = nn.models.load_model(path)
    assert loaded.input_shape == (None, None)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_a_layer_that_needs_the_length_says_so():
    with pytest.raises(ValueError, match=r"Dense 'dense\w*' cannot take an input axis of "
                                         r"unknown length \(None\)"):
        nn.Dense(3)(nn.Input((None,)))
    model = nn.Model(t := nn.Input((None, 6)), nn.Dense(3)(t))
    with pytest.raises(ValueError, match=r"expected input of shape \(None, None, 6\), got "
                                         r"\(2, 4, 5\)"):
        model.predict(np.zeros((2, 4, 5)), verbose=0)
    with pytest.raises(ValueError, match="or None for a length that varies"):
        nn.Input((0,))
