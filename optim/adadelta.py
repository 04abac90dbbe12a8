"""Adadelta: a step sized by the running RMS of past steps over that of past gradients."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """s <- rho*s + (1-rho)*g**2;  delta = sqrt(d + eps) / sqrt(s + eps) * g;  p <- p - lr*delta

    then ``d <- rho*d + (1-rho)*delta**2``, with ``s`` the running mean of the squared
    gradients and ``d`` that of the squared steps (Zeiler, 2012). The ratio of the two
    RMS gives each element a step in the units of the parameter, so the paper needs no
    learning rate (``lr=1.0``); Keras multiplies by one all the same.

    Keras's formula and PyTorch's are the same; their defaults are not. Keras's:
    ``learning_rate=0.001, rho=0.95, epsilon=1e-7``. PyTorch's: ``lr=1.0, rho=0.9,
    eps=1e-6``, so a PyTorch script that writes ``optim.Adadelta(model.parameters(),
    lr=1.0)`` (the MNIST example) ports exactly as
    ``Adadelta(model.parameters(), lr=1.0, rho=0.9, epsilon=1e-6)``. With Keras's
    ``learning_rate=0.001`` the first steps are about ``1e-3 * sqrt(eps/(1-rho))``, around
    1e-6: raise it, as Keras's documentation advises.

    Args:
        params: the parameters (PyTorch style), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        rho: the decay of both running means, in [0, 1).
        epsilon: added to both mean squares under the root, >= 0; it also sets the size of
            the first steps, ``sqrt(eps)`` in the numerator.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0], dtype=ag.float64)
    >>> opt = Adadelta([w], lr=1.0, rho=0.9, epsilon=1e-6)   # PyTorch's defaults
    >>> w.grad = np.array([0.5, -2.0])
    >>> opt.step()   # first step: sqrt(eps) / sqrt(0.1*g**2 + eps) * g, ~ sqrt(10*eps)*sign(g)
    >>> w.numpy().round(6)
    array([ 0.996838, -0.996838])
    """

    def __init__(self, params=None, learning_rate=0.001, *, rho=0.95, epsilon=1e-7, lr=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None):
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        where = type(self).__name__
        self.rho = _checks.in_unit_interval(rho, "rho", where, include_one=False)
        self.epsilon = _checks.non_negative(epsilon, "epsilon", where)
        # State lists aligned with params: s (Keras's accumulated_grad) and d (its
        # accumulated_delta_var).
        self.accumulated_grads = []
        self.accumulated_deltas = []

    state_names = ("accumulated_grads", "accumulated_deltas")

    def init_state(self, p):
        self.accumulated_grads.append(np.zeros(p.shape, p.dtype))
        self.accumulated_deltas.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        rho, eps = self.rho, self.epsilon
        # sqrt(d + eps) and sqrt(s + eps) are needed at once, and d must outlive them: a
        # second work array beside the blocks' one, made once per parameter.
        rms_d_all = self._workspace.buffer(("adadelta sqrt(d + eps)", i), p.shape, p.dtype)
        for p_b, g_b, s, d, rms_d, work in self.blocks(p, g, self.accumulated_grads[i],
                                                       self.accumulated_deltas[i], rms_d_all):
            s *= rho                                            # s <- rho*s + (1-rho)*g**2
            s += np.multiply(np.square(g_b, out=work), 1.0 - rho, out=work)
            rms_d = np.sqrt(np.add(d, eps, out=rms_d), out=rms_d)       # sqrt(d + eps)
            rms_s = np.sqrt(np.add(s, eps, out=work), out=work)         # sqrt(s + eps)
            delta = np.divide(np.multiply(rms_d, g_b, out=rms_d), rms_s, out=work)
            d *= rho                                            # d <- rho*d + (1-rho)*delta**2
            d += np.multiply(np.square(delta, out=rms_d), 1.0 - rho, out=rms_d)
            delta *= lr
            p_b -= delta                                        # p <- p - lr*delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
