"""PyTorch's ``torch.utils.checkpoint``: ``checkpoint`` and ``checkpoint_sequential``.

Both run a block without keeping its intermediate results and run it again during the
backward pass (see ``autograd_core.recompute``, where the op is). PyTorch has two ways to
do it (``use_reentrant``); here there is one, which gives what both give: the same
gradients as without checkpointing, through ``backward()``, ``ag.gradients`` and tapes,
and to any order.
"""

from __future__ import annotations


from ..engine import Value
from ..recompute import _checkpointed

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function, *args, use_reentrant=None, context_fn=None,
               determinism_check="default", debug=False, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, its intermediate results computed again for backward
    instead of kept (``torch.utils.checkpoint.checkpoint``).

    Args:
        function: returns one Value.
        use_reentrant, debug: PyTorch's; they change nothing here (see the module).
        context_fn: returns two context managers, entered around the first run and around
            the run for backward, as PyTorch's.
        determinism_check: "default" compares the output of the run for backward with the
            first one and raises if they differ; "none" does not.
        preserve_rng_state: replay ``ag.random``'s generator in the second run (default),
            so that an unseeded Dropout drops the same units.

    >>> import autograd_core as ag
    >>> w = ag.Variable([[1.0, -2.0], [0.5, 1.0]])
    >>> x = ag.Value([[1.0, 2.0]], requires_grad=True)
    >>> y = checkpoint(lambda x: ag.relu(x @ w) @ w, x, use_reentrant=False)
    >>> y.sum().backward()
    >>> x.grad.tolist(), w.grad.tolist()      # as without checkpoint
    ([[-1.0, -0.5]], [[1.0, 2.0], [-2.0, 0.0]])
    """
    del use_reentrant, debug
    if determinism_check not in ("default", "none"):
        raise ValueError(f"checkpoint: determinism_check must be 'default' or 'none', got "
                         f"{determinism_check!r}")
    contexts = None
    if context_fn is not None:
        contexts = tuple(context_fn())
        if len(contexts) != 2:
            raise ValueError("checkpoint: context_fn must return two context managers (the "
                             "first run's and the second run's)")
    return _checkpointed(function, args, kwargs, preserve_rng_state=preserve_rng_state,
                         check=determinism_check == "default", contexts=contexts,
                         where=f"checkpoint({getattr(function, '__name__', 'function')})")


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):  # noqa: A002
    """Run ``functions`` (a list, or an ``nn.Sequential``) one after the other on ``input``,
    in ``segments`` checkpointed pieces except the last (as PyTorch's
    ``checkpoint_sequential``)."""
    functions = list(functions.children()) if hasattr(functions, "children") else \
        list(functions)
    if isinstance(segments, bool) or not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive integer, got "
                         f"{segments!r}")
    if not isinstance(input, Value):
        raise TypeError(f"checkpoint_sequential: input must be a Value, got "
                        f"{type(input).__name__}")
    size = max(len(functions) // segments, 1)

    def run(start, end):
        def piece(x):
            for f in functions[start:end]:
                x = f(x)
            return x
        piece.__name__ = f"functions[{start}:{end}]"
        return piece

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end + 1), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions))(input)


