"""Adagrad: each parameter's step shrinks with the sum of its squared gradients so far."""

from __future__ import annotations

import numpy as np

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
        if not initial_accumulator_value >= 0.0:
            raise ValueError("Adagrad: initial_accumulator_value must be >= 0, got "
                             f"{initial_accumulator_value}")
        if not epsilon >= 0.0:
            raise ValueError(f"Adagrad: epsilon must be >= 0, got {epsilon}")
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)
        self.accumulators = []  # s, aligned with params

    def init_state(self, p):
        self.accumulators.append(np.full(p.shape, self.initial_accumulator_value, p.dtype))

    def update(self, i, p, g, lr):
        for p_b, g_b, s, step in self.blocks(p, g, self.accumulators[i]):
            s += np.square(g_b, out=step)
            denominator = np.add(s, self.epsilon, out=step)
            step = np.divide(g_b, np.sqrt(denominator, out=step), out=step)
            step *= lr
            p_b -= step

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
