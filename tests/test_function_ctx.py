"""``ag.autograd.Function`` as PyTorch 2 writes it: ``setup_context`` (forward without
ctx, the style torch.func asks for), several outputs, ``mark_non_differentiable``,
``set_materialize_grads`` and ``once_differentiable``; with ``torch.func.linearize`` and
``functionalize``, ``detect_anomaly(check_nan=...)`` and ``Tensor.index_add_``. PyTorch's
documentation examples ported by renaming and run beside torch 2.13 in float64."""

import collections

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.autograd.function import once_differentiable


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


X = np.array([0.5, -1.5, 2.0])


def my_cube(lib):
    """torch.func's "Extending torch.func with autograd.Function" example: two outputs,
    forward without ctx, and a backward that uses both upstream gradients."""
    class MyCube(lib.autograd.Function):
        @staticmethod
        def forward(x):
            result = x ** 3
            dx = 3 * x ** 2
            return result, dx

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, = inputs
            result, dx = output
            ctx.save_for_backward(x, dx)

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            result = grad_output * dx + grad_dx * 6 * x
            return result
    return MyCube


def test_setup_context_and_two_outputs_as_torch(torch):
    ours, theirs = my_cube(ag), my_cube(torch)
    x = ag.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    y, dx = ours.apply(x)
    ty, tdx = theirs.apply(tx)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy())
    np.testing.assert_allclose(dx.numpy(), tdx.detach().numpy())
    assert y.requires_grad and dx.requires_grad
    # both outputs' gradients reach backward together
    (y.sum() + (dx * dx).sum()).backward()
    (ty.sum() + (tdx * tdx).sum()).backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_a_function_under_the_transforms_and_twice_differentiated(torch):
    ours, theirs = my_cube(ag), my_cube(torch)

    def f(lib, cube):
        return lambda x: cube.apply(x)[0].sum()
    # the docs' own check: torch.func.grad of the cube's sum is 3 x**2
    np.testing.assert_allclose(ag.func.grad(f(ag, ours))(X), 3 * X ** 2)
    # the second derivative, through backward's own ops: d/dx sum(3 x**2) = 6 x
    np.testing.assert_allclose(
        ag.func.grad(lambda x: ag.func.grad(f(ag, ours))(x).sum())(X),
        torch.func.grad(lambda x: torch.func.grad(f(torch, theirs))(x).sum())(
            torch.tensor(X)).numpy())
    np.testing.assert_allclose(ag.func.grad(lambda x: ag.func.grad(f(ag, ours))(x).sum())(X),
                               6 * X)
    batch = np.stack([X, 2 * X])
    np.testing.assert_allclose(ag.vmap(lambda x: ours.apply(x)[1])(batch), 3 * batch ** 2)


def sorter(lib, decorate, materialize=True, seen=None):
    """PyTorch's mark_non_differentiable example: sorted values and their indices."""
    class Func(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            sorted, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return sorted, idx

        @staticmethod
        @decorate
        def backward(ctx, g1, g2):  # still need to accept g2
            if seen is not None:
                seen.append(g2)
            x, idx = ctx.saved_tensors
            grad_input = lib.zeros_like(x)
            grad_input.index_add_(0, idx, g1)
            return grad_input
    return Func


def test_a_non_differentiable_output_and_once_differentiable_as_torch(torch):
    ours = sorter(ag, once_differentiable)
    theirs = sorter(torch, torch.autograd.function.once_differentiable)
    x = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    tx = torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (s, i), (ts, ti) = ours.apply(x), theirs.apply(tx)
    assert i.dtype == np.int64 and not i.requires_grad and not ti.requires_grad
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    w = np.array([1.0, 10.0, 100.0])
    (s * w).sum().backward()
    (ts * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    # differentiating once_differentiable's gradient again raises, as in PyTorch
    x2 = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (g,) = ag.gradients((ours.apply(x2)[0] ** 2).sum(), x2, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked "
                                           "with @once_differentiable"):
        g.sum().backward()
    tx2 = torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad((theirs.apply(tx2)[0] ** 2).sum(), tx2, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        tg.sum().backward()


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(torch, materialize):
    seen, t_seen = [], []
    x = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    tx = torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    sorter(ag, lambda f: f, materialize, seen).apply(x)[0].sum().backward()
    sorter(torch, lambda f: f, materialize, t_seen).apply(tx)[0].sum().backward()
    if materialize:  # zeros for the indices' gradient
        np.testing.assert_array_equal(ag.tensor(seen[0]).numpy(), t_seen[0].numpy())
        assert seen[0].shape == (3,)
    else:
        assert seen[0] is None and t_seen[0] is None


def test_outputs_of_two_float_dtypes_and_a_named_tuple():
    Pair = collections.namedtuple("Pair", "single double")

    class Split(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return Pair(x.astype(np.float32) * 2, x * 3)

        @staticmethod
        def backward(ctx, g_single, g_double):
            assert g_single.dtype == np.float32 and g_double.dtype == np.float64
            return g_single.astype(np.float64) * 2 + g_double * 3
    x = ag.tensor(X, requires_grad=True)
    out = Split.apply(x)
    assert isinstance(out, Pair)
    assert out.single.dtype == np.float32 and out.double.dtype == np.float64
    (out.single.sum() * 10 + out.double.sum()).backward()
    np.testing.assert_allclose(x.grad, np.full(3, 23.0))


def test_a_function_with_no_differentiable_output_makes_no_node():
    class Positive(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return (x.numpy() > 0).astype(np.int64)

        @staticmethod
        def backward(ctx, g):
            return None
    y = Positive.apply(ag.tensor(X, requires_grad=True))
    assert y.dtype == np.int64 and not y.requires_grad and y.op is None
    np.testing.assert_array_equal(y.numpy(), [1, 0, 1])


# --- torch.func.linearize and functionalize, anomaly mode's check_nan, index_add_ -----------

def test_linearize_as_torch_func(torch):
    out, jvp_fn = ag.func.linearize(ag.sin, X)
    t_out, t_jvp_fn = torch.func.linearize(torch.sin, torch.tensor(X))
    np.testing.assert_allclose(out, t_out.numpy())
    for v in (np.ones(3), np.array([0.5, -2.0, 3.0])):
        np.testing.assert_allclose(jvp_fn(v), t_jvp_fn(torch.tensor(v)).numpy())
    with pytest.raises(ValueError, match="linearize: jvp_fn takes 1 tangents"):
        jvp_fn(np.ones(3), np.ones(3))


def test_functionalize_gives_the_functions_numbers():
    f = ag.func.functionalize(lambda x: x * 2 + 1)
    np.testing.assert_allclose(ag.func.grad(lambda x: f(x).sum())(X), 2.0)
    with pytest.raises(ValueError, match="functionalize: remove must be"):
        ag.func.functionalize(ag.sin, remove="views")


def test_detect_anomaly_check_nan():
    x = ag.tensor([0.0], requires_grad=True)
    with ag.autograd.detect_anomaly(check_nan=False):
        assert not ag.is_anomaly_enabled()
        ag.sqrt(x * -1.0).sum().backward()  # NaN, unchecked as in PyTorch
    with ag.autograd.detect_anomaly():
        with pytest.raises(FloatingPointError, match="Sqrt"):
            ag.sqrt(x * -1.0).sum().backward()
        with ag.autograd.detect_anomaly(check_nan=False):  # the inner block's choice
            assert not ag.is_anomaly_enabled()
        assert ag.is_anomaly_enabled()
    with ag.autograd.set_detect_anomaly(True, check_nan=False):
        assert not ag.is_anomaly_enabled()
    with pytest.raises(TypeError, match="check_nan must be True or False"):
        ag.autograd.detect_anomaly(check_nan=1)


def test_index_add_in_place_as_torch(torch):
    a = np.arange(12.0).reshape(3, 4)
    index = np.array([0, 2, 0])
    source = np.arange(9.0).reshape(3, 3) + 1
    v = ag.tensor(a.copy())
    assert v.index_add_(1, ag.tensor(index), ag.tensor(source), alpha=2) is v
    t = torch.tensor(a.copy()).index_add_(1, torch.tensor(index), torch.tensor(source),
                                          alpha=2)
    np.testing.assert_allclose(v.numpy(), t.numpy())
