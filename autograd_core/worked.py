"""One step of the chain rule worked out with its numbers: the moment backprop makes sense.

A backprop step through ``Mul`` says ``dL/da = g * b``. Worked out for the step's own
Values, it reads ``dL/dw = g * x = -1.555 * 0.2227 = -0.3463``: the op's argument names
replaced by the Values' names (w = a, x = b), then the numbers. A small tensor is
substituted whole; a larger one shows its shapes and one element, the one of largest
size: a matrix product's sum of products, a reduction's element copied from g, an
elementwise op's numbers, and the sum over the axes where the input was broadcast.

Every number comes from the step itself: g, the output and the inputs as the walk used
them, and last the gradient the step sent, so the line ends on exactly what the engine
computed. How an element is made is the op's to say, in ``element(i, at, g, y, *xs)``
returning ``labels.Terms``; the ops of the elementwise families need none, as their
derivative formula, read element by element, is the term. An op that says nothing (a
custom one) shows its element's value alone. The index helpers below (``reduced_index``,
``sources_in``, ...) are what ops' ``element`` methods are written with.

A window op (a convolution, a pooling) can also show its whole gradient on a tiny
example, as grids of numbers side by side: ``g ⋆ flip(k) = dL/dx``. Its
``grids(i, grad, g, y, *xs)`` returns ``Grids``, the last one the gradient the step sent.
"""

from __future__ import annotations

import itertools
import re
from typing import NamedTuple

import numpy as np

from .engine import _summed_axes
from .labels import argument_name, axes_text, formula_for, formula_lines, number, op_formula

__all__ = ["Terms", "Grids", "Worked", "work_out", "worked_lines", "worked_head",
           "grid_lines", "display_names",
           "broadcast_index", "broadcast_sources", "reduced_index", "flat_index",
           "unflat_index", "sources_in", "ELEMENTWISE_FAMILIES"]

# The op families whose ops act element by element, broadcasting as numpy does: one
# element of the gradient is the derivative's formula read at that element.
ELEMENTWISE_FAMILIES = ("arithmetic", "elementwise", "trig", "special", "bessel", "bessel_jyk",
                        "tf_special", "activations")
_ELEMENTWISE_MODULES = {f"{__package__}.ops.{family}" for family in ELEMENTWISE_FAMILIES}
# Arrays of at most this many elements are substituted whole.
SMALL = 4
# A longer sum shows its first terms and its last, with "..." between.
SHOWN_TERMS = 4
# An element worked out on one line up to this width, else on two.
ONE_LINE = 100


class Terms(NamedTuple):
    """One element of an op's gradient, as a sum of terms of one expression: what an op's
    ``element(i, at, g, y, *xs)`` returns (``work_out`` substitutes the numbers).

    expression: one term, in tokens: "g", "y", the op's argument names ("a", "x"), and the
    keys of ``arrays``; None: the right side of the op's derivative for that input.
    indices: one dict per term, token -> the index of the element it reads; a token left
    out reads the element's own index (broadcast, as numpy broadcasts). No dict: the
    element is 0 (no term reaches it).
    arrays: quantities the expression names besides g, y and the inputs, token -> array
    ("softmax(z)", "t").

    A matrix product's dL/db[k, m] = sum_j a[j, k] * g[j, m] is
    ``Terms("a*g", [{"a": (j, k), "g": (j, m)} for j in range(n)])``.
    """
    expression: str | None = None
    indices: tuple = ({},)
    arrays: dict | None = None


class Grids(NamedTuple):
    """A gradient on a tiny example, as 2-D grids of numbers side by side: what an op's
    ``grids(i, grad, g, y, *xs)`` returns (None when the example is not tiny).

    words: how to read them ("slide flip(k) over g: ..."); titles: one per grid but the
    last ("g, a border of 1 zero", "flip(k)"); arrays: the grids, the last the gradient
    sent (a 2-D slice of it, as ``where`` says); between: the sign between two grids ("⋆",
    "="); where: which slice the grids are ("image 0, channel 0"), "" for all of it.
    The op's argument names in words and titles read as the Values' names.
    """
    words: str
    titles: tuple
    arrays: tuple
    between: tuple
    where: str = ""


def broadcast_index(at, shape) -> tuple:
    """The element of an array of ``shape`` that numpy pairs with element ``at`` of a
    broadcast result: (2, 1) of a (3, 4) result reads element (0, 1) of a (1, 4) array."""
    extra = len(at) - len(shape)
    if extra < 0:
        raise IndexError(f"element {at} does not reach an array of shape {shape}")
    return tuple(0 if n == 1 else at[extra + k] for k, n in enumerate(shape))


def broadcast_sources(at, big_shape, shape):
    """The elements of an array of ``big_shape`` that summing back to ``shape`` (the
    gradient of a broadcast) adds into its element ``at``."""
    extra = len(big_shape) - len(shape)
    ranges = [range(n) for n in big_shape[:extra]]
    for k, n in enumerate(shape):
        m = big_shape[extra + k]
        ranges.append(range(m) if n == 1 and m != 1 else (at[k],))
    return itertools.product(*ranges)


def reduced_index(at, axis, keepdims=False) -> tuple:
    """The element of a reduction's result that element ``at`` of its input went into."""
    axes = range(len(at)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
    if keepdims:
        return tuple(0 if k in axes else i for k, i in enumerate(at))
    return tuple(i for k, i in enumerate(at) if k not in axes)


def flat_index(at, shape) -> int:
    """The position of element ``at`` in an array of ``shape`` read in C order."""
    return int(np.ravel_multi_index(at, shape)) if shape else 0


def unflat_index(k, shape) -> tuple:
    """The element at position ``k`` of an array of ``shape`` read in C order."""
    return tuple(int(i) for i in np.unravel_index(k, shape)) if shape else ()


def sources_in(index, shape, at) -> list:
    """The elements of ``x[index]`` (x of ``shape``) that were picked from x's element
    ``at``: none, one, or several where the index repeats it."""
    picked = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)[index]
    return [tuple(int(i) for i in k) for k in np.argwhere(picked == flat_index(at, shape))]


class Worked(NamedTuple):
    """One input's gradient in a step, worked out.

    target: "dL/dw"; name: the input as the formula names it ("w"); formula: the
    derivative's right side in the Values' names ("g * x"); shapes: "(3, 4)^T @ (3, 2) ->
    (4, 2)", or "" where the shapes say nothing new; at: the element of the input's
    gradient worked out, () for a number, None when the whole gradient is substituted;
    names: the element's terms in the Values' names ("x[0,0]*g[0,1] + ..."); numbers: the
    same with the numbers ("0.5*0.1 + ..."), "" for an op that does not say how its
    element is made; value: what the step sent there (the element, or the whole
    gradient); summed: the axes of the op's result the gradient was summed over because
    the input was broadcast, () if none; complete: whether every term is shown;
    substituted: (token, index, number) for each number in ``numbers``, index None for a
    whole array; grids: the whole gradient on a tiny example (``Grids``, the last grid
    titled ``target``), or None.
    """
    target: str
    name: str
    formula: str
    shapes: str
    at: tuple | None
    names: str
    numbers: str
    value: object
    summed: tuple
    complete: bool
    substituted: tuple
    grids: Grids | None = None


def display_names(op, output_name, input_names):
    """How the tokens of an op's maths read for these Values: each argument ("a", "x") and
    the output "y" by its Value's name when it has one, else as the op's maths names it.
    A name that would read as another token of the formula ("g", or an argument kept) is
    not used.

    >>> from autograd_core.ops import Mul
    >>> display_names(Mul(), None, ["w", "x"])
    {'a': 'w', 'b': 'x', 'y': 'y'}
    """
    n = len(input_names)
    names = {argument_name(op, i, n): name for i, name in enumerate(input_names)}
    names["y"] = output_name
    kept = {token for token, name in names.items() if not name} | {"g"}
    return {token: name if name and name not in kept else token
            for token, name in names.items()}


def _token_pattern(tokens):
    """Whole tokens only: "t" in "t * g", not in "sqrt"; the longest first, so that
    "softmax(z)" is one token, not "z" inside it."""
    alternatives = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({alternatives})(?![\w(])")


def _tokens(expression, candidates):
    """The candidates that occur in ``expression`` as tokens, in order of appearance."""
    if not candidates:
        return []
    found = _token_pattern(candidates).findall(expression)
    return list(dict.fromkeys(found))


def _rename(text, names):
    """``text`` with its tokens replaced by the Values' names (all at once)."""
    if not names:
        return text
    return _token_pattern(names).sub(lambda m: names[m.group(1)], text)


def _index(idx):
    return "[" + ",".join(str(int(k)) for k in idx) + "]"


def _largest(a):
    """The index of the element of largest size (the first of ties), () for a scalar."""
    if a.ndim == 0:
        return ()
    size = np.abs(a.astype(np.float64))
    size[np.isnan(size)] = -1
    return tuple(int(k) for k in np.unravel_index(np.argmax(size), a.shape))


def _shape(a):
    return str(tuple(np.shape(a)))


def _numbers_text(a, fmt):
    a = np.asarray(a)
    if a.ndim == 0:
        return fmt(a[()])
    return np.array2string(a, separator=", ", max_line_width=10_000,
                           formatter={"all": fmt}).replace("\n", "")


# A negative number right after these reads plainly: -0.5 in (-0.5 + x), x > -0.5, |-0.5|.
_OPENING = ("(", "[", ",", "|", "=", ">", "<", " if", " else")


def _substitute(expression, pattern, text_of):
    """``expression`` with each token replaced by ``text_of(token)``; a negative number
    goes in parentheses, except where it reads plainly (see _OPENING)."""
    def put(m):
        text = text_of(m.group(1))
        if not text.startswith("-"):
            return text
        before = expression[:m.start()].rstrip()
        if expression[m.end():].startswith("**") or before and not before.endswith(_OPENING):
            return f"({text})"
        return text
    return pattern.sub(put, expression)


def _needs_parentheses(expression):
    """Whether a term must be bracketed in a sum: a sum, difference or choice at its top."""
    depth = 0
    for k, c in enumerate(expression):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and expression.startswith((" + ", " - ", " if "), k):
            return True
    return expression.startswith("-")


def _terms(op, i, g, y, xs):
    """The op's ``Terms`` for input i, as a function of the element (whose value is None
    where the op cannot say), or None when the op does not say how its elements are made."""
    element = getattr(op, "element", None)
    if element is not None:
        return lambda at: element(i, at, g, y, *xs)
    if type(op).__module__ in _ELEMENTWISE_MODULES:
        return lambda at: Terms()
    return None


def work_out(op, i, g, y, xs, raw, sent, names=None, fmt=number,
             max_terms=SHOWN_TERMS) -> Worked | None:
    """Input i's gradient in one backward step, worked out.

    Args:
        op: the op; g: the upstream gradient dL/dy; y: the op's output; xs: its inputs
            (arrays, as the walk used them).
        raw: what the op's backward returned for input i (in the broadcast shape); sent:
            the gradient the step sent to the input (summed back to its shape).
        names: token -> the Value's name (``display_names``); None: the op's own names.
        fmt: how a number is written (``labels.number``: 4 significant digits).
        max_terms: the most terms of a sum to show (the first ones and the last).
    Returns:
        A ``Worked``, or None for an empty gradient.

    >>> from autograd_core.ops import Mul
    >>> g, w, x = -1.555, 0.5, 0.2227         # y = w * x, and g = dL/dy
    >>> worked = work_out(Mul(), 0, g, w * x, [w, x], g * x, g * x, {"a": "w", "b": "x"})
    >>> worked_lines(worked)
    ['dL/dw = g * x = -1.555 * 0.2227 = -0.3463']
    """
    sent, raw, g, y = np.asarray(sent), np.asarray(raw), np.asarray(g), np.asarray(y)
    if sent.size == 0:
        return None
    names = names or {}
    arg = argument_name(op, i, len(xs))
    name = names.get(arg, arg)
    derivative = op_formula(op, y, xs)[1]
    head, _, rhs = formula_for(derivative, arg).partition(" = ")
    if head:
        # dL/dx_j, of a formula written for element j, keeps its _j.
        target, formula = f"dL/d{name}{head[len(f'dL/d{arg}'):]}", _rename(rhs, names)
    else:  # an op that names its one input its own way (a custom one): its words as written
        lines = [line for line in formula_lines(derivative) if line.startswith("dL/d")]
        head, _, rhs = lines[0].partition(" = ") if len(lines) == 1 == len(xs) else ("", "", "")
        target, formula = f"dL/d{name}", rhs
    summed, at = _summed_axes(raw.shape, sent.shape), _largest(sent)
    make_terms = _terms(op, i, g, y, xs) if rhs else None
    terms = make_terms(next(broadcast_sources(at, raw.shape, sent.shape))) \
        if make_terms is not None else None
    if terms is None:  # the op does not say how its element is made: its value alone
        shapes = f"{_shape(g)} -> {_shape(sent)}" if g.ndim or sent.ndim else ""
        return Worked(target, name, formula, shapes, at, "", "", sent[at], summed, True, ())

    arrays = {"g": g, "y": y}
    arrays.update((argument_name(op, k, len(xs)), np.asarray(x)) for k, x in enumerate(xs))
    arrays.update((k, np.asarray(v)) for k, v in (terms.arrays or {}).items())
    expression = rhs if terms.expression is None else terms.expression
    tokens = _tokens(expression, list(arrays))
    elementwise = terms.expression is None and list(terms.indices) == [{}]
    if "@" in rhs:
        shapes = _substitute(rhs, _token_pattern(list(arrays)), lambda t: _shape(arrays[t]))
        shapes += f" -> {_shape(sent)}"
    elif summed:
        shapes = f"{_shape(raw)} -> {_shape(sent)}"
    else:
        shapes = "" if elementwise else f"{_shape(g)} -> {_shape(sent)}"
    worked = Worked(target, name, formula, shapes, at, "", "", sent[at], summed, True, ())

    if elementwise and not summed and sent.ndim and all(arrays[t].size <= SMALL
                                                        for t in tokens):
        numbers = _substitute(expression, _token_pattern(tokens),
                              lambda t: _numbers_text(arrays[t], fmt)) if tokens else expression
        if len(f"{target} = {formula} = {numbers} = {_numbers_text(sent, fmt)}") <= ONE_LINE:
            return worked._replace(at=None, names=formula, numbers=numbers, value=sent,
                                   substituted=tuple((t, None, arrays[t]) for t in tokens))

    def each_term():
        """Every term of the element, over the elements of the raw gradient summed into it,
        as (that element, the term's indices)."""
        for k, source in enumerate(broadcast_sources(at, raw.shape, sent.shape)):
            for term in (terms if k == 0 else make_terms(source)).indices:
                yield source, term

    def leaves(source, term):
        """The element of each token's array that a term reads."""
        return {t: term[t] if t in term else broadcast_index(source, arrays[t].shape)
                for t in tokens}

    names_text, numbers_text, substituted, count = _sum_of_terms(
        expression, tokens, {t: _rename(t, names) for t in tokens}, arrays, each_term(),
        leaves, fmt, max_terms)
    return worked._replace(names=names_text, numbers=numbers_text,
                           complete=count <= max_terms, substituted=substituted,
                           grids=_grids(op, i, sent, g, y, xs, names, target))


def _grids(op, i, sent, g, y, xs, names, target):
    """The op's ``Grids`` for input i in the Values' names, the last titled ``target``."""
    make = getattr(op, "grids", None)
    grids = make(i, sent, g, y, *xs) if make is not None else None
    if grids is None:
        return None
    return grids._replace(words=_rename(grids.words, names),
                          titles=tuple(_rename(t, names) for t in grids.titles) + (target,))


def _sum_of_terms(expression, tokens, display, arrays, terms, leaves_of, fmt, max_terms):
    """A sum of ``terms`` of ``expression`` written with names and with numbers: (names,
    numbers, the leaves substituted, the number of terms); past ``max_terms`` terms, the
    first ones, "...", and the last (the others are only counted: a sum over a large
    broadcast stays quick)."""
    pattern = _token_pattern(tokens) if tokens else None
    wrap = _needs_parentheses(expression)

    def write(text_of):
        return _substitute(expression, pattern, text_of) if pattern else expression

    def written(term):
        leaves = leaves_of(*term)
        return (write(lambda t: display[t] + (_index(leaves[t]) if arrays[t].size > 1
                                              else "")),
                write(lambda t: fmt(arrays[t][leaves[t]])),
                tuple((t, leaves[t], arrays[t][leaves[t]]) for t in tokens))

    shown, last, count = [], None, 0
    for term in terms:
        count += 1
        if count < max_terms:
            shown.append(written(term))
        else:
            last = term
    if count == 0:  # no term reaches this element
        return "0", "0", (), 0
    if last is not None:
        shown.append(written(last))
    if wrap and count > 1:
        shown = [(f"({a})", f"({b})", c) for a, b, c in shown]
    substituted = tuple(leaf for term in shown for leaf in term[2])
    if count > max_terms:
        shown.insert(-1, ("...", "...", ()))
    names, numbers = (_sum([term[k] for term in shown]) for k in (0, 1))
    if count > max_terms:
        names += f"   ({count} terms)"
    return names, numbers, substituted, count


def _sum(terms):
    """Terms joined by + and -: "0.28 - 0.17" rather than "0.28 + -0.17" (a term here is
    a product, or bracketed)."""
    text = terms[0]
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text


def worked_head(w: Worked) -> str:
    """The formula in the Values' names: "dL/db1 = g, summed over axis 0 (b1 was
    broadcast)"."""
    head = f"{w.target} = {w.formula}" if w.formula else w.target
    if w.summed:
        head += f", summed over {axes_text(w.summed)} ({w.name} was broadcast)"
    return head


def worked_lines(w: Worked, fmt=number) -> list:
    """A ``Worked`` as text lines: the formula in the Values' names, then the numbers.

    ``dL/dw = g * x = -1.555 * 0.2227 = -0.3463`` for numbers; for a larger tensor the
    formula and shapes, then one element on a line of its own.
    """
    head = worked_head(w)
    value = fmt(w.value) if np.ndim(w.value) == 0 else _numbers_text(w.value, fmt)
    chain = [part for part in (w.names, w.numbers, value) if part]
    chain = [part for k, part in enumerate(chain) if k == 0 or part != chain[k - 1]]
    if chain[0] == w.formula and len(chain) > 1:
        chain = chain[1:]
    if not w.at and not w.shapes:  # a number, or a small tensor substituted whole
        line = " = ".join([head] + chain)
        if len(line) <= ONE_LINE or len(chain) < 2:
            return [line]
        return [head, "    = " + " = ".join(chain)]
    lines = [f"{head}: {w.shapes}" if w.shapes else head]
    if len(lines[0]) > ONE_LINE and w.shapes:  # a formula in words: the shapes below it
        lines = [head, f"shapes {w.shapes}"]
    element = f"element [{', '.join(str(k) for k in w.at)}]" if w.at else w.target
    line = f"{element} = " + " = ".join(chain)
    if len(line) <= ONE_LINE or len(chain) < 2:
        return lines + [line]
    pad = " " * len(element)
    return lines + [f"{element} = {chain[0]}", f"{pad} = " + " = ".join(chain[1:])]


def _grid_rows(a, fmt):
    """A 2-D array as the rows of a matrix, each column's numbers right-aligned."""
    cells = [[fmt(v) for v in row] for row in np.asarray(a)]
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    last = len(cells) - 1
    return [("[[" if r == 0 else " [") + ", ".join(c.rjust(w) for c, w in zip(row, widths))
            + ("]]" if r == last else "],") for r, row in enumerate(cells)]


def grid_lines(grids: Grids, fmt=number) -> list:
    """``Grids`` as text lines: the words, then the titles joined by the signs between the
    grids, and each grid's rows under its title.

    >>> grids = Grids("g doubled", ("g", "dL/dx"), (np.eye(2), 2 * np.eye(2)), ("->",))
    >>> print("\\n".join(grid_lines(grids)))
    in numbers: g doubled
    g         ->  dL/dx
    [[1, 0],      [[2, 0],
     [0, 1]]       [0, 2]]
    """
    where = f" ({grids.where})" if grids.where else ""
    blocks = [[title] + _grid_rows(a, fmt) for title, a in zip(grids.titles, grids.arrays)]
    widths = [max(len(line) for line in block) for block in blocks]
    height = max(len(block) for block in blocks)
    lines = []
    for row in range(height):
        parts = []
        for k, (block, width) in enumerate(zip(blocks, widths)):
            text = block[row] if row < len(block) else ""
            if k < len(blocks) - 1:
                sign = grids.between[k]
                gap = f"  {sign}  " if row == 0 and sign else " " * (len(sign) + 4)
                text = text.ljust(width) + gap
            parts.append(text)
        lines.append("".join(parts).rstrip())
    return [f"in numbers{where}: {grids.words}"] + lines
