"""The stepper's HTML page in a real browser: headless Chromium, driven by Playwright.

The page is opened from a file, as a teacher opens it, on a wide screen (graph and
explanation side by side) and a narrow one (stacked). Each test steps through every frame
with the arrow keys (the slider focused or not), the buttons and the slider, and checks
the step counter, the frame shown, the current op in view, and a console without errors
and a page that fetches nothing.

Chromium comes from the system (Debian's ``chromium``; ``.ci/run`` installs it), never
from ``playwright install``; ``AUTOGRAD_CORE_CHROMIUM`` names another executable. Without
one the tests skip, except under ``AUTOGRAD_CORE_NEED_BROWSER=1`` (CI), where they fail.
Set ``AUTOGRAD_CORE_SCREENSHOTS`` to a folder to keep a screenshot of each layout there.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from autograd_core import page as page_module
from autograd_core.stepper import BackpropStepper
from test_stepper import neuron, xor_net


def find_chromium():
    named = os.environ.get("AUTOGRAD_CORE_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if shutil.which(name):
            return shutil.which(name)
    return None


CHROMIUM = find_chromium()
# CI (.ci/run) installs Chromium and sets this: there, a missing browser is a failure.
NEED_BROWSER = os.environ.get("AUTOGRAD_CORE_NEED_BROWSER") == "1"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not NEED_BROWSER,
    reason="no Chromium found: apt-get install chromium, or set AUTOGRAD_CORE_CHROMIUM "
           "to a Chromium or Chrome executable")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 480, "height": 800}

# Where the current op is, checked against the window and every box that clips it.
CURRENT_IN_VIEW = """() => {
  const frames = [...document.querySelectorAll("#graph .frame")];
  const shown = frames.filter(f => !f.hidden);
  const frame = shown[0];
  const node = frame.querySelector("g.current.op") || frame.querySelector("g.current");
  const r = node.getBoundingClientRect();
  const boxes = [{top: 0, left: 0, bottom: innerHeight, right: innerWidth}];
  for (let p = node.parentElement; p; p = p.parentElement) {
    if (/auto|scroll|hidden/.test(getComputedStyle(p).overflow)) {
      boxes.push(p.getBoundingClientRect());
    }
  }
  const inside = b => r.top >= b.top - 1 && r.bottom <= b.bottom + 1 &&
                      r.left >= b.left - 1 && r.right <= b.right + 1;
  return {shown: shown.map(f => frames.indexOf(f)),
          node: node.querySelector("title").textContent,
          inView: boxes.every(inside), height: r.height};
}"""


@pytest.fixture(scope="module")
def stepper_page(tmp_path_factory):
    loss, _ = xor_net()
    s = BackpropStepper(loss)
    path = s.save_html(tmp_path_factory.mktemp("page") / "backprop.html", backend="wasm")
    return s, path


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("AUTOGRAD_CORE_NEED_BROWSER=1, but no Chromium was found")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def open_page(browser, path, viewport):
    page = browser.new_page(viewport=viewport)
    problems, fetched = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(path.as_uri())
    return page, problems, fetched


def check_step(page, stepper, k):
    """The page shows frame k: counter, slider, the frame, and its current op in view."""
    n = len(stepper)
    assert page.text_content("#count") == f"step {k} of {n}"
    assert page.input_value("#slider") == str(k)
    where = page.evaluate(CURRENT_IN_VIEW)
    assert where["shown"] == [k]
    assert where["node"] == stepper.frame(k).current[0]
    assert where["inView"], f"step {k}: the current node {where['node']} is out of view"
    assert where["height"] > 10   # drawn, not collapsed to nothing
    lines = page.locator("#text .frame:not([hidden]) .explanation div").all_text_contents()
    assert lines == [line.strip() for line in stepper.frame(k).explanation]
    assert page.text_content("#steps li.now") == stepper.frame(k).caption[0].strip()


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["wide", "narrow"])
def test_keys_buttons_and_slider_move_one_step_at_a_time(browser, stepper_page, viewport):
    stepper, path = stepper_page
    n = len(stepper)
    page, problems, fetched = open_page(browser, path, viewport)
    check_step(page, stepper, 0)

    # Arrow keys with nothing focused: through every frame and back.
    for k in range(1, n + 1):
        page.keyboard.press("ArrowRight")
        check_step(page, stepper, k)
    page.keyboard.press("ArrowRight")           # past the end: stays at the last step
    check_step(page, stepper, n)
    for k in range(n - 1, n - 4, -1):
        page.keyboard.press("ArrowLeft")
        check_step(page, stepper, k)

    # The slider focused: a key is still one step (the browser's own slider handling
    # used to move it a second time).
    page.focus("#slider")
    for k in range(n - 4, 1, -1):
        page.keyboard.press("ArrowLeft")
        check_step(page, stepper, k)
    for k in (3, 4):
        page.keyboard.press("ArrowRight")
        check_step(page, stepper, k)
    assert page.evaluate("document.activeElement.id") == "slider"

    # The buttons, and the slider dragged (as its input event reports it).
    page.click("#next")
    check_step(page, stepper, 5)
    page.click("#prev")
    page.click("#prev")
    check_step(page, stepper, 3)
    page.keyboard.press("ArrowRight")           # the prev button focused now
    check_step(page, stepper, 4)
    page.eval_on_selector("#slider",
                          "s => { s.value = 7; s.dispatchEvent(new Event('input')); }")
    check_step(page, stepper, 7)
    page.click(f"#steps button[data-k='{n}']")
    check_step(page, stepper, n)
    page.keyboard.press("Home")
    check_step(page, stepper, 0)
    assert page.is_disabled("#prev") and not page.is_disabled("#next")

    assert problems == []
    assert fetched == [path.as_uri()]           # offline: the page alone
    page.close()


@pytest.fixture(scope="module")
def small_page(tmp_path_factory):
    y, *_ = neuron()
    s = BackpropStepper(y)
    return s, s.save_html(tmp_path_factory.mktemp("page") / "neuron.html", backend="wasm")


@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["wide", "narrow"])
@pytest.mark.parametrize("graph", ["xor", "neuron"])
def test_layout_side_by_side_when_wide_and_stacked_when_narrow(browser, stepper_page,
                                                               small_page, graph, viewport,
                                                               request):
    stepper, path = stepper_page if graph == "xor" else small_page
    page, problems, _ = open_page(browser, path, viewport)
    panes = page.locator("#graph").bounding_box(), page.locator("#text").bounding_box()
    if viewport is WIDE:
        assert panes[1]["x"] >= panes[0]["x"] + panes[0]["width"] - 1
        assert panes[1]["y"] == panes[0]["y"] and panes[0]["width"] > panes[1]["width"]
    else:
        assert panes[1]["y"] >= panes[0]["y"] + panes[0]["height"] - 1
        assert abs(panes[1]["width"] - panes[0]["width"]) < 2

    # The graph fits the pane's width (never grown), though not below a size where its
    # text is still readable (the XOR net's case), and shows at the size Graphviz gave
    # it on demand.
    shown = "#graph .frame:not([hidden]) svg"
    width_pt, height_pt = (float(page.get_attribute(shown, size)[:-2])   # "1000pt"
                           for size in ("width", "height"))
    natural = width_pt * 96 / 72
    room = page.evaluate("""() => {
        const pane = document.getElementById("graph"), style = getComputedStyle(pane);
        return pane.clientWidth - parseFloat(style.paddingLeft)
                                - parseFloat(style.paddingRight);
    }""")
    fit = max(min(natural, room), page_module.SMALLEST_FIT * natural)
    box = page.locator(shown).bounding_box()
    assert box["width"] == pytest.approx(fit, abs=1.5)
    assert box["height"] / box["width"] == pytest.approx(height_pt / width_pt, rel=0.01)
    page.click("#zoom")
    assert page.locator(shown).bounding_box()["width"] == pytest.approx(natural, abs=1)
    assert page.text_content("#zoom") == "fit width"
    page.keyboard.press("ArrowRight")
    check_step(page, stepper, 1)

    folder = os.environ.get("AUTOGRAD_CORE_SCREENSHOTS")
    if folder:
        page.click("#zoom")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.screenshot(path=str(Path(folder) / f"page_{request.node.callspec.id}.png"))
    assert problems == []
    page.close()
