"""RMSprop: divide each gradient by a running root-mean-square of its recent values."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """s <- rho*s + (1-rho)*g**2;   p <- p - lr * g / sqrt(s + eps)

    Keras's formula, with ``eps`` inside the square root (PyTorch puts it outside).
    ``centered`` divides by an estimate of the variance instead,
    ``sqrt(s - a**2 + eps)`` with ``a <- rho*a + (1-rho)*g``; ``momentum`` accumulates
    the steps, ``m <- momentum*m + lr*g/sqrt(...); p <- p - m``. Keras's defaults:
    ``learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False``.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        rho: the decay of the running mean of squared gradients, in [0, 1).
        momentum: in [0, 1]; 0 for none.
        epsilon: added to the mean square under the root, so a zero gradient history does
            not divide by zero.
        centered: subtract the squared running mean of the gradients.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).
    """

    def __init__(self, params=None, learning_rate=0.001, *, rho=0.9, momentum=0.0,
                 epsilon=1e-7, centered=False, lr=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.rho = _checks.in_unit_interval(rho, "rho", "RMSprop", include_one=False)
        self.momentum = _checks.in_unit_interval(momentum, "momentum", "RMSprop",
                                                 include_one=True)
        self.epsilon = _checks.non_negative(epsilon, "epsilon", "RMSprop")
        self.centered = bool(centered)
        # State lists aligned with params: s always, m with momentum, a when centered.
        self.mean_squares = []
        self.momentums = []
        self.mean_grads = []

    @property
    def state_names(self):
        return (("mean_squares",) + (("momentums",) if self.momentum else ())
                + (("mean_grads",) if self.centered else ()))

    def init_state(self, p):
        self.mean_squares.append(np.zeros(p.shape, p.dtype))
        if self.momentum:
            self.momentums.append(np.zeros(p.shape, p.dtype))
        if self.centered:
            self.mean_grads.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        rho = self.rho
        a_all = self.mean_grads[i] if self.centered else None
        m_all = self.momentums[i] if self.momentum else None
        for p_b, g_b, s, a, m, work in self.blocks(p, g, self.mean_squares[i], a_all, m_all):
            s *= rho                                            # s <- rho*s + (1-rho)*g**2
            s += np.multiply(np.square(g_b, out=work), 1.0 - rho, out=work)
            if a is None:
                denominator = np.add(s, self.epsilon, out=work)         # s + eps
            else:
                a *= rho                                        # a <- rho*a + (1-rho)*g
                a += np.multiply(g_b, 1.0 - rho, out=work)
                denominator = np.subtract(s, np.square(a, out=work), out=work)
                denominator += self.epsilon                     # s - a**2 + eps
            delta = np.divide(g_b, np.sqrt(denominator, out=work), out=work)
            delta *= lr                                         # lr * g / sqrt(...)
            if m is not None:
                m *= self.momentum                              # m <- momentum*m + delta
                m += delta
                delta = m
            p_b -= delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
