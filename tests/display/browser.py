r"""Render an nbconvert HTML page in headless Chromium with a local KaTeX, and read what it shows.

The page's own MathJax comes from a CDN (no internet here or in CI), so its
scripts are replaced by the KaTeX of the ``node_modules`` fixture and its
auto-render extension, configured with the delimiters Jupyter's MathJax uses
(``$``, ``$$``, ``\(...\)``, ``\[...\]``).  Chromium dumps the DOM after
rendering (``--dump-dom`` with a virtual-time budget); :class:`Rendered`
reads it: how many formulas KaTeX rendered, which failed (``katex-error``),
and the page's visible text outside the formulas and outside code, where no
LaTeX source may be left.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-extensions", "--mute-audio"]

_KATEX = """
<link rel="stylesheet" href="{katex}/dist/katex.min.css">
<script src="{katex}/dist/katex.min.js"></script>
<script src="{katex}/dist/contrib/auto-render.min.js"></script>
"""
_RENDER = r"""
<script>
  renderMathInElement(document.body, {
    delimiters: [{left: "$$", right: "$$", display: true}, {left: "\\[", right: "\\]", display: true},
                 {left: "\\(", right: "\\)", display: false}, {left: "$", right: "$", display: false}],
    throwOnError: false, errorColor: "#cc0000"});
  document.body.setAttribute("data-rendered", "yes");
</script>
"""


def with_local_katex(page: str, katex: Path) -> str:
    """The page with its remote scripts (MathJax, require.js) replaced by a local KaTeX."""
    page = re.sub(r'<script[^>]*src="https?://[^"]*"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<script type="text/x-mathjax-config">.*?</script>', "", page, flags=re.S)
    page = page.replace("</head>", _KATEX.format(katex=katex.resolve().as_uri()) + "</head>", 1)
    if not page.lstrip().lower().startswith("<!doctype"):
        page = "<!DOCTYPE html>\n" + page  # KaTeX renders nothing in quirks mode
    return page.replace("</body>", _RENDER + "</body>", 1)


@dataclass
class Rendered:
    """What the rendered page shows."""

    formulas: int = 0
    errors: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    finished: bool = False


class _Reader(HTMLParser):
    _SKIP = {"script", "style", "pre", "code", "textarea", "annotation"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Rendered()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping inside)

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "body" and a.get("data-rendered") == "yes":
            self.out.finished = True
        if "katex" in classes:
            self.out.formulas += 1
        if "katex-error" in classes:
            self.out.errors.append(a.get("title") or "")
        skip = self._skipping() or tag in self._SKIP or bool(
            {"katex", "katex-display", "katex-error"} & set(classes))
        if tag not in ("br", "img", "meta", "link", "input", "hr", "col", "source", "wbr"):
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for k in range(len(self.stack) - 1, -1, -1):
            if self.stack[k][0] == tag:
                del self.stack[k:]
                break

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.out.text.append(data)


def render(page: Path, chromium: str, screenshot: Path | None = None,
           budget_ms: int = 20000) -> Rendered:
    """Open ``page`` in headless Chromium, let KaTeX render, read the DOM."""
    url = page.resolve().as_uri()
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--virtual-time-budget={budget_ms}",
                          "--dump-dom", url], capture_output=True, text=True, timeout=240,
                         check=True).stdout
    if screenshot is not None:
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--virtual-time-budget={budget_ms}",
                        f"--screenshot={screenshot}", "--window-size=1200,1800", url],
                       capture_output=True, timeout=240, check=True)
    reader = _Reader()
    reader.feed(dom)
    return reader.out


#: What must not be left as text on a rendered page: LaTeX source that no engine typeset.
RAW_LATEX = (r"\begin{", r"\end{", r"\frac", r"\left", r"\right", r"\times", r"\text{",
             r"\mathtt", "\\(", "\\)", "\\[", "\\]", "$", r"\_")
