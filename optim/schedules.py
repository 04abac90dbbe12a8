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

import math

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
    """lr(step) = initial_learning_rate * ((1-alpha) * (1 + cos(pi * min(step, decay_steps)
    / decay_steps)) / 2 + alpha)

    Half a cosine from ``initial_learning_rate`` down to ``alpha * initial_learning_rate``
    over ``decay_steps`` steps, then constant (Keras's CosineDecay, without warm-up).

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the number of steps to decay over.
        alpha: the final learning rate, as a fraction of the initial one, in [0, 1].
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0):
        where = "CosineDecay"
        self.initial_learning_rate = _checks.non_negative(initial_learning_rate,
                                                          "initial_learning_rate", where)
        self.decay_steps = _checks.positive_int(decay_steps, "decay_steps", where)
        self.alpha = _checks.in_unit_interval(alpha, "alpha", where, include_one=True)

    def __call__(self, step) -> float:
        fraction = min(_step(step, "CosineDecay"), self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)
