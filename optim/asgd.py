"""ASGD: SGD with a decaying step and a running average of the iterates (Polyak and
Juditsky, 1992), torch.optim's form."""

from __future__ import annotations

import numpy as np

from . import _checks
from .adafactor import ExtraState
from .optimizer import Optimizer, _is_learning_rate


class ASGD(ExtraState, Optimizer):
    """p <- p*(1 - lambd*eta) - eta*g;   ax <- ax + mu*(p - ax);
    eta <- lr / (1 + lambd*lr*t)**alpha;   mu <- 1 / max(1, t - t0)

    torch.optim's ``ASGD``: ``g`` has the L2 term ``weight_decay*p`` added (and is negated
    with ``maximize``), ``t`` is the parameter's own count of updates, ``eta`` starts at the
    learning rate of its first update and ``mu`` at 1 (while ``mu`` is 1, ``ax`` is ``p``
    itself). ``axs[i]`` is the averaged parameter, which torch keeps as ``state["ax"]``.
    ``eta`` and ``mu`` are per-parameter scalars, kept as Python floats (torch keeps them in
    its default dtype: the same numbers when that is float64).

    PyTorch style only: Keras has no ASGD.

    Args:
        params: the parameters, or their groups (dicts).
        lr: the learning rate, >= 0 (default 0.01; ``learning_rate=`` also accepted).
        lambd: the decay term, >= 0 (default 1e-4).
        alpha: the power of eta's decay, >= 0 (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: the L2 term, >= 0 (default 0).
        maximize: climb the objective (default False).
        foreach, differentiable, capturable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = ASGD([w], lr=0.1, lambd=0.0)
    >>> w.grad = np.array([0.5, -2.0], np.float32)
    >>> opt.step()
    >>> w.numpy()   # p - lr*g
    array([ 0.95, -0.8 ], dtype=float32)
    """

    group_keys = ("lr", "lambd", "alpha", "t0", "weight_decay", "maximize")
    state_names = ("axs",)
    count_names = ("steps",)
    extra_names = ("etas", "mus")
    extra_after = "steps"

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0,
                 foreach=None, maximize=False, differentiable=False, capturable=False, *,
                 learning_rate=None, clipnorm=None, clipvalue=None, global_clipnorm=None):
        where = "ASGD"
        if params is None or _is_learning_rate(params):
            raise TypeError(f"{where}: Keras has no ASGD, so it is made as torch.optim's "
                            f"is, with the parameters first: {where}(model.parameters(), "
                            f"lr=...), got {params!r} as params")
        if learning_rate is not None:
            if lr != 1e-2:
                raise TypeError(f"{where}: pass either lr= or learning_rate=, not both")
            lr = learning_rate
        _checks.implementation_only(where, foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        self.lambd = _checks.non_negative(lambd, "lambd", where)
        self.alpha = _checks.non_negative(alpha, "alpha", where)
        self.t0 = _checks.number(t0, "t0", where)
        self.weight_decay = _checks.non_negative(weight_decay, "weight_decay", where)
        self.maximize = bool(maximize)
        super().__init__(params, lr, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm)
        self.axs = []
        self.steps = []
        self.etas = []
        self.mus = []

    # The base reads torch's group key "alpha" as the attribute rho (RMSprop's alpha).
    @property
    def rho(self):
        return self.alpha

    @rho.setter
    def rho(self, value):
        self.alpha = value

    def extra_shapes(self, i):
        return {"etas": (), "mus": ()}

    def init_state(self, p):
        super().init_state(p)
        self.axs.append(np.zeros(p.shape, p.dtype))
        self.etas.append(float(self.learning_rate))
        self.mus.append(1.0)

    def _after_load(self):
        self.etas = [float(e) for e in self.etas]
        self.mus = [float(m) for m in self.mus]

    def update(self, i, p, g, lr):
        g = self.pytorch_gradient(i, p, g, self.weight_decay, self.maximize)
        if self.steps[i] == 0:                      # torch sets eta at the first gradient
            self.etas[i] = float(lr)
        self.steps[i] += 1
        t = self.steps[i]
        eta, mu = self.etas[i], self.mus[i]
        self.scale(p, 1.0 - self.lambd * eta)                   # p <- p*(1 - lambd*eta)
        self.add_scaled(p, -eta, g)                             # p <- p - eta*g
        ax = self.axs[i]
        if mu != 1:
            ax += np.subtract(p, ax) * mu                       # ax <- ax + mu*(p - ax)
        else:
            np.copyto(ax, p)
        self.etas[i] = lr / ((1 + self.lambd * lr * t) ** self.alpha)
        self.mus[i] = 1 / max(1, t - self.t0)

    def get_config(self):
        return {**super().get_config(), "lambd": self.lambd, "alpha": self.alpha,
                "t0": self.t0, "weight_decay": self.weight_decay, "maximize": self.maximize}
