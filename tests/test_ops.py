"""Every op: its forward against numpy, its gradients against central differences in float64.

Shapes come from hypothesis, broadcast-compatible for the binary ops; values come from a
numpy generator seeded by hypothesis, kept away from kinks (|x| at 0, relu at 0, clip at its
bounds, ties of max/min) where a finite difference does not estimate the derivative.
"""

import operator

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
TRIPLES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


# --- inputs -----------------------------------------------------------------------------


def real(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def nonzero(rng, shape):
    """Magnitudes in [0.2, 2] with random signs: away from the kink of abs and relu."""
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def distinct(rng, shape):
    """Values at least 4/size apart, so a max or min is never tied."""
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) - n / 2) * (4.0 / n)


def away_from(x, points, margin=0.1):
    """``x`` with every element at least ``margin`` from each of ``points``."""
    for p in points:
        push = np.where(x >= p, 2 * margin, -2 * margin)
        x = np.where(np.abs(x - p) < margin, x + push, x)
    return x


def check(f, f_np, *arrays, **tol):
    """``f`` on float64 Values matches ``f_np`` on the arrays, passes gradcheck, and its
    second derivatives match central differences of its first."""
    out = f(*[ag.Value(a) for a in arrays])
    expected = f_np(*arrays)
    assert out.shape == np.shape(expected)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    errors = ag.gradcheck(f, arrays, **tol)
    assert len(errors) == len(arrays)
    check_second_order(f, *arrays, **tol)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_logsumexp(x, axis=-1, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    y = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return y if keepdims else np.squeeze(y, axis=axis)


# --- gradcheck itself can fail ----------------------------------------------------------


class WrongSquare(ag.Op):
    """y = x**2 with a wrong derivative g * x (the 2 is missing), to prove gradcheck fails"""

    def forward(self, x):
        return x * x

    def backward(self, g, y, x):
        return (g * x,)


def test_gradcheck_catches_a_wrong_derivative():
    with pytest.raises(ag.GradcheckError, match=r"input 0 .*shape \(2,\)"):
        ag.gradcheck(lambda v: ag.apply(WrongSquare(), v), [np.array([1.0, 2.0])])


def test_gradcheck_catches_a_missing_gradient():
    with pytest.raises(ag.GradcheckError, match="input 1"):
        ag.gradcheck(lambda a, b: a * ag.stop_gradient(b), [np.ones(2), np.ones(2)])


def test_gradcheck_returns_small_errors_for_a_right_derivative():
    errors = ag.gradcheck(lambda a, b: a * b, [np.array([1.0, 2.0]), np.array(3.0)])
    assert len(errors) == 2 and max(errors) < 1e-8


# --- elementwise binary ops, with broadcasting -----------------------------------------


BINARY = [
    ("add", ag.add, np.add, real, real),
    ("+", operator.add, np.add, real, real),
    ("subtract", ag.subtract, np.subtract, real, real),
    ("-", operator.sub, np.subtract, real, real),
    ("multiply", ag.multiply, np.multiply, real, real),
    ("*", operator.mul, np.multiply, real, real),
    ("divide", ag.divide, np.divide, real, nonzero),
    ("/", operator.truediv, np.divide, real, nonzero),
    ("power", ag.power, np.power, positive, real),
    ("**", operator.pow, np.power, positive, real),
    ("maximum", ag.maximum, np.maximum, real, real),
    ("minimum", ag.minimum, np.minimum, real, real),
    ("sigmoid_cross_entropy", ag.sigmoid_cross_entropy,
     lambda z, t: -t * np.log(np_sigmoid(z)) - (1 - t) * np.log(1 - np_sigmoid(z)),
     real, lambda rng, shape: rng.uniform(0.0, 1.0, shape)),
]


@pytest.mark.parametrize("name, f, f_np, domain_a, domain_b", BINARY, ids=[b[0] for b in BINARY])
@given(shapes=PAIRS, seed=SEEDS)
def test_binary_op_broadcasting(name, f, f_np, domain_a, domain_b, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = domain_a(rng, shapes.input_shapes[0]), domain_b(rng, shapes.input_shapes[1])
    if name in ("maximum", "minimum"):
        assume(np.min(np.abs(a - b), initial=1.0) > 1e-3)  # ties have no derivative
    check(f, f_np, a, b)


ARRAY_OPERAND = [
    ("array + x", lambda c, x: c + x, np.add),
    ("array - x", lambda c, x: c - x, np.subtract),
    ("array * x", lambda c, x: c * x, np.multiply),
    ("array / x", lambda c, x: c / x, np.divide),
    ("array ** x", lambda c, x: c ** x, np.power),
    ("x - array", lambda c, x: x - c, lambda c, x: x - c),
    ("x / array", lambda c, x: x / c, lambda c, x: x / c),
]


@pytest.mark.parametrize("name, f, f_np", ARRAY_OPERAND, ids=[a[0] for a in ARRAY_OPERAND])
@given(shapes=PAIRS, seed=SEEDS)
def test_numpy_array_operand_broadcasting(name, f, f_np, shapes, seed):
    rng = np.random.default_rng(seed)
    c, x = positive(rng, shapes.input_shapes[0]), nonzero(rng, shapes.input_shapes[1])
    if name == "array ** x":
        x = real(rng, shapes.input_shapes[1])
    check(lambda v: f(c, v), lambda v: f_np(c, v), x)


@pytest.mark.parametrize("exponent", [3, 2, 2.5, -1.5, 0.5, -2])
@given(shape=SHAPES, seed=SEEDS)
def test_value_to_constant_power(exponent, shape, seed):
    rng = np.random.default_rng(seed)
    # Integer powers are defined for negative bases too.
    x = nonzero(rng, shape) if float(exponent).is_integer() else positive(rng, shape)
    check(lambda v: v ** exponent, lambda v: np.power(v, exponent), x)
    check(lambda v: ag.power(v, exponent), lambda v: np.power(v, exponent), x)


@pytest.mark.parametrize("base", [2.0, 0.5, np.e, 3])
@given(shape=SHAPES, seed=SEEDS)
def test_constant_to_value_power(base, shape, seed):
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: base ** v, lambda v: np.power(float(base), v), x)
    check(lambda v: ag.power(base, v), lambda v: np.power(float(base), v), x)


def test_maximum_and_minimum_split_ties_equally():
    a, b = ag.Value(np.array([1.0, 2.0, 3.0])), ag.Value(np.array([1.0, 0.0, 5.0]))
    ag.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0, 1.0])
    a.zero_grad(), b.zero_grad()
    ag.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])


@given(shapes=TRIPLES, seed=SEEDS)
def test_where_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    cond = rng.random(shapes.input_shapes[0]) > 0.5
    a, b = real(rng, shapes.input_shapes[1]), real(rng, shapes.input_shapes[2])
    check(lambda u, v: ag.where(cond, u, v), lambda u, v: np.where(cond, u, v), a, b)


def test_where_takes_a_comparison_and_constants():
    x = ag.Value(np.array([-1.0, 2.0, -3.0, 4.0]))
    y = ag.where(x > 0, x, 0.1 * x)
    np.testing.assert_allclose(y.data, [-0.1, 2.0, -0.3, 4.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.1, 1.0, 0.1, 1.0])
    z = ag.where(np.array([True, False]), ag.Value(np.array([1.0, 2.0])), 7.0)
    np.testing.assert_array_equal(z.data, [1.0, 7.0])


# --- elementwise unary ops --------------------------------------------------------------


UNARY = [
    ("negative", ag.negative, np.negative, real),
    ("-x", operator.neg, np.negative, real),
    ("exp", ag.exp, np.exp, real),
    ("log", ag.log, np.log, positive),
    ("sqrt", ag.sqrt, np.sqrt, positive),
    ("square", ag.square, np.square, real),
    ("abs", ag.abs, np.abs, nonzero),
    ("tanh", ag.tanh, np.tanh, real),
    ("sigmoid", ag.sigmoid, np_sigmoid, real),
    ("relu", ag.relu, lambda x: np.maximum(x, 0), nonzero),
    ("leaky_relu", ag.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), nonzero),
    ("leaky_relu 0.01", lambda x: ag.leaky_relu(x, alpha=0.01),
     lambda x: np.where(x > 0, x, 0.01 * x), nonzero),
    ("clip", lambda x: ag.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
     lambda rng, shape: away_from(real(rng, shape), [-0.5, 0.5])),
    ("clip lo", lambda x: ag.clip(x, lo=0.3), lambda x: np.maximum(x, 0.3),
     lambda rng, shape: away_from(real(rng, shape), [0.3])),
    ("clip hi", lambda x: ag.clip(x, hi=-0.3), lambda x: np.minimum(x, -0.3),
     lambda rng, shape: away_from(real(rng, shape), [-0.3])),
]


@pytest.mark.parametrize("name, f, f_np, domain", UNARY, ids=[u[0] for u in UNARY])
@given(shape=SHAPES, seed=SEEDS)
def test_unary_op(name, f, f_np, domain, shape, seed):
    check(f, f_np, domain(np.random.default_rng(seed), shape))


METHODS = ["exp", "log", "sqrt", "square", "abs", "tanh", "sigmoid", "relu", "leaky_relu",
           "sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax", "transpose"]


@pytest.mark.parametrize("name", METHODS)
def test_method_equals_function(name):
    data = np.array([[0.5, 1.5, 2.0], [1.0, 0.25, 3.0]])
    x, y = ag.Value(data), ag.Value(data)
    by_method, by_function = getattr(x, name)(), getattr(ag, name)(y)
    np.testing.assert_array_equal(by_method.data, by_function.data)
    by_method.sum().backward()
    by_function.sum().backward()
    np.testing.assert_array_equal(x.grad, y.grad)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip"):
        ag.clip(ag.Value([1.0]))


# --- reductions ---------------------------------------------------------------------------


@st.composite
def shape_axis_keepdims(draw, min_dims=0):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4))
    ndim = len(shape)
    axes = [st.none()]
    if ndim:
        axes += [st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1)]
    return shape, draw(st.one_of(*axes)), draw(st.booleans())


REDUCTIONS = [
    ("sum", ag.sum, np.sum, real),
    ("mean", ag.mean, np.mean, real),
    ("max", ag.max, np.max, distinct),
    ("min", ag.min, np.min, distinct),
    ("logsumexp", ag.logsumexp, np_logsumexp, real),
]


@pytest.mark.parametrize("name, f, f_np, domain", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(case=shape_axis_keepdims(), seed=SEEDS)
def test_reduction(name, f, f_np, domain, case, seed):
    shape, axis, keepdims = case
    x = domain(np.random.default_rng(seed), shape)
    check(lambda v: f(v, axis=axis, keepdims=keepdims),
          lambda v: f_np(v, axis=axis, keepdims=keepdims), x)


def test_reduction_defaults_and_list_axes():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = ag.Value(data)
    assert float(ag.sum(x)) == data.sum() and ag.sum(x).shape == ()
    np.testing.assert_array_equal(ag.mean(x, axis=[0, 2]).data, data.mean(axis=(0, 2)))
    np.testing.assert_allclose(ag.logsumexp(x).data, np_logsumexp(data, axis=-1))
    assert ag.reduce_sum is ag.sum and ag.reduce_mean is ag.mean
    assert ag.reduce_max is ag.max and ag.reduce_min is ag.min


def test_max_and_min_share_the_gradient_among_ties():
    x = ag.Value(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]))
    ag.max(x, axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])
    x.zero_grad()
    ag.min(x).backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0], [0, 1, 0]])


# --- softmax and the fused losses ---------------------------------------------------------


@st.composite
def shape_and_axis(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


def np_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@given(case=shape_and_axis(), seed=SEEDS)
def test_softmax(case, seed):
    shape, axis = case
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: ag.softmax(v, axis=axis), lambda v: np_softmax(v, axis), x)


@given(case=shape_and_axis(), seed=SEEDS)
def test_log_softmax(case, seed):
    shape, axis = case
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: ag.log_softmax(v, axis=axis),
          lambda v: v - np_logsumexp(v, axis=axis, keepdims=True), x)


def np_cross_entropy(z, t, reduction):
    log_p = z - np_logsumexp(z, axis=-1, keepdims=True)
    if t.dtype.kind == "i":
        t = np.eye(z.shape[-1])[t]
    losses = -np.sum(t * log_p, axis=-1)
    return {"none": losses, "mean": np.mean(losses), "sum": np.sum(losses)}[reduction]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("labels", ["integer", "one-hot", "probabilities"])
@given(batch=hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
       classes=st.integers(2, 5), seed=SEEDS)
def test_softmax_cross_entropy(reduction, labels, batch, classes, seed):
    rng = np.random.default_rng(seed)
    z = real(rng, batch + (classes,))
    t = rng.integers(0, classes, batch)
    if labels == "one-hot":
        t = np.eye(classes)[t]
    elif labels == "probabilities":
        t = rng.dirichlet(np.ones(classes), batch)
    check(lambda v: ag.softmax_cross_entropy(v, t, reduction=reduction),
          lambda v: np_cross_entropy(v, t, reduction), z)


def test_softmax_cross_entropy_accepts_values_as_labels_and_does_not_differentiate_them():
    z = ag.Value(np.array([[1.0, 2.0, 3.0]]))
    t = ag.Value(np.array([[0.0, 0.0, 1.0]]))
    loss = ag.softmax_cross_entropy(z, t, reduction="sum")
    loss.backward()
    np.testing.assert_allclose(z.grad, np_softmax(z.data, -1) - t.data)
    assert t.grad is None


# --- shapes, indexing, joining ------------------------------------------------------------


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_reshape(shape, seed, data):
    size = int(np.prod(shape))
    new = data.draw(st.sampled_from([(-1,), (size,), shape[::-1], (1,) + shape, (size, 1)]))
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: ag.reshape(v, new), lambda v: np.reshape(v, new), x)
    check(lambda v: v.reshape(*new), lambda v: np.reshape(v, new), x)


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_transpose(shape, seed, data):
    axes = data.draw(st.none() | st.permutations(range(len(shape))).map(tuple))
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: ag.transpose(v, axes), lambda v: np.transpose(v, axes), x)
    check(lambda v: v.T, lambda v: v.T, x)


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_basic_indexing(shape, seed, data):
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: v[index], lambda v: v[index], x)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=st.data())
def test_integer_array_indexing(shape, seed, data):
    index = data.draw(hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    x = real(np.random.default_rng(seed), shape)
    check(lambda v: v[index], lambda v: v[index], x)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS)
def test_repeated_integer_indices_add_up(shape, seed):
    rng = np.random.default_rng(seed)
    n = shape[0]
    index = rng.integers(-n, n, size=n + 2)  # more picks than rows: some row repeats
    x = real(rng, shape)
    check(lambda v: v[index], lambda v: v[index], x)
    check(lambda v: v[list(index)], lambda v: v[index], x)
    v = ag.Value(x)
    v[index].sum().backward()
    counts = np.bincount(index % n, minlength=n).astype(float)
    np.testing.assert_array_equal(v.grad, np.broadcast_to(
        counts.reshape((n,) + (1,) * (len(shape) - 1)), shape))


def test_repeated_index_fixed_case():
    x = ag.Value(np.array([1.0, 2.0, 3.0]))
    y = x[[0, 0, 2, 0]]
    np.testing.assert_array_equal(y.data, [1.0, 1.0, 3.0, 1.0])
    (y * np.array([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [1011.0, 0.0, 100.0])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=st.data())
def test_boolean_mask_indexing(shape, seed, data):
    rng = np.random.default_rng(seed)
    k = data.draw(st.integers(1, len(shape)))
    mask = rng.random(shape[:k]) > 0.5
    x = real(rng, shape)
    check(lambda v: v[mask], lambda v: v[mask], x)
    check(lambda v: v[ag.Value(x) > 0], lambda v: v[x > 0], x)


@pytest.mark.parametrize("index", [
    (None, Ellipsis, 1), (Ellipsis, None), (slice(None, None, -1), None, 0),
    (np.array([2, 0, 2]), slice(1, None)), (slice(None), np.array([[0, 0], [1, 0]])),
    (np.array([1, 1]), Ellipsis, np.array([0, 0])), (Ellipsis, np.array([True, False, True])),
], ids=str)
def test_mixed_indexing(index):
    x = real(np.random.default_rng(0), (3, 2, 3))
    check(lambda v: v[index], lambda v: v[index], x)


@st.composite
def concat_case(draw):
    shape = list(draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shapes = []
    for n in sizes:
        shape[axis] = n
        shapes.append(tuple(shape))
    return shapes, axis


@given(case=concat_case(), seed=SEEDS)
def test_concat(case, seed):
    shapes, axis = case
    rng = np.random.default_rng(seed)
    xs = [real(rng, s) for s in shapes]
    check(lambda *vs: ag.concat(vs, axis=axis), lambda *vs: np.concatenate(vs, axis=axis), *xs)


@given(shape=SHAPES, count=st.integers(1, 3), seed=SEEDS, data=st.data())
def test_stack(shape, count, seed, data):
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    rng = np.random.default_rng(seed)
    xs = [real(rng, shape) for _ in range(count)]
    check(lambda *vs: ag.stack(vs, axis=axis), lambda *vs: np.stack(vs, axis=axis), *xs)


def test_concat_and_stack_take_plain_arrays_too():
    x = ag.Value(np.array([1.0, 2.0]))
    y = ag.concat([x, np.array([3.0])], axis=0)
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 3.0])
    ag.stack([x, [5.0, 6.0]], axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


# --- matmul ---------------------------------------------------------------------------------


MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2,
                                                  max_side=3)


@given(shapes=MATMUL_SHAPES, seed=SEEDS)
def test_matmul_every_numpy_form(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = real(rng, shapes.input_shapes[0]), real(rng, shapes.input_shapes[1])
    check(ag.matmul, np.matmul, a, b)
    check(operator.matmul, np.matmul, a, b)


@pytest.mark.parametrize("shape_a, shape_b", [
    ((2, 3), (3, 4)),              # 2-D
    ((2, 1, 3, 4), (5, 4, 2)),     # batched, batch dims broadcast
    ((4, 2, 3), (3, 5)),           # batched @ matrix
    ((3,), (3, 4)),                # 1-D @ 2-D
    ((2, 3), (3,)),                # 2-D @ 1-D
    ((3,), (3,)),                  # 1-D @ 1-D
    ((3,), (2, 3, 4)),             # 1-D @ 3-D
    ((2, 3, 4), (4,)),             # 3-D @ 1-D
], ids=str)
def test_matmul_fixed_forms(shape_a, shape_b):
    rng = np.random.default_rng(1)
    a, b = real(rng, shape_a), real(rng, shape_b)
    check(operator.matmul, np.matmul, a, b)
    check(lambda v: a @ v, lambda v: a @ v, b)  # a numpy array on the left


@given(shapes=MATMUL_SHAPES, seed=SEEDS, bias=st.sampled_from(["units", "row", "full", "scalar"]))
def test_linear_is_matmul_plus_bias(shapes, seed, bias):
    rng = np.random.default_rng(seed)
    x, W = real(rng, shapes.input_shapes[0]), real(rng, shapes.input_shapes[1])
    y_shape = np.matmul(x, W).shape
    b_shape = {"units": y_shape[-1:], "row": (1,) * len(y_shape[:-1]) + y_shape[-1:],
               "full": y_shape, "scalar": ()}[bias]
    b = real(rng, b_shape)
    check(ag.linear, lambda x, W, b: np.matmul(x, W) + b, x, W, b)


def test_linear_promotes_dtypes_as_matmul_plus_bias_does():
    x, W = np.ones((2, 3), np.float32), ag.Variable(np.ones((3, 4), np.float32))
    assert ag.linear(x, W, np.ones(4, np.float32)).dtype == np.float32
    assert ag.linear(x, W, np.ones(4, np.float64)).dtype == np.float64   # as x @ W + b
    assert ag.linear(x, W, 1.5).dtype == np.float32                       # a number: no upcast


# --- cast ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source, target", [(np.float64, np.float32), (np.float32, np.float64),
                                            (np.float64, np.float64), (np.float32, np.float16)])
def test_cast_between_float_dtypes(source, target):
    x = ag.Value(np.array([0.5, -1.25, 3.0], dtype=source))
    y = ag.cast(x, target)
    assert y.dtype == target
    np.testing.assert_array_equal(y.data, x.data.astype(target))
    w = np.array([1.0, 2.0, 3.0], dtype=target)
    (y * w).sum().backward()
    assert x.grad.dtype == source
    np.testing.assert_array_equal(x.grad, w.astype(source))


def test_cast_gradcheck_through_float32():
    # float32 in the middle: a coarse step keeps its rounding out of the difference.
    ag.gradcheck(lambda v: ag.cast(ag.cast(v, ag.float32) * 3.0, ag.float64),
                 [np.array([0.5, -2.0])], eps=1e-2, atol=1e-3)


def test_cast_to_integer_is_a_constant():
    x = ag.Value(np.array([1.7, -2.2]))
    y = ag.cast(x, np.int64)
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.data, [1, -2])


# --- every op in float32 and float64 -------------------------------------------------------


EVERY_OP = {
    "add": lambda x, y: x + y, "subtract": lambda x, y: x - y, "multiply": lambda x, y: x * y,
    "divide": lambda x, y: x / y, "power": lambda x, y: x ** y, "pow const": lambda x, y: x ** 3,
    "const pow": lambda x, y: 2 ** x, "negative": lambda x, y: -x,
    "maximum": ag.maximum, "minimum": ag.minimum,
    "where": lambda x, y: ag.where(np.array([True, False, True]), x, y),
    "exp": lambda x, y: ag.exp(x), "log": lambda x, y: ag.log(x), "sqrt": lambda x, y: ag.sqrt(x),
    "square": lambda x, y: ag.square(x), "abs": lambda x, y: ag.abs(x),
    "tanh": lambda x, y: ag.tanh(x), "sigmoid": lambda x, y: ag.sigmoid(x),
    "relu": lambda x, y: ag.relu(x - 1), "leaky_relu": lambda x, y: ag.leaky_relu(x - 1),
    "clip": lambda x, y: ag.clip(x, 0.6, 1.5),
    "sum": lambda x, y: ag.sum(x, axis=0), "mean": lambda x, y: ag.mean(x, axis=1),
    "max": lambda x, y: ag.max(x, axis=1, keepdims=True), "min": lambda x, y: ag.min(x),
    "logsumexp": lambda x, y: ag.logsumexp(x), "softmax": lambda x, y: ag.softmax(x, axis=0),
    "log_softmax": lambda x, y: ag.log_softmax(x),
    "softmax_cross_entropy": lambda x, y: ag.softmax_cross_entropy(x, [0, 2]),
    "softmax_cross_entropy one-hot": lambda x, y: ag.softmax_cross_entropy(
        x, np.eye(3)[[1, 0]], reduction="mean"),
    "sigmoid_cross_entropy": lambda x, y: ag.sigmoid_cross_entropy(x, y / 3),
    "reshape": lambda x, y: ag.reshape(x, (3, 2)), "transpose": lambda x, y: x.T,
    "getitem": lambda x, y: x[[1, 1], 1:], "concat": lambda x, y: ag.concat([x, x], axis=1),
    "stack": lambda x, y: ag.stack([y, y]), "matmul": lambda x, y: x @ y,
    "cast": lambda x, y: ag.cast(ag.cast(x, np.float16), x.dtype),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(EVERY_OP))
def test_every_op_keeps_the_dtype_and_gives_grads_of_the_data_shape(name, dtype):
    rng = np.random.default_rng(3)
    x_data, y_data = rng.uniform(0.5, 2.0, (2, 3)), rng.uniform(0.5, 2.0, 3)
    grads = {}
    for d in (dtype, np.float64):
        x, y = ag.Value(x_data.astype(d)), ag.Value(y_data.astype(d))
        out = EVERY_OP[name](x, y)
        assert out.dtype == d, f"{name} made {out.dtype} from {d}"
        (out * out).sum().backward()
        for v in (x, y):
            assert v.grad is None or (v.grad.shape == v.shape and v.grad.dtype == d)
        grads[d] = [v.grad for v in (x, y)]
    # float32 gives the float64 gradients, to float32 precision.
    for low, high in zip(grads[dtype], grads[np.float64]):
        assert (low is None) == (high is None)
        if low is not None:
            np.testing.assert_allclose(low, high, rtol=2e-3 if name == "cast" else 1e-4,
                                       atol=1e-5)
