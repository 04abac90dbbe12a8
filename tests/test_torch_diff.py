"""Differential test against PyTorch: the same float64 inputs give the same values and the
same gradients for every op, including at the kinks (relu, abs, clip at 0 and at bounds) and
ties (maximum, reduce max) where both libraries pick the same subgradient."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import compare_with_torch

torch = pytest.importorskip("torch")
F = torch.nn.functional

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
RTOL, ATOL = 1e-7, 1e-12


def compare(ag_fn, torch_fn, *arrays, seed=0):
    """Run both libraries on the same float64 arrays; compare outputs, the gradients of
    sum(output * w) for fixed random weights w, and the second derivatives (Hessian-vector
    products from PyTorch's double backward)."""
    compare_with_torch(ag_fn, torch_fn, *arrays, seed=seed, rtol=RTOL, atol=ATOL)


def uniform(rng, shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


# --- elementwise -----------------------------------------------------------------------------


BINARY = [
    ("add", lambda a, b: a + b, torch.add),
    ("subtract", ag.subtract, torch.sub),
    ("multiply", lambda a, b: a * b, torch.mul),
    ("divide", ag.divide, torch.div),
    ("power", lambda a, b: a ** b, torch.pow),
    ("maximum", ag.maximum, torch.maximum),
    ("minimum", ag.minimum, torch.minimum),
    ("sigmoid_cross_entropy", ag.sigmoid_cross_entropy,
     lambda z, t: F.binary_cross_entropy_with_logits(*torch.broadcast_tensors(z, t),
                                                      reduction="none")),
]


@pytest.mark.parametrize("name, f, f_torch", BINARY, ids=[b[0] for b in BINARY])
@given(shapes=PAIRS, seed=SEEDS)
def test_binary(name, f, f_torch, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (uniform(rng, s) for s in shapes.input_shapes)
    if name == "divide":
        b = np.where(np.abs(b) < 0.2, 0.5, b)
    if name == "power":
        a = np.abs(a) + 0.3
    if name == "sigmoid_cross_entropy":
        b = (b + 2) / 4
    if name in ("maximum", "minimum"):
        a, b = np.round(a), np.round(b)  # ties are common: both split the gradient in half
    compare(f, f_torch, a, b, seed=seed)


def test_maximum_minimum_ties_split_like_torch():
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 5.0, -1.0])
    compare(ag.maximum, torch.maximum, a, b)
    compare(ag.minimum, torch.minimum, a, b)


@pytest.mark.parametrize("exponent", [3, 2.5, -1.5, 0.5])
def test_power_with_a_constant(exponent):
    x = np.array([[0.5, 1.5], [2.0, 0.7]])
    compare(lambda v: v ** exponent, lambda t: t ** exponent, x)
    compare(lambda v: exponent ** v if exponent > 0 else 2.0 ** v,
            lambda t: exponent ** t if exponent > 0 else 2.0 ** t, x)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3),
       seed=SEEDS)
def test_where(shapes, seed):
    rng = np.random.default_rng(seed)
    cond = rng.random(shapes.input_shapes[0]) > 0.5
    a, b = uniform(rng, shapes.input_shapes[1]), uniform(rng, shapes.input_shapes[2])
    compare(lambda u, v: ag.where(cond, u, v),
            lambda u, v: torch.where(torch.tensor(cond), u, v), a, b)


# The kinks are included: both libraries take relu'(0) = 0, leaky_relu'(0) = alpha,
# |x|'(0) = 0 and pass the gradient at clip's bounds.
KINKS = np.array([0.0, -0.5, 0.5, 1e-3, -1e-3, 1.0, -1.0, 2.0, -2.0])

UNARY = [
    ("negative", ag.negative, torch.neg, None),
    ("exp", ag.exp, torch.exp, None),
    ("log", ag.log, torch.log, "positive"),
    ("sqrt", ag.sqrt, torch.sqrt, "positive"),
    ("square", ag.square, torch.square, None),
    ("abs", ag.abs, torch.abs, None),
    ("tanh", ag.tanh, torch.tanh, None),
    ("sigmoid", ag.sigmoid, torch.sigmoid, None),
    ("relu", ag.relu, torch.relu, None),
    ("leaky_relu", ag.leaky_relu, lambda t: F.leaky_relu(t, negative_slope=0.2), None),
    ("leaky_relu 0.01", lambda v: ag.leaky_relu(v, alpha=0.01),
     lambda t: F.leaky_relu(t, negative_slope=0.01), None),
    ("clip", lambda v: ag.clip(v, -0.5, 1.0), lambda t: torch.clamp(t, -0.5, 1.0), None),
    ("clip lo", lambda v: ag.clip(v, lo=-0.5), lambda t: torch.clamp(t, min=-0.5), None),
    ("clip hi", lambda v: ag.clip(v, hi=0.5), lambda t: torch.clamp(t, max=0.5), None),
]


@pytest.mark.parametrize("name, f, f_torch, domain", UNARY, ids=[u[0] for u in UNARY])
@given(shape=SHAPES, seed=SEEDS)
def test_unary(name, f, f_torch, domain, shape, seed):
    rng = np.random.default_rng(seed)
    x = uniform(rng, shape)
    if domain == "positive":
        x = np.abs(x) + 0.1
    compare(f, f_torch, x, seed=seed)


@pytest.mark.parametrize("name, f, f_torch, domain", UNARY, ids=[u[0] for u in UNARY])
def test_unary_at_the_kinks(name, f, f_torch, domain):
    x = np.abs(KINKS) + 0.1 if domain == "positive" else KINKS
    compare(f, f_torch, x)


def test_sigmoid_and_binary_cross_entropy_at_extremes():
    z = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    t = np.array([1.0, 0.0, 0.5, 1.0, 0.0])
    compare(ag.sigmoid, torch.sigmoid, z)
    compare(ag.sigmoid_cross_entropy,
            lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"), z, t)


# --- reductions --------------------------------------------------------------------------------


@st.composite
def shape_axis_keepdims(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1)
                | hnp.valid_tuple_axes(len(shape), min_size=1))
    return shape, axis, draw(st.booleans())


def torch_dims(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return axis if isinstance(axis, tuple) else (axis,)


REDUCTIONS = [
    ("sum", ag.sum, torch.sum), ("mean", ag.mean, torch.mean), ("max", ag.max, torch.amax),
    ("min", ag.min, torch.amin), ("logsumexp", ag.logsumexp, torch.logsumexp),
]


@pytest.mark.parametrize("name, f, f_torch", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@given(case=shape_axis_keepdims(), seed=SEEDS, ties=st.booleans())
def test_reduction(name, f, f_torch, case, seed, ties):
    shape, axis, keepdims = case
    rng = np.random.default_rng(seed)
    # Rounded values tie often: both libraries share a max's gradient among its ties.
    x = np.round(uniform(rng, shape)) if ties else uniform(rng, shape)
    dims = torch_dims(axis, len(shape))
    compare(lambda v: f(v, axis=axis, keepdims=keepdims),
            lambda t: f_torch(t, dim=dims, keepdim=keepdims), x, seed=seed)


@pytest.mark.parametrize("name, f, f_torch", [
    ("softmax", ag.softmax, torch.softmax), ("log_softmax", ag.log_softmax, torch.log_softmax),
], ids=["softmax", "log_softmax"])
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=st.data())
def test_softmax(name, f, f_torch, shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = uniform(np.random.default_rng(seed), shape, -5, 5)
    compare(lambda v: f(v, axis=axis), lambda t: f_torch(t, dim=axis), x, seed=seed)


def test_softmax_family_at_huge_logits():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]])
    compare(ag.softmax, lambda t: torch.softmax(t, -1), z)
    compare(ag.log_softmax, lambda t: torch.log_softmax(t, -1), z)
    compare(ag.logsumexp, lambda t: torch.logsumexp(t, -1), z)
    labels = np.array([1, 2, 0])
    compare(lambda v: ag.softmax_cross_entropy(v, labels),
            lambda t: F.cross_entropy(t, torch.tensor(labels), reduction="none"), z)


# --- cross-entropy -----------------------------------------------------------------------------


def class_axis_first(t):
    """torch puts the classes on axis 1: (N, d1, C) -> (N, C, d1)."""
    return t if t.ndim <= 2 else t.movedim(-1, 1)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("labels", ["integer", "probabilities", "one-hot"])
@given(batch=hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
       classes=st.integers(2, 5), seed=SEEDS)
def test_cross_entropy(reduction, labels, batch, classes, seed):
    rng = np.random.default_rng(seed)
    z = uniform(rng, batch + (classes,), -4, 4)
    t = rng.integers(0, classes, batch)
    if labels == "probabilities":
        t = rng.dirichlet(np.ones(classes), batch)
    elif labels == "one-hot":
        t = np.eye(classes)[t]
    t_torch = torch.tensor(t)

    def torch_loss(logits):
        target = t_torch if t.dtype.kind == "i" else class_axis_first(t_torch)
        return F.cross_entropy(class_axis_first(logits), target, reduction=reduction)

    compare(lambda v: ag.softmax_cross_entropy(v, t, reduction=reduction), torch_loss, z,
            seed=seed)


# --- shapes, indexing, joining, matmul, cast -----------------------------------------------------


@given(shape=SHAPES, seed=SEEDS, data=st.data())
def test_reshape_and_transpose(shape, seed, data):
    x = uniform(np.random.default_rng(seed), shape)
    axes = data.draw(st.permutations(range(len(shape))).map(tuple))
    compare(lambda v: ag.transpose(v, axes), lambda t: t.permute(axes), x, seed=seed)
    compare(lambda v: v.T, lambda t: t.permute(tuple(reversed(range(t.ndim)))), x, seed=seed)
    compare(lambda v: v.reshape(-1), lambda t: t.reshape(-1), x, seed=seed)
    new = tuple(reversed(shape))
    compare(lambda v: ag.reshape(v, new), lambda t: t.reshape(new), x, seed=seed)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=st.data())
def test_basic_indexing(shape, seed, data):
    # torch has no negative steps; everything else numpy's basic indexing allows.
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).filter(
        lambda i: all(not isinstance(s, slice) or (s.step or 1) > 0
                      for s in (i if isinstance(i, tuple) else (i,)))))
    x = uniform(np.random.default_rng(seed), shape)
    compare(lambda v: v[index], lambda t: t[index], x, seed=seed)


@pytest.mark.parametrize("index", [
    np.array([0, 0, 2, 0, 1]), np.array([[1, 1], [0, 1]]), (np.array([2, 2, 0]), slice(1, None)),
    (np.array([1, 1]), Ellipsis, np.array([0, 0])), (slice(None), np.array([0, 2, 0, 0])),
    (None, np.array([-1, -1, 0])),
], ids=str)
def test_indexing_with_repeated_indices(index):
    x = uniform(np.random.default_rng(0), (3, 4, 2))
    t_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i
                    for i in (index if isinstance(index, tuple) else (index,)))
    compare(lambda v: v[index], lambda t: t[t_index], x)


def test_boolean_mask_indexing():
    rng = np.random.default_rng(0)
    x = uniform(rng, (3, 4))
    for mask in (x > 0, (x > 0)[:, 0], np.array([True, False, True])):
        compare(lambda v: v[mask], lambda t: t[torch.tensor(mask)], x)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), seed=SEEDS, data=st.data())
def test_concat_and_stack(shape, seed, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(seed)
    xs = [uniform(rng, shape) for _ in range(3)]
    compare(lambda *vs: ag.concat(vs, axis=axis), lambda *ts: torch.cat(ts, dim=axis), *xs,
            seed=seed)
    compare(lambda *vs: ag.stack(vs, axis=axis), lambda *ts: torch.stack(ts, dim=axis), *xs,
            seed=seed)


@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2,
                                                max_side=3), seed=SEEDS)
def test_matmul(shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (uniform(rng, s) for s in shapes.input_shapes)
    compare(lambda u, v: u @ v, torch.matmul, a, b, seed=seed)


@pytest.mark.parametrize("shape_a, shape_b", [
    ((2, 3), (3, 4)), ((2, 1, 3, 4), (5, 4, 2)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
    ((3,), (2, 3, 4)), ((2, 3, 4), (4,)),
], ids=str)
def test_matmul_fixed_forms(shape_a, shape_b):
    rng = np.random.default_rng(0)
    compare(ag.matmul, torch.matmul, uniform(rng, shape_a), uniform(rng, shape_b))


@pytest.mark.parametrize("shape_x", [(5, 3), (2, 5, 3), (3,)], ids=str)
def test_linear(shape_x):
    """torch's linear takes W as (units, n_in): ours is x @ W + b with W (n_in, units)."""
    rng = np.random.default_rng(0)
    compare(ag.linear, lambda x, W, b: torch.nn.functional.linear(x, W.T, b),
            uniform(rng, shape_x), uniform(rng, (3, 4)), uniform(rng, (4,)))


def test_cast():
    x = np.array([0.1, -2.7, 3.3])
    compare(lambda v: ag.cast(v, ag.float32) * 3.0,
            lambda t: t.to(torch.float32) * 3.0, x)


def test_stop_gradient_is_detach():
    x = np.array([0.5, -1.5, 2.0])
    compare(lambda v: v * ag.stop_gradient(v) + ag.exp(ag.stop_gradient(v * 2)),
            lambda t: t * t.detach() + torch.exp((t * 2).detach()), x)


def test_a_small_network_end_to_end():
    rng = np.random.default_rng(5)
    X, W1, b1, W2, b2 = (rng.normal(size=s) for s in [(6, 4), (4, 5), (5,), (5, 3), (3,)])
    y = rng.integers(0, 3, 6)

    def ours(X, W1, b1, W2, b2):
        h = ag.leaky_relu(X @ W1 + b1, 0.1)
        return ag.softmax_cross_entropy(ag.tanh(h) @ W2 + b2, y, reduction="mean")

    def theirs(X, W1, b1, W2, b2):
        h = F.leaky_relu(X @ W1 + b1, 0.1)
        return F.cross_entropy(torch.tanh(h) @ W2 + b2, torch.tensor(y))

    compare(ours, theirs, X, W1, b1, W2, b2)
