"""Function transforms, as in HIPS autograd and JAX: ``grad(f)`` is the function x -> df/dx.

Each transform runs ``f`` on Values and asks the engine for gradients (``gradients``). Called
with plain numbers or arrays, a transformed function returns plain arrays; called with
Values that require grad (as another transform passes them), it returns Values recorded in
the graph, so transforms compose to any order: ``grad(grad(f))`` is the second derivative,
``hessian(f)`` is ``jacobian(grad(f))``. A transform runs ``f`` with recording on, under
the caller's ``no_grad`` too (as torch.func's transforms ignore an outer no_grad), since
recording nothing would make every derivative zero. ``vmap(f)`` (in ``vectorize``) maps f
over a batch axis, and composes with the others both ways: ``grad`` of a vmapped loss,
``vmap(grad(f))`` for per-example gradients.

>>> import autograd_core as ag
>>> d2 = ag.grad(ag.grad(lambda x: x ** 3))
>>> float(d2(2.0))                          # 6 x
12.0
"""

from __future__ import annotations

import contextlib

import numpy as np

from .deferred import deferring
from .engine import Value, _to_array, constant, enable_grad, gradients

__all__ = ["grad", "value_and_grad", "elementwise_grad", "jacobian", "hessian", "vjp",
           "jvp", "hvp"]


def _leaf(x, where):
    """x as a Value to differentiate with respect to, and whether the caller gave a
    Value that requires grad (then results stay Values, recorded for the caller)."""
    if isinstance(x, Value):
        if x.requires_grad:
            return x, True
        x = x.data
    data = _to_array(x, where=where)
    if data.dtype.kind != "f":
        raise TypeError(f"{where}: can only differentiate with respect to float inputs, got "
                        f"dtype {data.dtype}")
    return Value(data, name="x"), False


def _argnums(argnum, n, where):
    nums = argnum if isinstance(argnum, (tuple, list)) else (argnum,)
    for a in nums:
        if not isinstance(a, int) or not -n <= a < n:
            raise ValueError(f"{where}: argnum {a} is out of range for {n} arguments")
    return tuple(a % n for a in nums)


def _output(y, where):
    if not isinstance(y, Value):
        raise TypeError(f"{where}: the function must return a Value computed from its "
                        f"inputs, got {type(y).__name__}")
    return y


def _plain(v, keep):
    """A result as the caller should see it: a Value if it passed Values, else data."""
    if v is None or keep:
        return v
    return v.data if isinstance(v, Value) else v


def _any_container(x):
    """Whether ``grad`` reads an argument as a nest of leaves: any list, tuple or dict."""
    return isinstance(x, (list, tuple, dict))


def _holds_arrays(x):
    """Whether ``jacobian`` reads an argument as a nest of leaves: a dict, or a list or
    tuple holding a Value or an array somewhere (a network's parameters); a nested list of
    numbers stays one array, as ``jacobian`` has always read it."""
    if isinstance(x, dict):
        return True
    return isinstance(x, (list, tuple)) and any(
        isinstance(leaf, (Value, np.ndarray)) for leaf in _flatten(x)[0])


def _call(fun, args, kwargs, argnum, where, trees=None, one_output=True):
    """Run ``fun`` with the differentiated arguments as leaves: (y, leaves, keep, single,
    groups). An argument for which ``trees`` (a predicate) holds is a nest of lists,
    tuples and dicts of leaves (a network's parameters, a ``{name: Value}`` dict), as in
    HIPS autograd, JAX and torch.func; ``groups`` then rebuilds one gradient per argument
    from the leaves' (``_regroup``). A None leaf (a layer without bias) is passed as None
    and gets None, as PyTorch's pytrees treat it. With ``one_output`` the result must be
    one Value; else it may be a nest of them (``jacobian``)."""
    nums = _argnums(argnum, len(args), where)
    args = list(args)
    leaves, keep, groups = [], False, []
    for a in nums:
        args[a], given = _take_leaves(args[a], trees is not None and trees(args[a]), where,
                                      leaves, groups)
        keep = keep or given
    y = fun(*args, **kwargs)
    if one_output:
        y = _output(y, where)
    return y, leaves, keep, not isinstance(argnum, (tuple, list)), groups


def _take_leaves(arg, as_tree, where, leaves, groups):
    """An argument to differentiate with respect to: its leaves (the argument itself, or
    each leaf of a nest when ``as_tree``) appended to ``leaves`` as Values, and how to
    regroup them to ``groups``. Returns the argument rebuilt of those Values, and whether
    the caller gave a Value that requires grad (see ``_leaf``)."""
    if not as_tree:
        x, given = _leaf(arg, where)
        groups.append((len(leaves), 1, None))
        leaves.append(x)
        return x, given
    parts, rebuild = _flatten(arg)
    made = [(None, False) if p is None else _leaf(p, where) for p in parts]
    groups.append((len(leaves), len(made), rebuild))
    leaves.extend(v for v, _ in made)
    return rebuild([v for v, _ in made]), any(given for _, given in made)


def _flatten(tree):
    """The leaves of a nest of lists, tuples and dicts, and a function that puts leaves
    back in that shape (tuples stay tuples, named ones too; dicts keep their keys)."""
    if isinstance(tree, dict):
        keys = list(tree)
        subs = [_flatten(tree[k]) for k in keys]
    elif isinstance(tree, (list, tuple)):
        keys = None
        subs = [_flatten(t) for t in tree]
    else:
        return [tree], lambda leaves: leaves[0]
    counts = [len(leaves) for leaves, _ in subs]

    def rebuild(leaves):
        parts, at = [], 0
        for (_, sub), n in zip(subs, counts):
            parts.append(sub(leaves[at:at + n]))
            at += n
        if keys is not None:
            return type(tree)(zip(keys, parts))
        if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # a namedtuple
            return type(tree)(*parts)
        return type(tree)(parts)
    return [leaf for leaves, _ in subs for leaf in leaves], rebuild


def _regroup(found, groups):
    """One gradient per differentiated argument, containers rebuilt (see ``_call``)."""
    return [found[start] if rebuild is None else rebuild(found[start:start + n])
            for start, n, rebuild in groups]


def _grads(y, leaves, seed, keep):
    """dy/dleaf for each leaf; zeros where y does not depend on a leaf (as JAX), None for
    a None leaf (see ``_grads_of_many``)."""
    return _grads_of_many([y], leaves, [seed], keep)


def _argnum(argnum, argnums, where):
    """HIPS autograd's ``argnum`` or JAX's ``argnums``, the same thing under two names."""
    if argnums is None:
        return argnum
    if argnum != 0:
        raise TypeError(f"{where}: give argnum (HIPS autograd's name) or argnums (JAX's), "
                        "not both")
    return argnums


def _with_aux(fun, has_aux, where):
    """fun without its aux output, and the box each call's aux is put in (``has_aux``:
    fun returns ``(output, aux)``, as in JAX and torch.func)."""
    box = []
    if not has_aux:
        return fun, box

    def main(*args, **kwargs):
        result = fun(*args, **kwargs)
        if not isinstance(result, tuple) or len(result) != 2:
            raise TypeError(f"{where}: has_aux=True: func must return a pair (output, aux), "
                            f"got {type(result).__name__}")
        box.append(result[1])
        return result[0]
    return main, box


def _aux(aux, args):
    """aux as the transform's caller should see it: plain arrays where the arguments were
    plain (as the transform's own results), Values where a Value in them requires grad (a
    transform nested in another): JAX and torch.func return aux as fun made it."""
    leaves, _ = _flatten(list(args))
    if any(isinstance(x, Value) and x.requires_grad for x in leaves):
        return aux
    parts, rebuild = _flatten(aux)
    return rebuild([x.data if isinstance(x, Value) else x for x in parts])


def value_and_grad(fun, argnum=0, has_aux=False, *, argnums=None):
    """A function returning ``(fun(*args), dfun/dargs[argnum])``; ``fun`` must return a
    one-element Value. ``argnum`` (JAX's ``argnums``) may be a tuple, then the gradient is
    a tuple too. An argument that is a list, tuple or dict (a network's parameters, nested
    as you like) is differentiated leaf by leaf, its gradient in the same shape, as in HIPS
    autograd and JAX. With ``has_aux``, fun returns ``(value, aux)`` and the result is
    ``((value, aux), gradient)``, JAX's layout."""
    where = "value_and_grad"
    argnum = _argnum(argnum, argnums, where)
    main, box = _with_aux(fun, has_aux, where)

    @enable_grad()  # a transform records, under the caller's no_grad too
    def value_and_grad_fun(*args, **kwargs):
        box.clear()
        y, leaves, keep, single, groups = _call(main, args, kwargs, argnum, where,
                                                trees=_any_container)
        if y.size != 1:
            raise ValueError(f"{where}: the function must return one number, got shape "
                             f"{y.shape} (use elementwise_grad, jacobian or vjp)")
        found = _regroup([_plain(g, keep) for g in _grads(y, leaves, None, keep)], groups)
        gradient = found[0] if single else tuple(found)
        if has_aux:
            return (_plain(y, keep), _aux(box[-1], args)), gradient
        return _plain(y, keep), gradient
    return value_and_grad_fun


def grad(fun, argnum=0, has_aux=False, *, argnums=None):
    """The gradient of a function with one-number output, as a function (HIPS autograd's and
    JAX's ``grad``).

    Args:
        fun: a function of Values returning a one-element Value.
        argnum: which argument to differentiate (an int, or a tuple of them); JAX's
            ``argnums`` is the same.
        has_aux: fun returns ``(value, aux)``; the result is then ``(gradient, aux)``.
    Returns:
        A function with ``fun``'s arguments returning d fun / d args[argnum].

    >>> g = grad(lambda x, y: x * y, argnum=1)
    >>> float(g(3.0, 4.0))
    3.0
    """
    value_and_grad_fun = value_and_grad(fun, argnum, has_aux, argnums=argnums)

    def grad_fun(*args, **kwargs):
        value, gradient = value_and_grad_fun(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    grad_fun.__name__ = f"grad_{getattr(fun, '__name__', 'fun')}"
    return grad_fun


def elementwise_grad(fun, argnum=0):
    """The gradient of sum(fun(x)): for an elementwise ``fun``, each output's derivative at
    its own input (HIPS autograd's ``elementwise_grad``), e.g. to plot tanh'(x) over x."""
    where = "elementwise_grad"

    @enable_grad()  # a transform records, under the caller's no_grad too
    def elementwise_grad_fun(*args, **kwargs):
        y, leaves, keep, single, groups = _call(fun, args, kwargs, argnum, where, trees=_any_container)
        seed = constant(np.ones_like(y.data)) if keep else np.ones_like(y.data)
        found = _regroup([_plain(g, keep) for g in _grads(y, leaves, seed, keep)], groups)
        return found[0] if single else tuple(found)
    return elementwise_grad_fun


def jacobian(fun, argnum=0, has_aux=False, *, argnums=None):
    """The jacobian of ``fun`` as a function: d out[i...] / d x[j...], of shape
    out.shape + x.shape, one backward pass per output element.

    As torch.func's ``jacrev`` and JAX's, ``argnum`` (``argnums``) may be a tuple (a tuple
    of Jacobians), an argument may be a dict (or list, tuple) of Values or arrays, such as
    a network's parameters (a dict of Jacobians, one per leaf), ``fun`` may return a nest
    of Values (the result is that nest, each output's entry the Jacobians above), and with
    ``has_aux`` fun returns ``(output, aux)`` and the result is ``(jacobian, aux)``.

    >>> J = jacobian(lambda x: x * x)
    >>> J(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    where = "jacobian"
    argnum = _argnum(argnum, argnums, where)
    main, box = _with_aux(fun, has_aux, where)

    @enable_grad()  # a transform records, under the caller's no_grad too
    def jacobian_fun(*args, **kwargs):
        box.clear()
        outputs, leaves, keep, single, groups = _call(
            main, args, kwargs, argnum, where, trees=_holds_arrays, one_output=False)
        ys, rebuild = _flatten(outputs)
        results = []
        for y in ys:
            found = _regroup(_jacobians(_output(y, where), leaves, keep), groups)
            results.append(found[0] if single else tuple(found))
        return (rebuild(results), _aux(box[-1], args)) if has_aux else rebuild(results)
    return jacobian_fun


def _jacobians(y, leaves, keep):
    """d y / d leaf, of shape y.shape + leaf.shape, for each leaf (None for a None leaf):
    one backward pass per element of y, each giving a row of every Jacobian."""
    from .ops import reshape, stack

    rows = []
    for k in range(y.size):
        seed = np.zeros(y.shape, y.dtype)
        seed[np.unravel_index(k, y.shape)] = 1
        rows.append(_grads(y, leaves, constant(seed) if keep else seed, keep))
    found = []
    for i, x in enumerate(leaves):
        if x is None:
            found.append(None)
        elif not rows:
            zeros = np.zeros(y.shape + x.shape, x.dtype)
            found.append(constant(zeros) if keep else zeros)
        elif keep:
            found.append(reshape(stack([r[i] for r in rows]), y.shape + x.shape))
        else:
            found.append(np.stack([np.asarray(r[i].data) for r in rows])
                         .reshape(y.shape + x.shape))
    return found


def hessian(fun, argnum=0, has_aux=False, *, argnums=None):
    """The Hessian: ``jacobian(jacobian(fun))``, shape out.shape + x.shape * 2, x.shape * 2
    for a one-number ``fun`` (JAX's ``hessian`` and torch.func's, both Jacobians of
    Jacobians, so a vector-valued ``fun`` has one Hessian per output element). With a tuple
    ``argnum`` (``argnums``) it is the nest of blocks, ``H[i][j] = d2 f / dx_i dx_j``; with
    ``has_aux``, ``(hessian, aux)``.

    >>> H = hessian(lambda x: (x[0] ** 2) * x[1])
    >>> H(np.array([1.0, 3.0]))
    array([[6., 2.],
           [2., 0.]])
    """
    argnum = _argnum(argnum, argnums, "hessian")
    return jacobian(jacobian(fun, argnum, has_aux), argnum, has_aux)


def _primals(primals, where):
    """The primals of ``vjp`` as leaves: each a Value or array, or a dict (list, tuple) of
    them, such as a network's parameters (see ``_holds_arrays``). Returns (args to call
    fun with, leaves, keep, groups) as ``_call`` does."""
    args, leaves, keep, groups = [], [], False, []
    for p in primals:
        x, given = _take_leaves(p, _holds_arrays(p), where, leaves, groups)
        args.append(x)
        keep = keep or given
    return args, leaves, keep, groups


def _outputs(out, where):
    """fun's result as a list of Values and the function that rebuilds its nest (a Value,
    or a tuple, list or dict of them, as JAX's and torch.func's pytrees)."""
    ys, rebuild = _flatten(out)
    return [_output(y, where) for y in ys], rebuild


def _like(out, v, where, path="the output"):
    """The leaves of ``v`` taken in the nest of ``out`` (a cotangent for each output), so
    that a tuple output takes a tuple of vectors and a dict one a dict with its keys."""
    if isinstance(out, dict):
        if not isinstance(v, dict) or set(v) != set(out):
            raise ValueError(f"{where}: {path} is a dict with keys {sorted(map(str, out))}; "
                             f"give a dict with the same keys, got {_kind(v)}")
        return [leaf for k in out for leaf in _like(out[k], v[k], where, f"{path}[{k!r}]")]
    if isinstance(out, (list, tuple)):
        if not isinstance(v, (list, tuple)) or len(v) != len(out):
            raise ValueError(f"{where}: {path} is a {type(out).__name__} of {len(out)}; give "
                             f"a list or tuple of {len(out)} vectors, got {_kind(v)}")
        return [leaf for i, (o, w) in enumerate(zip(out, v))
                for leaf in _like(o, w, where, f"{path}[{i}]")]
    return [v]


def _kind(v):
    if isinstance(v, (list, tuple, dict)):
        return f"a {type(v).__name__} of {len(v)}"
    return f"one of shape {np.shape(v.data if isinstance(v, Value) else v)}"


def _grads_of_many(ys, leaves, seeds, keep):
    """d(sum_k <seed_k, y_k>)/dleaf for each leaf (a seed None: ones for a one-element
    y_k); zeros where no y_k depends on a leaf (as JAX), None for a None leaf."""
    pairs = [(y, s) for y, s in zip(ys, seeds) if y.requires_grad]
    live = [x for x in leaves if x is not None]
    if not pairs or not live:
        found = iter([None] * len(live))
    else:
        found = iter(gradients([y for y, _ in pairs], live, [s for _, s in pairs],
                               create_graph=keep, allow_unused=True))
    grads = []
    for x in leaves:
        g = None if x is None else next(found)
        grads.append(None if x is None else constant(np.zeros_like(x.data)) if g is None
                     else g)
    return grads


@enable_grad()
def vjp(fun, *primals):
    """Evaluate ``fun(*primals)`` and return ``(y, vjp_fn)``: ``vjp_fn(v)`` gives the
    vector-Jacobian products v^T dy/dx for each primal, as a tuple (JAX's ``vjp``).

    ``fun`` may return a nest of Values (a tuple, list or dict): ``v`` is then the same
    nest of vectors, and the products of all outputs add up. A primal may be a dict (list,
    tuple) of Values or arrays, such as a network's parameters: its product comes back in
    that shape. Both as in JAX and torch.func.

    >>> y, back = vjp(lambda a, b: a * b, 2.0, 5.0)
    >>> [float(g) for g in back(1.0)]
    [5.0, 2.0]
    """
    where = "vjp"
    if not primals:
        raise TypeError(f"{where}: give the function's arguments after it")
    args, leaves, keep, groups = _primals(primals, where)
    out = fun(*args)
    ys, rebuild = _outputs(out, where)

    @enable_grad()  # a transform records, under the caller's no_grad too
    def vjp_fn(v):
        seeds = []
        for y, w in zip(ys, _like(out, v, where)):
            if isinstance(w, Value) and keep:
                seed = w
            else:
                seed = _to_array(w.data if isinstance(w, Value) else w, dtype=y.dtype,
                                 where=where)
                seed = constant(seed) if keep else seed
            if np.shape(seed.data if isinstance(seed, Value) else seed) != y.shape:
                raise ValueError(f"{where}: the vector has shape {np.shape(w)} but the "
                                 f"output has shape {y.shape}")
            seeds.append(seed)
        found = [_plain(g, keep) for g in _grads_of_many(ys, leaves, seeds, keep)]
        return tuple(_regroup(found, groups))
    return rebuild([_plain(y, keep) for y in ys]), vjp_fn


@enable_grad()
def jvp(fun, primals, tangents):
    """Evaluate ``fun(*primals)`` and its Jacobian-vector product J v along ``tangents``
    (JAX's ``jvp``): returns ``(y, J v)``. ``fun`` may return a nest of Values (tuple, list,
    dict): J v is then the same nest.

    Reverse mode gives J^T u; J v is the gradient of u -> <J^T u, v> with respect to u,
    a linear function of u, so it is computed with two backward passes (the "double vjp").
    The second pass starts from J^T u itself with v as its seed (the gradient of
    <J^T u, v> without forming that product: see ``hvp``).

    >>> y, tangent = jvp(lambda x: x ** 3, (2.0,), (1.0,))
    >>> float(y), float(tangent)
    (8.0, 12.0)
    """
    where = "jvp"
    primals = tuple(primals) if isinstance(primals, (tuple, list)) else (primals,)
    tangents = tuple(tangents) if isinstance(tangents, (tuple, list)) else (tangents,)
    if len(primals) != len(tangents):
        raise ValueError(f"{where}: {len(primals)} primals but {len(tangents)} tangents")
    leaves, keep = zip(*(_leaf(p, where) for p in primals))
    keep = any(keep)
    vs = []
    for x, t in zip(leaves, tangents):
        t = t if isinstance(t, Value) else constant(_to_array(t, dtype=x.dtype, where=where))
        if t.shape != x.shape:
            raise ValueError(f"{where}: a tangent has shape {t.shape} but its primal has "
                             f"shape {x.shape}")
        vs.append(t)
    ys, rebuild = _outputs(fun(*leaves), where)
    outputs = rebuild([_plain(y, keep) for y in ys])
    found_tangents = [constant(np.zeros_like(y.data)) for y in ys]  # 0 where y is constant
    live = [k for k, y in enumerate(ys) if y.requires_grad]
    if not live:
        return outputs, rebuild([_plain(t, keep) for t in found_tangents])
    us = [Value(np.zeros_like(ys[k].data), name="u") for k in live]  # J^T u is linear in u
    with contextlib.nullcontext() if keep else deferring():  # as in hvp: see deferred.py
        found = gradients([ys[k] for k in live], list(leaves), us, create_graph=True,
                          allow_unused=True)
    pairs = [(g, v) for g, v in zip(found, vs) if g is not None]
    if not pairs:
        return outputs, rebuild([_plain(t, keep) for t in found_tangents])
    reached, seeds = zip(*pairs)  # the J^T u that the tangents reach, and those tangents
    for k, t in zip(live, gradients(list(reached), us, list(seeds), create_graph=keep,
                                    allow_unused=True)):
        if t is not None:
            found_tangents[k] = t
    return outputs, rebuild([_plain(t, keep) for t in found_tangents])


@enable_grad()
def hvp(fun, x, v):
    """The Hessian-vector product of a one-number function at ``x`` along ``v``, without
    forming the Hessian: the gradient of <grad fun(x), v>. Returns ``(fun(x), H v)``, as
    ``torch.autograd.functional.hvp`` does.

    ``x`` may be a dict (list, tuple) of arrays or Values, such as a network's parameters,
    as for ``grad``: ``v`` is then the same nest, and so is H v (the Hessian with respect
    to all of them, applied to all of v).

    >>> y, Hv = hvp(lambda x: (x ** 3).sum(), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    >>> Hv                                   # H = diag(6 x)
    array([6., 0.])
    """
    where = "hvp"
    leaves, groups = [], []
    arg, keep = _take_leaves(x, _holds_arrays(x), where, leaves, groups)
    vs = []
    for leaf, w in zip(leaves, _like(arg, v, where, "x")):
        if leaf is None:  # a None in the nest (a layer without bias): None in H v
            vs.append(None)
            continue
        w = w if isinstance(w, Value) else constant(_to_array(w, dtype=leaf.dtype,
                                                              where=where))
        if w.shape != leaf.shape:
            raise ValueError(f"{where}: v has shape {w.shape} but x has shape {leaf.shape}")
        vs.append(w)
    y = _output(fun(arg), where)
    if y.size != 1:
        raise ValueError(f"{where}: the function must return one number, got shape {y.shape}")
    live = [k for k, leaf in enumerate(leaves) if leaf is not None]
    found = [None] * len(leaves)
    if y.requires_grad and live:
        # g's own values are never read unless the caller records H v (see deferred.py)
        with contextlib.nullcontext() if keep else deferring():
            gs = gradients(y, [leaves[k] for k in live], create_graph=True, allow_unused=True)
        # H v is the gradient of <g, v>; seeding g's backward with v gives it without
        # forming g * v, its sum, and their backward (the 784-512-10 loss at batch 128, with
        # the gradient of its four parameters: 3.2-3.4 ms instead of 3.6-3.75; PyTorch's
        # double backward gains as much the same way: benchmarks/hvp.py). A g that is
        # None or constant has f at most linear in its x there: that part of H v is 0.
        pairs = [(g, vs[k]) for k, g in zip(live, gs) if g is not None and g.requires_grad]
        if pairs:
            for k, h in zip(live, gradients([g for g, _ in pairs], [leaves[k] for k in live],
                                            [w for _, w in pairs], create_graph=keep,
                                            allow_unused=True)):
                found[k] = h
    Hv = [None if leaf is None else _plain(constant(np.zeros_like(leaf.data)) if h is None
                                           else h, keep)
          for leaf, h in zip(leaves, found)]
    return _plain(y, keep), _regroup(Hv, groups)[0]
