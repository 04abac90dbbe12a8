"""Tests for optim: each update rule against steps computed by hand in numpy, the PyTorch and
Keras calling styles, in-place updates and state reuse, and the package's import boundary.

Hand computations use p0, g1, g2 below in float64; the formulas are Keras 3's.
"""

import ast
import doctest
import importlib
import math
import pkgutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import optim
from optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, Optimizer, RMSprop

P0 = np.array([1.0, -2.0, 3.0])
G1 = np.array([0.5, -1.0, 2.0])
G2 = np.array([-0.3, 0.4, 1.0])
EPS = 1e-7


def run(opt_factory, grads, p0=P0):
    """Apply ``grads`` one after another with apply_gradients; the parameter after each."""
    p = ag.Variable(p0.copy())
    opt = opt_factory()
    out = []
    for g in grads:
        opt.apply_gradients([(g, p)])
        out.append(p.numpy().copy())
    return out


# --- one or two steps by hand, per algorithm and option -----------------------------------

def test_sgd_plain_by_hand():
    p1, p2 = run(lambda: SGD(0.1), [G1, G2])
    np.testing.assert_allclose(p1, P0 - 0.1 * G1, rtol=1e-14)
    np.testing.assert_allclose(p2, P0 - 0.1 * G1 - 0.1 * G2, rtol=1e-14)


def test_sgd_momentum_by_hand():
    p1, p2 = run(lambda: SGD(0.1, momentum=0.9), [G1, G2])
    v1 = -0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(p1, P0 + v1, rtol=1e-14)
    np.testing.assert_allclose(p2, P0 + v1 + v2, rtol=1e-14)


def test_sgd_nesterov_by_hand():
    p1, p2 = run(lambda: SGD(0.1, momentum=0.9, nesterov=True), [G1, G2])
    v1 = -0.1 * G1
    e1 = P0 + 0.9 * v1 - 0.1 * G1
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, e1 + 0.9 * v2 - 0.1 * G2, rtol=1e-14)


def test_sgd_weight_decay_is_decoupled_by_hand():
    # Keras: p <- p - lr*wd*p, then the momentum step with the gradient taken before it.
    p1, p2 = run(lambda: SGD(0.1, momentum=0.9, weight_decay=0.05), [G1, G2])
    v1 = -0.1 * G1
    e1 = P0 - 0.1 * 0.05 * P0 + v1
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, e1 - 0.1 * 0.05 * e1 + v2, rtol=1e-14)


def test_rmsprop_plain_by_hand():
    p1, p2 = run(lambda: RMSprop(0.01), [G1, G2])
    s1 = 0.1 * G1 ** 2
    e1 = P0 - 0.01 * G1 / np.sqrt(s1 + EPS)  # Keras: eps inside the root
    s2 = 0.9 * s1 + 0.1 * G2 ** 2
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, e1 - 0.01 * G2 / np.sqrt(s2 + EPS), rtol=1e-14)


def test_rmsprop_eps_is_inside_the_root():
    # A tiny gradient tells the two placements apart: sqrt(s + eps) is ~ sqrt(eps) here.
    g = np.array([1e-5])
    (p1,) = run(lambda: RMSprop(0.01), [g], p0=np.array([0.0]))
    s = 0.1 * g ** 2
    np.testing.assert_allclose(p1, -0.01 * g / np.sqrt(s + EPS), rtol=1e-12)
    assert not np.allclose(p1, -0.01 * g / (np.sqrt(s) + EPS), rtol=1e-3)


def test_rmsprop_momentum_by_hand():
    p1, p2 = run(lambda: RMSprop(0.01, momentum=0.5), [G1, G2])
    s1 = 0.1 * G1 ** 2
    m1 = 0.01 * G1 / np.sqrt(s1 + EPS)
    s2 = 0.9 * s1 + 0.1 * G2 ** 2
    m2 = 0.5 * m1 + 0.01 * G2 / np.sqrt(s2 + EPS)
    np.testing.assert_allclose(p1, P0 - m1, rtol=1e-14)
    np.testing.assert_allclose(p2, P0 - m1 - m2, rtol=1e-14)


def test_rmsprop_centered_by_hand():
    p1, p2 = run(lambda: RMSprop(0.01, centered=True), [G1, G2])
    s1, a1 = 0.1 * G1 ** 2, 0.1 * G1
    e1 = P0 - 0.01 * G1 / np.sqrt(s1 - a1 ** 2 + EPS)
    s2, a2 = 0.9 * s1 + 0.1 * G2 ** 2, 0.9 * a1 + 0.1 * G2
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, e1 - 0.01 * G2 / np.sqrt(s2 - a2 ** 2 + EPS), rtol=1e-14)


def adam_by_hand(grads, lr=0.01, b1=0.9, b2=0.999, eps=EPS, wd=0.0, amsgrad=False):
    p, m, v, v_max = P0.copy(), 0.0, 0.0, 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        p = p - lr * wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        v_max = np.maximum(v_max, v)
        lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        p = p - lr_t * m / (np.sqrt(v_max if amsgrad else v) + eps)
        out.append(p)
    return out


def test_adam_by_hand():
    p1, p2 = run(lambda: Adam(0.01), [G1, G2])
    m1, v1 = 0.1 * G1, 0.001 * G1 ** 2
    e1 = P0 - 0.01 * math.sqrt(0.001) / 0.1 * m1 / (np.sqrt(v1) + EPS)  # epsilon hat
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, adam_by_hand([G1, G2])[1], rtol=1e-14)


def test_adam_amsgrad_by_hand():
    # A zero gradient shrinks v at step 3, so amsgrad's v_max differs from v there.
    grads = [G1, 3 * G2, np.zeros(3)]
    got = run(lambda: Adam(0.01, amsgrad=True), grads)
    want = adam_by_hand(grads, amsgrad=True)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert not np.allclose(want[2], adam_by_hand(grads)[2], rtol=1e-6)


def test_adamw_by_hand():
    p1, p2 = run(lambda: AdamW(0.01, weight_decay=0.1), [G1, G2])
    m1, v1 = 0.1 * G1, 0.001 * G1 ** 2
    e1 = P0 - 0.01 * 0.1 * P0 - 0.01 * math.sqrt(0.001) / 0.1 * m1 / (np.sqrt(v1) + EPS)
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, adam_by_hand([G1, G2], wd=0.1)[1], rtol=1e-14)


def test_adagrad_by_hand():
    p1, p2 = run(lambda: Adagrad(0.1), [G1, G2])
    s1 = 0.1 + G1 ** 2
    e1 = P0 - 0.1 * G1 / np.sqrt(s1 + EPS)
    s2 = s1 + G2 ** 2
    np.testing.assert_allclose(p1, e1, rtol=1e-14)
    np.testing.assert_allclose(p2, e1 - 0.1 * G2 / np.sqrt(s2 + EPS), rtol=1e-14)


def test_adagrad_initial_accumulator_value():
    (p1,) = run(lambda: Adagrad(0.1, initial_accumulator_value=2.0, epsilon=0.0), [G1])
    np.testing.assert_allclose(p1, P0 - 0.1 * G1 / np.sqrt(2.0 + G1 ** 2), rtol=1e-14)


def test_keras_defaults():
    assert SGD().get_config() == {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False,
                                  "weight_decay": 0.0}
    assert RMSprop().get_config() == {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0,
                                      "epsilon": 1e-7, "centered": False}
    assert Adam().get_config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                   "epsilon": 1e-7, "amsgrad": False}
    assert AdamW().get_config() == {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                    "epsilon": 1e-7, "amsgrad": False, "weight_decay": 0.004}
    assert Adagrad().get_config() == {"learning_rate": 0.001,
                                      "initial_accumulator_value": 0.1, "epsilon": 1e-7}


# --- 100 steps against a numpy loop of Keras's formulas --------------------------------------

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3))
Y = RNG.normal(size=(16, 2))
W0 = RNG.normal(size=(3, 2)) * 0.5


def loss_and_grad(W):
    """L = mean((tanh(X @ W) - Y)**2) and dL/dW, by hand."""
    h = np.tanh(X @ W)
    return np.mean((h - Y) ** 2), X.T @ (2 * (h - Y) / Y.size * (1 - h ** 2))


def test_model_gradient_matches_engine():
    W = ag.Variable(W0.copy())
    loss = ag.mean(ag.square(ag.tanh(ag.constant(X) @ W) - ag.constant(Y)))
    loss.backward()
    want_loss, want_grad = loss_and_grad(W0)
    np.testing.assert_allclose(float(loss), want_loss, rtol=1e-12)
    np.testing.assert_allclose(W.grad, want_grad, rtol=1e-12)


def keras_reference(kind, lr, steps=100, **h):
    """Keras 3's update rules as a plain numpy loop (one algorithm per branch)."""
    W = W0.copy()
    state = {k: np.zeros_like(W) for k in ("m", "v", "a", "mo", "vmax")}
    state["s"] = np.full_like(W, h.get("initial_accumulator_value", 0.1))
    for t in range(1, steps + 1):
        g = loss_and_grad(W)[1]
        if kind == "sgd":
            W = W - lr * h["wd"] * W
            state["v"] = h["momentum"] * state["v"] - lr * g
            W = W + state["v"]
        elif kind == "rmsprop":
            rho, eps = 0.9, 1e-7
            state["v"] = rho * state["v"] + (1 - rho) * g ** 2
            if h["centered"]:
                state["a"] = rho * state["a"] + (1 - rho) * g
                increment = lr * g / np.sqrt(state["v"] - state["a"] ** 2 + eps)
            else:
                increment = lr * g / np.sqrt(state["v"] + eps)
            state["mo"] = h["momentum"] * state["mo"] + increment
            W = W - state["mo"]
        elif kind == "adam":
            b1, b2, eps = 0.9, 0.999, 1e-7
            state["m"] = b1 * state["m"] + (1 - b1) * g
            state["v"] = b2 * state["v"] + (1 - b2) * g ** 2
            W = W - lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * state["m"] / (
                np.sqrt(state["v"]) + eps)
        elif kind == "adagrad":
            state["s"] = state["s"] + g ** 2
            W = W - lr * g / np.sqrt(state["s"] + 1e-7)
    return W


def keras_built(opt, params):
    """A Keras-style optimizer told its parameters, so that step() works."""
    opt.build(params)
    return opt


# lr = 0.003 keeps the 100 steps away from the minimum, where RMSprop's near-sign steps
# would amplify rounding differences chaotically (at lr = 0.01 a 1e-12 change in W0 grows
# to 1e-4 by step 100).
@pytest.mark.parametrize("make, kind, h", [
    # Keras's form of SGD (decoupled decay) is an optimizer's made without parameters.
    (lambda p: keras_built(SGD(0.003, momentum=0.9, weight_decay=0.1), p), "sgd",
     {"momentum": 0.9, "wd": 0.1}),
    # So are the others': a PyTorch-style one takes torch.optim's (test_optim_torch.py).
    (lambda p: keras_built(RMSprop(0.003), p), "rmsprop",
     {"centered": False, "momentum": 0.0}),
    (lambda p: keras_built(RMSprop(0.003, centered=True, momentum=0.5), p), "rmsprop",
     {"centered": True, "momentum": 0.5}),
    (lambda p: keras_built(Adam(0.003), p), "adam", {}),
    (lambda p: keras_built(Adagrad(0.003), p), "adagrad", {}),
], ids=["sgd-momentum-wd", "rmsprop", "rmsprop-centered-momentum", "adam", "adagrad"])
def test_100_steps_match_numpy_reference(make, kind, h):
    W = ag.Variable(W0.copy())
    opt = make([W])
    for _ in range(100):
        opt.zero_grad()
        ag.mean(ag.square(ag.tanh(ag.constant(X) @ W) - ag.constant(Y))).backward()
        opt.step()
    want = keras_reference(kind, lr=0.003, **h)
    np.testing.assert_allclose(W.numpy(), want, rtol=1e-10, atol=1e-12)
    assert np.abs(want - W0).max() > 0.05  # the parameters did travel


# --- calling styles -----------------------------------------------------------------------

def test_constructor_styles():
    w = ag.Variable([1.0])
    assert SGD(0.5).learning_rate == 0.5                      # tf.keras.optimizers.SGD(0.5)
    assert SGD(learning_rate=0.5).learning_rate == 0.5
    assert SGD([w], lr=0.3).learning_rate == 0.3              # torch.optim.SGD(params, lr=0.3)
    assert SGD([w], 0.3).learning_rate == 0.3
    opt = SGD(w for w in [w])                                 # a generator, like parameters()
    assert opt.params == [w] and opt.learning_rate == 0.01
    assert Adam(np.float32(0.5)).learning_rate == 0.5
    schedule = optim.ExponentialDecay(0.1, 10, 0.5)
    assert Adam(schedule)._learning_rate is schedule
    assert SGD(0.1, momentum=0.9).momentum == 0.9


@pytest.mark.parametrize("call, message", [
    (lambda: SGD(0.5, 0.9), "learning rate twice"),
    (lambda: SGD(0.5, lr=0.1), "learning rate twice"),
    (lambda: SGD([ag.Variable(1.0)], learning_rate=0.2, lr=0.1), "not both"),
    (lambda: SGD(ag.Variable(1.0)), "single Value"),
    (lambda: SGD([np.zeros(3)]), "params\\[0\\]: expected a Value"),
    (lambda: SGD([ag.constant(np.arange(3), dtype=ag.int64)]), "only float Values"),
    (lambda: SGD("fast"), "SGD: expected parameters or a learning rate"),
    (lambda: SGD(-1.0), "learning_rate must be >= 0"),
    (lambda: SGD(momentum=1.5), "momentum"),
    (lambda: RMSprop(rho=1.0), "rho"),
    (lambda: Adam(beta_1=1.0), "beta_1"),
    (lambda: AdamW(weight_decay=-1.0), "weight_decay"),
    (lambda: Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: SGD(clipnorm=1.0, clipvalue=1.0), "only one of"),
    (lambda: SGD(clipnorm=0.0), "clipnorm must be a positive"),
])
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


def test_get_resolves_keras_names():
    for name, cls in [("sgd", SGD), ("RMSprop", RMSprop), ("ADAM", Adam), ("adamw", AdamW),
                      ("Adagrad", Adagrad)]:
        opt = optim.get(name)
        assert type(opt) is cls
        assert opt.get_config() == cls().get_config()
    assert optim.get("adam") is not optim.get("adam")  # a fresh one each time
    opt = SGD(0.1)
    assert optim.get(opt) is opt
    for name, cls in [("ftrl", optim.Ftrl), ("Lion", optim.Lion), ("lamb", optim.Lamb),
                      ("adafactor", optim.Adafactor)]:
        assert type(optim.get(name)) is cls
    with pytest.raises(ValueError, match="unknown optimizer 'sgdx'"):
        optim.get("sgdx")


def test_step_and_zero_grad_pytorch_style():
    w, b = ag.Variable([1.0, 2.0], dtype=np.float64), ag.Variable(0.5, dtype=np.float64)
    opt = SGD([w, b], lr=0.1)
    (w * w).sum().backward()          # b gets no grad: skipped
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6], rtol=1e-15)
    assert float(b) == 0.5 and opt.iterations == 1
    opt.zero_grad()
    assert w.grad is None and b.grad is None
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])
    assert b.grad is None


def test_step_closure_returns_loss():
    w = ag.Variable([2.0], dtype=np.float64)
    opt = SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert float(loss) == 4.0
    np.testing.assert_allclose(w.numpy(), [1.0])


def test_step_without_params_raises():
    with pytest.raises(RuntimeError, match="SGD.step: this optimizer has no parameters"):
        SGD(0.1).step()


def test_apply_gradients_accepts_values_arrays_and_skips_none():
    a = ag.Variable([1.0, 1.0], name="a", dtype=np.float64)
    b = ag.Variable([[1.0]], name="b", dtype=np.float64)
    c = ag.Variable(1.0, name="c", dtype=np.float64)
    opt = SGD(0.5)
    with pytest.warns(UserWarning, match="'b'"):
        opt.apply_gradients([(ag.constant([1.0, 2.0]), a), (None, b), (np.float64(4.0), c)])
    np.testing.assert_allclose(a.numpy(), [0.5, 0.0])
    np.testing.assert_allclose(b.numpy(), [[1.0]])
    assert float(c) == -1.0
    assert opt.params == [a, b, c] and opt.iterations == 1
    with pytest.raises(ValueError, match="no gradients provided for any variable"):
        opt.apply_gradients([(None, a)])
    assert opt.iterations == 1


def test_apply_gradients_bad_input():
    w = ag.Variable(np.zeros((2, 3)), name="W")
    opt = SGD(0.1)
    with pytest.raises(ValueError, match=r"SGD.apply_gradients: gradient of shape \(3, 2\) "
                                         r"for 'W' of shape \(2, 3\)"):
        opt.apply_gradients([(np.zeros((3, 2)), w)])
    with pytest.raises(TypeError, match="pairs"):
        opt.apply_gradients([w])
    with pytest.raises(TypeError, match="expected a Value"):
        opt.apply_gradients([(np.zeros(2), np.zeros(2))])


def test_minimize_with_a_tape_course_xor_style():
    # Lecture 2: optimizer = tf.keras.optimizers.SGD(0.5); optimizer.minimize(calc_loss, vars)
    W = ag.Variable([[1.0], [2.0]], dtype=np.float64)
    b = ag.Variable([0.5], dtype=np.float64)
    x = ag.constant([[1.0, -1.0]], dtype=np.float64)
    opt = SGD(0.5)
    assert opt.minimize(lambda: ag.reduce_sum(ag.square(x @ W + b)), [W, b]) is None
    r = 1.0 - 2.0 + 0.5                       # the residual; dL/dW = 2 r x^T, dL/db = 2 r
    np.testing.assert_allclose(W.numpy(), [[1.0 - 0.5 * 2 * r], [2.0 + 0.5 * 2 * r]])
    np.testing.assert_allclose(b.numpy(), [0.5 - 0.5 * 2 * r])
    assert opt.iterations == 1 and W.grad is None  # the tape leaves .grad alone


def test_minimize_watches_plain_values_and_accepts_a_tape():
    w = ag.Value(3.0, dtype=np.float64)       # not a Variable: watched explicitly
    opt = SGD(0.1)
    opt.minimize(lambda: w * w, [w])
    assert float(w) == pytest.approx(3.0 - 0.1 * 6.0)
    v = ag.Variable(2.0, dtype=np.float64)
    with ag.GradientTape() as tape:
        loss = v * v * v
    opt.minimize(loss, [v], tape=tape)
    assert float(v) == pytest.approx(2.0 - 0.1 * 12.0)
    with pytest.raises(TypeError, match="zero-argument callable"):
        opt.minimize(loss, [v])


def test_optimizer_learns_new_variables_later():
    a, b = ag.Variable([1.0], dtype=np.float64), ag.Variable([2.0], dtype=np.float64)
    opt = Adam(0.1)
    opt.apply_gradients([(np.ones(1), a)])
    opt.apply_gradients([(np.ones(1), a), (np.ones(1), b)])
    assert opt.params == [a, b] and len(opt.momentums) == 2 and opt.iterations == 2
    np.testing.assert_allclose(opt.momentums[1], [0.1])  # fresh state for b


# --- iterations, schedules and clipping inside the optimizer -------------------------------

def test_schedule_is_called_with_iterations_before_the_update():
    seen = []

    def schedule(step):
        seen.append(step)
        return 0.1 / (1 + step)
    w = ag.Variable([0.0], dtype=np.float64)
    opt = SGD(schedule)
    for _ in range(3):
        opt.apply_gradients([(np.ones(1), w)])
    assert seen == [0, 1, 2] and opt.iterations == 3
    np.testing.assert_allclose(w.numpy(), [-(0.1 + 0.05 + 0.1 / 3)])
    assert opt.learning_rate == pytest.approx(0.025)


def test_exponential_decay_drives_sgd():
    w = ag.Variable([0.0], dtype=np.float64)
    opt = SGD(optim.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    for _ in range(3):
        opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_allclose(w.numpy(), [-(0.1 + 0.05 + 0.025)])


def test_weight_decay_uses_the_scheduled_rate():
    w = ag.Variable([1.0], dtype=np.float64)
    opt = AdamW(optim.StepDecay(0.1, step_size=1, gamma=0.5), weight_decay=1.0)
    opt.apply_gradients([(np.zeros(1), w)])
    opt.apply_gradients([(np.zeros(1), w)])
    np.testing.assert_allclose(w.numpy(), [(1 - 0.1) * (1 - 0.05)])


def test_weight_decay_belongs_to_sgd_and_adamw():
    """Keras gives every optimizer a decoupled weight_decay, PyTorch an L2 one (added to
    the gradient) except in AdamW: the two agree only for plain SGD. So a Keras-style
    optimizer offers it where its meaning is Keras's (SGD) or the paper's (AdamW); Adam
    would be AdamW under another name. Made with its parameters, each takes PyTorch's
    L2 weight_decay (test_optim_torch.py)."""
    for cls in (Adam, RMSprop, Adagrad, Adadelta, Adamax, Nadam):
        with pytest.raises(ValueError, match=f"{cls.__name__}: weight_decay=0.1 is PyTorch's "
                                             "and takes PyTorch's form"):
            cls(weight_decay=0.1)
        assert cls([ag.Variable([1.0])], weight_decay=0.1).weight_decay == 0.1
    assert not hasattr(Optimizer(0.1), "weight_decay")
    p_sgd, = run(lambda: SGD(0.1, weight_decay=0.5), [G1])
    np.testing.assert_allclose(p_sgd, P0 - 0.1 * 0.5 * P0 - 0.1 * G1, rtol=1e-14)


def test_learning_rate_can_be_set():
    w = ag.Variable([0.0], dtype=np.float64)
    opt = SGD(0.1)
    opt.learning_rate = 0.5
    opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_allclose(w.numpy(), [-0.5])


def test_optimizer_clipnorm_is_per_variable():
    a, b = ag.Variable([0.0, 0.0], dtype=np.float64), ag.Variable([0.0], dtype=np.float64)
    SGD(1.0, clipnorm=1.0).apply_gradients([(np.array([3.0, 4.0]), a), (np.array([0.5]), b)])
    np.testing.assert_allclose(a.numpy(), [-0.6, -0.8], rtol=1e-15)
    np.testing.assert_allclose(b.numpy(), [-0.5], rtol=1e-15)


def test_optimizer_global_clipnorm_is_over_all_variables():
    a, b = ag.Variable([0.0, 0.0], dtype=np.float64), ag.Variable([0.0], dtype=np.float64)
    ga, gb = np.array([3.0, 4.0]), np.array([12.0])          # global norm 13
    SGD(1.0, global_clipnorm=1.3).apply_gradients([(ga, a), (gb, b)])
    np.testing.assert_allclose(a.numpy(), -ga / 10, rtol=1e-15)
    np.testing.assert_allclose(b.numpy(), -gb / 10, rtol=1e-15)
    np.testing.assert_array_equal(ga, [3.0, 4.0])              # the gradient is not modified


def test_optimizer_clipvalue():
    a = ag.Variable([0.0, 0.0, 0.0], dtype=np.float64)
    g = np.array([-3.0, 0.2, 5.0])
    Adagrad(1.0, clipvalue=0.5, initial_accumulator_value=1.0,
            epsilon=0.0).apply_gradients([(g, a)])
    clipped = np.array([-0.5, 0.2, 0.5])
    np.testing.assert_allclose(a.numpy(), -clipped / np.sqrt(1.0 + clipped ** 2), rtol=1e-15)


def test_global_clipnorm_with_infinite_gradient_gives_nan():
    a = ag.Variable([0.0, 0.0], dtype=np.float64)
    SGD(1.0, global_clipnorm=1.0).apply_gradients([(np.array([np.inf, 1.0]), a)])
    assert np.isnan(a.numpy()).all()


# --- in place, state reuse, dtypes, scalars ------------------------------------------------

ALL = [
    lambda p: SGD(p, lr=0.1),
    lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda p: RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    lambda p: Adam(p, lr=0.01, amsgrad=True),
    lambda p: AdamW(p, lr=0.01),
    lambda p: Adagrad(p, lr=0.1, clipnorm=0.5),
]
IDS = ["sgd", "sgd-nesterov-wd", "rmsprop-centered", "adam-amsgrad", "adamw", "adagrad-clip"]


def state_arrays(opt):
    return [a for v in vars(opt).values() if isinstance(v, list) for a in v
            if isinstance(a, np.ndarray)]


def work_arrays(opt):
    """The ids of the work arrays the optimizer keeps: block scratch and clipped gradients."""
    workspace = opt._workspace
    return [id(a) for a in (*workspace.work.values(), *workspace.buffers.values())]


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_updates_are_in_place_and_state_is_reused(make):
    W = ag.Variable(np.ones((4, 3)) * 0.5)
    opt = make([W])
    buffer = W.data
    W.grad = np.full((4, 3), 0.1, np.float32)
    opt.step()
    state = state_arrays(opt)
    ids = [id(a) for a in state]
    before = [a.copy() for a in state]
    scratch = work_arrays(opt)
    W.grad = np.full((4, 3), -0.2, np.float32)
    opt.step()
    assert W.data is buffer                                   # the parameter's own buffer
    assert not np.allclose(W.numpy(), 0.5)
    assert [id(a) for a in state_arrays(opt)] == ids          # same state arrays ...
    assert all(not np.array_equal(a, b) for a, b in zip(state_arrays(opt), before))  # updated
    assert work_arrays(opt) == scratch                        # and the same work arrays


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_float32_parameters_stay_float32(make):
    W = ag.Variable(np.ones((2, 3), np.float32))
    b = ag.Variable(0.25)                                      # a float32 scalar
    opt = make([W, b])
    for _ in range(2):
        W.grad = np.full((2, 3), 0.3)                          # a float64 gradient
        b.grad = np.float32(0.7)
        opt.step()
    assert W.dtype == np.float32 and W.data.dtype == np.float32
    assert isinstance(b.data, np.float32) and b.data != np.float32(0.25)
    assert all(a.dtype == np.float32 for a in state_arrays(opt))


@pytest.mark.parametrize("make", ALL, ids=IDS)
def test_scalar_matches_one_element_array(make):
    s = ag.Variable(np.float64(0.7))
    a = ag.Variable(np.array([0.7]))
    opt_s, opt_a = make([s]), make([a])
    for g in (0.3, -0.2, 0.9):
        s.grad, a.grad = np.float64(g), np.array([g])
        opt_s.step()
        opt_a.step()
    assert np.ndim(s.data) == 0
    np.testing.assert_allclose(float(s), a.numpy()[0], rtol=1e-14)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5),
       st.floats(1e-4, 1.0), st.floats(0.0, 0.99))
def test_sgd_momentum_matches_formula_for_any_gradients(g, lr, momentum):
    g = np.array(g)
    p0 = np.linspace(-1, 1, g.size)
    p1, p2 = run(lambda: SGD(lr, momentum=momentum), [g, g], p0=p0)
    v1 = -lr * g
    np.testing.assert_allclose(p1, p0 + v1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p2, p0 + v1 + momentum * v1 - lr * g, rtol=1e-12, atol=1e-9)


def test_repr_and_config_round_trip():
    opt = RMSprop(0.01, momentum=0.5, clipnorm=1.0)
    assert repr(opt) == ("RMSprop(learning_rate=0.01, clipnorm=1.0, rho=0.9, momentum=0.5, "
                         "epsilon=1e-07, centered=False)")
    assert RMSprop(**opt.get_config()).get_config() == opt.get_config()


def test_custom_optimizer_subclass():
    class SignSGD(Optimizer):
        """p <- p - lr * sign(g)"""

        def update(self, i, p, g, lr):
            for p_b, g_b, step in self.blocks(p, g):
                p_b -= np.multiply(np.sign(g_b), lr, out=step)

    w = ag.Variable([1.0, -1.0], dtype=np.float64)
    opt = SignSGD([w], lr=0.25)
    w.grad = np.array([3.0, -0.1])
    opt.step()
    np.testing.assert_allclose(w.numpy(), [0.75, -0.75])


# --- the boundary: optim uses only autograd_core's public API and never nn -----------------

OPTIM = Path(__file__).resolve().parent.parent / "optim"
STDLIB = {"__future__", "math", "numbers", "warnings", "inspect", "functools", "ctypes",
          "importlib", "bisect"}


@pytest.mark.parametrize("path", sorted(OPTIM.glob("*.py")), ids=lambda p: p.name)
def test_optim_imports_only_the_public_engine_api(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name in STDLIB | {"numpy", "autograd_core"}, alias.name
                if alias.name == "autograd_core":
                    assert alias.asname == "ag"
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 1 or node.module in STDLIB, \
                f"{path.name}: from {node.module} import ... (use `import autograd_core as ag`)"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "ag":
            assert node.attr in ag.__all__, f"{path.name}: ag.{node.attr} is not public"
    assert "nn" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def test_importing_optim_does_not_import_nn():
    import subprocess
    import sys
    code = "import sys, optim; print('nn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=OPTIM.parent, check=True)
    assert out.stdout.strip() == "False"


def test_no_warnings_in_a_normal_step():
    w = ag.Variable([1.0])
    opt = Adam([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (w * w).sum().backward()
        opt.step()


@pytest.fixture(params=["blas", "numpy"])
def sgd_path(request, monkeypatch):
    """Run an SGD test through BLAS (large parameters) and through numpy's blocks, counting
    the BLAS calls so a test can tell which path ran."""
    from optim import _inplace
    calls = []
    if request.param == "numpy":
        monkeypatch.setattr(_inplace, "available", False)
    elif not _inplace.available:
        pytest.skip("numpy's BLAS exports no ILP64 axpy here "
                    "(test_blas_is_found_in_numpys_own_openblas says when that is wrong)")
    for name in ("axpy", "scal"):
        fn = getattr(_inplace, name)
        monkeypatch.setattr(_inplace, name, lambda *a, _fn=fn, _name=name: (calls.append(_name),
                                                                         _fn(*a)))
    return request.param, calls


@pytest.mark.parametrize("momentum, nesterov, weight_decay",
                         [(0.0, False, 0.0), (0.9, False, 0.0), (0.9, True, 0.0),
                          (0.0, False, 0.05), (0.9, True, 0.05)])
def test_sgd_updates_a_parameter_larger_than_one_block(momentum, nesterov, weight_decay,
                                                       sgd_path):
    """Large parameters go through BLAS, or numpy in blocks: both are the formula, and
    both leave ``.grad`` as backward left it."""
    from optim._inplace import BLOCK
    path, calls = sgd_path
    rng = np.random.default_rng(0)
    shape = (3, BLOCK // 2 + 7)  # 1.5 blocks and a ragged end
    w0 = rng.normal(size=shape)
    grads = [rng.normal(size=shape) for _ in range(3)]
    p = ag.Variable(w0)
    opt = optim.SGD([p], lr=0.1, momentum=momentum, nesterov=nesterov,
                    weight_decay=weight_decay)
    w, b = w0.copy(), None
    for g in grads:  # PyTorch's form: the optimizer was made with its parameters
        p.grad = g.copy()
        opt.step()
        np.testing.assert_array_equal(p.grad, g)
        d = g + weight_decay * w
        b = d if b is None else momentum * b + d
        w = w - 0.1 * (d + momentum * b if nesterov else b if momentum else d)
    np.testing.assert_allclose(p.numpy(), w, rtol=1e-12, atol=1e-12)
    assert (len(calls) > 0) == (path == "blas")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_blas_and_numpy_paths_agree_in_training(dtype, monkeypatch):
    """Ten momentum steps on a 200x100 weight (above MIN_SIZE) and a bias (below it), with
    weight decay and clipping: the two paths differ only by rounding (BLAS fuses a*x + y)."""
    from optim import _inplace
    if not _inplace.available:
        pytest.skip("numpy's BLAS exports no ILP64 axpy here")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 200)).astype(dtype)
    W0, b0 = rng.normal(size=(200, 100)).astype(dtype) * 0.1, np.zeros(100, dtype)
    assert W0.size >= _inplace.MIN_SIZE > b0.size

    def train():
        W, b = ag.Variable(W0), ag.Variable(b0)
        opt = optim.SGD([W, b], lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01,
                        clipnorm=5.0)
        for _ in range(10):
            ag.mean(ag.square(ag.tanh(ag.linear(x, W, b)) - 0.5)).backward()
            opt.step()
            opt.zero_grad()
        return W.numpy(), b.numpy()
    with_blas = train()
    monkeypatch.setattr(_inplace, "available", False)
    without = train()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(with_blas, without):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
    assert np.abs(with_blas[0] - W0).max() > 0.01  # the weights moved


def test_sgd_updates_a_big_endian_parameter_by_the_formula():
    # IDX files are big-endian: a Variable made from them keeps '>f4', which BLAS would
    # read as garbage, so such a parameter takes the numpy path.
    rng = np.random.default_rng(4)
    w0, g = (rng.normal(size=(200, 100)).astype(">f4") for _ in range(2))
    W = ag.Variable(w0)
    W.grad = g
    optim.SGD([W], lr=0.5, momentum=0.9).step()
    assert W.dtype == np.dtype(">f4")
    np.testing.assert_allclose(W.numpy(), w0 - np.float32(0.5) * g, rtol=1e-6, atol=1e-6)


def test_blas_is_found_in_numpys_own_openblas():
    """numpy's wheels bundle OpenBLAS with the ILP64 CBLAS functions: there the fast path
    must be on, or the training step silently loses its speed."""
    from optim import _inplace
    config = getattr(np.__config__, "CONFIG", {})
    blas = config.get("Build Dependencies", {}).get("blas", {})
    if sys.platform == "win32":
        pytest.skip("a Windows DLL's functions are not found through numpy's extension module")
    if blas.get("name") not in ("scipy-openblas", "openblas64"):  # numpy 2's wheels, numpy 1's
        pytest.skip(f"numpy is built against {blas.get('name', 'an unknown BLAS')}")
    assert _inplace.available


@settings(max_examples=30, deadline=None)
@given(extra=st.integers(0, 3000), dtype=st.sampled_from([np.float32, np.float64]),
       alpha=st.floats(-10, 10, allow_nan=False))
def test_blas_axpy_and_scal_match_numpy(extra, dtype, alpha):
    from optim import _inplace
    if not _inplace.available:
        pytest.skip("numpy's BLAS exports no ILP64 axpy here")
    rng = np.random.default_rng(extra)
    x, y = (rng.normal(size=_inplace.MIN_SIZE + extra).astype(dtype) for _ in range(2))
    assert _inplace.usable(y, x)
    want_axpy = y.astype(np.float64) + dtype(alpha).astype(np.float64) * x
    got = y.copy()
    _inplace.axpy(alpha, x, got)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(got, want_axpy, rtol=0,
                               atol=4 * eps * (np.abs(want_axpy) + abs(alpha * x)).max())
    _inplace.scal(alpha, got)
    np.testing.assert_allclose(got, dtype(alpha) * want_axpy.astype(dtype), rtol=4 * eps,
                               atol=4 * eps * np.abs(want_axpy).max() * abs(alpha))


def test_blas_refuses_arrays_it_cannot_update_safely():
    from optim import _inplace
    n = _inplace.MIN_SIZE
    y, x = np.zeros(n, np.float32), np.ones(n, np.float32)
    read_only = np.zeros(n, np.float32)
    read_only.flags.writeable = False
    buffer = np.zeros(n + 1, np.float32)
    swapped = np.dtype(np.float32).newbyteorder()
    refused = [
        (np.zeros(n - 1, np.float32), np.ones(n - 1, np.float32)),  # small: numpy is faster
        (y, x.astype(np.float64)),                                  # mixed dtypes
        (y.astype(np.float16), x.astype(np.float16)),              # no BLAS for float16
        (y.astype(swapped), x.astype(swapped)),                     # bytes in the other order
        (np.zeros(2 * n, np.float32)[::2], x),                     # not contiguous
        (y, np.ones(2 * n, np.float32)[::2]),
        (read_only, x),
        (y, np.ones(n + 1, np.float32)),                            # sizes differ
        (buffer[1:], buffer[:-1]),                                  # overlapping memory
        (y, [1.0] * n),                                             # not an array
    ]
    for target, source in refused:
        assert not _inplace.usable(target, source)
    assert _inplace.usable(y, x) == _inplace.available


@pytest.mark.parametrize("make", [
    lambda ps: optim.RMSprop(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
    lambda ps: optim.Adam(ps, lr=0.01),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.Adagrad(ps, lr=0.01),
], ids=["rmsprop", "rmsprop-centered-momentum", "adam", "amsgrad", "adamw", "adagrad"])
def test_blocked_updates_equal_updates_element_by_element(make):
    """A parameter spanning several blocks gets, element for element, the update the same
    optimizer gives those elements as separate one-block parameters."""
    from optim._inplace import BLOCK
    rng = np.random.default_rng(1)
    n = 2 * BLOCK + 5
    w0 = rng.normal(size=n)
    grads = [rng.normal(size=n) for _ in range(3)]
    big = ag.Variable(w0)
    pieces = [ag.Variable(w0[lo:lo + 1000]) for lo in range(0, n, 1000)]
    opt_big, opt_pieces = make([big]), make(pieces)
    for g in grads:
        big.grad = g.copy()
        for k, piece in enumerate(pieces):
            piece.grad = g[k * 1000:(k + 1) * 1000].copy()
        opt_big.step()
        opt_pieces.step()
    np.testing.assert_array_equal(big.numpy(), np.concatenate([q.numpy() for q in pieces]))


# --- state_dict: training resumes where it stopped (PyTorch's checkpoint tutorial) ---------
STATEFUL = [
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (RMSprop, {"momentum": 0.5, "centered": True}),
    (Adam, {"amsgrad": True}),
    (AdamW, {}),
    (Adagrad, {}),
    (SGD, {"lr": 0.05}),  # no state at all: iterations alone
]


def quadratic_params(seed=0):
    rng = np.random.default_rng(seed)
    return [ag.Variable(rng.normal(size=(3, 2)).astype(np.float32)),
            ag.Variable(rng.normal(size=(2,)).astype(np.float32))]


def steps(opt, params, n):
    for _ in range(n):
        opt.minimize(lambda: sum(((p - 1.0) ** 2).sum() for p in params), params)


@pytest.mark.parametrize("cls, kwargs", STATEFUL)
def test_state_dict_saved_with_np_savez_resumes_training_exactly(tmp_path, cls, kwargs):
    params = quadratic_params()
    opt = cls(params, **kwargs)
    steps(opt, params, 3)
    path = tmp_path / "opt.npz"
    np.savez(path, **opt.state_dict())
    copies = [ag.Variable(p.numpy()) for p in params]
    resumed = cls(copies, **kwargs)
    resumed.load_state_dict(np.load(path))
    assert resumed.iterations == 3
    assert sorted(resumed.state_dict()) == sorted(opt.state_dict())
    steps(opt, params, 2)
    steps(resumed, copies, 2)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(q.numpy(), p.numpy())
    if cls is not SGD or kwargs.get("momentum"):  # a fresh optimizer goes elsewhere
        fresh_params = [ag.Variable(p.numpy()) for p in copies]
        steps(cls(fresh_params, **kwargs), fresh_params, 1)
        steps(resumed, copies, 1)
        assert not np.array_equal(fresh_params[0].numpy(), copies[0].numpy())


def test_state_dict_is_a_copy_and_keras_style_optimizers_build_first():
    params = quadratic_params()
    opt = Adam(learning_rate=0.1)
    steps(opt, params, 2)
    state = opt.state_dict()
    state["momentums.0"][...] = 0  # changes the copy only
    assert np.abs(opt.momentums[0]).sum() > 0
    keras_style = Adam(learning_rate=0.1)
    with pytest.raises(ValueError, match=r"knows 0 parameters \(give it params, or call "
                                         r"build\(var_list\) first\)"):
        keras_style.load_state_dict(opt.state_dict())
    with pytest.raises(TypeError, match=r"Adam.build: var_list\[1\]: expected a Value"):
        keras_style.build([params[0], np.zeros(2)])
    assert keras_style.params == []  # a refused build learns nothing
    keras_style.build(params)
    assert len(keras_style.momentums) == 2
    keras_style.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(keras_style.velocities[1], opt.velocities[1])


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("iterations"), "iterations is missing"),
    (lambda s: s.update(iterations=np.array(-1)), "iterations must be one integer >= 0"),
    (lambda s: s.update(iterations=np.array([1, 2])), "iterations must be one integer"),
    (lambda s: s.pop("velocities.1"), "velocities.1 is missing"),
    (lambda s: s.update({"momentums.0": np.zeros((2, 3), np.float32)}),
     r"momentums.0 has shape \(2, 3\) and dtype float32, but its parameter .* has shape "
     r"\(3, 2\)"),
    (lambda s: s.update({"momentums.1": np.zeros(2, np.float64)}), "dtype float64"),
    (lambda s: s.update({"momentum.0": np.zeros(1)}), r"unexpected names \['momentum.0'\]"),
    (lambda s: s.update({"momentums.2": np.zeros(1), "velocities.2": np.zeros(1)}),
     "holds 3 parameters' arrays, but the optimizer knows 2"),
])
def test_a_state_that_does_not_fit_is_refused_and_changes_nothing(change, message):
    # Keras style: its state names (a PyTorch-style Adam's are torch's, tested in
    # test_optim_torch.py).
    params = quadratic_params()
    source = keras_built(Adam(0.001), params)
    steps(source, params, 2)
    state = source.state_dict()
    change(state)
    target_params = quadratic_params(1)
    target = keras_built(Adam(0.001), target_params)
    steps(target, target_params, 1)
    before = target.state_dict()
    with pytest.raises(ValueError, match=message):
        target.load_state_dict(state)
    after = target.state_dict()
    assert sorted(after) == sorted(before)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


# Every module of optim: their docstrings' examples run as written.
DOCTEST_MODULES = ["optim"] + [m.name for m in pkgutil.walk_packages(optim.__path__, "optim.")]


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_keras3_apply_takes_gradients_and_variables_as_two_lists():
    w, b = ag.Variable([1.0, 2.0]), ag.Variable([0.5])
    opt = SGD(0.5)
    opt.apply([ag.constant([2.0, 4.0]), np.array([1.0])], [w, b])
    np.testing.assert_allclose(w.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(b.numpy(), [0.0])
    with pytest.warns(UserWarning, match="Gradients do not exist"):   # None skips, as Keras
        opt.apply([np.array([1.0, 1.0]), None])      # its own variables, in order
    np.testing.assert_allclose(w.numpy(), [-0.5, -0.5])
    np.testing.assert_allclose(b.numpy(), [0.0])
    with pytest.raises(ValueError, match="1 gradients for 2 variables"):
        opt.apply([np.array([1.0, 1.0])], [w, b])
    np.testing.assert_allclose(w.numpy(), [-0.5, -0.5])
    assert opt.iterations == 2
