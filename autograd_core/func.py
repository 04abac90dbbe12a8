"""``ag.func``: PyTorch's ``torch.func`` (functorch) transforms under their names, mapped to
the JAX-style ones of ``functional``: ``grad``, ``grad_and_value``, ``vjp``, ``jvp``,
``jacrev``, ``jacfwd``, ``hessian``, ``vmap``; and ``functional_call`` and
``stack_module_state``, which call a module with weights given as a dict of Values.

PyTorch's argument names are taken: ``argnums`` (an int or a tuple), ``has_aux`` (func
returns ``(output, aux)`` and the transform returns aux beside its result). ``jacfwd``
gives the same Jacobian as ``jacrev``, computed in reverse mode. As with ``ag.grad``,
plain arrays in give plain arrays out, and Values that require grad give recorded Values,
so the transforms nest (``jacrev(jacrev(f))``, ``vmap(grad(f))``). An argument may be a
dict (or list, tuple) of Values, such as a model's parameters: ``grad`` and ``jacrev``
answer in the same dict, and ``vmap``'s in_dims apply to every Value in it. With
``functional_call`` this gives PyTorch's per-sample gradients,
``vmap(grad(loss), in_dims=(None, None, 0, 0))(params, buffers, data, targets)``, and
model ensembles, ``vmap(fmodel, in_dims=(0, 0, None))(*stack_module_state(models), x)``.

>>> import autograd_core as ag
>>> float(ag.func.grad(lambda x: (x ** 3).sum())(ag.constant(2.0)))
12.0
"""

from __future__ import annotations

from . import functional
from .functional import _aux, _with_aux
from .vectorize import vmap
from .functional_call import functional_call, stack_module_state

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian",
           "vmap", "functionalize", "functional_call", "stack_module_state"]


def grad_and_value(func, argnums=0, has_aux=False):
    """``torch.func.grad_and_value``: a function returning (gradient, value), or
    (gradient, (value, aux)) with ``has_aux``."""
    main, box = _with_aux(func, has_aux, "grad_and_value")
    value_and_grad = functional.value_and_grad(main, argnums)

    def transformed(*args, **kwargs):
        box.clear()
        value, gradient = value_and_grad(*args, **kwargs)
        return (gradient, (value, _aux(box[-1], args))) if has_aux else (gradient, value)
    return transformed


def grad(func, argnums=0, has_aux=False):
    """``torch.func.grad``: a function returning the gradient of func's one-number output
    with respect to args[argnums] (and aux with ``has_aux``)."""
    both = grad_and_value(func, argnums, has_aux)

    def transformed(*args, **kwargs):
        gradient, value = both(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return transformed


def vjp(func, *primals, has_aux=False):
    """``torch.func.vjp``: (func(*primals), vjp_fn), and aux last with ``has_aux``."""
    main, box = _with_aux(func, has_aux, "vjp")
    output, vjp_fn = functional.vjp(main, *primals)
    return (output, vjp_fn, _aux(box[-1], primals)) if has_aux else (output, vjp_fn)


def jvp(func, primals, tangents, *, has_aux=False):
    """``torch.func.jvp``: (func(*primals), J tangents), and aux last with ``has_aux``."""
    main, box = _with_aux(func, has_aux, "jvp")
    output, tangent = functional.jvp(main, primals, tangents)
    if has_aux:
        return output, tangent, _aux(box[-1], primals if isinstance(primals, (tuple, list))
                                     else (primals,))
    return output, tangent


def linearize(func, *primals):
    """``torch.func.linearize``: ``(func(*primals), jvp_fn)``, where ``jvp_fn(*tangents)``
    is the Jacobian-vector product at the primals. PyTorch keeps the linearized graph;
    here each call of jvp_fn runs ``jvp`` again at the same primals, the same numbers."""
    output, _ = functional.vjp(func, *primals)

    def jvp_fn(*tangents):
        if len(tangents) != len(primals):
            raise ValueError(f"linearize: jvp_fn takes {len(primals)} tangents, one per "
                             f"primal, got {len(tangents)}")
        return functional.jvp(func, primals, tangents)[1]
    return output, jvp_fn


def functionalize(func, *, remove="mutations"):
    """``torch.func.functionalize``: func with its in-place updates made out of place, for
    compilers. This library's ops never mutate a recorded input (an in-place update makes
    a new node or refuses, see ``Value.__isub__``), so func already is its own functional
    form and is returned wrapped, as is."""
    if remove not in ("mutations", "mutations_and_views"):
        raise ValueError(f"functionalize: remove must be 'mutations' or "
                         f"'mutations_and_views', got {remove!r}")

    def functionalized(*args, **kwargs):
        return func(*args, **kwargs)
    functionalized.__name__ = getattr(func, "__name__", "func")
    return functionalized


def jacrev(func, argnums=0, has_aux=False, *, chunk_size=None):
    """``torch.func.jacrev`` and JAX's ``jacrev``: the Jacobian d out / d args[argnums],
    shape out + arg; a tuple of them for a tuple of argnums, a dict of them for a dict
    argument, and the nest of func's outputs for a nest of outputs. With ``has_aux``, func
    returns (output, aux) and so does the transform: (jacobian, aux).

    ``chunk_size`` is PyTorch's memory knob (how many rows of the Jacobian its vmap
    computes at once): accepted and checked, while this one always computes one row, one
    backward pass, at a time.
    """
    if chunk_size is not None and (isinstance(chunk_size, bool) or
                                   not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"jacrev: chunk_size must be a positive integer or None, got "
                         f"{chunk_size!r}")
    return functional.jacobian(func, argnums, has_aux)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """``torch.func.jacfwd`` and JAX's ``jacfwd``: the same Jacobian as ``jacrev``,
    computed here in reverse mode (forward mode's speed-up for wide outputs is not
    modelled).

    ``randomness`` is PyTorch's rule for random ops under its vmap ("error", "different",
    "same"): func runs once here, not once per tangent, so a random op draws once, as with
    "same"; the argument is accepted and checked.
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"jacfwd: randomness must be 'error', 'different' or 'same', got "
                         f"{randomness!r}")
    return functional.jacobian(func, argnums, has_aux)


def hessian(func, argnums=0):
    """``torch.func.hessian``, ``jacfwd(jacrev(func))``: shape out + arg + arg (arg + arg
    for a one-number func); with a tuple of argnums the nest of blocks H[i][j]."""
    return functional.hessian(func, argnums)
