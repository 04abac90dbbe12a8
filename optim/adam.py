"""Adam and AdamW: momentum on the gradient, scaled by a running RMS, with bias correction,
in Keras's form or PyTorch's."""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .optimizer import (Optimizer, _by_style, _learning_rate_by_style, _made_with_params,
                        _moment_decays)


class Adam(Optimizer):
    """m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g**2;  p <- p - step * m / (sqrt(v) + eps)

    in the form of the library the call comes from. Keras's form, for an optimizer made
    without parameters (``Adam(0.001)``, ``compile``, ``apply_gradients``)::

        p <- p - alpha_t * m / (sqrt(v) + eps),   alpha_t = lr * sqrt(1 - b2**t) / (1 - b1**t)

    with ``t = iterations + 1``: Kingma and Ba's efficient form (end of their section 2),
    the bias corrections ``m_hat = m / (1 - b1**t)`` and ``v_hat = v / (1 - b2**t)`` folded
    into the step size, so ``eps`` ("epsilon hat") is added to the uncorrected ``sqrt(v)``.

    PyTorch's form, for one made with its parameters (``Adam(model.parameters())``)::

        g <- g + weight_decay*p                          (an L2 term: it enters m and v)
        p <- p - lr/(1 - b1**t) * m / (sqrt(v)/sqrt(1 - b2**t) + eps)

    with ``t`` the parameter's own count of updates, as PyTorch keeps it (a parameter whose
    first gradient comes late starts at ``t = 1``): eps is added to ``sqrt(v_hat)``. The two
    forms agree up to the size of eps. In both, ``amsgrad`` divides by the largest ``v``
    seen so far, ``v_max <- max(v_max, v)``.

    Keras's defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
    amsgrad=False``. PyTorch's: ``lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, maximize=False``. Keras's ``Adam(weight_decay=)`` is decoupled: that is
    ``AdamW``.

    Args:
        params: the parameters (PyTorch style) or their groups (dicts, see
            ``Optimizer.param_groups``), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        beta_1, beta_2: the decays of the running means of g and g**2, in [0, 1)
            (``betas=(beta_1, beta_2)``, PyTorch's name, also accepted).
        epsilon: >= 0, keeps a zero gradient history from dividing by zero (``eps=``).
        amsgrad: use the running maximum of ``v`` (Reddi et al., 2018).
        weight_decay: PyTorch's L2 term, >= 0 (PyTorch style only).
        maximize: PyTorch's: climb the objective (PyTorch style only).
        foreach, fused, capturable, differentiable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = Adam(0.1)
    >>> opt.apply_gradients([(ag.constant([0.5, -2.0]), w)])  # first step: ~lr * sign(g)
    >>> w.numpy().round(4)
    array([ 0.9, -0.9], dtype=float32)
    """

    # Adam's weight_decay is PyTorch's L2 term; AdamW's is decoupled, in both forms.
    decoupled_weight_decay = False
    group_keys = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")

    def __init__(self, params=None, learning_rate=None, *, beta_1=None, beta_2=None,
                 epsilon=None, amsgrad=False, betas=None, eps=None, weight_decay=None,
                 maximize=False, lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 foreach=None, fused=None, capturable=False, differentiable=False,
                 decoupled_weight_decay=False):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        where = type(self).__name__
        pytorch_style = _made_with_params(params)
        _checks.implementation_only(where, foreach=foreach, fused=fused, capturable=capturable,
                                    differentiable=differentiable)
        if decoupled_weight_decay is not False and decoupled_weight_decay is not None:
            raise ValueError(f"{where}: decoupled_weight_decay={decoupled_weight_decay!r}: "
                             "PyTorch's Adam(decoupled_weight_decay=True) is AdamW; use "
                             "optim.AdamW(params, weight_decay=...)")
        beta_1, beta_2, epsilon = _moment_decays(where, pytorch_style, betas, beta_1, beta_2,
                                                 eps, epsilon)
        weight_decay = _checks.non_negative(_by_style(weight_decay, pytorch_style, 0.0, 0.0),
                                            "weight_decay", where)
        if self.decoupled_weight_decay:
            _checks.pytorch_only(pytorch_style, where, maximize=maximize)
        else:
            _checks.pytorch_only(pytorch_style, where, weight_decay=weight_decay,
                                 maximize=maximize)
        learning_rate = _learning_rate_by_style(params, learning_rate, lr, 0.001, 1e-3)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad, self.weight_decay, self.maximize = bool(amsgrad), weight_decay, \
            bool(maximize)
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        # Keras's state lists, aligned with params: m and v always, v_max with amsgrad.
        self.momentums = []
        self.velocities = []
        self.velocity_maxes = []
        # PyTorch's, named as its state keys: the same m, v and v_max, and each parameter's
        # count of updates t, which Keras's form reads from iterations instead.
        self.exp_avgs = []
        self.exp_avg_sqs = []
        self.max_exp_avg_sqs = []
        self.steps = []

    @property
    def state_names(self):
        amsgrad = self._in_any_group("amsgrad")
        if self.pytorch_style:
            return ("exp_avgs", "exp_avg_sqs") + (("max_exp_avg_sqs",) if amsgrad else ())
        return ("momentums", "velocities") + (("velocity_maxes",) if amsgrad else ())

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
        if self.weight_decay:                                   # AdamW's decoupled decay
            self.scale(p, 1.0 - lr * self.weight_decay)         # p <- p - lr*weight_decay*p
        # Kingma and Ba's alpha_t: both bias corrections folded into the step size.
        alpha_t = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        v_max_all = self.velocity_maxes[i] if self.amsgrad else None
        for p_b, g_b, m, v, v_max, work in self.blocks(p, g, self.momentums[i],
                                                       self.velocities[i], v_max_all):
            self._moments(g_b, m, v, work)
            if v_max is not None:
                v = np.maximum(v_max, v, out=v_max)             # v_max <- max(v_max, v)
            denominator = np.sqrt(v, out=work)
            denominator += self.epsilon
            delta = np.divide(m, denominator, out=work)
            delta *= alpha_t
            p_b -= delta                                # p <- p - alpha_t*m/(sqrt(v) + eps)

    def _update_pytorch(self, i, p, g, lr):
        b1, b2 = self.beta_1, self.beta_2
        if self.decoupled_weight_decay:
            g = self.pytorch_gradient(i, p, g, maximize=self.maximize)
            if self.weight_decay:
                self.scale(p, 1.0 - lr * self.weight_decay)     # p <- p*(1 - lr*weight_decay)
        else:
            g = self.pytorch_gradient(i, p, g, self.weight_decay, self.maximize)
        self.steps[i] += 1
        t = self.steps[i]
        step_size = lr / (1.0 - b1 ** t)
        # ** 0.5 rather than math.sqrt: the same float as torch's bias_correction2**0.5.
        bias_correction2_sqrt = (1.0 - b2 ** t) ** 0.5
        v_max_all = self.max_exp_avg_sqs[i] if self.amsgrad else None
        for p_b, g_b, m, v, v_max, work in self.blocks(p, g, self.exp_avgs[i],
                                                       self.exp_avg_sqs[i], v_max_all):
            self._moments(g_b, m, v, work)
            if v_max is not None:
                v = np.maximum(v_max, v, out=v_max)             # v_max <- max(v_max, v)
            denominator = np.sqrt(v, out=work)
            denominator /= bias_correction2_sqrt
            denominator += self.epsilon                         # sqrt(v_hat) + eps
            delta = np.divide(m, denominator, out=work)
            delta *= step_size
            p_b -= delta                        # p <- p - lr/(1-b1**t) * m/(sqrt(v_hat) + eps)

    def _moments(self, g, m, v, work):
        b1, b2 = self.beta_1, self.beta_2
        m *= b1                                                 # m <- b1*m + (1-b1)*g
        m += np.multiply(g, 1.0 - b1, out=work)
        v *= b2                                                 # v <- b2*v + (1-b2)*g**2
        v += np.multiply(np.square(g, out=work), 1.0 - b2, out=work)

    def get_config(self):
        config = {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                  "epsilon": self.epsilon, "amsgrad": self.amsgrad}
        if self.pytorch_style:  # PyTorch's options: rebuild with type(o)(params, **config)
            config.update(weight_decay=self.weight_decay, maximize=self.maximize)
        return config


class AdamW(Adam):
    """p <- p - lr*weight_decay*p;   then Adam's update

    Adam with decoupled weight decay (Loshchilov and Hutter, 2019): the parameters shrink
    toward zero by ``lr*weight_decay`` of themselves each update, apart from the gradient,
    so the decay is not rescaled by Adam's ``1/sqrt(v)`` as an L2 term in the loss would
    be. The decay is the same in both forms; Adam's update is Keras's or PyTorch's as for
    ``Adam`` (made without parameters, or with them).

    Keras's defaults: ``learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
    epsilon=1e-7, amsgrad=False``. PyTorch's: ``lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    weight_decay=0.01, amsgrad=False, maximize=False``.

    Args:
        weight_decay: the decay rate, >= 0.
        The others as for ``Adam``.
    """

    decoupled_weight_decay = True

    def __init__(self, params=None, learning_rate=None, *, weight_decay=None, beta_1=None,
                 beta_2=None, epsilon=None, amsgrad=False, betas=None, eps=None,
                 maximize=False, lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 foreach=None, fused=None, capturable=False, differentiable=False):
        weight_decay = _by_style(weight_decay, _made_with_params(params), 0.004, 0.01)
        super().__init__(params, learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, betas=betas, eps=eps,
                         weight_decay=weight_decay, maximize=maximize, lr=lr,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, foreach=foreach, fused=fused,
                         capturable=capturable, differentiable=differentiable)

    def get_config(self):
        return {**super().get_config(), "weight_decay": self.weight_decay}
