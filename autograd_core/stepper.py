"""Backprop one op at a time: watch the chain rule run, and show it in a lesson.

``BackpropStepper(loss)`` drives the engine's own backward walk (``backward_steps``) one op
per ``next()``. Each step (a ``ChainRuleStep``, see ``steps.py``) tells what the op
received (the upstream gradient ``g``), its local derivative, what it sends to each input
and each input's gradient so far. The stepper takes the gradients and the summed axes from
the walk's steps: it never runs an op, or its derivative, again.

Gradients: the stepper runs the real walk, so ``.grad`` fills in as it goes and ends
exactly as ``loss.backward()`` leaves it (it adds to what ``.grad`` held, as backward
does). The walk runs one op ahead of the steps shown, which writes only gradients that are
already complete. ``BackpropStepper.from_tape`` walks a tape instead and, as the tape does,
leaves ``.grad`` alone. ``ForwardStepper`` replays the forward pass the same way, values
appearing in the order they were computed.

Frame 0 shows the graph before the first step, frame k the graph just after step k. A
frame (``frame(k)``, see ``frame.py``) says what every node shows; ``render(k)`` writes it
as DOT, ``svg(k)`` lays it out, ``table()`` prints every step, and ``save_frames``,
``save_gif``, ``html``/``save_html`` and ``widget`` (``export.py``, ``page.py``) show the
whole sequence.
"""

from __future__ import annotations

import numpy as np

from . import export, page
from .dot_text import Drawing, to_dot
from .engine import Value, _seed, backward_steps
from .frame import Frame, make_frame, padded, progress, text_over_frames
from .graphview import GraphView
from .labels import (
    argument_name, axes_text, flat, number, op_formula, shape_text, summary_lines, value_name,
)
from .rendering import jupyter_bundle, render
from .steps import ChainRuleStep, ForwardStep, InputGradient, derivative_for, describe
from .worked import display_names, work_out, worked_head, worked_lines

# A caption line names each input's chain rule, with its numbers when they fit this width.
CAPTION_WIDTH = 100

__all__ = ["BackpropStepper", "ForwardStepper"]


def _name_in_maths(v):
    """What stands for a Value in a formula: its name, or the number itself for an unnamed
    constant number (``x * 2`` reads dL/dx = g * 2); None keeps the op's letter."""
    if v.name:
        return v.name
    if v.op is None and not v.requires_grad and v.ndim == 0:
        return number(v.data)
    return None


def _before_words(formula):
    """A formula too long for a caption without the words that follow its maths (a
    convolution's "dL/dx = g ⋆ flip(k), ...: g with a border of 1 zero, ...")."""
    maths, colon, _ = formula.partition(": ")
    return maths if colon and len(formula) > CAPTION_WIDTH else formula


class _Stepper:
    """What both steppers share: moving through the steps, and their frames."""

    def __init__(self, view, max_elements, data=None):
        self.view = view
        self.max_elements = max_elements
        # A copy of every Value's data: an optimizer may update parameters in place later.
        self._data = data if data is not None else \
            [np.array(v.data, copy=True) for v in view.values]
        self._steps = []
        self.position = 0
        # Frames and their pictures, made once every step is known.
        self._frames = {}
        self._svg = {}

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

    # --- frames -------------------------------------------------------------------

    def frame(self, step=None) -> Frame:
        """What the drawing after ``step`` (default: the current position) shows."""
        k = self.position if step is None else step
        if not 0 <= k <= len(self):
            raise IndexError(f"{type(self).__name__}: step {k} is outside 0..{len(self)}")
        if k not in self._frames:
            self._frames[k] = self._frame(k)
        return self._frames[k]

    def _frame(self, k):
        raise NotImplementedError

    def render(self, step=None) -> Drawing:
        """Draw the graph after ``step`` (default: the current position) as a ``Drawing``."""
        return to_dot(self.frame(step))

    def svg(self, step=None, backend="auto") -> str:
        """The frame after ``step`` (default: the current one) as SVG text (cached)."""
        k = self.position if step is None else step
        if (k, backend) not in self._svg:
            self._svg[k, backend] = render(self.render(k), "svg", backend=backend).decode()
        return self._svg[k, backend]

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        """Jupyter shows the current frame."""
        text = "\n".join(self.frame().explanation)
        return jupyter_bundle(self.svg(), text, include, exclude)

    def table(self, print_fn=print):
        """Print every step as text, for a terminal."""
        for line in self._table_lines():
            print_fn(line)

    def _table_lines(self):
        raise NotImplementedError

    def title(self) -> str:
        """A line naming what is stepped through (the HTML page's title)."""
        raise NotImplementedError

    # --- the sequence, for lessons (export.py, page.py) ------------------------------

    def save_frames(self, folder, format="svg", backend="auto", dpi=96) -> list:
        """Write one file per frame (``step_000.svg`` is before the first step).

        Args:
            folder: created if missing.
            format, backend, dpi: as in ``ag.render``.
        Returns:
            The paths written, in order.
        """
        return export.save_frames(self, folder, format, backend, dpi)

    def save_gif(self, path, seconds_per_frame=1.5, backend="auto", dpi=96):
        """Write the frames as an animated GIF (needs Pillow); returns its path."""
        return export.save_gif(self, path, seconds_per_frame, backend, dpi)

    def html(self, backend="auto") -> str:
        """A self-contained HTML page: the graph beside the step's explanation, prev/next
        buttons, a slider and the arrow keys; it works offline."""
        return page.html_page(self, backend)

    def save_html(self, path, backend="auto"):
        """Write ``html()`` to a file a teacher can open in a browser or put in slides."""
        return page.save_html(self, path, backend)

    def widget(self, backend="auto"):
        """A slider through the frames in Jupyter (with ipywidgets); without ipywidgets, an
        object that displays every frame, one under another."""
        return export.widget(self, backend)

    def _drawn_values(self):
        """Indices of the values that have a node in the drawing."""
        return [int(item[1:]) for item in self.view.items if item.startswith("v")]


class BackpropStepper(_Stepper):
    """Step through backprop from ``loss``, one op per ``next()``.

    Args:
        loss: the Value to differentiate (a scalar, or pass ``grad``).
        grad: the seed dL/dloss, as for ``loss.backward(grad)``.
        rankdir, collapse, expand, depth, max_nodes, max_elements: drawing options, as in
            ``draw_graph``.

    ``next()`` advances the real walk one op (``.grad`` fills in as it goes); ``len()``,
    ``steps``, ``frame``, ``render``, ``table`` and the exports first run the walk to its
    end, which completes every ``.grad`` just as ``loss.backward()`` would.

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
        self._caption_cache = None
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
        """Copy what one engine step did, and work out its chain rule with its numbers."""
        node, op = raw.node, raw.op
        index = self.view.index
        y = self._data[index[id(node)]]
        xs = [self._data[index[id(x)]] for x in node.inputs]
        forward, derivative = op_formula(op, y, xs)
        upstream = np.array(raw.grad, copy=True)
        names = display_names(op, node.name, [_name_in_maths(x) for x in node.inputs])
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
            worked = work_out(op, pos, upstream, y, xs, raw.raw_grads[pos], g, names)
            inputs.append(InputGradient(x, argument, g, axes, before, total, worked))
        return ChainRuleStep(len(self._steps) + 1, node, op, upstream, forward, derivative,
                             tuple(inputs))

    def forward_steps(self):
        """A ``ForwardStepper`` over the same graph and data."""
        return ForwardStepper._on(self.view, self.max_elements, self._data)

    def title(self):
        return f"backprop from {value_name(self.root)}: {len(self)} ops"

    # --- frames ---------------------------------------------------------------------

    def _frame(self, k):
        view = self.view
        grad_text, known_from, step_of = self._grad_text()
        if k:
            step = self._steps[k - 1]
            touched = {id(item.value) for item in step.inputs if item.grad is not None}
            touched.add(id(step.node))
        else:  # before the first step the seed sits at the output
            touched = {id(self.root)}

        def op_state(i):
            return progress(step_of.get(id(view.values[i])), k)

        def value_state(i):
            if id(view.values[i]) in touched:
                return "current"
            return "pending" if known_from.get(i, 0) > k else None

        return make_frame(
            view, data=lambda i: summary_lines(self._data[i], self.max_elements),
            grad=lambda i: grad_text(i, k), arrays=self._data.__getitem__, op_state=op_state,
            value_state=value_state, caption=self._captions()[k],
            explanation=self._explanation(k))

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
            self._grad_cache = text_over_frames(versions), known_from, step_of
        return self._grad_cache

    def _captions(self):
        if self._caption_cache is None:
            self._caption_cache = self._caption_lines()
        return self._caption_cache

    def _caption_lines(self):
        n = len(self)
        texts = [[f"backprop from {value_name(self.root)}: seed dL/d{value_name(self.root)} "
                  f"= {flat(summary_lines(self.seed, self.max_elements))}",
                  f"{n} ops to go"]]
        for step in self._steps:
            lines = [f"step {step.index} of {n}: {step.op!r}   g = dL/d"
                     f"{value_name(step.node)}"]
            for item in step.inputs:
                if item.grad is None:
                    continue
                note, *element = self._caption_notes(step, item)
                if item.before is not None:
                    note += ", added to its gradient from another use"
                lines.append(f"  {item.argument} = {value_name(item.value)}: {note}")
                lines += [f"      {line}" for line in element]
            texts.append(lines)
        return padded(texts)

    @staticmethod
    def _caption_notes(step, item):
        """The chain rule for one input, short enough for a caption: the formula with its
        numbers, or with its shapes and then the element worked out, each where it fits."""
        if item.worked is None:
            note = derivative_for(step, item.argument)
            if item.summed_axes:
                note += f", summed over {axes_text(item.summed_axes)} (broadcast)"
            return [note]
        lines = worked_lines(item.worked)
        if len(lines[0]) > CAPTION_WIDTH:
            return [_before_words(worked_head(item.worked))]
        return lines if all(len(line) <= CAPTION_WIDTH for line in lines) else lines[:1]

    def _last_use(self):
        """id(Value) -> (step, input position) of the last gradient sent to it."""
        return {id(item.value): (step.index, pos) for step in self.steps
                for pos, item in enumerate(step.inputs) if item.grad is not None}

    def _explanation(self, k):
        if k == 0:
            return [f"seed: dL/d{value_name(self.root)} = "
                    f"{flat(summary_lines(self.seed, self.max_elements))}"]
        return describe(self._steps[k - 1], len(self), self._last_use())

    def _table_lines(self):
        n = len(self)
        last_use = self._last_use()
        lines = [f"backprop from {value_name(self.root)} {shape_text(self.seed)}: {n} ops, "
                 f"seed {flat(summary_lines(self.seed, self.max_elements))}"]
        for step in self._steps:
            lines += describe(step, n, last_use)
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
        self._setup(view, max_elements)

    @classmethod
    def _on(cls, view, max_elements, data):
        """A ForwardStepper over a BackpropStepper's view and copies of the data."""
        self = cls.__new__(cls)
        self._setup(view, max_elements, data)
        return self

    def _setup(self, view, max_elements, data=None):
        super().__init__(view, max_elements, data)
        self._made = [i for i, has_op in enumerate(view.has_op) if has_op]
        self._data_cache = None

    def _pull(self):
        if len(self._steps) >= len(self._made):
            return None
        i = self._made[len(self._steps)]
        v = self.view.values[i]
        xs = [self._data[j] for j in self.view.inputs[i]]
        return ForwardStep(len(self._steps) + 1, v, v.op, v.inputs, self._data[i],
                           op_formula(v.op, self._data[i], xs)[0])

    def title(self):
        return f"forward pass: {len(self)} ops"

    def _frame(self, k):
        view = self.view
        data_text, made, captions = self._data_text()
        current = self._steps[k - 1] if k else None
        touched = ({id(current.value)} | {id(x) for x in current.inputs}) if current else set()

        def op_state(i):
            return progress(made.get(id(view.values[i])), k)

        def value_state(i):
            v = view.values[i]
            if id(v) in touched:
                return "current"
            return "pending" if made.get(id(v), 0) > k else None

        return make_frame(view, data=lambda i: data_text(i, k), grad=None,
                          arrays=self._data.__getitem__, op_state=op_state,
                          value_state=value_state, caption=captions[k],
                          explanation=self._explanation(k))

    def _data_text(self):
        """The drawn values' data text in any frame, the step making each value, and the
        captions; worked out once."""
        if self._data_cache is None:
            made = {id(s.value): s.index for s in self.steps}
            versions = {}
            for i in self._drawn_values():
                lines = summary_lines(self._data[i], self.max_elements)
                s = made.get(id(self.view.values[i]), 0)
                versions[i] = [(0, None), (s, lines)] if s else [(0, lines)]
            n = len(self._steps)
            captions = padded([[f"forward pass: {n} ops to compute"]] + [
                [f"step {s.index} of {n}: {s.op!r}   {s.forward}"] for s in self._steps])
            self._data_cache = text_over_frames(versions), made, captions
        return self._data_cache

    def _explanation(self, k):
        if k == 0:
            return ["forward pass: the inputs and parameters are given"]
        return str(self._steps[k - 1]).split("\n")

    def _table_lines(self):
        return [f"forward pass: {len(self)} ops"] + [
            line for s in self._steps for line in str(s).split("\n")]
