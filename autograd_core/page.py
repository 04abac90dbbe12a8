"""A stepper as one HTML page: the graph beside the step's explanation, for a browser or
slides, offline (the SVG frames, the style and the script are all inline).

On a wide screen the graph and the explanation sit side by side, on a narrow one the
explanation sits under the graph; each scrolls on its own, so both stay in sight. Under
the explanation, every step's caption is listed (click one to go there). The buttons, the
slider and the arrow keys move one step at a time, and each step scrolls the current op
(with the Values it reads and writes) into view when it is not in view already. "Fit
width" shrinks a wide graph to the pane, down to a size where its text is still
readable; "actual size" shows it as Graphviz laid it out.
"""

from __future__ import annotations

import html
from pathlib import Path

from .rendering import fit_width

__all__ = ["html_page", "save_html", "inline_svg"]


# Fitting a wide graph to the pane stops at this fraction of its size: below it the 10 pt
# text drops under 9 pixels and is hard to read; the pane scrolls sideways instead.
SMALLEST_FIT = 0.65


def inline_svg(svg: str, smallest=None) -> str:
    """An SVG file's text as an element of an HTML page: without its XML header, and no
    wider than its container (down to ``smallest`` times its own width, when given)."""
    at = svg.find("<svg")
    return fit_width(svg[at:] if at >= 0 else svg, smallest)


def html_page(stepper, backend="auto") -> str:
    """The page for a stepper (see the module's docstring).

    Args:
        stepper: a ``BackpropStepper`` or ``ForwardStepper``.
        backend: as in ``ag.render``.
    Returns:
        The HTML text.
    """
    n, shown = len(stepper), stepper.position
    frames = [stepper.frame(k) for k in range(n + 1)]
    graphs = "\n".join(f'<div class="frame"{_hidden(k, shown)}>'
                       f"{inline_svg(stepper.svg(k, backend), SMALLEST_FIT)}</div>"
                       for k in range(n + 1))
    texts = "\n".join(f'<div class="frame"{_hidden(k, shown)}>{_lines(frame.explanation)}'
                      f"</div>" for k, frame in enumerate(frames))
    steps = "\n".join(f'<li><button data-k="{k}">{html.escape(frame.caption[0].strip())}'
                      f"</button></li>" for k, frame in enumerate(frames))
    title = html.escape(f"{type(stepper).__name__}: {stepper.title()}")
    return _PAGE.format(title=title, last=n, start=shown, graphs=graphs, texts=texts,
                        steps=steps)


def save_html(stepper, path, backend="auto") -> Path:
    """Write ``html_page`` to ``path``; returns the path."""
    path = Path(path)
    path.write_text(html_page(stepper, backend), encoding="utf-8")
    return path


def _hidden(k, shown):
    return "" if k == shown else " hidden"


def _lines(lines):
    """Text lines whose long lines wrap under their own indentation, not at the margin;
    but the grids of numbers under an "in numbers: ..." line (a convolution's gradient
    on a tiny example) are columns, which a wrapped row would scramble: they never wrap
    (the explanation scrolls sideways instead)."""
    out, grid_indent = [], None
    for line in lines:
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        if grid_indent is not None and indent < grid_indent:
            grid_indent = None
        grid = ' class="grid"' if grid_indent is not None else ""
        out.append(f'<div{grid} style="--indent:{indent}">{html.escape(text)}</div>')
        if text.startswith("in numbers"):
            grid_indent = indent
    return '<div class="explanation">' + "".join(out) + "</div>"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
html, body {{ height: 100%; margin: 0; }}
body {{ display: flex; flex-direction: column; font-family: system-ui, sans-serif; }}
header {{ flex: none; display: flex; flex-wrap: wrap; align-items: center; gap: .4em .6em;
  padding: .5em 1em; border-bottom: 1px solid #ddd; background: #fafafa; }}
h1 {{ font-size: 1em; margin: 0 .5em 0 0; }}
#slider {{ flex: 1 1 10em; min-width: 6em; }}
#count {{ font-variant-numeric: tabular-nums; white-space: nowrap; }}
main {{ flex: 1; min-height: 0; display: grid; grid-template-rows: minmax(0, 1fr) auto; }}
#graph {{ overflow: auto; padding: .5em; }}
#graph svg {{ display: block; margin: 0 auto; }}
#graph.actual svg {{ max-width: none !important; }}
#text {{ overflow: auto; max-height: 45vh; padding: .5em 1em; border-top: 1px solid #ddd; }}
.explanation {{ font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .85em; line-height: 1.45; background: #f6f6f6; border-radius: 4px;
  padding: .75em; overflow-x: auto; }}
.explanation div {{ white-space: pre-wrap; text-indent: -4ch;
  padding-left: calc((var(--indent) + 4) * 1ch); }}
.explanation div.grid {{ white-space: pre; text-indent: 0;
  padding-left: calc(var(--indent) * 1ch); }}
.explanation div:first-child {{ font-weight: bold; }}
ol {{ list-style: none; padding-left: 0; font-size: .85em; color: #555; }}
ol button {{ all: unset; cursor: pointer; }}
ol button:hover, ol button:focus-visible {{ text-decoration: underline; }}
ol li.now {{ color: #c62828; font-weight: bold; }}
@media (min-width: 60em) {{
  main {{ grid-template-columns: minmax(0, 1fr) minmax(24em, 36%); grid-template-rows: none; }}
  #text {{ max-height: none; border-top: 0; border-left: 1px solid #ddd; }}
}}
</style></head><body>
<header>
<h1>{title}</h1>
<button id="prev" title="previous step (&larr;)">&larr; prev</button>
<input id="slider" type="range" min="0" max="{last}" value="{start}" aria-label="step">
<button id="next" title="next step (&rarr;)">next &rarr;</button>
<span id="count"></span>
<button id="zoom">actual size</button>
</header>
<main>
<section id="graph" aria-label="the graph">
{graphs}
</section>
<section id="text" aria-label="what this step does">
{texts}
<ol id="steps">
{steps}
</ol>
</section>
</main>
<script>
var k = {start}, last = {last};
var graph = document.getElementById("graph"), slider = document.getElementById("slider");
var graphs = graph.querySelectorAll(".frame");
var texts = document.querySelectorAll("#text .frame");
var items = document.querySelectorAll("#steps li");

function scroller(el) {{
  for (var p = el.parentElement; p; p = p.parentElement) {{
    var style = getComputedStyle(p);
    if (/auto|scroll/.test(style.overflowY + style.overflowX)) return p;
  }}
  return null;
}}

// Scroll the current op and the Values it touches into view, centred, unless they are
// in view already (stepping should not make the picture jump); when they do not fit,
// the op alone.
function reveal() {{
  var frame = graphs[k], nodes = frame.querySelectorAll("g.current");
  var pane = scroller(frame);
  if (!nodes.length || !pane) return;
  var op = frame.querySelector("g.current.op") || nodes[0], view = pane.getBoundingClientRect();
  function shift(lo, hi) {{
    var a = Infinity, b = -Infinity;
    nodes.forEach(function (n) {{
      var r = n.getBoundingClientRect();
      a = Math.min(a, r[lo]); b = Math.max(b, r[hi]);
    }});
    if (a >= view[lo] && b <= view[hi]) return 0;
    if (b - a > view[hi] - view[lo]) {{
      var r = op.getBoundingClientRect();
      a = r[lo]; b = r[hi];
    }}
    return (a + b - view[lo] - view[hi]) / 2;
  }}
  pane.scrollBy(shift("left", "right"), shift("top", "bottom"));
}}

function show(n) {{
  k = Math.max(0, Math.min(last, n));
  for (var i = 0; i <= last; i++) {{
    graphs[i].hidden = texts[i].hidden = i !== k;
    items[i].className = i === k ? "now" : "";
  }}
  slider.value = k;
  document.getElementById("count").textContent = "step " + k + " of " + last;
  document.getElementById("prev").disabled = k === 0;
  document.getElementById("next").disabled = k === last;
  reveal();
}}

document.getElementById("prev").onclick = function () {{ show(k - 1); }};
document.getElementById("next").onclick = function () {{ show(k + 1); }};
document.getElementById("steps").onclick = function (e) {{
  if (e.target.dataset.k !== undefined) show(+e.target.dataset.k);
}};
document.getElementById("zoom").onclick = function () {{
  var actual = graph.classList.toggle("actual");
  this.textContent = actual ? "fit width" : "actual size";
  reveal();
}};
slider.addEventListener("input", function () {{ show(+slider.value); }});
// One key, one step: taken before a focused slider sees it, which would move too.
window.addEventListener("keydown", function (e) {{
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  var to = {{ArrowLeft: k - 1, ArrowRight: k + 1, Home: 0, End: last}}[e.key];
  if (to === undefined) return;
  e.preventDefault();
  show(to);
}}, true);
show(k);
</script></body></html>
"""
