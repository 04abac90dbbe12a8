"""Elementwise arithmetic: + - * / **, negation, max/min of two arrays, where, abs, clip, cast,
and PyTorch's lerp.

Each op's docstring gives the maths in one line: the output ``y`` and ``dL/dx`` in terms of
the upstream gradient ``g = dL/dy``. ``backward(g, y, *inputs)`` returns gradients in the
broadcast shape; the engine sums them back to each input's shape (``engine.unbroadcast``).
"""

from __future__ import annotations

import numpy as np

from ..engine import Op, Value, _data, _numeric_dtype, apply, apply1, apply2, constant
from ..labels import array_text, docstring_formula, number
from ..worked import Terms
from . import elementwise, nondiff, xp
from ._operands import as_constant, operand, pair

__all__ = ["add", "subtract", "multiply", "divide", "power", "negative", "maximum", "minimum",
           "where", "abs", "clip", "clamp", "clamp_min", "clamp_max", "cast", "pow", "clone",
           "lerp", "remainder", "fmod", "floor_divide", "logaddexp", "hypot", "nan_to_num"]


class Add(Op):
    """y = a + b        dL/da = g,  dL/db = g"""

    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, g, y, a, b):
        return g, g


def add(a, b):
    """a + b, broadcasting as numpy."""
    return apply2(Add, *pair(a, b, Add))


class Sub(Op):
    """y = a - b        dL/da = g,  dL/db = -g"""

    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, g, y, a, b):
        return g, (-g if self.needs_grad[1] else None)


def subtract(a, b):
    """a - b, broadcasting as numpy."""
    return apply2(Sub, *pair(a, b, Sub))


class Mul(Op):
    """y = a * b        dL/da = g * b,  dL/db = g * a"""

    __slots__ = ()

    def forward(self, a, b):
        return a * b

    def backward(self, g, y, a, b):
        need_a, need_b = self.needs_grad
        return (g * b if need_a else None), (g * a if need_b else None)


def multiply(a, b):
    """a * b elementwise, broadcasting as numpy."""
    return apply2(Mul, *pair(a, b, Mul))


class Div(Op):
    """y = a / b        dL/da = g / b,  dL/db = -g * y / b   (y / b = a / b**2)"""

    __slots__ = ()

    def forward(self, a, b):
        return a / b

    def backward(self, g, y, a, b):
        need_a, need_b = self.needs_grad
        return (g / b if need_a else None), (-g * y / b if need_b else None)


def divide(a, b):
    """a / b elementwise, broadcasting as numpy."""
    return apply2(Div, *pair(a, b, Div))


class Pow(Op):
    """y = a ** b       dL/da = g * b * a**(b-1),  dL/db = g * y * log(a)

    Where b = 0, dL/da is 0 (b * a**(b-1) would be 0 * inf at a = 0); where a = 0 and
    b >= 0, dL/db is 0 (y log a tends to 0): the limits, as PyTorch takes them.
    """

    __slots__ = ()

    def forward(self, a, b):
        return power_array(a, b)

    def backward(self, g, y, a, b):
        need_a, need_b = self.needs_grad
        grad_a = grad_b = None
        if need_a:
            # Where b = 0 the factor b makes the gradient 0; taking the power at b = 1
            # there keeps a**(b-1) from being inf at a = 0, and 0 * inf from being NaN.
            grad_a = g * b * xp.power(a, xp.where(xp.equal(b, 0), 1, b) - 1)
        if need_b:
            grad_b = g * y * xp.log(xp.where(xp.equal(a, 0) & (b >= 0), 1, a))
        return grad_a, grad_b


def power_array(a, b):
    """a ** b on numpy data, as PyTorch computes its special exponents.

    Speed trick, fenced here: numpy's float power with an integral exponent other than 2
    takes a slow path, 3.4 ms for a (256, 256) float32 array cubed, against 0.02 ms for
    a * a * a. PyTorch special-cases these exponents, and so do we, with its formulas: 3 is
    a * a * a, -2 is 1 / (a * a), -0.5 is 1 / sqrt(a) (numpy's own fast paths give 2, 0.5
    and -1 the same way); each may differ from numpy's power in the last bit, and is
    PyTorch's to the bit. -3, the exponent of -2's derivative, is 1 / (a * a * a). Arrays
    of fewer than 4,096 numbers take numpy's power.
    """
    if type(a) is np.ndarray and a.size >= _LARGE_POWER and a.dtype.kind == "f" \
            and np.ndim(b) == 0 and np.result_type(a, b) == a.dtype:
        e = float(b)
        if e == 2:
            return a * a
        if e == 3:
            return a * a * a
        if e == -1:
            return 1 / a
        if e == -2:
            return 1 / (a * a)
        if e == -3:  # -2's derivative (PyTorch takes its general power here)
            return 1 / (a * a * a)
        if e == 0.5:
            return np.sqrt(a)
        if e == -0.5:
            return 1 / np.sqrt(a)
    return a ** b


# From this many numbers up the special forms pay for their checks (1 us); below, numpy's
# power is as fast (0.7 us for 100 numbers cubed) and keeps x ** 2 on small data cheap.
_LARGE_POWER = 4096


def power(a, b):
    """a ** b elementwise; either side may be a Value."""
    return apply2(Pow, *pair(a, b, Pow))


pow = power  # noqa: A001 - PyTorch's, TensorFlow's and numpy 2's name


class Neg(Op):
    """y = -x           dL/dx = -g"""

    __slots__ = ()

    def forward(self, x):
        return -x

    def backward(self, g, y, x):
        return (-g,)


def negative(x):
    """-x."""
    return apply1(Neg, operand(x, Neg))


class Clone(Op):
    """y = x, in an array of its own      dL/dx = g"""

    __slots__ = ()

    def forward(self, x):
        return x.copy()  # later in-place changes of x do not show in y, nor y's in x

    def backward(self, g, y, x):
        return (g,)


def clone(x):
    """A copy of x that gradients flow through (PyTorch's ``clone``, numpy's ``copy``)."""
    return apply1(Clone, operand(x, Clone))


class Maximum(Op):
    """y = max(a, b)
    dL/da = g if a > b else g / 2 if a == b else 0
    dL/db = g if b > a else g / 2 if a == b else 0

    Ties share the gradient equally, as PyTorch does, so the two sides add up to g.
    """

    __slots__ = ()

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, g, y, a, b):
        # Ties share the gradient equally, as PyTorch does, so the two sides add up to g.
        share_a = ((a > b) + 0.5 * xp.equal(a, b)).astype(y.dtype)
        return g * share_a, g * (1 - share_a)


def maximum(a, b):
    """Elementwise maximum; ties split the gradient equally."""
    return apply2(Maximum, *pair(a, b, Maximum))


class Remainder(Op):
    """y = a mod b, with the sign of b (Python's %)     dL/da = g,  dL/db = -g * floor(a / b)"""

    __slots__ = ()

    def forward(self, a, b):
        return np.remainder(a, b)

    def backward(self, g, y, a, b):
        # floor(a / b) is constant between its jumps: its derivative is 0 where it exists.
        need_a, need_b = self.needs_grad
        return (g if need_a else None), \
            (-g * np.floor_divide(_data(a), _data(b)) if need_b else None)


def remainder(a, b):
    """a mod b elementwise, with the sign of b: Python's ``%`` (``np.remainder``,
    ``torch.remainder``, ``a % b`` on Values)."""
    return apply2(Remainder, *pair(a, b, Remainder))


class Fmod(Op):
    """y = a mod b, with the sign of a (C's fmod)     dL/da = g,  dL/db = -g * trunc(a / b)"""

    __slots__ = ()

    def forward(self, a, b):
        return np.fmod(a, b)

    def backward(self, g, y, a, b):
        need_a, need_b = self.needs_grad
        return (g if need_a else None), \
            (-g * np.trunc(_data(a) / _data(b)) if need_b else None)


def fmod(a, b):
    """a mod b elementwise, with the sign of a (``np.fmod``, ``torch.fmod``)."""
    return apply2(Fmod, *pair(a, b, Fmod))


def floor_divide(a, b):
    """floor(a / b) elementwise (``np.floor_divide``, ``torch.floor_divide``, ``a // b`` on
    Values): a step function, so its gradient is 0, as PyTorch's ``div(a, b,
    rounding_mode="floor")`` gives (its ``floor_divide`` has no derivative and raises)."""
    return elementwise.floor(divide(a, b))


class Hypot(Op):
    """y = sqrt(a**2 + b**2), without overflow     dL/da = g * a / y,  dL/db = g * b / y"""

    __slots__ = ()

    def forward(self, a, b):
        return np.hypot(a, b)

    def backward(self, g, y, a, b):
        need_a, need_b = self.needs_grad
        return (g * a / y if need_a else None), (g * b / y if need_b else None)


def hypot(a, b):
    """The length of the hypotenuse, sqrt(a**2 + b**2), elementwise (``np.hypot``,
    ``torch.hypot``); its gradient at a = b = 0 is NaN, as PyTorch's."""
    return apply2(Hypot, *pair(a, b, Hypot))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's
    largest and smallest finite numbers by default), as ``np.nan_to_num`` and
    ``torch.nan_to_num``. The gradient flows where x was finite, and is 0 where it was
    replaced (PyTorch's)."""
    x = operand(x, Where)
    data = np.asarray(x.data)
    fixed = np.nan_to_num(data, nan=nan, posinf=posinf, neginf=neginf)
    return apply(Where(np.asarray(np.isfinite(data))), x, constant(fixed, dtype=x.dtype))


def clamp_min(x, min):  # noqa: A002 (PyTorch's name)
    """PyTorch's ``clamp_min``: ``clip(x, min, None)``."""
    return clip(x, min, None)


def clamp_max(x, max):  # noqa: A002
    """PyTorch's ``clamp_max``: ``clip(x, None, max)``."""
    return clip(x, None, max)


class LogAddExp(Op):
    """y = log(exp(a) + exp(b))     dL/da = g * sigmoid(a - b),  dL/db = g * sigmoid(b - a)"""

    __slots__ = ()

    def forward(self, a, b):
        return np.logaddexp(a, b)

    def backward(self, g, y, a, b):
        # exp(a - y) is the same number, but NaN at a = y = inf; the sigmoid is 1 there
        # (PyTorch's limit), and never overflows.
        need_a, need_b = self.needs_grad
        return (g * xp.sigmoid(a - b) if need_a else None), \
            (g * xp.sigmoid(b - a) if need_b else None)


def logaddexp(a, b):
    """log(exp(a) + exp(b)) elementwise, without overflow (``np.logaddexp``,
    ``torch.logaddexp``)."""
    return apply2(LogAddExp, *pair(a, b, LogAddExp))


class Minimum(Op):
    """y = min(a, b)
    dL/da = g if a < b else g / 2 if a == b else 0
    dL/db = g if b < a else g / 2 if a == b else 0
    """

    __slots__ = ()

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, g, y, a, b):
        share_a = ((a < b) + 0.5 * xp.equal(a, b)).astype(y.dtype)
        return g * share_a, g * (1 - share_a)


def minimum(a, b):
    """Elementwise minimum; ties split the gradient equally."""
    return apply2(Minimum, *pair(a, b, Minimum))


class Where(Op):
    """y = a if cond else b     dL/da = g if cond else 0,  dL/db = 0 if cond else g"""

    __slots__ = ("cond",)

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        return xp.where(self.cond, a, b)[()]  # [()]: a numpy scalar, not a 0-d array

    def backward(self, g, y, a, b):
        return xp.where(self.cond, g, 0), xp.where(self.cond, 0, g)

    def formula(self, y, a, b):
        forward, derivative = docstring_formula(Where)
        return f"{forward}   (cond = {array_text(self.cond)})", derivative

    def element(self, i, at, g, y, a, b):
        return Terms(arrays={"cond": self.cond})


def where(cond, a=None, b=None):
    """``a`` where ``cond`` is true, else ``b`` (``cond`` is a boolean array, not differentiated).

    A condition of numbers is refused, as TensorFlow refuses it: ``where(p, a, b)`` with
    probabilities p would take ``a`` wherever p is not exactly 0, which is rarely what was
    meant; write the comparison, ``where(p > 0.5, a, b)``. With the condition alone,
    numpy's and PyTorch's ``where(cond)``: ``nonzero(cond)``, a tuple of index arrays.
    """
    if a is None and b is None:
        return nondiff.nonzero(cond, as_tuple=True)
    if a is None or b is None:
        raise TypeError("where: give both a and b, or neither (where(cond) is nonzero(cond))")
    cond = np.asarray(cond.data if isinstance(cond, Value) else cond)
    if cond.dtype != bool:
        raise TypeError(f"where: cond must be boolean, a comparison such as x > 0, got dtype "
                        f"{cond.dtype} (shape {cond.shape}); for 'nonzero' write cond != 0")
    return apply(Where(cond), *pair(a, b, Where))


def lerp(start, end, weight):
    """PyTorch's ``lerp``: start + weight * (end - start), the point a fraction ``weight``
    of the way from start to end; the three broadcast together.

    Three recorded ops, so each input gets its gradient: dL/dstart = g (1 - weight),
    dL/dend = g weight, dL/dweight = g (end - start) (weight a number or a Value).

    >>> lerp(Value([0.0, 10.0]), [10.0, 20.0], 0.25).numpy()
    array([ 2.5, 12.5], dtype=float32)
    """
    shapes = [np.shape(x.data if isinstance(x, Value) else x) for x in (start, end, weight)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"lerp: start, end and weight of shapes {shapes[0]}, {shapes[1]} and "
                         f"{shapes[2]} do not broadcast") from None
    start, end = pair(start, end, Sub)
    return add(start, multiply(weight, subtract(end, start)))


class Abs(Op):
    """y = |x|          dL/dx = g * sign(x)   (0 at x = 0)"""

    __slots__ = ()

    def forward(self, x):
        return np.abs(x)

    def backward(self, g, y, x):
        return (g * xp.sign(x),)


def abs(x):  # noqa: A001 - numpy's and TensorFlow's name
    """|x| elementwise."""
    return apply1(Abs, operand(x, Abs))


class Clip(Op):
    """y = min(max(x, lo), hi)    dL/dx = g if lo <= x <= hi else 0"""

    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x, self.lo, self.hi).astype(x.dtype, copy=False)

    def backward(self, g, y, x):
        inside = True
        if self.lo is not None:
            inside = inside & (x >= self.lo)
        if self.hi is not None:
            inside = inside & (x <= self.hi)
        return (xp.where(inside, g, 0),)

    def formula(self, y, x):
        lo, hi = (None if v is None else number(v) for v in (self.lo, self.hi))
        if hi is None:
            return f"y = max(x, {lo})", f"dL/dx = g if x >= {lo} else 0"
        if lo is None:
            return f"y = min(x, {hi})", f"dL/dx = g if x <= {hi} else 0"
        return f"y = min(max(x, {lo}), {hi})", f"dL/dx = g if {lo} <= x <= {hi} else 0"


class ClipBetween(Op):
    """y = min(max(x, lo), hi)
    dL/dx = g if lo <= x <= hi else 0
    dL/dlo = g if x < lo < hi else 0
    dL/dhi = g if max(x, lo) > hi else 0

    ``clip`` with bounds that are arrays, each bound a Value that may take a gradient, as
    PyTorch's ``clamp`` with tensor bounds, with its gradients: where x < lo == hi no
    input takes the gradient (both one-sided derivatives there include 0).
    """

    __slots__ = ()

    def forward(self, x, lo, hi):
        return np.minimum(np.maximum(x, lo), hi)

    def backward(self, g, y, x, lo, hi):
        need_x, need_lo, need_hi = self.needs_grad
        # Masks of the data (comparisons give plain boolean arrays on both paths). At each
        # element at most one of x, lo and hi takes the gradient; at a tie with a bound, x
        # does (PyTorch's choices, see the docstring).
        return ((xp.where((x >= lo) & (x <= hi), g, 0) if need_x else None),
                (xp.where((x < lo) & (lo < hi), g, 0) if need_lo else None),
                (xp.where((x > hi) | (lo > hi), g, 0) if need_hi else None))


def _unbounded(dtype, low):
    """The bound that clips nothing: -inf or +inf, an integer dtype's smallest or largest."""
    if dtype.kind in "iu":
        return np.iinfo(dtype).min if low else np.iinfo(dtype).max
    return dtype.type(-np.inf if low else np.inf)


def clip(x, lo=None, hi=None):
    """Limit x to [lo, hi]; the gradient passes only inside the interval.

    ``lo`` and ``hi`` are numbers, or arrays (Values) that broadcast with x, as numpy's
    and PyTorch's bounds: then a bound left out is -inf or +inf, and a bound that is a
    Value gets the gradient where it is the result (``ClipBetween``)."""
    if lo is None and hi is None:
        raise ValueError("clip: give at least one of lo and hi")
    if not any(isinstance(b, (Value, np.ndarray, list, tuple)) for b in (lo, hi)):
        return apply(Clip(lo, hi), operand(x, Clip))
    x = operand(x, ClipBetween)
    bounds = [operand(_unbounded(x.dtype, low) if b is None else b, ClipBetween, like=x)
              for b, low in ((lo, True), (hi, False))]
    try:
        np.broadcast_shapes(x.shape, bounds[0].shape, bounds[1].shape)
    except ValueError:
        raise ValueError(f"clip: the bounds of shapes {bounds[0].shape} and "
                         f"{bounds[1].shape} do not broadcast with x of shape {x.shape}") from None
    return apply(ClipBetween(), x, *bounds)


def clamp(input, min=None, max=None):  # noqa: A002  (PyTorch's names)
    """PyTorch's ``torch.clamp(x, min, max)``: ``clip``."""
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    return clip(input, min, max)


class Cast(Op):
    """y = x as another float dtype      dL/dx = g   (cast back to x's dtype by the engine)"""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g, y, x):
        return (g,)

    def formula(self, y, x):
        return (f"y = x as {self.dtype}",
                f"dL/dx = g   (cast back to {np.asarray(x).dtype} by the engine)")


def cast(x, dtype):
    """x converted to ``dtype``; differentiable between float dtypes, a constant otherwise."""
    dtype = _numeric_dtype(dtype, "cast")
    x = as_constant(x, "cast")
    if dtype.kind == "f" and x.dtype.kind == "f":
        return apply(Cast(dtype), x)
    return apply(nondiff.NonDifferentiable(lambda a: np.asarray(a).astype(dtype), "cast"), x)
