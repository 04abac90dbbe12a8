"""Nadam: Adam with Nesterov momentum, the gradient's share of the step taken a step ahead."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import (Optimizer, _by_style, _learning_rate_by_style, _made_with_params,
                        _moment_decays)


class Nadam(Optimizer):
    """m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g**2;  p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    with ``v_hat = v / (1 - b2**t)`` and Nesterov's look-ahead in
    ``m_hat = u_{t+1}*m / (1 - u_1*...*u_{t+1}) + (1 - u_t)*g / (1 - u_1*...*u_t)``: the
    momentum of the next step applied to ``m`` now (Dozat, 2016). The momentum follows the
    schedule ``u_t = b1 * (1 - 0.5 * 0.96**(momentum_decay*t))``, and the products of the
    ``u_i`` correct the bias as ``1 - b1**t`` does in Adam. The product is a function of
    ``t`` (``u_product``), so ``state_dict`` restores it with the step counts; a parameter
    group with its own beta_1 or momentum_decay has its own schedule, and one changed
    mid-run multiplies the product again from ``u_1`` under the new schedule (torch's
    running ``mu_product`` keeps the momenta of the steps already taken).

    Keras's form and PyTorch's are this formula; they differ in ``t``, in the options and
    in the defaults. Keras's form, for an optimizer made without parameters (``Nadam(1e-3)``,
    ``compile``), takes ``t = iterations + 1`` and ``momentum_decay=1``: Keras 3 (and
    tf.keras since TF 2.11) use ``0.96**t``. PyTorch's form, for one made with its
    parameters (``Nadam(model.parameters())``, torch's ``NAdam``), takes ``t`` the
    parameter's own count of updates and Dozat's ``0.96**(0.004*t)``, where ``u_t`` rises
    from 0.45 toward b1 over tens of thousands of steps instead of about a hundred; its
    ``weight_decay`` adds ``weight_decay*p`` to ``g`` (an L2 term), or with
    ``decoupled_weight_decay`` shrinks ``p <- p*(1 - lr*weight_decay)`` first (NAdamW).

    Keras's defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
    momentum_decay=1``. PyTorch's: ``lr=2e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=0, momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False``.

    Args:
        params: the parameters (PyTorch style) or their groups (dicts, see
            ``Optimizer.param_groups``), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        beta_1: the largest momentum, in [0, 1); ``u_t`` rises from about ``b1/2`` to it.
        beta_2: the decay of the running mean of the squared gradients, in [0, 1)
            (``betas=(beta_1, beta_2)``, PyTorch's name, also accepted).
        epsilon: added to ``sqrt(v_hat)`` so a zero gradient history does not divide by
            zero, >= 0 (``eps=``).
        momentum_decay: how fast ``u_t`` rises, >= 0 (PyTorch's argument; Keras has none
            and uses 1).
        weight_decay: PyTorch's, >= 0 (PyTorch style only).
        decoupled_weight_decay: PyTorch's: decay ``p`` itself rather than add an L2 term.
        maximize: PyTorch's: climb the objective (PyTorch style only).
        foreach, capturable, differentiable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = Nadam(0.1)
    >>> opt.apply_gradients([(ag.constant([0.5, -2.0]), w)])
    >>> w.numpy().round(4)   # first step: (1 + (1-b1)*u_2/(1 - u_1*u_2)) * lr * sign(g)
    array([ 0.8937, -0.8937], dtype=float32)
    """

    group_keys = ("lr", "betas", "eps", "weight_decay", "momentum_decay",
                  "decoupled_weight_decay", "maximize")

    def __init__(self, params=None, learning_rate=None, *, beta_1=None, beta_2=None,
                 epsilon=None, momentum_decay=None, betas=None, eps=None, weight_decay=None,
                 decoupled_weight_decay=False, maximize=False, lr=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, foreach=None, capturable=False,
                 differentiable=False):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        where = type(self).__name__
        pytorch_style = _made_with_params(params)
        _checks.implementation_only(where, foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        beta_1, beta_2, epsilon = _moment_decays(where, pytorch_style, betas, beta_1, beta_2,
                                                 eps, epsilon)
        momentum_decay = _checks.non_negative(
            _by_style(momentum_decay, pytorch_style, 1.0, 4e-3), "momentum_decay", where)
        weight_decay = _checks.non_negative(_by_style(weight_decay, pytorch_style, 0.0, 0.0),
                                            "weight_decay", where)
        _checks.pytorch_only(pytorch_style, where, weight_decay=weight_decay,
                             decoupled_weight_decay=decoupled_weight_decay,
                             maximize=maximize)
        learning_rate = _learning_rate_by_style(params, learning_rate, lr, 0.001, 2e-3)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.momentum_decay, self.weight_decay = momentum_decay, weight_decay
        self.decoupled_weight_decay, self.maximize = bool(decoupled_weight_decay), \
            bool(maximize)
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        # Keras's state lists, aligned with params: m and v.
        self.momentums = []
        self.velocities = []
        # PyTorch's, named as its state keys: the same m and v, and each parameter's count
        # of updates t (its mu_product is u_product(t)).
        self.exp_avgs = []
        self.exp_avg_sqs = []
        self.steps = []
        # (beta_1, momentum_decay) -> {t: u_1*...*u_t}, the last products computed
        # (u_product), apart for each schedule: parameter groups can have their own.
        self._u_products = {}

    @property
    def state_names(self):
        if self.pytorch_style:
            return ("exp_avgs", "exp_avg_sqs")
        return ("momentums", "velocities")

    @property
    def count_names(self):
        return ("steps",) if self.pytorch_style else ()

    def init_state(self, p):
        super().init_state(p)
        for name in self.state_names:
            getattr(self, name).append(np.zeros(p.shape, p.dtype))

    def momentum_schedule(self, t) -> float:
        """u_t = b1 * (1 - 0.5 * 0.96**(momentum_decay*t)), the momentum of step t."""
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (self.momentum_decay * t))

    def u_product(self, t) -> float:
        """u_1 * u_2 * ... * u_t, multiplied in that order, as Keras's running product and
        PyTorch's mu_product are.

        The products of the last steps asked for are remembered, so training multiplies
        once per step (per parameter count, in PyTorch's form); a ``t`` further back
        (``load_state_dict`` of an earlier state) is multiplied up again from ``u_1``, to
        the same float.
        """
        products = self._u_products.setdefault((self.beta_1, self.momentum_decay), {})
        if t in products:
            return products[t]
        below = [n for n in products if n < t]
        n = max(below, default=0)
        product = products[n] if below else 1.0
        while n < t:
            n += 1
            product *= self.momentum_schedule(n)
        products[t] = product
        # Keep the latest: each parameter's count is among the last len(params) + 1 asked.
        while len(products) > len(self.params) + 1:
            del products[next(iter(products))]
        return product

    def update(self, i, p, g, lr):
        if self.pytorch_style:
            g, t = self.pytorch_start(i, p, g, lr)
        else:
            t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        u_t, u_next = self.momentum_schedule(t), self.momentum_schedule(t + 1)
        product_t = self.u_product(t)                           # u_1*...*u_t
        product_next = product_t * u_next                       # u_1*...*u_{t+1}
        # m_hat = c_m*m + c_g*g, and it is needed beside sqrt(v_hat) + eps: a second work
        # array beside the blocks' one, made once per parameter.
        c_m, c_g = u_next / (1.0 - product_next), (1.0 - u_t) / (1.0 - product_t)
        m_hat_all = self._workspace.buffer(("nadam m_hat", i), p.shape, p.dtype)
        m_all, v_all = (getattr(self, name)[i] for name in self.state_names)
        for p_b, g_b, m, v, m_hat, work in self.blocks(p, g, m_all, v_all, m_hat_all):
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
        config = {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                  "epsilon": self.epsilon, "momentum_decay": self.momentum_decay}
        if self.pytorch_style:  # PyTorch's options: rebuild with type(o)(params, **config)
            config.update(weight_decay=self.weight_decay,
                          decoupled_weight_decay=self.decoupled_weight_decay,
                          maximize=self.maximize)
        return config
