"""How Values and ops read as text: numbers, shapes, a Value's name, an op's maths.

Everything the drawings and the steppers print goes through these few functions, so a
number reads the same in a graph's box, a step's explanation and a table. Text only: no
drawing, no Graphviz.
"""

from __future__ import annotations

import functools
import inspect
import re

import numpy as np

__all__ = ["op_formula", "formula_lines", "argument_name", "summary_lines", "shape_text",
           "value_name", "number", "flat", "axes_text"]

# A short matrix (a column vector, a 2x2) is printed on one line up to this width.
SHORT_LINE = 48


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


def number(x) -> str:
    """One number, floats to four significant digits."""
    return f"{float(x):.4g}" if np.issubdtype(np.asarray(x).dtype, np.floating) else str(x)


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
