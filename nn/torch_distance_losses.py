"""PyTorch's loss of a distance the caller chooses: ``TripletMarginWithDistanceLoss``, a
Module that holds its distance (``PairwiseDistance()`` by default) as a submodule.

Its function, ``triplet_margin_with_distance_loss``, is in ``nn.functional``. The module
is apart from ``torch_losses`` because it holds a ``torch_activations`` module, and
``torch_activations`` imports ``nn.functional``, which imports ``torch_losses``. Built on
``autograd_core``'s public API only, through ``nn.functional``.

>>> import numpy as np, nn
>>> loss_fn = nn.TripletMarginWithDistanceLoss(margin=1.0)
>>> a, p, n = np.zeros((1, 2)), np.zeros((1, 2)), np.array([[3.0, 4.0]])
>>> round(float(loss_fn(a, p, n)), 4), round(float(loss_fn(a, n, p)), 4)
(0.0, 6.0)
"""

import math

from . import functional
from .basic_layers import _flag, _real
from .module import Module
from .torch_activations import PairwiseDistance
from .torch_losses import _reduction

__all__ = ["TripletMarginWithDistanceLoss"]


class TripletMarginWithDistanceLoss(Module):
    """L = max(d(a, p) - d(a, n) + margin, 0) for each (anchor, positive, negative), d a
    distance of two batches (``PairwiseDistance()`` by default, a module held as
    ``distance_function``); with ``swap``, d(a, n) is min(d(a, n), d(p, n)).
    ``forward(anchor, positive, negative)``, (N, *) each -> a number, or (N,) with
    reduction="none" (``functional.triplet_margin_with_distance_loss``).

    Args (PyTorch's, keywords): distance_function=None, margin=1.0 (> 0), swap=False,
    reduction="mean".
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean",
                 name=None):
        where = "TripletMarginWithDistanceLoss" if name is None else \
            f"TripletMarginWithDistanceLoss {name!r}"
        if distance_function is not None and not callable(distance_function):
            raise TypeError(f"{where}: distance_function must be callable or None, got "
                            f"{type(distance_function).__name__}")
        margin = _real(margin, "margin", where, 0.0, math.inf)
        if margin == 0:
            raise ValueError(f"{where}: margin must be > 0 (as PyTorch), got {margin}")
        swap, reduction = _flag(swap, "swap", where), _reduction(reduction, where)
        super().__init__(name)
        self.distance_function = PairwiseDistance() if distance_function is None \
            else distance_function
        self.margin, self.swap, self.reduction = margin, swap, reduction

    def forward(self, anchor, positive, negative):
        try:
            return functional.triplet_margin_with_distance_loss(
                anchor, positive, negative, distance_function=self.distance_function,
                margin=self.margin, swap=self.swap, reduction=self.reduction)
        except ValueError as e:
            raise ValueError(f"TripletMarginWithDistanceLoss {self.name!r}: {e}") from e
