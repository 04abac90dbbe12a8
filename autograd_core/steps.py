"""The steps the steppers show, and how each reads in words.

A ``ChainRuleStep`` is one op of the backward pass as the engine's walk ran it: the
upstream gradient ``g``, the op's local derivative (with the parameters it ran with), what
it sends to each input (summed back to the input's shape when the input was broadcast),
that gradient worked out with its numbers (``worked.py``: ``dL/dw = g * x = -1.555 *
0.2227 = -0.3463``) and each input's gradient so far. A ``ForwardStep`` is one op of the
forward pass. Both hold copies, so a later update in place (an optimizer's) does not change
the history. Shown as a cell's last line in Jupyter, a step reads as its explanation.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .engine import Op, Value
from .labels import flat, formula_for, formula_lines, shape_text, summary_lines, value_name
from .worked import grid_lines, worked_lines

# A local derivative longer than this is written one input a line.
LONG = 120

__all__ = ["ChainRuleStep", "InputGradient", "ForwardStep", "describe", "derivative_for"]


class InputGradient(NamedTuple):
    """What one step of backprop sends to one input of its op.

    value: the input; argument: its name in the op's maths ("a", "b", "x");
    grad: the chain-rule product this op sends it (None for an input that takes no
    gradient), in the input's shape; summed_axes: the axes of the op's output it was
    summed over because the input was broadcast, else None; before: the input's gradient
    from earlier steps (None if this is the first); total: its gradient after this step;
    worked: ``grad`` worked out with the step's numbers (a ``worked.Worked``, None
    without a gradient).
    """
    value: Value
    argument: str
    grad: object
    summed_axes: object
    before: object
    total: object
    worked: object = None


class ChainRuleStep(NamedTuple):
    """One op of the backward pass, with copies of everything it used and sent.

    index: 1 for the first op backprop reaches; node: the Value the op produced; op: the op;
    grad: dL/d(node), the upstream gradient g; forward, derivative: the op's maths with its
    parameters (``labels.op_formula``); inputs: an ``InputGradient`` per input of the op.
    """
    index: int
    node: Value
    op: Op
    grad: object
    forward: str
    derivative: str
    inputs: tuple

    def __str__(self):
        return "\n".join(describe(self))

    def _repr_pretty_(self, p, cycle):  # IPython and Jupyter show the explanation
        p.text(str(self))


class ForwardStep(NamedTuple):
    """One op of the forward pass: ``value = op(inputs)``; data is a copy of its result."""
    index: int
    value: Value
    op: Op
    inputs: tuple
    data: object
    forward: str

    def __str__(self):
        args = ", ".join(value_name(x) for x in self.inputs)
        return (f"step {self.index}: {self.op!r}({args}) -> {value_name(self.value)} "
                f"{shape_text(self.data)}   {self.forward}\n"
                f"    = {flat(summary_lines(self.data))}")

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def derivative_for(step, argument):
    """The part of the op's derivative for one input: "dL/db = g" of "dL/da = g,  dL/db = g"
    (all of it when no part names the input)."""
    return formula_for(step.derivative, argument) or step.derivative.strip()


def _joined(derivative):
    """A derivative's lines on one line: "dL/da = g,  dL/db = -g   (a note)"."""
    text = ""
    for part in formula_lines(derivative):
        text += ("" if not text else "   " if part.startswith("(") else ",  ") + part
    return text


def _shows_all(worked):
    """Whether a worked chain rule shows the whole gradient (a number, a small tensor
    substituted whole, or grids of all of it), so that a line repeating it would say
    nothing new."""
    if worked is None:
        return False
    return not worked.at or worked.grids is not None and not worked.grids.where


def describe(step, total_steps=None, last_use=None):
    """The lines of one backward step: the op, g, and for each input the chain rule worked
    out with its numbers (and, for a window op on a tiny example, its whole gradient as
    grids of numbers) and the gradient it holds after the step.

    ``last_use`` maps id(Value) to the (step, input position) of the last gradient it
    receives, to tell a complete gradient from one still to be added to; without it every
    gradient reads "so far".
    """
    count = f"/{total_steps}" if total_steps else ""
    scope = f"  (in {step.op.scope})" if step.op.scope else ""
    lines = [f"step {step.index}{count}: {step.op!r}{scope}   {step.forward}"]
    derivative = _joined(step.derivative) or "(none)"
    if len(derivative) <= LONG:
        lines.append(f"    local derivative: {derivative}")
    else:  # one line per input (a convolution's, in words)
        lines += ["    local derivative:"] + [f"        {part}"
                                               for part in formula_lines(step.derivative)]
    lines.append(f"    upstream g = dL/d{value_name(step.node)}  {shape_text(step.grad)}: "
                 f"{flat(summary_lines(step.grad))}")
    for pos, item in enumerate(step.inputs):
        name = f"{item.argument} = {value_name(item.value)}"
        if item.grad is None:
            lines.append(f"    {name}: takes no gradient")
            continue
        shape = f"  {np.shape(item.grad)}" if np.ndim(item.grad) else ""
        worked = worked_lines(item.worked) if item.worked is not None else [
            f"receives {flat(summary_lines(item.grad))}"]
        if item.worked is not None and item.worked.grids is not None:
            worked += grid_lines(item.worked.grids)
        lines.append(f"    {name}{shape}: {worked[0]}")
        lines += ["        " + line for line in worked[1:]]
        complete = last_use is not None and last_use.get(id(item.value)) == (step.index, pos)
        target = f"dL/d{value_name(item.value)}" + ("" if complete else " so far")
        if item.before is not None:
            lines.append(f"        {target} = {flat(summary_lines(item.before))} + "
                         f"{flat(summary_lines(item.grad))} = "
                         f"{flat(summary_lines(item.total))}   (used more than once: "
                         "the gradients add up)")
        elif not complete or not _shows_all(item.worked):
            lines.append(f"        {target} = {flat(summary_lines(item.total))}")
    return lines
