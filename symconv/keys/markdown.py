r"""Render answer keys as Markdown for an LMS page (math for MathJax or KaTeX).

The outline is the LaTeX key's (:mod:`symconv.keys.outline`): the same steps,
Answer lines and checks.  Displays become one-line
``$$\begin{aligned}...\end{aligned}$$`` blocks, inline math stays ``$...$``;
with ``delimiters="brackets"`` they are ``\[...\]`` and ``\(...\)``.

**Protected math.**  An LMS turns Markdown into HTML first and typesets the
math afterwards, so a Markdown pass must not touch the math: ``a_{i}`` and
``b_{j}`` would become emphasis, ``\\`` (a row break) one backslash, ``\{``
a brace.  By default every math span is written so that a Markdown parser
gives back exactly the TeX (backslashes before punctuation doubled, ``_``
and ``*`` escaped); ``protect=False`` writes raw TeX for Markdown readers
that understand math themselves (pandoc, Jupyter).

Text from a question file goes through :func:`source_text`, where raw HTML
is escaped and math is checked (:mod:`symconv.keys.texsafe`).

Examples
--------
>>> print(protect_math(r"a_{i} \\ b_{j}"))
a\_{i} \\\\ b\_{j}
>>> print(math_md(r"x_{1}", display=False, options=MarkdownOptions(delimiters="brackets")))
\\(x\_{1}\\)
>>> source_text("<b>5 < 6</b>")
'&lt;b&gt;5 &lt; 6&lt;/b&gt;'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from symconv.figures.step import Figure
from symconv.keys.outline import (
    AnswerLayout,
    Block,
    Section,
    answer_line,
    check_groups,
    outline,
)
from symconv.keys.steps import Answer, Display, Setup, Shared, Table
from symconv.keys.texsafe import DOLLAR, MARKUP, checked_math
from symconv.notation.context import use
from symconv.notation.rows import answer_rows, calculation_rows, equation_rows, math
from symconv.solution import Calculation, Check, Equation, Solution, Text


@dataclass(frozen=True)
class MarkdownOptions:
    """How math is written: ``delimiters`` ``"dollars"`` or ``"brackets"``; ``protect`` it."""

    delimiters: str = "dollars"
    protect: bool = True


_OPTIONS = MarkdownOptions()


def protect_math(tex: str) -> str:
    """TeX written so that a Markdown parser gives it back unchanged.

    CommonMark reads ``\\\\`` as one backslash and ``\\X`` as ``X`` for any ASCII
    punctuation ``X``: doubling every backslash and escaping the characters that
    start emphasis, links, code or an HTML tag gives the TeX back exactly.
    """
    tex = tex.replace("\\", "\\\\")
    for c in "_*[]`~|":
        tex = tex.replace(c, "\\" + c)
    # "<" opens an HTML tag or an autolink only right before a non-space: "k < h" stays
    return re.sub(r"<(?=\S)", r"\\<", tex)


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def math_md(tex: str, display: bool, options: MarkdownOptions | None = None) -> str:
    """One math span (inline or displayed) in the chosen delimiters, protected if asked."""
    o = options or _OPTIONS
    body = " ".join(tex.split("\n")) if display else tex
    # "a<b" would open an HTML tag for a Markdown reader; "a< b" is the same formula.
    body = _TAG_START.sub("< ", body)
    if o.protect:
        body = protect_math(body)
    if o.delimiters == "brackets":
        left, right = ("\\[", "\\]") if display else ("\\(", "\\)")
        if o.protect:
            left, right = "\\\\" + left[1:], "\\\\" + right[1:]
    else:
        left, right = ("$$", "$$") if display else ("$", "$")
    return f"{left}{body}{right}"


_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "*": "\\*", "_": "\\_",
                 "[": "\\[", "]": "\\]", "|": "\\|", "`": "\\`"}


def escape(text: str) -> str:
    """Plain text made safe for Markdown: raw HTML escaped, no stray markup."""
    return "".join(_TEXT_ESCAPES.get(c, c) for c in text)


def text_markdown(text: str, options: MarkdownOptions | None = None) -> str:
    """Light markup (``$math$``, ``$$display$$``, `` `code` ``, ``**bold**``) to Markdown."""
    out = []
    for part in MARKUP.split(text):
        if not part:
            continue
        if part == DOLLAR:
            out.append(r"\$")  # CommonMark's escape; LMS math extensions skip it too
        elif part.startswith("$$"):
            out.append("\n\n" + math_md(checked_math(part)[2:-2], True, options) + "\n\n")
        elif part.startswith("$"):
            out.append(math_md(checked_math(part)[1:-1], False, options))
        elif part.startswith("`"):
            out.append("`" + part[1:-1].replace("`", "") + "`")
        elif part.startswith("**"):
            out.append("**" + text_markdown(part[2:-2], options) + "**")
        else:
            out.append(escape(part))
    return "".join(out)


def source_text(text: str, options: MarkdownOptions | None = None) -> str:
    """Text from a question file as Markdown: the one entry every such field goes through."""
    return text_markdown(text, options)


def _aligned(rows: list[str], options: MarkdownOptions | None) -> str:
    return math_md("\\begin{aligned}" + "\\\\".join(rows) + "\\end{aligned}", True, options)


def _cell(value: Any, options: MarkdownOptions | None) -> str:
    if isinstance(value, str):
        return text_markdown(value, options)
    return math_md(math(value), False, options).replace("|", "\\vert ")


def step_markdown(step: Any, options: MarkdownOptions | None = None) -> str:
    """Markdown of one step."""
    if isinstance(step, Text):
        return text_markdown(step.text, options)
    if isinstance(step, Calculation):
        return _aligned(calculation_rows(step), options)
    if isinstance(step, Equation):
        out = _aligned(equation_rows(step), options)
        return f"{text_markdown(step.label, options)}\n\n{out}" if step.label else out
    if isinstance(step, Setup):
        return f"**{escape(step.label)}.** {text_markdown(step.text, options)}"
    if isinstance(step, Shared):
        return "\n\n".join(steps_markdown(list(step.steps), options))
    if isinstance(step, Table):
        head = "| " + " | ".join(text_markdown(c, options) for c in step.columns) + " |"
        rule = "|" + "---|" * len(step.columns)
        rows = ["| " + " | ".join(_cell(c, options) for c in row) + " |" for row in step.rows]
        cap = f"\n\n*{text_markdown(step.caption, options)}*" if step.caption else ""
        return "\n".join([head, rule, *rows]) + cap
    if isinstance(step, Display):
        return math_md(step.latex, True, options)
    if isinstance(step, Check | Answer):
        return ""
    if isinstance(step, Figure):
        return step.markdown(lambda text: text_markdown(text, options))
    return text_markdown(str(step), options)


def steps_markdown(steps: list[Any], options: MarkdownOptions | None = None) -> list[str]:
    """Markdown blocks of the steps; consecutive calculations share one aligned display."""
    blocks: list[str] = []
    rows: list[str] = []
    for step in steps:
        if isinstance(step, Calculation):
            rows += calculation_rows(step)
            continue
        if rows:
            blocks.append(_aligned(rows, options))
            rows = []
        text = step_markdown(step, options)
        if text:
            blocks.append(text)
    if rows:
        blocks.append(_aligned(rows, options))
    return blocks


def answer_markdown(q: Any, solution: Solution, options: MarkdownOptions | None = None) -> str:
    """The Answer line (:func:`~symconv.keys.outline.answer_line`) in Markdown: the same
    items as the LaTeX key's."""
    return answer_line(q, solution, AnswerLayout(
        text=lambda t: source_text(t, options), label=lambda t: text_markdown(t, options),
        formula=lambda tex: math_md(tex, False, options), head=lambda shown: "**Answer.** ",
        display=lambda answers: _aligned(answer_rows(answers), options)))


def checks_markdown(solution: Solution, options: MarkdownOptions | None = None) -> str:
    """The checks, as the LaTeX key's, in one paragraph."""
    from symconv.keys.latex import group_text

    groups = check_groups(solution)
    if not groups:
        return ""
    parts = []
    for g in groups:
        text = _md_check(group_text(g, tex=False), options)
        parts.append(text[:1].upper() + text[1:])
    return "*Checks.* " + ". ".join(parts) + "."


def _md_check(text: str, options: MarkdownOptions | None) -> str:
    # group_text(tex=False) holds $math$ spans, plain words and the **FAILED** marker
    return text_markdown(text.replace("**FAILED**", "\x00"), options).replace("\x00",
                                                                            "**FAILED**")


def question_markdown(q: Any, solution: Solution | None, block: Block | None = None,
                      options: MarkdownOptions | None = None) -> str:
    with use(getattr(q, "notation", None)):
        return _question_markdown(q, solution, block, options)


def _question_markdown(q: Any, solution: Solution | None, block: Block | None,
                       options: MarkdownOptions | None) -> str:
    title = f"### Question {escape(q.id)}" + (f": {source_text(q.title, options)}"
                                               if q.title else "")
    if q.points:
        title += f" ({q.points} points)"
    text = source_text(q.rendered_text(math), options)
    parts = [title, "> " + text.strip().replace("\n\n", "\n>\n> ").replace("\n", "\n> ")
             .replace("\n> > ", "\n> ")]
    if solution is None:
        return "\n\n".join(parts)
    steps = block.steps if block is not None else [
        s for s in solution.steps if not isinstance(s, Check | Answer)]
    body = [b for b in steps_markdown(steps, options) if b]
    if body:
        parts.append("**Solution.**")
        parts += body
    line = answer_markdown(q, solution, options)
    if line:
        parts.append(line)
    if q.note:
        parts.append(f"*Note.* {source_text(q.note, options)}")
    checks = checks_markdown(solution, options)
    if checks:
        parts.append(checks)
    return "\n\n".join(parts)


def section_markdown(section: Section, options: MarkdownOptions | None = None) -> str:
    parts = []
    if section.heading:
        parts.append(f"## {source_text(section.heading, options)}")
    if section.setup is not None:
        with use(getattr(section.blocks[0].question, "notation", None)):
            parts.append(step_markdown(section.setup, options))
    parts += [question_markdown(b.question, b.solution, b, options) for b in section.blocks]
    return "\n\n".join(parts)


def document(assignment: Any, solutions: dict[str, Solution] | None, variant: str = "",
             options: MarkdownOptions | None = None) -> str:
    """The key (or, with ``solutions=None``, the question sheet) as one Markdown page."""
    meta = assignment.meta
    kind = "Answer key" if solutions is not None else "Questions"
    lines = [f"# {source_text(assignment.title, options)}", ""]
    sub = " · ".join(source_text(str(meta[k]), options) for k in ("subtitle", "course", "date")
                     if meta.get(k))
    if sub:
        lines += [f"*{sub}*", ""]
    lines += [f"**{kind}**" + (f" — {escape(variant)}" if variant else ""), ""]
    if meta.get("intro"):
        lines += [source_text(str(meta["intro"]), options), ""]
    body = [section_markdown(s, options) for s in outline(assignment, solutions)]
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"
