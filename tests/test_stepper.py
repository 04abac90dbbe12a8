"""The backprop and forward steppers: steps against hand-derived gradients from the course,
gradient semantics, frames and their exports."""

import ast
import html
import re
import sys
import types

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import dot_text as dot, steps as steps_module
from autograd_core.dot_text import to_dot
from autograd_core.labels import number, summary_lines
from autograd_core.page import inline_svg
from autograd_core.stepper import BackpropStepper, ForwardStepper


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def neuron():
    """Lecture 2's single neuron y = f(b + sum w*x), f = sigmoid, in float64."""
    w = ag.Variable(np.array([0.5, -1.0, 2.0]), name="w")
    x = ag.constant(np.array([1.0, 2.0, 0.5]), name="x")
    b = ag.Variable(np.float64(0.25), name="b")
    y = ag.sigmoid(b + ag.sum(w * x))
    y.name = "y"
    return y, w, x, b


def xor_net(seed=0):
    """Lecture 2's 2-2-1 sigmoid net on XOR with the sum of squared errors, in float64."""
    rng = np.random.default_rng(seed)
    x = ag.constant(np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float64), name="x")
    t = ag.constant(np.array([[0], [1], [1], [0]], np.float64), name="t")
    W1 = ag.Variable(rng.normal(size=(2, 2)), name="W1")
    b1 = ag.Variable(rng.normal(size=2), name="b1")
    W2 = ag.Variable(rng.normal(size=(2, 1)), name="W2")
    b2 = ag.Variable(rng.normal(size=1), name="b2")
    with ag.name_scope("dense"):
        h = ag.sigmoid(ag.matmul(x, W1) + b1)
    with ag.name_scope("dense_1"):
        y = ag.sigmoid(ag.matmul(h, W2) + b2)
    loss = ag.reduce_sum(ag.square(ag.subtract(y, t)))
    loss.name = "loss"
    return loss, (x, t, W1, b1, W2, b2)


def final_gradients(stepper):
    """Each Value's gradient as the stepper's last step sending it one leaves it."""
    totals = {}
    for step in stepper.steps:
        for item in step.inputs:
            if item.grad is not None:
                totals[id(item.value)] = item.total
    return totals


# --- the course's examples --------------------------------------------------------------


def test_single_neuron_steps_match_the_chain_rule_by_hand():
    y, w, x, b = neuron()
    s = BackpropStepper(y)
    steps = list(s)
    assert [repr(step.op) for step in steps] == ["Sigmoid", "Add", "Sum", "Mul"]
    z = 0.25 + np.sum(w.data * x.data)
    slope = sigmoid(z) * (1 - sigmoid(z))  # f'(z)
    sig, add, total, mul = steps
    assert sig.forward == "y = 1 / (1 + exp(-x))" and sig.derivative == "dL/dx = g * y * (1 - y)"
    assert float(sig.grad) == 1.0
    np.testing.assert_allclose(sig.inputs[0].grad, slope)
    assert add.inputs[0].value is b
    np.testing.assert_allclose(add.inputs[0].grad, slope)       # dy/db = f'(z)
    np.testing.assert_allclose(total.inputs[0].grad, [slope] * 3)
    assert mul.inputs[0].value is w and mul.inputs[1].grad is None  # x is a constant
    np.testing.assert_allclose(mul.inputs[0].grad, slope * x.data)  # dy/dw = f'(z) x
    np.testing.assert_allclose(w.grad, slope * x.data)
    np.testing.assert_allclose(b.grad, slope)


def test_xor_net_steps_match_hand_backprop_and_show_the_bias_sum():
    loss, (x, t, W1, b1, W2, b2) = xor_net()
    s = BackpropStepper(loss)
    got = final_gradients(s)
    # Backprop by hand, as on the lecture's slides (row vectors: h1 = f(x W1 + b1)).
    h = sigmoid(x.data @ W1.data + b1.data)
    y = sigmoid(h @ W2.data + b2.data)
    dz2 = 2 * (y - t.data) * y * (1 - y)
    dz1 = (dz2 @ W2.data.T) * h * (1 - h)
    expected = {W2: h.T @ dz2, b2: dz2.sum(axis=0), W1: x.data.T @ dz1, b1: dz1.sum(axis=0)}
    for param, grad in expected.items():
        np.testing.assert_allclose(got[id(param)], grad, rtol=1e-12)
        np.testing.assert_array_equal(param.grad, got[id(param)])
    bias_step = next(step for step in s.steps if any(i.value is b1 for i in step.inputs))
    (bias,) = [i for i in bias_step.inputs if i.value is b1]
    assert bias.summed_axes == (0,)
    np.testing.assert_allclose(bias.grad, bias_step.grad.sum(axis=0))
    lines = []
    s.table(print_fn=lines.append)
    text = "\n".join(lines)
    assert "b = b1  (2,): dL/db1 = g, summed over axis 0 (b1 was broadcast): (4, 2) -> (2,)" \
        in text
    assert "b = b2  (1,): dL/db2 = g, summed over axis 0 (b2 was broadcast): (4, 1) -> (1,)" \
        in text
    assert text.count("summed over") == 2
    assert lines[0] == "backprop from loss scalar float64: 9 ops, seed 1"


@pytest.mark.parametrize("f, f_prime", [
    (ag.sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),   # lecture 4, eq. 13
    (ag.relu, lambda z: (z > 0).astype(float)),              # lecture 4, eq. 14: H(z)
])
def test_dense_layer_steps_equal_lecture_4_equations(f, f_prime):
    # h = f(W x + b) with column vectors, C = 1/2 |y - h|^2, so Delta = h - y (eq. 4).
    rng = np.random.default_rng(4)
    W = ag.Variable(rng.normal(size=(3, 4)), name="W")
    x = ag.Variable(rng.normal(size=(4, 1)), name="x")
    b = ag.Variable(rng.normal(size=(3, 1)), name="b")
    y = ag.constant(rng.normal(size=(3, 1)), name="y")
    h_bar = W @ x + b
    h = f(h_bar)
    cost = 0.5 * ag.sum(ag.square(y - h))
    steps = BackpropStepper(cost).steps
    delta = h.data - y.data
    delta_bar = f_prime(h_bar.data) * delta              # f'(h_bar) (.) Delta, eq. 8
    activation = next(s for s in steps if s.node is h)
    np.testing.assert_allclose(activation.grad, delta)
    np.testing.assert_allclose(activation.inputs[0].grad, delta_bar)
    add = next(s for s in steps if s.node is h_bar)
    assert add.inputs[1].value is b and add.inputs[1].summed_axes is None
    np.testing.assert_allclose(add.inputs[1].grad, delta_bar)          # db, eq. 5
    matmul = next(s for s in steps if s.node is add.inputs[0].value)
    (dW, dx) = (matmul.inputs[0].grad, matmul.inputs[1].grad)
    np.testing.assert_allclose(dW, delta_bar @ x.data.T)               # dW, eq. 5
    np.testing.assert_allclose(dx, W.data.T @ delta_bar)               # dx, eq. 6
    np.testing.assert_allclose(W.grad, delta_bar @ x.data.T)


def test_broadcast_reductions_are_reported_only_where_the_engine_sums():
    x = ag.constant(np.ones((4, 3)), name="x")
    row = ag.Variable(np.ones((1, 3)), name="row")
    s = ag.Variable(np.float64(2.0), name="s")
    a = ag.Variable(np.ones((3, 1)), name="a")
    c = ag.Variable(np.ones((1, 2)), name="c")
    loss = ag.sum(x * row) + ag.sum(x * s) + ag.sum(a @ c)  # a @ c: an outer product
    reported = {item.value.name: item.summed_axes for step in BackpropStepper(loss).steps
                for item in step.inputs if item.value.name}
    assert reported == {"row": (0,), "s": (0, 1), "a": None, "c": None, "x": None}


# --- gradient semantics -----------------------------------------------------------------


def test_stepping_to_the_end_leaves_grad_exactly_as_backward():
    loss, params = xor_net()
    reference, ref_params = xor_net()
    reference.backward()
    s = BackpropStepper(loss)
    first = s.next()
    assert repr(first.op) == "Sum"
    assert all(p.grad is None for p in params[2:])  # the leaves come last
    for _ in s:
        pass
    assert s.next() is None
    for p, q in zip(params[2:], ref_params[2:]):
        np.testing.assert_array_equal(p.grad, q.grad)


def test_gradients_add_up_across_runs_as_backward_does():
    y, w, *_ = neuron()
    y.backward()
    once = w.grad.copy()
    len(BackpropStepper(y))  # runs the walk to the end
    np.testing.assert_array_equal(w.grad, 2 * once)


def test_a_value_used_twice_shows_the_sum_of_its_gradients():
    x = ag.Value(np.float64(3.0), name="x")
    y = x * x + x
    s = BackpropStepper(y)
    add, mul = s.steps
    assert add.inputs[1].before is None and float(add.inputs[1].total) == 1.0
    a, b = mul.inputs
    assert float(a.before) == 1.0 and float(a.total) == 4.0
    assert float(b.before) == 4.0 and float(b.total) == 7.0
    assert float(x.grad) == 7.0
    text = "\n".join(s._table_lines())
    assert "dL/dx so far = 1 + 3 = 4" in text and "dL/dx = 4 + 3 = 7" in text
    assert "dL/dx so far = 1\n" in text + "\n"


def test_the_history_is_a_copy():
    loss, (x, t, W1, b1, W2, b2) = xor_net()
    s = BackpropStepper(loss)
    before = [np.copy(item.total) for step in s.steps for item in step.inputs
              if item.grad is not None]
    data, grad = summary_lines(W1.data), summary_lines(W1.grad)
    W1.grad *= 0           # what an optimizer does after the walk
    W1.assign_sub(W1.data)
    after = [item.total for step in s.steps for item in step.inputs if item.grad is not None]
    for old, new in zip(before, after):
        np.testing.assert_array_equal(old, new)
    # The frames are drawn only now, after the update, and show the values of the walk.
    (w1,) = [n for n in s.frame(len(s)).nodes if n.title and n.title[0].startswith("W1 ")]
    assert w1.data == tuple(data) and w1.grad == tuple(grad)
    assert w1.grad != tuple(summary_lines(W1.grad))


def test_from_tape_walks_the_tape_and_leaves_grad_alone():
    W = ag.Variable(np.array([[1.0, 2.0], [3.0, 4.0]]), name="W")
    b = ag.Variable(np.array([0.5, -0.5]), name="b")
    x = ag.constant(np.array([[1.0, -1.0], [2.0, 0.0], [0.0, 1.0]]), name="x")
    with ag.GradientTape(persistent=True) as tape:
        loss = ag.reduce_mean(ag.tanh(x @ W + b))
    s = BackpropStepper.from_tape(tape, loss)
    got = final_gradients(s)
    dW, db = tape.gradient(loss, [W, b])
    np.testing.assert_allclose(got[id(W)], dW.numpy())
    np.testing.assert_allclose(got[id(b)], db.numpy())
    assert W.grad is None and b.grad is None
    assert [repr(step.op) for step in s.steps] == ["Mean", "Tanh", "Add", "MatMul"]
    with ag.GradientTape() as used:
        out = ag.sum(W * W)
    used.gradient(out, W)
    with pytest.raises(ValueError, match="from_tape: the tape has no recorded ops"):
        BackpropStepper.from_tape(used, out)
    with pytest.raises(ValueError, match="target was not recorded"):
        BackpropStepper.from_tape(tape, ag.sum(W))


def test_errors_name_the_stepper():
    with pytest.raises(RuntimeError, match="BackpropStepper: this Value does not require"):
        BackpropStepper(ag.constant(1.0) * 2.0)
    with pytest.raises(RuntimeError, match="BackpropStepper: grad can be implicitly created"):
        BackpropStepper(ag.Value([1.0, 2.0]) * 2.0)
    with pytest.raises(TypeError, match="BackpropStepper: expected a Value"):
        BackpropStepper(1.0)
    y, *_ = neuron()
    s = BackpropStepper(y)
    with pytest.raises(IndexError, match="goto: step 9 is outside 0..4"):
        s.goto(9)


def test_moving_through_the_steps():
    y, *_ = neuron()
    s = BackpropStepper(y)
    assert s.current is None and s.position == 0
    assert repr(s.next().op) == "Sigmoid"
    assert repr(next(s).op) == "Add" and s.position == 2
    assert repr(s.prev().op) == "Sigmoid" and s.position == 1
    assert repr(s.goto(4).op) == "Mul"
    assert s.next() is None and s.position == 4
    s.reset()
    assert s.current is None and len(s) == 4


# --- frames -----------------------------------------------------------------------------


def op_nodes(source, colour):
    return [line for line in source.splitlines()
            if re.match(r"\t+op\d+ \[", line) and colour in line]


def test_frames_highlight_the_current_op_and_grey_the_pending_ones():
    loss, _ = xor_net()
    s = BackpropStepper(loss)
    n = len(s)
    for k in range(n + 1):
        src = s.render(k).source
        current = op_nodes(src, dot.CURRENT_FILL)
        assert len(current) == (1 if k else 0)
        assert len(op_nodes(src, dot.PENDING_COLOR)) == n - k
        if k:
            assert f"{s.steps[k - 1].op!r}\\n" in current[0]
            assert f"step {k} of {n}: " in src
    first = s.render(0).source
    assert "grad ?" in first and "backprop from loss: seed dL/dloss = 1" in first
    assert "grad ?" not in s.render(n).source


def test_frames_say_what_each_node_shows_at_each_step():
    loss, (x, t, W1, b1, W2, b2) = xor_net()
    s = BackpropStepper(loss)
    n = len(s)
    name = {id(v): f"v{i}" for i, v in enumerate(s.view.values)}
    b1_step = next(step.index for step in s.steps if any(i.value is b1 for i in step.inputs))
    for k in range(n + 1):
        frame = s.frame(k)
        ops = [node for node in frame.nodes if node.kind == "op"]
        assert [node.state for node in ops].count("current") == (1 if k else 0)
        assert [node.state for node in ops].count("pending") == n - k
        node = frame.node(name[id(b1)])
        if k < b1_step:   # not known yet: a "?" padded to the final text's width
            assert node.grad[0].startswith("?") and node.state == "pending"
        else:
            assert node.grad[0] == summary_lines(b1.grad)[0]
        assert node.data == tuple(summary_lines(b1.data))
        assert to_dot(frame).source == s.render(k).source  # the DOT is the frame, drawn
    # Frame 0: the seed at the output; step k: the op, its output and the inputs it sends to.
    assert s.frame(0).current == (name[id(loss)],)
    step = s.steps[b1_step - 1]
    current = s.frame(b1_step).current
    assert current[0] == "op" + name[id(step.node)][1:]
    assert set(current[1:]) == {name[id(step.node)]} | {name[id(i.value)] for i in step.inputs}
    assert s.frame(b1_step).caption[0].startswith(f"step {b1_step} of {n}: Add")
    assert s.frame(b1_step).explanation[0].startswith(f"step {b1_step}/{n}: Add  (in dense)")
    assert s.frame(n) is s.frame(n)  # made once


def test_frames_are_drawn_from_the_recorded_steps_alone(monkeypatch):
    # Once the walk has run, no op's backward (nor forward) runs again to draw it.
    loss, _ = xor_net()
    s = BackpropStepper(loss)
    ops = {type(step.op) for step in s.steps}

    def refuse(*args, **kwargs):
        raise AssertionError("an op ran again while drawing")
    for op_type in ops:
        monkeypatch.setattr(op_type, "backward", refuse)
        monkeypatch.setattr(op_type, "forward", refuse)
    page = s.html(backend="wasm")
    assert page.count("<svg") == len(s) + 1
    assert len(s.forward_steps().render(3).source) > 0


def node_boxes(svg):
    """Each node's outline in an SVG from Graphviz (edges left out)."""
    return {m.group(1): m.group(2) for m in re.finditer(
        r'<title>(\w+)</title>\s*<(?:polygon|path)[^>]*?(?:points|d)="([^"]+)"', svg)}


def test_nodes_keep_their_place_in_every_frame():
    loss, _ = xor_net()
    s = BackpropStepper(loss)
    frames = [node_boxes(s.svg(k, backend="wasm")) for k in range(len(s) + 1)]
    nodes = [{k: v for k, v in boxes.items() if re.fullmatch(r"v\d+|op\d+", k)}
             for boxes in frames]
    assert len(nodes[0]) == 24  # 15 values, 9 ops
    assert all(boxes == nodes[0] for boxes in nodes)


def test_save_frames_and_html(tmp_path):
    y, *_ = neuron()
    s = BackpropStepper(y)
    paths = s.save_frames(tmp_path / "frames", backend="wasm")
    assert [p.name for p in paths] == [f"step_{k:03d}.svg" for k in range(5)]
    assert all(p.read_text().lstrip().startswith("<?xml") for p in paths)
    s.goto(2)
    page = s.save_html(tmp_path / "steps.html", backend="wasm").read_text()
    graph = page.split('<section id="graph"')[1].split("</section>")[0]
    text = page.split('<section id="text"')[1].split("</section>")[0]
    assert graph.count('<div class="frame"') == 5 and graph.count("<svg") == 5
    assert text.count('<div class="explanation">') == 5 and "<svg" not in text
    assert text.count("<li><button data-k=") == 5   # the list of steps
    assert [f.endswith(" hidden") for f in re.findall(r'<div class="frame"[^>]*', graph)] == \
        [True, True, False, True, True]   # the stepper's position shows first
    assert "var k = 2, last = 4;" in page
    assert 'id="prev"' in page and 'id="next"' in page and 'id="slider"' in page
    # Offline: nothing to fetch (the only URLs are the SVG namespaces).
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert set(re.findall(r"https?://[^\"\s]+", page)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "dL/dw = " in text  # the step texts come along
    # The script scrolls to the current op, which the SVG names by its classes.
    assert graph.count('class="node current op"') == 4
    png = s.save_frames(tmp_path / "png", format="png", backend="wasm")
    assert png[0].read_bytes()[:4] == b"\x89PNG"


def test_save_gif(tmp_path):
    image = pytest.importorskip("PIL.Image", reason="save_gif needs Pillow")
    y, *_ = neuron()
    gif = image.open(BackpropStepper(y).save_gif(tmp_path / "steps.gif", backend="wasm"))
    assert gif.format == "GIF" and gif.n_frames == 5
    gif.seek(4)
    last = gif.convert("RGB")
    gif.seek(0)
    assert last.size == gif.size and last.tobytes() != gif.convert("RGB").tobytes()


def test_widget_without_ipywidgets_shows_every_frame(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    y, *_ = neuron()
    html = BackpropStepper(y).widget(backend="wasm")._repr_html_()
    assert html.count("<svg") == 5 and "step 4/4: Mul" in html


def test_widget_slider_moves_the_stepper(monkeypatch):
    class Widget:
        def __init__(self, value=None, **kw):
            self.value, self.callbacks = value, []
            self.__dict__.update(kw)

        def observe(self, fn, names):
            self.callbacks.append(fn)

    class Box:
        def __init__(self, children):
            self.children = children

    fake = types.SimpleNamespace(IntSlider=Widget, Play=Widget, HTML=Widget, HBox=Box,
                                 VBox=Box, jslink=lambda a, b: None)
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    y, *_ = neuron()
    s = BackpropStepper(y)
    box = s.widget(backend="wasm")
    controls, picture, text = box.children
    play, slider = controls.children
    assert slider.max == 4 and slider.value == 0
    slider.callbacks[0]({"new": 2})
    assert s.position == 2 and "step 2/4: Add" in text.value
    assert picture.value == inline_svg(s.svg(2, backend="wasm"))
    assert picture.value.startswith('<svg style="max-width:100%;height:auto"')


def test_forward_stepper_replays_the_values_in_order():
    y, w, x, b = neuron()
    f = ForwardStepper(y)
    steps = list(f)
    assert [repr(s.op) for s in steps] == ["Mul", "Sum", "Add", "Sigmoid"]
    np.testing.assert_array_equal(steps[0].data, w.data * x.data)
    assert steps[0].inputs == (w, x) and steps[-1].value is y
    assert "step 1: Mul(w, x) -> (Mul output) (3,) float64" in str(steps[0])
    w.assign([0.0, 0.0, 0.0])   # after the forward pass: the frames show its copies
    first, last = f.render(0).source, f.render(4).source
    assert first.count("data ?") == 4 and "data ?" not in last
    assert len(op_nodes(first, dot.PENDING_COLOR)) == 4
    assert "data [0.5, -1, 2]" in last
    made = f.frame(1)
    assert made.current[0] == "op3" and made.explanation == tuple(str(steps[0]).split("\n"))
    back = BackpropStepper(y).forward_steps()
    assert [repr(s.op) for s in back] == ["Mul", "Sum", "Add", "Sigmoid"]


def test_a_collapsed_stepper_highlights_the_layer():
    loss, _ = xor_net()
    s = BackpropStepper(loss, collapse=True)
    layer_step = next(step.index for step in s.steps if repr(step.op) == "Sigmoid")
    src = s.render(layer_step).source
    current = [line for line in src.splitlines() if dot.CURRENT_FILL in line]
    assert len(current) == 1 and current[0].lstrip().startswith("g1 ")


def test_step_text_names_the_pieces():
    loss, (x, t, W1, b1, W2, b2) = xor_net()
    s = BackpropStepper(loss)
    text = str(s.steps[-1])
    assert text.startswith("step 9: MatMul  (in dense)   y = a @ b")
    assert "local derivative: dL/da = g @ b^T,  dL/db = a^T @ g" in text
    assert "a = x: takes no gradient" in text
    assert "b = W1  (2, 2): dL/dW1 = x^T @ g: (4, 2)^T @ (4, 2) -> (2, 2)" in text
    assert steps_module.derivative_for(s.steps[-1], "b") == "dL/db = a^T @ g"


# --- the chain rule worked out with its numbers ---------------------------------------


def tanh_neuron():
    """A neuron y = tanh(w * x + b) on numbers, in float64."""
    w = ag.Variable(np.float64(-1.2), name="w")
    x = ag.constant(np.float64(0.2227), name="x")
    b = ag.Variable(np.float64(0.4), name="b")
    y = ag.tanh(w * x + b)
    y.name = "y"
    return y, w, x, b


def one_line(text):
    """Text with every run of spaces and newlines as one space."""
    return " ".join(text.split())


def test_a_number_step_shows_the_chain_rule_with_the_values_names_and_numbers():
    y, w, x, b = tanh_neuron()
    s = BackpropStepper(y)
    tanh, add, mul = s.steps
    # Mul's dL/da = g * b, for w = a and x = b, then the step's own numbers: g is what
    # the Add step sent, x its data, and the result the gradient w ends with.
    line = (f"    a = w: dL/dw = g * x = {number(add.inputs[0].grad)} * {number(x.data)} = "
            f"{number(w.grad)}")
    assert line in str(mul).split("\n")
    assert mul.inputs[0].worked.value == w.grad
    assert (f"    x = (Add output): dL/dx = g * (1 - y**2) = 1 * (1 - {number(y.data)}**2) = "
            f"{number(tanh.inputs[0].grad)}") in str(tanh).split("\n")
    assert f"    b = b: dL/db = g = {number(b.grad)}" in str(add).split("\n")
    # The same lines in the table, the frames' explanations and captions, and the page.
    table = []
    s.table(print_fn=table.append)
    assert line in table
    assert line in s.frame(3).explanation
    assert line.replace("    a = w:", "  a = w:") == s.frame(3).caption[1].rstrip()
    text = s.html(backend="wasm").split('<section id="text"')[1]
    assert html.escape(line.split(": ", 1)[1]) in text


def test_a_broadcast_bias_shows_the_sum_of_the_elements_of_g():
    loss, (x, t, W1, b1, W2, b2) = xor_net()
    s = BackpropStepper(loss)
    step = next(step for step in s.steps if any(i.value is b1 for i in step.inputs))
    (item,) = [i for i in step.inputs if i.value is b1]
    worked = item.worked
    (j,) = worked.at
    assert worked.summed == (0,) and worked.formula == "g"
    assert worked.names == f"g[0,{j}] + g[1,{j}] + g[2,{j}] + g[3,{j}]"
    # The numbers substituted are g's column, and the sum is the gradient b1 receives.
    assert [value for _, _, value in worked.substituted] == list(step.grad[:, j])
    terms = worked.numbers.replace(" - ", " + -").split(" + ")
    assert [float(term) for term in terms] == pytest.approx(step.grad[:, j], rel=1e-3)
    assert worked.value == b1.grad[j] == item.grad[j]
    assert one_line(f"dL/db1 = g, summed over axis 0 (b1 was broadcast): (4, 2) -> (2,) "
                    f"element [{j}] = {worked.names} = {worked.numbers} = "
                    f"{number(b1.grad[j])}") in one_line(str(step))


def test_a_matrix_product_works_out_one_element_as_a_sum_of_products():
    loss, (x, t, W1, b1, W2, b2) = xor_net()
    s = BackpropStepper(loss)
    step = next(step for step in s.steps if step.inputs[-1].value is W2)
    h, g = step.inputs[0].value.data, step.grad
    worked = step.inputs[1].worked
    k, m = worked.at
    assert worked.formula == "a^T @ g" and worked.shapes == "(4, 2)^T @ (4, 1) -> (2, 1)"
    assert worked.names == " + ".join(f"a[{j},{k}]*g[{j},{m}]" for j in range(4))
    assert [value for _, _, value in worked.substituted] == [
        v for j in range(4) for v in (h[j, k], g[j, m])]
    assert worked.value == W2.grad[k, m]
    assert float(worked.value) == pytest.approx(sum(h[:, k] * g[:, m]), rel=1e-12)
    text = one_line(str(step))
    assert one_line(f"b = W2 (2, 1): dL/dW2 = a^T @ g: (4, 2)^T @ (4, 1) -> (2, 1) "
                    f"element [{k}, {m}] = {worked.names} = {worked.numbers} = "
                    f"{number(W2.grad[k, m])}") in text
    # The input that is a weight reads by its name: dL/da = g @ W2^T.
    assert "dL/da = g @ W2^T: (4, 1) @ (2, 1)^T -> (4, 2)" in text


def test_a_long_sum_shows_its_first_terms_and_its_last():
    rng = np.random.default_rng(5)
    x = ag.constant(rng.normal(size=(32, 20)), name="x")
    W = ag.Variable(rng.normal(size=(20, 5)), name="W")
    loss = ag.sum(ag.relu(x @ W))
    step = BackpropStepper(loss).steps[-1]
    worked = step.inputs[1].worked
    k, m = worked.at
    assert not worked.complete and worked.value == W.grad[k, m]
    assert worked.names == (f"x[0,{k}]*g[0,{m}] + x[1,{k}]*g[1,{m}] + x[2,{k}]*g[2,{m}] + ... + "
                            f"x[31,{k}]*g[31,{m}]   (32 terms)")
    assert worked.numbers.count(" ... ") == 1


def test_a_mean_cross_entropy_shows_its_division_by_the_rows():
    rng = np.random.default_rng(6)
    z = ag.Variable(rng.normal(size=(4, 3)), name="z")
    labels = np.array([0, 2, 1, 1])
    loss = ag.softmax_cross_entropy(z, labels, reduction="mean")
    loss.name = "loss"
    s = BackpropStepper(loss)
    (step,) = s.steps
    assert step.derivative == ("dL/dz = g * (softmax(z) - t) / 4   "
                               "(t: one-hot rows of the labels [0, 2, 1, 1])")
    worked = step.inputs[0].worked
    i, j = worked.at
    p, t = np.exp(z.data[i, j]) / np.exp(z.data[i]).sum(), float(labels[i] == j)
    assert worked.names == f"g * (softmax(z)[{i},{j}] - t[{i},{j}]) / 4"
    assert worked.numbers == f"1 * ({number(p)} - {number(t)}) / 4"
    assert worked.value == z.grad[i, j] and float(worked.value) == pytest.approx((p - t) / 4)
    assert "dL/dz = g * (softmax(z) - t) / 4" in ag.draw_graph(loss).source
    assert "dL/dz = g * (softmax(z) - t) / 4" in s.frame(1).node("op1").maths


def test_an_op_that_says_nothing_of_its_elements_shows_its_formula_and_the_value():
    @ag.custom_gradient
    def log1pexp(x):
        """y = log(1 + exp(x))      dL/dx = g * (1 - 1 / (1 + exp(x)))"""
        e = ag.exp(x)
        return ag.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))

    x = ag.Value(np.float64(1.5), name="x")
    (step,) = BackpropStepper(log1pexp(x)).steps
    assert (f"    x1 = x: dL/dx = g * (1 - 1 / (1 + exp(x))) = {number(x.grad)}"
            in str(step).split("\n"))
    A = ag.Variable(np.array([[2.0, 1.0], [0.5, 3.0]]), name="A")
    (step,) = BackpropStepper(ag.linalg.det(A)).steps
    worked = step.inputs[0].worked
    assert worked.numbers == "" and worked.value == A.grad[worked.at]
    assert one_line(f"dL/dA = g * y * A^-T: () -> (2, 2) element [{worked.at[0]}, "
                    f"{worked.at[1]}] = {number(worked.value)}") in one_line(str(step))


# --- a convolution and a pooling, step by step on a tiny example ----------------------


def tiny_cnn():
    """A 4x4 image, a 2x2 kernel, a 2x2 max pool with strides 1 and a weighted sum: every
    number an integer, so that the 4 digits shown are exact."""
    x = ag.Variable(np.array([[1.0, 2, 0, 1], [0, 1, 3, 1], [2, 0, 1, 0], [1, 1, 0, 2]])
                    .reshape(1, 4, 4, 1), name="x")
    k = ag.Variable(np.array([[1.0, -1], [2, 0]]).reshape(2, 2, 1, 1), name="k")
    y = ag.conv2d(x, k)
    y.name = "y"
    p = ag.max_pool2d(y, 2, strides=1)
    p.name = "p"
    loss = ag.sum(p * np.array([1.0, 2, 3, 4]).reshape(1, 2, 2, 1))
    loss.name = "L"
    return loss, x, k, y


def grids_under(lines, words):
    """The grids a step's text shows under its line with ``words`` ("in numbers: ..."),
    read back from the text: {title: 2-D array}."""
    at = next(n for n, line in enumerate(lines) if words in line)
    head = lines[at + 1]
    titles = re.split(r"\s{2,}(?:[⋆=→]\s{2,})?", head.strip())
    starts, column = [], 0
    for title in titles:
        column = head.index(title, column)
        starts.append(column)
        column += len(title)
    rows = []
    for line in lines[at + 2:]:
        if not line.strip().startswith("["):
            break
        rows.append(line)
    grids = {}
    for n, (title, start) in enumerate(zip(titles, starts)):
        end = starts[n + 1] if n + 1 < len(starts) else None
        text = " ".join(row[start:end].strip() for row in rows if row[start:end].strip())
        grids[title] = np.array(ast.literal_eval(text), float)
    return grids


def test_a_convolution_step_shows_its_gradients_as_correlations_in_words_and_numbers():
    loss, x, k, y = tiny_cnn()
    s = BackpropStepper(loss)
    table = []
    s.table(print_fn=table.append)
    conv = s.steps[-1]
    lines = str(conv).split("\n")
    assert lines[0] == ("step 4: Conv2D   y = x ⋆ k, a correlation: 2x2 kernel, strides 1, "
                        "padding valid, dilation 1, channels_last")
    dx = ('dL/dx = g ⋆ flip(k), a "full" correlation (a transposed convolution): g with a '
          "border of 1 zero, correlated with k flipped in both spatial axes")
    dk = "dL/dk = x ⋆ g: x correlated with g, summed over the batch"
    assert lines[1:4] == ["    local derivative:", f"        {dx}", f"        {dk}"]
    assert f"    x = x  (1, 4, 4, 1): {dx}" in lines
    # dL/dx in numbers: g in a border of zeros, k flipped, and x's gradient.
    grids = grids_under(lines, "in numbers: slide flip(k) over g")
    g = conv.grad[0, :, :, 0]
    np.testing.assert_array_equal(grids["g, a border of 1 zero"], np.pad(g, 1))
    np.testing.assert_array_equal(grids["flip(k)"], k.data[::-1, ::-1, 0, 0])
    np.testing.assert_array_equal(grids["dL/dx"], x.grad[0, :, :, 0])
    # dL/dk in numbers: x, g, and k's gradient.
    grids = grids_under(lines, "in numbers: slide g over x")
    np.testing.assert_array_equal(grids["x"], x.data[0, :, :, 0])
    np.testing.assert_array_equal(grids["g"], g)
    np.testing.assert_array_equal(grids["dL/dk"], k.grad[:, :, 0, 0])
    # The element worked out pairs g with k read backwards: the flipped kernel.
    worked = conv.inputs[0].worked
    n, i, j, c = worked.at
    assert (i, j) == (1, 2) and worked.value == x.grad[worked.at] == 8
    assert worked.names == ("g[0,0,1,0]*k[1,1,0,0] + g[0,0,2,0]*k[1,0,0,0] + "
                            "g[0,1,1,0]*k[0,1,0,0] + g[0,1,2,0]*k[0,0,0,0]")
    assert worked.numbers == "1*0 + 2*2 + 0*(-1) + 4*1"
    # The table and the frame's explanation say the same (the gradients complete there:
    # no line repeats a gradient the grids show whole).
    explained = steps_module.describe(conv, len(s), s._last_use())
    assert list(s.frame(4).explanation) == explained
    assert "\n".join(explained) in "\n".join(table)
    assert [line for line in lines[1:] if " so far = " not in line] == explained[1:]


def test_a_kernel_gradient_shows_its_first_terms_and_their_count():
    loss, x, k, y = tiny_cnn()
    worked = BackpropStepper(loss).steps[-1].inputs[1].worked
    assert worked.at == (0, 0, 0, 0) and worked.value == k.grad[0, 0, 0, 0] == 20
    assert worked.names == ("x[0,0,0,0]*g[0,0,0,0] + x[0,0,1,0]*g[0,0,1,0] + "
                            "x[0,0,2,0]*g[0,0,2,0] + ... + x[0,2,2,0]*g[0,2,2,0]   (9 terms)")
    assert worked.numbers == "1*0 + 2*1 + 0*2 + ... + 1*0"


def test_max_pooling_sends_each_g_to_its_windows_maximum():
    loss, x, k, y = tiny_cnn()
    s = BackpropStepper(loss)
    pool = s.steps[2]
    lines = str(pool).split("\n")
    assert lines[0] == ("step 3: MaxPool2D   y = max of x over each window: 2x2 window, "
                        "strides 1, padding valid, channels_last")
    assert lines[1:4] == [
        "    local derivative:",
        "        dL/dx = g at the position of each window's maximum, 0 elsewhere",
        "        (the first maximum on ties; overlapping windows add up)"]
    assert lines[5] == ("    x = y  (1, 3, 3, 1): dL/dy = g at the position of each window's "
                        "maximum, 0 elsewhere: (1, 2, 2, 1) -> (1, 3, 3, 1)")
    grids = grids_under(lines, "in numbers: each g goes to the position of its window's "
                               "maximum in y")
    np.testing.assert_array_equal(grids["y"], y.data[0, :, :, 0])
    np.testing.assert_array_equal(grids["g"], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(grids["dL/dy"], y.grad[0, :, :, 0])
    np.testing.assert_array_equal(y.grad[0, :, :, 0], [[0, 1, 2], [0, 0, 4], [3, 0, 0]])


def test_average_pooling_copies_g_over_its_window():
    x = ag.Variable(np.arange(16.0).reshape(1, 4, 4, 1), name="x")
    q = ag.avg_pool2d(x, 2)
    q.name = "q"
    loss = ag.sum(q * np.array([1.0, -2, 4, 8]).reshape(1, 2, 2, 1))
    (*_, pool) = BackpropStepper(loss).steps
    lines = str(pool).split("\n")
    assert lines[1] == "    local derivative: dL/dx = g / 4 copied to each position of its window"
    assert "        element [0, 2, 2, 0] = g[0,1,1,0] / 4 = 8 / 4 = 2" in lines
    grids = grids_under(lines, "in numbers: g / 4 copied to each position of its window")
    np.testing.assert_array_equal(grids["g"], [[1, -2], [4, 8]])
    np.testing.assert_array_equal(grids["dL/dx"], x.grad[0, :, :, 0])
    np.testing.assert_array_equal(x.grad[0, :2, :2, 0], 0.25)


def test_a_larger_convolution_shows_its_words_and_one_element_but_no_grids():
    rng = np.random.default_rng(14)
    x = ag.Variable(rng.normal(size=(2, 6, 6, 3)), name="x")
    k = ag.Variable(rng.normal(size=(3, 3, 3, 4)), name="k")
    (*_, conv) = BackpropStepper(ag.sum(ag.conv2d(x, k, strides=2, padding="same"))).steps
    text = str(conv)
    assert "in numbers" not in text
    assert ("dL/dx = g ⋆ flip(k), a \"full\" correlation (a transposed convolution): g with its "
            "pixels 2 apart and a border of zeros (top 2, bottom 1, left 2, right 1), correlated "
            "with k flipped in both spatial axes, its in and out channels swapped") in text
    worked = conv.inputs[1].worked
    assert worked.value == k.grad[worked.at] and worked.names.endswith("(18 terms)")


def test_the_html_page_never_wraps_a_row_of_the_grids():
    """A wrapped row would scramble the columns of g ⋆ flip(k) = dL/dx: the rows under an
    "in numbers" line are marked as grid rows, which the page keeps on one line."""
    import re

    from autograd_core import page as page_module
    from autograd_core.page import _lines

    loss, x, k, y = tiny_cnn()
    lines = list(BackpropStepper(loss).frame(4).explanation)
    page = _lines(lines)
    rows = re.findall(r'<div class="grid"[^>]*>([^<]*)</div>', page)
    start = next(i for i, line in enumerate(lines) if "in numbers: slide flip(k)" in line)
    assert rows[:6] == [html.escape(line.lstrip()) for line in lines[start + 1:start + 7]]
    assert "[[0" in rows[1]
    assert not any("in numbers" in row or row.startswith("k = ") for row in rows)
    assert "div.grid {{ white-space: pre;" in open(page_module.__file__).read()
