"""The walk's sliced gradients: once a pass owns a Value's gradient, each further read
``x[index]`` adds its gradient into the indexed part in place (engine._walk) instead of a
full-size scatter. The sums must be those of the plain path, which the stepper's walk
(``backward_steps``) and anomaly mode still take, and of central differences."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

import autograd_core as ag
from autograd_core import engine
from autograd_core.ops.indexing import GetItem


def _loss(x, reads, weights):
    """sum_k weights[k] * tanh(x[reads[k]])**2: many reads of one Value, some repeated."""
    total = None
    for index, w in zip(reads, weights):
        term = ag.reduce_sum(ag.tanh(x[index]) ** 2 * w)
        total = term if total is None else total + term
    return total


def _plain_grad(x0, reads, weights):
    """The same gradient through backward_steps, which never takes the sliced path."""
    x = ag.Variable(x0)
    for step in engine.backward_steps(_loss(x, reads, weights)):
        pass
    return x.grad


def _reads_of_every_step(n):
    return [(slice(None), t) for t in range(n)]


@given(steps=st.integers(1, 7), batch=st.integers(1, 3), seed=st.integers(0, 99))
def test_step_reads_sum_as_the_plain_walk_and_central_differences(steps, batch, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal((batch, steps, 3))
    reads = _reads_of_every_step(steps) + [(slice(None), slice(0, steps, 2)), (Ellipsis, 1)]
    weights = [rng.standard_normal() for _ in reads]
    x = ag.Variable(x0)
    _loss(x, reads, weights).backward()
    np.testing.assert_allclose(x.grad, _plain_grad(x0, reads, weights), rtol=1e-12, atol=1e-12)
    ag.gradcheck(lambda v: _loss(v, reads, weights), [ag.Variable(x0)])


def test_repeated_fancy_indices_add_up():
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((4, 2))
    reads = [np.array([0, 0, 3]), (np.array([1, 1]), np.array([0, 0])), 2, slice(1, 3),
             np.array([True, False, True, False])]
    weights = [1.0, -2.0, 0.5, 3.0, 1.5]
    x = ag.Variable(x0)
    _loss(x, reads, weights).backward()
    np.testing.assert_allclose(x.grad, _plain_grad(x0, reads, weights), rtol=1e-12)
    ag.gradcheck(lambda v: _loss(v, reads, weights), [ag.Variable(x0)])


def test_sliced_path_is_taken_and_the_total_is_not_shared():
    x = ag.Variable(np.arange(12.0).reshape(3, 4))
    calls = []
    original = GetItem.backward_into

    def spy(self, acc, g):
        calls.append(self.index)
        original(self, acc, g)
    GetItem.backward_into = spy
    try:
        loss = x[0].sum() + x[1].sum() + x[2].sum() + x[1].sum()
        loss.backward()
    finally:
        GetItem.backward_into = original
    assert len(calls) == 2  # the first two reads make the total the pass owns
    np.testing.assert_array_equal(x.grad, [[1] * 4, [2] * 4, [1] * 4])
    x.grad[0, 0] = 100.0  # the leaf's .grad is its own array
    loss2 = x[0].sum() + x[0].sum() + x[0].sum()
    loss2.backward()  # accumulates into .grad as PyTorch does
    np.testing.assert_array_equal(x.grad[0], [103, 4, 4, 4])


def test_anomaly_mode_and_tape_steps_take_the_plain_path():
    x0 = np.random.default_rng(1).standard_normal((2, 5, 3))
    reads = _reads_of_every_step(5)
    weights = [1.0] * 5
    with ag.detect_anomaly():
        x = ag.Variable(x0)
        _loss(x, reads, weights).backward()
    np.testing.assert_allclose(x.grad, _plain_grad(x0, reads, weights), rtol=1e-12)
    x = ag.Variable(x0)
    with ag.GradientTape() as tape:
        loss = _loss(x, reads, weights)
    grads = {loss: np.ones(())}
    steps = list(tape.steps(grads))
    assert all(s.input_grads[0] is not None for s in steps if isinstance(s.op, GetItem))
    np.testing.assert_allclose(grads[x], _plain_grad(x0, reads, weights), rtol=1e-12)


def test_recurrent_layer_gradients_match_torch_over_a_long_sequence():
    torch = pytest.importorskip("torch", reason="needs the torch extra")
    import nn
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal((3, 40, 4))
    ag.set_default_dtype(ag.float64)  # conftest puts the default back
    ours = nn.LSTM(4, 5, batch_first=True)
    theirs = torch.nn.LSTM(4, 5, batch_first=True).double()
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.from_numpy(dict(ours.named_parameters())[name].numpy()))
    x = ag.Variable(x0)
    out, _ = ours(x)
    ag.reduce_sum(out ** 2).backward()
    xt = torch.from_numpy(x0).requires_grad_(True)
    (theirs(xt)[0] ** 2).sum().backward()
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(dict(ours.named_parameters())[name].grad, p.grad.numpy(),
                                   rtol=1e-9, atol=1e-12)
