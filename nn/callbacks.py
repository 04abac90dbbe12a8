"""Callbacks that act on the model during ``fit`` or write files, with Keras's names.

- ``ModelCheckpoint`` saves the model (or its weights) every epoch or every few batches;
- ``ReduceLROnPlateau`` divides the learning rate when a logged quantity stops improving;
- ``LearningRateScheduler`` sets the learning rate at each epoch from ``schedule(epoch, lr)``;
- ``LambdaCallback`` turns plain functions into a callback;
- ``CSVLogger`` writes one row of logs per epoch;
- ``BackupAndRestore`` backs the model up during fit, and resumes an interrupted fit.

The watching ones (``Callback``, ``History``, ``EarlyStopping``, ``TerminateOnNaN``,
``ProgbarLogger``, and ``CallbackList``, which calls a list of them) live in
``nn.training`` and can be imported from here too, as from ``keras.callbacks``.

>>> cb = ModelCheckpoint("ckpt/weights.{epoch:02d}-{val_loss:.2f}.npz")
>>> cb.mode, cb.save_weights_only
('min', True)
>>> ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=3).mode
'max'
"""

import csv
import inspect
import json
import math
import numbers
import os
import shutil
import warnings

import numpy as np

from .atomic import atomic_write
from .training import (
    Callback, CallbackList, EarlyStopping, History, ProgbarLogger, TerminateOnNaN,
)

__all__ = ["Callback", "History", "EarlyStopping", "TerminateOnNaN", "ModelCheckpoint",
           "ReduceLROnPlateau", "LearningRateScheduler", "LambdaCallback", "CSVLogger",
           "CallbackList", "ProgbarLogger", "BackupAndRestore"]

# Logged quantities that get better as they grow: mode "auto" maximises these.
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "fmeasure")


def _mode(mode, monitor, where):
    """"min" or "max": ``mode`` itself, or for "auto" the direction ``monitor``'s name says."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{where}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if any(word in monitor.lower() for word in _HIGHER_IS_BETTER) else "min"


def _monitor(monitor, where):
    if not isinstance(monitor, str):
        raise TypeError(f"{where}: monitor must be a logged name like 'val_loss', got "
                        f"{monitor!r}")
    return monitor


def _number(value, what, where, low=0.0, below=None):
    """A finite real number in [low, below) (a bool is not one), as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {what} must be a number, got {value!r}")
    if not (math.isfinite(value) and value >= low and (below is None or value < below)):
        bounds = f"in [{low:g}, {below:g})" if below is not None else f">= {low:g}"
        raise ValueError(f"{where}: {what} must be a finite number {bounds}, got {value!r}")
    return float(value)


def _count(value, what, where):
    """A whole number >= 0 (a bool is not one), as an int: patience, cooldown."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 0:
        raise ValueError(f"{where}: {what} must be an integer >= 0, got {value!r}")
    return int(value)


def _settable_optimizer(model, where):
    """The model's optimizer, refused when its learning rate is a schedule: the schedule
    sets the rate before every update, and setting a number would silently replace it
    (Keras refuses too, when the rate is set)."""
    optimizer = model.optimizer
    rate = optimizer.get_config()["learning_rate"]
    if callable(rate):
        raise TypeError(f"{where}: the optimizer's learning_rate is a schedule ({rate!r}), "
                        f"which sets the rate before every update; {where} would replace it "
                        f"with a number. Give the optimizer a number (e.g. "
                        f"{type(optimizer).__name__}(learning_rate=0.01)) to use {where}, "
                        "or keep the schedule and drop the callback")
    return optimizer


class ModelCheckpoint(Callback):
    """Save the model (or its weights) every epoch or every ``save_freq`` batches, as Keras.

    Args:
        filepath: where to save; Keras's ``str.format`` fields are filled in from the
            epoch (counted from 1), the batch (with an int save_freq) and the logs:
            "weights.{epoch:02d}-{val_loss:.2f}.npz" -> "weights.03-0.41.npz".
        monitor: the logged quantity that ``save_best_only`` compares ("val_loss").
        save_best_only: save only when ``monitor`` improves on the best so far; a
            missing ``monitor`` skips the save with a warning, as Keras.
        save_weights_only: True: ``model.save_weights(path)`` (an atomic ``.npz``);
            False: ``model.save(path)``, the whole model.
        mode: "min", "max" or "auto": max for accuracies, AUC, precision and recall
            (a name containing "acc", "auc", ...), min otherwise.
        save_freq: "epoch", or a number of batches between saves.
        verbose: 1 prints a line at every save.

    Attributes:
        best: the best ``monitor`` value so far (inf or -inf at first).
        saved: the paths written, in order.
    """

    def __init__(self, filepath, monitor="val_loss", save_best_only=False,
                 save_weights_only=True, mode="auto", save_freq="epoch", verbose=0):
        super().__init__()
        if not isinstance(filepath, (str, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: filepath must be a path, got "
                            f"{type(filepath).__name__} {filepath!r}")
        mode = _mode(mode, _monitor(monitor, "ModelCheckpoint"), "ModelCheckpoint")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, numbers.Integral) or
                                     save_freq <= 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive "
                             f"number of batches, got {save_freq!r}")
        self.filepath = os.fspath(filepath)
        self.monitor, self.mode, self.verbose = monitor, mode, verbose
        self.save_best_only, self.save_weights_only = bool(save_best_only), bool(
            save_weights_only)
        self.save_freq = save_freq
        self.best = math.inf if mode == "min" else -math.inf
        self.saved = []
        self._batches = 0
        self._epoch = 0

    def _better(self, current):
        return current < self.best if self.mode == "min" else current > self.best

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches += 1
        if self._batches % self.save_freq == 0:
            self._save(self._epoch, logs or {}, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs or {})

    def _path(self, epoch, logs, batch):
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(f"ModelCheckpoint: filepath {self.filepath!r} names {e}, which is "
                           f"not in the logs (available: epoch, "
                           f"{', '.join(logs) or 'nothing else'})") from None

    def _save(self, epoch, logs, batch=None):
        path = self._path(epoch, logs, batch)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                print(f"ModelCheckpoint: can save best model only with {self.monitor} "
                      f"available (logs have: {', '.join(logs)}), skipping")
                return
            if not self._better(current):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        self.saved.append(path)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving (Keras 3).

    After each epoch, a value better than the best so far by more than ``min_delta`` is an
    improvement (the first value always is); after ``patience`` epochs in a row without
    one, ``lr <- max(lr * factor, min_lr)``, and the next ``cooldown`` epochs count no
    epoch against the patience. The epoch's rate, before any reduction, goes into its logs
    as "learning_rate" (so History and a later CSVLogger record it).

    Args:
        monitor: the logged quantity to watch, "val_loss" by default.
        factor: the multiplier, in [0, 1).
        patience: epochs without improvement before the rate is reduced.
        verbose: 1 prints a line at every reduction.
        mode: "min", "max", or "auto" (max for accuracies, AUC, precision and recall,
            min otherwise).
        min_delta: a change smaller than this is no improvement.
        cooldown: epochs after a reduction during which the patience does not run.
        min_lr: the rate is never reduced below this.

    Attributes:
        best, wait, cooldown_counter: the best value so far (None before the first
            epoch), the epochs without improvement, the cooldown epochs left.

    Raises:
        TypeError: at ``on_train_begin``, when the optimizer's learning rate is a schedule.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        where = "ReduceLROnPlateau"
        super().__init__()
        self.monitor = _monitor(monitor, where)
        self.mode = _mode(mode, monitor, where)
        self.factor = _number(factor, "factor", where, below=1.0)
        self.patience = _count(patience, "patience", where)
        self.min_delta = _number(min_delta, "min_delta", where)
        self.cooldown = _count(cooldown, "cooldown", where)
        self.min_lr = _number(min_lr, "min_lr", where)
        self.verbose = verbose
        self._reset()

    def _reset(self):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def _improved(self, current):
        if self.best is None:
            return True
        if self.mode == "min":
            return current + self.min_delta < self.best
        return current - self.min_delta > self.best

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        _settable_optimizer(self.model, "ReduceLROnPlateau")
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = lr = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: "
                          f"{','.join(logs)}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1  # Keras zeroes wait here too, where it is already 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and lr > self.min_lr:
                new_lr = max(lr * self.factor, self.min_lr)
                optimizer.learning_rate = new_lr
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                          f"{new_lr}.")
                self.cooldown_counter = self.cooldown
                self.wait = 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch to ``schedule(epoch, lr)`` (Keras).

    >>> def scheduler(epoch, lr):      # keep the rate for 10 epochs, then decay it
    ...     return lr if epoch < 10 else lr * math.exp(-0.1)
    >>> cb = LearningRateScheduler(scheduler)

    Args:
        schedule: a function of the epoch (counted from 0) and the current learning rate
            that returns the new rate, a finite number >= 0; Keras's older one-argument
            ``schedule(epoch)`` works too.
        verbose: 1 prints the rate set at every epoch.

    The epoch's rate goes into its logs as "learning_rate".

    Raises:
        TypeError: at ``on_train_begin``, when the optimizer's learning rate is a schedule.
        ValueError: when ``schedule`` returns anything but a finite number >= 0; the rate
            is then left as it was.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function "
                            f"(epoch, lr) -> lr, got {schedule!r}")
        self.takes_lr = _takes_lr(schedule)
        self.schedule, self.verbose = schedule, verbose

    def on_train_begin(self, logs=None):
        _settable_optimizer(self.model, "LearningRateScheduler")

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = float(optimizer.learning_rate)
        new_lr = self.schedule(epoch, lr) if self.takes_lr else self.schedule(epoch)
        if isinstance(new_lr, (bool, np.bool_)) or not isinstance(new_lr, numbers.Real) \
                or not math.isfinite(new_lr) or new_lr < 0:
            call = f"schedule({epoch}, {lr})" if self.takes_lr else f"schedule({epoch})"
            raise ValueError(f"LearningRateScheduler: {call} returned {new_lr!r}; it must "
                             "return the learning rate, a finite float >= 0")
        optimizer.learning_rate = float(new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(new_lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def _takes_lr(schedule):
    """Whether ``schedule`` takes (epoch, lr), or only Keras's older (epoch)."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):  # a builtin without a signature: assume Keras 3's form
        return True
    for args in ((0, 0.1), (0,)):
        try:
            signature.bind(*args)
            return len(args) == 2
        except TypeError:
            pass
    raise TypeError(f"LearningRateScheduler: schedule must take (epoch, lr) or (epoch), "
                    f"but its signature is {signature}")


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook (Keras).

    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(logs["loss"]))

    Each function takes what the hook it replaces takes: ``on_epoch_begin`` and
    ``on_epoch_end`` (epoch, logs), ``on_train_begin`` and ``on_train_end`` (logs), the
    batch hooks (batch, logs). All are given positionally. A hook not given does nothing.

    Args:
        on_epoch_begin, on_epoch_end, on_train_begin, on_train_end: functions or None.
        on_train_batch_begin, on_train_batch_end: functions called around each training
            batch (Keras 3's names).
        on_batch_begin, on_batch_end: the same, by Keras 2's names; give one name or the
            other.

    Only the first two can be given by position: Keras 2 and Keras 3 order the others
    differently.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, *, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 on_batch_begin=None, on_batch_end=None):
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end,
                 "on_batch_begin": on_batch_begin, "on_batch_end": on_batch_end}
        for name, fn in hooks.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be a function or None, got "
                                f"{fn!r}")
        for when in ("begin", "end"):
            if hooks[f"on_batch_{when}"] is not None \
                    and hooks[f"on_train_batch_{when}"] is not None:
                raise TypeError(f"LambdaCallback: give on_train_batch_{when} (Keras 3's name) "
                                f"or on_batch_{when} (Keras 2's), not both")
        super().__init__()
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file (Keras).

    The header is "epoch" and the first epoch's log names, sorted:
    ``epoch,accuracy,loss,val_accuracy,val_loss``; epochs count from 0, and a name
    missing from a later epoch's logs is written "NA".

    Args:
        filename: the file's path, e.g. "run/log.csv".
        separator: the one character between fields.
        append: False: start the file afresh with the first epoch's row. True: add rows
            to it (continuing a training), under its existing header, if it has one.

    The file is first written at the end of the first epoch, so a ``fit`` refused before
    training (a bad argument, another callback's ``on_train_begin``) leaves an earlier log
    as it was; ``on_train_begin`` only checks that the folder exists.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"CSVLogger: filename must be a path, got "
                            f"{type(filename).__name__} {filename!r}")
        if not isinstance(separator, str) or len(separator) != 1:
            raise TypeError(f"CSVLogger: separator must be one character, got {separator!r}")
        if not isinstance(append, (bool, np.bool_)):
            raise TypeError(f"CSVLogger: append must be True or False, got {append!r}")
        self.filename, self.sep, self.append = os.fspath(filename), separator, bool(append)
        self.fields = None      # the columns, "epoch" first; known at the first epoch's end
        self._fresh = True      # whether the next write starts the file afresh
        self._header = True     # whether the header is still to be written
        self._adopted = False   # whether the columns are an existing file's, to be checked
        self._end_line = False  # whether the file's last line needs ending first

    def on_train_begin(self, logs=None):
        folder = os.path.dirname(os.path.abspath(self.filename))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"CSVLogger: the folder of {self.filename!r} does not "
                                    "exist")
        self.fields, self._header, self._adopted, self._end_line = None, True, False, False
        self._fresh = not self.append
        if self._fresh:
            return
        # Continuing a file: keep its columns, so that every row lines up with its header,
        # and end a last line that a killed run left unfinished.
        try:
            with open(self.filename, "rb") as f:
                first = f.readline().decode()
                f.seek(0, os.SEEK_END)
                if f.tell():
                    f.seek(-1, os.SEEK_END)
                    self._end_line = f.read(1) != b"\n"
        except FileNotFoundError:
            first = ""
        header = next(csv.reader([first], delimiter=self.sep), []) if first.strip() else []
        if header:
            self.fields, self._header, self._adopted = header, False, True

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.fields is None:
            self.fields = ["epoch"] + sorted(logs)
        if self._adopted:
            self._adopted = False
            dropped = [k for k in logs if k not in self.fields]
            if dropped:
                warnings.warn(f"CSVLogger: {self.filename} has the columns {self.fields}; "
                              f"{dropped} are not written", stacklevel=2)
        row = [epoch if name == "epoch" else logs.get(name, "NA") for name in self.fields]
        # One short append per epoch, each closed (so flushed) at once, rather than the
        # whole file rewritten atomically (ag.atomic) every epoch: the cost stays constant,
        # `tail -f` keeps working, and a run that raises or is killed between epochs leaves
        # the header and every finished epoch's row; the row goes out in one write call.
        with open(self.filename, "w" if self._fresh else "a", newline="") as f:
            self._fresh = False
            writer = csv.writer(f, dialect=csv.excel, delimiter=self.sep)
            if self._end_line:
                f.write("\r\n")
                self._end_line = False
            if self._header:
                writer.writerow(self.fields)
                self._header = False
            writer.writerow(row)


class BackupAndRestore(Callback):
    """Keras's fault tolerance: back the model up during ``fit`` and, when ``fit`` is run
    again after an interruption, restore it and go on from the epoch it had reached.

    The backup is the model's weights (``save_weights``, written atomically, so an
    interruption while writing leaves the previous backup whole) and a JSON file of the
    epoch to resume at, both in ``backup_dir``. At the start of ``fit`` they are loaded if
    present, and ``fit`` starts from that epoch. The optimizer's state is not backed up
    (as in Keras): an optimizer with moments starts them afresh.

    Args (Keras's):
        backup_dir: the folder of the backup (made if missing).
        save_freq="epoch": back up after each epoch, or an int n: after every n batches
            (the run then resumes at the start of the epoch it was in).
        delete_checkpoint=True: remove the backup when ``fit`` ends normally.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not isinstance(backup_dir, (str, os.PathLike)) or not os.fspath(backup_dir):
            raise ValueError(f"BackupAndRestore: backup_dir must be a folder's path, got "
                             f"{backup_dir!r}")
        if save_freq != "epoch" and (isinstance(save_freq, (bool, np.bool_))
                                     or not isinstance(save_freq, numbers.Integral)
                                     or save_freq < 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a positive "
                             f"integer (batches), got {save_freq!r}")
        if not isinstance(delete_checkpoint, (bool, np.bool_)):
            raise TypeError(f"BackupAndRestore: delete_checkpoint must be True or False, got "
                            f"{delete_checkpoint!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq, self.delete_checkpoint = save_freq, bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.npz")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._current_epoch = 0
        self._batches_since_save = 0

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path, encoding="utf-8") as f:
                epoch = json.load(f)["epoch"]
            self.model._initial_epoch = int(epoch)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1)

    def _save(self, epoch):
        os.makedirs(self.backup_dir, exist_ok=True)
        self.model.save_weights(self._weights_path)
        with atomic_write(self._metadata_path) as f:
            f.write(json.dumps({"epoch": int(epoch)}).encode("utf-8"))

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
