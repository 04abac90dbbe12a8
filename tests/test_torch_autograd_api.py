"""PyTorch's torch.autograd names (ag.autograd.grad, backward, functional.*), grad-mode
switches and device queries, checked against PyTorch itself where it is installed."""

import threading

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.autograd import functional as F

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3,))
Y = RNG.normal(size=(2, 3))
V3 = RNG.normal(size=(3,))
V23 = RNG.normal(size=(2, 3))


def ours(*arrays):
    return tuple(ag.Value(a.copy(), requires_grad=True) for a in arrays)


def theirs(*arrays):
    return tuple(torch.tensor(a, requires_grad=True) for a in arrays)


def same(a, b, tol=1e-10):
    """Equal structure (Value/tuple nesting) and numbers."""
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for p, q in zip(a, b):
            same(p, q, tol)
        return
    assert isinstance(a, ag.Value), type(a)
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=tol, atol=tol)


# the functions: one input one output, two inputs, two outputs
def f1(lib):
    return lambda x: lib.sin(x) * x ** 2


def f2(lib):
    return lambda x, y: lib.tanh(y @ x) * x.sum()


def f3(lib):
    return lambda x, y: (lib.exp(x) * y, (x ** 3).sum() + (y * y).sum())


def scalar(lib):
    return lambda x, y: (lib.sin(x) * (y ** 2).sum(axis=0) if lib is ag
                         else torch.sin(x) * (y ** 2).sum(dim=0)).sum() + (x ** 4).sum()


CASES = [(f1, (X,)), (f2, (X, Y)), (f3, (X, Y))]


def call(fn, lib_fn, arrays, make, **kwargs):
    inputs = make(*arrays)
    return fn(lib_fn, inputs if len(inputs) > 1 else inputs[0], **kwargs)


@pytest.mark.parametrize("make_f, arrays", CASES)
@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_matches_torch(make_f, arrays, create_graph):
    a = call(F.jacobian, make_f(ag), arrays, ours, create_graph=create_graph)
    b = call(TF.jacobian, make_f(torch), arrays, theirs, create_graph=create_graph)
    same(a, b)


@pytest.mark.parametrize("make_f, arrays", CASES)
def test_vjp_and_jvp_match_torch(make_f, arrays):
    outs = make_f(np)(*arrays) if make_f is not f2 else None
    if make_f is f1:
        v_out, v_in = V3, V3
    elif make_f is f2:
        v_out, v_in = RNG.normal(size=(2,)), (V3, V23)
    else:
        v_out, v_in = (RNG.normal(size=(2, 3)), np.array(1.5)), (V3, V23)
    del outs

    def wrap(v, kind):
        return tuple(kind(a) for a in v) if isinstance(v, tuple) else kind(v)
    a = call(F.vjp, make_f(ag), arrays, ours, v=wrap(v_out, ag.constant))
    b = call(TF.vjp, make_f(torch), arrays, theirs, v=wrap(v_out, torch.tensor))
    same(a, b)
    a = call(F.jvp, make_f(ag), arrays, ours, v=wrap(v_in, ag.constant))
    b = call(TF.jvp, make_f(torch), arrays, theirs, v=wrap(v_in, torch.tensor))
    same(a, b)


@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian_hvp_vhp_match_torch(create_graph):
    a = F.hessian(scalar(ag), ours(X, Y), create_graph=create_graph)
    b = TF.hessian(scalar(torch), theirs(X, Y), create_graph=create_graph)
    same(a, b)
    v = (ag.constant(V3), ag.constant(V23))
    tv = (torch.tensor(V3), torch.tensor(V23))
    for mine, torchs in ((F.hvp, TF.hvp), (F.vhp, TF.vhp)):
        same(mine(scalar(ag), ours(X, Y), v, create_graph=create_graph),
             torchs(scalar(torch), theirs(X, Y), tv, create_graph=create_graph))
    single_a = F.hessian(lambda x: (x ** 3).sum(), ours(X)[0])
    single_b = TF.hessian(lambda x: (x ** 3).sum(), theirs(X)[0])
    same(single_a, single_b)


def test_create_graph_results_differentiate_again_as_torch():
    (x,), (tx,) = ours(X), theirs(X)
    J = F.jacobian(f1(ag), x, create_graph=True)
    tJ = TF.jacobian(f1(torch), tx, create_graph=True)
    (g,) = ag.autograd.grad(J.sum(), x)
    (tg,) = torch.autograd.grad(tJ.sum(), tx)
    same(g, tg)


def test_strict_and_unused_inputs_as_torch():
    def f(x, y):
        return x * 2.0

    a = F.jacobian(f, ours(X, Y))
    assert np.all(a[1].numpy() == 0) and a[1].shape == (3, 2, 3)
    with pytest.raises(RuntimeError, match="does not depend on input 1"):
        F.vjp(f, ours(X, Y), ag.constant(V3), strict=True)
    with pytest.raises(RuntimeError):
        TF.vjp(f, theirs(X, Y), torch.tensor(V3), strict=True)


def test_bad_arguments_are_refused_with_the_reason():
    with pytest.raises(TypeError, match="value at index 1 has type ndarray"):
        F.jacobian(f2(ag), (ours(X)[0], Y))
    with pytest.raises(RuntimeError, match="only when the function returns one-element"):
        F.vjp(f1(ag), ours(X)[0])
    with pytest.raises(RuntimeError, match=r"mismatch in shape: v\[0\] has shape \(2,\)"):
        F.vjp(f1(ag), ours(X)[0], ag.constant(np.ones(2)))
    with pytest.raises(RuntimeError, match="single element"):
        F.hessian(f1(ag), ours(X)[0])
    with pytest.raises(ValueError, match="needs vectorize=True"):
        F.jacobian(f1(ag), ours(X)[0], strategy="forward-mode")


# --- ag.autograd.grad and backward ----------------------------------------------------------
def test_gradient_penalty_as_in_wgan_gp():
    """torch.autograd.grad(outputs=d, inputs=x, grad_outputs=ones, create_graph=True): the
    penalty's own gradient with respect to the weights, against PyTorch's."""
    rng = np.random.default_rng(1)
    W0, x0 = rng.normal(size=(4, 1)), rng.normal(size=(5, 4))
    W, x = ag.Value(W0, requires_grad=True), ag.Value(x0, requires_grad=True)
    tW, tx = torch.tensor(W0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    d = ag.tanh(x @ W)
    (gx,) = ag.autograd.grad(outputs=d, inputs=x, grad_outputs=ag.ones_like(d),
                             create_graph=True, retain_graph=True)
    penalty = ((gx.norm(2, axis=1) - 1) ** 2).mean()
    penalty.backward()
    td = torch.tanh(tx @ tW)
    (tgx,) = torch.autograd.grad(outputs=td, inputs=tx, grad_outputs=torch.ones_like(td),
                                 create_graph=True, retain_graph=True)
    ((tgx.norm(2, dim=1) - 1) ** 2).mean().backward()
    np.testing.assert_allclose(W.grad, tW.grad.numpy(), rtol=1e-10)


def test_grad_unused_materialized_and_batched_as_torch():
    (x, y), (tx, ty) = ours(X, Y), theirs(X, Y)
    out, tout = (x ** 2).sum(), (tx ** 2).sum()
    with pytest.raises(RuntimeError):
        ag.autograd.grad(out, (x, y), retain_graph=True)
    a = ag.autograd.grad(out, (x, y), materialize_grads=True)
    b = torch.autograd.grad(tout, (tx, ty), materialize_grads=True)
    same(a, b)
    assert ag.autograd.grad((x ** 2).sum(), (x, y), allow_unused=True)[1] is None
    seeds = np.eye(3)
    a = ag.autograd.grad(ag.sin(x), x, ag.constant(seeds), is_grads_batched=True)
    b = torch.autograd.grad(torch.sin(tx), tx, torch.tensor(seeds), is_grads_batched=True)
    same(a, b)


def test_autograd_backward_checks_every_tensor_before_the_first_pass():
    (x,) = ours(X)
    a, b = (x * 2).sum(), x * 3
    with pytest.raises(RuntimeError, match=r"tensors\[1\] has shape \(3,\)"):
        ag.autograd.backward([a, b])
    assert x.grad is None  # the first tensor's pass did not run
    ag.autograd.backward([a, b], [None, ag.constant(V3)])
    (tx,) = theirs(X)
    torch.autograd.backward([(tx * 2).sum(), tx * 3], [None, torch.tensor(V3)])
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


# --- grad mode and anomaly mode switches, per thread ----------------------------------------
def test_set_grad_enabled_as_function_context_and_decorator():
    x = ag.Value(2.0, requires_grad=True)
    ag.set_grad_enabled(False)
    try:
        assert not (x * x).requires_grad and not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(True)
    for phase in ("train", "val"):   # PyTorch's transfer-learning tutorial's loop
        with ag.set_grad_enabled(phase == "train"):
            assert (x * x).requires_grad == (phase == "train")
        assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def evaluate():
        return (x * x).requires_grad
    assert ag.is_grad_enabled()  # decorating changed nothing
    assert evaluate() is False and ag.is_grad_enabled()
    with pytest.raises(TypeError, match="True or False"):
        ag.set_grad_enabled("no")
    assert ag.is_grad_enabled()


def test_set_grad_enabled_is_per_thread():
    seen = []
    ready, done = threading.Event(), threading.Event()

    def other():
        ag.set_grad_enabled(False)
        ready.set()
        done.wait(5)
        seen.append(ag.is_grad_enabled())

    t = threading.Thread(target=other)
    t.start()
    ready.wait(5)
    assert ag.is_grad_enabled()  # the other thread's switch is its own
    done.set()
    t.join()
    assert seen == [False]


def test_set_detect_anomaly():
    ag.set_detect_anomaly(True)
    try:
        assert ag.is_anomaly_enabled()
        with pytest.raises(FloatingPointError), np.errstate(invalid="ignore"):
            ag.log(ag.Value(-1.0, requires_grad=True))
    finally:
        ag.set_detect_anomaly(False)
    assert not ag.is_anomaly_enabled()
    with ag.set_detect_anomaly(True):
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()


# --- devices ---------------------------------------------------------------------------------
def test_pytorch_tutorials_device_lines_run_on_the_cpu():
    device = "cuda" if ag.cuda.is_available() else "cpu"
    assert device == "cpu"
    device = (ag.accelerator.current_accelerator().type if ag.accelerator.is_available()
              else "cpu")
    assert device == "cpu" and ag.device(device) == "cpu"
    assert not ag.backends.mps.is_available() and ag.cuda.device_count() == 0
    ag.backends.cudnn.benchmark = True  # a setting with nothing to set on the CPU
    with pytest.raises(ValueError, match="CPU only"):
        ag.device("cuda")


@pytest.mark.parametrize("name", ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"])
def test_functional_records_under_no_grad_as_torch(name):
    """PyTorch's functions enable grad inside: under the caller's no_grad they give the
    same derivatives, where recording nothing would give zeros."""
    x = np.array([0.3, -1.1, 2.0])
    v = np.array([1.0, 0.5, -2.0])

    def f(lib):
        return lambda a: (lib.sin(a) * a ** 2).sum()

    args = {"vjp": (), "jvp": (v,), "jacobian": (), "hessian": (), "vhp": (v,), "hvp": (v,)}
    with torch.no_grad():
        theirs = getattr(TF, name)(f(torch), torch.tensor(x), *map(torch.tensor, args[name]))
    with ag.no_grad():
        ours = getattr(F, name)(f(ag), ag.constant(x), *map(ag.constant, args[name]))
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    ours = ours if isinstance(ours, tuple) else (ours,)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a.data), b.numpy(), rtol=1e-12, atol=1e-14)
    assert np.any(np.asarray(ours[-1].data) != 0)
