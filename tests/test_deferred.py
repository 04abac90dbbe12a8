"""Deferred matrix products (autograd_core/deferred.py): the Hessian-vector and
Jacobian-vector products leave the products they never read uncomputed, and give the same
numbers as computing everything."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.deferred import Deferred, deferring
from autograd_core.ops.linalg import MatMul


@pytest.fixture
def products(monkeypatch):
    """The shapes of the matrix products computed, in order (MatMul's forward, which a
    Deferred node runs too when read)."""
    shapes = []
    forward = MatMul.forward

    def counted(self, a, b):
        shapes.append((np.shape(a), np.shape(b)))
        return forward(self, a, b)
    monkeypatch.setattr(MatMul, "forward", counted)
    return shapes


def _mlp(rng, n=16, k=6, h=5, m=3):
    x = rng.normal(size=(n, k))
    labels = rng.integers(0, m, size=n)
    W1, W2 = rng.normal(size=(k, h)), rng.normal(size=(h, m))

    def loss(w1, w2=W2):
        return ag.softmax_cross_entropy(ag.relu(ag.constant(x) @ w1) @ w2, labels,
                                        reduction="mean")
    return x, W1, W2, loss


def _explicit_hvp(loss, W1, W2, v1, v2):
    """H v as gradients(gradients(...)), every value computed."""
    w1, w2 = ag.Value(W1), ag.Value(W2)
    g = ag.gradients(loss(w1, w2), [w1, w2], create_graph=True)
    return [h.data for h in ag.gradients(list(g), [w1, w2], [v1, v2])]


def test_hvp_does_not_compute_the_weights_gradient(products):
    rng = np.random.default_rng(0)
    x, W1, W2, loss = _mlp(rng)
    v = rng.normal(size=W1.shape)
    w1 = ag.Value(W1)
    (g,) = ag.gradients(loss(w1), w1, create_graph=True)
    (expected,) = ag.gradients(g, w1, v)
    # The recorded gradient computes x^T dz, W1's gradient: (6, 16) @ (16, 5).
    assert ((6, 16), (16, 5)) in products
    products.clear()
    _, Hv = ag.hvp(loss, W1, v)
    assert ((6, 16), (16, 5)) not in products  # never read, never computed
    assert ((16, 6), (6, 5)) in products  # the forward's x @ W1, and H v's x @ v
    np.testing.assert_array_equal(Hv, expected.data)


def test_the_torch_style_hessian_and_jacobian_products_defer_too(products):
    rng = np.random.default_rng(1)
    x, W1, W2, loss = _mlp(rng)
    v1, v2 = rng.normal(size=W1.shape), rng.normal(size=W2.shape)
    expected = _explicit_hvp(loss, W1, W2, v1, v2)
    F = ag.autograd.functional
    for product in (F.vhp, F.hvp):
        products.clear()
        _, found = product(loss, (ag.Value(W1), ag.Value(W2)), (ag.constant(v1), ag.constant(v2)))
        assert ((6, 16), (16, 5)) not in products
        for a, b in zip(found, expected):
            np.testing.assert_allclose(a.data, b, rtol=1e-12, atol=1e-12)

    def hidden(w1):
        return ag.relu(ag.constant(x) @ w1)
    products.clear()
    _, tangent = ag.jvp(hidden, (W1,), (v1,))
    assert ((6, 16), (16, 5)) not in products  # u^T J for W1 is never read
    np.testing.assert_allclose(tangent, (x @ v1) * (x @ W1 > 0), rtol=1e-12)
    products.clear()
    _, tangent = F.jvp(hidden, ag.Value(W1), ag.constant(v1))
    assert ((6, 16), (16, 5)) not in products
    np.testing.assert_allclose(tangent.data, (x @ v1) * (x @ W1 > 0), rtol=1e-12)


def test_recorded_products_are_computed_as_before(products):
    """create_graph=True hands the products to the caller: computed as they are made."""
    rng = np.random.default_rng(2)
    x, W1, W2, loss = _mlp(rng)
    v = ag.constant(rng.normal(size=W1.shape))
    w1 = ag.Value(W1)
    _, Hv = ag.hvp(loss, w1, v)
    assert ((6, 16), (16, 5)) in products
    assert type(Hv) is ag.Value and Hv.requires_grad


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 9), st.integers(1, 7), st.integers(1, 6), st.integers(1, 4),
       st.integers(0, 2**31))
def test_hvp_matches_pytorch_and_the_explicit_form(n, k, h, m, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x, W1, W2, loss = _mlp(rng, n, k, h, m)
    labels = rng.integers(0, m, size=n)
    v1, v2 = rng.normal(size=W1.shape), rng.normal(size=W2.shape)

    def loss2(w1, w2):
        return ag.softmax_cross_entropy(ag.tanh(ag.constant(x) @ w1) @ w2, labels,
                                        reduction="mean")

    def torch_loss(w1, w2):
        return torch.nn.functional.cross_entropy(
            torch.tanh(torch.from_numpy(x) @ w1) @ w2, torch.from_numpy(labels))
    _, found = ag.autograd.functional.vhp(loss2, (ag.Value(W1), ag.Value(W2)),
                                          (ag.constant(v1), ag.constant(v2)))
    _, theirs = torch.autograd.functional.vhp(
        torch_loss, (torch.from_numpy(W1), torch.from_numpy(W2)),
        (torch.from_numpy(v1), torch.from_numpy(v2)))
    for a, b, c in zip(found, theirs, _explicit_hvp(loss2, W1, W2, v1, v2)):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(a.data, c)
    (Hv1,) = [ag.hvp(lambda w: loss2(w, ag.constant(W2)), W1, v1)[1]]
    (Hv1_torch,) = torch.autograd.functional.vhp(
        lambda w: torch_loss(w, torch.from_numpy(W2)), torch.from_numpy(W1),
        torch.from_numpy(v1))[1:]
    np.testing.assert_allclose(Hv1, Hv1_torch.numpy(), rtol=1e-9, atol=1e-12)


# --- the Deferred node itself ---------------------------------------------------------


def _pair(rng=None):
    rng = rng or np.random.default_rng(3)
    return (ag.Value(rng.normal(size=(3, 4)).astype(np.float32)),
            ag.Value(rng.normal(size=(4, 2)).astype(np.float32)))


def test_a_deferred_product_knows_its_shape_and_is_computed_once_when_read(products):
    a, b = _pair()
    with deferring():
        p = a @ b
    assert type(p) is Deferred and products == []
    assert (p.shape, p.dtype, p.ndim, p.size) == ((3, 2), np.float32, 2, 6)
    assert p.computed is None and p.requires_grad and p.inputs == (a, b)
    np.testing.assert_array_equal(p.data, a.data @ b.data)
    np.testing.assert_array_equal(p.numpy(), a.data @ b.data)
    assert len(products) == 1 and p.computed is not None


def test_the_walk_passes_a_deferred_product_and_leaves_it_uncomputed(products):
    a, b = _pair()
    seed = np.arange(6, dtype=np.float32).reshape(3, 2)
    with deferring():
        p = a @ b
    ga, gb = ag.gradients(p, [a, b], seed)
    assert p.computed is None and products == []  # the backward's two products are numpy's
    np.testing.assert_allclose(ga.data, seed @ b.data.T, rtol=1e-6)
    np.testing.assert_allclose(gb.data, a.data.T @ seed, rtol=1e-6)
    # Recorded, and differentiated again: d<dL/db, w>/da for L = <a @ b, seed>.
    w = np.ones((4, 2), np.float32)
    (gb,) = ag.gradients(p, b, ag.constant(seed), create_graph=True)
    (gga,) = ag.gradients(gb, a, w)
    np.testing.assert_allclose(gga.data, seed @ w.T, rtol=1e-6)
    assert p.computed is None


def test_a_deferred_product_read_by_an_op_is_computed_for_it():
    a, b = _pair()
    with deferring():
        p = a @ b
        q = ag.exp(p)
    assert type(q) is ag.Value and p.computed is not None
    (ga,) = ag.gradients(q.sum(), a)
    np.testing.assert_allclose(ga.data, np.exp(a.data @ b.data) @ b.data.T, rtol=1e-5)


def test_products_made_with_a_mode_on_or_from_constants_are_computed_at_once():
    a, b = _pair()
    c = ag.constant(b.data)
    v = ag.Value(np.ones(4, np.float32))
    with deferring():
        assert type(ag.constant(a.data) @ c) is ag.Value  # nothing to differentiate
        assert type(a @ v) is ag.Value  # a vector: numpy's 1-D rules
        with ag.no_grad():
            assert type(a @ b) is ag.Value
        with ag.detect_anomaly():
            assert type(a @ b) is ag.Value  # anomaly mode checks each result as made
        with ag.name_scope("layer"):
            assert type(a @ b) is ag.Value
        with ag.GradientTape() as tape:
            tape.watch(a)
            assert type(a @ b) is ag.Value  # a tape keeps each record as made
    assert type(a @ b) is ag.Value  # the block is over


def test_an_input_changed_in_place_before_the_read_raises_instead_of_mixing():
    a, b = _pair()
    with deferring():
        p = a @ b
    with ag.no_grad():
        b -= 1.0
    with pytest.raises(RuntimeError, match="changed in place"):
        p.data  # noqa: B018


def test_assigning_data_to_a_deferred_product_replaces_it():
    a, b = _pair()
    with deferring():
        p = a @ b
    p.data = np.zeros((5, 5), np.float32)
    assert p.shape == (5, 5) and p.size == 25 and float(p.sum()) == 0.0


def test_deferring_is_per_thread():
    a, b = _pair()
    entered, done = threading.Event(), threading.Event()
    found = {}

    def other():
        entered.wait(5)
        found["type"] = type(a @ b)
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with deferring():
        entered.set()
        done.wait(5)
        found["own"] = type(a @ b)
    t.join(5)
    assert found == {"type": ag.Value, "own": Deferred}
