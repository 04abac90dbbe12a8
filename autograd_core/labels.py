"""How Values and ops read as text: numbers, shapes, a Value's name, an op's maths.

Everything the drawings and the steppers print goes through these few functions, so a
number reads the same in a graph's box, a step's explanation and a table. Text only: no
drawing, no Graphviz.

An op's maths is the first paragraph of its class docstring, with names for its
parameters ("y = sum of x over axis"). An op class whose maths depends on its parameters
also defines ``formula(y, *xs)``, which says the same with the values this op ran with
("y = sum of x over axis 1", "dL/dx = g / 4"): ``op_formula(op, y, xs)`` asks it, so the
drawings and the steppers show the derivative that was computed. ``over``, ``axis_text``
and ``index_text`` write the parameters the same way everywhere.
"""

from __future__ import annotations

import functools
import inspect
import re
import numpy as np

__all__ = ["op_formula", "docstring_formula", "formula_lines", "formula_for",
           "argument_name", "summary_lines", "shape_text", "value_name", "number", "flat",
           "axes_text", "axis_text", "over", "all_axes", "index_text", "array_text"]

# A short matrix (a column vector, a 2x2) is printed on one line up to this width.
SHORT_LINE = 48


def op_formula(op, y=None, xs=None) -> tuple[str, str]:
    """The maths of an op: its class's ``formula(y, *xs)`` when it has one and the arrays
    are given, else the first paragraph of its class docstring.

    Args:
        op: an ``Op`` instance.
        y: the op's output (an array), and xs: its inputs (arrays): the sizes some
            formulas name (the n a mean divides by).
    Returns:
        ``(forward, derivative)``, e.g. ``("y = tanh(x)", "dL/dx = g * (1 - y**2)")``; the
        derivative is "" for an op whose docstring gives none, both are "" without a
        docstring.

    >>> from autograd_core.ops import Mean, Tanh
    >>> op_formula(Tanh())
    ('y = tanh(x)', 'dL/dx = g * (1 - y**2)')
    >>> op_formula(Mean(axis=1), np.zeros(2), [np.zeros((2, 4))])
    ('y = mean of x over axis 1', 'dL/dx = g / 4, copied along axis 1')
    """
    formula = getattr(op, "formula", None)
    if formula is not None and xs is not None:
        return formula(y, *xs)
    return docstring_formula(type(op))


def docstring_formula(op_type) -> tuple[str, str]:
    """``(forward, derivative)`` from the first paragraph of an op class's docstring."""
    doc = op_type.__doc__ or ""
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


def formula_for(derivative, argument):
    """The line of a derivative for one argument: "dL/db = g" of "dL/da = g,  dL/db = g"
    (or "dL/dx_j = ..." for its element j); "" when no line names it."""
    names = re.compile(rf"dL/d{re.escape(argument)}(_[a-z])? ?=")
    for part in formula_lines(derivative):
        if names.match(part):
            return part
    return ""


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


def number(x) -> str:
    """One number, floats to four significant digits (and -0 as 0)."""
    if np.issubdtype(np.asarray(x).dtype, np.floating):
        return f"{float(x) + 0.0:.4g}"
    return str(x)


def summary_lines(a, max_elements=8) -> list:
    """An array as text lines: every number when it has at most ``max_elements``, else its
    mean, min, max and norm (what tells a vanishing or exploding gradient)."""
    a = np.asarray(a)
    if a.ndim == 0:
        return [number(a[()])]
    if a.size <= max_elements:
        lines = np.array2string(a, separator=", ", max_line_width=10_000,
                                formatter={"float_kind": lambda x: f"{x:.4g}"}).split("\n")
        one_line = " ".join(line.strip() for line in lines)
        return [one_line] if len(one_line) <= SHORT_LINE else lines
    stats = a.astype(np.float64)
    return [f"mean={stats.mean():.4g} min={stats.min():.4g} max={stats.max():.4g} "
            f"norm={np.linalg.norm(stats):.4g}"]


def shape_text(a) -> str:
    """ "scalar float32", "(3, 2) float64"."""
    a = np.asarray(a)
    return ("scalar" if a.ndim == 0 else str(a.shape)) + f" {a.dtype}"


def value_name(v) -> str:
    """How a sentence names a Value: its name, else what made it."""
    if v.name:
        return v.name
    if v.op is not None:
        return f"({v.op!r} output)"
    if v.ndim == 0:
        return f"{float(v.data):.4g}"
    return f"(input {v.shape})"


def flat(lines) -> str:
    """Text lines on one line, for a sentence."""
    return " ".join(line.strip() for line in lines)


def axes_text(axes) -> str:
    return f"axis {axes[0]}" if len(axes) == 1 else f"axes {axes}"


def axis_text(axis) -> str:
    """An op's axis parameter: "axis 1" for 1 or (1,), "axes (0, 2)" for a tuple."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    return axes_text(tuple(int(a) for a in axes))


def over(axis, ndim, keepdims=False) -> str:
    """Where a reduction ran: "over axis 1", "over axes (0, 2)", "over all elements" (axis
    None, or every axis of an input of ``ndim`` axes), with ", keepdims" when it kept them.

    >>> over(1, 2), over(None, 2), over((0, 1), 2, keepdims=True)
    ('over axis 1', 'over all elements', 'over all elements, keepdims')
    """
    text = "over all elements" if all_axes(axis, ndim) else f"over {axis_text(axis)}"
    return text + (", keepdims" if keepdims else "")


def all_axes(axis, ndim) -> bool:
    """Whether an axis parameter (None, an int or a tuple) names every axis of ``ndim``."""
    return axis is None or len(set(axis if isinstance(axis, tuple) else (axis,))) == ndim


def array_text(a, max_elements=8) -> str:
    """An index or mask array: its numbers when it has a few, else its shape."""
    a = np.asarray(a)
    if a.size <= max_elements:
        return np.array2string(a, separator=", ", max_line_width=10_000,
                               formatter={"bool": str, "int": str}).replace("\n", "")
    what = "mask" if a.dtype.kind == "b" else "indices"
    return f"<{what} {a.shape}>"


def index_text(index) -> str:
    """A numpy index as it is written between brackets: "1:3, 0", "..., None", "[2, 0]".

    >>> index_text((slice(1, 3), 0)), index_text(np.array([2, 0])), index_text(Ellipsis)
    ('1:3, 0', '[2, 0]', '...')
    """
    items = index if isinstance(index, tuple) else (index,)
    parts = []
    for i in items:
        if isinstance(i, slice):
            text = ":".join("" if v is None else str(v) for v in (i.start, i.stop))
            parts.append(text + (f":{i.step}" if i.step is not None else ""))
        elif i is Ellipsis:
            parts.append("...")
        elif i is None:
            parts.append("None")
        elif isinstance(i, (np.ndarray, list)):
            parts.append(array_text(i))
        elif isinstance(i, (bool, np.bool_)):
            parts.append(str(bool(i)))
        else:
            parts.append(str(int(i)))
    return ", ".join(parts)
