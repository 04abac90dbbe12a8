"""PyTorch's top-level scatters, finite differences, dtype questions, sampling, settings,
vmap and ``ag.func``, checked against torch (see test_torch_toplevel.py for the rest)."""

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch")

from test_torch_toplevel import check, normal  # noqa: E402

rng = np.random.default_rng(7)


# --- scatters -------------------------------------------------------------------------------

@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_reduce(reduce, include_self, dim):
    x, src = normal(4, 5), normal(3, 4)  # torch differentiates an index of src's shape only
    index = rng.integers(0, 4 if dim == 0 else 5, (3, 4))
    src[1, 2] = src[0, 2]  # a tie for amax/amin when both land on one place
    index[1, 2] = index[0, 2]
    check(lambda a, s: ag.scatter_reduce(a, dim, index, s, reduce, include_self=include_self),
          lambda a, s: torch.scatter_reduce(a, dim, torch.tensor(index), s, reduce,
                                            include_self=include_self), [x, src], atol=1e-9)
    wider = normal(6, 5)  # an index smaller than src reads src's corner (forward only)
    method = ag.Value(x).scatter_reduce(dim, index, ag.Value(wider), reduce,
                                        include_self=include_self)
    np.testing.assert_allclose(method.numpy(), torch.tensor(x).scatter_reduce(
        dim, torch.tensor(index), torch.tensor(wider), reduce,
        include_self=include_self).numpy(), atol=1e-12)


def test_scatter_reduce_of_integers_and_errors():
    x, src, index = np.arange(6).reshape(2, 3), np.arange(10, 16).reshape(2, 3), \
        np.array([[1, 0, 1], [1, 1, 0]])
    for reduce, include_self in [(r, s) for r in ("sum", "amax", "amin", "mean", "prod")
                                 for s in (True, False)]:
        ours = ag.scatter_reduce(ag.tensor(x), 0, index, ag.tensor(src), reduce,
                                 include_self=include_self)
        theirs = torch.scatter_reduce(torch.tensor(x), 0, torch.tensor(index),
                                      torch.tensor(src), reduce, include_self=include_self)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=reduce)
        assert ours.dtype == np.int64
    with pytest.raises(ValueError, match="reduce must be"):
        ag.scatter_reduce(ag.tensor(x), 0, index, ag.tensor(src), "max")
    with pytest.raises(IndexError, match="out of range"):
        ag.scatter_reduce(ag.tensor(x), 0, index + 5, ag.tensor(src), "sum")


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    x, source, index = normal(3, 4), normal(3, 5), np.array([0, 2, 2, 1, 2])
    check(lambda a, s: ag.index_reduce(a, 1, index, s, reduce, include_self=include_self),
          lambda a, s: torch.index_reduce(a, 1, torch.tensor(index), s, reduce,
                                          include_self=include_self), [x, source], atol=1e-9)


def test_diagonal_select_slice_scatter():
    x = normal(3, 4, 5)
    for offset, d1, d2 in [(0, 0, 1), (1, 1, 2), (-2, 2, 0)]:
        k = torch.diagonal(torch.tensor(x), offset, d1, d2).shape
        check(lambda a, s: ag.diagonal_scatter(a, s, offset, d1, d2),
              lambda a, s: torch.diagonal_scatter(a, s, offset, d1, d2), [x, normal(*k)])
    check(lambda a, s: ag.select_scatter(a, s, 1, -1),
          lambda a, s: torch.select_scatter(a, s, 1, -1), [x, normal(3, 5)])
    check(lambda a, s: ag.slice_scatter(a, s, 2, 1, None, 2),
          lambda a, s: torch.slice_scatter(a, s, 2, 1, None, 2), [x, normal(3, 4, 2)])
    check(lambda a, s: ag.slice_scatter(a, s), lambda a, s: torch.slice_scatter(a, s),
          [x, normal(3, 4, 5)])
    with pytest.raises(ValueError, match="src must have shape"):
        ag.select_scatter(ag.Value(x), ag.Value(normal(3, 4)), 1, 0)
    inf = np.full((2, 2), np.inf)
    np.testing.assert_array_equal(ag.diagonal_scatter(ag.Value(inf), ag.Value([1.0, 2.0])).numpy(),
                                  [[1, np.inf], [np.inf, 2]])


def test_narrow_copy():
    check(lambda a: ag.narrow_copy(a, 1, 1, 2), lambda a: torch.narrow_copy(a, 1, 1, 2),
          [normal(3, 4)])


# --- finite differences, indices, runs -----------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"spacing": 0.5}, {"spacing": [2.0, 0.25]},
                                    {"dim": 1, "edge_order": 2}, {"dim": [0], "spacing": 3.0}])
def test_gradient(kwargs):
    x = normal(5, 6)
    for k in range(len(torch.gradient(torch.tensor(x), **kwargs))):
        check(lambda a: ag.gradient(a, **kwargs)[k], lambda a: torch.gradient(a, **kwargs)[k],
              [x], atol=1e-10)


def test_gradient_with_coordinates():
    x, t = normal(6), np.cumsum(rng.uniform(0.5, 2.0, 6))
    check(lambda a: ag.gradient(a, spacing=(t,))[0],
          lambda a: torch.gradient(a, spacing=(torch.tensor(t),))[0], [x], atol=1e-10)
    assert len(ag.gradient(ag.Value(normal(3, 4, 5)))) == 3
    with pytest.raises(ValueError, match="edge_order"):
        ag.gradient(ag.Value(normal(4)), edge_order=3)


def test_unravel_index():
    flat = np.array([0, 5, 11, 7, -1])
    ours = ag.unravel_index(ag.tensor(flat), (3, 4))
    theirs = torch.unravel_index(torch.tensor(flat), (3, 4))
    assert len(ours) == 2
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
        assert o.dtype == np.int64


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_consecutive(dim):
    x = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 3], [1, 1, 2], [1, 1, 2]])
    ours = ag.unique_consecutive(ag.tensor(x), True, True, dim)
    theirs = torch.unique_consecutive(torch.tensor(x), True, True, dim)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    np.testing.assert_array_equal(ag.unique_consecutive(ag.tensor([1, 1, 2, 2, 1])).numpy(),
                                  [1, 2, 1])


# --- tensors and dtypes ------------------------------------------------------------------------------

def test_tensor_questions():
    f, i = ag.Value([1.0, 2.0]), ag.tensor([1, 2])
    assert ag.is_floating_point(f) and not ag.is_floating_point(i)
    assert not ag.is_complex(f) and ag.is_signed(i) and not ag.is_signed(ag.tensor([True]))
    assert ag.is_nonzero(ag.Value([0.5])) and not ag.is_nonzero(ag.Value(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        ag.is_nonzero(f)
    assert ag.is_same_size(f, i) and not ag.is_same_size(f, ag.Value([1.0]))
    x = ag.Value([1.0], requires_grad=True)
    d = ag.detach(x * 2)
    assert not d.requires_grad and d.numpy().tolist() == [2.0]


DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
          np.float64]


def _torch_dtype(d):
    return getattr(torch, np.dtype(d).name if d is not np.bool_ else "bool")


@pytest.mark.parametrize("a", DTYPES)
def test_promote_types_and_can_cast(a):
    for b in DTYPES:
        theirs = torch.promote_types(_torch_dtype(a), _torch_dtype(b))
        assert ag.promote_types(a, b) == np.dtype(str(theirs).replace("torch.", "")), (a, b)
        assert ag.can_cast(a, b) == torch.can_cast(_torch_dtype(a), _torch_dtype(b)), (a, b)


def test_result_type():
    cases = [(np.array([1, 2]), 2.5), (np.array([1.0], np.float32), np.array(2.0)),
             (np.array([1], np.int32), np.array(2.0)), (np.array([1], np.int8), 1000),
             (np.array(1, np.int16), np.array([1], np.int8)), (np.array([True]), 3),
             (np.array([1.0], np.float16), np.array([1], np.int64))]
    for a, b in cases:
        def t(x):
            return torch.tensor(x) if isinstance(x, np.ndarray) else x

        def v(x):
            return ag.tensor(x, dtype=x.dtype) if isinstance(x, np.ndarray) else x
        theirs = torch.result_type(t(a), t(b))
        assert ag.result_type(v(a), v(b)) == np.dtype(str(theirs).replace("torch.", "")), (a, b)


def test_broadcast_shapes_finfo_iinfo():
    assert ag.broadcast_shapes((2, 1), (3,), ()) == tuple(torch.broadcast_shapes((2, 1), (3,), ()))
    assert ag.broadcast_shapes(4, (1,)) == (4,)
    with pytest.raises(RuntimeError):
        ag.broadcast_shapes((2,), (3,))
    for d in (np.float16, np.float32, np.float64):
        ours, theirs = ag.finfo(d), torch.finfo(_torch_dtype(d))
        for name in ("eps", "max", "min", "tiny", "smallest_normal", "resolution", "bits"):
            assert getattr(ours, name) == getattr(theirs, name), (d, name)
    assert ag.finfo().eps == torch.finfo(torch.float32).eps
    for d in (np.uint8, np.int8, np.int32, np.int64):
        ours, theirs = ag.iinfo(d), torch.iinfo(_torch_dtype(d))
        assert (ours.min, ours.max, ours.bits) == (theirs.min, theirs.max, theirs.bits)
    with pytest.raises(TypeError):
        ag.iinfo(np.float32)


# --- sampling and the generator -----------------------------------------------------------------

def test_normal_overloads():
    ag.manual_seed(0)
    mean, std = ag.Value(np.arange(4.0)), ag.Value(np.full(4, 1e-3))
    a = ag.normal(mean, std)
    assert a.shape == (4,) and a.dtype == np.float64 and not a.requires_grad
    np.testing.assert_allclose(a.numpy(), np.arange(4.0), atol=0.01)
    b = ag.normal(mean, 1e-3)
    np.testing.assert_allclose(b.numpy(), np.arange(4.0), atol=0.01)
    c = ag.normal(5.0, std)
    np.testing.assert_allclose(c.numpy(), 5.0, atol=0.01)
    d = ag.normal(2.0, 3.0, (20000,))
    assert d.dtype == np.float32 and abs(d.numpy().mean() - 2) < 0.1 \
        and abs(d.numpy().std() - 3) < 0.1
    ag.manual_seed(0)
    np.testing.assert_array_equal(ag.normal(mean, std).numpy(), a.numpy())
    with pytest.raises(TypeError, match="size"):
        ag.normal(0.0, 1.0)


def test_bernoulli_poisson_multinomial():
    ag.manual_seed(1)
    p = ag.Value(np.array([0.0, 1.0, 0.3] * 5000))
    draws = ag.bernoulli(p).numpy().reshape(-1, 3)
    assert draws[:, 0].sum() == 0 and draws[:, 1].all() and 0.27 < draws[:, 2].mean() < 0.33
    assert ag.bernoulli(ag.zeros(3), p=1.0).numpy().tolist() == [1, 1, 1]
    rates = ag.Value(np.full(20000, 4.0))
    counts = ag.poisson(rates)
    assert counts.dtype == np.float64 and abs(counts.numpy().mean() - 4) < 0.1
    w = ag.Value([0.0, 1.0, 3.0, 0.0])
    picks = ag.multinomial(w, 4000, replacement=True).numpy()
    assert picks.dtype == np.int64 and set(np.unique(picks)) == {1, 2}
    assert 0.72 < (picks == 2).mean() < 0.78
    rows = ag.multinomial(ag.Value([[1.0, 1.0, 1.0], [0.0, 2.0, 1.0]]), 2)
    assert rows.shape == (2, 2) and all(len(set(r)) == 2 for r in rows.numpy().tolist())
    assert 0 not in rows.numpy()[1]
    with pytest.raises(ValueError, match="without replacement"):
        ag.multinomial(w, 3)


def test_seed_and_rng_state_round_trip():
    ag.manual_seed(42)
    assert ag.initial_seed() == 42
    state = ag.get_rng_state()
    assert state.dtype == np.uint8 and state.shape == (37,)
    first = [ag.randn(3).numpy(), ag.normal(0.0, 1.0, (2,)).numpy(), ag.rand(2).numpy()]
    ag.set_rng_state(state)
    again = [ag.randn(3).numpy(), ag.normal(0.0, 1.0, (2,)).numpy(), ag.rand(2).numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    s = ag.seed()
    assert isinstance(s, int) and ag.initial_seed() == s
    with pytest.raises(ValueError, match="37 bytes"):
        ag.set_rng_state(ag.zeros(5))


# --- settings ---------------------------------------------------------------------------------------

def test_set_printoptions_changes_value_repr_and_numpy():
    saved = np.get_printoptions()
    try:
        v = ag.Value(np.array([1.23456789, 2.0, 3.0]), dtype=ag.float64)
        ag.set_printoptions(precision=2)
        assert "1.23," in repr(v) and "1.2346" not in repr(v)
        assert np.get_printoptions()["precision"] == 2
        ag.set_printoptions(profile="full")
        assert "..." not in repr(ag.Value(np.arange(50.0)))
        ag.set_printoptions(profile="default")
        assert "..." in repr(ag.Value(np.arange(50.0))) and "1.2346" in repr(v)
        with pytest.raises(ValueError, match="profile"):
            ag.set_printoptions(profile="long")
    finally:
        ag.set_printoptions(profile="default")
        np.set_printoptions(**saved)


def test_threads_inference_mode_and_compile(monkeypatch):
    n = ag.get_num_threads()
    assert isinstance(n, int) and n >= 1
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, str(n))
    ag.set_num_threads(1)
    assert ag.get_num_threads() == 1
    with pytest.raises(ValueError):
        ag.set_num_threads(0)
    assert not ag.is_inference_mode_enabled()
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        with ag.inference_mode(False):
            assert not ag.is_inference_mode_enabled()
    with ag.no_grad():
        assert not ag.is_inference_mode_enabled()

    @ag.inference_mode
    def inside():
        return ag.is_inference_mode_enabled()
    assert inside() and not ag.is_inference_mode_enabled()

    def f(x):
        return x * 2
    assert ag.compile(f) is f
    assert ag.compile(mode="max-autotune")(f) is f


# --- vmap and ag.func --------------------------------------------------------------------------------

def test_vmap_against_torch():
    x, y, w = normal(4, 3), normal(3), normal(5, 3)
    ours = ag.vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(ag.Value(x), ag.Value(y))
    theirs = torch.vmap(lambda a, b: (a * b).sum(), in_dims=(0, None))(torch.tensor(x),
                                                                        torch.tensor(y))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)
    outer = ag.vmap(ag.vmap(lambda a, b: a * b, (None, 0)), (0, None))
    np.testing.assert_allclose(outer(ag.Value(x[:, 0]), ag.Value(y)).numpy(),
                               np.outer(x[:, 0], y), atol=1e-12)
    # in_dims 1 and out_dims 1, two results
    ours = ag.vmap(lambda a: (a.sum(), a * 2), in_dims=1, out_dims=(0, 1))(ag.Value(w))
    theirs = torch.vmap(lambda a: (a.sum(), a * 2), in_dims=1, out_dims=(0, 1))(
        torch.tensor(w))
    for o, t in zip(ours, theirs):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-12)


def test_vmap_nested_in_dims_and_errors():
    x, y = normal(3, 2), normal(2, 3)
    f = ag.vmap(lambda pair, c: pair[0] + pair[1] * c, in_dims=((0, 1), None))
    np.testing.assert_allclose(f((ag.Value(x), ag.Value(y)), 2.0).numpy(), x + 2 * y.T)
    with pytest.raises(ValueError, match="different sizes"):
        ag.vmap(lambda a, b: a + b)(ag.Value(normal(3)), ag.Value(normal(4)))
    with pytest.raises(ValueError, match="at least one"):
        ag.vmap(lambda a: a, in_dims=None)(ag.Value(normal(3)))
    with pytest.raises(RuntimeError, match="randomness"):
        ag.vmap(lambda a: a + ag.randn(1))(ag.Value(normal(3)))
    ag.manual_seed(0)
    same = ag.vmap(lambda a: a + ag.randn(()), randomness="same")(ag.Value(np.zeros(3)))
    assert len(set(same.numpy().tolist())) == 1
    different = ag.vmap(lambda a: a + ag.randn(()), randomness="different")(ag.Value(np.zeros(3)))
    assert len(set(different.numpy().tolist())) == 3


def test_vmap_inside_grad_and_grad_inside_vmap():
    x, w = normal(4, 3), normal(3)

    def loss(w, x):
        return ag.vmap(lambda xi: ag.tanh((xi * w).sum()), in_dims=0)(x).sum()

    ours = ag.grad(loss)(w, ag.constant(x))
    tw = torch.tensor(w, requires_grad=True)
    tl = torch.vmap(lambda xi: torch.tanh((xi * tw).sum()))(torch.tensor(x)).sum()
    (theirs,) = torch.autograd.grad(tl, tw)
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)
    vw = ag.Value(w, requires_grad=True)
    loss(vw, ag.constant(x)).backward()
    np.testing.assert_allclose(vw.grad, theirs.numpy(), atol=1e-12)
    # per-example gradients: vmap of grad, as torch.func does
    per_example = ag.vmap(ag.func.grad(lambda w, xi: ag.tanh((xi * w).sum())),
                          in_dims=(None, 0))(w, x)
    theirs = torch.func.vmap(torch.func.grad(lambda w, xi: torch.tanh((xi * w).sum())),
                             in_dims=(None, 0))(torch.tensor(w), torch.tensor(x))
    np.testing.assert_allclose(np.asarray(per_example), theirs.numpy(), atol=1e-12)
    J = ag.jacobian(ag.vmap(lambda a: a ** 3))(x[0])
    np.testing.assert_allclose(J, np.diag(3 * x[0] ** 2), atol=1e-12)


def test_func_namespace_against_torch_func():
    x = normal(4)

    def f(a):
        return (a.sin() * a).sum()

    def tf(a):
        return (a.sin() * a).sum()
    tx = torch.tensor(x)
    np.testing.assert_allclose(ag.func.grad(f)(x), torch.func.grad(tf)(tx).numpy(), atol=1e-12)
    g, v = ag.func.grad_and_value(f)(x)
    tg, tv = torch.func.grad_and_value(tf)(tx)
    np.testing.assert_allclose(g, tg.numpy(), atol=1e-12)
    assert float(v) == pytest.approx(float(tv))
    g, aux = ag.func.grad(lambda a: (f(a), a * 2), has_aux=True)(x)
    np.testing.assert_allclose(aux, 2 * x)
    np.testing.assert_allclose(ag.func.hessian(f)(x), torch.func.hessian(tf)(tx).numpy(),
                               atol=1e-10)
    h = lambda a: a.sin() * a  # noqa: E731
    for ours, theirs in ((ag.func.jacrev, torch.func.jacrev), (ag.func.jacfwd, torch.func.jacfwd)):
        np.testing.assert_allclose(ours(h)(x), theirs(h)(tx).numpy(), atol=1e-12)
    out, back = ag.func.vjp(h, x)
    tout, tback = torch.func.vjp(h, tx)
    u = normal(4)
    np.testing.assert_allclose(back(u)[0], tback(torch.tensor(u))[0].numpy(), atol=1e-12)
    out, tangent = ag.func.jvp(h, (x,), (u,))
    np.testing.assert_allclose(tangent, torch.func.jvp(h, (tx,), (torch.tensor(u),))[1].numpy(),
                               atol=1e-12)
    assert ag.func.vmap is ag.vmap
