"""Weight averaging on modules, PyTorch's ``torch.optim.swa_utils``: ``AveragedModel`` keeps
a running average (SWA or EMA) of a model's weights, ``update_bn`` recomputes its
BatchNorm statistics; ``SWALR`` and the averaging functions are ``optim.swa_utils``'s,
given here too so that one import serves, as PyTorch's does::

    from nn.swa_utils import AveragedModel, SWALR, update_bn

    swa_model = AveragedModel(model)
    swa_scheduler = SWALR(optimizer, swa_lr=0.05)
    for epoch in range(epochs):
        train(...)
        if epoch > swa_start:
            swa_model.update_parameters(model)
            swa_scheduler.step()
        else:
            scheduler.step()
    update_bn(loader, swa_model)          # the averaged weights' own BN statistics
    predictions = swa_model(x)

They live in nn/ because they work on modules, and optim/ knows nothing of nn/.
"""

from __future__ import annotations

import copy

import numpy as np

import autograd_core as ag
from optim.swa_utils import (
    SWALR, get_ema_avg_fn, get_ema_multi_avg_fn, get_swa_avg_fn, get_swa_multi_avg_fn,
)

from .module import Module
from .torch_norm import BatchNorm1d, BatchNorm2d
from .volumetric import BatchNorm3d

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _data(x):
    return x.data if isinstance(x, ag.Value) else x


class AveragedModel(Module):
    """A copy of ``model`` whose weights are the average of the model's at each
    ``update_parameters(model)``; calling it calls the copy.

    The first update copies the weights; each later one averages them in, by default
    SWA's equal average ``W_avg + (W - W_avg) / (n + 1)`` (``optim.swa_utils``), the
    formula PyTorch uses on the CPU. ``n_averaged`` (a buffer) counts the updates.

    Args:
        model: the module to average (copied with ``copy.deepcopy``).
        device: None or "cpu", the only device.
        avg_fn: None, or ``avg_fn(averaged, current, num_averaged)`` giving the new
            average of one parameter (``get_ema_avg_fn(decay)``...).
        multi_avg_fn: None, or ``multi_avg_fn(averaged_list, current_list, num_averaged)``
            updating lists of Variables in place (``get_ema_multi_avg_fn(decay)``...).
            One of avg_fn and multi_avg_fn at most. ``num_averaged`` is an int.
        use_buffers: average the buffers (BatchNorm's statistics) too, instead of copying
            the model's at each update (default False).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        where = "AveragedModel"
        super().__init__()
        if not isinstance(model, Module):
            raise TypeError(f"{where}: model must be an nn.Module, got {type(model).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError(f"{where}: Only one of avg_fn and multi_avg_fn should be "
                             "provided, got both")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{where}: {name} must be None or a function, got "
                                f"{type(fn).__name__}")
        if device is not None:
            ag.device(device)  # refuses any device but the CPU
        self.module = copy.deepcopy(model)
        weights = self.module.parameters() or self.module.buffers()
        dtype = weights[0].dtype if weights else ag.get_default_dtype()
        self.register_buffer("n_averaged", np.zeros((), dtype))
        self.avg_fn, self.multi_avg_fn = avg_fn, multi_avg_fn
        self.use_buffers = bool(use_buffers)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _pairs(self, model, where):
        """(averaged, model's) Variables to average, and (copy's, model's) buffers to copy,
        checked to pair up one to one, shape to shape."""
        if not isinstance(model, Module):
            raise TypeError(f"{where}: model must be an nn.Module, got {type(model).__name__}")
        averaged, current = self.module.parameters(), model.parameters()
        copied, source = self.module.buffers(), model.buffers()
        if self.use_buffers:
            averaged, current, copied, source = averaged + copied, current + source, [], []
        for what, ours, theirs in (("parameters", averaged, current),
                                   ("buffers", copied, source)):
            if len(ours) != len(theirs):
                raise ValueError(f"{where}: the model has {len(theirs)} {what}, the averaged "
                                 f"copy {len(ours)}: it must be the model it was made from")
            for k, (a, b) in enumerate(zip(ours, theirs)):
                if a.shape != b.shape:
                    raise ValueError(f"{where}: {what}[{k}] has shape {b.shape} in the model "
                                     f"and {a.shape} in the averaged copy")
        return list(zip(averaged, current)), list(zip(copied, source))

    def update_parameters(self, model):
        """Average ``model``'s weights in (copy them, the first time).

        Raises:
            TypeError, ValueError: ``model`` is not a module with the copy's parameters and
                buffers, shape for shape; nothing has changed then.
        """
        where = "AveragedModel.update_parameters"
        averaged, copied = self._pairs(model, where)
        n = int(self.n_averaged.data)
        if n == 0:
            new = [b.data for _, b in averaged]
        elif self.multi_avg_fn is not None:
            self.multi_avg_fn([a for a, _ in averaged], [b for _, b in averaged], n)
            new = None
        else:
            avg_fn = self.avg_fn if self.avg_fn is not None else get_swa_avg_fn()
            with ag.no_grad():
                new = [_data(avg_fn(a, b, n)) for a, b in averaged]
        if new is not None:
            for (a, _), value in zip(averaged, new):
                a.assign(np.asarray(value, a.dtype).reshape(a.shape))
        for a, b in copied:  # the model's buffers, as they are
            a.assign(np.asarray(b.data, a.dtype))
        self.n_averaged.assign(n + 1)


def update_bn(loader, model, device=None):
    """Recompute every BatchNorm's running statistics as plain averages over one pass of
    ``loader``: the statistics of the averaged weights, which no training step has seen.

    As PyTorch's: each BatchNorm's statistics are reset and its momentum set to None
    (a cumulative average) for the pass, in training mode, without gradients; then the
    momenta and the model's mode are restored.

    Args:
        loader: an iterable of batches: each an input, or a tuple/list whose first item is.
        model: the module (an ``AveragedModel``, say).
        device: None or "cpu", the only device.
    Raises:
        Whatever the model raises on a batch; the statistics, momenta and mode are then put
        back as they were.
    """
    if not isinstance(model, Module):
        raise TypeError(f"update_bn: model must be an nn.Module, got {type(model).__name__}")
    if device is not None:
        ag.device(device)
    norms = [m for m in model.modules() if isinstance(m, (BatchNorm1d, BatchNorm2d,
                                                          BatchNorm3d))]
    if not norms:
        return
    kept = [(m, m.momentum, [None if v is None else v.data.copy() for v in _stats(m)])
            for m in norms]
    was_training = model.training
    try:
        for m in norms:
            if m.running_mean is not None:  # PyTorch's reset_running_stats
                m.running_mean.assign(np.zeros_like(m.running_mean.data))
                m.running_var.assign(np.ones_like(m.running_var.data))
                m.num_batches_tracked.assign(np.zeros_like(m.num_batches_tracked.data))
            m.momentum = None
        model.train()
        with ag.no_grad():
            for batch in loader:
                model(batch[0] if isinstance(batch, (list, tuple)) else batch)
    except BaseException:
        for m, _, stats in kept:
            for v, data in zip(_stats(m), stats):
                if v is not None:
                    v.assign(data)
        raise
    finally:
        for m, momentum, _ in kept:
            m.momentum = momentum
        model.train(was_training)


def _stats(norm):
    return (norm.running_mean, norm.running_var, norm.num_batches_tracked)
