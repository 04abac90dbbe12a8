"""A network as the lectures draw it: neurons as circles in columns, weights as arrows.

Lecture 2 of the course draws a 3-4-2 network whose "arrows are weights which amplify or
reduce signals" and whose nodes "activate with variable intensity"; Topic 3 draws a layer
as circles joined by weight arrows, with a bias for each unit. ``draw_network(model, x)``
draws a small Dense model that way, with its own numbers:

- a column of circles per layer, the inputs first, and an arrow per weight w_ij from unit
  i to unit j: its colour gives the sign (blue positive, red negative, as in
  ``plot_first_layer_weights``), its width and depth of colour the size |w_ij|;
- under each unit its bias ``b``; given one input ``x``, each circle holds its activation
  a = f(sum_i a_i w_ij + b), and is shaded by it;
- after a backward pass, under each unit also its error signal ``δ = dL/dz``, the gradient
  at the unit's weighted sum z. That is the number backprop passes down a layer, and every
  gradient of the layer follows from it: dL/db_j = δ_j, dL/dw_ij = a_i δ_j (for one
  sample; summed over a batch). So it is read from ``b.grad`` (a sum over the batch, when
  the backward ran on one), and a student can check dL/dw_ij = a_i δ_j on the picture.
  ``show="gradients"`` draws those dL/dw_ij as the arrows, instead of the weights.

matplotlib is needed (the ``plot`` extra); the function returns the Figure.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag

from . import activations
from .basic_layers import Dense

__all__ = ["draw_network"]

# The geometry in data units: columns of circles, one unit apart per row.
COLUMN_GAP = 3.0
ROW_GAP = 1.25
RADIUS = 0.34
MAX_LABELLED = 12            # more units in a column: no numbers, they would not fit
MAX_LABELLED_WEIGHTS = 16    # more weights in a layer: its arrows go unlabelled
SYMBOLS = {"sigmoid": "σ", "linear": "", "leaky_relu": "lrelu"}


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the install
        raise ImportError("draw_network needs matplotlib: pip install 'autograd-core[plot]'") \
            from None
    return plt


def draw_network(model, x=None, *, show="weights", weight_scale=None, max_units=32, ax=None,
                 title=None):
    """Draw a small Dense network as the lectures do: circles, and arrows for the weights.

    Args:
        model: a Sequential of Dense layers, or one Dense layer, built (``input_shape=``)
            or given ``x``.
        x: one input sample, shape (n_in,) or (1, n_in): each circle then shows its
            activation for it.
        show: what the arrows encode, "weights" (w_ij) or "gradients" (dL/dw_ij, from
            ``.grad`` after a backward pass).
        weight_scale: the |value| drawn widest and darkest (default: the largest drawn);
            give two drawings the same to compare them (before and after training).
        max_units: the most circles in a column; a larger layer is refused.
        ax: a matplotlib Axes to draw in (default: a new figure sized to the network).
        title: the title (default: the sizes, e.g. "2-2-1 network", and the input).
    Returns:
        The matplotlib Figure. Its circles, arrows and numbers carry gids: "neuron c,i"
        (column c, the inputs being column 0), "weight l,i,j" (``layers[l].W[i, j]``),
        "activation c,i", "bias l,j", "delta l,j".
    Raises:
        TypeError: for a layer other than Dense, naming it.
        ValueError: for a column of more than ``max_units`` units, naming the layer.

    >>> import nn
    >>> model = nn.Sequential([nn.Dense(2, "sigmoid", input_shape=(2,), seed=0),
    ...                        nn.Dense(1, "sigmoid", seed=1)])
    >>> fig = draw_network(model, x=[1.0, 0.0])
    >>> gids = [p.get_gid() for p in fig.axes[0].patches]
    >>> sum(g.startswith("neuron") for g in gids), sum(g.startswith("weight") for g in gids)
    (5, 6)
    """
    if show not in ("weights", "gradients"):
        raise ValueError(f"draw_network: show must be 'weights' or 'gradients', got {show!r}")
    layers = _dense_layers(model)
    values = None
    if x is not None:
        x = _one_sample(x, layers)
        values = _activations(layers, x)
    _check_sizes(layers, max_units)
    arrows = [_arrow_values(layer, show) for layer in layers]
    scale = weight_scale or max(float(np.abs(a).max()) for a in arrows) or 1.0

    sizes = [layers[0].n_in] + [layer.units for layer in layers]
    cmap, norm = _arrow_colours(scale)
    ax, layout = _axes(sizes, ax, cmap, norm,
                       "gradient dL/dw_ij" if show == "gradients" else "weight w_ij")
    # Gradients span decades: two significant digits, where weights get two decimals.
    label = _gradient_text if show == "gradients" else _number
    for l, W in enumerate(arrows):
        _draw_arrows(ax, layout, l, W, cmap, norm, scale, label)
    for c in range(len(sizes)):
        _draw_column(ax, layout, c, layers[c - 1] if c else None,
                     None if values is None else values[c])
    _draw_headers(ax, layout, layers)
    ax.set_xlim(*layout.xlim)
    ax.set_ylim(*layout.ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or _title(sizes, x), fontsize=10)
    parts = _caption(layers, values is not None, show)
    # One line if it fits the drawing's width (about 4 points a character), else one each.
    one_line = len(";  ".join(parts)) * 4 < layout.width_inches * 72
    ax.text(0.5, 0.0, (";  " if one_line else "\n").join(parts), transform=ax.transAxes,
            ha="center", va="top", fontsize=7.5, color="#404040")
    return ax.figure


# --- the model and its numbers -----------------------------------------------------------


def _dense_layers(model):
    if isinstance(model, Dense):
        return [model]
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"draw_network: expected a Sequential of Dense layers or a Dense "
                        f"layer, got {type(model).__name__}")
    if not layers:
        raise ValueError("draw_network: the model has no layers")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            raise TypeError(f"draw_network: layer {i} {getattr(layer, 'name', '')!r} is a "
                            f"{type(layer).__name__}; it draws Dense layers only, a column "
                            "of units each")
    return list(layers)


def _one_sample(x, layers):
    dtype = layers[0].W.dtype if layers[0].W is not None else ag.get_default_dtype()
    x = np.asarray(x.data if isinstance(x, ag.Value) else x, dtype=dtype)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[0] != 1:
        raise ValueError(f"draw_network: x must be one sample, of shape (n_in,) or (1, n_in), "
                         f"got shape {x.shape}")
    return x


def _activations(layers, x):
    """Every column's values for one sample: the input, then each layer's output."""
    columns = [x[0]]
    with ag.no_grad():
        a = x
        for layer in layers:
            a = layer(a)   # builds a layer that has not seen data yet
            columns.append(np.asarray(a)[0])
    return columns


def _check_sizes(layers, max_units):
    for layer in layers:
        if layer.W is None:
            raise ValueError(f"draw_network: layer {layer.name!r} is not built yet: give the "
                             "first layer input_shape=(n_in,), call the model once, or pass x")
    if layers[0].n_in > max_units:
        raise ValueError(f"draw_network: the input has {layers[0].n_in} values; it draws at "
                         f"most max_units={max_units} circles a column")
    for i, layer in enumerate(layers):
        if layer.units > max_units:
            raise ValueError(f"draw_network: layer {i} {layer.name!r} has {layer.units} units; "
                             f"it draws at most max_units={max_units} circles a column")


def _arrow_values(layer, show):
    if show == "weights":
        return np.asarray(layer.W.data, np.float64)
    if layer.W.grad is None:
        raise ValueError(f"draw_network: {layer.W.name} has no .grad: run a backward pass "
                         "(loss.backward()) before show='gradients'")
    return np.asarray(layer.W.grad, np.float64)


# --- the picture -------------------------------------------------------------------------


class _Layout:
    """Where each circle goes, and how big things are in points once on paper."""

    def __init__(self, sizes, inch, gap):
        tallest = max(sizes)
        self.centres = [[(c * gap, ((n - 1) / 2 - i) * ROW_GAP) for i in range(n)]
                        for c, n in enumerate(sizes)]
        # inch: inches per data unit. Text keeps its size in points whatever the scale.
        self.pt = 1 / (72 * inch)   # data units per point
        diameter = 2 * RADIUS / self.pt                      # a circle, in points
        self.labelled = tallest <= MAX_LABELLED and diameter >= 18
        self.width_inches = (gap * (len(sizes) - 1) + 2.4) * inch
        # A weight's label needs an arrow long enough to leave room for the others'.
        self.label_weights = self.labelled and gap * inch >= 1.4
        self.top = (tallest - 1) / 2 * ROW_GAP
        self.header = self.top + RADIUS + 4 * self.pt
        below = RADIUS + (24 if self.labelled else 6) * self.pt   # room for b and δ
        self.xlim = (-1.2, gap * (len(sizes) - 1) + 1.2)
        self.ylim = (-self.top - below, self.header + 24 * self.pt)
        self.max_width = min(5.0, 0.14 * diameter)           # the widest arrow
        self.min_width = 0.12 * self.max_width
        self.head = 0.2 * diameter

    @property
    def size(self):
        return self.xlim[1] - self.xlim[0], self.ylim[1] - self.ylim[0]


def _axes(sizes, ax, cmap, norm, label):
    """The axes to draw in, with a colour bar beside it, and the layout that fits it.

    A new figure gets 0.75 inch per unit row at most, and at least two inches between
    columns, so that numbers fit in circles and a tall layer stays on a screen."""
    from matplotlib.cm import ScalarMappable
    colours = ScalarMappable(norm=norm, cmap=cmap)
    tallest = max(sizes)
    if ax is not None:
        # The bar first: it takes its room from ax, and the layout fits what is left.
        ax.figure.colorbar(colours, ax=ax, shrink=0.7, label=label)
        box = ax.get_position()
        fig_w, fig_h = ax.figure.get_size_inches()
        inch = 1.0
        for _ in range(3):   # the margins for text depend on the scale: settle it
            width, height = _Layout(sizes, inch, COLUMN_GAP).size
            inch = min(box.width * fig_w / width, box.height * fig_h / height)
        return ax, _Layout(sizes, inch, COLUMN_GAP)
    inch = min(0.75, 7.5 / (tallest * ROW_GAP + 2))
    layout = _Layout(sizes, inch, max(COLUMN_GAP, 2.0 / inch))
    width, height = (v * inch for v in layout.size)
    left, right, bottom, top = 0.15, 1.2, 0.45, 0.45   # margins in inches
    fig_w, fig_h = left + width + right, bottom + height + top
    fig = _plt().figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes([left / fig_w, bottom / fig_h, width / fig_w, height / fig_h])
    cax = fig.add_axes([(left + width + 0.25) / fig_w, (bottom + 0.15 * height) / fig_h,
                        0.14 / fig_w, 0.7 * height / fig_h])
    fig.colorbar(colours, cax=cax, label=label)
    return ax, layout


def _arrow_colours(scale):
    """RdBu without its white middle: a weight near 0 is pale but still shows, and the
    sign reads from the hue alone."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, Normalize
    t = np.linspace(-1, 1, 256)
    cmap = ListedColormap(colormaps["RdBu"](0.5 + np.sign(t) * (0.12 + 0.38 * np.abs(t))))
    return cmap, Normalize(-scale, scale, clip=True)


def _number(v):
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.3g}"


def _gradient_text(v):
    return f"{v:.2g}"


def _draw_arrows(ax, layout, l, W, cmap, norm, scale, label):
    from matplotlib.patches import FancyArrowPatch
    sources, targets = layout.centres[l], layout.centres[l + 1]
    labelled = layout.label_weights and W.size <= MAX_LABELLED_WEIGHTS
    for i, (x0, y0) in enumerate(sources):
        for j, (x1, y1) in enumerate(targets):
            w, size = W[i, j], min(abs(W[i, j]) / scale, 1.0)
            u = np.array([x1 - x0, y1 - y0]) / np.hypot(x1 - x0, y1 - y0)
            start, end = np.array([x0, y0]) + RADIUS * u, np.array([x1, y1]) - RADIUS * u
            lw = layout.min_width + (layout.max_width - layout.min_width) * size
            # Strong weights on top of weak ones: in a dense tangle they are what matters.
            ax.add_patch(FancyArrowPatch(
                start, end, arrowstyle="-|>", mutation_scale=layout.head + 1.2 * lw,
                linewidth=lw, color=cmap(norm(w)), shrinkA=0, shrinkB=0, zorder=1 + size,
                gid=f"weight {l},{i},{j}"))
            if labelled:
                # Labels on the arrows into one unit sit at one distance along them, those
                # out of one unit at different distances, and none where arrows cross (the
                # middle): they spread out both ways.
                t = 0.2 + 0.22 * j / max(len(targets) - 1, 1)
                ax.text(*(start + t * (end - start)), label(w), fontsize=7, ha="center",
                        va="center", zorder=3, gid=f"weight label {l},{i},{j}",
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none",
                                  alpha=0.85))


def _draw_column(ax, layout, c, layer, values):
    from matplotlib import colormaps
    from matplotlib.patches import Circle
    shade = colormaps["Greens"]
    for i, (x0, y0) in enumerate(layout.centres[c]):
        fill = "#e6f4e6" if c == 0 else "white"   # the inputs green, as in draw_graph
        if values is not None and c > 0:
            fill = shade(0.05 + 0.5 * min(abs(float(values[i])), 1.0))
        ax.add_patch(Circle((x0, y0), RADIUS, facecolor=fill, edgecolor="#404040",
                            linewidth=1.2, zorder=4, gid=f"neuron {c},{i}"))
        if not layout.labelled:
            continue
        if values is not None:
            ax.text(x0, y0, _number(float(values[i])), fontsize=7.5, ha="center",
                    va="center", zorder=5, gid=f"activation {c},{i}")
        else:
            name = "" if c == 0 else activations.name_of(layer.activation)
            ax.text(x0, y0, f"x{i + 1}" if c == 0 else SYMBOLS.get(name, name),
                    fontsize=8.5, ha="center", va="center", zorder=5)
        if layer is None or layer.b is None:
            continue
        below = [("bias", f"b={_number(float(layer.b.data[i]))}", "#303030")]
        if layer.b.grad is not None:
            delta = _gradient_text(float(np.asarray(layer.b.grad)[i]))
            below.append(("delta", f"δ={delta}", "#6a1b9a"))
        for k, (kind, text, colour) in enumerate(below):
            ax.text(x0, y0 - RADIUS - (2 + 9 * k) * layout.pt, text, fontsize=6.5, ha="center",
                    va="top", zorder=5, color=colour, gid=f"{kind} {c - 1},{i}")


def _draw_headers(ax, layout, layers):
    for c, column in enumerate(layout.centres):
        if c == 0:
            text = f"input\n{len(column)} values"
        else:
            layer = layers[c - 1]
            text = f"{layer.name}\n{activations.name_of(layer.activation)}"
        ax.text(column[0][0], layout.header, text, fontsize=8, ha="center", va="bottom",
                color="#404040")


def _title(sizes, x):
    text = "-".join(map(str, sizes)) + " network"
    if x is None:
        return text
    if x.shape[1] > 4:
        return text + ", activations for one input"
    return text + ", activations for x = (" + ", ".join(f"{v:.3g}" for v in x[0]) + ")"


def _caption(layers, with_values, show):
    parts = (["circle: activation a = f(z), z = Σ a_i w_ij + b"] if with_values else []) + [
        f"arrow: {'dL/dw_ij' if show == 'gradients' else 'w_ij'}, blue > 0, red < 0, "
        "width |value|"]
    if any(layer.b is not None and layer.b.grad is not None for layer in layers):
        parts.append("δ = dL/dz (= b.grad)")
    return parts
