"""The base of PyTorch's learning-rate schedulers (``torch.optim.lr_scheduler.LRScheduler``)
and the argument checks they share; ``optim.lr_scheduler`` holds the schedulers and
explains how they are used.

Each parameter group's ``initial_lr`` is PyTorch's: the rate the group had when the first
scheduler of its optimizer was made. Every later scheduler of that optimizer takes it as
its ``base_lrs``, which is what lets ``SequentialLR`` start each of its schedulers from
the same rates (a warm-up, then a cosine from the full rate). PyTorch keeps it in each
group's dict; a group here holds only the optimizer's hyper-parameters, so the optimizer
keeps the list (``_initial_lrs``), one per group.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import _checks
from .optimizer import Optimizer

# torch's warning for ``step(epoch)``, which it keeps for old scripts.
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
    "where possible. Please use `scheduler.step()` to step the scheduler. During the "
    "deprecation, if epoch is different from None, the closed form is used instead of the "
    "new chainable form, where available.")


def _group_lrs(optimizer, where) -> list:
    """Each parameter group's learning rate, if they are numbers: what a scheduler may
    change (several groups always have numbers)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: optimizer must be an optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    rate = optimizer._learning_rate
    if optimizer._groups is None and callable(rate):
        raise TypeError(
            f"{where}: the optimizer's learning_rate is a schedule ({rate!r}), which sets the "
            f"rate before every update; {where} would overwrite it with a number once per "
            f"epoch. Use one of the two: give the optimizer a number (e.g. lr=0.1) for "
            f"{where}, or keep the schedule and drop the scheduler")
    return [group["lr"] for group in optimizer.param_groups]


def _set_group_lrs(optimizer, lrs):
    for group, lr in zip(optimizer.param_groups, lrs):
        group["lr"] = lr


def _initial_lrs(optimizer, last_epoch, where) -> list:
    """Each group's ``initial_lr`` (see the module docstring): the recorded one, or for a
    group without one (a first scheduler, a group added since) its rate now, as torch's
    ``group.setdefault("initial_lr", group["lr"])``.

    Raises:
        KeyError: resuming (``last_epoch`` >= 0) with a group that has none, as PyTorch.
    """
    lrs = _group_lrs(optimizer, where)
    recorded = list(getattr(optimizer, "_initial_lrs", ()))
    if last_epoch != -1 and len(recorded) < len(lrs):
        raise KeyError(f"{where}: param 'initial_lr' is not specified in param_groups"
                       f"[{len(recorded)}] when resuming scheduler with last_epoch >= 0 "
                       f"(last_epoch={last_epoch}); only a scheduler made with last_epoch=-1 "
                       "on this optimizer records it (an optimizer's state_dict does not "
                       "carry it here): make the scheduler with last_epoch=-1 and restore "
                       "it with load_state_dict")
    return recorded + lrs[len(recorded):]


def _numbers(count) -> str:
    return "one number" if count == 1 else f"{count} numbers (one per parameter group)"


def _whole(value, what, where) -> int:
    """A whole number >= 0 (a bool is not one), as an int (patience, milestones)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 0:
        raise ValueError(f"{where}: {what} must be an integer >= 0, got {value!r}")
    return int(value)


def _last_epoch(value, where) -> int:
    """PyTorch's ``last_epoch`` argument: -1 to start, or the epoch to resume from."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < -1:
        raise ValueError(f"{where}: last_epoch must be an integer >= -1, got {value!r}")
    return int(value)


def _rates(value, count, what, where) -> list:
    """One number >= 0 per parameter group: one for all, or PyTorch's list of one per group."""
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != count:
            raise ValueError(f"{where}: {what} must be one number, or a list of one per "
                             f"parameter group ({count}), got {len(value)} values")
        return [_checks.non_negative(v, what, where) for v in value]
    return [_checks.non_negative(value, what, where)] * count


def _lr_lambdas(lr_lambda, count, where) -> list:
    """One function of the epoch per group: one for all, or PyTorch's list of one per group."""
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != count:
            raise ValueError(f"{where}: lr_lambda must be one function, or a list of one "
                             f"per parameter group ({count}), got {len(lr_lambda)}")
        lr_lambdas = list(lr_lambda)
    else:
        lr_lambdas = [lr_lambda] * count
    for f in lr_lambdas:
        if not callable(f):
            raise TypeError(f"{where}: lr_lambda must be a function of the epoch, got "
                            f"{type(f).__name__}")
    return lr_lambdas


def _momentum_key(optimizer, where) -> str:
    """The group key a cycled momentum goes to: "betas" (its first) or "momentum".

    Raises:
        ValueError: the optimizer has neither, with PyTorch's message.
    """
    keys = optimizer.param_groups[0]
    if "momentum" not in keys and "betas" not in keys:
        raise ValueError(f"{where}: optimizer must support momentum or beta1 with "
                         f"`cycle_momentum` option enabled; {type(optimizer).__name__} has "
                         "neither here (a Keras-style optimizer, made without its "
                         "parameters, has no param_groups momentum): pass "
                         "cycle_momentum=False")
    return "betas" if "betas" in keys else "momentum"


def _give_momenta(optimizer, key, momenta):
    for group, momentum in zip(optimizer.param_groups, momenta):
        if key == "betas":
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum


def _state_number(value, name):
    """One number of a state dict, which ``nn.load`` gives back as a numpy array."""
    array = np.asarray(value)
    if array.shape != () or array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be one number, got {value!r}")
    return array.item()


def _state_count(value, name) -> int:
    number = _state_number(value, name)
    if not (number >= 0 and float(number).is_integer()):
        raise ValueError(f"{name} must be an integer >= 0, got {number!r}")
    return int(number)


class LRScheduler:
    """Base class: ``step()`` moves to the next epoch and sets each parameter group's
    learning rate to its entry of ``get_lr()``, PyTorch's ``LRScheduler``.

    Args:
        optimizer: an ``optim.Optimizer`` whose learning rate is a number.
        last_epoch: -1 (the default) to start; PyTorch's epoch to resume from, which needs
            the groups' ``initial_lr`` (see the module docstring).

    Attributes:
        optimizer: the optimizer whose groups' rates are set.
        base_lrs: each group's ``initial_lr``, a list.
        last_epoch: the epoch whose rate the optimizer holds (0 after the constructor).

    A subclass checks its arguments, calls ``super().__init__(optimizer, last_epoch)`` and
    writes ``get_lr``, the rates for epoch ``last_epoch``, one per group, as in PyTorch;
    and ``_get_closed_form_lr``, the same from ``base_lrs`` alone, where PyTorch has one
    (``step(epoch)`` and ``SequentialLR`` use it).
    """

    # What stepping builds up: the names state_dict saves and load_state_dict restores.
    state_names = ("last_epoch", "base_lrs", "_last_lr")
    # True during the constructor's step, when PyTorch's chained schedulers keep the rate.
    _is_initial = False
    # ReduceLROnPlateau's step takes a metric, which SequentialLR and ChainedScheduler lack.
    _steps_on_a_metric = False

    def __init__(self, optimizer, last_epoch=-1):
        where = type(self).__name__
        last_epoch = _last_epoch(last_epoch, where)
        self.base_lrs = _initial_lrs(optimizer, last_epoch, where)
        self.optimizer = optimizer
        self.last_epoch = last_epoch
        self._initial_step()
        optimizer._initial_lrs = list(self.base_lrs)

    def _initial_step(self):
        """The constructor's step (``SequentialLR`` takes it again for a scheduler it starts)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        """The learning rates for epoch ``last_epoch``, one per parameter group."""
        raise NotImplementedError

    def _lrs(self) -> list:
        """Each group's rate now, which the chained schedulers (StepLR...) change."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self, epoch=None):
        """Move to the next epoch and give the optimizer its learning rate.

        Args:
            epoch: None; PyTorch's deprecated epoch to jump to (an integer >= 0), whose
                rate comes from ``_get_closed_form_lr`` where there is one, with torch's
                warning.
        Raises:
            TypeError: the optimizer's learning rate has become a schedule.
            TypeError, ValueError: the new rate is not a finite number >= 0. Either way
                nothing has changed, ``last_epoch`` included.
        """
        if epoch is not None:
            epoch = _whole(epoch, "epoch", f"{type(self).__name__}.step")
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1  # SWALR counts the calls
        try:
            self._update_lr(epoch)
        except BaseException:
            self._step_count -= 1
            raise

    def _update_lr(self, epoch=None):
        """Move to ``epoch`` (None: the next one) and give the optimizer its rates; a call
        that raises changes nothing."""
        previous = self.last_epoch
        if epoch is None:
            self.last_epoch += 1
        else:
            self.last_epoch = epoch
        try:
            closed_form = epoch is not None and hasattr(self, "_get_closed_form_lr")
            lrs = self._checked_lrs(self._get_closed_form_lr() if closed_form
                                    else self.get_lr())
        except BaseException:
            self.last_epoch = previous
            raise
        _set_group_lrs(self.optimizer, lrs)
        self._last_lr = lrs

    def _checked_lrs(self, lrs) -> list:
        """``lrs`` as floats, if they are one finite number >= 0 per group."""
        where = type(self).__name__
        count = len(_group_lrs(self.optimizer, where))
        lrs = list(lrs)
        if len(lrs) != count:
            raise ValueError(f"{where}.get_lr must give one learning rate per parameter "
                             f"group ({count}), gave {len(lrs)}; a group added after "
                             "the scheduler was made has no base_lr")
        epoch = f"the learning rate for epoch {self.last_epoch}"
        return [_checks.non_negative(lr, epoch + (f" of group {k}" if count > 1 else ""),
                                     where) for k, lr in enumerate(lrs)]

    def get_last_lr(self) -> list:
        """The rates the last ``step()`` (or the constructor) gave, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """What stepping has built up, as plain numbers: ``last_epoch``, ``base_lrs`` and
        ``_last_lr`` (PyTorch's names). The hyper-parameters are the constructor's, as for
        the optimizers' ``state_dict``.

        ``nn.save`` saves it; ``load_state_dict`` restores it.
        """
        state = {}
        for name in self.state_names:
            value = getattr(self, name)
            state[name] = list(value) if isinstance(value, list) else value
        return state

    def load_state_dict(self, state):
        """Restore what ``state_dict`` gave (a dict, or what ``nn.load`` read of it), all or
        nothing, and give the optimizer the rate the scheduler had last set.

        PyTorch restores that rate with the optimizer's state dict; here the state of an
        optimizer with one group holds no hyper-parameters, so the scheduler's carries it.

        Raises:
            ValueError: a name is missing or unexpected, or a value is not what it should be;
                every problem is listed, and nothing has changed.
            TypeError: the optimizer's learning rate has become a schedule.
        """
        where = f"{type(self).__name__}.load_state_dict"
        problems = []
        values = self._loaded_values(state, problems, where)
        if problems:
            raise ValueError(f"{where}: the state does not fit; nothing was loaded:\n  "
                             + "\n  ".join(problems))
        self._restore(values)

    def _loaded_values(self, state, problems, where) -> dict:
        """The checked values of ``state``, each problem appended to ``problems``."""
        count = len(_group_lrs(self.optimizer, where))
        keys = list(state.keys())
        problems += [f"{name} is missing" for name in self.state_names if name not in keys]
        unexpected = [k for k in keys if k not in self.state_names]
        if unexpected:
            problems.append(f"unexpected names {unexpected} (this scheduler's state lists: "
                            f"{list(self.state_names)})")
        values = {}
        for name in self.state_names:
            if name in keys:
                try:
                    values[name] = self._checked_state(name, state[name], count)
                except (TypeError, ValueError) as err:
                    problems.append(str(err))
        return values

    def _restore(self, values):
        """Set what ``_loaded_values`` checked, and give the optimizer the last rates."""
        for name, value in values.items():
            setattr(self, name, value)
        _set_group_lrs(self.optimizer, self._last_lr)

    def _checked_state(self, name, value, count):
        """One value of a state dict, checked and as the scheduler keeps it (``count``: the
        optimizer's number of parameter groups)."""
        if name == "last_epoch":  # -1: a scheduler of a SequentialLR not yet started
            epoch = _state_number(value, name)
            if not (epoch >= -1 and float(epoch).is_integer()):
                raise ValueError(f"{name} must be an integer >= 0 (or -1: not started), got "
                                 f"{epoch!r}")
            return int(epoch)
        if name == "_step_count":
            return _state_count(value, name)
        rates = np.asarray(value)
        if rates.shape != (count,) or rates.dtype.kind not in "iuf" \
                or not all(r >= 0 and math.isfinite(r) for r in rates):
            raise ValueError(f"{name} must be a list of {_numbers(count)} >= 0, got {value!r}")
        return [float(r) for r in rates]
