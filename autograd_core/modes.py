"""Modes of recording, per thread: grad mode, anomaly mode, the open tapes, the name scope.

As PyTorch's grad mode is, these are per thread: a thread evaluating under ``no_grad``
changes nothing for a thread training, and overlapping blocks in two threads leave each
thread's mode as it was. ``apply`` reads a thread's state once per op.
"""

from __future__ import annotations

import contextlib
import threading


class _Census:
    """How many threads have a mode on (a state that is not ``plain``).

    Speed, fenced here: a thread's own state is a ``threading.local`` attribute, and
    reading it costs ~130 ns, as much as a scalar multiply. While no thread has a mode on,
    every thread is plain, so ``apply1``/``apply2`` read this count (~20 ns) and look at
    their thread's state only when it is not 0. The count changes under a lock: modes are
    entered and left rarely, ops run constantly.
    """

    __slots__ = ("unplain", "_lock")

    def __init__(self):
        self.unplain = 0
        self._lock = threading.Lock()

    def add(self, change):
        with self._lock:
            self.unplain += change


census = _Census()


class _ThreadState:
    """The modes of one thread: grad mode, anomaly mode, open tapes, the name scope.

    ``plain`` sums them up for ``apply``'s fast path, in one read: recording on, no anomaly
    checks, no open tape, no name scope. It is kept right by assignment, so the modes
    change only by assigning them (``tapes`` is a tuple for that reason). ``census``
    counts the threads whose state is not plain.
    """

    # deferring: matrix products made now may leave their data uncomputed until read (see
    # deferred.py); not a mode ``plain`` sums up, since no op but matmul reads it.
    __slots__ = ("grad_enabled", "anomaly", "tapes", "scope", "plain", "deferring")

    def __init__(self):
        set_slot = object.__setattr__  # a new state is plain: the census stays as it is
        set_slot(self, "grad_enabled", True)
        set_slot(self, "anomaly", False)
        set_slot(self, "tapes", ())     # open GradientTapes, innermost last
        set_slot(self, "scope", None)   # the innermost name_scope ("sequential/dense_1")
        set_slot(self, "plain", True)
        set_slot(self, "deferring", False)

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        plain = bool(self.grad_enabled and not self.anomaly and not self.tapes
                     and self.scope is None)
        if plain is not self.plain:
            object.__setattr__(self, "plain", plain)
            census.add(-1 if plain else 1)

    def __del__(self):  # a thread that ended inside a mode, or a state replaced
        if not self.plain:
            census.add(-1)


class _PerThread(threading.local):
    def __init__(self):
        self.state = _ThreadState()


_local = _PerThread()


def _state() -> _ThreadState:
    """This thread's modes (``apply`` reads them once per op)."""
    return _local.state


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled):
        self.enabled = enabled

    def _recreate_cm(self):
        # A decorated function gets a fresh object per call (contextlib's hook): one shared
        # object's ``prev`` would be overwritten by a recursive call, or another thread's,
        # and leave recording off after the function returned.
        return type(self)(self.enabled)

    def __enter__(self):
        state = _local.state
        self.prev = state.grad_enabled
        state.grad_enabled = self.enabled

    def __exit__(self, *exc):
        _local.state.grad_enabled = self.prev
        return False


def no_grad():
    """Context manager and decorator: ops inside record no graph (inference, updates).

    Per thread: another thread's ops are recorded as before.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.requires_grad
    False
    """
    return _GradMode(False)


class _InferenceMode(_GradMode):
    """``no_grad`` that also says it is inference mode (``is_inference_mode_enabled``)."""

    def __init__(self, mode):
        super().__init__(not mode)

    def _recreate_cm(self):
        return type(self)(not self.enabled)

    def __enter__(self):
        super().__enter__()
        self.prev_inference = getattr(_local, "inference", False)
        _local.inference = not self.enabled

    def __exit__(self, *exc):
        _local.inference = self.prev_inference
        return super().__exit__(*exc)


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside ``inference_mode()`` (PyTorch's
    ``torch.is_inference_mode_enabled``); ``no_grad`` alone is not inference mode."""
    return getattr(_local, "inference", False)


def inference_mode(mode=True):
    """PyTorch's ``inference_mode``: ``no_grad`` (``inference_mode(False)`` turns recording
    on, as in PyTorch). A context manager and a decorator, with or without the call:
    ``@inference_mode`` and ``@inference_mode()`` both work.

    PyTorch also refuses to record later ops on the Values made inside; here they are
    plain constants, usable anywhere, and nothing is faster than under ``no_grad``.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> with inference_mode():
    ...     y = x * x
    >>> y.requires_grad
    False
    """
    if callable(mode):  # used bare, as @inference_mode
        return _InferenceMode(True)(mode)
    return _InferenceMode(bool(mode))


def enable_grad():
    """Context manager and decorator that turns recording back on inside ``no_grad``."""
    return _GradMode(True)


class set_grad_enabled(_GradMode):
    """PyTorch's ``set_grad_enabled(mode)``: sets grad mode at once, as a function call,
    and restores the mode it found when used as a context manager (``with
    set_grad_enabled(phase == "train"):``, the training loop's idiom) or as a decorator
    (which, as PyTorch's, leaves the mode alone until the function runs). Per thread."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled: mode must be True or False, got {mode!r}")
        super().__init__(mode)
        state = _local.state
        self.prev = state.grad_enabled
        state.grad_enabled = mode

    def __call__(self, fn):
        _local.state.grad_enabled = self.prev  # decorating is not entering
        return super().__call__(fn)

    def _recreate_cm(self):
        return _GradMode(self.enabled)  # each call of a decorated function: a fresh block

    def __enter__(self):
        pass  # the mode was set when the object was made

    def __exit__(self, *exc):
        _local.state.grad_enabled = self.prev
        return False


def is_grad_enabled() -> bool:
    """Whether ops in this thread record the graph."""
    return _local.state.grad_enabled


@contextlib.contextmanager
def name_scope(name: str):
    """Tag the ops run inside with ``name`` (nested scopes join with "/"), as TensorFlow's
    ``tf.name_scope``. Layers use it so a drawing can collapse a model to one box per layer.
    """
    state = _local.state
    prev = state.scope
    state.scope = name if prev is None else f"{prev}/{name}"
    try:
        yield state.scope
    finally:
        state.scope = prev


class detect_anomaly(contextlib.ContextDecorator):
    """Raise ``FloatingPointError`` at the first op whose forward or backward makes NaN/Inf.

    Off by default: it checks every array an op produces, which costs time. Per thread.
    ``check_nan`` is PyTorch's: with False, PyTorch only keeps each op's forward stack
    trace, which this library does not record, so the block then checks nothing (an outer
    block's checks pause inside it, as PyTorch's do).
    """

    def __init__(self, check_nan=True):
        if not isinstance(check_nan, bool):
            raise TypeError(f"detect_anomaly: check_nan must be True or False, got "
                            f"{check_nan!r}")
        self.check_nan = check_nan

    def __enter__(self):
        state = _local.state
        self.prev = state.anomaly
        state.anomaly = self.check_nan

    def __exit__(self, *exc):
        _local.state.anomaly = self.prev
        return False


def set_detect_anomaly(mode, check_nan=True):
    """PyTorch's ``set_detect_anomaly(mode)``: turns anomaly mode on or off for this thread
    at once (and, used with ``with``, back to what it was after the block). With
    ``check_nan=False`` nothing is checked, as ``detect_anomaly`` says."""
    if not isinstance(mode, bool):
        raise TypeError(f"set_detect_anomaly: mode must be True or False, got {mode!r}")
    if not isinstance(check_nan, bool):
        raise TypeError(f"set_detect_anomaly: check_nan must be True or False, got "
                        f"{check_nan!r}")
    return _AnomalyMode(mode and check_nan)


class _AnomalyMode(contextlib.ContextDecorator):
    def __init__(self, mode):
        state = _local.state
        self.prev, state.anomaly = state.anomaly, mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _local.state.anomaly = self.prev
        return False


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on in this thread."""
    return _local.state.anomaly
