"""Every formula shown is the derivative that was computed (issue #10, section 2).

The drawings and the steppers show each op's derivative with the parameters it ran with
(``labels.op_formula``: the axis it summed over, the n it divided by, its alpha). Below,
every op class of ``autograd_core.ops`` has a case for each of its modes, formula as text
beside formula as code. A case builds the op on small random float64 inputs, runs the
real backward walk from it with a random g and takes what the op sent (``raw_grads``);
then

(a) the derivative shown must be the text written in the case, and
(b) the code written beside it, which says what the text says, evaluated on g, y, the
    op's inputs and its parameters, must equal the gradient the op sent.

So a caption that stops saying what backward computes fails (a) or (b). The same cases
check the chain rule worked out with numbers (``worked.py``): the numbers it substitutes
are the real ones, its arithmetic evaluates to the element the op sent, and that element
is the real one.

A new op class without a case fails ``test_every_op_class_has_a_case``. Adding one is a
line in CASES:
``case(ops.NewOp, "its mode", f, (input arrays...), "dL/dx = ...", lambda op, g, y, x: (...,))``
with ``f`` making the op from Values, and the code returning one gradient per input of
the op, as its backward does (in the broadcast shape; None for an input taking none).
"""

from __future__ import annotations

import ast
import math
import re
from typing import NamedTuple

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import ops
from autograd_core.ops import incomplete_gamma
from autograd_core.ops import xp
from autograd_core.engine import Op
from autograd_core.recompute import Recompute
from autograd_core.labels import argument_name, formula_lines, op_formula
from autograd_core.worked import grid_lines, work_out

rng = np.random.default_rng(10)


def normal(*shape):
    return rng.normal(size=shape)


def symmetric(n):
    a = rng.normal(size=(n, n))
    return (a + a.T) / 2


def positive(*shape):
    return rng.uniform(0.5, 2.0, size=shape)


def unit(*shape):
    """In (-1, 1), where arcsin and arctanh are defined."""
    return rng.uniform(-0.9, 0.9, size=shape)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def one_hot(labels, classes):
    return np.eye(classes)[labels]


erf = np.vectorize(math.erf)


def Phi(x):  # noqa: N802 - the normal distribution's name in the GELU formula
    return (1 + erf(x / np.sqrt(2))) / 2


def bessel(n, x):
    """I_n(x) = sum over k of (x/2)**(2k+n) / (k! (k+n)!): 30 terms, exact for |x| < 5."""
    return sum((x / 2) ** (2 * k + n) / (math.factorial(k) * math.factorial(k + n))
               for k in range(30))


def dawson_of(x):
    """Dawson's integral sqrt(pi)/2 exp(-x**2) erfi(x), by mpmath."""
    mpmath = pytest.importorskip("mpmath")
    return np.vectorize(lambda t: float(mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(-t * t)
                                        * mpmath.erfi(t)))(x)
def mp(f, x, derivative=False):
    """f (an mpmath function of one number) at each element of x, or its derivative by
    mpmath's own differentiation: references for the Bessel functions J, Y, K and Ai,
    computed apart from the ops (mpmath at 30 digits)."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(30):
        one = (lambda t: mpmath.diff(f, t)) if derivative else f
        return np.vectorize(lambda t: float(one(mpmath.mpf(float(t)))))(x)


def mp_lib():
    return pytest.importorskip("mpmath")


def digamma_of(z):
    """psi(z) as the central difference of math.lgamma."""
    return np.vectorize(lambda t: (math.lgamma(t + 1e-5) - math.lgamma(t - 1e-5)) / 2e-5)(z)


def trigamma_of(z):
    """psi'(z) = sum over k of 1 / (z + k)**2, with the tail's integral."""
    z = np.asarray(z, float)
    return (np.sum(1 / (z[..., None] + np.arange(1000)) ** 2, axis=-1) + 1 / (z + 1000)
            + 0.5 / (z + 1000) ** 2)


def gamma_density(a, x):
    return np.vectorize(lambda s, t: t ** (s - 1) * math.exp(-t) / math.gamma(s))(a, x)


def math_gamma(a):
    return np.vectorize(math.gamma)(a)


def incomplete_gamma_series(a, x, k):
    """d^k P(a, x) / da^k for k = 1, 2 from P = sum_n x**(a+n) exp(-x) / Gamma(a+n+1):
    each term t_n differentiates to t_n * L_n (k = 1) or t_n * (L_n**2 - psi'(a+n+1))
    (k = 2), L_n = log x - psi(a+n+1). 200 terms, for x of a few units."""
    def one(s, t):
        total = 0.0
        for n in range(200):
            term = math.exp((s + n) * math.log(t) - t - math.lgamma(s + n + 1))
            slope = math.log(t) - float(digamma_of(s + n + 1))
            total += term * (slope if k == 1 else slope ** 2 - float(trigamma_of(s + n + 1)))
        return total
    return np.vectorize(one)(a, x)


def hurwitz_sums(x, q, power):
    """sum over n >= 0 of log(n + q)**power (n + q)**-x: 10**5 terms, then the integral of
    the rest (for power 0 or 1), good to 1e-9 for x >= 2."""
    n = np.arange(100_000)[:, None]
    x, q = np.broadcast_arrays(x, q)
    t = n + q.reshape(-1)
    head = np.sum(np.log(t) ** power * t ** -x.reshape(-1), axis=0)
    big, s = 100_000 + q.reshape(-1), x.reshape(-1) - 1
    tail = big ** -s * (np.log(big) / s + 1 / s ** 2 if power else 1 / s)
    return (head + tail).reshape(x.shape)


def expand(g, axis, ndim):
    """g with the axes a reduction removed put back (None: all of them)."""
    return np.reshape(g, (1,) * ndim) if axis is None else np.expand_dims(g, axis)


def added_at(shape, index, g):
    """zeros(shape) with g added at index, repeats adding up."""
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


def product_of_others(x):
    flat = x.reshape(-1)
    return np.array([np.prod(np.delete(flat, k)) for k in range(flat.size)]).reshape(x.shape)


def others_in_segments(x, ids):
    """For each row, the product of the other rows with its id."""
    return np.array([np.prod(x[(ids == ids[i]) & (np.arange(len(ids)) != i)], axis=0)
                     for i in range(len(ids))])


def cumprod_grad_with_zeros(g, x):
    """dL/dx_j = sum over k >= j of g_k * (x_0 ... x_k without x_j), along axis 0."""
    out = np.zeros_like(x)
    for j in range(len(x)):
        for k in range(j, len(x)):
            out[j] += g[k] * np.prod(np.delete(x[:k + 1], j, axis=0), axis=0)
    return out


def cofactors_2x2(A):
    (a, b), (c, d) = A
    return np.array([[d, -c], [-b, a]])


def svd_parts(A):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    E = s[None, :] ** 2 - s[:, None] ** 2 + np.eye(len(s))   # E[j, k] = s_k**2 - s_j**2
    return U, s, Vt, E


def skew(X):
    return X - X.T


class Case(NamedTuple):
    op: type           # the op class the case is about
    mode: str          # which of its modes
    f: object          # Values -> the op's output
    inputs: tuple      # arrays, one per Value given to f
    derivative: str    # the derivative shown (its lines, as formula_lines splits them)
    grads: object      # (op, g, y, *the op's inputs) -> each input's gradient, as the text
    forward: str | None = None


def lstm_cell_grads(g, y, z, c):
    """LSTMCell's gradients as its docstring says them, from g = [g_h | g_c]."""
    units = c.shape[-1]
    i, f, o = (1 / (1 + np.exp(-z[:, k * units:(k + 1) * units])) for k in (0, 1, 3))
    u, tanh_c = np.tanh(z[:, 2 * units:3 * units]), np.tanh(y[:, units:])
    g_h, g_c = g[:, :units], g[:, units:]
    d = g_c + g_h * o * (1 - tanh_c ** 2)
    return (np.concatenate([d * u * i * (1 - i), d * c * f * (1 - f), d * i * (1 - u ** 2),
                            g_h * tanh_c * o * (1 - o)], axis=1), d * f)


def gru_cell_grads(g, x, u, h, order):
    """GRUCell's gradients as its docstring says them, the thirds in ``order``."""
    units = h.shape[-1]
    xs = {gate: x[:, k * units:(k + 1) * units] for k, gate in enumerate(order)}
    us = {gate: u[:, k * units:(k + 1) * units] for k, gate in enumerate(order)}
    z, r = (1 / (1 + np.exp(-(xs[k] + us[k]))) for k in "zr")
    n = np.tanh(xs["n"] + r * us["n"])
    d = {"n": g * (1 - z) * (1 - n ** 2), "z": g * (h - n) * z * (1 - z)}
    d["r"] = d["n"] * us["n"] * r * (1 - r)
    d_x = np.concatenate([d[gate] for gate in order], axis=1)
    d["n"] = d["n"] * r
    return d_x, np.concatenate([d[gate] for gate in order], axis=1), g * z


def case(op, mode, f, inputs, derivative, grads, forward=None):
    return Case(op, mode, f, tuple(inputs), derivative, grads, forward)


# --- convolutions and pooling, as their words say: on channels-last arrays (N, H, W, C)
# and kernels (kh, kw, in, out), with numpy loops (not the ops' own arithmetic)


def nhwc(a, first=False):
    """An image array in the channels-last layout (from PyTorch's (N, C, H, W))."""
    return a.transpose(0, 2, 3, 1) if first else a


def nchw(a, first=False):
    return a.transpose(0, 3, 1, 2) if first else a


def hwio(k, first=False):
    """A kernel as (kh, kw, in, out) (from PyTorch's (out, in, kh, kw))."""
    return k.transpose(2, 3, 1, 0) if first else k


def oihw(k, first=False):
    return k.transpose(3, 2, 0, 1) if first else k


def spread(a, apart=(1, 1)):
    """a with its pixels ``apart`` (rows, columns) apart, zeros between."""
    n, h, w, c = a.shape
    out = np.zeros((n, (h - 1) * apart[0] + 1, (w - 1) * apart[1] + 1, c))
    out[:, ::apart[0], ::apart[1]] = a
    return out


def bordered(a, border=((0, 0), (0, 0))):
    """a with a border of zeros ((top, bottom), (left, right)); a negative side cuts."""
    (top, bottom), (left, right) = border
    a = np.pad(a, ((0, 0), (max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0)), (0, 0)))
    rows = slice(max(-top, 0), a.shape[1] - max(-bottom, 0))
    return a[:, rows, max(-left, 0):a.shape[2] - max(-right, 0)]


def flipped(k):
    """k flipped in both spatial axes, its in and out channels swapped."""
    return k[::-1, ::-1].swapaxes(2, 3)


def correlate(a, k, taps=(1, 1), step=(1, 1)):
    """a ⋆ k: y[n, r, c, o] = sum over u, v, i of a[n, r*step + u*taps, c*step + v*taps, i]
    * k[u, v, i, o], wherever the kernel fits in a."""
    (kh, kw), span = k.shape[:2], [(n - 1) * t + 1 for n, t in zip(k.shape[:2], taps)]
    oh, ow = ((a.shape[1 + d] - span[d]) // step[d] + 1 for d in (0, 1))
    y = np.zeros((a.shape[0], oh, ow, k.shape[3]))
    for r in range(oh):
        for c in range(ow):
            for u in range(kh):
                for v in range(kw):
                    i, j = r * step[0] + u * taps[0], c * step[1] + v * taps[1]
                    y[:, r, c] += a[:, i, j] @ k[u, v]
    return y


def correlate_batch(a, b, apart=(1, 1), step=(1, 1)):
    """a ⋆ b summed over the batch, b's pixels ``apart`` apart: dk[u, v, i, o] = sum over
    n, r, c of a[n, u*step + r*apart, v*step + c*apart, i] * b[n, r, c, o]."""
    per_channel = correlate(a.transpose(3, 1, 2, 0), b.transpose(1, 2, 0, 3), apart, step)
    return per_channel.transpose(1, 2, 0, 3)


def conv_grads(first=False, apart=(1, 1), g_border=((1, 1), (1, 1)), taps=(1, 1),
               x_border=((0, 0), (0, 0))):
    """Conv2D's derivatives as the words say them: dL/dx = g (its pixels ``apart`` apart,
    in ``g_border``) correlated with k flipped, its taps ``taps`` apart; dL/dk = x (in
    ``x_border``) correlated with g (its pixels ``apart`` apart), stepping ``taps``,
    summed over the batch; dL/db = g summed over the batch and the pixels."""
    def grads(op, g, y, x, k, *b):
        G, X, K = nhwc(g, first), nhwc(x, first), hwio(k, first)
        dx = correlate(bordered(spread(G, apart), g_border), flipped(K), taps)
        dk = correlate_batch(bordered(X, x_border), G, apart, taps)
        db = (G.sum(axis=(0, 1, 2)),) if b else ()
        return (nchw(dx, first), oihw(dk, first)) + db
    return grads


def window_pixels(hw, size, strides, pads):
    """For each window (r, c) of a pooling: the pixels (i, j) of an image of ``hw`` it
    holds, the padding left out, in row-major order."""
    (top, _), (left, _) = pads
    oh, ow = ((hw[d] + sum(pads[d]) - size[d]) // strides[d] + 1 for d in (0, 1))
    for r in range(oh):
        for c in range(ow):
            yield r, c, [(r * strides[0] + u - top, c * strides[1] + v - left)
                         for u in range(size[0]) for v in range(size[1])
                         if 0 <= r * strides[0] + u - top < hw[0]
                         and 0 <= c * strides[1] + v - left < hw[1]]


def pool_grads(kind, size, strides, pads=((0, 0), (0, 0)), first=False):
    """A pooling's dL/dx as its words say: "max": g at the position of each window's
    maximum (the first on ties), 0 elsewhere; "mean": g / count copied to each position of
    its window. Windows that overlap add up."""
    def grads(op, g, y, x):
        G, X = nhwc(g, first), nhwc(x, first)
        dx = np.zeros_like(X)
        for r, c, pixels in window_pixels(X.shape[1:3], size, strides, pads):
            rows, cols = np.array(pixels).T
            if kind == "max":
                best = np.argmax(X[:, rows, cols], axis=1)   # (N, C): the first on ties
                for n, ch in np.ndindex(best.shape):
                    dx[n, rows[best[n, ch]], cols[best[n, ch]], ch] += G[n, r, c, ch]
            else:
                dx[:, rows, cols] += G[:, r:r + 1, c] / len(pixels)
        return (nchw(dx, first),)
    return grads


def pool_of(kind, size, strides, pads, x):
    """The gradients of a pooling's gradient, for the pooling of ``x``: "max": dL/ddy = g
    read at the position of each window's maximum in x; "mean": dL/ddy = the mean of g
    over each window's pixels."""
    def grads(op, g, y, dy):
        out = np.zeros(dy.shape)
        for r, c, pixels in window_pixels(x.shape[1:3], size, strides, pads):
            rows, cols = np.array(pixels).T
            if kind == "max":
                best = np.argmax(x[:, rows, cols], axis=1)
                for n, ch in np.ndindex(best.shape):
                    out[n, r, c, ch] = g[n, rows[best[n, ch]], cols[best[n, ch]], ch]
            else:
                out[:, r, c] = g[:, rows, cols].mean(axis=1)
        return (out,)
    return grads


def window_of(f, *shapes):
    """The resolved window of the op ``f`` makes on Values of ``shapes``."""
    return f(*(ag.Value(np.zeros(shape)) for shape in shapes)).op.window


# How conv2d's dL/dx begins in words, and that of its kernel gradient
FULL = 'dL/dx = g ⋆ flip(k), a "full" correlation (a transposed convolution): '
FULL_DY = 'dL/dx = dy ⋆ flip(g), a "full" correlation (a transposed convolution): '
POOLED = np.random.default_rng(14).normal(size=(1, 4, 4, 1))
MAX_POOL = ag.max_pool2d(ag.Value(POOLED), 2, 1)
AVG_SAME = window_of(lambda x: ag.avg_pool2d(x, 2, padding="same"), (1, 3, 3, 1))
AVG_VALID = window_of(lambda x: ag.avg_pool2d(x, 2), (1, 4, 4, 1))
FILTER_S2 = window_of(lambda x, k: ag.conv2d(x, k, strides=2), (1, 5, 5, 1), (2, 2, 1, 1))
FILTER_SAME_D2 = window_of(lambda x, k: ag.conv2d(x, k, padding="same", dilation=2),
                           (1, 4, 4, 2), (3, 3, 2, 1))

# conv3d's three ops, as their words say, with loops over the windows: every output cell
# q and kernel tap i, x_pad[q*s + i*d] @ k[i] (channels last, kernels (kd, kh, kw, in, out))


def ndhwc(a, first=False):
    return a.transpose(0, 2, 3, 4, 1) if first else a


def ncdhw(a, first=False):
    return a.transpose(0, 4, 1, 2, 3) if first else a


def dhwio(k, first=False):
    return k.transpose(2, 3, 4, 1, 0) if first else k


def oidhw(k, first=False):
    return k.transpose(4, 3, 0, 1, 2) if first else k


def volume_windows(volume, out_dhw):
    """(q, i, cell): each output cell q, kernel tap i and the padded cell it reads."""
    for q in np.ndindex(*out_dhw):
        for i in np.ndindex(*volume.size):
            yield q, i, tuple(a * s + b * d for a, b, s, d
                              in zip(q, i, volume.strides, volume.dilations))


def padded3(a, pads):
    return np.pad(a, ((0, 0),) + tuple(pads) + ((0, 0),))


def cropped3(a, pads, dhw):
    return a[(slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, dhw))]


def conv3d_loops(x, k, volume):
    """y[q] = sum over taps i of x_pad[q*s + i*d] @ k[i]."""
    x_pad = padded3(x, volume.pads)
    out = volume.out_dhw(x.shape[1:4])
    y = np.zeros((x.shape[0], *out, k.shape[-1]))
    for q, i, cell in volume_windows(volume, out):
        y[(slice(None),) + q] += x_pad[(slice(None),) + cell] @ k[i]
    return y


def conv3d_transpose_loops(g, k, volume, dhw):
    """g ⋆ flip(k), "full": each g[q] sent back through k[i]^T to the cell q*s + i*d read."""
    pads = volume.pads
    dx = np.zeros((g.shape[0], *(n + b + a for n, (b, a) in zip(dhw, pads)), k.shape[-2]))
    for q, i, cell in volume_windows(volume, g.shape[1:4]):
        dx[(slice(None),) + cell] += g[(slice(None),) + q] @ k[i].T
    return cropped3(dx, pads, dhw)


def conv3d_kernel_loops(x, g, volume):
    """x ⋆ g summed over the batch: dk[i] = sum over n, q of x_pad[n, q*s + i*d]^T g[n, q]."""
    x_pad = padded3(x, volume.pads)
    dk = np.zeros((*volume.size, x.shape[-1], g.shape[-1]))
    for q, i, cell in volume_windows(volume, g.shape[1:4]):
        dk[i] += x_pad[(slice(None),) + cell].T @ g[(slice(None),) + q]
    return dk


def dense(k, groups):
    """A grouped kernel (..., in / G, out) as the whole (..., in, out) matrix it stands for:
    out_channel o reads group o // (out / G) of the in_channels only, zeros elsewhere."""
    per_in, out = k.shape[-2:]
    full = np.zeros(k.shape[:-2] + (per_in * groups, out))
    for j in range(groups):
        cols = slice(j * out // groups, (j + 1) * out // groups)
        full[..., j * per_in:(j + 1) * per_in, cols] = k[..., cols]
    return full


def grouped(dk, groups):
    """The (..., in / G, out) part of a whole kernel gradient that a grouped kernel holds."""
    per_in, out = dk.shape[-2] // groups, dk.shape[-1]
    return np.concatenate([dk[..., j * per_in:(j + 1) * per_in, j * out // groups:
                              (j + 1) * out // groups] for j in range(groups)], axis=-1)


def conv3d_grads(first=False):
    """Conv3D's (and Conv3DBias's) derivatives as the words say them."""
    def grads(op, g, y, x, k, *b):
        G, X, v = ndhwc(g, first), ndhwc(x, first), op.volume
        K = dense(dhwio(k, first), op.groups)
        dx = conv3d_transpose_loops(G, K, v, X.shape[1:4])
        dk = grouped(conv3d_kernel_loops(X, G, v), op.groups)
        db = (G.sum(axis=(0, 1, 2, 3)),) if b else ()
        return (ncdhw(dx, first), oidhw(dk, first)) + db
    return grads


def conv3d_transpose_grads(first=False):
    """Conv3DTranspose's: dL/dx = g ⋆ k (conv3d(g, k)), dL/dk = g ⋆ x (its kernel gradient)."""
    def grads(op, g, y, x, k):
        G, X, v = ndhwc(g, first), ndhwc(x, first), op.volume
        K = dense(dhwio(k, first), op.groups)
        dk = grouped(conv3d_kernel_loops(G, X, v), op.groups)
        return ncdhw(conv3d_loops(G, K, v), first), oidhw(dk, first)
    return grads


def conv3d_filter_grads(op, g, y, x, dy):
    """Conv3DBackpropFilter's: dL/dx = dy ⋆ᵀ g, dL/ddy = x ⋆ g (channels last)."""
    v = op.volume
    return conv3d_transpose_loops(dy, g, v, x.shape[1:4]), conv3d_loops(x, g, v)


CONV3D_DX = ('dL/dx = g ⋆ flip(k), "full" (conv3d_transpose(g, k)),  dL/dk = x ⋆ g')
VOLUME_S2 = ag.conv3d(ag.Value(np.zeros((1, 4, 3, 4, 2))), np.zeros((2, 1, 2, 2, 3)),
                      strides=(2, 1, 2), padding=((1, 0), (0, 0), (0, 1))).op.volume

X = normal(3, 4)
X3 = normal(2, 3, 4)
TIES = np.array([[1.0, 3.0], [3.0, -2.0]])
WITH_ZERO = np.array([[2.0, 0.0, 3.0], [1.5, -1.0, 0.5]])
COND = np.array([[True, False], [False, True], [True, True]])
LABELS = np.array([0, 2, 1, 1])

def cube(x):
    """A block to checkpoint: f(x) = x**3."""
    return x ** 3


CASES = [
    # --- gradient checkpointing (autograd_core.recompute): f run again, along g ------------
    case(Recompute, "", ag.recompute_grad(cube), (normal(3),),
         "dL/dx = the gradient of cube run again, along g",
         lambda op, g, y, x: (g * 3 * x ** 2,)),
    # --- arithmetic ---------------------------------------------------------------------
    case(ops.Add, "broadcast", ag.add, (normal(3, 2), normal(2)),
         "dL/da = g,  dL/db = g", lambda op, g, y, a, b: (g, g)),
    case(ops.Sub, "broadcast", ag.subtract, (normal(3, 2), normal(2)),
         "dL/da = g,  dL/db = -g", lambda op, g, y, a, b: (g, -g)),
    case(ops.Mul, "broadcast", ag.multiply, (normal(3, 2), normal(2)),
         "dL/da = g * b,  dL/db = g * a", lambda op, g, y, a, b: (g * b, g * a)),
    case(ops.Div, "broadcast", ag.divide, (normal(3, 2), positive(2)),
         "dL/da = g / b,  dL/db = -g * y / b   (y / b = a / b**2)",
         lambda op, g, y, a, b: (g / b, -g * a / b ** 2)),
    case(ops.Pow, "elementwise", ag.power, (positive(3), normal(3)),
         "dL/da = g * b * a**(b-1),  dL/db = g * y * log(a)",
         lambda op, g, y, a, b: (g * b * a ** (b - 1), g * y * np.log(a))),
    case(ops.Neg, "", ag.negative, (normal(3),), "dL/dx = -g", lambda op, g, y, x: (-g,)),
    case(ops.Clone, "", ag.clone, (normal(3),), "dL/dx = g", lambda op, g, y, x: (g,)),
    case(ops.Remainder, "broadcast", ag.remainder, (normal(3, 2) * 3, positive(2)),
         "dL/da = g,  dL/db = -g * floor(a / b)",
         lambda op, g, y, a, b: (g, -g * np.floor(a / b)),
         "y = a mod b, with the sign of b (Python's %)"),
    case(ops.Fmod, "", ag.fmod, (normal(4) * 3, positive(4)),
         "dL/da = g,  dL/db = -g * trunc(a / b)",
         lambda op, g, y, a, b: (g, -g * np.trunc(a / b)),
         "y = a mod b, with the sign of a (C's fmod)"),
    case(ops.Hypot, "", ag.hypot, (normal(3), normal(3)),
         "dL/da = g * a / y,  dL/db = g * b / y",
         lambda op, g, y, a, b: (g * a / np.hypot(a, b), g * b / np.hypot(a, b)),
         "y = sqrt(a**2 + b**2), without overflow"),
    case(ops.LogAddExp, "", ag.logaddexp, (normal(3), normal(3)),
         "dL/da = g * sigmoid(a - b),  dL/db = g * sigmoid(b - a)",
         lambda op, g, y, a, b: (g / (1 + np.exp(b - a)), g / (1 + np.exp(a - b))),
         "y = log(exp(a) + exp(b))"),
    case(ops.Maximum, "distinct", ag.maximum, (normal(4), normal(4)),
         "dL/da = g if a > b else g / 2 if a == b else 0   "
         "dL/db = g if b > a else g / 2 if a == b else 0",
         lambda op, g, y, a, b: (np.where(a > b, g, np.where(a == b, g / 2, 0)),
                                 np.where(b > a, g, np.where(a == b, g / 2, 0)))),
    case(ops.Maximum, "ties", ag.maximum, (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])),
         "dL/da = g if a > b else g / 2 if a == b else 0   "
         "dL/db = g if b > a else g / 2 if a == b else 0",
         lambda op, g, y, a, b: (np.where(a > b, g, np.where(a == b, g / 2, 0)),
                                 np.where(b > a, g, np.where(a == b, g / 2, 0)))),
    case(ops.Minimum, "ties", ag.minimum, (np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 5.0])),
         "dL/da = g if a < b else g / 2 if a == b else 0   "
         "dL/db = g if b < a else g / 2 if a == b else 0",
         lambda op, g, y, a, b: (np.where(a < b, g, np.where(a == b, g / 2, 0)),
                                 np.where(b < a, g, np.where(a == b, g / 2, 0)))),
    case(ops.Where, "broadcast", lambda a, b: ag.where(COND, a, b), (normal(3, 2), normal(2)),
         "dL/da = g if cond else 0,  dL/db = 0 if cond else g",
         lambda op, g, y, a, b: (np.where(op.cond, g, 0), np.where(op.cond, 0, g)),
         "y = a if cond else b   (cond = [[True, False], [False, True], [True, True]])"),
    case(ops.Abs, "", ag.abs, (normal(4),), "dL/dx = g * sign(x)   (0 at x = 0)",
         lambda op, g, y, x: (g * np.sign(x),)),
    case(ops.Clip, "both bounds", lambda x: ag.clip(x, -0.5, 0.5), (normal(6),),
         "dL/dx = g if -0.5 <= x <= 0.5 else 0",
         lambda op, g, y, x: (np.where((op.lo <= x) & (x <= op.hi), g, 0),),
         "y = min(max(x, -0.5), 0.5)"),
    case(ops.Clip, "lo", lambda x: ag.clip(x, lo=0.0), (normal(6),),
         "dL/dx = g if x >= 0 else 0", lambda op, g, y, x: (np.where(x >= op.lo, g, 0),),
         "y = max(x, 0)"),
    case(ops.Clip, "hi", lambda x: ag.clip(x, hi=1), (normal(6),),
         "dL/dx = g if x <= 1 else 0", lambda op, g, y, x: (np.where(x <= op.hi, g, 0),),
         "y = min(x, 1)"),
    case(ops.ClipBetween, "array bounds",
         lambda x, lo, hi: ag.clip(x, lo, hi), (normal(6), normal(6) - 0.5, normal(6) + 0.5),
         "dL/dx = g if lo <= x <= hi else 0,  dL/dlo = g if x < lo < hi else 0,  "
         "dL/dhi = g if max(x, lo) > hi else 0",
         lambda op, g, y, x, lo, hi: (np.where((lo <= x) & (x <= hi), g, 0),
                                      np.where((x < lo) & (lo < hi), g, 0),
                                      np.where(np.maximum(x, lo) > hi, g, 0)),
         "y = min(max(x, lo), hi)"),
    case(ops.Cast, "to float32", lambda x: ag.cast(x, np.float32), (normal(3),),
         "dL/dx = g   (cast back to float64 by the engine)", lambda op, g, y, x: (g,),
         "y = x as float32"),
    # --- elementwise ------------------------------------------------------------------
    case(ops.Exp, "", ag.exp, (normal(4),), "dL/dx = g * y", lambda op, g, y, x: (g * y,)),
    case(ops.Log, "", ag.log, (positive(4),), "dL/dx = g / x", lambda op, g, y, x: (g / x,)),
    case(ops.Sqrt, "", ag.sqrt, (positive(4),), "dL/dx = g / (2 * y)",
         lambda op, g, y, x: (g / (2 * y),)),
    case(ops.Cbrt, "", ag.cbrt, (normal(4),), "dL/dx = g / (3 * y**2)",
         lambda op, g, y, x: (g / (3 * np.cbrt(x) ** 2),)),
    case(ops.Square, "", ag.square, (normal(4),), "dL/dx = 2 * g * x",
         lambda op, g, y, x: (2 * g * x,)),
    case(ops.Tanh, "", ag.tanh, (normal(4),), "dL/dx = g * (1 - y**2)",
         lambda op, g, y, x: (g * (1 - y ** 2),)),
    case(ops.Log1p, "", ag.log1p, (positive(4),), "dL/dx = g / (1 + x)",
         lambda op, g, y, x: (g / (1 + x),)),
    case(ops.Expm1, "", ag.expm1, (normal(4),), "dL/dx = g * (y + 1)",
         lambda op, g, y, x: (g * (y + 1),)),
    case(ops.Log2, "", ag.log2, (positive(4),), "dL/dx = g / (x * log(2))",
         lambda op, g, y, x: (g / (x * np.log(2)),)),
    case(ops.Log10, "", ag.log10, (positive(4),), "dL/dx = g / (x * log(10))",
         lambda op, g, y, x: (g / (x * np.log(10)),)),
    case(ops.Exp2, "", ag.exp2, (normal(4),), "dL/dx = g * y * log(2)",
         lambda op, g, y, x: (g * y * np.log(2),)),
    case(ops.Reciprocal, "", ag.reciprocal, (positive(4),), "dL/dx = -g * y**2",
         lambda op, g, y, x: (-g * y ** 2,)),
    case(ops.Rsqrt, "", ag.rsqrt, (positive(4),), "dL/dx = -g * y**3 / 2",
         lambda op, g, y, x: (-g * y ** 3 / 2,)),
    case(ops.Sign, "", ag.sign, (normal(4),), "dL/dx = 0",
         lambda op, g, y, x: (np.zeros_like(x),)),
    case(ops.Floor, "", ag.floor, (normal(4),), "dL/dx = 0",
         lambda op, g, y, x: (np.zeros_like(x),)),
    case(ops.Ceil, "", ag.ceil, (normal(4),), "dL/dx = 0",
         lambda op, g, y, x: (np.zeros_like(x),)),
    case(ops.Round, "decimals 0", ag.round, (normal(4),), "dL/dx = 0",
         lambda op, g, y, x: (np.zeros_like(x),), "y = round(x, 0)"),
    case(ops.Round, "decimals 2", lambda x: ag.round(x, 2), (normal(4),), "dL/dx = 0",
         lambda op, g, y, x: (np.zeros_like(x),), "y = round(x, 2)"),
    # --- trigonometric, hyperbolic, special --------------------------------------------
    case(ops.Sin, "", ag.sin, (normal(4),), "dL/dx = g * cos(x)",
         lambda op, g, y, x: (g * np.cos(x),)),
    case(ops.Cos, "", ag.cos, (normal(4),), "dL/dx = -g * sin(x)",
         lambda op, g, y, x: (-g * np.sin(x),)),
    case(ops.Tan, "", ag.tan, (unit(4),), "dL/dx = g * (1 + y**2)",
         lambda op, g, y, x: (g * (1 + y ** 2),)),
    case(ops.Arcsin, "", ag.arcsin, (unit(4),), "dL/dx = g / sqrt(1 - x**2)",
         lambda op, g, y, x: (g / np.sqrt(1 - x ** 2),)),
    case(ops.Arccos, "", ag.arccos, (unit(4),), "dL/dx = -g / sqrt(1 - x**2)",
         lambda op, g, y, x: (-g / np.sqrt(1 - x ** 2),)),
    case(ops.Arctan, "", ag.arctan, (normal(4),), "dL/dx = g / (1 + x**2)",
         lambda op, g, y, x: (g / (1 + x ** 2),)),
    case(ops.Arctan2, "broadcast", ag.arctan2, (normal(3, 2), normal(2)),
         "dL/da = g * b / (a**2 + b**2),  dL/db = -g * a / (a**2 + b**2)",
         lambda op, g, y, a, b: (g * b / (a ** 2 + b ** 2), -g * a / (a ** 2 + b ** 2))),
    case(ops.Sinh, "", ag.sinh, (normal(4),), "dL/dx = g * cosh(x)",
         lambda op, g, y, x: (g * np.cosh(x),)),
    case(ops.Cosh, "", ag.cosh, (normal(4),), "dL/dx = g * sinh(x)",
         lambda op, g, y, x: (g * np.sinh(x),)),
    case(ops.Arcsinh, "", ag.arcsinh, (normal(4),), "dL/dx = g / sqrt(x**2 + 1)",
         lambda op, g, y, x: (g / np.sqrt(x ** 2 + 1),)),
    case(ops.Arccosh, "", ag.arccosh, (1 + positive(4),), "dL/dx = g / sqrt(x**2 - 1)",
         lambda op, g, y, x: (g / np.sqrt(x ** 2 - 1),)),
    case(ops.Arctanh, "", ag.arctanh, (unit(4),), "dL/dx = g / (1 - x**2)",
         lambda op, g, y, x: (g / (1 - x ** 2),)),
    case(ops.Erf, "", ag.erf, (normal(4),), "dL/dx = g * 2/sqrt(pi) * exp(-x**2)",
         lambda op, g, y, x: (g * 2 / np.sqrt(np.pi) * np.exp(-x ** 2),)),
    # --- activations --------------------------------------------------------------------
    case(ops.Sigmoid, "", ag.sigmoid, (normal(4),), "dL/dx = g * y * (1 - y)",
         lambda op, g, y, x: (g * y * (1 - y),)),
    case(ops.Relu, "", ag.relu, (normal(6),), "dL/dx = g if x > 0 else 0",
         lambda op, g, y, x: (np.where(x > 0, g, 0),)),
    case(ops.LeakyRelu, "alpha 0.2", ag.leaky_relu, (normal(6),),
         "dL/dx = g if x > 0 else 0.2 * g",
         lambda op, g, y, x: (np.where(x > 0, g, op.alpha * g),),
         "y = x if x > 0 else 0.2 * x"),
    case(ops.LeakyRelu, "alpha 0.05", lambda x: ag.leaky_relu(x, 0.05), (normal(6),),
         "dL/dx = g if x > 0 else 0.05 * g",
         lambda op, g, y, x: (np.where(x > 0, g, op.alpha * g),)),
    case(ops.Softplus, "", ag.softplus, (normal(4),), "dL/dx = g * sigmoid(x)",
         lambda op, g, y, x: (g * sigmoid(x),)),
    case(ops.Softsign, "", ag.softsign, (normal(4),), "dL/dx = g / (1 + |x|)**2",
         lambda op, g, y, x: (g / (1 + np.abs(x)) ** 2,)),
    case(ops.Elu, "alpha 1", ag.elu, (normal(6),), "dL/dx = g if x > 0 else g * (y + 1)",
         lambda op, g, y, x: (np.where(x > 0, g, g * (y + op.alpha)),),
         "y = x if x > 0 else 1 * (exp(x) - 1)"),
    case(ops.Elu, "alpha 0.5", lambda x: ag.elu(x, 0.5), (normal(6),),
         "dL/dx = g if x > 0 else g * (y + 0.5)",
         lambda op, g, y, x: (np.where(x > 0, g, g * (y + op.alpha)),)),
    case(ops.Selu, "", ag.selu, (normal(6),),
         "dL/dx = g * scale if x > 0 else g * (y + scale * alpha)",
         lambda op, g, y, x: (np.where(x > 0, g * 1.0507009873554805,
                                       g * (y + 1.0507009873554805 * 1.6732632423543772)),)),
    case(ops.Gelu, "", ag.gelu, (normal(4),),
         "dL/dx = g * (Phi(x) + x * exp(-x**2 / 2) / sqrt(2 * pi))",
         lambda op, g, y, x: (g * (Phi(x) + x * np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi)),)),
    case(ops.GeluTanh, "", lambda x: ag.gelu(x, approximate=True), (normal(4),),
         "dL/dx = g * ((1 + tanh(u)) / 2 + x * (1 - tanh(u)**2) * du/dx / 2)   "
         "du/dx = sqrt(2/pi) * (1 + 3 * 0.044715 * x**2)",
         lambda op, g, y, x: (g * ((1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
                                   / 2 + x * (1 - np.tanh(np.sqrt(2 / np.pi)
                                                          * (x + 0.044715 * x ** 3)) ** 2)
                                   * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * x ** 2) / 2),)),
    case(ops.Silu, "", ag.silu, (normal(4),), "dL/dx = g * s * (1 + x * (1 - s))   s = sigmoid(x)",
         lambda op, g, y, x: (g * sigmoid(x) * (1 + x * (1 - sigmoid(x))),)),
    case(ops.HardSigmoid, "", ag.hard_sigmoid, (3 * normal(8),),
         "dL/dx = g / 6 if -3 < x < 3 else 0",
         lambda op, g, y, x: (np.where((-3 < x) & (x < 3), g / 6, 0),)),
    # --- reductions -------------------------------------------------------------------
    case(ops.Sum, "all", ag.sum, (X3,), "dL/dx = g, copied to every element",
         lambda op, g, y, x: (np.broadcast_to(g, x.shape),), "y = sum of x over all elements"),
    case(ops.Sum, "axis 1", lambda x: ag.sum(x, 1), (X3,), "dL/dx = g, copied along axis 1",
         lambda op, g, y, x: (np.broadcast_to(expand(g, 1, 3), x.shape),),
         "y = sum of x over axis 1"),
    case(ops.Sum, "axes (0, 2), keepdims", lambda x: ag.sum(x, (0, -1), keepdims=True), (X3,),
         "dL/dx = g, copied along axes (0, 2)",
         lambda op, g, y, x: (np.broadcast_to(g, x.shape),),
         "y = sum of x over axes (0, 2), keepdims"),
    case(ops.Sum, "every axis named", lambda x: ag.sum(x, (0, 1, 2)), (X3,),
         "dL/dx = g, copied to every element",
         lambda op, g, y, x: (np.broadcast_to(g, x.shape),), "y = sum of x over all elements"),
    case(ops.Mean, "all", ag.mean, (X3,), "dL/dx = g / 24, copied to every element",
         lambda op, g, y, x: (np.broadcast_to(g / 24, x.shape),),
         "y = mean of x over all elements"),
    case(ops.Mean, "axis 2, keepdims", lambda x: ag.mean(x, 2, keepdims=True), (X3,),
         "dL/dx = g / 4, copied along axis 2",
         lambda op, g, y, x: (np.broadcast_to(g / 4, x.shape),),
         "y = mean of x over axis 2, keepdims"),
    case(ops.Mean, "axes (0, 1)", lambda x: ag.mean(x, (0, 1)), (X3,),
         "dL/dx = g / 6, copied along axes (0, 1)",
         lambda op, g, y, x: (np.broadcast_to(g / 6, x.shape),)),
    case(ops.Prod, "axis 1", lambda x: ag.prod(x, 1), (X,),
         "dL/dx = g * y / x, g and y copied along axis 1",
         lambda op, g, y, x: (expand(g, 1, 2) * expand(y, 1, 2) / x,),
         "y = product of x over axis 1"),
    case(ops.Prod, "zeros", ag.prod, (WITH_ZERO,),
         "dL/dx = g * p, g copied to every element   "
         "(p: the product of the other elements, x has zeros)",
         lambda op, g, y, x: (g * product_of_others(x),)),
    case(ops.Max, "axis 1", lambda x: ag.max(x, 1), (X,),
         "dL/dx = g if x == y else 0, g and y copied along axis 1",
         lambda op, g, y, x: (np.where(x == expand(y, 1, 2), expand(g, 1, 2), 0),),
         "y = max of x over axis 1"),
    case(ops.Max, "ties", ag.max, (TIES,),
         "dL/dx = g / k if x == y else 0, g and y copied to every element   "
         "(k: how many elements tie for the maximum)",
         lambda op, g, y, x: (np.where(x == y, g / np.sum(x == y), 0),)),
    case(ops.Max, "axis 0, keepdims", lambda x: ag.max(x, 0, keepdims=True), (X,),
         "dL/dx = g if x == y else 0, g and y copied along axis 0",
         lambda op, g, y, x: (np.where(x == y, g, 0),), "y = max of x over axis 0, keepdims"),
    case(ops.Min, "axis 0", lambda x: ag.min(x, 0), (X,),
         "dL/dx = g if x == y else 0, g and y copied along axis 0",
         lambda op, g, y, x: (np.where(x == expand(y, 0, 2), expand(g, 0, 2), 0),),
         "y = min of x over axis 0"),
    case(ops.Min, "ties", ag.min, (-TIES,),
         "dL/dx = g / k if x == y else 0, g and y copied to every element   "
         "(k: how many elements tie for the minimum)",
         lambda op, g, y, x: (np.where(x == y, g / np.sum(x == y), 0),)),
    case(ops.LogSumExp, "last axis", ag.logsumexp, (X3,),
         "dL/dx = g * softmax(x, axis=2), g copied along axis 2",
         lambda op, g, y, x: (expand(g, 2, 3) * softmax(x, 2),),
         "y = log(sum(exp(x))) over axis 2"),
    case(ops.LogSumExp, "all", ag.reduce_logsumexp, (X,),
         "dL/dx = g * softmax(x), g copied to every element",
         lambda op, g, y, x: (g * softmax(x.reshape(-1)).reshape(x.shape),)),
    case(ops.LogSumExp, "axis 0, keepdims", lambda x: ag.logsumexp(x, 0, keepdims=True), (X,),
         "dL/dx = g * softmax(x, axis=0), g copied along axis 0",
         lambda op, g, y, x: (g * softmax(x, 0),)),
    # --- statistics ---------------------------------------------------------------------
    case(ops.Var, "all", ag.var, (X,),
         "dL/dx = g * 2 * (x - mean(x)) / (12 - 0), g copied to every element",
         lambda op, g, y, x: (g * 2 * (x - x.mean()) / (12 - 0),),
         "y = sum((x - mean(x))**2) / (12 - 0) over all elements"),
    case(ops.Var, "axis 1, ddof 1, keepdims", lambda x: ag.var(x, 1, True, ddof=1), (X,),
         "dL/dx = g * 2 * (x - mean(x)) / (4 - 1), g copied along axis 1",
         lambda op, g, y, x: (g * 2 * (x - x.mean(1, keepdims=True)) / (4 - 1),),
         "y = sum((x - mean(x))**2) / (4 - 1) over axis 1, keepdims"),
    case(ops.Var, "ddof past n", lambda x: ag.var(x, 0, ddof=5), (X,),
         "dL/dx = g * 2 * (x - mean(x)) / max(3 - 5, 0), g copied along axis 0",
         lambda op, g, y, x: (np.full(x.shape, np.inf) * g * 2 * (x - x.mean(0)),),
         "y = sum((x - mean(x))**2) / max(3 - 5, 0) over axis 0"),
    case(ops.Std, "all", ag.std, (X,),
         "dL/dx = g * (x - mean(x)) / ((12 - 0) * y), g and y copied to every element   "
         "(0 where y = 0)",
         lambda op, g, y, x: (g * (x - x.mean()) / ((12 - 0) * y),)),
    case(ops.Std, "axis 0, unbiased", lambda x: ag.std(x, 0, unbiased=True), (X,),
         "dL/dx = g * (x - mean(x)) / ((3 - 1) * y), g and y copied along axis 0   "
         "(0 where y = 0)",
         lambda op, g, y, x: (expand(g, 0, 2) * (x - x.mean(0)) / ((3 - 1) * expand(y, 0, 2)),),
         "y = sqrt(sum((x - mean(x))**2) / (3 - 1)) over axis 0"),
    case(ops.MeanSquaredError, "broadcast", ag.mean_squared_error, (normal(2, 3), normal(3)),
         "dL/dy_true = -g * 2 * (y_pred - y_true) / 3,  "
         "dL/dy_pred = g * 2 * (y_pred - y_true) / 3",
         lambda op, g, y, t, p: (-g[:, None] * 2 * (p - t) / 3, g[:, None] * 2 * (p - t) / 3),
         "y = mean((y_pred - y_true)**2) over the last axis (n = 3)"),
    # --- cumulative ---------------------------------------------------------------------
    case(ops.Cumsum, "axis 1", lambda x: ag.cumsum(x, 1), (X,),
         "dL/dx_j = g_j + ... + g_3 along axis 1",
         lambda op, g, y, x: (np.flip(np.cumsum(np.flip(g, 1), 1), 1),),
         "y_k = x_0 + ... + x_k along axis 1"),
    case(ops.Cumsum, "exclusive", lambda x: ag.cumsum(x, 0, exclusive=True), (X,),
         "dL/dx_j = g_(j+1) + ... + g_2 along axis 0",
         lambda op, g, y, x: (np.flip(np.cumsum(np.flip(g, 0), 0), 0) - g,),
         "y_k = x_0 + ... + x_(k-1) along axis 0"),
    case(ops.Cumsum, "reverse", lambda x: ag.cumsum(x, 1, reverse=True), (X,),
         "dL/dx_j = g_0 + ... + g_j along axis 1", lambda op, g, y, x: (np.cumsum(g, 1),),
         "y_k = x_k + ... + x_3 along axis 1"),
    case(ops.Cumsum, "exclusive, reverse",
         lambda x: ag.cumsum(x, 1, exclusive=True, reverse=True), (X,),
         "dL/dx_j = g_0 + ... + g_(j-1) along axis 1",
         lambda op, g, y, x: (np.cumsum(g, 1) - g,), "y_k = x_(k+1) + ... + x_3 along axis 1"),
    case(ops.Cumsum, "flattened", ag.cumsum, (X,), "dL/dx_j = g_j + ... + g_11 along axis 0",
         lambda op, g, y, x: (np.flip(np.cumsum(np.flip(g))),)),
    case(ops.Cumprod, "axis 1", lambda x: ag.cumprod(x, 1), (positive(3, 4),),
         "dL/dx_j = sum over k >= j of g_k * y_k / x_j along axis 1",
         lambda op, g, y, x: (np.flip(np.cumsum(np.flip(g * y, 1), 1), 1) / x,),
         "y_k = x_0 * ... * x_k along axis 1"),
    case(ops.Cumprod, "zeros", lambda x: ag.cumprod(x, 0), (WITH_ZERO.T,),
         "dL/dx_j = sum over k >= j of g_k * p_jk along axis 0   "
         "(p_jk: x_0 * ... * x_k without x_j, x has zeros)",
         lambda op, g, y, x: (cumprod_grad_with_zeros(g, x),)),
    case(ops.LogCumSumExp, "axis 1", lambda x: ag.cumulative_logsumexp(x, 1), (X,),
         "dL/dx_j = sum over k >= j of g_k * exp(x_j - y_k) along axis 1",
         lambda op, g, y, x: (np.exp(x) * np.flip(np.cumsum(np.flip(g * np.exp(-y), 1), 1), 1),),
         "y_k = log(exp(x_0) + ... + exp(x_k)) along axis 1"),
    case(ops.LogCumSumExp, "reverse", lambda x: ag.cumulative_logsumexp(x, 0, reverse=True),
         (X,), "dL/dx_j = sum over k <= j of g_k * exp(x_j - y_k) along axis 0",
         lambda op, g, y, x: (np.exp(x) * np.cumsum(g * np.exp(-y), 0),),
         "y_k = log(exp(x_k) + ... + exp(x_2)) along axis 0"),
    # --- norms --------------------------------------------------------------------------
    case(ops.VectorNorm, "2, all", ag.norm, (X,),
         "dL/dx = g * x / y, g and y copied to every element   (0 where y = 0)",
         lambda op, g, y, x: (g * x / y,), "y = sqrt(sum(x**2)) over all elements"),
    case(ops.VectorNorm, "frobenius", lambda x: ag.norm(x, "fro", axis=(0, 1)), (X,),
         "dL/dx = g * x / y, g and y copied to every element   (0 where y = 0)",
         lambda op, g, y, x: (g * x / y,)),
    case(ops.VectorNorm, "1, axis 1", lambda x: ag.norm(x, 1, axis=1), (X,),
         "dL/dx = g * sign(x), g copied along axis 1",
         lambda op, g, y, x: (expand(g, 1, 2) * np.sign(x),), "y = sum(|x|) over axis 1"),
    case(ops.VectorNorm, "inf, axis 0", lambda x: ag.norm(x, np.inf, axis=0), (X,),
         "dL/dx = g * sign(x) if |x| == y else 0, g and y copied along axis 0",
         lambda op, g, y, x: (np.where(np.abs(x) == y, g * np.sign(x), 0),),
         "y = max(|x|) over axis 0"),
    case(ops.VectorNorm, "-inf", lambda x: ag.norm(x, -np.inf), (X,),
         "dL/dx = g * sign(x) if |x| == y else 0, g and y copied to every element",
         lambda op, g, y, x: (np.where(np.abs(x) == y, g * np.sign(x), 0),),
         "y = min(|x|) over all elements"),
    case(ops.VectorNorm, "inf, ties", lambda x: ag.norm(x, np.inf), (TIES,),
         "dL/dx = g / k * sign(x) if |x| == y else 0, g and y copied to every element   "
         "(k: how many |x| tie for the maximum)",
         lambda op, g, y, x: (np.where(np.abs(x) == y, g / 2 * np.sign(x), 0),)),
    case(ops.VectorNorm, "0", lambda x: ag.norm(x, 0, axis=1), (X,), "dL/dx = 0",
         lambda op, g, y, x: (np.zeros_like(x),), "y = the number of nonzero x over axis 1"),
    case(ops.VectorNorm, "3, keepdims", lambda x: ag.norm(x, 3, axis=1, keepdims=True), (X,),
         "dL/dx = g * sign(x) * |x|**2 / y**2, g and y copied along axis 1   "
         "(0 where x = 0 or y = 0)",
         lambda op, g, y, x: (g * np.sign(x) * np.abs(x) ** 2 / y ** 2,),
         "y = sum(|x|**3)**(1/3) over axis 1, keepdims"),
    case(ops.VectorNorm, "0.5", lambda x: ag.norm(x, 0.5), (X,),
         "dL/dx = g * sign(x) * |x|**(-0.5) / y**(-0.5), g and y copied to every element   "
         "(0 where x = 0 or y = 0)",
         lambda op, g, y, x: (g * np.sign(x) * np.abs(x) ** -0.5 / y ** -0.5,)),
    # --- shapes -------------------------------------------------------------------------
    case(ops.Reshape, "reshape", lambda x: ag.reshape(x, 6, 4), (X3,),
         "dL/dx = g reshaped back to (2, 3, 4)", lambda op, g, y, x: (g.reshape(x.shape),),
         "y = x reshaped to (6, 4)"),
    case(ops.Reshape, "expand_dims", lambda x: ag.expand_dims(x, 0), (X,),
         "dL/dx = g reshaped back to (3, 4)", lambda op, g, y, x: (g.reshape(x.shape),),
         "y = x reshaped to (1, 3, 4)"),
    case(ops.Transpose, "reversed", ag.transpose, (X3,),
         "dL/dx = g with axes permuted to (2, 1, 0)", lambda op, g, y, x: (g.transpose(),),
         "y = x with axes permuted to (2, 1, 0)"),
    case(ops.Transpose, "permutation", lambda x: ag.transpose(x, (1, 2, 0)), (X3,),
         "dL/dx = g with axes permuted to (2, 0, 1)",
         lambda op, g, y, x: (g.transpose(2, 0, 1),), "y = x with axes permuted to (1, 2, 0)"),
    case(ops.BroadcastTo, "", lambda x: ag.broadcast_to(x, (2, 3, 4)), (normal(3, 1),),
         "dL/dx = g summed over axes (0, 2)",
         lambda op, g, y, x: (g.sum(axis=0).sum(axis=-1, keepdims=True),),
         "y = x broadcast to (2, 3, 4)"),
    case(ops.SumTo, "", lambda x: ag.sum_to(x, (3, 1)), (X3,),
         "dL/dx = g broadcast back to (2, 3, 4)",
         lambda op, g, y, x: (np.broadcast_to(g, x.shape),),
         "y = x summed to (3, 1) (over axes (0, 2))"),
    case(ops.Flip, "axis 0", lambda x: ag.flip(x, 0), (X,), "dL/dx = g reversed along axis 0",
         lambda op, g, y, x: (np.flip(g, 0),), "y = x reversed along axis 0"),
    case(ops.Flip, "every axis", ag.flip, (X,), "dL/dx = g reversed along axes (0, 1)",
         lambda op, g, y, x: (np.flip(g),)),
    case(ops.Roll, "axis 1", lambda x: ag.roll(x, 2, 1), (X,),
         "dL/dx = g rolled by -2 along axis 1", lambda op, g, y, x: (np.roll(g, -2, 1),),
         "y = x rolled by 2 along axis 1"),
    case(ops.Roll, "flattened", lambda x: ag.roll(x, 5), (X,),
         "dL/dx = g rolled by -5 as one line (x flattened)",
         lambda op, g, y, x: (np.roll(g, -5),), "y = x rolled by 5 as one line (x flattened)"),
    case(ops.Roll, "two axes", lambda x: ag.roll(x, (1, -1), (0, 1)), (X,),
         "dL/dx = g rolled by (-1, 1) along axes (0, 1)",
         lambda op, g, y, x: (np.roll(g, (-1, 1), (0, 1)),)),
    # --- joining ------------------------------------------------------------------------
    case(ops.Concat, "axis 0", lambda a, b: ag.concat([a, b]), (normal(2, 3), normal(1, 3)),
         "dL/dx1 = g[0:2],  dL/dx2 = g[2:3]", lambda op, g, y, a, b: (g[0:2], g[2:3]),
         "y = [x1, x2] joined along axis 0"),
    case(ops.Concat, "axis 1", lambda a, b, c: ag.concat([a, b, c], 1),
         (normal(2, 1), normal(2, 3), normal(2, 2)),
         "dL/dx1 = g[:, 0:1],  dL/dx2 = g[:, 1:4],  dL/dx3 = g[:, 4:6]",
         lambda op, g, y, a, b, c: (g[:, 0:1], g[:, 1:4], g[:, 4:6])),
    case(ops.Stack, "axis 0", lambda a, b: ag.stack([a, b]), (normal(2, 3), normal(2, 3)),
         "dL/dx1 = g[0],  dL/dx2 = g[1]", lambda op, g, y, a, b: (g[0], g[1]),
         "y = [x1, x2] stacked on a new axis 0"),
    case(ops.Stack, "axis 1", lambda a, b: ag.stack([a, b], 1), (normal(2, 3), normal(2, 3)),
         "dL/dx1 = g[:, 0],  dL/dx2 = g[:, 1]", lambda op, g, y, a, b: (g[:, 0], g[:, 1])),
    case(ops.Tile, "", lambda x: ag.tile(x, (2, 1)), (normal(2, 3),),
         "dL/dx = g summed over the 2 copies of x",
         lambda op, g, y, x: (g.reshape(2, 2, 1, 3).sum(axis=(0, 2)),),
         "y = x tiled (2, 1) times"),
    case(ops.Tile, "new axes", lambda x: ag.tile(x, (2, 2)), (normal(3),),
         "dL/dx = g summed over the 4 copies of x",
         lambda op, g, y, x: (g.reshape(2, 1, 2, 3).sum(axis=(0, 1, 2)),)),
    case(ops.Repeat, "2 times", lambda x: ag.repeat(x, 2, axis=1), (normal(2, 3),),
         "dL/dx = g summed over each element's copies",
         lambda op, g, y, x: (g.reshape(2, 3, 2).sum(axis=-1),),
         "y = each element of x repeated 2 times along axis 1"),
    case(ops.Repeat, "counts", lambda x: ag.repeat(x, [1, 3, 0]), (normal(3),),
         "dL/dx = g summed over each element's copies",
         lambda op, g, y, x: (added_at((3,), [0, 1, 1, 1], g),),
         "y = each element of x repeated [1, 3, 0] times along axis 0"),
    case(ops.Pad, "constant", lambda x: ag.pad(x, ((1, 0), (0, 2))), (normal(2, 3),),
         "dL/dx = g[1:3, 0:3]", lambda op, g, y, x: (g[1:3, 0:3],),
         "y = x padded by ((1, 0), (0, 2)) with 0"),
    case(ops.Pad, "reflect", lambda x: ag.pad(x, (2, 1), mode="reflect"), (normal(4),),
         "dL/dx = g[2:6] plus the g of each copy",
         lambda op, g, y, x: (added_at((4,), np.pad(np.arange(4), (2, 1), "reflect"), g),),
         "y = x padded by ((2, 1),) with reflect copies of its elements"),
    # --- indexing -----------------------------------------------------------------------
    case(ops.GetItem, "slices", lambda x: x[1:3, 0], (normal(4, 3),),
         "dL/dx = g put back at [1:3, 0], 0 elsewhere (repeats add up)",
         lambda op, g, y, x: (added_at(x.shape, (slice(1, 3), 0), g),), "y = x[1:3, 0]"),
    case(ops.GetItem, "repeats", lambda x: x[[2, 0, 2]], (normal(4, 3),),
         "dL/dx = g put back at [[2, 0, 2]], 0 elsewhere (repeats add up)",
         lambda op, g, y, x: (added_at(x.shape, [2, 0, 2], g),), "y = x[[2, 0, 2]]"),
    case(ops.GetItem, "mask", lambda x: x[x.data > 0], (normal(4, 3),),
         "dL/dx = g put back at [<mask (4, 3)>], 0 elsewhere (repeats add up)",
         lambda op, g, y, x: (added_at(x.shape, x > 0, g),), "y = x[<mask (4, 3)>]"),
    case(ops.Gather, "axis 1", lambda x: ag.gather(x, [1, 1, 0], axis=1), (normal(3, 4),),
         "dL/dx = g put back at [:, [1, 1, 0]], 0 elsewhere (repeats add up)",
         lambda op, g, y, x: (added_at(x.shape, (slice(None), [1, 1, 0]), g),),
         "y = x[:, [1, 1, 0]]"),
    case(ops.TakeAlongAxis, "axis 1", lambda x: ag.take_along_axis(x, [[1], [0]], axis=1),
         (normal(2, 3),),
         "dL/dx = g added back where each element was picked (repeats add up)",
         lambda op, g, y, x: (added_at(x.shape, op.index, g),),
         "y = take_along_axis(x, [[1], [0]], axis=1)"),
    case(ops.SegmentExtreme, "max, a tie",
         lambda x: ag.apply(ops.SegmentExtreme(np.array([1, 0, 1]), 2, True), x),
         (np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 0.5]]),),
         "dL/dx[i] = g[ids[i]] / n where x[i] is its segment's max (n rows tie), else 0",
         lambda op, g, y, x: (g[[1, 0, 1]] * np.array([[0.5, 1.0], [1.0, 1.0], [0.5, 0.0]]),),
         "y[s] = max of the rows x[i] with ids[i] == s"),
    case(ops.SegmentExtreme, "min",
         lambda x: ag.apply(ops.SegmentExtreme(np.array([0, 0]), 1, False), x),
         (normal(2, 3),),
         "dL/dx[i] = g[ids[i]] / n where x[i] is its segment's min (n rows tie), else 0",
         lambda op, g, y, x: (g[[0, 0]] * (x == x.min(0)),),
         "y[s] = min of the rows x[i] with ids[i] == s"),
    case(ops.SegmentProd, "", lambda x: ag.segment_prod(x, [0, 0, 2]), (normal(3, 2),),
         "dL/dx[i] = g[ids[i]] * y[ids[i]] / x[i]",
         lambda op, g, y, x: (g[[0, 0, 2]] * y[[0, 0, 2]] / x,),
         "y[s] = product of the rows x[i] with ids[i] == s, 1 for an empty segment"),
    case(ops.SegmentProd, "zeros", lambda x: ag.unsorted_segment_prod(x, [1, 0, 1, 1], 3),
         (np.array([[0.0, 0.0], [2.0, 0.0], [1.5, 0.0], [-3.0, 2.5]]),),
         "dL/dx[i] = g[ids[i]] * p[i]   "
         "(p[i]: the product of the other rows of its segment, x has zeros)",
         lambda op, g, y, x: (g[[1, 0, 1, 1]] * others_in_segments(x, np.array([1, 0, 1, 1])),)),
    case(ops.Scatter, "", lambda u: ag.scatter_nd([[0], [2]], u, (4,)), (normal(2),),
         "dL/dx = g[[0, 2]]", lambda op, g, y, x: (g[[0, 2]],),
         "y = zeros((4,)) with x added at [[0, 2]]"),
    case(ops.ScatterAdd, "", lambda x, s: ag.index_add(x, 0, [2, 0, 2], s),
         (normal(3, 2), normal(3, 2)),
         "dL/dx = g,  dL/dsrc = g[[2, 0, 2]]",
         lambda op, g, y, x, src: (g, g[[2, 0, 2]]),
         "y = x with src added at [[2, 0, 2]] (repeats add up)"),
    # --- linear algebra -----------------------------------------------------------------
    case(ops.MatMul, "matrices", ag.matmul, (normal(3, 4), normal(4, 2)),
         "dL/da = g @ b^T,  dL/db = a^T @ g", lambda op, g, y, a, b: (g @ b.T, a.T @ g)),
    case(ops.MatMul, "dot product", ag.matmul, (normal(3), normal(3)),
         "dL/da = g * b,  dL/db = g * a", lambda op, g, y, a, b: (g * b, g * a),
         "y = a @ b (a dot product)"),
    case(ops.MatMul, "batched", ag.matmul, (normal(2, 3, 4), normal(4, 2)),
         "dL/da = g @ b^T,  dL/db = a^T @ g   (numpy's 1-D and batched rules)",
         lambda op, g, y, a, b: (g @ b.T, a.swapaxes(-1, -2) @ g)),
    case(ops.Linear, "", ag.linear, (normal(3, 4), normal(4, 2), normal(2)),
         "dL/dx = g @ W^T,  dL/dW = x^T @ g,  dL/db = g   (a dense layer)",
         lambda op, g, y, x, W, b: (g @ W.T, x.T @ g, g)),
    case(ops.Outer, "", ag.outer, (normal(3), normal(2)), "dL/da = g @ b,  dL/db = g^T @ a",
         lambda op, g, y, a, b: (g @ b, g.T @ a)),
    case(ops.Diagonal, "main", ag.diagonal, (normal(3, 4),),
         "dL/dx = g put back on the diagonal 0, 0 elsewhere",
         lambda op, g, y, x: (added_at(x.shape, (np.arange(3), np.arange(3)), g),),
         "y = the diagonal 0 of x over axes (0, 1), as the last axis"),
    case(ops.Diagonal, "offset 1, axes (1, 2)", lambda x: ag.diagonal(x, 1, 1, 2),
         (normal(2, 3, 3),), "dL/dx = g put back on the diagonal 1, 0 elsewhere",
         lambda op, g, y, x: (added_at(x.shape, (slice(None), [0, 1], [1, 2]), g),)),
    case(ops.Diag, "k 0", ag.diag, (normal(3),), "dL/dx = the diagonal 0 of g",
         lambda op, g, y, x: (np.diag(g),),
         "y = the 3x3 matrix with x on its diagonal 0, zeros elsewhere"),
    case(ops.Diag, "k -1", lambda x: ag.diag(x, -1), (normal(3),),
         "dL/dx = the diagonal -1 of g", lambda op, g, y, x: (np.diag(g, -1),)),
    case(ops.Triangle, "tril", ag.tril, (normal(3, 4),),
         "dL/dx = g on and below the diagonal 0, 0 elsewhere",
         lambda op, g, y, x: (np.tril(g),), "y = x on and below the diagonal 0, 0 elsewhere"),
    case(ops.Triangle, "triu 1, batched", lambda x: ag.triu(x, 1), (normal(2, 3, 3),),
         "dL/dx = g on and above the diagonal 1, 0 elsewhere",
         lambda op, g, y, x: (np.triu(g, 1),)),
    case(ops.Trace, "", ag.trace, (normal(3, 3),),
         "dL/dx = g * I, g copied along axes (0, 1)   (I: 1 on the diagonal 0, 0 elsewhere)",
         lambda op, g, y, x: (g * np.eye(3),), "y = sum of the diagonal 0 of x over axes (0, 1)"),
    case(ops.Trace, "offset 1, batched", lambda x: ag.trace(x, 1, 1, 2), (normal(2, 3, 4),),
         "dL/dx = g * I, g copied along axes (1, 2)   (I: 1 on the diagonal 1, 0 elsewhere)",
         lambda op, g, y, x: (g[:, None, None] * np.eye(3, 4, 1),)),
    # --- contractions -------------------------------------------------------------------
    case(ops.Einsum, "matrix product", lambda a, b: ag.einsum("ij,jk->ik", a, b),
         (normal(3, 4), normal(4, 2)),
         "dL/dx1 = einsum('ik,jk->ij', g, x2),  dL/dx2 = einsum('ik,ij->jk', g, x1)",
         lambda op, g, y, a, b: (np.einsum("ik,jk->ij", g, b), np.einsum("ik,ij->jk", g, a)),
         "y = einsum('ij,jk->ik', x1, x2)"),
    case(ops.Einsum, "tensordot", lambda a, b: ag.tensordot(a, b, 1),
         (normal(2, 3), normal(3, 4)),
         "dL/dx1 = einsum('ad,bd->ab', g, x2),  dL/dx2 = einsum('ad,ab->bd', g, x1)",
         lambda op, g, y, a, b: (g @ b.T, a.T @ g)),
    case(ops.Einsum, "trace", lambda a: ag.einsum("ii", a), (normal(3, 3),),
         "dL/dx1 = einsum(g with the other operands -> x1's labels 'ii')",
         lambda op, g, y, a: (g * np.eye(3),), "y = einsum('ii->', x1)"),
    case(ops.Einsum, "row sums", lambda a: ag.einsum("ij->i", a), (normal(3, 2),),
         "dL/dx1 = einsum(g with the other operands -> x1's labels 'ij')",
         lambda op, g, y, a: (np.broadcast_to(g[:, None], a.shape),)),
    # --- inverse, determinant, solve, singular values -----------------------------------
    case(ops.Inv, "", ag.linalg.inv, (normal(3, 3) + 3 * np.eye(3),), "dL/dA = -y^T g y^T",
         lambda op, g, y, A: (-(y.T @ g @ y.T),)),
    case(ops.Det, "invertible", ag.linalg.det, (normal(3, 3) + 3 * np.eye(3),),
         "dL/dA = g * y * A^-T   (the cofactors of A)",
         lambda op, g, y, A: (g * y * np.linalg.inv(A).T,)),
    case(ops.Det, "singular", ag.linalg.det, (np.array([[1.0, 2.0], [2.0, 4.0]]),),
         "dL/dA = g * C   (C: the cofactors of A, which is singular)",
         lambda op, g, y, A: (g * cofactors_2x2(A),)),
    case(ops.Solve, "", ag.linalg.solve, (normal(3, 3) + 3 * np.eye(3), normal(3, 2)),
         "dL/dB = A^-T g,  dL/dA = -(A^-T g) y^T",
         lambda op, g, y, A, B: (-(np.linalg.inv(A).T @ g) @ y.T, np.linalg.inv(A).T @ g)),
    case(ops.SingularValues, "", ag.linalg.svdvals, (normal(4, 3),),
         "dL/dA = U diag(g) V^T",
         lambda op, g, y, A: (svd_parts(A)[0] @ np.diag(g) @ svd_parts(A)[2],)),
    case(ops.LeftSingularVectors, "tall", lambda A: ag.linalg.svd(A, full_matrices=False)[0],
         (normal(4, 3),),
         "dL/dA = U (skew(U^T g) / E) diag(s) V^T + (I - U U^T) g diag(1/s) V^T",
         lambda op, g, y, A: (lambda U, s, Vt, E: (
             U @ (skew(U.T @ g) / E) @ np.diag(s) @ Vt
             + (np.eye(4) - U @ U.T) @ g @ np.diag(1 / s) @ Vt,))(*svd_parts(A))),
    case(ops.RightSingularVectors, "wide",
         lambda A: ag.linalg.svd(A, full_matrices=False)[2], (normal(3, 4),),
         "dL/dA = U diag(s) (skew(V^T g^T) / E) V^T + U diag(1/s) g (I - V V^T)",
         lambda op, g, y, A: (lambda U, s, Vt, E: (
             U @ np.diag(s) @ (skew(Vt @ g.T) / E) @ Vt
             + U @ np.diag(1 / s) @ g @ (np.eye(4) - Vt.T @ Vt),))(*svd_parts(A))),
    case(ops.Eigenvalues, "", ag.linalg.eigvalsh, (symmetric(3),), "dL/dA = V diag(g) V^T",
         lambda op, g, y, A: (lambda w, V: (V @ np.diag(g) @ V.T,))(*np.linalg.eigh(A)),
         "y = the eigenvalues w of a symmetric A, ascending"),
    case(ops.Eigenvectors, "", lambda A: ag.linalg.eigh(A)[1], (symmetric(3),),
         "dL/dA = V ((V^T g - g^T V) / 2 / E) V^T,  E[i, j] = w[j] - w[i]",
         lambda op, g, y, A: (lambda w, V: (V @ ((V.T @ g - g.T @ V) / 2 / (
             w[None, :] - w[:, None] + np.eye(3))) @ V.T,))(*np.linalg.eigh(A))),
    case(ops.Cholesky, "", ag.linalg.cholesky, (symmetric(3) + 4 * np.eye(3),),
         "dL/dA = sym(L^-T phi(L^T g) L^-1),  phi: the lower triangle, its diagonal halved",
         lambda op, g, y, A: (lambda Li: (lambda S: ((S + S.T) / 2,))(
             Li.T @ (np.tril(y.T @ g) - np.diag(np.diag(y.T @ g)) / 2) @ Li))(
             np.linalg.inv(y))),
    case(ops.LogAbsDet, "", lambda A: ag.linalg.slogdet(A)[1], (normal(3, 3) + 3 * np.eye(3),),
         "dL/dA = g * A^-T", lambda op, g, y, A: (g * np.linalg.inv(A).T,),
         "y = log|det(A)|"),
    # --- neural-network ops ---------------------------------------------------------------
    case(ops.Softmax, "last axis", ag.softmax, (X,), "dL/dx = y * (g - sum(g * y, axis=1))",
         lambda op, g, y, x: (y * (g - np.sum(g * y, axis=1, keepdims=True)),),
         "y = exp(x) / sum(exp(x)) over axis 1"),
    case(ops.Softmax, "all", lambda x: ag.softmax(x, None), (X,),
         "dL/dx = y * (g - sum(g * y))", lambda op, g, y, x: (y * (g - np.sum(g * y)),),
         "y = exp(x) / sum(exp(x)) over all elements"),
    case(ops.LogSoftmax, "axis 0", lambda x: ag.log_softmax(x, 0), (X,),
         "dL/dx = g - exp(y) * sum(g, axis=0)",
         lambda op, g, y, x: (g - np.exp(y) * np.sum(g, axis=0, keepdims=True),),
         "y = x - log(sum(exp(x))) over axis 0"),
    case(ops.SoftmaxCrossEntropy, "none", lambda z: ag.softmax_cross_entropy(z, LABELS),
         (normal(4, 3),),
         "dL/dz = g * (softmax(z) - t)   (t: one-hot rows of the labels [0, 2, 1, 1])",
         lambda op, g, y, z: (g[:, None] * (softmax(z) - one_hot(op.labels, 3)),),
         "y = -sum(t * log(softmax(z))) over the last axis, one per row"),
    case(ops.SoftmaxCrossEntropy, "mean",
         lambda z: ag.softmax_cross_entropy(z, LABELS, reduction="mean"), (normal(4, 3),),
         "dL/dz = g * (softmax(z) - t) / 4   (t: one-hot rows of the labels [0, 2, 1, 1])",
         lambda op, g, y, z: (g * (softmax(z) - one_hot(op.labels, 3)) / 4,),
         "y = mean over the 4 rows of -sum(t * log(softmax(z)))"),
    case(ops.SoftmaxCrossEntropy, "sum",
         lambda z: ag.softmax_cross_entropy(z, LABELS, reduction="sum"), (normal(4, 3),),
         "dL/dz = g * (softmax(z) - t)   (t: one-hot rows of the labels [0, 2, 1, 1])",
         lambda op, g, y, z: (g * (softmax(z) - one_hot(op.labels, 3)),),
         "y = sum over the 4 rows of -sum(t * log(softmax(z)))"),
    case(ops.SoftmaxCrossEntropy, "mean, one-hot rows, batched",
         lambda z: ag.softmax_cross_entropy(z, one_hot([[0, 1, 2], [2, 2, 1]], 3),
                                            reduction="mean"), (normal(2, 3, 3),),
         "dL/dz = g * (softmax(z) - t) / 6",
         lambda op, g, y, z: (g * (softmax(z) - op.labels) / 6,)),
    case(ops.SoftmaxCrossEntropy, "rows not adding up to 1",
         lambda z: ag.softmax_cross_entropy(z, [[0.5, 0.0, 0.0], [0.2, 0.3, 0.1]]),
         (normal(2, 3),), "dL/dz = g * (softmax(z) * sum(t) - t)",
         lambda op, g, y, z: (g[:, None] * (softmax(z) * op.labels.sum(-1, keepdims=True)
                                            - op.labels),)),
    case(ops.SigmoidCrossEntropy, "", ag.sigmoid_cross_entropy, (normal(4), positive(4) / 2),
         "dL/dz = g * (sigmoid(z) - t),  dL/dt = -g * z",
         lambda op, g, y, z, t: (g * (sigmoid(z) - t), -g * z)),
    case(ops.LSTMCell, "", ag.lstm_cell, (normal(2, 8), normal(2, 2)),
         "dL/dz = [d u i(1-i) | d c f(1-f) | d i (1-u**2) | g_h tanh(c') o(1-o)],  "
         "dL/dc = d * f", lambda op, g, y, z, c: lstm_cell_grads(g, y, z, c)),
    case(ops.GRUCell, "Keras's order", ag.gru_cell, (normal(2, 6), normal(2, 6), normal(2, 2)),
         "dL/dx = [d_z | d_r | d_n],  dL/du = [d_z | d_r | d_n * r],  dL/dh = g * z",
         lambda op, g, y, x, u, h: gru_cell_grads(g, x, u, h, "zrn")),
    case(ops.GRUCell, "PyTorch's order", lambda x, u, h: ag.gru_cell(x, u, h, order="rzn"),
         (normal(2, 6), normal(2, 6), normal(2, 2)),
         "dL/dx = [d_z | d_r | d_n],  dL/du = [d_z | d_r | d_n * r],  dL/dh = g * z",
         lambda op, g, y, x, u, h: gru_cell_grads(g, x, u, h, "rzn")),
    # --- ops that pass no gradient --------------------------------------------------------
    case(ops.StopGradient, "", ag.stop_gradient, (normal(3),), "", None,
         "y = x, but no gradient flows back to x"),
    case(ops.NonDifferentiable, "argmax", lambda x: ag.argmax(x, 1), (X,), "", None,
         "y = argmax(x), with no gradient"),
    case(ops.NonDifferentiable, "equal", ag.equal, (X, X), "", None,
         "y = equal(x1, x2), with no gradient"),
    case(ops.NonDifferentiable, "one_hot", lambda i: ag.one_hot(i, 3),
         (np.array([0, 2]),), "", None, "y = one_hot(x), with no gradient"),
    case(ops.NonDifferentiable, "cast to int", lambda x: ag.cast(x, np.int32), (X,), "", None,
         "y = cast(x), with no gradient"),
    # --- convolutions -------------------------------------------------------------------
    case(ops.Conv2D, "valid, channels", ag.conv2d, (normal(2, 4, 4, 2), normal(2, 2, 2, 3)),
         FULL + "g with a border of 1 zero, correlated with "
         "k flipped in both spatial axes, its in and out channels swapped,  "
         "dL/dk = x ⋆ g: x correlated with g, summed over the batch",
         conv_grads(),
         "y = x ⋆ k, a correlation: 2x2 kernel, strides 1, padding valid, dilation 1, "
         "channels_last"),
    case(ops.Conv2D, "one channel", ag.conv2d, (normal(1, 4, 4, 1), normal(2, 2, 1, 1)),
         FULL + "g with a border of 1 zero, correlated with "
         "k flipped in both spatial axes,  "
         "dL/dk = x ⋆ g: x correlated with g, summed over the batch",
         conv_grads()),
    case(ops.Conv2D, "strides 2", lambda x, k: ag.conv2d(x, k, strides=2),
         (normal(1, 5, 5, 2), normal(2, 2, 2, 2)),
         FULL + "g with its pixels 2 apart and a border of "
         "zeros (top 1, bottom 2, left 1, right 2), correlated with k flipped in both spatial "
         "axes, its in and out channels swapped,  "
         "dL/dk = x ⋆ g: x with 1 row cut off at the bottom and 1 column cut off on the right, "
         "correlated with g, its pixels 2 apart, summed over the batch",
         conv_grads(apart=(2, 2), g_border=((1, 2), (1, 2)), x_border=((0, -1), (0, -1))),
         "y = x ⋆ k, a correlation: 2x2 kernel, strides 2, padding valid, dilation 1, "
         "channels_last"),
    case(ops.Conv2D, "same, 3x3", lambda x, k: ag.conv2d(x, k, padding="same"),
         (normal(1, 4, 4, 1), normal(3, 3, 1, 2)),
         FULL + "g with a border of 1 zero, correlated with "
         "k flipped in both spatial axes, its in and out channels swapped,  "
         "dL/dk = x ⋆ g: x with a border of 1 zero, correlated with g, summed over the batch",
         conv_grads(x_border=((1, 1), (1, 1))),
         "y = x ⋆ k, a correlation: 3x3 kernel, strides 1, padding same (1 on each side), "
         "dilation 1, channels_last"),
    case(ops.Conv2D, "same, strides 2", lambda x, k: ag.conv2d(x, k, strides=2, padding="same"),
         (normal(1, 4, 4, 1), normal(3, 3, 1, 1)),
         FULL + "g with its pixels 2 apart and a border of "
         "zeros (top 2, bottom 1, left 2, right 1), correlated with k flipped in both spatial "
         "axes,  "
         "dL/dk = x ⋆ g: x with a border of zeros (bottom 1, right 1), correlated with g, its "
         "pixels 2 apart, summed over the batch",
         conv_grads(apart=(2, 2), g_border=((2, 1), (2, 1)), x_border=((0, 1), (0, 1))),
         "y = x ⋆ k, a correlation: 3x3 kernel, strides 2, padding same (top 0, bottom 1, "
         "left 0, right 1), dilation 1, channels_last"),
    case(ops.Conv2D, "explicit padding", lambda x, k: ag.conv2d(x, k, padding=((1, 0), (0, 2))),
         (normal(1, 4, 4, 1), normal(2, 2, 1, 1)),
         FULL + "g with a border of zeros (bottom 1, left 1) "
         "and 1 column cut off on the right, correlated with k flipped in both spatial axes,  "
         "dL/dk = x ⋆ g: x with a border of zeros (top 1, right 2), correlated with g, summed "
         "over the batch",
         conv_grads(g_border=((0, 1), (1, -1)), x_border=((1, 0), (0, 2))),
         "y = x ⋆ k, a correlation: 2x2 kernel, strides 1, padding top 1, bottom 0, left 0, "
         "right 2, dilation 1, channels_last"),
    case(ops.Conv2D, "dilation 2", lambda x, k: ag.conv2d(x, k, dilation=2),
         (normal(1, 5, 5, 1), normal(2, 2, 1, 1)),
         FULL + "g with a border of 2 zeros, correlated with "
         "k flipped in both spatial axes, its taps 2 apart,  "
         "dL/dk = x ⋆ g: x correlated with g, stepping 2 pixels, summed over the batch",
         conv_grads(g_border=((2, 2), (2, 2)), taps=(2, 2)),
         "y = x ⋆ k, a correlation: 2x2 kernel, strides 1, padding valid, dilation 2, "
         "channels_last"),
    case(ops.Conv2D, "channels_first",
         lambda x, k: ag.conv2d(x, k, data_format="channels_first"),
         (normal(2, 2, 4, 4), normal(3, 2, 2, 2)),
         FULL + "g with a border of 1 zero, correlated with "
         "k flipped in both spatial axes, its in and out channels swapped,  "
         "dL/dk = x ⋆ g: x correlated with g, summed over the batch",
         conv_grads(first=True),
         "y = x ⋆ k, a correlation: 2x2 kernel, strides 1, padding valid, dilation 1, "
         "channels_first"),
    case(ops.Conv2D, "channels_first, strides (2, 1), padding 1, dilation (1, 2)",
         lambda x, k: ag.conv2d(x, k, strides=(2, 1), padding=1, dilation=(1, 2),
                                data_format="channels_first"),
         (normal(1, 1, 6, 5), normal(1, 1, 2, 2)),
         FULL + "g with its pixels (2, 1) apart and a "
         "border of zeros (left 1, right 1), correlated with k flipped in both spatial axes, "
         "its taps (1, 2) apart,  "
         "dL/dk = x ⋆ g: x with a border of 1 zero, correlated with g, its pixels (2, 1) apart, "
         "stepping (1, 2) pixels, summed over the batch",
         conv_grads(first=True, apart=(2, 1), g_border=((0, 0), (1, 1)), taps=(1, 2),
                    x_border=((1, 1), (1, 1))),
         "y = x ⋆ k, a correlation: 2x2 kernel, strides (2, 1), padding 1 on each side, "
         "dilation (1, 2), channels_first"),
    case(ops.Conv2D, "conv1d, same", lambda x, k: ag.conv1d(x, k, padding="same").inputs[0],
         (normal(1, 5, 2), normal(3, 2, 1)),
         FULL + "g with a border of zeros (left 1, right 1), "
         "correlated with k flipped in both spatial axes, its in and out channels swapped,  "
         "dL/dk = x ⋆ g: x with a border of zeros (left 1, right 1), correlated with g, summed "
         "over the batch",
         conv_grads(g_border=((0, 0), (1, 1)), x_border=((0, 0), (1, 1))),
         "y = x ⋆ k, a correlation: 1x3 kernel, strides 1, padding same (top 0, bottom 0, "
         "left 1, right 1), dilation 1, channels_last"),
    case(ops.Conv2DBias, "valid", lambda x, k, b: ag.conv2d(x, k, bias=b),
         (normal(2, 4, 4, 2), normal(2, 2, 2, 2), normal(2)),
         FULL + "g with a border of 1 zero, correlated with "
         "k flipped in both spatial axes, its in and out channels swapped,  "
         "dL/dk = x ⋆ g: x correlated with g, summed over the batch,  "
         "dL/db = g summed over the batch and the pixels",
         conv_grads(),
         "y = x ⋆ k + b, a correlation and b added to every pixel: 2x2 kernel, strides 1, "
         "padding valid, dilation 1, channels_last"),
    case(ops.Conv2DBias, "channels_first, same",
         lambda x, k, b: ag.conv2d(x, k, padding="same", bias=b, data_format="channels_first"),
         (normal(2, 2, 3, 3), normal(2, 2, 3, 3), normal(2)),
         FULL + "g with a border of 1 zero, correlated with "
         "k flipped in both spatial axes, its in and out channels swapped,  "
         "dL/dk = x ⋆ g: x with a border of 1 zero, correlated with g, summed over the batch,  "
         "dL/db = g summed over the batch and the pixels",
         conv_grads(first=True, x_border=((1, 1), (1, 1)))),
    case(ops.Conv2DTranspose, "strides 2", lambda x, k: ag.conv2d_transpose(x, k, strides=2),
         (normal(2, 2, 2, 3), normal(2, 2, 2, 3)),
         "dL/dx = g ⋆ k: g correlated with k, stepping 2 pixels,  "
         "dL/dk = g ⋆ x: g correlated with x, its pixels 2 apart, summed over the batch",
         lambda op, g, y, x, k: (correlate(g, k, step=(2, 2)),
                                 correlate_batch(g, x, apart=(2, 2))),
         "y = x ⋆ᵀ k, conv2d's transpose: each pixel of x adds k times itself to its window of "
         "y: 2x2 kernel, strides 2, padding valid, dilation 1, channels_last"),
    case(ops.Conv2DTranspose, "channels_first, same",
         lambda x, k: ag.conv2d_transpose(x, k, padding="same", data_format="channels_first"),
         (normal(1, 2, 3, 3), normal(2, 1, 3, 3)),
         "dL/dx = g ⋆ k: g with a border of 1 zero, correlated with k,  "
         "dL/dk = g ⋆ x: g with a border of 1 zero, correlated with x, summed over the batch",
         lambda op, g, y, x, k: (
             nchw(correlate(bordered(nhwc(g, True), ((1, 1), (1, 1))), hwio(k, True)), True),
             oihw(correlate_batch(bordered(nhwc(g, True), ((1, 1), (1, 1))), nhwc(x, True)),
                  True)),
         "y = x ⋆ᵀ k, conv2d's transpose: each pixel of x adds k times itself to its window of "
         "y: 3x3 kernel, strides 1, padding same (1 on each side), dilation 1, channels_first"),
    case(ops.Conv2DBackpropFilter, "strides 2",
         lambda x, dy: xp.conv2d_backprop_filter(x, dy, FILTER_S2),
         (normal(1, 5, 5, 1), normal(1, 2, 2, 1)),
         FULL_DY + "dy with its pixels 2 apart and a border of "
         "zeros (top 1, bottom 2, left 1, right 2), correlated with g flipped in both spatial "
         "axes,  dL/ddy = x ⋆ g: x correlated with g, stepping 2 pixels",
         lambda op, g, y, x, dy: (
             correlate(bordered(spread(dy, (2, 2)), ((1, 2), (1, 2))), flipped(g)),
             correlate(x, g, step=(2, 2))),
         "y = x ⋆ dy, conv2d's kernel gradient, summed over the batch: 2x2 kernel, strides 2, "
         "padding valid, dilation 1, channels_last"),
    case(ops.Conv2DBackpropFilter, "same, dilation 2",
         lambda x, dy: xp.conv2d_backprop_filter(x, dy, FILTER_SAME_D2),
         (normal(1, 4, 4, 2), normal(1, 4, 4, 1)),
         FULL_DY + "dy with a border of 2 zeros, correlated "
         "with g flipped in both spatial axes, its taps 2 apart, its in and out channels "
         "swapped,  dL/ddy = x ⋆ g: x with a border of 2 zeros, correlated with g, its taps 2 "
         "apart",
         lambda op, g, y, x, dy: (
             correlate(bordered(dy, ((2, 2), (2, 2))), flipped(g), taps=(2, 2)),
             correlate(bordered(x, ((2, 2), (2, 2))), g, taps=(2, 2))),
         "y = x ⋆ dy, conv2d's kernel gradient, summed over the batch: 3x3 kernel, strides 1, "
         "padding same (2 on each side), dilation 2, channels_last"),
    case(ops.BiasAdd, "channels_last", ag.bias_add, (normal(2, 3, 3, 2), normal(2)),
         "dL/dx = g,  dL/db = g summed over axes (0, 1, 2)",
         lambda op, g, y, x, b: (g, g.sum(axis=(0, 1, 2))),
         "y = x + b, b added along the channel axis 3"),
    case(ops.BiasAdd, "channels_first", lambda x, b: ag.bias_add(x, b, "channels_first"),
         (normal(2, 2, 3), normal(2)),
         "dL/dx = g,  dL/db = g summed over axes (0, 2)",
         lambda op, g, y, x, b: (g, g.sum(axis=(0, 2))),
         "y = x + b, b added along the channel axis 1"),
    # --- 3-D convolutions ----------------------------------------------------------------
    case(ops.Conv3D, "valid, channels_last", ag.conv3d,
         (normal(2, 3, 3, 4, 2), normal(2, 2, 2, 2, 3)), CONV3D_DX, conv3d_grads(),
         "y = x ⋆ k, a 3-D correlation: 2x2x2 kernel, strides (1, 1, 1), padding ((0, 0), "
         "(0, 0), (0, 0)), dilations (1, 1, 1), channels_last"),
    case(ops.Conv3D, "channels_first, strides, same, dilation, groups",
         lambda x, k: ag.conv3d(x, k, strides=(2, 1, 1), padding="same", dilation=(1, 2, 1),
                                data_format="channels_first", groups=2),
         (normal(1, 4, 3, 4, 3), normal(2, 2, 2, 2, 2)), CONV3D_DX, conv3d_grads(first=True),
         "y = x ⋆ k, a 3-D correlation: 2x2x2 kernel, strides (2, 1, 1), padding ((0, 1), "
         "(1, 1), (0, 1)), dilations (1, 2, 1), channels_first, 2 groups of channels"),
    case(ops.Conv3DBias, "explicit padding", lambda x, k, b: ag.conv3d(x, k, padding=1, bias=b),
         (normal(1, 2, 3, 2, 2), normal(2, 2, 1, 2, 2), normal(2)),
         CONV3D_DX + ",  dL/db = g summed over the batch and the cells", conv3d_grads(),
         "y = x ⋆ k + b, a 3-D correlation and b added to every cell: 2x2x1 kernel, strides "
         "(1, 1, 1), padding ((1, 1), (1, 1), (1, 1)), dilations (1, 1, 1), channels_last"),
    case(ops.Conv3DTranspose, "strides 2",
         lambda x, k: ag.conv3d_transpose(x, k, strides=2),
         (normal(2, 2, 1, 2, 3), normal(2, 2, 2, 2, 3)),
         "dL/dx = g ⋆ k (conv3d(g, k)),  dL/dk = g ⋆ x (conv3d's kernel gradient, input g)",
         conv3d_transpose_grads(),
         "y = x ⋆ᵀ k, conv3d's transpose: each cell of x adds k times itself to its window of "
         "y: 2x2x2 kernel, strides (2, 2, 2), padding ((0, 0), (0, 0), (0, 0)), dilations "
         "(1, 1, 1), channels_last"),
    case(ops.Conv3DTranspose, "channels_first, same, groups",
         lambda x, k: ag.conv3d_transpose(x, k, padding="same", data_format="channels_first",
                                          groups=2),
         (normal(1, 2, 2, 3, 2), normal(2, 2, 3, 1, 2)),
         "dL/dx = g ⋆ k (conv3d(g, k)),  dL/dk = g ⋆ x (conv3d's kernel gradient, input g)",
         conv3d_transpose_grads(first=True)),
    case(ops.Conv3DBackpropFilter, "strides (2, 1, 2), explicit padding",
         lambda x, dy: xp.conv3d_backprop_filter(x, dy, VOLUME_S2),
         (normal(1, 4, 3, 4, 2), normal(1, 2, 3, 2, 3)),
         "dL/dx = dy ⋆ᵀ g (conv3d_transpose(dy, g)),  dL/ddy = x ⋆ g (conv3d(x, g))",
         conv3d_filter_grads,
         "y = x ⋆ dy, conv3d's kernel gradient, summed over the batch: 2x1x2 kernel, strides "
         "(2, 1, 2), padding ((1, 0), (0, 0), (0, 1)), dilations (1, 1, 1), channels_last"),
    # --- pooling ------------------------------------------------------------------------
    case(ops.MaxPool2D, "valid", ag.max_pool2d, (normal(2, 4, 4, 3),),
         "dL/dx = g at the position of each window's maximum, 0 elsewhere   "
         "(the first maximum on ties)",
         pool_grads("max", (2, 2), (2, 2)),
         "y = max of x over each window: 2x2 window, strides 2, padding valid, channels_last"),
    case(ops.MaxPool2D, "overlapping, ties", lambda x: ag.max_pool2d(x, 2, 1),
         (np.array([[1.0, 3.0, 3.0], [3.0, 0.0, 2.0], [-1.0, 2.0, 2.0]]).reshape(1, 3, 3, 1),),
         "dL/dx = g at the position of each window's maximum, 0 elsewhere   "
         "(the first maximum on ties; overlapping windows add up)",
         pool_grads("max", (2, 2), (1, 1)),
         "y = max of x over each window: 2x2 window, strides 1, padding valid, channels_last"),
    case(ops.MaxPool2D, "same, channels_first",
         lambda x: ag.max_pool2d(x, 2, padding="same", data_format="channels_first"),
         (normal(1, 2, 5, 5),),
         "dL/dx = g at the position of each window's maximum, 0 elsewhere   "
         "(the first maximum on ties)",
         pool_grads("max", (2, 2), (2, 2), ((0, 1), (0, 1)), first=True),
         "y = max of x over each window: 2x2 window, strides 2, padding same (top 0, bottom 1, "
         "left 0, right 1), channels_first"),
    case(ops.AvgPool2D, "valid", ag.avg_pool2d, (normal(2, 4, 4, 2),),
         "dL/dx = g / 4 copied to each position of its window",
         pool_grads("mean", (2, 2), (2, 2)),
         "y = mean of x over each window: 2x2 window, strides 2, padding valid, channels_last"),
    case(ops.AvgPool2D, "same", lambda x: ag.avg_pool2d(x, 2, padding="same"),
         (normal(1, 3, 3, 1),),
         "dL/dx = g / count copied to each position of its window   "
         "(count: the window's pixels not in the padding, 4 or fewer)",
         pool_grads("mean", (2, 2), (2, 2), ((0, 1), (0, 1))),
         "y = mean of x over each window, the padding not counted: 2x2 window, strides 2, "
         "padding same (top 0, bottom 1, left 0, right 1), channels_last"),
    case(ops.AvgPool2D, "3x3, strides 1, same, channels_first",
         lambda x: ag.avg_pool2d(x, 3, 1, padding="same", data_format="channels_first"),
         (normal(1, 2, 4, 4),),
         "dL/dx = g / count copied to each position of its window   "
         "(count: the window's pixels not in the padding, 9 or fewer; overlapping windows add "
         "up)",
         pool_grads("mean", (3, 3), (1, 1), ((1, 1), (1, 1)), first=True)),
    case(ops.MaxPool2DBackprop, "overlapping",
         lambda dy: xp.max_pool2d_backprop(dy, MAX_POOL.op.argmax, MAX_POOL.op.window,
                                           POOLED.shape),
         (normal(1, 3, 3, 1),),
         "dL/ddy = g read at the position of each window's maximum",
         pool_of("max", (2, 2), (1, 1), ((0, 0), (0, 0)), POOLED),
         "y = dy at the position of each window's maximum, 0 elsewhere (max_pool2d's "
         "gradient): 2x2 window, strides 1, padding valid, channels_last"),
    case(ops.AvgPool2DBackprop, "valid",
         lambda dy: xp.avg_pool2d_backprop(dy, AVG_VALID, (1, 4, 4, 1)), (normal(1, 2, 2, 1),),
         "dL/ddy = avg_pool2d(g): the mean of g over each window",
         pool_of("mean", (2, 2), (2, 2), ((0, 0), (0, 0)), np.zeros((1, 4, 4, 1))),
         "y = dy / 4 copied to each position of its window (avg_pool2d's gradient): 2x2 "
         "window, strides 2, padding valid, channels_last"),
    case(ops.AvgPool2DBackprop, "same",
         lambda dy: xp.avg_pool2d_backprop(dy, AVG_SAME, (1, 3, 3, 1)), (normal(1, 2, 2, 1),),
         "dL/ddy = avg_pool2d(g): the mean of g over each window, the padding not counted",
         pool_of("mean", (2, 2), (2, 2), ((0, 1), (0, 1)), np.zeros((1, 3, 3, 1))),
         "y = dy / count copied to each position of its window (avg_pool2d's gradient; count: "
         "the window's pixels not in the padding, 4 or fewer): 2x2 window, strides 2, padding "
         "same (top 0, bottom 1, left 0, right 1), channels_last"),
    # --- special functions, QR and the matrix exponential (tests/test_ported_counting.py);
    # digamma and trigamma as sums: psi(x) ~ the central difference of math.lgamma
    case(ops.Erfc, "", ag.erfc, (normal(4),), "dL/dx = -g * 2/sqrt(pi) * exp(-x**2)",
         lambda op, g, y, x: (-g * 2 / np.sqrt(np.pi) * np.exp(-x ** 2),)),
    case(ops.Erfinv, "", ag.erfinv, (unit(4),), "dL/dx = g * sqrt(pi)/2 * exp(y**2)",
         lambda op, g, y, x: (g * np.sqrt(np.pi) / 2 * np.exp(y ** 2),)),
    case(ops.Lgamma, "", ag.lgamma, (positive(4),), "dL/dx = g * psi,  psi = digamma(x)",
         lambda op, g, y, x: (g * np.vectorize(lambda t: (math.lgamma(t + 1e-5)
                                                          - math.lgamma(t - 1e-5)) / 2e-5)(x),)),
    case(ops.Polygamma, "digamma", ag.digamma, (positive(4),),
         "dL/dx = g * p,  p = polygamma(1, x)",
         lambda op, g, y, x: (g * (np.sum(1 / (x[:, None] + np.arange(1000)) ** 2, axis=1)
                                   + 1 / (x + 1000) + 0.5 / (x + 1000) ** 2),),
         "y = digamma(x)"),
    # erfcx, entr and the normal CDF's functions (tests/test_normal_cdf.py)
    case(ops.Erfcx, "", ag.special.erfcx, (normal(4),), "dL/dx = g * (2 * x * y - 2/sqrt(pi))",
         lambda op, g, y, x: (g * (2 * x * np.exp(x ** 2) * (1 - erf(x)) - 2 / np.sqrt(np.pi)),)),
    case(ops.Entr, "", ag.special.entr, (positive(4),), "dL/dx = -g * (1 + log(x))",
         lambda op, g, y, x: (-g * (1 + np.log(x)),)),
    case(ops.LogNdtr, "", ag.special.log_ndtr, (normal(4),),
         "dL/dx = g * sqrt(2/pi) / erfcx(-x / sqrt(2))   (the density over the CDF)",
         lambda op, g, y, x: (g * np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi) / Phi(x),)),
    case(ops.Ndtri, "", ag.special.ndtri, (rng.uniform(0.05, 0.95, 4),),
         "dL/dp = g * sqrt(2 pi) * exp(y**2 / 2)   (one over the normal density at y)",
         lambda op, g, y, p: (g * np.sqrt(2 * np.pi) * np.exp(y ** 2 / 2),)),
    # the Hurwitz zeta function (tests/test_hurwitz_zeta.py), as sums (see hurwitz_sums)
    case(ops.Zeta, "", ag.special.zeta, (positive(4) + 1.5, positive(4)),
         "dL/dx = g * dzeta/dx (a series),  dL/dq = -g * x * zeta(x + 1, q)",
         lambda op, g, y, x, q: (-g * hurwitz_sums(x, q, 1), -g * x * hurwitz_sums(x + 1, q, 0)),
         "y = zeta(x, q) = sum over n >= 0 of (n + q)**-x"),
    # the incomplete gamma functions (tests/test_incomplete_gamma.py): dP/da and d2P/da2
    # from P's series in plain Python (see incomplete_gamma_series)
    case(ops.Igamma, "lower", ag.igamma, (positive(4), positive(4)),
         "dL/da = g * dP/da (a series),  dL/dx = g * x**(a-1) * exp(-x) / Gamma(a)",
         lambda op, g, y, a, x: (g * incomplete_gamma_series(a, x, 1),
                                 g * gamma_density(a, x))),
    case(ops.Igamma, "upper", ag.igammac, (positive(4), positive(4)),
         "dL/da = -g * dP/da (a series),  dL/dx = -g * x**(a-1) * exp(-x) / Gamma(a)",
         lambda op, g, y, a, x: (-g * incomplete_gamma_series(a, x, 1),
                                 -g * gamma_density(a, x))),
    case(ops.IgammaGradA, "", lambda a, x: incomplete_gamma._derivative_in_a(1, a, x),
         (positive(4), positive(4)),
         "dL/da = g * d^2P/da^2 (a series),  dL/dx = g * d/da [x**(a-1) * exp(-x) / Gamma(a)]",
         lambda op, g, y, a, x: (g * incomplete_gamma_series(a, x, 2),
                                 g * gamma_density(a, x) * (np.log(x) - digamma_of(a)))),
    # the modified Bessel functions (tests/test_bessel.py), from their series
    case(ops.I0, "", ag.i0, (normal(4),), "dL/dx = g * i1,  i1 = i1(x)",
         lambda op, g, y, x: (g * bessel(1, x),)),
    case(ops.I0e, "", ag.i0e, (normal(4),), "dL/dx = g * (i1e - sign(x) * y),  i1e = i1e(x)",
         lambda op, g, y, x: (g * np.exp(-np.abs(x)) * (bessel(1, x)
                                                         - np.sign(x) * bessel(0, x)),),
         "y = i0e(x) = exp(-|x|) i0(x)"),
    case(ops.I1, "", ag.i1, (normal(4),), "dL/dx = g * d,  d = i0(x) - y / x (1/2 at x = 0)",
         lambda op, g, y, x: (g * (bessel(0, x) - bessel(1, x) / x),)),
    case(ops.I1e, "", ag.i1e, (normal(4),),
         "dL/dx = g * d,  d = i0e(x) - y * (sign(x) + 1 / x) (1/2 at x = 0)",
         lambda op, g, y, x: (g * np.exp(-np.abs(x)) * (bessel(0, x) - bessel(1, x)
                                                         * (np.sign(x) + 1 / x)),),
         "y = i1e(x) = exp(-|x|) i1(x)"),
    # TensorFlow's betainc (tests/test_tf_nn_more.py): no gradient in a and b, as TensorFlow's
    case(ops.Betainc, "", ag.math.betainc, (positive(4), positive(4), rng.uniform(0.1, 0.9, 4)),
         "dL/da = dL/db = None (TensorFlow's),  dL/dx = g * x**(a-1) * (1-x)**(b-1) / B(a, b)",
         lambda op, g, y, a, b, x: (None, None, g * x ** (a - 1) * (1 - x) ** (b - 1)
                                    * math_gamma(a + b) / (math_gamma(a) * math_gamma(b))),
         "y = I_x(a, b), the regularized incomplete beta function"),
    # TensorFlow's tf.math.special functions (tests/test_tf_special.py)
    case(ops.Dawsn, "", ag.math.special.dawsn, (normal(4),), "dL/dx = g * (1 - 2 * x * y)",
         lambda op, g, y, x: (g * (1 - 2 * x * dawson_of(x)),),
         "y = dawsn(x) = exp(-x**2) * integral of exp(t**2) from 0 to x"),
    case(ops.Expint, "", ag.math.special.expint, (normal(4),), "dL/dx = g * exp(x) / x",
         lambda op, g, y, x: (g * np.exp(x) / x,)),
    case(ops.FresnelCos, "", ag.math.special.fresnel_cos, (normal(4),),
         "dL/dx = g * cos(pi/2 * x**2)", lambda op, g, y, x: (g * np.cos(np.pi / 2 * x ** 2),)),
    case(ops.FresnelSin, "", ag.math.special.fresnel_sin, (normal(4),),
         "dL/dx = g * sin(pi/2 * x**2)", lambda op, g, y, x: (g * np.sin(np.pi / 2 * x ** 2),)),
    case(ops.Spence, "", ag.math.special.spence, (np.array([0.3, 1.0, 2.5, 40.0]),),
         "dL/dx = g * d,  d = log(x) / (1 - x) (-1 at x = 1)",
         lambda op, g, y, x: (g * np.array([np.log(0.3) / 0.7, -1.0, np.log(2.5) / -1.5,
                                            np.log(40.0) / -39.0]),)),
    # numpy's full convolution of vectors (tests/test_numpy_functions_more.py), its sums
    # written out as loops
    case(ops.Convolve, "", ag.convolve, (normal(4), normal(3)),
         "dL/da[i] = sum_k g[k] v[k - i],  dL/dv[j] = sum_k g[k] a[k - j]",
         lambda op, g, y, a, v: (
             np.array([sum(g[k] * v[k - i] for k in range(len(g)) if 0 <= k - i < len(v))
                       for i in range(len(a))]),
             np.array([sum(g[k] * a[k - j] for k in range(len(g)) if 0 <= k - j < len(a))
                       for j in range(len(v))])),
         "y = a * v, y[k] = sum_j a[k - j] v[j] (numpy's full convolution of vectors)"),
    # J, Y, K, spherical j0 and Ai (tests/test_bessel_jyk.py): their derivatives by mpmath's
    # numerical differentiation of mpmath's functions
    case(ops.BesselJ0, "", ag.bessel_j0, (3 * normal(4),), "dL/dx = -g * j1,  j1 = bessel_j1(x)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().besselj(0, t), x, True),)),
    case(ops.BesselJ1, "", ag.bessel_j1, (3 * normal(4),),
         "dL/dx = g * d,  d = bessel_j0(x) - y / x (1/2 at x = 0)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().besselj(1, t), x, True),)),
    case(ops.BesselY0, "", ag.bessel_y0, (3 * positive(4),), "dL/dx = -g * y1,  y1 = bessel_y1(x)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().bessely(0, t), x, True),)),
    case(ops.BesselY1, "", ag.bessel_y1, (3 * positive(4),),
         "dL/dx = g * d,  d = bessel_y0(x) - y / x (inf at x = 0)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().bessely(1, t), x, True),)),
    case(ops.ModifiedBesselK0, "", ag.modified_bessel_k0, (2 * positive(4),),
         "dL/dx = -g * k1,  k1 = modified_bessel_k1(x)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().besselk(0, t), x, True),)),
    case(ops.ModifiedBesselK1, "", ag.modified_bessel_k1, (2 * positive(4),),
         "dL/dx = -g * d,  d = modified_bessel_k0(x) + y / x (inf at x = 0)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().besselk(1, t), x, True),)),
    case(ops.ScaledModifiedBesselK0, "", ag.scaled_modified_bessel_k0, (2 * positive(4),),
         "dL/dx = g * d,  d = y - scaled_modified_bessel_k1(x) (-inf at x = 0)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().besselk(0, t) * mp_lib().exp(t), x,
                                     True),),
         "y = k0e(x) = exp(x) k0(x)"),
    case(ops.ScaledModifiedBesselK1, "", ag.scaled_modified_bessel_k1, (2 * positive(4),),
         "dL/dx = g * d,  d = y * (1 - 1 / x) - scaled_modified_bessel_k0(x) (-inf at x = 0)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().besselk(1, t) * mp_lib().exp(t), x,
                                     True),),
         "y = k1e(x) = exp(x) k1(x)"),
    case(ops.SphericalBesselJ0, "", ag.spherical_bessel_j0,
         (np.array([0.0, 0.3, -2.0, 7.5]),),
         "dL/dx = g * d,  d = (x cos(x) - sin(x)) / x**2 (0 at x = 0)",
         lambda op, g, y, x: (g * np.array([0.0, *(np.cos(t) / t - np.sin(t) / t ** 2
                                                   for t in x[1:])]),),
         "y = sin(x) / x"),
    case(ops.AiryAi, "", ag.airy_ai, (3 * normal(4),),
         "dL/dx = g * p,  p = Ai'(x) (airy_ai_prime)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().airyai(t, derivative=1), x),)),
    case(ops.AiryAiPrime, "", ops.bessel_jyk.airy_ai_prime, (3 * normal(4),),
         "dL/dx = g * x * ai,  ai = airy_ai(x)   (Ai'' = x Ai, Airy's equation)",
         lambda op, g, y, x: (g * mp(lambda t: mp_lib().airyai(t, derivative=2), x),),
         "y = Ai'(x)"),
    case(ops.QROrthogonal, "tall", lambda A: ag.linalg.qr(A).Q, (normal(4, 3),),
         "dL/dA = (g + Q copyltu(M)) R^-T,  M = -g^T Q,  copyltu(M) = L + L^T + diag(M), "
         "L = tril(M, -1)",
         lambda op, g, y, A: (lambda Q, R, M: ((g + Q @ (np.tril(M, -1) + np.tril(M, -1).T
                                                        + np.diag(np.diag(M))))
                                               @ np.linalg.inv(R).T,))(
             *np.linalg.qr(A), -g.T @ np.linalg.qr(A)[0])),
    case(ops.QRTriangular, "tall", lambda A: ag.linalg.qr(A).R, (normal(4, 3),),
         "dL/dA = Q copyltu(M) R^-T,  M = R g^T,  copyltu(M) = L + L^T + diag(M), "
         "L = tril(M, -1)",
         lambda op, g, y, A: (lambda Q, M: (Q @ (np.tril(M, -1) + np.tril(M, -1).T
                                                 + np.diag(np.diag(M))) @ np.linalg.inv(y).T,))(
             np.linalg.qr(A)[0], y @ g.T)),
    case(ops.LULower, "", lambda A: ag.linalg.lu(A).L, (normal(3, 3),),
         "dL/dA = P L^-T tril_-1(L^T g) U^-T   (square A; wide and tall ones: see _lu_vjp)",
         lambda op, g, y, A: (op.P @ np.linalg.inv(op.L).T @ np.tril(op.L.T @ g, -1)
                              @ np.linalg.inv(op.U).T,)),
    case(ops.LUUpper, "", lambda A: ag.linalg.lu(A).U, (normal(3, 3),),
         "dL/dA = P L^-T triu(g U^T) U^-T   (square A; wide and tall ones: see _lu_vjp)",
         lambda op, g, y, A: (op.P @ np.linalg.inv(op.L).T @ np.triu(g @ op.U.T)
                              @ np.linalg.inv(op.U).T,)),
    case(ops.MatrixExp, "", ag.linalg.matrix_exp, (0.5 * normal(3, 3),),
         "dL/dA = the top-right block of exp([[A^T, g], [0, A^T]])",
         lambda op, g, y, A: ((lambda M: sum(np.linalg.matrix_power(M, k) / math.factorial(k)
                                              for k in range(40)))(
             np.block([[A.T, g], [np.zeros((3, 3)), A.T]]))[:3, 3:],)),
]

IDS = [f"{c.op.__name__}-{c.mode}" if c.mode else c.op.__name__ for c in CASES]


def op_classes():
    """Every op class the package's ops module holds."""
    return {cls for cls in vars(ops).values()
            if isinstance(cls, type) and issubclass(cls, Op) and cls is not Op}


def test_every_op_class_has_a_case():
    missing = sorted(cls.__name__ for cls in op_classes() - {c.op for c in CASES})
    assert not missing, f"op classes without a formula case in tests/test_formulas.py: {missing}"


def run(c):
    """The case's op, g, y, the op's inputs, and the backward step it took (None for an op
    that passes no gradient)."""
    values = [ag.Value(a) if a.dtype.kind == "f" else ag.constant(a, dtype=a.dtype)
              for a in c.inputs]
    y = c.f(*values)
    assert type(y.op) is c.op, f"{c.f} made a {type(y.op).__name__}, not a {c.op.__name__}"
    xs = [np.asarray(x.data) for x in y.inputs]
    if not y.requires_grad:
        return y.op, None, y.data, xs, None
    g = rng.normal(size=np.shape(y.data)).astype(y.dtype)
    step = next(ag.backward_steps(y, g))
    assert step.op is y.op
    return y.op, g, y.data, xs, step


# The variance with ddof past n divides by 0, as numpy does, with numpy's warnings.
EXPECTED_WARNINGS = pytest.mark.filterwarnings(
    "ignore:Degrees of freedom:RuntimeWarning", "ignore:divide by zero:RuntimeWarning")


@EXPECTED_WARNINGS
@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_the_derivative_shown_is_the_one_computed(c):
    op, g, y, xs, step = run(c)
    forward, derivative = op_formula(op, y, xs)
    assert formula_lines(derivative) == formula_lines(c.derivative)        # (a)
    if c.forward is not None:
        assert forward == c.forward
    if step is None:
        assert not op.differentiable
        return
    expected = c.grads(op, g, y, *xs)                                       # (b)
    assert len(expected) == len(step.raw_grads)
    for i, (want, got) in enumerate(zip(expected, step.raw_grads)):
        if got is not None:
            np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-10,
                                       err_msg=f"input {i}: {formula_lines(derivative)}")


# --- the chain rule worked out with its numbers ---------------------------------------

def full(v):
    """A number with all its digits, as Python reads it back."""
    return repr(v.item() if hasattr(v, "item") else v)


NAMES = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh, "sin": np.sin,
         "cos": np.cos, "sinh": np.sinh, "cosh": np.cosh, "sign": np.sign, "abs": np.abs,
         "sigmoid": sigmoid, "erf": erf, "Phi": Phi, "pi": np.pi, "np": np,
         "floor": np.floor, "trunc": np.trunc}


class _Arrays(ast.NodeTransformer):
    """[1.0, 2.0] in a substituted whole array reads as np.array([1.0, 2.0])."""

    def visit_List(self, node):
        return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "array", ast.Load()),
                        [node], [])


def evaluate(numbers):
    """The numbers of a worked chain rule, computed: |x| is abs(x), [...] an array."""
    text = re.sub(r"\|([^|]+)\|", r"abs(\1)", numbers)
    tree = ast.fix_missing_locations(_Arrays().visit(ast.parse(text, mode="eval")))
    return eval(compile(tree, "<worked>", "eval"), dict(NAMES))  # noqa: S307 - our own text


@EXPECTED_WARNINGS
@pytest.mark.parametrize("c", [c for c in CASES if c.grads is not None],
                         ids=[i for c, i in zip(CASES, IDS) if c.grads is not None])
def test_the_worked_chain_rule_uses_the_real_numbers(c):
    op, g, y, xs, step = run(c)
    arrays = {"g": g, "y": y}
    arrays.update((argument_name(op, k, len(xs)), x) for k, x in enumerate(xs))
    for i, (raw, sent) in enumerate(zip(step.raw_grads, step.input_grads)):
        if sent is None:
            continue
        w = work_out(op, i, g, y, xs, raw, sent, fmt=full, max_terms=10 ** 6)
        sent = np.asarray(sent)
        # The element shown is the real one: what the step sent there.
        if w.at is None:
            np.testing.assert_array_equal(w.value, sent)
        else:
            assert w.value == sent[w.at]
        # Every g, y or input substituted is that array's element.
        for token, index, value in w.substituted:
            if token in arrays:
                real = arrays[token] if index is None else arrays[token][index]
                np.testing.assert_array_equal(value, real, err_msg=f"{token}{index}")
        # Its arithmetic computes the element sent (Python refuses to divide by 0).
        if w.numbers and np.all(np.isfinite(w.value)):
            np.testing.assert_allclose(evaluate(w.numbers), w.value, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{w.names} = {w.numbers}")


# --- a window op's gradient on a tiny example, as grids of numbers --------------------

# The cases whose every gradient is shown as grids (one image, or one channel in and out).
GRID_CASES = ["Conv2D-one channel", "Conv2D-same, strides 2", "Conv2D-explicit padding",
              "Conv2D-dilation 2", "Conv2D-channels_first, strides (2, 1), padding 1, "
              "dilation (1, 2)", "MaxPool2D-valid", "MaxPool2D-overlapping, ties",
              "MaxPool2D-same, channels_first", "AvgPool2D-valid", "AvgPool2D-same",
              "AvgPool2D-3x3, strides 1, same, channels_first"]


def read_grids(lines, titles):
    """The grids ``grid_lines`` wrote, read back from the text: under each title, the rows
    of a matrix, as numbers."""
    starts, at = [], 0
    for title in titles:
        at = lines[1].index(title, at)
        starts.append(at)
        at += len(title)
    grids = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else None
        rows = [line[start:end].strip() for line in lines[2:]]
        # the sign between two grids sits on the title line only
        grids.append(np.array(ast.literal_eval(" ".join(r for r in rows if r)), float))
    return grids


def image_plane(a, first):
    """Image 0, channel 0 of an image array: what the grids show of it."""
    return a[0, 0] if first else a[0, :, :, 0]


@pytest.mark.parametrize("c", [c for c, i in zip(CASES, IDS) if i in GRID_CASES],
                         ids=[i for i in IDS if i in GRID_CASES])
def test_the_grids_shown_are_the_real_gradients(c):
    op, g, y, xs, step = run(c)
    w = op.window
    first = w.channels_first
    for i, (raw, sent) in enumerate(zip(step.raw_grads, step.input_grads)):
        worked = work_out(op, i, g, y, xs, raw, sent, fmt=full)
        assert worked.grids is not None, f"input {i} shows no grids"
        lines = grid_lines(worked.grids, fmt=full)
        shown = read_grids(lines, worked.grids.titles)
        for text, grid in zip(shown, worked.grids.arrays, strict=True):
            np.testing.assert_array_equal(text, grid)
        # The last grid is the gradient the step sent.
        kernel = isinstance(op, ops.Conv2D) and i == 1
        real = (sent[0, 0] if first else sent[:, :, 0, 0]) if kernel else image_plane(sent, first)
        np.testing.assert_array_equal(shown[-1], real)
        # The other grids make it as the words under the title say.
        if isinstance(op, ops.Conv2D):
            steps = w.dilations if i == 1 else (1, 1)
            made = correlate(shown[0][None, :, :, None], shown[1][:, :, None, None],
                             step=steps)[0, :, :, 0]
            assert lines[0].startswith("in numbers") and "⋆" in lines[1]
        elif isinstance(op, ops.MaxPool2D):
            made = pool_grads("max", w.size, w.strides, w.pads)(
                op, shown[1][None, :, :, None], None, shown[0][None, :, :, None])[0][0, :, :, 0]
            assert "each g goes to the position of its window's maximum" in lines[0]
        else:
            image = np.zeros((1, *shown[1].shape, 1))
            made = pool_grads("mean", w.size, w.strides, w.pads)(
                op, shown[0][None, :, :, None], None, image)[0][0, :, :, 0]
            assert "copied to each position of its window" in lines[0]
        np.testing.assert_allclose(made, shown[-1], rtol=1e-12, atol=1e-12)
