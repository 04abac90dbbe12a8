"""Learning-rate schedules: the learning rate as a function of the update count.

A schedule is passed as ``learning_rate``; the optimizer calls it with ``iterations`` (0 for
the first update) before each update, as Keras's ``LearningRateSchedule`` is called. Any
callable of the step works the same way (``SGD(lambda step: 0.1 / (1 + step))``); the
optimizer refuses a rate that is not a finite number >= 0, naming the step.

>>> schedule = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
>>> schedule(0), schedule(100), schedule(200)
(0.1, 0.05, 0.025)
"""

from __future__ import annotations

import bisect
import math
import numbers

from . import _checks


def _step(step, where):
    step = float(step)
    if step < 0:
        raise ValueError(f"{where}: the step must be >= 0, got {step}")
    return step


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate`` (a Python float)."""

    def __call__(self, step) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        return dict(vars(self))

    @classmethod
    def from_config(cls, config):
        """The schedule that ``get_config`` describes: ``cls(**config)``, as Keras's."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """lr(step) = initial_learning_rate * decay_rate ** (step / decay_steps)

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the number of steps over which the rate is multiplied by decay_rate.
        decay_rate: the factor per ``decay_steps`` steps, >= 0.
        staircase: use ``step // decay_steps`` (the rate drops in jumps), as Keras.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
        where = "ExponentialDecay"
        self.initial_learning_rate = _checks.non_negative(initial_learning_rate,
                                                          "initial_learning_rate", where)
        self.decay_steps = _checks.positive_int(decay_steps, "decay_steps", where)
        self.decay_rate = _checks.non_negative(decay_rate, "decay_rate", where)
        self.staircase = bool(staircase)

    def __call__(self, step) -> float:
        p = _step(step, "ExponentialDecay") / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p


class StepDecay(LearningRateSchedule):
    """lr(step) = initial_learning_rate * gamma ** (step // step_size)   (torch's StepLR)

    Args:
        initial_learning_rate: the learning rate for the first ``step_size`` steps.
        step_size: the number of steps between two drops.
        gamma: the factor applied at each drop, >= 0.
    """

    def __init__(self, initial_learning_rate, step_size, gamma=0.1):
        where = "StepDecay"
        self.initial_learning_rate = _checks.non_negative(initial_learning_rate,
                                                          "initial_learning_rate", where)
        self.step_size = _checks.positive_int(step_size, "step_size", where)
        self.gamma = _checks.non_negative(gamma, "gamma", where)

    def __call__(self, step) -> float:
        drops = math.floor(_step(step, "StepDecay") / self.step_size)
        return self.initial_learning_rate * self.gamma ** drops


class CosineDecay(LearningRateSchedule):
    """lr(step) = decay_from * ((1-alpha) * (1 + cos(pi * min(step, decay_steps)
    / decay_steps)) / 2 + alpha)

    Half a cosine from ``decay_from`` down to ``alpha * decay_from`` over ``decay_steps``
    steps, then constant (Keras's CosineDecay). Without ``warmup_target``, ``decay_from``
    is ``initial_learning_rate``. With it, a linear warm-up comes first,
    ``lr(step) = initial_learning_rate + (warmup_target - initial_learning_rate) * step /
    warmup_steps`` for ``step < warmup_steps``, and the cosine then runs from
    ``decay_from = warmup_target`` on ``step - warmup_steps``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the number of steps to decay over.
        alpha: the final learning rate, as a fraction of ``decay_from``, in [0, 1].
        name: Keras's name of the schedule (kept in the config only).
        warmup_target: the learning rate reached at the end of the warm-up, >= 0, or None
            for no warm-up.
        warmup_steps: the number of warm-up steps, an integer >= 0.

    >>> s = CosineDecay(0.0, decay_steps=10, warmup_target=0.1, warmup_steps=5)
    >>> s(0), s(4), s(5), s(15)
    (0.0, 0.08000000000000002, 0.1, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        where = "CosineDecay"
        self.initial_learning_rate = _checks.non_negative(initial_learning_rate,
                                                          "initial_learning_rate", where)
        self.decay_steps = _checks.positive_int(decay_steps, "decay_steps", where)
        self.alpha = _checks.in_unit_interval(alpha, "alpha", where, include_one=True)
        self.name = _name(name, where)
        self.warmup_target = None if warmup_target is None else _checks.non_negative(
            warmup_target, "warmup_target", where)
        self.warmup_steps = _non_negative_int(warmup_steps, "warmup_steps", where)

    def __call__(self, step) -> float:
        step = _step(step, "CosineDecay")
        if self.warmup_target is None:
            return self._decayed(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return delta * (step / self.warmup_steps) + self.initial_learning_rate
        return self._decayed(step - self.warmup_steps, self.warmup_target)

    def _decayed(self, step, decay_from):
        cosine = 0.5 * (1.0 + math.cos(math.pi * (step / self.decay_steps)))
        return decay_from * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        config = dict(vars(self))
        if self.warmup_target is None and not self.warmup_steps and self.name == "CosineDecay":
            for key in ("name", "warmup_target", "warmup_steps"):
                del config[key]
        return config


class PiecewiseConstantDecay(LearningRateSchedule):
    """lr(step) = values[k],  k = the number of boundaries below step

    ``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while ``boundaries[0] <
    step <= boundaries[1]``, ..., ``values[-1]`` once ``step > boundaries[-1]``
    (Keras's PiecewiseConstantDecay).

    Args:
        boundaries: strictly increasing step numbers.
        values: the learning rates, each >= 0, one more than ``boundaries``.
        name: Keras's name of the schedule (kept in the config only).

    >>> s = PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    >>> s(100000), s(100001), s(110001)
    (1.0, 0.5, 0.1)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        where = "PiecewiseConstantDecay"
        boundaries, values = _sequence(boundaries, "boundaries", where), \
            _sequence(values, "values", where)
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"{where}: the length of boundaries should be 1 less than the "
                             f"length of values, got boundaries={boundaries} of length "
                             f"{len(boundaries)} and values={values} of length {len(values)}")
        boundaries = [_checks.number(b, f"boundaries[{k}]", where)
                      for k, b in enumerate(boundaries)]
        for k in range(1, len(boundaries)):
            if boundaries[k] <= boundaries[k - 1]:
                raise ValueError(f"{where}: boundaries must be strictly increasing, got "
                                 f"boundaries[{k - 1}]={boundaries[k - 1]} and "
                                 f"boundaries[{k}]={boundaries[k]}")
        self.boundaries = boundaries
        self.values = [_checks.non_negative(v, f"values[{k}]", where)
                       for k, v in enumerate(values)]
        self.name = _name(name, where)

    def __call__(self, step) -> float:
        step = _step(step, "PiecewiseConstantDecay")
        return self.values[bisect.bisect_left(self.boundaries, step)]


class PolynomialDecay(LearningRateSchedule):
    """lr(step) = (initial_learning_rate - end_learning_rate) * (1 - step/decay_steps)**power
    + end_learning_rate

    with ``step = min(step, decay_steps)``; or, with ``cycle``, ``decay_steps`` replaced by
    its first multiple at or above ``step`` (``decay_steps`` at step 0), so the decay
    restarts from ``initial_learning_rate`` over ever longer spans (Keras's PolynomialDecay).

    Args:
        initial_learning_rate: the learning rate at step 0, >= 0.
        decay_steps: the number of steps to decay over, a positive integer.
        end_learning_rate: the learning rate reached at ``decay_steps``, >= 0.
        power: the power of the polynomial, >= 0 (1: linear).
        cycle: restart the decay beyond ``decay_steps``, as above.
        name: Keras's name of the schedule (kept in the config only).

    >>> s = PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01)
    >>> s(0), s(5), s(10), s(20)
    (0.1, 0.05500000000000001, 0.01, 0.01)
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        where = "PolynomialDecay"
        self.initial_learning_rate = _checks.non_negative(initial_learning_rate,
                                                          "initial_learning_rate", where)
        self.decay_steps = _checks.positive_int(decay_steps, "decay_steps", where)
        self.end_learning_rate = _checks.non_negative(end_learning_rate, "end_learning_rate",
                                                      where)
        self.power = _checks.non_negative(power, "power", where)
        self.cycle = bool(cycle)
        self.name = _name(name, where)

    def __call__(self, step) -> float:
        step = _step(step, "PolynomialDecay")
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return ((self.initial_learning_rate - self.end_learning_rate) * (1.0 - p) ** self.power
                + self.end_learning_rate)


class InverseTimeDecay(LearningRateSchedule):
    """lr(step) = initial_learning_rate / (1 + decay_rate * step / decay_steps)

    (Keras's InverseTimeDecay); with ``staircase``, ``floor(step / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0, >= 0.
        decay_steps: how often the decay is applied, a number > 0 (Keras's example uses 1.0).
        decay_rate: >= 0.
        staircase: decay at whole multiples of ``decay_steps`` only.
        name: Keras's name of the schedule (kept in the config only).

    >>> InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)(2)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        where = "InverseTimeDecay"
        self.initial_learning_rate = _checks.non_negative(initial_learning_rate,
                                                          "initial_learning_rate", where)
        self.decay_steps = _positive(decay_steps, "decay_steps", where)
        self.decay_rate = _checks.non_negative(decay_rate, "decay_rate", where)
        self.staircase = bool(staircase)
        self.name = _name(name, where)

    def __call__(self, step) -> float:
        p = _step(step, "InverseTimeDecay") / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)


class CosineDecayRestarts(LearningRateSchedule):
    """lr(step) = initial_learning_rate * ((1-alpha) * m_mul**i * (1 + cos(pi * f)) / 2
    + alpha)

    SGDR (Loshchilov and Hutter, 2017), Keras's CosineDecayRestarts: cosine decays from
    ``initial_learning_rate`` over ``first_decay_steps`` steps, each restarted at
    ``m_mul`` times the previous peak and lasting ``t_mul`` times longer. With ``s = step /
    first_decay_steps``, the period is ``i = floor(s)`` and ``f = s - i`` when ``t_mul ==
    1``; else ``i = floor(log(1 - s*(1 - t_mul)) / log(t_mul))`` and ``f = (s - (1 -
    t_mul**i)/(1 - t_mul)) / t_mul**i``.

    Args:
        initial_learning_rate: the learning rate at step 0, >= 0.
        first_decay_steps: the length of the first period, a positive integer.
        t_mul: the factor on each period's length, > 0.
        m_mul: the factor on each period's peak, >= 0.
        alpha: the lowest rate, as a fraction of ``initial_learning_rate``, in [0, 1].
        name: Keras's name of the schedule (kept in the config only).

    >>> s = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    >>> s(0), s(10), s(30)
    (1.0, 0.5, 0.25)
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        where = "CosineDecayRestarts"
        self.initial_learning_rate = _checks.non_negative(initial_learning_rate,
                                                          "initial_learning_rate", where)
        self.first_decay_steps = _checks.positive_int(first_decay_steps, "first_decay_steps",
                                                      where)
        self.t_mul = _positive(t_mul, "t_mul", where)
        self.m_mul = _checks.non_negative(m_mul, "m_mul", where)
        self.alpha = _checks.in_unit_interval(alpha, "alpha", where, include_one=True)
        self.name = _name(name, where)

    def __call__(self, step) -> float:
        fraction = _step(step, "CosineDecayRestarts") / self.first_decay_steps
        t_mul = self.t_mul
        if t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul ** restart) / (1.0 - t_mul)    # periods before this one
            fraction = (fraction - done) / t_mul ** restart
        cosine = 0.5 * self.m_mul ** restart * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)


def _name(name, where):
    if not isinstance(name, str):
        raise TypeError(f"{where}: name must be a string, got {type(name).__name__} {name!r}")
    return name


def _positive(value, what, where) -> float:
    value = _checks.number(value, what, where)
    if value <= 0:
        raise ValueError(f"{where}: {what} must be > 0, got {value}")
    return value


def _non_negative_int(value, what, where) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{where}: {what} must be an integer >= 0, got {value!r}")
    return int(value)


def _sequence(value, what, where) -> list:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{where}: {what} must be a list of numbers, got "
                        f"{type(value).__name__} {value!r}")
    return list(value)
