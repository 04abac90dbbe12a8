"""Every differentiable operation: one class each, its derivative right under its forward.

Each op's docstring gives the maths in one line: the output ``y`` and ``dL/dx`` in terms of
the upstream gradient ``g = dL/dy``. ``backward`` returns gradients in the broadcast shape;
the engine sums them back to each input's shape (``engine.unbroadcast``).

The functions at the end wrap each op for Values, Python numbers and numpy arrays, and are
also attached to ``Value`` as methods and operators.
"""

from __future__ import annotations

import numpy as np

from .engine import Op, Value, _wrap, apply, constant, get_default_dtype

# --- elementwise arithmetic ----------------------------------------------------------


class Add(Op):
    """y = a + b        dL/da = g,  dL/db = g"""

    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Op):
    """y = a - b        dL/da = g,  dL/db = -g"""

    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_grad[1] else None)


class Mul(Op):
    """y = a * b        dL/da = g * b,  dL/db = g * a"""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        need_a, need_b = self.needs_grad
        return (g * self.b if need_a else None), (g * self.a if need_b else None)


class Div(Op):
    """y = a / b        dL/da = g / b,  dL/db = -g * a / b**2 = -g * y / b"""

    __slots__ = ("b", "y")

    def forward(self, a, b):
        self.b = b
        self.y = a / b
        return self.y

    def backward(self, g):
        need_a, need_b = self.needs_grad
        grad_a = g / self.b if need_a else None
        grad_b = -g * self.y / self.b if need_b else None
        return grad_a, grad_b


class Pow(Op):
    """y = a ** b       dL/da = g * b * a**(b-1),  dL/db = g * y * log(a)"""

    __slots__ = ("a", "b", "y")

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a ** b
        return self.y

    def backward(self, g):
        need_a, need_b = self.needs_grad
        grad_a = g * self.b * self.a ** (self.b - 1) if need_a else None
        grad_b = None
        if need_b:  # only when the exponent is a Value to train: log(a) is NaN for a < 0
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = g * self.y * np.log(self.a)
            # At a = 0, y log a -> 0 (as PyTorch takes it), not 0 * -inf.
            grad_b = np.where(self.a == 0, 0, grad_b)
        return grad_a, grad_b


class Neg(Op):
    """y = -x           dL/dx = -g"""

    __slots__ = ()

    def forward(self, x):
        return -x

    def backward(self, g):
        return (-g,)


class Maximum(Op):
    """y = max(a, b)    dL/da = g where a > b (half where a == b), dL/db likewise"""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        # Ties share the gradient equally, as PyTorch does, so the two sides add up to g.
        share_a = ((self.a > self.b) + 0.5 * (self.a == self.b)).astype(g.dtype)
        return g * share_a, g * (1 - share_a)


class Minimum(Op):
    """y = min(a, b)    dL/da = g where a < b (half where a == b), dL/db likewise"""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        share_a = ((self.a < self.b) + 0.5 * (self.a == self.b)).astype(g.dtype)
        return g * share_a, g * (1 - share_a)


class Where(Op):
    """y = cond ? a : b     dL/da = g where cond, dL/db = g elsewhere"""

    __slots__ = ("cond",)

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        return np.where(self.cond, a, b)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return np.where(self.cond, g, zero), np.where(self.cond, zero, g)


# --- elementwise functions -------------------------------------------------------------


class Exp(Op):
    """y = exp(x)       dL/dx = g * y"""

    __slots__ = ("y",)

    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, g):
        return (g * self.y,)


class Log(Op):
    """y = log(x)       dL/dx = g / x"""

    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return np.log(x)

    def backward(self, g):
        return (g / self.x,)


class Sqrt(Op):
    """y = sqrt(x)      dL/dx = g / (2 y)"""

    __slots__ = ("y",)

    def forward(self, x):
        self.y = np.sqrt(x)
        return self.y

    def backward(self, g):
        return (g / (2 * self.y),)


class Square(Op):
    """y = x**2         dL/dx = 2 g x"""

    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, g):
        return (2 * g * self.x,)


class Abs(Op):
    """y = |x|          dL/dx = g * sign(x)   (0 at x = 0)"""

    __slots__ = ("x",)

    def forward(self, x):
        self.x = x
        return np.abs(x)

    def backward(self, g):
        return (g * np.sign(self.x),)


class Tanh(Op):
    """y = tanh(x)      dL/dx = g * (1 - y**2)"""

    __slots__ = ("y",)

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, g):
        return (g * (1 - self.y * self.y),)


def _sigmoid(x):
    """1 / (1 + exp(-x)) as exp(-|x|) allows: it never overflows, so sigmoid(±1000) is
    exactly 1 or 0, without warnings."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


class Sigmoid(Op):
    """y = 1 / (1 + exp(-x))      dL/dx = g * y * (1 - y)"""

    __slots__ = ("y",)

    def forward(self, x):
        self.y = _sigmoid(x)
        return self.y

    def backward(self, g):
        return (g * self.y * (1 - self.y),)


class Relu(Op):
    """y = max(x, 0)    dL/dx = g where x > 0, else 0"""

    __slots__ = ("y",)

    def forward(self, x):
        self.y = np.maximum(x, 0)  # y > 0 exactly where x > 0: no mask kept between passes
        return self.y

    def backward(self, g):
        return (g * (self.y > 0),)


class LeakyRelu(Op):
    """y = x if x > 0 else alpha x      dL/dx = g if x > 0 else alpha g"""

    __slots__ = ("alpha", "slope")

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        self.slope = np.where(x > 0, 1, self.alpha).astype(x.dtype)
        return x * self.slope

    def backward(self, g):
        return (g * self.slope,)


class Clip(Op):
    """y = min(max(x, lo), hi)    dL/dx = g where lo <= x <= hi, else 0"""

    __slots__ = ("lo", "hi", "inside")

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        lo = -np.inf if self.lo is None else self.lo
        hi = np.inf if self.hi is None else self.hi
        self.inside = (x >= lo) & (x <= hi)
        return np.clip(x, self.lo, self.hi).astype(x.dtype, copy=False)

    def backward(self, g):
        return (g * self.inside,)


class Cast(Op):
    """y = x as another float dtype      dL/dx = g (cast back by the engine)"""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g):
        return (g,)


# --- reductions ------------------------------------------------------------------------


def _expand(g, axis, keepdims, shape):
    """Put back the axes a reduction removed, so g broadcasts against the input."""
    if keepdims or axis is None:
        return np.reshape(g, [1] * len(shape)) if axis is None and not keepdims else g
    return np.expand_dims(g, axis)


class Sum(Op):
    """y = sum of x over axis      dL/dx = g, copied along the summed axes"""

    __slots__ = ("axis", "keepdims", "shape")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.shape = x.shape
        return np.sum(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g):
        g = _expand(g, self.axis, self.keepdims, self.shape)
        return (np.broadcast_to(g, self.shape),)


class Mean(Op):
    """y = mean of x over axis     dL/dx = g / n, copied along the averaged axes"""

    __slots__ = ("axis", "keepdims", "shape", "n")

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.shape = x.shape
        y = np.mean(x, axis=self.axis, keepdims=self.keepdims)
        # A reduction of a non-empty x is non-empty; an empty x has no gradient to scale.
        self.n = x.size // np.size(y) if x.size else 1
        return y

    def backward(self, g):
        g = _expand(g, self.axis, self.keepdims, self.shape) / self.n
        return (np.broadcast_to(g, self.shape),)


class Max(Op):
    """y = max of x over axis      dL/dx = g at the maximum (shared equally among ties)"""

    __slots__ = ("axis", "keepdims", "x", "y")

    reduce = staticmethod(np.max)

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.x = x
        self.y = self.reduce(x, axis=self.axis, keepdims=self.keepdims)
        return self.y

    def backward(self, g):
        y = _expand(self.y, self.axis, self.keepdims, self.x.shape)
        g = _expand(g, self.axis, self.keepdims, self.x.shape)
        at_max = self.x == y
        # As TensorFlow's reduce_max: ties split the gradient so the total stays g.
        count = np.sum(at_max, axis=self.axis, keepdims=True, dtype=g.dtype)
        return (g * at_max / count,)


class Min(Max):
    """y = min of x over axis      dL/dx = g at the minimum (shared equally among ties)"""

    __slots__ = ()

    reduce = staticmethod(np.min)


class LogSumExp(Op):
    """y = log(sum(exp(x)))        dL/dx = g * softmax(x)"""

    __slots__ = ("axis", "keepdims", "softmax")

    def __init__(self, axis=-1, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        m, e, s = _shifted_exp(x, self.axis)
        self.softmax = e / s
        y = np.log(s) + m
        return y if self.keepdims else _squeeze(y, self.axis)

    def backward(self, g):
        g = _expand(g, self.axis, self.keepdims, self.softmax.shape)
        return (g * self.softmax,)


def _shifted_exp(x, axis):
    """(m, exp(x - m), its sum) with m the max along ``axis``: softmax and logsumexp are
    unchanged by the shift, and exp never overflows. A row of -inf shifts by 0 instead."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(x - m)
    return m, e, np.sum(e, axis=axis, keepdims=True)


def _squeeze(y, axis):
    y = np.squeeze(y, axis=axis)
    return y[()] if y.ndim == 0 else y


# --- softmax and the fused losses -------------------------------------------------------


def _softmax(x, axis):
    _, e, s = _shifted_exp(x, axis)
    return e / s


class Softmax(Op):
    """y_i = exp(x_i) / sum_j exp(x_j)     dL/dx = y * (g - sum(g * y))"""

    __slots__ = ("axis", "y")

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        # Shifting by the max changes nothing (softmax is shift invariant) but keeps exp finite.
        self.y = _softmax(x, self.axis)
        return self.y

    def backward(self, g):
        y = self.y
        return (y * (g - np.sum(g * y, axis=self.axis, keepdims=True)),)


class LogSoftmax(Op):
    """y = x - logsumexp(x)        dL/dx = g - softmax(x) * sum(g)"""

    __slots__ = ("axis", "softmax")

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        m, e, s = _shifted_exp(x, self.axis)
        self.softmax = e / s
        return (x - m) - np.log(s)

    def backward(self, g):
        return (g - self.softmax * np.sum(g, axis=self.axis, keepdims=True),)


class SoftmaxCrossEntropy(Op):
    """L_n = -sum_i t_ni log softmax(z_n)_i     dL/dz = g * (softmax(z) - t)

    Fused, so it never takes the log of a probability that underflowed to 0. ``labels``
    are integer classes or one-hot (or any probability) rows; ``reduction`` is "none" (one
    loss per row, as ``tf.nn.softmax_cross_entropy_with_logits``), "mean" or "sum".
    """

    __slots__ = ("labels", "reduction", "p", "n", "picks")

    def __init__(self, labels, reduction="none"):
        self.labels, self.reduction = labels, reduction

    # The ufuncs' own reduce: numpy's np.max/np.sum/np.mean wrappers cost more than the
    # reductions themselves on a (batch, 10) array, and this op runs every training step.
    def forward(self, z):
        shifted = z - np.maximum.reduce(z, axis=-1, keepdims=True)  # exp never overflows
        self.p = np.exp(shifted)
        s = np.add.reduce(self.p, axis=-1, keepdims=True)
        self.p /= s
        log_s = np.log(s)[..., 0]  # -log p_i = log_s - shifted_i
        t = self.labels
        if t.dtype.kind in "iu":
            classes = z.shape[-1]
            if t.shape != z.shape[:-1]:
                raise ValueError(f"integer labels of shape {t.shape} do not match logits of "
                                 f"shape {z.shape} (expected labels of shape {z.shape[:-1]})")
            # Read as unsigned, a negative label is huge: one reduction checks both ends.
            if t.size and np.maximum.reduce(t.view(f"u{t.itemsize}"), axis=None) >= classes:
                raise ValueError(f"labels must lie in [0, {classes}), got "
                                 f"{t.min()}..{t.max()}")
            # Where each row's label sits in the flattened logits; backward reuses it.
            self.picks = np.arange(t.size) * classes + t.reshape(-1)
            losses = log_s - shifted.reshape(-1)[self.picks].reshape(t.shape)
        else:
            if t.shape != z.shape:
                raise ValueError(f"one-hot labels of shape {t.shape} do not match logits of "
                                 f"shape {z.shape}")
            losses = np.add.reduce(t * (log_s[..., None] - shifted), axis=-1)
        self.n = losses.size
        if self.reduction == "mean":
            return (np.add.reduce(losses, axis=None) / self.n).astype(z.dtype)
        if self.reduction == "sum":
            return np.add.reduce(losses, axis=None)[()]
        return losses

    def backward(self, g):
        if self.labels.dtype.kind in "iu":
            grad = self.p.copy()
            grad.reshape(-1)[self.picks] -= 1  # a view: grad is a fresh contiguous copy
        else:
            # p - t for one-hot rows; the factor sum(t) keeps it exact for unnormalised t.
            t = self.labels
            grad = self.p * np.sum(t, axis=-1, keepdims=True) - t
        if self.reduction == "mean":
            grad *= g / self.n
        elif self.reduction == "sum":
            grad *= g
        else:
            grad *= g[..., None]
        return (grad,)


class SigmoidCrossEntropy(Op):
    """L = -t log s(z) - (1-t) log(1-s(z)) = max(z,0) - z t + log(1 + exp(-|z|))
    dL/dz = g * (sigmoid(z) - t),   dL/dt = -g * z"""

    __slots__ = ("z", "t")

    def forward(self, z, t):
        self.z, self.t = z, t
        return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))

    def backward(self, g):
        need_z, need_t = self.needs_grad
        grad_z = None
        if need_z:
            grad_z = g * (_sigmoid(self.z) - self.t)
        return grad_z, (-g * self.z if need_t else None)


# --- shapes, indexing, matmul ------------------------------------------------------------


class Reshape(Op):
    """y = x reshaped              dL/dx = g reshaped back"""

    __slots__ = ("shape", "in_shape")

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        return np.reshape(x, self.shape)

    def backward(self, g):
        return (np.reshape(g, self.in_shape),)


class Transpose(Op):
    """y = x with axes permuted    dL/dx = g with the inverse permutation"""

    __slots__ = ("axes",)

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, g):
        inverse = None if self.axes is None else tuple(np.argsort(self.axes))
        return (np.transpose(g, inverse),)


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


class GetItem(Op):
    """y = x[index]                dL/dx = g scattered back to index (repeats add up)"""

    __slots__ = ("index", "shape", "dtype")

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.index]

    def backward(self, g):
        grad = np.zeros(self.shape, self.dtype)
        if _is_basic_index(self.index):
            grad[self.index] = g  # a slice names each element once
        else:
            np.add.at(grad, self.index, g)  # x[[0, 0]] uses x[0] twice: add, don't overwrite
        return (grad,)


class Concat(Op):
    """y = [x1, x2, ...] joined along axis      dL/dx_i = g's slice for x_i"""

    __slots__ = ("axis", "sizes")

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g):
        return tuple(np.split(g, np.cumsum(self.sizes)[:-1], axis=self.axis))


class Stack(Op):
    """y = [x1, x2, ...] stacked on a new axis   dL/dx_i = g[..., i, ...]"""

    __slots__ = ("axis",)

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))


class MatMul(Op):
    """y = a @ b        dL/da = g @ b^T,  dL/db = a^T @ g   (numpy's 1-D and batched rules)"""

    __slots__ = ("a", "b")

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g):
        return _matmul_grads(self.a, self.b, g, *self.needs_grad)


def _matmul_grads(a, b, g, need_a, need_b):
    """dL/da = g @ b^T and dL/db = a^T @ g for y = a @ b, each None when not needed."""
    if a.ndim == 2 and b.ndim == 2:  # matrices, the common case: the formulas as they read
        return (np.matmul(g, b.T) if need_a else None), (np.matmul(a.T, g) if need_b else None)
    if a.ndim == 1 and b.ndim == 1:  # the dot product
        return (g * b if need_a else None), (g * a if need_b else None)
    # numpy promotes a 1-D operand to a row (a) or column (b) matrix and drops that axis
    # from the result; do the same to g, then drop it from the gradient.
    if a.ndim == 1:
        g = np.expand_dims(g, -2)
    if b.ndim == 1:
        g = np.expand_dims(g, -1)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    grad_a = grad_b = None
    if need_a:
        grad_a = np.matmul(g, b2.swapaxes(-1, -2))
        grad_a = grad_a[..., 0, :] if a.ndim == 1 else grad_a
    if need_b:
        grad_b = np.matmul(a2.swapaxes(-1, -2), g)
        grad_b = grad_b[..., 0] if b.ndim == 1 else grad_b
    return grad_a, grad_b


class Linear(Op):
    """y = x @ W + b    dL/dx = g @ W^T,  dL/dW = x^T @ g,  dL/db = g   (a dense layer)

    MatMul then Add, fused so the bias is added into the fresh product in place: one
    (batch, units) array less per step than ``x @ W + b``. The gradients are MatMul's.
    """

    __slots__ = ("x", "W")

    def forward(self, x, W, b):
        self.x, self.W = x, W
        y = np.matmul(x, W)
        if b.dtype == y.dtype:
            try:
                y += b  # in place is x @ W + b exactly when b fits y's shape and dtype
                return y
            except ValueError:  # b would enlarge y: broadcast to a new array instead
                pass
        return y + b

    def backward(self, g):
        need_x, need_W, need_b = self.needs_grad
        grad_x, grad_W = _matmul_grads(self.x, self.W, g, need_x, need_W)
        return grad_x, grad_W, (g if need_b else None)


# --- ops that pass no gradient ----------------------------------------------------------


class StopGradient(Op):
    """y = x, but no gradient flows back to x"""

    __slots__ = ()

    differentiable = False

    def forward(self, x):
        return x.copy()  # a snapshot, as detach() is: later in-place updates of x don't show


class NonDifferentiable(Op):
    """A numpy function whose result has no useful derivative (argmax, equal, one_hot)."""

    __slots__ = ("fn", "name")

    differentiable = False

    def __init__(self, fn, name):
        self.fn, self.name = fn, name

    def forward(self, *xs):
        return self.fn(*xs)

    def __repr__(self):
        return self.name


# --- the functions ---------------------------------------------------------------------


def _operand(x, op_cls, like=None):
    """``x`` as a Value (see ``engine._wrap``); bad data raises a TypeError naming the op."""
    if isinstance(x, Value):
        return x
    try:
        return _wrap(x, like=like)
    except TypeError as e:
        # _wrap cannot know which op it serves; put the op's name where it says "operand".
        raise TypeError(str(e).replace("operand", op_cls.__name__, 1)) from None


def _pair(a, b, op_cls):
    """Both operands as Values; a Python number takes the other operand's float dtype."""
    if not isinstance(a, Value):
        a = _operand(a, op_cls, like=b if isinstance(b, Value) else None)
    if not isinstance(b, Value):
        b = _operand(b, op_cls, like=a)
    return a, b


def add(a, b):
    """a + b, broadcasting as numpy."""
    return apply(Add(), *_pair(a, b, Add))


def subtract(a, b):
    """a - b, broadcasting as numpy."""
    return apply(Sub(), *_pair(a, b, Sub))


def multiply(a, b):
    """a * b elementwise, broadcasting as numpy."""
    return apply(Mul(), *_pair(a, b, Mul))


def divide(a, b):
    """a / b elementwise, broadcasting as numpy."""
    return apply(Div(), *_pair(a, b, Div))


def power(a, b):
    """a ** b elementwise; either side may be a Value."""
    return apply(Pow(), *_pair(a, b, Pow))


def negative(x):
    return apply(Neg(), _operand(x, Neg))


def maximum(a, b):
    """Elementwise maximum; ties split the gradient equally."""
    return apply(Maximum(), *_pair(a, b, Maximum))


def minimum(a, b):
    """Elementwise minimum; ties split the gradient equally."""
    return apply(Minimum(), *_pair(a, b, Minimum))


def where(cond, a, b):
    """``a`` where ``cond`` is true, else ``b`` (``cond`` is a boolean array, not differentiated)."""
    cond = np.asarray(cond.data if isinstance(cond, Value) else cond, dtype=bool)
    return apply(Where(cond), *_pair(a, b, Where))


def exp(x):
    return apply(Exp(), _operand(x, Exp))


def log(x):
    """Natural logarithm; log(0) is -inf with numpy's warning."""
    return apply(Log(), _operand(x, Log))


def sqrt(x):
    return apply(Sqrt(), _operand(x, Sqrt))


def square(x):
    return apply(Square(), _operand(x, Square))


def abs(x):  # noqa: A001 - numpy's and TensorFlow's name
    return apply(Abs(), _operand(x, Abs))


def tanh(x):
    return apply(Tanh(), _operand(x, Tanh))


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for any x."""
    return apply(Sigmoid(), _operand(x, Sigmoid))


def relu(x):
    return apply(Relu(), _operand(x, Relu))


def leaky_relu(x, alpha=0.2):
    """x for x > 0, alpha * x otherwise (TensorFlow's default alpha is 0.2)."""
    return apply(LeakyRelu(alpha), _operand(x, LeakyRelu))


def clip(x, lo=None, hi=None):
    """Limit x to [lo, hi]; the gradient passes only inside the interval."""
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    return apply(Clip(lo, hi), _operand(x, Clip))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over ``axis`` (None: all, an int or a tuple)."""
    return apply(Sum(_axis(axis), keepdims), _operand(x, Sum))


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (None: all, an int or a tuple)."""
    return apply(Mean(_axis(axis), keepdims), _operand(x, Mean))


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``; ties share the gradient."""
    return apply(Max(_axis(axis), keepdims), _operand(x, Max))


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``; ties share the gradient."""
    return apply(Min(_axis(axis), keepdims), _operand(x, Min))


def logsumexp(x, axis=-1, keepdims=False):
    """log(sum(exp(x), axis)), stable for large x."""
    return apply(LogSumExp(_axis(axis), keepdims), _operand(x, LogSumExp))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``."""
    return apply(Softmax(axis), _operand(x, Softmax))


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``, stable for large logits."""
    return apply(LogSoftmax(axis), _operand(x, LogSoftmax))


def _labels(labels):
    t = labels.data if isinstance(labels, Value) else labels
    t = np.asarray(t)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"softmax_cross_entropy: labels must be integer classes or float rows, "
                        f"got dtype {t.dtype} (shape {t.shape})")
    if t.dtype.kind == "b":
        t = t.astype(np.int64)
    return t


def softmax_cross_entropy(logits, labels, reduction="none"):
    """Cross-entropy of softmax(logits) against labels, fused and stable.

    Args:
        logits: (..., classes) Value.
        labels: integer classes of shape (...) or one-hot (probability) rows (..., classes).
        reduction: "none" (a loss per row, shape (...)), "mean" or "sum".
    Returns:
        A Value; the labels are not differentiated.

    >>> float(softmax_cross_entropy([[0.0, 0.0]], [1], reduction="mean"))  # log 2
    0.6931471824645996
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"softmax_cross_entropy: reduction must be 'none', 'mean' or 'sum', "
                         f"got {reduction!r}")
    logits = _operand(logits, SoftmaxCrossEntropy)
    t = _labels(labels)
    if t.dtype.kind == "f" and t.dtype != logits.dtype:
        t = t.astype(logits.dtype)
    return apply(SoftmaxCrossEntropy(t, reduction), logits)


def sigmoid_cross_entropy(logits, targets):
    """Elementwise binary cross-entropy of sigmoid(logits) against targets in [0, 1], stable.

    Same as ``tf.nn.sigmoid_cross_entropy_with_logits``: one loss per element.
    """
    return apply(SigmoidCrossEntropy(), *_pair(logits, targets, SigmoidCrossEntropy))


def reshape(x, *shape):
    """x with a new shape (one dimension may be -1)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return apply(Reshape(shape), _operand(x, Reshape))


def transpose(x, axes=None):
    """Permute axes (reverse them by default), as numpy; negative axes count from the end."""
    x = _operand(x, Transpose)
    if axes is not None:
        # Backward inverts the permutation with argsort, which needs non-negative axes.
        axes = tuple(a + x.ndim if a < 0 else a for a in axes)
    return apply(Transpose(axes), x)


def getitem(x, index):
    if isinstance(index, Value):
        index = index.data
    elif isinstance(index, list):
        index = np.asarray(index)
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Value) else i for i in index)
    return apply(GetItem(index), _operand(x, GetItem))


def concat(values, axis=0):
    """Join Values along an existing axis (``tf.concat``, ``np.concatenate``)."""
    values = list(values)
    if not values:
        raise ValueError("concat: needs at least one Value")
    return apply(Concat(axis), *[_operand(v, Concat) for v in values])


def stack(values, axis=0):
    """Join Values along a new axis (``tf.stack``, ``np.stack``)."""
    values = list(values)
    if not values:
        raise ValueError("stack: needs at least one Value")
    return apply(Stack(axis), *[_operand(v, Stack) for v in values])


def matmul(a, b):
    """Matrix product with numpy's rules: 2-D, batched N-D, and 1-D operands.

    Args:
        a: (..., n, k) or (k,).  b: (..., k, m) or (k,).
    Returns:
        (..., n, m), with the axis of a 1-D operand dropped.
    """
    a, b = _pair(a, b, MatMul)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least one dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    # numpy's own messages speak of gufunc signatures; say which axes disagree instead.
    k_a, k_b = a.shape[-1], b.shape[-2 if b.ndim > 1 else 0]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} @ {b.shape} do not match: the last axis "
                         f"of a has {k_a} elements, the contracted axis of b has {k_b}")
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: shapes {a.shape} @ {b.shape} do not match: the batch "
                             f"axes {a.shape[:-2]} and {b.shape[:-2]} do not broadcast") from None
    return apply(MatMul(), a, b)


def linear(x, W, b=None):
    """x @ W + b, the dense layer's affine map, in one op (``torch.nn.functional.linear``
    with W transposed, TensorFlow's ``xw_plus_b``).

    Args:
        x: (..., n_in) inputs.  W: (n_in, units).  b: (units,) or None.
    Returns:
        (..., units).
    """
    if b is None:
        return matmul(x, W)
    x, W = _pair(x, W, Linear)
    x_shape, W_shape = x.data.shape, W.data.shape
    if not x_shape or not W_shape:
        raise ValueError(f"linear: operands must have at least one dimension, got shapes "
                         f"{x_shape} and {W_shape}")
    k_W = W_shape[-2 if len(W_shape) > 1 else 0]
    if x_shape[-1] != k_W:
        raise ValueError(f"linear: shapes {x_shape} @ {W_shape} do not match: the last axis "
                         f"of x has {x_shape[-1]} elements, the first axis of W has {k_W}")
    if not isinstance(b, Value):
        b = _operand(b, Linear, like=x)
    return apply(Linear(), x, W, b)


def stop_gradient(x):
    """x's value, with no gradient flowing back through it."""
    return apply(StopGradient(), _operand(x, StopGradient))


def cast(x, dtype):
    """x converted to ``dtype``; differentiable between float dtypes, a constant otherwise."""
    dtype = np.dtype(dtype)
    x = _as_constant(x, "cast")
    if dtype.kind == "f" and x.dtype.kind == "f":
        return apply(Cast(dtype), x)
    return apply(NonDifferentiable(lambda a: np.asarray(a).astype(dtype), "cast"), x)


def _as_constant(x, op_name):
    """Wrap data as a constant, keeping integer and boolean dtypes (labels, masks)."""
    if isinstance(x, Value):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{op_name}: expected numbers, got an array of dtype {arr.dtype} "
                        f"(shape {arr.shape})")
    return _wrap(arr) if arr.dtype.kind == "f" else constant(arr, dtype=arr.dtype)


def argmax(x, axis=None):
    """Index of the largest element along ``axis`` (integer constant)."""
    return apply(NonDifferentiable(lambda a: np.argmax(a, axis=axis), "argmax"),
                 _as_constant(x, "argmax"))


def argmin(x, axis=None):
    """Index of the smallest element along ``axis`` (integer constant)."""
    return apply(NonDifferentiable(lambda a: np.argmin(a, axis=axis), "argmin"),
                 _as_constant(x, "argmin"))


def equal(a, b):
    """Elementwise a == b as a boolean constant (``tf.equal``)."""
    return apply(NonDifferentiable(lambda x, y: np.asarray(x == y), "equal"),
                 _as_constant(a, "equal"), _as_constant(b, "equal"))


def one_hot(indices, depth, dtype=None):
    """Rows of zeros with a one at each index (``tf.one_hot``); out-of-range gives zeros.

    >>> one_hot([0, 2], 3).numpy()
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    out_dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
    idx = _as_constant(indices, "one_hot")
    if idx.data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {idx.data.dtype}")

    def fn(i):
        return (np.asarray(i)[..., None] == np.arange(depth)).astype(out_dtype)
    return apply(NonDifferentiable(fn, "one_hot"), idx)


# --- methods and operators on Value ---------------------------------------------------


def _rpair(op_cls):
    def method(self, other):
        other = _operand(other, op_cls, like=self)
        return apply(op_cls(), other, self)
    return method


def _method(op_cls):
    def method(self, other):
        if not isinstance(other, Value):
            other = _operand(other, op_cls, like=self)
        return apply(op_cls(), self, other)
    return method


Value.__add__ = _method(Add)
Value.__radd__ = _rpair(Add)
Value.__sub__ = _method(Sub)
Value.__rsub__ = _rpair(Sub)
Value.__mul__ = _method(Mul)
Value.__rmul__ = _rpair(Mul)
Value.__truediv__ = _method(Div)
Value.__rtruediv__ = _rpair(Div)
Value.__pow__ = _method(Pow)
Value.__rpow__ = _rpair(Pow)
Value.__matmul__ = lambda self, other: matmul(self, other)
Value.__rmatmul__ = lambda self, other: matmul(other, self)
Value.__neg__ = negative
Value.__pos__ = lambda self: self
Value.__abs__ = abs
Value.__getitem__ = getitem


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d Value")
    return (self[i] for i in range(len(self)))


Value.__iter__ = _iter

for _name in ("exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid", "relu",
              "leaky_relu", "clip", "sum", "mean", "max", "min", "logsumexp", "softmax",
              "log_softmax", "reshape", "transpose"):
    setattr(Value, _name, globals()[_name])
Value.T = property(transpose)
