"""Checks shared by the op tests: second derivatives against central differences of the
first, and first and second derivatives against PyTorch.

A second derivative is checked as a Hessian-vector product: for L = sum(f(x) * w) with
fixed random weights w, and fixed random directions v, the gradient of
s(x) = sum_i <dL/dx_i, v_i> (computed with ``create_graph=True``) must match the central
differences of s, where s itself is computed with the fast, first-order path.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag


def _weights(shape, seed):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


def _directions(arrays, seed):
    rng = np.random.default_rng(seed + 1)
    return [rng.uniform(-1.0, 1.0, np.shape(a)) for a in arrays]


def first_order(f, arrays, w):
    """dL/dx_i for L = sum(f(x) * w), by the fast path (``backward``), as float64 arrays."""
    xs = [ag.Value(np.array(a, dtype=np.float64)) for a in arrays]
    y = f(*xs)
    if y.requires_grad:
        (y * w).sum().backward()
    return [np.zeros(np.shape(a)) if x.grad is None else np.asarray(x.grad, np.float64)
            for a, x in zip(arrays, xs)]


def recorded(f, arrays, w, vs):
    """The first derivatives by the recorded path and the Hessian-vector products."""
    xs = [ag.Value(np.array(a, dtype=np.float64)) for a in arrays]
    y = f(*xs)
    if not y.requires_grad:
        zeros = [np.zeros(np.shape(a)) for a in arrays]
        return zeros, zeros
    gs = ag.gradients((y * w).sum(), xs, create_graph=True, allow_unused=True)
    firsts = [np.zeros(x.shape) if g is None else np.asarray(g.data, np.float64)
              for x, g in zip(xs, gs)]
    terms = [(g * v).sum() for g, v in zip(gs, vs) if g is not None and g.requires_grad]
    if not terms:
        return firsts, [np.zeros(x.shape) for x in xs]
    s = terms[0]
    for t in terms[1:]:
        s = s + t
    hs = ag.gradients(s, xs, allow_unused=True)
    return firsts, [np.zeros(x.shape) if h is None else np.asarray(h.data, np.float64)
                    for x, h in zip(xs, hs)]


def numerical_gradient(f, x, eps=1e-6):
    """d f / d x by central differences, one element of x at a time (f returns a number)."""
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (float(f(up)) - float(f(down))) / (2 * eps)
    return g


def check_second_order(f, *arrays, eps=1e-5, atol=1e-5, rtol=1e-4, seed=0):
    """f's recorded first derivatives equal the fast path's, and its second derivatives
    (as Hessian-vector products) equal central differences of the first."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    with ag.no_grad():
        out_shape = f(*[ag.constant(a) for a in arrays]).shape
    w, vs = _weights(out_shape, seed), _directions(arrays, seed)
    fast = first_order(f, arrays, w)
    firsts, hvps = recorded(f, arrays, w, vs)
    for i, (a, b) in enumerate(zip(firsts, fast)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12,
                                   err_msg=f"recorded first derivative of input {i}")

    def s(xs):
        return sum(float(np.sum(g * v)) for g, v in zip(first_order(f, xs, w), vs))

    for i, a in enumerate(arrays):
        numeric = np.zeros(a.shape)
        for k in np.ndindex(a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i][k] += eps
            minus[i][k] -= eps
            numeric[k] = (s(plus) - s(minus)) / (2 * eps)
        np.testing.assert_allclose(hvps[i], numeric, rtol=rtol, atol=atol,
                                   err_msg=f"second derivative (H v) of input {i}")


def compare_with_torch(ag_fn, torch_fn, *arrays, seed=0, rtol=1e-7, atol=1e-12,
                       second=True):
    """Same float64 inputs: same outputs, same gradients of sum(out * w), and (``second``)
    the same Hessian-vector products from PyTorch's double backward."""
    import torch

    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    values = [ag.Value(a) for a in arrays]
    tensors = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, t_out = ag_fn(*values), torch_fn(*tensors)
    t_data = t_out.detach().numpy()
    assert out.shape == t_data.shape, (out.shape, t_data.shape)
    np.testing.assert_allclose(out.data, t_data, rtol=rtol, atol=atol)
    w, vs = _weights(out.shape, seed), _directions(arrays, seed)
    if second:
        firsts, hvps = recorded(ag_fn, arrays, w, vs)
    else:  # first derivatives only, by the fast path: no second derivative is asked for
        firsts, hvps = first_order(ag_fn, arrays, w), None
    t_loss = (t_out * torch.tensor(w)).sum()
    if not t_loss.requires_grad:
        return
    t_grads = torch.autograd.grad(t_loss, tensors, create_graph=second, allow_unused=True)
    for i, (got, t) in enumerate(zip(firsts, t_grads)):
        expected = np.zeros(got.shape) if t is None else t.detach().numpy(force=True)
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i}")
    if not second:
        return
    terms = [(g * torch.tensor(v)).sum() for g, v in zip(t_grads, vs)
             if g is not None and g.requires_grad]
    if not terms:
        t_hvps = [None] * len(tensors)
    else:
        t_hvps = torch.autograd.grad(sum(terms), tensors, allow_unused=True)
    for i, (got, t) in enumerate(zip(hvps, t_hvps)):
        expected = np.zeros(got.shape) if t is None else t.detach().numpy(force=True)
        np.testing.assert_allclose(got, expected, rtol=max(rtol, 1e-6), atol=max(atol, 1e-10),
                                   err_msg=f"second derivative (H v) of input {i}")


def counted_square(calls):
    """An ``ag.Function`` computing x * x whose backward appends "Square" to ``calls``:
    tests count with it which backward passes run."""
    class Square(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            calls.append("Square")
            (x,) = ctx.saved_tensors
            return 2 * x * g
    return Square
