"""Nadam: Adam with Nesterov momentum, the gradient's share of the step taken a step ahead."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer


class Nadam(Optimizer):
    """m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g**2;  p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    with ``t = iterations + 1``, ``v_hat = v / (1 - b2**t)`` and Nesterov's look-ahead in
    ``m_hat = u_{t+1}*m / (1 - u_1*...*u_{t+1}) + (1 - u_t)*g / (1 - u_1*...*u_t)``: the
    momentum of the next step applied to ``m`` now (Dozat, 2016). The momentum follows the
    schedule ``u_t = b1 * (1 - 0.5 * 0.96**(momentum_decay*t))``, and the products of the
    ``u_i`` correct the bias as ``1 - b1**t`` does in Adam. Keras keeps that product as a
    running variable; here it is a function of ``iterations`` (``u_product``), so
    ``state_dict`` restores it with ``iterations``.

    Keras 3 (and tf.keras's optimizers since TF 2.11) use ``0.96**t``, which is
    ``momentum_decay=1``, the default here; Dozat's paper, PyTorch's ``NAdam`` and Keras 2's
    legacy optimizer use ``0.96**(0.004*t)``, ``momentum_decay=0.004``: there ``u_t`` rises
    from 0.45 toward b1 over tens of thousands of steps instead of about a hundred. Both add
    eps to ``sqrt(v_hat)``, so ``Nadam(params, lr=2e-3, momentum_decay=4e-3, epsilon=1e-8)``
    is PyTorch's ``NAdam(params)``. Keras's defaults: ``learning_rate=0.001, beta_1=0.9,
    beta_2=0.999, epsilon=1e-7``; PyTorch's: ``lr=2e-3, betas=(0.9, 0.999), eps=1e-8,
    momentum_decay=4e-3``.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        beta_1: the largest momentum, in [0, 1); ``u_t`` rises from about ``b1/2`` to it.
        beta_2: the decay of the running mean of the squared gradients, in [0, 1).
        epsilon: added to ``sqrt(v_hat)`` so a zero gradient history does not divide by
            zero, >= 0.
        momentum_decay: how fast ``u_t`` rises, >= 0 (PyTorch's argument; Keras has none
            and uses 1).
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = Nadam(0.1)
    >>> opt.apply_gradients([(ag.constant([0.5, -2.0]), w)])
    >>> w.numpy().round(4)   # first step: (1 + (1-b1)*u_2/(1 - u_1*u_2)) * lr * sign(g)
    array([ 0.8937, -0.8937], dtype=float32)
    """

    def __init__(self, params=None, learning_rate=0.001, *, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, momentum_decay=1.0, lr=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        where = type(self).__name__
        self.beta_1 = _checks.in_unit_interval(beta_1, "beta_1", where, include_one=False)
        self.beta_2 = _checks.in_unit_interval(beta_2, "beta_2", where, include_one=False)
        self.epsilon = _checks.non_negative(epsilon, "epsilon", where)
        self.momentum_decay = _checks.non_negative(momentum_decay, "momentum_decay", where)
        # State lists aligned with params: m and v.
        self.momentums = []
        self.velocities = []
        self._u_product = (0, 1.0)  # (t, u_1*...*u_t), the last product computed

    state_names = ("momentums", "velocities")

    def init_state(self, p):
        self.momentums.append(np.zeros(p.shape, p.dtype))
        self.velocities.append(np.zeros(p.shape, p.dtype))

    def momentum_schedule(self, t) -> float:
        """u_t = b1 * (1 - 0.5 * 0.96**(momentum_decay*t)), the momentum of step t."""
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (self.momentum_decay * t))

    def u_product(self, t) -> float:
        """u_1 * u_2 * ... * u_t, multiplied in that order, as Keras's running product is.

        The product is remembered, so training multiplies once per step; when ``t`` goes
        back (``load_state_dict`` of an earlier state, or ``iterations`` set by hand) it is
        multiplied up again from ``u_1``, to the same float.
        """
        n, product = self._u_product
        if n > t:
            n, product = 0, 1.0
        while n < t:
            n += 1
            product *= self.momentum_schedule(n)
        self._u_product = (n, product)
        return product

    def update(self, i, p, g, lr):
        b1, b2 = self.beta_1, self.beta_2
        t = self.iterations + 1
        u_t, u_next = self.momentum_schedule(t), self.momentum_schedule(t + 1)
        product_t = self.u_product(t)                           # u_1*...*u_t
        product_next = product_t * u_next                       # u_1*...*u_{t+1}
        # m_hat = c_m*m + c_g*g, and it is needed beside sqrt(v_hat) + eps: a second work
        # array beside the blocks' one, made once per parameter.
        c_m, c_g = u_next / (1.0 - product_next), (1.0 - u_t) / (1.0 - product_t)
        m_hat_all = self._workspace.buffer(("nadam m_hat", i), p.shape, p.dtype)
        for p_b, g_b, m, v, m_hat, work in self.blocks(p, g, self.momentums[i],
                                                       self.velocities[i], m_hat_all):
            m *= b1                                             # m <- b1*m + (1-b1)*g
            m += np.multiply(g_b, 1.0 - b1, out=work)
            v *= b2                                             # v <- b2*v + (1-b2)*g**2
            v += np.multiply(np.square(g_b, out=work), 1.0 - b2, out=work)
            m_hat = np.multiply(m, c_m, out=m_hat)
            m_hat += np.multiply(g_b, c_g, out=work)
            denominator = np.sqrt(np.divide(v, 1.0 - b2 ** t, out=work), out=work)
            denominator += self.epsilon                         # sqrt(v_hat) + eps
            delta = np.divide(m_hat, denominator, out=work)
            delta *= lr
            p_b -= delta                                # p <- p - lr*m_hat/(sqrt(v_hat) + eps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "momentum_decay": self.momentum_decay}
