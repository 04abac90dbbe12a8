"""PyTorch's ``torch.testing.assert_close``, for Values, numpy arrays, numbers and nests.

Two values are close when, elementwise,

    |actual - expected| <= atol + rtol * |expected|

with ``rtol`` and ``atol`` by dtype unless both are given (float16 1e-3/1e-5, float32
1.3e-6/1e-5, float64 1e-7/1e-7, complex like their parts, integers and booleans exact; of
two dtypes the looser). Infinities are close only to themselves, NaN only to NaN and only
with ``equal_nan``. As PyTorch's, the check walks sequences and mappings pairwise and
compares what it finds at the leaves:

- None with None, booleans with booleans, Python (and numpy scalar) numbers with numbers;
- tensor-likes (Values, arrays) whose types are directly related (one an instance of the
  other's type: a Value and a Variable yes, a Value and an array no, as PyTorch refuses a
  tensor against an array), after checking their shape, and their dtype unless
  ``check_dtype=False`` (then both are promoted as PyTorch promotes: an int64 and a
  float32 are compared in float32, where numpy would choose float64).

The comparison itself follows ``torch.isclose`` to the rounding: float16 tolerances are
computed in float16, and integers with tolerances in float32, PyTorch's default dtype.
Messages are PyTorch's, word for word, except that shapes print as tuples and dtypes by
numpy's names. There is one device, one layout (strided); strides count elements, as
PyTorch's.

>>> import numpy as np
>>> import autograd_core as ag
>>> assert_close(ag.Value(np.array([1.0, 2.0])), ag.Value(np.array([1.0, 2.0 + 1e-9])))
>>> assert_close(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0]))
Traceback (most recent call last):
  ...
AssertionError: Tensor-likes are not close!
<BLANKLINE>
Mismatched elements: 1 / 3 (33.3%)
Greatest absolute difference: 0.5 at index (1,) (up to 1e-07 allowed)
Greatest relative difference: 0.2 at index (1,) (up to 1e-07 allowed)
"""

import cmath
import collections.abc
import contextlib
import warnings

import numpy as np

__all__ = ["assert_close", "assert_allclose"]

# torch.testing's table, {dtype: (rtol, atol)}; any other dtype is compared exactly.
DTYPE_PRECISIONS = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}
# The dtype PyTorch gives a Python number.
_NUMBER_DTYPES = {int: np.dtype(np.int64), float: np.dtype(np.float64),
                  complex: np.dtype(np.complex128)}


class _Mismatch(Exception):
    """A failed check, its exception type and message, and where in the nest it was."""

    def __init__(self, kind, message, where=()):
        super().__init__(message)
        self.kind, self.message, self.where = kind, message, where

    def error(self, msg=None):
        if isinstance(msg, str):
            return self.kind(msg)
        message = self.message
        if self.where:
            message += "\n\nThe failure occurred for item " + "".join(
                str([item]) for item in self.where)
        return self.kind(msg(message) if callable(msg) else message)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise an AssertionError unless ``actual`` and ``expected`` are close, as
    ``torch.testing.assert_close`` does.

    Args:
        actual, expected: Values, numpy arrays, numbers, booleans, None, or sequences and
            mappings of them (compared item by item; their own types may differ).
        allow_subclasses: False requires tensor-likes of the very same type.
        rtol, atol: relative and absolute tolerance, both or neither; by default from the
            dtypes (see the module's table).
        equal_nan: whether NaN is close to NaN.
        check_device, check_layout: accepted for PyTorch's code: one device, one layout.
        check_dtype: require equal dtypes (equal types for Python numbers); if False,
            compare in the promoted dtype.
        check_stride: require equal strides (in elements).
        msg: replaces the message, or a function of the message that returns the new one.
    Raises:
        AssertionError: a mismatch of values, shapes, dtypes, strides, lengths or keys.
        ValueError: only one of rtol and atol was given.
        TypeError: two leaves that cannot be compared (a Value with an array).
    """
    del check_device, check_layout
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol,
                   equal_nan=equal_nan, check_dtype=check_dtype, check_stride=check_stride)
    try:
        pairs = _pairs(actual, expected, (), options)
    except _Mismatch as mismatch:
        raise mismatch.error() from None
    for compare, where in pairs:
        try:
            compare()
        except _Mismatch as mismatch:
            mismatch.where = where
            raise mismatch.error(msg) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """PyTorch's deprecated ``torch.testing.assert_allclose``: ``assert_close`` without
    the dtype check, NaN equal to NaN, and its own looser default tolerances (float16
    1e-3/1e-3, float32 1e-4/1e-5, float64 1e-5/1e-8); an ``expected`` that is no array or
    Value is made an array of ``actual``'s dtype. Warns FutureWarning, as PyTorch's does."""
    warnings.warn("assert_allclose is deprecated since PyTorch 1.12; use assert_close",
                  FutureWarning, stacklevel=2)
    actual = np.asarray(actual.numpy() if hasattr(actual, "numpy") else actual)
    if hasattr(expected, "numpy") or isinstance(expected, np.ndarray):  # keeps its dtype
        expected = np.asarray(expected.numpy() if hasattr(expected, "numpy") else expected)
    else:
        expected = np.asarray(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        table = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
                 np.dtype(np.float64): (1e-5, 1e-8)}
        rtol, atol = _default_tolerances([actual.dtype, expected.dtype], table)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, msg=msg or None)


# --- walking the nests -----------------------------------------------------------------------

def _pairs(actual, expected, where, options):
    """[(compare, where)]: one check per pair of leaves, made before any is run, so that
    a wrong structure or argument anywhere is reported first."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: "
                            f"{len(actual)} != {len(expected)}", where)
        return [pair for i in range(len(actual))
                for pair in _pairs(actual[i], expected[i], (*where, i), options)]
    if isinstance(actual, collections.abc.Mapping) and \
            isinstance(expected, collections.abc.Mapping):
        keys, other = set(actual.keys()), set(expected.keys())
        if keys != other:
            raise _Mismatch(AssertionError, (
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(other - keys)}\n"
                f"Additional keys in the actual mapping: {sorted(keys - other)}"), where)
        with contextlib.suppress(Exception):
            keys = sorted(keys)
        return [pair for key in keys
                for pair in _pairs(actual[key], expected[key], (*where, key), options)]
    booleans = (bool, np.bool_)
    if isinstance(actual, booleans) and isinstance(expected, booleans):
        # PyTorch's BooleanPair drops its place in the nest: its message names no item.
        return [(lambda: _compare_booleans(bool(actual), bool(expected)), ())]
    return [(_leaf_check(actual, expected, where, options), where)]


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, str)


def _leaf_check(actual, expected, where, options):
    """The check for two leaves (not both booleans), as the first of PyTorch's pair types
    that takes them."""
    if actual is None or expected is None:
        return lambda: _compare_none(actual, expected)
    numbers = (int, float, complex, np.number)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        if isinstance(actual, bool) or isinstance(expected, bool):
            raise _Mismatch(TypeError, "cannot compare a bool with a number "
                            f"({actual!r} and {expected!r}); compare booleans with booleans",
                            where)
        a, e = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        rtol, atol = _tolerances([_NUMBER_DTYPES[type(a)], _NUMBER_DTYPES[type(e)]],
                                 options, where)
        return lambda: _compare_numbers(a, e, rtol, atol, options)
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if options["allow_subclasses"] or type(actual) is type(expected):
        a, e = (_leaf_array(x) if related else None for x in (actual, expected))
    else:
        a = e = None
    if a is None or e is None:
        raise _Mismatch(TypeError, "No comparison pair was able to handle inputs of type "
                        f"{type(actual)} and {type(expected)}.", where)
    rtol, atol = _tolerances([a.dtype, e.dtype], options, where)
    return lambda: _compare_arrays(a, e, rtol, atol, options)


def _leaf_array(x):
    """``x`` as a numpy array of numbers or booleans (a Value's data), else None."""
    try:
        array = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    except Exception:  # whatever fails to become an array is not a tensor-like
        return None
    return array if array.dtype.kind in "biufc" else None


def _tolerances(dtypes, options, where):
    rtol, atol = options["rtol"], options["atol"]
    if (rtol is None) != (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or "
                        f"omitted, but got no {'rtol' if rtol is None else 'atol'}.", where)
    if rtol is None:
        return _default_tolerances(dtypes, DTYPE_PRECISIONS)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not value >= 0:
            raise _Mismatch(ValueError, f"assert_close: {name} must be >= 0, got {value!r}",
                            where)
    return rtol, atol


def _default_tolerances(dtypes, table):
    rtols, atols = zip(*[table.get(np.dtype(dtype), (0.0, 0.0)) for dtype in dtypes])
    return max(rtols), max(atols)


# --- the leaves ------------------------------------------------------------------------------

def _compare_none(actual, expected):
    if not (actual is None and expected is None):
        raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}")


def _compare_booleans(actual, expected):
    if actual is not expected:
        raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}")


def _compare_numbers(actual, expected, rtol, atol, options):
    if options["check_dtype"] and type(actual) is not type(expected):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != "
                        f"{type(expected)}.")
    if actual == expected:
        return
    if options["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
        return
    error = abs(actual - expected)
    if cmath.isfinite(error) and error <= atol + rtol * abs(expected):
        return
    raise _Mismatch(AssertionError, _scalar_message(actual, expected, rtol, atol))


def _compare_arrays(actual, expected, rtol, atol, options):
    """Shape, dtype and strides, then the values, as PyTorch's TensorLikePair."""
    def differ(attribute, a, e):
        raise _Mismatch(AssertionError, f"The values for attribute '{attribute}' do not "
                        f"match: {a} != {e}.")

    if actual.shape != expected.shape:
        differ("shape", actual.shape, expected.shape)
    if options["check_stride"] and _strides(actual) != _strides(expected):
        differ("stride()", _strides(actual), _strides(expected))
    if options["check_dtype"] and actual.dtype != expected.dtype:
        differ("dtype", actual.dtype, expected.dtype)
    if actual.dtype != expected.dtype:
        dtype = _promote(actual.dtype, expected.dtype)
        actual, expected = actual.astype(dtype), expected.astype(dtype)
    matches = _isclose(actual, expected, rtol, atol, options["equal_nan"])
    if matches.all():
        return
    if actual.shape == ():
        message = _scalar_message(actual.item(), expected.item(), rtol, atol)
    else:
        message = _array_message(actual, expected, matches, rtol, atol)
    raise _Mismatch(AssertionError, message)


def _strides(array):
    """Strides in elements, PyTorch's ``stride()``."""
    return tuple(step // array.itemsize for step in array.strides)


def _promote(a, b):
    """PyTorch's ``promote_types``: the higher category (bool < integer < float <
    complex) wins whatever its size; within one category, numpy's rule; uint16 and wider
    are taken as int64 (as assert_close does)."""
    a, b = (np.dtype(np.int64) if d.kind == "u" and d.itemsize > 1 else d for d in (a, b))
    rank = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    if rank[a.kind] == rank[b.kind] or {a.kind, b.kind} == {"f", "c"}:
        return np.promote_types(a, b)
    return a if rank[a.kind] > rank[b.kind] else b


def _isclose(actual, expected, rtol, atol, equal_nan):
    """``torch.isclose``, rounding where it rounds: booleans and integers meet their
    tolerance in float32 (PyTorch's default dtype); float16 is computed in float32 and
    rounded back after each step; other dtypes compute in their own precision."""
    with np.errstate(all="ignore"):  # inf - inf is a NaN that fails, not a warning
        return _isclose_quietly(actual, expected, rtol, atol, equal_nan)


def _isclose_quietly(actual, expected, rtol, atol, equal_nan):
    close = actual == expected
    if equal_nan and actual.dtype.kind in "fc":
        close |= np.isnan(actual) & np.isnan(expected)
    if rtol == 0 and atol == 0:
        return close
    rtol, atol, f32 = float(rtol), float(atol), np.float32
    if actual.dtype.kind in "bui":
        a, e = (x.astype(f32) if x.dtype.kind == "b" else x for x in (actual, expected))
        allowed = f32(atol) + np.abs(f32(rtol) * e.astype(f32))
        error = np.abs(a - e).astype(f32)
    elif actual.dtype == np.float16:
        half = np.float16
        scaled = (f32(rtol) * expected.astype(f32)).astype(half)
        allowed = (f32(atol) + np.abs(scaled).astype(f32)).astype(half)
        error = np.abs((actual.astype(f32) - expected.astype(f32)).astype(half))
    else:  # Python floats stay weak: the products keep the arrays' dtype (NEP 50)
        allowed = atol + np.abs(rtol * expected)
        error = np.abs(actual - expected)
    return close | (np.isfinite(error) & (error <= allowed))


# --- messages --------------------------------------------------------------------------------

def _scalar_message(actual, expected, rtol, atol):
    error = abs(actual - expected)
    relative = float("inf") if expected == 0 else error / abs(expected)
    return _message("Scalars", f"Expected {expected} but got {actual}.",
                    ("Absolute difference", error, None, atol),
                    ("Relative difference", relative, None, rtol), rtol, atol)


def _array_message(actual, expected, matches, rtol, atol):
    mismatched, total = int(matches.size - matches.sum()), matches.size
    extra = f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"
    a, e, same = actual.ravel(), expected.ravel(), matches.ravel()
    if a.dtype.kind in "bui":  # as PyTorch: differences in int64, their ratios in float32
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        error = np.abs(a - e)
        error[same] = 0
        if error.dtype.kind == "i":
            relative = error.astype(np.float32) / np.abs(e).astype(np.float32)
        else:
            relative = error / np.abs(e).astype(error.dtype)
    relative[same] = 0
    worst = [np.unravel_index(int(np.argmax(x)), matches.shape) for x in (error, relative)]
    worst = [tuple(int(i) for i in index) for index in worst]
    return _message("Tensor-likes", extra,
                    ("Greatest absolute difference", error.max().item(), worst[0], atol),
                    ("Greatest relative difference", relative.max().item(), worst[1], rtol),
                    rtol, atol)


def _message(what, extra, *lines_and_tolerances):
    """PyTorch's mismatch message: a title, ``extra``, then one line per difference."""
    *lines, rtol, atol = lines_and_tolerances
    equality = rtol == 0 and atol == 0
    text = f"{what} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    for title, diff, index, tol in lines:
        text += f"{title}: {diff}" + (f" at index {index}" if index is not None else "")
        text += "" if equality else f" (up to {tol} allowed)"
        text += "\n"
    return text.strip()
