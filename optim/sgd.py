"""Stochastic gradient descent, with Keras's momentum and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer


class SGD(Optimizer):
    """v <- momentum*v - lr*g;   p <- p + v   (nesterov: p <- p + momentum*v - lr*g)

    With ``momentum=0`` this is plain gradient descent, ``p <- p - lr*g``. A
    ``weight_decay`` first shrinks the parameters, ``p <- p - lr*weight_decay*p``, apart
    from the gradient, as Keras's SGD does. PyTorch's SGD adds ``weight_decay*p`` to the
    gradient instead (an L2 term in the loss): the same update without momentum, not with
    it, since PyTorch's decay then enters the velocity. Keras's defaults:
    ``learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=0.0``.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        momentum: in [0, 1]; the velocity ``v`` keeps this fraction of the last step.
        nesterov: take the step from where the momentum is about to carry ``p``.
        weight_decay: decoupled decay rate, >= 0 (0 for none).
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, 2.0])
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()       # g = 2w
    >>> opt.step()
    >>> w.numpy()
    array([0.8, 1.6], dtype=float32)
    """

    def __init__(self, params=None, learning_rate=0.01, *, momentum=0.0, nesterov=False,
                 weight_decay=0.0, lr=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.momentum = _checks.in_unit_interval(momentum, "momentum", "SGD", include_one=True)
        self.nesterov = bool(nesterov)
        self.weight_decay = _checks.non_negative(weight_decay, "weight_decay", "SGD")
        self.velocities = []  # v, aligned with params; empty without momentum

    @property
    def state_names(self):
        return ("velocities",) if self.momentum else ()

    def init_state(self, p):
        if self.momentum:
            self.velocities.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        # Each line is one in-place vector operation: on a large parameter, BLAS's scal
        # (x <- a*x) or axpy (y <- y + a*x), one pass on every core (see _inplace).
        if self.weight_decay:
            self.scale(p, 1.0 - lr * self.weight_decay)  # p <- p - lr*weight_decay*p
        if not self.momentum:
            self.add_scaled(p, -lr, g)                    # p <- p - lr*g
            return
        v = self.velocities[i]
        self.scale(v, self.momentum)
        self.add_scaled(v, -lr, g)                        # v <- momentum*v - lr*g
        if self.nesterov:
            self.add_scaled(p, -lr, g)
            self.add_scaled(p, self.momentum, v)          # p <- p + momentum*v - lr*g
        else:
            self.add_scaled(p, 1.0, v)                    # p <- p + v

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}
