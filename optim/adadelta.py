"""Adadelta: a step sized by the running RMS of past steps over that of past gradients, in
Keras's form or PyTorch's (which adds an L2 weight decay and maximize)."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer, _by_style, _learning_rate_by_style, _made_with_params


class Adadelta(Optimizer):
    """s <- rho*s + (1-rho)*g**2;  delta = sqrt(d + eps) / sqrt(s + eps) * g;  p <- p - lr*delta

    then ``d <- rho*d + (1-rho)*delta**2``, with ``s`` the running mean of the squared
    gradients and ``d`` that of the squared steps (Zeiler, 2012). The ratio of the two
    RMS gives each element a step in the units of the parameter, so the paper needs no
    learning rate (``lr=1.0``); Keras multiplies by one all the same.

    Keras's form and PyTorch's are this formula; PyTorch's (an optimizer made with its
    parameters, ``Adadelta(model.parameters())``) adds ``weight_decay*p`` to ``g`` first (an
    L2 term) and can ``maximize``. Their defaults differ. Keras's: ``learning_rate=0.001,
    rho=0.95, epsilon=1e-7``. PyTorch's: ``lr=1.0, rho=0.9, eps=1e-6, weight_decay=0,
    maximize=False``, so PyTorch's MNIST example, ``Adadelta(model.parameters(), lr=1.0)``,
    ports as it is. With Keras's ``learning_rate=0.001`` the first steps are about
    ``1e-3 * sqrt(eps/(1-rho))``, around 1e-6: raise it, as Keras's documentation advises.

    Args:
        params: the parameters (PyTorch style) or their groups (dicts, see
            ``Optimizer.param_groups``), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        rho: the decay of both running means, in [0, 1).
        epsilon: added to both mean squares under the root, >= 0 (``eps=``); it also sets
            the size of the first steps, ``sqrt(eps)`` in the numerator.
        weight_decay: PyTorch's L2 term, >= 0 (PyTorch style only).
        maximize: PyTorch's: climb the objective (PyTorch style only).
        foreach, capturable, differentiable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0], dtype=ag.float64)
    >>> opt = Adadelta([w])   # PyTorch style: lr=1.0, rho=0.9, eps=1e-6
    >>> w.grad = np.array([0.5, -2.0])
    >>> opt.step()   # first step: sqrt(eps) / sqrt(0.1*g**2 + eps) * g, ~ sqrt(10*eps)*sign(g)
    >>> w.numpy().round(6)
    array([ 0.996838, -0.996838])
    """

    group_keys = ("lr", "rho", "eps", "weight_decay", "maximize")

    def __init__(self, params=None, learning_rate=None, *, rho=None, epsilon=None, eps=None,
                 weight_decay=None, maximize=False, lr=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, foreach=None, capturable=False, differentiable=False):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        where = type(self).__name__
        pytorch_style = _made_with_params(params)
        _checks.implementation_only(where, foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        epsilon = _checks.one_of_two_names(eps, "eps", epsilon, "epsilon", where)
        rho = _checks.in_unit_interval(_by_style(rho, pytorch_style, 0.95, 0.9), "rho",
                                       where, include_one=False)
        epsilon = _checks.non_negative(_by_style(epsilon, pytorch_style, 1e-7, 1e-6),
                                       "epsilon", where)
        weight_decay = _checks.non_negative(_by_style(weight_decay, pytorch_style, 0.0, 0.0),
                                            "weight_decay", where)
        _checks.pytorch_only(pytorch_style, where, weight_decay=weight_decay,
                             maximize=maximize)
        learning_rate = _learning_rate_by_style(params, learning_rate, lr, 0.001, 1.0)
        self.rho, self.epsilon = rho, epsilon
        self.weight_decay, self.maximize = weight_decay, bool(maximize)
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        # State lists aligned with params: s and d, under Keras's names (accumulated_grad
        # and accumulated_delta_var) or PyTorch's (square_avg and acc_delta), so that the
        # state of one form, whose gradients may hold an L2 term, does not load into the
        # other.
        self.accumulated_grads = []
        self.accumulated_deltas = []
        self.square_avgs = []
        self.acc_deltas = []

    @property
    def state_names(self):
        if self.pytorch_style:
            return ("square_avgs", "acc_deltas")
        return ("accumulated_grads", "accumulated_deltas")

    def init_state(self, p):
        for name in self.state_names:
            getattr(self, name).append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        rho, eps = self.rho, self.epsilon
        s_all, d_all = (getattr(self, name)[i] for name in self.state_names)
        if self.pytorch_style:
            g = self.pytorch_gradient(i, p, g, self.weight_decay, self.maximize)
        # sqrt(d + eps) and sqrt(s + eps) are needed at once, and d must outlive them: a
        # second work array beside the blocks' one, made once per parameter.
        rms_d_all = self._workspace.buffer(("adadelta sqrt(d + eps)", i), p.shape, p.dtype)
        for p_b, g_b, s, d, rms_d, work in self.blocks(p, g, s_all, d_all, rms_d_all):
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
        config = {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
        if self.pytorch_style:  # PyTorch's options: rebuild with type(o)(params, **config)
            config.update(weight_decay=self.weight_decay, maximize=self.maximize)
        return config
