"""Adamax: Adam with the running RMS replaced by a decaying maximum of |g| (the infinity
norm), in Keras's form or PyTorch's."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import (Optimizer, _by_style, _learning_rate_by_style, _made_with_params,
                        _moment_decays)


class Adamax(Optimizer):
    """m <- b1*m + (1-b1)*g;  u <- max(b2*u, |g|);  p <- p - lr/(1-b1**t) * m/(u + eps)

    in the form of the library the call comes from. Keras's form, for an optimizer made
    without parameters (``Adamax(0.001)``, ``compile``, ``apply_gradients``), is the line
    above with ``t = iterations + 1``: Kingma and Ba's section 7.1. Only ``m`` needs a bias
    correction; ``u``, a maximum, is not biased toward zero. PyTorch's form, for one made
    with its parameters (``Adamax(model.parameters())``), puts eps inside the maximum::

        g <- g + weight_decay*p                          (an L2 term)
        m <- b1*m + (1-b1)*g;  u <- max(b2*u, |g| + eps);  p <- p - lr/(1-b1**t) * m/u

    with ``t`` the parameter's own count of updates. With ``eps = 0`` the two are one rule;
    otherwise PyTorch's denominator lies between ``u`` and Keras's ``u + eps`` (the eps it
    folded in decays with ``u``).

    Keras's defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7``.
    PyTorch's: ``lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False``.

    Args:
        params: the parameters (PyTorch style) or their groups (dicts, see
            ``Optimizer.param_groups``), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        beta_1: the decay of the running mean of the gradients, in [0, 1).
        beta_2: the decay of the running maximum of |g|, in [0, 1) (``betas=(beta_1,
            beta_2)``, PyTorch's name, also accepted).
        epsilon: >= 0, keeps a zero gradient history from dividing by zero (``eps=``).
        weight_decay: PyTorch's L2 term, >= 0 (PyTorch style only).
        maximize: PyTorch's: climb the objective (PyTorch style only).
        foreach, capturable, differentiable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = Adamax(0.1)
    >>> opt.apply_gradients([(ag.constant([0.5, -2.0]), w)])  # first step: lr * sign(g)
    >>> w.numpy().round(4)
    array([ 0.9, -0.9], dtype=float32)
    """

    group_keys = ("lr", "betas", "eps", "weight_decay", "maximize")

    def __init__(self, params=None, learning_rate=None, *, beta_1=None, beta_2=None,
                 epsilon=None, betas=None, eps=None, weight_decay=None, maximize=False,
                 lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None, foreach=None,
                 capturable=False, differentiable=False):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        where = type(self).__name__
        pytorch_style = _made_with_params(params)
        _checks.implementation_only(where, foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        beta_1, beta_2, epsilon = _moment_decays(where, pytorch_style, betas, beta_1, beta_2,
                                                 eps, epsilon)
        weight_decay = _checks.non_negative(_by_style(weight_decay, pytorch_style, 0.0, 0.0),
                                            "weight_decay", where)
        _checks.pytorch_only(pytorch_style, where, weight_decay=weight_decay,
                             maximize=maximize)
        learning_rate = _learning_rate_by_style(params, learning_rate, lr, 0.001, 2e-3)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.weight_decay, self.maximize = weight_decay, bool(maximize)
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        # Keras's state lists, aligned with params: m and u (its "momentum" and "norm").
        self.momentums = []
        self.norms = []
        # PyTorch's, named as its state keys: m, u with eps folded in, and each
        # parameter's count of updates t.
        self.exp_avgs = []
        self.exp_infs = []
        self.steps = []

    @property
    def state_names(self):
        return ("exp_avgs", "exp_infs") if self.pytorch_style else ("momentums", "norms")

    @property
    def count_names(self):
        return ("steps",) if self.pytorch_style else ()

    def init_state(self, p):
        super().init_state(p)
        for name in self.state_names:
            getattr(self, name).append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        if self.pytorch_style:
            self._update_pytorch(i, p, g, lr)
            return
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

    def _update_pytorch(self, i, p, g, lr):
        b1, b2 = self.beta_1, self.beta_2
        g = self.pytorch_gradient(i, p, g, self.weight_decay, self.maximize)
        self.steps[i] += 1
        t = self.steps[i]
        for p_b, g_b, m, u, work in self.blocks(p, g, self.exp_avgs[i], self.exp_infs[i]):
            m *= b1                                             # m <- b1*m + (1-b1)*g
            m += np.multiply(g_b, 1.0 - b1, out=work)
            u *= b2                                             # u <- max(b2*u, |g| + eps)
            magnitude = np.abs(g_b, out=work)
            magnitude += self.epsilon
            np.maximum(u, magnitude, out=u)
            delta = np.divide(m, u, out=work)
            delta *= lr / (1.0 - b1 ** t)
            p_b -= delta                                # p <- p - lr/(1-b1**t) * m/u

    def get_config(self):
        config = {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                  "epsilon": self.epsilon}
        if self.pytorch_style:  # PyTorch's options: rebuild with type(o)(params, **config)
            config.update(weight_decay=self.weight_decay, maximize=self.maximize)
        return config
