"""PyTorch's and numpy's ``out=``: every function of the ops writes into a given Value."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import ops


def test_the_pytorch_tensors_tutorial_writes_into_out():
    tensor = ag.ones(4, 4)
    tensor[:, 1] = 0
    y1 = tensor @ tensor.T
    y3 = ag.rand_like(y1)
    returned = ag.matmul(tensor, tensor.T, out=y3)
    assert returned is y3
    np.testing.assert_array_equal(y3.data, y1.data)
    z3 = ag.rand_like(tensor)
    ag.multiply(tensor, tensor, out=z3)
    np.testing.assert_array_equal(z3.data, (tensor * tensor).data)


def test_out_against_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).normal(size=(3, 4))
    for name, args in [("exp", (a,)), ("add", (a, a)), ("sum", (a, 1)), ("cumsum", (a, 1)),
                       ("clamp", (a, -0.5, 0.5)), ("maximum", (a, 0.1 * a))]:
        theirs = getattr(torch, name)(*[torch.tensor(x) if isinstance(x, np.ndarray) else x
                                        for x in args])
        out = ag.zeros(theirs.shape, dtype=ag.float64)
        getattr(ag, name)(*[ag.constant(x) if isinstance(x, np.ndarray) else x
                            for x in args], out=out)
        np.testing.assert_allclose(out.data, theirs.numpy(), rtol=1e-12, err_msg=name)


def test_every_function_of_the_ops_takes_out():
    for name in ops.__all__:
        f = getattr(ops, name)
        if callable(f) and not isinstance(f, type):
            assert "out" in inspect.signature(f).parameters, name


def test_several_results_take_a_tuple():
    x = ag.constant([3.0, 1.0, 2.0])
    values, indices = ag.zeros(3), ag.zeros(3, dtype=ag.int64)
    result = ag.sort(x, dim=0, out=(values, indices))
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(values.data, [1, 2, 3])
    np.testing.assert_array_equal(indices.data, [1, 2, 0])
    with pytest.raises(TypeError, match="out has one Value for 2 results"):
        ag.sort(x, dim=0, out=values)


def test_a_refused_out_changes_nothing():
    x = ag.Value([1.0, 2.0], requires_grad=True)
    out = ag.zeros(2)
    with pytest.raises(RuntimeError, match=r"exp\(\): functions with out=.*requires grad"):
        ag.exp(x, out=out)
    np.testing.assert_array_equal(out.data, [0, 0])
    with ag.no_grad():
        ag.exp(x, out=out)
    np.testing.assert_allclose(out.data, np.exp([1.0, 2.0]), rtol=1e-6)
    integers = ag.zeros(2, dtype=ag.int64)
    with pytest.raises(TypeError, match="float32 can't be cast to the desired output type int64"):
        ag.add(ag.ones(2), 1.0, out=integers)
    np.testing.assert_array_equal(integers.data, [0, 0])
    values = ag.zeros(3)
    with pytest.raises(TypeError, match="out has 1 Values for 2 results"):
        ag.sort(ag.constant([3.0, 1.0, 2.0]), dim=0, out=(values,))
    np.testing.assert_array_equal(values.data, [0, 0, 0])
    with pytest.raises(TypeError, match="out must be a Value"):
        ag.exp(ag.ones(2), out=np.zeros(2))
    with pytest.raises(TypeError, match="its result is a list"):
        ag.split(ag.ones(4), 2, out=ag.zeros(2))


def test_out_of_another_shape_is_resized_as_pytorch_does():
    out = ag.zeros(3)
    with pytest.warns(UserWarning, match="resized"):
        ag.add(ag.ones(2), 1.0, out=out)
    assert out.shape == (2,)
    empty = ag.zeros(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.add(ag.ones(2), 1.0, out=empty)
    np.testing.assert_array_equal(empty.data, [2, 2])


def test_a_graph_that_read_out_refuses_to_differentiate_after_it_changes():
    w = ag.Value([1.0, 2.0], requires_grad=True)
    buffer = ag.constant([1.0, 1.0])
    y = (w * buffer).sum()
    with ag.no_grad():
        ag.add(ag.ones(2), 1.0, out=buffer)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()
