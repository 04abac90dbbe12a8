"""Backprop one op at a time: watch the chain rule run, and export it for a lesson.

``BackpropStepper(loss)`` drives the engine's own backward walk (``backward_steps``) one op
per ``next()``. Each step tells what the op received (the upstream gradient ``g``), its
local derivative (from the op's docstring), what it sends to each input (the chain-rule
product, summed back to the input's shape when the input was broadcast) and each input's
gradient so far (a sum when the input feeds several ops).

Gradients: the stepper runs the real walk, so ``.grad`` fills in as it goes and ends
exactly as ``loss.backward()`` leaves it (it adds to what ``.grad`` held, as backward
does). The walk runs one op ahead of the steps shown, which writes only gradients that are
already complete. ``BackpropStepper.from_tape`` walks a tape instead and, as the tape does,
leaves ``.grad`` alone. What a step shows is a copy, so later updates in place (an
optimizer's) do not change the history.

``render()`` draws the graph at the current step (the op being applied highlighted, the
ops still to come greyed), ``table()`` prints every step, and ``save_frames``,
``save_gif`` and ``save_html`` export the sequence. ``ForwardStepper`` replays the forward
pass the same way, values appearing in the order they were computed.
"""

from __future__ import annotations

import bisect
import html
import io
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .engine import Op, Value, _seed, backward_steps
from .viz import (
    Drawing, GraphView, argument_name, formula_lines, op_formula, render, shape_text,
    summary_lines,
)

__all__ = ["BackpropStepper", "ForwardStepper", "ChainRuleStep", "InputGradient",
           "ForwardStep"]


class InputGradient(NamedTuple):
    """What one step of backprop sends to one input of its op.

    value: the input; argument: its name in the op's maths ("a", "b", "x");
    grad: the chain-rule product this op sends it (None for an input that takes no
    gradient), in the input's shape; summed_axes: the axes of the op's output it was
    summed over because the input was broadcast, else None; before: the input's gradient
    from earlier steps (None if this is the first); total: its gradient after this step.
    """
    value: Value
    argument: str
    grad: object
    summed_axes: object
    before: object
    total: object


class ChainRuleStep(NamedTuple):
    """One op of the backward pass, with copies of everything it used and sent.

    index: 1 for the first op backprop reaches; node: the Value the op produced; op: the op;
    grad: dL/d(node), the upstream gradient g; forward, derivative: the op's maths from its
    docstring; inputs: an ``InputGradient`` per input of the op.
    """
    index: int
    node: Value
    op: Op
    grad: object
    forward: str
    derivative: str
    inputs: tuple

    def __str__(self):
        return "\n".join(_describe(self))


class ForwardStep(NamedTuple):
    """One op of the forward pass: ``value = op(inputs)``; data is a copy of its result."""
    index: int
    value: Value
    op: Op
    inputs: tuple
    data: object
    forward: str

    def __str__(self):
        args = ", ".join(_label(x) for x in self.inputs)
        return (f"step {self.index}: {self.op!r}({args}) -> {_label(self.value)} "
                f"{shape_text(self.data)}   {self.forward}\n"
                f"    = {_flat(summary_lines(self.data))}")


def _label(v):
    """How the text names a Value: its name, else what made it."""
    if v.name:
        return v.name
    if v.op is not None:
        return f"({v.op!r} output)"
    if v.ndim == 0:
        return f"{float(v.data):.4g}"
    return f"(input {v.shape})"


def _flat(lines):
    return " ".join(line.strip() for line in lines)


def _axes_text(axes):
    return f"axis {axes[0]}" if len(axes) == 1 else f"axes {axes}"


def _derivative_for(step, argument):
    """The part of the op's derivative for one input: "dL/db = g" of "dL/da = g,  dL/db = g"."""
    for part in formula_lines(step.derivative):
        if part.startswith(f"dL/d{argument} ") or part.startswith(f"dL/d{argument}="):
            return part
    return step.derivative.strip()


def _describe(step, total_steps=None, last_use=None):
    """The text of one step: the op, g, and what each input receives and now holds.

    ``last_use`` maps id(Value) to the (step, input position) of the last gradient it
    receives, to tell a complete gradient from one still to be added to; without it every
    gradient reads "so far".
    """
    count = f"/{total_steps}" if total_steps else ""
    scope = f"  (in {step.op.scope})" if step.op.scope else ""
    lines = [f"step {step.index}{count}: {step.op!r}{scope}   {step.forward}",
             f"    local derivative: {step.derivative or '(none)'}",
             f"    upstream g = dL/d{_label(step.node)}  {shape_text(step.grad)}: "
             f"{_flat(summary_lines(step.grad))}"]
    for pos, item in enumerate(step.inputs):
        name = f"{item.argument} = {_label(item.value)}"
        if item.grad is None:
            lines.append(f"    {name}: takes no gradient")
            continue
        how = (f"g summed over {_axes_text(item.summed_axes)} (broadcast): "
               if item.summed_axes else "")
        shape = f"  {np.shape(item.grad)}" if np.ndim(item.grad) else ""
        lines.append(f"    {name}{shape}: receives {how}{_flat(summary_lines(item.grad))}")
        complete = last_use is not None and last_use.get(id(item.value)) == (step.index, pos)
        target = f"dL/d{_label(item.value)}" + ("" if complete else " so far")
        if item.before is None:
            lines.append(f"        {target} = {_flat(summary_lines(item.total))}")
        else:
            lines.append(f"        {target} = {_flat(summary_lines(item.before))} + "
                         f"{_flat(summary_lines(item.grad))} = "
                         f"{_flat(summary_lines(item.total))}   (used more than once: "
                         "the gradients add up)")
    return lines


def _pad(lines, width, count):
    """Pad text to a fixed size, so a node keeps its size (and place) in every frame."""
    lines = list(lines) + [""] * (count - len(lines))
    return [line.ljust(width) for line in lines]


def _padded(texts):
    """Pad each of several line lists to the largest width and line count among them."""
    width = max((len(line) for lines in texts for line in lines), default=0)
    count = max((len(lines) for lines in texts), default=0)
    return [_pad(lines, width, count) for lines in texts]


class _Stepper:
    """What both steppers share: moving through the steps, drawing and exporting frames.

    Frame 0 shows the graph before the first step; frame k the graph just after step k.
    """

    def __init__(self, view, max_elements):
        self.view = view
        self.max_elements = max_elements
        # A copy of every Value's data: an optimizer may update parameters in place later.
        self._data = [np.array(v.data, copy=True) for v in view.values]
        self._steps = []
        self.position = 0
        # Texts and pictures of the frames, made once every step is known.
        self._svg = {}
        self._caption_cache = None

    # --- moving -------------------------------------------------------------------

    def _pull(self):
        """Compute the next step, or return None when there is none."""
        raise NotImplementedError

    def _fetch(self, count):
        """Make sure the first ``count`` steps are computed; False if there are fewer."""
        while len(self._steps) < count:
            step = self._pull()
            if step is None:
                return False
            self._steps.append(step)
        return True

    def __iter__(self):
        return self

    def __next__(self):
        if not self._fetch(self.position + 1):
            raise StopIteration
        self.position += 1
        return self._steps[self.position - 1]

    def next(self):
        """Take one step and return it; None when every step is done."""
        return next(self, None)

    def prev(self):
        """Go back one step (the display only: gradients are not taken back)."""
        self.position = max(self.position - 1, 0)
        return self.current

    def goto(self, k):
        """Show the graph after step ``k`` (0: before the first step)."""
        if k < 0 or not self._fetch(k):
            raise IndexError(f"{type(self).__name__}.goto: step {k} is outside 0..{len(self)}")
        self.position = k
        return self.current

    def reset(self):
        self.position = 0

    @property
    def current(self):
        """The step last taken, None before the first."""
        return self._steps[self.position - 1] if self.position else None

    @property
    def steps(self):
        """Every step (computing those not taken yet)."""
        self._fetch(float("inf"))
        return list(self._steps)

    def __len__(self):
        self._fetch(float("inf"))
        return len(self._steps)

    def __repr__(self):
        return f"<{type(self).__name__} at step {self.position}>"

    # --- drawing ------------------------------------------------------------------

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        """Jupyter shows the current frame."""
        return {"image/svg+xml": self.svg(), "text/plain": "\n".join(self._text(self.position))}

    def render(self, step=None) -> Drawing:
        """Draw the graph after ``step`` (default: the current position) as a ``Drawing``."""
        k = self.position if step is None else step
        if not 0 <= k <= len(self):
            raise IndexError(f"{type(self).__name__}.render: step {k} is outside 0..{len(self)}")
        return self._draw(k)

    def _draw(self, k):
        raise NotImplementedError

    def _text(self, k):
        raise NotImplementedError

    def svg(self, step=None, backend="auto") -> str:
        """The frame after ``step`` (default: the current one) as SVG text (cached)."""
        k = self.position if step is None else step
        if (k, backend) not in self._svg:
            self._svg[k, backend] = render(self.render(k), "svg", backend=backend).decode()
        return self._svg[k, backend]

    def table(self, print_fn=print):
        """Print every step as text, for a terminal."""
        for line in self._table_lines():
            print_fn(line)

    def save_frames(self, folder, format="svg", backend="auto", dpi=96) -> list:
        """Write one file per frame (``step_000.svg`` is before the first step).

        Args:
            folder: created if missing.
            format, backend, dpi: as in ``render``.
        Returns:
            The paths written, in order.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for k in range(len(self) + 1):
            path = folder / f"step_{k:03d}.{format}"
            if format == "svg":
                path.write_text(self.svg(k, backend), encoding="utf-8")
            else:
                render(self.render(k), format, path, backend=backend, dpi=dpi)
            paths.append(path)
        return paths

    def save_gif(self, path, seconds_per_frame=1.5, backend="auto", dpi=96) -> Path:
        """Write the frames as an animated GIF (needs Pillow, and PNG from ``render``)."""
        try:
            from PIL import Image
        except ImportError:
            raise ImportError(f"{type(self).__name__}.save_gif needs Pillow: pip install "
                              "pillow (save_html and save_frames do not)") from None
        frames = [Image.open(io.BytesIO(render(self.render(k), "png", backend=backend,
                                               dpi=dpi))).convert("RGB")
                  for k in range(len(self) + 1)]
        size = (max(f.width for f in frames), max(f.height for f in frames))
        canvas = []
        for f in frames:
            page = Image.new("RGB", size, "white")
            page.paste(f, (0, 0))
            canvas.append(page.convert("P", palette=Image.Palette.ADAPTIVE, colors=255))
        path = Path(path)
        canvas[0].save(path, save_all=True, append_images=canvas[1:], loop=0,
                       duration=int(seconds_per_frame * 1000))
        return path

    def html(self, backend="auto") -> str:
        """A self-contained HTML page: the SVG frames with prev/next buttons and a slider."""
        n = len(self)
        frames = "\n".join(
            f'<div class="frame" id="f{k}"{"" if k == self.position else " hidden"}>'
            f'{_strip_xml_header(self.svg(k, backend))}'
            f'<pre>{html.escape(chr(10).join(self._text(k)))}</pre></div>'
            for k in range(n + 1))
        return _PAGE.format(title=html.escape(type(self).__name__), last=n,
                            start=self.position, frames=frames)

    def save_html(self, path, backend="auto") -> Path:
        """Write ``html()`` to a file a teacher can open in a browser or put in slides."""
        path = Path(path)
        path.write_text(self.html(backend), encoding="utf-8")
        return path

    def widget(self, backend="auto"):
        """A slider through the frames in Jupyter (with ipywidgets); without ipywidgets, an
        object that displays every frame, one under another."""
        try:
            import ipywidgets as widgets
        except ImportError:
            return _FrameSequence(self, backend)
        slider = widgets.IntSlider(value=self.position, min=0, max=len(self),
                                   description="step", continuous_update=False)
        play = widgets.Play(value=self.position, min=0, max=len(self), interval=1500)
        widgets.jslink((play, "value"), (slider, "value"))
        picture = widgets.HTML(self.svg(self.position, backend))
        text = widgets.HTML(_pre(self._text(self.position)))

        def show(change):
            self.position = change["new"]
            picture.value = self.svg(self.position, backend)
            text.value = _pre(self._text(self.position))
        slider.observe(show, names="value")
        return widgets.VBox([widgets.HBox([play, slider]), picture, text])

    def _drawn_values(self):
        """Indices of the values that have a node in the drawing."""
        return [int(item[1:]) for item in self.view.items if item.startswith("v")]


def _frame_text(versions):
    """A value's text in any frame, padded to one size so its node keeps its place.

    Args:
        versions: dict value index -> [(first frame, lines)], from frame 0 on; lines are
            None where the text is not known yet (drawn as "?"). A value's text changes
            only at a few steps, so this stays small however many frames there are.
    Returns:
        function (value index, frame) -> lines, or None for a value without this text.
    """
    padded = {}
    for i, changes in versions.items():
        texts = _padded([lines if lines is not None else ["?"] for _, lines in changes])
        padded[i] = ([first for first, _ in changes], texts)

    def text(i, k):
        if i not in padded:
            return None
        firsts, texts = padded[i]
        return texts[bisect.bisect_right(firsts, k) - 1]
    return text


def _progress(step, k):
    """How a frame k draws an op applied at ``step``: current, done, pending (None: never)."""
    if step is None:
        return None
    return "current" if step == k else "done" if step < k else "pending"


def _strip_xml_header(svg):
    at = svg.find("<svg")
    return svg[at:] if at >= 0 else svg


def _pre(lines):
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"


class _FrameSequence:
    """Every frame, one under another, for Jupyter without ipywidgets."""

    def __init__(self, stepper, backend):
        self.stepper, self.backend = stepper, backend

    def _repr_html_(self):
        s = self.stepper
        return "\n".join(f"<div>{_pre(s._text(k))}{_strip_xml_header(s.svg(k, self.backend))}"
                         f"</div>" for k in range(len(s) + 1))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
.controls {{ position: sticky; top: 0; background: white; padding: .5em 0; }}
.frame svg {{ max-width: 100%; height: auto; }}
pre {{ background: #f6f6f6; padding: .5em; overflow-x: auto; }}
</style></head><body>
<div class="controls">
<button id="prev">&larr; prev</button>
<input id="slider" type="range" min="0" max="{last}" value="{start}">
<button id="next">next &rarr;</button> <span id="count"></span>
</div>
{frames}
<script>
var k = {start}, last = {last};
function show(n) {{
  k = Math.max(0, Math.min(last, n));
  document.querySelectorAll(".frame").forEach(function (f) {{ f.hidden = f.id !== "f" + k; }});
  document.getElementById("slider").value = k;
  document.getElementById("count").textContent = "step " + k + " of " + last;
}}
document.getElementById("prev").onclick = function () {{ show(k - 1); }};
document.getElementById("next").onclick = function () {{ show(k + 1); }};
document.getElementById("slider").oninput = function (e) {{ show(+e.target.value); }};
document.addEventListener("keydown", function (e) {{
  if (e.key === "ArrowLeft") show(k - 1);
  if (e.key === "ArrowRight") show(k + 1);
}});
show(k);
</script></body></html>
"""


class BackpropStepper(_Stepper):
    """Step through backprop from ``loss``, one op per ``next()``.

    Args:
        loss: the Value to differentiate (a scalar, or pass ``grad``).
        grad: the seed dL/dloss, as for ``loss.backward(grad)``.
        rankdir, collapse, expand, depth, max_nodes, max_elements: drawing options, as in
            ``draw_graph``.

    ``next()`` advances the real walk one op (``.grad`` fills in as it goes); ``len()``,
    ``steps``, ``render``, ``table`` and the exports first run the walk to its end, which
    completes every ``.grad`` just as ``loss.backward()`` would.

    >>> import autograd_core as ag
    >>> w = ag.Value(0.5, name="w")
    >>> s = BackpropStepper(ag.tanh(w * 3.0))
    >>> [repr(step.op) for step in s]
    ['Tanh', 'Mul']
    >>> round(float(w.grad), 4)  # 3 * (1 - tanh(1.5)**2), as w.backward() gives
    0.5421
    """

    def __init__(self, loss, grad=None, *, rankdir="TB", collapse=False, expand=(),
                 depth=None, max_nodes=300, max_elements=8):
        if not isinstance(loss, Value):
            raise TypeError(f"BackpropStepper: expected a Value, got {type(loss).__name__}")
        if not loss.requires_grad:
            raise RuntimeError("BackpropStepper: this Value does not require grad (it was "
                               "computed from constants, under no_grad, or through "
                               "stop_gradient)")
        seed = _seed(loss, grad, "BackpropStepper")
        walk = backward_steps(loss, grad)
        view = GraphView(loss, rankdir=rankdir, collapse=collapse, expand=expand, depth=depth,
                         max_nodes=max_nodes, where="BackpropStepper")
        self._start(view, max_elements, loss, seed, walk)

    @classmethod
    def from_tape(cls, tape, target, output_gradients=None, **options):
        """Step through ``tape.gradient(target, ...)``: the tape's walk, ``.grad`` untouched.

        Args:
            tape: a GradientTape that recorded ``target`` (persistent, or not used yet).
            target: the Value to differentiate; a non-scalar one is seeded with ones, as
                TensorFlow does.
            output_gradients: the seed dL/dtarget instead.
            options: drawing options, as for ``BackpropStepper``.
        """
        if not tape._records:
            raise ValueError("BackpropStepper.from_tape: the tape has no recorded ops (a "
                             "non-persistent tape frees them in gradient(): step it before, "
                             "or use GradientTape(persistent=True))")
        if not any(v is target for v in tape._records):
            raise ValueError("BackpropStepper.from_tape: the target was not recorded by this "
                             "tape (computed outside it, or from nothing it watches)")
        seed = (np.ones_like(target.data) if output_gradients is None
                else _seed(target, output_gradients, "BackpropStepper.from_tape"))
        max_elements = options.pop("max_elements", 8)
        view = GraphView(target, tape=tape, where="BackpropStepper.from_tape", **options)
        self = cls.__new__(cls)
        self._start(view, max_elements, target, seed, tape.steps({target: seed}))
        return self

    def _start(self, view, max_elements, root, seed, walk):
        super().__init__(view, max_elements)
        self.root = root
        self.seed = np.array(seed, copy=True)
        self._grad_cache = None
        self._walk = walk
        self._totals = {}   # id(Value) -> its gradient so far, as the walk adds it up
        # The walk runs one op ahead: the step after the one shown is computed (or the
        # walk finished, writing the leaves' .grad) before the user asks for it.
        self._ahead = next(self._walk, None)

    def _pull(self):
        raw = self._ahead
        if raw is None:
            return None
        self._ahead = next(self._walk, None)
        return self._record(raw)

    def _record(self, raw):
        """Copy what one engine step did, and explain its sums."""
        forward, derivative = op_formula(raw.op)
        node, op = raw.node, raw.op
        inputs = []
        for pos, (x, g) in enumerate(zip(node.inputs, raw.input_grads)):
            argument = argument_name(op, pos, len(node.inputs))
            if g is None:
                inputs.append(InputGradient(x, argument, None, None, None, None))
                continue
            axes = raw.summed_axes(pos) or None
            before = self._totals.get(id(x))
            g = np.array(g, copy=True)
            total = g if before is None else before + g
            self._totals[id(x)] = total
            inputs.append(InputGradient(x, argument, g, axes, before, total))
        return ChainRuleStep(len(self._steps) + 1, node, op, np.array(raw.grad, copy=True),
                             forward, derivative, tuple(inputs))

    def forward_steps(self):
        """A ``ForwardStepper`` over the same graph and data."""
        return ForwardStepper._on(self.view, self.max_elements, self._data)

    # --- frames ---------------------------------------------------------------------

    def _draw(self, k):
        view = self.view
        grad_text, known_from, step_of = self._grad_text()
        receivers = set()
        if k:
            step = self._steps[k - 1]
            receivers = {id(item.value) for item in step.inputs if item.grad is not None}
            receivers.add(id(step.node))

        def op_state(i):
            return _progress(step_of.get(id(view.values[i])), k)

        def value_state(i):
            if id(view.values[i]) in receivers:
                return "current"
            return "pending" if known_from.get(i, 0) > k else None

        return view.draw(
            data_lines=lambda i: summary_lines(self._data[i], self.max_elements),
            grad_lines=lambda i: grad_text(i, k),
            op_state=op_state, value_state=value_state, caption=self._captions()[k])

    def _grad_text(self):
        """The drawn values' gradient text in any frame, the first frame that knows each,
        and the step of each op's output; worked out once."""
        if self._grad_cache is None:
            index = self.view.index
            drawn = set(self._drawn_values())
            # value index -> [(step, gradient so far)], the seed at step 0 for the root
            history = {}
            if index.get(id(self.root)) in drawn:
                history[index[id(self.root)]] = [(0, self.seed)]
            for step in self.steps:
                for item in step.inputs:
                    i = index.get(id(item.value))
                    if item.grad is not None and i in drawn:
                        history.setdefault(i, []).append((step.index, item.total))
            versions = {}
            for i, changes in history.items():
                last = len(changes) - 1
                versions[i] = [] if changes[0][0] == 0 else [(0, None)]
                for n, (first, total) in enumerate(changes):
                    lines = summary_lines(total, self.max_elements)
                    if n < last:  # more uses still to send their share
                        lines = ["so far " + lines[0]] + ["       " + t for t in lines[1:]]
                    versions[i].append((first, lines))
            known_from = {i: changes[0][0] for i, changes in history.items()}
            step_of = {id(step.node): step.index for step in self._steps}
            self._grad_cache = _frame_text(versions), known_from, step_of
        return self._grad_cache

    def _captions(self):
        if self._caption_cache is None:
            n = len(self)
            texts = [[f"backprop from {_label(self.root)}: seed dL/d{_label(self.root)} = "
                      f"{_flat(summary_lines(self.seed, self.max_elements))}",
                      f"{n} ops to go"]]
            for step in self._steps:
                lines = [f"step {step.index} of {n}: {step.op!r}   g = dL/d"
                         f"{_label(step.node)}"]
                for item in step.inputs:
                    if item.grad is None:
                        continue
                    note = _derivative_for(step, item.argument)
                    if item.summed_axes:
                        note += f", summed over {_axes_text(item.summed_axes)} (broadcast)"
                    if item.before is not None:
                        note += ", added to its gradient from another use"
                    lines.append(f"  {item.argument} = {_label(item.value)}: {note}")
                texts.append(lines)
            self._caption_cache = _padded(texts)
        return self._caption_cache

    def _last_use(self):
        """id(Value) -> (step, input position) of the last gradient sent to it."""
        return {id(item.value): (step.index, pos) for step in self.steps
                for pos, item in enumerate(step.inputs) if item.grad is not None}

    def _text(self, k):
        if k == 0:
            return [f"seed: dL/d{_label(self.root)} = "
                    f"{_flat(summary_lines(self.seed, self.max_elements))}"]
        return _describe(self._steps[k - 1], len(self), self._last_use())

    def _table_lines(self):
        n = len(self)
        last_use = self._last_use()
        lines = [f"backprop from {_label(self.root)} {shape_text(self.seed)}: {n} ops, "
                 f"seed {_flat(summary_lines(self.seed, self.max_elements))}"]
        for step in self._steps:
            lines += _describe(step, n, last_use)
        return lines


class ForwardStepper(_Stepper):
    """Replay the forward pass that built ``root``: one computed value per ``next()``.

    Args:
        root: a Value (or list of Values); its graph was computed already, so this only
            shows the values in the order they were made.
        rankdir, collapse, expand, depth, max_nodes, max_elements: as in ``draw_graph``.
    """

    def __init__(self, root, *, rankdir="TB", collapse=False, expand=(), depth=None,
                 max_nodes=300, max_elements=8):
        view = GraphView(root, rankdir=rankdir, collapse=collapse, expand=expand, depth=depth,
                         max_nodes=max_nodes, where="ForwardStepper")
        super().__init__(view, max_elements)
        self._queue = None
        self._data_cache = None

    @classmethod
    def _on(cls, view, max_elements, data):
        self = cls.__new__(cls)
        _Stepper.__init__(self, view, max_elements)
        self._data = data
        self._queue = None
        self._data_cache = None
        return self

    def _pull(self):
        if self._queue is None:
            self._queue = [i for i, made in enumerate(self.view.has_op) if made]
        if len(self._steps) >= len(self._queue):
            return None
        i = self._queue[len(self._steps)]
        v = self.view.values[i]
        return ForwardStep(len(self._steps) + 1, v, v.op, v.inputs, self._data[i],
                           op_formula(v.op)[0])

    def _draw(self, k):
        view = self.view
        data_text, made = self._data_text()
        current = self._steps[k - 1] if k else None
        receivers = ({id(current.value)} | {id(x) for x in current.inputs}) if current else set()

        def op_state(i):
            return _progress(made.get(id(view.values[i])), k)

        def value_state(i):
            v = view.values[i]
            if id(v) in receivers:
                return "current"
            return "pending" if made.get(id(v), 0) > k else None

        return view.draw(data_lines=lambda i: data_text(i, k), grad_lines=lambda i: None,
                         op_state=op_state, value_state=value_state,
                         caption=self._captions()[k])

    def _data_text(self):
        """The drawn values' data text in any frame, and the step making each value."""
        if self._data_cache is None:
            made = {id(s.value): s.index for s in self.steps}
            versions = {}
            for i in self._drawn_values():
                lines = summary_lines(self._data[i], self.max_elements)
                s = made.get(id(self.view.values[i]), 0)
                versions[i] = [(0, None), (s, lines)] if s else [(0, lines)]
            self._data_cache = _frame_text(versions), made
        return self._data_cache

    def _captions(self):
        if self._caption_cache is None:
            n = len(self)
            texts = [[f"forward pass: {n} ops to compute"]]
            texts += [[f"step {s.index} of {n}: {s.op!r}   {s.forward}"] for s in self._steps]
            self._caption_cache = _padded(texts)
        return self._caption_cache

    def _text(self, k):
        if k == 0:
            return ["forward pass: the inputs and parameters are given"]
        return str(self._steps[k - 1]).split("\n")

    def _table_lines(self):
        return [f"forward pass: {len(self)} ops"] + [
            line for s in self._steps for line in str(s).split("\n")]
