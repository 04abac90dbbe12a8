"""PyTorch's in-place methods made from their out-of-place ones (``x.lerp_``, ``x.addcmul_``,
``x.acos_``, ...) and ``fill_diagonal_``/``index_put_``: the same numbers as PyTorch's on
the same data, written into the Value, refused on a Value that requires grad while the
graph is recorded, and marked so that a backward through ops that read the old data
refuses to run."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag

RNG = np.random.default_rng(0)
UNIT = RNG.uniform(0.1, 0.9, (2, 3))          # inside every unary op's domain
OTHER = RNG.uniform(0.5, 2.0, (2, 3))
INTS = RNG.integers(1, 20, (2, 3))
INDEX = np.array([1, 0])

# name -> (x, args, kwargs); x is float64 unless given as integers
CASES = {
    **{name: (UNIT, (), {}) for name in (
        "absolute", "negative", "acos", "arccos", "asin", "arcsin", "asinh", "arcsinh", "atan",
        "arctan", "atanh", "arctanh", "sin", "sinh", "cos", "cosh", "tan", "sinc", "deg2rad",
        "rad2deg", "exp2", "expm1", "log2", "log10", "log1p", "logit", "rsqrt", "reciprocal",
        "erf", "erfc", "erfinv", "lgamma", "digamma", "i0", "sgn", "trunc", "fix", "frac",
        "logical_not", "conj_physical")},
    "acosh": (1 + OTHER, (), {}), "arccosh": (1 + OTHER, (), {}),
    **{name: (UNIT, (OTHER,), {}) for name in (
        "atan2", "arctan2", "xlogy", "copysign", "nextafter", "heaviside", "hypot",
        "float_power", "fmod", "remainder", "floor_divide", "true_divide", "divide",
        "multiply", "subtract", "eq", "ne", "lt", "le", "gt", "ge", "greater",
        "greater_equal", "less", "less_equal", "not_equal", "logical_and", "logical_or",
        "logical_xor", "igamma", "igammac")},
    "ldexp": (UNIT, (INTS,), {}),
    "polygamma": (OTHER, (1,), {}),
    "mvlgamma": (1 + OTHER, (2,), {}),
    "nan_to_num": (np.array([np.nan, np.inf, -np.inf, 1.0]), (), {"nan": 0.5, "posinf": 9.0}),
    "clip": (OTHER, (0.8, 1.5), {}),
    "clamp_min": (OTHER, (1.0,), {}),
    "clamp_max": (OTHER, (1.0,), {}),
    "lerp": (UNIT, (OTHER, 0.3), {}),
    "addcmul": (UNIT, (OTHER, OTHER), {"value": 0.5}),
    "addcdiv": (UNIT, (OTHER, OTHER + 1), {"value": 2.0}),
    "addmm": (UNIT, (RNG.normal(size=(2, 4)), RNG.normal(size=(4, 3))), {"beta": 0.5}),
    "addmv": (UNIT[0], (RNG.normal(size=(3, 2)), RNG.normal(size=2)), {}),
    "addbmm": (UNIT, (RNG.normal(size=(5, 2, 4)), RNG.normal(size=(5, 4, 3))), {}),
    "baddbmm": (RNG.normal(size=(5, 2, 3)), (RNG.normal(size=(5, 2, 4)),
                                             RNG.normal(size=(5, 4, 3))), {"alpha": 2.0}),
    "addr": (UNIT, (RNG.normal(size=2), RNG.normal(size=3)), {}),
    "cumsum": (UNIT, (1,), {}),
    "cumprod": (UNIT, (0,), {}),
    "tril": (UNIT, (0,), {}),
    "triu": (UNIT, (1,), {}),
    "renorm": (OTHER, (2, 0, 1.5), {}),
    "index_copy": (UNIT, (0, INDEX, OTHER), {}),
    "index_fill": (UNIT, (1, INDEX, -1.0), {}),
    "index_reduce": (UNIT, (0, INDEX, OTHER, "prod"), {}),
    "masked_scatter": (UNIT, (UNIT > 0.5, OTHER), {}),
    "scatter": (UNIT, (1, np.array([[2, 0], [1, 2]]), OTHER), {}),
    "scatter_add": (UNIT, (0, np.array([[1, 0, 1]]), OTHER), {}),
    "scatter_reduce": (UNIT, (0, np.array([[1, 0, 1]]), OTHER, "amax"), {}),
    **{name: (INTS, (INTS[::-1].copy(),), {}) for name in (
        "bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm")},
    "bitwise_not": (INTS, (), {}),
    "bitwise_left_shift": (INTS, (np.full((2, 3), 2),), {}),
    "bitwise_right_shift": (INTS, (np.full((2, 3), 1),), {}),
}


def _torch_args(torch, items):
    def one(a):
        if isinstance(a, np.ndarray):
            return torch.tensor(a)
        return a
    return [one(a) for a in items]


@pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")   # PyTorch's own
@pytest.mark.parametrize("name", sorted(CASES))
def test_in_place_method_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    x, args, kwargs = CASES[name]
    v = ag.Value(np.array(x, copy=True), requires_grad=False, dtype=x.dtype)
    returned = getattr(v, name + "_")(*args, **kwargs)
    t = torch.tensor(np.array(x, copy=True))
    getattr(t, name + "_")(*_torch_args(torch, args), **kwargs)
    assert returned is v and v.dtype == x.dtype and v.shape == x.shape
    # PyTorch's trigamma is good to 5e-10 (tests/test_ported_counting.py); ours to 1e-15
    rtol = 1e-9 if name == "polygamma" else 1e-12
    np.testing.assert_allclose(v.data, t.numpy(), rtol=rtol, atol=1e-12)


def test_every_case_is_a_method_and_pytorch_has_them_all():
    torch = pytest.importorskip("torch")
    for name in CASES:
        assert hasattr(ag.Value, name + "_") and hasattr(torch.Tensor, name + "_"), name


def test_refused_while_recorded_and_changed_data_is_caught():
    w = ag.Variable(np.array([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="lerp_: .* requires grad"):
        w.lerp_(np.zeros(2), 0.5)
    np.testing.assert_array_equal(w.data, [1.0, 2.0])   # a call that raises changes nothing
    with ag.no_grad():
        w.lerp_(np.array([3.0, 4.0]), 0.5)              # the EMA update ported code writes
    np.testing.assert_array_equal(w.data, [2.0, 3.0])
    c = ag.Value(np.array([0.5, 0.25]), requires_grad=False)
    y = (w * c).sum()
    c.acos_()                                           # changes data y's backward reads
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_fill_diagonal_and_index_put_match_pytorch():
    torch = pytest.importorskip("torch")
    for shape, wrap in (((3, 3), False), ((5, 2), True), ((5, 2), False), ((2, 2, 2), False)):
        v = ag.Value(np.zeros(shape), requires_grad=False)
        t = torch.zeros(shape, dtype=torch.float64)
        v.fill_diagonal_(7.0, wrap=wrap)
        t.fill_diagonal_(7.0, wrap=wrap)
        np.testing.assert_array_equal(v.data, t.numpy())
    with pytest.raises(ValueError, match=r"fill_diagonal_: expected a matrix .* shape \(2, 3, 2\)"):
        ag.Value(np.zeros((2, 3, 2)), requires_grad=False).fill_diagonal_(1.0)
    for accumulate in (False, True):
        v = ag.Value(np.zeros((3, 2)), requires_grad=False)
        t = torch.zeros((3, 2), dtype=torch.float64)
        rows, cols = np.array([0, 2, 0]), np.array([1, 0, 1])
        v.index_put_((rows, cols), np.array([1.0, 2.0, 3.0]), accumulate=accumulate)
        t.index_put_((torch.tensor(rows), torch.tensor(cols)),
                     torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), accumulate=accumulate)
        if accumulate:   # without it, a repeated index keeps one of its values, unspecified
            np.testing.assert_array_equal(v.data, t.numpy())
        else:
            assert v.data[2, 0] == 2.0 and v.data[0, 1] in (1.0, 3.0)


def test_integer_functions_keep_numpy_integers():
    """gcd, lcm and the bitwise functions take numpy integer arrays as they are (operands
    are otherwise made floats, which these refuse): ag.gcd(np.array([4]), 6) works."""
    a, b = np.array([12, 7]), np.array([18, 3])
    assert ag.gcd(a, b).dtype == np.int64 and list(ag.gcd(a, b).data) == [6, 1]
    assert list(ag.bitwise_and(a, b).data) == [0, 3]
    assert int(ag.lcm(4, 6)) == 12
    assert ag.bitwise_not(np.array([True, False])).dtype == np.bool_
    small = ag.Value(np.array([4, 6], np.int8), dtype=np.int8)
    assert small.gcd(2).dtype == np.int8   # a Python int takes the Value's dtype
    with pytest.raises(TypeError, match="gcd: expects integer Values, got float64"):
        ag.gcd(np.array([1.5]), 2)


@pytest.mark.parametrize("name, args", [("t_", ()), ("transpose_", (0, 2)),
                                        ("swapaxes_", (1, 2)), ("swapdims_", (0, 1)),
                                        ("squeeze_", ()), ("squeeze_", (1,)),
                                        ("unsqueeze_", (-1,))])
def test_shape_changing_in_place_methods_match_pytorch(name, args):
    torch = pytest.importorskip("torch")
    x = RNG.normal(size=(2, 1, 3)) if name != "t_" else RNG.normal(size=(2, 3))
    v = ag.Value(x.copy(), requires_grad=False)
    t = torch.tensor(x.copy())
    assert getattr(v, name)(*args) is v
    getattr(t, name)(*args)
    assert v.shape == tuple(t.shape)
    np.testing.assert_array_equal(v.data, t.numpy())


def test_shape_changes_are_refused_while_recorded_and_caught_after():
    w = ag.Variable(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match=r"t_: .* requires grad, so its shape cannot change"):
        w.t_()
    assert w.shape == (2, 3)
    with ag.no_grad():
        w.t_()
    assert w.shape == (3, 2)
    c = ag.Value(np.ones(3), requires_grad=False)
    y = (ag.Variable(np.ones(3)) * c).sum()
    c.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_detach_in_place_as_pytorch():
    """A hidden state cut from its graph (``h.detach_()``, as truncated backprop does)."""
    torch = pytest.importorskip("torch")
    w = ag.Variable(np.array([1.0, 2.0]))
    h = w * 3
    assert h.detach_() is h and not h.requires_grad and h.op is None and h.inputs == ()
    (h * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 6.0])   # only through the second factor
    tw = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    th = tw * 3
    th.detach_()
    (th * tw).sum().backward()
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())
    assert th.grad_fn is None and not th.requires_grad


# --- put_ / put, the samplers cauchy_, geometric_, log_normal_, and storage queries ----------

@pytest.mark.parametrize("index, accumulate", [([0, -1, 4], False), ([1, 1, 2], True),
                                               ([5, 0, 3], False), ([-6, 2, 2], True)])
def test_put_matches_pytorch_in_place_and_differentiable(index, accumulate):
    torch = pytest.importorskip("torch")
    from derivatives import compare_with_torch
    a, src = RNG.normal(size=(2, 3)), np.array([10.0, 20.0, 30.0])
    v = ag.Value(a.copy(), requires_grad=False)
    t = torch.tensor(a)
    v.put_(np.array(index), src, accumulate=accumulate)
    t.put_(torch.tensor(index), torch.tensor(src), accumulate=accumulate)
    np.testing.assert_array_equal(v.data, t.numpy())
    compare_with_torch(lambda x, s: x.put(np.array(index), s, accumulate=accumulate),
                       lambda x, s: x.put(torch.tensor(index), s, accumulate=accumulate),
                       a, src)


@pytest.mark.parametrize("call, error, words", [
    (lambda v: v.put_(np.array([6]), np.array([1.0])), IndexError,
     "put_: index 6 is out of range for a tensor of 6 elements"),
    (lambda v: v.put_(np.array([-7]), np.array([1.0])), IndexError, "index -7 is out of range"),
    (lambda v: v.put_(np.array([1, 2]), np.array([1.0])), IndexError,
     "same number of elements, got source of 1 and index of 2"),
    (lambda v: v.put_(np.array([1.5]), np.array([1.0])), TypeError, "index must hold integers"),
    (lambda v: v.put(np.array([9]), np.array([1.0])), IndexError, "put: index 9"),
    (lambda v: v.cauchy_(sigma=0.0), ValueError, r"cauchy_: expects sigma > 0, got sigma=0.0"),
    (lambda v: v.geometric_(1.0), ValueError, r"geometric_: expects p to be in \(0, 1\)"),
    (lambda v: v.geometric_(0.0), ValueError, r"geometric_: expects p to be in \(0, 1\)"),
    (lambda v: v.log_normal_(std=-1.0), ValueError, "log_normal_: expects std > 0"),
])
def test_put_and_samplers_refuse_what_pytorch_refuses_and_change_nothing(call, error, words):
    torch = pytest.importorskip("torch")
    v = ag.Value(np.arange(6.0).reshape(2, 3), requires_grad=False)
    with pytest.raises(error, match=words):
        call(v)
    np.testing.assert_array_equal(v.data, np.arange(6.0).reshape(2, 3))
    with pytest.raises((IndexError, RuntimeError, TypeError)):   # PyTorch refuses it too
        call(torch.arange(6.0).reshape(2, 3))


def test_samplers_draw_their_distributions_from_the_seeded_stream():
    n = 200_000
    ag.manual_seed(3)
    first = [ag.zeros(5).cauchy_().numpy(), ag.zeros(5).geometric_(0.3).numpy(),
             ag.zeros(5).log_normal_().numpy()]
    ag.manual_seed(3)
    again = [ag.zeros(5).cauchy_().numpy(), ag.zeros(5).geometric_(0.3).numpy(),
             ag.zeros(5).log_normal_().numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    g = ag.Generator().manual_seed(1)
    c = ag.zeros(n, dtype="float64").cauchy_(2.0, 0.5, generator=g).numpy()
    # the median and the quartiles of a Cauchy(2, 0.5): 2 -/+ 0.5 (each within ~4 sigma)
    np.testing.assert_allclose(np.percentile(c, [25, 50, 75]), [1.5, 2.0, 2.5], atol=0.015)
    k = ag.zeros(n, dtype="float64").geometric_(0.25, generator=g).numpy()
    assert k.min() == 1 and np.all(k == np.round(k))                    # trials: 1, 2, ...
    assert abs(k.mean() - 4.0) < 0.05 and abs((k == 1).mean() - 0.25) < 0.005
    ln = np.log(ag.zeros(n, dtype="float64").log_normal_(1.0, 2.0, generator=g).numpy())
    assert abs(ln.mean() - 1.0) < 0.02 and abs(ln.std() - 2.0) < 0.02
    x = ag.zeros(3, dtype="float32")
    assert x.cauchy_() is x and x.dtype == np.float32   # in place, the dtype kept


def test_storage_queries_and_cuda_as_on_a_cpu_only_pytorch():
    x = ag.Variable(np.zeros(3))
    y = x * 2
    assert not x.retains_grad and y.retains_grad   # backward keeps a non-leaf's gradient
    assert not (x.is_sparse or x.is_quantized or x.is_meta or x.is_nested)
    assert not x.is_pinned() and not x.is_shared()
    assert x.pin_memory() is x and x.share_memory_() is x
    assert x.data_ptr() == x.data.ctypes.data
    for call, shown in ((lambda: x.cuda(), "'cuda'"), (lambda: x.cuda(0), "'cuda:0'"),
                        (lambda: x.cuda("cuda:1"), "'cuda:1'")):
        with pytest.raises(ValueError, match=f"cuda: autograd_core runs on the CPU only, got "
                                             f"device {shown}"):
            call()
