"""PyTorch's ``torch.utils`` names that belong to the engine: ``checkpoint``.

(``torch.utils.data`` ports to ``nn.data``: the engine knows nothing of datasets.)
"""

from . import checkpoint

__all__ = ["checkpoint"]
