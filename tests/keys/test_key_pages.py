"""The bundled keys as a reader gets them: clean pages, nothing internal, every answer given.

* pdflatex's log of every bundled key has no overfull box;
* no file path, no "seed", no Python repr or keyword argument, no unevaluated
  helper function, no stray Markdown marker, no reference to a table or paper
  the key does not print, in any .tex or .md;
* every question has an Answer line, the same items in LaTeX and Markdown, none cut.
"""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path
from typing import Any

import pytest

from symconv.keys.build import build_key
from symconv.keys.latex import document as tex_document
from symconv.keys.latex import math
from symconv.keys.markdown import MarkdownOptions
from symconv.keys.markdown import document as md_document
from symconv.keys.outline import answer_items, split_answers
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


#: Any absolute path (POSIX, home, Windows, file URL), or a seed file's name.
PATH = (r"(?<![\w\\/.:])(?:/[\w.~-]+){2,}|(?<![\w/])~/\w|\b[A-Za-z]:\\{1,2}\w|\bfile:/|"
        r"shared/seeds|\b\w+\.(txt|toml|py|csv)\b")
SEEDS = r"(?i)\bseeds?\b|reconstructed from"

#: What a reader must never see, with why.
LEAKS = [
    (PATH, "a file path"),
    (SEEDS, "the seed files"),
    (r"\b(Conv[123]d|ConvTranspose[123]d|MaxPool[123]d|AvgPool[123]d|Linear|Flatten|"
     r"Sequential|BatchNorm[123]d)\(", "a Python repr of a layer"),
    (r"\b(Conv[123]d|ConvTranspose[123]d|MaxPool[123]d|AvgPool[123]d|Linear) \d",
     "a class name as a label"),
    (r"\b[a-z]+(\\?_[a-z]+)+=\S", "a keyword argument"),
    (r"\b(True|False|None)\b", "a Python constant"),
    (r"policy '|'max_activation'|max_activation", "a policy name"),
    (r"\b(windows|taps|cover)\(|\\operatorname\{(windows|taps|cover)\}", "a helper function"),
    (r"Araujo|\(row \d+\)", "a reference the key does not print"),
    (r"numeric checks need", "a note about missing numbers"),
    (r"\\mathrm\{[A-Za-z]+\\_", "a literal underscore in a name"),
    (r"\{\{\s*[A-Za-z_]+\s*\}\}", "a placeholder"),
    (r"[\w)]\*\*[\w(]|[A-Za-z0-9]\*[A-Za-z0-9]", "Python operators"),  # not **bold**
]


def _prose(text: str, tex: bool) -> str:
    """The text outside math (where Markdown markers would show literally)."""
    if tex:
        text = re.sub(r"\\begin\{align\*\}.*?\\end\{align\*\}|\\\[.*?\\\]|\$[^$]*\$", " ", text,
                      flags=re.S)
    else:
        text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
    return text


def test_the_path_pattern_finds_every_kind_of_path():
    for leak in ("/work/shared/seeds/004_0f9ff387e80f5a41.txt", "see /home/ta/keys/q",
                 "(/tmp/x/y)", "~/keys", r"C:\Users\ta", r"C:\\Users", "file:///srv/k",
                 "homework4_cnn.toml", "Reconstructed from seed 004"):
        assert re.search(PATH, leak) or re.search(SEEDS, leak), leak
    for fine in (r"(h + 2p - k)/s + 1", r"\,/\,", r"\frac{a}{b}", "http://www.w3.org/2000/svg",
                 r"(W - K)/S + 1 = 127/2", "1/4 of the gradient", r"dy/4"):
        assert not re.search(PATH, fine), fine


def _leaks(name: str, text: str) -> list[tuple[str, str, str]]:
    found = []
    for pattern, what in LEAKS:
        for m in re.finditer(pattern, text):
            found.append((name, what, text[max(0, m.start() - 40):m.end() + 40]))
    return found


def _shown(path: Path) -> str:
    """What a reader of the file sees: a document without its preamble, an SVG without its
    namespace URL."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".tex":
        text = text.split(r"\begin{document}", 1)[1]  # the preamble is not shown
    return text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_nothing_internal_in_sheets_variants_and_student_files(handed_out):
    """Sheets, a --seed variant, one student's sheet and key: LaTeX and Markdown."""
    files = sorted(p for p in handed_out.rglob("*") if p.suffix in (".tex", ".md"))
    assert len(files) == len(BUNDLED) * 10  # 2 sheets; sheet and key: 2 of a seed, 2 of a student
    found = [hit for f in files for hit in _leaks(str(f.relative_to(handed_out)), _shown(f))]
    assert not found, found[:8]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_nothing_internal_in_the_json_keys(handed_out):
    """Every text of the JSON keys (the file's and a student's): no path, no seed file, no
    repr; formulas there are the grader's text, so Python operators are expected."""
    files = sorted(handed_out.rglob("*.json"))
    assert len(files) == 2 * len(BUNDLED)
    found = []
    for f in files:
        key = json.loads(f.read_text(encoding="utf-8"))
        assert key["variant"] in (None, {"student": "s001"})
        for text in _strings(key):
            found += [hit for hit in _leaks(f.name, text) if hit[1] not in (
                "Python operators", "a keyword argument", "a Python constant")]
    assert not found, found[:8]


@pytest.mark.parametrize("ext", ["tex", "md"])
def test_no_internal_thing_leaks_onto_the_page(rendered_keys, ext):
    files = sorted(rendered_keys.glob(f"*.{ext}"))
    assert len(files) == len(BUNDLED)
    found = []
    for f in files:
        text = _shown(f)
        found += _leaks(f.name, text)
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


def test_an_assignment_source_is_never_shown(tmp_path):
    """``[assignment] source`` (where the questions come from: a seed file's path in the old
    keys' headers) is for the file's maintainers: no key, sheet or JSON key prints it."""
    from symconv.cli import main

    toml = tmp_path / "q.toml"
    toml.write_text('[assignment]\ntitle = "T"\nsource = "/work/shared/seeds/004_x.txt, '
                    'reconstructed from seed 004"\n\n[[question]]\nid = "1"\nkind = "layer"\n'
                    'text = "Parameters?"\nlayer = { type = "Linear", in_features = 3, '
                    'out_features = 2 }\ninput = [3]\nask = ["params"]\n', encoding="utf-8")
    for extra in ([], ["--format", "md"], ["--format", "json"], ["--sheet"],
                  ["--student", "s1", "--salt", "x"]):
        out = tmp_path / str(len(list(tmp_path.iterdir())))
        assert main(["key", str(toml), "-o", str(out), "--no-torch", *extra]) == 0
        for f in out.rglob("*"):
            if f.suffix in (".tex", ".md", ".json"):
                text = _shown(f)
                assert "004" not in text and not re.search(SEEDS, text), (f.name, extra)
                assert not re.search(PATH, text.replace("Parameters?", "")), (f.name, extra)
