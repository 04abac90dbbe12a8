"""Adafactor: Adam's second moment kept as row and column factors of each matrix, with a
relative step size, in Keras's form or PyTorch's (Shazeer and Stern, 2018)."""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .lion import keras_weight_decay
from .optimizer import Optimizer, _made_with_params


class ExtraState:
    """State that the base's ``state_dict`` cannot hold, whose arrays are not of their
    parameter's shape (Adafactor's factors, ASGD's scalars): a subclass lists, in
    ``extra_shapes(i)``, name -> the shape of parameter ``i``'s array (names absent for it
    are not kept), in float64 for ``()`` shapes and the parameter's dtype otherwise, and
    ``extra_after`` names the count or state list that says how many parameters have
    state. Saved and loaded beside the base's state, all or nothing."""

    extra_names = ()

    def extra_shapes(self, i) -> dict:
        raise NotImplementedError

    def _extra_dtype(self, i, shape):
        return np.dtype(np.float64) if shape == () else self.params[i].dtype

    def state_dict(self):
        state = super().state_dict()
        for name in self.extra_names:
            for i, value in enumerate(getattr(self, name)):
                if name in self.extra_shapes(i):
                    state[f"{name}.{i}"] = np.array(value)
        return state

    def load_state_dict(self, state):
        keys = set(state.keys())
        ours = {k for k in keys if k.rsplit(".", 1)[0] in self.extra_names}
        count = sum(1 for k in keys if k.rsplit(".", 1)[0] == self.extra_after)
        problems = []
        if count <= len(self.params):  # else the base says what is wrong
            expected = set()
            for i in range(count):
                for name, shape in self.extra_shapes(i).items():
                    key = f"{name}.{i}"
                    expected.add(key)
                    if key not in keys:
                        problems.append(f"{key} is missing")
                        continue
                    value = np.asarray(state[key])
                    dtype = self._extra_dtype(i, shape)
                    if value.shape != shape or value.dtype != dtype:
                        problems.append(f"{key} has shape {value.shape} and dtype "
                                        f"{value.dtype}, but should have shape {shape} and "
                                        f"dtype {dtype}")
            if ours - expected:
                problems.append(f"unexpected names {sorted(ours - expected)}")
        if problems:
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state does not fit; "
                             "nothing was loaded:\n  " + "\n  ".join(problems))
        super().load_state_dict({k: state[k] for k in keys - ours})
        for name in self.extra_names:
            setattr(self, name, [np.array(state[f"{name}.{i}"])
                                 if name in self.extra_shapes(i) else None
                                 for i in range(count)])
        self._after_load()

    def _after_load(self):
        pass


class Adafactor(ExtraState, Optimizer):
    """v ~ row(g**2) x col(g**2) / mean(row);   u = g / sqrt(v);
    p <- p - max(eps2, rms(p)) * min(lr, 1/sqrt(t)) * u / max(1, rms(u)/d)

    in the form of the library the call comes from. The second moment of a matrix (of the
    last two axes of a tensor) is kept as its row means ``R`` and column means ``C`` of
    ``g**2``, each a running mean with the decay ``beta2_t = 1 - t**beta2_decay``, and
    rebuilt as ``R C^T / mean(R)``; a vector keeps ``v`` itself. The step is relative to
    the parameter's RMS (at least ``eps2``) and the update ``u`` is clipped to RMS ``d``.

    Keras's form, for an optimizer made without parameters (``Adafactor(0.001)``)::

        R <- beta2_t*R + (1-beta2_t)*mean(g**2 + eps1, -1)   (C likewise on axis -2)
        v = R/mean(R) x C   (or v <- beta2_t*v + (1-beta2_t)*(g**2 + eps1) for a vector)
        u = g/sqrt(v);  p <- p - alpha_t * u / max(1, rms(u)/clip_threshold)

    with ``t = iterations + 1``; ``weight_decay`` (Keras's) shrinks ``p <- p -
    lr*weight_decay*p`` first, and ``alpha_t`` reads rms(p) after it.

    PyTorch's form, for one made with its parameters (``Adafactor(model.parameters())``)::

        alpha = max(eps2, rms(p)) * min(lr, 1/sqrt(t));  p <- p*(1 - lr*weight_decay)
        R <- lerp(R, mean(g**2, -1), 1-beta2_t)          (C likewise on axis -2)
        v = clamp(R C / clamp(mean(R), eps1), eps1**2)   (or lerp v, for a vector)
        p <- p - alpha * u / max(1, rms(u)/d),   u = g / sqrt(v)

    with ``t`` the parameter's own count of updates and ``eps1`` (None: the machine
    epsilon of the parameter's dtype) keeping the denominators away from 0.

    Keras's defaults: ``learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
    epsilon_2=1e-3, clip_threshold=1.0, relative_step=True``. PyTorch's: ``lr=1e-2,
    beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, maximize=False``. Keras's
    ``relative_step`` is kept for its config: Keras's update takes ``min(lr, 1/sqrt(t))``
    either way.

    Args:
        params: the parameters (PyTorch style) or their groups, or None (Keras style), or
            the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        beta_2_decay (Keras) / beta2_decay (PyTorch): <= 0.
        epsilon_1, epsilon_2 (Keras) / eps=(eps1, eps2) (PyTorch): >= 0 (eps1 may be None
            in PyTorch's form).
        clip_threshold (Keras) / d (PyTorch): the RMS the update is clipped to, >= 1 in
            PyTorch's form, > 0 in Keras's.
        relative_step: Keras's, see above.
        weight_decay: Keras's decoupled decay (None or >= 0) or PyTorch's (>= 0).
        maximize: PyTorch's: climb the objective.
        foreach: torch.optim's choice of implementation, None or False only.
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    >>> import autograd_core as ag
    >>> w = ag.Variable([3.0, 4.0])
    >>> Adafactor(0.1).apply_gradients([(ag.constant([1.0, -1.0]), w)])
    >>> w.numpy().round(4)   # rms(p) * min(lr, 1) * sign(g) at the first step
    array([2.6464, 4.3536], dtype=float32)
    """

    group_keys = ("lr", "beta2_decay", "eps", "d", "weight_decay", "maximize")

    def __init__(self, params=None, learning_rate=None, *, beta_2_decay=None, epsilon_1=None,
                 epsilon_2=None, clip_threshold=None, relative_step=None, beta2_decay=None,
                 eps=None, d=None, weight_decay=None, maximize=False, foreach=None, lr=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None):
        where = "Adafactor"
        pytorch_style = _made_with_params(params)
        _checks.implementation_only(where, foreach=foreach)
        keras_args = dict(beta_2_decay=beta_2_decay, epsilon_1=epsilon_1, epsilon_2=epsilon_2,
                          clip_threshold=clip_threshold, relative_step=relative_step)
        torch_args = dict(beta2_decay=beta2_decay, eps=eps, d=d, maximize=maximize or None)
        mine, other = (torch_args, keras_args) if pytorch_style else (keras_args, torch_args)
        given = [name for name, value in other.items() if value is not None]
        if given:
            style = ("made with its parameters takes PyTorch's arguments (beta2_decay, eps, "
                     "d, weight_decay, maximize)" if pytorch_style else
                     "made without parameters takes Keras's arguments (beta_2_decay, "
                     "epsilon_1, epsilon_2, clip_threshold, relative_step, weight_decay)")
            raise TypeError(f"{where}: got {given[0]}={other[given[0]]!r}, but Adafactor "
                            f"{style}")
        if pytorch_style:
            decay = -0.8 if beta2_decay is None else beta2_decay
            eps1, eps2 = (None, 1e-3) if eps is None else _eps_pair(eps, where)
            self.beta2_decay = _non_positive(decay, "beta2_decay", where)
            self.epsilon = (eps1, eps2)
            self.d = _checks.number(1.0 if d is None else d, "d", where)
            if self.d < 1.0:
                raise ValueError(f"{where}: d must be >= 1, got {self.d}")
            self.weight_decay = _checks.non_negative(0.0 if weight_decay is None
                                                     else weight_decay, "weight_decay", where)
            self.maximize = bool(maximize)
            default_lr = 1e-2
        else:
            self.beta_2_decay = _non_positive(-0.8 if beta_2_decay is None else beta_2_decay,
                                              "beta_2_decay", where)
            self.epsilon_1 = _checks.non_negative(1e-30 if epsilon_1 is None else epsilon_1,
                                                  "epsilon_1", where)
            self.epsilon_2 = _checks.non_negative(1e-3 if epsilon_2 is None else epsilon_2,
                                                  "epsilon_2", where)
            self.clip_threshold = _checks.number(1.0 if clip_threshold is None
                                                 else clip_threshold, "clip_threshold", where)
            if self.clip_threshold <= 0:
                raise ValueError(f"{where}: clip_threshold must be > 0, got "
                                 f"{self.clip_threshold}")
            self.relative_step = True if relative_step is None else bool(relative_step)
            self.weight_decay = keras_weight_decay(weight_decay, where)
            default_lr = 0.001
        if learning_rate is None and lr is None and (params is None or pytorch_style):
            learning_rate = default_lr
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm)
        # R and C for parameters of 2 or more axes, v for the others (PyTorch's form) or for
        # all (Keras's, which rebuilds it from R and C at every step).
        self.row_vars, self.col_vars, self.variances = [], [], []
        self.steps = []

    @property
    def state_names(self):
        return () if self.pytorch_style else ("variances",)

    @property
    def count_names(self):
        return ("steps",) if self.pytorch_style else ()

    @property
    def extra_names(self):
        return ("row_vars", "col_vars") + (("variances",) if self.pytorch_style else ())

    @property
    def extra_after(self):
        return "steps" if self.pytorch_style else "variances"

    def extra_shapes(self, i):
        shape = self.params[i].shape
        if len(shape) < 2:
            return {"variances": shape} if self.pytorch_style else {}
        shapes = {"row_vars": shape[:-1] + (1,), "col_vars": shape[:-2] + (1, shape[-1])} \
            if self.pytorch_style else {"row_vars": shape[:-1],
                                        "col_vars": shape[:-2] + (shape[-1],)}
        return shapes

    def init_state(self, p):
        super().init_state(p)
        shapes = self.extra_shapes(len(self.row_vars))
        if not self.pytorch_style:
            shapes["variances"] = p.shape
        for name in ("row_vars", "col_vars", "variances"):
            getattr(self, name).append(np.zeros(shapes[name], p.dtype) if name in shapes
                                       else None)

    def update(self, i, p, g, lr):
        if self.pytorch_style:
            self._update_pytorch(i, p, g, lr)
            return
        t = self.iterations + 1
        if self.weight_decay:
            self.scale(p, 1.0 - lr * self.weight_decay)         # p <- p - lr*weight_decay*p
        rho_t = min(lr, 1.0 / math.sqrt(t))
        alpha_t = max(self.epsilon_2, _rms(p)) * rho_t
        g2 = np.square(g) + self.epsilon_1                      # g**2 + eps1
        beta = 1.0 - t ** self.beta_2_decay
        v = self.variances[i]
        if p.ndim >= 2:
            r, c = self.row_vars[i], self.col_vars[i]
            r[...] = beta * r + (1.0 - beta) * g2.mean(axis=-1)
            c[...] = beta * c + (1.0 - beta) * g2.mean(axis=-2)
            v[...] = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v[...] = beta * v + (1.0 - beta) * g2
        u = g / np.sqrt(v)
        u /= max(1.0, _rms(u) / self.clip_threshold)
        p -= alpha_t * u                                        # p <- p - alpha_t*u_hat

    def _update_pytorch(self, i, p, g, lr):
        g = -g if self.maximize else g
        self.steps[i] += 1
        t = float(self.steps[i])
        eps1, eps2 = self.epsilon
        if eps1 is None:
            eps1 = float(np.finfo(p.dtype).eps)
        weight = t ** self.beta2_decay                          # 1 - beta2_t
        rho_t = min(lr, 1.0 / t ** 0.5)
        alpha = max(eps2, float(np.linalg.norm(p.reshape(-1))) / p.size ** 0.5) * rho_t
        if self.weight_decay:
            p *= 1.0 - lr * self.weight_decay                   # p <- p*(1 - lr*weight_decay)
        if p.ndim >= 2:
            r, c = self.row_vars[i], self.col_vars[i]
            _lerp(r, np.square(np.linalg.norm(g, axis=-1, keepdims=True)) / g.shape[-1], weight)
            _lerp(c, np.square(np.linalg.norm(g, axis=-2, keepdims=True)) / g.shape[-2], weight)
            v = (r @ c) / np.maximum(r.mean(axis=-2, keepdims=True), eps1)
        else:
            v = self.variances[i]
            _lerp(v, g * g, weight)
            v = v.copy()
        u = 1.0 / np.sqrt(np.maximum(v, eps1 * eps1)) * g
        denominator = max(1.0, float(np.linalg.norm(u.reshape(-1))) / (u.size ** 0.5 * self.d))
        p -= (alpha / denominator) * u                          # p <- p - alpha*u/max(1, ...)

    def get_config(self):
        config = super().get_config()
        if self.pytorch_style:
            config.update(beta2_decay=self.beta2_decay, eps=self.epsilon, d=self.d,
                          weight_decay=self.weight_decay, maximize=self.maximize)
        else:
            config.update(beta_2_decay=self.beta_2_decay, epsilon_1=self.epsilon_1,
                          epsilon_2=self.epsilon_2, clip_threshold=self.clip_threshold,
                          relative_step=self.relative_step)
            if self.weight_decay is not None:
                config["weight_decay"] = self.weight_decay
        return config


def _rms(x) -> float:
    return math.sqrt(float(np.mean(np.square(x))))


def _lerp(start, end, weight):
    """start <- start + weight*(end - start), in place, as torch's lerp_ computes it."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1.0 - weight)


def _non_positive(value, what, where) -> float:
    value = _checks.number(value, what, where)
    if value > 0:
        raise ValueError(f"{where}: {what} must be <= 0, got {value}")
    return value


def _eps_pair(eps, where):
    if isinstance(eps, (str, bytes)) or not hasattr(eps, "__len__") or len(eps) != 2:
        raise TypeError(f"{where}: eps must be a pair (eps1, eps2), got {eps!r}")
    eps1 = None if eps[0] is None else _checks.non_negative(eps[0], "eps[0]", where)
    return eps1, _checks.non_negative(eps[1], "eps[1]", where)
