"""The Optimizer base: turn gradients into in-place parameter updates, PyTorch's or Keras's way.

Two ways in, one update:

- PyTorch: ``opt = SGD(params, lr=0.1)``; ``loss.backward(); opt.step(); opt.zero_grad()``.
- Keras: ``opt = SGD(0.1)``; ``opt.apply_gradients(zip(grads, variables))`` or
  ``opt.minimize(loss_fn, variables)``.

Both end in ``_apply``, which follows Keras's order for one update: read the learning rate
(a schedule is called with ``iterations``), clip the gradients, decay the weights
(decoupled, ``p <- p - lr*wd*p``), run the algorithm's ``update`` for each parameter, then
count the update in ``iterations``.

Every update is in place: the parameter's numpy buffer is overwritten, the algorithm's
state (momentum, squared gradients) lives in arrays allocated once per parameter in lists
aligned with ``params``, and temporaries go to a work buffer shared by all parameters. A
step therefore allocates no arrays at all, which makes it several times faster than the same
formulas written with temporaries (``m = b1*m + (1-b1)*g`` allocates two arrays).
SGD goes further for large parameters: its formulas are BLAS's ``axpy`` and ``scal``,
which run on every core without any temporary (``_blas``).
"""

from __future__ import annotations

import functools
import inspect
import numbers
import warnings

import numpy as np

import autograd_core as ag

from .clipping import _clip_scale, global_norm
from .schedules import LearningRateSchedule

# Elements per block for updates that stream through a large parameter: a block of float32
# temporaries (256 KB) stays in cache.
BLOCK = 65536


def _is_learning_rate(x) -> bool:
    """A number or a schedule (a callable of the step), as opposed to parameters."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (numbers.Real, np.floating, np.integer)):
        return True
    return isinstance(x, LearningRateSchedule) or (
        callable(x) and not isinstance(x, ag.Value) and not hasattr(x, "__iter__")
        and not hasattr(x, "parameters"))


def _positive_or_none(value, what, where):
    if value is not None and not value > 0:
        raise ValueError(f"{where}: {what} must be a positive number or None, got {value!r}")
    return value


class Optimizer:
    """Base class: holds the parameters, the learning rate and the step count.

    Args:
        params: the parameters to optimize (an iterable of Values, e.g.
            ``model.parameters()``), PyTorch style; or None (Keras style) to learn them from
            the first ``apply_gradients``/``minimize``. A number or a schedule here is taken
            as the learning rate, so ``SGD(0.5)`` works as in Keras.
        learning_rate: a number, or a schedule called with ``iterations`` before each update.
        lr: PyTorch's name for ``learning_rate``.
        clipnorm: clip each gradient to this L2 norm (per parameter).
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.

    Attributes:
        params: the parameters, in the order first seen; state lists align with it.
        iterations: the number of updates applied so far.

    A subclass sets its hyper-parameters, creates per-parameter state in ``init_state`` and
    writes the update rule in ``update``, over the cache-sized views ``blocks`` yields.
    """

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
        self.clipnorm = _positive_or_none(clipnorm, "clipnorm", where)
        self.clipvalue = _positive_or_none(clipvalue, "clipvalue", where)
        self.global_clipnorm = _positive_or_none(global_clipnorm, "global_clipnorm", where)
        self.learning_rate = learning_rate
        # Decoupled weight decay (p <- p - lr*wd*p before the update), as Keras applies it;
        # only SGD and AdamW expose it.
        self.weight_decay = 0.0
        self.iterations = 0
        self.params = []
        self._index = {}      # id(parameter) -> its position in params and the state lists
        self._built = 0       # params[:_built] have their state
        self._work = {}       # dtype -> the block-sized work array shared by all parameters
        self._grad_work = {}  # dtype -> flat buffer for clipped gradients
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
            for k, p in enumerate(params):
                if isinstance(p, dict):
                    raise TypeError(f"{where}: parameter groups (dicts) are not supported; "
                                    "use one optimizer per group")
                self._checked_param(p, f"{where}: params[{k}]")
                self._index_of(p)

    # --- the learning rate ---------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The learning rate for the next update (a schedule evaluated at ``iterations``)."""
        if callable(self._learning_rate):
            return float(self._learning_rate(self.iterations))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if not _is_learning_rate(value):
            raise TypeError(f"{type(self).__name__}: learning_rate must be a number or a "
                            f"schedule (a callable of the step), got {type(value).__name__}")
        if not callable(value):
            value = float(value)
            if value < 0:
                raise ValueError(f"{type(self).__name__}: learning_rate must be >= 0, "
                                 f"got {value}")
        self._learning_rate = value

    # --- PyTorch style ------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a ``.grad`` (those whose grad is None are skipped).

        Args:
            closure: optional zero-argument callable that recomputes the loss (and calls
                ``backward``), as in PyTorch; it is run first and its result returned.
        Returns:
            The closure's loss, or None.
        """
        if not self.params:
            raise RuntimeError(f"{type(self).__name__}.step: this optimizer has no parameters; "
                               "pass them to the constructor (PyTorch style) or use "
                               "apply_gradients/minimize (Keras style)")
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        pairs = [(self._grad_array(p.grad, p, "step"), p) for p in self.params
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
            ValueError: if every gradient is None, or a gradient's shape is wrong.
        """
        pairs = []
        missing = []
        variables = []
        for k, pair in enumerate(grads_and_vars):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"{type(self).__name__}.apply_gradients: expected (gradient, "
                                f"variable) pairs, item {k} is {type(pair).__name__}")
            g, v = pair
            self._checked_param(v, f"{type(self).__name__}.apply_gradients: variable {k}")
            variables.append(v)
            if g is None:
                missing.append(v.name or f"#{k} of shape {v.shape}")
            else:
                pairs.append((self._grad_array(g, v, "apply_gradients"), v))
        if not pairs:
            raise ValueError(f"{type(self).__name__}.apply_gradients: no gradients provided for "
                             "any variable (all were None)")
        # Only now, with every pair checked, does the optimizer learn the variables (even
        # those without a gradient, as Keras's build does).
        for v in variables:
            self._index_of(v)
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss; they are left unchanged", stacklevel=2)
        self._apply(pairs)

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
    def _apply(self, pairs):
        """One update from checked ``(gradient array, known parameter)`` pairs."""
        lr = self.learning_rate
        if self._built < len(self.params):
            self._build()
        scale = 1.0
        if self.global_clipnorm is not None:
            scale = _clip_scale(global_norm([g for g, _ in pairs]), self.global_clipnorm)
        # Decided once per update: this loop runs for every parameter at every step.
        clipping = self.clipvalue is not None or self.clipnorm is not None or scale != 1.0
        decay = 1.0 - lr * self.weight_decay
        index = self._index
        for g, p in pairs:
            if clipping:
                g = self._clipped(g, p, scale)
            if decay != 1.0:
                _scale_in_place(p, decay)
            self.update(index[id(p)], p, g, lr)
            p.mark_changed()  # a graph recorded before this step can no longer be walked
        self.iterations += 1

    def _clipped(self, g, p, global_scale):
        """g clipped as the constructor asked (written to a shared buffer), or g itself."""
        if self.clipvalue is not None:
            return np.clip(g, -self.clipvalue, self.clipvalue,
                           out=self._scratch(self._grad_work, p))
        scale = global_scale
        if self.clipnorm is not None:
            scale = _clip_scale(global_norm([g]), self.clipnorm)
        if scale == 1.0:
            return g
        return np.multiply(g, scale, out=self._scratch(self._grad_work, p))

    def _build(self):
        """Create the state of the parameters that have none yet, in the order of ``params``.

        Like Keras's ``build``, this runs at the first update (and again for parameters first
        met later), once the subclass has set its hyper-parameters.
        """
        for p in self.params[self._built:]:
            self.init_state(p)
        self._built = len(self.params)

    def init_state(self, p):
        """Append the state for a new parameter ``p`` to every state list (none here)."""

    def update(self, i, p, g, lr):
        """Update parameter ``p`` (position ``i`` in the state lists) in place from gradient
        ``g`` (a numpy array of p's shape) with learning rate ``lr``, typically as
        ``for p_b, g_b, *state_b, work in self.blocks(p, g, *state): p_b -= ...``."""
        raise NotImplementedError

    def blocks(self, p, g, *state):
        """The operands of an update as matching flat views, one cache-sized block at a time.

        Yields ``(p_block, g_block, *state_blocks, work)``: views of the parameter's data, of
        its gradient and of each state array (``None`` stays ``None``), and a work array for
        the temporaries. Updating ``p_block`` in place updates the parameter. Streaming a
        multi-megabyte parameter through cache-sized temporaries is what lets an update
        that leaves ``.grad`` untouched run as fast as one that scales ``.grad`` in place
        (whole-array temporaries are written out to memory and read back: 1.6x slower for
        a 784x512 matrix here, and RMSprop needs several).

        A 0-d parameter (an immutable numpy scalar) or one whose data is not contiguous is
        updated through a contiguous copy, stored back with ``assign`` at the end.
        """
        data = p.data
        direct = type(data) is np.ndarray and data.flags.c_contiguous
        flat = data.reshape(-1) if direct else np.array(data, dtype=p.dtype).reshape(-1)
        flat_g = g.reshape(-1)
        flat_state = [None if a is None else a.reshape(-1) for a in state] if state else ()
        size = flat.size
        work = self._work.get(flat.dtype)
        if work is None or work.size < min(size, BLOCK):
            work = self._work[flat.dtype] = np.empty(min(size, BLOCK), flat.dtype)
        if size <= BLOCK:  # most parameters (biases, small layers): no slicing
            yield (flat, flat_g, *flat_state, work[:size])
        else:
            for span in _spans(size):
                yield (flat[span], flat_g[span], *[None if a is None else a[span] for a in
                       flat_state], work[:span.stop - span.start])
        if not direct:
            p.assign(flat.reshape(p.shape))

    @staticmethod
    def _scratch(pool, p):
        flat = pool.get(p.dtype)
        if flat is None or flat.size < p.size:
            flat = pool[p.dtype] = np.empty(p.size, p.dtype)
        return flat[:p.size].reshape(p.shape)

    def _index_of(self, p):
        i = self._index.get(id(p))
        if i is None:
            # self.params keeps p alive, so its id cannot be reused by another Value.
            i = self._index[id(p)] = len(self.params)
            self.params.append(p)
        return i

    @staticmethod
    def _checked_param(p, where):
        if not isinstance(p, ag.Value):
            raise TypeError(f"{where}: expected a Value (Variable), got {type(p).__name__}")
        if p.dtype.kind != "f":
            raise TypeError(f"{where}: only float Values can be optimized, got dtype {p.dtype}")

    def _grad_array(self, g, p, where):
        if type(g) is not np.ndarray:  # a Value, a numpy scalar, a list
            g = g.data if isinstance(g, ag.Value) else np.asarray(g)
        if g.shape != p.data.shape:
            name = f"{p.name!r}" if p.name else "a variable"
            raise ValueError(f"{type(self).__name__}.{where}: gradient of shape {g.shape} "
                             f"for {name} of shape {p.shape}")
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


@functools.lru_cache(maxsize=256)
def _spans(size):
    """``size`` elements cut into equal slices of at most BLOCK (a tuple, made once per size)."""
    count = -(-size // BLOCK)
    step = -(-size // count)
    return tuple(slice(lo, min(lo + step, size)) for lo in range(0, size, step))


def _default_learning_rate(cls):
    return inspect.signature(cls.__init__).parameters["learning_rate"].default


def _scale_in_place(p, factor):
    """p <- factor * p, in the parameter's own buffer."""
    if isinstance(p.data, np.ndarray):
        np.multiply(p.data, factor, out=p.data)
    else:
        p.assign(p.data * factor)
