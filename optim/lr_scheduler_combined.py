"""PyTorch's schedulers made of other schedulers: ``SequentialLR`` (one after the other, at
milestones) and ``ChainedScheduler`` (all of them every epoch), from
``torch.optim.lr_scheduler``.

A warm-up followed by a cosine, PyTorch's usual recipe, reads the same here::

    warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=5)
    cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=95)
    scheduler = lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[5])

Every scheduler of an optimizer shares its groups' ``initial_lr`` as ``base_lrs`` (see
``optim.lr_scheduler_base``), so the cosine starts from the full rate even though the
warm-up had lowered it when the cosine was made.
"""

from __future__ import annotations

from bisect import bisect_right

from .lr_scheduler_base import LRScheduler, _initial_lrs, _last_epoch, _set_group_lrs, _whole


def _checked_schedulers(schedulers, optimizer, where) -> list:
    """The schedulers, if each is an LRScheduler stepped without arguments, of ``optimizer``
    (None: the first one's)."""
    if isinstance(schedulers, (str, bytes)) or not hasattr(schedulers, "__iter__"):
        raise TypeError(f"{where}: schedulers must be a list of schedulers, got "
                        f"{type(schedulers).__name__}")
    schedulers = list(schedulers)
    if not schedulers:
        raise ValueError(f"{where}: schedulers must hold at least one scheduler, got none")
    for k, scheduler in enumerate(schedulers):
        if not isinstance(scheduler, LRScheduler):
            raise TypeError(f"{where}: schedulers[{k}] must be an optim.lr_scheduler "
                            f"scheduler, got {type(scheduler).__name__}")
        if scheduler._steps_on_a_metric:
            raise ValueError(f"{where}: schedulers[{k}] is a {type(scheduler).__name__}, "
                             "whose step needs a metric, which this scheduler does not have")
    optimizer = schedulers[0].optimizer if optimizer is None else optimizer
    for k, scheduler in enumerate(schedulers):
        if scheduler.optimizer is not optimizer:
            raise ValueError(f"{where}: every scheduler must belong to the same optimizer, "
                             f"but schedulers[{k}] ({type(scheduler).__name__}) has another "
                             f"{type(scheduler.optimizer).__name__}")
    return schedulers


class _Composite(LRScheduler):
    """What SequentialLR and ChainedScheduler share: the state of each of their schedulers
    under "_schedulers", saved and restored with their own."""

    def state_dict(self) -> dict:
        """The composite's state, and each scheduler's under "_schedulers", a list."""
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def _loaded_values(self, state, problems, where) -> dict:
        own = {name: value for name, value in state.items() if name != "_schedulers"}
        values = super()._loaded_values(own, problems, where)
        inner = state.get("_schedulers")
        if inner is None:
            problems.append("_schedulers is missing")
        elif len(inner) != len(self._schedulers):
            problems.append(f"_schedulers must hold {len(self._schedulers)} states, got "
                            f"{len(inner)}")
        else:
            values["_schedulers"] = []
            for k, (scheduler, sub) in enumerate(zip(self._schedulers, inner)):
                found = []
                values["_schedulers"].append(scheduler._loaded_values(sub, found, where))
                problems += [f"_schedulers[{k}]: {p}" for p in found]
        return values

    def _restore(self, values):
        """Each scheduler's state, then the composite's, whose rates the optimizer gets."""
        for scheduler, sub in zip(self._schedulers, values.pop("_schedulers")):
            scheduler._restore(sub)
        super()._restore(values)


class SequentialLR(_Composite):
    """The schedulers one after the other: ``schedulers[k]`` from ``milestones[k-1]`` on

    As in PyTorch, the constructor sets each group's rate back to its ``initial_lr``,
    takes back the constructor's step of every scheduler and takes the first one's again.
    At each milestone the next scheduler starts at its epoch 0, from ``base_lrs`` (its
    closed form, where PyTorch has one).

    Args:
        optimizer: the optimizer of every scheduler.
        schedulers: the schedulers (not ReduceLROnPlateau), at least one.
        milestones: the epochs at which each next scheduler starts, one fewer than the
            schedulers, integers >= 0 in increasing order (PyTorch does not check the order,
            which its bisection needs).
        last_epoch: -1 to start (default), or PyTorch's epoch to resume from.
    """

    state_names = ("last_epoch", "_last_lr")

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        where = "SequentialLR"
        self._schedulers = _checked_schedulers(schedulers, optimizer, where)
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(f"{where}: milestones must be a list of epochs, got "
                            f"{type(milestones).__name__}")
        milestones = [_whole(m, f"milestones[{k}]", where) for k, m in enumerate(milestones)]
        if len(milestones) != len(self._schedulers) - 1:
            raise ValueError(f"{where}: expects number of schedulers provided to be one more "
                             f"than the number of milestone points, but got number of "
                             f"schedulers {len(self._schedulers)} and the number of "
                             f"milestones to be equal to {len(milestones)}")
        if milestones != sorted(milestones):
            raise ValueError(f"{where}: milestones must be in increasing order, got "
                             f"{milestones}")
        self._milestones = milestones
        initial_lrs = _initial_lrs(optimizer, 0, where)
        self.last_epoch = _last_epoch(last_epoch, where) + 1
        self.optimizer = optimizer
        _set_group_lrs(optimizer, initial_lrs)
        self._undo_steps(self)
        first = self._schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_steps(self, scheduler):
        """Take back the constructor's step of every scheduler inside ``scheduler``."""
        stack = [scheduler]
        while stack:
            s = stack.pop()
            if hasattr(s, "_schedulers"):
                stack.extend(s._schedulers)
            elif hasattr(s, "last_epoch"):
                s.last_epoch -= 1

    def step(self):
        """Move to the next epoch: the scheduler whose turn it is takes a step, or starts at
        its epoch 0 at its milestone. A step that raises changes nothing."""
        epoch = self.last_epoch + 1
        k = bisect_right(self._milestones, epoch)
        scheduler = self._schedulers[k]
        if k > 0 and self._milestones[k - 1] == epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self.last_epoch = epoch
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    """Every scheduler steps, in order, at each epoch: their changes multiply.

    As in PyTorch, the constructor takes no step (each scheduler has taken its own).

    Args:
        schedulers: the schedulers (not ReduceLROnPlateau), at least one, of one optimizer.
        optimizer: that optimizer, or None (the default) for the first scheduler's.
    """

    state_names = ("_last_lr",)

    def __init__(self, schedulers, optimizer=None):
        self._schedulers = _checked_schedulers(schedulers, optimizer, "ChainedScheduler")
        self.optimizer = self._schedulers[0].optimizer
        self._last_lr = self._lrs()

    def step(self):
        """Step every scheduler. If one raises, those before it are taken back: nothing
        has changed."""
        saved = self.state_dict()
        try:
            for scheduler in self._schedulers:
                scheduler.step()
        except BaseException:
            self.load_state_dict(saved)
            raise
        self._last_lr = self._lrs()
