"""``vmap``: a function mapped over a batch axis of its arguments (``torch.vmap``, JAX's
``vmap``), a loop over the examples made of recorded ``select`` and ``stack`` ops, so it
composes with the transforms of ``functional`` both ways; and JAX's ``jit``, which runs the
function as it is.
"""

from __future__ import annotations

import numpy as np

from .engine import Value, constant
from .functional import _flatten

__all__ = ["vmap", "jit"]


def _dims_for(in_dims, args, where):
    """in_dims as one entry per argument (an int applies to all), each checked."""
    if isinstance(in_dims, int) or in_dims is None:
        return [in_dims] * len(args)
    if not isinstance(in_dims, (tuple, list)) or len(in_dims) != len(args):
        raise ValueError(f"{where}: in_dims must be an int, None, or a tuple with one entry "
                         f"per argument ({len(args)}), got {in_dims!r}")
    return list(in_dims)


def _batched_leaves(tree, dims, where):
    """(leaf, its batch axis or None) for each leaf of an argument; ``dims`` an int or None
    for the whole argument, or a nest of the argument's shape."""
    leaves, rebuild = _flatten(tree)
    axes = _axes(dims, len(leaves), f"{where}: in_dims {dims!r} does not match an argument "
                                    f"with {len(leaves)} leaves")
    return list(zip(leaves, axes)), rebuild


def _axes(dims, count, mismatch):
    """One axis (or None) for each of ``count`` leaves: an int or None for all, or a nest
    with one entry per leaf (else a ValueError saying ``mismatch``)."""
    if dims is None or isinstance(dims, int):
        return [dims] * count
    axes, _ = _flatten(dims)
    if len(axes) != count:
        raise ValueError(mismatch)
    return axes


def _slice(leaf, axis, i):
    """Example i of a batched leaf: a recorded ``select`` for a Value (gradients flow back
    into the batch), numpy's ``take`` for data."""
    if axis is None:
        return leaf
    if isinstance(leaf, Value):
        from .ops import select
        return select(leaf, axis, i)
    return np.take(np.asarray(leaf), i, axis=axis)


def _stacked(results, axis):
    if axis is None:
        return results[0]
    if any(isinstance(r, Value) for r in results):
        from .ops import stack
        return stack([r if isinstance(r, Value) else constant(r) for r in results], axis=axis)
    return np.stack([np.asarray(r) for r in results], axis=axis)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None, in_axes=None,
         out_axes=None, axis_name=None, axis_size=None, spmd_axis_name=None):
    """``func`` mapped over a batch axis of its arguments (``torch.vmap``, JAX's ``vmap``):
    called on a batch, it calls func on each example and stacks the results.

    Args:
        func: a function of Values (nests of lists, tuples and dicts too) returning a Value
            or a nest of them.
        in_dims: the batch axis of each argument: an int for all, or a tuple with one
            entry per argument, each an int, None (not batched, passed whole) or a nest
            matching that argument.
        out_dims: where the batch axis goes in each result (an int, or one per result;
            None for a result that does not depend on the batch: the first example's).
        randomness: "error" (PyTorch's default) refuses a func that draws random numbers,
            "different" lets each example draw its own, "same" gives every example the
            same draws.
        chunk_size: accepted, as PyTorch's; the examples run one at a time anyway.
        in_axes, out_axes: JAX's names for in_dims and out_dims. JAX's ``axis_name`` (for
            collectives such as ``psum``), ``axis_size`` and ``spmd_axis_name`` have nothing
            to name here: given, they are refused.
    Returns:
        A function with func's arguments (keywords are passed through unbatched).

    The map is a loop over the examples made of ``select`` and ``stack``, so it is
    differentiable and works inside ``grad`` and ``jacobian`` (and they inside it).

    >>> import autograd_core as ag
    >>> dot = lambda a, b: (a * b).sum()
    >>> ag.vmap(dot, in_dims=(0, None))(ag.constant([[1.0, 2.0], [3.0, 4.0]]),
    ...                                 ag.constant([1.0, 1.0])).numpy()
    array([3., 7.], dtype=float32)
    """
    where = "vmap"
    for name, given, default in (("in_axes", in_axes, in_dims), ("out_axes", out_axes, out_dims)):
        if given is not None and default != 0:
            raise TypeError(f"{where}: give {name} (JAX's name) or "
                            f"{'in_dims' if name == 'in_axes' else 'out_dims'} (PyTorch's), "
                            "not both")
    in_dims = in_dims if in_axes is None else in_axes
    out_dims = out_dims if out_axes is None else out_axes
    for name, given in (("axis_name", axis_name), ("axis_size", axis_size),
                        ("spmd_axis_name", spmd_axis_name)):
        if given is not None:
            raise TypeError(f"{where}: JAX's {name} is not supported: there are no "
                            "collectives (psum, pmean) over a mapped axis here")
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"{where}: randomness must be 'error', 'different' or 'same', got "
                         f"{randomness!r}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"{where}: chunk_size must be None or a whole number >= 1")

    def vmapped(*args, **kwargs):
        from . import random

        per_arg = [_batched_leaves(a, d, where)
                   for a, d in zip(args, _dims_for(in_dims, args, where))]
        sizes = set()
        for pairs, _ in per_arg:
            for leaf, axis in pairs:
                if axis is not None:
                    shape = np.shape(leaf.data if isinstance(leaf, Value) else leaf)
                    if not -len(shape) <= axis < len(shape):
                        raise ValueError(f"{where}: in_dim {axis} is out of range for an "
                                         f"argument of shape {shape}")
                    sizes.add(shape[axis])
        if not sizes:
            raise ValueError(f"{where}: at least one argument must be batched (in_dims "
                             f"all None)")
        if len(sizes) > 1:
            raise ValueError(f"{where}: the batched arguments have different sizes "
                             f"{sorted(sizes)} along their in_dims")
        (n,) = sizes
        start = random._rng.bit_generator.state
        outputs = []
        for i in range(n):
            if randomness == "same":
                random._rng.bit_generator.state = start
            example = [rebuild([_slice(leaf, axis, i) for leaf, axis in pairs])
                       for pairs, rebuild in per_arg]
            before = random._rng.bit_generator.state
            outputs.append(func(*example, **kwargs))
            if randomness == "error" and random._rng.bit_generator.state != before:
                raise RuntimeError(f"{where}: func drew random numbers; pass "
                                   f"randomness='different' or 'same' (PyTorch's rule)")
        flat = [_flatten(out) for out in outputs]
        rebuild = flat[0][1]
        columns = list(zip(*[leaves for leaves, _ in flat]))
        axes = _axes(out_dims, len(columns), f"{where}: out_dims {out_dims!r} does not match "
                                             f"func's {len(columns)} results")
        return rebuild([_stacked(list(c), a) for c, a in zip(columns, axes)])
    vmapped.__name__ = f"vmap_{getattr(func, '__name__', 'func')}"
    return vmapped


_JIT_OPTIONS = ("in_shardings", "out_shardings", "static_argnums", "static_argnames",
                "donate_argnums", "donate_argnames", "keep_unused", "device", "backend",
                "inline", "abstracted_axes", "compiler_options")


def jit(fun=None, **options):
    """JAX's ``jax.jit``, so a jitted training step ports by renaming: the function itself,
    run eagerly, op by op (as ``jax.disable_jit()`` runs it). JAX's options (static_argnums,
    donate_argnums, ...) are accepted and change nothing; any other keyword is refused.

    >>> step = jit(lambda x: x * 2.0, static_argnums=())
    >>> float(step(constant(3.0)))
    6.0
    """
    unknown = sorted(k for k in options if k not in _JIT_OPTIONS)
    if unknown:
        raise TypeError(f"jit: unexpected keyword arguments {unknown}")
    if fun is None:  # @partial(jit, static_argnums=...) or @jit(...)
        return lambda f: jit(f)
    if not callable(fun):
        raise TypeError(f"jit: expected a function, got {type(fun).__name__}")
    return fun
