"""LAMB: Adam's step rescaled per parameter by the trust ratio ||p|| / ||step||, in Keras's
form (You et al., 2020)."""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .lion import keras_only, keras_weight_decay
from .optimizer import Optimizer


class Lamb(Optimizer):
    """u = m_hat / (sqrt(v_hat) + eps);   p <- p - lr * (||p|| / ||u||) * u

    Layer-wise Adaptive Moments (You et al., 2020), Keras's ``Lamb``: Adam's moments
    ``m <- m + (1-b1)*(g - m)``, ``v <- v + (1-b2)*(g**2 - v)``, their bias corrections
    ``m_hat = m/(1 - b1**t)``, ``v_hat = v/(1 - b2**t)`` with ``t = iterations + 1``, and
    the step scaled so that its norm is the parameter's (the trust ratio is 1 when either
    norm is 0). Keras's ``weight_decay`` shrinks ``p <- p - lr*weight_decay*p`` first,
    outside the trust ratio.

    Keras's defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7``.
    Keras style only: torch.optim has no Lamb.

    Args:
        learning_rate: a number >= 0 or a schedule.
        beta_1, beta_2: the decays of the running means of g and g**2, in [0, 1).
        epsilon: >= 0, added to ``sqrt(v_hat)``.
        weight_decay: Keras's decoupled decay, >= 0, or None.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([3.0, 4.0])
    >>> Lamb(0.1).apply_gradients([(ag.constant([1.0, 0.0]), w)])  # u ~ (1, 0), ratio 5
    >>> w.numpy().round(4)
    array([2.5, 4. ], dtype=float32)
    """

    state_names = ("momentums", "velocities")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, *,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None):
        where = "Lamb"
        keras_only(where, learning_rate)
        self.beta_1 = _checks.in_unit_interval(beta_1, "beta_1", where, include_one=False)
        self.beta_2 = _checks.in_unit_interval(beta_2, "beta_2", where, include_one=False)
        self.epsilon = _checks.non_negative(epsilon, "epsilon", where)
        self.weight_decay = keras_weight_decay(weight_decay, where)
        super().__init__(None, learning_rate, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm)
        self.momentums = []
        self.velocities = []

    def init_state(self, p):
        super().init_state(p)
        self.momentums.append(np.zeros(p.shape, p.dtype))
        self.velocities.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        b1, b2 = self.beta_1, self.beta_2
        t = self.iterations + 1
        if self.weight_decay:
            self.scale(p, 1.0 - lr * self.weight_decay)        # p <- p - lr*weight_decay*p
        # The trust ratio needs the norm of the whole step before any of it is applied.
        u_all = self._workspace.buffer(("lamb", i), p.shape, p.dtype)
        for _, g_b, m, v, u, work in self.blocks(p, g, self.momentums[i], self.velocities[i],
                                                 u_all):
            m += np.multiply(np.subtract(g_b, m, out=work), 1.0 - b1, out=work)
            v += np.multiply(np.subtract(np.square(g_b, out=work), v, out=work), 1.0 - b2,
                             out=work)
            denominator = np.sqrt(np.divide(v, 1.0 - b2 ** t, out=work), out=work)
            denominator += self.epsilon                         # sqrt(v_hat) + eps
            np.divide(np.divide(m, 1.0 - b1 ** t, out=u), denominator, out=u)
        p_norm = math.sqrt(float(np.sum(np.square(p, dtype=np.float64))))
        u_norm = math.sqrt(float(np.sum(np.square(u_all, dtype=np.float64))))
        ratio = p_norm / u_norm if p_norm > 0 and u_norm > 0 else 1.0
        self.add_scaled(p, -ratio * lr, u_all)                  # p <- p - lr*ratio*u

    def get_config(self):
        config = {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                  "epsilon": self.epsilon}
        if self.weight_decay is not None:
            config["weight_decay"] = self.weight_decay
        return config
