"""Keras's layer.trainable: freezing a built layer or model (transfer learning's
``base_model.trainable = False``), the weights it leaves out and brings back, the
compile-time rule a GAN relies on, and a frozen BatchNormalization's inference mode."""

import warnings

import numpy as np
import pytest

import nn
import optim


def base_model():
    return nn.Sequential([nn.Input((4,)),
                          nn.Dense(8, activation="relu", kernel_regularizer="l2"),
                          nn.BatchNormalization(), nn.Dense(4)], name="base")


def data(n=16):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype(np.float32), rng.normal(size=(n, 1))


def test_freezing_a_built_model_keeps_its_weights_out_of_training():
    """keras.io/guides/transfer_learning: base_model.trainable = False, then a new head."""
    base = base_model()
    before = [w.copy() for w in base.get_weights()]
    base.trainable = False
    assert base.trainable_weights == [] and len(base.non_trainable_weights) == 8
    assert all(not layer.trainable for layer in base.layers)  # set on every layer inside
    assert base.losses == []  # a frozen layer's weight penalties leave the loss
    inputs = nn.Input((4,))
    x = base(inputs, training=False)
    outputs = nn.Dense(1)(x)
    model = nn.Model(inputs, outputs)
    assert [v.shape for v in model.trainable_weights] == [(4, 1), (1,)]
    model.compile(optim.Adam(0.01), "mse")
    model.fit(*data(), epochs=3, verbose=0)
    for a, b in zip(before, base.get_weights()):  # the moving statistics too
        np.testing.assert_array_equal(a, b)
    assert all(v.grad is None for v in base.weights)  # no gradient was even computed


def test_unfreezing_and_compiling_again_fine_tunes_everything():
    base = base_model()
    base.trainable = False
    model = nn.Sequential([nn.Input((4,)), base, nn.Dense(1)])
    model.compile(optim.SGD(0.01), "mse")
    model.fit(*data(), epochs=1, verbose=0)
    base.trainable = True  # the guide's fine-tuning step: unfreeze, then compile again
    assert len(base.trainable_weights) == 6  # BatchNormalization's moving stats stay out
    before = [w.copy() for w in base.get_weights()]
    model.compile(optim.SGD(0.01), "mse")
    model.fit(*data(), epochs=1, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, base.get_weights()))


def test_a_model_trains_what_was_trainable_when_it_was_compiled():
    """Keras's rule, which its GAN examples rely on: the discriminator, compiled first and
    frozen afterwards, still trains on its own, and stays put inside the combined model."""
    d = nn.Sequential([nn.Input((2,)), nn.Dense(1, activation="sigmoid")])
    d.compile(optim.SGD(0.1), "binary_crossentropy")
    d.trainable = False
    g = nn.Sequential([nn.Input((3,)), nn.Dense(2)])
    z = nn.Input((3,))
    gan = nn.Model(z, d(g(z)))
    gan.compile(optim.SGD(0.1), "binary_crossentropy")
    d0, g0 = d.get_weights(), g.get_weights()
    gan.train_on_batch(np.ones((4, 3)), np.ones((4, 1)))
    assert all(np.array_equal(a, b) for a, b in zip(d0, d.get_weights()))
    assert not any(np.array_equal(a, b) for a, b in zip(g0, g.get_weights()))
    d.train_on_batch(np.ones((4, 2)), np.zeros((4, 1)))
    assert not any(np.array_equal(a, b) for a, b in zip(d0, d.get_weights()))


def test_a_frozen_batch_normalization_runs_in_inference_mode():
    bn = nn.BatchNormalization()
    x = np.random.default_rng(1).normal(3.0, 2.0, size=(8, 5)).astype(np.float32)
    bn(x, training=True)  # builds it, and moves the statistics once
    moving = bn.moving_mean.numpy().copy()
    bn.trainable = False
    y = bn(x, training=True).numpy()
    np.testing.assert_allclose(y, bn(x, training=False).numpy())
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moving)  # left alone
    bn.trainable = True
    bn(x, training=True)
    assert not np.array_equal(bn.moving_mean.numpy(), moving)


def test_a_layer_made_frozen_can_be_unfrozen():
    layer = nn.Layer(trainable=False)
    w = layer.add_weight((2, 2), trainable=True)
    assert layer.trainable_weights == [] and w.trainable
    layer.trainable = True
    assert layer.trainable_weights == [w]


def test_a_fully_frozen_model_warns_and_changes_nothing():
    model = nn.Sequential([nn.Input((4,)), nn.Dense(1)])
    model.trainable = False
    with pytest.warns(UserWarning, match="no trainable weights"):
        model.compile(optim.SGD(0.1), "mse")
    before = model.get_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = model.train_on_batch(*data(4))
    assert np.isfinite(loss)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_trainable_takes_only_a_bool():
    with pytest.raises(TypeError, match="trainable must be True or False"):
        nn.Dense(2).trainable = "no"
