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
from .functional import vmap
from .functional_call import functional_call, stack_module_state

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]


def _with_aux(func, has_aux):
    """func without its aux output, and the box each call's aux is put in."""
    box = []
    if not has_aux:
        return func, box

    def main(*args, **kwargs):
        result = func(*args, **kwargs)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError("has_aux=True: func must return a pair (output, aux)")
        box.append(result[1])
        return result[0]
    return main, box


def grad_and_value(func, argnums=0, has_aux=False):
    """``torch.func.grad_and_value``: a function returning (gradient, value), or
    (gradient, (value, aux)) with ``has_aux``."""
    main, box = _with_aux(func, has_aux)
    value_and_grad = functional.value_and_grad(main, argnums)

    def transformed(*args, **kwargs):
        box.clear()
        value, gradient = value_and_grad(*args, **kwargs)
        return (gradient, (value, box[-1])) if has_aux else (gradient, value)
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
    main, box = _with_aux(func, has_aux)
    output, vjp_fn = functional.vjp(main, *primals)
    return (output, vjp_fn, box[-1]) if has_aux else (output, vjp_fn)


def jvp(func, primals, tangents, *, has_aux=False):
    """``torch.func.jvp``: (func(*primals), J tangents), and aux last with ``has_aux``."""
    main, box = _with_aux(func, has_aux)
    output, tangent = functional.jvp(main, primals, tangents)
    return (output, tangent, box[-1]) if has_aux else (output, tangent)


def jacrev(func, argnums=0, *, has_aux=False):
    """``torch.func.jacrev``: the Jacobian d out / d args[argnums], shape out + arg; a
    tuple of them for a tuple of argnums, a dict of them for a dict argument."""
    if has_aux:
        raise NotImplementedError("jacrev: has_aux is not supported")
    return functional.jacobian(func, argnums)


jacfwd = jacrev  # the same Jacobian; forward mode's speed-up is not modelled


def hessian(func, argnums=0):
    """``torch.func.hessian``: the Hessian of a one-number func, shape arg + arg."""
    return functional.hessian(func, argnums)
