"""PyTorch's ``torch.nn.utils.rnn`` helpers, as ``nn.utils.rnn``: sequences of different
lengths into one padded batch and back.

>>> import numpy as np, nn
>>> batch = nn.utils.rnn.pad_sequence([np.ones(3), np.ones(1)], batch_first=True)
>>> batch.numpy().tolist()
[[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]]
"""

import numpy as np

import autograd_core as ag

__all__ = ["pad_sequence", "unpad_sequence"]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """The sequences (each (L_i, *), the same trailing shape) padded to the longest with
    ``padding_value`` and stacked: (L, B, *), or (B, L, *) with ``batch_first``.
    Differentiable: each sequence's gradient is its part of the batch's.

    Args (PyTorch's): sequences (a list of Values or arrays), batch_first=False,
    padding_value=0.0, padding_side="right" (or "left").
    """
    where = "pad_sequence"
    items = [s if isinstance(s, ag.Value) else ag.constant(np.asarray(s)) for s in sequences]
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


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """``pad_sequence`` undone: the list of each sequence's first ``lengths[i]`` steps."""
    x = padded_sequences if isinstance(padded_sequences, ag.Value) else \
        ag.constant(np.asarray(padded_sequences))
    if not batch_first:
        x = ag.swapaxes(x, 0, 1)
    lengths = [int(n) for n in np.asarray(lengths.numpy() if isinstance(lengths, ag.Value)
                                          else lengths).reshape(-1)]
    if len(lengths) != x.shape[0] or any(not 0 <= n <= x.shape[1] for n in lengths):
        raise ValueError(f"unpad_sequence: lengths {lengths} do not fit a batch of shape "
                         f"{x.shape} (batch first)")
    return [x[i, :n] for i, n in enumerate(lengths)]
