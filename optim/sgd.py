"""Stochastic gradient descent with momentum and Nesterov momentum, in Keras's form or
PyTorch's."""

from __future__ import annotations

import numpy as np

from . import _checks
from .optimizer import Optimizer, _is_learning_rate


class SGD(Optimizer):
    """Gradient descent with momentum, in the form of the library the call comes from.

    Keras's form, for an optimizer made without parameters (``SGD(0.1)``, ``compile``,
    ``apply_gradients``)::

        p <- p - lr*weight_decay*p                      (decoupled decay)
        v <- momentum*v - lr*g;   p <- p + v            (nesterov: p <- p + momentum*v - lr*g)

    PyTorch's form, for one made with its parameters (``SGD(model.parameters(), lr=0.1)``)::

        g <- g + weight_decay*p                         (an L2 term: it enters the momentum)
        b <- momentum*b + (1 - dampening)*g             (b <- g at a parameter's first step)
        p <- p - lr*b                                   (nesterov: p <- p - lr*(g + momentum*b))

    With a constant learning rate and no weight decay the two are one update (v = -lr*b).
    They part when the rate changes: Keras's velocity carries steps already scaled by the
    rates they were taken at, PyTorch's buffer carries gradients that the new rate scales,
    so after a ``StepLR`` decay PyTorch's next step is the new rate times the whole buffer.
    Each form keeps its own library's numbers, so code ported from either reproduces them.
    With ``momentum=0`` both are plain gradient descent, ``p <- p - lr*g``.

    Args:
        params: the parameters (PyTorch style) or their groups (dicts, see
            ``Optimizer.param_groups``), or None (Keras style), or the learning rate.
        learning_rate: a number or a schedule (``lr=`` also accepted).
        momentum: in [0, 1]; the fraction of the velocity (the buffer) kept at each step.
        nesterov: take the step from where the momentum is about to carry ``p``. PyTorch's
            form needs a momentum and no dampening for it, as PyTorch does.
        weight_decay: >= 0; decoupled (Keras) or added to the gradient (PyTorch), as above.
        dampening: PyTorch's: the gradient enters the buffer times ``1 - dampening``.
        maximize: PyTorch's: climb the objective (the gradient's sign is flipped).
        clipnorm, clipvalue, global_clipnorm: gradient clipping (see ``Optimizer``).

    Keras's defaults: ``learning_rate=0.01, momentum=0.0, nesterov=False,
    weight_decay=0.0``; PyTorch's ``dampening=0, maximize=False``.

    >>> import autograd_core as ag
    >>> w = ag.Variable([1.0, 2.0])
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()       # g = 2w
    >>> opt.step()
    >>> w.numpy()
    array([0.8, 1.6], dtype=float32)
    """

    group_keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def __init__(self, params=None, learning_rate=0.01, *, momentum=0.0, nesterov=False,
                 weight_decay=0.0, dampening=0.0, maximize=False, lr=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None):
        # Every argument is checked and set before the base learns the parameters (and takes
        # the hyper-parameters as the defaults of parameter groups).
        momentum = _checks.in_unit_interval(momentum, "momentum", "SGD", include_one=True)
        weight_decay = _checks.non_negative(weight_decay, "weight_decay", "SGD")
        dampening = _checks.in_unit_interval(dampening, "dampening", "SGD", include_one=True)
        pytorch_style = params is not None and not _is_learning_rate(params)
        if not pytorch_style and (dampening or maximize):
            raise ValueError("SGD: dampening and maximize are PyTorch's and take PyTorch's "
                             "form of the update: pass the parameters first, "
                             "SGD(model.parameters(), lr=..., dampening=...)")
        if pytorch_style and nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum and zero dampening "
                             f"(PyTorch's rule), got momentum={momentum}, "
                             f"dampening={dampening}")
        self.momentum, self.nesterov = momentum, bool(nesterov)
        self.weight_decay, self.dampening, self.maximize = weight_decay, dampening, \
            bool(maximize)
        super().__init__(params, learning_rate, lr=lr, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        self.velocities = []        # Keras's v, aligned with params; empty without momentum
        self.momentum_buffers = []  # PyTorch's b, likewise
        self._started = []          # PyTorch's form: has the buffer taken a gradient yet?

    @property
    def state_names(self):
        if not self._in_any_group("momentum"):
            return ()
        return ("momentum_buffers",) if self.pytorch_style else ("velocities",)

    def init_state(self, p):
        for name in self.state_names:
            getattr(self, name).append(np.zeros(p.shape, p.dtype))
        self._mark_new_buffers()

    def _complete_state(self):
        super()._complete_state()
        self._mark_new_buffers()

    def _mark_new_buffers(self):
        """The buffers made since the last call have not started: each takes the gradient
        itself at its first update, as PyTorch's does when its momentum_buffer is None."""
        self._started.extend([False] * (len(self.momentum_buffers) - len(self._started)))

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self._started = [True] * len(self.momentum_buffers)  # loaded buffers are under way

    def update(self, i, p, g, lr):
        # Each line is one in-place vector operation: on a large parameter, BLAS's scal
        # (x <- a*x) or axpy (y <- y + a*x), one pass on every core (see _inplace).
        if self.pytorch_style:
            self._update_pytorch(i, p, g, lr)
            return
        if self.weight_decay:
            self.scale(p, 1.0 - lr * self.weight_decay)  # p <- p - lr*weight_decay*p
        if not self.momentum:
            self.add_scaled(p, -lr, g)                    # p <- p - lr*g
            return
        v = self.velocities[i]
        self.scale(v, self.momentum)
        self.add_scaled(v, -lr, g)                        # v <- momentum*v - lr*g
        if self.nesterov:
            self.add_scaled(p, -lr, g)
            self.add_scaled(p, self.momentum, v)          # p <- p + momentum*v - lr*g
        else:
            self.add_scaled(p, 1.0, v)                    # p <- p + v

    def _update_pytorch(self, i, p, g, lr):
        if self.maximize or self.weight_decay:  # g itself is .grad, read only: a buffer
            d = self._workspace.buffer(("gradient", i), p.shape, p.dtype)
            np.multiply(g, -1.0 if self.maximize else 1.0, out=d)
            if self.weight_decay:
                self.add_scaled(d, self.weight_decay, p)  # g <- g + weight_decay*p
            g = d
        if not self.momentum:
            self.add_scaled(p, -lr, g)                    # p <- p - lr*g
            return
        b = self.momentum_buffers[i]
        if self._started[i]:
            self.scale(b, self.momentum)
            self.add_scaled(b, 1.0 - self.dampening, g)   # b <- momentum*b + (1-dampening)*g
        else:
            np.copyto(b, g)                               # b <- g, PyTorch's first step
            self._started[i] = True
        if self.nesterov:
            self.add_scaled(p, -lr, g)
            self.add_scaled(p, -lr * self.momentum, b)    # p <- p - lr*(g + momentum*b)
        else:
            self.add_scaled(p, -lr, b)                    # p <- p - lr*b

    def get_config(self):
        config = {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov,
                  "weight_decay": self.weight_decay}
        if self.dampening or self.maximize:  # PyTorch's, so only on a PyTorch-style SGD
            config.update(dampening=self.dampening, maximize=self.maximize)
        return config
