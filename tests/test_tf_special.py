"""TensorFlow's tf.math.special dawsn, expint, fresnel_cos, fresnel_sin and spence
(``ops.tf_special``).

Forward against mpmath at 30 digits (dawsn at 80: exp(-x**2) erfi(x) cancels x**2's
digits) over wide ranges, both sides of every Cephes branch point, 0, -0, tiny, huge,
±inf and NaN; float32 in, float32 out; first derivatives against central differences
(hypothesis shapes, broadcasting) and against the analytic derivative in mpmath; second
derivatives through the recorded path; the names. No PyTorch function matches these.

Measured worst errors (fixed seeds below; each bound is about 1.5 times it):
dawsn relative 4.5e-16; expint relative 1.4e-15 where |Ei| > 0.1, absolute 1.4e-16 near
its zero; fresnel_cos and fresnel_sin relative 6.7e-16 (up to 1e17); spence relative
3.3e-15. Derivatives: dawsn' and the Fresnel derivatives absolute 9.4e-16 (dawsn's
1 - 2 x F(x), TensorFlow's formula, cancels for large |x|), Ei' and spence' relative
2.2e-16.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import ops
from autograd_core.ops import tf_special
from derivatives import check_second_order

# the ground truth here (installed with the dev extras)
mpmath = pytest.importorskip("mpmath")

NAMES = ("dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence")
OPS = {"dawsn": ops.Dawsn, "expint": ops.Expint, "fresnel_cos": ops.FresnelCos,
       "fresnel_sin": ops.FresnelSin, "spence": ops.Spence}
SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=25, deadline=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
RNG = np.random.default_rng(2024)


def below(x):
    return np.nextafter(x, -np.inf)


def above(x):
    return np.nextafter(x, np.inf)


def log_uniform(low, high, n):
    return np.exp(RNG.uniform(np.log(low), np.log(high), n))


def array_of(name):
    return getattr(tf_special, f"{name}_array")


def dawson(t):
    with mpmath.workdps(80):
        t = mpmath.mpf(t)
        return mpmath.sqrt(mpmath.pi) / 2 * mpmath.exp(-t * t) * mpmath.erfi(t)


def spence_of(t):
    """scipy's convention: spence(x) = Li2(1 - x)."""
    return mpmath.polylog(2, 1 - mpmath.mpf(t))


REFERENCE = {"dawsn": dawson, "expint": mpmath.ei, "fresnel_cos": mpmath.fresnelc,
             "fresnel_sin": mpmath.fresnels, "spence": spence_of}
DERIVATIVE = {"dawsn": lambda t: 1 - 2 * t * dawson(t),
              "expint": lambda t: mpmath.exp(t) / t,
              # cospi reduces x**2/2 exactly, as mpmath.cos of pi/2 x**2 would not
              "fresnel_cos": lambda t: mpmath.cospi(t * t / 2),
              "fresnel_sin": lambda t: mpmath.sinpi(t * t / 2),
              "spence": lambda t: mpmath.log(t) / (1 - t)}


def reference(name, x, derivative=False):
    f = (DERIVATIVE if derivative else REFERENCE)[name]
    # 40 digits hold x**2 exactly (106 bits), which the Fresnel derivatives' phase needs
    with mpmath.workdps(40 if derivative else 30):
        return np.array([float(f(mpmath.mpf(float(t)))) for t in x])


def relative_error(got, expected):
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(got[np.isinf(expected)], expected[np.isinf(expected)])
    finite = np.isfinite(expected) & (expected != 0)
    return np.max(np.abs(got[finite] - expected[finite]) / np.abs(expected[finite]))


def wide(name):
    """Each function's test points: random ones over its range, the branch points of its
    Cephes approximation from both sides, tiny and huge ones."""
    if name == "dawsn":
        edges = [3.25, 6.25, 1e9]
        x = [RNG.uniform(-12, 12, 600), log_uniform(1e-300, 1e12, 400)]
    elif name == "expint":
        edges = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
        x = [RNG.uniform(-60, 60, 600), -log_uniform(1e-300, 740, 300),
             log_uniform(1e-300, 716, 300), -np.array(edges)]
    elif name == "spence":
        edges = [0.5, 1.5, 2.0, 1.0]
        x = [RNG.uniform(0, 10, 600), log_uniform(1e-300, 1e300, 400)]
    else:
        edges = [math.sqrt(2.5625), 36974.0, 2.0 ** 53]
        x = [RNG.uniform(-12, 12, 600), log_uniform(1e-100, 1e17, 400),
             log_uniform(1.0, 4e4, 200)]
    edges = np.array(edges)
    both = np.concatenate([below(edges), edges, above(edges)])
    return np.concatenate(x + [both, -both if name != "spence" else both])


BOUNDS = {"dawsn": 7e-16, "fresnel_cos": 1e-15, "fresnel_sin": 1e-15, "spence": 5e-15}


# --- forward --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_forward_against_mpmath(name):
    x = wide(name)
    x = x[x != 1] if name == "spence" else x
    got = getattr(ag.math.special, name)(ag.Value(x))
    assert type(got.op) is OPS[name] and got.dtype == np.float64
    expected = reference(name, x)
    if name == "expint":
        # Ei has a zero at 0.3725: there the error is measured against its scale
        near_zero = np.abs(expected) <= 0.1
        assert relative_error(got.numpy()[~near_zero], expected[~near_zero]) < 2e-15
        assert np.max(np.abs(got.numpy()[near_zero] - expected[near_zero])) < 2e-16
    else:
        assert relative_error(got.numpy(), expected) < BOUNDS[name]


def test_zero_infinities_nan_and_symmetry():
    inf, nan = np.inf, np.nan
    x = np.array([0.0, -0.0, inf, -inf, nan])
    special = ag.math.special
    np.testing.assert_array_equal(special.dawsn(x).numpy(), [0, 0, 0, 0, nan])
    np.testing.assert_array_equal(special.expint(x).numpy(), [-inf, -inf, inf, 0, nan])
    np.testing.assert_array_equal(special.fresnel_cos(x).numpy(), [0, 0, 0.5, -0.5, nan])
    np.testing.assert_array_equal(special.fresnel_sin(x).numpy(), [0, 0, 0.5, -0.5, nan])
    np.testing.assert_array_equal(special.spence(x).numpy(), [np.pi ** 2 / 6] * 2 + [-inf, nan,
                                                                                   nan])
    # the odd functions keep the sign of 0 and of the tiny; Ei(-inf) is -0
    for name in ("dawsn", "fresnel_cos", "fresnel_sin"):
        assert np.signbit(getattr(special, name)(-0.0).numpy())
    assert np.signbit(special.expint(-inf).numpy())
    # odd, exactly
    x = np.concatenate([RNG.uniform(0, 20, 300), log_uniform(1e-300, 1e300, 300)])
    for name in ("dawsn", "fresnel_cos", "fresnel_sin"):
        f = array_of(name)
        np.testing.assert_array_equal(f(-x), -f(x), err_msg=name)
    # spence: NaN below 0, its fixed values, and spence(2) = -pi**2/12
    np.testing.assert_array_equal(special.spence(np.array([-1e-300, -1.0, -inf])).numpy(), nan)
    np.testing.assert_array_equal(special.spence(np.array([1.0])).numpy(), [0.0])
    assert math.isclose(float(special.spence(np.float64(2.0))), -np.pi ** 2 / 12, rel_tol=4e-15)


def test_tiny_and_huge_arguments():
    tiny = np.array([5e-324, 1e-310, 1e-200, 1e-20])
    # dawsn(x) = x - 2x**3/3 ..., C(x) = x - ..., S(x) = pi x**3 / 6 ... near 0
    np.testing.assert_allclose(tf_special.dawsn_array(tiny), tiny, rtol=1e-16, atol=0)
    np.testing.assert_allclose(tf_special.fresnel_cos_array(tiny), tiny, rtol=1e-16, atol=0)
    np.testing.assert_allclose(tf_special.fresnel_sin_array(tiny[2:]),
                               np.pi * tiny[2:] ** 3 / 6, rtol=1e-15)
    # Ei(x) = gamma + log|x| + x near 0, on both sides
    for x in (tiny, -tiny):
        np.testing.assert_allclose(tf_special.expint_array(x),
                                   np.euler_gamma + np.log(np.abs(x)) + x, rtol=1e-15)
    # dawsn beyond 1e9 is 1/(2x), with x's sign (TensorFlow's kernel flips it twice there)
    huge = np.array([1e9, 3e9, 1e200, 1e308])
    np.testing.assert_array_equal(tf_special.dawsn_array(-huge[1:]), -0.5 / huge[1:])
    # Ei is finite up to 716.355, where exp(x) alone has overflowed, and E1 underflows
    # below -745.2
    x = np.array([709.9, 715.0, 716.0, 716.35])
    np.testing.assert_allclose(tf_special.expint_array(x), reference("expint", x), rtol=2e-15)
    np.testing.assert_array_equal(tf_special.expint_array(np.array([716.36, 1e300])), np.inf)
    assert tf_special.expint_array(-746.0) == 0 and np.signbit(tf_special.expint_array(-746.0))
    # the Fresnel integrals from x = 2**53 on are 1/2 - sign stuff below an ulp of 1/2;
    # in between, their oscillation 1/(pi x) is there to the last digit
    x = log_uniform(1e4, 1e15, 100)
    np.testing.assert_allclose(tf_special.fresnel_cos_array(x) - 0.5,
                               reference("fresnel_cos", x) - 0.5, rtol=1e-10, atol=1e-17)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    x64 = wide(name)
    x64 = x64[np.abs(x64) < 3e38]
    x32 = x64.astype(np.float32)
    got = getattr(ag.math.special, name)(ag.Value(x32))
    assert got.dtype == np.float32
    # computed in float64, rounded once (Ei beyond 88.7 overflows float32: inf)
    with np.errstate(over="ignore"):
        rounded = array_of(name)(x32.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(got.numpy(), rounded)
    # integers are made floats of the default dtype, as the other special functions
    assert getattr(ag.math.special, name)(ag.Value(np.array([1, 2, 3]))).dtype == np.float32


# --- first derivatives ----------------------------------------------------------------------


def central_difference(name, x, h=1e-6):
    """(f(x + h) - f(x - h)) / 2h elementwise in float64, divided by the step taken."""
    f = array_of(name)
    return (f(x + h) - f(x - h)) / ((x + h) - (x - h))


def gradient(name, x):
    v = ag.Value(np.array(x, dtype=np.float64))
    getattr(ag.math.special, name)(v).sum().backward()
    return v.grad


def moderate(name, rng, shape):
    """Points where the functions are smooth and of moderate size: spence on (0.05, 12),
    Ei away from its pole at 0, the others on ±(0.05, 4)."""
    if name == "spence":
        return rng.uniform(0.05, 12, size=shape)
    sign = rng.choice([-1.0, 1.0], size=shape)
    return sign * rng.uniform(0.2 if name == "expint" else 0.05, 4, size=shape)


@pytest.mark.parametrize("name", NAMES)
def test_first_derivative_against_central_differences(name):
    x = moderate(name, RNG, 400)
    np.testing.assert_allclose(gradient(name, x), central_difference(name, x), rtol=1e-7,
                               atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_first_derivative_against_mpmath(name):
    if name == "dawsn":
        x = np.concatenate([RNG.uniform(-12, 12, 400), RNG.uniform(-1e4, 1e4, 100)])
    elif name == "expint":
        x = np.concatenate([RNG.uniform(-700, 700, 300), RNG.uniform(-5, 5, 300)])
    elif name == "spence":
        x = np.concatenate([RNG.uniform(0, 10, 300), log_uniform(1e-300, 1e300, 300),
                            1 + RNG.uniform(-1e-6, 1e-6, 50)])
    else:
        x = np.concatenate([RNG.uniform(-12, 12, 400), RNG.uniform(-1e6, 1e6, 200),
                            log_uniform(1.0, 1e40, 200)])
    got, expected = gradient(name, x), reference(name, x, derivative=True)
    if name in ("expint", "spence"):
        assert relative_error(got, expected) < 4e-16
    else:
        # 1 - 2 x F(x) and cos and sin of the phase are good to an absolute 1e-15; the
        # phase is reduced by whole turns exactly (cos(pi/2 * x**2) naively would be off
        # by 1e-3 at x = 1e6)
        assert np.max(np.abs(got - expected)) < 1.5e-15


def test_derivatives_at_their_special_points():
    # spence' = -1 at x = 1, TensorFlow's where(); log(x)/(1 - x) to either side of it
    x = np.array([1.0, above(1.0), below(1.0), 0.0, -1.0])
    np.testing.assert_allclose(gradient("spence", x)[:3], -1.0, rtol=1e-15)
    np.testing.assert_array_equal(gradient("spence", x)[3:], [-np.inf, np.nan])
    # Ei' = exp(x)/x: ±inf at ±0
    np.testing.assert_array_equal(gradient("expint", np.array([0.0, -0.0])), [np.inf, -np.inf])
    # dawsn' = 1 and C' = 1, S' = 0 at 0; the Fresnel derivatives are 1 and 0 from 2**53
    # on, where x**2 is a multiple of 4, and NaN at ±inf, as TensorFlow's
    x = np.array([0.0, 2.0 ** 53, -1e200, np.inf])
    np.testing.assert_array_equal(gradient("dawsn", x[:1]), [1.0])
    np.testing.assert_array_equal(gradient("fresnel_cos", x), [1, 1, 1, np.nan])
    np.testing.assert_array_equal(gradient("fresnel_sin", x), [0, 0, 0, np.nan])


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_derivatives_against_gradcheck_and_second_order(shape, seed):
    rng = np.random.default_rng(seed)
    for name in NAMES:
        f = getattr(ag.math.special, name)
        x = moderate(name, rng, shape)
        ag.gradcheck(f, [x])
        check_second_order(f, x)


def test_second_derivatives():
    # dawsn'' = -2 F - 2 x F', C'' = -pi x sin(pi x**2/2), S'' = pi x cos(pi x**2/2),
    # Ei'' = exp(x) (x - 1) / x**2, spence'' = (1 - x + x log x) / (x (1 - x)**2), and
    # spence''(1) = 1/2 (its limit: the recorded path differentiates -1 + (x - 1)/2 there)
    x = np.array([0.4, 1.0, 2.5, 7.0])
    with mpmath.workdps(30):
        expected = {
            "dawsn": [float(-2 * dawson(t) - 2 * t * (1 - 2 * t * dawson(t))) for t in x],
            "expint": [float(mpmath.exp(t) * (t - 1) / t ** 2) for t in x],
            "fresnel_cos": [float(-mpmath.pi * t * mpmath.sinpi(t * t / 2)) for t in x],
            "fresnel_sin": [float(mpmath.pi * t * mpmath.cospi(t * t / 2)) for t in x],
            "spence": [0.5 if t == 1 else float((1 - mpmath.mpf(t) + t * mpmath.log(t))
                                                / (t * (1 - mpmath.mpf(t)) ** 2)) for t in x]}
    for name in NAMES:
        v = ag.Value(x)
        (g,) = ag.gradients(getattr(ag.math.special, name)(v).sum(), [v], create_graph=True)
        (h,) = ag.gradients(g.sum(), [v])
        # (dawsn'' at 7: 2 x times dawsn' = 1 - 2 x F, whose cancellation leaves 1e-16)
        np.testing.assert_allclose(h.data, expected[name], rtol=1e-13, atol=4e-15,
                                   err_msg=name)
    check_second_order(ag.math.special.spence, np.array([1.0, 0.5]))


def test_broadcasting():
    # a (2, 1, 3) and b (4, 1): the ops' gradients come back broadcast, the engine sums them
    a, b = RNG.uniform(0.3, 1.5, (2, 1, 3)), RNG.uniform(0.3, 1.5, (4, 1))
    special = ag.math.special

    def f(x, y):
        return (special.dawsn(x * y) + special.fresnel_cos(x - y) * special.spence(x + y)
                - special.expint(x + y) * special.fresnel_sin(y))

    ag.gradcheck(f, [a, b])
    check_second_order(f, a, b)


# --- names ----------------------------------------------------------------------------------


def test_tensorflow_names_are_the_ops():
    for name in NAMES:
        f = getattr(ag.math.special, name)
        assert f is getattr(tf_special, name)
        assert type(f(ag.Value(np.array([0.5]))).op) is OPS[name]
        assert getattr(ops, OPS[name].__name__) is OPS[name]
        # TensorFlow-only names, as tf.math's xdivy: not top-level, not torch.special's
        assert name not in ag.__all__ and not hasattr(ag, name)
        assert name not in ag.special.__all__
    for name in ("i0", "i0e", "i1", "i1e"):
        assert getattr(ag.math.special, f"bessel_{name}") is getattr(ag, name)
    assert "dawsn" in ag.math.special.__doc__ and "spence" in ag.math.special.__doc__


def test_doc_values():
    # the values the docstrings show, and known ones (Python numbers would be float32, the
    # default dtype)
    special = ag.math.special
    with mpmath.workdps(30):
        known = {"dawsn": (1.0, float(dawson(1))), "expint": (1.0, float(mpmath.ei(1))),
                 "fresnel_cos": (1.0, float(mpmath.fresnelc(1))),
                 "fresnel_sin": (1.0, float(mpmath.fresnels(1))),
                 "spence": (0.0, float(mpmath.pi ** 2 / 6))}
    for name, (x, value) in known.items():
        assert math.isclose(float(getattr(special, name)(np.float64(x))), value,
                            rel_tol=3e-16), name
    assert math.isclose(float(special.expint(np.float64(-1.0))), float(-mpmath.e1(1)),
                        rel_tol=2e-15)
