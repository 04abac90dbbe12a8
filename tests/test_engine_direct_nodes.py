"""The walk's "Direct nodes" path (engine._walk) gives the general path's gradients exactly.

A node whose inputs' gradients already fit them (a numpy scalar of the input's type, or an
array of its shape and dtype) has them added without the general path's fitting and
checks. The step-by-step display (``backward_steps``) and anomaly mode always take the
general path, so on the same graph they must give the same gradients, bit for bit, on
every node, whatever mix of scalars, arrays, broadcasting, dtypes and repeated inputs the
graph has; and no leaf's ``.grad`` may share memory with another array of the pass.
"""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import engine

SHAPES = [(), (1,), (3,), (2, 3), (1, 3)]
DTYPES = [np.float32, np.float64]

# Each step: an op code and two picks among the Values made so far.
STEPS = st.lists(st.tuples(st.sampled_from(["add", "mul", "sub", "relu", "tanh", "square",
                                            "scale", "sum_rows", "self_mul", "to_0d"]),
                           st.integers(0, 10**6), st.integers(0, 10**6)),
                 min_size=1, max_size=25)


def build(steps, leaves):
    """A graph from ``steps`` over ``leaves``; returns (loss, every Value made)."""
    pool = list(leaves)
    for code, i, j in steps:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if code == "add":
            v = a + b
        elif code == "mul":
            v = a * b
        elif code == "sub":
            v = a - b
        elif code == "relu":
            v = a.relu()
        elif code == "tanh":
            v = a.tanh()
        elif code == "square":
            v = a * a
        elif code == "scale":
            v = a * 0.5 + 1.0  # Python numbers: constants that need no gradient
        elif code == "sum_rows":
            v = a.sum(axis=0) if a.ndim else a
        elif code == "to_0d":  # data that is a 0-d array, not a numpy scalar
            v = a.reshape(()) if a.size == 1 and a.ndim else a
        else:
            v = a * a + a
        pool.append(v)
    total = pool[-1].sum()
    for v in pool[len(leaves):-1]:  # every Value made reaches the loss
        total = total + v.sum()
    return total, pool


def make_leaves(seed, dtype):
    rng = np.random.default_rng(seed)
    leaves = []
    for k, shape in enumerate(SHAPES):
        data = rng.normal(size=shape).astype(dtype)
        leaves.append(ag.Value(data[()] if shape == () else data))
    leaves.append(ag.Value(np.array(rng.normal(), dtype)))  # a Value made from a 0-d array
    leaves.append(ag.constant(rng.normal(size=3).astype(dtype)))
    return leaves


def grads_of(loss, pool, how):
    for v in pool + engine.topological_order(loss):
        v.grad = None
    if how == "backward":
        loss.backward()
    elif how == "steps":
        for _ in ag.backward_steps(loss):
            pass
    else:
        with ag.detect_anomaly():
            loss.backward()
    return [None if v.grad is None else np.array(v.grad, copy=True) for v in pool]


@settings(max_examples=150, deadline=None)
@given(steps=STEPS, seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(DTYPES))
def test_direct_nodes_give_the_general_paths_gradients_to_the_bit(steps, seed, dtype):
    leaves = make_leaves(seed, dtype)
    with np.errstate(all="ignore"):
        loss, pool = build(steps, leaves)
        assume(loss.requires_grad)  # not made of constants alone
        fast = grads_of(loss, pool, "backward")
        shown = grads_of(loss, pool, "steps")
        checked = grads_of(loss, pool, "anomaly") if np.all(np.isfinite(loss.data)) else shown
    for v, a, b, c in zip(pool, fast, shown, checked):
        if a is None:
            assert b is None and c is None
            continue
        for other in (b, c):
            assert a.dtype == other.dtype and a.shape == other.shape
            np.testing.assert_array_equal(a, other)
        assert a.shape == np.shape(v.data) and a.dtype == v.dtype


@settings(max_examples=60, deadline=None)
@given(steps=STEPS, seed=st.integers(0, 2**32 - 1))
def test_no_leaf_grad_shares_memory_after_direct_nodes(steps, seed):
    leaves = make_leaves(seed, np.float64)
    loss, pool = build(steps, leaves)
    assume(loss.requires_grad)
    loss.backward()
    arrays = [v.grad for v in engine.topological_order(loss) if isinstance(v.grad, np.ndarray)]
    for leaf in leaves:
        if not isinstance(leaf.grad, np.ndarray):
            continue
        for other in arrays:
            if other is not leaf.grad:
                assert not np.shares_memory(leaf.grad, other)


def test_a_weight_used_by_many_nodes_collects_every_use():
    # Array nodes add into the weight's gradient in place once the pass owns the sum;
    # uses that broadcast (the (2, 3) product) take the general path in between.
    w = ag.Value(np.array([0.5, -1.0, 2.0]))
    x = ag.Value(np.array([1.0, 2.0, 3.0]))
    m = ag.constant(np.arange(6.0).reshape(2, 3))
    t, want = x, np.zeros(3)
    for k in range(6):
        if k % 2:
            t = (m * w).sum(axis=0) + t
        else:
            t = t * w
    t.sum().backward()

    def loss(wv):
        t = x.data
        for k in range(6):
            t = (m.data * wv).sum(axis=0) + t if k % 2 else t * wv
        return t.sum()
    eps = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        want[i] = (loss(w.data + e) - loss(w.data - e)) / (2 * eps)
    np.testing.assert_allclose(w.grad, want, rtol=1e-7)


def test_scalar_graph_gradients_are_numpy_scalars_of_the_leaf_type():
    a, b = ag.Value(np.float64(1.5)), ag.Value(np.float32(2.0))
    y = a * a + a * 3.0 + (b * b).relu()
    y.backward()
    assert type(a.grad) is np.float64 and a.grad == 2 * 1.5 + 3.0
    assert type(b.grad) is np.float32 and b.grad == 4.0


@settings(max_examples=40, deadline=None)
@given(steps=STEPS, seed=st.integers(0, 2**32 - 1))
def test_the_walk_stops_at_every_op_only_for_a_display(steps, seed):
    # backward() runs the walk without stopping; the stepper gets one step per op node
    # (leaves and constants have none), the same steps whichever path each node took.
    leaves = make_leaves(seed, np.float64)
    with np.errstate(all="ignore"):
        loss, pool = build(steps, leaves)
        assume(loss.requires_grad)
        nodes = engine.topological_order(loss)
        seed_grad = np.ones_like(loss.data)
        assert list(engine._walk(nodes, {loss: seed_grad}, False)) == []
        steps_shown = list(ag.backward_steps(loss))
    assert [s.node for s in steps_shown] == [v for v in nodes if v.op is not None]
