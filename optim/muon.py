"""Muon: momentum whose update is orthogonalized by a Newton–Schulz iteration before the
step, for the 2-D weights of hidden layers (Jordan et al., 2024), torch.optim's ``Muon``.

The iteration runs in bfloat16, as torch's does: ``_bfloat16`` rounds to it, so the
trajectory is torch's own and not a more precise one.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import autograd_core as ag

from . import _checks
from .optimizer import Optimizer, _is_learning_rate

_ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


def _bfloat16(x):
    """x rounded to bfloat16 (to the nearest, ties to even), kept as float32: the top 16
    bits of a float32. float64 goes through float32 first, as torch's .bfloat16() does."""
    bits = np.ascontiguousarray(x, np.float32).view(np.uint32)
    bits = bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))
    return (bits & np.uint32(0xFFFF0000)).view(np.float32)


def newton_schulz(G, ns_coefficients, ns_steps, eps):
    """O ~ U V^T of G = U S V^T: X <- a*X + (b*A + c*A@A) @ X with A = X @ X^T, ``ns_steps``
    times from X = G / max(||G||_F, eps) (the wide way round: a tall G is transposed
    first and back after). Every product is rounded to bfloat16, as torch computes it.

    Args:
        G: (m, n).  ns_coefficients: (a, b, c).  ns_steps: the iterations.  eps: > 0.
    Returns:
        (m, n) float32, values of bfloat16.
    """
    a, b, c = (np.float32(v) for v in ns_coefficients)
    X = _bfloat16(G)
    tall = G.shape[0] > G.shape[1]
    if tall:
        X = X.T
    norm = _bfloat16(np.sqrt(np.sum(np.square(X, dtype=np.float32))))
    X = _bfloat16(X / max(norm, _bfloat16(np.float32(eps))))
    for _ in range(ns_steps):
        A = _bfloat16(X @ X.T)                                  # A = X X^T
        B = _bfloat16(b * A + c * (A @ A))                      # B = b A + c A^2
        X = _bfloat16(a * X + B @ X)                            # X <- a X + B X
    return X.T if tall else X


def _lerp(start, end, weight):
    """start + weight*(end - start), computed as torch's lerp does (from the nearer end)."""
    w = start.dtype.type(weight)
    if abs(weight) < 0.5:
        return start + w * (end - start)
    return end - (end - start) * (start.dtype.type(1) - w)


class Muon(Optimizer):
    """b <- mu*b + (1-mu)*g;  O = NS(g + mu*(b - g) if nesterov else b);
    p <- p*(1 - lr*weight_decay) - lr_adj * O

    torch.optim's ``Muon`` (torch 2.9+): the momentum ``b`` (an exponential average, torch's
    ``lerp``), its Nesterov look-ahead, orthogonalized by ``newton_schulz`` (bfloat16);
    then the decoupled weight decay with ``lr``, and the step with ``lr_adj``: ``lr *
    sqrt(max(1, A/B))`` (Keller Jordan's, "original", the default) or ``lr * 0.2 *
    sqrt(max(A, B))`` ("match_rms_adamw", Moonshot's) for a parameter of shape (A, B).

    Only 2-D parameters, as torch: biases and embeddings go to another optimizer (AdamW).
    PyTorch style only (Keras's Muon is another algorithm).

    Args (torch's):
        params: the 2-D parameters, or their groups (dicts).
        lr=1e-3.  weight_decay=0.1.  momentum=0.95.  nesterov=True.
        ns_coefficients=(3.4445, -4.775, 2.0315): (a, b, c).  eps=1e-7.  ns_steps=5 (below
        100).  adjust_lr_fn=None ("original"), "original" or "match_rms_adamw".

    >>> import autograd_core as ag
    >>> W = ag.Variable(np.eye(2, dtype=np.float32))
    >>> opt = Muon([W], lr=0.1, weight_decay=0.0)
    >>> W.grad = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    >>> opt.step()
    >>> W.numpy().round(3)   # the step along the one direction the gradient has
    array([[0.931, 0.   ],
           [0.   , 1.   ]], dtype=float32)
    """

    group_keys = ("lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps",
                  "ns_steps", "adjust_lr_fn")
    state_names = ("momentum_buffers",)

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5,
                 adjust_lr_fn=None, *, learning_rate=None):
        where = "Muon"
        if learning_rate is not None:
            if lr != 1e-3:
                raise TypeError(f"{where}: pass either lr= or learning_rate=, not both")
            lr = learning_rate
        if params is None or _is_learning_rate(params):
            raise TypeError(f"{where}: this is torch.optim's Muon, made with the 2-D "
                            f"parameters first: {where}(params, lr=...), got {params!r} as "
                            "params")
        lr = _checks.non_negative(lr, "lr", where)
        self.weight_decay = _checks.non_negative(weight_decay, "weight_decay", where)
        self.momentum = _checks.non_negative(momentum, "momentum", where)
        self.nesterov = bool(nesterov)
        if isinstance(ns_coefficients, (str, bytes)) or not hasattr(ns_coefficients, "__len__") \
                or len(ns_coefficients) != 3:
            raise ValueError(f"{where}: ns_coefficients must be exactly 3 numbers (a, b, c), "
                             f"got {ns_coefficients!r}")
        self.ns_coefficients = tuple(_checks.number(v, f"ns_coefficients[{k}]", where)
                                     for k, v in enumerate(ns_coefficients))
        self.epsilon = _checks.non_negative(eps, "eps", where)
        if isinstance(ns_steps, (bool, np.bool_)) or not isinstance(ns_steps, numbers.Integral) \
                or not 0 <= ns_steps < 100:
            raise ValueError(f"{where}: ns_steps must be an integer in [0, 100) (torch's "
                             f"bound), got {ns_steps!r}")
        self.ns_steps = int(ns_steps)
        if adjust_lr_fn not in _ADJUST_LR_FNS:
            raise ValueError(f"{where}: adjust_lr_fn {adjust_lr_fn!r} is not supported; "
                             "None, 'original' or 'match_rms_adamw'")
        self.adjust_lr_fn = adjust_lr_fn
        super().__init__(params, lr)
        self._refuse_not_2d(self.params, where)
        self.momentum_buffers = []

    @staticmethod
    def _refuse_not_2d(params, where):
        for k, p in enumerate(params):
            if np.ndim(p) != 2:
                raise ValueError(f"{where}: Muon only supports 2D parameters, got params[{k}] "
                                 f"of shape {p.shape}")

    def add_param_group(self, param_group):
        """torch's ``add_param_group``, refusing a parameter that is not 2-D (torch refuses it
        at the next step) before anything changes."""
        params = param_group.get("params", []) if isinstance(param_group, dict) else []
        self._refuse_not_2d([params] if np.ndim(params) == 2 and not isinstance(
            params, (list, tuple)) else list(params), "Muon.add_param_group")
        super().add_param_group(param_group)

    def _group_values(self, hyper, where) -> dict:
        # The base checks a group's values by making an optimizer of one 0-d Variable,
        # which Muon refuses: the same check with a 2-D one.
        name = type(self).__name__
        try:
            checked = type(self)([ag.Variable(np.zeros((1, 1), np.float32))], **hyper)
        except (TypeError, ValueError) as err:
            message = str(err).removeprefix(f"{name}: ")
            raise type(err)(f"{where}: {message}") from None
        return checked._attribute_values()

    def init_state(self, p):
        super().init_state(p)
        self.momentum_buffers.append(np.zeros(p.shape, p.dtype))

    def update(self, i, p, g, lr):
        b = self.momentum_buffers[i]
        g = np.asarray(g, p.dtype)
        np.copyto(b, _lerp(b, g, 1.0 - self.momentum))          # b <- mu*b + (1-mu)*g
        u = _lerp(g, b, self.momentum) if self.nesterov else b  # g + mu*(b - g)
        O = newton_schulz(u, self.ns_coefficients, self.ns_steps, self.epsilon)
        A, B = p.shape
        if self.adjust_lr_fn == "match_rms_adamw":
            adjusted_lr = lr * 0.2 * math.sqrt(max(A, B))
        else:
            adjusted_lr = lr * math.sqrt(max(1, A / B))
        p *= 1 - lr * self.weight_decay                         # p <- p*(1 - lr*wd)
        p += O.astype(p.dtype) * p.dtype.type(-adjusted_lr)     # p <- p - lr_adj*O

    def get_config(self):
        return {**super().get_config(), "weight_decay": self.weight_decay,
                "momentum": self.momentum, "nesterov": self.nesterov,
                "ns_coefficients": self.ns_coefficients, "eps": self.epsilon,
                "ns_steps": self.ns_steps, "adjust_lr_fn": self.adjust_lr_fn}
