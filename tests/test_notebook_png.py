"""Notebooks show their pictures everywhere: a PNG beside every SVG output.

A live kernel saves both (the drawings' mime bundle); ``tools/notebook_png.py`` adds the
PNG to outputs saved before; and every lesson notebook in notebooks/ has one per SVG.
"""

import base64
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_core as ag

REPO = Path(__file__).resolve().parent.parent
TOOL = REPO / "tools" / "notebook_png.py"
spec = importlib.util.spec_from_file_location("notebook_png", TOOL)
notebook_png = importlib.util.module_from_spec(spec)
spec.loader.exec_module(notebook_png)


def png_size(b64):
    png = base64.b64decode(b64)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def svg_width_px(svg):
    return float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1)) * 96 / 72


def drawing_svg():
    w = ag.Value(0.5, name="w")
    return ag.render(ag.draw_graph(ag.tanh(w * 3.0)), "svg", backend="wasm").decode()


def notebook_with(outputs):
    """A one-cell notebook in nbformat 4's layout, text split in lines as Jupyter saves."""
    return {"cells": [{"cell_type": "code", "execution_count": 1, "id": "c0", "metadata": {},
                       "outputs": outputs, "source": ["ag.draw_graph(y)"]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_the_tool_adds_a_png_beside_each_svg_and_nothing_else(tmp_path):
    svg = drawing_svg()
    lines = svg.splitlines(keepends=True)
    outputs = [
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"image/svg+xml": lines, "text/plain": ["<Drawing of 6 nodes>"]}},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/svg+xml": lines, "image/png": "aGVsbG8="}},  # has one: kept
        {"output_type": "stream", "name": "stdout", "text": ["step 1\n"]},
    ]
    path = tmp_path / "lesson.ipynb"
    notebook_png.write(notebook_with(outputs), path)
    before = json.loads(path.read_text())

    check = [sys.executable, str(TOOL), "--check", str(path)]
    done = subprocess.run(check, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1
    assert done.stdout == f"{path}: cell 0, output 0: an SVG without a PNG\n"

    done = subprocess.run([sys.executable, str(TOOL), str(path)], capture_output=True,
                          text=True, cwd=REPO, check=True)
    assert done.stdout == f"{path}: 1 PNG added\n"
    after = json.loads(path.read_text())
    png = after["cells"][0]["outputs"][0]["data"].pop("image/png")
    assert after == before                       # the PNG is the only change
    assert png_size(png)[0] == pytest.approx(svg_width_px(svg), abs=2)
    first = path.read_bytes()
    subprocess.run([sys.executable, str(TOOL), str(path)], cwd=REPO, check=True,
                   capture_output=True)
    assert path.read_bytes() == first            # a second run changes nothing
    assert subprocess.run(check, capture_output=True, cwd=REPO).returncode == 0


def test_the_tool_writes_notebooks_as_jupyter_does(tmp_path):
    # Read and written back untouched, every lesson notebook keeps its bytes: the tool's
    # diff is its PNGs alone.
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        notebook_png.write(notebook_png.read(path), tmp_path / path.name)
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_every_saved_svg_output_has_a_png():
    lacking = {path.name: notebook_png.missing(notebook_png.read(path))
               for path in sorted((REPO / "notebooks").glob("*.ipynb"))}
    assert {name: where for name, where in lacking.items() if where} == {}


def test_a_live_kernel_saves_a_png_beside_each_svg(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="needs the 'notebooks' extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the 'notebooks' extra")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "import autograd_core as ag\n"
        "w = ag.Value(0.5, name='w')\n"
        "y = ag.tanh(w * 3.0)\n"
        "ag.draw_graph(y)",
        "s = ag.BackpropStepper(y)\ns.next()",
        "s",
    )]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    drawing, step, stepper = (cell.outputs[-1] for cell in nb.cells)
    for output in (drawing, stepper):
        data = output["data"]
        assert png_size(data["image/png"])[0] == pytest.approx(
            svg_width_px(data["image/svg+xml"]), abs=2)
    assert drawing["data"]["text/plain"].startswith("<Drawing of 6 nodes")
    # A step as a cell's last line reads as its explanation, not as a named tuple.
    assert step["data"]["text/plain"].startswith("step 1: Tanh   y = tanh(x)\n")
    assert "ChainRuleStep(" not in step["data"]["text/plain"]
    assert stepper["data"]["text/plain"].startswith("step 1/2: Tanh")
    assert notebook_png.missing(nb) == []
