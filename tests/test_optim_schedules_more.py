"""Keras's PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecayRestarts and
CosineDecay's warm-up: values at many steps against Keras's formulas written out here, its
docstring examples, get_config/from_config, use as an optimizer's learning rate, refusals."""

import math

import numpy as np
import pytest

import autograd_core as ag
from optim.schedules import (CosineDecay, CosineDecayRestarts, InverseTimeDecay,
                             PiecewiseConstantDecay, PolynomialDecay)
from optim.sgd import SGD

STEPS = list(range(0, 200)) + [1000, 12345]


def test_piecewise_constant_decay_keras_example():
    s = PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    assert [s(k) for k in (0, 100000, 100001, 110000, 110001, 10 ** 7)] == \
        [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    s = PiecewiseConstantDecay([10, 20, 30], [0.4, 0.3, 0.2, 0.1])
    want = [0.4 if k <= 10 else 0.3 if k <= 20 else 0.2 if k <= 30 else 0.1 for k in STEPS]
    assert [s(k) for k in STEPS] == want


@pytest.mark.parametrize("power, cycle, end", [(1.0, False, 0.0001), (0.5, False, 0.01),
                                               (2.0, True, 0.001), (1.0, True, 0.0)])
def test_polynomial_decay_is_kerass_formula(power, cycle, end):
    s = PolynomialDecay(0.1, 30, end_learning_rate=end, power=power, cycle=cycle)
    for k in STEPS:
        if cycle:
            decay_steps = 30 * (1.0 if k == 0 else math.ceil(k / 30))
            step = k
        else:
            decay_steps, step = 30, min(k, 30)
        want = (0.1 - end) * (1 - step / decay_steps) ** power + end
        assert s(k) == pytest.approx(want, rel=1e-14, abs=1e-17), k
    assert s(15) != s(0)


def test_polynomial_decay_keras_example_sqrt():
    s = PolynomialDecay(0.1, 10000, 0.01, power=0.5)
    assert s(0) == pytest.approx(0.1) and s(10000) == pytest.approx(0.01)
    assert s(2500) == pytest.approx(0.09 * math.sqrt(0.75) + 0.01, rel=1e-14)
    assert s(20000) == pytest.approx(0.01)
    assert PolynomialDecay(1.0, 10, 0.0, cycle=True)(15) == pytest.approx(0.25)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay_is_kerass_formula(staircase):
    s = InverseTimeDecay(0.1, decay_steps=7, decay_rate=0.5, staircase=staircase)
    for k in STEPS:
        p = math.floor(k / 7) if staircase else k / 7
        assert s(k) == pytest.approx(0.1 / (1 + 0.5 * p), rel=1e-15), k
    # Keras's example: decay_steps=1.0, decay_rate=0.5 gives 0.1/(1 + 0.5*step)
    assert InverseTimeDecay(0.1, 1.0, 0.5)(4) == pytest.approx(0.1 / 3)


def restarts(step, lr0, first, t_mul, m_mul, alpha):
    """SGDR by walking the periods one by one (a different computation from Keras's closed
    form, the same numbers)."""
    start, length, peak = 0.0, float(first), 1.0
    while step >= start + length:
        start, length, peak = start + length, length * t_mul, peak * m_mul
    fraction = (step - start) / length
    return lr0 * ((1 - alpha) * peak * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)


@pytest.mark.parametrize("t_mul, m_mul, alpha", [(2.0, 1.0, 0.0), (1.0, 0.5, 0.1),
                                                 (1.5, 0.8, 0.05), (3.0, 1.0, 0.2)])
def test_cosine_decay_restarts_walks_the_periods(t_mul, m_mul, alpha):
    s = CosineDecayRestarts(0.2, first_decay_steps=10, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    # away from the restarts themselves, where the closed form's floor(log) can round
    for k in [k for k in STEPS if k % 5]:
        assert s(k) == pytest.approx(restarts(k, 0.2, 10, t_mul, m_mul, alpha), abs=1e-12), k
    assert s(0) == pytest.approx(0.2)


def test_cosine_decay_warmup_is_kerass_formula():
    s = CosineDecay(0.01, decay_steps=50, alpha=0.1, warmup_target=0.1, warmup_steps=20)
    for k in STEPS:
        if k < 20:
            want = (0.1 - 0.01) * (k / 20) + 0.01
        else:
            step = min(k, 70) - 20
            want = 0.1 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * step / 50)) + 0.1)
        assert s(k) == pytest.approx(want, rel=1e-14), k
    # without a target: as before
    plain = CosineDecay(0.2, 100, alpha=0.1)
    assert plain(50) == pytest.approx(0.2 * (0.9 * 0.5 + 0.1))
    assert plain.get_config() == {"initial_learning_rate": 0.2, "decay_steps": 100,
                                  "alpha": 0.1}


@pytest.mark.parametrize("schedule", [
    PiecewiseConstantDecay([3, 6], [0.3, 0.2, 0.1]), PolynomialDecay(0.1, 5, power=2.0),
    InverseTimeDecay(0.1, 2, 0.5, staircase=True), CosineDecayRestarts(0.1, 4, m_mul=0.9),
    CosineDecay(0.0, 5, warmup_target=0.1, warmup_steps=3)])
def test_config_round_trip_and_use_as_learning_rate(schedule):
    again = type(schedule).from_config(schedule.get_config())
    assert again.get_config() == schedule.get_config()
    assert [again(k) for k in range(12)] == [schedule(k) for k in range(12)]
    assert "name" in schedule.get_config()
    w = ag.Variable(np.zeros(1))
    opt = SGD(schedule)
    for k in range(8):
        before = w.numpy().copy()
        opt.apply_gradients([(np.array([-1.0]), w)])  # w <- w + lr(k)
        assert w.numpy()[0] - before[0] == pytest.approx(schedule(k), rel=1e-12)
    assert type(schedule(np.int64(3))) is float


@pytest.mark.parametrize("make, error, message", [
    (lambda: PiecewiseConstantDecay([1, 2], [0.1, 0.2]), ValueError,
     "^PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of "
     "values"),
    (lambda: PiecewiseConstantDecay([5, 2], [0.1, 0.2, 0.3]), ValueError,
     "boundaries must be strictly increasing"),
    (lambda: PiecewiseConstantDecay(5, [0.1]), TypeError, "boundaries must be a list"),
    (lambda: PolynomialDecay(0.1, 0), ValueError, "^PolynomialDecay: decay_steps must be"),
    (lambda: PolynomialDecay(0.1, 10, power=-1), ValueError, "power must be >= 0"),
    (lambda: InverseTimeDecay(0.1, 0.0, 0.5), ValueError, "^InverseTimeDecay: decay_steps must "
                                                          "be > 0"),
    (lambda: CosineDecayRestarts(0.1, 10, t_mul=0.0), ValueError, "t_mul must be > 0"),
    (lambda: CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=-1), ValueError,
     "warmup_steps must be an integer >= 0"),
    (lambda: PolynomialDecay(0.1, 10)(-1), ValueError, "the step must be >= 0"),
])
def test_refusals_name_the_schedule_and_argument(make, error, message):
    with pytest.raises(error, match=message):
        make()
