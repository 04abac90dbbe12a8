"""RMSprop: divide each gradient by a running root-mean-square of its recent values, in
Keras's form or PyTorch's."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer, _by_style, _learning_rate_by_style, _made_with_params


class RMSprop(Optimizer):
    """s <- rho*s + (1-rho)*g**2;   p <- p - lr * g / sqrt(s + eps)

    in the form of the library the call comes from. Keras's form, for an optimizer made
    without parameters (``RMSprop(0.001)``, ``compile``, ``apply_gradients``)::

        p <- p - lr * g / sqrt(s + eps)                  (centered: sqrt(s - a**2 + eps))
        momentum:  m <- momentum*m + lr*g/sqrt(...);  p <- p - m

    PyTorch's form, for one made with its parameters (``RMSprop(model.parameters())``),
    where ``rho`` is called ``alpha``::

        g <- g + weight_decay*p                          (an L2 term)
        p <- p - lr * g / (sqrt(s) + eps)                (centered: sqrt(s - a**2) + eps)
        momentum:  b <- momentum*b + g/(sqrt(...) + eps);  p <- p - lr*b

    ``centered`` divides by an estimate of the variance, with ``a <- rho*a + (1-rho)*g``
    the running mean of the gradients. Keras puts eps inside the square root, PyTorch
    outside; Keras's momentum carries steps already scaled by their rates, PyTorch's buffer
    steps that the rate of each update scales (as for ``SGD``).

    Keras's defaults: ``learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
    centered=False``. PyTorch's: ``lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0,
    momentum=0, centered=False, maximize=False``.

    Args:
        params: the parameters (PyTorch style) or their groups (dicts, see
            ``Optimizer.param_groups``), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        rho: the decay of the running mean of squared gradients, in [0, 1) (``alpha=``,
            PyTorch's name, also accepted).
        momentum: in [0, 1]; 0 for none.
        epsilon: >= 0, keeps a zero gradient history from dividing by zero (``eps=``).
        centered: subtract the squared running mean of the gradients.
        weight_decay: PyTorch's L2 term, >= 0 (PyTorch style only).
        maximize: PyTorch's: climb the objective (PyTorch style only).
        foreach, capturable, differentiable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).
    """

    group_keys = ("lr", "momentum", "alpha", "eps", "centered", "weight_decay", "maximize")

    def __init__(self, params=None, learning_rate=None, *, rho=None, momentum=0.0,
                 epsilon=None, centered=False, alpha=None, eps=None, weight_decay=None,
                 maximize=False, lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 foreach=None, capturable=False, differentiable=False):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        pytorch_style = _made_with_params(params)
        _checks.implementation_only("RMSprop", foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        rho = _checks.one_of_two_names(alpha, "alpha", rho, "rho", "RMSprop")
        epsilon = _checks.one_of_two_names(eps, "eps", epsilon, "epsilon", "RMSprop")
        rho = _checks.in_unit_interval(_by_style(rho, pytorch_style, 0.9, 0.99), "rho",
                                       "RMSprop", include_one=False)
        momentum = _checks.in_unit_interval(momentum, "momentum", "RMSprop", include_one=True)
        epsilon = _checks.non_negative(_by_style(epsilon, pytorch_style, 1e-7, 1e-8),
                                       "epsilon", "RMSprop")
        weight_decay = _checks.non_negative(_by_style(weight_decay, pytorch_style, 0.0, 0.0),
                                            "weight_decay", "RMSprop")
        _checks.pytorch_only(pytorch_style, "RMSprop", weight_decay=weight_decay,
                             maximize=maximize)
        learning_rate = _learning_rate_by_style(params, learning_rate, lr, 0.001, 0.01)
        self.rho, self.momentum, self.epsilon = rho, momentum, epsilon
        self.centered, self.weight_decay, self.maximize = bool(centered), weight_decay, \
            bool(maximize)
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        # Keras's state lists, aligned with params: s always, m with momentum, a when
        # centered.
        self.mean_squares = []
        self.momentums = []
        self.mean_grads = []
        # PyTorch's, named as its state keys: the same s and a, and the buffer b, which
        # holds what the rate scales where Keras's m holds steps.
        self.square_avgs = []
        self.momentum_buffers = []
        self.grad_avgs = []

    @property
    def state_names(self):
        momentum, centered = self._in_any_group("momentum"), self._in_any_group("centered")
        if self.pytorch_style:
            return (("square_avgs",) + (("momentum_buffers",) if momentum else ())
                    + (("grad_avgs",) if centered else ()))
        return (("mean_squares",) + (("momentums",) if momentum else ())
                + (("mean_grads",) if centered else ()))

    def init_state(self, p):
        for name in self.state_names:
            getattr(self, name).append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        if self.pytorch_style:
            self._update_pytorch(i, p, g, lr)
            return
        rho = self.rho
        a_all = self.mean_grads[i] if self.centered else None
        m_all = self.momentums[i] if self.momentum else None
        for p_b, g_b, s, a, m, work in self.blocks(p, g, self.mean_squares[i], a_all, m_all):
            s *= rho                                            # s <- rho*s + (1-rho)*g**2
            s += np.multiply(np.square(g_b, out=work), 1.0 - rho, out=work)
            if a is None:
                denominator = np.add(s, self.epsilon, out=work)         # s + eps
            else:
                a *= rho                                        # a <- rho*a + (1-rho)*g
                a += np.multiply(g_b, 1.0 - rho, out=work)
                denominator = np.subtract(s, np.square(a, out=work), out=work)
                denominator += self.epsilon                     # s - a**2 + eps
            delta = np.divide(g_b, np.sqrt(denominator, out=work), out=work)
            delta *= lr                                         # lr * g / sqrt(...)
            if m is not None:
                m *= self.momentum                              # m <- momentum*m + delta
                m += delta
                delta = m
            p_b -= delta

    def _update_pytorch(self, i, p, g, lr):
        rho = self.rho
        g = self.pytorch_gradient(i, p, g, self.weight_decay, self.maximize)
        a_all = self.grad_avgs[i] if self.centered else None
        b_all = self.momentum_buffers[i] if self.momentum else None
        for p_b, g_b, s, a, b, work in self.blocks(p, g, self.square_avgs[i], a_all, b_all):
            s *= rho                                            # s <- rho*s + (1-rho)*g**2
            s += np.multiply(np.square(g_b, out=work), 1.0 - rho, out=work)
            if a is None:
                denominator = np.sqrt(s, out=work)              # sqrt(s)
            else:
                a *= rho                                        # a <- rho*a + (1-rho)*g
                a += np.multiply(g_b, 1.0 - rho, out=work)
                denominator = np.subtract(s, np.square(a, out=work), out=work)
                denominator = np.sqrt(denominator, out=work)    # sqrt(s - a**2)
            denominator += self.epsilon
            delta = np.divide(g_b, denominator, out=work)       # g / (sqrt(...) + eps)
            if b is not None:
                b *= self.momentum                              # b <- momentum*b + delta
                b += delta
                delta = np.multiply(b, lr, out=work)
            else:
                delta *= lr
            p_b -= delta                                        # p <- p - lr*(b or delta)

    def get_config(self):
        config = {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                  "epsilon": self.epsilon, "centered": self.centered}
        if self.pytorch_style:  # PyTorch's options: rebuild with type(o)(params, **config)
            config.update(weight_decay=self.weight_decay, maximize=self.maximize)
        return config
