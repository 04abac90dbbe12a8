"""Atomic writes moved to ``autograd_core.atomic`` (``ag.save`` writes through them too);
this module keeps the old import path, ``from nn.atomic import atomic_write``, working.

>>> import autograd_core as ag
>>> atomic_write is ag.atomic.atomic_write and _HOST == ag.atomic.HOST
True
"""

from autograd_core.atomic import HOST, STALE_AFTER, atomic_write, remove_stale_temporaries

__all__ = ["atomic_write", "remove_stale_temporaries", "STALE_AFTER"]

# The old private name, which code watching a temporary's name (tests, a download's
# progress) reads.
_HOST = HOST
