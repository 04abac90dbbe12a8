"""Weight averaging, the optimizer's side of PyTorch's ``torch.optim.swa_utils``: the SWA
learning-rate schedule ``SWALR`` and the averaging functions that ``AveragedModel`` takes.

Stochastic Weight Averaging (Izmailov et al., 2018) averages the weights visited late in
training at a constant rate; an exponential moving average (EMA) weights recent ones more:

    SWA:  W_avg <- W_avg + (W - W_avg) / (n + 1)      (n: the models averaged so far)
    EMA:  W_avg <- decay * W_avg + (1 - decay) * W

``AveragedModel`` and ``update_bn`` work on modules, and optim/ knows nothing of nn/ (the
packages' boundary): they are in ``nn.swa_utils``, which also gives everything here, so
``from nn.swa_utils import AveragedModel, SWALR, update_bn`` is PyTorch's import.

Each averaging function works in place on ``Variable``s (``p.assign``), in numpy, the way
torch does on the CPU: ``_foreach_lerp_`` for the ``multi`` ones, and the formula above for
the others, so the averages are torch's to rounding.
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .lr_scheduler_base import LRScheduler, _group_lrs, _rates, _whole


def _decay(decay, where) -> float:
    return _checks.in_unit_interval(decay, "decay", where, include_one=True)


def _lerp(start, end, weight):
    """start + weight * (end - start), as torch's lerp computes it: from the nearer end,
    which keeps ``weight`` close to 1 exact."""
    diff = end - start
    if abs(weight) < 0.5:
        return start + weight * diff
    return end - diff * (1 - weight)


def _lerp_all(averaged, current, weight):
    for p_avg, p in zip(averaged, current):
        p_avg.assign(_lerp(p_avg.data, np.asarray(p.data, p_avg.dtype),
                           p_avg.dtype.type(weight)))


def get_ema_multi_avg_fn(decay=0.999):
    """EMA on lists of Variables, in place: ``W_avg <- lerp(W_avg, W, 1 - decay)``.

    Args:
        decay: in [0, 1] (default 0.999).
    Returns:
        ``ema_update(averaged, current, num_averaged)``, for ``AveragedModel``'s
        ``multi_avg_fn``.
    """
    decay = _decay(decay, "get_ema_multi_avg_fn")

    def ema_update(ema_param_list, current_param_list, _):
        _lerp_all(ema_param_list, current_param_list, 1 - decay)

    return ema_update


def get_swa_multi_avg_fn():
    """SWA on lists of Variables, in place: ``W_avg <- lerp(W_avg, W, 1 / (n + 1))``.

    Returns:
        ``swa_update(averaged, current, num_averaged)``, for ``multi_avg_fn``.
    """

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        _lerp_all(averaged_param_list, current_param_list, 1 / (int(num_averaged) + 1))

    return swa_update


def get_ema_avg_fn(decay=0.999):
    """EMA of one parameter: ``decay * W_avg + (1 - decay) * W``.

    Args:
        decay: in [0, 1] (default 0.999).
    Returns:
        ``ema_update(averaged, current, num_averaged)``, giving the new average, for
        ``AveragedModel``'s ``avg_fn``.
    """
    decay = _decay(decay, "get_ema_avg_fn")

    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn():
    """SWA of one parameter: ``W_avg + (W - W_avg) / (n + 1)``, ``AveragedModel``'s default.

    Returns:
        ``swa_update(averaged, current, num_averaged)``, giving the new average.
    """

    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class SWALR(LRScheduler):
    """lr <- swa_lr * alpha(t) + lr_0 * (1 - alpha(t)),   t = step / anneal_epochs in [0, 1]

    Anneals each group's rate from where it stands to ``swa_lr`` over ``anneal_epochs``
    steps, then keeps it there: the constant rate of SWA. ``alpha`` is
    ``(1 - cos(pi * t)) / 2`` ("cos") or ``t`` ("linear"). As in PyTorch, ``lr_0`` is
    recovered at each step from the current rate and the previous alpha, so a scheduler
    used before it (PyTorch's docs: MultiplicativeLR until ``swa_start``) hands over the
    rate it reached.

    Args:
        optimizer: the optimizer (its learning rate a number).
        swa_lr: the rate to anneal to, >= 0, one for all groups or a list of one per group.
        anneal_epochs: the steps of the anneal, an integer >= 0 (default 10).
        anneal_strategy: "cos" (default) or "linear".
        last_epoch: -1 to start (default), or PyTorch's epoch to resume from.

    >>> import autograd_core as ag
    >>> from optim import SGD
    >>> optimizer = SGD([ag.Variable([1.0])], lr=1.0)
    >>> scheduler = SWALR(optimizer, swa_lr=0.5, anneal_epochs=2, anneal_strategy="linear")
    >>> lrs = []
    >>> for epoch in range(4):
    ...     lrs.append(optimizer.learning_rate)
    ...     scheduler.step()
    >>> lrs
    [1.0, 0.75, 0.5, 0.5]
    """

    state_names = ("last_epoch", "base_lrs", "_last_lr", "_step_count")

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        where = "SWALR"
        self.swa_lrs = _rates(swa_lr, len(_group_lrs(optimizer, where)), "swa_lr", where)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{where}: anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = _whole(anneal_epochs, "anneal_epochs", where)
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t) -> float:
        """alpha(t): the share of swa_lr in the rate at ``t`` in [0, 1]."""
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def get_lr(self):
        # PyTorch counts the step() calls, the constructor's included (_step_count).
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        lrs = []
        for lr, swa_lr in zip(self._lrs(), self.swa_lrs):
            # the rate before the anneal, recovered from the current one
            lr_0 = swa_lr if prev_alpha == 1 else (lr - prev_alpha * swa_lr) / (1 - prev_alpha)
            lrs.append(swa_lr * alpha + lr_0 * (1 - alpha))
        return lrs
