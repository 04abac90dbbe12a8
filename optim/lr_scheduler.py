"""PyTorch's learning-rate schedulers (``torch.optim.lr_scheduler``): a new rate per epoch.

A scheduler holds an optimizer and sets the learning rate of each of its parameter groups
(``param_groups[k]["lr"]``; with one group, ``learning_rate``) each time ``step()`` is
called: once per epoch, after that epoch's updates, as in PyTorch's MNIST example::

    optimizer = optim.SGD(model.parameters(), lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(epochs):
        train(...)                 # optimizer.step() for every batch
        scheduler.step()

``last_epoch`` counts the epochs: it starts at -1 and the constructor takes the first step,
to epoch 0, so the optimizer holds the first epoch's rate as soon as the scheduler exists.
``base_lrs`` holds each group's rate then, and ``get_last_lr()`` the rates the last step
gave, one per group, as in PyTorch: fine-tuning with a smaller rate for the pretrained
part keeps the two rates in their ratio under StepLR, say.

As in PyTorch, StepLR, MultiStepLR, ExponentialLR, LinearLR and ReduceLROnPlateau change
the rate where it stands (StepLR multiplies the optimizer's current rate by gamma every
step_size epochs), so a rate set from outside, ``optimizer.param_groups[0]["lr"] = 0.01``,
carries on; LambdaLR and CosineAnnealingLR compute it from ``base_lrs`` and the epoch.

Keras's way is a schedule passed as the learning rate (``optim.schedules``), a function of
the update count evaluated before every update. The two do not mix: a scheduler refuses an
optimizer whose learning rate is a schedule.

>>> import autograd_core as ag
>>> from optim import SGD
>>> optimizer = SGD([ag.Variable([1.0])], lr=1.0)
>>> scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(optimizer.learning_rate)      # one epoch of training goes here
...     scheduler.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from . import _checks
from .lr_scheduler_base import (
    LRScheduler, _give_momenta, _group_lrs, _lr_lambdas, _momentum_key, _rates,
    _set_group_lrs, _state_number, _state_count, _whole,
)
# The schedulers of the other families, so that every one is ``optim.lr_scheduler.X``, as
# in torch.optim.lr_scheduler.
from .lr_scheduler_combined import ChainedScheduler, SequentialLR
from .lr_scheduler_cycles import CosineAnnealingWarmRestarts, CyclicLR
from .lr_scheduler_factors import ConstantLR, MultiplicativeLR, PolynomialLR


class StepLR(LRScheduler):
    """lr(epoch) = base_lr * gamma ** (epoch // step_size)

    Taken as PyTorch does: at every epoch that is a multiple of ``step_size`` (0 excepted)
    the optimizer's current rate is multiplied by gamma, ``lr <- gamma * lr``.

    Args:
        optimizer: the optimizer (its learning rate a number).
        step_size: the number of epochs between two decays, a positive integer.
        gamma: the factor of each decay, >= 0 (default 0.1).
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = _checks.positive_int(step_size, "step_size", "StepLR")
        self.gamma = _checks.non_negative(gamma, "gamma", "StepLR")
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch > 0 and self.last_epoch % self.step_size == 0:
            return [lr * self.gamma for lr in self._lrs()]
        return self._lrs()

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr(epoch) = base_lr * gamma ** (the number of milestones <= epoch)

    Taken as PyTorch does: at each milestone the optimizer's current rate is multiplied by
    gamma (by ``gamma ** n`` at a milestone listed n times).

    Args:
        optimizer: the optimizer (its learning rate a number).
        milestones: epochs, integers >= 0 in increasing order (a milestone 0 decays the
            rate at once, in the constructor, as in PyTorch).
        gamma: the factor of each decay, >= 0 (default 0.1).
    """

    def __init__(self, optimizer, milestones, gamma=0.1):
        where = "MultiStepLR"
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"{where}: milestones must be a list of epochs, got "
                            f"{type(milestones).__name__}")
        milestones = [_whole(m, f"milestones[{k}]", where) for k, m in enumerate(milestones)]
        if milestones != sorted(milestones):
            raise ValueError(f"{where}: milestones must be in increasing order, got "
                             f"{milestones}")
        self.milestones = milestones
        self.gamma = _checks.non_negative(gamma, "gamma", where)
        super().__init__(optimizer)

    def get_lr(self):
        n = self.milestones.count(self.last_epoch)
        if n:
            return [lr * self.gamma ** n for lr in self._lrs()]
        return self._lrs()

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** bisect_right(self.milestones, self.last_epoch)
                for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr(epoch) = base_lr * gamma ** epoch

    Taken as PyTorch does: every epoch after the first multiplies the optimizer's current
    rate by gamma, ``lr <- gamma * lr``.

    Args:
        optimizer: the optimizer (its learning rate a number).
        gamma: the factor per epoch, >= 0.
    """

    def __init__(self, optimizer, gamma):
        self.gamma = _checks.non_negative(gamma, "gamma", "ExponentialLR")
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch > 0:
            return [lr * self.gamma for lr in self._lrs()]
        return self._lrs()

    def _get_closed_form_lr(self):
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr(epoch) = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs; after that it
    rises again (a period of ``2 * T_max``), as PyTorch's does. This closed form is what
    PyTorch's step-by-step recursion approximates: the two agree to rounding (the
    recursion's errors add up, to 2e-14 relative over two periods of T_max = 30), but a
    rate set from outside is replaced at the next step here, where PyTorch's recursion
    would carry it on.

    Args:
        optimizer: the optimizer (its learning rate a number).
        T_max: the number of epochs of the half cosine, a positive integer.
        eta_min: the lowest rate, >= 0 (default 0).
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max = _checks.positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.eta_min = _checks.non_negative(eta_min, "eta_min", "CosineAnnealingLR")
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch == 0:
            # base_lr itself, which PyTorch keeps: eta_min + (base_lr - eta_min) can differ
            # from it in the last bit (0.01 and 0.001 give 0.010000000000000002)
            return list(self.base_lrs)
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base_lr - self.eta_min) * cosine / 2
                for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """lr(epoch) = base_lr * lr_lambda(epoch)

    Args:
        optimizer: the optimizer (its learning rate a number).
        lr_lambda: a function of the epoch (an int from 0) giving a factor, for every
            parameter group; or PyTorch's list of such functions, one per group.

    Raises (at the step that meets it, which then changes nothing):
        TypeError, ValueError: lr_lambda gave something other than a finite number, or a
            factor that makes the rate negative.
    """

    def __init__(self, optimizer, lr_lambda):
        self.lr_lambdas = _lr_lambdas(lr_lambda, len(_group_lrs(optimizer, "LambdaLR")),
                                      "LambdaLR")
        super().__init__(optimizer)

    def get_lr(self):
        epoch = self.last_epoch
        return [base_lr * _checks.number(lr_lambda(epoch), f"lr_lambda({epoch})", "LambdaLR")
                for lr_lambda, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class LinearLR(LRScheduler):
    """lr(epoch) = base_lr * (start_factor + (end_factor - start_factor)
    * min(epoch, total_iters) / total_iters)

    A straight line from ``start_factor * base_lr`` to ``end_factor * base_lr`` over
    ``total_iters`` epochs, then constant (a warm-up with the defaults). Taken as PyTorch
    does, as a factor on the optimizer's current rate each epoch: its ratio of two
    consecutive points of the line, so the values are PyTorch's to the last bit.

    Args:
        optimizer: the optimizer (its learning rate a number).
        start_factor: the factor at epoch 0, in (0, 1] (default 1/3).
        end_factor: the factor from epoch ``total_iters`` on, in [0, 1] (default 1).
        total_iters: the number of epochs of the line, a positive integer (default 5).
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        where = "LinearLR"
        start_factor = _checks.in_unit_interval(start_factor, "start_factor", where,
                                                include_one=True)
        if start_factor == 0:
            raise ValueError(f"{where}: start_factor must be in (0, 1], got 0.0")
        self.start_factor = start_factor
        self.end_factor = _checks.in_unit_interval(end_factor, "end_factor", where,
                                                   include_one=True)
        self.total_iters = _checks.positive_int(total_iters, "total_iters", where)
        super().__init__(optimizer)

    def get_lr(self):
        t, lrs = self.last_epoch, self._lrs()
        if t == 0:
            return [lr * self.start_factor for lr in lrs]
        if t > self.total_iters:
            return lrs
        slope = self.end_factor - self.start_factor
        # the factor at t over the factor at t-1, both times total_iters
        ratio = 1.0 + slope / (self.total_iters * self.start_factor + (t - 1) * slope)
        return [lr * ratio for lr in lrs]

    def _get_closed_form_lr(self):
        done = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * (self.start_factor + (self.end_factor - self.start_factor) * done)
                for base_lr in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """lr <- max(lr * factor, min_lr) once the metric has not improved for patience epochs

    for each parameter group, with its own ``min_lr`` if a list is given.

    ``step(metric)`` once per epoch with the monitored value (a validation loss, say). In
    mode "min" a value improves on the best so far when it is below ``best * (1 -
    threshold)`` (threshold_mode "rel") or ``best - threshold`` ("abs"); in mode "max" when
    above ``best * (1 + threshold)`` or ``best + threshold``. After more than ``patience``
    epochs in a row without improvement the rate is reduced, unless that would change it by
    ``eps`` or less, and then ``cooldown`` epochs pass in which bad epochs are not counted.
    A NaN metric is never an improvement, as in PyTorch and Keras.

    Unlike the other schedulers, the constructor takes no step: ``last_epoch`` starts at 0.

    Args:
        optimizer: the optimizer (its learning rate a number).
        mode: "min" (default) or "max".
        factor: the factor of each reduction, in [0, 1) (default 0.1).
        patience: the number of epochs without improvement tolerated, an integer >= 0
            (default 10).
        threshold: the least change that counts as an improvement, >= 0 (default 1e-4).
        threshold_mode: "rel" (default) or "abs".
        cooldown: the number of epochs to wait after a reduction, an integer >= 0 (default 0).
        min_lr: the lowest rate, >= 0 (default 0), or PyTorch's list of one per group.
        eps: the least change of the rate that is applied, >= 0 (default 1e-8).
    """

    state_names = ("last_epoch", "best", "num_bad_epochs", "cooldown_counter", "_last_lr")
    # step(metric): SequentialLR and ChainedScheduler, which call step(), refuse it
    _steps_on_a_metric = True

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        where = "ReduceLROnPlateau"
        if mode not in ("min", "max"):
            raise ValueError(f"{where}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{where}: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = _checks.in_unit_interval(factor, "factor", where, include_one=False)
        self.patience = _whole(patience, "patience", where)
        self.threshold = _checks.non_negative(threshold, "threshold", where)
        self.cooldown = _whole(cooldown, "cooldown", where)
        lrs = _group_lrs(optimizer, where)
        self.min_lrs = _rates(min_lr, len(lrs), "min_lr", where)
        self.eps = _checks.non_negative(eps, "eps", where)
        self.optimizer = optimizer
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = lrs

    def step(self, metric):
        """Count one epoch with this value of the metric, and reduce the rate if it is time.

        Args:
            metric: one real number (a float, a numpy scalar, a one-element Value).
        Raises:
            TypeError: the metric is not one real number, or the optimizer's learning rate
                has become a schedule; nothing has changed then.
        """
        where = "ReduceLROnPlateau.step"
        current = np.asarray(metric)
        if current.size != 1 or current.dtype.kind not in "iuf":
            raise TypeError(f"{where}: metric must be one real number, got "
                            f"{type(metric).__name__} {metric!r}")
        current = float(current.reshape(()))
        lrs = _group_lrs(self.optimizer, "ReduceLROnPlateau")
        if len(lrs) != len(self.min_lrs):
            raise ValueError(f"{where}: the optimizer has {len(lrs)} parameter groups, but "
                             f"the scheduler was made for {len(self.min_lrs)}")
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            for k, (lr, min_lr) in enumerate(zip(lrs, self.min_lrs)):
                new_lr = max(lr * self.factor, min_lr)
                if lr - new_lr > self.eps:
                    lrs[k] = new_lr
            _set_group_lrs(self.optimizer, lrs)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._lrs()

    def _is_better(self, value) -> bool:
        best = self.best
        if self.mode == "min":
            return value < (best * (1 - self.threshold) if self.threshold_mode == "rel"
                            else best - self.threshold)
        return value > (best * (1 + self.threshold) if self.threshold_mode == "rel"
                        else best + self.threshold)

    def _checked_state(self, name, value, count):
        if name == "best":
            best = float(_state_number(value, name))
            if math.isnan(best):
                raise ValueError("best must be a number or an infinity, got nan")
            return best
        if name in ("num_bad_epochs", "cooldown_counter"):
            return _state_count(value, name)
        return super()._checked_state(name, value, count)


class OneCycleLR(LRScheduler):
    """lr rises from max_lr/div_factor to max_lr, then anneals to max_lr/(div_factor *
    final_div_factor), while the momentum goes the other way (Smith and Topin's 1cycle)

    PyTorch's ``OneCycleLR``, stepped once per batch (after ``optimizer.step()``), not per
    epoch, ``total_steps`` times in all. The constructor sets each group's rate to its
    ``initial_lr = max_lr / div_factor`` (its ``base_lrs``). Each phase anneals from one
    value to another as ``pct`` goes from 0 to 1 over its steps::

        cos:     end + (start - end) * (1 + cos(pi * pct)) / 2
        linear:  start + (end - start) * pct

    Two phases: ``initial_lr -> max_lr`` over the first ``pct_start * total_steps - 1``
    steps, then ``max_lr -> min_lr`` to step ``total_steps - 1``, where ``min_lr =
    initial_lr / final_div_factor``. With ``three_phase``: ``initial_lr -> max_lr``,
    ``max_lr -> initial_lr`` over as many steps again, then ``initial_lr -> min_lr``. With
    ``cycle_momentum`` each group's momentum (SGD's and RMSprop's ``momentum``, or the
    first of the Adam family's ``betas``) follows ``max_momentum -> base_momentum ->
    max_momentum`` over the same phases (it stays at max_momentum in the third).

    As in PyTorch, the last phase goes on past its end at step ``total_steps`` (which the
    usual loop reaches with its last ``scheduler.step()``) and a step beyond raises. There
    a linear anneal would give a negative rate, which no optimizer here accepts: the rate
    is 0 instead (PyTorch's is below 0, never used by a loop that stops there).

    ``state_dict`` holds what the other schedulers' does; ``load_state_dict`` gives the
    optimizer the rate and the momentum of the step it restores.

    Args:
        optimizer: the optimizer (its learning rate a number).
        max_lr: the highest rate, >= 0, one for all groups or a list of one per group.
        total_steps: the number of steps of the cycle, a positive integer; or None, and
            then ``epochs * steps_per_epoch``.
        epochs, steps_per_epoch: positive integers, used when ``total_steps`` is None.
        pct_start: the share of the cycle spent raising the rate, in [0, 1] (default 0.3).
        anneal_strategy: "cos" (default) or "linear".
        cycle_momentum: cycle the momentum too (default True); the optimizer must have a
            ``momentum`` or ``betas`` (PyTorch style).
        base_momentum, max_momentum: the momentum's bounds, in [0, 1), one for all groups
            or a list of one per group (defaults 0.85 and 0.95).
        div_factor: ``initial_lr = max_lr / div_factor``, > 0 (default 25).
        final_div_factor: ``min_lr = initial_lr / final_div_factor``, > 0 (default 1e4).
        three_phase: go back down to initial_lr before annealing to min_lr (default False).

    >>> import autograd_core as ag
    >>> from optim import SGD
    >>> optimizer = SGD([ag.Variable([1.0])], lr=0.1, momentum=0.9)
    >>> scheduler = OneCycleLR(optimizer, max_lr=1.0, total_steps=5, pct_start=0.4,
    ...                        anneal_strategy="linear", div_factor=10.0)
    >>> seen = []
    >>> for batch in range(5):
    ...     seen.append((round(optimizer.learning_rate, 5), round(optimizer.momentum, 4)))
    ...     scheduler.step()                # after the batch's optimizer.step()
    >>> seen
    [(0.1, 0.95), (1.0, 0.85), (0.66667, 0.8833), (0.33334, 0.9167), (1e-05, 0.95)]
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True,
                 base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
                 final_div_factor=1e4, three_phase=False):
        where = "OneCycleLR"
        count = len(_group_lrs(optimizer, where))
        if total_steps is not None:
            self.total_steps = _checks.positive_int(total_steps, "total_steps", where)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_checks.positive_int(epochs, "epochs", where)
                                * _checks.positive_int(steps_per_epoch, "steps_per_epoch",
                                                       where))
        else:
            raise ValueError(f"{where}: define either total_steps or (epochs and "
                             "steps_per_epoch)")
        pct_start = _checks.in_unit_interval(pct_start, "pct_start", where, include_one=True)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{where}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        div_factor = _positive(div_factor, "div_factor", where)
        final_div_factor = _positive(final_div_factor, "final_div_factor", where)
        # Each phase: the step it ends at, the rate's (start, end) and the momentum's.
        total, up = self.total_steps, float(pct_start * self.total_steps) - 1
        if three_phase:
            self.phases = [(up, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum")),
                           (float(2 * pct_start * total) - 2, ("max_lr", "initial_lr"),
                            ("base_momentum", "max_momentum")),
                           (total - 1, ("initial_lr", "min_lr"),
                            ("max_momentum", "max_momentum"))]
        else:
            self.phases = [(up, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum")),
                           (total - 1, ("max_lr", "min_lr"), ("base_momentum", "max_momentum"))]
        max_lrs = _rates(max_lr, count, "max_lr", where)
        self.group_bounds = [{"initial_lr": m / div_factor, "max_lr": m,
                              "min_lr": m / div_factor / final_div_factor} for m in max_lrs]
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.use_beta1 = _momentum_key(optimizer, where) == "betas"
            for name, value in (("max_momentum", max_momentum),
                                ("base_momentum", base_momentum)):
                momenta = _rates(value, count, name, where)
                for bounds, momentum in zip(self.group_bounds, momenta):
                    bounds[name] = _checks.in_unit_interval(momentum, name, where,
                                                            include_one=False)
        initial_lrs = [bounds["initial_lr"] for bounds in self.group_bounds]
        _set_group_lrs(optimizer, initial_lrs)
        optimizer._initial_lrs = initial_lrs  # PyTorch sets each group's initial_lr here
        super().__init__(optimizer)

    def _anneal(self, start, end, pct) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _phase(self, step):
        """The phase that holds ``step`` and how far into it the step is, ``pct``."""
        start_step = 0.0
        for k, phase in enumerate(self.phases):
            end_step = phase[0]
            if step <= end_step or k == len(self.phases) - 1:
                return phase, (step - start_step) / (end_step - start_step)
            start_step = end_step

    def _check_step(self, step):
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: Tried to step {step} times. The specified number "
                             f"of total steps is {self.total_steps}")

    def get_lr(self):
        self._check_step(self.last_epoch)
        (_, (start, end), _), pct = self._phase(self.last_epoch)
        # max(0, ...): past the end, a linear anneal goes below 0 (see the class docstring)
        return [max(0.0, self._anneal(bounds[start], bounds[end], pct))
                for bounds in self.group_bounds]

    def momenta(self, step) -> list:
        """Each group's momentum at ``step`` (from 0), one per group."""
        self._check_step(step)
        (_, _, (start, end)), pct = self._phase(step)
        return [self._anneal(bounds[start], bounds[end], pct) for bounds in self.group_bounds]

    def _give_momenta(self):
        if self.cycle_momentum:
            _give_momenta(self.optimizer, "betas" if self.use_beta1 else "momentum",
                          self.momenta(self.last_epoch))

    def _update_lr(self, epoch=None):
        """Move to the next batch: give the optimizer its rate and, with
        ``cycle_momentum``, its momentum.

        Raises:
            ValueError: past ``total_steps`` (nothing has changed then), or the optimizer
                refuses the momentum.
        """
        super()._update_lr(epoch)
        self._give_momenta()

    def _restore(self, values):
        """``LRScheduler._restore``, then the momentum of the restored step."""
        super()._restore(values)
        self._give_momenta()

    def _checked_state(self, name, value, count):
        value = super()._checked_state(name, value, count)
        if name == "last_epoch" and value > self.total_steps:
            raise ValueError(f"last_epoch must be at most total_steps ({self.total_steps}), "
                             f"got {value}")
        return value


def _positive(value, what, where) -> float:
    value = _checks.number(value, what, where)
    if value <= 0:
        raise ValueError(f"{where}: {what} must be > 0, got {value}")
    return value


__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
    "LinearLR", "ReduceLROnPlateau", "OneCycleLR", "ConstantLR", "MultiplicativeLR",
    "PolynomialLR", "CosineAnnealingWarmRestarts", "CyclicLR", "SequentialLR",
    "ChainedScheduler",
]
