"""Which nodes and edges a drawing of the graph has, worked out once for every frame.

A ``GraphView`` walks the graph behind a Value (or the ops a ``GradientTape`` recorded)
and decides what a drawing shows: one node per Value and one per op, numbered in a fixed
walk from the output (not by ``id()``), so the same graph always gives the same nodes;
which ``name_scope`` box holds each node, or which layer is collapsed to one node; and, past
``max_nodes``, which nodes nearest the output are kept. It knows nothing of data, gradients
or how a node is drawn: ``frame.py`` fills the nodes in, ``dot_text.py`` writes them out.
"""

from __future__ import annotations

import warnings

from .engine import Value

__all__ = ["GraphView", "RANKDIRS"]

RANKDIRS = ("LR", "TB", "RL", "BT")


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
    Nodes are named "v3" (Value 3), "op3" (the op that made Value 3), "g0" (collapsed
    layer 0) and "more" (the nodes left out past ``max_nodes``); ``items`` lists them in
    forward order and ``edges`` holds ``(source, target, input position or None)``.

    Args:
        root: a Value, a list of Values, or a GradientTape.
        tape: draw ``root`` as this tape recorded it: Values the tape did not record are
            drawn as leaves.
        rankdir, collapse, expand, depth, max_nodes: see ``draw_graph``.
        where: the function named in error messages.
    """

    def __init__(self, root, *, tape=None, rankdir="TB", collapse=False, expand=(),
                 depth=None, max_nodes=300, where="draw_graph"):
        if rankdir not in RANKDIRS:
            raise ValueError(f"{where}: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
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

    def item_cluster(self, item):
        """The scope box holding a node, or None."""
        if item.startswith("v"):
            return self.cluster[int(item[1:])]
        if item.startswith("op"):
            return self.group[int(item[2:])]
        return None
