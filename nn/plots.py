"""Pictures for the lessons: activations and their derivatives, decision boundaries, training
curves, digits, first-layer weights and per-layer gradient norms; and, from its own module,
a small network as the lectures draw it (``draw_network``).

matplotlib is an optional extra (``pip install autograd-core[plot]``). Every function
returns the matplotlib ``Figure`` it drew, so a notebook shows it and a script can
``fig.savefig(path)``.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag

from . import activations as _activations
from .basic_layers import Dense
from .network_diagram import draw_network  # noqa: F401 - one of the lesson pictures


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the install
        raise ImportError("nn.plots needs matplotlib: pip install 'autograd-core[plot]'") from None
    return plt


def activation_curves(name, x):
    """An activation's values and its derivative at ``x``, the derivative from backward().

    Args:
        name: an activation name ("relu", "sigmoid", ...) or function of a Value.
        x: 1-D array of points.
    Returns:
        (y, dy/dx) as numpy arrays shaped like ``x``.
    """
    fn = _activations.get(name)
    xv = ag.Value(np.asarray(x, dtype=np.float64))
    y = fn(xv)
    if y.shape != xv.shape:
        raise ValueError(f"activation_curves: {name!r} is not elementwise")
    y.sum().backward()
    return np.asarray(y.data), np.asarray(xv.grad)


def plot_activations(names=("sigmoid", "tanh", "relu", "leaky_relu"), x=None):
    """Each activation (solid) with its derivative from autodiff (dashed), one panel each."""
    plt = _plt()
    x = np.linspace(-5, 5, 401) if x is None else np.asarray(x)
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), squeeze=False)
    for ax, name in zip(axes[0], names):
        y, dy = activation_curves(name, x)
        ax.plot(x, y, label=f"{name}(x)")
        ax.plot(x, dy, "--", label="derivative")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(str(name))
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def _grid(x, resolution, margin=0.5):
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    return g0, g1, np.c_[g0.ravel(), g1.ravel()].astype(np.float32)


def _output_map(fn, points, shape):
    with ag.no_grad():
        out = np.asarray(fn(points))
    out = out.reshape(len(points), -1)
    # One output: its value. Several (softmax): the winning class.
    return (out[:, 0] if out.shape[1] == 1 else out.argmax(axis=1)).reshape(shape)


def _color_limits(values, vmin, vmax):
    """Outputs that lie in [0, 1] (sigmoid units, probabilities) get the fixed scale
    0 = blue, 1 = red, so a unit stuck at 0.5 looks undecided rather than full-range."""
    if vmin is None and vmax is None and values.min() >= 0 and values.max() <= 1:
        return 0.0, 1.0
    return vmin, vmax


def _scatter(ax, x, y):
    if y is None:
        return
    y = np.asarray(y)
    y = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(-1)
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=40, vmin=y.min(),
               vmax=max(y.max(), y.min() + 1))


def plot_decision_boundary(model, x, y=None, resolution=200, ax=None, title=None,
                           vmin=None, vmax=None):
    """A heat map of a two-input model's output over the plane, with the data on top.

    Args:
        model: a callable of an (n, 2) array returning (n, 1) outputs or (n, classes).
        x: (n, 2) inputs; y: their labels or targets (colours the points), optional.
        vmin, vmax: the colour scale; outputs within [0, 1] default to exactly [0, 1].
    """
    plt = _plt()
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: needs two inputs per point, got shape {x.shape}")
    g0, g1, points = _grid(x, resolution)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 3.6))
    values = _output_map(model, points, g0.shape)
    vmin, vmax = _color_limits(values, vmin, vmax)
    mesh = ax.pcolormesh(g0, g1, values, cmap="coolwarm", shading="auto", alpha=0.8,
                         vmin=vmin, vmax=vmax)
    ax.figure.colorbar(mesh, ax=ax)
    _scatter(ax, x, y)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return fig or ax.figure


def plot_hidden_units(layer, x, y=None, resolution=120, vmin=None, vmax=None):
    """Each unit of a two-input hidden layer as its own heat map (the course's XOR lesson).

    Args:
        layer: the first layer (e.g. ``model.layers[0]``), a callable of (n, 2) inputs.
        vmin, vmax: the colour scale; activations within [0, 1] default to [0, 1].
    """
    plt = _plt()
    x = np.asarray(x, dtype=np.float32)
    g0, g1, points = _grid(x, resolution)
    with ag.no_grad():
        h = np.asarray(layer(points)).reshape(len(points), -1)
    units = h.shape[1]
    fig, axes = plt.subplots(1, units, figsize=(3.2 * units, 3), squeeze=False)
    for j, ax in enumerate(axes[0]):
        unit = h[:, j].reshape(g0.shape)
        lo, hi = _color_limits(unit, vmin, vmax)
        mesh = ax.pcolormesh(g0, g1, unit, cmap="viridis", shading="auto", vmin=lo, vmax=hi)
        fig.colorbar(mesh, ax=ax)
        _scatter(ax, x, y)
        ax.set_title(f"hidden unit {j}")
    fig.tight_layout()
    return fig


def plot_history(history, metrics=None, log=False):
    """Loss and metric curves per epoch, training and validation, from ``fit``'s History.

    Args:
        metrics: the names to plot (default: every training metric, loss first).
        log: a logarithmic y axis (for long runs whose loss spans decades).
    """
    plt = _plt()
    logs = history.history if hasattr(history, "history") else dict(history)
    if metrics is None:
        metrics = [k for k in logs if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
    for ax, name in zip(axes[0], metrics):
        epochs = np.arange(1, len(logs[name]) + 1)
        few = len(epochs) <= 30  # markers help read a few epochs and clutter many
        ax.plot(epochs, logs[name], "o-" if few else "-", label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], "s--" if few else "--",
                    label=f"validation {name}")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_digits(images, labels=None, predictions=None, n=25, cols=5):
    """A grid of 28x28 images, titled with the label and, if given, the prediction
    (red where it is wrong)."""
    plt = _plt()
    images = np.asarray(images)[:n]
    rows = int(np.ceil(len(images) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.8 * rows), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= len(images):
            continue
        ax.imshow(images[k].reshape(28, 28), cmap="gray_r")
        parts = []
        if labels is not None:
            parts.append(f"label {int(np.asarray(labels)[k])}")
        wrong = False
        if predictions is not None:
            p = int(np.asarray(predictions)[k])
            parts.append(f"pred {p}")
            wrong = labels is not None and p != int(np.asarray(labels)[k])
        ax.set_title(", ".join(parts), fontsize=8, color="red" if wrong else "black")
    fig.tight_layout()
    return fig


def first_dense(model):
    """The first Dense layer of a model (or the layer itself)."""
    if isinstance(model, Dense):
        return model
    for layer in getattr(model, "layers", []):
        if isinstance(layer, Dense):
            return layer
    raise ValueError(f"first_dense: {type(model).__name__} has no Dense layer")


def plot_first_layer_weights(model, n=16, cols=8, image_shape=(28, 28)):
    """The incoming weights of the first Dense layer's first ``n`` units, as images: what
    each hidden unit looks for in a digit."""
    plt = _plt()
    W = np.asarray(first_dense(model).W.data)
    if W.shape[0] != int(np.prod(image_shape)):
        raise ValueError(f"plot_first_layer_weights: the layer has {W.shape[0]} inputs, not "
                         f"an image of shape {image_shape}")
    n = min(n, W.shape[1])
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.5 * rows), squeeze=False)
    limit = np.abs(W[:, :n]).max()
    for j, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if j < n:
            ax.imshow(W[:, j].reshape(image_shape), cmap="RdBu", vmin=-limit, vmax=limit)
            ax.set_title(f"unit {j}", fontsize=8)
    fig.tight_layout()
    return fig


def layer_gradient_norms(model, x, y, loss):
    """The norm of dLoss/dW for each Dense layer's kernel, on one batch.

    Args:
        model: a model; x, y: a batch; loss: a function loss(y_true, y_pred).
    Returns:
        dict layer name -> gradient norm for every Dense layer, nested ones (inside a
        ``Residual``) included, in the model's order (input side first).
    """
    dense = [m for m in model.modules() if isinstance(m, Dense)]
    kernels = [layer.W for layer in dense]
    with ag.GradientTape() as tape:
        tape.watch(kernels)
        value = loss(y, model(x))
    grads = tape.gradient(value, kernels)
    return {layer.name: float(np.linalg.norm(np.asarray(g))) if g is not None else 0.0
            for layer, g in zip(dense, grads)}


def plot_gradient_norms(norms, title="gradient norm per layer", log=True):
    """Per-layer gradient norms: bars for one dict, or curves for a dict of lists over
    training, or several labelled dicts ``{"sigmoid": {...}, "relu": {...}}`` side by side
    (vanishing gradients show as norms shrinking towards the input layer)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.4))
    first = next(iter(norms.values()))
    if isinstance(first, dict):  # several models: grouped bars
        width = 0.8 / len(norms)
        for k, (label, per_layer) in enumerate(norms.items()):
            ax.bar(np.arange(len(per_layer)) + k * width, list(per_layer.values()), width,
                   label=label)
        ax.set_xticks(np.arange(len(first)) + 0.4 - width / 2)
        many = len(first) > 6  # long labels of many layers would overlap
        ax.set_xticklabels([str(i + 1) if many else f"layer {i + 1}" for i in range(len(first))])
        if many:
            ax.set_xlabel("layer")
        ax.legend()
    elif np.ndim(first) == 0:
        ax.bar(list(norms), list(norms.values()))
    else:
        for name, values in norms.items():
            ax.plot(values, label=name)
        ax.set_xlabel("step")
        ax.legend(fontsize=8)
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    fig.tight_layout()
    return fig
