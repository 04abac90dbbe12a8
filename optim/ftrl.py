"""FTRL-Proximal: follow the regularized leader, with L1 and L2 terms, in Keras's form
(McMahan et al., 2013)."""

from __future__ import annotations

import numpy as np

from . import _checks
from .lion import keras_only, keras_weight_decay
from .optimizer import Optimizer


class Ftrl(Optimizer):
    """n' = n + g**2;  z <- z + g_s - (n'**-lr_power - n**-lr_power)/lr * p;
    p <- (clip(z, -l1, l1) - z) / (n'**-lr_power/lr + 2*l2);  n <- n'

    Keras's ``Ftrl``, McMahan et al.'s per-coordinate FTRL-Proximal: ``z`` ("linear")
    gathers the gradients minus the proximal pull toward past iterates, and ``p`` is the
    closed-form minimizer of the linearized loss plus the L1 and L2 terms, exactly 0 where
    ``|z| <= l1``. ``n`` ("accumulator") starts at ``initial_accumulator_value``; ``g_s = g
    + 2*l2_shrinkage*p`` is the gradient with the shrinkage (an L2 term of the loss), which
    enters ``z`` but not ``n``; and ``l2`` here is ``l2_regularization_strength +
    beta/(2*lr)``. Keras's ``weight_decay`` shrinks ``p <- p - lr*weight_decay*p`` first.

    Keras's defaults: ``learning_rate=0.001, learning_rate_power=-0.5,
    initial_accumulator_value=0.1, l1_regularization_strength=0.0,
    l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0, beta=0.0``.
    Keras style only: torch.optim has no FTRL. A learning rate of 0 divides by 0, as in
    Keras.

    Args:
        learning_rate: a number >= 0 or a schedule.
        learning_rate_power: <= 0; 0 gives a fixed rate, -0.5 Adagrad-like decay.
        initial_accumulator_value: the starting value of ``n``, >= 0.
        l1_regularization_strength, l2_regularization_strength: >= 0.
        l2_shrinkage_regularization_strength: >= 0, the magnitude penalty above.
        beta: the paper's beta, >= 0.
        weight_decay: Keras's decoupled decay, >= 0, or None.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([0.0, 0.0])
    >>> Ftrl(0.1, l1_regularization_strength=0.5).apply_gradients(
    ...     [(ag.constant([1.0, -0.2]), w)])   # |z| <= l1 leaves the second at 0
    >>> w.numpy().round(4)
    array([-0.0477,  0.    ], dtype=float32)
    """

    state_names = ("accumulators", "linears")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, *, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        where = "Ftrl"
        keras_only(where, learning_rate)
        power = _checks.number(learning_rate_power, "learning_rate_power", where)
        if power > 0:
            raise ValueError(f"{where}: learning_rate_power must be <= 0, got {power}")
        self.learning_rate_power = power
        self.initial_accumulator_value = _checks.non_negative(
            initial_accumulator_value, "initial_accumulator_value", where)
        self.l1_regularization_strength = _checks.non_negative(
            l1_regularization_strength, "l1_regularization_strength", where)
        self.l2_regularization_strength = _checks.non_negative(
            l2_regularization_strength, "l2_regularization_strength", where)
        self.l2_shrinkage_regularization_strength = _checks.non_negative(
            l2_shrinkage_regularization_strength, "l2_shrinkage_regularization_strength", where)
        self.beta = _checks.non_negative(beta, "beta", where)
        self.weight_decay = keras_weight_decay(weight_decay, where)
        super().__init__(None, learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm)
        self.accumulators = []  # n
        self.linears = []       # z

    def init_state(self, p):
        super().init_state(p)
        self.accumulators.append(np.full(p.shape, self.initial_accumulator_value, p.dtype))
        self.linears.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrinkage = 2.0 * self.l2_shrinkage_regularization_strength
        if self.weight_decay:
            self.scale(p, 1.0 - lr * self.weight_decay)        # p <- p - lr*weight_decay*p
        for p_b, g_b, n, z, work in self.blocks(p, g, self.accumulators[i], self.linears[i]):
            n_new = n + np.square(g_b)                          # n' = n + g**2
            n_new_power = n_new ** power
            sigma = np.subtract(n_new_power, n ** power, out=work)
            sigma /= lr                                         # (n'**-lr_power - n**...)/lr
            z += g_b + shrinkage * p_b - sigma * p_b            # z <- z + g_s - sigma*p
            quadratic = n_new_power / lr + 2.0 * l2
            np.divide(np.clip(z, -l1, l1, out=work) - z, quadratic, out=p_b)
            n[...] = n_new

    def get_config(self):
        config = {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                  "initial_accumulator_value": self.initial_accumulator_value,
                  "l1_regularization_strength": self.l1_regularization_strength,
                  "l2_regularization_strength": self.l2_regularization_strength,
                  "l2_shrinkage_regularization_strength":
                      self.l2_shrinkage_regularization_strength,
                  "beta": self.beta}
        if self.weight_decay is not None:
            config["weight_decay"] = self.weight_decay
        return config
