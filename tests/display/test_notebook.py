"""The tutorial notebook runs, and its HTML renders in a real browser without a math error.

docs/tutorial.ipynb is committed without outputs.  The test executes it with
nbclient (the venv's ipykernel), exports HTML with nbconvert, opens the page in
headless Chromium with a local KaTeX (tests/display/browser.py) and fails on any
formula KaTeX could not render and on LaTeX source left as text.  In CI
(SYMCONV_REQUIRE_ORACLES=1) a missing browser or KaTeX is a failure, not a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .browser import RAW_LATEX, render, with_local_katex

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def _nbformat():
    from conftest import missing

    try:
        import nbformat
    except ImportError:  # a skip on a user's machine, a failure in CI (SYMCONV_REQUIRE_ORACLES)
        missing("nbformat is not installed (pip install -e '.[test]')")
    return nbformat


def test_notebook_is_committed_without_outputs():
    nb = _nbformat().read(NOTEBOOK, 4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) > 15
    assert all(not c.outputs and c.execution_count is None for c in code)


def _templates_on_path() -> None:
    """nbconvert's templates live under the prefix it was installed in; make sure it looks there."""
    import nbconvert

    share = Path(nbconvert.__file__).resolve().parents[4] / "share" / "jupyter"
    if share.is_dir():
        paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        os.environ["JUPYTER_PATH"] = os.pathsep.join([*paths, str(share)])


@pytest.fixture(scope="module")
def executed():
    from conftest import missing

    try:
        import nbclient  # noqa: F401
        import nbconvert  # noqa: F401
        import nbformat
    except ImportError:
        missing("nbclient/nbconvert are not installed (pip install -e '.[test]')")
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, 4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    return nb


def test_every_cell_runs_and_shows_a_rich_display(executed):
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(html) >= 15  # the reports, tables and derivations display as HTML
    # Computing a text repr must not display anything by itself (rich does in Jupyter).
    assert not [o for o in html if "white-space:pre;overflow-x:auto" in o["data"]["text/html"]]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "UnknownSymbol: no symbol kernel here" in text
    assert "InvalidLayer: Conv2d(3, 8, kernel_size=5" in text


def test_html_renders_in_chromium_without_math_errors(executed, chromium, node_modules, tmp_path):
    _templates_on_path()
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(executed)
    page = tmp_path / "tutorial.html"
    page.write_text(with_local_katex(body, node_modules / "katex"), encoding="utf-8")
    shown = render(page, chromium, screenshot=tmp_path / "tutorial.png")
    assert shown.finished, "the page did not finish rendering (KaTeX did not run)"
    assert shown.errors == []
    assert shown.formulas > 300
    text = " ".join(shown.text)
    left = {s: text[max(0, text.find(s) - 60):text.find(s) + 60]
            for s in RAW_LATEX if s in text}
    assert left == {}, left
    assert (tmp_path / "tutorial.png").stat().st_size > 10_000


def test_the_browser_check_catches_broken_math(chromium, node_modules, tmp_path):
    # A parse error, an unbalanced formula and LaTeX outside any delimiter must all be seen.
    page = tmp_path / "bad.html"
    page.write_text(with_local_katex(
        "<html><head></head><body><p>\\(\\frac{1}\\)</p><p>\\(\\frac{1}{\\)</p>"
        "<p>x \\frac{a}{b}</p><p>\\(x^2\\)</p></body></html>", node_modules / "katex"),
        encoding="utf-8")
    shown = render(page, chromium)
    assert shown.finished and len(shown.errors) == 1 and "ParseError" in shown.errors[0]
    assert shown.formulas == 1  # x^2 (the parse error is a katex-error span instead)
    raw = [t for t in shown.text if any(s in t for s in RAW_LATEX)]
    assert raw == ["\\(\\frac{1}{\\)", "x \\frac{a}{b}"]
