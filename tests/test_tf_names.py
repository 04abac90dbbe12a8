"""TensorFlow's names (``autograd_core/tf_names.py``), so that its code ports by renaming
``tf`` to ``ag``: the results against TensorFlow's documented examples and numpy, the
gradients against PyTorch's equivalents (first and second order) and central
differences, and ``ag.math`` / ``ag.nn`` as namespaces of the library's ops.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")
F = torch.nn.functional

SEEDS = st.integers(0, 2**32 - 1)
ROWS = hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4)
FEW = settings(max_examples=25, deadline=None)


def test_tensorflow_documented_examples():
    # the examples of TensorFlow's API pages, as they are printed there
    assert ag.sequence_mask([1, 3, 2], 5).numpy().tolist() == [
        [True, False, False, False, False], [True, True, True, False, False],
        [True, True, False, False, False]]
    assert ag.sequence_mask([[1, 3], [2, 0]]).numpy().tolist() == [
        [[True, False, False], [True, True, True]], [[True, True, False], [False] * 3]]
    tensor, mask = [[1, 2], [3, 4], [5, 6]], np.array([True, False, True])
    assert ag.boolean_mask(ag.constant(tensor, "int32"), mask).numpy().tolist() == [[1, 2],
                                                                                   [5, 6]]
    i = ag.constant(0, "int32")
    assert int(ag.while_loop(lambda i: ag.less(i, 10), lambda i: (ag.add(i, 1),), [i])[0]) == 10
    assert ag.map_fn(lambda t: t * t, ag.constant([3, 2, 1], "int64")).numpy().tolist() == [
        9, 4, 1]
    x = ag.constant([[1, 2], [3, 4]], "int32")
    assert ag.shape(x).numpy().tolist() == [2, 2] and int(ag.size(x)) == 4
    assert int(ag.rank(ag.ones((2, 2, 3)))) == 3 and ag.shape(x).dtype == np.int32
    assert ag.add_n([ag.constant([[1, 2], [3, 4]]), ag.constant([[5, 0], [0, 6]])]).numpy()\
        .tolist() == [[6, 2], [3, 10]]
    values, indices = ag.math.top_k(ag.constant([1.0, 5.0, 3.0, 7.0]), k=2)
    assert values.numpy().tolist() == [7.0, 5.0] and indices.numpy().tolist() == [3, 1]
    assert ag.clip_by_value(ag.constant([[-10.0, -1.0, 0.0], [0.0, 2.0, 10.0]]), -1, 1)\
        .numpy().tolist() == [[-1.0, -1.0, 0.0], [0.0, 1.0, 1.0]]
    assert ag.cond(ag.constant(2.0) < 3.0, lambda: "yes", lambda: "no") == "yes"
    assert ag.math.divide_no_nan(ag.constant([3.0, 0.0]), ag.constant([0.0, 0.0]))\
        .numpy().tolist() == [0.0, 0.0]


@FEW
@given(shape=ROWS, seed=SEEDS)
def test_nn_functions_against_pytorch(shape, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=shape), rng.normal(size=shape)
    compare_with_torch(ag.nn.relu6, F.relu6, np.where(np.abs(x) < 0.05, 0.1, x) * 4)
    compare_with_torch(ag.nn.log_sigmoid, F.logsigmoid, x)
    compare_with_torch(lambda a: ag.nn.l2_normalize(a, axis=-1),
                       lambda t: F.normalize(t, dim=-1), x)
    compare_with_torch(ag.nn.l2_loss, lambda t: (t * t).sum() / 2, x)
    compare_with_torch(ag.math.squared_difference, lambda a, b: (a - b) ** 2, x, y)
    compare_with_torch(lambda a: ag.math.reduce_euclidean_norm(a, axis=0),
                       lambda t: torch.linalg.vector_norm(t, dim=0), x)
    targets = rng.random(shape)
    compare_with_torch(lambda z: ag.nn.sigmoid_cross_entropy_with_logits(targets, z),
                       lambda z: F.binary_cross_entropy_with_logits(
                           z, torch.tensor(targets), reduction="none"), x)
    probs = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    compare_with_torch(lambda z: ag.nn.softmax_cross_entropy_with_logits(probs, z),
                       lambda z: F.cross_entropy(z.movedim(-1, 1), torch.tensor(
                           probs).movedim(-1, 1), reduction="none"), x)
    compare_with_torch(lambda z: ag.nn.softmax_cross_entropy_with_logits(probs, z, axis=0),
                       lambda z: F.cross_entropy(z.movedim(0, 1), torch.tensor(
                           probs).movedim(0, 1), reduction="none"),
                       rng.normal(size=shape)) if len(shape) == 2 else None
    labels = rng.integers(0, shape[-1], shape[:-1])
    compare_with_torch(lambda z: ag.nn.sparse_softmax_cross_entropy_with_logits(labels, z),
                       lambda z: F.cross_entropy(z.movedim(-1, 1), torch.tensor(labels),
                                                 reduction="none"), x)
    ids = rng.integers(0, shape[0], (2, 3))
    compare_with_torch(lambda p: ag.nn.embedding_lookup(p, ids),
                       lambda p: F.embedding(torch.tensor(ids), p), x.reshape(shape[0], -1))
    for i in (0, 1):
        compare_with_torch(lambda a: ag.nn.moments(a, axes=[0])[i],
                           lambda t: (t.mean(0), t.var(0, unbiased=False))[i], x)


@FEW
@given(shape=ROWS, seed=SEEDS)
def test_compositions_against_central_differences(shape, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=shape), rng.uniform(0.5, 2, shape) * rng.choice([-1, 1], shape)
    for f in (lambda a: ag.nn.l2_normalize(a, axis=0), ag.nn.log_sigmoid,
              lambda a: ag.math.reduce_euclidean_norm(a, axis=-1),
              lambda a: ag.identity(a) * ag.add_n([a, a, a])):
        ag.gradcheck(f, [x])
        check_second_order(f, x)
    ag.gradcheck(ag.math.divide_no_nan, [x, y])
    check_second_order(ag.math.divide_no_nan, x, y)


def test_divide_no_nan_has_a_zero_gradient_where_the_divisor_is_zero():
    x, y = ag.Variable(np.array([3.0, 2.0])), ag.Variable(np.array([0.0, 4.0]))
    ag.math.divide_no_nan(x, y).sum().backward()
    assert x.grad.tolist() == [0.0, 0.25] and y.grad.tolist() == [0.0, -0.125]


def test_boolean_mask_gradient_and_axis():
    x = np.arange(24.0).reshape(2, 3, 4)
    mask = np.array([[True, False, True], [False, False, True]])
    np.testing.assert_array_equal(ag.boolean_mask(x, mask).numpy(), x[mask])
    np.testing.assert_array_equal(ag.boolean_mask(x, mask[0], axis=1).numpy(), x[:, mask[0]])
    compare_with_torch(lambda v: ag.boolean_mask(v, mask), lambda t: t[torch.tensor(mask)], x)
    with pytest.raises(ValueError, match=r"boolean_mask: a mask of shape \(2,\) does not"):
        ag.boolean_mask(x, np.array([True, False]), axis=1)
    with pytest.raises(TypeError, match="boolean_mask: the mask must be boolean"):
        ag.boolean_mask(x, np.ones(2))


def test_comparisons_floordiv_floormod_convert_and_control_flow():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    for name, fn in (("greater", np.greater), ("greater_equal", np.greater_equal),
                     ("less", np.less), ("less_equal", np.less_equal),
                     ("not_equal", np.not_equal)):
        got = getattr(ag, name)(a, b)
        assert got.dtype == bool and got.numpy().tolist() == fn(a, b).tolist()
        assert getattr(ag.math, name) is getattr(ag, name)
    np.testing.assert_array_equal(ag.floordiv(-a, b).numpy(), np.floor_divide(-a, b))
    np.testing.assert_array_equal(ag.floormod(-a, b).numpy(), np.mod(-a, b))
    v = ag.Variable([1.0, 2.0])
    assert ag.convert_to_tensor(v) is v and ag.convert_to_tensor(v, "float64").dtype == np.float64
    assert ag.convert_to_tensor([1.5]).dtype == np.float32 and ag.newaxis is None
    # eager control flow: gradients flow through the branch taken and every iteration
    x = ag.Variable(np.array(2.0))
    with ag.GradientTape(persistent=True) as tape:
        y = ag.cond(x > 1, lambda: x * x, lambda: x)
        z = ag.while_loop(lambda i, acc: i < 3, lambda i, acc: (i + 1, acc * x), [0, y])[1]
        m = ag.reduce_sum(ag.map_fn(lambda r: r * x, ag.constant([[1.0, 2.0], [3.0, 4.0]])))
    assert float(tape.gradient(z, x)) == pytest.approx(5 * 2.0 ** 4)  # d(x^5)/dx
    assert float(tape.gradient(m, x)) == pytest.approx(10.0)
    pairs = ag.map_fn(lambda ab: (ab[0] + ab[1], ab[0] * ab[1]),
                      (ag.constant([1.0, 2.0]), ag.constant([3.0, 4.0])))
    assert [p.numpy().tolist() for p in pairs] == [[4.0, 6.0], [3.0, 8.0]]


def test_dropout_drops_at_the_rate_and_keeps_the_mean():
    x = ag.Variable(np.ones((200, 50)))
    y = ag.nn.dropout(x, rate=0.25, seed=0)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.75)
    with pytest.raises(ValueError, match=r"dropout: rate must be in \[0, 1\)"):
        ag.nn.dropout(x, rate=1.0)


def test_math_and_nn_are_namespaces_of_the_library_ops():
    for name in ("log", "exp", "sigmoid", "reduce_sum", "reduce_mean", "reduce_max",
                 "reduce_min", "reduce_prod", "reduce_std", "reduce_variance",
                 "reduce_logsumexp", "cumsum", "argmax", "erf", "abs", "square", "maximum"):
        assert callable(getattr(ag.math, name))
    assert ag.math.reduce_sum is ag.reduce_sum
    assert ag.math.log is ag.log and ag.math.is_nan is ag.isnan and ag.math.add_n is ag.add_n
    for name in ("relu", "sigmoid", "softmax", "log_softmax", "softplus", "gelu", "elu",
                 "selu", "leaky_relu", "conv2d", "max_pool2d", "avg_pool2d", "bias_add"):
        assert getattr(ag.nn, name) is getattr(ag, name)
    assert ag.nn.swish is ag.silu and ag.nn.silu is ag.silu
    # a star import brings the functions, never the namespaces (they would hide Python's
    # math module and the nn package)
    names = {}
    exec("from autograd_core import *", names)  # noqa: S102 - the test's own text
    assert "math" not in names and "nn" not in names and "clip_by_value" in names
