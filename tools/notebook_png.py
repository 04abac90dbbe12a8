"""Give every SVG picture saved in a notebook a PNG beside it, without running the notebook.

JupyterLab hides the SVG outputs of a notebook it does not trust (one opened, not run),
and not every viewer shows SVG; a PNG in the same output shows everywhere. A drawing of
autograd_core carries both when a notebook runs (``rendering.jupyter_bundle``); this tool
adds the PNG to outputs saved before, drawing the saved SVG with resvg-py at the size the
SVG shows, as a live kernel does. Nothing else in the file changes (it is written back in
Jupyter's own format), and running it twice changes nothing the second time.

    python tools/notebook_png.py notebooks/*.ipynb           # add the PNGs, in place
    python tools/notebook_png.py --check notebooks/*.ipynb   # list SVGs without a PNG;
                                                             # exit status 1 if any
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from autograd_core.rendering import NOTEBOOK_PNG_DPI, png_from_svg

SVG, PNG = "image/svg+xml", "image/png"


def svg_outputs(notebook):
    """Every output holding an SVG: ``(cell number, output number, output)``."""
    for c, cell in enumerate(notebook.get("cells", [])):
        for o, output in enumerate(cell.get("outputs", [])):
            if SVG in output.get("data", {}):
                yield c, o, output


def missing(notebook) -> list:
    """Where an SVG output has no PNG: "cell 10, output 0" for each."""
    return [f"cell {c}, output {o}" for c, o, output in svg_outputs(notebook)
            if PNG not in output["data"]]


def add_pngs(notebook) -> int:
    """Add a PNG beside each SVG output that has none; returns how many were added."""
    added = 0
    for _, _, output in svg_outputs(notebook):
        data = output["data"]
        if PNG in data:
            continue
        svg = data[SVG]
        svg = "".join(svg) if isinstance(svg, list) else svg   # notebooks split text in lines
        data[PNG] = base64.b64encode(png_from_svg(svg, NOTEBOOK_PNG_DPI)).decode("ascii")
        added += 1
    return added


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write(notebook, path):
    """Write as Jupyter (nbformat) does, so a diff shows the new PNGs alone."""
    text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    Path(path).write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="only list the SVG outputs without a PNG (exit 1 if any)")
    args = parser.parse_args(argv)
    lacking = 0
    for path in args.notebooks:
        notebook = read(path)
        if args.check:
            for where in missing(notebook):
                print(f"{path}: {where}: an SVG without a PNG")
                lacking += 1
            continue
        added = add_pngs(notebook)
        if added:
            write(notebook, path)
        print(f"{path}: {added} PNG{'s' if added != 1 else ''} added")
    return 1 if lacking else 0


if __name__ == "__main__":
    sys.exit(main())
