"""Keras's training API for loops of your own: train_on_batch, test_on_batch,
predict_on_batch, reset_metrics, evaluate(return_dict=True) and fit(initial_epoch=...),
checked against fit, evaluate and predict, which they share their steps with."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn import losses
from nn.callbacks import Callback, CSVLogger


def blobs(n=24, seed=0):
    """Three Gaussian clusters in 2-D: integer labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    return (centres[labels] + rng.normal(size=(n, 2))).astype(np.float32), labels


def classifier(seed=0, metrics=("accuracy",)):
    model = nn.Sequential([nn.Input((2,)), nn.Dense(8, activation="tanh", seed=seed),
                           nn.Dense(3, activation="softmax", seed=seed + 1)])
    model.compile(optim.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=list(metrics))
    return model


def two_outputs(seed=0):
    x = nn.Input((2,), name="x")
    h = nn.Dense(4, activation="tanh", seed=seed)(x)
    model = nn.Model(x, [nn.Dense(3, activation="softmax", name="kind", seed=seed + 1)(h),
                         nn.Dense(1, name="size", seed=seed + 2)(h)])
    model.compile("sgd", ["sparse_categorical_crossentropy", "mse"], metrics=["accuracy"],
                  loss_weights=[1.0, 0.5])
    return model


def assert_same_weights(a, b):
    assert_unchanged(a.get_weights(), b)


def assert_unchanged(weights, model):
    for before, now in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, now)


class Count:
    """A metric object (Keras's protocol) counting the update_state calls since its reset."""

    name = "count"

    def __init__(self):
        self.calls = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.calls += 1

    def result(self):
        return float(self.calls)

    def reset_state(self):
        self.calls = 0


# --- train_on_batch is fit's step --------------------------------------------------------------


def test_train_on_batch_is_one_fit_epoch_of_one_batch():
    x, labels = blobs()
    by_batch, by_fit = classifier(seed=3), classifier(seed=3)
    returned = [by_batch.train_on_batch(x, labels) for _ in range(3)]
    history = by_fit.fit(x, labels, epochs=3, batch_size=len(x), shuffle=False, verbose=0)
    assert_same_weights(by_batch, by_fit)                      # Adam's moments too
    assert by_batch.optimizer.iterations == by_fit.optimizer.iterations == 3
    # Each call's values are its own batch's, as each of fit's one-batch epochs: had the
    # metrics piled up across calls, the 2nd and 3rd would be means over several batches.
    assert returned == [list(v) for v in zip(history.history["loss"],
                                             history.history["accuracy"])]
    assert returned[2][0] < returned[0][0]


def test_train_on_batch_with_weights_and_several_outputs_matches_fit():
    x, labels = blobs(n=12)
    size = x[:, :1] * 2
    w = np.linspace(0.5, 2.0, len(x))
    class_weight = {0: 1.0, 1: 3.0, 2: 0.5}
    a, b = classifier(seed=5), classifier(seed=5)
    a.train_on_batch(x, labels, sample_weight=w, class_weight=class_weight)
    b.fit(x, labels, batch_size=len(x), shuffle=False, verbose=0, sample_weight=w,
          class_weight=class_weight)
    assert_same_weights(a, b)

    a, b = two_outputs(seed=1), two_outputs(seed=1)
    logs = a.train_on_batch(x, {"kind": labels, "size": size}, return_dict=True)
    history = b.fit(x, [labels, size], batch_size=len(x), shuffle=False, verbose=0)
    assert_same_weights(a, b)
    assert list(logs) == a.metrics_names == ["loss", "kind_loss", "size_loss",
                                             "kind_accuracy", "size_accuracy"]
    assert logs == {k: v[0] for k, v in history.history.items()}
    assert logs["loss"] == pytest.approx(logs["kind_loss"] + 0.5 * logs["size_loss"])


def test_train_on_batch_trains_in_training_mode():
    x, labels = blobs(n=8)
    model = nn.Sequential([nn.Input((2,)), nn.Dropout(0.5, seed=0),
                           nn.Dense(3, activation="softmax", seed=1)])
    model.compile(optim.SGD(0.0), "sparse_categorical_crossentropy")  # lr 0: weights stay
    dropped = model.train_on_batch(x, labels)
    assert dropped != model.test_on_batch(x, labels)   # dropout on in one, off in the other
    assert model.test_on_batch(x, labels) == model.evaluate(x, labels, verbose=0)


# --- test_on_batch, predict_on_batch, evaluate(return_dict) ------------------------------------


def test_test_on_batch_is_evaluate_on_that_batch():
    x, labels = blobs(n=10)
    model = classifier(seed=2)
    w = np.arange(1.0, 11.0)
    assert model.test_on_batch(x, labels) == \
        model.evaluate(x, labels, batch_size=10, verbose=0)
    assert model.test_on_batch(x, labels, sample_weight=w, return_dict=True) == \
        model.evaluate(x, labels, batch_size=10, verbose=0, sample_weight=w, return_dict=True)
    assert model.optimizer.iterations == 0


def test_evaluate_return_dict_is_keyed_by_metrics_names():
    x, labels = blobs(n=10)
    model = two_outputs()
    size = x[:, :1]
    values = model.evaluate(x, [labels, size], batch_size=4, verbose=0)
    logs = model.evaluate(x, [labels, size], batch_size=4, verbose=0, return_dict=True)
    assert list(logs) == model.metrics_names and list(logs.values()) == values
    assert all(type(v) is float for v in values)
    alone = classifier(metrics=())
    loss = alone.evaluate(x, labels, verbose=0)
    assert type(loss) is float and alone.evaluate(x, labels, verbose=0,
                                                  return_dict=True) == {"loss": loss}
    assert type(alone.train_on_batch(x, labels)) is float


def test_predict_on_batch_is_predict_in_one_pass():
    x, labels = blobs(n=10)
    model = nn.Sequential([nn.Input((2,)), nn.Dense(4, seed=0), nn.Dropout(0.5),
                           nn.Dense(3, activation="softmax", seed=1)])
    out = model.predict_on_batch(x)
    assert isinstance(out, np.ndarray) and out.shape == (10, 3)
    np.testing.assert_array_equal(out, model.predict(x, batch_size=10))   # no dropout
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-6)
    outs = two_outputs().predict_on_batch({"x": x})
    assert [o.shape for o in outs] == [(10, 3), (10, 1)]
    for a, b in zip(outs, two_outputs().predict(x, batch_size=10), strict=True):
        np.testing.assert_array_equal(a, b)


# --- the metrics' state ------------------------------------------------------------------------


def test_metrics_reset_at_each_on_batch_call_and_by_reset_metrics():
    x, labels = blobs(n=12)
    count = Count()
    model = classifier(metrics=[count])
    model.fit(x, labels, epochs=2, batch_size=4, verbose=0)
    assert count.calls == 3                       # reset at each epoch: the last one's
    model.reset_metrics()
    assert count.calls == 0
    for _ in range(3):
        assert model.train_on_batch(x, labels, return_dict=True)["count"] == 1.0
    assert model.test_on_batch(x, labels)[1] == 1.0
    assert count.calls == 1
    model.reset_metrics()
    assert count.calls == 0
    model.predict_on_batch(x)                      # no targets, no metrics
    assert count.calls == 0


# --- fit(initial_epoch=...) --------------------------------------------------------------------


class Epochs(Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(("begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(("end", epoch))


def test_initial_epoch_numbers_the_epochs_and_runs_the_rest(capsys):
    x, labels = blobs()
    resumed, fresh = classifier(seed=4), classifier(seed=4)
    spy = Epochs()
    history = resumed.fit(x, labels, epochs=3, initial_epoch=1, batch_size=8, seed=11,
                          verbose=2, callbacks=[spy])
    assert history.epoch == [1, 2] == list(range(1, 3))
    assert spy.seen == [("begin", 1), ("end", 1), ("begin", 2), ("end", 2)]
    assert len(history.history["loss"]) == 2
    titles = [line for line in capsys.readouterr().out.splitlines()
              if line.startswith("Epoch")]
    assert titles == ["Epoch 2/3", "Epoch 3/3"]
    # Exactly two epochs of updates: those of fit(epochs=2), shuffled by the same draws.
    fresh.fit(x, labels, epochs=2, batch_size=8, seed=11, verbose=0)
    assert_same_weights(resumed, fresh)
    assert resumed.optimizer.iterations == 2 * 3

    idle = classifier(seed=4)
    before = idle.get_weights()
    assert idle.fit(x, labels, epochs=2, initial_epoch=2, verbose=0).epoch == []
    assert_unchanged(before, idle)


def test_resuming_a_saved_run_with_initial_epoch(tmp_path):
    """Keras's use of initial_epoch, "useful for resuming a previous training run": train,
    save (with the optimizer's state), load, and go on from the epoch reached, with
    CSVLogger(append=True) continuing its file. The result is the uninterrupted run's."""
    x, labels = blobs(n=32)
    log = tmp_path / "training.log"
    first = classifier(seed=6)
    first.fit(x, labels, epochs=2, batch_size=8, shuffle=False, verbose=0,
              callbacks=[CSVLogger(log)])
    first.save(tmp_path / "run.keras")
    resumed = nn.load_model(tmp_path / "run.keras")
    history = resumed.fit(x, labels, epochs=4, initial_epoch=2, batch_size=8, shuffle=False,
                          verbose=0, callbacks=[CSVLogger(log, append=True)])
    straight = classifier(seed=6)
    whole = straight.fit(x, labels, epochs=4, batch_size=8, shuffle=False, verbose=0)
    assert history.epoch == [2, 3]
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(history.history["loss"], whole.history["loss"][2:], rtol=1e-6)
    rows = log.read_text().splitlines()
    assert rows[0].startswith("epoch,") and [r.split(",")[0] for r in rows[1:]] == \
        ["0", "1", "2", "3"]


# --- a GAN's alternating steps -----------------------------------------------------------------


def test_gan_loop_of_train_on_batch_calls():
    """The GAN loop of the Keras tutorials (Keras-GAN's gan.py, "Hands-On Machine Learning"
    ch. 17), on 1-D data: the discriminator learns real from generated samples; the stacked
    gan, with the discriminator frozen, trains the generator to make it answer "real"."""
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    generator = nn.Sequential([nn.Input((1,)), nn.Dense(8, activation="tanh"), nn.Dense(1)])
    discriminator = nn.Sequential([nn.Input((1,)), nn.Dense(8, activation="tanh"),
                                   nn.Dense(1, activation="sigmoid")])
    # A discriminator faster than the generator keeps up with it: at equal rates the
    # generated mean swings past the data's and back, GANs' well-known oscillation.
    discriminator.compile(optim.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    # Keras's rule: a model trains the weights that were trainable when it was compiled.
    # So the discriminator, compiled above, still trains on its own; frozen now, it is
    # left alone by the combined model compiled next.
    discriminator.trainable = False
    gan = nn.Sequential([generator, discriminator])
    gan.compile(optim.Adam(0.002), "binary_crossentropy")
    batch_size = 32
    real_mean = 3.0
    start = float(np.mean(generator.predict_on_batch(rng.normal(size=(500, 1)))))
    for _ in range(300):
        noise = rng.normal(size=(batch_size, 1))
        generated = generator.predict_on_batch(noise)
        real = rng.normal(real_mean, 0.5, size=(batch_size, 1))
        x_fake_and_real = np.concatenate([generated, real])
        y1 = np.array([[0.0]] * batch_size + [[1.0]] * batch_size)
        g_before = generator.get_weights()
        d_loss, d_accuracy = discriminator.train_on_batch(x_fake_and_real, y1)
        assert_unchanged(g_before, generator)
        d_before = discriminator.get_weights()
        g_loss = gan.train_on_batch(rng.normal(size=(batch_size, 1)),
                                    np.ones((batch_size, 1)))
        assert_unchanged(d_before, discriminator)
        assert np.isfinite([d_loss, d_accuracy, g_loss]).all()
    end = float(np.mean(generator.predict_on_batch(rng.normal(size=(500, 1)))))
    assert abs(start - real_mean) > 2.5 and abs(end - real_mean) < 0.3   # 0.01 -> 3.06


# --- refused calls change nothing --------------------------------------------------------------


def _refusals():
    x, labels = blobs(n=8)
    w = np.ones(8)
    return [
        ("train_on_batch", (x, None), {}, ValueError, "train_on_batch: y is None"),
        ("train_on_batch", (x, labels[:5]), {}, ValueError,
         r"train_on_batch: x has 8 samples .* but y has shape \(5,\)"),
        ("train_on_batch", (x, labels), {"sample_weight": w[:3]}, ValueError,
         r"train_on_batch: sample_weight must hold one weight per sample"),
        ("train_on_batch", (x, labels), {"class_weight": {7: 1.0}}, ValueError,
         r"train_on_batch: class_weight has the unknown class 7"),
        ("train_on_batch", (x, labels), {"return_dict": "yes"}, TypeError,
         "train_on_batch: return_dict must be True or False"),
        ("train_on_batch", (x, labels + 5), {}, ValueError,
         r"train_on_batch: y: labels must lie in \[0, 3\)"),
        ("test_on_batch", (x, None), {}, ValueError, "test_on_batch: y is None"),
        ("test_on_batch", (x, labels), {"return_dict": 1}, TypeError,
         "test_on_batch: return_dict must be True or False"),
        ("predict_on_batch", (x[:0],), {}, ValueError,
         "predict_on_batch: x must hold at least one sample"),
        ("evaluate", (x, labels), {"return_dict": None, "verbose": 0}, TypeError,
         "evaluate: return_dict must be True or False"),
        ("fit", (x, labels), {"epochs": 3, "initial_epoch": 4}, ValueError,
         r"fit: initial_epoch must be an integer in \[0, epochs=3\].* got 4"),
        ("fit", (x, labels), {"initial_epoch": -1}, ValueError, "fit: initial_epoch"),
        ("fit", (x, labels), {"epochs": 3, "initial_epoch": 1.0}, ValueError,
         "fit: initial_epoch"),
        ("fit", (x, labels), {"epochs": 3, "initial_epoch": True}, ValueError,
         "fit: initial_epoch"),
    ]


def stateful_model():
    """Dropout (random draws), BatchNormalization (moving statistics) and a metric object:
    three kinds of state a refused call must leave alone, besides weights and optimizer."""
    count = Count()
    model = nn.Sequential([nn.Input((2,)), nn.Dense(4), nn.BatchNormalization(),
                           nn.Dropout(0.5), nn.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[count])
    return model, count


def assert_refused_without_a_trace(model, count, call, error, message):
    x, labels = blobs(n=8)
    model.test_on_batch(x, labels)                 # the metric has seen one batch
    before = model.get_weights()
    ag.manual_seed(7)
    with pytest.raises(error, match=message):
        call()
    drawn = ag.random.uniform((5,)).numpy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(drawn, ag.random.uniform((5,)).numpy())
    assert_unchanged(before, model)               # the moving statistics among them
    assert model.optimizer.iterations == 0
    assert count.calls == 1


@pytest.mark.parametrize("method, args, kwargs, error, message", _refusals(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_refused_calls_change_nothing(method, args, kwargs, error, message):
    model, count = stateful_model()
    assert_refused_without_a_trace(model, count, lambda: getattr(model, method)(*args, **kwargs),
                                   error, message)


def test_a_loss_that_cannot_train_is_refused_before_the_forward_pass():
    x, labels = blobs(n=8)
    model, count = stateful_model()
    model.compile("adam", losses.SparseCategoricalCrossentropy(reduction="none"),
                  metrics=[count])
    for where, call in (("train_on_batch", lambda: model.train_on_batch(x, labels)),
                        ("fit", lambda: model.fit(x, labels, verbose=0))):
        assert_refused_without_a_trace(model, count, call, ValueError,
                                       rf"{where}: the loss must be a scalar to train, got "
                                       r"shape \(8,\)")

    def mean_loss(y, z):             # a scalar: sample weights need per-sample values
        return ag.mean(losses.sparse_categorical_crossentropy(y, z))

    model.compile("adam", mean_loss, metrics=[count])
    assert_refused_without_a_trace(
        model, count, lambda: model.train_on_batch(x, labels, sample_weight=np.ones(8)),
        ValueError, "train_on_batch: sample_weight needs the loss of each sample")


def test_on_batch_methods_need_compile():
    model = nn.Sequential([nn.Input((2,)), nn.Dense(3)])
    x, labels = blobs(n=4)
    for method in ("train_on_batch", "test_on_batch"):
        with pytest.raises(RuntimeError, match=f"{method}: call compile"):
            getattr(model, method)(x, labels)
    assert model.predict_on_batch(x).shape == (4, 3)   # as predict, no compile needed
