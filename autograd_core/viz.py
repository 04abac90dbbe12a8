"""Drawing the computation graph: ``draw_graph(loss)``.

One square box per Value (name, shape, dtype, data, gradient) and one rounded box per op,
labelled with the maths of its class docstring, so a student can read ``y = tanh(x)`` and
``dL/dx = g * (1 - y**2)`` right where the gradient flows. Parameters, inputs, constants
and the output are coloured apart. Ops run inside ``name_scope`` are boxed per scope, or
collapsed to one node per layer with ``collapse=True``.

A drawing is one frame (``frame.py``) of the graph's nodes (``graphview.py``), written as
DOT text (``dot_text.py``); the steppers draw their frames the same way. ``ag.render`` (from
``rendering.py``) turns any drawing into SVG, PNG or PDF.
"""

from __future__ import annotations

from .dot_text import Drawing, to_dot
from .engine import Value
from .frame import make_frame
from .graphview import GraphView
from .labels import summary_lines

__all__ = ["draw_graph"]


def draw_graph(root, *, rankdir="TB", show_data=True, show_grad=True, show_maths=True,
               grads=None, collapse=False, expand=(), depth=None, max_nodes=300,
               max_elements=8, unroll=False) -> Drawing:
    """Draw the computation graph behind ``root``.

    Args:
        root: a Value (a loss), a list of Values, or a GradientTape (its recorded ops).
        rankdir: "TB" (inputs at the top: tall drawings, which notebooks scroll through)
            or "LR" (inputs on the left); also "BT" and "RL".
        show_data, show_grad: print each Value's data / gradient: all numbers up to
            ``max_elements`` of them, else mean, min, max and norm.
        show_maths: label each op with its maths and local derivative.
        grads: gradients to show instead of ``.grad``: a dict Value -> array or Value, such
            as the sources and results of ``tape.gradient``.
        collapse: draw each name_scope (a layer) as one node; ``expand`` lists scopes
            ("dense_1" or "sequential/dense_1") to draw in full all the same.
        depth: group scopes by their first ``depth`` parts ("sequential/dense_1" -> at
            depth 1 "sequential"); None groups by the full scope.
        max_nodes: draw at most this many nodes, those nearest the output, with a marker
            for the rest (and a warning); None draws everything.
        unroll: draw the scalar graph instead, one node per number, as micrograd builds
            it (``scalar_graph.unroll``; for tiny shapes, refused past ``max_nodes``).
    Returns:
        A ``Drawing``: ``.source`` is the DOT text; it shows itself in Jupyter, and
        ``ag.render(drawing, "png", path)`` (or ``drawing.render(...)``) saves it.

    >>> import autograd_core as ag
    >>> w, x = ag.Value(2.0, name="w"), ag.constant(3.0, name="x")
    >>> g = draw_graph(ag.tanh(w * x))
    >>> "dL/dx = g * (1 - y**2)" in g.source, g.source.count(" -> ")
    (True, 5)
    """
    if unroll:
        from .scalar_graph import drawable_outputs
        root = drawable_outputs(root, max_nodes)
    view = GraphView(root, rankdir=rankdir, collapse=collapse, expand=expand, depth=depth,
                     max_nodes=max_nodes)
    given = None if grads is None else {id(k): v for k, v in grads.items()}

    def data(i):
        return summary_lines(view.values[i].data, max_elements)

    def grad(i):
        v = view.values[i]
        g = v.grad if given is None else given.get(id(v))
        if g is None:
            return None
        return summary_lines(g.data if isinstance(g, Value) else g, max_elements)

    return to_dot(make_frame(view, data=data if show_data else None,
                             grad=grad if show_grad else None, show_maths=show_maths))
