"""Keras 3's ``keras.utils.set_random_seed`` and ``pad_sequences``, and
``keras.saving.save_model``; ``nn.utils`` and ``nn`` re-export them.

>>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
array([[2, 3],
       [0, 4]], dtype=int32)
"""

import os
import random

import numpy as np

import autograd_core as ag

__all__ = ["set_random_seed", "pad_sequences", "save_model"]


def set_random_seed(seed):
    """Seed every generator a program may draw from: Python's ``random``, numpy's global
    one, and autograd_core's (initial weights, dropout, ``nn.random`` without a seed,
    shuffling in ``fit``), as Keras's ``set_random_seed`` seeds Python, numpy and its
    backend.

    Args:
        seed: a whole number >= 0.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a whole number >= 0, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    ag.manual_seed(int(seed))


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Sequences of different lengths as one array, padded or cut to ``maxlen``.

    Args:
        sequences: a list of sequences (lists or arrays of numbers, or of equal-shaped
            vectors).
        maxlen: the length of the rows; the longest sequence's when None.
        dtype: the array's dtype ("int32", as Keras).
        padding: "pre" or "post": where ``value`` fills a short sequence.
        truncating: "pre" or "post": which end of a long sequence is cut off.
        value: the padding value.

    Returns:
        A numpy array of shape (len(sequences), maxlen) + the items' shape.
    """
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError(f"pad_sequences: padding and truncating must be 'pre' or 'post', "
                         f"got {padding!r} and {truncating!r}")
    rows = [np.asarray(s) for s in sequences]
    if maxlen is None:
        maxlen = max((len(row) for row in rows), default=0)
    item_shape = next((row.shape[1:] for row in rows if len(row)), ())
    out = np.full((len(rows), maxlen) + item_shape, value, dtype=dtype)
    for i, row in enumerate(rows):
        if not len(row) or not maxlen:
            continue
        kept = row[-maxlen:] if truncating == "pre" else row[:maxlen]
        if padding == "pre":
            out[i, maxlen - len(kept):] = kept
        else:
            out[i, :len(kept)] = kept
    return out


def save_model(model, filepath, overwrite=True):
    """Keras's ``keras.saving.save_model(model, filepath)``: ``model.save(filepath)``
    (``nn.load_model`` reads it back)."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_model: {filepath} exists and overwrite=False")
    model.save(filepath)
