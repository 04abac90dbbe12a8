"""Stochastic gradient descent, with Keras's momentum and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from . import _blas
from .optimizer import Optimizer


class SGD(Optimizer):
    """v <- momentum*v - lr*g;   p <- p + v   (nesterov: p <- p + momentum*v - lr*g)

    With ``momentum=0`` this is plain gradient descent, ``p <- p - lr*g``. Keras's defaults:
    ``learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=0.0``. A
    ``weight_decay`` shrinks the parameters first, decoupled from the gradient as Keras
    does: ``p <- p - lr*weight_decay*p``.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        momentum: in [0, 1]; the velocity ``v`` keeps this fraction of the last step.
        nesterov: take the step from where the momentum is about to carry ``p``.
        weight_decay: decoupled decay rate (0 for none).
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
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        if not weight_decay >= 0.0:
            raise ValueError(f"SGD: weight_decay must be >= 0, got {weight_decay}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self.velocities = []  # v, aligned with params; empty without momentum

    def init_state(self, p):
        if self.momentum:
            self.velocities.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        v = self.velocities[i] if self.momentum else None
        if _blas.usable(p.data, g, *([] if v is None else [v])):
            self._update_with_blas(p.data, g, v, lr)
            return
        if not self.momentum:
            for p_b, g_b, lr_g in self.blocks(p, g):
                p_b -= np.multiply(g_b, lr, out=lr_g)
            return
        for p_b, g_b, v_b, lr_g in self.blocks(p, g, v):
            np.multiply(g_b, lr, out=lr_g)
            v_b *= self.momentum
            v_b -= lr_g
            if self.nesterov:
                p_b -= lr_g                                   # p - lr*g ...
                p_b += np.multiply(v_b, self.momentum, out=lr_g)  # ... + momentum*v
            else:
                p_b += v_b

    def _update_with_blas(self, p, g, v, lr):
        """The same formulas as BLAS calls on a large parameter: in place, on every core."""
        if v is None:
            _blas.axpy(-lr, g, p)              # p <- p - lr*g
            return
        _blas.scal(self.momentum, v)
        _blas.axpy(-lr, g, v)                  # v <- momentum*v - lr*g
        if self.nesterov:
            _blas.axpy(-lr, g, p)              # p <- p - lr*g + momentum*v
            _blas.axpy(self.momentum, v, p)
        else:
            _blas.axpy(1.0, v, p)              # p <- p + v

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}
