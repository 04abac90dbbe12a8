"""PyTorch's ``torch.utils`` names that belong to the engine: ``checkpoint``.

(``torch.utils.data`` ports to ``nn.utils.data``: the engine knows nothing of datasets.)
"""

from . import checkpoint

__all__ = ["checkpoint"]


def __getattr__(name):
    """``ag.utils.data`` (``torch.utils.data`` renamed) says where those classes live."""
    if name == "data":
        raise AttributeError("autograd_core.utils has no 'data': torch.utils.data's datasets, "
                             "DataLoader and samplers are in nn.utils.data (from "
                             "nn.utils.data import DataLoader, TensorDataset)")
    raise AttributeError(f"module 'autograd_core.utils' has no attribute {name!r}")
