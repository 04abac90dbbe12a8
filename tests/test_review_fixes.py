"""Regressions found in review: each test failed before its fix."""

import gc
import weakref

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim


@pytest.mark.parametrize("shape, axes", [((2, 3), (-1, 0)), ((2, 3, 4), (0, -1, -2)),
                                         ((2, 2), (-1, -2))])
def test_transpose_with_negative_axes_has_the_right_gradient(shape, axes):
    x = np.random.default_rng(0).normal(size=shape)
    ag.gradcheck(lambda v: ag.transpose(v, axes), [x])
    v = ag.Value(x)
    ag.transpose(v, axes).sum().backward()
    assert v.grad.shape == shape


def test_a_gradient_of_the_wrong_shape_is_an_error_not_a_wrong_grad():
    class Bad(ag.Op):
        """y = x    dL/dx = (a wrong shape)"""
        __slots__ = ()

        def forward(self, x):
            return x

        def backward(self, g, y, x):
            return (np.ones((5, 7)),)
    x = ag.Value(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\(5, 7\).*\(2, 3\)"):
        ag.apply(Bad(), x).sum().backward()


def test_power_gradient_for_the_exponent_at_a_zero_base_is_zero_as_in_torch():
    a, b = ag.Value([0.0, 2.0], dtype=np.float64), ag.Value(2.0, dtype=np.float64)
    (a ** b).sum().backward()
    np.testing.assert_allclose(b.grad, 4 * np.log(2))  # the 0 ** 2 term adds 0, not NaN


def test_a_value_made_by_stop_gradient_can_be_made_to_require_grad():
    w = ag.Value([1.0, 2.0])
    y = ag.stop_gradient(w)
    y.requires_grad = True
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad, [2.0, 4.0])
    assert w.grad is None


def test_stop_gradient_is_a_snapshot():
    w = ag.Variable([1.0, 2.0])
    y = ag.stop_gradient(w)
    w.assign_sub([1.0, 1.0])
    np.testing.assert_array_equal(y.numpy(), [1.0, 2.0])


def test_sequential_add_leaves_the_model_unchanged_when_the_layer_does_not_fit():
    model = nn.Sequential([nn.Dense(4, input_shape=(3,))])
    with pytest.raises(ValueError):
        model.add(nn.Residual(nn.Dense(5)))  # 4 -> 5 cannot be added back to 4
    assert len(model.layers) == 1


def test_a_used_non_persistent_tape_keeps_no_graph_alive():
    x = ag.Variable([1.0, 2.0])
    with ag.GradientTape() as tape:
        h = x * 2.0
        y = (h * h).sum()
    probe = weakref.ref(h)
    tape.gradient(y, x)
    del h, y
    gc.collect()
    assert probe() is None


def test_nested_stop_recording_stays_paused_until_the_outer_block_ends():
    x = ag.Variable([1.0])
    with ag.GradientTape() as tape:
        with ag.stop_recording():
            with tape.stop_recording():
                pass
            y = x * 3.0  # still inside the outer block: not recorded
    assert tape.gradient(y, x) is None


def test_a_seed_given_to_backward_is_not_aliased_by_grad():
    w = ag.Value([1.0, 2.0])
    seed = np.array([1.0, 1.0], np.float32)
    w.backward(seed)
    w.grad[...] = 0
    np.testing.assert_array_equal(seed, [1.0, 1.0])


def test_apply_gradients_with_a_wrong_shape_changes_nothing():
    opt = optim.SGD(0.1)
    a, b = ag.Variable([1.0, 2.0]), ag.Variable([3.0])
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(np.ones(2), a), (np.ones(5), b)])
    assert opt.params == [] and opt.iterations == 0
    np.testing.assert_array_equal(a.numpy(), [1.0, 2.0])


def test_constants_get_no_gradient_work(monkeypatch):
    calls = []
    real = ag.unbroadcast
    monkeypatch.setattr("autograd_core.engine.unbroadcast",
                        lambda g, s: calls.append(s) or real(g, s))
    x = ag.Value(np.ones((4, 3)))
    (x + np.ones(3)).sum().backward()  # the constant (3,) would need a reduction
    assert calls == []


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum, lambda a, b: ag.max(a + b, axis=0)])
def test_tie_splitting_ops_compute_float32_gradients_for_float32_data(fn):
    a, b = ag.Value([[1.0, 2.0]]), ag.Value([[1.0, 3.0]])
    y = fn(a, b)
    g = np.ones(y.shape, np.float32)
    for grad in y.op.backward(g, y.data, *[x.data for x in y.inputs]):  # before the engine casts
        assert grad is None or grad.dtype == np.float32
