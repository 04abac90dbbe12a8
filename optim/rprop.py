"""Rprop: each element's step size grows while its gradient keeps its sign and shrinks when
the sign flips; only the gradient's sign is used (Riedmiller and Braun, 1993)."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer, _is_learning_rate


class Rprop(Optimizer):
    """s <- clip(s * eta(g*g_prev), step_min, step_max);  p <- p - s * sign(g')

    torch.optim's ``Rprop``: ``eta`` is ``etaplus`` where ``g*g_prev > 0``, ``etaminus``
    where it is ``< 0`` and 1 where it is 0; where the sign flipped, ``g' = 0`` (no step,
    and the next update sees no previous sign), else ``g' = g``; then ``g_prev <- g'``.
    Each element's step size ``s`` starts at the learning rate of the parameter's first
    update (torch fills it then), so later changes of ``lr`` do not reach it.

    PyTorch style only: Keras has no Rprop.

    Args:
        params: the parameters, or their groups (dicts).
        lr: the initial step size, >= 0 (default 0.01; ``learning_rate=`` also accepted).
        etas: ``(etaminus, etaplus)`` with ``0 < etaminus < 1 < etaplus`` (default
            (0.5, 1.2)).
        step_sizes: ``(step_min, step_max)``, the bounds of ``s``, 0 <= step_min <= step_max
            (default (1e-06, 50)).
        maximize: climb the objective (default False).
        foreach, capturable, differentiable: torch.optim's choices of implementation,
            accepted as None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, -1.0])
    >>> opt = Rprop([w], lr=0.1)
    >>> w.grad = np.array([0.5, -2.0], np.float32)
    >>> opt.step()
    >>> w.numpy()   # first step: s = lr, p - lr*sign(g)
    array([ 0.9, -0.9], dtype=float32)
    """

    group_keys = ("lr", "etas", "step_sizes", "maximize")
    state_names = ("prevs", "deltas")
    count_names = ("steps",)

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False,
                 learning_rate=None, clipnorm=None, clipvalue=None, global_clipnorm=None):
        where = "Rprop"
        if params is None or _is_learning_rate(params):
            raise TypeError(f"{where}: Keras has no Rprop, so it is made as torch.optim's "
                            f"is, with the parameters first: {where}(model.parameters(), "
                            f"lr=...), got {params!r} as params")
        if learning_rate is not None:
            if lr != 1e-2:
                raise TypeError(f"{where}: pass either lr= or learning_rate=, not both")
            lr = learning_rate
        _checks.implementation_only(where, foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        etaminus, etaplus = _pair(etas, "etas", where)
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"{where}: etas must satisfy 0 < etaminus < 1 < etaplus, got "
                             f"etas=({etaminus}, {etaplus})")
        step_min, step_max = _pair(step_sizes, "step_sizes", where)
        if not 0.0 <= step_min <= step_max:
            raise ValueError(f"{where}: step_sizes must satisfy 0 <= step_min <= step_max, "
                             f"got step_sizes=({step_min}, {step_max})")
        self.etas, self.step_sizes = (etaminus, etaplus), (step_min, step_max)
        self.maximize = bool(maximize)
        super().__init__(params, lr, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm)
        # torch's state "prev" and "step_size" (named deltas here, Riedmiller's Delta:
        # step_sizes is the hyper-parameter) and each parameter's count of updates.
        self.prevs = []
        self.deltas = []
        self.steps = []

    def init_state(self, p):
        super().init_state(p)
        self.prevs.append(np.zeros(p.shape, p.dtype))
        self.deltas.append(np.full(p.shape, self.learning_rate, p.dtype))

    def update(self, i, p, g, lr):
        etaminus, etaplus = self.etas
        step_min, step_max = self.step_sizes
        if self.steps[i] == 0:                      # torch fills s at the first gradient
            self.deltas[i].fill(lr)
        self.steps[i] += 1
        g = self.pytorch_gradient(i, p, g, 0.0, self.maximize)
        for p_b, g_b, g_prev, s, work in self.blocks(p, g, self.prevs[i], self.deltas[i]):
            sign = np.sign(np.multiply(g_b, g_prev, out=work), out=work)
            flipped = sign < 0
            factor = np.where(sign > 0, etaplus, np.where(flipped, etaminus, 1.0))
            s *= factor
            np.clip(s, step_min, step_max, out=s)   # s <- clip(s*eta, step_min, step_max)
            np.copyto(g_prev, g_b)
            g_prev[flipped] = 0.0                   # g' = 0 where the sign flipped
            p_b -= np.sign(g_prev, out=work) * s    # p <- p - s*sign(g');  g_prev <- g'

    def get_config(self):
        return {**super().get_config(), "etas": self.etas, "step_sizes": self.step_sizes,
                "maximize": self.maximize}


def _pair(value, what, where):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"{where}: {what} must be a pair of numbers, got {value!r}")
    return tuple(_checks.number(v, f"{what}[{k}]", where) for k, v in enumerate(value))
