"""PyTorch's ``AdaptiveLogSoftmaxWithLoss`` (Grave et al., 2017, "Efficient softmax
approximation for GPUs"): the frequent classes in a head softmax, the rare ones in
clusters reached through one head entry each, with smaller projections.

    log p(c | x) = head_logprob(x)[c]                                   c < cutoffs[0]
    log p(c | x) = head_logprob(x)[shortlist + i] + tail_i_logprob(x)[c - cutoffs[i]]
                                                                        c in cluster i
"""

import collections
import numbers

import numpy as np

import autograd_core as ag

from .basic_layers import _as_input
from .module import Module
from .sequential import Sequential
from .torch_containers import ModuleList
from .torch_layers import Linear, _factory_dtype, _size

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = collections.namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """L = mean(-log p(target | x)), p the adaptive softmax (module docstring):
    (N, in_features) and targets (N,) -> (output (N,), loss ()); one example (in_features,)
    with a 0-D target -> (output (), loss ()).

    Args (PyTorch's):
        in_features, n_classes.  cutoffs: increasing, unique ints in [1, n_classes - 1]:
        the shortlist is classes [0, cutoffs[0]), cluster i is [cutoffs[i], cutoffs[i+1]).
        div_value=4.0: cluster i projects to in_features // div_value**(i + 1) features.
        head_bias=False.  Keywords: device=None ("cpu"), dtype=None.

    Attributes (PyTorch's names, so its state_dict loads):
        head: Linear(in_features, shortlist + clusters).  tail: a ModuleList of
        Sequential(Linear(in_features, hsz, bias=False), Linear(hsz, osz, bias=False)).
        cutoffs: the given ones and n_classes.  shortlist_size, n_clusters, head_size.
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False,
                 name=None, *, device=None, dtype=None):
        dtype = _factory_dtype(device, dtype, "AdaptiveLogSoftmaxWithLoss", name)
        where = "AdaptiveLogSoftmaxWithLoss" if name is None else \
            f"AdaptiveLogSoftmaxWithLoss {name!r}"
        in_features = _size(in_features, "in_features", where)
        n_classes = _size(n_classes, "n_classes", where)
        cutoffs = list(cutoffs)
        if not cutoffs:
            raise ValueError(f"{where}: cutoffs should be a sequence of length larger than 0")
        if any(isinstance(c, (bool, np.bool_)) or not isinstance(c, numbers.Real)
               or int(c) != c for c in cutoffs) or cutoffs != sorted(cutoffs) \
                or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1 \
                or len(set(cutoffs)) != len(cutoffs):
            raise ValueError(f"{where}: cutoffs should be a sequence of unique, positive "
                             "integers sorted in an increasing order, where each value is "
                             f"between 1 and n_classes-1 ({n_classes - 1}), got {cutoffs}")
        if isinstance(div_value, (bool, np.bool_)) or not isinstance(div_value, numbers.Real) \
                or not div_value > 0:
            raise ValueError(f"{where}: div_value must be a number > 0, got {div_value!r}")
        super().__init__(name)
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value, self.head_bias = div_value, bool(head_bias)
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=self.head_bias, dtype=dtype)
        tail = []
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            if hsz < 1:
                raise ValueError(f"{where}: cluster {i} would project to in_features // "
                                 f"div_value**{i + 1} = 0 features; use a smaller div_value")
            tail.append(Sequential(Linear(in_features, hsz, bias=False, dtype=dtype),
                                   Linear(hsz, osz, bias=False, dtype=dtype)))
        self.tail = ModuleList(tail)

    def _where(self):
        return f"AdaptiveLogSoftmaxWithLoss {self.name!r}"

    def _input(self, x, ranks):
        x = _as_input(x, self.head.weight.dtype)
        if x.ndim not in ranks or x.shape[-1] != self.in_features:
            shape = f"(N, {self.in_features})" if ranks == (2,) else f"({self.in_features},)"
            raise ValueError(f"{self._where()}: expected input of shape {shape} (a 1-D target "
                             f"takes (N, in_features), a 0-D one (in_features,)), got "
                             f"{x.shape}")
        return x

    def forward(self, input, target):
        """(output, loss): output[n] = log p(target[n] | input[n]), loss = mean(-output)."""
        where = self._where()
        target = np.asarray(target.data if isinstance(target, ag.Value) else target)
        if target.ndim > 1:
            raise ValueError(f"{where}: 0D or 1D target expected, multi-target not "
                             f"supported, got target of shape {target.shape}")
        batched = target.ndim == 1
        x = self._input(input, (2,) if batched else (1,))
        if batched and x.shape[0] != target.shape[0]:
            raise ValueError(f"{where}: input and target should have the same size in the "
                             f"batch dimension, got {x.shape} and {target.shape}")
        if target.size and (target.dtype.kind not in "iu" or target.min() < 0
                            or target.max() >= self.n_classes):
            raise ValueError(f"{where}: target values should be integers in [0, "
                             f"{self.n_classes - 1}], got {target.dtype} values in "
                             f"[{target.min()}, {target.max()}]")
        if not batched:
            x, target = ag.expand_dims(x, 0), target.reshape(1)
        # the head entry each target is reached through: itself, or its cluster's entry
        cluster = np.searchsorted(self.cutoffs, target, side="right")   # 0: the shortlist
        entry = np.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        head_logprob = ag.log_softmax(self.head(x), axis=1)
        output = ag.squeeze(ag.take_along_axis(head_logprob, entry[:, None], axis=1), 1)
        for i in range(self.n_clusters):
            rows = np.nonzero(cluster == i + 1)[0]
            if rows.size == 0:
                continue
            local = target[rows] - self.cutoffs[i]
            cluster_logprob = ag.log_softmax(self.tail[i](ag.index_select(x, 0, rows)), axis=1)
            picked = ag.squeeze(ag.take_along_axis(cluster_logprob, local[:, None], axis=1), 1)
            spread = np.zeros((x.shape[0], rows.size), x.dtype)   # row k of the batch gets
            spread[rows, np.arange(rows.size)] = 1                # picked[k's place]
            output = output + ag.matmul(ag.constant(spread), picked)
        loss = ag.mean(-output)
        return _ASMoutput(output if batched else ag.squeeze(output, 0), loss)

    def _full_log_prob(self, x, head_output):
        head_logprob = ag.log_softmax(head_output, axis=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            entry = self.shortlist_size + i
            parts.append(ag.log_softmax(self.tail[i](x), axis=1)
                         + head_logprob[:, entry:entry + 1])
        return ag.concatenate(parts, axis=1)

    def log_prob(self, input):
        """log p(c | x) of every class: (N, in_features) -> (N, n_classes)."""
        x = self._input(input, (2,))
        return self._full_log_prob(x, self.head(x))

    def predict(self, input):
        """The most probable class of each example, (N, in_features) -> (N,) int64: the head's
        argmax where it is a shortlist class (no cluster can beat it then), else the argmax
        of the full distribution, as PyTorch's."""
        x = self._input(input, (2,))
        with ag.no_grad():
            head_output = self.head(x)
            output = np.argmax(head_output.numpy(), axis=1).astype(np.int64)
            outside = output >= self.shortlist_size
            if outside.any():
                rows = np.nonzero(outside)[0]
                log_prob = self._full_log_prob(ag.index_select(x, 0, rows),
                                               ag.index_select(head_output, 0, rows))
                output[rows] = np.argmax(log_prob.numpy(), axis=1)
        return output

    def extra_repr(self):
        return ""
