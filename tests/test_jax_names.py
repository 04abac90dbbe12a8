"""JAX's names: the Autodiff Cookbook's examples ported by renaming (``jax.numpy`` ->
numpy, whose functions run this library's ops on Values; ``jax.grad`` -> ``ag.grad`` and so
on), checked against central differences, closed forms and loops; ``argnums`` and
``has_aux`` with JAX's layouts, ``jit``, ``vmap``'s ``in_axes``, and ``jax.tree_util``."""

import collections
import functools

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import grad, jacfwd, jacrev, jit, jvp, tree_util, value_and_grad, vjp, vmap
from derivatives import numerical_gradient as numerical

jnp = np  # the port's one renaming for jax.numpy


def sigmoid(x):
    return 0.5 * (jnp.tanh(x / 2) + 1)


def predict(W, b, inputs):
    return sigmoid(jnp.dot(inputs, W) + b)


INPUTS = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15],
                   [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])
TARGETS = np.array([True, True, False, True])
W0 = np.array([0.3, -0.2, 0.5])
B0 = np.array(0.1)


def loss(W, b):
    preds = predict(W, b, INPUTS)
    label_probs = preds * TARGETS + (1 - preds) * (1 - TARGETS)
    return -jnp.sum(jnp.log(label_probs))


# --- the cookbook ----------------------------------------------------------------------

def test_gradients_by_argnums_as_the_cookbook():
    W_grad = grad(loss, argnums=0)(W0, B0)
    np.testing.assert_allclose(W_grad, numerical(lambda W: loss(W, B0), W0), rtol=1e-6)
    np.testing.assert_allclose(grad(loss, 0)(W0, B0), W_grad)
    b_grad = grad(loss, 1)(W0, B0)
    np.testing.assert_allclose(b_grad, numerical(lambda b: loss(W0, b), B0), rtol=1e-6)
    W_grad2, b_grad2 = grad(loss, (0, 1))(W0, B0)
    np.testing.assert_allclose(W_grad2, W_grad)
    np.testing.assert_allclose(b_grad2, b_grad)
    loss_value, (Wg, bg) = value_and_grad(loss, (0, 1))(W0, B0)
    np.testing.assert_allclose(loss_value, loss(W0, B0))
    np.testing.assert_allclose(Wg, W_grad)


def test_a_dict_of_parameters_as_the_cookbook():
    def loss2(params_dict):
        preds = predict(params_dict["W"], params_dict["b"], INPUTS)
        label_probs = preds * TARGETS + (1 - preds) * (1 - TARGETS)
        return -jnp.sum(jnp.log(label_probs))
    g = grad(loss2)({"W": W0, "b": B0})
    np.testing.assert_allclose(g["W"], grad(loss, 0)(W0, B0))
    np.testing.assert_allclose(g["b"], grad(loss, 1)(W0, B0))


def test_has_aux_with_jaxs_layouts():
    def f(x):
        y = jnp.sin(x)
        return jnp.sum(y ** 2), {"y": y}
    x = np.array([0.3, 1.2])
    g, aux = grad(f, has_aux=True)(x)
    np.testing.assert_allclose(g, 2 * np.sin(x) * np.cos(x))
    np.testing.assert_allclose(aux["y"], np.sin(x))
    (value, aux), g2 = value_and_grad(f, has_aux=True)(x)  # JAX: ((value, aux), grad)
    np.testing.assert_allclose(value, np.sum(np.sin(x) ** 2))
    np.testing.assert_allclose(g2, g)
    jac, aux = jacrev(lambda x: (jnp.sin(x), jnp.cos(x)), has_aux=True)(x)
    np.testing.assert_allclose(jac, np.diag(np.cos(x)))
    np.testing.assert_allclose(aux, np.cos(x))
    h, aux = ag.hessian(f, has_aux=True)(x)
    np.testing.assert_allclose(h, np.diag(2 * np.cos(2 * x)), atol=1e-12)
    np.testing.assert_allclose(aux["y"], np.sin(x))


def test_argnum_and_argnums_are_one_argument():
    with pytest.raises(TypeError, match="give argnum .* or argnums .*, not both"):
        grad(loss, argnum=1, argnums=0)


def test_jacfwd_jacrev_and_the_hessian_as_the_cookbook():
    def f(W):
        return predict(W, B0, INPUTS)
    J = jacfwd(f)(W0)
    assert J.shape == (4, 3)
    p = np.asarray(f(W0))
    np.testing.assert_allclose(J, (p * (1 - p))[:, None] * INPUTS, rtol=1e-12)
    np.testing.assert_allclose(jacrev(f)(W0), J)

    def hessian(f):
        return jacfwd(jacrev(f))
    H = hessian(f)(W0)
    assert H.shape == (4, 3, 3)
    np.testing.assert_allclose(H, ag.hessian(f)(W0))
    # sigmoid'' = p (1 - p) (1 - 2 p), times x_i x_j
    expected = (p * (1 - p) * (1 - 2 * p))[:, None, None] * INPUTS[:, :, None] * INPUTS[:, None, :]
    np.testing.assert_allclose(H, expected, rtol=1e-10, atol=1e-14)


def test_per_example_gradients_with_jit_and_vmap():
    def loss1(W, b, x, t):
        p = predict(W, b, x)
        return -(t * jnp.log(p) + (1 - t) * jnp.log(1 - p))
    perex_grads = jit(vmap(grad(loss1), in_axes=(None, None, 0, 0)))
    found = perex_grads(W0, B0, INPUTS, TARGETS.astype(float))
    expected = [grad(loss1)(W0, B0, x, t) for x, t in zip(INPUTS, TARGETS.astype(float))]
    np.testing.assert_allclose(found, np.stack(expected))
    np.testing.assert_allclose(np.sum(found, axis=0), grad(loss)(W0, B0))


def test_hessian_vector_products_three_ways():
    rng = np.random.default_rng(0)
    X, V = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))

    def f(X):
        return jnp.sum(jnp.tanh(X) ** 2)

    def hvp(f, x, v):  # reverse-over-reverse, with numpy's vdot of two matrices
        return grad(lambda x: jnp.vdot(grad(f)(x), v))(x)

    def hvp_fwd(f, primals, tangents):  # "forward-over-reverse"
        return jvp(grad(f), primals, tangents)[1]
    expected = np.tensordot(ag.hessian(f)(X), V, 2)
    np.testing.assert_allclose(hvp(f, X, V), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hvp_fwd(f, (X,), (V,)), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ag.hvp(f, X, V)[1], expected, rtol=1e-10, atol=1e-12)


def test_matrix_jacobian_products_by_vmap_of_vjp():
    rng = np.random.default_rng(1)
    x, M = rng.normal(size=5), rng.normal(size=(3, 5))

    def vmap_mjp(f, x, M):
        y, vjp_fun = vjp(f, x)
        outs, = vmap(vjp_fun)(M)
        return outs
    np.testing.assert_allclose(vmap_mjp(jnp.sin, x, M), M @ np.diag(np.cos(x)))


# --- jit and vmap's JAX keywords ----------------------------------------------------------

def test_jit_runs_the_function_and_takes_jaxs_options():
    @functools.partial(jit, static_argnums=(1,))
    def power(x, n):
        return x ** n
    assert float(power(ag.constant(2.0), 3)) == 8.0
    assert jit(jnp.sin, donate_argnums=0) is jnp.sin

    @jit
    def step(x):
        return x * 2.0
    assert float(step(ag.constant(1.5))) == 3.0
    with pytest.raises(TypeError, match=r"jit: unexpected keyword arguments \['fast'\]"):
        jit(jnp.sin, fast=True)
    with pytest.raises(TypeError, match="jit: expected a function"):
        jit(3)


def test_vmap_takes_in_axes_and_out_axes():
    x = np.arange(6.0).reshape(2, 3)
    out = vmap(lambda r, s: r * s, in_axes=(1, None), out_axes=1)(x, 2.0)
    np.testing.assert_allclose(out, 2 * x)
    with pytest.raises(TypeError, match="vmap: give in_axes .* or in_dims .*, not both"):
        vmap(jnp.sin, in_dims=1, in_axes=1)
    with pytest.raises(TypeError, match="vmap: JAX's axis_name is not supported"):
        vmap(jnp.sin, axis_name="batch")


# --- jax.tree_util ------------------------------------------------------------------------

Point = collections.namedtuple("Point", "x y")


def test_tree_flatten_follows_jaxs_rules():
    tree = [Point(1, None), {"z": 2, "a": (3,)}, [], 4]
    leaves, treedef = tree_util.tree_flatten(tree)
    assert leaves == [1, 3, 2, 4]  # None has no leaf, a dict's keys are taken sorted
    assert treedef.num_leaves == 4
    assert tree_util.tree_unflatten(treedef, [10, 30, 20, 40]) == \
        [Point(10, None), {"a": (30,), "z": 20}, [], 40]
    assert tree_util.tree_structure([Point(5, None), {"a": (6,), "z": 7}, [], 8]) == treedef
    assert tree_util.tree_structure([1, 2]) != tree_util.tree_structure((1, 2))
    with pytest.raises(ValueError, match="the structure has 4 leaves, got 3"):
        treedef.unflatten([1, 2, 3])
    # is_leaf stops the descent; a Value and an array are leaves
    assert tree_util.tree_leaves({"a": (1, 2)}, is_leaf=lambda t: isinstance(t, tuple)) == [(1, 2)]
    v = ag.Value(np.ones(2))
    assert tree_util.tree_leaves({"v": v, "n": np.zeros(3)})[1] is v


def test_tree_map_updates_parameters_as_jax_code_does():
    params = {"W": W0, "b": B0}
    grads = grad(lambda p: loss(p["W"], p["b"]))(params)
    new = tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
    np.testing.assert_allclose(new["W"], W0 - 0.1 * grad(loss, 0)(W0, B0))
    assert ag.tree.map(lambda p: p * 2, [1, (2, None)]) == [2, (4, None)]
    assert ag.tree.reduce(lambda a, b: a + b, [1, {"k": 2}], 10) == 13
    assert ag.tree.leaves(ag.tree.flatten({"a": 1})[1].unflatten([5])) == [5]
    with pytest.raises(ValueError, match="tree_map: argument 2 has the structure"):
        tree_util.tree_map(lambda a, b: a + b, {"W": 1, "b": 2}, {"W": 1})
    with pytest.raises(TypeError, match="a dict's keys must be sortable"):
        tree_util.tree_leaves({1: "a", "b": 2})
