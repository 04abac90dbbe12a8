"""The modified Bessel functions i0, i0e, i1, i1e (``ops.bessel``) and their names.

Forward against PyTorch's float64 and float32 and against mpmath over [-750, 750], 0, -0,
the branch point 8, ±inf and NaN; first derivatives against central differences and
PyTorch's autograd; second derivatives (Hessian-vector products through
``gradients(create_graph=True)``) against central differences of the first and PyTorch's
double backward; broadcasting; and numpy's, PyTorch's and TensorFlow's names for them.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import ops
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")

NAMES = ("i0", "i0e", "i1", "i1e")
OPS = {"i0": ops.I0, "i0e": ops.I0e, "i1": ops.I1, "i1e": ops.I1e}
SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=25, deadline=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
RNG = np.random.default_rng(1961)

# 0, -0, tiny, both sides of the branch point 8, and large |x| up to where i0 overflows
# (709.78 in PyTorch's exp(x) * i0e(x)).
SPECIAL = np.array([0.0, -0.0, 5e-324, -1e-300, 1e-17, 2.2e-16, 1e-8, -1e-3, 0.5, -1.0,
                    7.999999, 8.0, -8.0, 8.000001, 30.0, -100.0, 700.0, -700.0, 709.0])
WIDE = np.concatenate([SPECIAL, RNG.uniform(-20, 20, 300), RNG.uniform(-709, 709, 300)])


def t64(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def theirs(name, x):
    return getattr(torch.special, name)(torch.tensor(x)).numpy()


def relative_error(got, expected):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))
    finite = np.isfinite(expected) & (expected != 0)
    return np.max(np.abs(got[finite] - expected[finite]) / np.abs(expected[finite]))


# --- forward --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_forward_is_torchs_in_float64(name):
    got = getattr(ag, name)(ag.Value(WIDE))
    assert got.dtype == np.float64 and type(got.op) is OPS[name]
    assert relative_error(got.numpy(), theirs(name, WIDE)) < 4e-15
    zero = WIDE == 0
    np.testing.assert_array_equal(got.numpy()[zero], theirs(name, WIDE)[zero])


@pytest.mark.parametrize("name", NAMES)
def test_forward_against_mpmath(name):
    mpmath = pytest.importorskip("mpmath")
    x = np.concatenate([SPECIAL[SPECIAL != 0], RNG.uniform(-30, 30, 60),
                        RNG.uniform(-713, 713, 60)])
    order, scaled = int(name[1]), name.endswith("e")
    with mpmath.workdps(40):
        expected = np.array([float(mpmath.besseli(order, t)
                                   * (mpmath.exp(-abs(mpmath.mpf(t))) if scaled else 1))
                             for t in x])
    assert relative_error(getattr(ag, name)(x).numpy(), expected) < 2e-15


def test_large_x_without_overflow():
    x = np.array([709.9, 711.0, 713.9, -713.9, 714.0, -800.0, 1e6, 1e300])
    # i0 and i1 are finite floats up to 713.98, where exp(x) alone has overflowed
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(30):
        i0 = np.array([float(mpmath.besseli(0, t)) for t in x[:4]])
        i1 = np.array([float(mpmath.besseli(1, t)) for t in x[:4]])
    np.testing.assert_allclose(ag.i0(x[:4]).numpy(), i0, rtol=2e-15)
    np.testing.assert_allclose(ag.i1(x[:4]).numpy(), i1, rtol=2e-15)
    np.testing.assert_array_equal(ag.i0(x[4:]).numpy(), np.inf)
    np.testing.assert_array_equal(ag.i1(x[4:]).numpy(), [np.inf, -np.inf, np.inf, np.inf])
    # the scaled forms stay finite, ~ 1/sqrt(2 pi |x|), and are PyTorch's
    for name in ("i0e", "i1e"):
        got = getattr(ag, name)(x).numpy()
        assert np.all(np.isfinite(got)) and np.all(got != 0)
        np.testing.assert_allclose(np.abs(got) * np.sqrt(2 * np.pi * np.abs(x)), 1, rtol=5e-3)
        np.testing.assert_allclose(got, theirs(name, x), rtol=4e-15)


def test_zero_infinities_nan_and_symmetry():
    inf = np.inf
    x = np.array([0.0, -0.0, inf, -inf, np.nan])
    np.testing.assert_array_equal(ag.i0(x).numpy(), [1, 1, inf, inf, np.nan])
    np.testing.assert_array_equal(ag.i0e(x).numpy(), [1, 1, 0, 0, np.nan])
    np.testing.assert_array_equal(ag.i1(x).numpy(), [0, 0, inf, -inf, np.nan])
    np.testing.assert_array_equal(ag.i1e(x).numpy(), [0, 0, 0, 0, np.nan])
    assert np.signbit(ag.i1(x).numpy()[1]) and np.signbit(ag.i1e(x).numpy()[3])
    # i0 is even and i1 odd, exactly
    x = RNG.uniform(0, 700, 200)
    for name in NAMES:
        f = getattr(ag, name)
        sign = -1 if name.startswith("i1") else 1
        np.testing.assert_array_equal(f(-x).numpy(), sign * f(x).numpy())
    # i1(x) = x/2 to within x**3/16 near 0, down to the subnormals (5e-324 / 2 rounds
    # to 0 or to 5e-324)
    tiny = np.array([5e-324, 1e-310, 1e-200, 1e-20])
    np.testing.assert_allclose(ag.i1(tiny).numpy(), tiny / 2, rtol=1e-15, atol=5e-324)
    np.testing.assert_allclose(ag.i1e(tiny).numpy(), tiny / 2, rtol=1e-15, atol=5e-324)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    x64 = np.concatenate([SPECIAL, RNG.uniform(-80, 80, 200)])
    x32 = x64.astype(np.float32)
    got = getattr(ag, name)(x32)
    assert got.dtype == np.float32
    assert getattr(ag.Value(x32), "i0")().dtype == np.float32
    # computed in float64, rounded once (i0(89) overflows float32: inf)
    with np.errstate(over="ignore"):
        rounded = getattr(ag, name)(x32.astype(np.float64)).numpy().astype(np.float32)
    np.testing.assert_array_equal(got.numpy(), rounded)
    # PyTorch's float32 tables are good to about 1e-6
    assert relative_error(got.numpy(), theirs(name, x32)) < 2e-6
    # where exp(x) overflows float32 but i0 does not, the result is finite
    if name in ("i0", "i1"):
        beyond = getattr(ag, name)(np.float32([89.5, 91.0])).numpy()
        assert np.all(np.isfinite(beyond)) and beyond.dtype == np.float32


def test_np_i0_is_numpys_and_integers_become_floats():
    x = np.concatenate([SPECIAL[np.abs(SPECIAL) < 700], RNG.uniform(-50, 50, 100)])
    v = ag.Value(x)
    y = np.i0(v)
    assert isinstance(y, ag.Value) and type(y.op) is ops.I0
    assert relative_error(y.numpy(), np.i0(x)) < 2e-15
    y.sum().backward()
    np.testing.assert_allclose(v.grad, ag.i1(x).numpy(), rtol=1e-15)
    # integers: float64 out, as numpy's np.i0
    ints = np.array([0, 1, -2, 3])
    for name in NAMES:
        out = getattr(ops.bessel, f"{name}_array")(ints)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, getattr(ag, name)(ints.astype(np.float64)).numpy())


# --- first derivatives ----------------------------------------------------------------------


def central_difference(name, x, h=1e-5):
    """(f(x + h) - f(x - h)) / 2h elementwise in float64: the ops act element by element,
    so one vector of steps differentiates every element at once. The step divided by is
    the one taken (x + h rounds at x = 700)."""
    f = getattr(ops.bessel, f"{name}_array")
    return (f(x + h) - f(x - h)) / ((x + h) - (x - h))


def gradient(name, x):
    v = ag.Value(np.array(x, dtype=np.float64))
    getattr(ag, name)(v).sum().backward()
    return v.grad


@pytest.mark.parametrize("name", NAMES)
def test_first_derivative_against_central_differences(name):
    x = np.concatenate([RNG.uniform(-20, 20, 200), RNG.uniform(-705, 705, 100),
                        [0.3, -0.3, 7.999, 8.001, 700.0, -700.0]])
    x = x[np.abs(x) > 1e-3]   # i0e and i1e have a kink at 0
    np.testing.assert_allclose(gradient(name, x), central_difference(name, x), rtol=1e-8,
                               atol=1e-10)


def test_derivatives_at_zero_and_near_it():
    x = np.array([0.0, -0.0, 5e-324, -1e-300, 1e-17, 2.2e-16, 4.5e-16, -1e-8, 1e-6])
    # i0' = i1 and i0e' = i1e - sign(x) i0e: 0 at 0
    np.testing.assert_array_equal(gradient("i0", x[:2]), [0.0, 0.0])
    np.testing.assert_array_equal(gradient("i0e", x[:2]), [0.0, 0.0])
    # i1' = i0 - i1/x and i1e' = i0e - i1e (sign(x) + 1/x): their limit 1/2 at 0, and
    # 1/2 + 3x**2/16 (i1) and 1/2 - |x| + 15x**2/16 (i1e) near it, with no 0/0
    np.testing.assert_allclose(gradient("i1", x), 0.5 + 3 * x ** 2 / 16, rtol=2e-15)
    np.testing.assert_allclose(gradient("i1e", x), 0.5 - np.abs(x) + 15 * x ** 2 / 16,
                               rtol=2e-15)
    for name in NAMES:
        np.testing.assert_allclose(gradient(name, x), _torch_gradient(name, x), rtol=2e-15,
                                   atol=0, err_msg=name)


def _torch_gradient(name, x):
    t = torch.tensor(x, requires_grad=True)
    getattr(torch.special, name)(t).sum().backward()
    return t.grad.numpy()


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_derivatives_against_gradcheck_and_second_order(shape, seed):
    rng = np.random.default_rng(seed)
    # moderate x (gradcheck sums the outputs: i0(40) = 1.5e16 would drown the others),
    # away from the kink of i0e and i1e at 0
    x = rng.uniform(0.05, 12, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    for name in NAMES:
        f = getattr(ag, name)
        ag.gradcheck(f, [x])
        check_second_order(f, x)


def test_second_derivatives_at_zero():
    # i0 and i1 are smooth at 0: i0'' = i1' = 1/2 there, i1'' = 0
    zeros = np.zeros(3)
    check_second_order(ag.i0, zeros)
    check_second_order(ag.i1, zeros)
    for name in NAMES:
        v = ag.Value(np.array([0.0, 1.5, -2.0]))
        (g,) = ag.gradients(getattr(ag, name)(v).sum(), [v], create_graph=True)
        (h,) = ag.gradients(g.sum(), [v])
        t = torch.tensor([0.0, 1.5, -2.0], dtype=torch.float64, requires_grad=True)
        (tg,) = torch.autograd.grad(getattr(torch.special, name)(t).sum(), t, create_graph=True)
        (th,) = torch.autograd.grad(tg.sum(), t)
        np.testing.assert_allclose(h.data, th.numpy(), rtol=1e-13, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("name", NAMES)
def test_first_and_second_derivatives_are_torchs(name):
    # 0, -0, tiny and large |x|: the outputs, gradients and double backward (H v) agree.
    # i1e' = i0e - i1e (1 + 1/x) cancels for large x (i1e ~ i0e (1 - 1/2x)), so one ulp
    # of i0e or i1e becomes 2x ulps of the gradient, in PyTorch's as in ours.
    x = np.concatenate([[0.0, -0.0, 1e-300, 1e-17, -1e-4, 8.0, -8.0, 700.0, -700.0],
                        RNG.uniform(-30, 30, 40), RNG.uniform(-700, 700, 20)])
    compare_with_torch(getattr(ag, name), getattr(torch.special, name), x, rtol=1e-12,
                       atol=1e-300)


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_derivatives_are_torchs_over_shapes(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape) * rng.choice([0.5, 5.0, 100.0], size=shape)
    for name in NAMES:
        compare_with_torch(getattr(ag, name), getattr(torch.special, name), x, rtol=1e-12)


def test_broadcasting():
    # a (2, 1, 3) and b (4, 1): the ops' gradients come back broadcast, the engine sums them
    a, b = RNG.normal(size=(2, 1, 3)) * 1.5, RNG.normal(size=(4, 1)) * 1.5

    def f(x, y):
        return ag.i0(x * y) + ag.i1e(x + y) * ag.i1(y) - ag.i0e(x - y)

    def tf(x, y):
        s = torch.special
        return s.i0(x * y) + s.i1e(x + y) * s.i1(y) - s.i0e(x - y)

    compare_with_torch(f, tf, a, b, rtol=1e-12)
    ag.gradcheck(f, [a, b])
    check_second_order(f, a, b)


# --- names ----------------------------------------------------------------------------------


def test_numpy_torch_and_tensorflow_names_are_the_ops():
    for name in NAMES:
        f = getattr(ag, name)
        assert name in ag.__all__ and f is getattr(ops, name)
        assert getattr(ag.special, name) is f                     # torch.special.i0
        assert getattr(ag.math, f"bessel_{name}") is f            # tf.math.bessel_i0
        assert getattr(ag.math.special, f"bessel_{name}") is f    # tf.math.special
        assert getattr(ag.math, name) is f
    assert ag.special.modified_bessel_i0 is ag.i0 and ag.special.modified_bessel_i1 is ag.i1
    # torch's x.i0(); ag.i0 is the same function taking out= as well (ops/_out.py)
    assert ag.Value.i0 is ops.bessel.i0 and ag.i0.__wrapped__ is ops.bessel.i0
    assert ops.interop.FUNCTIONS[np.i0] is ops.bessel.i0
    x = ag.Value(np.array([0.5, -2.0]))
    assert type(x.i0().op) is ops.I0 and type(np.i0(x).op) is ops.I0


def test_special_namespace_has_torchs_names():
    assert "special" in ag.__all__
    for name in ag.special.__all__:
        assert hasattr(torch.special, name), name
        assert getattr(ag.special, name) is getattr(ag, {"expit": "sigmoid"}.get(
            name, {"modified_bessel_i0": "i0", "modified_bessel_i1": "i1"}.get(name, name)))
    x = np.array([0.3, -1.2, 2.5])
    for name in ("i0", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1",
                 "expit", "erfc", "gammaln", "xlogy"):
        args = (x, np.abs(x)) if name == "xlogy" else (x,)
        np.testing.assert_allclose(
            getattr(ag.special, name)(*args).numpy(),
            getattr(torch.special, name)(*[t64(a) for a in args]).numpy(), rtol=1e-14,
            err_msg=name)


def test_doc_values():
    # the values the docstrings show
    assert math.isclose(float(ag.i0(np.float64(1.0))), 1.2660658777520082, rel_tol=1e-15)
    assert math.isclose(float(ag.i1(np.float64(1.0))), 0.5651591039924851, rel_tol=1e-15)
