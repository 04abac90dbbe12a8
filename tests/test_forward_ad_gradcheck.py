"""PyTorch's forward-mode AD (``autograd.forward_ad``), a Function's own ``jvp``, and
``autograd.gradcheck``/``gradgradcheck``: PyTorch's forward-mode AD tutorial ported by
renaming, checked against PyTorch itself and against central differences."""

from __future__ import annotations

import threading

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd_core as ag
import autograd_core.autograd.forward_ad as fwAD
import nn
from autograd_core.autograd import GradcheckError, gradcheck, gradgradcheck

torch = pytest.importorskip("torch", reason="the comparisons run PyTorch itself")
import torch.autograd.forward_ad as tfwAD  # noqa: E402


def _t(a):
    return torch.from_numpy(np.array(a, dtype=np.float64))


# --- the tutorial, part by part ------------------------------------------------------


def test_tutorial_basic_use_matches_torch():
    rng = np.random.default_rng(0)
    p, t, other = (rng.normal(size=(10, 10)) for _ in range(3))
    primal, tangent = ag.constant(p), ag.constant(t)

    def fn(x, y):
        return x ** 2 + y ** 2

    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        assert fwAD.unpack_dual(dual_input).tangent is tangent
        dual_input_alt = fwAD.make_dual(primal, tangent.T)
        assert fwAD.unpack_dual(dual_input_alt).tangent is not tangent
        dual_output = fn(dual_input, ag.constant(other))
        jvp = fwAD.unpack_dual(dual_output).tangent
        jvp_alt = fwAD.unpack_dual(fn(dual_input_alt, ag.constant(other))).tangent
    assert fwAD.unpack_dual(dual_output).tangent is None
    with tfwAD.dual_level():
        theirs = tfwAD.unpack_dual(fn(tfwAD.make_dual(_t(p), _t(t)), _t(other))).tangent
        theirs_alt = tfwAD.unpack_dual(fn(tfwAD.make_dual(_t(p), _t(t).T), _t(other))).tangent
    np.testing.assert_allclose(jvp.numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(jvp_alt.numpy(), theirs_alt.numpy(), rtol=1e-12)
    assert not dual_output.requires_grad  # forward mode alone records no reverse graph


def test_tutorial_modules_match_torch():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 5))
    ours, theirs = nn.Linear(5, 5), torch.nn.Linear(5, 5).double()
    tangents = {"weight": rng.uniform(size=(5, 5)), "bias": rng.uniform(size=(5,))}
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            getattr(ours, name).data = p.numpy().astype(np.float64).copy()
    params = dict(ours.named_parameters())
    with fwAD.dual_level():
        for name, p in params.items():
            delattr(ours, name)
            setattr(ours, name, fwAD.make_dual(p, ag.constant(tangents[name])))
        jvp = fwAD.unpack_dual(ours(ag.constant(x))).tangent
    tparams = {name: p.detach() for name, p in theirs.named_parameters()}
    with tfwAD.dual_level():
        for name, p in tparams.items():
            delattr(theirs, name)
            setattr(theirs, name, tfwAD.make_dual(p, _t(tangents[name])))
        expected = tfwAD.unpack_dual(theirs(_t(x))).tangent
    np.testing.assert_allclose(jvp.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_tutorial_functional_call_matches_torch():
    """The tutorial's third way: dual parameters through ``functional_call``."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(16, 5))
    ours, theirs = nn.Linear(5, 5), torch.nn.Linear(5, 5).double()
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    ours.double()
    tangents = {name: rng.uniform(size=p.shape) for name, p in theirs.named_parameters()}
    with fwAD.dual_level():
        dual_params = {name: fwAD.make_dual(p, ag.constant(tangents[name]))
                       for name, p in ours.named_parameters()}
        jvp = fwAD.unpack_dual(ag.func.functional_call(ours, dual_params,
                                                       ag.constant(x))).tangent
    with tfwAD.dual_level():
        dual_params = {name: tfwAD.make_dual(p.detach(), _t(tangents[name]))
                       for name, p in theirs.named_parameters()}
        expected = tfwAD.unpack_dual(torch.func.functional_call(theirs, dual_params,
                                                                _t(x))).tangent
    np.testing.assert_allclose(jvp.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


class _Exp(ag.autograd.Function):
    """The tutorial's Function: forward and jvp, no backward."""

    @staticmethod
    def forward(ctx, foo):
        result = ag.exp(foo)
        ctx.result = result
        return result

    @staticmethod
    def jvp(ctx, gI):
        gO = gI * ctx.result
        del ctx.result  # the tutorial frees it: jvp must run once per use
        return gO


def test_tutorial_custom_function_jvp():
    rng = np.random.default_rng(2)
    p, t = rng.normal(size=(10, 10)), rng.normal(size=(10, 10))
    primal = ag.Value(p, requires_grad=True)
    with fwAD.dual_level():
        dual_output = _Exp.apply(fwAD.make_dual(primal, ag.constant(t)))
        jvp = fwAD.unpack_dual(dual_output).tangent
    np.testing.assert_allclose(jvp.numpy(), np.exp(p) * t, rtol=1e-13)
    assert gradcheck(_Exp.apply, (primal,), check_forward_ad=True, check_backward_ad=False,
                     check_undefined_grad=False, check_batched_grad=False)
    # With only jvp given, reverse mode differentiates through its transpose.
    _Exp.apply(primal).sum().backward()
    np.testing.assert_allclose(primal.grad, np.exp(p), rtol=1e-13)


# --- forward mode against PyTorch's on random shapes -----------------------------------

_floats = st.floats(-2, 2, allow_nan=False, width=64)


@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3), data=st.data())
def test_jvp_matches_torch_on_broadcast_shapes(shapes, data):
    (sa, sb), _ = shapes
    a = data.draw(hnp.arrays(np.float64, sa, elements=_floats))
    b = data.draw(hnp.arrays(np.float64, sb, elements=_floats))
    ta = data.draw(hnp.arrays(np.float64, sa, elements=_floats))
    tb = data.draw(hnp.arrays(np.float64, sb, elements=_floats))

    def f(lib, x, y):
        return lib.tanh(x * y) + lib.exp(-x ** 2) / (1 + y ** 2)

    with fwAD.dual_level():
        out = f(ag, fwAD.make_dual(ag.constant(a), ag.constant(ta)),
                fwAD.make_dual(ag.constant(b), ag.constant(tb)))
        ours = fwAD.unpack_dual(out).tangent
    with tfwAD.dual_level():
        theirs = tfwAD.unpack_dual(f(torch, tfwAD.make_dual(_t(a), _t(ta)),
                                     tfwAD.make_dual(_t(b), _t(tb)))).tangent
    np.testing.assert_allclose(np.asarray(ours.data), theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_function_jvp_is_used_in_forward_mode_even_with_a_backward():
    """PyTorch's forward mode calls a Function's jvp; so does this one, so a wrong jvp is
    seen (and gradcheck's check_forward_ad can fail), while backward stays in use for
    reverse mode."""
    class Square(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return 3 * x * t  # wrong on purpose

    x = ag.Value(np.array([1.0, -2.0]), requires_grad=True)
    with fwAD.dual_level():
        jvp = fwAD.unpack_dual(Square.apply(fwAD.make_dual(x, ag.constant([1.0, 1.0])))).tangent
    np.testing.assert_allclose(jvp.numpy(), [3.0, -6.0])
    assert gradcheck(Square.apply, (x,))  # backward is right
    assert not gradcheck(Square.apply, (x,), check_forward_ad=True, raise_exception=False)


# --- levels: errors, and one per thread ----------------------------------------------


def test_make_dual_refuses_bad_calls_and_levels_do_not_nest():
    x = ag.constant([1.0, 2.0])
    with pytest.raises(RuntimeError, match="no dual level is open"):
        fwAD.make_dual(x, ag.constant([1.0, 1.0]))
    with fwAD.dual_level():
        with pytest.raises(ValueError, match=r"tangent has shape \(3,\).*\(2,\)"):
            fwAD.make_dual(x, ag.constant([1.0, 1.0, 1.0]))
        with pytest.raises(TypeError, match="floating point"):
            fwAD.make_dual(ag.constant(np.array([1, 2])), np.array([1, 1]))
        with pytest.raises(RuntimeError, match="already open"):
            fwAD.enter_dual_level()
    with pytest.raises(RuntimeError, match="no dual level is open"):
        fwAD.exit_dual_level()
    assert fwAD.unpack_dual(x) == (x, None)


def test_dual_levels_are_per_thread():
    x = ag.constant(np.array([1.0, 2.0]))
    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def other():
        inside.wait(5)
        try:  # this thread has no level, whatever the main thread has
            fwAD.make_dual(x, np.ones(2))
        except RuntimeError as e:
            seen["error"] = str(e)
        with fwAD.dual_level():
            y = fwAD.make_dual(x, np.full(2, 2.0)) * 3
            seen["jvp"] = fwAD.unpack_dual(y).tangent.numpy()
        outside.set()

    t = threading.Thread(target=other)
    t.start()
    with fwAD.dual_level():
        y = fwAD.make_dual(x, np.ones(2)) * 5
        inside.set()
        outside.wait(5)
        mine = fwAD.unpack_dual(y).tangent.numpy()
    t.join()
    assert "no dual level" in seen["error"]
    np.testing.assert_allclose(seen["jvp"], [6.0, 6.0])
    np.testing.assert_allclose(mine, [5.0, 5.0])


# --- gradcheck and gradgradcheck -------------------------------------------------------


def _pair(seed=3):
    rng = np.random.default_rng(seed)
    return (ag.Value(rng.normal(size=(3, 2)), requires_grad=True),
            ag.Value(rng.normal(size=(2, 4)), requires_grad=True))


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_passes_where_torch_passes(fast_mode):
    x, w = _pair()
    f = lambda a, b: (ag.tanh(a @ b), (a * a).sum())  # noqa: E731  two outputs
    tf = lambda a, b: (torch.tanh(a @ b), (a * a).sum())  # noqa: E731
    args = tuple(_t(v.data).requires_grad_() for v in (x, w))
    assert torch.autograd.gradcheck(tf, args, fast_mode=fast_mode)
    assert gradcheck(f, (x, w), fast_mode=fast_mode, check_forward_ad=True,
                     check_batched_grad=not fast_mode, check_grad_dtypes=True)
    assert torch.autograd.gradgradcheck(tf, args, fast_mode=fast_mode)
    assert gradgradcheck(f, (x, w), fast_mode=fast_mode, check_fwd_over_rev=True)


class _HalfSquare(ag.autograd.Function):
    """x**2 with the wrong gradient x (half of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_finds_a_wrong_backward(fast_mode):
    x, _ = _pair()
    before = x.data.copy()
    data_object = x.data
    with pytest.raises(GradcheckError, match="mismatch"):
        gradcheck(_HalfSquare.apply, (x,), fast_mode=fast_mode)
    assert gradcheck(_HalfSquare.apply, (x,), fast_mode=fast_mode,
                     raise_exception=False) is False
    assert x.data is data_object and np.array_equal(x.data, before)  # put back as it was


def test_gradgradcheck_finds_a_wrong_second_derivative():
    class Cube(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # Right first derivative 3 x**2, but written through a constant copy of x,
            # so its own derivative is lost: what gradgradcheck exists to catch.
            return g * 3 * ag.constant(x.data) ** 2

    x = ag.Value(np.array([0.5, -1.5]), requires_grad=True)
    assert gradcheck(Cube.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(Cube.apply, (x,))


def test_gradcheck_checks_dtypes_and_reentrance():
    x = ag.Value(np.array([0.5, 1.5]), requires_grad=True)

    class Float32Grad(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2).astype(np.float32)

    rng = np.random.default_rng(0)

    class Noisy(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2 + rng.normal(scale=1e-7, size=g.shape)

    # The engine casts gradients to their input's dtype; a float32 backward loses digits.
    assert gradcheck(Float32Grad.apply, (x,), check_grad_dtypes=True)
    with pytest.raises(GradcheckError, match="reentrant"):
        gradcheck(Noisy.apply, (x,), atol=1e-3)
    assert gradcheck(Noisy.apply, (x,), atol=1e-3, nondet_tol=1e-5)


def test_gradcheck_scalar_input_and_refusals():
    s = ag.Value(np.float64(0.3), requires_grad=True)
    assert gradcheck(lambda a: a ** 3, (s,), check_forward_ad=True)
    assert type(s.data) is np.float64 and s.data == 0.3
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda a: a * 2, (ag.constant([1.0]),))
    with pytest.raises(NotImplementedError, match="batched forward"):
        gradcheck(lambda a: a * 2, (s,), check_batched_forward_grad=True)
    with pytest.raises(TypeError, match="not a Value"):
        gradcheck(lambda a: 2.0, (s,))


def test_forward_mode_is_not_turned_off_by_no_grad():
    """PyTorch's no_grad stops reverse-mode recording only: tangents still flow, and the
    results still require no grad."""
    p, t = np.array([0.3, -1.2]), np.array([1.0, 2.0])
    x = ag.Value(p, requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, ag.constant(t))
        with ag.no_grad():
            y = ag.sin(d) * d
        ours = fwAD.unpack_dual(y).tangent
        assert not y.requires_grad
    with tfwAD.dual_level():
        td = tfwAD.make_dual(_t(p), _t(t))
        with torch.no_grad():
            theirs = tfwAD.unpack_dual(torch.sin(td) * td).tangent
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13)
    # and outside a level, no_grad records nothing at all
    with ag.no_grad():
        z = ag.sin(x) * x
    assert z.op is None and not z.requires_grad
