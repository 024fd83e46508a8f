r"""Parse every formula of an HTML or LaTeX display with KaTeX (node), the way a browser would.

The math of an HTML display is what KaTeX's auto-render (and MathJax) find in
its *text*: ``\(...\)``, ``\[...\]`` and ``$$...$$`` after HTML entities are
decoded.  A LaTeX display is ``$$...$$`` blocks.  :func:`katex_errors` renders
them all in one node process with ``throwOnError``, and returns the errors.
"""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

_RENDER = r"""
const katex = require(require("path").resolve(process.argv[process.argv.length - 1]));
let data = ""; process.stdin.on("data", c => data += c);
process.stdin.on("end", () => {
  const out = [];
  for (const [tex, display] of JSON.parse(data)) {
    try { katex.renderToString(tex, {displayMode: display, throwOnError: true, strict: "ignore"}); }
    catch (e) { out.push([tex, String(e.message)]); }
  }
  process.stdout.write(JSON.stringify(out));
});
"""

_MATH = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]|\$\$(.+?)\$\$", re.S)


class _Text(HTMLParser):
    """The text content of an HTML fragment, outside ``code`` and ``pre`` (as auto-render)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("code", "pre", "script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("code", "pre", "script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    return "".join(parser.parts)


def formulas(text: str) -> list[tuple[str, bool]]:
    """(LaTeX, display mode) of every delimited formula in ``text``."""
    out = []
    for m in _MATH.finditer(text):
        inline, shown, dollars = m.groups()
        out.append((inline, False) if inline is not None else (shown or dollars, True))
    return out


def leftover(text: str) -> str:
    """``text`` with its formulas removed: what must not look like LaTeX source."""
    return _MATH.sub(" ", text)


def katex_errors(node_modules: Path, items: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """Render ``items`` with KaTeX; the (formula, error) pairs that failed."""
    result = subprocess.run(["node", "-e", _RENDER, str(node_modules / "katex")],
                            input=json.dumps(items), capture_output=True, text=True, timeout=120,
                            check=True)
    return [tuple(pair) for pair in json.loads(result.stdout)]
