"""Adamax: Adam with the running RMS replaced by a decaying maximum of |g| (the infinity norm)."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer


class Adamax(Optimizer):
    """m <- b1*m + (1-b1)*g;  u <- max(b2*u, |g|);  p <- p - lr/(1-b1**t) * m/(u + eps)

    with ``t = iterations + 1``: Kingma and Ba's section 7.1. Only ``m`` needs a bias
    correction; ``u``, a maximum, is not biased toward zero. Keras's defaults:
    ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7``.

    PyTorch puts eps inside the maximum, ``u <- max(b2*u, |g| + eps)`` and divides by
    ``u``; with ``eps = 0`` the two are the same rule. Otherwise PyTorch's denominator
    lies between ``u`` and Keras's ``u + eps`` (the eps it folded in decays with ``u``):
    they differ where ``u`` is not much larger than eps, a gradient that has stayed near
    0. PyTorch's defaults are ``lr=2e-3, betas=(0.9, 0.999), eps=1e-8``.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        beta_1: the decay of the running mean of the gradients, in [0, 1).
        beta_2: the decay of the running maximum of |g|, in [0, 1).
        epsilon: added to ``u`` so a zero gradient history does not divide by zero, >= 0.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = Adamax(0.1)
    >>> opt.apply_gradients([(ag.constant([0.5, -2.0]), w)])  # first step: lr * sign(g)
    >>> w.numpy().round(4)
    array([ 0.9, -0.9], dtype=float32)
    """

    def __init__(self, params=None, learning_rate=0.001, *, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None):
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        where = type(self).__name__
        self.beta_1 = _checks.in_unit_interval(beta_1, "beta_1", where, include_one=False)
        self.beta_2 = _checks.in_unit_interval(beta_2, "beta_2", where, include_one=False)
        self.epsilon = _checks.non_negative(epsilon, "epsilon", where)
        # State lists aligned with params: m and u (Keras's "momentum" and "norm").
        self.momentums = []
        self.norms = []

    state_names = ("momentums", "norms")

    def init_state(self, p):
        self.momentums.append(np.zeros(p.shape, p.dtype))
        self.norms.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        b1, b2 = self.beta_1, self.beta_2
        t = self.iterations + 1
        for p_b, g_b, m, u, work in self.blocks(p, g, self.momentums[i], self.norms[i]):
            m *= b1                                             # m <- b1*m + (1-b1)*g
            m += np.multiply(g_b, 1.0 - b1, out=work)
            u *= b2                                             # u <- max(b2*u, |g|)
            np.maximum(u, np.abs(g_b, out=work), out=u)
            denominator = np.add(u, self.epsilon, out=work)
            delta = np.divide(m, denominator, out=work)
            delta *= lr / (1.0 - b1 ** t)
            p_b -= delta                                # p <- p - lr/(1-b1**t) * m/(u + eps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
