"""Tests for optim.schedules and optim.clipping: values by hand, and against torch."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
import optim
from optim import (CosineDecay, ExponentialDecay, StepDecay, clip_by_global_norm, clip_by_norm,
                   clip_by_value, global_norm)

# --- schedules -------------------------------------------------------------------------


def test_exponential_decay_values():
    s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == 0.1
    assert s(10) == pytest.approx(0.05, rel=1e-15)
    assert s(5) == pytest.approx(0.1 * 0.5 ** 0.5, rel=1e-15)
    assert s(25) == pytest.approx(0.1 * 0.5 ** 2.5, rel=1e-15)


def test_exponential_decay_staircase():
    s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert [s(k) for k in (0, 9, 10, 19, 20, 35)] == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125], rel=1e-15)


def test_step_decay_values():
    s = StepDecay(1.0, step_size=3, gamma=0.1)
    assert [s(k) for k in range(8)] == pytest.approx(
        [1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01], rel=1e-15)


def test_cosine_decay_values():
    s = CosineDecay(0.2, decay_steps=100, alpha=0.1)
    assert s(0) == pytest.approx(0.2, rel=1e-15)
    assert s(50) == pytest.approx(0.2 * (0.9 * 0.5 + 0.1), rel=1e-15)       # cos(pi/2) = 0
    assert s(25) == pytest.approx(0.2 * (0.9 * 0.5 * (1 + math.cos(math.pi / 4)) + 0.1),
                                  rel=1e-15)
    assert s(100) == pytest.approx(0.02, rel=1e-12)                          # alpha * initial
    assert s(1000) == s(100)                                                 # then constant


def test_schedules_accept_numpy_steps_and_return_floats():
    for s in (ExponentialDecay(0.1, 10, 0.5), StepDecay(0.1, 2), CosineDecay(0.1, 10)):
        assert type(s(np.int64(3))) is float
        assert s(np.int64(3)) == s(3)


@pytest.mark.parametrize("call, message", [
    (lambda: ExponentialDecay(0.1, 0, 0.5), "ExponentialDecay: decay_steps must be a positive"),
    (lambda: StepDecay(0.1, 1.5), "StepDecay: step_size must be a positive integer"),
    (lambda: CosineDecay(0.1, -3), "CosineDecay: decay_steps"),
    (lambda: StepDecay(0.1, 2)(-1), "the step must be >= 0"),
])
def test_schedule_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_schedule_repr():
    assert repr(StepDecay(0.5, 10, gamma=0.5)) == \
        "StepDecay(initial_learning_rate=0.5, step_size=10, gamma=0.5)"


def test_schedules_match_torch_lr_schedulers():
    torch = pytest.importorskip("torch")
    w = torch.zeros(1, requires_grad=True)

    def torch_lrs(make_scheduler, steps):
        opt = torch.optim.SGD([w], lr=0.2)
        scheduler = make_scheduler(opt)
        lrs = []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            scheduler.step()
        return lrs

    steps = 30
    want = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.3), steps)
    np.testing.assert_allclose([StepDecay(0.2, 7, 0.3)(k) for k in range(steps)], want,
                               rtol=1e-12)
    # ExponentialDecay multiplies by decay_rate every decay_steps: torch's gamma per step is
    # decay_rate ** (1 / decay_steps).
    want = torch_lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.5 ** 0.2),
                     steps)
    np.testing.assert_allclose([ExponentialDecay(0.2, 5, 0.5)(k) for k in range(steps)], want,
                               rtol=1e-12)
    # Within decay_steps, Keras's cosine is torch's CosineAnnealingLR with eta_min = alpha*lr
    # (torch then rises again, Keras stays at the floor).
    want = torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(
        o, T_max=steps, eta_min=0.2 * 0.1), steps + 1)
    np.testing.assert_allclose([CosineDecay(0.2, steps, alpha=0.1)(k) for k in range(steps + 1)],
                               want, rtol=1e-12)


# --- clipping functions ----------------------------------------------------------------

def test_clip_by_value_by_hand():
    t = np.array([[-3.0, 0.5], [2.0, -0.2]])
    np.testing.assert_array_equal(clip_by_value(t, -1.0, 1.0), [[-1.0, 0.5], [1.0, -0.2]])
    np.testing.assert_array_equal(t, [[-3.0, 0.5], [2.0, -0.2]])  # the input is untouched


def test_clip_by_norm_by_hand():
    np.testing.assert_allclose(clip_by_norm(np.array([3.0, 4.0]), 1.0), [0.6, 0.8], rtol=1e-15)
    small = np.array([0.3, 0.4])
    np.testing.assert_array_equal(clip_by_norm(small, 1.0), small)   # within bounds: as is
    np.testing.assert_array_equal(clip_by_norm(np.zeros(3), 1.0), np.zeros(3))


def test_clip_by_norm_over_axes():
    t = np.array([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(clip_by_norm(t, 1.0, axes=1), [[0.6, 0.8], [0.3, 0.4]],
                               rtol=1e-15)
    np.testing.assert_allclose(clip_by_norm(t, 1.0, axes=0),
                               t / np.maximum(np.linalg.norm(t, axis=0), 1.0), rtol=1e-15)


def test_global_norm_and_clip_by_global_norm_by_hand():
    a, b = np.array([3.0, 0.0]), np.array([[4.0], [12.0]])
    assert global_norm([a, None, b]) == 13.0
    (ca, none, cb), norm = clip_by_global_norm([a, None, b], 2.6)
    assert norm == 13.0 and none is None
    np.testing.assert_allclose(ca, a / 5, rtol=1e-15)
    np.testing.assert_allclose(cb, b / 5, rtol=1e-15)
    (ca, cb), norm = clip_by_global_norm([a, b], 20.0)
    assert norm == 13.0
    np.testing.assert_array_equal(ca, a)
    (ca,), _ = clip_by_global_norm([a], 1.0, use_norm=6.0)             # a norm given: used
    np.testing.assert_allclose(ca, a / 6, rtol=1e-15)


def test_clip_by_global_norm_infinite_norm_gives_nan():
    (ca, cb), norm = clip_by_global_norm([np.array([np.inf]), np.array([1.0])], 1.0)
    assert norm == math.inf and np.isnan(ca).all() and np.isnan(cb).all()


def test_clipping_keeps_types_and_dtypes():
    v = ag.constant(np.array([3.0, 4.0], np.float32))
    out = clip_by_norm(v, 1.0)
    assert isinstance(out, ag.Value) and not out.requires_grad and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [0.6, 0.8], rtol=1e-6)
    out = clip_by_value(v, 0.0, 3.5)
    assert isinstance(out, ag.Value) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.5])
    (cv, ca), norm = clip_by_global_norm([v, np.array([0.0], np.float32)], 1.0)
    assert isinstance(cv, ag.Value) and type(ca) is np.ndarray and ca.dtype == np.float32
    assert cv.dtype == np.float32 and type(norm) is float and norm == 5.0
    assert clip_by_norm(np.float32(2.0), 1.0) == 1.0


def test_clipping_writes_into_out_as_numpy_does():
    """The optimizers clip into buffers of their own this way, so a step allocates nothing."""
    g = np.array([3.0, 4.0], np.float32)
    out = np.empty(2, np.float32)
    assert clip_by_norm(g, 1.0, out=out) is out
    np.testing.assert_allclose(out, [0.6, 0.8], rtol=1e-6)
    assert clip_by_value(g, -3.5, 3.5, out=out) is out
    np.testing.assert_array_equal(out, [3.0, 3.5])
    outs = [np.empty(2, np.float32), np.empty(1, np.float32)]
    clipped, norm = clip_by_global_norm([g, np.array([12.0], np.float32)], 1.3, out=outs)
    assert clipped[0] is outs[0] and clipped[1] is outs[1] and norm == 13.0
    np.testing.assert_allclose(outs[1], [1.2], rtol=1e-6)
    np.testing.assert_array_equal(g, [3.0, 4.0])                      # the input is untouched
    with pytest.raises(ValueError, match="2 arrays but 1 out arrays"):
        clip_by_global_norm([g, g], 1.0, out=[out])


def test_clipping_bad_input():
    with pytest.raises(ValueError, match="clip_by_norm: clip_norm must be a positive"):
        clip_by_norm(np.ones(2), 0.0)
    with pytest.raises(ValueError, match="clip_by_global_norm: clip_norm"):
        clip_by_global_norm([np.ones(2)], -1.0)
    with pytest.raises(TypeError, match="clip_by_global_norm: t_list must be a list"):
        clip_by_global_norm(np.ones(2), 1.0)
    with pytest.raises(ValueError, match="clip_value_min 2.0 is greater"):
        clip_by_value(np.ones(2), 2.0, 1.0)
    with pytest.raises(TypeError, match="clip_by_norm: expected numbers"):
        clip_by_norm(np.array(["a"]), 1.0)


arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                    elements=st.floats(-1e3, 1e3))


@settings(max_examples=40, deadline=None)
@given(st.lists(arrays, min_size=1, max_size=4), st.floats(0.01, 100.0))
def test_clip_by_global_norm_properties(t_list, clip_norm):
    clipped, norm = clip_by_global_norm(t_list, clip_norm)
    assert norm == pytest.approx(math.sqrt(sum(float(np.sum(t ** 2)) for t in t_list)),
                                 rel=1e-12, abs=1e-300)
    assert global_norm(clipped) <= clip_norm * (1 + 1e-12) + 1e-300
    scale = min(1.0, clip_norm / norm) if norm > 0 else 1.0
    for t, c in zip(t_list, clipped):
        assert c.shape == t.shape
        np.testing.assert_allclose(c, t * scale, rtol=1e-12, atol=1e-300)


def test_clip_by_global_norm_matches_torch_clip_grad_norm():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    grads = [rng.normal(size=(5, 3)) * 4, rng.normal(size=(3,)), rng.normal(size=(2, 2, 2))]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm=2.0)
    clipped, norm = clip_by_global_norm(grads, 2.0)
    assert norm == pytest.approx(float(total), rel=1e-14)
    # torch scales by max_norm / (norm + 1e-6), TensorFlow (and we) by max_norm / norm: a
    # relative difference of 1e-6 / norm (norm is ~10 here), so 1e-6 relative is ample.
    for c, p in zip(clipped, params):
        np.testing.assert_allclose(c, p.grad.numpy(), rtol=1e-6)
    assert global_norm(clipped) == pytest.approx(2.0, rel=1e-14)


def test_optimizer_global_clipnorm_matches_torch_for_ten_steps():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    X, Y, W0 = rng.normal(size=(8, 4)), rng.normal(size=(8, 2)), rng.normal(size=(4, 2))
    W = ag.Variable(W0.copy())
    opt = optim.SGD([W], lr=0.1, momentum=0.9, global_clipnorm=0.5)
    W_t = torch.tensor(W0.copy(), requires_grad=True)
    opt_t = torch.optim.SGD([W_t], lr=0.1, momentum=0.9)
    for _ in range(10):
        opt.zero_grad()
        ag.sum(ag.square(ag.constant(X) @ W - ag.constant(Y))).backward()  # norm >> 0.5
        opt.step()
        opt_t.zero_grad()
        torch.sum((torch.tensor(X) @ W_t - torch.tensor(Y)) ** 2).backward()
        torch.nn.utils.clip_grad_norm_([W_t], max_norm=0.5)
        opt_t.step()
    # Only torch's +1e-6 in the clipping denominator differs: relative 1e-6 / norm per step.
    np.testing.assert_allclose(W.numpy(), W_t.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert np.abs(W.numpy() - W0).max() > 0.1
