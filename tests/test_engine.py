"""The engine: dtypes, the backward walk and the cases that have bitten other engines
(a node used twice, a very deep chain, backward twice, aliased gradients, ±1e4 logits)."""

import doctest
import gc
import importlib
import pkgutil
import warnings
import weakref

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import ops


def np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


# --- dtypes -----------------------------------------------------------------------------


def test_default_dtype_is_float32():
    assert ag.get_default_dtype() == np.float32
    assert ag.Value(1.0).dtype == np.float32
    assert ag.Variable([[1, 2]]).dtype == np.float32


@pytest.mark.parametrize("data", [1, 2.5, True, [1, 2], [[1.0, 2.0]], np.arange(3),
                                  np.array([True, False]), np.int64(4)], ids=repr)
def test_python_and_integer_data_take_the_default_dtype(data):
    assert ag.Value(data).dtype == np.float32
    ag.set_default_dtype(np.float64)
    try:
        assert ag.Value(data).dtype == np.float64
        assert ag.constant(data).dtype == np.float64
        np.testing.assert_array_equal(ag.Value(data).data, np.asarray(data, dtype=np.float64))
    finally:
        ag.set_default_dtype(np.float32)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_numpy_float_data_keeps_its_dtype(dtype):
    assert ag.Value(np.ones((2, 2), dtype=dtype)).dtype == dtype
    assert ag.Value(dtype(1.5)).dtype == dtype  # numpy scalars too (np.float64 is a float)
    assert ag.Value(1.5, dtype=dtype).dtype == dtype
    assert ag.Value(dtype(1.5)).detach().dtype == dtype


def test_set_default_dtype_rejects_non_floats():
    with pytest.raises(TypeError, match="set_default_dtype.*int64"):
        ag.set_default_dtype(np.int64)
    assert ag.get_default_dtype() == np.float32


@pytest.mark.parametrize("expr", [
    lambda x: 2 * x, lambda x: x * 2.5, lambda x: x ** 3, lambda x: 2 ** x, lambda x: x + 1,
    lambda x: 1 - x, lambda x: x / 2, lambda x: 2 / x, lambda x: ag.maximum(x, 0.5),
    lambda x: ag.where(x.data > 1, x, 0.0), lambda x: ag.clip(x, 0.0, 1.5),
    lambda x: ag.leaky_relu(x, 0.1),
])
def test_python_numbers_keep_float32_when_the_default_is_float64(expr):
    ag.set_default_dtype(np.float64)
    try:
        x = ag.Value(np.array([1.0, 2.0], dtype=np.float32))
        y = expr(x)
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32 and x.grad.shape == (2,)
    finally:
        ag.set_default_dtype(np.float32)


def test_grads_have_the_shape_and_dtype_of_their_data_under_broadcasting_and_promotion():
    a = ag.Value(np.ones((3,), dtype=np.float32))
    b = ag.Value(np.ones((2, 1), dtype=np.float64))
    c = ag.Value(np.float32(2.0))
    y = a * b + c  # float32 and float64 promote to a (2, 3) float64 result
    assert y.dtype == np.float64 and y.shape == (2, 3)
    y.sum().backward()
    assert (a.grad.shape, a.grad.dtype) == ((3,), np.float32)
    assert (b.grad.shape, b.grad.dtype) == ((2, 1), np.float64)
    assert (np.shape(c.grad), c.grad.dtype) == ((), np.float32)
    np.testing.assert_array_equal(a.grad, [2, 2, 2])
    np.testing.assert_array_equal(b.grad, [[3], [3]])
    assert float(c.grad) == 6.0


# --- the Value object -----------------------------------------------------------------------


def test_array_like_accessors():
    x = ag.Value([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert (x.shape, x.dtype, x.ndim, x.size, len(x)) == ((2, 3), np.float32, 2, 6, 2)
    assert isinstance(x.numpy(), np.ndarray)
    np.testing.assert_array_equal(np.asarray(x), x.data)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    s = ag.Value(2.5)
    assert s.item() == 2.5 and isinstance(s.item(), float)
    assert float(s) == 2.5 and int(s) == 2 and bool(s) and s.shape == () and s.size == 1
    assert isinstance(s.numpy(), np.floating)


def test_a_value_owns_its_data():
    source = np.array([1.0, 2.0])
    x = ag.Value(source)
    source[0] = 99.0
    assert x.data[0] == 1.0


def test_repr_is_short_and_shows_data_grad_and_name():
    x = ag.Value([1.0, 2.0], name="x")
    assert "1" in repr(x) and "2" in repr(x) and "'x'" in repr(x) and "grad" not in repr(x)
    (x * x).sum().backward()
    assert "grad=[2., 4.]" in repr(x)
    big = ag.Value(np.arange(10000.0))
    assert len(repr(big)) < 100 and "..." in repr(big)
    assert repr(ag.Value(3.0)).startswith("Value(3")


def test_values_hash_by_identity_and_compare_elementwise():
    a, b = ag.Value(1.0), ag.Value(1.0)
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b" and len({a, b, a}) == 2
    assert bool(a == b) and not bool(a != b)          # equal numbers, two Values
    x, y = ag.Value([1.0, 2.0, 3.0]), ag.Value([1.0, 0.0, 3.0])
    for result, expected in [(x == y, [1, 0, 1]), (x != y, [0, 1, 0]), (x == 2.0, [0, 1, 0])]:
        assert isinstance(result, np.ndarray) and result.dtype == bool
        np.testing.assert_array_equal(result, np.array(expected, dtype=bool))
    pred, labels = ag.Value([0.0, 2.0, 1.0]), np.array([0, 2, 2])
    assert float(ag.mean(ag.cast(pred == labels, ag.float32))) == pytest.approx(2 / 3)


def test_comparisons_return_numpy_bool_arrays():
    x = ag.Value([1.0, 2.0, 3.0])
    for result, expected in [(x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0]), (x > 2, [0, 0, 1]),
                             (x >= ag.Value([3.0, 2.0, 1.0]), [0, 1, 1])]:
        assert isinstance(result, np.ndarray) and result.dtype == bool
        np.testing.assert_array_equal(result, np.array(expected, dtype=bool))
    scalar = ag.Value(1.0) > 0
    assert isinstance(scalar, np.ndarray) and scalar.dtype == bool and scalar.shape == ()


def test_variable_constant_and_detach():
    W = ag.Variable(lambda: np.ones((2, 2)), name="W")
    assert W.trainable and W.requires_grad and W.name == "W" and W.dtype == np.float64
    frozen = ag.Variable([1.0], trainable=False)
    assert not frozen.trainable and not frozen.requires_grad
    c = ag.constant([1, 2], dtype=ag.float64, name="c")
    assert not c.requires_grad and c.dtype == np.float64 and c.name == "c"
    d = (W * 2).detach()
    assert d.op is None and not d.requires_grad
    np.testing.assert_array_equal(d.data, 2 * np.ones((2, 2)))


def test_assign_updates_in_place_without_recording():
    W = ag.Variable(np.zeros((2, 2), dtype=np.float32))
    buffer = W.data
    W.assign([[1, 2], [3, 4]])
    W.assign_add(np.ones((2, 2)))
    W.assign_sub(ag.constant(0.5 * np.ones((2, 2))))
    assert W.data is buffer and W.dtype == np.float32 and W.op is None
    np.testing.assert_array_equal(W.data, [[1.5, 2.5], [3.5, 4.5]])
    s = ag.Variable(1.0)
    s.assign_add(2)
    assert float(s) == 3.0 and s.dtype == np.float32


def test_integer_variable_counts():
    step = ag.Variable(0, dtype=np.int64, trainable=False)
    step.assign_add(1)
    step.assign(step.data + 5)
    assert step.dtype == np.int64 and int(step) == 6


def test_zero_grad():
    x = ag.Value([1.0, 2.0])
    (x * 3).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3, 3])


# --- the backward pass ---------------------------------------------------------------------


def test_a_node_used_twice_adds_its_gradients():
    x = ag.Value([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 1)


def test_a_diamond_counts_each_path_once():
    x = ag.Value(2.0)
    a, b = x * 3, x * 5
    y = a * b  # 15 x**2
    y.backward()
    assert float(x.grad) == 60.0 and float(a.grad) == 10.0 and float(b.grad) == 6.0


def test_a_million_op_chain_backpropagates_without_recursion():
    x = ag.Value(3.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert float(x.grad) == 1.0


def test_a_node_gives_its_inputs_as_a_tuple_for_any_number_of_them():
    # Held in two slots (Value.inputs): a leaf, one, two, and three or more inputs.
    a, b, c = ag.Value(1.0), ag.Value(2.0), ag.Value(3.0)
    assert a.inputs == () and (-a).inputs == (a,) and (a * b).inputs == (a, b)
    stacked = ag.stack([a, b, c])
    assert stacked.inputs == (a, b, c) and type(stacked.inputs) is tuple
    stacked.sum().backward()
    assert [float(v.grad) for v in (a, b, c)] == [1.0, 1.0, 1.0]
    node = a * b
    node.inputs = [c]
    assert node.inputs == (c,)
    node.inputs = ()
    assert node.inputs == ()


def test_scalar_nodes_of_mixed_dtypes_still_get_gradients_of_their_own_dtype():
    # The walk's "Scalar nodes" shortcut takes only numpy scalars of one type; a float32
    # scalar times a float64 one, an op whose gradient is a Python float, and a scalar
    # with an array all go the general way and get their gradient fitted.
    x32 = ag.Value(np.float32(2.0))
    x64 = ag.Value(np.float64(3.0))
    w = ag.Value(np.array([1.0, 2.0], np.float32))
    ((x32 * x64) * x64 + (x32 * w).sum()).backward()
    assert type(x32.grad) is np.float32 and float(x32.grad) == 9.0 + 3.0
    assert type(x64.grad) is np.float64 and float(x64.grad) == 12.0
    assert w.grad.dtype == np.float32 and w.grad.tolist() == [2.0, 2.0]

    class HalfAsFloat(ag.Op):  # a user's op that answers with Python floats
        def forward(self, a, b):
            return a * b

        def backward(self, g, y, a, b):
            return float(g * b), float(g * a)
    u, v = ag.Value(np.float64(4.0)), ag.Value(np.float64(5.0))
    ag.apply(HalfAsFloat(), u, v).backward()
    assert type(u.grad) is np.float64 and (float(u.grad), float(v.grad)) == (5.0, 4.0)


def test_topological_order_puts_every_node_before_its_inputs():
    x, w = ag.Value([1.0, 2.0]), ag.Value(0.5)
    h = ag.tanh(x * w)
    y = (h * h + h * x).sum()
    order = ag.topological_order(y)
    assert order[0] is y and len(order) == len({id(v) for v in order}) == 8
    position = {id(v): i for i, v in enumerate(order)}
    for node in order:
        for x_in in node.inputs:
            assert position[id(node)] < position[id(x_in)]
    assert {id(x), id(w)} <= set(position)


def test_topological_order_skips_constants():
    x, c = ag.Value(1.0), ag.constant(2.0)
    order = ag.topological_order(x * c)
    assert [v is x for v in order] == [False, True]


def test_backward_twice_gives_twice_the_gradients_also_for_intermediates():
    x = ag.Value([1.0, 2.0])
    h = x * x
    y = (h * 3).sum()
    y.backward()
    first = {name: v.grad.copy() for name, v in [("x", x), ("h", h)]}
    y.backward()
    np.testing.assert_array_equal(x.grad, 2 * first["x"])
    np.testing.assert_array_equal(h.grad, 2 * first["h"])
    np.testing.assert_array_equal(x.grad, [12.0, 24.0])
    assert float(y.grad) == 2.0


def test_backward_on_a_non_scalar_needs_a_seed():
    x = ag.Value(np.ones((2, 3)))
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar.*\(2, 3\)"):
        y.backward()
    assert x.grad is None
    y.backward(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.grad, 2 * np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))


def test_backward_needs_a_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (ag.constant(1.0) * 2).backward()


def test_op_needs_grad_marks_which_inputs_take_a_gradient():
    a, c = ag.Value([1.0, 2.0]), ag.constant([3.0, 4.0])
    y = a * c
    assert y.op.needs_grad == (True, False) and y.inputs == (a, c)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])
    assert c.grad is None


ALIASING_CASES = {
    "add": lambda a, b: (a + b).sum(),
    "sub": lambda a, b: (a - b).sum(),
    "add then reshape": lambda a, b: (a + b).reshape(2, 2).sum(),
    "separate sums": lambda a, b: a.sum() + b.sum(),
    "transpose": lambda a, b: (a.reshape(2, 2).T + b.reshape(2, 2)).sum(),
    "concat": lambda a, b: ag.concat([a, b]).sum(),
    "stack": lambda a, b: ag.stack([a, b]).sum(),
    "slices": lambda a, b: (a[1:] + b[:-1]).sum() + a[0],
    "mean": lambda a, b: ag.mean(a + b),
    "cast": lambda a, b: ag.cast(a, np.float64).sum() + b.sum(),
}


@pytest.mark.parametrize("name", list(ALIASING_CASES))
def test_leaf_grads_are_writable_and_never_shared(name):
    a, b = ag.Value(np.arange(4.0)), ag.Value(np.ones(4))
    y = ALIASING_CASES[name](a, b)
    y.backward()
    graph = ag.topological_order(y)
    before = {id(v): np.copy(v.grad) for v in graph}
    for leaf in (a, b):
        for other in graph:
            if other is not leaf:
                assert not np.shares_memory(leaf.grad, other.grad), name
    a.grad += 1  # must not be read-only, and must not change anything else
    for v in graph:
        if v is not a:
            np.testing.assert_array_equal(v.grad, before[id(v)])


def test_a_seed_array_is_not_aliased_by_leaf_grads():
    a = ag.Value(np.zeros(3))
    seed = np.ones(3)
    (a + 0.0).backward(seed)
    a.grad += 1
    np.testing.assert_array_equal(seed, np.ones(3))


def test_backward_steps_yields_one_step_per_op_and_adds_up_to_the_grads():
    a, b = ag.Value([1.0, 2.0]), ag.Value([3.0, 4.0])
    m = a * b
    s = m + a
    y = s.sum()
    steps = list(ag.backward_steps(y))
    assert [type(step.op).__name__ for step in steps] == ["Sum", "Add", "Mul"]
    assert [step.node for step in steps] == [y, s, m]
    for step in steps:
        assert isinstance(step, ag.BackwardStep) and step.op is step.node.op
        assert len(step.input_grads) == len(step.node.inputs)
        np.testing.assert_array_equal(step.grad, step.node.grad)
    np.testing.assert_array_equal(steps[2].input_grads[0], b.data)   # dm/da = b
    np.testing.assert_array_equal(steps[2].input_grads[1], a.data)   # dm/db = a
    for leaf in (a, b):
        total = sum(g for step in steps for x, g in zip(step.node.inputs, step.input_grads)
                    if x is leaf)
        np.testing.assert_array_equal(total, leaf.grad)
    np.testing.assert_array_equal(a.grad, b.data + 1)


def test_backward_steps_fills_grads_as_it_goes():
    x = ag.Value(2.0)
    h = x * x
    y = h * 3
    walk = ag.backward_steps(y)
    assert x.grad is None  # nothing runs before the first step is asked for
    first = next(walk)
    assert first.node is y and float(y.grad) == 1.0 and h.grad is None
    next(walk)
    assert float(h.grad) == 3.0
    with pytest.raises(StopIteration):
        next(walk)
    assert float(x.grad) == 12.0


def test_backward_steps_skip_constants():
    x, c = ag.Value(2.0), ag.constant(5.0)
    (step,) = ag.backward_steps(x * c)
    assert step.input_grads[1] is None and float(step.input_grads[0]) == 5.0


def test_every_op_docstring_states_its_maths():
    for name, cls in vars(ops).items():
        if isinstance(cls, type) and issubclass(cls, ag.Op) and cls is not ag.Op \
                and cls.differentiable:
            doc = cls.__doc__ or ""
            assert "=" in doc.splitlines()[0] and "dL/d" in doc, name


def test_the_graph_holds_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = ag.Value(np.ones(3))
        h = ag.exp(x * x)
        y = (h + x).sum()
        y.backward()
        refs = [weakref.ref(v) for v in (h, y)]
        del h, y
        # Reference counting alone must free the graph: the cyclic collector is off.
        assert [r() for r in refs] == [None, None]
        with ag.GradientTape() as tape:
            tape.watch(x)
            z = ag.tanh(x).sum()
        tape.gradient(z, x)
        refs = [weakref.ref(tape), weakref.ref(z)]
        del tape, z
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()


def test_unbroadcast_sums_the_stretched_axes():
    g = np.ones((2, 3, 4))
    np.testing.assert_array_equal(ag.unbroadcast(g, (3, 1)), 8 * np.ones((3, 1)))
    np.testing.assert_array_equal(ag.unbroadcast(g, ()), 24.0)
    assert ag.unbroadcast(g, (2, 3, 4)) is g


# --- modes --------------------------------------------------------------------------------


def test_no_grad_as_context_records_nothing():
    x = ag.Value(2.0)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * x
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.op is None and y.inputs == ()
    with pytest.raises(RuntimeError):
        y.backward()


def test_no_grad_as_decorator_and_restored_after_an_exception():
    @ag.no_grad()
    def update(v):
        return v * 2

    x = ag.Value(1.0)
    y = update(x)
    assert not y.requires_grad and y.op is None and ag.is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with ag.no_grad():
            1 / 0
    assert ag.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = ag.Value(3.0)
    with ag.no_grad():
        with ag.enable_grad():
            y = x * x
        z = x * x
        assert not ag.is_grad_enabled()
    assert y.requires_grad and not z.requires_grad
    y.backward()
    assert float(x.grad) == 6.0


def test_stop_gradient_cuts_the_path():
    x = ag.Value(3.0)
    s = ag.stop_gradient(x)
    assert not s.requires_grad and float(s) == 3.0
    (x * s).backward()
    assert float(x.grad) == 3.0  # not 2x


def test_name_scope_tags_ops():
    x = ag.Value([1.0])
    with ag.name_scope("outer"):
        with ag.name_scope("inner") as scope:
            y = x * 2
        z = y + 1
    w = z * 1
    assert scope == "outer/inner"
    assert (y.op.scope, z.op.scope, w.op.scope) == ("outer/inner", "outer", None)


# --- numerics -------------------------------------------------------------------------------


def test_detect_anomaly_names_the_op_in_forward():
    with np.errstate(invalid="ignore"), ag.detect_anomaly():
        with pytest.raises(FloatingPointError, match="Log.*forward"):
            ag.log(ag.Value(-1.0))
    with np.errstate(invalid="ignore"):
        assert np.isnan(float(ag.log(ag.Value(-1.0))))  # off again: NaN passes


def test_detect_anomaly_names_the_op_in_backward():
    x = ag.Value(0.0)
    with np.errstate(divide="ignore"), ag.detect_anomaly():
        y = ag.sqrt(x)
        with pytest.raises(FloatingPointError, match="Sqrt.*backward"):
            y.backward()


def test_detect_anomaly_as_decorator():
    @ag.detect_anomaly()
    def f(v):
        return ag.log(v)

    with np.errstate(divide="ignore"), pytest.raises(FloatingPointError, match="Log"):
        f(ag.Value(0.0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_saturates_exactly_without_warnings(dtype):
    x = ag.Value(np.array([-1000.0, 1000.0, 0.0], dtype=dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ag.sigmoid(x)
        y.sum().backward()
        loss = ag.sigmoid_cross_entropy(x, np.array([1.0, 0.0, 1.0], dtype=dtype))
    np.testing.assert_array_equal(y.data, [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.25])
    np.testing.assert_allclose(loss.data, [1000.0, 1000.0, np.log(2)], rtol=1e-6)


def test_log_of_zero_is_minus_infinity_with_a_warning():
    with pytest.warns(RuntimeWarning):
        y = ag.log(ag.Value(0.0))
    assert float(y) == -np.inf


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_stay_finite_with_the_right_gradients(dtype):
    z_data = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    labels = np.array([1, 2, 0])
    onehot = np.eye(3)[labels]
    p = np_softmax(z_data.astype(np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduction, scale in [("none", 1.0), ("sum", 1.0), ("mean", 1 / 3)]:
            for t in (labels, onehot.astype(dtype)):
                z = ag.Value(z_data)
                loss = ag.softmax_cross_entropy(z, t, reduction=reduction)
                assert np.all(np.isfinite(loss.data)) and loss.dtype == dtype
                loss.sum().backward()
                np.testing.assert_allclose(z.grad, scale * (p - onehot), atol=1e-6)
        losses = ag.softmax_cross_entropy(ag.Value(z_data), labels).data
        np.testing.assert_allclose(losses, [2e4, 0.0, np.log(2)], rtol=1e-6)

        z = ag.Value(z_data)
        y = ag.softmax(z)
        np.testing.assert_allclose(y.data, p, atol=1e-7)
        (y * np.arange(3.0)).sum().backward()
        w = np.arange(3.0)
        np.testing.assert_allclose(z.grad, p * (w - np.sum(w * p, -1, keepdims=True)),
                                   atol=1e-6)

        z = ag.Value(z_data)
        y = ag.log_softmax(z)
        assert np.all(np.isfinite(y.data))
        np.testing.assert_allclose(y.data, [[0, -2e4, -1e4], [-2e4, -2e4, 0],
                                            [-np.log(2), -np.log(2), -2e4 - np.log(2)]],
                                   rtol=1e-6)
        y.sum().backward()
        np.testing.assert_allclose(z.grad, 1 - 3 * p, atol=1e-6)

        z = ag.Value(z_data)
        y = ag.logsumexp(z)
        np.testing.assert_allclose(y.data, [1e4, 1e4, 1e4 + np.log(2)], rtol=1e-6)
        y.sum().backward()
        np.testing.assert_allclose(z.grad, p, atol=1e-7)


# --- random ----------------------------------------------------------------------------------


def test_random_is_seeded_and_typed():
    a = ag.random.normal((2, 3), seed=1)
    b = ag.random.normal((2, 3), seed=1)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.dtype == np.float32 and a.shape == (2, 3) and not a.requires_grad
    u = ag.random.uniform([1000], minval=-1.0, maxval=2.0, dtype=np.float64, seed=2)
    assert u.dtype == np.float64 and -1.0 <= u.data.min() and u.data.max() < 2.0
    t = ag.random.truncated_normal(1000, mean=1.0, stddev=0.1, seed=3)
    assert np.all(np.abs(t.data - 1.0) <= 0.2 + 1e-6) and abs(t.data.mean() - 1.0) < 0.02
    ag.random.set_seed(7)
    first = ag.random.normal(4).data
    ag.random.set_seed(7)
    np.testing.assert_array_equal(ag.random.normal(4).data, first)


# --- doctests ---------------------------------------------------------------------------------


# Every module of the package, the ops' families included (walk_packages recurses).
MODULES = ["autograd_core"] + [m.name for m in pkgutil.walk_packages(ag.__path__,
                                                                     "autograd_core.")]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_inputs_needing_no_gradient_cost_no_gradient_work():
    """x @ W with a constant x: backward computes dL/dW only, never the big dL/dx."""
    x = np.ones((32, 784), np.float32)
    W = ag.Variable(np.zeros((784, 512), np.float32))
    loss = ag.sum(x @ W)
    steps = list(ag.backward_steps(loss))
    matmul_step = [s for s in steps if type(s.op).__name__ == "MatMul"][0]
    assert matmul_step.raw_grads[0] is None            # the op never computed dL/dx
    assert matmul_step.input_grads[0] is None          # nothing sent to x
    assert W.grad.shape == (784, 512)


def test_ops_that_keep_nothing_are_shared_between_nodes_with_the_same_needs_and_scope():
    # Add, Mul, Relu... keep only needs_grad and scope, so nodes share one op object per
    # class, needs_grad and name scope (fewer objects for the cyclic collector to walk);
    # ops that keep constants for their backward (conv2d, max_pool2d) get one per node.
    x, y = ag.Value([1.0, -2.0]), ag.Value([3.0, 4.0])
    c = ag.constant([5.0, 6.0])
    a, b, d = x * y, y * x, x * c
    assert a.op is b.op and a.op.needs_grad == (True, True)
    assert d.op is not a.op and d.op.needs_grad == (True, False)
    with ag.name_scope("block"):
        e = x * y
    assert e.op is not a.op and e.op.scope == "block" and a.op.scope is None
    (a.relu() + b + d + e).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0 + 3.0 + 5.0 + 3.0, 0.0 + 4.0 + 6.0 + 4.0])
    np.testing.assert_allclose(y.grad, [1.0 + 1.0 + 1.0, 0.0 - 2.0 - 2.0])
    img = ag.Value(np.ones((1, 4, 4, 1)))
    assert ag.max_pool2d(img, 2).op is not ag.max_pool2d(img, 2).op
    assert ops.arithmetic.Mul.stateless and not ops.pooling.MaxPool2D.stateless

    class Scaled(ag.Op):  # a user's op without __slots__ has a __dict__: never shared
        def forward(self, v):
            return 2 * v

        def backward(self, g, out, v):
            return (2 * g,)
    assert not Scaled.stateless
    assert ag.apply(Scaled(), x).op is not ag.apply(Scaled(), x).op


def test_the_census_counts_the_threads_with_a_mode_on_and_the_fast_path_reads_it():
    # apply1/apply2 read the thread's own state only while some thread has a mode on: a
    # thread inside no_grad must still see no graph made while others record theirs.
    from autograd_core.modes import census
    import threading
    x = ag.Value([1.0, -2.0])
    assert census.unplain == 0
    inside, leave, results = threading.Barrier(3), threading.Event(), {}

    def worker(name, mode):
        with mode:
            inside.wait()
            results[name] = ((x * x).op, x.relu().op)
            leave.wait()

    threads = [threading.Thread(target=worker, args=("no_grad", ag.no_grad())),
               threading.Thread(target=worker, args=("tape", ag.GradientTape()))]
    for t in threads:
        t.start()
    inside.wait()
    assert census.unplain == 2
    assert (x * x).op is not None and x.relu().op is not None  # this thread records
    leave.set()
    for t in threads:
        t.join()
    assert census.unplain == 0
    assert results["no_grad"] == (None, None)   # no graph under no_grad in its thread
    assert results["tape"][0] is not None
    # A thread that ends inside a mode (a generator never closed) is counted out when its
    # state goes; so is a state replaced while a mode was on.
    ended = threading.Thread(target=lambda: ag.no_grad().__enter__())
    ended.start()
    ended.join()
    import gc
    gc.collect()
    assert census.unplain == 0
    from autograd_core.modes import _ThreadState
    state = _ThreadState()
    state.grad_enabled = 0          # falsy values of any type count once
    state.grad_enabled = False
    assert census.unplain == 1
    del state
    assert census.unplain == 0


def test_the_fast_path_runs_only_with_no_mode_on_and_gives_the_shared_ops():
    # apply's fast path reads one flag, `plain`, that every mode keeps right when it is
    # entered and left; the slow path and the fast one give a node the same op object.
    from autograd_core.modes import _local
    import threading
    state = _local.state
    x, y = ag.Value([1.0, -2.0]), ag.Value([3.0, 4.0])
    assert state.plain
    for mode in (ag.no_grad(), ag.detect_anomaly(), ag.GradientTape(), ag.name_scope("s")):
        with mode:
            assert not state.plain
            seen = []
            worker = threading.Thread(target=lambda: seen.append(_local.state.plain))
            worker.start()
            worker.join()
            assert seen == [True]  # another thread's modes are its own
        assert state.plain
    with ag.GradientTape() as outer, ag.GradientTape():
        pass
    assert state.tapes == () and state.plain and outer is not None
    fast = x * y
    assert fast.op is ops.arithmetic.Mul._shared[(True, True)]
    with ag.detect_anomaly():  # the slow path, same key
        slow = x * y
    assert slow.op is fast.op
    const = ag.constant([1.0, 2.0]) * ag.constant([3.0, 4.0])
    assert const.op is None and not const.requires_grad
    assert (x * ag.constant([5.0, 6.0])).op.needs_grad == (True, False)
    assert x.relu().op is ops.activations.Relu._plain1[1]
    (fast + x.relu()).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0 + 1.0, 4.0])
    np.testing.assert_allclose(y.grad, [1.0, -2.0])


def test_the_operators_path_gives_what_apply_gives():
    # engine.apply1/apply2 (the operators' and x.relu()'s path) take the shared op without
    # making one first; their nodes, gradients and errors are apply's.
    x, y = ag.Value([1.0, -2.0]), ag.Value([3.0, 4.0])
    for fast, slow in ((x * y, ag.apply(ops.arithmetic.Mul(), x, y)),
                       (2.0 - x, ag.apply(ops.arithmetic.Sub(), ag.constant(2.0), x)),
                       (x.relu(), ag.apply(ops.activations.Relu(), x)),
                       (ag.exp(x), ag.apply(ops.elementwise.Exp(), x))):
        np.testing.assert_allclose(fast.data, slow.data)
        assert fast.op is slow.op and fast.requires_grad
    assert (x * y).inputs[0] is x and (y * x).inputs[1] is x and (2.0 * x).inputs[1] is x
    a, b = ag.Value(np.ones((2, 3))), ag.Value(np.ones((4, 5)))
    for mode in (ag.enable_grad(), ag.detect_anomaly(), ag.no_grad()):  # fast, then slow
        with mode, pytest.raises(ValueError, match=r"^Mul: .*\(input shapes: \(2, 3\), \(4, 5\)\)"):
            a * b


def test_apply_names_arguments_that_are_not_an_op_and_values():
    # ag.apply(op, *values) is the low-level call; what it was given instead is named, as a
    # TypeError, rather than an AttributeError from inside the op.
    from autograd_core import ops
    with pytest.raises(TypeError, match=r"apply: the first argument must be an Op .*got Value"):
        ag.apply(ag.Value([1.0, 2.0]))
    for x, kind in (([1.0, 2.0], "list"), (np.array([1.0, 2.0]), "ndarray"), (3.0, "float")):
        with pytest.raises(TypeError, match=rf"apply: Relu's input 0 must be a Value, got {kind}"):
            ag.apply(ops.Relu(), x)
    with pytest.raises(TypeError, match=r"Mul's input 1 must be a Value, got ndarray"):
        ag.apply(ops.Mul(), ag.Value([1.0]), np.ones(1))
    assert ag.apply(ops.Relu(), ag.Value([-1.0, 2.0])).numpy().tolist() == [0.0, 2.0]
