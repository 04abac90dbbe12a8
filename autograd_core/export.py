"""A stepper's frames for a lesson: one file per frame, an animated GIF, a Jupyter widget.

Each function takes a stepper (``BackpropStepper`` or ``ForwardStepper``) and shows its
frames as they are: the pictures come from ``stepper.svg(k)`` or ``stepper.render(k)``,
the words from ``stepper.frame(k).explanation``. The HTML page is ``page.py``'s.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

from .page import inline_svg
from .rendering import render

__all__ = ["save_frames", "save_gif", "widget"]


def save_frames(stepper, folder, format="svg", backend="auto", dpi=96) -> list:
    """Write one file per frame, ``step_000.<format>`` (before the first step) onwards.

    Args:
        stepper: the stepper.
        folder: created if missing.
        format, backend, dpi: as in ``ag.render``.
    Returns:
        The paths written, in order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(len(stepper) + 1):
        path = folder / f"step_{k:03d}.{format}"
        if format == "svg":
            path.write_text(stepper.svg(k, backend), encoding="utf-8")
        else:
            render(stepper.render(k), format, path, backend=backend, dpi=dpi)
        paths.append(path)
    return paths


def save_gif(stepper, path, seconds_per_frame=1.5, backend="auto", dpi=96) -> Path:
    """Write the frames as an animated GIF (needs Pillow); returns its path."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{type(stepper).__name__}.save_gif needs Pillow: pip install "
                          "pillow (save_html and save_frames do not)") from None
    frames = [Image.open(io.BytesIO(render(stepper.render(k), "png", backend=backend,
                                           dpi=dpi))).convert("RGB")
              for k in range(len(stepper) + 1)]
    # Frames share one size (every node keeps its place); the largest canvas is a guard.
    size = (max(f.width for f in frames), max(f.height for f in frames))
    pages = []
    for f in frames:
        page = Image.new("RGB", size, "white")
        page.paste(f, (0, 0))
        pages.append(page.convert("P", palette=Image.Palette.ADAPTIVE, colors=255))
    path = Path(path)
    pages[0].save(path, save_all=True, append_images=pages[1:], loop=0,
                  duration=int(seconds_per_frame * 1000))
    return path


def widget(stepper, backend="auto"):
    """A play button and a slider through the frames in Jupyter (needs ipywidgets), the
    explanation under the picture; without ipywidgets, every frame one under another."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return FrameSequence(stepper, backend)
    slider = widgets.IntSlider(value=stepper.position, min=0, max=len(stepper),
                               description="step", continuous_update=False)
    play = widgets.Play(value=stepper.position, min=0, max=len(stepper), interval=1500)
    widgets.jslink((play, "value"), (slider, "value"))
    picture = widgets.HTML(inline_svg(stepper.svg(stepper.position, backend)))
    text = widgets.HTML(_pre(stepper.frame().explanation))

    def show(change):
        stepper.position = change["new"]
        picture.value = inline_svg(stepper.svg(stepper.position, backend))
        text.value = _pre(stepper.frame().explanation)
    slider.observe(show, names="value")
    return widgets.VBox([widgets.HBox([play, slider]), picture, text])


class FrameSequence:
    """Every frame of a stepper, one under another, for Jupyter without ipywidgets."""

    def __init__(self, stepper, backend="auto"):
        self.stepper, self.backend = stepper, backend

    def _repr_html_(self):
        s = self.stepper
        return "\n".join(f"<div>{_pre(s.frame(k).explanation)}"
                         f"{inline_svg(s.svg(k, self.backend))}</div>"
                         for k in range(len(s) + 1))


def _pre(lines):
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"
