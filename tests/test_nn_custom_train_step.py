"""Keras 3's overridable steps (``train_step``, ``test_step``, ``predict_step``),
``compute_loss`` and ``metrics``: the keras.io guide "Customizing what happens in fit()"
ported by renaming (keras -> nn, tf.GradientTape -> ag.GradientTape, keras.ops -> ag)."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.losses import BinaryCrossentropy, MeanSquaredError
from nn.metrics import MeanAbsoluteError, Mean


def data(n=40, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), rng.random((n, 1))


def functional(cls, d=4, seed=0, dtype=None):
    inputs = nn.Input((d,))
    return cls(inputs, nn.Dense(1, seed=seed)(inputs))


# --- (a) the guide's first example -------------------------------------------------------
class GuideModel(nn.Model):
    def train_step(self, data):
        x, y = data
        with ag.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_first_example_trains_as_the_default_fit():
    x, y = data()
    default, custom = functional(nn.Model), functional(GuideModel)
    for model in (default, custom):
        model.compile(optimizer=optim.Adam(0.01), loss="mse", metrics=["mae"])
    h0 = default.fit(x, y, epochs=3, batch_size=8, seed=3, verbose=0)
    h1 = custom.fit(x, y, epochs=3, batch_size=8, seed=3, verbose=0)
    for w0, w1 in zip(default.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(w1, w0, rtol=1e-12, atol=1e-14)
    assert set(h1.history) == {"loss", "mae"}
    # The metrics (mae) are the same running means; the custom loss tracker counts each
    # batch once (Keras's Mean of the batch losses), the default one per sample: equal
    # here since 40 = 5 batches of 8.
    np.testing.assert_allclose(h1.history["mae"], h0.history["mae"], rtol=1e-6)
    np.testing.assert_allclose(h1.history["loss"], h0.history["loss"], rtol=1e-10)
    assert h1.history["loss"][2] < h1.history["loss"][0]
    assert [m.name for m in custom.metrics] == ["loss", "mae"]


def test_default_train_step_called_directly_and_through_super():
    x, y = data(n=8)

    class Super(nn.Model):
        calls = 0

        def train_step(self, data):
            Super.calls += 1
            return super().train_step(data)

    a, b = functional(nn.Model), functional(Super)
    for model in (a, b):
        model.compile(optim.SGD(0.1), "mse", metrics=["mae"])
    a.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    logs = b.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    assert Super.calls == 2
    for w0, w1 in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(w1, w0, rtol=1e-12)
    np.testing.assert_allclose(logs["loss"], a.history.history["loss"], rtol=1e-12)
    before = a.evaluate(x, y, verbose=0)[0]
    step_logs = a.train_step((x, y))
    assert set(step_logs) == {"loss", "mae"} and isinstance(step_logs["loss"], float)
    assert a.evaluate(x, y, verbose=0)[0] < before


def test_compute_loss_adds_the_regularization():
    x, y = data(n=6)
    inputs = nn.Input((4,))
    model = nn.Model(inputs, nn.Dense(1, seed=1, kernel_regularizer=nn.regularizers.L2(0.1))
                     (inputs))
    model.compile("sgd", "mse")
    y_pred = model(x)
    loss = model.compute_loss(x, y, y_pred)
    W = model.trainable_variables[0].numpy()
    want = np.mean((y_pred.numpy() - y) ** 2) + 0.1 * np.sum(W ** 2)
    np.testing.assert_allclose(float(loss), want, rtol=1e-6)
    w = np.array([1., 2, 0, 1, 1, 3])
    weighted = model.compute_loss(y=y, y_pred=y_pred, sample_weight=w)
    want_w = np.sum(w * (y_pred.numpy() - y)[:, 0] ** 2) / 6 + 0.1 * np.sum(W ** 2)
    np.testing.assert_allclose(float(weighted), want_w, rtol=1e-6)
    with ag.GradientTape() as tape:  # it is a Value to differentiate
        loss = model.compute_loss(y=y, y_pred=model(x))
    assert tape.gradient(loss, model.trainable_variables[0]).shape == W.shape


# --- (b) the lower-level example: own trackers, metrics property -------------------------
class LowLevel(nn.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = Mean(name="loss")
        self.mae_metric = MeanAbsoluteError(name="mae")
        self.loss_fn = MeanSquaredError()

    def train_step(self, data):
        x, y = data
        with ag.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


class BatchLogs(nn.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(dict(logs))


def test_lower_level_example_resets_its_trackers_each_epoch():
    x, y = data(n=24)
    model = functional(LowLevel)
    model.compile(optimizer=optim.SGD(0.0))   # no loss: the step computes its own
    cb = BatchLogs()
    history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[cb])
    # lr 0: every epoch sees the same batches' losses; reset, the epoch means agree
    losses = history.history["loss"]
    np.testing.assert_allclose(losses, [losses[0]] * 3, rtol=1e-6)
    assert len(cb.seen) == 9 and set(cb.seen[0]) == {"loss", "mae"}
    y_pred = model.predict(x)
    np.testing.assert_allclose(history.history["mae"][-1], np.mean(np.abs(y_pred - y)),
                               rtol=1e-5)
    # each epoch's first batch logs that batch alone: the trackers were reset
    np.testing.assert_allclose(cb.seen[3]["loss"], cb.seen[0]["loss"], rtol=1e-6)
    assert cb.seen[3]["loss"] != pytest.approx(cb.seen[2]["loss"], rel=1e-3)


def test_lower_level_example_trains():
    x, y = data(n=32)
    model = functional(LowLevel)
    model.compile(optimizer=optim.Adam(0.05))
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


# --- (c) sample weights ------------------------------------------------------------------
class Weighted(nn.Model):
    def train_step(self, data):
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        with ag.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}


def test_sample_weight_example_matches_the_default_fit():
    x, y = data(n=32)
    sw = np.random.default_rng(5).random((32, 1))
    default, custom = functional(nn.Model), functional(Weighted)
    for model in (default, custom):
        model.compile(optimizer=optim.SGD(0.1), loss="mse", metrics=["mae"])
    h0 = default.fit(x, y, sample_weight=sw, epochs=2, batch_size=8, seed=1, verbose=0)
    h1 = custom.fit(x, y, sample_weight=sw, epochs=2, batch_size=8, seed=1, verbose=0)
    for w0, w1 in zip(default.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(w1, w0, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h1.history["mae"], h0.history["mae"], rtol=1e-6)
    # without weights, the 2-tuple branch
    plain = functional(Weighted)
    plain.compile(optimizer=optim.SGD(0.1), loss="mse")
    assert np.isfinite(plain.fit(x, y, epochs=1, verbose=0).history["loss"][0])


# --- (d) test_step -----------------------------------------------------------------------
class OwnTest(nn.Model):
    calls = 0

    def test_step(self, data):
        OwnTest.calls += 1
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_test_step_is_used_by_evaluate_and_validation():
    x, y = data(n=20)
    model = functional(OwnTest)
    model.compile(loss="mse", metrics=["mae"])
    OwnTest.calls = 0
    loss, mae = model.evaluate(x, y, batch_size=5, verbose=0)
    assert OwnTest.calls == 4
    y_pred = model.predict(x)
    np.testing.assert_allclose(mae, np.mean(np.abs(y_pred - y)), rtol=1e-6)
    np.testing.assert_allclose(loss, np.mean((y_pred - y) ** 2), rtol=1e-6)
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == {"loss", "mae"}
    # a second evaluate starts again: same numbers, not a mean over both calls
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=5, verbose=0), [loss, mae])
    OwnTest.calls = 0
    history = model.fit(x, y, batch_size=10, epochs=2, validation_split=0.5, verbose=0)
    assert OwnTest.calls == 2 and {"val_loss", "val_mae"} <= set(history.history)


# --- (e) a GAN --------------------------------------------------------------------------
class GAN(nn.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.d_loss_tracker = Mean(name="d_loss")
        self.g_loss_tracker = Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        if isinstance(real_images, tuple):
            real_images = real_images[0]
        batch_size = real_images.shape[0]
        random_latent_vectors = ag.random.normal((batch_size, self.latent_dim))
        generated_images = self.generator(random_latent_vectors)
        combined_images = ag.concatenate([generated_images, real_images], axis=0)
        labels = ag.concatenate([ag.ones((batch_size, 1)), ag.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * ag.random.uniform(labels.shape)
        with ag.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply(grads, self.discriminator.trainable_weights)
        random_latent_vectors = ag.random.normal((batch_size, self.latent_dim))
        misleading_labels = ag.zeros((batch_size, 1))
        with ag.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply(grads, self.generator.trainable_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}


def test_gan_example_runs_and_logs_its_losses():
    ag.random.set_seed(0)
    latent_dim = 3
    discriminator = nn.Sequential([nn.Input((4,)), nn.Dense(8, activation="relu", seed=0),
                                   nn.Dense(1, seed=1)], name="discriminator")
    generator = nn.Sequential([nn.Input((latent_dim,)), nn.Dense(8, activation="relu",
                                                                 seed=2),
                               nn.Dense(4, activation="sigmoid", seed=3)], name="generator")
    gan = GAN(discriminator, generator, latent_dim)
    gan.compile(d_optimizer=optim.Adam(0.01), g_optimizer=optim.Adam(0.01),
                loss_fn=BinaryCrossentropy(from_logits=True))
    d0 = [w.copy() for w in discriminator.get_weights()]
    g0 = [w.copy() for w in generator.get_weights()]
    real = np.random.default_rng(0).random((24, 4)).astype(np.float32)
    batches = [(real[i:i + 8],) for i in range(0, 24, 8)]
    cb = BatchLogs()
    history = gan.fit(batches, epochs=2, verbose=0, callbacks=[cb])
    assert set(history.history) == {"d_loss", "g_loss"} and len(history.history["d_loss"]) == 2
    assert np.all(np.isfinite(history.history["d_loss"] + history.history["g_loss"]))
    assert len(cb.seen) == 6 and set(cb.seen[0]) == {"d_loss", "g_loss"}
    # each network moved, under its own optimizer
    assert all(not np.allclose(a, b) for a, b in zip(d0, discriminator.get_weights()))
    assert all(not np.allclose(a, b) for a, b in zip(g0, generator.get_weights()))
    assert discriminator.optimizer is None and gan.d_optimizer.iterations == 6
    # arrays with no y: the step gets x alone
    assert np.isfinite(gan.fit(real, batch_size=8, verbose=0).history["g_loss"][0])


def test_generator_step_leaves_the_discriminator():
    """The generator's tape asks for the generator's weights alone: the discriminator,
    through which the gradient flows, is not updated in that step."""
    latent_dim = 2
    discriminator = nn.Sequential([nn.Input((3,)), nn.Dense(1, seed=1)])
    generator = nn.Sequential([nn.Input((latent_dim,)), nn.Dense(3, seed=2)])
    gan = GAN(discriminator, generator, latent_dim)
    gan.compile(optim.SGD(0.0), optim.SGD(0.1), BinaryCrossentropy(from_logits=True))
    d0 = [w.copy() for w in discriminator.get_weights()]
    gan.fit(np.ones((4, 3)), batch_size=4, verbose=0)
    for a, b in zip(d0, discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)


# --- (f) predict_step -------------------------------------------------------------------
class TwiceAndRaw(nn.Model):
    def predict_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        y = self(x, training=False)
        return y * 2, x


def test_predict_step_is_used_by_predict():
    x, _ = data(n=10)
    model = functional(TwiceAndRaw)
    plain = functional(nn.Model).predict(x)   # the same weights (seed), default path
    doubled, raw = model.predict(x, batch_size=3)
    np.testing.assert_allclose(doubled, 2 * plain, rtol=1e-6)
    np.testing.assert_array_equal(raw, x.astype(model.get_weights()[0].dtype))  # cast, as fit
    doubled, raw = model.predict([(x[:6],), (x[6:],)])
    np.testing.assert_allclose(doubled, 2 * plain, rtol=1e-6)


def test_default_predict_step():
    x, _ = data(n=5)
    model = functional(nn.Model)
    np.testing.assert_allclose(model.predict_step((x,)).numpy(), model.predict(x), rtol=1e-12)


# --- metrics, reset ---------------------------------------------------------------------
def test_metrics_lists_the_loss_tracker_then_the_compiled_metrics():
    x, y = data(n=16)
    model = functional(nn.Model)
    assert model.metrics == []
    model.compile("sgd", "mse", metrics=["mae", nn.metrics.RootMeanSquaredError()])
    assert [m.name for m in model.metrics] == ["loss", "mae", "root_mean_squared_error"]
    history = model.fit(x, y, batch_size=16, verbose=0)
    assert model.get_metrics_result() == pytest.approx(
        {k: v[-1] for k, v in history.history.items()})
    model.reset_metrics()
    assert all(float(m.result()) == 0 for m in model.metrics)


# --- (g) errors -------------------------------------------------------------------------
class NotADict(nn.Model):
    def train_step(self, data):
        return 1.0


def test_train_step_returning_no_dict_raises_naming_the_model():
    x, y = data(n=4)
    model = functional(NotADict)
    model.name = "odd"
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="Model 'odd': train_step must return a dict"):
        model.fit(x, y, verbose=0)


def test_fit_without_compile_or_without_loss_raises_naming_the_model():
    x, y = data(n=4)
    model = functional(nn.Model)
    model.name = "plain"
    w0 = [w.copy() for w in model.get_weights()]
    with pytest.raises(RuntimeError, match="fit: call compile.*model 'plain'"):
        model.fit(x, y, verbose=0)
    model.compile("sgd")   # no loss: the default step has nothing to minimise
    for call in (lambda: model.fit(x, y, verbose=0), lambda: model.evaluate(x, y, verbose=0),
                 lambda: model.train_step((x, y))):
        with pytest.raises(ValueError, match="model 'plain' was compiled without a loss"):
            call()
    for a, b in zip(w0, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="compute_loss .*'plain'.*no loss"):
        model.compute_loss(y=y, y_pred=model(x))
    own = functional(LowLevel)
    own.name = "own"
    with pytest.raises(RuntimeError, match="model 'own' is not compiled"):
        own.fit(x, y, verbose=0)


def test_float32_model_trains_with_its_own_step():
    x, y = data(n=16)
    model = functional(GuideModel).float()
    model.compile(optimizer=optim.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert history.history["loss"][1] < history.history["loss"][0]
