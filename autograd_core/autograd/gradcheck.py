"""PyTorch's ``torch.autograd.gradcheck`` and ``gradgradcheck``, with its arguments and
results: ``True``, or a ``GradcheckError`` naming the output, the input and both Jacobians.

The numerical Jacobian comes from central differences, each element of each input that
requires grad moved by +-eps in place (and put back); the analytical one from reverse mode,
one row per output element, and with ``check_forward_ad`` from ``forward_ad``, one column
per input element. ``fast_mode`` compares one random projection u^T J v instead of whole
Jacobians, as PyTorch's does. (``ag.gradcheck`` is the library's own check, which reports
the largest error per input.)
"""

from __future__ import annotations

import numpy as np

from ..engine import Value, constant, gradients
from ..gradcheck import GradcheckError
from . import forward_ad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of ``func`` at ``inputs`` against central differences.

    Args:
        func: takes the inputs, returns a Value or a tuple of Values.
        inputs: a Value or a tuple of them (and other arguments, passed as they are); those
            that require grad are checked, best in float64.
        eps, atol, rtol: the step, and the test |analytical - numerical| <= atol + rtol *
            |numerical| for every entry.
        raise_exception: raise ``GradcheckError`` on a mismatch (else return False).
        nondet_tol: how far two runs of the backward pass may differ.
        check_undefined_grad: accepted; upstream gradients here are never undefined (a
            missing one is zeros), so there is no such case to check.
        check_grad_dtypes: each gradient must have its input's dtype.
        check_batched_grad: the rows again, in one ``grad(..., is_grads_batched=True)``.
        check_forward_ad, check_backward_ad: which modes to check.
        fast_mode: compare u^T J v for random u and v instead of whole Jacobians.
    Returns:
        True when every check passes.
    """
    if check_batched_forward_grad:
        raise NotImplementedError("gradcheck: check_batched_forward_grad needs batched forward "
                                  "mode (vmap over tangents), which this engine does not have")
    if masked:
        raise NotImplementedError("gradcheck: masked (sparse) gradients are not supported")
    del check_undefined_grad
    args = inputs if isinstance(inputs, tuple) else \
        tuple(inputs) if isinstance(inputs, list) else (inputs,)
    checked = [i for i, a in enumerate(args) if isinstance(a, Value) and a.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check; "
                         "pass Values made with requires_grad=True")
    outputs = _outputs(func, args)
    try:
        if fast_mode:
            _check_projection(func, args, checked, outputs, eps, atol, rtol,
                              check_backward_ad, check_forward_ad)
            return True
        numerical = _numerical(func, args, checked, outputs, eps)
        if check_backward_ad:
            analytical = _reverse(args, checked, outputs, check_grad_dtypes)
            _compare(numerical, analytical, atol, rtol, "Jacobian mismatch")
            if nondet_tol >= 0:
                again = _reverse(args, checked, outputs, False)
                _compare(analytical, again, nondet_tol, 0.0, "Backward is not reentrant "
                         f"(two runs differ by more than nondet_tol={nondet_tol})")
            if check_batched_grad:
                _compare(analytical, _reverse_batched(args, checked, outputs), 1e-12, 1e-9,
                         "Batched gradient mismatch")
        if check_forward_ad:
            _compare(numerical, _forward(func, args, checked, outputs),
                     atol, rtol, "Jacobian computed with forward mode mismatch")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True,
                  fast_mode=False, masked=False):
    """Check second derivatives: ``gradcheck`` of (inputs, grad_outputs) -> the gradients
    of ``func``'s outputs seeded by grad_outputs (random, requiring grad, if not given)."""
    del gen_non_contig_grad_outputs  # numpy layouts: the maths is the same either way
    args = inputs if isinstance(inputs, tuple) else \
        tuple(inputs) if isinstance(inputs, list) else (inputs,)
    outputs = _outputs(func, args)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(Value(rng.uniform(-1, 1, y.shape).astype(y.dtype),
                                   requires_grad=True) for y in outputs)
    else:
        grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) \
            else (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"gradgradcheck: {len(grad_outputs)} grad_outputs for "
                         f"{len(outputs)} outputs")
    n = len(args)
    differentiable = [i for i, a in enumerate(args) if isinstance(a, Value) and a.requires_grad]

    def first_derivatives(*all_args):
        ys = _outputs(func, all_args[:n])
        wanted = [all_args[i] for i in differentiable]
        found = gradients(list(ys), wanted, list(all_args[n:]), create_graph=True,
                          allow_unused=True)
        return tuple(g for g in found if g is not None)

    common = dict(eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
                  nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                  check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode, masked=masked)
    passed = True
    if check_rev_over_rev:
        passed = gradcheck(first_derivatives, args + grad_outputs,
                           check_batched_grad=check_batched_grad, **common)
    if passed and check_fwd_over_rev:
        passed = gradcheck(first_derivatives, args + grad_outputs, check_forward_ad=True,
                           check_backward_ad=False, **common)
    return passed


def _outputs(func, args):
    out = func(*args)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for y in outs:
        if not isinstance(y, Value):
            raise TypeError(f"gradcheck: func returned {type(y).__name__}, not a Value (or a "
                            "tuple of Values)")
    return tuple(outs)


def _numerical(func, args, checked, outputs, eps):
    """J[k][i]: (output k's size, input i's size), by central differences. Each input's
    data is replaced by moved copies, and its own data put back afterwards."""
    jac = [[np.zeros((y.data.size, args[i].data.size)) for i in checked] for y in outputs]
    # Not under no_grad: func may differentiate inside (gradgradcheck's function does).
    for col, i in enumerate(checked):
        x = args[i]
        original = x.data
        flat = np.array(original).reshape(-1)

        def evaluated_with(j, value):
            moved = flat.copy()
            moved[j] = value
            x.data = moved.reshape(np.shape(original)) if np.ndim(original) else \
                moved[0]  # 0-d data stays a numpy scalar, as the engine keeps it
            return [np.asarray(y.data, np.float64).reshape(-1)
                    for y in _outputs(func, args)]
        try:
            for j in range(flat.size):
                plus = evaluated_with(j, flat[j] + eps)
                minus = evaluated_with(j, flat[j] - eps)
                for k in range(len(outputs)):
                    jac[k][col][:, j] = (plus[k] - minus[k]) / (2 * eps)
        finally:
            x.data = original
    return jac


def _reverse(args, checked, outputs, check_dtypes):
    """The same Jacobians, a row per output element from one reverse pass each."""
    xs = [args[i] for i in checked]
    jac = [[np.zeros((y.data.size, x.data.size)) for x in xs] for y in outputs]
    for k, y in enumerate(outputs):
        if not y.requires_grad:
            continue
        for r in range(y.data.size):
            seed = np.zeros(y.data.size, y.dtype)
            seed[r] = 1
            found = gradients(y, xs, seed.reshape(y.shape), allow_unused=True)
            for col, (x, g) in enumerate(zip(xs, found)):
                if g is None:
                    continue
                if check_dtypes and g.dtype != x.dtype:
                    raise GradcheckError(f"Gradient has dtype mismatch: input {checked[col]} "
                                         f"is {x.dtype} but its gradient is {g.dtype}")
                jac[k][col][r] = np.asarray(g.data, np.float64).reshape(-1)
    return jac


def _reverse_batched(args, checked, outputs):
    """The rows again, every seed of an output in one batched call."""
    from . import grad

    xs = [args[i] for i in checked]
    jac = [[np.zeros((y.data.size, x.data.size)) for x in xs] for y in outputs]
    for k, y in enumerate(outputs):
        if not y.requires_grad or y.data.size == 0:
            continue
        seeds = np.eye(y.data.size, dtype=y.dtype).reshape((y.data.size,) + y.shape)
        found = grad(y, xs, constant(seeds), allow_unused=True, is_grads_batched=True)
        for col, g in enumerate(found):
            if g is not None:
                jac[k][col][:] = np.asarray(g.data, np.float64).reshape(y.data.size, -1)
    return jac


def _forward(func, args, checked, outputs):
    """The Jacobians a column at a time, from forward mode (``forward_ad``)."""
    jac = [[np.zeros((y.data.size, args[i].data.size)) for i in checked] for y in outputs]
    for col, i in enumerate(checked):
        x = args[i]
        for j in range(x.data.size):
            tangent = np.zeros(x.data.size, x.dtype)
            tangent[j] = 1
            with forward_ad.dual_level():
                dual = forward_ad.make_dual(x, tangent.reshape(x.shape))
                ys = _outputs(func, args[:i] + (dual,) + args[i + 1:])
                for k, y in enumerate(ys):
                    t = forward_ad.unpack_dual(y).tangent
                    if t is not None:
                        jac[k][col][:, j] = np.asarray(t.data, np.float64).reshape(-1)
    return jac


def _check_projection(func, args, checked, outputs, eps, atol, rtol, backward, forward):
    """fast_mode: u^T J v, numerically (a central difference along v) and analytically."""
    rng = np.random.default_rng(0)
    vs = [rng.uniform(-1, 1, args[i].shape) for i in checked]
    us = [rng.uniform(-1, 1, y.shape) for y in outputs]

    def projected():
        return sum(float(np.sum(np.asarray(y.data, np.float64) * u))
                   for y, u in zip(_outputs(func, args), us))
    originals = [args[i].data for i in checked]

    def moved_by(step):
        for i, orig, v in zip(checked, originals, vs):
            args[i].data = (orig + step * v).astype(args[i].dtype)
        return projected()
    try:
        plus, minus = moved_by(eps), moved_by(-eps)
    finally:
        for i, orig in zip(checked, originals):
            args[i].data = orig
    numerical = (plus - minus) / (2 * eps)
    results = []
    if backward:
        found = gradients([y for y in outputs if y.requires_grad], [args[i] for i in checked],
                          [u.astype(y.dtype) for y, u in zip(outputs, us) if y.requires_grad],
                          allow_unused=True)
        results.append(("Backward", sum(0.0 if g is None else float(np.sum(
            np.asarray(g.data, np.float64) * v)) for g, v in zip(found, vs))))
    if forward:
        with forward_ad.dual_level():
            duals = list(args)
            for i, v in zip(checked, vs):
                duals[i] = forward_ad.make_dual(args[i], v.astype(args[i].dtype))
            ys = _outputs(func, tuple(duals))
            total = 0.0
            for y, u in zip(ys, us):
                t = forward_ad.unpack_dual(y).tangent
                total += 0.0 if t is None else float(np.sum(np.asarray(t.data, np.float64) * u))
        results.append(("Forward", total))
    for mode, analytical in results:
        if abs(analytical - numerical) > atol + rtol * abs(numerical):
            raise GradcheckError(f"{mode} mode: Jacobian mismatch in fast mode: u^T J v is "
                                 f"{analytical!r} analytically but {numerical!r} numerically")


def _compare(expected, found, atol, rtol, what):
    for k, row in enumerate(expected):
        for col, e in enumerate(row):
            f = found[k][col]
            if not np.all(np.abs(f - e) <= atol + rtol * np.abs(e)):
                raise GradcheckError(f"{what} for output {k} with respect to input {col},\n"
                                     f"numerical:{e}\nanalytical:{f}\n")
