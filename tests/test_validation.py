"""A call that raises has changed nothing (issue #13, section 1).

Each case was met by a user: the call is made as they made it, and the test checks both the
error (it names what is wrong) and that the weights, the optimizer's state and its
iteration count are what they were before the call.
"""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn.layers import Dense, Dropout, Flatten, LeakyReLU, PReLU
from nn.sequential import Sequential
from nn.data_adapter import check_finite as _check_finite


def blobs(n=40, seed=0):
    """Three Gaussian clusters in 4-D, integer labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    x = rng.normal(size=(n, 4)) + labels[:, None] * 2.0
    return x.astype(np.float32), labels


def classifier(optimizer=None, loss="sparse_categorical_crossentropy"):
    model = Sequential([Dense(8, activation="relu", input_shape=(4,), seed=0),
                        Dense(3, activation="softmax", seed=2)])
    model.compile(optimizer or optim.Adam(0.01), loss)
    return model


def snapshot(model):
    """Everything fit may change: the weights, the optimizer's state and step count, and
    the random generator behind the shuffling seed."""
    opt = model.optimizer
    state = [np.array(a) for v in vars(opt).values() if isinstance(v, list)
             for a in v if isinstance(a, np.ndarray)]
    return (model.get_weights(), state, opt.iterations, len(opt.params),
            ag.random._rng.bit_generator.state)


def assert_unchanged(model, before):
    weights, state, iterations, n_params, rng_state = snapshot(model)
    for a, b in zip(weights, before[0]):
        np.testing.assert_array_equal(a, b)
    assert len(state) == len(before[1])
    for a, b in zip(state, before[1]):
        np.testing.assert_array_equal(a, b)
    assert (iterations, n_params, rng_state) == before[2:]


# --- fit checks all its data before the first update -----------------------------------------


def test_a_bad_label_in_the_last_batch_fails_before_any_update():
    # Before: four batches trained (weights and Adam's moments changed, iterations == 4),
    # then the loss raised on the fifth.
    x, labels = blobs()
    labels[-1] = 7
    model = classifier()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"^fit: y: labels must lie in \[0, 3\), got values "
                                         r"from 0 to 7; 1 of 40 are out of range, the first "
                                         r"7 at index 39$"):
        model.fit(x, labels, batch_size=8, shuffle=False, verbose=0)
    assert_unchanged(model, before)


def test_bad_validation_data_fails_before_the_first_epoch():
    # Before: a whole epoch trained, then the validation pass raised.
    x, labels = blobs()
    bad_labels = labels.copy()
    bad_labels[3] = -1
    model = classifier()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"^fit \(validation_data\): y: labels must lie in "
                                         r"\[0, 3\).*the first -1 at index 3$"):
        model.fit(x, labels, verbose=0, validation_data=(x, bad_labels))
    assert_unchanged(model, before)
    with pytest.raises(ValueError, match=r"^fit \(validation_data\): Dense 'dense\w*': "
                                         r"expected input of shape \(batch, 4\), got \(32, 3\)"):
        model.fit(x, labels, verbose=0, validation_data=(x[:, :3], labels))
    assert_unchanged(model, before)
    with pytest.raises(ValueError, match=r"fit \(validation_data\): x has 40 samples .* but "
                                         r"y has shape \(39,\)"):
        model.fit(x, labels, verbose=0, validation_data=(x, labels[:-1]))
    assert_unchanged(model, before)


def test_targets_of_the_wrong_shape_or_range_for_the_loss_fail_before_any_update():
    x, labels = blobs()
    model = classifier(loss="categorical_crossentropy")
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"^fit: y: y_true of shape \(40,\) does not match "
                                         r"y_pred of shape \(40, 3\)$"):
        model.fit(x, labels.astype(np.float32), verbose=0)      # labels, not one-hot rows
    one_hot = nn.to_categorical(labels, 3)
    one_hot[-1] = [0.0, 2.0, -1.0]
    with pytest.raises(ValueError, match=r"^fit: y: categorical_crossentropy needs targets "
                                         r"in \[0, 1\] \(probabilities\), got values from "
                                         r"-1.0 to 2.0$"):
        model.fit(x, one_hot, batch_size=8, verbose=0)
    assert_unchanged(model, before)


@pytest.mark.parametrize("where, row, expected", [
    ("x", 33, r"^fit: x holds NaN or Inf in 1 of 40 rows, the first at row 33 "
              r"\(x\[33, 2\] = nan as float32\); drop or fix those rows$"),
    ("y", 5, r"^fit: y holds NaN or Inf in 1 of 40 rows, the first at row 5 "
             r"\(y\[5\] = inf as float32\)"),
    ("x_val", 0, r"^fit \(validation_data\): x holds NaN or Inf in 1 of 40 rows, the "
                 r"first at row 0"),
])
def test_nan_or_inf_in_the_data_is_an_error_naming_the_row(where, row, expected):
    # Before: NaN in x trained on, turning every weight NaN; the loss was NaN from then on.
    x, labels = blobs()
    y = np.where(labels == 0, 0.0, 1.0).astype(np.float32)
    model = Sequential([Dense(1, input_shape=(4,), seed=0)])
    model.compile(optim.SGD(0.01), "mse")
    x_val = x.copy()
    if where == "x":
        x = x.copy()
        x[row, 2] = np.nan
    elif where == "y":
        y = y.copy()
        y[row] = np.inf
    else:
        x_val[row, 1] = -np.inf
    before = snapshot(model)
    with pytest.raises(ValueError, match=expected):
        model.fit(x, y, verbose=0, validation_data=(x_val, y))
    assert_unchanged(model, before)


def test_finite_check_is_exact_when_a_sum_overflows():
    big = np.full((3, 2), 3e38, np.float32)         # finite, but the sum is inf in float32
    _check_finite(big, "x", "fit")
    big[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 of 3 rows, the first at row 2 \(x\[2, 1\] = nan"):
        _check_finite(big, "x", "fit")
    _check_finite(np.arange(6).reshape(3, 2), "x", "fit")    # integers cannot be NaN


def test_fit_after_a_failed_fit_trains_as_a_fresh_one():
    """The failed call drew no shuffling seed: a run after it is the run without it."""
    x, labels = blobs()
    bad = labels.copy()
    bad[-1] = 3
    runs = []
    for fail_first in (False, True):
        ag.random.set_seed(0)
        model = classifier()
        if fail_first:
            with pytest.raises(ValueError):
                model.fit(x, bad, verbose=0)
        model.fit(x, labels, epochs=2, verbose=0)
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_compile_with_a_bad_argument_keeps_the_previous_compile():
    # Before: a bad loss or metric raised after the optimizer (and loss) were replaced.
    model = classifier()
    optimizer, loss, metrics = model.optimizer, model.loss, model.metrics_names
    for kwargs, message in [
        (dict(optimizer="sgd", loss="nope"), "unknown loss 'nope'"),
        (dict(optimizer="sgd", loss="mse", metrics=["nope"]), "unknown metric 'nope'"),
        (dict(optimizer="adamx", loss="mse"), "unknown optimizer 'adamx'"),
    ]:
        with pytest.raises(ValueError, match=message):
            model.compile(**kwargs)
        assert model.optimizer is optimizer and model.loss is loss
        assert model.metrics_names == metrics


# --- apply_gradients and step check every gradient first ---------------------------------------


@pytest.mark.parametrize("bad, dtype", [
    (np.array(["0.5", "1"]), "<U3"),
    (np.array([1 + 1j, 2]), "complex128"),
    (np.array([True, False]), "bool"),
    (np.array([object(), object()]), "object"),
])
@pytest.mark.parametrize("style", ["keras", "pytorch"])
def test_a_bad_gradient_for_the_second_variable_changes_nothing(bad, dtype, style):
    # Before: numpy raised from inside the update, after the first variable and Adam's
    # moments for it had changed.
    a = ag.Variable([1.0, 2.0], name="a", dtype=np.float64)
    b = ag.Variable([3.0, 4.0], name="b", dtype=np.float64)
    opt = optim.Adam([a, b], lr=0.1)
    opt.apply_gradients([(np.ones(2), a), (np.ones(2), b)])     # Adam has state now
    state = opt.state_dict()
    assert sorted(state) == ["exp_avg_sqs.0", "exp_avg_sqs.1", "exp_avgs.0", "exp_avgs.1",
                             "iterations", "steps.0", "steps.1"]
    a1, b1 = a.numpy().copy(), b.numpy().copy()
    np.testing.assert_allclose(a1, [0.9, 1.9], rtol=1e-5)      # the first step: ~lr*sign(g)
    where = "apply_gradients" if style == "keras" else "step"
    with pytest.raises(TypeError, match=rf"^Adam.{where}: the gradient for 'b' has dtype "
                                        rf"{dtype}; a gradient must hold real numbers$"):
        if style == "keras":
            opt.apply_gradients([(np.ones(2), a), (bad, b)])
        else:
            a.grad, b.grad = np.ones(2, np.float32), bad
            opt.step()
    np.testing.assert_array_equal(a.numpy(), a1)
    np.testing.assert_array_equal(b.numpy(), b1)
    after = opt.state_dict()
    for key in state:
        np.testing.assert_array_equal(after[key], state[key], err_msg=key)
    assert opt.iterations == 1


def test_a_variable_listed_twice_is_an_error():
    # Before: it was updated twice in one step.
    w = ag.Variable([1.0, 2.0], name="w")
    v = ag.Variable([0.0], name="v")
    opt = optim.SGD(0.1)
    with pytest.raises(ValueError, match=r"^SGD.apply_gradients: 'w' is listed twice "
                                         r"\(items 0 and 2\)"):
        opt.apply_gradients([(np.ones(2), w), (np.ones(1), v), (np.ones(2), w)])
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    assert opt.params == [] and opt.iterations == 0


def test_a_failed_call_does_not_make_the_optimizer_learn_its_variables():
    w = ag.Variable([1.0])
    opt = optim.SGD(lambda step: -1.0)
    with pytest.raises(ValueError, match="step 0 must be >= 0"):
        opt.apply_gradients([(np.ones(1), w)])
    assert opt.params == [] and opt.iterations == 0 and float(w.numpy()[0]) == 1.0


# --- optimizers and schedules refuse what cannot be meant ---------------------------------------


@pytest.mark.parametrize("make, error, message", [
    (lambda: optim.SGD(float("nan")), ValueError, "SGD: learning_rate must be finite, got nan"),
    (lambda: optim.Adam(math.inf), ValueError, "Adam: learning_rate must be finite, got inf"),
    (lambda: optim.RMSprop(lr=-0.1), ValueError, "RMSprop: learning_rate must be >= 0"),
    (lambda: optim.SGD("0.1"), TypeError, "SGD: expected parameters or a learning rate"),
    (lambda: optim.SGD(learning_rate="0.1"), TypeError, "learning_rate must be a number"),
    (lambda: optim.SGD(momentum="0.9"), TypeError, "SGD: momentum must be a real number, "
                                                   "got str '0.9'"),
    (lambda: optim.SGD(momentum=float("nan")), ValueError, "SGD: momentum must be finite"),
    (lambda: optim.SGD(weight_decay=-0.01), ValueError, "SGD: weight_decay must be >= 0"),
    (lambda: optim.Adam(beta_2=True), TypeError, "Adam: beta_2 must be a real number"),
    (lambda: optim.Adam(epsilon=1j), TypeError, "Adam: epsilon must be a real number"),
    (lambda: optim.RMSprop(rho="0.9"), TypeError, "RMSprop: rho must be a real number"),
    (lambda: optim.Adagrad(initial_accumulator_value=math.inf), ValueError,
     "Adagrad: initial_accumulator_value must be finite"),
    (lambda: optim.AdamW(weight_decay="0.004"), TypeError, "AdamW: weight_decay must be a"),
    (lambda: optim.SGD(clipnorm="1"), TypeError, "SGD: clipnorm must be a real number"),
    (lambda: optim.SGD(global_clipnorm=-1.0), ValueError, "global_clipnorm must be a positive"),
    (lambda: optim.ExponentialDecay(0.1, 10, decay_rate=-0.5), ValueError,
     "ExponentialDecay: decay_rate must be >= 0, got -0.5"),
    (lambda: optim.ExponentialDecay(float("nan"), 10, 0.5), ValueError,
     "ExponentialDecay: initial_learning_rate must be finite"),
    (lambda: optim.ExponentialDecay("0.1", 10, 0.5), TypeError,
     "ExponentialDecay: initial_learning_rate must be a real number"),
    (lambda: optim.StepDecay(-0.1, 10), ValueError, "StepDecay: initial_learning_rate must "
                                                    "be >= 0"),
    (lambda: optim.StepDecay(0.1, 10, gamma=-0.5), ValueError, "StepDecay: gamma must be >= 0"),
    (lambda: optim.StepDecay(0.1, 2.5), ValueError, "StepDecay: step_size must be a positive "
                                                    "integer"),
    (lambda: optim.CosineDecay(0.1, 100, alpha=1.5), ValueError,
     r"CosineDecay: alpha must be in \[0, 1\], got 1.5"),
    (lambda: optim.CosineDecay(0.1, 100, alpha=-0.1), ValueError, "CosineDecay: alpha"),
    # Keras-style Adam has no weight_decay (Keras's decoupled one is AdamW's); PyTorch's L2
    # term takes PyTorch's form, which needs the parameters.
    (lambda: optim.Adam(weight_decay=0.01), ValueError,
     r"^Adam: weight_decay=0.01 is PyTorch's and takes PyTorch's form of the update: pass "
     r"the parameters first"),
])
def test_hyper_parameters_that_cannot_be_meant_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_setting_a_bad_learning_rate_keeps_the_old_one():
    opt = optim.SGD(0.1)
    with pytest.raises(ValueError, match="must be finite"):
        opt.learning_rate = float("nan")
    assert opt.learning_rate == 0.1


@pytest.mark.parametrize("schedule, error, message", [
    (lambda step: 0.1 if step < 2 else -0.1, ValueError,
     r"^SGD: the schedule's learning rate at step 2 must be >= 0, got -0.1$"),
    (lambda step: 0.1 if step < 2 else complex(0.1, 1), TypeError,
     r"at step 2 must be a real number, got complex \(0.1\+1j\)"),
    (lambda step: 0.1 if step < 2 else float("nan"), ValueError, "at step 2 must be finite"),
    (lambda step: 0.1 if step < 2 else "0.1", TypeError, "at step 2 must be a real number"),
])
def test_a_schedule_is_checked_at_every_step_it_is_used(schedule, error, message):
    # Before: a negative rate climbed the gradient, NaN turned the weights NaN, text was
    # read as a number; complex raised from float().
    w = ag.Variable([1.0], dtype=np.float64)
    opt = optim.SGD(schedule, momentum=0.5)
    for _ in range(2):
        opt.apply_gradients([(np.ones(1), w)])
    weights, velocity = w.numpy().copy(), opt.velocities[0].copy()
    with pytest.raises(error, match=message):
        opt.apply_gradients([(np.ones(1), w)])
    np.testing.assert_array_equal(w.numpy(), weights)
    np.testing.assert_array_equal(opt.velocities[0], velocity)
    assert opt.iterations == 2


# --- constructors and ops refuse what no op is written for -----------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda: ag.Value(1.0, dtype=str), r"^Value: dtype <U0 is not supported; a Value holds "
                                       r"real numbers"),
    (lambda: ag.Value([1.0, 2.0], dtype=complex), r"^Value: dtype complex128 is not supported"),
    (lambda: ag.Variable(1.0, dtype="U3"), r"^Variable: dtype <U3 is not supported"),
    (lambda: ag.constant([1, 2], dtype=object), r"dtype object is not supported"),
    (lambda: ag.constant(np.ones(2), dtype=np.complex64), r"dtype complex64 is not supported"),
    (lambda: ag.Value(np.complex64(1)), r"complex data \(dtype complex64"),
    (lambda: ag.cast(ag.Value([1.0]), str), r"^cast: dtype <U0 is not supported"),
    (lambda: ag.cast(ag.Value([1.0]), complex), r"^cast: dtype complex128 is not supported"),
    (lambda: ag.one_hot([0, 1], 3, dtype=str), r"^one_hot: dtype <U0 is not supported"),
    (lambda: ag.random.normal((2,), dtype=np.int32), r"^random.normal: dtype must be a float "
                                                     r"dtype, got int32"),
    (lambda: ag.random.uniform((2,), dtype=bool), r"^random.uniform: dtype must be a float"),
    (lambda: ag.random.normal((2,), stddev="1"), r"^random.normal: stddev must be a number, "
                                                 r"got str '1'$"),
    (lambda: ag.where(np.array([0.5, 0.0]), ag.Value([1.0, 2.0]), 0.0),
     r"^where: cond must be boolean, a comparison such as x > 0, got dtype float64"),
    (lambda: ag.where([1, 0], ag.Value([1.0, 2.0]), 0.0), r"^where: cond must be boolean"),
])
def test_non_numeric_dtypes_are_refused(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_numeric_dtypes_still_work():
    assert ag.Value([1, 2], dtype=np.int64).dtype == np.int64
    assert ag.constant([True, False], dtype=bool).dtype == bool
    assert ag.cast(ag.Value([1.7]), np.int32).numpy().tolist() == [1]
    assert ag.one_hot([1], 2, dtype=np.int8).numpy().tolist() == [[0, 1]]
    assert ag.one_hot([1], 0).shape == (1, 0)
    np.testing.assert_array_equal(ag.where(np.array([True, False]), ag.Value([1.0, 2.0]),
                                           0.0).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(ag.random.normal((3,), stddev=0.0, seed=1).numpy(), 0.0)


@pytest.mark.parametrize("make, message", [
    (lambda: ag.one_hot([0, 1], -1), r"^one_hot: depth must be an integer >= 0 \(the number "
                                     r"of classes\), got -1$"),
    (lambda: ag.one_hot([0, 1], 2.5), "got 2.5"),
    (lambda: ag.one_hot([0, 1], "3"), "got '3'"),
    (lambda: ag.transpose(ag.Value(np.ones((2, 3))), (-3, 1)),
     r"^transpose: axis -3 is out of range for an input of shape \(2, 3\)$"),
    (lambda: ag.Value(np.ones((2, 3))).transpose(-3, 0), "axis -3 is out of range"),
    (lambda: ag.random.normal((2,), stddev=-1.0), r"^random.normal: stddev must be >= 0"),
    (lambda: ag.random.truncated_normal((2,), stddev=-0.1),
     r"^random.truncated_normal: stddev must be >= 0, got -0.1$"),
    (lambda: ag.random.normal((2,), mean=float("nan")), r"^random.normal: mean must be finite"),
    (lambda: ag.random.uniform((2,), 1.0, 0.0), "minval 1.0 is greater than maxval 0.0"),
    (lambda: ag.random.normal((-1, 2)), r"shape must be whole sizes >= 0"),
])
def test_out_of_range_arguments_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_truncated_normal_with_stddev_zero_is_the_mean():
    np.testing.assert_array_equal(ag.random.truncated_normal((4,), 2.0, 0.0, seed=0), 2.0)


# --- layers name themselves and the argument -------------------------------------------------


@pytest.mark.parametrize("make, error, message", [
    (lambda: Dense(3, input_shape=(2.5,), name="d"), ValueError,
     r"^Dense 'd': input_shape must be positive whole sizes without the batch axis, like "
     r"\(784,\), got \(2.5,\)$"),
    (lambda: Dense(3, input_shape="784", name="d"), ValueError, r"input_shape .* got '784'"),
    (lambda: Dense(3, input_shape=("a",), name="d"), ValueError, r"got \('a',\)"),
    (lambda: Dense(3, input_shape=(True,), name="d"), ValueError, r"got \(True,\)"),
    (lambda: Dense(3, input_dim=2.5, name="d"), ValueError,
     r"^Dense 'd': input_dim must be a positive integer, like 784, got 2.5$"),
    (lambda: Flatten(input_shape=(28, 28.0), name="f"), ValueError, r"^Flatten 'f': input_"),
    (lambda: Dropout("0.5", name="drop"), TypeError,
     r"^Dropout 'drop': rate must be a number, got str '0.5'$"),
    (lambda: Dropout(1.0, name="drop"), ValueError,
     r"^Dropout 'drop': rate must lie in \[0.0, 1.0\), got 1.0$"),
    (lambda: LeakyReLU("0.3", name="leaky"), TypeError,
     r"^LeakyReLU 'leaky': alpha must be a number, got str '0.3'$"),
    (lambda: LeakyReLU(float("nan"), name="leaky"), ValueError, "alpha must lie in"),
])
def test_layer_arguments_name_the_layer_and_the_argument(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer, message", [
    (Dense(3, name="d0"), r"^Dense 'd0': expected input of shape \(batch, n_in\), got a scalar"),
    (Dense(3, input_shape=(4,), name="d1"), r"^Dense 'd1': expected input of shape "
                                            r"\(batch, 4\), got \(\)"),
    (PReLU(name="p"), r"^PReLU 'p': expected input with a batch axis, \(batch, \.\.\.\), "
                      r"got a scalar$"),
    (Flatten(name="f"), r"^Flatten 'f': expected input with a batch axis"),
])
def test_a_scalar_input_names_the_layer(layer, message):
    # Before: PReLU and Flatten raised IndexError: tuple index out of range.
    with pytest.raises(ValueError, match=message):
        layer(np.float32(1.0))
    with pytest.raises(ValueError, match=message):
        layer(ag.constant(1.0))


@pytest.mark.parametrize("bad, message", [
    (lambda w: w + 1j, r"^set_weights: #0 \(0.W\): dtype complex\d+, not real numbers$"),
    (lambda w: w.astype(str), r"^set_weights: #0 \(0.W\): dtype <U\d+, not real numbers$"),
])
def test_set_weights_refuses_complex_and_text_arrays(bad, message):
    # Before: the imaginary part was dropped, with a ComplexWarning; text was parsed.
    model = Sequential([Dense(2, input_shape=(2,), seed=0), Dense(1, seed=1)])
    before = model.get_weights()
    new = [w + 1 for w in before]
    new[0] = bad(new[0])
    with pytest.raises(TypeError, match=message):
        model.set_weights(new)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    model.set_weights([w + 1 for w in before])                  # real arrays still work
    np.testing.assert_array_equal(model.get_weights()[0], before[0] + 1)


@pytest.mark.parametrize("f, returned", [
    (lambda x: 3.0, "float 3.0"),
    (lambda x: np.ones(2), r"ndarray array\(\[1., 1.\]\)"),
    (lambda x: float(ag.sum(x)), "float 3.0"),
])
def test_gradcheck_says_when_f_returns_no_value(f, returned):
    # Before: AttributeError: 'float' object has no attribute 'data'.
    with pytest.raises(TypeError, match=rf"^gradcheck: f returned {returned}, not a Value"):
        ag.gradcheck(f, [np.array([1.0, 2.0])])
