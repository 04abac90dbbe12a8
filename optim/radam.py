"""RAdam: Adam whose adaptive step is turned on gradually, as the variance of v settles."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer, _is_learning_rate, _moment_decays


class RAdam(Optimizer):
    """m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g**2;
    p <- p - lr * r_t * m_hat * c_t / (sqrt(v) + eps)

    Rectified Adam (Liu et al., 2020), PyTorch's ``RAdam``. Early on, ``v_hat`` averages
    too few squared gradients for ``1/sqrt(v_hat)`` to be trusted, so the step is
    momentum SGD, ``p <- p - lr * m_hat``, until the length of the approximated simple
    moving average ``rho_t = rho_inf - 2*t*b2**t / (1 - b2**t)`` (with ``rho_inf = 2/(1-b2)
    - 1``) passes 5; then the adaptive step is scaled by the rectification ::

        r_t = sqrt((rho_t - 4)*(rho_t - 2)*rho_inf / ((rho_inf - 4)*(rho_inf - 2)*rho_t))

    which rises toward 1. ``m_hat = m / (1 - b1**t)`` and ``c_t = sqrt(1 - b2**t)`` correct
    the biases (``c_t / sqrt(v)`` is ``1 / sqrt(v_hat)``; eps goes beside ``sqrt(v)``, as in
    PyTorch), and ``t`` is the parameter's own count of updates, as PyTorch keeps it.
    ``weight_decay`` adds ``weight_decay*p`` to ``g`` (an L2 term), or with
    ``decoupled_weight_decay`` shrinks
    ``p <- p*(1 - lr*weight_decay)`` first (RAdamW).

    PyTorch style only: Keras has no RAdam, so it is made with its parameters (or their
    groups, see ``Optimizer.param_groups``), as torch.optim's is.

    Args:
        params: the parameters, or their groups (dicts).
        lr: the learning rate, >= 0 (default 1e-3; ``learning_rate=`` also accepted).
        betas: ``(beta1, beta2)``, each in [0, 1) (default (0.9, 0.999)).
        eps: added to ``sqrt(v)`` so a zero gradient history does not divide by zero, >= 0
            (default 1e-8).
        weight_decay: >= 0 (default 0).
        decoupled_weight_decay: decay ``p`` itself rather than add an L2 term (default False).
        maximize: climb the objective (default False).
        foreach, capturable, differentiable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = RAdam([w], lr=0.1)
    >>> w.grad = np.array([0.5, -2.0], np.float32)
    >>> opt.step()
    >>> w.numpy().round(4)   # first step: rho_1 = 1, so p - lr*m_hat = p - lr*g
    array([ 0.95, -0.8 ], dtype=float32)
    """

    group_keys = ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")
    state_names = ("exp_avgs", "exp_avg_sqs")
    count_names = ("steps",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False, learning_rate=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        where = type(self).__name__
        if params is None or _is_learning_rate(params):
            raise TypeError(f"{where}: Keras has no RAdam, so it is made as torch.optim's "
                            f"is, with the parameters first: {where}(model.parameters(), "
                            f"lr=...), got {params!r} as params")
        if learning_rate is not None:
            if lr != 1e-3:
                raise TypeError(f"{where}: pass either lr= or learning_rate=, not both")
            lr = learning_rate
        _checks.implementation_only(where, foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        self.beta_1, self.beta_2, self.epsilon = _moment_decays(where, True, betas, None, None,
                                                                eps, None)
        self.weight_decay = _checks.non_negative(weight_decay, "weight_decay", where)
        self.decoupled_weight_decay = bool(decoupled_weight_decay)
        self.maximize = bool(maximize)
        super().__init__(params, lr, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm)
        # torch's state, named as its state keys: m, v and each parameter's count t.
        self.exp_avgs = []
        self.exp_avg_sqs = []
        self.steps = []

    def init_state(self, p):
        super().init_state(p)
        self.exp_avgs.append(np.zeros(p.shape, p.dtype))
        self.exp_avg_sqs.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        g, t = self.pytorch_start(i, p, g, lr)
        b1, b2 = self.beta_1, self.beta_2
        bias_correction1, bias_correction2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        rho_inf = 2.0 / (1.0 - b2) - 1.0
        rho_t = rho_inf - 2.0 * t * b2 ** t / bias_correction2
        rectified = rho_t > 5.0             # torch's threshold: v_hat is trusted from here on
        if rectified:
            r_t = ((rho_t - 4) * (rho_t - 2) * rho_inf
                   / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            step_size = lr * r_t * bias_correction2 ** 0.5 / bias_correction1
        else:
            step_size = lr / bias_correction1                   # lr * m_hat
        for p_b, g_b, m, v, work in self.blocks(p, g, self.exp_avgs[i], self.exp_avg_sqs[i]):
            m *= b1                                             # m <- b1*m + (1-b1)*g
            m += np.multiply(g_b, 1.0 - b1, out=work)
            v *= b2                                             # v <- b2*v + (1-b2)*g**2
            v += np.multiply(np.square(g_b, out=work), 1.0 - b2, out=work)
            if rectified:
                denominator = np.sqrt(v, out=work)
                denominator += self.epsilon
                delta = np.divide(m, denominator, out=work)
                delta *= step_size      # p <- p - lr*r_t/(1-b1**t) * m*c_t/(sqrt(v) + eps)
            else:
                delta = np.multiply(m, step_size, out=work)     # p <- p - lr*m/(1-b1**t)
            p_b -= delta

    def get_config(self):
        return {**super().get_config(), "betas": (self.beta_1, self.beta_2),
                "eps": self.epsilon, "weight_decay": self.weight_decay,
                "decoupled_weight_decay": self.decoupled_weight_decay,
                "maximize": self.maximize}
