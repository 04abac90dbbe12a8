"""Bad input: a clear exception naming the op and the shapes, raised before anything changes."""

import re

import numpy as np
import pytest

import autograd_core as ag


def shapes_pattern(*shapes):
    """A regex matching every shape in ``shapes`` in the message, in any order."""
    return "".join(f"(?=.*{re.escape(str(s))})" for s in shapes)


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = ag.Value(np.ones((2, 3))), ag.Value(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul" + shapes_pattern((2, 3), (4, 5))):
        a @ b
    with pytest.raises(ValueError, match=r"matmul" + shapes_pattern((2, 3), (4, 5))):
        ag.matmul(a, b)


@pytest.mark.parametrize("shape_a, shape_b", [((3,), (4,)), ((2, 3), (4,)), ((5,), (4, 2)),
                                              ((2, 2, 3), (3, 3, 4))], ids=str)
def test_matmul_other_mismatches(shape_a, shape_b):
    with pytest.raises(ValueError, match=r"matmul" + shapes_pattern(shape_a, shape_b)):
        ag.Value(np.ones(shape_a)) @ ag.Value(np.ones(shape_b))


def test_matmul_of_a_scalar():
    with pytest.raises(ValueError, match=r"matmul.*at least one dimension"):
        ag.matmul(ag.Value(2.0), ag.Value(np.ones(2)))


BROADCASTING = [
    ("Add", lambda a, b: a + b), ("Add", ag.add), ("Sub", lambda a, b: a - b),
    ("Mul", lambda a, b: a * b), ("Mul", ag.multiply), ("Div", lambda a, b: a / b),
    ("Pow", lambda a, b: a ** b), ("Maximum", ag.maximum), ("Minimum", ag.minimum),
    ("SigmoidCrossEntropy", ag.sigmoid_cross_entropy),
]


@pytest.mark.parametrize("name, f", BROADCASTING, ids=[b[0] for b in BROADCASTING])
def test_broadcast_mismatch_names_the_op_and_both_shapes(name, f):
    a, b = ag.Value(np.ones((2, 3))), ag.Value(np.ones((4, 5)))
    with pytest.raises(ValueError, match=name + shapes_pattern((2, 3), (4, 5))):
        f(a, b)


def test_a_failing_op_changes_nothing():
    W = ag.Variable(np.ones((2, 3)))
    with ag.GradientTape() as tape:
        with pytest.raises(ValueError):
            W @ ag.constant(np.ones((4, 5)))
        with pytest.raises(ValueError):
            W + np.ones(4)
    assert tape.watched_variables() == [] and W.grad is None
    np.testing.assert_array_equal(W.data, np.ones((2, 3)))


BAD_DATA = {
    "string": "abc",
    "None": None,
    "object array": np.array([1, "a"], dtype=object),
    "ragged list": [[1.0, 2.0], [3.0]],
    "complex": 1 + 2j,
    "complex array": np.ones(3, dtype=complex),
    "bytes": b"12",
}


@pytest.mark.parametrize("what", list(BAD_DATA))
def test_bad_data_for_a_value(what):
    with pytest.raises(TypeError, match=r"^Value: .*(cannot make a Value|complex)"):
        ag.Value(BAD_DATA[what])
    with pytest.raises(TypeError, match=r"^Variable: .*(cannot make a Value|complex)"):
        ag.Variable(BAD_DATA[what])


OPERAND_USES = [
    ("Add", lambda x, d: x + d), ("Add", lambda x, d: d + x), ("Mul", lambda x, d: x * d),
    ("Sub", lambda x, d: d - x), ("MatMul", lambda x, d: x @ d), ("Maximum", ag.maximum),
    ("Exp", lambda x, d: ag.exp(d)), ("Concat", lambda x, d: ag.concat([x, d])),
]


@pytest.mark.parametrize("what", list(BAD_DATA))
@pytest.mark.parametrize("name, f", OPERAND_USES, ids=[u[0] for u in OPERAND_USES])
def test_bad_data_as_an_operand_names_the_op(what, name, f):
    x = ag.Value(np.ones(3))
    with pytest.raises(TypeError, match=rf"^{name}: .*(cannot make a Value|complex)"):
        f(x, BAD_DATA[what])


def test_assign_with_the_wrong_shape_leaves_the_data_alone():
    W = ag.Variable(np.arange(6.0).reshape(2, 3))
    for method in ("assign", "assign_add", "assign_sub"):
        with pytest.raises(ValueError, match=method + shapes_pattern((3, 2), (2, 3))):
            getattr(W, method)(np.ones((3, 2)))
        with pytest.raises(ValueError, match=method + shapes_pattern((6,), (2, 3))):
            getattr(W, method)(np.ones(6))  # the same size does not make it fit
    np.testing.assert_array_equal(W.data, np.arange(6.0).reshape(2, 3))


def test_assign_with_the_wrong_dtype_leaves_the_data_alone():
    step = ag.Variable(3, dtype=np.int64)
    with pytest.raises(TypeError, match=r"assign.*float.*int64"):
        step.assign(1.5)
    with pytest.raises(TypeError, match=r"assign_add.*float.*int64"):
        step.assign_add(np.ones((), dtype=np.float32))
    assert int(step) == 3 and step.dtype == np.int64
    W = ag.Variable(np.ones(2))
    for bad in ("ab", None, np.ones(2, dtype=complex), [[1.0], [2.0, 3.0]]):
        with pytest.raises(TypeError, match="Variable.assign"):
            W.assign(bad)
    np.testing.assert_array_equal(W.data, np.ones(2))


def test_softmax_cross_entropy_labels_of_the_wrong_shape():
    z = ag.Value(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy.*labels" +
                       shapes_pattern((5,), (4, 3))):
        ag.softmax_cross_entropy(z, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy.*labels" +
                       shapes_pattern((4, 2), (4, 3))):
        ag.softmax_cross_entropy(z, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy.*labels" +
                       shapes_pattern((4, 1), (4, 3))):
        ag.softmax_cross_entropy(z, np.zeros((4, 1), dtype=int))


@pytest.mark.parametrize("labels", [[0, 1, 2, 3], [0, -1, 0, 0]])
def test_softmax_cross_entropy_labels_out_of_range(labels):
    z = ag.Value(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"softmax_cross_entropy.*\[0, 3\).*(4, 3)?"):
        ag.softmax_cross_entropy(z, labels)


def test_softmax_cross_entropy_bad_labels_and_reduction():
    z = ag.Value(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="softmax_cross_entropy.*labels.*object"):
        ag.softmax_cross_entropy(z, None)
    with pytest.raises(TypeError, match="softmax_cross_entropy.*labels"):
        ag.softmax_cross_entropy(z, ["a", "b"])
    with pytest.raises(ValueError, match="softmax_cross_entropy.*reduction.*'avg'"):
        ag.softmax_cross_entropy(z, [0, 1], reduction="avg")


SHAPE_ERRORS = [
    ("Concat", lambda: ag.concat([ag.Value(np.ones((2, 3))), ag.Value(np.ones((3, 4)))]),
     [(2, 3), (3, 4)]),
    ("Stack", lambda: ag.stack([ag.Value(np.ones((2, 3))), ag.Value(np.ones((3, 2)))]),
     [(2, 3), (3, 2)]),
    ("Reshape", lambda: ag.Value(np.ones((2, 3))).reshape(4, 2), [(2, 3)]),
    ("Transpose", lambda: ag.Value(np.ones((2, 3))).transpose((0, 0)), [(2, 3)]),
    ("GetItem", lambda: ag.Value(np.ones((2, 3)))[5], [(2, 3)]),
    ("Sum", lambda: ag.Value(np.ones((2, 3))).sum(axis=2), [(2, 3)]),
    ("Softmax", lambda: ag.softmax(ag.Value(np.ones((2, 3))), axis=3), [(2, 3)]),
    ("Where", lambda: ag.where(np.ones(4, bool), ag.Value(np.ones((2, 3))), 0.0), [(2, 3)]),
]


@pytest.mark.parametrize("name, f, shapes", SHAPE_ERRORS, ids=[e[0] for e in SHAPE_ERRORS])
def test_shape_errors_name_the_op_and_the_shapes(name, f, shapes):
    # The op's class or its function (``transpose``, ``sum``) named, and the shapes.
    with pytest.raises((ValueError, IndexError), match="(?i)" + name + shapes_pattern(*shapes)):
        f()


def test_empty_concat_and_stack():
    with pytest.raises(ValueError, match="concat"):
        ag.concat([])
    with pytest.raises(ValueError, match="stack"):
        ag.stack([])


def test_tape_misuse():
    W = ag.Variable(1.0)
    with ag.GradientTape(persistent=True) as tape:
        with pytest.raises(TypeError, match="GradientTape.watch.*float"):
            tape.watch(3.0)
        y = W * 2
    with pytest.raises(TypeError, match="GradientTape.gradient.*target"):
        tape.gradient(2.0, W)
    with pytest.raises(TypeError, match="GradientTape.gradient.*sources"):
        tape.gradient(y, [W, np.ones(2)])


def test_one_hot_needs_integers():
    with pytest.raises(TypeError, match="one_hot.*float64"):
        ag.one_hot(np.array([0.5, 1.0]), 3)


@pytest.mark.parametrize("call, name", [
    (lambda: ag.argmax(["a", "b"]), "argmax"),
    (lambda: ag.equal(["a"], [1]), "equal"),
    (lambda: ag.one_hot(np.array(["x"]), 3), "one_hot"),
    (lambda: ag.cast(np.array(["1"]), ag.float32), "cast"),
])
def test_non_differentiable_helpers_name_themselves_for_bad_data(call, name):
    with pytest.raises(TypeError, match=rf"^{name}: expected numbers, got an array of dtype <U1"):
        call()
