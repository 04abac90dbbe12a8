"""PyTorch's ``torch.nn.utils.rnn``: packed and padded sequences (``nn/rnn_utils.py``), so
that ``from nn.utils.rnn import pack_padded_sequence`` ports by renaming."""

from ..rnn_utils import *  # noqa: F401,F403
from ..rnn_utils import __all__  # noqa: F401
