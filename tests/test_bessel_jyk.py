"""J0, J1, Y0, Y1, K0, K1, k0e, k1e, spherical j0 and Ai (``ops.bessel_jyk``) and their names.

Forward against mpmath (the ground truth, 30 digits) over wide ranges, both sides of each
branch point (2 for K, 2.09 and 8.3 for Ai, 5 for J and Y), tiny and huge x; against
PyTorch's float64, whose ports are exact where ours are (K, spherical j0, Ai for
x > -2.09) and off by up to 1e-6 elsewhere (its J, Y and negative Ai drop a leading term
of Cephes' denominators); PyTorch's values at 0, -0, negative x, ±inf and NaN; float32
in, float32 out. PyTorch has no autograd for these, so first derivatives are checked
against central differences and mpmath's derivatives, second derivatives (Hessian-vector
products) against central differences of the first.
"""

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import ops
from autograd_core.ops import bessel_jyk
from derivatives import check_second_order

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")

OPS = {"bessel_j0": ops.BesselJ0, "bessel_j1": ops.BesselJ1, "bessel_y0": ops.BesselY0,
       "bessel_y1": ops.BesselY1, "modified_bessel_k0": ops.ModifiedBesselK0,
       "modified_bessel_k1": ops.ModifiedBesselK1,
       "scaled_modified_bessel_k0": ops.ScaledModifiedBesselK0,
       "scaled_modified_bessel_k1": ops.ScaledModifiedBesselK1,
       "spherical_bessel_j0": ops.SphericalBesselJ0, "airy_ai": ops.AiryAi}
NAMES = tuple(OPS)
SEEDS = st.integers(0, 2**32 - 1)
FEW = settings(max_examples=15, deadline=None)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
RNG = np.random.default_rng(1934)


def reference(name, t, derivative=0):
    """mpmath's value (or first derivative) of the function ``name`` at the float t."""
    t = mpmath.mpf(float(t))
    with mpmath.workdps(30):
        f = {"bessel_j0": lambda u: mpmath.besselj(0, u), "bessel_j1": lambda u: mpmath.besselj(1, u),
             "bessel_y0": lambda u: mpmath.bessely(0, u), "bessel_y1": lambda u: mpmath.bessely(1, u),
             "modified_bessel_k0": lambda u: mpmath.besselk(0, u),
             "modified_bessel_k1": lambda u: mpmath.besselk(1, u),
             "scaled_modified_bessel_k0": lambda u: mpmath.besselk(0, u) * mpmath.exp(u),
             "scaled_modified_bessel_k1": lambda u: mpmath.besselk(1, u) * mpmath.exp(u),
             "spherical_bessel_j0": lambda u: mpmath.sin(u) / u if u else mpmath.mpf(1),
             "airy_ai": mpmath.airyai,
             "airy_ai_prime": lambda u: mpmath.airyai(u, derivative=1)}[name]
        if not derivative:
            return float(f(t))
        # the closed forms mpmath has, else its numerical differentiation
        closed = {"bessel_j0": lambda u: mpmath.besselj(0, u, derivative=1),
                  "bessel_j1": lambda u: mpmath.besselj(1, u, derivative=1),
                  "bessel_y0": lambda u: mpmath.bessely(0, u, derivative=1),
                  "bessel_y1": lambda u: mpmath.bessely(1, u, derivative=1),
                  "airy_ai": lambda u: mpmath.airyai(u, derivative=1),
                  # Airy's equation, Ai'' = x Ai (mpmath's derivative=2 fails at x = -1000)
                  "airy_ai_prime": lambda u: u * mpmath.airyai(u)}
        return float(closed[name](t) if name in closed else mpmath.diff(f, t))


def references(name, x, derivative=0):
    return np.array([reference(name, t, derivative) for t in np.ravel(x)]).reshape(np.shape(x))


def function(name):
    return bessel_jyk.airy_ai_prime if name == "airy_ai_prime" else getattr(ag, name)


def array_function(name):
    return getattr(bessel_jyk, f"{name}_array")


def ranges(name):
    """(low, high) ranges sampled for ``name``: both sides of each of its branch points."""
    if name.startswith("bessel"):
        return [(1e-6, 2), (2, 5), (5, 8), (8, 30), (30, 1e3), (1e3, 1e6)]
    if "modified" in name:
        return [(1e-6, 2), (2, 8), (8, 50), (50, 700)]
    if name.startswith("airy"):
        return [(-1e3, -30), (-30, -2.09), (-2.09, 0), (0, 2.09), (2.09, 8.3), (8.3, 100)]
    return [(-0.5, 0.5), (0.5, 30), (30, 1e4)]


def amplitude(name, x, expected):
    """What the error is measured against: |f(x)|, except where f oscillates, there its
    envelope (near a zero of J, Y or Ai the error is absolute, as in Cephes): sqrt(2/(pi x))
    for J and Y beyond 5, |x|**-1/4 / sqrt(pi) for Ai (|x|**1/4 for Ai') below -2.09, 1/|x|
    for sin(x)/x beyond 1/2."""
    if name.startswith("bessel"):
        return np.where(x > 5, np.sqrt(2 / (np.pi * np.abs(x))), np.abs(expected))
    if name.startswith("airy"):
        power = 0.25 if name == "airy_ai_prime" else -0.25
        return np.where(x < -2.09, np.abs(np.minimum(x, -2.09)) ** power / np.sqrt(np.pi),
                        np.abs(expected))
    if name == "spherical_bessel_j0":
        return np.where(np.abs(x) > 0.5, 1 / np.abs(x), np.abs(expected))
    return np.abs(expected)


# Measured (max over 400 points per range, error / amplitude; the docstring of
# ops/bessel_jyk.py lists them), with a margin of about 2.
# J and Y below 5 are judged relatively, and relative error grows near their zeros (2.405
# for J0, 0.894 for Y0...); Ai's phase 2/3 |x|**1.5 rounds by |x|**1.5 * 1e-16 below
# -2.09, and its decay exp(-2/3 x**1.5) likewise above 8.3, as in Cephes.
BOUNDS = {"bessel": [2e-15, 2e-13, 5e-15, 1e-15, 1e-15, 1e-15],
          "bessel_y0": [5e-12, 1e-12, 5e-15, 1e-15, 1e-15, 1e-15],
          "modified": [3e-15, 1e-15, 1e-15, 1e-15],
          "airy": [1e-11, 1e-13, 3e-14, 5e-14, 3e-14, 5e-13],
          "spherical_bessel_j0": [3e-16, 5e-16, 5e-16]}


def bounds(name):
    for key in (name, "bessel_y0" if name == "bessel_y1" else None, name.split("_")[0],
                "modified" if "modified" in name else None):
        if key in BOUNDS:
            return BOUNDS[key]
    raise KeyError(name)


def theirs(name, x):
    return getattr(torch.special, name)(torch.tensor(x)).numpy()


# --- forward --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES + ("airy_ai_prime",))
def test_forward_against_mpmath(name):
    for (low, high), bound in zip(ranges(name), bounds(name), strict=True):
        x = np.concatenate([RNG.uniform(low, high, 60), [low, high]])
        expected = references(name, x)
        got = array_function(name)(x)
        error = np.abs(got - expected) / amplitude(name, x, expected)
        assert error.max() < bound, (name, low, high, error.max(), x[np.argmax(error)])


@pytest.mark.parametrize("name", NAMES)
def test_forward_against_torch_in_float64(name):
    x = np.concatenate([RNG.uniform(low, high, 40) for low, high in ranges(name)])
    got = getattr(ag, name)(ag.Value(x))
    assert got.dtype == np.float64 and type(got.op) is OPS[name]
    expected = references(name, x)
    scale = amplitude(name, x, expected)
    ours = np.abs(got.numpy() - expected) / scale
    torchs = np.abs(theirs(name, x) - expected) / scale
    if name.startswith("bessel") or name == "airy_ai":
        # PyTorch's J, Y (and Ai below -2.09) lose up to 1e-6; ours are Cephes' to 1e-12
        assert torchs.max() > 1e-9 and ours.max() < 1e-11
        exact = (x < -2.09) if name == "airy_ai" else np.zeros(x.shape, bool)
        np.testing.assert_allclose(got.numpy()[~exact & (x <= 2)], theirs(name, x)[~exact & (x <= 2)],
                                   rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(got.numpy(), theirs(name, x), rtol=0,
                                   atol=1e-5 * np.max(scale))
    else:
        np.testing.assert_allclose(got.numpy(), theirs(name, x), rtol=4e-15, atol=1e-300)


EDGES = np.array([0.0, -0.0, -1e-300, -1.0, -3.0, -6.0, np.inf, -np.inf, np.nan, 5e-324,
                  1e-310, 1e-300, 1e-17, 1e-6, 2.0, 2.09, -2.09, 5.0, 8.3203353, 103.0,
                  120.0, 800.0])


@pytest.mark.parametrize("name", NAMES)
def test_edges_are_torchs(name):
    # 0, -0, negatives, tiny, ±inf and NaN: PyTorch's values bit for bit (NaN for NaN),
    # and close to them at the branch points
    got, expected = getattr(ag, name)(EDGES).numpy(), theirs(name, EDGES)
    special = ~np.isfinite(expected) | (EDGES == 0) | ~np.isfinite(EDGES)
    if name.startswith(("bessel_y", "modified", "scaled")):
        special |= EDGES < 0
    np.testing.assert_array_equal(got[special], expected[special])
    signed = special & ~np.isnan(expected)
    np.testing.assert_array_equal(np.signbit(got[signed]), np.signbit(expected[signed]))
    np.testing.assert_allclose(got[~special], expected[~special], rtol=2e-6, atol=1e-300)


def test_limits_and_symmetry():
    x = RNG.uniform(0, 50, 200)
    np.testing.assert_array_equal(ag.bessel_j0(-x).numpy(), ag.bessel_j0(x).numpy())
    np.testing.assert_array_equal(ag.bessel_j1(-x).numpy(), -ag.bessel_j1(x).numpy())
    np.testing.assert_array_equal(ag.spherical_bessel_j0(-x).numpy(),
                                  ag.spherical_bessel_j0(x).numpy())
    # Y and K are real for x > 0 only; Y1 and K1 ~ ∓1/x overflow below 1e-308
    negative = -RNG.uniform(1e-300, 100, 20)
    for name in ("bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
                 "scaled_modified_bessel_k0", "scaled_modified_bessel_k1"):
        assert np.all(np.isnan(getattr(ag, name)(negative).numpy())), name
    assert ag.bessel_y1(np.array([1e-309])).numpy()[0] == -np.inf
    assert ag.modified_bessel_k1(np.array([1e-309])).numpy()[0] == np.inf
    # K underflows beyond 745, its scaled form does not: exp(x) K(x) ~ sqrt(pi / 2x)
    far = np.array([750.0, 1e4, 1e300])
    np.testing.assert_array_equal(ag.modified_bessel_k0(far).numpy(), 0.0)
    for name in ("scaled_modified_bessel_k0", "scaled_modified_bessel_k1"):
        np.testing.assert_allclose(getattr(ag, name)(far).numpy(), np.sqrt(np.pi / (2 * far)),
                                   rtol=1e-3)
    # J and Y at huge x keep their phase (sums of cos x and sin x, not cos(x - pi/4))
    huge = np.array([1e10, 1e15, 1e100, 1e300])
    for name in ("bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1"):
        error = np.abs(getattr(ag, name)(huge).numpy() - references(name, huge))
        assert np.all(error < 1e-15 * np.sqrt(2 / (np.pi * huge))), name
    # Ai goes down to the subnormals past 104 (PyTorch's is 0 from 103.892)
    tail = np.array([104.0, 106.0, 108.0])
    got = ag.airy_ai(tail).numpy()
    assert got[0] > 0 and got[1] > 0 and got[2] == 0
    np.testing.assert_allclose(got[:1], references("airy_ai", tail[:1]), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    x64 = np.concatenate([EDGES, RNG.uniform(-30, 30, 100), RNG.uniform(0, 300, 50)])
    x32 = x64.astype(np.float32)
    got = getattr(ag, name)(x32)
    assert got.dtype == np.float32
    # computed in float64, rounded once
    with np.errstate(over="ignore"):
        rounded = getattr(ag, name)(x32.astype(np.float64)).numpy().astype(np.float32)
    np.testing.assert_array_equal(got.numpy(), rounded)
    ints = np.array([1, 2, 3])
    assert array_function(name)(ints).dtype == np.float64
    assert getattr(ag, name)(ints).dtype == ag.get_default_dtype()


# --- first derivatives ----------------------------------------------------------------------


def domain(name, rng, shape):
    """x where the function is real and smooth: away from 0 for Y and K."""
    if name.startswith(("bessel_y", "modified", "scaled")):
        return rng.uniform(0.1, 12, shape)
    scale = 8.0 if name.startswith("airy") else 15.0
    return rng.uniform(-scale, scale, shape)


def gradient(name, x):
    v = ag.Value(np.array(x, dtype=np.float64))
    function(name)(v).sum().backward()
    return v.grad


@pytest.mark.parametrize("name", NAMES + ("airy_ai_prime",))
def test_first_derivative_against_mpmath(name):
    x = np.concatenate([domain(name, RNG, 30),
                        [a for low, high in ranges(name) for a in (low, high)
                         if abs(a) <= 700 and (a > 0 or not name.startswith(
                             ("bessel_y", "modified", "scaled")))]])
    expected = references(name, x, derivative=1)
    got = gradient(name, x)
    # the derivatives of k0e and k1e cancel (k0e - k1e ~ -k0e / 2x) by up to 2x ulps
    rtol = 1e-12 if name.startswith("scaled") else 1e-13
    np.testing.assert_allclose(got, expected, rtol=rtol,
                               atol=1e-15 * np.max(np.abs(expected)), err_msg=name)


@pytest.mark.parametrize("name", NAMES + ("airy_ai_prime",))
def test_first_derivative_against_central_differences(name):
    x = domain(name, RNG, 200)
    f, h = array_function(name), 1e-6
    numeric = (f(x + h) - f(x - h)) / ((x + h) - (x - h))
    np.testing.assert_allclose(gradient(name, x), numeric, rtol=1e-6, atol=1e-8)


def test_derivatives_at_zero_and_near_it():
    x = np.array([0.0, -0.0, 5e-324, 1e-17, 2.2e-16, -1e-8, 1e-3])
    # J0' = -J1, J1' = J0 - J1/x (1/2 at 0) and (sin x / x)' by their series
    np.testing.assert_allclose(gradient("bessel_j0", x), -x / 2 + x ** 3 / 16 - x ** 5 / 384,
                               rtol=1e-15, atol=5e-324)
    np.testing.assert_allclose(gradient("bessel_j1", x), 0.5 - 3 * x ** 2 / 16 + 5 * x ** 4 / 384,
                               rtol=2e-15)
    np.testing.assert_allclose(gradient("spherical_bessel_j0", x),
                               -x / 3 + x ** 3 / 30 - x ** 5 / 840,
                               rtol=1e-15, atol=5e-324)
    np.testing.assert_allclose(gradient("airy_ai", x[:2]), reference("airy_ai_prime", 0.0),
                               rtol=1e-15)
    # Y and K: their limits ±inf at ±0, never NaN
    zeros = np.array([0.0, -0.0])
    for name, limit in [("bessel_y0", np.inf), ("bessel_y1", np.inf),
                        ("modified_bessel_k0", -np.inf), ("modified_bessel_k1", -np.inf),
                        ("scaled_modified_bessel_k0", -np.inf),
                        ("scaled_modified_bessel_k1", -np.inf)]:
        np.testing.assert_array_equal(gradient(name, zeros), limit, err_msg=name)
    # and NaN where the function is
    for name in ("bessel_y0", "bessel_y1", "modified_bessel_k0", "scaled_modified_bessel_k1"):
        assert np.all(np.isnan(gradient(name, [-1.0, -7.0, np.nan]))), name


@FEW
@given(shape=SHAPES, seed=SEEDS)
def test_gradcheck_and_second_order_over_shapes(shape, seed):
    rng = np.random.default_rng(seed)
    for name in NAMES + ("airy_ai_prime",):
        x = domain(name, rng, shape)
        ag.gradcheck(function(name), [x])
        check_second_order(function(name), x)


@pytest.mark.parametrize("name", NAMES + ("airy_ai_prime",))
def test_second_derivatives_across_branch_points(name):
    # each side of 2 (K), 5 (J, Y), 2.09 and 8.32 (Ai), 1/2 (sin x / x), and 0 where smooth
    points = {"bessel": [0.0, 4.99, 5.01, 0.3], "modified": [1.99, 2.01, 0.3, 9.0],
              "scaled": [1.99, 2.01, 0.3, 9.0], "airy": [-2.1, -2.08, 2.08, 2.1, 8.3, 8.34],
              "spherical": [0.0, 0.49, 0.51, -3.0]}[name.split("_")[0]]
    if name.startswith("bessel_y"):
        points = [0.3, 4.99, 5.01, 20.0]
    check_second_order(function(name), np.array(points), eps=1e-6)


def test_second_derivative_against_mpmath():
    # Ai'' = x Ai through the recorded path: grad of grad, against mpmath
    x = np.concatenate([RNG.uniform(-10, 6, 30), [0.0, -2.09, 2.09]])
    v = ag.Value(x)
    (g,) = ag.gradients(ag.airy_ai(v).sum(), [v], create_graph=True)
    (h,) = ag.gradients(g.sum(), [v])
    np.testing.assert_allclose(h.data, references("airy_ai_prime", x, derivative=1),
                               rtol=1e-12, atol=1e-15)
    # J0'' = -J1' and K0'' = -K1', by mpmath's derivatives
    for name, first in [("bessel_j0", "bessel_j1"), ("modified_bessel_k0", "modified_bessel_k1")]:
        x = RNG.uniform(0.2, 12, 20)
        v = ag.Value(x)
        (g,) = ag.gradients(getattr(ag, name)(v).sum(), [v], create_graph=True)
        (h,) = ag.gradients(g.sum(), [v])
        np.testing.assert_allclose(h.data, -references(first, x, derivative=1), rtol=1e-12,
                                   atol=1e-16, err_msg=name)


def test_broadcasting():
    a, b = RNG.uniform(0.5, 3, size=(2, 1, 3)), RNG.uniform(0.5, 3, size=(4, 1))

    def f(x, y):
        return (ag.bessel_j0(x * y) + ag.bessel_y1(x + y) * ag.modified_bessel_k0(y)
                - ag.airy_ai(x - y) * ag.spherical_bessel_j0(x))

    ag.gradcheck(f, [a, b])
    check_second_order(f, a, b)


# --- names ----------------------------------------------------------------------------------

TF_SPECIAL = {"bessel_j0": "bessel_j0", "bessel_j1": "bessel_j1", "bessel_y0": "bessel_y0",
              "bessel_y1": "bessel_y1", "bessel_k0": "modified_bessel_k0",
              "bessel_k1": "modified_bessel_k1", "bessel_k0e": "scaled_modified_bessel_k0",
              "bessel_k1e": "scaled_modified_bessel_k1"}


def test_torch_and_tensorflow_names_are_the_ops():
    for name in NAMES:
        f = getattr(ag, name)
        assert name in ag.__all__ and f is getattr(ops, name)
        assert name in ag.special.__all__ and getattr(ag.special, name) is f
        assert hasattr(torch.special, name)
        assert type(f(ag.Value(np.array([1.5]))).op) is OPS[name]
    for tf_name, name in TF_SPECIAL.items():
        assert getattr(ag.math.special, tf_name) is getattr(ag, name)
        # TensorFlow has them in tf.math.special only (bessel_i0 ... on tf.math too)
        if tf_name.startswith("bessel_k"):
            assert not hasattr(ag.math, tf_name)
    assert ag.math.special.bessel_i0 is ag.math.bessel_i0 is ag.i0
    # not torch.special's, so not exported: Ai's derivative
    assert "airy_ai_prime" not in ag.__all__ and not hasattr(ag, "airy_ai_prime")


def test_doc_examples():
    result = doctest.testmod(bessel_jyk, verbose=False)
    assert result.attempted >= 11 and result.failed == 0
    # the values the docstrings show, from mpmath
    shown = {"bessel_j0": (1.0, 0.765198), "bessel_j1": (1.0, 0.440051),
             "bessel_y0": (1.0, 0.088257), "bessel_y1": (1.0, -0.781213),
             "modified_bessel_k0": (1.0, 0.421024), "modified_bessel_k1": (1.0, 0.601907),
             "scaled_modified_bessel_k0": (700.0, 0.047362),
             "scaled_modified_bessel_k1": (700.0, 0.047396),
             "spherical_bessel_j0": (2.0, 0.454649), "airy_ai": (1.0, 0.135292),
             "airy_ai_prime": (1.0, -0.159147)}
    for name, (x, value) in shown.items():
        assert math.isclose(round(reference(name, x), 6), value), name
