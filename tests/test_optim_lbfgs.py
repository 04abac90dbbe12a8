"""optim.LBFGS against torch.optim.LBFGS in float64: the parameters after every step() to
1e-8, and torch's counters n_iter and func_evals exactly, with and without the strong-Wolfe
line search, a short history, and max_iter/max_eval limits."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim

torch = pytest.importorskip("torch")

START = np.array([-1.5, 2.0, 0.5, -0.7])


def rosenbrock(x):
    """sum 100 (x[i+1] - x[i]**2)**2 + (1 - x[i])**2, for ours and torch's alike."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def run_ours(steps, **kwargs):
    x = ag.Variable(START.copy())
    opt = optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    history = []
    for _ in range(steps):
        opt.step(closure)
        history.append((x.numpy().copy(), opt.n_iter, opt.func_evals))
    return history


def run_torch(steps, **kwargs):
    x = torch.tensor(START.copy(), requires_grad=True)
    opt = torch.optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    history = []
    for _ in range(steps):
        opt.step(closure)
        state = opt.state[x]
        history.append((x.detach().numpy().copy(), state["n_iter"], state["func_evals"]))
    return history


CASES = [
    {},
    {"line_search_fn": "strong_wolfe"},
    {"history_size": 3},
    {"history_size": 2, "line_search_fn": "strong_wolfe"},
    {"lr": 10, "line_search_fn": "strong_wolfe"},   # long steps: the zoom phase's branches
    {"lr": 30, "history_size": 2, "line_search_fn": "strong_wolfe"},
    {"max_iter": 4, "lr": 0.5},
    {"max_iter": 7, "max_eval": 9, "line_search_fn": "strong_wolfe"},
    {"max_iter": 3, "max_eval": 2},
    {"lr": 0.1, "tolerance_change": 1e-5, "tolerance_grad": 1e-4},
]


@pytest.mark.parametrize("kwargs", CASES, ids=[str(c) for c in CASES])
def test_rosenbrock_matches_torch(kwargs):
    ours, theirs = run_ours(6, **kwargs), run_torch(6, **kwargs)
    for k, ((x, n_iter, evals), (x_t, n_iter_t, evals_t)) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(x, x_t, rtol=0, atol=1e-8, err_msg=f"step {k}")
        assert (n_iter, evals) == (n_iter_t, evals_t), f"step {k}"
    assert not np.allclose(ours[0][0], START)  # the parameters moved


def test_strong_wolfe_reaches_a_stationary_point():
    # From START the 4-d Rosenbrock function's local minimum near (-0.78, 0.61, 0.38, 0.15).
    x, _, _ = run_ours(3, line_search_fn="strong_wolfe")[-1]
    x = ag.Variable(x)
    rosenbrock(x).backward()
    assert np.abs(x.grad).max() < 1e-3  # from ~1e3 at START
    np.testing.assert_allclose(x.numpy(), [-0.7757, 0.6131, 0.3821, 0.1460], atol=1e-4)


RNG = np.random.default_rng(0)
DATASET = [(RNG.normal(size=(8, 3)), RNG.normal(size=(8, 2))) for _ in range(4)]
W0, B0 = RNG.normal(size=(2, 3)), RNG.normal(size=(2,))


def fit_linear(make_torch, line_search_fn):
    """PyTorch's documented loop: for input, target in dataset: optimizer.step(closure)."""
    lib = torch if make_torch else None
    if make_torch:
        model = torch.nn.Linear(3, 2, dtype=torch.float64)
        loss_fn = torch.nn.MSELoss()
        with torch.no_grad():
            model.weight.copy_(torch.tensor(W0))
            model.bias.copy_(torch.tensor(B0))
        optimizer = torch.optim.LBFGS(model.parameters(), line_search_fn=line_search_fn,
                                      max_iter=5)
    else:
        model = nn.Linear(3, 2, dtype="float64")
        loss_fn = nn.MSELoss()
        model.weight.assign(W0)
        model.bias.assign(B0)
        optimizer = optim.LBFGS(model.parameters(), line_search_fn=line_search_fn, max_iter=5)
    weights = []
    for input, target in DATASET:
        input, target = (lib.tensor(input), lib.tensor(target)) if lib else (input, target)

        def closure():
            optimizer.zero_grad()
            output = model(input)
            loss = loss_fn(output, target)
            loss.backward()
            return loss
        optimizer.step(closure)
        weights.append((model.weight.detach() if lib else model.weight).numpy().copy())
    return weights


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_linear_least_squares_matches_torch(line_search_fn):
    ours, theirs = fit_linear(False, line_search_fn), fit_linear(True, line_search_fn)
    for w, w_t in zip(ours, theirs):
        np.testing.assert_allclose(w, w_t, rtol=0, atol=1e-8)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_state_dict_round_trip_resumes_exactly(line_search_fn):
    kwargs = {"max_iter": 3, "max_eval": 20, "history_size": 4,
              "line_search_fn": line_search_fn}
    x = ag.Variable(START.copy())
    opt = optim.LBFGS([x], **kwargs)

    def closure_for(opt, x):
        def closure():
            opt.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            return loss
        return closure

    for _ in range(3):
        opt.step(closure_for(opt, x))
    saved = opt.state_dict()
    assert {"n_iter", "func_evals", "d", "t", "H_diag", "prev_flat_grad", "prev_loss",
            "old_dirs.0", "old_stps.0", "ro.0", "al.0"} <= set(saved)
    assert saved["n_iter"] == 9

    x2 = ag.Variable(x.numpy().copy())
    resumed = optim.LBFGS([x2], **kwargs)
    resumed.load_state_dict(saved)
    for _ in range(3):
        opt.step(closure_for(opt, x))
        resumed.step(closure_for(resumed, x2))
        np.testing.assert_array_equal(x2.numpy(), x.numpy())
        assert (resumed.n_iter, resumed.func_evals) == (opt.n_iter, opt.func_evals)

    fresh = optim.LBFGS([ag.Variable(x.numpy().copy())], **kwargs)
    fresh.step(closure_for(fresh, fresh.params[0]))
    assert not np.array_equal(fresh.params[0].numpy(), x2.numpy())  # the state mattered


def test_load_state_dict_refuses_a_wrong_shape():
    x = ag.Variable(START.copy())
    opt = optim.LBFGS([x])
    with pytest.raises(ValueError, match="d must have shape"):
        opt.load_state_dict({"iterations": np.array(1), "d": np.zeros(3)})
    assert opt.d is None


def test_a_parameter_without_gradient_counts_as_zero_as_in_torch():
    used, unused = ag.Variable(START.copy()), ag.Variable(np.array([3.0]))
    opt = optim.LBFGS([used, unused], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = rosenbrock(used)
        loss.backward()
        return loss
    opt.step(closure)
    assert unused.numpy().tolist() == [3.0]
    np.testing.assert_allclose(used.numpy(), run_torch(1, line_search_fn="strong_wolfe")[0][0],
                               rtol=0, atol=1e-8)


def test_refuses_a_step_without_closure():
    opt = optim.LBFGS([ag.Variable(START.copy())])
    with pytest.raises(TypeError, match="closure"):
        opt.step()


def test_refuses_two_parameter_groups():
    a, b = ag.Variable([1.0]), ag.Variable([2.0])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = optim.LBFGS([a])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [b]})


def test_refuses_an_unknown_line_search():
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([ag.Variable([1.0])], line_search_fn="armijo")


def test_refuses_keras_style_updates():
    w = ag.Variable([1.0])
    opt = optim.LBFGS([w])
    with pytest.raises(TypeError, match="step\\(closure\\)"):
        opt.apply_gradients([(np.ones(1), w)])
    with pytest.raises(TypeError, match="step\\(closure\\)"):
        opt.minimize(lambda: (w * w).sum(), [w])
    assert w.numpy().tolist() == [1.0]
