"""PyTorch's top-level functions, checked against torch itself: forward values on random
float64 inputs, gradients against torch.autograd.grad, and the edge cases torch defines
(div's rounding of negatives, float_power's float64, svd's V, slogdet of a singular
matrix). Sampling, settings and vmap are in test_torch_toplevel_more.py."""

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch")

rng = np.random.default_rng(2024)


def normal(*shape):
    return rng.normal(size=shape)


def _torch_grads(fn, arrays, seed):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    return y.detach().numpy(), [g.numpy() if g is not None else None for g in torch.autograd.grad(
        y, ts, torch.tensor(seed), allow_unused=True)]


def check(ours, theirs, arrays, atol=1e-10, grads=True):
    """Forward of ``ours`` on Values against ``theirs`` on tensors, and every input's
    gradient for one random seed."""
    vs = [ag.Value(a, requires_grad=True) for a in arrays]
    y = ours(*vs)
    expected = theirs(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(y.data, expected.numpy(), atol=atol, rtol=1e-9)
    assert y.dtype == np.dtype(str(expected.dtype).replace("torch.", ""))
    if not grads:
        return
    seed = normal(*y.shape)
    _, expected_grads = _torch_grads(theirs, arrays, seed)
    found = ag.gradients(y, vs, seed, allow_unused=True)
    for g, e in zip(found, expected_grads):
        if e is None or g is None:
            assert not np.any(g) and not np.any(e)
        else:
            np.testing.assert_allclose(g, e, atol=atol, rtol=1e-8)


# --- arithmetic ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["mul", "sub", "true_divide", "div"])
def test_binary_arithmetic(name):
    a, b = normal(3, 4), normal(4) + 3
    check(getattr(ag, name), getattr(torch, name), [a, b])


def test_sub_and_rsub_alpha():
    a, b = normal(2, 3), normal(2, 3)
    check(lambda x, y: ag.sub(x, y, alpha=2.5), lambda x, y: torch.sub(x, y, alpha=2.5), [a, b])
    check(lambda x, y: ag.rsub(x, y, alpha=-3), lambda x, y: torch.rsub(x, y, alpha=-3), [a, b])
    check(lambda x: ag.rsub(x, 2.0), lambda x: torch.rsub(x, 2.0), [a])


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_of_negatives(mode):
    a = np.array([-7.0, -7.5, 7.0, 7.5, -1.0, 0.5])
    b = np.array([2.0, 2.0, -2.0, 2.0, 3.0, -0.25])
    check(lambda x, y: ag.div(x, y, rounding_mode=mode),
          lambda x, y: torch.div(x, y, rounding_mode=mode), [a, b])
    ints_a, ints_b = np.array([-7, 7, -8, 9, 0]), np.array([2, -2, 3, 4, -5])
    ours = ag.div(ag.tensor(ints_a), ag.tensor(ints_b), rounding_mode=mode)
    theirs = torch.div(torch.tensor(ints_a), torch.tensor(ints_b), rounding_mode=mode)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.int64


def test_div_of_integers_is_a_float_of_the_default_dtype():
    ours = ag.div(ag.tensor([7, -7]), ag.tensor([2, 2]))
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours.numpy(), [3.5, -3.5])
    with pytest.raises(ValueError, match="rounding_mode"):
        ag.div(ag.tensor([1.0]), 2.0, rounding_mode="round")


def test_neg_absolute_ldexp():
    a = normal(5)
    check(ag.neg, torch.neg, [a])
    check(ag.absolute, torch.absolute, [a + 0.1 * np.sign(a)])
    check(ag.ldexp, torch.ldexp, [a, normal(5)])
    np.testing.assert_array_equal(ag.ldexp(ag.tensor(a), ag.tensor([1, 2, 3, -1, 0])).numpy(),
                                  torch.ldexp(torch.tensor(a),
                                              torch.tensor([1, 2, 3, -1, 0])).numpy())


def test_float_power_computes_in_float64():
    a, b = np.abs(normal(4)).astype(np.float32) + 0.5, normal(4).astype(np.float32)
    ours = ag.float_power(ag.Value(a, requires_grad=True), ag.Value(b))
    theirs = torch.float_power(torch.tensor(a), torch.tensor(b))
    assert ours.dtype == np.float64 and theirs.dtype == torch.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    check(ag.float_power, torch.float_power, [np.abs(normal(3)) + 0.5, normal(3)])
    ints = ag.float_power(ag.tensor([2, 3]), 2)
    assert ints.dtype == np.float64 and ints.numpy().tolist() == [4.0, 9.0]
    assert ag.Value([2.0]).float_power(3).numpy().tolist() == [8.0]


@pytest.mark.parametrize("name", ["eq", "ne", "gt", "ge", "lt", "le"])
def test_comparisons(name):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    ours = getattr(ag, name)(ag.Value(a), ag.Value(b))
    np.testing.assert_array_equal(np.asarray(ours), getattr(torch, name)(
        torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(np.asarray(getattr(ag, name)(ag.Value(a), 2.0)),
                                  getattr(torch, name)(torch.tensor(a), 2.0).numpy())
    np.testing.assert_array_equal(np.asarray(getattr(ag.Value(a), name)(ag.Value(b))),
                                  np.asarray(ours))


@pytest.mark.parametrize("name", ["gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor",
                                  "bitwise_left_shift", "bitwise_right_shift"])
def test_integer_functions(name):
    a = rng.integers(-40, 40, 12)
    b = rng.integers(0, 5, 12) if "shift" in name else rng.integers(-40, 40, 12)
    ours = getattr(ag, name)(ag.tensor(a), ag.tensor(b))
    theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == np.int64 and not ours.requires_grad
    np.testing.assert_array_equal(getattr(ag.tensor(a), name)(ag.tensor(b)).numpy(),
                                  theirs.numpy())
    with pytest.raises(TypeError, match=name):
        getattr(ag, name)(ag.tensor(a * 1.0), ag.tensor(b))


def test_bitwise_not_and_booleans():
    a = rng.integers(-40, 40, 6)
    np.testing.assert_array_equal(ag.bitwise_not(ag.tensor(a)).numpy(),
                                  torch.bitwise_not(torch.tensor(a)).numpy())
    m = np.array([True, False, True])
    np.testing.assert_array_equal(ag.bitwise_not(ag.tensor(m)).numpy(), [False, True, False])
    np.testing.assert_array_equal(ag.bitwise_xor(ag.tensor(m), ag.tensor(m[::-1])).numpy(),
                                  [False, False, False])


def test_frexp_and_nextafter():
    a = normal(6) * 100
    mantissa, exponent = ag.frexp(ag.Value(a))
    theirs = torch.frexp(torch.tensor(a))
    np.testing.assert_array_equal(mantissa.numpy(), theirs.mantissa.numpy())
    np.testing.assert_array_equal(exponent.numpy(), theirs.exponent.numpy())
    assert exponent.dtype == np.int32 and ag.frexp(ag.Value(a)).mantissa.shape == (6,)
    b = normal(6)
    np.testing.assert_array_equal(ag.nextafter(ag.Value(a), ag.Value(b)).numpy(),
                                  torch.nextafter(torch.tensor(a), torch.tensor(b)).numpy())
    with pytest.raises(TypeError, match="frexp"):
        ag.frexp(ag.tensor([1, 2]))


def test_numpy_ufuncs_answered():
    a = ag.tensor([12, 18])
    np.testing.assert_array_equal(np.gcd(a, 8).numpy(), [4, 2])
    assert isinstance(np.float_power(ag.Value([2.0]), 2), ag.Value)


# --- linear algebra ----------------------------------------------------------------------------

def _sign_free(U, S, V):
    return U @ ag.diag(S) @ V.T if isinstance(U, ag.Value) else U @ torch.diag(S) @ V.T


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_svd_returns_V_not_Vh(shape):
    A = normal(*shape)
    U, S, V = ag.svd(ag.Value(A))
    tU, tS, tV = torch.svd(torch.tensor(A))
    assert V.shape == tuple(tV.shape) and U.shape == tuple(tU.shape)
    np.testing.assert_allclose(S.numpy(), tS.numpy(), atol=1e-12)
    np.testing.assert_allclose(np.abs(V.numpy()), np.abs(tV.numpy()), atol=1e-10)
    np.testing.assert_allclose((U.numpy() * S.numpy()) @ V.numpy().T, A, atol=1e-12)
    check(lambda a: _sign_free(*ag.svd(a)) + ag.svd(a).S.sum(),
          lambda a: _sign_free(*torch.svd(a)) + torch.svd(a).S.sum(), [A], atol=1e-9)
    check(lambda a: (ag.svd(a).V[:, 0] ** 2), lambda a: torch.svd(a).V[:, 0] ** 2, [A],
          atol=1e-8)


def test_svd_without_uv_and_complete():
    A = normal(5, 3)
    U, S, V = ag.svd(ag.Value(A), compute_uv=False)
    tU, tS, tV = torch.svd(torch.tensor(A), compute_uv=False)
    assert U.shape == tuple(tU.shape) and V.shape == tuple(tV.shape) and not U.numpy().any()
    U, S, V = ag.svd(ag.Value(normal(4, 4)), some=False)
    assert U.shape == (4, 4) and V.shape == (4, 4)


def test_slogdet_of_regular_and_singular_matrices():
    A = normal(4, 4)
    sign, logabsdet = ag.slogdet(ag.Value(A))
    t = torch.slogdet(torch.tensor(A))
    assert float(sign) == float(t.sign)
    check(lambda a: ag.slogdet(a).logabsdet, lambda a: torch.slogdet(a).logabsdet, [A])
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    ours, theirs = ag.slogdet(ag.Value(singular)), torch.slogdet(torch.tensor(singular))
    assert float(ours.sign) == float(theirs.sign) == 0
    assert float(ours.logabsdet) == float(theirs.logabsdet) == -np.inf


def test_matrix_power_vdot_addr_adjoint():
    A = normal(3, 3)
    for n in (0, 1, 3, -2):
        check(lambda a: ag.matrix_power(a, n), lambda a: torch.matrix_power(a, n), [A],
              atol=1e-9)
    check(ag.vdot, torch.vdot, [normal(5), normal(5)])
    # numpy's vdot flattens both operands first (JAX's jnp.vdot too): where the names
    # differ in reach, numpy's wins, and torch.vdot's 1-D case is the same number
    check(ag.vdot, lambda a, b: torch.vdot(a.flatten(), b.flatten()),
          [normal(2, 3), normal(3, 2)])
    np.testing.assert_allclose(np.vdot(ag.Value(A), ag.Value(A.T)).numpy(), np.vdot(A, A.T))
    with pytest.raises(ValueError, match=r"vdot: .*shapes \(2, 2\) \(4\) and \(5,\) \(5\)"):
        ag.vdot(ag.Value(normal(2, 2)), ag.Value(normal(5)))
    check(ag.addr, torch.addr, [normal(3, 4), normal(3), normal(4)])
    check(lambda m, u, v: ag.addr(m, u, v, beta=0.5, alpha=-2),
          lambda m, u, v: torch.addr(m, u, v, beta=0.5, alpha=-2),
          [normal(3, 4), normal(3), normal(4)])
    nan = np.full((2, 2), np.nan)
    np.testing.assert_array_equal(ag.addr(ag.Value(nan), ag.Value([1.0, 2.0]),
                                          ag.Value([1.0, 1.0]), beta=0).numpy(),
                                  [[1, 1], [2, 2]])
    check(ag.adjoint, lambda a: torch.adjoint(a).clone(), [normal(2, 3, 4)])
    check(ag.matrix_exp, torch.matrix_exp, [normal(3, 3) / 2], atol=1e-9)


def _spd(n):
    a = normal(n, n)
    return a @ a.T + n * np.eye(n)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    L = np.linalg.cholesky(_spd(4))
    L = L.T if upper else L
    check(lambda l, b: ag.cholesky_solve(b, l, upper),
          lambda l, b: torch.cholesky_solve(b, l, upper), [L, normal(4, 2)], atol=1e-9)
    check(lambda l: ag.cholesky_inverse(l, upper),
          lambda l: torch.cholesky_inverse(l, upper), [L], atol=1e-9)
    check(lambda a: ag.cholesky(a, upper), lambda a: torch.linalg.cholesky(a, upper=upper),
          [_spd(3)], atol=1e-9)


@pytest.mark.parametrize("upper, transpose, unitriangular",
                         [(True, False, False), (False, False, False), (True, True, False),
                          (False, True, True)])
def test_triangular_solve(upper, transpose, unitriangular):
    A, b = normal(4, 4) + 4 * np.eye(4), normal(4, 3)
    out = ag.triangular_solve(ag.Value(b), ag.Value(A), upper, transpose, unitriangular)
    theirs = torch.triangular_solve(torch.tensor(b), torch.tensor(A), upper, transpose,
                                    unitriangular)
    np.testing.assert_allclose(out.solution.numpy(), theirs.solution.numpy(), atol=1e-10)
    np.testing.assert_array_equal(out.cloned_coefficient.numpy(), A)
    check(lambda a, b: ag.triangular_solve(b, a, upper, transpose, unitriangular).solution,
          lambda a, b: torch.triangular_solve(b, a, upper, transpose, unitriangular).solution,
          [A, b], atol=1e-9)


def test_qr_top_level():
    A = normal(5, 3)
    Q, R = ag.qr(ag.Value(A))
    tQ, tR = torch.qr(torch.tensor(A)) if hasattr(torch, "qr") else torch.linalg.qr(
        torch.tensor(A))
    np.testing.assert_allclose(np.abs(R.numpy()), np.abs(tR.numpy()), atol=1e-10)
    np.testing.assert_allclose(Q.numpy() @ R.numpy(), A, atol=1e-12)
    assert ag.qr(ag.Value(A), some=False).Q.shape == (5, 5)


# --- network functions ------------------------------------------------------------------------

def test_elementwise_network_functions():
    x = normal(4, 5)
    check(lambda a: ag.threshold(a, 0.1, -2.0), lambda a: torch.threshold(a, 0.1, -2.0), [x])
    # torch's celu backward forms (y + alpha) / alpha, good to ~1e-8 near y = -alpha
    check(lambda a: ag.celu(a, 0.7), lambda a: torch.celu(a, 0.7), [x], atol=1e-7)
    check(ag.celu, torch.celu, [np.array([1000.0, -3.0, 0.5])])
    check(lambda a: ag.hardshrink(a, 0.3), lambda a: torch.hardshrink(a, 0.3), [x])
    check(ag.rrelu, torch.rrelu, [x])
    check(ag.prelu, torch.prelu, [normal(2, 3, 4), np.array([0.1, -0.2, 0.3])])
    check(ag.prelu, torch.prelu, [normal(2, 3), np.array([0.25])])


def test_rrelu_training_draws_slopes_between_lower_and_upper():
    ag.manual_seed(0)
    x = ag.Value(-np.ones((200,)), requires_grad=True)
    y = ag.rrelu(x, 0.1, 0.3, training=True)
    slopes = -y.numpy()
    assert 0.1 <= slopes.min() < 0.12 and 0.28 < slopes.max() <= 0.3
    y.sum().backward()
    np.testing.assert_allclose(x.grad, slopes)
    ag.manual_seed(0)
    np.testing.assert_array_equal(ag.rrelu(x, 0.1, 0.3, training=True).numpy(), y.numpy())


def test_dropout_top_level():
    x = ag.Value(np.ones(1000), requires_grad=True)
    assert ag.dropout(x, 0.5, False) is x
    ag.manual_seed(3)
    y = ag.dropout(x, 0.25, True)
    kept = y.numpy() != 0
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    assert 0.7 < kept.mean() < 0.8
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.numpy())
    assert not ag.dropout(x, 1.0, True).numpy().any()


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, np.inf])
def test_pdist(p):
    check(lambda a: ag.pdist(a, p), lambda a: torch.pdist(a, p), [normal(5, 3)], atol=1e-9)


def test_pixel_and_channel_shuffles():
    x = normal(2, 8, 3, 2)
    check(lambda a: ag.pixel_shuffle(a, 2), lambda a: torch.pixel_shuffle(a, 2), [x])
    check(lambda a: ag.pixel_unshuffle(a, 2), lambda a: torch.pixel_unshuffle(a, 2),
          [normal(3, 2, 4, 6)])
    check(lambda a: ag.pixel_shuffle(a, 3), lambda a: torch.pixel_shuffle(a, 3),
          [normal(9, 2, 2)])
    check(lambda a: ag.channel_shuffle(a, 4), lambda a: torch.channel_shuffle(a, 4), [x])
    y = ag.pixel_unshuffle(ag.pixel_shuffle(ag.Value(x), 2), 2)
    np.testing.assert_array_equal(y.numpy(), x)
    with pytest.raises(ValueError, match="pixel_shuffle"):
        ag.pixel_shuffle(ag.Value(normal(1, 3, 2, 2)), 2)


@pytest.mark.parametrize("p, dim, maxnorm", [(2, 0, 1.0), (1, 1, 2.0), (3, -1, 0.5)])
def test_renorm(p, dim, maxnorm):
    check(lambda a: ag.renorm(a, p, dim, maxnorm), lambda a: torch.renorm(a, p, dim, maxnorm),
          [normal(3, 4, 2)], atol=1e-9)
