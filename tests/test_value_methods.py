"""PyTorch's tensor API on Values: the Tensor/ndarray methods ported code calls
(ops/methods.py's last part) against numpy and PyTorch, the in-place ones under PyTorch's
rules; torch.tensor, the samplers and device= (the CPU only); and PyTorch's
polynomial_autograd example, ported by renaming."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import compare_with_torch

torch = pytest.importorskip("torch")
FAST = settings(max_examples=30, deadline=None)

# small integers as floats: ties are common, which is what the index rules are about
TIED = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.integers(-3, 3).map(float))


@FAST
@given(x=TIED, data=st.data())
def test_argmax_argmin_as_numpy_and_pytorch(x, data):
    axis = data.draw(st.sampled_from([None] + list(range(-x.ndim, x.ndim))))
    keep = data.draw(st.booleans())
    v, t = ag.Value(x), torch.tensor(x)
    for name in ("argmax", "argmin"):
        got = getattr(v, name)(axis, keepdims=keep)
        np.testing.assert_array_equal(got.data, getattr(np, name)(x, axis=axis, keepdims=keep))
        if axis is not None:  # PyTorch's dim/keepdim names, and its first-index ties
            theirs = getattr(t, name)(dim=axis, keepdim=keep).numpy()
            np.testing.assert_array_equal(getattr(v, name)(dim=axis, keepdim=keep).data, theirs)
        assert not got.requires_grad and got.dtype.kind == "i"


@FAST
@given(x=TIED, data=st.data())
def test_argsort_is_pytorchs_stable_sort(x, data):
    axis = data.draw(st.sampled_from(range(-x.ndim, x.ndim)))
    descending = data.draw(st.booleans())
    got = ag.Value(x).argsort(dim=axis, descending=descending)
    theirs = torch.tensor(x).argsort(dim=axis, descending=descending, stable=True).numpy()
    np.testing.assert_array_equal(got.data, theirs)
    np.testing.assert_array_equal(ag.Value(x).argsort(axis, "stable").data,
                                  np.argsort(x, axis=axis, kind="stable"))


def test_argsort_descending_of_integers_and_nan():
    ints = np.array([np.iinfo(np.int64).min, 0, 5, 5, np.iinfo(np.int64).max])
    np.testing.assert_array_equal(ag.argsort(ints, descending=True).data, [4, 2, 3, 1, 0])
    x = np.array([1.0, np.nan, 3.0, 1.0])
    np.testing.assert_array_equal(
        ag.argsort(x, descending=True).data,
        torch.tensor(x).argsort(descending=True, stable=True).numpy())
    np.testing.assert_array_equal(ag.argsort(np.array([[2, 1], [0, 3]]), axis=None).data,
                                  [2, 1, 0, 3])


@FAST
@given(x=TIED, data=st.data())
def test_all_any_and_the_tests(x, data):
    axis = data.draw(st.sampled_from([None] + list(range(x.ndim))))
    v = ag.Value(x)
    for name in ("all", "any"):
        np.testing.assert_array_equal(getattr(v, name)(axis).data,
                                      getattr(np, name)(x, axis=axis))
    np.testing.assert_array_equal(v.any(dim=0, keepdim=True).data,
                                  np.any(x, axis=0, keepdims=True))
    y = x.copy()
    y.flat[0] = np.nan
    y.flat[-1] = np.inf
    for name in ("isnan", "isfinite", "isinf"):
        np.testing.assert_array_equal(getattr(ag.Value(y), name)().data,
                                      getattr(np, name)(y))


def test_axis_and_dim_together_are_refused():
    with pytest.raises(TypeError, match="argmax: give axis .* or dim"):
        ag.Value(np.ones((2, 3))).argmax(0, dim=1)
    with pytest.raises(ValueError, match="argmax: axis 2 is out of bounds"):
        ag.Value(np.ones((2, 3))).argmax(2)


def test_dtype_methods():
    v = ag.Value(np.array([1.5, -2.5]), dtype=np.float64)
    assert v.float().dtype == np.float32 and v.double() is v and v.half().dtype == np.float16
    assert v.long().dtype == np.int64 and v.int().dtype == np.int32
    assert v.bool().dtype == np.bool_
    assert v.type() == "float64" and v.type(np.float32).dtype == np.float32
    assert v.to("cpu") is v and v.cpu() is v and v.to("cpu", ag.float32).dtype == np.float32
    assert v.to(ag.Value(np.zeros(1, np.float32))).dtype == np.float32
    c = v.to("cpu", copy=True)
    assert c is not v and c.data is not v.data
    with pytest.raises(ValueError, match="CPU only, got device 'cuda:0'"):
        v.to("cuda:0")
    # gradients flow through float casts and come back in the Value's own dtype
    v.float().sum().backward()
    assert v.grad.dtype == np.float64
    np.testing.assert_array_equal(v.grad, [1.0, 1.0])
    assert not v.long().requires_grad


def test_size_methods_and_tolist():
    v = ag.Value(np.arange(6.0).reshape(2, 3))
    assert v.dim() == 2 and v.numel() == 6 and v.tolist() == [[0, 1, 2], [3, 4, 5]]
    comparisons = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
                   "gt": np.greater, "ge": np.greater_equal}
    for name, fn in comparisons.items():
        np.testing.assert_array_equal(getattr(v, name)(2.0), fn(v.data, 2.0))


@pytest.mark.parametrize("name, ours, theirs, shapes", [
    ("clamp", lambda x: x.clamp(min=-0.5, max=0.7), lambda x: x.clamp(min=-0.5, max=0.7),
     [(3, 4)]),
    ("clamp min", lambda x: x.clamp(min=0.1), lambda x: x.clamp(min=0.1), [(5,)]),
    ("t", lambda x: x.t(), lambda x: x.t(), [(3, 4)]),
    ("t of a vector", lambda x: x.t(), lambda x: x.t(), [(4,)]),
    ("mT", lambda x: x.mT, lambda x: x.mT, [(2, 3, 4)]),
    ("mm", lambda a, b: a.mm(b), lambda a, b: a.mm(b), [(2, 3), (3, 4)]),
    ("matmul", lambda a, b: a.matmul(b), lambda a, b: a.matmul(b), [(2, 2, 3), (3, 4)]),
    ("dot of vectors", lambda a, b: a.dot(b), lambda a, b: a.dot(b), [(4,), (4,)]),
    ("neg", lambda x: x.neg(), lambda x: x.neg(), [(3,)]),
    ("clone", lambda x: x.clone() * x, lambda x: x.clone() * x, [(2, 3)]),
    ("masked_fill", lambda x: x.masked_fill(MASK, -1.0) * x,
     lambda x: x.masked_fill(torch.tensor(MASK), -1.0) * x, [(2, 3)]),
])
def test_methods_against_pytorch_to_second_order(name, ours, theirs, shapes):
    rng = np.random.default_rng(1)
    compare_with_torch(ours, theirs, *[rng.normal(size=s) for s in shapes])


MASK = np.array([[True, False, False], [False, True, True]])


def test_dot_matches_numpy_for_every_shape_and_mm_takes_matrices_only():
    rng = np.random.default_rng(0)
    for sa, sb in (((2, 3), (3,)), ((3,), (3,)), ((), (2, 2)), ((2, 3, 4), (4, 5)),
                   ((2, 3, 4), (5, 4, 6)), ((2, 3, 4), (4,)), ((4,), (2, 4, 3))):
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        for got in (ag.Value(a).dot(b), ag.dot(a, b), np.dot(ag.Value(a), b)):
            np.testing.assert_allclose(got.data, np.dot(a, b), rtol=1e-12)
    # N-D arrays contract a's last axis with b's second-to-last (not matmul's broadcasting)
    compare_with_torch(ag.dot, lambda a, b: torch.tensordot(a, b, dims=([2], [1])),
                       rng.normal(size=(2, 3, 4)), rng.normal(size=(5, 4, 2)))
    with pytest.raises(ValueError, match=r"dot: shapes \(2, 2, 2\) and \(3, 2\) do not match"):
        ag.Value(np.ones((2, 2, 2))).dot(np.ones((3, 2)))
    with pytest.raises(ValueError, match="mm: expects matrices"):
        ag.Value(np.ones(3)).mm(np.ones((3, 2)))
    with pytest.raises(ValueError, match="mv: expects a matrix"):
        ag.mv(np.ones((2, 3)), np.ones(2))
    a, v = rng.normal(size=(3, 4)), rng.normal(size=4)
    compare_with_torch(ag.mv, torch.mv, a, v)
    compare_with_torch(ag.mm, torch.mm, a, a.T)


def test_clone_has_its_own_data():
    x = ag.Value(np.ones(3))
    c = x.clone()
    with ag.no_grad():
        x.fill_(5.0)
    np.testing.assert_array_equal(c.data, np.ones(3))


def test_requires_grad_():
    x = ag.Value(np.ones(2), requires_grad=False)
    assert x.requires_grad_() is x and x.requires_grad
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    y = x * 3
    with pytest.raises(RuntimeError, match="only a leaf's flag"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="only float Values"):
        ag.constant(np.arange(3), dtype=np.int64).requires_grad_()


def test_in_place_methods_update_under_no_grad_as_pytorch():
    w = ag.Variable(np.array([1.0, 2.0, 3.0]))
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    g = np.array([0.5, 0.5, 1.0])
    with ag.no_grad(), torch.no_grad():
        for ours, theirs in ((w.add_(g, alpha=-0.1), t.add_(torch.tensor(g), alpha=-0.1)),
                             (w.sub_(g, alpha=2), t.sub_(torch.tensor(g), alpha=2)),
                             (w.mul_(g), t.mul_(torch.tensor(g))),
                             (w.div_(2.0), t.div_(2.0)),
                             (w.copy_(np.array([7.0])), t.copy_(torch.tensor([7.0])))):
            assert ours is w
            np.testing.assert_allclose(w.data, theirs.detach().numpy())
        w.fill_(3.0)
        np.testing.assert_array_equal(w.data, [3.0, 3.0, 3.0])
        w.zero_()
        np.testing.assert_array_equal(w.data, [0.0, 0.0, 0.0])


def test_in_place_methods_refuse_while_recording_and_change_nothing():
    w = ag.Variable(np.array([1.0, 2.0]))
    before = w.data.copy()
    for call in (lambda: w.zero_(), lambda: w.add_(np.ones(2)), lambda: w.fill_(0.0)):
        with pytest.raises(RuntimeError, match="requires grad, so it cannot be changed in "
                                               "place while the graph is recorded"):
            call()
    with ag.no_grad(), pytest.raises(ValueError, match=r"add_: the result has shape \(3, 2\)"):
        w.add_(np.ones((3, 2)))
    with ag.no_grad(), pytest.raises(TypeError, match="cannot write complex128"):
        w.add_(np.ones(2) * 1j)
    np.testing.assert_array_equal(w.data, before)


def test_an_in_place_change_of_a_constant_stops_a_stale_backward():
    c = ag.constant(np.array([1.0, 2.0]))
    x = ag.Value(np.array([3.0, 4.0]))
    y = (x * c).sum()
    c.mul_(2.0)  # needs no grad: changes in place, as PyTorch would
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_tensor_and_from_numpy_take_pytorchs_dtypes():
    assert ag.tensor([1, 2]).dtype == np.int64 and ag.tensor([True]).dtype == np.bool_
    assert ag.tensor([1.0, 2.0]).dtype == ag.get_default_dtype()
    assert ag.tensor(np.ones(2)).dtype == np.float64
    assert ag.tensor([1, 2], dtype=ag.float32).dtype == np.float32
    t = ag.tensor(3.0, requires_grad=True)
    assert t.is_leaf and t.requires_grad
    a = np.arange(3.0)
    v = ag.from_numpy(a)
    assert v.dtype == np.float64 and not v.requires_grad
    with pytest.raises(TypeError, match="from_numpy: expected a numpy array"):
        ag.from_numpy([1.0])
    with pytest.raises(TypeError, match="only float Values can require grad"):
        ag.tensor([1, 2], requires_grad=True)


# Binary ops on a float and an integer or boolean Value, and an integer Value with Python
# numbers: the result dtype PyTorch gives (numpy would make float32 with int64 float64).
_MIXED = {
    "mul": lambda a, b: a * b, "radd": lambda a, b: b + a, "sub": lambda a, b: a - b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "maximum": "maximum",
    "where": "where", "matmul": "matmul",
}


@pytest.mark.parametrize("name", sorted(_MIXED))
@pytest.mark.parametrize("float_dtype", ["float32", "float64"])
@pytest.mark.parametrize("int_dtype", ["int64", "int32", "uint8", "bool"])
def test_a_float_with_integers_keeps_the_float_dtype_as_pytorch_does(name, float_dtype,
                                                                       int_dtype):
    torch = pytest.importorskip("torch")
    x = np.array([[0.5, 1.5], [2.0, 3.0]], float_dtype)
    k = np.array([[1, 2], [3, 1]]).astype(int_dtype)   # (all True as booleans)

    def run(lib, a, b):
        f = _MIXED[name]
        if f == "maximum":
            return lib.maximum(a, b)
        if f == "where":
            return lib.where(a > 1, a, b)
        if f == "matmul":
            return a @ b.to(a.dtype) if lib is torch else a @ b  # torch wants one dtype
        return f(a, b)
    a = ag.Variable(x)
    got = run(ag, a, ag.tensor(k))
    k_torch = torch.tensor(k)
    if name == "sub" and int_dtype == "bool":  # torch refuses x - mask; numpy and we allow it
        k_torch = k_torch.to(torch.float32)
    want = run(torch, torch.tensor(x, requires_grad=True), k_torch)
    assert got.dtype == np.dtype(str(want.dtype).replace("torch.", ""))
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-6)
    got.sum().backward()
    assert a.grad.dtype == x.dtype


def test_integer_values_with_python_numbers_follow_pytorch():
    t = ag.tensor([1, 2, 3])
    assert (t + 1).dtype == np.int64 and (2 * t).dtype == np.int64 and (t ** 2).dtype == np.int64
    assert (t * 0.5).dtype == ag.get_default_dtype() == (0.5 + t).dtype
    u = ag.tensor(np.array([1, 2], np.uint8))
    assert (u + 1).dtype == np.uint8
    assert (u + 300).dtype == ag.get_default_dtype()   # does not fit: the default float
    assert ((u + 300).data == [301, 302]).all()


def test_pytorchs_samplers():
    ag.manual_seed(3)
    a = ag.randn(2, 3)
    ag.manual_seed(3)
    assert np.array_equal(ag.randn((2, 3)).data, a.data) and a.dtype == ag.get_default_dtype()
    assert ag.randn(()).shape == () and ag.randn(4, dtype=ag.float64).dtype == np.float64
    w = ag.randn(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    u = ag.rand(1000).data
    assert u.min() >= 0 and u.max() < 1
    k = ag.randint(2, 5, (1000,)).data
    assert k.dtype == np.int64 and set(np.unique(k)) == {2, 3, 4}
    assert ag.randint(3, size=(2,)).shape == (2,)
    with pytest.raises(ValueError, match="randint: high .* must be greater than low"):
        ag.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="randn: dtype must be a float dtype"):
        ag.randn(2, dtype=ag.int64)
    p = ag.randperm(50)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(50))
    ag.manual_seed(4)
    q = ag.randperm(50)
    ag.manual_seed(4)
    assert np.array_equal(ag.randperm(50).data, q.data) and ag.randperm(0).shape == (0,)
    with pytest.raises(ValueError, match="randperm: n must be an integer >= 0"):
        ag.randperm(-1)


def test_device_is_the_cpu_everywhere():
    assert ag.device("cpu") == "cpu" and ag.device("cpu:0") == "cpu"
    for make in (lambda d: ag.zeros(2, device=d), lambda d: ag.ones(2, device=d),
                 lambda d: ag.full(2, 1.0, device=d), lambda d: ag.eye(2, device=d),
                 lambda d: ag.arange(3, device=d), lambda d: ag.linspace(0, 1, 3, device=d),
                 lambda d: ag.zeros_like(np.ones(2), device=d), lambda d: ag.randn(2, device=d),
                 lambda d: ag.rand(2, device=d), lambda d: ag.tensor([1.0], device=d)):
        assert make("cpu").shape in ((2,), (2, 2), (3,), (1,))
        with pytest.raises(ValueError, match="runs on the CPU only, got device 'cuda'"):
            make("cuda")
    assert ag.float is ag.float32 and ag.double is ag.float64 and ag.long is ag.int64


def test_pytorch_polynomial_autograd_example_ports_by_renaming():
    """pytorch.org/tutorials/beginner/examples_autograd/polynomial_autograd.py with torch
    renamed to ag; torch's own run from the same a, b, c, d follows it step for step."""
    dtype = ag.float
    device = ag.device("cpu")
    x = ag.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = ag.sin(x)
    ag.manual_seed(0)
    a = ag.randn((), device=device, dtype=dtype, requires_grad=True)
    b = ag.randn((), device=device, dtype=dtype, requires_grad=True)
    c = ag.randn((), device=device, dtype=dtype, requires_grad=True)
    d = ag.randn((), device=device, dtype=dtype, requires_grad=True)
    theirs = [torch.tensor(float(p), requires_grad=True) for p in (a, b, c, d)]
    tx = torch.linspace(-math.pi, math.pi, 2000)
    ty = torch.sin(tx)

    learning_rate = 1e-6
    for t in range(2000):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with ag.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

        ta, tb, tc, td = theirs
        t_loss = (ta + tb * tx + tc * tx ** 2 + td * tx ** 3 - ty).pow(2).sum()
        t_loss.backward()
        with torch.no_grad():
            for p in theirs:
                p -= learning_rate * p.grad
                p.grad = None
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-3)
    for ours, p in zip((a, b, c, d), theirs):
        assert ours.item() == pytest.approx(p.item(), rel=1e-3, abs=1e-4)
    assert loss.item() < 100  # the tutorial's fit ends near 9


def test_np_copy_of_a_value_is_a_clone():
    x = ag.Value(np.array([1.0, 2.0]))
    c = np.copy(x)
    assert type(c.op).__name__ == "Clone" and c.data is not x.data
    (c * c).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    with pytest.raises(TypeError, match="np.copy: order='F' is not supported"):
        np.copy(x, order="F")


def test_zeros_and_ones_take_numpys_tensorflows_and_pytorchs_shapes():
    assert ag.zeros((2, 3)).shape == ag.zeros(2, 3).shape == ag.ones(shape=[2, 3]).shape
    assert ag.ones(2, 3, 4).shape == (2, 3, 4) and ag.zeros(()).shape == ()
    assert ag.zeros(3, np.float64).dtype == np.float64                  # numpy's dtype slot
    assert ag.zeros(2, 3, dtype=ag.float64).dtype == np.float64
    assert ag.ones(2, 3, requires_grad=True).requires_grad
    for call, match in [(lambda: ag.zeros(), "missing the shape"),
                        (lambda: ag.zeros(2, "float64", dtype="float32"), "dtype given twice"),
                        (lambda: ag.ones((2, 3), 4), "as one tuple"),
                        (lambda: ag.zeros(2, shape=(2,)), "shape given twice")]:
        with pytest.raises(TypeError, match=match):
            call()


def test_in_place_samplers_take_a_generator_and_torch_names():
    """PyTorch's w.uniform_/normal_/bernoulli_/exponential_/random_, generator= included:
    the same seed gives the same draws; the values lie where the law puts them."""
    w = ag.zeros(400, 5)
    draws = {}
    with ag.no_grad():
        for name, args in (("uniform_", (-1.0, 1.0)), ("normal_", (2.0, 0.5)),
                           ("bernoulli_", (0.25,)), ("exponential_", (4.0,)),
                           ("random_", (3, 7))):
            first = getattr(w, name)(*args, generator=ag.Generator().manual_seed(9)).numpy().copy()
            again = getattr(w, name)(*args, generator=ag.Generator().manual_seed(9)).numpy().copy()
            other = getattr(w, name)(*args, generator=ag.Generator().manual_seed(10)).numpy()
            assert np.array_equal(first, again) and not np.array_equal(first, other), name
            draws[name] = first
    assert draws["uniform_"].min() >= -1 and draws["uniform_"].max() < 1
    assert abs(draws["normal_"].mean() - 2.0) < 0.1 and abs(draws["normal_"].std() - 0.5) < 0.05
    assert set(np.unique(draws["bernoulli_"])) <= {0.0, 1.0}
    assert abs(draws["bernoulli_"].mean() - 0.25) < 0.05
    assert draws["exponential_"].min() >= 0 and abs(draws["exponential_"].mean() - 0.25) < 0.03
    assert set(np.unique(draws["random_"])) == {3.0, 4.0, 5.0, 6.0}
    with pytest.raises(TypeError, match="normal_: generator must be an ag.Generator"):
        w.normal_(generator=np.random.default_rng(0))


@pytest.mark.parametrize("args, named, low, high", [
    ((5,), {}, 0, 5), ((3, 7), {}, 3, 7), ((), {"from": 3}, 3, 2 ** 24 + 1),
    ((), {"to": 4}, 0, 4), ((), {}, 0, 2 ** 24 + 1), ((2,), {"to": 6}, 2, 6)])
def test_random_underscore_takes_torch_bounds(args, named, low, high):
    """PyTorch's random_(to), random_(from, to), keywords, and float32's 2**24 without to."""
    w = ag.zeros(3000)
    with ag.no_grad():
        d = w.random_(*args, generator=ag.Generator().manual_seed(1), **named).numpy()
    assert d.min() >= low and d.max() < high and np.all(d == np.round(d))
    assert d.max() >= low + (high - 1 - low) * 0.9  # it reaches near its top
