"""PyTorch's device queries, answered for the one device here, the CPU, so that the first
lines of PyTorch's tutorials port by renaming ``torch`` to ``ag``:

    device = "cuda" if ag.cuda.is_available() else "cpu"
    device = (ag.accelerator.current_accelerator().type
              if ag.accelerator.is_available() else "cpu")
    ag.backends.cudnn.benchmark = True        # a setting with nothing to set here

``ag.device("cuda")`` and ``.to("cuda")`` are refused (see ``ops.factories.device``).
"""

from __future__ import annotations


class _NoDevice:
    """A kind of accelerator this machine does not have: every query says so."""

    def __init__(self, name):
        self.name = name

    def is_available(self):
        """False: autograd_core runs on the CPU only."""
        return False

    def device_count(self):
        return 0

    def is_built(self):
        return False

    def __repr__(self):
        return f"<autograd_core.{self.name}: not available, CPU only>"


class _Accelerator(_NoDevice):
    def current_accelerator(self):
        """None: there is no accelerator, as PyTorch answers on a CPU-only machine."""
        return None


class _Settings:
    """PyTorch's ``torch.backends.cudnn``-style switches: settable, and without effect on
    the CPU (``benchmark``, ``deterministic``, ``enabled``, ``allow_tf32``)."""

    def __init__(self, name):
        self.name = name
        self.benchmark = self.deterministic = self.enabled = self.allow_tf32 = False

    def is_available(self):
        return False

    def __repr__(self):
        return f"<autograd_core.backends.{self.name}: not available, CPU only>"


class _Backends:
    def __init__(self):
        self.cudnn = _Settings("cudnn")
        self.mps = _NoDevice("backends.mps")


cuda = _NoDevice("cuda")
mps = _NoDevice("mps")
accelerator = _Accelerator("accelerator")
backends = _Backends()
