"""PyTorch's ``torch.Generator`` on the CPU: a random-number stream of its own, passed as
``generator=`` to ``ag.randperm``, ``randn``, ``rand``, ``randint``, ``normal``,
``bernoulli``, ``multinomial`` and ``poisson`` (and to ``nn.random_split``, the samplers and
``nn.DataLoader``).

A generator keeps PyTorch's contract, not its numbers (they come from numpy's PCG64, not
from PyTorch's Mersenne Twister): the same seed gives the same draws, in every run and
every process, and the stream is independent of ``ag.manual_seed``'s global one. A fresh
generator starts from PyTorch's default seed, 67280421310721, so it too is reproducible.

Its state (``get_state``) is a uint8 Value of 37 bytes, the format of ``ag.get_rng_state``:
numpy's PCG64 state (128-bit state, 128-bit increment, the buffered 32-bit half),
little-endian. ``set_state`` takes such a Value back and the draws after it repeat.

>>> import autograd_core as ag
>>> g = ag.Generator().manual_seed(42)
>>> a = ag.randperm(5, generator=g)
>>> bool((ag.randperm(5, generator=ag.Generator().manual_seed(42)).numpy() == a.numpy()).all())
True
"""

from __future__ import annotations

import numbers

import numpy as np

from .engine import Value, _node

__all__ = ["Generator"]

# PyTorch's default_rng_seed_val: what torch.Generator().initial_seed() reports.
DEFAULT_SEED = 67280421310721

_STATE_BYTES = 37
_FIELDS = (("state", 16), ("inc", 16))


def state_bytes(rng, where):
    """The 37 bytes of a numpy PCG64 generator's state as a uint8 Value."""
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise RuntimeError(f"{where}: expects numpy's PCG64, got {state['bit_generator']}")
    parts = [state["state"][name].to_bytes(n, "little") for name, n in _FIELDS]
    parts += [bytes([state["has_uint32"]]), int(state["uinteger"]).to_bytes(4, "little")]
    return _node(np.frombuffer(b"".join(parts), np.uint8).copy())


def pcg64_state(new_state, where):
    """The numpy PCG64 state dict that ``state_bytes`` encoded (checked, nothing set)."""
    raw = np.asarray(new_state.data if isinstance(new_state, Value) else new_state)
    if raw.dtype != np.uint8 or raw.shape != (_STATE_BYTES,):
        raise ValueError(f"{where}: expects the uint8 Value of {_STATE_BYTES} bytes that "
                         f"get_state or get_rng_state gives, got {raw.dtype} of shape "
                         f"{raw.shape}")
    raw = raw.tobytes()
    return {"bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:], "little")}


def _seed(seed, where):
    """PyTorch's seeds: any integer in [-2**63, 2**64); a negative one wraps to 2**64 + seed."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{where}: seed must be an integer, got {type(seed).__name__} "
                        f"{seed!r}")
    if not -2**63 <= seed < 2**64:
        raise ValueError(f"{where}: seed must lie in [-2**63, 2**64), got {seed}")
    return int(seed) % 2**64


class Generator:
    """A random-number stream of its own (``torch.Generator``).

    Args:
        device: "cpu" (the one device there is).
    """

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise ValueError(f"Generator: device must be 'cpu', got {device!r}")
        self.device = "cpu"
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart the stream from ``seed``; returns the generator, as PyTorch's
        (``g = ag.Generator().manual_seed(42)``)."""
        seed = _seed(seed, "Generator.manual_seed")
        self._rng, self._initial_seed = np.random.default_rng(seed), seed
        return self

    def seed(self):
        """Restart from a fresh non-deterministic seed and return that seed."""
        new = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(new)
        return new

    def initial_seed(self):
        """The seed the stream was last started from."""
        return self._initial_seed

    def get_state(self):
        """The stream's state as a uint8 Value (see the module's note)."""
        return state_bytes(self._rng, "Generator.get_state")

    def set_state(self, new_state):
        """Put back a state ``get_state`` gave: the draws after it repeat. Returns the
        generator."""
        self._rng.bit_generator.state = pcg64_state(new_state, "Generator.set_state")
        return self

    def clone_state(self):
        """A new generator at this one's state and with its initial seed."""
        twin = Generator().set_state(self.get_state())
        twin._initial_seed = self._initial_seed
        return twin

    def __repr__(self):
        return f"Generator(initial_seed={self._initial_seed})"
