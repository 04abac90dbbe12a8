"""torch.func's and JAX's transforms over nests of outputs and inputs: ``vjp`` and ``jvp``
of a function returning a tuple or a dict, ``vjp`` with respect to a dict of parameters,
``jacrev``/``jacfwd`` with ``has_aux``, ``chunk_size`` and ``randomness``, and ``hessian``
of a vector-valued function. The examples of torch.func's API pages, ported by renaming
(torch -> ag, torch.func -> ag.func), checked against torch 2.13 on the same float64
numbers."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import func


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


RNG = np.random.default_rng(0)
X5 = RNG.normal(size=5)
Y5 = RNG.normal(size=5)


def arrays(tree):
    """A nest of Values, tensors or arrays as the same nest of numpy arrays."""
    if isinstance(tree, dict):
        return {k: arrays(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(arrays(v) for v in tree)
    if hasattr(tree, "detach"):
        return tree.detach().numpy()
    return np.asarray(tree.data if isinstance(tree, ag.Value) else tree)


def assert_same(ours, theirs):
    ours, theirs = arrays(ours), arrays(theirs)
    assert type(ours) is type(theirs) or not isinstance(ours, (list, tuple, dict)), \
        (type(ours), type(theirs))
    if isinstance(ours, dict):
        assert ours.keys() == theirs.keys()
        for k in ours:
            assert_same(ours[k], theirs[k])
    elif isinstance(ours, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


# --- vjp and jvp of nests ---------------------------------------------------------------

def test_vjp_of_a_tuple_and_of_a_dict_output_as_torch_func_docs(torch):
    x, tx = X5.copy(), torch.tensor(X5)
    for f in (lambda x: (x.sin(), x.cos()),
              lambda x: {"first": x.sin(), "second": x.cos()}):
        out, vjp_fn = func.vjp(f, x)
        t_out, t_vjp_fn = torch.func.vjp(f, tx)
        assert_same(out, t_out)
        ones = ({k: np.ones(5) for k in out} if isinstance(out, dict) else
                (np.ones(5), np.ones(5)))
        t_ones = ({k: torch.ones(5, dtype=torch.float64) for k in out}
                  if isinstance(out, dict) else (torch.ones(5, dtype=torch.float64),) * 2)
        (found,), (expected,) = vjp_fn(ones), t_vjp_fn(t_ones)
        assert_same(found, expected)
        np.testing.assert_allclose(found, np.cos(X5) - np.sin(X5))  # the docs' own check


def test_vjp_weights_each_output_by_its_own_vector(torch):
    def f(x, y):
        return [x * y, {"s": (x ** 2).sum(), "d": x - y}]
    v = [RNG.normal(size=5), {"s": np.array(1.5), "d": RNG.normal(size=5)}]
    _, vjp_fn = func.vjp(f, X5, Y5)
    _, t_vjp_fn = torch.func.vjp(f, torch.tensor(X5), torch.tensor(Y5))
    t_v = [torch.tensor(v[0]), {"s": torch.tensor(v[1]["s"]), "d": torch.tensor(v[1]["d"])}]
    assert_same(vjp_fn(v), t_vjp_fn(t_v))


def test_vjp_with_respect_to_a_dict_of_parameters(torch):
    W, b = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    x = RNG.normal(size=(2, 3))

    def f(params):
        return ag.tanh(x @ params["W"] + params["b"])

    def t_f(params):
        return torch.tanh(torch.tensor(x) @ params["W"] + params["b"])
    v = RNG.normal(size=(2, 4))
    out, vjp_fn = func.vjp(f, {"W": W, "b": b})
    t_out, t_vjp_fn = torch.func.vjp(t_f, {"W": torch.tensor(W), "b": torch.tensor(b)})
    assert_same(out, t_out)
    (found,) = vjp_fn(v)
    assert isinstance(found, dict) and set(found) == {"W", "b"}
    assert_same(found, t_vjp_fn(torch.tensor(v))[0])


def test_vjp_refuses_vectors_in_another_nest_naming_it():
    _, vjp_fn = func.vjp(lambda x: {"a": x.sin(), "b": x.cos()}, X5)
    with pytest.raises(ValueError, match=r"vjp: the output is a dict with keys \['a', 'b'\]"):
        vjp_fn({"a": np.ones(5)})
    with pytest.raises(ValueError, match="vjp: the output is a dict"):
        vjp_fn(np.ones(5))
    _, vjp_fn = func.vjp(lambda x: (x.sin(), x.cos()), X5)
    with pytest.raises(ValueError, match=r"vjp: the output is a tuple of 2; give a list or "
                                         r"tuple of 2 vectors, got a tuple of 3"):
        vjp_fn((np.ones(5),) * 3)
    with pytest.raises(ValueError, match=r"vjp: the vector has shape \(4,\) but the output "
                                         r"has shape \(5,\)"):
        vjp_fn((np.ones(5), np.ones(4)))
    # the refused calls changed nothing: the right vectors still give the right answer
    np.testing.assert_allclose(vjp_fn((np.ones(5), np.ones(5)))[0], np.cos(X5) - np.sin(X5))


def test_a_single_output_still_takes_a_list_of_numbers_as_its_vector():
    _, vjp_fn = ag.vjp(lambda x: x * 3.0, np.array([1.0, 2.0]))
    np.testing.assert_allclose(vjp_fn([1.0, 2.0])[0], [3.0, 6.0])


def test_jvp_of_a_tuple_and_a_dict_output(torch):
    def f(x, y):
        return {"p": x * y, "q": (x.sin(), (x * x).sum())}
    t = (RNG.normal(size=5), RNG.normal(size=5))
    out, tangent = func.jvp(f, (X5, Y5), t)
    t_out, t_tangent = torch.func.jvp(f, (torch.tensor(X5), torch.tensor(Y5)),
                                      tuple(torch.tensor(a) for a in t))
    assert_same(out, t_out)
    assert_same(tangent, t_tangent)


def test_jvp_of_an_output_that_does_not_depend_on_the_input_is_zero():
    out, tangent = ag.jvp(lambda x: (x * 2.0, ag.constant(np.ones(3))), (np.ones(3),),
                          (np.ones(3),))
    np.testing.assert_allclose(tangent[0], 2.0)
    np.testing.assert_allclose(tangent[1], 0.0)


# --- jacrev and jacfwd: has_aux, chunk_size, randomness ---------------------------------

def test_jacrev_and_jacfwd_with_aux_as_torch_func_docs(torch):
    def f(x):
        x_sin = x.sin()
        return x_sin, x_sin

    def g(x):
        return {"y": x * x.sum()}, {"norm": (x * x).sum(), "x": x}
    for ours, theirs in ((func.jacrev, torch.func.jacrev), (func.jacfwd, torch.func.jacfwd)):
        for fn in (f, g):
            jac, aux = ours(fn, has_aux=True)(X5)
            t_jac, t_aux = theirs(fn, has_aux=True)(torch.tensor(X5))
            assert_same(jac, t_jac)
            assert_same(aux, t_aux)
            # plain numbers in, plain arrays out: aux too, as the Jacobian (a numpy
            # scalar for one number, as a Value's data is)
            for leaf in (aux,) if not isinstance(aux, dict) else aux.values():
                assert isinstance(leaf, (np.ndarray, np.generic))


def test_jacrev_with_aux_over_two_arguments(torch):
    def f(x, y):
        return x * y.sum(), y.cos()
    jac, aux = func.jacrev(f, argnums=(0, 1), has_aux=True)(X5, Y5)
    t_jac, t_aux = torch.func.jacrev(f, argnums=(0, 1), has_aux=True)(
        torch.tensor(X5), torch.tensor(Y5))
    assert_same(jac, t_jac)
    assert_same(aux, t_aux)


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match="has_aux=True: func must return a pair"):
        func.jacrev(lambda x: x.sin(), has_aux=True)(X5)


def test_chunk_size_is_checked_as_pytorchs_and_changes_no_number(torch):
    expected = torch.func.jacrev(torch.sin, chunk_size=2)(torch.tensor(X5))
    for chunk_size in (None, 1, 2, 100):
        assert_same(func.jacrev(ag.sin, chunk_size=chunk_size)(X5), expected)
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="jacrev: chunk_size must be a positive integer"):
            func.jacrev(ag.sin, chunk_size=bad)


def test_jacfwd_takes_pytorchs_randomness_argument():
    for randomness in ("error", "different", "same"):
        np.testing.assert_allclose(func.jacfwd(ag.sin, randomness=randomness)(X5),
                                   np.diag(np.cos(X5)))
    with pytest.raises(ValueError, match="jacfwd: randomness must be"):
        func.jacfwd(ag.sin, randomness="sometimes")


def test_aux_stays_a_value_when_the_transform_is_nested():
    def f(x):
        return (x ** 3).sum(), x * 2.0

    def outer(x):
        g, aux = func.grad(f, has_aux=True)(x)
        assert isinstance(aux, ag.Value) and aux.requires_grad  # recorded, as g is
        return (g * aux).sum()  # sum(3 x**2 * 2 x) = 6 sum(x**3)
    np.testing.assert_allclose(func.grad(outer)(X5), 18 * X5 ** 2)


# --- hessian of any function --------------------------------------------------------------

def test_hessian_of_a_vector_function_as_torch_func(torch):
    def f(x):
        return x.sin() * x.sum()
    h = func.hessian(f)(X5)
    assert h.shape == (5, 5, 5)
    assert_same(h, torch.func.hessian(f)(torch.tensor(X5)))
    # the JAX-style name gives the same, and the docs' example torch.sin
    assert_same(ag.hessian(ag.sin)(X5), torch.func.hessian(torch.sin)(torch.tensor(X5)))


def test_hessian_blocks_for_two_arguments(torch):
    def f(x, y):
        return (x * y ** 2).sum() + (x ** 3).sum()
    h = func.hessian(f, argnums=(0, 1))(X5, Y5)
    t_h = torch.func.hessian(f, argnums=(0, 1))(torch.tensor(X5), torch.tensor(Y5))
    assert_same(h, t_h)
    np.testing.assert_allclose(h[0][1], np.diag(2 * Y5))
    np.testing.assert_allclose(h[0][1], h[1][0].T)


def test_hessian_of_a_one_number_function_keeps_its_shape():
    H = ag.hessian(lambda x: (x[0] ** 2) * x[1])(np.array([1.0, 3.0]))
    np.testing.assert_allclose(H, [[6.0, 2.0], [2.0, 0.0]])
    H = ag.hessian(lambda m: (m ** 3).sum())(np.arange(6.0).reshape(2, 3))
    assert H.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(H.reshape(6, 6), np.diag(6 * np.arange(6.0)))
