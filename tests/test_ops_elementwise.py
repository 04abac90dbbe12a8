"""The elementwise, trigonometric and activation ops, erf, and sigmoid cross-entropy at
infinite logits: forward against numpy (and math.erf), first derivatives against central
differences and PyTorch, second derivatives against central differences of the first and
PyTorch's double backward, float32, edge points (kinks, jumps, domain edges, infinities,
NaN, empty arrays) against PyTorch, and the argument errors.

Hypothesis draws shapes and seeds; values are kept inside each op's domain and away from
its kinks and jumps, where a finite difference does not estimate the derivative.
"""

import doctest
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)

np_erf = np.vectorize(math.erf, otypes=[float])


# --- inputs -----------------------------------------------------------------------------


def uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def away_from_steps(offset, lo=-3.0, hi=3.0, margin=0.1):
    """Values at least ``margin`` from every n + offset (n an integer): the jumps of floor
    and ceil (offset 0) or of round (offset 0.5)."""
    def draw(rng, shape):
        x = rng.uniform(lo, hi, shape)
        frac = (x - offset) - np.floor(x - offset)
        return np.where(frac < margin, x + margin, np.where(frac > 1 - margin, x - margin, x))
    return draw


def nonzero(rng, shape):
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


real = uniform(-2.0, 2.0)
positive = uniform(0.5, 2.0)


def hard_sigmoid_domain(rng, shape):
    x = rng.uniform(-5.0, 5.0, shape)
    return np.where(np.abs(np.abs(x) - 3) < 0.1, x + 0.2, x)  # away from the kinks at ±3


# --- the ops, with numpy's and PyTorch's versions -----------------------------------------

SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

UNARY = {  # name: (our function, the numpy reference, a domain away from kinks and jumps)
    "sin": (ag.sin, np.sin, real),
    "cos": (ag.cos, np.cos, real),
    "tan": (ag.tan, np.tan, uniform(-1.2, 1.2)),
    "arcsin": (ag.arcsin, np.arcsin, uniform(-0.9, 0.9)),
    "arccos": (ag.arccos, np.arccos, uniform(-0.9, 0.9)),
    "arctan": (ag.arctan, np.arctan, real),
    "sinh": (ag.sinh, np.sinh, real),
    "cosh": (ag.cosh, np.cosh, real),
    "arcsinh": (ag.arcsinh, np.arcsinh, real),
    "arccosh": (ag.arccosh, np.arccosh, uniform(1.1, 3.0)),
    "arctanh": (ag.arctanh, np.arctanh, uniform(-0.9, 0.9)),
    "log1p": (ag.log1p, np.log1p, uniform(-0.8, 2.0)),
    "expm1": (ag.expm1, np.expm1, real),
    "log2": (ag.log2, np.log2, positive),
    "log10": (ag.log10, np.log10, positive),
    "exp2": (ag.exp2, np.exp2, real),
    "reciprocal": (ag.reciprocal, np.reciprocal, nonzero),
    "rsqrt": (ag.rsqrt, lambda x: 1 / np.sqrt(x), positive),
    "sign": (ag.sign, np.sign, nonzero),
    "floor": (ag.floor, np.floor, away_from_steps(0.0)),
    "ceil": (ag.ceil, np.ceil, away_from_steps(0.0)),
    "round": (ag.round, np.round, away_from_steps(0.5)),
    "round 1": (lambda v: ag.round(v, decimals=1), lambda x: np.round(x, 1),
                lambda rng, shape: away_from_steps(0.5, -30, 30)(rng, shape) / 10),
    "softplus": (ag.softplus, lambda x: np.logaddexp(0, x), uniform(-5.0, 5.0)),
    "softsign": (ag.softsign, lambda x: x / (1 + np.abs(x)), nonzero),
    "elu": (ag.elu, lambda x: np.where(x > 0, x, np.expm1(x)), nonzero),
    "elu 0.5": (lambda v: ag.elu(v, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
                nonzero),
    "selu": (ag.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)), nonzero),
    "gelu": (ag.gelu, lambda x: 0.5 * x * (1 + np_erf(x / np.sqrt(2))), uniform(-4.0, 4.0)),
    "gelu tanh": (lambda v: ag.gelu(v, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
                  uniform(-4.0, 4.0)),
    "silu": (ag.silu, lambda x: x / (1 + np.exp(-x)), uniform(-5.0, 5.0)),
    "hard_sigmoid": (ag.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), hard_sigmoid_domain),
    "erf": (ag.erf, np_erf, uniform(-3.0, 3.0)),
}


def torch_unary(name):
    """PyTorch's version of ``UNARY[name]``."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    same_name = {"sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
                 "arccosh", "arctanh", "log1p", "expm1", "log2", "log10", "exp2", "reciprocal",
                 "rsqrt", "sign", "floor", "ceil", "round", "erf"}
    if name in same_name:
        return getattr(torch, name)
    return {
        "round 1": lambda t: torch.round(t, decimals=1),
        "softplus": F.softplus, "softsign": F.softsign, "elu": F.elu,
        "elu 0.5": lambda t: F.elu(t, alpha=0.5), "selu": F.selu, "gelu": F.gelu,
        "gelu tanh": lambda t: F.gelu(t, approximate="tanh"), "silu": F.silu,
        "hard_sigmoid": F.hardsigmoid,
    }[name]


def check(f, f_np, *arrays):
    """Forward against numpy in float64, gradcheck, and second derivatives against central
    differences of the first."""
    out = f(*[ag.Value(a) for a in arrays])
    expected = f_np(*arrays)
    assert out.shape == np.shape(expected) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-14)
    ag.gradcheck(f, arrays)
    check_second_order(f, *arrays)


@pytest.mark.parametrize("name", list(UNARY))
@given(shape=SHAPES, seed=SEEDS)
def test_unary_against_numpy_and_central_differences(name, shape, seed):
    f, f_np, domain = UNARY[name]
    check(f, f_np, domain(np.random.default_rng(seed), shape))


@pytest.mark.parametrize("name", list(UNARY))
@given(shape=SHAPES, seed=SEEDS)
def test_unary_against_torch(name, shape, seed):
    f_torch = torch_unary(name)
    f, _, domain = UNARY[name]
    compare_with_torch(f, f_torch, domain(np.random.default_rng(seed), shape), seed=seed,
                       second=name not in NO_TORCH_DOUBLE_BACKWARD)


@given(shapes=PAIRS, seed=SEEDS)
def test_arctan2_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = real(rng, shapes.input_shapes[0]), nonzero(rng, shapes.input_shapes[1])
    check(ag.arctan2, np.arctan2, a, b)
    check(lambda u, v: u.atan2(v), np.arctan2, b, a)
    torch = pytest.importorskip("torch")
    compare_with_torch(ag.arctan2, torch.atan2, a, b, seed=seed)


# --- edge points, against PyTorch ----------------------------------------------------------

INF, NAN = np.inf, np.nan
COMMON = [0.0, -0.0, 1e-300, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 30.0, -30.0, INF, -INF, NAN]
EDGES = {  # the points where each op is most likely to go wrong
    "arcsin": [1.0, -1.0, 1.5, -1.5, 0.0], "arccos": [1.0, -1.0, 1.5, -1.5, 0.0],
    "arctanh": [1.0, -1.0, 1.5, 0.0], "arccosh": [1.0, 0.5, 2.0, INF],
    "log1p": [-1.0, -1.5, 0.0, 1e-20, INF], "log2": [0.0, -1.0, 1.0, INF],
    "log10": [0.0, -1.0, 1.0, INF], "reciprocal": [0.0, -0.0, INF, -INF, 1.0],
    "rsqrt": [0.0, -1.0, INF, 4.0], "tan": [np.pi / 2, 1e-8, 0.0],
    "floor": [0.0, 1.0, -1.0, 0.999, INF, NAN], "ceil": [0.0, 1.0, -1.0, 1.001, INF, NAN],
    "round": [0.5, 1.5, 2.5, -0.5, -1.5, 0.0, INF, NAN],
    "round 1": [0.05, 0.15, 0.25, -0.35, 1.0, INF],
    "sign": [0.0, -0.0, 1e-300, -1e-300, INF, NAN],
    "hard_sigmoid": [3.0, -3.0, 0.0, 2.999, -2.999, 100.0, -100.0, INF, -INF],
    "elu": [0.0, -1e-9, 1e-9, -50.0, 50.0, -INF, INF],
    "elu 0.5": [0.0, -1e-9, 1e-9, -50.0, 50.0],
    "selu": [0.0, -1e-9, 1e-9, -50.0, 50.0, -INF, INF],
    "softplus": [0.0, 20.0, 20.5, -20.0, 40.0, -40.0, 800.0, -800.0, INF, -INF],
    "softsign": [0.0, 1e8, -1e8], "gelu": [0.0, 10.0, -10.0, 40.0, -40.0, INF],
    "gelu tanh": [0.0, 10.0, -10.0, 40.0, -40.0, INF], "silu": [0.0, 40.0, -40.0, 800.0, -800.0],
    "erf": [0.0, 0.46875, 4.0, 6.0, -6.0, 30.0, INF, -INF],
    # sinh's gradient cosh(x) is finite up to |x| = 710.47; PyTorch's vectorized cosh
    # overflows from 709.79 on some CPUs (AVX2), so beyond that see the test below
    "sinh": [709.7, -709.7, 0.0], "cosh": [710.0, 0.0], "exp2": [1024.0, -1075.0, 0.0],
}

# At these edge points PyTorch's second derivative is NaN or inf from its formula where
# ours is a limit or a NaN of another form; and ELU's at x = 0 is 0 in PyTorch (x < 0 in
# its double backward, x <= 0 in its backward) where ours is the left one, alpha.
FIRST_ORDER_ONLY = {"arcsin", "arccos", "arctanh", "arccosh", "log1p", "log2", "log10",
                    "reciprocal", "rsqrt", "elu", "elu 0.5", "selu", "gelu", "gelu tanh",
                    "silu", "softplus", "sinh", "cosh", "exp2", "tan", "erf", "softsign"}
# PyTorch has no double backward for hardsigmoid (its second derivative is 0: checked
# against central differences above).
NO_TORCH_DOUBLE_BACKWARD = {"hard_sigmoid"}
# Where we differ from PyTorch on purpose: numpy's sign(NaN) is NaN (PyTorch's is 0);
# PyTorch's ELU and SELU pass g at a NaN input (ours is NaN); our softsign gradient at
# ±inf is its limit 0 (PyTorch's composite formula gives NaN).
DIFFERENT = {"sign": [NAN], "elu": [NAN], "elu 0.5": [NAN], "selu": [NAN],
             "softsign": [INF, -INF]}


def without(x, points):
    """``x`` without the given points (NaN among them too)."""
    points = np.array(points, dtype=float)
    drop = np.isin(x, points) | (np.isnan(x) & np.isnan(points).any())
    return x[~drop]


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_edge_points_match_torch(name):
    f_torch = torch_unary(name)
    second = name not in FIRST_ORDER_ONLY | NO_TORCH_DOUBLE_BACKWARD
    x = np.array(EDGES.get(name, []) + [0.0, 1.0, -1.0, 0.25, -2.0])
    x = without(x, DIFFERENT.get(name, []))
    with np.errstate(all="ignore"):
        compare_with_torch(UNARY[name][0], f_torch, x, second=second)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_common_points_match_torch(name):
    """Every op at 0, -0, tiny, ±1, ±0.5, ±2.5, ±30, ±inf and NaN: the outputs and first
    derivatives equal PyTorch's, NaN for NaN."""
    f_torch = torch_unary(name)
    x = without(np.array(COMMON), DIFFERENT.get(name, []))
    with np.errstate(all="ignore"):
        compare_with_torch(UNARY[name][0], f_torch, x, second=False)


def test_where_we_differ_from_torch_on_purpose():
    s = ag.Value(np.array([NAN, 0.0]))
    ag.sign(s).sum().backward()
    np.testing.assert_array_equal(ag.sign(s).data, [NAN, 0.0])   # as np.sign
    np.testing.assert_array_equal(s.grad, [0.0, 0.0])
    for f in (ag.elu, ag.selu, lambda v: ag.elu(v, alpha=0.5)):
        x = ag.Value(np.array([NAN]))
        f(x).sum().backward()
        assert np.isnan(f(x).data).all() and np.isnan(x.grad).all()
    x = ag.Value(np.array([INF, -INF, 1e300]))
    with np.errstate(all="ignore"):  # the output at ±inf is inf / inf = NaN, as in PyTorch
        ag.softsign(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_arctan2_at_the_origin_and_infinities_matches_torch():
    """At the origin both gradients are 0 (PyTorch's choice), signed as PyTorch signs them."""
    torch = pytest.importorskip("torch")
    a = np.array([0.0, 0.0, -0.0, -0.0, 1.0, INF, INF, -1.0, 0.0, NAN])
    b = np.array([0.0, -0.0, 0.0, -1.0, INF, INF, 1.0, -0.0, 2.0, 1.0])
    with np.errstate(all="ignore"):
        compare_with_torch(ag.arctan2, torch.atan2, a, b, second=False)
    u, v = ag.Value(a[:2]), ag.Value(b[:2])
    ag.arctan2(u, v).sum().backward()
    assert np.all(u.grad == 0) and np.all(v.grad == 0)
    assert list(np.signbit(u.grad)) == [False, True]


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", [(0,), (2, 0)], ids=str)
def test_unary_on_empty_arrays(name, shape):
    f_torch = torch_unary(name)
    compare_with_torch(UNARY[name][0], f_torch, np.zeros(shape),
                       second=name not in NO_TORCH_DOUBLE_BACKWARD)


# --- the step functions: gradient 0 everywhere, to every order ----------------------------


@pytest.mark.parametrize("f", [ag.sign, ag.floor, ag.ceil, ag.round], ids=lambda f: f.__name__)
def test_step_functions_pass_zero_gradients_even_at_their_jumps(f):
    x = ag.Value(np.array([0.0, 0.5, 1.0, -1.5, 2.0, INF, NAN]))
    y = f(x * 3)
    assert y.requires_grad  # the graph stays connected, as in PyTorch
    (g,) = ag.gradients((y * y).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, np.zeros(7))
    (h,) = ag.gradients(g.sum(), x, allow_unused=True)
    assert h is None or np.all(h.data == 0)


# --- float32 in, float32 out --------------------------------------------------------------


@pytest.mark.parametrize("name", list(UNARY))
def test_float32_gives_float32_and_the_float64_gradients(name):
    f, _, domain = UNARY[name]
    x64 = domain(np.random.default_rng(2), (3, 4))
    grads = {}
    for dtype in (np.float32, np.float64):
        x = ag.Value(x64.astype(dtype))
        y = f(x)
        assert y.dtype == dtype
        (y * y).sum().backward()
        assert x.grad.dtype == dtype and x.grad.shape == x.shape
        (g,) = ag.gradients((f(x) * f(x)).sum(), x, create_graph=True)
        (h,) = ag.gradients(g.sum(), x, allow_unused=True)
        assert g.dtype == dtype and (h is None or h.dtype == dtype)
        grads[dtype] = x.grad
    np.testing.assert_allclose(grads[np.float32], grads[np.float64], rtol=2e-4, atol=2e-5)
    scalar = f(ag.Value(np.float32(x64.flat[0])))
    assert scalar.dtype == np.float32 and scalar.shape == ()


def test_arctan2_float32():
    a, b = ag.Value(np.float32([1.0, -2.0])), ag.Value(np.float32(0.5))
    y = ag.atan2(a, b)
    y.sum().backward()
    assert y.dtype == a.grad.dtype == b.grad.dtype == np.float32 and b.grad.shape == ()


# --- names, methods and aliases ------------------------------------------------------------

ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2",
           "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh", "swish": "silu",
           "hardsigmoid": "hard_sigmoid", "pow": "power"}


def test_aliases_are_the_same_functions():
    for alias, name in ALIASES.items():
        assert getattr(ag, alias) is getattr(ag, name), alias
        assert getattr(ag.ops, alias) is getattr(ag.ops, name), alias


METHODS = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
           "arctanh", "asin", "acos", "atan", "asinh", "atanh", "log1p", "expm1", "log2",
           "log10", "exp2", "reciprocal", "rsqrt", "sign", "floor", "ceil", "round", "erf"]


@pytest.mark.parametrize("name", METHODS)
def test_method_equals_function(name):
    data = np.array([[0.5, 0.75, 0.25], [0.1, 0.6, 0.3]])
    x, y = ag.Value(data), ag.Value(data)
    by_method, by_function = getattr(x, name)(), getattr(ag, name)(y)
    np.testing.assert_array_equal(by_method.data, by_function.data)
    by_method.sum().backward()
    by_function.sum().backward()
    np.testing.assert_array_equal(x.grad, y.grad)


def test_methods_with_arguments():
    x = ag.Value(np.array([1.5, 2.0, 3.25]))
    np.testing.assert_array_equal(x.arccosh().data, np.arccosh(x.data))
    np.testing.assert_array_equal(x.acosh().data, np.arccosh(x.data))
    np.testing.assert_array_equal(x.round(1).data, np.round(x.data, 1))
    np.testing.assert_array_equal(x.arctan2(2.0).data, np.arctan2(x.data, 2.0))
    y = x.pow(3)
    np.testing.assert_array_equal(y.data, x.data ** 3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 3 * x.data ** 2)
    assert ag.arctan2(1.0, x).shape == (3,)  # a number on either side


def test_op_names_in_the_graph():
    x = ag.Value(1.0)
    assert repr(ag.gelu(x).op) == "Gelu" and repr(ag.gelu(x, approximate=True).op) == "GeluTanh"
    assert repr(ag.gelu(x, approximate="tanh").op) == "GeluTanh"
    assert repr(ag.gelu(x, approximate="none").op) == "Gelu"
    assert repr(ag.swish(x).op) == "Silu" and repr(ag.atan2(x, x).op) == "Arctan2"


# --- erf against math.erf -------------------------------------------------------------------


def test_erf_matches_math_erf_to_float64_rounding():
    rng = np.random.default_rng(0)
    x = np.concatenate([
        rng.uniform(-6, 6, 20000), rng.normal(0, 1, 5000), rng.uniform(-1e-3, 1e-3, 1000),
        10.0 ** rng.uniform(-300, 1.5, 2000) * rng.choice([-1, 1], 2000),
        [0.46875, np.nextafter(0.46875, 1), 4.0, np.nextafter(4.0, 5), 26.5, 27.0, 1e300,
         5e-324, -5e-324, 0.0]])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(ag.erf(x.astype(np.float64)).data, expected, rtol=1e-15,
                               atol=0)
    y = ag.erf(np.array([INF, -INF, NAN, -0.0])).data
    np.testing.assert_array_equal(y, [1.0, -1.0, NAN, -0.0])
    assert np.signbit(y[3])


def test_erf_in_float32():
    x = np.linspace(-5, 5, 101).astype(np.float32)
    y = ag.erf(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, np_erf(x.astype(np.float64)), rtol=1e-7, atol=1e-7)


# --- sigmoid cross-entropy at infinite logits -------------------------------------------------


def test_sigmoid_cross_entropy_at_infinite_logits():
    """The loss is its limit (0 for the sure label, inf otherwise), where PyTorch gives NaN
    for four of these six cases; the gradients and second derivatives equal PyTorch's."""
    torch = pytest.importorskip("torch")
    z = np.array([INF, INF, INF, -INF, -INF, -INF, 5.0, -1e4])
    t = np.array([0.0, 1.0, 0.3, 0.0, 1.0, 0.3, 0.5, 1.0])
    loss = ag.sigmoid_cross_entropy(z, t).data
    np.testing.assert_array_equal(loss[:6], [INF, 0.0, INF, 0.0, INF, INF])
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(z), torch.tensor(t), reduction="none").numpy()
    agree = ~np.isnan(theirs)
    assert agree.sum() == 4  # +inf with t = 0 and t = 0.3, and the finite logits
    np.testing.assert_allclose(loss[agree], theirs[agree], rtol=1e-12)

    def gradients(f, *arrays):
        """First derivatives of sum(f) and second derivatives of their sum, for z and t."""
        zv, tv = (ag.Value(a) for a in arrays)
        gz, gt = ag.gradients(f(zv, tv).sum(), [zv, tv], create_graph=True)
        with np.errstate(invalid="ignore"):  # the sum of dL/dt = -z over ±inf is NaN
            seconds = ag.gradients(gz.sum() + gt.sum(), [zv, tv], allow_unused=True)
        return [gz.data, gt.data] + [np.zeros(len(z)) if h is None else h.data for h in seconds]

    zt, tt = (torch.tensor(a, requires_grad=True) for a in (z, t))
    l_torch = torch.nn.functional.binary_cross_entropy_with_logits(zt, tt, reduction="none")
    gz, gt = torch.autograd.grad(l_torch.sum(), [zt, tt], create_graph=True)
    hz, ht = torch.autograd.grad(gz.sum() + gt.sum(), [zt, tt])
    ours = gradients(ag.sigmoid_cross_entropy, z, t)
    for got, want in zip(ours, [gz, gt, hz, ht]):
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-12)


def test_sigmoid_cross_entropy_at_infinite_logits_in_float32_and_broadcast():
    z = ag.Value(np.float32([[INF], [-INF]]))
    t = ag.constant(np.float32([0.0, 1.0]))
    loss = ag.sigmoid_cross_entropy(z, t)
    assert loss.dtype == np.float32
    np.testing.assert_array_equal(loss.data, [[INF, 0.0], [0.0, INF]])
    loss.sum().backward()
    np.testing.assert_array_equal(z.grad, [[1.0], [-1.0]])


# --- x ** 0 at x = 0 and 0 ** y ---------------------------------------------------------------


def test_power_gradients_at_zero_match_torch():
    """d(x**0)/dx = 0 at x = 0 (not 0 * inf), and d(0**y)/dy = 0 for y >= 0 (-inf for y < 0),
    as PyTorch takes them."""
    torch = pytest.importorskip("torch")
    x = ag.Value(np.array([0.0, 0.0, 2.0]))
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    (g,) = ag.gradients((x ** 0).sum(), x, create_graph=True)
    (h,) = ag.gradients(g.sum(), x, allow_unused=True)
    assert h is None or np.all(h.data == 0)  # x**0 = 1: every derivative is 0
    y = np.array([0.0, 0.5, 1.0, 2.0, 3.0, -1.0])
    with np.errstate(all="ignore"):
        compare_with_torch(lambda v: 0.0 ** v, lambda t: 0.0 ** t, y, second=False)
        compare_with_torch(lambda a, b: a ** b, torch.pow, np.zeros(6), y, second=False)
        compare_with_torch(lambda v: v ** 0.0, lambda t: t ** 0.0, np.array([0.0, -0.0, 3.0]))


# --- errors -------------------------------------------------------------------------------


def test_bad_arguments_name_the_function_and_the_argument():
    x = ag.Value(np.ones(3))
    with pytest.raises(TypeError, match=r"elu: alpha must be a number, got 'a'"):
        ag.elu(x, alpha="a")
    with pytest.raises(TypeError, match=r"gelu: approximate must be .* got 'erf'"):
        ag.gelu(x, approximate="erf")
    with pytest.raises(TypeError, match=r"round: decimals must be an integer, got 0.5"):
        ag.round(x, decimals=0.5)
    with pytest.raises(TypeError, match=r"Sin: .*cannot make a Value"):
        ag.sin("abc")


def test_arctan2_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"Arctan2(?=.*\(2, 3\))(?=.*\(4,\))"):
        ag.arctan2(ag.Value(np.ones((2, 3))), ag.Value(np.ones(4)))


# --- the doctests of these modules (test_engine runs only the top-level modules') -----------


@pytest.mark.parametrize("module", [ag.ops.elementwise, ag.ops.trig, ag.ops.special,
                                    ag.ops.activations, ag.ops.nn], ids=lambda m: m.__name__)
def test_doctests(module):
    result = doctest.testmod(module, verbose=False)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_gradient_of_a_large_array_takes_the_in_place_path_and_agrees(dtype):
    """From 65,536 numbers up ReLU's backward writes the mask into a float array and
    multiplies g into it (activations._times_positive): the same numbers as g * (x > 0),
    NaN and infinite gradients included, in the input's dtype, and a fresh array."""
    rng = np.random.default_rng(0)
    n = 1 << 17
    x = rng.normal(size=n).astype(dtype)
    x[:4] = [0.0, -0.0, np.nan, np.inf]
    g = rng.normal(size=n).astype(dtype)
    g[4:8] = [np.inf, -np.inf, np.nan, np.inf]
    x[4:8] = [1.0, -1.0, -2.0, -3.0]  # inf * 0 where x <= 0: NaN
    v = ag.Variable(x)
    with np.errstate(invalid="ignore"):  # inf * 0
        ag.relu(v).backward(g)
        want = g * (x > 0).astype(dtype)
    np.testing.assert_array_equal(v.grad, want)
    assert v.grad.dtype == dtype and v.grad is not g
    # PyTorch agrees but where g * mask is by design a product: PyTorch passes g at a NaN
    # input (x[2]) and gives 0, not NaN, for a non-finite g where x <= 0 (g[5:8]).
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x, requires_grad=True)
    torch.relu(xt).backward(torch.tensor(g))
    same = np.ones(n, bool)
    same[[2, 5, 6, 7]] = False
    np.testing.assert_array_equal(v.grad[same], xt.grad.numpy()[same])


@pytest.mark.parametrize("dtype, points", [
    (np.float32, [-1000.0, -104.0, -89.0, -88.0, -30.0, -1.0, 0.0, 0.5, 30.0, 89.0, 1000.0,
                  np.inf, -np.inf, np.nan]),
    (np.float64, [-1000.0, -745.0, -709.0, -30.0, 0.0, 1e-300, 37.0, 709.0, np.inf, -np.inf]),
    (np.float16, [-30.0, -17.0, -12.0, -1.0, 0.0, 3.0, 12.0, np.inf, -np.inf]),
])
def test_sigmoid_matches_torch_in_the_tails(dtype, points):
    """sigmoid is 1 / (1 + exp(-x)) as PyTorch computes it: exactly 0 once exp(-x)
    overflows (float32 below -88.7), float16 through float32; no warnings; and the
    gradient y * (1 - y) the same."""
    torch = pytest.importorskip("torch")
    x = np.array(points, dtype)
    v = ag.Variable(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ag.sigmoid(v)
        y.backward(np.ones_like(x))
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.sigmoid(xt)
    yt.backward(torch.ones_like(yt))
    want = yt.detach().numpy()
    rtol = 1e-3 if dtype == np.float16 else 1e-6  # exp's last bit may differ from torch's
    np.testing.assert_allclose(y.data, want, rtol=rtol, atol=0)
    exact = (want == 0) | (want == 1) | np.isnan(want)  # the tails: the same to the bit
    np.testing.assert_array_equal(y.data[exact], want[exact])
    assert y.dtype == dtype and exact.sum() >= 4
    np.testing.assert_allclose(v.grad, xt.grad.numpy(), rtol=rtol, atol=0)


@pytest.mark.parametrize("n", [1 << 14, (1 << 16) + 5])
def test_relu_of_a_large_float32_array_takes_the_rows_path_and_agrees(n):
    """From 16,384 float32 numbers up ReLU's forward compares rows of x with a row of zeros
    (activations._max_with_zero_rows; numpy's scalar loop is slower there): the same bits
    as np.maximum(x, 0), -0.0, NaN and infinities and a leftover shorter than a row
    included, and its gradient unchanged."""
    from autograd_core.ops import activations

    assert n >= activations._FLOAT32_ROWS
    rng = np.random.default_rng(0)
    x = rng.normal(size=n).astype(np.float32)
    x[:5] = [-0.0, 0.0, np.nan, np.inf, -np.inf]
    x[-3:] = [np.nan, -0.0, -1.0]  # in the leftover when n is not a multiple of a row
    v = ag.Variable(x.reshape(-1, 1) if n % 2 else x.reshape(2, -1))
    y = ag.relu(v)
    want = np.maximum(v.data, np.float32(0))
    assert y.dtype == np.float32 and y.shape == v.shape
    np.testing.assert_array_equal(y.data, want)
    assert np.array_equal(np.signbit(y.data), np.signbit(want))
    y.backward(np.ones(v.shape, np.float32))
    np.testing.assert_array_equal(v.grad, (v.data > 0).astype(np.float32))


def test_sinh_gradient_near_overflow_is_cosh():
    # cosh(710) = 1.117e308 is finite; PyTorch's AVX2 kernel gives inf there
    x = ag.Variable(np.array([710.0, -710.0, 710.4]))
    ag.sinh(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.cosh(x.data), rtol=1e-14)
    assert np.isfinite(x.grad).all()


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma", "reciprocal",
                                  "i0", "i0e", "i1", "i1e"])
def test_integer_inputs_become_the_default_float_as_pytorch(name):
    """These forwards keep their input's dtype: on int64 they truncated to integers."""
    torch = pytest.importorskip("torch")
    ints = np.array([1, 2, 5])
    ours = getattr(ag, name)(ag.constant(ints, dtype=ag.int64))
    theirs = getattr(torch.special if name.startswith("i") else torch, name)(
        torch.tensor(ints))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-5)


# --- clip with array bounds (PyTorch's clamp with tensor bounds) ----------------------

TRIPLES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


def _apart(rng, shape, offset):
    """Integers plus ``offset``: x, lo and hi drawn with offsets 0, 1/3 and 2/3 are never
    closer than 1/3, so no finite difference straddles a kink."""
    return rng.integers(-3, 4, shape) + offset


@given(shapes=TRIPLES, seed=SEEDS)
def test_clip_with_array_bounds_broadcasts_and_differentiates_as_pytorch(shapes, seed):
    rng = np.random.default_rng(seed)
    x, lo, hi = (_apart(rng, s, k / 3) for k, s in enumerate(shapes.input_shapes))
    y = ag.clip(ag.Value(x), ag.Value(lo), ag.Value(hi))
    np.testing.assert_array_equal(y.data, np.clip(x, lo, hi))  # lo > hi somewhere: hi wins
    check_second_order(ag.clip, x, lo, hi)
    torch = pytest.importorskip("torch")
    # PyTorch's clamp raises in its backward when the bounds broaden x's shape ("output
    # with shape [] doesn't match the broadcast shape [1]"): x is broadcast first for it.
    def wide(a, *bounds):
        return a.expand(torch.broadcast_shapes(a.shape, *(b.shape for b in bounds)))
    compare_with_torch(ag.clip, lambda a, b, c: torch.clamp(wide(a, b, c), b, c), x, lo, hi,
                       seed=seed)
    compare_with_torch(lambda a, b: a.clamp(min=b), lambda a, b: wide(a, b).clamp(min=b),
                       x, lo)
    compare_with_torch(lambda a, b: ag.clamp(a, max=b),
                       lambda a, b: torch.clamp(wide(a, b), max=b), x, hi)


def test_clip_with_array_bounds_at_ties_gives_the_gradient_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([1.0, 3.0, 2.0, 2.0, 0.0, 4.0])
    lo = np.array([1.0, 1.0, 2.0, 3.0, 1.0, 2.0])
    hi = np.array([3.0, 3.0, 2.0, 3.0, 1.0, 2.0])  # the last four: lo == hi
    compare_with_torch(ag.clip, torch.clamp, x, lo, hi)


def test_numpy_and_torch_spellings_of_clip_take_array_bounds():
    v = ag.Value(np.arange(1.0, 7.0).reshape(2, 3))
    w = ag.Value(np.full((2, 3), 2.5), requires_grad=True)
    y = np.clip(v, w, None)  # numpy's dispatch: the library's op, not a recursion
    np.testing.assert_array_equal(y.data, np.clip(v.data, 2.5, None))
    y.sum().backward()
    np.testing.assert_array_equal(w.grad, [[1, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(v.grad, [[0, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(np.clip(v, [2, 2, 2], 4.5).data,
                                  np.clip(v.data, [2, 2, 2], 4.5))
    np.testing.assert_array_equal(ag.clip_by_value(v, np.zeros(3), w).data,
                                  np.minimum(v.data, 2.5))
    assert v.clamp(min=w).dtype == v.dtype
    with pytest.raises(ValueError, match=r"clip: the bounds of shapes \(4,\) and \(\) do not "
                                         r"broadcast with x of shape \(2, 3\)"):
        ag.clip(v, np.ones(4))
