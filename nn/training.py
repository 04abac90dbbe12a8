"""The training loop's parts: metric objects, progress bars and callbacks.

``Model.fit`` (in ``nn.models``) is mini-batch gradient descent written out: each epoch
shuffles the sample indices once, and each batch runs forward, computes the loss, runs
``backward()`` and lets the optimizer update the weights in place::

    for epoch in range(initial_epoch, epochs):     # initial_epoch=0 unless resuming
        order = rng.permutation(n)
        for each batch of indices i in order:
            loss = loss_fn(y[i], model(x[i]), sample_weight=w[i]) + sum(model.losses)
            loss.backward()
            optimizer.apply_gradients((W.grad, W) for W in model.trainable_variables)

Data given as batches (a generator, a PyDataset, a DataLoader; see ``nn.data_adapter``)
takes the place of ``order`` and the slices: each epoch draws its batches from the data.

Metrics follow Keras's protocol: ``reset_state()`` at the start of each epoch (and of
each evaluation, and of each ``train_on_batch`` or ``test_on_batch`` call),
``update_state(y_true, y_pred, sample_weight)`` after each batch, and ``result()`` for
the logs. A plain function ``(y_true, y_pred) -> per-sample values``
becomes such an object through ``MeanMetricWrapper``.

Callbacks watch the loop (``History``, ``EarlyStopping``, ``TerminateOnNaN``) through
Keras's hooks; those that act on the model or write files (``ModelCheckpoint``,
``ReduceLROnPlateau``, ``LearningRateScheduler``, ``LambdaCallback``, ``CSVLogger``) are in
``nn.callbacks``.
"""

import copy
import math
import sys
import time

import numpy as np
from tqdm import tqdm

from . import metrics as metrics_lib
from .data_adapter import check_finite as _check_finite  # noqa: F401 (its old home)

__all__ = ["Callback", "History", "EarlyStopping", "TerminateOnNaN", "ProgressBar",
           "ProgbarLogger", "CallbackList", "get_metric"]


def get_metric(identifier, loss=None):
    """A metric object (with ``update_state``/``result``/``reset_state``) for ``compile``.

    Args:
        identifier: a name ("accuracy", "acc", "mse", ...), a function, a metric object
            (anything with ``update_state``, used as given), or a metric class.
        loss: the compiled loss, which decides what "accuracy" means.
    """
    if hasattr(identifier, "update_state") and not isinstance(identifier, type):
        return identifier
    return metrics_lib.as_metric(identifier, loss)


def copy_metric(metric):
    """A fresh copy, for a metric given once but computed for each of several outputs."""
    return copy.deepcopy(metric)


class Mean:
    """A running mean of numbers, each counted ``count`` times (the loss over batches)."""

    def __init__(self):
        self.total, self.count = 0.0, 0

    def add(self, value, count):
        self.total += value * count
        self.count += count

    def result(self):
        return self.total / self.count if self.count else 0.0


def _format_logs(logs):
    return "".join(f" - {k}: {_number_text(v)}" for k, v in logs.items())


def _number_text(v):
    """A logged value: a number to 4 decimals, or an array of them (a score per class)."""
    if np.ndim(v) == 0:
        return f"{float(v):.4f}"
    return np.array2string(np.asarray(v), precision=4, separator=", ")


class ProgressBar:
    """Keras's progress line on tqdm: ``469/469 [=====] - 00:05 93.2step/s - loss: 0.2536``.

    Redrawn at most every ``mininterval`` seconds, so a fast loop pays nearly nothing.

    Args:
        steps: the number of batches, or None when unknown (a generator's epoch): the
            bar then counts up, and its last line gives the number reached.
        verbose: 1 a live bar, 2 one line at ``close``, 0 nothing.
        title: printed above it ("Epoch 1/5").
    """

    BAR_FORMAT = "{n_fmt}/{total_fmt} [{bar:30}] - {elapsed} {rate_fmt}{desc}"

    def __init__(self, steps, verbose=1, title=None, mininterval=0.1, file=None):
        self.steps, self.verbose, self.mininterval = steps, verbose, mininterval
        self.file = file or sys.stdout
        self.start = self.last = time.perf_counter()
        self.step = 0
        if verbose and title:
            print(title, file=self.file)
        self.bar = None
        if verbose == 1:
            self.bar = tqdm(total=steps, file=self.file, bar_format=self.BAR_FORMAT, ascii=".=",
                            unit="step", mininterval=0, miniters=1, dynamic_ncols=False)

    def update(self, step, logs):
        self.step = step
        if self.bar is None:
            return
        now = time.perf_counter()
        if now - self.last < self.mininterval:
            return
        self.last = now
        self.bar.set_description_str(_format_logs(logs), refresh=False)
        self.bar.update(step - self.bar.n)

    def close(self, logs):
        if self.bar is not None:
            self.bar.set_description_str(_format_logs(logs), refresh=False)
            self.bar.n = self.step  # close() draws the final line once
            if self.bar.total is None:
                self.bar.total = self.step
            self.bar.close()
        elif self.verbose == 2:
            elapsed = time.perf_counter() - self.start
            print(f"{self.step}/{self.steps or self.step} - {elapsed:.0f}s{_format_logs(logs)}",
                  file=self.file)


class Callback:
    """Base class of callbacks: override the hooks you need (Keras's names).

    Attributes:
        model: the Model being trained (set by ``fit``).
        params: {"epochs", "steps", "batch_size", "verbose"}.
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        """Before the first epoch."""

    def on_train_end(self, logs=None):
        """After the last epoch; ``logs`` are the last epoch's."""

    def on_epoch_begin(self, epoch, logs=None):
        """Before epoch ``epoch`` (counted from 0, so the first is fit's ``initial_epoch``)."""

    def on_epoch_end(self, epoch, logs=None):
        """After an epoch: ``logs`` has "loss", the metrics and their "val_" versions."""

    def on_batch_begin(self, batch, logs=None):
        """Before batch ``batch`` of the epoch (counted from 0); Keras's older name, which
        ``on_train_batch_begin`` calls."""

    def on_batch_end(self, batch, logs=None):
        """After a batch: ``logs`` holds the running means of the epoch so far; Keras's
        older name, which ``on_train_batch_end`` calls."""

    # Keras 3's names, which fit calls; by default they call the older ones, as Keras's do,
    # so a callback overrides whichever it likes.
    def on_train_batch_begin(self, batch, logs=None):
        """Before training batch ``batch`` of the epoch (counted from 0); ``logs`` is {}."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """After a training batch: ``logs`` holds the running means of the epoch so far."""
        self.on_batch_end(batch, logs)


class History(Callback):
    """Records every epoch's logs: ``history["loss"]`` is the list of epoch losses.

    ``fit`` returns it (and keeps it as ``model.history``).
    """

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = {}

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs (Keras).

    Args:
        monitor: the logged quantity, "val_loss" by default.
        patience: epochs without improvement to wait before stopping.
        min_delta: a change smaller than this is no improvement.
        restore_best_weights: at the end, put back the weights of the best epoch.
        mode: "min", "max", or "auto" (max for accuracies, min otherwise).
        baseline: stop unless ``monitor`` beats this within ``patience`` epochs.
        verbose: 1 prints when it stops.

    Attributes:
        stopped_epoch: the epoch (from 0) at which training stopped, 0 if it did not.
        best, best_epoch: the best value seen and its epoch.
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0,
                 restore_best_weights=False, mode="auto", baseline=None, verbose=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor, self.patience, self.mode = monitor, patience, mode
        self.min_delta = abs(min_delta)
        self.restore_best_weights, self.baseline, self.verbose = (
            restore_best_weights, baseline, verbose)

    def _better(self, current, reference):
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            raise ValueError(f"EarlyStopping: {self.monitor!r} is not in the logs "
                             f"(available: {', '.join(logs or {})}); validation metrics need "
                             "validation_data or validation_split")
        self.wait += 1
        if self._better(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._better(current, self.baseline):
                self.wait = 0
                return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss is NaN or infinite, and say so."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"TerminateOnNaN: epoch {self.epoch + 1}, batch {batch + 1}: the loss is "
                  f"{loss}; training stopped. Try a smaller learning rate, standardised "
                  "inputs, or a loss computed from logits.")
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Keras's progress bar as a callback: "Epoch 1/5" and the bar (``ProgressBar``) drawn
    from the hooks, at ``fit``'s ``verbose`` (0 nothing, 1 a live bar, 2 one line per
    epoch). ``fit`` draws the same bar itself; given this callback it leaves it to it, so
    the bar is drawn once (a loop of one's own calls the hooks, through ``CallbackList``).
    """

    def __init__(self):
        super().__init__()
        self.bar = None

    def on_epoch_begin(self, epoch, logs=None):
        self.bar = ProgressBar(self.params.get("steps"), self.params.get("verbose", 1),
                               title=f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}")

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.bar is not None:
            self.bar.update(batch + 1, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.close(logs or {})
            self.bar = None


_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")


class CallbackList:
    """Keras's container of callbacks, for a training loop of one's own: each hook called
    on it calls that hook of every callback, in order (a callback without the hook, such
    as ``on_test_begin`` here, is skipped).

    Args (Keras's): callbacks=None (a list), add_history=False (append a ``History``),
        add_progbar=False (append a ``ProgbarLogger``), model=None, and ``params`` as
        keywords (epochs, steps, verbose), given to every callback.

    >>> seen = []
    >>> class Note(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         seen.append((epoch, logs["loss"]))
    >>> hooks = CallbackList([Note()], add_history=True, epochs=1, steps=1, verbose=0)
    >>> hooks.on_train_begin(); hooks.on_epoch_begin(0); hooks.on_epoch_end(0, {"loss": 0.5})
    >>> seen, hooks.callbacks[-1].history
    ([(0, 0.5)], {'loss': [0.5]})
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"CallbackList: every callback must be a Callback, got "
                                f"{type(cb).__name__}")
        if add_history and not any(isinstance(cb, History) for cb in callbacks):
            callbacks.append(History())
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in callbacks):
            callbacks.insert(0, ProgbarLogger())
        self.callbacks = callbacks
        self.model = None
        self.params = {}
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_model(self, model):
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


def _dispatch(hook):
    def call_each(self, *args, **kwargs):
        args = args + (kwargs.pop("logs", None),) if "logs" in kwargs else args
        for cb in self.callbacks:
            method = getattr(cb, hook, None)
            if method is not None:
                method(*args)
    call_each.__name__ = hook
    call_each.__doc__ = f"``{hook}`` of every callback, in order."
    return call_each


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _dispatch(_hook))
del _hook
