"""PyTorch's Tensor idioms that code ported by renaming ``torch`` to ``ag`` calls: the
reductions with ``dim``/``keepdim`` (and PyTorch's std/var default), ``max(dim)`` and
``min(dim)`` as (values, indices), ``size()``, ``sort``, ``topk``, ``lerp``, ``bmm``,
``addmm``, ``clamp_``, ``contiguous``, ``device``, ``inference_mode``, ``retain_grad`` and
``register_hook``.

Every differentiable piece: gradients against central differences (gradcheck), second
derivatives against central differences of the first, and values, gradients and second
derivatives against PyTorch, all in float64.
"""

import gc
import pickle
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import hooks
from derivatives import check_second_order, compare_with_torch

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.uniform(-2.0, 2.0, (3, 4))          # distinct values: no ties, so no kinks
X3 = RNG.uniform(-2.0, 2.0, (2, 3, 4))
# small integers as floats: ties are common, which is what the index rules are about
TIED = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.integers(-3, 3).map(float))


def check(ours, theirs, *arrays, gradcheck=True):
    """``ours`` against PyTorch's ``theirs`` (values, gradients, Hessian-vector products),
    and against central differences (gradients, and the second derivatives)."""
    compare_with_torch(ours, theirs, *arrays)
    if gradcheck:
        ag.gradcheck(ours, arrays)
        check_second_order(ours, *arrays)


# --- reductions and friends with PyTorch's keywords ------------------------------------------

KEYWORDS = [
    ("sum dim", lambda x: x.sum(dim=0), lambda t: t.sum(dim=0)),
    ("sum dim tuple", lambda x: x.sum(dim=(0, 1)), lambda t: t.sum(dim=(0, 1))),
    ("mean dim keepdim", lambda x: x.mean(dim=1, keepdim=True),
     lambda t: t.mean(dim=1, keepdim=True)),
    ("mean positional dim, keepdim", lambda x: x.mean(1, keepdim=True),
     lambda t: t.mean(1, keepdim=True)),
    ("std dim (unbiased)", lambda x: x.std(dim=0), lambda t: t.std(dim=0)),
    ("std keepdim (unbiased)", lambda x: x.std(1, keepdim=True),
     lambda t: t.std(1, keepdim=True)),
    ("std unbiased=False", lambda x: x.std(0, unbiased=False),
     lambda t: t.std(0, unbiased=False)),
    ("var dim unbiased=False", lambda x: x.var(dim=0, unbiased=False),
     lambda t: t.var(dim=0, unbiased=False)),
    ("var dim (unbiased)", lambda x: x.var(dim=1), lambda t: t.var(dim=1)),
    ("var correction=2", lambda x: x.var(dim=1, correction=2),
     lambda t: t.var(dim=1, correction=2)),
    ("var correction only", lambda x: x.var(correction=0), lambda t: t.var(correction=0)),
    ("std unbiased only", lambda x: x.std(unbiased=True), lambda t: t.std(unbiased=True)),
    ("cumsum dim", lambda x: x.cumsum(dim=0), lambda t: t.cumsum(dim=0)),
    ("cumprod dim", lambda x: x.cumprod(dim=1), lambda t: t.cumprod(dim=1)),
    ("prod dim", lambda x: x.prod(dim=1), lambda t: t.prod(dim=1)),
    ("logsumexp dim keepdim", lambda x: x.logsumexp(dim=0, keepdim=True),
     lambda t: t.logsumexp(dim=0, keepdim=True)),
    ("softmax dim", lambda x: x.softmax(dim=1), lambda t: t.softmax(dim=1)),
    ("softmax dim 0", lambda x: x.softmax(dim=0), lambda t: t.softmax(dim=0)),
    ("log_softmax dim", lambda x: x.log_softmax(dim=1), lambda t: t.log_softmax(dim=1)),
    ("max dim values", lambda x: x.max(dim=1).values, lambda t: t.max(dim=1).values),
    ("min dim keepdim values", lambda x: x.min(dim=0, keepdim=True)[0],
     lambda t: t.min(dim=0, keepdim=True)[0]),
    ("ag.sum", lambda x: ag.sum(x, dim=1), lambda t: torch.sum(t, dim=1)),
    ("ag.mean", lambda x: ag.mean(x, dim=0, keepdim=True),
     lambda t: torch.mean(t, dim=0, keepdim=True)),
    ("ag.std", lambda x: ag.std(x, dim=1), lambda t: torch.std(t, dim=1)),
    ("ag.var", lambda x: ag.var(x, dim=0, correction=0),
     lambda t: torch.var(t, dim=0, correction=0)),
    ("ag.cumsum", lambda x: ag.cumsum(x, dim=1), lambda t: torch.cumsum(t, dim=1)),
    ("ag.softmax", lambda x: ag.softmax(x, dim=0), lambda t: torch.softmax(t, dim=0)),
    ("ag.log_softmax", lambda x: ag.log_softmax(x, dim=1),
     lambda t: torch.log_softmax(t, dim=1)),
    ("ag.max", lambda x: ag.max(x, dim=0).values, lambda t: torch.max(t, dim=0).values),
    ("ag.min", lambda x: ag.min(x, dim=1)[0], lambda t: torch.min(t, dim=1)[0]),
    ("ag.prod", lambda x: ag.prod(x, dim=0), lambda t: torch.prod(t, dim=0)),
    ("ag.logsumexp", lambda x: ag.logsumexp(x, dim=1), lambda t: torch.logsumexp(t, dim=1)),
    ("ag.stack dim", lambda x: ag.stack([x, x * x], dim=1),
     lambda t: torch.stack([t, t * t], dim=1)),
    ("ag.stack dim -1", lambda x: ag.stack([x, -x], dim=-1),
     lambda t: torch.stack([t, -t], dim=-1)),
]


@pytest.mark.parametrize("name, ours, theirs", KEYWORDS, ids=[k[0] for k in KEYWORDS])
def test_pytorch_keywords_give_pytorchs_results(name, ours, theirs):
    check(ours, theirs, X)


def test_numpys_keywords_and_positions_keep_numpys_meaning():
    x = ag.Value(X)
    np.testing.assert_allclose(x.std(0).data, np.std(X, 0))        # ddof 0, not PyTorch's 1
    np.testing.assert_allclose(x.std(axis=0).data, np.std(X, 0))
    np.testing.assert_allclose(x.var().data, np.var(X))
    np.testing.assert_allclose(x.var(1, True).data, np.var(X, 1, keepdims=True))
    np.testing.assert_allclose(x.std(axis=1, ddof=1).data, np.std(X, 1, ddof=1))
    np.testing.assert_allclose(ag.std(X, 0).data, np.std(X, 0))
    # ... while the same call with one of PyTorch's keywords divides by n - 1
    np.testing.assert_allclose(x.std(0, keepdim=False).data, np.std(X, 0, ddof=1))
    np.testing.assert_allclose(x.cumsum().data, np.cumsum(X))       # numpy's: flattened
    np.testing.assert_allclose(x.sum(0, True).data, np.sum(X, 0, keepdims=True))
    np.testing.assert_allclose(ag.stack([X, X], 1).data, np.stack([X, X], 1))


@pytest.mark.parametrize("call, message", [
    (lambda x: x.std(ddof=1, dim=0), r"std: ddof \(numpy's\) with dim \(PyTorch's\)"),
    (lambda x: x.var(0, ddof=0, keepdim=True), r"var: ddof \(numpy's\) with keepdim"),
    (lambda x: ag.var(x, ddof=1, correction=1), "var: give at most one of ddof, correction"),
    (lambda x: x.sum(axis=0, dim=1), r"sum: give axis \(numpy\) or dim \(PyTorch\)"),
    (lambda x: x.mean(0, keepdims=True, keepdim=True),
     r"mean: give keepdims \(numpy\) or keepdim \(PyTorch\)"),
    (lambda x: x.max(axis=1, dim=1), r"max: give axis \(numpy\) or dim"),
    (lambda x: x.softmax(0, dim=1), r"softmax: give axis \(numpy\) or dim"),
    (lambda x: x.cumsum(0, dim=0), r"cumsum: give axis \(numpy\) or dim"),
    (lambda x: ag.stack([x, x], axis=1, dim=0), r"stack: give axis \(numpy\) or dim"),
    (lambda x: x.argmax(0, dim=1), r"argmax: give axis \(numpy\) or dim"),
])
def test_both_libraries_keywords_in_one_call_are_refused(call, message):
    with pytest.raises(TypeError, match=message):
        call(ag.Value(X))


# --- max and min along a dim: (values, indices) ----------------------------------------------


@given(x=TIED, data=st.data())
def test_max_min_with_dim_are_pytorchs_pairs_even_with_ties(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keepdim = data.draw(st.booleans())
    for name in ("max", "min"):
        got = getattr(ag.Value(x), name)(dim=dim, keepdim=keepdim)
        want = getattr(torch.tensor(x), name)(dim=dim, keepdim=keepdim)
        np.testing.assert_array_equal(got.values.data, want.values.numpy())
        np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
        assert got.indices.dtype == np.int64 and not got.indices.requires_grad
        # the gradient goes to the index picked, the first of ties, as PyTorch's does
        compare_with_torch(lambda v: getattr(v, name)(dim, keepdim=keepdim)[0],
                           lambda t: getattr(t, name)(dim, keepdim=keepdim)[0], x)


def test_max_with_dim_against_central_differences():
    check(lambda v: v.max(dim=1, keepdim=True).values, lambda t: t.max(1, True).values, X3)
    check(lambda v: ag.min(v, dim=-1).values, lambda t: torch.min(t, dim=-1).values, X3)


def test_max_index_idioms():
    out = ag.Value(X)
    t = torch.tensor(X)
    # PyTorch's MNIST example: the predicted class, with keepdim
    np.testing.assert_array_equal(out.max(1, keepdim=True)[1].data, t.max(1, keepdim=True)[1])
    assert out.max(1, keepdim=True)[1].shape == (3, 1)
    # numpy's meaning for a position alone: the values, so [1] is the max of row 1
    assert isinstance(out.max(1), ag.Value)
    assert float(out.max(1)[1]) == X[1].max()
    np.testing.assert_array_equal(out.max(axis=0).data, X.max(axis=0))
    values, indices = out.min(dim=0)
    np.testing.assert_array_equal(indices.data, X.argmin(0))
    # numpy's max still splits the gradient among ties (TensorFlow's rule)
    v = ag.Value(np.array([[1.0, 3.0, 3.0]]))
    v.max(1).sum().backward()
    np.testing.assert_array_equal(v.grad, [[0.0, 0.5, 0.5]])
    w = ag.Value(np.array([[1.0, 3.0, 3.0]]))
    w.max(dim=1).values.sum().backward()
    np.testing.assert_array_equal(w.grad, [[0.0, 1.0, 0.0]])


def test_max_with_dim_errors_name_the_method_and_argument():
    x = ag.Value(X)
    with pytest.raises(TypeError, match="max: dim must be an integer, got None"):
        x.max(keepdim=True)
    with pytest.raises(TypeError, match=r"min: dim must be an integer, got \(0, 1\)"):
        x.min(dim=(0, 1))
    with pytest.raises(ValueError, match="max: axis 2 is out of range"):
        x.max(dim=2)
    with pytest.raises(ValueError, match="max: cannot reduce an empty dim"):
        ag.Value(np.ones((2, 0))).max(dim=1)


# --- size() ----------------------------------------------------------------------------------


def test_size_is_numpys_int_and_pytorchs_method():
    x = ag.Value(np.zeros((3, 4)))
    t = torch.zeros(3, 4)
    assert x.size == 12 and x.size + 1 == 13 and len(range(x.size)) == 12
    assert np.zeros(x.size).shape == (12,) and f"{x.size}" == "12" and repr(x.size) == "12"
    assert x.size() == tuple(t.size()) == (3, 4)
    assert x.size(0) == t.size(0) == 3 and x.size(-1) == t.size(-1) == 4
    assert x.size(dim=1) == 4 and ag.Value(2.0).size() == () and ag.Value(2.0).size == 1
    assert type(x.numel()) is int and x.numel() == t.numel()
    restored = pickle.loads(pickle.dumps(x.size))
    assert type(restored) is int and restored == 12
    with pytest.raises(IndexError, match=r"size: dim 2 is out of range for a Value of shape "
                                         r"\(3, 4\)"):
        x.size(2)
    with pytest.raises(TypeError, match="size: dim must be an integer, got 'a'"):
        x.size("a")


# --- sort and topk ---------------------------------------------------------------------------


@pytest.mark.parametrize("dim, descending", [(-1, False), (0, True), (1, False), (2, True)])
def test_sort_against_pytorch(dim, descending):
    got = ag.Value(X3).sort(dim=dim, descending=descending)
    want = torch.tensor(X3).sort(dim=dim, descending=descending)
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    assert got.indices.dtype == np.int64
    check(lambda v: v.sort(dim, descending)[0], lambda t: t.sort(dim, descending)[0], X3)


@given(x=TIED, data=st.data())
def test_sort_with_ties_is_pytorchs_stable_sort(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    descending = data.draw(st.booleans())
    got = ag.Value(x).sort(dim=dim, descending=descending)
    want = torch.tensor(x).sort(dim=dim, descending=descending, stable=True)
    np.testing.assert_array_equal(got.values.data, want.values.numpy())
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    compare_with_torch(lambda v: v.sort(dim=dim, descending=descending).values,
                       lambda t: t.sort(dim=dim, descending=descending, stable=True).values, x)


@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (1, 0, False), (3, 2, True),
                                             (4, -1, False), (0, 1, True)])
def test_topk_against_pytorch(k, dim, largest):
    got = ag.Value(X3).topk(k, dim=dim, largest=largest)
    want = torch.tensor(X3).topk(k, dim=dim, largest=largest)
    np.testing.assert_array_equal(got.indices.data, want.indices.numpy())
    check(lambda v: ag.topk(v, k, dim, largest).values,
          lambda t: torch.topk(t, k, dim, largest).values, X3, gradcheck=k > 0)


def test_topk_ties_take_the_first_index_and_errors_name_the_argument():
    x = ag.Value(np.array([1.0, 3.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.topk(2).indices.data, [1, 3])
    np.testing.assert_array_equal(x.topk(2, largest=False).indices.data, [0, 2])
    with pytest.raises(ValueError, match="topk: k=5 is out of range for dim 0 of length 4"):
        x.topk(5)
    with pytest.raises(TypeError, match="topk: k must be an integer, got 2.0"):
        x.topk(2.0)
    with pytest.raises(TypeError, match="sort: dim must be an integer, got None"):
        x.sort(dim=None)
    with pytest.raises(ValueError, match="sort: a 0-d Value has no dim"):
        ag.Value(1.0).sort()
    ints = ag.tensor([3, 1, 2]).sort()
    assert ints.values.dtype == np.int64 and ints.values.tolist() == [1, 2, 3]


# --- lerp, bmm, addmm ------------------------------------------------------------------------


def test_lerp_against_pytorch_and_central_differences():
    end = RNG.uniform(-2, 2, (4,))
    weight = RNG.uniform(0, 1, (3, 1))
    check(lambda a, b: a.lerp(b, 0.3), lambda a, b: a.lerp(b, 0.3), X, end)
    check(lambda a, b, w: ag.lerp(a, b, w), lambda a, b, w: torch.lerp(a, b, w),
          X, end, weight)
    with pytest.raises(ValueError, match=r"lerp: start, end and weight of shapes \(3, 4\), "
                                         r"\(5,\) and \(\) do not broadcast"):
        ag.Value(X).lerp(np.ones(5), 0.5)


def test_bmm_against_pytorch_and_checks_shapes():
    b = RNG.uniform(-2, 2, (2, 4, 5))
    check(lambda x, y: ag.bmm(x, y), torch.bmm, X3, b)
    check(lambda x, y: x.bmm(y), lambda x, y: x.bmm(y), X3, b)
    for shapes in [((3, 4), (4, 5)), ((2, 3, 4), (3, 4, 5)), ((2, 3, 4), (2, 3, 5))]:
        with pytest.raises(ValueError, match=r"bmm: expects a of shape \(batch, n, k\)"):
            ag.bmm(np.ones(shapes[0]), np.ones(shapes[1]))


@pytest.mark.parametrize("bias_shape, beta, alpha", [((3, 5), 1, 1), ((5,), 0.5, 2.0),
                                                     ((1, 5), 1, -1.5), ((3, 1), 2, 1)])
def test_addmm_against_pytorch(bias_shape, beta, alpha):
    bias, m2 = RNG.uniform(-2, 2, bias_shape), RNG.uniform(-2, 2, (4, 5))
    check(lambda i, a, b: ag.addmm(i, a, b, beta=beta, alpha=alpha),
          lambda i, a, b: torch.addmm(i, a, b, beta=beta, alpha=alpha), bias, X, m2)
    check(lambda i, a, b: i.addmm(a, b, beta=beta, alpha=alpha),
          lambda i, a, b: i.addmm(a, b, beta=beta, alpha=alpha), bias, X, m2)


def test_addmm_with_beta_zero_ignores_input_and_checks_shapes():
    m2 = RNG.uniform(-2, 2, (4, 5))
    nan = np.full((3, 5), np.nan)
    got = ag.addmm(nan, X, m2, beta=0)
    np.testing.assert_allclose(got.data, torch.addmm(torch.tensor(nan), torch.tensor(X),
                                                     torch.tensor(m2), beta=0).numpy())
    with pytest.raises(ValueError, match=r"addmm: input of shape \(4,\) does not broadcast"):
        ag.addmm(np.ones(4), X, m2)
    with pytest.raises(ValueError, match="addmm: expects mat1 .n, k. and mat2 .k, m."):
        ag.addmm(np.ones(5), X, X)


# --- contiguous, device, clamp_ --------------------------------------------------------------


def test_contiguous_and_device():
    x = ag.Value(X)
    assert x.contiguous() is x and x.device == "cpu" and x.to(x.device) is x
    assert torch.tensor(X).device.type == x.device


def test_clamp_in_place_as_pytorch():
    w = ag.Variable(X.copy())
    t = torch.tensor(X.copy(), requires_grad=True)
    data = w.data
    with ag.no_grad(), torch.no_grad():
        assert w.clamp_(-0.5, 1.0) is w
        t.clamp_(-0.5, 1.0)
        np.testing.assert_array_equal(w.data, t.numpy())
        w.clamp_(max=ag.constant(np.float64(0.2)))
        t.clamp_(max=0.2)
        np.testing.assert_array_equal(w.data, t.numpy())
        w.clamp_(min=1.0, max=0.0)  # min above max: max everywhere, as PyTorch
        t.clamp_(min=1.0, max=0.0)
        np.testing.assert_array_equal(w.data, t.numpy())
    assert w.data is data


def test_clamp_in_place_follows_the_in_place_rules():
    w = ag.Variable(X.copy())
    with pytest.raises(RuntimeError, match="clamp_: .* requires grad, so it cannot be changed "
                                           "in place while the graph is recorded"):
        w.clamp_(0, 1)
    np.testing.assert_array_equal(w.data, X)
    c = ag.constant(X.copy())
    y = (w * c).sum()
    c.clamp_(min=0)  # needs no grad: changed in place, and marked as changed
    assert (c.data >= 0).all()
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()
    with ag.no_grad(), pytest.raises(ValueError, match="clamp_: give at least one of min"):
        w.clamp_()
    with ag.no_grad(), pytest.raises(TypeError, match="clamp_: cannot write float64"):
        ag.tensor([1, 2, 3]).clamp_(min=1.5)


# --- inference_mode --------------------------------------------------------------------------


def test_inference_mode_is_no_grad_as_context_and_decorator():
    x = ag.Value(2.0)
    with ag.inference_mode():
        assert not (x * x).requires_grad and not ag.is_grad_enabled()
    assert ag.is_grad_enabled()

    @ag.inference_mode()
    def called(v):
        return v * v

    @ag.inference_mode
    def bare(v):
        return v * v
    assert not called(x).requires_grad and not bare(x).requires_grad
    assert bare.__name__ == "bare" and ag.is_grad_enabled()
    with ag.no_grad(), ag.inference_mode(False), torch.no_grad(), torch.inference_mode(False):
        assert ag.is_grad_enabled() == torch.is_grad_enabled() is True


def test_a_decorated_recursive_function_leaves_recording_on():
    @ag.inference_mode()
    def depth(n):
        return depth(n - 1) if n else ag.is_grad_enabled()

    @ag.no_grad()
    def depth_no_grad(n):
        return depth_no_grad(n - 1) if n else ag.is_grad_enabled()
    assert depth(3) is False and ag.is_grad_enabled()
    assert depth_no_grad(3) is False and ag.is_grad_enabled()


def test_a_decorated_function_in_two_threads_keeps_each_threads_mode():
    both_inside = threading.Barrier(2, timeout=10)

    @ag.inference_mode()
    def hold():
        both_inside.wait()  # each thread has entered the mode before either leaves it

    after = {}

    def run(recording):
        with ag.enable_grad() if recording else ag.no_grad():
            hold()
            after[recording] = ag.is_grad_enabled()

    threads = [threading.Thread(target=run, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert after == {True: True, False: False}


# --- retain_grad and register_hook -----------------------------------------------------------


def test_retain_grad_is_a_no_op_because_backward_keeps_every_grad():
    x = ag.Value(X)
    h = x * 3
    assert h.retain_grad() is None
    (h * h).sum().backward()
    t = torch.tensor(X, requires_grad=True)
    th = t * 3
    th.retain_grad()
    (th * th).sum().backward()
    np.testing.assert_allclose(h.grad, th.grad.numpy())
    m = ag.Value(X) * 1  # no retain_grad: the walk keeps it anyway
    (m * m).sum().backward()
    np.testing.assert_allclose(m.grad, 2 * X)


def test_a_hook_sees_the_complete_gradient_once_and_may_replace_it():
    x = ag.Value(np.array([1.0, 2.0]))
    seen = []
    x.register_hook(lambda g: seen.append(np.array(g)))   # returns None: no change
    x.register_hook(lambda g: g * 10)
    (x * x + x).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [3.0, 5.0])     # 2x + 1, both uses added up
    np.testing.assert_array_equal(x.grad, [30.0, 50.0])


def _hooked_graph(lib, leaf):
    """The same graph in both libraries: hooks on a leaf and on an intermediate."""
    leaf.register_hook(lambda g: g * 10)
    h = leaf * 3
    h.register_hook(lambda g: g + 100)
    return h, (h * h).sum()


def test_hooks_in_backward_gradients_and_the_tape_match_pytorch():
    data = np.array([1.0, 2.0])
    want = []
    for which in (0, 1):  # one at a time: asked for both, PyTorch leaves h's hook out of h's
        t = torch.tensor(data, requires_grad=True)
        th, t_loss = _hooked_graph(torch, t)
        want += torch.autograd.grad(t_loss, [t, th][which])
    want_x, want_h = want
    assert want_x.tolist() == [3180.0, 3360.0] and want_h.tolist() == [106.0, 112.0]

    x = ag.Value(data)
    h, loss = _hooked_graph(ag, x)
    got_x, got_h = ag.gradients(loss, [x, h])
    np.testing.assert_array_equal(got_x.data, want_x.numpy())
    np.testing.assert_array_equal(got_h.data, want_h.numpy())
    loss.backward()
    np.testing.assert_array_equal(x.grad, want_x.numpy())
    np.testing.assert_array_equal(h.grad, want_h.numpy())

    v = ag.Variable(data)
    with ag.GradientTape(persistent=True) as tape:
        hv, tape_loss = _hooked_graph(ag, v)
    np.testing.assert_array_equal(tape.gradient(tape_loss, v).data, want_x.numpy())
    np.testing.assert_array_equal(tape.gradient(tape_loss, hv).data, want_h.numpy())
    np.testing.assert_array_equal(tape.jacobian(tape_loss, v).data, want_x.numpy())


def test_hooks_on_the_recorded_path_get_values_and_are_differentiated():
    def run(lib, x):
        h = lib.sin(x)
        h.register_hook(lambda g: g * h)     # a hook made of differentiable ops
        return (h * h * x).sum()

    data = np.array([0.3, -1.2, 2.0])
    t = torch.tensor(data, requires_grad=True)
    (tg,) = torch.autograd.grad(run(torch, t), t, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), t)
    x = ag.Value(data)
    kinds = []
    x.register_hook(lambda g: kinds.append(type(g)))
    (g,) = ag.gradients(run(ag, x), x, create_graph=True)
    (hvp,) = ag.gradients(g.sum(), x)
    assert kinds == [ag.Value, np.ndarray]
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(hvp.data, th.numpy(), rtol=1e-12)


def test_hook_results_are_checked_cast_and_copied():
    x = ag.Value(np.ones(3, np.float32))
    keep = np.full(3, 2.0)                               # float64, held by the caller
    handle = x.register_hook(lambda g: keep)
    (x * x).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]
    x.grad += 1                                          # .grad is not the caller's array
    assert keep.tolist() == [2.0, 2.0, 2.0]
    handle.remove()
    x.register_hook(lambda g: np.ones(4))
    with pytest.raises(ValueError, match=r"register_hook: a hook returned a gradient of shape "
                                         r"\(4,\) for a Value of shape \(3,\)"):
        (x * x).sum().backward()
    with pytest.raises(TypeError, match="register_hook: hook must be callable, got int"):
        x.register_hook(3)
    with pytest.raises(RuntimeError, match="register_hook: this Value does not require grad"):
        ag.constant(1.0).register_hook(lambda g: g)


def test_removed_hooks_stop_and_leave_nothing_behind():
    x = ag.Value(np.array([1.0, 2.0]))
    calls = []
    first = x.register_hook(lambda g: calls.append("first"))
    with x.register_hook(lambda g: calls.append("second")):
        (x * 2).sum().backward()
    assert calls == ["first", "second"]
    first.remove()
    first.remove()                                       # a second remove does nothing
    (x * 2).sum().backward()
    assert calls == ["first", "second"] and id(x) not in hooks.registered


def test_hooks_do_not_keep_a_value_alive():
    before = len(hooks.registered)
    h = ag.Value(np.ones(3)) * 2
    h.register_hook(lambda g: g)
    alive = weakref.ref(h)
    assert len(hooks.registered) == before + 1
    del h
    gc.collect()
    assert alive() is None and len(hooks.registered) == before


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_an_identity_hook_changes_nothing(seed):
    data = np.random.default_rng(seed).uniform(-1, 1, (2, 3))

    def loss(x, hook):
        h = ag.tanh(x @ x.T)
        if hook:
            h.register_hook(lambda g: g)
        return (h * h).sum()
    plain, hooked = ag.Value(data), ag.Value(data)
    loss(plain, False).backward()
    loss(hooked, True).backward()
    np.testing.assert_array_equal(plain.grad, hooked.grad)


# --- norm's PyTorch keywords, *_like samplers, isclose/allclose, new_*, grad_fn ----------
@pytest.mark.parametrize("kwargs", [dict(dim=1), dict(p=2, dim=1, keepdim=True),
                                    dict(p=1, dim=0), dict(p=float("inf"), dim=1),
                                    dict(p=3, dim=1), dict(dim=(0, 1)),
                                    dict(p="fro", dim=(0, 1)), dict(p="nuc", dim=(0, 1))])
def test_norm_takes_pytorchs_p_dim_and_keepdim(kwargs):
    x, tx = ag.Value(X.copy(), requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = x.norm(**kwargs), tx.norm(**kwargs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ag.norm(x, **kwargs).numpy(), y.numpy())


def test_norm_refuses_both_libraries_names():
    with pytest.raises(TypeError, match="ord .* or p"):
        ag.norm(X, ord=1, p=1)
    with pytest.raises(TypeError, match="axis .* or dim"):
        ag.norm(X, axis=0, dim=1)


def test_like_samplers_take_the_shape_and_dtype():
    x = ag.ones((2, 3), dtype="float64")
    ag.manual_seed(3)
    a = ag.randn_like(x)
    ag.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), ag.randn(2, 3, dtype="float64").numpy())
    assert a.dtype == np.float64 and not a.requires_grad
    u = ag.rand_like(np.ones(4, np.float32), requires_grad=True)
    assert u.dtype == np.float32 and u.requires_grad and ((u.numpy() >= 0) & (u.numpy() < 1)).all()
    k = ag.randint_like(ag.tensor([1, 2, 3]), 2, 5)
    assert k.dtype == np.int64 and ((k.numpy() >= 2) & (k.numpy() < 5)).all()
    with pytest.raises(TypeError, match="randn_like: dtype must be a float dtype"):
        ag.randn_like(ag.tensor([1, 2]))  # PyTorch refuses normal samples of an int dtype


def test_isclose_and_allclose_as_numpy_and_pytorch():
    a, b = np.array([1.0, 1.0 + 1e-9, np.nan, 2.0]), np.array([1.0, 1.0, np.nan, 2.1])
    np.testing.assert_array_equal(ag.isclose(a, b).numpy(), np.isclose(a, b))
    np.testing.assert_array_equal(ag.isclose(ag.Value(a), b, equal_nan=True).numpy(),
                                  torch.isclose(torch.tensor(a), torch.tensor(b),
                                                equal_nan=True).numpy())
    assert ag.allclose(a[:2], b[:2]) is True and ag.allclose(a, b) is False
    assert ag.allclose(a[:3], b[:3], equal_nan=True) is True


def test_new_factories_and_grad_fn():
    x = ag.ones((2,), dtype="float64")
    for made, expected in ((x.new_zeros((2, 3)), np.zeros((2, 3))), (x.new_ones(3), np.ones(3)),
                           (x.new_full((2,), 7.0), np.full(2, 7.0)),
                           (x.new_empty((1, 2)), np.zeros((1, 2))),
                           (x.new_tensor([1, 2]), np.array([1.0, 2.0]))):
        assert made.dtype == np.float64 and not made.requires_grad
        np.testing.assert_array_equal(made.numpy(), expected)
    assert x.new_zeros(2, dtype="int64").dtype == np.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad
    w = ag.tensor([1.0], requires_grad=True)
    assert w.grad_fn is None and ag.tensor([1.0]).grad_fn is None
    assert (w * 2).grad_fn.name() == "MulBackward0"
    assert isinstance((w * 2).grad_fn.op, ag.ops.arithmetic.Mul)
    with ag.no_grad():
        assert (w * 2).grad_fn is None


def test_grad_fn_walks_the_backward_graph_as_pytorchs_does():
    # The autograd tutorials' walk: y.grad_fn.next_functions[0][0]..., down to the leaves'
    # AccumulateGrad; constants (and Python numbers) are (None, 0) in both libraries.
    def walk(fn):
        names = []
        while fn is not None:
            names.append(fn.name().split("::")[-1])  # torch::autograd::AccumulateGrad
            nxt = fn.next_functions
            names.append([None if f is None else f.name().split("::")[-1] for f, _ in nxt])
            fn = nxt[0][0] if nxt else None
        return names

    def backward_names(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = (x * 2 + lib.ones(3)).relu().sum()
        return x, y, walk(y.grad_fn)
    x, y, ours = backward_names(ag)
    tx, ty, theirs = backward_names(torch)
    assert ours == theirs == ["SumBackward0", ["ReluBackward0"], "ReluBackward0",
                              ["AddBackward0"], "AddBackward0", ["MulBackward0", None],
                              "MulBackward0", ["AccumulateGrad", None], "AccumulateGrad", []]
    leaf = y.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
    assert leaf.next_functions[0][0].variable is x and x.grad_fn is None
    assert y.grad_fn == y.grad_fn and y.grad_fn != leaf and len({y.grad_fn, y.grad_fn}) == 1
    # Called with dL/dy, a grad_fn gives dL/dx per input, None where none is needed.
    mul, tmul = (t.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0]
                 for t in (y, ty))
    got, want = mul(ag.ones(3)), tmul(torch.ones(3))
    assert got[1] is None and want[1] is None
    np.testing.assert_array_equal(got[0].numpy(), want[0].numpy())
    np.testing.assert_array_equal(y.grad_fn(1.0).numpy(), ty.grad_fn(torch.tensor(1.0)).numpy())
    with pytest.raises(ValueError, match=r"MulBackward0: the gradient has shape \(2,\)"):
        mul(np.ones(2))


def test_empty_is_zeros_of_the_asked_shape_and_dtype_and_fills():
    """torch.empty's memory is whatever was there; here zeros, which code fills first."""
    got = ag.empty(2, 1, dtype=ag.long).fill_(3)
    want = torch.empty(2, 1, dtype=torch.long).fill_(3)
    assert got.dtype == np.int64 and got.numpy().tolist() == want.tolist()
    assert ag.empty((2, 3)).shape == (2, 3) and ag.empty(2).dtype == ag.get_default_dtype()
    like = ag.empty_like(ag.ones(4, dtype=ag.float64))
    assert like.shape == (4,) and like.dtype == np.float64


@pytest.mark.parametrize("ours, theirs", [
    (lambda v: v.median(), lambda t: t.median()),                 # the lower middle value
    (lambda v: v[:, :3].median(), lambda t: t[:, :3].median()),   # nine: the middle one
    (lambda v: v.median(1).values, lambda t: t.median(1).values),
    (lambda v: v.median(0, keepdim=True).values, lambda t: t.median(0, keepdim=True).values),
    (lambda v: v.quantile(0.3, dim=1), lambda t: t.quantile(0.3, dim=1)),
    (lambda v: v.quantile(0.7, interpolation="midpoint"),
     lambda t: t.quantile(0.7, interpolation="midpoint")),
    (lambda v: v.quantile(0.4, 0, True, interpolation="higher"),
     lambda t: t.quantile(0.4, 0, True, interpolation="higher")),
    (lambda v: v.where(v > 0, v * 3), lambda t: t.where(t > 0, t * 3)),
    (lambda v: v.diff(), lambda t: t.diff()),
    (lambda v: v.diff(2, 0, append=v[:1]), lambda t: t.diff(2, 0, append=t[:1])),
    (lambda v: v[:, :3].cross(v[:, 1:], dim=1), lambda t: t[:, :3].cross(t[:, 1:], dim=1)),
    (lambda v: v[:, :3].cross(v[:, 1:]), lambda t: t[:, :3].cross(t[:, 1:])),  # first 3: 0
    (lambda v: v.T.cross(v.T * 2 + 1), lambda t: t.T.cross(t.T * 2 + 1)),  # (4, 3): 1
    (lambda v: v[:2, :2].kron(v[1:, 2:]), lambda t: t[:2, :2].kron(t[1:, 2:])),
    (lambda v: v.xlogy(v * v + 1), lambda t: t.xlogy(t * t + 1)),
])
def test_more_tensor_methods_against_pytorch(ours, theirs):
    check(ours, theirs, X)


def test_tensor_predicates_and_counts_as_pytorch():
    for data in (X, X.astype(np.float32), np.arange(3), np.array([True, False])):
        v, t = ag.tensor(data), torch.tensor(data)
        assert v.ndimension() == t.ndimension() and v.nelement() == t.nelement()
        assert v.is_floating_point() == t.is_floating_point()
        assert v.is_complex() == t.is_complex() and v.is_signed() == t.is_signed()
