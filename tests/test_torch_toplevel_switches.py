"""PyTorch's remaining top-level names, each against torch itself: the global switches
(determinism, matmul precision, default device, interop threads, denormals, warn-always,
anomaly mode, typename, is_inference), autocast, the window functions, and the
compositions (cumulative_trapezoid, frobenius/nuclear norms, asarray, frombuffer,
split_with_sizes, the ``*_copy`` twins, index_put, put, the in-place functions).

Values, dtypes and errors against torch; gradients and second derivatives through
``compare_with_torch``; settings round-trips, and per-thread or per-process as PyTorch's.
"""

import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import torch_switches
from autograd_core.ops import torch_copies
from derivatives import compare_with_torch

torch = pytest.importorskip("torch")

FEW = settings(max_examples=25, deadline=None)


def same_error(ours, theirs, match=None):
    """Both calls raise, the same exception type; ours names the function (``match``)."""
    with pytest.raises(Exception) as t_err:
        theirs()
    with pytest.raises(type(t_err.value), match=match):
        ours()


def in_thread(fn):
    found = []
    thread = threading.Thread(target=lambda: found.append(fn()))
    thread.start()
    thread.join()
    return found[0]


# --- global switches ----------------------------------------------------------------------


@pytest.fixture
def deterministic_restored():
    yield
    ag.use_deterministic_algorithms(False)
    torch.use_deterministic_algorithms(False)


@pytest.mark.parametrize("call", [
    ("use", (True,), {}), ("use", (True,), {"warn_only": True}), ("use", (False,), {}),
    ("debug", (0,), {}), ("debug", (1,), {}), ("debug", (2,), {}), ("debug", ("warn",), {}),
    ("debug", ("error",), {}), ("debug", ("default",), {})])
def test_deterministic_settings_round_trip_as_torch(call, deterministic_restored):
    kind, args, kwargs = call
    for lib in (ag, torch):
        lib.use_deterministic_algorithms(True)   # start away from the default
        setter = (lib.use_deterministic_algorithms if kind == "use"
                  else lib.set_deterministic_debug_mode)
        setter(*args, **kwargs)
    assert ag.are_deterministic_algorithms_enabled() == \
        torch.are_deterministic_algorithms_enabled()
    assert ag.is_deterministic_algorithms_warn_only_enabled() == \
        torch.is_deterministic_algorithms_warn_only_enabled()
    assert ag.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
    # per process, as PyTorch's: another thread sees it
    assert in_thread(ag.are_deterministic_algorithms_enabled) == \
        ag.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("bad", [3, -1, "x", 1.0, None])
def test_deterministic_debug_mode_errors_change_nothing(bad, deterministic_restored):
    ag.set_deterministic_debug_mode(1)
    same_error(lambda: ag.set_deterministic_debug_mode(bad),
               lambda: torch.set_deterministic_debug_mode(bad), "set_deterministic_debug_mode")
    assert ag.get_deterministic_debug_mode() == 1


@pytest.mark.parametrize("bad", [1, "yes", None])
def test_use_deterministic_algorithms_takes_a_bool(bad, deterministic_restored):
    same_error(lambda: ag.use_deterministic_algorithms(bad),
               lambda: torch.use_deterministic_algorithms(bad), "use_deterministic_algorithms")
    assert not ag.are_deterministic_algorithms_enabled()


def test_float32_matmul_precision_round_trip_and_validation():
    try:
        for precision in ("high", "medium", "highest"):
            ag.set_float32_matmul_precision(precision)
            torch.set_float32_matmul_precision(precision)
            assert ag.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        ag.set_float32_matmul_precision("medium")
        assert in_thread(ag.get_float32_matmul_precision) == "medium"   # per process
        with pytest.warns(UserWarning, match="'low' is not one of"):
            ag.set_float32_matmul_precision("low")   # ignored, as PyTorch ignores it
        assert ag.get_float32_matmul_precision() == "medium"
        same_error(lambda: ag.set_float32_matmul_precision(1),
                   lambda: torch.set_float32_matmul_precision(1),
                   "set_float32_matmul_precision")
        assert ag.get_float32_matmul_precision() == "medium"
    finally:
        ag.set_float32_matmul_precision("highest")
        torch.set_float32_matmul_precision("highest")


def test_default_device_is_the_cpu_and_others_are_refused():
    ag.set_default_device("cpu")
    ag.set_default_device(None)
    assert ag.get_default_device() == "cpu" == str(torch.get_default_device())
    with pytest.raises(ValueError, match="set_default_device: .*'cuda:0'"):
        ag.set_default_device("cuda:0")
    assert ag.get_default_device() == "cpu"


def test_interop_threads_flush_denormal_and_init():
    before = ag.get_num_interop_threads()
    assert isinstance(before, int) and before >= 1
    try:
        ag.set_num_interop_threads(3)
        assert ag.get_num_interop_threads() == 3
        for bad in (0, -1, 1.5):
            same_error(lambda: ag.set_num_interop_threads(bad),
                       lambda: torch.set_num_interop_threads(bad), "set_num_interop_threads")
        assert ag.get_num_interop_threads() == 3
    finally:
        torch_switches._switches.interop_threads = None   # back to "not set"
    assert ag.init_num_threads() is None and torch.init_num_threads() is None
    # PyTorch returns whether flushing is supported; numpy cannot flush
    assert ag.set_flush_denormal(True) is False and ag.set_flush_denormal(False) is False
    assert isinstance(torch.set_flush_denormal(False), bool)
    tiny = np.float32(1e-40)
    assert (ag.tensor([tiny]) * 1).numpy()[0] == tiny   # denormals are kept
    with pytest.raises(TypeError, match="set_flush_denormal: mode"):
        ag.set_flush_denormal(1)


def test_warn_always_round_trip_per_process():
    try:
        for flag in (True, False, True):
            ag.set_warn_always(flag)
            torch.set_warn_always(flag)
            assert ag.is_warn_always_enabled() == torch.is_warn_always_enabled() == flag
        assert in_thread(ag.is_warn_always_enabled) is True
        same_error(lambda: ag.set_warn_always(1), lambda: torch.set_warn_always(1),
                   "set_warn_always")
        assert ag.is_warn_always_enabled() is True
    finally:
        ag.set_warn_always(False)
        torch.set_warn_always(False)


def test_set_anomaly_enabled_is_this_threads_anomaly_mode():
    assert ag.is_anomaly_enabled() == torch.is_anomaly_enabled() is False
    assert ag.is_anomaly_check_nan_enabled() == torch.is_anomaly_check_nan_enabled() is True
    try:
        ag.set_anomaly_enabled(True)
        assert ag.is_anomaly_enabled() is True
        assert in_thread(ag.is_anomaly_enabled) is False   # per thread here
        x = ag.Variable(np.array([-1.0]))
        with pytest.raises(FloatingPointError), np.errstate(invalid="ignore"):
            ag.sqrt(x)
        ag.set_anomaly_enabled(True, False)    # checks nothing
        assert ag.is_anomaly_enabled() is False
        with np.errstate(invalid="ignore"):
            assert np.isnan(ag.sqrt(x).numpy()).all()
        ag.set_anomaly_enabled(True)
        same_error(lambda: ag.set_anomaly_enabled(1), lambda: torch.set_anomaly_enabled(1),
                   "set_anomaly_enabled")
        assert ag.is_anomaly_enabled() is True
    finally:
        ag.set_anomaly_enabled(False)
    assert ag.is_anomaly_enabled() is False


def test_is_inference_and_typename_as_torch():
    with ag.inference_mode():
        made_inside = ag.ones(2)
    assert ag.is_inference(ag.ones(2)) is False and ag.is_inference(made_inside) is False
    same_error(lambda: ag.is_inference(3), lambda: torch.is_inference(3), "is_inference")
    for dtype in ("float32", "float64", "float16", "int64", "int32", "int16", "int8",
                  "uint8", "bool"):
        assert ag.typename(ag.zeros(2, dtype=dtype)) == \
            torch.typename(torch.zeros(2, dtype=getattr(torch, dtype))), dtype
    for obj in (3, "a", [1], None, int, np.zeros(2), threading.Thread, ag.Value):
        expected = torch.typename(obj) if obj is not ag.Value else "autograd_core.value.Value"
        assert ag.typename(obj) == expected


# --- autocast ------------------------------------------------------------------------------


def test_autocast_that_would_not_cast_is_a_no_op():
    x = ag.Variable(np.ones((2, 2), np.float32))
    with ag.autocast("cpu", enabled=False):
        y = x @ x
    assert y.dtype == np.float32

    @ag.autocast("cpu", enabled=False)
    def f(v):
        return (v * 2).sum()
    assert float(f(x)) == 8.0
    for dtype, torch_dtype in ((ag.float32, torch.float32), (ag.float64, torch.float64)):
        with pytest.warns(UserWarning):
            with torch.autocast("cpu", dtype=torch_dtype):
                pass
        with pytest.warns(UserWarning, match="autocast is disabled"):
            with ag.autocast("cpu", dtype=dtype):
                assert (x @ x).dtype == np.float32
                assert ag.is_autocast_enabled() is False
    with pytest.warns(UserWarning, match="'cuda' is not available"):
        with ag.autocast("cuda"):
            assert (x * 1).dtype == np.float32


@pytest.mark.parametrize("kwargs", [{}, {"dtype": ag.float16}, {"dtype": "bfloat16"}])
def test_half_precision_autocast_is_refused(kwargs):
    with pytest.raises(NotImplementedError, match="autocast: .*Run in float32"):
        ag.autocast("cpu", **kwargs)
    with pytest.raises(NotImplementedError, match="Run in float32"):
        ag.set_autocast_enabled("cpu", True)
    assert ag.is_autocast_enabled("cpu") is False
    ag.set_autocast_enabled("cpu", False)
    ag.set_autocast_enabled(False)


def test_autocast_device_type_errors_as_torch():
    same_error(lambda: ag.autocast("foo"), lambda: torch.autocast("foo"), "autocast")
    same_error(lambda: ag.is_autocast_enabled("foo"), lambda: torch.is_autocast_enabled("foo"),
               "is_autocast_enabled")
    with pytest.raises(TypeError, match="autocast: enabled"):
        ag.autocast("cpu", enabled=1)


# --- window functions --------------------------------------------------------------------


WINDOWS = [("hann_window", {}), ("hamming_window", {}), ("hamming_window",
                                                       {"alpha": 0.5, "beta": 0.4}),
           ("blackman_window", {}), ("bartlett_window", {}), ("kaiser_window", {}),
           ("kaiser_window", {"beta": 5.0})]


@pytest.mark.parametrize("name, extra", WINDOWS)
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_windows_match_torch(name, extra, periodic, dtype):
    ours, theirs = getattr(ag, name), getattr(torch, name)
    for n in range(0, 9):
        got = ours(n, periodic, dtype=getattr(ag, dtype), **extra)
        expected = theirs(n, periodic, dtype=getattr(torch, dtype), **extra).numpy()
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=2e-7)
        assert not got.requires_grad
    assert ours(5).dtype == np.float32 and ours(5).shape == (5,)   # periodic, float32


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window",
                                  "bartlett_window", "kaiser_window"])
def test_window_errors_as_torch(name):
    ours, theirs = getattr(ag, name), getattr(torch, name)
    same_error(lambda: ours(-1), lambda: theirs(-1), f"{name}: window_length")
    same_error(lambda: ours(2.5), lambda: theirs(2.5), f"{name}: window_length")
    same_error(lambda: ours(True), lambda: theirs(True), name)
    same_error(lambda: ours(3, dtype=ag.int64), lambda: theirs(3, dtype=torch.int64),
               f"{name}: expects a floating point dtype")


# --- compositions -------------------------------------------------------------------------


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4),
       data=st.data(), seed=st.integers(0, 2**31))
def test_cumulative_trapezoid(shape, data, seed):
    rng = np.random.default_rng(seed)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    y = rng.normal(size=shape)
    compare_with_torch(lambda v: ag.cumulative_trapezoid(v, dim=dim),
                       lambda t: torch.cumulative_trapezoid(t, dim=dim), y)
    compare_with_torch(lambda v: ag.cumulative_trapezoid(v, dx=0.5, dim=dim),
                       lambda t: torch.cumulative_trapezoid(t, dx=0.5, dim=dim), y)
    x = np.cumsum(rng.uniform(0.1, 1.0, shape[dim]))
    compare_with_torch(lambda v, s: ag.cumulative_trapezoid(v, s, dim=dim),
                       lambda t, s: torch.cumulative_trapezoid(t, s, dim=dim), y, x)
    xs = np.cumsum(rng.uniform(0.1, 1.0, shape), axis=dim)
    compare_with_torch(lambda v, s: ag.cumulative_trapezoid(v, s, dim=dim),
                       lambda t, s: torch.cumulative_trapezoid(t, s, dim=dim), y, xs)


def test_cumulative_trapezoid_errors():
    y = np.ones((2, 3))
    same_error(lambda: ag.cumulative_trapezoid(ag.tensor(y), ag.tensor([0.0, 1.0])),
               lambda: torch.cumulative_trapezoid(torch.tensor(y), torch.tensor([0.0, 1.0])),
               "cumulative_trapezoid: x of shape .*one x value for each sample point")
    same_error(lambda: ag.cumulative_trapezoid(ag.tensor(1.0)),
               lambda: torch.cumulative_trapezoid(torch.tensor(1.0)), "cumulative_trapezoid")
    with pytest.raises(TypeError, match="cumulative_trapezoid: give x or dx"):
        ag.cumulative_trapezoid(ag.tensor(y), ag.tensor([0.0, 1.0, 2.0]), dx=1.0)


@pytest.mark.parametrize("dim, keepdim", [((0, 1), False), (1, True), ((-1,), False),
                                          ((2, 0), True)])
def test_frobenius_norm(dim, keepdim):
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)   # torch's deprecation note
        compare_with_torch(lambda v: ag.frobenius_norm(v, dim, keepdim),
                           lambda t: torch.frobenius_norm(t, dim, keepdim), x)
        same_error(lambda: ag.frobenius_norm(ag.tensor(x), (0, 1, 2)),
                   lambda: torch.frobenius_norm(torch.tensor(x), (0, 1, 2)), "frobenius_norm")


@pytest.mark.parametrize("shape, args", [((3, 4), ()), ((3, 4), (True,)),
                                         ((2, 3, 4), ((0, 2),)), ((2, 3, 4), ((2, 1), True))])
def test_nuclear_norm(shape, args):
    x = np.random.default_rng(1).normal(size=shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        compare_with_torch(lambda v: ag.nuclear_norm(v, *args),
                           lambda t: torch.nuclear_norm(t, *args), x, rtol=1e-6, atol=1e-9)
        same_error(lambda: ag.nuclear_norm(ag.tensor(x.reshape(-1))),
                   lambda: torch.nuclear_norm(torch.tensor(x.reshape(-1))), "nuclear_norm")


def test_conjugation_questions_of_real_data():
    x = ag.Variable(np.array([[1.0, -2.0]]))
    t = torch.tensor([[1.0, -2.0]])
    np.testing.assert_array_equal(ag.isreal(x).numpy(), torch.isreal(t).numpy())
    assert ag.isreal(x).dtype == np.bool_
    assert ag.is_conj(x) is torch.is_conj(t) is False
    assert ag.is_neg(x) is torch.is_neg(t) is False
    for name in ("resolve_conj", "resolve_neg", "conj_physical"):
        assert getattr(ag, name)(x) is x
    compare_with_torch(ag.conj_physical, torch.conj_physical, np.array([1.0, -3.0]))


def test_scalar_tensor_as_torch():
    for s, kwargs in ((3, {}), (2.5, {}), (True, {}), (3, {"dtype": "int64"}),
                      (1.5, {"dtype": "float64"})):
        got = ag.scalar_tensor(s, **kwargs)
        t_kwargs = {"dtype": getattr(torch, kwargs["dtype"])} if kwargs else {}
        expected = torch.scalar_tensor(s, **t_kwargs).numpy()
        assert got.shape == () and got.dtype == expected.dtype and got.item() == expected
    same_error(lambda: ag.scalar_tensor([1.0]), lambda: torch.scalar_tensor([1.0]),
               "scalar_tensor")


def test_asarray_shares_numpy_memory_as_torch():
    a = np.arange(3.0)
    v, t = ag.asarray(a), torch.asarray(a)
    a[0] = 7.0
    assert v.numpy()[0] == t[0].item() == 7.0
    assert v.dtype == np.float64
    with ag.no_grad():
        v.mul_(2)
    assert a[0] == 14.0      # and writes go back
    copied = ag.asarray(a, copy=True)
    a[1] = -1.0
    assert copied.numpy()[1] == 2.0
    assert ag.asarray(a, dtype=ag.float32).dtype == np.float32
    same_error(lambda: ag.asarray(a, dtype=ag.float32, copy=False),
               lambda: torch.asarray(a, dtype=torch.float32, copy=False), "asarray")
    assert ag.asarray(a, requires_grad=True).requires_grad


def test_asarray_of_values_lists_and_numbers():
    x = ag.ones(2)
    assert ag.asarray(x) is x
    assert ag.asarray(x, copy=True) is not x
    for obj in ([1, 2], [1.0, 2.0], 3.0, np.float64(3.0), [True]):
        got, expected = ag.asarray(obj), torch.asarray(obj).numpy()
        assert got.dtype == expected.dtype, obj
        np.testing.assert_array_equal(got.numpy(), expected)
    same_error(lambda: ag.asarray([1, 2], requires_grad=True),
               lambda: torch.asarray([1, 2], requires_grad=True), "asarray")
    with pytest.raises(ValueError, match="asarray: .*cuda"):
        ag.asarray([1.0], device="cuda")


def test_frombuffer_as_torch():
    buffer = bytearray(np.arange(4, dtype=np.float32).tobytes())
    for kwargs in ({}, {"count": 2}, {"offset": 4}, {"count": 1, "offset": 8}):
        got = ag.frombuffer(buffer, dtype=ag.float32, **kwargs)
        expected = torch.frombuffer(buffer, dtype=torch.float32, **kwargs).numpy()
        np.testing.assert_array_equal(got.numpy(), expected)
        assert got.dtype == expected.dtype
    shared = ag.frombuffer(buffer, dtype=ag.float32)
    buffer[0:4] = np.float32(9.0).tobytes()
    assert shared.numpy()[0] == 9.0      # the buffer's memory, as PyTorch's
    for kwargs in ({"count": 5}, {"offset": 17}, {"offset": -1}):
        same_error(lambda: ag.frombuffer(buffer, dtype=ag.float32, **kwargs),
                   lambda: torch.frombuffer(buffer, dtype=torch.float32, **kwargs),
                   "frombuffer")
    same_error(lambda: ag.frombuffer(bytearray(0), dtype=ag.float32),
               lambda: torch.frombuffer(bytearray(0), dtype=torch.float32), "frombuffer")
    same_error(lambda: ag.frombuffer(bytearray(7), dtype=ag.float32),
               lambda: torch.frombuffer(bytearray(7), dtype=torch.float32), "frombuffer")
    with pytest.warns(UserWarning, match="frombuffer: the buffer is not writable"):
        read_only = ag.frombuffer(b"\x00\x00\x80\x3f", dtype=ag.float32)
    assert read_only.numpy().tolist() == [1.0] and read_only.numpy().flags.writeable


def test_empty_strided_and_permuted():
    got = ag.empty_strided((2, 3), (1, 2), dtype=ag.float64)
    assert got.shape == (2, 3) and got.dtype == np.float64 and not got.numpy().any()
    same_error(lambda: ag.empty_strided((2, 3), (1,)), lambda: torch.empty_strided((2, 3), (1,)),
               "empty_strided")
    for layout in ((1, 0), (0, 1)):
        got = ag.empty_permuted((2, 3), layout)
        expected = torch.empty_permuted((2, 3), layout)
        assert got.shape == tuple(expected.shape) and got.dtype == np.float32
        assert tuple(s // 4 for s in got.numpy().strides) == expected.stride()
    same_error(lambda: ag.empty_permuted((2, 3), (1, 1)),
               lambda: torch.empty_permuted((2, 3), (1, 1)), "empty_permuted")
    with pytest.raises(ValueError, match="empty_strided: .*'cuda'"):
        ag.empty_strided((2,), (1,), device="cuda")


# --- splits and view copies ----------------------------------------------------------------


def _joined(lib, pieces, dim):
    """The pieces weighted 1, 2, ... and joined: one output for compare_with_torch."""
    return lib.cat([p * (i + 1) for i, p in enumerate(pieces)], dim)


@pytest.mark.parametrize("ours, theirs, args", [
    (ag.split_with_sizes, torch.split_with_sizes, ([1, 3], 1)),
    (ag.unsafe_split_with_sizes, torch.unsafe_split_with_sizes, ([2, 0, 2], -1)),
    (ag.unsafe_split, torch.unsafe_split, (2, 1)),
    (ag.unsafe_chunk, torch.unsafe_chunk, (3, 1)),
    (ag.split_copy, torch.split_copy, (3, 1)),
    (ag.split_with_sizes_copy, torch.split_with_sizes_copy, ([3, 1], 1)),
    (ag.unbind_copy, torch.unbind_copy, (1,)),
])
def test_splits_as_torch(ours, theirs, args):
    x = np.random.default_rng(2).normal(size=(2, 4))
    got, expected = ours(ag.tensor(x), *args), theirs(torch.tensor(x), *args)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e.numpy())
    dim = args[-1] if len(args) > 1 else args[0]
    if ours is ag.unbind_copy:
        compare_with_torch(lambda v: ag.stack(ours(v, *args), dim),
                           lambda t: torch.stack(theirs(t, *args), dim), x)
    else:
        compare_with_torch(lambda v: _joined(ag, ours(v, *args), dim),
                           lambda t: _joined(torch, theirs(t, *args), dim), x)


def test_split_with_sizes_errors_as_torch():
    x = np.ones((2, 3))
    same_error(lambda: ag.unsafe_split(ag.tensor(x), [1, 1]),
               lambda: torch.unsafe_split(torch.tensor(x), [1, 1]), "unsafe_split: split_size")
    for sizes in ([1, 1], [-1, 4]):
        same_error(lambda: ag.split_with_sizes(ag.tensor(x), sizes, 1),
                   lambda: torch.split_with_sizes(torch.tensor(x), sizes, 1),
                   "split_with_sizes: split_sizes")


COPIES = [
    ("permute_copy", ((2, 0, 1),)), ("transpose_copy", (0, 2)), ("squeeze_copy", ()),
    ("squeeze_copy", (1,)), ("squeeze_copy", (0,)), ("unsqueeze_copy", (-1,)),
    ("view_copy", ((3, -1),)), ("expand_copy", ((2, -1, 3, 4),)),
    ("diagonal_copy", (0, 0, 2)), ("diagonal_copy", (1, 2, 0)), ("select_copy", (2, -1)),
    ("slice_copy", ()), ("slice_copy", (2, 1, 10)), ("slice_copy", (-1, None, None, 2)),
    ("unfold_copy", (2, 2, 1)), ("alias_copy", ()), ("detach_copy", ()),
]


@pytest.mark.parametrize("name, args", COPIES)
def test_view_copies_as_torch_and_never_shared(name, args):
    x = np.random.default_rng(3).normal(size=(2, 1, 3, 4) if "squeeze" in name or
                                        "expand" in name else (2, 3, 4))
    if name == "expand_copy":
        x = x[:1]
    ours, theirs = getattr(ag, name), getattr(torch, name)
    if name == "detach_copy":   # no gradient (PyTorch has no derivative for it)
        np.testing.assert_array_equal(ours(ag.Variable(x)).numpy(), theirs(torch.tensor(x)))
        assert not ours(ag.Variable(x)).requires_grad
    else:
        compare_with_torch(lambda v: ours(v, *args), lambda t: theirs(t, *args), x)
    source = ag.tensor(x)
    got = ours(source, *args)
    with ag.no_grad():
        got.fill_(5.0)
    np.testing.assert_array_equal(source.numpy(), x)   # a copy, not a view


def test_t_copy_and_slice_copy_errors():
    x = np.random.default_rng(4).normal(size=(2, 3))
    compare_with_torch(ag.t_copy, torch.t_copy, x)
    same_error(lambda: ag.slice_copy(ag.tensor(x), 1, 0, 3, -1),
               lambda: torch.slice_copy(torch.tensor(x), 1, 0, 3, -1), "slice_copy")


# --- writers --------------------------------------------------------------------------------


def _index_cases():
    rows, cols = np.array([0, 1, 1]), np.array([2, 0, 3])
    mask = np.array([[True, False, True, False], [False, False, True, True],
                     [True, True, False, False]])
    return [((rows,), (3, 4)), ((rows, cols), (3,)), ((rows, cols), ()),
            ((mask,), (6,)), ((np.array([[0], [2]]), np.array([1, 3])), (2, 2))]


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("case", range(5))
def test_index_put_as_torch(case, accumulate):
    indices, values_shape = _index_cases()[case]
    rng = np.random.default_rng(case)
    x, values = rng.normal(size=(3, 4)), rng.normal(size=values_shape)
    if not accumulate and case == 0:
        indices = (np.array([0, 2]),)       # no repeats: which write wins is undefined
        values = rng.normal(size=(4,))
    compare_with_torch(
        lambda v, w: ag.index_put(v, indices, w, accumulate),
        lambda t, w: torch.index_put(t, tuple(torch.tensor(i) for i in indices), w,
                                     accumulate), x, values)


def _both(fn, *arrays):
    """fn(lib, *arrays) with ag and with torch: the calls ``same_error`` compares."""
    return (lambda: fn(ag, *[ag.tensor(a) for a in arrays]),
            lambda: fn(torch, *[torch.tensor(a) for a in arrays]))


@pytest.mark.parametrize("index, values, match", [
    (np.array([5]), np.array(1.0), "index_put"),
    (np.array([0.0]), np.array(1.0), "index_put: indices"),
    (np.array([0]), np.array([1.0, 2.0]), "index_put: values"),
    (np.array([0]), np.array(1.0, np.float32), "index_put: values must have")])
def test_index_put_errors_as_torch(index, values, match):
    x = np.arange(6.0).reshape(2, 3)
    same_error(*_both(lambda lib, v, i, w: lib.index_put(v, (i,), w), x, index, values),
               match)


def test_index_put_in_place_form():
    x = np.arange(6.0).reshape(2, 3)
    ours, theirs = ag.tensor(x), torch.tensor(x)
    assert ag.index_put_(ours, (np.array([0, 0]),), ag.tensor(1.0, dtype=ag.float64),
                         True) is ours
    theirs.index_put_((torch.tensor([0, 0]),), torch.tensor(1.0, dtype=torch.float64), True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_put_as_torch():
    rng = np.random.default_rng(5)
    x, source = rng.normal(size=(2, 3)), rng.normal(size=(2,))
    index = np.array([4, -1])
    for accumulate in (False, True):
        compare_with_torch(lambda v, s: ag.put(v, index, s, accumulate),
                           lambda t, s: torch.put(t, torch.tensor(index), s, accumulate),
                           x, source)
    same_error(*_both(lambda lib, v, i, s: lib.put(v, i, s), x, np.array([6]), np.array([1.0])),
               "put")


UNARY_IN_PLACE = [n for n in torch_copies._IN_PLACE if n not in (
    "addmv_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "detach_", "fill_", "gcd_",
    "lcm_", "ldexp_", "xlogy_")]


@pytest.mark.parametrize("name", UNARY_IN_PLACE)
def test_unary_in_place_functions_as_torch(name):
    data = np.array([0.1, 0.35, 0.8])   # in every domain (acosh_ gets 1 + data)
    if name in ("acosh_", "arccosh_"):
        data = data + 1.0
    ours, theirs = ag.tensor(data), torch.tensor(data)
    assert getattr(ag, name)(ours) is ours
    getattr(torch, name)(theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)


def test_in_place_functions_with_arguments_and_refusals():
    data = np.array([-2.0, 0.5, 3.0])
    for name, args in (("clamp_", (-1.0, 1.0)), ("clip_", (0.0,)), ("clamp_min_", (0.0,)),
                       ("clamp_max_", (0.0,)), ("fill_", (4.0,)), ("xlogy_", (2.0,)),
                       ("ldexp_", (np.array([1.0, 2.0, 3.0]),))):
        ours, theirs = ag.tensor(data), torch.tensor(data)
        getattr(ag, name)(ours, *args)
        getattr(torch, name)(theirs, *[torch.tensor(a) if isinstance(a, np.ndarray) else a
                                       for a in args])
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    ints = ag.tensor([12, 18]), torch.tensor([12, 18])
    ag.gcd_(ints[0], ag.tensor([8, 27]))
    torch.gcd_(ints[1], torch.tensor([8, 27]))
    assert ints[0].numpy().tolist() == ints[1].tolist()
    leaf = ag.Variable(data.copy())
    with pytest.raises(RuntimeError, match="relu_: .*requires grad"):
        ag.relu_(leaf)
    np.testing.assert_array_equal(leaf.numpy(), data)      # refused: nothing changed
    with pytest.raises(TypeError, match="relu_: input must be a Value"):
        ag.relu_(data)
    assert set(torch_copies._IN_PLACE) <= set(dir(torch))
