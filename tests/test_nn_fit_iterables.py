"""``fit``, ``evaluate`` and ``predict`` on data given as batches (Keras's generator,
PyDataset and DataLoader inputs): each equals its array form, generators run out as
Keras says, and a refused call changes nothing."""

import itertools
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.data_adapter import PyDataset

N, BATCH = 22, 6  # the last batch holds 4


def data(seed=0, n=N):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)), rng.integers(0, 3, n)


def cut(*arrays, size=BATCH):
    """The arrays' batches, in order: [(x[0:6], y[0:6]), ...]."""
    return [tuple(a[lo:lo + size] for a in arrays) for lo in range(0, len(arrays[0]), size)]


def make_model(dropout=False):
    layers = [nn.Input((4,)), nn.Dense(8, activation="relu", seed=1)]
    if dropout:
        layers.append(nn.Dropout(0.5))
    layers.append(nn.Dense(3, activation="softmax", seed=2))
    model = nn.Sequential(layers)
    model.compile(optim.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def assert_same_weights(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)


def fit_arrays(*arrays, epochs=3, **kwargs):
    model = make_model()
    history = model.fit(*arrays, batch_size=BATCH, shuffle=False, epochs=epochs, verbose=0,
                        **kwargs)
    return model, history


# --- training on batches equals training on the arrays --------------------------------------
def test_a_list_of_batches_trains_as_the_concatenated_arrays():
    x, y = data()
    reference, expected = fit_arrays(x, y)
    model = make_model()
    history = model.fit(cut(x, y), epochs=3, verbose=0)
    assert_same_weights(model, reference)
    assert history.history == expected.history
    assert model.optimizer.iterations == reference.optimizer.iterations == 3 * 4


def test_a_generator_with_steps_per_epoch_goes_on_from_epoch_to_epoch():
    x, y = data()
    reference, _ = fit_arrays(x, y)
    model = make_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exactly 3 * 4 batches: no warning
        history = model.fit((b for _ in range(3) for b in cut(x, y)), epochs=3,
                            steps_per_epoch=4, verbose=0)
    assert_same_weights(model, reference)
    assert history.epoch == [0, 1, 2]


def test_an_endless_generator_takes_steps_per_epoch_batches_an_epoch():
    x, y = data()
    reference, _ = fit_arrays(x, y, epochs=2)
    read = []

    def endless():
        for i in itertools.count():
            read.append(i)
            yield cut(x, y)[i % 4]

    model = make_model()
    params = {}
    spy = nn.LambdaCallback(on_train_begin=lambda logs: params.update(spy.params))
    model.fit(endless(), epochs=2, steps_per_epoch=4, verbose=0, callbacks=[spy])
    assert_same_weights(model, reference)
    assert read == list(range(8))  # not one batch more than trained on
    assert params["steps"] == 4 and params["batch_size"] is None


def test_a_generator_that_runs_out_stops_training_with_keras_warning():
    x, y = data()
    batches = cut(x, y) + cut(x, y)[:1]  # 5 batches for steps_per_epoch=2 * epochs=4
    reference = make_model()
    reference.fit(batches, epochs=1, verbose=0)  # the same 5 updates, in one epoch
    model = make_model()
    with pytest.warns(UserWarning, match=r"ran out of data after 5 batches, 1 in epoch 3; "
                                         r"interrupting training.*steps_per_epoch \* epochs"):
        history = model.fit(iter(batches), epochs=4, steps_per_epoch=2, verbose=0)
    assert history.epoch == [0, 1, 2]  # epoch 3 ends with its one batch; 4 never begins
    assert model.optimizer.iterations == 5
    assert_same_weights(model, reference)


def test_a_generator_without_steps_per_epoch_is_one_epoch():
    x, y = data()
    reference, _ = fit_arrays(x, y, epochs=1)
    model = make_model()
    with pytest.warns(UserWarning, match="ran out of data after 4 batches"):
        history = model.fit(iter(cut(x, y)), epochs=3, verbose=0)
    assert history.epoch == [0]
    assert_same_weights(model, reference)


class Shuffled:
    """A PyDataset by duck typing (``__len__``, ``__getitem__``), reshuffled by its own
    generator in ``on_epoch_end``; it records what fit asks of it."""

    def __init__(self, x, y, batch_size, seed=0):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(x))
        self.begun, self.ended, self.asked, self.orders = 0, 0, [], [self.order]

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        self.asked.append(i)
        rows = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_begin(self):
        self.begun += 1

    def on_epoch_end(self):
        self.ended += 1
        self.order = self.rng.permutation(len(self.x))
        self.orders.append(self.order)


def test_a_pydataset_is_read_by_index_with_its_epoch_hooks_called_once_an_epoch():
    x, y = data()
    dataset = Shuffled(x, y, BATCH)
    model = make_model()
    model.fit(dataset, epochs=3, verbose=0)
    assert (dataset.begun, dataset.ended) == (3, 3)
    assert dataset.asked == [0, 1, 2, 3] * 3  # batch 0, read to be checked, is kept
    # the same updates from the orders it gave, as arrays
    reference = make_model()
    for order in dataset.orders[:3]:
        reference.fit(x[order], y[order], batch_size=BATCH, shuffle=False, verbose=0, seed=0)
    assert_same_weights(model, reference)
    model.evaluate(dataset, verbose=0)
    assert (dataset.begun, dataset.ended) == (4, 4)


def test_a_dataloader_trains_as_the_arrays():
    x, y = data()
    reference, expected = fit_arrays(x, y)
    model = make_model()
    history = model.fit(nn.DataLoader(nn.TensorDataset(x, y), batch_size=BATCH), epochs=3,
                        verbose=0)
    assert_same_weights(model, reference)
    assert history.history == expected.history


def test_a_shuffling_dataloader_makes_a_new_pass_every_epoch():
    x, y = data()
    loader = nn.DataLoader(nn.TensorDataset(x, y), batch_size=BATCH, shuffle=True,
                           generator=ag.Generator().manual_seed(5))
    model = make_model()
    model.fit(loader, epochs=2, verbose=0)
    twin = ag.Generator().manual_seed(5)
    reference = make_model()
    for _ in range(2):
        order = ag.randperm(N, generator=twin).numpy()
        reference.fit(x[order], y[order], batch_size=BATCH, shuffle=False, verbose=0, seed=0)
    assert_same_weights(model, reference)


def test_sample_weights_in_the_batches_weigh_as_the_sample_weight_argument():
    x, y = data()
    w = np.random.default_rng(1).uniform(0, 2, N)
    reference, expected = fit_arrays(x, y, sample_weight=w)
    model = make_model()
    history = model.fit(cut(x, y, w), epochs=3, verbose=0)
    assert_same_weights(model, reference)
    assert history.history == expected.history


def test_class_weight_applies_to_every_batch():
    x, y = data()
    class_weight = {0: 0.5, 2: 3.0}
    reference, _ = fit_arrays(x, y, class_weight=class_weight)
    model = make_model()
    model.fit(cut(x, y), epochs=3, verbose=0, class_weight=class_weight)
    assert_same_weights(model, reference)


# --- validation, evaluate and predict ---------------------------------------------------------
def test_validation_batches_with_validation_steps_evaluate_the_first_batches_each_time():
    x, y = data()
    xv, yv = data(seed=1, n=24)
    model = make_model()
    history = model.fit(cut(x, y), epochs=2, verbose=0, validation_data=cut(xv, yv),
                        validation_steps=2)
    loss, accuracy = model.evaluate(xv[:12], yv[:12], batch_size=BATCH, verbose=0)
    assert history.history["val_loss"][-1] == loss
    assert history.history["val_accuracy"][-1] == accuracy
    # a validation generator goes on: epoch 2 evaluates its batches 3 and 4
    model = make_model()
    endless = (b for _ in itertools.count() for b in cut(xv, yv))
    history = model.fit(cut(x, y), epochs=2, verbose=0, validation_data=endless,
                        validation_steps=2)
    assert history.history["val_loss"][-1] == model.evaluate(xv[12:], yv[12:],
                                                             batch_size=BATCH, verbose=0)[0]


def test_validation_arrays_with_training_batches():
    x, y = data()
    xv, yv = data(seed=1)
    model = make_model()
    history = model.fit(cut(x, y), epochs=1, verbose=0, validation_data=(xv, yv))
    assert history.history["val_loss"] == [model.evaluate(xv, yv, verbose=0)[0]]


def test_evaluate_and_predict_on_batches_equal_their_array_forms():
    x, y = data()
    w = np.random.default_rng(1).uniform(0, 2, N)
    model = make_model()
    model.fit(x, y, epochs=2, verbose=0)
    expected = model.evaluate(x, y, batch_size=BATCH, verbose=0)
    assert model.evaluate(cut(x, y), verbose=0) == expected
    assert model.evaluate(iter(cut(x, y)), verbose=0) == expected
    loader = nn.DataLoader(nn.TensorDataset(x, y), batch_size=BATCH)
    assert model.evaluate(loader, verbose=0) == expected
    assert model.evaluate(cut(x, y), steps=2, verbose=0) == \
        model.evaluate(x[:12], y[:12], batch_size=BATCH, verbose=0)
    assert model.evaluate(cut(x, y, w), verbose=0) == \
        model.evaluate(x, y, batch_size=BATCH, sample_weight=w, verbose=0)

    probabilities = model.predict(x, batch_size=BATCH)
    for batches in ([(xb,) for (xb,) in cut(x)], cut(x, y), cut(x, y, w),
                    (xb for (xb,) in cut(x)), nn.DataLoader(nn.TensorDataset(x), batch_size=BATCH),
                    nn.DataLoader(nn.TensorDataset(x, y), batch_size=BATCH)):
        np.testing.assert_array_equal(model.predict(batches), probabilities)
    np.testing.assert_array_equal(model.predict(cut(x), steps=2), probabilities[:12])


def test_the_progress_bar_knows_the_steps_when_the_data_says(capsys):
    x, y = data()
    steps = []
    spy = nn.LambdaCallback(on_train_begin=lambda logs: steps.append(spy.params["steps"]))
    make_model().fit(cut(x, y), epochs=1, verbose=2, callbacks=[spy])
    make_model().fit(iter(cut(x, y) * 2), epochs=1, steps_per_epoch=3, verbose=2,
                     callbacks=[spy])
    make_model().fit(iter(cut(x, y)), epochs=1, verbose=2, callbacks=[spy])
    assert steps == [4, 3, None]  # a generator's length is unknown ...
    lines = [line for line in capsys.readouterr().out.splitlines() if " - " in line]
    assert [line.split(" - ")[0] for line in lines] == ["4/4", "3/3", "4/4"]  # ... until its end


# --- Keras's guide, "Training & evaluation with the built-in methods": a PyDataset -----------
def test_keras_guide_pydataset_example():
    """keras.io/guides/training_with_built_in_methods, "Using a PyDataset instance", on the
    MNIST sample shipped with the package (1,000 of its images held out as in the guide's
    10,000 of 60,000)."""
    (x_train, y_train), _ = nn.datasets.load_mnist(sample=True)
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_val, y_val = x_train[-1000:], y_train[-1000:]
    x_train, y_train = x_train[:-1000], y_train[:-1000]

    def get_compiled_model():
        inputs = nn.Input(shape=(784,), name="digits")
        h = nn.Dense(64, activation="relu", name="dense_1")(inputs)
        h = nn.Dense(64, activation="relu", name="dense_2")(h)
        outputs = nn.Dense(10, activation="softmax", name="predictions")(h)
        model = nn.Model(inputs=inputs, outputs=outputs)
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                      metrics=["sparse_categorical_accuracy"])
        return model

    class ExamplePyDataset(PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x = x
            self.y = y
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size:(idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size:(idx + 1) * self.batch_size]
            return batch_x, batch_y

    train_py_dataset = ExamplePyDataset(x_train, y_train, batch_size=32)
    val_py_dataset = ExamplePyDataset(x_val, y_val, batch_size=32)

    model = get_compiled_model()
    before = model.evaluate(val_py_dataset, verbose=0)
    # The guide passes batch_size=64 too, which Keras ignores for a PyDataset and this
    # fit refuses: the dataset makes its own batches.
    history = model.fit(train_py_dataset, validation_data=val_py_dataset, epochs=1, verbose=0)
    result = model.evaluate(val_py_dataset, verbose=0)
    assert result == [history.history["val_loss"][0],
                      history.history["val_sparse_categorical_accuracy"][0]]
    assert result[0] < before[0] / 3 and result[1] > 0.8
    assert model.predict(val_py_dataset).shape == (1000, 10)
    with pytest.raises(ValueError, match="fit: batch_size must be None when x is given as "
                                         "batches"):
        model.fit(train_py_dataset, batch_size=64, validation_data=val_py_dataset, epochs=1)


# --- refusals change nothing; later malformed batches name their step -----------------------
def refused(model, call, match):
    """``call`` raises ValueError matching ``match`` and changes no weight, no optimizer
    state and no random state."""
    weights = model.get_weights()
    iterations = model.optimizer.iterations
    ag.manual_seed(7)
    with pytest.raises(ValueError, match=match):
        call()
    after = ag.random.uniform((5,)).numpy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(after, ag.random.uniform((5,)).numpy())
    assert model.optimizer.iterations == iterations
    for a, b in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.fixture
def trained():
    model = make_model(dropout=True)  # a training-mode forward would draw from ag.random
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0)
    return model


def test_arguments_that_need_arrays_are_refused_before_the_data_is_read(trained):
    x, y = data()
    generator = iter(cut(x, y))
    for kwargs, match in (
            ({"y": y}, "fit: y must be None when x is given as batches .x is a list_iterator"),
            ({"batch_size": 6}, "fit: batch_size must be None when x is given as batches"),
            ({"sample_weight": np.ones(N)}, "fit: sample_weight must be None .* the weights "
                                            r"come in the batches, \(x, y, sample_weight\)"),
            ({"validation_split": 0.2}, "fit: validation_split holds out the last samples of "
                                        "arrays"),
            ({"validation_data": iter(cut(x, y)), "epochs": 2},
             "fit: validation_data is a list_iterator, read once: with 2 epochs to run, give "
             "validation_steps"),
            ({"validation_steps": 2}, "fit: validation_steps is for validation data: give "
                                      "validation_data or validation_split"),
            ({"steps_per_epoch": 0}, "fit: steps_per_epoch must be a positive integer")):
        refused(trained, lambda: trained.fit(generator, verbose=0, **kwargs), match)
    refused(trained, lambda: trained.fit(x, y, steps_per_epoch=1.5, verbose=0),
            "fit: steps_per_epoch must be a positive integer")
    refused(trained, lambda: trained.evaluate(cut(x, y), y, verbose=0),
            "evaluate: y must be None when x is given as batches")
    refused(trained, lambda: trained.evaluate(x, y, steps=0, verbose=0),
            "evaluate: steps must be a positive integer")
    with pytest.raises(ValueError, match="predict: batch_size must be None"):
        trained.predict(cut(x), batch_size=6)
    assert len(list(generator)) == 4  # refused before a batch was read


@pytest.mark.parametrize("first, match", [
    ((np.ones((6, 5)), np.zeros(6, int)), r"fit \(x's first batch\): .*expected input of "
                                          r"shape \(batch, 4\), got \(6, 5\)"),
    ((np.ones((6, 4)), np.full(6, 3)), r"fit \(x's first batch\): y: labels must lie in "
                                       r"\[0, 3\)"),
    ((np.ones((6, 4)),), r"fit \(x's first batch\): the batch holds x alone"),
    ((np.ones((6, 4)), np.zeros(5, int)), r"fit \(x's first batch\): x has 6 samples"),
    ((np.ones((6, 4)), np.zeros(6, int), -np.ones(6)),
     r"fit \(x's first batch\): sample_weight must be finite and >= 0"),
    ((np.full((6, 4), np.nan), np.zeros(6, int)), r"fit \(x's first batch\): x holds NaN"),
])
def test_a_malformed_first_batch_is_refused_before_any_update(trained, first, match):
    x, y = data()
    refused(trained, lambda: trained.fit([first] + cut(x, y), epochs=2, verbose=0), match)
    refused(trained, lambda: trained.fit(cut(x, y), validation_data=[first], verbose=0),
            match.replace("x's first batch", "validation_data's first batch"))


def test_an_empty_iterable_is_refused(trained):
    refused(trained, lambda: trained.fit(iter([]), verbose=0), "fit: x gave no batch")
    refused(trained, lambda: trained.evaluate(nn.DataLoader(nn.TensorDataset(np.ones((0, 4)))),
                                              verbose=0), "evaluate: x gave no batch")


@pytest.mark.parametrize("bad, match", [
    ((np.ones((6, 5)), np.zeros(6, int)), r"x has shape \(6, 5\), not \(batch, 4\)"),
    ((np.ones((6, 4)), np.full(6, 7)), r"y: labels must lie in \[0, 3\)"),
    ((np.ones((6, 4)),), "the batch holds x alone"),
    ((np.ones((6, 4)), np.zeros(6, int), np.ones(5)), r"sample_weight must hold one weight "
                                                      r"per sample, shape \(6,\)"),
])
def test_a_later_malformed_batch_raises_naming_its_epoch_and_step(bad, match):
    x, y = data()
    batches = cut(x, y)
    model = make_model()
    with pytest.raises(ValueError, match=r"fit \(x, epoch 2, step 3\): " + match):
        model.fit((b for b in batches + batches[:2] + [bad] + batches), epochs=3,
                  steps_per_epoch=4, verbose=0)
    assert model.optimizer.iterations == 4 + 2  # the steps before it


class Averaged(nn.Model):
    """A subclassed model, which declares no input shape: the mean over time, then Dense."""

    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(2, seed=0)

    def call(self, x):
        return self.dense(ag.mean(x, axis=1))


def test_a_model_without_declared_inputs_takes_batches_of_other_lengths():
    rng = np.random.default_rng(0)
    batches = [(rng.normal(size=(4, t, 3)), rng.normal(size=(4, 2))) for t in (5, 7, 2)]
    model = Averaged()
    model.compile("sgd", "mse")
    history = model.fit(batches, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and model.optimizer.iterations == 6
    reference = Averaged()
    reference.compile("sgd", "mse")
    for _ in range(2):
        for xb, yb in batches:
            reference.train_on_batch(xb, yb)
    assert_same_weights(model, reference)
    with pytest.raises(ValueError, match=r"step 2\): x has shape \(4, 7\), not "
                                         r"\(batch, any, any\)"):
        model.fit([batches[0], (np.ones((4, 7)), np.ones((4, 2)))], verbose=0)


def _dense_model(custom_step, **compile_kwargs):
    """A compiled one-layer model; with ``custom_step`` its train, test and predict steps
    are its own (Keras's overrides), so that fit, evaluate and predict take their custom
    loops."""
    class Stepped(nn.Sequential):
        def train_step(self, data):
            return super().train_step(data)

        def test_step(self, data):
            return super().test_step(data)

        def predict_step(self, data):
            return super().predict_step(data)

    model = (Stepped if custom_step else nn.Sequential)([nn.Dense(3)])
    model.compile(optimizer="sgd", loss=nn.SparseCategoricalCrossentropy(from_logits=True),
                  **compile_kwargs)
    return model


@pytest.mark.parametrize("custom_step", [False, True])
def test_fit_on_arrays_with_steps_per_epoch_goes_on_through_the_passes_as_keras_3(
        custom_step):
    """Keras 3's EpochIterator: an epoch takes steps_per_epoch batches where the last one
    stopped; one that meets the end of a pass ends there, with a warning, and the next
    starts a new pass. Without batch_size, a pass is cut into steps_per_epoch batches."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(100, 4)).astype(np.float32), rng.integers(0, 3, 100)

    model = _dense_model(custom_step)
    sizes = []

    class Sizes(nn.callbacks.Callback):
        def on_train_batch_begin(self, step, logs=None):
            sizes.append(step)

        def on_epoch_end(self, epoch, logs=None):
            sizes.append("|")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, batch_size=10, epochs=5, steps_per_epoch=3, verbose=0,
                            callbacks=[Sizes()])
    assert sizes == [0, 1, 2, "|"] * 3 + [0, "|", 0, 1, 2, "|"]  # 10 batches a pass
    assert [str(w.message) for w in caught] == [
        "fit: x ran out of data after 1 of steps_per_epoch=3 steps: epoch 4 ends there, and "
        "the next starts a new pass over it"]
    assert len(history.history["loss"]) == 5
    history = model.fit(x, y, epochs=1, steps_per_epoch=4, verbose=0)
    assert history.params["batch_size"] == 25 and history.params["steps"] == 4


@pytest.mark.parametrize("custom_step", [False, True])
def test_evaluate_and_predict_on_arrays_take_steps_batches_as_keras_3(custom_step):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(50, 4)).astype(np.float32), rng.integers(0, 3, 50)

    model = _dense_model(custom_step, metrics=["accuracy"])
    whole = model.evaluate(x, y, verbose=0, return_dict=True)
    first = model.evaluate(x[:20], y[:20], verbose=0, return_dict=True)
    for k, v in model.evaluate(x, y, batch_size=10, steps=2, verbose=0,
                               return_dict=True).items():
        assert v == pytest.approx(first[k], rel=1e-6)
    for k, v in model.evaluate(x, y, steps=3, verbose=0, return_dict=True).items():
        assert v == pytest.approx(whole[k], rel=1e-6)  # 3 batches of ceil(50 / 3) = 17
    np.testing.assert_allclose(model.predict(x, batch_size=10, steps=2), model.predict(x[:20]),
                               rtol=1e-6)
    assert model.predict(x, steps=4).shape == (50, 3)


@pytest.mark.parametrize("custom_step", [False, True])
def test_validation_steps_with_arrays_evaluate_the_first_batches_every_epoch(custom_step):
    """Keras: "the evaluation will start from the beginning of the dataset at each epoch";
    without batch_size, ceil(n / validation_steps) samples a batch (Keras 3)."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    vx, vy = rng.normal(size=(30, 4)).astype(np.float32), rng.integers(0, 3, 30)

    model = _dense_model(custom_step)
    seen = []

    class Losses(nn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs["val_loss"], self.model.evaluate(vx[:16], vy[:16], verbose=0),
                         self.model.evaluate(vx, vy, verbose=0)))
    model.fit(x, y, epochs=2, batch_size=8, validation_data=(vx, vy), validation_steps=2,
              verbose=0, callbacks=[Losses()])
    for val_loss, first_16, _ in seen:  # 2 batches of batch_size, from the start each epoch
        assert val_loss == pytest.approx(first_16, rel=1e-6)
    seen.clear()
    model.fit(x, y, epochs=1, validation_data=(vx, vy), validation_steps=3, verbose=0,
              callbacks=[Losses()])
    assert seen[0][0] == pytest.approx(seen[0][2], rel=1e-6)  # 3 batches of 10: all of it
