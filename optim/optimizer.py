"""The Optimizer base: turn gradients into in-place parameter updates, PyTorch's or Keras's way.

Two ways in, one update:

- PyTorch: ``opt = SGD(params, lr=0.1)``; ``loss.backward(); opt.step(); opt.zero_grad()``.
- Keras: ``opt = SGD(0.1)``; ``opt.apply_gradients(zip(grads, variables))`` or
  ``opt.minimize(loss_fn, variables)``.

Both check every gradient first (a real dtype, the parameter's shape, each parameter
once), then end in ``_apply``, which follows Keras's order for one update: read the
learning rate (a schedule is called with ``iterations``, and what it returns is checked),
clip the gradients (with ``optim.clipping``'s functions), run the algorithm's ``update``
for each parameter, project each updated Variable that has a ``constraint`` (``v.assign(
v.constraint(v))``, a max-norm for instance), then count the update in ``iterations``. A
call that raises has changed nothing: no parameter, no optimizer state, not
``iterations`` (but a constraint that raises does so after the updates).

Every update is in place: ``update`` receives the parameter's own numpy array and
overwrites it, the algorithm's state (momentum, squared gradients) lives in arrays made
once per parameter in lists aligned with ``params``, and temporaries go to work arrays the
optimizer keeps. A step allocates no arrays. What makes that fast (cache-sized blocks,
BLAS) is fenced in ``_inplace``: a subclass writes its formula with ``blocks``,
``add_scaled`` and ``scale`` and never sees the tricks.

Parameter groups (PyTorch style): ``SGD([{"params": base}, {"params": head, "lr": 1e-3}],
lr=1e-2, momentum=0.9)`` gives each group its own hyper-parameters, the constructor's where
a group sets none. The formulas read the hyper-parameters from the optimizer's attributes
(``self.momentum``): with one group those are the group's, and with several, ``_apply``
sets them to each group's values before that group's updates and back to the
constructor's after, so a formula never knows about groups.
"""

from __future__ import annotations

import inspect
import numbers
import warnings

import numpy as np

import autograd_core as ag

from . import _checks, _inplace
from .clipping import clip_by_global_norm, clip_by_norm, clip_by_value
from .schedules import LearningRateSchedule


def _is_learning_rate(x) -> bool:
    """A number or a schedule (a callable of the step), as opposed to parameters."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (numbers.Real, np.floating, np.integer)):
        return True
    return isinstance(x, LearningRateSchedule) or (
        callable(x) and not isinstance(x, ag.Value) and not hasattr(x, "__iter__")
        and not hasattr(x, "parameters"))


def _describe(p):
    return f"{p.name!r}" if p.name else f"a variable of shape {p.shape}"


class Optimizer:
    """Base class: holds the parameters, the learning rate and the step count.

    Args:
        params: the parameters to optimize (an iterable of Values, e.g.
            ``model.parameters()``), PyTorch style, or PyTorch's parameter groups: dicts
            ``{"params": [...], "lr": ..., ...}`` with any of ``group_keys``; or None
            (Keras style) to learn them from the first ``apply_gradients``/``minimize``. A
            number or a schedule here is taken as the learning rate, so ``SGD(0.5)`` works
            as in Keras.
        learning_rate: a finite number >= 0, or a schedule called with ``iterations``
            before each update.
        lr: PyTorch's name for ``learning_rate``.
        clipnorm: clip each gradient to this L2 norm (per parameter).
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.

    Attributes:
        params: the parameters, in the order first seen (group by group); state lists
            align with it.
        iterations: the number of updates applied so far.
        pytorch_style: made with its parameters, as PyTorch's optimizers are: the
            optimizer then takes torch.optim's form of the update and its defaults.
        param_groups: PyTorch's parameter groups, each a mapping of its "params" and its
            hyper-parameters (see ``param_groups``).

    A subclass checks its hyper-parameters and sets them as attributes before calling
    ``Optimizer.__init__`` (which takes them as the defaults of parameter groups), names
    them in ``group_keys`` under torch's names, creates per-parameter state in
    ``init_state`` and writes the update rule in ``update``.
    """

    # torch's names of the hyper-parameters a parameter group can set (PyTorch style); each
    # is the attribute of that name, or of the names in _ATTRIBUTE_NAMES ("betas" is
    # beta_1 and beta_2).
    group_keys = ("lr",)

    def __init__(self, params=None, learning_rate=0.001, *, lr=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None):
        where = type(self).__name__
        if _is_learning_rate(params):  # Keras style: SGD(0.5)
            # The learning rate came first, so the second slot must be left at its default.
            default = _default_learning_rate(type(self))
            if lr is not None or learning_rate != default:
                raise TypeError(f"{where}: got the learning rate twice (first argument "
                                f"{params!r}); pass other hyper-parameters by keyword, e.g. "
                                f"{where}({params!r}, momentum=0.9)")
            params, learning_rate = None, params
        if lr is not None:
            if learning_rate != _default_learning_rate(type(self)):
                raise TypeError(f"{where}: pass either lr= or learning_rate=, not both")
            learning_rate = lr
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{where}: only one of clipnorm, clipvalue and global_clipnorm "
                             f"can be set, got clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.clipnorm = _checks.positive_or_none(clipnorm, "clipnorm", where)
        self.clipvalue = _checks.positive_or_none(clipvalue, "clipvalue", where)
        self.global_clipnorm = _checks.positive_or_none(global_clipnorm, "global_clipnorm",
                                                        where)
        # One group (None): the hyper-parameters are the optimizer's attributes. Several: a
        # dict of attribute values per group, and each parameter's group in _group_of.
        self._groups = None
        self._group_of = []
        self.learning_rate = learning_rate
        # Made with its parameters, as PyTorch's optimizers are: where PyTorch's formula
        # differs from Keras's (where eps goes, momentum and weight decay), follow PyTorch's.
        self.pytorch_style = params is not None
        self.iterations = 0
        self.params = []
        self._index = {}      # id(parameter) -> its position in params and the state lists
        self._built = 0       # params[:_built] have their state
        self._workspace = _inplace.Workspace()
        if params is not None:
            if isinstance(params, (str, bytes)):
                raise TypeError(f"{where}: expected parameters or a learning rate as the first "
                                f"argument, got {params!r}")
            if isinstance(params, ag.Value):
                raise TypeError(f"{where}: params must be an iterable of Values, got a "
                                "single Value; wrap it in a list")
            if isinstance(params, dict) or hasattr(params, "parameters"):
                raise TypeError(f"{where}: params must be an iterable of Values (e.g. "
                                f"model.parameters()), got {type(params).__name__}")
            params = list(params)
            # The constructor's hyper-parameters, torch's ``defaults``: what a parameter group
            # does not set, and the attributes between updates when there are several.
            self._defaults = self._attribute_values()
            groups = bool(params) and isinstance(params[0], dict)
            for k, p in enumerate(params):
                if isinstance(p, dict) != groups:
                    raise TypeError(f"{where}: params[{k}] is {type(p).__name__} but params[0] "
                                    f"is {type(params[0]).__name__}: give every parameter group "
                                    "as a dict, {'params': [...], 'lr': ...}, or none")
            if groups:
                self._groups = []
                for k, group in enumerate(params):
                    self._add_group(*self._checked_group(group, f"{where}: parameter group {k}"))
            else:
                for k, p in enumerate(params):
                    self._checked_param(p, f"{where}: params[{k}]")
                    self._index_of(p)

    # --- the learning rate ---------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The learning rate for the next update (a schedule evaluated at ``iterations``).

        With several parameter groups, the constructor's: each group has its own,
        ``param_groups[k]["lr"]``, and setting this one is refused.

        Raises:
            TypeError, ValueError: if a schedule returns anything but a finite number >= 0,
                naming the step.
        """
        if callable(self._learning_rate):
            step = self.iterations
            return _checks.non_negative(self._learning_rate(step),
                                        f"the schedule's learning rate at step {step}",
                                        type(self).__name__)
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if self._groups is not None:
            raise TypeError(f"{type(self).__name__}: this optimizer has {len(self._groups)} "
                            "parameter groups, each with its own learning rate; set one with "
                            "optimizer.param_groups[k]['lr'] = ...")
        if not _is_learning_rate(value):
            raise TypeError(f"{type(self).__name__}: learning_rate must be a number or a "
                            f"schedule (a callable of the step), got {type(value).__name__}")
        if not callable(value):
            value = _checks.non_negative(value, "learning_rate", type(self).__name__)
        self._learning_rate = value

    # --- PyTorch style ------------------------------------------------------------------
    @property
    def param_groups(self) -> list:
        """PyTorch's parameter groups, as torch.optim lists them: one per dict given to the
        constructor or to ``add_param_group``, else one holding every parameter.

        Each group maps "params" (a copy of its parameter list, read only) and every one
        of ``group_keys`` (torch's names: "lr", "momentum", "betas", "eps", ...) to its
        value, which can be set: it is checked as the constructor checks it and used from
        the next update. With one group these are the optimizer's attributes
        (``group["lr"]`` reads and sets ``learning_rate``); a Keras-style optimizer's
        group has "params" and "lr" only.

        >>> import autograd_core as ag
        >>> from optim import SGD
        >>> base, head = ag.Variable([1.0]), ag.Variable([2.0])
        >>> opt = SGD([{"params": [base]}, {"params": [head], "lr": 1e-3}], lr=1e-2,
        ...           momentum=0.9)
        >>> [(group["lr"], group["momentum"]) for group in opt.param_groups]
        [(0.01, 0.9), (0.001, 0.9)]
        >>> for group in opt.param_groups:
        ...     group["lr"] *= 0.1
        >>> [group["lr"] for group in opt.param_groups]
        [0.001, 0.0001]
        """
        count = 1 if self._groups is None else len(self._groups)
        return [_ParamGroup(self, k) for k in range(count)]

    def add_param_group(self, param_group):
        """Add a parameter group, torch's ``add_param_group``: a dict ``{"params": [...],
        ...}`` whose hyper-parameters (any of ``group_keys``) default to the constructor's,
        as when fine-tuning unfreezes layers as training goes on.

        Raises:
            TypeError: a Keras-style optimizer (made without parameters), not a dict, a
                parameter that is not a float Value. KeyError: no "params". ValueError: a
                key that is not one of ``group_keys``, a parameter the optimizer already
                has, a hyper-parameter the constructor would refuse. Nothing has changed then.
        """
        where = f"{type(self).__name__}.add_param_group"
        if not self.pytorch_style:
            raise TypeError(f"{where}: parameter groups are PyTorch's, and this optimizer was "
                            "made without parameters (Keras style); make it with them, "
                            f"{type(self).__name__}([{{'params': ...}}, ...], lr=...)")
        params, values = self._checked_group(param_group, where)
        if self._groups is None:  # the one group becomes the first of several
            self._refuse_a_schedule(self._learning_rate, where)
            self._groups, self._group_of = [self._attribute_values()], [0] * len(self.params)
            self._load_values(self._defaults)
        self._add_group(params, values)
        self._complete_state()

    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (those whose grad is None are skipped).

        Args:
            closure: optional zero-argument callable that recomputes the loss (and calls
                ``backward``), as in PyTorch; it is run first and its result returned.
        Returns:
            The closure's loss, or None.
        Raises:
            TypeError, ValueError: for a gradient of the wrong dtype or shape, before any
                parameter changes.
        """
        if not self.params:
            raise RuntimeError(f"{type(self).__name__}.step: this optimizer has no parameters; "
                               "pass them to the constructor (PyTorch style) or use "
                               "apply_gradients/minimize (Keras style)")
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        pairs = [(self._checked_grad(p.grad, p, "step"), p) for p in self.params
                 if p.grad is not None]
        if pairs:
            self._apply(pairs)
        return loss

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: ``p.grad = None`` (or zero them in place), as in PyTorch."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            elif isinstance(p.grad, np.ndarray):
                p.grad.fill(0)
            else:
                p.grad = p.dtype.type(0)

    # --- Keras style --------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply one update from ``(gradient, variable)`` pairs, as Keras does.

        Args:
            grads_and_vars: an iterable of ``(grad, variable)``; a grad may be a Value, a
                numpy array (the variable's shape) or None, which skips that variable with
                a warning, as in Keras.
        Raises:
            ValueError: if every gradient is None, a gradient's shape is wrong or a
                variable is listed twice. TypeError: for a gradient that is not real
                numbers. Either way before anything changes.
        """
        where = f"{type(self).__name__}.apply_gradients"
        pairs = []
        missing = []
        variables = []
        first_seen = {}
        for k, pair in enumerate(grads_and_vars):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{where}: expected (gradient, variable) pairs, item {k} is "
                                f"{type(pair).__name__}")
            g, v = pair
            self._checked_param(v, f"{where}: variable {k}")
            if id(v) in first_seen:
                raise ValueError(f"{where}: {_describe(v)} is listed twice (items "
                                 f"{first_seen[id(v)]} and {k}); it would be updated twice. "
                                 "Add its gradients up into one pair")
            first_seen[id(v)] = k
            variables.append(v)
            if g is None:
                missing.append(v.name or f"#{k} of shape {v.shape}")
            else:
                pairs.append((self._checked_grad(g, v, "apply_gradients"), v))
        if not pairs:
            raise ValueError(f"{where}: no gradients provided for any variable (all were None)")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss; they are left unchanged", stacklevel=2)
        self._apply(pairs, variables)

    def apply(self, grads, trainable_variables=None):
        """Keras 3's ``optimizer.apply(grads, trainable_variables)``: ``apply_gradients``
        with the gradients and the variables as two lists of equal length. Without
        ``trainable_variables``, the optimizer's own parameters (PyTorch style, or those of
        earlier updates), in their order."""
        where = f"{type(self).__name__}.apply"
        grads = list(grads)
        variables = self.params if trainable_variables is None else list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"{where}: {len(grads)} gradients for {len(variables)} variables; "
                             "give one gradient (or None) per variable")
        self.apply_gradients(zip(grads, variables))

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradients of ``loss`` with a GradientTape and apply them (Keras).

        Args:
            loss: a zero-argument callable returning the loss Value; or the loss Value itself
                when ``tape`` is the GradientTape that recorded it.
            var_list: the Values to update (a list, or a callable returning one).
            tape: the tape that recorded ``loss``, when ``loss`` is a Value.
        Returns:
            None.

        >>> import autograd_core as ag
        >>> from optim import SGD
        >>> w = ag.Variable(3.0)
        >>> SGD(0.25).minimize(lambda: w * w, [w])   # w <- w - 0.25 * 2w
        >>> float(w)
        1.5
        """
        if callable(var_list):
            var_list = var_list()
        var_list = [var_list] if isinstance(var_list, ag.Value) else list(var_list)
        if callable(loss):
            with ag.GradientTape() as tape:
                tape.watch(var_list)  # Values that are not trainable Variables too
                loss = loss()
        elif tape is None:
            raise TypeError(f"{type(self).__name__}.minimize: loss must be a zero-argument "
                            f"callable, or a Value together with tape=, got "
                            f"{type(loss).__name__}")
        grads = tape.gradient(loss, var_list)
        self.apply_gradients(zip(grads, var_list))

    # --- the update ---------------------------------------------------------------------
    def _apply(self, pairs, variables=()):
        """One update from checked ``(gradient array, parameter)`` pairs.

        ``variables`` (every variable of an ``apply_gradients`` call, with or without a
        gradient) are learnt as Keras's ``build`` does, once the learning rate is known to
        be good: until then nothing has changed.
        """
        if self._groups is None:
            lr = self.learning_rate
            for v in variables:
                self._index_of(v)
        else:  # each group has its rate; a variable must be in a group already
            self._refuse_unknown(variables, "apply_gradients")
        if self._built < len(self.params):
            self._build()
        if self.clipnorm is not None or self.clipvalue is not None \
                or self.global_clipnorm is not None:
            pairs = self._clipped(pairs)
        if self._groups is None:
            self._update_all(pairs, lr)
        else:
            self._update_by_group(pairs)
        # Keras's order: all the updates, then the constraints. A plain Value has none; for
        # a Variable without one this test is all a step costs.
        for _, p in pairs:
            if getattr(p, "constraint", None) is not None:
                _project(p)
        self.iterations += 1

    def _update_all(self, pairs, lr):
        """Run ``update`` on each checked ``(gradient array, parameter)`` pair, in place."""
        index = self._index
        for g, p in pairs:
            data = p.data
            if type(data) is np.ndarray and data.flags.c_contiguous and data.flags.writeable:
                self.update(index[id(p)], data, g, lr)
            else:  # a 0-d parameter (a numpy scalar) or a view: updated as a copy, stored back
                data = np.array(data, dtype=p.dtype)
                self.update(index[id(p)], data, g, lr)
                p.assign(data)
            p.mark_changed()  # a graph recorded before this step can no longer be walked

    def _update_by_group(self, pairs):
        """``_update_all`` group by group, each with its hyper-parameters as the attributes
        the formulas read, and the constructor's back afterwards."""
        index, group_of = self._index, self._group_of
        by_group = [[] for _ in self._groups]
        for pair in pairs:
            by_group[group_of[index[id(pair[1])]]].append(pair)
        try:
            for values, group_pairs in zip(self._groups, by_group):
                if group_pairs:
                    self._load_values(values)
                    self._update_all(group_pairs, values["_learning_rate"])
        finally:
            self._load_values(self._defaults)

    def _clipped(self, pairs):
        """The pairs with their gradients clipped as the constructor asked, by the functions
        of ``optim.clipping`` written into buffers made once per parameter."""
        grads = [g for g, _ in pairs]
        out = [self._workspace.buffer(("clipped", self._index[id(p)]), p.shape, p.dtype)
               for _, p in pairs]
        if self.clipvalue is not None:
            grads = [clip_by_value(g, -self.clipvalue, self.clipvalue, out=o)
                     for g, o in zip(grads, out)]
        elif self.clipnorm is not None:
            grads = [clip_by_norm(g, self.clipnorm, out=o) for g, o in zip(grads, out)]
        else:
            grads, _ = clip_by_global_norm(grads, self.global_clipnorm, out=out)
        return [(g, p) for g, (_, p) in zip(grads, pairs)]

    def _build(self):
        """Create the state of the parameters that have none yet, in the order of ``params``.

        Like Keras's ``build``, this runs at the first update (and again for parameters first
        met later), once the subclass has set its hyper-parameters.
        """
        if self._groups is None:
            for p in self.params[self._built:]:
                self.init_state(p)
        else:  # each parameter's state made with its group's hyper-parameters
            try:
                for i in range(self._built, len(self.params)):
                    self._load_values(self._groups[self._group_of[i]])
                    self.init_state(self.params[i])
            finally:
                self._load_values(self._defaults)
        self._built = len(self.params)

    def _complete_state(self):
        """Give the parameters that have state every list the groups' hyper-parameters now
        ask for (a momentum set from 0 after some updates), zeros as at the start: a state
        list exists for every parameter when any group needs it."""
        for name in self.state_names:
            states = getattr(self, name)
            states.extend(np.zeros(p.shape, p.dtype)
                          for p in self.params[len(states):self._built])

    def init_state(self, p):
        """Append the state for a new parameter ``p`` to every state list (none here)."""
        for name in self.count_names:
            getattr(self, name).append(0)

    def update(self, i, p, g, lr):
        """Update one parameter in place: the algorithm's formula.

        Args:
            i: the parameter's position in ``params`` and in the state lists.
            p: the parameter's data, a C-contiguous numpy array to overwrite.
            g: its gradient, a numpy array of p's shape (read only: ``.grad`` stays as
                backward left it).
            lr: the learning rate of this update, a float.
        """
        raise NotImplementedError

    def pytorch_gradient(self, i, p, g, weight_decay=0.0, maximize=False):
        """PyTorch's gradient of one update: ``g <- -g`` with ``maximize``, then
        ``g <- g + weight_decay*p`` (an L2 term). ``g`` itself is ``.grad``, which stays as
        backward left it, so a changed gradient goes to a buffer kept for parameter ``i``."""
        if not (maximize or weight_decay):
            return g
        d = self._workspace.buffer(("gradient", i), p.shape, p.dtype)
        np.multiply(g, -1.0 if maximize else 1.0, out=d)
        if weight_decay:
            self.add_scaled(d, weight_decay, p)
        return d

    def pytorch_start(self, i, p, g, lr):
        """The start of a PyTorch-style adaptive update (NAdam's, RAdam's): the gradient as
        ``pytorch_gradient`` makes it (the L2 term unless the decay is decoupled), ``p``
        shrunk by ``1 - lr*weight_decay`` for a decoupled decay, and parameter ``i``'s
        count of updates advanced. Returns ``(g, t)``."""
        decoupled = self.decoupled_weight_decay
        g = self.pytorch_gradient(i, p, g, 0.0 if decoupled else self.weight_decay,
                                  self.maximize)
        if decoupled and self.weight_decay:
            self.scale(p, 1.0 - lr * self.weight_decay)         # p <- p*(1 - lr*weight_decay)
        self.steps[i] += 1
        return g, self.steps[i]

    # --- in-place helpers for update (how they are made fast: _inplace) -----------------
    def blocks(self, p, g, *state):
        """``(p_block, g_block, *state_blocks, work)``: matching flat views of the operands,
        one cache-sized block at a time, and a work array of the block's size for the
        temporaries (None state stays None). Updating ``p_block`` updates ``p``::

            for p_b, g_b, s, work in self.blocks(p, g, self.accumulators[i]):
                s += np.square(g_b, out=work)                       # s <- s + g**2
        """
        return self._workspace.blocks(p, g, *state)

    def add_scaled(self, y, alpha, x):
        """y <- y + alpha*x in place (``y``: the parameter or a state array)."""
        self._workspace.add_scaled(y, alpha, x)

    def scale(self, x, alpha):
        """x <- alpha*x in place."""
        self._workspace.scale(x, alpha)

    # --- the state, to resume training ---------------------------------------------------
    # The names of the per-parameter state lists (each aligned with params) that this
    # optimizer's settings use: what state_dict saves. None here (plain SGD).
    state_names = ()
    # The names of per-parameter update counts, lists of ints aligned with params: PyTorch
    # counts each parameter's own updates (its state["step"]), so a parameter whose first
    # gradient comes late starts its bias corrections at 1. init_state appends a 0.
    count_names = ()

    def build(self, var_list):
        """Learn the Variables of ``var_list``, in order, and make their state now rather
        than at the first update (Keras's ``optimizer.build``): an optimizer made without
        params knows them then, and ``load_state_dict`` can fill their state.

        Raises:
            TypeError: an entry is not a float Value; nothing is learnt then.
        """
        var_list = list(var_list)
        for k, p in enumerate(var_list):
            self._checked_param(p, f"{type(self).__name__}.build: var_list[{k}]")
        if self._groups is not None:
            self._refuse_unknown(var_list, "build")
        for p in var_list:
            self._index_of(p)
        self._build()

    def state_dict(self):
        """What training has built up, to resume it later: ``iterations`` and, for each of
        ``state_names``, a copy of every parameter's array, keyed by name and position in
        ``params`` ("momentums.0", "momentums.1", ...), and of ``count_names``, each
        parameter's count of updates as an int64 scalar.

        Names to arrays, so ``np.savez(path, **opt.state_dict())`` saves it and
        ``opt.load_state_dict(np.load(path))`` restores it. With one parameter group the
        hyper-parameters are not in it: they are the constructor's (``get_config``), as
        PyTorch's tutorial rebuilds the optimizer with its arguments before loading (and a
        scheduler's state carries the rate). With several, each group's are, as torch's
        state dict has them, since a scheduler or the code may have changed them: its
        parameters' positions and each of ``group_keys`` ("param_groups.1.params",
        "param_groups.1.lr", "param_groups.1.betas", ...).

        >>> import autograd_core as ag
        >>> from optim import Adam
        >>> w = ag.Variable([1.0, 2.0])
        >>> opt = Adam([w])
        >>> opt.minimize(lambda: (w * w).sum(), [w])
        >>> sorted(opt.state_dict())   # PyTorch style: torch's names, per-parameter steps
        ['exp_avg_sqs.0', 'exp_avgs.0', 'iterations', 'steps.0']
        """
        state = {"iterations": np.array(self.iterations, np.int64)}
        for name in self.state_names:
            for i, array in enumerate(getattr(self, name)):
                state[f"{name}.{i}"] = array.copy()
        for name in self.count_names:
            for i, count in enumerate(getattr(self, name)):
                state[f"{name}.{i}"] = np.array(count, np.int64)
        for k, values in enumerate(self._groups or ()):
            state[f"param_groups.{k}.params"] = np.array(self._members(k), np.int64)
            for key in self.group_keys:
                state[f"param_groups.{k}.{key}"] = np.array(_torch_value(values, key))
        return state

    def load_state_dict(self, state):
        """Restore what ``state_dict`` gave (a dict, or the ``np.load`` of its ``.npz``),
        all or nothing: every name, shape and dtype is checked before anything changes.

        The optimizer must know the parameters the state belongs to, in the same order:
        made with them (PyTorch style), or told them with ``build(var_list)`` (Keras style).
        The state may cover only the first parameters; the others start afresh. A state
        with parameter groups needs the same groups (the same dicts given to the
        constructor and ``add_param_group``), whose hyper-parameters it restores; one
        without (one group, or written before groups existed) leaves them as they are.

        Raises:
            ValueError: a name is missing or unexpected, or an array does not fit its
                parameter; every problem is listed, and nothing has changed.
        """
        where = f"{type(self).__name__}.load_state_dict"
        keys = list(state.keys())
        problems = []
        if "iterations" in keys:
            iterations = np.asarray(state["iterations"])
            if iterations.shape != () or iterations.dtype.kind not in "iu" or iterations < 0:
                problems.append(f"iterations must be one integer >= 0, got {iterations!r}")
        else:
            problems.append("iterations is missing")
        expected = {"iterations"}
        group_names = [k for k in keys if k.startswith("param_groups.")]
        groups = self._loaded_groups(state, group_names, problems, expected) \
            if group_names else None
        state_names, count_names = self._state_lists_with(groups)
        counts = {name: sum(1 for k in keys if k.rsplit(".", 1)[0] == name)
                  for name in (*state_names, *count_names)}
        count = max(counts.values(), default=0)
        if count > len(self.params):
            problems.append(f"the state holds {count} parameters' arrays, but the optimizer "
                            f"knows {len(self.params)} parameters (give it params, or call "
                            "build(var_list) first)")
            count = 0
        for names, problem in ((state_names, _array_problem), (count_names, _count_problem)):
            for name in names:
                for i in range(count):
                    key = f"{name}.{i}"
                    expected.add(key)
                    found = (f"{key} is missing" if key not in keys
                             else problem(key, np.asarray(state[key]), self.params[i]))
                    if found:
                        problems.append(found)
        unexpected = [k for k in keys if k not in expected]
        if unexpected:
            problems.append(f"unexpected names {unexpected} (this optimizer's state lists: "
                            f"{[*state_names, *count_names]}; a Keras-style "
                            "optimizer and one made with its parameters keep different "
                            "state)")
        if problems:
            raise ValueError(f"{where}: the state does not fit; nothing was loaded:\n  "
                             + "\n  ".join(problems))
        if groups is not None:
            self._groups = groups
        for name in state_names:
            setattr(self, name, [np.array(state[f"{name}.{i}"]) for i in range(count)])
        for name in count_names:
            setattr(self, name, [int(state[f"{name}.{i}"]) for i in range(count)])
        self._built = count
        self.iterations = int(iterations)

    def _loaded_groups(self, state, names, problems, expected):
        """The groups' attribute values that ``state`` holds under ``names``
        ("param_groups.<k>.<key>"), checked as the constructor checks them, with what does
        not fit this optimizer's groups added to ``problems`` and the names read to
        ``expected``; None if they cannot be read."""
        if self._groups is None:
            problems.append("the state holds parameter groups, but the optimizer has one group "
                            "of all its parameters; make it with the same groups (dicts, "
                            "add_param_group)")
            return None
        stated = {name.split(".")[1] for name in names}
        if stated != {str(k) for k in range(len(self._groups))}:
            problems.append(f"the state holds parameter groups {sorted(stated)}, but the "
                            f"optimizer has {len(self._groups)}")
            return None
        groups = []
        for k in range(len(self._groups)):
            members = self._members(k)
            hyper = {}
            for key in ("params", *self.group_keys):
                name = f"param_groups.{k}.{key}"
                expected.add(name)
                if name not in state:
                    problems.append(f"{name} is missing")
                    continue
                value = np.asarray(state[name])
                if key == "params" and (value.dtype.kind not in "iu"
                                        or value.tolist() != members):
                    problems.append(f"{name} is {value.tolist()}, but the optimizer's group "
                                    f"{k} holds the parameters {members}")
                elif key != "params":
                    hyper[key] = value.item() if value.shape == () else tuple(value.tolist())
            if len(hyper) == len(self.group_keys):
                try:
                    groups.append(self._group_values(hyper, f"param_groups.{k}"))
                except (TypeError, ValueError) as err:
                    problems.append(str(err))
        return groups if len(groups) == len(self._groups) else None

    def _state_lists_with(self, groups):
        """``(state_names, count_names)`` once the groups have these values (None: as now),
        for they say which state lists exist."""
        kept = self._groups
        if groups is not None:
            self._groups = groups
        try:
            return tuple(self.state_names), tuple(self.count_names)
        finally:
            self._groups = kept

    # --- bookkeeping --------------------------------------------------------------------
    def _index_of(self, p):
        i = self._index.get(id(p))
        if i is None:
            # self.params keeps p alive, so its id cannot be reused by another Value.
            i = self._index[id(p)] = len(self.params)
            self.params.append(p)
        return i

    # --- parameter groups ------------------------------------------------------------------
    def _checked_group(self, group, where):
        """``(parameters, values)`` of a parameter group given as torch's dict, checked before
        anything changes: its parameters (float Values new to the optimizer, each kept once)
        and its hyper-parameters as attribute values, the constructor's where it sets none."""
        name = type(self).__name__
        if not isinstance(group, dict):
            raise TypeError(f"{where}: param_group must be a dict, but got "
                            f"{type(group).__name__}")
        if "params" not in group:
            raise KeyError(f"{where}: the parameter group has no 'params'; give it as "
                           "{'params': [...], 'lr': ...}")
        unknown = [key for key in group if key != "params" and key not in self.group_keys]
        if unknown:
            raise ValueError(f"{where}: unknown keys {unknown} in the parameter group; "
                             f"{name}'s are {['params', *self.group_keys]}")
        params = group["params"]
        if isinstance(params, ag.Value):
            params = [params]
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{where}: optimizer parameters need to be organized in ordered "
                            "collections, but the ordering of a set changes between runs; "
                            "use a list instead")
        if isinstance(params, (str, bytes, dict)) or not hasattr(params, "__iter__"):
            raise TypeError(f"{where}: 'params' must be an iterable of Values (e.g. "
                            f"model.fc.parameters()), got {type(params).__name__}")
        unique = {}
        for j, p in enumerate(params):
            self._checked_param(p, f"{where}: 'params'[{j}]")
            if id(p) in self._index:
                k = 0 if self._groups is None else self._group_of[self._index[id(p)]]
                raise ValueError(f"{where}: some parameters appear in more than one parameter "
                                 f"group ({_describe(p)} is in group {k})")
            unique.setdefault(id(p), p)
        hyper = {key: _torch_value(self._defaults, key) for key in self.group_keys}
        hyper.update((key, value) for key, value in group.items() if key != "params")
        values = self._group_values(hyper, where)
        self._refuse_a_schedule(values["_learning_rate"], where)
        return list(unique.values()), values

    def _group_values(self, hyper, where) -> dict:
        """The attribute values of the hyper-parameters ``hyper`` (torch's names, each of
        ``group_keys``), checked by the constructor itself, so a group takes exactly the
        values, defaults and rules (Nesterov's, for one) that the constructor does.

        Raises:
            TypeError, ValueError: the constructor's, its message prefixed with ``where``.
        """
        name = type(self).__name__
        try:
            checked = type(self)([ag.Variable(0.0)], **hyper)
        except (TypeError, ValueError) as err:
            message = str(err).removeprefix(f"{name}: ")
            raise type(err)(f"{where}: {message}") from None
        return checked._attribute_values()

    @staticmethod
    def _refuse_a_schedule(rate, where):
        if callable(rate):
            raise TypeError(f"{where}: a parameter group's lr must be a number, got the "
                            f"schedule {rate!r}; with parameter groups, change the rates "
                            "with optim.lr_scheduler")

    def _add_group(self, params, values):
        for p in params:
            self._index_of(p)
            self._group_of.append(len(self._groups))
        self._groups.append(values)

    def _attribute_values(self) -> dict:
        """The optimizer's attributes that ``group_keys`` name: attribute -> value."""
        return {attribute: getattr(self, attribute) for key in self.group_keys
                for attribute in _ATTRIBUTE_NAMES.get(key, (key,))}

    def _load_values(self, values):
        for attribute, value in values.items():
            setattr(self, attribute, value)

    def _values_of(self, k) -> dict:
        return self._attribute_values() if self._groups is None else self._groups[k]

    def _set_values(self, k, values):
        if self._groups is None:
            self._load_values(values)
        else:
            self._groups[k] = values
        self._complete_state()

    def _members(self, k) -> list:
        """The positions in ``params`` of group ``k``'s parameters."""
        if self._groups is None:
            return list(range(len(self.params)))
        return [i for i, group in enumerate(self._group_of) if group == k]

    def _group_params(self, k) -> list:
        return [self.params[i] for i in self._members(k)]

    def _in_any_group(self, attribute) -> bool:
        """Whether a group sets the hyper-parameter ``attribute`` (momentum, amsgrad...):
        the state list it needs then exists for every parameter, whatever its group."""
        if self._groups is None:
            return bool(getattr(self, attribute))
        return any(values[attribute] for values in self._groups)

    def _refuse_unknown(self, variables, where):
        for v in variables:
            if id(v) not in self._index:
                raise ValueError(f"{type(self).__name__}.{where}: {_describe(v)} is in none "
                                 f"of the optimizer's {len(self._groups)} parameter groups; "
                                 "add it with add_param_group")

    @staticmethod
    def _checked_param(p, where):
        if not isinstance(p, ag.Value):
            raise TypeError(f"{where}: expected a Value (Variable), got {type(p).__name__}")
        if p.dtype.kind != "f":
            raise TypeError(f"{where}: only float Values can be optimized, got dtype {p.dtype}")

    def _checked_grad(self, g, p, where):
        """g as a numpy array of real numbers and of p's shape, or an error naming p."""
        if type(g) is not np.ndarray:  # a Value, a numpy scalar, a list
            g = g.data if isinstance(g, ag.Value) else np.asarray(g)
        if g.dtype.kind not in "fiu":  # complex, text, objects and booleans are no gradient
            raise TypeError(f"{type(self).__name__}.{where}: the gradient for {_describe(p)} "
                            f"has dtype {g.dtype}; a gradient must hold real numbers")
        if g.shape != p.data.shape:
            raise ValueError(f"{type(self).__name__}.{where}: gradient of shape {g.shape} "
                             f"for {_describe(p)} of shape {p.shape}")
        return g

    # --- description --------------------------------------------------------------------
    def get_config(self) -> dict:
        """The hyper-parameters, enough to rebuild the optimizer: ``type(o)(**o.get_config())``."""
        config = {"learning_rate": self._learning_rate}
        for name in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, name) is not None:
                config[name] = getattr(self, name)
        return config

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _project(v):
    """v <- constraint(v), in place: the projection is data, not part of any graph."""
    with ag.no_grad():
        v.assign(v.constraint(v))


def _default_learning_rate(cls):
    return inspect.signature(cls.__init__).parameters["learning_rate"].default


def _array_problem(key, array, p):
    """What is wrong with ``array`` as parameter ``p``'s state ``key``, or None."""
    if array.shape != p.shape or array.dtype != p.dtype:
        return (f"{key} has shape {array.shape} and dtype {array.dtype}, but its parameter "
                f"({_describe(p)}) has shape {p.shape} and dtype {p.dtype}")
    return None


def _count_problem(key, n, p):
    """What is wrong with ``n`` as parameter ``p``'s count of updates ``key``, or None."""
    if n.shape != () or n.dtype.kind not in "iu" or n < 0:
        return f"{key} must be one integer >= 0, got {n!r}"
    return None


def _made_with_params(params) -> bool:
    """Whether the first argument is the parameters (PyTorch style), not a learning rate
    or None (Keras style): what ``pytorch_style`` will be, known before the base runs."""
    return params is not None and not _is_learning_rate(params)


def _by_style(value, pytorch_style, keras, pytorch):
    """``value``, or when it is None (not given) the default of the optimizer's style."""
    if value is not None:
        return value
    return pytorch if pytorch_style else keras


def _moment_decays(where, pytorch_style, betas, beta_1, beta_2, eps, epsilon):
    """``(beta_1, beta_2, epsilon)`` of the Adam family (Adam, AdamW, Adamax, Nadam), given
    by Keras's names or PyTorch's (``betas``, ``eps``), checked, with the style's defaults:
    0.9 and 0.999 in both, epsilon 1e-7 (Keras) or 1e-8 (PyTorch)."""
    beta_1, beta_2 = _checks.betas(betas, beta_1, beta_2, where)
    epsilon = _checks.one_of_two_names(eps, "eps", epsilon, "epsilon", where)
    beta_1 = _checks.in_unit_interval(_by_style(beta_1, pytorch_style, 0.9, 0.9),
                                      "beta_1", where, include_one=False)
    beta_2 = _checks.in_unit_interval(_by_style(beta_2, pytorch_style, 0.999, 0.999),
                                      "beta_2", where, include_one=False)
    epsilon = _checks.non_negative(_by_style(epsilon, pytorch_style, 1e-7, 1e-8),
                                   "epsilon", where)
    return beta_1, beta_2, epsilon


def _learning_rate_by_style(params, learning_rate, lr, keras, pytorch):
    """The learning rate to hand the base: the style's default when none was given at all
    (neither as the first argument, nor as learning_rate=, nor as lr=), else as given, for
    the base to check that it came once."""
    if learning_rate is None and lr is None and not _is_learning_rate(params):
        return _by_style(None, _made_with_params(params), keras, pytorch)
    return learning_rate


# torch's names of group hyper-parameters whose attributes here are named otherwise.
_ATTRIBUTE_NAMES = {"lr": ("_learning_rate",), "betas": ("beta_1", "beta_2"),
                    "eps": ("epsilon",), "alpha": ("rho",)}


def _torch_value(values, key):
    """The value of torch's group key ``key`` from attribute ``values`` (betas: a pair)."""
    attributes = _ATTRIBUTE_NAMES.get(key, (key,))
    if len(attributes) == 1:
        return values[attributes[0]]
    return tuple(values[attribute] for attribute in attributes)


class _ParamGroup:
    """``optimizer.param_groups[k]``, torch's dict as a small mapping onto the optimizer:
    "params" gives a copy of the group's parameters (read only), and each of the
    optimizer's ``group_keys`` reads and sets a hyper-parameter: the optimizer's attribute
    with one group, the group's own value with several. A value set is checked as the
    constructor checks it. A Keras-style optimizer's one group has "params" and "lr"."""

    def __init__(self, optimizer, k):
        self._optimizer, self._k = optimizer, k

    def _keys(self):
        opt = self._optimizer
        return ("params", *(opt.group_keys if opt.pytorch_style else ("lr",)))

    def _where(self):
        return f"{type(self._optimizer).__name__}.param_groups[{self._k}]"

    def __getitem__(self, key):
        opt = self._optimizer
        if key == "params":
            return opt._group_params(self._k)
        if key not in self._keys():
            raise KeyError(f"{self._where()} has no {key!r}; its keys are "
                           f"{list(self._keys())}")
        if key == "lr" and opt._groups is None:
            return opt.learning_rate  # a schedule's rate at ``iterations``
        return _torch_value(opt._values_of(self._k), key)

    def __setitem__(self, key, value):
        opt = self._optimizer
        where = self._where()
        if key == "params":
            raise TypeError(f"{where}['params'] is read only; pass the parameters to the "
                            "constructor, or a new group to add_param_group")
        if key not in self._keys():
            raise KeyError(f"{where} has no {key!r} to set; its keys are "
                           f"{list(self._keys())}")
        if key == "lr":  # the key a scheduler sets every epoch: checked alone
            if opt._groups is None and callable(opt._learning_rate):
                raise TypeError(f"{where}['lr'] cannot be set: the learning rate is a "
                                f"schedule ({opt._learning_rate!r}), which gives the rate at "
                                "every update and would be lost; set optimizer.learning_rate "
                                "to replace it")
            lr = _checks.non_negative(value, "['lr']", where)
            if opt._groups is None:
                opt.learning_rate = lr
            else:
                opt._groups[self._k]["_learning_rate"] = lr
            return
        values = opt._values_of(self._k)
        hyper = {name: _torch_value(values, name) for name in opt.group_keys}
        hyper[key] = value
        opt._set_values(self._k, opt._group_values(hyper, where))

    # The rest of what code that takes the group for a dict reads.
    def __contains__(self, key):
        return key in self._keys()

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    def keys(self):
        return list(self._keys())

    def values(self):
        return [self[k] for k in self._keys()]

    def items(self):
        return [(k, self[k]) for k in self._keys()]

    def get(self, key, default=None):
        return self[key] if key in self._keys() else default

    def __repr__(self):
        return repr(dict(self.items()))
