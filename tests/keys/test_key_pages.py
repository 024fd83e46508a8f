"""The bundled keys as a reader gets them: clean pages, nothing internal, every answer given.

* pdflatex's log of every bundled key has no overfull box;
* no file path, no "seed", no Python repr or keyword argument, no unevaluated
  helper function, no stray Markdown marker, no reference to a table or paper
  the key does not print, in any .tex or .md;
* every question has an Answer line, the same items in LaTeX and Markdown, none cut.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

from symconv.keys.build import build_key
from symconv.keys.latex import document as tex_document
from symconv.keys.latex import math, split_answers
from symconv.keys.markdown import MarkdownOptions
from symconv.keys.markdown import document as md_document
from symconv.keys.outline import answer_items
from symconv.keys.questions import load_assignment
from symconv.notation.context import use

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))


def test_no_overfull_box_in_any_bundled_key(compiled_keys):
    logs = sorted(compiled_keys.glob("*.log"))
    assert len(logs) == len(BUNDLED)
    bad = {log.name: re.findall(r"Overfull \\[hv]box \(([0-9.]+)pt too \w+\)[^\n]*",
                                log.read_text(errors="replace")) for log in logs}
    assert all(not v for v in bad.values()), bad


#: What a reader must never see, with why.
LEAKS = [
    (r"/work/|/tmp/|/home/|shared/seeds|\.txt\b", "a file path"),
    (r"(?i)\bseeds?\b|reconstructed from", "the seed files"),
    (r"\b(Conv[123]d|ConvTranspose[123]d|MaxPool[123]d|AvgPool[123]d|Linear|Flatten|"
     r"Sequential|BatchNorm[123]d)\(", "a Python repr of a layer"),
    (r"\b[a-z]+(\\?_[a-z]+)+=\S", "a keyword argument"),
    (r"\b(True|False|None)\b", "a Python constant"),
    (r"policy '|'max_activation'|max_activation", "a policy name"),
    (r"\b(windows|taps|cover)\(|\\operatorname\{(windows|taps|cover)\}", "a helper function"),
    (r"Araujo|\(row \d+\)", "a reference the key does not print"),
    (r"numeric checks need", "a note about missing numbers"),
    (r"\\mathrm\{[A-Za-z]+\\_", "a literal underscore in a name"),
    (r"\{\{\s*[A-Za-z_]+\s*\}\}", "a placeholder"),
    (r"\*\*\d|\d\*\*|[A-Za-z0-9]\*[A-Za-z0-9]", "Python operators"),
]


def _prose(text: str, tex: bool) -> str:
    """The text outside math (where Markdown markers would show literally)."""
    if tex:
        text = re.sub(r"\\begin\{align\*\}.*?\\end\{align\*\}|\\\[.*?\\\]|\$[^$]*\$", " ", text,
                      flags=re.S)
    else:
        text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
    return text


@pytest.mark.parametrize("ext", ["tex", "md"])
def test_no_internal_thing_leaks_onto_the_page(rendered_keys, ext):
    files = sorted(rendered_keys.glob(f"*.{ext}"))
    assert len(files) == len(BUNDLED)
    found = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        if ext == "tex":
            text = text.split(r"\begin{document}", 1)[1]  # the preamble is not shown
        for pattern, what in LEAKS:
            for m in re.finditer(pattern, text):
                found.append((f.name, what, text[max(0, m.start() - 40):m.end() + 40]))
        prose = _prose(text, ext == "tex")
        if ext == "tex":
            for m in re.finditer(r"\*\*|(?<![\\\w])\*[A-Za-z][^*\n]*\*|`", prose):
                found.append((f.name, "a Markdown marker", prose[max(0, m.start() - 40):
                                                              m.end() + 40]))
        else:
            for line in prose.splitlines():
                if line.count("**") % 2:
                    found.append((f.name, "an unbalanced **", line[:120]))
    assert not found, found[:8]


@pytest.fixture(scope="module")
def keys():
    out = []
    for f in BUNDLED:
        a = load_assignment(f)
        out.append((a, build_key(a, use_torch=False).solutions))
    return out


def _blocks(text: str, start: str, stops: tuple[str, ...]) -> list[str]:
    out = []
    for part in text.split(start)[1:]:
        end = min([part.find(s) for s in stops if part.find(s) >= 0] or [len(part)])
        out.append(part[:end])
    return out


def _math(block: str, tex: bool) -> list[str]:
    if tex:
        found = re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}|\\\[(.*?)\\\]|\$([^$]+)\$",
                           block, re.S)
    else:
        found = re.findall(r"\$\$(?:\\begin\{aligned\}(.*?)\\end\{aligned\}|(.*?))\$\$|\$([^$]+)\$",
                           block, re.S)
    return [_flat(next(g for g in groups if g)) for groups in found]


def _flat(tex: str) -> str:
    """TeX without line breaks, alignment marks, scaling wrappers and spaces."""
    tex = re.sub(r"\\fitwidth\{[0-9.]+\\linewidth\}\{\$\\displaystyle (.*?)\$\}", r"\1", tex,
                 flags=re.S)
    tex = tex.replace("\\\\", "").replace("&\\quad", "").replace("&", "")
    return re.sub(r"\s+", "", tex)


def test_every_question_has_one_answer_line_the_same_in_latex_and_markdown(keys):
    for a, solutions in keys:
        tex = tex_document(a, solutions)
        md = md_document(a, solutions, options=MarkdownOptions(protect=False))
        t_blocks = _blocks(tex, r"\textbf{Answer.}", (r"\textit{Note.}", r"{\footnotesize",
                                                      r"\needspace{7", r"\needspace{9",
                                                      r"\end{document}"))
        m_blocks = _blocks(md, "**Answer.**", ("*Note.*", "*Checks.*", "\n### ", "\n## "))
        assert len(t_blocks) == len(m_blocks) == len(a.questions), a.name
        for q, t, m in zip(a.questions, t_blocks, m_blocks, strict=True):
            assert _math(t, True) == _math(m, False), (a.name, q.id)


def test_no_answer_is_cut(keys):
    """Every item of every Answer line is on the page, long formulas whole (broken in lines)."""
    for a, solutions in keys:
        tex = tex_document(a, solutions)
        blocks = _blocks(tex, r"\textbf{Answer.}", (r"\textit{Note.}", r"{\footnotesize",
                                                    r"\needspace{7", r"\needspace{9",
                                                    r"\end{document}"))
        for q, block in zip(a.questions, blocks, strict=True):
            with use(q.notation):
                items = answer_items(q, solutions[q.id])
                inline, paragraphs, display = split_answers(q, solutions[q.id])
                assert len(inline) + len(paragraphs) + len(display) == len(items) > 0
                flat = _flat(block)
                for item in items:
                    if not isinstance(item.value, str):
                        whole = _flat(math(item.value))
                        assert whole in flat, (a.name, q.id, whole[:80])
