"""PyTorch's top-level names for arithmetic and comparisons (``torch.mul``, ``torch.div``
with its rounding modes, ``torch.sub(a, b, alpha=2)``, ``torch.rsub``, ``torch.eq``...),
``float_power``, ``ldexp``, and the integer and bit functions (``gcd``, ``lcm``, the
``bitwise_*`` family and shifts, ``frexp``, ``nextafter``).

Nothing here is a new op. The arithmetic is written with the operators, so its
derivatives are theirs; ``div``'s rounding modes are step functions with a zero gradient,
as PyTorch's. The comparisons give what ``a == b`` gives (a boolean array taking
PyTorch's casts), and the integer and bit functions are constants, as in PyTorch, which
defines no derivative for them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..engine import Value, constant, get_default_dtype
from . import arithmetic, elementwise, elementwise_more
from ._composing import _value, _values
from .nondiff import constant_function

__all__ = [
    "mul", "div", "true_divide", "sub", "rsub", "neg", "absolute", "float_power", "ldexp",
    "eq", "ne", "gt", "ge", "lt", "le",
    # constants: integers and bits
    "gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift", "frexp", "nextafter",
]


def mul(input, other):  # noqa: A002 (PyTorch's argument names)
    """y = input * other (``torch.mul``); dL/dinput = g * other, dL/dother = g * input."""
    a, b = _values("mul", input, other)
    return a * b


def _floats(a, b):
    """Two integer operands as the default float dtype: PyTorch's true division of integers
    gives floats of the default dtype (numpy's would be float64)."""
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        dtype = get_default_dtype()
        return arithmetic.cast(a, dtype), arithmetic.cast(b, dtype)
    return a, b


def _trunc_int(a, b):
    q = np.floor_divide(a, b)
    return q + ((q < 0) & (q * b != a))  # floor rounded up toward 0 where inexact


_trunc_divide = constant_function(_trunc_int, "trunc_divide",
                                  "Integer a / b rounded toward 0, an integer constant.")


_floor_divide = constant_function(np.floor_divide, "floor_divide",
                                  "Integer a / b rounded toward -inf, an integer constant.")


def div(input, other, *, rounding_mode=None):  # noqa: A002
    """y = input / other (``torch.div``, ``torch.divide``); ``rounding_mode="trunc"``
    rounds toward 0, ``"floor"`` toward -inf (numpy's ``//``), each a step function whose
    gradient is 0. Integers divided exactly give floats; rounded, integers.

    dL/dinput = g / other, dL/dother = -g * input / other**2 (no rounding)."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    a, b = _values("div", input, other)
    if rounding_mode is not None and a.dtype.kind in "biu" and b.dtype.kind in "biu":
        if np.any(b.data == 0):
            raise ZeroDivisionError(f"div: integer division by zero "
                                    f"(rounding_mode={rounding_mode!r})")
        return (_trunc_divide if rounding_mode == "trunc" else _floor_divide)(a, b)
    if rounding_mode == "floor":
        return arithmetic.floor_divide(a, b)
    if rounding_mode == "trunc":
        return elementwise_more.trunc(a / b)
    a, b = _floats(a, b)
    return a / b


def true_divide(dividend, divisor):
    """y = dividend / divisor, always a float (``torch.true_divide``: ``div`` without
    rounding)."""
    return div(dividend, divisor)


def sub(input, other, *, alpha=1):  # noqa: A002
    """y = input - alpha * other (``torch.sub``, ``torch.subtract``); dL/dother = -alpha g."""
    a, b = _values("sub", input, other)
    return a - (b if alpha == 1 else alpha * b)


def rsub(input, other, *, alpha=1):  # noqa: A002
    """y = other - alpha * input (``torch.rsub``, the reflected ``sub``)."""
    a, b = _values("rsub", input, other)
    return b - (a if alpha == 1 else alpha * a)


def neg(input):  # noqa: A002
    """y = -input (``torch.neg``, numpy's and PyTorch's ``negative``); dy/dx = -1."""
    return arithmetic.negative(_value(input, "neg"))


def absolute(input):  # noqa: A002
    """y = |input| (``torch.absolute``, numpy's ``absolute``: ``abs``)."""
    return arithmetic.abs(_value(input, "absolute"))


def float_power(input, exponent):  # noqa: A002
    """y = input ** exponent computed in float64, whatever the inputs' dtypes, as
    ``torch.float_power`` (and numpy's) does; the gradients are ``power``'s, cast back."""
    like = input if isinstance(input, Value) else exponent if isinstance(exponent, Value) \
        else None
    if like is None:
        raise TypeError("float_power: expected at least one Value, got two numbers")
    a, b = (arithmetic.cast(_value(x, "float_power"), np.float64) for x in (input, exponent))
    return arithmetic.power(a, b)


def ldexp(input, other):  # noqa: A002
    """y = input * 2**other (``torch.ldexp``, numpy's ``ldexp``); dL/dinput = g * 2**other,
    dL/dother = g * y * ln 2 (for a float exponent)."""
    x, e = _values("ldexp", input, other)
    if x.dtype.kind != "f":
        x = arithmetic.cast(x, get_default_dtype())
    if e.dtype.kind != "f":
        e = arithmetic.cast(e, x.dtype)
    return x * elementwise.exp2(e)


def _compare(name, compare):
    def fn(input, other):  # noqa: A002
        return compare(_value(input, name), other)
    fn.__name__ = name
    fn.__doc__ = (f"Elementwise ``torch.{name}``: what the operator gives, a boolean array "
                  f"that takes PyTorch's casts (``.float()``); no gradient.")
    return fn


eq = _compare("eq", lambda a, b: a == b)
ne = _compare("ne", lambda a, b: a != b)
gt = _compare("gt", lambda a, b: a > b)
ge = _compare("ge", lambda a, b: a >= b)
lt = _compare("lt", lambda a, b: a < b)
le = _compare("le", lambda a, b: a <= b)


# --- integers and bits: constants --------------------------------------------------------

def _integer_data(x, xs):
    """x as an operand of an integer function: numpy integers and booleans, and lists of
    them, keep their dtype (operands are otherwise made floats); a Python number next to a
    Value takes that Value's dtype, as everywhere."""
    if isinstance(x, Value) or (isinstance(x, (int, float)) and
                                any(isinstance(other, Value) for other in xs)):
        return x
    data = np.asarray(x)
    return constant(data, dtype=data.dtype) if data.dtype.kind in "biu" else x


def _integers(name, np_fn, kinds, doc):
    """An integer (or boolean) function as a constant; floats refused, as PyTorch does."""
    compute = constant_function(np_fn, name, doc)

    def fn(*xs):
        xs = _values(name, *[_integer_data(x, xs) for x in xs])
        for x in xs:
            if x.dtype.kind not in kinds:
                allowed = "integer or boolean" if "b" in kinds else "integer"
                raise TypeError(f"{name}: expects {allowed} Values, got {x.dtype}")
        return compute(*xs)
    fn.__name__, fn.__doc__ = name, doc
    return fn


gcd = _integers("gcd", np.gcd, "iu", "The greatest common divisor, elementwise, >= 0.")
lcm = _integers("lcm", np.lcm, "iu", "The least common multiple, elementwise, >= 0.")
bitwise_and = _integers("bitwise_and", np.bitwise_and, "biu", "a & b, bit by bit.")
bitwise_or = _integers("bitwise_or", np.bitwise_or, "biu", "a | b, bit by bit.")
bitwise_xor = _integers("bitwise_xor", np.bitwise_xor, "biu", "a ^ b, bit by bit.")
bitwise_not = _integers("bitwise_not", np.invert, "biu", "~a, every bit flipped (``not``"
                        " for booleans).")
bitwise_left_shift = _integers("bitwise_left_shift", np.left_shift, "iu",
                               "a << b: a * 2**b in a's integer dtype.")
bitwise_right_shift = _integers("bitwise_right_shift", np.right_shift, "iu",
                                "a >> b: floor(a / 2**b), the sign kept (arithmetic shift).")


class FrexpResult(NamedTuple):
    mantissa: Value
    exponent: Value


_mantissa = constant_function(lambda a: np.frexp(a)[0], "frexp.mantissa",
                              "The mantissa m of x = m * 2**e, 0.5 <= |m| < 1.")
_exponent = constant_function(lambda a: np.frexp(a)[1].astype(np.int32), "frexp.exponent",
                              "The exponent e of x = m * 2**e, int32 as PyTorch's.")


def frexp(input):  # noqa: A002
    """(mantissa, exponent) with input = mantissa * 2**exponent and 0.5 <= |mantissa| < 1
    (``torch.frexp``: an int32 exponent); constants, as PyTorch defines no derivative."""
    x = _value(input, "frexp")
    if x.dtype.kind != "f":
        raise TypeError(f"frexp: expects a float Value, got {x.dtype}")
    return FrexpResult(_mantissa(x), _exponent(x))


_nextafter = constant_function(np.nextafter, "nextafter",
                               "The next float after a toward b, a constant.")


def nextafter(input, other):  # noqa: A002
    """The next representable float after input toward other (``torch.nextafter``), a
    constant of input's dtype."""
    a, b = _values("nextafter", input, other)
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise TypeError(f"nextafter: expects float Values, got {a.dtype} and {b.dtype}")
    return _nextafter(a, b)


# Value methods this family adds (methods attaches them; x.mul, x.eq, x.neg exist already).
METHODS = {name: globals()[name] for name in (
    "absolute", "float_power", "ldexp", "gcd", "lcm", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "frexp",
    "nextafter")}
NUMPY_FUNCTIONS = {}
# numpy's ufuncs of the same maths, answered by this family (interop wires them).
NUMPY_UFUNCS = {
    np.float_power: float_power, np.ldexp: ldexp, np.gcd: gcd, np.lcm: lcm,
    np.bitwise_and: bitwise_and, np.bitwise_or: bitwise_or, np.bitwise_xor: bitwise_xor,
    np.invert: bitwise_not, np.left_shift: bitwise_left_shift,
    np.right_shift: bitwise_right_shift, np.frexp: frexp, np.nextafter: nextafter,
}
