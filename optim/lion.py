"""Lion: momentum whose sign is the step, in Keras's form (Chen et al., 2023)."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer, _is_learning_rate


def keras_only(where, learning_rate):
    """Refuse parameters as the first argument: Keras's optimizer, which torch.optim does not
    have, is made without them (``Lion(0.001)``, ``compile``, ``apply_gradients``)."""
    if not _is_learning_rate(learning_rate):
        raise TypeError(f"{where}: this is Keras's optimizer (torch.optim has none), made "
                        f"without parameters: {where}(learning_rate=...), then "
                        "apply_gradients/minimize or compile; got "
                        f"{type(learning_rate).__name__} as learning_rate")


def keras_weight_decay(weight_decay, where):
    """Keras's ``weight_decay``: None, or a number >= 0 (the decoupled decay)."""
    return None if weight_decay is None else _checks.non_negative(weight_decay,
                                                                  "weight_decay", where)


class Lion(Optimizer):
    """p <- p - lr * sign(b1*m + (1-b1)*g);   m <- b2*m + (1-b2)*g

    EvoLved Sign Momentum (Chen et al., 2023), Keras's ``Lion``: every element moves by
    exactly ``lr`` (or 0), in the direction of an interpolation between the momentum and the
    gradient; the momentum itself then decays with the slower ``b2``. Keras's
    ``weight_decay`` shrinks ``p <- p - lr*weight_decay*p`` first (decoupled, as in the
    paper's AdamW-style decay).

    Keras's defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.99``. Keras style only:
    torch.optim has no Lion.

    Args:
        learning_rate: a number >= 0 or a schedule.
        beta_1: the interpolation of the step, in (0, 1] (0 would be sign SGD).
        beta_2: the decay of the momentum, in [0, 1].
        weight_decay: Keras's decoupled decay, >= 0, or None.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0, 0.5])
    >>> Lion(0.1).apply_gradients([(ag.constant([0.5, -2.0, 0.0]), w)])
    >>> w.numpy()
    array([ 0.9, -0.9,  0.5], dtype=float32)
    """

    state_names = ("momentums",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, *, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None):
        where = "Lion"
        keras_only(where, learning_rate)
        beta_1 = _checks.number(beta_1, "beta_1", where)
        if not 0.0 < beta_1 <= 1.0:
            raise ValueError(f"{where}: beta_1 must be in (0, 1] (0 degenerates to sign "
                             f"SGD), got {beta_1}")
        self.beta_1 = beta_1
        self.beta_2 = _checks.in_unit_interval(beta_2, "beta_2", where, include_one=True)
        self.weight_decay = keras_weight_decay(weight_decay, where)
        super().__init__(None, learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm)
        self.momentums = []

    def init_state(self, p):
        super().init_state(p)
        self.momentums.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        b1, b2 = self.beta_1, self.beta_2
        if self.weight_decay:
            self.scale(p, 1.0 - lr * self.weight_decay)        # p <- p - lr*weight_decay*p
        for p_b, g_b, m, work in self.blocks(p, g, self.momentums[i]):
            c = np.multiply(m, b1, out=work)
            c += (1.0 - b1) * g_b                               # c = b1*m + (1-b1)*g
            np.sign(c, out=c)
            c *= lr
            p_b -= c                                            # p <- p - lr*sign(c)
            m *= b2
            m += (1.0 - b2) * g_b                               # m <- b2*m + (1-b2)*g

    def get_config(self):
        config = {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
        if self.weight_decay is not None:
            config["weight_decay"] = self.weight_decay
        return config
