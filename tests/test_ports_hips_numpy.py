"""HIPS autograd's examples, ported by renaming ``from autograd import grad`` to
``from autograd_core import grad`` and keeping plain numpy: numpy's functions run the
library's ops on Values (``np.tanh``, ``np.dot``, ``np.sum``), and a network's parameters
may be a nest of lists, tuples and dicts, differentiated leaf by leaf as in HIPS autograd
and JAX. Checked against PyTorch and central differences.
"""

import collections
import inspect
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import elementwise_grad as egrad
from autograd_core import grad, hessian, value_and_grad

torch = pytest.importorskip("torch")


def tanh(x):  # HIPS autograd's README
    y = np.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)


def test_readme_tanh_and_its_derivatives():
    grad_tanh = grad(tanh)
    x0 = np.float64(1.0)
    assert float(grad_tanh(x0)) == pytest.approx(0.41997434161402603, rel=1e-12)
    assert float(grad_tanh(x0)) == pytest.approx((tanh(1.0001) - tanh(0.9999)) / 0.0002,
                                                 rel=1e-7)
    x = np.linspace(-7, 7, 200)
    t = torch.tensor(x, requires_grad=True)
    derivatives = [torch.tanh(t)]
    for _ in range(3):  # torch's own first, second and third derivatives of tanh
        (d,) = torch.autograd.grad(derivatives[-1].sum(), t, create_graph=True)
        derivatives.append(d)
    ours = [egrad(tanh)(x), egrad(egrad(tanh))(x), egrad(egrad(egrad(tanh)))(x)]
    for got, want in zip(ours, derivatives[1:]):
        np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_logistic_regression_tutorial():
    def sigmoid(x):
        return 0.5 * (np.tanh(x / 2.) + 1)

    def logistic_predictions(weights, inputs):
        return sigmoid(np.dot(inputs, weights))

    def training_loss(weights):
        preds = logistic_predictions(weights, inputs)
        label_probabilities = preds * targets + (1 - preds) * (1 - targets)
        return -np.sum(np.log(label_probabilities))

    inputs = np.array([[0.52, 1.12, 0.77],
                       [0.88, -1.08, 0.15],
                       [0.52, 0.06, -1.30],
                       [0.74, -2.49, 1.39]])
    targets = np.array([True, True, False, True])
    training_gradient_fun = grad(training_loss)
    weights = np.array([0.0, 0.0, 0.0])
    assert float(training_loss(weights)) == pytest.approx(4 * np.log(2))
    for i in range(100):
        weights -= training_gradient_fun(weights) * 0.01
    # the same 100 steps with PyTorch
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    x, t = torch.tensor(inputs), torch.tensor(targets, dtype=torch.float64)
    for i in range(100):
        p = torch.sigmoid(x @ w)
        loss = -torch.log(p * t + (1 - p) * (1 - t)).sum()
        (g,) = torch.autograd.grad(loss, w)
        with torch.no_grad():
            w -= g * 0.01
    np.testing.assert_allclose(weights, w.detach().numpy(), rtol=1e-10)
    H = hessian(training_loss)(weights)
    np.testing.assert_allclose(H, torch.autograd.functional.hessian(
        lambda v: -torch.log(torch.sigmoid(x @ v) * t + (1 - torch.sigmoid(x @ v)) * (1 - t))
        .sum(), w.detach()).numpy(), rtol=1e-9)


def test_neural_net_example_with_a_list_of_weight_tuples():
    def logsumexp(X, axis=1):
        max_X = np.max(X, axis=axis, keepdims=True)
        return max_X + np.log(np.sum(np.exp(X - max_X), axis=axis, keepdims=True))

    def nn_predict(params, inputs):
        for W, b in params:
            outputs = np.dot(inputs, W) + b
            inputs = np.tanh(outputs)
        return outputs - logsumexp(outputs)

    rs = np.random.RandomState(0)
    params = [(rs.randn(4, 5) * 0.1, rs.randn(5) * 0.1), (rs.randn(5, 3) * 0.1, rs.randn(3) * 0.1)]
    X, T = rs.randn(6, 4), np.eye(3)[rs.randint(0, 3, 6)]

    def objective(params):
        return -np.sum(nn_predict(params, X) * T)

    value, g = value_and_grad(objective)(params)
    assert isinstance(g, list) and all(isinstance(layer, tuple) for layer in g)
    leaves = [torch.tensor(a, requires_grad=True) for layer in params for a in layer]
    h = torch.tensor(X)
    for W, b in (leaves[:2], leaves[2:]):
        out = h @ W + b
        h = torch.tanh(out)
    loss = -(torch.log_softmax(out, dim=1) * torch.tensor(T)).sum()
    want = torch.autograd.grad(loss, leaves)
    assert float(value) == pytest.approx(loss.item(), rel=1e-12)
    for got, w in zip([a for layer in g for a in layer], want):
        np.testing.assert_allclose(got, w.numpy(), rtol=1e-10, atol=1e-13)


def test_containers_keep_their_shape_and_second_order_works_through_them():
    Point = collections.namedtuple("Point", "x y")
    params = {"w": np.array([1.0, 2.0]), "pair": Point(np.array(3.0), [np.array(0.5)])}

    def f(p):
        return np.sum(p["w"] ** 2) * p["pair"].x + p["pair"].y[0] ** 3

    g = grad(f)(params)
    assert set(g) == {"w", "pair"} and isinstance(g["pair"], Point)
    assert isinstance(g["pair"].y, list)
    np.testing.assert_allclose(g["w"], 2 * params["w"] * 3.0)
    assert float(g["pair"].x) == pytest.approx(5.0) and float(g["pair"].y[0]) == 0.75
    # the gradient of a gradient: d/dx of (df/dy0) with the containers in between
    d2 = grad(lambda y0: grad(f)({"w": params["w"], "pair": Point(np.array(3.0), [y0])})
              ["pair"].y[0])
    assert float(d2(np.array(0.5))) == pytest.approx(6 * 0.5)
    # argnum tuples with a container and a plain array
    ga, gb = grad(lambda a, b: np.sum(a[0] * b), argnum=(0, 1))([np.ones(2)], np.arange(2.0))
    assert isinstance(ga, list) and ga[0].tolist() == [0.0, 1.0] and gb.tolist() == [1.0, 1.0]


def test_numpys_functions_on_values_run_the_librarys_ops():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.2, 0.8, (3, 4))
    for f in (np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh,
              np.arcsinh, np.arctanh, np.log1p, np.expm1, np.log2, np.log10, np.exp2,
              np.reciprocal, lambda v: np.arccosh(v + 1.5), lambda v: np.hypot(v, 1 - v),
              lambda v: np.arctan2(v, 0.5), lambda v: np.logaddexp(v, 0.3),
              lambda v: np.remainder(v, 0.3) + np.fmod(v, 0.3) + np.floor_divide(v, 0.3),
              lambda v: np.sign(v - 0.5) * np.floor(v * 3) * np.ceil(v) * np.rint(v),
              lambda v: np.prod(v, axis=1), lambda v: np.var(v, axis=0, ddof=1),
              lambda v: np.std(v), lambda v: np.cumsum(v, axis=1), np.cumprod,
              lambda v: np.squeeze(v[None]), lambda v: np.moveaxis(v, 0, 1), np.flip,
              lambda v: np.roll(v, 1, 0), np.ravel, lambda v: np.tile(v, 2),
              lambda v: np.repeat(v, 2, 0), lambda v: np.split(v, 2, 1)[1],
              lambda v: np.pad(v, 1), lambda v: np.diff(v, axis=0), lambda v: np.outer(v, v),
              np.trace, lambda v: np.diagonal(v, 1), lambda v: np.diag(v[0]),
              lambda v: np.einsum("ij,kj->ik", v, v), lambda v: np.tensordot(v, v, 2),
              lambda v: np.take(v, [0, 2], axis=1), lambda v: np.sort(v, axis=0),
              lambda v: np.take_along_axis(v, np.argsort(v, 1), 1), np.linalg.norm,
              lambda v: np.linalg.inv(v[:, :3]), lambda v: np.linalg.det(v[:, :3]),
              lambda v: np.linalg.solve(v[:, :3], v[:, 3]), lambda v: np.triu(v, 1),
              lambda v: np.meshgrid(v[0], v[1])[1]):
        out = f(ag.Value(x))
        assert isinstance(out, ag.Value) and out.requires_grad, f
        np.testing.assert_allclose(out.data, f(x), rtol=1e-12, atol=1e-14)
        ag.gradcheck(lambda v: f(v), [x])
    got = np.where(ag.Value(x) > 0.5)  # the condition alone: indices, as numpy's
    for a, b in zip(got, np.where(x > 0.5)):
        np.testing.assert_array_equal(a.data, b)
    with pytest.raises(TypeError, match=r"np.var: mean=.* is not supported for Values"):
        np.var(ag.Value(x), mean=np.zeros((1, 1)))


def test_more_of_numpys_functions_on_values_run_the_librarys_ops():
    # np.median and np.quantile (numpy's: the mean of the two middle values), np.cross,
    # np.kron, np.rot90, np.nan_to_num, np.broadcast_arrays and np.gradient, with numpy's
    # signatures; each checked against numpy and against central differences.
    rng = np.random.default_rng(1)
    x = rng.uniform(0.2, 0.8, (4, 6))
    cases = [lambda v: np.median(v), lambda v: np.median(v, axis=1, keepdims=True),
             lambda v: np.quantile(v, 0.3, axis=0), lambda v: np.quantile(v, [0.25, 0.5]),
             lambda v: np.quantile(v, 0.4, method="nearest"),
             lambda v: np.quantile(v, 0.35, axis=1, method="midpoint"),
             lambda v: np.cross(v[:, :3], v[:, 3:]), lambda v: np.cross(v[:3], v[1:], axis=0),
             lambda v: np.kron(v[:2, :2], v[2:, 4:]), lambda v: np.rot90(v, 3),
             lambda v: np.nan_to_num(v * 2), lambda v: np.broadcast_arrays(v, v[0])[1],
             lambda v: np.gradient(v[0]), lambda v: np.gradient(v, 0.5, axis=1),
             lambda v: np.gradient(v, 2.0, np.cumsum(np.arange(1.0, 7.0)))[1],
             lambda v: np.gradient(v, axis=0, edge_order=2)]
    for f in cases:
        out = f(ag.Value(x))
        assert isinstance(out, ag.Value) and out.requires_grad
        np.testing.assert_allclose(out.data, f(x), rtol=1e-12, atol=1e-14)
        ag.gradcheck(lambda v: f(v), [x])
    # numpy's older keyword picks the interpolation too, where numpy still takes it (its
    # dispatcher refuses it from numpy 2.4 on, before a Value is asked)
    if "interpolation" in inspect.signature(np.quantile).parameters:
        for f in (np.quantile, np.percentile, np.nanquantile):
            q = 40 if f is np.percentile else 0.4
            how = "linear" if f is np.nanquantile else "lower"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                got = f(ag.Value(x), q, axis=1, interpolation=how)
            np.testing.assert_allclose(got.data, f(x, q, axis=1, method=how), rtol=1e-12)
    if hasattr(np, "unstack"):  # numpy 2.1 and later
        parts = np.unstack(ag.Value(x), axis=1)
        assert isinstance(parts, tuple) and len(parts) == 6
        np.testing.assert_array_equal(parts[2].data, x[:, 2])


def test_ufunc_methods_on_values_run_the_librarys_ops():
    # reduce, accumulate and outer of the binary ufuncs, with numpy's default axis 0.
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4))
    for f in (np.add.reduce, lambda a: np.add.reduce(a, 1),
              lambda a: np.multiply.reduce(a, axis=None, keepdims=True),
              lambda a: np.maximum.reduce(a, axis=1), np.minimum.reduce,
              lambda a: np.add.accumulate(a, 1), np.multiply.accumulate,
              lambda a: np.maximum.accumulate(a, axis=1), np.minimum.accumulate,
              lambda a: np.add.outer(a[0], a[1]), lambda a: np.multiply.outer(a, a[0]),
              lambda a: np.subtract.outer(np.arange(2.0), a[:, 0])):
        out = f(ag.Value(x))
        assert isinstance(out, ag.Value) and out.requires_grad, f
        np.testing.assert_allclose(out.data, f(x), rtol=1e-12)
        ag.gradcheck(f, [x])
    with pytest.raises(TypeError, match="np.add.reduce: dtype="):
        np.add.reduce(ag.Value(x), dtype=np.float32)
    with pytest.raises(TypeError, match="np.add.reduceat on a Value"):
        np.add.reduceat(ag.Value(x), [0, 2])


def test_numpys_functions_refuse_what_values_do_not_take_with_a_type_error():
    v = ag.Value(np.arange(6.0).reshape(2, 3))
    # An array-valued keyword (numpy's where= mask) is refused by name, not compared as a
    # truth value ("The truth value of an array ... is ambiguous").
    with pytest.raises(TypeError, match=r"np.mean: where=\(an array of shape \(2, 3\)\)"):
        np.mean(v, where=v.data > 1)
    with pytest.raises(TypeError, match="np.nan_to_num: copy=False is not supported"):
        np.nan_to_num(v, copy=False)
    with pytest.raises(TypeError, match="np.cross: different axisa"):
        np.cross(v, v, axisa=0)
    # numpy's select picks by conditions (numpy_picking.select_by_conditions); the
    # library's select stays PyTorch's, one index along a dim.
    np.testing.assert_array_equal(np.select([v > 1], [v]).data, np.where(v.data > 1, v.data, 0))
    np.testing.assert_array_equal(ag.select(v, 1, 0).data, v.data[:, 0])
    # A function with no counterpart names what to call instead.
    with pytest.raises(TypeError, match=r"np.histogram2d on a Value has no differentiable "
                                        r"counterpart here: use the library's ops"):
        np.histogram2d(v[0], v[1])
    # New arrays of a Value's shape are numpy's arrays, as numpy makes them for a tensor.
    for made, want in ((np.zeros_like(v), np.zeros((2, 3))), (np.ones_like(v), np.ones((2, 3))),
                       (np.full_like(v, 7.0), np.full((2, 3), 7.0))):
        assert type(made) is np.ndarray
        np.testing.assert_array_equal(made, want)
    assert np.empty_like(v).shape == (2, 3)
