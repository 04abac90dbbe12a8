"""The speed benchmarks must time the same maths in every implementation, or a ratio is moot.

No timing here (speed is measured by ``make bench``): each implementation of the 784-512-10
step runs a few steps on one batch, and its losses must follow the hand-written numpy
step's.
"""

import mmap
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))

import convnet  # noqa: E402
import convnet_fit  # noqa: E402
import hvp  # noqa: E402
import mlp_step  # noqa: E402
import step_breakdown  # noqa: E402
from common import own_pages  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def losses(step_fn, steps=3):
    x, y = mlp_step.batch(64)
    step = step_fn(x, y)
    return [step().item() for _ in range(steps)]  # a numpy scalar, a Value or a tensor


def test_engine_step_follows_the_numpy_step():
    mlp_step.check_same_maths()
    np.testing.assert_allclose(losses(mlp_step.engine_step_fn),
                               losses(mlp_step.numpy_step_fn), rtol=1e-4)


def test_the_products_floor_makes_the_steps_products():
    x, y = mlp_step.batch(64)
    forward, backward, _ = mlp_step.numpy_phases(x, y)
    _, saved = forward()
    h_pre, _, p = saved
    dW1, _, dW2, _ = backward(saved)
    shapes = [a.shape for a in mlp_step.products_fn(x, y)()]
    assert shapes == [h_pre.shape, p.shape, h_pre.shape, dW2.shape, dW1.shape]


def test_the_floor_step_follows_the_numpy_step():
    np.testing.assert_allclose(losses(step_breakdown.ops_only_step_fn),
                               losses(mlp_step.numpy_step_fn), rtol=1e-4)


def test_phase_timed_steps_follow_the_numpy_step():
    """The copies that time each phase must compute what the plain steps compute."""
    def timed_losses(step_fn):
        x, y = mlp_step.batch(64)
        step = step_fn(x, y)
        runs = [step() for _ in range(3)]
        assert all(len(phases) == 3 and min(phases) > 0 for phases, _ in runs)
        return [float(loss) for _, loss in runs]
    expected = losses(mlp_step.numpy_step_fn)
    np.testing.assert_allclose(timed_losses(step_breakdown.numpy_phases_fn), expected, rtol=1e-4)
    np.testing.assert_allclose(timed_losses(step_breakdown.engine_phases_fn), expected, rtol=1e-4)


@pytest.mark.skipif(torch is None, reason="needs the torch extra: pip install -e '.[torch]'")
def test_torch_step_follows_the_numpy_step():
    np.testing.assert_allclose(losses(mlp_step.torch_step_fn),
                               losses(mlp_step.numpy_step_fn), rtol=1e-4)


@pytest.mark.skipif(torch is None, reason="needs the torch extra: pip install -e '.[torch]'")
def test_the_convnet_steps_of_both_libraries_follow_each_other():
    """Same weights and dropout masks: the losses of three steps (forward, backward, Adam)
    agree in both of PyTorch's memory formats, and training lowers them."""
    ours = convnet.check_same_maths(n=16)
    theirs = convnet.losses(convnet.torch_step_fn, n=16, channels_last=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    assert ours[-1] < ours[0]


@pytest.mark.skipif(torch is None, reason="needs torch (pip install -e .[torch])")
def test_the_hvp_benchmark_s_forms_give_pytorch_s_hessian_vector_product():
    hvp.check_same_maths(*mlp_step.batch(32))


def test_own_pages_copies_into_fresh_page_aligned_memory():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = own_pages(a)
    assert b.dtype == a.dtype and b.shape == a.shape and b.flags.writeable
    np.testing.assert_array_equal(a, b)
    assert b.ctypes.data % mmap.PAGESIZE == 0
    b[0, 0] = 100
    assert a[0, 0] == 0  # a copy, not a view
    assert own_pages(np.zeros(0, np.float32)).shape == (0,)


@pytest.mark.skipif(torch is None, reason="needs the torch extra: pip install -e '.[torch]'")
def test_the_convnet_fit_epochs_of_both_libraries_learn():
    """``convnet_fit.py --quick`` as correctness only (no timing): each library's epoch, in
    its own subprocess on 2,000 images, finishes with a finite loss, learns above chance,
    and the summary compares the two."""
    results = convnet_fit.epochs(convnet_fit.QUICK, rounds=1, threads=1, verbose=False)
    for which in ("ours", "torch"):
        (result,) = results[which]
        assert np.isfinite(result["loss"]) and 0 < result["loss"] < np.log(10), which
        assert 0.15 < result["accuracy"] <= 1, which  # chance is 0.1
        assert result["seconds"] > 0 and result["peak_mb"] > 0, which
    rows, med = convnet_fit.summary(results, convnet_fit.QUICK, 1)
    assert [row[0] for row in rows] == ["ours", "torch", "ours / torch"]
    ratio = med["ours"]["seconds"] / med["torch"]["seconds"]
    assert rows[2][1].startswith(f"{ratio:.2f}x")


def test_convnet_fit_loads_the_quick_epoch_from_the_shipped_sample():
    x, labels = convnet_fit.load(convnet_fit.QUICK)
    assert x.shape == (convnet_fit.QUICK, 28, 28, 1) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() == 1 and labels.shape == (convnet_fit.QUICK,)
    assert set(np.unique(labels)) == set(range(10))
