"""The scalar graph (``ag.unroll``): one node per number, the same numbers as the tensor graph.

For each tiny graph: the unrolled output equals the tensor output, and after both backward
passes every scalar of a leaf holds the gradient the tensor graph gives that element. Then
the shape of the scalar graph itself (a matmul is its products and sums, a reshape adds
nothing), the drawing hook, and the errors.
"""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core.scalar_graph import ScalarGraph


def leaves(seed, *shapes, positive=False):
    """float64 Variables W0, W1, ... of the given shapes, values away from 0 and kinks."""
    rng = np.random.default_rng(seed)
    out = []
    for k, shape in enumerate(shapes):
        x = rng.uniform(0.3, 1.5, shape)
        if not positive:
            x = x * rng.choice([-1.0, 1.0], shape)
        out.append(ag.Variable(x, name=f"W{k}", dtype=np.float64))
    return out


def check_same_numbers(loss, variables):
    """The scalar graph of ``loss`` computes its value and every variable's gradient."""
    loss.backward()
    graph = ag.unroll(loss)
    graph.backward()
    np.testing.assert_allclose(graph.data(loss), loss.data, rtol=1e-12, atol=1e-12)
    for v in variables:
        assert v.grad is not None, v.name
        np.testing.assert_allclose(graph.grad(v), v.grad, rtol=1e-10, atol=1e-12,
                                   err_msg=v.name)
    return graph


def ops_of(graph):
    """How many scalar ops of each kind the graph behind ``graph.outputs`` has."""
    counts, seen, stack = {}, set(), list(graph.outputs)
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v.op is not None:
            counts[type(v.op).__name__] = counts.get(type(v.op).__name__, 0) + 1
            stack.extend(v.inputs)
    return counts


GRAPHS = {
    # name: (leaf shapes, positive leaves, the loss of the leaves)
    "dense tanh mean": ([(3, 2), (2, 4), (4,)], False,
                        lambda x, W, b: ag.mean(ag.square(ag.tanh(x @ W + b) - 0.5))),
    "linear sigmoid": ([(2, 3), (3, 2), (2,)], False,
                       lambda x, W, b: ag.sum(ag.sigmoid(ag.linear(x, W, b)))),
    "broadcast column and row": ([(3, 1), (1, 2)], False,
                                 lambda a, b: ag.sum((a - b) * (a + b) / (b * b))),
    "used twice": ([(2,)], False, lambda x: ag.sum(x * x + x)),
    "pow both ways": ([(2, 2), (2,)], True, lambda a, b: ag.sum(a ** b + 2.0 ** a + a ** 3)),
    "unary": ([(2, 3)], True, lambda x: ag.sum(ag.exp(-x) + ag.log(x) + ag.sqrt(x)
                                               + ag.abs(x - 1.0))),
    "relus": ([(2, 3)], False, lambda x: ag.sum(ag.relu(x) * 2 + ag.leaky_relu(x, 0.1))),
    "max and min elementwise": ([(2, 2), (2,)], False,
                                lambda a, b: ag.sum(ag.maximum(a, b) - ag.minimum(a, b) * a)),
    "sum over axes": ([(2, 3, 2)], False,
                      lambda x: ag.sum(ag.sum(x, axis=1) ** 2) + ag.sum(
                          ag.tanh(ag.sum(x, axis=(0, 2), keepdims=True)))),
    "mean over axes": ([(2, 3)], False,
                       lambda x: ag.sum(ag.mean(x, axis=0) * ag.mean(x, axis=-1, keepdims=True))),
    "max and min reductions": ([(2, 3)], False,
                               lambda x: ag.sum(ag.max(x, axis=1) * ag.min(x, axis=0)[:2])),
    "logsumexp": ([(2, 3)], False, lambda x: ag.sum(ag.logsumexp(x, axis=0))),
    "softmax": ([(2, 3), (2, 3)], False,
                lambda z, t: ag.sum(ag.softmax(z) * t) + ag.sum(ag.softmax(z, axis=0) * t)),
    "log_softmax": ([(2, 3)], False, lambda z: ag.sum(ag.log_softmax(z) * z)),
    "cross-entropy, integer labels": ([(3, 4)], False, lambda z: ag.softmax_cross_entropy(
        z, [0, 3, 1], reduction="mean")),
    "cross-entropy, one-hot labels": ([(2, 3)], False, lambda z: ag.softmax_cross_entropy(
        z, [[0.0, 1.0, 0.0], [0.25, 0.0, 0.75]], reduction="sum")),
    "cross-entropy per row": ([(2, 3)], False, lambda z: ag.sum(ag.softmax_cross_entropy(
        z, [2, 0]) * ag.constant([1.0, 3.0]))),
    "sigmoid cross-entropy": ([(2, 2)], False, lambda z: ag.mean(ag.sigmoid_cross_entropy(
        z, [[0.0, 1.0], [1.0, 0.5]]))),
    "reshape transpose index": ([(2, 3)], False, lambda x: ag.sum(
        ag.tanh(x.T.reshape(3, 2)[1:, 0] * x[1, :2])) + ag.sum(x[[0, 0, 1], 2] * x[0, 1])),
    "concat and stack": ([(2,), (3,)], False, lambda a, b: ag.sum(
        ag.concat([a, b]) * ag.concat([b, a]) + ag.sum(ag.stack([a, b[:2]], axis=1), 0)[0])),
    "matmul 1-D and batched": ([(3,), (3, 2), (2, 2, 3)], False, lambda v, M, B: ag.sum(
        ag.tanh(v @ M)) + ag.sum(ag.tanh(M @ v[:2])) + ag.sum(ag.tanh((B @ M)[1]))),
    "clip, where, cast": ([(2, 3)], False, lambda x: ag.sum(
        ag.clip(x, -0.9, 0.9) * ag.where(np.array([True, False, True]), x, 2 * x)
        + ag.cast(x, np.float32))),
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_the_scalar_graph_computes_the_same_numbers(name):
    shapes, positive, build = GRAPHS[name]
    variables = leaves(1, *shapes, positive=positive)
    check_same_numbers(build(*variables), variables)


@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       st.sampled_from([ag.add, ag.subtract, ag.multiply, ag.divide, ag.maximum]),
       st.integers(0, 2**32 - 1))
def test_broadcasting_binary_ops_unroll_to_the_same_gradients(shapes, op, seed):
    a, b = leaves(seed, *shapes.input_shapes)
    weights = np.random.default_rng(seed).normal(size=shapes.result_shape)
    check_same_numbers(ag.sum(ag.tanh(op(a, b)) * weights), [a, b])


def test_a_dense_network_of_nn_unrolls_with_its_float32_weights():
    import nn
    model = nn.Sequential([nn.Dense(2, activation="sigmoid", input_shape=(2,), seed=3),
                           nn.Dense(1, activation="sigmoid", seed=4)])
    loss = ag.reduce_sum(ag.square(model(np.array([[1.0, 0.0]], np.float32)) - 1.0))
    loss.backward()
    graph = ag.unroll(loss)
    graph.backward()
    assert graph.outputs[0].dtype == np.float32
    np.testing.assert_allclose(graph.data(loss), loss.data, rtol=1e-6)
    for W in model.trainable_variables:
        np.testing.assert_allclose(graph.grad(W), W.grad, rtol=1e-5, atol=1e-7)


# --- the scalar graph's shape -----------------------------------------------------------


def test_a_matmul_becomes_its_products_and_sums():
    x = ag.constant([[1.0, 2.0]], name="x")
    W = ag.Variable([[3.0, 4.0], [5.0, 6.0]], name="W")
    graph = ag.unroll(x @ W)
    assert ops_of(graph) == {"Mul": 4, "Add": 2}
    assert [float(s.data) for s in graph.outputs] == [13.0, 16.0]   # 1*3 + 2*5, 1*4 + 2*6
    first = graph.outputs[0]
    assert [s.name for s in first.inputs[0].inputs] == ["x[0,0]", "W[0,0]"]
    assert graph.nodes == 2 + 4 + 2 * 6   # the leaves' scalars, and each op with its Value


def test_a_broadcast_add_is_one_add_per_element_and_a_sum_a_chain():
    h = ag.Variable(np.arange(6.0).reshape(2, 3), name="h")
    b = ag.Variable([10.0, 20.0, 30.0], name="b")
    graph = ag.unroll(ag.sum(h + b))
    assert ops_of(graph) == {"Add": 6 + 5}
    sums = graph.outputs[0]
    assert float(sums.data) == 15.0 + 2 * 60.0
    # b[1] is one scalar, used by both rows' adds: re-pointed, not copied.
    adds = [v for v in _values(graph) if v.op is not None and len(v.inputs) == 2
            and v.inputs[1].name == "b[1]"]
    assert len(adds) == 2 and adds[0].inputs[1] is adds[1].inputs[1]


def _values(graph):
    seen, stack, out = set(), list(graph.outputs), []
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
            stack.extend(v.inputs)
    return out


def test_reshape_transpose_and_indexing_only_re_point():
    x = ag.Variable(np.arange(6.0).reshape(2, 3), name="x")
    graph = ag.unroll(x.T.reshape(6)[::2])
    assert ops_of(graph) == {}
    assert [s.name for s in graph.outputs] == ["x[0,0]", "x[0,1]", "x[0,2]"]   # 0, 1, 2
    assert graph.outputs[0] is graph[x][0, 0]


def test_leaves_keep_their_names_and_kinds():
    W = ag.Variable([[1.0, 2.0]], name="W")
    data = ag.constant([3.0, 4.0])                 # unnamed: t0
    graph = ag.unroll(ag.sum(W * data * 2.0))
    names = {s.name for s in _values(graph) if s.op is None}
    assert names == {"W[0,0]", "W[0,1]", "t0[0]", "t0[1]", None}   # None: the constant 2
    assert all(s.requires_grad for s in graph[W].flat)
    assert not any(s.requires_grad for s in graph[data].flat)


def test_a_non_scalar_root_is_seeded_with_its_gradient():
    x = ag.Variable([1.0, -2.0, 0.5], name="x")
    y = ag.tanh(x) * 3.0
    y.backward([1.0, 0.0, -2.0])
    graph = ag.unroll(y)
    assert len(graph.outputs) == 3
    graph.backward()
    np.testing.assert_allclose(graph.grad(x), x.grad, rtol=1e-6)


def test_roots_that_depend_on_each_other_are_not_seeded_twice():
    x = ag.Variable([0.5, -1.0], name="x", dtype=np.float64)
    h = ag.tanh(x)
    loss = ag.sum(h * h)
    loss.backward()             # gives h a .grad too
    graph = ag.unroll([h, loss])
    graph.backward()
    np.testing.assert_allclose(graph.grad(x), x.grad, rtol=1e-12)


def test_unroll_records_even_under_no_grad():
    x = ag.Variable([1.0, 2.0], name="x")
    y = ag.sum(x * x)
    with ag.no_grad():
        graph = ag.unroll(y)
    assert graph.outputs[0].op is not None


def test_name_scopes_carry_over_to_the_scalar_ops():
    x = ag.Variable([1.0, 2.0], name="x")
    with ag.name_scope("layer"):
        y = ag.tanh(x)
    graph = ag.unroll(ag.sum(y))
    assert {v.op.scope for v in _values(graph) if v.op is not None} == {"layer", None}


# --- drawing ----------------------------------------------------------------------------


def test_draw_graph_unrolled_shows_the_scalars_with_the_tensor_gradients():
    x = ag.constant([[1.0, 2.0]], name="x")
    W = ag.Variable([[0.5], [-1.0]], name="W")
    loss = ag.sum(ag.tanh(x @ W))
    loss.backward()
    source = ag.draw_graph(loss, unroll=True).source
    for name in ("x[0,0]", "x[0,1]", "W[0,0]", "W[1,0]"):
        assert name in source
    ops = re.findall(r'label="\{(\w+)\\n', source)
    assert sorted(ops) == ["Add", "Mul", "Mul", "Tanh"]   # the Sum of one number re-points
    grad = f"|grad {float(W.grad[1, 0]):.4g}"
    assert grad in source     # the scalar graph's backward ran, with the tensor's numbers
    tensor_ops = re.findall(r'label="\{(\w+)\\n', ag.draw_graph(loss).source)
    assert tensor_ops == ["MatMul", "Tanh", "Sum"]


def test_draw_graph_unrolled_before_backward_shows_no_gradients():
    W = ag.Variable([1.0, 2.0], name="W")
    source = ag.draw_graph(ag.sum(W * W), unroll=True).source
    assert "|grad" not in source


# --- errors -----------------------------------------------------------------------------


def test_an_op_without_a_scalar_form_is_named():
    import nn
    x = ag.Variable([1.0, -1.0], name="x")
    with pytest.raises(NotImplementedError, match=r"unroll: Step has no scalar form.*MatMul"):
        ag.unroll(ag.sum(nn.activations.step(x) * x))


def test_a_big_graph_is_refused_naming_the_op():
    x = ag.constant(np.ones((4, 12)), name="x")
    W = ag.Variable(np.ones((12, 12)), name="W")
    with pytest.raises(ValueError, match=r"max_nodes=300.*MatMul of inputs \[\(4, 12\), "
                                         r"\(12, 12\)\]"):
        ag.unroll(ag.sum(x @ W))
    with pytest.raises(ValueError, match="max_nodes=300"):
        ag.draw_graph(ag.sum(x @ W), unroll=True)
    assert len(ag.unroll(ag.sum(x @ W), max_nodes=None).outputs) == 1


def test_bad_arguments():
    with pytest.raises(TypeError, match="unroll: expected a Value"):
        ag.unroll(np.ones(3))
    with pytest.raises(TypeError, match="unroll: expected a Value"):
        ag.unroll([])
    x = ag.Variable([1.0, 2.0], name="x")
    graph = ag.unroll(x * 2.0)
    assert isinstance(graph, ScalarGraph)
    with pytest.raises(RuntimeError, match=r"root of shape \(2,\) has no .grad"):
        graph.backward()
    with pytest.raises(KeyError, match="not part of the unrolled graph"):
        graph[ag.Variable(1.0)]
