"""Question sheets: the questions alone, ready to hand out (LaTeX or Markdown).

A sheet has the assignment's title block, each question's heading, points
and text with its numbers filled in, and nothing else: no solution, answer,
note, check, submitted answer or source line, and no word about how the key
was made.  The per-question layout is the key renderers' own
(:func:`symconv.keys.latex.question_latex` and
:func:`symconv.keys.markdown.question_markdown` without a solution), so a
sheet and its key look alike.

Examples
--------
>>> from pathlib import Path
>>> from symconv.keys.questions import load_assignment
>>> a = load_assignment(Path(__file__).parents[2] / "derivations" / "cs280_sp25_a2.toml")
>>> tex = sheet_latex(a, student="s001")
>>> "Student: s001" in tex and "Solution" not in tex and "3{,}610" not in tex
True
>>> sheet_markdown(a).splitlines()[0]
'# CS280 Spring 2025 Assignment 2, Part A'
"""

from __future__ import annotations

from typing import Any

#: Fields of ``[assignment]`` shown under the title of a sheet.
SUBTITLE_FIELDS = ("subtitle", "course", "date")


def sheet_latex(assignment: Any, student: str | None = None, variant: str = "") -> str:
    """A complete LaTeX document with the questions only."""
    from symconv.keys.latex import PREAMBLE, escape, question_latex, text_latex

    meta = assignment.meta
    head = [PREAMBLE, r"\begin{document}", r"\begin{center}",
            r"{\Large\bfseries " + text_latex(assignment.title) + r"}\\[0.4em]"]
    sub = [text_latex(str(meta[k])) for k in SUBTITLE_FIELDS if meta.get(k)]
    if sub:
        head.append(r"{\large " + r" \quad ".join(sub) + r"}\\[0.4em]")
    head.append(r"{\large Questions" + (f" --- {escape(variant)}" if variant else "") + "}")
    if student is not None:
        head.append(r"\\[0.4em]{\large Student: " + escape(student) + "}")
    head.append(r"\end{center}")
    if meta.get("intro"):
        head.append(text_latex(str(meta["intro"])))
    body: list[str] = []
    for section, q in assignment.by_section():
        if section:
            body.append(f"\\section*{{{text_latex(section)}}}")
        body.append(question_latex(q, None))
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n\n\\end{document}\n"


def sheet_markdown(assignment: Any, student: str | None = None, variant: str = "",
                   options: Any = None) -> str:
    """The questions only, as one Markdown page (``options``: the key's MarkdownOptions)."""
    from symconv.keys.markdown import question_markdown, source_text

    def md(text: str) -> str:  # the key's own text pass (math protected for LMS pages)
        return source_text(text, options)

    meta = assignment.meta
    lines = [f"# {md(assignment.title)}", ""]
    sub = " · ".join(md(str(meta[k])) for k in SUBTITLE_FIELDS if meta.get(k))
    if sub:
        lines += [f"*{sub}*", ""]
    lines += ["**Questions**" + (f" — {variant}" if variant else ""), ""]
    if student is not None:
        lines += [f"Student: **{_md_escape(student)}**", ""]
    if meta.get("intro"):
        lines += [md(str(meta["intro"])), ""]
    body = []
    for section, q in assignment.by_section():
        if section:
            body.append(f"## {md(section)}")
        body.append(question_markdown(q, None, options=options))
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"


def _md_escape(text: str) -> str:
    """Plain text in Markdown: punctuation that would become markup is escaped."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|$~" else c for c in text)
