"""nn.AdaptiveLogSoftmaxWithLoss and fractional max pooling (FractionalMaxPool2d/3d,
F.fractional_max_pool2d/3d and the _with_indices forms) against torch 2.13 itself.

The adaptive softmax with torch's parameters copied in: output, loss, log_prob, predict
and the gradients of the input and of every parameter, in float64. Fractional pooling
with the same _random_samples: values and indices exactly torch's (its interval formula,
in float32 and float64), gradients torch's; without samples, the seeded stream decides.
"""

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

from test_nn_torch_gaps import TOL, _copy_in  # noqa: E402  (needs torch)


# --- AdaptiveLogSoftmaxWithLoss -------------------------------------------------------------

@pytest.mark.parametrize("in_features, n_classes, cutoffs, div_value, head_bias", [
    (8, 10, [3, 6], 2.0, True), (16, 20, [5], 4.0, False), (12, 9, [2, 4, 7], 1.5, False)])
def test_adaptive_log_softmax_matches_torch(in_features, n_classes, cutoffs, div_value,
                                            head_bias):
    ag.set_default_dtype(ag.float64)  # conftest puts the default back after each test
    rng = np.random.default_rng(n_classes)
    layer = nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value,
                                          head_bias)
    tlayer = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value,
                                                 head_bias, dtype=torch.float64)
    _copy_in(layer, tlayer, rng)
    for attr in ("cutoffs", "shortlist_size", "n_clusters", "head_size"):
        assert getattr(layer, attr) == getattr(tlayer, attr), attr
    x = rng.normal(size=(9, in_features))
    target = rng.integers(0, n_classes, size=9)
    target[:3] = [0, n_classes - 1, cutoffs[-1]]   # the edges of the shortlist and clusters
    xv, xt = ag.Variable(x), torch.tensor(x, requires_grad=True)
    result, tresult = layer(xv, target), tlayer(xt, torch.tensor(target))
    assert result._fields == tresult._fields == ("output", "loss")
    (out, loss), (tout, tloss) = result, tresult
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(loss.numpy(), tloss.item(), **TOL)
    g = rng.normal(size=9)
    (loss + (out * g).sum()).backward()
    (tloss + (tout * torch.tensor(g)).sum()).backward()
    np.testing.assert_allclose(xv.grad, xt.grad.numpy(), **TOL)
    named = dict(layer.named_parameters())
    for name, p in tlayer.named_parameters():
        np.testing.assert_allclose(named[name].grad, p.grad.numpy(), err_msg=name, **TOL)
    np.testing.assert_allclose(layer.log_prob(x).numpy(),
                               tlayer.log_prob(torch.tensor(x)).detach().numpy(), **TOL)
    np.testing.assert_array_equal(layer.predict(x), tlayer.predict(torch.tensor(x)).numpy())
    # one example, a 0-D target
    one, one_loss = layer(x[0], int(target[0]))
    tone, tone_loss = tlayer(torch.tensor(x[0]), torch.tensor(int(target[0])))
    assert one.shape == tuple(tone.shape) == ()
    np.testing.assert_allclose(one.numpy(), tone.item(), **TOL)


def test_adaptive_log_softmax_predict_reaches_the_clusters():
    ag.set_default_dtype(ag.float64)
    layer = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2], head_bias=True)
    tlayer = torch.nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2], head_bias=True,
                                                 dtype=torch.float64)
    _copy_in(layer, tlayer, np.random.default_rng(1))
    with torch.no_grad():
        tlayer.head.bias.copy_(torch.tensor([0.0, 0.0, 5.0]))   # the cluster wins the head
    layer.head.bias.assign(np.array([0.0, 0.0, 5.0]))
    x = np.random.default_rng(2).normal(size=(5, 4))
    got = layer.predict(x)
    assert (got >= 2).all()
    np.testing.assert_array_equal(got, tlayer.predict(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(got, np.argmax(layer.log_prob(x).numpy(), axis=1))


@pytest.mark.parametrize("args", [(8, 10, []), (8, 10, [6, 3]), (8, 10, [0, 3]),
                                  (8, 10, [3, 10]), (8, 10, [3, 3]), (8, 10, [2.5])])
def test_adaptive_log_softmax_refuses_torchs_bad_cutoffs(args):
    with pytest.raises(ValueError, match="cutoffs"):
        torch.nn.AdaptiveLogSoftmaxWithLoss(*args)
    with pytest.raises(ValueError, match="AdaptiveLogSoftmaxWithLoss: cutoffs"):
        nn.AdaptiveLogSoftmaxWithLoss(*args)


def test_adaptive_log_softmax_refuses_bad_inputs_by_name_and_shape():
    layer = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    with pytest.raises(ValueError, match=r"AdaptiveLogSoftmaxWithLoss .*\[0, 5\]"):
        layer(np.zeros((2, 4)), np.array([0, 6]))
    with pytest.raises(ValueError, match=r"same size in the batch.*\(2, 4\) and \(3,\)"):
        layer(np.zeros((2, 4)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 4\).*\(2, 5\)"):
        layer(np.zeros((2, 5)), np.array([0, 1]))
    with pytest.raises(ValueError, match="multi-target"):
        layer(np.zeros((2, 4)), np.zeros((2, 2), int))


# --- fractional max pooling -----------------------------------------------------------------

CASES = [  # rank, input shape, kernel_size, output_size, output_ratio
    (2, (2, 3, 9, 11), (2, 3), (5, 4), None),
    (2, (3, 10, 7), 3, 3, None),                 # unbatched
    (2, (1, 2, 8, 8), 2, None, 0.5),
    (2, (2, 1, 13, 6), (3, 1), None, (0.6, 0.9)),
    (2, (1, 1, 5, 5), 2, 4, None),               # output_size + kernel_size - 1 == input
    (3, (2, 2, 7, 8, 9), (2, 3, 2), (3, 4, 5), None),
    (3, (2, 6, 5, 7), 2, None, 0.5),             # unbatched
]


def _pool(rank):
    return (F.fractional_max_pool2d_with_indices, TF.fractional_max_pool2d_with_indices) \
        if rank == 2 else (F.fractional_max_pool3d_with_indices,
                           TF.fractional_max_pool3d_with_indices)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rank, shape, kernel, out, ratio", CASES)
def test_fractional_max_pool_with_samples_is_torchs_exactly(dtype, rank, shape, kernel, out,
                                                            ratio):
    rng = np.random.default_rng(len(shape) + shape[-1])
    n, c = (shape[0], shape[1]) if len(shape) == rank + 2 else (1, shape[0])
    ours, theirs = _pool(rank)
    for _ in range(5):   # several placements of the windows
        x = rng.normal(size=shape).astype(dtype)
        samples = rng.random((n, c, rank)).astype(dtype)
        samples.flat[0] = 0.0      # the samples' ends too
        samples.flat[-1] = np.nextafter(dtype(1), dtype(0))
        xv, xt = ag.Variable(x), torch.tensor(x, requires_grad=True)
        y, indices = ours(xv, kernel, out, ratio, _random_samples=samples)
        # torch's function wants the ratio as a tuple (its module makes one); ours takes both
        tratio = (ratio,) * rank if isinstance(ratio, float) else ratio
        yt, it = theirs(xt, kernel, out, tratio, _random_samples=torch.tensor(samples))
        assert y.dtype == x.dtype and indices.dtype == np.int64
        np.testing.assert_array_equal(y.numpy(), yt.detach().numpy())
        np.testing.assert_array_equal(indices, it.numpy())
        g = rng.normal(size=y.shape).astype(dtype)
        (y * g).sum().backward()
        (yt * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(xv.grad, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_fractional_max_pool_ties_go_to_the_first_cell_as_torchs():
    x = np.zeros((1, 1, 6, 6))
    samples = np.array([[[0.3, 0.7]]])
    y, indices = F.fractional_max_pool2d_with_indices(x, 2, 3, _random_samples=samples)
    _, it = TF.fractional_max_pool2d_with_indices(torch.tensor(x), 2, 3,
                                                  _random_samples=torch.tensor(samples))
    np.testing.assert_array_equal(indices, it.numpy())


def test_fractional_max_pool_modules_and_the_seeded_stream():
    x = np.random.default_rng(3).normal(size=(2, 3, 10, 10))
    pool = nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)
    tpool = torch.nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)
    assert (pool.kernel_size, pool.return_indices) == ((3, 3), True)
    ag.manual_seed(7)
    y1, i1 = pool(x)
    ag.manual_seed(7)
    y2, i2 = pool(x)
    np.testing.assert_array_equal(i1, i2)   # the same seed, the same windows
    assert y1.shape == tuple(tpool(torch.tensor(x))[0].shape) == (2, 3, 5, 5)
    y3, i3 = pool(x)
    assert not np.array_equal(i1, i3)       # the stream moves on: new windows
    # the windows the stream drew are torch's for those samples
    ag.manual_seed(7)
    samples = ag.random.uniform((2, 3, 2), dtype=np.float64).numpy()
    _, it = TF.fractional_max_pool2d_with_indices(torch.tensor(x), 3, output_ratio=(0.5, 0.5),
                                                  _random_samples=torch.tensor(samples))
    np.testing.assert_array_equal(i1, it.numpy())
    fixed = nn.FractionalMaxPool3d(2, output_size=(2, 3, 2), _random_samples=np.full(
        (1, 2, 3), 0.25))
    v = np.random.default_rng(4).normal(size=(1, 2, 4, 5, 4))
    np.testing.assert_array_equal(
        fixed(v).numpy(), torch.nn.FractionalMaxPool3d(2, output_size=(2, 3, 2),
                                                       _random_samples=torch.full((1, 2, 3), 0.25,
                                                       dtype=torch.float64))(torch.tensor(v)))


@pytest.mark.parametrize("call, message", [
    (lambda: nn.FractionalMaxPool2d(2), "exactly one of output_size and output_ratio"),
    (lambda: nn.FractionalMaxPool2d(2, 3, 0.5), "exactly one"),
    (lambda: nn.FractionalMaxPool2d(2, output_ratio=1.5), r"output_ratio must be a number in"),
    (lambda: nn.FractionalMaxPool3d((2, 2), 3), "kernel_size must be an int >= 1 or a tuple of 3"),
    (lambda: F.fractional_max_pool2d(np.zeros((1, 1, 4, 4)), 2, 4),
     r"fractional_max_pool2d: output_size \(4, 4\) with kernel_size \(2, 2\) needs .*\(5, 5\)"),
    (lambda: F.fractional_max_pool2d(np.zeros((4, 4)), 2, 2), r"3-D \(C, \.\.\.\).*\(4, 4\)"),
    (lambda: F.fractional_max_pool2d(np.zeros((2, 1, 6, 6)), 2, 3,
                                     _random_samples=np.zeros((1, 1, 2))),
     r"_random_samples must be floats of shape \(2, 1, 2\)"),
    (lambda: nn.FractionalMaxPool2d(2, 3)(np.zeros((1, 1, 3, 3))), r"FractionalMaxPool2d '"),
])
def test_fractional_max_pool_refuses_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_names_are_exported():
    for name in ["AdaptiveLogSoftmaxWithLoss", "FractionalMaxPool2d", "FractionalMaxPool3d"]:
        assert name in nn.__all__ and hasattr(torch.nn, name)
    for name in ["fractional_max_pool2d", "fractional_max_pool2d_with_indices",
                 "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]:
        assert name in F.__all__ and hasattr(TF, name)
    assert len(F.__all__) == len(set(F.__all__))
