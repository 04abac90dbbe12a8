"""Adagrad: each parameter's step shrinks with the sum of its squared gradients so far."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """s <- s + g**2;   p <- p - lr * g / sqrt(s + eps)

    Keras's formula: ``s`` starts at ``initial_accumulator_value`` and ``eps`` is inside the
    square root (PyTorch starts at 0 and adds eps outside). Parameters with large or
    frequent gradients get smaller steps. Keras's defaults: ``learning_rate=0.001,
    initial_accumulator_value=0.1, epsilon=1e-7``.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        initial_accumulator_value: the starting value of ``s``, >= 0.
        epsilon: added to ``s`` under the root, >= 0.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).
    """

    def __init__(self, params=None, learning_rate=0.001, *, initial_accumulator_value=0.1,
                 epsilon=1e-7, lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None):
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.initial_accumulator_value = _checks.non_negative(
            initial_accumulator_value, "initial_accumulator_value", "Adagrad")
        self.epsilon = _checks.non_negative(epsilon, "epsilon", "Adagrad")
        self.accumulators = []  # s, aligned with params

    state_names = ("accumulators",)

    def init_state(self, p):
        self.accumulators.append(np.full(p.shape, self.initial_accumulator_value, p.dtype))

    def update(self, i, p, g, lr):
        for p_b, g_b, s, work in self.blocks(p, g, self.accumulators[i]):
            s += np.square(g_b, out=work)                          # s <- s + g**2
            delta = np.sqrt(np.add(s, self.epsilon, out=work), out=work)
            delta = np.divide(g_b, delta, out=work)
            delta *= lr
            p_b -= delta                                           # p <- p - lr*g/sqrt(s+eps)

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
