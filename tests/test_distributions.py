"""ag.distributions against torch.distributions: values, gradients (first and second order)
of log_prob, entropy and kl_divergence, reparameterized draws, sample shapes and means,
the REINFORCE loss, and the errors."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions

RTOL, ATOL = 1e-9, 1e-12


def run_both(build, arrays, seed=0):
    """``build(dist_module, *params)`` in both libraries on the same float64 arrays.
    Compares the output and the gradient of sum(output * w) for random weights w."""
    ours = [ag.Value(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = build(D, *ours), build(TD, *theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=RTOL, atol=ATOL)
    w = np.random.default_rng(seed).uniform(0.5, 1.5, ref.shape)
    ag.sum(out * ag.Value(w)).backward()
    (ref * torch.tensor(w)).sum().backward()
    for mine, theirs_ in zip(ours, theirs):
        expected = np.zeros(mine.shape) if theirs_.grad is None else theirs_.grad.numpy()
        got = np.zeros(mine.shape) if mine.grad is None else np.asarray(mine.grad)
        np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10)


rng = np.random.default_rng(1)
LOC, SCALE = rng.normal(size=(3, 1)), rng.uniform(0.5, 2.0, size=(4,))   # broadcast (3, 4)
X = rng.normal(size=(3, 4))
LOGITS = rng.normal(size=(3, 5))
PROBS = rng.uniform(0.1, 1.0, size=(3, 5))
BLOGITS = rng.normal(size=(2, 3))
BVALUE = (rng.random((2, 3)) < 0.5).astype(np.float64)


@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance", "stddev"])
def test_normal_matches_torch_with_broadcasting(what):
    def build(lib, loc, scale):
        m = lib.Normal(loc, scale)
        assert tuple(m.batch_shape) == (3, 4)
        if what == "log_prob":
            return m.log_prob(X if lib is D else torch.tensor(X))
        if what == "entropy":
            return m.entropy()
        return getattr(m, what) * 1.0
    run_both(build, [LOC, SCALE])


def test_normal_log_prob_gradient_wrt_value():
    run_both(lambda lib, loc, scale, x: lib.Normal(loc, scale).log_prob(x), [LOC, SCALE, X])


@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance"])
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_bernoulli_matches_torch(what, param):
    arr = 1 / (1 + np.exp(-BLOGITS)) if param == "probs" else BLOGITS

    def build(lib, p):
        m = lib.Bernoulli(**{param: p})
        if what == "log_prob":
            return m.log_prob(BVALUE if lib is D else torch.tensor(BVALUE))
        return m.entropy() if what == "entropy" else getattr(m, what) * 1.0
    run_both(build, [arr])


@pytest.mark.parametrize("what", ["log_prob", "entropy", "probs", "logits"])
@pytest.mark.parametrize("param", ["probs", "logits"])
def test_categorical_matches_torch(what, param):
    arr = PROBS if param == "probs" else LOGITS

    def build(lib, p):
        m = lib.Categorical(**{param: p})
        assert tuple(m.batch_shape) == (3,)
        if what == "log_prob":   # sample-shaped actions (4, 3) broadcast against batch (3,)
            a = np.array([[0, 4, 2], [1, 1, 3], [2, 0, 4], [3, 3, 0]])
            return m.log_prob(a if lib is D else torch.tensor(a))
        return m.entropy() if what == "entropy" else getattr(m, what) * 1.0
    run_both(build, [arr])


def test_categorical_entropy_with_a_zero_probability_is_finite():
    p = np.array([[0.0, 0.3, 0.7]])
    ours = D.Categorical(probs=p).entropy().data
    np.testing.assert_allclose(ours, TD.Categorical(probs=torch.tensor(p)).entropy().numpy())
    assert np.isfinite(ours).all()


@pytest.mark.parametrize("what", ["log_prob", "entropy", "mean", "variance"])
def test_uniform_matches_torch(what):
    low, high = rng.normal(size=(2, 1)), rng.uniform(3.0, 4.0, size=(3,))
    x = rng.uniform(0.0, 2.5, size=(2, 3)) + low * 0

    def build(lib, lo, hi):
        m = lib.Uniform(lo, hi)
        if what == "log_prob":
            return m.log_prob(x if lib is D else torch.tensor(x))
        return m.entropy() if what == "entropy" else getattr(m, what) * 1.0
    run_both(build, [low, high])


def test_uniform_log_prob_outside_support_is_minus_inf_without_validation():
    m = D.Uniform(0.0, 1.0, validate_args=False)
    assert m.log_prob(np.array([2.0])).data[0] == -np.inf


@pytest.mark.parametrize("pair", ["normal", "bernoulli", "categorical", "independent",
                                  "uniform"])
def test_kl_divergence_matches_torch(pair):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    sa, sb = rng.uniform(0.5, 2, size=(3, 4)), rng.uniform(0.5, 2, size=(3, 1))

    def build(lib, a, b, sa, sb):
        if pair == "normal":
            p, q = lib.Normal(a, sa), lib.Normal(b, sb)
        elif pair == "bernoulli":
            p, q = lib.Bernoulli(logits=a), lib.Bernoulli(logits=b + 0 * a)  # torch: same shapes
        elif pair == "categorical":
            p, q = lib.Categorical(logits=a), lib.Categorical(probs=sb * sa)
        elif pair == "uniform":
            p, q = lib.Uniform(a, a + sa), lib.Uniform(a - sb, a + sa + sb)
        else:
            p = lib.Independent(lib.Normal(a, sa), 1)
            q = lib.Independent(lib.Normal(b, sb), 1)
        return (D if lib is D else TD).kl_divergence(p, q)
    run_both(build, [a, b, sa, sb])


def test_kl_categorical_zero_in_q_is_inf_and_zero_in_p_adds_nothing():
    p, q = np.array([[0.5, 0.5, 0.0]]), np.array([[0.0, 0.5, 0.5]])
    kl = D.kl_divergence(D.Categorical(probs=p), D.Categorical(probs=q)).data
    ref = TD.kl_divergence(TD.Categorical(probs=torch.tensor(p)),
                           TD.Categorical(probs=torch.tensor(q))).numpy()
    assert kl[0] == np.inf and ref[0] == np.inf
    kl = D.kl_divergence(D.Categorical(probs=q), D.Categorical(probs=q)).data
    assert kl[0] == 0.0


def test_kl_of_an_unregistered_pair_names_it():
    with pytest.raises(NotImplementedError, match=r"\(Normal, Bernoulli\)"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(probs=0.5))


def test_second_derivative_of_normal_log_prob_matches_torch():
    x = np.array([0.3, -1.2])
    scale = ag.Value(np.array([0.7, 1.3]), requires_grad=True)
    (g,) = ag.autograd.grad(ag.sum(D.Normal(0.0, scale).log_prob(x)), scale,
                            create_graph=True)
    (h,) = ag.autograd.grad(ag.sum(g), scale)
    s = torch.tensor([0.7, 1.3], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(TD.Normal(0.0, s).log_prob(torch.tensor(x)).sum(), s,
                                create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), s)
    np.testing.assert_allclose(np.asarray(g.data), tg.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(h.data if hasattr(h, "data") else h), th.numpy(),
                               rtol=1e-10)


def test_rsample_gradient_is_one_for_loc_and_eps_for_scale():
    loc = ag.Value(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    scale = ag.Value(np.array([0.5, 2.0, 1.5]), requires_grad=True)
    ag.manual_seed(7)
    x = D.Normal(loc, scale).rsample()
    ag.sum(x).backward()
    ag.manual_seed(7)
    eps = np.random.default_rng(7).standard_normal(3)
    np.testing.assert_allclose(np.asarray(loc.grad), np.ones(3))
    np.testing.assert_allclose(np.asarray(scale.grad), eps, rtol=1e-12)
    np.testing.assert_allclose(x.data, loc.data + eps * scale.data, rtol=1e-12)


def test_manual_seed_repeats_draws():
    m = D.Normal(np.zeros(4), np.ones(4))
    ag.manual_seed(3)
    a = m.sample((2,)).data
    ag.manual_seed(3)
    np.testing.assert_array_equal(a, m.sample((2,)).data)
    assert not np.array_equal(a, m.sample((2,)).data)


def test_sample_is_a_constant():
    loc = ag.Value(np.zeros(2), requires_grad=True)
    assert not D.Normal(loc, 1.0).sample().requires_grad
    assert D.Normal(loc, 1.0).rsample().requires_grad


@pytest.mark.parametrize("make, event", [
    (lambda: D.Normal(np.zeros((2, 3)), np.ones(3)), ()),
    (lambda: D.Uniform(np.zeros((2, 1)), np.ones(3)), ()),
    (lambda: D.Bernoulli(probs=np.full((2, 3), 0.3)), ()),
    (lambda: D.Categorical(logits=np.zeros((2, 3, 5))), ()),
    (lambda: D.Independent(D.Normal(np.zeros((2, 3)), 1.0), 1), (3,)),
])
def test_sample_shape_is_sample_batch_event(make, event):
    m = make()
    batch = (2,) if event else (2, 3)
    assert tuple(m.batch_shape) == batch and tuple(m.event_shape) == event
    assert m.sample((4, 7)).shape == (4, 7) + batch + event
    assert m.sample().shape == batch + event
    assert m.sample(4).shape == (4,) + batch + event


def test_sample_means_approach_true_means():
    ag.manual_seed(0)
    n = 200_000
    normal = D.Normal(np.array([1.0, -3.0]), np.array([0.5, 2.0]))
    np.testing.assert_allclose(normal.sample((n,)).data.mean(0), [1.0, -3.0], atol=0.02)
    np.testing.assert_allclose(normal.sample((n,)).data.std(0), [0.5, 2.0], rtol=0.01)
    uniform = D.Uniform(np.array([0.0, 2.0]), np.array([1.0, 6.0]))
    np.testing.assert_allclose(uniform.sample((n,)).data.mean(0), [0.5, 4.0], atol=0.02)
    bern = D.Bernoulli(probs=np.array([0.1, 0.8]))
    np.testing.assert_allclose(bern.sample((n,)).data.mean(0), [0.1, 0.8], atol=0.01)
    p = np.array([0.1, 0.2, 0.7])
    draws = D.Categorical(probs=p * 3).sample((n,))   # unnormalized probs are normalized
    assert draws.dtype == np.int64
    np.testing.assert_allclose(np.bincount(draws.data, minlength=3) / n, p, atol=0.01)


def test_reinforce_loss_gradient_is_minus_reward_times_dlogp():
    ag.manual_seed(5)
    logits = ag.Value(np.array([[0.2, -1.0, 0.5], [1.5, 0.0, -0.3]]), requires_grad=True)
    reward = np.array([2.0, -0.5])
    probs = ag.softmax(logits, axis=-1)
    m = D.Categorical(probs)
    action = m.sample()
    loss = ag.sum(-m.log_prob(action) * reward)
    loss.backward()
    # d log softmax(z)[a] / dz = onehot(a) - softmax(z)
    p = np.exp(logits.data) / np.exp(logits.data).sum(-1, keepdims=True)
    expected = -reward[:, None] * (np.eye(3)[action.data] - p)
    np.testing.assert_allclose(np.asarray(logits.grad), expected, rtol=1e-10)


def test_independent_sums_the_reinterpreted_axes():
    m = D.Independent(D.Normal(LOC, SCALE), 1)
    assert m.batch_shape == (3,) and m.event_shape == (4,)
    np.testing.assert_allclose(m.log_prob(X).data,
                               D.Normal(LOC, SCALE).log_prob(X).data.sum(-1))
    ref = TD.Independent(TD.Normal(torch.tensor(LOC), torch.tensor(SCALE)), 1)
    np.testing.assert_allclose(m.entropy().data, ref.entropy().numpy(), rtol=1e-12)


def test_expand_broadcasts_parameters():
    m = D.Normal(0.0, np.array([1.0, 2.0])).expand((3, 2))
    assert m.batch_shape == (3, 2) and m.sample().shape == (3, 2)
    c = D.Categorical(logits=np.zeros(4)).expand((5,))
    assert c.batch_shape == (5,) and c.sample().shape == (5,)


def test_probs_and_logits_both_given_is_an_error():
    with pytest.raises(ValueError, match="Categorical: give exactly one of probs or logits"):
        D.Categorical(probs=np.array([0.5, 0.5]), logits=np.zeros(2))
    with pytest.raises(ValueError, match="Bernoulli: give exactly one"):
        D.Bernoulli()


def test_validate_args_rejects_bad_parameters_and_values():
    with pytest.raises(ValueError, match=r"Normal: scale must be > 0 \(shape \(2,\)\)"):
        D.Normal(0.0, np.array([1.0, -1.0]), validate_args=True)
    D.Normal(0.0, np.array([1.0, -1.0]), validate_args=False)
    with pytest.raises(ValueError, match="Bernoulli.log_prob: value must lie in the support"):
        D.Bernoulli(probs=0.3, validate_args=True).log_prob(np.array([0.5]))
    with pytest.raises(ValueError, match="Categorical.log_prob"):
        D.Categorical(logits=np.zeros(3), validate_args=True).log_prob(np.array([3]))
    with pytest.raises(ValueError, match="Uniform: low must be < high"):
        D.Uniform(1.0, 0.0, validate_args=True)


def test_rsample_of_a_discrete_distribution_is_refused():
    with pytest.raises(NotImplementedError, match="Categorical.rsample"):
        D.Categorical(logits=np.zeros(2)).rsample()
    assert not D.Bernoulli(probs=0.5).has_rsample and D.Normal(0.0, 1.0).has_rsample


def test_exported_like_autodiff():
    assert "distributions" in ag.__all__ and ag.distributions is D


def test_module_doctest():
    import doctest
    result = doctest.testmod(D, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_number_parameters_are_constants_as_pytorch():
    """Normal(0.0, 1.0) holds tensors that require no grad in PyTorch: no graph is built."""
    from autograd_core.distributions import Normal
    n = Normal(0.0, 1.0)
    assert not n.loc.requires_grad and not n.log_prob(0.5).requires_grad
