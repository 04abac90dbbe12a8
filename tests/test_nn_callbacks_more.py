"""ReduceLROnPlateau, LearningRateScheduler, LambdaCallback and CSVLogger (Keras 3's), and
the training-batch hooks fit calls: scripted monitored values, real fits, file contents,
and refusals that change nothing."""

import csv
import math
import os

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.callbacks import CSVLogger, LambdaCallback, LearningRateScheduler, ReduceLROnPlateau


def data(n=40):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x[:, :1] > 0).astype(np.float32)


def classifier(optimizer="adam"):
    model = nn.Sequential([nn.Dense(4, activation="relu", input_shape=(3,)),
                           nn.Dense(1, activation="sigmoid")])
    model.compile(optimizer, "binary_crossentropy", metrics=["accuracy"])
    return model


class FakeModel:
    """What the learning-rate callbacks use of a model: its optimizer."""

    def __init__(self, lr=1.0):
        self.optimizer = optim.SGD(learning_rate=lr)


def drive(cb, values, key="val_loss", lr=1.0):
    """Run ``cb`` through a training of len(values) epochs with ``key`` logged as given;
    returns the rate logged at each epoch and the rate after the last."""
    cb.set_model(FakeModel(lr))
    cb.on_train_begin({})
    logged = []
    for epoch, value in enumerate(values):
        cb.on_epoch_begin(epoch, {})
        logs = {"loss": 0.0, key: value}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
    return logged, cb.model.optimizer.learning_rate


# --- ReduceLROnPlateau, scripted ------------------------------------------------------------

def test_reduce_after_patience_epochs_without_improvement():
    cb = ReduceLROnPlateau(factor=0.5, patience=2)
    assert (cb.monitor, cb.mode, cb.min_delta, cb.cooldown, cb.min_lr) == (
        "val_loss", "min", 1e-4, 0, 0.0)
    # epoch 1 improves; 2 and 3 do not: reduced at 3; 4 and 5 do not: reduced at 5; 6 does.
    logged, final = drive(cb, [1.0, 0.9, 0.9, 0.95, 0.9, 0.9, 0.8])
    assert logged == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    assert final == 0.25
    assert (cb.best, cb.wait) == (0.8, 0)


def test_default_patience_is_ten():
    logged, final = drive(ReduceLROnPlateau(), [1.0] * 12)
    assert logged == [1.0] * 11 + [pytest.approx(0.1)]
    assert final == pytest.approx(0.1)


def test_min_delta_small_gains_are_no_improvement():
    falling = [1.0 - 0.00005 * k for k in range(4)]
    logged, _ = drive(ReduceLROnPlateau(factor=0.5, patience=2), falling)
    assert logged == [1.0, 1.0, 1.0, 0.5]
    logged, _ = drive(ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.0), falling)
    assert logged == [1.0] * 4


def test_mode_max_auto_and_min_disagree_on_the_same_values():
    values = [0.5, 0.6, 0.6, 0.55, 0.7]
    auto = ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=2)
    assert auto.mode == "max"
    # max: 0.6 improves; 0.6 and 0.55 do not (reduced at epoch 3); 0.7 does.
    assert drive(auto, values, "val_accuracy")[0] == [1.0, 1.0, 1.0, 1.0, 0.5]
    as_min = ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=2, mode="min")
    # min: only 0.5 was best; epochs 1, 2 do not improve (reduced at 2); 0.55 neither.
    assert drive(as_min, values, "val_accuracy")[0] == [1.0, 1.0, 1.0, 0.5, 0.5]
    assert ReduceLROnPlateau(monitor="loss").mode == "min"
    assert ReduceLROnPlateau(monitor="val_auc").mode == "max"
    assert ReduceLROnPlateau(monitor="val_loss", mode="max").mode == "max"


def test_max_mode_min_delta():
    cb = ReduceLROnPlateau(monitor="acc", mode="max", factor=0.5, patience=1, min_delta=0.1)
    # +0.05 is not an improvement by more than 0.1; +0.2 is.
    assert drive(cb, [0.5, 0.55, 0.75, 0.8], "acc")[0] == [1.0, 1.0, 0.5, 0.5]
    assert cb.best == 0.75


def test_cooldown_as_keras_counts_it():
    # Keras decrements the cooldown at the start of each epoch's check, so the patience
    # runs again in the epoch where the counter reaches 0: with patience 1 and cooldown 2
    # the rate is cut every second epoch; without cooldown, every epoch.
    flat = [1.0] * 7
    logged, _ = drive(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), flat)
    assert logged == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    logged, _ = drive(ReduceLROnPlateau(factor=0.5, patience=1), flat)
    assert logged == [1.0, 1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125]
    cb = ReduceLROnPlateau(factor=0.5, patience=1, cooldown=3)
    drive(cb, [1.0, 1.0])
    assert (cb.cooldown_counter, cb.in_cooldown()) == (3, True)


def test_improvement_during_cooldown_becomes_the_best():
    cb = ReduceLROnPlateau(factor=0.5, patience=1, cooldown=5)
    logged, _ = drive(cb, [1.0, 1.0, 0.5, 0.6])
    assert logged == [1.0, 1.0, 0.5, 0.5]
    assert (cb.best, cb.cooldown_counter) == (0.5, 3)


def test_min_lr_floors_the_rate_and_stops_reducing():
    cb = ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.05)
    logged, final = drive(cb, [1.0] * 5)
    assert logged == [1.0, 1.0, pytest.approx(0.1), 0.05, 0.05]
    assert final == 0.05
    assert cb.wait == 2      # at min_lr the patience keeps running, as in Keras


def test_first_value_is_the_best_and_train_begin_resets():
    cb = ReduceLROnPlateau(factor=0.5, patience=1)
    drive(cb, [5.0, 6.0])
    assert (cb.best, cb.wait) == (5.0, 0)
    cb.on_train_begin({})
    assert (cb.best, cb.wait, cb.cooldown_counter) == (None, 0, 0)


def test_missing_monitor_warns_and_changes_nothing():
    cb = ReduceLROnPlateau(patience=0)
    cb.set_model(FakeModel(0.3))
    cb.on_train_begin({})
    logs = {"loss": 1.0}
    with pytest.warns(UserWarning, match="`val_loss` which is not available.*loss"):
        cb.on_epoch_end(0, logs)
    assert logs == {"loss": 1.0, "learning_rate": 0.3}
    assert cb.model.optimizer.learning_rate == 0.3 and cb.best is None


def test_verbose_prints_keras_line(capsys):
    drive(ReduceLROnPlateau(factor=0.5, patience=1, verbose=1), [1.0, 1.0])
    assert capsys.readouterr().out == ("\nEpoch 2: ReduceLROnPlateau reducing learning rate "
                                       "to 0.5.\n")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"factor": 1.0}, ValueError, "factor must be a finite number in \\[0, 1\\)"),
    ({"factor": 2}, ValueError, "factor"),
    ({"factor": -0.1}, ValueError, "factor"),
    ({"factor": float("nan")}, ValueError, "factor"),
    ({"factor": "0.5"}, TypeError, "factor must be a number"),
    ({"factor": True}, TypeError, "factor"),
    ({"patience": -1}, ValueError, "patience must be an integer >= 0"),
    ({"patience": 2.5}, ValueError, "patience"),
    ({"patience": True}, ValueError, "patience"),
    ({"cooldown": -1}, ValueError, "cooldown"),
    ({"min_lr": -1e-3}, ValueError, "min_lr"),
    ({"min_lr": math.inf}, ValueError, "min_lr"),
    ({"min_delta": -1e-4}, ValueError, "min_delta"),
    ({"min_delta": float("nan")}, ValueError, "min_delta"),
    ({"mode": "best"}, ValueError, "mode must be 'auto', 'min' or 'max'"),
    ({"monitor": 3}, TypeError, "monitor must be a logged name"),
])
def test_reduce_refuses_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        ReduceLROnPlateau(**kwargs)


# --- real fits ----------------------------------------------------------------------------

def plateau_model(lr):
    """A linear model already at its optimum (zero weights, zero targets): its val_loss is
    exactly 0 in every epoch, a plateau, whatever the learning rate."""
    model = nn.Sequential([nn.Dense(1, kernel_initializer="zeros", input_shape=(3,))])
    model.compile(optim.SGD(learning_rate=lr), "mse")
    x = data()[0]
    return model, x, np.zeros((len(x), 1), np.float32)


def test_reduce_in_a_fit_whose_val_loss_plateaus():
    model, x, y = plateau_model(0.1)
    cb = ReduceLROnPlateau(factor=0.5, patience=2)
    history = model.fit(x, y, epochs=6, batch_size=10, validation_split=0.25, verbose=0,
                        seed=0, callbacks=[cb])
    assert history.history["val_loss"] == [0.0] * 6
    # History comes after the user's callbacks, as in Keras, so it records the rate.
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05,
                                                              0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_reduce_in_a_fit_that_learns_matches_a_replay_of_its_val_loss():
    ag.random.set_seed(0)
    model = classifier(optim.SGD(learning_rate=0.5))
    x, y = data(200)
    cb = ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.002)
    history = model.fit(x, y, epochs=20, batch_size=20, validation_split=0.25, verbose=0,
                        seed=0, callbacks=[cb])
    # The rule replayed on the logged val_loss gives the logged rates.
    lr, best, wait, expect = 0.5, None, 0, []
    for value in history.history["val_loss"]:
        expect.append(lr)
        if best is None or value + 0.002 < best:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= 1:
                lr, wait = lr * 0.5, 0
    assert history.history["learning_rate"] == expect
    # It kept the rate while val_loss fell, and reduced it once it stalled.
    assert expect[:3] == [0.5] * 3 and len(set(expect)) > 1


def test_schedule_optimizer_refused_at_train_begin_changing_nothing():
    schedule = optim.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    for cb in (ReduceLROnPlateau(), LearningRateScheduler(lambda epoch, lr: lr)):
        model = classifier(optim.SGD(learning_rate=schedule))
        x, y = data()
        before = model.get_weights()
        with pytest.raises(TypeError, match="learning_rate is a schedule"):
            model.fit(x, y, epochs=2, batch_size=10, validation_split=0.25, verbose=0,
                      seed=0, callbacks=[cb])
        assert model.optimizer.get_config()["learning_rate"] is schedule
        assert model.optimizer.iterations == 0
        for a, b in zip(before, model.get_weights()):
            np.testing.assert_array_equal(a, b)


# --- LearningRateScheduler ---------------------------------------------------------------

def rates_seen(model, x, y, cb, epochs=3):
    """The learning rate each batch was trained with, per epoch, and the History."""
    seen = []
    spy = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append([]),
                         on_train_batch_begin=lambda batch, logs: seen[-1].append(
                             model.optimizer.learning_rate))
    history = model.fit(x, y, epochs=epochs, batch_size=10, verbose=0, seed=0,
                        callbacks=[cb, spy])
    return seen, history


def test_scheduler_sets_each_epochs_rate_in_a_fit():
    model = classifier(optim.SGD(learning_rate=0.3))
    x, y = data()
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return 0.1 * 0.5 ** epoch

    seen, history = rates_seen(model, x, y, LearningRateScheduler(schedule))
    assert calls == [(0, 0.3), (1, 0.1), (2, 0.05)]
    assert seen == [[0.1] * 4, [0.05] * 4, [0.025] * 4]
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025]
    assert model.optimizer.learning_rate == 0.025


def test_scheduler_gets_the_current_rate_and_the_old_one_argument_form():
    model = classifier(optim.SGD(learning_rate=0.2))
    x, y = data()
    seen, _ = rates_seen(model, x, y, LearningRateScheduler(lambda epoch, lr: lr / 2))
    assert [s[0] for s in seen] == [0.1, 0.05, 0.025]
    model = classifier(optim.SGD(learning_rate=0.2))
    seen, _ = rates_seen(model, x, y, LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1)))
    assert [s[0] for s in seen] == [0.01, 0.02, 0.03]
    assert LearningRateScheduler(lambda epoch, lr=None: 0.1).takes_lr
    assert not LearningRateScheduler(lambda epoch: 0.1).takes_lr


def test_scheduler_verbose(capsys):
    cb = LearningRateScheduler(lambda epoch, lr: 0.25, verbose=1)
    cb.set_model(FakeModel())
    cb.on_epoch_begin(0, {})
    assert capsys.readouterr().out == ("\nEpoch 1: LearningRateScheduler setting learning "
                                       "rate to 0.25.\n")


@pytest.mark.parametrize("bad", [float("nan"), -0.1, math.inf, None, "0.1", True,
                                 np.array([0.1])])
def test_scheduler_refuses_a_bad_rate_leaving_the_rate(bad):
    cb = LearningRateScheduler(lambda epoch, lr: bad)
    cb.set_model(FakeModel(0.7))
    with pytest.raises(ValueError, match=r"schedule\(3, 0.7\) returned .*finite float >= 0"):
        cb.on_epoch_begin(3, {})
    assert cb.model.optimizer.learning_rate == 0.7


def test_scheduler_accepts_numpy_floats_and_zero():
    for value, expect in ((np.float32(0.5), 0.5), (np.float64(0.25), 0.25), (0.0, 0.0)):
        cb = LearningRateScheduler(lambda epoch, lr: value)
        cb.set_model(FakeModel())
        cb.on_epoch_begin(0, {})
        assert cb.model.optimizer.learning_rate == expect
        assert type(cb.model.optimizer.learning_rate) is float


def test_scheduler_nan_mid_fit_stops_it_with_the_last_good_rate():
    model = classifier(optim.SGD(learning_rate=0.3))
    x, y = data()
    cb = LearningRateScheduler(lambda epoch, lr: [0.1, 0.05, float("nan")][epoch])
    with pytest.raises(ValueError, match=r"schedule\(2, 0.05\) returned nan"):
        model.fit(x, y, epochs=3, batch_size=10, verbose=0, seed=0, callbacks=[cb])
    assert model.optimizer.learning_rate == 0.05


@pytest.mark.parametrize("schedule, match", [
    (0.1, "schedule must be a function"),
    (None, "schedule must be a function"),
    (lambda: 0.1, r"must take \(epoch, lr\) or \(epoch\)"),
    (lambda epoch, lr, extra: 0.1, r"must take \(epoch, lr\) or \(epoch\)"),
])
def test_scheduler_refuses_bad_schedules(schedule, match):
    with pytest.raises(TypeError, match=match):
        LearningRateScheduler(schedule)


# --- LambdaCallback and the hooks fit calls --------------------------------------------------

def recorder(events, batch_names=("on_train_batch_begin", "on_train_batch_end")):
    def log(name):
        def hook(*args):
            events.append((name,) + tuple(a if not isinstance(a, dict) else sorted(a)
                                          for a in args))
        return hook
    names = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end") + batch_names
    return LambdaCallback(**{name: log(name) for name in names})


def expected_events(epochs, steps, metric_keys):
    events = [("on_train_begin", [])]
    for epoch in range(epochs):
        events.append(("on_epoch_begin", epoch, []))
        for step in range(steps):
            events += [("on_train_batch_begin", step, []),
                       ("on_train_batch_end", step, metric_keys)]
        events.append(("on_epoch_end", epoch, metric_keys + ["val_" + k for k in metric_keys]))
    events.append(("on_train_end", metric_keys + ["val_" + k for k in metric_keys]))
    return events


def test_lambda_hooks_in_order_with_keras_logs():
    model = classifier()
    x, y = data(40)
    events = []
    model.fit(x, y, epochs=2, batch_size=10, validation_split=0.25, verbose=0, seed=0,
              callbacks=[recorder(events)])
    assert events == expected_events(2, 3, ["accuracy", "loss"])


def test_lambda_keras2_batch_names_are_called_the_same():
    model = classifier()
    x, y = data(40)
    events = []
    model.fit(x, y, epochs=2, batch_size=10, validation_split=0.25, verbose=0, seed=0,
              callbacks=[recorder(events, ("on_batch_begin", "on_batch_end"))])
    renamed = [(e[0].replace("on_batch", "on_train_batch"),) + e[1:] for e in events]
    assert renamed == expected_events(2, 3, ["accuracy", "loss"])


def test_lambda_hooks_not_given_do_nothing_and_stop_training_counts():
    model = classifier()
    x, y = data(40)
    ends = []

    def stop(batch, logs):
        ends.append(batch)
        if len(ends) == 5:
            model.stop_training = True

    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0, seed=0,
                        callbacks=[LambdaCallback(on_train_batch_end=stop)])
    assert ends == [0, 1, 2, 3, 0] and history.epoch == [0, 1]


def test_subclass_hooks_by_either_name():
    class New(nn.Callback):
        def __init__(self):
            super().__init__()
            self.begins, self.ends = 0, 0

        def on_train_batch_begin(self, batch, logs=None):
            self.begins += 1

        def on_train_batch_end(self, batch, logs=None):
            self.ends += 1

    class Old(nn.Callback):
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_batch_end(self, batch, logs=None):
            self.ends.append(round(logs["loss"], 6))

    model = classifier()
    x, y = data(40)
    new, old = New(), Old()
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, seed=0, callbacks=[new, old])
    assert (new.begins, new.ends, len(old.ends)) == (8, 8, 8)
    assert all(v > 0 for v in old.ends)


def test_lambda_refuses_bad_arguments():
    with pytest.raises(TypeError, match="on_epoch_end must be a function or None"):
        LambdaCallback(on_epoch_end="print")
    with pytest.raises(TypeError, match="on_train_batch_begin .* or on_batch_begin"):
        LambdaCallback(on_batch_begin=print, on_train_batch_begin=print)
    with pytest.raises(TypeError, match="on_train_batch_end .* or on_batch_end"):
        LambdaCallback(on_batch_end=print, on_train_batch_end=print)
    with pytest.raises(TypeError):      # Keras 2 and 3 order the third onwards differently
        LambdaCallback(None, None, print)
    with pytest.raises(TypeError):
        LambdaCallback(on_test_begin=print)
    assert "on_epoch_end" not in vars(LambdaCallback(on_epoch_begin=print))


# --- CSVLogger --------------------------------------------------------------------------------

def read_csv(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_csv_header_and_rows_equal_the_history(tmp_path):
    path = tmp_path / "log.csv"
    model = classifier()
    x, y = data()
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                        seed=0, callbacks=[CSVLogger(path)])
    text = path.read_bytes()
    assert text.startswith(b"epoch,accuracy,loss,val_accuracy,val_loss\r\n")
    assert text.count(b"\r\n") == 4 and text.endswith(b"\r\n")
    rows = read_csv(path)
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    for j, key in enumerate(rows[0][1:], 1):
        assert [float(r[j]) for r in rows[1:]] == history.history[key]


def test_csv_separator_and_learning_rate_column(tmp_path):
    path = tmp_path / "log.tsv"
    model, x, y = plateau_model(0.1)
    model.fit(x, y, epochs=4, batch_size=10, validation_split=0.25, verbose=0, seed=0,
              callbacks=[ReduceLROnPlateau(factor=0.5, patience=2),
                         CSVLogger(str(path), separator="\t")])
    rows = read_csv(path, "\t")
    assert rows[0] == ["epoch", "learning_rate", "loss", "val_loss"]
    assert [r[1] for r in rows[1:]] == ["0.1", "0.1", "0.1", "0.05"]
    assert "," not in path.read_text()


def test_csv_append_continues_a_file_and_overwrite_restarts(tmp_path):
    path = tmp_path / "log.csv"
    model = classifier()
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, seed=0, callbacks=[CSVLogger(path)])
    first = read_csv(path)
    model.fit(x, y, epochs=3, batch_size=10, verbose=0, seed=0,
              callbacks=[CSVLogger(path, append=True)])
    rows = read_csv(path)
    assert rows[:3] == first
    assert rows[0] == ["epoch", "accuracy", "loss"] and len(rows) == 6
    assert [r[0] for r in rows[1:]] == ["0", "1", "0", "1", "2"]  # Keras counts each fit's
    model.fit(x, y, epochs=1, batch_size=10, verbose=0, seed=0, callbacks=[CSVLogger(path)])
    rows = read_csv(path)
    assert len(rows) == 2 and rows[0] == first[0]


def test_csv_append_to_a_new_file_writes_its_header(tmp_path):
    path = tmp_path / "new.csv"
    cb = CSVLogger(path, append=True)
    cb.on_train_begin({})
    cb.on_epoch_end(0, {"loss": 0.5})
    assert path.read_bytes() == b"epoch,loss\r\n0,0.5\r\n"


def test_csv_append_keeps_the_files_columns_and_ends_a_cut_line(tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(b"epoch,loss,val_loss\r\n0,0.9,1.0\r\n1,0.8")   # a killed run's last row
    cb = CSVLogger(path, append=True)
    cb.on_train_begin({})
    with pytest.warns(UserWarning, match=r"\['accuracy'\] are not written"):
        cb.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75})
    cb.on_epoch_end(1, {"loss": 0.4, "val_loss": 0.6})
    assert read_csv(path) == [["epoch", "loss", "val_loss"], ["0", "0.9", "1.0"],
                              ["1", "0.8"], ["0", "0.5", "NA"], ["1", "0.4", "0.6"]]


def test_csv_missing_key_is_na_and_new_keys_are_left_out(tmp_path):
    path = tmp_path / "log.csv"
    cb = CSVLogger(path)
    cb.on_train_begin({})
    cb.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    cb.on_epoch_end(1, {"loss": 0.5, "other": 3.0})
    assert read_csv(path) == [["epoch", "loss", "val_loss"], ["0", "1.0", "2.0"],
                              ["1", "0.5", "NA"]]


@pytest.mark.parametrize("fail_at", ["epoch_begin", "batch_end"])
def test_csv_a_fit_that_raises_leaves_a_well_formed_file(tmp_path, fail_at):
    path = tmp_path / "log.csv"

    def boom_epoch(epoch, logs):
        if epoch == 2:
            raise RuntimeError("boom")

    def boom_batch(batch, logs):
        if model.history.epoch == [0, 1] and batch == 1:
            raise RuntimeError("boom")

    failing = (LambdaCallback(on_epoch_begin=boom_epoch) if fail_at == "epoch_begin"
               else LambdaCallback(on_train_batch_end=boom_batch))
    model = classifier()
    x, y = data()
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(x, y, epochs=5, batch_size=10, validation_split=0.25, verbose=0, seed=0,
                  callbacks=[CSVLogger(path), failing])
    rows = read_csv(path)
    assert [r[0] for r in rows] == ["epoch", "0", "1"]
    assert all(len(r) == 5 for r in rows)
    assert path.read_bytes().endswith(b"\r\n")
    assert os.listdir(tmp_path) == ["log.csv"]


def test_csv_refused_fit_leaves_an_earlier_log(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss\n0,0.5\n")
    model = classifier(optim.SGD(learning_rate=optim.ExponentialDecay(0.1, 10, 0.5)))
    x, y = data()
    with pytest.raises(TypeError, match="schedule"):
        model.fit(x, y, epochs=2, verbose=0, seed=0,
                  callbacks=[CSVLogger(path), ReduceLROnPlateau()])
    assert path.read_text() == "epoch,loss\n0,0.5\n"


def test_csv_refuses_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="filename must be a path"):
        CSVLogger(3)
    for sep in ("", ";;", 1):
        with pytest.raises(TypeError, match="separator must be one character"):
            CSVLogger(tmp_path / "a.csv", separator=sep)
    with pytest.raises(TypeError, match="append must be True or False"):
        CSVLogger(tmp_path / "a.csv", append="yes")
    cb = CSVLogger(tmp_path / "missing" / "a.csv")
    with pytest.raises(FileNotFoundError, match="folder"):
        cb.on_train_begin({})
    assert os.listdir(tmp_path) == []


def test_new_callbacks_importable_keras_style():
    import nn.callbacks as callbacks
    for name in ("ReduceLROnPlateau", "LearningRateScheduler", "LambdaCallback", "CSVLogger",
                 "ModelCheckpoint", "EarlyStopping", "TerminateOnNaN", "History", "Callback"):
        assert name in callbacks.__all__ and hasattr(callbacks, name)
    assert callbacks.EarlyStopping is nn.EarlyStopping
