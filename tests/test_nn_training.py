"""Tests for compile/fit/evaluate/predict, callbacks, and training by hand (tape, PyTorch)."""

import re

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn import initializers, losses
from nn.datasets import load_mnist
from nn.layers import Dense, Dropout
from nn.sequential import Sequential
from nn.module import Module
from nn.training import Callback, EarlyStopping, TerminateOnNaN

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
XOR_T = np.array([[0], [1], [1], [0]], np.float32)
# Lecture 2 seeds its four weight tensors with 1, 2, 3, 4 under TensorFlow's generator. Ours
# is numpy's, where those seeds start the 2-2-1 sigmoid net in a local minimum (loss stuck
# at 0.50); seeds 9, 10, 11, 12 reach a loss below 0.01 after 3,449 SGD(0.5) iterations.
XOR_SEEDS = (9, 10, 11, 12)
XOR_ITERATIONS = 3449


def blobs(n=300, seed=0):
    """Three Gaussian clusters in 2-D: integer labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    return (centres[labels] + rng.normal(size=(n, 2))).astype(np.float32), labels


def classifier(seed=0, dropout=None):
    layers = [Dense(16, activation="relu", input_shape=(2,), seed=seed)]
    if dropout is not None:
        layers.append(dropout)
    layers.append(Dense(3, activation="softmax", seed=seed + 2))
    return Sequential(layers)


class Spy(Module):
    """The identity, noting the mode, grad mode and batch of each call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, ag.is_grad_enabled(), np.array(np.asarray(x))))
        return x


# --- fit, evaluate, predict ------------------------------------------------------------------


def test_fit_learns_and_reports_like_keras():
    x, labels = blobs()
    y = nn.to_categorical(labels, 3)
    model = classifier()
    model.compile(optimizer=optim.Adam(0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, validation_split=0.2, seed=0,
                        verbose=0)
    assert model.history is history
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.epoch == list(range(15))
    assert all(len(v) == 15 for v in history.history.values())
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.95
    loss, accuracy = model.evaluate(x, y, batch_size=64, verbose=0)
    assert accuracy > 0.95 and model.metrics_names == ["loss", "accuracy"]
    probs = model.predict(x, batch_size=50)
    assert isinstance(probs, np.ndarray) and probs.shape == (300, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    # evaluate's numbers are the mean loss and accuracy of predict's probabilities
    np.testing.assert_allclose(loss, float(losses.categorical_crossentropy(y, probs)),
                               rtol=1e-4)
    assert accuracy == pytest.approx(np.mean(probs.argmax(1) == labels))


def test_sparse_labels_with_a_loss_object_and_custom_metric():
    x, labels = blobs(seed=1)

    def top_class_is_zero(y_true, y_pred):
        return (np.argmax(y_pred, axis=-1) == 0).astype(float)

    model = classifier(seed=1)
    model.compile(optim.RMSprop(0.01), losses.SparseCategoricalCrossentropy(),
                  metrics=["acc", top_class_is_zero])
    history = model.fit(x, labels, epochs=5, batch_size=16, seed=1, verbose=0)
    assert set(history.history) == {"loss", "acc", "top_class_is_zero"}
    loss, acc, zero_rate = model.evaluate(x, labels, verbose=0)
    assert acc > 0.9
    assert zero_rate == pytest.approx(np.mean(model.predict(x).argmax(1) == 0))


def test_evaluate_without_metrics_returns_the_loss_alone():
    x, labels = blobs(n=40)
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    loss = model.evaluate(x, labels, verbose=0)
    assert isinstance(loss, float)
    expected = float(losses.sparse_categorical_crossentropy(labels, model.predict(x)))
    assert loss == pytest.approx(expected, rel=1e-5)


def test_softmax_and_crossentropy_train_from_the_logits():
    model = Sequential([Dense(2, activation="softmax", input_dim=1, use_bias=False)])
    model[0].W.assign([[1000.0, -1000.0]])          # softmax saturates to exactly (1, 0)
    model.compile("sgd", "categorical_crossentropy")
    assert model._paths()[0] == model.forward_logits
    # Through the probabilities the loss would be clipped at -log(1e-7) = 16.1; from the
    # logits it is exact: 2000.
    assert model.evaluate([[1.0]], [[0.0, 1.0]], verbose=0) == pytest.approx(2000.0)
    model.fit([[1.0]], [[0.0, 1.0]], epochs=1, verbose=0)
    assert np.all(np.isfinite(model[0].W.numpy()))
    assert model[0].W.numpy()[0, 0] < 1000.0             # a real gradient got through
    np.testing.assert_allclose(model.predict([[1.0]])[0], [1.0, 0.0])

    sigmoid = Sequential([Dense(1, activation="sigmoid", input_dim=1)])
    sigmoid.compile("sgd", "binary_crossentropy")
    assert sigmoid._paths()[0] == sigmoid.forward_logits
    mse = Sequential([Dense(1, activation="sigmoid", input_dim=1)])
    mse.compile("sgd", "mse")
    assert mse._paths()[0] is mse


def test_dropout_trains_in_fit_only_and_predict_has_no_graph():
    spy = Spy()
    model = classifier(dropout=spy)
    spy.calls.clear()                                   # forget the build pass
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, labels = blobs(n=20)
    model.fit(x, labels, epochs=1, batch_size=8, validation_data=(x[:5], labels[:5]),
              verbose=0)
    modes = [(training, grad, len(batch)) for training, grad, batch in spy.calls]
    # fit checks the training and validation data on their first batch, in inference
    # mode and without a graph, before the first update; then 3 batches and validation.
    assert modes == [(False, False, 8), (False, False, 5)] + [(True, True, 8)] * 2 \
        + [(True, True, 4), (False, False, 5)]
    spy.calls.clear()
    model.predict(x, batch_size=7)
    model.evaluate(x, labels, batch_size=20, verbose=0)
    assert [(c[0], c[1], len(c[2])) for c in spy.calls] == \
        [(False, False, 7), (False, False, 7), (False, False, 6),
         (False, False, 20), (False, False, 20)]           # evaluate's check, then the pass
    assert all(m.training for m in model.modules())      # the mode is restored afterwards

    dropped = classifier(dropout=Dropout(0.5, seed=0))
    first = dropped.predict(x)
    np.testing.assert_array_equal(first, dropped.predict(x))   # no dropout at inference


def test_validation_split_takes_the_last_samples_before_shuffling():
    spy = Spy()
    model = Sequential([spy, Dense(1, input_dim=1)])
    model.compile("sgd", "mse")
    x = np.arange(20, dtype=np.float32)[:, None]
    model.fit(x, x, epochs=2, batch_size=4, validation_split=0.25, seed=0, verbose=0)
    checks, calls = spy.calls[:2], spy.calls[2:]   # fit first checks each part's first batch
    assert [c[2].ravel().tolist() for c in checks] == [[0, 1, 2, 3], [15, 16, 17, 18]]
    trained = np.concatenate([c[2] for c in calls if c[0]]).ravel()
    validated = np.concatenate([c[2] for c in calls if not c[0]]).ravel()
    assert sorted(trained) == sorted(list(range(15)) * 2)
    assert trained[:15].tolist() != list(range(15))     # shuffled
    np.testing.assert_array_equal(validated, list(range(15, 20)) * 2)


def test_shuffle_is_seeded_and_can_be_off():
    x, labels = blobs(n=64)
    weights = []
    for _ in range(2):
        model = classifier(seed=4)
        model.compile(optim.SGD(0.1), "sparse_categorical_crossentropy")
        model.fit(x, labels, epochs=2, batch_size=8, seed=5, verbose=0)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
    spy = Spy()
    model = Sequential([spy, Dense(1, input_dim=1)])
    model.compile("sgd", "mse")
    x = np.arange(10, dtype=np.float32)[:, None]
    model.fit(x, x, epochs=1, batch_size=4, shuffle=False, verbose=0)
    assert [c[2].ravel().tolist() for c in spy.calls if c[0]] == \
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_lazy_model_builds_on_the_first_batch():
    model = Sequential([Dense(8, activation="tanh"), Dense(1)])
    assert model.parameters() == []
    model.compile(optim.SGD(0.05), "mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    history = model.fit(x, y, epochs=30, batch_size=16, seed=0, verbose=0)
    assert [p.shape for p in model.parameters()] == [(3, 8), (8,), (8, 1), (1,)]
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 41" in lines


def test_fit_and_friends_check_their_arguments():
    model = classifier()
    x, labels = blobs(n=10)
    with pytest.raises(RuntimeError, match="call compile"):
        model.fit(x, labels)
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x has 10 samples \(shape \(10, 2\)\) but y has "
                                         r"shape \(9,\)"):
        model.fit(x, labels[:9])
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.fit(x, labels, batch_size=0)
    with pytest.raises(ValueError, match="validation_split must lie in"):
        model.fit(x, labels, validation_split=1.5)
    with pytest.raises(ValueError, match="at least one sample"):
        model.predict(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile("sgdd", "mse")
    model.compile("sgd", losses.MeanSquaredError(reduction="none"))
    with pytest.raises(ValueError, match="the loss must be a scalar"):
        model.fit(x, np.eye(3)[labels], verbose=0)


# --- callbacks -------------------------------------------------------------------------------


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_train_end(self, logs=None):
        self.events.append("train_end")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(f"epoch_begin {epoch}")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(f"epoch_end {epoch} {sorted(logs)}")

    def on_batch_begin(self, batch, logs=None):
        self.events.append(f"batch_begin {batch}")

    def on_batch_end(self, batch, logs=None):
        self.events.append(f"batch_end {batch} {sorted(logs)}")


def test_callback_hooks_in_keras_order():
    x, labels = blobs(n=8)
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rec = Recorder()
    model.fit(x, labels, epochs=2, batch_size=5, validation_data=(x, labels), verbose=0,
              callbacks=[rec])
    assert rec.model is model and rec.params["steps"] == 2 and rec.params["epochs"] == 2
    batch = ["batch_begin {0}", "batch_end {0} ['accuracy', 'loss']"]
    epoch = "epoch_end {0} ['accuracy', 'loss', 'val_accuracy', 'val_loss']"
    expected = ["train_begin"]
    for e in range(2):
        expected += [f"epoch_begin {e}"] + [s.format(b) for b in range(2) for s in batch]
        expected.append(epoch.format(e))
    assert rec.events == expected + ["train_end"]


class _Holder:
    """A stand-in for a model, for driving EarlyStopping by hand."""

    def __init__(self):
        self.stop_training = False
        self.w = 0.0

    def get_weights(self):
        return [self.w]

    def set_weights(self, weights):
        self.w = weights[0]


def _drive(callback, values, monitor="val_loss"):
    holder = _Holder()
    callback.set_model(holder)
    callback.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        holder.w = float(epoch)
        epochs += 1
        callback.on_epoch_end(epoch, {monitor: value})
        if holder.stop_training:
            break
    callback.on_train_end()
    return epochs, holder


def test_early_stopping_patience_and_restore():
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    epochs, holder = _drive(stop, [1.0, 0.8, 0.9, 0.85, 0.7])
    assert epochs == 4 and stop.stopped_epoch == 3
    assert stop.best == 0.8 and stop.best_epoch == 1 and holder.w == 1.0   # restored
    epochs, _ = _drive(EarlyStopping(patience=0), [1.0, 0.9, 0.95])
    assert epochs == 3                                     # epoch 0 never stops
    epochs, _ = _drive(EarlyStopping(patience=1, min_delta=0.2), [1.0, 0.9, 0.5])
    assert epochs == 2                                     # 0.1 better is no improvement
    epochs, _ = _drive(EarlyStopping(monitor="val_accuracy", patience=1),
                       [0.5, 0.6, 0.7, 0.65], monitor="val_accuracy")
    assert epochs == 4                                     # "acc" in the name: higher is better
    with pytest.raises(ValueError, match="'val_loss' is not in the logs"):
        _drive(EarlyStopping(), [1.0], monitor="loss")


def test_early_stopping_ends_fit():
    x, labels = blobs(n=16)
    model = classifier()
    model.compile(optim.SGD(0.0), "sparse_categorical_crossentropy")   # nothing improves
    stop = EarlyStopping(monitor="loss", patience=2)
    # Unshuffled, so every epoch sums the same losses in the same order: a reshuffled sum
    # can differ in the last bit, which min_delta=0 would count as an improvement.
    history = model.fit(x, labels, epochs=10, batch_size=16, shuffle=False, verbose=0,
                        callbacks=[stop])
    assert len(history.history["loss"]) == 3 and stop.stopped_epoch == 2


def test_terminate_on_nan(capsys):
    class Overflow(Callback):
        """After the first batch, a weight becomes NaN, as a diverging update makes it."""

        def on_batch_end(self, batch, logs=None):
            if batch == 0:
                self.model[0].W.data[0, 0] = np.nan

    x, labels = blobs(n=12)
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    history = model.fit(x, labels, epochs=3, batch_size=4, shuffle=False, verbose=0,
                        callbacks=[Overflow(), TerminateOnNaN()])
    out = capsys.readouterr().out
    assert "TerminateOnNaN: epoch 1, batch 2: the loss is nan; training stopped" in out
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])


# --- the progress display ----------------------------------------------------------------------


def test_progress_output(capsys):
    x, labels = blobs(n=40)
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=2, batch_size=10, verbose=1, validation_split=0.25)
    out = capsys.readouterr().out
    assert "Epoch 1/2\n" in out and "Epoch 2/2\n" in out
    final = re.findall(r"3/3 \[=+\] - .*? - loss: (\d\.\d{4}) - accuracy: (\d\.\d{4}) - "
                       r"val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}\n", out)
    assert len(final) == 2
    assert float(final[-1][0]) == pytest.approx(model.history.history["loss"][-1], abs=1e-4)
    model.fit(x, labels, epochs=2, batch_size=10, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"4/4 - \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4}", lines[1])
    model.fit(x, labels, epochs=1, verbose=0)
    model.evaluate(x, labels, verbose=0)
    assert capsys.readouterr().out == ""
    model.evaluate(x, labels, batch_size=40, verbose=1)
    assert re.search(r"1/1 \[=+\] - .* - loss: \d\.\d{4} - accuracy: \d\.\d{4}",
                     capsys.readouterr().out)


# --- the same model trained by hand ----------------------------------------------------------


def xor_model(seeds=XOR_SEEDS):
    """Lecture 2's 2-2-1 sigmoid network, its weights drawn as the lecture draws them."""
    def init(seed):
        return initializers.TruncatedNormal(stddev=0.1, seed=seed)
    return Sequential([
        Dense(2, activation="sigmoid", input_dim=2, kernel_initializer=init(seeds[0]),
              bias_initializer=init(seeds[1])),
        Dense(1, activation="sigmoid", kernel_initializer=init(seeds[2]),
              bias_initializer=init(seeds[3])),
    ])


def lecture_variables(seeds=XOR_SEEDS):
    return [ag.Variable(ag.random.truncated_normal(shape, stddev=0.1, seed=s))
            for shape, s in zip([[2, 2], [1, 2], [2, 1], [1, 1]], seeds)]


def test_xor_acceptance_the_lecture_loop_and_the_model_agree():
    # Lecture 2, exercise 3, verbatim but for the seeds (see XOR_SEEDS).
    W1, b1, W2, b2 = lecture_variables()
    x, y_labels = ag.constant(XOR_X), ag.constant(XOR_T)
    eta = 0.5

    def run_network(x):
        h1 = ag.sigmoid(ag.matmul(x, W1) + b1)
        return ag.sigmoid(ag.matmul(h1, W2) + b2)

    model = xor_model()
    opt = optim.SGD(eta)
    for i in range(20000):
        with ag.GradientTape() as tape:
            L = ag.reduce_sum(ag.square(ag.subtract(run_network(x), y_labels)))
        dW1, db1, dW2, db2 = tape.gradient(L, [W1, b1, W2, b2])
        W1.assign(W1 - dW1 * eta)
        W2.assign(W2 - dW2 * eta)
        b1.assign(b1 - db1 * eta)
        b2.assign(b2 - db2 * eta)
        with ag.GradientTape() as tape:
            loss = nn.losses.sum_squared_error(XOR_T, model(XOR_X))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        assert float(loss) == pytest.approx(float(L), rel=1e-5, abs=1e-7)
        if float(L) < 0.01:
            break
    assert i + 1 == XOR_ITERATIONS
    np.testing.assert_allclose(np.round(run_network(x).numpy()), XOR_T)
    np.testing.assert_allclose(model.predict(XOR_X), run_network(x).numpy(), atol=1e-4)


def test_pytorch_style_and_minimize_follow_the_same_path():
    tape_model, torch_model, keras_model = xor_model(), xor_model(), xor_model()
    tape_opt = optim.SGD(0.5)
    torch_opt = optim.SGD(torch_model.parameters(), lr=0.5)
    keras_opt = optim.SGD(0.5)
    for _ in range(200):
        with ag.GradientTape() as tape:
            loss = nn.losses.sum_squared_error(XOR_T, tape_model(XOR_X))
        tape_opt.apply_gradients(zip(tape.gradient(loss, tape_model.trainable_variables),
                                     tape_model.trainable_variables))
        loss = nn.losses.sum_squared_error(XOR_T, torch_model(XOR_X))
        loss.backward()
        torch_opt.step()
        torch_opt.zero_grad()
        keras_opt.minimize(lambda: nn.losses.sum_squared_error(XOR_T, keras_model(XOR_X)),
                           keras_model.trainable_variables)
    for a, b, c in zip(tape_model.parameters(), torch_model.parameters(),
                       keras_model.parameters()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-6)
    assert all(p.grad is None for p in torch_model.parameters())


def test_fit_equals_the_hand_written_loop():
    x, labels = blobs(n=24)
    by_fit, by_hand = classifier(seed=3), classifier(seed=3)
    by_fit.compile(optim.SGD(0.1), "sparse_categorical_crossentropy")
    by_fit.fit(x, labels, epochs=1, batch_size=8, shuffle=False, verbose=0)
    opt = optim.SGD(by_hand.parameters(), lr=0.1)
    for lo in range(0, 24, 8):
        loss = nn.losses.sparse_categorical_crossentropy(labels[lo:lo + 8], by_hand(x[lo:lo + 8]))
        loss.backward()
        opt.step()
        opt.zero_grad()
    for a, b in zip(by_fit.parameters(), by_hand.parameters()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-7)


# --- a small real run: 2,000 MNIST images ---------------------------------------------------


def test_mnist_subset_with_the_course_recipe():
    # The sample in the package holds the full set's first 4,000 and 1,000 images.
    (x_train, y_train), (x_test, y_test) = load_mnist(sample=True)
    x = x_train[:2000].reshape(-1, 784).astype(np.float32) / 255
    y = nn.to_categorical(y_train[:2000], 10)
    ag.random.set_seed(0)
    model = Sequential([Dense(128, activation="relu", input_shape=(28 * 28,)),
                        Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.9        # 0.9145 with this seed
    x_test = x_test[:1000].reshape(-1, 784).astype(np.float32) / 255
    _, accuracy = model.evaluate(x_test, nn.to_categorical(y_test[:1000], 10), verbose=0)
    assert accuracy > 0.84                                # 0.865


def test_fit_lets_each_batch_graph_go_before_the_next_forward():
    """A batch's graph (its activations) must be freed once its update is done: kept until
    the next batch's forward had ended, it made fit's peak memory 1.5x a bare step's."""
    import weakref

    import autograd_core as ag

    class Watch(nn.Layer):
        """Passes x on; records whether the previous batch's output was still alive."""

        def __init__(self):
            super().__init__()
            self.previous, self.alive = None, []

        def call(self, x):
            if self.previous is not None:
                self.alive.append(self.previous() is not None)
            y = ag.multiply(x, 1.0)
            self.previous = weakref.ref(y)
            return y

    watch = Watch()
    model = nn.Sequential([nn.Input((3,)), nn.Dense(4, activation="relu"), watch,
                           nn.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(40, 3)), rng.normal(size=(40, 1)), batch_size=8, epochs=1,
              verbose=0)
    assert len(watch.alive) >= 4 and not any(watch.alive)
