"""One frame of a drawing: what each node shows, and in which state.

``draw_graph`` makes one frame; the steppers make one per step, from the copies their steps
took (a stepper never runs an op again to draw it). Every renderer draws a frame as it is:
``dot_text.py`` writes it as Graphviz DOT (``rendering.py`` then makes SVG, PNG or PDF), and
``page.py`` and ``export.py`` put the pictures in an HTML page, a GIF or files. What a node
says is decided here, once: a frame holds text lines with the numbers already formatted,
so no renderer formats a number or works out a gradient.

>>> import autograd_core as ag
>>> w = ag.Value(0.5, name="w")
>>> s = ag.BackpropStepper(ag.tanh(w * 3.0))
>>> f = s.frame(2)
>>> f.caption[0].rstrip()
'step 2 of 2: Mul   g = dL/d(Mul output)'
>>> [(n.name, n.state) for n in f.nodes if n.kind == "op"]
[('op2', 'current'), ('op3', 'done')]
>>> w_node = f.node("v0")   # dL/dw = 3 * (1 - tanh(1.5)**2), complete after step 2
>>> w_node.title, w_node.grad, w_node.state
(('w  scalar float32',), ('0.5421',), 'current')
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

from .labels import number, op_formula, formula_lines, argument_name, shape_text

__all__ = ["Frame", "NodeFrame", "EdgeFrame", "make_frame", "text_over_frames", "padded",
           "progress"]


class NodeFrame(NamedTuple):
    """What one node shows in one frame.

    name: the node's id in the drawing: "v3" (Value 3), "op3" (the op that made Value 3),
    "g0" (a collapsed layer), "more" (the nodes left out past ``max_nodes``).
    kind: "parameter", "input", "constant", "intermediate" or "output" for a Value; else
    "op", "group" or "more".
    title: heading lines: a Value's name, shape and dtype; an op's class; a layer's scope.
    maths: an op's forward and derivative lines; a layer's ops in order.
    params: the parameters folded into a collapsed layer ("W1 (6, 5)").
    data, grad: a Value's data and gradient lines ("?" while not known yet in this frame),
    None where the drawing leaves them out.
    state: "current" (the op being applied, and the Values it reads or writes), "done",
    "pending" (not reached yet), or None in a drawing that is not a step.
    cluster: the name_scope whose box holds the node, or None.
    """
    name: str
    kind: str
    title: tuple = ()
    maths: tuple = ()
    params: tuple = ()
    data: tuple | None = None
    grad: tuple | None = None
    state: str | None = None
    cluster: str | None = None


class EdgeFrame(NamedTuple):
    """An arrow between two nodes; label: the input's name in the op's maths when the op
    has several inputs; state: "current" when it touches the current op (or layer),
    "pending" when it touches one not reached yet, else None."""
    source: str
    target: str
    label: str | None = None
    state: str | None = None


class Frame(NamedTuple):
    """Everything one picture shows.

    caption: lines above the graph; explanation: lines beside it (a step's chain rule in
    words; empty for a plain drawing); nodes and edges, in a fixed order; clusters: the
    name_scope boxes, in order; rankdir: the layout direction, "TB" or "LR" (or "BT", "RL").
    """
    caption: tuple
    explanation: tuple
    nodes: tuple
    edges: tuple
    clusters: tuple
    rankdir: str

    def node(self, name) -> NodeFrame:
        """The node called ``name`` ("v3", "op3", "g0")."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"Frame.node: no node called {name!r}")

    @property
    def current(self) -> tuple:
        """Names of the nodes in the "current" state: the op being applied comes first."""
        current = [n for n in self.nodes if n.state == "current"]
        current.sort(key=lambda n: n.kind not in ("op", "group"))
        return tuple(n.name for n in current)


def make_frame(view, *, data, grad, show_maths=True, arrays=None, op_state=None,
               value_state=None, caption=(), explanation=()) -> Frame:
    """Fill a ``GraphView``'s nodes in.

    Args:
        view: the ``GraphView`` (which nodes and edges there are).
        data, grad: functions of a Value's index giving its data and gradient lines, or
            None to leave that field out.
        show_maths: give op nodes their maths, with the parameters each op ran with.
        arrays: function of a Value's index giving its data as the op saw it (the
            steppers' copies); None: the Values' data now.
        op_state: function of a Value's index giving the state of the op that made it
            ("current", "done", "pending" or None); a collapsed layer is current while any
            of its ops is, pending while all are.
        value_state: function of a Value's index giving its state.
        caption, explanation: text lines (see ``Frame``).
    Returns:
        A ``Frame``.
    """
    op_states = {}
    if op_state is not None:
        layers = {}
        for i in range(len(view.values)):
            if view.has_op[i]:
                state = op_states[f"op{i}"] = op_state(i)
                item = view.op_item(i)
                if item.startswith("g"):
                    layers.setdefault(item, []).append(state)
        for item, members in layers.items():
            op_states[item] = ("current" if "current" in members else
                               "pending" if all(s == "pending" for s in members) else "done")
    states = dict(op_states)
    if value_state is not None:
        states.update((item, value_state(int(item[1:])))
                      for item in view.items if item.startswith("v"))

    if arrays is None:
        def arrays(i):
            return view.values[i].data
    maths_of = arrays if show_maths else None
    nodes = tuple(_node(view, item, data, grad, maths_of, states.get(item))
                  for item in view.items)
    edges = []
    for src, dst, pos in view.edges:
        label = None
        if pos is not None and len(view.inputs[int(dst[2:])]) > 1:
            i = int(dst[2:])
            label = argument_name(view.values[i].op, pos, len(view.inputs[i]))
        # An arrow takes its op's state: the Values at its ends may be current for
        # another reason (the seed, an input of the current op).
        ends = (op_states.get(src), op_states.get(dst))
        state = "current" if "current" in ends else "pending" if "pending" in ends else None
        edges.append(EdgeFrame(src, dst, label, state))
    clusters = tuple(k for k in view.group_keys if k not in view.collapsed and any(
        n.cluster == k for n in nodes))
    return Frame(tuple(caption), tuple(explanation), nodes, tuple(edges), clusters,
                 view.rankdir)


def _node(view, item, data, grad, maths_of, state):
    """One node's frame; ``maths_of``: the Values' arrays for an op's maths, or None."""
    if item == "more":
        return NodeFrame(item, "more", title=(
            f"... {view.hidden} more nodes not drawn",
            f"(max_nodes={view.max_nodes}: raise it, or collapse=True)"))
    cluster = view.item_cluster(item)
    if cluster in view.collapsed:
        cluster = None
    if item.startswith("g"):
        key = view.group_keys[int(item[1:])]
        members = [i for i, k in enumerate(view.group) if k == key and view.has_op[i]]
        ops = list(dict.fromkeys(repr(view.values[i].op) for i in members))
        params = tuple(f"{view.values[i].name or 'param'} {view.values[i].shape}"
                       for i in view.folded[key])
        return NodeFrame(item, "group", title=(f"{key}  ({len(members)} ops)",),
                         maths=(" -> ".join(ops),), params=params, state=state)
    if item.startswith("op"):
        i = int(item[2:])
        op = view.values[i].op
        maths = ()
        if maths_of is not None:
            forward, derivative = op_formula(op, maths_of(i),
                                             [maths_of(j) for j in view.inputs[i]])
            maths = tuple(formula_lines(forward) + formula_lines(derivative))
        return NodeFrame(item, "op", title=(repr(op),), maths=maths, state=state,
                         cluster=cluster)
    i = int(item[1:])
    v, kind = view.values[i], view.kind[i]
    data_lines = data(i) if data is not None else None
    if kind == "constant":  # a bare number: its value is its name
        return NodeFrame(item, kind, data=tuple(data_lines or [number(v.data)]), state=state,
                         cluster=cluster)
    grad_lines = grad(i) if grad is not None else None
    title = f"{v.name}  {shape_text(v.data)}" if v.name else shape_text(v.data)
    return NodeFrame(item, kind, title=(title,),
                     data=None if data_lines is None else tuple(data_lines),
                     grad=None if grad_lines is None else tuple(grad_lines),
                     state=state, cluster=cluster)


# --- frames over time: the steppers' helpers -------------------------------------------


def padded(texts):
    """Pad several line lists to the largest width and line count among them, so a node
    (or a caption) keeps its size, and so every node its place, from frame to frame."""
    width = max((len(line) for lines in texts for line in lines), default=0)
    count = max((len(lines) for lines in texts), default=0)
    return [tuple(line.ljust(width) for line in list(lines) + [""] * (count - len(lines)))
            for lines in texts]


def text_over_frames(versions):
    """A Value's text in any frame, padded to one size.

    Args:
        versions: dict value index -> [(first frame, lines)], from frame 0 on; lines are
            None where the text is not known yet (shown as "?"). A value's text changes
            only at a few steps, so this stays small however many frames there are.
    Returns:
        function (value index, frame) -> lines, or None for a value without this text.
    """
    table = {}
    for i, changes in versions.items():
        texts = padded([lines if lines is not None else ["?"] for _, lines in changes])
        table[i] = ([first for first, _ in changes], texts)

    def text(i, k):
        if i not in table:
            return None
        firsts, texts = table[i]
        return texts[bisect.bisect_right(firsts, k) - 1]
    return text


def progress(step, k):
    """How frame k shows an op applied at ``step``: "current", "done", "pending" (None: the
    op is never applied in these steps)."""
    if step is None:
        return None
    return "current" if step == k else "done" if step < k else "pending"
