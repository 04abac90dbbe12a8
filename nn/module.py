"""Module: the base of every layer and model, PyTorch's ``nn.Module`` with Keras's names.

A Module holds Variables and other Modules as plain attributes (or lists, tuples and
dicts of them); ``parameters()`` finds them by walking the attributes in the order they
were set, so a subclass only assigns ``self.W = ag.Variable(...)`` and writes ``forward``.

>>> import autograd_core as ag
>>> class Affine(Module):
...     def __init__(self):
...         super().__init__()
...         self.W = ag.Variable([[2.0]], name="W")
...         self.b = ag.Variable([1.0], name="b")
...     def forward(self, x):
...         return x @ self.W + self.b
>>> m = Affine()
>>> [name for name, _ in m.named_parameters()], m([[3.0]]).numpy().tolist()
(['W', 'b'], [[7.0]])
"""

import contextlib
import functools
import re
import threading
import weakref

import numpy as np

import autograd_core as ag

from . import saving, symbolic
from .backward_hooks import BackwardHooks
from . import state_dict as _state

__all__ = ["Module", "Buffer"]

# How many Modules of each base name exist, for Keras's unique names: dense, dense_1, ...
_name_counts = {}

# How deep the current thread is in Module calls: the losses reset only at depth 0.
_calls = threading.local()
# The modules whose ``_losses`` hold something (add_loss, activity penalties) until cleared.
# A call clears its module tree's losses only when some module holds any: the walk over the
# modules is skipped for models without such losses (most; fit calls the model every step,
# and that walk took 44 us for a Sequential of two Dense layers).
_holding = weakref.WeakSet()


_names_lock = threading.Lock()  # two threads making layers at once get different names


def unique_name(base):
    """``base`` the first time, then ``base_1``, ``base_2``... (as Keras names layers)."""
    with _names_lock:
        count = _name_counts.get(base, 0)
        _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


@functools.lru_cache(maxsize=1024)  # a class's name, once: layers are made in loops, and
def _snake_case(name):               # nn.functional makes a loss module per call
    """'Dense' -> 'dense', 'LeakyReLU' -> 'leaky_re_lu', as Keras derives layer names."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()  # Keras: Conv2D -> conv2d


class Module:
    """Base class of layers and models: parameters, train/eval mode, naming, ``__call__``.

    Args:
        name: the module's name, used as its ``ag.name_scope`` (drawings collapse per
            layer) and in ``summary()``. Defaults to a unique snake_case name from the
            class name: "dense", "dense_1", ...

    Attributes:
        training: True in training mode (the default, as in PyTorch); ``Dropout`` drops
            only then. ``fit`` trains; ``evaluate`` and ``predict`` run in inference mode.
        input_shape: ``(None, ...)`` when the layer was given its input shape.
        activity_regularizer: None, or a penalty of the output (``nn.regularizers``) that
            each call adds to ``losses``, as on every Keras layer.

    A subclass calls ``super().__init__(name)`` first and defines ``forward``.
    """

    input_shape = None
    _output_shape = None
    activity_regularizer = None

    def __init__(self, name=None):
        self.name = name if name is not None else unique_name(_snake_case(type(self).__name__))
        self.training = True
        self._losses = []   # added during the latest call: add_loss, activity penalties

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, training=None, **kwargs):
        """Run ``forward`` inside ``ag.name_scope(self.name)``.

        Args:
            training: as in Keras, run this call in training (True) or inference (False)
                mode whatever the module's mode; None keeps the mode.
        """
        if symbolic.is_symbolic(args, kwargs):  # building a graph: record, compute nothing
            if training is not None:
                kwargs["training"] = training
            return symbolic.call_symbolic(self, args, kwargs)
        with self._one_call():
            if training is not None:
                with self._using_mode(training):
                    return self(*args, **kwargs)
            with ag.name_scope(self.name):
                hooked = "_forward_hooks" in self.__dict__ or \
                    "_forward_pre_hooks" in self.__dict__ or BackwardHooks.wanted(self)
                if hooked:
                    out = _Hooks.run(self, args, kwargs)
                else:
                    out = self.forward(*args, **kwargs)
                if self.activity_regularizer is not None:
                    self._add_activity_penalty(out)
        shape = getattr(out, "shape", None)
        if shape:
            self._output_shape = (None,) + tuple(shape[1:])
        return out

    @property
    def output_shape(self):
        """The output shape of the last call, batch axis as None: ``(None, 512)``."""
        return self._output_shape

    # --- losses: Keras's penalties of the weights and of the outputs ---------------------
    @contextlib.contextmanager
    def _one_call(self):
        """Count a call in progress; the outermost one of the thread first forgets the
        losses of the previous call, so that ``losses`` are those of the latest call."""
        depth = getattr(_calls, "depth", 0)
        if depth == 0 and _holding:
            self.clear_losses()
        _calls.depth = depth + 1
        try:
            yield
        finally:
            _calls.depth = depth

    def _add_activity_penalty(self, out):
        """Keras's activity regularization: activity_regularizer(y) / batch size for each
        output y, so the penalty keeps its weight against the weights' own penalties
        whatever the batch size (keras-team/keras#22018)."""
        outputs = out.values() if isinstance(out, dict) else \
            out if isinstance(out, (list, tuple)) else [out]
        for y in outputs:
            if not isinstance(y, (ag.Value, np.ndarray)):
                continue
            penalty = self._penalty("activity_regularizer", self.activity_regularizer, y)
            if np.ndim(y) > 0 and np.shape(y)[0] > 1:  # an empty batch's penalty stays 0
                penalty = penalty / np.shape(y)[0]
            self._add_loss_value(penalty)

    def _add_loss_value(self, value):
        """Keep ``value`` among this call's losses (``add_loss``, activity penalties)."""
        self._losses.append(value)
        _holding.add(self)

    def _regularized_weights(self):
        """(argument name, regularizer or None, Variable or None) for each weight that may
        carry a penalty, e.g. ("kernel_regularizer", L2(0.001), W). None here."""
        return ()

    def _penalty(self, what, regularizer, x):
        penalty = regularizer(x)
        if np.ndim(penalty) != 0:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {what} must return a "
                             f"scalar, got shape {np.shape(penalty)} for an input of shape "
                             f"{np.shape(x)}")
        return penalty

    def clear_losses(self):
        """Forget the losses of the latest call, this module's and its sub-modules'."""
        for m in self.modules():
            if getattr(m, "_losses", None):
                m._losses.clear()
                _holding.discard(m)

    @property
    def losses(self):
        """Keras's ``layer.losses``: the ``add_loss`` values and activity penalties of the
        latest call, then the weight penalties (kernel_regularizer, ...) of every trainable
        weight, computed now from the current values: Values of the weights, which
        ``backward()`` differentiates. This module's and every sub-module's."""
        modules = self.modules()
        found = [value for m in modules for value in getattr(m, "_losses", ())]
        penalized = [(m, what, regularizer, v) for m in modules
                     for what, regularizer, v in m._regularized_weights()
                     if regularizer is not None and v is not None]
        if penalized:  # (most models have none: fit asks for the losses every step)
            trainable = {id(v) for v in self.trainable_variables}  # a frozen layer's: none
            found += [m._penalty(what, regularizer, v) for m, what, regularizer, v in penalized
                      if id(v) in trainable]
        return found

    # --- finding sub-modules and Variables -------------------------------------------
    def _members(self):
        """(name, Module or Variable) pairs from the attributes, in the order they were set.

        Lists, tuples and dicts of them are entered: ``self.layers = [a, b]`` gives
        "layers.0" and "layers.1".
        """
        for attr, value in vars(self).items():
            yield from _flatten(attr, value)

    def named_children(self):
        """(name, Module) for each direct sub-module, without duplicates."""
        seen = set()
        for name, member in self._members():
            if isinstance(member, Module) and id(member) not in seen:
                seen.add(id(member))
                yield name, member

    def children(self):
        return [m for _, m in self.named_children()]

    def modules(self):
        """This module and every sub-module below it, each once, parents first."""
        found, stack, seen = [], [self], {id(self)}
        while stack:
            module = stack.pop()
            found.append(module)
            kids = [m for m in module.children() if id(m) not in seen]
            seen.update(id(m) for m in kids)
            stack.extend(reversed(kids))
        return found

    def apply(self, fn):
        """PyTorch's ``model.apply(fn)``: call ``fn(m)`` on every sub-module, then on self.

        PyTorch's order exactly: each child, in ``children()`` order, is fully applied
        (its own children first) before the next, and the module itself comes last. As in
        PyTorch a module held by two parents is visited once under each.

        >>> import nn
        >>> def init_weights(m):
        ...     if isinstance(m, nn.Linear):
        ...         nn.init.constant_(m.weight, 1.0)
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2)).apply(init_weights)
        >>> net.children()[1].weight.numpy().tolist()
        [[1.0, 1.0], [1.0, 1.0]]

        Args:
            fn: a function of one Module; what it returns is ignored.
        Returns:
            self.
        """
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}.apply: fn must be callable, got "
                            f"{type(fn).__name__}")
        # An explicit stack in post-order: PyTorch recurses, which a deep stack of modules
        # would overflow. A child that is also an ancestor (a cycle) is skipped, where
        # PyTorch would recurse forever.
        on_path, stack = set(), [(self, False)]
        while stack:
            module, children_done = stack.pop()
            if children_done:
                on_path.discard(id(module))
                fn(module)
                continue
            on_path.add(id(module))
            stack.append((module, True))
            stack.extend((child, False) for child in reversed(module.children())
                         if id(child) not in on_path)
        return self

    def _named_variables(self, kinds=("parameter", "buffer"), prefix="", recurse=True,
                         remove_duplicate=True):
        """(dotted name, Variable) for every Variable in this module and below: parameters,
        buffers (``register_buffer``; "persistent" ones only with kinds "persistent"), or
        both, the default: a Keras layer's weights, what ``state_dict`` and files hold.

        Deterministic: attribute order, depth first, sub-modules after a module's own
        Variables. A Variable (or module) reachable twice, such as a weight shared by two
        layers, appears once, under its first name; under each of its names with
        ``remove_duplicate=False`` (PyTorch's, which ``functional_call`` uses to find tied
        weights). ``prefix`` goes before every name; ``recurse=False`` keeps this module's
        own Variables.
        """
        out, seen = [], set()
        # (name prefix, module, ids of the modules above it): a module inside itself is
        # entered once on its path, even when duplicates are kept
        stack = [(prefix + "." if prefix else "", self, frozenset())]
        while stack:
            prefix, module, above = stack.pop()
            if id(module) in above or remove_duplicate and id(module) in seen:
                continue
            seen.add(id(module))
            buffers = module.__dict__.get("_buffers") or {}
            subs = []
            for name, member in module._members():
                if isinstance(member, ag.Variable):
                    kind = "parameter" if name not in buffers else \
                        "buffer" if "buffer" in kinds or not buffers[name] else "persistent"
                    if kind in kinds and not (remove_duplicate and id(member) in seen):
                        seen.add(id(member))
                        out.append((prefix + name, member))
                elif isinstance(member, Module) and recurse:
                    subs.append((prefix + name + ".", member, above | {id(module)}))
            # Sub-modules after the module's own Variables, each fully before the next.
            stack.extend(reversed(subs))
        return out

    def _variables(self):
        """Every Variable, parameters and buffers, in ``_named_variables`` order."""
        return [v for _, v in self._named_variables()]

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Variable) for every Variable in this module and below, but the
        buffers (``register_buffer``): a Keras layer's weights, trainable or not, and a
        PyTorch module's parameters.

        Deterministic: attribute order, depth first. A Variable (or module) reachable
        twice, such as a weight shared by two layers, appears once, under its first name.

        Args (PyTorch's):
            prefix: put before every name, with a dot ("encoder" -> "encoder.0.W").
            recurse: False gives only this module's own parameters.
            remove_duplicate: False gives a shared weight under each of its names.
        Returns:
            A list of (name, Variable), e.g. [("0.W", W1), ("0.b", b1), ("1.W", W2), ...].
        """
        return self._named_variables(("parameter",), prefix, recurse, remove_duplicate)

    def parameters(self):
        """Every Variable (trainable or not) but the buffers, in ``named_parameters`` order."""
        return [v for _, v in self.named_parameters()]

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Variable) for every buffer (``register_buffer``) here and below;
        the arguments as ``named_parameters``'."""
        return self._named_variables(("buffer",), prefix, recurse, remove_duplicate)

    def buffers(self):
        """Every buffer (``register_buffer``), in ``named_buffers`` order."""
        return [v for _, v in self.named_buffers()]

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """PyTorch's ``named_modules()``: ("", self), then (dotted name, module) for every
        module below it, parents first, each once (all of its names with
        ``remove_duplicate=False``)."""
        memo = set() if memo is None else memo
        found, stack = [], [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            found.append((name, module))
            kids = [(f"{name}.{child}" if name else child, m)
                    for child, m in module._named_submodules()]
            stack.extend(reversed(kids))
        return found

    def _named_submodules(self):
        """(name, Module) for each direct sub-module, repeats kept (named_modules)."""
        return [(name, m) for name, m in self._members() if isinstance(m, Module)]

    # --- PyTorch's registration API ------------------------------------------------------
    def register_buffer(self, name, tensor, persistent=True):
        """PyTorch's ``register_buffer``: ``self.<name>`` holds state that is no parameter:
        a running mean, a mask, positional encodings.

        A buffer is in ``buffers()`` and (unless ``persistent=False``) in ``state_dict()``,
        and ``to(dtype)`` converts it; it is not in ``parameters()``, so no optimizer
        updates it and ``sum(p.numel() for p in model.parameters())`` counts what PyTorch
        counts. It is kept as a Variable that is not trainable; a new tensor assigned to
        the name (``self.count = self.count + 1``) takes its place, as in PyTorch.
        """
        self._check_new_name(name, "register_buffer", buffer=True)
        buffers = self.__dict__.setdefault("_buffers", {})
        buffers[name] = bool(persistent)
        setattr(self, name, tensor)

    def register_parameter(self, name, param):
        """PyTorch's ``register_parameter``: ``self.<name> = param`` (a Parameter, a Variable,
        or None), with PyTorch's checks of the name."""
        self._check_new_name(name, "register_parameter")
        if param is not None and not isinstance(param, ag.Variable):
            raise TypeError(f"{type(self).__name__}.register_parameter: cannot assign "
                            f"{type(param).__name__} as parameter {name!r} (a Parameter or "
                            f"None is required)")
        setattr(self, name, param)

    def add_module(self, name, module):
        """PyTorch's ``add_module`` (and ``register_module``): ``self.<name> = module``."""
        self._check_new_name(name, "add_module", module=True)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {type(module).__name__} is "
                            f"not a Module")
        setattr(self, name, module)

    register_module = add_module

    def _check_new_name(self, name, where, buffer=False, module=False):
        where = f"{type(self).__name__}.{where}"
        if not isinstance(name, str):
            raise TypeError(f"{where}: the name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{where}: the name can't be empty or contain \".\", got {name!r}")
        taken = name in self.__dict__ or (hasattr(type(self), name) and not module)
        if taken and not (buffer and name in (self.__dict__.get("_buffers") or {})) and not (
                module and isinstance(self.__dict__.get(name), Module)):
            raise KeyError(f"{where}: attribute {name!r} already exists")

    def __setstate__(self, state):
        """Unpickled or deep-copied (``copy.deepcopy``, ``AveragedModel``): the attributes as
        they were, and a copy holding losses of a call is noted as holding them."""
        self.__dict__.update(state)
        if state.get("_losses"):
            _holding.add(self)

    def __setattr__(self, name, value):
        if isinstance(value, Buffer):  # PyTorch's self.name = nn.Buffer(tensor)
            self.register_buffer(name, _Registering(value), value.persistent)
            return
        if isinstance(value, _Registering):
            value = value.buffer
        # A registered buffer's name keeps a buffer: the new tensor becomes its Variable.
        buffers = self.__dict__.get("_buffers")
        if buffers and name in buffers and value is not None and \
                not isinstance(value, ag.Variable):
            value = ag.Variable(value.data if isinstance(value, ag.Value) else value,
                                trainable=False, name=f"{self.__dict__.get('name')}/{name}")
        object.__setattr__(self, name, value)

    def get_submodule(self, target):
        """PyTorch's ``get_submodule("layer1.0.conv")``; "" is the module itself."""
        module = self
        for part in target.split(".") if target else ():
            child = dict(module._named_submodules()).get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} "
                                     f"(looking up {target!r})")
            module = child
        return module

    def get_parameter(self, target):
        """PyTorch's ``get_parameter("layer1.0.weight")``."""
        return self._get_variable(target, self.named_parameters(), "parameter")

    def get_buffer(self, target):
        """PyTorch's ``get_buffer("bn.running_mean")``."""
        return self._get_variable(target, self.named_buffers(), "buffer")

    def _get_variable(self, target, named, kind):
        found = dict(named).get(target)
        if found is None:
            raise AttributeError(f"{type(self).__name__} has no {kind} {target!r}")
        return found

    def requires_grad_(self, requires_grad=True):
        """PyTorch's ``model.requires_grad_(False)``: every parameter's ``requires_grad``
        (freezing them for ``backward`` and PyTorch-style optimizers). Returns self."""
        for v in self.parameters():
            v.requires_grad_(requires_grad)
        return self

    # --- PyTorch's forward hooks -------------------------------------------------------
    def register_forward_pre_hook(self, hook):
        """PyTorch's: ``hook(module, args)`` runs before each ``forward``; what it returns,
        if not None, replaces the positional arguments (a tuple, or one value). Returns a
        handle whose ``remove()`` takes the hook away."""
        return _Hooks.add(self, "_forward_pre_hooks", hook)

    def register_forward_hook(self, hook):
        """PyTorch's: ``hook(module, args, output)`` runs after each ``forward``; what it
        returns, if not None, replaces the output (feature extraction, activation
        statistics). Returns a handle whose ``remove()`` takes the hook away."""
        return _Hooks.add(self, "_forward_hooks", hook)

    def register_full_backward_pre_hook(self, hook):
        """PyTorch's: ``hook(module, grad_output)`` runs once the gradients of this
        module's outputs are complete; what it returns, if not None, replaces them (see
        nn/backward_hooks.py). Returns a handle whose ``remove()`` takes the hook away."""
        return _Hooks.add(self, "_backward_pre_hooks", hook)

    def register_full_backward_hook(self, hook):
        """PyTorch's: ``hook(module, grad_input, grad_output)`` runs once the gradients of
        this module's positional inputs are complete (Grad-CAM reads grad_output here);
        what it returns, if not None, replaces grad_input. Returns a removable handle."""
        return _Hooks.add(self, "_backward_hooks", hook)

    def register_backward_hook(self, hook):
        """PyTorch's deprecated name: here the same as ``register_full_backward_hook``
        (PyTorch's old hook saw only the last op's gradients, which it warns about)."""
        return self.register_full_backward_hook(hook)

    # --- Keras's trainable flag -----------------------------------------------------------
    @property
    def trainable(self):
        """Keras's ``layer.trainable``: False freezes the layer, and with it every layer
        inside it. Their weights leave ``trainable_variables`` (so ``fit``, an optimizer
        given ``model.trainable_variables``, and a tape over them leave them alone) and come
        back when it is set to True again; each weight's own flag is kept (a
        BatchNormalization's moving statistics are never trainable). As in Keras, ``fit``
        and ``train_on_batch`` use the weights that were trainable when the model was
        compiled: compile again after changing the flag. PyTorch's way to freeze one
        weight is ``p.requires_grad = False``."""
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{type(self).__name__}.trainable must be True or False, got "
                            f"{value!r}")
        self.__dict__["_trainable"] = bool(value)
        try:
            inside = self.modules()[1:]
        except AttributeError:  # still being made (Layer.__init__ sets the flag first):
            return              # nothing inside it yet
        for m in inside:  # Keras sets every layer inside
            m.__dict__["_trainable"] = bool(value)

    @property
    def trainable_variables(self):
        """The Variables training updates (TensorFlow's name), e.g. [W1, b1, W2, b2]: those
        whose own flag is set, reached through layers that are not frozen (``trainable``),
        in ``parameters()`` order."""
        if not self.trainable:
            return []
        reached, seen, stack = set(), set(), [self]
        while stack:  # the trainable layers' own Variables; frozen layers are not entered
            module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            for _, member in module._members():
                if isinstance(member, ag.Variable):
                    reached.add(id(member))
                elif isinstance(member, Module) and member.trainable:
                    stack.append(member)
        return [v for v in self._variables() if v.trainable and id(v) in reached]

    @property
    def non_trainable_variables(self):
        trainable = {id(v) for v in self.trainable_variables}
        return [v for v in self._variables() if id(v) not in trainable]

    def count_params(self):
        """The number of scalars in all Variables (buffers too, as Keras counts)."""
        return int(sum(v.size for v in self._variables()))

    # --- modes and gradients -----------------------------------------------------------
    def train(self, mode=True):
        """Set training mode on this module and every sub-module. Returns self."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """Set inference mode (``train(False)``): Dropout passes its input through."""
        return self.train(False)

    # --- PyTorch's devices and dtypes ------------------------------------------------------
    def to(self, *args, dtype=None, device=None):
        """PyTorch's ``model.to(device)`` / ``model.to(dtype)``: the CPU, the only device,
        changes nothing (another device is refused); a float dtype converts every float
        weight, as PyTorch converts parameters and buffers. Returns self.

        Make the optimizer after converting: it keeps state in the weights' dtype.
        """
        for a in args:  # a string that names no dtype is a device, as "cuda:0"
            try:
                dtype = np.dtype(a)
            except TypeError:
                device = a
        if device is not None:
            ag.device(device)  # refuses any device but the CPU
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: weights can only take a float dtype, "
                            f"got {dtype}")
        for v in self._variables():
            if v.dtype.kind == "f" and v.dtype != dtype:
                v.data, v.grad = v.data.astype(dtype), None
                v.mark_changed()
        # A Keras layer given a dtype casts its inputs to it (nn.keras_module): from now on
        # to its weights' new one, which its config records too.
        for m in self.modules():
            if getattr(m, "_given_dtype", None) is not None:
                m._given_dtype = dtype
        return self

    def cpu(self):
        """PyTorch's ``model.cpu()``: the model is on the CPU already. Returns self."""
        return self

    def float(self):
        """PyTorch's ``model.float()``: every float weight as float32. Returns self."""
        return self.to(np.float32)

    def double(self):
        """PyTorch's ``model.double()``: every float weight as float64. Returns self."""
        return self.to(np.float64)

    @contextlib.contextmanager
    def _using_mode(self, training):
        """Run a block in training or inference mode, then restore every module's mode."""
        modes = [(m, m.training) for m in self.modules()]
        for m, _ in modes:  # train(training) without a second walk over the modules
            m.training = bool(training)
        try:
            yield
        finally:
            for m, mode in modes:
                m.training = mode

    def zero_grad(self, set_to_none=True):
        """PyTorch's ``model.zero_grad()``: forget every parameter's gradient.

        Args:
            set_to_none: True (the default, as in PyTorch) sets ``.grad = None``; False
                writes zeros into each gradient array in place, so code that holds the
                arrays sees them zeroed. A gradient that is no array (a 0-d parameter's
                numpy scalar, or a Value from ``backward(create_graph=True)``) becomes
                zeros of the parameter's shape and dtype; a missing one stays None.
        """
        for v in self.parameters():
            if set_to_none or v.grad is None:
                v.grad = None
            elif isinstance(v.grad, np.ndarray):
                v.grad.fill(0)
            else:
                v.grad = np.zeros(v.shape, v.dtype) if v.shape else v.dtype.type(0)

    # --- weights as arrays, and files --------------------------------------------------
    def get_weights(self):
        """Copies of the Variables' values, as numpy arrays in ``parameters()`` order (Keras),
        buffers included."""
        return [np.array(v.data) for v in self._variables()]

    def set_weights(self, weights):
        """Overwrite every Variable from a list like ``get_weights()``'s; all dtypes and
        shapes are checked before anything is changed."""
        named = self._named_variables()
        weights = [w.numpy() if isinstance(w, ag.Value) else np.asarray(w) for w in weights]
        if len(weights) != len(named):
            raise ValueError(f"set_weights: {type(self).__name__} {self.name!r} has "
                             f"{len(named)} Variables, got {len(weights)} arrays")
        # Complex or text arrays would be cast silently (dropping the imaginary part,
        # parsing "0.5"): refused, as a weight is real numbers.
        bad = [f"#{i} ({name}): dtype {w.dtype}, not real numbers"
               for i, ((name, v), w) in enumerate(zip(named, weights))
               if w.dtype.kind not in "fiub"]
        if bad:
            raise TypeError("set_weights: " + "; ".join(bad))
        bad = [f"#{i} ({name}): model {v.shape}, given {w.shape}"
               for i, ((name, v), w) in enumerate(zip(named, weights)) if w.shape != v.shape]
        if bad:
            raise ValueError("set_weights: shapes do not match: " + "; ".join(bad))
        for (_, v), w in zip(named, weights):
            v.assign(w.astype(v.dtype, copy=False))

    def state_dict(self):
        """PyTorch's name -> array map of every Variable ("0.weight", "0.bias", ...)."""
        return _state.state_dict(self)

    def load_state_dict(self, state_dict, strict=True):
        """Copy a ``state_dict`` in; every key and shape is checked first (``nn.state_dict``)."""
        return _state.load_state_dict(self, state_dict, strict)

    def get_config(self):
        """The constructor's arguments, Keras's names: ``type(m)(**m.get_config())`` rebuilds
        the layer (without its weights). Layers add their own arguments to this."""
        config = {"name": self.name}
        if self.input_shape is not None:
            config["input_shape"] = tuple(self.input_shape[1:])
        return config

    # --- its place in a functional graph (Keras's layer.input and layer.output) ----------
    @property
    def input(self):
        """The KerasTensor(s) the layer was first called on, in a functional model or a
        built Sequential: with ``output``, what a feature extractor is made of."""
        node = self._first_node("input")
        return node.inputs[0] if len(node.inputs) == 1 else list(node.inputs)

    @property
    def output(self):
        """The KerasTensor(s) the layer gave the first time it was called on ``nn.Input``
        tensors (Keras's ``layer.output``): ``nn.Model(model.inputs, layer.output)``."""
        node = self._first_node("output")
        return node.outputs[0] if node.single else list(node.outputs)

    def _first_node(self, what):
        nodes = self.__dict__.get("_inbound_nodes")
        if not nodes:
            raise AttributeError(f"{type(self).__name__} {self.name!r} has never been called "
                                 f"on nn.Input tensors and thus has no defined {what}")
        return nodes[0]

    @classmethod
    def from_config(cls, config):
        """The layer ``config`` (from ``get_config``) describes, with new weights: Keras's
        ``cls(**config)``."""
        return cls(**config)

    def save_weights(self, path):
        """Write every Variable to an ``.npz`` file, atomically (see ``nn.saving``)."""
        saving.save_weights(self, path)

    def load_weights(self, path):
        """Read Variables saved by ``save_weights``; a mismatch changes nothing (``nn.saving``)."""
        saving.load_weights(self, path)

    # --- description ---------------------------------------------------------------------
    def extra_repr(self):
        """The module's settings for ``repr``, e.g. "units=512, activation=relu"."""
        return ""

    def __repr__(self):
        head = f"{type(self).__name__}({self.extra_repr()}"
        kids = list(self.named_children())
        if not kids:
            return head + ")"
        lines = [f"  ({name}): " + repr(child).replace("\n", "\n  ") for name, child in kids]
        return head + "\n" + "\n".join(lines) + "\n)"

    def summary(self, line_length=65, print_fn=print):
        """Print a Keras-style table: each layer, its output shape and parameter count.

        The rows are the direct sub-modules (the layers of a Sequential). An output shape
        is known once the model was built from an ``input_shape`` or called on data.

        Args:
            line_length: total width of the table.
            print_fn: called with each line (``print``, or ``lines.append``).
        """
        entries = [[(f"{layer.name} ({type(layer).__name__})",
                     "?" if layer.output_shape is None else _shape_text(layer.output_shape),
                     layer.count_params())]
                   for layer in self.children() or [self]]
        self._print_table(("Layer (type)", "Output Shape", "Param #"), (0.45, 0.40), entries,
                          line_length, print_fn)

    def _print_table(self, headers, fractions, entries, line_length, print_fn):
        """Keras's summary table: the headers, each layer's entry (its lines of cells,
        ``fractions`` of ``line_length`` wide, the last column what is left), the totals."""
        widths = [int(line_length * f) for f in fractions]
        widths.append(line_length - sum(widths))

        def line(*cells):
            # a cell wider than its column still keeps a space before the next one
            return "".join((str(c) + " ").ljust(w) if len(str(c)) >= w else str(c).ljust(w)
                           for c, w in zip(cells, widths)).rstrip()

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * line_length)
        print_fn(line(*headers))
        print_fn("=" * line_length)
        for i, entry in enumerate(entries):
            for cells in entry:
                print_fn(line(*cells))
            print_fn("=" * line_length if i == len(entries) - 1 else "_" * line_length)
        trainable = int(sum(v.size for v in self.trainable_variables))
        total = self.count_params()
        print_fn(f"Total params: {total:,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {total - trainable:,}")
        print_fn("_" * line_length)


class Buffer(ag.Variable):
    """PyTorch's ``nn.Buffer(data, persistent=True)``: a tensor that, assigned as a module
    attribute (``self.running = nn.Buffer(np.zeros(3))``), is registered as a buffer, as
    ``register_buffer(name, data, persistent)`` would: in ``buffers()``, in
    ``state_dict()`` unless ``persistent=False``, never in ``parameters()``. A Variable
    that is not trainable, so it computes as the array it holds.
    """

    __slots__ = ("persistent",)

    def __init__(self, data=None, *, persistent=True):
        if data is None:  # PyTorch's Buffer() is an empty tensor
            data = np.zeros((0,), ag.get_default_dtype())
        if isinstance(data, ag.Value):
            data = data.numpy()
        super().__init__(data, trainable=False)
        self.persistent = bool(persistent)


class _Registering:
    """A Buffer on its way through ``register_buffer``, to be kept as it is."""

    __slots__ = ("buffer",)

    def __init__(self, buffer):
        self.buffer = buffer


def _flatten(name, value):
    if isinstance(value, (Module, ag.Variable)):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _flatten(f"{name}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{name}.{key}", item)


def _shape_text(shape):
    """(None, 512) as Keras prints it."""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


class _Hooks:
    """PyTorch's forward hooks on a module, and the handles that remove them."""

    _next_id = 0

    def __init__(self, hooks, key):
        self.hooks, self.id = hooks, key

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    @classmethod
    def add(cls, module, where, hook):
        if not callable(hook):
            method = "register" + where[:-1].replace("_backward", "_full_backward")
            raise TypeError(f"{type(module).__name__}.{method}: hook must be callable, got "
                            f"{type(hook).__name__}")
        hooks = module.__dict__.setdefault(where, {})
        cls._next_id += 1
        hooks[cls._next_id] = hook
        return cls(hooks, cls._next_id)

    @staticmethod
    def run(module, args, kwargs):
        """``module.forward`` with its pre-hooks before it and its hooks after it."""
        for hook in list(module.__dict__.get("_forward_pre_hooks", {}).values()):
            changed = hook(module, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        backward = BackwardHooks(module) if BackwardHooks.wanted(module) else None
        if backward is not None:  # PyTorch's order: after the pre-hooks, and after the hooks
            args = backward.wrap_inputs(args)
        out = module.forward(*args, **kwargs)
        for hook in list(module.__dict__.get("_forward_hooks", {}).values()):
            changed = hook(module, args, out)
            if changed is not None:
                out = changed
        return out if backward is None else backward.wrap_outputs(out)
