"""Gradient checkpointing (tf.recompute_grad, torch.utils.checkpoint), TensorFlow's
ForwardAccumulator, custom_gradient with Variables, and TensorFlow's shapes given as Values.

Each is checked against the same computation without the feature (the gradients must be
those of the plain graph), against central differences, and against PyTorch where it has
the same thing.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ag
from autograd_core.utils.checkpoint import checkpoint, checkpoint_sequential

rng = np.random.default_rng(21)


def block(w1, w2):
    """A two-layer block reading its weights from outside, as a layer's forward does."""
    return lambda x: ag.tanh(ag.relu(x @ w1) @ w2) * 2.0


def weights(n_in=4, hidden=5):
    return (ag.Variable(rng.normal(size=(n_in, hidden)), dtype=ag.float64),
            ag.Variable(rng.normal(size=(hidden, n_in)), dtype=ag.float64))


# --- checkpointing: the same gradients as the plain graph ------------------------------


@settings(max_examples=20, deadline=None)
@given(batch=st.integers(1, 4), n_in=st.integers(1, 4), hidden=st.integers(1, 5),
       wrapper=st.sampled_from(["recompute_grad", "checkpoint"]))
def test_checkpointed_gradients_are_the_plain_ones(batch, n_in, hidden, wrapper):
    w1, w2 = weights(n_in, hidden)
    f = block(w1, w2)
    x0 = rng.normal(size=(batch, n_in))
    run = ag.recompute_grad(f) if wrapper == "recompute_grad" else \
        (lambda x: checkpoint(f, x, use_reentrant=False))
    found = []
    for g in (f, run):
        x = ag.Value(x0, requires_grad=True)
        found.append(ag.gradients((g(x) ** 2).sum(), [x, w1, w2]))
    for plain, checkpointed in zip(*found):
        np.testing.assert_allclose(checkpointed.data, plain.data, rtol=1e-12, atol=1e-14)
    x = ag.Value(x0, requires_grad=True)
    ag.gradcheck(lambda x: (run(x) ** 2).sum(), [x0])


def test_the_node_keeps_only_inputs_and_the_function_runs_again_once():
    w1, w2 = weights()
    calls = []

    def f(x):
        calls.append(1)
        return block(w1, w2)(x)
    x = ag.Value(rng.normal(size=(3, 4)), requires_grad=True)
    y = checkpoint(f, x)
    assert len(calls) == 1
    # one node over the input and the two Variables: f's intermediate results are gone
    assert repr(y.op) == "recompute_grad(f)"
    assert [v is u for v, u in zip(y.inputs, (x, w1, w2))] == [True] * 3
    assert len(ag.topological_order(y)) == 4
    y.sum().backward()
    assert len(calls) == 2
    assert x.grad is not None and w1.grad is not None and w2.grad is not None


def test_second_derivatives_through_a_checkpoint():
    w1, w2 = weights()
    f = block(w1, w2)
    x0 = rng.normal(size=(2, 4))
    v = rng.normal(size=(2, 4))
    found = []
    for g in (f, ag.recompute_grad(f)):
        x = ag.Value(x0, requires_grad=True)
        (dx,) = ag.gradients((g(x) ** 3).sum(), x, create_graph=True)
        found.append(ag.gradients((dx * v).sum(), [x, w1, w2]))
    for plain, checkpointed in zip(*found):
        np.testing.assert_allclose(checkpointed.data, plain.data, rtol=1e-10, atol=1e-12)


def test_checkpoint_inside_tapes_and_on_a_watched_constant():
    w1, w2 = weights()
    f = block(w1, w2)
    x = ag.constant(rng.normal(size=(2, 4)))
    found = []
    for g in (f, ag.recompute_grad(f)):
        with ag.GradientTape() as tape:
            tape.watch(x)
            y = (g(x) ** 2).sum()
        found.append(tape.gradient(y, [x, w1, w2]))
    for plain, checkpointed in zip(*found):
        np.testing.assert_allclose(checkpointed.data, plain.data, rtol=1e-12)
    # nested tapes: the Hessian-vector product through a checkpointed block
    hv = []
    for g in (f, ag.recompute_grad(f)):
        with ag.GradientTape() as outer:
            outer.watch(x)
            with ag.GradientTape() as inner:
                inner.watch(x)
                y = (g(x) ** 2).sum()
            dx = inner.gradient(y, x)
            s = (dx * ag.constant(np.ones((2, 4)))).sum()
        hv.append(outer.gradient(s, x))
    np.testing.assert_allclose(hv[1].data, hv[0].data, rtol=1e-10)


def test_checkpoint_replays_the_random_generator_for_dropout():
    w1, w2 = weights()

    def f(x):
        return ag.nn.dropout(ag.relu(x @ w1), rate=0.5) @ w2
    x0 = rng.normal(size=(8, 4))
    found = []
    for g in (f, ag.recompute_grad(f)):
        ag.random.set_seed(3)
        x = ag.Value(x0, requires_grad=True)
        found.append(ag.gradients(g(x).sum(), [x, w1, w2]))
    for plain, checkpointed in zip(*found):
        np.testing.assert_allclose(checkpointed.data, plain.data, rtol=1e-12)
    # without replaying the generator the second run drops other units: refused, not wrong
    x = ag.Value(x0, requires_grad=True)
    y = checkpoint(f, x, preserve_rng_state=False)
    with pytest.raises(RuntimeError, match="another output"):
        y.sum().backward()


def test_a_function_that_changes_between_runs_is_refused_unless_asked():
    w = ag.Variable(np.ones(3))
    state = {"k": 1.0}

    def f(x):
        state["k"] += 1.0
        return x * w * state["k"]
    x = ag.Value(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"recompute_grad\(f\).*another output"):
        checkpoint(f, x).sum().backward()
    x.grad = w.grad = None
    checkpoint(f, x, determinism_check="none").sum().backward()
    assert x.grad is not None


def test_checkpoint_under_no_grad_is_the_plain_call_and_arguments_are_checked():
    w1, w2 = weights()
    x = ag.Value(rng.normal(size=(2, 4)), requires_grad=True)
    with ag.no_grad():
        y = checkpoint(block(w1, w2), x)
    assert y.op is None and not y.requires_grad
    with pytest.raises(TypeError, match="expected a function"):
        checkpoint(3, x)
    with pytest.raises(TypeError, match="must return a Value"):
        checkpoint(lambda x: (x, x), x)
    with pytest.raises(ValueError, match="determinism_check"):
        checkpoint(block(w1, w2), x, determinism_check="sometimes")


def test_checkpoint_sequential_is_the_plain_sequence():
    layers = [lambda x, w=w: ag.tanh(x @ w) for w in
              (ag.Variable(rng.normal(size=(3, 3)), dtype=ag.float64) for _ in range(5))]
    ws = [f.__defaults__[0] for f in layers]
    x0 = rng.normal(size=(2, 3))
    found = []
    for run in (lambda x: _chain(layers, x), lambda x: checkpoint_sequential(layers, 2, x)):
        x = ag.Value(x0, requires_grad=True)
        found.append(ag.gradients(run(x).sum(), [x] + ws))
    for plain, checkpointed in zip(*found):
        np.testing.assert_allclose(checkpointed.data, plain.data, rtol=1e-12)
    with pytest.raises(ValueError, match="segments"):
        checkpoint_sequential(layers, 0, ag.Value(x0))


def _chain(fs, x):
    for f in fs:
        x = f(x)
    return x


def test_checkpoint_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.utils.checkpoint as tcp

    a1, a2, a0 = rng.normal(size=(4, 6)), rng.normal(size=(6, 3)), rng.normal(size=(5, 4))
    w1, w2 = (ag.Variable(a, dtype=ag.float64) for a in (a1, a2))
    x = ag.Value(a0, requires_grad=True)
    y = checkpoint(lambda x: ag.softplus(ag.tanh(x @ w1) @ w2), x, use_reentrant=False)
    (dx,) = ag.gradients((y ** 2).sum(), x, create_graph=True)
    second = ag.gradients((dx ** 2).sum(), [x, w1, w2])

    t1, t2, t0 = (torch.tensor(a, requires_grad=True) for a in (a1, a2, a0))
    ty = tcp.checkpoint(lambda x: torch.nn.functional.softplus(torch.tanh(x @ t1) @ t2), t0,
                        use_reentrant=False)
    (tdx,) = torch.autograd.grad((ty ** 2).sum(), t0, create_graph=True)
    tsecond = torch.autograd.grad((tdx ** 2).sum(), [t0, t1, t2])
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx.data, tdx.detach().numpy(), rtol=1e-10)
    for ours, theirs in zip(second, tsecond):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-9, atol=1e-12)


# --- custom_gradient with the Variables it reads (TensorFlow's contract) -------------------


def test_custom_gradient_gives_variables_their_gradients():
    w = ag.Variable(2.0, dtype=ag.float64)

    @ag.custom_gradient
    def scaled(x):
        y = x * w

        def grad_fn(dy, variables=None):
            assert len(variables) == 1 and variables[0] is w
            return dy * w, [ag.reduce_sum(dy * x)]
        return y, grad_fn
    x = ag.constant([3.0, 4.0], dtype=ag.float64)
    with ag.GradientTape() as tape:
        tape.watch(x)
        y = ag.reduce_sum(scaled(x))
    dx, dw = tape.gradient(y, [x, w])
    np.testing.assert_allclose(dx.data, [2.0, 2.0])
    assert float(dw) == 7.0
    # differentiated again: grad_fn is written with ops
    x = ag.Value(np.array([3.0, 4.0]), requires_grad=True)
    (gx,) = ag.gradients(ag.reduce_sum(scaled(x) ** 2), x, create_graph=True)
    (gw,) = ag.gradients(gx.sum(), w)
    # gx = 2 (x w) w, summed: 2 w^2 sum(x) -> d/dw = 4 w sum(x) = 56; through grad_fn, whose
    # dy * w has dy = 2 x w: d/dw sum(2 x w * w) = 4 w sum(x)
    assert float(gw) == pytest.approx(56.0)


def test_custom_gradient_refuses_a_grad_fn_that_would_drop_variables():
    w = ag.Variable(2.0)

    @ag.custom_gradient
    def scaled(x):
        return x * w, lambda dy: dy * w
    with pytest.raises(TypeError, match=r"scaled reads .* variables=None"):
        scaled(ag.constant(1.0))

    @ag.custom_gradient
    def wrong_count(x):
        return x * w, lambda dy, variables=None: (dy * w, [])
    y = wrong_count(ag.Value(1.0, requires_grad=True))
    with pytest.raises(ValueError, match="0 variable gradients for 1 variables"):
        y.backward()


def test_custom_gradient_treats_captured_results_as_constants_as_tensorflow():
    w = ag.Variable(2.0, dtype=ag.float64)
    h = w * 3.0  # computed outside: not read as a Variable inside

    @ag.custom_gradient
    def f(x):
        return x * h, lambda dy: dy * h
    x = ag.Value(1.0, requires_grad=True, dtype=ag.float64)
    f(x).backward()
    assert float(x.grad) == 6.0 and w.grad is None


# --- ForwardAccumulator (tf.autodiff) -------------------------------------------------------


def test_forward_accumulator_against_central_differences_and_torch():
    a, v = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    x = ag.constant(a, dtype=ag.float64)
    with ag.autodiff.ForwardAccumulator(primals=x, tangents=ag.constant(v, ag.float64)) as acc:
        y = ag.sin(x) * ag.exp(ag.reduce_sum(x, axis=0))
    f = lambda a: np.sin(a) * np.exp(a.sum(axis=0))  # noqa: E731
    eps = 1e-6
    central = (f(a + eps * v) - f(a - eps * v)) / (2 * eps)
    np.testing.assert_allclose(acc.jvp(y).data, central, rtol=1e-7, atol=1e-9)
    torch = pytest.importorskip("torch")
    _, tangent = torch.func.jvp(lambda t: torch.sin(t) * torch.exp(t.sum(0)),
                                (torch.tensor(a),), (torch.tensor(v),))
    np.testing.assert_allclose(acc.jvp(y).data, tangent.numpy(), rtol=1e-12)


def test_forward_accumulator_around_a_tape_gives_hessian_vector_products():
    """TensorFlow's advanced autodiff guide: the jvp of a gradient is an hvp."""
    a, v = rng.normal(size=4), rng.normal(size=4)
    x = ag.Variable(a, dtype=ag.float64)
    f = lambda x: ag.reduce_sum(ag.tanh(x) ** 3) * ag.reduce_sum(x ** 2)  # noqa: E731
    with ag.autodiff.ForwardAccumulator(x, ag.constant(v, ag.float64)) as acc:
        with ag.GradientTape() as tape:
            y = f(x)
        backward = tape.gradient(y, x)
    hvp = acc.jvp(backward)
    _, expected = ag.hvp(f, a, v)
    np.testing.assert_allclose(hvp.data, np.asarray(expected.data), rtol=1e-10)


def test_forward_accumulator_structures_and_unconnected():
    x, z = ag.Variable([1.0, 2.0]), ag.Variable(3.0)
    with ag.autodiff.ForwardAccumulator([x, z], [[1.0, 0.0], 2.0]) as acc:
        y = x * z
        other = ag.constant(1.0) * 2.0
    out = acc.jvp({"y": y, "x": x, "other": other})
    np.testing.assert_allclose(out["y"].data, [1 * 3 + 1 * 2, 0 * 3 + 2 * 2])
    np.testing.assert_allclose(out["x"].data, [1.0, 0.0])
    assert out["other"] is None
    np.testing.assert_allclose(acc.jvp(other, unconnected_gradients="zero").data, 0.0)
    outside = x * 2.0
    assert acc.jvp(outside) is None
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        ag.autodiff.ForwardAccumulator([x, z], [[1.0, 0.0]])
    with pytest.raises(ValueError, match="shape"):
        ag.autodiff.ForwardAccumulator(x, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unconnected_gradients"):
        acc.jvp(y, unconnected_gradients="sometimes")


def test_unconnected_gradients_enum():
    assert ag.UnconnectedGradients.ZERO == "zero" and ag.UnconnectedGradients.NONE == "none"
    x, y = ag.Variable(2.0), ag.Variable(3.0)
    with ag.GradientTape(persistent=True) as tape:
        z = y * y
    dx, dy = tape.gradient(z, [x, y], unconnected_gradients=ag.UnconnectedGradients.ZERO)
    assert float(dx) == 0.0 and float(dy) == 6.0
    assert tape.gradient(z, x, unconnected_gradients=ag.UnconnectedGradients.NONE) is None


# --- TensorFlow's shapes given as Values, sort direction --------------------------------------


def test_shapes_may_hold_values_as_tensorflow_code_gives_them():
    """TensorFlow's guide reshapes a Hessian with n = tf.reduce_prod(w.shape)."""
    w = ag.Variable(rng.normal(size=(5, 8)))
    n = ag.reduce_prod(ag.constant(w.shape))
    h = ag.zeros([40, 40])
    assert ag.reshape(h, [n, n]).shape == (40, 40)
    assert h.reshape(n, -1).shape == (40, 40)
    assert ag.zeros([n, 2]).shape == (40, 2)
    assert ag.fill([n], 1.0).shape == (40,)
    assert ag.ones(ag.shape(h)).shape == (40, 40)
    assert ag.random.normal([n]).shape == (40,)
    assert ag.broadcast_to(ag.constant(1.0), ag.shape(h)).shape == (40, 40)
    assert ag.tile(ag.constant([1.0, 2.0]), ag.constant([3])).shape == (6,)
    with pytest.raises(TypeError, match="reshape: the shape must be integers"):
        ag.reshape(h, [ag.constant(2.5), -1])


def test_sort_and_argsort_take_tensorflow_direction():
    x = ag.constant([3.0, 1.0, 2.0, 1.0])
    np.testing.assert_array_equal(ag.sort(x, direction="DESCENDING").data, [3, 2, 1, 1])
    np.testing.assert_array_equal(ag.sort(x, direction="ASCENDING").data, [1, 1, 2, 3])
    np.testing.assert_array_equal(ag.argsort(x, -1, "DESCENDING").data, [0, 2, 1, 3])
    np.testing.assert_array_equal(ag.argsort(x, direction="ASCENDING").data, [1, 3, 2, 0])
    with pytest.raises(ValueError, match="direction must be"):
        ag.sort(x, direction="up")
    with pytest.raises(TypeError, match="one library's keywords"):
        ag.sort(x, direction="ASCENDING", descending=True)


def test_checkpoint_keeps_integer_arguments_integer():
    """Labels passed to a checkpointed loss stay labels when it runs again."""
    w = ag.Variable(rng.normal(size=(3, 4)))
    x = ag.Value(rng.normal(size=(5, 3)), requires_grad=True)
    labels = ag.constant(np.array([0, 1, 2, 3, 1]), dtype=ag.int64)

    def loss(x, labels):
        return ag.softmax_cross_entropy(x @ w, labels, reduction="mean")
    found = []
    for run in (loss, lambda x, labels: checkpoint(loss, x, labels)):
        found.append(ag.gradients(run(x, labels), [x, w]))
    for plain, checkpointed in zip(*found):
        np.testing.assert_allclose(checkpointed.data, plain.data, rtol=1e-6)
