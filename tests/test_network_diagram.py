"""nn.plots.draw_network: the circles and arrows sit where they should, encode the weights,
and the numbers written on them are the model's."""

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="nn.plots needs the 'plot' extra")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
from nn.plots import draw_network  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def net_342(seed=0):
    model = nn.Sequential([nn.Dense(4, activation="tanh", input_shape=(3,), seed=seed),
                           nn.Dense(2, activation="sigmoid", seed=seed + 1)])
    rng = np.random.default_rng(seed)
    for layer in model.layers:   # biases away from 0, so that their labels say something
        layer.b.assign(rng.uniform(-1, 1, layer.b.shape).astype(np.float32))
    return model


def by_gid(fig, kind):
    """gid -> artist for the drawing's patches and texts of one kind ("weight" for the
    arrows "weight l,i,j", "weight label" for their labels)."""
    ax = fig.axes[0]
    return {a.get_gid(): a for a in list(ax.patches) + list(ax.texts)
            if a.get_gid() and re.fullmatch(rf"{kind} [\d,]+", a.get_gid())}


def number(text):
    return float(text.get_text().split("=")[-1])


def test_one_circle_per_unit_in_columns_and_one_arrow_per_weight(tmp_path):
    fig = draw_network(net_342())
    ax = fig.axes[0]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(circles) == 3 + 4 + 2 and len(arrows) == 3 * 4 + 4 * 2
    neurons = by_gid(fig, "neuron")
    centres = {gid: n.center for gid, n in neurons.items()}
    columns = [sorted({x for gid, (x, _) in centres.items() if gid.startswith(f"neuron {c},")})
               for c in range(3)]
    assert all(len(col) == 1 for col in columns)          # each column at one x
    assert columns[0][0] < columns[1][0] < columns[2][0]  # inputs first
    for c, n in enumerate([3, 4, 2]):
        ys = [centres[f"neuron {c},{i}"][1] for i in range(n)]
        assert ys == sorted(ys, reverse=True)             # unit 0 at the top
        assert np.isclose(np.mean(ys), 0)                 # columns centred on each other
    # Each arrow runs from the edge of its source circle to the edge of its target.
    radius = neurons["neuron 0,0"].radius
    for (l, i, j) in [(0, 0, 0), (0, 2, 3), (1, 3, 1)]:
        path = by_gid(fig, "weight")[f"weight {l},{i},{j}"].get_path().vertices  # data units
        source, target = np.array(centres[f"neuron {l},{i}"]), \
            np.array(centres[f"neuron {l + 1},{j}"])
        assert radius <= np.linalg.norm(path - source, axis=1).min() < radius + 0.01
        # The head's path stops short by about the line width, which its stroke then
        # covers (matplotlib pulls a mitred tip back so that it ends at the point).
        assert radius <= np.linalg.norm(path - target, axis=1).min() < radius + 0.12
    fig.savefig(tmp_path / "net.png")
    assert (tmp_path / "net.png").stat().st_size > 5000


def test_arrow_width_grows_with_the_weight_and_colour_tells_its_sign():
    model = net_342(1)
    fig = draw_network(model)
    arrows = by_gid(fig, "weight")
    rows = []
    for l, layer in enumerate(model.layers):
        W = layer.W.numpy()
        for (i, j), w in np.ndenumerate(W):
            arrow = arrows[f"weight {l},{i},{j}"]
            r, g, b, _ = arrow.get_edgecolor()
            rows.append((abs(w), w, arrow.get_linewidth(), r, g, b))
    rows.sort()
    widths = [row[2] for row in rows]
    assert widths == sorted(widths) and widths[-1] > 3 * widths[0]
    for size, w, _, r, g, b in rows:
        assert (b > r) if w > 0 else (r > b), (w, r, b)
    # Deeper colour (darker) for a bigger weight of the same sign.
    for sign in (1, -1):
        lightness = [r + g + b for size, w, _, r, g, b in rows if np.sign(w) == sign]
        assert lightness == sorted(lightness, reverse=True)


def test_a_common_weight_scale_makes_drawings_comparable():
    model = net_342(2)
    largest = max(float(np.abs(layer.W.numpy()).max()) for layer in model.layers)
    own = by_gid(draw_network(model), "weight")
    halved = by_gid(draw_network(model, weight_scale=2 * largest), "weight")
    assert all(halved[k].get_linewidth() < own[k].get_linewidth() for k in own)


def test_the_numbers_shown_are_the_forward_pass_and_the_parameters():
    model = net_342(3)
    x = np.array([0.5, -1.0, 2.0], np.float32)
    fig = draw_network(model, x=x)
    shown = by_gid(fig, "activation")
    h = model.layers[0](x[None]).numpy()[0]
    y = model.layers[1](h[None]).numpy()[0]
    for c, values in enumerate([x, h, y]):
        for i, v in enumerate(values):
            assert number(shown[f"activation {c},{i}"]) == pytest.approx(v, abs=0.006)
    np.testing.assert_allclose(y, model(x[None]).numpy()[0])
    biases = by_gid(fig, "bias")
    for l, layer in enumerate(model.layers):
        for j, b in enumerate(layer.b.numpy()):
            assert number(biases[f"bias {l},{j}"]) == pytest.approx(b, abs=0.006)
    labels = by_gid(fig, "weight label")
    assert len(labels) == 12 + 8
    assert number(labels["weight label 1,3,1"]) == pytest.approx(
        model.layers[1].W.numpy()[3, 1], abs=0.006)
    assert not by_gid(fig, "delta")   # no backward yet
    assert "x = (0.5, -1, 2)" in fig.axes[0].get_title()


def test_after_backward_each_unit_shows_its_delta_from_which_the_weight_gradients_follow():
    model = net_342(4)
    x = np.array([[1.0, 0.0, -0.5]], np.float32)
    loss = ag.reduce_sum(ag.square(model(x) - np.array([[1.0, 0.0]], np.float32)))
    loss.backward()
    fig = draw_network(model, x=x)
    deltas = by_gid(fig, "delta")
    activations = [x[0], model.layers[0](x).numpy()[0]]
    for l, layer in enumerate(model.layers):
        delta = layer.b.grad
        for j, d in enumerate(delta):
            assert number(deltas[f"delta {l},{j}"]) == pytest.approx(d, rel=0.05, abs=1e-9)
        # The claim the picture makes: dL/dw_ij = a_i * delta_j, for one sample.
        np.testing.assert_allclose(layer.W.grad, np.outer(activations[l], delta), rtol=1e-5,
                                   atol=1e-8)
    grads = draw_network(model, x=x, show="gradients")
    arrows = by_gid(grads, "weight")
    for (i, j), g in np.ndenumerate(model.layers[1].W.grad):
        r, _, b, _ = arrows[f"weight 1,{i},{j}"].get_edgecolor()
        assert (b > r) if g > 0 else (r > b)
    assert number(by_gid(grads, "weight label")["weight label 1,0,0"]) == pytest.approx(
        model.layers[1].W.grad[0, 0], rel=0.05)
    assert grads.axes[1].get_ylabel() == "gradient dL/dw_ij"


def test_a_single_dense_layer_and_a_given_axes():
    layer = nn.Dense(3, activation="relu", input_shape=(2,), seed=0)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    assert draw_network(layer, x=[1.0, 2.0], ax=axes[1]) is fig
    assert len([p for p in axes[1].patches if isinstance(p, Circle)]) == 5
    assert not axes[0].patches


def test_a_larger_network_draws_every_unit_without_numbers():
    model = nn.MLP(8, [20, 30], 3, seed=0)
    fig = draw_network(model, x=np.linspace(0, 1, 8))
    assert len(by_gid(fig, "neuron")) == 8 + 20 + 30 + 3
    assert len(by_gid(fig, "weight")) == 8 * 20 + 20 * 30 + 30 * 3
    assert not by_gid(fig, "activation") and not by_gid(fig, "weight label")


def test_errors_name_the_layer():
    wide = nn.Sequential([nn.Dense(4, input_shape=(3,), name="hidden"),
                          nn.Dense(64, name="wide")])
    with pytest.raises(ValueError, match=r"layer 1 'wide' has 64 units.*max_units=32"):
        draw_network(wide)
    assert draw_network(wide, max_units=64)
    mnist = nn.Sequential([nn.Dense(10, input_shape=(784,))])
    with pytest.raises(ValueError, match="the input has 784 values"):
        draw_network(mnist)
    dropout = nn.Sequential([nn.Dense(4, input_shape=(3,)), nn.Dropout(0.5, name="drop")])
    with pytest.raises(TypeError, match=r"layer 1 'drop' is a Dropout; it draws Dense layers"):
        draw_network(dropout)
    with pytest.raises(TypeError, match="expected a Sequential of Dense layers"):
        draw_network(lambda x: x)
    with pytest.raises(ValueError, match="is not built yet"):
        draw_network(nn.Sequential([nn.Dense(2), nn.Dense(1)]))
    with pytest.raises(ValueError, match=r"one sample.*\(4, 3\)"):
        draw_network(net_342(), x=np.zeros((4, 3)))
    with pytest.raises(ValueError, match="has no .grad"):
        draw_network(net_342(), show="gradients")
    with pytest.raises(ValueError, match="show must be"):
        draw_network(net_342(), show="biases")


def test_an_unbuilt_model_is_built_by_its_input():
    model = nn.Sequential([nn.Dense(2, activation="sigmoid", seed=0), nn.Dense(1, seed=1)])
    fig = draw_network(model, x=[1.0, 1.0])
    assert len(by_gid(fig, "neuron")) == 5


def test_docstring_example():
    import doctest

    from nn import network_diagram
    result = doctest.testmod(network_diagram)
    assert result.attempted > 0 and result.failed == 0
