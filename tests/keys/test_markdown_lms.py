"""LMS-ready Markdown: every formula of every bundled key survives a Markdown pass and KaTeX.

An LMS turns Markdown into HTML first and typesets the math afterwards.  The
keys' Markdown is rendered here by markdown-it (no math plugin, raw HTML on, as
such a page does); the math spans taken back out of the HTML must be exactly the
TeX the renderer meant (no ``_`` eaten as emphasis, no ``\\\\`` row break eaten as
one backslash), and KaTeX must typeset each one without an error.
"""

from __future__ import annotations

import glob
import json
import re
import subprocess
from pathlib import Path

import pytest

from symconv.keys.build import build_key
from symconv.keys.markdown import MarkdownOptions, document
from symconv.keys.questions import load_assignment, question_from_table

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))
SCRIPT = Path(__file__).with_name("md_katex.js")
_DOLLARS = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.S)


@pytest.fixture(scope="module")
def keys():
    out = {}
    for f in FILES:
        a = load_assignment(f)
        out[Path(f).stem] = (a, build_key(a, use_torch=False).solutions)
    return out


def _spans(markdown: str) -> list[tuple[str, bool]]:
    return [((m.group(1) if m.group(1) is not None else m.group(2)), m.group(1) is not None)
            for m in _DOLLARS.finditer(markdown)]


def _through_markdown_it(node_modules: Path, tmp_path: Path, mode: str,
                         texts: dict[str, str]) -> dict[str, list[dict]]:
    paths = []
    for name, text in texts.items():
        p = tmp_path / f"{name}-{mode}.md"
        p.write_text(text, encoding="utf-8")
        paths.append(str(p))
    proc = subprocess.run(["node", str(SCRIPT), str(node_modules), mode, *paths],
                          capture_output=True, text=True, timeout=300, check=True)
    found = json.loads(proc.stdout)
    return {Path(k).name.rsplit("-", 1)[0]: v for k, v in found.items()}


@pytest.mark.parametrize("mode", ["dollars", "brackets"])
def test_every_formula_survives_markdown_it_and_katex(node_modules, keys, tmp_path, mode):
    raw = {name: document(a, s, options=MarkdownOptions(protect=False)) for name, (a, s)
           in keys.items()}
    lms = {name: document(a, s, options=MarkdownOptions(delimiters=mode)) for name, (a, s)
           in keys.items()}
    rendered = _through_markdown_it(node_modules, tmp_path, mode, lms)
    for name, text in raw.items():
        want = _spans(text)
        got = [(s["tex"], s["display"]) for s in rendered[name]]
        assert len(want) > 50, name
        mangled = [(w, g) for w, g in zip(want, got, strict=False) if w != g]
        assert not mangled and len(got) == len(want), (name, mangled[:3])
        errors = [(s["tex"][:120], s["error"]) for s in rendered[name] if s["error"]]
        assert not errors, (name, errors[:3])


def test_unprotected_math_would_be_mangled(node_modules, keys, tmp_path):
    """The check above can fail: raw TeX through the same Markdown pass loses characters."""
    a, s = keys["homework4_cnn"]
    raw = document(a, s, options=MarkdownOptions(protect=False))
    rendered = _through_markdown_it(node_modules, tmp_path, "dollars", {"homework4_cnn": raw})
    got = [(x["tex"], x["display"]) for x in rendered["homework4_cnn"]]
    assert got != _spans(raw)
    assert any(x["error"] for x in rendered["homework4_cnn"]) or any(
        "\\\\" in w and "\\\\" not in g for (w, _), (g, _) in zip(_spans(raw), got, strict=False))


def test_raw_html_in_question_text_comes_out_escaped(tmp_path):
    table = {"id": "h", "kind": "prose", "text": "Is <script>alert(1)</script> safe? $a_i < b_j$",
             "prose": "No: <b>never</b> & $x_{1} > 0$ stays math."}
    q = question_from_table(tmp_path / "h.toml", table, 0)
    from symconv.keys.build import solve
    from symconv.keys.questions import Assignment

    a = Assignment(tmp_path / "h.toml", {"title": "<i>T</i>"}, (q,))
    md = document(a, {"h": solve(q, use_torch=False)})
    assert "<script>" not in md and "<b>" not in md and "<i>" not in md
    assert "&lt;script&gt;" in md and "&lt;b&gt;never&lt;/b&gt; &amp;" in md
    assert "a\\_i < b\\_j" in md  # math kept (protected), not HTML-escaped
