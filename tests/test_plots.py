"""nn.plots: the lesson pictures draw, and the numbers behind them are right."""

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="nn.plots needs the 'plot' extra")
import matplotlib  # noqa: E402

matplotlib.use("Agg")

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
from nn import plots  # noqa: E402


@pytest.mark.parametrize("name, derivative", [
    ("sigmoid", lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s)),
    ("tanh", lambda x: 1 - np.tanh(x) ** 2),
    ("relu", lambda x: (x > 0).astype(float)),
])
def test_activation_derivatives_come_from_autodiff(name, derivative):
    x = np.linspace(-4, 4, 81) + 0.01  # off the kink of relu
    y, dy = plots.activation_curves(name, x)
    np.testing.assert_allclose(dy, derivative(x), atol=1e-12)


def test_plot_activations_has_a_panel_each():
    fig = plots.plot_activations(("sigmoid", "relu"))
    assert len(fig.axes) == 2
    assert [a.get_title() for a in fig.axes] == ["sigmoid", "relu"]
    assert len(fig.axes[0].lines) >= 2  # the function and its derivative


def _xor_model():
    return nn.Sequential([nn.Dense(3, activation="sigmoid", input_shape=(2,), seed=1),
                          nn.Dense(1, activation="sigmoid", seed=2)])


def test_decision_boundary_and_hidden_units(tmp_path):
    x, y = nn.datasets.xor()
    model = _xor_model()
    fig = plots.plot_decision_boundary(model, x, y, resolution=20, title="xor")
    fig.savefig(tmp_path / "db.png")
    assert (tmp_path / "db.png").stat().st_size > 1000
    fig = plots.plot_hidden_units(model.layers[0], x, y, resolution=20)
    assert [a.get_title() for a in fig.axes if a.get_title()] == [
        "hidden unit 0", "hidden unit 1", "hidden unit 2"]
    with pytest.raises(ValueError, match=r"two inputs.*\(4, 3\)"):
        plots.plot_decision_boundary(model, np.zeros((4, 3)))


def test_history_digits_and_weights():
    class History:
        history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]}
    fig = plots.plot_history(History())
    assert [a.get_title() for a in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 2  # training and validation

    images = np.random.default_rng(0).integers(0, 255, (6, 28, 28))
    fig = plots.plot_digits(images, labels=[1, 2, 3, 4, 5, 6], predictions=[1, 2, 0, 4, 5, 6],
                            n=6, cols=3)
    titles = [a.get_title() for a in fig.axes]
    assert titles[2] == "label 3, pred 0"
    assert fig.axes[2].title.get_color() == "red" and fig.axes[0].title.get_color() == "black"

    model = nn.Sequential([nn.Dense(4, input_shape=(784,), seed=0), nn.Dense(2, seed=1)])
    fig = plots.plot_first_layer_weights(model, n=4, cols=4)
    shown = fig.axes[1].images[0].get_array()
    np.testing.assert_array_equal(shown, model.layers[0].W.numpy()[:, 1].reshape(28, 28))


def test_gradient_norms_match_a_tape():
    x, y = nn.datasets.xor()
    model = _xor_model()
    loss = nn.losses.get("mse")
    norms = plots.layer_gradient_norms(model, x, y, loss)
    with ag.GradientTape() as tape:
        value = loss(y, model(x))
    grads = tape.gradient(value, [layer.W for layer in model.layers])
    assert list(norms) == [layer.name for layer in model.layers]
    np.testing.assert_allclose(list(norms.values()),
                               [np.linalg.norm(g.numpy()) for g in grads], rtol=1e-6)
    fig = plots.plot_gradient_norms({"sigmoid": norms, "relu": norms})
    assert len(fig.axes[0].patches) == 4


def test_heat_maps_of_probabilities_use_the_fixed_scale_0_to_1():
    x, y = nn.datasets.xor()
    undecided = lambda points: ag.constant(np.full((len(points), 1), 0.5, np.float32))  # noqa: E731
    fig = plots.plot_decision_boundary(undecided, x, y, resolution=10)
    assert fig.axes[0].collections[0].get_clim() == (0.0, 1.0)
    wide = lambda points: ag.constant(points[:, :1] * 10)  # noqa: E731
    fig = plots.plot_decision_boundary(wide, x, y, resolution=10)
    lo, hi = fig.axes[0].collections[0].get_clim()
    assert lo < 0 and hi > 1
    fig = plots.plot_hidden_units(_xor_model().layers[0], x, y, resolution=10)
    assert fig.axes[0].collections[0].get_clim() == (0.0, 1.0)


def test_history_of_many_epochs_draws_lines_and_a_log_axis():
    class History:
        history = {"loss": list(np.geomspace(1, 1e-3, 200))}
    ax = plots.plot_history(History(), log=True).axes[0]
    assert ax.get_yscale() == "log" and ax.lines[0].get_marker() in ("None", "", None)


def test_drawing_repr_is_the_same_for_the_same_graph():
    x = ag.Value(2.0, name="x")
    assert repr(ag.draw_graph(x * x)) == repr(ag.draw_graph(x * x))
    assert "0x" not in repr(ag.draw_graph(x * x))


def test_gradient_norms_reach_dense_layers_inside_residual_blocks():
    model = nn.Sequential([nn.Dense(4, activation="relu", input_shape=(2,), seed=0),
                           nn.Residual(nn.Dense(4, activation="relu", seed=1)),
                           nn.Dense(1, seed=2)])
    x, y = nn.datasets.xor()
    norms = plots.layer_gradient_norms(model, x, y, nn.losses.get("mse"))
    assert len(norms) == 3 and all(v > 0 for v in norms.values())
