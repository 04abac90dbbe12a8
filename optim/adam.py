"""Adam and AdamW: momentum on the gradient, scaled by a running RMS, with bias correction."""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .optimizer import Optimizer


class Adam(Optimizer):
    """m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g**2;  p <- p - alpha_t * m / (sqrt(v) + eps)

    with ``alpha_t = lr * sqrt(1 - b2**t) / (1 - b1**t)`` and ``t = iterations + 1``. This is
    Kingma and Ba's efficient form (end of their section 2), which Keras uses: the bias
    corrections ``m_hat = m / (1 - b1**t)`` and ``v_hat = v / (1 - b2**t)`` are folded into
    the step size, so ``eps`` ("epsilon hat") is added to the uncorrected ``sqrt(v)``
    (PyTorch adds it to ``sqrt(v_hat)``; the two agree up to the size of eps). ``amsgrad``
    divides by the largest ``v`` seen so far, ``v_max <- max(v_max, v)``. Keras's defaults:
    ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False``.

    There is no ``weight_decay``: Keras's ``Adam(weight_decay=)`` is AdamW's decoupled
    decay, PyTorch's adds ``weight_decay*p`` to the gradient (L2). Use ``AdamW`` for the
    first, an L2 term in the loss for the second.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        beta_1: the decay of the running mean of the gradients, in [0, 1).
        beta_2: the decay of the running mean of the squared gradients, in [0, 1).
        epsilon: added to ``sqrt(v)`` so a zero gradient history does not divide by zero.
        amsgrad: use the running maximum of ``v`` (Reddi et al., 2018).
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = Adam(0.1)
    >>> opt.apply_gradients([(ag.constant([0.5, -2.0]), w)])  # first step: ~lr * sign(g)
    >>> w.numpy().round(4)
    array([ 0.9, -0.9], dtype=float32)
    """

    def __init__(self, params=None, learning_rate=0.001, *, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, lr=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        where = type(self).__name__
        self.beta_1 = _checks.in_unit_interval(beta_1, "beta_1", where, include_one=False)
        self.beta_2 = _checks.in_unit_interval(beta_2, "beta_2", where, include_one=False)
        self.epsilon = _checks.non_negative(epsilon, "epsilon", where)
        self.amsgrad = bool(amsgrad)
        # State lists aligned with params: m and v always, v_max with amsgrad.
        self.momentums = []
        self.velocities = []
        self.velocity_maxes = []

    @property
    def state_names(self):
        return ("momentums", "velocities") + (("velocity_maxes",) if self.amsgrad else ())

    def init_state(self, p):
        self.momentums.append(np.zeros(p.shape, p.dtype))
        self.velocities.append(np.zeros(p.shape, p.dtype))
        if self.amsgrad:
            self.velocity_maxes.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        b1, b2 = self.beta_1, self.beta_2
        t = self.iterations + 1
        # Kingma and Ba's alpha_t: both bias corrections folded into the step size.
        alpha_t = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        v_max_all = self.velocity_maxes[i] if self.amsgrad else None
        for p_b, g_b, m, v, v_max, work in self.blocks(p, g, self.momentums[i],
                                                       self.velocities[i], v_max_all):
            m *= b1                                             # m <- b1*m + (1-b1)*g
            m += np.multiply(g_b, 1.0 - b1, out=work)
            v *= b2                                             # v <- b2*v + (1-b2)*g**2
            v += np.multiply(np.square(g_b, out=work), 1.0 - b2, out=work)
            if v_max is not None:
                v = np.maximum(v_max, v, out=v_max)             # v_max <- max(v_max, v)
            denominator = np.sqrt(v, out=work)
            denominator += self.epsilon
            delta = np.divide(m, denominator, out=work)
            delta *= alpha_t
            p_b -= delta                                # p <- p - alpha_t*m/(sqrt(v) + eps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """p <- p - lr*weight_decay*p;   then Adam's update

    Adam with decoupled weight decay (Loshchilov and Hutter, 2019): the parameters shrink
    toward zero by ``lr*weight_decay`` of themselves each update, apart from the gradient,
    so the decay is not rescaled by Adam's ``1/sqrt(v)`` as an L2 term in the loss would
    be. Keras's defaults: ``learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
    beta_2=0.999, epsilon=1e-7, amsgrad=False``.

    Args:
        weight_decay: the decay rate, >= 0.
        The others as for ``Adam``.
    """

    def __init__(self, params=None, learning_rate=0.001, *, weight_decay=0.004, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-7, amsgrad=False, lr=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None):
        super().__init__(params, learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.weight_decay = _checks.non_negative(weight_decay, "weight_decay", "AdamW")

    def update(self, i, p, g, lr):
        self.scale(p, 1.0 - lr * self.weight_decay)  # p <- p - lr*weight_decay*p
        super().update(i, p, g, lr)

    def get_config(self):
        return {**super().get_config(), "weight_decay": self.weight_decay}
