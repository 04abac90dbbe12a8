"""Callbacks that act on the model during ``fit``; ``ModelCheckpoint`` saves it.

>>> cb = ModelCheckpoint("ckpt/weights.{epoch:02d}-{val_loss:.2f}.npz")
>>> cb.mode, cb.save_weights_only
('min', True)
"""

import math
import numbers
import os

from .training import Callback

__all__ = ["ModelCheckpoint"]

# Logged quantities that get better as they grow: mode "auto" maximises these.
_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "fmeasure")


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
        if not isinstance(monitor, str):
            raise TypeError(f"ModelCheckpoint: monitor must be a logged name like "
                            f"'val_loss', got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'auto', 'min' or 'max', got "
                             f"{mode!r}")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or
                                     not isinstance(save_freq, numbers.Integral) or
                                     save_freq <= 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive "
                             f"number of batches, got {save_freq!r}")
        if mode == "auto":
            mode = "max" if any(word in monitor.lower() for word in _HIGHER_IS_BETTER) \
                else "min"
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
