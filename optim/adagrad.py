"""Adagrad: each parameter's step shrinks with the sum of its squared gradients so far, in
Keras's form or PyTorch's."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer, _by_style, _learning_rate_by_style, _made_with_params


class Adagrad(Optimizer):
    """s <- s + g**2;   p <- p - lr * g / sqrt(s + eps)

    in the form of the library the call comes from. Keras's form, for an optimizer made
    without parameters (``Adagrad(0.001)``, ``compile``, ``apply_gradients``), is the line
    above, with ``s`` starting at ``initial_accumulator_value`` (0.1) and eps inside the
    square root. PyTorch's form, for one made with its parameters
    (``Adagrad(model.parameters())``)::

        g <- g + weight_decay*p                          (an L2 term)
        s <- s + g**2
        p <- p - lr/(1 + (t-1)*lr_decay) * g / (sqrt(s) + eps)

    with ``s`` starting at ``initial_accumulator_value`` (0) and ``t`` the parameter's own
    count of updates. Parameters with large or frequent gradients get smaller steps. As in
    torch, every parameter group's ``s`` starts at the constructor's value: a group lists
    its own ``initial_accumulator_value`` but torch never reads it.

    Keras's defaults: ``learning_rate=0.001, initial_accumulator_value=0.1,
    epsilon=1e-7``. PyTorch's: ``lr=0.01, lr_decay=0, weight_decay=0,
    initial_accumulator_value=0, eps=1e-10, maximize=False``.

    Args:
        params: the parameters (PyTorch style) or their groups (dicts, see
            ``Optimizer.param_groups``), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        initial_accumulator_value: the starting value of ``s``, >= 0.
        epsilon: >= 0, keeps a zero gradient history from dividing by zero (``eps=``).
        lr_decay: PyTorch's, >= 0: the rate of the t-th update is ``lr/(1 + (t-1)*lr_decay)``
            (PyTorch style only).
        weight_decay: PyTorch's L2 term, >= 0 (PyTorch style only).
        maximize: PyTorch's: climb the objective (PyTorch style only).
        foreach, fused, differentiable: torch.optim's choices of implementation, accepted as
            None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).
    """

    group_keys = ("lr", "lr_decay", "eps", "weight_decay", "initial_accumulator_value",
                  "maximize")

    def __init__(self, params=None, learning_rate=None, *, initial_accumulator_value=None,
                 epsilon=None, eps=None, lr_decay=None, weight_decay=None, maximize=False,
                 lr=None, clipnorm=None, clipvalue=None, global_clipnorm=None, foreach=None,
                 fused=None, differentiable=False):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        pytorch_style = _made_with_params(params)
        _checks.implementation_only("Adagrad", foreach=foreach, fused=fused,
                                    differentiable=differentiable)
        epsilon = _checks.one_of_two_names(eps, "eps", epsilon, "epsilon", "Adagrad")
        initial_accumulator_value = _checks.non_negative(
            _by_style(initial_accumulator_value, pytorch_style, 0.1, 0.0),
            "initial_accumulator_value", "Adagrad")
        epsilon = _checks.non_negative(_by_style(epsilon, pytorch_style, 1e-7, 1e-10),
                                       "epsilon", "Adagrad")
        lr_decay = _checks.non_negative(_by_style(lr_decay, pytorch_style, 0.0, 0.0),
                                        "lr_decay", "Adagrad")
        weight_decay = _checks.non_negative(_by_style(weight_decay, pytorch_style, 0.0, 0.0),
                                            "weight_decay", "Adagrad")
        _checks.pytorch_only(pytorch_style, "Adagrad", lr_decay=lr_decay,
                             weight_decay=weight_decay, maximize=maximize)
        learning_rate = _learning_rate_by_style(params, learning_rate, lr, 0.001, 0.01)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon
        self.lr_decay, self.weight_decay, self.maximize = lr_decay, weight_decay, \
            bool(maximize)
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.accumulators = []  # Keras's s, aligned with params
        self.sums = []          # PyTorch's s, named as its state key,
        self.steps = []         # and each parameter's count of updates t (for lr_decay)

    @property
    def state_names(self):
        return ("sums",) if self.pytorch_style else ("accumulators",)

    @property
    def count_names(self):
        return ("steps",) if self.pytorch_style else ()

    def init_state(self, p):
        super().init_state(p)
        if self.pytorch_style:  # the constructor's value, whatever the group's (torch's)
            self.sums.append(np.full(p.shape, self._defaults["initial_accumulator_value"],
                                     p.dtype))
        else:
            self.accumulators.append(np.full(p.shape, self.initial_accumulator_value, p.dtype))

    def update(self, i, p, g, lr):
        if self.pytorch_style:
            self._update_pytorch(i, p, g, lr)
            return
        for p_b, g_b, s, work in self.blocks(p, g, self.accumulators[i]):
            s += np.square(g_b, out=work)                          # s <- s + g**2
            delta = np.sqrt(np.add(s, self.epsilon, out=work), out=work)
            delta = np.divide(g_b, delta, out=work)
            delta *= lr
            p_b -= delta                                           # p <- p - lr*g/sqrt(s+eps)

    def _update_pytorch(self, i, p, g, lr):
        g = self.pytorch_gradient(i, p, g, self.weight_decay, self.maximize)
        self.steps[i] += 1
        decayed_lr = lr / (1 + (self.steps[i] - 1) * self.lr_decay)
        for p_b, g_b, s, work in self.blocks(p, g, self.sums[i]):
            s += np.square(g_b, out=work)                          # s <- s + g**2
            delta = np.sqrt(s, out=work)
            delta += self.epsilon
            delta = np.divide(g_b, delta, out=work)
            delta *= decayed_lr
            p_b -= delta                            # p <- p - lr_t*g/(sqrt(s) + eps)

    def get_config(self):
        config = {**super().get_config(),
                  "initial_accumulator_value": self.initial_accumulator_value,
                  "epsilon": self.epsilon}
        if self.pytorch_style:  # PyTorch's options: rebuild with type(o)(params, **config)
            config.update(lr_decay=self.lr_decay, weight_decay=self.weight_decay,
                          maximize=self.maximize)
        return config
