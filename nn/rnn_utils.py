"""PyTorch's ``torch.nn.utils.rnn`` helpers, as ``nn.utils.rnn``: sequences of different
lengths into one padded batch and back (``pad_sequence``, ``unpad_sequence``), and into
one packed batch, which PyTorch's recurrent layers run each over its own length
(``PackedSequence``, ``pack_padded_sequence``, ``pad_packed_sequence``, ``pack_sequence``,
``unpack_sequence``):

    data = [x_0[0], x_1[0], x_2[0], x_0[1], x_1[1], x_0[2]],  batch_sizes = [3, 2, 1]
    for lengths 3, 2, 1: each step's rows, of the sequences still running.

>>> import numpy as np, nn
>>> batch = nn.utils.rnn.pad_sequence([np.ones(3), np.ones(1)], batch_first=True)
>>> batch.numpy().tolist()
[[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]]
>>> packed = nn.utils.rnn.pack_padded_sequence(batch, [3, 1], batch_first=True)
>>> packed.data.numpy().tolist(), packed.batch_sizes.numpy().tolist()
([1.0, 1.0, 1.0, 1.0], [2, 1, 1])
"""

import collections

import numpy as np

import autograd_core as ag

__all__ = ["pad_sequence", "unpad_sequence", "PackedSequence", "pack_padded_sequence",
           "pad_packed_sequence", "pack_sequence", "unpack_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """The sequences (each (L_i, *), the same trailing shape) padded to the longest with
    ``padding_value`` and stacked: (L, B, *), or (B, L, *) with ``batch_first``.
    Differentiable: each sequence's gradient is its part of the batch's.

    Args (PyTorch's): sequences (a list of Values or arrays), batch_first=False,
    padding_value=0.0, padding_side="right" (or "left").
    """
    where = "pad_sequence"
    items = [s if isinstance(s, ag.Value) else _constant(s) for s in sequences]
    if not items:
        raise ValueError(f"{where}: received an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"{where}: padding_side must be 'right' or 'left', got "
                         f"{padding_side!r}")
    trailing = {s.shape[1:] for s in items}
    if any(s.ndim == 0 for s in items) or len(trailing) != 1:
        raise ValueError(f"{where}: every sequence needs a length axis first and the same "
                         f"trailing shape, got shapes {[s.shape for s in items]}")
    longest = max(s.shape[0] for s in items)
    padded = []
    for s in items:
        extra = longest - s.shape[0]
        widths = [(0, extra) if padding_side == "right" else (extra, 0)] \
            + [(0, 0)] * (s.ndim - 1)
        padded.append(ag.pad(s, widths, constant_values=padding_value))
    return ag.stack(padded, axis=0 if batch_first else 1)


def _constant(data):
    """Arrays as constants of their own dtype (token ids stay integers, as in PyTorch)."""
    data = np.asarray(data)
    return ag.constant(data, dtype=data.dtype)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """``pad_sequence`` undone: the list of each sequence's first ``lengths[i]`` steps."""
    x = padded_sequences if isinstance(padded_sequences, ag.Value) else \
        _constant(padded_sequences)
    if not batch_first:
        x = ag.swapaxes(x, 0, 1)
    lengths = [int(n) for n in np.asarray(lengths.numpy() if isinstance(lengths, ag.Value)
                                          else lengths).reshape(-1)]
    if len(lengths) != x.shape[0] or any(not 0 <= n <= x.shape[1] for n in lengths):
        raise ValueError(f"unpad_sequence: lengths {lengths} do not fit a batch of shape "
                         f"{x.shape} (batch first)")
    return [x[i, :n] for i, n in enumerate(lengths)]


# --- packed sequences ---------------------------------------------------------------------
# A batch of sequences of lengths l_0 >= l_1 >= ... (sorted, longest first) packed time-major:
# the rows of step 0 of every sequence, then step 1 of those still running, and so on;
# batch_sizes[t] = #{b : l_b > t} says how many rows step t has. Packing and unpacking are
# each one gather (row picks by index arrays computed in numpy), so the gradient of the
# packed ``data`` flows back to the padded input, and the padded output's back to ``data``.

_PackedFields = collections.namedtuple(
    "PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedFields):
    """PyTorch's ``PackedSequence``: ``data`` (sum of lengths, *) the rows of the
    sequences time-major, step t of the ``batch_sizes[t]`` longest sequences at each step;
    ``sorted_indices`` (the batch's order by decreasing length, None when the batch came
    sorted) and ``unsorted_indices`` (its inverse). Made by ``pack_padded_sequence`` and
    ``pack_sequence``; ``PackedSequence(f(p.data), p.batch_sizes, p.sorted_indices,
    p.unsorted_indices)`` applies f row by row, as in PyTorch.

    batch_sizes and the indices are int64 Values (PyTorch's CPU int64 tensors).
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise ValueError("PackedSequence: batch_sizes is required (build a "
                             "PackedSequence with pack_padded_sequence or pack_sequence)")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = np.argsort(_ints(sorted_indices))   # the inverse permutation
        return super().__new__(cls, _as_value(data), _int_value(batch_sizes),
                               None if sorted_indices is None else _int_value(sorted_indices),
                               None if unsorted_indices is None else
                               _int_value(unsorted_indices))

    def __repr__(self):
        return (f"PackedSequence(data={self.data!r}, batch_sizes={self.batch_sizes!r}, "
                f"sorted_indices={self.sorted_indices!r}, "
                f"unsorted_indices={self.unsorted_indices!r})")


def _as_value(x):
    """A Value as it is; an array (of any dtype, integers kept) as a constant."""
    if isinstance(x, ag.Value):
        return x
    x = np.asarray(x)
    return ag.constant(x, dtype=x.dtype)


def _ints(x):
    return np.asarray(x.numpy() if isinstance(x, ag.Value) else x).astype(np.int64)


def _int_value(x):
    return ag.constant(_ints(x), dtype=ag.int64)


def _packed_rows(sorted_lengths, order):
    """Where packed row r comes from: step t_r of sequence b_r = order[j_r], for every
    (t, j) with t < sorted_lengths[j], t-major (np.nonzero's order); and batch_sizes."""
    running = sorted_lengths[None, :] > np.arange(sorted_lengths[0])[:, None]   # (T, B)
    t, j = np.nonzero(running)
    return t, order[j], running.sum(axis=1)


def _pack_time_major(x, sorted_lengths, order, batch_first=False):
    """The packed rows of x (L, B, *) ((B, L, *) with batch_first), one gather; with the
    batch_sizes."""
    t, b, batch_sizes = _packed_rows(sorted_lengths, order)
    steps, batch = (x.shape[1], x.shape[0]) if batch_first else x.shape[:2]
    flat = ag.reshape(x, (steps * batch,) + tuple(x.shape[2:]))
    rows = b * steps + t if batch_first else t * batch + b
    return ag.gather(flat, rows, axis=0), batch_sizes


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """A padded batch (L, B, *) ((B, L, *) with ``batch_first``) packed: ``data`` the rows
    x[t, b] with t < lengths[b], step by step, the sequences longest first.

    Args (PyTorch's): input, lengths (B integers, each in [1, L]: a list, array or int64
    Value), batch_first=False, enforce_sorted=True (lengths must then be decreasing; with
    False the batch is sorted here, stably, and ``sorted_indices`` records the order).
    Returns a ``PackedSequence``; its data is differentiable with respect to ``input``.
    """
    where = "pack_padded_sequence"
    x = _as_value(input)
    if x.ndim < 2:
        raise ValueError(f"{where}: input must have a time and a batch axis, (L, B, *) or "
                         f"with batch_first (B, L, *), got shape {x.shape}")
    steps, batch = (x.shape[1], x.shape[0]) if batch_first else x.shape[:2]
    lengths_in = np.asarray(lengths.numpy() if isinstance(lengths, ag.Value) else lengths)
    if lengths_in.ndim != 1:
        raise RuntimeError(f"{where}: 'lengths' argument should be a 1D list or array of "
                           f"integers, got shape {lengths_in.shape}")
    lengths_in = lengths_in.astype(np.int64)   # PyTorch casts to int64 (3.7 -> 3)
    if len(lengths_in) != batch:
        raise RuntimeError(f"{where}: Expected `len(lengths)` to be equal to batch_size, but "
                           f"got {len(lengths_in)} (batch_size={batch})")
    if batch == 0 or lengths_in.min() <= 0:
        raise RuntimeError(f"{where}: Length of all samples has to be greater than 0, but "
                           f"found an element in 'lengths' that is <= 0: {lengths_in.tolist()}")
    if lengths_in.max() > steps:
        raise RuntimeError(f"{where}: every element of 'lengths' must be at most the padded "
                           f"length {steps} of input (shape {x.shape}"
                           f"{', batch_first' if batch_first else ''}), got "
                           f"{lengths_in.tolist()}")
    if enforce_sorted:
        if np.any(np.diff(lengths_in) > 0):
            raise RuntimeError(f"{where}: `lengths` array must be sorted in decreasing order "
                               "when `enforce_sorted` is True. You can pass "
                               "`enforce_sorted=False` to pack_padded_sequence and/or "
                               "pack_sequence to sidestep this requirement if you do not need "
                               f"ONNX exportability. Got lengths {lengths_in.tolist()}")
        order, sorted_indices = np.arange(batch), None
    else:
        order = sorted_indices = np.argsort(-lengths_in, kind="stable")   # torch.sort's order
    data, batch_sizes = _pack_time_major(x, lengths_in[order], order, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices)


def _lengths_of(batch_sizes):
    """The sorted batch's lengths: l_j = #{t : batch_sizes[t] > j}."""
    return (batch_sizes[None, :] > np.arange(batch_sizes[0])[:, None]).sum(axis=1)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """``pack_padded_sequence`` undone: the padded batch (T, B, *) ((B, T, *) with
    ``batch_first``) in the original order, padded with ``padding_value`` to T = the
    longest length (or ``total_length``), and the lengths (an int64 Value of B).
    Differentiable: the padded batch is one gather of ``sequence.data`` rows.
    """
    where = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{where}: sequence must be a PackedSequence, got "
                        f"{type(sequence).__name__}")
    batch_sizes = _ints(sequence.batch_sizes)
    max_length = len(batch_sizes)
    if total_length is None:
        total_length = max_length
    elif total_length < max_length:
        raise ValueError(f"{where}: Expected total_length to be at least the length of the "
                         "longest sequence in input, but got total_length="
                         f"{total_length} and max sequence length being {max_length}")
    data, batch = sequence.data, int(batch_sizes[0])
    unsorted = np.arange(batch) if sequence.unsorted_indices is None else \
        _ints(sequence.unsorted_indices)
    # padded[t, b] = data[offset_t + j] with j = b's place in the sorted batch, when
    # j < batch_sizes[t]; else the padding row appended after the data.
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    rows = np.full((total_length, batch), data.shape[0], np.int64)
    rows[:max_length] = np.where(unsorted[None, :] < batch_sizes[:, None],
                                 offsets[:, None] + unsorted[None, :], data.shape[0])
    pad = ag.constant(np.full((1,) + tuple(data.shape[1:]), padding_value, data.dtype),
                      dtype=data.dtype)
    padded = ag.gather(ag.concatenate([data, pad], axis=0), rows.T if batch_first else rows,
                       axis=0)
    return padded, _int_value(_lengths_of(batch_sizes)[unsorted])


def pack_sequence(sequences, enforce_sorted=True):
    """A list of sequences (each (L_i, *)) packed: ``pack_padded_sequence(
    pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)``, as in PyTorch."""
    lengths = [s.shape[0] if isinstance(s, ag.Value) else np.shape(s)[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """``pack_sequence`` undone: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
