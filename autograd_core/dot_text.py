"""Writing a frame as Graphviz DOT text, and the ``Drawing`` that carries it.

``to_dot(frame)`` draws each Value as a square box (name, shape and dtype, data, gradient)
and each op as a rounded one (its class, then its maths), coloured by kind, with the
steppers' states on top: the current op filled and outlined in red, ops not reached yet in
grey. It writes the text itself, in a fixed order, so the same frame always gives the same
DOT (tests compare it with golden files), and drawing a graph needs no Graphviz at all:
laying it out is ``rendering.py``'s job, and the ``graphviz`` package is imported only to
open a viewer.
"""

from __future__ import annotations

import re
from pathlib import Path

from .rendering import jupyter_bundle, render

__all__ = ["Drawing", "to_dot", "FILL", "CURRENT_FILL", "CURRENT_COLOR", "PENDING_COLOR",
           "PENDING_FONT"]

# Courier is one of the fonts whose widths Graphviz knows without a font library (the
# WebAssembly build has none), so boxes fit their text whichever backend lays them out;
# a monospace font also keeps a box the same width when only its numbers change.
FONT = "Courier"

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
# The steppers' states: the op being applied (and the Values it touches), ops not reached.
CURRENT_FILL = "#ffc94d"
CURRENT_COLOR = "#c62828"
PENDING_COLOR = "#b0b0b0"
PENDING_FONT = "#9a9a9a"

GRAPH = {"bgcolor": "white", "fontname": FONT, "fontsize": "12", "nodesep": "0.2",
         "ranksep": "0.3"}
NODE = {"shape": "record", "style": "filled", "fontname": FONT, "fontsize": "10",
        "color": "#404040", "penwidth": "1.2"}
EDGE = {"fontname": FONT, "fontsize": "9", "color": "#505050", "arrowsize": "0.7"}
CLUSTER = {"style": "dashed,rounded", "color": "#9e9e9e", "fontcolor": "#616161",
           "fontsize": "10"}


class Drawing:
    """A drawing of the graph: Graphviz DOT text that shows itself in Jupyter and renders
    with or without Graphviz installed.

    ``source`` is the DOT text, ``frame`` what it draws. In Jupyter it shows as SVG, with
    a PNG beside it for the places that hide SVG (an untrusted notebook in JupyterLab).
    ``render``, ``pipe`` and ``view`` work as graphviz's do, through ``ag.render`` (the
    system ``dot`` when installed, else Graphviz compiled to WebAssembly).
    """

    def __init__(self, source: str, frame, name: str = "autograd"):
        self.source = source
        self.frame = frame    # what each node shows (see frame.py)
        self.name = name

    def __str__(self):
        return self.source

    def __repr__(self):  # the same text for the same graph (a notebook's saved output)
        return (f"<Drawing of {len(self.frame.nodes)} nodes: shown in Jupyter; "
                f"ag.render(drawing, 'png', 'graph.png') saves it>")

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        svg = render(self, "svg").decode("utf-8")
        return jupyter_bundle(svg, repr(self), include, exclude)

    def pipe(self, format="svg", backend="auto") -> bytes:
        """The picture's bytes: format "svg", "png" or "pdf" (see ``ag.render``)."""
        return render(self, format, backend=backend)

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
               *, outfile=None, backend="auto") -> str:
        """Save the DOT text to ``filename`` and the picture beside it, as graphviz does.

        Args:
            filename: the DOT file (default "autograd.gv"); the picture is
                ``filename.format`` ("autograd.gv.pdf").
            directory: the folder for both (created if missing).
            view: open the picture with the system's viewer.
            cleanup: delete the DOT file after rendering.
            format: "svg", "png" or "pdf"; by default outfile's suffix, else "pdf".
            outfile: the picture's path instead of ``filename.format``.
            backend: as in ``ag.render``.
        Returns:
            The picture's path.
        """
        if format is None:
            format = Path(outfile).suffix.lstrip(".") if outfile is not None else "pdf"
        folder = Path(directory) if directory is not None else Path()
        if outfile is not None:
            source_path = Path(outfile).with_suffix(".gv") if filename is None else \
                folder / filename
            picture = Path(outfile)
        else:
            source_path = folder / (filename if filename is not None else f"{self.name}.gv")
            picture = source_path.with_name(f"{source_path.name}.{format}")
        source_path.parent.mkdir(parents=True, exist_ok=True)
        picture.parent.mkdir(parents=True, exist_ok=True)
        source_path.write_text(self.source, encoding="utf-8")
        render(self, format, picture, backend=backend)
        if cleanup:
            source_path.unlink()
        if view:
            _open(picture)
        return str(picture)

    def view(self, filename=None, directory=None, cleanup=False, *, backend="auto") -> str:
        """Render as PDF (see ``render``) and open it with the system's viewer."""
        return self.render(filename, directory, view=True, cleanup=cleanup, backend=backend)


def _open(path):
    import graphviz  # only graphviz knows each system's viewer; not needed before

    graphviz.view(path)


def to_dot(frame, name="autograd") -> Drawing:
    """Write a ``Frame`` as DOT text.

    Args:
        frame: the ``Frame`` (see ``frame.py``).
        name: the graph's name in the text.
    Returns:
        A ``Drawing``.
    """
    lines = [f"digraph {_quote(name)} {{",
             f"\tgraph [{_attrs(dict(GRAPH, rankdir=frame.rankdir))}]",
             f"\tnode [{_attrs(NODE)}]",
             f"\tedge [{_attrs(EDGE)}]"]
    if frame.caption:
        caption = "".join(_escape(line) + "\\l" for line in frame.caption)
        lines.append("\t" + _attrs({"label": caption, "labelloc": "t", "labeljust": "l"}))
    stacked = frame.rankdir in ("LR", "RL")
    for n, key in enumerate(frame.clusters):
        lines.append(f"\tsubgraph cluster_{n} {{")
        lines.append("\t\t" + _attrs(dict(CLUSTER, label=_escape(key))))
        lines += [f"\t\t{node.name} [{_attrs(_node(node, stacked), label_first=True)}]"
                  for node in frame.nodes if node.cluster == key]
        lines.append("\t}")
    lines += [f"\t{node.name} [{_attrs(_node(node, stacked), label_first=True)}]"
              for node in frame.nodes if node.cluster is None]
    for edge in frame.edges:
        attrs = _attrs(_edge(edge), label_first=True)
        lines.append(f"\t{edge.source} -> {edge.target}" + (f" [{attrs}]" if attrs else ""))
    lines.append("}")
    return Drawing("\n".join(lines) + "\n", frame, name)


def _node(node, stacked):
    """A node's DOT attributes; ``stacked``: record fields already stack (LR layouts)."""
    def fields(parts):
        body = "|".join(parts)
        return body if stacked else "{" + body + "}"

    if node.kind == "more":
        return {"label": fields([_record(node.title)]), "fillcolor": FILL["more"],
                "style": "dashed"}
    if node.kind in ("op", "group"):
        parts = [_record(node.title, align="\\n")]
        parts += [_record(lines) for lines in (node.maths, node.params) if lines]
        attrs = {"label": fields(parts), "shape": "Mrecord", "fillcolor": FILL[node.kind]}
    elif node.kind == "constant":
        attrs = {"label": fields([_record(node.data)]), "fillcolor": FILL["constant"],
                 "style": "filled,dashed"}
    else:
        parts = [_record(node.title)]
        for head, lines in (("data ", node.data), ("grad ", node.grad)):
            if lines is not None:
                parts.append(_record([head + lines[0]] +
                                     [" " * len(head) + line for line in lines[1:]]))
        attrs = {"label": fields(parts), "fillcolor": FILL[node.kind]}
    if node.state is not None:
        # Classes name the node in the SVG: the HTML page scrolls to the current op.
        role = "value" if node.name.startswith("v") else "op"
        attrs["class"] = f"{node.state} {role}"
    if node.state == "current":
        attrs["color"] = CURRENT_COLOR
        if node.kind in ("op", "group"):
            attrs["fillcolor"] = CURRENT_FILL
    elif node.state == "pending":
        attrs.update(color=PENDING_COLOR, fontcolor=PENDING_FONT)
    return attrs


def _edge(edge):
    attrs = {} if edge.label is None else {"label": edge.label}
    if edge.state == "current":
        attrs.update(color=CURRENT_COLOR, penwidth="2.2", fontcolor=CURRENT_COLOR)
    elif edge.state == "pending":
        attrs.update(color=PENDING_COLOR, fontcolor=PENDING_FONT)
    return attrs


# --- DOT's syntax ---------------------------------------------------------------------

_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))$")
_KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}


def _quote(text):
    """A DOT ID: bare when DOT allows it, else quoted (the text is escaped already)."""
    if _ID.match(text) and text.lower() not in _KEYWORDS:
        return text
    return f'"{text}"'


def _attrs(attrs, label_first=False):
    """``a=b c="d e"``: sorted, as the graphviz package writes them (and the golden files
    were written), the label first on nodes and edges."""
    keys = sorted(attrs)
    if label_first and "label" in attrs:
        keys = ["label"] + [k for k in keys if k != "label"]
    return " ".join(f"{k}={_quote(attrs[k])}" for k in keys)


def _escape(text):
    """Text for a DOT string: backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _record(lines, align="\\l"):
    """Lines as one record field; ``align`` "\\l" left-justifies each line, "\\n" centres."""
    out = []
    for line in lines:
        line = re.sub(r'([{}|<>"])', r"\\\1", line.replace("\\", "\\\\"))
        # Records merge runs of spaces and trim them at the ends of a line; escaped ones
        # stay, keeping a matrix's rows aligned and a padded line its width. (Graphviz
        # drops escaped spaces only at the very start of a field, where we put none.)
        line = re.sub(r"^ +| {2,}| +$", lambda m: "\\ " * len(m.group()), line)
        out.append(line + align)
    return "".join(out)
