"""PyTorch's schedulers that multiply the rate by a factor each epoch: ``ConstantLR``,
``MultiplicativeLR`` and ``PolynomialLR`` (``torch.optim.lr_scheduler``).

Each changes the rate where it stands, as PyTorch's do, so a rate set from outside (or by
another scheduler of a ``ChainedScheduler``) carries on; ``step(epoch)`` and
``SequentialLR`` use the closed form from ``base_lrs`` where PyTorch has one.

>>> import autograd_core as ag
>>> from optim import SGD
>>> optimizer = SGD([ag.Variable([1.0])], lr=0.05)
>>> scheduler = ConstantLR(optimizer, factor=0.5, total_iters=2)
>>> lrs = []
>>> for epoch in range(4):
...     lrs.append(optimizer.learning_rate)
...     scheduler.step()
>>> lrs
[0.025, 0.025, 0.05, 0.05]
"""

from __future__ import annotations

from . import _checks
from .lr_scheduler_base import LRScheduler, _group_lrs, _lr_lambdas, _whole


class ConstantLR(LRScheduler):
    """lr(epoch) = base_lr * factor for epoch < total_iters, base_lr after

    Taken as PyTorch does: the constructor multiplies the optimizer's rate by ``factor``,
    and epoch ``total_iters`` divides it by ``factor`` again.

    Args:
        optimizer: the optimizer (its learning rate a number).
        factor: the factor until ``total_iters``, in (0, 1] (default 1/3). PyTorch takes 0
            too and then divides by it at ``total_iters``; here 0 is refused.
        total_iters: the number of epochs at the lower rate, an integer >= 0 (default 5).
        last_epoch: -1 to start (default), or PyTorch's epoch to resume from.
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        where = "ConstantLR"
        factor = _checks.in_unit_interval(factor, "factor", where, include_one=True)
        if factor == 0:
            raise ValueError(f"{where}: factor must be in (0, 1], got 0.0 (epoch total_iters "
                             "divides the rate by it)")
        self.factor = factor
        self.total_iters = _whole(total_iters, "total_iters", where)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._lrs()]
        if self.last_epoch != self.total_iters:
            return self._lrs()
        return [lr * (1.0 / self.factor) for lr in self._lrs()]

    def _get_closed_form_lr(self):
        done = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + done * (1 - self.factor)) for base_lr in self.base_lrs]


class MultiplicativeLR(LRScheduler):
    """lr(epoch) = lr(epoch - 1) * lr_lambda(epoch) for epoch >= 1

    The constructor leaves the rate as it is; each step multiplies the optimizer's
    current rate by the factor the function gives for the new epoch.

    Args:
        optimizer: the optimizer (its learning rate a number).
        lr_lambda: a function of the epoch (an int from 1) giving a factor, for every
            parameter group; or PyTorch's list of such functions, one per group.
        last_epoch: -1 to start (default), or PyTorch's epoch to resume from.

    Raises (at the step that meets it, which then changes nothing):
        TypeError, ValueError: lr_lambda gave something other than a finite number, or a
            factor that makes the rate negative.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        where = "MultiplicativeLR"
        self.lr_lambdas = _lr_lambdas(lr_lambda, len(_group_lrs(optimizer, where)), where)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._lrs()
        epoch = self.last_epoch
        return [lr * _checks.number(lr_lambda(epoch), f"lr_lambda({epoch})", "MultiplicativeLR")
                for lr_lambda, lr in zip(self.lr_lambdas, self._lrs())]


class PolynomialLR(LRScheduler):
    """lr(epoch) = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power

    Taken as PyTorch does: each epoch up to ``total_iters`` multiplies the optimizer's rate
    by the ratio of two consecutive values of the polynomial; the rate is 0 from epoch
    ``total_iters`` on.

    Args:
        optimizer: the optimizer (its learning rate a number).
        total_iters: the number of epochs of the decay, a positive integer (default 5).
        power: the power of the polynomial, a number >= 0 (default 1, a straight line).
        last_epoch: -1 to start (default), or PyTorch's epoch to resume from.
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        where = "PolynomialLR"
        self.total_iters = _checks.positive_int(total_iters, "total_iters", where)
        self.power = _checks.non_negative(power, "power", where)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._lrs()
        t, T = self.last_epoch, self.total_iters
        decay_factor = ((1.0 - t / T) / (1.0 - (t - 1) / T)) ** self.power
        return [lr * decay_factor for lr in self._lrs()]

    def _get_closed_form_lr(self):
        done = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (1.0 - done) ** self.power for base_lr in self.base_lrs]
