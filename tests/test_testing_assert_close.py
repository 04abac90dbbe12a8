"""Tests for ag.testing.assert_close against torch.testing.assert_close: the same verdict
(and, for values, the same message) on hypothesis-generated pairs of arrays, Values,
numbers and nests of them, with NaN, infinities, integers and mixed dtypes."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.testing import assert_allclose, assert_close

torch = pytest.importorskip("torch")  # the reference: PyTorch's own assert_close

DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.complex128, np.int8, np.int32,
          np.int64, np.uint8, np.bool_]


def to_torch(x):
    """The same nest with torch tensors where ours has arrays or Values."""
    if isinstance(x, ag.Value):
        return torch.from_numpy(np.array(x.numpy()))
    if isinstance(x, np.ndarray):
        return torch.from_numpy(x.copy())
    if isinstance(x, (list, tuple)):
        return type(x)(to_torch(v) for v in x)
    if isinstance(x, dict):
        return {k: to_torch(v) for k, v in x.items()}
    return x


def outcome(check, actual, expected, **options):
    """'pass', or the exception's type and message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            check(actual, expected, **options)
    except Exception as error:  # the verdict is what is compared
        return type(error).__name__, str(error)
    return "pass"


def assert_same_as_torch(actual, expected, **options):
    ours = outcome(assert_close, actual, expected, **options)
    theirs = outcome(torch.testing.assert_close, to_torch(actual), to_torch(expected),
                     **options)
    assert ours[0] == theirs[0], (ours, theirs)
    # Shapes, dtypes and types print by numpy's and our names here (documented); the
    # messages about values word for word.
    if ours != "pass" and ours[0] == "AssertionError" and "for attribute" not in theirs[1]:
        assert ours[1] == theirs[1]
    return ours


# --- hypothesis: pairs that are close, nearly close, or not -----------------------------------

@st.composite
def array_pairs(draw):
    dtype_a = np.dtype(draw(st.sampled_from(DTYPES)))
    dtype_b = dtype_a if draw(st.booleans()) else np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple))
    size = int(np.prod(shape))
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 1e-6, 1e4]
    values = draw(st.lists(st.one_of(st.floats(-100, 100), st.sampled_from(special)),
                           min_size=size, max_size=size))
    a = np.array(values, dtype=np.float64).reshape(shape)
    if dtype_a.kind in "biu":
        a = np.nan_to_num(a, posinf=7, neginf=-7)
        a = np.clip(a, 0 if dtype_a.kind in "bu" else -100, 100)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)  # complex to real
        a = a.astype(dtype_a)
        b = a.astype(dtype_b)
        if size and draw(st.booleans()):     # nudge some elements by a relative amount
            mask = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)))
            scale = draw(st.sampled_from([1e-9, 1e-7, 2e-6, 1e-5, 1e-3, 0.1, 1.0]))
            nudged = b.astype(np.float64) if b.dtype.kind != "c" else b.astype(np.complex128)
            nudged = np.where(mask.reshape(shape), nudged * (1 + scale) + scale, nudged)
            b = nudged.astype(dtype_b) if dtype_b.kind not in "b" else nudged != 0
    if draw(st.integers(0, 9)) == 0 and size:  # now and then a shape that differs
        b = b.reshape(-1)[:-1]
    return np.asarray(a), np.asarray(b)


@st.composite
def options(draw):
    given_tolerances = draw(st.sampled_from(["default", "both", "rtol only"]))
    kwargs = {"equal_nan": draw(st.booleans()), "check_dtype": draw(st.booleans())}
    if given_tolerances == "both":
        kwargs["rtol"] = draw(st.sampled_from([0, 0.0, 1e-6, 1e-3, 0.1]))
        kwargs["atol"] = draw(st.sampled_from([0, 0.0, 1e-8, 1e-5, 0.5]))
    elif given_tolerances == "rtol only":
        kwargs["rtol"] = 1e-3
    return kwargs


numbers = st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0.1, 0.1 + 1e-17, 1e-9, 1e-10, float("nan")]))
leaf_pairs = st.one_of(
    array_pairs(),
    st.tuples(numbers, numbers),
    st.floats(-10, 10).map(lambda x: (x, x * (1 + 1e-8))),
    st.tuples(st.booleans(), st.booleans()),
    st.tuples(st.sampled_from([None, 1.0]), st.sampled_from([None, 1.0])),
)


def nests(pairs):
    """A pair of nests with the same shape, their leaves drawn from ``pairs``."""
    return st.recursive(pairs, lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: ([a for a, _ in items],
                                                       tuple(b for _, b in items))),
        st.dictionaries(st.sampled_from("abc"), inner, max_size=3).map(
            lambda d: ({k: a for k, (a, _) in d.items()}, {k: b for k, (_, b) in d.items()}))),
        max_leaves=4)


@settings(max_examples=400, deadline=None)
@given(pair=array_pairs(), kwargs=options())
def test_arrays_get_torchs_verdict_and_message(pair, kwargs):
    assert_same_as_torch(*pair, **kwargs)


@settings(max_examples=300, deadline=None)
@given(pair=nests(leaf_pairs), kwargs=options())
def test_nests_of_arrays_numbers_and_none_get_torchs_verdict(pair, kwargs):
    assert_same_as_torch(*pair, **kwargs)


@settings(max_examples=100, deadline=None)
@given(pair=array_pairs().filter(lambda p: p[0].dtype.kind == "f" and p[1].dtype.kind == "f"),
       kwargs=options())
def test_values_get_torchs_verdict(pair, kwargs):
    a, b = (ag.Value(x.copy(), dtype=x.dtype) for x in pair)
    assert_same_as_torch(a, b, **kwargs)


def test_the_generator_makes_both_verdicts():
    """Guards the tests above against comparing only passes (or only failures)."""
    seen = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(pair=array_pairs())
    def run(pair):
        seen.add(outcome(assert_close, *pair) == "pass")

    run()
    assert seen == {True, False}


# --- fixed cases: PyTorch's own examples and messages -----------------------------------------

def test_pytorchs_docstring_messages_word_for_word():
    expected, actual = np.array([1.0, 2.0, 3.0], np.float32), np.array([1.0, 4.0, 5.0], np.float32)
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, msg=lambda msg: f"Header\n\n{msg}\n\nFooter")
    assert str(info.value) == (
        "Header\n\nTensor-likes are not close!\n\nMismatched elements: 2 / 3 (66.7%)\n"
        "Greatest absolute difference: 2.0 at index (1,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 1.0 at index (1,) (up to 1.3e-06 allowed)\n\nFooter")
    with pytest.raises(AssertionError, match=r"\AArgh, the tensors are not close!\Z"):
        assert_close(actual, expected, msg="Argh, the tensors are not close!")
    with pytest.raises(AssertionError) as info:
        assert_close(1e-9, 1e-10, rtol=0, atol=0)
    assert str(info.value) == ("Scalars are not equal!\n\nExpected 1e-10 but got 1e-09.\n"
                               "Absolute difference: 9.000000000000001e-10\n"
                               "Relative difference: 9.0")
    nan = np.array(np.nan, np.float32)
    with pytest.raises(AssertionError) as info:
        assert_close(nan, nan.copy())
    assert str(info.value) == ("Scalars are not close!\n\nExpected nan but got nan.\n"
                               "Absolute difference: nan (up to 1e-05 allowed)\n"
                               "Relative difference: nan (up to 1.3e-06 allowed)")
    assert_close(nan, nan.copy(), equal_nan=True)
    assert_close(1.0, 1, check_dtype=False)


def test_one_mismatch_in_three_and_an_index_in_two_dimensions():
    got = assert_same_as_torch(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.5]))
    assert got[1].startswith("Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)"
                             "\nGreatest absolute difference: 0.5 at index (2,) (up to 1e-07 "
                             "allowed)\nGreatest relative difference: ")
    got = assert_same_as_torch(np.arange(6).reshape(2, 3), np.array([[0, 1, 2], [3, 9, 5]]))
    assert "Tensor-likes are not equal!" in got[1] and "at index (1, 1)" in got[1]


@pytest.mark.parametrize("actual,expected,error,message", [
    (np.ones(2), np.ones(3), AssertionError,
     r"attribute 'shape' do not match: \(2,\) != \(3,\)\."),
    (np.ones(2, np.float32), np.ones(2), AssertionError,
     "attribute 'dtype' do not match: float32 != float64"),
    ([1.0, 2.0], (1.0,), AssertionError, "The length of the sequences mismatch: 2 != 1"),
    ({"a": 1.0}, {"b": 1.0}, AssertionError,
     r"Missing keys in the actual mapping: \['b'\]\nAdditional keys in the actual mapping: "
     r"\['a'\]"),
    (ag.Value(np.ones(2)), np.ones(2), TypeError,
     "No comparison pair was able to handle inputs of type <class 'autograd_core.value.Value'> "
     "and <class 'numpy.ndarray'>"),
    ([np.ones(2), {"x": 1.0}], [np.ones(2), {"x": 2.0}], AssertionError,
     r"The failure occurred for item \[1\]\['x'\]"),
])
def test_mismatches_of_form_say_what_differs(actual, expected, error, message):
    with pytest.raises(error, match=message):
        assert_close(actual, expected)
    torch_error = outcome(torch.testing.assert_close, to_torch(actual), to_torch(expected))[0]
    assert torch_error == error.__name__ or isinstance(actual, ag.Value)


def test_rtol_and_atol_come_together_as_in_pytorch():
    for kwargs, missing in (({"rtol": 1e-3}, "atol"), ({"atol": 1e-3}, "rtol")):
        with pytest.raises(ValueError, match=f"Both 'rtol' and 'atol' must be either specified "
                                             f"or omitted, but got no {missing}."):
            assert_close(np.ones(2), np.ones(2), **kwargs)
    with pytest.raises(ValueError, match="assert_close: rtol must be >= 0, got -1"):
        assert_close(np.ones(2), np.ones(2), rtol=-1, atol=0)


def test_default_tolerances_are_pytorchs_table():
    """Just inside and just outside each dtype's atol + rtol * |expected| (at 1.0)."""
    for dtype, (rtol, atol) in {np.float16: (1e-3, 1e-5), np.float32: (1.3e-6, 1e-5),
                                np.float64: (1e-7, 1e-7)}.items():
        one = np.ones(1, dtype)
        inside = np.array([1 + 0.5 * (rtol + atol)], np.float64).astype(dtype)
        outside = np.array([1 + 3 * (rtol + atol)], np.float64).astype(dtype)
        assert_close(inside, one)
        assert_same_as_torch(inside, one)
        with pytest.raises(AssertionError):
            assert_close(outside, one)
        assert_same_as_torch(outside, one)
    with pytest.raises(AssertionError, match="Tensor-likes are not equal!"):
        assert_close(np.array([3], np.int64), np.array([4], np.int64))


def test_strides_are_checked_only_when_asked():
    a = np.arange(6.0).reshape(2, 3)
    b = np.asfortranarray(a)
    assert_close(a, b)
    with pytest.raises(AssertionError, match=r"'stride\(\)' do not match: \(3, 1\) != \(1, 2\)"):
        assert_close(a, b, check_stride=True)
    assert outcome(torch.testing.assert_close, torch.from_numpy(a), torch.from_numpy(b),
                   check_stride=True)[0] == "AssertionError"


def test_assert_allclose_is_pytorchs_deprecated_one():
    assert hasattr(torch.testing, "assert_allclose")  # still in the PyTorch we port
    with pytest.warns(FutureWarning, match="deprecated"):
        assert_allclose(np.array([1.0, np.nan], np.float32), [1.00005, np.nan])
    verdicts = []
    for actual, expected in [(np.array([1.0], np.float32), [1.0002]),   # float32's 1e-4
                             (np.array([1.0]), [1.0 + 2e-5]),              # float64's 1e-5
                             (np.array([1.0]), np.array([1.0 + 2e-5], np.float32))]:  # looser
        ours = outcome(assert_allclose, actual, expected)
        theirs = outcome(torch.testing.assert_allclose, torch.from_numpy(actual),
                         torch.from_numpy(expected) if isinstance(expected, np.ndarray)
                         else expected)
        assert ours == theirs
        verdicts.append(ours == "pass")
    assert verdicts == [False, False, True]
    assert ag.testing.assert_close is assert_close


def test_mixed_dtypes_meet_in_pytorchs_promoted_dtype():
    """int64 with float32 is compared in float32 (numpy would pick float64), where
    2**24 + 1 rounds to 2**24; float16 with int64 in float16."""
    big = np.array([2**24 + 1], np.int64)
    assert assert_same_as_torch(big, np.array([2.0**24], np.float32), check_dtype=False,
                                rtol=0, atol=0) == "pass"
    assert assert_same_as_torch(np.array([2049], np.int64), np.array([2048], np.float16),
                                check_dtype=False, rtol=0, atol=0) == "pass"
    assert assert_same_as_torch(big, np.array([2.0**24]), check_dtype=False, rtol=0,
                                atol=0)[0] == "AssertionError"
