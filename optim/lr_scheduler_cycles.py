"""PyTorch's schedulers that go round in cycles: ``CosineAnnealingWarmRestarts`` (SGDR) and
``CyclicLR`` (Smith's cyclical learning rates), from ``torch.optim.lr_scheduler``.

Both are usually stepped once per batch. ``CosineAnnealingWarmRestarts.step`` also takes
a fractional epoch, as its PyTorch docs show::

    for epoch in range(20):
        for i, batch in enumerate(loader):
            train_batch(...)                  # optimizer.step()
            scheduler.step(epoch + i / iters)
"""

from __future__ import annotations

import math
import numbers

from . import _checks
from .lr_scheduler_base import (
    LRScheduler, _give_momenta, _group_lrs, _momentum_key, _rates, _state_count,
    _state_number, _whole,
)


class CosineAnnealingWarmRestarts(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    ``T_cur`` counts the epochs since the last restart and ``T_i`` is the length of the
    current cycle: ``T_0`` first, then ``T_mult`` times the previous one. At a restart
    ``T_cur`` goes back to 0 and the rate back to ``base_lr``.

    Args:
        optimizer: the optimizer (its learning rate a number).
        T_0: the length of the first cycle, a positive integer.
        T_mult: the factor by which each cycle is longer than the last, an integer >= 1
            (default 1).
        eta_min: the lowest rate, >= 0 (default 0).
        last_epoch: -1 to start (default), or PyTorch's epoch to resume from.

    >>> import autograd_core as ag
    >>> from optim import SGD
    >>> optimizer = SGD([ag.Variable([1.0])], lr=1.0)
    >>> scheduler = CosineAnnealingWarmRestarts(optimizer, T_0=2)
    >>> for epoch in (0.5, 1.0, 2.0):
    ...     scheduler.step(epoch)
    ...     print(round(optimizer.learning_rate, 4))
    0.8536
    0.5
    1.0
    """

    state_names = ("last_epoch", "base_lrs", "_last_lr", "T_i", "T_cur")

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        where = "CosineAnnealingWarmRestarts"
        self.T_0 = _checks.positive_int(T_0, "T_0", where)
        if isinstance(T_mult, bool) or not isinstance(T_mult, numbers.Integral) or T_mult < 1:
            raise ValueError(f"{where}: T_mult must be an integer >= 1, got {T_mult!r}")
        self.T_mult = int(T_mult)
        self.eta_min = _checks.non_negative(eta_min, "eta_min", where)
        self.T_i = self.T_0
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        cosine = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base_lr - self.eta_min) * cosine / 2
                for base_lr in self.base_lrs]

    def step(self, epoch=None):
        """Move to the next epoch, or to ``epoch`` (a number >= 0, fractional for a step
        within an epoch), and give the optimizer its rate.

        Raises:
            TypeError: epoch is not a real number. ValueError: it is negative. Nothing has
                changed then, nor when the optimizer refuses the rate.
        """
        where = "CosineAnnealingWarmRestarts.step"
        if epoch is not None:
            epoch = _checks.number(epoch, "epoch", where)
            if epoch < 0:
                raise ValueError(f"{where}: Expected non-negative epoch, but got {epoch}")
        elif self.last_epoch < 0:
            epoch = 0
        kept = (self.T_cur, self.T_i, self.last_epoch)
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur, self.T_i = self.T_cur % self.T_i, self.T_i * self.T_mult
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:  # the cycle n holding epoch: T_0 * (T_mult**n - 1) / (T_mult - 1) <= epoch
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** n
        else:
            self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        try:
            lrs = self._checked_lrs(self.get_lr())
        except BaseException:
            self.T_cur, self.T_i, self.last_epoch = kept
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def _checked_state(self, name, value, count):
        if name == "T_i":
            return _state_count(value, name)
        if name == "T_cur":
            T_cur = _state_number(value, name)
            if not (T_cur >= 0 and math.isfinite(T_cur)):
                raise ValueError(f"T_cur must be a number >= 0, got {value!r}")
            return T_cur
        return super()._checked_state(name, value, count)


class CyclicLR(LRScheduler):
    """lr = base_lr + (max_lr - base_lr) * height * scale_fn(cycle or step)

    A triangle wave stepped once per batch: ``height`` rises from 0 to 1 over
    ``step_size_up`` steps and falls back over ``step_size_down``; the policy scales it:

        triangular:   1                            (per cycle)
        triangular2:  1 / 2 ** (cycle - 1)         (per cycle, from cycle 1)
        exp_range:    gamma ** step                (per step, from step 0)

    or a ``scale_fn`` of the cycle (``scale_mode="cycle"``) or of the step
    ("iterations"). With ``cycle_momentum`` each group's momentum (SGD's and RMSprop's
    ``momentum``, or the Adam family's first beta) goes the other way, from
    ``max_momentum`` down to ``base_momentum`` as the rate rises.

    The constructor sets each group's rate to its ``base_lr``.

    Args:
        optimizer: the optimizer (its learning rate a number).
        base_lr, max_lr: the bounds of the rate, >= 0, one for all groups or a list of one
            per group.
        step_size_up: the steps of the rising half, a positive integer (default 2000).
        step_size_down: the steps of the falling half, an integer >= 0, or None (the
            default) for ``step_size_up``.
        mode: "triangular" (default), "triangular2" or "exp_range"; ignored with scale_fn.
        gamma: exp_range's factor per step, >= 0 (default 1).
        scale_fn: None, or a function of a cycle or a step giving a factor in [0, 1].
        scale_mode: what scale_fn takes, "cycle" (default) or "iterations".
        cycle_momentum: cycle the momentum too (default True); the optimizer must have a
            ``momentum`` or ``betas`` (PyTorch style).
        base_momentum, max_momentum: the momentum's bounds, in [0, 1), one for all groups
            or a list of one per group (defaults 0.8 and 0.9).
        last_epoch: -1 to start (default), or PyTorch's step to resume from.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        where = "CyclicLR"
        count = len(_group_lrs(optimizer, where))
        base_lrs = _rates(base_lr, count, "base_lr", where)
        self.max_lrs = _rates(max_lr, count, "max_lr", where)
        step_size_up = float(_checks.positive_int(step_size_up, "step_size_up", where))
        step_size_down = step_size_up if step_size_down is None else \
            float(_whole(step_size_down, "step_size_down", where))
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"{where}: mode must be 'triangular', 'triangular2' or "
                             f"'exp_range' when scale_fn is None, got {mode!r}")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"{where}: scale_fn must be None or a function, got "
                            f"{type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"{where}: scale_mode must be 'cycle' or 'iterations', got "
                             f"{scale_mode!r}")
        self.mode, self.gamma = mode, _checks.non_negative(gamma, "gamma", where)
        self._scale_fn_custom = scale_fn
        # the built-in policies say what they take, whatever scale_mode is
        self.scale_mode = scale_mode if scale_fn is not None else \
            "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.momentum_key = _momentum_key(optimizer, where)
            momenta = {}
            for name, value in (("base_momentum", base_momentum),
                                ("max_momentum", max_momentum)):
                momenta[name] = [_checks.in_unit_interval(m, name, where, include_one=False)
                                 for m in _rates(value, count, name, where)]
            self.base_momentums = momenta["base_momentum"]
            self.max_momentums = momenta["max_momentum"]
        kept = [(group["lr"], group.get(self.momentum_key) if self.cycle_momentum else None)
                for group in optimizer.param_groups]
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
            if self.cycle_momentum:
                _give_momenta(optimizer, self.momentum_key, self.max_momentums)
        try:  # scale_fn's first factor may be refused: then the groups are as they were
            super().__init__(optimizer, last_epoch)
        except BaseException:
            for group, (lr, momentum) in zip(optimizer.param_groups, kept):
                group["lr"] = lr
                if momentum is not None:
                    group[self.momentum_key] = momentum
            raise
        # After the constructor's step, which PyTorch takes from the groups' initial_lr.
        self.base_lrs = base_lrs

    def scale_fn(self, x) -> float:
        """The policy's factor at cycle or step ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def _height_and_scale(self):
        """How far up the triangle the step is, in [0, 1], and the policy's factor."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            height = x / self.step_ratio
        else:
            height = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        return height, _checks.number(scale, "scale_fn's factor", "CyclicLR")

    def get_lr(self):
        height, scale = self._height_and_scale()
        return [base_lr + (max_lr - base_lr) * height * scale
                for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]

    def momenta(self) -> list:
        """Each group's momentum at step ``last_epoch``."""
        height, scale = self._height_and_scale()
        return [max_m - (max_m - base_m) * height * scale
                for base_m, max_m in zip(self.base_momentums, self.max_momentums)]

    def _give_momenta(self):
        if self.cycle_momentum:
            _give_momenta(self.optimizer, self.momentum_key, self.momenta())

    def _update_lr(self, epoch=None):
        """``LRScheduler._update_lr``, then the momentum of the new step."""
        super()._update_lr(epoch)
        self._give_momenta()

    def _restore(self, values):
        """``LRScheduler._restore``, then the momentum of the restored step."""
        super()._restore(values)
        self._give_momenta()
