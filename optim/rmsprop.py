"""RMSprop: divide each gradient by a running root-mean-square of its recent values."""

from __future__ import annotations

import numpy as np

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
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"RMSprop: rho must be in [0, 1), got {rho}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"RMSprop: momentum must be in [0, 1], got {momentum}")
        if not epsilon >= 0.0:
            raise ValueError(f"RMSprop: epsilon must be >= 0, got {epsilon}")
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)
        # State lists aligned with params: s always, m with momentum, a when centered.
        self.mean_squares = []
        self.momentums = []
        self.mean_grads = []

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
        for p_b, g_b, s, a, m, step in self.blocks(p, g, self.mean_squares[i], a_all, m_all):
            s *= rho
            s += np.multiply(np.square(g_b, out=step), 1.0 - rho, out=step)
            if a is not None:
                a *= rho
                a += np.multiply(g_b, 1.0 - rho, out=step)
                denominator = np.subtract(s, np.square(a, out=step), out=step)
                denominator += self.epsilon
            else:
                denominator = np.add(s, self.epsilon, out=step)
            step = np.divide(g_b, np.sqrt(denominator, out=step), out=step)
            step *= lr
            if m is not None:
                m *= self.momentum
                m += step
                step = m
            p_b -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
